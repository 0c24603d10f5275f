//! Personal calendar feeds: a person makes a secret address of their tasks as iCalendar (only
//! its SHA-256 is kept), revokes it by making another or removing it, and it stops opening
//! a year after it was made or when they can no longer sign in. Openings are rate-limited per
//! address.

use super::store;
use crate::error::{Error, Result};
use crate::service::Ctx;

/// Openings of feeds per address in the window, and of unknown feeds.
const MAX_OPENINGS: i64 = 120;
const MAX_INVALID: i64 = 20;
const WINDOW_MINUTES: i64 = 10;

/// Makes (or replaces) the caller's feed and answers its address; the old one stops working.
#[tracing::instrument(name = "task.feed.make", skip_all, fields(actor = %ctx.who()))]
pub async fn make(ctx: &Ctx) -> Result<String> {
    ctx.require_reader()?;
    let me = super::service::caller(ctx)?;
    let secret = crate::domain::user::new_secret("cal_");
    let hash = crate::domain::sha256_hex(&secret);
    let mut tx = ctx.write().await?;
    let before = store::lock_preference(&mut tx, &me).await?;
    store::write_feed(&mut tx, &me, Some(&hash)).await?;
    tx.audit(
        ctx.change("task.feed.make", "calendar_feed", &me)
            .before(serde_json::json!({ "feed": before.3.is_some() }))
            .after(serde_json::json!({ "feed": true })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{}/calendar/{secret}.ics", ctx.public_url()))
}

/// Removes the caller's feed: its address stops working at once.
#[tracing::instrument(name = "task.feed.revoke", skip_all, fields(actor = %ctx.who()))]
pub async fn revoke(ctx: &Ctx) -> Result<()> {
    ctx.require_reader()?;
    let me = super::service::caller(ctx)?;
    let mut tx = ctx.write().await?;
    let before = store::lock_preference(&mut tx, &me).await?;
    if before.3.is_none() {
        return Err(Error::NotFound("a calendar feed: you have none".into()));
    }
    store::write_feed(&mut tx, &me, None).await?;
    tx.audit(
        ctx.change("task.feed.revoke", "calendar_feed", &me)
            .before(serde_json::json!({ "feed": true }))
            .after(serde_json::json!({ "feed": false })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The iCalendar text of the feed whose secret is `secret`, opened from `address` (`ctx` is
/// Annex itself: the secret is the caller's only credential).
#[tracing::instrument(name = "task.feed.open", skip_all)]
pub async fn open(ctx: &Ctx, secret: &str, address: &str) -> Result<String> {
    let s = ctx.store();
    if let Some(wait) = s
        .claim_login_attempt(&format!("feed:{address}"), MAX_OPENINGS, WINDOW_MINUTES)
        .await?
    {
        return Err(Error::Throttled(wait));
    }
    let unknown = || {
        Error::Gone("This calendar address is not (or no longer) valid: make a new one on your settings page in Annex.".into())
    };
    let owner = if secret.starts_with("cal_") && secret.len() <= 100 {
        s.feed_owner(&crate::domain::sha256_hex(secret)).await?
    } else {
        None
    };
    let Some(owner) = owner else {
        if let Some(wait) = s
            .claim_login_attempt(
                &format!("feed-invalid:{address}"),
                MAX_INVALID,
                WINDOW_MINUTES,
            )
            .await?
        {
            return Err(Error::Throttled(wait));
        }
        return Err(unknown());
    };
    let pref = s.preference(&owner).await?.ok_or_else(unknown)?;
    let p = crate::registers::notify::domain::Preferences::from_row(
        pref.0.clone(),
        &pref.1,
        &pref.2,
        pref.4.clone(),
        pref.5,
    );
    if p.feed_until
        .as_deref()
        .is_some_and(|u| u < ctx.today().as_str())
    {
        return Err(Error::Gone(
            "This calendar address has expired (they last a year): make a new one on your settings page in Annex.".into(),
        ));
    }
    let user = match crate::domain::user::Email::parse(&owner) {
        Ok(email) => match s.user_by_email(&email).await {
            Ok(u) => Some(u),
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        Err(_) => None,
    };
    let Some(user) = user.filter(|u| !u.disabled) else {
        return Err(Error::Gone(
            "This calendar address belongs to someone who can no longer sign in.".into(),
        ));
    };
    // A calendar holds the soonest thousand: a feed of a hundred thousand events would be
    // more than calendar programs read.
    let (tasks, _) =
        super::service::of_owner(&ctx.as_system(), &owner, super::domain::TaskQuery::LIMIT).await?;
    Ok(super::domain_ical::calendar(
        &user.name,
        &tasks,
        ctx.clock().now(),
        &ctx.public_url(),
    ))
}
