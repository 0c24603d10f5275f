//! The organisation's settings page (administrators).

use super::service;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormData, FormErrors, Layout, PageResult, layout};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

#[derive(Template, WebTemplate)]
#[template(path = "organisation/templates/settings.html")]
struct SettingsPage {
    l: Layout,
    errors: FormErrors,
    organisation: String,
    scope: String,
    time_zone: String,
    /// Every zone people may choose, for the field's suggestions.
    zones: Vec<String>,
    /// The current moment as the chosen zone shows it.
    now_shown: String,
}

/// The organisation's settings: its name and the ISMS scope.
pub async fn settings_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let l = layout(&s, &caller, "Settings", "settings", q.as_deref()).await?;
    let organisation = l.org.clone();
    Ok(SettingsPage {
        l,
        errors: FormErrors::default(),
        organisation,
        scope: service::scope(&ctx).await?,
        time_zone: service::time_zone(&ctx).await?,
        zones: crate::domain::clock::zone_names(),
        now_shown: crate::domain::clock::display(&crate::domain::clock::stamp(ctx.clock().now())),
    }
    .into_response())
}

/// Saves the name and the scope together.
pub async fn settings_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let saved = service::save(
        &ctx,
        service::Settings {
            name: Some(form.get("organisation")),
            scope: Some(form.get("isms_scope")),
            // An empty field leaves the zone as it is (type UTC for UTC).
            time_zone: Some(form.get("time_zone")).filter(|z| !z.trim().is_empty()),
        },
    )
    .await;
    match saved {
        Ok(()) => Ok(Redirect::to("/admin/settings?notice=settings-saved").into_response()),
        Err(e @ Error::Validation(_)) => {
            let l = layout(&s, &caller, "Settings", "settings", None).await?;
            let errors = FormErrors::from_error(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                SettingsPage {
                    l,
                    errors,
                    organisation: form.get("organisation").to_string(),
                    scope: form.get("isms_scope").to_string(),
                    time_zone: form.get("time_zone").to_string(),
                    zones: crate::domain::clock::zone_names(),
                    now_shown: crate::domain::clock::display(&crate::domain::clock::stamp(
                        ctx.clock().now(),
                    )),
                },
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
