//! The HTTP face, through `app().oneshot(…)` without a socket: app files with
//! SPA fallback, the snapshot with its cache rules, precompression, ETags,
//! security headers, health.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use creneau::http::{app, ApiContext, Config};
use creneau::import::centres;
use creneau::publish;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const INDEX: &str = r#"<!doctype html><html lang="fr"><head><script type="module">import init from '/app-0123456789abcdef.js';</script></head><body><div id="app"></div></body></html>"#;
const BOOKING_INDEX: &str = r#"<!doctype html><html lang="fr"><head><title>Réserver</title></head><body><div id="app"></div></body></html>"#;

/// The store, snapshot and app files the tests read, made once per test
/// binary (a France-wide snapshot takes seconds to publish): each test
/// opens its own copy of the store and reads the rest where it is.
async fn template() -> &'static std::path::Path {
    static TEMPLATE: tokio::sync::OnceCell<std::path::PathBuf> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            // Kept for the life of the process: every test reads it.
            let dir = tempfile::tempdir().unwrap().keep();
            let pool = common::store_with_reference(&dir).await;
            let csv = "gid;nom;adr_voie;com_cp;com_insee;com_nom;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche;creneau_reservation\n\
                       1;Salle des fêtes;rue Haute;57000;57463;Metz;8h-20h;8h-20h;8h-20h;8h-20h;8h-20h;8h-20h;8h-20h;ici\n";
            centres::import_text(&pool, "t.csv", csv, &Default::default())
                .await
                .unwrap();
            publish::publish_once(
                &pool,
                &publish::Options {
                    out: dir.join("snapshot"),
                    ..Default::default()
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
            let dist = dir.join("dist");
            std::fs::create_dir_all(dist.join("reserver")).unwrap();
            std::fs::write(dist.join("index.html"), INDEX).unwrap();
            std::fs::write(dist.join("reserver/index.html"), BOOKING_INDEX).unwrap();
            std::fs::write(
                dist.join("app-0123456789abcdef.js"),
                "export default function init() {}\n".repeat(50),
            )
            .unwrap();
            publish::precompress_dir(&dist).unwrap();
            // One file, nothing left in the log, before it is copied.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
            dir
        })
        .await
}

async fn context(dir: &std::path::Path) -> ApiContext {
    let template = template().await;
    std::fs::copy(template.join("test.db"), dir.join("test.db")).unwrap();
    let pool = common::store(dir).await;
    ApiContext {
        pool: pool.clone(),
        config: Arc::new(Config {
            dist: template.join("dist"),
            snapshot_dir: template.join("snapshot"),
            snapshot_interval: std::time::Duration::from_secs(60),
        }),
        bookings: std::sync::Arc::new(common::bookings(&pool, Default::default())),
        alerts: std::sync::Arc::new(creneau::alerts::Alerts::new(
            pool.clone(),
            Default::default(),
        )),
    }
}

async fn get(
    ctx: &ApiContext,
    path: &str,
    headers: &[(header::HeaderName, &str)],
) -> axum::response::Response {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    app(ctx.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn header(response: &axum::response::Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn serves_the_app_with_deep_link_fallback_and_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path()).await;
    for path in ["/", "/departement/75", "/centre/1"] {
        let r = get(&ctx, path, &[]).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, header::CACHE_CONTROL), "no-cache", "{path}");
        let csp = header(&r, header::CONTENT_SECURITY_POLICY).to_string();
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        // The inline loader is allowed by its hash, nothing else inline.
        assert!(csp.contains("'sha256-"), "{csp}");
        assert_eq!(header(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header(&r, header::X_FRAME_OPTIONS), "DENY");
        let body = r.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, INDEX.as_bytes(), "{path} serves index.html");
    }
    for path in [
        "/reserver/",
        "/reserver/etape/verifier",
        "/reserver/centre/57-001",
    ] {
        let r = get(&ctx, path, &[]).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let body = r.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            body,
            BOOKING_INDEX.as_bytes(),
            "{path} serves the booking app"
        );
    }
    // Addresses neither app answers: the app's page (it says "Page
    // introuvable"), with 404.
    for (path, page) in [
        ("/nulle-part", INDEX),
        ("/centre/1/plus", INDEX),
        ("/wp-login.php", INDEX),
        ("/reserver/nulle-part", BOOKING_INDEX),
    ] {
        let r = get(&ctx, path, &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(header(&r, header::X_FRAME_OPTIONS), "DENY", "{path}");
        let body = r.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, page.as_bytes(), "{path}");
    }
    let js = get(
        &ctx,
        "/app-0123456789abcdef.js",
        &[(header::ACCEPT_ENCODING, "br, gzip")],
    )
    .await;
    assert_eq!(header(&js, header::CONTENT_ENCODING), "br");
    assert_eq!(
        header(&js, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&js, header::CONTENT_TYPE).contains("javascript"));
}

