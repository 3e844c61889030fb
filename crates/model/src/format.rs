//! Dates and times in words, as a person reads them aloud:
//! "jeudi 21 janvier à 14 h 30" / "Thursday 21 January at 2:30 pm".
//! The snapshot gives each time with the centre's own UTC offset, so a time
//! is shown as the centre's wall clock, wherever the reader is.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};

/// The two languages of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

const DAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "14 h 30", "9 h" / "2:30 pm", "9 am".
pub fn time(hour: u32, minute: u32, lang: Lang) -> String {
    match lang {
        Lang::Fr if minute == 0 => format!("{hour} h"),
        Lang::Fr => format!("{hour} h {minute:02}"),
        Lang::En => {
            let (h12, suffix) = match hour {
                0 => (12, "am"),
                1..=11 => (hour, "am"),
                12 => (12, "pm"),
                _ => (hour - 12, "pm"),
            };
            if minute == 0 {
                format!("{h12} {suffix}")
            } else {
                format!("{h12}:{minute:02} {suffix}")
            }
        }
    }
}

/// "jeudi 21 janvier" / "Thursday 21 January".
pub fn date(d: NaiveDate, lang: Lang) -> String {
    let weekday = d.weekday().num_days_from_monday() as usize;
    let month = d.month0() as usize;
    match lang {
        Lang::Fr => {
            let day = if d.day() == 1 {
                "1er".to_string()
            } else {
                d.day().to_string()
            };
            format!("{} {day} {}", DAYS_FR[weekday], MONTHS_FR[month])
        }
        Lang::En => format!("{} {} {}", DAYS_EN[weekday], d.day(), MONTHS_EN[month]),
    }
}

/// A date given as "YYYY-MM-DD", in words; the input back if unreadable.
pub fn date_str(iso: &str, lang: Lang) -> String {
    iso.parse::<NaiveDate>()
        .map(|d| date(d, lang))
        .unwrap_or_else(|_| iso.to_string())
}

/// An RFC 3339 instant in words at its own offset, or a centre's wall
/// clock `YYYY-MM-DDTHH:MM`; `None` if unreadable.
pub fn slot_in_words(slot: &str, lang: Lang) -> Option<String> {
    let at: chrono::NaiveDateTime = match DateTime::<FixedOffset>::parse_from_rfc3339(slot) {
        Ok(at) => at.naive_local(),
        Err(_) => chrono::NaiveDateTime::parse_from_str(slot, "%Y-%m-%dT%H:%M").ok()?,
    };
    let joiner = match lang {
        Lang::Fr => "à",
        Lang::En => "at",
    };
    Some(format!(
        "{} {joiner} {}",
        date(at.date(), lang),
        time(at.hour(), at.minute(), lang)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_aloud_in_both_languages() {
        assert_eq!(
            slot_in_words("2021-01-21T14:30", Lang::Fr).unwrap(),
            "jeudi 21 janvier à 14 h 30",
            "a centre's wall clock reads the same"
        );
        assert_eq!(
            slot_in_words("2021-01-21T14:30:00+01:00", Lang::Fr).unwrap(),
            "jeudi 21 janvier à 14 h 30"
        );
        assert_eq!(
            slot_in_words("2021-01-21T14:30:00+01:00", Lang::En).unwrap(),
            "Thursday 21 January at 2:30 pm"
        );
        assert_eq!(
            slot_in_words("2021-02-01T09:00:00-04:00", Lang::Fr).unwrap(),
            "lundi 1er février à 9 h"
        );
        assert_eq!(time(0, 5, Lang::En), "12:05 am");
        assert_eq!(time(12, 0, Lang::En), "12 pm");
        assert_eq!(slot_in_words("yesterday", Lang::Fr), None);
        assert_eq!(date_str("2021-01-18", Lang::Fr), "lundi 18 janvier");
    }
}
