//! The HTTP face of `creneau serve`, on one address:
//! - `/` the built web app, with deep links falling back to `index.html`
//!   (200 for the apps' own addresses, [`creneau_model::routes`]; 404 otherwise);
//! - `/data/…` the snapshot, `latest.json` briefly cached, versioned files immutable;
//! - `/api/v1/…` the booking API;
//! - `/healthz` (liveness: the process answers; costs nothing) and
//!   `/readyz` (readiness: the store answers and the published snapshot is
//!   younger than two publishing intervals) for load balancers.
//!
//! Every request is logged (method, route template, status, duration,
//! request id; nothing a person sent) and counted for `/metrics`, which
//! [`operator::metrics_app`] serves on an address of its own.
//!
//! Static files are served precompressed (`.br`, `.gz`) by `Accept-Encoding`,
//! with ETags and conditional requests, and every response carries the
//! security headers, including a CSP without `unsafe-inline` (Trunk's inline
//! loader is allowed by its hash).
//!
//! - [`bookings`]: the booking API's routes and request reading.
//! - [`alerts`]: the alert API's routes ("Me prévenir").
//! - [`operator`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`observe`]: the request log and request metrics.
//! - [`headers`]: caching and security headers, the CSP.
//! - [`client`]: the client's address, through trusted proxies.
//! - [`error`]: every error to its status code and JSON body.
//!
//! Route modules import [`ApiContext`] from here; nothing below `http`
//! imports `http`.

pub mod alerts;
pub mod bookings;
pub mod client;
pub mod error;
pub mod headers;
pub mod observe;
pub mod operator;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::services::{ServeDir, ServeFile};

use self::error::ApiError;
use self::headers::{caching, content_security_policy, security_headers};
use self::observe::observe;
use self::operator::{healthz, readyz};
use crate::alerts::Alerts;
use crate::booking::{Bookings, Error};
use crate::store::Pool;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct ApiContext {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub bookings: Arc<Bookings>,
    pub alerts: Arc<Alerts>,
}

/// The OpenAPI document of `/api/v1`, kept true to the code by the tests
/// that validate every answer against it.
pub const OPENAPI: &str = include_str!("../../../../docs/openapi.json");

#[derive(Clone, Debug)]
pub struct Config {
    /// The built web app (Trunk's `dist/`).
    pub dist: PathBuf,
    /// The snapshot root, served under `/data/`.
    pub snapshot_dir: PathBuf,
    /// How often a snapshot is published: older than twice this, the
    /// origin is not ready.
    pub snapshot_interval: std::time::Duration,
}

/// The whole application, without a socket: tests call it with `oneshot`.
pub fn app(ctx: ApiContext) -> Router {
    // Two apps: the finder (dist/) and the booking flow (dist/reserver/),
    // each with its own inline loader script to allow by hash.
    let booking_index = ctx.config.dist.join("reserver/index.html");
    let csp = app_csp(&ctx.config.dist);
    let trusted = Arc::new(ctx.bookings.limits.trusted_proxies.clone());
    let snapshot = ServeDir::new(&ctx.config.snapshot_dir)
        .precompressed_br()
        .precompressed_gzip();
    let index = ctx.config.dist.join("index.html");
    let web = ServeDir::new(&ctx.config.dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(&index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    let booking_app = ServeDir::new(ctx.config.dist.join("reserver"))
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(&booking_index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    let api = bookings::routes()
        .merge(alerts::routes())
        .route(
            "/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .fallback(|| async { ApiError::from(Error::NotFound) })
        // A client's (or CDN's) X-Request-Id comes back on the answer, so
        // the two ends can match a request to its answer, a 503 included
        // (the booking benchmark times each answer this way). Not logged.
        .layer(PropagateRequestIdLayer::x_request_id());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest("/api/v1", api)
        .nest_service("/data", snapshot)
        .nest_service("/reserver", booking_app)
        .fallback_service(web)
        .layer(middleware::from_fn(unknown_addresses))
        .layer(middleware::from_fn(observe))
        .layer(middleware::from_fn(caching))
        .layer(middleware::from_fn(move |req, next| {
            security_headers(csp.clone(), trusted.clone(), req, next)
        }))
        // Every request gets an id (a client's own, or the next number)
        // for the request log.
        .layer(SetRequestIdLayer::x_request_id(NextRequestId::default()))
        .with_state(ctx)
}

/// The CSP of both apps built in `dist`, each with its own inline loader
/// script to allow by hash.
fn app_csp(dist: &std::path::Path) -> HeaderValue {
    content_security_policy(&[dist.join("index.html"), dist.join("reserver/index.html")])
}

/// The nginx edge's include for the build in `dist` (`deploy/nginx`): the
/// same CSP as the origin's, in `$creneau_csp`, so that the edge's own
/// answers (its files, its errors) carry it too.
pub fn edge_csp_include(dist: &std::path::Path) -> anyhow::Result<String> {
    for page in ["index.html", "reserver/index.html"] {
        anyhow::ensure!(
            dist.join(page).is_file(),
            "{} is missing: build the app first (make web)",
            dist.join(page).display()
        );
    }
    let csp = app_csp(dist);
    let csp = csp.to_str().expect("ascii policy");
    // nginx quotes: the policy holds single quotes only.
    anyhow::ensure!(!csp.contains('"'), "the policy holds a double quote");
    Ok(format!(
        "# Written by `creneau edge-csp --dist {}`: the CSP of this build.\n\
         map $host $creneau_csp {{\n    default \"{csp}\";\n}}\n",
        dist.display()
    ))
}

/// Request ids for requests that come without one: a number, unique in
/// this process.
#[derive(Clone, Default)]
struct NextRequestId(Arc<std::sync::atomic::AtomicU64>);

impl MakeRequestId for NextRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&n.to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// An address neither app answers gets the app's page (which says "Page
/// introuvable") with 404 rather than 200.
async fn unknown_addresses(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut response = next.run(req).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let served_as_is =
        path.ends_with(".html") || path.starts_with("/api/") || path.starts_with("/data/");
    if is_page
        && response.status() == StatusCode::OK
        && !served_as_is
        && !creneau_model::routes::is_app_route(&path)
    {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}
