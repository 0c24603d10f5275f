//! Statement of Applicability pages: every control of the catalogue with its decision, what
//! implements it and what selected it, the warnings an auditor would raise, filters that live
//! in the query string, a CSV/XLSX export of what is shown; a control's page with the decision
//! form and its history. Managers and admins decide every control; a contributor the ones
//! they own.

use super::domain::{
    ApplicabilityInput, BulkDecision, ExclusionReason, MATURITY, Reason, SoaQuery, SoaRow, Status,
    Warning,
};
use super::domain_version::{RowChange, SoaVersion, diff_query};
use super::exchange::{DocFormat, export as soa_export};
use super::service::{self, may_edit};
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
    with_same_filters,
};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use std::collections::BTreeMap;

struct Row {
    id: String,
    /// The decision's revision, carried by the bulk form so that a stale row is refused.
    revision: i64,
    /// Ticked in the bulk form (kept when the form comes back with problems).
    selected: bool,
    href: String,
    title: String,
    theme: String,
    applicable: &'static str,
    reasons: String,
    status: &'static str,
    status_key: &'static str,
    maturity: String,
    owner: String,
    measures: usize,
    risks: i64,
    evidence: usize,
    evidence_state: &'static str,
    evidence_key: &'static str,
    warnings: Vec<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "soa/templates/soa.html")]
struct RegisterPage {
    l: Layout,
    errors: FormErrors,
    rows: Vec<Row>,
    total: usize,
    shown: usize,
    applicable: usize,
    excluded: usize,
    undecided: usize,
    implemented: usize,
    with_warnings: usize,
    /// (id, title)
    themes: Vec<(String, String)>,
    statuses: Vec<Choice>,
    warnings: Vec<Choice>,
    framework: String,
    f_theme: String,
    f_applicable: String,
    f_status: String,
    f_warning: String,
    f_owner: String,
    f_q: String,
    export_href: String,
    xlsx_href: String,
    pdf_href: String,
    can_approve: bool,
    /// The approved version shown, or none for the live state.
    version: Option<SoaVersion>,
    /// The newest approved version.
    latest: Option<SoaVersion>,
    f_version: String,
    /// Managers and admins may import a 2013 SoA.
    can_import: bool,
    /// Managers and admins decide several controls at once (the live state only).
    can_bulk: bool,
    bulk: BulkForm,
    reason_choices: Vec<Choice>,
    exclusion_choices: Vec<Choice>,
    /// The page's query string, kept by the bulk form's action.
    query: String,
}

/// What the bulk form holds: empty fields keep each control's own value.
#[derive(Default)]
struct BulkForm {
    errors: FormErrors,
    applicable: String,
    reasons: Vec<String>,
    exclusion_reason: String,
    justification: String,
    status: String,
    owner: String,
    target_date: String,
}

impl BulkForm {
    fn read(form: &FormData) -> BulkForm {
        BulkForm {
            applicable: form.get("bulk_applicable").into(),
            reasons: form.all("bulk_reasons"),
            exclusion_reason: form.get("bulk_exclusion_reason").into(),
            justification: form.get("bulk_justification").into(),
            status: form.get("bulk_status").into(),
            owner: form.get("bulk_owner").into(),
            target_date: form.get("bulk_target_date").into(),
            ..BulkForm::default()
        }
    }

    /// The decision: a field left empty is left out.
    fn decision(&self, controls: Vec<String>, revisions: BTreeMap<String, i64>) -> BulkDecision {
        let given = |v: &str| (!v.trim().is_empty()).then(|| v.to_string());
        BulkDecision {
            controls,
            revisions,
            applicable: given(&self.applicable),
            reasons: (!self.reasons.is_empty()).then(|| self.reasons.join(",")),
            exclusion_reason: given(&self.exclusion_reason),
            justification: given(&self.justification),
            status: given(&self.status),
            owner: given(&self.owner),
            target_date: given(&self.target_date),
        }
    }
}

pub async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    render_register(&s, &ctx, &caller, raw, BulkForm::default(), Vec::new()).await
}

