//! The message shown when the snapshot cannot be read: what happened in
//! plain words, what to do (try again), and the phone line, which always
//! works.

use leptos::prelude::*;

use super::language::locale;
use super::phone::{NATIONAL_PHONE, NATIONAL_PHONE_TEL};
use crate::api::ApiError;
use crate::i18n::*;

pub fn explain(error: &ApiError) -> &'static str {
    let l = locale();
    match error {
        ApiError::Network => td_string!(l, problem.network),
        ApiError::NotFound => td_string!(l, problem.not_found),
        ApiError::Status(_) | ApiError::Decode => td_string!(l, problem.status),
    }
}

/// What went wrong, "Réessayer" when trying again may help (a page that
/// exists but could not be read: a full load of the same address, which
/// fetches everything afresh), and the phone line.
#[component]
pub fn Problem(error: ApiError) -> impl IntoView {
    let again = (!matches!(error, ApiError::NotFound)).then(|| {
        let here = window().location().href().unwrap_or_default();
        view! {
            <p><a class="button button-secondary" href=here rel="external">{td_string!(locale(), problem.try_again)}</a></p>
        }
    });
    view! {
        <div class="notice notice-warning">
            <p>{explain(&error)}</p>
            {again}
            <p>
                {td_string!(locale(), problem.by_phone)}
                <a class="phone" href=NATIONAL_PHONE_TEL>{NATIONAL_PHONE}</a>
                {td_string!(locale(), layout.free_call)}
            </p>
        </div>
    }
}
