//! A generation's files, computed from [`Inputs`]: the pointer, the index,
//! one file per département and per centre, and the search shards. Pure:
//! no store, no disk, no clock but the `now` it is given.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};
use creneau_model::hours::WeekHours;
use creneau_model::slots::{self, SlotRules};
use creneau_model::snapshot::{
    self, shard_of, BookingMode, CentreFile, CentreSummary, DaySlots, DepartementEntry,
    DepartementFile, Index, Place, Pointer, SearchShard, SlotRun, SCHEMA_VERSION,
};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::smart;

/// A centre as the publisher needs it.
#[derive(Clone, Debug)]
pub struct Centre {
    pub summary: CentreSummary,
    pub departement: String,
    pub hours: WeekHours,
    pub rules: SlotRules,
}

/// Everything a generation is computed from.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub departements: Vec<(String, String, String)>,
    pub centres: Vec<Centre>,
    /// Places taken: centre id → (slot start, Unix seconds) → count.
    pub taken: HashMap<String, HashMap<i64, u32>>,
    pub places: Vec<Place>,
    pub demo: bool,
    /// Where the site is served (`--public-url`): the SMART Scheduling
    /// Links files name themselves and the booking flow by full URL.
    /// `None`: no SMART Scheduling Links (`--no-smart-links`).
    pub public_url: Option<String>,
}

/// One file of a generation, its path relative to the snapshot root.
pub struct File {
    pub path: String,
    pub body: Vec<u8>,
}

/// A whole generation, ready to write.
pub struct Generation {
    pub pointer: Pointer,
    pub version_files: Vec<File>,
    /// Content-addressed search directory (`search/<hash>`) and its shards.
    pub search_dir: String,
    pub search_files: Vec<File>,
    /// The SMART Scheduling Links manifest, also written at the stable
    /// `$bulk-publish` once the pointer names this generation.
    pub smart_manifest: Option<Vec<u8>>,
}

/// The version id of a generation made at `now`: sortable, safe in a path.
pub fn version_id(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M%S%3fZ").to_string()
}

pub fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("snapshot types serialise")
}

/// Days past the horizon a centre file covers for second injections: a
/// first on the horizon's last day has its second up to the longest
/// interval plus the window later.
pub fn later_days(second_dose_window_days: u32) -> u32 {
    snapshot::known_vaccines()
        .iter()
        .map(|v| v.second_dose_days)
        .max()
        .unwrap_or(0)
        + second_dose_window_days
}

