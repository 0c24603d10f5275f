//! The risk register as a spreadsheet: its columns for export (the levels and the acceptance
//! state included, which an import reads past), the headers real risk registers use for each
//! field, and its import (affected assets named by id or by name).

use super::domain::{Risk, RiskInput};
use super::service;
use crate::domain::ImportReport;
use crate::error::Result;
use crate::exchange::Table;
use crate::exchange::import::{Field, Importer, Schema, parse_rows};
use crate::service::Ctx;

pub const RISK_COLUMNS: [&str; 24] = [
    "id",
    "title",
    "threat",
    "vulnerability",
    "consequence",
    "owner",
    "category",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_level",
    "current_likelihood",
    "current_impact",
    "current_level",
    "target_likelihood",
    "target_impact",
    "target_level",
    "treatment",
    "status",
    "review_due_on",
    "assets",
    "measures",
    "acceptance",
    "rating_reason",
    "notes",
];

/// Risks: the fields of the risk, the derived levels, and the acceptance's state and date
/// (levels and acceptance are read from the matrix and the record; an import skips them).
pub fn risks_table(risks: &[Risk], today: &str) -> Table {
    let mut t = Table::new(
        "Risks",
        &RISK_COLUMNS,
        &[
            "inherent_likelihood",
            "inherent_impact",
            "current_likelihood",
            "current_impact",
            "target_likelihood",
            "target_impact",
        ],
    );
    t.rows = risks
        .iter()
        .map(|r| {
            let v = RiskInput::from(r);
            vec![
                r.id.clone(),
                v.title,
                v.threat,
                v.vulnerability,
                v.consequence,
                v.owner,
                v.category,
                v.inherent_likelihood,
                v.inherent_impact,
                r.inherent.level.clone(),
                v.current_likelihood,
                v.current_impact,
                r.current.level.clone(),
                v.target_likelihood,
                v.target_impact,
                r.target.level.clone(),
                r.treatment.label().to_string(),
                r.status.label().to_string(),
                v.review_due_on,
                v.assets,
                v.measures,
                r.acceptance
                    .as_ref()
                    .map(|a| format!("{} until {}", a.state(today), a.valid_until))
                    .unwrap_or_default(),
                v.rating_reason,
                v.notes,
            ]
        })
        .collect();
    t
}

use crate::exchange::import::field as f;

