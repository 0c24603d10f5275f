//! The asset register as a spreadsheet: its columns for export and import, the headers real
//! asset inventories use for each field, and its import.

use super::domain::{Asset, AssetInput};
use super::service;
use crate::domain::ImportReport;
use crate::error::Result;
use crate::exchange::Table;
use crate::exchange::import::{Field, Importer, Schema, parse_rows};
use crate::service::Ctx;

pub const ASSET_COLUMNS: [&str; 15] = [
    "id",
    "name",
    "asset_type",
    "description",
    "owner",
    "custodian",
    "location",
    "classification",
    "confidentiality",
    "integrity",
    "availability",
    "lifecycle",
    "tags",
    "depends_on",
    "last_reviewed_on",
];

/// Assets, one column per field of the asset record.
/// Types and classification levels are written by name (an import reads names and keys).
pub fn assets_table(assets: &[Asset], settings: &super::domain::AssetSettings) -> Table {
    let mut t = Table::new(
        "Assets",
        &ASSET_COLUMNS,
        &["confidentiality", "integrity", "availability"],
    );
    t.rows = assets
        .iter()
        .map(|a| {
            let v = AssetInput::from(a);
            vec![
                a.id.clone(),
                v.name,
                settings.type_name(&a.asset_type),
                v.description,
                v.owner,
                v.custodian,
                v.location,
                settings.level_name(&a.classification),
                v.confidentiality,
                v.integrity,
                v.availability,
                a.lifecycle.label().to_string(),
                v.tags,
                v.depends_on,
                v.last_reviewed_on,
            ]
        })
        .collect();
    t
}

use crate::exchange::import::field as f;

const ASSET_FIELDS: &[Field] = &[
    f(
        "id",
        "id",
        &[
            "id",
            "assetid",
            "ref",
            "reference",
            "assetref",
            "assetnumber",
            "assetno",
            "no",
        ],
    ),
    f(
        "name",
        "name",
        &[
            "name",
            "assetname",
            "asset",
            "title",
            "bezeichnung",
            "názevaktiva",
            "aktivum",
            "περιουσιακοστοιχειο",
        ],
    ),
    f(
        "asset_type",
        "type",
        &[
            "assettype",
            "type",
            "kind",
            "category",
            "typ",
            "assettyp",
            "druh",
            "typaktiva",
        ],
    ),
    f(
        "description",
        "description",
        &["description", "details", "notes", "beschreibung", "popis"],
    ),
    f(
        "owner",
        "owner",
        &[
            "owner",
            "assetowner",
            "responsible",
            "accountable",
            "eigentümer",
            "verantwortlich",
            "vlastník",
            "vlastníkaktiva",
        ],
    ),
    f(
        "custodian",
        "custodian",
        &[
            "custodian",
            "assetcustodian",
            "maintainer",
            "operator",
            "verwalter",
            "správce",
        ],
    ),
    f(
        "location",
        "location",
        &["location", "site", "place", "standort", "umístění"],
    ),
    f(
        "classification",
        "classification",
        &[
            "classification",
            "class",
            "sensitivity",
            "informationclassification",
            "dataclassification",
            "klassifizierung",
            "klassifikation",
            "schutzbedarf",
            "klasifikace",
        ],
    ),
    f(
        "confidentiality",
        "confidentiality",
        &[
            "confidentiality",
            "c",
            "confidentialityvalue",
            "vertraulichkeit",
            "důvěrnost",
            "εμπιστευτικοτητα",
        ],
    ),
    f(
        "integrity",
        "integrity",
        &[
            "integrity",
            "i",
            "integrityvalue",
            "integrität",
            "integrita",
            "ακεραιοτητα",
        ],
    ),
    f(
        "availability",
        "availability",
        &[
            "availability",
            "a",
            "availabilityvalue",
            "verfügbarkeit",
            "dostupnost",
            "διαθεσιμοτητα",
        ],
    ),
    f(
        "lifecycle",
        "lifecycle status",
        &[
            "lifecycle",
            "status",
            "state",
            "lifecyclestatus",
            "stav",
            "stavaktiva",
        ],
    ),
    f("tags", "tags", &["tags", "labels", "tag"]),
    f(
        "depends_on",
        "depends on",
        &["dependson", "dependencies", "runson", "dependency"],
    ),
    f(
        "last_reviewed_on",
        "last reviewed on",
        &[
            "lastreviewedon",
            "lastreviewed",
            "reviewed",
            "reviewdate",
            "lastreview",
            "letzteprüfung",
            "poslednírevize",
        ],
    ),
];

