//! Crash safety: `kill -9` the server in the middle of a booking load.
//! After it, every booking that was answered 201 is in the store, none is
//! there twice, and no slot holds more people than its capacity; the places
//! counted match the bookings kept (both injections of each).

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use creneau::import::centres;
use sqlx::Row;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 POST on a fresh connection; the status and body, or None
/// when the server did not answer (it was killed).
async fn post(addr: &str, key: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!(
        "POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    let status = answer.get(9..12)?.parse().ok()?;
    let body = answer.split("\r\n\r\n").nth(1)?.to_string();
    Some((status, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_bookings_loses_no_confirmed_booking_and_oversells_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pool = common::store_with_reference(dir.path()).await;
    let week = "8h-20h;".repeat(7);
    let csv = format!(
        "gid;nom;adr_voie;com_cp;com_insee;com_nom;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche;creneau_reservation;creneau_vaccins;creneau_minutes;creneau_capacite;creneau_jours_feries\n\
         c1;Salle des fêtes;rue Haute;57000;57463;Metz;{week}ici;pfizer;10;3;ouvert\n"
    );
    centres::import_text(&pool, "t.csv", &csv, &Default::default())
        .await
        .unwrap();
    pool.close().await;
    let database = format!("sqlite://{}", dir.path().join("test.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_creneau"))
        .args([
            "--database",
            &database,
            "serve",
            "--addr",
            &addr,
            "--no-publisher",
            "--dist",
        ])
        .arg(dir.path().join("dist"))
        .args([
            "--bookings-per-minute",
            "1000000",
            "--max-in-flight",
            "1000",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Clients book the slots of three days (36 slots × 3 places a day).
    let date = Utc::now().with_timezone(&Paris).date_naive() + Days::days(2);
    let slots: Vec<String> = (0..3)
        .flat_map(|d| (0..12).map(move |h| (d, h)))
        .map(|(d, h)| {
            Paris
                .from_local_datetime(&(date + Days::days(d)).and_hms_opt(8 + h, 0, 0).unwrap())
                .unwrap()
                .to_rfc3339()
        })
        .collect();
    let confirmed = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for c in 0..16 {
        let (addr, slots, confirmed) = (addr.clone(), slots.clone(), confirmed.clone());
        clients.push(tokio::spawn(async move {
            for i in 0.. {
                let n = c * 100_000 + i;
                let body = format!(
                    r#"{{"centre":"c1","slot":"{}","vaccine":"pfizer","booked_by":"self","person":{{"first_name":"P{n}","last_name":"Crash","birth_date":"1935-05-05"}}}}"#,
                    slots[n % slots.len()]
                );
                match post(&addr, &format!("crash-key-{n}"), &body).await {
                    Some((201, body)) => {
                        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                        confirmed.lock().unwrap().push(v["reference"].as_str().unwrap().to_string());
                    }
                    Some(_) => {}
                    None => return,
                }
            }
        }));
    }
    // Let bookings flow, then kill -9 while they are still coming.
    while confirmed.lock().unwrap().len() < 20 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no bookings went through"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for c in clients {
        let _ = tokio::time::timeout(Duration::from_secs(10), c).await;
    }
    let confirmed = confirmed.lock().unwrap().clone();
    assert!(!confirmed.is_empty());

    // Reopen the store as a restarted server would.
    let pool = creneau::db::connect(&database).await.unwrap();
    let stored: Vec<(String, i64, i64)> = sqlx::query(
        "SELECT reference, first_at, second_at FROM bookings WHERE status = 'confirmed'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    let references: HashSet<&str> = stored.iter().map(|(r, _, _)| r.as_str()).collect();
    for r in &confirmed {
        assert!(
            references.contains(r.as_str()),
            "booking {r} was answered 201 but is not in the store"
        );
    }
    assert_eq!(references.len(), stored.len(), "no booking twice");
    let persons: i64 = sqlx::query("SELECT COUNT(DISTINCT person_key) FROM bookings")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(persons as usize, stored.len());
    let usage: HashMap<i64, i64> =
        sqlx::query("SELECT starts_at, taken FROM slot_usage WHERE centre_id = 'c1'")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.get::<i64, _>(0), i64::from(r.get::<i32, _>(1))))
            .collect();
    assert!(
        usage.values().all(|n| *n <= 3),
        "a slot over capacity: {usage:?}"
    );
    let mut expected: HashMap<i64, i64> = HashMap::new();
    for (_, first, second) in &stored {
        *expected.entry(*first).or_default() += 1;
        *expected.entry(*second).or_default() += 1;
    }
    let usage: HashMap<i64, i64> = usage.into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(
        usage, expected,
        "places counted = places of the bookings kept"
    );
    println!(
        "{} bookings answered 201 before kill -9, {} in the store",
        confirmed.len(),
        stored.len()
    );
}
