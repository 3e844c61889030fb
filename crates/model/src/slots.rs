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
    if rules.capacity == 0 {
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
            slot_minutes: 30,
            capacity: 0,
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
}
