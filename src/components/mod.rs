//! Pieces shared by every page, each accessible behaviour written once:
//! - [`layout`]: skip link, header, main, footer with the help line;
//! - [`status`]: the one polite status region and how pages announce;
//! - [`heading`]: the page's `<h1>` and title, focused after navigation;
//! - [`centre`]: a centre in a results list;
//! - [`filters`]: the filters form of results and département pages, and its URL;
//! - [`form`]: text inputs and radios with hint, error and ARIA, written once;
//! - [`error_summary`]: "Il y a un problème", linking to each field in error;
//! - [`geolocation`]: "Autour de moi", with a plain message when refused;
//! - [`freshness`]: "Disponibilités mises à jour à 14 h 32";
//! - [`problem`]: what to show when the snapshot cannot be read;
//! - [`language`]: French or English, the switch, the tab-only choice;
//! - [`watch`]: polling the pointer, "Nouvelles disponibilités", offline notice with backoff;
//! - [`timeout_warning`]: the GOV.UK inactivity warning, extendable, then clearing.

pub mod centre;
pub mod error_summary;
pub mod filters;
pub mod form;
pub mod freshness;
pub mod geolocation;
pub mod heading;
pub mod language;
pub mod layout;
pub mod problem;
pub mod status;
pub mod timeout_warning;
pub mod watch;
