//! Errors at the HTTP edge, mapped to status codes in one place: each
//! answer is a status and a JSON body ([`ApiProblem`]: a machine-readable
//! `error`, a message in French and English, per-field messages). Internal
//! details are logged, never sent, and nothing a person typed is logged.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use creneau_model::booking::{ApiProblem, Message};

use crate::booking::Error;
use crate::messages::message;

/// What an API request can end in, short of its answer.
#[derive(Debug)]
pub enum ApiError {
    /// The request itself could not be read (not JSON, too long, too slow,
    /// not the expected shape, no usable `Idempotency-Key`).
    Unreadable {
        status: StatusCode,
        message: Message,
    },
    /// The booking layer's answer.
    Booking(Error),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Booking(e)
    }
}

impl ApiError {
    pub fn unreadable(status: StatusCode, message: Message) -> Self {
        ApiError::Unreadable { status, message }
    }
}

/// The API's error code of an answer (`slot_taken`, `overloaded`, …), as a
/// response extension, for the metrics: never sent, never anything the
/// person typed.
#[derive(Clone, Copy, Debug)]
pub struct Outcome(pub &'static str);

/// `Retry-After` while the store is unreachable: a restart or failover
/// takes seconds.
const STORE_RETRY_AFTER_SECS: u64 = 5;

fn body(error: &str, message: Option<Message>) -> ApiProblem {
    ApiProblem {
        error: error.into(),
        message,
        fields: Vec::new(),
        alternatives: Vec::new(),
        dose: None,
        retry_after: None,
    }
}

fn with_retry_after(status: StatusCode, mut problem: ApiProblem, secs: u64) -> Response {
    problem.retry_after = Some(secs);
    let mut r = (status, Json(problem)).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

fn code(e: &ApiError) -> &'static str {
    match e {
        ApiError::Unreadable { .. } => "bad_request",
        ApiError::Booking(e) => match e {
            Error::NotFound => "not_found",
            Error::UnknownLink => "unknown_link",
            Error::Invalid(_) => "invalid",
            Error::SlotTaken { .. } => "slot_taken",
            Error::NotChangeable(_) => "not_changeable",
            Error::NoSecondSlot { .. } => "no_second_dose_slot",
            Error::AlreadyBooked => "already_booked",
            Error::NotEligible(_) => "not_eligible",
            Error::KeyReused => "idempotency_key_reused",
            Error::RateLimited { .. } => "rate_limited",
            Error::Overloaded { .. } => "overloaded",
            Error::StoreUnavailable => "store_unavailable",
            Error::Internal(_) => "internal",
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let outcome = Outcome(code(&self));
        let mut response = answer(outcome.0, self);
        response.extensions_mut().insert(outcome);
        response
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        ApiError::Booking(self).into_response()
    }
}

fn answer(code: &'static str, e: ApiError) -> Response {
    use StatusCode as S;
    let e = match e {
        ApiError::Unreadable { status, message } => {
            return (status, Json(body(code, Some(message)))).into_response()
        }
        ApiError::Booking(e) => e,
    };
    let (status, problem) = match e {
        Error::NotFound => (S::NOT_FOUND, body(code, Some(message("error.not_found")))),
        Error::UnknownLink => (
            S::NOT_FOUND,
            body(code, Some(message("alert.unknown_link"))),
        ),
        Error::Invalid(fields) => {
            let mut p = body(code, Some(message("error.invalid")));
            p.fields = fields;
            (S::UNPROCESSABLE_ENTITY, p)
        }
        Error::SlotTaken { dose, alternatives } => {
            let mut p = body(
                code,
                Some(if dose == 2 {
                    message("error.second_slot_taken")
                } else {
                    message("error.slot_taken")
                }),
            );
            p.alternatives = alternatives;
            p.dose = Some(dose);
            (S::CONFLICT, p)
        }
        Error::NotChangeable(message) => (S::CONFLICT, body(code, Some(message))),
        Error::NoSecondSlot { alternatives } => {
            let mut p = body(code, Some(message("error.no_second_dose_slot")));
            p.alternatives = alternatives;
            (S::CONFLICT, p)
        }
        Error::AlreadyBooked => (
            S::CONFLICT,
            body(code, Some(message("error.already_booked"))),
        ),
        Error::NotEligible(message) => (S::FORBIDDEN, body(code, Some(message))),
        Error::KeyReused => (
            S::UNPROCESSABLE_ENTITY,
            body(code, Some(message("error.idempotency_key_reused"))),
        ),
        Error::RateLimited { retry_after_secs } => {
            return with_retry_after(
                S::TOO_MANY_REQUESTS,
                body(code, Some(message("error.rate_limited"))),
                retry_after_secs,
            )
        }
        Error::Overloaded { retry_after_secs } => {
            return with_retry_after(
                S::SERVICE_UNAVAILABLE,
                body(code, Some(message("error.overloaded"))),
                retry_after_secs,
            )
        }
        Error::StoreUnavailable => {
            return with_retry_after(
                S::SERVICE_UNAVAILABLE,
                body(code, Some(message("error.store_unavailable"))),
                STORE_RETRY_AFTER_SECS,
            )
        }
        Error::Internal(e) => {
            tracing::error!(error = %format!("{e:#}"), "internal error");
            (
                S::INTERNAL_SERVER_ERROR,
                body(code, Some(message("error.internal"))),
            )
        }
    };
    (status, Json(problem)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn an_unreachable_store_is_a_503_to_retry_not_a_500() {
        let unavailable = Error::from(StoreError::from(sqlx::Error::PoolTimedOut));
        let response = unavailable.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let refused = Error::from(StoreError::from(sqlx::Error::RowNotFound));
        assert_eq!(
            refused.into_response().status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
