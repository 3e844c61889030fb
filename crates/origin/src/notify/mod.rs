//! Messages to people: the confirmation of a booking, of a move or a
//! cancellation, and a reminder the day before each injection, by e-mail
//! and SMS, in the booking's language.
//!
//! A booking step writes its messages into the outbox in its own
//! transaction (`store::outbox`, through the ledger): a booking never
//! exists without its messages, nor a message without its booking. The
//! [`sender::Sender`] takes them from there, delivers them, tries again
//! with backoff, and empties each row's personal data once it is sent or
//! given up.
//!
//! - [`compose`]: what each message says, for each channel.
//! - [`alert`]: what an alert's messages say ("Me prévenir").
//! - [`email`]: SMTP with `lettre`.
//! - [`sms`]: an HTTP SMS gateway described in a file.
//! - [`sender`]: the task that delivers the outbox.

pub mod alert;
pub mod compose;
pub mod email;
pub mod sender;
pub mod sms;

/// Deliveries in flight at once. Each SMTP delivery waits about 40 ms on
/// the relay's delayed ACK (lettre writes the body and its final dot
/// separately, without TCP_NODELAY), so throughput comes from many at once:
/// 8 delivered about 130 a second to a local relay, 32 about 375
/// (`make bench`).
pub const IN_FLIGHT: usize = 32;

/// How one delivery went.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Worth trying again later (a relay or gateway down or busy). The
    /// reason names no person: a code, never the server's text.
    Failed(String),
    /// Refused for good (no such mailbox, a malformed number).
    Refused(String),
}
