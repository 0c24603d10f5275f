//! Supplier assessments (27002 5.19–5.23): questionnaires — sections of questions with their
//! answer types, weights and the evidence they ask for — two shipped in our own words (a
//! baseline security questionnaire and a cloud-service one, 5.23), the answers a supplier
//! gives, checked, the score they earn, the reviewer's findings and the risk rating that
//! results.

use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// How a question is answered.
    AnswerKind,
    "an answer type",
    [
        (YesNo, "yes_no", "yes or no"),
        (Choice, "choice", "one of the options"),
        (Text, "text", "text"),
        (File, "file", "a document"),
    ]
);

/// An option of a choice question and the share of the question's weight it earns (0–100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnswerOption {
    pub label: String,
    #[serde(deserialize_with = "crate::domain::input::whole_i64")]
    #[schema(minimum = 0, maximum = 100)]
    pub points: i64,
}

/// A question of a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    /// Unique in its questionnaire (`1.2`).
    pub id: String,
    pub text: String,
    pub kind: AnswerKind,
    /// 1 to 5: how much it counts in the score.
    #[serde(deserialize_with = "crate::domain::input::whole_i64")]
    #[schema(minimum = 1, maximum = 5)]
    pub weight: i64,
    /// Whether a document must back the answer.
    #[serde(default)]
    pub evidence: bool,
    /// For a choice: the options.
    #[serde(default)]
    pub options: Vec<AnswerOption>,
    /// What a good answer shows, for the supplier and the reviewer.
    #[serde(default)]
    pub guidance: String,
}

/// A section of a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Section {
    pub title: String,
    pub questions: Vec<Question>,
}

/// A questionnaire: the template an assessment is sent from (and a copy kept with each
/// assessment, so a later change of the template does not change what was asked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Questionnaire {
    /// `baseline`, `cloud`, or the organisation's own key.
    pub key: String,
    pub title: String,
    pub sections: Vec<Section>,
}

/// At most this many questions in a questionnaire.
pub const MAX_QUESTIONS: usize = 300;

impl Questionnaire {
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    /// Checks a questionnaire written by the organisation: every problem named by its place
    /// (`sections[2].questions[4].weight`).
    pub fn check(&self) -> Result<(), Error> {
        let mut p = Problems::new();
        let key = self.key.trim();
        if key.is_empty()
            || key.len() > 40
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            p.add("key", "lower-case letters, digits, '_' and '-', at most 40");
        } else if key == "import" {
            p.add("key", "'import' names the import page: choose another key");
        }
        if self.title.trim().is_empty() || self.title.chars().count() > 200 {
            p.add("title", "a title of 1 to 200 characters");
        }
        if self.sections.is_empty() {
            p.add("sections", "at least one section");
        }
        let mut ids: Vec<&str> = Vec::new();
        let mut n = 0;
        for (i, s) in self.sections.iter().enumerate() {
            let at = format!("sections[{}]", i + 1);
            if s.title.trim().is_empty() || s.title.chars().count() > 200 {
                p.add(&format!("{at}.title"), "a title of 1 to 200 characters");
            }
            if s.questions.is_empty() {
                p.add(&format!("{at}.questions"), "at least one question");
            }
            for (j, q) in s.questions.iter().enumerate() {
                n += 1;
                let at = format!("{at}.questions[{}]", j + 1);
                let id = q.id.trim();
                if id.is_empty() || id.len() > 20 {
                    p.add(&format!("{at}.id"), "an id of 1 to 20 characters");
                } else if ids.contains(&id) {
                    p.add(&format!("{at}.id"), format!("'{id}' is used twice"));
                } else {
                    ids.push(id);
                }
                if q.text.trim().is_empty() || q.text.chars().count() > 2000 {
                    p.add(&format!("{at}.text"), "a question of 1 to 2000 characters");
                }
                if !(1..=5).contains(&q.weight) {
                    p.add(&format!("{at}.weight"), "1 to 5");
                }
                if q.guidance.chars().count() > 2000 {
                    p.add(&format!("{at}.guidance"), "at most 2000 characters");
                }
                match q.kind {
                    AnswerKind::Choice => {
                        if !(2..=10).contains(&q.options.len()) {
                            p.add(&format!("{at}.options"), "2 to 10 options");
                        }
                        for (k, o) in q.options.iter().enumerate() {
                            if o.label.trim().is_empty() || o.label.chars().count() > 200 {
                                p.add(
                                    &format!("{at}.options[{}].label", k + 1),
                                    "a label of 1 to 200 characters",
                                );
                            }
                            if !(0..=100).contains(&o.points) {
                                p.add(&format!("{at}.options[{}].points", k + 1), "0 to 100");
                            }
                        }
                    }
                    _ if !q.options.is_empty() => {
                        p.add(&format!("{at}.options"), "only a choice has options");
                    }
                    _ => {}
                }
            }
        }
        if n > MAX_QUESTIONS {
            p.add("sections", format!("at most {MAX_QUESTIONS} questions"));
        }
        p.into_result()
    }
}

