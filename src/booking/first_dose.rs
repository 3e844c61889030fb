//! "Quand la première injection a-t-elle été faite ?": at a centre giving
//! only second injections, the date of the first (given elsewhere), in
//! three fields like the date of birth. It decides the days offered next:
//! the vaccine's interval to the interval plus the window after it.

use creneau_model::booking::first_dose_date_from_parts;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::question::{today, MissingAnswers, Step, StepForm};
use crate::booking::state::{changing_one_answer, step};
use crate::i18n::*;
use crate::ui::error_summary::FieldError;
use crate::ui::form::{error_for, DatePart, ErrorMessage};
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};

#[component]
pub fn FirstDosePage() -> impl IntoView {
    let Some(page) = Step::after(|d| d.second_only && !d.birth_year.is_empty()) else {
        return view! { <MissingAnswers/> }.into_any();
    };
    let l = locale();
    let navigate = use_navigate();
    let title = super::question::step_title(
        td_string!(l, booking.first_dose_title).to_string(),
        page.errors,
    );
    let Step {
        state,
        draft,
        errors,
    } = page;
    let day = RwSignal::new(draft.first_dose_day.clone());
    let month = RwSignal::new(draft.first_dose_month.clone());
    let year = RwSignal::new(draft.first_dose_year.clone());
    let several_vaccines = draft.vaccines.len() > 1;
    let centre = draft.centre.clone();
    let on_submit = move || {
        let (d, m, y) = (
            day.get_untracked(),
            month.get_untracked(),
            year.get_untracked(),
        );
        let date = match first_dose_date_from_parts(&d, &m, &y, today()) {
            Ok(date) => date,
            Err(message) => {
                errors.set(vec![FieldError {
                    field: "premiere-jour".into(),
                    message: message.get(lang()).to_string(),
                }]);
                return;
            }
        };
        let changed = state.draft.get_untracked().first_dose_date() != date.to_string();
        state.answer(|draft| {
            draft.first_dose_day = d.trim().to_string();
            draft.first_dose_month = m.trim().to_string();
            draft.first_dose_year = y.trim().to_string();
            if changed {
                // Another window: the appointment is chosen again in it.
                draft.slot.clear();
            }
        });
        let next = if changing_one_answer() && !changed {
            step::CHECK.to_string()
        } else if several_vaccines && !changing_one_answer() {
            step::VACCINE.to_string()
        } else {
            step::day(&centre)
        };
        navigate(&next, Default::default());
    };
    let error = error_for(errors, "premiere-jour");
    let invalid = Signal::derive(move || error.get().is_some());
    view! {
        <StepForm back=step::BIRTH errors on_submit>
            <fieldset class="fieldset" role="group" aria-describedby=move || if error.get().is_some() { "premiere-hint premiere-jour-error" } else { "premiere-hint" }>
                <legend class="legend-heading"><PageHeading title/></legend>
                <span class="hint" id="premiere-hint">{td_string!(l, booking.first_dose_hint)}</span>
                <ErrorMessage id="premiere-jour" error/>
                <div class="date-input">
                    <DatePart id="premiere-jour" label=td_string!(l, booking.day) value=day invalid autocomplete="off"/>
                    <DatePart id="premiere-mois" label=td_string!(l, booking.month) value=month invalid autocomplete="off"/>
                    <DatePart id="premiere-annee" label=td_string!(l, booking.year) value=year invalid autocomplete="off" class="input input-4"/>
                </div>
            </fieldset>
        </StepForm>
    }
    .into_any()
}
