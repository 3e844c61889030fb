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
    /// A commune or département name, as a search key.
    Name(String),
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
    let upper = compact.to_ascii_uppercase();
    if upper == "2A" || upper == "2B" {
        return Ok(Query::Departement(upper));
    }
    if compact.chars().all(|c| c.is_ascii_digit()) {
        return match compact.len() {
            5 => Ok(Query::Postcode(compact)),
            1 => Ok(Query::Departement(format!("0{compact}"))),
            2 if compact != "20" && compact != "00" && compact.as_str() <= "95" => {
                Ok(Query::Departement(compact))
            }
            3 if ("971"..="976").contains(&compact.as_str()) && compact != "975" => {
                Ok(Query::Departement(compact))
            }
            _ => Err(QueryProblem::BadNumber),
        };
    }
    let key = search_key(input);
    if key.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        return Err(QueryProblem::TooShort);
    }
    Ok(Query::Name(key))
}

/// Cities whose arrondissements have their own postcodes and town halls.
const SPLIT_CITIES: [&str; 3] = ["75056", "69123", "13055"];

fn is_arrondissement(p: &Place) -> bool {
    matches!(&p.insee[..2], "75" | "69" | "13")
        && !SPLIT_CITIES.contains(&p.insee.as_str())
        && p.name.contains("Arrondissement")
}

/// The places a postcode or name query names, best first. A postcode
/// shared by several communes gives them all; for Paris, Lyon and Marseille
/// the arrondissement is kept and the whole city dropped, so "75011" is the
/// 11th, not the middle of Paris. A name gives the exact matches ("Saint-Denis"
/// gives all of them), else those starting with it.
pub fn find_places<'a>(places: &'a [Place], query: &Query) -> Vec<&'a Place> {
    let mut found: Vec<&Place> = match query {
        Query::Postcode(code) => places
            .iter()
            .filter(|p| p.postcodes.iter().any(|c| c == code))
            .collect(),
        Query::Name(key) => {
            let exact: Vec<&Place> = places
                .iter()
                .filter(|p| search_key(&p.name) == *key)
                .collect();
            if exact.is_empty() {
                let mut prefix: Vec<&Place> = places
                    .iter()
                    .filter(|p| search_key(&p.name).starts_with(key.as_str()))
                    .collect();
                prefix.sort_by(|a, b| a.name.len().cmp(&b.name.len()).then(a.name.cmp(&b.name)));
                prefix.truncate(30);
                prefix
            } else {
                exact
            }
        }
        Query::Departement(_) => Vec::new(),
    };
    if found.iter().any(|p| is_arrondissement(p)) {
        found.retain(|p| !SPLIT_CITIES.contains(&p.insee.as_str()));
    }
    found.dedup_by(|a, b| a.insee == b.insee);
    found
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
        }
    }

    fn centre(id: &str, lat: f64, lon: f64, next: Option<&str>) -> CentreSummary {
        CentreSummary {
            id: id.into(),
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
            Ok(Query::Name("saint etienne".into()))
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
            ["93066", "97411"],
            "ambiguous: both, exact only"
        );
        assert_eq!(names("ST DENIS"), ["93066", "97411"]);
        assert_eq!(
            names("saint-denis-de"),
            ["33393"],
            "prefix when nothing is exact"
        );
        assert_eq!(names("20000"), ["2A004"], "Corsican postcodes lead to 2A");
        assert!(names("nowhere").is_empty());
    }

    #[test]
    fn radius_selects_neighbouring_departements() {
        let dep = |code: &str, bbox: [f64; 4]| DepartementEntry {
            code: code.into(),
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
