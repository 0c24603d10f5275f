//! The web layer's shared parts: the state every handler reaches, who may call a route
//! (`Access`, declared with each route in `Routes`), the guard that authenticates the caller
//! and enforces the assembled policy on every request (a route without a rule is refused:
//! fail closed), sessions and CSRF, the page frame and form helpers (`page`), the JSON
//! adapter of the API (`json`), charts and static files. The registers' pages and API
//! handlers build on these; the application (`crate::app`) assembles them into one router.

pub mod api_reference;
pub mod chart;
pub mod json;
pub mod page;
pub mod routes;
pub mod session;
mod static_files;
pub mod vocabulary;

use crate::config::Config;
use crate::domain::user::Role;
use crate::domain::user::User;
use crate::error::Error;
use crate::service::Services;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

pub use routes::{Routes, Rule};
pub use session::{CSRF_FIELD, SESSION_COOKIE};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases, for the context of each request.
    pub services: Services,
    pub config: Arc<Config>,
    /// Who may call which route, assembled from every register's routes.
    pub policy: Arc<Policy>,
    /// The registers spreadsheets can be imported into, by key.
    pub importers: crate::exchange::import::Importers,
    /// The API's document, as JSON and as the reference page.
    pub api: Arc<api_reference::ApiDocument>,
}

impl AppState {
    /// The use-case context of a page request by this caller.
    pub fn ctx(&self, caller: &session::Caller) -> crate::service::Ctx {
        self.services.ctx(caller.actor(false))
    }
}

/// The access rules of every route, looked up by (method, route pattern).
#[derive(Debug, Default)]
pub struct Policy {
    rules: Vec<Rule>,
    index: std::collections::HashMap<(&'static str, String), Access>,
}

impl Policy {
    pub fn new(rules: Vec<Rule>) -> Policy {
        let index = rules
            .iter()
            .map(|r| ((r.method, r.path.clone()), r.access))
            .collect();
        Policy { rules, index }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule for a method and route pattern; `None` when the route is not declared.
    pub fn access_for(&self, method: &Method, pattern: &str) -> Option<Access> {
        let method = if method == Method::HEAD {
            "GET"
        } else {
            method.as_str()
        };
        // Methods are few and fixed: find the static name for the lookup key.
        let key = ["GET", "POST", "PUT", "DELETE", "PATCH"]
            .into_iter()
            .find(|m| *m == method)?;
        self.index.get(&(key, pattern.to_string())).copied()
    }

    /// The methods a route pattern answers (for a 405's `Allow`), empty when it is unknown.
    pub fn methods_of(&self, pattern: &str) -> Vec<&'static str> {
        let mut methods: Vec<&'static str> = self
            .rules
            .iter()
            .filter(|r| r.path == pattern)
            .map(|r| r.method)
            .collect();
        if methods.contains(&"GET") {
            methods.push("HEAD");
        }
        methods
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person: every role except `Agent` (a host's scanner, which only submits
    /// scan results and is admitted only where a route names it).
    SignedIn,
    /// Only these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, user: Option<&User>) -> bool {
        match (self, user) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::SignedIn, Some(u)) => u.role.is_human(),
            (Access::Roles(roles), Some(u)) => roles.contains(&u.role),
        }
    }
}

/// The core routes: health, static files.
pub fn core_routes() -> Routes {
    Routes::new()
        .get("/healthz", Access::Public, healthz)
        .get("/static/{file}", Access::Public, static_files::serve)
        .get("/api", Access::SignedIn, api_reference::page)
        .get(
            "/api/v1/openapi.json",
            Access::Public,
            api_reference::openapi_json,
        )
}

/// Wraps the router of every route with the guard, the security headers and the request's
/// trace span.
pub fn finish(router: Router<AppState>, state: AppState) -> Router {
    router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(middleware::from_fn_with_state(
            state.config.public_url_is_https(),
            security_headers,
        ))
        .layer(middleware::from_fn(trace))
        .with_state(state)
}

