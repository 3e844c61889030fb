//! The demonstration data set: about 2,000 centres over every département
//! (971–976 included), placed in real communes from the shipped commune
//! list, with opening hours written in the spellings the official file uses,
//! throughput, vaccines, and a mix of booking modes: booked here, on an
//! external platform, or by phone only.
//!
//! It is generated as a file in the official format (plus Créneau's own
//! columns) and loaded through the same importer as real data. It is
//! deterministic: the same commune list gives the same centres.

use std::collections::BTreeMap;

use crate::import::communes::CommuneRow;

/// People per demo centre: France's population over about 2,000 centres.
const PEOPLE_PER_CENTRE: i64 = 33_500;
/// Every département gets at least this many centres.
const MIN_PER_DEPARTEMENT: usize = 4;

/// SplitMix64: a tiny, stable pseudo-random sequence, so the demo set never
/// changes with a dependency's version.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const VENUES: [&str; 8] = [
    "Salle des fêtes",
    "Gymnase municipal",
    "Centre hospitalier",
    "Maison de santé",
    "Espace culturel",
    "Salle polyvalente",
    "Centre de vaccination municipal",
    "Palais des sports",
];
const STREETS: [&str; 8] = [
    "rue de la République",
    "avenue du Général de Gaulle",
    "place de la Mairie",
    "rue Jean Jaurès",
    "boulevard Victor Hugo",
    "rue Pasteur",
    "avenue de la Gare",
    "rue des Écoles",
];
/// Weekday hours (Monday to Sunday) in the official file's own spellings.
const WEEKS: [[&str; 7]; 6] = [
    [
        "09:00-12:00/14:00-18:00",
        "09:00-12:00/14:00-18:00",
        "09:00-12:00/14:00-18:00",
        "09:00-12:00/14:00-18:00",
        "09:00-12:00/14:00-18:00",
        "09:00-12:00",
        "fermé",
    ],
    [
        "8h-20h", "8h-20h", "8h-20h", "8h-20h", "8h-20h", "8h-20h", "8h-20h",
    ],
    [
        "9h-12h / 14h-17h",
        "9h-12h / 14h-17h",
        "fermé",
        "9h-12h / 14h-17h",
        "9h-12h / 14h-17h",
        "fermé",
        "fermé",
    ],
    [
        "de 9h à 13h",
        "de 9h à 13h",
        "de 9h à 13h",
        "de 9h à 13h",
        "de 9h à 13h",
        "de 9h à 13h",
        "fermé",
    ],
    [
        "14:00-18:00",
        "14:00-18:00",
        "14:00-18:00",
        "14:00-18:00",
        "14:00-18:00",
        "fermé",
        "fermé",
    ],
    [
        "08:30-12:30/13:30-17:30",
        "08:30-12:30/13:30-17:30",
        "08:30-12:30/13:30-17:30",
        "08:30-12:30/13:30-17:30",
        "08:30-12:30/13:30-17:30",
        "non précisé",
        "fermé",
    ],
];

/// The header of the generated file: the official columns the importer
/// reads, then Créneau's own.
pub const HEADER: &str = "gid;nom;adr_num;adr_voie;com_cp;com_insee;com_nom;lat_coor1;long_coor1;lieu_accessibilite;\
rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche;lieu_tel;rdv_site_web;rdv_modalites;\
creneau_reservation;creneau_vaccins;creneau_minutes;creneau_capacite;creneau_injections";

/// Generate the demo centres file from the communes.
pub fn centres_csv(communes: &[CommuneRow]) -> String {
    // Cities split in arrondissements (Paris, Lyon, Marseille) place their
    // centres in the arrondissements.
    let split: std::collections::HashSet<&str> = communes
        .iter()
        .filter(|c| c.kind == "arrondissement")
        .filter_map(|c| match &c.insee[..2] {
            "75" => Some("75056"),
            "69" => Some("69123"),
            "13" => Some("13055"),
            _ => None,
        })
        .collect();
    let mut by_dep: BTreeMap<&str, Vec<&CommuneRow>> = BTreeMap::new();
    for c in communes {
        if c.lat.is_none() || split.contains(c.insee.as_str()) {
            continue;
        }
        by_dep.entry(c.departement.as_str()).or_default().push(c);
    }
    let mut out = String::from(HEADER);
    out.push('\n');
    let mut rng = SplitMix(0x00C2_E9E5_A0B0_2021);
    let mut n = 0;
    for (_, mut places) in by_dep {
        places.sort_by(|a, b| b.population.cmp(&a.population).then(a.insee.cmp(&b.insee)));
        let population: i64 = places.iter().map(|c| c.population).sum();
        let wanted = ((population / PEOPLE_PER_CENTRE) as usize)
            .max(MIN_PER_DEPARTEMENT)
            .min(places.len() * 4);
        // Large communes get several centres: one per PEOPLE_PER_CENTRE, at most four.
        let mut chosen = Vec::with_capacity(wanted);
        'fill: for place in places.iter().cycle().take(places.len() * 4) {
            let share = ((place.population / PEOPLE_PER_CENTRE) as usize).clamp(1, 4);
            let already = chosen
                .iter()
                .filter(|c: &&&CommuneRow| c.insee == place.insee)
                .count();
            if already < share {
                chosen.push(place);
            }
            if chosen.len() >= wanted {
                break 'fill;
            }
        }
        for commune in chosen {
            n += 1;
            out.push_str(&centre_row(n, commune, &mut rng));
            out.push('\n');
        }
    }
    out
}

