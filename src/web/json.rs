//! The JSON adapter of the API: the error body and its status for every domain error,
//! JSON bodies whose syntax errors name the problem, query strings parsed into typed queries,
//! versions as `ETag` / `If-Match`, and the API's OpenAPI document (title, security scheme,
//! shared schemas). The registers' API handlers build on these.

use crate::error::{Error, FieldError};
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Annex API",
        description = "The JSON API of Annex, an ISMS for ISO/IEC 27001 and the ISO/IEC 27002:2022 controls. Authenticate with `Authorization: Bearer TOKEN` (create tokens with `annex token create` or under Admin → API tokens).",
        version = "1"
    ),
    components(schemas(ErrorBody, ErrorDetail, FieldError)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's document: title, security scheme, the error body.
pub fn doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Completes the document with what the router knows of each operation, so that it names
/// every answer the API can give: a public operation needs no token; every other may answer
/// 401 (no or a bad token) and 403 (a role that may not); an operation with query parameters
/// 400 (one malformed or unknown), with path parameters 404, with a body 400 (not JSON) and
/// 422 (a field that does not hold).
pub fn complete(doc: &mut utoipa::openapi::OpenApi, rules: &[super::routes::Rule]) {
    use utoipa::openapi::path::{Operation, ParameterIn};
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let add = |op: &mut Operation, code: &str, what: &str| {
        op.responses
            .responses
            .entry(code.to_string())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(what)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build(),
                )
            });
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("DELETE", &mut item.delete),
        ] {
            let Some(op) = op.as_mut() else { continue };
            let access = rules
                .iter()
                .find(|r| r.method == method && r.path == *path)
                .map(|r| r.access);
            if access == Some(super::Access::Public) {
                op.security = Some(vec![SecurityRequirement::default()]);
            } else {
                add(
                    op,
                    "401",
                    "No token, or one that is unknown, expired or revoked.",
                );
                add(op, "403", "The caller's role may not do this.");
            }
            declare_text_shapes(op);
            let places: Vec<ParameterIn> = op
                .parameters
                .iter()
                .flatten()
                .filter_map(|p| match p {
                    RefOr::T(p) => Some(p.parameter_in.clone()),
                    RefOr::Ref(_) => None,
                })
                .collect();
            if places.iter().any(|p| matches!(p, ParameterIn::Query)) {
                add(
                    op,
                    "400",
                    "A query parameter is malformed or unknown; `details` names it.",
                );
            }
            if places.iter().any(|p| matches!(p, ParameterIn::Path)) {
                add(op, "404", "There is no such record.");
                add(
                    op,
                    "400",
                    "A path parameter is not of its type (a number, say).",
                );
            }
            if op.request_body.is_some() {
                add(
                    op,
                    "400",
                    "The body cannot be read (not JSON, or not the declared type).",
                );
                add(
                    op,
                    "422",
                    "A field does not hold; `details` names each one.",
                );
            }
            if method != "GET" {
                add(
                    op,
                    "409",
                    "The write conflicts with the stored state: a stale revision (`stale_version`, saying who changed what since), a key already taken, or a value still in use.",
                );
            }
        }
    }
}

/// What the API refuses in any text it reads from a query or a header: control characters
/// (a NUL byte and its kin; tab, line feed and carriage return aside).
const NO_CONTROL_CHARACTERS: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]*$";
/// An `If-Match` the API understands: a revision it gave as `ETag`, in quotes.
const ETAG: &str = "^(|\\*|(W/)?\"[0-9]{1,18}\")$";

/// Declares the shapes of text parameters the API checks: no control characters in a query
/// parameter, an `ETag` in `If-Match`.
fn declare_text_shapes(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    for p in op.parameters.iter_mut().flatten() {
        let RefOr::T(p) = p else { continue };
        let pattern = match (&p.parameter_in, p.name.as_str()) {
            (ParameterIn::Query, _) => NO_CONTROL_CHARACTERS,
            (ParameterIn::Header, "If-Match") => ETAG,
            _ => continue,
        };
        let schema = match p.schema.as_mut() {
            // A repeatable parameter: each of its values.
            Some(RefOr::T(Schema::Array(a))) => match &mut a.items {
                utoipa::openapi::schema::ArrayItems::RefOrSchema(item) => Some(item.as_mut()),
                _ => None,
            },
            other => other,
        };
        if let Some(RefOr::T(Schema::Object(o))) = schema {
            let flag = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::Boolean,
                SchemaType::Array(ts) => ts.contains(&Type::Boolean),
                SchemaType::AnyValue => false,
            };
            let number = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::Integer,
                SchemaType::Array(ts) => ts.contains(&Type::Integer),
                SchemaType::AnyValue => false,
            };
            if number
                && p.parameter_in == ParameterIn::Query
                && p.required != utoipa::openapi::Required::True
            {
                // Given empty, a number is not given: an integer, or the empty text.
                o.schema_type = SchemaType::from_iter([Type::Integer, Type::String]);
                o.max_length = Some(0);
                continue;
            }
            if let Some(values) = o.enum_values.as_mut()
                && p.parameter_in == ParameterIn::Query
                && p.required != utoipa::openapi::Required::True
                && !values.contains(&serde_json::Value::from(""))
            {
                // Given empty, a choice is not given.
                values.insert(0, "".into());
                continue;
            }
            if flag && p.parameter_in == ParameterIn::Query {
                // A flag travels as text: `true`/`1`, `false`/`0`; empty is not given (or, for
                // an import's `dry_run`, given).
                o.schema_type = SchemaType::Type(Type::String);
                o.enum_values = Some(
                    ["", "true", "false", "1", "0"]
                        .into_iter()
                        .map(serde_json::Value::from)
                        .collect(),
                );
                continue;
            }
            let text = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(ts) => ts.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if text && o.pattern.is_none() && o.enum_values.is_none() {
                o.pattern = Some(pattern.to_string());
                if pattern == ETAG {
                    // Absent is said by `required: false`; a present header is never null.
                    o.schema_type = SchemaType::Type(Type::String);
                }
            }
        }
    }
}

