//! Evidence in the store: items with their links to controls, measures and risks, their file
//! versions (content in the blob store), the audited writes, the lists (expiring, expired, by
//! control) and the evidence of every control for the Statement of Applicability.

use super::domain::{
    ControlEvidence, Evidence, EvidenceDraft, EvidenceFilter, FileVersion, NewFile, State, Target,
    add_days, check_file_type, clean_file_name,
};
use crate::domain::audit::Change;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::error::{Error, FieldError, Result};
use crate::store::{
    Arg, Sql, Store, Tx, bind_once, on_pool, pool_query, tx_exec, tx_fetch_in, tx_query,
};
use std::collections::HashMap;

type ItemRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    String,
    String,
    i64,
);
const ITEM_COLUMNS: &str = "e.evidence_id, e.title, e.description, e.url, e.collected_at, e.valid_until, e.collected_by, e.version, e.created_at, e.updated_at, e.failing, e.revision";

/// The head of a batch insert of items (`insert_rows`), for links and scan results alike.
pub(crate) const INSERT_ITEMS: &str = "insert into evidence (evidence_id, title, description, url, collected_at, valid_until, collected_by, version, created_by, created_at, updated_at, failing)";

type VersionRow = (String, i64, String, String, i64, String, String, String);
const VERSION_COLUMNS: &str =
    "evidence_id, version, file_name, media_type, size, sha256, uploaded_by, uploaded_at";

fn version_from(r: VersionRow) -> FileVersion {
    FileVersion {
        version: r.1,
        file_name: r.2,
        media_type: r.3,
        size: r.4,
        sha256: r.5,
        uploaded_by: r.6,
        uploaded_at: r.7,
    }
}

/// Reads items with their links and newest file, in the order of `rows`.
async fn complete(tx: &mut Tx, rows: Vec<ItemRow>, today: &str) -> Result<Vec<Evidence>> {
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let links: Vec<(String, String, String)> = tx_fetch_in!(
        tx,
        (String, String, String),
        "select evidence_id, target_kind, target_id from evidence_link where evidence_id in ",
        ids,
        ""
    );
    let versions: Vec<VersionRow> = tx_fetch_in!(
        tx,
        VersionRow,
        &format!(
            "select {VERSION_COLUMNS} from evidence_version v where v.version = (select e.version from evidence e where e.evidence_id = v.evidence_id) and v.evidence_id in "
        ),
        ids,
        ""
    );
    let hosts: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select evidence_id, host_id from scan_evidence where evidence_id in ",
        ids,
        ""
    );
    let mut hosts: HashMap<String, String> = hosts.into_iter().collect();
    let mut files: HashMap<String, FileVersion> = versions
        .into_iter()
        .map(|v| (v.0.clone(), version_from(v)))
        .collect();
    let mut by_item: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (id, kind, target) in links {
        by_item.entry(id).or_default().push((kind, target));
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut links = by_item.remove(&r.0).unwrap_or_default();
            links.sort();
            let of = |t: Target| -> Vec<String> {
                links
                    .iter()
                    .filter(|(k, _)| k == t.key())
                    .map(|(_, id)| id.clone())
                    .collect()
            };
            let host = hosts.remove(&r.0);
            Evidence {
                state: State::of(r.5.as_deref(), !r.10.is_empty(), host.is_some(), today),
                host,
                failing: r.10,
                file: files.remove(&r.0),
                controls: of(Target::Control),
                measures: of(Target::Measure),
                risks: of(Target::Risk),
                id: r.0,
                title: r.1,
                description: r.2,
                url: r.3,
                collected_at: r.4,
                valid_until: r.5,
                collected_by: r.6,
                version: r.7,
                created_at: r.8,
                updated_at: r.9,
                revision: r.11,
            }
        })
        .collect())
}

