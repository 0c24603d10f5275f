//! The asset inventory in the store: readable ids, the organisation's asset settings,
//! create/update with tags and dependencies (no cycles), and the register with filters, sorts
//! and keyset pagination that stays fast at 100,000 assets (indexes on every sort column).

use super::domain::{Asset, AssetDraft, AssetFilter, AssetSettings, AssetSort, Lifecycle};
use crate::config::Backend;
use crate::domain::ImportReport;
use crate::domain::query::Page;
use crate::error::{Error, FieldError, Result};
use crate::store::{
    Arg, COUNT_CAP, COUNT_CAP_LINKED, Record, SortKey, Sql, Store, TextSearch, Tx, bind_once,
    on_pool, pool_query, tx_exec, tx_fetch_in, tx_query,
};
use std::collections::{HashMap, HashSet};

const SETTINGS_KEY: &str = "asset_settings";

/// The tables an import writes (the register's first), whose indexes a large one builds at its end.
pub(crate) const TABLES: &[&str] = &["asset", "asset_tag", "asset_dependency"];

type AssetRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
    String,
    String,
    i64,
);
const COLUMNS: &str = "a.asset_id, a.name, a.asset_type, a.description, a.owner, a.custodian, a.location, a.classification, \
     a.confidentiality, a.integrity, a.availability, a.lifecycle, a.last_reviewed_on, a.created_at, a.updated_at, a.revision";

fn asset_from(r: AssetRow) -> Asset {
    Asset {
        id: r.0,
        name: r.1,
        asset_type: r.2,
        description: r.3,
        owner: r.4,
        custodian: r.5,
        location: r.6,
        classification: r.7,
        confidentiality: r.8,
        integrity: r.9,
        availability: r.10,
        lifecycle: Lifecycle::parse(&r.11).unwrap_or(Lifecycle::InUse),
        last_reviewed_on: r.12,
        created_at: r.13,
        updated_at: r.14,
        revision: r.15,
        tags: Vec::new(),
        depends_on: Vec::new(),
    }
}

/// The SQL of a sort: (first column, then columns ending in the id) and whether the order is
/// descending, and an asset's values of them for the cursor.
trait SortSql {
    fn columns(self) -> (&'static [SortKey], bool);
    fn values(self, a: &Asset) -> Vec<String>;
}

impl SortSql for AssetSort {
    fn columns(self) -> (&'static [SortKey], bool) {
        use SortKey::Text as T;
        match self {
            AssetSort::Name => (&[T("a.name"), T("a.asset_id")], false),
            AssetSort::Id => (&[T("a.asset_id")], false),
            AssetSort::Type => (&[T("a.asset_type"), T("a.name"), T("a.asset_id")], false),
            AssetSort::Owner => (&[T("a.owner"), T("a.name"), T("a.asset_id")], false),
            AssetSort::Classification => (
                &[T("a.classification"), T("a.name"), T("a.asset_id")],
                false,
            ),
            AssetSort::Lifecycle => (&[T("a.lifecycle"), T("a.name"), T("a.asset_id")], false),
            AssetSort::Updated => (&[T("a.updated_at"), T("a.asset_id")], true),
        }
    }

