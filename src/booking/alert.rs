//! "Me prévenir": ask to be told by e-mail or SMS when places free up
//! around a place (from results with no free place) or at one centre
//! (from its page), then follow the message's links to confirm or end it.
//!
//! - [`AlertPage`] (`/reserver/alerte?lieu=…&lat=…&lon=…&rayon=…` or
//!   `/reserver/alerte?centre=…&nom=…`, optional `vaccin=`): the sign-up
//!   form; its answer never says whether the address already had alerts.
//! - [`AlertConfirmPage`] (`/reserver/alerte/confirmer?token=…`) and
//!   [`AlertStopPage`] (`/reserver/alerte/arreter?token=…`): one button
//!   each, so opening a link (as a mail scanner does) changes nothing.
//!
//! In the booking app, which already carries forms and the API's calls,
//! rather than in the finder, whose first load it would grow by 23 KB.
//! Nothing typed is kept beyond the page: no storage, no address in a URL.

use creneau_model::alerts::{check_alert_request, AlertRequest, Near};
use creneau_model::format::date_with_year;
use creneau_model::search::{DEFAULT_RADIUS_KM, RADII_KM};
use creneau_model::snapshot::vaccine_name;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{self, BookingFailure};
use crate::i18n::*;
use crate::ui::error_summary::{in_own_language, ErrorSummary, FieldError};
use crate::ui::form::{error_for, TextField};
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale};
use crate::ui::layout::rel_for;
use crate::ui::status::use_announcer;

/// What an alert watches, as its page's address says.
#[derive(Clone, Debug, PartialEq)]
enum Watched {
    Near(Near),
    /// A centre's id and name.
    Centre(String, String),
}

/// A refusal or failure in the person's words.
fn failure_text(failure: &BookingFailure) -> String {
    let l = locale();
    match failure {
        BookingFailure::Busy { retry_after } => {
            let minutes = retry_after.div_ceil(60).max(1);
            td_string!(l, alert.busy, minutes)
        }
        BookingFailure::Refused(p) => p
            .message
            .as_ref()
            .map(|m| m.get(lang()).to_string())
            .unwrap_or_else(|| td_string!(l, alert.network).to_string()),
        _ => td_string!(l, alert.network).to_string(),
    }
}

#[component]
pub fn AlertPage() -> impl IntoView {
    let l = locale();
    let params = use_query_map();
    let watched = {
        let p = params.read_untracked();
        match (p.get("centre"), p.get("lat"), p.get("lon")) {
            (Some(id), _, _) if !id.is_empty() => {
                let name = p.get("nom").unwrap_or_else(|| id.clone());
                Some(Watched::Centre(id, name))
            }
            (_, Some(lat), Some(lon)) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
                (Ok(lat), Ok(lon)) => Some(Watched::Near(Near {
                    lat,
                    lon,
                    radius_km: p
                        .get("rayon")
                        .and_then(|r| r.parse().ok())
                        .filter(|r| RADII_KM.contains(r))
                        .unwrap_or(DEFAULT_RADIUS_KM),
                    place: p.get("lieu").unwrap_or_default(),
                })),
                _ => None,
            },
            _ => None,
        }
    };
    let vaccine = params
        .read_untracked()
        .get("vaccin")
        .filter(|v| !v.is_empty());
    let Some(watched) = watched else {
        return view! {
            <PageHeading title=td_string!(l, alert.title).to_string()/>
            <p>{td_string!(l, alert.incomplete)}<a href="/" rel=rel_for("/")>{td_string!(l, results.new_search)}</a></p>
        }
        .into_any();
    };
    let what = match &watched {
        Watched::Near(n) => td_string!(
            l,
            alert.what_near,
            km = n.radius_km,
            place = n.place.clone()
        ),
        Watched::Centre(_, name) => td_string!(l, alert.what_centre, name = name.clone()),
    };
    let what = match &vaccine {
        Some(v) => format!(
            "{what}{}",
            td_string!(l, alert.what_vaccine, vaccine = vaccine_name(v))
        ),
        None => what,
    };
    let (watched, vaccine) = (StoredValue::new(watched), StoredValue::new(vaccine));
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let sent = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let announcer = use_announcer();
    let request = move || {
        let (e, p) = (email.get_untracked(), phone.get_untracked());
        let (near, centre) = match watched.get_value() {
            Watched::Near(n) => (Some(n), None),
            Watched::Centre(id, _) => (None, Some(id)),
        };
        AlertRequest {
            email: Some(e.trim().to_string()).filter(|s| !s.is_empty()),
            phone: Some(p.trim().to_string()).filter(|s| !s.is_empty()),
            near,
            centre,
            vaccine: vaccine.get_value(),
            lang: Some(lang().code().to_string()),
        }
    };
    // The API's and the check's fields, as this form's inputs.
    let on_form = |mut e: FieldError| {
        e.field = match e.field.as_str() {
            "phone" => "telephone".into(),
            "email" | "contact" => "email".into(),
            _ => e.field,
        };
        e
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = request();
        let found: Vec<FieldError> = in_own_language(check_alert_request(&req))
            .into_iter()
            .map(on_form)
            .collect();
        failure.set(None);
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        errors.set(Vec::new());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::sign_up_alert(&req).await {
                Ok(accepted) => sent.set(Some(accepted.message.get(lang()).to_string())),
                Err(BookingFailure::Refused(p)) if !p.fields.is_empty() => {
                    errors.set(in_own_language(p.fields).into_iter().map(on_form).collect())
                }
                Err(f) => {
                    let text = failure_text(&f);
                    announcer.say(text.clone());
                    failure.set(Some(text));
                }
            }
            busy.set(false);
        });
    };
    let title = Signal::derive(move || {
        let t = td_string!(l, alert.title).to_string();
        if errors.read().is_empty() {
            t
        } else {
            format!("{}{t}", td_string!(l, common.error_prefix))
        }
    });
    view! {
        {move || match sent.get() {
            Some(message) => view! {
                <PageHeading title=td_string!(l, alert.sent_title).to_string()/>
                <div class="panel"><p>{message}</p></div>
                <p>{td_string!(l, alert.sent_next)}</p>
                <p><a href="/" rel=rel_for("/")>{td_string!(l, common.search_again)}</a></p>
            }.into_any(),
            None => {
                let what = what.clone();
                view! {
                    <form novalidate on:submit=submit>
                        {move || (!errors.read().is_empty()).then(|| view! { <ErrorSummary errors=errors.get()/> })}
                        <PageHeading title/>
                        <p class="lead">{td_string!(l, alert.intro, what)}</p>
                        <p>{td_string!(l, alert.how)}</p>
                        {move || failure.get().map(|text| view! { <p class="notice notice-warning">{text}</p> })}
                        <TextField id="email" label=td_string!(l, alert.email) hint=td_string!(l, alert.contact_hint) value=email error=error_for(errors, "email") kind="email" autocomplete="email"/>
                        <TextField id="telephone" label=td_string!(l, alert.phone) value=phone error=error_for(errors, "telephone") kind="tel" autocomplete="tel"/>
                        <button type="submit" class="button" aria-disabled=move || if busy.get() { "true" } else { "false" }>{td_string!(l, alert.submit)}</button>
                    </form>
                }.into_any()
            }
        }}
    }
    .into_any()
}

