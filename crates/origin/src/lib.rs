//! `creneau`, the origin: everything that runs on Créneau's own servers.
//!
//! - [`db`]: the store (SQLite or PostgreSQL) and its migrations.
//! - [`import`]: the official centres list, communes and postcodes.
//! - [`demo`]: the shipped demonstration centres.
//! - [`publish`]: the minute-by-minute snapshot publisher.
//! - [`http`]: the app, the snapshot and the API on one address.
//! - [`server`]: the socket: connection limits, timeouts, stopping cleanly.
//! - [`bookings`]: the booking API (book, look up, cancel), purge, day lists.
//! - [`eligibility`]: who may book, from a configuration file.
//! - [`ledger`]: the write steps of bookings, and the SQLite writer thread.
//! - [`metrics`]: what an operator watches (Prometheus), on its own address.
//! - [`limits`]: client address, rate limits, the bound on work in flight.
//! - [`person`]: who a booking is for (one per person), birth-date repair.
//! - [`error`]: the API's error type.

pub mod bookings;
pub mod db;
pub mod demo;
pub mod eligibility;
pub mod error;
pub mod http;
pub mod import;
pub mod ledger;
pub mod limits;
pub mod metrics;
pub mod person;
pub mod publish;
pub mod server;
