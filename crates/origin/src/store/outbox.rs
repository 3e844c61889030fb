//! The outbox: messages to people, written by a booking step in its own
//! transaction ([`NewMessage`], through the ledger) and taken from here by
//! the sender (`notify::sender`).
//!
//! A sender claims rows for a while ([`claim`]: a lease, so rows claimed by
//! a sender that was killed come back once it runs out). On PostgreSQL the
//! claim skips rows another origin holds (`FOR UPDATE SKIP LOCKED`), so
//! several origins never take the same message; SQLite has one writer and
//! needs no more. Once a message is sent or given up, its personal data
//! (recipient, subject, bodies) is emptied in the same statement.

use sqlx::Row;

use super::{Pool, StoreError};

pub(super) const ENQUEUE: &str = "INSERT INTO outbox (id, reference, kind, dose, channel, \
     recipient, subject, body_text, body_html, send_at, created_at, unsubscribe) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
pub(super) const WITHDRAW_REMINDER: &str = "DELETE FROM outbox WHERE reference = $1 \
     AND kind = 'reminder' AND dose = $2 AND sent_at IS NULL AND failed_at IS NULL";
/// The rows due and not held by a live lease, oldest first.
const DUE: &str = "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
     AND send_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2) \
     ORDER BY send_at LIMIT $3";
const SENT: &str = "UPDATE outbox SET sent_at = $2, claimed_until = NULL, recipient = NULL, \
     subject = NULL, body_text = NULL, body_html = NULL, unsubscribe = NULL WHERE id = $1";
const GIVEN_UP: &str = "UPDATE outbox SET failed_at = $2, tries = tries + 1, \
     claimed_until = NULL, recipient = NULL, subject = NULL, body_text = NULL, body_html = NULL, \
     unsubscribe = NULL WHERE id = $1";
const LATER: &str =
    "UPDATE outbox SET send_at = $2, tries = tries + 1, claimed_until = NULL WHERE id = $1";

/// A message as a booking step (or an alert) writes it.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub id: String,
    /// The booking it tells of, or the alert.
    pub reference: String,
    /// `booked`, `moved`, `cancelled` or `reminder`; for an alert
    /// `alert_confirm` (the opt-in link) or `alert` (places are free).
    pub kind: &'static str,
    /// A reminder's injection.
    pub dose: Option<u8>,
    /// `email` or `sms`.
    pub channel: &'static str,
    pub recipient: String,
    /// E-mail only.
    pub subject: Option<String>,
    pub body_text: String,
    /// E-mail only.
    pub body_html: Option<String>,
    /// Unix seconds: not before.
    pub send_at: i64,
    pub created_at: i64,
    /// An alert's one-click unsubscribe address (e-mail only).
    pub unsubscribe: Option<String>,
}

/// The insert of one message, for a transaction through the pool.
pub(super) fn enqueue(m: &NewMessage) -> AnyQuery<'_> {
    bind(sqlx::query(ENQUEUE), m)
}

pub(super) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// A message's twelve values, in [`ENQUEUE`]'s order, bound after what
/// `query` has (several rows in one insert bind one after another).
pub(super) fn bind<'q>(query: AnyQuery<'q>, m: &'q NewMessage) -> AnyQuery<'q> {
    query
        .bind(m.id.as_str())
        .bind(m.reference.as_str())
        .bind(m.kind)
        .bind(m.dose.map(i32::from))
        .bind(m.channel)
        .bind(m.recipient.as_str())
        .bind(m.subject.as_deref())
        .bind(m.body_text.as_str())
        .bind(m.body_html.as_deref())
        .bind(m.send_at)
        .bind(m.created_at)
        .bind(m.unsubscribe.as_deref())
}

/// A message a sender holds until its lease runs out.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: String,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub unsubscribe: Option<String>,
    /// Tries before this one.
    pub tries: i32,
}

/// Claim up to `limit` due messages until `until` (Unix seconds).
pub async fn claim(
    pool: &Pool,
    now: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let postgres = pool.connect_options().database_url.scheme() != "sqlite";
    let sql = format!(
        "UPDATE outbox SET claimed_until = $1 WHERE id IN ({DUE}{}) \
         RETURNING id, kind, channel, recipient, subject, body_text, body_html, tries, unsubscribe",
        if postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        }
    );
    let rows = sqlx::query(&sql)
        .bind(until)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| Claimed {
            id: r.get(0),
            kind: r.get(1),
            channel: r.get(2),
            recipient: r.get::<Option<String>, _>(3).unwrap_or_default(),
            subject: r.get(4),
            body_text: r.get::<Option<String>, _>(5).unwrap_or_default(),
            body_html: r.get(6),
            tries: r.get::<i32, _>(7),
            unsubscribe: r.get(8),
        })
        .collect())
}

/// What became of a claimed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Sent: its personal data goes.
    Sent,
    /// Not sent, to be tried again at this time (Unix seconds).
    Later(i64),
    /// Never to be sent (refused for good, or too many tries): its
    /// personal data goes.
    GivenUp,
}

/// Record what became of a round's messages at `now`, in one transaction
/// (one sync of the log for the round, not one a message).
pub async fn mark(pool: &Pool, marks: &[(String, Mark)], now: i64) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for (id, mark) in marks {
        let (sql, at) = match mark {
            Mark::Sent => (SENT, now),
            Mark::Later(at) => (LATER, *at),
            Mark::GivenUp => (GIVEN_UP, now),
        };
        sqlx::query(sql)
            .bind(id.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Messages still to send (due now or later), for `/metrics`.
pub async fn waiting(pool: &Pool, now: i64) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN send_at <= $1 THEN 1 ELSE 0 END), 0) AS BIGINT), COUNT(*) \
         FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok((row.get(0), row.get(1)))
}
