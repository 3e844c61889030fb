//! The confirmation panel: reference, both appointments in words with the
//! address and phone, what to bring, how to cancel, print, a calendar file,
//! and "Terminer et effacer". It is read from the tab's storage, so a
//! reload shows it again.

use creneau_model::calendar::{ics, CalendarWords};
use leptos::prelude::*;

use super::question::{today, Appointments};
use crate::booking::state::{step, use_booking};
use crate::i18n::*;
use crate::ui::centre::PhoneLine;
use crate::ui::heading::PageHeading;
use crate::ui::language::locale;
use crate::ui::phone::{NATIONAL_PHONE, NATIONAL_PHONE_TEL};

#[component]
pub fn ConfirmationPage() -> impl IntoView {
    let state = use_booking();
    let l = locale();
    let Some(b) = state.confirmation.get_untracked() else {
        return view! {
            <PageHeading title=td_string!(l, booking.manage_title).to_string()/>
            <p>{td_string!(l, booking.nothing)}</p>
            <p><a href=step::MANAGE>{td_string!(l, booking.manage_link)}</a></p>
        }
        .into_any();
    };
    let address = format!(
        "{}, {} {}",
        b.centre.address, b.centre.postcode, b.centre.commune
    );
    let which = move |dose: u8| {
        if dose == 1 {
            td_string!(l, booking.check_first)
        } else {
            td_string!(l, booking.check_second)
        }
    };
    let words = CalendarWords {
        summary: Box::new(move |dose| td_string!(l, booking.calendar_summary, dose = which(dose))),
        reminder: Box::new(move |dose| {
            td_string!(l, booking.calendar_reminder, dose = which(dose))
        }),
        description: td_string!(
            l,
            booking.calendar_description,
            reference = b.reference.clone()
        ),
    };
    let ics = ics(&b, &format!("{}T000000Z", today().format("%Y%m%d")), &words);
    let person = format!("{} {}", b.person.first_name, b.person.last_name);
    // On paper, where to manage it: this service's own address.
    let manage_address = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .map(|origin| format!("{origin}{}", step::MANAGE))
        .unwrap_or_default();
    let ics_href = format!(
        "data:text/calendar;charset=utf-8,{}",
        js_sys::encode_uri_component(&ics)
            .as_string()
            .unwrap_or_default()
    );
    let phone = b
        .centre
        .phone
        .clone()
        .map(|phone| view! { <PhoneLine phone/> });
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let finish = move |_| {
        state.forget();
        if let Some(w) = web_sys::window() {
            let _ = w.location().assign("/");
        }
    };
    view! {
        <div class="panel-confirmation">
            <PageHeading title=td_string!(l, booking.confirmed_title).to_string()/>
            <p class="panel-body" id="booking-person">{td_string!(l, booking.appointment_of, name = person)}</p>
            <p class="panel-body">{td_string!(l, booking.reference)}<br/><strong class="reference" id="booking-reference">{b.reference.clone()}</strong></p>
        </div>
        <p>{td_string!(l, booking.reference_hint)}</p>
        <h2>{td_string!(l, booking.appointments)}</h2>
        <Appointments booking=b.clone()/>
        <p>{td_string!(l, booking.at_centre, name = b.centre.name.clone(), address)}</p>
        {phone}
        <h2>{td_string!(l, booking.bring_title)}</h2>
        <p>{td_string!(l, booking.bring)}</p>
        <h2>{td_string!(l, booking.manage_title)}</h2>
        <p>{td_string!(l, booking.cancel_how)}" "<a class="phone" href=NATIONAL_PHONE_TEL>{NATIONAL_PHONE}</a></p>
        <p class="print-only" id="print-address">{td_string!(l, booking.print_address, address = manage_address)}</p>
        <div class="actions no-print">
            <button type="button" class="button button-secondary" on:click=print>{td_string!(l, booking.print)}</button>
            <a class="button button-secondary" href=ics_href download=format!("vaccination-{}.ics", b.reference)>{td_string!(l, booking.calendar)}</a>
        </div>
        <div class="no-print">
            <button type="button" class="button" id="finish" aria-describedby="finish-hint" on:click=finish>{td_string!(l, booking.finish)}</button>
            <p class="hint" id="finish-hint">{td_string!(l, booking.finish_hint)}</p>
        </div>
    }
    .into_any()
}
