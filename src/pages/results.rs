//! Results around a place or a position: centres within the radius, read
//! from every département file the circle touches, filtered and sorted as
//! the URL says, so a result page can be bookmarked, shared and reloaded.

use creneau_model::search::{
    departements_within, nearby, Filters, Sort, DEFAULT_RADIUS_KM, RADII_KM,
};
use creneau_model::snapshot::Place;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api;
use crate::components::centre::CentreItem;
use crate::components::freshness::Freshness;
use crate::components::heading::PageHeading;
use crate::components::language::{lang, locale, singular};
use crate::components::problem::Problem;
use crate::components::status::use_announcer;
use crate::components::watch::use_snapshot_watch;
use crate::i18n::*;
use crate::pages::home::urlencoding;
use creneau_model::format::near_place;

/// Everything a results page shows, as found in its URL.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResultsQuery {
    /// What the circle is around, in words ("Paris 11e Arrondissement").
    pub place: String,
    pub lat: f64,
    pub lon: f64,
    pub radius_km: u32,
    pub sort: Sort,
    pub filters: Filters,
}

impl ResultsQuery {
    pub fn around_place(place: &Place, radius_km: u32) -> Self {
        ResultsQuery {
            place: format!("{} ({})", place.name, place.departement),
            lat: place.lat.unwrap_or_default(),
            lon: place.lon.unwrap_or_default(),
            radius_km,
            ..Default::default()
        }
    }

    pub fn from_params(params: &ParamsMap) -> Option<Self> {
        let lat: f64 = params.get("lat")?.parse().ok()?;
        let lon: f64 = params.get("lon")?.parse().ok()?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return None;
        }
        let radius_km = params
            .get("rayon")
            .and_then(|r| r.parse().ok())
            .filter(|r| RADII_KM.contains(r))
            .unwrap_or(DEFAULT_RADIUS_KM);
        Some(ResultsQuery {
            place: params
                .get("lieu")
                .unwrap_or_else(|| td_string!(locale(), home.your_position).into()),
            lat,
            lon,
            radius_km,
            sort: if params.get("tri").as_deref() == Some("creneau") {
                Sort::NextSlot
            } else {
                Sort::Distance
            },
            filters: Filters {
                vaccine: params.get("vaccin").filter(|v| !v.is_empty()),
                dose: params
                    .get("injection")
                    .and_then(|d| d.parse().ok())
                    .filter(|d| [1, 2].contains(d)),
                within_days: params
                    .get("delai")
                    .and_then(|d| d.parse().ok())
                    .filter(|d| [1, 7, 28].contains(d)),
                wheelchair: params.get("acces").as_deref() == Some("1"),
                online: params.get("enligne").as_deref() == Some("1"),
            },
        })
    }
}

/// The radius one tap widens an empty search to.
const WIDER_KM: u32 = 50;

/// The URL of a results page.
pub fn results_url(q: &ResultsQuery) -> String {
    let mut url = format!(
        "/centres?lieu={}&lat={:.5}&lon={:.5}&rayon={}",
        urlencoding(&q.place),
        q.lat,
        q.lon,
        if q.radius_km == 0 {
            DEFAULT_RADIUS_KM
        } else {
            q.radius_km
        }
    );
    if q.sort == Sort::NextSlot {
        url.push_str("&tri=creneau");
    }
    if let Some(v) = &q.filters.vaccine {
        url.push_str(&format!("&vaccin={}", urlencoding(v)));
    }
    if let Some(d) = q.filters.dose {
        url.push_str(&format!("&injection={d}"));
    }
    if let Some(d) = q.filters.within_days {
        url.push_str(&format!("&delai={d}"));
    }
    if q.filters.wheelchair {
        url.push_str("&acces=1");
    }
    if q.filters.online {
        url.push_str("&enligne=1");
    }
    url
}

