//! The GOV.UK timeout warning (WCAG 2.2.1, Timing Adjustable): after a
//! spell without any key press, click or typing, a modal dialog says the
//! answers will be cleared, counts down, and offers to carry on (at least
//! 20 s to answer: here two minutes). Its text is announced when it opens
//! (the dialog is labelled and described, focus on "Continuer"); the count
//! is not re-announced every second. When time runs out, `on_timeout`
//! runs: the booking app clears the answers.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::language::locale;
use crate::i18n::*;

/// No activity for this long opens the warning.
pub const IDLE_MS: f64 = 20.0 * 60.0 * 1000.0;
/// The time the warning gives before clearing.
pub const WARNING_MS: f64 = 2.0 * 60.0 * 1000.0;

/// `active`: whether there is anything to clear (no warning otherwise).
#[component]
pub fn TimeoutWarning(
    #[prop(into)] active: Signal<bool>,
    on_timeout: Callback<()>,
) -> impl IntoView {
    let l = locale();
    let last_activity = StoredValue::new(js_sys::Date::now());
    // Milliseconds left while the warning shows.
    let left = RwSignal::new(None::<f64>);
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    for event in ["keydown", "pointerdown", "input"] {
        let _ = window_event_listener_untyped(event, move |_| {
            if left.get_untracked().is_none() {
                last_activity.set_value(js_sys::Date::now());
            }
        });
    }
    let tick = move || {
        if !active.get_untracked() {
            last_activity.set_value(js_sys::Date::now());
            return;
        }
        let idle = js_sys::Date::now() - last_activity.get_value();
        if idle < IDLE_MS {
            return;
        }
        let remaining = IDLE_MS + WARNING_MS - idle;
        if remaining <= 0.0 {
            if let Some(d) = dialog.get_untracked() {
                d.close();
            }
            left.set(None);
            last_activity.set_value(js_sys::Date::now());
            on_timeout.run(());
            return;
        }
        if left.get_untracked().is_none() {
            if let Some(d) = dialog.get_untracked() {
                let _ = d.show_modal();
                if let Some(button) = document()
                    .get_element_by_id("timeout-continue")
                    .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = button.focus();
                }
            }
        }
        left.set(Some(remaining));
    };
    let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(1));
    let carry_on = move |_| {
        last_activity.set_value(js_sys::Date::now());
        left.set(None);
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let countdown = move || {
        let seconds = (left.get().unwrap_or(WARNING_MS) / 1000.0).ceil() as u32;
        if seconds >= 60 {
            td_string!(l, timeout.minutes, n = seconds.div_ceil(60))
        } else {
            td_string!(l, timeout.seconds, n = seconds)
        }
    };
    view! {
        <dialog class="timeout-warning" id="timeout-warning" node_ref=dialog aria-labelledby="timeout-title" aria-describedby="timeout-text"
            on:cancel=move |ev: web_sys::Event| { ev.prevent_default(); carry_on(()); }>
            <h2 id="timeout-title">{td_string!(l, timeout.title)}</h2>
            <p id="timeout-text">{td_string!(l, timeout.text)}<span class="timeout-count">{countdown}</span>"."</p>
            <button type="button" class="button" id="timeout-continue" on:click=move |_| carry_on(())>{td_string!(l, timeout.carry_on)}</button>
        </dialog>
    }
}
