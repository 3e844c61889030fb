//! "Quel jour souhaitez-vous venir ?": the centre's days with free places,
//! ten at a time with "Dates suivantes", from its snapshot file; for a
//! second injection alone, only the days of its window. A day already
//! tapped on the centre page (`?jour=`) goes straight to its times once the
//! first questions are answered, or says it has no free place left.

use creneau_model::format::{date_near, date_with_year};
use creneau_model::snapshot::{known_vaccines, second_dose_interval, BookingMode, DaySlots};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use super::question::{second_dose_window, today, ClearAnswers, StepIndicator};
use crate::api;
use crate::booking::state::{step, use_booking};
use crate::i18n::*;
use crate::ui::freshness::Freshness;
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::problem::Problem;
use crate::ui::watch::use_snapshot_watch;

const PER_PAGE: usize = 10;

#[component]
pub fn DayPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let state = use_booking();
    let navigate = use_navigate();
    let watch = use_snapshot_watch();
    let l = locale();
    let data = LocalResource::new(move || {
        watch.track();
        let id = id();
        async move { api::centre(&id).await }
    });
    view! {
        <StepIndicator/>
        <PageHeading title=td_string!(l, booking.day_title).to_string()/>
        <Suspense fallback=move || view! { <p>{td_string!(l, centre.loading)}</p> }>
            {move || {
            let navigate = navigate.clone();
            Suspend::new(async move {
                match data.await {
                    Ok((pointer, file)) => {
                        watch.showing(&pointer);
                        let c = file.centre.clone();
                        if c.booking != BookingMode::Here || c.reserved_for_professionals || c.doses.is_empty() {
                            return view! {
                                <p class="notice">{td_string!(l, booking.not_here)}</p>
                                <p><a href=format!("/centre/{}", c.id) rel="external">{c.name.clone()}</a></p>
                            }.into_any();
                        }
                        if state.draft.get_untracked().centre != c.id {
                            let single = if c.vaccines.len() == 1 { c.vaccines[0].clone() } else { Default::default() };
                            state.answer(|d| {
                                d.centre = c.id.clone();
                                d.centre_name = c.name.clone();
                                d.vaccines = c.vaccines.clone();
                                d.vaccine = single;
                                d.slot = String::new();
                                d.second_slot = String::new();
                                d.second_only = !c.doses.contains(&1);
                            });
                        }
                        let tapped = query.read_untracked().get("jour").filter(|j| j.len() == 10);
                        if let Some(day) = tapped {
                            state.answer(|d| d.wanted_day = day);
                        }
                        // Eligibility first: the date of birth before any day.
                        if state.draft.get_untracked().birth_year.is_empty() {
                            let navigate = navigate.clone();
                            request_animation_frame(move || navigate(step::BIRTH, NavigateOptions { replace: true, ..Default::default() }));
                            return ().into_any();
                        }
                        let draft = state.draft.get_untracked();
                        // A second injection alone: when the first was given, then which vaccine.
                        let missing = if !draft.second_only {
                            None
                        } else if draft.first_dose_year.is_empty() {
                            Some(step::FIRST_DOSE)
                        } else if draft.vaccine.is_empty() {
                            Some(step::VACCINE)
                        } else {
                            None
                        };
                        if let Some(first) = missing {
                            let navigate = navigate.clone();
                            request_animation_frame(move || navigate(first, NavigateOptions { replace: true, ..Default::default() }));
                            return ().into_any();
                        }
                        let interval = known_vaccines().into_iter().filter(|v| c.vaccines.contains(&v.code)).map(|v| v.second_dose_days).min().unwrap_or(21);
                        let window = draft.second_only.then(|| {
                            let first = draft.first_dose_date().parse().unwrap_or_else(|_| today());
                            let vaccine_interval = second_dose_interval(&draft.vaccine).unwrap_or(interval);
                            let window_days = second_dose_window(&pointer);
                            (first, vaccine_interval, window_days)
                        });
                        let offered: Vec<&DaySlots> = match window {
                            Some((first, vaccine_interval, window_days)) => file.second_dose_days(first, vaccine_interval, window_days),
                            None => file.days.iter().collect(),
                        };
                        let intro = match window {
                            Some((first, vaccine_interval, window_days)) => {
                                let allowed = creneau_model::snapshot::second_dose_days(first, vaccine_interval, window_days);
                                let vaccine = known_vaccines().into_iter().find(|v| v.code == draft.vaccine).map(|v| v.name).unwrap_or_default();
                                td_string!(l, booking.second_window, vaccine, from = vaccine_interval, to = vaccine_interval + window_days, start = date_with_year(*allowed.start(), lang()), end = date_with_year(*allowed.end(), lang())).to_string()
                            }
                            None => td_string!(l, booking.day_intro, centre = c.name.clone(), days = interval).to_string(),
                        };
                        let wanted = state.draft.get_untracked().wanted_day;
                        let mut gone = None;
                        if !wanted.is_empty() {
                            state.answer(|d| d.wanted_day.clear());
                            if offered.iter().any(|d| d.date == wanted) {
                                let navigate = navigate.clone();
                                let url = format!("{}?jour={wanted}", step::TIME);
                                request_animation_frame(move || navigate(&url, NavigateOptions { replace: true, ..Default::default() }));
                                return ().into_any();
                            }
                            let date = wanted.parse().map(|day| date_near(day, today(), lang())).unwrap_or(wanted);
                            gone = Some(view! { <p class="notice notice-warning" role="status">{td_string!(l, booking.day_gone, date)}</p> });
                        }
                        let page = page();
                        let days: Vec<_> = offered.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).map(|d| {
                            let free: u32 = d.runs.iter().map(|r| r.free * r.count).sum();
                            let date = d.date.parse().map(|day| date_near(day, today(), lang())).unwrap_or_else(|_| d.date.clone());
                            let label = if free == 1 { td_string!(l, booking.day_free_single, date) } else { td_string!(l, booking.day_free, date, n = free) };
                            view! { <li><a href=format!("{}?jour={}", step::TIME, d.date)>{label}</a></li> }
                        }).collect_view();
                        let more = (offered.len() > page * PER_PAGE).then(|| view! {
                            <a href=format!("{}?page={}", step::day(&c.id), page + 1)>{td_string!(l, booking.more_days)}</a>
                        });
                        let earlier = (page > 1).then(|| view! {
                            <a href=format!("{}?page={}", step::day(&c.id), page - 1)>{td_string!(l, booking.earlier_days)}</a>
                        });
                        let empty = offered.is_empty().then(|| view! { <p class="notice">{td_string!(l, booking.no_days)}</p> });
                        view! {
                            <p id="day-intro">{intro}</p>
                            <Freshness generated_at=pointer.generated_at.clone()/>
                            {gone}
                            {empty}
                            <ul class="choices">{days}</ul>
                            <p class="pager">{earlier}" "{more}</p>
                            <ClearAnswers/>
                        }.into_any()
                    }
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}}
        </Suspense>
    }
}
