//! A list of centres shown twenty at a time, with "Afficher 20 centres de
//! plus" below: a search around Paris finds hundreds, and drawing them all
//! at once keeps a slow phone busy for most of a second before it answers
//! a tap. The button adds the next cards below those already read, moves
//! focus to the first new one (so a keyboard or screen-reader user carries
//! on reading from there, not from the top) and says what it added.

use creneau_model::search::Hit;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::centre::{km, CentreItem};
use super::language::locale;
use super::status::use_announcer;
use crate::i18n::*;

/// How many cards one screen shows, and one tap adds.
pub const PAGE: u32 = 20;

#[component]
pub fn CentreList(hits: Vec<Hit>) -> impl IntoView {
    let l = locale();
    let announcer = use_announcer();
    let total = hits.len() as u32;
    // u32, as other signals are: each new signal type adds its own code.
    let shown = RwSignal::new(total.min(PAGE));
    let list = NodeRef::<leptos::html::Ul>::new();
    let more = move |_| {
        let before = shown.get_untracked();
        let after = total.min(before + PAGE);
        shown.set(after);
        announcer.say(td_string!(l, results.shown, shown = after, total));
        // The new cards exist once this update has rendered.
        request_animation_frame(move || {
            let first_new = list.get_untracked().and_then(|ul| {
                ul.query_selector(&format!(":scope > li:nth-child({}) h2", before + 1))
                    .ok()
                    .flatten()
            });
            if let Some(heading) = first_new.and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = heading.focus();
            }
        });
    };
    view! {
        <ul class="results" node_ref=list>
            // Each tap re-renders the list (tens of cards, cheaper than
            // the 8 KB of WebAssembly a keyed `<For>` adds to first load).
            {move || hits[..shown.get() as usize].iter().map(|hit| match hit.distance_km {
                Some(d) => view! { <CentreItem centre=hit.centre.clone() distance=km(d)/> }.into_any(),
                None => view! { <CentreItem centre=hit.centre.clone()/> }.into_any(),
            }).collect_view()}
        </ul>
        {move || {
            let left = total - shown.get();
            (left > 0).then(|| view! {
                <p class="no-print">
                    <button type="button" class="button button-secondary" on:click=more>
                        {if left == 1 {
                            td_string!(l, results.more_last).to_string()
                        } else {
                            td_string!(l, results.more, n = left.min(PAGE), left)
                        }}
                    </button>
                </p>
            })
        }}
    }
}
