//! A département's centres, from its snapshot file: those with a free slot
//! first (soonest first), then the others with their link or phone.

use creneau_model::snapshot::CentreSummary;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::components::centre::CentreItem;
use crate::components::freshness::Freshness;
use crate::components::heading::PageHeading;
use crate::components::language::locale;
use crate::components::problem::Problem;
use crate::components::status::use_announcer;
use crate::components::watch::use_snapshot_watch;
use crate::i18n::*;

/// Soonest free slot first; centres without one keep their file order after.
pub fn sort_by_next_slot(centres: &mut [CentreSummary]) {
    centres.sort_by(|a, b| match (&a.next_slot, &b.next_slot) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

#[component]
pub fn DepartementPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let announcer = use_announcer();
    let l = locale();
    let title = RwSignal::new(td_string!(l, departement.title, code = code()));
    let watch = use_snapshot_watch();
    let data = LocalResource::new(move || {
        watch.track();
        let code = code();
        async move { api::departement(&code).await }
    });
    view! {
        <PageHeading title=title/>
        <p class="no-print"><a href="/departements">{td_string!(l, departement.other)}</a></p>
        <Suspense fallback=move || {
            announcer.say(td_string!(l, departement.loading));
            view! { <p>{td_string!(l, departement.loading)}</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((pointer, file)) => {
                        watch.showing(&pointer.version);
                        title.set(td_string!(l, departement.title_named, name = &file.name, code = &file.code));
                        let mut centres = file.centres;
                        sort_by_next_slot(&mut centres);
                        let count = centres.len();
                        let with_slots = centres.iter().filter(|c| c.next_slot.is_some()).count();
                        let summary = td_string!(l, departement.summary, count, with_slots);
                        announcer.say(summary.clone());
                        let demo = pointer.demo.then(|| view! {
                            <p class="notice">{td_string!(l, common.demo)}</p>
                        });
                        view! {
                            {demo}
                            <Freshness generated_at=pointer.generated_at.clone()/>
                            <p>{summary}</p>
                            <ul class="results">
                                {centres.into_iter().map(|centre| view! { <CentreItem centre/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(error) => {
                        if error == api::ApiError::NotFound {
                            title.set(td_string!(l, departement.not_found).to_string());
                        }
                        announcer.say(crate::components::problem::explain(&error));
                        view! { <Problem error/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
