//! The API's one error type. Each variant maps to a status code; internal
//! details are logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("overloaded")]
    Overloaded { retry_after_secs: u64 },
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::NotFound => (
                StatusCode::NOT_FOUND,
                Json(json!({ "error": "not_found", "message": { "fr": "Adresse inconnue.", "en": "Unknown address." } })),
            )
                .into_response(),
            Error::Overloaded { retry_after_secs } => {
                let mut r = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(json!({ "error": "overloaded", "retry_after": retry_after_secs })),
                )
                    .into_response();
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                r
            }
            Error::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "error": "internal", "message": { "fr": "Erreur du serveur. Réessayez plus tard.", "en": "Server error. Please try again later." } })),
                )
                    .into_response()
            }
        }
    }
}
