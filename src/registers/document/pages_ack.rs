//! Acknowledgement on the document pages: the card on a document's page (the requirement, how
//! far the audience is, the signed-in person's own button), the requirement's form, and the
//! status page listing who has and who has not acknowledged, per department, with exports and
//! the reminder links.

use super::domain::Document;
use super::domain_ack::{AckFilter, AckRuleInput, AckScope, AckState, AckSummary};
use super::service_ack;
use crate::domain::query::Params;
use crate::error::Error;
use crate::registers::staff::service::STAFF_READERS;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, Layout, PageResult, layout, with_cursor, with_same_filters,
};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

/// What the document's page shows about acknowledgement.
pub struct AckView {
    pub summary: AckSummary,
    pub percent: i64,
    pub scope: String,
    pub groups: String,
    pub days: i64,
    pub revision: i64,
    pub scopes: Vec<Choice>,
    pub can_set: bool,
    pub sees_people: bool,
    /// The signed-in person's own: (version, acknowledged at, due).
    pub mine: Option<(i64, String, String)>,
}

/// The card's content for a document.
pub async fn view(ctx: &Ctx, d: &Document, can_set: bool) -> Result<AckView, Error> {
    let summary = service_ack::summary(ctx, &d.id).await?;
    let mine = service_ack::owed_by_me(ctx).await?.and_then(|(_, owed)| {
        owed.into_iter().find(|o| o.document_id == d.id).map(|o| {
            (
                o.version,
                o.acknowledged_at
                    .as_deref()
                    .map(crate::domain::clock::display)
                    .unwrap_or_default(),
                o.due_on.unwrap_or_default(),
            )
        })
    });
    let rule = summary.rule.clone();
    Ok(AckView {
        percent: summary.percent(),
        scope: rule
            .as_ref()
            .map(|r| r.scope.key().to_string())
            .unwrap_or_else(|| "everyone".into()),
        groups: rule
            .as_ref()
            .map(|r| r.groups.join("\n"))
            .unwrap_or_default(),
        days: rule.as_ref().map(|r| r.days).unwrap_or(14),
        revision: rule.as_ref().map(|r| r.revision).unwrap_or(0),
        scopes: AckScope::ALL
            .iter()
            .map(|s| Choice {
                key: s.key(),
                label: s.label(),
            })
            .collect(),
        can_set,
        sees_people: ctx.actor.has(STAFF_READERS),
        mine,
        summary,
    })
}

/// Saves the requirement from the document's page.
pub async fn set_rule(ctx: Ctx, Path(id): Path<String>, form: FormData) -> PageResult {
    let days = match form.get("days").trim() {
        "" => None,
        d => Some(
            d.parse::<u32>()
                .map_err(|_| Error::field("days", format!("'{d}' is not a number of days")))?,
        ),
    };
    let input = AckRuleInput {
        required: form.get("required") == "1",
        scope: form.get("scope").into(),
        groups: form.get("groups").into(),
        days,
    };
    service_ack::set_rule(&ctx, &id, form.revision(), &input).await?;
    Ok(Redirect::to(&format!(
        "/documents/{}?notice=ack-rule-saved#ack-h",
        encode(&id)
    ))
    .into_response())
}

/// The signed-in person acknowledges the published version.
pub async fn acknowledge(ctx: Ctx, Path(id): Path<String>, _form: FormData) -> PageResult {
    service_ack::acknowledge_signed_in(&ctx, &id).await?;
    Ok(Redirect::to(&format!(
        "/documents/{}?notice=acknowledged#ack-h",
        encode(&id)
    ))
    .into_response())
}

struct Line {
    person_id: String,
    name: String,
    email: String,
    department: String,
    state: &'static str,
    state_key: &'static str,
    due: String,
    when: String,
    via: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "document/templates/acknowledgements.html")]
