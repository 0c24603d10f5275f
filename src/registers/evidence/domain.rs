//! Evidence (ISO/IEC 27002 5.28 collection of evidence, 5.33 protection of records): a file or
//! a link that shows a control works, with when it was collected, by whom and until when it
//! holds. Files are versioned and kept by their SHA-256; an item is attached to controls,
//! measures and risks. Whether a control's proof holds is computed from the dates, never typed.

use crate::domain::input::parse_date;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Evidence that runs out within this many days is "expiring".
pub const EXPIRING_DAYS: i64 = 30;

/// What an evidence item is attached to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A control of the 2022 catalogue, by id (`8.13`).
    Control,
    Measure,
    Risk,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Control, Target::Measure, Target::Risk];

    pub fn key(self) -> &'static str {
        match self {
            Target::Control => "control",
            Target::Measure => "measure",
            Target::Risk => "risk",
        }
    }

    pub fn parse(raw: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.key() == raw)
    }
}

/// Whether an item (or a control's evidence as a whole) still proves something today.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Nothing attached.
    None,
    /// An automated check that has not expired shows the control failing.
    Failing,
    /// Everything attached is past its valid-until date.
    Expired,
    /// Valid today, but not for 30 more days.
    Expiring,
    Valid,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Valid,
        State::Expiring,
        State::Failing,
        State::Expired,
        State::None,
    ];

    pub fn key(self) -> &'static str {
        match self {
            State::None => "none",
            State::Failing => "failing",
            State::Expired => "expired",
            State::Expiring => "expiring",
            State::Valid => "valid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::None => "no evidence",
            State::Failing => "failing",
            State::Expired => "expired",
            State::Expiring => "expiring soon",
            State::Valid => "valid",
        }
    }

    pub fn parse(raw: &str) -> Result<State, String> {
        State::ALL
            .into_iter()
            .find(|s| s.key() == raw.trim())
            .ok_or_else(|| {
                format!(
                    "'{}' is not an evidence state: use valid, expiring, failing, expired or none",
                    raw.trim()
                )
            })
    }

    /// An item's state on `today` (both `YYYY-MM-DD`): no end date means it holds.
    pub fn of_item(valid_until: Option<&str>, today: &str) -> State {
        match valid_until {
            None => State::Valid,
            Some(until) if until < today => State::Expired,
            Some(until) if until <= add_days(today, EXPIRING_DAYS).as_str() => State::Expiring,
            Some(_) => State::Valid,
        }
    }

    /// An item's state, given whether it shows its control failing (a failure counts until
    /// the item expires) and whether scans keep it (each report refreshes it, so it is
    /// valid, not "expiring soon", until it expires).
    pub fn of(valid_until: Option<&str>, failing: bool, scanned: bool, today: &str) -> State {
        match State::of_item(valid_until, today) {
            State::Expired => State::Expired,
            _ if failing => State::Failing,
            State::Expiring if scanned => State::Valid,
            s => s,
        }
    }

    /// Whether evidence in this state proves its control works today.
    pub fn proves(self) -> bool {
        matches!(self, State::Valid | State::Expiring)
    }
}

/// `YYYY-MM-DD` plus `days` (an unreadable date is returned unchanged).
pub fn add_days(date: &str, days: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(date, fmt)
        .ok()
        .and_then(|d| d.checked_add(time::Duration::days(days)))
        .map(|d| d.to_string())
        .unwrap_or_else(|| date.to_string())
}

/// An evidence item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    /// `E-0001`
    pub id: String,
    pub title: String,
    pub description: String,
    /// For a link: where it is. Empty for a file.
    pub url: String,
    /// `YYYY-MM-DD`
    pub collected_at: String,
    /// `YYYY-MM-DD`; none when it does not expire.
    pub valid_until: Option<String>,
    pub collected_by: String,
    /// The newest file version (0 for a link).
    pub version: i64,
    /// The newest version's file, for a file.
    pub file: Option<FileVersion>,
    /// Control ids, measure ids, risk ids.
    pub controls: Vec<String>,
    pub measures: Vec<String>,
    pub risks: Vec<String>,
    pub state: State,
    /// Why the item shows its controls failing (the failed checks and what they saw); empty
    /// when it does not.
    pub failing: String,
    /// The host whose scans filed the item and refresh it; none for evidence added by hand.
    pub host: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every write: a writer that saw an older revision is refused (409).
    pub revision: i64,
}

