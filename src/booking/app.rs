//! The booking app: its router under `/reserver/`, the tab's state
//! provided, answers cleared after inactivity, and `mount`.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::JsCast;

use super::alert::{AlertConfirmPage, AlertPage, AlertStopPage};
use super::state::{provide_booking_state, use_booking, Draft};
use super::{
    birth::BirthPage,
    check::CheckPage,
    confirmation::ConfirmationPage,
    contact::ContactPage,
    day::DayPage,
    first_dose::FirstDosePage,
    manage::ManagePage,
    moving::{MovePage, MoveTimePage},
    name::NamePage,
    second::SecondPage,
    start::{use_clear_answers, StartPage},
    time::TimePage,
    vaccine::VaccinePage,
    who::WhoPage,
};
use crate::ui::language::provide_language;
use crate::ui::layout::{Layout, ThisApp};
use crate::ui::not_found::NotFoundPage;
use crate::ui::status::provide_announcer;
use crate::ui::timeout_warning::TimeoutWarning;

#[component]
pub fn BookingApp() -> impl IntoView {
    let language = provide_language();
    provide_context(ThisApp::Booking);
    provide_announcer();
    crate::ui::watch::provide_snapshot_watch();
    provide_booking_state();
    // Back to a page the browser kept whole (back/forward cache) would show
    // answers cleared since: build it again from the tab's storage instead.
    let _ = window_event_listener(leptos::ev::pageshow, |e| {
        if e.persisted() {
            let _ = window().location().reload();
        }
    });
    move || {
        language.get();
        view! {
            <Router>
                <Layout>
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/reserver") view=StartPage/>
                        <Route path=path!("/reserver/gerer") view=ManagePage/>
                        <Route path=path!("/reserver/gerer/deplacer") view=MovePage/>
                        <Route path=path!("/reserver/gerer/deplacer/heure") view=MoveTimePage/>
                        <Route path=path!("/reserver/confirmation") view=ConfirmationPage/>
                        <Route path=path!("/reserver/etape/heure") view=TimePage/>
                        <Route path=path!("/reserver/etape/deuxieme-injection") view=SecondPage/>
                        <Route path=path!("/reserver/etape/deuxieme-injection/heure") view=TimePage/>
                        <Route path=path!("/reserver/etape/premiere-injection") view=FirstDosePage/>
                        <Route path=path!("/reserver/etape/vaccin") view=VaccinePage/>
                        <Route path=path!("/reserver/etape/pour-qui") view=WhoPage/>
                        <Route path=path!("/reserver/etape/nom") view=NamePage/>
                        <Route path=path!("/reserver/etape/naissance") view=BirthPage/>
                        <Route path=path!("/reserver/etape/contact") view=ContactPage/>
                        <Route path=path!("/reserver/etape/verifier") view=CheckPage/>
                        <Route path=path!("/reserver/centre/:id") view=DayPage/>
                        <Route path=path!("/reserver/alerte") view=AlertPage/>
                        <Route path=path!("/reserver/alerte/confirmer") view=AlertConfirmPage/>
                        <Route path=path!("/reserver/alerte/arreter") view=AlertStopPage/>
                    </Routes>
                    <InactivityClearing/>
                </Layout>
            </Router>
        }
    }
}

/// On a shared computer, answers left alone are cleared: the timeout
/// warning first, then "Vos réponses ont été effacées".
#[component]
fn InactivityClearing() -> impl IntoView {
    let state = use_booking();
    let active = Signal::derive(move || {
        state.draft.with(|d| *d != Draft::default())
            || state.confirmation.with(Option::is_some)
            || state.managed.with(Option::is_some)
    });
    let clear = use_clear_answers();
    let on_timeout = Callback::new(move |_| clear());
    view! { <TimeoutWarning active on_timeout/> }
}

/// Replace the static shell with the booking app.
pub fn mount() {
    let root = document()
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        .expect("booking.html has #app");
    root.set_inner_html("");
    leptos::mount::mount_to(root, BookingApp).forget();
}
