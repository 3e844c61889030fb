//! Centre rows, read in one place and mapped by column name: the
//! publisher and the booking API both start from [`StoredCentre`], so a
//! column added or moved is handled once.

use anyhow::Context;
use creneau_model::hours::WeekHours;
use creneau_model::slots::SlotRules;
use creneau_model::snapshot::BookingMode;

use super::{Pool, StoreError};

/// Every centre with its département's time zone, by département then id.
const ALL: &str = "SELECT c.id, c.name, c.address, c.postcode, c.insee, c.commune, c.departement, \
     d.time_zone, c.lat, c.lon, c.phone, c.booking_mode, c.booking_url, c.accessible, c.reserved_pro, \
     c.hours_json, c.slot_minutes, c.capacity, c.vaccines, c.doses, c.opening_date, c.closing_date, \
     c.demo, c.open_on_public_holidays \
     FROM centres c LEFT JOIN departements d ON d.code = c.departement ORDER BY c.departement, c.id";

/// A `centres` row as stored (integers for booleans, `|`-joined lists).
#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    address: String,
    postcode: String,
    insee: String,
    commune: String,
    departement: String,
    time_zone: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    phone: Option<String>,
    booking_mode: String,
    booking_url: Option<String>,
    accessible: Option<i32>,
    reserved_pro: i32,
    hours_json: String,
    slot_minutes: i32,
    capacity: i32,
    vaccines: String,
    doses: String,
    opening_date: Option<String>,
    closing_date: Option<String>,
    demo: i32,
    open_on_public_holidays: i32,
}

/// A centre as the layers above use it.
#[derive(Clone, Debug)]
pub struct StoredCentre {
    pub id: String,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub insee: String,
    pub commune: String,
    pub departement: String,
    /// The IANA time zone of its département (`Europe/Paris`, …); None
    /// if its département is not in the store.
    pub time_zone: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub phone: Option<String>,
    pub booking: BookingMode,
    pub booking_url: Option<String>,
    /// Step-free access: said yes, said no, or not said.
    pub accessible: Option<bool>,
    pub reserved_pro: bool,
    pub hours: WeekHours,
    pub rules: SlotRules,
    pub vaccines: Vec<String>,
    pub doses: Vec<u8>,
    /// `YYYY-MM-DD`, as imported.
    pub opening_date: Option<String>,
    pub closing_date: Option<String>,
    pub demo: bool,
}

fn list(joined: &str) -> impl Iterator<Item = &str> {
    joined.split('|').filter(|v| !v.is_empty())
}

impl TryFrom<Row> for StoredCentre {
    type Error = anyhow::Error;

    fn try_from(r: Row) -> anyhow::Result<Self> {
        let hours: WeekHours = serde_json::from_str(&r.hours_json)
            .with_context(|| format!("centre {}: stored hours unreadable", r.id))?;
        Ok(StoredCentre {
            booking: BookingMode::parse(&r.booking_mode).unwrap_or(BookingMode::Phone),
            accessible: r.accessible.map(|a| a != 0),
            reserved_pro: r.reserved_pro != 0,
            hours,
            rules: SlotRules {
                slot_minutes: u16::try_from(r.slot_minutes).unwrap_or(u16::MAX),
                capacity: u32::try_from(r.capacity).unwrap_or(0),
                open_on_public_holidays: r.open_on_public_holidays != 0,
            },
            vaccines: list(&r.vaccines).map(str::to_string).collect(),
            doses: list(&r.doses).filter_map(|d| d.parse().ok()).collect(),
            demo: r.demo != 0,
            id: r.id,
            name: r.name,
            address: r.address,
            postcode: r.postcode,
            insee: r.insee,
            commune: r.commune,
            departement: r.departement,
            time_zone: r.time_zone,
            lat: r.lat,
            lon: r.lon,
            phone: r.phone,
            booking_url: r.booking_url,
            opening_date: r.opening_date,
            closing_date: r.closing_date,
        })
    }
}

/// Every centre, by département then id.
pub async fn all(pool: &Pool) -> Result<Vec<StoredCentre>, StoreError> {
    let rows = sqlx::query_as::<_, Row>(ALL).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(StoredCentre::try_from)
        .collect::<anyhow::Result<_>>()?)
}