/// Decides the ticked controls at once (the SoA page's bulk form), then shows the SoA with
/// the same filters; with problems, the page again with the ticks and the fields kept (422),
/// or who changed a control since (409).
pub async fn decide_selected(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    form: FormData,
) -> PageResult {
    let selected = form.all("controls");
    let revisions: BTreeMap<String, i64> = selected
        .iter()
        .filter_map(|id| {
            let rev = form.get(&format!("revision_{id}")).trim().parse().ok()?;
            Some((id.clone(), rev))
        })
        .collect();
    let mut bulk = BulkForm::read(&form);
    let decision = bulk.decision(selected.clone(), revisions);
    match service::decide_many(&ctx, DEFAULT_FRAMEWORK, &decision).await {
        Ok(changed) => {
            let mut to = with_same_filters("/soa", raw.as_deref());
            to.push_str(if to.contains('?') { "&" } else { "?" });
            to.push_str(if changed.is_empty() {
                "notice=soa-bulk-unchanged"
            } else {
                "notice=soa-bulk-saved"
            });
            Ok(Redirect::to(&to).into_response())
        }
        Err(e @ (Error::Validation(_) | Error::Stale { .. })) => {
            bulk.errors = FormErrors::from_error(e)?;
            render_register(&s, &ctx, &caller, raw, bulk, selected).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn render_register(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    raw: Option<String>,
    bulk: BulkForm,
    selected: Vec<String>,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let value = |k: &str| params.raw(k);
    let l = layout(
        s,
        caller,
        "Statement of Applicability",
        "soa",
        raw.as_deref(),
    )
    .await?;
    let read = match malformed {
        Some(e) => Err(e),
        None => SoaQuery::read(&params),
    };
    let (query, errors) = match read {
        Ok(q) => (q, FormErrors::default()),
        Err(e) => (
            SoaQuery {
                framework: DEFAULT_FRAMEWORK.into(),
                ..Default::default()
            },
            FormErrors::from_error(e)?,
        ),
    };
    let (version, all) = match query.version {
        Some(n) => {
            let (v, snap) = service::approved(ctx, &query.framework, n).await?;
            (Some(v), snap.rows)
        }
        None => (None, service::rows(ctx, &query.framework).await?),
    };
    let latest = service::versions(ctx, &query.framework)
        .await?
        .into_iter()
        .next();
    let count = |f: &dyn Fn(&SoaRow) -> bool| all.iter().filter(|r| f(r)).count();
    let applicable = count(&|r| r.applicability.applicable == Some(true));
    let excluded = count(&|r| r.applicability.applicable == Some(false));
    let implemented = count(&|r| r.applicability.status == Status::Implemented);
    let with_warnings = count(&|r| !r.warnings.is_empty());
    let theme_titles: BTreeMap<String, String> = match ctx.store().catalog(&query.framework).await {
        Ok(c) => c
            .groups
            .iter()
            .map(|g| (g.id.clone(), g.title.clone()))
            .collect(),
        Err(_) => BTreeMap::new(),
    };
    let mut themes: Vec<(String, String)> = all
        .iter()
        .map(|r| {
            let id = r.control.theme.clone();
            let title = theme_titles.get(&id).cloned().unwrap_or_else(|| id.clone());
            (id, title)
        })
        .collect();
    themes.dedup();
    let names = crate::registers::people::service::names(ctx).await?;
    let rows: Vec<Row> = all
        .iter()
        .filter(|r| query.keeps(r))
        .map(|r| {
            let a = &r.applicability;
            Row {
                href: format!("/soa/{}/{}", query.framework, r.control.id),
                id: r.control.id.clone(),
                revision: a.revision,
                selected: selected.contains(&r.control.id),
                title: r.control.title.clone(),
                theme: theme_titles
                    .get(&r.control.theme)
                    .cloned()
                    .unwrap_or_else(|| r.control.theme.clone()),
                applicable: a.applicable_word(),
                reasons: if a.applicable == Some(false) {
                    a.exclusion_reason
                        .map(|e| e.label())
                        .unwrap_or_default()
                        .to_string()
                } else {
                    let typed = a
                        .reasons
                        .iter()
                        .filter(|x| !r.derived_reasons.iter().any(|d| d.reason == **x))
                        .map(|x| x.label().to_string());
                    typed
                        .chain(std::iter::once(r.obligations_text()).filter(|t| !t.is_empty()))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                status: if a.applicable.is_none() {
                    "undecided"
                } else {
                    a.status.label()
                },
                status_key: a.status.key(),
                maturity: a.maturity.map(|m| m.to_string()).unwrap_or_default(),
                owner: crate::domain::words::person(&names, &a.owner),
                measures: r.measures.len(),
                risks: r.risk_count,
                evidence: r.evidence_count,
                evidence_state: r.evidence_state.label(),
                evidence_key: r.evidence_state.key(),
                warnings: r.warnings.iter().map(|w| w.label()).collect(),
            }
        })
        .collect();
    let status = if bulk.errors.is_empty() {
        errors.status()
    } else {
        bulk.errors.status()
    };
    Ok((
        status,
        RegisterPage {
            total: all.len(),
            shown: rows.len(),
            rows,
            applicable,
            excluded,
            undecided: all.len() - applicable - excluded,
            implemented,
            with_warnings,
            themes,
            statuses: Status::ALL
                .iter()
                .map(|s| Choice {
                    key: s.key(),
                    label: s.label(),
                })
                .collect(),
            warnings: Warning::ALL
                .iter()
                .map(|w| Choice {
                    key: w.key(),
                    label: w.label(),
                })
                .collect(),
            framework: query.framework.clone(),
            f_theme: value("theme"),
            f_applicable: value("applicable"),
            f_status: value("status"),
            f_warning: value("warning"),
            f_owner: value("owner"),
            f_q: value("q"),
            export_href: with_same_filters("/soa.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/soa.xlsx", raw.as_deref()),
            pdf_href: with_same_filters("/soa.pdf", raw.as_deref()),
            can_approve: ctx.actor.is_editor(),
            version,
            latest,
            f_version: value("version"),
            can_import: ctx.actor.is_editor(),
            can_bulk: ctx.actor.is_editor() && query.version.is_none(),
            bulk,
            reason_choices: Reason::ALL
                .iter()
                .map(|r| Choice {
                    key: r.key(),
                    label: r.label(),
                })
                .collect(),
            exclusion_choices: ExclusionReason::ALL
                .iter()
                .map(|r| Choice {
                    key: r.key(),
                    label: r.label(),
                })
                .collect(),
            query: raw.as_deref().map(|q| format!("?{q}")).unwrap_or_default(),
            errors,
            l,
        },
    )
        .into_response())
}

/// The SoA (live or an approved version) as CSV, XLSX or PDF: the rows the filters show.
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let query = SoaQuery::read(&Params::parse(raw.as_deref())?)?;
    let format = DocFormat::of_path(path.as_str());
    let doc = soa_export(
        &ctx,
        &query.framework,
        query.version,
        |r| query.keeps(r),
        format,
    )
    .await?;
    Ok(doc.response())
}

#[derive(Template, WebTemplate)]
#[template(path = "soa/templates/soa_row.html")]
struct RecordPage {
    l: Layout,
    r: SoaRow,
    /// The revision the decision form carries.
    revision: i64,
    framework: String,
    can_edit: bool,
    can_add_evidence: bool,
    errors: FormErrors,
    v: ApplicabilityInput,
    reasons: Vec<(Choice, bool)>,
    exclusions: Vec<Choice>,
    statuses: Vec<Choice>,
    maturity: Vec<(i64, &'static str)>,
    warnings: Vec<&'static str>,
    history: Vec<HistoryRow>,
}

#[allow(clippy::too_many_arguments)]
async fn render_record(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    framework: &str,
    id: &str,
    query: Option<&str>,
    form: Option<(ApplicabilityInput, Option<i64>)>,
    errors: FormErrors,
) -> PageResult {
    let r = service::row(ctx, framework, id).await?;
    let started = form
        .as_ref()
        .and_then(|f| f.1)
        .unwrap_or(r.applicability.revision);
    let revision = errors.revision(started);
    let form = form.map(|f| f.0);
    let v = form.unwrap_or_else(|| ApplicabilityInput::from(&r.applicability));
    let chosen: Vec<String> = v.reasons.split(',').map(|x| x.trim().to_string()).collect();
    let l = layout(
        s,
        caller,
        &format!("{} {}", r.control.id, r.control.title),
        "soa",
        query,
    )
    .await?;
    let object = format!("{framework}:{}", r.control.id);
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "soa", &object, 50).await?,
        ctx.clock().now(),
    );
    let status = errors.status();
    Ok((
        status,
        RecordPage {
            revision,
            can_edit: may_edit(&ctx.actor, &r.applicability.owner),
            can_add_evidence: ctx.actor.may_contribute(),
            warnings: r.warnings.iter().map(|w| w.label()).collect(),
            reasons: Reason::ALL
                .iter()
                .map(|x| {
                    (
                        Choice {
                            key: x.key(),
                            label: x.label(),
                        },
                        chosen.iter().any(|c| c == x.key()),
                    )
                })
                .collect(),
            exclusions: ExclusionReason::ALL
                .iter()
                .map(|x| Choice {
                    key: x.key(),
                    label: x.label(),
                })
                .collect(),
            statuses: Status::ALL
                .iter()
                .map(|x| Choice {
                    key: x.key(),
                    label: x.label(),
                })
                .collect(),
            maturity: MATURITY.to_vec(),
            framework: framework.to_string(),
            history,
            errors,
            v,
            l,
            r,
        },
    )
        .into_response())
}

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path((framework, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    // The query carries the notice after a save (`?notice=soa-saved`).
    render_record(
        &s,
        &ctx,
        &caller,
        &framework,
        &id,
        raw.as_deref(),
        None,
        FormErrors::default(),
    )
    .await
}

/// Saves a decision; one saved by someone else since the form was opened comes back with
/// their change named and this person's values kept (409).
pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path((framework, id)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    let v = ApplicabilityInput {
        applicable: form.get("applicable").into(),
        reasons: form.all("reasons").join(","),
        exclusion_reason: form.get("exclusion_reason").into(),
        justification: form.get("justification").into(),
        status: form.get("status").into(),
        maturity: form.get("maturity").into(),
        owner: form.get("owner").into(),
        target_date: form.get("target_date").into(),
    };
    let started = form.revision();
    match service::decide(&ctx, &framework, &id, started, &v).await {
        Ok(r) => Ok(Redirect::to(&format!(
            "/soa/{framework}/{}?notice=soa-saved",
            r.control.id
        ))
        .into_response()),
        Err(e @ (Error::Validation(_) | Error::Stale { .. })) => {
            let errors = FormErrors::from_error(e)?;
            let typed = Some((v, started));
            render_record(&s, &ctx, &caller, &framework, &id, None, typed, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "soa/templates/soa_versions.html")]
struct VersionsPage {
    l: Layout,
    errors: FormErrors,
    versions: Vec<SoaVersion>,
    can_approve: bool,
    /// The live state, as the approval would freeze it.
    decided: usize,
    total: usize,
    with_warnings: usize,
    changed_since_last: Option<usize>,
    note: String,
}

async fn render_versions(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    query: Option<&str>,
    errors: FormErrors,
    note: String,
) -> PageResult {
    let l = layout(s, caller, "SoA versions", "soa", query).await?;
    let versions = service::versions(ctx, DEFAULT_FRAMEWORK).await?;
    let live = service::rows(ctx, DEFAULT_FRAMEWORK).await?;
    let changed_since_last = match versions.first() {
        Some(v) if v.intact => {
            let (_, snap) = service::version(ctx, DEFAULT_FRAMEWORK, v.version).await?;
            Some(crate::registers::soa::domain_version::diff(&snap.rows, &live).len())
        }
        _ => None,
    };
    let status = errors.status();
    Ok((
        status,
        VersionsPage {
            l,
            errors,
            can_approve: ctx.actor.is_editor(),
            decided: live
                .iter()
                .filter(|r| r.applicability.applicable.is_some())
                .count(),
            total: live.len(),
            with_warnings: live.iter().filter(|r| !r.warnings.is_empty()).count(),
            changed_since_last,
            versions,
            note,
        },
    )
        .into_response())
}

pub async fn versions(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_versions(
        &s,
        &ctx,
        &caller,
        q.as_deref(),
        FormErrors::default(),
        String::new(),
    )
    .await
}

/// Approves the current state as the next version (managers and admins, who confirm that
/// management approved it).
pub async fn approve(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let note = form.get("note").to_string();
    let result = if form.get("confirm") != "yes" {
        Err(Error::field(
            "confirm",
            "confirm that management approved the Statement of Applicability as it stands",
        ))
    } else {
        service::approve(&ctx, DEFAULT_FRAMEWORK, &note).await
    };
    match result {
        Ok(v) => Ok(
            Redirect::to(&format!("/soa?version={}&notice=soa-approved", v.version))
                .into_response(),
        ),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_versions(&s, &ctx, &caller, None, errors, note).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "soa/templates/soa_diff.html")]
struct DiffPage {
    l: Layout,
    from: i64,
    /// `None`: the current state.
    to: Option<i64>,
    /// `to`, or 0 for the current state (for the select).
    to_key: i64,
    changes: Vec<RowChange>,
    versions: Vec<SoaVersion>,
}

pub async fn diff(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (from, to) = diff_query(&Params::parse(raw.as_deref())?)?;
    let changes = service::changes(&ctx, DEFAULT_FRAMEWORK, from, to).await?;
    let l = layout(&s, &caller, "SoA changes", "soa", None).await?;
    Ok(DiffPage {
        l,
        from,
        to,
        to_key: to.unwrap_or(0),
        changes,
        versions: service::versions(&ctx, DEFAULT_FRAMEWORK).await?,
    }
    .into_response())
}
