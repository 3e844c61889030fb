//! Reading the availability snapshot: the `latest.json` pointer, then the
//! files it leads to (index → département file → centre file, each named by
//! its content), from static files (a CDN in production); and, for the
//! booking flow and the alerts ("Me prévenir") only, the origin's API. Files come back as of the
//! browser's clock: today's slots already past are dropped here, once.

use creneau_model::alerts::{AlertAccepted, AlertConfirmed, AlertRequest};
use creneau_model::booking::{
    ApiProblem, Booking, BookingRequest, CancelRequest, MoveRequest, ReferenceCheck,
};
use creneau_model::snapshot::{
    centre_directory_shard, shard_of, CentreDirectory, CentreFile, DepartementFile, Index, Pointer,
    SearchShard, SCHEMA_VERSION,
};
use serde::de::DeserializeOwned;

/// Where the snapshot is served.
pub const DATA_ROOT: &str = "/data";

/// Why the snapshot could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Offline, DNS, connection reset…
    #[error("network unavailable")]
    Network,
    /// The file does not exist (an unknown département, say).
    #[error("not found")]
    NotFound,
    /// The server or CDN answered with an error.
    #[error("server answered {0}")]
    Status(u16),
    /// The file is not what this version of the app expects.
    #[error("unreadable data")]
    Decode,
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    fetch_json(path, web_sys::RequestCache::Default).await
}

async fn fetch_json<T: DeserializeOwned>(
    path: &str,
    cache: web_sys::RequestCache,
) -> Result<T, ApiError> {
    let url = format!("{DATA_ROOT}/{path}");
    let response = gloo_net::http::Request::get(&url)
        .cache(cache)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    match response.status() {
        200 => response.json::<T>().await.map_err(|_| ApiError::Decode),
        404 => Err(ApiError::NotFound),
        status => Err(ApiError::Status(status)),
    }
}

/// The current generation's pointer. A schema this app does not know is
/// refused rather than misread.
pub async fn pointer() -> Result<Pointer, ApiError> {
    let pointer: Pointer = get_json("latest.json").await?;
    if pointer.schema_version != SCHEMA_VERSION {
        return Err(ApiError::Decode);
    }
    Ok(pointer)
}

/// The index of départements.
pub async fn index() -> Result<(Pointer, Index), ApiError> {
    let pointer = pointer().await?;
    let index = get_json(&pointer.index).await?;
    Ok((pointer, index))
}

/// The browser's clock, by which past slots are dropped.
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// A département's file as the index names it, as of now.
async fn departement_file(index: &Index, code: &str) -> Result<DepartementFile, ApiError> {
    let path = index.departement_path(code).ok_or(ApiError::NotFound)?;
    let file: DepartementFile = get_json(path).await?;
    Ok(file.at(now()))
}

/// One département's centres.
pub async fn departement(code: &str) -> Result<(Pointer, DepartementFile), ApiError> {
    if code.is_empty() || code.len() > 3 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::NotFound);
    }
    let (pointer, index) = index().await?;
    let file = departement_file(&index, &code.to_ascii_uppercase()).await?;
    Ok((pointer, file))
}

/// The pointer, revalidated with the server (a 304 when unchanged): the
/// watcher's minute-by-minute check must not be answered by the browser's
/// own cache.
pub async fn pointer_revalidated() -> Result<Pointer, ApiError> {
    let pointer: Pointer = fetch_json("latest.json", web_sys::RequestCache::NoCache).await?;
    if pointer.schema_version != SCHEMA_VERSION {
        return Err(ApiError::Decode);
    }
    Ok(pointer)
}

/// Several départements' files, fetched together.
pub async fn departements(
    index: &Index,
    codes: &[String],
) -> Result<Vec<DepartementFile>, ApiError> {
    let fetches = codes.iter().map(|code| departement_file(index, code));
    futures::future::join_all(fetches)
        .await
        .into_iter()
        .collect()
}

/// The search shard a query falls in; a shard that does not exist means no
/// place starts that way.
pub async fn search_shard(pointer: &Pointer, query: &str) -> Result<SearchShard, ApiError> {
    let Some(shard) = shard_of(query) else {
        return Err(ApiError::NotFound);
    };
    match get_json(&pointer.search_path(&shard)).await {
        Err(ApiError::NotFound) => Ok(SearchShard {
            schema_version: SCHEMA_VERSION,
            shard,
            places: Vec::new(),
        }),
        other => other,
    }
}

/// One centre's file, with its free slot runs: the centre directory names
/// its département, whose file names the centre's.
pub async fn centre(id: &str) -> Result<(Pointer, CentreFile), ApiError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::NotFound);
    }
    let pointer = pointer().await?;
    let index: Paths = get_json(&pointer.index).await?;
    let shard = centre_directory_shard(id, index.centre_directory_shards);
    let directory: CentreDirectory = get_json(
        &index
            .centre_directory
            .replace("{shard}", &shard.to_string()),
    )
    .await?;
    let code = directory.centres.get(id).ok_or(ApiError::NotFound)?;
    let path = index
        .departements
        .iter()
        .find(|d| &d.code == code)
        .ok_or(ApiError::Decode)?;
    let departement: Paths = get_json(&path.file).await?;
    let path = departement
        .centres
        .into_iter()
        .find(|c| c.code == id)
        .ok_or(ApiError::NotFound)?;
    let file: CentreFile = get_json(&path.file).await?;
    Ok((pointer, file.at(now())))
}

/// Only the paths of an index or a département file: the booking app
/// follows them to a centre's file without carrying the code to read the
/// rest (serde skips the other fields).
#[derive(serde::Deserialize)]
struct Paths {
    #[serde(default)]
    centre_directory: String,
    #[serde(default)]
    centre_directory_shards: u32,
    #[serde(default)]
    departements: Vec<Named>,
    #[serde(default)]
    centres: Vec<Named>,
}

