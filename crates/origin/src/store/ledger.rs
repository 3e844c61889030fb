//! The booking store's write steps, written once as the [`Ledger`] trait
//! and run by two stores:
//!
//! - [`SqliteWriter`]: on SQLite, one thread owns the one write connection
//!   (rusqlite, prepared statements kept) and takes bookings in batches:
//!   one `BEGIN IMMEDIATE … COMMIT` for all the bookings waiting, each
//!   booking a savepoint of its own, answers sent only once the batch is
//!   committed. SQLite has one writer at a time anyway; this makes the
//!   writer's time go to writing, not to waking threads (through sqlx each
//!   statement crossed to a worker thread and back) or to one commit per
//!   booking.
//! - [`PoolLedger`]: any store behind the sqlx pool (PostgreSQL, where
//!   writers run side by side), one transaction per step.
//!
//! The SQL is shared: `$N` placeholders, which both drivers accept, and
//! each place is one conditional upsert, so no store ever gives away more
//! places than a slot has.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;

use anyhow::Context;
use rusqlite::{params, OptionalExtension};
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use super::outbox::{NewMessage, ENQUEUE, WITHDRAW_REMINDER};
use super::{Pool, StoreError};

/// Take one place in a slot if one is left.
const TAKE_ONE: &str = "INSERT INTO slot_usage (centre_id, starts_at, taken) VALUES ($1, $2, 1) \
     ON CONFLICT (centre_id, starts_at) DO UPDATE SET taken = slot_usage.taken + 1 \
     WHERE slot_usage.taken < $3";
/// Take one place in each of two slots: two rows changed means both had room.
const TAKE_TWO: &str =
    "INSERT INTO slot_usage (centre_id, starts_at, taken) VALUES ($1, $2, 1), ($1, $3, 1) \
     ON CONFLICT (centre_id, starts_at) DO UPDATE SET taken = slot_usage.taken + 1 \
     WHERE slot_usage.taken < $4";
const TAKEN_BETWEEN: &str = "SELECT starts_at, taken FROM slot_usage \
     WHERE centre_id = $1 AND starts_at >= $2 AND starts_at < $3";
const INSERT: &str = "INSERT INTO bookings (reference, centre_id, vaccine, first_at, second_at, \
     person_key, first_name, last_name, birth_date, phone, email, booked_by, status, created_at, \
     idempotency_key, request_hash, first_elsewhere_on, lang) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'confirmed', $13, $14, $15, $16, $17)";
const KEY_HOLDER: &str = "SELECT request_hash, reference FROM bookings WHERE idempotency_key = $1";
const READ: &str = "SELECT reference, status, vaccine, first_at, second_at, first_name, \
     last_name, birth_date, phone, email, booked_by, centre_id, first_elsewhere_on, \
     second_cancelled_at, lang FROM bookings WHERE reference = $1";
const CANCEL: &str = "UPDATE bookings SET status = 'cancelled', cancelled_at = $2 \
     WHERE reference = $1 AND status = 'confirmed'";
/// Both places of a cancelled booking return to the pool.
const FREE_PLACES: &str = "UPDATE slot_usage SET taken = taken - 1 WHERE taken > 0 \
     AND centre_id = (SELECT centre_id FROM bookings WHERE reference = $1) \
     AND starts_at IN (SELECT first_at FROM bookings WHERE reference = $1 \
     UNION ALL SELECT second_at FROM bookings WHERE reference = $1)";
/// One place of a slot back to the pool (a moved or cancelled injection).
const FREE_ONE: &str =
    "UPDATE slot_usage SET taken = taken - 1 WHERE centre_id = $1 AND starts_at = $2 AND taken > 0";
/// An injection of a confirmed booking to another time (`$3`), or with
/// `$3` NULL the second cancelled on its own (when a first is held here).
const MOVE_FIRST: &str = "UPDATE bookings SET first_at = $3 \
     WHERE reference = $1 AND status = 'confirmed' AND first_at = $2";
const MOVE_SECOND: &str = "UPDATE bookings SET second_at = $3 \
     WHERE reference = $1 AND status = 'confirmed' AND second_at = $2";
const CANCEL_SECOND: &str = "UPDATE bookings SET second_at = NULL, second_cancelled_at = $3 \
     WHERE reference = $1 AND status = 'confirmed' AND second_at = $2 AND first_at IS NOT NULL";