/// An answer as given: the text (yes, no, not applicable, an option's label, free text), a
/// comment, and whether a document backs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Answer {
    pub question: String,
    pub value: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub has_file: bool,
}

/// A yes or no answer, or not applicable (which takes the question out of the score).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YesNo {
    Yes,
    No,
    NotApplicable,
}

fn yes_no(raw: &str) -> Option<YesNo> {
    match raw.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" => Some(YesNo::Yes),
        "no" | "n" | "false" => Some(YesNo::No),
        "n/a" | "na" | "not applicable" | "not_applicable" => Some(YesNo::NotApplicable),
        _ => None,
    }
}

/// Checks an answer against its question (as the supplier types it): the problem, in words.
pub fn check_answer(q: &Question, value: &str) -> Result<(), String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(());
    }
    if v.chars().count() > 5000 {
        return Err("at most 5000 characters".into());
    }
    match q.kind {
        AnswerKind::YesNo if yes_no(v).is_none() => {
            Err(format!("'{v}' is not yes, no or not applicable"))
        }
        AnswerKind::Choice if !q.options.iter().any(|o| o.label == v) => {
            let all: Vec<&str> = q.options.iter().map(|o| o.label.as_str()).collect();
            Err(format!("'{v}' is not one of: {}", all.join(", ")))
        }
        _ => Ok(()),
    }
}

/// What keeps an assessment from being submitted: unanswered questions and documents asked
/// for and not given, as (question id, what is missing).
pub fn incomplete(q: &Questionnaire, answers: &[Answer]) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for question in q.questions() {
        let a = answers.iter().find(|a| a.question == question.id);
        let answered = a.is_some_and(|a| {
            !a.value.trim().is_empty() || (question.kind == AnswerKind::File && a.has_file)
        });
        let not_applicable = a.is_some_and(|a| yes_no(&a.value) == Some(YesNo::NotApplicable));
        if !answered {
            out.push((question.id.clone(), "not answered"));
        } else if question.evidence && !not_applicable && !a.is_some_and(|a| a.has_file) {
            out.push((question.id.clone(), "the document it asks for is missing"));
        }
    }
    out
}

/// The score an assessment earns: points out of the weight of the questions that apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Score {
    /// Earned, in hundredths of a weight.
    pub points: i64,
    pub max: i64,
    /// 0 to 100; none when nothing applies.
    pub percent: Option<i64>,
}

/// Scores the answers: a yes earns the weight, a no nothing, not applicable takes the
/// question out; a choice earns its option's share; a text or a document earns the weight
/// when given (the reviewer's findings say what it is worth).
pub fn score(q: &Questionnaire, answers: &[Answer]) -> Score {
    let (mut points, mut max) = (0i64, 0i64);
    for question in q.questions() {
        let a = answers.iter().find(|a| a.question == question.id);
        let value = a.map(|a| a.value.trim()).unwrap_or("");
        let full = question.weight * 100;
        let earned = match question.kind {
            AnswerKind::YesNo => match yes_no(value) {
                Some(YesNo::NotApplicable) => continue,
                Some(YesNo::Yes) => full,
                _ => 0,
            },
            AnswerKind::Choice => question
                .options
                .iter()
                .find(|o| o.label == value)
                .map(|o| question.weight * o.points)
                .unwrap_or(0),
            AnswerKind::Text => {
                if value.is_empty() {
                    0
                } else {
                    full
                }
            }
            AnswerKind::File => {
                if a.is_some_and(|a| a.has_file) {
                    full
                } else {
                    0
                }
            }
        };
        let earned = if question.evidence
            && question.kind != AnswerKind::File
            && !a.is_some_and(|a| a.has_file)
        {
            earned / 2
        } else {
            earned
        };
        points += earned;
        max += full;
    }
    Score {
        points,
        max,
        percent: (max > 0).then(|| points * 100 / max),
    }
}

