//! Catalogues in the store: loading the frameworks compiled into the binary (only when their
//! content changed, so an upgrade refreshes them without touching the organisation's data),
//! and browsing controls with filters, facet counts, keyset pagination and mappings.

use super::{Store, Tx, found, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::catalog::{
    AttributeType, Catalog, Control, ControlFilter, Facets, Framework, FrameworkFile, Group,
    MappedControl, MappingFile, id_order,
};
use crate::domain::query::Page;
use crate::domain::user::sha256_hex;
use crate::error::Result;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

/// What loading the catalogues did, per framework.
#[derive(Debug, Default)]
pub struct CatalogLoad {
    pub loaded: Vec<String>,
    pub unchanged: Vec<String>,
}

type ControlRow = (String, String, String, String, String, i64);

impl Store {
    /// Loads the given frameworks and mappings; a framework whose content hash is unchanged is
    /// left alone. Each framework is replaced in one transaction with one audit entry.
    pub async fn load_catalogs(
        &self,
        actor: &str,
        frameworks: &[FrameworkFile],
        texts: &[&str],
        mappings: &[MappingFile],
    ) -> Result<CatalogLoad> {
        let mut report = CatalogLoad::default();
        for (fw, text) in frameworks.iter().zip(texts) {
            let hash = sha256_hex(text.as_bytes());
            let current: Option<(String,)> = pool_query!(
                self,
                fetch_optional,
                (String,),
                "select content_hash from framework where framework_id = $1",
                &fw.id
            )?;
            if current.as_ref().is_some_and(|c| c.0 == hash) {
                report.unchanged.push(fw.id.clone());
                continue;
            }
            let mut tx = self.write().await?;
            replace_framework(&mut tx, fw, &hash).await?;
            tx.audit(
                Change::new(actor, "catalog.load", "framework", &fw.id)
                    .before(current.map(|c| serde_json::json!({"content_hash": c.0})))
                    .after(serde_json::json!({
                        "name": fw.name, "data_version": fw.data_version,
                        "controls": fw.controls.len(), "content_hash": hash
                    })),
            )
            .await?;
            tx.commit().await?;
            report.loaded.push(fw.id.clone());
        }
        for m in mappings {
            self.load_mapping(actor, m).await?;
        }
        Ok(report)
    }

    async fn load_mapping(&self, actor: &str, m: &MappingFile) -> Result<()> {
        let (have,): (i64,) = pool_query!(
            self,
            fetch_one,
            (i64,),
            "select count(*) from control_mapping where from_framework_id = $1 and to_framework_id = $2",
            &m.from,
            &m.to
        )?;
        let (have_new,): (i64,) = pool_query!(
            self,
            fetch_one,
            (i64,),
            "select count(*) from control_new where from_framework_id = $1 and to_framework_id = $2",
            &m.from,
            &m.to
        )?;
        if have as usize == m.pairs.len() && have_new as usize == m.new_in_target.len() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        tx_exec!(
            tx,
            "delete from control_mapping where from_framework_id = $1 and to_framework_id = $2",
            &m.from,
            &m.to
        )?;
        tx_exec!(
            tx,
            "delete from control_new where from_framework_id = $1 and to_framework_id = $2",
            &m.from,
            &m.to
        )?;
        for (a, b) in &m.pairs {
            tx_exec!(
                tx,
                "insert into control_mapping (from_framework_id, from_control_id, to_framework_id, to_control_id) values ($1, $2, $3, $4)",
                &m.from,
                a,
                &m.to,
                b
            )?;
        }
        for n in &m.new_in_target {
            tx_exec!(
                tx,
                "insert into control_new (from_framework_id, to_framework_id, to_control_id) values ($1, $2, $3)",
                &m.from,
                &m.to,
                n
            )?;
        }
        tx.audit(
            Change::new(
                actor,
                "catalog.load_mapping",
                "mapping",
                &format!("{}->{}", m.from, m.to),
            )
            .after(
                serde_json::json!({"pairs": m.pairs.len(), "new_in_target": m.new_in_target.len()}),
            ),
        )
        .await?;
        tx.commit().await
    }

    /// The frameworks in the store, each as a snapshot (see `Catalog`).
    pub async fn catalogs(&self) -> Result<Vec<Arc<Catalog>>> {
        type Row = (String, String, String, i64, String);
        let rows: Vec<Row> = pool_query!(
            self,
            fetch_all,
            Row,
            "select framework_id, name, description, data_version, content_hash from framework order by framework_id desc"
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, name, description, data_version, hash) in rows {
            let cached = self.catalog_cache.get(&id, &hash);
            let snapshot = match cached {
                Some(c) => c,
                None => {
                    let framework = Framework {
                        id,
                        name,
                        description,
                        data_version,
                        control_count: 0,
                    };
                    let c = Arc::new(self.load_snapshot(framework, hash).await?);
                    self.catalog_cache.put(c.clone());
                    c
                }
            };
            out.push(snapshot);
        }
        Ok(out)
    }

    /// One framework's snapshot.
    pub async fn catalog(&self, framework: &str) -> Result<Arc<Catalog>> {
        let c = self
            .catalogs()
            .await?
            .into_iter()
            .find(|c| c.framework.id == framework);
        found(c, || format!("framework '{framework}'"))
    }

    async fn load_snapshot(&self, mut framework: Framework, hash: String) -> Result<Catalog> {
        let id = framework.id.clone();
        let groups: Vec<(String, String, Option<String>)> = pool_query!(
            self,
            fetch_all,
            (String, String, Option<String>),
            "select group_id, title, parent_id from catalog_group where framework_id = $1 order by position",
            &id
        )?;
        let types: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select attribute_key, name from attribute_type where framework_id = $1 order by position",
            &id
        )?;
        let values: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select attribute_key, value from attribute_value where framework_id = $1 order by position",
            &id
        )?;
        let rows: Vec<ControlRow> = pool_query!(
            self,
            fetch_all,
            ControlRow,
            "select control_id, title, theme_id, group_id, summary, position from control where framework_id = $1 order by position",
            &id
        )?;
        let attrs: Vec<(String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String),
            "select control_id, attribute_key, value from control_attribute where framework_id = $1 order by attribute_key, position",
            &id
        )?;
        let mut controls: Vec<Control> = rows
            .into_iter()
            .map(|(cid, title, theme, group, summary, position)| Control {
                framework: id.clone(),
                group: (group != theme).then_some(group),
                id: cid,
                title,
                theme,
                summary,
                attributes: BTreeMap::new(),
                position,
            })
            .collect();
        let index: HashMap<String, usize> = controls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        for (cid, key, value) in attrs {
            if let Some(&i) = index.get(&cid) {
                controls[i].attributes.entry(key).or_default().push(value);
            }
        }
        framework.control_count = controls.len() as i64;
        Ok(Catalog::new(
            framework,
            hash,
            groups
                .into_iter()
                .map(|(id, title, parent)| Group { id, title, parent })
                .collect(),
            types
                .into_iter()
                .map(|(key, name)| AttributeType {
                    values: values
                        .iter()
                        .filter(|v| v.0 == key)
                        .map(|v| v.1.clone())
                        .collect(),
                    key,
                    name,
                })
                .collect(),
            controls,
        ))
    }

    pub async fn frameworks(&self) -> Result<Vec<Framework>> {
        Ok(self
            .catalogs()
            .await?
            .iter()
            .map(|c| c.framework.clone())
            .collect())
    }

    pub async fn framework(&self, id: &str) -> Result<Framework> {
        Ok(self.catalog(id).await?.framework.clone())
    }

    pub async fn groups(&self, framework: &str) -> Result<Vec<Group>> {
        Ok(self.catalog(framework).await?.groups.clone())
    }

    pub async fn attribute_types(&self, framework: &str) -> Result<Vec<AttributeType>> {
        Ok(self.catalog(framework).await?.attribute_types.clone())
    }

    /// One page of the controls of a framework that match the filter, in catalogue order.
    pub async fn controls(
        &self,
        framework: &str,
        filter: &ControlFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Control>> {
        self.catalog(framework).await?.page(filter, cursor, limit)
    }

    /// Counts per theme and attribute value among the controls matching the filter.
    pub async fn control_facets(&self, framework: &str, filter: &ControlFilter) -> Result<Facets> {
        Ok(self.catalog(framework).await?.facets(filter))
    }

    pub async fn control(&self, framework: &str, id: &str) -> Result<Control> {
        self.catalog(framework).await?.control(id).cloned()
    }

    /// Controls of other frameworks mapped to this one (both directions).
    pub async fn mapped_controls(&self, framework: &str, id: &str) -> Result<Vec<MappedControl>> {
        let rows: Vec<(String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String),
            "select m.to_framework_id, m.to_control_id, coalesce(c.title, '') from control_mapping m
               left join control c on c.framework_id = m.to_framework_id and c.control_id = m.to_control_id
               where m.from_framework_id = $1 and m.from_control_id = $2
             union
             select m.from_framework_id, m.from_control_id, coalesce(c.title, '') from control_mapping m
               left join control c on c.framework_id = m.from_framework_id and c.control_id = m.from_control_id
               where m.to_framework_id = $1 and m.to_control_id = $2",
            framework,
            id
        )?;
        let mut out: Vec<MappedControl> = rows
            .into_iter()
            .map(|r| MappedControl {
                framework: r.0,
                id: r.1,
                title: r.2,
            })
            .collect();
        out.sort_by(|a, b| {
            a.framework
                .cmp(&b.framework)
                .then(id_order(&a.id).cmp(&id_order(&b.id)))
        });
        Ok(out)
    }

    /// The frameworks (by id) in which this control is marked new relative to an older one.
    pub async fn new_relative_to(&self, framework: &str, id: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = pool_query!(
            self,
            fetch_all,
            (String,),
            "select from_framework_id from control_new where to_framework_id = $1 and to_control_id = $2",
            framework,
            id
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The controls of `to` that correspond to `id` in `from`.
    pub async fn map_control(&self, from: &str, id: &str, to: &str) -> Result<Vec<MappedControl>> {
        let id = crate::domain::catalog::normalise_control_id(id);
        self.control(from, &id).await?;
        self.framework(to).await?;
        Ok(self
            .mapped_controls(from, &id)
            .await?
            .into_iter()
            .filter(|m| m.framework == to)
            .collect())
    }

    /// Every pair between two frameworks, as (from id, to id), in catalogue order of `from`.
    pub async fn mapping_pairs(&self, from: &str, to: &str) -> Result<Vec<(String, String)>> {
        let mut rows: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select from_control_id, to_control_id from control_mapping where from_framework_id = $1 and to_framework_id = $2
             union
             select to_control_id, from_control_id from control_mapping where from_framework_id = $2 and to_framework_id = $1",
            from,
            to
        )?;
        rows.sort_by(|a, b| {
            id_order(&a.0)
                .cmp(&id_order(&b.0))
                .then(id_order(&a.1).cmp(&id_order(&b.1)))
        });
        Ok(rows)
    }

    /// Counts of controls per theme, for the dashboard.
    pub async fn control_count_by_theme(&self, framework: &str) -> Result<Vec<(Group, i64)>> {
        let c = self.catalog(framework).await?;
        let facets = c.facets(&ControlFilter::default());
        Ok(c.groups
            .iter()
            .filter(|g| g.parent.is_none())
            .map(|g| (g.clone(), facets.themes.get(&g.id).copied().unwrap_or(0)))
            .collect())
    }

    /// Number of controls carrying both `(key_a, a)` and `(key_b, b)`, for every pair of values.
    pub async fn attribute_grid(
        &self,
        framework: &str,
        key_a: &str,
        key_b: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        let c = self.catalog(framework).await?;
        let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
        for control in &c.controls {
            let (Some(a), Some(b)) = (control.attributes.get(key_a), control.attributes.get(key_b))
            else {
                continue;
            };
            for x in a {
                for y in b {
                    *counts.entry((x.clone(), y.clone())).or_default() += 1;
                }
            }
        }
        Ok(counts.into_iter().map(|((a, b), n)| (a, b, n)).collect())
    }
}

