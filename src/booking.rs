//! The booking flow: a second, smaller app served under `/reserver/`, so
//! the finder's first load does not carry it (both are built from this
//! library; each binary keeps only what it uses).
//!
//! One question per page, the GOV.UK way: date of birth with the
//! eligibility rule (a refusal at once) → day → time → vaccine (when the
//! centre offers several) → for whom → name → contact (optional) → check
//! answers → confirmation; and "Gérer mon rendez-vous".
//!
//! The answers ([`Draft`]) and the confirmation live in this tab only
//! (`sessionStorage`): a person can leave and come back, reload, or retry
//! after a 503 without typing again; "Terminer et effacer" removes them.
//! Nothing goes to localStorage, IndexedDB or cookies.

use creneau_model::booking::Booking;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use wasm_bindgen::JsCast;

use crate::components::language::provide_language;
use crate::components::layout::{Layout, ThisApp};
use crate::components::status::provide_announcer;
use crate::components::timeout_warning::TimeoutWarning;
use crate::pages::booking::{
    birth::BirthPage, check::CheckPage, confirmation::ConfirmationPage, contact::ContactPage,
    day::DayPage, manage::ManagePage, name::NamePage, start::StartPage, time::TimePage,
    vaccine::VaccinePage, who::WhoPage,
};
use crate::pages::not_found::NotFoundPage;

const DRAFT_KEY: &str = "creneau.reservation";
const CONFIRMATION_KEY: &str = "creneau.confirmation";

/// The answers so far, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub centre: String,
    pub centre_name: String,
    /// Vaccines the centre offers (to know whether to ask).
    pub vaccines: Vec<String>,
    pub vaccine: String,
    /// The centre's wall-clock time, `YYYY-MM-DDTHH:MM`.
    pub slot: String,
    /// "self" or "helper".
    pub who: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_day: String,
    pub birth_month: String,
    pub birth_year: String,
    pub phone: String,
    pub email: String,
    /// The Idempotency-Key of the confirmation being sent; kept across
    /// retries, dropped when an answer changes.
    pub key: Option<String>,
}

impl Draft {
    pub fn helper(&self) -> bool {
        self.who == "helper"
    }

    /// The date of birth as the API takes it, `YYYY-MM-DD`.
    pub fn birth_date(&self) -> String {
        let pad = |s: &str| format!("{:0>2}", s.trim());
        format!(
            "{}-{}-{}",
            self.birth_year.trim(),
            pad(&self.birth_month),
            pad(&self.birth_day)
        )
    }
}

/// The tab's booking state, shared by the pages.
#[derive(Clone, Copy)]
pub struct BookingState {
    pub draft: RwSignal<Draft>,
    pub confirmation: RwSignal<Option<Booking>>,
}

impl BookingState {
    /// Change answers; a new request will need a new key.
    pub fn answer(&self, change: impl FnOnce(&mut Draft)) {
        self.draft.update(|d| {
            change(d);
            d.key = None;
        });
    }

    /// "Effacer mes réponses", "Terminer et effacer", a refusal: nothing
    /// of this booking stays in the tab.
    pub fn forget(&self) {
        forget_stored();
        self.draft.set(Draft::default());
        self.confirmation.set(None);
    }
}

/// Remove this tab's booking answers and confirmation from its storage.
/// The finder calls it when it loads: leaving for the finder ends the
/// booking, so a shared computer keeps nothing of it.
pub fn forget_stored() {
    if let Some(s) = session() {
        let _ = s.remove_item(DRAFT_KEY);
        let _ = s.remove_item(CONFIRMATION_KEY);
    }
}

pub fn use_booking() -> BookingState {
    expect_context::<BookingState>()
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    session()
        .and_then(|s| s.get_item(key).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
}

fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(s), Ok(text)) = (session(), serde_json::to_string(value)) {
        let _ = s.set_item(key, &text);
    }
}

fn provide_booking_state() {
    let state = BookingState {
        draft: RwSignal::new(load(DRAFT_KEY).unwrap_or_default()),
        confirmation: RwSignal::new(load(CONFIRMATION_KEY)),
    };
    Effect::new(move |_| {
        let draft = state.draft.get();
        if draft == Draft::default() {
            if let Some(s) = session() {
                let _ = s.remove_item(DRAFT_KEY);
            }
        } else {
            save(DRAFT_KEY, &draft);
        }
    });
    Effect::new(move |_| match state.confirmation.get() {
        Some(c) => save(CONFIRMATION_KEY, &c),
        None => {
            if let Some(s) = session() {
                let _ = s.remove_item(CONFIRMATION_KEY);
            }
        }
    });
    provide_context(state);
}

