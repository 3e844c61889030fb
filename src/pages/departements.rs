//! Every département, as links, for people who prefer to browse.

use leptos::prelude::*;

use crate::api;
use crate::components::heading::PageHeading;
use crate::components::problem::Problem;
use crate::components::status::use_announcer;

#[component]
pub fn DepartementsPage() -> impl IntoView {
    let announcer = use_announcer();
    let index = LocalResource::new(api::index);
    view! {
        <PageHeading title="Choisir un département".to_string()/>
        <Suspense fallback=move || {
            announcer.say("Chargement des départements…");
            view! { <p>"Chargement des départements…"</p> }
        }>
            {move || Suspend::new(async move {
                match index.await {
                    Ok((_, index)) => {
                        announcer.say("");
                        let items = index.departements.into_iter().map(|d| {
                            let label = format!("{} – {}", d.code, d.name);
                            view! { <li><a href=format!("/departement/{}", d.code)>{label}</a></li> }
                        }).collect_view();
                        view! { <ul class="dep-list">{items}</ul> }.into_any()
                    }
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
