//! The finder, one module per view (its router is [`crate::App`]):
//! - [`home`]: "Où souhaitez-vous être vacciné ?";
//! - [`choose`]: several communes fit, or a corrected spelling: choose one;
//! - [`results`]: centres around a place or a position, with filters;
//! - [`departements`]: every département as a link;
//! - [`departement`]: a département's centres, soonest free slot first;
//! - [`centre`]: one centre, its hours and free places day by day;
//! - [`filters`]: the filters form of results and département pages, and its URL;
//! - [`prefetch`]: the booking app's files fetched while a centre page is read.

pub mod centre;
pub mod choose;
pub mod departement;
pub mod departements;
pub mod filters;
pub mod home;
pub mod prefetch;
pub mod results;
