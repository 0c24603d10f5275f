//! Onboarding and offboarding checklists (27002 6.5, 5.11, 5.18): when someone starts or
//! leaves, Annex makes a checklist from the template for their employment type — accounts,
//! assets, access, the NDA — each step with an owner and a due date counted from their first
//! or last day. A leaver's checklist gains a step for every asset they still own or hold.
//! The templates Annex starts with are written here, in our own words; an organisation
//! replaces them on the checklists' page.

use super::domain::Employment;
use crate::domain::input::days_after;
use crate::domain::words::words_enum;
use crate::error::{Error, Problems};
use serde::Serialize;

words_enum!(
    /// Which checklist.
    ChecklistKind,
    "a kind of checklist",
    [
        (Onboarding, "onboarding", "onboarding"),
        (Offboarding, "offboarding", "offboarding"),
    ]
);

/// A step as a template gives it: what to do, who does it and how many days after the first
/// (onboarding) or the last (offboarding) day it is due; negative days are before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TemplateStep {
    pub title: String,
    /// An e-mail, `manager` (the person's manager) or `person` (the person).
    pub owner: String,
    pub days: i64,
}

/// Who does a step when the template names a part rather than an e-mail.
pub const OWNER_MANAGER: &str = "manager";
pub const OWNER_PERSON: &str = "person";

const fn step(
    days: i64,
    owner: &'static str,
    title: &'static str,
) -> (i64, &'static str, &'static str) {
    (days, owner, title)
}

const ONBOARDING: &[(i64, &str, &str)] = &[
    step(
        -5,
        OWNER_MANAGER,
        "Confirm the screening required for the role is complete",
    ),
    step(
        -3,
        OWNER_MANAGER,
        "Have the terms of employment and the NDA signed",
    ),
    step(
        0,
        OWNER_MANAGER,
        "Create the accounts the role needs, and no others",
    ),
    step(
        0,
        OWNER_MANAGER,
        "Hand out the equipment and record it in the asset register",
    ),
    step(
        1,
        OWNER_PERSON,
        "Read and acknowledge the information security policy",
    ),
    step(
        7,
        OWNER_PERSON,
        "Complete the security awareness introduction",
    ),
    step(
        30,
        OWNER_MANAGER,
        "Review the access granted against what the role needs",
    ),
];

const ONBOARDING_CONTRACTOR: &[(i64, &str, &str)] = &[
    step(
        -5,
        OWNER_MANAGER,
        "Check the contract's security and confidentiality clauses",
    ),
    step(-3, OWNER_MANAGER, "Have the NDA signed"),
    step(
        0,
        OWNER_MANAGER,
        "Create time-limited accounts ending with the contract",
    ),
    step(
        0,
        OWNER_MANAGER,
        "Record any equipment lent in the asset register",
    ),
    step(
        1,
        OWNER_PERSON,
        "Read and acknowledge the acceptable use policy",
    ),
    step(
        14,
        OWNER_MANAGER,
        "Review the access granted against the work agreed",
    ),
];

const OFFBOARDING: &[(i64, &str, &str)] = &[
    step(
        -5,
        OWNER_MANAGER,
        "Agree the handover of work and of the information the person keeps",
    ),
    step(
        -1,
        OWNER_PERSON,
        "Remind the person of the confidentiality duties that continue after leaving",
    ),
    step(
        0,
        OWNER_MANAGER,
        "Disable every account, remote access and token on the last day",
    ),
    step(0, OWNER_MANAGER, "Collect badges, keys and cards"),
    step(
        1,
        OWNER_MANAGER,
        "Change the shared secrets the person knew",
    ),
    step(
        7,
        OWNER_MANAGER,
        "Review that no access remains, in every system",
    ),
];

/// The steps Annex starts with for a kind of checklist and an employment type.
pub fn default_template(kind: ChecklistKind, employment: Employment) -> Vec<TemplateStep> {
    let steps = match (kind, employment) {
        (ChecklistKind::Onboarding, Employment::Contractor) => ONBOARDING_CONTRACTOR,
        (ChecklistKind::Onboarding, _) => ONBOARDING,
        (ChecklistKind::Offboarding, _) => OFFBOARDING,
    };
    steps
        .iter()
        .map(|(days, owner, title)| TemplateStep {
            title: title.to_string(),
            owner: owner.to_string(),
            days: *days,
        })
        .collect()
}

