//! Booking: book, look up, cancel and move, as the API does them, with no
//! HTTP in sight (the handlers in `http::bookings` read requests
//! and call [`Bookings`]).
//!
//! - A booking takes the first injection's place and the second's (the one
//!   chosen, or the nearest to the first's time of day within the vaccine's
//!   window), both or neither, in one step; or, with a first injection
//!   given elsewhere, a second injection alone. Never more people in a slot
//!   than its capacity.
//! - A lookup, cancellation or move needs the reference and the birth date
//!   ([`Bookings::claim`], then [`Bookings::owned`]); cancelling frees the
//!   places (all, or the second's alone); a move takes the new place before
//!   freeing the old one.
//!
//! A slot's places are counted in `slot_usage`; taking one is a single
//! conditional upsert (`… DO UPDATE SET taken = taken + 1 WHERE taken <
//! capacity`), so two requests can never both take the last place, on
//! SQLite or PostgreSQL. The steps of a booking are written once, over
//! [`Ledger`]; on SQLite they run on the writer thread, in batches
//! committed together ([`SqliteWriter`]).
//!
//! - [`rules`]: slots, windows and candidates, without the store.
//! - [`eligibility`]: who may book, from a configuration file.
//! - [`limits`]: rate limits, wrong tries, the bound on work in flight.
//! - [`error`]: why a request did not happen, without status codes.

pub mod eligibility;
pub mod error;
pub mod limits;
pub mod rules;

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use creneau_model::booking::{
    check_birth_date, check_request, normalise_reference, not_an_iso_date, parse_iso_date,
    reference_from_bits, Appointment, BookedBy, Booking, BookingRequest, CancelRequest,
    FieldProblem, MoveRequest, Person,
};
use creneau_model::format::Lang;
use creneau_model::slots;
use creneau_model::snapshot::{second_dose_days, second_dose_interval, BookingMode};
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, RwLock};

use self::eligibility::Eligibility;
pub use self::error::Error;
use self::limits::{Gate, LimitsConfig, RateLimits};
use self::rules::{
    days_of, first_injection_day, in_window, minute_of_day, second_candidates, slot_at, Bookable,
};
use crate::messages::{message, message_with};
use crate::notify::compose::{self, Channels, Event};
use crate::store::ledger::{
    centre_of, read_on, taken_on, Inserted, Ledger, NewBooking, PoolLedger, SqliteWriter,
    StoredBooking,
};
use crate::store::outbox::NewMessage;
use crate::store::person::person_key;
use crate::store::{operations, Pool};

/// How many alternatives a 409 offers.
const ALTERNATIVES: usize = 6;

/// The bookable centres by id, as last read from the store.
type CentreCache = Arc<HashMap<String, Arc<Bookable>>>;

/// The booking service: its rules, limits and store, shared by every
/// request.
pub struct Bookings {
    pub eligibility: Eligibility,
    pub limits: LimitsConfig,
    pub horizon_days: u32,
    pool: Pool,
    rate: RateLimits,
    gate: Gate,
    centres: RwLock<(Option<Instant>, CentreCache)>,
    /// SQLite: the writer thread every booking write goes through. Other
    /// stores write through the pool.
    writer: Option<SqliteWriter>,
    sqlite: bool,
    /// Which messages booking steps write to the outbox.
    channels: Channels,
}

/// A reference someone asked about, admitted by the rate limits (see
/// [`Bookings::claim`]): what [`Bookings::owned`] checks the birth date of.
pub struct Claim {
    client: IpAddr,
    reference: String,
}

impl Bookings {
    /// On a SQLite store this starts its writer thread.
    pub fn new(
        eligibility: Eligibility,
        limits: LimitsConfig,
        horizon_days: u32,
        pool: &Pool,
    ) -> anyhow::Result<Self> {
        Ok(Bookings {
            rate: RateLimits::new(&limits),
            gate: Gate::new(limits.max_in_flight, limits.retry_after_secs),
            eligibility,
            limits,
            horizon_days,
            pool: pool.clone(),
            centres: RwLock::new((None, Arc::new(HashMap::new()))),
            writer: SqliteWriter::for_pool(pool)?,
            sqlite: pool.connect_options().database_url.scheme() == "sqlite",
            channels: Channels::default(),
        })
    }

    /// Booking steps write messages for these channels into the outbox
    /// (none by default: with no relay or gateway, nothing is written).
    pub fn with_messages(mut self, channels: Channels) -> Self {
        self.channels = channels;
        self
    }

