//! "Disponibilités mises à jour à 14 h 32": when the snapshot on screen was
//! generated, in the reader's own clock.

use creneau_model::format::time;
use leptos::prelude::*;

use super::language::{lang, locale};
use crate::i18n::*;

/// The local hour and minute of an RFC 3339 instant, by the browser's zone.
pub fn local_hour_minute(rfc3339: &str) -> Option<(u32, u32)> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    let ms = date.get_time();
    (!ms.is_nan()).then(|| (date.get_hours(), date.get_minutes()))
}

#[component]
pub fn Freshness(#[prop(into)] generated_at: String) -> impl IntoView {
    let text = match local_hour_minute(&generated_at) {
        Some((h, m)) => td_string!(locale(), common.updated_at, time = time(h, m, lang())),
        None => td_string!(locale(), common.updated_unknown).to_string(),
    };
    view! { <p class="freshness">{text}</p> }
}
