//! The staff directory (27002 6.1–6.7): everyone who works for the organisation — most never
//! sign in — with their department, manager, employment type and dates, their screening for
//! the role (6.1), the terms and NDA they signed (6.2, 6.6) and their remote-working agreement
//! (6.7). Whether someone is joining, here, leaving or gone follows from their dates.

use crate::domain::input::parse_date;
use crate::domain::user::Email;
use crate::domain::words::words_enum;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

words_enum!(
    /// How someone works for the organisation; each has its own checklists.
    Employment,
    "an employment type",
    [
        (Employee, "employee", "employee"),
        (Contractor, "contractor", "contractor"),
        (Intern, "intern", "intern"),
    ]
);

words_enum!(
    /// Where someone stands on a day, from their start and end dates.
    PersonStatus,
    "a staff status",
    [
        (Joining, "joining", "joining"),
        (Active, "active", "active"),
        (Leaving, "leaving", "leaving"),
        (Left, "left", "left"),
    ]
);

words_enum!(
    /// How far someone's background was checked (6.1), weakest first.
    Screening,
    "a screening level",
    [
        (None, "none", "none"),
        (Basic, "basic", "basic"),
        (Standard, "standard", "standard"),
        (Enhanced, "enhanced", "enhanced"),
    ]
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: String,
    /// The HR system's number, unique when given.
    pub staff_number: String,
    pub name: String,
    /// Lower case, unique when given.
    pub email: String,
    pub department: String,
    /// The manager's e-mail.
    pub manager: String,
    pub job_title: String,
    pub employment: Employment,
    pub location: String,
    /// `YYYY-MM-DD`
    pub started_on: Option<String>,
    /// The last working day, `YYYY-MM-DD`.
    pub left_on: Option<String>,
    pub screening: Screening,
    pub screened_on: Option<String>,
    /// The version of the terms of employment (or contract) signed.
    pub terms_version: String,
    pub terms_signed_on: Option<String>,
    pub nda_version: String,
    pub nda_signed_on: Option<String>,
    /// The remote-working agreement, when signed.
    pub remote_signed_on: Option<String>,
    pub notes: String,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every write: a writer that saw an older revision is refused (409).
    pub revision: i64,
}

impl Person {
    /// Where the person stands on `today` (`YYYY-MM-DD`).
    pub fn status(&self, today: &str) -> PersonStatus {
        status_on(self.started_on.as_deref(), self.left_on.as_deref(), today)
    }
}

/// Where someone with these dates stands on `today`: gone after their last day, leaving once
/// it is known, joining before their first.
pub fn status_on(started_on: Option<&str>, left_on: Option<&str>, today: &str) -> PersonStatus {
    match (started_on, left_on) {
        (_, Some(l)) if l < today => PersonStatus::Left,
        (Some(s), _) if s > today => PersonStatus::Joining,
        (_, Some(_)) => PersonStatus::Leaving,
        _ => PersonStatus::Active,
    }
}

/// A person as typed in a form, an API body or an HR export: every field text.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PersonInput {
    /// Given automatically (P-0001…) when empty; cannot change.
    #[schema(pattern = "^ *([A-Za-z0-9._-]{1,40})? *$")]
    pub id: Option<String>,
    #[schema(max_length = 40)]
    pub staff_number: String,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 200)]
    pub department: String,
    /// The manager's e-mail.
    #[schema(max_length = 254)]
    pub manager: String,
    #[schema(max_length = 200)]
    pub job_title: String,
    /// employee (default), contractor or intern
    pub employment: String,
    #[schema(max_length = 200)]
    pub location: String,
    /// `YYYY-MM-DD`, or empty.
    #[schema(pattern = r"^\s*$|^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$")]
    pub started_on: String,
    /// The last working day, `YYYY-MM-DD`, or empty.
    #[schema(pattern = r"^\s*$|^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$")]
    pub left_on: String,
    /// none (default), basic, standard or enhanced
    pub screening: String,
    #[schema(pattern = r"^\s*$|^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$")]
    pub screened_on: String,
    #[schema(max_length = 100)]
    pub terms_version: String,
    #[schema(pattern = r"^\s*$|^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$")]
    pub terms_signed_on: String,
    #[schema(max_length = 100)]
    pub nda_version: String,
    #[schema(pattern = r"^\s*$|^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$")]
    pub nda_signed_on: String,
    #[schema(pattern = r"^\s*$|^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$")]
    pub remote_signed_on: String,
    #[schema(max_length = 5000)]
    pub notes: String,
}

