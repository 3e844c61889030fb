//! Results around a place or a position: centres within the radius, read
//! from every département file the circle touches, filtered and sorted as
//! the URL says, so a result page can be bookmarked, shared and reloaded.

use creneau_model::search::{
    departements_within, nearby, Filters, Hit, Sort, DEFAULT_RADIUS_KM, RADII_KM,
};
use creneau_model::snapshot::Place;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api;
use crate::finder::filters::{self, Applied, FiltersForm};
use crate::i18n::*;
use crate::ui::centre_list::CentreList;
use crate::ui::freshness::Freshness;
use crate::ui::heading::PageHeading;
use crate::ui::language::{lang, locale, singular};
use crate::ui::problem::Problem;
use crate::ui::status::use_announcer;
use crate::ui::watch::use_snapshot_watch;
use crate::url::encode as urlencoding;
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
            place: match &place.merged_into {
                None => format!("{} ({})", place.name, place.departement),
                Some(now) => format!("{}, {now} ({})", place.name, place.departement),
            },
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
        let (sort, filters) = filters::from_params(params, Sort::Distance);
        Some(ResultsQuery {
            place: params
                .get("lieu")
                .unwrap_or_else(|| td_string!(locale(), home.your_position).into()),
            lat,
            lon,
            radius_km,
            sort,
            filters,
        })
    }
}

/// "Me prévenir" (in the booking app) around a results page's place: the
/// same place, radius and vaccine. Written out rather than through
/// [`results_url`] and a copy of the query, which costs the finder's first
/// load 160 bytes more.
pub fn alert_url(q: &ResultsQuery) -> String {
    let mut url = format!(
        "/reserver/alerte?lieu={}&lat={:.5}&lon={:.5}&rayon={}",
        urlencoding(&q.place),
        q.lat,
        q.lon,
        q.radius_km
    );
    if let Some(v) = &q.filters.vaccine {
        url.push_str(&format!("&vaccin={}", urlencoding(v)));
    }
    url
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
    url.push_str(&filters::to_query(q.sort, Sort::Distance, &q.filters));
    url
}

#[component]
pub fn ResultsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| ResultsQuery::from_params(&params.read()));
    let announcer = use_announcer();
    let navigate = use_navigate();
    let l = locale();
    // The static shell's form sends only what was typed (`?q=Marseille`):
    // the home page reads it as if typed there, and answers it.
    if query.get_untracked().is_none() {
        if let Some(typed) = params.read_untracked().get("q") {
            let url = format!("/?q={}", urlencoding(&typed));
            let navigate = navigate.clone();
            request_animation_frame(move || {
                navigate(
                    &url,
                    leptos_router::NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                )
            });
            return view! { <p>{td_string!(l, common.searching)}</p> }.into_any();
        }
    }
    let title = Signal::derive(move || match query.get() {
        Some(q) => td_string!(l, results.title, near = near_place(&q.place, lang())),
        None => td_string!(l, results.incomplete_title).to_string(),
    });
    let watch = use_snapshot_watch();
    let last_shown = StoredValue::new(None::<(creneau_model::snapshot::Pointer, Vec<Hit>, u32)>);
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
            let files = api::departements(&index, &codes).await?;
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

    // The filters form: its values start from the URL; applying rewrites it.
    let on_apply = Callback::new(move |applied: Applied| {
        if let Some(q) = query.get_untracked() {
            navigate(
                &results_url(&ResultsQuery {
                    radius_km: applied.radius_km.unwrap_or(DEFAULT_RADIUS_KM),
                    sort: applied.sort,
                    filters: applied.filters,
                    ..q
                }),
                Default::default(),
            );
        }
    });

    view! {
        <PageHeading title=title/>
        <p class="no-print"><a href="/">{td_string!(l, common.search_again)}</a></p>
        {move || query.get().map(|q| {
            let active = q.radius_km != DEFAULT_RADIUS_KM || q.sort != Sort::Distance || q.filters != Filters::default();
            view! { <FiltersForm radius_km=Some(q.radius_km) sort=q.sort filters=q.filters active on_apply/> }
        })}
        <Suspense fallback=move || {
            announcer.say(td_string!(l, common.searching));
            view! { <p>{td_string!(l, common.searching)}</p> }
        }>
            {move || Suspend::new(async move {
                let radius = query.get_untracked().map(|q| q.radius_km).unwrap_or(DEFAULT_RADIUS_KM);
                // A failed update keeps the list already shown, said to
                // be the previous one; only a first load shows the problem.
                let (pointer, hits, radius, kept) = match data.await {
                    Ok((pointer, _index, hits)) => {
                        last_shown.set_value(Some((pointer.clone(), hits.clone(), radius)));
                        (pointer, hits, radius, None)
                    }
                    Err(api::ApiError::NotFound) if query.get_untracked().is_none() => return view! {
                        <p>{td_string!(l, results.incomplete)}<a href="/">{td_string!(l, results.new_search)}</a></p>
                    }.into_any(),
                    Err(error) => match last_shown.get_value() {
                        Some((pointer, hits, radius)) => {
                            let why = crate::ui::problem::explain(&error);
                            announcer.say(why);
                            (pointer, hits, radius, Some(td_string!(l, results.kept, why)))
                        }
                        None => {
                            announcer.say(crate::ui::problem::explain(&error));
                            return view! { <Problem error/> }.into_any();
                        }
                    },
                };
                watch.showing(&pointer);
                let count = hits.len();
                let summary = match count {
                    0 => td_string!(l, results.count_none, km = radius),
                    n if singular(n) => td_string!(l, results.count_single, n, km = radius),
                    n => td_string!(l, results.count_many, n, km = radius),
                };
                if kept.is_none() {
                    announcer.say(summary.clone());
                }
                let kept = kept.map(|text| view! { <p class="notice notice-warning">{text}</p> });
                let demo = pointer.demo.then(|| view! {
                    <p class="notice">{td_string!(l, common.demo)}</p>
                });
                // Nothing near: one tap searches wider, the
                // filters kept.
                let wider = query.get_untracked().filter(|q| q.radius_km < WIDER_KM).map(|q| {
                    results_url(&ResultsQuery { radius_km: WIDER_KM, ..q })
                });
                // No free place anywhere in the list: ask to be told.
                let none_free = hits.iter().all(|h| {
                    h.centre.next_slot.is_none()
                        && h.centre.today.as_ref().is_none_or(|t| t.runs.iter().all(|r| r.free == 0))
                });
                let alert = query.get_untracked().filter(|_| none_free).map(|q| view! {
                    <p><a class="button button-secondary" href=alert_url(&q) rel="external">{td_string!(l, alert.link)}</a></p>
                });
                let empty = (count == 0).then(|| view! {
                    <p>{td_string!(l, results.empty)}</p>
                    {wider.map(|href| view! {
                        <p><a class="button button-secondary" href=href>{td_string!(l, results.widen)}</a></p>
                    })}
                });
                view! {
                    {kept}
                    {demo}
                    <Freshness generated_at=pointer.generated_at.clone()/>
                    <h2 class="result-count">{summary}</h2>
                    {empty}
                    {alert}
                    <CentreList hits/>
                }.into_any()
            })}
        </Suspense>
    }
    .into_any()
}
