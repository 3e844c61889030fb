//! The booking API, under `/api/v1`:
//!
//! - `POST /bookings` (with `Idempotency-Key`): books the first injection
//!   and the second at the vaccine's interval, both or neither, in one
//!   transaction; never more people in a slot than its capacity.
//! - `POST /bookings/{reference}/lookup` and `…/cancel`: the reference in
//!   the path, the birth date in the body (never in a URL, so never in a
//!   log); cancelling frees both places.
//!
//! A slot's places are counted in `slot_usage`; taking one is a single
//! conditional upsert (`… DO UPDATE SET taken = taken + 1 WHERE taken <
//! capacity`), so two requests can never both take the last place, on
//! SQLite or PostgreSQL. The steps of a booking are written once, over
//! [`Ledger`]; on SQLite they run on the writer thread, in batches
//! committed together ([`SqliteWriter`]).
//! Also here: the centres cache, purge, and the centre's day list export.

use std::collections::HashMap;
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
    FieldProblem, Message, Person, ReferenceCheck, SlotTime,
};
use creneau_model::hours::WeekHours;
use creneau_model::slots::{self, SlotRules};
use creneau_model::snapshot::{known_vaccines, BookingMode};
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

/// Largest request body accepted (a booking is well under 1 KiB).
pub const BODY_LIMIT: usize = 8 * 1024;
/// How far after the planned second-injection day a free place is sought.
pub const SECOND_DOSE_WINDOW_DAYS: i64 = 7;
/// How many alternatives a 409 offers.
const ALTERNATIVES: usize = 6;

/// Everything the booking handlers share, inside [`ApiContext`].
pub struct Bookings {
    pub eligibility: Eligibility,
    pub limits: LimitsConfig,
    pub horizon_days: u32,
    rate: RateLimits,
    gate: Gate,
    centres: RwLock<(Option<Instant>, Arc<HashMap<String, Arc<Bookable>>>)>,
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
        !self.opening.is_some_and(|o| date < o) && !self.closing.is_some_and(|c| date > c)
    }

    fn rfc3339(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }
}

