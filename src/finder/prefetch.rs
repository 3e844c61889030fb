//! The booking app's files fetched into the browser's cache while the
//! person reads a centre page they can book at, so that "Choisir un
//! créneau" finds them there instead of starting a second download on a
//! slow line. Their names carry a content hash only the booking page knows:
//! it is read once, and each file it preloads is prefetched at the
//! browser's lowest priority. Skipped when the person asked to save data.

use leptos::task::spawn_local;
use std::cell::Cell;
use wasm_bindgen::JsValue;

thread_local! {
    static DONE: Cell<bool> = const { Cell::new(false) };
}

/// The booking app's own files named in its page: scripts, WebAssembly and
/// stylesheets under `/reserver/`.
fn booking_files(html: &str) -> Vec<&str> {
    html.split("href=")
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.trim_start_matches(['"', '\'']);
            let end = rest.find(['"', '\'', ' ', '>']).unwrap_or(rest.len());
            let href = &rest[..end];
            let own = href.starts_with("/reserver/")
                && [".js", ".wasm", ".css"].iter().any(|e| href.ends_with(e));
            own.then_some(href)
        })
        .collect()
}

fn saving_data() -> bool {
    let connection =
        js_sys::Reflect::get(&leptos::prelude::window().navigator(), &"connection".into())
            .unwrap_or(JsValue::UNDEFINED);
    !connection.is_undefined()
        && js_sys::Reflect::get(&connection, &"saveData".into()).is_ok_and(|v| v.is_truthy())
}

/// Once per page load.
pub fn prefetch_booking_app() {
    if DONE.with(|d| d.replace(true)) || saving_data() {
        return;
    }
    spawn_local(async {
        let Ok(response) = gloo_net::http::Request::get("/reserver/").send().await else {
            return;
        };
        let Ok(html) = response.text().await else {
            return;
        };
        let document = leptos::prelude::document();
        let Some(head) = document.head() else {
            return;
        };
        for href in booking_files(&html) {
            if let Ok(link) = document.create_element("link") {
                let _ = link.set_attribute("rel", "prefetch");
                let _ = link.set_attribute("href", href);
                let _ = head.append_child(&link);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_booking_pages_own_files_are_found_quoted_or_not() {
        let html = r#"<link href=/reserver/main-1.css rel=stylesheet><link href="/favicon.svg" rel=icon>
            <link crossorigin href=/reserver/creneau-booking-2.js rel=modulepreload>
            <link as=fetch href="/reserver/creneau-booking-2_bg.wasm" rel=preload><a href=/reserver/gerer>"#;
        assert_eq!(
            booking_files(html),
            [
                "/reserver/main-1.css",
                "/reserver/creneau-booking-2.js",
                "/reserver/creneau-booking-2_bg.wasm"
            ]
        );
    }
}
