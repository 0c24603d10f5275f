//! Asset pages: the register (filters, sorts, keyset pages, bulk change of owner or
//! classification), the record with its dependencies and history, create, edit and retire.

use super::AppState;
use super::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, actor, history_rows, layout,
};
use super::session::Caller;
use crate::domain::asset::{AssetInput, AssetSettings, AssetType, ClassificationLevel, Lifecycle};
use crate::domain::matrix::{Matrix, ScaleLevel};
use crate::error::Error;
use crate::store::{AssetFilter, AssetSort, AuditFilter};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets", get(register).post(create))
        .route("/assets/new", get(new_form))
        .route("/assets.csv", get(export))
        .route("/assets.xlsx", get(export))
        .route("/assets/bulk", post(bulk))
        .route("/assets/{id}", get(record).post(update))
        .route("/assets/{id}/edit", get(edit_form))
        .route("/assets/{id}/retire", get(retire_page).post(retire))
        .route("/settings/assets", get(settings_page).post(settings_submit))
}

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

/// The register's query string: q, type, classification, lifecycle, owner, tag, sort, cursor.
pub struct RegisterQuery {
    pairs: Vec<(String, String)>,
}

impl RegisterQuery {
    pub fn parse(raw: Option<&str>) -> RegisterQuery {
        RegisterQuery {
            pairs: serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default(),
        }
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// The parameter names that are not part of the register's query.
    pub fn unknown(&self, extra: &[&str]) -> Vec<String> {
        const KNOWN: [&str; 9] = [
            "q",
            "type",
            "classification",
            "lifecycle",
            "owner",
            "tag",
            "sort",
            "cursor",
            "notice",
        ];
        self.pairs
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| !KNOWN.contains(&k.as_str()) && !extra.contains(&k.as_str()))
            .collect()
    }