/// A booking row about to be written.
pub struct NewBooking<'a> {
    pub reference: &'a str,
    pub centre_id: &'a str,
    pub vaccine: &'a str,
    /// None: the first injection was given elsewhere, on `first_elsewhere_on`.
    pub first_at: Option<i64>,
    pub second_at: Option<i64>,
    pub first_elsewhere_on: Option<&'a str>,
    pub person_key: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub birth_date: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub booked_by: &'static str,
    pub created_at: i64,
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
    /// `fr` or `en`: the language of the booking's messages.
    pub lang: &'static str,
}

/// A booking row as stored.
#[derive(Debug, Clone)]
pub struct StoredBooking {
    pub reference: String,
    pub status: String,
    pub vaccine: String,
    /// None: given elsewhere (`first_elsewhere_on`).
    pub first_at: Option<i64>,
    /// None: cancelled on its own (`second_cancelled_at`).
    pub second_at: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub booked_by: String,
    pub centre_id: String,
    pub first_elsewhere_on: Option<String>,
    pub second_cancelled_at: Option<i64>,
    pub lang: String,
}

/// What the insert of a booking row ran into.
pub enum Inserted {
    Done,
    /// The Idempotency-Key is already in a booking.
    KeyUsed,
    /// This person already has a booking to come (or another request for
    /// them won the race).
    PersonHasOne,
}

/// A unique index refused a row: which one, by its name (PostgreSQL names
/// the index; SQLite names its columns, `UNIQUE constraint failed:
/// bookings.idempotency_key`), says what it means. Never by the wording of
/// the message, which a driver or server version may change.
fn unique_violation(index: Option<&str>, message: &str) -> Result<Inserted, StoreError> {
    let columns = message.strip_prefix("UNIQUE constraint failed: ");
    match (index, columns) {
        (Some("bookings_idempotency_key"), _) | (_, Some("bookings.idempotency_key")) => {
            Ok(Inserted::KeyUsed)
        }
        (Some("bookings_one_per_person"), _) | (_, Some("bookings.person_key")) => {
            Ok(Inserted::PersonHasOne)
        }
        // The reference (40 random bits) met another: too rare to spend a
        // lookup on beforehand; the person sends the request again.
        _ => {
            Err(anyhow::anyhow!("unexpected unique violation: {}", index.unwrap_or(message)).into())
        }
    }
}

