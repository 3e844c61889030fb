//! The availability snapshot: the JSON files the origin publishes every
//! minute and the app reads from the CDN. `docs/snapshot.md` describes them
//! and `docs/snapshot.schema.json` is their JSON Schema.
//!
//! Layout under the snapshot root (`/data/` when served):
//! - `latest.json`: the [`Pointer`], replaced atomically each generation;
//!   the only file that names a time.
//! - `index/<hash>.json`: the [`Index`] of départements, naming each one's file.
//! - `dep/<code>.<hash>.json`: a [`DepartementFile`] of centre summaries,
//!   naming each centre's file.
//! - `centre/<id>.<hash>.json`: a [`CentreFile`] with free slot times.
//! - `ids/<hash>/<n>.json`: the [`CentreDirectory`], each centre's
//!   département by id, so a link to a centre finds its file.
//! - `search/<hash>/<shard>.json`: [`SearchShard`]s of communes by prefix.
//!
//! Every file but the pointer is named by a hash of its content, and none
//! changes merely because the clock moved (a day's slots already past stay
//! in it; the reader drops them: [`CentreSummary::at`], [`CentreFile::at`]).
//! So a generation writes only what changed: a booking rewrites its centre's
//! file, its département's, the index and the pointer.
//!
//! Nothing here ever holds personal data: counts and times only.

use serde::{Deserialize, Serialize};

use crate::hours::WeekHours;

/// Bumped on any change a reader of the previous version would misread.
pub const SCHEMA_VERSION: u32 = 2;

/// `latest.json`: where the current generation is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pointer {
    pub schema_version: u32,
    /// Version id, also the directory name under `v/`.
    pub version: String,
    /// RFC 3339, UTC.
    pub generated_at: String,
    /// True when the centres are the shipped demonstration set.
    pub demo: bool,
    /// Path of the index, relative to the snapshot root.
    pub index: String,
    /// Path template of a search shard; `{shard}` is replaced.
    pub search: String,
    /// Path of this generation's SMART Scheduling Links manifest (also
    /// at the stable `$bulk-publish`); for other finders, not the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smart: Option<String>,
    /// Who may book, from the publisher's `config/eligibility.toml`: the
    /// booking flow states the rule and asks first (a policy change is a
    /// file, published with the next generation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<EligibilityRule>,
}

/// The eligibility rule as the app shows and checks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityRule {
    /// Minimum age in whole years on the day of the first injection.
    pub minimum_age: u32,
    /// Days after a vaccine's interval within which its second injection
    /// may be given: Pfizer at 21 days, window 7, means days 21 to 28.
    #[serde(default = "default_second_dose_window")]
    pub second_dose_window_days: u32,
}

/// The second-dose window of pointers written before it was published.
pub fn default_second_dose_window() -> u32 {
    7
}

/// The days a second injection may be given after a first on `first`:
/// from the vaccine's interval to the interval plus the window.
pub fn second_dose_days(
    first: chrono::NaiveDate,
    interval_days: u32,
    window_days: u32,
) -> std::ops::RangeInclusive<chrono::NaiveDate> {
    let earliest = first + chrono::Duration::days(i64::from(interval_days));
    earliest..=earliest + chrono::Duration::days(i64::from(window_days))
}

/// A vaccine's interval to its second injection, in days.
pub fn second_dose_interval(vaccine: &str) -> Option<u32> {
    known_vaccines()
        .into_iter()
        .find(|v| v.code == vaccine)
        .map(|v| v.second_dose_days)
}

impl Pointer {
    pub fn search_path(&self, shard: &str) -> String {
        self.search.replace("{shard}", shard)
    }
}

/// A vaccine and its second-dose interval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vaccine {
    pub code: String,
    pub name: String,
    pub second_dose_days: u32,
}

/// The vaccine catalogue, written once: the codes the centres file and the
/// API use, the names people read, and the days to the second injection.
/// The importer, the publisher, the API and both apps read it from here.
pub const VACCINES: &[(&str, &str, u32)] = &[
    ("pfizer", "Pfizer-BioNTech", 21),
    ("moderna", "Moderna", 28),
];

/// The vaccines offered in January 2021 and their second-dose intervals.
pub fn known_vaccines() -> Vec<Vaccine> {
    VACCINES
        .iter()
        .map(|&(code, name, second_dose_days)| Vaccine {
            code: code.into(),
            name: name.into(),
            second_dose_days,
        })
        .collect()
}

