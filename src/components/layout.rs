//! The frame of every view, identical to the static shell of `index.html`:
//! skip link, header, `<main>`, footer with the national help line (always
//! in the same place), and the status region. Focus after navigation is
//! handled by each view's heading ([`super::heading`]).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::language::{locale, LanguageSwitch};
use super::status::StatusRegion;
use super::watch::SnapshotNotices;
use crate::i18n::*;

/// The national vaccination line of January 2021, free of charge.
pub const NATIONAL_PHONE: &str = "0 800 009 110";
pub const NATIONAL_PHONE_TEL: &str = "tel:0800009110";

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
                <a class="brand" href="/">"Créneau"</a>
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
                <p><a href="/reserver/gerer" rel="external">{td_string!(l, booking.manage_link)}</a></p>
            </div>
        </footer>
        <StatusRegion/>
    }
}
