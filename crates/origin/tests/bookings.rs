//! The booking API through `app().oneshot(…)` (and once over a real
//! socket): every answer, checked against the OpenAPI document; bad input
//! that changes nothing; races that never oversell; idempotent retries.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Duration, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use creneau::alerts::Alerts;
use creneau::booking::limits::LimitsConfig;
use creneau::http::{app, ApiContext, Config};
use creneau::import::centres;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::Row;
use tower::ServiceExt;

/// Centres (all open on public holidays, so that no test depends on the
/// date it runs): `c1` booked here, open every day 8h-20h, 10-minute slots of 5
/// places; `solo`, one place per slot; `pro`, reserved for professionals;
/// `doc`, booked on Doctolib; `deux`, second injections only, one place
/// per slot.
async fn context(dir: &std::path::Path, limits: LimitsConfig) -> ApiContext {
    let mut ctx = context_through_pool(dir, limits.clone()).await;
    ctx.bookings = Arc::new(common::bookings(&ctx.pool, limits));
    ctx
}

/// The same, writing through the pool (one transaction per step), the way
/// stores other than SQLite write.
async fn context_through_pool(dir: &std::path::Path, limits: LimitsConfig) -> ApiContext {
    context_on(common::store_with_reference(dir).await, dir, limits).await
}

/// The test centres on a store, writing through the pool.
async fn context_on(
    pool: creneau::store::Pool,
    dir: &std::path::Path,
    limits: LimitsConfig,
) -> ApiContext {
    let week = "8h-20h;".repeat(7);
    let csv = format!(
        "gid;nom;adr_voie;com_cp;com_insee;com_nom;lieu_tel;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche;reserve_professionels_sante;rdv_site_web;creneau_reservation;creneau_vaccins;creneau_minutes;creneau_capacite;creneau_injections;creneau_jours_feries\n\
         c1;Salle des fêtes;rue Haute;57000;57463;Metz;03 87 00 00 00;{week}non;;ici;pfizer|moderna;10;5;;ouvert\n\
         solo;Mairie;place de la Mairie;57000;57463;Metz;;{week}non;;ici;pfizer;10;1;;ouvert\n\
         pro;Hôpital;rue Basse;57000;57463;Metz;;{week}oui;;ici;pfizer;10;5;;ouvert\n\
         doc;Clinique;rue Neuve;57000;57463;Metz;;{week}non;https://www.doctolib.fr/;;pfizer;10;5;;ouvert\n\
         deux;Gymnase;rue du Stade;57000;57463;Metz;;{week}non;;ici;pfizer;10;1;2;ouvert\n"
    );
    let report = centres::import_text(&pool, "t.csv", &csv, &Default::default())
        .await
        .unwrap();
    assert_eq!(report.imported, 5, "{report}");
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>x</title>").unwrap();
    let bookings = Arc::new(common::bookings(&pool, limits).writing_through_pool());
    ApiContext {
        config: Arc::new(Config {
            dist,
            snapshot_dir: dir.join("snapshot"),
            snapshot_interval: std::time::Duration::from_secs(60),
        }),
        alerts: Arc::new(Alerts::new(pool.clone(), Default::default())),
        pool,
        bookings,
    }
}

fn generous() -> LimitsConfig {
    LimitsConfig {
        bookings_per_minute: 100_000,
        lookups_per_minute: 100_000,
        wrong_tries_per_reference_per_hour: 1000,
        wrong_tries_per_address_per_hour: 1000,
        max_in_flight: 1000,
        ..Default::default()
    }
}

/// A slot `days` from today at `hh:mm`, Paris time, as the snapshot writes it.
fn slot(days: i64, hh: u32, mm: u32) -> String {
    let date = Utc::now().with_timezone(&Paris).date_naive() + Duration::days(days);
    Paris
        .from_local_datetime(&date.and_hms_opt(hh, mm, 0).unwrap())
        .unwrap()
        .to_rfc3339()
}

fn request(centre: &str, slot: &str, first: &str) -> Value {
    json!({
        "centre": centre, "slot": slot, "vaccine": "pfizer", "booked_by": "helper",
        "person": { "first_name": first, "last_name": "Martin", "birth_date": "1940-03-02", "phone": "06 12 34 56 78" }
    })
}

