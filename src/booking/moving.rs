//! Moving one injection of a booking found on "Gérer mon rendez-vous":
//! a new day ([`MovePage`]: only days the rules allow, so the second stays
//! in its window), then a new time ([`MoveTimePage`]), then the API moves
//! it in one step (the new place taken before the old one is freed). A
//! full time answers with other times for the same injection.

use chrono::{Duration, NaiveDate};
use creneau_model::booking::Booking;
use creneau_model::format::{date_near, date_with_year, slot_in_words, slot_with_year};
use creneau_model::snapshot::{
    second_dose_days, second_dose_interval, CentreFile, DaySlots, Pointer,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::question::{second_dose_window, today, BackLink};
use crate::api::{self, BookingFailure};
use crate::booking::state::{step, use_booking};
use crate::i18n::*;
use crate::ui::error_summary::{ErrorSummary, FieldError};
use crate::ui::form::{error_for, Choice, ErrorMessage, Radios};
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::problem::Problem;

/// The local date of an injection of the booking, if held here.
fn day_of(b: &Booking, dose: u8) -> Option<NaiveDate> {
    b.appointment(dose)
        .and_then(|a| chrono::DateTime::parse_from_rfc3339(&a.at).ok())
        .map(|at| at.date_naive())
}

/// The days a new time for `dose` may be on, with free places.
fn allowed_days<'f>(
    b: &Booking,
    dose: u8,
    pointer: &Pointer,
    file: &'f CentreFile,
) -> Vec<&'f DaySlots> {
    let interval = second_dose_interval(&b.vaccine).unwrap_or(21);
    let window = second_dose_window(pointer);
    if dose == 2 {
        let first = day_of(b, 1).or_else(|| {
            b.first_injection_date
                .as_deref()
                .and_then(|d| d.parse().ok())
        });
        return first
            .map(|first| file.second_dose_days(first, interval, window))
            .unwrap_or_default();
    }
    // The first: only days that keep the second in its window.
    let second = day_of(b, 2);
    file.days
        .iter()
        .filter(|d| {
            let Ok(date) = d.date.parse::<NaiveDate>() else {
                return false;
            };
            second.is_none_or(|second| second_dose_days(date, interval, window).contains(&second))
        })
        .collect()
}

fn dose_query() -> u8 {
    let query = use_query_map();
    let dose = query.read_untracked().get("dose");
    if dose.as_deref() == Some("2") {
        2
    } else {
        1
    }
}

/// Shown when the booking is no longer in memory (a reload).
#[component]
fn LookUpFirst() -> impl IntoView {
    let l = locale();
    view! {
        <PageHeading title=td_string!(l, booking.manage_title).to_string()/>
        <p class="notice notice-warning">{td_string!(l, booking.manage_first)}</p>
        <p><a href=step::MANAGE>{td_string!(l, booking.manage_link)}</a></p>
    }
}

