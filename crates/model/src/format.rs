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

/// A no-break space: a time or a phone number never wraps in the middle.
pub const NBSP: char = '\u{a0}';

/// "14 h 30", "9 h" / "2:30 pm", "9 am", with no-break spaces.
pub fn time(hour: u32, minute: u32, lang: Lang) -> String {
    match lang {
        Lang::Fr if minute == 0 => format!("{hour}{NBSP}h"),
        Lang::Fr => format!("{hour}{NBSP}h{NBSP}{minute:02}"),
        Lang::En => {
            let (h12, suffix) = match hour {
                0 => (12, "am"),
                1..=11 => (hour, "am"),
                12 => (12, "pm"),
                _ => (hour - 12, "pm"),
            };
            if minute == 0 {
                format!("{h12}{NBSP}{suffix}")
            } else {
                format!("{h12}:{minute:02}{NBSP}{suffix}")
            }
        }
    }
}

/// A wall-clock time given as "HH:MM", in the one format of [`time`];
/// the input back if unreadable.
pub fn clock(hhmm: &str, lang: Lang) -> String {
    let parsed = hhmm
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse().ok()?, m.parse().ok()?)));
    match parsed {
        Some((h, m)) => time(h, m, lang),
        None => hhmm.to_string(),
    }
}

/// "2 mars 1940" / "2 March 1940": a date with its year and the month in
/// words, which cannot be misread whichever way round a reader writes
/// dates (a date of birth, where the weekday means nothing).
pub fn date_with_year(d: NaiveDate, lang: Lang) -> String {
    let month = d.month0() as usize;
    match lang {
        Lang::Fr if d.day() == 1 => format!("1er {} {}", MONTHS_FR[month], d.year()),
        Lang::Fr => format!("{} {} {}", d.day(), MONTHS_FR[month], d.year()),
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[month], d.year()),
    }
}

/// "(aujourd’hui)" / "(demain)" to put beside a date, or nothing.
pub fn relative_day(d: NaiveDate, today: NaiveDate, lang: Lang) -> Option<&'static str> {
    match ((d - today).num_days(), lang) {
        (0, Lang::Fr) => Some("aujourd’hui"),
        (1, Lang::Fr) => Some("demain"),
        (0, Lang::En) => Some("today"),
        (1, Lang::En) => Some("tomorrow"),
        _ => None,
    }
}

/// [`date`] with "aujourd’hui" or "demain" beside it when it is one.
pub fn date_near(d: NaiveDate, today: NaiveDate, lang: Lang) -> String {
    match relative_day(d, today, lang) {
        Some(word) => format!("{} ({word})", date(d, lang)),
        None => date(d, lang),
    }
}

/// "près de Metz", "près d’Ajaccio", "près du Mans", "près des Ulis" /
/// "near Ajaccio": French elides and contracts "de" before a name.
pub fn near_place(place: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return format!("near {place}");
    }
    if let Some(rest) = place.strip_prefix("Le ") {
        return format!("près du {rest}");
    }
    if let Some(rest) = place.strip_prefix("Les ") {
        return format!("près des {rest}");
    }
    let vowel = place.chars().next().is_some_and(|c| {
        matches!(
            crate::text::fold(&c.to_string()).as_str(),
            "a" | "e" | "i" | "o" | "u" | "y"
        )
    });
    if vowel {
        format!("près d’{place}")
    } else {
        format!("près de {place}")
    }
}

/// A French phone number as people write it, "01 99 00 84 15", from any
/// spelling ("0199008415", "+33 1 99 00 84 15"); other numbers as given.
pub fn phone_national(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let national = if let Some(rest) = phone.trim().strip_prefix("+33") {
        format!(
            "0{}",
            rest.chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
        )
    } else {
        digits
    };
    if national.len() != 10 || !national.starts_with('0') {
        return phone.trim().to_string();
    }
    national
        .as_bytes()
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(&NBSP.to_string())
}

