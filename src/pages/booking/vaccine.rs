//! "Quel vaccin ?": only when the centre offers more than one.

use creneau_model::snapshot::known_vaccines;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{step_title, BackLink, ContinueButton, MissingAnswers};
use crate::booking::{next_or_check, step, use_booking};
use crate::components::error_summary::{ErrorSummary, FieldError};
use crate::components::form::{error_for, Choice, ErrorMessage, Radios};
use crate::components::heading::PageHeading;
use crate::components::language::locale;
use crate::i18n::*;

#[component]
pub fn VaccinePage() -> impl IntoView {
    let state = use_booking();
    let draft = state.draft.get_untracked();
    if draft.slot.is_empty() {
        return view! { <MissingAnswers/> }.into_any();
    }
    let l = locale();
    let navigate = use_navigate();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let chosen = RwSignal::new(draft.vaccine.clone());
    let title = step_title(td_string!(l, booking.vaccine_title).to_string(), errors);
    let choices: Vec<Choice> = known_vaccines()
        .into_iter()
        .filter(|v| draft.vaccines.contains(&v.code))
        .map(|v| Choice {
            value: v.code,
            label: v.name,
            hint: None,
        })
        .collect();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = chosen.get_untracked();
        if v.is_empty() {
            errors.set(vec![FieldError {
                field: "vaccin-0".into(),
                message: td_string!(l, booking.choose_vaccine).into(),
            }]);
            return;
        }
        state.answer(|d| d.vaccine = v);
        navigate(&next_or_check(step::WHO), Default::default());
    };
    let error = error_for(errors, "vaccin-0");
    let back = format!(
        "{}?jour={}",
        step::TIME,
        draft.slot.get(..10).unwrap_or_default()
    );
    view! {
        <BackLink href=back/>
        <form novalidate on:submit=on_submit>
            {move || (!errors.read().is_empty()).then(|| view! { <ErrorSummary errors=errors.get()/> })}
            <fieldset class="fieldset" aria-describedby=move || if error.get().is_some() { "vaccin-hint vaccin-0-error" } else { "vaccin-hint" }>
                <legend class="legend-heading"><PageHeading title/></legend>
                <span class="hint" id="vaccin-hint">{td_string!(l, booking.vaccine_hint)}</span>
                <ErrorMessage id="vaccin-0" error/>
                <Radios name="vaccin" choices selected=chosen/>
            </fieldset>
            <ContinueButton/>
        </form>
    }
    .into_any()
}
