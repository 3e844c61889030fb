//! "Votre deuxième injection": after the first slot, the second
//! appointment proposed (the first day of the vaccine's window with room,
//! at the free time nearest the first's, as the API would choose), with its
//! weekday and year; "Continuer avec ce rendez-vous", or another day of the
//! window (then its times, on the time page). Closed days and public
//! holidays are never offered: only days the snapshot lists with free
//! places are, and it lists them from the centre's hours.

use chrono::NaiveDateTime;
use creneau_model::format::{date_near, date_with_year, slot_with_year};
use creneau_model::snapshot::{known_vaccines, CentreFile, Pointer};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::question::{
    second_dose_window, today, BackLink, ClearAnswers, MissingAnswers, StepIndicator,
};
use crate::api;
use crate::booking::state::{next_or_check, step, use_booking, Draft};
use crate::i18n::*;
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::problem::Problem;

/// What the page shows, worked out from the centre file.
struct SecondChoice {
    /// The days allowed, for the sentence saying so.
    window: (chrono::NaiveDate, chrono::NaiveDate),
    interval: u32,
    window_days: u32,
    vaccine: String,
    proposed: Option<String>,
    /// (date, free places) of each day of the window with room.
    days: Vec<(String, u32)>,
}

fn second_choice(draft: &Draft, pointer: &Pointer, file: &CentreFile) -> Option<SecondChoice> {
    let first = NaiveDateTime::parse_from_str(&draft.slot, "%Y-%m-%dT%H:%M").ok()?;
    let vaccine = known_vaccines()
        .into_iter()
        .find(|v| v.code == draft.vaccine)?;
    let window_days = second_dose_window(pointer);
    let allowed = creneau_model::snapshot::second_dose_days(
        first.date(),
        vaccine.second_dose_days,
        window_days,
    );
    Some(SecondChoice {
        window: (*allowed.start(), *allowed.end()),
        interval: vaccine.second_dose_days,
        window_days,
        proposed: file.proposed_second(first, vaccine.second_dose_days, window_days),
        days: file
            .second_dose_days(first.date(), vaccine.second_dose_days, window_days)
            .into_iter()
            .map(|d| {
                let free = d.runs.iter().map(|r| r.free * r.count).sum();
                (d.date.clone(), free)
            })
            .collect(),
        vaccine: vaccine.name,
    })
}

#[component]
pub fn SecondPage() -> impl IntoView {
    let state = use_booking();
    let draft = state.draft.get_untracked();
    if draft.slot.is_empty() || draft.vaccine.is_empty() || draft.second_only {
        return view! { <MissingAnswers/> }.into_any();
    }
    let l = locale();
    let navigate = use_navigate();
    let centre = draft.centre.clone();
    let data = LocalResource::new(move || {
        let centre = centre.clone();
        async move { api::centre(&centre).await }
    });
    let proposed = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(slot) = proposed.get_untracked() else {
            return;
        };
        state.answer(|d| d.second_slot = slot);
        navigate(&next_or_check(step::WHO), Default::default());
    };
    let back = if draft.vaccines.len() > 1 {
        step::VACCINE.to_string()
    } else {
        format!(
            "{}?jour={}",
            step::TIME,
            draft.slot.get(..10).unwrap_or_default()
        )
    };
    let retour = if crate::booking::state::changing_one_answer() {
        "&retour=1"
    } else {
        ""
    };
    view! {
        <BackLink href=next_or_check(&back)/>
        <StepIndicator/>
            <PageHeading title=td_string!(l, booking.second_title).to_string()/>
            <Suspense fallback=move || view! { <p>{td_string!(l, centre.loading)}</p> }>
                {move || {
                    let on_submit = on_submit.clone();
                    Suspend::new(async move {
                    match data.await {
                        Ok((pointer, file)) => {
                            let draft = state.draft.get_untracked();
                            let Some(choice) = second_choice(&draft, &pointer, &file) else {
                                return view! { <MissingAnswers/> }.into_any();
                            };
                            // The person's own choice stands while it is in the window.
                            let kept = (!draft.second_slot.is_empty()
                                && choice.days.iter().any(|(d, _)| draft.second_slot.starts_with(d.as_str())))
                                .then(|| draft.second_slot.clone());
                            let shown = kept.or(choice.proposed.clone());
                            proposed.set(shown.clone());
                            let window = td_string!(l, booking.second_window,
                                vaccine = choice.vaccine.clone(),
                                from = choice.interval,
                                to = choice.interval + choice.window_days,
                                start = date_with_year(choice.window.0, lang()),
                                end = date_with_year(choice.window.1, lang()));
                            let days = choice.days.iter().map(|(date, free)| {
                                let words = date.parse().map(|d| date_near(d, today(), lang())).unwrap_or_else(|_| date.clone());
                                let label = if *free == 1 { td_string!(l, booking.day_free_single, date = words) } else { td_string!(l, booking.day_free, date = words, n = *free) };
                                view! { <li><a href=format!("{}?jour={date}{retour}", step::SECOND_TIME)>{label}</a></li> }
                            }).collect_view();
                            match shown {
                                Some(slot) => view! {
                                    <p id="second-window">{window}</p>
                                    <div class="panel-proposed" id="second-proposed">
                                        <p>{td_string!(l, booking.second_proposed)}</p>
                                        <p><strong>{slot_with_year(&slot, lang()).unwrap_or_default()}</strong></p>
                                    </div>
                                    <form novalidate on:submit=on_submit>
                                        <button type="submit" class="button" id="keep-second">{td_string!(l, booking.second_keep)}</button>
                                    </form>
                                    <h2>{td_string!(l, booking.second_other)}</h2>
                                    <p>{td_string!(l, booking.second_other_hint)}</p>
                                    <ul class="choices" id="second-days">{days}</ul>
                                }.into_any(),
                                None => view! {
                                    <p id="second-window">{window}</p>
                                    <p class="notice notice-warning" id="second-none">{td_string!(l, booking.second_none)}</p>
                                    <p><a href=step::day(&draft.centre)>{td_string!(l, booking.other_day)}</a></p>
                                }.into_any(),
                            }
                        }
                        Err(error) => view! { <Problem error/> }.into_any(),
                    }
                })}}
            </Suspense>
        <ClearAnswers/>
    }
    .into_any()
}
