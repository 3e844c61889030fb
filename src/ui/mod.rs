//! The UI kit both flows are built from, each accessible behaviour written
//! once. It imports nothing from [`crate::finder`] or [`crate::booking`].
//! - [`layout`]: skip link, header, main, footer with the help line;
//! - [`status`]: the one polite status region and how pages announce;
//! - [`heading`]: the page's `<h1>` and title, focused after navigation;
//! - [`form`]: text inputs, radios and the date input with hint, error and
//!   ARIA, written once;
//! - [`error_summary`]: "Il y a un problème", linking to each field in error;
//! - [`centre`]: a centre in a list, its address and hours (both flows);
//! - [`centre_list`]: centres twenty at a time, "Afficher plus" moving focus
//!   to the first new one;
//! - [`geolocation`]: "Autour de moi", with a plain message when refused;
//! - [`freshness`]: "Disponibilités mises à jour à 14 h 32";
//! - [`problem`]: what to show when the snapshot cannot be read;
//! - [`phone`]: the national help line;
//! - [`language`]: French or English, the switch, the tab-only choice;
//! - [`watch`]: polling the pointer, "Nouvelles disponibilités", offline notice with backoff;
//! - [`timeout_warning`]: the GOV.UK inactivity warning, extendable, then clearing;
//! - [`not_found`]: any address neither app knows.

pub mod centre;
pub mod centre_list;
pub mod error_summary;
pub mod form;
pub mod freshness;
pub mod geolocation;
pub mod heading;
pub mod language;
pub mod layout;
pub mod not_found;
pub mod phone;
pub mod problem;
pub mod status;
pub mod timeout_warning;
pub mod watch;
