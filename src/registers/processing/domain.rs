//! The record of processing activities (GDPR Art. 30, 27002 5.34): each processing of
//! personal data with its purposes and legal basis, the categories of data and of the people
//! it is about, who receives it (processors from the supplier register), transfers outside
//! the EEA with their safeguard, how long it is kept, the assets that hold it and the security
//! that protects it.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// The lawful basis of a processing (GDPR Art. 6(1)).
    LegalBasis,
    "a legal basis",
    [
        (Consent, "consent", "consent"),
        (Contract, "contract", "performance of a contract"),
        (LegalObligation, "legal_obligation", "legal obligation"),
        (VitalInterests, "vital_interests", "vital interests"),
        (PublicTask, "public_task", "public task"),
        (LegitimateInterests, "legitimate_interests", "legitimate interests"),
    ]
);

crate::domain::words::words_enum!(
    /// What makes a transfer outside the EEA lawful (GDPR Chapter V).
    Safeguard,
    "a transfer safeguard",
    [
        (Adequacy, "adequacy", "adequacy decision"),
        (Scc, "scc", "standard contractual clauses"),
        (Bcr, "bcr", "binding corporate rules"),
        (Derogation, "derogation", "derogation for a specific situation"),
        (Missing, "missing", "none yet"),
    ]
);

/// A transfer of the data outside the EEA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transfer {
    pub country: String,
    pub safeguard: Safeguard,
}

/// A processing activity as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Processing {
    pub id: String,
    pub name: String,
    pub owner: String,
    /// Why the data is processed.
    pub purposes: String,
    pub legal_basis: LegalBasis,
    pub data_categories: Vec<String>,
    /// Special categories (health, beliefs, biometrics …) or criminal records (Art. 9, 10).
    pub special_categories: bool,
    pub data_subjects: Vec<String>,
    /// Recipients other than processors of the register, by name.
    pub recipients: Vec<String>,
    /// Processors from the supplier register (ids).
    pub processors: Vec<String>,
    pub transfers: Vec<Transfer>,
    /// How long it is kept, or the rule that decides.
    pub retention: String,
    /// The assets that hold the data (ids).
    pub assets: Vec<String>,
    /// The technical and organisational measures that protect it, in general terms.
    pub security: String,
    /// Whether a data protection impact assessment is needed (Art. 35).
    pub dpia_required: bool,
    pub reviewed_on: Option<String>,
    pub updated_at: String,
    pub revision: i64,
}

impl Processing {
    /// What a record of processing lacks for Art. 30 or Chapter V, in words.
    pub fn gaps(&self) -> Vec<String> {
        let mut g = Vec::new();
        if self.purposes.trim().is_empty() {
            g.push("no purpose is written".to_string());
        }
        if self.data_categories.is_empty() {
            g.push("no category of data is named".to_string());
        }
        if self.data_subjects.is_empty() {
            g.push("no category of data subjects is named".to_string());
        }
        if self.retention.trim().is_empty() {
            g.push("how long the data is kept is not said".to_string());
        }
        for t in self
            .transfers
            .iter()
            .filter(|t| t.safeguard == Safeguard::Missing)
        {
            g.push(format!("the transfer to {} has no safeguard", t.country));
        }
        if self.special_categories && self.legal_basis == LegalBasis::LegitimateInterests {
            g.push(
                "special categories on legitimate interests alone: name the Art. 9 condition"
                    .to_string(),
            );
        }
        g
    }
}

/// A processing activity as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessingInput {
    /// Its id (PA-0001 … when absent); an import keeps the ids of its file.
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(max_length = 200)]
    pub owner: String,
    #[schema(max_length = 5000)]
    pub purposes: String,
    /// consent, contract, legal obligation, vital interests, public task or legitimate
    /// interests.
    pub legal_basis: String,
    /// One per line or a list.
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub data_categories: String,
    pub special_categories: bool,
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub data_subjects: String,
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub recipients: String,
    /// Supplier ids, a list or comma-separated.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub processors: String,
    /// One per line or a list: `country | safeguard` (`United States | standard
    /// contractual clauses`).
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub transfers: String,
    #[schema(max_length = 2000)]
    pub retention: String,
    /// Asset ids, a list or comma-separated.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub assets: String,
    #[schema(max_length = 5000)]
    pub security: String,
    pub dpia_required: bool,
    /// `YYYY-MM-DD` of the last review, or empty.
    pub reviewed_on: String,
}

