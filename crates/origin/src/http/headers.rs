//! Headers every answer carries: caching (Cache-Control by kind of file,
//! ETags and conditional requests) and security (a CSP without
//! `unsafe-inline`, Trunk's inline loader allowed by its hash; HSTS over
//! HTTPS through a trusted proxy).

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Cache-Control by kind of file, and ETags with `If-None-Match`.
pub async fn caching(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_read = req.method() == Method::GET || req.method() == Method::HEAD;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let mut response = next.run(req).await;
    if !is_read || path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        return response;
    }
    let cache = cache_control(&path, response.headers());
    let ok = response.status() == StatusCode::OK;
    let headers = response.headers_mut();
    // Types the file server cannot guess: the SMART Scheduling Links
    // manifest (no extension) and its NDJSON files.
    if path.starts_with("/data/") && ok {
        if path.ends_with("/$bulk-publish") {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        } else if path.ends_with(".ndjson") {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/fhir+ndjson"),
            );
        }
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    if response.status() != StatusCode::OK {
        return response;
    }
    let Some(etag) = etag(response.headers()) else {
        return response;
    };
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [
            header::CACHE_CONTROL,
            header::VARY,
            header::LAST_MODIFIED,
            header::CONTENT_ENCODING,
        ] {
            if let Some(v) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        not_modified
            .headers_mut()
            .insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"));
        return not_modified;
    }
    response
        .headers_mut()
        .insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"));
    response
}

fn cache_control(path: &str, headers: &HeaderMap) -> &'static str {
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if path == "/data/latest.json" || path == "/data/$bulk-publish" {
        "public, max-age=30, stale-while-revalidate=30"
    } else if path.starts_with("/data/") {
        // Generations and search directories are never rewritten in place.
        "public, max-age=31536000, immutable"
    } else if !is_html && has_content_hash(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// Trunk names built assets `name-<hex hash>.ext`.
fn has_content_hash(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    // Trunk writes a 64-bit hash in hex without its leading zeros: 16
    // digits, sometimes fewer (one file in sixteen has 15).
    stem.rsplit_once('-').is_some_and(|(_, h)| {
        (10..=16).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// A weak validator from what the file service already knows: size,
/// modification time and encoding (each variant has its own tag).
fn etag(headers: &HeaderMap) -> Option<String> {
    let modified = headers.get(header::LAST_MODIFIED)?.to_str().ok()?;
    let length = headers.get(header::CONTENT_LENGTH)?.to_str().ok()?;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity");
    let mut h = Sha256::new();
    h.update(modified.as_bytes());
    h.update(length.as_bytes());
    h.update(encoding.as_bytes());
    let digest = h.finalize();
    Some(format!(
        "W/\"{}\"",
        digest
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// The headers every answer carries besides its CSP, also written into the
/// few answers hyper makes itself (see the `server` module).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    (
        "permissions-policy",
        "geolocation=(self), camera=(), microphone=(), interest-cohort=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
];

/// HSTS: a year, sent only when the request reached the trusted proxy over
/// HTTPS (`X-Forwarded-Proto: https` from a `--trusted-proxy`); a browser
/// ignores it over plain HTTP, and a client's own header is not believed.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

pub async fn security_headers(
    csp: HeaderValue,
    trusted: Arc<Vec<std::net::IpAddr>>,
    req: Request,
    next: Next,
) -> Response {
    let over_https = came_over_https(&req, &trusted);
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    for (name, value) in SECURITY_HEADERS {
        h.insert(*name, HeaderValue::from_static(value));
    }
    if over_https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}

fn came_over_https(req: &Request, trusted: &[std::net::IpAddr]) -> bool {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    peer.is_some_and(|p| trusted.contains(&p))
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The CSP, allowing each inline `<script>` and `<style>` of the pages by
/// its SHA-256 (Trunk writes its loader inline; the stylesheet is inlined
/// for the first paint) and WebAssembly compilation, and nothing inline
/// otherwise (no `style` attributes).
pub fn content_security_policy(index_files: &[PathBuf]) -> HeaderValue {
    let pages: Vec<String> = index_files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .collect();
    let hashes = |tag: &str| {
        let mut bodies: Vec<&str> = pages.iter().flat_map(|html| inline(html, tag)).collect();
        bodies.sort_unstable();
        bodies.dedup();
        bodies
            .iter()
            .map(|s| {
                format!(
                    " 'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
                )
            })
            .collect::<String>()
    };
    let (scripts, styles) = (hashes("script"), hashes("style"));
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{scripts}; style-src 'self'{styles}; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).expect("ascii policy")
}

/// The bodies of `<tag>` elements (`script` or `style`) that have no `src`.
fn inline<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close_tag) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = after[body_start..].find(&close_tag) else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hashes_are_recognised() {
        assert!(has_content_hash("/creneau-web-0123456789abcdef_bg.wasm"));
        assert!(has_content_hash("/creneau-web-0123456789abcdef.js"));
        assert!(has_content_hash("/style-0123456789abcdef.css"));
        assert!(has_content_hash(
            "/reserver/creneau-booking-cf58efda68e5be_bg.wasm"
        ));
        assert!(has_content_hash("/print-d06b23ada2fb445.css"));
        assert!(!has_content_hash("/reserver/gerer"));
        assert!(!has_content_hash("/favicon.svg"));
        assert!(!has_content_hash("/index.html"));
        assert!(!has_content_hash("/centre/12"));
    }

    #[test]
    fn inline_scripts_and_styles_are_found_and_external_ones_skipped() {
        let html = r#"<style>main{color:#000}</style><script src="/a.js"></script><script type="module">import x from '/x.js';</script>"#;
        assert_eq!(inline(html, "script"), ["import x from '/x.js';"]);
        assert_eq!(inline(html, "style"), ["main{color:#000}"]);
    }
}
