//! "Gérer mon rendez-vous": the reference and the date of birth (sent in
//! the request body, never in the address), the booking's details, and
//! cancellation after a confirmation step.

use creneau_model::booking::{birth_date_from_parts, normalise_reference, Booking};
use creneau_model::format::slot_in_words;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{step_title, today};
use crate::api::{self, BookingFailure};
use crate::components::error_summary::{ErrorSummary, FieldError};
use crate::components::form::{error_for, DatePart, ErrorMessage, TextField};
use crate::components::heading::PageHeading;
use crate::components::language::{lang, locale};
use crate::components::status::use_announcer;
use crate::i18n::*;

#[derive(Clone, Debug, PartialEq)]
enum View {
    Form,
    Found(Booking, String),
    Confirming(Booking, String),
    Cancelled,
}

#[component]
pub fn ManagePage() -> impl IntoView {
    let l = locale();
    let announcer = use_announcer();
    let view_state = RwSignal::new(View::Form);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let reference = RwSignal::new(String::new());
    let (day, month, year) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let busy = RwSignal::new(false);
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = Vec::new();
        let canonical = normalise_reference(&reference.get_untracked());
        if canonical.is_none() {
            found.push(FieldError {
                field: "reference".into(),
                message: td_string!(l, booking.reference_invalid).into(),
            });
        }
        let birth = birth_date_from_parts(
            &day.get_untracked(),
            &month.get_untracked(),
            &year.get_untracked(),
            today(),
        );
        if let Err(m) = &birth {
            found.push(FieldError {
                field: "gerer-jour".into(),
                message: m.get(lang()).to_string(),
            });
        }
        let (Some(reference), Ok(birth)) = (canonical, birth) else {
            errors.set(found);
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let birth = birth.to_string();
            let outcome = api::manage_booking(&reference, &birth, false).await;
            busy.set(false);
            match outcome {
                Ok(b) => {
                    errors.set(Vec::new());
                    view_state.set(View::Found(b, birth));
                }
                Err(failure) => errors.set(vec![FieldError {
                    field: "reference".into(),
                    message: failure_text(&failure),
                }]),
            }
        });
    };
    let cancel = move |_| {
        let View::Confirming(b, birth) = view_state.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match api::manage_booking(&b.reference, &birth, true).await {
                Ok(_) => {
                    announcer.say(td_string!(l, booking.cancelled_title));
                    view_state.set(View::Cancelled);
                }
                Err(failure) => {
                    announcer.say(failure_text(&failure));
                    view_state.set(View::Found(b, birth));
                }
            }
            busy.set(false);
        });
    };
    move || match view_state.get() {
        View::Form => {
            let title = step_title(td_string!(l, booking.manage_title).to_string(), errors);
            let date_error = error_for(errors, "gerer-jour");
            let invalid = Signal::derive(move || date_error.get().is_some());
            view! {
                <PageHeading title/>
                <p>{td_string!(l, booking.manage_intro)}</p>
                <form novalidate on:submit=find>
                    {move || (!errors.read().is_empty()).then(|| view! { <ErrorSummary errors=errors.get()/> })}
                    <TextField id="reference" label=td_string!(l, booking.reference_label) hint=td_string!(l, booking.reference_example) value=reference error=error_for(errors, "reference") class="input input-10" required=true/>
                    <fieldset class="fieldset" role="group" aria-describedby=move || date_error.get().map(|_| "gerer-jour-error")>
                        <legend>{td_string!(l, booking.check_birth)}</legend>
                        <ErrorMessage id="gerer-jour" error=date_error/>
                        <div class="date-input">
                            <DatePart id="gerer-jour" label=td_string!(l, booking.day) value=day invalid autocomplete="off"/>
                            <DatePart id="gerer-mois" label=td_string!(l, booking.month) value=month invalid autocomplete="off"/>
                            <DatePart id="gerer-annee" label=td_string!(l, booking.year) value=year invalid autocomplete="off" class="input input-4"/>
                        </div>
                    </fieldset>
                    <button type="submit" class="button" aria-disabled=move || if busy.get() { "true" } else { "false" }>{td_string!(l, booking.find)}</button>
                </form>
            }
            .into_any()
        }
        View::Found(b, birth) => {
            let status = if b.status == "cancelled" {
                td_string!(l, booking.status_cancelled)
            } else {
                td_string!(l, booking.status_confirmed)
            };
            let confirmed = b.status == "confirmed";
            let when = |i: usize| {
                b.appointments
                    .get(i)
                    .and_then(|a| slot_in_words(&a.at, lang()))
                    .unwrap_or_default()
            };
            let to_confirm = (b.clone(), birth.clone());
            view! {
                <PageHeading title=status.to_string()/>
                <p>{td_string!(l, booking.reference)}{td_string!(l, common.colon)}<strong class="reference">{b.reference.clone()}</strong></p>
                <ul class="appointments">
                    <li>{td_string!(l, booking.dose_1, when = when(0))}</li>
                    <li>{td_string!(l, booking.dose_2, when = when(1))}</li>
                </ul>
                <p>{td_string!(l, booking.at_centre, name = b.centre.name.clone(), address = format!("{}, {} {}", b.centre.address, b.centre.postcode, b.centre.commune))}</p>
                <p>{format!("{} {}", b.person.first_name, b.person.last_name)}</p>
                {confirmed.then(|| view! {
                    <button type="button" class="button button-warning" on:click=move |_| view_state.set(View::Confirming(to_confirm.0.clone(), to_confirm.1.clone()))>{td_string!(l, booking.cancel)}</button>
                })}
            }
            .into_any()
        }
        View::Confirming(b, birth) => {
            let back = (b.clone(), birth.clone());
            view! {
                <PageHeading title=td_string!(l, booking.cancel_title).to_string()/>
                <p>{td_string!(l, booking.cancel_warning)}</p>
                <div class="actions">
                    <button type="button" class="button button-warning" id="cancel-yes" on:click=cancel aria-disabled=move || if busy.get() { "true" } else { "false" }>{td_string!(l, booking.cancel_yes)}</button>
                    <button type="button" class="button button-secondary" on:click=move |_| view_state.set(View::Found(back.0.clone(), back.1.clone()))>{td_string!(l, booking.cancel_no)}</button>
                </div>
            }
            .into_any()
        }
        View::Cancelled => view! {
            <PageHeading title=td_string!(l, booking.cancelled_title).to_string()/>
            <p>{td_string!(l, booking.cancelled_text)}</p>
            <p><a href="/" rel="external">{td_string!(l, not_found.home)}</a></p>
        }
        .into_any(),
    }
}

fn failure_text(failure: &BookingFailure) -> String {
    let l = locale();
    match failure {
        BookingFailure::Refused(p) if p.error == "not_found" => {
            td_string!(l, booking.not_found).to_string()
        }
        BookingFailure::Busy { .. } => td_string!(l, booking.too_many).to_string(),
        BookingFailure::Refused(p) => p
            .message
            .as_ref()
            .map(|m| m.get(lang()).to_string())
            .unwrap_or_default(),
        _ => crate::components::problem::explain(&crate::api::ApiError::Network).to_string(),
    }
}
