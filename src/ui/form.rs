//! Form fields written once, the GOV.UK way: a label (or legend), an
//! optional hint, the error message above the input with a visually hidden
//! "Erreur :", `aria-describedby` naming hint and error, `aria-invalid` as
//! "true"/"false", and the value kept in a signal so nothing typed is lost.

use leptos::prelude::*;

use super::error_summary::FieldError;
use super::language::locale;
use crate::i18n::*;

/// The message for field `id` among a page's errors.
pub fn error_for(
    errors: RwSignal<Vec<FieldError>>,
    id: impl Into<String>,
) -> Signal<Option<String>> {
    let id = id.into();
    Signal::derive(move || {
        errors
            .read()
            .iter()
            .find(|e| e.field == id)
            .map(|e| e.message.clone())
    })
}

fn described_by(id: &str, hint: bool, error: bool) -> String {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-hint"));
    }
    if error {
        ids.push(format!("{id}-error"));
    }
    ids.join(" ")
}

/// The error line above an input.
#[component]
pub fn ErrorMessage(#[prop(into)] id: String, error: Signal<Option<String>>) -> impl IntoView {
    let l = locale();
    move || {
        let id = id.clone();
        error.get().map(|message| {
            view! {
                <p class="error-message" id=format!("{id}-error")>
                    <span class="visually-hidden">{td_string!(l, common.error_prefix)}</span>{message}
                </p>
            }
        })
    }
}

/// A labelled text input.
#[component]
pub fn TextField(
    id: &'static str,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = "")] inputmode: &'static str,
    #[prop(default = "input")] class: &'static str,
    #[prop(default = false)] required: bool,
) -> impl IntoView {
    let has_hint = hint.is_some();
    view! {
        <div class="field" class:field-error=move || error.get().is_some()>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <span class="hint" id=format!("{id}-hint")>{h}</span> })}
            <ErrorMessage id error/>
            <input type=kind id=id name=id class=class autocomplete=autocomplete spellcheck="false"
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                aria-required=if required { "true" } else { "false" }
                aria-describedby=move || Some(described_by(id, has_hint, error.get().is_some())).filter(|s| !s.is_empty())
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        </div>
    }
}

/// One radio button of a group.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub hint: Option<String>,
}

/// Radios with shared name; ids are `{name}-{index}` so an error summary
/// link can focus the first one (`{name}-0`).
#[component]
pub fn Radios(
    name: &'static str,
    choices: Vec<Choice>,
    selected: RwSignal<String>,
    #[prop(default = 0)] first_index: usize,
) -> impl IntoView {
    choices
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let id = format!("{name}-{}", i + first_index);
            let value = c.value.clone();
            let checked_value = c.value.clone();
            let hint_id = format!("{id}-hint");
            let has_hint = c.hint.is_some();
            view! {
                <div class="radio">
                    <input type="radio" id=id.clone() name=name value=value.clone()
                        aria-describedby=has_hint.then(|| hint_id.clone())
                        prop:checked=move || selected.get() == checked_value
                        on:change=move |_| selected.set(value.clone())/>
                    <label for=id>{c.label}</label>
                    {c.hint.map(|h| view! { <span class="hint radio-hint" id=hint_id>{h}</span> })}
                </div>
            }
        })
        .collect_view()
}

/// One box of a date typed in three (day, month, year), the GOV.UK way:
/// numeric keyboard, no spinner, invalid with its group.
#[component]
pub fn DatePart(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    invalid: Signal<bool>,
    autocomplete: &'static str,
    #[prop(default = "input input-2")] class: &'static str,
) -> impl IntoView {
    view! {
        <div class="date-part">
            <label for=id>{label}</label>
            <input type="text" inputmode="numeric" id=id name=id class=class autocomplete=autocomplete
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        </div>
    }
}
