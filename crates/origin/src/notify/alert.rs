//! What an alert's messages say ("Me prévenir"), from the texts under
//! `alert` in `locales/api/*.json`: the opt-in message with its
//! confirmation link (the only message sent before it is followed), and
//! the message that places are free, with a link to the centre's page and
//! a one-click unsubscribe link (in the text, and for e-mail also as
//! `List-Unsubscribe` with `List-Unsubscribe-Post`, RFC 8058).

use chrono::{DateTime, Utc};
use creneau_model::alerts::Opening;
use creneau_model::format::Lang;
use creneau_model::sms::gsm7_folded;
use creneau_model::snapshot::vaccine_name;

use super::compose::{email_from, new_id, Email};
use crate::messages::{text_in, Value};
use crate::store::outbox::NewMessage;

/// What an alert watches, as its messages name it.
#[derive(Clone, Debug)]
pub enum Watched {
    /// A place's name and a radius in km.
    Near(String, u32),
    /// A centre's name and commune.
    Centre(String, String),
}

/// Where an alert's messages go and what they say it watches.
#[derive(Clone, Debug)]
pub struct AlertNotice<'a> {
    pub alert_id: &'a str,
    pub channel: &'static str,
    pub recipient: &'a str,
    pub lang: Lang,
    pub watched: &'a Watched,
    pub vaccine: Option<&'a str>,
    /// The service's public address, no trailing slash.
    pub public_url: &'a str,
}

fn lang_query(lang: Lang, first: bool) -> &'static str {
    match (lang, first) {
        (Lang::En, true) => "?lang=en",
        (Lang::En, false) => "&lang=en",
        _ => "",
    }
}

/// The page that confirms an alert (a button: a link scanner that
/// follows links does not confirm it).
pub fn confirm_link(public_url: &str, token: &str, lang: Lang) -> String {
    format!(
        "{public_url}/reserver/alerte/confirmer?token={token}{}",
        lang_query(lang, false)
    )
}

/// The page that ends an alert (a button, as above).
pub fn stop_link(public_url: &str, token: &str, lang: Lang) -> String {
    format!(
        "{public_url}/reserver/alerte/arreter?token={token}{}",
        lang_query(lang, false)
    )
}

/// The address a mail client POSTs to for a one-click unsubscribe.
pub fn one_click_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/api/v1/alerts/unsubscribe?token={token}")
}

