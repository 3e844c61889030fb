//! The finder's logic, pure so it is tested natively and runs in the app:
//! reading what a person typed (postcode, commune, département), finding the
//! places it names, choosing the département files a radius touches,
//! distances, filters and sorting.

use crate::geo::distance_km;
use crate::snapshot::{BookingMode, CentreSummary, DepartementEntry, Place};
use crate::text::search_key;

/// What a search box input is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// Five digits.
    Postcode(String),
    /// A département number: "75", "2A", "974"; "1" is read as "01".
    Departement(String),
    /// A commune or département name, as a search key, and the département
    /// number typed after it, if any ("Saint-Denis 93").
    Name {
        key: String,
        departement: Option<String>,
    },
}

/// Why an input cannot be searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryProblem {
    Empty,
    /// Digits that are neither a postcode nor a département ("7501").
    BadNumber,
    TooShort,
}

pub fn parse_query(input: &str) -> Result<Query, QueryProblem> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(QueryProblem::Empty);
    }
    if let Some(code) = departement_code(&compact) {
        return Ok(Query::Departement(code));
    }
    if compact.chars().all(|c| c.is_ascii_digit()) {
        return if compact.len() == 5 {
            Ok(Query::Postcode(compact))
        } else {
            Err(QueryProblem::BadNumber)
        };
    }
    let key = search_key(input);
    if key.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        return Err(QueryProblem::TooShort);
    }
    // "Saint-Denis 93", "Aix (13)": a name, then the département it is in.
    if let Some((name, last)) = key.rsplit_once(' ') {
        if let Some(code) = departement_code(last) {
            if name.chars().filter(|c| c.is_alphanumeric()).count() >= 2 {
                return Ok(Query::Name {
                    key: name.to_string(),
                    departement: Some(code),
                });
            }
        }
    }
    Ok(Query::Name {
        key,
        departement: None,
    })
}

/// A département number as people write it: "75", "2a", "974"; "1" is "01".
fn departement_code(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    if upper == "2A" || upper == "2B" {
        return Some(upper);
    }
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match text.len() {
        1 => Some(format!("0{text}")),
        2 if text != "20" && text != "00" && text <= "95" => Some(text.to_string()),
        3 if ("971"..="976").contains(&text) && text != "975" => Some(text.to_string()),
        _ => None,
    }
}

/// Cities whose arrondissements have their own postcodes and town halls.
const SPLIT_CITIES: [&str; 3] = ["75056", "69123", "13055"];

fn is_arrondissement(p: &Place) -> bool {
    matches!(&p.insee[..2], "75" | "69" | "13")
        && !SPLIT_CITIES.contains(&p.insee.as_str())
        && p.name.contains("Arrondissement")
}

/// The places a query found, and whether they were found only by
/// correcting its spelling (then the person is asked, never sent on).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Found<'a> {
    pub places: Vec<&'a Place>,
    pub corrected: bool,
}

/// At most this many places are offered for one name.
const MAX_FOUND: usize = 30;

