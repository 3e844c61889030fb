//! Opening hours, parsed from the free text the official centres list gives
//! for each weekday ("09:00-12:00/14:00-18:00", "9h-12h / 14h-17h",
//! "de 9h à 12h", "09: 00-12: 00", "fermé", "non précisé", …).
//!
//! The rule is: read what a person could read, never invent. A day is
//! [`DayHours::Closed`], [`DayHours::Open`] with its intervals (and the
//! original text as a note when it said more, such as "à partir du 25/01"),
//! or [`DayHours::Unknown`] when the hours cannot be known; the centre is then
//! listed with "hours not published" and its phone.

use serde::{Deserialize, Serialize};

/// Minutes since local midnight, 0..=1440.
pub type Minute = u16;

/// One opening interval, `start < end`, in local minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub start: Minute,
    pub end: Minute,
}

impl Interval {
    /// "09:00-12:30"
    pub fn to_hhmm(&self) -> String {
        format!("{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

/// "HH:MM" for minutes since midnight.
pub fn hhmm(m: Minute) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// What is known of one weekday's hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayHours {
    Closed,
    Open {
        intervals: Vec<Interval>,
        /// The published text, kept when it carried a condition we do not model.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Hours not published (empty, "non précisé", "ouvert" without times…).
    Unknown {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

impl DayHours {
    pub fn intervals(&self) -> &[Interval] {
        match self {
            DayHours::Open { intervals, .. } => intervals,
            _ => &[],
        }
    }
}

/// Why a day's text could not be read as hours (reported by the importer).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HoursProblem {
    #[error("hours not published ({0:?})")]
    NotPublished(String),
    #[error("time out of range in {0:?}")]
    OutOfRange(String),
    #[error("a range has no end in {0:?}")]
    Unpaired(String),
    #[error("a range ends before it starts in {0:?}")]
    Backwards(String),
    #[error("says closed and gives times in {0:?}")]
    Contradictory(String),
}

/// The parsed day and, when something was not usable, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub hours: DayHours,
    pub problem: Option<HoursProblem>,
}

const MONTHS: [&str; 12] = [
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
];

/// Words that only join times ("de 9h à 12h et de 14h à 17h"): they do not
/// make the text a condition worth keeping as a note.
const JOINERS: [&str; 6] = ["de", "a", "et", "h", "hh", "sur rdv"];

/// Parse one weekday's published text.
pub fn parse_day(raw: &str) -> Parsed {
    let text = fold(raw);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return unknown(raw, HoursProblem::NotPublished(raw.to_string()));
    }
    let without_dates = strip_dates(trimmed);
    let (times, leftover) = scan_times(&without_dates);
    let says_closed = trimmed.contains("ferm");
    if times.is_empty() {
        if says_closed {
            return Parsed {
                hours: DayHours::Closed,
                problem: None,
            };
        }
        return unknown(raw, HoursProblem::NotPublished(raw.trim().to_string()));
    }
    if says_closed {
        return unknown(raw, HoursProblem::Contradictory(raw.trim().to_string()));
    }
    if times
        .iter()
        .any(|&(h, m)| h > 24 || m > 59 || (h == 24 && m > 0))
    {
        return unknown(raw, HoursProblem::OutOfRange(raw.trim().to_string()));
    }
    if times.len() % 2 == 1 {
        return unknown(raw, HoursProblem::Unpaired(raw.trim().to_string()));
    }
    let mut intervals = Vec::new();
    let mut problem = None;
    for pair in times.chunks(2) {
        let start = pair[0].0 * 60 + pair[0].1;
        let end = pair[1].0 * 60 + pair[1].1;
        if start < end {
            intervals.push(Interval { start, end });
        } else {
            problem = Some(HoursProblem::Backwards(raw.trim().to_string()));
        }
    }
    if intervals.is_empty() {
        return Parsed {
            hours: DayHours::Unknown {
                note: Some(raw.trim().to_string()),
            },
            problem,
        };
    }
    let intervals = merge(intervals);
    let conditional = leftover
        .split_whitespace()
        .filter(|w| !JOINERS.contains(w))
        .count()
        > 0
        || without_dates.len() != trimmed.len();
    let note = conditional.then(|| raw.trim().to_string());
    Parsed {
        hours: DayHours::Open { intervals, note },
        problem,
    }
}

fn unknown(raw: &str, problem: HoursProblem) -> Parsed {
    let note = raw.trim();
    Parsed {
        hours: DayHours::Unknown {
            note: (!note.is_empty()).then(|| note.to_string()),
        },
        problem: Some(problem),
    }
}

/// Lower case, ASCII letters for the French accented ones, one kind of dash
/// and of space, so the scanner sees one spelling.
fn fold(raw: &str) -> String {
    crate::text::fold(raw)
        .chars()
        .map(|c| match c {
            '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect()
}

/// Remove the dates a condition may name ("à partir du 25/01",
/// "uniquement le 16 janvier", "sauf matin du 18") so their numbers are not
/// read as times.
fn strip_dates(text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let tokens: Vec<&str> = text.split(' ').collect();
    let mut i = 0;
    while i < tokens.len() {
        let word = tokens[i];
        let bare = word.trim_matches(|c: char| "(),".contains(c));
        let next = tokens
            .get(i + 1)
            .map(|w| w.trim_matches(|c: char| "(),".contains(c)));
        let is_day_number =
            !bare.is_empty() && bare.len() <= 2 && bare.chars().all(|c| c.is_ascii_digit());
        let prev = words.last().map(String::as_str);
        if is_bare_date(bare) {
            i += 1;
            continue;
        }
        if is_day_number && next.is_some_and(|n| MONTHS.contains(&n)) {
            i += 2;
            continue;
        }
        if is_day_number && matches!(prev, Some("du") | Some("le")) {
            i += 1;
            continue;
        }
        words.push(word.to_string());
        i += 1;
    }
    words.join(" ")
}

/// "25/01" or "19/01/2021": numbers only, no time marker.
fn is_bare_date(word: &str) -> bool {
    let parts: Vec<&str> = word.split('/').collect();
    (parts.len() == 2 || parts.len() == 3)
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
        && parts[0].len() <= 2
        && parts[1].len() == 2
}

/// Find the times in order, as (hour, minute), and return what is left.
///
/// A time is `H`, `Hh`, `HhMM`, `H:MM`, `H.MM`, with spaces allowed around
/// the marker ("09 h 00", "09: 00"). Minutes after a bare `h` count only when
/// they are not themselves followed by `h` ("9h 19h" is two times, "16h 30"
/// one). A range end written "13-00" or "12h-30" takes the two digits as its
/// minutes.
fn scan_times(text: &str) -> (Vec<(u16, u16)>, String) {
    let b = text.as_bytes();
    let mut times: Vec<(u16, u16)> = Vec::new();
    let mut leftover = String::new();
    let mut i = 0;
    let digits_at = |mut j: usize| {
        let start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        (start, j)
    };
    let skip_spaces = |mut j: usize| {
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        j
    };
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            leftover.push(if b[i].is_ascii_alphabetic() || b[i] == b' ' {
                b[i] as char
            } else {
                ' '
            });
            i += 1;
            continue;
        }
        let (s, e) = digits_at(i);
        let number: u16 = text[s..e].parse().unwrap_or(99);
        let hour = if e - s > 2 { 99 } else { number };
        let mut minute: Option<u16> = None;
        let mut j = e;
        let k = skip_spaces(j);
        if k < b.len() && (b[k] == b':' || b[k] == b'.') {
            let m = skip_spaces(k + 1);
            let (ms, me) = digits_at(m);
            if me - ms == 2 || &text[ms..me] == "0" {
                // "18:0" is read as 18:00; "18:3" stays unreadable (18:30 or 18:03?).
                minute = Some(text[ms..me].parse().unwrap_or(99));
                j = me;
            } else if me - ms > 0 {
                minute = Some(99);
                j = me;
            } else {
                j = k + 1;
            }
        } else if k < b.len() && b[k] == b'h' {
            let mut m = k;
            while m < b.len() && b[m] == b'h' {
                m += 1;
            }
            j = m;
            let m = skip_spaces(m);
            let (ms, me) = digits_at(m);
            if me - ms == 2 {
                let after = skip_spaces(me);
                let is_next_time = after < b.len() && b[after] == b'h';
                if !is_next_time {
                    minute = Some(text[ms..me].parse().unwrap_or(99));
                    j = me;
                }
            }
        }
        // "13-00" or "12h-30" at a range end: the two digits are minutes.
        if minute.is_none() && times.len() % 2 == 1 && j + 3 <= b.len() && b[j] == b'-' {
            let (ms, me) = digits_at(j + 1);
            let after = me;
            let ends_here = after >= b.len() || matches!(b[after], b'/' | b' ' | b',');
            let next_is_time = {
                let a = skip_spaces(after);
                a < b.len() && (b[a] == b'h' || b[a] == b':')
            };
            if me - ms == 2 && ends_here && !next_is_time {
                minute = Some(text[ms..me].parse().unwrap_or(99));
                j = me;
            }
        }
        times.push((hour, minute.unwrap_or(0)));
        leftover.push(' ');
        i = j;
    }
    (times, leftover)
}

/// Sort and join overlapping or touching intervals.
fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort_by_key(|i| i.start);
    let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
    for i in intervals {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// A week of hours, Monday first.
pub type WeekHours = [DayHours; 7];

/// French weekday names as the official file spells its columns.
pub const WEEKDAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &str) -> Vec<String> {
        match parse_day(text).hours {
            DayHours::Open { intervals, .. } => intervals.iter().map(Interval::to_hhmm).collect(),
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    fn note(text: &str) -> Option<String> {
        match parse_day(text).hours {
            DayHours::Open { note, .. } => note,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn reads_every_common_spelling() {
        let cases: &[(&str, &[&str])] = &[
            ("09:00-17:00", &["09:00-17:00"]),
            ("9h-17h", &["09:00-17:00"]),
            ("09:00-13:00/14:00-18:00", &["09:00-13:00", "14:00-18:00"]),
            ("9h/17h", &["09:00-17:00"]),
            ("8h45-19h", &["08:45-19:00"]),
            ("8h-12h / 14h-18h", &["08:00-12:00", "14:00-18:00"]),
            ("de 8h à 18h", &["08:00-18:00"]),
            ("9h à 12h et de 14h à 18 h", &["09:00-12:00", "14:00-18:00"]),
            ("10: 00-16: 00", &["10:00-16:00"]),
            (
                "09: 20-12: 10/13: 00-16: 40",
                &["09:20-12:10", "13:00-16:40"],
            ),
            ("09 h 00 - 21 h 00", &["09:00-21:00"]),
            ("\u{a0}8 h 30 / 17 H 30", &["08:30-17:30"]),
            ("9h 19h", &["09:00-19:00"]),
            ("9h 12 h", &["09:00-12:00"]),
            ("8h30 12h30", &["08:30-12:30"]),
            ("9H-12H30 et 14h-17h30", &["09:00-12:30", "14:00-17:30"]),
            (
                "8h30 – 12h00 / 13h30 – 17h00",
                &["08:30-12:00", "13:30-17:00"],
            ),
            ("9:00-13:00-14:00-18:00", &["09:00-13:00", "14:00-18:00"]),
            ("8h/12h-14h/20h", &["08:00-12:00", "14:00-20:00"]),
            ("8.30/20.00", &["08:30-20:00"]),
            ("12-18h00", &["12:00-18:00"]),
            ("14-17H", &["14:00-17:00"]),
            ("09:00-12", &["09:00-12:00"]),
            ("14h-17", &["14:00-17:00"]),
            ("8H30 12", &["08:30-12:00"]),
            ("08:00-13-00/14:00-18:00", &["08:00-13:00", "14:00-18:00"]),
            ("8h30-12h-30 / 14h00-18h00", &["08:30-12:30", "14:00-18:00"]),
            ("09:00-14-00", &["09:00-14:00"]),
            ("09h-13h / 13h30-17hh30", &["09:00-13:00", "13:30-17:30"]),
            (
                "9h à 12h30 et de 13h30 à 16h 30",
                &["09:00-12:30", "13:30-16:30"],
            ),
            ("14H00-18H00 9H00-18H00", &["09:00-18:00"]),
            ("09:30-16:30/14:00-18:00", &["09:30-18:00"]),
            (
                "08:30-12:30/13:30-17:30/18:00-21:00",
                &["08:30-12:30", "13:30-17:30", "18:00-21:00"],
            ),
            ("9:00-12:00 - 13:30-16:30", &["09:00-12:00", "13:30-16:30"]),
            ("09:00-12:30/14:00–17:30", &["09:00-12:30", "14:00-17:30"]),
            ("07:00-19:31", &["07:00-19:31"]),
            ("08:00-13-00/14:00-18:0", &["08:00-13:00", "14:00-18:00"]),
            ("9h-12h, 14h-17h", &["09:00-12:00", "14:00-17:00"]),
            ("9h-13h / 14h-19h30", &["09:00-13:00", "14:00-19:30"]),
        ];
        for (text, expected) in cases {
            assert_eq!(open(text), *expected, "for {text:?}");
        }
    }

    #[test]
    fn keeps_conditions_as_a_note_without_reading_their_dates_as_times() {
        assert_eq!(open("14:00-18:00 à partir du 25/01"), ["14:00-18:00"]);
        assert!(note("14:00-18:00 à partir du 25/01").is_some());
        assert_eq!(
            open("8:00-12:00 (19/01 uniquement) / 14:00-18:00"),
            ["08:00-12:00", "14:00-18:00"]
        );
        assert_eq!(
            open("08:00-12:30 uniquement le samedi 23 janvier"),
            ["08:00-12:30"]
        );
        assert_eq!(open("9h-18h sauf matin du 18"), ["09:00-18:00"]);
        assert_eq!(open("08:30/17:30, à confirmer"), ["08:30-17:30"]);
        assert!(note("08:30/17:30, à confirmer").is_some());
        assert_eq!(note("de 9h à 12h"), None);
        assert_eq!(note("9h-13h et 14H - 17H"), None);
    }

    #[test]
    fn closed_and_unknown_days_are_never_invented() {
        for closed in ["fermé", "Fermé", "FERME", "fermé "] {
            assert_eq!(parse_day(closed).hours, DayHours::Closed, "{closed:?}");
        }
        for unknown in [
            "",
            "ouvert",
            "Ouvert",
            "non précisé",
            "En cours de précision",
            "A CONFIRMER",
            "No",
            "ouvert l'après-midi",
            "pas d'horaires réguliers",
            "15h",
            "Au centre Europe : contacter le 01.42.81.03.50",
            "fermé8h/12h-14h/20h",
        ] {
            let parsed = parse_day(unknown);
            assert!(
                matches!(parsed.hours, DayHours::Unknown { .. }),
                "{unknown:?} gave {:?}",
                parsed.hours
            );
            assert!(parsed.problem.is_some(), "{unknown:?} must report why");
        }
    }

    #[test]
    fn a_backwards_range_is_reported_and_the_rest_kept() {
        let parsed = parse_day("9h-3h/13h30-17h30");
        assert_eq!(
            parsed.hours.intervals(),
            &[Interval {
                start: 810,
                end: 1050
            }]
        );
        assert!(matches!(parsed.problem, Some(HoursProblem::Backwards(_))));
    }
}
