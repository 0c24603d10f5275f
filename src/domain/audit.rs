//! The audit trail's rules: what an entry holds, its canonical encoding, and the hash chain
//! that makes any later edit or deletion of an entry detectable.

use serde::Serialize;

/// The hash that the first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A change about to be recorded: who did what to which object, with the values before and
/// after (JSON text, `None` when the object did not exist before or does not exist after).
#[derive(Debug, Clone)]
pub struct Change {
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Change {
    pub fn new(actor: &str, action: &str, object_type: &str, object_id: &str) -> Change {
        Change {
            actor: actor.to_string(),
            action: action.to_string(),
            object_type: object_type.to_string(),
            object_id: object_id.to_string(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_string(&v).ok();
        self
    }

    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_string(&v).ok();
        self
    }
}

/// An entry as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub seq: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// JSON text of the values before the change.
    pub before: Option<String>,
    /// JSON text of the values after the change.
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// SHA-256 over the canonical encoding: a JSON array of every field but the hash, in a
    /// fixed order, with `before`/`after` as the exact stored text.
    pub fn computed_hash(&self) -> String {
        use sha2::Digest;
        /// Feeds serialised bytes straight into the hash (no copy of the encoding).
        struct Hasher(sha2::Sha256);
        impl std::io::Write for Hasher {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        // A tuple serialises as the same compact JSON array as `json!([…])` would.
        let canonical = (
            self.seq,
            &self.occurred_at,
            &self.actor,
            &self.action,
            &self.object_type,
            &self.object_id,
            &self.before,
            &self.after,
            &self.prev_hash,
        );
        let mut h = Hasher(sha2::Sha256::new());
        // Writing to a hasher cannot fail, and these fields always serialise.
        let _ = serde_json::to_writer(&mut h, &canonical);
        crate::domain::user::to_hex(&h.0.finalize())
    }

    /// The fields that changed between `before` and `after`, as (field, old, new) text.
    /// What the entry is about, as people read it: the record's kind and id, and for a
    /// person (whose id is a random key) the name the entry recorded.
    pub fn object_label(&self) -> String {
        let recorded_name = || {
            [&self.after, &self.before]
                .into_iter()
                .flatten()
                .find_map(|t| {
                    let v: serde_json::Value = serde_json::from_str(t).ok()?;
                    let name = v
                        .get("name")
                        .and_then(|n| n.as_str())
                        .filter(|n| !n.is_empty());
                    let email = v.get("email").and_then(|n| n.as_str());
                    match (name, email) {
                        (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
                        (Some(n), None) => Some(n.to_string()),
                        (None, Some(e)) => Some(e.to_string()),
                        (None, None) => None,
                    }
                })
        };
        match self.object_type.as_str() {
            "user" => format!(
                "person {}",
                recorded_name().unwrap_or_else(|| self.object_id.clone())
            ),
            kind => format!("{} {}", kind.replace('_', " "), self.object_id),
        }
    }

    pub fn changed_fields(&self) -> Vec<(String, String, String)> {
        let parse = |s: &Option<String>| {
            s.as_deref()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default()
        };
        let (b, a) = (parse(&self.before), parse(&self.after));
        let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
        keys.sort();
        keys.dedup();
        let show = |v: Option<&serde_json::Value>| v.map_or_else(|| "—".to_string(), in_words);
        keys.into_iter()
            .filter(|k| b.get(*k) != a.get(*k))
            .map(|k| {
                (
                    crate::domain::words::key_label(k),
                    show(b.get(k)),
                    show(a.get(k)),
                )
            })
            .collect()
    }
}

/// A recorded value as people read it: lists joined, records as "Key: value" pairs, yes and
/// no, times in words, keys such as `partially_implemented` without their underscores.
fn in_words(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "—".into(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) if s.len() >= 20 && s.as_bytes().get(10) == Some(&b'T') => {
            crate::domain::clock::display(s)
        }
        Value::String(s) if is_key(s) => s.replace('_', " "),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "—".into(),
        Value::Array(items) => items.iter().map(in_words).collect::<Vec<_>>().join(", "),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| format!("{}: {}", crate::domain::words::key_label(k), in_words(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// `partially_implemented`, `in_use`: lower-case words joined by underscores.
fn is_key(s: &str) -> bool {
    s.contains('_')
        && s.split('_').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod words_tests {
    #[test]
    fn history_values_read_as_words() {
        use serde_json::json;
        assert_eq!(
            super::in_words(&json!("partially_implemented")),
            "partially implemented"
        );
        assert_eq!(super::in_words(&json!(["SRV-01", "DB-1"])), "SRV-01, DB-1");
        assert_eq!(
            super::in_words(&json!({"likelihood": 4, "impact": 5, "level": "critical"})),
            "Impact: 5; Level: critical; Likelihood: 4"
        );
        assert_eq!(super::in_words(&json!(true)), "yes");
        assert_eq!(
            super::in_words(&json!("2026-12-03T04:23:46.329459Z")),
            "2026-12-03 04:23 UTC"
        );
        assert_eq!(super::in_words(&json!("Ασφάλεια")), "Ασφάλεια");
    }

    #[test]
    fn a_person_is_named_not_numbered() {
        let entry = |object_type: &str, after: &str| super::Entry {
            seq: 1,
            occurred_at: String::new(),
            actor: "admin@example.org".into(),
            action: "user.create".into(),
            object_type: object_type.into(),
            object_id: "3f2a9c51-0d6e-4b7a-9f1e-5c2d8a7b6e40".into(),
            before: None,
            after: Some(after.into()),
            prev_hash: String::new(),
            hash: String::new(),
        };
        let made = entry(
            "user",
            r#"{"email": "eleni@example.gr", "name": "Ελένη Παππά"}"#,
        );
        assert_eq!(made.object_label(), "person Ελένη Παππά <eleni@example.gr>");
        let risk = entry("risk", "{}");
        assert_eq!(
            risk.object_label(),
            "risk 3f2a9c51-0d6e-4b7a-9f1e-5c2d8a7b6e40"
        );
    }
}

/// Why a trail is not intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// An entry's content no longer matches its hash: it was edited.
    Altered { seq: i64 },
    /// An entry does not point to the hash of the one before it: one was removed or replaced.
    Unlinked { seq: i64 },
    /// Sequence numbers jump: entries were deleted.
    Missing { expected: i64, found: i64 },
    /// The head (last known entry) does not match the last entry: the end was cut off.
    Truncated { head_seq: i64, last_seq: i64 },
    /// The trail ends before an entry a checkpoint saw: the end was cut off (and the head
    /// rewound to hide it).
    BeforeCheckpoint { checkpoint_seq: i64, last_seq: i64 },
    /// The entry a checkpoint saw has another hash now: the chain was recomputed from that
    /// entry or an earlier one.
    Rewritten { seq: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Altered { seq } => write!(
                f,
                "entry {seq} was altered: its content no longer matches its hash"
            ),
            Break::Unlinked { seq } => write!(
                f,
                "entry {seq} does not follow the entry before it: the chain is broken"
            ),
            Break::Missing { expected, found } => {
                write!(f, "entry {expected} is missing (the next entry is {found})")
            }
            Break::Truncated { head_seq, last_seq } => write!(
                f,
                "the trail ends at entry {last_seq} but {head_seq} entries were written: the last entries were removed"
            ),
            Break::BeforeCheckpoint {
                checkpoint_seq,
                last_seq,
            } => write!(
                f,
                "the trail ends at entry {last_seq} but the checkpoint saw entry {checkpoint_seq}: entries were removed from the end"
            ),
            Break::Rewritten { seq } => write!(
                f,
                "entry {seq} no longer has the hash the checkpoint saw: the trail was rewritten at or before entry {seq}"
            ),
        }
    }
}

/// A signed statement that the trail had reached entry `seq`, whose chain hash was `hash`.
/// The operator keeps it away from the database; `annex audit verify --checkpoint` later
/// proves the trail still holds that entry with that hash, so that cutting entries off the
/// end or recomputing the chain is seen even when the chain itself is consistent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// `annex-audit-checkpoint/1`
    pub format: String,
    pub organisation: String,
    pub seq: i64,
    pub hash: String,
    pub taken_at: String,
    /// The Ed25519 public key that signed it (hex).
    pub public_key: String,
    /// The signature of `message()` (hex).
    pub signature: String,
}

impl Checkpoint {
    pub const FORMAT: &'static str = "annex-audit-checkpoint/1";

    /// The text that is signed: every field but the key and the signature, one per line.
    pub fn message(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n",
            self.format, self.organisation, self.seq, self.hash, self.taken_at
        )
    }
}

/// Which entries to show; every part is optional.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor: Option<String>,
    /// Show entries older than this sequence number (keyset pagination, newest first).
    pub before_seq: Option<i64>,
}

/// What `annex audit verify` reports.
#[derive(Debug)]
pub struct VerifyReport {
    pub checked: i64,
    pub first_break: Option<Break>,
}

impl AuditFilter {
    /// The parameters the trail's list reads (besides `limit`).
    pub const PARAMS: &'static [&'static str] = &["object_type", "object_id", "actor", "before"];

    /// Reads `object_type`, `object_id`, `actor` and `before` (an entry number) from a query;
    /// a malformed `before` is named.
    pub fn read(params: &crate::domain::query::Params) -> Result<AuditFilter, crate::error::Error> {
        let before_seq = match params.get("before") {
            Some(b) => Some(b.parse::<i64>().map_err(|_| {
                crate::error::Error::Query(vec![crate::error::FieldError::new(
                    "before",
                    format!("'{b}' is not an entry number"),
                )])
            })?),
            None => None,
        };
        Ok(AuditFilter {
            object_type: params.get("object_type").map(str::to_string),
            object_id: params.get("object_id").map(str::to_string),
            actor: params.get("actor").map(str::to_string),
            before_seq,
        })
    }
}

/// Walks entries in order and remembers where the chain first breaks.
pub struct Verifier {
    expected_seq: i64,
    prev_hash: String,
    pub checked: i64,
    pub first_break: Option<Break>,
    /// The entry (number, hash) a checkpoint saw, which the trail must still hold.
    anchor: Option<(i64, String)>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
            checked: 0,
            first_break: None,
            anchor: None,
        }
    }
}

