//! Interested parties (27001 4.2): who has a stake in the ISMS, what they need and expect of
//! it, whether the ISMS addresses it, and the obligations (laws, regulations, contracts) in
//! which their requirements are written.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// What kind of interested party.
    PartyKind,
    "a kind of interested party",
    [
        (Customers, "customers", "customers"),
        (Staff, "staff", "staff"),
        (Regulators, "regulators", "regulators and authorities"),
        (Suppliers, "suppliers", "suppliers and partners"),
        (Owners, "owners", "owners and investors"),
        (Insurers, "insurers", "insurers"),
        (Community, "community", "the public and the community"),
        (Other, "other", "other"),
    ]
);

/// An interested party as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub kind: PartyKind,
    /// What they need and expect of the organisation's information security.
    pub needs: String,
    /// Whether the ISMS addresses those needs (4.2 c).
    pub addressed: bool,
    /// The obligations their requirements are written in (ids).
    pub obligations: Vec<String>,
    pub owner: String,
    pub reviewed_on: Option<String>,
    pub updated_at: String,
    pub revision: i64,
}

/// An interested party as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PartyInput {
    /// Its id (IP-0001 … when absent); an import keeps the ids of its file.
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// customers, staff, regulators, suppliers, owners, insurers, community or other.
    pub kind: String,
    #[schema(max_length = 5000)]
    pub needs: String,
    pub addressed: bool,
    /// Obligation ids, a list or comma-separated.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub obligations: String,
    #[schema(max_length = 200)]
    pub owner: String,
    /// `YYYY-MM-DD` of the last review, or empty.
    pub reviewed_on: String,
}

/// A checked interested party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyDraft {
    pub id: Option<String>,
    pub name: String,
    pub kind: PartyKind,
    pub needs: String,
    pub addressed: bool,
    pub obligations: Vec<String>,
    pub owner: String,
    pub reviewed_on: Option<String>,
}

impl PartyInput {
    /// Checks the party; `today` bounds its last review.
    pub fn parse(&self, today: &str) -> Result<PartyDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let name = bounded(&mut p, "name", &self.name, 200);
        if name.is_empty() {
            p.add(
                "name",
                "name the party (e.g. Customers, the data protection authority)",
            );
        }
        let kind = match self.kind.trim() {
            "" => PartyKind::Other,
            raw => p
                .take("kind", PartyKind::parse(raw))
                .unwrap_or(PartyKind::Other),
        };
        let needs = bounded(&mut p, "needs", &self.needs, 5000);
        let obligations =
            crate::domain::input::ids(&mut p, "obligations", &self.obligations, "an obligation");
        let owner = bounded(&mut p, "owner", &self.owner, 200).to_lowercase();
        if !owner.is_empty() && !owner.contains('@') {
            p.add("owner", format!("'{owner}' is not an e-mail address"));
        }
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
        Ok(PartyDraft {
            id,
            name,
            kind,
            needs,
            addressed: self.addressed,
            obligations,
            owner,
            reviewed_on,
        })
    }

    /// This input with a spreadsheet row's fields put over it, checked.
    pub fn overlay(
        mut self,
        values: &[(&'static str, String)],
        today: &str,
    ) -> Result<PartyDraft, Error> {
        let mut p = Problems::new();
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "name" => self.name = value,
                "kind" => self.kind = value,
                "needs" => self.needs = value,
                "addressed" => self.addressed = crate::domain::input::yes_no(&mut p, field, &value),
                "obligations" => self.obligations = value,
                "owner" => self.owner = value,
                "reviewed_on" => self.reviewed_on = value,
                _ => {}
            }
        }
        p.and(self.parse(today))
    }
}

impl From<&Party> for PartyInput {
    fn from(x: &Party) -> PartyInput {
        PartyInput {
            id: Some(x.id.clone()),
            name: x.name.clone(),
            kind: x.kind.key().into(),
            needs: x.needs.clone(),
            addressed: x.addressed,
            obligations: x.obligations.join(", "),
            owner: x.owner.clone(),
            reviewed_on: x.reviewed_on.clone().unwrap_or_default(),
        }
    }
}
