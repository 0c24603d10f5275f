//! The frame and parts every page shares: the layout (organisation, user, CSRF token,
//! notices), form data and field errors, choices of selects, the page adapter of the domain
//! error (an error page with an operation id for unexpected errors), links that keep a
//! register's filters, and the history of a record from the audit trail.

use super::AppState;
use super::session::{self, ANON_CSRF_COOKIE, Caller, Via};
use crate::domain::audit::Entry;
use crate::domain::clock::{display, relative};
use crate::domain::user::User;
use crate::domain::user::{Role, new_secret};
use crate::error::Error;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

/// What the frame of every page needs.
pub struct Layout {
    pub title: String,
    pub nav: &'static str,
    pub user: Option<User>,
    pub csrf: String,
    pub org: String,
    pub notice: Option<String>,
}

impl Layout {
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }

    /// Managers and admins (the team's tasks).
    pub fn is_editor(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::Admin | Role::Manager))
    }

    /// Whether the staff directory is shown (it is personal data).
    pub fn reads_staff(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::Admin | Role::Manager | Role::Auditor))
    }

    pub fn can_read_trail(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::Admin | Role::Auditor))
    }
}

pub async fn layout(
    s: &AppState,
    caller: &Caller,
    title: &str,
    nav: &'static str,
    query: Option<&str>,
) -> Result<Layout, Error> {
    let notice = query
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "notice")
                .map(|(_, v)| v)
        })
        .and_then(|code| notice_text(&code));
    Ok(Layout {
        title: title.to_string(),
        nav,
        user: caller.user.clone(),
        csrf: caller.csrf.clone(),
        org: crate::service::access::organisation_name(&s.services).await?,
        notice,
    })
}

/// `path` with the query string of the current page, less its cursor and notice (exports).
pub fn with_same_filters(path: &str, raw: Option<&str>) -> String {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
    let kept: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| k != "cursor" && k != "notice" && !v.is_empty())
        .map(|(k, v)| format!("{}={}", session::encode(k), session::encode(v)))
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// The link to the next page of a register: its filters and the cursor.
pub fn with_cursor(path: &str, raw: Option<&str>, cursor: &str) -> String {
    let base = with_same_filters(path, raw);
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}cursor={}", session::encode(cursor))
}