/// The snapshots this process holds, by framework id.
#[derive(Debug, Default)]
pub(crate) struct CatalogCache(RwLock<HashMap<String, Arc<Catalog>>>);

impl CatalogCache {
    fn get(&self, id: &str, hash: &str) -> Option<Arc<Catalog>> {
        let map = self.0.read().unwrap_or_else(|p| p.into_inner());
        map.get(id).filter(|c| c.hash == hash).cloned()
    }

    fn put(&self, c: Arc<Catalog>) {
        let mut map = self.0.write().unwrap_or_else(|p| p.into_inner());
        map.insert(c.framework.id.clone(), c);
    }
}

async fn replace_framework(tx: &mut Tx, fw: &FrameworkFile, hash: &str) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "delete from control_attribute where framework_id = $1",
        &fw.id
    )?;
    tx_exec!(tx, "delete from control where framework_id = $1", &fw.id)?;
    tx_exec!(
        tx,
        "delete from attribute_value where framework_id = $1",
        &fw.id
    )?;
    tx_exec!(
        tx,
        "delete from attribute_type where framework_id = $1",
        &fw.id
    )?;
    tx_exec!(
        tx,
        "delete from catalog_group where framework_id = $1",
        &fw.id
    )?;
    let exists: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select framework_id from framework where framework_id = $1",
        &fw.id
    )?;
    if exists.is_some() {
        tx_exec!(
            tx,
            "update framework set name = $2, description = $3, data_version = $4, content_hash = $5, loaded_at = $6 where framework_id = $1",
            &fw.id,
            &fw.name,
            &fw.description,
            fw.data_version,
            hash,
            &now
        )?;
    } else {
        tx_exec!(
            tx,
            "insert into framework (framework_id, name, description, data_version, content_hash, builtin, loaded_at) values ($1, $2, $3, $4, $5, $6, $7)",
            &fw.id,
            &fw.name,
            &fw.description,
            fw.data_version,
            hash,
            true,
            &now
        )?;
    }
    for (i, g) in fw.groups.iter().enumerate() {
        tx_exec!(
            tx,
            "insert into catalog_group (framework_id, group_id, title, parent_id, position) values ($1, $2, $3, $4, $5)",
            &fw.id,
            &g.id,
            &g.title,
            g.parent.clone(),
            i as i64
        )?;
    }
    for (i, t) in fw.attribute_types.iter().enumerate() {
        tx_exec!(
            tx,
            "insert into attribute_type (framework_id, attribute_key, name, position) values ($1, $2, $3, $4)",
            &fw.id,
            &t.key,
            &t.name,
            i as i64
        )?;
        for (j, v) in t.values.iter().enumerate() {
            tx_exec!(
                tx,
                "insert into attribute_value (framework_id, attribute_key, value, position) values ($1, $2, $3, $4)",
                &fw.id,
                &t.key,
                v,
                j as i64
            )?;
        }
    }
    for (i, c) in fw.controls.iter().enumerate() {
        tx_exec!(
            tx,
            "insert into control (framework_id, control_id, title, theme_id, group_id, parent_id, summary, position) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            &fw.id,
            &c.id,
            &c.title,
            fw.theme_of(&c.group),
            &c.group,
            c.parent.clone(),
            &c.summary,
            i as i64
        )?;
        let types = &fw.attribute_types;
        for (key, values) in &c.attributes {
            let order = types.iter().find(|t| &t.key == key);
            for v in values {
                let pos = order
                    .and_then(|t| t.values.iter().position(|x| x == v))
                    .unwrap_or(0) as i64;
                tx_exec!(
                    tx,
                    "insert into control_attribute (framework_id, control_id, attribute_key, value, position) values ($1, $2, $3, $4, $5)",
                    &fw.id,
                    &c.id,
                    key,
                    v,
                    pos
                )?;
            }
        }
    }
    Ok(())
}
