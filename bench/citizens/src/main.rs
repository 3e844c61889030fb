//! One person of the 14 January surge, through the edge: a new phone (its
//! own connections, its own address in `X-Forwarded-For`, which the edge
//! believes from the load generator's loopback only in the surge's site
//! configuration) loads the app's files, the pointer, the index, a search
//! shard, a département file and a centre file, as the finder does; one
//! person in twenty then books a free time of that centre.
//!
//! Run by tests/support/surge.mjs with Goose's own flags, e.g.
//! `creneau-citizens --host http://127.0.0.1:PORT --users 60000
//! --increase-rate 1000 --iterations 1`; `CRENEAU_DIST` names the built app.

use std::sync::OnceLock;

use goose::prelude::*;
use serde_json::Value;

/// The app's hashed files, from the finder's page: what a first visit loads.
static APP_FILES: OnceLock<Vec<String>> = OnceLock::new();

fn app_files() -> &'static [String] {
    APP_FILES.get_or_init(|| {
        let dist = std::env::var("CRENEAU_DIST").unwrap_or_else(|_| "dist".into());
        let page = std::fs::read_to_string(format!("{dist}/index.html"))
            .expect("CRENEAU_DIST/index.html: build the app first");
        // Every `href="/…"` or `src="/…"` of a hashed file (Trunk's names).
        page.split(['"', '\''])
            .filter(|s| {
                s.starts_with('/')
                    && (s.ends_with(".js") || s.ends_with(".wasm") || s.ends_with(".css"))
            })
            .map(str::to_string)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    })
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    assert!(!app_files().is_empty(), "no app files in index.html");
    // Each user its own client, as each phone has its own connections.
    // (One client shared by every user went slower here: past a few
    // hundred users a second, requests queued for seconds in the client
    // while the edge answered wrk in milliseconds.)
    GooseAttack::initialize()?
        .register_scenario(scenario!("Citizen").register_transaction(transaction!(person)))
        .execute()
        .await?;
    Ok(())
}

/// A person's address: one per virtual user, in 10.0.0.0/8.
fn address(user: &GooseUser) -> String {
    let n = user.weighted_users_index;
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

async fn get(
    user: &mut GooseUser,
    path: &str,
    name: &'static str,
) -> Result<Option<Value>, Box<TransactionError>> {
    let builder = user
        .get_request_builder(&GooseMethod::Get, path)?
        .header("x-forwarded-for", address(user));
    let request = GooseRequest::builder()
        .set_request_builder(builder)
        .name(name)
        .build();
    let answer = user.request(request).await?;
    let is_json = path.ends_with(".json");
    match answer.response {
        Ok(response) if is_json && response.status().is_success() => {
            Ok(response.json::<Value>().await.ok())
        }
        Ok(response) => {
            // Read the body: the time to the last byte is the user's.
            let _ = response.bytes().await;
            Ok(None)
        }
        Err(_) => Ok(None),
    }
}

async fn person(user: &mut GooseUser) -> TransactionResult {
    let n = user.weighted_users_index;
    get(user, "/", "1 page").await?;
    for file in app_files() {
        get(user, file, "2 app files").await?;
    }
    let Some(pointer) = get(user, "/data/latest.json", "3 pointer").await? else {
        return Ok(());
    };
    let Some(index) = get(user, &data(&pointer["index"]), "4 index").await? else {
        return Ok(());
    };
    if let Some(search) = pointer["search"].as_str() {
        get(
            user,
            &format!("/data/{}", search.replace("{shard}", "cp-57")),
            "5 search shard",
        )
        .await?;
    }
    let departements = index["departements"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if departements.is_empty() {
        return Ok(());
    }
    let entry = &departements[n % departements.len()];
    let Some(departement) = get(user, &data(&entry["file"]), "6 département").await? else {
        return Ok(());
    };
    let centres = departement["centres"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let bookable: Vec<&Value> = centres
        .iter()
        .filter(|c| {
            // Booked here, open to the public, with a free time, giving
            // first injections (some give only second ones).
            c["booking"] == "here"
                && c["reserved_for_professionals"] != true
                && !c["next_slot"].is_null()
                && c["doses"]
                    .as_array()
                    .is_none_or(|d| d.iter().any(|d| d == 1))
        })
        .collect();
    let Some(centre) = bookable.get(n % bookable.len().max(1)).copied() else {
        return Ok(());
    };
    let Some(file) = get(user, &data(&centre["file"]), "7 centre").await? else {
        return Ok(());
    };
    if n.is_multiple_of(20) {
        book(user, centre, &file).await?;
    }
    Ok(())
}

fn data(path: &Value) -> String {
    format!("/data/{}", path.as_str().unwrap_or("missing"))
}

/// A free first-injection time of the centre, from tomorrow on (today's
/// may have passed): the person's own choice among them.
async fn book(user: &mut GooseUser, centre: &Value, file: &Value) -> TransactionResult {
    let n = user.weighted_users_index;
    let minutes = file["slot_minutes"].as_u64().unwrap_or(10);
    let mut times = Vec::new();
    for day in file["days"]
        .as_array()
        .into_iter()
        .flatten()
        .skip(1)
        .take(14)
    {
        for run in day["runs"].as_array().into_iter().flatten() {
            if run["free"].as_u64().unwrap_or(0) == 0 {
                continue;
            }
            let start = run["start"].as_str().unwrap_or("00:00");
            let (h, m) = start.split_once(':').unwrap_or(("0", "0"));
            let first = h.parse::<u64>().unwrap_or(0) * 60 + m.parse::<u64>().unwrap_or(0);
            for i in 0..run["count"].as_u64().unwrap_or(0) {
                let t = first + i * minutes;
                times.push(format!(
                    "{}T{:02}:{:02}",
                    day["date"].as_str().unwrap_or(""),
                    t / 60,
                    t % 60
                ));
            }
        }
    }
    let Some(slot) = times.get(n.wrapping_mul(7919) % times.len().max(1)) else {
        return Ok(());
    };
    let body = serde_json::json!({
        "centre": centre["id"],
        "slot": slot,
        "vaccine": centre["vaccines"][0],
        "booked_by": "self",
        "person": {"first_name": format!("Surge{n}"), "last_name": "Citoyen", "birth_date": "1940-01-15"},
    });
    let builder = user
        .get_request_builder(&GooseMethod::Post, "/api/v1/bookings")?
        .header("x-forwarded-for", address(user))
        .header(
            "idempotency-key",
            format!("surge-citizen-{n}-{}", std::process::id()),
        )
        .json(&body);
    let request = GooseRequest::builder()
        .set_request_builder(builder)
        .name("8 booking")
        // 409 (taken meanwhile) and 503 (shed) are answers, not failures.
        .expect_status_code(201)
        .build();
    let _ = user.request(request).await;
    Ok(())
}
