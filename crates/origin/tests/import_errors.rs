//! Bad input gets a clear error naming file, line and column, and a failed
//! import changes nothing in the store.

mod common;

use creneau::import::{centres, communes, ImportError};

const GOOD: &str = "gid;nom;adr_voie;com_cp;com_insee;com_nom;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche\n\
                    1;Salle des fêtes;rue Haute;57000;57463;Metz;9h-12h;;;;;;\n";

#[tokio::test]
async fn file_faults_are_named_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pool = common::store_with_reference(dir.path()).await;
    centres::import_text(&pool, "good.csv", GOOD, &Default::default())
        .await
        .unwrap();
    let before = common::count(&pool, "centres").await;
    assert_eq!(before, 1);

    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (write("empty.csv", b""), "empty.csv: the file is empty"),
        (write("latin1.csv", b"gid;nom;adr_voie;com_cp;com_insee;rdv_lundi;rdv_mardi;rdv_mercredi;rdv_jeudi;rdv_vendredi;rdv_samedi;rdv_dimanche\n2;Salle des f\xeates;r;57000;57463;;;;;;;\n"),
         "latin1.csv, line 2: the file is not UTF-8 (byte 0xea at column 14)"),
        (write("commas.csv", b"gid,nom,adr_voie\n2,x,y\n"), "commas.csv, line 1: the header is not ';'-separated (found ',')"),
        (write("missing.csv", b"gid;nom;adr_voie;com_cp;com_insee\n2;x;y;57000;57463\n"), "missing.csv, line 1: required column \"rdv_lundi\" is missing"),
    ];
    for (path, expected) in cases {
        let err = centres::import_file(&pool, &path, &Default::default())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "{err} should say {expected}"
        );
    }

    // Strict mode: one bad row refuses the file, nothing half-written.
    let mixed = format!("{GOOD}2;Gymnase;rue;57000;57463;Metz;9h-12h;;;;;;\n3;Bad\n");
    let err = centres::import_text(
        &pool,
        "mixed.csv",
        &mixed,
        &centres::Options {
            strict: true,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ImportError::Strict { .. }), "{err}");
    assert!(err.to_string().contains("line 4"), "{err}");
    assert_eq!(
        common::count(&pool, "centres").await,
        before,
        "nothing written"
    );

    // Without --strict the good rows go in and the bad one is reported.
    let report = centres::import_text(&pool, "mixed.csv", &mixed, &Default::default())
        .await
        .unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].line, 4);

    let err = communes::import_file(&pool, &write("unknown.csv", b"a;b;c\n1;2;3\n"))
        .await
        .unwrap_err();
    assert!(matches!(err, ImportError::UnknownFormat { .. }));

    // Former communes: one pointing at no known commune is named and left
    // out; the others go in, found by `import communes` from the header.
    let former = write(
        "anciennes.csv",
        "insee;nom;departement;commune\n48009;Aumont-Aubrac;48;48009\n99999;Nulle-Part;99;99998\n"
            .as_bytes(),
    );
    let report = communes::import_file(&pool, &former).await.unwrap();
    assert_eq!(report.imported, 1, "{report}");
    assert_eq!(report.problems.len(), 1, "{report}");
    assert_eq!(report.problems[0].line, 3);
    assert_eq!(report.problems[0].column.as_deref(), Some("commune"));
    assert!(report.problems[0]
        .reason
        .contains("\"99998\" is not a known commune"));
}

#[tokio::test]
async fn a_store_failure_midway_rolls_the_whole_import_back() {
    let dir = tempfile::tempdir().unwrap();
    let pool = common::store_with_reference(dir.path()).await;
    // A trigger makes the second insert fail, as a full disk would.
    sqlx::query("CREATE TRIGGER no_second BEFORE INSERT ON centres WHEN NEW.id = '2' BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        .execute(&pool)
        .await
        .unwrap();
    let two = format!("{GOOD}2;Gymnase;rue;57000;57463;Metz;9h-12h;;;;;;\n");
    let err = centres::import_text(&pool, "two.csv", &two, &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ImportError::Store(_)), "{err}");
    assert_eq!(
        common::count(&pool, "centres").await,
        0,
        "the first row was rolled back too"
    );
}
