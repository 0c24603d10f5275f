//! Who is calling: session cookies (random secret in the cookie, its SHA-256 in the store),
//! bearer API tokens, CSRF tokens for forms, and the client's address for throttling.
//!
//! The CSRF token of a signed-in user is derived from the session secret, so nothing extra is
//! stored and any instance can check it. Before sign-in (login and setup forms) a random
//! `annex_csrf` cookie is compared with the form field (double submit). Browsers' own
//! `Sec-Fetch-Site` and `Origin` headers are checked too.

use super::AppState;
use crate::domain::user::Role;
use crate::domain::user::User;
use crate::domain::user::sha256_hex;
use crate::error::Error;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "annex_session";
pub const ANON_CSRF_COOKIE: &str = "annex_csrf";
pub const CSRF_FIELD: &str = "_csrf";
const CSRF_HEADER: &str = "x-csrf-token";
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// The largest file upload (a spreadsheet for import), with room for the form around it.
pub const MAX_UPLOAD_BYTES: usize = crate::exchange::sheet::MAX_FILE_BYTES + 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Session(String),
    /// A bearer API token, with the token's id.
    Token(String),
}

/// The caller of a request, placed in the request's extensions by the guard.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Option<User>,
    pub via: Via,
    /// The CSRF token to put in forms rendered for this caller.
    pub csrf: String,
}

impl Caller {
    /// Nobody signed in.
    pub fn anonymous() -> Caller {
        Caller {
            user: None,
            via: Via::Anonymous,
            csrf: String::new(),
        }
    }

    /// The actor of the use cases this caller calls, through the API or a page.
    pub fn actor(&self, api: bool) -> crate::service::Actor {
        let channel = if api {
            crate::service::Channel::Api
        } else {
            crate::service::Channel::Page
        };
        let token = match &self.via {
            Via::Token(id) => Some(id.clone()),
            _ => None,
        };
        crate::service::Actor::user(self.user.clone(), channel, token)
    }

    /// Managers and admins edit all ISMS content.
    pub fn is_editor(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::Admin | Role::Manager))
    }

    /// An editor or a contributor: someone who adds records such as evidence.
    pub fn may_contribute(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::Admin | Role::Manager | Role::Contributor))
    }

    /// An editor, or a contributor who is the record's owner ("edit what is assigned to them").
    pub fn may_edit_owned(&self, owner: &str) -> bool {
        self.is_editor()
            || self.user.as_ref().is_some_and(|u| {
                u.role == Role::Contributor && u.email.eq_ignore_ascii_case(owner.trim())
            })
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

pub fn csrf_for_session(secret: &str) -> String {
    sha256_hex(format!("csrf:{secret}").as_bytes())
}

/// Finds the user behind the request. A bearer token that is not valid is an error (401);
/// a stale session cookie simply means "not signed in".
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Error> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let value = auth.to_str().unwrap_or_default().trim();
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or(Error::Unauthenticated)?;
        let (user, token_id) = crate::service::access::token_user(&state.services, token)
            .await?
            .ok_or(Error::Unauthenticated)?;
        return Ok(Caller {
            user: Some(user),
            via: Via::Token(token_id),
            csrf: String::new(),
        });
    }
    if let Some(secret) = cookie(headers, SESSION_COOKIE)
        && let Some(user) = crate::service::access::session_user(&state.services, &secret).await?
    {
        return Ok(Caller {
            user: Some(user),
            csrf: csrf_for_session(&secret),
            via: Via::Session(secret),
        });
    }
    Ok(Caller {
        user: None,
        via: Via::Anonymous,
        csrf: cookie(headers, ANON_CSRF_COOKIE).unwrap_or_default(),
    })
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a state-changing request made with ambient credentials (cookies) unless it carries
/// the caller's CSRF token, in the `_csrf` form field or the `X-CSRF-Token` header.
pub async fn check_csrf(state: &AppState, caller: &Caller, req: Request) -> Result<Request, Error> {
    if !unsafe_method(req.method()) || matches!(caller.via, Via::Token(_)) {
        return Ok(req);
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(Error::BadRequest(format!(
            "refused a cross-site request (Sec-Fetch-Site: {site})"
        )));
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        let public_host = state
            .config
            .public_url
            .as_deref()
            .and_then(|u| u.split_once("://"))
            .map(|(_, h)| h.trim_end_matches('/'));
        if origin != "null" && origin_host != host && Some(origin_host) != public_host {
            return Err(Error::BadRequest(format!(
                "refused a request from another origin ({origin})"
            )));
        }
    }
    let expected = caller.csrf.clone();
    if let Some(h) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if !expected.is_empty() && constant_eq(h, &expected) {
            Ok(req)
        } else {
            Err(csrf_error())
        };
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if content_type.starts_with("multipart/form-data") {
        return check_multipart_csrf(req, &content_type, &expected).await;
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(csrf_error());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| Error::BadRequest("the form is too large".into()))?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let given = fields
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if expected.is_empty() || !constant_eq(given, &expected) {
        return Err(csrf_error());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// A file upload carries its CSRF token as its first form field (every Annex form puts it
/// first, as browsers send fields in document order). Only the start of the body is read to
/// check it; the rest streams on to the handler unread, so that a 50 MB upload is never held
/// in memory here.
async fn check_multipart_csrf(
    req: Request,
    content_type: &str,
    expected: &str,
) -> Result<Request, Error> {
    use futures_util::StreamExt;
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| Error::BadRequest("the upload is malformed (no boundary)".into()))?;
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let marker = format!("--{boundary}");
    let mut head: Vec<u8> = Vec::new();
    // Enough to hold the first part and the start of the second.
    while head.len() < 64 * 1024
        && head
            .windows(marker.len())
            .filter(|w| *w == marker.as_bytes())
            .count()
            < 2
    {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(_)) => return Err(Error::BadRequest("the upload could not be read".into())),
            None => break,
        }
    }
    let first = axum::body::Bytes::from(head);
    let peek = futures_util::stream::once({
        let b = first.clone();
        async move { Ok::<_, std::io::Error>(b) }
    });
    let mut form = multer::Multipart::new(peek, boundary);
    let mut given = String::new();
    if let Ok(Some(field)) = form.next_field().await
        && field.name() == Some(CSRF_FIELD)
    {
        given = field.text().await.unwrap_or_default();
    }
    if expected.is_empty() || !constant_eq(&given, expected) {
        return Err(csrf_error());
    }
    let rest = futures_util::stream::once(async move { Ok::<_, axum::Error>(first) }).chain(stream);
    Ok(Request::from_parts(parts, Body::from_stream(rest)))
}

fn csrf_error() -> Error {
    Error::BadRequest(
        "the form's security token is missing or out of date: reload the page and try again".into(),
    )
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_address(
    state: &AppState,
    req_headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> String {
    if state.config.trust_proxy
        && let Some(first) = req_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_string();
    }
    peer.map(|c| c.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A `Set-Cookie` value with Annex's attributes.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// Percent-encodes a value for a query string.
pub fn encode(s: &str) -> String {
    crate::domain::query::encode(s)
}

/// Only same-site paths are followed after login (no open redirect).
///
/// Only a path on this site is kept: it starts with one `/` and holds no backslash, whitespace
/// or control character (browsers drop tabs and line breaks from a `Location`, so `/\t/evil`
/// would become `//evil`, another site), and is not absurdly long. Anything else means `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => "/".into(),
    }
}

fn is_local_path(n: &str) -> bool {
    n.len() <= 2048
        && n.starts_with('/')
        && !n.starts_with("//")
        && !n
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}
