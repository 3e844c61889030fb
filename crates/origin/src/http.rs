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
//! [`metrics_app`] serves on an address of its own.
//!
//! Static files are served precompressed (`.br`, `.gz`) by `Accept-Encoding`,
//! with ETags and conditional requests, and every response carries the
//! security headers, including a CSP without `unsafe-inline` (Trunk's inline
//! loader is allowed by its hash).

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::services::{ServeDir, ServeFile};

use crate::bookings::Bookings;
use crate::db::Pool;
use crate::error::Error;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct ApiContext {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub bookings: Arc<Bookings>,
}

/// The OpenAPI document of `/api/v1`, kept true to the code by the tests
/// that validate every answer against it.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

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
    let csp = content_security_policy(&[ctx.config.dist.join("index.html"), booking_index.clone()]);
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
    let api = crate::bookings::routes()
        .route(
            "/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .fallback(|| async { Error::NotFound })
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

/// The route an address belongs to, as a template: what the request log
/// and the metrics name, never the address itself (a booking's reference is
/// in its path), and few enough values to label a metric.
pub fn route_template(path: &str) -> &'static str {
    match path {
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/api/v1/bookings" => "/api/v1/bookings",
        "/api/v1/openapi.json" => "/api/v1/openapi.json",
        _ => {
            if let Some(rest) = path.strip_prefix("/api/v1/bookings/") {
                match rest.split_once('/').map(|(_, action)| action) {
                    Some("lookup") => "/api/v1/bookings/{reference}/lookup",
                    Some("cancel") => "/api/v1/bookings/{reference}/cancel",
                    Some("move") => "/api/v1/bookings/{reference}/move",
                    _ => "/api/*",
                }
            } else if path.starts_with("/api/") {
                "/api/*"
            } else if path.starts_with("/data/") {
                "/data/*"
            } else if path.starts_with("/reserver/") || path == "/reserver" {
                "/reserver/*"
            } else {
                "/*"
            }
        }
    }
}

/// The request log and the request metrics. Logged: method, route
/// template, status, duration and request id; never a body, a query, an
/// address or a header a person filled in. A client's request id is logged
/// only when it looks like one (at most 64 letters, digits, `-`, `_`, `.`).
async fn observe(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let route = route_template(req.uri().path());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .unwrap_or("-")
        .to_string();
    let metrics = crate::metrics::metrics();
    let is_api = route.starts_with("/api/");
    if is_api {
        metrics.in_flight.inc();
    }
    let response = next.run(req).await;
    if is_api {
        metrics.in_flight.dec();
    }
    let status = response.status();
    metrics
        .requests
        .get_or_create(&crate::metrics::RouteLabels {
            route: route.to_string(),
            status: status.as_u16().to_string(),
        })
        .inc();
    if route == "/api/v1/bookings" && method == Method::POST {
        let outcome = match status {
            StatusCode::CREATED => "created",
            StatusCode::OK => "replayed",
            _ => response
                .extensions()
                .get::<crate::error::Outcome>()
                .map_or("other", |o| o.0),
        };
        metrics
            .bookings
            .get_or_create(&crate::metrics::OutcomeLabels {
                outcome: outcome.to_string(),
            })
            .inc();
    }
    tracing::info!(
        target: "creneau::request",
        method = %method,
        route,
        status = status.as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        request_id,
    );
    response
}

/// `/metrics`, for `serve --metrics-addr`: not part of [`app`], so the
/// public address never shows it.
pub fn metrics_app(snapshot_dir: PathBuf) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let snapshot_dir = snapshot_dir.clone();
            async move {
                if let Some(age) = snapshot_age(&snapshot_dir).await {
                    crate::metrics::metrics()
                        .snapshot_age
                        .set(age.as_secs_f64());
                }
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    crate::metrics::render(),
                )
            }
        }),
    )
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

async fn healthz() -> Response {
    axum::Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// Ready to take traffic: the store answers within two seconds and the
/// snapshot the finder reads is fresh. A load balancer takes a 503 origin
/// out of rotation.
async fn readyz(State(ctx): State<ApiContext>) -> Response {
    let probe = sqlx::query("SELECT 1").execute(&ctx.pool);
    let store = matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), probe).await,
        Ok(Ok(_))
    );
    let age = snapshot_age(&ctx.config.snapshot_dir).await;
    let fresh = age.is_some_and(|age| age <= ctx.config.snapshot_interval * 2);
    let status = if store && fresh {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(serde_json::json!({
            "store": store,
            "snapshot": fresh,
            "snapshot_age_seconds": age.map(|a| a.as_secs()),
        })),
    )
        .into_response()
}

