//! Crash safety and stopping: `kill -9` the server in the middle of a
//! booking load, or SIGTERM it. After either, every booking that was
//! answered 201 is in the store, none is there twice, and no slot holds
//! more people than its capacity; the places counted match the bookings
//! kept (both injections of each). After SIGTERM the server also answers
//! what it had taken and exits 0 within its bound. Slow clients (half a
//! request head, a stalled body, an idle keep-alive) are cut after their
//! bound while normal requests go on being answered.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use creneau::import::centres;
use sqlx::Row;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running `creneau serve`, stopped when dropped, so a failing test does
/// not leave it running.
struct Serving(std::process::Child);

impl std::ops::Deref for Serving {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Serving {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What became of one request.
#[derive(Debug)]
enum Sent {
    /// The status and body.
    Answered(u16, String),
    /// No connection: the server was gone, or no longer accepting.
    Refused,
    /// Connected, then no answer.
    Unanswered,
}

/// One HTTP/1.1 POST on a fresh connection.
async fn post(addr: &str, key: &str, body: &str) -> Sent {
    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
        return Sent::Refused;
    };
    exchange(stream, key, body)
        .await
        .map_or(Sent::Unanswered, |(status, body)| {
            Sent::Answered(status, body)
        })
}

async fn exchange(
    mut stream: tokio::net::TcpStream,
    key: &str,
    body: &str,
) -> Option<(u16, String)> {
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

/// A store with one centre (3 places a slot) and `creneau serve` on it
/// (publishing when `extra` names an `--out` folder; its log in
/// `serve.log`); the server, its address and the store's URL.
async fn serve(dir: &std::path::Path, extra: &[&str]) -> (Serving, String, String) {
    let pool = common::store_with_reference(dir).await;
    let database = format!("sqlite://{}", dir.join("test.db").display());
    serve_store(dir, pool, database, extra).await
}

/// The same on a store already made (a PostgreSQL database).
async fn serve_store(
    dir: &std::path::Path,
    pool: creneau::store::Pool,
    database: String,
    extra: &[&str],
) -> (Serving, String, String) {
    let week = "8h-20h;".repeat(7);
    let csv = format!(
        "gid;nom;adr_voie;com_cp;com_insee;com_nom;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche;creneau_reservation;creneau_vaccins;creneau_minutes;creneau_capacite;creneau_jours_feries\n\
         c1;Salle des fêtes;rue Haute;57000;57463;Metz;{week}ici;pfizer;10;3;ouvert\n"
    );
    centres::import_text(&pool, "t.csv", &csv, &Default::default())
        .await
        .unwrap();
    pool.close().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    let server = Command::new(env!("CARGO_BIN_EXE_creneau"))
        .args(["--database", &database, "serve", "--addr", &addr, "--dist"])
        .arg(dir.join("dist"))
        .args([
            "--bookings-per-minute",
            "1000000",
            "--max-in-flight",
            "1000",
        ])
        .args(extra)
        // Publishing only for the tests that give it a folder.
        .args((!extra.contains(&"--out")).then_some("--no-publisher"))
        .args(
            (!extra.contains(&"--metrics-addr"))
                .then_some(["--metrics-addr", "127.0.0.1:0"])
                .into_iter()
                .flatten(),
        )
        .stdout(Stdio::null())
        // The log, for the tests that read it.
        .stderr(std::fs::File::create(dir.join("serve.log")).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (Serving(server), addr, database)
}

/// What the clients saw: the references answered 201, and the requests
/// that connected but got no answer.
#[derive(Default)]
struct Seen {
    confirmed: Vec<String>,
    unanswered: usize,
    /// Answers 500: a failure the client cannot act on.
    internal_errors: usize,
}

/// 16 clients booking the slots of twenty days (12 slots × 3 places a
/// day, 720 places) until the server stops answering; returns once 20 are
/// booked.
async fn load(
    addr: &str,
) -> (
    std::sync::Arc<std::sync::Mutex<Seen>>,
    Vec<tokio::task::JoinHandle<()>>,
) {
    let date = Utc::now().with_timezone(&Paris).date_naive() + Days::days(2);
    let slots: Vec<String> = (0..20)
        .flat_map(|d| (0..12).map(move |h| (d, h)))
        .map(|(d, h)| {
            Paris
                .from_local_datetime(&(date + Days::days(d)).and_hms_opt(8 + h, 0, 0).unwrap())
                .unwrap()
                .to_rfc3339()
        })
        .collect();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Seen::default()));
    let mut clients = Vec::new();
    for c in 0..16 {
        let (addr, slots, seen) = (addr.to_string(), slots.clone(), seen.clone());
        clients.push(tokio::spawn(async move {
            for i in 0.. {
                let n = c * 100_000 + i;
                let body = format!(
                    r#"{{"centre":"c1","slot":"{}","vaccine":"pfizer","booked_by":"self","person":{{"first_name":"P{n}","last_name":"Crash","birth_date":"1935-05-05"}}}}"#,
                    slots[n % slots.len()]
                );
                match post(&addr, &format!("crash-key-{n}"), &body).await {
                    Sent::Answered(201, body) => {
                        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                        seen.lock().unwrap().confirmed.push(v["reference"].as_str().unwrap().to_string());
                    }
                    Sent::Answered(500, _) => seen.lock().unwrap().internal_errors += 1,
                    Sent::Answered(..) => {}
                    Sent::Unanswered => {
                        seen.lock().unwrap().unanswered += 1;
                        return;
                    }
                    Sent::Refused => return,
                }
            }
        }));
    }
    let started = Instant::now();
    while seen.lock().unwrap().confirmed.len() < 20 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no bookings went through"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    (seen, clients)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_bookings_loses_no_confirmed_booking_and_oversells_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, addr, database) = serve(dir.path(), &[]).await;
    let (answered, stored) = kill_9_under_load(server, &addr, &database).await;
    println!("{answered} bookings answered 201 before kill -9, {stored} in the store");
}

/// Let bookings flow, then kill -9 while they are still coming; every
/// booking answered 201 must be in the store (see
/// [`all_answered_bookings_are_stored`]). The bookings answered and stored.
async fn kill_9_under_load(mut server: Serving, addr: &str, database: &str) -> (usize, usize) {
    let (seen, clients) = load(addr).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for c in clients {
        let _ = tokio::time::timeout(Duration::from_secs(10), c).await;
    }
    let confirmed = seen.lock().unwrap().confirmed.clone();
    let stored = all_answered_bookings_are_stored(database, &confirmed).await;
    (confirmed.len(), stored)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_bookings_answers_what_is_in_flight_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, database) = serve(dir.path(), &[]).await;
    let (seen, clients) = load(&addr).await;
    let stop = Instant::now();
    let signalled = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    // Exits by itself, with 0, well within the 10-second bound.
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            stop.elapsed() < Duration::from_secs(15),
            "still running 15 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM");
    for c in clients {
        let _ = tokio::time::timeout(Duration::from_secs(10), c).await;
    }
    let (confirmed, unanswered) = {
        let seen = seen.lock().unwrap();
        (seen.confirmed.clone(), seen.unanswered)
    };
    // Every request the server had taken got its answer: the only ones
    // unanswered are connections still waiting to be accepted when it
    // stopped accepting (at most one per client).
    assert!(
        unanswered <= 16,
        "{unanswered} requests connected and were never answered"
    );
    let stored = all_answered_bookings_are_stored(&database, &confirmed).await;
    println!(
        "SIGTERM: exit 0 after {:?}; {} bookings answered 201, {} in the store, {unanswered} connections not yet accepted at the stop",
        stop.elapsed(),
        confirmed.len(),
        stored
    );
}

