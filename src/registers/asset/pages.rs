//! Asset pages: the register (filters, sorts, keyset pages, bulk change of owner or
//! classification), the record with its dependencies and history, create, edit and retire.

use super::domain::{
    Asset, AssetInput, AssetQuery, AssetSettings, AssetSort, AssetType, ClassificationLevel,
    Lifecycle,
};
use super::service;
use crate::domain::query::Params;
use crate::error::Error;
use crate::registers::matrix::domain::{Matrix, ScaleLevel};
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
    with_cursor, with_same_filters,
};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

pub struct CiaField {
    field: &'static str,
    label: &'static str,
    current: String,
}

fn lifecycles() -> Vec<Choice> {
    Lifecycle::ALL
        .iter()
        .map(|l| Choice {
            key: l.key(),
            label: l.label(),
        })
        .collect()
}

fn step_label(m: &Matrix, v: Option<i64>) -> String {
    match v.and_then(|v| m.impact.iter().find(|s| s.value == v)) {
        Some(s) => format!("{} {}", s.value, s.name),
        None => "not rated".into(),
    }
}

struct Row {
    id: String,
    name: String,
    kind: String,
    owner: String,
    classification: String,
    cia: String,
    status: &'static str,
    tags: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "asset/templates/assets.html")]
struct RegisterPage {
    l: Layout,
    total_capped: bool,
    export_href: String,
    xlsx_href: String,
    errors: FormErrors,
    can_edit: bool,
    rows: Vec<Row>,
    total: i64,
    filtered: bool,
    next_href: Option<String>,
    types: Vec<AssetType>,
    levels: Vec<ClassificationLevel>,
    lifecycles: Vec<Choice>,
    owners: Vec<String>,
    tags: Vec<String>,
    sorts: Vec<Choice>,
    f_q: String,
    f_type: String,
    f_classification: String,
    f_lifecycle: String,
    f_owner: String,
    f_tag: String,
    f_sort: String,
}

pub async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let l = layout(&s, &caller, "Assets", "assets", raw.as_deref()).await?;
    let settings = service::settings(&ctx).await?;
    let mut errors = FormErrors::default();
    let filtered = params.filters_anything();
    let query = match malformed {
        Some(e) => Err(e),
        None => AssetQuery::read(&params),
    };
    let page = match query {
        Ok(q) => match service::list(&ctx, &q, params.cursor(), 50).await {
            Ok(p) => Some(p),
            Err(e) => {
                errors = FormErrors::from_error(e)?;
                None
            }
        },
        Err(e) => {
            errors = FormErrors::from_error(e)?;
            None
        }
    };
    let facets = service::facets(&ctx).await?;
    let (owners, tags) = (facets.0.clone(), facets.1.clone());
    let total_capped = page.as_ref().is_some_and(|p| p.total_capped);
    let (rows, total, next_href) = match page {
        Some(p) => (
            p.items
                .into_iter()
                .map(|a| Row {
                    kind: settings.type_name(&a.asset_type),
                    classification: settings.level_name(&a.classification),
                    cia: [a.confidentiality, a.integrity, a.availability]
                        .iter()
                        .map(|v| v.map(|v| v.to_string()).unwrap_or_else(|| "–".into()))
                        .collect::<Vec<_>>()
                        .join("·"),
                    status: a.lifecycle.label(),
                    id: a.id,
                    name: a.name,
                    owner: a.owner,
                    tags: a.tags,
                })
                .collect(),
            p.total,
            p.next_cursor
                .map(|c| with_cursor("/assets", raw.as_deref(), &c)),
        ),
        None => (Vec::new(), 0, None),
    };
    let status = errors.status();
    let value = |k: &str| params.raw(k);
    Ok((
        status,
        RegisterPage {
            total_capped,
            export_href: with_same_filters("/assets.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/assets.xlsx", raw.as_deref()),
            can_edit: ctx.actor.is_editor(),
            l,
            errors,
            rows,
            total,
            filtered,
            next_href,
            types: settings.types.clone(),
            levels: settings.classification.clone(),
            lifecycles: lifecycles(),
            owners,
            tags,
            sorts: AssetSort::ALL
                .iter()
                .map(|s| Choice {
                    key: s.key(),
                    label: s.label(),
                })
                .collect(),
            f_q: value("q"),
            f_type: value("type"),
            f_classification: value("classification"),
            f_lifecycle: value("lifecycle"),
            f_owner: value("owner"),
            f_tag: value("tag"),
            f_sort: params.get("sort").unwrap_or("name").to_string(),
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "asset/templates/asset_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
    /// The revision of the asset the form edits (0 for a new one).
    revision: i64,
    is_new: bool,
    action: String,
    v: AssetInput,
    types: Vec<AssetType>,
    levels: Vec<ClassificationLevel>,
    lifecycles: Vec<Choice>,
    impact: Vec<ScaleLevel>,
    cia: Vec<CiaField>,
}

async fn render_form(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: AssetInput,
    errors: FormErrors,
    existing: Option<(&str, i64)>,
) -> PageResult {
    let settings = service::settings(ctx).await?;
    let matrix = service::matrix(ctx).await?;
    let title = if existing.is_some() {
        "Edit asset"
    } else {
        "New asset"
    };
    let l = layout(s, caller, title, "assets", None).await?;
    let status = errors.status();
    let cia = vec![
        CiaField {
            field: "confidentiality",
            label: "Confidentiality",
            current: v.confidentiality.clone(),
        },
        CiaField {
            field: "integrity",
            label: "Integrity",
            current: v.integrity.clone(),
        },
        CiaField {
            field: "availability",
            label: "Availability",
            current: v.availability.clone(),
        },
    ];
    let revision = existing.map(|e| errors.revision(e.1)).unwrap_or(0);
    Ok((
        status,
        FormPage {
            l,
            errors,
            revision,
            is_new: existing.is_none(),
            action: existing
                .map(|(id, _)| format!("/assets/{id}"))
                .unwrap_or_else(|| "/assets".into()),
            v,
            types: settings.types,
            levels: settings.classification,
            lifecycles: lifecycles(),
            impact: matrix.impact,
            cia,
        },
    )
        .into_response())
}

fn input_from(form: &FormData, id: Option<String>) -> AssetInput {
    AssetInput {
        id,
        name: form.get("name").into(),
        asset_type: form.get("asset_type").into(),
        description: form.get("description").into(),
        owner: form.get("owner").into(),
        custodian: form.get("custodian").into(),
        location: form.get("location").into(),
        classification: form.get("classification").into(),
        confidentiality: form.get("confidentiality").into(),
        integrity: form.get("integrity").into(),
        availability: form.get("availability").into(),
        lifecycle: form.get("lifecycle").into(),
        tags: form.get("tags").into(),
        depends_on: form.get("depends_on").into(),
        last_reviewed_on: form.get("last_reviewed_on").into(),
    }
}

pub async fn new_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let v = AssetInput {
        classification: "internal".into(),
        lifecycle: "in_use".into(),
        ..AssetInput::default()
    };
    render_form(&s, &ctx, &caller, v, FormErrors::default(), None).await
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let v = input_from(&form, Some(form.get("id").to_string()));
    match service::create(&ctx, &v).await {
        Ok(a) => Ok(Redirect::to(&format!("/assets/{}?notice=asset-saved", a.id)).into_response()),
        Err(e) => render_form(&s, &ctx, &caller, v, FormErrors::from_error(e)?, None).await,
    }
}

pub async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let a = service::get(&ctx, &id).await?;
    let v = AssetInput::from(&a);
    render_form(
        &s,
        &ctx,
        &caller,
        v,
        FormErrors::default(),
        Some((&a.id, a.revision)),
    )
    .await
}

