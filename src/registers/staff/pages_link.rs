//! The personal link's page (`/for/{token}`): without an account, a person sees the published
//! documents they must acknowledge, reads each, and acknowledges it; and the page a manager
//! gets when making someone's link.

use super::service_link;
use crate::error::Error;
use crate::registers::document::service_ack;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormData, Layout, PageResult, Peer, ensure_anon_csrf, layout, with_cookie};
use crate::web::session::{Caller, client_address, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};

struct TrainingLine {
    module_id: String,
    title: String,
    campaign: String,
    url: String,
    minutes: String,
    due: String,
    overdue: bool,
    completed: String,
    /// The material's file name, when there is one to download.
    file: String,
}

struct OwedCard {
    id: String,
    title: String,
    version: i64,
    sha256: String,
    due: String,
    overdue: bool,
    acknowledged: String,
    html: String,
    /// The version is an uploaded file: its name and size, to download.
    file: Option<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/templates/link.html")]
struct LinkPage {
    l: Layout,
    token: String,
    name: String,
    cards: Vec<OwedCard>,
    open: usize,
    training: Vec<TrainingLine>,
}

/// What the link's holder owes, to read and acknowledge.
pub async fn link_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(mut caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path(token): Path<String>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let holder = service_link::open(&ctx, &token, &address).await?;
    let owed = service_ack::owed_by_holder(&ctx, &holder).await?;
    let today = ctx.today();
    let cookie = ensure_anon_csrf(&s, &mut caller);
    let mut l = layout(&s, &caller, "Your documents", "", q.as_deref()).await?;
    l.user = None;
    let cards: Vec<OwedCard> = owed
        .into_iter()
        .map(|(o, v)| OwedCard {
            overdue: o.acknowledged_at.is_none()
                && o.due_on.as_deref().is_some_and(|d| d < today.as_str()),
            due: o.due_on.clone().unwrap_or_default(),
            acknowledged: o
                .acknowledged_at
                .as_deref()
                .map(crate::domain::clock::display)
                .unwrap_or_default(),
            html: crate::registers::document::domain_text::render(&v.body),
            file: v
                .file
                .as_ref()
                .map(|f| (f.file_name.clone(), f.size_label())),
            id: o.document_id,
            title: o.title,
            version: o.version,
            sha256: o.sha256,
        })
        .collect();
    let open = cards.iter().filter(|c| c.acknowledged.is_empty()).count();
    let training = crate::registers::training::service::assigned_to_holder(&ctx, &holder)
        .await?
        .into_iter()
        .map(|a| TrainingLine {
            overdue: a.completed_on.is_none() && a.due_on.as_str() < today.as_str(),
            module_id: a.module.id,
            title: a.module.title,
            campaign: a.campaign,
            url: a.module.material_url,
            minutes: a
                .module
                .duration_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            due: a.due_on,
            completed: a.completed_on.unwrap_or_default(),
            file: a
                .module
                .material_file
                .as_ref()
                .map(|f| f.file_name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let page = LinkPage {
        training,
        l,
        token,
        name: holder.person().name.clone(),
        cards,
        open,
    };
    Ok(with_cookie(page.into_response(), cookie))
}

/// The holder acknowledges one document, then sees the page again.
pub async fn link_acknowledge(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path((token, document)): Path<(String, String)>,
    _form: FormData,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let holder = service_link::open(&ctx, &token, &address).await?;
    service_ack::acknowledge_by_link(&ctx, &holder, &document).await?;
    Ok(Redirect::to(&format!(
        "/for/{}?notice=acknowledged#{}",
        encode(&token),
        encode(&document)
    ))
    .into_response())
}

/// The file of a document the holder is asked to acknowledge, to read before acknowledging.
pub async fn link_file(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path((token, document)): Path<(String, String)>,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let holder = service_link::open(&ctx, &token, &address).await?;
    let (f, reader) = service_ack::file_for_holder(&ctx, &holder, &document).await?;
    Ok(crate::registers::evidence::web::file_response(&f, reader))
}

/// The material file of a module assigned to the holder.
pub async fn link_material(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path((token, module)): Path<(String, String)>,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let holder = service_link::open(&ctx, &token, &address).await?;
    let (f, reader) =
        crate::registers::training::service::material_for_holder(&ctx, &holder, &module).await?;
    Ok(crate::registers::evidence::web::file_response(&f, reader))
}

/// The holder says they completed an assigned training module today.
pub async fn link_complete(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path((token, module)): Path<(String, String)>,
    _form: FormData,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let holder = service_link::open(&ctx, &token, &address).await?;
    crate::registers::training::service::complete_by_link(&ctx, &holder, &module).await?;
    Ok(Redirect::to(&format!(
        "/for/{}?notice=training-recorded#training-h",
        encode(&token)
    ))
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/templates/link_made.html")]
struct MadePage {
    l: Layout,
    person_id: String,
    name: String,
    url: String,
    until: String,
}

/// Makes a person's link and shows it once, to copy and send.
pub async fn make_link(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let days = match form.get("days").trim() {
        "" => None,
        d => Some(
            d.parse::<i64>()
                .map_err(|_| Error::field("days", format!("'{d}' is not a number of days")))?,
        ),
    };
    let (path, until) = service_link::make(&ctx, &id, days).await?;
    let p = super::service::get(&ctx, &id).await?;
    let base = s
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", s.config.bind));
    let l = layout(&s, &caller, "Personal link", "people", None).await?;
    Ok(MadePage {
        l,
        person_id: p.id,
        name: p.name,
        url: format!("{}{path}", base.trim_end_matches('/')),
        until,
    }
    .into_response())
}
