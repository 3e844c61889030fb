//! E-mail over SMTP with `lettre`: the relay, port, TLS mode and
//! credentials an operator gives (`creneau serve --smtp-relay …`), one
//! pooled connection reused between messages. Each message is plain text
//! and HTML (multipart/alternative), and its Message-ID is the outbox row's
//! id, so a resend after a crash is recognisable as the same message. A
//! booking's messages are transactional: no List-Unsubscribe. An alert's
//! carry `List-Unsubscribe` and `List-Unsubscribe-Post:
//! List-Unsubscribe=One-Click` (RFC 8058), so a mail client offers to end
//! it in one click.

use std::time::Duration;

use anyhow::Context;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Delivery;
use crate::store::outbox::Claimed;

/// How the connection to the relay is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMode {
    /// Plain text: a relay on the same host or a private network only.
    None,
    /// STARTTLS required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// What an operator sets for e-mail.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub relay: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<String>,
    /// `Créneau <rendez-vous@creneau.example>`.
    pub from: String,
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of Message-IDs: the sender's.
    domain: String,
}

impl Mailer {
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .from
            .parse()
            .with_context(|| format!("--mail-from {:?} is not an e-mail address", config.from))?;
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(TlsParameters::new(config.relay.clone())?),
            TlsMode::Tls => Tls::Wrapper(TlsParameters::new(config.relay.clone())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.relay)
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)))
            // One connection per delivery in flight, kept between messages.
            .pool_config(PoolConfig::new().max_size(super::IN_FLIGHT as u32));
        if let (Some(user), Some(password)) = (&config.user, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            domain: from.email.domain().to_string(),
            from,
        })
    }

    pub async fn send(&self, message: &Claimed) -> Delivery {
        let to: Mailbox = match message.recipient.parse() {
            Ok(to) => to,
            // Checked at booking; a row that still fails will never go.
            Err(_) => return Delivery::Refused("the recipient is not an e-mail address".into()),
        };
        let mut email = Message::builder();
        if let Some(url) = &message.unsubscribe {
            email = email
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_string(),
                ));
        }
        let email = email
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone().unwrap_or_default())
            .message_id(Some(format!("<{}@{}>", message.id, self.domain)))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(message.body_text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(message.body_html.clone().unwrap_or_default()),
                    ),
            );
        let email = match email {
            Ok(email) => email,
            Err(e) => return Delivery::Refused(format!("the message cannot be built: {e}")),
        };
        match self.transport.send(email).await {
            Ok(_) => Delivery::Sent,
            // Only the reply code is kept: a relay's text may quote the
            // address. A permanent refusal (5xx: no such mailbox, refused
            // content) will not change by trying again.
            Err(e) => {
                let why = match e.status() {
                    Some(code) => format!("SMTP {code}"),
                    None if e.is_timeout() => "SMTP timeout".to_string(),
                    None => "SMTP connection failed".to_string(),
                };
                if e.is_permanent() {
                    Delivery::Refused(why)
                } else {
                    Delivery::Failed(why)
                }
            }
        }
    }
}