    /// Writes through the pool even on SQLite (one transaction per step,
    /// no writer thread): the way other stores write, for tests to cover.
    pub fn writing_through_pool(mut self) -> Self {
        self.writer = None;
        self
    }

    fn pooled(&self) -> PoolLedger {
        PoolLedger::new(self.pool.clone(), self.sqlite)
    }

    /// Forget old rate-limit entries; called every minute.
    pub fn shrink(&self) {
        self.rate.shrink();
    }

    /// A booking from `client` may start: within its rate, and a place in
    /// the bound on work in flight, held until the permit drops (answered
    /// at once with 429 or 503 otherwise, before the body is read).
    pub fn admit_booking(&self, client: IpAddr) -> Result<OwnedSemaphorePermit, Error> {
        self.rate.booking(client)?;
        self.gate.enter()
    }

    /// An alert sign-up from `client` may start: within its rate.
    pub fn admit_alert_sign_up(&self, client: IpAddr) -> Result<(), Error> {
        self.rate.alert_sign_up(client)
    }

    /// A lookup, cancellation or move of `reference` from `client` may
    /// start: the reference is well formed and neither the address nor
    /// its wrong tries on it are over their limits.
    pub fn claim(&self, client: IpAddr, reference: &str) -> Result<Claim, Error> {
        let reference = normalise_reference(reference).ok_or(Error::NotFound)?;
        self.rate.lookup(client, &reference)?;
        Ok(Claim { client, reference })
    }

    /// Centres change only by import: they are read again at most every minute.
    async fn centres(&self) -> Result<CentreCache, Error> {
        let fresh =
            |at: Option<Instant>| at.is_some_and(|at| at.elapsed() < Duration::from_secs(60));
        {
            let cached = self.centres.read().await;
            if fresh(cached.0) {
                return Ok(cached.1.clone());
            }
        }
        let mut cached = self.centres.write().await;
        if fresh(cached.0) {
            return Ok(cached.1.clone());
        }
        let map = crate::store::centres::all(&self.pool)
            .await?
            .into_iter()
            .filter_map(Bookable::from_stored)
            .map(|b| (b.centre.id.clone(), Arc::new(b)))
            .collect();
        *cached = (Some(Instant::now()), Arc::new(map));
        Ok(cached.1.clone())
    }