tokio::task_local! {
    /// The id of the request being served: in its trace span, and the operation id an
    /// unexpected error shows, so that a person can quote it and it can be found in the log.
    static REQUEST_ID: String;
}

/// A span per request (id, method, path, and the actor once known) around everything the
/// request does: the use cases' spans (actor, record) and the SQL statements nest in it, so a
/// log line can be followed from the HTTP request to the database.
async fn trace(req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let id = crate::domain::user::new_short_id();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.uri().path(),
        actor = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let res = REQUEST_ID
        .scope(id, next.run(req).instrument(span.clone()))
        .await;
    span.in_scope(|| {
        tracing::debug!(
            status = res.status().as_u16(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "answered"
        )
    });
    res
}

/// The use-case context of a request: the caller the guard authenticated, acting through a
/// page or the API.
impl axum::extract::FromRequestParts<AppState> for crate::service::Ctx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = parts
            .extensions
            .get::<session::Caller>()
            .cloned()
            .unwrap_or_else(session::Caller::anonymous);
        Ok(state.services.ctx(caller.actor(is_api(parts.uri.path()))))
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.services.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

async fn not_found(req: Request) -> Response {
    let e = Error::NotFound(format!("page {}", req.uri().path()));
    if is_api(req.uri().path()) {
        json::ApiError(e).into_response()
    } else {
        page::PageError(e).into_response()
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Authenticates the caller (bearer token or session cookie), applies the route's access
/// policy and, for state-changing requests made with a cookie, checks the CSRF token.
async fn guard(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let api = is_api(&path);
    let fail = |e: Error| {
        if api {
            json::ApiError(e).into_response()
        } else {
            page::PageError(e).into_response()
        }
    };

    let Some(pattern) = matched.as_ref().map(|m| m.as_str().to_string()) else {
        return next.run(req).await;
    };
    let Some(access) = state.policy.access_for(req.method(), &pattern) else {
        let allowed = state.policy.methods_of(&pattern);
        if !allowed.is_empty() {
            // A known route asked with a method it does not answer: the client's mistake.
            let mut res = fail(Error::MethodNotAllowed(req.method().to_string()));
            if let Ok(v) = allowed.join(", ").parse() {
                res.headers_mut().insert(axum::http::header::ALLOW, v);
            }
            return res;
        }
        tracing::error!(method = %req.method(), route = %pattern, "route has no access policy; refused");
        return fail(Error::Forbidden);
    };
    let caller = match session::authenticate(&state, req.headers()).await {
        Ok(c) => c,
        Err(Error::Unauthenticated) if api => return fail(Error::Unauthenticated),
        Err(e) => return fail(e),
    };
    if !access.allows(caller.user.as_ref()) {
        if caller.user.is_some() {
            return fail(Error::Forbidden);
        }
        if api {
            return fail(Error::Unauthenticated);
        }
        return match crate::service::access::is_set_up(&state.services).await {
            Ok(false) => Redirect::to("/setup").into_response(),
            Ok(true) => Redirect::to(&format!(
                "/login?next={}",
                session::encode(&path_and_query(&req))
            ))
            .into_response(),
            Err(e) => fail(e),
        };
    }
    let req = match session::check_csrf(&state, &caller, req).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut req = req;
    if let Some(u) = &caller.user {
        tracing::Span::current().record("actor", u.email.as_str());
    }
    req.extensions_mut().insert(caller);
    // Pages, exports and PDFs show moments in the organisation's time zone.
    let zone = state.services.time_zone().await;
    crate::domain::clock::in_zone(&zone, next.run(req)).await
}

fn path_and_query(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into())
}

/// Headers on every response: a strict CSP (nothing from other hosts, no inline script),
/// no MIME sniffing, no framing, no referrer leaks; and, when Annex is served as https, HSTS
/// (browsers then never try plain http for a year).
async fn security_headers(State(https): State<bool>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A short id to quote when reporting an unexpected error (the request's id); the details
/// go to the log.
pub fn operation_id() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| crate::domain::user::new_short_id())
}
