//! French first, English second.
//!
//! Every sentence lives in `locales/fr.json` and `locales/en.json` (checked
//! at compile time by leptos_i18n); views read them with
//! `td_string!(locale(), key)`. The language is French unless the address
//! says `?lang=en` or the person chose English earlier in this tab: the
//! choice is kept in the tab's `sessionStorage` only (no cookie, nothing
//! shared with other tabs or later visits). Switching re-renders the views
//! in the other language, sets `<html lang>`, and keeps focus on the switch.

use std::sync::atomic::{AtomicBool, Ordering};

use creneau_model::format::Lang;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::*;

const STORAGE_KEY: &str = "creneau.langue";

/// Set by the switch so the next view's heading leaves focus on the switch.
static JUST_SWITCHED: AtomicBool = AtomicBool::new(false);

/// The language the views are shown in.
#[derive(Clone, Copy)]
pub struct Language(RwSignal<Locale>);

impl Language {
    /// Tracked: a view that reads it is rebuilt when the language changes.
    pub fn get(&self) -> Locale {
        self.0.get()
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

fn parse(code: &str) -> Option<Locale> {
    match code {
        "fr" => Some(Locale::fr),
        "en" => Some(Locale::en),
        _ => None,
    }
}

/// `?lang=xx` in the address, then the tab's earlier choice, then French.
fn initial_locale() -> Locale {
    let from_url = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| {
            search
                .trim_start_matches('?')
                .split('&')
                .find_map(|pair| pair.strip_prefix("lang=").and_then(parse))
        });
    from_url
        .or_else(|| {
            session_storage()
                .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
                .and_then(|code| parse(&code))
        })
        .unwrap_or(Locale::fr)
}

/// Call once, in `App`, before anything that reads text.
pub fn provide_language() -> Language {
    let language = Language(RwSignal::new(initial_locale()));
    provide_context(language);
    Effect::new(move |_| {
        let code = language.0.get().as_str();
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", code);
        }
        if let Some(storage) = session_storage() {
            let _ = storage.set_item(STORAGE_KEY, code);
        }
    });
    language
}

/// The current language, untracked: for building a view's text.
pub fn locale() -> Locale {
    use_context::<Language>()
        .map(|l| l.0.get_untracked())
        .unwrap_or(Locale::fr)
}

/// The same, as the shared model's formatting language.
pub fn lang() -> Lang {
    match locale() {
        Locale::en => Lang::En,
        Locale::fr => Lang::Fr,
    }
}

/// Whether `n` takes the singular: French says "0 centre, 1 centre",
/// English "0 centres, 1 centre". (Two rules do not justify ICU's data.)
pub fn singular(n: usize) -> bool {
    match locale() {
        Locale::fr => n <= 1,
        Locale::en => n == 1,
    }
}

/// True once after a switch: the new view's heading must not take focus.
pub fn take_just_switched() -> bool {
    JUST_SWITCHED.swap(false, Ordering::Relaxed)
}

/// The visible switch, written in the other language with its own `lang`.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let language = expect_context::<Language>();
    let l = locale();
    let button = NodeRef::<leptos::html::Button>::new();
    // Rebuilt after a switch: put focus back where the person was.
    Effect::new(move |_| {
        if let Some(b) = button.get() {
            if JUST_SWITCHED.load(Ordering::Relaxed) {
                let _ = b.unchecked_ref::<web_sys::HtmlElement>().focus();
            }
        }
    });
    let switch = move |_| {
        let next = match language.0.get_untracked() {
            Locale::fr => Locale::en,
            Locale::en => Locale::fr,
        };
        JUST_SWITCHED.store(true, Ordering::Relaxed);
        language.0.set(next);
    };
    view! {
        <button type="button" id="language-switch" class="language-switch" node_ref=button
            lang=td_string!(l, layout.switch_lang) title=td_string!(l, layout.switch_hint)
            on:click=switch>
            {td_string!(l, layout.switch_label)}
        </button>
    }
}