    /// Book what `request` asks for, once per idempotency `key`: the
    /// booking, and whether it was made before (the same request sent
    /// again). Call within an [`admit_booking`](Self::admit_booking) permit.
    pub async fn book(
        &self,
        mut request: BookingRequest,
        key: String,
        now: DateTime<Utc>,
    ) -> Result<(Booking, bool), Error> {
        let problems = check_request(&request, now.date_naive());
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        request.person.first_name = request.person.first_name.trim().to_string();
        request.person.last_name = request.person.last_name.trim().to_string();
        for optional in [&mut request.person.phone, &mut request.person.email] {
            *optional = optional
                .take()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty());
        }
        let all = self.centres().await?;
        let Some(centre) = all.get(&request.centre).cloned() else {
            return Err(Error::field("centre", message("booking.no_such_centre")));
        };
        if centre.booking != BookingMode::Here {
            return Err(Error::field("centre", message("booking.not_booked_here")));
        }
        if !centre.vaccines.contains(&request.vaccine) {
            return Err(Error::field(
                "vaccine",
                message("booking.vaccine_not_offered"),
            ));
        }
        let interval = second_dose_interval(&request.vaccine)
            .ok_or_else(|| anyhow::anyhow!("vaccine checked before"))?;
        let window = self.eligibility.second_dose_window_days;
        let horizon = self.horizon_days;
        let birth = parse_iso_date(&request.person.birth_date)
            .ok_or_else(|| anyhow::anyhow!("birth date checked before"))?;
        let plan = match request.first_injection_date.as_deref() {
            // A second injection alone: the first was given elsewhere.
            Some(first_day) => {
                let first_day = parse_iso_date(first_day)
                    .ok_or_else(|| anyhow::anyhow!("date checked before"))?;
                if !centre.doses.contains(&2) {
                    return Err(Error::field(
                        "centre",
                        message("booking.no_second_injections"),
                    ));
                }
                if let Some(why) = self.eligibility.centre_refusal(centre.reserved_pro) {
                    return Err(Error::NotEligible(why));
                }
                let days = second_dose_days(first_day, interval, window);
                let at = slot_at(&centre, "slot", &request.slot, now, Some(horizon))?;
                in_window("slot", &centre, at, &days)?;
                Plan {
                    first: None,
                    candidates: vec![at],
                    chosen_second: true,
                    days,
                }
            }
            None => {
                if !centre.doses.contains(&1) {
                    return Err(Error::field(
                        "centre",
                        message("booking.second_injections_only"),
                    ));
                }
                let first = slot_at(&centre, "slot", &request.slot, now, Some(horizon))?;
                let first_day = first.with_timezone(&centre.tz).date_naive();
                if let Some(why) = self
                    .eligibility
                    .refusal(birth, first_day, centre.reserved_pro)
                {
                    return Err(Error::NotEligible(why));
                }
                let days = second_dose_days(first_day, interval, window);
                match request.second_slot.as_deref() {
                    Some(chosen) => {
                        let second = slot_at(&centre, "second_slot", chosen, now, None)?;
                        in_window("second_slot", &centre, second, &days)?;
                        Plan {
                            first: Some(first),
                            candidates: vec![second],
                            chosen_second: true,
                            days,
                        }
                    }
                    // The planned day only: the following days are worked out
                    // in the rare case that day is full (each day's slots cost
                    // time-zone arithmetic).
                    None => Plan {
                        first: Some(first),
                        candidates: second_candidates(&centre, first, interval, 0),
                        chosen_second: false,
                        days,
                    },
                }
            }
        };
        let request_hash = {
            let digest = Sha256::digest(serde_json::to_vec(&request).map_err(anyhow::Error::from)?);
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let chosen = (plan.first, plan.candidates.first().copied());
        let days = plan.days.clone();
        let attempt = Attempt {
            centre: centre.clone(),
            request,
            plan,
            interval,
            window,
            key,
            request_hash,
            now,
            channels: self.channels.clone(),
        };
        let outcome = match &self.writer {
            Some(writer) => writer.run(async move |l| book(l, &attempt).await).await,
            None => book(&mut self.pooled(), &attempt).await,
        };
        match outcome {
            Ok(done) => Ok(done),
            Err(e @ (Error::SlotTaken { dose: 1, .. } | Error::NoSecondSlot { .. })) => {
                let first = chosen
                    .0
                    .ok_or_else(|| anyhow::anyhow!("a first slot was tried"))?;
                let today = slots::local_date(now, centre.tz);
                let alternatives = free_times(
                    &self.pool,
                    &centre,
                    now,
                    slots::horizon(today, horizon).collect(),
                    first,
                )
                .await?;
                Err(match e {
                    Error::NoSecondSlot { .. } => Error::NoSecondSlot { alternatives },
                    _ => Error::SlotTaken {
                        dose: 1,
                        alternatives,
                    },
                })
            }
            Err(Error::SlotTaken { dose: 2, .. }) => Err(Error::SlotTaken {
                dose: 2,
                alternatives: free_times(
                    &self.pool,
                    &centre,
                    now,
                    days_of(&days),
                    chosen
                        .1
                        .ok_or_else(|| anyhow::anyhow!("a second slot was tried"))?,
                )
                .await?,
            }),
            Err(e) => Err(e),
        }
    }

    /// The centre of the claimed booking, if `birth_date` is its holder's;
    /// checked the same way whether the reference exists or not (one answer:
    /// 404). A wrong pair counts against the address that sent it.
    pub async fn owned(&self, claim: &Claim, birth_date: &str) -> Result<Arc<Bookable>, Error> {
        let birth = parse_iso_date(birth_date).ok_or_else(|| {
            Error::Invalid(vec![FieldProblem {
                field: "birth_date".into(),
                message: not_an_iso_date(),
            }])
        })?;
        if let Err(message) = check_birth_date(birth, Utc::now().date_naive()) {
            return Err(Error::Invalid(vec![FieldProblem {
                field: "birth_date".into(),
                message,
            }]));
        }
        let Some(centre_id) = centre_of(&self.pool, &claim.reference, &birth.to_string()).await?
        else {
            self.rate.wrong_try(claim.client, &claim.reference);
            return Err(Error::NotFound);
        };
        self.centres()
            .await?
            .get(&centre_id)
            .cloned()
            .ok_or(Error::NotFound)
    }

