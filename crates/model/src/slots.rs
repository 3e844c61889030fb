//! Bookable slots: each opening interval of a day is cut into slots of
//! `slot_minutes`, each taking `capacity` people, in the centre's own time
//! zone. Local times that do not exist (the spring daylight-saving gap) are
//! skipped; times that occur twice (the autumn change) are taken once, at
//! their first occurrence, so a person never sees the same time twice.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::hours::{DayHours, WeekHours};

/// How a centre turns opening hours into slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRules {
    /// Length of one slot, minutes (e.g. 10).
    pub slot_minutes: u16,
    /// People vaccinated per slot (the throughput per interval).
    pub capacity: u32,
    /// Whether the centre opens on public holidays at its usual hours;
    /// by default it is closed then ([`public_holiday`]): a centre's
    /// published hours are for an ordinary week, and no one should be
    /// given a silent 25 December.
    pub open_on_public_holidays: bool,
}

/// Easter Sunday (Gregorian), by the anonymous algorithm (Meeus).
fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a date")
}

/// The eleven public holidays of France (Code du travail, L3133-1): New
/// Year's Day, Easter Monday, 1 and 8 May, Ascension, Whit Monday, 14 July,
/// 15 August, 1 and 11 November, Christmas. (Alsace-Moselle's Good Friday
/// and 26 December, and the overseas départements' abolition days, are
/// not in this list yet.)
pub fn public_holiday(date: NaiveDate) -> bool {
    let fixed = matches!(
        (date.month(), date.day()),
        (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
    );
    let from_easter = (date - easter(date.year())).num_days();
    fixed || matches!(from_easter, 1 | 39 | 50)
}

/// One slot, at a local wall-clock time and its instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub date: NaiveDate,
    pub local: NaiveTime,
    pub starts_at: DateTime<Utc>,
}

/// Parse an IANA zone name.
pub fn time_zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// The slots of one date, in order.
pub fn slots_on(date: NaiveDate, hours: &WeekHours, rules: SlotRules, tz: Tz) -> Vec<Slot> {
    let weekday = date.weekday().num_days_from_monday() as usize;
    let step = rules.slot_minutes.max(1);
    let mut out = Vec::new();
    if rules.capacity == 0 || (!rules.open_on_public_holidays && public_holiday(date)) {
        return out;
    }
    if let DayHours::Open { intervals, .. } = &hours[weekday] {
        for interval in intervals {
            let mut start = interval.start;
            while start + step <= interval.end {
                let local =
                    NaiveTime::from_hms_opt(u32::from(start / 60), u32::from(start % 60), 0)
                        .expect("minutes below 1440");
                if let Some(at) = tz.from_local_datetime(&date.and_time(local)).earliest() {
                    out.push(Slot {
                        date,
                        local,
                        starts_at: at.with_timezone(&Utc),
                    });
                }
                start += step;
            }
        }
    }
    out
}

