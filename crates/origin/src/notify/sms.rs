//! SMS through an HTTP gateway described in a TOML file
//! (`creneau serve --sms-gateway FILE`): the common shape of French SMS
//! providers' APIs, one request per message.
//!
//! ```toml
//! url = "https://sms.example/v1/messages"
//! method = "POST"                      # or PUT
//! content_type = "application/json"    # or application/x-www-form-urlencoded
//! auth_header = "Authorization"        # optional
//! auth_env = "CRENEAU_SMS_TOKEN"       # the header's value, read from this variable
//! body = '{"to": {{ to }}, "text": {{ text }}, "sender": "Creneau", "reference": {{ id }}}'
//! ```
//!
//! In the body, `{{ to }}` (the number, +33…), `{{ text }}` and `{{ id }}`
//! (the outbox row, for the provider to drop a resend) are written as JSON
//! strings, quotes included, or form-encoded, by the content type. A 2xx
//! answer is sent; 429, 5xx or no answer is tried again later; any other
//! answer is a refusal for good.

use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use super::Delivery;
use crate::store::outbox::Claimed;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    pub url: String,
    #[serde(default = "post")]
    pub method: String,
    pub content_type: String,
    #[serde(default)]
    pub auth_header: Option<String>,
    #[serde(default)]
    pub auth_env: Option<String>,
    pub body: String,
}

fn post() -> String {
    "POST".into()
}

pub struct Gateway {
    client: reqwest::Client,
    config: GatewayConfig,
    method: reqwest::Method,
    json: bool,
    auth: Option<(String, String)>,
}

impl GatewayConfig {
    /// Read and check a gateway file: every problem says what and where.
    pub fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the SMS gateway file {}", path.display()))?;
        let config: GatewayConfig = toml::from_str(&text)
            .with_context(|| format!("{}: not a gateway description", path.display()))?;
        for needed in ["{{ to }}", "{{ text }}"] {
            anyhow::ensure!(
                config.body.contains(needed),
                "{}: body must contain {needed}",
                path.display()
            );
        }
        anyhow::ensure!(
            matches!(config.method.as_str(), "POST" | "PUT"),
            "{}: method must be POST or PUT, not {}",
            path.display(),
            config.method
        );
        anyhow::ensure!(
            matches!(
                config.content_type.as_str(),
                "application/json" | "application/x-www-form-urlencoded"
            ),
            "{}: content_type must be application/json or application/x-www-form-urlencoded",
            path.display()
        );
        anyhow::ensure!(
            config.url.starts_with("https://") || config.url.starts_with("http://"),
            "{}: url must start with https://",
            path.display()
        );
        if let Some(var) = &config.auth_env {
            anyhow::ensure!(
                config.auth_header.is_some(),
                "{}: auth_env needs auth_header",
                path.display()
            );
            anyhow::ensure!(
                std::env::var(var).is_ok(),
                "{}: the variable {var} (auth_env) is not set",
                path.display()
            );
        }
        Ok(config)
    }
}

impl Gateway {
    pub fn new(config: GatewayConfig) -> anyhow::Result<Self> {
        // reqwest is built without a TLS provider of its own (see
        // Cargo.toml); ring's, as main installs it, unless one already is.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        let auth = match (&config.auth_header, &config.auth_env) {
            (Some(header), Some(var)) => Some((header.clone(), std::env::var(var)?)),
            _ => None,
        };
        Ok(Gateway {
            client,
            method: config.method.parse()?,
            json: config.content_type == "application/json",
            config,
            auth,
        })
    }

    /// The request body for a message.
    pub fn body(&self, to: &str, text: &str, id: &str) -> String {
        filled(&self.config.body, self.json, to, text, id)
    }

    pub async fn send(&self, message: &Claimed) -> Delivery {
        let body = self.body(&message.recipient, &message.body_text, &message.id);
        let mut request = self
            .client
            .request(self.method.clone(), &self.config.url)
            .header("Content-Type", &self.config.content_type)
            .body(body);
        if let Some((header, value)) = &self.auth {
            request = request.header(header, value);
        }
        match request.send().await {
            Ok(answer) if answer.status().is_success() => Delivery::Sent,
            Ok(answer)
                if answer.status().is_server_error()
                    || answer.status() == reqwest::StatusCode::TOO_MANY_REQUESTS =>
            {
                Delivery::Failed(format!("gateway {}", answer.status().as_u16()))
            }
            Ok(answer) => Delivery::Refused(format!("gateway {}", answer.status().as_u16())),
            Err(e) if e.is_timeout() => Delivery::Failed("gateway timeout".into()),
            Err(_) => Delivery::Failed("gateway unreachable".into()),
        }
    }
}

fn filled(template: &str, json: bool, to: &str, text: &str, id: &str) -> String {
    let value = |v: &str| {
        if json {
            serde_json::Value::String(v.to_string()).to_string()
        } else {
            form_urlencoded::byte_serialize(v.as_bytes()).collect()
        }
    };
    template
        .replace("{{ to }}", &value(to))
        .replace("{{ text }}", &value(text))
        .replace("{{ id }}", &value(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_json_strings_or_form_encoded() {
        let json = filled(
            r#"{"to": {{ to }}, "text": {{ text }}, "ref": {{ id }}}"#,
            true,
            "+33612345678",
            "Réf. \"A\"\nGérer : https://x/?ref=A&lang=en",
            "ab12",
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            parsed["text"],
            "Réf. \"A\"\nGérer : https://x/?ref=A&lang=en"
        );
        assert_eq!(parsed["to"], "+33612345678");
        assert_eq!(parsed["ref"], "ab12");
        let form = filled(
            "to={{ to }}&msg={{ text }}",
            false,
            "+33612345678",
            "a b&é",
            "x",
        );
        assert_eq!(form, "to=%2B33612345678&msg=a+b%26%C3%A9");
    }

    #[test]
    fn a_gateway_file_missing_the_text_is_refused_saying_where() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sms.toml");
        std::fs::write(
            &path,
            "url = \"https://sms.example\"\ncontent_type = \"application/json\"\nbody = '{\"to\": {{ to }}}'\n",
        )
        .unwrap();
        let e = GatewayConfig::read(&path).unwrap_err().to_string();
        assert!(e.contains("sms.toml") && e.contains("{{ text }}"), "{e}");
    }
}