#[tokio::test]
async fn serves_the_snapshot_precompressed_with_cache_rules_and_etags() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path()).await;

    let latest = get(
        &ctx,
        "/data/latest.json",
        &[(header::ACCEPT_ENCODING, "gzip, deflate, br")],
    )
    .await;
    assert_eq!(latest.status(), StatusCode::OK);
    assert_eq!(header(&latest, header::CONTENT_ENCODING), "br");
    assert_eq!(header(&latest, header::CONTENT_TYPE), "application/json");
    assert_eq!(
        header(&latest, header::CACHE_CONTROL),
        "public, max-age=30, stale-while-revalidate=30"
    );
    let etag = header(&latest, header::ETAG).to_string();
    assert!(etag.starts_with("W/\""), "{etag}");

    let gz = get(
        &ctx,
        "/data/latest.json",
        &[(header::ACCEPT_ENCODING, "gzip")],
    )
    .await;
    assert_eq!(header(&gz, header::CONTENT_ENCODING), "gzip");
    assert_ne!(
        header(&gz, header::ETAG),
        etag,
        "each encoding has its own tag"
    );

    let plain = get(&ctx, "/data/latest.json", &[]).await;
    assert_eq!(header(&plain, header::CONTENT_ENCODING), "");
    let body = plain.into_body().collect().await.unwrap().to_bytes();
    let pointer: creneau_model::snapshot::Pointer = serde_json::from_slice(&body).unwrap();

    let again = get(
        &ctx,
        "/data/latest.json",
        &[
            (header::ACCEPT_ENCODING, "br"),
            (header::IF_NONE_MATCH, &etag),
        ],
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, header::ETAG), etag);

    let index = get(
        &ctx,
        &format!("/data/{}", pointer.index),
        &[(header::ACCEPT_ENCODING, "br")],
    )
    .await;
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(
        header(&index, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let centre_path = common::snapshot::centre_path(&ctx.config.snapshot_dir, &pointer, "1");
    let centre = get(&ctx, &format!("/data/{centre_path}"), &[]).await;
    assert_eq!(centre.status(), StatusCode::OK);

    // SMART Scheduling Links: the stable manifest briefly cached, as the
    // pointer; its NDJSON files immutable, with their media type.
    let manifest = get(&ctx, "/data/$bulk-publish", &[]).await;
    assert_eq!(manifest.status(), StatusCode::OK);
    assert_eq!(header(&manifest, header::CONTENT_TYPE), "application/json");
    assert_eq!(
        header(&manifest, header::CACHE_CONTROL),
        "public, max-age=30, stale-while-revalidate=30"
    );
    let listed: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            ctx.config
                .snapshot_dir
                .join(pointer.smart.as_deref().unwrap()),
        )
        .unwrap(),
    )
    .unwrap();
    let smart = common::snapshot::smart_output(&listed, "Location");
    let locations = get(
        &ctx,
        &format!("/data/{smart}"),
        &[(header::ACCEPT_ENCODING, "br")],
    )
    .await;
    assert_eq!(locations.status(), StatusCode::OK);
    assert_eq!(
        header(&locations, header::CONTENT_TYPE),
        "application/fhir+ndjson"
    );
    assert_eq!(header(&locations, header::CONTENT_ENCODING), "br");
    assert_eq!(
        header(&locations, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );

    let missing = get(&ctx, "/data/index/0000000000000000.json", &[]).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let traversal = get(&ctx, "/data/../test.db", &[]).await;
    assert_ne!(traversal.status(), StatusCode::OK);
}

#[tokio::test]
async fn hsts_only_for_https_reported_by_a_trusted_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = context(dir.path()).await;
    let proxy: std::net::SocketAddr = "10.0.0.2:40000".parse().unwrap();
    let stranger: std::net::SocketAddr = "203.0.113.9:40000".parse().unwrap();
    ctx.bookings = std::sync::Arc::new(common::bookings(
        &ctx.pool,
        creneau::booking::limits::LimitsConfig {
            trusted_proxies: vec![proxy.ip()],
            ..Default::default()
        },
    ));
    for (peer, proto, hsts) in [
        (proxy, "https", true),
        (proxy, "http", false),
        (stranger, "https", false),
    ] {
        let mut req = Request::get("/healthz")
            .header("x-forwarded-proto", proto)
            .body(Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let response = app(ctx.clone()).oneshot(req).await.unwrap();
        assert_eq!(
            response
                .headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .map(|v| v.to_str().unwrap().to_string()),
            hsts.then(|| "max-age=31536000".to_string()),
            "{peer} {proto}"
        );
    }
}

#[tokio::test]
async fn health_and_unknown_api_routes() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = context(dir.path()).await;
    // This test ages and removes the pointer: its own copy, not the one
    // the other tests read.
    let own = dir.path().join("snapshot");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::copy(
        ctx.config.snapshot_dir.join("latest.json"),
        own.join("latest.json"),
    )
    .unwrap();
    ctx.config = Arc::new(Config {
        snapshot_dir: own,
        ..(*ctx.config).clone()
    });
    let health = get(&ctx, "/healthz", &[]).await;
    assert_eq!(health.status(), StatusCode::OK);
    let api = get(&ctx, "/api/v1/nothing-here", &[]).await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&api, header::CONTENT_TYPE), "application/json");

    let ready = get(&ctx, "/readyz", &[]).await;
    assert_eq!(ready.status(), StatusCode::OK);

    // A snapshot older than two intervals: the publisher is stuck.
    let pointer_path = ctx.config.snapshot_dir.join("latest.json");
    let mut pointer: Value =
        serde_json::from_slice(&std::fs::read(&pointer_path).unwrap()).unwrap();
    let stale = chrono::Utc::now() - chrono::Duration::seconds(121);
    pointer["generated_at"] = stale.to_rfc3339().into();
    std::fs::write(&pointer_path, pointer.to_string()).unwrap();
    let not_ready = get(&ctx, "/readyz", &[]).await;
    assert_eq!(not_ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value =
        serde_json::from_slice(&not_ready.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["store"], true);
    assert_eq!(body["snapshot"], false);
    assert!(body["snapshot_age_seconds"].as_u64().unwrap() >= 121);
    // No snapshot at all: not ready; alive all the same.
    std::fs::remove_file(&pointer_path).unwrap();
    let not_ready = get(&ctx, "/readyz", &[]).await;
    assert_eq!(not_ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(get(&ctx, "/healthz", &[]).await.status(), StatusCode::OK);
}
