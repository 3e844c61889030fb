//! Helpers shared by the origin's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use creneau::import::communes;
use creneau::store::{self, Pool};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data/<name>` beside the repository, or `None` with the reason
/// printed, so tests that need it skip visibly.
pub fn shared(name: &str) -> Option<PathBuf> {
    let path = repo().join("../shared/data").join(name);
    if path.exists() {
        Some(path)
    } else {
        println!(
            "skipped: {} is absent (shared reference data)",
            path.display()
        );
        None
    }
}

/// A fresh SQLite store in a temporary folder.
pub async fn store(dir: &Path) -> Pool {
    store::connect(&format!("sqlite://{}", dir.join("test.db").display()))
        .await
        .expect("store opens")
}

/// A store with the shipped départements and communes loaded: a copy of
/// one made once per test binary, rather than 34,921 communes imported
/// again by every test.
pub async fn store_with_reference(dir: &Path) -> Pool {
    static TEMPLATE: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    let template = TEMPLATE
        .get_or_init(|| async {
            // Kept for the life of the process: every test copies it.
            let dir = tempfile::tempdir().expect("a temporary folder").keep();
            let pool = with_reference(store(&dir).await).await;
            // One file, nothing left in the log, before it is copied.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&pool)
                .await
                .expect("checkpoint");
            pool.close().await;
            dir.join("test.db")
        })
        .await;
    std::fs::copy(template, dir.join("test.db")).expect("copying the template store");
    store(dir).await
}

/// A fresh database `name` on the PostgreSQL server `make test` starts
/// (its URL in `CRENEAU_TEST_POSTGRES`), migrated, with the shipped
/// départements and communes; `None`, with the reason printed, without it.
pub async fn postgres_with_reference(name: &str) -> Option<Pool> {
    let Ok(server) = std::env::var("CRENEAU_TEST_POSTGRES") else {
        println!("skipped: CRENEAU_TEST_POSTGRES is not set (`make test` starts a PostgreSQL and sets it)");
        return None;
    };
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&server)
        .await
        .expect("the test PostgreSQL answers");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(&sql).execute(&admin).await.unwrap();
    }
    admin.close().await;
    let (base, _) = server.rsplit_once('/').expect("a database URL");
    let pool = store::connect(&format!("{base}/{name}"))
        .await
        .expect("store opens");
    Some(with_reference(pool).await)
}

async fn with_reference(pool: Pool) -> Pool {
    communes::import_departements(&pool, &repo().join("data/departements.csv"))
        .await
        .unwrap();
    communes::import_file(&pool, &repo().join("data/communes.csv"))
        .await
        .unwrap();
    communes::import_former(&pool, &repo().join("data/communes-anciennes.csv"))
        .await
        .unwrap();
    pool
}

pub async fn count(pool: &Pool, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
        .get::<i64, _>(0)
}

/// The JSON Schema of the snapshot, compiled for one of its `$defs`.
pub fn schema_for(kind: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("docs/snapshot.schema.json")).unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    schema["$ref"] = serde_json::Value::String(format!("#/$defs/{kind}"));
    jsonschema::validator_for(&schema).expect("schema compiles")
}

pub fn assert_valid(kind: &str, path: &Path) {
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let validator = schema_for(kind);
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{} is not a valid {kind}: {errors:?}",
        path.display()
    );
}

/// Booking state for tests: the built-in eligibility rules and the given
/// limits, on the pool's SQLite store (through its writer thread).
pub fn bookings(
    pool: &creneau::store::Pool,
    limits: creneau::booking::limits::LimitsConfig,
) -> creneau::booking::Bookings {
    creneau::booking::Bookings::new(Default::default(), limits, 28, pool).unwrap()
}

/// The OpenAPI document's schema `name`, compiled, to check an answer.
pub fn openapi_schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("docs/openapi.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut schema = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
    schema["components"] = doc["components"].clone();
    jsonschema::validator_for(&schema).unwrap()
}

/// Reading a published snapshot the way the app does: pointer → index →
/// département file → centre file, by the paths each names.
pub mod snapshot {
    use std::path::Path;

    use creneau_model::snapshot::{CentreDirectory, DepartementFile, Index, Pointer};

    fn read<T: serde::de::DeserializeOwned>(out: &Path, path: &str) -> T {
        let bytes = std::fs::read(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub fn pointer(out: &Path) -> Pointer {
        read(out, "latest.json")
    }

    pub fn index(out: &Path, pointer: &Pointer) -> Index {
        read(out, &pointer.index)
    }

    /// The path (under `/data/`) of the first file of `kind` ("Location",
    /// "Schedule", "Slot") a SMART Scheduling Links manifest lists.
    pub fn smart_output(manifest: &serde_json::Value, kind: &str) -> String {
        manifest["output"]
            .as_array()
            .expect("a manifest's output")
            .iter()
            .find(|o| o["type"] == kind)
            .and_then(|o| o["url"].as_str())
            .and_then(|url| url.split_once("/data/"))
            .map(|(_, path)| path.to_string())
            .unwrap_or_else(|| panic!("no {kind} file in {manifest}"))
    }

    /// The path of a département's file.
    pub fn departement_path(out: &Path, pointer: &Pointer, code: &str) -> String {
        index(out, pointer)
            .departement_path(code)
            .unwrap_or_else(|| panic!("département {code} is not in the index"))
            .to_string()
    }

    /// The path of a centre's file, found as a link to it finds it:
    /// through the centre directory and its département's file.
    pub fn centre_path(out: &Path, pointer: &Pointer, id: &str) -> String {
        let index = index(out, pointer);
        let directory: CentreDirectory = read(out, &index.centre_directory_path(id));
        let code = &directory.centres[id];
        let departement: DepartementFile = read(
            out,
            index.departement_path(code).expect("listed département"),
        );
        departement
            .centres
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.file.clone())
            .unwrap_or_else(|| panic!("centre {id} has no file in {code}"))
    }
}
