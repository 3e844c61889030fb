//! "Quel vaccin ?": only when the centre offers more than one.

use creneau_model::snapshot::known_vaccines;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{slot_chosen, MissingAnswers, RadioQuestion, Step, StepForm};
use crate::booking::{next_or_check, step};
use crate::components::error_summary::FieldError;
use crate::components::form::Choice;
use crate::components::language::locale;
use crate::i18n::*;

#[component]
pub fn VaccinePage() -> impl IntoView {
    let Some(Step {
        state,
        draft,
        errors,
    }) = Step::after(slot_chosen)
    else {
        return view! { <MissingAnswers/> }.into_any();
    };
    let l = locale();
    let navigate = use_navigate();
    let chosen = RwSignal::new(draft.vaccine.clone());
    let title = super::step_title(td_string!(l, booking.vaccine_title).to_string(), errors);
    let choices: Vec<Choice> = known_vaccines()
        .into_iter()
        .filter(|v| draft.vaccines.contains(&v.code))
        .map(|v| Choice {
            value: v.code,
            label: v.name,
            hint: None,
        })
        .collect();
    let on_submit = move || {
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
    let back = format!(
        "{}?jour={}",
        step::TIME,
        draft.slot.get(..10).unwrap_or_default()
    );
    view! {
        <StepForm back errors on_submit>
            <RadioQuestion name="vaccin" title hint=td_string!(l, booking.vaccine_hint) choices selected=chosen errors/>
        </StepForm>
    }
    .into_any()
}
