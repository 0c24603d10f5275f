//! The audit trail's page: every change, newest first, with filters.

use super::service;
use crate::domain::audit::AuditFilter;
use crate::domain::query::Params;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{HistoryRow, Layout, PageResult, history_rows, layout};
use crate::web::session::{self, Caller};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;

#[derive(Template, WebTemplate)]
#[template(path = "audit/templates/audit.html")]
struct AuditPage {
    l: Layout,
    history: Vec<HistoryRow>,
    object_types: Vec<String>,
    actors: Vec<String>,
    object_type: String,
    object_id: String,
    actor: String,
    older_href: Option<String>,
}

/// The trail, newest first, filtered by kind of record, record and person, fifty at a time.
pub async fn audit_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let filter = AuditFilter::read(&Params::parse(raw.as_deref())?)?;
    const PAGE: i64 = 50;
    let entries = service::entries(&ctx, &filter, PAGE).await?;
    let older_href = (entries.len() as i64 == PAGE).then(|| {
        let last = entries.last().map(|e| e.seq).unwrap_or_default();
        let mut parts = vec![format!("before={last}")];
        for (k, v) in [
            ("object_type", &filter.object_type),
            ("object_id", &filter.object_id),
            ("actor", &filter.actor),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", session::encode(v)));
            }
        }
        format!("/audit?{}", parts.join("&"))
    });
    let (object_types, actors) = service::facets(&ctx).await?;
    let l = layout(&s, &caller, "Audit trail", "audit", None).await?;
    Ok(AuditPage {
        l,
        history: history_rows(entries, ctx.clock().now()),
        object_types,
        actors,
        object_type: filter.object_type.clone().unwrap_or_default(),
        object_id: filter.object_id.clone().unwrap_or_default(),
        actor: filter.actor.clone().unwrap_or_default(),
        older_href,
    }
    .into_response())
}
