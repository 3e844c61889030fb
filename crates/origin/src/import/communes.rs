//! Communes, postcodes and départements.
//!
//! Two commune formats are recognised by their header:
//! - Créneau's shipped list, `data/communes.csv`
//!   (`insee;nom;departement;codes_postaux;lat;lon;population;type`);
//! - La Poste's official postcode base
//!   (`Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps`),
//!   one row per (commune, postcode, delivery line): rows are grouped by
//!   commune; a commune already known keeps its name and position and gains
//!   any new postcode;
//! - and the former communes list, `data/communes-anciennes.csv`
//!   (`insee;nom;departement;commune`), each pointing at the current commune
//!   it is part of, so its old name is still searched.

use std::collections::BTreeMap;
use std::path::Path;

use creneau_model::geo;
use sqlx::Row;

use super::{header, read_utf8, records, rows, Columns, ImportError, Report, RowProblem};
use crate::store::Pool;

#[derive(Clone, Debug, PartialEq)]
pub struct CommuneRow {
    pub insee: String,
    pub kind: String,
    pub name: String,
    pub departement: String,
    pub postcodes: Vec<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub population: i64,
}

/// Rows per multi-row INSERT: 8 parameters each stays far below SQLite's
/// and PostgreSQL's parameter limits.
const ROWS_PER_INSERT: usize = 400;

const SHIPPED: &str = "insee;nom;departement;codes_postaux;lat;lon;population;type";
const LAPOSTE: &str =
    "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps";

/// Parse either format.
pub fn parse(file: &str, text: &str) -> Result<(Vec<CommuneRow>, Vec<RowProblem>), ImportError> {
    let names = header(file, text, &[SHIPPED])?;
    let cols = Columns::new(names);
    if cols.find("codes_postaux").is_some() {
        parse_shipped(file, text, &cols)
    } else if cols.find("Code_commune_INSEE").is_some() {
        parse_laposte(file, text, &cols)
    } else {
        Err(ImportError::UnknownFormat {
            file: file.to_string(),
            expected: format!("{SHIPPED:?} or {LAPOSTE:?}"),
        })
    }
}

fn valid_postcode(p: &str) -> bool {
    p.len() == 5 && p.chars().all(|c| c.is_ascii_digit())
}

