//! Importing the real open data of January 2021 from `../shared/data`:
//! La Poste's postcode base and the official centres list, then publishing.

mod common;

use creneau::import::{centres, communes};
use creneau::publish;
use sqlx::Row;

#[tokio::test]
async fn imports_the_official_files_and_publishes_them() {
    let (Some(laposte), Some(official)) = (
        common::shared("laposte_hexasmal.csv"),
        common::shared("centres-vaccination-2021-01-15.csv"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pool = common::store(dir.path()).await;
    communes::import_departements(&pool, &common::repo().join("data/departements.csv"))
        .await
        .unwrap();

    let report = communes::import_file(&pool, &laposte).await.unwrap();
    assert!(
        (34_900..=35_200).contains(&report.imported),
        "{} communes",
        report.imported
    );
    // La Poste lists Paris by arrondissement; each keeps its own postcode.
    let paris_11: String = sqlx::query("SELECT postcodes FROM communes WHERE insee = '75111'")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(paris_11, "75011");
    let ajaccio: String = sqlx::query("SELECT departement FROM communes WHERE insee = '2A004'")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(ajaccio, "2A");

    let report = centres::import_file(&pool, &official, &Default::default())
        .await
        .unwrap();
    println!("{report}");
    // Two rows carry only a name: they cannot be placed and are reported.
    assert_eq!(report.imported, 852);
    assert_eq!(report.skipped(), 2);
    for p in report.problems.iter().filter(|p| p.skipped) {
        assert!(p.reason.contains("cannot be placed"), "{p}");
        assert!(p.line > 1);
    }
    assert_eq!(common::count(&pool, "centres").await, 852);

    let row = sqlx::query(
        "SELECT name, reserved_pro, booking_mode, departement FROM centres WHERE id = '981'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>(0), "Hôpital Nord");
    assert_eq!(row.get::<i32, _>(1), 1, "reserved for health professionals");
    assert_eq!(row.get::<String, _>(2), "doctolib");
    assert_eq!(row.get::<String, _>(3), "13");

    // Publishing the real list gives valid files and lists every centre.
    let out = dir.path().join("snapshot");
    let options = publish::Options {
        out: out.clone(),
        ..Default::default()
    };
    let published = publish::publish_once(&pool, &options, chrono::Utc::now())
        .await
        .unwrap();
    let pointer: creneau_model::snapshot::Pointer =
        serde_json::from_slice(&std::fs::read(out.join("latest.json")).unwrap()).unwrap();
    assert_eq!(pointer.version, published.version);
    assert!(!pointer.demo);
    common::assert_valid("pointer", &out.join("latest.json"));
    common::assert_valid("index", &out.join(&pointer.index));
    let index: creneau_model::snapshot::Index =
        serde_json::from_slice(&std::fs::read(out.join(&pointer.index)).unwrap()).unwrap();
    assert_eq!(
        index.departements.iter().map(|d| d.centres).sum::<u32>(),
        852
    );
    common::assert_valid(
        "departement",
        &out.join(common::snapshot::departement_path(&out, &pointer, "13")),
    );
    let centre_path = out.join(common::snapshot::centre_path(&out, &pointer, "981"));
    common::assert_valid("centre", &centre_path);
    // External-platform centres have no slots of ours: no invented availability.
    let centre: creneau_model::snapshot::CentreFile =
        serde_json::from_slice(&std::fs::read(centre_path).unwrap()).unwrap();
    assert!(centre.days.is_empty() && centre.centre.next_slot.is_none());
}
