//! Statement of Applicability pages: every control of the catalogue with its decision, what
//! implements it and what selected it, the warnings an auditor would raise, filters that live
//! in the query string, a CSV/XLSX export of what is shown; a control's page with the decision
//! form and its history. Managers and admins decide every control; a contributor the ones
//! they own.

use super::AppState;
use super::pages::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, actor, history_rows, layout,
};
use super::session::Caller;
use crate::domain::measure::DEFAULT_FRAMEWORK;
use crate::domain::soa::{
    Applicability, ApplicabilityInput, ExclusionReason, MATURITY, Reason, Status, Warning,
};
use crate::error::{Error, Problems};
use crate::exchange::Table;
use crate::store::{AuditFilter, SoaRow};
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
        .route("/soa/{framework}/{id}", get(record).post(update))
}

/// Managers and admins decide every control; a contributor the controls they own.
pub fn may_edit(caller: &Caller, a: &Applicability) -> bool {
    caller.may_edit_owned(&a.owner)
}

/// The SoA's query: framework, theme, applicable (yes, no, undecided), status, warning (any
/// or a warning's key), owner, q.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SoaQuery {
    pub framework: String,
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

/// The applicable column of a row, in words.
fn applicable_text(a: &Applicability) -> &'static str {
    match a.applicable {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// The SoA as a table (the columns of the CSV/XLSX export).
pub fn soa_table(rows: &[SoaRow]) -> Table {
    let mut t = Table::new(
        "Statement of Applicability",
        &[
            "control",
            "title",
            "theme",
            "applicable",
            "reasons",
            "exclusion_reason",
            "justification",
            "status",
            "maturity",
            "owner",
            "target_date",
            "measures",
            "risks",
            "warnings",
        ],
        &["maturity", "risks"],
    );
    t.rows = rows
        .iter()
        .map(|r| {
            let a = &r.applicability;
            let v = ApplicabilityInput::from(a);
            vec![
                r.control.id.clone(),
                r.control.title.clone(),
                r.control.theme.clone(),
                applicable_text(a).to_string(),
                v.reasons,
                v.exclusion_reason,
                v.justification,
                if a.applicable.is_none() {
                    String::new()
                } else {
                    v.status
                },
                v.maturity,
                v.owner,
                v.target_date,
                r.measures
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                r.risk_count.to_string(),
                r.warnings
                    .iter()
                    .map(|w| w.key())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    t
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
    let all = s.store.soa(&query.framework).await?;
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
                applicable: match a.applicable {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "—",
                },
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
                evidence: r.evidence.len(),
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
            export_href: super::pages::with_same_filters("/soa.csv", raw.as_deref()),
            xlsx_href: super::pages::with_same_filters("/soa.xlsx", raw.as_deref()),
            errors,
            l,
        },
    )
        .into_response())
}

/// The SoA as CSV or XLSX: the rows the filters show.
async fn export(
    State(s): State<AppState>,
    path: MatchedPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = SoaQuery::parse(&pairs_of(raw.as_deref()))?;
    let rows: Vec<SoaRow> = s
        .store
        .soa(&query.framework)
        .await?
        .into_iter()
        .filter(|r| query.keeps(r))
        .collect();
    Ok(crate::exchange::download(
        "statement-of-applicability",
        crate::exchange::format_of_path(path.as_str()),
        &soa_table(&rows),
    )?)
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
        None,
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
) -> PageResult {
    render_record(&s, &caller, &framework, &id, None, FormErrors::default()).await
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
            render_record(&s, &caller, &framework, &id, Some(v), errors).await
        }
        Err(e) => Err(e.into()),
    }
}