    /// The claimed booking, shown to its holder.
    pub async fn lookup(&self, claim: &Claim, birth_date: &str) -> Result<Booking, Error> {
        let centre = self.owned(claim, birth_date).await?;
        let stored = read_on(&self.pool, &claim.reference)
            .await?
            .ok_or(Error::NotFound)?;
        Ok(booking_from(stored, &centre))
    }

    /// Cancel the claimed booking, or its second injection alone.
    pub async fn cancel(
        &self,
        claim: &Claim,
        body: CancelRequest,
        now: DateTime<Utc>,
    ) -> Result<Booking, Error> {
        let centre = self.owned(claim, &body.birth_date).await?;
        let reference = claim.reference.clone();
        let only_second = match body.dose {
            None => false,
            Some(2) => true,
            Some(_) => return Err(Error::field("dose", message("change.cancel_dose"))),
        };
        // Cancelling twice is harmless: the second finds nothing to free,
        // and sends no message.
        async fn steps<L: Ledger>(
            ledger: &mut L,
            reference: &str,
            only_second: bool,
            centre: &Bookable,
            channels: &Channels,
            now: DateTime<Utc>,
        ) -> Result<Option<StoredBooking>, Error> {
            ledger.begin().await?;
            let done = async {
                let id = &centre.centre.id;
                let secs = now.timestamp();
                let (changed, event) = if only_second {
                    (
                        cancel_second(ledger, reference, id, secs).await?,
                        Event::SecondCancelled,
                    )
                } else {
                    (ledger.cancel(reference, secs).await?, Event::Cancelled)
                };
                let stored = ledger.read(reference).await?;
                if let (true, Some(stored)) = (changed, &stored) {
                    announce_change(ledger, event, stored, centre, channels, now).await?;
                }
                Ok::<_, Error>(stored)
            }
            .await;
            finish(ledger, done).await
        }
        let channels = self.channels.clone();
        let stored = match &self.writer {
            Some(writer) => {
                let reference = reference.clone();
                let centre = centre.clone();
                writer
                    .run(async move |l| {
                        steps(l, &reference, only_second, &centre, &channels, now).await
                    })
                    .await?
            }
            None => {
                steps(
                    &mut self.pooled(),
                    &reference,
                    only_second,
                    &centre,
                    &channels,
                    now,
                )
                .await?
            }
        };
        Ok(booking_from(stored.ok_or(Error::NotFound)?, &centre))
    }