/// The local date "today" in a zone at an instant.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// Dates of a horizon: `days` dates from `first`.
pub fn horizon(first: NaiveDate, days: u32) -> impl Iterator<Item = NaiveDate> {
    (0..i64::from(days)).map(move |d| first + Duration::days(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::{parse_day, DayHours};

    fn week(text: &str) -> WeekHours {
        let day = parse_day(text).hours;
        [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
        ]
    }

    fn local_times(slots: &[Slot]) -> Vec<String> {
        slots
            .iter()
            .map(|s| s.local.format("%H:%M").to_string())
            .collect()
    }

    const RULES: SlotRules = SlotRules {
        slot_minutes: 30,
        capacity: 2,
        open_on_public_holidays: false,
    };

    #[test]
    fn cuts_intervals_into_whole_slots() {
        let slots = slots_on(
            NaiveDate::from_ymd_opt(2021, 1, 18).unwrap(),
            &week("09:00-10:45/14:00-15:00"),
            RULES,
            chrono_tz::Europe::Paris,
        );
        assert_eq!(
            local_times(&slots),
            ["09:00", "09:30", "10:00", "14:00", "14:30"]
        );
        assert_eq!(slots[0].starts_at.to_rfc3339(), "2021-01-18T08:00:00+00:00");
    }

    #[test]
    fn spring_forward_skips_the_missing_hour() {
        let day = NaiveDate::from_ymd_opt(2021, 3, 28).unwrap();
        let slots = slots_on(day, &week("01:00-04:00"), RULES, chrono_tz::Europe::Paris);
        assert_eq!(local_times(&slots), ["01:00", "01:30", "03:00", "03:30"]);
        let utc: Vec<String> = slots
            .iter()
            .map(|s| s.starts_at.format("%H:%M").to_string())
            .collect();
        assert_eq!(utc, ["00:00", "00:30", "01:00", "01:30"]);
    }

    #[test]
    fn autumn_back_keeps_each_local_time_once_at_its_first_occurrence() {
        let day = NaiveDate::from_ymd_opt(2021, 10, 31).unwrap();
        let slots = slots_on(day, &week("01:00-04:00"), RULES, chrono_tz::Europe::Paris);
        assert_eq!(
            local_times(&slots),
            ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
        );
        // 02:00 is taken in summer time (UTC+2), 03:00 in winter time (UTC+1).
        assert_eq!(slots[2].starts_at.format("%H:%M").to_string(), "00:00");
        assert_eq!(slots[4].starts_at.format("%H:%M").to_string(), "02:00");
    }

    #[test]
    fn overseas_zones_have_their_own_offsets() {
        let day = NaiveDate::from_ymd_opt(2021, 1, 18).unwrap();
        let cases = [
            ("America/Guadeloupe", "13:00"),
            ("America/Martinique", "13:00"),
            ("America/Cayenne", "12:00"),
            ("Indian/Reunion", "05:00"),
            ("Indian/Mayotte", "06:00"),
            ("Europe/Paris", "08:00"),
        ];
        for (zone, utc) in cases {
            let tz = time_zone(zone).unwrap();
            let slots = slots_on(day, &week("09:00-10:00"), RULES, tz);
            assert_eq!(
                slots[0].starts_at.format("%H:%M").to_string(),
                utc,
                "{zone}"
            );
        }
    }

    #[test]
    fn closed_unknown_and_zero_capacity_days_have_no_slots() {
        let day = NaiveDate::from_ymd_opt(2021, 1, 18).unwrap();
        let tz = chrono_tz::Europe::Paris;
        assert!(slots_on(day, &week("fermé"), RULES, tz).is_empty());
        assert!(slots_on(day, &week("non précisé"), RULES, tz).is_empty());
        let none = SlotRules {
            capacity: 0,
            ..RULES
        };
        assert!(slots_on(day, &week("09:00-12:00"), none, tz).is_empty());
        let mut mondays_only = week("fermé");
        mondays_only[0] = DayHours::Open {
            intervals: parse_day("9h-10h").hours.intervals().to_vec(),
            note: None,
        };
        assert_eq!(slots_on(day, &mondays_only, RULES, tz).len(), 2);
        assert!(slots_on(day.succ_opt().unwrap(), &mondays_only, RULES, tz).is_empty());
    }

    #[test]
    fn public_holidays_are_closed_unless_the_centre_opens_on_them() {
        let tz = chrono_tz::Europe::Paris;
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(easter(2021), date(2021, 4, 4));
        assert_eq!(easter(2024), date(2024, 3, 31));
        assert_eq!(easter(2026), date(2026, 4, 5));
        for holiday in [
            date(2020, 12, 25),
            date(2021, 1, 1),
            date(2021, 4, 5),  // Easter Monday
            date(2021, 5, 13), // Ascension
            date(2021, 5, 24), // Whit Monday
            date(2021, 7, 14),
            date(2021, 11, 11),
        ] {
            assert!(public_holiday(holiday), "{holiday}");
            assert!(
                slots_on(holiday, &week("09:00-12:00"), RULES, tz).is_empty(),
                "{holiday}"
            );
            let open = SlotRules {
                open_on_public_holidays: true,
                ..RULES
            };
            assert_eq!(slots_on(holiday, &week("09:00-12:00"), open, tz).len(), 6);
        }
        for ordinary in [date(2021, 4, 4), date(2021, 12, 24), date(2021, 12, 26)] {
            assert!(!public_holiday(ordinary), "{ordinary}");
        }
    }
}
