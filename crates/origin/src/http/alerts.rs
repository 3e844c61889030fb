//! The alert API's routes under `/api/v1` ("Me prévenir"):
//!
//! - `POST /alerts`: sign up; 202 with the same answer whatever became of
//!   it (a confirmation message sent, or nothing because the recipient is
//!   over its limits), so it never tells whether an address is subscribed.
//!   Per client address, a rate limit (429).
//! - `POST /alerts/confirm?token=…`: the confirmation link's token.
//! - `POST /alerts/unsubscribe?token=…`: the one-click end, also the
//!   address of an e-mail's `List-Unsubscribe` header, which a mail client
//!   POSTs `List-Unsubscribe=One-Click` to (RFC 8058): the body is not read.
//!
//! Tokens travel in the query string, which the request log leaves out.

use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{SecondsFormat, Utc};
use creneau_model::alerts::{AlertAccepted, AlertConfirmed, AlertRequest};

use super::bookings::json_body;
use super::client::client_address;
use super::error::ApiError;
use super::ApiContext;
use crate::messages::message;

pub fn routes() -> Router<ApiContext> {
    Router::new()
        .route("/alerts", post(sign_up))
        .route("/alerts/confirm", post(confirm))
        .route("/alerts/unsubscribe", post(unsubscribe))
}

async fn sign_up(State(ctx): State<ApiContext>, req: Request) -> Result<Response, ApiError> {
    let client = client_address(&req, &ctx.bookings.limits.trusted_proxies);
    ctx.bookings.admit_alert_sign_up(client)?;
    let request: AlertRequest = json_body(req).await?;
    ctx.alerts.sign_up(request, Utc::now()).await?;
    let accepted = AlertAccepted {
        message: message("alert.accepted"),
    };
    Ok((StatusCode::ACCEPTED, Json(accepted)).into_response())
}

/// The `token` of a query string, or an empty one.
fn token(query: Option<String>) -> String {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn confirm(
    State(ctx): State<ApiContext>,
    RawQuery(query): RawQuery,
) -> Result<Json<AlertConfirmed>, ApiError> {
    let until = ctx.alerts.confirm(&token(query), Utc::now()).await?;
    Ok(Json(AlertConfirmed {
        expires_at: until.to_rfc3339_opts(SecondsFormat::Secs, true),
    }))
}

async fn unsubscribe(
    State(ctx): State<ApiContext>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, ApiError> {
    ctx.alerts.unsubscribe(&token(query), Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
