//! The availability also as SMART Scheduling Links
//! (smart-on-fhir/smart-scheduling-links, `specification.md`), the open
//! format US publishers used in 2021 so that any finder could read their
//! slots from static hosting: a `$bulk-publish` manifest naming NDJSON
//! files of FHIR `Location`, `Schedule` and `Slot` resources, written in
//! the same generation as the rest of the snapshot. Pure: rows in, lines
//! out.
//!
//! The mapping (docs/snapshot.md says it for readers):
//! - a centre is a `Location` (address with the département as `state`,
//!   its phone or else the national line, its position when known);
//! - each vaccine it gives is a `Schedule` with the COVID-19 immunization
//!   `serviceType`, its CVX `vaccine-product` and the injections it books
//!   as `vaccine-dose`;
//! - each day with free places is one coarse `Slot` from its first free
//!   start to its last free end, with `slot-capacity` the day's free
//!   places, a `booking-deep-link` to the booking flow and a
//!   `booking-phone`; one Slot file per département, marked with
//!   `extension.state`.
//!
//! Centres booked on another platform or by phone only have a Location and
//! Schedules but no Slots: their availability is not known here.

use chrono::{NaiveDate, NaiveTime, SecondsFormat, TimeZone};
use creneau_model::snapshot::{BookingMode, CentreSummary, DaySlots};
use serde_json::{json, Value};

pub const DEEP_LINK: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link";
pub const BOOKING_PHONE: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone";
pub const CAPACITY: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity";
pub const PRODUCT: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/vaccine-product";
pub const DOSE: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/vaccine-dose";

/// The national vaccination line of January 2021, for centres that give
/// no number of their own (`Location.telecom` is required).
pub const NATIONAL_PHONE: &str = "+33800009110";

/// A vaccine's CVX code (CDC), as `vaccine-product` wants it.
fn cvx(vaccine: &str) -> Option<(&'static str, &'static str)> {
    match vaccine {
        "pfizer" => Some(("208", "Pfizer-BioNTech COVID-19 Vaccine")),
        "moderna" => Some(("207", "Moderna COVID-19 Vaccine")),
        "astrazeneca" => Some(("210", "AstraZeneca COVID-19 Vaccine")),
        "janssen" => Some(("212", "Janssen COVID-19 Vaccine")),
        _ => None,
    }
}

/// A FHIR id from a centre id: letters and digits kept, `-` and `_`
/// (which a centre id may hold and the specification's ids may not)
/// written `.h` and `.u`; a centre id never holds `.`, so this is
/// one-to-one.
pub fn fhir_id(centre_id: &str) -> String {
    let mut id = String::with_capacity(centre_id.len());
    for c in centre_id.chars() {
        match c {
            '-' => id.push_str(".h"),
            '_' => id.push_str(".u"),
            c => id.push(c),
        }
    }
    id
}

/// An id of at most 64 characters, as the specification allows: a longer
/// one keeps its start and ends with a hash of the whole.
fn bounded(id: String) -> String {
    use sha2::{Digest, Sha256};
    if id.len() <= 64 {
        return id;
    }
    let hash = Sha256::digest(id.as_bytes());
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let keep = id
        .char_indices()
        .take_while(|(i, _)| *i < 47)
        .map(|(_, c)| c)
        .collect::<String>();
    format!("{keep}.{hex}")
}

/// One centre's resources: its Location line, its Schedule lines, its
/// Slot lines.
#[derive(Clone)]
pub struct CentreResources {
    pub location: String,
    pub schedules: Vec<String>,
    pub slots: Vec<String>,
}

