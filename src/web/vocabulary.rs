//! The values the API accepts where they are a closed list, declared in its OpenAPI document
//! as `enum`s: the fixed ones (a risk status, an SoA warning) from the domain's own lists when
//! the document is built, and the organisation's own (its asset types, classification levels,
//! the steps and levels of its risk matrix) read from the store each time a signed-in caller
//! asks for the document, so that a client generated from it, or a property-based tester,
//! never sends a value the API would refuse.

use crate::error::Result;
use crate::service::Ctx;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// Where a closed list applies in the document.
#[derive(Debug, Clone)]
pub enum Place {
    /// A parameter of an operation (method in lower case, path as declared, name).
    Param {
        method: &'static str,
        path: &'static str,
        name: &'static str,
    },
    /// A property of a component schema.
    Property {
        schema: &'static str,
        property: &'static str,
    },
}

/// The values accepted at one place.
#[derive(Debug, Clone)]
pub struct Values {
    pub place: Place,
    pub values: Vec<Value>,
}

impl Values {
    pub fn param(
        method: &'static str,
        path: &'static str,
        name: &'static str,
        values: impl IntoIterator<Item = impl Into<Value>>,
    ) -> Values {
        Values {
            place: Place::Param { method, path, name },
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    pub fn property(
        schema: &'static str,
        property: &'static str,
        values: impl IntoIterator<Item = impl Into<Value>>,
    ) -> Values {
        Values {
            place: Place::Property { schema, property },
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// Writes the list into the document; an error names a place the document lacks (a
    /// renamed parameter or schema, caught by the tests).
    pub fn apply(&self, doc: &mut Value) -> std::result::Result<(), String> {
        let mut unique: Vec<Value> = Vec::with_capacity(self.values.len());
        for v in &self.values {
            if !unique.contains(v) {
                unique.push(v.clone());
            }
        }
        match &self.place {
            Place::Param { method, path, name } => {
                let params = doc
                    .pointer_mut(&format!("/paths/{}/{method}/parameters", escape(path)))
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| format!("no parameters for {method} {path}"))?;
                let param = params
                    .iter_mut()
                    .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
                    .ok_or_else(|| format!("no parameter {name} of {method} {path}"))?;
                // An optional parameter given empty is taken as not given.
                if param.get("required") != Some(&Value::Bool(true)) {
                    unique.insert(0, Value::from(""));
                    unique.dedup();
                }
                param["schema"] = restrict(param.get("schema"), unique);
            }
            Place::Property { schema, property } => {
                let prop = doc
                    .pointer_mut(&format!(
                        "/components/schemas/{}/properties/{}",
                        escape(schema),
                        escape(property)
                    ))
                    .ok_or_else(|| format!("no property {property} of schema {schema}"))?;
                *prop = restrict(Some(prop), unique);
            }
        }
        Ok(())
    }
}

/// A schema that keeps the description and default of `old` and accepts only `values`.
fn restrict(old: Option<&Value>, values: Vec<Value>) -> Value {
    let mut out = serde_json::Map::new();
    for key in ["description", "default"] {
        if let Some(v) = old.and_then(|o| o.get(key)) {
            out.insert(key.into(), v.clone());
        }
    }
    if values.iter().all(Value::is_string) {
        out.insert("type".into(), "string".into());
    }
    out.insert("enum".into(), Value::Array(values));
    Value::Object(out)
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Writes every list into the document, logging (and, in debug builds such as the tests',
/// refusing) one whose place the document lacks: a renamed parameter or schema.
pub fn apply_all(doc: &mut Value, values: impl IntoIterator<Item = Values>) {
    for v in values {
        if let Err(e) = v.apply(doc) {
            tracing::error!(error = %e, "a closed list names a place the API document lacks");
            debug_assert!(
                false,
                "a closed list names a place the API document lacks: {e}"
            );
        }
    }
}

pub type LiveFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Values>>> + Send + 'a>>;

/// Reads the organisation's own closed lists (its settings, its matrix) for the document.
pub type Live = for<'a> fn(&'a Ctx) -> LiveFuture<'a>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_parameter_and_a_property_become_enums_keeping_their_description() {
        let mut doc = json!({
            "paths": {"/api/v1/x": {"get": {"parameters": [
                {"name": "state", "in": "query", "schema": {"type": ["string", "null"], "pattern": "^.*$", "description": "d"}}
            ]}}},
            "components": {"schemas": {"X": {"properties": {"level": {"type": "string", "default": ""}}}}}
        });
        Values::param("get", "/api/v1/x", "state", ["a", "b", "a"])
            .apply(&mut doc)
            .unwrap();
        Values::property("X", "level", [json!(""), json!(1), json!("Low")])
            .apply(&mut doc)
            .unwrap();
        assert_eq!(
            doc["paths"]["/api/v1/x"]["get"]["parameters"][0]["schema"],
            json!({"description": "d", "type": "string", "enum": ["", "a", "b"]})
        );
        assert_eq!(
            doc["components"]["schemas"]["X"]["properties"]["level"],
            json!({"default": "", "enum": ["", 1, "Low"]})
        );
        let missing = Values::param("get", "/api/v1/x", "nope", ["a"]).apply(&mut doc);
        assert!(missing.unwrap_err().contains("nope"));
    }
}
