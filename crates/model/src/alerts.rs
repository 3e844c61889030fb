//! Which alerts ("Me prévenir") a snapshot generation answers: each alert
//! watches a circle (a place and a radius) or one centre, for any vaccine
//! or one; each generation gives the centres that have free places. Those
//! centres are put in a grid of cells half a degree high and wide (about 55
//! by 37 km in metropolitan France), and each alert looks only at the cells
//! its circle touches, its own first, stopping at the first centre that
//! answers it.
//!
//! Also the sign-up request ([`AlertRequest`]) and its checks, shared by
//! the API and the app so both say the same thing.
//!
//! Cost: `cargo run --release -p creneau --example alerts_cost`
//! (part of `make bench`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::booking::{check_email, FieldProblem, Message};
use crate::geo::distance_km;
use crate::sms::mobile_number;

/// How long a confirmed alert lasts.
pub const ALERT_DAYS: i64 = 30;
/// How long a confirmation link holds.
pub const CONFIRM_HOURS: i64 = 48;
/// The widest circle an alert may watch.
pub const RADIUS_MAX_KM: u32 = 100;

/// "Me prévenir": what a person asks to be told of, and where to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertRequest {
    /// An e-mail address, or…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// …a French mobile number (06 or 07) for SMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Around a place, or…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<Near>,
    /// …one centre (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre: Option<String>,
    /// One vaccine's code, or any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vaccine: Option<String>,
    /// The messages' language: `fr` (default) or `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// A place and a radius.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Near {
    pub lat: f64,
    pub lon: f64,
    pub radius_km: u32,
    /// What the person searched for ("Metz"), for the messages.
    pub place: String,
}

/// The answer to a sign-up, whatever became of it: it never says whether
/// the address already had an alert, or was over its limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertAccepted {
    pub message: Message,
}

/// A confirmed alert, as its confirmation answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertConfirmed {
    /// RFC 3339: when it ends by itself.
    pub expires_at: String,
}

fn problem(field: &str, fr: &str, en: &str) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        message: Message::new(fr, en),
    }
}

/// Every problem with a sign-up, one per field.
pub fn check_alert_request(req: &AlertRequest) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let email = req
        .email
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let phone = req
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match (email, phone) {
        (Some(_), Some(_)) => problems.push(problem(
            "contact",
            "Donnez une adresse e-mail ou un numéro de portable, pas les deux",
            "Give an email address or a mobile number, not both",
        )),
        (None, None) => problems.push(problem(
            "contact",
            "Donnez une adresse e-mail ou un numéro de portable",
            "Give an email address or a mobile number",
        )),
        (Some(e), None) => problems.extend(check_email("email", e)),
        (None, Some(p)) => {
            if mobile_number(p).is_none() {
                problems.push(problem(
                    "phone",
                    "Saisissez un numéro de portable qui commence par 06 ou 07, comme 06 12 34 56 78",
                    "Enter a mobile number starting 06 or 07, like 06 12 34 56 78",
                ))
            }
        }
    }
    match (&req.near, &req.centre) {
        (Some(_), Some(_)) | (None, None) => problems.push(problem(
            "near",
            "Choisissez un lieu et une distance, ou un centre",
            "Choose a place and a distance, or a centre",
        )),
        (Some(n), None) => {
            let placed = (-90.0..=90.0).contains(&n.lat) && (-180.0..=180.0).contains(&n.lon);
            if !placed {
                problems.push(problem(
                    "near",
                    "Ce lieu n’a pas de position connue : choisissez-en un dans la liste",
                    "This place has no known position: choose one from the list",
                ));
            }
            if !(1..=RADIUS_MAX_KM).contains(&n.radius_km) {
                problems.push(problem(
                    "near.radius_km",
                    "Choisissez une distance de 1 à 100 km",
                    "Choose a distance from 1 to 100 km",
                ));
            }
            let place = n.place.trim();
            if place.is_empty() || place.chars().count() > 80 || place.chars().any(char::is_control)
            {
                problems.push(problem(
                    "near.place",
                    "Le nom du lieu doit faire de 1 à 80 caractères",
                    "The place's name must be 1 to 80 characters long",
                ));
            }
        }
        (None, Some(c)) => {
            if c.is_empty() || c.len() > 64 || c.chars().any(|c| c.is_control() || c == '/') {
                problems.push(problem(
                    "centre",
                    "Ce centre n’existe pas",
                    "This centre does not exist",
                ));
            }
        }
    }
    if let Some(v) = &req.vaccine {
        if v.is_empty() || v.len() > 40 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            problems.push(problem(
                "vaccine",
                "Ce vaccin n’est pas connu",
                "This vaccine is not known",
            ));
        }
    }
    if req.lang.as_deref().is_some_and(|l| l != "fr" && l != "en") {
        problems.push(problem(
            "lang",
            "La langue doit être fr ou en",
            "The language must be fr or en",
        ));
    }
    problems
}

