//! Each view's `<h1 tabindex="-1">` and document title ("question –
//! Créneau"). After a client-side navigation (links, Back, Forward) the
//! layout scrolls to the top and moves focus here, so keyboard and
//! screen-reader users start at the new content.

use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;

use super::language::{locale, take_just_switched};
use crate::i18n::*;

/// Set once the first view has been shown: that one is the page load, where
/// focus stays at the top of the document so the skip link is the first Tab
/// stop. Every later view was reached by navigation.
static FIRST_VIEW_SHOWN: AtomicBool = AtomicBool::new(false);

/// The page heading; `title` also becomes the document title. Each view
/// renders its own, so mounting one means a new view is on screen.
#[component]
pub fn PageHeading(#[prop(into)] title: Signal<String>) -> impl IntoView {
    Effect::new(move |_| {
        let text = title.get();
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&td_string!(locale(), layout.title, page = text));
        }
    });
    let heading = NodeRef::<leptos::html::H1>::new();
    Effect::new(move |_| {
        if let Some(h1) = heading.get() {
            // After a language switch focus stays on the switch.
            if FIRST_VIEW_SHOWN.swap(true, Ordering::Relaxed) && !take_just_switched() {
                // A heading inside <Suspense> is built before it is placed
                // in the document, where focus() does nothing: wait a frame.
                let h1 = h1.clone();
                request_animation_frame(move || focus(&h1));
            }
        }
    });
    view! { <h1 id="page-heading" tabindex="-1" node_ref=heading>{move || title.get()}</h1> }
}

/// Scroll to the top and focus the view's heading.
pub fn focus(h1: &web_sys::HtmlElement) {
    if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
    let _ = h1.focus();
}
