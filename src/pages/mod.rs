//! One module per view:
//! - [`home`]: "Où souhaitez-vous être vacciné ?";
//! - [`choose`]: several communes fit, choose one;
//! - [`results`]: centres around a place or a position, with filters;
//! - [`departements`]: every département as a link;
//! - [`departement`]: a département's centres, soonest free slot first;
//! - [`centre`]: one centre, its hours and free places day by day;
//! - [`not_found`]: any other address;
//! - [`booking`]: the booking flow's steps (the second app, under `/reserver/`).

pub mod booking;
pub mod centre;
pub mod choose;
pub mod departement;
pub mod departements;
pub mod home;
pub mod not_found;
pub mod results;