/// The places a postcode or name query names, best first. A postcode
/// shared by several communes gives them all; for Paris, Lyon and Marseille
/// the arrondissement is kept and the whole city dropped, so "75011" is the
/// 11th, not the middle of Paris. A name gives the communes of that name
/// ("Saint-Denis" gives all of them) and those it begins as a word ("Aix"
/// gives Aix and every Aix-en-…, Aix-les-…); else those starting with it;
/// else, one or two letters off, those it was probably meant to be
/// ("Marseile"). A former commune leads to the commune it is now part of;
/// a département number after the name keeps that département's.
pub fn find_places<'a>(places: &'a [Place], query: &Query) -> Found<'a> {
    let mut found = match query {
        Query::Postcode(code) => Found {
            places: places
                .iter()
                .filter(|p| p.merged_into.is_none() && p.postcodes.iter().any(|c| c == code))
                .collect(),
            corrected: false,
        },
        Query::Name {
            key,
            departement: Some(dep),
        } => {
            let all: Vec<&Place> = places.iter().collect();
            let within: Vec<&Place> = places.iter().filter(|p| p.departement == *dep).collect();
            let mut found = find_by_name(&within, key);
            if found.places.is_empty() {
                // "Paris 11" is the 11th arrondissement, not Paris in Aude.
                found = find_by_name(&all, &format!("{key} {dep}"));
            }
            if found.places.is_empty() {
                found = find_by_name(&all, key);
            }
            found
        }
        Query::Name {
            key,
            departement: None,
        } => find_by_name(&places.iter().collect::<Vec<_>>(), key),
        Query::Departement(_) => Found::default(),
    };
    if found.places.iter().any(|p| is_arrondissement(p)) {
        found
            .places
            .retain(|p| !SPLIT_CITIES.contains(&p.insee.as_str()));
    }
    // One entry per commune: its current name before a former one. (A few
    // dozen at most: a list, not a HashSet and its hasher in the wasm.)
    let mut seen: Vec<&str> = Vec::new();
    found.places.retain(|p| {
        let new = !seen.contains(&p.insee.as_str());
        seen.push(&p.insee);
        new
    });
    found
}

fn find_by_name<'a>(places: &[&'a Place], key: &str) -> Found<'a> {
    let keyed: Vec<(String, &'a Place)> =
        places.iter().map(|p| (search_key(&p.name), *p)).collect();
    // Each list is ranked, then sorted by one comparator: one sort in the
    // wasm, not one per list.
    let word = format!("{key} ");
    // The communes of that very name, then those it begins as a word.
    let mut found: Vec<Ranked<'a>> = keyed
        .iter()
        .filter_map(|(k, p)| {
            if k == key {
                Some((0, *p))
            } else if k.starts_with(&word) && !is_arrondissement(p) {
                Some((1, *p))
            } else {
                None
            }
        })
        .collect();
    let corrected = if found.iter().any(|(rank, _)| *rank == 0) {
        false
    } else {
        found = keyed
            .iter()
            .filter(|(k, _)| k.starts_with(key))
            .map(|(_, p)| (0, *p))
            .collect();
        if found.is_empty() {
            // One letter off for short names, two for longer ones: a
            // letter missing, doubled, wrong or two swapped.
            let allowed = match key.chars().count() {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            found = keyed
                .iter()
                .filter_map(|(k, p)| {
                    let d = strsim::osa_distance(k, key);
                    (d <= allowed).then_some((d, *p))
                })
                .collect();
            !found.is_empty()
        } else {
            false
        }
    };
    found.sort_by(by_rank);
    found.truncate(if corrected { 10 } else { MAX_FOUND });
    Found {
        places: found.into_iter().map(|(_, p)| p).collect(),
        corrected,
    }
}

/// A place and its rank: 0 for the name itself, 1 for a longer name it
/// begins, or the number of letters off.
type Ranked<'a> = (usize, &'a Place);

/// By rank, a current commune before a former one, then shorter names
/// first, then by name and code: a total order.
fn by_rank(a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
    let key = |(rank, p): &Ranked| (*rank, p.merged_into.is_some(), p.name.len());
    key(a)
        .cmp(&key(b))
        .then_with(|| a.1.name.cmp(&b.1.name))
        .then_with(|| a.1.insee.cmp(&b.1.insee))
}

/// Départements whose name matches a name query exactly ("finistere",
/// "seine saint denis").
pub fn find_departements<'a>(
    departements: &'a [DepartementEntry],
    key: &str,
) -> Vec<&'a DepartementEntry> {
    departements
        .iter()
        .filter(|d| search_key(&d.name) == key)
        .collect()
}

/// Shortest distance in km from a point to a box [min_lat, min_lon, max_lat, max_lon].
pub fn distance_to_box_km(point: (f64, f64), bbox: [f64; 4]) -> f64 {
    let lat = point.0.clamp(bbox[0], bbox[2]);
    let lon = point.1.clamp(bbox[1], bbox[3]);
    distance_km(point, (lat, lon))
}

