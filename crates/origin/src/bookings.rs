//! The booking API, under `/api/v1`:
//!
//! - `POST /bookings` (with `Idempotency-Key`): books the first injection
//!   and the second (the one chosen, or the nearest to the first's time of
//!   day within the vaccine's window), both or neither, in one
//!   transaction; or, with `first_injection_date`, a second injection
//!   alone. Never more people in a slot than its capacity.
//! - `POST /bookings/{reference}/lookup`, `…/cancel` and `…/move`: the
//!   reference in the path, the birth date in the body (never in a URL, so
//!   never in a log); cancelling frees the places (all, or the second's
//!   alone); a move takes the new place before freeing the old one.
//!
//! A slot's places are counted in `slot_usage`; taking one is a single
//! conditional upsert (`… DO UPDATE SET taken = taken + 1 WHERE taken <
//! capacity`), so two requests can never both take the last place, on
//! SQLite or PostgreSQL. The steps of a booking are written once, over
//! [`Ledger`]; on SQLite they run on the writer thread, in batches
//! committed together ([`SqliteWriter`]).
//! Also here: the centres cache, purge, and the centre's day list export.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use creneau_model::booking::{
    check_birth_date, check_request, normalise_reference, not_an_iso_date, parse_iso_date,
    reference_from_bits, Appointment, BookedBy, Booking, BookingCentre, BookingRequest,
    CancelRequest, FieldProblem, Message, MoveRequest, Person, ReferenceCheck, SlotTime,
};
use creneau_model::format::{date_with_year, Lang};
use creneau_model::hours::WeekHours;
use creneau_model::slots::{self, SlotRules};
use creneau_model::snapshot::{second_dose_days, second_dose_interval, BookingMode};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::RwLock;

use crate::db::Pool;
use crate::eligibility::Eligibility;
use crate::error::Error;
use crate::http::ApiContext;
use crate::ledger::{
    read_on, taken_on, Inserted, Ledger, NewBooking, PoolLedger, SqliteWriter, StoredBooking,
};
use crate::limits::{client_address, Gate, LimitsConfig, RateLimits};
use crate::person::person_key;
use crate::server::BodyReadTimeout;

/// Largest request body accepted (a booking is well under 1 KiB).
pub const BODY_LIMIT: usize = 8 * 1024;
/// Time to send a body when the server has not said otherwise (`serve`
/// passes its `--body-read-timeout`).
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How many alternatives a 409 offers.
const ALTERNATIVES: usize = 6;

/// The bookable centres by id, as last read from the store.
type CentreCache = Arc<HashMap<String, Arc<Bookable>>>;

/// Everything the booking handlers share, inside [`ApiContext`].
pub struct Bookings {
    pub eligibility: Eligibility,
    pub limits: LimitsConfig,
    pub horizon_days: u32,
    rate: RateLimits,
    gate: Gate,
    centres: RwLock<(Option<Instant>, CentreCache)>,
    /// SQLite: the writer thread every booking write goes through. Other
    /// stores write through the pool.
    writer: Option<SqliteWriter>,
    sqlite: bool,
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
            centres: RwLock::new((None, Arc::new(HashMap::new()))),
            writer: SqliteWriter::for_pool(pool)?,
            sqlite: pool.connect_options().database_url.scheme() == "sqlite",
        })
    }

    /// Writes through the pool even on SQLite (one transaction per step,
    /// no writer thread): the way other stores write, for tests to cover.
    pub fn writing_through_pool(mut self) -> Self {
        self.writer = None;
        self
    }

    fn pooled(&self, pool: &Pool) -> PoolLedger {
        PoolLedger::new(pool.clone(), self.sqlite)
    }

    /// Forget old rate-limit entries; called every minute.
    pub fn shrink(&self) {
        self.rate.shrink();
    }
}

