//! Questionnaires as tables (CSV, XLSX) and their import: one row per question, with the
//! questionnaire's key and title and the section's title on each row, so that the
//! questionnaires a team keeps in a spreadsheet come in as they are, an export imports back
//! unchanged, and one file may hold several questionnaires.

use super::domain_assessment::{Question, Questionnaire};
use crate::domain::input::yes;
use crate::error::Result;
use crate::exchange::Table;
use crate::exchange::import::{Row, field as f};

const COLUMNS: [&str; 10] = [
    "questionnaire",
    "title",
    "section",
    "id",
    "question",
    "answer_type",
    "weight",
    "document",
    "options",
    "guidance",
];

/// A choice's options in a cell: one `label = points` per line.
fn options_text(q: &Question) -> String {
    q.options
        .iter()
        .map(|o| format!("{} = {}", o.label, o.points))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The questionnaires: one row per question.
pub fn questionnaires_table(qs: &[Questionnaire]) -> Table {
    let mut t = Table::new("Questionnaires", &COLUMNS, &["weight"]);
    for q in qs {
        for s in &q.sections {
            for x in &s.questions {
                t.rows.push(vec![
                    q.key.clone(),
                    q.title.clone(),
                    s.title.clone(),
                    x.id.clone(),
                    x.text.clone(),
                    x.kind.label().to_string(),
                    x.weight.to_string(),
                    yes(x.evidence),
                    options_text(x),
                    x.guidance.clone(),
                ]);
            }
        }
    }
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f(
        "questionnaire",
        "questionnaire key",
        &[
            "questionnaire",
            "questionnairekey",
            "key",
            "template",
            "templatekey",
        ],
    ),
    f(
        "title",
        "questionnaire title",
        &[
            "title",
            "questionnairetitle",
            "questionnairename",
            "templatename",
        ],
    ),
    f(
        "section",
        "section",
        &["section", "domain", "category", "area", "topic", "chapter"],
    ),
    f(
        "id",
        "question id",
        &[
            "id",
            "questionid",
            "no",
            "number",
            "ref",
            "reference",
            "qid",
        ],
    ),
    f(
        "question",
        "question",
        &[
            "question",
            "questiontext",
            "text",
            "requirement",
            "frage",
            "pregunta",
        ],
    ),
    f(
        "answer_type",
        "answer type",
        &["answertype", "type", "kind", "responsetype", "answerformat"],
    ),
    f("weight", "weight", &["weight", "weighting", "importance"]),
    f(
        "document",
        "document required",
        &[
            "document",
            "documentrequired",
            "evidence",
            "evidencerequired",
            "attachment",
            "attachmentrequired",
        ],
    ),
    f(
        "options",
        "options",
        &[
            "options",
            "choices",
            "answers",
            "answeroptions",
            "possibleanswers",
        ],
    ),
    f(
        "guidance",
        "guidance",
        &["guidance", "help", "hint", "notes", "whatgoodlookslike"],
    ),
];

/// Imports questionnaires: one row per question.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[],
    required: "question",
    what: "the questionnaires",
    noun: "question",
    split_header: false,
};

/// Imports questionnaires (the organisation's own; a shipped one comes back unchanged only).
pub struct QuestionnaireImport;

impl crate::exchange::import::Importer for QuestionnaireImport {
    fn key(&self) -> &'static str {
        "questionnaires"
    }

    fn path(&self) -> &'static str {
        "suppliers/questionnaires"
    }

    fn title(&self) -> &'static str {
        "Questionnaires"
    }

    fn hints(&self) -> &'static str {
        "One row per question, with at least the question. Annex also reads the questionnaire's key (lower-case letters, digits, '-' and '_'; made from the title when there is no key column) and title, the section (a row without one stays in the section above), the question's id (numbered when absent), the answer type (yes or no, one of the options, text, a document), the weight (1 to 5; 1 when empty), whether a document must back the answer (yes or no), the options of a choice ('Within 24 hours = 100', one per line or separated by ';') and guidance. Rows of one key make one questionnaire; a questionnaire of Annex's own key is replaced by the file's. Assessments already sent keep the questions they were sent with."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<Row>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, Result<crate::domain::ImportReport>> {
        Box::pin(async move {
            super::service_assessment::import_questionnaires(ctx, rows, how.dry_run, how.upload)
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registers::supplier::domain_assessment::shipped;
    use crate::registers::supplier::domain_questionnaire::assemble;

    fn rows(table: &Table) -> Vec<Row> {
        table
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let values = COLUMNS
                    .iter()
                    .zip(r)
                    .map(|(k, v)| (*k, v.clone()))
                    .collect();
                (i + 2, values)
            })
            .collect()
    }

    #[test]
    fn the_shipped_questionnaires_come_back_from_their_table_unchanged() {
        let all = shipped();
        let back: Vec<Questionnaire> = assemble(&rows(&questionnaires_table(&all)))
            .unwrap()
            .into_iter()
            .map(|(q, _)| q)
            .collect();
        assert_eq!(back, all);
    }
}
