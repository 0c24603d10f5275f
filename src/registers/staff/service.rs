//! The staff directory's use cases. Managers and admins keep the directory; auditors read it
//! (it is personal data: contributors and viewers do not). A person who starts gets an
//! onboarding checklist, one who leaves an offboarding checklist with a step for every asset
//! they own or hold — whether the form, the API, the command line or an HR import said so,
//! in the same transaction as the change. The owner of a step ticks it off.

use super::domain::Employment;
use super::domain::{Person, PersonDraft, PersonFilter, PersonInput, PersonQuery, PersonStatus};
use super::domain_checklist::{
    Checklist, ChecklistKind, NewStep, TemplateStep, instantiate, parse_template,
};
use super::{store, store_checklist};
use crate::domain::ImportReport;
use crate::domain::input::days_after;
use crate::domain::query::Page;
use crate::domain::user::{EDITORS, Role};
use crate::error::{Error, FieldError, Result};
use crate::service::{Ctx, Expected, check_revision, keep_id};
use crate::store::Tx;
use std::collections::HashMap;

/// Who reads the directory: managers, admins and auditors (and the command line).
pub const STAFF_READERS: &[Role] = &[Role::Admin, Role::Manager, Role::Auditor];

/// A start at most this many days ago still gets an onboarding checklist (an import of
/// long-serving staff does not make one each).
pub const ONBOARDING_WINDOW_DAYS: i64 = 30;
/// A last day at most this many days ago still gets an offboarding checklist when it is
/// first recorded (accounts may outlive a late HR export).
pub const OFFBOARDING_WINDOW_DAYS: i64 = 90;

fn require_reader(ctx: &Ctx) -> Result<()> {
    ctx.require(STAFF_READERS)
}

#[tracing::instrument(name = "person.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &PersonQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Person>> {
    require_reader(ctx)?;
    ctx.store()
        .list_people(&q.filter, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

#[tracing::instrument(name = "person.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, f: &PersonFilter) -> Result<Vec<Person>> {
    require_reader(ctx)?;
    ctx.store().all_people(f).await
}

#[tracing::instrument(name = "person.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Person> {
    require_reader(ctx)?;
    ctx.store().person(id).await
}

#[tracing::instrument(name = "person.departments", skip_all, fields(actor = %ctx.who()))]
pub async fn departments(ctx: &Ctx) -> Result<Vec<String>> {
    require_reader(ctx)?;
    ctx.store().departments().await
}

/// What a person's page shows beside their record.
pub struct Around {
    pub checklists: Vec<Checklist>,
    /// Assets they own or hold: (id, name).
    pub assets: Vec<(String, String)>,
    /// The people they manage.
    pub reports: Vec<Person>,
    /// Their manager's record, when the directory has it.
    pub manager: Option<Person>,
    /// Their user account, when they have one: (e-mail, role).
    pub account: Option<(String, Role)>,
}

#[tracing::instrument(name = "person.around", skip_all, fields(actor = %ctx.who(), id = %p.id))]
pub async fn around(ctx: &Ctx, p: &Person) -> Result<Around> {
    require_reader(ctx)?;
    let store = ctx.store();
    let account = if p.email.is_empty() {
        None
    } else {
        match crate::domain::user::Email::parse(&p.email) {
            Ok(e) => match store.user_by_email(&e).await {
                Ok(u) => Some((u.email.as_str().to_string(), u.role)),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            },
            Err(_) => None,
        }
    };
    Ok(Around {
        checklists: store.checklists_of(&p.id).await?,
        assets: store.assets_held(&p.email).await?,
        reports: if p.email.is_empty() {
            Vec::new()
        } else {
            store.reports_of(&p.email).await?
        },
        manager: if p.manager.is_empty() {
            None
        } else {
            store.person_by_email(&p.manager).await?
        },
        account,
    })
}

