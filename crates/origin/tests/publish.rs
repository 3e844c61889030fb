//! The publisher end to end on the demo data: files, schema, pointer swap,
//! pruning, and a reader racing the publisher never meeting a missing file.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use creneau::import::{centres, communes};
use creneau::{demo, publish};
use creneau_model::snapshot::{CentreFile, DepartementFile, Index, Pointer, SearchShard};

async fn demo_store(dir: &std::path::Path) -> creneau::store::Pool {
    let pool = common::store_with_reference(dir).await;
    let text = std::fs::read_to_string(common::repo().join("data/communes.csv")).unwrap();
    let (rows, _) = communes::parse("communes.csv", &text).unwrap();
    let csv = demo::centres_csv(&rows);
    let options = centres::Options {
        demo: true,
        ..Default::default()
    };
    let report = centres::import_text(&pool, "demo", &csv, &options)
        .await
        .unwrap();
    assert!(report.problems.is_empty(), "{report}");
    pool
}

fn read<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> T {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

#[tokio::test]
async fn demo_snapshot_is_complete_valid_and_precompressed() {
    let dir = tempfile::tempdir().unwrap();
    let pool = demo_store(dir.path()).await;
    let centres = common::count(&pool, "centres").await;
    assert!(
        (1_900..=2_300).contains(&centres),
        "about 2,000 demo centres, got {centres}"
    );

    let out = dir.path().join("snapshot");
    let options = publish::Options {
        out: out.clone(),
        ..Default::default()
    };
    // A Monday morning in winter, Paris time.
    let now = Utc.with_ymd_and_hms(2021, 1, 18, 7, 0, 0).unwrap();
    publish::publish_once(&pool, &options, now).await.unwrap();

    let pointer: Pointer = read(&out.join("latest.json"));
    assert!(pointer.demo);
    assert_eq!(pointer.generated_at, "2021-01-18T07:00:00Z");
    assert_eq!(
        pointer.eligibility.as_ref().map(|e| e.minimum_age),
        Some(75),
        "the rule of config/eligibility.toml, for the booking flow"
    );
    common::assert_valid("pointer", &out.join("latest.json"));
    let index: Index = read(&out.join(&pointer.index));
    common::assert_valid("index", &out.join(&pointer.index));
    assert_eq!(index.horizon_start, "2021-01-18");
    assert_eq!(
        index.departements.len(),
        101,
        "every département, overseas included"
    );
    for code in ["971", "972", "973", "974", "976", "2A", "2B"] {
        let entry = index.departements.iter().find(|d| d.code == code).unwrap();
        assert!(entry.centres >= 4, "{code} has {} centres", entry.centres);
    }

    // Every département file and centre file is valid and consistent.
    let mut total = 0;
    for entry in &index.departements {
        let path = out.join(&entry.file);
        common::assert_valid("departement", &path);
        let file: DepartementFile = read(&path);
        assert_eq!(file.centres.len() as u32, entry.centres);
        total += file.centres.len();
        for c in &file.centres {
            assert_eq!(c.free_by_day.len(), 28);
            if c.booking != creneau_model::snapshot::BookingMode::Here
                || c.reserved_for_professionals
            {
                assert!(
                    c.next_slot.is_none(),
                    "{} is not booked here: no slots of ours",
                    c.id
                );
            }
        }
    }
    assert_eq!(total as i64, centres);

    // A centre file in an overseas zone shows local times.
    let reunion: DepartementFile = read(&out.join(index.departement_path("974").unwrap()));
    let booked = reunion
        .centres
        .iter()
        .find(|c| c.next_slot.is_some())
        .expect("a bookable centre in La Réunion");
    assert!(
        booked.next_slot.as_deref().unwrap().ends_with("+04:00"),
        "{:?}",
        booked.next_slot
    );
    let path = out.join(common::snapshot::centre_path(&out, &pointer, &booked.id));
    assert_eq!(
        path,
        out.join(booked.file.as_deref().unwrap()),
        "the directory and the département name the same file"
    );
    common::assert_valid("centre", &path);
    common::assert_valid(
        "directory",
        &out.join(index.centre_directory_path(&booked.id)),
    );
    let file: CentreFile = read(&path);
    assert_eq!(file.time_zone, "Indian/Reunion");
    let free: u32 = file
        .days
        .iter()
        .flat_map(|d| d.times(file.slot_minutes))
        .map(|(_, free)| free)
        .sum();
    assert_eq!(
        free,
        booked.free_by_day.iter().sum::<u32>(),
        "centre file and summary agree"
    );
    // Second injections: the days after the horizon, up to the longest
    // interval plus the window, for a first on the horizon's last day.
    let after_horizon =
        chrono::NaiveDate::from_ymd_opt(2021, 1, 18).unwrap() + chrono::Duration::days(28);
    let last = after_horizon + chrono::Duration::days(i64::from(publish::later_days(7)) - 1);
    assert_eq!(
        publish::later_days(7),
        35,
        "Moderna's 28 days and the 7-day window"
    );
    assert!(
        !file.later_days.is_empty(),
        "{} gives second injections",
        booked.id
    );
    for day in &file.later_days {
        let date: chrono::NaiveDate = day.date.parse().unwrap();
        assert!(date >= after_horizon && date <= last, "{date}");
    }

    // Search shards: a postcode search needs one small file.
    let shard = out.join(pointer.search_path("cp-75"));
    common::assert_valid("search", &shard);
    let paris: SearchShard = read(&shard);
    assert!(paris
        .places
        .iter()
        .any(|p| p.postcodes.contains(&"75011".to_string())));
    let saint: SearchShard = read(&out.join(pointer.search_path("nom-saint-de")));
    assert!(
        saint
            .places
            .iter()
            .filter(|p| p.name == "Saint-Denis")
            .count()
            >= 2,
        "Saint-Denis (93) and (974)"
    );
    // A former commune is searched by its old name and leads to the commune
    // it is part of now; a postcode names only the current commune.
    let aum: SearchShard = read(&out.join(pointer.search_path("nom-aum")));
    let former = aum
        .places
        .iter()
        .find(|p| p.name == "Aumont-Aubrac")
        .expect("Aumont-Aubrac is searchable");
    assert_eq!(former.merged_into.as_deref(), Some("Peyre en Aubrac"));
    assert_eq!(
        (former.insee.as_str(), former.postcodes.clone()),
        ("48009", vec!["48130".to_string()])
    );
    assert!(former.lat.is_some());
    let lozere: SearchShard = read(&out.join(pointer.search_path("cp-48")));
    let at_48130: Vec<&str> = lozere
        .places
        .iter()
        .filter(|p| p.postcodes.contains(&"48130".to_string()))
        .map(|p| p.name.as_str())
        .collect();
    assert!(at_48130.contains(&"Peyre en Aubrac"), "{at_48130:?}");
    assert!(!at_48130.contains(&"Aumont-Aubrac"), "{at_48130:?}");

    // Precompressed twins decode to the same bytes.
    let raw = std::fs::read(out.join(&pointer.index)).unwrap();
    let br = std::fs::read(out.join(format!("{}.br", pointer.index))).unwrap();
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut br.as_slice(), &mut decoded).unwrap();
    assert_eq!(decoded, raw);
    let gz = std::fs::read(out.join(format!("{}.gz", pointer.index))).unwrap();
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gz.as_slice()),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, raw);

    // No personal data: the snapshot carries no booking table at all, and
    // centre files only counts and times.
    assert!(!String::from_utf8_lossy(&std::fs::read(&path).unwrap()).contains("birth"));

    assert_smart_scheduling_links(&out, &pointer, &reunion.clone().at(now));
}

