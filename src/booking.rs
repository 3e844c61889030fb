//! The booking flow: a second, smaller app served under `/reserver/`, so
//! the finder's first load does not carry it (both are built from this
//! library; each binary keeps only what it uses).
//!
//! One question per page, the GOV.UK way: date of birth with the
//! eligibility rule (a refusal at once) → day → time → vaccine (when the
//! centre offers several) → the second injection (proposed, or another day
//! and time of its window) → for whom → name → contact (optional) → check
//! answers → confirmation. At a centre giving only second injections: date
//! of birth → the first injection's date → vaccine → day → time → for whom
//! → … And "Gérer mon rendez-vous": look up, move either injection, cancel
//! the second or both.
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
    birth::BirthPage,
    check::CheckPage,
    confirmation::ConfirmationPage,
    contact::ContactPage,
    day::DayPage,
    first_dose::FirstDosePage,
    manage::ManagePage,
    moving::{MovePage, MoveTimePage},
    name::NamePage,
    second::SecondPage,
    start::StartPage,
    time::TimePage,
    vaccine::VaccinePage,
    who::WhoPage,
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
    /// The centre's wall-clock time, `YYYY-MM-DDTHH:MM`: the first
    /// injection, or the second when the centre gives only second ones.
    pub slot: String,
    /// The second injection's time (same form), proposed then confirmed or
    /// chosen by the person; empty until then.
    pub second_slot: String,
    /// The centre gives only second injections: the person books theirs
    /// after a first given elsewhere, on the date typed here.
    pub second_only: bool,
    pub first_dose_day: String,
    pub first_dose_month: String,
    pub first_dose_year: String,
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
    /// A day tapped on the centre page (`YYYY-MM-DD`): kept while the first
    /// questions are asked, then its times are shown without asking the day.
    #[serde(default)]
    pub wanted_day: String,
}

impl Draft {
    pub fn helper(&self) -> bool {
        self.who == "helper"
    }

    /// The date of birth as the API takes it, `YYYY-MM-DD`.
    pub fn birth_date(&self) -> String {
        iso_date(&self.birth_day, &self.birth_month, &self.birth_year)
    }

    /// The first injection's date (given elsewhere), `YYYY-MM-DD`.
    pub fn first_dose_date(&self) -> String {
        iso_date(
            &self.first_dose_day,
            &self.first_dose_month,
            &self.first_dose_year,
        )
    }
}

/// `YYYY-MM-DD` from a date typed in three fields (already checked).
fn iso_date(day: &str, month: &str, year: &str) -> String {
    let pad = |s: &str| format!("{:0>2}", s.trim());
    format!("{}-{}-{}", year.trim(), pad(month), pad(day))
}

/// The tab's booking state, shared by the pages.
#[derive(Clone, Copy)]
pub struct BookingState {
    pub draft: RwSignal<Draft>,
    pub confirmation: RwSignal<Option<Booking>>,
    /// The booking found on "Gérer mon rendez-vous" and the birth date it
    /// was found with, while it is being moved or cancelled: in this
    /// page's memory only, never in storage (a reload asks again).
    pub managed: RwSignal<Option<(Booking, String)>>,
    /// What the last change to it did ("Rendez-vous déplacé…").
    pub managed_notice: RwSignal<Option<String>>,
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
        self.managed.set(None);
        self.managed_notice.set(None);
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
        managed: RwSignal::new(None),
        managed_notice: RwSignal::new(None),
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
    pub const SECOND: &str = "/reserver/etape/deuxieme-injection";
    pub const SECOND_TIME: &str = "/reserver/etape/deuxieme-injection/heure";
    pub const FIRST_DOSE: &str = "/reserver/etape/premiere-injection";
    pub const VACCINE: &str = "/reserver/etape/vaccin";
    pub const WHO: &str = "/reserver/etape/pour-qui";
    pub const NAME: &str = "/reserver/etape/nom";
    pub const BIRTH: &str = "/reserver/etape/naissance";
    pub const CONTACT: &str = "/reserver/etape/contact";
    pub const CHECK: &str = "/reserver/etape/verifier";
    pub const CONFIRMATION: &str = "/reserver/confirmation";
    pub const MANAGE: &str = "/reserver/gerer";
    pub const MOVE: &str = "/reserver/gerer/deplacer";
    pub const MOVE_TIME: &str = "/reserver/gerer/deplacer/heure";
    pub fn day(centre: &str) -> String {
        format!("/reserver/centre/{centre}")
    }
}

/// "Étape n sur m": the page at `path` among the steps this booking goes
/// through (the date of birth first, since it decides eligibility; day,
/// time, vaccine when there is a choice, the second injection, for whom,
/// name, contact, check answers; for a second injection alone, the first
/// one's date and the vaccine before the day); `None` off the steps.
pub fn step_position(draft: &Draft, path: &str) -> Option<(usize, usize)> {
    let several_vaccines = draft.vaccines.len() > 1;
    let mut steps = vec![step::BIRTH];
    if draft.second_only {
        steps.push(step::FIRST_DOSE);
        if several_vaccines {
            steps.push(step::VACCINE);
        }
        steps.extend(["day", step::TIME]);
    } else {
        steps.extend(["day", step::TIME]);
        if several_vaccines {
            steps.push(step::VACCINE);
        }
        steps.push(step::SECOND);
    }
    steps.extend([step::WHO, step::NAME, step::CONTACT, step::CHECK]);
    let here = if path.starts_with("/reserver/centre/") {
        "day"
    } else if path == step::SECOND_TIME {
        step::SECOND
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
                        <Route path=path!("/reserver/gerer/deplacer") view=MovePage/>
                        <Route path=path!("/reserver/gerer/deplacer/heure") view=MoveTimePage/>
                        <Route path=path!("/reserver/confirmation") view=ConfirmationPage/>
                        <Route path=path!("/reserver/etape/heure") view=TimePage/>
                        <Route path=path!("/reserver/etape/deuxieme-injection") view=SecondPage/>
                        <Route path=path!("/reserver/etape/deuxieme-injection/heure") view=TimePage/>
                        <Route path=path!("/reserver/etape/premiere-injection") view=FirstDosePage/>
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
        state.draft.with(|d| *d != Draft::default())
            || state.confirmation.with(Option::is_some)
            || state.managed.with(Option::is_some)
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
