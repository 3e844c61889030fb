//! How the centre can reach the person: phone and email, both optional,
//! checked only when given.

use creneau_model::booking::{check_email, check_phone};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::question::{in_own_language, person_known, MissingAnswers, Step, StepForm};
use crate::booking::state::step;
use crate::i18n::*;
use crate::ui::form::{error_for, TextField};
use crate::ui::heading::PageHeading;
use crate::ui::language::locale;

#[component]
pub fn ContactPage() -> impl IntoView {
    let Some(page) = Step::after(person_known) else {
        return view! { <MissingAnswers/> }.into_any();
    };
    let l = locale();
    let navigate = use_navigate();
    let title = page.title(
        td_string!(l, booking.contact_title_self),
        td_string!(l, booking.contact_title_helper),
    );
    let autocomplete = page.autocomplete();
    let Step {
        state,
        draft,
        errors,
    } = page;
    let phone = RwSignal::new(draft.phone.clone());
    let email = RwSignal::new(draft.email.clone());
    let (tel, mail) = (autocomplete("tel"), autocomplete("email"));
    let on_submit = move || {
        let (p, e) = (phone.get_untracked(), email.get_untracked());
        let found = in_own_language(
            [
                (!p.trim().is_empty())
                    .then(|| check_phone("telephone", &p))
                    .flatten(),
                (!e.trim().is_empty())
                    .then(|| check_email("email", &e))
                    .flatten(),
            ]
            .into_iter()
            .flatten(),
        );
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        state.answer(|d| {
            d.phone = p.trim().to_string();
            d.email = e.trim().to_string();
        });
        navigate(step::CHECK, Default::default());
    };
    view! {
        <StepForm back=step::NAME errors on_submit>
            <PageHeading title/>
            <p class="hint" id="contact-hint">{td_string!(l, booking.contact_hint)}</p>
            <TextField id="telephone" label=td_string!(l, booking.phone) value=phone error=error_for(errors, "telephone") kind="tel" autocomplete=tel/>
            <TextField id="email" label=td_string!(l, booking.email) value=email error=error_for(errors, "email") kind="email" autocomplete=mail/>
        </StepForm>
    }
    .into_any()
}