/// The SMART Scheduling Links files of a generation follow the
/// specification (smart-on-fhir/smart-scheduling-links, specification.md):
/// the manifest's shape and full URLs, minified NDJSON, ids, required
/// fields, references between resources, timestamps with offsets, the
/// COVID-19 serviceType, product and dose extensions, deep links, phones
/// and capacities; and the slots agree with the snapshot's own counts.
fn assert_smart_scheduling_links(
    out: &std::path::Path,
    pointer: &Pointer,
    reunion: &DepartementFile,
) {
    use serde_json::Value;
    use std::collections::{HashMap, HashSet};
    let public = publish::DEFAULT_PUBLIC_URL;
    let manifest_path = pointer
        .smart
        .as_ref()
        .expect("the pointer names the manifest");
    let manifest: Value = read(&out.join(manifest_path));
    let stable: Value = read(&out.join("$bulk-publish"));
    assert_eq!(
        manifest, stable,
        "the stable $bulk-publish is this generation's"
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(manifest["transactionTime"].as_str().unwrap()).is_ok()
    );
    assert_eq!(manifest["request"], format!("{public}/data/$bulk-publish"));
    assert_eq!(manifest["error"], serde_json::json!([]));
    let valid_id = |id: &str| {
        !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
    };
    let with_offset = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t).is_ok()
            && (t.ends_with('Z') || t[t.len() - 6..].starts_with(['+', '-']))
    };
    let extension = |resource: &Value, url: &str| -> Vec<Value> {
        resource["extension"]
            .as_array()
            .map(|e| e.iter().filter(|x| x["url"] == url).cloned().collect())
            .unwrap_or_default()
    };
    let lines = |url: &str| -> Vec<Value> {
        let relative = url
            .strip_prefix(&format!("{public}/data/"))
            .unwrap_or_else(|| panic!("{url} is a full URL of this site"));
        std::fs::read_to_string(out.join(relative))
            .unwrap()
            .lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line).unwrap();
                assert_eq!(serde_json::to_string(&value).unwrap(), line, "minified");
                value
            })
            .collect()
    };
    let mut locations: HashMap<String, Value> = HashMap::new();
    let mut schedules: HashMap<String, Value> = HashMap::new();
    let mut slot_files = Vec::new();
    for output in manifest["output"].as_array().unwrap() {
        let url = output["url"].as_str().unwrap();
        match output["type"].as_str().unwrap() {
            "Location" => {
                for l in lines(url) {
                    assert_eq!(l["resourceType"], "Location");
                    let id = l["id"].as_str().unwrap().to_string();
                    assert!(valid_id(&id), "{id}");
                    assert!(!l["name"].as_str().unwrap().is_empty());
                    assert_eq!(l["telecom"][0]["system"], "phone");
                    assert!(l["telecom"][0]["value"].as_str().unwrap().starts_with('+'));
                    for field in ["city", "state", "postalCode"] {
                        assert!(
                            !l["address"][field].as_str().unwrap().is_empty(),
                            "{id} {field}"
                        );
                    }
                    assert!(l["address"]["line"].is_array());
                    if !l["position"].is_null() {
                        assert!(
                            l["position"]["latitude"].is_f64()
                                && l["position"]["longitude"].is_f64()
                        );
                    }
                    assert!(locations.insert(id.clone(), l).is_none(), "{id} twice");
                }
            }
            "Schedule" => {
                for sc in lines(url) {
                    assert_eq!(sc["resourceType"], "Schedule");
                    let id = sc["id"].as_str().unwrap().to_string();
                    assert!(valid_id(&id), "{id}");
                    let coding = &sc["serviceType"][0]["coding"];
                    assert_eq!(
                        coding[0]["system"],
                        "http://terminology.hl7.org/CodeSystem/service-type"
                    );
                    assert_eq!(coding[0]["code"], "57");
                    assert_eq!(
                        coding[1]["system"],
                        "http://fhir-registry.smarthealthit.org/CodeSystem/service-type"
                    );
                    assert_eq!(coding[1]["code"], "covid19-immunization");
                    let product = extension(&sc, publish::smart::PRODUCT);
                    assert_eq!(product.len(), 1, "{id}: one product");
                    assert_eq!(
                        product[0]["valueCoding"]["system"],
                        "http://hl7.org/fhir/sid/cvx"
                    );
                    assert!(["207", "208"]
                        .contains(&product[0]["valueCoding"]["code"].as_str().unwrap()));
                    let doses = extension(&sc, publish::smart::DOSE);
                    assert!(
                        !doses.is_empty()
                            && doses
                                .iter()
                                .all(|d| [1, 2].contains(&d["valueInteger"].as_i64().unwrap()))
                    );
                    let actor = sc["actor"][0]["reference"].as_str().unwrap();
                    assert!(
                        locations.contains_key(actor.strip_prefix("Location/").unwrap()),
                        "{actor}"
                    );
                    assert!(schedules.insert(id.clone(), sc).is_none(), "{id} twice");
                }
            }
            "Slot" => slot_files.push((
                url.to_string(),
                output["extension"]["state"][0]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )),
            other => panic!("unknown output type {other}"),
        }
    }
    assert!(!locations.is_empty() && !schedules.is_empty() && !slot_files.is_empty());
    let mut slot_ids = HashSet::new();
    let mut capacity_by_schedule: HashMap<String, i64> = HashMap::new();
    for (url, state) in &slot_files {
        for slot in lines(url) {
            assert_eq!(slot["resourceType"], "Slot");
            let id = slot["id"].as_str().unwrap().to_string();
            assert!(valid_id(&id) && slot_ids.insert(id.clone()), "{id}");
            assert_eq!(slot["status"], "free");
            let (start, end) = (
                slot["start"].as_str().unwrap(),
                slot["end"].as_str().unwrap(),
            );
            assert!(with_offset(start) && with_offset(end), "{start} {end}");
            assert!(
                chrono::DateTime::parse_from_rfc3339(start).unwrap()
                    < chrono::DateTime::parse_from_rfc3339(end).unwrap()
            );
            let schedule = slot["schedule"]["reference"]
                .as_str()
                .unwrap()
                .strip_prefix("Schedule/")
                .unwrap();
            let location = schedules[schedule]["actor"][0]["reference"]
                .as_str()
                .unwrap()
                .strip_prefix("Location/")
                .unwrap();
            assert_eq!(
                &locations[location]["address"]["state"], state,
                "{url}: slots of its département"
            );
            let link = extension(&slot, publish::smart::DEEP_LINK);
            assert!(link[0]["valueUrl"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{public}/reserver/centre/")));
            assert!(
                !extension(&slot, publish::smart::BOOKING_PHONE)[0]["valueString"]
                    .as_str()
                    .unwrap()
                    .is_empty()
            );
            let capacity = extension(&slot, publish::smart::CAPACITY)[0]["valueInteger"]
                .as_i64()
                .unwrap();
            assert!(capacity >= 1);
            *capacity_by_schedule
                .entry(schedule.to_string())
                .or_default() += capacity;
        }
    }
    // A bookable centre of La Réunion: its slots, in local time (+04:00),
    // hold the free places the snapshot counts (as of the generation's
    // time: other finders do not drop past slots), under each vaccine.
    let booked = reunion
        .centres
        .iter()
        .find(|c| c.next_slot.is_some())
        .unwrap();
    let location = publish::smart::fhir_id(&booked.id);
    assert_eq!(locations[&location]["address"]["state"], "974");
    for vaccine in &booked.vaccines {
        let schedule = format!("{location}.{vaccine}");
        assert_eq!(
            capacity_by_schedule[&schedule],
            i64::from(booked.free_by_day.iter().sum::<u32>()),
            "{schedule}"
        );
    }
    let some_slot = lines(&slot_files.iter().find(|(_, s)| s == "974").unwrap().0).remove(0);
    assert!(some_slot["start"].as_str().unwrap().ends_with("+04:00"));
}

/// One more place taken at the first centre of département `code` that
/// has free slots, on the last day of the horizon: as a booking would.
async fn book_in(pool: &creneau::store::Pool, out: &std::path::Path, code: &str) -> String {
    let pointer = common::snapshot::pointer(out);
    let departement: DepartementFile =
        read(&out.join(common::snapshot::departement_path(out, &pointer, code)));
    let centre = departement
        .centres
        .iter()
        .find(|c| c.next_slot.is_some())
        .expect("a centre with free slots");
    let file: CentreFile = read(&out.join(centre.file.as_deref().unwrap()));
    let day = file.days.last().unwrap();
    let time_zone: chrono_tz::Tz = file.time_zone.parse().unwrap();
    let slot = chrono::NaiveDateTime::parse_from_str(
        &format!("{}T{}", day.date, day.runs[0].start),
        "%Y-%m-%dT%H:%M",
    )
    .unwrap()
    .and_local_timezone(time_zone)
    .unwrap();
    sqlx::query(
        "INSERT INTO slot_usage (centre_id, starts_at, taken) VALUES ($1, $2, 1) \
         ON CONFLICT (centre_id, starts_at) DO UPDATE SET taken = slot_usage.taken + 1",
    )
    .bind(&centre.id)
    .bind(slot.timestamp())
    .execute(pool)
    .await
    .unwrap();
    centre.file.clone().unwrap()
}

#[tokio::test]
async fn a_generation_writes_what_changed_and_prunes_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let pool = demo_store(dir.path()).await;
    let out = dir.path().join("snapshot");
    let long = publish::Options {
        out: out.clone(),
        grace: Duration::from_secs(3600),
        ..Default::default()
    };
    let t0 = Utc.with_ymd_and_hms(2021, 1, 18, 7, 0, 0).unwrap();
    let first = publish::publish_once(&pool, &long, t0).await.unwrap();
    let first_pointer = common::snapshot::pointer(&out);

    // A minute later, nothing booked: only the pointer and the SMART
    // manifest (it names its time) are new. The clock alone changes no file.
    let same = publish::publish_once(&pool, &long, t0 + chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(same.files, 3 + 3, "{same:?}");
    assert_eq!(same.unchanged, first.files / 3 - 2, "all but the manifest");
    let pointer = common::snapshot::pointer(&out);
    assert_eq!(pointer.index, first_pointer.index);

    // A booking in Paris: its centre's file, the département's, the index,
    // the SMART slots of 75, and the manifest; nothing else.
    let booked = book_in(&pool, &out, "75").await;
    let second = publish::publish_once(&pool, &long, t0 + chrono::Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(second.files, 3 * 5 + 3, "{second:?}");
    let pointer = common::snapshot::pointer(&out);
    assert_ne!(pointer.index, first_pointer.index);
    assert!(
        out.join(&first_pointer.index).exists() && out.join(&booked).exists(),
        "kept during the grace period"
    );
    assert_eq!(second.pruned, 0);
    // What the publisher reused of the previous generations is what a
    // publisher starting afresh works out: the same files, at the same time.
    let afresh = publish::Options {
        retention: Default::default(),
        reuse: Default::default(),
        ..long.clone()
    };
    let again = publish::publish_once(&pool, &afresh, t0 + chrono::Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(again.files, 3, "only the pointer: {again:?}");

    // No grace: what no pointer names any more goes at the next
    // publication (the old centre, département and index files, the
    // SMART files replaced), and what it names stays.
    let short = publish::Options {
        grace: Duration::ZERO,
        ..long
    };
    let third = publish::publish_once(&pool, &short, t0 + chrono::Duration::minutes(3))
        .await
        .unwrap();
    assert!(third.pruned >= 5, "{third:?}");
    assert!(!out.join(&first_pointer.index).exists());
    assert!(!out.join(format!("{}.br", first_pointer.index)).exists());
    assert!(!out.join(&booked).exists());
    let pointer = common::snapshot::pointer(&out);
    let index: Index = read(&out.join(&pointer.index));
    for entry in &index.departements {
        assert!(out.join(&entry.file).exists(), "{}", entry.file);
    }
    let booked_id = booked
        .trim_start_matches("centre/")
        .trim_end_matches(".json")
        .rsplit_once('.')
        .unwrap()
        .0;
    let now_booked = common::snapshot::centre_path(&out, &pointer, booked_id);
    assert_ne!(now_booked, booked);
    assert!(out.join(now_booked).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_racing_the_publisher_never_meets_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let pool = demo_store(dir.path()).await;
    let out = dir.path().join("snapshot");
    // A short grace, longer than one read of pointer + index + département.
    let options = publish::Options {
        out: out.clone(),
        grace: Duration::from_secs(2),
        ..Default::default()
    };
    publish::publish_once(&pool, &options, Utc::now())
        .await
        .unwrap();
    let first_index = common::snapshot::pointer(&out).index;

    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (out, stop, reads) = (out.clone(), stop.clone(), reads.clone());
        std::thread::spawn(move || -> Result<(), String> {
            let read = |path: &str| -> Result<Vec<u8>, String> {
                std::fs::read(out.join(format!("{path}.br")))
                    .map_err(|e| format!("{path}.br: {e}"))?;
                std::fs::read(out.join(path)).map_err(|e| format!("{path}: {e}"))
            };
            while !stop.load(Ordering::Relaxed) {
                // As the app reads: pointer → index → département → centre.
                let pointer: Pointer = serde_json::from_slice(&read("latest.json")?)
                    .map_err(|e| format!("pointer torn: {e}"))?;
                let index: Index = serde_json::from_slice(&read(&pointer.index)?)
                    .map_err(|e| format!("index torn: {e}"))?;
                read(&pointer.search_path("cp-75"))?;
                for code in ["75", "974"] {
                    let path = index.departement_path(code).ok_or("no département")?;
                    let departement: DepartementFile = serde_json::from_slice(&read(path)?)
                        .map_err(|e| format!("{path} torn: {e}"))?;
                    for centre in departement.centres.iter().take(3) {
                        read(centre.file.as_deref().ok_or("no centre file")?)?;
                    }
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
    };
    // Bookings in Paris and La Réunion between generations, so files are
    // replaced and the replaced ones pruned while the reader reads.
    let start = Utc::now();
    for minute in 1..=3 {
        book_in(&pool, &out, "75").await;
        book_in(&pool, &out, "974").await;
        publish::publish_once(&pool, &options, start + chrono::Duration::minutes(minute))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    publish::publish_once(&pool, &options, start + chrono::Duration::minutes(4))
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    reader
        .join()
        .unwrap()
        .expect("every file named by the pointer was there");
    assert!(
        reads.load(Ordering::Relaxed) > 10,
        "the reader ran during the swaps"
    );
    assert!(
        !out.join(&first_index).exists(),
        "files no longer named were pruned"
    );
}
