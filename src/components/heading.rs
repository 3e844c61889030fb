//! Each view's `<h1 tabindex="-1">` and document title ("question –
//! Créneau"). After a client-side navigation (links, Back, Forward) the
//! layout scrolls to the top and moves focus here, so keyboard and
//! screen-reader users start at the new content.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The page heading; `title` also becomes the document title.
#[component]
pub fn PageHeading(#[prop(into)] title: Signal<String>) -> impl IntoView {
    Effect::new(move |_| {
        let text = title.get();
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&format!("{text} – Créneau"));
        }
    });
    view! { <h1 id="page-heading" tabindex="-1">{move || title.get()}</h1> }
}

/// Scroll to the top and focus the view's heading.
pub fn focus_heading() {
    let Some(window) = web_sys::window() else { return };
    window.scroll_to_with_x_and_y(0.0, 0.0);
    if let Some(h1) = window
        .document()
        .and_then(|d| d.get_element_by_id("page-heading"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = h1.focus();
    }
}
