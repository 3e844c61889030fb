//! What staff and `serve`'s upkeep run on the store, outside the
//! booking API: the purge of past bookings (which keeps the audit true),
//! a centre's day list as CSV, and the audit itself (`bookings check`).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use creneau_model::slots;
use sqlx::Row;

use super::Pool;

/// Delete bookings whose last appointment is more than `days` days past,
/// with their idempotency keys, and give back their places (the store's
/// audit holds after a purge). Returns the bookings deleted.
pub async fn purge(pool: &Pool, now: DateTime<Utc>, days: u32) -> anyhow::Result<u64> {
    let before = (now - chrono::Duration::days(i64::from(days))).timestamp();
    let mut tx = pool.begin().await?;
    // Their places first, so that every slot's count still equals the
    // confirmed bookings in it (`bookings check`). All of a purged
    // booking's places are before the cut-off.
    sqlx::query(
        "UPDATE slot_usage SET taken = taken - (SELECT COUNT(*) FROM bookings b \
         WHERE b.status = 'confirmed' AND b.centre_id = slot_usage.centre_id \
         AND COALESCE(b.second_at, b.first_at) < $1 \
         AND (b.first_at = slot_usage.starts_at OR b.second_at = slot_usage.starts_at)) \
         WHERE starts_at < $1",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM slot_usage WHERE starts_at < $1 AND taken <= 0")
        .bind(before)
        .execute(&mut *tx)
        .await?;
    // Their messages with them: by then all sent, or given up.
    sqlx::query(
        "DELETE FROM outbox WHERE reference IN (SELECT reference FROM bookings \
         WHERE COALESCE(second_at, first_at) < $1)",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query("DELETE FROM bookings WHERE COALESCE(second_at, first_at) < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    crate::metrics::metrics().purged.inc_by(deleted);
    Ok(deleted)
}

/// A centre's appointments on one local date, as CSV for its staff:
/// time, injection, names, birth date, contact, reference.
pub async fn export_day(pool: &Pool, centre_id: &str, date: NaiveDate) -> anyhow::Result<String> {
    let row = sqlx::query("SELECT d.time_zone FROM centres c JOIN departements d ON d.code = c.departement WHERE c.id = $1")
        .bind(centre_id)
        .fetch_optional(pool)
        .await?
        .with_context(|| format!("no centre {centre_id}"))?;
    let tz = slots::time_zone(&row.get::<String, _>(0)).context("unknown time zone")?;
    let start =
        chrono::TimeZone::from_local_datetime(&tz, &date.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .context("no midnight that day")?
            .with_timezone(&Utc);
    let end = start + chrono::Duration::hours(26);
    let rows = sqlx::query(
        "SELECT first_at, second_at, reference, last_name, first_name, birth_date, phone, email, vaccine FROM bookings \
         WHERE centre_id = $1 AND status = 'confirmed' AND ((first_at >= $2 AND first_at < $3) OR (second_at >= $2 AND second_at < $3))",
    )
    .bind(centre_id)
    .bind(start.timestamp())
    .bind(end.timestamp())
    .fetch_all(pool)
    .await?;
    let mut lines: Vec<(i64, Vec<String>)> = Vec::new();
    for r in rows {
        for (dose, at) in [
            (1, r.get::<Option<i64>, _>(0)),
            (2, r.get::<Option<i64>, _>(1)),
        ] {
            let Some(at) = at else {
                continue;
            };
            let Some(t) = DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&tz)) else {
                continue;
            };
            if t.date_naive() != date {
                continue;
            }
            lines.push((
                at,
                vec![
                    t.format("%H:%M").to_string(),
                    dose.to_string(),
                    r.get(8),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get::<Option<String>, _>(6).unwrap_or_default(),
                    r.get::<Option<String>, _>(7).unwrap_or_default(),
                    r.get(2),
                ],
            ));
        }
    }
    lines.sort();
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    out.write_record([
        "heure",
        "injection",
        "vaccin",
        "nom",
        "prenom",
        "date_naissance",
        "telephone",
        "email",
        "reference",
    ])?;
    for (_, line) in lines {
        out.write_record(line.iter().map(|cell| spreadsheet_safe(cell).into_owned()))?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

/// A cell a spreadsheet will show as text, never run as a formula: the
/// day list is opened in Excel or LibreOffice, and a name such as
/// `=HYPERLINK(…)` would otherwise be a live link. OWASP's rule: a cell
/// starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
/// `'`, which spreadsheets hide.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// What `creneau bookings check` finds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Audit {
    pub confirmed: i64,
    /// Slots holding more people than their centre's capacity.
    pub over_capacity: i64,
    /// Slots whose count differs from the confirmed bookings in them.
    pub mismatched: i64,
}

/// Check the store: no slot oversold, and every slot's count equals the
/// injections of the confirmed bookings in it.
pub async fn audit(pool: &Pool) -> anyhow::Result<Audit> {
    let one = |sql: &'static str| async move {
        sqlx::query(sql)
            .fetch_one(pool)
            .await
            .map(|r| r.get::<i64, _>(0))
    };
    Ok(Audit {
        confirmed: one("SELECT COUNT(*) FROM bookings WHERE status = 'confirmed'").await?,
        over_capacity: one(
            "SELECT COUNT(*) FROM slot_usage u JOIN centres c ON c.id = u.centre_id WHERE u.taken > c.capacity",
        )
        .await?,
        mismatched: one(
            "SELECT COUNT(*) FROM ( \
               SELECT u.centre_id, u.starts_at, u.taken, \
                 (SELECT COUNT(*) FROM bookings b WHERE b.status = 'confirmed' AND b.centre_id = u.centre_id AND b.first_at = u.starts_at) + \
                 (SELECT COUNT(*) FROM bookings b WHERE b.status = 'confirmed' AND b.centre_id = u.centre_id AND b.second_at = u.starts_at) AS booked \
               FROM slot_usage u) s WHERE s.taken <> s.booked",
        )
        .await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_list_cells_never_start_a_formula() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(1+1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for plain in ["Martin", "Anne-Marie", "06 12 34 56 78", "", "O'Neil"] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }
}
