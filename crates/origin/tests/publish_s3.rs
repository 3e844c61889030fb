//! Publishing to S3-compatible object storage, against moto's S3 server on
//! 127.0.0.1 (`make test` installs it and sets `CRENEAU_TEST_MOTO`; the test
//! starts and stops it): `creneau snapshot --once --to s3://…` uploads a
//! generation that reads back through the pointer chain with its types and
//! encodings; after a booking, a second uploads only the files that
//! changed; with no grace, what no pointer names is removed; a pointer newer than the
//! generation is left alone; and a pointer changed during an upload
//! refuses the swap (a stale publisher cannot overwrite a newer one).

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use creneau::publish::Remote;
use creneau_model::snapshot::Pointer;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3Builder, S3ConditionalPut};
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, ObjectStore, ObjectStoreExt, PutPayload};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// moto's server, stopped when dropped.
struct Moto(std::process::Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_moto() -> Option<(Moto, String)> {
    let Ok(program) = std::env::var("CRENEAU_TEST_MOTO") else {
        println!("skipped: CRENEAU_TEST_MOTO is not set (`make test` installs moto and sets it)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {program}: {e}"));
    let moto = Moto(child);
    let addr = format!("127.0.0.1:{port}");
    let started = Instant::now();
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some((moto, addr))
}

/// CreateBucket: `PUT /BUCKET` (moto checks no signature).
async fn create_bucket(addr: &str, bucket: &str) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("PUT /{bucket} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

const ENV: [(&str, &str); 4] = [
    ("AWS_ALLOW_HTTP", "true"),
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_REGION", "us-east-1"),
];

fn client(addr: &str, bucket: &str) -> Arc<dyn ObjectStore> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = AmazonS3Builder::new()
        .with_endpoint(format!("http://{addr}"))
        .with_bucket_name(bucket)
        .with_conditional_put(S3ConditionalPut::ETagMatch)
        .with_allow_http(true);
    builder = builder
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .with_region("us-east-1");
    Arc::new(builder.build().unwrap())
}

/// A small store: the départements, four communes, three centres.
async fn small_store(dir: &std::path::Path) -> String {
    let pool = common::store(dir).await;
    creneau::import::communes::import_departements(
        &pool,
        &common::repo().join("data/departements.csv"),
    )
    .await
    .unwrap();
    let communes = dir.join("communes.csv");
    std::fs::write(
        &communes,
        "insee;nom;departement;codes_postaux;lat;lon;population;type\n\
         57463;Metz;57;57000;49.1196;6.1764;116000;commune\n\
         67482;Strasbourg;67;67000;48.5734;7.7521;280000;commune\n\
         75056;Paris;75;75001;48.8566;2.3522;2100000;commune\n\
         13055;Marseille;13;13001;43.2965;5.3698;870000;commune\n",
    )
    .unwrap();
    creneau::import::communes::import_file(&pool, &communes)
        .await
        .unwrap();
    let week = "8h-20h;".repeat(7);
    let csv = format!(
        "gid;nom;adr_voie;com_cp;com_insee;com_nom;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche;creneau_reservation;creneau_vaccins;creneau_minutes;creneau_capacite;creneau_jours_feries\n\
         c1;Salle des fêtes;rue Haute;57000;57463;Metz;{week}ici;pfizer;10;3;ouvert\n\
         c2;Gymnase;rue Basse;67000;67482;Strasbourg;{week}ici;moderna;15;2;ouvert\n\
         c3;Mairie;place Ronde;13001;13055;Marseille;{week}ici;pfizer;20;1;ouvert\n"
    );
    creneau::import::centres::import_text(&pool, "t.csv", &csv, &Default::default())
        .await
        .unwrap();
    pool.close().await;
    format!("sqlite://{}", dir.join("test.db").display())
}

fn snapshot_to(
    database: &str,
    out: &std::path::Path,
    addr: &str,
    to: &str,
    extra: &[&str],
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_creneau"))
        .args(["--database", database, "snapshot", "--once", "--out"])
        .arg(out)
        .args(["--to", to])
        .args(extra)
        .env("AWS_ENDPOINT_URL", format!("http://{addr}"))
        .envs(ENV)
        .output()
        .unwrap()
}

/// Every file of the local snapshot folder but the pointer (relative,
/// sorted).
fn local_files(out: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(out)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                if !relative.starts_with("latest.json") && relative != "$bulk-publish" {
                    found.push(relative);
                }
            }
        }
    }
    found.sort();
    found
}

