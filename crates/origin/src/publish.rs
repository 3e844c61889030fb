//! The snapshot publisher: reads the store, computes free slots over the
//! horizon, and writes one immutable generation of JSON files (each also as
//! `.br` and `.gz`), then swaps the `latest.json` pointer atomically and
//! prunes generations older than a grace period, so a reader that fetched
//! the old pointer still finds every file it names.
//!
//! [`build`] is pure (store rows in, files out) so it is benchmarked and
//! tested without a database or a disk.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};
use creneau_model::hours::{DayHours, WeekHours};
use creneau_model::slots::{self, SlotRules};
use creneau_model::snapshot::{
    self, shard_of, BookingMode, CentreFile, CentreSummary, DaySlots, DepartementEntry,
    DepartementFile, EligibilityRule, Index, Place, Pointer, SearchShard, SlotRun, SCHEMA_VERSION,
};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::Pool;

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
}

#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    pub horizon_days: u32,
    /// How long a superseded generation stays readable.
    pub grace: Duration,
    pub brotli_quality: u32,
    /// Who may book, carried by the pointer for the booking flow.
    pub eligibility: EligibilityRule,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            out: PathBuf::from("var/snapshot"),
            horizon_days: 28,
            grace: Duration::from_secs(300),
            brotli_quality: 5,
            eligibility: crate::eligibility::Eligibility::default().rule(),
        }
    }
}

/// Read what a generation needs from the store.
pub async fn load(pool: &Pool, now: DateTime<Utc>) -> anyhow::Result<Inputs> {
    let departements = sqlx::query("SELECT code, name, time_zone FROM departements ORDER BY code")
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2),
            )
        })
        .collect();
    let rows = sqlx::query(
        "SELECT id, name, address, postcode, insee, commune, departement, lat, lon, phone, booking_mode, booking_url, \
         accessible, reserved_pro, hours_json, slot_minutes, capacity, vaccines, opening_date, closing_date, demo, \
         doses, open_on_public_holidays FROM centres ORDER BY departement, id",
    )
    .fetch_all(pool)
    .await?;
    let mut demo = false;
    let mut centres = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.get(0);
        let hours: WeekHours = serde_json::from_str(&r.get::<String, _>(14))
            .with_context(|| format!("centre {id}: stored hours unreadable"))?;
        let accessible: Option<i32> = r.get(12);
        let vaccines: String = r.get(17);
        demo |= r.get::<i32, _>(20) != 0;
        centres.push(Centre {
            departement: r.get(6),
            rules: SlotRules {
                slot_minutes: r.get::<i32, _>(15) as u16,
                capacity: r.get::<i32, _>(16) as u32,
                open_on_public_holidays: r.get::<i32, _>(22) != 0,
            },
            summary: CentreSummary {
                name: r.get(1),
                address: r.get(2),
                postcode: r.get(3),
                insee: r.get(4),
                commune: r.get(5),
                lat: r.get(7),
                lon: r.get(8),
                phone: r.get(9),
                booking: BookingMode::parse(&r.get::<String, _>(10)).unwrap_or(BookingMode::Phone),
                booking_url: r.get(11),
                accessible: accessible.map(|a| a != 0),
                reserved_for_professionals: r.get::<i32, _>(13) != 0,
                hours_published: hours.iter().any(|d| matches!(d, DayHours::Open { .. })),
                vaccines: vaccines
                    .split('|')
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect(),
                doses: r
                    .get::<String, _>(21)
                    .split('|')
                    .filter_map(|d| d.parse().ok())
                    .collect(),
                opening_date: r.get(18),
                closing_date: r.get(19),
                next_slot: None,
                free_by_day: Vec::new(),
                id,
            },
            hours,
        });
    }
    let mut taken: HashMap<String, HashMap<i64, u32>> = HashMap::new();
    for r in sqlx::query(
        "SELECT centre_id, starts_at, taken FROM slot_usage WHERE starts_at >= $1 AND taken > 0",
    )
    .bind(now.timestamp())
    .fetch_all(pool)
    .await?
    {
        taken
            .entry(r.get(0))
            .or_default()
            .insert(r.get(1), r.get::<i32, _>(2) as u32);
    }
    let places = sqlx::query("SELECT name, insee, departement, postcodes, lat, lon, kind FROM communes ORDER BY insee, kind")
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| Place {
            name: r.get(0),
            insee: r.get(1),
            departement: r.get(2),
            postcodes: r.get::<String, _>(3).split('|').filter(|p| !p.is_empty()).map(str::to_string).collect(),
            lat: r.get(4),
            lon: r.get(5),
        })
        .collect();
    Ok(Inputs {
        departements,
        centres,
        taken,
        places,
        demo,
    })
}

