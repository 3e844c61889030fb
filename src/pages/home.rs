//! Home: choose a département to list its centres.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::components::heading::PageHeading;
use crate::components::problem::Problem;
use crate::components::status::use_announcer;

#[component]
pub fn HomePage() -> impl IntoView {
    let announcer = use_announcer();
    let index = LocalResource::new(api::index);
    let select = NodeRef::<leptos::html::Select>::new();
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(select) = select.get() {
            let code = select.value();
            if !code.is_empty() {
                navigate(&format!("/departement/{code}"), Default::default());
            }
        }
    };
    view! {
        <PageHeading title="Trouver un centre de vaccination".to_string()/>
        <p class="lead">"Choisissez votre département pour voir ses centres de vaccination et leurs prochains créneaux libres."</p>
        <Suspense fallback=move || {
            announcer.say("Chargement des départements…");
            view! { <p>"Chargement des départements…"</p> }
        }>
            {move || { let on_submit = on_submit.clone(); Suspend::new(async move {
                match index.await {
                    Ok((pointer, index)) => {
                        announcer.say("");
                        let demo = pointer.demo.then(|| view! {
                            <p class="notice">"Démonstration : les centres et les créneaux affichés sont fictifs."</p>
                        });
                        let options = index.departements.into_iter().map(|d| {
                            let label = format!("{} – {} ({} centres)", d.code, d.name, d.centres);
                            view! { <option value=d.code>{label}</option> }
                        }).collect_view();
                        view! {
                            {demo}
                            <form class="no-print" on:submit=on_submit novalidate>
                                <div class="field">
                                    <label for="departement">"Votre département"</label>
                                    <select id="departement" name="departement" node_ref=select>
                                        {options}
                                    </select>
                                </div>
                                <button type="submit" class="button">"Afficher les centres"</button>
                            </form>
                        }.into_any()
                    }
                    Err(error) => {
                        announcer.say("Le service est momentanément indisponible.");
                        view! { <Problem error/> }.into_any()
                    }
                }
            })}}
        </Suspense>
    }
}
