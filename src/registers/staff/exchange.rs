//! The staff directory as a spreadsheet: its columns for export, and the import of an HR
//! system's export — the headers HR systems write (English, German, Czech, Greek, French),
//! matched to people by id, e-mail or staff number.

use super::domain::{Person, PersonInput};
use super::service;
use crate::domain::ImportReport;
use crate::error::Result;
use crate::exchange::Table;
use crate::exchange::import::{Field, Importer, Schema, parse_rows};
use crate::service::Ctx;

pub const PERSON_COLUMNS: [&str; 20] = [
    "id",
    "staff_number",
    "name",
    "email",
    "department",
    "manager",
    "job_title",
    "employment",
    "location",
    "started_on",
    "left_on",
    "status",
    "screening",
    "screened_on",
    "terms_version",
    "terms_signed_on",
    "nda_version",
    "nda_signed_on",
    "remote_signed_on",
    "notes",
];

/// The directory, with each person's status on `today` in words.
pub fn people_table(people: &[Person], today: &str) -> Table {
    let mut t = Table::new("Staff", &PERSON_COLUMNS, &[]);
    t.rows = people
        .iter()
        .map(|p| {
            let v = PersonInput::from(p);
            vec![
                p.id.clone(),
                v.staff_number,
                v.name,
                v.email,
                v.department,
                v.manager,
                v.job_title,
                p.employment.label().to_string(),
                v.location,
                v.started_on,
                v.left_on,
                p.status(today).label().to_string(),
                p.screening.label().to_string(),
                v.screened_on,
                v.terms_version,
                v.terms_signed_on,
                v.nda_version,
                v.nda_signed_on,
                v.remote_signed_on,
                v.notes,
            ]
        })
        .collect();
    t
}

use crate::exchange::import::field as f;

const PERSON_FIELDS: &[Field] = &[
    f("id", "id", &["id", "personid", "annexid"]),
    f(
        "staff_number",
        "staff number",
        &[
            "staffnumber",
            "employeeid",
            "employeenumber",
            "employeeno",
            "personnelnumber",
            "workerid",
            "hrid",
            "personalnummer",
            "osobnicislo",
            "matricule",
            "αριθμόςμητρώου",
            "αμ",
        ],
    ),
    f(
        "name",
        "name",
        &[
            "name",
            "fullname",
            "employeename",
            "displayname",
            "person",
            "staff",
            "employee",
            "worker",
            "jméno",
            "jmenoaprijmeni",
            "jménoapříjmení",
            "nom",
            "ονοματεπώνυμο",
            "όνομα",
        ],
    ),
    f(
        "email",
        "email",
        &[
            "email",
            "emailaddress",
            "workemail",
            "mail",
            "businessemail",
            "emailadresse",
            "courriel",
        ],
    ),
    f(
        "department",
        "department",
        &[
            "department",
            "dept",
            "team",
            "division",
            "businessunit",
            "orgunit",
            "abteilung",
            "oddělení",
            "oddeleni",
            "τμήμα",
            "service",
        ],
    ),
    f(
        "manager",
        "manager",
        &[
            "manager",
            "manageremail",
            "linemanager",
            "reportsto",
            "supervisor",
            "vorgesetzter",
            "nadřízený",
            "προϊστάμενος",
        ],
    ),
    f(
        "job_title",
        "job title",
        &[
            "jobtitle", "title", "role", "position", "jobrole", "stelle", "funktion", "pozice",
            "θέση", "poste",
        ],
    ),
    f(
        "employment",
        "employment",
        &[
            "employment",
            "employmenttype",
            "workertype",
            "contracttype",
            "type",
            "beschäftigungsart",
            "typúvazku",
        ],
    ),
    f(
        "location",
        "location",
        &[
            "location",
            "office",
            "site",
            "standort",
            "místo",
            "τοποθεσία",
        ],
    ),
    f(
        "started_on",
        "started on",
        &[
            "startedon",
            "startdate",
            "hiredate",
            "joiningdate",
            "datejoined",
            "eintrittsdatum",
            "nástup",
            "datumnástupu",
            "ημερομηνίαπρόσληψης",
        ],
    ),
    f(
        "left_on",
        "left on",
        &[
            "lefton",
            "enddate",
            "leavingdate",
            "terminationdate",
            "lastday",
            "lastworkingday",
            "austrittsdatum",
            "ukončení",
            "datumukončení",
            "ημερομηνίααποχώρησης",
        ],
    ),
    f(
        "screening",
        "screening",
        &["screening", "screeninglevel", "backgroundcheck", "vetting"],
    ),
    f(
        "screened_on",
        "screened on",
        &[
            "screenedon",
            "screeningdate",
            "backgroundcheckdate",
            "vettedon",
        ],
    ),
    f(
        "terms_version",
        "terms version",
        &["termsversion", "contractversion", "termsofemployment"],
    ),
    f(
        "terms_signed_on",
        "terms signed on",
        &["termssignedon", "contractsignedon", "contractsigned"],
    ),
    f("nda_version", "NDA version", &["ndaversion", "nda"]),
    f(
        "nda_signed_on",
        "NDA signed on",
        &["ndasignedon", "ndasigned", "ndadate"],
    ),
    f(
        "remote_signed_on",
        "remote working signed on",
        &[
            "remotesignedon",
            "remoteworkingagreement",
            "remoteagreement",
            "homeofficeagreement",
        ],
    ),
    f(
        "notes",
        "notes",
        &["notes", "comments", "remarks", "bemerkungen", "poznámky"],
    ),
];

