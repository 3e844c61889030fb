//! The frame of every view, identical to the static shell of `index.html`:
//! skip link, header, `<main>`, footer with the national help line (always
//! in the same place), and the status region. Focus after navigation is
//! handled by each view's heading ([`super::heading`]).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::language::{locale, LanguageSwitch};
use super::phone::{NATIONAL_PHONE, NATIONAL_PHONE_TEL};
use super::status::StatusRegion;
use super::watch::SnapshotNotices;
use crate::i18n::*;

/// Which of the two apps is running. Each router knows only its own
/// addresses, so a link into the other app must be a full page load.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ThisApp {
    Finder,
    Booking,
}

/// `rel="external"` for a link that leaves the running app.
pub fn rel_for(href: &str) -> Option<&'static str> {
    let to_booking = href.starts_with("/reserver/");
    let in_booking = use_context::<ThisApp>() == Some(ThisApp::Booking);
    (to_booking != in_booking).then_some("external")
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let skip = move |ev: leptos::ev::MouseEvent| {
        // The router would treat "#contenu" as a navigation: focus main ourselves.
        ev.prevent_default();
        if let Some(main) = document()
            .get_element_by_id("contenu")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    };
    let l = locale();
    view! {
        <a class="skip-link" href="#contenu" on:click=skip>{td_string!(l, layout.skip)}</a>
        <header class="site-header">
            <div class="width">
                <a class="brand" href="/" rel=rel_for("/")>"Créneau"</a>
                <span class="tagline">{td_string!(l, layout.tagline)}</span>
                <LanguageSwitch/>
            </div>
        </header>
        <main id="contenu" class="width" tabindex="-1">
            <SnapshotNotices/>
            {children()}
        </main>
        <footer class="site-footer">
            <div class="width">
                <h2 class="footer-title">{td_string!(l, layout.help_title)}</h2>
                <p>
                    {td_string!(l, layout.help_line)}
                    <a class="phone" href=NATIONAL_PHONE_TEL>{NATIONAL_PHONE}</a>
                    {td_string!(l, layout.free_call)}
                </p>
                <p><a href="/reserver/gerer" rel=rel_for("/reserver/gerer")>{td_string!(l, booking.manage_link)}</a></p>
                // A static page outside both apps: always a full page load.
                <p><a href="/accessibilite/" rel="external" id="accessibility-link">{td_string!(l, layout.accessibility)}</a></p>
            </div>
        </footer>
        <StatusRegion/>
    }
}