    /// One injection of the claimed booking to another slot. The
    /// new place is taken before the old one is freed, in one step: the person
    /// never ends up with neither.
    pub async fn move_appointment(
        &self,
        claim: &Claim,
        body: MoveRequest,
        now: DateTime<Utc>,
    ) -> Result<Booking, Error> {
        let centre = self.owned(claim, &body.birth_date).await?;
        let reference = claim.reference.clone();
        let stored = read_on(&self.pool, &reference)
            .await?
            .ok_or(Error::NotFound)?;
        if stored.status != "confirmed" {
            return Err(cancelled_booking());
        }
        let interval = second_dose_interval(&stored.vaccine)
            .ok_or_else(|| anyhow::anyhow!("stored vaccine {} unknown", stored.vaccine))?;
        let window = self.eligibility.second_dose_window_days;
        let horizon = self.horizon_days;
        let local_day = |secs: i64| {
            DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&centre.tz).date_naive())
        };
        let (from, to) = match body.dose {
            1 => {
                let Some(from) = stored.first_at else {
                    return Err(Error::NotChangeable(message(
                        "change.first_given_elsewhere",
                    )));
                };
                let to = slot_at(&centre, "slot", &body.slot, now, Some(horizon))?;
                let birth = parse_iso_date(&stored.birth_date)
                    .ok_or_else(|| anyhow::anyhow!("stored birth date unreadable"))?;
                let new_day = to.with_timezone(&centre.tz).date_naive();
                if let Some(why) = self.eligibility.refusal(birth, new_day, false) {
                    return Err(Error::NotEligible(why));
                }
                // The second stays where it is: it must still be in the window.
                if let Some(second_day) = stored.second_at.and_then(local_day) {
                    let days = second_dose_days(new_day, interval, window);
                    if !days.contains(&second_day) {
                        let before =
                            |days: u32| second_day - chrono::Duration::days(i64::from(days));
                        return Err(Error::field(
                            "slot",
                            message_with(
                                "change.first_outside_window",
                                &[
                                    ("second", second_day.into()),
                                    ("interval", interval.into()),
                                    ("latest", (interval + window).into()),
                                    ("from", before(interval + window).into()),
                                    ("to", before(interval).into()),
                                ],
                            ),
                        ));
                    }
                }
                (from, to)
            }
            2 => {
                let Some(from) = stored.second_at else {
                    return Err(Error::NotChangeable(message("change.second_cancelled")));
                };
                let first_day = first_injection_day(&stored, centre.tz)?;
                let days = second_dose_days(first_day, interval, window);
                let to = slot_at(&centre, "slot", &body.slot, now, None)?;
                in_window("slot", &centre, to, &days)?;
                (from, to)
            }
            _ => return Err(Error::field("dose", message("change.move_dose"))),
        };
        if from == to.timestamp() {
            return Ok(booking_from(stored, &centre));
        }
        #[allow(clippy::too_many_arguments)]
        async fn steps<L: Ledger>(
            ledger: &mut L,
            reference: &str,
            centre: &Bookable,
            dose: u8,
            from: i64,
            to: i64,
            channels: &Channels,
            now: DateTime<Utc>,
        ) -> Result<StoredBooking, Error> {
            ledger.begin().await?;
            let done = async {
                let id = &centre.centre.id;
                if !ledger.take(id, &[to], centre.rules.capacity).await? {
                    return Err(Error::SlotTaken {
                        dose,
                        alternatives: Vec::new(),
                    });
                }
                if !ledger
                    .reschedule(reference, dose, from, Some(to), 0)
                    .await?
                {
                    // Cancelled or moved by another request since it was read.
                    return Err(Error::NotChangeable(message("change.changed_meanwhile")));
                }
                ledger.free_place(id, from).await?;
                let stored = ledger.read(reference).await?.ok_or(Error::NotFound)?;
                announce_change(ledger, Event::Moved(dose), &stored, centre, channels, now).await?;
                Ok(stored)
            }
            .await;
            finish(ledger, done).await
        }
        let (dose, new, channels) = (body.dose, to.timestamp(), self.channels.clone());
        let outcome = match &self.writer {
            Some(writer) => {
                let reference = reference.clone();
                let centre = centre.clone();
                writer
                    .run(async move |l| {
                        steps(l, &reference, &centre, dose, from, new, &channels, now).await
                    })
                    .await
            }
            None => {
                steps(
                    &mut self.pooled(),
                    &reference,
                    &centre,
                    dose,
                    from,
                    new,
                    &channels,
                    now,
                )
                .await
            }
        };
        match outcome {
            Ok(stored) => Ok(booking_from(stored, &centre)),
            Err(Error::SlotTaken { dose, .. }) => {
                let today = slots::local_date(now, centre.tz);
                let days = if dose == 1 {
                    slots::horizon(today, horizon).collect()
                } else {
                    let first_day = first_injection_day(&stored, centre.tz)?;
                    days_of(&second_dose_days(first_day, interval, window))
                };
                Err(Error::SlotTaken {
                    dose,
                    alternatives: free_times(&self.pool, &centre, now, days, to).await?,
                })
            }
            Err(e) => Err(e),
        }
    }
}

/// What `serve` runs beside the requests, for ever: every minute, forget
/// idle rate-limit entries; every hour (the first at once), delete the
/// bookings whose appointments are more than `purge_after_days` past.
pub async fn maintain(bookings: Arc<Bookings>, purge_after_days: u32) {
    let mut minutes = 0u64;
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        bookings.shrink();
        if minutes.is_multiple_of(60) {
            match operations::purge(&bookings.pool, Utc::now(), purge_after_days).await {
                Ok(n) => tracing::info!(deleted = n, "bookings purged"),
                Err(e) => tracing::error!(error = %format!("{e:#}"), "purge failed"),
            }
        }
        minutes += 1;
    }
}

/// Which places a booking asks for.
struct Plan {
    /// The first injection's time here; None when given elsewhere.
    first: Option<DateTime<Utc>>,
    /// Second-injection times to try, in order: the one chosen (or, for a
    /// second alone, the slot), else the planned day's, nearest first.
    candidates: Vec<DateTime<Utc>>,
    /// The person chose the second time: no other will do.
    chosen_second: bool,
    /// The days the second injection may be on.
    days: RangeInclusive<NaiveDate>,
}

/// A booking request, checked, as the store steps need it.
struct Attempt {
    centre: Arc<Bookable>,
    request: BookingRequest,
    plan: Plan,
    interval: u32,
    window: u32,
    key: String,
    request_hash: String,
    now: DateTime<Utc>,
    channels: Channels,
}

