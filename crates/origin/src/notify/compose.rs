//! What each message says: a booking, a move, a cancellation and the
//! reminder the day before, by e-mail (plain text and HTML) and SMS, in
//! the booking's language, from the texts under `notice` in
//! `locales/api/*.json`.
//!
//! Every message names the person, the appointments with weekday and year,
//! the centre and its address, and the reference; the link to "Gérer mon
//! rendez-vous" carries the reference, never the birth date (which the
//! page asks for). An SMS is written in GSM-7 ([`gsm7_folded`]) and kept to
//! one segment where it can be: the centre's name is left out when it
//! would make a second.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use creneau_model::booking::Booking;
use creneau_model::format::{slot_with_year, Lang};
pub use creneau_model::sms::mobile_number;
use creneau_model::sms::{gsm7_folded, length};

use crate::messages::{text_in, Value};
use crate::store::outbox::NewMessage;

/// What happened to a booking, as a message tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Booked,
    /// One injection moved (1 or 2).
    Moved(u8),
    Cancelled,
    /// The second injection cancelled on its own.
    SecondCancelled,
    /// The day before an injection (1 or 2).
    Reminder(u8),
}

impl Event {
    pub fn kind(self) -> &'static str {
        match self {
            Event::Booked => "booked",
            Event::Moved(_) => "moved",
            Event::Cancelled | Event::SecondCancelled => "cancelled",
            Event::Reminder(_) => "reminder",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Event::Booked => "booked",
            Event::Moved(_) => "moved",
            Event::Cancelled => "cancelled",
            Event::SecondCancelled => "second_cancelled",
            Event::Reminder(_) => "reminder",
        }
    }
}

/// Where messages go and what they link to: set by the operator.
#[derive(Clone, Debug, Default)]
pub struct Channels {
    /// E-mails are sent (an SMTP relay is configured).
    pub email: bool,
    /// SMS are sent (a gateway is configured).
    pub sms: bool,
    /// The service's public address, for the "Gérer mon rendez-vous" link
    /// (`https://creneau.example`, no trailing slash).
    pub public_url: String,
}

/// The local hour a reminder is sent, the day before.
const REMINDER_HOUR: u32 = 10;
/// No reminder when its time is this close (the confirmation says it all).
const REMINDER_MIN_LEAD: i64 = 12 * 3600;

/// The link to "Gérer mon rendez-vous" with this reference.
pub fn manage_link(public_url: &str, reference: &str, lang: Lang) -> String {
    let lang = if lang == Lang::En { "&lang=en" } else { "" };
    format!("{public_url}/reserver/gerer?ref={reference}{lang}")
}

