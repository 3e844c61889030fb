//! "Quel jour souhaitez-vous venir ?": the centre's days with free places,
//! ten at a time with "Dates suivantes", from its snapshot file.

use creneau_model::format::date_near;
use creneau_model::snapshot::{known_vaccines, BookingMode};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use super::{today, ClearAnswers, StepIndicator};
use crate::api;
use crate::booking::{step, use_booking};
use crate::components::freshness::Freshness;
use crate::components::heading::PageHeading;
use crate::components::language::{lang, locale};
use crate::components::problem::Problem;
use crate::components::watch::use_snapshot_watch;
use crate::i18n::*;

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
                        watch.showing(&pointer.version);
                        let c = file.centre.clone();
                        if c.booking != BookingMode::Here || c.reserved_for_professionals || !c.doses.contains(&1) {
                            let why = if c.booking == BookingMode::Here && !c.reserved_for_professionals {
                                td_string!(l, centre.second_only_here)
                            } else {
                                td_string!(l, booking.not_here)
                            };
                            return view! {
                                <p class="notice">{why}</p>
                                <p><a href=format!("/centre/{}", c.id) rel="external">{c.name.clone()}</a></p>
                            }.into_any();
                        }
                        if state.draft.get_untracked().centre != c.id {
                            let single = (c.vaccines.len() == 1).then(|| c.vaccines[0].clone()).unwrap_or_default();
                            state.answer(|d| {
                                d.centre = c.id.clone();
                                d.centre_name = c.name.clone();
                                d.vaccines = c.vaccines.clone();
                                d.vaccine = single;
                                d.slot = String::new();
                            });
                        }
                        // Eligibility first: the date of birth before any day.
                        if state.draft.get_untracked().birth_year.is_empty() {
                            let navigate = navigate.clone();
                            request_animation_frame(move || navigate(step::BIRTH, NavigateOptions { replace: true, ..Default::default() }));
                            return ().into_any();
                        }
                        let interval = known_vaccines().into_iter().filter(|v| c.vaccines.contains(&v.code)).map(|v| v.second_dose_days).min().unwrap_or(21);
                        let page = page();
                        let days: Vec<_> = file.days.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).map(|d| {
                            let free: u32 = d.runs.iter().map(|r| r.free * r.count).sum();
                            let date = d.date.parse().map(|day| date_near(day, today(), lang())).unwrap_or_else(|_| d.date.clone());
                            let label = if free == 1 { td_string!(l, booking.day_free_single, date) } else { td_string!(l, booking.day_free, date, n = free) };
                            view! { <li><a href=format!("{}?jour={}", step::TIME, d.date)>{label}</a></li> }
                        }).collect_view();
                        let more = (file.days.len() > page * PER_PAGE).then(|| view! {
                            <a href=format!("{}?page={}", step::day(&c.id), page + 1)>{td_string!(l, booking.more_days)}</a>
                        });
                        let earlier = (page > 1).then(|| view! {
                            <a href=format!("{}?page={}", step::day(&c.id), page - 1)>{td_string!(l, booking.earlier_days)}</a>
                        });
                        let empty = file.days.is_empty().then(|| view! { <p class="notice">{td_string!(l, booking.no_days)}</p> });
                        view! {
                            <p>{td_string!(l, booking.day_intro, centre = c.name.clone(), days = interval)}</p>
                            <Freshness generated_at=pointer.generated_at.clone()/>
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
