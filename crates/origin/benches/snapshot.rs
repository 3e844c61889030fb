//! Snapshot generation benchmark: France scale (the demo set, about 2,000
//! centres × 28 days) and a country of 100,000 centres. The first
//! generation, into an empty folder, in three stages: compute (slots and
//! JSON), compress (brotli + gzip of every file), written to disk. Then the
//! steady state: a minute later, with 2 % of the centres booked once each,
//! the files written (only what changed) and the time to compute and write
//! them. Writes a Markdown report to `target/bench-snapshot.md`.
//!
//! Run: `cargo bench -p creneau --bench snapshot` (or `make bench`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use creneau::import::{centres, communes};
use creneau::publish::{self, Centre, Inputs};
use creneau_model::hours::DayHours;
use creneau_model::slots::{self, SlotRules};
use creneau_model::snapshot::CentreSummary;
use rayon::prelude::*;

fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The demo centres, parsed from the same generated file `creneau demo` loads.
fn france() -> Inputs {
    let text = std::fs::read_to_string(repo().join("data/communes.csv")).unwrap();
    let (rows, _) = communes::parse("communes.csv", &text).unwrap();
    let csv = creneau::demo::centres_csv(&rows);
    let (parsed, _) = centres::parse(
        "demo",
        &csv,
        &centres::Options {
            demo: true,
            ..Default::default()
        },
    )
    .unwrap();
    let deps = std::fs::read_to_string(repo().join("data/departements.csv")).unwrap();
    let departements = deps
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect();
    let centres = parsed
        .into_iter()
        .map(|c| Centre {
            departement: c.departement.clone(),
            rules: SlotRules {
                slot_minutes: c.slot_minutes,
                capacity: c.capacity,
                open_on_public_holidays: c.open_on_public_holidays,
            },
            summary: CentreSummary {
                id: c.id,
                name: c.name,
                address: c.address,
                postcode: c.postcode,
                commune: c.commune,
                insee: c.insee,
                lat: c.lat,
                lon: c.lon,
                booking: c.booking_mode,
                booking_url: c.booking_url,
                phone: c.phone,
                vaccines: c.vaccines,
                doses: c.doses,
                accessible: c.accessible,
                reserved_for_professionals: c.reserved_pro,
                hours_published: c.hours.iter().any(|d| matches!(d, DayHours::Open { .. })),
                next_slot: None,
                today: None,
                file: None,
                free_by_day: vec![],
                opening_date: None,
                closing_date: None,
            },
            hours: c.hours,
        })
        .collect();
    Inputs {
        departements,
        centres,
        taken: HashMap::new(),
        places: vec![],
        demo: true,
        public_url: Some(publish::DEFAULT_PUBLIC_URL.to_string()),
    }
}