/// The error body of every failed API call.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: not_found, conflict, stale_version, validation_failed, bad_request, invalid_query, forbidden, unauthenticated, too_many_attempts, method_not_allowed, internal.
    code: String,
    message: String,
    /// The offending fields, for validation errors.
    details: Vec<FieldError>,
    /// Quote this when reporting an internal error.
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_id: Option<String>,
}

/// The domain error, rendered as JSON with its status.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Gone(_) => StatusCode::GONE,
        Error::Conflict(_) | Error::Stale { .. } => StatusCode::CONFLICT,
        Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::BadRequest(_) | Error::Query(_) => StatusCode::BAD_REQUEST,
        Error::Forbidden | Error::Refused(_) => StatusCode::FORBIDDEN,
        Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        Error::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = status_of(&e);
        let (message, operation_id) = match &e {
            Error::Internal(inner) => {
                let id = super::operation_id();
                tracing::error!(operation_id = %id, error = format!("{inner:#}"), "internal error");
                (
                    format!("something went wrong on our side (operation {id})"),
                    Some(id),
                )
            }
            other => (other.to_string(), None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: e.code().into(),
                message,
                details: e.fields().to_vec(),
                operation_id,
            },
        };
        let mut res = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// A JSON body whose syntax errors come back as JSON errors naming the problem.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError(Error::BadRequest(format!("could not read the body: {e}"))))?;
        // Every body of the API is an object: serde would read a list (`[]`) into a struct of
        // defaults, as if it said nothing.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError(Error::BadRequest(
                "the body must be a JSON object ({ … })".into(),
            )));
        }
        let body = serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiError(Error::BadRequest(format!(
                "the body is not valid JSON for this call: {e}"
            )))
        })?;
        // No text of Annex holds a NUL character (PostgreSQL cannot store one): in valid JSON
        // it can only come escaped.
        if holds_nul(&bytes) {
            return Err(ApiError(Error::field(
                "body",
                "a text holds a NUL character (\\u0000), which no field may hold",
            )));
        }
        Ok(body)
    }
}

/// Whether JSON text holds the escape of a NUL character (`\u0000`), not counting an
/// escaped backslash followed by `u0000`.
fn holds_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1) == Some(&b'u')
                && json.get(i + 2..i + 6).is_some_and(|h| h == b"0000")
            {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Query pairs, keeping repeated keys (`attr=…&attr=…`).
pub fn query_pairs(raw: Option<String>) -> Result<Vec<(String, String)>, Error> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or_default())
        .map_err(|e| Error::BadRequest(format!("the query string is malformed: {e}")))
}

pub fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub fn parse_limit(pairs: &[(String, String)], default: i64, max: i64) -> Result<i64, Error> {
    match first(pairs, "limit") {
        None | Some("") => Ok(default),
        Some(l) => match l.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(Error::field(
                "limit",
                format!("'{l}' is not a number between 1 and {max}"),
            )),
        },
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError(Error::Internal(e))
    }
}

/// A query string read into `Params`; a malformed one is a 400 naming it.
pub struct Query(pub crate::domain::query::Params);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Query(crate::domain::query::Params::parse(
            parts.uri.query(),
        )?))
    }
}

/// The revision an API client last read, from `If-Match: "3"`: a write then applies only to
/// that revision (409 otherwise). Without the header (or with `*`) the write applies to
/// whatever is stored.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(axum::http::header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value
            .to_str()
            .map_err(|_| {
                ApiError(Error::BadRequest(
                    "If-Match holds characters an ETag never has".into(),
                ))
            })?
            .trim();
        if text == "*" || text.is_empty() {
            return Ok(IfMatch(None));
        }
        let tag = text.strip_prefix("W/").unwrap_or(text);
        tag.strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .filter(|t| (1..=18).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<i64>().ok())
            .map(|r| IfMatch(Some(r)))
            .ok_or_else(|| {
            ApiError(Error::BadRequest(format!(
                "If-Match: '{text}' is not an ETag this API gave (a record's revision in quotes, e.g. \"3\")"
            )))
        })
    }
}

/// A record as JSON with its revision as the `ETag`, to send back as `If-Match`.
pub fn tagged<T: Serialize>(status: StatusCode, revision: i64, body: T) -> Response {
    let mut res = (status, Json(body)).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("\"{revision}\"")) {
        res.headers_mut().insert(axum::http::header::ETAG, v);
    }
    res
}

/// A tagged answer or the error.
pub type TaggedResult = Result<Response, ApiError>;

/// Path parameters whose type errors come back as JSON errors naming the parameter (a version
/// number too large for the API, say), like every other API error.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> axum::extract::FromRequestParts<S>
    for Path<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e| {
                ApiError(Error::BadRequest(format!(
                    "a path parameter is malformed: {}",
                    e.body_text()
                )))
            })
    }
}

#[cfg(test)]
mod nul_tests {
    #[test]
    fn a_nul_is_found_only_where_json_escapes_one() {
        assert!(super::holds_nul(br#"{"name":"a\u0000b"}"#));
        assert!(!super::holds_nul(br#"{"name":"a\\u0000b"}"#));
        assert!(super::holds_nul(br#"{"name":"a\\\u0000b"}"#));
        assert!(!super::holds_nul(br#"{"name":"\u00e9"}"#));
    }
}
