//! What an operator watches, in the Prometheus text format, served by
//! `serve` on its own address (`--metrics-addr`, loopback by default) so the
//! public one never shows it.
//!
//! One registry for the process ([`metrics`]): the booking API, the SQLite
//! writer, the publisher and the purge each count what they do. No label
//! carries anything a person sent: routes are templates
//! (`/api/v1/bookings/{reference}/lookup`), outcomes are the API's error
//! codes.

use std::sync::atomic::AtomicU64;
use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

pub struct Metrics {
    registry: Registry,
    /// Answers by route template and status (429 and 503 among them).
    pub requests: Family<RouteLabels, Counter>,
    /// `POST /api/v1/bookings` by outcome: `created`, `replayed`, or the
    /// error code (`slot_taken`, `overloaded`, `rate_limited`, …).
    pub bookings: Family<OutcomeLabels, Counter>,
    /// Booking API requests being handled now.
    pub in_flight: Gauge,
    /// Bookings committed together by the SQLite writer.
    pub writer_batch: Histogram,
    /// Time to commit one batch (the sync included), seconds.
    pub writer_commit: Histogram,
    /// Time to build and write one snapshot generation, seconds.
    pub snapshot_generation: Histogram,
    /// Age of the published snapshot at the last scrape, seconds.
    pub snapshot_age: Gauge<f64, AtomicU64>,
    /// Bookings deleted by the purge.
    pub purged: Counter,
}

fn build() -> Metrics {
    let mut registry = Registry::with_prefix("creneau");
    let m = Metrics {
        requests: Family::default(),
        bookings: Family::default(),
        in_flight: Gauge::default(),
        writer_batch: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
        writer_commit: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
        snapshot_generation: Histogram::new(exponential_buckets(0.05, 2.0, 10)),
        snapshot_age: Gauge::default(),
        purged: Counter::default(),
        registry: Registry::default(),
    };
    registry.register(
        "http_requests",
        "Answers by route template and status",
        m.requests.clone(),
    );
    registry.register(
        "bookings",
        "Booking requests by outcome",
        m.bookings.clone(),
    );
    registry.register(
        "api_in_flight",
        "Booking API requests being handled",
        m.in_flight.clone(),
    );
    registry.register(
        "writer_batch_size",
        "Bookings committed together by the SQLite writer",
        m.writer_batch.clone(),
    );
    registry.register(
        "writer_commit_seconds",
        "Time to commit one batch, sync included",
        m.writer_commit.clone(),
    );
    registry.register(
        "snapshot_generation_seconds",
        "Time to build and write one snapshot generation",
        m.snapshot_generation.clone(),
    );
    registry.register(
        "snapshot_age_seconds",
        "Age of the published snapshot",
        m.snapshot_age.clone(),
    );
    registry.register(
        "purged_bookings",
        "Bookings deleted by the purge",
        m.purged.clone(),
    );
    Metrics { registry, ..m }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(build);

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

/// Everything, in the Prometheus text format.
pub fn render() -> String {
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &METRICS.registry)
        .expect("writing to a String cannot fail");
    out
}
