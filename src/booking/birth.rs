//! Eligibility first: the rule in words ("… 75 ans ou plus le jour de la
//! première injection"), from the snapshot's `eligibility` (the publisher's
//! `config/eligibility.toml`), and the one answer it depends on, the date
//! of birth, in three fields the GOV.UK way. Someone who cannot book is
//! told why and what to do at once, and their answer is not kept; the
//! booking API applies the same rule to the chosen day.

use chrono::NaiveDate;
use creneau_model::booking::{age_on, birth_date_from_parts};
use creneau_model::format::date_with_year;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::question::{today, MissingAnswers, Step, StepForm};
use crate::api;
use crate::booking::state::{next_or_check, step};
use crate::i18n::*;
use crate::ui::error_summary::FieldError;
use crate::ui::form::{error_for, DatePart, ErrorMessage};
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::phone::{NATIONAL_PHONE, NATIONAL_PHONE_TEL};

/// Why a person may not book: too young on the last day offered.
#[derive(Clone, Copy)]
struct Refusal {
    minimum_age: u32,
    age: i32,
    on: NaiveDate,
}

#[component]
pub fn BirthPage() -> impl IntoView {
    let Some(page) = Step::after(|d| !d.centre.is_empty()) else {
        return view! { <MissingAnswers/> }.into_any();
    };
    let l = locale();
    let navigate = use_navigate();
    let title =
        super::question::step_title(td_string!(l, booking.birth_title).to_string(), page.errors);
    let Step {
        state,
        draft,
        errors,
    } = page;
    let centre = draft.centre.clone();
    // The rule and the last day offered: someone who will be old enough
    // by then may book that day (the API checks the day chosen).
    let rule = LocalResource::new(move || {
        let centre = centre.clone();
        async move {
            api::centre(&centre).await.ok().map(|(pointer, file)| {
                let last = file
                    .days
                    .last()
                    .and_then(|d| d.date.parse::<NaiveDate>().ok())
                    .unwrap_or_else(today);
                (pointer.eligibility.map(|e| e.minimum_age), last)
            })
        }
    });
    let refused = RwSignal::new(None::<Refusal>);
    let day = RwSignal::new(draft.birth_day.clone());
    let month = RwSignal::new(draft.birth_month.clone());
    let year = RwSignal::new(draft.birth_year.clone());
    let second_only = draft.second_only;
    // A second injection alone: the first one's date comes next, and the
    // age rule does not apply (the first injection was given under it).
    let after = if second_only {
        step::FIRST_DOSE.to_string()
    } else {
        step::day(&draft.centre)
    };
    let on_submit = move || {
        let (d, m, y) = (
            day.get_untracked(),
            month.get_untracked(),
            year.get_untracked(),
        );
        let birth = match birth_date_from_parts(&d, &m, &y, today()) {
            Ok(birth) => birth,
            Err(message) => {
                errors.set(vec![FieldError {
                    field: "naissance-jour".into(),
                    message: message.get(lang()).to_string(),
                }]);
                return;
            }
        };
        if let Some((Some(minimum_age), last)) =
            rule.get_untracked().flatten().filter(|_| !second_only)
        {
            let age = age_on(birth, last);
            if age < minimum_age as i32 {
                // Told at once, and nothing typed is kept.
                state.forget();
                refused.set(Some(Refusal {
                    minimum_age,
                    age,
                    on: last,
                }));
                return;
            }
        }
        state.answer(|draft| {
            draft.birth_day = d.trim().to_string();
            draft.birth_month = m.trim().to_string();
            draft.birth_year = y.trim().to_string();
        });
        navigate(&next_or_check(&after), Default::default());
    };
    let error = error_for(errors, "naissance-jour");
    let invalid = Signal::derive(move || error.get().is_some());
    let rule_text = move || {
        if second_only {
            return Some(view! { <p class="hint" id="naissance-rule">{td_string!(l, booking.second_only_rule)}</p> }.into_any());
        }
        rule.get().flatten().and_then(|(age, _)| age).map(|age| {
            view! { <p class="hint" id="naissance-rule">{td_string!(l, booking.eligibility_rule, age)}</p> }.into_any()
        })
    };
    let form = view! {
        <StepForm back=format!("/centre/{}", draft.centre) errors on_submit>
            <fieldset class="fieldset" role="group" aria-describedby=move || if error.get().is_some() { "naissance-rule naissance-hint naissance-jour-error" } else { "naissance-rule naissance-hint" }>
                <legend class="legend-heading"><PageHeading title/></legend>
                {rule_text}
                <span class="hint" id="naissance-hint">{td_string!(l, booking.birth_hint)}</span>
                <ErrorMessage id="naissance-jour" error/>
                <div class="date-input">
                    // The person may be someone else: no autofill with the helper's own.
                    <DatePart id="naissance-jour" label=td_string!(l, booking.day) value=day invalid autocomplete="off"/>
                    <DatePart id="naissance-mois" label=td_string!(l, booking.month) value=month invalid autocomplete="off"/>
                    <DatePart id="naissance-annee" label=td_string!(l, booking.year) value=year invalid autocomplete="off" class="input input-4"/>
                </div>
            </fieldset>
        </StepForm>
        // "Already booked" as early as it can be said without asking the
        // store about a stranger: before any answer (docs/api.md).
        <p class="no-print" id="already-booked-hint">{td_string!(l, booking.already_booked_hint)}<a href=step::MANAGE>{td_string!(l, booking.manage_link)}</a></p>
    };
    // A refusal is final on this page: the form gives way to the reason
    // (one <h1> either way).
    let form = std::cell::RefCell::new(Some(form.into_any()));
    // Shown once the rule is known, whole: the rule arriving above a form
    // already drawn would push the date boxes down as the person reaches
    // for them.
    let ready = Memo::new(move |_| rule.get().is_some());
    (move || match (ready.get(), refused.get()) {
        (false, _) => view! { <p>{td_string!(l, centre.loading)}</p> }.into_any(),
        (true, Some(refusal)) => view! { <NotEligible refusal/> }.into_any(),
        (true, None) => form.borrow_mut().take().unwrap_or_else(|| ().into_any()),
    })
    .into_any()
}

/// "Vous ne pouvez pas encore prendre rendez-vous": why, and what to do.
#[component]
fn NotEligible(refusal: Refusal) -> impl IntoView {
    let l = locale();
    view! {
        <PageHeading title=td_string!(l, booking.not_eligible_title).to_string()/>
        <p>{td_string!(l, booking.not_eligible_why, minimum = refusal.minimum_age, age = refusal.age, date = date_with_year(refusal.on, lang()))}</p>
        <p>{td_string!(l, booking.refused_help)}<a class="phone" href=NATIONAL_PHONE_TEL>{NATIONAL_PHONE}</a>{td_string!(l, layout.free_call)}</p>
        <p>{td_string!(l, booking.cleared)}</p>
        <p><a href="/" rel="external">{td_string!(l, not_found.home)}</a></p>
    }
}