/// A checked processing activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingDraft {
    pub id: Option<String>,
    pub name: String,
    pub owner: String,
    pub purposes: String,
    pub legal_basis: LegalBasis,
    pub data_categories: Vec<String>,
    pub special_categories: bool,
    pub data_subjects: Vec<String>,
    pub recipients: Vec<String>,
    pub processors: Vec<String>,
    pub transfers: Vec<Transfer>,
    pub retention: String,
    pub assets: Vec<String>,
    pub security: String,
    pub dpia_required: bool,
    pub reviewed_on: Option<String>,
}

fn names(p: &mut Problems, field: &str, raw: &str) -> Vec<String> {
    crate::domain::input::names(p, field, raw, &['\n', ';'])
}

/// Reads `country | safeguard` lines.
fn transfers(p: &mut Problems, raw: &str) -> Vec<Transfer> {
    let mut out: Vec<Transfer> = Vec::new();
    let lines: Vec<&str> = raw
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > 100 {
        p.add("transfers", "at most 100");
        return out;
    }
    for line in lines {
        let Some((country, safeguard)) = line.split_once('|') else {
            p.add(
                "transfers",
                format!("'{line}': write the country, '|' and the safeguard, e.g. 'United States | standard contractual clauses'"),
            );
            continue;
        };
        let country = bounded(p, "transfers", country, 100);
        if country.is_empty() {
            p.add("transfers", format!("'{line}': name the country"));
            continue;
        }
        if let Some(safeguard) = p.take("transfers", Safeguard::parse(safeguard)) {
            out.push(Transfer { country, safeguard });
        }
    }
    out
}

/// The transfers as lines `country | safeguard`.
pub fn transfers_text(t: &[Transfer]) -> Vec<String> {
    t.iter()
        .map(|t| format!("{} | {}", t.country, t.safeguard.label()))
        .collect()
}

impl ProcessingInput {
    /// Checks the activity; `today` bounds its last review.
    pub fn parse(&self, today: &str) -> Result<ProcessingDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let name = bounded(&mut p, "name", &self.name, 200);
        if name.is_empty() {
            p.add("name", "name the processing (e.g. Payroll)");
        }
        let owner = bounded(&mut p, "owner", &self.owner, 200).to_lowercase();
        if !owner.is_empty() && !owner.contains('@') {
            p.add("owner", format!("'{owner}' is not an e-mail address"));
        }
        let purposes = bounded(&mut p, "purposes", &self.purposes, 5000);
        let legal_basis = match self.legal_basis.trim() {
            "" => {
                p.add("legal_basis", "name the lawful basis (Art. 6)");
                None
            }
            raw => p.take("legal_basis", LegalBasis::parse(raw)),
        };
        let data_categories = names(&mut p, "data_categories", &self.data_categories);
        let data_subjects = names(&mut p, "data_subjects", &self.data_subjects);
        let recipients = names(&mut p, "recipients", &self.recipients);
        let processors =
            crate::domain::input::ids(&mut p, "processors", &self.processors, "a supplier");
        let transfers = transfers(&mut p, &self.transfers);
        let retention = bounded(&mut p, "retention", &self.retention, 2000);
        let assets = crate::domain::input::asset_ids(&mut p, "assets", &self.assets);
        let security = bounded(&mut p, "security", &self.security, 5000);
        let reviewed_on = match self.reviewed_on.trim() {
            "" => None,
            t => p.take("reviewed_on", crate::domain::input::parse_date(t)),
        };
        if reviewed_on.as_deref().is_some_and(|d| d > today) {
            p.add(
                "reviewed_on",
                "a day to come: record a review once it is done",
            );
        }
        p.into_result()?;
        Ok(ProcessingDraft {
            id,
            name,
            owner,
            purposes,
            legal_basis: legal_basis.unwrap_or(LegalBasis::Contract),
            data_categories,
            special_categories: self.special_categories,
            data_subjects,
            recipients,
            processors,
            transfers,
            retention,
            assets,
            security,
            dpia_required: self.dpia_required,
            reviewed_on,
        })
    }

    /// This input with a spreadsheet row's fields put over it, checked.
    pub fn overlay(
        mut self,
        values: &[(&'static str, String)],
        today: &str,
    ) -> Result<ProcessingDraft, Error> {
        let mut p = Problems::new();
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "name" => self.name = value,
                "owner" => self.owner = value,
                "purposes" => self.purposes = value,
                "legal_basis" => self.legal_basis = value,
                "data_categories" => self.data_categories = value,
                "special_categories" => {
                    self.special_categories = crate::domain::input::yes_no(&mut p, field, &value)
                }
                "data_subjects" => self.data_subjects = value,
                "recipients" => self.recipients = value,
                "processors" => self.processors = value,
                "transfers" => self.transfers = value,
                "retention" => self.retention = value,
                "assets" => self.assets = value,
                "security" => self.security = value,
                "dpia_required" => {
                    self.dpia_required = crate::domain::input::yes_no(&mut p, field, &value)
                }
                "reviewed_on" => self.reviewed_on = value,
                _ => {}
            }
        }
        p.and(self.parse(today))
    }
}