/// Saves the form; an asset saved by someone else since the form was opened comes back with
/// their change named and this person's values kept (409).
pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let v = input_from(&form, Some(id.clone()));
    let started = form.revision();
    match service::update(&ctx, &id, started, &v).await {
        Ok(a) => Ok(Redirect::to(&format!("/assets/{}?notice=asset-saved", a.id)).into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = started.unwrap_or_default();
            render_form(&s, &ctx, &caller, v, errors, Some((&id, rev))).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "asset/templates/asset.html")]
struct RecordPage {
    l: Layout,
    a: Asset,
    can_edit: bool,
    kind: String,
    classification: String,
    handling: String,
    status: &'static str,
    c_label: String,
    i_label: String,
    av_label: String,
    depends: Vec<(String, String)>,
    dependents: Vec<(String, String)>,
    /// The risks on this asset: (id, title, residual level name, colour), the first 50.
    risks: Vec<(String, String, String, String)>,
    risk_total: i64,
    risk_total_capped: bool,
    can_add_risk: bool,
    history: Vec<HistoryRow>,
    /// What the processes depending on it require, against its last restore test.
    continuity: Option<crate::registers::continuity::web::AssetCard>,
}

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let a = service::get(&ctx, &id).await?;
    let settings = service::settings(&ctx).await?;
    let matrix = service::matrix(&ctx).await?;
    let l = layout(
        &s,
        &caller,
        &format!("{} {}", a.id, a.name),
        "assets",
        q.as_deref(),
    )
    .await?;
    let history = history_rows(
        crate::registers::audit::service::history(&ctx, "asset", &a.id, 50).await?,
        ctx.clock().now(),
    );
    let on_asset = crate::registers::risk::domain::RiskQuery {
        filter: crate::registers::risk::domain::RiskFilter {
            asset: Some(a.id.clone()),
            ..Default::default()
        },
        sort: crate::registers::risk::domain::RiskSort::Id,
    };
    let risks = crate::registers::risk::service::list(&ctx, &on_asset, None, 50).await?;
    let continuity = crate::registers::continuity::web::asset_card(&ctx, &a.id).await?;
    Ok(RecordPage {
        continuity,
        can_edit: ctx.actor.is_editor(),
        kind: settings.type_name(&a.asset_type),
        classification: settings.level_name(&a.classification),
        handling: settings
            .classification
            .iter()
            .find(|c| c.key == a.classification)
            .map(|c| c.handling.clone())
            .unwrap_or_default(),
        status: a.lifecycle.label(),
        c_label: step_label(&matrix, a.confidentiality),
        i_label: step_label(&matrix, a.integrity),
        av_label: step_label(&matrix, a.availability),
        depends: service::names(&ctx, &a.depends_on).await?,
        dependents: service::dependents(&ctx, &a.id).await?,
        risks: risks
            .items
            .iter()
            .map(|r| {
                let (name, colour) = matrix
                    .risk_level(&r.target.level)
                    .map(|l| (l.name.clone(), l.colour.clone()))
                    .unwrap_or_else(|| (r.target.level.clone(), "#999999".into()));
                (r.id.clone(), r.title.clone(), name, colour)
            })
            .collect(),
        risk_total: risks.total,
        risk_total_capped: risks.total_capped,
        can_add_risk: ctx.actor.is_editor(),
        history,
        l,
        a,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "asset/templates/asset_retire.html")]