pub const ASSET_SCHEMA: Schema = Schema {
    fields: ASSET_FIELDS,
    derived: &[],
    required: "name",
    what: "the asset register",
    noun: "asset",
    split_header: false,
};

pub fn asset_input(values: impl Iterator<Item = (&'static str, String)>) -> AssetInput {
    let mut v = AssetInput::default();
    for (field, value) in values {
        match field {
            "id" => v.id = Some(value),
            "name" => v.name = value,
            "asset_type" => v.asset_type = value,
            "description" => v.description = value,
            "owner" => v.owner = value,
            "custodian" => v.custodian = value,
            "location" => v.location = value,
            "classification" => v.classification = value,
            "confidentiality" => v.confidentiality = value,
            "integrity" => v.integrity = value,
            "availability" => v.availability = value,
            "lifecycle" => v.lifecycle = value,
            "tags" => v.tags = value,
            "depends_on" => v.depends_on = value,
            "last_reviewed_on" => v.last_reviewed_on = value,
            _ => {}
        }
    }
    v
}

/// Imports asset inventories.
pub struct AssetImport;

impl Importer for AssetImport {
    fn key(&self) -> &'static str {
        "assets"
    }

    fn title(&self) -> &'static str {
        "Assets"
    }

    fn hints(&self) -> &'static str {
        "One row per asset, with at least a name. Annex also reads id, type, description, owner, custodian, location, classification, confidentiality, integrity, availability (impact steps by value or name), status, tags, depends on (asset ids) and last reviewed (a date)."
    }

    fn schema(&self) -> &'static Schema {
        &ASSET_SCHEMA
    }

    fn named_by(&self) -> Option<crate::exchange::import::NamedBy> {
        Some(crate::exchange::import::NamedBy {
            field: "name",
            table: "asset",
            id_column: "asset_id",
            name_column: "name",
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            let settings = service::settings(ctx).await?;
            let matrix = service::matrix(ctx).await?;
            let drafts = parse_rows(rows, |values| {
                asset_input(values.into_iter()).parse(&settings, &matrix)
            })?;
            service::import(ctx, drafts, how.dry_run, how.upload).await
        })
    }

    fn batches<'a>(
        &'a self,
        ctx: &'a Ctx,
        how: crate::exchange::import::Writing<'a>,
    ) -> Option<
        crate::exchange::import::BoxFuture<
            'a,
            Result<Box<dyn crate::exchange::import::Batches<'a> + 'a>>,
        >,
    > {
        Some(Box::pin(async move {
            let settings = service::settings(ctx).await?;
            let matrix = service::matrix(ctx).await?;
            let importing = service::Importing::start(ctx, how.dry_run, how.upload).await?;
            Ok(Box::new(AssetBatches {
                settings,
                matrix,
                importing,
            })
                as Box<dyn crate::exchange::import::Batches<'a> + 'a>)
        }))
    }
}

/// Assets imported a batch at a time: each row read against the settings and matrix of the
/// import's start.
struct AssetBatches<'a> {
    settings: super::domain::AssetSettings,
    matrix: crate::registers::matrix::domain::Matrix,
    importing: service::Importing<'a>,
}

impl<'a> crate::exchange::import::Batches<'a> for AssetBatches<'a> {
    fn add(
        &mut self,
        rows: Vec<crate::exchange::import::Row>,
    ) -> crate::exchange::import::BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let drafts = parse_rows(rows, |values| {
                asset_input(values.into_iter()).parse(&self.settings, &self.matrix)
            });
            match drafts {
                Ok(drafts) => self.importing.add(drafts).await,
                Err(e) => {
                    self.importing.refuse();
                    Err(e)
                }
            }
        })
    }

    fn refuse(&mut self) {
        self.importing.refuse();
    }

    fn finish(self: Box<Self>) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(self.importing.finish())
    }
}
