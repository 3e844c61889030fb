//! A centre in a results list: name, address, next free slot in words,
//! vaccines, access, and one clear action that says where it leads.
//! Centres without a free slot are marked by text, not only by colour.

use creneau_model::format::{phone_national, slot_in_words, tel_href};
use creneau_model::snapshot::{BookingMode, CentreSummary};
use leptos::prelude::*;

use super::language::{lang, locale, singular};
use crate::i18n::*;

fn platform(mode: BookingMode) -> Option<&'static str> {
    match mode {
        BookingMode::Doctolib => Some("Doctolib"),
        BookingMode::Keldoc => Some("Keldoc"),
        BookingMode::Maiia => Some("Maiia"),
        BookingMode::Other => Some(td_string!(locale(), centre.platform_other)),
        BookingMode::Here | BookingMode::Phone => None,
    }
}

/// "Téléphone : 01 99 00 84 15", written as the French write numbers and
/// dialled in international form (`tel:+33199008415`).
#[component]
pub fn PhoneLine(phone: String) -> impl IntoView {
    let l = locale();
    view! {
        <p>{td_string!(l, common.phone)}<a class="phone" href=tel_href(&phone)>{phone_national(&phone)}</a></p>
    }
}

/// "Pfizer-BioNTech, Moderna" from the snapshot's vaccine codes.
pub fn vaccine_names(codes: &[String]) -> String {
    codes
        .iter()
        .map(|v| creneau_model::snapshot::vaccine_name(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Step-free access in words; "not said" is said, never guessed.
pub fn access_text(accessible: Option<bool>) -> &'static str {
    let l = locale();
    match accessible {
        Some(true) => td_string!(l, centre.wheelchair_yes),
        Some(false) => td_string!(l, centre.wheelchair_no),
        None => td_string!(l, centre.wheelchair_unknown),
    }
}

#[component]
pub fn CentreItem(
    centre: CentreSummary,
    #[prop(optional, into)] distance: Option<String>,
) -> impl IntoView {
    let l = locale();
    let next = centre
        .next_slot
        .as_deref()
        .and_then(|s| slot_in_words(s, lang()));
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
        td_string!(l, centre.professionals).to_string()
    } else if let Some(next) = &next {
        if singular(week as usize) {
            td_string!(l, centre.next_single, next, n = week)
        } else {
            td_string!(l, centre.next_many, next, n = week)
        }
    } else if centre.booking == BookingMode::Here {
        td_string!(l, centre.none_now).to_string()
    } else if let Some(platform) = platform(centre.booking) {
        td_string!(l, centre.on_platform, platform)
    } else {
        td_string!(l, centre.phone_only).to_string()
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
                    {td_string!(l, centre.choose_slot)}<span class="visually-hidden">{format!("{}{name}", td_string!(l, common.colon))}</span>
                </a>
            }
            .into_any(),
        ),
        (mode, false, Some(url)) if platform(mode).is_some() => Some(
            view! {
                <a class="button" href=url.clone() rel="noopener" target="_blank">
                    {td_string!(l, centre.book_on, platform = platform(mode).unwrap_or_default())}
                    <span class="visually-hidden">{td_string!(l, common.new_tab, name)}</span>
                </a>
            }
            .into_any(),
        ),
        _ => None,
    };
    let phone = centre
        .phone
        .clone()
        .map(|phone| view! { <PhoneLine phone/> });
    view! {
        <li class=class>
            // Focusable from script only: "Afficher plus" moves focus here.
            <h2 tabindex="-1">{centre.name.clone()}</h2>
            <p>{address}{distance.map(|d| td_string!(l, centre.distance, d))}</p>
            <p><strong>{availability}</strong></p>
            // Said the same way on the card, the centre page and the booking app.
            {(centre.doses == [2]).then(|| view! { <p>{td_string!(l, centre.second_only_here)}</p> })}
            <dl>
                <dt>{td_string!(l, centre.vaccines)}</dt><dd>{vaccines}</dd>
                <dt>{td_string!(l, centre.access)}</dt><dd>{access}</dd>
            </dl>
            {phone}
            <div class="actions">{action}</div>
        </li>
    }
}

/// A distance as people read it: "3,4 km" under 10 km, "12 km" above.
pub fn km(d: f64) -> String {
    if d < 10.0 {
        let text = format!("{:.1} km", d);
        match locale() {
            Locale::fr => text.replace('.', ","),
            Locale::en => text,
        }
    } else {
        format!("{:.0} km", d)
    }
}