/// A checked person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonDraft {
    pub id: Option<String>,
    pub staff_number: String,
    pub name: String,
    pub email: String,
    pub department: String,
    pub manager: String,
    pub job_title: String,
    pub employment: Employment,
    pub location: String,
    pub started_on: Option<String>,
    pub left_on: Option<String>,
    pub screening: Screening,
    pub screened_on: Option<String>,
    pub terms_version: String,
    pub terms_signed_on: Option<String>,
    pub nda_version: String,
    pub nda_signed_on: Option<String>,
    pub remote_signed_on: Option<String>,
    pub notes: String,
}

fn optional_email(p: &mut Problems, field: &str, raw: &str) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return String::new();
    }
    p.take(field, Email::parse(raw).map(|e| e.as_str().to_string()))
        .unwrap_or_default()
}

fn optional_date(p: &mut Problems, field: &str, raw: &str) -> Option<String> {
    match raw.trim() {
        "" => None,
        raw => p.take(field, parse_date(raw)),
    }
}

impl PersonInput {
    pub fn parse(&self) -> Result<PersonDraft, Error> {
        let mut p = Problems::new();
        let id = match self.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => p.take(
                "id",
                crate::domain::input::parse_asset_id(raw)
                    .map_err(|e| e.replace("asset id", "person id")),
            ),
            None => None,
        };
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 200 {
            p.add("name", "give the person's name, 1 to 200 characters");
        }
        let email = optional_email(&mut p, "email", &self.email);
        let manager = optional_email(&mut p, "manager", &self.manager);
        if !email.is_empty() && email == manager {
            p.add("manager", "a person cannot be their own manager");
        }
        let employment = match self.employment.trim() {
            "" => Employment::Employee,
            raw => p
                .take("employment", Employment::parse(raw))
                .unwrap_or(Employment::Employee),
        };
        let screening = match self.screening.trim() {
            "" => Screening::None,
            raw => p
                .take("screening", Screening::parse(raw))
                .unwrap_or(Screening::None),
        };
        let started_on = optional_date(&mut p, "started_on", &self.started_on);
        let left_on = optional_date(&mut p, "left_on", &self.left_on);
        if let (Some(s), Some(l)) = (&started_on, &left_on)
            && l < s
        {
            p.add(
                "left_on",
                format!("the last day ({l}) is before the first ({s})"),
            );
        }
        let screened_on = optional_date(&mut p, "screened_on", &self.screened_on);
        if screening == Screening::None && screened_on.is_some() {
            p.add(
                "screening",
                "say which level of screening was done on that date",
            );
        }
        let terms_signed_on = optional_date(&mut p, "terms_signed_on", &self.terms_signed_on);
        let nda_signed_on = optional_date(&mut p, "nda_signed_on", &self.nda_signed_on);
        let remote_signed_on = optional_date(&mut p, "remote_signed_on", &self.remote_signed_on);
        for (field, value, max) in [
            ("staff_number", &self.staff_number, 40),
            ("department", &self.department, 200),
            ("job_title", &self.job_title, 200),
            ("location", &self.location, 200),
            ("terms_version", &self.terms_version, 100),
            ("nda_version", &self.nda_version, 100),
            ("notes", &self.notes, 5000),
        ] {
            if value.trim().chars().count() > max {
                p.add(field, format!("at most {max} characters"));
            }
        }
        if self.staff_number.trim().chars().any(char::is_control) {
            p.add("staff_number", "a staff number holds no control characters");
        }
        p.into_result()?;
        Ok(PersonDraft {
            id,
            staff_number: self.staff_number.trim().to_string(),
            name,
            email,
            department: self.department.trim().to_string(),
            manager,
            job_title: self.job_title.trim().to_string(),
            employment,
            location: self.location.trim().to_string(),
            started_on,
            left_on,
            screening,
            screened_on,
            terms_version: self.terms_version.trim().to_string(),
            terms_signed_on,
            nda_version: self.nda_version.trim().to_string(),
            nda_signed_on,
            remote_signed_on,
            notes: self.notes.trim().to_string(),
        })
    }
}

impl PersonDraft {
    /// Takes `stored`'s value for every field not in `present` (the columns a file had):
    /// an HR export without a screening column leaves the screening recorded in Annex alone.
    pub fn keep_absent(&mut self, stored: &Person, present: &[&str]) {
        let absent = |f: &str| !present.contains(&f);
        macro_rules! keep {
            ($($field:ident),+) => {$(
                if absent(stringify!($field)) {
                    self.$field = stored.$field.clone();
                }
            )+};
        }
        keep!(
            staff_number,
            name,
            email,
            department,
            manager,
            job_title,
            employment,
            location,
            started_on,
            left_on,
            screening,
            screened_on,
            terms_version,
            terms_signed_on,
            nda_version,
            nda_signed_on,
            remote_signed_on,
            notes
        );
    }
}

