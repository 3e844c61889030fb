//! The GOV.UK error summary: shown at the top of a form after a submit that
//! failed, focused, with `role="alert"` inside, and a link to each field in
//! error. The links move focus to the field themselves, because the router
//! would treat `#field` as a navigation.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::language::locale;
use crate::i18n::*;

/// One field's error: the field's id and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Problems found by the shared checks (or sent back by the API), in the
/// person's language.
pub fn in_own_language(
    problems: impl IntoIterator<Item = creneau_model::booking::FieldProblem>,
) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|p| FieldError {
            field: p.field,
            message: p.message.get(super::language::lang()).to_string(),
        })
        .collect()
}

#[component]
pub fn ErrorSummary(errors: Vec<FieldError>) -> impl IntoView {
    let summary = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = summary.get() {
            let _ = el.focus();
        }
    });
    let items = errors
        .into_iter()
        .map(|e| {
            let target = e.field.clone();
            let on_click = move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                if let Some(input) = document()
                    .get_element_by_id(&target)
                    .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = input.focus();
                }
            };
            view! { <li><a href=format!("#{}", e.field) on:click=on_click>{e.message}</a></li> }
        })
        .collect_view();
    view! {
        <div class="error-summary" tabindex="-1" node_ref=summary aria-labelledby="error-summary-title">
            <div role="alert">
                <h2 id="error-summary-title" class="error-summary-title">{td_string!(locale(), common.error_summary_title)}</h2>
                <ul class="error-summary-list">{items}</ul>
            </div>
        </div>
    }
}
