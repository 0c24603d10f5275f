//! Every API response the integration tests receive is checked against the OpenAPI document
//! the server publishes: its status must be one the operation declares, and a JSON body must
//! match the schema declared for that status. So the document and the API cannot drift apart.
//!
//! A mismatch fails the test that received it, naming the operation, the status and what did
//! not match. `ANNEX_CONTRACT=report` only records mismatches (in
//! `target/openapi-mismatches.txt`), to see them all at once while fixing the document.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tower::ServiceExt;

struct Contract {
    doc: Value,
    /// Path templates split into segments (`None` for a parameter).
    templates: Vec<(String, Vec<Option<String>>)>,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

static CONTRACT: OnceLock<Contract> = OnceLock::new();

async fn contract(router: &Router) -> &'static Contract {
    if let Some(c) = CONTRACT.get() {
        return c;
    }
    let res = router
        .clone()
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    let doc: Value = serde_json::from_slice(&bytes).expect("the OpenAPI document is JSON");
    let templates = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|t| {
            let segs = t
                .trim_start_matches('/')
                .split('/')
                .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                .collect();
            (t.clone(), segs)
        })
        .collect();
    let _ = CONTRACT.set(Contract {
        doc,
        templates,
        validators: Mutex::new(HashMap::new()),
    });
    CONTRACT.get().unwrap()
}

impl Contract {
    /// The template a request path matches, the most literal one first.
    fn template(&self, path: &str) -> Option<&str> {
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.templates
            .iter()
            .filter(|(_, t)| {
                t.len() == segs.len()
                    && t.iter()
                        .zip(&segs)
                        .all(|(t, s)| t.as_deref().is_none_or(|t| t == *s))
            })
            .max_by_key(|(_, t)| t.iter().filter(|s| s.is_some()).count())
            .map(|(name, _)| name.as_str())
    }

    fn validator(&self, key: &str, schema: &Value) -> std::sync::Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap();
        cache
            .entry(key.to_string())
            .or_insert_with(|| {
                // The schema resolves its references against the document's components.
                let root = serde_json::json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "components": self.doc["components"],
                    "allOf": [schema],
                });
                std::sync::Arc::new(
                    jsonschema::validator_for(&root)
                        .unwrap_or_else(|e| panic!("the schema of {key} does not compile: {e}")),
                )
            })
            .clone()
    }

    /// What does not match in one response, if anything.
    fn check(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        content_type: &str,
        body: &[u8],
    ) -> Option<String> {
        let template = self.template(path)?;
        let op = &self.doc["paths"][template][method.as_str().to_lowercase()];
        if op.is_null() {
            // A method the path does not answer (405): nothing to compare with.
            return None;
        }
        let responses = &op["responses"];
        let code = status.as_u16().to_string();
        let declared = if responses[&code].is_object() {
            &responses[&code]
        } else if responses["default"].is_object() {
            &responses["default"]
        } else {
            let known: Vec<&String> = responses
                .as_object()
                .map(|r| r.keys().collect())
                .unwrap_or_default();
            return Some(format!(
                "{method} {template}: status {code} is not declared (declared: {known:?})"
            ));
        };
        if !content_type.starts_with("application/json") || body.is_empty() {
            return None;
        }
        let schema = declared["content"]["application/json"]["schema"].as_object()?;
        let Ok(instance) = serde_json::from_slice::<Value>(body) else {
            return Some(format!("{method} {template} {code}: the body is not JSON"));
        };
        let schema = Value::Object(schema.clone());
        let v = self.validator(&format!("{method} {template} {code}"), &schema);
        let errors: Vec<String> = v
            .iter_errors(&instance)
            .take(3)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        (!errors.is_empty()).then(|| {
            format!(
                "{method} {template} {code}: the body does not match its schema: {}",
                errors.join("; ")
            )
        })
    }
}

/// Checks one API response; fails the calling test on a mismatch (or records it in report
/// mode).
pub async fn check(
    router: &Router,
    method: &Method,
    path: &str,
    status: StatusCode,
    content_type: &str,
    body: &[u8],
) {
    if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
        return;
    }
    let c = contract(router).await;
    let path = path.split('?').next().unwrap_or_default();
    if let Some(problem) = c.check(method, path, status, content_type, body) {
        if std::env::var("ANNEX_CONTRACT").as_deref() == Ok("report") {
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/openapi-mismatches.txt");
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
                .unwrap();
            use std::io::Write;
            let _ = writeln!(f, "{problem}");
        } else {
            panic!("the API and its OpenAPI document disagree: {problem}");
        }
    }
}
