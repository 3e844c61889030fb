//! The single polite `role="status"` region, present from start-up, and the
//! [`Announcer`] pages use to say what changed ("12 centres trouvés",
//! "Recherche en cours…"). Screen readers read it without moving focus.

use leptos::prelude::*;

/// Handle to the status region's text.
#[derive(Clone, Copy)]
pub struct Announcer(RwSignal<String>);

impl Announcer {
    pub fn say(&self, message: impl Into<String>) {
        self.0.set(message.into());
    }
}

pub fn provide_announcer() {
    provide_context(Announcer(RwSignal::new(String::new())));
}

pub fn use_announcer() -> Announcer {
    expect_context::<Announcer>()
}

/// The region itself, rendered once by the layout.
#[component]
pub fn StatusRegion() -> impl IntoView {
    let Announcer(message) = use_announcer();
    view! {
        <div id="status" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
            {move || message.get()}
        </div>
    }
}
