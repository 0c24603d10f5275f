//! The catalogue pages: the controls of a framework with filters and facet counts, their CSV
//! export, and one control with its attributes, mappings and measures.

use super::service;
use crate::domain::catalog::ControlFilter;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormErrors, Layout, PageResult, layout};
use crate::web::session::{self, Caller};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

/// The framework the catalogue opens on.
const ISO_2022: &str = crate::domain::catalog::DEFAULT_FRAMEWORK;

struct ThemeOption {
    id: String,
    label: String,
    count: i64,
    selected: bool,
}

struct FacetValue {
    value: String,
    label: String,
    count: i64,
    checked: bool,
}

struct Facet {
    key: String,
    name: String,
    values: Vec<FacetValue>,
}

struct ControlRow {
    id: String,
    title: String,
    theme: String,
    href: String,
    tags: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/templates/controls.html")]
struct ControlsPage {
    l: Layout,
    errors: FormErrors,
    frameworks: Vec<crate::domain::catalog::Framework>,
    framework: String,
    q: String,
    theme_label: &'static str,
    themes: Vec<ThemeOption>,
    facets: Vec<Facet>,
    controls: Vec<ControlRow>,
    total: i64,
    filtered: bool,
    has_attributes: bool,
    next_href: Option<String>,
    export_href: String,
}

/// The catalogue's query string: framework, theme, attr (repeatable), q, cursor.
struct CatalogueQuery {
    framework: String,
    theme: Option<String>,
    attrs: Vec<String>,
    q: Option<String>,
    cursor: Option<String>,
}

impl CatalogueQuery {
    fn parse(raw: Option<&str>) -> CatalogueQuery {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
        let one = |k: &str| {
            pairs
                .iter()
                .find(|(n, v)| n == k && !v.trim().is_empty())
                .map(|(_, v)| v.clone())
        };
        CatalogueQuery {
            framework: one("framework").unwrap_or_else(|| ISO_2022.to_string()),
            theme: one("theme"),
            attrs: pairs
                .iter()
                .filter(|(k, _)| k == "attr")
                .map(|(_, v)| v.clone())
                .collect(),
            q: one("q"),
            cursor: one("cursor"),
        }
    }

    fn href(&self, path: &str, cursor: Option<&str>) -> String {
        let mut parts = vec![format!("framework={}", session::encode(&self.framework))];
        if let Some(t) = &self.theme {
            parts.push(format!("theme={}", session::encode(t)));
        }
        for a in &self.attrs {
            parts.push(format!("attr={}", session::encode(a)));
        }
        if let Some(q) = &self.q {
            parts.push(format!("q={}", session::encode(q)));
        }
        if let Some(c) = cursor {
            parts.push(format!("cursor={}", session::encode(c)));
        }
        format!("{path}?{}", parts.join("&"))
    }
}

/// The catalogue browser: a framework's controls with the theme and attribute filters, their
/// counts, text search and pages.
pub async fn controls_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let l = layout(&s, &caller, "Controls", "controls", None).await?;
    let query = CatalogueQuery::parse(raw.as_deref());
    let catalogs = service::catalogs(&ctx).await?;
    let cat = catalogs
        .iter()
        .find(|c| c.framework.id == query.framework)
        .ok_or_else(|| Error::NotFound(format!("framework '{}'", query.framework)))?;
    let (fw, groups, types) = (&cat.framework, &cat.groups, &cat.attribute_types);
    let mut errors = FormErrors::default();
    let filter =
        match ControlFilter::parse(query.theme.as_deref(), &query.attrs, query.q.as_deref())
            .and_then(|f| f.check(groups, types).map(|()| f))
        {
            Ok(f) => Some(f),
            Err(e) => {
                errors = FormErrors::from_error(e)?;
                None
            }
        };
    let filter_ref = filter.clone().unwrap_or_default();
    let facets = cat.facets(&filter_ref);
    let page = match filter
        .as_ref()
        .map(|f| cat.page(f, query.cursor.as_deref(), 100))
    {
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            errors = FormErrors::from_error(e)?;
            None
        }
        None => None,
    };
    let group_title = |id: &str| {
        groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.title.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let themes = groups
        .iter()
        .filter(|g| g.parent.is_none())
        .map(|g| ThemeOption {
            id: g.id.clone(),
            label: if g.id.starts_with("A.") || g.id.chars().all(|c| c.is_ascii_digit()) {
                format!("{} {}", g.id, g.title)
            } else {
                g.title.clone()
            },
            count: facets.themes.get(&g.id).copied().unwrap_or(0),
            selected: filter_ref
                .theme
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(&g.id)),
        })
        .collect();
    let facet_list = types
        .iter()
        .map(|t| Facet {
            key: t.key.clone(),
            name: t.name.clone(),
            values: t
                .values
                .iter()
                .map(|v| FacetValue {
                    value: v.clone(),
                    label: v.replace('_', " "),
                    count: facets
                        .attributes
                        .get(&t.key)
                        .and_then(|m| m.get(v))
                        .copied()
                        .unwrap_or(0),
                    checked: filter_ref
                        .attributes
                        .iter()
                        .any(|(k, x)| k == &t.key && x == v),
                })
                .collect(),
        })
        .collect();
    let (controls, total, next_href) = match page {
        Some(p) => {
            let rows = p
                .items
                .into_iter()
                .map(|c| ControlRow {
                    href: format!("/controls/{}/{}", c.framework, c.id),
                    theme: group_title(&c.theme),
                    tags: ["control_type", "cybersecurity_concepts"]
                        .iter()
                        .flat_map(|k| c.attributes.get(*k).cloned().unwrap_or_default())
                        .collect(),
                    id: c.id,
                    title: c.title,
                })
                .collect();
            (
                rows,
                p.total,
                p.next_cursor.map(|c| query.href("/controls", Some(&c))),
            )
        }
        None => (Vec::new(), 0, None),
    };
    let theme_label = match fw.id.as_str() {
        "iso27002-2013" => "Domain",
        "iso27001-2022" => "Clause",
        _ => "Theme",
    };
    let filtered = filter_ref != ControlFilter::default();
    let status = errors.status();
    Ok((
        status,
        ControlsPage {
            l,
            errors,
            has_attributes: !types.is_empty(),
            frameworks: catalogs.iter().map(|c| c.framework.clone()).collect(),
            framework: fw.id.clone(),
            q: query.q.clone().unwrap_or_default(),
            theme_label,
            themes,
            facets: facet_list,
            controls,
            total,
            filtered,
            next_href,
            export_href: query.href("/controls/export.csv", None),
        },
    )
        .into_response())
}