/// The départements a circle touches: its own and any neighbour within reach.
pub fn departements_within(
    departements: &[DepartementEntry],
    point: (f64, f64),
    radius_km: f64,
) -> Vec<&str> {
    departements
        .iter()
        .filter(|d| {
            d.bbox
                .is_some_and(|b| distance_to_box_km(point, b) <= radius_km)
        })
        .map(|d| d.code.as_str())
        .collect()
}

/// The départements a search for a postcode beginning with `digits` may
/// need, known before the postcode is complete: those within `radius_km`
/// of the centres of the département the first digits name (both Corsicas
/// for "20", an overseas one by three digits). Empty until that is known.
/// Only for fetching ahead: the search itself uses [`departements_within`].
pub fn departements_near_postcode<'a>(
    departements: &'a [DepartementEntry],
    digits: &str,
    radius_km: f64,
) -> Vec<&'a str> {
    if digits.len() < 2 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Vec::new();
    }
    let named: Vec<&str> = match &digits[..2] {
        "20" => vec!["2A", "2B"],
        "97" | "98" if digits.len() < 3 => return Vec::new(),
        "97" | "98" => vec![&digits[..3]],
        _ => vec![&digits[..2]],
    };
    let boxes: Vec<[f64; 4]> = departements
        .iter()
        .filter(|d| named.contains(&d.code.as_str()))
        .filter_map(|d| d.bbox)
        .collect();
    departements
        .iter()
        .filter(|d| {
            d.bbox.is_some_and(|b| {
                boxes
                    .iter()
                    .any(|a| distance_between_boxes_km(*a, b) <= radius_km)
            })
        })
        .map(|d| d.code.as_str())
        .collect()
}

/// The distance between the nearest points of two boxes
/// (`[min_lat, min_lon, max_lat, max_lon]`); 0 when they overlap.
fn distance_between_boxes_km(a: [f64; 4], b: [f64; 4]) -> f64 {
    // On each axis, the nearest coordinates: the facing edges, or one
    // shared value where the ranges overlap.
    let nearest = |a_min: f64, a_max: f64, b_min: f64, b_max: f64| {
        if a_max < b_min {
            (a_max, b_min)
        } else if b_max < a_min {
            (a_min, b_max)
        } else {
            let shared = a_min.max(b_min);
            (shared, shared)
        }
    };
    let (lat_a, lat_b) = nearest(a[0], a[2], b[0], b[2]);
    let (lon_a, lon_b) = nearest(a[1], a[3], b[1], b[3]);
    distance_km((lat_a, lon_a), (lat_b, lon_b))
}

/// Radii offered, km.
pub const RADII_KM: [u32; 5] = [10, 20, 30, 50, 100];
pub const DEFAULT_RADIUS_KM: u32 = 20;

/// How results are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Distance,
    NextSlot,
}

/// Filters people asked for in 2021. They live in the URL.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Filters {
    pub vaccine: Option<String>,
    /// Only centres booking this injection (1 = first, 2 = second).
    pub dose: Option<u8>,
    /// Only centres with a free slot within this many days (1 = today).
    pub within_days: Option<u32>,
    pub wheelchair: bool,
    /// Only centres that can be booked online (here or on a platform).
    pub online: bool,
}

impl Filters {
    pub fn accepts(&self, c: &CentreSummary) -> bool {
        if let Some(v) = &self.vaccine {
            if !c.vaccines.iter().any(|x| x == v) {
                return false;
            }
        }
        if let Some(dose) = self.dose {
            if !c.doses.contains(&dose) {
                return false;
            }
        }
        if self.wheelchair && c.accessible != Some(true) {
            return false;
        }
        if self.online && matches!(c.booking, BookingMode::Phone) {
            return false;
        }
        if let Some(days) = self.within_days {
            let free: u32 = c.free_by_day.iter().take(days as usize).sum();
            if free == 0 {
                return false;
            }
        }
        true
    }
}

