//! Which origin publishes. Several `creneau serve` may share one
//! PostgreSQL store and one snapshot destination; exactly one of them
//! writes generations at a time, or two publishers would each move the
//! pointer to their own files. The publisher is whoever holds a PostgreSQL
//! session advisory lock, on a connection of its own (not the pool's: a
//! pooled connection goes back to the pool, and the lock with it, or to
//! another task). The lock is checked before every generation; when its
//! holder dies the server ends its session and frees the lock, and another
//! origin takes it at its next tick, so within one interval.
//!
//! A host that vanishes without closing its socket is noticed by the
//! server's TCP keepalives, set on this session to about 20 s, and by
//! `tcp_user_timeout` for unacknowledged writes: the lock is free again
//! within a minute. On SQLite there is one origin, always the publisher.

use sqlx::{Connection, PgConnection, Row};

/// The lock's two keys: `'CRNU'` and 1, "the snapshot publisher".
const LOCK_CLASS: i32 = 0x4352_4E55;
const LOCK_OBJECT: i32 = 1;

/// Session settings for the lock's connection: the server probes an idle
/// peer after 10 s, every 5 s, 3 times, and drops a connection whose
/// writes go unacknowledged for 20 s.
const KEEPALIVES: [&str; 4] = [
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
    "SET tcp_user_timeout = 20000",
];

pub enum Leadership {
    /// SQLite: one origin, always publishing.
    Alone,
    /// PostgreSQL: the lock's connection, while this origin holds it.
    Postgres {
        url: String,
        held: Option<PgConnection>,
    },
}

impl Leadership {
    /// The leadership an origin on `database` competes for.
    pub fn for_store(database: &str) -> Self {
        if database.starts_with("postgres:") || database.starts_with("postgresql:") {
            Leadership::Postgres {
                url: database.to_string(),
                held: None,
            }
        } else {
            Leadership::Alone
        }
    }

    /// Whether this origin may publish now: it already holds the lock and
    /// its connection still answers, or it has just taken it. An error
    /// (the store unreachable) means not leading.
    pub async fn lead(&mut self) -> bool {
        let Leadership::Postgres { url, held } = self else {
            return true;
        };
        if let Some(connection) = held {
            match still_held(connection).await {
                Ok(true) => return true,
                Ok(false) => tracing::warn!("the publisher lock was lost"),
                Err(e) => tracing::warn!(error = %e, "the publisher lock's connection failed"),
            }
            *held = None;
        }
        match take(url).await {
            Ok(Some(connection)) => {
                tracing::info!("this origin is now the snapshot publisher");
                *held = Some(connection);
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, "could not ask for the publisher lock");
                false
            }
        }
    }
}

async fn take(url: &str) -> Result<Option<PgConnection>, sqlx::Error> {
    let mut connection = PgConnection::connect(url).await?;
    for setting in KEEPALIVES {
        sqlx::query(setting).execute(&mut connection).await?;
    }
    let taken: bool = sqlx::query("SELECT pg_try_advisory_lock($1, $2)")
        .bind(LOCK_CLASS)
        .bind(LOCK_OBJECT)
        .fetch_one(&mut connection)
        .await?
        .get(0);
    if taken {
        Ok(Some(connection))
    } else {
        let _ = connection.close().await;
        Ok(None)
    }
}

/// The lock is still this session's (a round trip also proves the
/// connection alive).
async fn still_held(connection: &mut PgConnection) -> Result<bool, sqlx::Error> {
    let held: bool = sqlx::query(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
         AND pid = pg_backend_pid() AND classid = $1::int4::oid AND objid = $2::int4::oid \
         AND objsubid = 2 AND granted)",
    )
    .bind(LOCK_CLASS)
    .bind(LOCK_OBJECT)
    .fetch_one(connection)
    .await?
    .get(0);
    Ok(held)
}