/// A vaccine's name as people read it ("Pfizer-BioNTech"), or the code
/// itself for one the catalogue does not know.
pub fn vaccine_name(code: &str) -> &str {
    VACCINES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, name, _)| name)
}

/// `index/<hash>.json`: the départements, their files, and the horizon.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub schema_version: u32,
    pub demo: bool,
    /// First date of the horizon (YYYY-MM-DD, Paris date).
    pub horizon_start: String,
    pub horizon_days: u32,
    pub vaccines: Vec<Vaccine>,
    pub departements: Vec<DepartementEntry>,
    /// Path template of the [`CentreDirectory`] shards; `{shard}` is
    /// replaced by [`centre_directory_shard`] of the centre's id.
    pub centre_directory: String,
    /// How many shards the centre directory has (at least 1).
    pub centre_directory_shards: u32,
}

impl Index {
    /// The file of a département, by its code ("2A", "974").
    pub fn departement_path(&self, code: &str) -> Option<&str> {
        self.departements
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.file.as_str())
    }

    /// The centre directory shard that lists `id`.
    pub fn centre_directory_path(&self, id: &str) -> String {
        let shard = centre_directory_shard(id, self.centre_directory_shards);
        self.centre_directory.replace("{shard}", &shard.to_string())
    }
}

/// The shard of the centre directory that lists `id`: the 32-bit FNV-1a
/// hash of its UTF-8 bytes, modulo the number of shards. Spelled out here
/// because it is part of the format: any reader must compute the same.
pub fn centre_directory_shard(id: &str, shards: u32) -> u32 {
    let hash = id.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % shards.max(1)
}

/// `ids/<hash>/<n>.json`: centre id → département code, for the centres
/// whose id falls in shard `n`. Changes only when centres come or go.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CentreDirectory {
    pub schema_version: u32,
    pub centres: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DepartementEntry {
    pub code: String,
    /// Path of its [`DepartementFile`], relative to the snapshot root.
    pub file: String,
    pub name: String,
    pub time_zone: String,
    pub centres: u32,
    /// Centres with at least one free slot over the horizon.
    pub centres_with_slots: u32,
    pub free_slots: u64,
    /// [min_lat, min_lon, max_lat, max_lon] of its centres, so the app can
    /// tell which département files a search radius touches; absent when it
    /// has no centre with a position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
}

/// How a centre takes bookings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingMode {
    /// Booked through Créneau.
    Here,
    Doctolib,
    Keldoc,
    Maiia,
    /// Another booking website.
    Other,
    /// By phone only.
    Phone,
}

impl BookingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingMode::Here => "here",
            BookingMode::Doctolib => "doctolib",
            BookingMode::Keldoc => "keldoc",
            BookingMode::Maiia => "maiia",
            BookingMode::Other => "other",
            BookingMode::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "here" => BookingMode::Here,
            "doctolib" => BookingMode::Doctolib,
            "keldoc" => BookingMode::Keldoc,
            "maiia" => BookingMode::Maiia,
            "other" => BookingMode::Other,
            "phone" => BookingMode::Phone,
            _ => return None,
        })
    }

    /// The mode a booking URL implies.
    pub fn from_url(url: Option<&str>) -> Self {
        match url {
            None => BookingMode::Phone,
            Some(u) if u.contains("doctolib.") => BookingMode::Doctolib,
            Some(u) if u.contains("keldoc.") => BookingMode::Keldoc,
            Some(u) if u.contains("maiia.") => BookingMode::Maiia,
            Some(_) => BookingMode::Other,
        }
    }
}

/// A centre as listed in its département file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CentreSummary {
    pub id: String,
    /// Path of its [`CentreFile`], relative to the snapshot root; in the
    /// département file only (a file cannot name its own hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub commune: String,
    pub insee: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    pub booking: BookingMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub vaccines: Vec<String>,
    /// Which injections the centre books: 1 = first injections (the second
    /// is booked with them), 2 = second injections for people whose first
    /// was given elsewhere. Files without the field mean both.
    #[serde(default = "both_doses")]
    pub doses: Vec<u8>,
    /// Step-free access; `None` when the source does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessible: Option<bool>,
    /// Reserved for health professionals: listed, never bookable by the public.
    pub reserved_for_professionals: bool,
    /// False when no weekday's hours could be known.
    pub hours_published: bool,
    /// As published: the first free slot after the day of `today`. As read
    /// through [`CentreSummary::at`]: the next free slot from then. RFC 3339
    /// with the centre's UTC offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_slot: Option<String>,
    /// The free slots of the centre's day of publication, from its opening,
    /// past ones included so the file does not change as the day goes by;
    /// [`CentreSummary::at`] drops those already past.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub today: Option<TodaySlots>,
    /// Free slots per day of the horizon, aligned with `Index::horizon_start`;
    /// the day of `today` counts its past slots until [`CentreSummary::at`].
    pub free_by_day: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<String>,
}

