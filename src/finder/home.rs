//! Home: one question, "Où souhaitez-vous être vacciné ?", with one field
//! for a postcode, a commune or a département, and "Autour de moi".
//! The answer is checked on submit: an empty or unreadable entry, or a place
//! that does not exist, is shown in an error summary and beside the field,
//! keeping what was typed.
//!
//! The same form is in the static shell of `index.html`, usable before the
//! WebAssembly loads: the app takes it over with what was typed and the
//! focus ([`ShellSearch`]), and a search sent from it (`/centres?q=…`, or
//! `/?q=…`) is answered here as if typed.

use creneau_model::search::{
    departements_near_postcode, departements_within, find_departements, find_places, parse_query,
    Query, QueryProblem, DEFAULT_RADIUS_KM,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use wasm_bindgen::JsCast;

use crate::api;
use crate::finder::results::{results_url, ResultsQuery};
use crate::i18n::*;
use crate::ui::error_summary::{ErrorSummary, FieldError};
use crate::ui::heading::PageHeading;
use crate::ui::language::locale;
use crate::ui::status::use_announcer;

const FIELD: &str = "lieu";

fn problem_text(problem: QueryProblem) -> &'static str {
    let l = locale();
    match problem {
        QueryProblem::Empty => td_string!(l, home.empty),
        QueryProblem::BadNumber => td_string!(l, home.bad_number),
        QueryProblem::TooShort => td_string!(l, home.too_short),
    }
}

/// The static shell's search field as the app found it.
#[derive(Clone, Debug, Default)]
pub struct ShellSearch {
    pub text: String,
    pub focused: bool,
}

impl ShellSearch {
    pub fn read(document: &web_sys::Document) -> Self {
        let input = document
            .get_element_by_id(FIELD)
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
        let focused = document.active_element().is_some_and(|e| e.id() == FIELD);
        ShellSearch {
            text: input.map(|i| i.value()).unwrap_or_default(),
            focused,
        }
    }

    /// Taken once, by the first home page shown.
    fn take() -> Option<ShellSearch> {
        use_context::<StoredValue<Option<ShellSearch>>>()
            .and_then(|stored| stored.try_update_value(Option::take).flatten())
    }
}

/// Fetch, while the person types, what the search will need, so that Enter
/// finds it in the browser's cache: the pointer and index at once, the
/// search shard of what is typed, the département files near the
/// département a postcode's first digits name, and for a complete postcode
/// naming one place, the files its circle touches. Errors are left for the search
/// itself to report.
async fn warm(input: String) -> Result<(), api::ApiError> {
    let pointer = api::pointer().await?;
    let query = parse_query(&input);
    // A name's shard once its letters name one (three letters, or two
    // after "saint"/"sainte"); a postcode's from its first two digits.
    let key = creneau_model::text::search_key(&input);
    let mut words = key.split(' ');
    let shard_known = match words.next() {
        Some(first) if first.chars().all(|c| c.is_ascii_digit()) => first.len() >= 2,
        Some("saint" | "sainte") => words.collect::<String>().len() >= 2,
        _ => key.replace(' ', "").len() >= 3,
    };
    let shard = async {
        if shard_known {
            api::search_shard(&pointer, &input).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let radius = f64::from(DEFAULT_RADIUS_KM);
    // The first digits of a postcode name its département: the files near
    // it, fetched alongside the shard while the rest is typed (a round
    // trip less after Enter on a slow line).
    let near = async {
        let (_, index) = api::index().await?;
        let digits = key.split(' ').next().unwrap_or("");
        let codes: Vec<String> = departements_near_postcode(&index.departements, digits, radius)
            .into_iter()
            .map(str::to_string)
            .collect();
        if !codes.is_empty() {
            api::departements(&index, &codes).await?;
        }
        Ok::<_, api::ApiError>(index)
    };
    let (index, shard) = futures::join!(near, shard);
    let (index, shard) = (index?, shard?);
    // A complete postcode naming one place: the files its circle touches
    // (most already fetched above).
    let (Ok(query @ Query::Postcode(_)), Some(shard)) = (query, shard) else {
        return Ok(());
    };
    if let [one] = find_places(&shard.places, &query).places.as_slice() {
        if let (Some(lat), Some(lon)) = (one.lat, one.lon) {
            let codes: Vec<String> = departements_within(&index.departements, (lat, lon), radius)
                .into_iter()
                .map(str::to_string)
                .collect();
            api::departements(&index, &codes).await?;
        }
    }
    Ok(())
}

#[component]
pub fn HomePage() -> impl IntoView {
    let announcer = use_announcer();
    let navigate = use_navigate();
    let l = locale();
    let shell = ShellSearch::take().unwrap_or_default();
    // What was last warmed: a shard, or a complete postcode (at first,
    // nothing: the pointer and index are fetched at once).
    let warmed = StoredValue::new(None::<String>);
    let warm_for = move |text: String| {
        let key = match parse_query(&text) {
            Ok(Query::Postcode(code)) => code,
            _ => creneau_model::snapshot::shard_of(&text).unwrap_or_default(),
        };
        if warmed.get_value().as_ref() != Some(&key) {
            warmed.set_value(Some(key));
            spawn_local(async move {
                let _ = warm(text).await;
            });
        }
    };
    warm_for(shell.text.clone());
    let sent = use_query_map().read_untracked().get("q");
    let typed = RwSignal::new(sent.clone().unwrap_or(shell.text));
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
    let search = move || {
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
                if let Query::Name {
                    key,
                    departement: None,
                } = &query
                {
                    let index: creneau_model::snapshot::Index = api::index().await?.1;
                    if let Some(dep) = find_departements(&index.departements, key).first() {
                        return Ok(Some(format!("/departement/{}", dep.code)));
                    }
                }
                let shard = api::search_shard(&pointer, &input).await?;
                let found = find_places(&shard.places, &query);
                // One commune, spelled as typed: straight to its centres.
                // Several, or a guess at a misspelling: the person chooses.
                Ok::<_, api::ApiError>(match found.places.as_slice() {
                    [] => None,
                    [one] if !found.corrected => Some(results_url(&ResultsQuery::around_place(
                        one,
                        DEFAULT_RADIUS_KM,
                    ))),
                    _ => Some(format!("/choisir?q={}", crate::url::encode(&input))),
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
                    error.set(Some(crate::ui::problem::explain(&e).to_string()));
                }
            }
        });
    };
    let on_submit = {
        let search = search.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            search();
        }
    };
    // A search sent before the app was there is answered as if typed.
    if sent.is_some() {
        search();
    }
    if shell.focused {
        // Once the view is in the document (a plain call, not an Effect and
        // a NodeRef: less code in the wasm).
        request_animation_frame(|| {
            let input = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(FIELD))
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(input) = input {
                let end = input.value().len() as u32;
                let _ = input.focus();
                let _ = input.set_selection_range(end, end);
            }
        });
    }

    let locating = RwSignal::new(false);
    let geo_problem = RwSignal::new(None::<&'static str>);
    let near_me = move |_| {
        geo_problem.set(None);
        locating.set(true);
        announcer.say(td_string!(l, home.locating));
        let nav = navigate.clone();
        crate::ui::geolocation::current_position(move |result| {
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
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        warm_for(text.clone());
                        typed.set(text);
                    }/>
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
