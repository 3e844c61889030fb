//! The date of birth in three fields (day, month, year), the GOV.UK way:
//! one message for the group, naming what is missing or wrong.

use creneau_model::booking::birth_date_from_parts;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{person_known, today, MissingAnswers, Step, StepForm};
use crate::booking::{next_or_check, step};
use crate::components::error_summary::FieldError;
use crate::components::form::{error_for, DatePart, ErrorMessage};
use crate::components::heading::PageHeading;
use crate::components::language::{lang, locale};
use crate::i18n::*;

#[component]
pub fn BirthPage() -> impl IntoView {
    let Some(page) = Step::after(person_known) else {
        return view! { <MissingAnswers/> }.into_any();
    };
    let l = locale();
    let navigate = use_navigate();
    let title = page.title(
        td_string!(l, booking.birth_title_self),
        td_string!(l, booking.birth_title_helper),
    );
    let autocomplete = page.autocomplete();
    let Step {
        state,
        draft,
        errors,
    } = page;
    let day = RwSignal::new(draft.birth_day.clone());
    let month = RwSignal::new(draft.birth_month.clone());
    let year = RwSignal::new(draft.birth_year.clone());
    let on_submit = move || {
        let (d, m, y) = (
            day.get_untracked(),
            month.get_untracked(),
            year.get_untracked(),
        );
        if let Err(message) = birth_date_from_parts(&d, &m, &y, today()) {
            errors.set(vec![FieldError {
                field: "naissance-jour".into(),
                message: message.get(lang()).to_string(),
            }]);
            return;
        }
        state.answer(|draft| {
            draft.birth_day = d.trim().to_string();
            draft.birth_month = m.trim().to_string();
            draft.birth_year = y.trim().to_string();
        });
        navigate(&next_or_check(step::CONTACT), Default::default());
    };
    let error = error_for(errors, "naissance-jour");
    let invalid = Signal::derive(move || error.get().is_some());
    let (bday, bmonth, byear) = (
        autocomplete("bday-day"),
        autocomplete("bday-month"),
        autocomplete("bday-year"),
    );
    view! {
        <StepForm back=step::NAME errors on_submit>
            <fieldset class="fieldset" role="group" aria-describedby=move || if error.get().is_some() { "naissance-hint naissance-jour-error" } else { "naissance-hint" }>
                <legend class="legend-heading"><PageHeading title/></legend>
                <span class="hint" id="naissance-hint">{td_string!(l, booking.birth_hint)}</span>
                <ErrorMessage id="naissance-jour" error/>
                <div class="date-input">
                    <DatePart id="naissance-jour" label=td_string!(l, booking.day) value=day invalid autocomplete=bday/>
                    <DatePart id="naissance-mois" label=td_string!(l, booking.month) value=month invalid autocomplete=bmonth/>
                    <DatePart id="naissance-annee" label=td_string!(l, booking.year) value=year invalid autocomplete=byear class="input input-4"/>
                </div>
            </fieldset>
        </StepForm>
    }
    .into_any()
}
