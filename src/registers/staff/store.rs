//! The staff directory in the store: people (by name), created, edited and imported (matched
//! by id, e-mail or staff number), and the people whose dates say they have left.

use super::domain::{Employment, Person, PersonDraft, PersonFilter, PersonStatus, Screening};
use crate::config::Backend;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{Arg, Record, SortKey, Sql, Store, Tx, pool_query, tx_fetch_in, tx_query};
use sqlx::Row;
use std::collections::HashMap;

/// A person row (23 columns: more than sqlx's tuples hold, so read by position).
pub(crate) struct PersonRow(pub(crate) Person);

macro_rules! person_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for PersonRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let employment: String = r.try_get(7)?;
                let screening: String = r.try_get(11)?;
                Ok(PersonRow(Person {
                    id: r.try_get(0)?,
                    staff_number: r.try_get(1)?,
                    name: r.try_get(2)?,
                    email: r.try_get(3)?,
                    department: r.try_get(4)?,
                    manager: r.try_get(5)?,
                    job_title: r.try_get(6)?,
                    employment: Employment::parse(&employment).unwrap_or(Employment::Employee),
                    location: r.try_get(8)?,
                    started_on: r.try_get(9)?,
                    left_on: r.try_get(10)?,
                    screening: Screening::parse(&screening).unwrap_or(Screening::None),
                    screened_on: r.try_get(12)?,
                    terms_version: r.try_get(13)?,
                    terms_signed_on: r.try_get(14)?,
                    nda_version: r.try_get(15)?,
                    nda_signed_on: r.try_get(16)?,
                    remote_signed_on: r.try_get(17)?,
                    notes: r.try_get(18)?,
                    created_at: r.try_get(19)?,
                    updated_at: r.try_get(20)?,
                    revision: r.try_get(21)?,
                }))
            }
        }
    };
}
person_from_row!(sqlx::sqlite::SqliteRow);
person_from_row!(sqlx::postgres::PgRow);

pub(crate) const COLUMNS: &str = "p.person_id, p.staff_number, p.name, p.email, p.department, p.manager, \
     p.job_title, p.employment, p.location, p.started_on, p.left_on, p.screening_level, p.screened_on, \
     p.terms_version, p.terms_signed_on, p.nda_version, p.nda_signed_on, p.remote_signed_on, p.notes, \
     p.created_at, p.updated_at, p.revision";

const KEYS: &[SortKey] = &[SortKey::Text("p.name"), SortKey::Text("p.person_id")];

fn where_filter(sql: &mut Sql, f: &PersonFilter, backend: Backend) {
    let today = || Arg::Text(f.today.clone());
    match f.status {
        None => {}
        Some(PersonStatus::Left) => {
            sql.push(" and p.left_on < ?", [today()]);
        }
        Some(PersonStatus::Joining) => {
            sql.push(
                " and p.started_on > ? and (p.left_on is null or p.left_on >= ?)",
                [today(), today()],
            );
        }
        Some(PersonStatus::Leaving) => {
            sql.push(
                " and p.left_on >= ? and (p.started_on is null or p.started_on <= ?)",
                [today(), today()],
            );
        }
        Some(PersonStatus::Active) => {
            sql.push(
                " and p.left_on is null and (p.started_on is null or p.started_on <= ?)",
                [today()],
            );
        }
    }
    if let Some(d) = &f.department {
        sql.push(" and p.department = ?", [Arg::Text(d.clone())]);
    }
    if let Some(e) = f.employment {
        sql.push(" and p.employment = ?", [Arg::Text(e.key().into())]);
    }
    if let Some(m) = &f.manager {
        sql.push(" and p.manager = ?", [Arg::Text(m.clone())]);
    }
    if f.open_steps {
        sql.push(
            " and p.person_id in (select c.person_id from checklist c join checklist_step s on s.checklist_id = c.checklist_id where s.done_at is null)",
            [],
        );
    }
    if let Some(q) = &f.text {
        sql.push_text_search(
            &[
                "p.name",
                "p.person_id",
                "p.email",
                "p.staff_number",
                "p.job_title",
            ],
            q,
            backend,
        );
    }
}

