//! Why a booking, lookup, cancellation or move did not happen: the
//! booking layer's one error type, without status codes (the HTTP edge
//! maps each to its status and JSON body, `http::error`).
//! Messages are in French and English; nothing a person typed goes into
//! one, nor into a log.

use creneau_model::booking::{FieldProblem, Message};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// An alert's confirmation or unsubscribe link that is unknown, ended
    /// or too old.
    #[error("unknown link")]
    UnknownLink,
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

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable => Error::StoreUnavailable,
            StoreError::Other(e) => Error::Internal(e),
        }
    }
}

impl Error {
    /// One field's problem.
    pub fn field(field: &str, message: Message) -> Self {
        Error::Invalid(vec![FieldProblem {
            field: field.into(),
            message,
        }])
    }
}
