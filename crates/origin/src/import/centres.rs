//! The official list of vaccination centres ("Lieux de vaccination contre la
//! Covid-19"): `;`-separated, UTF-8, columns matched by name so both the
//! January 2021 file and later versions (with `rdv_tel2`,
//! `centre_fermeture`, `reserve_professionels_sante`, …) are accepted.
//!
//! Créneau reads four optional columns of its own, which the official file
//! does not have and the demo file does: `creneau_reservation` ("ici" when
//! booked through Créneau), `creneau_vaccins` ("pfizer|moderna"),
//! `creneau_minutes` (slot length), `creneau_capacite` (people per slot),
//! `creneau_injections` ("1|2", "1" or "2": which injections it books) and
//! `creneau_jours_feries` ("ouvert" when it opens on public holidays at its
//! usual hours; otherwise it is closed then).

use std::path::Path;

use chrono::NaiveDate;
use creneau_model::geo;
use creneau_model::hours::{parse_day, DayHours, WeekHours, WEEKDAYS_FR};
use creneau_model::snapshot::{known_vaccines, BookingMode};
use sqlx::Row;

use super::{header, read_utf8, records, Columns, ImportError, Report, RowProblem};
use crate::store::Pool;

/// Choices the file does not carry.
#[derive(Clone, Debug)]
pub struct Options {
    /// Refuse the whole file on the first row problem.
    pub strict: bool,
    /// Slot length where the file does not say (the official one never does).
    pub slot_minutes: u16,
    /// People per slot where the file does not say.
    pub capacity: u32,
    /// Mark the imported centres as demonstration data.
    pub demo: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: false,
            slot_minutes: 10,
            capacity: 2,
            demo: false,
        }
    }
}

/// One centre as it will be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct CentreRow {
    pub line: u64,
    pub id: String,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub insee: String,
    pub commune: String,
    pub departement: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub phone: Option<String>,
    pub booking_mode: BookingMode,
    pub booking_url: Option<String>,
    pub accessible: Option<bool>,
    pub reserved_pro: bool,
    pub hours: WeekHours,
    pub slot_minutes: u16,
    pub capacity: u32,
    pub vaccines: Vec<String>,
    pub doses: Vec<u8>,
    pub open_on_public_holidays: bool,
    pub opening_date: Option<NaiveDate>,
    pub closing_date: Option<NaiveDate>,
}

const REQUIRED: [&str; 2] = ["gid", "nom"];

