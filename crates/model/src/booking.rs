//! Booking: the request and answer of the booking API, the checks on what a
//! person typed (one message per field, French and English, shared by the
//! API and the app so both say the same thing), the eligibility rule, and
//! booking references (`K7P4-QX9M`: easy to read aloud and to type).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A sentence in both languages of the service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub fr: String,
    pub en: String,
}

impl Message {
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Message {
            fr: fr.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: crate::format::Lang) -> &str {
        match lang {
            crate::format::Lang::Fr => &self.fr,
            crate::format::Lang::En => &self.en,
        }
    }
}

/// One field's problem: the field's path in the request and the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: Message,
}

/// Who is making the booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookedBy {
    /// The person to be vaccinated.
    #[serde(rename = "self")]
    Myself,
    /// Someone booking for them (family, neighbour, town-hall helper).
    Helper,
}

/// The person to be vaccinated: the minimum the centre needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `POST /api/v1/bookings`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    pub centre: String,
    /// The first injection's slot, RFC 3339 as published in the snapshot;
    /// with `first_injection_date`, the second injection's slot.
    pub slot: String,
    pub vaccine: String,
    pub person: Person,
    pub booked_by: BookedBy,
    /// The second injection's slot the person chose; without it, the free
    /// slot nearest the first's time on the first day of the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_slot: Option<String>,
    /// `YYYY-MM-DD`: the first injection was given elsewhere on this day
    /// (same vaccine); `slot` is then the second injection, booked alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_injection_date: Option<String>,
    /// `fr` (when absent) or `en`: the language of the messages the
    /// booking sends (confirmation, reminders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// One injection of a booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// 1 or 2.
    pub dose: u8,
    /// RFC 3339 with the centre's UTC offset.
    pub at: String,
}

/// The centre as a confirmation shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingCentre {
    pub id: String,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub commune: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A booking as the API returns it (201, lookup, cancel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub reference: String,
    /// `confirmed` or `cancelled`.
    pub status: String,
    pub centre: BookingCentre,
    pub vaccine: String,
    pub appointments: Vec<Appointment>,
    pub person: Person,
    pub booked_by: BookedBy,
    /// `YYYY-MM-DD` of a first injection given elsewhere: `appointments`
    /// then holds the second only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_injection_date: Option<String>,
    /// The second injection was cancelled on its own; the first stands.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub second_cancelled: bool,
}

impl Booking {
    /// The appointment for a dose, if this booking holds one.
    pub fn appointment(&self, dose: u8) -> Option<&Appointment> {
        self.appointments.iter().find(|a| a.dose == dose)
    }
}

/// `POST /api/v1/bookings/{reference}/lookup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceCheck {
    pub birth_date: String,
}

/// `POST /api/v1/bookings/{reference}/cancel`: the whole booking, or with
/// `dose: 2` the second injection only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub birth_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<u8>,
}

/// `POST /api/v1/bookings/{reference}/move`: one appointment to another
/// slot at the same centre, under the same rules as booking it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    pub birth_date: String,
    /// 1 or 2.
    pub dose: u8,
    /// The new slot, as in a booking request.
    pub slot: String,
}

/// The error body of every 4xx/5xx answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiProblem {
    /// Machine-readable: `invalid`, `slot_taken`, `not_eligible`,
    /// `already_booked`, `not_found`, `rate_limited`, `overloaded`…
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
    /// For `slot_taken`: free times at the same centre for the injection
    /// that could not be had (`dose`), nearest the chosen one first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// For `slot_taken`: which injection the alternatives are for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

pub const NAME_MAX: usize = 100;
pub const PHONE_MAX: usize = 20;
pub const EMAIL_MAX: usize = 254;

fn problem(field: &str, fr: impl Into<String>, en: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_string(),
        message: Message::new(fr, en),
    }
}