/// A département (`code`) or a centre (`id`) and its file.
#[derive(serde::Deserialize)]
struct Named {
    #[serde(default, alias = "id")]
    code: String,
    #[serde(default)]
    file: String,
}

/// Why a booking request did not give a booking.
#[derive(Clone, Debug, PartialEq)]
pub enum BookingFailure {
    /// 409 slot_taken / no_second_dose_slot: other times, from the store,
    /// for injection `dose` (for no_second_dose_slot: first-injection
    /// times, `no_second` true).
    Taken {
        alternatives: Vec<String>,
        dose: u8,
        no_second: bool,
    },
    /// 503 or 429: try again after this many seconds.
    Busy { retry_after: u64 },
    /// No answer: the request may or may not have arrived.
    Network,
    /// Any other refusal, with the API's explanation.
    Refused(ApiProblem),
}

/// Where the booking API lives (the origin; the only non-static calls).
pub const API_ROOT: &str = "/api/v1";

async fn post_json<B: serde::Serialize>(
    path: &str,
    key: Option<&str>,
    body: &B,
) -> Result<gloo_net::http::Response, BookingFailure> {
    let mut request = gloo_net::http::Request::post(&format!("{API_ROOT}{path}"))
        .header("Content-Type", "application/json");
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request
        .json(body)
        .map_err(|_| BookingFailure::Network)?
        .send()
        .await
        .map_err(|_| BookingFailure::Network)
}

async fn booking_answer(response: gloo_net::http::Response) -> Result<Booking, BookingFailure> {
    let status = response.status();
    if status == 200 || status == 201 {
        return response
            .json::<Booking>()
            .await
            .map_err(|_| BookingFailure::Network);
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.parse::<u64>().ok());
    let problem = response.json::<ApiProblem>().await.ok();
    match (status, problem) {
        (503 | 429, p) => Err(BookingFailure::Busy {
            retry_after: retry_after.or(p.and_then(|p| p.retry_after)).unwrap_or(10),
        }),
        (409, Some(p)) if p.error == "slot_taken" || p.error == "no_second_dose_slot" => {
            Err(BookingFailure::Taken {
                no_second: p.error == "no_second_dose_slot",
                dose: p.dose.unwrap_or(1),
                alternatives: p.alternatives,
            })
        }
        (_, Some(p)) => Err(BookingFailure::Refused(p)),
        (_, None) => Err(BookingFailure::Network),
    }
}

/// `POST /api/v1/bookings`; a retry must reuse `key`.
pub async fn create_booking(
    key: &str,
    request: &BookingRequest,
) -> Result<Booking, BookingFailure> {
    booking_answer(post_json("/bookings", Some(key), request).await?).await
}

/// Look up a booking by reference and birth date.
pub async fn lookup_booking(reference: &str, birth_date: &str) -> Result<Booking, BookingFailure> {
    let body = ReferenceCheck {
        birth_date: birth_date.to_string(),
    };
    booking_answer(post_json(&format!("/bookings/{reference}/lookup"), None, &body).await?).await
}

/// Cancel a booking, or (`dose` 2) its second injection only.
pub async fn cancel_booking(
    reference: &str,
    birth_date: &str,
    dose: Option<u8>,
) -> Result<Booking, BookingFailure> {
    let body = CancelRequest {
        birth_date: birth_date.to_string(),
        dose,
    };
    booking_answer(post_json(&format!("/bookings/{reference}/cancel"), None, &body).await?).await
}

/// Move one injection of a booking to `slot`.
pub async fn move_appointment(
    reference: &str,
    birth_date: &str,
    dose: u8,
    slot: &str,
) -> Result<Booking, BookingFailure> {
    let body = MoveRequest {
        birth_date: birth_date.to_string(),
        dose,
        slot: slot.to_string(),
    };
    booking_answer(post_json(&format!("/bookings/{reference}/move"), None, &body).await?).await
}

/// An answer of the API other than `ok`, read as a [`BookingFailure`].
async fn refusal(response: gloo_net::http::Response) -> BookingFailure {
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.parse::<u64>().ok());
    match (response.status(), response.json::<ApiProblem>().await.ok()) {
        (503 | 429, p) => BookingFailure::Busy {
            retry_after: retry_after.or(p.and_then(|p| p.retry_after)).unwrap_or(10),
        },
        (_, Some(p)) => BookingFailure::Refused(p),
        (_, None) => BookingFailure::Network,
    }
}

/// `POST /api/v1/alerts`: the same answer whatever became of it.
pub async fn sign_up_alert(request: &AlertRequest) -> Result<AlertAccepted, BookingFailure> {
    let response = post_json("/alerts", None, request).await?;
    if response.status() == 202 {
        return response.json().await.map_err(|_| BookingFailure::Network);
    }
    Err(refusal(response).await)
}

/// Follow an alert's confirmation link.
pub async fn confirm_alert(token: &str) -> Result<AlertConfirmed, BookingFailure> {
    let path = format!("/alerts/confirm?token={}", crate::url::encode(token));
    let response = post_json(&path, None, &()).await?;
    if response.status() == 200 {
        return response.json().await.map_err(|_| BookingFailure::Network);
    }
    Err(refusal(response).await)
}

/// End an alert from its link.
pub async fn end_alert(token: &str) -> Result<(), BookingFailure> {
    let path = format!("/alerts/unsubscribe?token={}", crate::url::encode(token));
    let response = post_json(&path, None, &()).await?;
    if response.status() == 204 {
        return Ok(());
    }
    Err(refusal(response).await)
}
