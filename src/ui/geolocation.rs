//! "Autour de moi": the browser's position, or a plain sentence saying why
//! there is none (refused, unavailable, too slow).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::language::locale;
use crate::i18n::*;

/// Ask for the position once; `done` gets (lat, lon) or the message to show.
pub fn current_position(done: impl FnOnce(Result<(f64, f64), &'static str>) + 'static) {
    let refused = td_string!(locale(), home.geo_refused);
    let unavailable = td_string!(locale(), home.geo_unavailable);
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let Some(geolocation) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else {
        if let Some(f) = done.borrow_mut().take() {
            f(Err(unavailable));
        }
        return;
    };
    let ok_done = done.clone();
    let success = Closure::once(move |position: web_sys::Position| {
        let c = position.coords();
        if let Some(f) = ok_done.borrow_mut().take() {
            f(Ok((c.latitude(), c.longitude())));
        }
    });
    let failure = Closure::once(move |error: web_sys::PositionError| {
        let message = if error.code() == web_sys::PositionError::PERMISSION_DENIED {
            refused
        } else {
            unavailable
        };
        if let Some(f) = done.borrow_mut().take() {
            f(Err(message));
        }
    });
    let options = web_sys::PositionOptions::new();
    options.set_timeout(15_000);
    options.set_maximum_age(300_000);
    let _ = geolocation.get_current_position_with_error_callback_and_options(
        success.as_ref().unchecked_ref(),
        Some(failure.as_ref().unchecked_ref()),
        &options,
    );
    success.forget();
    failure.forget();
}