/// Messages shown after a redirect; only these fixed texts can appear.
pub fn notice_text(code: &str) -> Option<String> {
    let text = match code {
        "user-created" => "The user was added.",
        "user-updated" => "The user was saved.",
        "password-set" => "The password was set; the person was signed out everywhere.",
        "token-revoked" => "The token was revoked.",
        "settings-saved" => "Settings saved.",
        "matrix-saved" => "The risk matrix was saved.",
        "asset-saved" => "The asset was saved.",
        "measure-saved" => "The measure was saved.",
        "risk-saved" => "The risk was saved.",
        "risk-accepted" => "The residual risk was accepted.",
        "soa-saved" => "The decision was saved.",
        "soa-bulk-saved" => "The decisions were saved.",
        "soa-bulk-unchanged" => {
            "The selected controls already held that decision: nothing changed."
        }
        "evidence-saved" => "The evidence was saved.",
        "evidence-version" => "The new version was kept; the earlier ones remain.",
        "soa-approved" => {
            "The Statement of Applicability was approved and frozen as a new version."
        }
        "asset-retired" => "The asset was retired.",
        "estimate-saved" => "The ranges were saved; the curves below use them.",
        "estimate-cleared" => "The ranges were removed: the risk is no longer quantified.",
        "appetite-saved" => "The currency and risk appetite were saved.",
        "assets-updated" => "The selected assets were updated.",
        "group-saved" => "The host group was saved.",
        "group-removed" => "The host group was removed.",
        "host-moved" => "The host's group was saved; the SoA counts its scans accordingly.",
        "document-saved" => "The document was saved.",
        "person-saved" => "The person was saved.",
        "module-saved" => "The module was saved.",
        "campaign-saved" => {
            "The campaign was started; its completion records count as evidence for the controls of its modules."
        }
        "campaign-closed" => "The campaign was closed.",
        "completion-saved" => "The completion was recorded.",
        "training-recorded" => "Thank you: your training is recorded.",
        "competence-saved" => "The competence each job title requires was saved.",
        "ack-rule-saved" => "The acknowledgement requirement was saved.",
        "acknowledged" => "Thank you: your acknowledgement is recorded.",
        "step-done" => "The step was marked done.",
        "step-reopened" => "The step is open again.",
        "step-stale" => {
            "Someone changed this checklist since you opened the page: look again and repeat your change if it is still needed."
        }
        "template-saved" => {
            "The checklist template was saved; checklists started from now on follow it."
        }
        "document-text-saved" => "The draft was saved.",
        "document-file-saved" => "The file was uploaded: it is this version now.",
        "incident-reported" => "Your report was recorded. The security team will assess it.",
        "incident-triaged" => "The assessment was saved and added to the timeline.",
        "incident-advanced" => "The step was recorded on the timeline.",
        "incident-action" => "The action was added to the timeline.",
        "incident-notified" => "The notification was recorded.",
        "process-saved" => "The process was saved.",
        "supplier-saved" => "The supplier was saved.",
        "answers-saved" => "Your answers were saved. Submit them once every question is answered.",
        "answers-submitted" => "Your answers were submitted. Thank you.",
        "document-uploaded" => "The document was uploaded.",
        "assessment-reviewed" => "The review was recorded.",
        "obligation-saved" => "The obligation was saved.",
        "processing-saved" => "The processing activity was saved.",
        "party-saved" => "The interested party was saved.",
        "role-saved" => "The role was saved.",
        "objective-saved" => "The objective was saved.",
        "kpi-saved" => "The indicator was saved.",
        "kpi-recorded" => "The measurement was recorded.",
        "kpis-measured" => "The computed indicators were measured for their current period.",
        "kpis-current" => "Every computed indicator is already measured for its current period.",
        "issue-saved" => "The issue was saved.",
        "programme-saved" => "The audit programme was saved.",
        "audit-saved" => "The audit was saved.",
        "audit-checked" => "The checklist results were recorded.",
        "finding-saved" => "The finding was saved.",
        "nc-saved" => "The nonconformity was saved.",
        "nc-reviewed" => {
            "The review was recorded: the actions were not effective, so plan another."
        }
        "nc-closed" => "The actions were effective: the nonconformity is closed.",
        "action-saved" => "The corrective action was saved.",
        "review-saved" => "The review was saved.",
        "task-saved" => "The task was saved.",
        "task-done" => "The task is done.",
        "task-reopened" => "The task is open again.",
        "comment-saved" => "The comment was added.",
        "preferences-saved" => "Your choices were saved.",
        "feed-revoked" => {
            "Your calendar address was removed: calendars subscribed to it stop updating."
        }
        "policy-saved" => "The rules were saved.",
        "webhook-saved" => "The webhook was saved.",
        "webhook-removed" => "The webhook was removed: events waiting for it will not be sent.",
        "job-queued" => "The job runs at the next tick of the scheduler (within a minute).",
        "review-held" => "The review is held: its input pack is frozen by its SHA-256.",
        "review-action-saved" => "The action was saved.",
        "scope-saved" => "The scope was saved. Approve it once it says what it should.",
        "scope-approved" => {
            "The scope was approved: this text is kept as a version, frozen by its SHA-256."
        }
        "plan-started" => {
            "The plan was started from the continuity plan template: write it, then submit it for approval."
        }
        "plan-linked" => "The plan was linked to the process.",
        "exercise-recorded" => "The exercise was recorded.",
        "incident-evidence" => {
            "The evidence was kept, with the first line of its chain of custody."
        }
        "incident-task" => "The task was added.",
        "severities-saved" => "The severity scale was saved.",
        "incident-task-done" => "The task was marked done.",
        "incident-handed-over" => "The hand-over was added to the chain of custody.",
        "incident-closed" => "The incident is closed with its lessons learned.",
        "regime-saved" => "The notification regime was saved.",
        "document-submit" => "The draft was sent to the approver.",
        "document-approve" => "The version was approved: its text is frozen by its SHA-256.",
        "document-reject" => "The version was sent back to its author as a draft.",
        "document-publish" => "The version was published: it is the one people read now.",
        "document-revise" => "A new draft was started from the newest version.",
        "document-retire" => "The document was retired.",
        "signed-out" => "You are signed out.",
        "password-changed" => "Your password was changed. Sign in with the new one.",
        _ => return None,
    };
    Some(text.to_string())
}