/// The messages an event sends, one per channel the person gave and the
/// operator runs. `tz` is the centre's.
pub fn messages(
    event: Event,
    booking: &Booking,
    lang: Lang,
    channels: &Channels,
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<NewMessage> {
    let send_at = match event {
        Event::Reminder(dose) => match reminder_time(booking, dose, tz, now) {
            Some(at) => at.timestamp(),
            None => return Vec::new(),
        },
        _ => now.timestamp(),
    };
    let dose = match event {
        Event::Reminder(d) => Some(d),
        _ => None,
    };
    let mut out = Vec::new();
    let row = |channel, recipient: String, subject, body_text, body_html| NewMessage {
        id: new_id(),
        reference: booking.reference.clone(),
        kind: event.kind(),
        dose,
        channel,
        recipient,
        subject,
        body_text,
        body_html,
        send_at,
        created_at: now.timestamp(),
        unsubscribe: None,
    };
    if let Some(email) = booking.person.email.as_deref().filter(|_| channels.email) {
        let e = email_of(event, booking, lang, &channels.public_url);
        out.push(row(
            "email",
            email.to_string(),
            Some(e.subject),
            e.text,
            Some(e.html),
        ));
    }
    if let Some(mobile) = booking
        .person
        .phone
        .as_deref()
        .filter(|_| channels.sms)
        .and_then(mobile_number)
    {
        let text = sms_of(event, booking, lang, &channels.public_url);
        out.push(row("sms", mobile, None, text, None));
    }
    out
}

/// 10:00 at the centre the day before the injection, unless that is past
/// or too close to now.
pub fn reminder_time(
    booking: &Booking,
    dose: u8,
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(&booking.appointment(dose)?.at).ok()?;
    let day_before: NaiveDate = at.with_timezone(&tz).date_naive() - Duration::days(1);
    let when = tz
        .from_local_datetime(&day_before.and_hms_opt(REMINDER_HOUR, 0, 0)?)
        .earliest()?
        .with_timezone(&Utc);
    (when.timestamp() - now.timestamp() >= REMINDER_MIN_LEAD).then_some(when)
}

/// 128 random bits in hex: the row's key, the e-mail's Message-ID and the
/// SMS's client reference, so a relay or gateway can tell a resend.
pub fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// An e-mail's parts.
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The appointments a message lists: all, or the reminded one.
fn listed(event: Event, booking: &Booking) -> Vec<(u8, String)> {
    booking
        .appointments
        .iter()
        .filter(|a| match event {
            Event::Reminder(dose) => a.dose == dose,
            _ => true,
        })
        .map(|a| (a.dose, a.at.clone()))
        .collect()
}

fn when(at: &str, lang: Lang) -> String {
    slot_with_year(at, lang).unwrap_or_else(|| at.to_string())
}

/// The paragraphs of an e-mail: (text, is the link paragraph).
fn email_of(event: Event, booking: &Booking, lang: Lang, public_url: &str) -> Email {
    let line = |key: &str, values: &[(&str, Value)]| text_in(lang, key, values);
    let listed = listed(event, booking);
    let first_when = listed
        .first()
        .map(|(_, at)| when(at, lang))
        .unwrap_or_default();
    let subject = line(
        &format!("notice.subject.{}", event.key()),
        &[("when", first_when.clone().into())],
    );
    let name = format!("{} {}", booking.person.first_name, booking.person.last_name);
    let mut blocks: Vec<Vec<String>> = vec![
        vec![line("notice.greeting", &[("name", name.into())])],
        vec![line(&format!("notice.intro.{}", event.key()), &[])],
    ];
    if event != Event::Cancelled {
        let mut times = Vec::new();
        if let Some(day) = booking
            .first_injection_date
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .filter(|_| !matches!(event, Event::Reminder(_)))
        {
            times.push(line("notice.first_elsewhere", &[("date", day.into())]));
        }
        for (dose, at) in &listed {
            let key = if *dose == 1 {
                "notice.first"
            } else {
                "notice.second"
            };
            times.push(line(key, &[("when", when(at, lang).into())]));
        }
        blocks.push(times);
    }
    let c = &booking.centre;
    blocks.push(vec![
        line(
            "notice.centre",
            &[
                ("name", c.name.as_str().into()),
                (
                    "address",
                    format!("{}, {} {}", c.address, c.postcode, c.commune).into(),
                ),
            ],
        ),
        line(
            "notice.reference",
            &[("reference", booking.reference.as_str().into())],
        ),
    ]);
    if event != Event::Cancelled {
        blocks.push(vec![line("notice.bring", &[])]);
    }
    let link = manage_link(public_url, &booking.reference, lang);
    let manage = line("notice.manage", &[("link", link.as_str().into())]);
    if event != Event::Cancelled {
        blocks.push(vec![manage]);
    }
    blocks.push(vec![line("notice.automatic", &[])]);
    email_from(lang, subject, &blocks, &[link.as_str()])
}

/// An e-mail from its paragraphs (each a list of lines): the plain text,
/// and the HTML with each of `links` made a link where it appears.
pub fn email_from(lang: Lang, subject: String, blocks: &[Vec<String>], links: &[&str]) -> Email {
    let text = blocks
        .iter()
        .map(|b| b.join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
        + "\n";
    let html_lang = lang.code();
    let paragraphs: String = blocks
        .iter()
        .map(|b| {
            let lines: Vec<String> = b
                .iter()
                .map(|l| {
                    let mut escaped = escape(l);
                    for link in links {
                        let href = escape(link);
                        escaped = escaped.replace(&href, &format!("<a href=\"{href}\">{href}</a>"));
                    }
                    escaped
                })
                .collect();
            format!("<p>{}</p>\n", lines.join("<br>\n"))
        })
        .collect();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family: Arial, sans-serif; font-size: 19px; line-height: 1.4\">\n{paragraphs}</body>\n</html>\n",
        escape(&subject)
    );
    Email {
        subject,
        text,
        html,
    }
}

/// Text for HTML: the five characters that mean something there.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// An appointment as an SMS writes it: short, numeric, with the weekday.
fn sms_when(at: &str, lang: Lang) -> String {
    let Ok(at) = DateTime::parse_from_rfc3339(at) else {
        return at.to_string();
    };
    let local = at.naive_local();
    match lang {
        Lang::Fr => {
            const DAYS: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
            let day = DAYS[chrono::Datelike::weekday(&local).num_days_from_monday() as usize];
            format!("{day} {}", local.format("%d/%m/%Y %Hh%M"))
        }
        Lang::En => format!("{}", local.format("%a %d/%m/%Y %H:%M")),
    }
}

fn sms_of(event: Event, booking: &Booking, lang: Lang, public_url: &str) -> String {
    let line = |key: &str, values: &[(&str, Value)]| text_in(lang, key, values);
    let listed = listed(event, booking);
    let times: Vec<String> = listed
        .iter()
        .map(|(dose, at)| {
            let key = if *dose == 1 {
                "notice.sms.first"
            } else {
                "notice.sms.second"
            };
            line(key, &[("when", sms_when(at, lang).into())])
        })
        .collect();
    let link = manage_link(public_url, &booking.reference, lang);
    let with_centre = |centre: String| {
        gsm7_folded(&line(
            &format!("notice.sms.{}", event.key()),
            &[
                ("when", times.join(", ").into()),
                ("centre", centre.into()),
                ("reference", booking.reference.as_str().into()),
                ("link", link.as_str().into()),
            ],
        ))
    };
    let full = with_centre(format!(", {}", booking.centre.name));
    if length(&full).segments == 1 {
        return full;
    }
    let short = with_centre(String::new());
    if length(&short).segments < length(&full).segments {
        short
    } else {
        full
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use creneau_model::booking::{Appointment, BookedBy, BookingCentre, Person};
    use creneau_model::sms::Encoding;

    fn booking() -> Booking {
        Booking {
            reference: "U3W3-FGN9".into(),
            status: "confirmed".into(),
            centre: BookingCentre {
                id: "c1".into(),
                name: "Centre de vaccination de Besançon".into(),
                address: "2 place de l’Église".into(),
                postcode: "25000".into(),
                commune: "Besançon".into(),
                phone: None,
            },
            vaccine: "pfizer".into(),
            appointments: vec![
                Appointment {
                    dose: 1,
                    at: "2021-01-19T14:30:00+01:00".into(),
                },
                Appointment {
                    dose: 2,
                    at: "2021-02-16T14:30:00+01:00".into(),
                },
            ],
            person: Person {
                first_name: "Berthe".into(),
                last_name: "Seconde".into(),
                birth_date: "1940-03-02".into(),
                phone: Some("06 12 34 56 78".into()),
                email: Some("berthe@example.org".into()),
            },
            booked_by: BookedBy::Helper,
            first_injection_date: None,
            second_cancelled: false,
        }
    }

    fn channels() -> Channels {
        Channels {
            email: true,
            sms: true,
            public_url: "https://creneau.example".into(),
        }
    }

    fn paris() -> Tz {
        "Europe/Paris".parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The messages of `event` for the test booking, on 14 January 2021.
    fn sent(event: Event, lang: Lang) -> Vec<NewMessage> {
        let now = at("2021-01-14T09:00:00+01:00");
        messages(event, &booking(), lang, &channels(), paris(), now)
    }

    #[test]
    fn a_confirmation_says_who_when_where_and_how_to_change_never_the_birth_date() {
        let out = sent(Event::Booked, Lang::Fr);
        assert_eq!(out.len(), 2, "one e-mail, one SMS");
        let email = &out[0];
        assert_eq!((email.channel, email.kind), ("email", "booked"));
        assert_eq!(email.recipient, "berthe@example.org");
        let text = &email.body_text;
        for expected in [
            "Bonjour Berthe Seconde,",
            "Première injection : mardi 19 janvier 2021 à 14\u{a0}h\u{a0}30",
            "Deuxième injection : mardi 16 février 2021 à 14\u{a0}h\u{a0}30",
            "Centre de vaccination de Besançon, 2 place de l’Église, 25000 Besançon",
            "Référence : U3W3-FGN9",
            "https://creneau.example/reserver/gerer?ref=U3W3-FGN9",
        ] {
            assert!(text.contains(expected), "{expected:?} in\n{text}");
        }
        let html = email.body_html.as_deref().unwrap();
        assert!(html.contains("<html lang=\"fr\">"));
        assert!(html.contains("<a href=\"https://creneau.example/reserver/gerer?ref=U3W3-FGN9\">"));
        assert!(html.contains("l’Église"));
        for m in &out {
            let all = format!("{:?}", m);
            assert!(!all.contains("1940"), "no birth date: {all}");
        }
        assert_eq!(
            email.subject.as_deref(),
            Some("Rendez-vous de vaccination confirmé : mardi 19 janvier 2021 à 14\u{a0}h\u{a0}30")
        );
    }

    #[test]
    fn an_sms_is_gsm7_in_one_segment_going_to_the_mobile_in_international_form() {
        let now = at("2021-01-14T09:00:00+01:00");
        for lang in [Lang::Fr, Lang::En] {
            let out = sent(Event::Booked, lang);
            let sms = out.iter().find(|m| m.channel == "sms").unwrap();
            assert_eq!(sms.recipient, "+33612345678");
            let l = length(&sms.body_text);
            assert_eq!(l.encoding, Encoding::Gsm7, "{}", sms.body_text);
            assert_eq!(l.segments, 1, "{} ({} septets)", sms.body_text, l.units);
            assert!(sms.body_text.contains("U3W3-FGN9"));
        }
        let fr = &sent(Event::Booked, Lang::Fr)[1];
        assert_eq!(
            fr.body_text,
            "Vaccination confirmée : 1re mar. 19/01/2021 14h30, 2e mar. 16/02/2021 14h30. \
             Réf. U3W3-FGN9. Gérer : https://creneau.example/reserver/gerer?ref=U3W3-FGN9",
            "the centre's name left out: with it, two segments"
        );
        let mut short = booking();
        short.centre.name = "Hôpital de Guéret".into();
        let reminder = &messages(
            Event::Reminder(1),
            &short,
            Lang::Fr,
            &channels(),
            paris(),
            now,
        )[1];
        assert!(
            reminder.body_text.contains(", Hopital de Guéret."),
            "room for the centre, folded to GSM-7: {}",
            reminder.body_text
        );
    }

    #[test]
    fn only_mobile_numbers_get_an_sms() {
        assert_eq!(
            mobile_number("06 12 34 56 78").as_deref(),
            Some("+33612345678")
        );
        assert_eq!(
            mobile_number("+33 7 12 34 56 78").as_deref(),
            Some("+33712345678")
        );
        assert_eq!(
            mobile_number("0033612345678").as_deref(),
            Some("+33612345678")
        );
        assert_eq!(mobile_number("01 23 45 67 89"), None, "a landline");
        assert_eq!(mobile_number("+44 7700 900123"), None);
        assert_eq!(mobile_number("0612"), None);
    }

    #[test]
    fn the_reminder_is_at_ten_the_day_before_unless_too_close() {
        let b = booking();
        let now = at("2021-01-14T09:00:00+01:00");
        assert_eq!(
            reminder_time(&b, 1, paris(), now),
            Some(at("2021-01-18T10:00:00+01:00"))
        );
        assert_eq!(
            reminder_time(&b, 2, paris(), now),
            Some(at("2021-02-15T10:00:00+01:00"))
        );
        let late = at("2021-01-18T00:00:00+01:00");
        assert_eq!(reminder_time(&b, 1, paris(), late), None, "ten hours ahead");
        assert!(messages(Event::Reminder(1), &b, Lang::Fr, &channels(), paris(), late).is_empty());
        let reminder = &messages(Event::Reminder(2), &b, Lang::En, &channels(), paris(), now)[0];
        assert_eq!(
            reminder.send_at,
            at("2021-02-15T10:00:00+01:00").timestamp()
        );
        assert_eq!(reminder.dose, Some(2));
        assert!(reminder
            .body_text
            .contains("Second injection: Tuesday 16 February 2021 at 2:30"));
        assert!(
            !reminder.body_text.contains("First injection"),
            "{}",
            reminder.body_text
        );
        assert!(reminder.body_text.contains("?ref=U3W3-FGN9&lang=en"));
    }

    #[test]
    fn no_channel_configured_or_given_no_message() {
        let none = Channels::default();
        let now = at("2021-01-14T09:00:00+01:00");
        assert!(messages(Event::Booked, &booking(), Lang::Fr, &none, paris(), now).is_empty());
        let mut b = booking();
        b.person.email = None;
        b.person.phone = Some("01 23 45 67 89".into());
        assert!(messages(Event::Booked, &b, Lang::Fr, &channels(), paris(), now).is_empty());
    }

    #[test]
    fn a_cancellation_lists_no_appointment_and_no_link_to_change_it() {
        let now = at("2021-01-14T09:00:00+01:00");
        let mut b = booking();
        b.status = "cancelled".into();
        let email = &messages(Event::Cancelled, &b, Lang::Fr, &channels(), paris(), now)[0];
        assert!(email.body_text.contains("est annulé"));
        assert!(!email.body_text.contains("injection :"));
        assert!(email.body_text.contains("Référence : U3W3-FGN9"));
    }
}