impl Evidence {
    /// Evidence filed by scans changes with the host's reports only: an error saying so.
    pub fn kept_by_scans(&self) -> Result<(), Error> {
        match &self.host {
            Some(host) => Err(Error::Conflict(format!(
                "{} is filed by the scans of host {host}: each report refreshes it, so it is not changed by hand",
                self.id
            ))),
            None => Ok(()),
        }
    }
}

/// One stored version of an item's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FileVersion {
    pub version: i64,
    /// The file's name as uploaded, reduced to its last part; never used as a path.
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    /// Lowercase hex SHA-256 of the content: where it is kept, and how it is checked.
    pub sha256: String,
    pub uploaded_at: String,
    pub uploaded_by: String,
}

/// An item as typed in a form, an API body or on the command line.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EvidenceInput {
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 5000)]
    pub description: String,
    /// For a link instead of a file: `https://…`
    #[schema(max_length = 2000)]
    pub url: String,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub collected_at: String,
    /// `YYYY-MM-DD`; empty when it does not expire.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub valid_until: String,
    /// The caller when empty.
    #[schema(max_length = 200)]
    pub collected_by: String,
    /// Control ids of the 2022 catalogue, comma-separated or a list (`8.13, 5.30`).
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub controls: String,
    /// Measure ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub measures: String,
    /// Risk ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub risks: String,
}

/// A checked item, ready to store (whether the ids exist is the store's check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceDraft {
    pub title: String,
    pub description: String,
    pub url: String,
    pub collected_at: String,
    pub valid_until: Option<String>,
    pub collected_by: String,
    pub controls: Vec<String>,
    pub measures: Vec<String>,
    pub risks: Vec<String>,
}

fn ids(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in raw
        .split([',', ';', '\n', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(id)) {
            out.push(id.to_string());
        }
    }
    out
}

impl EvidenceInput {
    /// Checks an item; `has_file` says whether a file comes with it (a new item is a file or a
    /// link), `today` and `caller` fill the defaults.
    pub fn parse(&self, has_file: bool, today: &str, caller: &str) -> Result<EvidenceDraft, Error> {
        let mut p = Problems::new();
        let title = self.title.trim().to_string();
        match title.chars().count() {
            0 => p.add("title", "give the evidence a title"),
            n if n > 200 => p.add("title", "at most 200 characters"),
            _ => {}
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > 5000 {
            p.add("description", "at most 5000 characters");
        }
        let url = self.url.trim().to_string();
        if !url.is_empty() {
            if has_file {
                p.add("url", "give a file or a link, not both");
            } else if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.len() < 10
                || url.chars().any(char::is_whitespace)
            {
                p.add(
                    "url",
                    format!("'{url}' is not a web address: write it as https://…"),
                );
            } else if url.len() > 2000 {
                p.add("url", "at most 2000 characters");
            }
        } else if !has_file {
            p.add("file", "choose a file to upload, or give a link");
        }
        let collected_at = match self.collected_at.trim() {
            "" => Some(today.to_string()),
            raw => p.take("collected_at", parse_date(raw)),
        };
        if let Some(c) = &collected_at
            && c.as_str() > today
        {
            p.add(
                "collected_at",
                format!("{c} is in the future: evidence is collected, then recorded"),
            );
        }
        let valid_until = match self.valid_until.trim() {
            "" => None,
            raw => p.take("valid_until", parse_date(raw)),
        };
        if let (Some(c), Some(v)) = (&collected_at, &valid_until)
            && v < c
        {
            p.add(
                "valid_until",
                format!("{v} is before the evidence was collected ({c})"),
            );
        }
        let collected_by = match self.collected_by.trim() {
            "" => caller.to_string(),
            who => who.to_string(),
        };
        if collected_by.chars().count() > 200 {
            p.add("collected_by", "at most 200 characters");
        }
        p.into_result()?;
        Ok(EvidenceDraft {
            title,
            description,
            url,
            collected_at: collected_at.unwrap_or_default(),
            valid_until,
            collected_by,
            controls: ids(&self.controls),
            measures: ids(&self.measures),
            risks: ids(&self.risks),
        })
    }
}

impl From<&Evidence> for EvidenceInput {
    fn from(e: &Evidence) -> EvidenceInput {
        EvidenceInput {
            title: e.title.clone(),
            description: e.description.clone(),
            url: e.url.clone(),
            collected_at: e.collected_at.clone(),
            valid_until: e.valid_until.clone().unwrap_or_default(),
            collected_by: e.collected_by.clone(),
            controls: e.controls.join(", "),
            measures: e.measures.join(", "),
            risks: e.risks.join(", "),
        }
    }
}

/// The kinds of file Annex keeps as evidence, by extension: (extension, media type).
/// Documents, images, exports and archives; never programs or scripts.
pub const FILE_TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
    ("eml", "message/rfc822"),
    ("msg", "application/vnd.ms-outlook"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("zip", "application/zip"),
    ("sarif", "application/sarif+json"),
    // Forensic formats an incident keeps (27002 5.28): disk and memory images, packet
    // captures, Windows event logs.
    ("img", "application/octet-stream"),
    ("dd", "application/octet-stream"),
    ("raw", "application/octet-stream"),
    ("mem", "application/octet-stream"),
    ("e01", "application/x-ewf"),
    ("pcap", "application/vnd.tcpdump.pcap"),
    ("pcapng", "application/x-pcapng"),
    ("evtx", "application/x-ms-evtx"),
];

/// The last part of an uploaded file's name, without directories, control characters or
/// leading dots, at most 200 characters: kept to show and to name the download, never as a
/// path (files are kept by their hash).
pub fn clean_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let clean: String = clean.chars().take(200).collect();
    if clean.is_empty() {
        "evidence".to_string()
    } else {
        clean
    }
}