/// A template as one line per step: `days | owner | what to do`.
pub fn template_text(steps: &[TemplateStep]) -> String {
    steps
        .iter()
        .map(|s| format!("{} | {} | {}", s.days, s.owner, s.title))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The most steps a template holds.
pub const MAX_TEMPLATE_STEPS: usize = 50;

/// Reads a template written one step per line (`days | owner | what to do`); every bad line
/// is named by its number.
pub fn parse_template(field: &str, text: &str) -> Result<Vec<TemplateStep>, Error> {
    let mut p = Problems::new();
    let mut steps = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
        let [days, owner, title] = parts[..] else {
            p.add(
                field,
                format!("line {n}: write 'days | owner | what to do', e.g. '0 | manager | Create the accounts'"),
            );
            continue;
        };
        let days = match days.parse::<i64>() {
            Ok(d) if (-365..=365).contains(&d) => d,
            _ => {
                p.add(
                    field,
                    format!("line {n}: '{days}' is not a number of days from -365 to 365"),
                );
                continue;
            }
        };
        let owner = owner.to_lowercase();
        if owner != OWNER_MANAGER
            && owner != OWNER_PERSON
            && crate::domain::user::Email::parse(&owner).is_err()
        {
            p.add(
                field,
                format!("line {n}: the owner '{owner}' is not an e-mail, 'manager' or 'person'"),
            );
            continue;
        }
        if title.is_empty() || title.chars().count() > 300 {
            p.add(
                field,
                format!("line {n}: say what to do in 1 to 300 characters"),
            );
            continue;
        }
        steps.push(TemplateStep {
            title: title.to_string(),
            owner,
            days,
        });
    }
    if steps.len() > MAX_TEMPLATE_STEPS {
        p.add(field, format!("at most {MAX_TEMPLATE_STEPS} steps"));
    }
    if steps.is_empty() && p.is_empty() {
        p.add(field, "give at least one step");
    }
    p.into_result()?;
    Ok(steps)
}

/// One step of a person's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub number: i64,
    pub title: String,
    /// The e-mail of who does it.
    pub owner: String,
    pub due_on: Option<String>,
    /// The asset to return, for a leaver's asset step.
    pub asset_id: Option<String>,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub note: String,
}

impl Step {
    pub fn overdue(&self, today: &str) -> bool {
        self.done_at.is_none() && self.due_on.as_deref().is_some_and(|d| d < today)
    }
}

/// A person's onboarding or offboarding checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    pub id: String,
    pub person_id: String,
    pub kind: ChecklistKind,
    pub created_at: String,
    pub created_by: String,
    pub steps: Vec<Step>,
    pub revision: i64,
}

impl Checklist {
    pub fn open_steps(&self) -> usize {
        self.steps.iter().filter(|s| s.done_at.is_none()).count()
    }
}

/// A step about to be written: its owner resolved to an e-mail, its due date counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    pub title: String,
    pub owner: String,
    pub due_on: Option<String>,
    pub asset_id: Option<String>,
}

/// The steps of a new checklist for a person: the template's, owners resolved (`manager` to
/// the person's manager, `person` to the person; empty when they have none), due dates counted
/// from `day` (the first or the last day).
pub fn instantiate(
    template: &[TemplateStep],
    day: Option<&str>,
    email: &str,
    manager: &str,
) -> Vec<NewStep> {
    template
        .iter()
        .map(|t| NewStep {
            title: t.title.clone(),
            owner: match t.owner.as_str() {
                OWNER_MANAGER => manager.to_string(),
                OWNER_PERSON => email.to_string(),
                other => other.to_string(),
            },
            due_on: day.and_then(|d| days_after(d, t.days)),
            asset_id: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_template_reads_back_from_its_text() {
        for kind in ChecklistKind::ALL {
            for employment in Employment::ALL {
                let steps = default_template(*kind, *employment);
                assert!(!steps.is_empty());
                assert_eq!(
                    parse_template("steps", &template_text(&steps)).unwrap(),
                    steps
                );
            }
        }
    }

    #[test]
    fn bad_template_lines_are_named_by_number() {
        let e = parse_template(
            "steps",
            "0 | manager | Create accounts\nsoon | manager | Hand out a laptop\n\n2 | nobody | Ask\n3 | it@example.org",
        )
        .unwrap_err();
        let messages: Vec<String> = e.fields().iter().map(|f| f.message.clone()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("line 2:"), "{messages:?}");
        assert!(messages[1].starts_with("line 4:"), "{messages:?}");
        assert!(messages[2].starts_with("line 5:"), "{messages:?}");
    }

    #[test]
    fn steps_are_owned_and_dated_from_the_day() {
        let steps = instantiate(
            &default_template(ChecklistKind::Offboarding, Employment::Employee),
            Some("2026-12-31"),
            "leaver@example.org",
            "boss@example.org",
        );
        assert_eq!(steps[0].owner, "boss@example.org");
        assert_eq!(steps[0].due_on.as_deref(), Some("2026-12-26"));
        assert_eq!(steps[1].owner, "leaver@example.org");
        assert_eq!(steps[4].due_on.as_deref(), Some("2027-01-01"));
        assert_eq!(
            crate::domain::input::days_after("2026-12-31", i64::MAX),
            None
        );
    }
}