/// A first or last name: present, not too long, no control characters,
/// at least one letter. Everything else people's names contain is allowed.
pub fn check_name(field: &str, value: &str, first: bool) -> Option<FieldProblem> {
    let (fr_what, en_what) = if first {
        ("le prénom", "the first name")
    } else {
        ("le nom de famille", "the last name")
    };
    let v = value.trim();
    if v.is_empty() {
        return Some(problem(
            field,
            format!("Saisissez {fr_what}"),
            format!("Enter {en_what}"),
        ));
    }
    if v.chars().count() > NAME_MAX {
        return Some(problem(
            field,
            format!(
                "{} doit comporter {NAME_MAX} caractères au plus",
                capitalise(fr_what)
            ),
            format!(
                "{} must be {NAME_MAX} characters or fewer",
                capitalise(en_what)
            ),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>' | '{' | '}'))
        || !v.chars().any(char::is_alphabetic)
    {
        return Some(problem(
            field,
            format!("{} ne doit contenir que des lettres, des espaces, des traits d’union et des apostrophes", capitalise(fr_what)),
            format!("{} must only include letters, spaces, hyphens and apostrophes", capitalise(en_what)),
        ));
    }
    None
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A date of birth typed in three fields, the GOV.UK way: each missing or
/// wrong part named, dates that do not exist and future dates refused.
pub fn birth_date_from_parts(
    day: &str,
    month: &str,
    year: &str,
    today: NaiveDate,
) -> Result<NaiveDate, Message> {
    let date = date_from_parts(
        day,
        month,
        year,
        ("la date de naissance", "the date of birth"),
    )?;
    check_birth_date(date, today)?;
    Ok(date)
}

/// The date of a first injection given elsewhere, typed in three fields:
/// a real date, today or before, not before the campaign began.
pub fn first_dose_date_from_parts(
    day: &str,
    month: &str,
    year: &str,
    today: NaiveDate,
) -> Result<NaiveDate, Message> {
    let date = date_from_parts(
        day,
        month,
        year,
        (
            "la date de la première injection",
            "the date of the first injection",
        ),
    )?;
    if date > today {
        return Err(Message::new(
            "La date de la première injection doit être aujourd’hui ou dans le passé",
            "The date of the first injection must be today or in the past",
        ));
    }
    if date.year() < 2020 {
        return Err(Message::new(
            "Vérifiez l’année de la première injection",
            "Check the year of the first injection",
        ));
    }
    Ok(date)
}

/// A date typed in three fields; `what` names it in each language
/// ("la date de naissance", "the date of birth") in the messages.
fn date_from_parts(
    day: &str,
    month: &str,
    year: &str,
    (what_fr, what_en): (&str, &str),
) -> Result<NaiveDate, Message> {
    let (d, m, y) = (day.trim(), month.trim(), year.trim());
    let (what_fr_cap, what_en_cap) = (capitalise(what_fr), capitalise(what_en));
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Err(Message::new(
            format!("Saisissez {what_fr}"),
            format!("Enter {what_en}"),
        ));
    }
    let missing: Vec<(&str, &str)> = [
        (d, ("un jour", "a day")),
        (m, ("un mois", "a month")),
        (y, ("une année", "a year")),
    ]
    .into_iter()
    .filter(|(v, _)| v.is_empty())
    .map(|(_, w)| w)
    .collect();
    if let Some((fr, en)) = missing.first() {
        return Err(Message::new(
            format!("{what_fr_cap} doit comporter {fr}"),
            format!("{what_en_cap} must include {en}"),
        ));
    }
    let number = |s: &str| {
        s.parse::<u32>()
            .ok()
            .filter(|_| s.chars().all(|c| c.is_ascii_digit()))
    };
    let (Some(dn), Some(mn), Some(yn)) = (number(d), number(m), number(y)) else {
        return Err(Message::new(
            format!("{what_fr_cap} doit être une vraie date, en chiffres"),
            format!("{what_en_cap} must be a real date, in numbers"),
        ));
    };
    if y.len() != 4 {
        return Err(Message::new(
            "L’année doit comporter 4 chiffres, par exemple 1942",
            "The year must include 4 numbers, for example 1942",
        ));
    }
    NaiveDate::from_ymd_opt(yn as i32, mn, dn).ok_or_else(|| {
        Message::new(
            format!("{what_fr_cap} doit être une vraie date"),
            format!("{what_en_cap} must be a real date"),
        )
    })
}

/// A birth date in the past and not before 1900.
pub fn check_birth_date(date: NaiveDate, today: NaiveDate) -> Result<(), Message> {
    if date > today {
        return Err(Message::new(
            "La date de naissance doit être dans le passé",
            "The date of birth must be in the past",
        ));
    }
    if date.year() < 1900 {
        return Err(Message::new(
            "Vérifiez l’année de naissance",
            "Check the year of birth",
        ));
    }
    Ok(())
}

/// A calendar date as the API takes it: exactly `YYYY-MM-DD`, nothing
/// around it. chrono's own parser also takes `1940-1-2` and `+1940-03-04`;
/// a date stored in such a form could never be looked up again.
pub fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    shaped
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

/// The message for a date that is not `YYYY-MM-DD`.
pub fn not_an_iso_date() -> Message {
    Message::new(
        "La date de naissance doit être une vraie date, écrite AAAA-MM-JJ (par exemple 1942-03-21)",
        "The date of birth must be a real date, written YYYY-MM-DD (for example 1942-03-21)",
    )
}

/// An optional phone number: digits with spaces, dots, dashes, a leading +.
pub fn check_phone(field: &str, value: &str) -> Option<FieldProblem> {
    let v = value.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-') || (c == '+' && i == 0));
    if v.len() > PHONE_MAX || !allowed || !(10..=15).contains(&digits) {
        return Some(problem(
            field,
            "Saisissez un numéro de téléphone comme 06 12 34 56 78 ou +33 6 12 34 56 78",
            "Enter a phone number like 06 12 34 56 78 or +33 6 12 34 56 78",
        ));
    }
    None
}

/// An optional email address: something@domain.tld, within the RFC's length.
pub fn check_email(field: &str, value: &str) -> Option<FieldProblem> {
    let v = value.trim();
    let ok = v.len() <= EMAIL_MAX
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    (!ok).then(|| {
        problem(
            field,
            "Saisissez une adresse e-mail comme nom@exemple.fr",
            "Enter an email address like name@example.com",
        )
    })
}

/// A slot as sent: an instant with its offset, or the centre's own wall
/// clock (`YYYY-MM-DDTHH:MM`), which is what the person saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotTime {
    Instant(chrono::DateTime<chrono::FixedOffset>),
    Local(chrono::NaiveDateTime),
}

pub fn parse_slot(s: &str) -> Option<SlotTime> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(SlotTime::Instant)
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
                .ok()
                .map(SlotTime::Local)
        })
}

