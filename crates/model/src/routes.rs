//! The addresses of both apps, known to the origin too: a deep link the
//! apps answer gets `index.html` with 200, anything else the same page
//! (which says "Page introuvable") with 404, so a crawler, a CDN or a link
//! checker is not told that a mistyped address exists.
//!
//! The routers in `src/lib.rs` (finder) and `src/booking.rs` (booking
//! flow) name the same patterns; the browser tests open every one.

/// The finder's views. `:` marks one non-empty segment.
pub const FINDER: &[&str] = &[
    "/",
    "/centres",
    "/choisir",
    "/departements",
    "/departement/:code",
    "/centre/:id",
    // The accessibility statement: a static page, not the app's.
    "/accessibilite/",
];

/// The booking flow's views, under `/reserver/`.
pub const BOOKING: &[&str] = &[
    "/reserver/",
    "/reserver/gerer",
    "/reserver/gerer/deplacer",
    "/reserver/gerer/deplacer/heure",
    "/reserver/confirmation",
    "/reserver/centre/:id",
    "/reserver/etape/heure",
    "/reserver/etape/deuxieme-injection",
    "/reserver/etape/deuxieme-injection/heure",
    "/reserver/etape/premiere-injection",
    "/reserver/etape/vaccin",
    "/reserver/etape/pour-qui",
    "/reserver/etape/nom",
    "/reserver/etape/naissance",
    "/reserver/etape/contact",
    "/reserver/etape/verifier",
    "/reserver/alerte",
    "/reserver/alerte/confirmer",
    "/reserver/alerte/arreter",
];

fn matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (Some(w), Some(h)) if w.starts_with(':') => {
                if h.is_empty() {
                    return false;
                }
            }
            (Some(w), Some(h)) if w == h => {}
            _ => return false,
        }
    }
}

/// Whether one of the apps answers this path (the query aside).
pub fn is_app_route(path: &str) -> bool {
    FINDER.iter().chain(BOOKING).any(|p| matches(p, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_addresses_and_others() {
        for known in [
            "/",
            "/centres",
            "/centre/57-001",
            "/departement/2A",
            "/reserver/",
            "/reserver/centre/57-001",
            "/reserver/etape/verifier",
            "/accessibilite/",
        ] {
            assert!(is_app_route(known), "{known}");
        }
        for unknown in [
            "/nope",
            "/centre/",
            "/centre/1/2",
            "/reserver/nope",
            "/reserver/etape/",
            "/index.php",
            "/centres/",
            "//",
        ] {
            assert!(!is_app_route(unknown), "{unknown}");
        }
    }
}
