//! "Quel vaccin ?": only when the centre offers more than one.

use creneau_model::snapshot::known_vaccines;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::question::{slot_chosen, MissingAnswers, RadioQuestion, Step, StepForm};
use crate::booking::state::{next_or_check, step};
use crate::i18n::*;
use crate::ui::error_summary::FieldError;
use crate::ui::form::Choice;
use crate::ui::language::locale;

#[component]
pub fn VaccinePage() -> impl IntoView {
    let Some(Step {
        state,
        draft,
        errors,
    }) = Step::after(|d| slot_chosen(d) || d.second_only && !d.first_dose_year.is_empty())
    else {
        return view! { <MissingAnswers/> }.into_any();
    };
    let l = locale();
    let navigate = use_navigate();
    let chosen = RwSignal::new(draft.vaccine.clone());
    let title =
        super::question::step_title(td_string!(l, booking.vaccine_title).to_string(), errors);
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
        let changed = state.draft.get_untracked().vaccine != v;
        let second_only = state.draft.get_untracked().second_only;
        let centre = state.draft.get_untracked().centre;
        state.answer(|d| {
            if changed {
                // Another interval: the second is proposed afresh, and a
                // second injection alone is chosen again in its window.
                d.second_slot.clear();
                if d.second_only {
                    d.slot.clear();
                }
            }
            d.vaccine = v;
        });
        let next = match (second_only, changed) {
            (true, true) => step::day(&centre),
            (true, false) => next_or_check(&step::day(&centre)),
            (false, true) if crate::booking::state::changing_one_answer() => {
                format!("{}?retour=1", step::SECOND)
            }
            (false, _) => next_or_check(step::SECOND),
        };
        navigate(&next, Default::default());
    };
    let back = if draft.second_only {
        step::FIRST_DOSE.to_string()
    } else {
        format!(
            "{}?jour={}",
            step::TIME,
            draft.slot.get(..10).unwrap_or_default()
        )
    };
    view! {
        <StepForm back errors on_submit>
            <RadioQuestion name="vaccin" title hint=td_string!(l, booking.vaccine_hint) choices selected=chosen errors/>
        </StepForm>
    }
    .into_any()
}