const RISK_FIELDS: &[Field] = &[
    f(
        "id",
        "id",
        &[
            "id",
            "riskid",
            "ref",
            "reference",
            "riskref",
            "risknumber",
            "riskno",
            "no",
        ],
    ),
    f(
        "title",
        "title",
        &[
            "title",
            "risktitle",
            "riskname",
            "name",
            "risk",
            "risksummary",
        ],
    ),
    f(
        "threat",
        "threat",
        &["threat", "threats", "threatsource", "threatdescription"],
    ),
    f(
        "vulnerability",
        "vulnerability",
        &["vulnerability", "vulnerabilities", "weakness", "weaknesses"],
    ),
    f(
        "consequence",
        "consequence",
        &[
            "consequence",
            "consequences",
            "description",
            "riskdescription",
            "scenario",
            "impactdescription",
        ],
    ),
    f(
        "owner",
        "risk owner",
        &["owner", "riskowner", "responsible", "accountable"],
    ),
    f(
        "category",
        "category",
        &["category", "riskcategory", "risktype", "type"],
    ),
    f(
        "inherent_likelihood",
        "inherent likelihood",
        &[
            "inherentlikelihood",
            "likelihood",
            "probability",
            "likelihoodbefore",
            "grosslikelihood",
            "initiallikelihood",
            "frequency",
        ],
    ),
    f(
        "inherent_impact",
        "inherent impact",
        &[
            "inherentimpact",
            "impact",
            "severity",
            "maximpact",
            "impactbefore",
            "grossimpact",
            "initialimpact",
        ],
    ),
    f(
        "current_likelihood",
        "current likelihood",
        &["currentlikelihood", "likelihoodnow"],
    ),
    f(
        "current_impact",
        "current impact",
        &["currentimpact", "impactnow"],
    ),
    f(
        "target_likelihood",
        "residual likelihood",
        &[
            "targetlikelihood",
            "residuallikelihood",
            "netlikelihood",
            "likelihoodafter",
        ],
    ),
    f(
        "target_impact",
        "residual impact",
        &[
            "targetimpact",
            "residualimpact",
            "residualmaximpact",
            "netimpact",
            "impactafter",
        ],
    ),
    f(
        "treatment",
        "treatment",
        &[
            "treatment",
            "treatmentoption",
            "treatmentdecision",
            "riskresponse",
            "response",
            "decision",
            "treatmentstrategy",
            "recommendedtreatment",
        ],
    ),
    f("status", "status", &["status", "riskstatus", "state"]),
    f(
        "review_due_on",
        "review due on",
        &[
            "reviewdueon",
            "reviewdate",
            "nextreview",
            "reviewdue",
            "nextreviewdate",
        ],
    ),
    f(
        "assets",
        "assets",
        &["assets", "asset", "assetid", "assetids", "affectedassets"],
    ),
    f(
        "measures",
        "measures",
        &["measures", "measureids", "treatmentmeasures", "measure"],
    ),
    f(
        "rating_reason",
        "why the residual rating is above the inherent one",
        &["ratingreason", "residualreason", "reasonforrating"],
    ),
    f(
        "notes",
        "notes",
        &[
            "notes",
            "note",
            "comments",
            "comment",
            "remarks",
            "bemerkungen",
            "bemerkung",
            "anmerkungen",
            "kommentar",
            "poznámky",
            "poznámka",
            "komentář",
            "σχόλια",
            "παρατηρήσεις",
        ],
    ),
    // The levels and scores a file computed itself: read to be compared with Annex's, never
    // stored (Annex computes them from its matrix).
    Field::new(
        "file_inherent_level",
        "level the file computed (inherent)",
        &[
            "inherentlevel",
            "risklevel",
            "inherentrisklevel",
            "rating",
            "riskrating",
            "level",
            "inhärentesrisikolevel",
            "risikolevel",
            "úroveňrizika",
        ],
    ),
    Field::new(
        "file_inherent_score",
        "score the file computed (inherent)",
        &[
            "inherentscore",
            "riskscore",
            "score",
            "inherentriskscore",
            "inhärenterwert",
            "risikowert",
            "skórerizika",
        ],
    ),
    Field::new(
        "file_target_level",
        "level the file computed (residual)",
        &[
            "targetlevel",
            "residuallevel",
            "residualrisklevel",
            "residualrating",
            "restrisikolevel",
        ],
    ),
    Field::new(
        "file_target_score",
        "score the file computed (residual)",
        &[
            "targetscore",
            "residualscore",
            "residualriskscore",
            "restrisikowert",
        ],
    ),
];

/// Columns Annex computes (levels, scores, acceptance state): read past, never imported.
const RISK_DERIVED: &[&str] = &["currentlevel", "acceptance", "currentscore"];

pub const RISK_SCHEMA: Schema = Schema {
    fields: RISK_FIELDS,
    derived: &[RISK_DERIVED],
    required: "title",
    what: "the risk register",
    noun: "risk",
    split_header: false,
};