/// One booking: everything or nothing.
///
/// The usual case is one step of two statements: take the places in one
/// upsert, insert the booking (its key's unique index catches a retry).
/// Anything else (a full slot, a retried key, the nearest second time
/// full) is undone and done again step by step.
async fn book<L: Ledger>(ledger: &mut L, attempt: &Attempt) -> Result<(Booking, bool), Error> {
    if let Some(nearest) = attempt.plan.candidates.first() {
        ledger.begin().await?;
        match book_fast(ledger, attempt, *nearest).await {
            Ok(Some(booking)) => {
                ledger.keep().await?;
                return Ok((booking, false));
            }
            Ok(None) => ledger.undo().await?,
            Err(e) => {
                ledger.undo().await?;
                return Err(e);
            }
        }
    }
    ledger.begin().await?;
    let done = book_in(ledger, attempt).await;
    finish(ledger, done).await
}

/// Insert the booking row with a new reference.
async fn insert_booking<L: Ledger>(
    ledger: &mut L,
    attempt: &Attempt,
    second: DateTime<Utc>,
) -> Result<Option<String>, Error> {
    // 40 random bits; a clash with an existing reference fails the insert
    // (one chance in a trillion per booking) rather than costing a lookup.
    let reference = reference_from_bits(rand::random::<u64>() & ((1 << 40) - 1));
    let p = &attempt.request.person;
    let row = NewBooking {
        reference: &reference,
        centre_id: &attempt.centre.centre.id,
        vaccine: &attempt.request.vaccine,
        first_at: attempt.plan.first.map(|t| t.timestamp()),
        second_at: Some(second.timestamp()),
        first_elsewhere_on: attempt.request.first_injection_date.as_deref(),
        person_key: &person_key(p),
        first_name: &p.first_name,
        last_name: &p.last_name,
        birth_date: &p.birth_date,
        phone: p.phone.as_deref(),
        email: p.email.as_deref(),
        booked_by: booked_by_str(attempt.request.booked_by),
        created_at: attempt.now.timestamp(),
        idempotency_key: &attempt.key,
        request_hash: &attempt.request_hash,
        lang: lang_of(attempt.request.lang.as_deref()).code(),
    };
    Ok(match ledger.insert(&row).await? {
        Inserted::Done => Some(reference),
        Inserted::KeyUsed => None,
        Inserted::PersonHasOne => return Err(Error::AlreadyBooked),
    })
}

fn confirmed(reference: String, attempt: &Attempt, second: DateTime<Utc>) -> Booking {
    let centre = &attempt.centre;
    let first = attempt.plan.first.map(|at| Appointment {
        dose: 1,
        at: centre.rfc3339(at),
    });
    Booking {
        reference,
        status: "confirmed".into(),
        centre: centre.centre.clone(),
        vaccine: attempt.request.vaccine.clone(),
        appointments: first
            .into_iter()
            .chain([Appointment {
                dose: 2,
                at: centre.rfc3339(second),
            }])
            .collect(),
        person: attempt.request.person.clone(),
        booked_by: attempt.request.booked_by,
        first_injection_date: attempt.request.first_injection_date.clone(),
        second_cancelled: false,
    }
}