/// Cell size in degrees.
const CELL: f64 = 0.5;
/// Kilometres in a degree of latitude.
const KM_PER_DEGREE: f64 = 111.2;

/// What one alert watches.
#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    pub id: i64,
    /// Where: a circle, or one centre.
    pub area: Area,
    /// One vaccine's code, or any.
    pub vaccine: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Area {
    Circle { lat: f64, lon: f64, radius_km: f64 },
    Centre(String),
}

/// A centre with free places in this generation.
#[derive(Clone, Debug, PartialEq)]
pub struct Opening {
    pub centre: String,
    /// For the message: its name and commune.
    pub name: String,
    pub commune: String,
    pub lat: f64,
    pub lon: f64,
    pub vaccines: Vec<String>,
}

fn cell_of(lat: f64, lon: f64) -> (i32, i32) {
    ((lat / CELL).floor() as i32, (lon / CELL).floor() as i32)
}

/// The centres with free places in one generation, in grid cells.
pub struct OpeningIndex<'a> {
    openings: &'a [Opening],
    cells: HashMap<(i32, i32), Vec<usize>>,
    centres: HashMap<&'a str, usize>,
}

impl<'a> OpeningIndex<'a> {
    pub fn new(openings: &'a [Opening]) -> Self {
        let mut cells: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
        let mut centres = HashMap::new();
        for (i, o) in openings.iter().enumerate() {
            cells.entry(cell_of(o.lat, o.lon)).or_default().push(i);
            centres.insert(o.centre.as_str(), i);
        }
        OpeningIndex {
            openings,
            cells,
            centres,
        }
    }