/// The version id of a generation made at `now`: sortable, safe in a path.
pub fn version_id(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M%S%3fZ").to_string()
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
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
    let computed: Vec<(CentreSummary, Vec<u8>)> = inputs
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
            (summary, body)
        })
        .collect();

    let mut files = Vec::with_capacity(computed.len() + inputs.departements.len() + 1);
    let mut by_dep: HashMap<&str, Vec<CentreSummary>> = HashMap::new();
    for (centre, (summary, body)) in inputs.centres.iter().zip(computed) {
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
        eligibility: None,
    };
    Generation {
        pointer,
        version_files: files,
        search_dir,
        search_files,
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
        let mut keys: Vec<String> = place.postcodes.iter().filter_map(|p| shard_of(p)).collect();
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

/// Search shards are written once per commune list, so they get the best
/// compression.
const SEARCH_BROTLI_QUALITY: u32 = 11;

/// A file and its two precompressed variants.
pub fn compressed(body: &[u8], brotli_quality: u32) -> (Vec<u8>, Vec<u8>) {
    let mut br = Vec::with_capacity(body.len() / 4);
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, brotli_quality, 22);
        w.write_all(body).expect("in-memory write");
    }
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::new(6),
    );
    gz.write_all(body).expect("in-memory write");
    (br, gz.finish().expect("in-memory write"))
}

