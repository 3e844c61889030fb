//! A generation's files, computed from [`Inputs`]: the pointer, the index,
//! one file per département and per centre, the centre directory, the
//! search shards and the SMART Scheduling Links. Pure: no store, no disk,
//! no clock but the `now` it is given. Every file but the pointer (and the
//! SMART manifest) is named by its content, and depends on `now` only by
//! its date, so an unchanged centre makes an unchanged file.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};
use creneau_model::alerts::Opening;
use creneau_model::hours::WeekHours;
use creneau_model::slots::{self, SlotRules};
use creneau_model::snapshot::{
    self, shard_of, BookingMode, CentreDirectory, CentreFile, CentreSummary, DaySlots,
    DepartementEntry, DepartementFile, Index, Place, Pointer, SearchShard, SlotRun, TimedRun,
    TodaySlots, SCHEMA_VERSION,
};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::smart;

/// A centre as the publisher needs it.
#[derive(Clone, Debug, PartialEq)]
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
    /// `None`: the same file as in the previous generation ([`Reuse`]),
    /// written then; its body is not kept in memory.
    pub body: Option<Vec<u8>>,
}

impl File {
    fn new(path: String, body: Vec<u8>) -> File {
        File {
            path,
            body: Some(body),
        }
    }
}

/// What the previous generations computed, kept by a publisher so the next
/// recomputes only what changed: a centre whose row, places taken and date
/// are the same has the same file (its slots are not worked out again),
/// and a département whose centres' files are the same has the same file.
/// At 100,000 centres, working out every centre's slots is most of a
/// generation's time.
#[derive(Default)]
pub struct Reuse {
    /// Horizon start, horizon days, later days, public URL: any change
    /// and nothing is reused.
    basis: Option<(NaiveDate, u32, u32, Option<String>)>,
    centres: HashMap<String, ReusedCentre>,
    /// Département code → its centres' files, in order, and its entry.
    departements: HashMap<String, (Vec<String>, DepartementEntry)>,
}

struct ReusedCentre {
    centre: Centre,
    taken: Option<HashMap<i64, u32>>,
    local_today: NaiveDate,
    summary: CentreSummary,
    path: String,
    /// With SMART Scheduling Links: the file (they are worked out from it
    /// as of each generation), its resources, and until when (Unix
    /// seconds: the next of today's slots to pass) they hold.
    smart: Option<(CentreFile, smart::CentreResources, i64)>,
}

impl std::fmt::Debug for Reuse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reuse({} centres)", self.centres.len())
    }
}

impl Reuse {
    /// Forget everything (a file it names went missing, say).
    pub fn clear(&mut self) {
        *self = Reuse::default();
    }
}

/// One centre's part of a generation.
struct CentreOutput {
    summary: CentreSummary,
    file: File,
    resources: Option<smart::CentreResources>,
    /// Worked out afresh: to keep for the next generation.
    fresh: Option<ReusedCentre>,
}

/// A whole generation, ready to write.
pub struct Generation {
    pub pointer: Pointer,
    /// Every file the pointer leads to, each named by its content (search
    /// shards and the centre directory by their folder's), so a file
    /// already written is never written again.
    pub files: Vec<File>,
    /// The SMART Scheduling Links manifest, also written at the stable
    /// `$bulk-publish` once the pointer names this generation.
    pub smart_manifest: Option<Vec<u8>>,
    /// The centres booked here with a free place from now on: what the
    /// alerts ("Me prévenir") are compared with.
    pub openings: Vec<Opening>,
}

/// A centre's free places from `now`, if it is booked here and has any.
fn opening(summary: &CentreSummary, now: i64) -> Option<Opening> {
    let bookable = summary.booking == BookingMode::Here && !summary.reserved_for_professionals;
    let today = summary
        .today
        .as_ref()
        .is_some_and(|t| t.runs.iter().any(|r| r.free > 0 && r.at >= now));
    if !(bookable && (today || summary.next_slot.is_some())) {
        return None;
    }
    Some(Opening {
        centre: summary.id.clone(),
        name: summary.name.clone(),
        commune: summary.commune.clone(),
        lat: summary.lat?,
        lon: summary.lon?,
        vaccines: summary.vaccines.clone(),
    })
}

/// The version id of a generation made at `now`: sortable, safe in a path.
pub fn version_id(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M%S%3fZ").to_string()
}

pub fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("snapshot types serialise")
}