/// The media type of an upload, from its name's extension, checked against the first bytes:
/// a program is refused whatever it is called, and a PDF, image or Office file must start as
/// one. The message names the file and what is accepted.
pub fn check_file_type(file_name: &str, head: &[u8]) -> Result<&'static str, String> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    let accepted = || {
        FILE_TYPES
            .iter()
            .map(|(e, _)| *e)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((_, media)) = FILE_TYPES.iter().find(|(e, _)| *e == ext) else {
        return Err(format!(
            "'{file_name}' is not a kind of file Annex keeps as evidence: use {}",
            accepted()
        ));
    };
    let program = head.starts_with(b"MZ")
        || head.starts_with(b"\x7fELF")
        || head.starts_with(b"#!")
        || head.starts_with(&[0xca, 0xfe, 0xba, 0xbe])
        || head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]);
    if program {
        return Err(format!(
            "'{file_name}' is a program or a script, not evidence: Annex does not keep executables"
        ));
    }
    let magic: Option<&[&[u8]]> = match ext.as_str() {
        "pdf" => Some(&[b"%PDF-"]),
        "png" => Some(&[b"\x89PNG"]),
        "jpg" | "jpeg" => Some(&[&[0xff, 0xd8, 0xff]]),
        "gif" => Some(&[b"GIF8"]),
        "docx" | "xlsx" | "pptx" | "odt" | "ods" | "zip" => Some(&[b"PK\x03\x04", b"PK\x05\x06"]),
        "e01" => Some(&[b"EVF\x09\x0d\x0a\xff\x00"]),
        "pcap" => Some(&[
            &[0xd4, 0xc3, 0xb2, 0xa1],
            &[0xa1, 0xb2, 0xc3, 0xd4],
            &[0x4d, 0x3c, 0xb2, 0xa1],
            &[0xa1, 0xb2, 0x3c, 0x4d],
        ]),
        "pcapng" => Some(&[&[0x0a, 0x0d, 0x0d, 0x0a]]),
        "evtx" => Some(&[b"ElfFile\x00"]),
        _ => None,
    };
    if let Some(starts) = magic
        && !starts.iter().any(|m| head.starts_with(m))
    {
        return Err(format!(
            "'{file_name}' is called .{ext} but its content is not a {} file",
            ext.to_uppercase()
        ));
    }
    Ok(media)
}

