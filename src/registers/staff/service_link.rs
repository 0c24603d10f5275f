//! Personal links: a manager makes a link for a person of the directory (signed, valid until a
//! day; Annex keeps no table of them), and whoever opens it acts as that person for what the
//! link page offers — acknowledging documents, recording training — without an account.
//! Opening links is rate-limited per address; a person who has left opens nothing.

use super::domain::{Person, PersonStatus};
use crate::domain::link::{self, DEFAULT_DAYS, MAX_DAYS};
use crate::domain::user::EDITORS;
use crate::error::{Error, Result};
use crate::service::Ctx;

/// Whoever opened a valid personal link: only [`open`] makes one, so a use case that takes
/// it acts for that person and no one else.
pub struct Holder(Person);

impl Holder {
    pub fn person(&self) -> &Person {
        &self.0
    }
}

/// Link openings per address within [`WINDOW_MINUTES`] before the address waits.
pub const MAX_OPENINGS: i64 = 300;
/// Invalid links per address within the window before the address waits.
pub const MAX_INVALID: i64 = 20;
pub const WINDOW_MINUTES: i64 = 10;

async fn key(ctx: &Ctx) -> Result<ed25519_dalek::SigningKey> {
    let seed = ctx.store().shared_secret("link").await?;
    link::key(&seed).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "the personal-link key is not 64 hex digits"
        ))
    })
}

/// A personal link for a person (managers and admins), valid for `days` (1 to 366; 30 by
/// default): the path to send them, and its last valid day. The trail records who made a
/// link for whom and until when, never the link itself.
#[tracing::instrument(name = "person.link", skip_all, fields(actor = %ctx.who(), id = %person))]
pub async fn make(ctx: &Ctx, person: &str, days: Option<i64>) -> Result<(String, String)> {
    ctx.require(EDITORS)?;
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Error::field(
            "days",
            format!("'{days}' is not 1 to {MAX_DAYS} days"),
        ));
    }
    let p = ctx.store().person(person).await?;
    if p.status(&ctx.today()) == PersonStatus::Left {
        return Err(Error::Conflict(format!(
            "{} has left: a personal link would open nothing",
            p.name
        )));
    }
    let until = crate::domain::input::days_after(&ctx.today(), days)
        .ok_or_else(|| Error::field("days", "too far ahead"))?;
    let token = link::sign(&key(ctx).await?, &p.id, &until);
    let mut tx = ctx.write().await?;
    tx.audit(
        ctx.change("person.link", "person", &p.id)
            .after(serde_json::json!({ "valid_until": until })),
    )
    .await?;
    tx.commit().await?;
    Ok((format!("/for/{token}"), until))
}

/// Links for many people at once (a reminder's mail merge): (person id, path), each valid
/// for `days`. Managers and admins; one audit entry for the batch.
#[tracing::instrument(name = "person.links", skip_all, fields(actor = %ctx.who(), n = people.len()))]
pub async fn make_many(ctx: &Ctx, people: &[String], days: i64) -> Result<Vec<(String, String)>> {
    ctx.require(EDITORS)?;
    let until = crate::domain::input::days_after(&ctx.today(), days.clamp(1, MAX_DAYS))
        .ok_or_else(|| Error::field("days", "too far ahead"))?;
    let key = key(ctx).await?;
    let out: Vec<(String, String)> = people
        .iter()
        .map(|p| (p.clone(), format!("/for/{}", link::sign(&key, p, &until))))
        .collect();
    if !out.is_empty() {
        let mut tx = ctx.write().await?;
        tx.audit(
            ctx.change("person.links", "person", "many")
                .after(serde_json::json!({ "people": people, "valid_until": until })),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(out)
}

/// The person a link is for, when it is valid and they have not left. Each opening counts
/// against the client's address, an invalid link more.
#[tracing::instrument(name = "person.open_link", skip_all)]
pub async fn open(ctx: &Ctx, token: &str, address: &str) -> Result<Holder> {
    let store = ctx.store();
    if let Some(wait) = store
        .claim_login_attempt(&format!("link:{address}"), MAX_OPENINGS, WINDOW_MINUTES)
        .await?
    {
        return Err(Error::Throttled(wait));
    }
    let person = match link::verify(&key(ctx).await?, token, &ctx.today()) {
        Ok(p) => p,
        Err(e) => {
            if let Some(wait) = store
                .claim_login_attempt(
                    &format!("link-invalid:{address}"),
                    MAX_INVALID,
                    WINDOW_MINUTES,
                )
                .await?
            {
                return Err(Error::Throttled(wait));
            }
            return Err(Error::Gone(e.message()));
        }
    };
    let p = match store.person(&person).await {
        Ok(p) => p,
        Err(Error::NotFound(_)) => {
            return Err(Error::Gone(
                "This link is for someone who is no longer in the staff directory.".into(),
            ));
        }
        Err(e) => return Err(e),
    };
    if p.status(&ctx.today()) == PersonStatus::Left {
        return Err(Error::Gone(
            "This link is for someone who has left the organisation.".into(),
        ));
    }
    Ok(Holder(p))
}
