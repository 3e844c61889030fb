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
//! Shared here: what every question starts from ([`Step`]: the answers so
//! far, or the "answers missing" message for a step reached without the
//! earlier ones; the errors; the title naming the person for a helper), the
//! frame of every step ([`StepForm`]), the radio question
//! ([`RadioQuestion`]), checks' problems in the person's language.

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
use creneau_model::booking::FieldProblem;
use leptos::prelude::*;

use crate::booking::{use_booking, BookingState, Draft};
use crate::components::error_summary::{ErrorSummary, FieldError};
use crate::components::form::{error_for, Choice, ErrorMessage, Radios};
use crate::components::heading::PageHeading;
use crate::components::language::{lang, locale};
use crate::i18n::*;

/// What a question page starts from: the tab's booking, the answers so far
/// and the page's errors.
pub struct Step {
    pub state: BookingState,
    pub draft: Draft,
    pub errors: RwSignal<Vec<FieldError>>,
}

impl Step {
    /// `None` when an answer this page builds on is missing: the page
    /// then shows [`MissingAnswers`].
    pub fn after(answered: fn(&Draft) -> bool) -> Option<Step> {
        let state = use_booking();
        let draft = state.draft.get_untracked();
        answered(&draft).then(|| Step {
            state,
            draft,
            errors: RwSignal::new(Vec::new()),
        })
    }

    /// An `autocomplete` token, or "off" when booking for someone else:
    /// the helper's own details must not be offered for the person.
    pub fn autocomplete(&self) -> impl Fn(&'static str) -> &'static str {
        let helper = self.draft.helper();
        move |token| if helper { "off" } else { token }
    }

    /// The page's title: the helper's wording when booking for someone
    /// else, "Erreur : " first while errors show.
    pub fn title(&self, own: &str, for_someone_else: &str) -> Signal<String> {
        let title = if self.draft.helper() {
            for_someone_else
        } else {
            own
        };
        step_title(title.to_string(), self.errors)
    }
}

/// The slot is chosen.
pub fn slot_chosen(d: &Draft) -> bool {
    !d.slot.is_empty()
}

/// The slot is chosen and we know for whom.
pub fn person_known(d: &Draft) -> bool {
    slot_chosen(d) && !d.who.is_empty()
}

/// Problems found by the shared checks, in the person's language.
pub fn in_own_language(problems: impl IntoIterator<Item = FieldProblem>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|p| FieldError {
            field: p.field,
            message: p.message.get(lang()).to_string(),
        })
        .collect()
}

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

/// The frame of every step: "Retour", the form (`novalidate`: checks are
/// ours, on submit), the error summary while there are errors, the
/// question, "Continuer".
#[component]
pub fn StepForm(
    #[prop(into)] back: String,
    errors: RwSignal<Vec<FieldError>>,
    on_submit: impl Fn() + 'static,
    children: Children,
) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_submit();
    };
    view! {
        <BackLink href=back/>
        <form novalidate on:submit=submit>
            {move || (!errors.read().is_empty()).then(|| view! { <ErrorSummary errors=errors.get()/> })}
            {children()}
            <ContinueButton/>
        </form>
    }
}

/// One question answered by radios, the question being the page's `<h1>`
/// in the legend; the error (if any) is on `{name}-0`.
#[component]
pub fn RadioQuestion(
    name: &'static str,
    title: Signal<String>,
    #[prop(optional, into)] hint: Option<String>,
    choices: Vec<Choice>,
    selected: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let first = format!("{name}-0");
    let error = error_for(errors, first.clone());
    let hint_id = format!("{name}-hint");
    let has_hint = hint.is_some();
    let described = move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(format!("{name}-hint"));
        }
        if error.get().is_some() {
            ids.push(format!("{name}-0-error"));
        }
        Some(ids.join(" ")).filter(|s| !s.is_empty())
    };
    view! {
        <fieldset class="fieldset" aria-describedby=described>
            <legend class="legend-heading"><PageHeading title/></legend>
            {hint.map(|h| view! { <span class="hint" id=hint_id>{h}</span> })}
            <ErrorMessage id=first error/>
            <Radios name choices selected/>
        </fieldset>
    }
}
