//! Places on the ground: great-circle distance, and what the code of a
//! département or commune says about where it is.

/// Mean Earth radius used by the haversine formula, in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in kilometres between two (lat, lon) in degrees.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
}

/// The département of an INSEE commune code: "97" codes take three
/// characters (971…976), Corsica's are "2A"/"2B", others two.
pub fn departement_of_insee(insee: &str) -> Option<&str> {
    if insee.len() != 5 || !insee.is_ascii() {
        return None;
    }
    if insee.starts_with("97") {
        Some(&insee[..3])
    } else {
        Some(&insee[..2])
    }
}

/// The IANA time zone of a département.
pub fn time_zone_of_departement(code: &str) -> &'static str {
    match code {
        "971" => "America/Guadeloupe",
        "972" => "America/Martinique",
        "973" => "America/Cayenne",
        "974" => "Indian/Reunion",
        "976" => "Indian/Mayotte",
        _ => "Europe/Paris",
    }
}

/// True when (lat, lon) lies within France's territories, metropolitan or
/// overseas, as a sanity check on imported coordinates.
pub fn plausible_in_france(lat: f64, lon: f64) -> bool {
    let metropole = (41.0..=51.5).contains(&lat) && (-5.5..=10.0).contains(&lon);
    let antilles = (14.0..=18.5).contains(&lat) && (-63.5..=-60.5).contains(&lon);
    let guyane = (2.0..=6.0).contains(&lat) && (-55.0..=-51.0).contains(&lon);
    let ocean_indien = (-21.5..=-12.5).contains(&lat) && (44.5..=56.0).contains(&lon);
    metropole || antilles || guyane || ocean_indien
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_to_lyon_is_about_392_km() {
        let d = distance_km((48.8566, 2.3522), (45.7640, 4.8357));
        assert!((d - 392.0).abs() < 2.0, "{d}");
        assert_eq!(distance_km((45.0, 5.0), (45.0, 5.0)), 0.0);
    }

    #[test]
    fn departements_from_insee() {
        assert_eq!(departement_of_insee("75056"), Some("75"));
        assert_eq!(departement_of_insee("2A004"), Some("2A"));
        assert_eq!(departement_of_insee("97411"), Some("974"));
        assert_eq!(departement_of_insee("123"), None);
        assert_eq!(time_zone_of_departement("973"), "America/Cayenne");
    }

    #[test]
    fn plausibility() {
        assert!(plausible_in_france(43.3794, 5.36165));
        assert!(plausible_in_france(-20.88, 55.45));
        assert!(!plausible_in_france(0.0, 0.0));
        assert!(!plausible_in_france(5.36, 43.37), "swapped lat/lon");
    }
}
