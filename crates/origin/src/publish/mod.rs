//! The snapshot publisher: reads the store, computes free slots over the
//! horizon, and writes the generation's JSON files that are not there yet
//! (each named by its content, each also as `.br` and `.gz`), then swaps
//! the `latest.json` pointer atomically and removes files no pointer has
//! named for a grace period, so a reader that fetched the old pointer
//! still finds every file it names.
//!
//! - [`load`]: what a generation needs, read from the store.
//! - [`build`]: the generation's files; pure (store rows in, files out), so
//!   it is benchmarked and tested without a database or a disk.
//! - [`write`]: compress and write what is new, swap the pointer, prune.
//! - [`retention`]: which files may go, for the folder and the bucket.
//! - [`leader`]: which of several origins on one PostgreSQL publishes.
//! - [`remote`]: the same generation uploaded to S3-compatible storage.
//! - [`smart`]: the availability as SMART Scheduling Links (FHIR NDJSON).

pub mod build;
pub mod leader;
pub mod load;
pub mod remote;
pub mod retention;
pub mod smart;
pub mod write;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use creneau_model::snapshot::EligibilityRule;

pub use self::build::{
    build, build_reusing, later_days, version_id, Centre, File, Generation, Inputs, Reuse,
};
pub use self::leader::Leadership;
pub use self::load::load;
pub use self::remote::{Remote, Uploaded};
pub use self::retention::Retention;
pub use self::write::{compressed, precompress_dir, write, Published};
use crate::alerts::Alerts;
use crate::store::Pool;

/// `--public-url` unless told: the address `make run` serves.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    pub horizon_days: u32,
    /// How long a superseded generation stays readable.
    pub grace: Duration,
    pub brotli_quality: u32,
    /// Who may book, carried by the pointer for the booking flow.
    pub eligibility: EligibilityRule,
    /// Where each generation is also uploaded (`--publish-to`).
    pub remote: Option<Arc<tokio::sync::Mutex<Remote>>>,
    /// Where the site is served, for the SMART Scheduling Links' full
    /// URLs; `None`: no SMART Scheduling Links.
    pub public_url: Option<String>,
    /// What the local folder's last publications named (shared by clones).
    pub retention: Arc<std::sync::Mutex<Retention>>,
    /// What the last generation computed, for the next (shared by clones).
    pub reuse: Arc<std::sync::Mutex<Reuse>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            out: PathBuf::from("var/snapshot"),
            horizon_days: 28,
            grace: Duration::from_secs(300),
            brotli_quality: 5,
            eligibility: crate::booking::eligibility::Eligibility::default().rule(),
            remote: None,
            public_url: Some(DEFAULT_PUBLIC_URL.to_string()),
            retention: Default::default(),
            reuse: Default::default(),
        }
    }
}

impl Options {
    /// Forget what the last publications named (see [`Retention::forget`]).
    pub fn forget(&self) {
        self.retention.lock().expect("no panic while held").forget();
        self.reuse.lock().expect("no panic while held").clear();
    }
}

/// Load, build and write one generation.
pub async fn publish_once(
    pool: &Pool,
    options: &Options,
    now: DateTime<Utc>,
) -> anyhow::Result<Published> {
    let started = std::time::Instant::now();
    let published = publish_once_untimed(pool, options, now).await;
    if published.is_ok() {
        crate::metrics::metrics()
            .snapshot_generation
            .observe(started.elapsed().as_secs_f64());
    }
    published
}

async fn publish_once_untimed(
    pool: &Pool,
    options: &Options,
    now: DateTime<Utc>,
) -> anyhow::Result<Published> {
    let mut inputs = load(pool, now).await?;
    inputs.public_url = options.public_url.clone();
    let local = options.clone();
    let (mut published, files, pointer) = tokio::task::spawn_blocking(move || {
        let later = later_days(local.eligibility.second_dose_window_days);
        let mut reuse = local.reuse.lock().expect("no panic while held");
        let mut generation = build_reusing(&inputs, now, local.horizon_days, later, &mut reuse);
        generation.pointer.eligibility = Some(local.eligibility);
        let mut retention = local.retention.lock().expect("no panic while held");
        let published = write(
            &generation,
            &local.out,
            local.brotli_quality,
            local.grace,
            &mut retention,
        );
        // Whatever failed, the next generation works everything out again.
        let mut published = published.inspect_err(|_| reuse.clear())?;
        published.openings = std::mem::take(&mut generation.openings);
        let files: Vec<String> = generation.files.iter().map(|f| f.path.clone()).collect();
        anyhow::Ok((published, files, generation.pointer))
    })
    .await??;
    if let Some(remote) = &options.remote {
        let mut remote = remote.lock().await;
        published.uploaded = Some(
            remote
                .publish(&options.out, &files, &pointer, options.grace)
                .await?,
        );
    }
    Ok(published)
}

/// Compare a generation's free places with the alerts on a task of its
/// own, so a day's first comparison (tens of thousands of messages to
/// queue) never delays the next generation; skipped while the previous
/// comparison still runs (the next generation's will do).
fn compare_alerts(
    alerts: &Arc<Alerts>,
    openings: Vec<creneau_model::alerts::Opening>,
    comparing: &Arc<tokio::sync::Mutex<()>>,
) {
    let Ok(running) = comparing.clone().try_lock_owned() else {
        tracing::info!("the previous alert comparison still runs; this generation's is skipped");
        return;
    };
    let alerts = alerts.clone();
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match alerts.after_generation(&openings, Utc::now()).await {
            Ok(queued) => tracing::info!(
                open_centres = openings.len(),
                queued,
                took_ms = started.elapsed().as_millis() as u64,
                "alerts compared"
            ),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "alerts could not be compared; the next generation tries again")
            }
        }
        drop(running);
    });
}

/// Publish every `interval`, while this origin leads, until the process
/// stops, then compare the generation's free places with the `alerts`. A
/// failed generation is logged and the previous one stays served; an
/// origin that does not lead checks again at each tick, so it takes over
/// within one interval of the publisher's death.
pub async fn run(
    pool: Pool,
    options: Options,
    interval: Duration,
    mut leadership: Leadership,
    alerts: Option<Arc<Alerts>>,
) {
    // The first tick one interval from now: `serve` has just published the
    // first generation itself (when it leads), and an immediate second one
    // would compete with the first bookings for both cores (measured: a
    // restart under load booked 450 a second instead of 3,600 while it ran).
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut was_leading = true;
    let comparing = Arc::new(tokio::sync::Mutex::new(()));
    loop {
        ticker.tick().await;
        if !leadership.lead().await {
            was_leading = false;
            continue;
        }
        if !was_leading {
            // Another publisher may have written and removed files since.
            options.forget();
            if let Some(remote) = &options.remote {
                remote.lock().await.forget();
            }
            was_leading = true;
        }
        let started = std::time::Instant::now();
        match publish_once(&pool, &options, Utc::now()).await {
            Ok(mut p) => {
                let openings = std::mem::take(&mut p.openings);
                let uploaded = p.uploaded.unwrap_or_default();
                tracing::info!(version = %p.version, files = p.files, bytes = p.bytes, unchanged = p.unchanged, pruned = p.pruned, uploaded = uploaded.objects, upload_skipped = uploaded.skipped, upload_deleted = uploaded.deleted, took_ms = started.elapsed().as_millis() as u64, "snapshot published");
                if let Some(alerts) = &alerts {
                    compare_alerts(alerts, openings, &comparing);
                }
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "snapshot generation failed; the previous one stays served")
            }
        }
    }
}