/// Every problem with a request's fields (not the store's view of it).
pub fn check_request(req: &BookingRequest, today: NaiveDate) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let id_ok = !req.centre.is_empty()
        && req.centre.len() <= 64
        && req
            .centre
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !id_ok {
        out.push(problem("centre", "Centre inconnu", "Unknown centre"));
    }
    if parse_slot(&req.slot).is_none() {
        out.push(problem("slot", "Choisissez un créneau", "Choose a slot"));
    }
    if req
        .second_slot
        .as_deref()
        .is_some_and(|s| parse_slot(s).is_none())
    {
        out.push(problem(
            "second_slot",
            "Choisissez un créneau pour la deuxième injection",
            "Choose a slot for the second injection",
        ));
    }
    if let Some(first) = &req.first_injection_date {
        match parse_iso_date(first) {
            None => out.push(problem(
                "first_injection_date",
                "La date de la première injection doit être une vraie date, écrite AAAA-MM-JJ (par exemple 2021-01-05)",
                "The date of the first injection must be a real date, written YYYY-MM-DD (for example 2021-01-05)",
            )),
            Some(date) if date > today => out.push(problem(
                "first_injection_date",
                "La date de la première injection doit être aujourd’hui ou dans le passé",
                "The date of the first injection must be today or in the past",
            )),
            Some(_) => {}
        }
        if req.second_slot.is_some() {
            out.push(problem(
                "second_slot",
                "Une deuxième injection seule n’a qu’un créneau : retirez second_slot",
                "A second injection alone has one slot: remove second_slot",
            ));
        }
    }
    if req
        .lang
        .as_deref()
        .is_some_and(|l| crate::format::Lang::from_code(l).is_none())
    {
        out.push(problem(
            "lang",
            "La langue des messages doit être fr ou en",
            "The language of messages must be fr or en",
        ));
    }
    if !crate::snapshot::known_vaccines()
        .iter()
        .any(|v| v.code == req.vaccine)
    {
        out.push(problem(
            "vaccine",
            "Choisissez un vaccin",
            "Choose a vaccine",
        ));
    }
    out.extend(check_name(
        "person.first_name",
        &req.person.first_name,
        true,
    ));
    out.extend(check_name("person.last_name", &req.person.last_name, false));
    let birth = parse_iso_date(&req.person.birth_date)
        .ok_or_else(not_an_iso_date)
        .and_then(|date| check_birth_date(date, today));
    if let Err(message) = birth {
        out.push(FieldProblem {
            field: "person.birth_date".into(),
            message,
        });
    }
    if let Some(p) = req.person.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        out.extend(check_phone("person.phone", p));
    }
    if let Some(e) = req.person.email.as_deref().filter(|e| !e.trim().is_empty()) {
        out.extend(check_email("person.email", e));
    }
    out
}

