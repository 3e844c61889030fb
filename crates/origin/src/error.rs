//! The API's one error type. Each variant maps to a status code and a JSON
//! body ([`ApiProblem`]: a machine-readable `error`, a message in French and
//! English, per-field messages); internal details are logged, never sent,
//! and nothing a person typed is ever logged.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use creneau_model::booking::{ApiProblem, FieldProblem, Message};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// The request body could not be read as JSON of the right shape.
    #[error("unreadable request ({status})")]
    BadRequest {
        status: StatusCode,
        message: Message,
    },
    /// One message per field in error.
    #[error("invalid fields")]
    Invalid(Vec<FieldProblem>),
    /// The slot chosen for injection `dose` is full; `alternatives` are
    /// free ones for that injection.
    #[error("slot taken")]
    SlotTaken { dose: u8, alternatives: Vec<String> },
    /// The booking cannot be changed that way (cancelled, or the
    /// injection is not held here).
    #[error("not changeable")]
    NotChangeable(Message),
    /// No second-injection slot in the window after the interval.
    #[error("no second-dose slot")]
    NoSecondSlot { alternatives: Vec<String> },
    /// This person already has a booking to come.
    #[error("already booked")]
    AlreadyBooked,
    /// The eligibility rules refuse this booking.
    #[error("not eligible")]
    NotEligible(Message),
    /// The same Idempotency-Key came with another request.
    #[error("idempotency key reused")]
    KeyReused,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("overloaded")]
    Overloaded { retry_after_secs: u64 },
    #[error("the store is unreachable")]
    StoreUnavailable,
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if store_unreachable(&e) {
            tracing::warn!(error = %e, "the store is unreachable");
            Error::StoreUnavailable
        } else {
            Error::Internal(e.into())
        }
    }
}

/// The store cannot be reached for now (a restarting or failed-over
/// PostgreSQL, a full pool): the request may succeed if sent again, so
/// the answer is a 503 the app retries, not a 500.
pub fn store_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), and the server
        // shutting down, crashed, or starting up (57P01–57P03).
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

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

/// `Retry-After` while the store is unreachable: a restart or failover
/// takes seconds.
const STORE_RETRY_AFTER_SECS: u64 = 5;

/// The API's error code of an answer (`slot_taken`, `overloaded`, …), as a
/// response extension, for the metrics: never sent, never anything the
/// person typed.
#[derive(Clone, Copy, Debug)]
pub struct Outcome(pub &'static str);

impl Error {
    fn code(&self) -> &'static str {
        match self {
            Error::NotFound => "not_found",
            Error::BadRequest { .. } => "bad_request",
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
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let outcome = Outcome(self.code());
        let mut response = self.answer();
        response.extensions_mut().insert(outcome);
        response
    }
}

impl Error {
    fn answer(self) -> Response {
        use StatusCode as S;
        let m = Message::new;
        let (status, problem) = match self {
            Error::NotFound => (S::NOT_FOUND, body("not_found", Some(m("Introuvable. Vérifiez la référence et la date de naissance.", "Not found. Check the reference and the date of birth.")))),
            Error::BadRequest { status, message } => (status, body("bad_request", Some(message))),
            Error::Invalid(fields) => {
                let mut p = body("invalid", Some(m("Certaines réponses sont à corriger.", "Some answers need correcting.")));
                p.fields = fields;
                (S::UNPROCESSABLE_ENTITY, p)
            }
            Error::SlotTaken { dose, alternatives } => {
                let mut p = body("slot_taken", Some(if dose == 2 {
                    m("Le créneau choisi pour la deuxième injection vient d’être pris. Choisissez un autre horaire.", "The slot chosen for the second injection has just been taken. Choose another time.")
                } else {
                    m("Ce créneau vient d’être pris. Choisissez un autre horaire.", "This slot has just been taken. Choose another time.")
                }));
                p.alternatives = alternatives;
                p.dose = Some(dose);
                (S::CONFLICT, p)
            }
            Error::NotChangeable(message) => (S::CONFLICT, body("not_changeable", Some(message))),
            Error::NoSecondSlot { alternatives } => {
                let mut p = body("no_second_dose_slot", Some(m("Il n’y a plus de place pour la deuxième injection à la date prévue. Choisissez un autre jour pour la première.", "There is no room left for the second injection on the planned date. Choose another day for the first.")));
                p.alternatives = alternatives;
                (S::CONFLICT, p)
            }
            Error::AlreadyBooked => (S::CONFLICT, body("already_booked", Some(m("Cette personne a déjà un rendez-vous à venir. Pour le voir, le déplacer ou l’annuler, allez à « Gérer mon rendez-vous ».", "This person already has an appointment to come. To see, move or cancel it, go to “Manage my appointment”.")))),
            Error::NotEligible(message) => (S::FORBIDDEN, body("not_eligible", Some(message))),
            Error::KeyReused => (S::UNPROCESSABLE_ENTITY, body("idempotency_key_reused", Some(m("Cette demande a déjà été envoyée avec d’autres réponses. Recommencez la réservation.", "This request was already sent with other answers. Start the booking again.")))),
            Error::RateLimited { retry_after_secs } => {
                return with_retry_after(S::TOO_MANY_REQUESTS, body("rate_limited", Some(m("Trop de demandes depuis cette connexion. Patientez un peu, puis réessayez.", "Too many requests from this connection. Wait a little, then try again."))), retry_after_secs)
            }
            Error::Overloaded { retry_after_secs } => {
                return with_retry_after(S::SERVICE_UNAVAILABLE, body("overloaded", Some(m("Beaucoup de demandes en ce moment. Réessayez dans quelques secondes.", "Many requests at the moment. Try again in a few seconds."))), retry_after_secs)
            }
            Error::StoreUnavailable => {
                return with_retry_after(S::SERVICE_UNAVAILABLE, body("store_unavailable", Some(m("Le service est momentanément indisponible. Réessayez dans quelques secondes.", "The service is briefly unavailable. Try again in a few seconds."))), STORE_RETRY_AFTER_SECS)
            }
            Error::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                (S::INTERNAL_SERVER_ERROR, body("internal", Some(m("Erreur du serveur. Réessayez plus tard.", "Server error. Please try again later."))))
            }
        };
        (status, Json(problem)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_store_is_a_503_to_retry_not_a_500() {
        let eof = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        assert!(store_unreachable(&eof));
        assert!(store_unreachable(&sqlx::Error::PoolTimedOut));
        assert!(!store_unreachable(&sqlx::Error::RowNotFound));
        let response = Error::from(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let response = Error::from(sqlx::Error::RowNotFound).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
