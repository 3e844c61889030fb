//! `/reserver/`: the booking flow opened without a centre (a bookmark, a
//! typed address, or after "Effacer mes réponses"). It says where to go:
//! back to the booking under way, to the finder to choose a centre, or to
//! "Gérer mon rendez-vous". After clearing it says the answers are gone.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::booking::state::{step, use_booking};
use crate::i18n::*;
use crate::ui::heading::PageHeading;
use crate::ui::language::locale;
use crate::ui::status::use_announcer;

/// The query flag set on the way here after clearing.
pub const CLEARED: &str = "efface";

/// Clear this booking from the tab and come here, which then says so:
/// "Effacer mes réponses" and the inactivity timeout both do this.
pub fn use_clear_answers() -> impl Fn() + Clone + 'static {
    let state = use_booking();
    let navigate = use_navigate();
    move || {
        state.forget();
        navigate(&format!("{}?{CLEARED}=1", step::START), Default::default());
    }
}

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