/// A centre with its distance from the searched point, when known.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub centre: CentreSummary,
    pub distance_km: Option<f64>,
}

/// Centres within `radius_km` of `point` that pass the filters, sorted:
/// by distance alone (a person asked for the nearest: a centre 0.4 km away
/// comes first, free slots or not; the "Créneau libre" filter keeps only
/// those with some), or by next free slot (those without one last).
pub fn nearby(
    centres: impl IntoIterator<Item = CentreSummary>,
    point: (f64, f64),
    radius_km: f64,
    filters: &Filters,
    sort: Sort,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = centres
        .into_iter()
        .filter_map(|c| {
            let d = distance_km(point, (c.lat?, c.lon?));
            (d <= radius_km && filters.accepts(&c)).then_some(Hit {
                centre: c,
                distance_km: Some(d),
            })
        })
        .collect();
    sort_hits(&mut hits, sort);
    hits
}

/// A département's centres that pass the filters, sorted like results,
/// with their distance from the département's middle where both are known
/// (a centre without a position is kept: last when sorted by distance).
pub fn in_departement(
    centres: impl IntoIterator<Item = CentreSummary>,
    middle: Option<(f64, f64)>,
    filters: &Filters,
    sort: Sort,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = centres
        .into_iter()
        .filter(|c| filters.accepts(c))
        .map(|c| Hit {
            distance_km: match (middle, c.lat, c.lon) {
                (Some(m), Some(lat), Some(lon)) => Some(distance_km(m, (lat, lon))),
                _ => None,
            },
            centre: c,
        })
        .collect();
    sort_hits(&mut hits, sort);
    hits
}

/// The middle of a box [min_lat, min_lon, max_lat, max_lon].
pub fn middle_of(bbox: [f64; 4]) -> (f64, f64) {
    ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0)
}