/// 16 hex digits of the SHA-256 of some bytes: names a file by its
/// content (64 bits: no two different files of one snapshot collide).
fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes)[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Centres per centre-directory shard, about: a link to a centre fetches
/// one shard of a few kilobytes whatever the country's size.
const CENTRES_PER_DIRECTORY_SHARD: usize = 256;

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
/// horizon are published for second injections ([`later_days`]). Every
/// file but the pointer depends on `now` only through its date: the same
/// inputs a minute later give the same files.
pub fn build(inputs: &Inputs, now: DateTime<Utc>, horizon_days: u32, later: u32) -> Generation {
    build_reusing(inputs, now, horizon_days, later, &mut Reuse::default())
}

/// [`build`], reusing what `reuse` kept of the previous generations and
/// keeping this one's for the next.
pub fn build_reusing(
    inputs: &Inputs,
    now: DateTime<Utc>,
    horizon_days: u32,
    later: u32,
    reuse: &mut Reuse,
) -> Generation {
    let version = version_id(now);
    let generated_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let paris = chrono_tz::Europe::Paris;
    let horizon_start = slots::local_date(now, paris);
    let horizon_text = horizon_start.to_string();

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
    let basis = Some((
        horizon_start,
        horizon_days,
        later,
        inputs.public_url.clone(),
    ));
    if reuse.basis != basis {
        reuse.clear();
        reuse.basis = basis;
    }
    let previous = &reuse.centres;
    let computed: Vec<CentreOutput> = inputs
        .centres
        .par_iter()
        .map(|centre| {
            let tz = zones
                .get(centre.departement.as_str())
                .copied()
                .unwrap_or(paris);
            let departement_name = departement_names
                .get(centre.departement.as_str())
                .copied()
                .unwrap_or_default();
            let taken = inputs.taken.get(&centre.summary.id);
            let local_today = slots::local_date(now, tz);
            let smart_of = |file: &CentreFile, public_url: &str| {
                // Other finders read the SMART files without dropping past
                // slots themselves: they get the availability as of now.
                let current = file.clone().at(now);
                let until = current
                    .centre
                    .today
                    .as_ref()
                    .and_then(|t| t.runs.first())
                    .map_or(i64::MAX, |run| run.at);
                let resources = smart::centre_resources(
                    &current.centre,
                    &centre.departement,
                    departement_name,
                    tz,
                    &current.days,
                    centre.rules.slot_minutes,
                    public_url,
                );
                (resources, until)
            };
            if let Some(kept) = previous.get(&centre.summary.id).filter(|kept| {
                kept.local_today == local_today
                    && kept.taken.as_ref() == taken
                    && kept.centre == *centre
            }) {
                let mut fresh = None;
                let resources = match (&kept.smart, inputs.public_url.as_deref()) {
                    (Some((_, resources, until)), _) if now.timestamp() < *until => {
                        Some(resources.clone())
                    }
                    (Some((file, _, _)), Some(public_url)) => {
                        let (resources, until) = smart_of(file, public_url);
                        fresh = Some(ReusedCentre {
                            centre: kept.centre.clone(),
                            taken: kept.taken.clone(),
                            local_today,
                            summary: kept.summary.clone(),
                            path: kept.path.clone(),
                            smart: Some((file.clone(), resources.clone(), until)),
                        });
                        Some(resources)
                    }
                    _ => None,
                };
                return CentreOutput {
                    summary: kept.summary.clone(),
                    file: File {
                        path: kept.path.clone(),
                        body: None,
                    },
                    resources,
                    fresh,
                };
            }
            let (summary, days, later_days) =
                centre_availability(centre, tz, taken, now, horizon_start, horizon_days, later);
            let file = CentreFile {
                schema_version: SCHEMA_VERSION,
                horizon_start: horizon_text.clone(),
                time_zone: tz.name().to_string(),
                centre: summary,
                hours: centre.hours.clone(),
                slot_minutes: centre.rules.slot_minutes,
                days,
                later_days,
            };
            let body = json(&file);
            let path = format!("centre/{}.{}.json", file.centre.id, content_hash(&body));
            let smart = inputs
                .public_url
                .as_deref()
                .map(|public_url| smart_of(&file, public_url));
            let mut summary = file.centre.clone();
            summary.file = Some(path.clone());
            CentreOutput {
                fresh: Some(ReusedCentre {
                    centre: centre.clone(),
                    taken: taken.cloned(),
                    local_today,
                    summary: summary.clone(),
                    path: path.clone(),
                    smart: smart
                        .as_ref()
                        .map(|(resources, until)| (file, resources.clone(), *until)),
                }),
                summary,
                file: File::new(path, body),
                resources: smart.map(|(resources, _)| resources),
            }
        })
        .collect();
    // Keep this generation's centres for the next, and only them.
    let present: std::collections::HashSet<&str> = inputs
        .centres
        .iter()
        .map(|c| c.summary.id.as_str())
        .collect();
    reuse.centres.retain(|id, _| present.contains(id.as_str()));

    let mut files = Vec::with_capacity(computed.len() + inputs.departements.len() + 1);
    let mut by_dep: HashMap<&str, Vec<CentreSummary>> = HashMap::new();
    let (mut locations, mut schedules) = (String::new(), String::new());
    let mut slots_by_dep: std::collections::BTreeMap<&str, String> = Default::default();
    let mut openings = Vec::new();
    for (centre, output) in inputs.centres.iter().zip(computed) {
        let CentreOutput {
            summary,
            file,
            resources,
            fresh,
        } = output;
        if let Some(fresh) = fresh {
            reuse.centres.insert(centre.summary.id.clone(), fresh);
        }
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
        files.push(file);
        openings.extend(opening(&summary, now.timestamp()));
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
    let kept_departements = &reuse.departements;
    let departement_files: Vec<(DepartementEntry, File, Vec<String>)> = inputs
        .departements
        .iter()
        .map(|(code, name, tz)| {
            (
                code,
                name,
                tz,
                by_dep.remove(code.as_str()).unwrap_or_default(),
            )
        })
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(code, name, tz, centres)| {
            // A centre's file names its summary: the same files, the same
            // département file.
            let centre_files: Vec<String> = centres
                .iter()
                .map(|c| c.file.clone().unwrap_or_default())
                .collect();
            if let Some((_, entry)) = kept_departements.get(code).filter(|(files, entry)| {
                *files == centre_files && entry.name == *name && entry.time_zone == *tz
            }) {
                let file = File {
                    path: entry.file.clone(),
                    body: None,
                };
                return (entry.clone(), file, centre_files);
            }
            let free_slots = centres
                .iter()
                .flat_map(|c| c.free_by_day.iter())
                .map(|&n| u64::from(n))
                .sum();
            let with_slots = centres
                .iter()
                .filter(|c| c.next_slot.is_some() || c.today.is_some())
                .count() as u32;
            let count = centres.len() as u32;
            let body = json(&DepartementFile {
                schema_version: SCHEMA_VERSION,
                code: code.clone(),
                name: name.clone(),
                time_zone: tz.clone(),
                horizon_start: horizon_text.clone(),
                centres,
            });
            let path = format!("dep/{code}.{}.json", content_hash(&body));
            let entry = DepartementEntry {
                code: code.clone(),
                file: path.clone(),
                name: name.clone(),
                time_zone: tz.clone(),
                centres: count,
                centres_with_slots: with_slots,
                bbox: boxes.get(code.as_str()).copied(),
                free_slots,
            };
            (entry, File::new(path, body), centre_files)
        })
        .collect();
    reuse.departements.clear();
    for (entry, _, centre_files) in &departement_files {
        reuse
            .departements
            .insert(entry.code.clone(), (centre_files.clone(), entry.clone()));
    }
    let mut entries = Vec::with_capacity(departement_files.len());
    for (entry, file, _) in departement_files {
        entries.push(entry);
        files.push(file);
    }

    let (directory, directory_shards, directory_files) = centre_directory(&inputs.centres);
    files.extend(directory_files);
    let index_body = json(&Index {
        schema_version: SCHEMA_VERSION,
        demo: inputs.demo,
        horizon_start: horizon_text.clone(),
        horizon_days,
        vaccines: snapshot::known_vaccines(),
        departements: entries,
        centre_directory: directory,
        centre_directory_shards: directory_shards,
    });
    let index_path = format!("index/{}.json", content_hash(&index_body));
    files.push(File::new(index_path.clone(), index_body));

    // SMART Scheduling Links: the resources, then the manifest naming them.
    let smart_manifest = inputs.public_url.as_deref().map(|public_url| {
        let smart_base = format!("{}/data", public_url.trim_end_matches('/'));
        let mut named = |stem: &str, body: Vec<u8>| {
            let path = format!("smart/{stem}.{}.ndjson", content_hash(&body));
            let url = format!("{smart_base}/{path}");
            files.push(File::new(path, body));
            url
        };
        let mut listed = vec![
            (
                "Location",
                named("locations", std::mem::take(&mut locations).into_bytes()),
                None,
            ),
            (
                "Schedule",
                named("schedules", std::mem::take(&mut schedules).into_bytes()),
                None,
            ),
        ];
        for (dep, slots) in std::mem::take(&mut slots_by_dep) {
            let url = named(&format!("slots-{dep}"), slots.into_bytes());
            listed.push(("Slot", url, Some(dep.to_string())));
        }
        smart::manifest(&generated_at, public_url, &listed)
    });
    // The manifest names the time of its generation, so it is new each
    // time, like the pointer: in a folder named by its hash.
    let smart_path = smart_manifest.as_ref().map(|manifest| {
        let path = format!("smart/{}/$bulk-publish", content_hash(manifest));
        files.push(File::new(path.clone(), manifest.clone()));
        path
    });

    let (search_dir, search_files) = search_index(&inputs.places);
    files.extend(search_files);
    let pointer = Pointer {
        schema_version: SCHEMA_VERSION,
        version,
        generated_at,
        demo: inputs.demo,
        index: index_path,
        search: format!("{search_dir}/{{shard}}.json"),
        smart: smart_path,
        eligibility: None,
    };
    Generation {
        pointer,
        files,
        smart_manifest,
        openings,
    }
}

/// The centre directory: each centre's département by id, in shards of
/// about [`CENTRES_PER_DIRECTORY_SHARD`], in a folder named by the hash of
/// them all (it changes only when centres come, go or move). Its path
/// template, its shard count, its files.
fn centre_directory(centres: &[Centre]) -> (String, u32, Vec<File>) {
    let shards = centres
        .len()
        .div_ceil(CENTRES_PER_DIRECTORY_SHARD)
        .max(1)
        .next_power_of_two() as u32;
    let mut maps: Vec<std::collections::BTreeMap<String, String>> =
        vec![Default::default(); shards as usize];
    for centre in centres {
        let shard = snapshot::centre_directory_shard(&centre.summary.id, shards);
        maps[shard as usize].insert(centre.summary.id.clone(), centre.departement.clone());
    }
    let bodies: Vec<Vec<u8>> = maps
        .into_iter()
        .map(|centres| {
            json(&CentreDirectory {
                schema_version: SCHEMA_VERSION,
                centres,
            })
        })
        .collect();
    let mut hasher = Sha256::new();
    for body in &bodies {
        hasher.update(body);
    }
    let dir = format!("ids/{}", hex(&hasher.finalize()[..6]));
    let files = bodies
        .into_iter()
        .enumerate()
        .map(|(n, body)| File::new(format!("{dir}/{n}.json"), body))
        .collect();
    (format!("{dir}/{{shard}}.json"), shards, files)
}

/// Free slots of one centre: its summary (today's runs, the next slot
/// after today, free per day), its days with free times, and (when it
/// gives second injections) the free times of the `later` days after the
/// horizon. Today's slots are all there from the opening, past ones too,
/// so the result depends on `now` only through its date (the reader drops
/// past slots). Only centres booked here, open to the public, have slots;
/// others are listed with their link or phone.
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
        let instant = |at: DateTime<Utc>| {
            at.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        };
        for date in slots::horizon(local_today, horizon_days + later) {
            let index = (date - horizon_start).num_days();
            if index < 0 || index >= i64::from(horizon_days + later) {
                continue;
            }
            if opening.is_some_and(|o| date < o) || closing.is_some_and(|c| date > c) {
                continue;
            }
            let on_horizon = index < i64::from(horizon_days);
            let is_today = date == local_today;
            // Consecutive slots with the same free count make one run; a
            // booked slot or a skipped local time (the spring DST gap) starts another.
            let mut runs: Vec<SlotRun> = Vec::new();
            let mut timed: Vec<TimedRun> = Vec::new();
            let mut run_end: Option<u32> = None;
            let step = u32::from(centre.rules.slot_minutes.max(1));
            for slot in slots::slots_on(date, &centre.hours, centre.rules, tz) {
                let used = taken
                    .and_then(|t| t.get(&slot.starts_at.timestamp()))
                    .copied()
                    .unwrap_or(0);
                let free = centre.rules.capacity.saturating_sub(used);
                if free == 0 {
                    continue;
                }
                if on_horizon {
                    if summary.next_slot.is_none() && !is_today {
                        summary.next_slot = Some(instant(slot.starts_at));
                    }
                    free_by_day[index as usize] += free;
                }
                let minute = slot.local.hour() * 60 + slot.local.minute();
                match runs.last_mut() {
                    Some(run) if run.free == free && run_end == Some(minute) => {
                        run.count += 1;
                        if let Some(t) = timed.last_mut().filter(|_| is_today) {
                            t.count += 1;
                        }
                    }
                    _ => {
                        runs.push(SlotRun {
                            start: slot.local.format("%H:%M").to_string(),
                            count: 1,
                            free,
                        });
                        if is_today {
                            timed.push(TimedRun {
                                start: instant(slot.starts_at),
                                at: slot.starts_at.timestamp(),
                                count: 1,
                                free,
                            });
                        }
                    }
                }
                run_end = Some(minute + step);
            }
            if !runs.is_empty() {
                if is_today && on_horizon {
                    summary.today = Some(TodaySlots {
                        date: date.to_string(),
                        day: index as u32,
                        slot_minutes: centre.rules.slot_minutes,
                        runs: timed,
                    });
                }
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
        .map(|(shard, body)| File::new(format!("{dir}/{shard}.json"), body))
        .collect();
    (dir, files)
}
