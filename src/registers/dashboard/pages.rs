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
                object: e.object_label(),
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
    let (leavers, _, unreturned) = crate::registers::staff::service::offboarding_open(ctx).await?;
    let clocks = crate::registers::incident::service::deadlines(ctx).await?;
    let overdue = clocks
        .iter()
        .filter(|c| c.2.state == crate::registers::incident::domain_regime::StageState::Overdue)
        .count() as i64;
    let attention = vec![
        (overdue, "incident notifications overdue", "/incidents"),
        (
            clocks.len() as i64 - overdue,
            "incident notifications to send before their deadline",
            "/incidents",
        ),
        (
            leavers,
            "leavers with open offboarding steps",
            "/people/checklists",
        ),
        (
            unreturned,
            "assets still to get back from leavers",
            "/people/checklists",
        ),
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
        (
            documents_matching(
                ctx,
                crate::registers::document::domain::DocumentFilter {
                    review_due_on: Some(ctx.today()),
                    ..Default::default()
                },
            )
            .await?,
            "documents due for review",
            "/documents?review_due=1",
        ),
        (
            documents_matching(
                ctx,
                crate::registers::document::domain::DocumentFilter {
                    status: Some(crate::registers::document::domain::DocumentStatus::InReview),
                    ..Default::default()
                },
            )
            .await?,
            "documents waiting for approval",
            "/documents?status=in_review",
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
/// One kind of record found by the header's search.
struct Group {
    kind: &'static str,
    /// (href, id, text)
    hits: Vec<(String, String, String)>,
    /// How many match in all (the register counts up to 10,000).
    total: i64,
    /// The register filtered by the same words, when it has such a filter.
    all_href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/templates/search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    groups: Vec<Group>,
    found: i64,
}

/// Hits shown per kind of record.
const HITS: usize = 8;

/// The header's search over everything a person looks for: controls (by id in any usual
/// spelling — `8.13`, `A.8.13`, `9.2` — or by words), assets, risks, measures, evidence,
/// hosts and, for admins, people; grouped by kind, a few of each with a link to all of them.
pub async fn search(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let (params, _) = Params::parse_lenient(q.as_deref());
    let text = params
        .get("q")
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(Redirect::to("/controls").into_response());
    }
    let text: String = text.chars().take(200).collect();
    let encoded = session::encode(&text);
    let mut groups = Vec::new();

    // Controls: the one an id names first, then those whose id, title or summary match.
    let order = [ISO_2022, "iso27001-2022", "iso27002-2013"];
    let mut hits: Vec<(String, String, String)> = Vec::new();
    let mut total = 0;
    if let Some((fw, id)) = catalog::find_control(&ctx, &text, &order).await? {
        let c = catalog::catalog(&ctx, &fw).await?;
        if let Ok(found) = c.control(&id) {
            hits.push((
                format!("/controls/{fw}/{}", session::encode(&id)),
                id.clone(),
                format!("{} ({})", found.title, c.framework.name),
            ));
            total += 1;
        }
    }
    for fw in order {
        let c = catalog::catalog(&ctx, fw).await?;
        let filter = crate::domain::catalog::ControlFilter {
            text: Some(text.clone()),
            ..Default::default()
        };
        if let Ok(found) = c.select(&filter) {
            for control in &found {
                let href = format!("/controls/{fw}/{}", session::encode(&control.id));
                if hits.iter().any(|h| h.0 == href) {
                    continue;
                }
                total += 1;
                if hits.len() < HITS {
                    hits.push((
                        href,
                        control.id.clone(),
                        format!("{} ({})", control.title, c.framework.name),
                    ));
                }
            }
        }
    }
    groups.push(Group {
        kind: "Controls",
        hits,
        total,
        all_href: Some(format!("/controls?q={encoded}")),
    });

    for (kind, register) in [
        ("Assets", Register::Assets),
        ("Risks", Register::Risks),
        ("Measures", Register::Measures),
    ] {
        let (found, total) = register.matching(&ctx, &text, HITS as i64).await?;
        let path = register.path();
        groups.push(Group {
            kind,
            hits: found
                .into_iter()
                .map(|(id, name)| (format!("/{path}/{}", session::encode(&id)), id, name))
                .collect(),
            total,
            all_href: Some(format!("/{path}?q={encoded}")),
        });
    }
    let evidence_filter = crate::registers::evidence::domain::EvidenceFilter {
        q: Some(text.clone()),
        limit: HITS as i64,
        ..Default::default()
    };
    let (items, count) = crate::registers::evidence::service::list(&ctx, &evidence_filter).await?;
    groups.push(Group {
        kind: "Evidence",
        hits: items
            .iter()
            .map(|e| {
                (
                    format!("/evidence/{}", session::encode(&e.id)),
                    e.id.clone(),
                    e.title.clone(),
                )
            })
            .collect(),
        total: count,
        all_href: Some(format!("/evidence?q={encoded}")),
    });
    let needle = text.to_lowercase();
    let hosts: Vec<_> = crate::registers::hosts::service::hosts(&ctx)
        .await?
        .into_iter()
        .filter(|h| h.name.to_lowercase().contains(&needle))
        .collect();
    groups.push(Group {
        kind: "Hosts",
        total: hosts.len() as i64,
        hits: hosts
            .iter()
            .take(HITS)
            .map(|h| {
                (
                    format!("/hosts/{}", session::encode(&h.name)),
                    h.name.clone(),
                    String::new(),
                )
            })
            .collect(),
        all_href: None,
    });
    if let Ok(users) = people::users(&ctx).await {
        let found: Vec<_> = users
            .into_iter()
            .filter(|u| {
                u.name.to_lowercase().contains(&needle) || u.email.to_lowercase().contains(&needle)
            })
            .collect();
        groups.push(Group {
            kind: "People",
            total: found.len() as i64,
            hits: found
                .iter()
                .take(HITS)
                .map(|u| {
                    (
                        format!("/admin/users/{}", session::encode(&u.id)),
                        u.name.clone(),
                        u.email.clone(),
                    )
                })
                .collect(),
            all_href: None,
        });
    }
    let found = groups.iter().map(|g| g.total).sum();
    let l = layout(&s, &caller, "Search", "", None).await?;
    Ok(SearchPage {
        l,
        q: text,
        groups,
        found,
    }
    .into_response())
}

/// One choice of a picker: the value a field takes and what people read.
#[derive(serde::Serialize)]
struct Suggestion {
    value: String,
    label: String,
}

/// Choices a picker offers.
const SUGGESTIONS: usize = 12;

/// What a form's picker offers for the words typed (`?q=`): `people` (by name or e-mail; the
/// value is the e-mail), `assets`, `risks`, `measures` (by id or words), `controls` (by id
/// in any usual spelling or words; `?framework=` else 2022, then the 27001 clauses). JSON,
/// for the pickers' script; every field also takes typed ids without it.
pub async fn suggest(
    ctx: Ctx,
    axum::extract::Path(kind): axum::extract::Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let (params, _) = Params::parse_lenient(q.as_deref());
    let text: String = params
        .get("q")
        .unwrap_or_default()
        .trim()
        .chars()
        .take(100)
        .collect();
    let needle = text.to_lowercase();
    let out: Vec<Suggestion> = match kind.as_str() {
        "people" => people::directory(&ctx)
            .await?
            .into_iter()
            .filter(|(name, email)| {
                name.to_lowercase().contains(&needle) || email.to_lowercase().contains(&needle)
            })
            .take(SUGGESTIONS)
            .map(|(name, email)| Suggestion {
                label: format!("{name} <{email}>"),
                value: email,
            })
            .collect(),
        "assets" | "risks" | "measures" => {
            let register = match kind.as_str() {
                "assets" => Register::Assets,
                "risks" => Register::Risks,
                _ => Register::Measures,
            };
            register
                .matching(&ctx, &text, SUGGESTIONS as i64)
                .await?
                .0
                .into_iter()
                .map(|(id, name)| Suggestion {
                    label: format!("{id} {name}"),
                    value: id,
                })
                .collect()
        }
        "controls" => {
            let first = params.get("framework").unwrap_or(ISO_2022).to_string();
            let mut order = vec![first.clone()];
            order.extend(
                [ISO_2022, "iso27001-2022"]
                    .iter()
                    .filter(|f| **f != first)
                    .map(|f| f.to_string()),
            );
            let mut out = Vec::new();
            for fw in &order {
                let Ok(c) = catalog::catalog(&ctx, fw).await else {
                    continue;
                };
                let id = crate::domain::catalog::normalise_control_id(&text);
                let mut found: Vec<&crate::domain::catalog::Control> = Vec::new();
                if let Ok(exact) = c.control(&id) {
                    found.push(exact);
                }
                let filter = crate::domain::catalog::ControlFilter {
                    text: Some(text.clone()),
                    ..Default::default()
                };
                let matching = c.select(&filter).unwrap_or_default();
                for control in &matching {
                    if !found.iter().any(|f| f.id == control.id) {
                        found.push(control);
                    }
                }
                for control in found {
                    if out.len() >= SUGGESTIONS {
                        break;
                    }
                    // Outside the 2022 controls the value names its framework.
                    let value = if *fw == ISO_2022 {
                        control.id.clone()
                    } else {
                        format!("{fw}:{}", control.id)
                    };
                    out.push(Suggestion {
                        label: format!("{} {} ({})", control.id, control.title, c.framework.name),
                        value,
                    });
                }
            }
            out
        }
        other => {
            return Err(crate::error::Error::NotFound(format!("the picker '{other}'")).into());
        }
    };
    Ok(axum::Json(out).into_response())
}

/// The registers the search and the pickers look into by words, through their own list
/// use cases (the same text filter their pages have).
#[derive(Clone, Copy)]
enum Register {
    Assets,
    Risks,
    Measures,
}

impl Register {
    /// Where its records live (`/assets/A-0001`).
    fn path(self) -> &'static str {
        match self {
            Register::Assets => "assets",
            Register::Risks => "risks",
            Register::Measures => "measures",
        }
    }

    /// (id, name) of the first `limit` records matching `text`, and how many match in all.
    async fn matching(
        self,
        ctx: &Ctx,
        text: &str,
        limit: i64,
    ) -> crate::error::Result<(Vec<(String, String)>, i64)> {
        let words = Params::parse(Some(&format!("q={}", session::encode(text))))?;
        let today = ctx.today();
        Ok(match self {
            Register::Assets => {
                let query = crate::registers::asset::domain::AssetQuery::read(&words)?;
                let page = crate::registers::asset::service::list(ctx, &query, None, limit).await?;
                let found = page.items.into_iter().map(|a| (a.id, a.name)).collect();
                (found, page.total)
            }
            Register::Risks => {
                let query = crate::registers::risk::domain::RiskQuery::read(&words, &today)?;
                let page = crate::registers::risk::service::list(ctx, &query, None, limit).await?;
                let found = page.items.into_iter().map(|r| (r.id, r.title)).collect();
                (found, page.total)
            }
            Register::Measures => {
                let query = crate::registers::measure::domain::MeasureQuery::read(&words, &today)?;
                let page =
                    crate::registers::measure::service::list(ctx, &query, None, limit).await?;
                let found = page.items.into_iter().map(|m| (m.id, m.name)).collect();
                (found, page.total)
            }
        })
    }
}

/// How many documents a filter finds.
async fn documents_matching(
    ctx: &Ctx,
    filter: crate::registers::document::domain::DocumentFilter,
) -> Result<i64, crate::error::Error> {
    let q = crate::registers::document::domain::DocumentQuery { filter };
    Ok(crate::registers::document::service::list(ctx, &q, None, 1)
        .await?
        .total)
}