/// The controls matching the catalogue's filters, as CSV (all pages).
pub async fn controls_export(ctx: Ctx, RawQuery(raw): RawQuery) -> PageResult {
    let query = CatalogueQuery::parse(raw.as_deref());
    let cat = service::catalog(&ctx, &query.framework).await?;
    let filter = ControlFilter::parse(query.theme.as_deref(), &query.attrs, query.q.as_deref())?;
    let all = cat.select(&filter)?;
    let fw = &cat.framework;
    Ok(crate::exchange::download(
        &format!("{}-controls", fw.id),
        crate::exchange::Format::Csv,
        &super::exchange::controls_table(&all, &cat),
    )?)
}

struct AttrValue {
    value: String,
    label: String,
}

struct AttrRow {
    key: String,
    name: String,
    values: Vec<AttrValue>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/templates/control.html")]
struct ControlPage {
    l: Layout,
    c: crate::domain::catalog::Control,
    framework_name: String,
    theme_title: String,
    group_title: Option<String>,
    attributes: Vec<AttrRow>,
    mapped: Vec<crate::domain::catalog::MappedControl>,
    new_since: Vec<String>,
    measures: Vec<crate::registers::measure::domain::Measure>,
}

/// A control with its attributes, what corresponds to it in other frameworks and the
/// measures that implement it.
pub async fn control_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path((framework, id)): Path<(String, String)>,
) -> PageResult {
    let catalogs = service::catalogs(&ctx).await?;
    let cat = catalogs
        .iter()
        .find(|c| c.framework.id == framework)
        .ok_or_else(|| Error::NotFound(format!("framework '{framework}'")))?;
    let (fw, groups) = (cat.framework.clone(), &cat.groups);
    let c = cat.control(&id)?.clone();
    if c.id != id {
        return Ok(Redirect::permanent(&format!("/controls/{}/{}", fw.id, c.id)).into_response());
    }
    let detail = service::control(&ctx, &fw.id, &c.id).await?;
    let title_of = |g: &str| {
        groups.iter().find(|x| x.id == g).map(|x| {
            format!(
                "{} {}",
                if x.id
                    .chars()
                    .next()
                    .is_some_and(|ch| ch.is_ascii_lowercase())
                {
                    ""
                } else {
                    &x.id
                },
                x.title
            )
            .trim()
            .to_string()
        })
    };
    let attributes = cat
        .attribute_types
        .iter()
        .filter_map(|t| {
            c.attributes.get(&t.key).map(|vals| AttrRow {
                key: t.key.clone(),
                name: t.name.clone(),
                values: vals
                    .iter()
                    .map(|v| AttrValue {
                        value: v.clone(),
                        label: v.replace('_', " "),
                    })
                    .collect(),
            })
        })
        .collect();
    let l = layout(
        &s,
        &caller,
        &format!("{} {}", c.id, c.title),
        "controls",
        None,
    )
    .await?;
    Ok(ControlPage {
        l,
        framework_name: fw.name,
        theme_title: title_of(&c.theme).unwrap_or_else(|| c.theme.clone()),
        group_title: c.group.as_deref().and_then(title_of),
        attributes,
        measures: crate::registers::measure::service::for_control(&ctx, &fw.id, &c.id).await?,
        mapped: detail.mapped,
        new_since: {
            detail
                .new_relative_to
                .into_iter()
                .map(|id| {
                    catalogs
                        .iter()
                        .find(|f| f.framework.id == id)
                        .map(|f| f.framework.name.clone())
                        .unwrap_or(id)
                })
                .collect()
        },
        c,
    }
    .into_response())
}
