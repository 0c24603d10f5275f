//! Catalogues in the store: loading the frameworks compiled into the binary (only when their
//! content changed, so an upgrade refreshes them without touching the organisation's data),
//! and browsing controls with filters, facet counts, keyset pagination and mappings.

use super::{Arg, Sql, Store, Tx, bind_args, found, on_pool, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::catalog::{
    AttributeType, Control, ControlFilter, Framework, FrameworkFile, Group, MappedControl,
    MappingFile,
};
use crate::domain::user::sha256_hex;
use crate::error::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// What loading the catalogues did, per framework.
#[derive(Debug, Default)]
pub struct CatalogLoad {
    pub loaded: Vec<String>,
    pub unchanged: Vec<String>,
}

/// A page of controls and the cursor of the next page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many controls match the filter in all.
    pub total: i64,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Counts of matching controls per theme and per attribute value, for the filter panel.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub themes: BTreeMap<String, i64>,
    /// attribute type → value → count
    pub attributes: BTreeMap<String, BTreeMap<String, i64>>,
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

    pub async fn frameworks(&self) -> Result<Vec<Framework>> {
        let rows: Vec<(String, String, String, i64, i64)> = pool_query!(
            self,
            fetch_all,
            (String, String, String, i64, i64),
            "select f.framework_id, f.name, f.description, f.data_version,
                    (select count(*) from control c where c.framework_id = f.framework_id)
             from framework f order by f.framework_id desc"
        )?;
        Ok(rows
            .into_iter()
            .map(|r| Framework {
                id: r.0,
                name: r.1,
                description: r.2,
                data_version: r.3,
                control_count: r.4,
            })
            .collect())
    }

    pub async fn framework(&self, id: &str) -> Result<Framework> {
        let f = self.frameworks().await?.into_iter().find(|f| f.id == id);
        found(f, || format!("framework '{id}'"))
    }

    pub async fn groups(&self, framework: &str) -> Result<Vec<Group>> {
        let rows: Vec<(String, String, Option<String>)> = pool_query!(
            self,
            fetch_all,
            (String, String, Option<String>),
            "select group_id, title, parent_id from catalog_group where framework_id = $1 order by position",
            framework
        )?;
        Ok(rows
            .into_iter()
            .map(|r| Group {
                id: r.0,
                title: r.1,
                parent: r.2,
            })
            .collect())
    }

    pub async fn attribute_types(&self, framework: &str) -> Result<Vec<AttributeType>> {
        let types: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select attribute_key, name from attribute_type where framework_id = $1 order by position",
            framework
        )?;
        let values: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select attribute_key, value from attribute_value where framework_id = $1 order by position",
            framework
        )?;
        Ok(types
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
            .collect())
    }

    /// One page of the controls of a framework that match the filter, in catalogue order.
    pub async fn controls(
        &self,
        framework: &str,
        filter: &ControlFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Control>> {
        let limit = limit.clamp(1, 1000);
        let after: i64 = match cursor {
            None | Some("") => -1,
            Some(c) => c.parse().map_err(|_| {
                crate::error::Error::field(
                    "cursor",
                    format!("'{c}' is not a cursor from a previous page"),
                )
            })?,
        };
        let mut count = Sql::new("select count(*) from control c where c.framework_id = $1");
        count.args.push(Arg::Text(framework.to_string()));
        where_filter(&mut count, filter);
        let (total,): (i64,) = on_pool!(&self.pool, |c| bind_args!(
            sqlx::query_as::<_, (i64,)>(&count.text),
            &count.args
        )
        .fetch_one(c)
        .await)?;

        let mut sql = Sql::new(
            "select c.control_id, c.title, c.theme_id, c.group_id, c.summary, c.position from control c where c.framework_id = $1",
        );
        sql.args.push(Arg::Text(framework.to_string()));
        where_filter(&mut sql, filter);
        sql.push(
            " and c.position > ? order by c.position limit ?",
            [Arg::Int(after), Arg::Int(limit + 1)],
        );
        let mut rows: Vec<ControlRow> = on_pool!(&self.pool, |c| bind_args!(
            sqlx::query_as::<_, ControlRow>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut items = self.with_attributes(framework, rows).await?;
        let next_cursor = if more {
            items.last().map(|c| c.position.to_string())
        } else {
            None
        };
        items.shrink_to_fit();
        Ok(Page {
            items,
            total,
            next_cursor,
        })
    }

    /// Counts per theme and attribute value among the controls matching the filter.
    pub async fn control_facets(&self, framework: &str, filter: &ControlFilter) -> Result<Facets> {
        let mut themes =
            Sql::new("select c.theme_id, count(*) from control c where c.framework_id = $1");
        themes.args.push(Arg::Text(framework.to_string()));
        where_filter(&mut themes, filter);
        themes.push(" group by c.theme_id", []);
        let theme_rows: Vec<(String, i64)> = on_pool!(&self.pool, |c| bind_args!(
            sqlx::query_as::<_, (String, i64)>(&themes.text),
            &themes.args
        )
        .fetch_all(c)
        .await)?;
        let mut attrs = Sql::new(
            "select a.attribute_key, a.value, count(*) from control_attribute a
             join control c on c.framework_id = a.framework_id and c.control_id = a.control_id
             where c.framework_id = $1",
        );
        attrs.args.push(Arg::Text(framework.to_string()));
        where_filter(&mut attrs, filter);
        attrs.push(" group by a.attribute_key, a.value", []);
        let attr_rows: Vec<(String, String, i64)> = on_pool!(&self.pool, |c| bind_args!(
            sqlx::query_as::<_, (String, String, i64)>(&attrs.text),
            &attrs.args
        )
        .fetch_all(c)
        .await)?;
        let mut facets = Facets {
            themes: theme_rows.into_iter().collect(),
            ..Facets::default()
        };
        for (k, v, n) in attr_rows {
            facets.attributes.entry(k).or_default().insert(v, n);
        }
        Ok(facets)
    }

    pub async fn control(&self, framework: &str, id: &str) -> Result<Control> {
        let id = crate::domain::catalog::normalise_control_id(id);
        let r: Option<ControlRow> = pool_query!(
            self,
            fetch_optional,
            ControlRow,
            "select control_id, title, theme_id, group_id, summary, position from control where framework_id = $1 and control_id = $2",
            framework,
            &id
        )?;
        let row = found(r, || format!("control {id} in {framework}"))?;
        Ok(self.with_attributes(framework, vec![row]).await?.remove(0))
    }

    async fn with_attributes(
        &self,
        framework: &str,
        rows: Vec<ControlRow>,
    ) -> Result<Vec<Control>> {
        let mut controls: Vec<Control> = rows
            .into_iter()
            .map(|(id, title, theme, group, summary, position)| Control {
                framework: framework.to_string(),
                group: (group != theme).then_some(group),
                id,
                title,
                theme,
                summary,
                attributes: BTreeMap::new(),
                position,
            })
            .collect();
        if controls.is_empty() {
            return Ok(controls);
        }
        let (lo, hi) = (controls[0].position, controls[controls.len() - 1].position);
        let attrs: Vec<(String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String),
            "select a.control_id, a.attribute_key, a.value from control_attribute a
             join control c on c.framework_id = a.framework_id and c.control_id = a.control_id
             where a.framework_id = $1 and c.position between $2 and $3
             order by a.attribute_key, a.position",
            framework,
            lo,
            hi
        )?;
        let index: std::collections::HashMap<String, usize> = controls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        for (cid, key, value) in attrs {
            if let Some(&i) = index.get(&cid) {
                controls[i].attributes.entry(key).or_default().push(value);
            }
        }
        Ok(controls)
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
        let groups = self.groups(framework).await?;
        let facets = self
            .control_facets(framework, &ControlFilter::default())
            .await?;
        Ok(groups
            .into_iter()
            .filter(|g| g.parent.is_none())
            .map(|g| {
                let n = facets.themes.get(&g.id).copied().unwrap_or(0);
                (g, n)
            })
            .collect())
    }

    /// Number of controls carrying both `(key_a, a)` and `(key_b, b)`, for every pair of values.
    pub async fn attribute_grid(
        &self,
        framework: &str,
        key_a: &str,
        key_b: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        let rows: Vec<(String, String, i64)> = pool_query!(
            self,
            fetch_all,
            (String, String, i64),
            "select a.value, b.value, count(*) from control_attribute a
             join control_attribute b on b.framework_id = a.framework_id and b.control_id = a.control_id
             where a.framework_id = $1 and a.attribute_key = $2 and b.attribute_key = $3
             group by a.value, b.value",
            framework,
            key_a,
            key_b
        )?;
        Ok(rows)
    }
}

/// Appends the filter's conditions (alias `c` for control).
fn where_filter(sql: &mut Sql, f: &ControlFilter) {
    if let Some(t) = &f.theme {
        sql.push(" and lower(c.theme_id) = lower(?)", [Arg::Text(t.clone())]);
    }
    for (k, v) in &f.attributes {
        sql.push(
            " and exists (select 1 from control_attribute x where x.framework_id = c.framework_id and x.control_id = c.control_id and x.attribute_key = ? and x.value = ?)",
            [Arg::Text(k.clone()), Arg::Text(v.clone())],
        );
    }
    if let Some(q) = &f.text {
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let like = format!("%{escaped}%");
        sql.push(
            " and (lower(c.control_id) like ? escape '\\' or lower(c.title) like ? escape '\\' or lower(c.summary) like ? escape '\\')",
            [Arg::Text(like.clone()), Arg::Text(like.clone()), Arg::Text(like)],
        );
    }
}

/// Sorts ids like `5.10` after `5.9`.
pub fn id_order(id: &str) -> Vec<(u64, String)> {
    id.split(['.', '-', '(', ')'])
        .map(|p| (p.parse::<u64>().unwrap_or(u64::MAX), p.to_string()))
        .collect()
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