/// Reads the items with these ids, by id.
pub(crate) async fn read_items(
    tx: &mut Tx,
    ids: &[String],
    today: &str,
) -> Result<HashMap<String, Evidence>> {
    let rows: Vec<ItemRow> = tx_fetch_in!(
        tx,
        ItemRow,
        &format!("select {ITEM_COLUMNS} from evidence e where e.evidence_id in "),
        ids,
        ""
    );
    Ok(complete(tx, rows, today)
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect())
}

async fn read_item(tx: &mut Tx, id: &str, today: &str) -> Result<Evidence> {
    let row: Option<ItemRow> = tx_query!(
        tx,
        fetch_optional,
        ItemRow,
        &format!("select {ITEM_COLUMNS} from evidence e where e.evidence_id = $1"),
        id
    )?;
    let row = row.ok_or_else(|| Error::NotFound(format!("evidence {id}")))?;
    Ok(complete(tx, vec![row], today).await?.remove(0))
}

impl Store {
    /// Checks the ids an item is attached to: controls of the 2022 catalogue (written as the
    /// catalogue writes them), measures and risks that exist.
    pub(crate) async fn check_evidence_links(
        &self,
        tx: &mut Tx,
        d: &mut EvidenceDraft,
    ) -> Result<()> {
        let catalog = self.catalog(DEFAULT_FRAMEWORK).await?;
        let mut problems = Vec::new();
        for c in d.controls.iter_mut() {
            match catalog.control(c) {
                Ok(control) => *c = control.id.clone(),
                Err(_) => problems.push(FieldError::new(
                    "controls",
                    format!("'{c}' is not a control of {}", catalog.framework.name),
                )),
            }
        }
        d.controls.dedup();
        for (field, table, column, ids) in [
            ("measures", "measure", "measure_id", &d.measures),
            ("risks", "risk", "risk_id", &d.risks),
        ] {
            let found = crate::store::existing_ids(tx, table, column, ids).await?;
            for id in ids.iter().filter(|i| !found.contains(*i)) {
                problems.push(FieldError::new(field, format!("there is no {table} {id}")));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(problems))
        }
    }

    /// The owner of each control (its SoA row's owner, empty when undecided), measure and
    /// risk among `ids`, read inside the write so that an owner changed meanwhile counts:
    /// `(field, id, owner)`.
    pub(crate) async fn evidence_target_owners(
        &self,
        tx: &mut Tx,
        controls: &[String],
        measures: &[String],
        risks: &[String],
    ) -> Result<Vec<(&'static str, String, String)>> {
        let mut out = Vec::new();
        let soa_rows: Vec<(String, String)> = tx_fetch_in!(
            tx,
            (String, String),
            &format!(
                "select control_id, owner from soa_row where framework_id = '{DEFAULT_FRAMEWORK}' and control_id in "
            ),
            controls,
            ""
        );
        let owned: HashMap<String, String> = soa_rows.into_iter().collect();
        for c in controls {
            out.push((
                "controls",
                c.clone(),
                owned.get(c).cloned().unwrap_or_default(),
            ));
        }
        for (field, table, column, ids) in [
            ("measures", "measure", "measure_id", measures),
            ("risks", "risk", "risk_id", risks),
        ] {
            let rows: Vec<(String, String)> = tx_fetch_in!(
                tx,
                (String, String),
                &format!("select {column}, owner from {table} where {column} in "),
                ids,
                ""
            );
            out.extend(rows.into_iter().map(|(id, owner)| (field, id, owner)));
        }
        Ok(out)
    }

    /// Whether `who` is the e-mail address of a person known to Annex (any role, enabled or
    /// not: evidence collected by someone who has left stays theirs).
    pub(crate) async fn is_known_person(&self, tx: &mut Tx, who: &str) -> Result<bool> {
        let email = who.trim().to_lowercase();
        let found: Option<(String,)> = tx_query!(
            tx,
            fetch_optional,
            (String,),
            "select email from user_account where email = $1",
            &email
        )?;
        Ok(found.is_some())
    }