    /// A centre that answers the alert, if any: its own centre, or the
    /// first within its circle, its own cell looked at first (so, most
    /// often, one near it). The first found ends the search: in a city, an
    /// alert costs a comparison or two.
    pub fn answer(&self, w: &Watch) -> Option<&'a Opening> {
        let wants = |o: &Opening| {
            w.vaccine
                .as_ref()
                .is_none_or(|v| o.vaccines.iter().any(|c| c == v))
        };
        match &w.area {
            Area::Centre(id) => self
                .centres
                .get(id.as_str())
                .map(|&i| &self.openings[i])
                .filter(|o| wants(o)),
            Area::Circle {
                lat,
                lon,
                radius_km,
            } => {
                let own = cell_of(*lat, *lon);
                let dlat = radius_km / KM_PER_DEGREE;
                let dlon = radius_km / (KM_PER_DEGREE * lat.to_radians().cos().max(0.01));
                let (lo, hi) = (
                    cell_of(lat - dlat, lon - dlon),
                    cell_of(lat + dlat, lon + dlon),
                );
                let others = (lo.0..=hi.0)
                    .flat_map(|y| (lo.1..=hi.1).map(move |x| (y, x)))
                    .filter(|c| *c != own);
                std::iter::once(own)
                    .chain(others)
                    .flat_map(|c| self.cells.get(&c).into_iter().flatten())
                    .map(|&i| &self.openings[i])
                    .find(|o| wants(o) && distance_km((*lat, *lon), (o.lat, o.lon)) <= *radius_km)
            }
        }
    }

    /// Each alert answered, once: (alert id, a centre that answers it).
    pub fn answered(&self, watches: &[Watch]) -> Vec<(i64, &'a Opening)> {
        watches
            .iter()
            .filter_map(|w| self.answer(w).map(|c| (w.id, c)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opening(centre: &str, lat: f64, lon: f64) -> Opening {
        Opening {
            centre: centre.into(),
            name: centre.into(),
            commune: "Metz".into(),
            lat,
            lon,
            vaccines: vec!["pfizer".to_string()],
        }
    }

    fn ids<'a>(index: &OpeningIndex<'a>, watches: &[Watch]) -> Vec<(i64, &'a str)> {
        index
            .answered(watches)
            .into_iter()
            .map(|(id, o)| (id, o.centre.as_str()))
            .collect()
    }

    #[test]
    fn a_sign_up_needs_one_contact_one_area_and_a_mobile_for_sms() {
        let near = Some(Near {
            lat: 49.1,
            lon: 6.2,
            radius_km: 20,
            place: "Metz".into(),
        });
        let ok = AlertRequest {
            email: Some("a@b.fr".into()),
            near: near.clone(),
            ..Default::default()
        };
        assert!(check_alert_request(&ok).is_empty());
        let fields = |r: &AlertRequest| -> Vec<String> {
            check_alert_request(r)
                .into_iter()
                .map(|p| p.field)
                .collect()
        };
        let landline = AlertRequest {
            email: None,
            phone: Some("01 23 45 67 89".into()),
            ..ok.clone()
        };
        assert_eq!(fields(&landline), ["phone"]);
        let both = AlertRequest {
            phone: Some("06 12 34 56 78".into()),
            ..ok.clone()
        };
        assert_eq!(fields(&both), ["contact"]);
        let nowhere = AlertRequest {
            near: None,
            ..ok.clone()
        };
        assert_eq!(fields(&nowhere), ["near"]);
        let wide = AlertRequest {
            near: Some(Near {
                radius_km: 500,
                ..near.clone().unwrap()
            }),
            lang: Some("de".into()),
            ..ok.clone()
        };
        assert_eq!(fields(&wide), ["near.radius_km", "lang"]);
    }

    fn circle(id: i64, lat: f64, lon: f64, radius_km: f64, vaccine: Option<&str>) -> Watch {
        Watch {
            id,
            area: Area::Circle {
                lat,
                lon,
                radius_km,
            },
            vaccine: vaccine.map(String::from),
        }
    }

    #[test]
    fn a_centre_answers_the_alerts_whose_circle_holds_it_and_vaccine_it_offers() {
        let watches = vec![
            circle(1, 49.119, 6.176, 10.0, None),            // Metz, 10 km
            circle(2, 49.119, 6.176, 10.0, Some("moderna")), // Metz, Moderna only
            circle(3, 48.692, 6.184, 20.0, None),            // Nancy, 20 km: 47 km away
            circle(4, 48.692, 6.184, 60.0, Some("pfizer")),  // Nancy, 60 km
            Watch {
                id: 5,
                area: Area::Centre("metz-1".into()),
                vaccine: None,
            },
            Watch {
                id: 6,
                area: Area::Centre("other".into()),
                vaccine: None,
            },
        ];
        let openings = [opening("metz-1", 49.12, 6.18)];
        assert_eq!(
            ids(&OpeningIndex::new(&openings), &watches),
            vec![(1, "metz-1"), (4, "metz-1"), (5, "metz-1")]
        );
    }

    #[test]
    fn an_alert_across_a_cell_edge_is_answered_once_its_own_cell_first() {
        // Just north of the 49.0 line of cells, 30 km: a centre either side.
        let watches = vec![circle(7, 49.01, 6.0, 30.0, None)];
        let openings = [opening("north", 49.15, 6.0), opening("south", 48.95, 6.0)];
        let index = OpeningIndex::new(&openings);
        assert_eq!(ids(&index, &watches), vec![(7, "north")]);
        let far = [opening("south", 48.6, 6.0)];
        assert!(
            OpeningIndex::new(&far).answered(&watches).is_empty(),
            "45 km away"
        );
    }
}