/// Compute a generation. Pure: no store, no disk. `later` days after the
/// horizon are published for second injections ([`later_days`]).
pub fn build(inputs: &Inputs, now: DateTime<Utc>, horizon_days: u32, later: u32) -> Generation {
    let version = version_id(now);
    let generated_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let paris = chrono_tz::Europe::Paris;
    let horizon_start = slots::local_date(now, paris);
    let base = format!("v/{version}");

    // Centres, each in its own zone, in parallel.
    let zones: HashMap<&str, chrono_tz::Tz> = inputs
        .departements
        .iter()
        .filter_map(|(code, _, tz)| Some((code.as_str(), slots::time_zone(tz)?)))
        .collect();
    let departement_names: HashMap<&str, &str> = inputs
        .departements
        .iter()
        .map(|(code, name, _)| (code.as_str(), name.as_str()))
        .collect();
    let computed: Vec<(CentreSummary, Vec<u8>, Option<smart::CentreResources>)> = inputs
        .centres
        .par_iter()
        .map(|centre| {
            let tz = zones
                .get(centre.departement.as_str())
                .copied()
                .unwrap_or(paris);
            let taken = inputs.taken.get(&centre.summary.id);
            let (summary, file, later_days) =
                centre_availability(centre, tz, taken, now, horizon_start, horizon_days, later);
            let resources = inputs.public_url.as_deref().map(|public_url| {
                smart::centre_resources(
                    &summary,
                    &centre.departement,
                    departement_names
                        .get(centre.departement.as_str())
                        .copied()
                        .unwrap_or_default(),
                    tz,
                    &file,
                    centre.rules.slot_minutes,
                    public_url,
                )
            });
            let body = json(&CentreFile {
                schema_version: SCHEMA_VERSION,
                version: version.clone(),
                generated_at: generated_at.clone(),
                time_zone: tz.name().to_string(),
                centre: summary.clone(),
                hours: centre.hours.clone(),
                slot_minutes: centre.rules.slot_minutes,
                days: file,
                later_days,
            });
            (summary, body, resources)
        })
        .collect();

    let mut files = Vec::with_capacity(computed.len() + inputs.departements.len() + 1);
    let mut by_dep: HashMap<&str, Vec<CentreSummary>> = HashMap::new();
    let (mut locations, mut schedules) = (String::new(), String::new());
    let mut slots_by_dep: std::collections::BTreeMap<&str, String> = Default::default();
    for (centre, (summary, body, resources)) in inputs.centres.iter().zip(computed) {
        if let Some(resources) = resources {
            locations.push_str(&resources.location);
            resources
                .schedules
                .iter()
                .for_each(|l| schedules.push_str(l));
            if !resources.slots.is_empty() {
                let slots = slots_by_dep.entry(centre.departement.as_str()).or_default();
                resources.slots.iter().for_each(|l| slots.push_str(l));
            }
        }
        files.push(File {
            path: format!("{base}/centre/{}.json", summary.id),
            body,
        });
        by_dep
            .entry(centre.departement.as_str())
            .or_default()
            .push(summary);
    }
    // Each département's extent, from its centres' own positions: a centre
    // within a search radius always lies in a box within that radius, and
    // a misplaced commune elsewhere in the file cannot stretch the box.
    let mut boxes: HashMap<&str, [f64; 4]> = HashMap::new();
    let points = inputs
        .centres
        .iter()
        .filter_map(|c| Some((c.departement.as_str(), c.summary.lat?, c.summary.lon?)));
    for (dep, lat, lon) in points {
        let b = boxes.entry(dep).or_insert([lat, lon, lat, lon]);
        *b = [b[0].min(lat), b[1].min(lon), b[2].max(lat), b[3].max(lon)];
    }
    let mut entries = Vec::with_capacity(inputs.departements.len());
    for (code, name, tz) in &inputs.departements {
        let centres = by_dep.remove(code.as_str()).unwrap_or_default();
        entries.push(DepartementEntry {
            code: code.clone(),
            name: name.clone(),
            time_zone: tz.clone(),
            centres: centres.len() as u32,
            centres_with_slots: centres.iter().filter(|c| c.next_slot.is_some()).count() as u32,
            bbox: boxes.get(code.as_str()).copied(),
            free_slots: centres
                .iter()
                .flat_map(|c| c.free_by_day.iter())
                .map(|&n| u64::from(n))
                .sum(),
        });
        files.push(File {
            path: format!("{base}/dep/{code}.json"),
            body: json(&DepartementFile {
                schema_version: SCHEMA_VERSION,
                version: version.clone(),
                generated_at: generated_at.clone(),
                code: code.clone(),
                name: name.clone(),
                time_zone: tz.clone(),
                horizon_start: horizon_start.to_string(),
                centres,
            }),
        });
    }
    files.push(File {
        path: format!("{base}/index.json"),
        body: json(&Index {
            schema_version: SCHEMA_VERSION,
            version: version.clone(),
            generated_at: generated_at.clone(),
            demo: inputs.demo,
            horizon_start: horizon_start.to_string(),
            horizon_days,
            vaccines: snapshot::known_vaccines(),
            departements: entries,
        }),
    });

    // SMART Scheduling Links: the resources, then the manifest naming them.
    let smart_manifest = inputs.public_url.as_deref().map(|public_url| {
        let smart_base = format!("{}/data/{base}/smart", public_url.trim_end_matches('/'));
        let mut listed = vec![
            ("Location", format!("{smart_base}/locations.ndjson"), None),
            ("Schedule", format!("{smart_base}/schedules.ndjson"), None),
        ];
        files.push(File {
            path: format!("{base}/smart/locations.ndjson"),
            body: std::mem::take(&mut locations).into_bytes(),
        });
        files.push(File {
            path: format!("{base}/smart/schedules.ndjson"),
            body: std::mem::take(&mut schedules).into_bytes(),
        });
        for (dep, slots) in std::mem::take(&mut slots_by_dep) {
            listed.push((
                "Slot",
                format!("{smart_base}/slots-{dep}.ndjson"),
                Some(dep.to_string()),
            ));
            files.push(File {
                path: format!("{base}/smart/slots-{dep}.ndjson"),
                body: slots.into_bytes(),
            });
        }
        let manifest = smart::manifest(&generated_at, public_url, &listed);
        files.push(File {
            path: format!("{base}/smart/$bulk-publish"),
            body: manifest.clone(),
        });
        manifest
    });

    let (search_dir, search_files) = search_index(&inputs.places);
    let pointer = Pointer {
        schema_version: SCHEMA_VERSION,
        version: version.clone(),
        generated_at,
        demo: inputs.demo,
        index: format!("{base}/index.json"),
        departement: format!("{base}/dep/{{code}}.json"),
        centre: format!("{base}/centre/{{id}}.json"),
        search: format!("{search_dir}/{{shard}}.json"),
        smart: smart_manifest
            .is_some()
            .then(|| format!("{base}/smart/$bulk-publish")),
        eligibility: None,
    };
    Generation {
        pointer,
        version_files: files,
        search_dir,
        search_files,
        smart_manifest,
    }
}