crate::domain::words::words_enum!(
    /// What a reviewer makes of an answer.
    FindingSeverity,
    "a finding severity",
    [
        (Observation, "observation", "observation"),
        (Minor, "minor", "minor"),
        (Major, "major", "major"),
    ]
);

crate::domain::words::words_enum!(
    /// The risk a supplier's assessment shows.
    RiskRating,
    "a risk rating",
    [
        (Low, "low", "low"),
        (Medium, "medium", "medium"),
        (High, "high", "high"),
        (Critical, "critical", "critical"),
    ]
);

/// The rating a score and the reviewer's findings call for: 80 % or more is low, 60 %
/// medium, 40 % high, below critical; each major finding raises it a step, three minor ones
/// a step.
pub fn rating(score: &Score, findings: &[FindingSeverity]) -> RiskRating {
    let base = match score.percent {
        Some(p) if p >= 80 => 0,
        Some(p) if p >= 60 => 1,
        Some(p) if p >= 40 => 2,
        Some(_) => 3,
        None => 1,
    };
    let majors = findings
        .iter()
        .filter(|f| **f == FindingSeverity::Major)
        .count();
    let minors = findings
        .iter()
        .filter(|f| **f == FindingSeverity::Minor)
        .count();
    let step = (base + majors + minors / 3).min(3);
    RiskRating::ALL[step]
}

fn yes_no_q(id: &str, text: &str, weight: i64, evidence: bool, guidance: &str) -> Question {
    Question {
        id: id.into(),
        text: text.into(),
        kind: AnswerKind::YesNo,
        weight,
        evidence,
        options: Vec::new(),
        guidance: guidance.into(),
    }
}

fn text_q(id: &str, text: &str, weight: i64) -> Question {
    Question {
        id: id.into(),
        text: text.into(),
        kind: AnswerKind::Text,
        weight,
        evidence: false,
        options: Vec::new(),
        guidance: String::new(),
    }
}

fn choice_q(id: &str, text: &str, weight: i64, options: &[(&str, i64)]) -> Question {
    Question {
        id: id.into(),
        text: text.into(),
        kind: AnswerKind::Choice,
        weight,
        evidence: false,
        options: options
            .iter()
            .map(|(l, p)| AnswerOption {
                label: l.to_string(),
                points: *p,
            })
            .collect(),
        guidance: String::new(),
    }
}

fn section(title: &str, questions: Vec<Question>) -> Section {
    Section {
        title: title.into(),
        questions,
    }
}