#[component]
pub fn MovePage() -> impl IntoView {
    let state = use_booking();
    let l = locale();
    let Some((booking, _)) = state.managed.get_untracked() else {
        return view! { <LookUpFirst/> }.into_any();
    };
    let dose = dose_query();
    let title = if dose == 1 {
        td_string!(l, booking.move_title_1)
    } else {
        td_string!(l, booking.move_title_2)
    };
    let centre = booking.centre.id.clone();
    let data = LocalResource::new(move || {
        let centre = centre.clone();
        async move { api::centre(&centre).await }
    });
    view! {
        <BackLink href=step::MANAGE/>
        <PageHeading title=title.to_string()/>
        <Suspense fallback=move || view! { <p>{td_string!(l, centre.loading)}</p> }>
            {move || {
                let booking = booking.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok((pointer, file)) => {
                            let interval = second_dose_interval(&booking.vaccine).unwrap_or(21);
                            let window = second_dose_window(&pointer);
                            let intro = match (dose, day_of(&booking, 2)) {
                                (1, Some(second)) => Some(td_string!(l, booking.move_keep_second, date = date_with_year(second, lang()), from = interval, to = interval + window).to_string()),
                                (2, _) => day_of(&booking, 1)
                                    .or_else(|| booking.first_injection_date.as_deref().and_then(|d| d.parse().ok()))
                                    .map(|first: NaiveDate| {
                                        let vaccine = creneau_model::snapshot::known_vaccines().into_iter().find(|v| v.code == booking.vaccine).map(|v| v.name).unwrap_or_default();
                                        td_string!(l, booking.second_window, vaccine, from = interval, to = interval + window,
                                            start = date_with_year(first + Duration::days(i64::from(interval)), lang()),
                                            end = date_with_year(first + Duration::days(i64::from(interval + window)), lang())).to_string()
                                    }),
                                _ => None,
                            };
                            let days = allowed_days(&booking, dose, &pointer, &file);
                            let empty = days.is_empty().then(|| view! { <p class="notice" id="move-none">{td_string!(l, booking.move_none)}</p> });
                            let items = days.iter().map(|d| {
                                let free: u32 = d.runs.iter().map(|r| r.free * r.count).sum();
                                let words = d.date.parse().map(|day| date_near(day, today(), lang())).unwrap_or_else(|_| d.date.clone());
                                let label = if free == 1 { td_string!(l, booking.day_free_single, date = words) } else { td_string!(l, booking.day_free, date = words, n = free) };
                                view! { <li><a href=format!("{}?dose={dose}&jour={}", step::MOVE_TIME, d.date)>{label}</a></li> }
                            }).collect_view();
                            view! {
                                {intro.map(|text| view! { <p id="move-intro">{text}</p> })}
                                {empty}
                                <ul class="choices" id="move-days">{items}</ul>
                            }.into_any()
                        }
                        Err(error) => view! { <Problem error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn MoveTimePage() -> impl IntoView {
    let state = use_booking();
    let l = locale();
    let Some((booking, birth)) = state.managed.get_untracked() else {
        return view! { <LookUpFirst/> }.into_any();
    };
    let dose = dose_query();
    let day = use_query_map()
        .read_untracked()
        .get("jour")
        .unwrap_or_default();
    let navigate = use_navigate();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let chosen = RwSignal::new(String::new());
    let alternatives = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let title = super::question::step_title(
        td_string!(
            l,
            booking.time_title,
            date = day
                .parse()
                .map(|d| date_near(d, today(), lang()))
                .unwrap_or_else(|_| day.clone())
        ),
        errors,
    );
    let centre = booking.centre.id.clone();
    let data = LocalResource::new(move || {
        let centre = centre.clone();
        async move { api::centre(&centre).await }
    });
    let reference = booking.reference.clone();
    let move_to = move |slot: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (reference, birth, navigate) = (reference.clone(), birth.clone(), navigate.clone());
        spawn_local(async move {
            let outcome = api::move_appointment(&reference, &birth, dose, &slot).await;
            busy.set(false);
            match outcome {
                Ok(moved) => {
                    let when = moved
                        .appointment(dose)
                        .and_then(|a| slot_with_year(&a.at, lang()))
                        .unwrap_or_default();
                    let which = if dose == 1 {
                        td_string!(l, booking.dose_1, when)
                    } else {
                        td_string!(l, booking.dose_2, when)
                    };
                    state
                        .managed_notice
                        .set(Some(td_string!(l, booking.moved, when = which).to_string()));
                    state.managed.set(Some((moved, birth)));
                    navigate(step::MANAGE, Default::default());
                }
                Err(BookingFailure::Taken {
                    alternatives: others,
                    ..
                }) => {
                    alternatives.set(others);
                    errors.set(vec![FieldError {
                        field: "heure-0".into(),
                        message: td_string!(l, booking.taken_title).into(),
                    }]);
                }
                Err(failure) => errors.set(vec![FieldError {
                    field: "heure-0".into(),
                    message: match failure {
                        BookingFailure::Refused(p) => p
                            .fields
                            .first()
                            .map(|f| f.message.get(lang()).to_string())
                            .or_else(|| p.message.map(|m| m.get(lang()).to_string()))
                            .unwrap_or_default(),
                        BookingFailure::Busy { retry_after } => {
                            td_string!(l, booking.busy, n = retry_after).to_string()
                        }
                        _ => td_string!(l, booking.network).to_string(),
                    },
                }]),
            }
        });
    };
    let day_for_submit = day.clone();
    let submit_move = move_to.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let time = chosen.get_untracked();
        if time.is_empty() {
            errors.set(vec![FieldError {
                field: "heure-0".into(),
                message: td_string!(l, booking.choose_time).into(),
            }]);
            return;
        }
        submit_move(format!("{day_for_submit}T{time}"));
    };
    let error = error_for(errors, "heure-0");
    let others = move || {
        let list = alternatives.get();
        (!list.is_empty()).then(|| {
            let move_to = move_to.clone();
            let items = list
                .into_iter()
                .map(|alt| {
                    let words = slot_in_words(&alt, lang()).unwrap_or_else(|| alt.clone());
                    let move_to = move_to.clone();
                    view! { <li><button type="button" class="link-button" on:click=move |_| move_to(alt.clone())>{td_string!(l, booking.choose_other, time = words)}</button></li> }
                })
                .collect_view();
            view! {
                <div class="notice notice-warning" id="move-taken">
                    <p>{td_string!(l, booking.taken_intro)}</p>
                    <ul class="choices">{items}</ul>
                </div>
            }
        })
    };
    view! {
        <BackLink href=format!("{}?dose={dose}", step::MOVE)/>
        <form novalidate on:submit=on_submit>
            {move || (!errors.read().is_empty()).then(|| view! { <ErrorSummary errors=errors.get()/> })}
            {others}
            <Suspense fallback=move || view! { <p>{td_string!(l, centre.loading)}</p> }>
                {move || {
                    let day = day.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok((_, file)) => {
                                let choices: Vec<Choice> = file.day(&day).map(|d| d.times(file.slot_minutes)).unwrap_or_default().into_iter().map(|(t, _)| Choice {
                                    label: creneau_model::format::clock(&t, lang()),
                                    value: t,
                                    hint: None,
                                }).collect();
                                view! {
                                    <fieldset class="fieldset" aria-describedby=move || error.get().map(|_| "heure-0-error")>
                                        <legend class="legend-heading"><PageHeading title/></legend>
                                        <ErrorMessage id="heure-0" error/>
                                        <Radios name="heure" choices selected=chosen/>
                                    </fieldset>
                                }.into_any()
                            }
                            Err(error) => view! { <Problem error/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
            <button type="submit" class="button" id="move-confirm" aria-disabled=move || if busy.get() { "true" } else { "false" }>{td_string!(l, booking.move_confirm)}</button>
        </form>
    }
    .into_any()
}