pub fn risk_input(values: impl Iterator<Item = (&'static str, String)>) -> RiskInput {
    let mut v = RiskInput::default();
    for (field, value) in values {
        match field {
            "id" => v.id = Some(value),
            "title" => v.title = value,
            "threat" => v.threat = value,
            "vulnerability" => v.vulnerability = value,
            "consequence" => v.consequence = value,
            "owner" => v.owner = value,
            "category" => v.category = value,
            "inherent_likelihood" => v.inherent_likelihood = value,
            "inherent_impact" => v.inherent_impact = value,
            "current_likelihood" => v.current_likelihood = value,
            "current_impact" => v.current_impact = value,
            "target_likelihood" => v.target_likelihood = value,
            "target_impact" => v.target_impact = value,
            "treatment" => v.treatment = value,
            "status" => v.status = value,
            "review_due_on" => v.review_due_on = value,
            "assets" => v.assets = value,
            "measures" => v.measures = value,
            "rating_reason" => v.rating_reason = value,
            "notes" => v.notes = value,
            _ => {}
        }
    }
    v
}

/// Imports risk registers.
pub struct RiskImport;

impl Importer for RiskImport {
    fn key(&self) -> &'static str {
        "risks"
    }

    fn title(&self) -> &'static str {
        "Risks"
    }

    fn hints(&self) -> &'static str {
        "One row per risk, with at least a title and the inherent likelihood and impact (steps of your risk matrix, by value or name). Annex also reads id, threat, vulnerability, consequence, owner, category, current and residual likelihood and impact, treatment, review date, assets (ids or names), measures (ids) and notes. Levels and scores are computed from the matrix; those the file computed are compared with it, and the review offers the matrix they describe."
    }

    fn schema(&self) -> &'static Schema {
        &RISK_SCHEMA
    }

    fn named_by(&self) -> Option<crate::exchange::import::NamedBy> {
        Some(crate::exchange::import::NamedBy {
            field: "title",
            table: "risk",
            id_column: "risk_id",
            name_column: "title",
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            let matrix = service::matrix(ctx).await?;
            let (computed, drafts) = read_rows(ctx, &matrix, rows).await?;
            let compared = compare_computed(&matrix, &drafts, &computed);
            // The matrix the file's levels describe, when they disagree with Annex's.
            let offered = if compared.differ.is_empty() {
                None
            } else {
                crate::registers::matrix::domain_adopt::from_file(&matrix, &compared.seen)
            };
            let (drafts, compared, adopted) = match &offered {
                Some(file) if how.adopt_matrix => {
                    // The file's matrix has Annex's scales: each rating keeps its values and
                    // takes the level the file's grid gives it.
                    let mut drafts = drafts;
                    for (_, d) in drafts.iter_mut() {
                        d.relevel(&file.matrix);
                    }
                    let compared = compare_computed(&file.matrix, &drafts, &computed);
                    (drafts, compared, Some(&file.matrix))
                }
                _ => (drafts, compared, None),
            };
            let mut report = service::import(ctx, drafts, how, &matrix, adopted).await?;
            report.compared = compared.count;
            report.recomputed = compared.differ;
            report.matrix_adopted = adopted.is_some();
            report.file_matrix = offered;
            Ok(report)
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
        if how.adopt_matrix {
            return None;
        }
        Some(Box::pin(async move {
            let matrix = service::matrix(ctx).await?;
            let importing = service::Importing::start(ctx, how, &matrix, None).await?;
            Ok(Box::new(RiskBatches {
                ctx,
                matrix,
                importing,
                compared: 0,
                differ: Vec::new(),
                seen: Vec::new(),
            })
                as Box<dyn crate::exchange::import::Batches<'a> + 'a>)
        }))
    }
}

/// Risks imported a batch at a time (a CSV file of any size), on the matrix of the import's
/// start; a file that asks to adopt its own matrix is read whole instead (the matrix is known
/// only from every row).
struct RiskBatches<'a> {
    ctx: &'a Ctx,
    matrix: crate::registers::matrix::domain::Matrix,
    importing: service::Importing<'a>,
    compared: usize,
    differ: Vec<crate::domain::Recomputed>,
    /// The levels the file gave, the first `SEEN_KEPT` (enough to read its matrix from).
    seen: Vec<crate::registers::matrix::domain_adopt::Seen>,
}

/// Levels kept of a streamed file to read the matrix it describes.
const SEEN_KEPT: usize = 50_000;

/// Differences between the file's computed values and Annex's told of a streamed file.
const DIFFER_KEPT: usize = 1_000;