/// The questionnaires Annex ships, in our own words: a baseline security questionnaire for
/// every supplier, and one for cloud services (5.23).
pub fn shipped() -> Vec<Questionnaire> {
    let notify = [
        ("within 24 hours", 100),
        ("within 72 hours", 60),
        ("within a week", 20),
        ("no commitment", 0),
    ];
    vec![
        Questionnaire {
            key: "baseline".into(),
            title: "Baseline security questionnaire".into(),
            sections: vec![
                section(
                    "Governance",
                    vec![
                        yes_no_q(
                            "1.1",
                            "Do you have a written information security policy approved by your management?",
                            3,
                            true,
                            "Attach the policy or its table of contents and the approval record.",
                        ),
                        yes_no_q(
                            "1.2",
                            "Is a named person responsible for information security?",
                            2,
                            false,
                            "",
                        ),
                        choice_q(
                            "1.3",
                            "Is your security management independently certified or audited?",
                            3,
                            &[
                                ("certified (ISO/IEC 27001 or similar)", 100),
                                ("audited by a third party (e.g. SOC 2)", 80),
                                ("self-assessed only", 30),
                                ("no", 0),
                            ],
                        ),
                    ],
                ),
                section(
                    "People",
                    vec![
                        yes_no_q(
                            "2.1",
                            "Are staff who handle our data screened before they start, as the law allows?",
                            2,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "2.2",
                            "Do staff take security awareness training at least once a year?",
                            2,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "2.3",
                            "Do staff sign confidentiality commitments?",
                            2,
                            false,
                            "",
                        ),
                    ],
                ),
                section(
                    "Access and data",
                    vec![
                        yes_no_q(
                            "3.1",
                            "Is access to our data limited to the people who need it, and reviewed regularly?",
                            3,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "3.2",
                            "Is multi-factor authentication required for remote and administrative access?",
                            3,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "3.3",
                            "Is our data encrypted in transit and at rest?",
                            3,
                            false,
                            "",
                        ),
                        text_q(
                            "3.4",
                            "In which countries is our data stored or accessed from?",
                            2,
                        ),
                        yes_no_q(
                            "3.5",
                            "Will you return and then delete our data when the contract ends, and confirm it in writing?",
                            2,
                            false,
                            "",
                        ),
                    ],
                ),
                section(
                    "Operations",
                    vec![
                        yes_no_q(
                            "4.1",
                            "Are security updates applied within a defined time, faster for critical ones?",
                            3,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "4.2",
                            "Are backups made, kept apart from the systems, and restored in tests?",
                            3,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "4.3",
                            "Are security events logged and the logs reviewed?",
                            2,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "4.4",
                            "Has an independent penetration test been carried out in the last 12 months?",
                            2,
                            true,
                            "Attach the summary of its findings and how they were fixed.",
                        ),
                    ],
                ),
                section(
                    "Incidents and continuity",
                    vec![
                        choice_q(
                            "5.1",
                            "How soon will you tell us of an incident that affects our data or service?",
                            3,
                            &notify,
                        ),
                        yes_no_q(
                            "5.2",
                            "Do you have a continuity plan for the service you provide us, exercised in the last 12 months?",
                            2,
                            false,
                            "",
                        ),
                        text_q(
                            "5.3",
                            "Describe your most significant security incident of the last three years and what changed after it.",
                            1,
                        ),
                    ],
                ),
                section(
                    "Subcontractors",
                    vec![
                        yes_no_q(
                            "6.1",
                            "Will you ask for our approval before a new subcontractor handles our data?",
                            2,
                            false,
                            "",
                        ),
                        text_q(
                            "6.2",
                            "Which subcontractors handle our data, and for what?",
                            1,
                        ),
                    ],
                ),
            ],
        },
        Questionnaire {
            key: "cloud".into(),
            title: "Cloud service questionnaire".into(),
            sections: vec![
                section(
                    "Shared responsibility",
                    vec![
                        yes_no_q(
                            "1.1",
                            "Do you publish which security tasks are yours and which are ours for this service?",
                            3,
                            true,
                            "Attach the shared-responsibility description.",
                        ),
                        yes_no_q(
                            "1.2",
                            "Can we configure the security settings we are responsible for (access, logging, retention)?",
                            2,
                            false,
                            "",
                        ),
                    ],
                ),
                section(
                    "Data",
                    vec![
                        text_q(
                            "2.1",
                            "In which regions can our data be stored and processed? Can we choose?",
                            3,
                        ),
                        choice_q(
                            "2.2",
                            "Who holds the keys that encrypt our data at rest?",
                            3,
                            &[
                                ("we do (customer-managed keys)", 100),
                                ("you do, separately per customer", 70),
                                ("you do, shared", 30),
                                ("the data is not encrypted at rest", 0),
                            ],
                        ),
                        yes_no_q(
                            "2.3",
                            "Is our data kept apart from other customers' data, and is that isolation tested?",
                            3,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "2.4",
                            "Can we export all our data in a documented, usable format at any time?",
                            3,
                            false,
                            "",
                        ),
                        choice_q(
                            "2.5",
                            "When we leave, how soon is our data deleted, backups included?",
                            2,
                            &[
                                ("within 30 days, confirmed in writing", 100),
                                ("within 90 days", 60),
                                ("later, or not said", 0),
                            ],
                        ),
                    ],
                ),
                section(
                    "Operations",
                    vec![
                        yes_no_q(
                            "3.1",
                            "Do we get the logs of access to our data and of administrative actions on our tenancy?",
                            2,
                            false,
                            "",
                        ),
                        yes_no_q(
                            "3.2",
                            "Are vulnerabilities in the service found and fixed within published times?",
                            2,
                            false,
                            "",
                        ),
                        choice_q(
                            "3.3",
                            "How soon will you tell us of an incident that affects our data or service?",
                            3,
                            &notify,
                        ),
                        text_q(
                            "3.4",
                            "What availability do you commit to, and what happens when you miss it?",
                            2,
                        ),
                    ],
                ),
                section(
                    "Assurance",
                    vec![
                        choice_q(
                            "4.1",
                            "Which independent assurance covers this service?",
                            3,
                            &[
                                ("ISO/IEC 27001 with 27017 and 27018", 100),
                                ("ISO/IEC 27001 or a SOC 2 Type II report", 80),
                                ("a SOC 2 Type I report or another audit", 40),
                                ("none", 0),
                            ],
                        ),
                        Question {
                            id: "4.2".into(),
                            text: "The latest certificate or report".into(),
                            kind: AnswerKind::File,
                            weight: 2,
                            evidence: true,
                            options: Vec::new(),
                            guidance: "The certificate with its scope, or the report.".into(),
                        },
                        yes_no_q(
                            "4.3",
                            "Will you tell us in advance of new sub-processors and of changes to where our data is kept?",
                            2,
                            false,
                            "",
                        ),
                    ],
                ),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_s_json_name_is_its_key() {
        assert!(crate::domain::words::keys_not_json(AnswerKind::ALL, AnswerKind::key).is_empty());
        assert!(
            crate::domain::words::keys_not_json(FindingSeverity::ALL, FindingSeverity::key)
                .is_empty()
        );
        assert!(crate::domain::words::keys_not_json(RiskRating::ALL, RiskRating::key).is_empty());
        assert!(
            crate::domain::words::keys_not_json(AssessmentStatus::ALL, AssessmentStatus::key)
                .is_empty()
        );
    }

    fn answer(q: &str, v: &str, file: bool) -> Answer {
        Answer {
            question: q.into(),
            value: v.into(),
            comment: String::new(),
            has_file: file,
        }
    }

    #[test]
    fn the_shipped_questionnaires_pass_their_own_checks() {
        let all = shipped();
        assert_eq!(all.len(), 2);
        for q in &all {
            q.check().unwrap();
            assert!(q.questions().count() >= 12, "{}", q.key);
        }
    }

    #[test]
    fn a_questionnaire_written_badly_is_named_at_each_place() {
        let mut q = shipped().remove(0);
        q.key = "Bad Key".into();
        q.sections[0].questions[1].id = "1.1".into();
        q.sections[0].questions[0].weight = 9;
        q.sections[1].questions[0].options = vec![AnswerOption {
            label: "x".into(),
            points: 1,
        }];
        let Err(Error::Validation(f)) = q.check() else {
            panic!("a bad questionnaire passed")
        };
        let named: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            named,
            [
                "key",
                "sections[1].questions[1].weight",
                "sections[1].questions[2].id",
                "sections[2].questions[1].options"
            ]
        );
    }

    #[test]
    fn answers_score_by_weight_and_findings_raise_the_rating() {
        let q = Questionnaire {
            key: "t".into(),
            title: "t".into(),
            sections: vec![section(
                "s",
                vec![
                    yes_no_q("a", "A?", 2, false, ""),
                    yes_no_q("b", "B?", 2, true, ""),
                    choice_q("c", "C?", 1, &[("fast", 100), ("slow", 40)]),
                    yes_no_q("d", "D?", 5, false, ""),
                ],
            )],
        };
        assert_eq!(
            check_answer(&q.sections[0].questions[0], "maybe").unwrap_err(),
            "'maybe' is not yes, no or not applicable"
        );
        assert!(check_answer(&q.sections[0].questions[2], "soon").is_err());
        let answers = [
            answer("a", "yes", false),
            answer("b", "yes", false),
            answer("c", "slow", false),
            answer("d", "n/a", false),
        ];
        // a 200 + b 100 (no document: half) + c 40 out of 500; d does not apply.
        let s = score(&q, &answers);
        assert_eq!((s.points, s.max, s.percent), (340, 500, Some(68)));
        assert_eq!(rating(&s, &[]), RiskRating::Medium);
        assert_eq!(rating(&s, &[FindingSeverity::Major]), RiskRating::High);
        assert_eq!(
            rating(
                &s,
                &[
                    FindingSeverity::Major,
                    FindingSeverity::Major,
                    FindingSeverity::Major
                ]
            ),
            RiskRating::Critical
        );
        assert_eq!(
            incomplete(&q, &answers),
            [("b".to_string(), "the document it asks for is missing")]
        );
        assert_eq!(incomplete(&q, &[]).len(), 4);
    }
}

crate::domain::words::words_enum!(
    /// Where an assessment stands.
    AssessmentStatus,
    "an assessment status",
    [
        (Sent, "sent", "sent"),
        (InProgress, "in_progress", "being answered"),
        (Submitted, "submitted", "submitted"),
        (Reviewed, "reviewed", "reviewed"),
        (Cancelled, "cancelled", "cancelled"),
    ]
);

/// An answer as stored, with the reviewer's finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredAnswer {
    pub question: String,
    pub value: String,
    pub comment: String,
    /// The evidence item the supplier's document became.
    pub evidence: Option<String>,
    pub file_name: Option<String>,
    pub finding: String,
    pub finding_severity: Option<FindingSeverity>,
    pub answered_at: Option<String>,
}

impl StoredAnswer {
    pub fn as_answer(&self) -> Answer {
        Answer {
            question: self.question.clone(),
            value: self.value.clone(),
            comment: self.comment.clone(),
            has_file: self.evidence.is_some(),
        }
    }
}

/// An assessment sent to a supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub id: String,
    pub supplier: String,
    pub questionnaire_key: String,
    /// The questionnaire as it was sent.
    pub questionnaire: Questionnaire,
    pub status: AssessmentStatus,
    pub sent_by: String,
    pub sent_at: String,
    pub due_on: Option<String>,
    /// The last day its link opens.
    pub link_until: String,
    pub submitted_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub score: Option<Score>,
    pub rating: Option<RiskRating>,
    pub summary: String,
    /// The risk the review registered.
    pub risk: Option<String>,
    /// The evidence item the review filed.
    pub evidence: Option<String>,
    pub answers: Vec<StoredAnswer>,
    pub revision: i64,
}

