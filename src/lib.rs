//! Créneau's web app (Leptos, client-side rendered, served as static files).
//!
//! - [`api`]: fetching the snapshot from `/data/` and its error type.
//! - [`pages`]: one module per view (search, results, choice, département, centre…).
//! - [`components`]: the layout and the accessible pieces every page reuses
//!   (status region, page heading with focus management, centre summary).
//!
//! The router lives here; `main.rs` only mounts.

pub mod api;
pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::JsCast;

use components::layout::Layout;
use components::status::provide_announcer;
use pages::{
    centre::CentrePage, choose::ChoosePage, departement::DepartementPage,
    departements::DepartementsPage, home::HomePage, not_found::NotFoundPage, results::ResultsPage,
};

/// The whole app: layout around the routed views.
#[component]
pub fn App() -> impl IntoView {
    provide_announcer();
    components::watch::provide_snapshot_watch();
    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/centres") view=ResultsPage/>
                    <Route path=path!("/choisir") view=ChoosePage/>
                    <Route path=path!("/departements") view=DepartementsPage/>
                    <Route path=path!("/departement/:code") view=DepartementPage/>
                    <Route path=path!("/centre/:id") view=CentrePage/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// Replace the static shell with the running app.
pub fn mount() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        .expect("index.html has #app");
    root.set_inner_html("");
    leptos::mount::mount_to(root, App).forget();
}