/// What `serve` runs beside the requests, for ever: every minute, forget
/// idle rate-limit entries; every hour (the first at once), delete the
/// bookings whose appointments are more than `purge_after_days` past.
pub async fn maintain(bookings: Arc<Bookings>, pool: Pool, purge_after_days: u32) {
    let mut minutes = 0u64;
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        bookings.shrink();
        if minutes.is_multiple_of(60) {
            match purge(&pool, Utc::now(), purge_after_days).await {
                Ok(n) => tracing::info!(deleted = n, "bookings purged"),
                Err(e) => tracing::error!(error = %format!("{e:#}"), "purge failed"),
            }
        }
        minutes += 1;
    }
}

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
    fn open_on(&self, date: NaiveDate) -> bool {
        self.opening.is_none_or(|o| date >= o) && self.closing.is_none_or(|c| date <= c)
    }

    fn rfc3339(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }
}

/// Centres change only by import: they are read again at most every minute.
async fn centres(ctx: &ApiContext) -> Result<CentreCache, Error> {
    {
        let cached = ctx.bookings.centres.read().await;
        if cached
            .0
            .is_some_and(|at| at.elapsed() < Duration::from_secs(60))
        {
            return Ok(cached.1.clone());
        }
    }
    let mut cached = ctx.bookings.centres.write().await;
    if cached
        .0
        .is_some_and(|at| at.elapsed() < Duration::from_secs(60))
    {
        return Ok(cached.1.clone());
    }
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.address, c.postcode, c.commune, c.phone, c.booking_mode, c.reserved_pro, \
         c.hours_json, c.slot_minutes, c.capacity, c.vaccines, c.doses, c.opening_date, c.closing_date, d.time_zone, \
         c.open_on_public_holidays \
         FROM centres c JOIN departements d ON d.code = c.departement",
    )
    .fetch_all(&ctx.pool)
    .await?;
    let mut map = HashMap::with_capacity(rows.len());
    for r in rows {
        let id: String = r.get(0);
        let hours: WeekHours = serde_json::from_str(&r.get::<String, _>(8))
            .with_context(|| format!("centre {id}: stored hours unreadable"))?;
        let Some(tz) = slots::time_zone(&r.get::<String, _>(15)) else {
            continue;
        };
        let split = |s: String| {
            s.split('|')
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let bookable = Bookable {
            centre: BookingCentre {
                id: id.clone(),
                name: r.get(1),
                address: r.get(2),
                postcode: r.get(3),
                commune: r.get(4),
                phone: r.get(5),
            },
            booking: BookingMode::parse(&r.get::<String, _>(6)).unwrap_or(BookingMode::Phone),
            reserved_pro: r.get::<i32, _>(7) != 0,
            hours,
            rules: SlotRules {
                slot_minutes: r.get::<i32, _>(9) as u16,
                capacity: r.get::<i32, _>(10) as u32,
                open_on_public_holidays: r.get::<i32, _>(16) != 0,
            },
            tz,
            vaccines: split(r.get(11)),
            doses: split(r.get(12))
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect(),
            opening: r.get::<Option<String>, _>(13).and_then(|d| d.parse().ok()),
            closing: r.get::<Option<String>, _>(14).and_then(|d| d.parse().ok()),
        };
        map.insert(id, Arc::new(bookable));
    }
    *cached = (Some(Instant::now()), Arc::new(map));
    Ok(cached.1.clone())
}

pub fn routes() -> Router<ApiContext> {
    Router::new()
        .route("/bookings", post(create))
        .route("/bookings/{reference}/lookup", post(lookup))
        .route("/bookings/{reference}/cancel", post(cancel))
        .route("/bookings/{reference}/move", post(move_appointment))
}

fn bad_request(status: StatusCode, fr: &str, en: &str) -> Error {
    Error::BadRequest {
        status,
        message: Message::new(fr, en),
    }
}

