//! Keeping availability fresh without moving it under the reader.
//!
//! While the page is open, `latest.json` is read again about every 60 s.
//! When a newer generation names another index than the one on screen (the
//! index is named by its content, so only a change in availability changes
//! it), a notice offers "Nouvelles disponibilités : actualiser" instead of
//! swapping the list; a minute with nothing new offers nothing.
//! When the pointer cannot be read, what is shown stays, a notice says so
//! with a retry and the phone line, and further tries back off (60 s, 120 s,
//! … up to 10 min) with random jitter, so a million open tabs that lost the
//! CDN together do not come back in step.

use creneau_model::snapshot::Pointer;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::language::locale;
use super::phone::{NATIONAL_PHONE, NATIONAL_PHONE_TEL};
use super::status::use_announcer;
use crate::api;
use crate::i18n::*;

const POLL_SECONDS: f64 = 60.0;
const MAX_BACKOFF_SECONDS: f64 = 600.0;

/// What the pages and the watcher share.
#[derive(Clone, Copy)]
pub struct SnapshotWatch {
    /// Version and index of the snapshot the current view shows (set by
    /// the view).
    pub shown: RwSignal<Option<(String, String)>>,
    /// A newer version exists.
    pub newer: RwSignal<bool>,
    /// The last try to read the pointer failed.
    pub offline: RwSignal<bool>,
    /// Bumped to make every view fetch its data again.
    pub refresh: RwSignal<u32>,
    /// Bumped to make the watcher try now.
    retry_now: RwSignal<u32>,
}

impl SnapshotWatch {
    /// Called by a view when it renders data of this pointer's generation.
    pub fn showing(&self, pointer: &Pointer) {
        self.shown
            .set(Some((pointer.version.clone(), pointer.index.clone())));
        self.newer.set(false);
    }
    /// Read by a view's data source so it refetches on "actualiser".
    pub fn track(&self) -> u32 {
        self.refresh.get()
    }
}

pub fn use_snapshot_watch() -> SnapshotWatch {
    expect_context::<SnapshotWatch>()
}

/// Seconds before the next try: the base interval doubled per failure,
/// capped, then spread by ±50 %.
pub fn next_delay_seconds(failures: u32, random: f64) -> f64 {
    let base = (POLL_SECONDS * 2f64.powi(failures.min(10) as i32)).min(MAX_BACKOFF_SECONDS);
    base * (0.5 + random)
}

/// Start watching; call once, in `App`.
pub fn provide_snapshot_watch() {
    let watch = SnapshotWatch {
        shown: RwSignal::new(None),
        newer: RwSignal::new(false),
        offline: RwSignal::new(false),
        refresh: RwSignal::new(0),
        retry_now: RwSignal::new(0),
    };
    provide_context(watch);
    spawn_local(async move {
        let mut failures = 0u32;
        loop {
            let delay = next_delay_seconds(failures, js_sys::Math::random());
            let asked = watch.retry_now.get_untracked();
            // Sleep in short steps so a "Réessayer" click is served at once.
            let mut waited = 0.0;
            while waited < delay && watch.retry_now.get_untracked() == asked {
                gloo_timers::future::TimeoutFuture::new(1_000).await;
                waited += 1.0;
            }
            match api::pointer_revalidated().await {
                Ok(pointer) => {
                    failures = 0;
                    watch.offline.set(false);
                    let shown = watch.shown.get_untracked();
                    if shown.is_some_and(|(version, index)| {
                        version < pointer.version && index != pointer.index
                    }) {
                        watch.newer.set(true);
                    }
                }
                Err(_) => {
                    failures += 1;
                    watch.offline.set(true);
                }
            }
        }
    });
}

/// The notices, at the top of `<main>`.
#[component]
pub fn SnapshotNotices() -> impl IntoView {
    let watch = use_snapshot_watch();
    let announcer = use_announcer();
    let l = locale();
    Effect::new(move |_| {
        if watch.newer.get() {
            announcer.say(td_string!(l, watch.newer_said));
        }
    });
    Effect::new(move |_| {
        if watch.offline.get() {
            announcer.say(td_string!(l, watch.offline_said));
        }
    });
    view! {
        <Show when=move || watch.newer.get() && !watch.offline.get()>
            <div class="notice no-print" id="newer-snapshot">
                <p>
                    {td_string!(l, watch.newer)}
                    <button type="button" class="link-button" on:click=move |_| {
                        watch.newer.set(false);
                        watch.refresh.update(|n| *n += 1);
                    }>{td_string!(l, watch.refresh)}<span class="visually-hidden">{td_string!(l, watch.refresh_hidden)}</span></button>
                </p>
            </div>
        </Show>
        <Show when=move || watch.offline.get()>
            <div class="notice notice-warning no-print" id="snapshot-offline">
                <p>{td_string!(l, watch.offline)}</p>
                <p>
                    <button type="button" class="button button-secondary" on:click=move |_| watch.retry_now.update(|n| *n += 1)>{td_string!(l, watch.retry)}</button>
                </p>
                <p>{td_string!(l, watch.by_phone)}<a class="phone" href=NATIONAL_PHONE_TEL>{NATIONAL_PHONE}</a>{td_string!(l, layout.free_call)}</p>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_spreads() {
        assert_eq!(next_delay_seconds(0, 0.5), 60.0);
        assert_eq!(next_delay_seconds(1, 0.5), 120.0);
        assert_eq!(next_delay_seconds(5, 0.5), 600.0);
        assert_eq!(next_delay_seconds(50, 0.5), 600.0);
        assert_eq!(next_delay_seconds(0, 0.0), 30.0);
        assert!(next_delay_seconds(0, 0.999) < 90.0);
    }
}
