//! The view for an address the app does not know.

use leptos::prelude::*;

use crate::i18n::*;
use crate::ui::heading::PageHeading;
use crate::ui::language::locale;
use crate::ui::layout::rel_for;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let l = locale();
    view! {
        <PageHeading title=td_string!(l, not_found.title).to_string()/>
        <p>{td_string!(l, not_found.check)}</p>
        <p><a href="/" rel=rel_for("/")>{td_string!(l, not_found.home)}</a></p>
    }
}