/// The body as JSON of type `T`, or a 4xx that says what is wrong and
/// where, without echoing what was sent.
async fn json_body<T: serde::de::DeserializeOwned>(req: Request) -> Result<T, Error> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(bad_request(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "La demande doit être envoyée en JSON (Content-Type: application/json).",
            "The request must be sent as JSON (Content-Type: application/json).",
        ));
    }
    // A client that sends its body a byte at a time would hold a connection
    // (and here, a place in the booking gate) for as long as it likes.
    let deadline = req
        .extensions()
        .get::<BodyReadTimeout>()
        .map_or(BODY_READ_TIMEOUT, |t| t.0);
    let read = tokio::time::timeout(deadline, axum::body::to_bytes(req.into_body(), BODY_LIMIT));
    let bytes: Bytes = read
        .await
        .map_err(|_| {
            bad_request(
                StatusCode::REQUEST_TIMEOUT,
                "La demande est arrivée trop lentement. Veuillez réessayer.",
                "The request arrived too slowly. Please try again.",
            )
        })?
        .map_err(|_| {
            bad_request(
                StatusCode::PAYLOAD_TOO_LARGE,
                "La demande est trop longue.",
                "The request is too long.",
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        if e.is_data() {
            bad_request(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("La demande n’a pas la forme attendue (ligne {line}, colonne {column}) : un champ manque, est en trop ou n’a pas le bon type. Voir /api/v1/openapi.json."),
                &format!("The request does not have the expected shape (line {line}, column {column}): a field is missing, unknown or of the wrong type. See /api/v1/openapi.json."),
            )
        } else {
            bad_request(
                StatusCode::BAD_REQUEST,
                &format!("La demande n’est pas du JSON valide (ligne {line}, colonne {column})."),
                &format!("The request is not valid JSON (line {line}, column {column})."),
            )
        }
    })
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, Error> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if key.len() < 8
        || key.len() > 100
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad_request(
            StatusCode::BAD_REQUEST,
            "L’en-tête Idempotency-Key manque ou n’est pas valide (8 à 100 lettres, chiffres, - ou _).",
            "The Idempotency-Key header is missing or invalid (8 to 100 letters, digits, - or _).",
        ));
    }
    Ok(key.to_string())
}

fn field(field: &str, fr: impl Into<String>, en: impl Into<String>) -> Error {
    Error::Invalid(vec![FieldProblem {
        field: field.into(),
        message: Message::new(fr, en),
    }])
}

