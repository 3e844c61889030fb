//! What the alerts ("Me prévenir") cost a snapshot generation at national
//! scale, as the publisher pays it (`Alerts::after_generation`): 100,000
//! active alerts in a SQLite store, placed where people live (a commune
//! drawn in proportion to its population, radius 5 to 50 km, one in ten on
//! a single centre, one in four for one vaccine), against 2,000 centres
//! with free places drawn the same way. Three figures, medians:
//!
//! - matching alone (the grid and the comparisons, in memory);
//! - a generation in which nobody is to be told (everyone already told
//!   today): reading the alerts still due, matching, writing nothing;
//! - the first generation of a day: every alert answered gets its message
//!   queued in the outbox and its day marked, in one transaction.
//!
//! Writes `target/bench-alerts.md`.
//!
//!     cargo run --release -p creneau --example alerts_cost [alerts] [centres]

use std::time::{Duration, Instant};

use chrono::Utc;
use creneau::alerts::Alerts;
use creneau::notify::compose::Channels;
use creneau_model::alerts::{Area, Opening, OpeningIndex, Watch};

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let alerts: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let centres: usize = args.next().map_or(Ok(2_000), |a| a.parse())?;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("data/communes.csv"))?;
    let mut places = Vec::new();
    let mut total = 0u64;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(';').collect();
        let (Some(Ok(lat)), Some(Ok(lon)), Some(Ok(pop))) = (
            f.get(4).map(|v| v.parse::<f64>()),
            f.get(5).map(|v| v.parse::<f64>()),
            f.get(6).map(|v| v.parse::<u64>()),
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
    let openings: Vec<Opening> = (0..centres)
        .map(|i| {
            let (lat, lon) = place(next());
            Opening {
                centre: format!("c{i}"),
                name: format!("Centre {i}"),
                commune: "Commune".into(),
                lat,
                lon,
                vaccines: if i % 3 == 0 {
                    vaccines[..1].to_vec()
                } else {
                    vaccines.to_vec()
                },
            }
        })
        .collect();

    let dir = tempfile::tempdir()?;
    let pool = creneau::store::connect(&format!(
        "sqlite://{}",
        dir.path().join("alerts.db").display()
    ))
    .await?;
    let now = Utc::now();
    let expires = (now + chrono::Duration::days(30)).timestamp();
    let mut watches = Vec::with_capacity(alerts);
    let mut tx = pool.begin().await?;
    for id in 0..alerts {
        let r = next();
        let (near, centre) = if r % 10 == 0 {
            (
                None,
                Some(openings[(r / 10) as usize % centres].centre.clone()),
            )
        } else {
            let (lat, lon) = place(next());
            (Some((lat, lon, 5 + (r % 46) as i32)), None)
        };
        let vaccine = (r % 4 == 0).then(|| vaccines[(r / 4) as usize % 2].clone());
        watches.push(Watch {
            id: id as i64,
            area: match (&near, &centre) {
                (Some((lat, lon, radius)), _) => Area::Circle {
                    lat: *lat,
                    lon: *lon,
                    radius_km: f64::from(*radius),
                },
                (None, c) => Area::Centre(c.clone().unwrap_or_default()),
            },
            vaccine: vaccine.clone(),
        });
        sqlx::query(
            "INSERT INTO alerts (id, confirm_hash, stop_token, channel, recipient, recipient_key, \
             lat, lon, radius_km, place, centre_id, vaccine, lang, state, created_at, confirmed_at, expires_at) \
             VALUES ($1, $2, $3, 'email', $4, $5, $6, $7, $8, 'Lieu', $9, $10, 'fr', 'active', $11, $11, $12)",
        )
        .bind(format!("a{id:08}"))
        .bind(format!("h{id:08}"))
        .bind(format!("{:032x}", next() as u128 * 7 + id as u128))
        .bind(format!("personne{id}@example.org"))
        .bind(format!("k{id:08}"))
        .bind(near.map(|n| n.0))
        .bind(near.map(|n| n.1))
        .bind(near.map(|n| n.2))
        .bind(centre)
        .bind(vaccine)
        .bind(now.timestamp())
        .bind(expires)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;

    let mut in_memory = Vec::new();
    let mut answered = 0;
    for _ in 0..11 {
        let t = Instant::now();
        answered = OpeningIndex::new(&openings).answered(&watches).len();
        in_memory.push(t.elapsed());
    }

    let service = Alerts::new(
        pool.clone(),
        Channels {
            email: true,
            sms: false,
            public_url: "https://creneau.example".into(),
        },
    );
    // No centre open: read, match, write nothing (5 runs).
    let far = [Opening {
        lat: -60.0,
        lon: -120.0,
        ..openings[0].clone()
    }];
    let mut nothing = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        service.after_generation(&far, now).await?;
        nothing.push(t.elapsed());
    }
    // The day's first generation: every answered alert queued.
    let t = Instant::now();
    let queued = service.after_generation(&openings, now).await?;
    let first = t.elapsed();
    // The next ones that day: everyone answered already told.
    let mut told = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        service.after_generation(&openings, now).await?;
        told.push(t.elapsed());
    }

    let report = format!(
        "# Alerts per snapshot generation\n\n\
         `cargo run --release -p creneau --example alerts_cost` ({alerts} active alerts, {centres} centres with free places, SQLite; medians)\n\n\
         | step | time |\n|---|---|\n\
         | matching alone, in memory (grid built, every alert compared; median of 11) | {:.1} ms |\n\
         | a generation answering no alert (read the alerts due, match; median of 5) | {:.0} ms |\n\
         | the day's first generation: {queued} messages queued, each alert's day marked (one run) | {:.0} ms |\n\
         | later generations that day: {} alerts left to compare, nothing sent (median of 5) | {:.0} ms |\n\n\
         {answered} of {alerts} alerts are answered by these centres; one message per person per day.\n",
        median(in_memory),
        median(nothing),
        first.as_secs_f64() * 1000.0,
        alerts - queued,
        median(told),
    );
    print!("{report}");
    std::fs::create_dir_all(root.join("target"))?;
    std::fs::write(root.join("target/bench-alerts.md"), report)?;
    Ok(())
}
