//! The booking flow: a second, smaller app served under `/reserver/`, so
//! the finder's first load does not carry it (both are built from this
//! library; each binary keeps only what it uses).
//!
//! One question per page, the GOV.UK way: date of birth with the
//! eligibility rule (a refusal at once) → day → time → vaccine (when the
//! centre offers several) → the second injection (proposed, or another day
//! and time of its window) → for whom → name → contact (optional) → check
//! answers → confirmation. At a centre giving only second injections: date
//! of birth → the first injection's date → vaccine → day → time → for whom
//! → … And "Gérer mon rendez-vous": look up, move either injection, cancel
//! the second or both.
//!
//! The answers and the confirmation live in this tab only ([`state`]).
//!
//! - [`app`]: the router under `/reserver/`, and `mount`;
//! - [`state`]: the answers and confirmation in this tab, the steps'
//!   addresses and numbering;
//! - [`question`]: what every question starts from and its frame;
//! - [`birth`]: eligibility first: the rule in words, the date of birth;
//! - [`day`]: days with free places, ten at a time;
//! - [`time`]: the chosen day's free times, morning and afternoon (also
//!   for the second injection's day);
//! - [`vaccine`]: asked only when the centre offers several;
//! - [`second`]: the second injection proposed, or another day of its window;
//! - [`first_dose`]: at a centre giving only second injections, when the
//!   first was given;
//! - [`who`]: for oneself or for someone else (later pages say so);
//! - [`name`], [`contact`] (optional);
//! - [`check`]: check answers, confirm; 409, 503 and lost connections;
//! - [`confirmation`]: reference, both appointments, print, calendar, clear;
//! - [`manage`]: find a booking by reference and birth date; cancel it,
//!   or its second injection only;
//! - [`moving`]: a new day and time for either injection of a booking;
//! - [`start`]: `/reserver/` opened on its own, and after clearing;
//! - [`alert`]: "Me prévenir": the sign-up, and the pages its messages'
//!   links open.

pub mod alert;
pub mod app;
pub mod birth;
pub mod check;
pub mod confirmation;
pub mod contact;
pub mod day;
pub mod first_dose;
pub mod manage;
pub mod moving;
pub mod name;
pub mod question;
pub mod second;
pub mod start;
pub mod state;
pub mod time;
pub mod vaccine;
pub mod who;

pub use app::mount;