/// Paths of the flow's steps.
pub mod step {
    pub const START: &str = "/reserver/";
    pub const TIME: &str = "/reserver/etape/heure";
    pub const VACCINE: &str = "/reserver/etape/vaccin";
    pub const WHO: &str = "/reserver/etape/pour-qui";
    pub const NAME: &str = "/reserver/etape/nom";
    pub const BIRTH: &str = "/reserver/etape/naissance";
    pub const CONTACT: &str = "/reserver/etape/contact";
    pub const CHECK: &str = "/reserver/etape/verifier";
    pub const CONFIRMATION: &str = "/reserver/confirmation";
    pub const MANAGE: &str = "/reserver/gerer";
    pub fn day(centre: &str) -> String {
        format!("/reserver/centre/{centre}")
    }
}

/// "Étape n sur m": the page at `path` among the steps this booking goes
/// through (the date of birth first, since it decides eligibility; day,
/// time, vaccine when there is a choice, for whom, name, contact, check
/// answers); `None` off the steps.
pub fn step_position(draft: &Draft, path: &str) -> Option<(usize, usize)> {
    let mut steps = vec![step::BIRTH, "day", step::TIME];
    if draft.vaccines.len() > 1 {
        steps.push(step::VACCINE);
    }
    steps.extend([step::WHO, step::NAME, step::CONTACT, step::CHECK]);
    let here = if path.starts_with("/reserver/centre/") {
        "day"
    } else {
        path
    };
    steps
        .iter()
        .position(|s| *s == here)
        .map(|i| (i + 1, steps.len()))
}

/// Whether the person came from the check page to change one answer
/// (`?retour=1`, set by its "Modifier" links).
pub fn changing_one_answer() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|s| s.contains("retour=1"))
}

/// Where "Continuer" and "Retour" lead: the step given, or back to the
/// check page when the person came to change one answer.
pub fn next_or_check(next: &str) -> String {
    if changing_one_answer() {
        step::CHECK.to_string()
    } else {
        next.to_string()
    }
}

#[component]
pub fn BookingApp() -> impl IntoView {
    let language = provide_language();
    provide_context(ThisApp::Booking);
    provide_announcer();
    crate::components::watch::provide_snapshot_watch();
    provide_booking_state();
    // Back to a page the browser kept whole (back/forward cache) would show
    // answers cleared since: build it again from the tab's storage instead.
    let _ = window_event_listener(leptos::ev::pageshow, |e| {
        if e.persisted() {
            let _ = window().location().reload();
        }
    });
    move || {
        language.get();
        view! {
            <Router>
                <Layout>
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/reserver") view=StartPage/>
                        <Route path=path!("/reserver/gerer") view=ManagePage/>
                        <Route path=path!("/reserver/confirmation") view=ConfirmationPage/>
                        <Route path=path!("/reserver/etape/heure") view=TimePage/>
                        <Route path=path!("/reserver/etape/vaccin") view=VaccinePage/>
                        <Route path=path!("/reserver/etape/pour-qui") view=WhoPage/>
                        <Route path=path!("/reserver/etape/nom") view=NamePage/>
                        <Route path=path!("/reserver/etape/naissance") view=BirthPage/>
                        <Route path=path!("/reserver/etape/contact") view=ContactPage/>
                        <Route path=path!("/reserver/etape/verifier") view=CheckPage/>
                        <Route path=path!("/reserver/centre/:id") view=DayPage/>
                    </Routes>
                    <InactivityClearing/>
                </Layout>
            </Router>
        }
    }
}

/// On a shared computer, answers left alone are cleared: the timeout
/// warning first, then "Vos réponses ont été effacées".
#[component]
fn InactivityClearing() -> impl IntoView {
    let state = use_booking();
    let active = Signal::derive(move || {
        state.draft.with(|d| *d != Draft::default()) || state.confirmation.with(Option::is_some)
    });
    let clear = crate::pages::booking::start::use_clear_answers();
    let on_timeout = Callback::new(move |_| clear());
    view! { <TimeoutWarning active on_timeout/> }
}

/// Replace the static shell with the booking app.
pub fn mount() {
    let root = document()
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        .expect("booking.html has #app");
    root.set_inner_html("");
    leptos::mount::mount_to(root, BookingApp).forget();
}
