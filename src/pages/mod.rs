//! One module per view:
//! - [`home`]: choose a département;
//! - [`departement`]: its centres, soonest free slot first;
//! - [`not_found`]: any other address.

pub mod departement;
pub mod home;
pub mod not_found;