async fn get_json<T: serde::de::DeserializeOwned>(store: &Arc<dyn ObjectStore>, path: &str) -> T {
    let found = store
        .get(&ObjectPath::from(path))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_slice(&found.bytes().await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_uploads_whole_pointer_last_and_never_over_a_newer_pointer() {
    let Some((_moto, addr)) = start_moto().await else {
        return;
    };
    create_bucket(&addr, "snap").await;
    let dir = tempfile::tempdir().unwrap();
    let database = small_store(dir.path()).await;
    let out = dir.path().join("snapshot");
    let store = client(&addr, "snap");

    // 1. The first generation: every object, then the pointer.
    let first = snapshot_to(&database, &out, &addr, "s3://snap/fr", &[]);
    let said = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(
        first.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(said.contains("uploaded to s3://snap/fr:"), "{said}");
    let pointer_object = store
        .get(&ObjectPath::from("fr/latest.json"))
        .await
        .unwrap();
    assert_eq!(
        pointer_object
            .attributes
            .get(&Attribute::CacheControl)
            .map(|v| v.as_ref()),
        Some(creneau::publish::remote::POINTER_CACHE)
    );
    let pointer: Pointer = serde_json::from_slice(&pointer_object.bytes().await.unwrap()).unwrap();
    let local: Pointer =
        serde_json::from_slice(&std::fs::read(out.join("latest.json")).unwrap()).unwrap();
    assert_eq!(
        pointer.version, local.version,
        "the uploaded pointer is the generation just written"
    );
    // The chain: pointer → index → département → centre, and a search shard.
    let index: creneau_model::snapshot::Index =
        get_json(&store, &format!("fr/{}", pointer.index)).await;
    assert!(index
        .departements
        .iter()
        .any(|d| d.code == "57" && d.centres == 1));
    let directory: creneau_model::snapshot::CentreDirectory =
        get_json(&store, &format!("fr/{}", index.centre_directory_path("c1"))).await;
    assert_eq!(directory.centres["c1"], "57");
    let dep: creneau_model::snapshot::DepartementFile = get_json(
        &store,
        &format!("fr/{}", index.departement_path("57").unwrap()),
    )
    .await;
    assert_eq!(dep.centres[0].id, "c1");
    let first_c1 = dep.centres[0]
        .file
        .clone()
        .expect("the centre's file named");
    let centre: creneau_model::snapshot::CentreFile =
        get_json(&store, &format!("fr/{first_c1}")).await;
    assert!(!centre.days.is_empty(), "free slots published");
    let _: creneau_model::snapshot::SearchShard =
        get_json(&store, &format!("fr/{}", pointer.search_path("cp-57"))).await;
    // Types, caching and the precompressed twins.
    let centre_path = format!("fr/{first_c1}");
    let plain = store
        .get(&ObjectPath::from(centre_path.as_str()))
        .await
        .unwrap();
    assert_eq!(
        plain
            .attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("application/json")
    );
    assert_eq!(
        plain
            .attributes
            .get(&Attribute::CacheControl)
            .map(|v| v.as_ref()),
        Some(creneau::publish::remote::IMMUTABLE_CACHE)
    );
    let plain = plain.bytes().await.unwrap();
    let br = store
        .get(&ObjectPath::from(format!("{centre_path}.br")))
        .await
        .unwrap();
    assert_eq!(
        br.attributes
            .get(&Attribute::ContentEncoding)
            .map(|v| v.as_ref()),
        Some("br")
    );
    let mut unpacked = Vec::new();
    brotli::Decompressor::new(&br.bytes().await.unwrap()[..], 4096)
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain.to_vec(), "the .br twin is the same file");
    let gz = store
        .get(&ObjectPath::from(format!("{centre_path}.gz")))
        .await
        .unwrap();
    assert_eq!(
        gz.attributes
            .get(&Attribute::ContentEncoding)
            .map(|v| v.as_ref()),
        Some("gzip")
    );
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain.to_vec(), "the .gz twin is the same file");

    // SMART Scheduling Links: the stable manifest, and an NDJSON file
    // with its media type.
    let manifest = store
        .get(&ObjectPath::from("fr/$bulk-publish"))
        .await
        .unwrap();
    assert_eq!(
        manifest
            .attributes
            .get(&Attribute::CacheControl)
            .map(|v| v.as_ref()),
        Some(creneau::publish::remote::POINTER_CACHE)
    );
    let listed: serde_json::Value =
        serde_json::from_slice(&manifest.bytes().await.unwrap()).unwrap();
    let smart = common::snapshot::smart_output(&listed, "Location");
    let locations = store
        .get(&ObjectPath::from(format!("fr/{smart}")))
        .await
        .unwrap();
    assert_eq!(
        locations
            .attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("application/fhir+ndjson")
    );

    // 2. A booking at c1, then a second generation: it uploads the files
    // that changed (c1's, its département's, the index, the SMART slots
    // of 57 and the manifest), the pointer, and nothing else.
    let last_day = centre.days.last().unwrap();
    let slot = chrono::NaiveDateTime::parse_from_str(
        &format!("{}T{}", last_day.date, last_day.runs[0].start),
        "%Y-%m-%dT%H:%M",
    )
    .unwrap()
    .and_local_timezone(chrono_tz::Europe::Paris)
    .unwrap();
    let pool = creneau::store::connect(&database).await.unwrap();
    sqlx::query("INSERT INTO slot_usage (centre_id, starts_at, taken) VALUES ('c1', $1, 1)")
        .bind(slot.timestamp())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let before = local_files(&out);
    let second = snapshot_to(&database, &out, &addr, "s3://snap/fr", &[]);
    let said = String::from_utf8_lossy(&second.stdout).to_string();
    assert!(
        second.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let new: Vec<String> = local_files(&out)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    let uploaded: usize = said
        .split("uploaded to s3://snap/fr: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert_eq!(
        uploaded,
        new.len() + 2,
        "the new files (with twins), the pointer and the stable manifest: {said} {new:?}"
    );
    let after: Pointer = get_json(&store, "fr/latest.json").await;
    assert!(after.version > pointer.version);
    let index: creneau_model::snapshot::Index =
        get_json(&store, &format!("fr/{}", after.index)).await;
    let dep: creneau_model::snapshot::DepartementFile = get_json(
        &store,
        &format!("fr/{}", index.departement_path("57").unwrap()),
    )
    .await;
    let second_c1 = dep.centres[0].file.clone().unwrap();
    assert_ne!(second_c1, first_c1, "c1 changed");
    let new_originals: std::collections::BTreeSet<&str> = new
        .iter()
        .map(|f| f.trim_end_matches(".br").trim_end_matches(".gz"))
        .collect();
    let kinds: Vec<&str> = new_originals
        .iter()
        .map(|f| f.split('/').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["centre", "dep", "index", "smart", "smart"],
        "{new_originals:?}"
    );
    assert!(new_originals.contains(second_c1.as_str()));

    // Pruning: with no grace, a third generation leaves in the bucket
    // (and locally) only what its pointer names.
    let third = snapshot_to(
        &database,
        &out,
        &addr,
        "s3://snap/fr",
        &["--grace", "0", "--no-smart-links"],
    );
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    // SMART Scheduling Links turned off: no manifest left naming pruned files.
    assert!(matches!(
        store.head(&ObjectPath::from("fr/$bulk-publish")).await,
        Err(object_store::Error::NotFound { .. })
    ));
    assert!(!out.join("$bulk-publish").exists());
    let after: Pointer = get_json(&store, "fr/latest.json").await;
    let mut in_bucket: Vec<String> = store
        .list(Some(&ObjectPath::from("fr")))
        .map_ok(|m| m.location.as_ref().trim_start_matches("fr/").to_string())
        .try_collect()
        .await
        .unwrap();
    in_bucket.retain(|f| !f.starts_with("latest.json"));
    in_bucket.sort();
    let kept = local_files(&out);
    assert_eq!(in_bucket, kept, "the bucket holds what the folder holds");
    assert!(
        !kept.iter().any(|f| f.starts_with(&first_c1)),
        "c1's first file removed"
    );
    assert!(
        !kept.iter().any(|f| f.starts_with("smart/")),
        "SMART files removed"
    );
    assert!(kept.contains(&after.index), "the current generation kept");
    assert!(kept.contains(&second_c1), "the current generation kept");

    // 3. A pointer newer than the generation is left alone, and the
    // command says why.
    let mut newer = after.clone();
    newer.version = "29991231T000000000Z".into();
    store
        .put(
            &ObjectPath::from("fr/latest.json"),
            PutPayload::from(serde_json::to_vec(&newer).unwrap()),
        )
        .await
        .unwrap();
    let refused = snapshot_to(&database, &out, &addr, "s3://snap/fr", &[]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains(
            "the published pointer names 29991231T000000000Z, not older than this generation"
        ),
        "{why}"
    );
    let kept: Pointer = get_json(&store, "fr/latest.json").await;
    assert_eq!(kept.version, "29991231T000000000Z");

    // 4. A pointer written by someone else after this publisher read it
    // (a new leader while this one uploaded) refuses the swap.
    store
        .put(
            &ObjectPath::from("fr/latest.json"),
            PutPayload::from(serde_json::to_vec(&after).unwrap()),
        )
        .await
        .unwrap();
    let remote = Remote::new(store.clone(), "s3://snap/fr", "fr");
    let mut mine = after.clone();
    mine.version = "29990101T000000000Z".into();
    let condition = remote.condition(&mine).await.unwrap();
    let mut theirs = after.clone();
    theirs.version = "29990101T000001000Z".into();
    store
        .put(
            &ObjectPath::from("fr/latest.json"),
            PutPayload::from(serde_json::to_vec(&theirs).unwrap()),
        )
        .await
        .unwrap();
    let error = remote.swap(&mine, condition).await.unwrap_err().to_string();
    assert!(
        error.contains("the pointer changed while generation 29990101T000000000Z was uploaded"),
        "{error}"
    );
    let kept: Pointer = get_json(&store, "fr/latest.json").await;
    assert_eq!(kept.version, theirs.version, "the newer pointer stays");
}