/// A centre's free slots on its day of publication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodaySlots {
    /// Local date "YYYY-MM-DD".
    pub date: String,
    /// Its place in `free_by_day`.
    pub day: u32,
    pub slot_minutes: u16,
    pub runs: Vec<TimedRun>,
}

/// A [`SlotRun`] whose first slot is also an instant, so a reader compares
/// it with its clock without a time zone database or a date parser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedRun {
    /// RFC 3339 with the centre's UTC offset: "2021-01-18T08:30:00+01:00".
    pub start: String,
    /// The same instant in Unix seconds.
    pub at: i64,
    pub count: u32,
    pub free: u32,
}

impl TodaySlots {
    /// The runs of slots starting after `now` (Unix seconds), and the
    /// places of the slots gone.
    fn after(&self, now: i64) -> (Vec<TimedRun>, u32) {
        let minutes = u32::from(self.slot_minutes.max(1));
        let step = i64::from(minutes) * 60;
        let mut remaining = Vec::new();
        let mut passed_places = 0;
        for run in &self.runs {
            // Slots at or before `now` are gone, as the API refuses them.
            let gone = if now < run.at {
                0
            } else {
                u32::try_from((now - run.at) / step + 1)
                    .unwrap_or(u32::MAX)
                    .min(run.count)
            };
            passed_places += gone * run.free;
            if gone < run.count {
                remaining.push(TimedRun {
                    start: later_local_time(&run.start, gone * minutes),
                    at: run.at + i64::from(gone) * step,
                    count: run.count - gone,
                    free: run.free,
                });
            }
        }
        (remaining, passed_places)
    }
}

/// "2021-01-18T08:30:00+01:00" moved `minutes` on: the same day and offset,
/// since a run never crosses midnight or a change of offset.
fn later_local_time(start: &str, minutes: u32) -> String {
    let (Some(head), Some(local), Some(tail)) =
        (start.get(..11), start.get(11..16), start.get(16..))
    else {
        return start.to_string();
    };
    let local = parse_hhmm(local).unwrap_or(0) + minutes;
    format!("{head}{:02}:{:02}{tail}", local / 60, local % 60)
}

impl CentreSummary {
    /// The summary as of `now`: today's slots already past dropped from
    /// `today` and from its day in `free_by_day`, and `next_slot` the next
    /// free slot from `now`. Idempotent.
    pub fn at(&self, now: chrono::DateTime<chrono::Utc>) -> CentreSummary {
        let mut summary = self.clone();
        let Some(today) = &self.today else {
            return summary;
        };
        let (remaining, passed) = today.after(now.timestamp());
        if let Some(free) = summary.free_by_day.get_mut(today.day as usize) {
            *free = free.saturating_sub(passed);
        }
        if let Some(first) = remaining.first() {
            summary.next_slot = Some(first.start.clone());
        }
        summary.today = (!remaining.is_empty()).then(|| TodaySlots {
            runs: remaining,
            ..today.clone()
        });
        summary
    }
}

/// Both injections, the default when a source does not say.
pub fn both_doses() -> Vec<u8> {
    vec![1, 2]
}

/// `dep/<code>.<hash>.json`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DepartementFile {
    pub schema_version: u32,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub horizon_start: String,
    pub centres: Vec<CentreSummary>,
}

impl DepartementFile {
    /// The file as of `now` ([`CentreSummary::at`] for every centre).
    pub fn at(mut self, now: chrono::DateTime<chrono::Utc>) -> DepartementFile {
        for centre in &mut self.centres {
            *centre = centre.at(now);
        }
        self
    }
}

/// A run of consecutive slots, `slot_minutes` apart, each with the same
/// number of free places. A day open 08:30–12:30 in 10-minute slots with
/// nothing booked is one run: `{"start":"08:30","count":24,"free":3}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRun {
    /// Local wall-clock time of the first slot, "HH:MM".
    pub start: String,
    pub count: u32,
    pub free: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySlots {
    /// Local date "YYYY-MM-DD".
    pub date: String,
    pub runs: Vec<SlotRun>,
}