/// Appends the people (alias `p`) an audience asks on `today`: present (started, not gone)
/// and, unless it is everyone, in one of `groups` of `column` (`p.department`, `p.job_title`).
pub(crate) fn push_audience(sql: &mut Sql, column: Option<&str>, groups: &[String], today: &str) {
    sql.push(
        " and (p.left_on is null or p.left_on >= ?) and (p.started_on is null or p.started_on <= ?)",
        [Arg::Text(today.into()), Arg::Text(today.into())],
    );
    if let Some(c) = column {
        sql.push(&format!(" and {c} in "), []);
        sql.push_in(groups.iter());
    }
}

fn key_of(p: &Person) -> Vec<serde_json::Value> {
    vec![p.name.clone().into(), p.id.clone().into()]
}

/// Reads people inside a write by id.
pub(crate) async fn read_people(tx: &mut Tx, ids: &[String]) -> Result<HashMap<String, Person>> {
    let rows: Vec<PersonRow> = tx_fetch_in!(
        tx,
        PersonRow,
        &format!("select {COLUMNS} from person p where p.person_id in "),
        ids,
        ""
    );
    Ok(rows.into_iter().map(|r| (r.0.id.clone(), r.0)).collect())
}

/// Reads a person inside a write, their row locked until the write ends.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Person> {
    if !tx.lock_row("person", "person_id", id).await? {
        return Err(Error::NotFound(format!("person {id}")));
    }
    read_people(tx, &[id.to_string()])
        .await?
        .remove(id)
        .ok_or_else(|| Error::NotFound(format!("person {id}")))
}

/// The ids of the people with these e-mails and staff numbers (for an import's matching and
/// the uniqueness checks), each by its value.
pub(crate) async fn ids_by_keys(
    tx: &mut Tx,
    emails: &[String],
    numbers: &[String],
) -> Result<(HashMap<String, String>, HashMap<String, String>)> {
    let by_email: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select email, person_id from person where email in ",
        emails,
        ""
    );
    let by_number: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select staff_number, person_id from person where staff_number in ",
        numbers,
        ""
    );
    Ok((
        by_email.into_iter().collect(),
        by_number.into_iter().collect(),
    ))
}

/// The ids of the people who have not left on `today` (an HR export that is the whole staff
/// names everyone else as a leaver).
pub(crate) async fn present_ids(tx: &mut Tx, today: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = tx_query!(
        tx,
        fetch_all,
        (String,),
        "select person_id from person where left_on is null or left_on >= $1",
        today
    )?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Hands out `n` new person ids.
pub(crate) async fn next_person_ids(tx: &mut Tx, n: usize) -> Result<Vec<String>> {
    crate::store::next_ids(tx, "person", "P", "person", "person_id", n).await
}

/// Writes people's rows: inserts them, or updates every field but the creation time (their
/// revision goes up by one).
pub(crate) async fn write_rows(tx: &mut Tx, rows: &[(&str, &PersonDraft)]) -> Result<()> {
    let now = tx.now().to_string();
    for rows in rows.chunks(crate::store::ROWS_PER_BATCH) {
        let values = rows
            .iter()
            .map(|(id, d)| {
                vec![
                    Arg::Text(id.to_string()),
                    Arg::Text(d.staff_number.clone()),
                    Arg::Text(d.name.clone()),
                    Arg::Text(d.email.clone()),
                    Arg::Text(d.department.clone()),
                    Arg::Text(d.manager.clone()),
                    Arg::Text(d.job_title.clone()),
                    Arg::Text(d.employment.key().into()),
                    Arg::Text(d.location.clone()),
                    Arg::OptText(d.started_on.clone()),
                    Arg::OptText(d.left_on.clone()),
                    Arg::Text(d.screening.key().into()),
                    Arg::OptText(d.screened_on.clone()),
                    Arg::Text(d.terms_version.clone()),
                    Arg::OptText(d.terms_signed_on.clone()),
                    Arg::Text(d.nda_version.clone()),
                    Arg::OptText(d.nda_signed_on.clone()),
                    Arg::OptText(d.remote_signed_on.clone()),
                    Arg::Text(d.notes.clone()),
                    Arg::Text(now.clone()),
                    Arg::Text(now.clone()),
                ]
            })
            .collect();
        tx.insert_rows(
            "insert into person (person_id, staff_number, name, email, department, manager, job_title,
                                 employment, location, started_on, left_on, screening_level, screened_on,
                                 terms_version, terms_signed_on, nda_version, nda_signed_on, remote_signed_on,
                                 notes, created_at, updated_at)",
            values,
            "on conflict (person_id) do update set
                 staff_number = excluded.staff_number, name = excluded.name, email = excluded.email,
                 department = excluded.department, manager = excluded.manager,
                 job_title = excluded.job_title, employment = excluded.employment,
                 location = excluded.location, started_on = excluded.started_on,
                 left_on = excluded.left_on, screening_level = excluded.screening_level,
                 screened_on = excluded.screened_on, terms_version = excluded.terms_version,
                 terms_signed_on = excluded.terms_signed_on, nda_version = excluded.nda_version,
                 nda_signed_on = excluded.nda_signed_on, remote_signed_on = excluded.remote_signed_on,
                 notes = excluded.notes, updated_at = excluded.updated_at,
                 revision = person.revision + 1",
        )
        .await?;
    }
    Ok(())
}