/// How long ago the published generation was made (its pointer's
/// `generated_at`), or `None` without one.
pub async fn snapshot_age(snapshot_dir: &std::path::Path) -> Option<std::time::Duration> {
    let text = tokio::fs::read(snapshot_dir.join("latest.json"))
        .await
        .ok()?;
    let pointer: creneau_model::snapshot::Pointer = serde_json::from_slice(&text).ok()?;
    let at = chrono::DateTime::parse_from_rfc3339(&pointer.generated_at).ok()?;
    (chrono::Utc::now() - at.with_timezone(&chrono::Utc))
        .to_std()
        .ok()
        .or(Some(std::time::Duration::ZERO))
}

/// Cache-Control by kind of file, and ETags with `If-None-Match`.
async fn caching(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_read = req.method() == Method::GET || req.method() == Method::HEAD;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let mut response = next.run(req).await;
    if !is_read || path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        return response;
    }
    let cache = cache_control(&path, response.headers());
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    if response.status() != StatusCode::OK {
        return response;
    }
    let Some(etag) = etag(response.headers()) else {
        return response;
    };
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [
            header::CACHE_CONTROL,
            header::VARY,
            header::LAST_MODIFIED,
            header::CONTENT_ENCODING,
        ] {
            if let Some(v) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        not_modified
            .headers_mut()
            .insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"));
        return not_modified;
    }
    response
        .headers_mut()
        .insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"));
    response
}

fn cache_control(path: &str, headers: &HeaderMap) -> &'static str {
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if path == "/data/latest.json" {
        "public, max-age=30, stale-while-revalidate=30"
    } else if path.starts_with("/data/") {
        // Generations and search directories are never rewritten in place.
        "public, max-age=31536000, immutable"
    } else if !is_html && has_content_hash(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// Trunk names built assets `name-<16 hex>.ext`.
fn has_content_hash(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A weak validator from what the file service already knows: size,
/// modification time and encoding (each variant has its own tag).
fn etag(headers: &HeaderMap) -> Option<String> {
    let modified = headers.get(header::LAST_MODIFIED)?.to_str().ok()?;
    let length = headers.get(header::CONTENT_LENGTH)?.to_str().ok()?;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity");
    let mut h = Sha256::new();
    h.update(modified.as_bytes());
    h.update(length.as_bytes());
    h.update(encoding.as_bytes());
    let digest = h.finalize();
    Some(format!(
        "W/\"{}\"",
        digest
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// The headers every answer carries besides its CSP, also written into the
/// few answers hyper makes itself (see the `server` module).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    (
        "permissions-policy",
        "geolocation=(self), camera=(), microphone=(), interest-cohort=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
];

/// HSTS: a year, sent only when the request reached the trusted proxy over
/// HTTPS (`X-Forwarded-Proto: https` from a `--trusted-proxy`); a browser
/// ignores it over plain HTTP, and a client's own header is not believed.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

async fn security_headers(
    csp: HeaderValue,
    trusted: Arc<Vec<std::net::IpAddr>>,
    req: Request,
    next: Next,
) -> Response {
    let over_https = came_over_https(&req, &trusted);
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    for (name, value) in SECURITY_HEADERS {
        h.insert(*name, HeaderValue::from_static(value));
    }
    if over_https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}

fn came_over_https(req: &Request, trusted: &[std::net::IpAddr]) -> bool {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    peer.is_some_and(|p| trusted.contains(&p))
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The CSP, allowing each inline `<script>` of `index.html` by its SHA-256
/// (Trunk writes its loader inline) and WebAssembly compilation, and
/// nothing inline otherwise.
pub fn content_security_policy(index_files: &[PathBuf]) -> HeaderValue {
    let pages: Vec<String> = index_files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .collect();
    let mut scripts: Vec<&str> = pages.iter().flat_map(|html| inline_scripts(html)).collect();
    scripts.dedup();
    let hashes: String = scripts
        .iter()
        .map(|s| {
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
            )
        })
        .collect();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).expect("ascii policy")
}

/// The bodies of `<script>` elements that have no `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hashes_are_recognised() {
        assert!(has_content_hash("/creneau-web-0123456789abcdef_bg.wasm"));
        assert!(has_content_hash("/creneau-web-0123456789abcdef.js"));
        assert!(has_content_hash("/style-0123456789abcdef.css"));
        assert!(!has_content_hash("/index.html"));
        assert!(!has_content_hash("/centre/12"));
    }

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html =
            r#"<script src="/a.js"></script><script type="module">import x from '/x.js';</script>"#;
        assert_eq!(inline_scripts(html), ["import x from '/x.js';"]);
    }
}