fn write_with_variants(root: &Path, files: &[File], brotli_quality: u32) -> anyhow::Result<u64> {
    let written: Vec<u64> = files
        .par_iter()
        .map(|f| -> anyhow::Result<u64> {
            let path = root.join(&f.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let (br, gz) = compressed(&f.body, brotli_quality);
            std::fs::write(&path, &f.body)
                .with_context(|| format!("writing {}", path.display()))?;
            std::fs::write(with_suffix(&path, ".br"), &br)?;
            std::fs::write(with_suffix(&path, ".gz"), &gz)?;
            Ok((f.body.len() + br.len() + gz.len()) as u64)
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(written.into_iter().sum())
}

/// Write `.br` and `.gz` beside every compressible file of a folder (the
/// built web app) where they are missing or older than the file.
pub fn precompress_dir(dir: &Path) -> anyhow::Result<usize> {
    let mut done = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in
            std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(
                ext,
                "html" | "js" | "wasm" | "css" | "svg" | "json" | "txt" | "ics"
            ) {
                continue;
            }
            let modified = std::fs::metadata(&path)?.modified()?;
            let br = with_suffix(&path, ".br");
            let fresh = std::fs::metadata(&br)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= modified);
            if fresh {
                continue;
            }
            let body = std::fs::read(&path)?;
            let (b, g) = compressed(&body, 11);
            std::fs::write(&br, b)?;
            std::fs::write(with_suffix(&path, ".gz"), g)?;
            done += 1;
        }
    }
    Ok(done)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// What one publication did.
#[derive(Debug)]
pub struct Published {
    pub version: String,
    pub files: usize,
    pub bytes: u64,
    pub pruned: usize,
}

/// Write a generation: version directory (built aside, then renamed into
/// place), the search directory if new, then the pointer, then pruning.
pub fn write(
    generation: &Generation,
    out: &Path,
    brotli_quality: u32,
    grace: Duration,
) -> anyhow::Result<Published> {
    let versions = out.join("v");
    std::fs::create_dir_all(&versions)
        .with_context(|| format!("creating {}", versions.display()))?;
    let mut bytes = 0;

    // Search shards: content-addressed, written once.
    let search = out.join(&generation.search_dir);
    if !search.exists() {
        let staging = out.join(format!("{}.tmp", generation.search_dir));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        let files: Vec<File> = generation
            .search_files
            .iter()
            .map(|f| File {
                path: f.path.replacen(
                    &generation.search_dir,
                    &format!("{}.tmp", generation.search_dir),
                    1,
                ),
                body: f.body.clone(),
            })
            .collect();
        bytes += write_with_variants(out, &files, SEARCH_BROTLI_QUALITY)?;
        std::fs::rename(&staging, &search)?;
    }

    // The version directory appears whole or not at all.
    let version = &generation.pointer.version;
    let staging_name = format!(".tmp-{version}");
    let staged: Vec<File> = generation
        .version_files
        .iter()
        .map(|f| File {
            path: f
                .path
                .replacen(&format!("v/{version}"), &format!("v/{staging_name}"), 1),
            body: f.body.clone(),
        })
        .collect();
    let staging = versions.join(&staging_name);
    let _ = std::fs::remove_dir_all(&staging);
    bytes += write_with_variants(out, &staged, brotli_quality)?;
    std::fs::rename(&staging, versions.join(version))
        .context("moving the generation into place")?;

    // The pointer: each variant replaced by rename, so a reader gets the old
    // or the new one whole.
    let body = json(&generation.pointer);
    let (br, gz) = compressed(&body, brotli_quality);
    for (suffix, content) in [(".br", &br), (".gz", &gz), ("", &body)] {
        let target = out.join(format!("latest.json{suffix}"));
        let tmp = out.join(format!(".latest.json{suffix}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)?;
    }
    bytes += (body.len() + br.len() + gz.len()) as u64;
    // The grace period of the generation this one replaces counts from now,
    // when readers start to see the new pointer: stamp the directory so
    // (its own time is when staging last added an entry, possibly long ago).
    std::fs::File::open(versions.join(version))
        .and_then(|dir| dir.set_modified(SystemTime::now()))
        .context("stamping the generation's publication time")?;
    let pruned = prune(out, version, &generation.search_dir, grace)?;
    Ok(Published {
        version: version.clone(),
        files: 3 * (generation.version_files.len() + 1),
        bytes,
        pruned,
    })
}

/// Remove generations (and search directories) superseded more than
/// `grace` ago; the current one is always kept.
fn prune(
    out: &Path,
    current: &str,
    current_search: &str,
    grace: Duration,
) -> anyhow::Result<usize> {
    let now = SystemTime::now();
    let mut pruned = 0;
    let mut versions: Vec<(String, SystemTime)> = Vec::new();
    for entry in std::fs::read_dir(out.join("v"))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let modified = entry.metadata()?.modified()?;
        if name.starts_with(".tmp-") {
            if now.duration_since(modified).unwrap_or_default() > grace {
                std::fs::remove_dir_all(entry.path())?;
            }
            continue;
        }
        versions.push((name, modified));
    }
    versions.sort();
    // A version is superseded when the next one was published; it may go
    // once that successor is older than the grace period.
    for pair in versions.windows(2) {
        let (old, successor) = (&pair[0], &pair[1]);
        if old.0 != current && now.duration_since(successor.1).unwrap_or_default() > grace {
            std::fs::remove_dir_all(out.join("v").join(&old.0))?;
            pruned += 1;
        }
    }
    if let Ok(entries) = std::fs::read_dir(out.join("search")) {
        let current_name = current_search.trim_start_matches("search/");
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().to_string();
            let age = now
                .duration_since(entry.metadata()?.modified()?)
                .unwrap_or_default();
            if name != current_name && age > grace * 2 {
                std::fs::remove_dir_all(entry.path())?;
                pruned += 1;
            }
        }
    }
    Ok(pruned)
}

/// Load, build and write one generation.
pub async fn publish_once(
    pool: &Pool,
    options: &Options,
    now: DateTime<Utc>,
) -> anyhow::Result<Published> {
    let started = std::time::Instant::now();
    let published = publish_once_untimed(pool, options, now).await;
    if published.is_ok() {
        crate::metrics::metrics()
            .snapshot_generation
            .observe(started.elapsed().as_secs_f64());
    }
    published
}

async fn publish_once_untimed(
    pool: &Pool,
    options: &Options,
    now: DateTime<Utc>,
) -> anyhow::Result<Published> {
    let inputs = load(pool, now).await?;
    let options = options.clone();
    tokio::task::spawn_blocking(move || {
        let later = later_days(options.eligibility.second_dose_window_days);
        let mut generation = build(&inputs, now, options.horizon_days, later);
        generation.pointer.eligibility = Some(options.eligibility);
        write(
            &generation,
            &options.out,
            options.brotli_quality,
            options.grace,
        )
    })
    .await?
}

/// Publish now and then every `interval`, until the process stops. A failed
/// generation is logged and the previous one stays served.
pub async fn run(pool: Pool, options: Options, interval: Duration) {
    // The first tick one interval from now: `serve` has just published the
    // first generation itself, and an immediate second one would compete
    // with the first bookings for both cores (measured: a restart under load
    // booked 450 a second instead of 3,600 while it ran).
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let started = std::time::Instant::now();
        match publish_once(&pool, &options, Utc::now()).await {
            Ok(p) => {
                tracing::info!(version = %p.version, files = p.files, bytes = p.bytes, pruned = p.pruned, took_ms = started.elapsed().as_millis() as u64, "snapshot published")
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "snapshot generation failed; the previous one stays served")
            }
        }
    }
}
