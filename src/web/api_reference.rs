//! The API's document, served as JSON (`/api/v1/openapi.json`, for programs) and as a page
//! (`/api`, for people): every operation grouped by tag with its parameters, body and
//! answers, each accepted value said in words ("one of open, in_treatment, closed", "text of
//! 1 to 200 characters"). Rendered on the server from the same document, so the page never
//! says something the JSON does not; no script, no viewer from elsewhere.

use super::AppState;
use super::page::{Layout, PageResult, layout};
use super::session::Caller;
use super::vocabulary::Live;
use crate::error::{Error, Result};
use crate::service::Ctx;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The document as built from the routes, and the readers of the organisation's own lists.
pub struct ApiDocument {
    base: Value,
    live: Vec<Live>,
}

impl ApiDocument {
    pub fn new(base: Value, live: Vec<Live>) -> ApiDocument {
        ApiDocument { base, live }
    }

    /// The document for this caller: with the organisation's own closed lists when signed in
    /// (an anonymous caller is not told the organisation's settings; lists the caller may not
    /// read, as with an agent's token, are left out).
    pub async fn for_caller(&self, ctx: &Ctx) -> Result<Value> {
        let mut doc = self.base.clone();
        if ctx.actor.user.is_none() {
            return Ok(doc);
        }
        for read in &self.live {
            match read(ctx).await {
                Ok(values) => super::vocabulary::apply_all(&mut doc, values),
                Err(Error::Forbidden) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(doc)
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json(State(s): State<AppState>, ctx: Ctx) -> Response {
    match s.api.for_caller(&ctx).await {
        Ok(doc) => axum::Json(doc).into_response(),
        Err(e) => super::json::ApiError(e).into_response(),
    }
}

struct Param {
    name: String,
    place: String,
    required: bool,
    accepts: String,
    description: String,
}

struct Field {
    name: String,
    required: bool,
    accepts: String,
    description: String,
}

struct Body {
    content_type: String,
    accepts: String,
    fields: Vec<Field>,
}

struct Answer {
    status: String,
    description: String,
    body: String,
}

struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    public: bool,
    params: Vec<Param>,
    body: Option<Body>,
    answers: Vec<Answer>,
}

struct Tag {
    name: String,
    anchor: String,
    operations: Vec<Operation>,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_reference.html")]
struct ApiReferencePage {
    l: Layout,
    title: String,
    version: String,
    description: String,
    tags: Vec<Tag>,
    count: usize,
}

/// `GET /api`: the reference for people.
pub async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let l = layout(&s, &caller, "API reference", "api", q.as_deref()).await?;
    let doc = s.api.for_caller(&ctx).await?;
    let tags = tags_of(&doc);
    let count = tags.iter().map(|t| t.operations.len()).sum();
    Ok(ApiReferencePage {
        l,
        title: text(&doc["info"]["title"]),
        version: text(&doc["info"]["version"]),
        description: text(&doc["info"]["description"]),
        tags,
        count,
    }
    .into_response())
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The operations of the document grouped by their first tag, in the order of their paths.
fn tags_of(doc: &Value) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return tags;
    };
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let tag = op["tags"][0].as_str().unwrap_or("other").to_string();
            let operation = operation_of(doc, method, path, op);
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(t) => t.operations.push(operation),
                None => tags.push(Tag {
                    anchor: anchor(&tag),
                    name: tag,
                    operations: vec![operation],
                }),
            }
        }
    }
    tags.sort_by(|a, b| a.name.cmp(&b.name));
    tags
}

fn anchor(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn operation_of(doc: &Value, method: &str, path: &str, op: &Value) -> Operation {
    let description = text(&op["description"]);
    let params = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Param {
            name: text(&p["name"]),
            place: text(&p["in"]),
            required: p["required"].as_bool().unwrap_or(false),
            accepts: accepts(&p["schema"]),
            description: text(&p["description"]).or_else_schema(&p["schema"]),
        })
        .collect();
    let body = op["requestBody"]["content"]
        .as_object()
        .and_then(|c| c.iter().next())
        .map(|(content_type, media)| {
            let schema = resolve(doc, &media["schema"]);
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let fields = schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, s)| Field {
                    name: name.clone(),
                    required: required.contains(&name.as_str()),
                    accepts: accepts(s),
                    description: text(&s["description"]),
                })
                .collect();
            Body {
                content_type: content_type.clone(),
                accepts: accepts(&media["schema"]),
                fields,
            }
        });
    let answers = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, r)| Answer {
            status: status.clone(),
            description: text(&r["description"]),
            body: r["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(ct, m)| match m.get("schema") {
                    Some(s) => format!("{ct}: {}", accepts(s)),
                    None => ct.clone(),
                })
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    let (summary, rest) = match description.split_once('\n') {
        Some((first, rest)) => (first.to_string(), rest.trim().to_string()),
        None => (description.clone(), String::new()),
    };
    Operation {
        anchor: anchor(&format!("{method}{path}")),
        method: method.to_uppercase(),
        path: path.to_string(),
        summary: if summary.is_empty() {
            text(&op["summary"])
        } else {
            summary
        },
        description: rest,
        public: op["security"].as_array().is_some_and(|s| {
            s.iter()
                .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
        }),
        params,
        body,
        answers,
    }
}