impl Verifier {
    /// A walk that also proves the trail still holds the entry a checkpoint saw.
    pub fn anchored(seq: i64, hash: &str) -> Verifier {
        Verifier {
            anchor: Some((seq, hash.to_string())),
            ..Verifier::default()
        }
    }

    pub fn feed(&mut self, e: &Entry) {
        if self.first_break.is_none()
            && let Some((seq, hash)) = &self.anchor
            && e.seq == *seq
            && e.hash != *hash
        {
            self.first_break = Some(Break::Rewritten { seq: e.seq });
        }
        if self.first_break.is_none() {
            if e.seq != self.expected_seq {
                self.first_break = Some(Break::Missing {
                    expected: self.expected_seq,
                    found: e.seq,
                });
            } else if e.prev_hash != self.prev_hash {
                self.first_break = Some(Break::Unlinked { seq: e.seq });
            } else if e.computed_hash() != e.hash {
                self.first_break = Some(Break::Altered { seq: e.seq });
            }
        }
        self.expected_seq = e.seq + 1;
        self.prev_hash = e.hash.clone();
        self.checked += 1;
    }

    /// Compares the end of the walk with the head the store keeps.
    pub fn finish(&mut self, head_seq: i64, head_hash: &str) {
        let last_seq = self.expected_seq - 1;
        if self.first_break.is_some() {
            return;
        }
        if let Some((seq, _)) = &self.anchor
            && *seq > last_seq
        {
            self.first_break = Some(Break::BeforeCheckpoint {
                checkpoint_seq: *seq,
                last_seq,
            });
            return;
        }
        if head_seq != last_seq {
            self.first_break = Some(Break::Truncated { head_seq, last_seq });
        } else if head_seq > 0 && head_hash != self.prev_hash {
            self.first_break = Some(Break::Altered { seq: last_seq });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_encoding_is_the_json_array_of_the_fields() {
        let e = Entry {
            seq: 7,
            occurred_at: "2026-12-01T10:00:00Z".into(),
            actor: "ada@example.org".into(),
            action: "asset.update".into(),
            object_type: "asset".into(),
            object_id: "A-1".into(),
            before: None,
            after: Some(r#"{"name":"Über \"x\"\n"}"#.into()),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        };
        let json = serde_json::json!([
            e.seq,
            e.occurred_at,
            e.actor,
            e.action,
            e.object_type,
            e.object_id,
            e.before,
            e.after,
            e.prev_hash
        ]);
        assert_eq!(
            e.computed_hash(),
            crate::domain::user::sha256_hex(json.to_string().as_bytes()),
            "entries written before keep verifying"
        );
    }
}