/// One option of a select: a stored key and the words people read.
pub struct Choice {
    pub key: &'static str,
    pub label: &'static str,
}

/// The choices of a closed list of words (a `words_enum!`), in its order.
pub fn choices<T: Copy>(
    all: &[T],
    key: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            key: key(*v),
            label: label(*v),
        })
        .collect()
}

impl Choice {
    /// Every value of a closed list (`Kind::ALL`) as choices of a select, by key and label.
    pub fn all<T: Copy>(
        values: &[T],
        key: fn(T) -> &'static str,
        label: fn(T) -> &'static str,
    ) -> Vec<Choice> {
        values
            .iter()
            .map(|v| Choice {
                key: key(*v),
                label: label(*v),
            })
            .collect()
    }
}

/// Field errors of a form, plus general ones, for templates.
#[derive(Default)]
pub struct FormErrors {
    pub fields: Vec<(String, String)>,
    pub general: Vec<String>,
    /// After a stale write: the revision now stored. The form shows the other person's change
    /// next to each field (in `fields`), keeps what this person typed, and carries this
    /// revision, so that saving again replaces theirs knowingly.
    pub stale: Option<i64>,
}

impl FormErrors {
    pub fn has(&self, f: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == f)
    }

    /// Every problem of a field, in order, joined ("there is no control 9.99 …; there is no
    /// control banana …"), so that a form shows them all next to the field.
    pub fn get(&self, f: &str) -> Option<String> {
        let all: Vec<&str> = self
            .fields
            .iter()
            .filter(|(k, _)| k == f)
            .map(|(_, m)| m.as_str())
            .collect();
        (!all.is_empty()).then(|| all.join("; "))
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }

    /// 200 for a form without errors, 409 for a stale one (someone saved the record since it
    /// was opened), 422 for one to correct.
    pub fn status(&self) -> StatusCode {
        if self.is_empty() {
            StatusCode::OK
        } else if self.stale.is_some() {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// The revision a re-rendered form carries: the stored one after a stale write, else the
    /// one the person started from.
    pub fn revision(&self, started_from: i64) -> i64 {
        self.stale.unwrap_or(started_from)
    }

    pub fn headline(&self) -> String {
        if self.stale.is_some() {
            return "Someone else saved this record since you opened it.".into();
        }
        match self.fields.len() {
            0 => "This did not work.".into(),
            1 => "One field needs your attention.".into(),
            n => format!("{n} fields need your attention."),
        }
    }

    pub fn general(msg: impl Into<String>) -> FormErrors {
        FormErrors {
            general: vec![msg.into()],
            ..FormErrors::default()
        }
    }

    /// Turns a domain error into form errors; errors that are not about the input propagate.
    pub fn from_error(e: Error) -> Result<FormErrors, Error> {
        match e {
            Error::Validation(fields) | Error::Query(fields) => Ok(FormErrors {
                fields: fields.into_iter().map(|f| (f.field, f.message)).collect(),
                ..FormErrors::default()
            }),
            Error::Stale {
                message,
                current,
                details,
            } => {
                // Their changes are listed above the form (every one, also those the form has
                // no field for) and next to the fields they touched.
                let mut general = vec![message];
                general.extend(
                    details
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message)),
                );
                Ok(FormErrors {
                    fields: details.into_iter().map(|f| (f.field, f.message)).collect(),
                    general,
                    stale: Some(current),
                })
            }
            Error::Conflict(m) | Error::BadRequest(m) => Ok(FormErrors::general(m)),
            Error::NotFound(m) => Ok(FormErrors::general(format!("{m} not found"))),
            Error::Throttled(_) => Ok(FormErrors::general(e.to_string())),
            other => Err(other),
        }
    }
}

