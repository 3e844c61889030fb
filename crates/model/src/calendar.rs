//! The confirmation's calendar file (iCalendar, RFC 5545): one event per
//! appointment, each with a reminder the day before, text escaped and
//! lines folded at 75 octets as the RFC requires (calendar apps reject or
//! cut longer lines, and a centre's name and address often make one).

use crate::booking::Booking;

/// "20210121T133000Z" from an RFC 3339 instant.
fn utc_stamp(rfc3339: &str) -> Option<String> {
    let at = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    Some(
        at.with_timezone(&chrono::Utc)
            .format("%Y%m%dT%H%M%SZ")
            .to_string(),
    )
}

/// TEXT values escape backslash, semicolon, comma and newline (3.3.11).
fn text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// One content line, folded: at most 75 octets a line, the following
/// lines starting with a space (3.1), never inside a UTF-8 character.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// What the file says of each appointment, in the person's language.
pub struct CalendarWords {
    /// The event's title for injection 1 or 2.
    pub summary: Box<dyn Fn(u8) -> String>,
    /// The reminder's text for injection 1 or 2.
    pub reminder: Box<dyn Fn(u8) -> String>,
    /// The description: reference, how to change or cancel.
    pub description: String,
}

/// The whole file; `stamp` is DTSTAMP (`YYYYMMDDTHHMMSSZ`).
pub fn ics(b: &Booking, stamp: &str, words: &CalendarWords) -> String {
    let location = text(&format!(
        "{}, {}, {} {}",
        b.centre.name, b.centre.address, b.centre.postcode, b.centre.commune
    ));
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Creneau//Rendez-vous//FR",
    ] {
        line(&mut out, l);
    }
    for a in &b.appointments {
        let Some(start) = utc_stamp(&a.at) else {
            continue;
        };
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}-{}@creneau", b.reference, a.dose));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(&mut out, &format!("DTSTART:{start}"));
        line(&mut out, "DURATION:PT15M");
        line(
            &mut out,
            &format!("SUMMARY:{}", text(&(words.summary)(a.dose))),
        );
        line(&mut out, &format!("LOCATION:{location}"));
        line(
            &mut out,
            &format!("DESCRIPTION:{}", text(&words.description)),
        );
        line(&mut out, "BEGIN:VALARM");
        line(&mut out, "ACTION:DISPLAY");
        line(&mut out, "TRIGGER:-P1D");
        line(
            &mut out,
            &format!("DESCRIPTION:{}", text(&(words.reminder)(a.dose))),
        );
        line(&mut out, "END:VALARM");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::{Appointment, BookedBy, BookingCentre, Person};

    fn booking() -> Booking {
        Booking {
            reference: "K7P4-QX9M".into(),
            status: "confirmed".into(),
            centre: BookingCentre {
                id: "57-001".into(),
                name: "Centre de vaccination intercommunal de la Communauté d’agglomération, salle polyvalente".into(),
                address: "12, rue de l’Abbé-Grégoire; bâtiment B".into(),
                postcode: "57000".into(),
                commune: "Metz".into(),
                phone: None,
            },
            vaccine: "pfizer".into(),
            appointments: vec![
                Appointment { dose: 1, at: "2021-01-21T14:30:00+01:00".into() },
                Appointment { dose: 2, at: "2021-02-11T14:30:00+01:00".into() },
            ],
            person: Person::default(),
            booked_by: BookedBy::Myself,
            first_injection_date: None,
            second_cancelled: false,
        }
    }

    #[test]
    fn both_events_with_a_reminder_the_day_before_and_folded_lines() {
        let words = CalendarWords {
            summary: Box::new(|d| format!("Vaccination Covid-19 (injection {d})")),
            reminder: Box::new(|d| format!("Demain : injection {d}")),
            description: "Référence K7P4-QX9M. Pour annuler : Gérer mon rendez-vous.".into(),
        };
        let file = ics(&booking(), "20210118T000000Z", &words);
        assert!(file.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(file.matches("BEGIN:VEVENT").count(), 2);
        assert_eq!(file.matches("BEGIN:VALARM").count(), 2);
        assert_eq!(file.matches("TRIGGER:-P1D").count(), 2);
        assert!(file.contains("DTSTART:20210121T133000Z"));
        assert!(file.contains("DTSTART:20210211T133000Z"));
        for l in file.split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        assert!(file.contains("\r\n "), "the long location is folded");
        // Unfolded, the text reads whole, escaped.
        let unfolded = file.replace("\r\n ", "");
        assert!(unfolded.contains("LOCATION:Centre de vaccination intercommunal de la Communauté d’agglomération\\, salle polyvalente\\, 12\\, rue de l’Abbé-Grégoire\\; bâtiment B\\, 57000 Metz"));
        assert!(
            !file.contains('\n') || file.matches('\n').count() == file.matches("\r\n").count(),
            "CRLF only"
        );
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", "é".repeat(100)));
        for l in out.split("\r\n") {
            assert!(l.len() <= 75);
        }
        assert_eq!(
            out.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "é".repeat(100))
        );
    }
}
