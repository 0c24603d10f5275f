//! Webhooks: an address Annex posts the events it also e-mails to — a deadline within a day, a
//! task given to someone, an escalation, a host that stopped reporting — as Annex's own JSON
//! (signed, so the receiver can tell it came from Annex) or as a chat message: Slack's
//! (`{"text": …}`) or an Adaptive Card, which Microsoft Teams' workflows and incoming webhooks
//! take.

use super::domain::{Mail, MessageKind};
use crate::domain::input::{bounded, yes_no};
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// What a webhook receives.
    WebhookFormat,
    "a webhook format",
    [
        (Json, "json", "JSON with Annex's own fields"),
        (Slack, "slack", "a Slack message"),
        (Teams, "teams", "a Microsoft Teams message"),
    ]
);

/// The kinds of event a webhook can receive (the digest is a person's own).
pub const EVENTS: &[MessageKind] = &[
    MessageKind::Deadline,
    MessageKind::Assignment,
    MessageKind::Escalation,
    MessageKind::Host,
];

/// A webhook as admins see it: its address is shown only up to its host, since chat
/// webhooks carry their credential in the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: String,
    pub name: String,
    /// Scheme, host and port; the rest of the address is not shown again.
    pub target: String,
    pub format: WebhookFormat,
    pub events: Vec<MessageKind>,
    pub enabled: bool,
    pub created_at: String,
    pub created_by: String,
    pub revision: i64,
}

impl Webhook {
    /// Whether it takes events of `kind`.
    pub fn takes(&self, kind: MessageKind) -> bool {
        self.enabled && self.events.contains(&kind)
    }
}

/// A webhook as stored: id, name, url, format, events, signing key, enabled, created at,
/// created by, revision.
pub type WebhookRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
    String,
    String,
    i64,
);

/// Reads a stored webhook (its address cut to its host, its key left out).
pub fn webhook_of(r: WebhookRow) -> Webhook {
    Webhook {
        id: r.0,
        name: r.1,
        target: target_of(&r.2),
        format: WebhookFormat::parse(&r.3).unwrap_or(WebhookFormat::Json),
        events: events_of(&r.4),
        enabled: r.6,
        created_at: r.7,
        created_by: r.8,
        revision: r.9,
    }
}

/// The kinds in a stored list of keys.
pub fn events_of(keys: &str) -> Vec<MessageKind> {
    keys.split(',')
        .filter_map(|k| MessageKind::parse(k.trim()).ok())
        .filter(|k| EVENTS.contains(k))
        .collect()
}

/// The keys of `events`, as stored.
pub fn events_key(events: &[MessageKind]) -> String {
    events.iter().map(|k| k.key()).collect::<Vec<_>>().join(",")
}

/// Scheme, host and port of an address (what is shown of it).
pub fn target_of(url: &str) -> String {
    match url.parse::<hyper::Uri>() {
        Ok(u) => format!(
            "{}://{}",
            u.scheme_str().unwrap_or("?"),
            u.authority()
                .map(|a| a
                    .as_str()
                    .rsplit('@')
                    .next()
                    .unwrap_or_default()
                    .to_string())
                .unwrap_or_default()
        ),
        Err(_) => "(an address that no longer reads)".into(),
    }
}

/// A webhook as typed: a new one needs a name and an address; a change may leave the
/// address empty to keep it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookInput {
    #[schema(max_length = 200)]
    pub name: String,
    /// `https://…` (or `http://…`); at most 2,000 characters.
    #[schema(max_length = 2000)]
    pub url: String,
    /// `json` (the default), `slack` or `teams`.
    pub format: String,
    /// The events it receives (`deadline`, `assignment`, `escalation`, `host`); empty: all.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub events: String,
    /// `yes` (the default) or `no`.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub enabled: String,
}

/// A webhook's fields as checked (`url` empty: keep the stored one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFields {
    pub name: String,
    pub url: String,
    pub format: WebhookFormat,
    pub events: Vec<MessageKind>,
    pub enabled: bool,
}

impl WebhookInput {
    /// Checks the fields; `new` asks for an address.
    pub fn parse(&self, new: bool) -> Result<WebhookFields, Error> {
        let mut p = Problems::default();
        let name = bounded(&mut p, "name", &self.name, 200);
        if name.is_empty() {
            p.add(
                "name",
                "give the webhook a name (where it goes: \"#security channel\")",
            );
        }
        let url = self.url.trim().to_string();
        if url.is_empty() {
            if new {
                p.add("url", "give the address to post to (https://…)");
            }
        } else if let Err(m) = check_url(&url) {
            p.add("url", m);
        }
        let format = match self.format.trim() {
            "" => WebhookFormat::Json,
            raw => p
                .take("format", WebhookFormat::parse(raw))
                .unwrap_or(WebhookFormat::Json),
        };
        let mut events = Vec::new();
        for raw in self
            .events
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match MessageKind::parse(raw) {
                Ok(k) if EVENTS.contains(&k) => {
                    if !events.contains(&k) {
                        events.push(k);
                    }
                }
                Ok(k) => p.add(
                    "events",
                    format!(
                        "{} cannot go to a webhook (it is a person's own)",
                        k.label()
                    ),
                ),
                Err(m) => p.add("events", m),
            }
        }
        if events.is_empty() {
            events = EVENTS.to_vec();
        }
        events.sort_by_key(|k| k.rank());
        let enabled = self.enabled.trim().is_empty() || yes_no(&mut p, "enabled", &self.enabled);
        p.into_result()?;
        Ok(WebhookFields {
            name,
            url,
            format,
            events,
            enabled,
        })
    }
}

