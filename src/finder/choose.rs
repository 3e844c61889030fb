//! When a postcode or a name fits several communes ("Saint-Denis", "Aix"),
//! or was found only by correcting its spelling ("Marseile"), the person
//! chooses: a plain list of links, each with its département, a former
//! commune with the commune it is now part of.

use creneau_model::search::{find_places, parse_query, DEFAULT_RADIUS_KM};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api;
use crate::finder::results::{results_url, ResultsQuery};
use crate::i18n::*;
use crate::ui::heading::PageHeading;
use crate::ui::language::{locale, singular};
use crate::ui::problem::Problem;
use crate::ui::status::use_announcer;

#[component]
pub fn ChoosePage() -> impl IntoView {
    let params = use_query_map();
    let q = move || params.read().get("q").unwrap_or_default();
    let announcer = use_announcer();
    let l = locale();
    let data = LocalResource::new(move || {
        let q = q();
        async move {
            let (pointer, index) = api::index().await?;
            let shard = api::search_shard(&pointer, &q).await?;
            let (places, corrected) = match parse_query(&q) {
                Ok(query) => {
                    let found = find_places(&shard.places, &query);
                    let places: Vec<_> = found.places.into_iter().cloned().collect();
                    (places, found.corrected)
                }
                Err(_) => (Vec::new(), false),
            };
            Ok::<_, api::ApiError>((index, places, corrected))
        }
    });
    // Set with the answer: "Vouliez-vous dire… ?" when it is a correction.
    let title = RwSignal::new(td_string!(l, choose.title, q = q()));
    view! {
        <PageHeading title=title/>
        <Suspense fallback=move || view! { <p>{td_string!(l, common.searching)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((index, places, corrected)) => {
                        title.set(if corrected {
                            td_string!(l, choose.corrected_title, q = q())
                        } else {
                            td_string!(l, choose.title, q = q())
                        });
                        let n = places.len();
                        announcer.say(if singular(n) { td_string!(l, choose.count_single, n) } else { td_string!(l, choose.count_many, n) });
                        let dep_name = |code: &str| index.departements.iter().find(|d| d.code == code).map(|d| d.name.clone()).unwrap_or_default();
                        let items = places.iter().map(|p| {
                            let url = results_url(&ResultsQuery::around_place(p, DEFAULT_RADIUS_KM));
                            let name = match &p.merged_into {
                                None => p.name.clone(),
                                Some(now) => td_string!(l, choose.merged, name = p.name.as_str(), now = now.as_str()),
                            };
                            let label = format!("{name}, {} ({}) – {}", dep_name(&p.departement), p.departement, p.postcodes.join(", "));
                            view! { <li><a href=url>{label}</a></li> }
                        }).collect_view();
                        view! {
                            <p>{if corrected {
                                td_string!(l, choose.corrected_intro, q = q())
                            } else if n == 1 {
                                td_string!(l, choose.single_intro).to_string()
                            } else {
                                td_string!(l, choose.intro).to_string()
                            }}</p>
                            <ul class="choices">{items}</ul>
                            <p><a href="/">{td_string!(l, common.search_again)}</a></p>
                        }.into_any()
                    }
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
