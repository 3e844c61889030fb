//! "Vérifiez votre rendez-vous avant de confirmer": every answer with a
//! "Modifier" link, then "Confirmer le rendez-vous".
//!
//! The confirmation is sent with an Idempotency-Key kept in the tab, so
//! whatever happens it makes at most one booking:
//! - 503 or 429: "Beaucoup de demandes… Nouvel essai automatique dans
//!   12 s", a live countdown, then a retry (with jitter) with the same key;
//! - no answer: the same key is sent again after a growing pause;
//! - 409: "Ce créneau vient d'être pris", with other times from the
//!   server, every answer kept;
//! - any other refusal: the server's reason in plain words.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use creneau_model::booking::{ApiProblem, BookedBy, BookingRequest, Person};
use creneau_model::format::{date_with_year, slot_in_words, slot_with_year};
use creneau_model::snapshot::known_vaccines;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::question::{ClearAnswers, MissingAnswers, StepIndicator};
use crate::api::{self, BookingFailure};
use crate::booking::state::{step, use_booking, Draft};
use crate::i18n::*;
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::phone::{NATIONAL_PHONE, NATIONAL_PHONE_TEL};
use crate::ui::status::use_announcer;

#[derive(Clone, Debug, PartialEq)]
enum Submission {
    Idle,
    Sending,
    /// Waiting to retry after a 503/429 (`lost` false) or no answer.
    Waiting {
        seconds: u64,
        lost: bool,
    },
    Taken {
        alternatives: Vec<String>,
        dose: u8,
        no_second: bool,
    },
    Refused(ApiProblem),
}

fn request_of(d: &Draft) -> BookingRequest {
    BookingRequest {
        centre: d.centre.clone(),
        slot: d.slot.clone(),
        vaccine: d.vaccine.clone(),
        person: Person {
            first_name: d.first_name.clone(),
            last_name: d.last_name.clone(),
            birth_date: d.birth_date(),
            phone: Some(d.phone.clone()).filter(|p| !p.is_empty()),
            email: Some(d.email.clone()).filter(|e| !e.is_empty()),
        },
        booked_by: if d.helper() {
            BookedBy::Helper
        } else {
            BookedBy::Myself
        },
        second_slot: (!d.second_only && !d.second_slot.is_empty()).then(|| d.second_slot.clone()),
        first_injection_date: d.second_only.then(|| d.first_dose_date()),
        // The confirmation and reminders come in the language booked in.
        lang: Some(lang().code().to_string()),
    }
}

/// A fresh Idempotency-Key: a version 4 UUID from Web Crypto (the
/// system's generator; `Math.random` is not meant for this).
fn new_key() -> Option<String> {
    web_sys::window()?.crypto().ok().map(|c| c.random_uuid())
}

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// One row of the summary list.
#[component]
fn Row(
    #[prop(into)] key_text: String,
    #[prop(into)] value: String,
    #[prop(optional, into)] change: Option<String>,
) -> impl IntoView {
    let l = locale();
    let hidden = format!("{}{}", td_string!(l, common.colon), key_text.to_lowercase());
    view! {
        <div class="summary-row">
            <dt>{key_text}</dt>
            <dd>{value}</dd>
            <dd class="summary-action">{change.map(|href| view! {
                <a href=href>{td_string!(l, booking.change)}<span class="visually-hidden">{hidden}</span></a>
            })}</dd>
        </div>
    }
}