async fn send(ctx: &ApiContext, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = app(ctx.clone()).oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

fn post(path: &str, key: Option<&str>, body: &Value) -> Request<Body> {
    let mut r = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        r = r.header("idempotency-key", k);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

async fn book(
    ctx: &ApiContext,
    key: &str,
    body: &Value,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    send(ctx, post("/api/v1/bookings", Some(key), body)).await
}

/// `POST /api/v1/bookings/{reference}/{action}` (lookup or cancel) with a
/// birth date in the body.
fn by_reference(reference: &str, action: &str, birth: &str) -> Request<Body> {
    post(
        &format!("/api/v1/bookings/{reference}/{action}"),
        None,
        &json!({ "birth_date": birth }),
    )
}

/// Book `body`, which must succeed; its reference.
async fn booked(ctx: &ApiContext, key: &str, body: &Value) -> String {
    let (status, _, booking) = book(ctx, key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{booking:#}");
    booking["reference"].as_str().unwrap().to_string()
}

/// The answer matches its schema in docs/openapi.json.
fn conforms(schema: &str, body: &Value) {
    let v = common::openapi_schema(schema);
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{schema}: {errors:?}\n{body:#}");
}

async fn taken(ctx: &ApiContext, centre: &str) -> Vec<(i64, i64)> {
    sqlx::query("SELECT starts_at, taken FROM slot_usage WHERE centre_id = $1 AND taken > 0 ORDER BY starts_at")
        .bind(centre)
        .fetch_all(&ctx.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get::<i64, _>(0), i64::from(r.get::<i32, _>(1))))
        .collect()
}

#[tokio::test]
async fn a_booking_takes_both_injections_and_the_next_snapshot_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let first = slot(2, 10, 0);
    let (status, _, body) = book(&ctx, "key-0000001", &request("c1", &first, "Marie")).await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    conforms("Booking", &body);
    let reference = body["reference"].as_str().unwrap();
    assert!(creneau_model::booking::normalise_reference(reference).as_deref() == Some(reference));
    assert_eq!(body["appointments"][0]["at"], first.as_str());
    assert_eq!(
        body["appointments"][1]["at"],
        slot(23, 10, 0),
        "Pfizer: 21 days later, same time"
    );
    assert_eq!(body["centre"]["phone"], "03 87 00 00 00");
    assert_eq!(body["person"]["phone"], "06 12 34 56 78");
    let usage = taken(&ctx, "c1").await;
    assert_eq!(usage.len(), 2);
    assert!(usage.iter().all(|(_, n)| *n == 1));
    // The next generation counts the place as taken.
    let out = dir.path().join("snapshot");
    creneau::publish::publish_once(
        &ctx.pool,
        &creneau::publish::Options {
            out: out.clone(),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let pointer = common::snapshot::pointer(&out);
    let file: Value = serde_json::from_slice(
        &std::fs::read(out.join(common::snapshot::centre_path(&out, &pointer, "c1"))).unwrap(),
    )
    .unwrap();
    let day = file["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| first.starts_with(d["date"].as_str().unwrap()))
        .unwrap();
    let run = day["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["start"] == "10:00")
        .unwrap();
    assert_eq!(run["free"], 4, "{run}");
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_same_booking() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let body = request("c1", &slot(2, 11, 0), "Marie");
    let (s1, _, b1) = book(&ctx, "retry-key-1", &body).await;
    let (s2, h2, b2) = book(&ctx, "retry-key-1", &body).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1, b2);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(common::count(&ctx.pool, "bookings").await, 1);
    // The same key with other answers is refused.
    let (s3, _, b3) = book(&ctx, "retry-key-1", &request("c1", &slot(2, 11, 0), "Paul")).await;
    assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b3["error"], "idempotency_key_reused");
    conforms("ApiProblem", &b3);
    // Another key for the same person: one booking to come per person.
    let (s4, _, b4) = book(&ctx, "retry-key-2", &request("c1", &slot(3, 9, 0), "marie")).await;
    assert_eq!(s4, StatusCode::CONFLICT);
    assert_eq!(b4["error"], "already_booked");
    assert!(b4["message"]["fr"]
        .as_str()
        .unwrap()
        .contains("Gérer mon rendez-vous"));
    assert_eq!(common::count(&ctx.pool, "bookings").await, 1);
}

#[tokio::test]
async fn a_full_slot_answers_409_with_fresh_alternatives() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let full = slot(2, 9, 0);
    let (s, _, _) = book(&ctx, "solo-key-1", &request("solo", &full, "Anne")).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, body) = book(&ctx, "solo-key-2", &request("solo", &full, "Berthe")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["error"], "slot_taken");
    conforms("ApiProblem", &body);
    let alternatives: Vec<&str> = body["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!alternatives.is_empty());
    assert!(
        !alternatives.contains(&full.as_str()),
        "the full slot is not offered"
    );
    // The day the person chose, not today, nearest the chosen time first.
    assert_eq!(
        alternatives[..2],
        [slot(2, 8, 50), slot(2, 9, 10)],
        "{alternatives:?}"
    );
    let chosen_day = &full[..10];
    assert!(
        alternatives.iter().all(|a| a.starts_with(chosen_day)),
        "{alternatives:?}"
    );
    // A full day: the nearest days next, the day after before the day before.
    for (i, minute) in (8 * 60..20 * 60).step_by(10).enumerate() {
        let at = slot(5, minute / 60, minute % 60);
        let (s, _, body) = book(
            &ctx,
            &format!("solo-day-{i:03}"),
            &request(
                "solo",
                &at,
                &format!(
                    "P{}{}",
                    (b'a' + (i / 26) as u8) as char,
                    (b'a' + (i % 26) as u8) as char
                ),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{at}: {body:#}");
    }
    let (s, _, body) = book(
        &ctx,
        "solo-key-4",
        &request("solo", &slot(5, 12, 0), "Berthe"),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let after = slot(6, 12, 0);
    assert_eq!(
        body["alternatives"][0].as_str(),
        Some(after.as_str()),
        "{body:#}"
    );
    // An alternative can be booked at once.
    let (s, _, _) = book(
        &ctx,
        "solo-key-3",
        &request("solo", alternatives[0], "Berthe"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let good = request("c1", &slot(2, 10, 0), "Marie");
    let with = |path: &[&str], value: Value| {
        let mut b = good.clone();
        let mut target = &mut b;
        for p in &path[..path.len() - 1] {
            target = &mut target[*p];
        }
        target[path[path.len() - 1]] = value;
        b
    };
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "empty first name",
            post(
                "/api/v1/bookings",
                Some("bad-00001"),
                &with(&["person", "first_name"], json!("  ")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "person.first_name",
        ),
        (
            "empty last name",
            post(
                "/api/v1/bookings",
                Some("bad-00002"),
                &with(&["person", "last_name"], json!("")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "person.last_name",
        ),
        (
            "name too long",
            post(
                "/api/v1/bookings",
                Some("bad-00003"),
                &with(&["person", "last_name"], json!("a".repeat(101))),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "person.last_name",
        ),
        (
            "name of the wrong type",
            post(
                "/api/v1/bookings",
                Some("bad-00004"),
                &with(&["person", "first_name"], json!(42)),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            "a date that does not exist",
            post(
                "/api/v1/bookings",
                Some("bad-00005"),
                &with(&["person", "birth_date"], json!("1940-02-30")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "person.birth_date",
        ),
        (
            "a birth date in the future",
            post(
                "/api/v1/bookings",
                Some("bad-00006"),
                &with(&["person", "birth_date"], json!("2999-01-01")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "person.birth_date",
        ),
        (
            "a bad phone",
            post(
                "/api/v1/bookings",
                Some("bad-00007"),
                &with(&["person", "phone"], json!("12")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "person.phone",
        ),
        (
            "a bad email",
            post(
                "/api/v1/bookings",
                Some("bad-00008"),
                &with(&["person", "email"], json!("marie@")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "person.email",
        ),
        (
            "an unknown vaccine",
            post(
                "/api/v1/bookings",
                Some("bad-00009"),
                &with(&["vaccine"], json!("sputnik")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "vaccine",
        ),
        (
            "an unknown centre",
            post(
                "/api/v1/bookings",
                Some("bad-00010"),
                &with(&["centre"], json!("nowhere")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "centre",
        ),
        (
            "a centre booked elsewhere",
            post(
                "/api/v1/bookings",
                Some("bad-00011"),
                &with(&["centre"], json!("doc")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "centre",
        ),
        (
            "a past slot",
            post(
                "/api/v1/bookings",
                Some("bad-00012"),
                &with(&["slot"], json!(slot(-1, 10, 0))),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "slot",
        ),
        (
            "a slot beyond the horizon",
            post(
                "/api/v1/bookings",
                Some("bad-00013"),
                &with(&["slot"], json!(slot(40, 10, 0))),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "slot",
        ),
        (
            "a time that is not a slot",
            post(
                "/api/v1/bookings",
                Some("bad-00014"),
                &with(&["slot"], json!(slot(2, 10, 5))),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "slot",
        ),
        (
            "a time outside opening hours",
            post(
                "/api/v1/bookings",
                Some("bad-00015"),
                &with(&["slot"], json!(slot(2, 21, 0))),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "slot",
        ),
        (
            "not a date-time",
            post(
                "/api/v1/bookings",
                Some("bad-00016"),
                &with(&["slot"], json!("demain 10h")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "slot",
        ),
        (
            "an unknown field",
            post(
                "/api/v1/bookings",
                Some("bad-00017"),
                &with(&["extra"], json!(1)),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            "a missing field",
            post(
                "/api/v1/bookings",
                Some("bad-00018"),
                &json!({ "centre": "c1" }),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            "malformed JSON",
            Request::post("/api/v1/bookings")
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", "bad-00019")
                .body(Body::from("{\"centre\": "))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "wrong content type",
            Request::post("/api/v1/bookings")
                .header(header::CONTENT_TYPE, "text/plain")
                .header("idempotency-key", "bad-00020")
                .body(Body::from(good.to_string()))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "",
        ),
        (
            "a body over the limit",
            post(
                "/api/v1/bookings",
                Some("bad-00021"),
                &with(&["person", "first_name"], json!("a".repeat(20_000))),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
        (
            "no idempotency key",
            post("/api/v1/bookings", None, &good),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "a short idempotency key",
            post("/api/v1/bookings", Some("k"), &good),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "too young on the day",
            post(
                "/api/v1/bookings",
                Some("bad-00022"),
                &with(&["person", "birth_date"], json!("1960-05-05")),
            ),
            StatusCode::FORBIDDEN,
            "",
        ),
        (
            "a centre for professionals",
            post(
                "/api/v1/bookings",
                Some("bad-00023"),
                &with(&["centre"], json!("pro")),
            ),
            StatusCode::FORBIDDEN,
            "",
        ),
    ];
    for (name, req, expected, field) in cases {
        let (status, _, body) = send(&ctx, req).await;
        assert_eq!(status, expected, "{name}: {body:#}");
        conforms("ApiProblem", &body);
        let fr = body["message"]["fr"].as_str().unwrap_or("");
        assert!(
            !fr.is_empty() && !body["message"]["en"].as_str().unwrap_or("").is_empty(),
            "{name}: a message in both languages"
        );
        if !field.is_empty() {
            let fields: Vec<&str> = body["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["field"].as_str().unwrap())
                .collect();
            assert!(fields.contains(&field), "{name}: {fields:?}");
        }
        assert!(
            !body.to_string().contains("aaaaaaaaaa"),
            "{name}: what was sent is not echoed"
        );
        assert_eq!(
            common::count(&ctx.pool, "bookings").await,
            0,
            "{name}: nothing booked"
        );
        assert!(taken(&ctx, "c1").await.is_empty(), "{name}: no place taken");
    }
    let (status, _, body) = book(&ctx, "good-00001", &good).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "and the good request still works: {body:#}"
    );
}

#[tokio::test]
async fn lookup_and_cancel_need_the_birth_date_and_free_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let (_, _, booking) = book(
        &ctx,
        "manage-0001",
        &request("c1", &slot(3, 14, 30), "Marie"),
    )
    .await;
    let reference = booking["reference"].as_str().unwrap().to_string();
    let check = by_reference;
    let (s, _, found) = send(
        &ctx,
        check(
            &reference.to_lowercase().replace('-', ""),
            "lookup",
            "1940-03-02",
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "case and dash forgiven");
    conforms("Booking", &found);
    assert_eq!(found, booking);
    for (r, birth) in [
        (reference.as_str(), "1940-03-03"),
        ("ZZZZ-ZZZZ", "1940-03-02"),
        ("not-a-ref", "1940-03-02"),
    ] {
        let (s, _, body) = send(&ctx, check(r, "lookup", birth)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{r} {birth}");
        conforms("ApiProblem", &body);
    }
    let (s, _, body) = send(&ctx, check(&reference, "cancel", "1940-03-03")).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a wrong birth date cancels nothing: {body}"
    );
    assert_eq!(taken(&ctx, "c1").await.len(), 2);
    let (s, _, cancelled) = send(&ctx, check(&reference, "cancel", "1940-03-02")).await;
    assert_eq!(s, StatusCode::OK);
    conforms("Booking", &cancelled);
    assert_eq!(cancelled["status"], "cancelled");
    assert!(
        taken(&ctx, "c1").await.is_empty(),
        "both places are free again"
    );
    let (s, _, again) = send(&ctx, check(&reference, "cancel", "1940-03-02")).await;
    assert_eq!(
        (s, again["status"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "cancelling twice is harmless"
    );
    // The person may book again.
    let (s, _, _) = book(&ctx, "manage-0002", &request("c1", &slot(4, 9, 0), "Marie")).await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn lookups_are_rate_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(
        dir.path(),
        LimitsConfig {
            lookups_per_minute: 3,
            ..generous()
        },
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let (s, headers, body) = send(
            &ctx,
            post(
                &format!("/api/v1/bookings/ABCD-EFG{}/lookup", 2 + i),
                None,
                &json!({ "birth_date": "1940-01-01" }),
            ),
        )
        .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            conforms("ApiProblem", &body);
            assert!(
                headers
                    .get(header::RETRY_AFTER)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
                    >= 1
            );
        }
        statuses.push(s.as_u16());
    }
    assert_eq!(statuses, [404, 404, 404, 429, 429]);
}

#[tokio::test]
async fn strangers_guessing_a_reference_cannot_lock_out_its_owner() {
    let dir = tempfile::tempdir().unwrap();
    let proxy: std::net::IpAddr = "0.0.0.0".parse().unwrap();
    let ctx = context(
        dir.path(),
        LimitsConfig {
            trusted_proxies: vec![proxy],
            wrong_tries_per_reference_per_hour: 5,
            wrong_tries_per_address_per_hour: 30,
            ..generous()
        },
    )
    .await;
    let reference = booked(
        &ctx,
        "lockout-0001",
        &request("c1", &slot(2, 9, 0), "Jeanne"),
    )
    .await;
    let from = |address: &str, birth: &str| {
        let mut r = by_reference(&reference, "lookup", birth);
        r.headers_mut()
            .insert("x-forwarded-for", address.parse().unwrap());
        r
    };
    // Ten wrong tries from ten addresses, then ten more from one.
    for i in 0..10 {
        let (s, _, _) = send(&ctx, from(&format!("203.0.113.{i}"), "1941-01-01")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(
            send(&ctx, from("198.51.100.9", "1941-01-01"))
                .await
                .0
                .as_u16(),
        );
    }
    assert_eq!(statuses, [404, 404, 404, 404, 404, 429, 429, 429, 429, 429]);
    // Past its bound, the guesser learns nothing, even with the right date.
    let (s, headers, _) = send(&ctx, from("198.51.100.9", "1940-03-02")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    // The owner, who knows both, is answered.
    let (s, _, booking) = send(&ctx, from("192.0.2.50", "1940-03-02")).await;
    assert_eq!(s, StatusCode::OK, "{booking}");
    assert_eq!(booking["reference"], reference.as_str());
}

#[tokio::test]
async fn past_its_bound_the_api_answers_503_at_once_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(
        dir.path(),
        LimitsConfig {
            max_in_flight: 0,
            retry_after_secs: 6,
            ..generous()
        },
    )
    .await;
    let (s, headers, body) = book(
        &ctx,
        "busy-000001",
        &request("c1", &slot(2, 10, 0), "Marie"),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    conforms("ApiProblem", &body);
    let retry: u64 = headers
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((6..=12).contains(&retry), "{retry}");
    assert_eq!(body["retry_after"], retry);
    assert_eq!(common::count(&ctx.pool, "bookings").await, 0);
    // A client's X-Request-Id comes back, on a refusal too.
    let mut req = post(
        "/api/v1/bookings",
        Some("busy-000002"),
        &request("c1", &slot(2, 10, 0), "Marie"),
    );
    req.headers_mut()
        .insert("x-request-id", "bench-42".parse().unwrap());
    let (s, headers, _) = send(&ctx, req).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers.get("x-request-id").unwrap(), "bench-42");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_clients_racing_for_five_places_get_exactly_five() {
    let dir = tempfile::tempdir().unwrap();
    race_for_five_places(&context(dir.path(), generous()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writing_through_the_pool_two_hundred_clients_get_exactly_five() {
    let dir = tempfile::tempdir().unwrap();
    race_for_five_places(&context_through_pool(dir.path(), generous()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgresql_the_race_retries_and_cancellation_hold_too() {
    let Some(pool) = common::postgres_with_reference("creneau_test_bookings").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = context_on(pool, dir.path(), generous()).await;
    race_for_five_places(&ctx).await;
    races_on_one_key_and_one_person(&ctx).await;
    // A booking and its cancellation, which frees both places.
    let (s, _, booked) = book(
        &ctx,
        "pg-solo-0001",
        &request("solo", &slot(3, 9, 0), "Odette"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{booked:#}");
    conforms("Booking", &booked);
    let reference = booked["reference"].as_str().unwrap();
    let cancel = Request::post(format!("/api/v1/bookings/{reference}/cancel"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({ "birth_date": "1940-03-02" }).to_string(),
        ))
        .unwrap();
    let (s, _, cancelled) = send(&ctx, cancel).await;
    assert_eq!(
        (s, cancelled["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    assert!(
        taken(&ctx, "solo").await.is_empty(),
        "both places free again"
    );
    // The publisher reads this store too.
    creneau::publish::publish_once(
        &ctx.pool,
        &creneau::publish::Options {
            out: dir.path().join("snapshot"),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(dir.path().join("snapshot/latest.json").exists());
}

#[tokio::test]
async fn on_sqlite_racing_retries_and_duplicates_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    races_on_one_key_and_one_person(&context(dir.path(), generous()).await).await;
    let dir = tempfile::tempdir().unwrap();
    races_on_one_key_and_one_person(&context_through_pool(dir.path(), generous()).await).await;
}

/// Requests racing past the checks reach the unique indexes, which must be
/// told apart: one key sent twenty times at once is one booking; one person
/// under twenty keys at once is one booking and nineteen `already_booked`.
async fn races_on_one_key_and_one_person(ctx: &ApiContext) {
    let same_key: Vec<_> = (0..20)
        .map(|_| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                book(
                    &ctx,
                    "race-same-key",
                    &request("c1", &slot(4, 10, 0), "Clé"),
                )
                .await
            })
        })
        .collect();
    let mut references = std::collections::HashSet::new();
    for t in same_key {
        let (s, _, body) = t.await.unwrap();
        assert!(
            matches!(s, StatusCode::CREATED | StatusCode::OK),
            "{s} {body}"
        );
        references.insert(body["reference"].as_str().unwrap().to_string());
    }
    assert_eq!(references.len(), 1, "one key, one booking");
    let same_person: Vec<_> = (0..20)
        .map(|i| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                book(
                    &ctx,
                    &format!("race-person-{i:02}"),
                    &request("c1", &slot(4, 11, 10 * (i % 5)), "Unique"),
                )
                .await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in same_person {
        let (s, _, body) = t.await.unwrap();
        if s == StatusCode::CONFLICT {
            assert_eq!(body["error"], "already_booked", "{body}");
        }
        statuses.push(s);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        19,
        "{statuses:?}"
    );
}

async fn race_for_five_places(ctx: &ApiContext) {
    let wanted = slot(2, 15, 0);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let ctx = ctx.clone();
            let body = json!({
                "centre": "c1", "slot": wanted, "vaccine": "pfizer", "booked_by": "self",
                "person": { "first_name": format!("Personne {}", i), "last_name": "Racer", "birth_date": "1930-01-01" }
            });
            tokio::spawn(async move { book(&ctx, &format!("race-{i:05}"), &body).await.0 })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 5);
    let usage = taken(ctx, "c1").await;
    assert!(
        usage.iter().all(|(_, n)| *n <= 5),
        "never more than capacity: {usage:?}"
    );
    assert_eq!(
        usage.iter().map(|(_, n)| n).sum::<i64>(),
        10,
        "5 first + 5 second injections"
    );
    // Twenty identical retries of one request, at once: one booking.
    let body = request("c1", &slot(5, 8, 0), "Idem");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (ctx, body) = (ctx.clone(), body.clone());
            tokio::spawn(async move { book(&ctx, "same-key-000", &body).await })
        })
        .collect();
    let mut references = std::collections::HashSet::new();
    for t in tasks {
        let (s, _, b) = t.await.unwrap();
        assert_eq!(s, StatusCode::CREATED);
        references.insert(b["reference"].as_str().unwrap().to_string());
    }
    assert_eq!(references.len(), 1);
    assert_eq!(common::count(&ctx.pool, "bookings").await, 6);
    let audit = creneau::store::operations::audit(&ctx.pool).await.unwrap();
    assert_eq!(
        audit,
        creneau::store::operations::Audit {
            confirmed: 6,
            over_capacity: 0,
            mismatched: 0
        }
    );
}

#[tokio::test]
async fn the_centre_gets_its_day_list_and_old_bookings_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    for (i, (hh, name)) in [(14, "Zoé"), (9, "Albert")].iter().enumerate() {
        let (s, _, _) = book(
            &ctx,
            &format!("export-{i:04}"),
            &request("c1", &slot(2, *hh, 0), name),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let date = Utc::now().with_timezone(&Paris).date_naive() + Duration::days(2);
    let csv = creneau::store::operations::export_day(&ctx.pool, "c1", date)
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "heure;injection;vaccin;nom;prenom;date_naissance;telephone;email;reference"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with("09:00;1;pfizer;Martin;Albert;1940-03-02;06 12 34 56 78;;"),
        "{csv}"
    );
    assert!(lines[2].starts_with("14:00;1;pfizer;Martin;Zoé;"));
    let second_day = csv_day(&ctx, date + Duration::days(21)).await;
    assert_eq!(
        second_day.lines().count(),
        3,
        "the second injections appear 21 days later"
    );
    // Purge: nothing is old yet; then pretend the appointments were long ago.
    assert_eq!(
        creneau::store::operations::purge(&ctx.pool, Utc::now(), 30)
            .await
            .unwrap(),
        0
    );
    for shift in [
        "UPDATE bookings SET first_at = first_at - 8000000, second_at = second_at - 8000000",
        "UPDATE slot_usage SET starts_at = starts_at - 8000000",
    ] {
        sqlx::query(shift).execute(&ctx.pool).await.unwrap();
    }
    audit_is_clean(&ctx).await;
    // A booking whose first injection is long past but whose second is to
    // come stays, with its places.
    let kept = booked(
        &ctx,
        "purge-keep-1",
        &request("c1", &slot(3, 9, 0), "Reste"),
    )
    .await;
    sqlx::query("UPDATE bookings SET first_at = first_at - 8000000 WHERE reference = $1")
        .bind(&kept)
        .execute(&ctx.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE slot_usage SET starts_at = starts_at - 8000000 WHERE starts_at = $1")
        .bind(unix(&slot(3, 9, 0)))
        .execute(&ctx.pool)
        .await
        .unwrap();
    audit_is_clean(&ctx).await;
    assert_eq!(
        creneau::store::operations::purge(&ctx.pool, Utc::now(), 30)
            .await
            .unwrap(),
        2
    );
    assert_eq!(common::count(&ctx.pool, "bookings").await, 1);
    // The purged bookings' places went with them: the store still adds up.
    audit_is_clean(&ctx).await;
}

#[tokio::test]
async fn a_name_written_as_a_formula_reaches_the_day_list_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let date = Utc::now().with_timezone(&Paris).date_naive() + Duration::days(2);
    // A name that a spreadsheet would run as a formula is written as text.
    let formula = "=HYPERLINK(\"http://x.example\";\"Clic\")";
    let (s, _, body) = book(
        &ctx,
        "export-formula",
        &request("c1", &slot(2, 11, 0), formula),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let csv = csv_day(&ctx, date).await;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.as_bytes());
    let first_names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[4].to_string())
        .collect();
    assert!(first_names.contains(&format!("'{formula}")), "{csv}");
    assert!(!first_names.iter().any(|n| n.starts_with('=')), "{csv}");
}

#[tokio::test]
async fn a_backup_taken_during_bookings_restores_to_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    for i in 0..10 {
        booked(
            &ctx,
            &format!("backup-a{i:03}"),
            &request(
                "c1",
                &slot(2, 8 + i / 5, 10 * (i % 5)),
                &format!("Avant{}", letters(i)),
            ),
        )
        .await;
    }
    // Bookings go on while the copy is taken.
    let during = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            for i in 0..30 {
                let (s, _, body) = book(
                    &ctx,
                    &format!("backup-b{i:03}"),
                    &request(
                        "c1",
                        &slot(3, 8 + i / 6, 10 * (i % 6)),
                        &format!("Pendant{}", letters(i)),
                    ),
                )
                .await;
                assert_eq!(s, StatusCode::CREATED, "{body}");
            }
        })
    };
    let copy = dir.path().join("copy.db");
    creneau::store::backup(&ctx.pool, &copy).await.unwrap();
    during.await.unwrap();
    assert!(
        creneau::store::backup(&ctx.pool, &copy).await.is_err(),
        "an existing file is not overwritten"
    );
    // Restore: the copy opened as a store passes the audit and holds at
    // least every booking made before it began.
    let restored = creneau::store::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let audit = creneau::store::operations::audit(&restored).await.unwrap();
    assert_eq!((audit.over_capacity, audit.mismatched), (0, 0), "{audit:?}");
    assert!((10..=40).contains(&audit.confirmed), "{audit:?}");
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".partial")));
}

/// Distinct names for people booked in a loop ("one booking per person").
fn letters(i: u32) -> String {
    let a = (b'a' + (i / 26) as u8) as char;
    let b = (b'a' + (i % 26) as u8) as char;
    format!("{a}{b}")
}

async fn csv_day(ctx: &ApiContext, date: chrono::NaiveDate) -> String {
    creneau::store::operations::export_day(&ctx.pool, "c1", date)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_openapi_document_is_served_and_names_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let response = app(ctx.clone())
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/alerts",
            "/alerts/confirm",
            "/alerts/unsubscribe",
            "/bookings",
            "/bookings/{reference}/cancel",
            "/bookings/{reference}/lookup",
            "/bookings/{reference}/move"
        ]
    );
    // Every documented route answers something other than the API's 404.
    for path in [
        "/api/v1/alerts",
        "/api/v1/alerts/confirm",
        "/api/v1/alerts/unsubscribe",
        "/api/v1/bookings",
        "/api/v1/bookings/ABCD-EFGH/lookup",
        "/api/v1/bookings/ABCD-EFGH/cancel",
        "/api/v1/bookings/ABCD-EFGH/move",
    ] {
        let (s, _, body) = send(&ctx, post(path, Some("openapi-001"), &json!({}))).await;
        assert!(
            s != StatusCode::NOT_FOUND
                || body["error"] == "not_found" && path.contains("ABCD")
                || body["error"] == "unknown_link" && path.contains("/alerts/"),
            "{path}: {s}"
        );
        assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED);
    }
}

#[tokio::test]
async fn over_a_real_socket_the_client_address_is_the_peer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(
        dir.path(),
        LimitsConfig {
            bookings_per_minute: 1,
            ..generous()
        },
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app(ctx).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let body = request("c1", &slot(2, 10, 0), "Socket").to_string();
    let mut statuses = Vec::new();
    for (i, forwarded) in ["198.51.100.1", "198.51.100.2"].iter().enumerate() {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let raw = format!(
            "POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: socket-000{i}\r\nX-Forwarded-For: {forwarded}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(raw.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        statuses.push(answer[9..12].to_string());
    }
    // One booking a minute per address; a forged X-Forwarded-For from an
    // untrusted peer does not make a second address.
    assert_eq!(statuses, ["201", "429"]);
}

#[tokio::test]
async fn birth_dates_are_taken_only_as_yyyy_mm_dd_and_one_person_is_one_person() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let with_birth = |birth: &str, key_first: &str| {
        let mut r = request("c1", &slot(2, 10, 0), key_first);
        r["person"]["birth_date"] = json!(birth);
        r
    };
    for (i, odd) in [
        "1940-1-2",
        "+1940-03-04",
        "1940 -04-05",
        "1940-02-03 ",
        "1940/02/03",
        "03/02/1940",
        "1940-02-30",
        "1899-12-31",
    ]
    .iter()
    .enumerate()
    {
        let (status, _, body) = book(
            &ctx,
            &format!("odd-birth-{i:03}"),
            &with_birth(odd, "Paulette"),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{odd:?}: {body:#}"
        );
        conforms("ApiProblem", &body);
        let field = &body["fields"][0];
        assert_eq!(field["field"], "person.birth_date", "{odd:?}");
        assert!(
            !field["message"]["fr"].as_str().unwrap().is_empty()
                && !field["message"]["en"].as_str().unwrap().is_empty(),
            "{odd:?}: said in both languages"
        );
    }
    assert_eq!(
        common::count(&ctx.pool, "bookings").await,
        0,
        "nothing stored"
    );

    // The same person spelled another way is still one person.
    let mut first = request("c1", &slot(2, 10, 0), "Paulette-Marie");
    first["person"]["last_name"] = json!("Girard");
    let reference = booked(&ctx, "same-person-1", &first).await;
    let mut again = request("c1", &slot(3, 11, 0), "Paulette Marie");
    again["person"]["last_name"] = json!("GIRARD");
    let (status, _, body) = book(&ctx, "same-person-2", &again).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body:#}");
    assert_eq!(body["error"], "already_booked");

    // Lookups take the same form only.
    for (birth, expected) in [
        ("1940-03-02", StatusCode::OK),
        ("1940-3-2", StatusCode::UNPROCESSABLE_ENTITY),
        ("1940-03-02 ", StatusCode::UNPROCESSABLE_ENTITY),
        ("+1940-03-02", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (s, _, body) = send(&ctx, by_reference(&reference, "lookup", birth)).await;
        assert_eq!(s, expected, "{birth:?}: {body:#}");
        if s != StatusCode::OK {
            conforms("ApiProblem", &body);
            assert_eq!(body["fields"][0]["field"], "birth_date");
        }
    }
}

#[tokio::test]
async fn birth_dates_stored_in_a_loose_form_are_mended_once_and_duplicates_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let kept = booked(
        &ctx,
        "repair-0001",
        &request("c1", &slot(2, 10, 0), "Jeanne"),
    )
    .await;
    // Rows as the lenient parser used to store them: copies of a real
    // booking with loose birth dates and their then person keys.
    let rows = [
        ("AAAA-2222", "Lucien", "1940-1-2", "confirmed"),
        ("AAAA-3333", "Jeanne", "+1940-03-02", "confirmed"),
        ("AAAA-4444", "Odette", "1940-02-03 ", "cancelled"),
        ("AAAA-5555", "Marcel", "le 3 mars", "confirmed"),
    ];
    for (reference, first, birth, status) in rows {
        sqlx::query(
            "INSERT INTO bookings (reference, centre_id, vaccine, first_at, second_at, person_key, first_name, last_name, \
             birth_date, booked_by, status, created_at) VALUES ($1, 'c1', 'pfizer', 0, 0, $2, $3, 'Martin', $4, 'self', $5, 0)",
        )
        .bind(reference)
        .bind(format!("old-key-{reference}"))
        .bind(first)
        .bind(birth)
        .bind(status)
        .execute(&ctx.pool)
        .await
        .unwrap();
    }
    sqlx::query("DELETE FROM data_repairs")
        .execute(&ctx.pool)
        .await
        .unwrap();
    let repair = creneau::store::person::repair_birth_dates(&ctx.pool)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(repair.normalised, ["AAAA-2222", "AAAA-4444"]);
    assert_eq!(
        repair.duplicates,
        ["AAAA-3333"],
        "Jeanne Martin of 1940-03-02 had booked already"
    );
    assert_eq!(repair.unreadable, ["AAAA-5555"]);
    let birth = |reference: &'static str| {
        let pool = ctx.pool.clone();
        async move {
            sqlx::query("SELECT birth_date FROM bookings WHERE reference = $1")
                .bind(reference)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<String, _>(0)
        }
    };
    assert_eq!(birth("AAAA-2222").await, "1940-01-02");
    assert_eq!(birth("AAAA-3333").await, "1940-03-02");
    assert_eq!(
        birth("AAAA-5555").await,
        "le 3 mars",
        "left as it was, and reported"
    );
    // A mended booking can now be looked up; the original still can.
    for (reference, birth) in [("AAAA-2222", "1940-01-02"), (kept.as_str(), "1940-03-02")] {
        let (s, _, body) = send(&ctx, by_reference(reference, "lookup", birth)).await;
        assert_eq!(s, StatusCode::OK, "{reference}: {body:#}");
    }
    // The person whose key was mended is one person again.
    let mut lucien = request("c1", &slot(3, 9, 0), "Lucien");
    lucien["person"]["birth_date"] = json!("1940-01-02");
    let (s, _, body) = book(&ctx, "repair-0002", &lucien).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_booked"))
    );
    let report: String = sqlx::query("SELECT report FROM data_repairs")
        .fetch_one(&ctx.pool)
        .await
        .unwrap()
        .get(0);
    assert!(
        report.contains("AAAA-3333") && report.contains("AAAA-5555"),
        "{report}"
    );
    assert_eq!(
        creneau::store::person::repair_birth_dates(&ctx.pool)
            .await
            .unwrap(),
        None,
        "it runs once"
    );
}

/// Unix seconds of a slot written by [`slot`].
fn unix(slot: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(slot)
        .unwrap()
        .timestamp()
}

/// `POST …/{reference}/{action}` with a body.
async fn on_booking(
    ctx: &ApiContext,
    reference: &str,
    action: &str,
    body: Value,
) -> (StatusCode, Value) {
    let (s, _, b) = send(
        ctx,
        post(
            &format!("/api/v1/bookings/{reference}/{action}"),
            None,
            &body,
        ),
    )
    .await;
    (s, b)
}

async fn audit_is_clean(ctx: &ApiContext) {
    let audit = creneau::store::operations::audit(&ctx.pool).await.unwrap();
    assert_eq!((audit.over_capacity, audit.mismatched), (0, 0), "{audit:?}");
}

#[tokio::test]
async fn the_second_appointment_the_person_chose_is_booked_with_the_first_or_neither() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let first = slot(3, 10, 0);
    // Pfizer: 21 days, window 7: day 3 + 21 … day 3 + 28.
    let chosen = slot(3 + 25, 15, 30);
    let mut body = request("solo", &first, "Anne");
    body["second_slot"] = json!(chosen);
    let (s, _, booking) = book(&ctx, "second-chosen-1", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{booking:#}");
    conforms("Booking", &booking);
    assert_eq!(booking["appointments"][1]["at"], chosen);
    assert_eq!(
        taken(&ctx, "solo").await,
        [(unix(&first), 1), (unix(&chosen), 1)]
    );

    // The chosen second is full: 409 for the second injection, with free
    // times in its window nearest the chosen one, and nothing held.
    let mut body = request("solo", &slot(4, 10, 0), "Berthe");
    body["second_slot"] = json!(chosen);
    let (s, _, problem) = book(&ctx, "second-chosen-2", &body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{problem:#}");
    conforms("ApiProblem", &problem);
    assert_eq!(
        (problem["error"].as_str(), problem["dose"].as_i64()),
        (Some("slot_taken"), Some(2))
    );
    assert_eq!(
        problem["alternatives"][0],
        slot(3 + 25, 15, 20),
        "{problem:#}"
    );
    assert!(problem["message"]["fr"]
        .as_str()
        .unwrap()
        .contains("deuxième injection"));
    assert_eq!(
        taken(&ctx, "solo").await.len(),
        2,
        "the first place was given back"
    );

    // Outside the window, before or after: 422 on second_slot, naming the days.
    for (day, key) in [(3 + 20, "second-early"), (3 + 29, "second-late")] {
        let mut body = request("solo", &slot(3, 11, 0), "Claire");
        body["second_slot"] = json!(slot(day, 11, 0));
        let (s, _, problem) = book(&ctx, key, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem:#}");
        conforms("ApiProblem", &problem);
        assert_eq!(problem["fields"][0]["field"], "second_slot");
        assert!(
            problem["fields"][0]["message"]["fr"]
                .as_str()
                .unwrap()
                .contains(" et le "),
            "{problem:#}"
        );
    }
    // Not one of the centre's slots (09:05 with 10-minute slots).
    let mut body = request("solo", &slot(3, 11, 0), "Claire");
    body["second_slot"] = json!(slot(3 + 22, 9, 5));
    let (s, _, problem) = book(&ctx, "second-odd", &body).await;
    assert_eq!(
        (s, problem["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("second_slot"))
    );
    audit_is_clean(&ctx).await;
}

#[tokio::test]
async fn a_second_injection_alone_after_a_first_given_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    let today = Utc::now().with_timezone(&Paris).date_naive();
    let first_day = (today - Duration::days(20)).to_string();
    let at = slot(3, 9, 0); // 23 days after the first: in Pfizer's window
    let mut body = request("deux", &at, "Denise");
    // The age rule decided at the first injection: not asked again.
    body["person"]["birth_date"] = json!("1990-05-06");
    body["first_injection_date"] = json!(first_day);
    let (s, _, booking) = book(&ctx, "second-alone-1", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{booking:#}");
    conforms("Booking", &booking);
    assert_eq!(booking["appointments"], json!([{ "dose": 2, "at": at }]));
    assert_eq!(booking["first_injection_date"], first_day);
    assert_eq!(taken(&ctx, "deux").await, [(unix(&at), 1)]);
    let reference = booking["reference"].as_str().unwrap();
    let (s, _, looked) = send(&ctx, by_reference(reference, "lookup", "1990-05-06")).await;
    assert_eq!(
        (s, &looked["appointments"]),
        (StatusCode::OK, &booking["appointments"])
    );

    // The slot is full now: alternatives are second-injection times in the window.
    let mut other = body.clone();
    other["person"]["first_name"] = json!("Eva");
    let (s, _, problem) = book(&ctx, "second-alone-2", &other).await;
    assert_eq!(
        (s, problem["dose"].as_i64()),
        (StatusCode::CONFLICT, Some(2)),
        "{problem:#}"
    );
    let window_end = today - Duration::days(20) + Duration::days(28);
    for a in problem["alternatives"].as_array().unwrap() {
        let day = chrono::DateTime::parse_from_rfc3339(a.as_str().unwrap())
            .unwrap()
            .date_naive();
        assert!(day <= window_end, "{a} after the window");
    }

    // Too early or too late for the vaccine; a first in the future; a
    // centre without second injections; a second slot besides: 422, nothing held.
    let cases = [
        (
            "deux",
            (today - Duration::days(10)).to_string(),
            None,
            "slot",
        ),
        (
            "deux",
            (today - Duration::days(40)).to_string(),
            None,
            "slot",
        ),
        (
            "deux",
            (today + Duration::days(1)).to_string(),
            None,
            "first_injection_date",
        ),
        ("deux", "2021-1-5".to_string(), None, "first_injection_date"),
        (
            "deux",
            first_day.clone(),
            Some(slot(4, 9, 0)),
            "second_slot",
        ),
    ];
    for (i, (centre, first, second, field)) in cases.into_iter().enumerate() {
        let mut bad = request(
            centre,
            &slot(3, 9, 10),
            &format!("F{}", (b'a' + i as u8) as char),
        );
        bad["first_injection_date"] = json!(first);
        if let Some(second) = second {
            bad["second_slot"] = json!(second);
        }
        let (s, _, problem) = book(&ctx, &format!("second-alone-bad-{i}"), &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{i}: {problem:#}");
        conforms("ApiProblem", &problem);
        assert!(
            problem["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field),
            "{i}: {problem:#}"
        );
    }
    // A second-only centre without first_injection_date says what to send.
    let (s, _, problem) = book(
        &ctx,
        "second-alone-none",
        &request("deux", &slot(3, 9, 20), "Gaby"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem["fields"][0]["message"]["fr"]
        .as_str()
        .unwrap()
        .contains("première"));
    assert_eq!(taken(&ctx, "deux").await.len(), 1);
    // Only the second here: it cannot be cancelled alone, nor the first moved.
    let (s, problem) = on_booking(
        &ctx,
        reference,
        "cancel",
        json!({"birth_date": "1990-05-06", "dose": 2}),
    )
    .await;
    assert_eq!(
        (s, problem["error"].as_str()),
        (StatusCode::CONFLICT, Some("not_changeable"))
    );
    let (s, problem) = on_booking(
        &ctx,
        reference,
        "move",
        json!({"birth_date": "1990-05-06", "dose": 1, "slot": slot(2, 9, 0)}),
    )
    .await;
    assert_eq!(
        (s, problem["error"].as_str()),
        (StatusCode::CONFLICT, Some("not_changeable"))
    );
    // Moving the second within its window works.
    let (s, moved) = on_booking(
        &ctx,
        reference,
        "move",
        json!({"birth_date": "1990-05-06", "dose": 2, "slot": slot(4, 9, 0)}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{moved:#}");
    assert_eq!(taken(&ctx, "deux").await, [(unix(&slot(4, 9, 0)), 1)]);
    audit_is_clean(&ctx).await;
}

#[tokio::test]
async fn moving_an_appointment_takes_the_new_place_before_freeing_the_old() {
    let dir = tempfile::tempdir().unwrap();
    moves(&context(dir.path(), generous()).await).await;
}

#[tokio::test]
async fn writing_through_the_pool_moves_and_cancelling_the_second_hold_too() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    moves(&context_through_pool(one.path(), generous()).await).await;
    cancels_the_second(&context_through_pool(two.path(), generous()).await).await;
}

async fn moves(ctx: &ApiContext) {
    let ctx = ctx.clone();
    let first = slot(3, 10, 0);
    let mut body = request("solo", &first, "Hélène");
    body["second_slot"] = json!(slot(3 + 21, 10, 0));
    let reference = booked(&ctx, "move-key-1", &body).await;
    let birth = "1940-03-02";
    // The second to another day and time of its window.
    let new_second = slot(3 + 26, 16, 0);
    let (s, moved) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({"birth_date": birth, "dose": 2, "slot": new_second}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{moved:#}");
    conforms("Booking", &moved);
    assert_eq!(moved["appointments"][1]["at"], new_second);
    assert_eq!(
        taken(&ctx, "solo").await,
        [(unix(&first), 1), (unix(&new_second), 1)]
    );
    // The first, two days later: the second is still in its window.
    let new_first = slot(5, 9, 30);
    let (s, moved) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({"birth_date": birth, "dose": 1, "slot": new_first}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{moved:#}");
    assert_eq!(
        taken(&ctx, "solo").await,
        [(unix(&new_first), 1), (unix(&new_second), 1)]
    );
    // A first that would leave the second out of its window: 422, unchanged.
    let (s, problem) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({"birth_date": birth, "dose": 1, "slot": slot(9, 9, 30)}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem:#}");
    conforms("ApiProblem", &problem);
    assert!(problem["fields"][0]["message"]["fr"]
        .as_str()
        .unwrap()
        .contains("déplacez d’abord la deuxième"));
    // A full slot: 409 with alternatives for that injection; nothing changed.
    booked(&ctx, "move-key-2", &request("solo", &slot(6, 9, 0), "Inès")).await;
    let (s, problem) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({"birth_date": birth, "dose": 1, "slot": slot(6, 9, 0)}),
    )
    .await;
    assert_eq!(
        (s, problem["dose"].as_i64()),
        (StatusCode::CONFLICT, Some(1)),
        "{problem:#}"
    );
    conforms("ApiProblem", &problem);
    assert_eq!(problem["alternatives"][0], slot(6, 8, 50), "{problem:#}");
    let (_, _, now) = send(&ctx, by_reference(&reference, "lookup", birth)).await;
    assert_eq!(now["appointments"][0]["at"], new_first);
    // Wrong birth date: the same 404 as an unknown reference.
    let (s, _) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({"birth_date": "1941-03-02", "dose": 2, "slot": slot(3 + 27, 9, 0)}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Moving to where it already is changes nothing.
    let (s, same) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({"birth_date": birth, "dose": 2, "slot": new_second}),
    )
    .await;
    assert_eq!(
        (s, &same["appointments"][1]["at"]),
        (StatusCode::OK, &json!(new_second))
    );
    audit_is_clean(&ctx).await;
    // A cancelled booking cannot be moved.
    let (s, _) = on_booking(&ctx, &reference, "cancel", json!({"birth_date": birth})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, problem) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({"birth_date": birth, "dose": 2, "slot": slot(3 + 27, 9, 0)}),
    )
    .await;
    assert_eq!(
        (s, problem["error"].as_str()),
        (StatusCode::CONFLICT, Some("not_changeable"))
    );
    audit_is_clean(&ctx).await;
}

#[tokio::test]
async fn cancelling_only_the_second_injection_frees_its_place_and_keeps_the_first() {
    let dir = tempfile::tempdir().unwrap();
    cancels_the_second(&context(dir.path(), generous()).await).await;
}

async fn cancels_the_second(ctx: &ApiContext) {
    let ctx = ctx.clone();
    let first = slot(2, 14, 0);
    let reference = booked(&ctx, "cancel-second-1", &request("solo", &first, "Jeanne")).await;
    let birth = "1940-03-02";
    let (s, booking) = on_booking(
        &ctx,
        &reference,
        "cancel",
        json!({"birth_date": birth, "dose": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{booking:#}");
    conforms("Booking", &booking);
    assert_eq!(
        (
            booking["status"].as_str(),
            booking["second_cancelled"].as_bool()
        ),
        (Some("confirmed"), Some(true))
    );
    assert_eq!(booking["appointments"], json!([{ "dose": 1, "at": first }]));
    assert_eq!(taken(&ctx, "solo").await, [(unix(&first), 1)]);
    // Again: harmless, the same answer.
    let (s, again) = on_booking(
        &ctx,
        &reference,
        "cancel",
        json!({"birth_date": birth, "dose": 2}),
    )
    .await;
    assert_eq!((s, again), (StatusCode::OK, booking));
    // The first alone cannot be cancelled; the second cannot be moved now.
    let (s, problem) = on_booking(
        &ctx,
        &reference,
        "cancel",
        json!({"birth_date": birth, "dose": 1}),
    )
    .await;
    assert_eq!(
        (s, problem["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("dose"))
    );
    let (s, problem) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({"birth_date": birth, "dose": 2, "slot": slot(24, 9, 0)}),
    )
    .await;
    assert_eq!(
        (s, problem["error"].as_str()),
        (StatusCode::CONFLICT, Some("not_changeable"))
    );
    audit_is_clean(&ctx).await;
    // The whole booking: the first's place too.
    let (s, cancelled) = on_booking(&ctx, &reference, "cancel", json!({"birth_date": birth})).await;
    assert_eq!(
        (s, cancelled["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    assert!(taken(&ctx, "solo").await.is_empty());
    audit_is_clean(&ctx).await;
}

// ------------------------------------------------------------ messages --

/// An SMS gateway on a real socket: it records each request's JSON body
/// and answers `status`.
async fn sms_gateway(status: u16) -> (String, Arc<std::sync::Mutex<Vec<Value>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |body: String| {
            let record = record.clone();
            async move {
                record
                    .lock()
                    .unwrap()
                    .push(serde_json::from_str::<Value>(&body).unwrap());
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn sms_sender(pool: &creneau::store::Pool, url: String) -> creneau::notify::sender::Sender {
    let gateway = creneau::notify::sms::Gateway::new(creneau::notify::sms::GatewayConfig {
        url,
        method: "POST".into(),
        content_type: "application/json".into(),
        auth_header: None,
        auth_env: None,
        body: r#"{"to": {{ to }}, "text": {{ text }}, "id": {{ id }}}"#.into(),
    })
    .unwrap();
    creneau::notify::sender::Sender::new(
        pool.clone(),
        None,
        Some(gateway),
        std::time::Duration::from_secs(30),
        std::time::Duration::from_secs(1),
    )
}

/// The context, its booking steps writing SMS messages.
fn with_sms(mut ctx: ApiContext, through_pool: bool) -> ApiContext {
    let bookings = common::bookings(&ctx.pool, generous());
    let bookings = if through_pool {
        bookings.writing_through_pool()
    } else {
        bookings
    };
    let channels = creneau::notify::compose::Channels {
        email: false,
        sms: true,
        public_url: "https://creneau.example".into(),
    };
    ctx.alerts = Arc::new(Alerts::new(ctx.pool.clone(), channels.clone()));
    ctx.bookings = Arc::new(bookings.with_messages(channels));
    ctx
}

/// A booking's outbox rows: kind, dose, send_at, whether the recipient
/// and text are still there, sent.
async fn outbox_of(
    pool: &creneau::store::Pool,
    reference: &str,
) -> Vec<(String, Option<i32>, i64, bool, bool)> {
    sqlx::query(
        "SELECT kind, dose, send_at, \
         CAST(CASE WHEN recipient IS NOT NULL AND body_text IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), \
         CAST(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) \
         FROM outbox WHERE reference = $1 ORDER BY created_at, kind, dose",
    )
    .bind(reference)
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get(0),
            r.get(1),
            r.get(2),
            r.get::<i64, _>(3) == 1,
            r.get::<i64, _>(4) == 1,
        )
    })
    .collect()
}

/// 10:00 in Paris the day before a slot.
fn reminder_of(slot: &str) -> i64 {
    let day = chrono::DateTime::parse_from_rfc3339(slot)
        .unwrap()
        .with_timezone(&Paris)
        .date_naive()
        - Duration::days(1);
    Paris
        .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
        .unwrap()
        .timestamp()
}

async fn messages_follow_each_step(ctx: ApiContext) {
    let (url, seen) = sms_gateway(200).await;
    let sender = sms_sender(&ctx.pool, url);
    let mut req = request("c1", &slot(3, 14, 30), "Marie");
    req["lang"] = json!("en");
    let (s, _, booking) = book(&ctx, "msg-book-0001", &req).await;
    assert_eq!(s, StatusCode::CREATED, "{booking:#}");
    let reference = booking["reference"].as_str().unwrap().to_string();
    let first = booking["appointments"][0]["at"]
        .as_str()
        .unwrap()
        .to_string();
    let second = booking["appointments"][1]["at"]
        .as_str()
        .unwrap()
        .to_string();
    let now = Utc::now().timestamp();
    let rows = outbox_of(&ctx.pool, &reference).await;
    let kinds: Vec<_> = rows.iter().map(|r| (r.0.as_str(), r.1)).collect();
    assert_eq!(
        kinds,
        [
            ("booked", None),
            ("reminder", Some(1)),
            ("reminder", Some(2))
        ],
        "written in the booking's step"
    );
    assert!(rows[0].2 <= now + 1);
    assert_eq!(
        (rows[1].2, rows[2].2),
        (reminder_of(&first), reminder_of(&second))
    );

    assert_eq!(sender.round_at(now).await.unwrap(), 1, "the reminders wait");
    assert_eq!(sender.round_at(now).await.unwrap(), 0, "never twice");
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0]["to"], "+33612345678");
        let text = seen[0]["text"].as_str().unwrap();
        assert!(text.starts_with("Vaccination confirmed: 1st "), "{text}");
        assert!(text.contains(&reference), "{text}");
        assert!(
            text.contains(&format!("?ref={reference}&lang=en")),
            "{text}"
        );
        assert!(!text.contains("1940"), "never the birth date: {text}");
    }

    // The first injection half an hour later: its reminder is written again.
    let (s, moved) = on_booking(
        &ctx,
        &reference,
        "move",
        json!({ "birth_date": "1940-03-02", "dose": 1, "slot": slot(3, 15, 0) }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{moved:#}");
    let mut pending: Vec<_> = outbox_of(&ctx.pool, &reference)
        .await
        .into_iter()
        .filter(|r| !r.4)
        .map(|r| (r.0, r.1))
        .collect();
    pending.sort();
    assert_eq!(
        pending,
        [
            ("moved".to_string(), None),
            ("reminder".to_string(), Some(1)),
            ("reminder".to_string(), Some(2))
        ],
        "one reminder per injection still"
    );
    assert_eq!(sender.round_at(now).await.unwrap(), 1);
    assert_eq!(
        sender.round_at(reminder_of(&first)).await.unwrap(),
        1,
        "the first's reminder, on its day"
    );
    {
        let seen = seen.lock().unwrap();
        let moved = seen[1]["text"].as_str().unwrap();
        assert!(
            moved.contains("Vaccination moved") && moved.contains("15:00"),
            "{moved}"
        );
        let reminder = seen[2]["text"].as_str().unwrap();
        assert!(
            reminder.contains("tomorrow") && reminder.contains("15:00"),
            "{reminder}"
        );
        assert!(
            !reminder.contains("2nd"),
            "the reminded injection only: {reminder}"
        );
    }

    // Cancelled: its message goes; the second's reminder never will.
    let (s, _) = on_booking(
        &ctx,
        &reference,
        "cancel",
        json!({ "birth_date": "1940-03-02" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = on_booking(
        &ctx,
        &reference,
        "cancel",
        json!({ "birth_date": "1940-03-02" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "cancelling twice");
    assert_eq!(
        sender.round_at(now).await.unwrap(),
        1,
        "one message, not two"
    );
    assert_eq!(sender.round_at(now + 400 * 86_400).await.unwrap(), 0);
    assert!(seen.lock().unwrap()[3]["text"]
        .as_str()
        .unwrap()
        .contains("cancelled"));
    let rows = outbox_of(&ctx.pool, &reference).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows.iter().all(|r| r.4 && !r.3),
        "all sent, and nothing personal left: {rows:?}"
    );

    // A booking refused (the slot full) writes no message.
    let full = slot(5, 9, 0);
    let (s, _, _) = book(&ctx, "msg-solo-0001", &request("solo", &full, "Odile")).await;
    assert_eq!(s, StatusCode::CREATED);
    let before = common::count(&ctx.pool, "outbox").await;
    let (s, _, _) = book(&ctx, "msg-solo-0002", &request("solo", &full, "Paule")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(common::count(&ctx.pool, "outbox").await, before);
}

#[tokio::test]
async fn messages_are_written_in_each_step_and_sent_once_at_their_time() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), generous()).await;
    messages_follow_each_step(with_sms(ctx, false)).await;
    let dir = tempfile::tempdir().unwrap();
    let ctx = context_through_pool(dir.path(), generous()).await;
    messages_follow_each_step(with_sms(ctx, true)).await;
}

#[tokio::test]
async fn a_gateway_down_is_tried_again_later_and_a_refusal_gives_up_keeping_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = with_sms(context(dir.path(), generous()).await, false);
    let (url, seen) = sms_gateway(503).await;
    let down = sms_sender(&ctx.pool, url);
    let reference = booked(
        &ctx,
        "msg-down-0001",
        &request("c1", &slot(3, 9, 0), "Rose"),
    )
    .await;
    let now = Utc::now().timestamp();
    assert_eq!(down.round_at(now).await.unwrap(), 1);
    assert_eq!(down.round_at(now + 29).await.unwrap(), 0, "not before 30 s");
    assert_eq!(down.round_at(now + 30).await.unwrap(), 1);
    assert_eq!(down.round_at(now + 89).await.unwrap(), 0, "then 60 s");
    assert_eq!(seen.lock().unwrap().len(), 2);
    let (url, _) = sms_gateway(200).await;
    assert_eq!(
        sms_sender(&ctx.pool, url).round_at(now + 90).await.unwrap(),
        1
    );
    assert!(outbox_of(&ctx.pool, &reference).await[0].4, "sent");

    let (url, refused) = sms_gateway(400).await;
    let refusing = sms_sender(&ctx.pool, url);
    let other = booked(
        &ctx,
        "msg-down-0002",
        &request("c1", &slot(3, 9, 10), "Lise"),
    )
    .await;
    assert_eq!(refusing.round_at(now + 90).await.unwrap(), 1);
    let later = now + 400 * 86_400;
    assert_eq!(
        refusing.round_at(later).await.unwrap(),
        4,
        "both bookings' reminders"
    );
    assert_eq!(refusing.round_at(later).await.unwrap(), 0, "given up");
    assert_eq!(refused.lock().unwrap().len(), 5);
    let failed: i64 = sqlx::query(
        "SELECT COUNT(*) FROM outbox WHERE reference = $1 AND failed_at IS NOT NULL \
         AND recipient IS NULL AND body_text IS NULL",
    )
    .bind(&other)
    .fetch_one(&ctx.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(failed, 3);
}

#[tokio::test]
async fn on_postgresql_two_senders_never_send_one_message_twice() {
    let Some(pool) = common::postgres_with_reference("creneau_test_messages").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = with_sms(context_on(pool, dir.path(), generous()).await, true);
    for i in 0..40 {
        let req = request(
            "c1",
            &slot(3, 8 + i / 6, (i % 6) * 10),
            &format!("P{}", letters(i)),
        );
        booked(&ctx, &format!("msg-pg-{i:04}"), &req).await;
    }
    let (url, seen) = sms_gateway(200).await;
    let (a, b) = (
        sms_sender(&ctx.pool, url.clone()),
        sms_sender(&ctx.pool, url),
    );
    let now = Utc::now().timestamp();
    let (mut sent_a, mut sent_b) = (0, 0);
    loop {
        let (x, y) = tokio::join!(a.round_at(now), b.round_at(now));
        let (x, y) = (x.unwrap(), y.unwrap());
        if x + y == 0 {
            break;
        }
        sent_a += x;
        sent_b += y;
    }
    assert_eq!(sent_a + sent_b, 40);
    let seen = seen.lock().unwrap();
    let mut ids: Vec<_> = seen.iter().map(|m| m["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((seen.len(), ids.len()), (40, 40), "each message once");
}

/// The 32-hex-digit token after `token=` in a message.
fn token_in(text: &str) -> String {
    let at = text.find("token=").expect("a link with a token") + 6;
    text[at..at + 32].to_string()
}

/// `POST path` with no body (the alert links' API).
fn post_empty(path: &str) -> Request<Body> {
    Request::post(path).body(Body::empty()).unwrap()
}

/// An alert's row: state, whether its recipient is still kept.
async fn alert_rows(pool: &creneau::store::Pool) -> Vec<(String, bool)> {
    sqlx::query(
        "SELECT state, CAST(CASE WHEN recipient IS NULL THEN 0 ELSE 1 END AS BIGINT) \
         FROM alerts ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get::<i64, _>(1) == 1))
    .collect()
}

#[tokio::test]
async fn an_alert_sends_nothing_before_its_confirmation_then_at_most_once_a_day_until_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = with_sms(context(dir.path(), generous()).await, false);
    let (url, seen) = sms_gateway(200).await;
    let sender = sms_sender(&ctx.pool, url);
    let texts = |from: usize| -> Vec<String> {
        seen.lock().unwrap()[from..]
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_string())
            .collect()
    };
    let sign_up = json!({
        "phone": "06 11 22 33 44",
        "near": { "lat": 49.12, "lon": 6.18, "radius_km": 10, "place": "Metz" },
        "lang": "fr"
    });
    let (status, _, accepted) = send(&ctx, post("/api/v1/alerts", None, &sign_up)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted:#}");
    conforms("AlertAccepted", &accepted);
    sender.round().await.unwrap();
    let confirmation = texts(0);
    assert_eq!(
        confirmation.len(),
        1,
        "only the confirmation link: {confirmation:?}"
    );
    assert!(confirmation[0].contains("https://creneau.example/reserver/alerte/confirmer?token="));
    let confirm_token = token_in(&confirmation[0]);

    // A generation with free places near Metz: nothing before confirmation.
    let now = Utc::now();
    let options = creneau::publish::Options {
        out: dir.path().join("snapshot"),
        public_url: None,
        ..Default::default()
    };
    let published = creneau::publish::publish_once(&ctx.pool, &options, now)
        .await
        .unwrap();
    assert!(published.openings.iter().any(|o| o.centre == "c1"));
    assert!(!published
        .openings
        .iter()
        .any(|o| o.centre == "pro" || o.centre == "doc"));
    assert_eq!(
        ctx.alerts
            .after_generation(&published.openings, now)
            .await
            .unwrap(),
        0
    );

    let wrong = format!("/api/v1/alerts/confirm?token={}", "0".repeat(32));
    let (status, _, problem) = send(&ctx, post_empty(&wrong)).await;
    assert_eq!(
        (status, problem["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_link"))
    );
    let (status, _, confirmed) = send(
        &ctx,
        post_empty(&format!("/api/v1/alerts/confirm?token={confirm_token}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{confirmed:#}");
    conforms("AlertConfirmed", &confirmed);
    let expires =
        chrono::DateTime::parse_from_rfc3339(confirmed["expires_at"].as_str().unwrap()).unwrap();
    assert!((expires.timestamp() - (Utc::now() + Duration::days(30)).timestamp()).abs() < 60);

    // Confirmed: one message, then none more that day.
    assert_eq!(
        ctx.alerts
            .after_generation(&published.openings, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ctx.alerts
            .after_generation(&published.openings, now)
            .await
            .unwrap(),
        0
    );
    sender.round().await.unwrap();
    let alert = texts(1);
    assert_eq!(alert.len(), 1, "{alert:?}");
    assert!(
        alert[0].starts_with(
            "Places libres à moins de 10 km de Metz : https://creneau.example/centre/"
        ),
        "{}",
        alert[0]
    );
    assert!(
        alert[0].contains("Stop : https://creneau.example/reserver/alerte/arreter?token="),
        "{}",
        alert[0]
    );
    let stop_token = token_in(&alert[0][alert[0].find("Stop").unwrap()..]);

    // The next day, again; then a click ends it: no recipient kept.
    let tomorrow = now + Duration::days(1);
    assert_eq!(
        ctx.alerts
            .after_generation(&published.openings, tomorrow)
            .await
            .unwrap(),
        1
    );
    let stop = format!("/api/v1/alerts/unsubscribe?token={stop_token}");
    let (status, _, _) = send(&ctx, post_empty(&stop)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(&ctx, post_empty(&stop)).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "a second click answers the same"
    );
    assert_eq!(alert_rows(&ctx.pool).await, [("ended".to_string(), false)]);
    assert_eq!(
        sender.round().await.unwrap(),
        0,
        "the message queued before the click went with it"
    );
    let later = now + Duration::days(2);
    assert_eq!(
        ctx.alerts
            .after_generation(&published.openings, later)
            .await
            .unwrap(),
        0
    );
    // A day after it ended, the row goes too.
    ctx.alerts
        .after_generation(&[], now + Duration::days(3))
        .await
        .unwrap();
    assert!(alert_rows(&ctx.pool).await.is_empty());
}

#[tokio::test]
async fn alerts_expire_and_sign_ups_are_limited_without_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let limits = LimitsConfig {
        alert_sign_ups_per_hour: 7,
        ..generous()
    };
    let mut ctx = with_sms(context(dir.path(), limits.clone()).await, false);
    ctx.bookings = Arc::new(common::bookings(&ctx.pool, limits));
    let (url, seen) = sms_gateway(200).await;
    let sender = sms_sender(&ctx.pool, url);
    let on_centre = |phone: &str| json!({ "phone": phone, "centre": "solo", "vaccine": "pfizer" });

    // One number: three sign-ups a day are written, the fourth is not,
    // and all four answers are the same.
    let mut answers = Vec::new();
    for _ in 0..4 {
        let (status, _, body) =
            send(&ctx, post("/api/v1/alerts", None, &on_centre("0611223344"))).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        answers.push(body);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(alert_rows(&ctx.pool).await.len(), 3);
    sender.round().await.unwrap();
    assert_eq!(seen.lock().unwrap().len(), 3);
    let text = seen.lock().unwrap()[0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("https://creneau.example/reserver/alerte/confirmer?token="),
        "{text}"
    );

    // Bad input says what and where; an unknown centre too.
    let (status, _, problem) = send(
        &ctx,
        post(
            "/api/v1/alerts",
            None,
            &json!({ "phone": "01 23 45 67 89", "centre": "nowhere" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["fields"][0]["field"], "phone");

    // One address: seven sign-ups an hour (that one included), whatever the numbers.
    let (status, _, _) = send(&ctx, post("/api/v1/alerts", None, &on_centre("0611223355"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _, body) =
        send(&ctx, post("/api/v1/alerts", None, &on_centre("0611223366"))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body:#}");
    let (status, headers2, _) =
        send(&ctx, post("/api/v1/alerts", None, &on_centre("0611223377"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers2.contains_key(header::RETRY_AFTER));

    // Confirmed, then 30 days on: ended, its recipient gone, nothing sent.
    let token = token_in(&text);
    let (status, _, _) = send(
        &ctx,
        post_empty(&format!("/api/v1/alerts/confirm?token={token}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let solo = creneau_model::alerts::Opening {
        centre: "solo".into(),
        name: "Mairie".into(),
        commune: "Metz".into(),
        lat: 49.12,
        lon: 6.18,
        vaccines: vec!["pfizer".into()],
    };
    let moderna_only = creneau_model::alerts::Opening {
        vaccines: vec!["moderna".into()],
        ..solo.clone()
    };
    let now = Utc::now();
    assert_eq!(
        ctx.alerts
            .after_generation(&[moderna_only], now)
            .await
            .unwrap(),
        0,
        "not its vaccine"
    );
    let later = now + Duration::days(31);
    assert_eq!(
        ctx.alerts.after_generation(&[solo], later).await.unwrap(),
        0
    );
    let rows = alert_rows(&ctx.pool).await;
    assert!(
        rows.iter().all(|(state, kept)| state == "ended" && !kept),
        "{rows:?}"
    );
    let (status, _, _) = send(
        &ctx,
        post_empty(&format!("/api/v1/alerts/confirm?token={token}")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an ended alert's link no longer works"
    );
}

#[tokio::test]
async fn on_postgresql_two_publishers_comparing_at_once_queue_each_alert_once() {
    let Some(pool) = common::postgres_with_reference("creneau_test_alerts").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let limits = LimitsConfig {
        alert_sign_ups_per_hour: 1000,
        ..generous()
    };
    let mut ctx = with_sms(context_on(pool, dir.path(), limits.clone()).await, true);
    ctx.bookings = Arc::new(common::bookings(&ctx.pool, limits));
    for i in 0..20 {
        let body = json!({ "phone": format!("06 00 00 00 {i:02}"), "centre": "c1" });
        let (status, _, _) = send(&ctx, post("/api/v1/alerts", None, &body)).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let texts: Vec<String> =
        sqlx::query("SELECT body_text FROM outbox WHERE kind = 'alert_confirm'")
            .fetch_all(&ctx.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(texts.len(), 20);
    for text in &texts {
        let path = format!("/api/v1/alerts/confirm?token={}", token_in(text));
        assert_eq!(send(&ctx, post_empty(&path)).await.0, StatusCode::OK);
    }
    let c1 = creneau_model::alerts::Opening {
        centre: "c1".into(),
        name: "Salle des fêtes".into(),
        commune: "Metz".into(),
        lat: 49.12,
        lon: 6.18,
        vaccines: vec!["pfizer".into()],
    };
    let other = Alerts::new(
        ctx.pool.clone(),
        creneau::notify::compose::Channels {
            email: false,
            sms: true,
            public_url: "https://creneau.example".into(),
        },
    );
    let now = Utc::now();
    let openings = [c1];
    let (a, b) = tokio::join!(
        ctx.alerts.after_generation(&openings, now),
        other.after_generation(&openings, now)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 20, "each alert once between them");
    let queued: i64 = sqlx::query("SELECT COUNT(*) FROM outbox WHERE kind = 'alert'")
        .fetch_one(&ctx.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(queued, 20);
}