/// The write steps of a booking or a cancellation. A step (between
/// [`begin`](Ledger::begin) and [`keep`](Ledger::keep) or
/// [`undo`](Ledger::undo)) is kept or undone as a whole.
pub trait Ledger: Send {
    fn begin(&mut self) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn keep(&mut self) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn undo(&mut self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Take one place in each slot of `starts` (one or two), all or none
    /// counted: true if every one had room.
    fn take(
        &mut self,
        centre: &str,
        starts: &[i64],
        capacity: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Places taken per slot start at a centre within [from, to).
    fn taken_between(
        &mut self,
        centre: &str,
        from: i64,
        to: i64,
    ) -> impl Future<Output = Result<HashMap<i64, u32>, StoreError>> + Send;
    fn insert(
        &mut self,
        row: &NewBooking<'_>,
    ) -> impl Future<Output = Result<Inserted, StoreError>> + Send;
    /// The request hash and reference of the booking made with this key.
    fn key_holder(
        &mut self,
        key: &str,
    ) -> impl Future<Output = Result<Option<(Option<String>, String)>, StoreError>> + Send;
    fn read(
        &mut self,
        reference: &str,
    ) -> impl Future<Output = Result<Option<StoredBooking>, StoreError>> + Send;
    /// Cancel a confirmed booking and free its places; false if it was
    /// not confirmed (already cancelled).
    fn cancel(
        &mut self,
        reference: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Give one place of a slot back.
    fn free_place(
        &mut self,
        centre: &str,
        start: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Change the time of one injection of a confirmed booking from `from`
    /// to `to` (`to` None: cancel the second on its own). False if the
    /// booking is no longer as read (cancelled, moved meanwhile).
    fn reschedule(
        &mut self,
        reference: &str,
        dose: u8,
        from: i64,
        to: Option<i64>,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// A message to send once the step is kept (nothing if it is undone).
    fn enqueue(
        &mut self,
        message: &NewMessage,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The reminder of one injection, not sent yet, taken back (the
    /// injection moved or was cancelled).
    fn withdraw_reminder(
        &mut self,
        reference: &str,
        dose: u8,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The statement of a reschedule and its parameters.
fn reschedule_sql(dose: u8, to: Option<i64>, now: i64) -> (&'static str, Option<i64>) {
    match (dose, to) {
        (1, Some(to)) => (MOVE_FIRST, Some(to)),
        (_, Some(to)) => (MOVE_SECOND, Some(to)),
        (_, None) => (CANCEL_SECOND, Some(now)),
    }
}

fn take_sql(starts: &[i64]) -> &'static str {
    match starts.len() {
        1 => TAKE_ONE,
        2 => TAKE_TWO,
        n => unreachable!("{n} places at once"),
    }
}

// ---------------------------------------------------------------- pool --

/// Steps through the sqlx pool, one transaction each.
pub struct PoolLedger {
    pool: Pool,
    /// On SQLite a step starts with `BEGIN IMMEDIATE`: the write lock at
    /// once, so two transactions never meet half-way.
    sqlite: bool,
    tx: Option<sqlx::Transaction<'static, sqlx::Any>>,
}

impl PoolLedger {
    pub fn new(pool: Pool, sqlite: bool) -> Self {
        PoolLedger {
            pool,
            sqlite,
            tx: None,
        }
    }

    fn conn(&mut self) -> Result<&mut sqlx::AnyConnection, StoreError> {
        self.tx
            .as_deref_mut()
            .ok_or_else(|| anyhow::anyhow!("a store step used outside begin/keep").into())
    }
}

fn stored_from_any(r: &sqlx::any::AnyRow) -> StoredBooking {
    StoredBooking {
        reference: r.get(0),
        status: r.get(1),
        vaccine: r.get(2),
        first_at: r.get(3),
        second_at: r.get(4),
        first_name: r.get(5),
        last_name: r.get(6),
        birth_date: r.get(7),
        phone: r.get(8),
        email: r.get(9),
        booked_by: r.get(10),
        centre_id: r.get(11),
        first_elsewhere_on: r.get(12),
        second_cancelled_at: r.get(13),
        lang: r.get(14),
    }
}

/// A booking by reference, on the pool (look-ups) or in a step.
pub async fn read_on<'e>(
    on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    reference: &str,
) -> Result<Option<StoredBooking>, StoreError> {
    Ok(sqlx::query(READ)
        .bind(reference)
        .fetch_optional(on)
        .await?
        .as_ref()
        .map(stored_from_any))
}

/// The centre of the booking with this reference and birth date (the
/// pair a person proves a booking is theirs with), if there is one.
pub async fn centre_of(
    pool: &Pool,
    reference: &str,
    birth_date: &str,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query("SELECT centre_id FROM bookings WHERE reference = $1 AND birth_date = $2")
            .bind(reference)
            .bind(birth_date)
            .fetch_optional(pool)
            .await?
            .map(|r| r.get(0)),
    )
}

/// Places taken per slot start, on the pool (alternatives) or in a step.
pub async fn taken_on<'e>(
    on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    centre: &str,
    from: i64,
    to: i64,
) -> Result<HashMap<i64, u32>, StoreError> {
    let rows = sqlx::query(TAKEN_BETWEEN)
        .bind(centre)
        .bind(from)
        .bind(to)
        .fetch_all(on)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<i32, _>(1) as u32))
        .collect())
}

impl Ledger for PoolLedger {
    async fn begin(&mut self) -> Result<(), StoreError> {
        self.tx = Some(if self.sqlite {
            self.pool.begin_with("BEGIN IMMEDIATE").await?
        } else {
            self.pool.begin().await?
        });
        Ok(())
    }

    async fn keep(&mut self) -> Result<(), StoreError> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn undo(&mut self) -> Result<(), StoreError> {
        if let Some(tx) = self.tx.take() {
            tx.rollback().await?;
        }
        Ok(())
    }

    async fn take(
        &mut self,
        centre: &str,
        starts: &[i64],
        capacity: u32,
    ) -> Result<bool, StoreError> {
        let mut query = sqlx::query(take_sql(starts)).bind(centre.to_string());
        for at in starts {
            query = query.bind(*at);
        }
        let done = query.bind(capacity as i32).execute(self.conn()?).await?;
        Ok(done.rows_affected() == starts.len() as u64)
    }

    async fn taken_between(
        &mut self,
        centre: &str,
        from: i64,
        to: i64,
    ) -> Result<HashMap<i64, u32>, StoreError> {
        taken_on(self.conn()?, centre, from, to).await
    }

    async fn insert(&mut self, b: &NewBooking<'_>) -> Result<Inserted, StoreError> {
        let inserted = sqlx::query(INSERT)
            .bind(b.reference)
            .bind(b.centre_id)
            .bind(b.vaccine)
            .bind(b.first_at)
            .bind(b.second_at)
            .bind(b.person_key)
            .bind(b.first_name)
            .bind(b.last_name)
            .bind(b.birth_date)
            .bind(b.phone)
            .bind(b.email)
            .bind(b.booked_by)
            .bind(b.created_at)
            .bind(b.idempotency_key)
            .bind(b.request_hash)
            .bind(b.first_elsewhere_on)
            .bind(b.lang)
            .execute(self.conn()?)
            .await;
        match inserted {
            Ok(_) => Ok(Inserted::Done),
            Err(e) => match e.as_database_error().filter(|d| d.is_unique_violation()) {
                Some(d) => unique_violation(d.constraint(), d.message()),
                None => Err(e.into()),
            },
        }
    }

    async fn key_holder(
        &mut self,
        key: &str,
    ) -> Result<Option<(Option<String>, String)>, StoreError> {
        Ok(sqlx::query(KEY_HOLDER)
            .bind(key)
            .fetch_optional(self.conn()?)
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn read(&mut self, reference: &str) -> Result<Option<StoredBooking>, StoreError> {
        read_on(self.conn()?, reference).await
    }

    async fn cancel(&mut self, reference: &str, now: i64) -> Result<bool, StoreError> {
        let cancelled = sqlx::query(CANCEL)
            .bind(reference)
            .bind(now)
            .execute(self.conn()?)
            .await?;
        if cancelled.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(FREE_PLACES)
            .bind(reference)
            .execute(self.conn()?)
            .await?;
        Ok(true)
    }

    async fn free_place(&mut self, centre: &str, start: i64) -> Result<(), StoreError> {
        sqlx::query(FREE_ONE)
            .bind(centre.to_string())
            .bind(start)
            .execute(self.conn()?)
            .await?;
        Ok(())
    }

    async fn reschedule(
        &mut self,
        reference: &str,
        dose: u8,
        from: i64,
        to: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (sql, third) = reschedule_sql(dose, to, now);
        let done = sqlx::query(sql)
            .bind(reference.to_string())
            .bind(from)
            .bind(third)
            .execute(self.conn()?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn enqueue(&mut self, m: &NewMessage) -> Result<(), StoreError> {
        super::outbox::enqueue(m).execute(self.conn()?).await?;
        Ok(())
    }

    async fn withdraw_reminder(&mut self, reference: &str, dose: u8) -> Result<(), StoreError> {
        sqlx::query(WITHDRAW_REMINDER)
            .bind(reference.to_string())
            .bind(i32::from(dose))
            .execute(self.conn()?)
            .await?;
        Ok(())
    }
}

// -------------------------------------------------------------- SQLite --

/// Most bookings committed together.
const MAX_BATCH: usize = 256;

/// The SQLite write connection, on the writer thread. Its steps are
/// savepoints inside the batch's transaction.
pub struct SqliteLedger {
    conn: rusqlite::Connection,
    /// Steps begun and not yet kept or undone.
    open_steps: u32,
    /// A step could not be kept or undone: what it wrote is unknown.
    unsure: bool,
}

/// The SQL for SQLite's own API: `$N` becomes `?N`. SQLite numbers `$N`
/// parameters in order of appearance, not by N (so `… = $2 WHERE … = $1`
/// would swap them); `?N` is parameter N.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl SqliteLedger {
    fn close_step(&mut self, sql: &str) -> Result<(), StoreError> {
        match self.conn.execute_batch(sql) {
            Ok(()) => {
                self.open_steps = self.open_steps.saturating_sub(1);
                Ok(())
            }
            Err(e) => {
                self.unsure = true;
                Err(e.into())
            }
        }
    }

    /// Whether the batch may be committed: every step kept or undone.
    fn clean(&self) -> bool {
        self.open_steps == 0 && !self.unsure
    }

    fn statement(&self, sql: &str) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        self.conn.prepare_cached(&numbered(sql))
    }

    fn open(path: &Path) -> anyhow::Result<Self> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("opening {} for bookings", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The same settings as the pool's connections (see db.rs): WAL,
        // a commit synced to disk before it is answered (FULL). The writer checkpoints
        // the log itself (SQLite's default, past 1,000 pages): a checkpoint
        // thread beside it measured no faster, and only a checkpoint by the
        // writer between batches lets the log start again from its
        // beginning while bookings keep coming. Pages read through memory.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; \
             PRAGMA wal_autocheckpoint = 1000; PRAGMA mmap_size = 268435456;",
            crate::store::sqlite_synchronous()
        ))?;
        conn.set_prepared_statement_cache_capacity(32);
        // Start from an empty log: after a crash the log left behind is
        // copied into the database once, here, before any booking waits on
        // it, rather than by whichever commit next passes 1,000 pages.
        let (busy, pages): (i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        tracing::debug!(busy, pages, "log checkpointed at start");
        Ok(SqliteLedger {
            conn,
            open_steps: 0,
            unsure: false,
        })
    }
}

impl Ledger for SqliteLedger {
    async fn begin(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("SAVEPOINT step")?;
        self.open_steps += 1;
        Ok(())
    }

    async fn keep(&mut self) -> Result<(), StoreError> {
        self.close_step("RELEASE step")
    }

    async fn undo(&mut self) -> Result<(), StoreError> {
        self.close_step("ROLLBACK TO step; RELEASE step")
    }

    async fn take(
        &mut self,
        centre: &str,
        starts: &[i64],
        capacity: u32,
    ) -> Result<bool, StoreError> {
        let mut statement = self.statement(take_sql(starts))?;
        let changed = match starts {
            [at] => statement.execute(params![centre, at, capacity])?,
            [first, second] => statement.execute(params![centre, first, second, capacity])?,
            _ => unreachable!("take_sql checked the count"),
        };
        Ok(changed == starts.len())
    }

    async fn taken_between(
        &mut self,
        centre: &str,
        from: i64,
        to: i64,
    ) -> Result<HashMap<i64, u32>, StoreError> {
        let mut statement = self.statement(TAKEN_BETWEEN)?;
        let rows = statement.query_map(params![centre, from, to], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, u32>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    async fn insert(&mut self, b: &NewBooking<'_>) -> Result<Inserted, StoreError> {
        let mut statement = self.statement(INSERT)?;
        let inserted = statement.execute(params![
            b.reference,
            b.centre_id,
            b.vaccine,
            b.first_at,
            b.second_at,
            b.person_key,
            b.first_name,
            b.last_name,
            b.birth_date,
            b.phone,
            b.email,
            b.booked_by,
            b.created_at,
            b.idempotency_key,
            b.request_hash,
            b.first_elsewhere_on,
            b.lang,
        ]);
        match inserted {
            Ok(_) => Ok(Inserted::Done),
            Err(rusqlite::Error::SqliteFailure(e, Some(message)))
                if e.code == rusqlite::ErrorCode::ConstraintViolation
                    && message.starts_with("UNIQUE") =>
            {
                unique_violation(None, &message)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn key_holder(
        &mut self,
        key: &str,
    ) -> Result<Option<(Option<String>, String)>, StoreError> {
        let mut statement = self.statement(KEY_HOLDER)?;
        Ok(statement
            .query_row(params![key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    async fn read(&mut self, reference: &str) -> Result<Option<StoredBooking>, StoreError> {
        let mut statement = self.statement(READ)?;
        Ok(statement
            .query_row(params![reference], |r| {
                Ok(StoredBooking {
                    reference: r.get(0)?,
                    status: r.get(1)?,
                    vaccine: r.get(2)?,
                    first_at: r.get(3)?,
                    second_at: r.get(4)?,
                    first_name: r.get(5)?,
                    last_name: r.get(6)?,
                    birth_date: r.get(7)?,
                    phone: r.get(8)?,
                    email: r.get(9)?,
                    booked_by: r.get(10)?,
                    centre_id: r.get(11)?,
                    first_elsewhere_on: r.get(12)?,
                    second_cancelled_at: r.get(13)?,
                    lang: r.get(14)?,
                })
            })
            .optional()?)
    }

    async fn cancel(&mut self, reference: &str, now: i64) -> Result<bool, StoreError> {
        if self.statement(CANCEL)?.execute(params![reference, now])? != 1 {
            return Ok(false);
        }
        self.statement(FREE_PLACES)?.execute(params![reference])?;
        Ok(true)
    }

    async fn free_place(&mut self, centre: &str, start: i64) -> Result<(), StoreError> {
        self.statement(FREE_ONE)?.execute(params![centre, start])?;
        Ok(())
    }

    async fn reschedule(
        &mut self,
        reference: &str,
        dose: u8,
        from: i64,
        to: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (sql, third) = reschedule_sql(dose, to, now);
        Ok(self
            .statement(sql)?
            .execute(params![reference, from, third])?
            == 1)
    }

    async fn enqueue(&mut self, m: &NewMessage) -> Result<(), StoreError> {
        self.statement(ENQUEUE)?.execute(params![
            m.id,
            m.reference,
            m.kind,
            m.dose,
            m.channel,
            m.recipient,
            m.subject,
            m.body_text,
            m.body_html,
            m.send_at,
            m.created_at,
            m.unsubscribe,
        ])?;
        Ok(())
    }

    async fn withdraw_reminder(&mut self, reference: &str, dose: u8) -> Result<(), StoreError> {
        self.statement(WITHDRAW_REMINDER)?
            .execute(params![reference, dose])?;
        Ok(())
    }
}

/// Delivers a job's answer; dropped instead when its batch did not commit.
type Deliver = Box<dyn FnOnce() + Send>;
/// A job: runs its steps on the writer thread, returns how to answer.
type Job = Box<dyn FnOnce(&mut SqliteLedger, &tokio::runtime::Runtime) -> Deliver + Send>;

/// The SQLite writer thread: jobs in, answers out once committed.
pub struct SqliteWriter {
    jobs: mpsc::Sender<Job>,
}

impl SqliteWriter {
    /// Start the writer thread on the SQLite store the pool opened.
    /// None for another kind of store.
    pub fn for_pool(pool: &Pool) -> anyhow::Result<Option<Self>> {
        let url = &pool.connect_options().database_url;
        if url.scheme() != "sqlite" {
            return Ok(None);
        }
        let options: sqlx::sqlite::SqliteConnectOptions =
            sqlx::ConnectOptions::from_url(url).context("reading the SQLite URL")?;
        let path = options.get_filename();
        anyhow::ensure!(
            !url.as_str().contains(":memory:"),
            "bookings need a SQLite file, not an in-memory database"
        );
        let ledger = SqliteLedger::open(path)?;
        // Jobs waiting are bounded by the booking gate; this only caps memory.
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(ledger, queue))
            .context("starting the SQLite writer thread")?;
        Ok(Some(SqliteWriter { jobs }))
    }

    /// Run `work`'s steps in the next batch; its answer once committed.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: AsyncFnOnce(&mut SqliteLedger) -> Result<T, E> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |ledger, runtime| {
            // The ledger's steps never wait, so this returns at once.
            let result = runtime.block_on(work(ledger));
            Box::new(move || {
                let _ = answer.send(result);
            })
        });
        self.jobs.send(job).await.map_err(|_| {
            StoreError::Other(anyhow::anyhow!("the SQLite writer thread has stopped"))
        })?;
        answered.await.map_err(|_| {
            StoreError::Other(anyhow::anyhow!("the booking batch was not committed"))
        })?
    }
}

/// The writer thread: take every job waiting (up to [`MAX_BATCH`]), run
/// them in one transaction, commit, then answer them all.
fn serve(mut ledger: SqliteLedger, mut queue: mpsc::Receiver<Job>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime for the writer thread");
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(job) = queue.blocking_recv() {
        batch.push(job);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = ledger.conn.execute_batch("BEGIN IMMEDIATE") {
            // Dropping the jobs answers each with an error; nothing written.
            tracing::error!(error = %e, jobs = batch.len(), "booking batch could not start");
            batch.clear();
            continue;
        }
        // A job that panics (a bug) must not take the writer down with it:
        // its batch is rolled back and its requests answered with errors.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            batch
                .drain(..)
                .map(|job| job(&mut ledger, &runtime))
                .collect::<Vec<Deliver>>()
        }));
        // So must a step left half-done (neither kept nor undone): the
        // whole batch is rolled back rather than commit what it wrote.
        let answers = match run {
            Ok(answers) if ledger.clean() => answers,
            outcome => {
                tracing::error!(
                    panicked = outcome.is_err(),
                    "a booking step was left unfinished; its batch is rolled back"
                );
                batch.clear();
                let _ = ledger.conn.execute_batch("ROLLBACK");
                ledger.open_steps = 0;
                ledger.unsure = false;
                continue;
            }
        };
        let committing = std::time::Instant::now();
        match ledger.conn.execute_batch("COMMIT") {
            Ok(()) => {
                let m = crate::metrics::metrics();
                m.writer_commit.observe(committing.elapsed().as_secs_f64());
                m.writer_batch.observe(answers.len() as f64);
                answers.into_iter().for_each(|deliver| deliver())
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = answers.len(), "booking batch not committed");
                let _ = ledger.conn.execute_batch("ROLLBACK");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_are_known_by_their_index() {
        let key = |r: Result<Inserted, StoreError>| match r {
            Ok(Inserted::KeyUsed) => "key",
            Ok(Inserted::PersonHasOne) => "person",
            Err(StoreError::Other(_)) => "internal",
            _ => "other",
        };
        // PostgreSQL names the index.
        assert_eq!(
            key(unique_violation(
                Some("bookings_idempotency_key"),
                "duplicate key value violates unique constraint"
            )),
            "key"
        );
        assert_eq!(
            key(unique_violation(
                Some("bookings_one_per_person"),
                "duplicate key value"
            )),
            "person"
        );
        assert_eq!(
            key(unique_violation(
                Some("bookings_pkey"),
                "duplicate key value"
            )),
            "internal"
        );
        // SQLite names the columns.
        assert_eq!(
            key(unique_violation(
                None,
                "UNIQUE constraint failed: bookings.idempotency_key"
            )),
            "key"
        );
        assert_eq!(
            key(unique_violation(
                None,
                "UNIQUE constraint failed: bookings.person_key"
            )),
            "person"
        );
        assert_eq!(
            key(unique_violation(
                None,
                "UNIQUE constraint failed: bookings.reference"
            )),
            "internal"
        );
        // A message merely mentioning a word is not a match.
        assert_eq!(
            key(unique_violation(None, "idempotency of something")),
            "internal"
        );
    }

    /// Whether the table the failing jobs create was committed; also
    /// proves the writer still answers.
    async fn scratch_exists(writer: &SqliteWriter) -> bool {
        writer
            .run(async |l: &mut SqliteLedger| -> Result<bool, StoreError> {
                Ok(l.conn.query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'scratch'",
                    [],
                    |r| r.get::<_, i64>(0),
                )? > 0)
            })
            .await
            .expect("the writer still answers")
    }

    #[tokio::test]
    async fn a_job_that_panics_or_leaves_a_step_open_is_rolled_back_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = crate::store::connect(&url).await.unwrap();
        let writer = SqliteWriter::for_pool(&pool).unwrap().unwrap();
        let failed = writer
            .run(async |l: &mut SqliteLedger| -> Result<(), StoreError> {
                l.conn.execute_batch("CREATE TABLE scratch (n INTEGER)")?;
                panic!("a bug in a booking step");
            })
            .await;
        assert!(failed.is_err(), "answered with an error");
        assert!(
            !scratch_exists(&writer).await,
            "the panicking job's batch was rolled back"
        );
        // A step begun and never kept nor undone: not committed either.
        let unfinished = writer
            .run(async |l: &mut SqliteLedger| -> Result<(), StoreError> {
                l.begin().await?;
                l.conn.execute_batch("CREATE TABLE scratch (n INTEGER)")?;
                Ok(())
            })
            .await;
        assert!(unfinished.is_err(), "answered with an error");
        assert!(
            !scratch_exists(&writer).await,
            "the unfinished step's batch was rolled back"
        );
    }

    /// A 201 must survive a power cut: every connection that commits
    /// (the writer's and the pool's) syncs each commit (FULL = 2).
    #[tokio::test]
    async fn commits_are_synced_before_they_are_answered() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = crate::store::connect(&url).await.unwrap();
        let writer = SqliteWriter::for_pool(&pool).unwrap().unwrap();
        let on_writer = writer
            .run(async |l: &mut SqliteLedger| -> Result<i64, StoreError> {
                Ok(l.conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(on_writer, 2, "the booking writer syncs each commit");
        let on_pool: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(on_pool, 2, "the pool's connections sync each commit");
    }

    #[test]
    fn sqlite_parameters_are_numbered_as_written() {
        assert_eq!(
            numbered("UPDATE t SET a = $2 WHERE b = $1 AND c = '$x' AND d = $10"),
            "UPDATE t SET a = ?2 WHERE b = ?1 AND c = '$x' AND d = ?10"
        );
    }
}
