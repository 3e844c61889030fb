//! The booking API's routes under `/api/v1`: each handler reads its
//! request (client address, path, headers, JSON body), calls the booking
//! service, and answers. The rules live in [`crate::booking`].
//!
//! - `POST /bookings` (with `Idempotency-Key`): book.
//! - `POST /bookings/{reference}/lookup`, `…/cancel` and `…/move`: the
//!   reference in the path, the birth date in the body (never in a URL, so
//!   never in a log).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use creneau_model::booking::{Booking, BookingRequest, CancelRequest, MoveRequest, ReferenceCheck};

use super::client::client_address;
use super::error::ApiError;
use super::ApiContext;
use crate::booking::Claim;
use crate::messages::{message, message_with};
use crate::server::BodyReadTimeout;

/// Largest request body accepted (a booking is well under 1 KiB).
pub const BODY_LIMIT: usize = 8 * 1024;
/// Time to send a body when the server has not said otherwise (`serve`
/// passes its `--body-read-timeout`).
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

pub fn routes() -> Router<ApiContext> {
    Router::new()
        .route("/bookings", post(create))
        .route("/bookings/{reference}/lookup", post(lookup))
        .route("/bookings/{reference}/cancel", post(cancel))
        .route("/bookings/{reference}/move", post(move_appointment))
}

async fn create(State(ctx): State<ApiContext>, req: Request) -> Result<Response, ApiError> {
    let client = client_address(&req, &ctx.bookings.limits.trusted_proxies);
    let _permit = ctx.bookings.admit_booking(client)?;
    let key = idempotency_key(req.headers())?;
    let request: BookingRequest = json_body(req).await?;
    let (booking, replayed) = ctx.bookings.book(request, key, Utc::now()).await?;
    let mut response = (StatusCode::CREATED, Json(booking)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The reference in the path, admitted by the limits before the body is
/// read, and the body.
async fn claimed<T: serde::de::DeserializeOwned>(
    ctx: &ApiContext,
    reference: &str,
    req: Request,
) -> Result<(Claim, T), ApiError> {
    let client = client_address(&req, &ctx.bookings.limits.trusted_proxies);
    let claim = ctx.bookings.claim(client, reference)?;
    Ok((claim, json_body(req).await?))
}

async fn lookup(
    State(ctx): State<ApiContext>,
    Path(reference): Path<String>,
    req: Request,
) -> Result<Json<Booking>, ApiError> {
    let (claim, body): (_, ReferenceCheck) = claimed(&ctx, &reference, req).await?;
    Ok(Json(ctx.bookings.lookup(&claim, &body.birth_date).await?))
}

async fn cancel(
    State(ctx): State<ApiContext>,
    Path(reference): Path<String>,
    req: Request,
) -> Result<Json<Booking>, ApiError> {
    let (claim, body): (_, CancelRequest) = claimed(&ctx, &reference, req).await?;
    Ok(Json(ctx.bookings.cancel(&claim, body, Utc::now()).await?))
}

async fn move_appointment(
    State(ctx): State<ApiContext>,
    Path(reference): Path<String>,
    req: Request,
) -> Result<Json<Booking>, ApiError> {
    let (claim, body): (_, MoveRequest) = claimed(&ctx, &reference, req).await?;
    Ok(Json(
        ctx.bookings
            .move_appointment(&claim, body, Utc::now())
            .await?,
    ))
}

/// The body as JSON of type `T`, or a 4xx that says what is wrong and
/// where, without echoing what was sent.
pub(super) async fn json_body<T: serde::de::DeserializeOwned>(req: Request) -> Result<T, ApiError> {
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
        return Err(ApiError::unreadable(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message("request.not_json"),
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
            ApiError::unreadable(StatusCode::REQUEST_TIMEOUT, message("request.too_slow"))
        })?
        .map_err(|_| {
            ApiError::unreadable(StatusCode::PAYLOAD_TOO_LARGE, message("request.too_long"))
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let at = [("line", e.line().into()), ("column", e.column().into())];
        if e.is_data() {
            ApiError::unreadable(
                StatusCode::UNPROCESSABLE_ENTITY,
                message_with("request.wrong_shape", &at),
            )
        } else {
            ApiError::unreadable(
                StatusCode::BAD_REQUEST,
                message_with("request.not_valid_json", &at),
            )
        }
    })
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
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
        return Err(ApiError::unreadable(
            StatusCode::BAD_REQUEST,
            message("request.idempotency_key"),
        ));
    }
    Ok(key.to_string())
}
