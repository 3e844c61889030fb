//! Protecting the origin on launch day.
//!
//! - [`client_address`]: who is asking. `X-Forwarded-For` is believed only
//!   when the connection comes from a configured proxy (the CDN or load
//!   balancer); otherwise anyone could pick the address they are limited by.
//! - [`RateLimits`]: per-address quotas (governor's GCRA) for bookings and
//!   for lookups, and a per-reference quota on lookups so references and
//!   birth dates cannot be guessed by trying.
//! - [`Gate`]: a bound on booking work in flight. Past it, the answer is an
//!   immediate 503 with `Retry-After` (spread at random so retries do not
//!   come back in step) instead of a queue that times out.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::Error;

/// The client's address: the peer, or, when the peer is a trusted proxy,
/// the right-most address of `X-Forwarded-For` that is not a trusted proxy.
pub fn client_address<B>(req: &Request<B>, trusted: &[IpAddr]) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    forwarded_client(peer, req.headers(), trusted)
}

pub fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

/// Quotas, per minute.
#[derive(Clone, Debug)]
pub struct LimitsConfig {
    pub bookings_per_minute: u32,
    pub lookups_per_minute: u32,
    /// Wrong or right, tries on one reference per hour.
    pub tries_per_reference_per_hour: u32,
    pub max_in_flight: usize,
    pub retry_after_secs: u64,
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            bookings_per_minute: 20,
            lookups_per_minute: 20,
            tries_per_reference_per_hour: 10,
            max_in_flight: 64,
            retry_after_secs: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

pub struct RateLimits {
    bookings: DefaultKeyedRateLimiter<IpAddr>,
    lookups: DefaultKeyedRateLimiter<IpAddr>,
    references: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

impl RateLimits {
    pub fn new(config: &LimitsConfig) -> Self {
        let per_hour = Quota::per_hour(
            NonZeroU32::new(config.tries_per_reference_per_hour.max(1)).expect("at least 1"),
        );
        RateLimits {
            bookings: RateLimiter::keyed(per_minute(config.bookings_per_minute)),
            lookups: RateLimiter::keyed(per_minute(config.lookups_per_minute)),
            references: RateLimiter::keyed(per_hour),
            clock: DefaultClock::default(),
        }
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<(), Error> {
        limiter
            .check_key(key)
            .map_err(|not_until| Error::RateLimited {
                retry_after_secs: not_until.wait_time_from(self.clock.now()).as_secs().max(1),
            })
    }

    pub fn booking(&self, client: IpAddr) -> Result<(), Error> {
        self.check(&self.bookings, &client)
    }

    pub fn lookup(&self, client: IpAddr, reference: &str) -> Result<(), Error> {
        self.check(&self.lookups, &client)?;
        self.check(&self.references, &reference.to_string())
    }

    /// Forget addresses not seen lately (called every minute).
    pub fn shrink(&self) {
        self.bookings.retain_recent();
        self.lookups.retain_recent();
        self.references.retain_recent();
    }
}

/// The bound on booking work in flight.
#[derive(Clone)]
pub struct Gate {
    permits: Arc<Semaphore>,
    retry_after_secs: u64,
}

impl Gate {
    pub fn new(max_in_flight: usize, retry_after_secs: u64) -> Self {
        Gate {
            permits: Arc::new(Semaphore::new(max_in_flight)),
            retry_after_secs: retry_after_secs.max(1),
        }
    }

    /// A permit, or at once the 503 to send: `Retry-After` between the base
    /// and twice it, at random.
    pub fn enter(&self) -> Result<OwnedSemaphorePermit, Error> {
        self.permits.clone().try_acquire_owned().map_err(|_| {
            let spread = rand::random_range(0..=self.retry_after_secs);
            Error::Overloaded {
                retry_after_secs: self.retry_after_secs + spread,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.7, 10.0.0.2".parse().unwrap(),
        );
        assert_eq!(
            forwarded_client(proxy, &headers, &[proxy]),
            client,
            "right-most untrusted hop"
        );
        assert_eq!(
            forwarded_client(client, &headers, &[proxy]),
            client,
            "a client's own header is ignored"
        );
        assert_eq!(forwarded_client(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }

    #[test]
    fn quotas_per_address_and_reference() {
        let limits = RateLimits::new(&LimitsConfig {
            lookups_per_minute: 3,
            tries_per_reference_per_hour: 2,
            ..Default::default()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limits.lookup(a, "AAAA-AAAA").is_ok());
        assert!(limits.lookup(a, "AAAA-AAAA").is_ok());
        assert!(
            matches!(
                limits.lookup(b, "AAAA-AAAA"),
                Err(Error::RateLimited { .. })
            ),
            "the reference is spent, whoever asks"
        );
        assert!(limits.lookup(b, "BBBB-BBBB").is_ok());
        assert!(limits.lookup(a, "CCCC-CCCC").is_ok());
        assert!(
            matches!(limits.lookup(a, "DDDD-DDDD"), Err(Error::RateLimited { retry_after_secs }) if retry_after_secs >= 1)
        );
    }

    #[test]
    fn the_gate_refuses_at_once_past_its_bound() {
        let gate = Gate::new(1, 10);
        let held = gate.enter().unwrap();
        match gate.enter() {
            Err(Error::Overloaded { retry_after_secs }) => {
                assert!((10..=20).contains(&retry_after_secs))
            }
            _ => panic!("expected 503"),
        }
        drop(held);
        assert!(gate.enter().is_ok());
    }
}
