//! A questionnaire from a spreadsheet's rows: one row per question with the questionnaire's
//! key and title and the section's title on each row (see `exchange_questionnaire`); rows of
//! one key make one questionnaire, and every problem is named by its row and column.

use super::domain_assessment::{
    AnswerKind, AnswerOption, MAX_QUESTIONS, Question, Questionnaire, Section,
};
use crate::error::{Error, FieldError, Problems, Result};

/// A spreadsheet row as an import reads it: its number and its values by field key.
pub type Row = (usize, Vec<(&'static str, String)>);

/// A key made from a title: lower-case ASCII letters and digits, other runs as one '-'.
fn key_from(title: &str) -> String {
    let mut out = String::new();
    for c in title.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut key: String = out.trim_end_matches('-').chars().take(40).collect();
    while key.ends_with('-') {
        key.pop();
    }
    key
}

/// An answer type as spreadsheets write it.
fn answer_type(raw: &str) -> std::result::Result<AnswerKind, String> {
    let squashed: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match squashed.as_str() {
        "" | "yesno" | "boolean" | "yesnona" => Ok(AnswerKind::YesNo),
        "choice" | "multiplechoice" | "select" | "dropdown" | "list" | "singlechoice" => {
            Ok(AnswerKind::Choice)
        }
        "text" | "freetext" | "comment" | "narrative" | "open" => Ok(AnswerKind::Text),
        "file" | "document" | "upload" | "attachment" => Ok(AnswerKind::File),
        _ => AnswerKind::parse(raw),
    }
}

/// A choice's options: `label = points`, one per line or separated by ';'.
fn options(raw: &str) -> std::result::Result<Vec<AnswerOption>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = if raw.contains('\n') {
        raw.lines().collect()
    } else {
        raw.split(';').collect()
    };
    let parts: Vec<&str> = parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > 10 {
        return Err(format!("{} options: at most 10", parts.len()));
    }
    parts
        .into_iter()
        .map(|p| {
            let (label, points) = p
                .rsplit_once('=')
                .ok_or_else(|| format!("'{p}' is not 'label = points'"))?;
            let points: i64 = points
                .trim()
                .parse()
                .ok()
                .filter(|n| (0..=100).contains(n))
                .ok_or_else(|| format!("'{p}': points are 0 to 100"))?;
            Ok(AnswerOption {
                label: label.trim().to_string(),
                points,
            })
        })
        .collect()
}

/// One row read: the questionnaire's key and title as written, the section, the question.
struct QuestionRow {
    key: String,
    title: String,
    section: String,
    question: Question,
}

fn read_row(values: &[(&'static str, String)]) -> Result<QuestionRow> {
    let get = |k: &str| {
        values
            .iter()
            .find(|(f, _)| *f == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut p = Problems::new();
    let kind = answer_type(&get("answer_type")).unwrap_or_else(|e| {
        p.add("answer_type", e);
        AnswerKind::YesNo
    });
    let weight = match get("weight").as_str() {
        "" => 1,
        w => match w.parse::<f64>() {
            Ok(n) if n.fract() == 0.0 && (1.0..=5.0).contains(&n) => n as i64,
            _ => {
                p.add("weight", format!("'{w}' is not a weight from 1 to 5"));
                1
            }
        },
    };
    let evidence = crate::domain::input::yes_no(&mut p, "document", &get("document"));
    let options = options(&get("options")).unwrap_or_else(|e| {
        p.add("options", e);
        Vec::new()
    });
    let text = get("question");
    if text.is_empty() {
        p.add("question", "the question is empty");
    }
    p.into_result()?;
    Ok(QuestionRow {
        key: get("questionnaire"),
        title: get("title"),
        section: get("section"),
        question: Question {
            id: get("id"),
            text,
            kind,
            weight,
            evidence,
            options,
            guidance: get("guidance"),
        },
    })
}

/// At most this many questions (rows) in one file: twenty questionnaires of the most questions
/// one may have.
pub const MAX_FILE_QUESTIONS: usize = 20 * MAX_QUESTIONS;

/// The questionnaires a file's rows make, each with the spreadsheet rows of its questions:
/// rows of one key form one questionnaire (its title from the first row that gives one),
/// sections in the order they first appear, questions without an id numbered `section.n`.
/// Every problem is named by its row and column.
pub fn assemble(rows: &[Row]) -> Result<Vec<(Questionnaire, Vec<usize>)>> {
    if rows.len() > MAX_FILE_QUESTIONS {
        return Err(Error::field(
            "file",
            format!(
                "{} questions: a file holds at most {MAX_FILE_QUESTIONS} (a questionnaire at most {})",
                rows.len(),
                MAX_QUESTIONS
            ),
        ));
    }
    let mut problems = Vec::new();
    let mut read = Vec::with_capacity(rows.len());
    for (row, values) in rows {
        if let Some(r) = crate::domain::input::checked_row(*row, read_row(values), &mut problems)? {
            read.push((*row, r));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    // (questionnaire, for each section its rows, in order)
    let mut out: Vec<(Questionnaire, Vec<Vec<usize>>)> = Vec::new();
    let mut last_section = String::new();
    let mut last_key = String::new();
    for (row, r) in read {
        let key = if r.key.is_empty() && !r.title.is_empty() {
            key_from(&r.title)
        } else if r.key.is_empty() {
            last_key.clone()
        } else {
            r.key.clone()
        };
        if key.is_empty() {
            problems.push(FieldError::new(
                format!("row {row}, questionnaire"),
                "no questionnaire key (nor a title in Latin letters to make one from)",
            ));
            continue;
        }
        if key != last_key {
            last_section.clear();
        }
        last_key = key.clone();
        let at = match out.iter().position(|(q, _)| q.key == key) {
            Some(i) => i,
            None => {
                out.push((
                    Questionnaire {
                        key: key.clone(),
                        title: String::new(),
                        sections: Vec::new(),
                    },
                    Vec::new(),
                ));
                out.len() - 1
            }
        };
        let (q, section_rows) = &mut out[at];
        if !r.title.is_empty() {
            if q.title.is_empty() {
                q.title = r.title.clone();
            } else if q.title != r.title {
                problems.push(FieldError::new(
                    format!("row {row}, title"),
                    format!(
                        "'{}' differs from the title '{}' rows above give questionnaire {key}",
                        r.title, q.title
                    ),
                ));
            }
        }
        let section = if r.section.is_empty() {
            if last_section.is_empty() {
                "Questions".to_string()
            } else {
                last_section.clone()
            }
        } else {
            r.section.clone()
        };
        last_section = section.clone();
        let s = match q.sections.iter().position(|s| s.title == section) {
            Some(i) => i,
            None => {
                q.sections.push(Section {
                    title: section,
                    questions: Vec::new(),
                });
                section_rows.push(Vec::new());
                q.sections.len() - 1
            }
        };
        let mut question = r.question;
        if question.id.is_empty() {
            question.id = format!("{}.{}", s + 1, q.sections[s].questions.len() + 1);
        }
        q.sections[s].questions.push(question);
        section_rows[s].push(row);
    }
    let mut done = Vec::with_capacity(out.len());
    for (mut q, section_rows) in out {
        let first = section_rows
            .iter()
            .flatten()
            .min()
            .copied()
            .unwrap_or_default();
        if q.title.is_empty() {
            q.title = q.key.clone();
        }
        if let Err(Error::Validation(fields)) = q.check() {
            problems.extend(fields.into_iter().map(|e| at_row(e, first, &section_rows)));
        }
        done.push((q, section_rows.into_iter().flatten().collect()));
    }
    if problems.is_empty() {
        Ok(done)
    } else {
        Err(Error::Validation(problems))
    }
}

/// A questionnaire's problem (`sections[2].questions[4].weight`) named by the row and column
/// a person sees (`row 9, weight`); the questionnaire's own (`key`, `title`) by its first row.
fn at_row(e: FieldError, first: usize, section_rows: &[Vec<usize>]) -> FieldError {
    let index = |s: &str, name: &str| -> Option<(usize, String)> {
        let rest = s.strip_prefix(name)?.strip_prefix('[')?;
        let (n, after) = rest.split_once(']')?;
        Some((n.parse::<usize>().ok()?.checked_sub(1)?, after.to_string()))
    };
    let column = |rest: &str| -> String {
        let rest = rest.trim_start_matches('.');
        let name = rest.split(['.', '[']).next().unwrap_or(rest);
        match name {
            "text" => "question".to_string(),
            "kind" => "answer_type".to_string(),
            "evidence" => "document".to_string(),
            "" => "question".to_string(),
            other => other.to_string(),
        }
    };
    if let Some((s, rest)) = index(&e.field, "sections") {
        if let Some((j, after)) = index(rest.trim_start_matches('.'), "questions")
            && let Some(row) = section_rows.get(s).and_then(|r| r.get(j))
        {
            return FieldError::new(format!("row {row}, {}", column(&after)), e.message);
        }
        if let Some(row) = section_rows.get(s).and_then(|r| r.first()) {
            let field = if rest == ".title" {
                "section"
            } else {
                "question"
            };
            return FieldError::new(format!("row {row}, {field}"), e.message);
        }
    }
    let field = match e.field.as_str() {
        "key" => "questionnaire",
        "sections" => "question",
        other => other,
    };
    FieldError::new(format!("row {first}, {field}"), e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_too_many_questions_is_refused_before_it_is_read() {
        let row: Row = (2, vec![("question", "Why?".to_string())]);
        let many = vec![row; MAX_FILE_QUESTIONS + 1];
        let Err(Error::Validation(fields)) = assemble(&many) else {
            panic!("read")
        };
        assert_eq!(fields[0].field, "file");
    }

    #[test]
    fn a_team_s_sheet_is_read_with_its_own_words_and_each_problem_named_by_row() {
        let row = |n: usize, v: &[(&'static str, &str)]| -> Row {
            (n, v.iter().map(|(k, v)| (*k, v.to_string())).collect())
        };
        let ok = vec![
            row(
                2,
                &[
                    ("title", "Προμηθευτές 2027 Vendor review"),
                    ("section", "Γενικά"),
                    ("question", "Έχετε πολιτική ασφάλειας;"),
                    ("answer_type", "Yes/No"),
                    ("document", "x"),
                ],
            ),
            row(
                3,
                &[
                    ("question", "How fast do you notify us?"),
                    ("answer_type", "Multiple choice"),
                    ("options", "24 h = 100; 72 h = 50; later = 0"),
                    ("weight", "3"),
                ],
            ),
            row(
                4,
                &[
                    ("section", "Cloud"),
                    ("question", "Where is our data?"),
                    ("answer_type", "free text"),
                ],
            ),
        ];
        let qs = assemble(&ok).unwrap();
        assert_eq!(qs.len(), 1);
        let (q, at) = &qs[0];
        assert_eq!(q.key, "2027-vendor-review");
        assert_eq!(q.title, "Προμηθευτές 2027 Vendor review");
        assert_eq!(at, &[2, 3, 4]);
        assert_eq!(q.sections.len(), 2);
        let first = &q.sections[0].questions;
        assert_eq!((first[0].id.as_str(), first[0].evidence), ("1.1", true));
        assert_eq!(first[1].kind, AnswerKind::Choice);
        assert_eq!(first[1].options[1].label, "72 h");
        assert_eq!(q.sections[1].questions[0].kind, AnswerKind::Text);

        let bad = vec![
            row(
                2,
                &[
                    ("questionnaire", "vendors"),
                    ("question", "Policy?"),
                    ("weight", "9"),
                ],
            ),
            row(
                3,
                &[
                    ("questionnaire", "vendors"),
                    ("question", "Notify?"),
                    ("answer_type", "choice"),
                    ("options", "soon"),
                ],
            ),
            row(
                4,
                &[
                    ("questionnaire", "vendors"),
                    ("question", "Pick one"),
                    ("answer_type", "choice"),
                    ("options", "only = 100"),
                ],
            ),
            row(5, &[("questionnaire", "vendors"), ("answer_type", "maybe")]),
            row(
                6,
                &[
                    ("questionnaire", "vendors"),
                    ("id", "1.2"),
                    ("question", "Twice?"),
                ],
            ),
            row(
                7,
                &[
                    ("questionnaire", "vendors"),
                    ("id", "1.2"),
                    ("question", "Twice again?"),
                ],
            ),
        ];
        let Err(Error::Validation(fields)) = assemble(&bad) else {
            panic!("a bad sheet passed")
        };
        let named: Vec<String> = fields.iter().map(|f| f.field.clone()).collect();
        assert_eq!(
            named,
            [
                "row 2, weight",
                "row 3, options",
                "row 5, answer_type",
                "row 5, question",
            ],
            "{fields:?}"
        );
        // Rows that read well are checked as a questionnaire: the lone option and the id
        // used twice, each on its own row.
        let bad: Vec<Row> = bad
            .into_iter()
            .filter(|(r, _)| ![2, 3, 5].contains(r))
            .collect();
        let Err(Error::Validation(fields)) = assemble(&bad) else {
            panic!("a bad sheet passed")
        };
        let named: Vec<String> = fields.iter().map(|f| f.field.clone()).collect();
        assert_eq!(named, ["row 4, options", "row 7, id"], "{fields:?}");
    }
}
