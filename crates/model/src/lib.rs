//! Créneau's shared model: the types and pure logic that both the origin
//! (`creneau`, native) and the web app (WebAssembly) use, so the snapshot the
//! origin writes is exactly the snapshot the app reads.
//!
//! - [`hours`]: opening hours as published (free text) parsed into intervals.
//! - [`slots`]: bookable slots from hours × throughput in a centre's time zone
//!   (feature `slots`, origin only: it carries the time-zone tables).
//! - [`search`]: the finder: queries, places, radius, filters, sorting.
//! - [`snapshot`]: the JSON snapshot schema (pointer, index, département,
//!   centre and search files).
//! - [`booking`]: the booking API's request and answers, field checks with
//!   French and English messages, eligibility age, references.
//! - [`calendar`]: the confirmation's iCalendar file (RFC 5545).
//! - [`format`]: dates and times in words, French and English.
//! - [`geo`]: distances and the départements' time zones.
//! - [`text`]: search normalisation (accents, case, "St"/"Saint").
//! - [`routes`]: both apps' addresses, so the origin answers 404 for others.
//! - [`sms`]: a text message's encoding (GSM-7 or UCS-2) and segments.
//! - [`alerts`]: "Me prévenir": the sign-up and its checks, and which
//!   alerts a generation's free places answer.

pub mod alerts;
pub mod booking;
pub mod calendar;
pub mod format;
pub mod geo;
pub mod hours;
pub mod routes;
pub mod search;
#[cfg(feature = "slots")]
pub mod slots;
pub mod sms;
pub mod snapshot;
pub mod text;