fn centre_row(n: usize, c: &CommuneRow, rng: &mut SplitMix) -> String {
    let venue = rng.pick(&VENUES);
    let name = format!("{venue} – {}", c.name);
    let (lat, lon) = (c.lat.unwrap_or_default(), c.lon.unwrap_or_default());
    // Spread centres of one commune a few hundred metres apart.
    let jitter = |r: &mut SplitMix| (r.below(2000) as f64 - 1000.0) / 250_000.0;
    let (lat, lon) = (lat + jitter(rng), lon + jitter(rng));
    let week = rng.pick(&WEEKS);
    let accessible = match rng.below(10) {
        0 => "non",
        1 | 2 => "",
        _ => "oui",
    };
    // Numbers in the range ARCEP reserves for fiction: they ring no one.
    let phone = format!("+33 1 99 00 {:02} {:02}", rng.below(100), rng.below(100));
    let (mode, site) = match rng.below(20) {
        0..=9 => ("ici", ""),
        10..=12 => ("", "https://www.doctolib.fr/"),
        13 | 14 => ("", "https://www.keldoc.com/"),
        15 => ("", "https://www.maiia.com/"),
        _ => ("", ""),
    };
    let modalites = if rng.below(20) == 0 {
        "Réservé aux professionnels de santé"
    } else {
        "Ouvert aux personnes de 75 ans et plus"
    };
    let vaccins = match rng.below(10) {
        0..=6 => "pfizer",
        7 | 8 => "moderna",
        _ => "pfizer|moderna",
    };
    let minutes = if rng.below(2) == 0 { 10 } else { 15 };
    let capacity = 1 + rng.below(4);
    // A few centres give only second injections, a few only first ones
    // (taken from the row number so the other draws stay as they were).
    let injections = match n % 13 {
        0 => "2",
        7 => "1",
        _ => "1|2",
    };
    let number = 1 + rng.below(80);
    let street = rng.pick(&STREETS);
    let postcode = c.postcodes.first().map(String::as_str).unwrap_or("");
    format!(
        "demo-{n:04};{name};{number};{street};{postcode};{insee};{commune};{lat:.5};{lon:.5};{accessible};{days};{phone};{site};{modalites};{mode};{vaccins};{minutes};{capacity};{injections}",
        insee = c.insee,
        commune = c.name,
        days = week.join(";"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commune(insee: &str, dep: &str, population: i64) -> CommuneRow {
        CommuneRow {
            insee: insee.into(),
            kind: "commune".into(),
            name: format!("Commune {insee}"),
            departement: dep.into(),
            postcodes: vec![format!("{}000", &insee[..2])],
            lat: Some(46.0),
            lon: Some(2.0),
            population,
        }
    }

    #[test]
    fn every_departement_gets_centres_and_the_set_is_stable() {
        let communes: Vec<CommuneRow> = (0..30)
            .map(|i| {
                commune(
                    &format!("{:02}{:03}", 1 + i % 3, i),
                    &format!("{:02}", 1 + i % 3),
                    1000 * i as i64,
                )
            })
            .collect();
        let a = centres_csv(&communes);
        assert_eq!(a, centres_csv(&communes), "deterministic");
        let lines: Vec<&str> = a.lines().skip(1).collect();
        for dep in ["01", "02", "03"] {
            let count = lines
                .iter()
                .filter(|l| l.split(';').nth(5).is_some_and(|i| i.starts_with(dep)))
                .count();
            assert_eq!(count, MIN_PER_DEPARTEMENT, "{dep}");
        }
        let (rows, problems) =
            crate::import::centres::parse("demo", &a, &Default::default()).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), lines.len());
    }
}
