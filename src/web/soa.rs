//! Statement of Applicability pages: every control of the catalogue with its decision, what
//! implements it and what selected it, the warnings an auditor would raise, filters that live
//! in the query string, a CSV/XLSX export of what is shown; a control's page with the decision
//! form and its history. Managers and admins decide every control; a contributor the ones
//! they own.

use super::AppState;
use super::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, actor, history_rows, layout,
};
use super::session::Caller;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::soa::{
    Applicability, ApplicabilityInput, ExclusionReason, MATURITY, Reason, Status, Warning,
};
use crate::error::{Error, Problems};
use crate::store::{AuditFilter, SoaRow, SoaVersion};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/soa", get(register))
        .route("/soa.csv", get(export))
        .route("/soa.xlsx", get(export))
        .route("/soa.pdf", get(export))
        .route("/soa/versions", get(versions).post(approve))
        .route("/soa/diff", get(diff))
        .route("/soa/gaps", get(gaps))
        .route("/soa/{framework}/{id}", get(record).post(update))
}

/// Managers and admins decide every control; a contributor the controls they own.
pub fn may_edit(caller: &Caller, a: &Applicability) -> bool {
    caller.may_edit_owned(&a.owner)
}

/// The SoA's query: framework, version (an approved version instead of the live state),
/// theme, applicable (yes, no, undecided), status, warning (any or a warning's key), owner, q.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SoaQuery {
    pub framework: String,
    pub version: Option<i64>,
    pub theme: Option<String>,
    pub applicable: Option<String>,
    pub status: Option<Status>,
    pub warning: Option<String>,
    pub owner: Option<String>,
    pub q: Option<String>,
}

impl SoaQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<SoaQuery, Error> {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, v)| n == k && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
        };
        let mut p = Problems::new();
        let version = match get("version") {
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    p.add("version", format!("'{v}' is not a version number"));
                    None
                }
            },
            None => None,
        };
        let applicable = get("applicable");
        if let Some(a) = &applicable
            && !["yes", "no", "undecided"].contains(&a.as_str())
        {
            p.add("applicable", format!("'{a}' is not yes, no or undecided"));
        }
        let status = match get("status") {
            Some(s) => p.take("status", Status::parse(&s)),
            None => None,
        };
        let warning = get("warning");
        if let Some(w) = &warning
            && w != "any"
            && !Warning::ALL.iter().any(|x| x.key() == w)
        {
            p.add(
                "warning",
                format!(
                    "'{w}' is not a warning: use any or one of {}",
                    Warning::ALL
                        .iter()
                        .map(|w| w.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        p.into_result()?;
        Ok(SoaQuery {
            framework: get("framework").unwrap_or_else(|| DEFAULT_FRAMEWORK.to_string()),
            version,
            theme: get("theme"),
            applicable,
            status,
            warning,
            owner: get("owner"),
            q: get("q").map(|q| q.to_lowercase()),
        })
    }

    /// Whether a row is shown.
    pub fn keeps(&self, r: &SoaRow) -> bool {
        let a = &r.applicability;
        self.theme
            .as_ref()
            .is_none_or(|t| r.control.theme.eq_ignore_ascii_case(t))
            && self.applicable.as_deref().is_none_or(|want| match want {
                "yes" => a.applicable == Some(true),
                "no" => a.applicable == Some(false),
                _ => a.applicable.is_none(),
            })
            && self.status.is_none_or(|s| a.status == s)
            && self
                .owner
                .as_ref()
                .is_none_or(|o| a.owner.eq_ignore_ascii_case(o))
            && self.warning.as_deref().is_none_or(|w| {
                if w == "any" {
                    !r.warnings.is_empty()
                } else {
                    r.warnings.iter().any(|x| x.key() == w)
                }
            })
            && self.q.as_ref().is_none_or(|q| {
                r.control.id.to_lowercase().contains(q)
                    || r.control.title.to_lowercase().contains(q)
                    || a.justification.to_lowercase().contains(q)
            })
    }
}

struct Row {
    id: String,
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
#[template(path = "soa.html")]
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
    themes: Vec<String>,
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
}

fn pairs_of(raw: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default()
}

async fn register(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let pairs = pairs_of(raw.as_deref());
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let l = layout(
        &s,
        &caller,
        "Statement of Applicability",
        "soa",
        raw.as_deref(),
    )
    .await?;
    let (query, errors) = match SoaQuery::parse(&pairs) {
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
            let (v, snap) = s.store.soa_version(&query.framework, n).await?;
            (Some(v), snap.rows)
        }
        None => (None, s.store.soa(&query.framework).await?),
    };
    let latest = s
        .store
        .soa_versions(&query.framework)
        .await?
        .into_iter()
        .next();
    let count = |f: &dyn Fn(&SoaRow) -> bool| all.iter().filter(|r| f(r)).count();
    let applicable = count(&|r| r.applicability.applicable == Some(true));
    let excluded = count(&|r| r.applicability.applicable == Some(false));
    let implemented = count(&|r| r.applicability.status == Status::Implemented);
    let with_warnings = count(&|r| !r.warnings.is_empty());
    let mut themes: Vec<String> = all.iter().map(|r| r.control.theme.clone()).collect();
    themes.dedup();
    let rows: Vec<Row> = all
        .iter()
        .filter(|r| query.keeps(r))
        .map(|r| {
            let a = &r.applicability;
            Row {
                href: format!("/soa/{}/{}", query.framework, r.control.id),
                id: r.control.id.clone(),
                title: r.control.title.clone(),
                theme: r.control.theme.clone(),
                applicable: a.applicable_word(),
                reasons: if a.applicable == Some(false) {
                    a.exclusion_reason
                        .map(|e| e.label())
                        .unwrap_or_default()
                        .to_string()
                } else {
                    a.reasons
                        .iter()
                        .map(|r| r.label())
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
                owner: a.owner.clone(),
                measures: r.measures.len(),
                risks: r.risk_count,
                evidence: r.evidence_count,
                evidence_state: r.evidence_state.label(),
                evidence_key: r.evidence_state.key(),
                warnings: r.warnings.iter().map(|w| w.label()).collect(),
            }
        })
        .collect();
    let status = errors.status();
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
            export_href: super::page::with_same_filters("/soa.csv", raw.as_deref()),
            xlsx_href: super::page::with_same_filters("/soa.xlsx", raw.as_deref()),
            pdf_href: super::page::with_same_filters("/soa.pdf", raw.as_deref()),
            can_approve: caller.is_editor(),
            version,
            latest,
            f_version: value("version"),
            can_import: caller.is_editor(),
            errors,
            l,
        },
    )
        .into_response())
}

