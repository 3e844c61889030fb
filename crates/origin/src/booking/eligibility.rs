//! Who may book: rules read from a TOML file (`config/eligibility.toml`,
//! built in as the default) so a change of policy is a file, not a release.
//! A refusal says why in plain words, in French and English.

use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use creneau_model::booking::{age_on, Message};
use serde::Deserialize;

use crate::messages::{message, message_with};

pub const DEFAULT_FILE: &str = include_str!("../../../../config/eligibility.toml");

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Minimum age in whole years on the day of the first injection.
    pub minimum_age: u32,
    pub public_may_book_professional_centres: bool,
    /// Days after a vaccine's interval within which its second injection
    /// may be given (Pfizer 21 days, window 7: days 21 to 28).
    #[serde(default = "creneau_model::snapshot::default_second_dose_window")]
    pub second_dose_window_days: u32,
}

impl Default for Eligibility {
    fn default() -> Self {
        toml::from_str(DEFAULT_FILE).expect("the built-in eligibility file is valid")
    }
}

impl Eligibility {
    /// What the snapshot tells the app of these rules.
    pub fn rule(&self) -> creneau_model::snapshot::EligibilityRule {
        creneau_model::snapshot::EligibilityRule {
            minimum_age: self.minimum_age,
            second_dose_window_days: self.second_dose_window_days,
        }
    }

    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the eligibility rules {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("{}: not valid eligibility rules", path.display()))
    }

    /// Why the public may not book at this centre, if it may not.
    pub fn centre_refusal(&self, professional_centre: bool) -> Option<Message> {
        (professional_centre && !self.public_may_book_professional_centres)
            .then(|| message("eligibility.professional_centre"))
    }

    /// Why this person may not book this appointment, if they may not.
    /// (A second injection alone is not refused for age: the first one,
    /// given under the rules of its day, decided.)
    pub fn refusal(
        &self,
        birth: NaiveDate,
        first_injection: NaiveDate,
        professional_centre: bool,
    ) -> Option<Message> {
        if let Some(why) = self.centre_refusal(professional_centre) {
            return Some(why);
        }
        let age = age_on(birth, first_injection);
        if age < self.minimum_age as i32 {
            let min = self.minimum_age;
            return Some(message_with(
                "eligibility.too_young",
                &[("min", min.into()), ("age", age.into())],
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_launch_rules() {
        let rules = Eligibility::default();
        assert_eq!(rules.minimum_age, 75);
        let day = NaiveDate::from_ymd_opt(2021, 1, 20).unwrap();
        let born = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            rules.refusal(born(1946, 1, 20), day, false),
            None,
            "75 that very day"
        );
        let refused = rules.refusal(born(1946, 1, 21), day, false).unwrap();
        assert!(refused.fr.contains("aura 74 ans"), "{}", refused.fr);
        assert!(rules
            .refusal(born(1930, 1, 1), day, true)
            .unwrap()
            .en
            .contains("health professionals"));
        let relaxed: Eligibility =
            toml::from_str("minimum_age = 70\npublic_may_book_professional_centres = true")
                .unwrap();
        assert_eq!(relaxed.refusal(born(1950, 1, 1), day, true), None);
        assert!(
            toml::from_str::<Eligibility>("minimum_age = 75\nminimum_agee = 3").is_err(),
            "a misspelt rule is refused"
        );
    }
}
