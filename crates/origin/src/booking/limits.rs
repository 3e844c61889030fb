//! Protecting the origin on launch day.
//!
//! Limits count per client address, which the HTTP edge works out
//! (`http::client`).
//! - [`RateLimits`]: per-address quotas (governor's GCRA) for bookings and
//!   for lookups, and [`WrongTries`]: a bound on *wrong* reference and birth
//!   date pairs, per address on one reference and per address overall, so
//!   neither can be guessed by trying, while a stranger's wrong tries never
//!   lock out the person who knows both.
//! - [`Gate`]: a bound on booking work in flight. Past it, the answer is an
//!   immediate 503 with `Retry-After` (spread at random so retries do not
//!   come back in step) instead of a queue that times out.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::Error;

/// Quotas, per minute.
#[derive(Clone, Debug)]
pub struct LimitsConfig {
    pub bookings_per_minute: u32,
    pub lookups_per_minute: u32,
    /// Alert sign-ups ("Me prévenir") one address may send, per hour.
    pub alert_sign_ups_per_hour: u32,
    /// Wrong reference and birth date pairs one address may send for one
    /// reference, per hour.
    pub wrong_tries_per_reference_per_hour: u32,
    /// Wrong pairs one address may send, all references together, per hour.
    pub wrong_tries_per_address_per_hour: u32,
    pub max_in_flight: usize,
    pub retry_after_secs: u64,
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            bookings_per_minute: 20,
            lookups_per_minute: 20,
            alert_sign_ups_per_hour: 10,
            wrong_tries_per_reference_per_hour: 5,
            wrong_tries_per_address_per_hour: 30,
            max_in_flight: 64,
            retry_after_secs: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

pub struct RateLimits {
    bookings: DefaultKeyedRateLimiter<IpAddr>,
    lookups: DefaultKeyedRateLimiter<IpAddr>,
    alert_sign_ups: DefaultKeyedRateLimiter<IpAddr>,
    wrong_on_reference: WrongTries<(IpAddr, String)>,
    wrong_from_address: WrongTries<IpAddr>,
    clock: DefaultClock,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

impl RateLimits {
    pub fn new(config: &LimitsConfig) -> Self {
        RateLimits {
            bookings: RateLimiter::keyed(per_minute(config.bookings_per_minute)),
            lookups: RateLimiter::keyed(per_minute(config.lookups_per_minute)),
            alert_sign_ups: RateLimiter::keyed(Quota::per_hour(
                NonZeroU32::new(config.alert_sign_ups_per_hour.max(1)).expect("at least 1"),
            )),
            wrong_on_reference: WrongTries::per_hour(config.wrong_tries_per_reference_per_hour),
            wrong_from_address: WrongTries::per_hour(config.wrong_tries_per_address_per_hour),
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

    pub fn alert_sign_up(&self, client: IpAddr) -> Result<(), Error> {
        self.check(&self.alert_sign_ups, &client)
    }

    /// May this address try this reference now? Checked before the birth
    /// date is compared, so an address past its bound learns nothing more,
    /// right or wrong. Other addresses, the owner's among them, are not
    /// affected.
    pub fn lookup(&self, client: IpAddr, reference: &str) -> Result<(), Error> {
        self.check(&self.lookups, &client)?;
        let now = Instant::now();
        self.wrong_from_address.allowed(&client, now)?;
        self.wrong_on_reference
            .allowed(&(client, reference.to_string()), now)
    }

    /// A reference and birth date that do not match (or no such reference).
    pub fn wrong_try(&self, client: IpAddr, reference: &str) {
        let now = Instant::now();
        self.wrong_from_address.record(client, now);
        self.wrong_on_reference
            .record((client, reference.to_string()), now);
    }

    /// Forget addresses not seen lately (called every minute).
    pub fn shrink(&self) {
        self.bookings.retain_recent();
        self.lookups.retain_recent();
        self.alert_sign_ups.retain_recent();
        let now = Instant::now();
        self.wrong_on_reference.forget_before(now);
        self.wrong_from_address.forget_before(now);
    }
}

/// Wrong tries per key in fixed windows. governor counts every request it
/// is asked about; this counts only the failures, so the person who knows
/// the reference and the birth date is never refused for someone else's
/// guesses.
pub struct WrongTries<K> {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq> WrongTries<K> {
    pub fn per_hour(limit: u32) -> Self {
        WrongTries {
            limit: limit.max(1),
            window: Duration::from_secs(3600),
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn allowed(&self, key: &K, now: Instant) -> Result<(), Error> {
        let counts = self.counts.lock().expect("wrong-try counts");
        match counts.get(key) {
            Some(&(since, n)) if n >= self.limit && now < since + self.window => {
                Err(Error::RateLimited {
                    retry_after_secs: (since + self.window - now).as_secs().max(1),
                })
            }
            _ => Ok(()),
        }
    }

    fn record(&self, key: K, now: Instant) {
        let mut counts = self.counts.lock().expect("wrong-try counts");
        let entry = counts.entry(key).or_insert((now, 0));
        if now >= entry.0 + self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    fn forget_before(&self, now: Instant) {
        let window = self.window;
        self.counts
            .lock()
            .expect("wrong-try counts")
            .retain(|_, (since, _)| now < *since + window);
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
    fn wrong_tries_lock_out_the_guesser_not_the_owner() {
        let limits = RateLimits::new(&LimitsConfig {
            lookups_per_minute: 1000,
            wrong_tries_per_reference_per_hour: 2,
            wrong_tries_per_address_per_hour: 3,
            ..Default::default()
        });
        let guesser: IpAddr = "192.0.2.1".parse().unwrap();
        let owner: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..2 {
            assert!(limits.lookup(guesser, "AAAA-AAAA").is_ok());
            limits.wrong_try(guesser, "AAAA-AAAA");
        }
        assert!(
            matches!(limits.lookup(guesser, "AAAA-AAAA"), Err(Error::RateLimited { retry_after_secs }) if retry_after_secs > 3500),
            "the guesser is done with this reference for the hour"
        );
        assert!(
            limits.lookup(owner, "AAAA-AAAA").is_ok(),
            "the owner, elsewhere, is not locked out"
        );
        // Right answers cost nothing.
        for _ in 0..10 {
            assert!(limits.lookup(owner, "AAAA-AAAA").is_ok());
        }
        // One more wrong try on another reference spends the address's hour.
        assert!(limits.lookup(guesser, "BBBB-BBBB").is_ok());
        limits.wrong_try(guesser, "BBBB-BBBB");
        assert!(matches!(
            limits.lookup(guesser, "CCCC-CCCC"),
            Err(Error::RateLimited { .. })
        ));
        assert!(limits.lookup(owner, "CCCC-CCCC").is_ok());
    }

    #[test]
    fn wrong_tries_are_forgotten_after_their_window() {
        let tries = WrongTries::per_hour(1);
        let t0 = Instant::now();
        tries.record("k", t0);
        assert!(tries.allowed(&"k", t0 + Duration::from_secs(3599)).is_err());
        assert!(tries.allowed(&"k", t0 + Duration::from_secs(3600)).is_ok());
        tries.record("k", t0 + Duration::from_secs(3600));
        assert!(
            tries.allowed(&"k", t0 + Duration::from_secs(3601)).is_err(),
            "a new window counts afresh"
        );
        tries.forget_before(t0 + Duration::from_secs(7200));
        assert!(tries.counts.lock().unwrap().is_empty());
    }

    #[test]
    fn the_per_address_lookup_rate_still_applies() {
        let limits = RateLimits::new(&LimitsConfig {
            lookups_per_minute: 2,
            ..Default::default()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(limits.lookup(a, "AAAA-AAAA").is_ok());
        assert!(limits.lookup(a, "AAAA-AAAA").is_ok());
        assert!(matches!(
            limits.lookup(a, "AAAA-AAAA"),
            Err(Error::RateLimited { .. })
        ));
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
