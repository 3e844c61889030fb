//! Home: one question, "Où souhaitez-vous être vacciné ?", with one field
//! for a postcode, a commune or a département, and "Autour de moi".
//! The answer is checked on submit: an empty or unreadable entry, or a place
//! that does not exist, is shown in an error summary and beside the field,
//! keeping what was typed.

use creneau_model::search::{
    find_departements, find_places, parse_query, Query, QueryProblem, DEFAULT_RADIUS_KM,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::components::error_summary::{ErrorSummary, FieldError};
use crate::components::heading::PageHeading;
use crate::components::language::locale;
use crate::components::status::use_announcer;
use crate::i18n::*;
use crate::pages::results::{results_url, ResultsQuery};

const FIELD: &str = "lieu";

fn problem_text(problem: QueryProblem) -> &'static str {
    let l = locale();
    match problem {
        QueryProblem::Empty => td_string!(l, home.empty),
        QueryProblem::BadNumber => td_string!(l, home.bad_number),
        QueryProblem::TooShort => td_string!(l, home.too_short),
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let announcer = use_announcer();
    let navigate = use_navigate();
    let l = locale();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title = Signal::derive(move || {
        let question = td_string!(l, home.question);
        if error.get().is_some() {
            format!("{}{question}", td_string!(l, common.error_prefix))
        } else {
            question.to_string()
        }
    });

    let nav = navigate.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = typed.get_untracked();
        let query = match parse_query(&input) {
            Ok(q) => q,
            Err(problem) => {
                error.set(Some(problem_text(problem).to_string()));
                announcer.say("");
                return;
            }
        };
        if let Query::Departement(code) = &query {
            error.set(None);
            nav(&format!("/departement/{code}"), Default::default());
            return;
        }
        busy.set(true);
        announcer.say(td_string!(l, common.searching));
        let nav = nav.clone();
        spawn_local(async move {
            let outcome = async {
                let pointer = api::pointer().await?;
                if let Query::Name(key) = &query {
                    let index: creneau_model::snapshot::Index = api::index().await?.1;
                    if let Some(dep) = find_departements(&index.departements, key).first() {
                        return Ok(Some(format!("/departement/{}", dep.code)));
                    }
                }
                let shard = api::search_shard(&pointer, &input).await?;
                let places = find_places(&shard.places, &query);
                Ok::<_, api::ApiError>(match places.as_slice() {
                    [] => None,
                    [one] => Some(results_url(&ResultsQuery::around_place(
                        one,
                        DEFAULT_RADIUS_KM,
                    ))),
                    _ => Some(format!("/choisir?q={}", urlencoding(&input))),
                })
            }
            .await;
            busy.set(false);
            match outcome {
                Ok(Some(url)) => {
                    error.set(None);
                    nav(&url, Default::default());
                }
                Ok(None) => {
                    announcer.say("");
                    error.set(Some(td_string!(l, home.no_match, input = input.trim())));
                }
                Err(e) => {
                    announcer.say("");
                    error.set(Some(crate::components::problem::explain(&e).to_string()));
                }
            }
        });
    };

    let locating = RwSignal::new(false);
    let geo_problem = RwSignal::new(None::<&'static str>);
    let near_me = move |_| {
        geo_problem.set(None);
        locating.set(true);
        announcer.say(td_string!(l, home.locating));
        let nav = navigate.clone();
        crate::components::geolocation::current_position(move |result| {
            locating.set(false);
            match result {
                Ok((lat, lon)) => {
                    let q = ResultsQuery {
                        place: td_string!(l, home.your_position).into(),
                        lat,
                        lon,
                        ..ResultsQuery::default()
                    };
                    nav(&results_url(&q), Default::default());
                }
                Err(message) => {
                    announcer.say(message);
                    geo_problem.set(Some(message));
                }
            }
        });
    };

    view! {
        <PageHeading title=title/>
        <form class="no-print" on:submit=on_submit novalidate>
            {move || error.get().map(|message| view! { <ErrorSummary errors=vec![FieldError { field: FIELD.into(), message }]/> })}
            <p class="hint">{td_string!(l, common.all_required)}</p>
            <div class="field" class:field-error=move || error.get().is_some()>
                <label for=FIELD>{td_string!(l, home.label)}</label>
                <span class="hint" id="lieu-hint">{td_string!(l, home.hint)}</span>
                {move || error.get().map(|message| view! {
                    <p class="error-message" id="lieu-error"><span class="visually-hidden">{td_string!(l, common.error_prefix)}</span>{message}</p>
                })}
                <input type="text" id=FIELD name="q" spellcheck="false" autocapitalize="off"
                    aria-required="true"
                    aria-describedby=move || if error.get().is_some() { "lieu-hint lieu-error" } else { "lieu-hint" }
                    aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                    prop:value=move || typed.get()
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
            </div>
            <button type="submit" class="button" disabled=move || busy.get()>
                {move || if busy.get() { td_string!(l, common.searching) } else { td_string!(l, home.submit) }}
            </button>
        </form>
        <p class="or">{td_string!(l, home.or)}</p>
        <button type="button" class="button button-secondary no-print" on:click=near_me disabled=move || locating.get()>
            {move || if locating.get() { td_string!(l, home.locating) } else { td_string!(l, home.near_me) }}
        </button>
        {move || geo_problem.get().map(|m| view! { <p class="notice notice-warning">{m}</p> })}
        <p><a href="/departements">{td_string!(l, home.browse)}</a></p>
    }
}

/// Percent-encode a query parameter value.
pub fn urlencoding(s: &str) -> String {
    js_sys::encode_uri_component(s)
        .as_string()
        .unwrap_or_default()
}
