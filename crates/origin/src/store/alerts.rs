//! "Me prévenir" alerts as stored (migration `0010_alerts.sql`): a sign-up
//! and its confirmation message in one transaction, the opt-in, the
//! one-click end, the alerts a generation compares with its free places,
//! and the messages it sends, each alert's day marked in the same
//! transaction as its message so two publishers never send it twice.
//!
//! An ended alert (unsubscribed, expired, never confirmed) loses its
//! recipient at once, and its row and messages go a day later ([`tidy`]);
//! until then its recipient key still counts towards the sign-up limits.

use sqlx::Row;

use super::outbox::{bind, enqueue, NewMessage};
use super::{Pool, StoreError};

/// An alert as a sign-up writes it.
#[derive(Clone, Debug)]
pub struct NewAlert {
    pub id: String,
    pub confirm_hash: String,
    pub stop_token: String,
    pub channel: &'static str,
    pub recipient: String,
    pub recipient_key: String,
    /// A circle: latitude, longitude, radius in km, the place's name.
    pub near: Option<(f64, f64, u32, String)>,
    pub centre_id: Option<String>,
    pub vaccine: Option<String>,
    pub lang: &'static str,
    pub created_at: i64,
    /// The confirmation link's end.
    pub expires_at: i64,
}

/// How many sign-ups one recipient may make.
#[derive(Clone, Copy, Debug)]
pub struct RecipientLimits {
    /// Sign-ups (confirmation messages) a day.
    pub per_day: i64,
    /// Alerts pending or active at once.
    pub live: i64,
}

/// Write the alert and its confirmation message, unless its recipient is
/// over a limit: then nothing is written. True when written.
pub async fn sign_up(
    pool: &Pool,
    alert: &NewAlert,
    confirmation: &NewMessage,
    limits: RecipientLimits,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let counts = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN created_at > $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN state <> 'ended' THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM alerts WHERE recipient_key = $1",
    )
    .bind(alert.recipient_key.as_str())
    .bind(alert.created_at - 86_400)
    .fetch_one(&mut *tx)
    .await?;
    let (today, live): (i64, i64) = (counts.get(0), counts.get(1));
    if today >= limits.per_day || live >= limits.live {
        return Ok(false);
    }
    let (lat, lon, radius, place) = match &alert.near {
        Some((lat, lon, r, place)) => (
            Some(*lat),
            Some(*lon),
            Some(*r as i32),
            Some(place.as_str()),
        ),
        None => (None, None, None, None),
    };
    sqlx::query(
        "INSERT INTO alerts (id, confirm_hash, stop_token, channel, recipient, recipient_key, \
         lat, lon, radius_km, place, centre_id, vaccine, lang, state, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', $14, $15)",
    )
    .bind(alert.id.as_str())
    .bind(alert.confirm_hash.as_str())
    .bind(alert.stop_token.as_str())
    .bind(alert.channel)
    .bind(alert.recipient.as_str())
    .bind(alert.recipient_key.as_str())
    .bind(lat)
    .bind(lon)
    .bind(radius)
    .bind(place)
    .bind(alert.centre_id.as_deref())
    .bind(alert.vaccine.as_deref())
    .bind(alert.lang)
    .bind(alert.created_at)
    .bind(alert.expires_at)
    .execute(&mut *tx)
    .await?;
    enqueue(confirmation).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// Make the alert whose confirmation token hashes to `confirm_hash`
