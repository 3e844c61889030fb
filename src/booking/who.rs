//! "Pour qui est ce rendez-vous ?": oneself, or someone one is helping;
//! later pages then say "la personne à vacciner".

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::question::{slot_chosen, MissingAnswers, RadioQuestion, Step, StepForm};
use crate::booking::state::{next_or_check, step};
use crate::i18n::*;
use crate::ui::error_summary::FieldError;
use crate::ui::form::Choice;
use crate::ui::language::locale;

#[component]
pub fn WhoPage() -> impl IntoView {
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
    let chosen = RwSignal::new(draft.who.clone());
    let title = super::question::step_title(td_string!(l, booking.who_title).to_string(), errors);
    let choices = vec![
        Choice {
            value: "self".into(),
            label: td_string!(l, booking.who_self).into(),
            hint: None,
        },
        Choice {
            value: "helper".into(),
            label: td_string!(l, booking.who_helper).into(),
            hint: None,
        },
    ];
    let on_submit = move || {
        let who = chosen.get_untracked();
        if who.is_empty() {
            errors.set(vec![FieldError {
                field: "qui-0".into(),
                message: td_string!(l, booking.choose_who).into(),
            }]);
            return;
        }
        state.answer(|d| d.who = who);
        navigate(&next_or_check(step::NAME), Default::default());
    };
    let back = if draft.second_only {
        format!(
            "{}?jour={}",
            step::TIME,
            draft.slot.get(..10).unwrap_or_default()
        )
    } else {
        step::SECOND.to_string()
    };
    view! {
        <StepForm back errors on_submit>
            <RadioQuestion name="qui" title choices selected=chosen errors/>
        </StepForm>
    }
    .into_any()
}