/// Age in whole years on a date.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The letters of references: no 0/O, no 1/I, so what is read aloud is
/// what is typed. 32 symbols: 5 bits each.
pub const REFERENCE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A reference from 40 random bits: eight symbols shown as `XXXX-XXXX`.
pub fn reference_from_bits(bits: u64) -> String {
    let mut out = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            out.push('-');
        }
        let index = (bits >> (35 - 5 * i)) & 31;
        out.push(REFERENCE_ALPHABET[index as usize] as char);
    }
    out
}

/// A reference as typed ("k7p4 qx9m", "K7P4QX9M") in its canonical form,
/// or `None` when it cannot be one.
pub fn normalise_reference(typed: &str) -> Option<String> {
    let symbols: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (symbols.len() == 8 && symbols.bytes().all(|b| REFERENCE_ALPHABET.contains(&b)))
        .then(|| format!("{}-{}", &symbols[..4], &symbols[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 1, 18).unwrap()
    }

    #[test]
    fn birth_dates_in_three_fields() {
        assert_eq!(
            birth_date_from_parts("2", "3", "1940", today()),
            Ok(NaiveDate::from_ymd_opt(1940, 3, 2).unwrap())
        );
        let err = |d, m, y| birth_date_from_parts(d, m, y, today()).unwrap_err().fr;
        assert_eq!(err("", "", ""), "Saisissez la date de naissance");
        assert_eq!(
            err("2", "", "1940"),
            "La date de naissance doit comporter un mois"
        );
        assert_eq!(
            err("", "3", "1940"),
            "La date de naissance doit comporter un jour"
        );
        assert_eq!(
            err("31", "2", "1940"),
            "La date de naissance doit être une vraie date"
        );
        assert_eq!(
            err("29", "2", "1941"),
            "La date de naissance doit être une vraie date"
        );
        assert!(
            birth_date_from_parts("29", "2", "1940", today()).is_ok(),
            "a leap year"
        );
        assert_eq!(
            err("2", "3", "40"),
            "L’année doit comporter 4 chiffres, par exemple 1942"
        );
        assert_eq!(
            err("2", "mars", "1940"),
            "La date de naissance doit être une vraie date, en chiffres"
        );
        assert_eq!(
            err("1", "1", "2030"),
            "La date de naissance doit être dans le passé"
        );
        assert_eq!(err("1", "1", "1850"), "Vérifiez l’année de naissance");
        assert_eq!(
            birth_date_from_parts("", "", "", today()).unwrap_err().en,
            "Enter the date of birth"
        );
    }

    #[test]
    fn first_injection_dates_in_three_fields() {
        let err = |d, m, y| first_dose_date_from_parts(d, m, y, today()).unwrap_err().fr;
        assert_eq!(
            first_dose_date_from_parts("5", "1", "2021", today()),
            Ok(NaiveDate::from_ymd_opt(2021, 1, 5).unwrap())
        );
        assert_eq!(
            err("", "", ""),
            "Saisissez la date de la première injection"
        );
        assert_eq!(
            err("5", "", "2021"),
            "La date de la première injection doit comporter un mois"
        );
        assert_eq!(
            err("19", "1", "2021"),
            "La date de la première injection doit être aujourd’hui ou dans le passé"
        );
        assert_eq!(
            err("5", "1", "2019"),
            "Vérifiez l’année de la première injection"
        );
    }

    #[test]
    fn iso_dates_exactly() {
        assert_eq!(
            parse_iso_date("1940-03-02"),
            NaiveDate::from_ymd_opt(1940, 3, 2)
        );
        for odd in [
            "1940-1-2",
            "+1940-03-04",
            "1940 -04-05",
            "1940-02-03 ",
            " 1940-02-03",
            "1940/02/03",
            "19400203",
            "1940-02-30",
            "1940-13-01",
            "",
            "1940-02-3x",
            "１９４０-02-03",
        ] {
            assert_eq!(parse_iso_date(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn ages_on_the_appointment_day() {
        let birth = NaiveDate::from_ymd_opt(1946, 1, 20).unwrap();
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2021, 1, 19).unwrap()),
            74
        );
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2021, 1, 20).unwrap()),
            75
        );
    }

    #[test]
    fn names_phones_and_emails() {
        for ok in [
            "Marie",
            "Jean-Marie",
            "N’Diaye",
            "O'Connor",
            "Lê Văn",
            "de La Tour d’Auvergne",
        ] {
            assert_eq!(check_name("f", ok, true), None, "{ok}");
        }
        assert!(check_name("f", "  ", true)
            .unwrap()
            .message
            .fr
            .starts_with("Saisissez le prénom"));
        assert!(check_name("f", &"a".repeat(101), false).is_some());
        assert!(check_name("f", "123", false).is_some());
        assert!(check_name("f", "<script>", false).is_some());
        assert_eq!(check_phone("p", "06 12 34 56 78"), None);
        assert_eq!(check_phone("p", "+33 6 12 34 56 78"), None);
        assert!(check_phone("p", "12").is_some());
        assert!(check_phone("p", "06 12 34 56 7a").is_some());
        assert_eq!(check_email("e", "marie@exemple.fr"), None);
        for bad in [
            "marie",
            "marie@",
            "@exemple.fr",
            "marie@exemple",
            "ma rie@exemple.fr",
        ] {
            assert!(check_email("e", bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn references_read_aloud() {
        assert_eq!(reference_from_bits(0), "2222-2222");
        assert_eq!(reference_from_bits((1 << 40) - 1), "ZZZZ-ZZZZ");
        let r = reference_from_bits(0x12_3456_789A);
        assert_eq!(r.len(), 9);
        assert!(!r.contains(['0', 'O', '1', 'I']));
        assert_eq!(
            normalise_reference(&r.to_lowercase().replace('-', " ")),
            Some(r.clone())
        );
        assert_eq!(normalise_reference("K7P4-QX9M"), Some("K7P4-QX9M".into()));
        assert_eq!(normalise_reference("K7P4-QX9O"), None, "O is not a symbol");
        assert_eq!(normalise_reference("K7P4"), None);
    }
}