    /// The filter and sort, with every unknown value named.
    pub fn filter(&self, settings: &AssetSettings) -> Result<(AssetFilter, AssetSort), Error> {
        let mut p = crate::error::Problems::new();
        let asset_type = self.get("type").map(str::to_string);
        if let Some(t) = &asset_type
            && !settings.types.iter().any(|x| &x.key == t)
        {
            p.add("type", format!("'{t}' is not an asset type"));
        }
        let classification = self.get("classification").map(str::to_string);
        if let Some(c) = &classification
            && !settings.classification.iter().any(|x| &x.key == c)
        {
            p.add(
                "classification",
                format!("'{c}' is not a classification level"),
            );
        }
        let lifecycle = match self.get("lifecycle") {
            Some(l) => p.take("lifecycle", Lifecycle::parse(l)),
            None => None,
        };
        let sort = match self.get("sort") {
            Some(s) => match AssetSort::parse(s) {
                Ok(s) => s,
                Err(e) => {
                    for f in e.fields() {
                        p.add(&f.field, &f.message);
                    }
                    AssetSort::Name
                }
            },
            None => AssetSort::Name,
        };
        p.into_result()?;
        Ok((
            AssetFilter {
                asset_type,
                owner: self.get("owner").map(str::to_string),
                classification,
                lifecycle,
                tag: self.get("tag").map(str::to_string),
                text: self.get("q").map(str::to_string),
            },
            sort,
        ))
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
#[template(path = "assets.html")]
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

async fn register(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q = RegisterQuery::parse(raw.as_deref());
    let l = layout(&s, &caller, "Assets", "assets", raw.as_deref()).await?;
    let settings = s.store.asset_settings().await?;
    let mut errors = FormErrors::default();
    let (page, filtered) = match q.filter(&settings) {
        Ok((f, sort)) => {
            let filtered = f != AssetFilter::default();
            match s.store.list_assets(&f, sort, q.get("cursor"), 50).await {
                Ok(p) => (Some(p), filtered),
                Err(e) => {
                    errors = FormErrors::from_error(e)?;
                    (None, true)
                }
            }
        }
        Err(e) => {
            errors = FormErrors::from_error(e)?;
            (None, true)
        }
    };
    let (owners, tags) = s.store.asset_facets().await?;
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
                .map(|c| super::page::with_cursor("/assets", raw.as_deref(), &c)),
        ),
        None => (Vec::new(), 0, None),
    };
    let status = errors.status();
    let value = |k: &str| q.get(k).unwrap_or_default().to_string();
    Ok((
        status,
        RegisterPage {
            total_capped,
            export_href: super::page::with_same_filters("/assets.csv", raw.as_deref()),
            xlsx_href: super::page::with_same_filters("/assets.xlsx", raw.as_deref()),
            can_edit: caller.is_editor(),
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
                    label: s.key(),
                })
                .collect(),
            f_q: value("q"),
            f_type: value("type"),
            f_classification: value("classification"),
            f_lifecycle: value("lifecycle"),
            f_owner: value("owner"),
            f_tag: value("tag"),
            f_sort: q.get("sort").unwrap_or("name").to_string(),
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "asset_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
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
    caller: &Caller,
    v: AssetInput,
    errors: FormErrors,
    existing: Option<&str>,
) -> PageResult {
    let settings = s.store.asset_settings().await?;
    let matrix = s.store.risk_matrix().await?;
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
    Ok((
        status,
        FormPage {
            l,
            errors,
            is_new: existing.is_none(),
            action: existing
                .map(|id| format!("/assets/{id}"))
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

async fn new_form(State(s): State<AppState>, Extension(caller): Extension<Caller>) -> PageResult {
    let v = AssetInput {
        classification: "internal".into(),
        lifecycle: "in_use".into(),
        ..AssetInput::default()
    };
    render_form(&s, &caller, v, FormErrors::default(), None).await
}

async fn create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let v = input_from(&form, Some(form.get("id").to_string()));
    let settings = s.store.asset_settings().await?;
    let matrix = s.store.risk_matrix().await?;
    let result = match v.parse(&settings, &matrix) {
        Ok(d) => s.store.create_asset(&actor(&caller), d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/assets/{}?notice=asset-saved", a.id)).into_response()),
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, None).await,
    }
}

async fn edit_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let a = s.store.asset(&id).await?;
    let v = AssetInput::from(&a);
    render_form(&s, &caller, v, FormErrors::default(), Some(&a.id)).await
}

async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    s.store.asset(&id).await?;
    let v = input_from(&form, Some(id.clone()));
    let settings = s.store.asset_settings().await?;
    let matrix = s.store.risk_matrix().await?;
    let result = match v.parse(&settings, &matrix) {
        Ok(d) => s.store.update_asset(&actor(&caller), &id, d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/assets/{}?notice=asset-saved", a.id)).into_response()),
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, Some(&id)).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "asset.html")]
struct RecordPage {
    l: Layout,
    a: crate::domain::asset::Asset,
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
}

async fn record(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let a = s.store.asset(&id).await?;
    let settings = s.store.asset_settings().await?;
    let matrix = s.store.risk_matrix().await?;
    let l = layout(
        &s,
        &caller,
        &format!("{} {}", a.id, a.name),
        "assets",
        q.as_deref(),
    )
    .await?;
    let filter = AuditFilter {
        object_type: Some("asset".into()),
        object_id: Some(a.id.clone()),
        ..AuditFilter::default()
    };
    let history = history_rows(
        s.store.audit_entries(&filter, 50).await?,
        s.store.clock().now(),
    );
    let on_asset = crate::registers::risk::domain::RiskFilter {
        asset: Some(a.id.clone()),
        ..Default::default()
    };
    let risks = s
        .store
        .list_risks(
            &on_asset,
            crate::registers::risk::domain::RiskSort::Id,
            None,
            50,
        )
        .await?;
    Ok(RecordPage {
        can_edit: caller.is_editor(),
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
        depends: s.store.asset_names(&a.depends_on).await?,
        dependents: s.store.asset_dependents(&a.id).await?,
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
        can_add_risk: caller.is_editor(),
        history,
        l,
        a,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "asset_retire.html")]
struct RetirePage {
    l: Layout,
    id: String,
    name: String,
}

async fn retire_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let a = s.store.asset(&id).await?;
    let l = layout(&s, &caller, "Retire an asset", "assets", None).await?;
    Ok(RetirePage {
        l,
        id: a.id,
        name: a.name,
    }
    .into_response())
}

async fn retire(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    s.store.retire_asset(&actor(&caller), &id).await?;
    Ok(Redirect::to(&format!("/assets/{id}?notice=asset-retired")).into_response())
}

async fn bulk(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let ids = form.all("id");
    let owner = Some(form.get("owner").trim()).filter(|o| !o.is_empty());
    let classification = Some(form.get("classification").trim()).filter(|c| !c.is_empty());
    match s
        .store
        .bulk_update_assets(&actor(&caller), &ids, owner, classification)
        .await
    {
        Ok(_) => Ok(Redirect::to("/assets?notice=assets-updated").into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "asset_settings.html")]
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
            can_edit: caller.is_editor(),
            levels: settings.classification,
            types: settings.types,
        },
    )
        .into_response())
}

async fn settings_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let settings = s.store.asset_settings().await?;
    render_settings(&s, &caller, settings, FormErrors::default(), q.as_deref()).await
}

async fn settings_submit(
    State(s): State<AppState>,
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
    match s
        .store
        .set_asset_settings(&actor(&caller), wanted.clone())
        .await
    {
        Ok(_) => Ok(Redirect::to("/settings/assets?notice=settings-saved").into_response()),
        Err(e) => render_settings(&s, &caller, wanted, FormErrors::from_error(e)?, None).await,
    }
}

/// The register as CSV or XLSX: every asset matching the filters, in the chosen order.
async fn export(
    State(s): State<AppState>,
    path: axum::extract::MatchedPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q = RegisterQuery::parse(raw.as_deref());
    let (filter, sort) = q.filter(&s.store.asset_settings().await?)?;
    let assets = s.store.all_assets(&filter, sort).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "assets",
        format,
        &crate::exchange::assets_table(&assets),
    )?)
}
