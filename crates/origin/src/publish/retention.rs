//! Which files of a snapshot may go: those no pointer has named for longer
//! than the grace period. The same rule for the local folder and for
//! object storage, so a reader holding an old pointer finds everything it
//! names for `grace` after the pointer moved on.
//!
//! Files are named by their content, so one may stop being named and be
//! named again (a booking cancelled brings its centre's file back): a file
//! named again is no longer a candidate. What was named before this
//! process's first publication is not known; everything there but what the
//! first publication names becomes a candidate then (so after a restart or
//! a takeover, files are kept a grace period longer, never shorter).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

/// The state kept between publications, by one publisher, for one place.
#[derive(Debug, Default)]
pub struct Retention {
    /// What the last publication named; `None` before the first.
    previous: Option<HashSet<String>>,
    /// Files no longer named, since when.
    unreferenced: HashMap<String, SystemTime>,
}

impl Retention {
    /// True when [`Retention::published`] needs the list of files present.
    pub fn needs_listing(&self) -> bool {
        self.previous.is_none()
    }

    /// After a pointer naming `referenced` was published at `now`: the
    /// files to delete, those unnamed for `grace` or longer. `listed`, all
    /// the files present, is read only when [`Retention::needs_listing`].
    pub fn published(
        &mut self,
        referenced: HashSet<String>,
        listed: Option<Vec<String>>,
        now: SystemTime,
        grace: Duration,
    ) -> Vec<String> {
        let dropped: Vec<String> = match self.previous.take() {
            Some(previous) => previous
                .into_iter()
                .filter(|p| !referenced.contains(p))
                .collect(),
            None => listed
                .unwrap_or_default()
                .into_iter()
                .filter(|p| !referenced.contains(p))
                .collect(),
        };
        for path in dropped {
            self.unreferenced.entry(path).or_insert(now);
        }
        self.unreferenced.retain(|p, _| !referenced.contains(p));
        let expired: Vec<String> = self
            .unreferenced
            .iter()
            .filter(|(_, since)| now.duration_since(**since).unwrap_or_default() >= grace)
            .map(|(p, _)| p.clone())
            .collect();
        for path in &expired {
            self.unreferenced.remove(path);
        }
        self.previous = Some(referenced);
        expired
    }

    /// Start again as if new: after this publisher lost the lead, another
    /// may have published and deleted files it thinks are there.
    pub fn forget(&mut self) {
        *self = Retention::default();
    }

    /// Files waiting for their grace period to end.
    pub fn waiting(&self) -> usize {
        self.unreferenced.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> HashSet<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn a_file_goes_once_unnamed_for_the_grace_period_and_not_if_named_again() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let minute = Duration::from_secs(60);
        let grace = 5 * minute;
        let mut retention = Retention::default();
        assert!(retention.needs_listing());
        // First publication: an orphan from before is a candidate from now.
        let gone = retention.published(
            set(&["a", "b"]),
            Some(vec!["a".into(), "b".into(), "orphan".into()]),
            t0,
            grace,
        );
        assert!(gone.is_empty());
        assert!(!retention.needs_listing());
        // b is replaced by c; then b comes back before its grace ends.
        assert!(retention
            .published(set(&["a", "c"]), None, t0 + minute, grace)
            .is_empty());
        assert_eq!(retention.waiting(), 2, "orphan and b");
        assert!(retention
            .published(set(&["a", "b"]), None, t0 + 2 * minute, grace)
            .is_empty());
        // The orphan's five minutes are up; c was unnamed a minute ago.
        let mut gone = retention.published(set(&["a", "b"]), None, t0 + 5 * minute, grace);
        gone.sort();
        assert_eq!(gone, ["orphan"]);
        let gone = retention.published(set(&["a", "b"]), None, t0 + 7 * minute, grace);
        assert_eq!(gone, ["c"]);
        assert_eq!(retention.waiting(), 0);
        // No grace: gone at the publication that stops naming it.
        assert_eq!(
            retention.published(set(&["a"]), None, t0 + 8 * minute, Duration::ZERO),
            ["b"]
        );
        retention.forget();
        assert!(retention.needs_listing());
    }
}
