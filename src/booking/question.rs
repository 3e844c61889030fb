//! What every question starts from ([`Step`]: the answers so
//! far, or the "answers missing" message for a step reached without the
//! earlier ones; the errors; the title naming the person for a helper), the
//! frame of every step ([`StepForm`]) with its "Étape 3 sur 7"
//! ([`StepIndicator`]) and "Effacer mes réponses" ([`ClearAnswers`]), the
//! radio question ([`RadioQuestion`]), checks' problems in the person's
//! language.

use chrono::NaiveDate;
use creneau_model::booking::Booking;
use creneau_model::format::{date_with_year, slot_with_year};
use creneau_model::snapshot::{default_second_dose_window, Pointer};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::booking::state::{next_or_check, step_position, use_booking, BookingState, Draft};
use crate::i18n::*;
use crate::ui::error_summary::{ErrorSummary, FieldError};
use crate::ui::form::{error_for, Choice, ErrorMessage, Radios};
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::layout::rel_for;

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

pub use crate::ui::error_summary::in_own_language;

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

/// The days after a vaccine's interval its second injection may be given
/// on, from the publisher's rules.
pub fn second_dose_window(pointer: &Pointer) -> u32 {
    pointer
        .eligibility
        .as_ref()
        .map(|e| e.second_dose_window_days)
        .unwrap_or_else(default_second_dose_window)
}

/// A booking's injections in words, with weekday and year: held here,
/// given elsewhere (the date), or cancelled.
#[component]
pub fn Appointments(booking: Booking) -> impl IntoView {
    let l = locale();
    let when = |dose: u8| {
        booking
            .appointment(dose)
            .and_then(|a| slot_with_year(&a.at, lang()))
    };
    let first = match (when(1), &booking.first_injection_date) {
        (Some(when), _) => td_string!(l, booking.dose_1, when).to_string(),
        (None, Some(date)) => td_string!(
            l,
            booking.dose_1_elsewhere,
            date = date
                .parse()
                .map(|d| date_with_year(d, lang()))
                .unwrap_or_else(|_| date.clone())
        )
        .to_string(),
        (None, None) => String::new(),
    };
    let second = match when(2) {
        Some(when) => td_string!(l, booking.dose_2, when).to_string(),
        None => td_string!(l, booking.dose_2_cancelled).to_string(),
    };
    view! {
        <ul class="appointments" id="appointments">
            <li id="appointment-1">{first}</li>
            <li id="appointment-2">{second}</li>
        </ul>
    }
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

/// Shown by a step reached without the answers before it (opened
/// directly, or after the answers were cleared): a heading like every
/// view, and where to start again.
#[component]
pub fn MissingAnswers() -> impl IntoView {
    let l = locale();
    view! {
        <PageHeading title=td_string!(l, booking.missing_title).to_string()/>
        <p class="notice notice-warning">{td_string!(l, booking.missing)}</p>
        <p><a href="/" rel="external">{td_string!(l, not_found.home)}</a></p>
    }
}

/// "Retour" to the previous step.
#[component]
pub fn BackLink(#[prop(into)] href: String) -> impl IntoView {
    let l = locale();
    let rel = rel_for(&href);
    view! { <p class="no-print"><a class="back-link" href=href rel=rel>{td_string!(l, booking.back)}</a></p> }
}

/// The "Continuer" button of every step.
#[component]
pub fn ContinueButton() -> impl IntoView {
    let l = locale();
    view! { <button type="submit" class="button">{td_string!(l, booking.next_step)}</button> }
}

/// "Étape 3 sur 7": where this page stands in the flow, worked out from
/// the address and the answers (the vaccine question is asked only when
/// the centre offers several).
#[component]
pub fn StepIndicator() -> impl IntoView {
    let l = locale();
    let path = use_location().pathname.get_untracked();
    let draft = use_booking().draft;
    move || {
        step_position(&draft.read(), &path).map(|(n, total)| {
            view! { <p class="step-indicator" id="step-indicator">{td_string!(l, booking.step_of, n, total)}</p> }
        })
    }
}

/// "Effacer mes réponses": on every step, for a shared computer. Nothing
/// of this booking stays in the tab; the start page then says so.
#[component]
pub fn ClearAnswers() -> impl IntoView {
    let l = locale();
    let clear_answers = super::start::use_clear_answers();
    let clear = move |_| clear_answers();
    view! {
        <p class="no-print clear-answers">
            <button type="button" class="link-button" id="clear-answers" on:click=clear>{td_string!(l, booking.clear)}</button>
        </p>
    }
}

/// The frame of every step: "Retour", "Étape n sur m", the form
/// (`novalidate`: checks are ours, on submit), the error summary while
/// there are errors, the question, "Continuer", "Effacer mes réponses".
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
        <BackLink href=next_or_check(&back)/>
        <StepIndicator/>
        <form novalidate on:submit=submit>
            {move || (!errors.read().is_empty()).then(|| view! { <ErrorSummary errors=errors.get()/> })}
            {children()}
            <ContinueButton/>
        </form>
        <ClearAnswers/>
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