/// Centres change only by import: they are read again at most every minute.
async fn centres(ctx: &ApiContext) -> Result<Arc<HashMap<String, Arc<Bookable>>>, Error> {
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
         c.hours_json, c.slot_minutes, c.capacity, c.vaccines, c.doses, c.opening_date, c.closing_date, d.time_zone \
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
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
        .await
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
    if !centre.doses.contains(&1) {
        return Err(field(
            "centre",
            "Ce centre ne fait que des deuxièmes injections",
            "This centre only gives second injections",
        ));
    }
    let first = first_slot(&centre, &request.slot, now, ctx.bookings.horizon_days)?;
    let birth = parse_iso_date(&request.person.birth_date)
        .ok_or_else(|| anyhow::anyhow!("birth date checked before"))?;
    let first_day = first.with_timezone(&centre.tz).date_naive();
    if let Some(why) = ctx
        .bookings
        .eligibility
        .refusal(birth, first_day, centre.reserved_pro)
    {
        return Err(Error::NotEligible(why));
    }
    let request_hash = {
        let digest = Sha256::digest(serde_json::to_vec(&request).map_err(anyhow::Error::from)?);
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    // Computed here, not in the store steps: only store work waits its turn.
    let interval = known_vaccines()
        .into_iter()
        .find(|v| v.code == request.vaccine)
        .map(|v| v.second_dose_days)
        .ok_or_else(|| anyhow::anyhow!("vaccine checked before"))?;
    // The planned day only: the following days are worked out in the rare
    // case that day is full (each day's slots cost time-zone arithmetic).
    let candidates = second_candidates(&centre, first, interval, 0);
    let attempt = Attempt {
        centre: centre.clone(),
        request,
        first,
        candidates,
        interval,
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
        Err(Error::SlotTaken { .. }) => Err(Error::SlotTaken {
            alternatives: alternatives(&ctx.pool, &centre, now, ctx.bookings.horizon_days, first)
                .await?,
        }),
        Err(Error::NoSecondSlot { .. }) => Err(Error::NoSecondSlot {
            alternatives: alternatives(&ctx.pool, &centre, now, ctx.bookings.horizon_days, first)
                .await?,
        }),
        Err(e) => Err(e),
    }
}

/// The requested first-injection time, if it is one of the centre's slots,
/// still to come and within the published horizon.
fn first_slot(
    centre: &Bookable,
    slot: &str,
    now: DateTime<Utc>,
    horizon_days: u32,
) -> Result<DateTime<Utc>, Error> {
    let not_a_slot = || field("slot", "Choisissez un créneau", "Choose a slot");
    let at = match creneau_model::booking::parse_slot(slot).ok_or_else(not_a_slot)? {
        SlotTime::Instant(at) => at.with_timezone(&Utc),
        SlotTime::Local(local) => chrono::TimeZone::from_local_datetime(&centre.tz, &local)
            .earliest()
            .ok_or_else(not_a_slot)?
            .with_timezone(&Utc),
    };
    if at <= now {
        return Err(field(
            "slot",
            "Ce créneau est passé : choisissez-en un autre",
            "This slot has passed: choose another",
        ));
    }
    let today = slots::local_date(now, centre.tz);
    let date = at.with_timezone(&centre.tz).date_naive();
    if (date - today).num_days() >= i64::from(horizon_days) {
        return Err(field("slot", format!("Les rendez-vous s’ouvrent {horizon_days} jours à l’avance : choisissez une date plus proche"), format!("Appointments open {horizon_days} days ahead: choose an earlier date")));
    }
    let exists = centre.open_on(date)
        && slots::slots_on(date, &centre.hours, centre.rules, centre.tz)
            .iter()
            .any(|s| s.starts_at == at);
    if !exists {
        return Err(field(
            "slot",
            "Ce centre ne propose pas ce créneau : choisissez-en un sur sa page",
            "This centre does not offer this slot: choose one on its page",
        ));
    }
    Ok(at)
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

/// A booking request, checked, as the store steps need it.
struct Attempt {
    centre: Arc<Bookable>,
    request: BookingRequest,
    first: DateTime<Utc>,
    /// Second-injection times on the planned day, nearest first.
    candidates: Vec<DateTime<Utc>>,
    interval: u32,
    key: String,
    request_hash: String,
    now: DateTime<Utc>,
}

/// One booking: everything or nothing.
///
/// The usual case is one step of two statements: take both places in one
/// upsert, insert the booking (its key's unique index catches a retry).
/// Anything else (a full slot, a retried key, the nearest second time
/// full) is undone and done again step by step.
async fn book<L: Ledger>(ledger: &mut L, attempt: &Attempt) -> Result<(Booking, bool), Error> {
    if let Some(nearest) = attempt.candidates.first() {
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
    match book_in(ledger, attempt).await {
        Ok(done) => {
            ledger.keep().await?;
            Ok(done)
        }
        Err(e) => {
            ledger.undo().await?;
            Err(e)
        }
    }
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
        first_at: attempt.first.timestamp(),
        second_at: second.timestamp(),
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
    Booking {
        reference,
        status: "confirmed".into(),
        centre: centre.centre.clone(),
        vaccine: attempt.request.vaccine.clone(),
        appointments: vec![
            Appointment {
                dose: 1,
                at: centre.rfc3339(attempt.first),
            },
            Appointment {
                dose: 2,
                at: centre.rfc3339(second),
            },
        ],
        person: attempt.request.person.clone(),
        booked_by: attempt.request.booked_by,
    }
}

/// The usual case; `None` when it does not apply (to be done step by step).
async fn book_fast<L: Ledger>(
    ledger: &mut L,
    attempt: &Attempt,
    second: DateTime<Utc>,
) -> Result<Option<Booking>, Error> {
    let centre = &attempt.centre;
    let both = [attempt.first.timestamp(), second.timestamp()];
    if !ledger
        .take(&centre.centre.id, &both, centre.rules.capacity)
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
/// second (nearest time that day, else the next days), then the booking.
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
    if !ledger
        .take(id, &[attempt.first.timestamp()], capacity)
        .await?
    {
        return Err(Error::SlotTaken {
            alternatives: Vec::new(),
        });
    }
    let wider = second_candidates(
        centre,
        attempt.first,
        attempt.interval,
        SECOND_DOSE_WINDOW_DAYS,
    );
    let candidates = if wider.is_empty() {
        &attempt.candidates
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
        return Err(Error::NoSecondSlot {
            alternatives: Vec::new(),
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
    Booking {
        reference: r.reference,
        status: r.status,
        centre: centre.centre.clone(),
        vaccine: r.vaccine,
        appointments: vec![
            Appointment {
                dose: 1,
                at: at(r.first_at),
            },
            Appointment {
                dose: 2,
                at: at(r.second_at),
            },
        ],
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
    }
}

/// Free first-injection times at a centre, read from the store (the
/// snapshot may be a minute old): on the day the person chose first, then
/// the nearest days after or before it (never a past one), each day's
/// times nearest the chosen time first.
async fn alternatives(
    pool: &Pool,
    centre: &Bookable,
    now: DateTime<Utc>,
    horizon_days: u32,
    chosen: DateTime<Utc>,
) -> Result<Vec<String>, Error> {
    let today = slots::local_date(now, centre.tz);
    let until = now + chrono::Duration::days(i64::from(horizon_days) + 1);
    let taken = taken_on(pool, &centre.centre.id, now.timestamp(), until.timestamp()).await?;
    let chosen_day = chosen.with_timezone(&centre.tz).date_naive();
    let mut days: Vec<NaiveDate> = slots::horizon(today, horizon_days).collect();
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

/// The reference and birth date of a lookup or cancellation, checked the
/// same way whether the reference exists or not (one answer: 404).
async fn checked_reference(
    ctx: &ApiContext,
    reference: &str,
    req: Request,
) -> Result<(String, Arc<Bookable>), Error> {
    let client = client_address(&req, &ctx.bookings.limits.trusted_proxies);
    let canonical = normalise_reference(reference).ok_or(Error::NotFound)?;
    ctx.bookings.rate.lookup(client, &canonical)?;
    let check: ReferenceCheck = json_body(req).await?;
    let birth = parse_iso_date(&check.birth_date).ok_or_else(|| {
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
            .await?
            .ok_or(Error::NotFound)?;
    let centre_id: String = row.get(0);
    let centre = centres(ctx)
        .await?
        .get(&centre_id)
        .cloned()
        .ok_or(Error::NotFound)?;
    Ok((canonical, centre))
}

async fn lookup(
    State(ctx): State<ApiContext>,
    Path(reference): Path<String>,
    req: Request,
) -> Result<Json<Booking>, Error> {
    let (reference, centre) = checked_reference(&ctx, &reference, req).await?;
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
    let (reference, centre) = checked_reference(&ctx, &reference, req).await?;
    let now = Utc::now().timestamp();
    // Cancelling twice is harmless: the second finds nothing to free.
    async fn steps<L: Ledger>(
        ledger: &mut L,
        reference: &str,
        now: i64,
    ) -> Result<Option<StoredBooking>, Error> {
        ledger.begin().await?;
        let done = match ledger.cancel(reference, now).await {
            Ok(_) => ledger.read(reference).await,
            Err(e) => Err(e),
        };
        match done {
            Ok(stored) => {
                ledger.keep().await?;
                Ok(stored)
            }
            Err(e) => {
                ledger.undo().await?;
                Err(e)
            }
        }
    }
    let stored = match &ctx.bookings.writer {
        Some(writer) => {
            let reference = reference.clone();
            writer
                .run(async move |l| steps(l, &reference, now).await)
                .await?
        }
        None => steps(&mut ctx.bookings.pooled(&ctx.pool), &reference, now).await?,
    };
    Ok(Json(booking_from(stored.ok_or(Error::NotFound)?, &centre)))
}

/// Delete bookings whose second appointment is more than `days` days past,
/// with their idempotency keys. Returns the bookings deleted.
pub async fn purge(pool: &Pool, now: DateTime<Utc>, days: u32) -> anyhow::Result<u64> {
    let before = (now - chrono::Duration::days(i64::from(days))).timestamp();
    let mut tx = pool.begin().await?;
    let deleted = sqlx::query("DELETE FROM bookings WHERE second_at < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
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
        for (dose, at) in [(1, r.get::<i64, _>(0)), (2, r.get::<i64, _>(1))] {
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
        out.write_record(&line)?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
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
