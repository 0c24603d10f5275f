//! Roles and responsibilities of the ISMS (27001 5.3): the roles the organisation gives
//! people — top management, the ISMS manager, risk, control and asset owners, internal
//! auditors — with what each is responsible for and may decide, and who holds them; and the
//! ownership view derived from every register: who owns what, and where a role and the records
//! owned do not match.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// What a role is, so that Annex can compare it with what its holders own.
    RoleKind,
    "a kind of ISMS role",
    [
        (TopManagement, "top_management", "top management"),
        (IsmsManager, "isms_manager", "ISMS manager"),
        (RiskOwner, "risk_owner", "risk owner"),
        (ControlOwner, "control_owner", "control owner"),
        (AssetOwner, "asset_owner", "asset owner"),
        (InternalAuditor, "internal_auditor", "internal auditor"),
        (IncidentManager, "incident_manager", "incident manager"),
        (DataProtection, "data_protection", "data protection officer"),
        (Other, "other", "other"),
    ]
);

impl RoleKind {
    /// The roles every ISMS needs someone in (5.1, 5.3, 9.2).
    pub const REQUIRED: [RoleKind; 3] = [
        RoleKind::TopManagement,
        RoleKind::IsmsManager,
        RoleKind::InternalAuditor,
    ];

    /// The register whose records a holder of this role is expected to own (its key in
    /// [`OWNED`]), if any.
    pub fn owns(self) -> Option<&'static str> {
        match self {
            RoleKind::RiskOwner => Some("risk"),
            RoleKind::ControlOwner => Some("control"),
            RoleKind::AssetOwner => Some("asset"),
            RoleKind::IncidentManager => Some("incident"),
            _ => None,
        }
    }
}

/// The registers whose records have an owner: (key, one, many, the list to open, whether the
/// list filters by owner).
pub const OWNED: [(&str, &str, &str, &str, bool); 15] = [
    ("asset", "asset", "assets", "/assets", true),
    ("risk", "risk", "risks", "/risks", true),
    ("measure", "measure", "measures", "/measures", true),
    ("control", "control", "controls", "/soa", false),
    ("document", "document", "documents", "/documents", false),
    (
        "process",
        "business process",
        "business processes",
        "/continuity",
        false,
    ),
    (
        "incident",
        "open incident",
        "open incidents",
        "/incidents",
        false,
    ),
    ("supplier", "supplier", "suppliers", "/suppliers", false),
    (
        "obligation",
        "obligation",
        "obligations",
        "/obligations",
        false,
    ),
    (
        "processing",
        "processing activity",
        "processing activities",
        "/processing",
        false,
    ),
    (
        "party",
        "interested party",
        "interested parties",
        "/parties",
        false,
    ),
    (
        "context_issue",
        "issue of the context",
        "issues of the context",
        "/context",
        false,
    ),
    (
        "programme",
        "audit programme",
        "audit programmes",
        "/internal-audits",
        false,
    ),
    (
        "finding",
        "open finding",
        "open findings",
        "/findings",
        true,
    ),
    ("role", "ISMS role", "ISMS roles", "/roles", false),
];

fn owned(key: &str) -> (&'static str, &'static str, &'static str, bool) {
    OWNED
        .iter()
        .find(|o| o.0 == key)
        .map(|o| (o.1, o.2, o.3, o.4))
        .unwrap_or(("record", "records", "/", false))
}

/// An ISMS role as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IsmsRole {
    pub id: String,
    pub name: String,
    pub kind: RoleKind,
    /// What the role is responsible for.
    pub responsibilities: String,
    /// What it may decide.
    pub authority: String,
    /// Who holds it (e-mail addresses).
    pub holders: Vec<String>,
    pub updated_at: String,
    pub revision: i64,
}

