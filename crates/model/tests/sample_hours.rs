//! Every opening-hours spelling in the official list of 15 January 2021
//! (`../shared/data`) is read, or reported as unreadable with a reason.

use std::collections::BTreeSet;
use std::path::PathBuf;

use creneau_model::hours::{parse_day, DayHours};

fn sample() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/centres-vaccination-2021-01-15.csv");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            println!("skipped: {} not readable ({e})", path.display());
            None
        }
    }
}

#[test]
fn every_spelling_in_the_official_sample_is_read_or_reported() {
    let Some(text) = sample() else { return };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let day_columns: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            h.starts_with("rdv_")
                && [
                    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
                ]
                .contains(&&h[4..])
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(day_columns.len(), 7);
    let spellings: BTreeSet<String> = lines
        .flat_map(|line| {
            let fields: Vec<&str> = line.split(';').collect();
            day_columns
                .iter()
                .filter_map(move |&i| fields.get(i).map(|s| s.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        spellings.len() > 180,
        "expected the sample's many spellings, got {}",
        spellings.len()
    );

    let (mut open, mut closed, mut unknown) = (0, 0, 0);
    let mut unread_with_digits = Vec::new();
    for spelling in &spellings {
        let parsed = parse_day(spelling);
        match &parsed.hours {
            DayHours::Open { intervals, .. } => {
                open += 1;
                assert!(
                    intervals.iter().all(|i| i.start < i.end && i.end <= 1440),
                    "{spelling:?}"
                );
                assert!(
                    intervals.windows(2).all(|w| w[0].end < w[1].start),
                    "{spelling:?} not merged"
                );
            }
            DayHours::Closed => closed += 1,
            DayHours::Unknown { .. } => {
                unknown += 1;
                assert!(
                    parsed.problem.is_some(),
                    "{spelling:?} is unknown without a reason"
                );
                if spelling.chars().any(|c| c.is_ascii_digit()) {
                    unread_with_digits.push(spelling.clone());
                }
            }
        }
    }
    println!(
        "{} spellings: {open} open, {closed} closed, {unknown} not published",
        spellings.len()
    );
    println!("with digits but unread: {unread_with_digits:?}");
    // Only a phone number, a lone time and a closed-with-times contradiction
    // carry digits without being readable hours.
    assert!(unread_with_digits.len() <= 3, "{unread_with_digits:?}");
}
