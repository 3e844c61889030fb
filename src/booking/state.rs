//! The booking's answers ([`Draft`]) and confirmation, kept in this tab
//! only (`sessionStorage`): a person can leave and come back, reload, or
//! retry after a 503 without typing again; "Terminer et effacer" removes
//! them. Nothing goes to localStorage, IndexedDB or cookies. Also the
//! steps' addresses ([`step`]) and their numbering ([`step_position`]).

use creneau_model::booking::Booking;
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

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

pub fn provide_booking_state() {
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