impl DaySlots {
    /// Every free slot of the day as ("HH:MM", free places).
    pub fn times(&self, slot_minutes: u16) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        for run in &self.runs {
            let Some(first) = parse_hhmm(&run.start) else {
                continue;
            };
            for i in 0..run.count {
                let m = first + i * u32::from(slot_minutes);
                out.push((format!("{:02}:{:02}", m / 60, m % 60), run.free));
            }
        }
        out
    }
}

/// Minutes since midnight of "HH:MM".
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// `centre/<id>.<hash>.json`: a centre and its free slot times, for booking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CentreFile {
    pub schema_version: u32,
    /// First date of the horizon, as in the index.
    pub horizon_start: String,
    pub time_zone: String,
    pub centre: CentreSummary,
    pub hours: WeekHours,
    pub slot_minutes: u16,
    /// Days of the horizon that have at least one free slot.
    pub days: Vec<DaySlots>,
    /// Days after the horizon with free slots, for second injections only
    /// (a first on the horizon's last day has its second up to the
    /// longest interval plus the window later). Only at centres that give
    /// second injections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub later_days: Vec<DaySlots>,
}

impl CentreFile {
    /// The file as of `now`: the summary through [`CentreSummary::at`], and
    /// today's times already past dropped from `days`.
    pub fn at(mut self, now: chrono::DateTime<chrono::Utc>) -> CentreFile {
        let Some(today) = self.centre.today.clone() else {
            return self;
        };
        self.centre = self.centre.at(now);
        let remaining: Vec<SlotRun> = self
            .centre
            .today
            .iter()
            .flat_map(|t| &t.runs)
            .map(|run| SlotRun {
                // The local time is the RFC 3339 string's own: "…T08:30:00+01:00".
                start: run.start.get(11..16).unwrap_or_default().to_string(),
                count: run.count,
                free: run.free,
            })
            .collect();
        for day in &mut self.days {
            if day.date == today.date {
                day.runs = remaining.clone();
            }
        }
        self.days.retain(|d| !d.runs.is_empty());
        self
    }

    /// A day's free slots, on the horizon or after it.
    pub fn day(&self, date: &str) -> Option<&DaySlots> {
        self.days
            .iter()
            .chain(&self.later_days)
            .find(|d| d.date == date)
    }

    /// The days with free slots on which a second injection may be given
    /// after a first on `first`, in order.
    pub fn second_dose_days(
        &self,
        first: chrono::NaiveDate,
        interval_days: u32,
        window_days: u32,
    ) -> Vec<&DaySlots> {
        let allowed = second_dose_days(first, interval_days, window_days);
        self.days
            .iter()
            .chain(&self.later_days)
            .filter(|d| d.date.parse().is_ok_and(|date| allowed.contains(&date)))
            .collect()
    }

    /// The second appointment proposed after a first at `first` (the
    /// centre's wall clock): the first day of the window with a free time,
    /// at the free time nearest the first's time of day (the earlier of
    /// two as near). `YYYY-MM-DDTHH:MM`, as a slot is sent.
    pub fn proposed_second(
        &self,
        first: chrono::NaiveDateTime,
        interval_days: u32,
        window_days: u32,
    ) -> Option<String> {
        use chrono::Timelike;
        let minute = first.hour() * 60 + first.minute();
        self.second_dose_days(first.date(), interval_days, window_days)
            .into_iter()
            .find_map(|day| {
                day.times(self.slot_minutes)
                    .into_iter()
                    .filter_map(|(t, _)| Some((parse_hhmm(&t)?, t)))
                    .min_by_key(|(m, _)| (m.abs_diff(minute), *m))
                    .map(|(_, t)| format!("{}T{t}", day.date))
            })
    }
}

/// A commune or arrondissement in the search index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub insee: String,
    pub departement: String,
    pub postcodes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// For a former commune (merged into a commune nouvelle, or associated
    /// with another), the name of the commune it is now part of; `insee`,
    /// `postcodes` and the position are that commune's. Searched by name only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
}

/// `search/<hash>/<shard>.json`: the places whose postcode or name key
/// falls in this shard (see [`shard_of`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchShard {
    pub schema_version: u32,
    pub shard: String,
    pub places: Vec<Place>,
}

