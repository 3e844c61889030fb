//! The view for an address the app does not know.

use leptos::prelude::*;

use crate::components::heading::PageHeading;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <PageHeading title="Page introuvable".to_string()/>
        <p>"Si vous avez saisi l’adresse, vérifiez qu’elle est correcte."</p>
        <p><a href="/">"Trouver un centre de vaccination"</a></p>
    }
}