struct RetirePage {
    l: Layout,
    id: String,
    name: String,
    revision: i64,
}

pub async fn retire_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let a = service::get(&ctx, &id).await?;
    let l = layout(&s, &caller, "Retire an asset", "assets", None).await?;
    Ok(RetirePage {
        l,
        id: a.id,
        name: a.name,
        revision: a.revision,
    }
    .into_response())
}

pub async fn retire(ctx: Ctx, Path(id): Path<String>, form: FormData) -> PageResult {
    service::retire(&ctx, &id, form.revision()).await?;
    Ok(Redirect::to(&format!("/assets/{id}?notice=asset-retired")).into_response())
}

pub async fn bulk(ctx: Ctx, form: FormData) -> PageResult {
    let ids = form.all("id");
    let owner = Some(form.get("owner").trim()).filter(|o| !o.is_empty());
    let classification = Some(form.get("classification").trim()).filter(|c| !c.is_empty());
    service::bulk_update(&ctx, &ids, owner, classification).await?;
    Ok(Redirect::to("/assets?notice=assets-updated").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "asset/templates/asset_settings.html")]
struct SettingsPage {
    l: Layout,
    errors: FormErrors,
    can_edit: bool,
    levels: Vec<ClassificationLevel>,
    types: Vec<AssetType>,
}

/// Renders the settings with one empty row for a new level and a new type.
async fn render_settings(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    mut settings: AssetSettings,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Asset types and classification", "assets", q).await?;
    settings.classification.push(ClassificationLevel {
        key: String::new(),
        name: String::new(),
        handling: String::new(),
    });
    settings.types.push(AssetType {
        key: String::new(),
        name: String::new(),
    });
    let status = errors.status();
    Ok((
        status,
        SettingsPage {
            l,
            errors,
            can_edit: ctx.actor.is_editor(),
            levels: settings.classification,
            types: settings.types,
        },
    )
        .into_response())
}

pub async fn settings_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let settings = service::settings(&ctx).await?;
    render_settings(
        &s,
        &ctx,
        &caller,
        settings,
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn settings_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let (keys, names, handling) = (
        form.all("level_key"),
        form.all("level_name"),
        form.all("level_handling"),
    );
    let classification = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| !k.trim().is_empty())
        .map(|(i, k)| ClassificationLevel {
            key: k.trim().to_string(),
            name: names
                .get(i)
                .map(|n| n.trim().to_string())
                .unwrap_or_default(),
            handling: handling
                .get(i)
                .map(|h| h.trim().to_string())
                .unwrap_or_default(),
        })
        .collect();
    let (tkeys, tnames) = (form.all("type_key"), form.all("type_name"));
    let types = tkeys
        .iter()
        .enumerate()
        .filter(|(_, k)| !k.trim().is_empty())
        .map(|(i, k)| AssetType {
            key: k.trim().to_string(),
            name: tnames
                .get(i)
                .map(|n| n.trim().to_string())
                .unwrap_or_default(),
        })
        .collect();
    let wanted = AssetSettings {
        types,
        classification,
    };
    match service::set_settings(&ctx, wanted.clone()).await {
        Ok(_) => Ok(Redirect::to("/settings/assets?notice=settings-saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_settings(&s, &ctx, &caller, wanted, errors, None).await
        }
    }
}

/// The register as CSV or XLSX: every asset matching the filters, in the chosen order.
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let query = AssetQuery::read(&params)?;
    let assets = service::all(&ctx, &query).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "assets",
        format,
        &super::exchange::assets_table(&assets, &service::settings(&ctx).await?),
    )?)
}
