//! The request log and the request metrics, one middleware for both.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::error::Outcome;

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
pub async fn observe(req: Request, next: Next) -> Response {
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
                .get::<Outcome>()
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
