//! What matching alerts costs per snapshot generation at national scale:
//! 100,000 alerts placed where people live (a commune drawn in proportion
//! to its population, radius 5 to 50 km, one in ten on a single centre, one
//! in four for one vaccine) against 2,000 centres with free places at
//! communes drawn the same way. Median of 11 runs.
//!
//!     cargo run --release -p creneau-model --example alerts_cost [alerts] [centres]

use std::time::Instant;

use creneau_model::alerts::{Area, Opening, OpeningIndex, Watch};

fn main() {
    let mut args = std::env::args().skip(1);
    let alerts: usize = args.next().map_or(100_000, |a| a.parse().unwrap());
    let centres: usize = args.next().map_or(2_000, |a| a.parse().unwrap());
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/communes.csv"),
    )
    .unwrap();
    let mut places = Vec::new();
    let mut total = 0u64;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(';').collect();
        let (Ok(lat), Ok(lon), Ok(pop)) = (
            f[4].parse::<f64>(),
            f[5].parse::<f64>(),
            f[6].parse::<u64>(),
        ) else {
            continue;
        };
        total += pop.max(1);
        places.push((total, lat, lon));
    }
    // A small deterministic generator (xorshift), so runs compare.
    let mut seed = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let place = |r: u64| {
        let at = r % total;
        let i = places.partition_point(|p| p.0 <= at);
        (places[i].1, places[i].2)
    };
    let vaccines = ["pfizer".to_string(), "moderna".to_string()];
    let sites: Vec<(String, f64, f64)> = (0..centres)
        .map(|i| {
            let (lat, lon) = place(next());
            (format!("c{i}"), lat, lon)
        })
        .collect();
    let watches: Vec<Watch> = (0..alerts as i64)
        .map(|id| {
            let r = next();
            let area = if r % 10 == 0 {
                Area::Centre(sites[(r / 10) as usize % centres].0.clone())
            } else {
                let (lat, lon) = place(next());
                Area::Circle {
                    lat,
                    lon,
                    radius_km: 5.0 + (r % 46) as f64,
                }
            };
            let vaccine = (r % 4 == 0).then(|| vaccines[(r / 4) as usize % 2].clone());
            Watch { id, area, vaccine }
        })
        .collect();
    let openings: Vec<Opening> = sites
        .iter()
        .enumerate()
        .map(|(i, (id, lat, lon))| Opening {
            centre: id.clone(),
            name: id.clone(),
            commune: String::new(),
            lat: *lat,
            lon: *lon,
            vaccines: if i % 3 == 0 {
                vaccines[..1].to_vec()
            } else {
                vaccines.to_vec()
            },
        })
        .collect();
    let mut times = Vec::new();
    let mut answered = 0;
    for _ in 0..11 {
        let t = Instant::now();
        answered = OpeningIndex::new(&openings).answered(&watches).len();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{alerts} alerts, {centres} centres with free places: matching {:.1} ms (median of 11, the centres' grid included), {answered} alerts answered",
        times[5].as_secs_f64() * 1000.0
    );
}