/// Checks an address to post to: http or https, a host, no credentials, at most 2,000
/// characters.
pub fn check_url(url: &str) -> Result<(), String> {
    if url.chars().count() > 2000 {
        return Err("at most 2000 characters".into());
    }
    let lower = url.to_ascii_lowercase();
    if !lower.starts_with("https://") && !lower.starts_with("http://") {
        return Err(format!("'{url}' does not start with https:// or http://"));
    }
    let u: hyper::Uri = url
        .parse()
        .map_err(|_| format!("'{url}' is not an address (https://host/path)"))?;
    match u.scheme_str() {
        Some("https") | Some("http") => {}
        _ => return Err(format!("'{url}' does not start with https:// or http://")),
    }
    let Some(auth) = u.authority() else {
        return Err(format!("'{url}' names no host"));
    };
    if auth.as_str().contains('@') {
        return Err("an address with a user name or password in it is not taken".into());
    }
    if auth.host().is_empty() {
        return Err(format!("'{url}' names no host"));
    }
    Ok(())
}

/// A new signing key: 32 random bytes in hex, shown once.
pub fn new_signing_key() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", crate::domain::user::to_hex(&bytes))
}

/// The signature of a body sent at `timestamp` (seconds since 1970): HMAC-SHA256 of
/// `"{timestamp}.{body}"` under the key, in hex, as the `X-Annex-Signature` header carries it
/// (`v1=…`).
pub fn signature(key: &str, timestamp: i64, body: &str) -> String {
    use hmac::{KeyInit, Mac};
    // HMAC takes a key of any length: the error cannot happen.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    let out = mac.finalize().into_bytes();
    format!("v1={}", crate::domain::user::to_hex(&out))
}

/// One record an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventItem {
    pub text: String,
    pub note: String,
    pub url: String,
}

/// The JSON Annex posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// `deadline`, `assignment`, `escalation`, `host` or `test`.
    pub event: &'static str,
    /// The event in words.
    pub event_label: &'static str,
    pub summary: String,
    pub items: Vec<EventItem>,
    pub occurred_at: String,
}

/// The body posted for an event told by `mail` (its subject the summary, its lines the
/// items), in the webhook's format.
pub fn body(format: WebhookFormat, kind: MessageKind, mail: &Mail, at: &str) -> String {
    let summary = mail
        .subject
        .strip_prefix("Annex: ")
        .unwrap_or(&mail.subject)
        .to_string();
    let items: Vec<EventItem> = mail
        .sections
        .iter()
        .flat_map(|s| s.lines.iter())
        .map(|l| EventItem {
            text: l.text.clone(),
            note: l.note.clone(),
            url: l.link.clone(),
        })
        .collect();
    let value = match format {
        WebhookFormat::Json => serde_json::to_value(Event {
            event: kind.key(),
            event_label: kind.label(),
            summary,
            items,
            occurred_at: at.to_string(),
        })
        .unwrap_or_default(),
        WebhookFormat::Slack => {
            // Slack reads &, < and > as markup: they are escaped, links are <url|text>.
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            let mut text = format!("*Annex: {}*", esc(&summary));
            for i in &items {
                text.push_str(&format!(
                    "\n• <{}|{}> — {}",
                    i.url,
                    esc(&i.text).replace('|', "¦"),
                    esc(&i.note)
                ));
            }
            serde_json::json!({ "text": text })
        }
        WebhookFormat::Teams => {
            // Teams' workflows take Adaptive Cards only (its older connectors take them too):
            // a bold heading and one wrapped line per item, its title a Markdown link
            // (brackets in a title would end the link early).
            let esc = |s: &str| s.replace('[', "(").replace(']', ")");
            let mut body = vec![serde_json::json!({
                "type": "TextBlock", "text": format!("Annex: {summary}"),
                "weight": "Bolder", "size": "Medium", "wrap": true,
            })];
            for i in &items {
                body.push(serde_json::json!({
                    "type": "TextBlock",
                    "text": format!("[{}]({}) — {}", esc(&i.text), i.url, i.note),
                    "wrap": true,
                }));
            }
            serde_json::json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": null,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": body,
                    },
                }],
            })
        }
    };
    value.to_string()
}