    /// Checks a file's name and type, keeps its content and records it as `version` of `id`.
    async fn write_version(
        &self,
        tx: &mut Tx,
        actor: &str,
        id: &str,
        version: i64,
        file: &NewFile,
    ) -> Result<FileVersion> {
        let file_name = clean_file_name(&file.file_name);
        let media_type = check_file_type(&file_name, &file.incoming.head)
            .map_err(|m| Error::field("file", m))?;
        self.keep_blob(tx, &file.incoming).await?;
        let v = FileVersion {
            version,
            file_name,
            media_type: media_type.to_string(),
            size: file.incoming.size,
            sha256: file.incoming.sha256.clone(),
            uploaded_by: actor.to_string(),
            uploaded_at: tx.now().to_string(),
        };
        tx_exec!(
            tx,
            &format!(
                "insert into evidence_version ({VERSION_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8)"
            ),
            id,
            v.version,
            &v.file_name,
            &v.media_type,
            v.size,
            &v.sha256,
            &v.uploaded_by,
            &v.uploaded_at
        )?;
        Ok(v)
    }

    async fn write_links(tx: &mut Tx, id: &str, d: &EvidenceDraft) -> Result<()> {
        tx_exec!(tx, "delete from evidence_link where evidence_id = $1", id)?;
        let mut rows = Vec::new();
        for (t, ids) in [
            (Target::Control, &d.controls),
            (Target::Measure, &d.measures),
            (Target::Risk, &d.risks),
        ] {
            for target in ids {
                rows.push(vec![
                    Arg::Text(id.to_string()),
                    Arg::Text(t.key().to_string()),
                    Arg::Text(target.clone()),
                ]);
            }
        }
        if !rows.is_empty() {
            tx.insert_rows(
                "insert into evidence_link (evidence_id, target_kind, target_id)",
                rows,
                "on conflict do nothing",
            )
            .await?;
        }
        Ok(())
    }