/// The `tel:` address of a French number in international form
/// ("tel:+33199008415"), so it dials from abroad and from any phone.
pub fn tel_href(phone: &str) -> String {
    let trimmed = phone.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if trimmed.starts_with('+') {
        format!("tel:+{digits}")
    } else if let Some(rest) = digits.strip_prefix('0').filter(|_| digits.len() == 10) {
        format!("tel:+33{rest}")
    } else {
        format!("tel:{digits}")
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
    slot_words(slot, lang, false)
}

/// [`slot_in_words`] with the year: "jeudi 21 janvier 2021 à 14 h 30",
/// for what a person keeps (confirmation, print, calendar).
pub fn slot_with_year(slot: &str, lang: Lang) -> Option<String> {
    slot_words(slot, lang, true)
}

fn slot_words(slot: &str, lang: Lang, with_year: bool) -> Option<String> {
    let at: chrono::NaiveDateTime = match DateTime::<FixedOffset>::parse_from_rfc3339(slot) {
        Ok(at) => at.naive_local(),
        Err(_) => chrono::NaiveDateTime::parse_from_str(slot, "%Y-%m-%dT%H:%M").ok()?,
    };
    let joiner = match lang {
        Lang::Fr => "à",
        Lang::En => "at",
    };
    let day = if with_year {
        format!("{} {}", date(at.date(), lang), at.year())
    } else {
        date(at.date(), lang)
    };
    Some(format!(
        "{day} {joiner} {}",
        time(at.hour(), at.minute(), lang)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_aloud_in_both_languages() {
        let words = |s: &str, l| slot_in_words(s, l).unwrap().replace(NBSP, " ");
        assert_eq!(
            words("2021-01-21T14:30", Lang::Fr),
            "jeudi 21 janvier à 14 h 30",
            "a centre's wall clock reads the same"
        );
        assert_eq!(
            words("2021-01-21T14:30:00+01:00", Lang::Fr),
            "jeudi 21 janvier à 14 h 30"
        );
        assert_eq!(
            words("2021-01-21T14:30:00+01:00", Lang::En),
            "Thursday 21 January at 2:30 pm"
        );
        assert_eq!(
            words("2021-02-01T09:00:00-04:00", Lang::Fr),
            "lundi 1er février à 9 h"
        );
        assert_eq!(time(0, 5, Lang::En), "12:05\u{a0}am");
        assert_eq!(time(12, 0, Lang::En), "12\u{a0}pm");
        assert_eq!(time(11, 37, Lang::Fr), "11\u{a0}h\u{a0}37", "never wraps");
        assert_eq!(clock("09:00", Lang::Fr), time(9, 0, Lang::Fr));
        assert_eq!(clock("14:30", Lang::En), "2:30\u{a0}pm");
        assert_eq!(slot_in_words("yesterday", Lang::Fr), None);
        assert_eq!(
            slot_with_year("2021-01-21T14:30:00+01:00", Lang::En)
                .unwrap()
                .replace(NBSP, " "),
            "Thursday 21 January 2021 at 2:30 pm"
        );
        assert_eq!(date_str("2021-01-18", Lang::Fr), "lundi 18 janvier");
    }

    #[test]
    fn dates_of_birth_and_near_days() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(date_with_year(d(1940, 3, 2), Lang::En), "2 March 1940");
        assert_eq!(date_with_year(d(1940, 3, 1), Lang::Fr), "1er mars 1940");
        let today = d(2021, 1, 20);
        assert_eq!(
            date_near(today, today, Lang::Fr),
            "mercredi 20 janvier (aujourd’hui)"
        );
        assert_eq!(
            date_near(d(2021, 1, 21), today, Lang::En),
            "Thursday 21 January (tomorrow)"
        );
        assert_eq!(
            date_near(d(2021, 1, 22), today, Lang::Fr),
            "vendredi 22 janvier"
        );
    }

    #[test]
    fn places_and_phones_as_french_writes_them() {
        assert_eq!(near_place("Ajaccio", Lang::Fr), "près d’Ajaccio");
        assert_eq!(near_place("Évry", Lang::Fr), "près d’Évry");
        assert_eq!(near_place("Metz", Lang::Fr), "près de Metz");
        assert_eq!(near_place("Le Mans", Lang::Fr), "près du Mans");
        assert_eq!(near_place("Les Ulis", Lang::Fr), "près des Ulis");
        assert_eq!(near_place("Ajaccio", Lang::En), "near Ajaccio");
        let spaced = |s: String| s.replace(NBSP, " ");
        assert_eq!(spaced(phone_national("0199008415")), "01 99 00 84 15");
        assert_eq!(
            spaced(phone_national("+33 1 99 00 84 15")),
            "01 99 00 84 15"
        );
        assert_eq!(spaced(phone_national("01.99.00.84.15")), "01 99 00 84 15");
        assert_eq!(phone_national("+44 20 7946 0000"), "+44 20 7946 0000");
        assert_eq!(tel_href("01 99 00 84 15"), "tel:+33199008415");
        assert_eq!(tel_href("+33 1 99 00 84 15"), "tel:+33199008415");
        assert_eq!(tel_href("0 800 009 110"), "tel:+33800009110");
        assert_eq!(tel_href("3615"), "tel:3615");
    }
}
