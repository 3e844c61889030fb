//! The confirmation panel: reference, both appointments in words with the
//! address and phone, what to bring, how to cancel, print, a calendar file,
//! and "Terminer et effacer". It is read from the tab's storage, so a
//! reload shows it again.

use creneau_model::booking::Booking;
use creneau_model::format::slot_in_words;
use leptos::prelude::*;

use super::today;
use crate::booking::{step, use_booking};
use crate::components::centre::tel_href;
use crate::components::heading::PageHeading;
use crate::components::language::{lang, locale};
use crate::components::layout::{NATIONAL_PHONE, NATIONAL_PHONE_TEL};
use crate::i18n::*;

/// "20210121T133000Z" from an RFC 3339 instant.
fn ics_time(rfc3339: &str) -> Option<String> {
    let at = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    Some(
        at.with_timezone(&chrono::Utc)
            .format("%Y%m%dT%H%M%SZ")
            .to_string(),
    )
}

fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// An iCalendar file with both appointments (RFC 5545).
pub fn calendar(b: &Booking, summary: impl Fn(u8) -> String) -> String {
    let stamp = format!("{}T000000Z", today().format("%Y%m%d"));
    let location = ics_text(&format!(
        "{}, {}, {} {}",
        b.centre.name, b.centre.address, b.centre.postcode, b.centre.commune
    ));
    let mut out =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Creneau//Rendez-vous//FR\r\n");
    for a in &b.appointments {
        let Some(start) = ics_time(&a.at) else {
            continue;
        };
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{}-{}@creneau\r\nDTSTAMP:{stamp}\r\nDTSTART:{start}\r\nDURATION:PT15M\r\nSUMMARY:{}\r\nLOCATION:{location}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\n",
            b.reference, a.dose, ics_text(&summary(a.dose)), b.reference
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

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
    let when = |i: usize| {
        b.appointments
            .get(i)
            .and_then(|a| slot_in_words(&a.at, lang()))
            .unwrap_or_default()
    };
    let address = format!(
        "{}, {} {}",
        b.centre.address, b.centre.postcode, b.centre.commune
    );
    let ics = calendar(&b, |dose| {
        let which = if dose == 1 {
            td_string!(l, booking.check_first)
        } else {
            td_string!(l, booking.check_second)
        };
        td_string!(l, booking.calendar_summary, dose = which)
    });
    let ics_href = format!(
        "data:text/calendar;charset=utf-8,{}",
        js_sys::encode_uri_component(&ics)
            .as_string()
            .unwrap_or_default()
    );
    let phone = b.centre.phone.clone().map(|p| {
        let href = tel_href(&p);
        view! { <p>{td_string!(l, common.phone)}<a class="phone" href=href>{p}</a></p> }
    });
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
            <p class="panel-body">{td_string!(l, booking.reference)}<br/><strong class="reference" id="booking-reference">{b.reference.clone()}</strong></p>
        </div>
        <p>{td_string!(l, booking.reference_hint)}</p>
        <h2>{td_string!(l, booking.appointments)}</h2>
        <ul class="appointments">
            <li>{td_string!(l, booking.dose_1, when = when(0))}</li>
            <li>{td_string!(l, booking.dose_2, when = when(1))}</li>
        </ul>
        <p>{td_string!(l, booking.at_centre, name = b.centre.name.clone(), address)}</p>
        {phone}
        <h2>{td_string!(l, booking.bring_title)}</h2>
        <p>{td_string!(l, booking.bring)}</p>
        <h2>{td_string!(l, booking.manage_title)}</h2>
        <p>{td_string!(l, booking.cancel_how)}" "<a class="phone" href=NATIONAL_PHONE_TEL>{NATIONAL_PHONE}</a></p>
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
