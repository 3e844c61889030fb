//! The message shown when the snapshot cannot be read: what happened in
//! plain words, what to do, and the phone line, which always works.

use leptos::prelude::*;

use super::layout::{NATIONAL_PHONE, NATIONAL_PHONE_TEL};
use crate::api::ApiError;

pub fn explain(error: &ApiError) -> &'static str {
    match error {
        ApiError::Network => {
            "Impossible de joindre le service. Vérifiez votre connexion internet, puis réessayez."
        }
        ApiError::NotFound => "Cette page n’existe pas ou plus.",
        ApiError::Status(_) | ApiError::Decode => {
            "Le service ne répond pas correctement pour le moment. Réessayez dans quelques minutes."
        }
    }
}

#[component]
pub fn Problem(error: ApiError) -> impl IntoView {
    view! {
        <div class="notice notice-warning">
            <p>{explain(&error)}</p>
            <p>
                "Vous pouvez aussi prendre rendez-vous par téléphone au "
                <a class="phone" href=NATIONAL_PHONE_TEL>{NATIONAL_PHONE}</a>
                " (appel gratuit)."
            </p>
        </div>
    }
}