impl From<&Processing> for ProcessingInput {
    fn from(x: &Processing) -> ProcessingInput {
        ProcessingInput {
            id: Some(x.id.clone()),
            name: x.name.clone(),
            owner: x.owner.clone(),
            purposes: x.purposes.clone(),
            legal_basis: x.legal_basis.key().into(),
            data_categories: x.data_categories.join("\n"),
            special_categories: x.special_categories,
            data_subjects: x.data_subjects.join("\n"),
            recipients: x.recipients.join("\n"),
            processors: x.processors.join(", "),
            transfers: transfers_text(&x.transfers).join("\n"),
            retention: x.retention.clone(),
            assets: x.assets.join(", "),
            security: x.security.clone(),
            dpia_required: x.dpia_required,
            reviewed_on: x.reviewed_on.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_s_json_name_is_its_key() {
        assert!(crate::domain::words::keys_not_json(LegalBasis::ALL, LegalBasis::key).is_empty());
        assert!(crate::domain::words::keys_not_json(Safeguard::ALL, Safeguard::key).is_empty());
    }

    #[test]
    fn a_processing_needs_a_name_and_a_basis_and_its_gaps_are_named() {
        let input = ProcessingInput {
            name: "Μισθοδοσία".into(),
            legal_basis: "legal obligation".into(),
            data_categories: "name; bank account\nsalary".into(),
            transfers: "United States | standard contractual clauses\nIndia | none yet".into(),
            special_categories: true,
            ..Default::default()
        };
        let d = input.parse("2026-12-04").unwrap();
        assert_eq!(d.legal_basis, LegalBasis::LegalObligation);
        assert_eq!(d.data_categories, ["name", "bank account", "salary"]);
        assert_eq!(d.transfers[0].safeguard, Safeguard::Scc);
        let bad = ProcessingInput {
            name: " ".into(),
            legal_basis: "because".into(),
            transfers: "Mars".into(),
            ..Default::default()
        };
        let Err(Error::Validation(f)) = bad.parse("2026-12-04") else {
            panic!("a bad processing passed")
        };
        let named: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(named, ["name", "legal_basis", "transfers"]);
        let x = Processing {
            id: "PA-0001".into(),
            name: d.name,
            owner: String::new(),
            purposes: String::new(),
            legal_basis: d.legal_basis,
            data_categories: d.data_categories,
            special_categories: false,
            data_subjects: Vec::new(),
            recipients: Vec::new(),
            processors: Vec::new(),
            transfers: d.transfers,
            retention: String::new(),
            assets: Vec::new(),
            security: String::new(),
            dpia_required: false,
            reviewed_on: None,
            updated_at: String::new(),
            revision: 1,
        };
        assert_eq!(
            x.gaps(),
            [
                "no purpose is written",
                "no category of data subjects is named",
                "how long the data is kept is not said",
                "the transfer to India has no safeguard"
            ]
        );
    }
}
