//! A département's centres, from its snapshot file, with the same filters
//! and orders as results: by next free slot (the default here: a person
//! browsing a département wants the soonest) or by distance from the
//! département's middle, each centre with that distance. The choice lives
//! in the URL (`/departement/57?tri=distance&acces=1`).

use creneau_model::search::{in_departement, middle_of, Filters, Sort};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api;
use crate::finder::filters::{self, Applied, FiltersForm};
use crate::i18n::*;
use crate::ui::centre_list::CentreList;
use crate::ui::freshness::Freshness;
use crate::ui::heading::PageHeading;
use crate::ui::language::locale;
use crate::ui::problem::Problem;
use crate::ui::status::use_announcer;
use crate::ui::watch::use_snapshot_watch;

/// The order of a département page unless asked otherwise.
const DEFAULT_SORT: Sort = Sort::NextSlot;

#[component]
pub fn DepartementPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let chosen = Memo::new(move |_| filters::from_params(&query.read(), DEFAULT_SORT));
    let announcer = use_announcer();
    let navigate = use_navigate();
    let l = locale();
    let title = RwSignal::new(td_string!(l, departement.title, code = code()));
    let watch = use_snapshot_watch();
    let data = LocalResource::new(move || {
        watch.track();
        let code = code();
        let (sort, filters) = chosen.get();
        async move {
            let (pointer, file) = api::departement(&code).await?;
            let (_, index) = api::index().await?;
            let middle = index
                .departements
                .iter()
                .find(|d| d.code == file.code)
                .and_then(|d| d.bbox)
                .map(middle_of);
            let total = file.centres.len();
            let with_slots = file
                .centres
                .iter()
                .filter(|c| c.next_slot.is_some())
                .count();
            let hits = in_departement(file.centres, middle, &filters, sort);
            Ok::<_, api::ApiError>((
                pointer,
                file.name,
                file.code,
                (total, with_slots, middle.is_some()),
                hits,
            ))
        }
    });
    let on_apply = Callback::new(move |applied: Applied| {
        let url = format!(
            "/departement/{}?{}",
            code(),
            filters::to_query(applied.sort, DEFAULT_SORT, &applied.filters).trim_start_matches('&')
        );
        navigate(url.trim_end_matches('?'), Default::default());
    });
    view! {
        <PageHeading title=title/>
        <p class="no-print"><a href="/departements">{td_string!(l, departement.other)}</a></p>
        {move || {
            let (sort, filters) = chosen.get();
            let active = sort != DEFAULT_SORT || filters != Filters::default();
            view! { <FiltersForm radius_km=None sort filters active on_apply/> }
        }}
        <Suspense fallback=move || {
            announcer.say(td_string!(l, departement.loading));
            view! { <p>{td_string!(l, departement.loading)}</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((pointer, name, code, (total, with_slots, has_middle), hits)) => {
                        watch.showing(&pointer);
                        title.set(td_string!(l, departement.title_named, name = &name, code = &code));
                        let summary = if hits.len() == total {
                            td_string!(l, departement.summary, count = total, with_slots)
                        } else {
                            td_string!(l, departement.summary_filtered, shown = hits.len(), count = total)
                        };
                        announcer.say(summary.clone());
                        let demo = pointer.demo.then(|| view! {
                            <p class="notice">{td_string!(l, common.demo)}</p>
                        });
                        view! {
                            {demo}
                            <Freshness generated_at=pointer.generated_at.clone()/>
                            <p class="result-count">{summary}</p>
                            {has_middle.then(|| view! { <p class="hint">{td_string!(l, departement.distances)}</p> })}
                            <CentreList hits/>
                        }.into_any()
                    }
                    Err(error) => {
                        if error == api::ApiError::NotFound {
                            title.set(td_string!(l, departement.not_found).to_string());
                        }
                        announcer.say(crate::ui::problem::explain(&error));
                        view! { <Problem error/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