/// The SoA (live or an approved version) as CSV, XLSX or PDF: the rows the filters show.
async fn export(
    State(s): State<AppState>,
    path: MatchedPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = SoaQuery::parse(&pairs_of(raw.as_deref()))?;
    let format = crate::exchange::soa::DocFormat::of_path(path.as_str());
    let doc = crate::exchange::soa::export(
        &s.store,
        &query.framework,
        query.version,
        |r| query.keeps(r),
        format,
    )
    .await?;
    Ok(doc.response())
}

#[derive(Template, WebTemplate)]
#[template(path = "soa_row.html")]
struct RecordPage {
    l: Layout,
    r: SoaRow,
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

async fn render_record(
    s: &AppState,
    caller: &Caller,
    framework: &str,
    id: &str,
    query: Option<&str>,
    form: Option<ApplicabilityInput>,
    errors: FormErrors,
) -> PageResult {
    let r = s.store.soa_row(framework, id).await?;
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
    let filter = AuditFilter {
        object_type: Some("soa".into()),
        object_id: Some(format!("{framework}:{}", r.control.id)),
        ..AuditFilter::default()
    };
    let history = history_rows(
        s.store.audit_entries(&filter, 50).await?,
        s.store.clock().now(),
    );
    let status = errors.status();
    Ok((
        status,
        RecordPage {
            can_edit: may_edit(caller, &r.applicability),
            can_add_evidence: caller.may_contribute(),
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

async fn record(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((framework, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    // The query carries the notice after a save (`?notice=soa-saved`).
    render_record(
        &s,
        &caller,
        &framework,
        &id,
        raw.as_deref(),
        None,
        FormErrors::default(),
    )
    .await
}

async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((framework, id)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    let current = s.store.soa_row(&framework, &id).await?;
    if !may_edit(&caller, &current.applicability) {
        return Err(Error::Forbidden.into());
    }
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
    let result = match v.parse() {
        Ok(d) => {
            s.store
                .set_applicability(&actor(&caller), &framework, &id, d)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!(
            "/soa/{framework}/{}?notice=soa-saved",
            r.control.id
        ))
        .into_response()),
        Err(Error::Validation(f)) => {
            let errors = FormErrors::from_error(Error::Validation(f))?;
            render_record(&s, &caller, &framework, &id, None, Some(v), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "soa_versions.html")]
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
    caller: &Caller,
    query: Option<&str>,
    errors: FormErrors,
    note: String,
) -> PageResult {
    let l = layout(s, caller, "SoA versions", "soa", query).await?;
    let versions = s.store.soa_versions(DEFAULT_FRAMEWORK).await?;
    let live = s.store.soa(DEFAULT_FRAMEWORK).await?;
    let changed_since_last = match versions.first() {
        Some(v) => {
            let (_, snap) = s.store.soa_version(DEFAULT_FRAMEWORK, v.version).await?;
            Some(crate::store::soa_diff(&snap.rows, &live).len())
        }
        None => None,
    };
    let status = errors.status();
    Ok((
        status,
        VersionsPage {
            l,
            errors,
            can_approve: caller.is_editor(),
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

async fn versions(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_versions(
        &s,
        &caller,
        q.as_deref(),
        FormErrors::default(),
        String::new(),
    )
    .await
}

/// Approves the current state as the next version (managers and admins, who confirm that
/// management approved it).
async fn approve(
    State(s): State<AppState>,
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
        s.store
            .approve_soa(&actor(&caller), DEFAULT_FRAMEWORK, &note)
            .await
    };
    match result {
        Ok(v) => Ok(
            Redirect::to(&format!("/soa?version={}&notice=soa-approved", v.version))
                .into_response(),
        ),
        Err(e) => render_versions(&s, &caller, None, FormErrors::from_error(e)?, note).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "soa_diff.html")]
struct DiffPage {
    l: Layout,
    from: i64,
    /// `None`: the current state.
    to: Option<i64>,
    /// `to`, or 0 for the current state (for the select).
    to_key: i64,
    changes: Vec<crate::store::RowChange>,
    versions: Vec<SoaVersion>,
}

/// The query of a comparison: from=N (a version) and to=M (a version, or the current state
/// when absent).
pub fn diff_query(pairs: &[(String, String)]) -> Result<(i64, Option<i64>), Error> {
    let mut p = Problems::new();
    let mut number = |k: &str| -> Option<i64> {
        let raw = pairs
            .iter()
            .find(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())?;
        match raw.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                p.add(k, format!("'{raw}' is not a version number"));
                None
            }
        }
    };
    let from = number("from");
    let to = number("to");
    // Absent or empty (`from=`): say so. (A value that is not a number was named above.)
    let from_given = pairs
        .iter()
        .any(|(n, v)| n == "from" && !v.trim().is_empty());
    if !from_given {
        p.add("from", "say which version to compare from (from=1)");
    }
    p.into_result()?;
    Ok((from.unwrap_or(1), to))
}

/// What changed between two versions, or since a version.
pub async fn soa_changes(
    s: &crate::store::Store,
    framework: &str,
    from: i64,
    to: Option<i64>,
) -> Result<Vec<crate::store::RowChange>, Error> {
    let before = s.soa_version(framework, from).await?.1.rows;
    let after = s.soa_at(framework, to).await?.rows;
    Ok(crate::store::soa_diff(&before, &after))
}

async fn diff(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (from, to) = diff_query(&pairs_of(raw.as_deref()))?;
    let changes = soa_changes(&s.store, DEFAULT_FRAMEWORK, from, to).await?;
    let l = layout(&s, &caller, "SoA changes", "soa", None).await?;
    Ok(DiffPage {
        l,
        from,
        to,
        to_key: to.unwrap_or(0),
        changes,
        versions: s.store.soa_versions(DEFAULT_FRAMEWORK).await?,
    }
    .into_response())
}

/// A group's bar: its counts and the widths (in % of its controls) of each segment.
struct GapBar {
    g: crate::store::GapRow,
    label: String,
    href: String,
    /// implemented, partial, planned, not started, excluded, undecided: (class, count, x, width)
    /// with x and width in % of the group.
    segments: Vec<(&'static str, usize, usize, usize)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "soa_gaps.html")]
struct GapsPage {
    l: Layout,
    errors: FormErrors,
    readiness: crate::store::Readiness,
    bars: Vec<GapBar>,
    groupings: Vec<(String, String)>,
    attribute_values: Vec<(String, String, Vec<String>)>,
    by: String,
    within: String,
}

/// The gap analysis' query: `by` (theme or an attribute type) and `within` (`type:value`).
pub fn gaps_query(
    pairs: &[(String, String)],
    types: &[crate::domain::catalog::AttributeType],
) -> Result<(String, Option<(String, String)>), Error> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let mut p = Problems::new();
    let by = get("by").unwrap_or_else(|| "theme".into());
    if by != "theme" && !types.iter().any(|t| t.key == by) {
        p.add(
            "by",
            format!(
                "'{by}' is not a grouping: use theme or {}",
                types
                    .iter()
                    .map(|t| t.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let within = match get("within") {
        None => None,
        Some(w) => match w.split_once(':') {
            Some((t, v))
                if types
                    .iter()
                    .any(|x| x.key == t && x.values.iter().any(|y| y.eq_ignore_ascii_case(v))) =>
            {
                Some((t.to_string(), v.to_string()))
            }
            _ => {
                p.add(
                    "within",
                    format!("'{w}' is not an attribute value: write type:value, e.g. control_type:Detective"),
                );
                None
            }
        },
    };
    p.into_result()?;
    Ok((by, within))
}

/// The implementation of the 2022 SoA's `rows` grouped as asked, over the rows `within`
/// keeps.
pub async fn gap_rows(
    s: &crate::store::Store,
    rows: &[SoaRow],
    by: &str,
    within: Option<&(String, String)>,
) -> Result<Vec<crate::store::GapRow>, Error> {
    let rows: Vec<SoaRow> = rows
        .iter()
        .filter(|r| within.is_none_or(|w| crate::store::carries(r, w)))
        .cloned()
        .collect();
    let values: Vec<String> = if by == "theme" {
        let mut t: Vec<String> = rows.iter().map(|r| r.control.theme.clone()).collect();
        t.dedup();
        t
    } else {
        s.attribute_types(DEFAULT_FRAMEWORK)
            .await?
            .into_iter()
            .find(|t| t.key == by)
            .map(|t| t.values)
            .unwrap_or_default()
    };
    Ok(crate::store::gaps_by(&rows, by, &values))
}

async fn gaps(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let pairs = pairs_of(raw.as_deref());
    let types = s.store.attribute_types(DEFAULT_FRAMEWORK).await?;
    let l = layout(&s, &caller, "Gap analysis", "gaps", raw.as_deref()).await?;
    let (query, errors) = match gaps_query(&pairs, &types) {
        Ok(q) => (q, FormErrors::default()),
        Err(e) => (("theme".to_string(), None), FormErrors::from_error(e)?),
    };
    let (by, within) = query;
    let all = s.store.soa(DEFAULT_FRAMEWORK).await?;
    let groups = gap_rows(&s.store, &all, &by, within.as_ref()).await?;
    let bars = groups
        .into_iter()
        .map(|g| {
            let pct = |n: usize| (n * 100).checked_div(g.total).unwrap_or(0);
            let mut x = 0;
            let segments = [
                ("implemented", g.implemented),
                ("partial", g.partial),
                ("planned", g.planned),
                ("not-started", g.not_started),
                ("excluded", g.excluded),
                ("undecided", g.undecided),
            ]
            .into_iter()
            .map(|(class, n)| {
                let at = x;
                x += pct(n);
                (class, n, at, pct(n))
            })
            .collect();
            let filter = if by == "theme" {
                format!("theme={}", super::session::encode(&g.key))
            } else {
                format!("attr={by}:{}", super::session::encode(&g.key))
            };
            GapBar {
                label: g.key.replace('_', " "),
                href: if by == "theme" {
                    format!("/soa?{filter}")
                } else {
                    format!("/controls?{filter}")
                },
                segments,
                g,
            }
        })
        .collect();
    let mut groupings = vec![("theme".to_string(), "Theme".to_string())];
    groupings.extend(types.iter().map(|t| (t.key.clone(), t.name.clone())));
    Ok((
        errors.status(),
        GapsPage {
            readiness: s.store.readiness_of(&all).await?,
            bars,
            groupings,
            attribute_values: types
                .iter()
                .map(|t| (t.key.clone(), t.name.clone(), t.values.clone()))
                .collect(),
            within: within.map(|(t, v)| format!("{t}:{v}")).unwrap_or_default(),
            by,
            errors,
            l,
        },
    )
        .into_response())
}