/// The token of a link's address.
fn token() -> String {
    use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default()
}

/// What a message's link is for.
#[derive(Clone, Copy, PartialEq)]
enum Link {
    Confirm,
    Stop,
}

impl Link {
    /// Follow it: the words to show once done.
    async fn follow(self, token: String) -> Result<String, BookingFailure> {
        let l = locale();
        match self {
            Link::Confirm => {
                let confirmed = api::confirm_alert(&token).await?;
                let day = confirmed.expires_at.get(..10).and_then(|d| d.parse().ok());
                let date = day.map_or(confirmed.expires_at.clone(), |d| date_with_year(d, lang()));
                Ok(td_string!(l, alert.confirmed, date))
            }
            Link::Stop => {
                api::end_alert(&token).await?;
                Ok(td_string!(l, alert.stopped).to_string())
            }
        }
    }
}

/// A page with one button that follows a message's link (its token in the
/// address), then says how it went. One component for both links, so the
/// app carries its code once.
#[component]
fn LinkPage(link: Link) -> impl IntoView {
    let l = locale();
    let (title, intro, button, done_title) = match link {
        Link::Confirm => (
            td_string!(l, alert.confirm_title),
            td_string!(l, alert.confirm_intro),
            td_string!(l, alert.confirm_button),
            td_string!(l, alert.confirmed_title),
        ),
        Link::Stop => (
            td_string!(l, alert.stop_title),
            td_string!(l, alert.stop_intro),
            td_string!(l, alert.stop_button),
            td_string!(l, alert.stopped_title),
        ),
    };
    let token = token();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let token = token.clone();
        leptos::task::spawn_local(async move {
            outcome.set(Some(link.follow(token).await.map_err(|f| failure_text(&f))));
            busy.set(false);
        });
    };
    move || match outcome.get() {
        Some(Ok(text)) => view! {
            <PageHeading title=done_title.to_string()/>
            <div class="panel"><p>{text}</p></div>
            <p><a href="/" rel=rel_for("/")>{td_string!(l, common.search_again)}</a></p>
        }
        .into_any(),
        Some(Err(text)) => view! {
            <PageHeading title=td_string!(l, alert.link_problem).to_string()/>
            <p>{text}</p>
            <p><a href="/" rel=rel_for("/")>{td_string!(l, common.search_again)}</a></p>
        }
        .into_any(),
        None => {
            let submit = submit.clone();
            view! {
                <PageHeading title=title.to_string()/>
                <form novalidate on:submit=submit>
                    <p>{intro}</p>
                    <button type="submit" class="button" aria-disabled=move || if busy.get() { "true" } else { "false" }>{button}</button>
                </form>
            }
            .into_any()
        }
    }
}

#[component]
pub fn AlertConfirmPage() -> impl IntoView {
    view! { <LinkPage link=Link::Confirm/> }
}

#[component]
pub fn AlertStopPage() -> impl IntoView {
    view! { <LinkPage link=Link::Stop/> }
}