impl Assessment {
    pub fn answers(&self) -> Vec<Answer> {
        self.answers.iter().map(StoredAnswer::as_answer).collect()
    }

    /// Whether the supplier may still change its answers.
    pub fn open_for_answers(&self) -> bool {
        matches!(
            self.status,
            AssessmentStatus::Sent | AssessmentStatus::InProgress
        )
    }

    /// The controls its review is evidence of: supplier relationships and their monitoring,
    /// and cloud services for the cloud questionnaire.
    pub fn controls(&self) -> Vec<String> {
        let mut c = vec!["5.19".to_string(), "5.20".into(), "5.22".into()];
        if self.questionnaire_key == "cloud" {
            c.push("5.23".into());
        }
        c
    }
}

/// A reviewer's finding on one answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FindingInput {
    #[schema(max_length = 20)]
    pub question: String,
    #[schema(max_length = 2000)]
    pub finding: String,
    /// observation, minor or major.
    pub severity: String,
}

/// A review of a submitted assessment.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewInput {
    pub findings: Vec<FindingInput>,
    #[schema(max_length = 5000)]
    pub summary: String,
    /// Risks to register from it, one per line: `title | likelihood | impact`.
    #[schema(max_length = 5000)]
    pub risks: String,
}

/// Checks a review's findings against the questionnaire: (question, finding, severity).
pub fn check_findings(
    q: &Questionnaire,
    findings: &[FindingInput],
) -> Result<Vec<(String, String, FindingSeverity)>, Error> {
    let mut p = Problems::new();
    let mut out = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let at = format!("findings[{}]", i + 1);
        let text = f.finding.trim();
        if text.is_empty() && f.severity.trim().is_empty() {
            continue;
        }
        if q.question(f.question.trim()).is_none() {
            p.add(
                &format!("{at}.question"),
                format!(
                    "'{}' is not a question of this questionnaire",
                    f.question.trim()
                ),
            );
            continue;
        }
        if text.is_empty() || text.chars().count() > 2000 {
            p.add(
                &format!("{at}.finding"),
                "a finding of 1 to 2000 characters",
            );
            continue;
        }
        let severity = match f.severity.trim() {
            "" => Some(FindingSeverity::Observation),
            raw => p.take(&format!("{at}.severity"), FindingSeverity::parse(raw)),
        };
        if let Some(s) = severity {
            out.push((f.question.trim().to_string(), text.to_string(), s));
        }
    }
    p.into_result()?;
    Ok(out)
}