/// The shard a query or key belongs to, so the first search downloads one
/// small file: postcodes by their first two digits ("75"; "97x" overseas by
/// three), names by their first three letters, and names starting with
/// "saint"/"sainte" (a tenth of all communes) by the word that follows.
pub fn shard_of(query: &str) -> Option<String> {
    let key = crate::text::search_key(query);
    let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    if compact.chars().all(|c| c.is_ascii_digit()) {
        if compact.len() < 2 {
            return None;
        }
        if compact.starts_with("97") {
            return (compact.len() >= 3).then(|| format!("cp-{}", &compact[..3]));
        }
        return Some(format!("cp-{}", &compact[..2]));
    }
    let mut words = key.split(' ');
    let first = words.next()?;
    if first == "saint" || first == "sainte" {
        let rest: String = words.collect::<Vec<_>>().join("");
        let head: String = rest.chars().take(2).collect();
        return Some(format!("nom-{first}-{head}"));
    }
    let head: String = compact.chars().take(3).collect();
    Some(format!("nom-{head}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_catalogue_names_the_vaccines_and_their_intervals() {
        assert_eq!(vaccine_name("pfizer"), "Pfizer-BioNTech");
        assert_eq!(vaccine_name("moderna"), "Moderna");
        assert_eq!(vaccine_name("inconnu"), "inconnu");
        assert_eq!(second_dose_interval("moderna"), Some(28));
        assert_eq!(
            known_vaccines()
                .iter()
                .map(|v| v.code.as_str())
                .collect::<Vec<_>>(),
            ["pfizer", "moderna"]
        );
    }

    fn file_with(days: Vec<DaySlots>, later_days: Vec<DaySlots>) -> CentreFile {
        let summary: CentreSummary = serde_json::from_value(serde_json::json!({
            "id": "c", "name": "C", "address": "", "postcode": "", "commune": "", "insee": "",
            "booking": "here", "vaccines": ["pfizer"], "reserved_for_professionals": false,
            "hours_published": true, "free_by_day": []
        }))
        .expect("a summary");
        CentreFile {
            schema_version: SCHEMA_VERSION,
            horizon_start: "2021-01-18".into(),
            time_zone: "Europe/Paris".into(),
            centre: summary,
            hours: std::array::from_fn(|_| crate::hours::DayHours::Closed),
            slot_minutes: 10,
            days,
            later_days,
        }
    }

    fn day(date: &str, start: &str, count: u32) -> DaySlots {
        DaySlots {
            date: date.into(),
            runs: vec![SlotRun {
                start: start.into(),
                count,
                free: 1,
            }],
        }
    }

    #[test]
    fn the_second_appointment_proposed_is_in_the_window_nearest_the_first_time() {
        let first =
            chrono::NaiveDateTime::parse_from_str("2021-01-20T11:37", "%Y-%m-%dT%H:%M").unwrap();
        // Window for Pfizer, 7 days: 10 to 17 February. The 10th is full
        // (not listed); the 11th has 09:00–09:50 and is on the horizon's
        // last day; later ones come from later_days.
        let file = file_with(
            vec![day("2021-02-09", "11:30", 1), day("2021-02-11", "09:00", 6)],
            vec![day("2021-02-12", "11:40", 1), day("2021-02-18", "11:30", 1)],
        );
        assert_eq!(
            file.proposed_second(first, 21, 7).as_deref(),
            Some("2021-02-11T09:50")
        );
        let dates: Vec<&str> = file
            .second_dose_days(first.date(), 21, 7)
            .iter()
            .map(|d| d.date.as_str())
            .collect();
        assert_eq!(
            dates,
            ["2021-02-11", "2021-02-12"],
            "the 9th and the 18th are outside"
        );
        assert_eq!(file.day("2021-02-12").map(|d| d.runs.len()), Some(1));
        assert_eq!(
            file_with(vec![], vec![]).proposed_second(first, 21, 7),
            None
        );
    }

    #[test]
    fn the_reader_drops_the_slots_already_past() {
        let now = |hhmm: &str| {
            chrono::DateTime::parse_from_rfc3339(&format!("2021-01-18T{hhmm}:00+01:00"))
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let mut file = file_with(
            vec![morning_and_afternoon(), day("2021-01-19", "09:00", 2)],
            vec![],
        );
        let at = |hhmm: &str| now(hhmm).timestamp();
        file.centre.today = Some(TodaySlots {
            date: "2021-01-18".into(),
            day: 0,
            slot_minutes: 10,
            runs: vec![
                TimedRun {
                    start: "2021-01-18T08:30:00+01:00".into(),
                    at: at("08:30"),
                    count: 3,
                    free: 2,
                },
                TimedRun {
                    start: "2021-01-18T14:00:00+01:00".into(),
                    at: at("14:00"),
                    count: 1,
                    free: 1,
                },
            ],
        });
        file.centre.next_slot = Some("2021-01-19T09:00:00+01:00".into());
        file.centre.free_by_day = vec![7, 2];

        // Before the day opens, nothing is past.
        let early = file.clone().at(now("07:00"));
        assert_eq!(
            early.centre.next_slot.as_deref(),
            Some("2021-01-18T08:30:00+01:00")
        );
        assert_eq!(early.centre.free_by_day, [7, 2]);
        assert_eq!(early.days, file.days);

        // At 08:40 exactly, 08:30 and 08:40 are gone: 4 places.
        let mid = file.clone().at(now("08:40"));
        assert_eq!(
            mid.centre.next_slot.as_deref(),
            Some("2021-01-18T08:50:00+01:00")
        );
        assert_eq!(mid.centre.free_by_day, [3, 2]);
        assert_eq!(
            mid.day("2021-01-18").unwrap().times(10),
            [("08:50".into(), 2), ("14:00".into(), 1)]
        );
        assert_eq!(mid.clone().at(now("08:40")), mid, "idempotent");

        // After the last slot of the day, the next is tomorrow's.
        let late = file.clone().at(now("15:00"));
        assert_eq!(
            late.centre.next_slot.as_deref(),
            Some("2021-01-19T09:00:00+01:00")
        );
        assert_eq!(late.centre.free_by_day, [0, 2]);
        assert_eq!(late.centre.today, None);
        assert!(late.day("2021-01-18").is_none());
        assert_eq!(late.days.len(), 1);
    }

    #[test]
    fn the_centre_directory_shard_is_fnv1a() {
        // FNV-1a 32 of "" is the offset basis; of "a" the published 0xe40c292c.
        assert_eq!(centre_directory_shard("", u32::MAX), 0x811c_9dc5);
        assert_eq!(centre_directory_shard("a", u32::MAX), 0xe40c_292c);
        assert_eq!(centre_directory_shard("981", 1), 0);
        assert!(centre_directory_shard("981", 8) < 8);
        assert_eq!(
            centre_directory_shard("x", 0),
            0,
            "no shard count means one shard"
        );
    }

    #[test]
    fn shards_keep_a_first_search_small() {
        assert_eq!(shard_of("75011").as_deref(), Some("cp-75"));
        assert_eq!(shard_of("97411").as_deref(), Some("cp-974"));
        assert_eq!(shard_of("20000").as_deref(), Some("cp-20"));
        assert_eq!(shard_of("Évry").as_deref(), Some("nom-evr"));
        assert_eq!(shard_of("St-Denis").as_deref(), Some("nom-saint-de"));
        assert_eq!(shard_of("Sainte Marie").as_deref(), Some("nom-sainte-ma"));
        assert_eq!(shard_of("  "), None);
        assert_eq!(shard_of("7"), None);
    }

    /// 18 January: 08:30–08:50 with 2 places each, 14:00 with 1.
    fn morning_and_afternoon() -> DaySlots {
        DaySlots {
            date: "2021-01-18".into(),
            runs: vec![
                SlotRun {
                    start: "08:30".into(),
                    count: 3,
                    free: 2,
                },
                SlotRun {
                    start: "14:00".into(),
                    count: 1,
                    free: 1,
                },
            ],
        }
    }

    #[test]
    fn runs_expand_to_times() {
        let day = morning_and_afternoon();
        let times = day.times(10);
        assert_eq!(
            times,
            [
                ("08:30".into(), 2),
                ("08:40".into(), 2),
                ("08:50".into(), 2),
                ("14:00".into(), 1)
            ]
        );
        assert_eq!(parse_hhmm("24:00"), None);
    }

    #[test]
    fn booking_mode_from_url() {
        assert_eq!(
            BookingMode::from_url(Some("https://partners.doctolib.fr/x")),
            BookingMode::Doctolib
        );
        assert_eq!(
            BookingMode::from_url(Some("https://www.keldoc.com/x")),
            BookingMode::Keldoc
        );
        assert_eq!(
            BookingMode::from_url(Some("https://www.maiia.com/x")),
            BookingMode::Maiia
        );
        assert_eq!(
            BookingMode::from_url(Some("https://example.org")),
            BookingMode::Other
        );
        assert_eq!(BookingMode::from_url(None), BookingMode::Phone);
        for mode in [BookingMode::Here, BookingMode::Phone, BookingMode::Doctolib] {
            assert_eq!(BookingMode::parse(mode.as_str()), Some(mode));
        }
    }
}
