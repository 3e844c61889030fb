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
use prometheus_client::registry::{Metric, Registry};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MessageLabels {
    pub outcome: String,
    pub channel: String,
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
    /// Messages by outcome (`sent`, `retry`, `given_up`) and channel.
    pub messages: Family<MessageLabels, Counter>,
}

/// `metric`, registered under `name` with its help text.
fn registered<M: Metric + Clone>(registry: &mut Registry, name: &str, help: &str, metric: M) -> M {
    registry.register(name, help, metric.clone());
    metric
}

fn build() -> Metrics {
    let mut r = Registry::with_prefix("creneau");
    let buckets = |start, count| Histogram::new(exponential_buckets(start, 2.0, count));
    Metrics {
        requests: registered(
            &mut r,
            "http_requests",
            "Answers by route template and status",
            Family::default(),
        ),
        bookings: registered(
            &mut r,
            "bookings",
            "Booking requests by outcome",
            Family::default(),
        ),
        in_flight: registered(
            &mut r,
            "api_in_flight",
            "Booking API requests being handled",
            Gauge::default(),
        ),
        writer_batch: registered(
            &mut r,
            "writer_batch_size",
            "Bookings committed together by the SQLite writer",
            buckets(1.0, 10),
        ),
        writer_commit: registered(
            &mut r,
            "writer_commit_seconds",
            "Time to commit one batch, sync included",
            buckets(0.0001, 16),
        ),
        snapshot_generation: registered(
            &mut r,
            "snapshot_generation_seconds",
            "Time to build and write one snapshot generation",
            buckets(0.05, 10),
        ),
        snapshot_age: registered(
            &mut r,
            "snapshot_age_seconds",
            "Age of the published snapshot",
            Gauge::default(),
        ),
        purged: registered(
            &mut r,
            "purged_bookings",
            "Bookings deleted by the purge",
            Counter::default(),
        ),
        messages: registered(
            &mut r,
            "messages",
            "Messages to people by outcome (sent, retry, given_up) and channel",
            Family::default(),
        ),
        registry: r,
    }
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