fn options(pairs: &[(&str, &'static str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect()
}

/// A labelled `<select>`, written once for every choice of the filters form.
#[component]
fn SelectField(
    id: &'static str,
    label: &'static str,
    selected: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|(value, text)| {
            let is_selected = value == selected;
            view! { <option value=value selected=is_selected>{text}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=id>{options}</select>
        </div>
    }
}

fn km(d: f64) -> String {
    if d < 10.0 {
        let text = format!("{:.1} km", d);
        match locale() {
            Locale::fr => text.replace('.', ","),
            Locale::en => text,
        }
    } else {
        format!("{:.0} km", d)
    }
}

#[component]
pub fn ResultsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| ResultsQuery::from_params(&params.read()));
    let announcer = use_announcer();
    let navigate = use_navigate();
    let l = locale();
    let title = Signal::derive(move || match query.get() {
        Some(q) => td_string!(l, results.title, near = near_place(&q.place, lang())),
        None => td_string!(l, results.incomplete_title).to_string(),
    });
    let watch = use_snapshot_watch();
    let data = LocalResource::new(move || {
        watch.track();
        let q = query.get();
        async move {
            let Some(q) = q else {
                return Err(api::ApiError::NotFound);
            };
            let (pointer, index) = api::index().await?;
            let codes: Vec<String> =
                departements_within(&index.departements, (q.lat, q.lon), f64::from(q.radius_km))
                    .into_iter()
                    .map(str::to_string)
                    .collect();
            let files = api::departements(&pointer, &codes).await?;
            let hits = nearby(
                files.into_iter().flat_map(|f| f.centres),
                (q.lat, q.lon),
                f64::from(q.radius_km),
                &q.filters,
                q.sort,
            );
            Ok((pointer, index, hits))
        }
    });

    // The filters form: its values start from the URL; submitting rewrites it.
    let on_filters = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(mut q) = query.get_untracked() else {
            return;
        };
        let form = event_target::<web_sys::HtmlFormElement>(&ev);
        let data = web_sys::FormData::new_with_form(&form).ok();
        let field = |name: &str| {
            data.as_ref()
                .and_then(|d| d.get(name).as_string())
                .unwrap_or_default()
        };
        q.radius_km = field("rayon").parse().unwrap_or(DEFAULT_RADIUS_KM);
        q.sort = if field("tri") == "creneau" {
            Sort::NextSlot
        } else {
            Sort::Distance
        };
        q.filters.vaccine = Some(field("vaccin")).filter(|v| !v.is_empty());
        q.filters.dose = field("injection").parse().ok();
        q.filters.within_days = field("delai").parse().ok();
        q.filters.wheelchair = field("acces") == "1";
        q.filters.online = field("enligne") == "1";
        navigate(&results_url(&q), Default::default());
    };

    view! {
        <PageHeading title=title/>
        <p class="no-print"><a href="/">{td_string!(l, common.search_again)}</a></p>
        {move || query.get().map(|q| {
            let radius_options: Vec<(String, String)> = RADII_KM.iter().map(|r| (r.to_string(), format!("{r} km"))).collect();
            let vaccine = q.filters.vaccine.clone().unwrap_or_default();
            let delai = q.filters.within_days.map(|d| d.to_string()).unwrap_or_default();
            let dose = q.filters.dose.map(|d| d.to_string()).unwrap_or_default();
            let active = q.radius_km != DEFAULT_RADIUS_KM || q.sort != Sort::Distance || q.filters != Filters::default();
            view! {
                <details class="filters no-print" open=active>
                <summary>{td_string!(l, results.refine)}</summary>
                <form on:submit=on_filters.clone() novalidate>
                    <SelectField id="rayon" label=td_string!(l, results.radius) selected=q.radius_km.to_string() options=radius_options/>
                    <SelectField id="tri" label=td_string!(l, results.sort)
                        selected=(if q.sort == Sort::NextSlot { "creneau" } else { "distance" }).to_string()
                        options=options(&[("distance", td_string!(l, results.sort_distance)), ("creneau", td_string!(l, results.sort_slot))])/>
                    <SelectField id="vaccin" label=td_string!(l, results.vaccine) selected=vaccine
                        options={
                            std::iter::once(("", td_string!(l, results.all_vaccines)))
                                .chain(creneau_model::snapshot::VACCINES.iter().map(|&(code, name, _)| (code, name)))
                                .map(|(v, label)| (v.to_string(), label.to_string()))
                                .collect::<Vec<_>>()
                        }/>
                    <SelectField id="injection" label=td_string!(l, results.dose) selected=dose
                        options=options(&[("", td_string!(l, results.all_doses)), ("1", td_string!(l, results.dose_1)), ("2", td_string!(l, results.dose_2))])/>
                    <SelectField id="delai" label=td_string!(l, results.window) selected=delai
                        options=options(&[("", td_string!(l, results.any_date)), ("1", td_string!(l, results.today)), ("7", td_string!(l, results.days_7)), ("28", td_string!(l, results.days_28))])/>
                    <fieldset>
                        <legend>{td_string!(l, results.only)}</legend>
                        <div class="checkbox">
                            <input type="checkbox" id="acces" name="acces" value="1" checked=q.filters.wheelchair/>
                            <label for="acces">{td_string!(l, results.wheelchair)}</label>
                        </div>
                        <div class="checkbox">
                            <input type="checkbox" id="enligne" name="enligne" value="1" checked=q.filters.online/>
                            <label for="enligne">{td_string!(l, results.online)}</label>
                        </div>
                    </fieldset>
                    <button type="submit" class="button button-secondary">{td_string!(l, results.apply)}</button>
                </form>
                </details>
            }
        })}
        <Suspense fallback=move || {
            announcer.say(td_string!(l, common.searching));
            view! { <p>{td_string!(l, common.searching)}</p> }
        }>
            {move || Suspend::new(async move {
                let radius = query.get_untracked().map(|q| q.radius_km).unwrap_or(DEFAULT_RADIUS_KM);
                match data.await {
                    Ok((pointer, _index, hits)) => {
                        watch.showing(&pointer.version);
                        let count = hits.len();
                        let summary = match count {
                            0 => td_string!(l, results.count_none, km = radius),
                            n if singular(n) => td_string!(l, results.count_single, n, km = radius),
                            n => td_string!(l, results.count_many, n, km = radius),
                        };
                        announcer.say(summary.clone());
                        let demo = pointer.demo.then(|| view! {
                            <p class="notice">{td_string!(l, common.demo)}</p>
                        });
                        // Nothing near: one tap searches wider, the
                        // filters kept.
                        let wider = query.get_untracked().filter(|q| q.radius_km < WIDER_KM).map(|q| {
                            results_url(&ResultsQuery { radius_km: WIDER_KM, ..q })
                        });
                        let empty = (count == 0).then(|| view! {
                            <p>{td_string!(l, results.empty)}</p>
                            {wider.map(|href| view! {
                                <p><a class="button button-secondary" href=href>{td_string!(l, results.widen)}</a></p>
                            })}
                        });
                        view! {
                            {demo}
                            <Freshness generated_at=pointer.generated_at.clone()/>
                            <h2 class="result-count">{summary}</h2>
                            {empty}
                            <ul class="results">
                                {hits.into_iter().map(|hit| {
                                    let distance = hit.distance_km.map(km);
                                    match distance {
                                        Some(d) => view! { <CentreItem centre=hit.centre distance=d/> }.into_any(),
                                        None => view! { <CentreItem centre=hit.centre/> }.into_any(),
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(api::ApiError::NotFound) if query.get_untracked().is_none() => view! {
                        <p>{td_string!(l, results.incomplete)}<a href="/">{td_string!(l, results.new_search)}</a></p>
                    }.into_any(),
                    Err(error) => {
                        announcer.say(crate::components::problem::explain(&error));
                        view! { <Problem error/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