/// Free slots of one centre: its summary (next slot, free per day), its
/// days with free times, and (when it gives second injections) the free
/// times of the `later` days after the horizon. Only centres booked here,
/// open to the public, have slots; others are listed with their link or
/// phone.
fn centre_availability(
    centre: &Centre,
    tz: chrono_tz::Tz,
    taken: Option<&HashMap<i64, u32>>,
    now: DateTime<Utc>,
    horizon_start: NaiveDate,
    horizon_days: u32,
    later: u32,
) -> (CentreSummary, Vec<DaySlots>, Vec<DaySlots>) {
    let mut summary = centre.summary.clone();
    let mut free_by_day = vec![0u32; horizon_days as usize];
    let mut days = Vec::new();
    let mut later_days = Vec::new();
    let bookable = summary.booking == BookingMode::Here && !summary.reserved_for_professionals;
    if bookable {
        let opening = summary
            .opening_date
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok());
        let closing = summary
            .closing_date
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok());
        let later = if summary.doses.contains(&2) { later } else { 0 };
        let local_today = slots::local_date(now, tz);
        for date in slots::horizon(local_today, horizon_days + later) {
            let index = (date - horizon_start).num_days();
            if index < 0 || index >= i64::from(horizon_days + later) {
                continue;
            }
            if opening.is_some_and(|o| date < o) || closing.is_some_and(|c| date > c) {
                continue;
            }
            let on_horizon = index < i64::from(horizon_days);
            // Consecutive slots with the same free count make one run; a
            // booked slot or a skipped local time (the spring DST gap) starts another.
            let mut runs: Vec<SlotRun> = Vec::new();
            let mut run_end: Option<u32> = None;
            let step = u32::from(centre.rules.slot_minutes.max(1));
            for slot in slots::slots_on(date, &centre.hours, centre.rules, tz) {
                if slot.starts_at <= now {
                    continue;
                }
                let used = taken
                    .and_then(|t| t.get(&slot.starts_at.timestamp()))
                    .copied()
                    .unwrap_or(0);
                let free = centre.rules.capacity.saturating_sub(used);
                if free == 0 {
                    continue;
                }
                if on_horizon {
                    if summary.next_slot.is_none() {
                        summary.next_slot = Some(
                            slot.starts_at
                                .with_timezone(&tz)
                                .to_rfc3339_opts(SecondsFormat::Secs, false),
                        );
                    }
                    free_by_day[index as usize] += free;
                }
                let minute = slot.local.hour() * 60 + slot.local.minute();
                match runs.last_mut() {
                    Some(run) if run.free == free && run_end == Some(minute) => run.count += 1,
                    _ => runs.push(SlotRun {
                        start: slot.local.format("%H:%M").to_string(),
                        count: 1,
                        free,
                    }),
                }
                run_end = Some(minute + step);
            }
            if !runs.is_empty() {
                let day = DaySlots {
                    date: date.to_string(),
                    runs,
                };
                if on_horizon {
                    days.push(day);
                } else {
                    later_days.push(day);
                }
            }
        }
    }
    summary.free_by_day = free_by_day;
    (summary, days, later_days)
}

/// Search shards, in a directory named by the hash of their content so an
/// unchanged commune list is written once, not every minute.
fn search_index(places: &[Place]) -> (String, Vec<File>) {
    let mut shards: std::collections::BTreeMap<String, Vec<&Place>> = Default::default();
    for place in places {
        // A former commune is found by its name only: its postcodes are
        // its current commune's, already in that commune's shard.
        let mut keys: Vec<String> = match place.merged_into {
            None => place.postcodes.iter().filter_map(|p| shard_of(p)).collect(),
            Some(_) => Vec::new(),
        };
        keys.extend(shard_of(&place.name));
        keys.sort();
        keys.dedup();
        for key in keys {
            shards.entry(key).or_default().push(place);
        }
    }
    let bodies: Vec<(String, Vec<u8>)> = shards
        .into_iter()
        .map(|(shard, places)| {
            let body = json(&SearchShard {
                schema_version: SCHEMA_VERSION,
                shard: shard.clone(),
                places: places.into_iter().cloned().collect(),
            });
            (shard, body)
        })
        .collect();
    let mut hasher = Sha256::new();
    for (shard, body) in &bodies {
        hasher.update(shard.as_bytes());
        hasher.update(body);
    }
    let hash = hasher.finalize();
    let dir = format!(
        "search/{}",
        hash.iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let files = bodies
        .into_iter()
        .map(|(shard, body)| File {
            path: format!("{dir}/{shard}.json"),
            body,
        })
        .collect();
    (dir, files)
}