/// active until `until`, if its link still holds. Following the link
/// again answers the same. `None`: no such alert, ended, or too late.
pub async fn confirm(
    pool: &Pool,
    confirm_hash: &str,
    now: i64,
    until: i64,
) -> Result<Option<i64>, StoreError> {
    let confirmed = sqlx::query(
        "UPDATE alerts SET state = 'active', confirmed_at = $2, expires_at = $3 \
         WHERE confirm_hash = $1 AND state = 'pending' AND expires_at > $2 RETURNING expires_at",
    )
    .bind(confirm_hash)
    .bind(now)
    .bind(until)
    .fetch_optional(pool)
    .await?;
    if let Some(row) = confirmed {
        return Ok(Some(row.get(0)));
    }
    let active = sqlx::query(
        "SELECT expires_at FROM alerts WHERE confirm_hash = $1 AND state = 'active' AND expires_at > $2",
    )
    .bind(confirm_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(active.map(|r| r.get(0)))
}

/// End the alert of this unsubscribe token: its recipient and unsent
/// messages go at once. True when there is such an alert (ended now or
/// before).
pub async fn end(pool: &Pool, stop_token: &str, now: i64) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let Some(row) = sqlx::query("SELECT id FROM alerts WHERE stop_token = $1")
        .bind(stop_token)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    let id: String = row.get(0);
    sqlx::query(
        "UPDATE alerts SET state = 'ended', recipient = NULL, ended_at = $2 \
         WHERE id = $1 AND state <> 'ended'",
    )
    .bind(id.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM outbox WHERE reference = $1 AND sent_at IS NULL AND failed_at IS NULL",
    )
    .bind(id.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// An active alert, as matching needs it.
#[derive(Clone, Debug)]
pub struct Watching {
    pub id: String,
    pub recipient_key: String,
    pub near: Option<(f64, f64, u32)>,
    pub centre_id: Option<String>,
    pub vaccine: Option<String>,
}

/// The alerts to compare with a generation: active, not expired, not told
/// on `day` (local, `YYYY-MM-DD`), and whose person has had no alert
/// message that day. Only what matching reads, so that 100,000 rows cost
/// little; the answered ones' [`details`] are read afterwards.
pub async fn watching(pool: &Pool, now: i64, day: &str) -> Result<Vec<Watching>, StoreError> {
    let told: std::collections::HashSet<String> =
        sqlx::query("SELECT DISTINCT recipient_key FROM alerts WHERE last_sent_day = $1")
            .bind(day)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
    let rows = sqlx::query(
        "SELECT id, recipient_key, lat, lon, radius_km, centre_id, vaccine FROM alerts \
         WHERE state = 'active' AND expires_at > $1 AND (last_sent_day IS NULL OR last_sent_day <> $2)",
    )
    .bind(now)
    .bind(day)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .filter(|r| !told.contains(r.get::<&str, _>(1)))
        .map(|r| {
            let near = match (
                r.get::<Option<f64>, _>(2),
                r.get::<Option<f64>, _>(3),
                r.get::<Option<i32>, _>(4),
            ) {
                (Some(lat), Some(lon), Some(radius)) => Some((lat, lon, radius.max(0) as u32)),
                _ => None,
            };
            Watching {
                id: r.get(0),
                recipient_key: r.get(1),
                near,
                centre_id: r.get(5),
                vaccine: r.get(6),
            }
        })
        .collect())
}

/// What an answered alert's message needs.
#[derive(Clone, Debug)]
pub struct Details {
    pub channel: String,
    pub recipient: String,
    pub lang: String,
    pub stop_token: String,
    pub place: Option<String>,
    pub expires_at: i64,
}

/// The [`Details`] of these alerts (those still active), by id.
pub async fn details(
    pool: &Pool,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, Details>, StoreError> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    // A few hundred at a time: within every store's limit on parameters.
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, channel, recipient, lang, stop_token, place, expires_at FROM alerts \
             WHERE state = 'active' AND recipient IS NOT NULL AND id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(pool).await? {
            out.insert(
                r.get(0),
                Details {
                    channel: r.get(1),
                    recipient: r.get(2),
                    lang: r.get(3),
                    stop_token: r.get(4),
                    place: r.get(5),
                    expires_at: r.get(6),
                },
            );
        }
    }
    Ok(out)
}

/// Queue each alert's message and mark its day, in one transaction; an
/// alert already marked for `day` (by another publisher, say), or ended
/// meanwhile, is skipped with its message. Two statements however many
/// alerts: one update naming them all, one insert of the messages of those
/// it marked. The number queued.
pub async fn notify(
    pool: &Pool,
    messages: &[(String, NewMessage)],
    day: &str,
) -> Result<usize, StoreError> {
    if messages.is_empty() {
        return Ok(0);
    }
    let mut tx = pool.begin().await?;
    let marks: Vec<String> = (0..messages.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "UPDATE alerts SET last_sent_day = $1 WHERE state = 'active' \
         AND (last_sent_day IS NULL OR last_sent_day <> $1) AND id IN ({}) RETURNING id",
        marks.join(", ")
    );
    let mut update = sqlx::query(&sql).bind(day);
    for (alert, _) in messages {
        update = update.bind(alert.as_str());
    }
    let marked: std::collections::HashSet<String> = update
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let queued: Vec<&NewMessage> = messages
        .iter()
        .filter(|(alert, _)| marked.contains(alert))
        .map(|(_, m)| m)
        .collect();
    if !queued.is_empty() {
        let rows: Vec<String> = (0..queued.len())
            .map(|i| {
                let at = i * 12;
                let values: Vec<String> = (1..=12).map(|k| format!("${}", at + k)).collect();
                format!("({})", values.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO outbox (id, reference, kind, dose, channel, recipient, subject, \
             body_text, body_html, send_at, created_at, unsubscribe) VALUES {}",
            rows.join(", ")
        );
        let mut insert = sqlx::query(&sql);
        for m in &queued {
            insert = bind(insert, m);
        }
        insert.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(queued.len())
}

/// End the alerts past their time (a link never followed, 30 days gone),
/// with their messages, and delete those ended more than a day ago.
pub async fn tidy(pool: &Pool, now: i64) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE alerts SET state = 'ended', recipient = NULL, ended_at = $1 \
         WHERE state <> 'ended' AND expires_at <= $1",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // An ended alert's messages, sent or not: nothing more goes to it.
    sqlx::query(
        "DELETE FROM outbox WHERE reference IN (SELECT id FROM alerts WHERE state = 'ended')",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM alerts WHERE state = 'ended' AND ended_at <= $1")
        .bind(now - 86_400)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A centre's name and commune, for an alert on it; `None`: no such centre.
pub async fn centre_name(pool: &Pool, id: &str) -> Result<Option<(String, String)>, StoreError> {
    let row = sqlx::query("SELECT name, commune FROM centres WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}
