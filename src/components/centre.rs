//! A centre in a results list: name, address, next free slot in words,
//! vaccines, access, and one clear action that says where it leads.
//! Centres without a free slot are marked by text, not only by colour.

use creneau_model::format::{slot_in_words, Lang};
use creneau_model::snapshot::{BookingMode, CentreSummary};
use leptos::prelude::*;

fn platform(mode: BookingMode) -> Option<&'static str> {
    match mode {
        BookingMode::Doctolib => Some("Doctolib"),
        BookingMode::Keldoc => Some("Keldoc"),
        BookingMode::Maiia => Some("Maiia"),
        BookingMode::Other => Some("le site du centre"),
        BookingMode::Here | BookingMode::Phone => None,
    }
}

/// A `tel:` address for a phone number as published ("+33 1 99 00 02 72").
pub fn tel_href(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

/// "Pfizer-BioNTech, Moderna" from the snapshot's vaccine codes.
pub fn vaccine_names(codes: &[String]) -> String {
    codes
        .iter()
        .map(|v| match v.as_str() {
            "pfizer" => "Pfizer-BioNTech",
            "moderna" => "Moderna",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Step-free access in words; "not said" is said, never guessed.
pub fn access_text(accessible: Option<bool>) -> &'static str {
    match accessible {
        Some(true) => "Accessible en fauteuil roulant",
        Some(false) => "Non accessible en fauteuil roulant",
        None => "Accessibilité non précisée",
    }
}

#[component]
pub fn CentreItem(
    centre: CentreSummary,
    #[prop(optional, into)] distance: Option<String>,
) -> impl IntoView {
    let next = centre
        .next_slot
        .as_deref()
        .and_then(|s| slot_in_words(s, Lang::Fr));
    let week: u32 = centre.free_by_day.iter().take(7).sum();
    let has_slot = next.is_some();
    let unavailable =
        centre.booking == BookingMode::Here && !centre.reserved_for_professionals && !has_slot;
    let class = if unavailable {
        "result result-unavailable"
    } else {
        "result"
    };
    let address = format!("{}, {} {}", centre.address, centre.postcode, centre.commune);
    let address = address.trim_start_matches(", ").to_string();
    let vaccines = vaccine_names(&centre.vaccines);
    let access = access_text(centre.accessible);
    let availability = if centre.reserved_for_professionals {
        "Réservé aux professionnels de santé".to_string()
    } else if let Some(next) = &next {
        format!("Prochain créneau libre : {next} ({week} créneaux libres dans les 7 jours)")
    } else if centre.booking == BookingMode::Here {
        "Aucun créneau libre pour le moment".to_string()
    } else if let Some(p) = platform(centre.booking) {
        format!("Disponibilités sur {p}")
    } else {
        "Rendez-vous par téléphone".to_string()
    };
    let name = centre.name.clone();
    let action = match (
        centre.booking,
        centre.reserved_for_professionals,
        &centre.booking_url,
    ) {
        (_, true, _) => None,
        (BookingMode::Here, false, _) if has_slot => Some(
            view! {
                <a class="button" href=format!("/centre/{}", centre.id)>
                    "Choisir un créneau"<span class="visually-hidden">{format!(" : {name}")}</span>
                </a>
            }
            .into_any(),
        ),
        (mode, false, Some(url)) if platform(mode).is_some() => Some(
            view! {
                <a class="button" href=url.clone() rel="noopener" target="_blank">
                    {format!("Prendre rendez-vous sur {}", platform(mode).unwrap_or_default())}
                    <span class="visually-hidden">{format!(" : {name} (nouvel onglet)")}</span>
                </a>
            }
            .into_any(),
        ),
        _ => None,
    };
    let phone = centre.phone.clone().map(|p| {
        let href = tel_href(&p);
        view! { <p>"Téléphone : " <a class="phone" href=href>{p}</a></p> }
    });
    view! {
        <li class=class>
            <h2>{centre.name.clone()}</h2>
            <p>{address}{distance.map(|d| format!(" – à {d}"))}</p>
            <p><strong>{availability}</strong></p>
            <dl>
                <dt>"Vaccins"</dt><dd>{vaccines}</dd>
                <dt>"Accès"</dt><dd>{access}</dd>
            </dl>
            {phone}
            <div class="actions">{action}</div>
        </li>
    }
}