/// A role as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RoleInput {
    /// Its id (RL-0001 … when absent); an import keeps the ids of its file.
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// top_management, isms_manager, risk_owner, control_owner, asset_owner,
    /// internal_auditor, incident_manager, data_protection or other.
    pub kind: String,
    #[schema(max_length = 5000)]
    pub responsibilities: String,
    #[schema(max_length = 5000)]
    pub authority: String,
    /// E-mail addresses, a list or comma-separated.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub holders: String,
}

/// A checked role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDraft {
    pub id: Option<String>,
    pub name: String,
    pub kind: RoleKind,
    pub responsibilities: String,
    pub authority: String,
    pub holders: Vec<String>,
}

impl RoleInput {
    pub fn parse(&self) -> Result<RoleDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let name = bounded(&mut p, "name", &self.name, 200);
        if name.is_empty() {
            p.add(
                "name",
                "name the role (e.g. ISMS manager, Owner of the HR risks)",
            );
        }
        let kind = match self.kind.trim() {
            "" => RoleKind::Other,
            raw => p
                .take("kind", RoleKind::parse(raw))
                .unwrap_or(RoleKind::Other),
        };
        let responsibilities = bounded(&mut p, "responsibilities", &self.responsibilities, 5000);
        let authority = bounded(&mut p, "authority", &self.authority, 5000);
        let holders = crate::domain::input::emails(&mut p, "holders", &self.holders, 200);
        p.into_result()?;
        Ok(RoleDraft {
            id,
            name,
            kind,
            responsibilities,
            authority,
            holders,
        })
    }

    /// This input with a spreadsheet row's fields put over it, checked.
    pub fn overlay(mut self, values: &[(&'static str, String)]) -> Result<RoleDraft, Error> {
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "name" => self.name = value,
                "kind" => self.kind = value,
                "responsibilities" => self.responsibilities = value,
                "authority" => self.authority = value,
                "holders" => self.holders = value,
                _ => {}
            }
        }
        self.parse()
    }
}

impl From<&IsmsRole> for RoleInput {
    fn from(x: &IsmsRole) -> RoleInput {
        RoleInput {
            id: Some(x.id.clone()),
            name: x.name.clone(),
            kind: x.kind.key().into(),
            responsibilities: x.responsibilities.clone(),
            authority: x.authority.clone(),
            holders: x.holders.join(", "),
        }
    }
}

/// Whether Annex knows a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Known {
    /// In the staff directory or a user of Annex.
    Present,
    /// In the staff directory with a leaving day passed, or a disabled user only.
    Left,
    /// Neither in the staff directory nor a user.
    Unknown,
}

impl Known {
    pub fn label(self) -> &'static str {
        match self {
            Known::Present => "present",
            Known::Left => "has left",
            Known::Unknown => "not in the staff directory or among the users",
        }
    }
}

/// What one person owns in one register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Owned {
    /// The register's key (`asset`, `risk`, …).
    pub register: String,
    pub count: i64,
    /// In words: "12 risks".
    pub what: String,
    /// The list to open.
    pub href: String,
}

/// One person's roles and what they own, with what does not match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PersonLoad {
    pub email: String,
    pub name: String,
    pub known: Known,
    /// The ids and names of the roles they hold.
    pub roles: Vec<(String, String)>,
    pub owns: Vec<Owned>,
    /// What does not match, in words.
    pub notes: Vec<String>,
}

/// Who owns what across the registers, and what no one owns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Ownership {
    pub people: Vec<PersonLoad>,
    /// Records without an owner, per register.
    pub unowned: Vec<Owned>,
    /// The roles every ISMS needs that no one holds (their labels).
    pub required_missing: Vec<String>,
    /// Roles without a holder or without responsibilities written (ids).
    pub roles_unheld: Vec<String>,
    pub roles_undescribed: Vec<String>,
    /// How many ISMS roles are defined.
    pub roles: i64,
}

/// What the ownership view is computed from.
pub struct OwnershipFacts<'a> {
    pub roles: &'a [IsmsRole],
    /// (owner e-mail in lower case, register key, count); the owner empty for unowned.
    pub counts: &'a [(String, String, i64)],
    /// E-mail → (name, known).
    pub people: &'a std::collections::HashMap<String, (String, Known)>,
}