/// The peer address of the connection, when served over TCP (absent in in-process tests).
pub struct Peer(pub Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// A urlencoded form body, keeping repeated fields.
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The revision the form was opened at (its hidden `revision` field); a form without one
    /// (a script's POST) applies to whatever is stored.
    pub fn revision(&self) -> Option<i64> {
        self.get("revision").trim().parse().ok()
    }

    /// Every (name, value) pair, in the order sent.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    pub fn get(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| PageError(Error::BadRequest("the form could not be read".into())))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| PageError(Error::BadRequest("the form is malformed".into())))?;
        // No text of Annex holds a NUL character (PostgreSQL cannot store one), as in JSON
        // bodies. `next` is only ever followed when it is a safe path of this site, so a
        // hostile one there signs in to the home page rather than failing.
        if let Some((k, _)) = pairs
            .iter()
            .find(|(k, v)| k != "next" && (k.contains('\0') || v.contains('\0')))
        {
            return Err(PageError(Error::BadRequest(format!(
                "the form's field {:?} holds a NUL character (%00), which no field may hold",
                k.replace('\0', "")
            ))));
        }
        Ok(FormData(pairs))
    }
}

/// The domain error as a page: a redirect to sign in, or an error page with its status.
pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError(Error::Internal(e))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    heading: String,
    message: String,
    operation_id: Option<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        if matches!(e, Error::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let status = super::json::status_of(&e);
        let (heading, message, operation_id) = match &e {
            Error::Internal(inner) => {
                let id = super::operation_id();
                tracing::error!(operation_id = %id, error = format!("{inner:#}"), "internal error");
                (
                    "Something went wrong".to_string(),
                    "Annex could not finish this request. Nothing was half-saved.".to_string(),
                    Some(id),
                )
            }
            Error::NotFound(_) => ("Not found".into(), format!("{e}."), None),
            Error::Gone(m) => ("This link does not work".into(), m.clone(), None),
            Error::Forbidden => (
                "Not allowed".into(),
                "Your role does not allow this. Ask an administrator if you need it.".into(),
                None,
            ),
            other => ("This did not work".into(), other.to_string(), None),
        };
        (
            status,
            ErrorPage {
                heading,
                message,
                operation_id,
            },
        )
            .into_response()
    }
}

pub type PageResult = Result<Response, PageError>;

pub fn actor(caller: &Caller) -> String {
    caller
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_else(|| "anonymous".into())
}

pub fn redirect_with_cookie(to: &str, cookie: String) -> Response {
    let mut res = Redirect::to(to).into_response();
    if let Ok(v) = cookie.parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A caller before sign-in gets a CSRF cookie for the login and setup forms.
pub fn ensure_anon_csrf(s: &AppState, caller: &mut Caller) -> Option<String> {
    if caller.via == Via::Anonymous && caller.csrf.is_empty() {
        caller.csrf = new_secret("");
        Some(session::set_cookie(
            s,
            ANON_CSRF_COOKIE,
            &caller.csrf,
            3600 * 12,
        ))
    } else {
        None
    }
}

pub fn with_cookie(mut res: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie.and_then(|c| c.parse().ok()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

pub fn history_rows(entries: Vec<Entry>, now: time::OffsetDateTime) -> Vec<HistoryRow> {
    entries
        .into_iter()
        .map(|e| HistoryRow {
            when: display(&e.occurred_at),
            relative: relative(&e.occurred_at, now),
            changes: e.changed_fields(),
            object: e.object_label(),
            actor: e.actor,
            action: e.action,
        })
        .collect()
}

pub struct HistoryRow {
    pub when: String,
    pub relative: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub changes: Vec<(String, String, String)>,
}
