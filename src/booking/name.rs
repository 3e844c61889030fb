//! "Quel est votre nom ?" / "Nom de la personne à vacciner": first and
//! last name, checked by the same rules as the API.

use creneau_model::booking::check_name;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::question::{in_own_language, person_known, MissingAnswers, Step, StepForm};
use crate::booking::state::{next_or_check, step};
use crate::i18n::*;
use crate::ui::form::{error_for, TextField};
use crate::ui::heading::PageHeading;
use crate::ui::language::locale;

#[component]
pub fn NamePage() -> impl IntoView {
    let Some(page) = Step::after(person_known) else {
        return view! { <MissingAnswers/> }.into_any();
    };
    let l = locale();
    let navigate = use_navigate();
    let title = page.title(
        td_string!(l, booking.name_title_self),
        td_string!(l, booking.name_title_helper),
    );
    let autocomplete = page.autocomplete();
    let Step {
        state,
        draft,
        errors,
    } = page;
    let first = RwSignal::new(draft.first_name.clone());
    let last = RwSignal::new(draft.last_name.clone());
    let (given, family) = (autocomplete("given-name"), autocomplete("family-name"));
    let on_submit = move || {
        let found = in_own_language(
            [
                check_name("prenom", &first.get_untracked(), true),
                check_name("nom", &last.get_untracked(), false),
            ]
            .into_iter()
            .flatten(),
        );
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        state.answer(|d| {
            d.first_name = first.get_untracked().trim().to_string();
            d.last_name = last.get_untracked().trim().to_string();
        });
        navigate(&next_or_check(step::CONTACT), Default::default());
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
