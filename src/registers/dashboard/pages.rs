//! The dashboard and the top bar's search: what a person sees first, gathered from the
//! registers' use cases.

use crate::domain::audit::AuditFilter;
use crate::domain::clock::{display, relative};
use crate::domain::query::Params;
use crate::registers::catalog::service as catalog;
use crate::registers::people::service as people;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{Layout, PageResult, layout};
use crate::web::session::{self, Caller};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect};

const ISO_2022: &str = crate::domain::catalog::DEFAULT_FRAMEWORK;

struct Step {
    title: &'static str,
    help: &'static str,
    href: &'static str,
    done: bool,
}

struct ThemeBar {
    id: String,
    title: String,
    count: i64,
    percent: i64,
}

struct GridCell {
    count: i64,
    heat: i64,
    href: String,
}

struct GridRow {
    label: String,
    cells: Vec<GridCell>,
}

struct RecentRow {
    when: String,
    relative: String,
    actor: String,
    action: String,
    object: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/templates/dashboard.html")]
struct DashboardPage {
    l: Layout,
    steps: Vec<Step>,
    themes: Vec<ThemeBar>,
    total_2022: i64,
    grid_cols: Vec<String>,
    grid: Vec<GridRow>,
    frameworks: Vec<crate::domain::catalog::Framework>,
    recent: Vec<RecentRow>,
    attention: Vec<(i64, &'static str, &'static str)>,
    /// The SoA's warnings: (rows, label, key).
    soa_warnings: Vec<(usize, &'static str, &'static str)>,
    readiness: crate::registers::readiness::domain::Readiness,
}

/// The dashboard: first steps for a new instance, what needs attention, the SoA's readiness
/// and warnings, the catalogue at a glance and the latest changes.
pub async fn dashboard(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let l = layout(&s, &caller, "Dashboard", "dashboard", q.as_deref()).await?;
    let ctx = &ctx;
    let by_theme = catalog::theme_counts(ctx, ISO_2022).await?;
    let total_2022: i64 = by_theme.iter().map(|(_, n)| n).sum();
    let max = by_theme.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let themes = by_theme
        .into_iter()
        .map(|(g, n)| ThemeBar {
            id: g.id,
            title: g.title,
            count: n,
            percent: n * 100 / max,
        })
        .collect();
    let catalogue = catalog::catalog(ctx, ISO_2022).await?;
    let types = &catalogue.attribute_types;
    let values_of = |k: &str| {
        types
            .iter()
            .find(|t| t.key == k)
            .map(|t| t.values.clone())
            .unwrap_or_default()
    };
    let (domains, kinds) = (values_of("security_domains"), values_of("control_type"));
    let counts = catalog::attribute_grid(ctx, ISO_2022, "security_domains", "control_type").await?;
    let grid_max = counts.iter().map(|c| c.2).max().unwrap_or(1).max(1);
    let grid = domains
        .iter()
        .map(|d| GridRow {
            label: d.replace('_', " "),
            cells: kinds
                .iter()
                .map(|k| {
                    let n = counts
                        .iter()
                        .find(|c| &c.0 == d && &c.1 == k)
                        .map(|c| c.2)
                        .unwrap_or(0);
                    GridCell {
                        count: n,
                        heat: if n == 0 {
                            0
                        } else {
                            (n * 5 + grid_max - 1) / grid_max
                        },
                        href: format!("/controls?attr=security_domains:{d}&attr=control_type:{k}"),
                    }
                })
                .collect(),
        })
        .collect();
    let is_admin = l.is_admin();
    let mut steps = Vec::new();
    if is_admin {
        let users = people::users(ctx).await?;
        let tokens = people::tokens(ctx).await?;
        steps = vec![
            Step {
                title: "Set up Annex",
                help: "organisation and first administrator.",
                href: "/admin/settings",
                done: true,
            },
            Step {
                title: "Invite your team",
                help: "add the security manager, control owners and auditors with their roles.",
                href: "/admin/users",
                done: users.len() > 1,
            },
            Step {
                title: "Browse the controls",
                help: "filter the 93 controls by theme and attribute to see what applies to you.",
                href: "/controls",
                done: false,
            },
            Step {
                title: "Connect scripts",
                help: "create an API token for automation and CI.",
                href: "/admin/tokens",
                done: !tokens.is_empty(),
            },
        ];
        if steps.iter().filter(|s| s.done).count() == 3 {
            steps.clear();
        }
    }
    let recent = if l.can_read_trail() {
        let now = ctx.clock().now();
        crate::registers::audit::service::entries(ctx, &AuditFilter::default(), 5)
            .await?
            .into_iter()
            .map(|e| RecentRow {
                when: display(&e.occurred_at),
                relative: relative(&e.occurred_at, now),
                object: format!("{} {}", e.object_type, e.object_id),
                actor: e.actor,
                action: e.action,
            })
            .collect()
    } else {
        Vec::new()
    };
    let today = ctx.today();
    let risks_due = crate::registers::risk::domain::RiskFilter {
        review_overdue_on: Some(today.clone()),
        ..Default::default()
    };
    let lapsed = crate::registers::risk::domain::RiskFilter {
        acceptance_lapsed_on: Some(today.clone()),
        ..Default::default()
    };
    let measures_due = crate::registers::measure::domain::MeasureFilter {
        overdue_on: Some(today),
        ..Default::default()
    };
    let attention = vec![
        (
            crate::registers::risk::service::count_matching(ctx, &risks_due)
                .await?
                .0,
            "risks past their review date",
            "/risks?attention=review",
        ),
        (
            crate::registers::risk::service::count_matching(ctx, &lapsed)
                .await?
                .0,
            "risk acceptances expired or needing renewal",
            "/risks?attention=acceptance",
        ),
        (
            crate::registers::measure::service::list(
                ctx,
                &crate::registers::measure::domain::MeasureQuery {
                    filter: measures_due,
                },
                None,
                1,
            )
            .await?
            .total,
            "measures past their due date",
            "/measures?overdue=1",
        ),
        (
            crate::registers::hosts::service::hosts(ctx)
                .await?
                .iter()
                .filter(|h| h.stale)
                .count() as i64,
            "hosts that stopped reporting scans",
            "/hosts?stale=1",
        ),
    ];
    let soa = crate::registers::soa::service::rows(ctx, crate::domain::catalog::DEFAULT_FRAMEWORK)
        .await?;
    let soa_warnings = crate::registers::soa::domain::Warning::ALL
        .iter()
        .map(|w| {
            (
                soa.iter().filter(|r| r.warnings.contains(w)).count(),
                w.label(),
                w.key(),
            )
        })
        .filter(|(n, _, _)| *n > 0)
        .collect();
    Ok(DashboardPage {
        soa_warnings,
        readiness: crate::registers::readiness::service::of(ctx, &soa).await?,
        attention,
        l,
        steps,
        themes,
        total_2022,
        grid_cols: kinds,
        grid,
        frameworks: catalog::frameworks(ctx).await?,
        recent,
    }
    .into_response())
}

/// The top bar's search: an id opens the control, anything else searches the catalogue.
pub async fn search(ctx: Ctx, RawQuery(q): RawQuery) -> PageResult {
    let (params, _) = Params::parse_lenient(q.as_deref());
    let Some(text) = params.get("q") else {
        return Ok(Redirect::to("/controls").into_response());
    };
    let order = [ISO_2022, "iso27002-2013", "iso27001-2022"];
    Ok(match catalog::find_control(&ctx, text, &order).await? {
        Some((fw, id)) => {
            Redirect::to(&format!("/controls/{fw}/{}", session::encode(&id))).into_response()
        }
        None => Redirect::to(&format!("/controls?q={}", session::encode(text))).into_response(),
    })
}
