//! "Quel est votre nom ?" / "Nom de la personne à vacciner": first and
//! last name, checked by the same rules as the API.

use creneau_model::booking::check_name;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{step_title, MissingAnswers, StepForm};
use crate::booking::{next_or_check, step, use_booking};
use crate::components::error_summary::FieldError;
use crate::components::form::{error_for, TextField};
use crate::components::heading::PageHeading;
use crate::components::language::{lang, locale};
use crate::i18n::*;

#[component]
pub fn NamePage() -> impl IntoView {
    let state = use_booking();
    let draft = state.draft.get_untracked();
    if draft.slot.is_empty() || draft.who.is_empty() {
        return view! { <MissingAnswers/> }.into_any();
    }
    let l = locale();
    let navigate = use_navigate();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let first = RwSignal::new(draft.first_name.clone());
    let last = RwSignal::new(draft.last_name.clone());
    let helper = draft.helper();
    let title = if helper {
        td_string!(l, booking.name_title_helper)
    } else {
        td_string!(l, booking.name_title_self)
    };
    let title = step_title(title.to_string(), errors);
    // A helper's own details must not be offered for someone else.
    let (given, family) = if helper {
        ("off", "off")
    } else {
        ("given-name", "family-name")
    };
    let on_submit = move || {
        let found: Vec<FieldError> = [
            check_name("prenom", &first.get_untracked(), true),
            check_name("nom", &last.get_untracked(), false),
        ]
        .into_iter()
        .flatten()
        .map(|p| FieldError {
            field: p.field,
            message: p.message.get(lang()).to_string(),
        })
        .collect();
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        state.answer(|d| {
            d.first_name = first.get_untracked().trim().to_string();
            d.last_name = last.get_untracked().trim().to_string();
        });
        navigate(&next_or_check(step::BIRTH), Default::default());
    };
    view! {
        <StepForm back=step::WHO errors on_submit>
            <PageHeading title/>
            <TextField id="prenom" label=td_string!(l, booking.first_name) value=first error=error_for(errors, "prenom") autocomplete=given required=true/>
            <TextField id="nom" label=td_string!(l, booking.last_name) value=last error=error_for(errors, "nom") autocomplete=family required=true/>
        </StepForm>
    }
    .into_any()
}