    /// Records a new item (checked by the caller): a file (its first version) or a link, with
    /// its attachments.
    pub(crate) async fn insert_evidence(
        &self,
        tx: &mut Tx,
        actor: &str,
        d: &EvidenceDraft,
        file: Option<&NewFile>,
    ) -> Result<Evidence> {
        let id = crate::store::next_ids(tx, "evidence", "E", "evidence", "evidence_id", 1)
            .await?
            .remove(0);
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "insert into evidence (evidence_id, title, description, url, collected_at, valid_until, collected_by,
                                   version, created_by, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            &id,
            &d.title,
            &d.description,
            &d.url,
            &d.collected_at,
            &d.valid_until,
            &d.collected_by,
            if file.is_some() { 1i64 } else { 0 },
            actor,
            &now
        )?;
        if let Some(f) = file {
            self.write_version(tx, actor, &id, 1, f).await?;
        }
        Self::write_links(tx, &id, d).await?;
        tx.bump_generation("evidence").await?;
        read_item(tx, &id, &self.today()).await
    }

    /// Changes an item's description, dates and attachments (a link's address too), its
    /// revision going up by one.
    pub(crate) async fn update_evidence(
        &self,
        tx: &mut Tx,
        id: &str,
        d: &EvidenceDraft,
    ) -> Result<Evidence> {
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "update evidence set title = $2, description = $3, url = $4, collected_at = $5, valid_until = $6,
                                 collected_by = $7, updated_at = $8, revision = revision + 1
             where evidence_id = $1",
            id,
            &d.title,
            &d.description,
            &d.url,
            &d.collected_at,
            &d.valid_until,
            &d.collected_by,
            &now
        )?;
        Self::write_links(tx, id, d).await?;
        tx.bump_generation("evidence").await?;
        read_item(tx, id, &self.today()).await
    }

    /// Ends an item on `day` (its valid-until moved back to it; an item already ended earlier
    /// stays as it is). Answers the item before and after, or none when nothing changed.
    pub(crate) async fn end_evidence(
        &self,
        tx: &mut Tx,
        id: &str,
        day: &str,
    ) -> Result<Option<(Evidence, Evidence)>> {
        let today = self.today();
        let before = read_item(tx, id, &today).await?;
        if before.valid_until.as_deref().is_some_and(|u| u <= day) {
            return Ok(None);
        }
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "update evidence set valid_until = $2, updated_at = $3, revision = revision + 1
             where evidence_id = $1",
            id,
            day,
            &now
        )?;
        tx.bump_generation("evidence").await?;
        let after = read_item(tx, id, &today).await?;
        Ok(Some((before, after)))
    }

    /// Keeps a new version of an item's file with its dates (checked by the caller), the
    /// item's revision going up by one.
    pub(crate) async fn add_evidence_version(
        &self,
        tx: &mut Tx,
        actor: &str,
        id: &str,
        version: i64,
        file: &NewFile,
        (collected_at, valid_until): (&str, Option<&str>),
    ) -> Result<Evidence> {
        self.write_version(tx, actor, id, version, file).await?;
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "update evidence set version = $2, collected_at = $3, valid_until = $4, updated_at = $5,
                                 failing = '', revision = revision + 1
             where evidence_id = $1",
            id,
            version,
            collected_at,
            valid_until,
            &now
        )?;
        tx.bump_generation("evidence").await?;
        read_item(tx, id, &self.today()).await
    }

    /// Marks an item damaged (its file no longer matches its hash): it shows its controls
    /// failing, with `reason`, until a new version is uploaded.
    pub(crate) async fn mark_evidence_damaged(
        &self,
        tx: &mut Tx,
        id: &str,
        reason: &str,
    ) -> Result<Evidence> {
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "update evidence set failing = $2, updated_at = $3, revision = revision + 1
             where evidence_id = $1",
            id,
            reason,
            &now
        )?;
        tx.bump_generation("evidence").await?;
        read_item(tx, id, &self.today()).await
    }

    /// Reads an item inside a write, its row locked until the write ends.
    pub(crate) async fn lock_evidence(&self, tx: &mut Tx, id: &str) -> Result<Evidence> {
        if !tx.lock_row("evidence", "evidence_id", id).await? {
            return Err(Error::NotFound(format!("evidence {id}")));
        }
        read_item(tx, id, &self.today()).await
    }

    pub async fn evidence(&self, id: &str) -> Result<Evidence> {
        let mut tx = self.read_tx().await?;
        read_item(&mut tx, id, &self.today()).await
    }

    /// Every version of an item's file, newest first.
    pub async fn evidence_versions(&self, id: &str) -> Result<Vec<FileVersion>> {
        let mut tx = self.read_tx().await?;
        let rows: Vec<VersionRow> = tx_query!(
            tx,
            fetch_all,
            VersionRow,
            &format!(
                "select {VERSION_COLUMNS} from evidence_version where evidence_id = $1 order by version desc"
            ),
            id
        )?;
        Ok(rows.into_iter().map(version_from).collect())
    }

    /// One version of an item's file (`None`: the newest).
    pub async fn evidence_file(&self, id: &str, version: Option<i64>) -> Result<FileVersion> {
        let versions = self.evidence_versions(id).await?;
        let found = match version {
            None => versions.into_iter().next(),
            Some(n) => versions.into_iter().find(|v| v.version == n),
        };
        found.ok_or_else(|| match version {
            Some(n) => Error::NotFound(format!("version {n} of evidence {id}")),
            None => Error::NotFound(format!("a file of evidence {id} (it is a link)")),
        })
    }

    /// The items a filter keeps, and how many there are in all.
    pub async fn list_evidence(&self, f: &EvidenceFilter) -> Result<(Vec<Evidence>, i64)> {
        let today = self.today();
        let soon = add_days(&today, crate::registers::evidence::domain::EXPIRING_DAYS);
        let mut sql = Sql::new(" from evidence e where 1 = 1");
        match f.state {
            Some(State::Expired) => {
                sql.push(" and e.valid_until < ?", [Arg::Text(today.clone())]);
            }
            // Scans refresh their items: those are valid until they expire, never expiring.
            Some(State::Expiring) => {
                sql.push(
                    " and e.failing = '' and e.valid_until >= ? and e.valid_until <= ?
                      and e.evidence_id not in (select evidence_id from scan_evidence)",
                    [Arg::Text(today.clone()), Arg::Text(soon.clone())],
                );
            }
            Some(State::Valid) => {
                sql.push(
                    " and e.failing = '' and (e.valid_until is null or e.valid_until > ?
                      or (e.valid_until >= ? and e.evidence_id in (select evidence_id from scan_evidence)))",
                    [Arg::Text(soon.clone()), Arg::Text(today.clone())],
                );
            }
            Some(State::Failing) => {
                sql.push(
                    " and e.failing <> '' and (e.valid_until is null or e.valid_until >= ?)",
                    [Arg::Text(today.clone())],
                );
            }
            Some(State::None) | None => {}
        }
        if let Some(days) = f.expiring_within {
            sql.push(
                " and e.valid_until >= ? and e.valid_until <= ? and e.evidence_id not in (select evidence_id from scan_evidence)",
                [Arg::Text(today.clone()), Arg::Text(add_days(&today, days))],
            );
        }
        for (kind, id) in &f.targets {
            sql.push(
                " and e.evidence_id in (select l.evidence_id from evidence_link l where l.target_kind = ? and l.target_id = ?",
                [Arg::Text(kind.key().into()), Arg::Text(id.clone())],
            );
            if *kind == Target::Control {
                sql.push(
                    " union select l.evidence_id from evidence_link l join measure_control mc
                        on l.target_kind = 'measure' and mc.measure_id = l.target_id
                      where mc.framework_id = ? and mc.control_id = ?",
                    [Arg::Text(DEFAULT_FRAMEWORK.into()), Arg::Text(id.clone())],
                );
            }
            sql.push(")", []);
        }
        if let Some(q) = f.q.as_ref().filter(|q| !q.trim().is_empty()) {
            // `%` and `_` are searched for as typed, as in every other register.
            sql.push_text_search(
                &["e.title", "e.description", "e.evidence_id"],
                q.trim(),
                self.backend(),
            );
        }
        let mut count = Sql::new("select count(*)");
        count.push(&sql.text, []);
        count.args = sql.args.clone();
        let (total,): (i64,) = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, (i64,)>(&count.text),
            &count.args
        )
        .fetch_one(c)
        .await)?;
        let order = if f.state.is_some() || f.expiring_within.is_some() {
            " order by e.valid_until, e.evidence_id"
        } else {
            " order by e.created_at desc, e.evidence_id desc"
        };
        let mut page = Sql::new(&format!("select {ITEM_COLUMNS}"));
        page.push(&sql.text, []);
        page.args = sql.args.clone();
        page.push(&format!("{order} limit ?"), [Arg::Int(f.limit.max(1))]);
        let mut tx = self.read_tx().await?;
        let text = tx.text_of(&page);
        let rows: Vec<ItemRow> = crate::store::on_tx!(tx, |c| crate::store::bind_args!(
            sqlx::query_as::<_, ItemRow>(&text),
            &page.args
        )
        .fetch_all(c)
        .await)?;
        Ok((complete(&mut tx, rows, &today).await?, total))
    }

    /// Every evidence item of every control of a framework, attached to it or to a measure
    /// that implements it (the SoA's evidence, summed up by `domain::summarise`). A scan's
    /// item counts only when its host's group evidences the control.
    pub async fn soa_evidence_rows(&self, framework: &str) -> Result<Vec<ControlEvidence>> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
        );
        let rows: Vec<Row> = pool_query!(
                self,
                fetch_all,
                Row,
                "select l.target_id, e.evidence_id, e.title, e.collected_at, e.valid_until, '', e.failing,
                        coalesce(se.host_id, '')
                 from evidence_link l join evidence e on e.evidence_id = l.evidence_id
                 left join scan_evidence se on se.evidence_id = e.evidence_id
                 where l.target_kind = 'control' and $1 = $2
                   and not exists (select 1 from scan_host h
                                   join host_group_exclusion x on x.group_key = h.group_key
                                   where h.host_id = se.host_id and x.control_id = l.target_id)
                 union all
                 select mc.control_id, e.evidence_id, e.title, e.collected_at, e.valid_until, mc.measure_id, e.failing, ''
                 from evidence_link l
                 join measure_control mc on mc.measure_id = l.target_id and mc.framework_id = $1
                 join evidence e on e.evidence_id = l.evidence_id
                 where l.target_kind = 'measure'",
                framework,
                DEFAULT_FRAMEWORK
            )?;
        Ok(rows
            .into_iter()
            .map(|r| ControlEvidence {
                control_id: r.0,
                evidence_id: r.1,
                title: r.2,
                collected_at: r.3,
                valid_until: r.4,
                via: r.5,
                failing: r.6,
                host: r.7,
            })
            .collect())
    }
}

