//! "Me prévenir": a person asks to be told when places free up around a
//! place or at one centre, by e-mail or SMS.
//!
//! - Sign-up ([`Alerts::sign_up`]): the alert is stored `pending` with its
//!   confirmation message, in one transaction; nothing else is sent until
//!   the link is followed (double opt-in). The answer is the same whatever
//!   happened: it never says whether the address already had alerts or was
//!   over its limits (three sign-ups a day, five alerts at once, per
//!   recipient; per address, a rate limit at the HTTP edge).
//! - Confirmation ([`Alerts::confirm`]): active for [`ALERT_DAYS`] days.
//! - End ([`Alerts::unsubscribe`]): one click, from any message.
//! - After each snapshot generation the publisher calls
//!   [`Alerts::after_generation`] with the centres that have free places:
//!   each active alert they answer gets one message, at most one a day per
//!   person, queued in the outbox with its day marked in one transaction.
//!
//! Tokens are 128 random bits; only a hash of the confirmation token is
//! stored. The recipient is kept only while the alert lives.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use creneau_model::alerts::{
    check_alert_request, AlertRequest, Area, Opening, OpeningIndex, Watch, ALERT_DAYS,
    CONFIRM_HOURS,
};
use creneau_model::format::Lang;
use creneau_model::sms::mobile_number;
use sha2::{Digest, Sha256};

use crate::booking::Error;
use crate::messages::message;
use crate::notify::alert::{AlertNotice, Watched};
use crate::notify::compose::Channels;
use crate::store::alerts::{self as stored, NewAlert, RecipientLimits};
use crate::store::Pool;

/// Sign-ups one recipient may make, whoever sends them.
pub const RECIPIENT_LIMITS: RecipientLimits = RecipientLimits {
    per_day: 3,
    live: 5,
};

/// Alert messages queued in one transaction: about 50 ms of the store's
/// write lock on SQLite, so bookings waiting on it wait no longer.
const NOTIFY_BATCH: usize = 100;