/// A file that comes with a new item or version: the upload and the name it was sent with.
pub struct NewFile {
    pub incoming: crate::domain::upload::Incoming,
    pub file_name: String,
}

/// What the evidence list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceFilter {
    pub state: Option<State>,
    /// Valid today and ending within this many days (leaving out the items scans refresh).
    pub expiring_within: Option<i64>,
    /// Attached to each of these: a control (directly or through a measure that implements
    /// it), a measure, a risk.
    pub targets: Vec<(Target, String)>,
    /// In the title or description.
    pub q: Option<String>,
    pub limit: i64,
}

/// A SoA row lists at most this many evidence items (the newest); it counts them all.
pub const EVIDENCE_LISTED: usize = 25;

/// A control's evidence, summed up for the SoA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceSummary {
    pub count: usize,
    /// Some item added by hand does not expire.
    pub no_end: bool,
    /// The latest valid-until date of the items added by hand that expire.
    pub latest_until: Option<String>,
    /// The latest valid-until date of the items filed by scans.
    pub scan_until: Option<String>,
    /// The newest items, at most `EVIDENCE_LISTED`.
    pub newest: Vec<ControlEvidence>,
    /// Every item that shows the control failing (filed by scans), expired or not.
    pub failing: Vec<ControlEvidence>,
}

impl EvidenceSummary {
    /// Whether the evidence proves the control on `today`: the best of its items. Evidence
    /// added by hand and scan results count separately: a failing scan makes the control
    /// failing only when no valid item added by hand proves it (the failure still raises
    /// its own warning, see [`EvidenceSummary::failures`]), so a backup report uploaded by
    /// the backup team is not hidden by one workstation's failing check.
    pub fn state(&self, today: &str) -> State {
        if self.count == 0 {
            return State::None;
        }
        // States order Expired < Expiring < Valid: by hand items may be expiring soon;
        // scans refresh theirs.
        let by_hand = if self.no_end {
            Some(State::Valid)
        } else {
            self.latest_until
                .as_deref()
                .map(|u| State::of(Some(u), false, false, today))
        };
        if !self.failures(today).is_empty() {
            return match by_hand {
                Some(state) if state.proves() => state,
                _ => State::Failing,
            };
        }
        let scanned = self
            .scan_until
            .as_deref()
            .map(|u| State::of(Some(u), false, true, today));
        by_hand.max(scanned).unwrap_or(State::Expired)
    }

    /// The items that show the control failing on `today` (those not expired).
    pub fn failures(&self, today: &str) -> Vec<ControlEvidence> {
        self.failing
            .iter()
            .filter(|e| State::of_item(e.valid_until.as_deref(), today) != State::Expired)
            .cloned()
            .collect()
    }
}

/// One evidence item of a control, for the SoA: attached to the control itself (`via` empty)
/// or to a measure that implements it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ControlEvidence {
    pub control_id: String,
    pub evidence_id: String,
    pub title: String,
    pub collected_at: String,
    pub valid_until: Option<String>,
    /// The measure it is attached to, or empty.
    pub via: String,
    /// Why it shows the control failing; empty when it does not.
    #[serde(default)]
    pub failing: String,
    /// The host whose scans filed it; empty for evidence added by hand.
    #[serde(default)]
    pub host: String,
}

/// The parameters the evidence list reads (besides `cursor` and `limit`).
pub const EVIDENCE_PARAMS: &[&str] = &["state", "expiring", "control", "measure", "risk", "q"];

/// The evidence list's query: `state` (valid, expiring, failing, expired), `expiring` (days),
/// `control`, `measure` and `risk` (each one given narrows the list), and `q`; every
/// malformed value is named.
pub fn evidence_query(params: &crate::domain::query::Params) -> Result<EvidenceFilter, Error> {
    let get = |k: &str| params.get(k).map(str::to_string);
    let mut p = Problems::new();
    let state = match get("state") {
        // Every item has a state; "none" is a control's state (nothing attached).
        Some(s) if s == "none" => {
            p.add(
                "state",
                "'none' is not an item's state: use valid, expiring, failing or expired",
            );
            None
        }
        Some(s) => p.take("state", State::parse(&s)),
        None => None,
    };
    let expiring_within = match get("expiring") {
        Some(raw) => p.take("expiring", parse_days(&raw)),
        None => None,
    };
    let targets = Target::ALL
        .into_iter()
        .filter_map(|t| get(t.key()).map(|id| (t, id)))
        .collect();
    p.into_query_result()?;
    Ok(EvidenceFilter {
        state,
        expiring_within,
        targets,
        q: get("q"),
        limit: 500,
    })
}

