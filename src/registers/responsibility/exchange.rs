//! Roles as a table (CSV, XLSX) and their import; the ownership view as a table.

use super::domain::{IsmsRole, Ownership};
use crate::exchange::Table;
use crate::exchange::import::field as f;

const COLUMNS: [&str; 6] = [
    "id",
    "name",
    "kind",
    "responsibilities",
    "authority",
    "holders",
];

/// The roles: one row each.
pub fn roles_table(items: &[IsmsRole]) -> Table {
    let mut t = Table::new("Roles", &COLUMNS, &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.name.clone(),
                x.kind.label().to_string(),
                x.responsibilities.clone(),
                x.authority.clone(),
                x.holders.join(", "),
            ]
        })
        .collect();
    t
}

/// Who owns what: one row per person.
pub fn ownership_table(o: &Ownership) -> Table {
    let mut t = Table::new(
        "Ownership",
        &["email", "name", "known", "roles", "owns", "notes"],
        &[],
    );
    t.rows = o
        .people
        .iter()
        .map(|p| {
            vec![
                p.email.clone(),
                p.name.clone(),
                p.known.label().to_string(),
                p.roles
                    .iter()
                    .map(|(id, name)| format!("{id} {name}"))
                    .collect::<Vec<_>>()
                    .join("; "),
                p.owns
                    .iter()
                    .map(|o| o.what.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                p.notes.join("; "),
            ]
        })
        .collect();
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "roleid", "ref", "no"]),
    f(
        "name",
        "name",
        &[
            "name", "role", "rolename", "title", "rolle", "rôle", "función",
        ],
    ),
    f(
        "kind",
        "kind",
        &[
            "kind",
            "type",
            "category",
            "roletype",
            "typ",
            "rollentyp",
            "druh",
        ],
    ),
    f(
        "responsibilities",
        "responsibilities",
        &[
            "responsibilities",
            "responsibility",
            "duties",
            "tasks",
            "verantwortung",
            "aufgaben",
            "responsabilités",
        ],
    ),
    f(
        "authority",
        "authority",
        &[
            "authority",
            "authorities",
            "decides",
            "befugnisse",
            "powers",
        ],
    ),
    f(
        "holders",
        "holders",
        &[
            "holders",
            "holder",
            "assignedto",
            "people",
            "person",
            "email",
            "inhaber",
            "titulaire",
        ],
    ),
];

/// Imports roles: one row per role.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[],
    required: "name",
    what: "the roles of the ISMS",
    noun: "role",
    split_header: false,
};

/// Imports ISMS roles.
pub struct RoleImport;

impl crate::exchange::import::Importer for RoleImport {
    fn key(&self) -> &'static str {
        "roles"
    }

    fn title(&self) -> &'static str {
        "Roles and responsibilities"
    }

    fn hints(&self) -> &'static str {
        "One row per role, with at least a name. Annex also reads id, kind (top management, ISMS manager, risk owner, control owner, asset owner, internal auditor, incident manager, data protection officer, other), responsibilities, authority and holders (e-mail addresses, comma-separated). A row whose id is a role of Annex updates only the columns the file has."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<crate::exchange::import::Row>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(async move { super::service::import(ctx, rows, how.dry_run, how.upload).await })
    }
}
