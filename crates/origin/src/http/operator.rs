//! What load balancers and operators ask of the origin: `/healthz`
//! (liveness: the process answers; costs nothing), `/readyz` (readiness:
//! the store answers and the published snapshot is younger than two
//! publishing intervals), and `/metrics` on an address of its own.

use std::path::PathBuf;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::ApiContext;

pub async fn healthz() -> Response {
    axum::Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// Ready to take traffic: the store answers within two seconds and the
/// snapshot the finder reads is fresh. A load balancer takes a 503 origin
/// out of rotation.
pub async fn readyz(State(ctx): State<ApiContext>) -> Response {
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

/// `/metrics`, for `serve --metrics-addr`: not part of [`super::app`], so the
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
