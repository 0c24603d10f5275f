//! The facts readiness and the computed indicators rest on, read from the registers through
//! their use cases (counts only, so every reader may see them).

use crate::error::Result;
use crate::service::Ctx;

/// The facts about risks, measures and evidence, kept until one of those registers changes or
/// the day does (at 100,000 risks their counts cost the dashboard tens of milliseconds).
pub(crate) async fn risk_facts(
    ctx: &Ctx,
) -> Result<crate::registers::readiness::domain::RiskFacts> {
    let generations = ctx
        .store()
        .generations(["risk", "measure", "evidence"])
        .await?;
    // Generations only grow, so their sum changes whenever one of them does.
    let at = generations.iter().sum();
    let key = (ctx.today(), generations);
    if let Some(f) = ctx.caches().readiness_facts.get(&key, at) {
        return Ok(f);
    }
    let f = ctx.store().risk_facts().await?;
    ctx.caches().readiness_facts.put(key, at, f.clone());
    Ok(f)
}

/// What readiness needs of the document register (7.5) and of the staff directory, training
/// and acknowledgements (7.2, 7.3, 7.4), the documents read once for both.
pub(crate) async fn document_and_people_facts(
    ctx: &Ctx,
) -> Result<(
    crate::registers::readiness::domain::DocumentFacts,
    crate::registers::readiness::domain::PeopleFacts,
)> {
    use crate::registers::document::domain::DocumentFilter;
    let all = crate::registers::document::service::all(ctx, &DocumentFilter::default()).await?;
    let people = people_facts(ctx, &all).await?;
    Ok((document_facts(&all, &ctx.today()), people))
}

/// What readiness needs of the staff directory, training and acknowledgements (7.2, 7.3):
/// counts only, so every reader of readiness may see them; `documents` are every document.
async fn people_facts(
    ctx: &Ctx,
    documents: &[crate::registers::document::domain::Document],
) -> Result<crate::registers::readiness::domain::PeopleFacts> {
    use crate::registers::document::domain::{DocumentKind, DocumentStatus};
    let today = ctx.today();
    let staff = ctx.store().present_staff(&today).await?;
    let competence = crate::registers::training::service::competence(ctx)
        .await?
        .into_iter()
        .map(|c| (c.job_title, c.people, c.meet))
        .collect();
    let year_ago = crate::domain::input::days_after(&today, -365).unwrap_or_default();
    let mut campaigns = Vec::new();
    for c in crate::registers::training::service::campaigns(ctx).await? {
        if c.due_on >= year_ago || c.closed_on.is_none() {
            let s = crate::registers::training::service::summary(ctx, &c.id).await?;
            campaigns.push((c.id, s.required, s.completed, s.overdue));
        }
    }
    let mut policy_ack = None;
    let policies = documents
        .iter()
        .filter(|d| d.kind == DocumentKind::Policy && d.status == DocumentStatus::Published);
    for d in policies {
        let s = crate::registers::document::service_ack::summary(ctx, &d.id).await?;
        if s.rule.is_some() {
            policy_ack = Some((d.id.clone(), s.required, s.acknowledged, s.overdue));
            break;
        }
    }
    Ok(crate::registers::readiness::domain::PeopleFacts {
        staff,
        competence,
        campaigns,
        policy_ack,
    })
}

/// What readiness needs of the document register, from every document.
fn document_facts(
    all: &[crate::registers::document::domain::Document],
    today: &str,
) -> crate::registers::readiness::domain::DocumentFacts {
    use crate::registers::document::domain::{DocumentKind, DocumentStatus};
    let live = |d: &&crate::registers::document::domain::Document| {
        d.status != DocumentStatus::Retired && d.current_version.is_some()
    };
    let due: Vec<String> = all
        .iter()
        .filter(|d| d.review_due(today))
        .map(|d| d.id.clone())
        .collect();
    let in_review: Vec<String> = all
        .iter()
        .filter(|d| d.status == DocumentStatus::InReview)
        .map(|d| d.id.clone())
        .collect();
    crate::registers::readiness::domain::DocumentFacts {
        policies: all
            .iter()
            .filter(|d| d.kind == DocumentKind::Policy && d.status != DocumentStatus::Retired)
            .map(|d| (d.id.clone(), live(&d), d.review_due(today)))
            .collect(),
        published: all.iter().filter(live).count() as i64,
        review_due: due.len() as i64,
        review_due_examples: due.iter().take(8).cloned().collect(),
        in_review: in_review.len() as i64,
        in_review_examples: in_review.iter().take(8).cloned().collect(),
    }
}
