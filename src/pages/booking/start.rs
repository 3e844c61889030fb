//! `/reserver/`: the booking flow opened without a centre (a bookmark, a
//! typed address, or after "Effacer mes réponses"). It says where to go:
//! back to the booking under way, to the finder to choose a centre, or to
//! "Gérer mon rendez-vous". After clearing it says the answers are gone.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::booking::{step, use_booking};
use crate::components::heading::PageHeading;
use crate::components::language::locale;
use crate::components::status::use_announcer;
use crate::i18n::*;

/// The query flag `ClearAnswers` sets on its way here.
pub const CLEARED: &str = "efface";

#[component]
pub fn StartPage() -> impl IntoView {
    let l = locale();
    let state = use_booking();
    let cleared = use_query_map().read_untracked().get(CLEARED).is_some();
    let draft = state.draft.get_untracked();
    if cleared {
        use_announcer().say(td_string!(l, booking.cleared));
    }
    let resume = (!draft.centre.is_empty()).then(|| {
        view! {
            <p><a href=step::day(&draft.centre)>{td_string!(l, booking.resume, centre = draft.centre_name.clone())}</a></p>
        }
    });
    view! {
        <PageHeading title=td_string!(l, booking.start_title).to_string()/>
        {cleared.then(|| view! { <p class="notice notice-success" id="answers-cleared">{td_string!(l, booking.cleared)}</p> })}
        {resume}
        <ul class="choices">
            <li><a href="/" rel="external">{td_string!(l, booking.start_find)}</a></li>
            <li><a href=step::MANAGE>{td_string!(l, booking.manage_link)}</a></li>
        </ul>
    }
}
