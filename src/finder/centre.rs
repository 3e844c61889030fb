//! A centre: address, phone, opening hours as a table, vaccines, access,
//! how to book, and its free slots day by day from the centre file.

use creneau_model::format::date_str;
use creneau_model::hours::{hhmm, DayHours};
use creneau_model::snapshot::BookingMode;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::i18n::*;
use crate::ui::centre::{access_text, vaccine_names, PhoneLine};
use crate::ui::freshness::Freshness;
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale, singular};
use crate::ui::problem::Problem;
use crate::ui::status::use_announcer;
use crate::ui::watch::use_snapshot_watch;
use crate::url::encode as urlencoding;

fn day_name(weekday: usize) -> &'static str {
    let l = locale();
    match weekday {
        0 => td_string!(l, centre.monday),
        1 => td_string!(l, centre.tuesday),
        2 => td_string!(l, centre.wednesday),
        3 => td_string!(l, centre.thursday),
        4 => td_string!(l, centre.friday),
        5 => td_string!(l, centre.saturday),
        _ => td_string!(l, centre.sunday),
    }
}

/// "9 h" in French, "9 am" in English: the one time format of each language.
fn clock(hhmm: &str) -> String {
    creneau_model::format::clock(hhmm, lang())
}

fn hours_text(day: &DayHours) -> String {
    let l = locale();
    match day {
        DayHours::Closed => td_string!(l, centre.closed).into(),
        DayHours::Open { intervals, note } => {
            let times = intervals
                .iter()
                .map(|i| format!("{} – {}", clock(&hhmm(i.start)), clock(&hhmm(i.end))))
                .collect::<Vec<_>>()
                .join(", ");
            match note {
                Some(note) => td_string!(l, centre.hours_note, times, note),
                None => times,
            }
        }
        DayHours::Unknown { .. } => td_string!(l, centre.hours_unknown).into(),
    }
}

#[component]
pub fn CentrePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let announcer = use_announcer();
    let l = locale();
    let title = RwSignal::new(td_string!(l, centre.default_title).to_string());
    let watch = use_snapshot_watch();
    let data = LocalResource::new(move || {
        watch.track();
        let id = id();
        async move { api::centre(&id).await }
    });
    view! {
        <PageHeading title=title/>
        <Suspense fallback=move || {
            announcer.say(td_string!(l, centre.loading));
            view! { <p>{td_string!(l, centre.loading)}</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((pointer, file)) => {
                        watch.showing(&pointer);
                        let c = file.centre.clone();
                        title.set(c.name.clone());
                        announcer.say("");
                        let hours = file.hours.iter().enumerate().map(|(i, d)| view! {
                            <tr><th scope="row">{day_name(i)}</th><td>{hours_text(d)}</td></tr>
                        }).collect_view();
                        let phone = c.phone.clone().map(|phone| view! { <PhoneLine phone/> });
                        let how = match (c.booking, c.reserved_for_professionals) {
                            (_, true) => td_string!(l, centre.how_professionals),
                            (BookingMode::Here, _) if !c.doses.contains(&1) => td_string!(l, centre.second_only_here),
                            (BookingMode::Here, _) => td_string!(l, centre.how_here),
                            (BookingMode::Phone, _) => td_string!(l, centre.how_phone),
                            _ => td_string!(l, centre.how_platform),
                        };
                        let link = c.booking_url.clone().filter(|_| !c.reserved_for_professionals && c.booking != BookingMode::Here).map(|url| view! {
                            <p><a class="button" href=url rel="noopener" target="_blank">{td_string!(l, centre.book_online)}<span class="visually-hidden">{td_string!(l, common.new_tab, name = &c.name)}</span></a></p>
                        });
                        // Into the booking app (a separate bundle): a full page load.
                        let bookable = c.booking == BookingMode::Here && !c.reserved_for_professionals && !c.doses.is_empty();
                        if bookable && !file.days.is_empty() {
                            super::prefetch::prefetch_booking_app();
                        }
                        let start = (bookable && !file.days.is_empty()).then(|| view! {
                            <p><a class="button" href=format!("/reserver/centre/{}", c.id) rel="external">{td_string!(l, booking.start)}</a></p>
                        });
                        // Booked here: ask to be told when places free up.
                        let alert = bookable.then(|| view! {
                            <p><a href=format!("/reserver/alerte?centre={}&nom={}", urlencoding(&c.id), urlencoding(&c.name)) rel="external">{td_string!(l, alert.link_centre)}</a></p>
                        });
                        let slot_minutes = file.slot_minutes;
                        let days = file.days.iter().map(|d| {
                            let times = d.times(slot_minutes);
                            let free: u32 = times.iter().map(|(_, f)| f).sum();
                            let first = times.first().map(|(t, _)| clock(t)).unwrap_or_default();
                            let n = free as usize;
                            let text = if singular(n) { td_string!(l, centre.day_free_single, n, first) } else { td_string!(l, centre.day_free_many, n, first) };
                            let date = date_str(&d.date, lang());
                            // A day with free places leads straight to its times.
                            if bookable && free > 0 {
                                view! { <li><a href=format!("/reserver/centre/{}?jour={}", c.id, d.date) rel="external"><strong>{date}</strong>{text}</a></li> }.into_any()
                            } else {
                                view! { <li><strong>{date}</strong>{text}</li> }.into_any()
                            }
                        }).collect_view();
                        let no_days = file.days.is_empty().then(|| view! { <p>{td_string!(l, centre.no_days)}</p> });
                        let access = access_text(c.accessible);
                        let vaccines = vaccine_names(&c.vaccines);
                        let doses = match c.doses.as_slice() {
                            [2] => td_string!(l, centre.doses_second),
                            [1] => td_string!(l, centre.doses_first),
                            _ => td_string!(l, centre.doses_both),
                        };
                        view! {
                            <p>{format!("{}, {} {}", c.address, c.postcode, c.commune)}</p>
                            {phone}
                            <h2>{td_string!(l, centre.book)}</h2>
                            <p>{how}</p>
                            {start}
                            {link}
                            <h2>{td_string!(l, centre.hours)}</h2>
                            <table class="hours"><tbody>{hours}</tbody></table>
                            <h2>{td_string!(l, centre.vaccines_access)}</h2>
                            <p>{td_string!(l, centre.vaccines_line, vaccines, access)}</p>
                            <p>{td_string!(l, centre.doses_line, doses)}</p>
                            <h2>{td_string!(l, centre.free_by_day)}</h2>
                            <Freshness generated_at=pointer.generated_at.clone()/>
                            {no_days}
                            <ul class="day-list">{days}</ul>
                            {alert}
                        }.into_any()
                    }
                    Err(error) => {
                        if error == api::ApiError::NotFound {
                            title.set(td_string!(l, centre.not_found).into());
                        }
                        view! { <Problem error/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
