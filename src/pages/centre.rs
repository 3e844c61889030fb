//! A centre: address, phone, opening hours as a table, vaccines, access,
//! how to book, and its free slots day by day from the centre file.

use creneau_model::format::{date_str, Lang};
use creneau_model::hours::{hhmm, DayHours};
use creneau_model::snapshot::BookingMode;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::components::centre::{access_text, tel_href, vaccine_names};
use crate::components::freshness::Freshness;
use crate::components::heading::PageHeading;
use crate::components::problem::Problem;
use crate::components::status::use_announcer;
use crate::components::watch::use_snapshot_watch;

const DAYS: [&str; 7] = [
    "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche",
];

fn hours_text(day: &DayHours) -> String {
    match day {
        DayHours::Closed => "Fermé".into(),
        DayHours::Open { intervals, note } => {
            let times = intervals
                .iter()
                .map(|i| {
                    format!(
                        "{} – {}",
                        hhmm(i.start).replacen(':', " h ", 1),
                        hhmm(i.end).replacen(':', " h ", 1)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            match note {
                Some(n) => format!("{times} (indiqué par le centre : « {n} »)"),
                None => times,
            }
        }
        DayHours::Unknown { .. } => "Horaires non communiqués".into(),
    }
}

#[component]
pub fn CentrePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let announcer = use_announcer();
    let title = RwSignal::new("Centre de vaccination".to_string());
    let watch = use_snapshot_watch();
    let data = LocalResource::new(move || {
        watch.track();
        let id = id();
        async move { api::centre(&id).await }
    });
    view! {
        <PageHeading title=title/>
        <Suspense fallback=move || {
            announcer.say("Chargement du centre…");
            view! { <p>"Chargement du centre…"</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((pointer, file)) => {
                        watch.showing(&pointer.version);
                        let c = file.centre.clone();
                        title.set(c.name.clone());
                        announcer.say("");
                        let hours = file.hours.iter().enumerate().map(|(i, d)| view! {
                            <tr><th scope="row">{DAYS[i]}</th><td>{hours_text(d)}</td></tr>
                        }).collect_view();
                        let phone = c.phone.clone().map(|p| {
                            let href = tel_href(&p);
                            view! { <p>"Téléphone : "<a class="phone" href=href>{p}</a></p> }
                        });
                        let how = match (c.booking, c.reserved_for_professionals) {
                            (_, true) => "Ce centre est réservé aux professionnels de santé.".to_string(),
                            (BookingMode::Here, _) => "Rendez-vous sur Créneau : choisissez un jour ci-dessous.".to_string(),
                            (BookingMode::Phone, _) => "Rendez-vous par téléphone uniquement.".to_string(),
                            _ => "Rendez-vous sur la plateforme du centre.".to_string(),
                        };
                        let link = c.booking_url.clone().filter(|_| !c.reserved_for_professionals && c.booking != BookingMode::Here).map(|url| view! {
                            <p><a class="button" href=url rel="noopener" target="_blank">"Prendre rendez-vous en ligne"<span class="visually-hidden">{format!(" : {} (nouvel onglet)", c.name)}</span></a></p>
                        });
                        let slot_minutes = file.slot_minutes;
                        let days = file.days.iter().map(|d| {
                            let times = d.times(slot_minutes);
                            let free: u32 = times.iter().map(|(_, f)| f).sum();
                            let first = times.first().map(|(t, _)| t.replacen(':', " h ", 1)).unwrap_or_default();
                            view! { <li><strong>{date_str(&d.date, Lang::Fr)}</strong>{format!(" : {free} places libres, dès {first}")}</li> }
                        }).collect_view();
                        let no_days = file.days.is_empty().then(|| view! { <p>"Aucun créneau libre sur Créneau pour le moment."</p> });
                        let access = access_text(c.accessible);
                        let vaccines = vaccine_names(&c.vaccines);
                        view! {
                            <p>{format!("{}, {} {}", c.address, c.postcode, c.commune)}</p>
                            {phone}
                            <h2>"Prendre rendez-vous"</h2>
                            <p>{how}</p>
                            {link}
                            <h2>"Horaires d’ouverture"</h2>
                            <table class="hours"><tbody>{hours}</tbody></table>
                            <h2>"Vaccins et accès"</h2>
                            <p>{format!("Vaccins : {vaccines}. {access}.")}</p>
                            <h2>"Places libres par jour"</h2>
                            <Freshness generated_at=pointer.generated_at.clone()/>
                            {no_days}
                            <ul class="day-list">{days}</ul>
                        }.into_any()
                    }
                    Err(error) => {
                        if error == api::ApiError::NotFound {
                            title.set("Centre introuvable".into());
                        }
                        view! { <Problem error/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