impl AlertNotice<'_> {
    fn line(&self, key: &str, values: &[(&str, Value)]) -> String {
        text_in(self.lang, key, values)
    }

    /// "à moins de 20 km de Metz, vaccin Pfizer-BioNTech"
    fn what(&self) -> String {
        let place = match self.watched {
            Watched::Near(place, radius) => self.line(
                "alert.what.near",
                &[
                    ("place", place.as_str().into()),
                    ("radius", radius.to_string().into()),
                ],
            ),
            Watched::Centre(name, commune) => self.line(
                "alert.what.centre",
                &[
                    ("name", name.as_str().into()),
                    ("commune", commune.as_str().into()),
                ],
            ),
        };
        match self.vaccine {
            Some(v) => {
                place + &self.line("alert.what.vaccine", &[("vaccine", vaccine_name(v).into())])
            }
            None => place,
        }
    }

    fn row(
        &self,
        kind: &'static str,
        email: Email,
        sms: String,
        unsubscribe: Option<String>,
        now: DateTime<Utc>,
    ) -> NewMessage {
        let (subject, body_text, body_html, unsubscribe) = if self.channel == "email" {
            (
                Some(email.subject),
                email.text,
                Some(email.html),
                unsubscribe,
            )
        } else {
            (None, gsm7_folded(&sms), None, None)
        };
        NewMessage {
            id: new_id(),
            reference: self.alert_id.to_string(),
            kind,
            dose: None,
            channel: self.channel,
            recipient: self.recipient.to_string(),
            subject,
            body_text,
            body_html,
            send_at: now.timestamp(),
            created_at: now.timestamp(),
            unsubscribe,
        }
    }

    /// The opt-in message: what was asked, the link that confirms it, and
    /// that nothing is sent otherwise.
    pub fn confirmation(&self, token: &str, now: DateTime<Utc>) -> NewMessage {
        let link = confirm_link(self.public_url, token, self.lang);
        let what = self.what();
        let blocks = vec![
            vec![self.line("alert.intro.confirm", &[("what", what.as_str().into())])],
            vec![self.line("alert.confirm_link", &[("link", link.as_str().into())])],
            vec![self.line("alert.not_you", &[])],
            vec![self.line("alert.automatic", &[])],
        ];
        let sms = self.line("alert.sms.confirm", &[("link", link.as_str().into())]);
        let subject = self.line("alert.subject.confirm", &[]);
        let email = email_from(self.lang, subject, &blocks, &[&link]);
        self.row("alert_confirm", email, sms, None, now)
    }

    /// Places are free: where (one centre that has them), the link to its
    /// page, when the alert ends, and how to end it now.
    pub fn opening(
        &self,
        centre: &Opening,
        stop_token: &str,
        expires: chrono::NaiveDate,
        now: DateTime<Utc>,
    ) -> NewMessage {
        let what = self.what();
        let book = format!(
            "{}/centre/{}{}",
            self.public_url,
            centre.centre,
            lang_query(self.lang, true)
        );
        let stop = stop_link(self.public_url, stop_token, self.lang);
        let blocks = vec![
            vec![self.line("alert.intro.opening", &[("what", what.as_str().into())])],
            vec![
                self.line(
                    "alert.centre",
                    &[
                        ("name", centre.name.as_str().into()),
                        ("commune", centre.commune.as_str().into()),
                    ],
                ),
                self.line("alert.book", &[("link", book.as_str().into())]),
            ],
            vec![
                self.line("alert.once", &[("date", expires.into())]),
                self.line("alert.stop", &[("link", stop.as_str().into())]),
            ],
            vec![self.line("alert.automatic", &[])],
        ];
        let sms = self.line(
            "alert.sms.opening",
            &[
                ("what", what.as_str().into()),
                ("link", book.as_str().into()),
                ("stop", stop.as_str().into()),
            ],
        );
        let subject = self.line("alert.subject.opening", &[("what", what.as_str().into())]);
        let one_click = one_click_link(self.public_url, stop_token);
        let email = email_from(self.lang, subject, &blocks, &[&book, &stop]);
        self.row("alert", email, sms, Some(one_click), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_message_names_the_place_links_the_centre_and_unsubscribes_in_one_click() {
        let watched = Watched::Near("Metz".into(), 20);
        let notice = AlertNotice {
            alert_id: "a1",
            channel: "email",
            recipient: "jeanne@example.fr",
            lang: Lang::Fr,
            watched: &watched,
            vaccine: Some("pfizer"),
            public_url: "https://creneau.example",
        };
        let centre = Opening {
            centre: "57-001".into(),
            name: "Centre de Metz".into(),
            commune: "Metz".into(),
            lat: 49.1,
            lon: 6.2,
            vaccines: vec!["pfizer".into()],
        };
        let now = Utc::now();
        let expires = chrono::NaiveDate::from_ymd_opt(2021, 2, 14).unwrap();
        let m = notice.opening(&centre, "STOP", expires, now);
        assert_eq!(m.kind, "alert");
        let subject = m.subject.unwrap();
        assert!(subject.contains("à moins de 20 km de Metz"), "{subject}");
        assert!(subject.contains("Pfizer"), "{subject}");
        assert!(
            m.body_text
                .contains("https://creneau.example/centre/57-001\n"),
            "{}",
            m.body_text
        );
        assert!(m
            .body_text
            .contains("https://creneau.example/reserver/alerte/arreter?token=STOP"));
        assert!(m.body_text.contains("14 février 2021"), "{}", m.body_text);
        assert_eq!(
            m.unsubscribe.as_deref(),
            Some("https://creneau.example/api/v1/alerts/unsubscribe?token=STOP")
        );
        let html = m.body_html.unwrap();
        assert!(html
            .contains("<a href=\"https://creneau.example/reserver/alerte/arreter?token=STOP\">"));

        let sms = AlertNotice {
            channel: "sms",
            recipient: "+33612345678",
            ..notice
        };
        let token = "0123456789abcdef0123456789abcdef";
        let c = sms.confirmation(token, now);
        assert_eq!(c.kind, "alert_confirm");
        assert!(c.unsubscribe.is_none() && c.subject.is_none());
        assert!(c.body_text.contains(&format!(
            "https://creneau.example/reserver/alerte/confirmer?token={token}"
        )));
        assert_eq!(
            creneau_model::sms::length(&c.body_text).segments,
            1,
            "{}",
            c.body_text
        );
    }
}