/// The usual case; `None` when it does not apply (to be done step by step).
async fn book_fast<L: Ledger>(
    ledger: &mut L,
    attempt: &Attempt,
    second: DateTime<Utc>,
) -> Result<Option<Booking>, Error> {
    let centre = &attempt.centre;
    let places: Vec<i64> = attempt
        .plan
        .first
        .iter()
        .chain([&second])
        .map(|t| t.timestamp())
        .collect();
    if !ledger
        .take(&centre.centre.id, &places, centre.rules.capacity)
        .await?
    {
        return Ok(None);
    }
    match insert_booking(ledger, attempt, second).await {
        Ok(Some(reference)) => {
            let booking = confirmed(reference, attempt, second);
            announce_booking(ledger, attempt, &booking).await?;
            Ok(Some(booking))
        }
        Ok(None) => Ok(None),
        // A retry of this very request meets the person's index too, and a
        // store may report that one before the key's (PostgreSQL does): the
        // step-by-step path looks at the key first and tells them apart.
        Err(Error::AlreadyBooked) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Step by step: a retried key first, then the first place, then the
/// second (the one chosen; or the nearest time that day, else the next
/// days of the window), then the booking.
async fn book_in<L: Ledger>(ledger: &mut L, attempt: &Attempt) -> Result<(Booking, bool), Error> {
    let centre = &attempt.centre;
    if let Some((hash, existing)) = ledger.key_holder(&attempt.key).await? {
        // This key was used before: the same request gets the same booking.
        if hash.as_deref() != Some(attempt.request_hash.as_str()) {
            return Err(Error::KeyReused);
        }
        let stored = ledger
            .read(&existing)
            .await?
            .ok_or_else(|| anyhow::anyhow!("idempotency key names a missing booking"))?;
        return Ok((booking_from(stored, centre), true));
    }
    let capacity = centre.rules.capacity;
    let id = &centre.centre.id;
    if let Some(first) = attempt.plan.first {
        if !ledger.take(id, &[first.timestamp()], capacity).await? {
            return Err(Error::SlotTaken {
                dose: 1,
                alternatives: Vec::new(),
            });
        }
    }
    let wider = match (attempt.plan.chosen_second, attempt.plan.first) {
        (false, Some(first)) => {
            second_candidates(centre, first, attempt.interval, i64::from(attempt.window))
        }
        _ => Vec::new(),
    };
    let candidates = if wider.is_empty() {
        &attempt.plan.candidates
    } else {
        &wider
    };
    let mut second = None;
    if let (Some(lo), Some(hi)) = (candidates.iter().min(), candidates.iter().max()) {
        let taken = ledger
            .taken_between(id, lo.timestamp(), hi.timestamp() + 1)
            .await?;
        for at in candidates {
            if taken.get(&at.timestamp()).copied().unwrap_or(0) >= capacity {
                continue;
            }
            if ledger.take(id, &[at.timestamp()], capacity).await? {
                second = Some(*at);
                break;
            }
        }
    }
    let Some(second) = second else {
        return Err(if attempt.plan.chosen_second {
            Error::SlotTaken {
                dose: 2,
                alternatives: Vec::new(),
            }
        } else {
            Error::NoSecondSlot {
                alternatives: Vec::new(),
            }
        });
    };
    match insert_booking(ledger, attempt, second).await? {
        Some(reference) => {
            let booking = confirmed(reference, attempt, second);
            announce_booking(ledger, attempt, &booking).await?;
            Ok((booking, false))
        }
        None => Err(anyhow::anyhow!("idempotency key appeared during its own transaction").into()),
    }
}

/// The language messages are written in: French unless English was asked.
fn lang_of(code: Option<&str>) -> Lang {
    code.and_then(Lang::from_code).unwrap_or_default()
}

/// Write messages into the outbox, in the step under way.
async fn enqueue<L: Ledger>(ledger: &mut L, messages: &[NewMessage]) -> Result<(), Error> {
    for m in messages {
        ledger.enqueue(m).await?;
    }
    Ok(())
}

/// A new booking's confirmation and the reminders of its injections.
async fn announce_booking<L: Ledger>(
    ledger: &mut L,
    attempt: &Attempt,
    booking: &Booking,
) -> Result<(), Error> {
    let channels = &attempt.channels;
    if !channels.email && !channels.sms {
        return Ok(());
    }
    let lang = lang_of(attempt.request.lang.as_deref());
    let tz = attempt.centre.tz;
    let mut messages = compose::messages(Event::Booked, booking, lang, channels, tz, attempt.now);
    for a in &booking.appointments {
        messages.extend(compose::messages(
            Event::Reminder(a.dose),
            booking,
            lang,
            channels,
            tz,
            attempt.now,
        ));
    }
    enqueue(ledger, &messages).await
}

/// A change's message, its reminders withdrawn and (for a move) written
/// again for the new time: in the change's own step.
async fn announce_change<L: Ledger>(
    ledger: &mut L,
    event: Event,
    stored: &StoredBooking,
    centre: &Bookable,
    channels: &Channels,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if !channels.email && !channels.sms {
        return Ok(());
    }
    let reference = &stored.reference;
    let withdrawn: &[u8] = match event {
        Event::Moved(1) => &[1],
        Event::Moved(_) | Event::SecondCancelled => &[2],
        _ => &[1, 2],
    };
    for dose in withdrawn {
        ledger.withdraw_reminder(reference, *dose).await?;
    }
    let booking = booking_from(stored.clone(), centre);
    let lang = lang_of(Some(&stored.lang));
    let mut messages = compose::messages(event, &booking, lang, channels, centre.tz, now);
    if let Event::Moved(dose) = event {
        messages.extend(compose::messages(
            Event::Reminder(dose),
            &booking,
            lang,
            channels,
            centre.tz,
            now,
        ));
    }
    enqueue(ledger, &messages).await
}

fn booked_by_str(b: BookedBy) -> &'static str {
    match b {
        BookedBy::Myself => "self",
        BookedBy::Helper => "helper",
    }
}

/// A stored booking as the API shows it.
fn booking_from(r: StoredBooking, centre: &Bookable) -> Booking {
    let at = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .map(|t| centre.rfc3339(t))
            .unwrap_or_default()
    };
    let appointments = [(1, r.first_at), (2, r.second_at)]
        .into_iter()
        .filter_map(|(dose, secs)| {
            Some(Appointment {
                dose,
                at: at(secs?),
            })
        })
        .collect();
    Booking {
        reference: r.reference,
        status: r.status,
        centre: centre.centre.clone(),
        vaccine: r.vaccine,
        appointments,
        person: Person {
            first_name: r.first_name,
            last_name: r.last_name,
            birth_date: r.birth_date,
            phone: r.phone,
            email: r.email,
        },
        booked_by: if r.booked_by == "helper" {
            BookedBy::Helper
        } else {
            BookedBy::Myself
        },
        first_injection_date: r.first_elsewhere_on,
        second_cancelled: r.second_cancelled_at.is_some(),
    }
}