    fn values(self, a: &Asset) -> Vec<String> {
        match self {
            AssetSort::Name => vec![a.name.clone(), a.id.clone()],
            AssetSort::Id => vec![a.id.clone()],
            AssetSort::Type => vec![a.asset_type.clone(), a.name.clone(), a.id.clone()],
            AssetSort::Owner => vec![a.owner.clone(), a.name.clone(), a.id.clone()],
            AssetSort::Classification => {
                vec![a.classification.clone(), a.name.clone(), a.id.clone()]
            }
            AssetSort::Lifecycle => {
                vec![a.lifecycle.key().to_string(), a.name.clone(), a.id.clone()]
            }
            AssetSort::Updated => vec![a.updated_at.clone(), a.id.clone()],
        }
    }
}

/// The register's filters; `many` when the clause selects a page in the sort's order and the
/// count found many rows (`WALK_ABOVE`).
fn where_filter(sql: &mut Sql, f: &AssetFilter, backend: Backend, many: bool) {
    if let Some(t) = &f.asset_type {
        sql.push(" and a.asset_type = ?", [Arg::Text(t.clone())]);
    }
    if let Some(o) = &f.owner {
        sql.push(" and a.owner = ?", [Arg::Text(o.clone())]);
    }
    if let Some(c) = &f.classification {
        sql.push(" and a.classification = ?", [Arg::Text(c.clone())]);
    }
    if let Some(l) = f.lifecycle {
        sql.push(" and a.lifecycle = ?", [Arg::Text(l.key().to_string())]);
    }
    if let Some(t) = &f.tag {
        // For a page of many, the sort's index is walked and each asset looked up in its
        // tags (by the key), stopping at the end of the page: neither database then reads
        // every tagged asset to sort it, nor (SQLite) lists them first. Fewer are read from
        // the tag's index and sorted (walking the sort's index for a tag few assets have
        // would read it all); a count is read from the tag's index.
        if many {
            sql.push(
                " and exists (select 1 from asset_tag t where t.asset_id = a.asset_id and t.tag = ?)",
                [Arg::Text(t.clone())],
            );
        } else {
            sql.push(
                " and a.asset_id in (select t.asset_id from asset_tag t where t.tag = ?)",
                [Arg::Text(t.clone())],
            );
        }
    }
    if let Some(q) = &f.text {
        let columns = crate::store::ASSET_TEXT.map(|c| c.replace("x.", "a."));
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        sql.push_indexed_text_search("a", "asset_text", &columns, q, backend, many);
    }
}

/// The asset settings read inside a write.
pub(crate) async fn settings_in(tx: &mut Tx) -> Result<AssetSettings> {
    tx.setting(SETTINGS_KEY).await
}

/// Stores the asset settings; a type or classification level still in use cannot go.
pub(crate) async fn save_settings(
    tx: &mut Tx,
    before: &AssetSettings,
    settings: &AssetSettings,
) -> Result<()> {
    // Suppliers derive their criticality from the assets they access.
    tx.bump_generation("asset").await?;
    let mut problems = Vec::new();
    for t in before
        .types
        .iter()
        .filter(|t| !settings.types.iter().any(|n| n.key == t.key))
    {
        let (n,): (i64,) = tx_query!(
            tx,
            fetch_one,
            (i64,),
            "select count(*) from asset where asset_type = $1",
            &t.key
        )?;
        if n > 0 {
            problems.push(FieldError::new(
                "types",
                format!(
                    "{n} assets are of type '{}': change them before removing the type",
                    t.name
                ),
            ));
        }
    }
    for c in before
        .classification
        .iter()
        .filter(|c| !settings.classification.iter().any(|n| n.key == c.key))
    {
        let (n,): (i64,) = tx_query!(
            tx,
            fetch_one,
            (i64,),
            "select count(*) from asset where classification = $1",
            &c.key
        )?;
        if n > 0 {
            problems.push(FieldError::new(
                "classification",
                format!(
                    "{n} assets are classified '{}': reclassify them before removing the level",
                    c.name
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    tx.put_setting(SETTINGS_KEY, settings).await
}

/// Inserts a new asset with its tags and dependencies (checked: they exist, no loop).
pub(crate) async fn insert(tx: &mut Tx, draft: &AssetDraft) -> Result<Asset> {
    // Suppliers derive their criticality from the assets they access.
    tx.bump_generation("asset").await?;
    let id = match &draft.id {
        Some(id) => {
            let taken: Option<(String,)> = tx_query!(
                tx,
                fetch_optional,
                (String,),
                "select asset_id from asset where asset_id = $1",
                id
            )?;
            if taken.is_some() {
                return Err(Error::Validation(vec![FieldError::new(
                    "id",
                    format!("an asset with the id {id} already exists"),
                )]));
            }
            id.clone()
        }
        None => next_asset_ids(tx, 1).await?.remove(0),
    };
    write_rows(tx, &[(&id, draft)], []).await?;
    write_links(tx, &id, draft).await?;
    read_asset(tx, &id).await
}

/// What an import taken a batch at a time knows of the file's rows before this batch.
#[derive(Default)]
pub(crate) struct Seen {
    /// The id of every row so far, with its row, and the ids the rows depend on.
    ids: crate::store::SeenIds,
    /// Dependencies of the file's rows: (asset, what it depends on), as indexes of `ids`.
    edges: Vec<(usize, usize)>,
    /// Of those, the ones on an asset neither stored nor in the file so far: a row further
    /// down may give it (they are written at the end).
    ahead: Vec<usize>,
}

/// Checks a batch of an import against the store and the rows before it and, with `write`,
/// writes it. Problems (an id twice, a dependency on nothing) are field errors `row N, …`.
pub(crate) async fn import_batch(
    tx: &mut Tx,
    actor: &str,
    rows: Vec<(usize, AssetDraft)>,
    seen: &mut Seen,
    write: bool,
) -> Result<ImportReport> {
    if write {
        // Suppliers derive their criticality from the assets they access.
        tx.bump_generation("asset").await?;
    }
    let problems = seen
        .ids
        .check(rows.iter().map(|(r, d)| (*r, d.id.as_deref())));
    let given: Vec<String> = rows.iter().filter_map(|(_, d)| d.id.clone()).collect();
    let mut existing = read_assets(tx, &given).await?;
    let row_ids: Vec<(usize, Option<&str>)> =
        rows.iter().map(|(r, d)| (*r, d.id.as_deref())).collect();
    let ids = seen
        .ids
        .ids_of(tx, ("asset", "A", "asset", "asset_id"), &row_ids)
        .await?;

    // Every dependency is an asset of the file or of the store (or, for now, of a row further
    // down: checked at the end).
    let mut outside: Vec<String> = rows
        .iter()
        .flat_map(|(_, d)| d.depends_on.iter())
        .filter(|d| !seen.ids.has(d))
        .cloned()
        .collect();
    outside.sort();
    outside.dedup();
    let known = crate::store::existing_ids(tx, "asset", "asset_id", &outside).await?;
    let mut held: HashSet<(&str, &str)> = HashSet::new();
    for ((_, d), id) in rows.iter().zip(&ids) {
        let from = seen.ids.intern(id);
        for dep in &d.depends_on {
            if !seen.ids.has(dep) && !known.contains(dep) {
                seen.ahead.push(seen.edges.len());
                held.insert((id.as_str(), dep.as_str()));
            }
            let to = seen.ids.intern(dep);
            seen.edges.push((from, to));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }

    let now = tx.now().to_string();
    let crate::store::ImportPlan {
        report,
        changes,
        write: written,
        replaced,
    } = crate::store::plan_import(
        actor,
        "asset",
        &ids,
        &rows,
        &mut existing,
        |id, d, before| {
            asset_of(
                id,
                d,
                before.map(|b| b.created_at.as_str()).unwrap_or(&now),
                &now,
                before.map(|b| b.revision + 1).unwrap_or(1),
            )
        },
    );
    if !write {
        // A dry run, or rows only checked: what would be written is known.
        return Ok(report);
    }
    write_rows(tx, &written, replaced.iter().map(String::as_str)).await?;
    tx.exec_in("delete from asset_tag where asset_id in ", &replaced, "")
        .await?;
    tx.exec_in(
        "delete from asset_dependency where asset_id in ",
        &replaced,
        "",
    )
    .await?;
    insert_links(tx, &written, &held).await?;
    tx.audit_many(changes).await?;
    Ok(report)
}

/// Ends an import taken a batch at a time: the dependencies on rows further down are checked
/// against every row of the file (and, with `write`, written), and the file's dependencies
/// with the store's must make no loop.
pub(crate) async fn import_end(tx: &mut Tx, seen: &mut Seen, write: bool) -> Result<()> {
    let mut problems = Vec::new();
    let mut late = Vec::new();
    let row_of = |i: usize| seen.ids.row_at(i).unwrap_or_default();
    for &e in &seen.ahead {
        let (from, to) = seen.edges[e];
        let (id, dep) = (seen.ids.text_of(from), seen.ids.text_of(to));
        if seen.ids.row_at(to).is_some() {
            late.push(vec![Arg::Text(id.to_string()), Arg::Text(dep.to_string())]);
        } else {
            problems.push(FieldError::new(
                format!("row {}, depends_on", row_of(from)),
                format!("there is no asset {dep}"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    if write && !late.is_empty() {
        tx.insert_rows(
            "insert into asset_dependency (asset_id, depends_on_id)",
            late,
            "",
        )
        .await?;
    }
    if seen.edges.is_empty() {
        return Ok(());
    }
    // The file's dependencies, and the store's of assets the file does not give (read a
    // slice at a time, in the order of the key, so that memory holds indexes, not rows).
    let mut edges = std::mem::take(&mut seen.edges);
    let mut starts: Vec<usize> = edges.iter().map(|&(from, _)| from).collect();
    starts.dedup();
    let mut after: Option<(String, String)> = None;
    loop {
        let slice: Vec<(String, String)> = match &after {
            None => tx_query!(
                tx,
                fetch_all,
                (String, String),
                "select asset_id, depends_on_id from asset_dependency \
                 order by asset_id, depends_on_id limit 20000"
            )?,
            Some((a, d)) => tx_query!(
                tx,
                fetch_all,
                (String, String),
                "select asset_id, depends_on_id from asset_dependency \
                 where asset_id > $1 or (asset_id = $1 and depends_on_id > $2) \
                 order by asset_id, depends_on_id limit 20000",
                a,
                d
            )?,
        };
        for (from, to) in &slice {
            if !seen.ids.has(from) {
                let from = seen.ids.intern(from);
                let to = seen.ids.intern(to);
                edges.push((from, to));
            }
        }
        if slice.len() < 20000 {
            break;
        }
        after = slice.into_iter().last();
    }
    let graph = Graph::of(edges, seen.ids.len());
    for path in graph.loops(&starts) {
        if let Some(row) = path.iter().find_map(|&n| seen.ids.row_at(n)) {
            let names: Vec<&str> = path.iter().map(|&n| seen.ids.text_of(n)).collect();
            problems.push(FieldError::new(
                format!("row {row}, depends_on"),
                format!("the dependencies make a loop: {}", names.join(" → ")),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// Reads an asset inside a write, its row locked until the write ends.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Asset> {
    if !tx.lock_row("asset", "asset_id", id).await? {
        return Err(Error::NotFound(format!("asset {id}")));
    }
    read_asset(tx, id).await
}

/// Replaces an asset's fields, tags and dependencies (its revision goes up by one).
pub(crate) async fn update(tx: &mut Tx, id: &str, draft: &AssetDraft) -> Result<Asset> {
    // Suppliers derive their criticality from the assets they access.
    tx.bump_generation("asset").await?;
    if draft.depends_on.iter().any(|d| d == id) {
        return Err(Error::field(
            "depends_on",
            "an asset cannot depend on itself",
        ));
    }
    write_rows(tx, &[(id, draft)], [id]).await?;
    replace_links(tx, id, draft).await?;
    read_asset(tx, id).await
}

/// Marks an asset retired (its revision goes up by one); one retired or disposed already is
/// left as it is. Answers it as stored.
pub(crate) async fn retire(tx: &mut Tx, before: &Asset) -> Result<Asset> {
    // Suppliers derive their criticality from the assets they access.
    tx.bump_generation("asset").await?;
    if matches!(before.lifecycle, Lifecycle::Retired | Lifecycle::Disposed) {
        return Ok(before.clone());
    }
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update asset set lifecycle = $2, updated_at = $3, revision = revision + 1 where asset_id = $1",
        &before.id,
        Lifecycle::Retired.key(),
        &now
    )?;
    read_asset(tx, &before.id).await
}

/// Sets the owner and/or classification of many assets (checked by the caller), each row
/// locked; answers (before, after) of each asset that changed.
pub(crate) async fn bulk_update(
    tx: &mut Tx,
    ids: &[String],
    owner: Option<&str>,
    classification: Option<&str>,
) -> Result<Vec<(Asset, Asset)>> {
    // Suppliers derive their criticality from the assets they access.
    tx.bump_generation("asset").await?;
    let now = tx.now().to_string();
    let mut changed = Vec::new();
    for id in ids {
        let before = lock(tx, id).await?;
        let new_owner = owner
            .map(str::to_string)
            .unwrap_or_else(|| before.owner.clone());
        let new_class = classification
            .map(str::to_string)
            .unwrap_or_else(|| before.classification.clone());
        if new_owner == before.owner && new_class == before.classification {
            continue;
        }
        tx_exec!(
            tx,
            "update asset set owner = $2, classification = $3, updated_at = $4, revision = revision + 1 where asset_id = $1",
            id,
            &new_owner,
            &new_class,
            &now
        )?;
        let after = read_asset(tx, id).await?;
        changed.push((before, after));
    }
    Ok(changed)
}

impl Store {
    pub async fn asset_settings(&self) -> Result<AssetSettings> {
        self.setting(SETTINGS_KEY).await
    }

    /// Replaces the asset types and classification scheme. A type or level that assets still
    /// use cannot be removed: the refusal says how many assets use it.
    pub async fn asset(&self, id: &str) -> Result<Asset> {
        let mut tx = self.read_tx().await?;
        read_asset(&mut tx, id).await
    }

    /// The assets that depend on this one, as (id, name).
    pub async fn asset_dependents(&self, id: &str) -> Result<Vec<(String, String)>> {
        Ok(pool_query!(
            self,
            fetch_all,
            (String, String),
            "select a.asset_id, a.name from asset_dependency d join asset a on a.asset_id = d.asset_id where d.depends_on_id = $1 order by a.name, a.asset_id",
            id
        )?)
    }

    /// Resolves references to assets as people write them — an id, or a name that exactly one
    /// asset has (case ignored) — to ids. References that match nothing are left out.
    pub async fn asset_ids_for(&self, refs: &[String]) -> Result<HashMap<String, String>> {
        let mut tx = self.read_tx().await?;
        let ids = crate::store::existing_ids(&mut tx, "asset", "asset_id", refs).await?;
        let mut out: HashMap<String, String> = ids.into_iter().map(|id| (id.clone(), id)).collect();
        let names: Vec<&String> = refs.iter().filter(|r| !out.contains_key(*r)).collect();
        if names.is_empty() {
            return Ok(out);
        }
        // Names are compared in Rust: SQLite's lower() knows only ASCII.
        let all: Vec<(String, String)> = tx_query!(
            tx,
            fetch_all,
            (String, String),
            "select asset_id, name from asset"
        )?;
        let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
        for (id, name) in &all {
            by_name
                .entry(name.trim().to_lowercase())
                .or_default()
                .push(id);
        }
        for n in names {
            if let Some([only]) = by_name.get(&n.trim().to_lowercase()).map(Vec::as_slice) {
                out.insert(n.clone(), only.to_string());
            }
        }
        Ok(out)
    }

    /// Names of the given assets, as (id, name), for showing dependencies.
    pub async fn asset_names(&self, ids: &[String]) -> Result<Vec<(String, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("select asset_id, name from asset where asset_id in ");
        sql.push_in(ids.iter());
        sql.push(" order by name, asset_id", []);
        Ok(on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, (String, String)>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?)
    }

    /// A page of the register. The cursor is the one the previous page answered.
    pub async fn list_assets(
        &self,
        f: &AssetFilter,
        sort: AssetSort,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Asset>> {
        let limit = limit.clamp(1, 500);
        let (cols, desc) = sort.columns();
        let (count, cap) = match f {
            // A tag alone is counted from the tag's index, without a look at the assets.
            AssetFilter {
                tag: Some(tag),
                asset_type: None,
                owner: None,
                classification: None,
                lifecycle: None,
                text: None,
            } => {
                let mut count = Sql::new("select 1 from asset_tag t where 1 = 1");
                count.push(" and t.tag = ?", [Arg::Text(tag.clone())]);
                (count, COUNT_CAP)
            }
            // Text alone is counted from the text index, where it can be.
            AssetFilter {
                text: Some(q),
                tag: None,
                asset_type: None,
                owner: None,
                classification: None,
                lifecycle: None,
            } if let Some(count) =
                crate::store::text_index_count("asset_text", q, self.backend()) =>
            {
                (count, COUNT_CAP)
            }
            // A tag with other filters: the tagged assets are read from the tag's index and
            // each looked up, until the (lower) cap. Listing every tagged asset first, and
            // looking up ten times as many, took 50 ms at a million assets.
            AssetFilter { tag: Some(tag), .. } => {
                let mut count = Sql::new(
                    "select 1 from asset_tag t cross join asset a where a.asset_id = t.asset_id",
                );
                count.push(" and t.tag = ?", [Arg::Text(tag.clone())]);
                let rest = AssetFilter {
                    tag: None,
                    ..f.clone()
                };
                where_filter(&mut count, &rest, self.backend(), false);
                (count, COUNT_CAP_LINKED)
            }
            _ => {
                let mut count = Sql::new("select 1 from asset a where 1 = 1");
                where_filter(&mut count, f, self.backend(), false);
                (count, COUNT_CAP)
            }
        };
        let cap = crate::store::text_count_cap(f.text.as_deref(), cap);
        // Unfiltered, the register's exact total is kept by the store.
        let (total, total_capped) = if *f == AssetFilter::default() {
            (self.register_count("asset").await?, false)
        } else {
            self.capped_count_of(&count, cap).await?
        };

        let many = total_capped || total > crate::store::WALK_ABOVE;
        let text = f.text.as_deref().filter(|_| many).map(|q| TextSearch {
            alias: "a",
            columns: &crate::store::ASSET_TEXT,
            q,
        });
        let backend = self.backend();
        let filters = |sql: &mut Sql, with_text: bool| {
            let text = if with_text { f.text.clone() } else { None };
            let g = AssetFilter { text, ..f.clone() };
            where_filter(sql, &g, backend, many);
        };
        let rows: Vec<AssetRow> = self
            .filtered_rows(
                COLUMNS,
                "from asset a",
                text,
                filters,
                (cols, desc),
                cursor,
                limit,
            )
            .await?;
        let more = rows.len() as i64 > limit;
        let mut items: Vec<Asset> = rows
            .into_iter()
            .take(limit as usize)
            .map(asset_from)
            .collect();
        self.attach_tags(&mut items).await?;
        let next_cursor = if more {
            items.last().map(|a| {
                crate::store::cursor_of(sort.values(a).into_iter().map(serde_json::Value::from))
            })
        } else {
            None
        };
        Ok(Page {
            items,
            total,
            total_capped,
            next_cursor,
        })
    }

    /// Every asset matching a filter, in the sort's order (exports).
    pub async fn all_assets(&self, f: &AssetFilter, sort: AssetSort) -> Result<Vec<Asset>> {
        crate::store::collect_pages(|cursor| async move {
            self.list_assets(f, sort, cursor.as_deref(), 500).await
        })
        .await
    }

    /// Puts the tags and dependencies on a page of assets (one query).
    async fn attach_tags(&self, items: &mut [Asset]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = items.iter().map(|a| a.id.clone()).collect();
        let [tags, deps] = self
            .links_of(
                [
                    ("asset_tag", "asset_id", "tag"),
                    ("asset_dependency", "asset_id", "depends_on_id"),
                ],
                &ids,
            )
            .await?;
        for (id, tag) in tags {
            if let Some(a) = items.iter_mut().find(|a| a.id == id) {
                a.tags.push(tag);
            }
        }
        for (id, dep) in deps {
            if let Some(a) = items.iter_mut().find(|a| a.id == id) {
                a.depends_on.push(dep);
            }
        }
        Ok(())
    }

    /// Marks an asset retired (it keeps its history, links and risks).
    pub async fn asset_facets(&self) -> Result<(Vec<String>, Vec<String>)> {
        Ok((
            self.distinct_values("asset", "owner").await?,
            self.distinct_values("asset_tag", "tag").await?,
        ))
    }
}

async fn read_asset(tx: &mut Tx, id: &str) -> Result<Asset> {
    let r: Option<AssetRow> = tx_query!(
        tx,
        fetch_optional,
        AssetRow,
        &format!("select {COLUMNS} from asset a where a.asset_id = $1"),
        id
    )?;
    let mut a = asset_from(r.ok_or_else(|| Error::NotFound(format!("asset {id}")))?);
    let tags: Vec<(String,)> = tx_query!(
        tx,
        fetch_all,
        (String,),
        "select tag from asset_tag where asset_id = $1 order by tag",
        id
    )?;
    let deps: Vec<(String,)> = tx_query!(
        tx,
        fetch_all,
        (String,),
        "select depends_on_id from asset_dependency where asset_id = $1 order by depends_on_id",
        id
    )?;
    a.tags = tags.into_iter().map(|t| t.0).collect();
    a.depends_on = deps.into_iter().map(|t| t.0).collect();
    // Sorted here, not by the database: PostgreSQL's collation may order text otherwise.
    a.tags.sort();
    a.depends_on.sort();
    Ok(a)
}

/// The assets with these ids that exist, with their tags and dependencies (a few queries
/// per 5,000 ids).
async fn read_assets(tx: &mut Tx, ids: &[String]) -> Result<HashMap<String, Asset>> {
    let rows: Vec<AssetRow> = tx_fetch_in!(
        tx,
        AssetRow,
        &format!("select {COLUMNS} from asset a where a.asset_id in "),
        ids,
        ""
    );
    let mut out: HashMap<String, Asset> = rows
        .into_iter()
        .map(asset_from)
        .map(|a| (a.id.clone(), a))
        .collect();
    let found: Vec<String> = out.keys().cloned().collect();
    let tags: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select asset_id, tag from asset_tag where asset_id in ",
        found,
        ""
    );
    let deps: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select asset_id, depends_on_id from asset_dependency where asset_id in ",
        found,
        ""
    );
    for (id, tag) in tags {
        if let Some(a) = out.get_mut(&id) {
            a.tags.push(tag);
        }
    }
    for (id, dep) in deps {
        if let Some(a) = out.get_mut(&id) {
            a.depends_on.push(dep);
        }
    }
    for a in out.values_mut() {
        a.tags.sort();
        a.depends_on.sort();
    }
    Ok(out)
}

/// Writes an asset's tags and dependencies; refuses unknown assets and loops, naming them.
async fn write_links(tx: &mut Tx, id: &str, draft: &AssetDraft) -> Result<()> {
    let mut problems = Vec::new();
    let known = crate::store::existing_ids(tx, "asset", "asset_id", &draft.depends_on).await?;
    for dep in &draft.depends_on {
        if !known.contains(dep) {
            problems.push(FieldError::new(
                "depends_on",
                format!("there is no asset {dep}"),
            ));
            continue;
        }
        let cycle: Option<(String,)> = tx_query!(
            tx,
            fetch_optional,
            (String,),
            "with recursive reach(node) as (
                 select depends_on_id from asset_dependency where asset_id = $1
                 union
                 select d.depends_on_id from asset_dependency d join reach r on d.asset_id = r.node
             )
             select node from reach where node = $2",
            dep,
            id
        )?;
        if cycle.is_some() {
            problems.push(FieldError::new(
                "depends_on",
                format!("{dep} already depends on {id}: the dependency would make a loop"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    insert_links(tx, &[(id, draft)], &HashSet::new()).await
}

/// Writes assets' own rows (not their tags or dependencies): inserts them, or updates every
/// field but the creation time of those `held` (ids the register holds).
async fn write_rows(
    tx: &mut Tx,
    rows: &[(&str, &AssetDraft)],
    held: impl IntoIterator<Item = &'_ str>,
) -> Result<()> {
    let held: HashSet<&str> = held.into_iter().collect();
    let now = tx.now().to_string();
    // A batch at a time, so that a large import does not hold every row's arguments.
    for rows in rows.chunks(crate::store::ROWS_PER_BATCH) {
        let values = rows
            .iter()
            .map(|(id, d)| {
                vec![
                    Arg::Text(id.to_string()),
                    Arg::Text(d.name.clone()),
                    Arg::Text(d.asset_type.clone()),
                    Arg::Text(d.description.clone()),
                    Arg::Text(d.owner.clone()),
                    Arg::Text(d.custodian.clone()),
                    Arg::Text(d.location.clone()),
                    Arg::Text(d.classification.clone()),
                    Arg::OptInt(d.confidentiality),
                    Arg::OptInt(d.integrity),
                    Arg::OptInt(d.availability),
                    Arg::Text(d.lifecycle.key().to_string()),
                    Arg::OptText(d.last_reviewed_on.clone()),
                    Arg::Text(now.clone()),
                    Arg::Text(now.clone()),
                ]
            })
            .collect();
        tx.upsert_rows(
        "insert into asset (asset_id, name, asset_type, description, owner, custodian, location, classification,
                            confidentiality, integrity, availability, lifecycle, last_reviewed_on, created_at, updated_at)",
        values,
        &held,
        "on conflict (asset_id) do update set
             name = excluded.name, asset_type = excluded.asset_type, description = excluded.description,
             owner = excluded.owner, custodian = excluded.custodian, location = excluded.location,
             classification = excluded.classification, confidentiality = excluded.confidentiality,
             integrity = excluded.integrity, availability = excluded.availability, lifecycle = excluded.lifecycle,
             last_reviewed_on = excluded.last_reviewed_on, updated_at = excluded.updated_at,
             revision = asset.revision + 1",
    )
    .await?;
    }
    Ok(())
}

/// Inserts assets' tags and dependencies as given (checked by the caller).
async fn insert_links(
    tx: &mut Tx,
    rows: &[(&str, &AssetDraft)],
    held: &HashSet<(&str, &str)>,
) -> Result<()> {
    let tags = rows
        .iter()
        .flat_map(|(id, d)| {
            d.tags
                .iter()
                .map(move |t| vec![Arg::Text(id.to_string()), Arg::Text(t.clone())])
        })
        .collect();
    tx.insert_rows("insert into asset_tag (asset_id, tag)", tags, "")
        .await?;
    let deps = rows
        .iter()
        .flat_map(|(id, d)| {
            d.depends_on
                .iter()
                .filter(|t| !held.contains(&(*id, t.as_str())))
                .map(move |t| vec![Arg::Text(id.to_string()), Arg::Text(t.clone())])
        })
        .collect();
    tx.insert_rows(
        "insert into asset_dependency (asset_id, depends_on_id)",
        deps,
        "",
    )
    .await
}

impl Record for Asset {
    fn align_with(&mut self, stored: &Self) {
        self.updated_at = stored.updated_at.clone();
        self.revision = stored.revision;
    }
}

/// The asset a draft makes, as the store will read it back.
fn asset_of(id: &str, d: &AssetDraft, created_at: &str, updated_at: &str, revision: i64) -> Asset {
    let mut tags = d.tags.clone();
    tags.sort();
    let mut depends_on = d.depends_on.clone();
    depends_on.sort();
    Asset {
        id: id.to_string(),
        name: d.name.clone(),
        asset_type: d.asset_type.clone(),
        description: d.description.clone(),
        owner: d.owner.clone(),
        custodian: d.custodian.clone(),
        location: d.location.clone(),
        classification: d.classification.clone(),
        confidentiality: d.confidentiality,
        integrity: d.integrity,
        availability: d.availability,
        lifecycle: d.lifecycle,
        last_reviewed_on: d.last_reviewed_on.clone(),
        created_at: created_at.to_string(),
        updated_at: updated_at.to_string(),
        revision,
        tags,
        depends_on,
    }
}

async fn next_asset_ids(tx: &mut Tx, n: usize) -> Result<Vec<String>> {
    crate::store::next_ids(tx, "asset", "A", "asset", "asset_id", n).await
}

/// A dependency graph over indexes: the dependencies of node `n` are
/// `edges[first[n]..first[n + 1]]`, the edges sorted by the node they leave.
struct Graph {
    edges: Vec<(usize, usize)>,
    first: Vec<usize>,
}

impl Graph {
    fn of(mut edges: Vec<(usize, usize)>, nodes: usize) -> Graph {
        edges.sort_unstable();
        edges.dedup();
        let mut first = vec![0; nodes + 1];
        for &(from, _) in &edges {
            first[from + 1] += 1;
        }
        for n in 0..nodes {
            first[n + 1] += first[n];
        }
        Graph { edges, first }
    }

    fn dependency(&self, node: usize, k: usize) -> Option<usize> {
        let at = self.first[node] + k;
        (at < self.first[node + 1]).then(|| self.edges[at].1)
    }

    /// The loops reachable from `starts`, each once, as a path `a → … → a`: one depth-first
    /// walk over the whole graph (linear in its size).
    fn loops(&self, starts: &[usize]) -> Vec<Vec<usize>> {
        const NEW: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut mark = vec![NEW; self.first.len() - 1];
        let mut loops = Vec::new();
        for &start in starts {
            if mark[start] != NEW {
                continue;
            }
            // The current path, each node with the index of its next dependency to visit.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            mark[start] = ON_PATH;
            while let Some(top) = path.len().checked_sub(1) {
                let (node, next) = path[top];
                let Some(dep) = self.dependency(node, next) else {
                    mark[node] = DONE;
                    path.pop();
                    continue;
                };
                path[top].1 += 1;
                match mark[dep] {
                    NEW => {
                        mark[dep] = ON_PATH;
                        path.push((dep, 0));
                    }
                    ON_PATH => {
                        let from = path.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                        let mut cycle: Vec<usize> = path[from..].iter().map(|&(n, _)| n).collect();
                        cycle.push(dep);
                        loops.push(cycle);
                    }
                    _ => {}
                }
            }
        }
        loops
    }
}

/// Replaces an asset's tags and dependencies.
async fn replace_links(tx: &mut Tx, id: &str, draft: &AssetDraft) -> Result<()> {
    tx_exec!(tx, "delete from asset_tag where asset_id = $1", id)?;
    tx_exec!(tx, "delete from asset_dependency where asset_id = $1", id)?;
    write_links(tx, id, draft).await
}
