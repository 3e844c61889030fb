//! What a generation is computed from, read from the store: départements,
//! centres (as [`crate::store::centres`] maps them), places taken, and the
//! communes the search index is made of.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use creneau_model::hours::DayHours;
use creneau_model::snapshot::{CentreSummary, Place};
use sqlx::Row;

use super::build::{Centre, Inputs};
use crate::store::Pool;

/// Read what a generation needs from the store.
pub async fn load(pool: &Pool, now: DateTime<Utc>) -> anyhow::Result<Inputs> {
    let departements = sqlx::query("SELECT code, name, time_zone FROM departements ORDER BY code")
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2),
            )
        })
        .collect();
    let mut demo = false;
    let centres = crate::store::centres::all(pool)
        .await?
        .into_iter()
        .map(|c| {
            demo |= c.demo;
            Centre {
                departement: c.departement,
                rules: c.rules,
                summary: CentreSummary {
                    hours_published: c.hours.iter().any(|d| matches!(d, DayHours::Open { .. })),
                    name: c.name,
                    address: c.address,
                    postcode: c.postcode,
                    insee: c.insee,
                    commune: c.commune,
                    lat: c.lat,
                    lon: c.lon,
                    phone: c.phone,
                    booking: c.booking,
                    booking_url: c.booking_url,
                    accessible: c.accessible,
                    reserved_for_professionals: c.reserved_pro,
                    vaccines: c.vaccines,
                    doses: c.doses,
                    opening_date: c.opening_date,
                    closing_date: c.closing_date,
                    next_slot: None,
                    today: None,
                    file: None,
                    free_by_day: Vec::new(),
                    id: c.id,
                },
                hours: c.hours,
            }
        })
        .collect();
    // From a day back: the snapshot lists today's slots from the opening,
    // past ones too (the reader drops them), so their places taken count.
    let mut taken: HashMap<String, HashMap<i64, u32>> = HashMap::new();
    for r in sqlx::query(
        "SELECT centre_id, starts_at, taken FROM slot_usage WHERE starts_at >= $1 AND taken > 0",
    )
    .bind((now - chrono::Duration::days(1)).timestamp())
    .fetch_all(pool)
    .await?
    {
        taken
            .entry(r.get(0))
            .or_default()
            .insert(r.get(1), r.get::<i32, _>(2) as u32);
    }
    // Current communes and arrondissements, then former communes carrying
    // the postcodes and position of the commune they are part of now.
    let places = sqlx::query(
        "SELECT name, insee, departement, postcodes, lat, lon, NULL AS merged_into, kind FROM communes \
         WHERE kind <> 'former' \
         UNION ALL \
         SELECT f.name, c.insee, c.departement, c.postcodes, c.lat, c.lon, c.name, f.kind FROM communes f \
         JOIN communes c ON c.insee = f.part_of AND c.kind = 'commune' WHERE f.kind = 'former' \
         ORDER BY 2, 8, 1",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Place {
        name: r.get(0),
        insee: r.get(1),
        departement: r.get(2),
        postcodes: r
            .get::<String, _>(3)
            .split('|')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        lat: r.get(4),
        lon: r.get(5),
        merged_into: r.get(6),
    })
    .collect();
    Ok(Inputs {
        departements,
        centres,
        taken,
        places,
        demo,
        public_url: None,
    })
}