impl Store {
    /// Records many links at once (the demo and benchmarks): one transaction, ids in a block,
    /// rows and audit entries in batches. Every link is checked as `add_evidence` checks it.
    pub(crate) async fn add_evidence_links(
        &self,
        tx: &mut Tx,
        actor: &str,
        drafts: Vec<EvidenceDraft>,
    ) -> Result<usize> {
        let mut drafts = drafts;
        for d in drafts.iter_mut() {
            if d.url.is_empty() {
                return Err(Error::field("url", "a link needs its address"));
            }
            self.check_evidence_links(tx, d).await?;
        }
        let ids =
            crate::store::next_ids(tx, "evidence", "E", "evidence", "evidence_id", drafts.len())
                .await?;
        let now = tx.now().to_string();
        let today = self.today();
        let mut items = Vec::new();
        let mut links = Vec::new();
        let mut changes = Vec::new();
        for (id, d) in ids.iter().zip(&drafts) {
            items.push(vec![
                Arg::Text(id.clone()),
                Arg::Text(d.title.clone()),
                Arg::Text(d.description.clone()),
                Arg::Text(d.url.clone()),
                Arg::Text(d.collected_at.clone()),
                Arg::OptText(d.valid_until.clone()),
                Arg::Text(d.collected_by.clone()),
                Arg::Int(0),
                Arg::Text(actor.to_string()),
                Arg::Text(now.clone()),
                Arg::Text(now.clone()),
                Arg::Text(String::new()),
            ]);
            for (t, targets) in [
                (Target::Control, &d.controls),
                (Target::Measure, &d.measures),
                (Target::Risk, &d.risks),
            ] {
                for target in targets {
                    links.push(vec![
                        Arg::Text(id.clone()),
                        Arg::Text(t.key().to_string()),
                        Arg::Text(target.clone()),
                    ]);
                }
            }
            let e = Evidence {
                id: id.clone(),
                title: d.title.clone(),
                description: d.description.clone(),
                url: d.url.clone(),
                collected_at: d.collected_at.clone(),
                valid_until: d.valid_until.clone(),
                collected_by: d.collected_by.clone(),
                version: 0,
                file: None,
                controls: d.controls.clone(),
                measures: d.measures.clone(),
                risks: d.risks.clone(),
                state: State::of_item(d.valid_until.as_deref(), &today),
                failing: String::new(),
                host: None,
                created_at: now.clone(),
                updated_at: now.clone(),
                revision: 1,
            };
            changes.push(Change::new(actor, "evidence.create", "evidence", id).after(&e));
        }
        tx.insert_rows(INSERT_ITEMS, items, "").await?;
        if !links.is_empty() {
            tx.insert_rows(
                "insert into evidence_link (evidence_id, target_kind, target_id)",
                links,
                "on conflict do nothing",
            )
            .await?;
        }
        tx.audit_many(changes).await?;
        tx.bump_generation("evidence").await?;
        Ok(ids.len())
    }
}