impl Record for Person {
    fn align_with(&mut self, stored: &Self) {
        self.updated_at = stored.updated_at.clone();
        self.revision = stored.revision;
    }
}

/// The person a draft makes, as the store will read it back.
pub(crate) fn person_of(
    id: &str,
    d: &PersonDraft,
    created_at: &str,
    updated_at: &str,
    revision: i64,
) -> Person {
    Person {
        id: id.to_string(),
        staff_number: d.staff_number.clone(),
        name: d.name.clone(),
        email: d.email.clone(),
        department: d.department.clone(),
        manager: d.manager.clone(),
        job_title: d.job_title.clone(),
        employment: d.employment,
        location: d.location.clone(),
        started_on: d.started_on.clone(),
        left_on: d.left_on.clone(),
        screening: d.screening,
        screened_on: d.screened_on.clone(),
        terms_version: d.terms_version.clone(),
        terms_signed_on: d.terms_signed_on.clone(),
        nda_version: d.nda_version.clone(),
        nda_signed_on: d.nda_signed_on.clone(),
        remote_signed_on: d.remote_signed_on.clone(),
        notes: d.notes.clone(),
        created_at: created_at.to_string(),
        updated_at: updated_at.to_string(),
        revision,
    }
}

impl Store {
    pub async fn person(&self, id: &str) -> Result<Person> {
        let sql = format!("select {COLUMNS} from person p where p.person_id = $1");
        let row: Option<PersonRow> = pool_query!(self, fetch_optional, PersonRow, &sql, id)?;
        row.map(|r| r.0)
            .ok_or_else(|| Error::NotFound(format!("person {id}")))
    }

    /// The person with this e-mail (lower case), if the directory has them.
    pub async fn person_by_email(&self, email: &str) -> Result<Option<Person>> {
        let sql = format!("select {COLUMNS} from person p where p.email = $1 and p.email <> ''");
        let row: Option<PersonRow> = pool_query!(self, fetch_optional, PersonRow, &sql, email)?;
        Ok(row.map(|r| r.0))
    }

    /// The directory: people by name, then id.
    pub async fn list_people(
        &self,
        f: &PersonFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Person>> {
        let mut from = Sql::new("from person p where 1 = 1");
        where_filter(&mut from, f, self.backend());
        self.keyset_page(
            COLUMNS,
            from,
            KEYS,
            cursor,
            limit,
            None,
            |r: PersonRow| r.0,
            key_of,
        )
        .await
    }

    /// Every person matching a filter (exports).
    pub async fn all_people(&self, f: &PersonFilter) -> Result<Vec<Person>> {
        crate::store::collect_pages(|cursor| async move {
            self.list_people(f, cursor.as_deref(), 500).await
        })
        .await
    }

    /// How many people are present on `today` (started, not gone).
    pub async fn present_staff(&self, today: &str) -> Result<i64> {
        let (n,): (i64,) = pool_query!(
            self,
            fetch_one,
            (i64,),
            "select count(*) from person p where (p.left_on is null or p.left_on >= $1) and (p.started_on is null or p.started_on <= $1)",
            today
        )?;
        Ok(n)
    }

    /// The departments people are in, for the filter menu.
    pub async fn departments(&self) -> Result<Vec<String>> {
        self.distinct_values("person", "department").await
    }

    /// The people someone manages (by the manager's e-mail), by name.
    pub async fn reports_of(&self, manager: &str) -> Result<Vec<Person>> {
        let sql = format!(
            "select {COLUMNS} from person p where p.manager = $1 and p.manager <> '' order by p.name, p.person_id limit 500"
        );
        let rows: Vec<PersonRow> = pool_query!(self, fetch_all, PersonRow, &sql, manager)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