impl<'a> crate::exchange::import::Batches<'a> for RiskBatches<'a> {
    fn add(
        &mut self,
        rows: Vec<crate::exchange::import::Row>,
    ) -> crate::exchange::import::BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let (computed, drafts) = match read_rows(self.ctx, &self.matrix, rows).await {
                Ok(read) => read,
                Err(e) => {
                    self.importing.refuse();
                    return Err(e);
                }
            };
            let compared = compare_computed(&self.matrix, &drafts, &computed);
            self.compared += compared.count;
            let room = DIFFER_KEPT.saturating_sub(self.differ.len());
            self.differ.extend(compared.differ.into_iter().take(room));
            let room = SEEN_KEPT.saturating_sub(self.seen.len());
            self.seen.extend(compared.seen.into_iter().take(room));
            self.importing.add(drafts).await
        })
    }

    fn refuse(&mut self) {
        self.importing.refuse();
    }

    fn finish(self: Box<Self>) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            let this = *self;
            let mut report = this.importing.finish().await?;
            report.compared = this.compared;
            if !this.differ.is_empty() {
                report.file_matrix =
                    crate::registers::matrix::domain_adopt::from_file(&this.matrix, &this.seen);
            }
            report.recomputed = this.differ;
            Ok(report)
        })
    }
}

/// A batch of rows read into drafts on `matrix` (assets named by name found), with the
/// values the file computed by row.
async fn read_rows(
    ctx: &Ctx,
    matrix: &crate::registers::matrix::domain::Matrix,
    rows: Vec<crate::exchange::import::Row>,
) -> Result<(
    Vec<crate::exchange::import::Row>,
    Vec<(usize, super::domain::RiskDraft)>,
)> {
    let mut computed: Vec<crate::exchange::import::Row> = Vec::new();
    let mut inputs: Vec<(usize, RiskInput)> = rows
        .into_iter()
        .map(|(row, values)| {
            let (theirs, ours): (Vec<_>, Vec<_>) = values
                .into_iter()
                .partition(|(f, _)| f.starts_with("file_"));
            computed.push((row, theirs));
            (row, risk_input(ours.into_iter()))
        })
        .collect();
    resolve_asset_names(ctx, &mut inputs).await?;
    for (_, input) in inputs.iter_mut() {
        keep_what_was_said(input);
    }
    let drafts = parse_rows(inputs, |input| input.parse(matrix))?;
    Ok((computed, drafts))
}

/// Spreadsheets name the affected assets by name as often as by id: a name that matches
/// exactly one asset (case ignored) is replaced by its id.
async fn resolve_asset_names(ctx: &Ctx, inputs: &mut [(usize, RiskInput)]) -> Result<()> {
    let split = |s: &str| -> Vec<String> {
        s.split([',', ';', '\n'])
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let mut names: Vec<String> = inputs.iter().flat_map(|(_, i)| split(&i.assets)).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Ok(());
    }
    let known = crate::registers::asset::service::ids_for(ctx, &names).await?;
    for (_, input) in inputs.iter_mut() {
        if input.assets.trim().is_empty() {
            continue;
        }
        let ids: Vec<String> = split(&input.assets)
            .into_iter()
            .map(|t| known.get(&t).cloned().unwrap_or(t))
            .collect();
        input.assets = ids.join(", ");
    }
    Ok(())
}

/// What comparing a file's levels and scores with Annex's gave.
pub struct Compared {
    /// How many values were compared.
    pub count: usize,
    /// Those that differ.
    pub differ: Vec<crate::domain::Recomputed>,
    /// Every level the file gave, with the rating it gave it for (to read its matrix from).
    pub seen: Vec<crate::registers::matrix::domain_adopt::Seen>,
}