#[component]
pub fn CheckPage() -> impl IntoView {
    let state = use_booking();
    let draft = state.draft.get_untracked();
    if draft.slot.is_empty()
        || (!draft.second_only && draft.second_slot.is_empty())
        || draft.who.is_empty()
        || draft.first_name.is_empty()
        || draft.birth_year.is_empty()
        || draft.vaccine.is_empty()
    {
        return view! { <MissingAnswers/> }.into_any();
    }
    let l = locale();
    let announcer = use_announcer();
    let navigate = use_navigate();
    let sending = RwSignal::new(Submission::Idle);
    let retry_now = RwSignal::new(0u32);
    // Stop retrying once the person has left this page.
    let alive = Arc::new(AtomicBool::new(true));
    {
        let alive = alive.clone();
        on_cleanup(move || alive.store(false, Ordering::Relaxed));
    }
    let send = {
        let alive = alive.clone();
        move || {
            if matches!(
                sending.get_untracked(),
                Submission::Sending | Submission::Waiting { .. }
            ) {
                return;
            }
            let mut key = state.draft.get_untracked().key.clone();
            if key.is_none() {
                key = new_key();
                state.draft.update(|d| d.key = key.clone());
            }
            let Some(key) = key else {
                // No Web Crypto at all: no safe key, so no request that a
                // retry could double; the panel gives the phone line.
                sending.set(Submission::Refused(ApiProblem {
                    error: "no_crypto".into(),
                    message: None,
                    fields: Vec::new(),
                    alternatives: Vec::new(),
                    dose: None,
                    retry_after: None,
                }));
                return;
            };
            let request = request_of(&state.draft.get_untracked());
            let navigate = navigate.clone();
            let alive = alive.clone();
            spawn_local(async move {
                let mut lost = 0u32;
                while alive.load(Ordering::Relaxed) {
                    sending.set(Submission::Sending);
                    announcer.say(td_string!(l, booking.confirming));
                    match api::create_booking(&key, &request).await {
                        Ok(booking) => {
                            announcer.say("");
                            state.confirmation.set(Some(booking));
                            state.draft.set(Draft::default());
                            navigate(step::CONFIRMATION, Default::default());
                            return;
                        }
                        Err(BookingFailure::Busy { retry_after }) => {
                            announcer.say(td_string!(l, booking.busy, n = retry_after));
                            if !countdown(retry_after, false, sending, retry_now, &alive).await {
                                return;
                            }
                        }
                        Err(BookingFailure::Network) => {
                            lost += 1;
                            let wait = u64::from((2u32.pow(lost.min(5))).min(30));
                            announcer.say(td_string!(l, booking.network));
                            if !countdown(wait, true, sending, retry_now, &alive).await {
                                return;
                            }
                        }
                        Err(BookingFailure::Taken {
                            alternatives,
                            dose,
                            no_second,
                        }) => {
                            announcer.say("");
                            sending.set(Submission::Taken {
                                alternatives,
                                dose,
                                no_second,
                            });
                            return;
                        }
                        Err(BookingFailure::Refused(problem)) => {
                            // Refused for good (not eligible, already
                            // booked…): nothing typed stays in the tab.
                            announcer.say("");
                            state.forget();
                            sending.set(Submission::Refused(problem));
                            return;
                        }
                    }
                }
            });
        }
    };
    let send_click = send.clone();
    let change = |path: &str| format!("{path}?retour=1");
    // Rebuilt when an answer changes (a new time chosen after a 409).
    let summary = move || {
        if matches!(sending.get(), Submission::Refused(_)) {
            return None;
        }
        let d = state.draft.get();
        let helper = d.helper();
        let vaccine_label = known_vaccines()
            .into_iter()
            .find(|v| v.code == d.vaccine)
            .map(|v| v.name)
            .unwrap_or_default();
        let birth = d
            .birth_date()
            .parse()
            .map(|date| date_with_year(date, lang()))
            .unwrap_or_default();
        let contact = [d.phone.clone(), d.email.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let contact = if contact.is_empty() {
            td_string!(l, booking.check_none).to_string()
        } else {
            contact
        };
        let day = d.slot.get(..10).unwrap_or_default().to_string();
        Some(view! {
            <dl class="summary-list">
                <Row key_text=td_string!(l, booking.check_centre) value=d.centre_name.clone() change=step::day(&d.centre)/>
                {if d.second_only {
                    let first = d.first_dose_date().parse().map(|date| date_with_year(date, lang())).unwrap_or_default();
                    view! {
                        <Row key_text=td_string!(l, booking.check_first) value=td_string!(l, booking.check_first_elsewhere, date = first) change=change(step::FIRST_DOSE)/>
                        <Row key_text=td_string!(l, booking.check_second) value=slot_with_year(&d.slot, lang()).unwrap_or_default() change=format!("{}?jour={day}&retour=1", step::TIME)/>
                    }.into_any()
                } else {
                    view! {
                        <Row key_text=td_string!(l, booking.check_first) value=slot_with_year(&d.slot, lang()).unwrap_or_default() change=format!("{}?jour={day}&retour=1", step::TIME)/>
                        <Row key_text=td_string!(l, booking.check_second) value=slot_with_year(&d.second_slot, lang()).unwrap_or_default() change=change(step::SECOND)/>
                    }.into_any()
                }}
                {if d.vaccines.len() > 1 {
                    view! { <Row key_text=td_string!(l, booking.check_vaccine) value=vaccine_label change=change(step::VACCINE)/> }.into_any()
                } else {
                    view! { <Row key_text=td_string!(l, booking.check_vaccine) value=vaccine_label/> }.into_any()
                }}
                <Row key_text=td_string!(l, booking.check_who) value=if helper { td_string!(l, booking.who_helper) } else { td_string!(l, booking.who_self) } change=change(step::WHO)/>
                <Row key_text=td_string!(l, booking.check_name) value=format!("{} {}", d.first_name, d.last_name) change=change(step::NAME)/>
                <Row key_text=td_string!(l, booking.check_birth) value=birth change=change(step::BIRTH)/>
                <Row key_text=td_string!(l, booking.check_contact) value=contact change=step::CONTACT/>
            </dl>
        })
    };
    view! {
        <StepIndicator/>
        <PageHeading title=td_string!(l, booking.check_title).to_string()/>
        {summary}
        {move || match sending.get() {
            Submission::Waiting { seconds, lost } => view! {
                <div class="notice notice-warning" id="booking-waiting">
                    <p>{if lost { td_string!(l, booking.network).to_string() } else { td_string!(l, booking.busy, n = seconds) }}</p>
                    {lost.then(|| view! { <p aria-hidden="true">{format!("{seconds} s")}</p> })}
                    <p>{td_string!(l, booking.busy_keep)}</p>
                    <button type="button" class="button button-secondary" on:click=move |_| retry_now.update(|n| *n += 1)>{td_string!(l, booking.retry_now)}</button>
                </div>
            }.into_any(),
            Submission::Taken { alternatives, dose, no_second } => view! { <Taken alternatives dose no_second sending/> }.into_any(),
            Submission::Refused(problem) => view! { <Refused problem/> }.into_any(),
            _ => ().into_any(),
        }}
        {move || {
            let send_click = send_click.clone();
            (!matches!(sending.get(), Submission::Refused(_))).then(|| view! {
                <button type="button" class="button" id="confirm-booking"
                    aria-disabled=move || if matches!(sending.get(), Submission::Sending | Submission::Waiting { .. }) { "true" } else { "false" }
                    on:click=move |_| send_click()>
                    {move || if sending.get() == Submission::Sending { td_string!(l, booking.confirming) } else { td_string!(l, booking.confirm) }}
                </button>
                <ClearAnswers/>
            })
        }}
    }
    .into_any()
}

/// Count down `seconds` (shown each second), or less if "Réessayer
/// maintenant" is pressed; then a random pause of up to 1.5 s so that many
/// waiting tabs do not come back together. False once the page is left.
async fn countdown(
    seconds: u64,
    lost: bool,
    sending: RwSignal<Submission>,
    retry_now: RwSignal<u32>,
    alive: &Arc<AtomicBool>,
) -> bool {
    let asked = retry_now.get_untracked();
    for left in (1..=seconds.max(1)).rev() {
        if !alive.load(Ordering::Relaxed) {
            return false;
        }
        sending.set(Submission::Waiting {
            seconds: left,
            lost,
        });
        sleep_ms(1000).await;
        if retry_now.get_untracked() != asked {
            break;
        }
    }
    sleep_ms((js_sys::Math::random() * 1500.0) as u32).await;
    alive.load(Ordering::Relaxed)
}

/// 409: the slot went; other times from the server for that injection,
/// one click each. A new first injection shows its second again.
#[component]
fn Taken(
    alternatives: Vec<String>,
    dose: u8,
    no_second: bool,
    sending: RwSignal<Submission>,
) -> impl IntoView {
    let state = use_booking();
    let l = locale();
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(p) = panel.get() {
            let _ = p.focus();
        }
    });
    let centre = state.draft.get_untracked().centre;
    let second_only = state.draft.get_untracked().second_only;
    // Which answer the alternatives replace: the second's own time, or
    // the booked slot (a first injection, or a second booked alone).
    let replaces_second = dose == 2 && !second_only;
    let navigate = use_navigate();
    let items = alternatives
        .into_iter()
        .map(|alt| {
            let words = slot_in_words(&alt, lang()).unwrap_or_else(|| alt.clone());
            let local = alt.get(..16).unwrap_or_default().to_string();
            let navigate = navigate.clone();
            view! {
                <li><button type="button" class="link-button" on:click=move |_| {
                    let local = local.clone();
                    if replaces_second {
                        state.answer(|d| d.second_slot = local);
                        sending.set(Submission::Idle);
                    } else if second_only || state.draft.with_untracked(|d| d.slot.get(..10) == local.get(..10)) {
                        // A second alone, or a first on the same day: the
                        // second's window is unchanged, and so is the second.
                        state.answer(|d| d.slot = local);
                        sending.set(Submission::Idle);
                    } else {
                        // A first on another day: its second is proposed again.
                        state.answer(|d| {
                            d.slot = local;
                            d.second_slot.clear();
                        });
                        navigate(&format!("{}?retour=1", step::SECOND), Default::default());
                    }
                }>{td_string!(l, booking.choose_other, time = words)}</button></li>
            }
        })
        .collect_view();
    view! {
        <div class="notice notice-warning" id="slot-taken" tabindex="-1" node_ref=panel role="alert">
            <h2>{if no_second { td_string!(l, booking.no_second_title) } else if replaces_second { td_string!(l, booking.second_taken_title) } else { td_string!(l, booking.taken_title) }}</h2>
            <p>{td_string!(l, booking.taken_intro)}</p>
            <ul class="choices">{items}</ul>
            <p><a href=if replaces_second { format!("{}?retour=1", step::SECOND) } else { step::day(&centre) }>{td_string!(l, booking.other_day)}</a></p>
        </div>
    }
}

/// Any other refusal: the server's words, and where to go next.
#[component]
fn Refused(problem: ApiProblem) -> impl IntoView {
    let l = locale();
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(p) = panel.get() {
            let _ = p.focus();
        }
    });
    let message = problem
        .message
        .as_ref()
        .map(|m| m.get(lang()).to_string())
        .unwrap_or_default();
    let fields = problem
        .fields
        .iter()
        .map(|f| view! { <li>{f.message.get(lang()).to_string()}</li> })
        .collect_view();
    let manage = (problem.error == "already_booked").then(|| {
        view! {
            <p><a href=step::MANAGE>{td_string!(l, booking.manage_link)}</a></p>
        }
    });
    view! {
        <div class="notice notice-warning" id="booking-refused" tabindex="-1" node_ref=panel role="alert">
            <h2>{td_string!(l, booking.refused_title)}</h2>
            <p>{message}</p>
            <ul>{fields}</ul>
            {manage}
            <p>{td_string!(l, booking.refused_help)}<a class="phone" href=NATIONAL_PHONE_TEL>{NATIONAL_PHONE}</a>{td_string!(l, layout.free_call)}</p>
            <p>{td_string!(l, booking.cleared)}</p>
        </div>
    }
}
