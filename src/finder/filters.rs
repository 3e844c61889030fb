//! The filters form of the results and département pages, written once:
//! the radius (results only), the order, vaccine, injection, how soon, and
//! "only" checkboxes. Its values come from the URL and applying them writes
//! a new URL, so a filtered page can be bookmarked, shared and reloaded.

use creneau_model::search::{Filters, Sort, RADII_KM};
use leptos::prelude::*;
use leptos_router::params::ParamsMap;

use crate::i18n::*;
use crate::ui::language::locale;
use crate::url::encode;

/// The order and filters a page was asked for, read from its URL; `tri` is
/// written only when it is not the page's own default order.
pub fn from_params(params: &ParamsMap, default_sort: Sort) -> (Sort, Filters) {
    let sort = match params.get("tri").as_deref() {
        Some("creneau") => Sort::NextSlot,
        Some("distance") => Sort::Distance,
        _ => default_sort,
    };
    let filters = Filters {
        vaccine: params.get("vaccin").filter(|v| !v.is_empty()),
        dose: params
            .get("injection")
            .and_then(|d| d.parse().ok())
            .filter(|d| [1, 2].contains(d)),
        within_days: params
            .get("delai")
            .and_then(|d| d.parse().ok())
            .filter(|d| [1, 7, 28].contains(d)),
        wheelchair: params.get("acces").as_deref() == Some("1"),
        online: params.get("enligne").as_deref() == Some("1"),
    };
    (sort, filters)
}

/// `&tri=…&vaccin=…` for the URL: only what differs from the defaults.
pub fn to_query(sort: Sort, default_sort: Sort, filters: &Filters) -> String {
    let mut query = String::new();
    if sort != default_sort {
        query.push_str(match sort {
            Sort::NextSlot => "&tri=creneau",
            Sort::Distance => "&tri=distance",
        });
    }
    if let Some(v) = &filters.vaccine {
        query.push_str(&format!("&vaccin={}", encode(v)));
    }
    if let Some(d) = filters.dose {
        query.push_str(&format!("&injection={d}"));
    }
    if let Some(d) = filters.within_days {
        query.push_str(&format!("&delai={d}"));
    }
    if filters.wheelchair {
        query.push_str("&acces=1");
    }
    if filters.online {
        query.push_str("&enligne=1");
    }
    query
}

/// What the person applied: radius (when the page has one), order, filters.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub radius_km: Option<u32>,
    pub sort: Sort,
    pub filters: Filters,
}

fn options(pairs: &[(&str, &'static str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect()
}

/// A labelled `<select>`, written once for every choice of the form.
#[component]
fn SelectField(
    id: &'static str,
    label: &'static str,
    selected: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|(value, text)| {
            let is_selected = value == selected;
            view! { <option value=value selected=is_selected>{text}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=id>{options}</select>
        </div>
    }
}

/// "Affiner la recherche", folded unless something differs from the
/// defaults (`active`).
#[component]
pub fn FiltersForm(
    radius_km: Option<u32>,
    sort: Sort,
    filters: Filters,
    active: bool,
    on_apply: Callback<Applied>,
) -> impl IntoView {
    let l = locale();
    let has_radius = radius_km.is_some();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = event_target::<web_sys::HtmlFormElement>(&ev);
        let data = web_sys::FormData::new_with_form(&form).ok();
        let field = |name: &str| {
            data.as_ref()
                .and_then(|d| d.get(name).as_string())
                .unwrap_or_default()
        };
        on_apply.run(Applied {
            radius_km: has_radius.then(|| field("rayon").parse().ok()).flatten(),
            sort: if field("tri") == "creneau" {
                Sort::NextSlot
            } else {
                Sort::Distance
            },
            filters: Filters {
                vaccine: Some(field("vaccin")).filter(|v| !v.is_empty()),
                dose: field("injection").parse().ok(),
                within_days: field("delai").parse().ok(),
                wheelchair: field("acces") == "1",
                online: field("enligne") == "1",
            },
        });
    };
    let radius = radius_km.map(|km| {
        let choices: Vec<(String, String)> = RADII_KM
            .iter()
            .map(|r| (r.to_string(), format!("{r} km")))
            .collect();
        view! { <SelectField id="rayon" label=td_string!(l, results.radius) selected=km.to_string() options=choices/> }
    });
    let vaccine = filters.vaccine.clone().unwrap_or_default();
    let delai = filters
        .within_days
        .map(|d| d.to_string())
        .unwrap_or_default();
    let dose = filters.dose.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <details class="filters no-print" open=active>
        <summary>{td_string!(l, results.refine)}</summary>
        <form on:submit=on_submit novalidate>
            {radius}
            <SelectField id="tri" label=td_string!(l, results.sort)
                selected=(if sort == Sort::NextSlot { "creneau" } else { "distance" }).to_string()
                options=options(&[("distance", td_string!(l, results.sort_distance)), ("creneau", td_string!(l, results.sort_slot))])/>
            <SelectField id="vaccin" label=td_string!(l, results.vaccine) selected=vaccine
                options={
                    std::iter::once(("", td_string!(l, results.all_vaccines)))
                        .chain(creneau_model::snapshot::VACCINES.iter().map(|&(code, name, _)| (code, name)))
                        .map(|(v, label)| (v.to_string(), label.to_string()))
                        .collect::<Vec<_>>()
                }/>
            <SelectField id="injection" label=td_string!(l, results.dose) selected=dose
                options=options(&[("", td_string!(l, results.all_doses)), ("1", td_string!(l, results.dose_1)), ("2", td_string!(l, results.dose_2))])/>
            <SelectField id="delai" label=td_string!(l, results.window) selected=delai
                options=options(&[("", td_string!(l, results.any_date)), ("1", td_string!(l, results.today)), ("7", td_string!(l, results.days_7)), ("28", td_string!(l, results.days_28))])/>
            <fieldset>
                <legend>{td_string!(l, results.only)}</legend>
                <div class="checkbox">
                    <input type="checkbox" id="acces" name="acces" value="1" checked=filters.wheelchair/>
                    <label for="acces">{td_string!(l, results.wheelchair)}</label>
                </div>
                <div class="checkbox">
                    <input type="checkbox" id="enligne" name="enligne" value="1" checked=filters.online/>
                    <label for="enligne">{td_string!(l, results.online)}</label>
                </div>
            </fieldset>
            <button type="submit" class="button button-secondary">{td_string!(l, results.apply)}</button>
        </form>
        </details>
    }
}
