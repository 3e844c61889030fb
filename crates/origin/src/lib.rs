//! `creneau`, the origin: everything that runs on Créneau's own servers.
//! Imports run one way, down this list: a module never imports one above it.
//!
//! - [`cli`]: the `creneau` command's subcommands and what each runs.
//! - [`server`]: the socket: connection limits, timeouts, stopping cleanly.
//! - [`http`]: the app, the snapshot and the API on one address; each
//!   error to its status code.
//! - [`publish`]: the minute-by-minute snapshot: load, build, write.
//! - [`alerts`]: "Me prévenir": sign-up with double opt-in, one-click
//!   end, and the messages each generation's free places send.
//! - [`booking`]: booking rules, eligibility, limits, errors without status
//!   codes.
//! - [`notify`]: messages to people (confirmations, reminders) by e-mail
//!   and SMS: what they say, and the sender that delivers the outbox.
//! - [`demo`]: the shipped demonstration centres.
//! - [`import`]: the official centres list, communes and postcodes.
//! - [`store`]: the store (SQLite or PostgreSQL): centres mapped once, the
//!   ledger and the SQLite writer, staff operations, migrations.
//! - [`messages`]: the API's messages, from `locales/api/*.json`.
//! - [`metrics`]: what an operator watches (Prometheus), fed by every layer.

pub mod alerts;
pub mod booking;
pub mod cli;
pub mod demo;
pub mod http;
pub mod import;
pub mod messages;
pub mod metrics;
pub mod notify;
pub mod publish;
pub mod server;
pub mod store;
