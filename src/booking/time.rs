//! "À quelle heure, le jeudi 21 janvier ?": the day's free times as radios,
//! morning and afternoon apart, each with its free places. The same page
//! at [`step::SECOND_TIME`] chooses the second injection's time, on a day
//! of its window (which may lie after the horizon: `later_days`).

use creneau_model::format::date_near;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use super::question::{step_title, today, MissingAnswers, StepForm};
use crate::api;
use crate::booking::state::{changing_one_answer, next_or_check, step, use_booking};
use crate::i18n::*;
use crate::ui::error_summary::FieldError;
use crate::ui::form::{error_for, Choice, ErrorMessage, Radios};
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::problem::Problem;

/// "9 h 30" / "9:30 am": the one time format of each language.
fn clock(hhmm: &str) -> String {
    creneau_model::format::clock(hhmm, lang())
}

#[component]
pub fn TimePage() -> impl IntoView {
    let state = use_booking();
    let query = use_query_map();
    let day = query.read_untracked().get("jour").unwrap_or_default();
    let draft = state.draft.get_untracked();
    let for_second = use_location().pathname.get_untracked() == step::SECOND_TIME;
    if draft.centre.is_empty() || day.is_empty() || (for_second && draft.slot.is_empty()) {
        return view! { <MissingAnswers/> }.into_any();
    }
    let l = locale();
    let navigate = use_navigate();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let chosen = RwSignal::new(
        if for_second {
            &draft.second_slot
        } else {
            &draft.slot
        }
        .strip_prefix(&format!("{day}T"))
        .map(str::to_string)
        .unwrap_or_default(),
    );
    let title = step_title(
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
    let centre = draft.centre.clone();
    let data = LocalResource::new(move || {
        let centre = centre.clone();
        async move { api::centre(&centre).await }
    });
    let multiple_vaccines = draft.vaccines.len() > 1;
    let second_only = draft.second_only;
    let day_for_submit = day.clone();
    let on_submit = move || {
        let time = chosen.get_untracked();
        if time.is_empty() {
            errors.set(vec![FieldError {
                field: "heure-0".into(),
                message: td_string!(l, booking.choose_time).into(),
            }]);
            return;
        }
        let slot = format!("{day_for_submit}T{time}");
        if for_second {
            state.answer(|d| d.second_slot = slot);
            navigate(&next_or_check(step::WHO), Default::default());
            return;
        }
        let changed = state.draft.get_untracked().slot != slot;
        state.answer(|d| {
            if changed {
                // A new first injection: its second is proposed afresh.
                d.second_slot.clear();
            }
            d.slot = slot;
        });
        let next = if second_only {
            step::WHO.to_string()
        } else if multiple_vaccines && !changing_one_answer() {
            step::VACCINE.to_string()
        } else if changed || !changing_one_answer() {
            // Changed from the check page: the second is shown again first.
            let retour = if changing_one_answer() {
                "?retour=1"
            } else {
                ""
            };
            format!("{}{retour}", step::SECOND)
        } else {
            step::CHECK.to_string()
        };
        navigate(&next, Default::default());
    };
    let error = error_for(errors, "heure-0");
    view! {
        <StepForm back=if for_second { step::SECOND.to_string() } else { step::day(&draft.centre) } errors on_submit>
            <Suspense fallback=move || view! { <p>{td_string!(l, centre.loading)}</p> }>
                {move || {
                    let day = day.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok((_, file)) => {
                                let times = file.day(&day).map(|d| d.times(file.slot_minutes)).unwrap_or_default();
                                let choice = |(t, free): &(String, u32)| Choice {
                                    value: t.clone(),
                                    label: format!("{} ({})", clock(t), if *free == 1 { td_string!(l, booking.place).to_string() } else { td_string!(l, booking.places, n = free) }),
                                    hint: None,
                                };
                                let (morning, afternoon): (Vec<_>, Vec<_>) = times.iter().partition(|(t, _)| t.as_str() < "12:00");
                                let morning_count = morning.len();
                                let morning: Vec<Choice> = morning.into_iter().map(choice).collect();
                                let afternoon: Vec<Choice> = afternoon.into_iter().map(choice).collect();
                                view! {
                                    <fieldset class="fieldset" aria-describedby=move || error.get().map(|_| "heure-0-error")>
                                        <legend class="legend-heading"><PageHeading title/></legend>
                                        {for_second.then(|| view! { <span class="hint" id="second-time-hint">{td_string!(l, booking.second_time_hint)}</span> })}
                                        <ErrorMessage id="heure-0" error/>
                                        {(!morning.is_empty()).then(|| view! { <h2 class="radio-group-title">{td_string!(l, booking.morning)}</h2><Radios name="heure" choices=morning selected=chosen/> })}
                                        {(!afternoon.is_empty()).then(|| view! { <h2 class="radio-group-title">{td_string!(l, booking.afternoon)}</h2><Radios name="heure" choices=afternoon selected=chosen first_index=morning_count/> })}
                                    </fieldset>
                                }.into_any()
                            }
                            Err(error) => view! { <Problem error/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </StepForm>
    }
    .into_any()
}
