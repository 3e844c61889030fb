//! The store: one connection pool over SQLite (default) or PostgreSQL,
//! chosen by the URL, with the numbered migrations of `migrations/` applied
//! on connect, then the data repairs SQL alone cannot make
//! ([`person::repair_birth_dates`]). Queries use `$1` placeholders, which
//! both drivers accept.
//!
//! - [`alerts`]: "Me prévenir" alerts: sign-up, opt-in, end, matching's reads and writes.
//! - [`centres`]: centre rows, read and mapped in one place.
//! - [`ledger`]: the write steps of bookings, and the SQLite writer thread.
//! - [`operations`]: what staff run on the store (purge, day list, audit).
//! - [`outbox`]: messages to people, claimed and marked by the sender.
//! - [`person`]: who a booking is for, as the store compares people.
//!
//! Nothing here knows HTTP or the booking rules: the layers above import
//! the store, never the other way.

pub mod alerts;
pub mod centres;
pub mod ledger;
pub mod operations;
pub mod outbox;
pub mod person;

use std::str::FromStr;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::AnyPool;

pub type Pool = AnyPool;

/// What can go wrong in the store, as the layers above need to tell it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Unreachable for now (a restarting or failed-over PostgreSQL, a full
    /// pool): the same request may succeed if sent again.
    #[error("the store is unreachable")]
    Unavailable,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if unreachable(&e) {
            tracing::warn!(error = %e, "the store is unreachable");
            StoreError::Unavailable
        } else {
            StoreError::Other(e.into())
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Other(e.into())
    }
}

/// The store cannot be reached for now: a connection error, or the server
/// shutting down or starting up, rather than a refused statement.
pub fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), and the server
        // shutting down, crashed, or starting up (57P01–57P03).
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// How SQLite makes a commit durable, for the pool's connections and the
/// booking writer alike: `FULL` by default, so a booking answered 201
/// survives a power cut (in WAL mode one sync per commit, and the writer
/// commits the bookings waiting together). `CRENEAU_SQLITE_SYNCHRONOUS=normal`
/// trades that for speed (a power cut may lose the last commits; a killed
/// process loses nothing either way): for benchmarks and throwaway stores.
pub fn sqlite_synchronous() -> &'static str {
    match std::env::var("CRENEAU_SQLITE_SYNCHRONOUS")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        Ok("normal") => "NORMAL",
        _ => "FULL",
    }
}

/// Open (creating a SQLite file if needed) and migrate the store.
pub async fn connect(url: &str) -> anyhow::Result<Pool> {
    sqlx::any::install_default_drivers();
    let is_sqlite = url.starts_with("sqlite:");
    let url = if is_sqlite && !url.contains("mode=") && !url.contains(":memory:") {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating the folder of {path}"))?;
                }
            }
        }
        format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
    } else {
        url.to_string()
    };
    let options =
        AnyConnectOptions::from_str(&url).with_context(|| format!("reading database URL {url}"))?;
    let pool = AnyPoolOptions::new()
        .max_connections(if is_sqlite { 4 } else { 16 })
        // A ping before each use costs a round trip per booking; a broken
        // connection shows itself on the first statement anyway.
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if is_sqlite {
                    // WAL lets the publisher read while a booking writes;
                    // busy_timeout makes writers wait for each other instead of failing.
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 5000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query(&format!("PRAGMA synchronous = {}", sqlite_synchronous()))
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("opening the database {url}"))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("applying migrations")?;
    if let Some(repair) = person::repair_birth_dates(&pool).await? {
        if !repair.duplicates.is_empty() || !repair.unreadable.is_empty() {
            tracing::warn!(
                normalised = repair.normalised.len(),
                duplicates = ?repair.duplicates,
                unreadable = ?repair.unreadable,
                "birth dates stored in a loose form: see data_repairs for the bookings to review"
            );
        }
    }
    Ok(pool)
}

/// A consistent copy of a live SQLite store in `to`, taken while bookings
/// go on: `VACUUM INTO` reads one snapshot of the database (WAL readers do
/// not block the writer), written first under a temporary name beside `to`
/// and renamed into place once whole, so `to` is never half-written. An
/// existing `to` is refused rather than overwritten. PostgreSQL is backed
/// up with its own tools (docs/deployment.md).
pub async fn backup(pool: &Pool, to: &std::path::Path) -> anyhow::Result<()> {
    let url = &pool.connect_options().database_url;
    anyhow::ensure!(
        url.scheme() == "sqlite",
        "creneau backup copies a SQLite store; back up PostgreSQL with pg_dump or pg_basebackup (see docs/deployment.md)"
    );
    anyhow::ensure!(
        !to.exists(),
        "{} exists already: choose a new file",
        to.display()
    );
    let name = to
        .file_name()
        .with_context(|| format!("{} is not a file name", to.display()))?;
    let partial = to.with_file_name(format!(".{}.partial", name.to_string_lossy()));
    let _ = std::fs::remove_file(&partial);
    let path = partial
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", partial.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(pool)
        .await
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, to).with_context(|| format!("renaming to {}", to.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_store_is_told_from_a_refused_statement() {
        let eof = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        assert!(unreachable(&eof));
        assert!(unreachable(&sqlx::Error::PoolTimedOut));
        assert!(!unreachable(&sqlx::Error::RowNotFound));
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::Other(_)
        ));
    }
}
