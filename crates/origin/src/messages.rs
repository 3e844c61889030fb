//! The API's messages, in French and English, read from
//! `locales/api/fr.json` and `locales/api/en.json`, beside the app's own
//! locale files and in their form (nested keys, `{{ name }}` for a value):
//! a translator edits one file per language, and the code names each
//! message by its key (`"booking.slot_passed"`).
//!
//! The files are built into the binary. A test checks that both languages
//! have the same keys and values, and that every key the code names exists.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use creneau_model::booking::Message;
use creneau_model::format::{date_with_year, Lang};

const FRENCH: &str = include_str!("../../../locales/api/fr.json");
const ENGLISH: &str = include_str!("../../../locales/api/en.json");

/// `"area.key"` → text, for one language.
type Catalogue = HashMap<String, String>;

fn flattened(prefix: &str, value: &serde_json::Value, out: &mut Catalogue) {
    match value {
        serde_json::Value::Object(entries) => {
            for (key, value) in entries {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flattened(&path, value, out);
            }
        }
        serde_json::Value::String(text) => {
            out.insert(prefix.to_string(), text.clone());
        }
        other => panic!("{prefix}: a message is text, not {other}"),
    }
}

fn catalogue(json: &str) -> Catalogue {
    let value: serde_json::Value =
        serde_json::from_str(json).expect("the API's locale files are valid JSON");
    let mut out = Catalogue::new();
    flattened("", &value, &mut out);
    out
}

static CATALOGUES: LazyLock<(Catalogue, Catalogue)> =
    LazyLock::new(|| (catalogue(FRENCH), catalogue(ENGLISH)));

/// A value put into a message: text as is, or a date written in words in
/// each language ("le 3 février 2021", "3 February 2021").
pub enum Value {
    Text(String),
    Date(NaiveDate),
}

impl From<&str> for Value {
    fn from(t: &str) -> Self {
        Value::Text(t.to_string())
    }
}

impl From<String> for Value {
    fn from(t: String) -> Self {
        Value::Text(t)
    }
}

impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Self {
        Value::Date(d)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Text(n.to_string())
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Text(n.to_string())
    }
}

impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Text(n.to_string())
    }
}

fn filled(template: &str, values: &[(&str, Value)], lang: Lang) -> String {
    let mut text = template.to_string();
    for (name, value) in values {
        let value = match value {
            Value::Text(t) => t.clone(),
            Value::Date(d) => date_with_year(*d, lang),
        };
        text = text.replace(&format!("{{{{ {name} }}}}"), &value);
    }
    text
}

/// The message `key` in both languages, its `{{ name }}` values filled.
/// A key missing from a file (which the tests rule out) shows as the key,
/// rather than failing the request.
pub fn message_with(key: &str, values: &[(&str, Value)]) -> Message {
    let (fr, en) = &*CATALOGUES;
    let text = |catalogue: &Catalogue, lang| match catalogue.get(key) {
        Some(template) => filled(template, values, lang),
        None => {
            tracing::error!(key, "no such API message");
            key.to_string()
        }
    };
    Message::new(text(fr, Lang::Fr), text(en, Lang::En))
}

/// The message `key` in one language, its `{{ name }}` values filled (for
/// the messages sent to people, written in their booking's language).
pub fn text_in(lang: Lang, key: &str, values: &[(&str, Value)]) -> String {
    let (fr, en) = &*CATALOGUES;
    let catalogue = if lang == Lang::En { en } else { fr };
    match catalogue.get(key) {
        Some(template) => filled(template, values, lang),
        None => {
            tracing::error!(key, "no such API message");
            key.to_string()
        }
    }
}

/// The message `key` in both languages.
pub fn message(key: &str) -> Message {
    message_with(key, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `{{ name }}` values a message takes, in order of first use.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text
            .split("{{")
            .skip(1)
            .filter_map(|rest| rest.split_once("}}").map(|(name, _)| name.trim()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    #[test]
    fn both_languages_have_the_same_messages_and_values() {
        let (fr, en) = &*CATALOGUES;
        let mut keys: Vec<_> = fr.keys().collect();
        keys.sort();
        let mut english: Vec<_> = en.keys().collect();
        english.sort();
        assert_eq!(keys, english, "the same keys in fr.json and en.json");
        for key in keys {
            assert_eq!(
                placeholders(&fr[key]),
                placeholders(&en[key]),
                "{key}: the same values in both languages"
            );
            assert_ne!(fr[key], en[key], "{key}: translated");
        }
    }

    #[test]
    fn every_message_the_code_names_exists() {
        let (fr, _) = &*CATALOGUES;
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut named = Vec::new();
        let mut dirs = vec![src];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let code = std::fs::read_to_string(&path).unwrap();
                    for call in ["message(", "message_with(", "text_in(lang, ", "line("] {
                        for rest in code.split(call).skip(1) {
                            // The key: a string literal, perhaps on the next line.
                            if let Some(literal) = rest.trim_start().strip_prefix('"') {
                                let key = literal.split('"').next().unwrap().to_string();
                                named.push((path.display().to_string(), key));
                            }
                        }
                    }
                }
            }
        }
        assert!(named.len() > 30, "the code names its messages by key");
        for (file, key) in named {
            if key.is_empty() || key.contains(' ') {
                continue; // this module's own calls, in its docs and tests
            }
            assert!(
                fr.contains_key(&key),
                "{file} names {key}, which is in no locale file"
            );
        }
    }

    #[test]
    fn values_are_filled_and_dates_written_in_each_language() {
        let m = message_with(
            "booking.second_outside_window",
            &[
                ("from", NaiveDate::from_ymd_opt(2021, 2, 8).unwrap().into()),
                ("to", NaiveDate::from_ymd_opt(2021, 2, 15).unwrap().into()),
            ],
        );
        assert!(m.fr.contains("8 février 2021"), "{}", m.fr);
        assert!(m.en.contains("8 February 2021"), "{}", m.en);
        assert!(!m.fr.contains("{{") && !m.en.contains("{{"));
    }
}
