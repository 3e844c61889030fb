//! "Gérer mon rendez-vous": the reference and the date of birth (sent in
//! the request body, never in the address), the booking's details; moving
//! either injection (on [`super::moving`]'s pages), cancelling the second
//! only or the whole booking, each after a confirmation step. The booking
//! found stays in this page's memory while it is being changed.
//!
//! The link in a confirmation or reminder message gives the reference
//! (`?ref=`), which fills its field; the birth date is asked here, never
//! carried in a link.

use creneau_model::booking::{birth_date_from_parts, normalise_reference};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use super::question::{step_title, today, Appointments};
use crate::api::{self, BookingFailure};
use crate::booking::state::{step, use_booking};
use crate::i18n::*;
use crate::ui::error_summary::{ErrorSummary, FieldError};
use crate::ui::form::{error_for, DatePart, ErrorMessage, TextField};
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::status::use_announcer;

#[derive(Clone, Debug, PartialEq)]
enum View {
    Form,
    Found,
    /// Asking before cancelling: the whole booking, or its second only.
    Confirming {
        only_second: bool,
    },
    Cancelled,
}

#[component]
pub fn ManagePage() -> impl IntoView {
    let l = locale();
    let announcer = use_announcer();
    let state = use_booking();
    let view_state = RwSignal::new(if state.managed.with_untracked(Option::is_some) {
        View::Found
    } else {
        View::Form
    });
    if let Some(notice) = state.managed_notice.get_untracked() {
        announcer.say(notice);
    }
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let from_link = use_query_map()
        .read_untracked()
        .get("ref")
        .and_then(|r| normalise_reference(&r))
        .unwrap_or_default();
    let reference = RwSignal::new(from_link);
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
            let outcome = api::lookup_booking(&reference, &birth).await;
            busy.set(false);
            match outcome {
                Ok(b) => {
                    errors.set(Vec::new());
                    state.managed_notice.set(None);
                    state.managed.set(Some((b, birth)));
                    view_state.set(View::Found);
                }
                Err(failure) => errors.set(vec![FieldError {
                    field: "reference".into(),
                    message: failure_text(&failure),
                }]),
            }
        });
    };
    let cancel = move |_| {
        let View::Confirming { only_second } = view_state.get_untracked() else {
            return;
        };
        let Some((b, birth)) = state.managed.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let dose = only_second.then_some(2);
            match api::cancel_booking(&b.reference, &birth, dose).await {
                Ok(_) if !only_second => {
                    announcer.say(td_string!(l, booking.cancelled_title));
                    state.managed.set(None);
                    state.managed_notice.set(None);
                    view_state.set(View::Cancelled);
                }
                Ok(changed) => {
                    let done = td_string!(l, booking.second_cancelled_done).to_string();
                    announcer.say(done.clone());
                    state.managed_notice.set(Some(done));
                    state.managed.set(Some((changed, birth)));
                    view_state.set(View::Found);
                }
                Err(failure) => {
                    let text = failure_text(&failure);
                    announcer.say(text.clone());
                    state.managed_notice.set(Some(text));
                    view_state.set(View::Found);
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
        View::Found => {
            let Some((b, _)) = state.managed.get() else {
                return ().into_any();
            };
            let status = if b.status == "cancelled" {
                td_string!(l, booking.status_cancelled)
            } else {
                td_string!(l, booking.status_confirmed)
            };
            let confirmed = b.status == "confirmed";
            let holds = |dose: u8| confirmed && b.appointment(dose).is_some();
            let (first_here, second_here) = (holds(1), holds(2));
            let notice = state
                .managed_notice
                .get()
                .map(|text| view! { <p class="notice" id="manage-notice">{text}</p> });
            view! {
                <PageHeading title=status.to_string()/>
                {notice}
                <p>{td_string!(l, booking.reference)}{td_string!(l, common.colon)}<strong class="reference">{b.reference.clone()}</strong></p>
                <Appointments booking=b.clone()/>
                <p>{td_string!(l, booking.at_centre, name = b.centre.name.clone(), address = format!("{}, {} {}", b.centre.address, b.centre.postcode, b.centre.commune))}</p>
                <p>{format!("{} {}", b.person.first_name, b.person.last_name)}</p>
                <ul class="manage-actions">
                    {first_here.then(|| view! { <li><a href=format!("{}?dose=1", step::MOVE) id="move-1">{td_string!(l, booking.move_1)}</a></li> })}
                    {second_here.then(|| view! { <li><a href=format!("{}?dose=2", step::MOVE) id="move-2">{td_string!(l, booking.move_2)}</a></li> })}
                    {(first_here && second_here).then(|| view! {
                        <li><button type="button" class="link-button" id="cancel-second" on:click=move |_| view_state.set(View::Confirming { only_second: true })>{td_string!(l, booking.cancel_second)}</button></li>
                    })}
                </ul>
                {confirmed.then(|| view! {
                    <button type="button" class="button button-warning" id="cancel-booking" on:click=move |_| view_state.set(View::Confirming { only_second: false })>{td_string!(l, booking.cancel)}</button>
                })}
            }
            .into_any()
        }
        View::Confirming { only_second } => {
            let (title, warning, yes) = if only_second {
                (
                    td_string!(l, booking.cancel_second_title),
                    td_string!(l, booking.cancel_second_warning),
                    td_string!(l, booking.cancel_second_yes),
                )
            } else {
                (
                    td_string!(l, booking.cancel_title),
                    td_string!(l, booking.cancel_warning),
                    td_string!(l, booking.cancel_yes),
                )
            };
            view! {
                <PageHeading title=title.to_string()/>
                <p>{warning}</p>
                <div class="actions">
                    <button type="button" class="button button-warning" id="cancel-yes" on:click=cancel aria-disabled=move || if busy.get() { "true" } else { "false" }>{yes}</button>
                    <button type="button" class="button button-secondary" on:click=move |_| view_state.set(View::Found)>{td_string!(l, booking.cancel_no)}</button>
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
        _ => crate::ui::problem::explain(&crate::api::ApiError::Network).to_string(),
    }
}