fn owned_of(register: &str, count: i64, owner: Option<&str>) -> Owned {
    let (one, many, href, filters) = owned(register);
    Owned {
        register: register.to_string(),
        count,
        what: crate::domain::words::count(count as usize, one, many),
        href: match owner {
            Some(o) if filters => format!("{href}?owner={}", crate::domain::query::encode(o)),
            _ => href.to_string(),
        },
    }
}

/// The ownership view: each person who holds a role or owns a record, by name; the records
/// no one owns; the required roles no one holds.
pub fn ownership(f: &OwnershipFacts) -> Ownership {
    use std::collections::BTreeMap;
    let mut by_person: BTreeMap<String, PersonLoad> = BTreeMap::new();
    let entry = |email: &str| -> PersonLoad {
        let (name, known) = f
            .people
            .get(email)
            .cloned()
            .unwrap_or_else(|| (String::new(), Known::Unknown));
        PersonLoad {
            email: email.to_string(),
            name,
            known,
            roles: Vec::new(),
            owns: Vec::new(),
            notes: Vec::new(),
        }
    };
    let mut unowned = Vec::new();
    for (owner, register, count) in f.counts {
        if *count <= 0 {
            continue;
        }
        if owner.is_empty() {
            unowned.push(owned_of(register, *count, None));
            continue;
        }
        by_person
            .entry(owner.clone())
            .or_insert_with(|| entry(owner))
            .owns
            .push(owned_of(register, *count, Some(owner)));
    }
    for r in f.roles {
        for h in &r.holders {
            by_person
                .entry(h.clone())
                .or_insert_with(|| entry(h))
                .roles
                .push((r.id.clone(), r.name.clone()));
        }
    }
    let kinds_of = |email: &str| -> Vec<RoleKind> {
        f.roles
            .iter()
            .filter(|r| r.holders.iter().any(|h| h == email))
            .map(|r| r.kind)
            .collect()
    };
    let kinds_in_use: Vec<RoleKind> = f.roles.iter().map(|r| r.kind).collect();
    for p in by_person.values_mut() {
        let held = kinds_of(&p.email);
        let total: i64 = p.owns.iter().map(|o| o.count).sum();
        match p.known {
            Known::Left if total > 0 || !p.roles.is_empty() => p.notes.push(format!(
                "has left, yet {}{}",
                if total > 0 {
                    format!(
                        "owns {}",
                        crate::domain::words::count(total as usize, "record", "records")
                    )
                } else {
                    String::new()
                },
                if p.roles.is_empty() {
                    String::new()
                } else {
                    format!(
                        "{}holds {}",
                        if total > 0 { " and " } else { "" },
                        crate::domain::words::count(p.roles.len(), "role", "roles")
                    )
                }
            )),
            Known::Unknown => p.notes.push(
                "is neither in the staff directory nor a user of Annex: check the address".into(),
            ),
            _ => {}
        }
        if p.known == Known::Left {
            // What they own is to be handed over, whatever their roles were.
            continue;
        }
        for kind in &held {
            if let Some(reg) = kind.owns()
                && !p.owns.iter().any(|o| o.register == reg)
            {
                p.notes.push(format!(
                    "holds the {} role but owns no {}",
                    kind.label(),
                    owned(reg).0
                ));
            }
        }
        for o in &p.owns {
            if let Some(kind) = RoleKind::ALL
                .iter()
                .find(|k| k.owns() == Some(o.register.as_str()))
                && kinds_in_use.contains(kind)
                && !held.contains(kind)
            {
                p.notes.push(format!(
                    "owns {} but does not hold a {} role",
                    o.what,
                    kind.label()
                ));
            }
        }
    }
    let mut people: Vec<PersonLoad> = by_person.into_values().collect();
    people.sort_by(|a, b| {
        let key = |p: &PersonLoad| {
            if p.name.is_empty() {
                p.email.to_lowercase()
            } else {
                p.name.to_lowercase()
            }
        };
        key(a).cmp(&key(b)).then_with(|| a.email.cmp(&b.email))
    });
    Ownership {
        roles: f.roles.len() as i64,
        people,
        unowned,
        required_missing: RoleKind::REQUIRED
            .iter()
            .filter(|k| {
                !f.roles
                    .iter()
                    .any(|r| r.kind == **k && !r.holders.is_empty())
            })
            .map(|k| k.label().to_string())
            .collect(),
        roles_unheld: f
            .roles
            .iter()
            .filter(|r| r.holders.is_empty())
            .map(|r| r.id.clone())
            .collect(),
        roles_undescribed: f
            .roles
            .iter()
            .filter(|r| r.responsibilities.trim().is_empty())
            .map(|r| r.id.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn role(id: &str, kind: RoleKind, holders: &[&str]) -> IsmsRole {
        IsmsRole {
            id: id.into(),
            name: kind.label().into(),
            kind,
            responsibilities: "x".into(),
            authority: String::new(),
            holders: holders.iter().map(|h| h.to_string()).collect(),
            updated_at: String::new(),
            revision: 1,
        }
    }

    #[test]
    fn a_role_reads_its_holders_as_addresses_and_names_each_problem() {
        let d = RoleInput {
            name: "Vlastník rizik".into(),
            kind: "Risk owner".into(),
            holders: "Jana@Example.cz; petr@example.cz, jana@example.cz".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(d.kind, RoleKind::RiskOwner);
        assert_eq!(d.holders, ["jana@example.cz", "petr@example.cz"]);
        let Err(Error::Validation(p)) = RoleInput {
            name: " ".into(),
            kind: "boss".into(),
            holders: "jana, a b@c".into(),
            ..Default::default()
        }
        .parse() else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "kind", "holders", "holders"], "{p:?}");
    }

    #[test]
    fn ownership_names_mismatches_leavers_unknowns_and_missing_roles() {
        let roles = [
            role("RL-1", RoleKind::RiskOwner, &["ana@x.org"]),
            role("RL-2", RoleKind::IsmsManager, &["ana@x.org"]),
            role("RL-3", RoleKind::InternalAuditor, &[]),
        ];
        let counts = [
            ("bo@x.org".to_string(), "risk".to_string(), 3),
            ("ana@x.org".to_string(), "asset".to_string(), 2),
            ("gone@x.org".to_string(), "document".to_string(), 1),
            ("who@x.org".to_string(), "supplier".to_string(), 1),
            (String::new(), "risk".to_string(), 4),
        ];
        let mut people = HashMap::new();
        people.insert("ana@x.org".to_string(), ("Ana".to_string(), Known::Present));
        people.insert("bo@x.org".to_string(), ("Bo".to_string(), Known::Present));
        people.insert("gone@x.org".to_string(), ("Gus".to_string(), Known::Left));
        let o = ownership(&OwnershipFacts {
            roles: &roles,
            counts: &counts,
            people: &people,
        });
        let names: Vec<&str> = o.people.iter().map(|p| p.email.as_str()).collect();
        assert_eq!(names, ["ana@x.org", "bo@x.org", "gone@x.org", "who@x.org"]);
        assert_eq!(
            o.people[0].notes,
            ["holds the risk owner role but owns no risk"]
        );
        assert_eq!(
            o.people[1].notes,
            ["owns 3 risks but does not hold a risk owner role"]
        );
        assert_eq!(o.people[1].owns[0].href, "/risks?owner=bo%40x.org");
        assert_eq!(o.people[2].notes, ["has left, yet owns 1 record"]);
        assert!(o.people[3].notes[0].contains("neither in the staff directory"));
        assert_eq!(o.unowned[0].what, "4 risks");
        assert_eq!(o.required_missing, ["top management", "internal auditor"]);
        assert_eq!(o.roles_unheld, ["RL-3"]);
    }
}