struct StatusPage {
    l: Layout,
    d: Document,
    summary: AckSummary,
    percent: i64,
    errors: FormErrors,
    rows: Vec<Line>,
    total: i64,
    next_href: Option<String>,
    export_href: String,
    can_remind: bool,
    states: Vec<Choice>,
    f_state: String,
    f_department: String,
    f_q: String,
}

/// Who of the audience has acknowledged the published version, by name, with filters.
pub async fn status_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let d = super::service::get(&ctx, &id).await?;
    let summary = service_ack::summary(&ctx, &id).await?;
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let mut errors = FormErrors::default();
    let filter = match malformed
        .map(Err)
        .unwrap_or_else(|| AckFilter::read(&params))
    {
        Ok(f) => Some(f),
        Err(e) => {
            errors = FormErrors::from_error(e)?;
            None
        }
    };
    let base = format!("/documents/{}/acknowledgements", encode(&id));
    let (rows, total, next_href) = match filter {
        Some(f) => match service_ack::lines(&ctx, &id, &f, params.cursor(), 100).await {
            Ok(p) => (
                p.items
                    .into_iter()
                    .map(|a| Line {
                        state: a.state.label(),
                        state_key: a.state.key(),
                        due: a.due_on.unwrap_or_default(),
                        when: a
                            .acknowledged_at
                            .as_deref()
                            .map(crate::domain::clock::display)
                            .unwrap_or_default(),
                        via: a.via.map(|v| v.label()).unwrap_or_default(),
                        person_id: a.person_id,
                        name: a.name,
                        email: a.email,
                        department: a.department,
                    })
                    .collect(),
                p.total,
                p.next_cursor
                    .map(|c| with_cursor(&base, raw.as_deref(), &c)),
            ),
            Err(e @ Error::Forbidden) => return Err(e.into()),
            Err(e) => {
                errors = FormErrors::from_error(e)?;
                (Vec::new(), 0, None)
            }
        },
        None => (Vec::new(), 0, None),
    };
    let l = layout(
        &s,
        &caller,
        &format!("{}: acknowledgements", d.title),
        "documents",
        raw.as_deref(),
    )
    .await?;
    let status = errors.status();
    Ok((
        status,
        StatusPage {
            percent: summary.percent(),
            export_href: with_same_filters(&format!("{base}.csv"), raw.as_deref()),
            can_remind: ctx.actor.is_editor(),
            states: AckState::ALL
                .iter()
                .map(|s| Choice {
                    key: s.key(),
                    label: s.label(),
                })
                .collect(),
            f_state: params.raw("state"),
            f_department: params.raw("department"),
            f_q: params.raw("q"),
            l,
            d,
            summary,
            errors,
            rows,
            total,
            next_href,
        },
    )
        .into_response())
}

/// The audience as CSV (state, due date, when and how each acknowledged).
pub async fn export(ctx: Ctx, Path(id): Path<String>, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let f = AckFilter::read(&params)?;
    let all = service_ack::all_lines(&ctx, &id, &f).await?;
    Ok(crate::exchange::download(
        &format!("{id}-acknowledgements"),
        crate::exchange::Format::Csv,
        &super::exchange::acks_table(&all, &[]),
    )?)
}

/// The people who have not acknowledged yet, each with a fresh personal link (CSV, for a mail
/// merge): managers and admins.
pub async fn reminders(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let days = form.get("days").trim().parse::<i64>().unwrap_or(30);
    let pending = service_ack::reminders(&ctx, &id, days).await?;
    let base = s
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", s.config.bind));
    let base = base.trim_end_matches('/');
    let (lines, links): (Vec<_>, Vec<_>) = pending
        .into_iter()
        .map(|(l, path)| (l, format!("{base}{path}")))
        .unzip();
    Ok(crate::exchange::download(
        &format!("{id}-reminders"),
        crate::exchange::Format::Csv,
        &super::exchange::acks_table(&lines, &links),
    )?)
}