/// The resources of one centre, `days` its free runs (local times in `tz`),
/// `slot_minutes` apart; `public_url` is where the site is served.
pub fn centre_resources(
    summary: &CentreSummary,
    departement: &str,
    departement_name: &str,
    tz: chrono_tz::Tz,
    days: &[DaySlots],
    slot_minutes: u16,
    public_url: &str,
) -> CentreResources {
    let location_id = bounded(fhir_id(&summary.id));
    let phone = summary
        .phone
        .clone()
        .unwrap_or_else(|| NATIONAL_PHONE.to_string());
    let mut location = json!({
        "resourceType": "Location",
        "id": location_id,
        "name": summary.name,
        "telecom": [{"system": "phone", "value": phone}],
        "address": {
            "line": if summary.address.is_empty() { vec![] } else { vec![summary.address.clone()] },
            "city": summary.commune,
            "district": departement_name,
            "state": departement,
            "postalCode": summary.postcode,
            "country": "FR",
        },
    });
    if let (Some(lat), Some(lon)) = (summary.lat, summary.lon) {
        location["position"] = json!({"latitude": lat, "longitude": lon});
    }
    let doses: Vec<u8> = if summary.doses.is_empty() {
        vec![1, 2]
    } else {
        summary.doses.clone()
    };
    let schedule_ids: Vec<String> = summary
        .vaccines
        .iter()
        .map(|v| bounded(format!("{location_id}.{}", fhir_id(v))))
        .collect();
    let schedules = summary
        .vaccines
        .iter()
        .zip(&schedule_ids)
        .map(|(vaccine, id)| {
            let mut extension: Vec<Value> = Vec::new();
            if let Some((code, display)) = cvx(vaccine) {
                extension.push(json!({"url": PRODUCT, "valueCoding": {
                    "system": "http://hl7.org/fhir/sid/cvx", "code": code, "display": display}}));
            }
            for dose in &doses {
                extension.push(json!({"url": DOSE, "valueInteger": dose}));
            }
            line(&json!({
                "resourceType": "Schedule",
                "id": id,
                "serviceType": [{"coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/service-type", "code": "57", "display": "Immunization"},
                    {"system": "http://fhir-registry.smarthealthit.org/CodeSystem/service-type", "code": "covid19-immunization", "display": "COVID-19 Immunization Appointment"}
                ]}],
                "actor": [{"reference": format!("Location/{location_id}")}],
                "extension": extension,
            }))
        })
        .collect();
    let mut slots = Vec::new();
    let bookable = summary.booking == BookingMode::Here && !summary.reserved_for_professionals;
    if bookable {
        let deep_link = format!(
            "{}/reserver/centre/{}",
            public_url.trim_end_matches('/'),
            summary.id
        );
        // One coarse Slot a day and Schedule, from its first free start to
        // its last free end, holding the day's free places: the
        // specification allows slots "as broad as the clinic's operating
        // hours for the day", and one a run made France's Slot files 18.6 MB
        // rather than 12.9.
        for day in days {
            let Ok(date) = day.date.parse::<NaiveDate>() else {
                continue;
            };
            let local = |start: &str, slots: u32| {
                let time = NaiveTime::parse_from_str(start, "%H:%M").ok()?;
                let at = tz.from_local_datetime(&date.and_time(time)).earliest()?;
                Some(at + chrono::Duration::minutes(i64::from(slot_minutes) * i64::from(slots)))
            };
            let (Some(first), Some(last)) = (day.runs.first(), day.runs.last()) else {
                continue;
            };
            let (Some(start), Some(end)) = (local(&first.start, 0), local(&last.start, last.count))
            else {
                continue;
            };
            let capacity: u32 = day.runs.iter().map(|r| r.free * r.count).sum();
            for schedule in &schedule_ids {
                slots.push(line(&json!({
                    "resourceType": "Slot",
                    "id": bounded(format!("{schedule}.{}", date.format("%Y%m%d"))),
                    "schedule": {"reference": format!("Schedule/{schedule}")},
                    "status": "free",
                    "start": start.to_rfc3339_opts(SecondsFormat::Secs, false),
                    "end": end.to_rfc3339_opts(SecondsFormat::Secs, false),
                    "extension": [
                        {"url": DEEP_LINK, "valueUrl": deep_link},
                        {"url": BOOKING_PHONE, "valueString": phone},
                        {"url": CAPACITY, "valueInteger": capacity},
                    ],
                })));
            }
        }
    }
    CentreResources {
        location: line(&location),
        schedules,
        slots,
    }
}

/// One NDJSON line: the resource, minified, and its newline.
fn line(value: &Value) -> String {
    let mut text = value.to_string();
    text.push('\n');
    text
}

/// The manifest: `files` are (type, URL, département for Slot files).
pub fn manifest(
    transaction_time: &str,
    public_url: &str,
    files: &[(&str, String, Option<String>)],
) -> Vec<u8> {
    let output: Vec<Value> = files
        .iter()
        .map(|(kind, url, state)| match state {
            Some(state) => json!({"type": kind, "url": url, "extension": {"state": [state]}}),
            None => json!({"type": kind, "url": url}),
        })
        .collect();
    serde_json::to_vec(&json!({
        "transactionTime": transaction_time,
        "request": format!("{}/data/$bulk-publish", public_url.trim_end_matches('/')),
        "output": output,
        "error": [],
    }))
    .expect("JSON values serialise")
}