/// Compares the levels and scores a file computed (`file_*` fields, by row) with what Annex
/// computes from the same ratings: its matrix's level, and likelihood × impact. Answers how
/// many were compared and those that differ. A level word the file uses is read by name, or by
/// its height among the file's own level words (Niedrig … Kritisch).
pub fn compare_computed(
    matrix: &crate::registers::matrix::domain::Matrix,
    drafts: &[(usize, crate::registers::risk::domain::RiskDraft)],
    computed: &[(usize, Vec<(&'static str, String)>)],
) -> Compared {
    use crate::registers::matrix::domain::generic_position;
    // The file's level words, lowest first.
    let mut vocabulary: Vec<String> = Vec::new();
    for (_, values) in computed {
        for (f, v) in values {
            let v = v.trim();
            if f.ends_with("_level")
                && generic_position(v).is_some()
                && !vocabulary.iter().any(|x| x.eq_ignore_ascii_case(v))
            {
                vocabulary.push(v.to_string());
            }
        }
    }
    vocabulary.sort_by(|a, b| {
        generic_position(a)
            .partial_cmp(&generic_position(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut compared = 0;
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for ((row, draft), (_, values)) in drafts.iter().zip(computed) {
        for (field, value) in values {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let (rating, which) = if field.starts_with("file_inherent") {
                (&draft.inherent, "inherent")
            } else {
                (&draft.target, "residual")
            };
            if rating.likelihood <= 0 || rating.impact <= 0 {
                continue;
            }
            let ours = matrix.risk_level(&rating.level);
            let (what, differs, annex) = if field.ends_with("_level") {
                seen.push(crate::registers::matrix::domain_adopt::Seen {
                    likelihood: rating.likelihood,
                    impact: rating.impact,
                    level: value.to_string(),
                });
                let theirs = matrix.level_by_word(value, &vocabulary);
                let name = ours.map(|l| l.name.clone()).unwrap_or_default();
                let differs = match (theirs, ours) {
                    (Some(t), Some(o)) => t.key != o.key,
                    _ => !value.eq_ignore_ascii_case(&name),
                };
                ("level", differs, name)
            } else {
                let product = rating.likelihood * rating.impact;
                let differs = value
                    .replace(',', ".")
                    .parse::<f64>()
                    .map_or(true, |x| (x - product as f64).abs() > 1e-9);
                ("score", differs, format!("{product} (likelihood × impact)"))
            };
            compared += 1;
            if differs {
                out.push(crate::domain::Recomputed {
                    row: *row,
                    record: draft.id.clone().unwrap_or_else(|| draft.title.clone()),
                    what: format!("{which} {what}"),
                    from: format!(
                        "likelihood {} × impact {}",
                        rating.likelihood, rating.impact
                    ),
                    file: value.to_string(),
                    annex,
                });
            }
        }
    }
    Compared {
        count: compared,
        differ: out,
        seen,
    }
}

/// A status or treatment cell that says more than the word read from it ("Avoided — payments
/// outsourced to a PCI-DSS Level 1 provider") keeps its whole text in the risk's notes, so
/// that nothing the file said is lost.
fn keep_what_was_said(input: &mut RiskInput) {
    use super::domain::{RiskStatus, Treatment};
    let mut kept = Vec::new();
    if Treatment::said_more(&input.treatment) {
        kept.push(format!("Treatment as written: {}", input.treatment.trim()));
    }
    if RiskStatus::said_more(&input.status) {
        kept.push(format!("Status as written: {}", input.status.trim()));
    }
    for line in kept {
        if input.notes.contains(&line) {
            continue;
        }
        if !input.notes.trim().is_empty() {
            input.notes.push('\n');
        }
        input.notes.push_str(&line);
    }
}

#[cfg(test)]
mod kept_tests {
    use super::*;

    #[test]
    fn a_status_or_treatment_that_says_more_keeps_its_words() {
        let mut input = RiskInput {
            notes: "Card data exposed".into(),
            status: "Avoided — payments outsourced to a PCI-DSS Level 1 provider".into(),
            treatment: "Accept with monitoring".into(),
            ..Default::default()
        };
        keep_what_was_said(&mut input);
        assert_eq!(
            input.notes,
            "Card data exposed\nTreatment as written: Accept with monitoring\nStatus as written: Avoided — payments outsourced to a PCI-DSS Level 1 provider"
        );
        // Read again (an export imported back), nothing is added twice.
        keep_what_was_said(&mut input);
        assert_eq!(input.notes.matches("as written").count(), 2);
        let mut plain = RiskInput {
            status: "in treatment".into(),
            treatment: "modify (mitigate)".into(),
            ..Default::default()
        };
        keep_what_was_said(&mut plain);
        assert_eq!(plain.notes, "");
    }
}
