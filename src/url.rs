//! Query values in the app's own addresses, percent-encoded by the browser's
//! `encodeURIComponent` (no encoding tables in the wasm). A leaf module: the
//! pages that link to each other import it, not each other.

/// Percent-encode a query parameter value.
pub fn encode(s: &str) -> String {
    js_sys::encode_uri_component(s)
        .as_string()
        .unwrap_or_default()
}