pub struct Alerts {
    pool: Pool,
    channels: Channels,
    limits: RecipientLimits,
}

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// A token as it may arrive: 32 lowercase hex digits, or nothing.
fn well_formed(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Alerts {
    pub fn new(pool: Pool, channels: Channels) -> Self {
        Alerts {
            pool,
            channels,
            limits: RECIPIENT_LIMITS,
        }
    }

    /// Store a pending alert and its confirmation message, unless the
    /// request is invalid (an error that says which field) or its recipient
    /// is over a limit (silently: the caller answers the same).
    pub async fn sign_up(&self, req: AlertRequest, now: DateTime<Utc>) -> Result<(), Error> {
        let problems = check_alert_request(&req);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let lang = match req.lang.as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Fr,
        };
        let (channel, recipient) = match (req.email.as_deref().map(str::trim), req.phone.as_deref())
        {
            (Some(email), _) if !email.is_empty() => {
                if !self.channels.email {
                    return Err(Error::field("email", message("alert.no_email")));
                }
                ("email", email.to_string())
            }
            (_, Some(phone)) => {
                if !self.channels.sms {
                    return Err(Error::field("phone", message("alert.no_sms")));
                }
                ("sms", mobile_number(phone).unwrap_or_default())
            }
            _ => return Err(Error::field("contact", message("alert.no_email"))),
        };
        let watched = match (&req.near, &req.centre) {
            (Some(n), _) => Watched::Near(n.place.trim().to_string(), n.radius_km),
            (None, Some(id)) => match stored::centre_name(&self.pool, id).await? {
                Some((name, commune)) => Watched::Centre(name, commune),
                None => return Err(Error::field("centre", message("alert.no_centre"))),
            },
            (None, None) => unreachable!("checked above"),
        };
        let confirm = token();
        let alert = NewAlert {
            id: token(),
            confirm_hash: hex_sha256(&confirm),
            stop_token: token(),
            channel,
            recipient_key: hex_sha256(&recipient.to_lowercase()),
            recipient,
            near: req
                .near
                .as_ref()
                .map(|n| (n.lat, n.lon, n.radius_km, n.place.trim().to_string())),
            centre_id: req.near.is_none().then(|| req.centre.clone()).flatten(),
            vaccine: req.vaccine.clone(),
            lang: lang.code(),
            created_at: now.timestamp(),
            expires_at: (now + Duration::hours(CONFIRM_HOURS)).timestamp(),
        };
        let notice = AlertNotice {
            alert_id: &alert.id,
            channel,
            recipient: &alert.recipient,
            lang,
            watched: &watched,
            vaccine: alert.vaccine.as_deref(),
            public_url: &self.channels.public_url,
        };
        let confirmation = notice.confirmation(&confirm, now);
        let written = stored::sign_up(&self.pool, &alert, &confirmation, self.limits).await?;
        if !written {
            tracing::info!(
                channel,
                "alert sign-up over its recipient's limits: nothing sent"
            );
        }
        Ok(())
    }

    /// Follow a confirmation link: the alert's end, or `UnknownLink` for a
    /// link unknown, ended or too old.
    pub async fn confirm(&self, token: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
        if !well_formed(token) {
            return Err(Error::UnknownLink);
        }
        let until = (now + Duration::days(ALERT_DAYS)).timestamp();
        match stored::confirm(&self.pool, &hex_sha256(token), now.timestamp(), until).await? {
            Some(at) => Ok(Utc.timestamp_opt(at, 0).single().unwrap_or(now)),
            None => Err(Error::UnknownLink),
        }
    }

    /// End the alert of an unsubscribe token (again: the same answer).
    pub async fn unsubscribe(&self, token: &str, now: DateTime<Utc>) -> Result<(), Error> {
        if well_formed(token) && stored::end(&self.pool, token, now.timestamp()).await? {
            Ok(())
        } else {
            Err(Error::UnknownLink)
        }
    }

    /// Compare a generation's centres with free places with the active
    /// alerts, and queue one message per person answered (none for a
    /// person already told today). Also ends the alerts past their time.
    /// The number of messages queued.
    pub async fn after_generation(
        &self,
        openings: &[Opening],
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        stored::tidy(&self.pool, now.timestamp()).await?;
        if openings.is_empty() {
            return Ok(0);
        }
        let day = now.with_timezone(&Paris).date_naive().to_string();
        let watching = stored::watching(&self.pool, now.timestamp(), &day).await?;
        let watches: Vec<Watch> = watching
            .iter()
            .enumerate()
            .map(|(i, w)| Watch {
                id: i as i64,
                area: match (&w.near, &w.centre_id) {
                    (Some((lat, lon, radius)), _) => Area::Circle {
                        lat: *lat,
                        lon: *lon,
                        radius_km: f64::from(*radius),
                    },
                    (None, centre) => Area::Centre(centre.clone().unwrap_or_default()),
                },
                vaccine: w.vaccine.clone(),
            })
            .collect();
        let index = OpeningIndex::new(openings);
        // One message per person: the first of their alerts answered.
        let mut told = HashSet::new();
        let answered: Vec<(&stored::Watching, &Opening)> = index
            .answered(&watches)
            .into_iter()
            .map(|(i, centre)| (&watching[i as usize], centre))
            .filter(|(w, _)| told.insert(w.recipient_key.as_str()))
            .collect();
        let ids: Vec<&str> = answered.iter().map(|(w, _)| w.id.as_str()).collect();
        let details = stored::details(&self.pool, &ids).await?;
        let mut queued = 0;
        // Written a hundred at a time, so that a day's first generation
        // (tens of thousands of messages) never holds the store's write
        // lock long enough to keep a booking waiting.
        for chunk in answered.chunks(NOTIFY_BATCH) {
            let mut messages = Vec::with_capacity(chunk.len());
            for (w, centre) in chunk {
                let Some(d) = details.get(&w.id) else {
                    continue;
                };
                let watched = match (&w.near, &d.place) {
                    (Some((_, _, radius)), Some(place)) => Watched::Near(place.clone(), *radius),
                    _ => Watched::Centre(centre.name.clone(), centre.commune.clone()),
                };
                let notice = AlertNotice {
                    alert_id: &w.id,
                    channel: if d.channel == "sms" { "sms" } else { "email" },
                    recipient: &d.recipient,
                    lang: Lang::from_code(&d.lang).unwrap_or(Lang::Fr),
                    watched: &watched,
                    vaccine: w.vaccine.as_deref(),
                    public_url: &self.channels.public_url,
                };
                let expires = Utc
                    .timestamp_opt(d.expires_at, 0)
                    .single()
                    .unwrap_or(now)
                    .with_timezone(&Paris)
                    .date_naive();
                messages.push((
                    w.id.clone(),
                    notice.opening(centre, &d.stop_token, expires, now),
                ));
            }
            queued += stored::notify(&self.pool, &messages, &day).await?;
        }
        Ok(queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_random_bits_and_nothing_else_is_looked_up() {
        let (a, b) = (token(), token());
        assert!(well_formed(&a) && well_formed(&b) && a != b);
        assert!(!well_formed("0123"));
        assert!(!well_formed(&a.to_uppercase()));
        assert_eq!(hex_sha256("abc").len(), 64);
    }
}