pub const PERSON_SCHEMA: Schema = Schema {
    fields: PERSON_FIELDS,
    derived: &[&["status"]],
    required: "name",
    what: "the staff directory",
    noun: "person",
    split_header: false,
};

pub fn person_input(values: impl Iterator<Item = (&'static str, String)>) -> PersonInput {
    let mut v = PersonInput::default();
    for (field, value) in values {
        match field {
            "id" => v.id = Some(value),
            "staff_number" => v.staff_number = value,
            "name" => v.name = value,
            "email" => v.email = value,
            "department" => v.department = value,
            "manager" => v.manager = value,
            "job_title" => v.job_title = value,
            "employment" => v.employment = value,
            "location" => v.location = value,
            "started_on" => v.started_on = value,
            "left_on" => v.left_on = value,
            "screening" => v.screening = value,
            "screened_on" => v.screened_on = value,
            "terms_version" => v.terms_version = value,
            "terms_signed_on" => v.terms_signed_on = value,
            "nda_version" => v.nda_version = value,
            "nda_signed_on" => v.nda_signed_on = value,
            "remote_signed_on" => v.remote_signed_on = value,
            "notes" => v.notes = value,
            _ => {}
        }
    }
    v
}

/// Imports HR exports into the staff directory.
pub struct PersonImport;

impl Importer for PersonImport {
    fn key(&self) -> &'static str {
        "people"
    }

    fn title(&self) -> &'static str {
        "Staff"
    }

    fn hints(&self) -> &'static str {
        "One row per person, with at least a name — an HR system's export as it comes. A row updates the person with the same id, e-mail or staff number, and adds anyone new. Annex also reads department, manager (e-mail), job title, employment type, location, start and end dates, screening, terms, NDA and remote-working agreement. Tick \"the whole staff\" to record everyone the file leaves out as having left."
    }

    fn schema(&self) -> &'static Schema {
        &PERSON_SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            // An HR export rarely has every column: what it lacks keeps its stored value.
            let present: Vec<Vec<&'static str>> = rows
                .iter()
                .map(|(_, values)| values.iter().map(|(f, _)| *f).collect())
                .collect();
            let drafts = parse_rows(rows, |values| person_input(values.into_iter()).parse())?;
            service::import(ctx, drafts, present, how).await
        })
    }
}