/// Parse the file's text into rows and the problems met; no store needed.
pub fn parse(
    file: &str,
    text: &str,
    options: &Options,
) -> Result<(Vec<CentreRow>, Vec<RowProblem>), ImportError> {
    let names = header(
        file,
        text,
        &["gid", "nom", "adr_voie", "com_cp", "com_insee", "rdv_lundi"],
    )?;
    let cols = Columns::new(names);
    let gid = cols.require(file, REQUIRED[0])?;
    let nom = cols.require(file, REQUIRED[1])?;
    let day_cols: Vec<usize> = WEEKDAYS_FR
        .iter()
        .map(|d| cols.require(file, &format!("rdv_{d}")))
        .collect::<Result<_, _>>()?;
    let col = |name: &str| cols.find(name);
    let (adr_num, adr_voie, com_cp, com_insee, com_nom) = (
        col("adr_num"),
        col("adr_voie"),
        col("com_cp"),
        col("com_insee"),
        col("com_nom"),
    );
    if com_cp.is_none() && com_insee.is_none() {
        return Err(ImportError::MissingColumn {
            file: file.to_string(),
            column: "com_insee".into(),
        });
    }
    let (lat_col, lon_col) = (col("lat_coor1"), col("long_coor1"));
    let (lieu_tel, rdv_tel, site) = (col("lieu_tel"), col("rdv_tel"), col("rdv_site_web"));
    let (modalites, reserve_col, fermeture) = (
        col("rdv_modalites"),
        col("reserve_professionels_sante"),
        col("centre_fermeture"),
    );
    let (access, ouverture, fermeture_date) = (
        col("lieu_accessibilite"),
        col("date_ouverture"),
        col("date_fermeture"),
    );
    let (c_mode, c_vaccins, c_minutes, c_capacite, c_injections, c_feries) = (
        col("creneau_reservation"),
        col("creneau_vaccins"),
        col("creneau_minutes"),
        col("creneau_capacite"),
        col("creneau_injections"),
        col("creneau_jours_feries"),
    );
    let vaccine_codes: Vec<String> = known_vaccines().into_iter().map(|v| v.code).collect();

    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in records(text) {
        let (line, record) = match item {
            Ok(row) => row,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let problem = |column: Option<&str>, reason: String, skipped: bool| RowProblem {
            line,
            column: column.map(str::to_string),
            reason,
            skipped,
        };
        // A trailing ';' on every line (as in the official file) adds one empty field.
        if record.len() < cols.len() && (record.len() + 1 != cols.len()) {
            problems.push(problem(
                None,
                format!(
                    "truncated row: {} fields where the header has {}",
                    record.len(),
                    cols.len()
                ),
                true,
            ));
            continue;
        }
        let get = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };

        let id = get(Some(gid)).unwrap_or("").to_string();
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            problems.push(problem(
                Some("gid"),
                format!("identifier {id:?} is empty or not letters, digits, '-' or '_'"),
                true,
            ));
            continue;
        }
        if !seen.insert(id.clone()) {
            problems.push(problem(
                Some("gid"),
                format!("identifier {id} appears twice; the first row is kept"),
                true,
            ));
            continue;
        }
        let Some(name) = get(Some(nom)) else {
            problems.push(problem(Some("nom"), "the centre has no name".into(), true));
            continue;
        };
        if get(fermeture).is_some_and(truthy) {
            problems.push(problem(
                Some("centre_fermeture"),
                "the centre is marked closed".into(),
                true,
            ));
            continue;
        }
        let postcode = get(com_cp).unwrap_or("").to_string();
        let insee = get(com_insee).unwrap_or("").to_string();
        let five_digits = postcode.len() == 5 && postcode.chars().all(|c| c.is_ascii_digit());
        if !postcode.is_empty() && !five_digits {
            problems.push(problem(
                Some("com_cp"),
                format!("postcode {postcode:?} is not five digits"),
                false,
            ));
        }
        let departement = geo::departement_of_insee(&insee).map(str::to_string);
        if departement.is_none() && postcode.is_empty() {
            problems.push(problem(
                Some("com_insee"),
                "no commune code and no postcode: the centre cannot be placed".into(),
                true,
            ));
            continue;
        }

        let (mut lat, mut lon) = (None, None);
        match (get(lat_col), get(lon_col)) {
            (Some(a), Some(b)) => match (
                a.replace(',', ".").parse::<f64>(),
                b.replace(',', ".").parse::<f64>(),
            ) {
                (Ok(a), Ok(b)) if geo::plausible_in_france(a, b) => (lat, lon) = (Some(a), Some(b)),
                (Ok(a), Ok(b)) if geo::plausible_in_france(b, a) => {
                    problems.push(problem(
                        Some("lat_coor1"),
                        format!("latitude and longitude swapped ({a}, {b}); read as ({b}, {a})"),
                        false,
                    ));
                    (lat, lon) = (Some(b), Some(a));
                }
                _ => problems.push(problem(
                    Some("lat_coor1"),
                    format!(
                        "coordinates ({a}, {b}) are not in France; the commune's position is used"
                    ),
                    false,
                )),
            },
            (None, None) => {}
            _ => problems.push(problem(
                Some("long_coor1"),
                "only one of latitude and longitude is given; the commune's position is used"
                    .into(),
                false,
            )),
        }

        let mut hours: Vec<DayHours> = Vec::with_capacity(7);
        for (d, &i) in day_cols.iter().enumerate() {
            let parsed = parse_day(record.get(i).unwrap_or(""));
            if let Some(p) = parsed.problem {
                if !matches!(p, creneau_model::hours::HoursProblem::NotPublished(_)) {
                    problems.push(problem(
                        Some(&format!("rdv_{}", WEEKDAYS_FR[d])),
                        p.to_string(),
                        false,
                    ));
                }
            }
            hours.push(parsed.hours);
        }
        let hours: WeekHours = hours.try_into().expect("seven days");

        let address = [get(adr_num), get(adr_voie)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let phone = get(lieu_tel).or(get(rdv_tel)).map(str::to_string);
        let booking_url = get(site)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_string);
        if get(site).is_some() && booking_url.is_none() {
            problems.push(problem(
                Some("rdv_site_web"),
                format!("{:?} is not a web address", get(site).unwrap()),
                false,
            ));
        }
        let booking_mode = if get(c_mode) == Some("ici") {
            BookingMode::Here
        } else {
            BookingMode::from_url(booking_url.as_deref())
        };
        let reserved_pro = match get(reserve_col) {
            Some(v) => truthy(v),
            None => get(modalites).is_some_and(reserved_for_professionals),
        };
        let accessible = get(access).and_then(|v| {
            let v = creneau_model::text::fold(v);
            if v.starts_with("oui") || v == "t" || v == "true" {
                Some(true)
            } else if v.starts_with("non") || v == "f" || v == "false" {
                Some(false)
            } else {
                None
            }
        });
        // The official file of January 2021 predates the choice: the
        // catalogue's first vaccine unless the row names others.
        let mut vaccines = vec![creneau_model::snapshot::VACCINES[0].0.to_string()];
        if let Some(list) = get(c_vaccins) {
            vaccines = list
                .split('|')
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty())
                .collect();
            if let Some(bad) = vaccines.iter().find(|v| !vaccine_codes.contains(v)) {
                problems.push(problem(
                    Some("creneau_vaccins"),
                    format!("unknown vaccine {bad:?}"),
                    true,
                ));
                continue;
            }
        }
        let doses = match get(c_injections) {
            None => creneau_model::snapshot::both_doses(),
            Some(list) => {
                let doses: Result<Vec<u8>, _> =
                    list.split('|').map(|d| d.trim().parse::<u8>()).collect();
                match doses {
                    Ok(d) if !d.is_empty() && d.iter().all(|d| *d == 1 || *d == 2) => d,
                    _ => {
                        problems.push(problem(
                            Some("creneau_injections"),
                            format!("{list:?} is not \"1|2\", \"1\" or \"2\""),
                            true,
                        ));
                        continue;
                    }
                }
            }
        };
        let slot_minutes = match get(c_minutes).map(str::parse::<u16>) {
            None => options.slot_minutes,
            Some(Ok(m)) if (5..=120).contains(&m) => m,
            Some(_) => {
                problems.push(problem(
                    Some("creneau_minutes"),
                    "slot length must be 5 to 120 minutes".into(),
                    true,
                ));
                continue;
            }
        };
        let capacity = match get(c_capacite).map(str::parse::<u32>) {
            None => options.capacity,
            Some(Ok(c)) if c <= 1000 => c,
            Some(_) => {
                problems.push(problem(
                    Some("creneau_capacite"),
                    "capacity must be 0 to 1000 people per slot".into(),
                    true,
                ));
                continue;
            }
        };
        let open_on_public_holidays = match get(c_feries).map(str::to_lowercase).as_deref() {
            None | Some("fermé" | "ferme") => false,
            Some("ouvert") => true,
            Some(other) => {
                problems.push(problem(
                    Some("creneau_jours_feries"),
                    format!("{other:?} is not \"ouvert\" or \"fermé\""),
                    true,
                ));
                continue;
            }
        };
        let mut date = |column: Option<usize>, name: &str| {
            let raw = get(column)?;
            let parsed = NaiveDate::parse_from_str(raw, "%d/%m/%Y")
                .or_else(|_| NaiveDate::parse_from_str(raw, "%Y-%m-%d"))
                .ok();
            if parsed.is_none() {
                problems.push(problem(
                    Some(name),
                    format!("{raw:?} is not a date (DD/MM/YYYY)"),
                    false,
                ));
            }
            parsed
        };
        let opening_date = date(ouverture, "date_ouverture");
        let closing_date = date(fermeture_date, "date_fermeture");

        out.push(CentreRow {
            line,
            id,
            name: name.to_string(),
            address,
            postcode,
            commune: get(com_nom).unwrap_or("").to_string(),
            departement: departement.unwrap_or_default(),
            insee,
            lat,
            lon,
            phone,
            booking_mode,
            booking_url,
            accessible,
            reserved_pro,
            hours,
            slot_minutes,
            capacity,
            vaccines,
            doses,
            open_on_public_holidays,
            opening_date,
            closing_date,
        });
    }
    Ok((out, problems))
}