/// Refuses e-mails and staff numbers another person has (`own` is the person written).
async fn check_unique(
    tx: &mut Tx,
    rows: &[(usize, &str, &PersonDraft)],
    whole: bool,
) -> Result<()> {
    let emails: Vec<String> = rows
        .iter()
        .filter(|r| !r.2.email.is_empty())
        .map(|r| r.2.email.clone())
        .collect();
    let numbers: Vec<String> = rows
        .iter()
        .filter(|r| !r.2.staff_number.is_empty())
        .map(|r| r.2.staff_number.clone())
        .collect();
    let (by_email, by_number) = store::ids_by_keys(tx, &emails, &numbers).await?;
    let mut problems = Vec::new();
    let field = |row: usize, f: &str| {
        if whole {
            f.to_string()
        } else {
            format!("row {row}, {f}")
        }
    };
    for (row, id, d) in rows {
        if let Some(other) = by_email.get(&d.email).filter(|o| o.as_str() != *id) {
            problems.push(FieldError::new(
                field(*row, "email"),
                format!("{} is already the e-mail of {other}", d.email),
            ));
        }
        if let Some(other) = by_number.get(&d.staff_number).filter(|o| o.as_str() != *id) {
            problems.push(FieldError::new(
                field(*row, "staff_number"),
                format!("{} is already the staff number of {other}", d.staff_number),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// Starts the checklists a change calls for: onboarding for someone who starts (recently or
/// soon) and has none; offboarding, with a step per asset they own or hold, for someone whose
/// last day was just recorded. Answers the checklists made.
async fn start_checklists(
    ctx: &Ctx,
    tx: &mut Tx,
    before: Option<&Person>,
    after: &Person,
) -> Result<Vec<(ChecklistKind, String)>> {
    let today = ctx.today();
    let mut made = Vec::new();
    let recent = |day: &str, window: i64| {
        days_after(&today, -window).is_some_and(|from| day >= from.as_str())
    };
    let starts = after
        .started_on
        .as_deref()
        .filter(|s| recent(s, ONBOARDING_WINDOW_DAYS))
        .filter(|_| after.status(&today) != PersonStatus::Left)
        .filter(|_| before.is_none_or(|b| b.started_on != after.started_on));
    if let Some(day) = starts
        && !store_checklist::has(tx, &after.id, ChecklistKind::Onboarding).await?
    {
        let template =
            store_checklist::template_in(tx, ChecklistKind::Onboarding, after.employment).await?;
        let steps = instantiate(&template, Some(day), &after.email, &after.manager);
        let id =
            store_checklist::insert(tx, &after.id, ChecklistKind::Onboarding, ctx.who(), &steps)
                .await?;
        made.push((ChecklistKind::Onboarding, id));
    }
    let leaves = after
        .left_on
        .as_deref()
        .filter(|l| recent(l, OFFBOARDING_WINDOW_DAYS))
        .filter(|_| before.is_none_or(|b| b.left_on.is_none()));
    if let Some(day) = leaves
        && !store_checklist::has(tx, &after.id, ChecklistKind::Offboarding).await?
    {
        let template =
            store_checklist::template_in(tx, ChecklistKind::Offboarding, after.employment).await?;
        let mut steps = instantiate(&template, Some(day), &after.email, &after.manager);
        for (asset, name) in store_checklist::assets_held_in(tx, &after.email).await? {
            steps.push(NewStep {
                title: format!("Get {asset} ({name}) back, or give it a new owner"),
                owner: after.manager.clone(),
                due_on: Some(day.to_string()),
                asset_id: Some(asset),
            });
        }
        let id =
            store_checklist::insert(tx, &after.id, ChecklistKind::Offboarding, ctx.who(), &steps)
                .await?;
        made.push((ChecklistKind::Offboarding, id));
    }
    for (kind, id) in &made {
        tx.audit(
            ctx.change("checklist.create", "checklist", id)
                .after(serde_json::json!({ "person": after.id, "kind": kind.key() })),
        )
        .await?;
    }
    Ok(made)
}

/// Adds a person (managers and admins); one who starts gets their onboarding checklist.
#[tracing::instrument(name = "person.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &PersonInput) -> Result<Person> {
    ctx.require(EDITORS)?;
    let draft = input.parse()?;
    let mut tx = ctx.write().await?;
    let id = match &draft.id {
        Some(id) => {
            if crate::store::existing_ids(&mut tx, "person", "person_id", std::slice::from_ref(id))
                .await?
                .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("a person with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => store::next_person_ids(&mut tx, 1).await?.remove(0),
    };
    check_unique(&mut tx, &[(0, &id, &draft)], true).await?;
    store::write_rows(&mut tx, &[(&id, &draft)]).await?;
    let p = store::lock(&mut tx, &id).await?;
    tx.audit(ctx.change("person.create", "person", &p.id).after(&p))
        .await?;
    start_checklists(ctx, &mut tx, None, &p).await?;
    tx.bump_generation("person").await?;
    tx.commit().await?;
    Ok(p)
}

/// Replaces a person's record (managers and admins), refused when it changed since the writer
/// read it.
#[tracing::instrument(name = "person.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &PersonInput,
) -> Result<Person> {
    Ok(edit(ctx, id, expected, |_| Ok(input.clone())).await?.1)
}

/// Changes a person from what is stored, inside one write (the command line's `edit`).
/// Recording a last day starts the offboarding checklist. Answers the person before and after.
#[tracing::instrument(name = "person.edit", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn edit(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    change: impl FnOnce(PersonInput) -> Result<PersonInput>,
) -> Result<(Person, Person)> {
    ctx.require(EDITORS)?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "person", id, id, before.revision, expected).await?;
    let input = change(PersonInput::from(&before))?;
    keep_id(input.id.as_deref(), id, "a person")?;
    let draft = input.parse()?;
    check_unique(&mut tx, &[(0, id, &draft)], true).await?;
    let mut same = store::person_of(id, &draft, &before.created_at, "", 0);
    crate::store::Record::align_with(&mut same, &before);
    if same == before {
        return Ok((before.clone(), before));
    }
    store::write_rows(&mut tx, &[(id, &draft)]).await?;
    let mut after = store::lock(&mut tx, id).await?;
    after.created_at = before.created_at.clone();
    tx.audit(
        ctx.change("person.update", "person", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    start_checklists(ctx, &mut tx, Some(&before), &after).await?;
    tx.bump_generation("person").await?;
    tx.commit().await?;
    Ok((before, after))
}

/// What an HR import matched each row to: the id it had, or the person with its e-mail or
/// staff number.
fn match_rows(
    rows: &[(usize, PersonDraft)],
    by_email: &HashMap<String, String>,
    by_number: &HashMap<String, String>,
) -> Vec<Option<String>> {
    rows.iter()
        .map(|(_, d)| {
            d.id.clone()
                .or_else(|| by_email.get(&d.email).cloned())
                .or_else(|| by_number.get(&d.staff_number).cloned())
        })
        .collect()
}

/// Refuses a file that lists one e-mail or staff number twice.
fn check_file_unique(rows: &[(usize, PersonDraft)]) -> Result<()> {
    let mut problems = Vec::new();
    let mut emails: HashMap<&str, usize> = HashMap::new();
    let mut numbers: HashMap<&str, usize> = HashMap::new();
    for (row, d) in rows {
        if !d.email.is_empty()
            && let Some(first) = emails.insert(&d.email, *row)
        {
            problems.push(FieldError::new(
                format!("row {row}, email"),
                format!("{} is already on row {first}", d.email),
            ));
        }
        if !d.staff_number.is_empty()
            && let Some(first) = numbers.insert(&d.staff_number, *row)
        {
            problems.push(FieldError::new(
                format!("row {row}, staff_number"),
                format!(
                    "the staff number {} is already on row {first}",
                    d.staff_number
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// Imports an HR export (managers and admins), all or nothing: each row updates the person
/// with its id, e-mail or staff number, or adds one. With `absent_left` the file is the whole
/// staff: everyone present in Annex it does not list has left, their last day
/// yesterday (today's export would still list someone whose last day is today). Leavers and starters get
/// their checklists in the same transaction; a dry run writes nothing and says who would leave.
#[tracing::instrument(name = "person.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<(usize, PersonDraft)>,
    present: Vec<Vec<&'static str>>,
    how: crate::exchange::import::Writing<'_>,
) -> Result<ImportReport> {
    ctx.require(EDITORS)?;
    crate::store::check_unique_ids(rows.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    check_file_unique(&rows)?;
    let today = ctx.today();
    let mut rows = rows;
    let mut tx = ctx.store().import_tx(how.dry_run).await?;
    let emails: Vec<String> = rows
        .iter()
        .filter(|r| !r.1.email.is_empty())
        .map(|r| r.1.email.clone())
        .collect();
    let numbers: Vec<String> = rows
        .iter()
        .filter(|r| !r.1.staff_number.is_empty())
        .map(|r| r.1.staff_number.clone())
        .collect();
    let (by_email, by_number) = store::ids_by_keys(&mut tx, &emails, &numbers).await?;
    let matched = match_rows(&rows, &by_email, &by_number);
    let fresh_n = matched.iter().filter(|m| m.is_none()).count();
    let mut fresh = store::next_person_ids(&mut tx, fresh_n).await?.into_iter();
    let ids: Vec<String> = matched
        .into_iter()
        .map(|m| m.or_else(|| fresh.next()).unwrap_or_default())
        .collect();
    {
        let keyed: Vec<(usize, &str, &PersonDraft)> = rows
            .iter()
            .zip(&ids)
            .map(|((r, d), id)| (*r, id.as_str(), d))
            .collect();
        check_unique(&mut tx, &keyed, false).await?;
    }
    let mut existing = store::read_people(&mut tx, &ids).await?;
    // The columns the file lacks keep what is stored.
    for (((_, d), id), present) in rows.iter_mut().zip(&ids).zip(&present) {
        if let Some(stored) = existing.get(id) {
            d.keep_absent(stored, present);
        }
    }
    // The whole staff: everyone present in Annex and absent from the file has left; their
    // last day was yesterday.
    let mut leavers = Vec::new();
    if how.absent_left {
        let yesterday = days_after(&today, -1).unwrap_or_else(|| today.clone());
        let listed: std::collections::HashSet<&String> = ids.iter().collect();
        let absent: Vec<String> = store::present_ids(&mut tx, &today)
            .await?
            .into_iter()
            .filter(|id| !listed.contains(id))
            .collect();
        for (id, p) in store::read_people(&mut tx, &absent).await? {
            let mut d = PersonInput::from(&p).parse()?;
            d.left_on = Some(yesterday.clone());
            existing.insert(id.clone(), p);
            leavers.push((id, d));
        }
        leavers.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut ids = ids;
    for (id, d) in leavers.iter() {
        ids.push(id.clone());
        rows.push((0, d.clone()));
    }
    let before: HashMap<String, Person> = existing.clone();
    let now = tx.now().to_string();
    let crate::store::ImportPlan {
        mut report,
        changes,
        write,
        replaced: _,
    } = crate::store::plan_import(
        ctx.who(),
        "person",
        &ids,
        &rows,
        &mut existing,
        |id, d, b| {
            store::person_of(
                id,
                d,
                b.map(|b| b.created_at.as_str()).unwrap_or(&now),
                &now,
                b.map(|b| b.revision + 1).unwrap_or(1),
            )
        },
    );
    report.left = leavers.iter().map(|(id, _)| id.clone()).collect();
    if tx.read_only {
        return Ok(report);
    }
    store::write_rows(&mut tx, &write).await?;
    tx.audit_many(changes).await?;
    let written: Vec<String> = write.iter().map(|(id, _)| id.to_string()).collect();
    let after = store::read_people(&mut tx, &written).await?;
    for id in &written {
        if let Some(a) = after.get(id) {
            start_checklists(ctx, &mut tx, before.get(id), a).await?;
        }
    }
    tx.bump_generation("person").await?;
    if let Some(upload) = how.upload {
        crate::registers::imports::store::consume(&mut tx, ctx.who(), upload).await?;
    }
    tx.commit().await?;
    ctx.store().refresh_statistics_soon();
    Ok(report)
}

/// A person's checklists.
#[tracing::instrument(name = "checklist.of", skip_all, fields(actor = %ctx.who(), id = %person))]
pub async fn checklists(ctx: &Ctx, person: &str) -> Result<Vec<Checklist>> {
    require_reader(ctx)?;
    ctx.store().checklists_of(person).await
}

/// Marks a checklist step done (with a note) or open again: managers and admins, and the
/// step's owner. Refused when the checklist changed since the writer read it.
#[tracing::instrument(name = "checklist.step", skip_all, fields(actor = %ctx.who(), id = %checklist, step = number))]
pub async fn tick(
    ctx: &Ctx,
    checklist: &str,
    number: i64,
    done: bool,
    note: &str,
    expected: Expected,
) -> Result<Checklist> {
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "at most 2,000 characters"));
    }
    let mut tx = ctx.write().await?;
    let c = store_checklist::lock(&mut tx, checklist).await?;
    let step = c
        .steps
        .iter()
        .find(|s| s.number == number)
        .cloned()
        .ok_or_else(|| Error::NotFound(format!("step {number} of checklist {checklist}")))?;
    let own = ctx
        .actor
        .user
        .as_ref()
        .is_some_and(|u| !step.owner.is_empty() && u.email.eq_ignore_ascii_case(&step.owner));
    if !(ctx.actor.has(EDITORS) || own && ctx.actor.reads()) {
        return Err(Error::Forbidden);
    }
    check_revision(
        &mut tx,
        "checklist",
        checklist,
        checklist,
        c.revision,
        expected,
    )
    .await?;
    let mut after = step.clone();
    after.note = note.to_string();
    if done {
        if step.done_at.is_none() {
            after.done_at = Some(tx.now().to_string());
            after.done_by = Some(ctx.who().to_string());
        }
    } else {
        after.done_at = None;
        after.done_by = None;
    }
    if after == step {
        return Ok(c);
    }
    store_checklist::write_step(&mut tx, checklist, &after).await?;
    tx.audit(
        ctx.change("checklist.step", "checklist", checklist)
            .before(&step)
            .after(&after),
    )
    .await?;
    tx.bump_generation("person").await?;
    let c = store_checklist::lock(&mut tx, checklist).await?;
    tx.commit().await?;
    Ok(c)
}

/// The template of a kind of checklist for an employment type.
#[tracing::instrument(name = "checklist.template", skip_all, fields(actor = %ctx.who()))]
pub async fn template(
    ctx: &Ctx,
    kind: ChecklistKind,
    employment: Employment,
) -> Result<Vec<TemplateStep>> {
    require_reader(ctx)?;
    ctx.store().checklist_template(kind, employment).await
}

/// Replaces a template (managers and admins), written one step per line.
#[tracing::instrument(name = "checklist.set_template", skip_all, fields(actor = %ctx.who()))]
pub async fn set_template(
    ctx: &Ctx,
    kind: ChecklistKind,
    employment: Employment,
    text: &str,
) -> Result<Vec<TemplateStep>> {
    ctx.require(EDITORS)?;
    if text.len() > 100_000 {
        return Err(Error::field("steps", "at most 100,000 characters"));
    }
    let steps = parse_template("steps", text)?;
    let mut tx = ctx.write().await?;
    let before = store_checklist::template_in(&mut tx, kind, employment).await?;
    if before == steps {
        return Ok(steps);
    }
    store_checklist::write_template(&mut tx, kind, employment, &steps).await?;
    let key = format!("{}/{}", kind.key(), employment.key());
    tx.audit(
        ctx.change("checklist.template", "checklist_template", &key)
            .before(&before)
            .after(&steps),
    )
    .await?;
    tx.commit().await?;
    Ok(steps)
}

/// Open checklist steps, due first: all of them for readers of the directory, one's own for
/// everyone else signed in.
#[tracing::instrument(name = "checklist.open_steps", skip_all, fields(actor = %ctx.who()))]
pub async fn open_steps(
    ctx: &Ctx,
    kind: Option<ChecklistKind>,
    limit: i64,
) -> Result<Vec<store_checklist::OpenStep>> {
    ctx.require_reader()?;
    if ctx.actor.has(STAFF_READERS) || ctx.actor.user.is_none() {
        ctx.store().open_steps(kind, None, limit).await
    } else {
        let me = ctx.who().to_string();
        ctx.store().open_steps(kind, Some(&me), limit).await
    }
}

/// Leavers with open offboarding steps: (people, open steps, assets to get back), for the
/// dashboard (readers of the directory; zero for others).
#[tracing::instrument(name = "checklist.offboarding", skip_all, fields(actor = %ctx.who()))]
pub async fn offboarding_open(ctx: &Ctx) -> Result<(i64, i64, i64)> {
    if !ctx.actor.has(STAFF_READERS) {
        return Ok((0, 0, 0));
    }
    ctx.store().offboarding_open().await
}