/// Refuses a webhook id that cannot be one (`WH-…`).
pub fn check_id(id: &str) -> Result<(), Error> {
    let ok = id.len() <= 20
        && id.starts_with("WH-")
        && id[3..].chars().all(|c| c.is_ascii_digit())
        && id.len() > 3;
    if ok {
        Ok(())
    } else {
        Err(Error::NotFound(format!("webhook {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registers::notify::domain::{Line, Section};

    fn mail() -> Mail {
        Mail {
            subject: "Annex: Ελένη gave you a task: Δοκιμή <b>&</b> [x]".into(),
            heading: String::new(),
            intro: String::new(),
            sections: vec![Section {
                title: "Your task".into(),
                lines: vec![Line {
                    text: "Do: Δοκιμή <b>&</b> [x]".into(),
                    note: "due 2026-12-06".into(),
                    link: "https://annex.example/tasks/T-0001".into(),
                }],
            }],
            settings_link: String::new(),
        }
    }

    #[test]
    fn an_event_is_posted_as_json_slack_or_teams_with_its_link() {
        let at = "2026-12-05T10:00:00Z";
        let j: serde_json::Value = serde_json::from_str(&body(
            WebhookFormat::Json,
            MessageKind::Assignment,
            &mail(),
            at,
        ))
        .unwrap();
        assert_eq!(j["event"], "assignment");
        assert_eq!(j["event_label"], "a task given to me");
        assert_eq!(j["summary"], "Ελένη gave you a task: Δοκιμή <b>&</b> [x]");
        assert_eq!(j["items"][0]["url"], "https://annex.example/tasks/T-0001");
        assert_eq!(j["occurred_at"], at);
        let s: serde_json::Value = serde_json::from_str(&body(
            WebhookFormat::Slack,
            MessageKind::Assignment,
            &mail(),
            at,
        ))
        .unwrap();
        let text = s["text"].as_str().unwrap();
        assert!(text.starts_with("*Annex: Ελένη gave you a task: Δοκιμή &lt;b&gt;&amp;&lt;/b&gt;"));
        assert!(text.contains("<https://annex.example/tasks/T-0001|Do: Δοκιμή &lt;b&gt;"));
        let t: serde_json::Value = serde_json::from_str(&body(
            WebhookFormat::Teams,
            MessageKind::Assignment,
            &mail(),
            at,
        ))
        .unwrap();
        let card = &t["attachments"][0];
        assert_eq!(
            card["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        assert_eq!(card["content"]["type"], "AdaptiveCard");
        let blocks = card["content"]["body"].as_array().unwrap();
        assert_eq!(
            blocks[0]["text"],
            "Annex: Ελένη gave you a task: Δοκιμή <b>&</b> [x]"
        );
        assert!(
            blocks[1]["text"]
                .as_str()
                .unwrap()
                .starts_with("[Do: Δοκιμή <b>&</b> (x)](https://annex.example/tasks/T-0001) — due")
        );
    }

    #[test]
    fn input_names_each_bad_field_and_fills_defaults() {
        let ok = WebhookInput {
            name: "#security".into(),
            url: "https://hooks.example/T0/B0/secret".into(),
            ..Default::default()
        }
        .parse(true)
        .unwrap();
        assert_eq!(ok.format, WebhookFormat::Json);
        assert_eq!(ok.events, EVENTS);
        assert!(ok.enabled);
        let bad = WebhookInput {
            name: String::new(),
            url: "ftp://files.example/x".into(),
            format: "discord".into(),
            events: "digest, bogus".into(),
            enabled: "perhaps".into(),
        }
        .parse(true)
        .unwrap_err()
        .to_string();
        for field in ["name", "url", "format", "events", "enabled"] {
            assert!(bad.contains(field), "{field} not named in {bad}");
        }
        for url in [
            "https://user:pw@hooks.example/x",
            "hooks.example/x",
            "https:///x",
            "http://",
        ] {
            assert!(check_url(url).is_err(), "{url} taken");
        }
        // A change may keep the stored address.
        assert!(
            WebhookInput {
                name: "x".into(),
                ..Default::default()
            }
            .parse(false)
            .is_ok()
        );
    }

    #[test]
    fn only_scheme_and_host_of_an_address_are_shown_and_bodies_are_signed() {
        assert_eq!(
            target_of("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com"
        );
        assert_eq!(
            target_of("http://127.0.0.1:9000/hook?token=x"),
            "http://127.0.0.1:9000"
        );
        // The receiver's check, as a Python receiver computes it:
        // hmac.new(key, b'1764928800.{"event":"test"}', hashlib.sha256).hexdigest()
        let key = "whsec_test";
        assert_eq!(
            signature(key, 1_764_928_800, r#"{"event":"test"}"#),
            "v1=2e0b6bee3790ecf2adfc73ad684517f54c29e190bb1edffe5244aa2beff80a9b"
        );
        assert_ne!(signature(key, 1, "{}"), signature(key, 2, "{}"));
        assert!(signature(key, 1, "{}").starts_with("v1="));
        assert!(new_signing_key().starts_with("whsec_") && new_signing_key().len() == 70);
        assert!(
            check_id("WH-0001").is_ok() && check_id("WH-").is_err() && check_id("T-1").is_err()
        );
    }
}
