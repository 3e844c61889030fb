//! The booking flow's views, one question each:
//! - [`day`]: days with free places, ten at a time;
//! - [`time`]: the chosen day's free times, morning and afternoon;
//! - [`vaccine`]: asked only when the centre offers several;
//! - [`who`]: for oneself or for someone else (later pages say so);
//! - [`name`], [`birth`] (three fields), [`contact`] (optional);
//! - [`check`]: check answers, confirm; 409, 503 and lost connections;
//! - [`confirmation`]: reference, both appointments, print, calendar, clear;
//! - [`manage`]: find a booking by reference and birth date, cancel it.
//!
//! Shared here: the page title with "Erreur : " and the "answers missing"
//! message for a step reached without the earlier ones.

pub mod birth;
pub mod check;
pub mod confirmation;
pub mod contact;
pub mod day;
pub mod manage;
pub mod name;
pub mod time;
pub mod vaccine;
pub mod who;

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::components::error_summary::FieldError;
use crate::components::language::locale;
use crate::i18n::*;

/// The document and heading title: "Erreur : " first while errors show.
pub fn step_title(title: String, errors: RwSignal<Vec<FieldError>>) -> Signal<String> {
    let l = locale();
    Signal::derive(move || {
        if errors.read().is_empty() {
            title.clone()
        } else {
            format!("{}{title}", td_string!(l, common.error_prefix))
        }
    })
}

/// Today in the browser's calendar.
pub fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

/// Shown by a step reached without the answers before it.
#[component]
pub fn MissingAnswers() -> impl IntoView {
    let l = locale();
    view! {
        <p class="notice notice-warning">{td_string!(l, booking.missing)}</p>
        <p><a href="/" rel="external">{td_string!(l, not_found.home)}</a></p>
    }
}

/// "Retour" to the previous step.
#[component]
pub fn BackLink(#[prop(into)] href: String) -> impl IntoView {
    let l = locale();
    view! { <p class="no-print"><a class="back-link" href=href>{td_string!(l, booking.back)}</a></p> }
}

/// The "Continuer" button of every step.
#[component]
pub fn ContinueButton() -> impl IntoView {
    let l = locale();
    view! { <button type="submit" class="button">{td_string!(l, booking.next_step)}</button> }
}
