//! The booking rules that need no store: which times are a centre's
//! slots, which days a second injection may be on, and in what order
//! second-injection times are tried.

use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use creneau_model::booking::{parse_iso_date, BookingCentre, SlotTime};
use creneau_model::hours::WeekHours;
use creneau_model::slots::{self, SlotRules};
use creneau_model::snapshot::BookingMode;

use super::error::Error;
use crate::messages::{message, message_with};
use crate::store::centres::StoredCentre;
use crate::store::ledger::StoredBooking;

/// A centre as booking needs it.
#[derive(Debug)]
pub struct Bookable {
    pub centre: BookingCentre,
    pub booking: BookingMode,
    pub reserved_pro: bool,
    pub hours: WeekHours,
    pub rules: SlotRules,
    pub tz: Tz,
    pub vaccines: Vec<String>,
    pub doses: Vec<u8>,
    pub opening: Option<NaiveDate>,
    pub closing: Option<NaiveDate>,
}

impl Bookable {
    pub fn open_on(&self, date: NaiveDate) -> bool {
        self.opening.is_none_or(|o| date >= o) && self.closing.is_none_or(|c| date <= c)
    }

    pub fn rfc3339(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }
}

impl Bookable {
    /// A stored centre, if its time zone is known.
    pub fn from_stored(c: StoredCentre) -> Option<Self> {
        let tz = slots::time_zone(c.time_zone.as_deref()?)?;
        Some(Bookable {
            booking: c.booking,
            reserved_pro: c.reserved_pro,
            hours: c.hours,
            rules: c.rules,
            tz,
            vaccines: c.vaccines,
            doses: c.doses,
            opening: c.opening_date.and_then(|d| d.parse().ok()),
            closing: c.closing_date.and_then(|d| d.parse().ok()),
            centre: BookingCentre {
                id: c.id,
                name: c.name,
                address: c.address,
                postcode: c.postcode,
                commune: c.commune,
                phone: c.phone,
            },
        })
    }
}

/// The dates of a range.
pub fn days_of(days: &RangeInclusive<NaiveDate>) -> Vec<NaiveDate> {
    days.start()
        .iter_days()
        .take_while(|d| d <= days.end())
        .collect()
}

/// A time sent for `name`, if it is one of the centre's slots, still to
/// come, on a day it is open and (for a first injection) within the
/// published horizon.
pub fn slot_at(
    centre: &Bookable,
    name: &str,
    slot: &str,
    now: DateTime<Utc>,
    horizon_days: Option<u32>,
) -> Result<DateTime<Utc>, Error> {
    let not_a_slot = || Error::field(name, message("booking.choose_a_slot"));
    let at = match creneau_model::booking::parse_slot(slot).ok_or_else(not_a_slot)? {
        SlotTime::Instant(at) => at.with_timezone(&Utc),
        SlotTime::Local(local) => chrono::TimeZone::from_local_datetime(&centre.tz, &local)
            .earliest()
            .ok_or_else(not_a_slot)?
            .with_timezone(&Utc),
    };
    if at <= now {
        return Err(Error::field(name, message("booking.slot_passed")));
    }
    let today = slots::local_date(now, centre.tz);
    let date = at.with_timezone(&centre.tz).date_naive();
    if let Some(horizon_days) = horizon_days {
        if (date - today).num_days() >= i64::from(horizon_days) {
            return Err(Error::field(
                name,
                message_with("booking.beyond_horizon", &[("days", horizon_days.into())]),
            ));
        }
    }
    let exists = centre.open_on(date)
        && slots::slots_on(date, &centre.hours, centre.rules, centre.tz)
            .iter()
            .any(|s| s.starts_at == at);
    if !exists {
        return Err(Error::field(name, message("booking.slot_not_offered")));
    }
    Ok(at)
}

/// A second injection on one of the days its vaccine allows.
pub fn in_window(
    name: &str,
    centre: &Bookable,
    at: DateTime<Utc>,
    days: &RangeInclusive<NaiveDate>,
) -> Result<(), Error> {
    let date = at.with_timezone(&centre.tz).date_naive();
    if days.contains(&date) {
        return Ok(());
    }
    let (from, to) = (days.start(), days.end());
    Err(Error::field(
        name,
        message_with(
            "booking.second_outside_window",
            &[("from", (*from).into()), ("to", (*to).into())],
        ),
    ))
}

/// Minutes since midnight on a wall clock.
pub fn minute_of_day(t: &impl chrono::Timelike) -> i64 {
    i64::from(t.hour() * 60 + t.minute())
}

/// Second-injection candidates: the planned day's slots nearest the first
/// injection's time of day, then the following days' likewise.
pub fn second_candidates(
    centre: &Bookable,
    first: DateTime<Utc>,
    interval_days: u32,
    days_after: i64,
) -> Vec<DateTime<Utc>> {
    let local = first.with_timezone(&centre.tz);
    let target_day = local.date_naive() + chrono::Duration::days(i64::from(interval_days));
    let target_minute = minute_of_day(&local);
    let mut out = Vec::new();
    for offset in 0..=days_after {
        let date = target_day + chrono::Duration::days(offset);
        if !centre.open_on(date) {
            continue;
        }
        let mut day = slots::slots_on(date, &centre.hours, centre.rules, centre.tz);
        day.sort_by_key(|s| {
            let m = minute_of_day(&s.local);
            ((m - target_minute).abs(), m)
        });
        out.extend(day.into_iter().map(|s| s.starts_at));
    }
    out
}

/// The local day of a booking's first injection: held here, or given
/// elsewhere on the date the person gave.
pub fn first_injection_day(stored: &StoredBooking, tz: Tz) -> Result<NaiveDate, Error> {
    let held_here = stored
        .first_at
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .map(|t| t.with_timezone(&tz).date_naive());
    held_here
        .or_else(|| {
            stored
                .first_elsewhere_on
                .as_deref()
                .and_then(parse_iso_date)
        })
        .ok_or_else(|| anyhow::anyhow!("booking without a first injection").into())
}