/// `30`, `30d` or `30 days`: a number of days from 0 to 3650.
pub fn parse_days(raw: &str) -> Result<i64, String> {
    let t = raw.trim().to_lowercase();
    let digits = t
        .trim_end_matches("days")
        .trim_end_matches("day")
        .trim_end_matches('d')
        .trim();
    match digits.parse::<i64>() {
        Ok(n) if (0..=3650).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{}' is not a number of days: write e.g. 30 or 30d",
            raw.trim()
        )),
    }
}

/// Sums up the evidence of every control (items attached to it and to the measures that
/// implement it): per control, how many, until when the best of them holds, the newest few
/// and the failing ones.
pub fn summarise(mut v: Vec<ControlEvidence>) -> HashMap<String, EvidenceSummary> {
    // Per control, newest first; the same item through the control and a measure counts once.
    v.sort_by(|a, b| {
        (&a.control_id, &b.collected_at, &a.evidence_id).cmp(&(
            &b.control_id,
            &a.collected_at,
            &b.evidence_id,
        ))
    });
    v.dedup_by(|a, b| a.control_id == b.control_id && a.evidence_id == b.evidence_id);
    let mut by_control: HashMap<String, EvidenceSummary> = HashMap::new();
    for e in v {
        let s = by_control.entry(e.control_id.clone()).or_default();
        s.count += 1;
        let latest = if e.host.is_empty() {
            &mut s.latest_until
        } else {
            &mut s.scan_until
        };
        match &e.valid_until {
            None if e.host.is_empty() => s.no_end = true,
            // A scan's item without an end stands until the next scan replaces it.
            None => s.scan_until = Some("9999-12-31".into()),
            Some(u) => {
                if latest.as_ref().is_none_or(|l| u > l) {
                    *latest = Some(u.clone());
                }
            }
        }
        if !e.failing.is_empty() {
            s.failing.push(e.clone());
        }
        if s.newest.len() < EVIDENCE_LISTED {
            s.newest.push(e);
        }
    }
    by_control
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_dates() {
        let today = "2026-12-01";
        assert_eq!(State::of_item(None, today), State::Valid);
        assert_eq!(State::of_item(Some("2026-11-30"), today), State::Expired);
        assert_eq!(State::of_item(Some("2026-12-01"), today), State::Expiring);
        assert_eq!(State::of_item(Some("2026-12-31"), today), State::Expiring);
        assert_eq!(State::of_item(Some("2027-01-01"), today), State::Valid);
        assert_eq!(add_days("2026-02-27", 2), "2026-03-01");
        assert_eq!(
            State::of(Some("2026-12-03"), true, true, today),
            State::Failing
        );
        assert_eq!(
            State::of(Some("2026-11-30"), true, true, today),
            State::Expired
        );
        assert_eq!(State::of(None, false, false, today), State::Valid);
        assert_eq!(
            State::of(Some("2026-12-20"), false, false, today),
            State::Expiring
        );
        assert_eq!(
            State::of(Some("2026-12-20"), false, true, today),
            State::Valid
        );
        assert_eq!(
            State::of(Some("2026-11-30"), false, true, today),
            State::Expired
        );
        assert!(!State::Failing.proves() && State::Expiring.proves());
    }

    #[test]
    fn an_item_is_a_file_or_a_link_with_sensible_dates() {
        let today = "2026-12-01";
        let ok = EvidenceInput {
            title: "Backup restore test".into(),
            controls: "8.13, 8.13;5.30".into(),
            valid_until: "2027-06-30".into(),
            ..Default::default()
        }
        .parse(true, today, "ops@example.org")
        .unwrap();
        assert_eq!(ok.controls, ["8.13", "5.30"]);
        assert_eq!(ok.collected_at, today);
        assert_eq!(ok.collected_by, "ops@example.org");

        let e = EvidenceInput {
            url: "ftp:/x".into(),
            collected_at: "2027-01-01".into(),
            valid_until: "2026-01-01".into(),
            ..Default::default()
        }
        .parse(false, today, "me")
        .unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "url", "collected_at", "valid_until"]);

        let e = EvidenceInput {
            title: "x".into(),
            ..Default::default()
        }
        .parse(false, today, "me")
        .unwrap_err();
        assert_eq!(e.fields()[0].field, "file");
    }

    #[test]
    fn file_names_are_never_paths_and_programs_are_refused() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(clean_file_name(".."), "evidence");
        assert_eq!(clean_file_name("..\u{0}.bashrc"), "bashrc");
        assert_eq!(
            check_file_type("scan.pdf", b"%PDF-1.7"),
            Ok("application/pdf")
        );
        assert!(check_file_type("scan.pdf", b"hello").is_err());
        assert!(check_file_type("tool.exe", b"MZ").is_err());
        assert!(check_file_type("notes.txt", b"\x7fELF\x02").is_err());
        assert!(check_file_type("notes", b"text").is_err());
        assert_eq!(check_file_type("Notes.TXT", b"text"), Ok("text/plain"));
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn a_controls_evidence_holds_as_long_as_its_best_item() {
        let today = "2026-12-01";
        assert_eq!(EvidenceSummary::default().state(today), State::None);
        let expiring = EvidenceSummary {
            count: 2,
            no_end: false,
            // one item ended in November, the other ends this month
            latest_until: Some("2026-12-20".into()),
            scan_until: None,
            newest: Vec::new(),
            failing: Vec::new(),
        };
        assert_eq!(expiring.state(today), State::Expiring);
        let expired = EvidenceSummary {
            latest_until: Some("2026-11-30".into()),
            ..expiring.clone()
        };
        assert_eq!(expired.state(today), State::Expired);
        let open = EvidenceSummary {
            no_end: true,
            ..expired
        };
        assert_eq!(open.state(today), State::Valid);
        let check = |until: &str| ControlEvidence {
            control_id: "8.5".into(),
            evidence_id: "E-0009".into(),
            title: "Scan of web-01".into(),
            collected_at: "2026-11-29".into(),
            valid_until: Some(until.into()),
            via: String::new(),
            failing: "ssh.password-auth: PasswordAuthentication yes".into(),
            host: "web-01".into(),
        };
        // A live failure does not hide valid evidence added by hand (it warns by itself);
        // without such evidence the control is failing; an expired failure no longer counts.
        let failing = EvidenceSummary {
            failing: vec![check("2026-12-02")],
            ..open.clone()
        };
        assert_eq!(failing.state(today), State::Valid);
        assert_eq!(failing.failures(today).len(), 1);
        let only_scans = EvidenceSummary {
            count: 1,
            scan_until: Some("2026-12-02".into()),
            failing: vec![check("2026-12-02")],
            ..EvidenceSummary::default()
        };
        assert_eq!(only_scans.state(today), State::Failing);
        let stale_by_hand = EvidenceSummary {
            latest_until: Some("2026-11-01".into()),
            ..only_scans.clone()
        };
        assert_eq!(stale_by_hand.state(today), State::Failing);
        let lapsed = EvidenceSummary {
            failing: vec![check("2026-11-30")],
            ..open
        };
        assert_eq!(lapsed.state(today), State::Valid);
        // Scans refresh their items: one ending in 19 days is valid, not expiring soon.
        let scanned = EvidenceSummary {
            count: 1,
            scan_until: Some("2026-12-20".into()),
            ..EvidenceSummary::default()
        };
        assert_eq!(scanned.state(today), State::Valid);
        let both = EvidenceSummary {
            count: 2,
            latest_until: Some("2026-11-01".into()),
            scan_until: Some("2026-11-30".into()),
            ..EvidenceSummary::default()
        };
        assert_eq!(both.state(today), State::Expired);
    }
}