/// Every booking answered 201 is in the store, none twice, no slot over
/// capacity, and the places counted are those of the bookings kept.
/// Returns the bookings stored.
async fn all_answered_bookings_are_stored(database: &str, confirmed: &[String]) -> usize {
    assert!(!confirmed.is_empty());
    // Reopen the store as a restarted server would.
    let pool = creneau::store::connect(database).await.unwrap();
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
    for r in confirmed {
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
    stored.len()
}

/// A GET on a fresh connection: its status, or `None` without an answer.
async fn health(addr: &str) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    answer.get(9..12)?.parse().ok()
}

/// Reads until the server closes the connection; what it sent.
async fn until_closed(stream: &mut tokio::net::TcpStream, bound: Duration) -> Option<String> {
    let mut answer = Vec::new();
    tokio::time::timeout(bound, stream.read_to_end(&mut answer))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_and_normal_requests_still_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, _) = serve(
        dir.path(),
        &[
            "--header-read-timeout",
            "1",
            "--body-read-timeout",
            "1",
            "--max-connections",
            "40",
        ],
    )
    .await;
    // Twice the connection cap, each sending half a request head and then
    // nothing (slowloris).
    let mut slow = Vec::new();
    for _ in 0..80 {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    // Normal requests meanwhile: each is answered, at worst once the slow
    // connections ahead of it have been cut.
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(
            tokio::time::timeout(Duration::from_secs(10), health(&addr))
                .await
                .ok()
                .flatten(),
            Some(200),
            "a normal request is answered while slow clients wait"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    // Every slow connection has been closed by the server.
    for stream in &mut slow {
        assert!(
            until_closed(stream, Duration::from_secs(10))
                .await
                .is_some(),
            "a half-sent request head is cut after its bound"
        );
    }
    // A body that stops half-way gets 408 after its bound.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: slow-body-0001\r\nContent-Length: 100\r\n\r\n{\"centre\":")
        .await
        .unwrap();
    let sent = Instant::now();
    let answer = until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("the server answers and closes");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(sent.elapsed() >= Duration::from_millis(900));
    // An idle keep-alive connection is closed after the same bound.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let kept = until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("closed after being idle");
    assert!(kept.starts_with("HTTP/1.1 200"), "{kept}");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_hyper_makes_itself_carry_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, _) = serve(dir.path(), &[]).await;
    let long_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(creneau::server::MAX_HEADER_BYTES + 1)
    );
    for (request, status) in [
        ("NOT A REQUEST\r\n\r\n".to_string(), "400"),
        (long_header, "431"),
    ] {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        // The server may answer and close before reading it all.
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ =
            tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer).to_lowercase();
        assert!(
            answer.starts_with(&format!("http/1.1 {status}")),
            "{answer}"
        );
        for header in [
            "x-content-type-options: nosniff",
            "x-frame-options: deny",
            "content-security-policy: default-src 'none'",
            "referrer-policy: no-referrer",
        ] {
            assert!(answer.contains(header), "{status} lacks {header}: {answer}");
        }
    }
    // The app's own answers are unchanged: one of each header.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert_eq!(
        answer
            .to_lowercase()
            .matches("x-content-type-options")
            .count(),
        1,
        "{answer}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_publishes_once_at_start_then_once_an_interval() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snapshot");
    let (mut server, _, _) = serve(
        dir.path(),
        &["--out", out.to_str().unwrap(), "--interval", "3600"],
    )
    .await;
    // A second generation at once would take the cores from the first
    // bookings after a restart.
    let version = || common::snapshot::pointer(&out).version;
    let first = version();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        version(),
        first,
        "one generation at start, the next an interval later"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn get(addr: &str, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_logged_and_counted_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let (mut server, addr, _) = serve(
        dir.path(),
        &["--metrics-addr", &metrics_addr, "--log-format", "json"],
    )
    .await;
    let date = Utc::now().with_timezone(&Paris).date_naive() + Days::days(2);
    let slot = Paris
        .from_local_datetime(&date.and_hms_opt(9, 0, 0).unwrap())
        .unwrap()
        .to_rfc3339();
    let body = format!(
        r#"{{"centre":"c1","slot":"{slot}","vaccine":"pfizer","booked_by":"self","person":{{"first_name":"Philomène","last_name":"Traçable","birth_date":"1938-07-14","phone":"06 99 88 77 66"}}}}"#
    );
    let Sent::Answered(201, answer) = post(&addr, "observe-0001", &body).await else {
        panic!("not booked");
    };
    let reference = serde_json::from_str::<serde_json::Value>(&answer).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let lookup = r#"{"birth_date":"1938-07-14"}"#;
    stream
        .write_all(format!("POST /api/v1/bookings/{reference}/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{lookup}", lookup.len()).as_bytes())
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // The metrics, on their own address only.
    let metrics = get(&metrics_addr, "/metrics").await;
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(
        metrics.contains(r#"creneau_bookings_total{outcome="created"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"creneau_http_requests_total{route="/api/v1/bookings/{reference}/lookup",status="200"} 1"#), "{metrics}");
    assert!(
        metrics.contains("creneau_writer_batch_size_count 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("creneau_writer_commit_seconds_sum"),
        "{metrics}"
    );
    assert!(metrics.contains("creneau_api_in_flight 0"), "{metrics}");
    assert!(
        get(&addr, "/metrics").await.starts_with("HTTP/1.1 404"),
        "not on the public address"
    );

    // SIGTERM: the log's last lines are flushed as the server stops.
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(server.wait().unwrap().code(), Some(0));
    // The request log: one JSON object a line, the route as a template;
    // nothing the person sent, and not the reference.
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    let requests: Vec<serde_json::Value> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}"))
        })
        .filter(|l| l["target"] == "creneau::request")
        .collect();
    let lookup_line = requests
        .iter()
        .find(|l| l["route"] == "/api/v1/bookings/{reference}/lookup")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(lookup_line["status"], 200);
    assert_eq!(lookup_line["method"], "POST");
    assert!(lookup_line["duration_ms"].as_f64().is_some());
    assert!(lookup_line["request_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert!(requests
        .iter()
        .any(|l| l["route"] == "/api/v1/bookings" && l["status"] == 201));
    for secret in [
        reference.as_str(),
        "Philomène",
        "Traçable",
        "1938-07-14",
        "06 99 88 77 66",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

fn postgres_script(action: &str) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/support/postgres.sh"
    );
    let status = Command::new(script).arg(action).status().unwrap();
    assert!(status.success(), "postgres.sh {action}");
}

async fn stop(mut server: Serving) {
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let _ = server.wait();
}

/// Held by each test of this file that uses the test PostgreSQL: one of
/// them kills and restarts the server, which must not happen under another.
static POSTGRES_SERVER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_killing_the_origin_or_the_database_loses_no_confirmed_booking() {
    let _server = POSTGRES_SERVER.lock().await;
    let name = "creneau_test_crash";
    let Some(pool) = common::postgres_with_reference(name).await else {
        return;
    };
    let server_url = std::env::var("CRENEAU_TEST_POSTGRES").unwrap();
    let database = format!("{}/{name}", server_url.rsplit_once('/').unwrap().0);
    let dir = tempfile::tempdir().unwrap();

    // 1. kill -9 of the origin under load.
    let (server, addr, _) = serve_store(dir.path(), pool, database.clone(), &[]).await;
    let (answered, stored) = kill_9_under_load(server, &addr, &database).await;
    println!("PostgreSQL, origin killed: {answered} answered 201, {stored} stored");

    // 2. kill -9 of PostgreSQL itself under load, then its restart: the
    // origin answers 503 meanwhile, then books again; nothing answered 201
    // is lost.
    let pool = creneau::store::connect(&database).await.unwrap();
    sqlx::query("DELETE FROM bookings")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM slot_usage")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let dir = tempfile::tempdir().unwrap();
    let pool = creneau::store::connect(&database).await.unwrap();
    sqlx::query("DELETE FROM centres")
        .execute(&pool)
        .await
        .unwrap();
    let (server, addr, _) = serve_store(dir.path(), pool, database.clone(), &[]).await;
    let (seen, clients) = load(&addr).await;
    postgres_script("kill");
    let before_restart = seen.lock().unwrap().confirmed.len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    postgres_script("restart");
    // A booking goes through again once the database is back (sent again
    // with its key until it does, as the app would), at a time the load
    // never books (it takes the hours).
    let day = Utc::now().with_timezone(&Paris).date_naive() + Days::days(24);
    let slot = Paris
        .from_local_datetime(&day.and_hms_opt(9, 30, 0).unwrap())
        .unwrap()
        .to_rfc3339();
    let body = format!(
        r#"{{"centre":"c1","slot":"{slot}","vaccine":"pfizer","booked_by":"self","person":{{"first_name":"Après","last_name":"Reprise","birth_date":"1935-05-05"}}}}"#
    );
    let back = Instant::now();
    let mut last: String;
    let reference = loop {
        // 201, or 200 when an earlier try was booked but its answer lost.
        let sent = post(&addr, "after-restart-1", &body).await;
        last = format!("{sent:?}");
        if let Sent::Answered(200 | 201, answer) = sent {
            break serde_json::from_str::<serde_json::Value>(&answer).unwrap()["reference"]
                .as_str()
                .unwrap()
                .to_string();
        }
        if back.elapsed() > Duration::from_secs(60) {
            let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
            let tail: Vec<&str> = log
                .lines()
                .filter(|l| !l.contains("creneau::request"))
                .collect();
            panic!(
                "no booking after PostgreSQL came back (last: {last}); the server log:\n{}",
                tail[tail.len().saturating_sub(30)..].join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    seen.lock().unwrap().confirmed.push(reference);
    // While the database was away the answers were 503 with Retry-After,
    // which the app waits out and sends again; never a 500.
    assert_eq!(seen.lock().unwrap().internal_errors, 0);
    stop(server).await;
    for c in clients {
        let _ = tokio::time::timeout(Duration::from_secs(10), c).await;
    }
    let confirmed = seen.lock().unwrap().confirmed.clone();
    let stored = all_answered_bookings_are_stored(&database, &confirmed).await;
    println!("PostgreSQL killed and restarted: {} answered 201 ({before_restart} before the kill), {stored} stored", confirmed.len());
}

/// Two origins on one PostgreSQL, serving one snapshot folder (a shared
/// volume): only the one holding the publisher lock writes generations;
/// `kill -9` it and the other publishes within an interval, while a reader
/// polling through the survivor never sees the pointer go backwards nor a
/// file it names missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_one_origin_publishes_and_another_takes_over_when_it_dies() {
    let _server = POSTGRES_SERVER.lock().await;
    let name = "creneau_test_leader";
    let Some(pool) = common::postgres_with_reference(name).await else {
        return;
    };
    let server_url = std::env::var("CRENEAU_TEST_POSTGRES").unwrap();
    let database = format!("{}/{name}", server_url.rsplit_once('/').unwrap().0);
    let (a_dir, b_dir, shared) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let interval = Duration::from_secs(2);
    let out = shared.path().to_str().unwrap();
    let extra = ["--out", out, "--interval", "2", "--grace", "60"];
    let (mut a, _, _) = serve_store(a_dir.path(), pool, database.clone(), &extra).await;
    let pool = creneau::store::connect(&database).await.unwrap();
    let (b, b_addr, _) = serve_store(b_dir.path(), pool, database.clone(), &extra).await;
    let log = |dir: &std::path::Path| std::fs::read_to_string(dir.join("serve.log")).unwrap();
    let published = |dir: &std::path::Path| log(dir).matches("snapshot published").count();
    assert!(log(a_dir.path()).contains("this origin is now the snapshot publisher"));
    assert!(log(b_dir.path()).contains("another origin publishes the snapshot"));
    tokio::time::sleep(interval * 3).await;
    assert!(published(a_dir.path()) >= 2, "{}", log(a_dir.path()));
    assert_eq!(published(b_dir.path()), 0, "only the lock holder publishes");

    // A reader through the survivor: the pointer, then the index it names.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (addr, stop) = (b_addr.clone(), stop.clone());
        tokio::spawn(async move {
            let mut versions: Vec<String> = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let answer = get(&addr, "/data/latest.json").await;
                assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
                let body = answer.split("\r\n\r\n").nth(1).unwrap();
                let pointer: serde_json::Value = serde_json::from_str(body).unwrap();
                let version = pointer["version"].as_str().unwrap().to_string();
                if let Some(last) = versions.last() {
                    assert!(
                        &version >= last,
                        "the pointer went back: {last} → {version}"
                    );
                }
                let index = get(
                    &addr,
                    &format!("/data/{}", pointer["index"].as_str().unwrap()),
                )
                .await;
                assert!(
                    index.starts_with("HTTP/1.1 200"),
                    "the index of {version}: {index}"
                );
                if versions.last() != Some(&version) {
                    versions.push(version);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            versions
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.kill().unwrap();
    let killed = Instant::now();
    while published(b_dir.path()) == 0 {
        assert!(
            killed.elapsed() < interval * 3,
            "no takeover after {:?}: {}",
            killed.elapsed(),
            log(b_dir.path())
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let takeover = killed.elapsed();
    println!("the second origin published {takeover:?} after the first was killed (interval {interval:?})");
    assert!(log(b_dir.path()).contains("this origin is now the snapshot publisher"));
    assert!(
        takeover <= interval + Duration::from_secs(1),
        "takeover within one interval: {takeover:?}"
    );
    tokio::time::sleep(interval * 2).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let versions = reader
        .await
        .expect("the reader saw no missing file and no pointer going back");
    assert!(
        versions.len() >= 3,
        "the reader saw generations by both: {versions:?}"
    );
    drop(b);
}