fn truthy(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "t" | "true" | "1" | "oui" | "yes"
    )
}

/// "Réservé aux professionnels de santé libéraux", "Ouvert tous
/// professionnels": reserved unless the text also opens it to the public
/// ("personnes > 75 ans", "public").
pub fn reserved_for_professionals(modalites: &str) -> bool {
    let t = creneau_model::text::fold(modalites);
    t.contains("professionnel")
        && !(t.contains("75") || t.contains("personne") || t.contains("public"))
}

/// Import a centres file: parse, place, write, all in one transaction.
pub async fn import_file(
    pool: &Pool,
    path: &Path,
    options: &Options,
) -> Result<Report, ImportError> {
    let file = path.display().to_string();
    let text = read_utf8(path)?;
    import_text(pool, &file, &text, options).await
}

pub async fn import_text(
    pool: &Pool,
    file: &str,
    text: &str,
    options: &Options,
) -> Result<Report, ImportError> {
    let (mut centres, mut problems) = parse(file, text, options)?;
    let mut tx = pool.begin().await?;
    // Place the centres the file leaves without a commune code or position.
    let mut placed = Vec::with_capacity(centres.len());
    for mut c in centres.drain(..) {
        let needs_commune = c.insee.is_empty() || c.commune.is_empty() || c.lat.is_none();
        if needs_commune {
            let found = if !c.insee.is_empty() {
                sqlx::query("SELECT insee, name, departement, lat, lon, postcodes FROM communes WHERE insee = $1 AND kind <> 'former' ORDER BY kind DESC")
                    .bind(&c.insee)
                    .fetch_optional(&mut *tx)
                    .await?
            } else {
                sqlx::query("SELECT insee, name, departement, lat, lon, postcodes FROM communes WHERE postcodes LIKE $1 ORDER BY population DESC")
                    .bind(format!("%{}%", c.postcode))
                    .fetch_optional(&mut *tx)
                    .await?
            };
            match found {
                Some(row) => {
                    if c.insee.is_empty() {
                        c.insee = row.get(0);
                    }
                    if c.commune.is_empty() {
                        c.commune = row.get(1);
                    }
                    if c.departement.is_empty() {
                        c.departement = row.get(2);
                    }
                    if c.postcode.is_empty() {
                        let postcodes: String = row.get(5);
                        c.postcode = postcodes.split('|').next().unwrap_or("").to_string();
                    }
                    if c.lat.is_none() {
                        c.lat = row.get(3);
                        c.lon = row.get(4);
                    }
                }
                None if c.departement.is_empty() => {
                    problems.push(RowProblem {
                        line: c.line,
                        column: Some("com_cp".into()),
                        reason: format!(
                            "postcode {:?} matches no known commune: the centre cannot be placed",
                            c.postcode
                        ),
                        skipped: true,
                    });
                    continue;
                }
                None => {}
            }
        }
        placed.push(c);
    }
    if options.strict {
        if let Some(problem) = problems.first() {
            return Err(ImportError::Strict {
                file: file.to_string(),
                problem: problem.clone(),
            });
        }
    }
    if placed.is_empty() {
        return Err(ImportError::NothingUsable {
            file: file.to_string(),
        });
    }
    for c in &placed {
        let hours = serde_json::to_string(&c.hours).expect("hours serialise");
        sqlx::query(
            "INSERT INTO centres (id, name, address, postcode, insee, commune, departement, lat, lon, phone, \
             booking_mode, booking_url, accessible, reserved_pro, hours_json, slot_minutes, capacity, vaccines, \
             opening_date, closing_date, demo, doses, open_on_public_holidays) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, \
             postcode = excluded.postcode, insee = excluded.insee, commune = excluded.commune, \
             departement = excluded.departement, lat = excluded.lat, lon = excluded.lon, phone = excluded.phone, \
             booking_mode = excluded.booking_mode, booking_url = excluded.booking_url, \
             accessible = excluded.accessible, reserved_pro = excluded.reserved_pro, \
             hours_json = excluded.hours_json, slot_minutes = excluded.slot_minutes, \
             capacity = excluded.capacity, vaccines = excluded.vaccines, opening_date = excluded.opening_date, \
             closing_date = excluded.closing_date, demo = excluded.demo, doses = excluded.doses, \
             open_on_public_holidays = excluded.open_on_public_holidays",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.address)
        .bind(&c.postcode)
        .bind(&c.insee)
        .bind(&c.commune)
        .bind(&c.departement)
        .bind(c.lat)
        .bind(c.lon)
        .bind(c.phone.as_deref())
        .bind(c.booking_mode.as_str())
        .bind(c.booking_url.as_deref())
        .bind(c.accessible.map(i32::from))
        .bind(i32::from(c.reserved_pro))
        .bind(hours)
        .bind(i32::from(c.slot_minutes))
        .bind(c.capacity as i32)
        .bind(c.vaccines.join("|"))
        .bind(c.opening_date.map(|d| d.to_string()))
        .bind(c.closing_date.map(|d| d.to_string()))
        .bind(i32::from(options.demo))
        .bind(
            c.doses
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join("|"),
        )
        .bind(i32::from(c.open_on_public_holidays))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    problems.sort_by_key(|p| p.line);
    Ok(Report {
        file: file.to_string(),
        imported: placed.len(),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "gid;nom;adr_num;adr_voie;com_cp;com_insee;com_nom;lat_coor1;long_coor1;lieu_accessibilite;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche;lieu_tel;rdv_site_web;rdv_modalites;date_ouverture;";

    fn parse_rows(body: &str) -> (Vec<CentreRow>, Vec<RowProblem>) {
        parse("t.csv", &format!("{HEADER}\n{body}"), &Options::default()).unwrap()
    }

    #[test]
    fn reads_a_full_row() {
        let (rows, problems) = parse_rows(
            "7;Salle des fêtes;2;rue Haute;57000;57463;Metz;49.1;6.17;Oui;9h-12h;fermé;;ouvert;09:00-17:00;fermé;fermé;+33387000000;https://partners.doctolib.fr/x;Ouvert aux personnes > 75 ans;18/01/2021;\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let c = &rows[0];
        assert_eq!(
            (c.id.as_str(), c.address.as_str(), c.departement.as_str()),
            ("7", "2 rue Haute", "57")
        );
        assert_eq!(c.booking_mode, BookingMode::Doctolib);
        assert_eq!(c.accessible, Some(true));
        assert!(!c.reserved_pro);
        assert_eq!(c.opening_date, NaiveDate::from_ymd_opt(2021, 1, 18));
        assert_eq!(c.hours[1], DayHours::Closed);
        assert!(matches!(c.hours[2], DayHours::Unknown { .. }));
        assert_eq!(c.hours[4].intervals().len(), 1);
    }

    #[test]
    fn row_problems_name_line_and_column_and_keep_the_rest() {
        let (rows, problems) = parse_rows(concat!(
            "1;A;;rue;57000;57463;Metz;999;6;;;;;;;;;;;;;\n",
            "2;B;;rue\n",
            "3;C;;rue;;;;;;;;;;;;;;;;;;\n",
            "4;D;;rue;57000;57463;Metz;6.17;49.1;;;;;;;;;;;;;\n",
            "1;E;;rue;57000;57463;Metz;;;;;;;;;;;;;;;\n",
        ));
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["1", "4"]);
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|p| p.starts_with("line 2, column lat_coor1: coordinates (999, 6)")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|p| p.starts_with("line 3: truncated row")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p.starts_with("line 4, column com_insee") && p.ends_with("(row skipped)")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p.starts_with("line 5, column lat_coor1: latitude and longitude swapped")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p.starts_with("line 6, column gid: identifier 1 appears twice")),
            "{text:?}"
        );
        assert_eq!(rows[1].lat, Some(49.1));
    }

    #[test]
    fn file_faults_stop_before_anything() {
        let missing = parse("t.csv", "gid;adr_voie\n1;x\n", &Options::default()).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "t.csv, line 1: required column \"nom\" is missing from the header"
        );
        let commas = parse("t.csv", "gid,nom\n1,x\n", &Options::default()).unwrap_err();
        assert!(matches!(commas, ImportError::Delimiter { found: ',', .. }));
    }

    #[test]
    fn professionals_only_wording() {
        assert!(reserved_for_professionals(
            "Réservé aux professionnels de santé libéraux"
        ));
        assert!(reserved_for_professionals("Ouvert tous professionnels"));
        assert!(!reserved_for_professionals(
            "Ouvert aux professionnels de santé libéraux et personnes > 75 ans"
        ));
        assert!(!reserved_for_professionals(
            "Ouvert tous professionnels, public 75 ans et plus"
        ));
        assert!(!reserved_for_professionals("Ouverture le 18/01"));
    }

    #[test]
    fn later_format_columns_are_read_and_unknown_ones_ignored() {
        let text = "gid;nom;adr_voie;com_cp;com_insee;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche;rdv_tel2;centre_fermeture;reserve_professionels_sante;centre_type;arrete_pref_numero\n\
                    1;A;rue;75011;75111;9h-12h;;;;;;;0102030405;f;t;centre;X\n\
                    2;B;rue;75011;75111;9h-12h;;;;;;;;t;f;centre;X\n";
        let (rows, problems) = parse("t.csv", text, &Options::default()).unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].reserved_pro);
        assert!(problems[0].to_string().contains("centre_fermeture"));
    }
}