pub fn sort_hits(hits: &mut [Hit], sort: Sort) {
    let distance = |h: &Hit| h.distance_km.unwrap_or(f64::MAX);
    hits.sort_by(|a, b| match sort {
        Sort::Distance => distance(a).total_cmp(&distance(b)),
        Sort::NextSlot => {
            let no_slot = |h: &Hit| h.centre.next_slot.is_none();
            no_slot(a)
                .cmp(&no_slot(b))
                .then_with(|| a.centre.next_slot.cmp(&b.centre.next_slot))
                .then_with(|| distance(a).total_cmp(&distance(b)))
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str, insee: &str, dep: &str, postcodes: &[&str]) -> Place {
        Place {
            name: name.into(),
            insee: insee.into(),
            departement: dep.into(),
            postcodes: postcodes.iter().map(|s| s.to_string()).collect(),
            lat: Some(48.0),
            lon: Some(2.0),
            merged_into: None,
        }
    }

    fn centre(id: &str, lat: f64, lon: f64, next: Option<&str>) -> CentreSummary {
        CentreSummary {
            id: id.into(),
            file: None,
            name: id.into(),
            address: String::new(),
            postcode: String::new(),
            commune: String::new(),
            insee: String::new(),
            lat: Some(lat),
            lon: Some(lon),
            booking: BookingMode::Here,
            booking_url: None,
            phone: None,
            vaccines: vec!["pfizer".into()],
            doses: vec![1, 2],
            accessible: Some(true),
            reserved_for_professionals: false,
            hours_published: true,
            next_slot: next.map(str::to_string),
            today: None,
            free_by_day: vec![if next.is_some() { 3 } else { 0 }, 0, 0, 0, 0, 0, 0, 5],
            opening_date: None,
            closing_date: None,
        }
    }

    #[test]
    fn reads_what_people_type() {
        assert_eq!(parse_query(" 75011 "), Ok(Query::Postcode("75011".into())));
        assert_eq!(parse_query("75"), Ok(Query::Departement("75".into())));
        assert_eq!(parse_query("1"), Ok(Query::Departement("01".into())));
        assert_eq!(parse_query("2a"), Ok(Query::Departement("2A".into())));
        assert_eq!(parse_query("974"), Ok(Query::Departement("974".into())));
        assert_eq!(parse_query("975"), Err(QueryProblem::BadNumber));
        assert_eq!(
            parse_query("20"),
            Err(QueryProblem::BadNumber),
            "Corsica is 2A or 2B"
        );
        assert_eq!(parse_query("7501"), Err(QueryProblem::BadNumber));
        assert_eq!(parse_query("   "), Err(QueryProblem::Empty));
        assert_eq!(parse_query("é"), Err(QueryProblem::TooShort));
        assert_eq!(
            parse_query("St-Étienne"),
            Ok(Query::Name {
                key: "saint etienne".into(),
                departement: None
            })
        );
        assert_eq!(
            parse_query("Saint-Denis (93)"),
            Ok(Query::Name {
                key: "saint denis".into(),
                departement: Some("93".into())
            }),
            "a name, then its département"
        );
        assert_eq!(
            parse_query("Ajaccio 2a"),
            Ok(Query::Name {
                key: "ajaccio".into(),
                departement: Some("2A".into())
            })
        );
    }

    #[test]
    fn postcodes_and_names_find_places() {
        let places = vec![
            place("Paris", "75056", "75", &["75001", "75011"]),
            place("Paris 11e Arrondissement", "75111", "75", &["75011"]),
            place("Saint-Denis", "93066", "93", &["93200", "93210"]),
            place("Saint-Denis", "97411", "974", &["97400"]),
            place("Saint-Denis-de-Pile", "33393", "33", &["33910"]),
            place("Ajaccio", "2A004", "2A", &["20000", "20090"]),
            place("Alata", "2A006", "2A", &["20167"]),
        ];
        let names = |q: &str| {
            find_places(&places, &parse_query(q).unwrap())
                .places
                .iter()
                .map(|p| p.insee.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("75011"),
            ["75111"],
            "the arrondissement, not all Paris"
        );
        assert_eq!(
            names("saint denis"),
            ["93066", "97411", "33393"],
            "ambiguous: both, then the names it begins"
        );
        assert_eq!(names("ST DENIS"), ["93066", "97411", "33393"]);
        assert_eq!(
            names("saint-denis-de"),
            ["33393"],
            "prefix when nothing is exact"
        );
        assert_eq!(names("20000"), ["2A004"], "Corsican postcodes lead to 2A");
        assert!(names("nowhere").is_empty());
    }

    #[test]
    fn every_name_a_person_types_is_answered() {
        let mut aumont = place("Aumont-Aubrac", "48009", "48", &["48130"]);
        aumont.merged_into = Some("Peyre en Aubrac".into());
        let places = vec![
            place("Aix", "19002", "19", &["19200"]),
            place("Aix-en-Provence", "13001", "13", &["13090", "13100"]),
            place("Aix-les-Bains", "73008", "73", &["73100"]),
            place("Aixe-sur-Vienne", "87001", "87", &["87700"]),
            place("Marseille", "13055", "13", &["13001"]),
            place("Marseillette", "11220", "11", &["11800"]),
            place("Paris", "75056", "75", &["75001", "75011"]),
            place("Paris 11e Arrondissement", "75111", "75", &["75011"]),
            place("Paris-l'Hôpital", "71343", "71", &["71150"]),
            place("Saint-Denis", "93066", "93", &["93200", "93210"]),
            place("Saint-Denis", "97411", "974", &["97400"]),
            place("Peyre en Aubrac", "48009", "48", &["48130"]),
            aumont,
        ];
        let found = |q: &str| {
            let found = find_places(&places, &parse_query(q).unwrap());
            let names: Vec<String> = found.places.iter().map(|p| p.name.clone()).collect();
            (names, found.corrected)
        };
        assert_eq!(
            found("Aix"),
            (
                vec![
                    "Aix".into(),
                    "Aix-les-Bains".into(),
                    "Aix-en-Provence".into()
                ],
                false
            ),
            "Aix and every Aix-… as a word, for the person to choose; not Aixe"
        );
        assert_eq!(
            found("Paris").0,
            ["Paris", "Paris-l'Hôpital"],
            "the city, not its arrondissements, and the other Paris"
        );
        assert_eq!(found("Saint-Denis 93").0, ["Saint-Denis"]);
        assert_eq!(
            find_places(&places, &parse_query("Saint-Denis 93").unwrap()).places[0].insee,
            "93066"
        );
        assert_eq!(
            found("Paris 11").0,
            ["Paris 11e Arrondissement"],
            "a number that is no département of Paris names the arrondissement"
        );
        assert_eq!(
            found("Marseile"),
            (vec!["Marseille".into()], true),
            "one letter missing: a correction, for the person to confirm"
        );
        assert_eq!(
            found("Aix en Provance"),
            (vec!["Aix-en-Provence".into()], true)
        );
        assert_eq!(found("Marseilette").0, ["Marseillette"]);
        assert_eq!(found("Mrsl").0, Vec::<String>::new(), "too far to guess");
        let (names, corrected) = found("Aumont Aubrac");
        assert_eq!((names, corrected), (vec!["Aumont-Aubrac".into()], false));
        let former = find_places(&places, &parse_query("Aumont-Aubrac").unwrap()).places[0];
        assert_eq!(
            (former.insee.as_str(), former.merged_into.as_deref()),
            ("48009", Some("Peyre en Aubrac")),
            "a former commune leads to the commune it is part of now"
        );
        assert_eq!(
            found("48130").0,
            ["Peyre en Aubrac"],
            "a postcode names the commune, not its former ones"
        );
    }

    #[test]
    fn a_departement_filtered_and_sorted_from_its_middle() {
        let near_no_slot = centre("near", 48.01, 2.0, None);
        let far_soon = centre("far-soon", 48.3, 2.0, Some("2021-01-18T09:00:00+01:00"));
        let mut nowhere = centre("nowhere", 0.0, 0.0, Some("2021-01-19T09:00:00+01:00"));
        (nowhere.lat, nowhere.lon) = (None, None);
        let all = vec![far_soon, nowhere, near_no_slot];
        let middle = Some(middle_of([47.9, 1.9, 48.1, 2.1]));
        let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.centre.id).collect::<Vec<_>>();
        let by_distance = in_departement(all.clone(), middle, &Filters::default(), Sort::Distance);
        assert_eq!(by_distance[0].distance_km.map(|d| d.round()), Some(1.0));
        assert_eq!(
            ids(by_distance),
            ["near", "far-soon", "nowhere"],
            "no position: kept, last"
        );
        assert_eq!(
            ids(in_departement(
                all.clone(),
                middle,
                &Filters::default(),
                Sort::NextSlot
            )),
            ["far-soon", "nowhere", "near"]
        );
        let soon = Filters {
            within_days: Some(1),
            ..Default::default()
        };
        assert_eq!(
            ids(in_departement(all, None, &soon, Sort::Distance)),
            ["far-soon", "nowhere"]
        );
    }

    #[test]
    fn radius_selects_neighbouring_departements() {
        let dep = |code: &str, bbox: [f64; 4]| DepartementEntry {
            code: code.into(),
            file: String::new(),
            name: code.into(),
            time_zone: "Europe/Paris".into(),
            centres: 1,
            centres_with_slots: 1,
            free_slots: 1,
            bbox: Some(bbox),
        };
        let deps = vec![
            dep("75", [48.81, 2.22, 48.90, 2.47]),
            dep("92", [48.72, 2.14, 48.95, 2.34]),
            dep("13", [43.15, 4.23, 43.93, 5.81]),
        ];
        let paris = (48.8566, 2.3522);
        assert_eq!(departements_within(&deps, paris, 20.0), ["75", "92"]);
        assert_eq!(departements_within(&deps, paris, 0.5), ["75"]);
        assert_eq!(departements_within(&deps, (43.3, 5.4), 100.0), ["13"]);
        // Before the postcode is complete: "75…" needs Paris and the
        // départements near Paris's centres, never Marseille's.
        assert_eq!(departements_near_postcode(&deps, "750", 20.0), ["75", "92"]);
        assert_eq!(departements_near_postcode(&deps, "13", 20.0), ["13"]);
        assert!(departements_near_postcode(&deps, "7", 20.0).is_empty());
        assert!(departements_near_postcode(&deps, "97", 20.0).is_empty());
        let corsica = vec![
            dep("2A", [41.4, 8.6, 42.3, 9.4]),
            dep("2B", [42.0, 8.6, 43.0, 9.5]),
            dep("06", [43.5, 6.6, 44.3, 7.7]),
        ];
        assert_eq!(
            departements_near_postcode(&corsica, "201", 20.0),
            ["2A", "2B"]
        );
        assert_eq!(
            distance_between_boxes_km([0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 2.0, 2.0]),
            0.0
        );
        assert!(
            (distance_between_boxes_km([0.0, 0.0, 1.0, 1.0], [2.0, 0.0, 3.0, 1.0]) - 111.2).abs()
                < 1.0
        );
    }

    #[test]
    fn filters_and_sorting() {
        let point = (48.0, 2.0);
        let near_no_slot = centre("near", 48.01, 2.0, None);
        let far_soon = centre("far-soon", 48.1, 2.0, Some("2021-01-18T09:00:00+01:00"));
        let mid_later = centre("mid-later", 48.05, 2.0, Some("2021-01-19T09:00:00+01:00"));
        let outside = centre("outside", 49.0, 2.0, Some("2021-01-18T08:00:00+01:00"));
        let all = vec![
            near_no_slot.clone(),
            far_soon.clone(),
            mid_later.clone(),
            outside,
        ];
        let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.centre.id).collect::<Vec<_>>();
        assert_eq!(
            ids(nearby(
                all.clone(),
                point,
                20.0,
                &Filters::default(),
                Sort::Distance
            )),
            ["near", "mid-later", "far-soon"],
            "by distance alone: the nearest first, free slots or not"
        );
        assert_eq!(
            ids(nearby(
                all.clone(),
                point,
                20.0,
                &Filters::default(),
                Sort::NextSlot
            )),
            ["far-soon", "mid-later", "near"]
        );
        let today = Filters {
            within_days: Some(1),
            ..Default::default()
        };
        assert_eq!(
            ids(nearby(all.clone(), point, 20.0, &today, Sort::Distance)),
            ["mid-later", "far-soon"]
        );
        let moderna = Filters {
            vaccine: Some("moderna".into()),
            ..Default::default()
        };
        assert!(nearby(all.clone(), point, 20.0, &moderna, Sort::Distance).is_empty());
        let mut phone = mid_later.clone();
        phone.booking = BookingMode::Phone;
        phone.accessible = None;
        let online = Filters {
            online: true,
            ..Default::default()
        };
        assert!(nearby(vec![phone.clone()], point, 20.0, &online, Sort::Distance).is_empty());
        let wheelchair = Filters {
            wheelchair: true,
            ..Default::default()
        };
        assert!(nearby(vec![phone], point, 20.0, &wheelchair, Sort::Distance).is_empty());
        let mut second_only = far_soon.clone();
        second_only.doses = vec![2];
        let two = vec![second_only, mid_later.clone()];
        let first = Filters {
            dose: Some(1),
            ..Default::default()
        };
        let second = Filters {
            dose: Some(2),
            ..Default::default()
        };
        assert_eq!(
            ids(nearby(two.clone(), point, 20.0, &first, Sort::Distance)),
            ["mid-later"],
            "a centre giving only second injections is not offered for a first"
        );
        assert_eq!(
            ids(nearby(two, point, 20.0, &second, Sort::Distance)),
            ["mid-later", "far-soon"]
        );
    }
}
