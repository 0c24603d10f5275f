//! The one domain error. Every use case returns it; the web layer turns it into a JSON body
//! for the API or an HTML page for people, the CLI prints it with its cause chain.

use std::fmt;

/// One problem with one input field, named as the user typed it (`email`, `attr`, `line 3`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A write against a version of a record that is no longer the stored one (optimistic
    /// concurrency): who changed what since, field by field, and the version now stored.
    #[error("{message}")]
    Stale {
        message: String,
        current: i64,
        details: Vec<FieldError>,
    },
    #[error("invalid input: {}", format_fields(.0))]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    /// A query string that a register cannot read: unknown or malformed parameters, named.
    #[error("invalid query: {}", format_fields(.0))]
    Query(Vec<FieldError>),
    #[error("you are not allowed to do this")]
    Forbidden,
    /// Not allowed, with why (when the caller may know).
    #[error("{0}")]
    Refused(String),
    /// What the request names existed but no longer serves: a personal link expired, altered,
    /// or for someone who has left.
    #[error("{0}")]
    Gone(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("too many failed attempts; try again in {0} minutes")]
    Throttled(i64),
    /// A known address asked with a method it does not answer (`DELETE` on a list, say).
    #[error("this address does not answer {0}")]
    MethodNotAllowed(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

fn format_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    /// Stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not_found",
            Error::Gone(_) => "gone",
            Error::Conflict(_) => "conflict",
            Error::Stale { .. } => "stale_version",
            Error::Validation(_) => "validation_failed",
            Error::BadRequest(_) => "bad_request",
            Error::Query(_) => "invalid_query",
            Error::Forbidden | Error::Refused(_) => "forbidden",
            Error::Unauthenticated => "unauthenticated",
            Error::Throttled(_) => "too_many_attempts",
            Error::MethodNotAllowed(_) => "method_not_allowed",
            Error::Internal(_) => "internal",
        }
    }

    pub fn fields(&self) -> &[FieldError] {
        match self {
            Error::Validation(f) | Error::Query(f) => f,
            Error::Stale { details, .. } => details,
            _ => &[],
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound("record".into()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Conflict("a record with the same key already exists".into())
            }
            _ => Error::Internal(anyhow::Error::new(e).context("database error")),
        }
    }
}

/// Collects field errors while parsing a form or body, so that the user sees them all at once.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl fmt::Display) {
        self.0.push(FieldError::new(field, message.to_string()));
    }

    /// Keeps the value of a parse and records its error under `field`.
    pub fn take<T, E: fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }

    /// Keeps the value of a check that answers field errors of its own, recording them; any
    /// other error (none is expected of a parse) under `field`.
    pub fn absorb<T>(&mut self, field: &str, r: Result<T, Error>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(Error::Validation(fields)) => {
                self.0.extend(fields);
                None
            }
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems of a query string: `Error::Query` (400) rather than `Validation` (422).
    pub fn into_query_result(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Query(self.0))
        }
    }

    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }

    /// `result`, with these problems told after its own: a validation error gathers both.
    pub fn and<T>(self, result: Result<T, Error>) -> Result<T, Error> {
        match (result, self.into_result()) {
            (Ok(v), Ok(())) => Ok(v),
            (Err(Error::Validation(mut a)), Err(Error::Validation(b))) => {
                a.extend(b);
                Err(Error::Validation(a))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
