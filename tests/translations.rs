//! The two translation files say the same things: every key of one is in
//! the other, no sentence is empty, and every `{{ value }}` a French
//! sentence uses, its English one uses too (so no value is lost in English).

use std::collections::BTreeMap;

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => panic!("{prefix}: a translation is a string, not {other}"),
    }
}

fn load(locale: &str) -> BTreeMap<String, String> {
    let path = format!("{}/locales/{locale}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = BTreeMap::new();
    flatten("", &json, &mut out);
    out
}

fn placeholders(s: &str) -> Vec<String> {
    let mut names: Vec<String> = s
        .split("{{")
        .skip(1)
        .filter_map(|rest| rest.split("}}").next())
        .map(|n| n.trim().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn french_and_english_have_the_same_keys_and_values() {
    let fr = load("fr");
    let en = load("en");
    let only_fr: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
    assert!(
        only_fr.is_empty() && only_en.is_empty(),
        "only in fr: {only_fr:?}; only in en: {only_en:?}"
    );
    for (key, french) in &fr {
        let english = &en[key];
        assert!(
            !french.trim().is_empty() && !english.trim().is_empty(),
            "{key} is empty"
        );
        assert_eq!(
            placeholders(french),
            placeholders(english),
            "{key}: the values differ"
        );
    }
    assert!(fr.len() > 100, "{} sentences", fr.len());
}
