//! Who a booking is for, as the store compares people: "one booking per
//! person" by a key made of the folded names and the birth date, and the
//! repair of birth dates stored before they were checked strictly.
//!
//! The key folds case, accents, hyphens, apostrophes and spaces the way the
//! finder's search does ([`search_key`]): "Paulette-Marie Girard" and
//! "Paulette Marie GIRARD" born the same day are one person. The names are
//! not kept in the key, only a SHA-256 of them.

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use creneau_model::booking::{parse_iso_date, Person};
use creneau_model::text::search_key;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

/// The person's key for "one booking per person".
pub fn person_key(p: &Person) -> String {
    key_of(&p.first_name, &p.last_name, &p.birth_date)
}

fn key_of(first_name: &str, last_name: &str, birth_date: &str) -> String {
    let digest = Sha256::digest(format!(
        "{}\n{}\n{}",
        search_key(first_name),
        search_key(last_name),
        birth_date
    ));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A birth date in a form the API accepted before it checked strictly
/// (`1940-1-2`, `+1940-03-04`, `1940 -04-05`, `"1940-02-03 "`), as the
/// date it meant.
pub fn lenient_birth_date(stored: &str) -> Option<NaiveDate> {
    let s = stored.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let mut parts = s.split('-').map(str::trim);
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let number = |p: &str| {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    NaiveDate::from_ymd_opt(number(y)? as i32, number(m)?, number(d)?)
}

/// What the birth-date repair did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BirthDateRepair {
    /// Rows rewritten as `YYYY-MM-DD` (and their person key with them).
    pub normalised: Vec<String>,
    /// Rewritten too, but the person already had another confirmed
    /// booking: both stay, for the centre to cancel one (`bookings check`
    /// cannot see this; the references are in the repair's report).
    pub duplicates: Vec<String>,
    /// Not readable as a date at all: left as they are.
    pub unreadable: Vec<String>,
}

const BIRTH_DATES: &str = "0005_birth_dates";

/// Once per store: rewrite birth dates stored in a loose form as
/// `YYYY-MM-DD`, so those bookings can be looked up and cancelled, and
/// report the references it could not mend. Recorded in `data_repairs`;
/// `None` when it had already run.
pub async fn repair_birth_dates(pool: &AnyPool) -> anyhow::Result<Option<BirthDateRepair>> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("SELECT 1 FROM data_repairs WHERE name = $1")
        .bind(BIRTH_DATES)
        .fetch_optional(&mut *tx)
        .await?;
    if done.is_some() {
        return Ok(None);
    }
    // Only rows not already 10 characters long can be loose ("1940-02-3x"
    // was never accepted: chrono refused it too).
    let rows = sqlx::query(
        "SELECT reference, first_name, last_name, birth_date, status FROM bookings \
         WHERE LENGTH(birth_date) <> 10 OR birth_date NOT LIKE '____-__-__' ORDER BY reference",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut repair = BirthDateRepair::default();
    for r in rows {
        let reference: String = r.get(0);
        let stored: String = r.get(3);
        if parse_iso_date(&stored).is_some() {
            continue;
        }
        let Some(date) = lenient_birth_date(&stored) else {
            repair.unreadable.push(reference);
            continue;
        };
        let birth = date.format("%Y-%m-%d").to_string();
        let key = key_of(&r.get::<String, _>(1), &r.get::<String, _>(2), &birth);
        let confirmed = r.get::<String, _>(4) == "confirmed";
        let other = sqlx::query(
            "SELECT 1 FROM bookings WHERE person_key = $1 AND status = 'confirmed' AND reference <> $2",
        )
        .bind(&key)
        .bind(&reference)
        .fetch_optional(&mut *tx)
        .await?;
        if confirmed && other.is_some() {
            // The same person booked twice through the loose form: the
            // date is mended, the key left so the unique index holds.
            sqlx::query("UPDATE bookings SET birth_date = $1 WHERE reference = $2")
                .bind(&birth)
                .bind(&reference)
                .execute(&mut *tx)
                .await?;
            repair.duplicates.push(reference);
        } else {
            sqlx::query(
                "UPDATE bookings SET birth_date = $1, person_key = $2 WHERE reference = $3",
            )
            .bind(&birth)
            .bind(&key)
            .bind(&reference)
            .execute(&mut *tx)
            .await?;
            repair.normalised.push(reference);
        }
    }
    let report = format!(
        "normalised {}; duplicates {}: {}; unreadable {}: {}",
        repair.normalised.len(),
        repair.duplicates.len(),
        repair.duplicates.join(" "),
        repair.unreadable.len(),
        repair.unreadable.join(" ")
    );
    sqlx::query("INSERT INTO data_repairs (name, done_at, report) VALUES ($1, $2, $3)")
        .bind(BIRTH_DATES)
        .bind(Utc::now().timestamp())
        .bind(&report)
        .execute(&mut *tx)
        .await?;
    tx.commit()
        .await
        .context("recording the birth-date repair")?;
    Ok(Some(repair))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_birth_dates_read_as_meant() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(lenient_birth_date("1940-1-2"), d(1940, 1, 2));
        assert_eq!(lenient_birth_date("+1940-03-04"), d(1940, 3, 4));
        assert_eq!(lenient_birth_date("1940 -04-05"), d(1940, 4, 5));
        assert_eq!(lenient_birth_date("1940-02-03 "), d(1940, 2, 3));
        assert_eq!(lenient_birth_date("1940-02-30"), None);
        assert_eq!(lenient_birth_date("02/03/1940"), None);
        assert_eq!(lenient_birth_date("1940-02-03-04"), None);
    }

    #[test]
    fn one_person_whatever_the_spelling() {
        let p = |first: &str, last: &str| Person {
            first_name: first.into(),
            last_name: last.into(),
            birth_date: "1940-03-02".into(),
            ..Default::default()
        };
        let key = person_key(&p("Paulette-Marie", "Girard"));
        assert_eq!(key, person_key(&p("Paulette Marie", "GIRARD")));
        assert_eq!(key, person_key(&p("  paulette   marie ", "Girard")));
        assert_eq!(
            person_key(&p("Hélène", "Lefèvre")),
            person_key(&p("HELENE", "LEFEVRE"))
        );
        assert_ne!(key, person_key(&p("Paulette", "Girard")));
    }
}