fn parse_shipped(
    file: &str,
    text: &str,
    cols: &Columns,
) -> Result<(Vec<CommuneRow>, Vec<RowProblem>), ImportError> {
    let idx: Vec<usize> = [
        "insee",
        "nom",
        "departement",
        "codes_postaux",
        "lat",
        "lon",
        "population",
        "type",
    ]
    .iter()
    .map(|c| cols.require(file, c))
    .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for item in records(text) {
        let (line, record) = match item {
            Ok(row) => row,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if record.len() < cols.len() {
            problems.push(RowProblem {
                line,
                column: None,
                reason: format!(
                    "truncated row: {} fields where the header has {}",
                    record.len(),
                    cols.len()
                ),
                skipped: true,
            });
            continue;
        }
        let f = |i: usize| record.get(idx[i]).unwrap_or("").trim();
        let insee = f(0);
        if geo::departement_of_insee(insee).is_none() {
            problems.push(RowProblem {
                line,
                column: Some("insee".into()),
                reason: format!("{insee:?} is not a commune code"),
                skipped: true,
            });
            continue;
        }
        let postcodes: Vec<String> = f(3)
            .split('|')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(bad) = postcodes.iter().find(|p| !valid_postcode(p)) {
            problems.push(RowProblem {
                line,
                column: Some("codes_postaux".into()),
                reason: format!("postcode {bad:?} is not five digits"),
                skipped: true,
            });
            continue;
        }
        let (lat, lon) = match (f(4).parse::<f64>(), f(5).parse::<f64>()) {
            (Ok(a), Ok(b)) if geo::plausible_in_france(a, b) => (Some(a), Some(b)),
            _ if f(4).is_empty() && f(5).is_empty() => (None, None),
            _ => {
                problems.push(RowProblem {
                    line,
                    column: Some("lat".into()),
                    reason: format!("position ({}, {}) is not in France", f(4), f(5)),
                    skipped: false,
                });
                (None, None)
            }
        };
        out.push(CommuneRow {
            insee: insee.to_string(),
            kind: if f(7) == "arrondissement" {
                "arrondissement".into()
            } else {
                "commune".into()
            },
            name: f(1).to_string(),
            departement: f(2).to_string(),
            postcodes,
            lat,
            lon,
            population: f(6).parse().unwrap_or(0),
        });
    }
    Ok((out, problems))
}

fn parse_laposte(
    file: &str,
    text: &str,
    cols: &Columns,
) -> Result<(Vec<CommuneRow>, Vec<RowProblem>), ImportError> {
    let insee_i = cols.require(file, "Code_commune_INSEE")?;
    let name_i = cols.require(file, "Nom_commune")?;
    let cp_i = cols.require(file, "Code_postal")?;
    let gps_i = cols.find("coordonnees_gps");
    let mut by_insee: BTreeMap<String, CommuneRow> = BTreeMap::new();
    let mut problems = Vec::new();
    for item in records(text) {
        let (line, record) = match item {
            Ok(row) => row,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let insee = record.get(insee_i).unwrap_or("").trim();
        let postcode = record.get(cp_i).unwrap_or("").trim();
        let Some(dep) = geo::departement_of_insee(insee) else {
            problems.push(RowProblem {
                line,
                column: Some("Code_commune_INSEE".into()),
                reason: format!("{insee:?} is not a commune code"),
                skipped: true,
            });
            continue;
        };
        if !valid_postcode(postcode) {
            problems.push(RowProblem {
                line,
                column: Some("Code_postal".into()),
                reason: format!("postcode {postcode:?} is not five digits"),
                skipped: true,
            });
            continue;
        }
        let position = gps_i.and_then(|i| record.get(i)).and_then(|gps| {
            let (a, b) = gps.split_once(',')?;
            let (a, b) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
            geo::plausible_in_france(a, b).then_some((a, b))
        });
        let entry = by_insee
            .entry(insee.to_string())
            .or_insert_with(|| CommuneRow {
                insee: insee.to_string(),
                kind: "commune".into(),
                name: record.get(name_i).unwrap_or("").trim().to_string(),
                departement: dep.to_string(),
                postcodes: Vec::new(),
                lat: None,
                lon: None,
                population: 0,
            });
        if !entry.postcodes.iter().any(|p| p == postcode) {
            entry.postcodes.push(postcode.to_string());
        }
        if entry.lat.is_none() {
            if let Some((a, b)) = position {
                entry.lat = Some(a);
                entry.lon = Some(b);
            }
        }
    }
    Ok((by_insee.into_values().collect(), problems))
}

/// Import a communes file (either format, or the former communes list) in
/// one transaction.
pub async fn import_file(pool: &Pool, path: &Path) -> Result<Report, ImportError> {
    let file = path.display().to_string();
    let text = read_utf8(path)?;
    if text.lines().next().map(str::trim) == Some(FORMER) {
        return import_former(pool, path).await;
    }
    let (rows, problems) = parse(&file, &text)?;
    if rows.is_empty() {
        return Err(ImportError::NothingUsable { file });
    }
    let shipped = text
        .lines()
        .next()
        .is_some_and(|h| h.contains("codes_postaux"));
    let mut tx = pool.begin().await?;
    if shipped {
        // Many rows per statement: 35,000 communes load in well under a second.
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = i * 8;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO communes (insee, kind, name, departement, postcodes, lat, lon, population) VALUES {} \
                 ON CONFLICT (insee, kind) DO UPDATE SET name = excluded.name, departement = excluded.departement, \
                 postcodes = excluded.postcodes, lat = excluded.lat, lon = excluded.lon, population = excluded.population",
                values.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query
                    .bind(&c.insee)
                    .bind(&c.kind)
                    .bind(&c.name)
                    .bind(&c.departement)
                    .bind(c.postcodes.join("|"))
                    .bind(c.lat)
                    .bind(c.lon)
                    .bind(c.population);
            }
            query.execute(&mut *tx).await?;
        }
    }
    // La Poste: keep a known commune's name and position, add postcodes.
    for c in rows.iter().filter(|_| !shipped) {
        {
            let existing = sqlx::query(
                "SELECT postcodes, lat FROM communes WHERE insee = $1 AND kind = 'commune'",
            )
            .bind(&c.insee)
            .fetch_optional(&mut *tx)
            .await?;
            match existing {
                Some(row) => {
                    let known: String = row.get(0);
                    let lat: Option<f64> = row.get(1);
                    let mut all: Vec<String> = known
                        .split('|')
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect();
                    for p in &c.postcodes {
                        if !all.contains(p) {
                            all.push(p.clone());
                        }
                    }
                    all.sort();
                    sqlx::query("UPDATE communes SET postcodes = $1, lat = COALESCE(lat, $2), lon = COALESCE(lon, $3) WHERE insee = $4 AND kind = 'commune'")
                        .bind(all.join("|"))
                        .bind(if lat.is_none() { c.lat } else { None })
                        .bind(if lat.is_none() { c.lon } else { None })
                        .bind(&c.insee)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO communes (insee, kind, name, departement, postcodes, lat, lon, population) \
                         VALUES ($1, 'commune', $2, $3, $4, $5, $6, 0)",
                    )
                    .bind(&c.insee)
                    .bind(&c.name)
                    .bind(&c.departement)
                    .bind(c.postcodes.join("|"))
                    .bind(c.lat)
                    .bind(c.lon)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(Report {
        file,
        imported: rows.len(),
        problems,
    })
}

const FORMER: &str = "insee;nom;departement;commune";

/// Import `data/communes-anciennes.csv` (`insee;nom;departement;commune`):
/// former communes and the current commune each is part of, which must
/// already be known. One transaction.
pub async fn import_former(pool: &Pool, path: &Path) -> Result<Report, ImportError> {
    let file = path.display().to_string();
    let text = read_utf8(path)?;
    let cols = Columns::new(header(&file, &text, &[FORMER])?);
    let idx: Vec<usize> = ["insee", "nom", "departement", "commune"]
        .iter()
        .map(|c| cols.require(&file, c))
        .collect::<Result<_, _>>()?;
    let mut tx = pool.begin().await?;
    let mut report = Report {
        file: file.clone(),
        ..Default::default()
    };
    for item in records(&text) {
        let (line, record) = match item {
            Ok(row) => row,
            Err(problem) => {
                report.problems.push(problem);
                continue;
            }
        };
        let f = |i: usize| record.get(idx[i]).unwrap_or("").trim();
        let (insee, name, dep, now) = (f(0), f(1), f(2), f(3));
        if geo::departement_of_insee(insee).is_none() || name.is_empty() {
            report.problems.push(RowProblem {
                line,
                column: Some("insee".into()),
                reason: format!("{insee:?} {name:?} is not a former commune"),
                skipped: true,
            });
            continue;
        }
        let known = sqlx::query("SELECT 1 FROM communes WHERE insee = $1 AND kind = 'commune'")
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            report.problems.push(RowProblem {
                line,
                column: Some("commune".into()),
                reason: format!("{now:?} is not a known commune: import communes.csv first"),
                skipped: true,
            });
            continue;
        }
        sqlx::query(
            "INSERT INTO communes (insee, kind, name, departement, postcodes, population, part_of) \
             VALUES ($1, 'former', $2, $3, '', 0, $4) \
             ON CONFLICT (insee, kind) DO UPDATE SET name = excluded.name, \
             departement = excluded.departement, part_of = excluded.part_of",
        )
        .bind(insee)
        .bind(name)
        .bind(dep)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        report.imported += 1;
    }
    if report.imported == 0 {
        return Err(ImportError::NothingUsable { file });
    }
    tx.commit().await?;
    Ok(report)
}

/// Import `data/departements.csv` (`code;nom;fuseau`).
pub async fn import_departements(pool: &Pool, path: &Path) -> Result<Report, ImportError> {
    let file = path.display().to_string();
    let text = read_utf8(path)?;
    let cols = Columns::new(header(&file, &text, &["code;nom;fuseau"])?);
    let (code_i, name_i, tz_i) = (
        cols.require(&file, "code")?,
        cols.require(&file, "nom")?,
        cols.require(&file, "fuseau")?,
    );
    let mut tx = pool.begin().await?;
    let mut report = Report {
        file: file.clone(),
        ..Default::default()
    };
    for record in rows(&text).records() {
        let record = record.map_err(|e| ImportError::Row {
            file: file.clone(),
            line: e.position().map_or(0, |p| p.line()),
            reason: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let (code, name, tz) = (
            record.get(code_i).unwrap_or(""),
            record.get(name_i).unwrap_or(""),
            record.get(tz_i).unwrap_or(""),
        );
        if tz.parse::<chrono_tz::Tz>().is_err() {
            report.problems.push(RowProblem {
                line,
                column: Some("fuseau".into()),
                reason: format!("{tz:?} is not a time zone"),
                skipped: true,
            });
            continue;
        }
        sqlx::query("INSERT INTO departements (code, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (code) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone")
            .bind(code)
            .bind(name)
            .bind(tz)
            .execute(&mut *tx)
            .await?;
        report.imported += 1;
    }
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laposte_rows_group_by_commune() {
        let text = "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n\
                    75056;PARIS;75001;;PARIS;48.86,2.34\n\
                    75056;PARIS;75002;;PARIS;48.87,2.35\n\
                    2A004;AJACCIO;20000;;AJACCIO;41.93,8.74\n\
                    2A004;AJACCIO;20090;;AJACCIO;\n\
                    XX;BAD;1;;BAD;\n";
        let (rows, problems) = parse("p.csv", text).unwrap();
        assert_eq!(rows.len(), 2);
        let ajaccio = rows.iter().find(|r| r.insee == "2A004").unwrap();
        assert_eq!(ajaccio.departement, "2A");
        assert_eq!(ajaccio.postcodes, ["20000", "20090"]);
        assert_eq!(ajaccio.lat, Some(41.93));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 6);
    }

    #[test]
    fn unknown_header_is_refused() {
        let err = parse("x.csv", "a;b;c\n1;2;3\n").unwrap_err();
        assert!(matches!(err, ImportError::UnknownFormat { .. }));
    }
}