impl From<&Person> for PersonInput {
    fn from(p: &Person) -> PersonInput {
        let d = |v: &Option<String>| v.clone().unwrap_or_default();
        PersonInput {
            id: Some(p.id.clone()),
            staff_number: p.staff_number.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
            department: p.department.clone(),
            manager: p.manager.clone(),
            job_title: p.job_title.clone(),
            employment: p.employment.key().into(),
            location: p.location.clone(),
            started_on: d(&p.started_on),
            left_on: d(&p.left_on),
            screening: p.screening.key().into(),
            screened_on: d(&p.screened_on),
            terms_version: p.terms_version.clone(),
            terms_signed_on: d(&p.terms_signed_on),
            nda_version: p.nda_version.clone(),
            nda_signed_on: d(&p.nda_signed_on),
            remote_signed_on: d(&p.remote_signed_on),
            notes: p.notes.clone(),
        }
    }
}

/// Which people to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFilter {
    /// Where they stand on `today`.
    pub status: Option<PersonStatus>,
    pub today: String,
    pub department: Option<String>,
    pub employment: Option<Employment>,
    /// Their manager's e-mail.
    pub manager: Option<String>,
    /// Only people with an open step in a checklist.
    pub open_steps: bool,
    pub text: Option<String>,
}

/// The directory's query (ordered by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonQuery {
    pub filter: PersonFilter,
}

impl PersonQuery {
    /// The parameters the directory reads (besides `cursor` and `limit`).
    pub const PARAMS: &'static [&'static str] = &[
        "q",
        "status",
        "department",
        "employment",
        "manager",
        "open_steps",
    ];

    /// Reads `q`, `status` (as of `today`), `department`, `employment`, `manager` and
    /// `open_steps`; every malformed value is named.
    pub fn read(params: &crate::domain::query::Params, today: &str) -> Result<PersonQuery, Error> {
        let get = |k: &str| params.get(k).map(str::to_string);
        let mut p = Problems::new();
        let status = get("status").and_then(|s| p.take("status", PersonStatus::parse(&s)));
        let employment =
            get("employment").and_then(|s| p.take("employment", Employment::parse(&s)));
        let open_steps = params.flag("open_steps", &mut p);
        p.into_query_result()?;
        Ok(PersonQuery {
            filter: PersonFilter {
                status,
                today: today.to_string(),
                department: get("department"),
                employment,
                manager: get("manager").map(|m| m.to_lowercase()),
                open_steps,
                text: get("q"),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_follows_the_dates() {
        let today = "2026-12-04";
        assert_eq!(status_on(None, None, today), PersonStatus::Active);
        assert_eq!(
            status_on(Some("2027-01-04"), None, today),
            PersonStatus::Joining
        );
        assert_eq!(
            status_on(Some("2020-01-01"), Some("2026-12-04"), today),
            PersonStatus::Leaving,
            "the last day is still a working day"
        );
        assert_eq!(
            status_on(Some("2020-01-01"), Some("2026-12-03"), today),
            PersonStatus::Left
        );
    }

    #[test]
    fn bad_fields_are_named_and_emails_are_lower_case() {
        let fields = |i: PersonInput| -> Vec<String> {
            i.parse()
                .unwrap_err()
                .fields()
                .iter()
                .map(|f| f.field.clone())
                .collect()
        };
        assert_eq!(
            fields(PersonInput {
                name: " ".into(),
                email: "not-mail".into(),
                employment: "volunteer".into(),
                started_on: "2026-02-30".into(),
                screening: "thorough".into(),
                ..PersonInput::default()
            }),
            ["name", "email", "employment", "screening", "started_on"]
        );
        assert_eq!(
            fields(PersonInput {
                name: "Ζωή Παππά".into(),
                email: "zoe@example.org".into(),
                manager: "ZOE@example.org".into(),
                started_on: "2026-05-01".into(),
                left_on: "2026-04-30".into(),
                ..PersonInput::default()
            }),
            ["manager", "left_on"]
        );
        let d = PersonInput {
            name: "Jiří Novák".into(),
            email: " Jiri.Novak@Example.CZ ".into(),
            employment: "Contractor".into(),
            ..PersonInput::default()
        }
        .parse()
        .unwrap();
        assert_eq!(d.email, "jiri.novak@example.cz");
        assert_eq!(d.employment, Employment::Contractor);
        assert_eq!(d.name, "Jiří Novák");
    }
}