/// `n` centres: the France set repeated with fresh ids, every one booked
/// here so every one has slots (the worst case).
fn scaled(base: &Inputs, n: usize) -> Inputs {
    let mut inputs = base.clone();
    inputs.centres = (0..n)
        .map(|i| {
            let mut c = base.centres[i % base.centres.len()].clone();
            c.summary.id = format!("c{i}");
            c.summary.booking = creneau_model::snapshot::BookingMode::Here;
            c.summary.reserved_for_professionals = false;
            c
        })
        .collect();
    inputs
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A generation computed and every file compressed (brotli 5, as
/// `creneau serve` does), without writing: the median of `runs`.
fn build_and_compress(inputs: &Inputs, now: chrono::DateTime<Utc>, runs: usize) -> Duration {
    measure(runs, || {
        let g = publish::build(inputs, now, 28, publish::later_days(7));
        let n: usize = g
            .files
            .par_iter()
            .filter_map(|f| f.body.as_deref())
            .map(|body| publish::compressed(body, 5).0.len())
            .sum();
        std::hint::black_box(n);
    })
}

/// One more place taken at each of `count` centres booked here from the
/// `first` of them (cycling), at a slot of theirs three weeks on: as many
/// bookings.
fn book(inputs: &mut Inputs, now: chrono::DateTime<Utc>, first: usize, count: usize) {
    let zones: HashMap<String, chrono_tz::Tz> = inputs
        .departements
        .iter()
        .filter_map(|(code, _, tz)| Some((code.clone(), tz.parse().ok()?)))
        .collect();
    let bookable: Vec<usize> = (0..inputs.centres.len())
        .filter(|&i| {
            let c = &inputs.centres[i].summary;
            c.booking == creneau_model::snapshot::BookingMode::Here && !c.reserved_for_professionals
        })
        .collect();
    for i in 0..count {
        let centre = &inputs.centres[bookable[(first + i) % bookable.len()]];
        let tz = zones[&centre.departement];
        let slot = (21..28).find_map(|d| {
            let date = slots::local_date(now, tz) + chrono::Duration::days(d);
            slots::slots_on(date, &centre.hours, centre.rules, tz)
                .into_iter()
                .next()
        });
        if let Some(slot) = slot {
            *inputs
                .taken
                .entry(centre.summary.id.clone())
                .or_default()
                .entry(slot.starts_at.timestamp())
                .or_default() += 1;
        }
    }
}

/// What steady-state generations do: after a first one in an empty folder
/// under `root`, `runs` more, each a minute after the last with 2 % of the
/// centres booked once, reusing what the previous computed as `creneau
/// serve` does; medians of the files written and of the time to compute
/// and write (the store's read is not included).
fn steady(
    inputs: &Inputs,
    now: chrono::DateTime<Utc>,
    root: &std::path::Path,
    runs: usize,
) -> (usize, usize, u64, Duration) {
    let dir = tempfile::tempdir_in(root).unwrap();
    let mut inputs = inputs.clone();
    let mut retention = publish::Retention::default();
    let mut reuse = publish::Reuse::default();
    let grace = Duration::from_secs(300);
    let later = publish::later_days(7);
    let g = publish::build_reusing(&inputs, now, 28, later, &mut reuse);
    publish::write(&g, dir.path(), 5, grace, &mut retention).unwrap();
    let named = 3 * (g.files.len() + 1);
    let changed = inputs.centres.len().div_ceil(50);
    let mut written = Vec::new();
    let mut bytes = Vec::new();
    let mut times = Vec::new();
    for run in 1..=runs {
        book(&mut inputs, now, run * changed, changed);
        let at = now + chrono::Duration::minutes(run as i64);
        let start = Instant::now();
        let g = publish::build_reusing(&inputs, at, 28, later, &mut reuse);
        let p = publish::write(&g, dir.path(), 5, grace, &mut retention).unwrap();
        times.push(start.elapsed());
        written.push(p.files);
        bytes.push(p.bytes);
    }
    written.sort();
    bytes.sort();
    (named, written[runs / 2], bytes[runs / 2], median(times))
}

fn measure(runs: usize, mut f: impl FnMut()) -> Duration {
    if runs > 1 {
        f(); // warm-up (not at 100,000 centres: a generation is a minute)
    }
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let now = Utc.with_ymd_and_hms(2021, 1, 18, 7, 0, 0).unwrap();
    let france = france();
    let mut report = String::new();
    writeln!(report, "# Snapshot generation benchmark\n").unwrap();
    writeln!(report, "Machine: {} cores. Median of several runs; 28-day horizon; brotli quality 5 for generation files.\n", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).unwrap();
    writeln!(report, "## First generation (an empty folder)\n").unwrap();
    writeln!(report, "| centres | files | raw MB | compute | + compress | written to disk (target/) | to tmpfs (/dev/shm) |").unwrap();
    writeln!(report, "|---:|---:|---:|---:|---:|---:|---:|").unwrap();
    let mut steady_rows = Vec::new();
    // `cargo bench -p creneau --bench snapshot -- france`: France only.
    let sizes: &[(usize, usize)] = if std::env::args().any(|a| a == "france") {
        &[(france.centres.len(), 5)]
    } else {
        &[(france.centres.len(), 5), (100_000, 1)]
    };
    for &(n, runs) in sizes {
        let inputs = if n == france.centres.len() {
            france.clone()
        } else {
            // Without SMART Scheduling Links: every scaled centre has slots,
            // and their Slot lines would be about 1 GB (see the line below).
            Inputs {
                public_url: None,
                ..scaled(&france, n)
            }
        };
        let generation = publish::build(&inputs, now, 28, publish::later_days(7));
        let files = 3 * (generation.files.len() + 1);
        let raw: usize = generation
            .files
            .iter()
            .filter_map(|f| f.body.as_ref())
            .map(Vec::len)
            .sum();
        let compute = measure(runs, || {
            std::hint::black_box(publish::build(&inputs, now, 28, publish::later_days(7)));
        });
        let compress = build_and_compress(&inputs, now, runs);
        let to_dir = |root: &std::path::Path| {
            measure(runs, || {
                let dir = tempfile::tempdir_in(root).unwrap();
                let g = publish::build(&inputs, now, 28, publish::later_days(7));
                publish::write(&g, dir.path(), 5, Duration::ZERO, &mut Default::default()).unwrap();
            })
        };
        let disk = to_dir(&repo().join("target"));
        let shm = std::path::Path::new("/dev/shm");
        let memory = if shm.is_dir() {
            format!("{:.0} ms", to_dir(shm).as_secs_f64() * 1e3)
        } else {
            "n/a".into()
        };
        let line = format!(
            "| {n} | {files} | {:.1} | {:.0} ms | {:.0} ms | {:.0} ms | {memory} |",
            raw as f64 / 1e6,
            compute.as_secs_f64() * 1e3,
            compress.as_secs_f64() * 1e3,
            disk.as_secs_f64() * 1e3
        );
        println!("{line}");
        writeln!(report, "{line}").unwrap();
        let steady_runs = if n < 10_000 { 7 } else { 3 };
        let (named, written, bytes, disk) =
            steady(&inputs, now, &repo().join("target"), steady_runs);
        let memory = if shm.is_dir() {
            let (_, _, _, t) = steady(&inputs, now, shm, steady_runs);
            format!("{:.0} ms", t.as_secs_f64() * 1e3)
        } else {
            "n/a".into()
        };
        steady_rows.push(format!(
            "| {n} | {} | {named} | {written} ({:.1} %) | {:.2} MB | {:.0} ms | {memory} |",
            n.div_ceil(50),
            100.0 * written as f64 / named as f64,
            bytes as f64 / 1e6,
            disk.as_secs_f64() * 1e3
        ));
    }
    writeln!(
        report,
        "\n## Steady state: a minute later, 2 % of the centres booked\n"
    )
    .unwrap();
    writeln!(report, "Files count twins (`.br`, `.gz`) and the pointer. Compute and write, median of 7 generations (3 at 100,000); reading the store is not included. Targets: France ≤ 5 % of the files and ≤ 0.3 s; 100,000 ≤ 5 s (first generation ≤ 30 s).\n").unwrap();
    writeln!(report, "| centres | booked | files named | files written | bytes written | to disk (target/) | to tmpfs |").unwrap();
    writeln!(report, "|---:|---:|---:|---:|---:|---:|---:|").unwrap();
    for line in steady_rows {
        println!("{line}");
        writeln!(report, "{line}").unwrap();
    }
    // What publishing the days after the horizon for second injections
    // costs (France, same run): compute time and raw bytes, with and without.
    let without = publish::build(&france, now, 28, 0);
    let with = publish::build(&france, now, 28, publish::later_days(7));
    let bytes = |g: &publish::Generation| {
        g.files
            .iter()
            .filter_map(|f| f.body.as_ref())
            .map(Vec::len)
            .sum::<usize>()
    };
    let compute_without = measure(5, || {
        std::hint::black_box(publish::build(&france, now, 28, 0));
    });
    let compute_with = measure(5, || {
        std::hint::black_box(publish::build(&france, now, 28, publish::later_days(7)));
    });
    let line = format!(
        "\nSecond-injection days after the horizon ({} days, France): compute {:.0} ms without, {:.0} ms with ({:.2}×); raw {:.1} MB without, {:.1} MB with.",
        publish::later_days(7),
        compute_without.as_secs_f64() * 1e3,
        compute_with.as_secs_f64() * 1e3,
        compute_with.as_secs_f64() / compute_without.as_secs_f64(),
        bytes(&without) as f64 / 1e6,
        bytes(&with) as f64 / 1e6,
    );
    println!("{line}");
    writeln!(report, "{line}").unwrap();
    // What the SMART Scheduling Links files cost (France, same run).
    let no_smart = Inputs {
        public_url: None,
        ..france.clone()
    };
    let without = publish::build(&no_smart, now, 28, publish::later_days(7));
    let compute_without = measure(5, || {
        std::hint::black_box(publish::build(&no_smart, now, 28, publish::later_days(7)));
    });
    let line = format!(
        "\nSMART Scheduling Links (France): compute {:.0} ms without, {:.0} ms with; + compress {:.0} ms without, {:.0} ms with; raw {:.1} MB without, {:.1} MB with. The 100,000 row is without them (`--no-smart-links`).",
        compute_without.as_secs_f64() * 1e3,
        compute_with.as_secs_f64() * 1e3,
        build_and_compress(&no_smart, now, 3).as_secs_f64() * 1e3,
        build_and_compress(&france, now, 3).as_secs_f64() * 1e3,
        bytes(&without) as f64 / 1e6,
        bytes(&with) as f64 / 1e6,
    );
    println!("{line}");
    writeln!(report, "{line}").unwrap();
    let path = repo().join("target/bench-snapshot.md");
    std::fs::write(&path, &report).unwrap();
    println!("report written to {}", path.display());
}