async fn create(State(ctx): State<ApiContext>, req: Request) -> Result<Response, Error> {
    let client = client_address(&req, &ctx.bookings.limits.trusted_proxies);
    ctx.bookings.rate.booking(client)?;
    let _permit = ctx.bookings.gate.enter()?;
    let key = idempotency_key(req.headers())?;
    let mut request: BookingRequest = json_body(req).await?;
    let now = Utc::now();
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
    let all = centres(&ctx).await?;
    let Some(centre) = all.get(&request.centre).cloned() else {
        return Err(field(
            "centre",
            "Ce centre n’existe pas",
            "This centre does not exist",
        ));
    };
    if centre.booking != BookingMode::Here {
        return Err(field(
            "centre",
            "Ce centre ne prend pas de rendez-vous sur Créneau : voyez sa page pour réserver",
            "This centre does not take bookings on Créneau: see its page to book",
        ));
    }
    if !centre.vaccines.contains(&request.vaccine) {
        return Err(field(
            "vaccine",
            "Ce centre ne propose pas ce vaccin",
            "This centre does not offer this vaccine",
        ));
    }
    let interval = second_dose_interval(&request.vaccine)
        .ok_or_else(|| anyhow::anyhow!("vaccine checked before"))?;
    let window = ctx.bookings.eligibility.second_dose_window_days;
    let horizon = ctx.bookings.horizon_days;
    let birth = parse_iso_date(&request.person.birth_date)
        .ok_or_else(|| anyhow::anyhow!("birth date checked before"))?;
    let plan = match request.first_injection_date.as_deref() {
        // A second injection alone: the first was given elsewhere.
        Some(first_day) => {
            let first_day =
                parse_iso_date(first_day).ok_or_else(|| anyhow::anyhow!("date checked before"))?;
            if !centre.doses.contains(&2) {
                return Err(field(
                    "centre",
                    "Ce centre ne fait pas de deuxième injection",
                    "This centre does not give second injections",
                ));
            }
            if let Some(why) = ctx.bookings.eligibility.centre_refusal(centre.reserved_pro) {
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
                return Err(field(
                    "centre",
                    "Ce centre ne fait que des deuxièmes injections : indiquez la date de la première (first_injection_date)",
                    "This centre only gives second injections: give the date of the first (first_injection_date)",
                ));
            }
            let first = slot_at(&centre, "slot", &request.slot, now, Some(horizon))?;
            let first_day = first.with_timezone(&centre.tz).date_naive();
            if let Some(why) =
                ctx.bookings
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
    };
    let outcome = match &ctx.bookings.writer {
        Some(writer) => writer.run(async move |l| book(l, &attempt).await).await,
        None => book(&mut ctx.bookings.pooled(&ctx.pool), &attempt).await,
    };
    match outcome {
        Ok((booking, replayed)) => {
            let mut response = (StatusCode::CREATED, Json(booking)).into_response();
            if replayed {
                response
                    .headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
            }
            Ok(response)
        }
        Err(e @ (Error::SlotTaken { dose: 1, .. } | Error::NoSecondSlot { .. })) => {
            let first = chosen
                .0
                .ok_or_else(|| anyhow::anyhow!("a first slot was tried"))?;
            let today = slots::local_date(now, centre.tz);
            let alternatives = free_times(
                &ctx.pool,
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
                &ctx.pool,
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

/// The dates of a range.
fn days_of(days: &RangeInclusive<NaiveDate>) -> Vec<NaiveDate> {
    days.start()
        .iter_days()
        .take_while(|d| d <= days.end())
        .collect()
}

/// A time sent for `name`, if it is one of the centre's slots, still to
/// come, on a day it is open and (for a first injection) within the
/// published horizon.
fn slot_at(
    centre: &Bookable,
    name: &str,
    slot: &str,
    now: DateTime<Utc>,
    horizon_days: Option<u32>,
) -> Result<DateTime<Utc>, Error> {
    let not_a_slot = || field(name, "Choisissez un créneau", "Choose a slot");
    let at = match creneau_model::booking::parse_slot(slot).ok_or_else(not_a_slot)? {
        SlotTime::Instant(at) => at.with_timezone(&Utc),
        SlotTime::Local(local) => chrono::TimeZone::from_local_datetime(&centre.tz, &local)
            .earliest()
            .ok_or_else(not_a_slot)?
            .with_timezone(&Utc),
    };
    if at <= now {
        return Err(field(
            name,
            "Ce créneau est passé : choisissez-en un autre",
            "This slot has passed: choose another",
        ));
    }
    let today = slots::local_date(now, centre.tz);
    let date = at.with_timezone(&centre.tz).date_naive();
    if let Some(horizon_days) = horizon_days {
        if (date - today).num_days() >= i64::from(horizon_days) {
            return Err(field(name, format!("Les rendez-vous s’ouvrent {horizon_days} jours à l’avance : choisissez une date plus proche"), format!("Appointments open {horizon_days} days ahead: choose an earlier date")));
        }
    }
    let exists = centre.open_on(date)
        && slots::slots_on(date, &centre.hours, centre.rules, centre.tz)
            .iter()
            .any(|s| s.starts_at == at);
    if !exists {
        return Err(field(
            name,
            "Ce centre ne propose pas ce créneau : choisissez-en un sur sa page",
            "This centre does not offer this slot: choose one on its page",
        ));
    }
    Ok(at)
}

/// A second injection on one of the days its vaccine allows.
fn in_window(
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
    Err(field(
        name,
        format!(
            "La deuxième injection de ce vaccin se fait entre le {} et le {} : choisissez un jour entre ces dates",
            date_with_year(*from, Lang::Fr),
            date_with_year(*to, Lang::Fr)
        ),
        format!(
            "The second injection of this vaccine is given between {} and {}: choose a day between these dates",
            date_with_year(*from, Lang::En),
            date_with_year(*to, Lang::En)
        ),
    ))
}

/// Minutes since midnight on a wall clock.
fn minute_of_day(t: &impl chrono::Timelike) -> i64 {
    i64::from(t.hour() * 60 + t.minute())
}

/// Second-injection candidates: the planned day's slots nearest the first
/// injection's time of day, then the following days' likewise.
fn second_candidates(
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
    };
    Ok(match ledger.insert(&row).await? {
        Inserted::Done => Some(reference),
        Inserted::KeyUsed => None,
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
        Ok(inserted) => Ok(inserted.map(|reference| confirmed(reference, attempt, second))),
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
        Some(reference) => Ok((confirmed(reference, attempt, second), false)),
        None => Err(anyhow::anyhow!("idempotency key appeared during its own transaction").into()),
    }
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

/// The reference of a lookup, cancellation or move and the body that
/// carries the birth date, checked the same way whether the reference
/// exists or not (one answer: 404).
async fn checked_reference<T: serde::de::DeserializeOwned>(
    ctx: &ApiContext,
    reference: &str,
    req: Request,
    birth_date: fn(&T) -> &str,
) -> Result<(String, Arc<Bookable>, T), Error> {
    let client = client_address(&req, &ctx.bookings.limits.trusted_proxies);
    let canonical = normalise_reference(reference).ok_or(Error::NotFound)?;
    ctx.bookings.rate.lookup(client, &canonical)?;
    let body: T = json_body(req).await?;
    let birth = parse_iso_date(birth_date(&body)).ok_or_else(|| {
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
    let row =
        sqlx::query("SELECT centre_id FROM bookings WHERE reference = $1 AND birth_date = $2")
            .bind(&canonical)
            .bind(birth.to_string())
            .fetch_optional(&ctx.pool)
            .await?;
    let Some(row) = row else {
        ctx.bookings.rate.wrong_try(client, &canonical);
        return Err(Error::NotFound);
    };
    let centre_id: String = row.get(0);
    let centre = centres(ctx)
        .await?
        .get(&centre_id)
        .cloned()
        .ok_or(Error::NotFound)?;
    Ok((canonical, centre, body))
}

async fn lookup(
    State(ctx): State<ApiContext>,
    Path(reference): Path<String>,
    req: Request,
) -> Result<Json<Booking>, Error> {
    let (reference, centre, _) =
        checked_reference(&ctx, &reference, req, |b: &ReferenceCheck| &b.birth_date).await?;
    let stored = read_on(&ctx.pool, &reference)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(booking_from(stored, &centre)))
}

async fn cancel(
    State(ctx): State<ApiContext>,
    Path(reference): Path<String>,
    req: Request,
) -> Result<Json<Booking>, Error> {
    let (reference, centre, body) =
        checked_reference(&ctx, &reference, req, |b: &CancelRequest| &b.birth_date).await?;
    let now = Utc::now().timestamp();
    let only_second = match body.dose {
        None => false,
        Some(2) => true,
        Some(_) => {
            return Err(field(
                "dose",
                "Seule la deuxième injection s’annule seule : pour la première, annulez le rendez-vous entier (sans « dose »)",
                "Only the second injection can be cancelled on its own: for the first, cancel the whole booking (without “dose”)",
            ))
        }
    };
    // Cancelling twice is harmless: the second finds nothing to free.
    async fn steps<L: Ledger>(
        ledger: &mut L,
        reference: &str,
        only_second: bool,
        centre: &str,
        now: i64,
    ) -> Result<Option<StoredBooking>, Error> {
        ledger.begin().await?;
        let done = async {
            if only_second {
                cancel_second(ledger, reference, centre, now).await?;
            } else {
                ledger.cancel(reference, now).await?;
            }
            ledger.read(reference).await
        }
        .await;
        finish(ledger, done).await
    }
    let id = centre.centre.id.clone();
    let stored = match &ctx.bookings.writer {
        Some(writer) => {
            let reference = reference.clone();
            writer
                .run(async move |l| steps(l, &reference, only_second, &id, now).await)
                .await?
        }
        None => {
            steps(
                &mut ctx.bookings.pooled(&ctx.pool),
                &reference,
                only_second,
                &id,
                now,
            )
            .await?
        }
    };
    Ok(Json(booking_from(stored.ok_or(Error::NotFound)?, &centre)))
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
    Error::NotChangeable(Message::new(
        "Ce rendez-vous est annulé : il ne peut plus être modifié. Vous pouvez en prendre un nouveau.",
        "This booking is cancelled: it can no longer be changed. You can make a new one.",
    ))
}

/// The second injection of a confirmed booking cancelled on its own; its
/// place returns to the pool. Done again, it changes nothing.
async fn cancel_second<L: Ledger>(
    ledger: &mut L,
    reference: &str,
    centre: &str,
    now: i64,
) -> Result<(), Error> {
    let stored = ledger.read(reference).await?.ok_or(Error::NotFound)?;
    if stored.status != "confirmed" {
        return Err(cancelled_booking());
    }
    if stored.first_at.is_none() {
        return Err(Error::NotChangeable(Message::new(
            "Ce rendez-vous n’a que la deuxième injection : pour l’annuler, annulez le rendez-vous entier.",
            "This booking holds only the second injection: to cancel it, cancel the whole booking.",
        )));
    }
    let Some(second) = stored.second_at else {
        return Ok(());
    };
    if !ledger.reschedule(reference, 2, second, None, now).await? {
        return Err(anyhow::anyhow!("booking changed within its own step").into());
    }
    ledger.free_place(centre, second).await
}

/// The local day of a booking's first injection: held here, or given
/// elsewhere on the date the person gave.
fn first_injection_day(stored: &StoredBooking, tz: Tz) -> Result<NaiveDate, Error> {
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

/// `POST /bookings/{reference}/move`: one injection to another slot. The
/// new place is taken before the old one is freed, in one step: the person
/// never ends up with neither.
async fn move_appointment(
    State(ctx): State<ApiContext>,
    Path(reference): Path<String>,
    req: Request,
) -> Result<Json<Booking>, Error> {
    let (reference, centre, body) =
        checked_reference(&ctx, &reference, req, |b: &MoveRequest| &b.birth_date).await?;
    let now = Utc::now();
    let stored = read_on(&ctx.pool, &reference)
        .await?
        .ok_or(Error::NotFound)?;
    if stored.status != "confirmed" {
        return Err(cancelled_booking());
    }
    let interval = second_dose_interval(&stored.vaccine)
        .ok_or_else(|| anyhow::anyhow!("stored vaccine {} unknown", stored.vaccine))?;
    let window = ctx.bookings.eligibility.second_dose_window_days;
    let horizon = ctx.bookings.horizon_days;
    let local_day = |secs: i64| {
        DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&centre.tz).date_naive())
    };
    let (from, to) = match body.dose {
        1 => {
            let Some(from) = stored.first_at else {
                return Err(Error::NotChangeable(Message::new(
                    "La première injection a été faite ailleurs : seule la deuxième se déplace ici.",
                    "The first injection was given elsewhere: only the second can be moved here.",
                )));
            };
            let to = slot_at(&centre, "slot", &body.slot, now, Some(horizon))?;
            let birth = parse_iso_date(&stored.birth_date)
                .ok_or_else(|| anyhow::anyhow!("stored birth date unreadable"))?;
            let new_day = to.with_timezone(&centre.tz).date_naive();
            if let Some(why) = ctx.bookings.eligibility.refusal(birth, new_day, false) {
                return Err(Error::NotEligible(why));
            }
            // The second stays where it is: it must still be in the window.
            if let Some(second_day) = stored.second_at.and_then(local_day) {
                let days = second_dose_days(new_day, interval, window);
                if !days.contains(&second_day) {
                    return Err(field(
                        "slot",
                        format!(
                            "Votre deuxième injection, le {}, doit avoir lieu {interval} à {} jours après la première : choisissez une première injection entre le {} et le {}, ou déplacez d’abord la deuxième",
                            date_with_year(second_day, Lang::Fr),
                            interval + window,
                            date_with_year(second_day - chrono::Duration::days(i64::from(interval + window)), Lang::Fr),
                            date_with_year(second_day - chrono::Duration::days(i64::from(interval)), Lang::Fr),
                        ),
                        format!(
                            "Your second injection, on {}, must be {interval} to {} days after the first: choose a first injection between {} and {}, or move the second first",
                            date_with_year(second_day, Lang::En),
                            interval + window,
                            date_with_year(second_day - chrono::Duration::days(i64::from(interval + window)), Lang::En),
                            date_with_year(second_day - chrono::Duration::days(i64::from(interval)), Lang::En),
                        ),
                    ));
                }
            }
            (from, to)
        }
        2 => {
            let Some(from) = stored.second_at else {
                return Err(Error::NotChangeable(Message::new(
                    "La deuxième injection de ce rendez-vous a été annulée.",
                    "The second injection of this booking was cancelled.",
                )));
            };
            let first_day = first_injection_day(&stored, centre.tz)?;
            let days = second_dose_days(first_day, interval, window);
            let to = slot_at(&centre, "slot", &body.slot, now, None)?;
            in_window("slot", &centre, to, &days)?;
            (from, to)
        }
        _ => {
            return Err(field(
                "dose",
                "Indiquez l’injection à déplacer : 1 ou 2",
                "Give the injection to move: 1 or 2",
            ))
        }
    };
    if from == to.timestamp() {
        return Ok(Json(booking_from(stored, &centre)));
    }
    async fn steps<L: Ledger>(
        ledger: &mut L,
        reference: &str,
        centre: &str,
        capacity: u32,
        dose: u8,
        from: i64,
        to: i64,
    ) -> Result<StoredBooking, Error> {
        ledger.begin().await?;
        let done = async {
            if !ledger.take(centre, &[to], capacity).await? {
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
                return Err(Error::NotChangeable(Message::new(
                    "Ce rendez-vous vient d’être modifié par ailleurs : affichez-le de nouveau.",
                    "This booking has just been changed elsewhere: look it up again.",
                )));
            }
            ledger.free_place(centre, from).await?;
            ledger.read(reference).await?.ok_or(Error::NotFound)
        }
        .await;
        finish(ledger, done).await
    }
    let (id, capacity, dose, new) = (
        centre.centre.id.clone(),
        centre.rules.capacity,
        body.dose,
        to.timestamp(),
    );
    let outcome = match &ctx.bookings.writer {
        Some(writer) => {
            let reference = reference.clone();
            writer
                .run(async move |l| steps(l, &reference, &id, capacity, dose, from, new).await)
                .await
        }
        None => {
            steps(
                &mut ctx.bookings.pooled(&ctx.pool),
                &reference,
                &id,
                capacity,
                dose,
                from,
                new,
            )
            .await
        }
    };
    match outcome {
        Ok(stored) => Ok(Json(booking_from(stored, &centre))),
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
                alternatives: free_times(&ctx.pool, &centre, now, days, to).await?,
            })
        }
        Err(e) => Err(e),
    }
}

/// Delete bookings whose last appointment is more than `days` days past,
/// with their idempotency keys, and give back their places (the store's
/// audit holds after a purge). Returns the bookings deleted.
pub async fn purge(pool: &Pool, now: DateTime<Utc>, days: u32) -> anyhow::Result<u64> {
    let before = (now - chrono::Duration::days(i64::from(days))).timestamp();
    let mut tx = pool.begin().await?;
    // Their places first, so that every slot's count still equals the
    // confirmed bookings in it (`bookings check`). All of a purged
    // booking's places are before the cut-off.
    sqlx::query(
        "UPDATE slot_usage SET taken = taken - (SELECT COUNT(*) FROM bookings b \
         WHERE b.status = 'confirmed' AND b.centre_id = slot_usage.centre_id \
         AND COALESCE(b.second_at, b.first_at) < $1 \
         AND (b.first_at = slot_usage.starts_at OR b.second_at = slot_usage.starts_at)) \
         WHERE starts_at < $1",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM slot_usage WHERE starts_at < $1 AND taken <= 0")
        .bind(before)
        .execute(&mut *tx)
        .await?;
    let deleted = sqlx::query("DELETE FROM bookings WHERE COALESCE(second_at, first_at) < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    crate::metrics::metrics().purged.inc_by(deleted);
    Ok(deleted)
}

/// A centre's appointments on one local date, as CSV for its staff:
/// time, injection, names, birth date, contact, reference.
pub async fn export_day(pool: &Pool, centre_id: &str, date: NaiveDate) -> anyhow::Result<String> {
    let row = sqlx::query("SELECT d.time_zone FROM centres c JOIN departements d ON d.code = c.departement WHERE c.id = $1")
        .bind(centre_id)
        .fetch_optional(pool)
        .await?
        .with_context(|| format!("no centre {centre_id}"))?;
    let tz = slots::time_zone(&row.get::<String, _>(0)).context("unknown time zone")?;
    let start =
        chrono::TimeZone::from_local_datetime(&tz, &date.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .context("no midnight that day")?
            .with_timezone(&Utc);
    let end = start + chrono::Duration::hours(26);
    let rows = sqlx::query(
        "SELECT first_at, second_at, reference, last_name, first_name, birth_date, phone, email, vaccine FROM bookings \
         WHERE centre_id = $1 AND status = 'confirmed' AND ((first_at >= $2 AND first_at < $3) OR (second_at >= $2 AND second_at < $3))",
    )
    .bind(centre_id)
    .bind(start.timestamp())
    .bind(end.timestamp())
    .fetch_all(pool)
    .await?;
    let mut lines: Vec<(i64, Vec<String>)> = Vec::new();
    for r in rows {
        for (dose, at) in [
            (1, r.get::<Option<i64>, _>(0)),
            (2, r.get::<Option<i64>, _>(1)),
        ] {
            let Some(at) = at else {
                continue;
            };
            let Some(t) = DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&tz)) else {
                continue;
            };
            if t.date_naive() != date {
                continue;
            }
            lines.push((
                at,
                vec![
                    t.format("%H:%M").to_string(),
                    dose.to_string(),
                    r.get(8),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get::<Option<String>, _>(6).unwrap_or_default(),
                    r.get::<Option<String>, _>(7).unwrap_or_default(),
                    r.get(2),
                ],
            ));
        }
    }
    lines.sort();
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    out.write_record([
        "heure",
        "injection",
        "vaccin",
        "nom",
        "prenom",
        "date_naissance",
        "telephone",
        "email",
        "reference",
    ])?;
    for (_, line) in lines {
        out.write_record(line.iter().map(|cell| spreadsheet_safe(cell).into_owned()))?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

/// A cell a spreadsheet will show as text, never run as a formula: the
/// day list is opened in Excel or LibreOffice, and a name such as
/// `=HYPERLINK(…)` would otherwise be a live link. OWASP's rule: a cell
/// starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
/// `'`, which spreadsheets hide.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// What `creneau bookings check` finds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Audit {
    pub confirmed: i64,
    /// Slots holding more people than their centre's capacity.
    pub over_capacity: i64,
    /// Slots whose count differs from the confirmed bookings in them.
    pub mismatched: i64,
}

/// Check the store: no slot oversold, and every slot's count equals the
/// injections of the confirmed bookings in it.
pub async fn audit(pool: &Pool) -> anyhow::Result<Audit> {
    let one = |sql: &'static str| async move {
        sqlx::query(sql)
            .fetch_one(pool)
            .await
            .map(|r| r.get::<i64, _>(0))
    };
    Ok(Audit {
        confirmed: one("SELECT COUNT(*) FROM bookings WHERE status = 'confirmed'").await?,
        over_capacity: one(
            "SELECT COUNT(*) FROM slot_usage u JOIN centres c ON c.id = u.centre_id WHERE u.taken > c.capacity",
        )
        .await?,
        mismatched: one(
            "SELECT COUNT(*) FROM ( \
               SELECT u.centre_id, u.starts_at, u.taken, \
                 (SELECT COUNT(*) FROM bookings b WHERE b.status = 'confirmed' AND b.centre_id = u.centre_id AND b.first_at = u.starts_at) + \
                 (SELECT COUNT(*) FROM bookings b WHERE b.status = 'confirmed' AND b.centre_id = u.centre_id AND b.second_at = u.starts_at) AS booked \
               FROM slot_usage u) s WHERE s.taken <> s.booked",
        )
        .await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_list_cells_never_start_a_formula() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(1+1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for plain in ["Martin", "Anne-Marie", "06 12 34 56 78", "", "O'Neil"] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }
}