trait OrSchema {
    fn or_else_schema(self, schema: &Value) -> String;
}

impl OrSchema for String {
    /// A parameter's description, else its schema's.
    fn or_else_schema(self, schema: &Value) -> String {
        if self.is_empty() {
            text(&schema["description"])
        } else {
            self
        }
    }
}

/// The schema a `$ref` names (one level), or the schema itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

/// What a schema accepts, in words.
fn accepts(schema: &Value) -> String {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return format!("{name} (object)");
    }
    if let Some(values) = schema["enum"].as_array() {
        let words: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) if s.is_empty() => "(empty)".to_string(),
                Value::String(s) => s.clone(),
                Value::Null => "null".to_string(),
                other => other.to_string(),
            })
            .collect();
        return format!("one of {}", words.join(", "));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let words: Vec<String> = options.iter().map(accepts).collect();
            return words.join(", or ");
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut parts: Vec<String> = Vec::new();
    for t in &types {
        parts.push(match *t {
            "string" => string_words(schema),
            "integer" | "number" => number_words(t, schema),
            "array" => format!("a list of {}", accepts(&schema["items"])),
            "boolean" => "true or false".to_string(),
            "null" => "null".to_string(),
            "object" => "an object".to_string(),
            other => other.to_string(),
        });
    }
    if parts.is_empty() {
        "any value".to_string()
    } else {
        parts.join(", or ")
    }
}

fn string_words(schema: &Value) -> String {
    let mut out = match schema["format"].as_str() {
        Some("binary") => "a file".to_string(),
        Some("date-time") => "a moment (RFC 3339)".to_string(),
        Some("email") => "an e-mail address".to_string(),
        Some(f) => format!("text ({f})"),
        None => "text".to_string(),
    };
    match (schema["minLength"].as_u64(), schema["maxLength"].as_u64()) {
        (_, Some(0)) => out = "empty text".to_string(),
        (Some(min), Some(max)) => out.push_str(&format!(" of {min} to {max} characters")),
        (Some(min), None) if min > 0 => out.push_str(&format!(" of at least {min} characters")),
        (_, Some(max)) => out.push_str(&format!(" of at most {max} characters")),
        _ => {}
    }
    if let Some(p) = schema["pattern"].as_str() {
        out.push_str(&format!(" matching {p}"));
    }
    out
}

fn number_words(kind: &str, schema: &Value) -> String {
    let name = if kind == "integer" {
        "a whole number"
    } else {
        "a number"
    };
    match (schema["minimum"].as_f64(), schema["maximum"].as_f64()) {
        (Some(min), Some(max)) => format!("{name} from {min} to {max}"),
        (Some(min), None) => format!("{name} of at least {min}"),
        (None, Some(max)) => format!("{name} of at most {max}"),
        (None, None) => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_are_said_in_words() {
        assert_eq!(
            accepts(&json!({"type": "string", "enum": ["", "open", "closed"]})),
            "one of (empty), open, closed"
        );
        assert_eq!(
            accepts(&json!({"type": "string", "minLength": 1, "maxLength": 200})),
            "text of 1 to 200 characters"
        );
        assert_eq!(
            accepts(
                &json!({"type": ["integer", "string"], "minimum": 1, "maximum": 500, "maxLength": 0})
            ),
            "a whole number from 1 to 500, or empty text"
        );
        assert_eq!(
            accepts(&json!({"$ref": "#/components/schemas/RiskInput"})),
            "RiskInput (object)"
        );
        assert_eq!(
            accepts(
                &json!({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}]})
            ),
            "text, or a list of text, or null"
        );
    }
}