/// Free times at a centre on some days, read from the store (the
/// snapshot may be a minute old): on the day the person chose first, then
/// the nearest days after or before it (never a past time), each day's
/// times nearest the chosen time first.
async fn free_times(
    pool: &Pool,
    centre: &Bookable,
    now: DateTime<Utc>,
    mut days: Vec<NaiveDate>,
    chosen: DateTime<Utc>,
) -> Result<Vec<String>, Error> {
    let (Some(first), Some(last)) = (days.iter().min().copied(), days.iter().max().copied()) else {
        return Ok(Vec::new());
    };
    let from = (first - chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let until = (last + chrono::Duration::days(2))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let taken = taken_on(
        pool,
        &centre.centre.id,
        from.timestamp().max(now.timestamp()),
        until.timestamp(),
    )
    .await?;
    let chosen_day = chosen.with_timezone(&centre.tz).date_naive();
    days.sort_by_key(|d| ((*d - chosen_day).num_days().abs(), *d < chosen_day));
    let chosen_minute = minute_of_day(&chosen.with_timezone(&centre.tz));
    let mut out = Vec::new();
    for date in days {
        if !centre.open_on(date) {
            continue;
        }
        let mut day = slots::slots_on(date, &centre.hours, centre.rules, centre.tz);
        day.sort_by_key(|s| {
            let m = minute_of_day(&s.local);
            ((m - chosen_minute).abs(), m)
        });
        for slot in day {
            if slot.starts_at > now
                && slot.starts_at != chosen
                && taken.get(&slot.starts_at.timestamp()).copied().unwrap_or(0)
                    < centre.rules.capacity
            {
                out.push(centre.rfc3339(slot.starts_at));
                if out.len() == ALTERNATIVES {
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

/// Keep the step if it went well, undo it otherwise.
async fn finish<L: Ledger, T>(ledger: &mut L, done: Result<T, Error>) -> Result<T, Error> {
    match done {
        Ok(v) => {
            ledger.keep().await?;
            Ok(v)
        }
        Err(e) => {
            ledger.undo().await?;
            Err(e)
        }
    }
}

fn cancelled_booking() -> Error {
    Error::NotChangeable(message("change.cancelled"))
}

/// The second injection of a confirmed booking cancelled on its own; its
/// place returns to the pool. Done again, it changes nothing (false).
async fn cancel_second<L: Ledger>(
    ledger: &mut L,
    reference: &str,
    centre: &str,
    now: i64,
) -> Result<bool, Error> {
    let stored = ledger.read(reference).await?.ok_or(Error::NotFound)?;
    if stored.status != "confirmed" {
        return Err(cancelled_booking());
    }
    if stored.first_at.is_none() {
        return Err(Error::NotChangeable(message("change.only_second_held")));
    }
    let Some(second) = stored.second_at else {
        return Ok(false);
    };
    if !ledger.reschedule(reference, 2, second, None, now).await? {
        return Err(anyhow::anyhow!("booking changed within its own step").into());
    }
    ledger.free_place(centre, second).await?;
    Ok(true)
}
