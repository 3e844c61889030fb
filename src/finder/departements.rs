//! Every département, as links, for people who prefer to browse.

use leptos::prelude::*;

use crate::api;
use crate::i18n::*;
use crate::ui::heading::PageHeading;
use crate::ui::language::locale;
use crate::ui::problem::Problem;
use crate::ui::status::use_announcer;

#[component]
pub fn DepartementsPage() -> impl IntoView {
    let announcer = use_announcer();
    let index = LocalResource::new(api::index);
    let l = locale();
    view! {
        <PageHeading title=td_string!(l, departement.list_title).to_string()/>
        <Suspense fallback=move || {
            announcer.say(td_string!(l, departement.list_loading));
            view! { <p>{td_string!(l, departement.list_loading)}</p> }
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
