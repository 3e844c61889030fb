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
use crate::components::status::use_announcer;
use crate::pages::results::{results_url, ResultsQuery};

const FIELD: &str = "lieu";

fn problem_text(problem: QueryProblem) -> &'static str {
    match problem {
        QueryProblem::Empty => "Saisissez un code postal, une commune ou un département",
        QueryProblem::BadNumber => {
            "Saisissez un code postal à 5 chiffres, ou un numéro de département comme 75, 2A ou 974"
        }
        QueryProblem::TooShort => "Saisissez au moins 2 lettres du nom de la commune",
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let announcer = use_announcer();
    let navigate = use_navigate();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title = Signal::derive(move || {
        let question = "Où souhaitez-vous être vacciné ?";
        if error.get().is_some() {
            format!("Erreur : {question}")
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
        announcer.say("Recherche en cours…");
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
                    error.set(Some(format!("Aucune commune ne correspond à « {} ». Vérifiez l’orthographe ou saisissez le code postal", input.trim())));
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
        announcer.say("Recherche de votre position…");
        let nav = navigate.clone();
        crate::components::geolocation::current_position(move |result| {
            locating.set(false);
            match result {
                Ok((lat, lon)) => {
                    let q = ResultsQuery {
                        place: "votre position".into(),
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
            <div class="field" class:field-error=move || error.get().is_some()>
                <label for=FIELD>"Code postal, commune ou département"</label>
                <span class="hint" id="lieu-hint">"Par exemple : 75011, Saint-Denis, Finistère ou 2A"</span>
                {move || error.get().map(|message| view! {
                    <p class="error-message" id="lieu-error"><span class="visually-hidden">"Erreur : "</span>{message}</p>
                })}
                <input type="text" id=FIELD name="q" spellcheck="false" autocapitalize="off"
                    aria-required="true"
                    aria-describedby=move || if error.get().is_some() { "lieu-hint lieu-error" } else { "lieu-hint" }
                    aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                    prop:value=move || typed.get()
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
            </div>
            <button type="submit" class="button" disabled=move || busy.get()>
                {move || if busy.get() { "Recherche en cours…" } else { "Rechercher" }}
            </button>
        </form>
        <p class="or">"ou"</p>
        <button type="button" class="button button-secondary no-print" on:click=near_me disabled=move || locating.get()>
            {move || if locating.get() { "Recherche de votre position…" } else { "Autour de moi" }}
        </button>
        {move || geo_problem.get().map(|m| view! { <p class="notice notice-warning">{m}</p> })}
        <p><a href="/departements">"Voir la liste des départements"</a></p>
    }
}

/// Percent-encode a query parameter value.
pub fn urlencoding(s: &str) -> String {
    js_sys::encode_uri_component(s)
        .as_string()
        .unwrap_or_default()
}
