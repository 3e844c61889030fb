//! The sender: a task in each `creneau serve` that delivers the outbox.
//!
//! Every few seconds (at once while there is more) it claims a batch of
//! due messages for [`LEASE`] and delivers them several at a time, then
//! marks the batch in one transaction (one sync of the store's log for 32
//! messages rather than 64). Sent: its personal data emptied. Failed: tried again
//! after a backoff doubling from `retry_after` to an hour, given up after
//! [`MAX_TRIES`]. Refused: given up at once.
//!
//! Never twice: a claimed row is another sender's only once its lease has
//! run out, which happens only when its sender died (a delivery times out
//! well within the lease). A sender killed between the relay's "accepted"
//! and its batch's marks (a fraction of a second) leaves the one case
//! left: those rows are delivered again once the lease runs out, with the
//! same Message-ID (or SMS client reference), by which a relay, a gateway
//! or a mail reader can drop them.
//!
//! Logs name the row, its kind and channel, and a code: never an address,
//! a number or a name.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;

use super::email::Mailer;
use super::sms::Gateway;
use super::{Delivery, IN_FLIGHT};
use crate::metrics::{metrics, MessageLabels};
use crate::store::outbox::{self, Claimed, Mark};
use crate::store::Pool;

/// How long a claim holds: well beyond a delivery's timeouts (20 s).
pub const LEASE: i64 = 120;
/// Tries before a message is given up (about 9 hours with 30 s first).
pub const MAX_TRIES: i32 = 12;
/// Messages claimed at once.
const BATCH: i64 = 64;
/// The longest wait between two tries.
const MAX_BACKOFF: i64 = 3600;

pub struct Sender {
    pool: Pool,
    mailer: Option<Mailer>,
    gateway: Option<Gateway>,
    /// The first retry's wait; each next one doubles.
    retry_after: Duration,
    /// How often the outbox is looked at when there was nothing to send.
    poll: Duration,
}

impl Sender {
    pub fn new(
        pool: Pool,
        mailer: Option<Mailer>,
        gateway: Option<Gateway>,
        retry_after: Duration,
        poll: Duration,
    ) -> Self {
        Sender {
            pool,
            mailer,
            gateway,
            retry_after,
            poll,
        }
    }

    /// Deliver for ever.
    pub async fn run(self: Arc<Self>) {
        loop {
            match self.round().await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "the outbox cannot be read"),
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Claim one batch and deliver it; the number of messages claimed.
    pub async fn round(&self) -> anyhow::Result<usize> {
        self.round_at(Utc::now().timestamp()).await
    }

    /// The same as at `now` (Unix seconds): what is due by then. Tests
    /// send a reminder by naming its day.
    pub async fn round_at(&self, now: i64) -> anyhow::Result<usize> {
        let claimed = outbox::claim(&self.pool, now, now + LEASE, BATCH).await?;
        let n = claimed.len();
        let marks: Vec<(String, Mark)> = futures::stream::iter(claimed)
            .map(|m| self.deliver(m, now))
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        if let Err(e) = outbox::mark(&self.pool, &marks, now).await {
            // Left claimed: once the lease runs out they are tried again
            // (for a sent message, the one way it can go twice; see above).
            tracing::error!(error = %e, messages = marks.len(), "the outbox could not be marked");
        }
        Ok(n)
    }

    async fn deliver(&self, m: Claimed, now: i64) -> (String, Mark) {
        let delivery = match (m.channel.as_str(), &self.mailer, &self.gateway) {
            ("email", Some(mailer), _) => mailer.send(&m).await,
            ("sms", _, Some(gateway)) => gateway.send(&m).await,
            // Written while a channel was configured, and no longer is:
            // kept for when it is again, until given up.
            _ => Delivery::Failed(format!("no {} channel configured", m.channel)),
        };
        let (outcome, mark) = match &delivery {
            Delivery::Sent => ("sent", Mark::Sent),
            Delivery::Failed(_) if m.tries + 1 < MAX_TRIES => {
                let wait = (self.retry_after.as_secs() as i64)
                    .max(1)
                    .saturating_mul(1 << m.tries.clamp(0, 20))
                    .min(MAX_BACKOFF);
                ("retry", Mark::Later(now + wait))
            }
            Delivery::Failed(_) | Delivery::Refused(_) => ("given_up", Mark::GivenUp),
        };
        metrics()
            .messages
            .get_or_create(&MessageLabels {
                outcome: outcome.to_string(),
                channel: m.channel.clone(),
            })
            .inc();
        match &delivery {
            Delivery::Sent => {
                tracing::debug!(id = %m.id, kind = %m.kind, channel = %m.channel, "message sent")
            }
            Delivery::Failed(why) | Delivery::Refused(why) => tracing::warn!(
                id = %m.id, kind = %m.kind, channel = %m.channel, tries = m.tries + 1,
                outcome, why = %why, "message not sent"
            ),
        }
        (m.id, mark)
    }
}
