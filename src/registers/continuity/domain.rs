//! Business continuity (27002 5.29, 5.30, 8.13, 8.14): business processes with their
//! business impact analysis (impact over time on the organisation's impact scale, MTPD, RTO,
//! RPO, the minimum service level, and what they depend on), the recovery times each asset is
//! therefore required to meet, what restore tests showed it achieves, and the exercises that
//! prove the plans work.

use crate::domain::input::bounded;
use crate::domain::words::words_enum;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

/// The moments of an outage at which a process's impact is rated: (minutes, words).
pub const HORIZONS: [(i64, &str); 4] = [
    (240, "4 hours"),
    (1440, "1 day"),
    (4320, "3 days"),
    (10080, "1 week"),
];

/// At most a year, in minutes: any longer is not a recovery time.
const MAX_MINUTES: i64 = 366 * 1440;

/// A duration as typed: `15 minutes`, `15m`, `4h`, `4 hours`, `1d`, `3 days`, `1w`,
/// `2 weeks`, or a number of hours (`72`, `1.5`). Minutes.
pub fn parse_duration(raw: &str) -> Result<i64, String> {
    let t = raw.trim().to_lowercase();
    let bad = || {
        format!(
            "'{}' is not a duration: write e.g. 15 minutes, 4 hours, 3 days, 1 week (a plain number is hours)",
            raw.trim()
        )
    };
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.trim().parse().map_err(|_| bad())?;
    let per = match unit.trim() {
        "" | "h" | "hr" | "hrs" | "hour" | "hours" => 60.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 1.0,
        "d" | "day" | "days" => 1440.0,
        "w" | "wk" | "week" | "weeks" => 10080.0,
        _ => return Err(bad()),
    };
    let minutes = n * per;
    if !minutes.is_finite() || minutes < 0.0 || minutes > MAX_MINUTES as f64 {
        return Err(format!("'{}' is not between 0 and a year", raw.trim()));
    }
    Ok(minutes.round() as i64)
}

/// Minutes in words: `15 minutes`, `4 hours`, `3 days`, `1 week`.
pub fn duration_words(minutes: i64) -> String {
    use crate::domain::words::count;
    let m = minutes.max(0) as usize;
    if m == 0 {
        "0 minutes".into()
    } else if m.is_multiple_of(10080) {
        count(m / 10080, "week", "weeks")
    } else if m.is_multiple_of(1440) {
        count(m / 1440, "day", "days")
    } else if m.is_multiple_of(60) {
        count(m / 60, "hour", "hours")
    } else {
        count(m, "minute", "minutes")
    }
}

/// A business process or activity with its business impact analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Process {
    /// `PR-0001`
    pub id: String,
    pub name: String,
    pub description: String,
    /// Who owns it (an e-mail address or a name).
    pub owner: String,
    /// The impact of an outage of 4 hours, 1 day, 3 days and 1 week, each a value of the
    /// organisation's impact scale (the risk matrix's), or none when not rated.
    pub impacts: Vec<Option<i64>>,
    /// Maximum tolerable period of disruption, in minutes.
    pub mtpd_minutes: Option<i64>,
    /// Recovery time objective, in minutes.
    pub rto_minutes: Option<i64>,
    /// Recovery point objective (how much data may be lost), in minutes.
    pub rpo_minutes: Option<i64>,
    /// The minimum service level while it recovers.
    pub min_service: String,
    /// The IT systems and other assets it depends on (asset ids).
    pub assets: Vec<String>,
    /// Suppliers it depends on, by name.
    pub suppliers: Vec<String>,
    /// Roles it needs.
    pub roles: Vec<String>,
    /// Locations it runs from.
    pub locations: Vec<String>,
    /// Continuity and recovery plans (document ids).
    pub plans: Vec<String>,
    /// When the BIA was last reviewed.
    pub reviewed_on: Option<String>,
    pub updated_at: String,
    pub revision: i64,
}

/// A process as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessInput {
    #[schema(pattern = "^ *([A-Za-z0-9._-]{1,40})? *$")]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub owner: String,
    /// Impact after 4 hours: a value or a name of the impact scale.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub impact_4h: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub impact_1d: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub impact_3d: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub impact_1w: String,
    /// A duration (`5 days`, `4h`) or a number of hours.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub mtpd: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub rto: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub rpo: String,
    #[schema(max_length = 2000)]
    pub min_service: String,
    /// Asset ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub assets: String,
    /// Supplier names, one per line or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub suppliers: String,
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub roles: String,
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub locations: String,
    /// YYYY-MM-DD
    #[schema(max_length = 10)]
    pub reviewed_on: String,
}

/// A checked process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessDraft {
    pub id: Option<String>,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub impacts: [Option<i64>; 4],
    pub mtpd_minutes: Option<i64>,
    pub rto_minutes: Option<i64>,
    pub rpo_minutes: Option<i64>,
    pub min_service: String,
    pub assets: Vec<String>,
    pub suppliers: Vec<String>,
    pub roles: Vec<String>,
    pub locations: Vec<String>,
    pub reviewed_on: Option<String>,
}

/// A level of the impact scale: (value, name).
pub type ImpactLevel = (i64, String);

/// Names in a list: separated by lines, commas or semicolons.
fn names(p: &mut Problems, field: &str, raw: &str) -> Vec<String> {
    crate::domain::input::names(p, field, raw, &['\n', ',', ';'])
}

fn duration(p: &mut Problems, field: &str, raw: &str) -> Option<i64> {
    match raw.trim() {
        "" => None,
        t => p.take(field, parse_duration(t)),
    }
}

fn impact(p: &mut Problems, field: &str, raw: &str, scale: &[ImpactLevel]) -> Option<i64> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    let found = scale.iter().find(|(v, name)| {
        t == v.to_string()
            || t.eq_ignore_ascii_case(name)
            || t.parse::<f64>().ok() == Some(*v as f64)
    });
    match found {
        Some((v, _)) => Some(*v),
        None => {
            let words: Vec<String> = scale.iter().map(|(v, n)| format!("{v} ({n})")).collect();
            p.add(
                field,
                format!("'{t}' is not on the impact scale: use {}", words.join(", ")),
            );
            None
        }
    }
}

impl ProcessInput {
    /// Checks the process against the organisation's impact scale.
    pub fn parse(&self, scale: &[ImpactLevel]) -> Result<ProcessDraft, Error> {
        let mut p = Problems::new();
        let id = match self.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(id)
                if id.len() <= 40
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
            {
                Some(id.to_string())
            }
            Some(_) => {
                p.add("id", "letters, digits, '.', '_' and '-', at most 40");
                None
            }
        };
        let name = bounded(&mut p, "name", &self.name, 200);
        if name.is_empty() {
            p.add("name", "name the process (e.g. Payroll)");
        }
        let description = bounded(&mut p, "description", &self.description, 5000);
        let owner = bounded(&mut p, "owner", &self.owner, 200);
        let impacts = [
            impact(&mut p, "impact_4h", &self.impact_4h, scale),
            impact(&mut p, "impact_1d", &self.impact_1d, scale),
            impact(&mut p, "impact_3d", &self.impact_3d, scale),
            impact(&mut p, "impact_1w", &self.impact_1w, scale),
        ];
        let fields = ["impact_4h", "impact_1d", "impact_3d", "impact_1w"];
        let mut highest: Option<(i64, usize)> = None;
        for (i, v) in impacts.iter().enumerate() {
            if let Some(v) = v {
                if let Some((h, at)) = highest
                    && *v < h
                {
                    p.add(
                        fields[i],
                        format!(
                            "lower than after {}: an outage that lasts longer does not hurt less",
                            HORIZONS[at].1
                        ),
                    );
                }
                if highest.is_none_or(|(h, _)| *v >= h) {
                    highest = Some((*v, i));
                }
            }
        }
        let mtpd_minutes = duration(&mut p, "mtpd", &self.mtpd);
        let rto_minutes = duration(&mut p, "rto", &self.rto);
        let rpo_minutes = duration(&mut p, "rpo", &self.rpo);
        if let (Some(rto), Some(mtpd)) = (rto_minutes, mtpd_minutes)
            && rto > mtpd
        {
            p.add(
                "rto",
                format!(
                    "longer than the maximum tolerable disruption ({}): recovery must come first",
                    duration_words(mtpd)
                ),
            );
        }
        let min_service = bounded(&mut p, "min_service", &self.min_service, 2000);
        let assets = crate::domain::input::asset_ids(&mut p, "assets", &self.assets);
        let suppliers = names(&mut p, "suppliers", &self.suppliers);
        let roles = names(&mut p, "roles", &self.roles);
        let locations = names(&mut p, "locations", &self.locations);
        let reviewed_on = match self.reviewed_on.trim() {
            "" => None,
            t => p.take("reviewed_on", crate::domain::input::parse_date(t)),
        };
        p.into_result()?;
        Ok(ProcessDraft {
            id,
            name,
            description,
            owner,
            impacts,
            mtpd_minutes,
            rto_minutes,
            rpo_minutes,
            min_service,
            assets,
            suppliers,
            roles,
            locations,
            reviewed_on,
        })
    }
}

impl From<&Process> for ProcessInput {
    fn from(p: &Process) -> ProcessInput {
        let imp = |i: usize| {
            p.impacts
                .get(i)
                .copied()
                .flatten()
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        let dur = |m: Option<i64>| m.map(duration_words).unwrap_or_default();
        ProcessInput {
            id: Some(p.id.clone()),
            name: p.name.clone(),
            description: p.description.clone(),
            owner: p.owner.clone(),
            impact_4h: imp(0),
            impact_1d: imp(1),
            impact_3d: imp(2),
            impact_1w: imp(3),
            mtpd: dur(p.mtpd_minutes),
            rto: dur(p.rto_minutes),
            rpo: dur(p.rpo_minutes),
            min_service: p.min_service.clone(),
            assets: p.assets.join(", "),
            suppliers: p.suppliers.join("\n"),
            roles: p.roles.join("\n"),
            locations: p.locations.join("\n"),
            reviewed_on: p.reviewed_on.clone().unwrap_or_default(),
        }
    }
}

words_enum!(
    /// What kind of exercise or test.
    ExerciseKind,
    "a kind of exercise",
    [
        (Tabletop, "tabletop", "tabletop exercise"),
        (Walkthrough, "walkthrough", "walkthrough"),
        (Simulation, "simulation", "simulation"),
        (RestoreTest, "restore_test", "technical restore test"),
        (Failover, "failover", "failover test"),
    ]
);

impl ExerciseKind {
    /// The 27002 controls a completed exercise of this kind is evidence for: continuity
    /// (5.29) and ICT readiness (5.30) for all; backup (8.13) for a restore test; redundancy
    /// (8.14) for a failover.
    pub fn controls(self) -> &'static [&'static str] {
        match self {
            ExerciseKind::Tabletop | ExerciseKind::Walkthrough | ExerciseKind::Simulation => {
                &["5.29", "5.30"]
            }
            ExerciseKind::RestoreTest => &["5.30", "8.13"],
            ExerciseKind::Failover => &["5.30", "8.14"],
        }
    }

    /// Whether it measures what assets achieve (their recovery time and point).
    pub fn technical(self) -> bool {
        matches!(self, ExerciseKind::RestoreTest | ExerciseKind::Failover)
    }
}

words_enum!(
    /// How an exercise went.
    ExerciseResult,
    "a result",
    [
        (Passed, "passed", "passed"),
        (PassedWithFindings, "passed_with_findings", "passed with findings"),
        (Failed, "failed", "failed"),
    ]
);

/// An exercise or test as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Exercise {
    /// `EX-0001`
    pub id: String,
    pub title: String,
    pub kind: ExerciseKind,
    /// YYYY-MM-DD
    pub held_on: String,
    pub process: Option<String>,
    /// The plan exercised (a document id).
    pub plan: Option<String>,
    /// The assets restored or failed over.
    pub assets: Vec<String>,
    pub scope: String,
    pub participants: String,
    pub result: ExerciseResult,
    pub achieved_rto_minutes: Option<i64>,
    pub achieved_rpo_minutes: Option<i64>,
    pub findings: String,
    /// The measures its findings started.
    pub measures: Vec<String>,
    /// The evidence item it filed for its controls.
    pub evidence: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// An exercise as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ExerciseInput {
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// tabletop, walkthrough, simulation, restore_test or failover (or their labels).
    #[schema(required = true)]
    pub kind: String,
    /// YYYY-MM-DD (today when empty).
    #[schema(max_length = 10)]
    pub held_on: String,
    /// The process exercised (an id).
    #[schema(max_length = 40)]
    pub process: String,
    /// The plan exercised (a document id).
    #[schema(max_length = 40)]
    pub plan: String,
    /// The assets restored or failed over (ids).
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub assets: String,
    #[schema(max_length = 5000)]
    pub scope: String,
    #[schema(max_length = 2000)]
    pub participants: String,
    /// passed, passed_with_findings or failed.
    #[schema(required = true)]
    pub result: String,
    /// The recovery time achieved: a duration or a number of hours.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub achieved_rto: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub achieved_rpo: String,
    /// What was found; each line starting with `- ` becomes a measure.
    #[schema(max_length = 10000)]
    pub findings: String,
}

/// A checked exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseDraft {
    pub title: String,
    pub kind: ExerciseKind,
    pub held_on: String,
    pub process: Option<String>,
    pub plan: Option<String>,
    pub assets: Vec<String>,
    pub scope: String,
    pub participants: String,
    pub result: ExerciseResult,
    pub achieved_rto_minutes: Option<i64>,
    pub achieved_rpo_minutes: Option<i64>,
    pub findings: String,
    /// The measures to start: the findings' lines that begin with `- `.
    pub measures: Vec<String>,
}

impl From<&Exercise> for ExerciseInput {
    /// The exercise as typed, to compare a row of a file with it.
    fn from(e: &Exercise) -> ExerciseInput {
        let words = |m: Option<i64>| m.map(duration_words).unwrap_or_default();
        ExerciseInput {
            title: e.title.clone(),
            kind: e.kind.key().into(),
            held_on: e.held_on.clone(),
            process: e.process.clone().unwrap_or_default(),
            plan: e.plan.clone().unwrap_or_default(),
            assets: e.assets.join(", "),
            scope: e.scope.clone(),
            participants: e.participants.clone(),
            result: e.result.key().into(),
            achieved_rto: words(e.achieved_rto_minutes),
            achieved_rpo: words(e.achieved_rpo_minutes),
            findings: e.findings.clone(),
        }
    }
}

impl ExerciseInput {
    /// Checks the exercise; `today` (YYYY-MM-DD) bounds when it can have been held.
    pub fn parse(&self, today: &str) -> Result<ExerciseDraft, Error> {
        let mut p = Problems::new();
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add("title", "name the exercise (e.g. Payroll restore test)");
        }
        let kind = p.take("kind", ExerciseKind::parse(&self.kind));
        let held_on = match self.held_on.trim() {
            "" => Some(today.to_string()),
            t => p.take("held_on", crate::domain::input::parse_date(t)),
        };
        if held_on.as_deref().is_some_and(|d| d > today) {
            p.add(
                "held_on",
                "a day to come: record an exercise once it is held",
            );
        }
        let id = |p: &mut Problems, field: &str, raw: &str| match raw.trim() {
            "" => None,
            t if t.chars().count() <= 40 => Some(t.to_string()),
            _ => {
                p.add(field, "an id of at most 40 characters");
                None
            }
        };
        let process = id(&mut p, "process", &self.process);
        let plan = id(&mut p, "plan", &self.plan);
        let assets = crate::domain::input::asset_ids(&mut p, "assets", &self.assets);
        let scope = bounded(&mut p, "scope", &self.scope, 5000);
        let participants = bounded(&mut p, "participants", &self.participants, 2000);
        let result = p.take("result", ExerciseResult::parse(&self.result));
        let achieved_rto_minutes = duration(&mut p, "achieved_rto", &self.achieved_rto);
        let achieved_rpo_minutes = duration(&mut p, "achieved_rpo", &self.achieved_rpo);
        let findings = bounded(&mut p, "findings", &self.findings, 10_000);
        let measures: Vec<String> = findings
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- "))
            .map(|l| l.trim().chars().take(200).collect())
            .filter(|l: &String| !l.is_empty())
            .collect();
        if measures.len() > 20 {
            p.add("findings", "at most 20 findings to turn into measures");
        }
        if let Some(k) = kind
            && k.technical()
        {
            if assets.is_empty() {
                p.add(
                    "assets",
                    format!("a {} names the assets it restored", k.label()),
                );
            }
            if achieved_rto_minutes.is_none() {
                p.add(
                    "achieved_rto",
                    format!("a {} records the recovery time it achieved", k.label()),
                );
            }
        }
        if result == Some(ExerciseResult::PassedWithFindings) && findings.is_empty() {
            p.add("findings", "say what was found");
        }
        p.into_result()?;
        Ok(ExerciseDraft {
            title,
            kind: kind.unwrap_or(ExerciseKind::Tabletop),
            held_on: held_on.unwrap_or_else(|| today.to_string()),
            process,
            plan,
            assets,
            scope,
            participants,
            result: result.unwrap_or(ExerciseResult::Passed),
            achieved_rto_minutes,
            achieved_rpo_minutes,
            findings,
            measures,
        })
    }
}

/// What a process asks of an asset: its RTO and RPO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub asset: String,
    pub process: String,
    pub rto_minutes: Option<i64>,
    pub rpo_minutes: Option<i64>,
}

/// What a restore test or failover showed an asset achieves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Achieved {
    pub asset: String,
    pub exercise: String,
    pub held_on: String,
    pub rto_minutes: Option<i64>,
    pub rpo_minutes: Option<i64>,
}

/// An asset's recovery requirement: the strictest of the processes that depend on it, and
/// how its last restore test compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Requirement {
    pub asset: String,
    /// The strictest RTO of the processes depending on it, in minutes.
    pub required_rto_minutes: Option<i64>,
    /// The process that sets it.
    pub rto_set_by: Option<String>,
    pub required_rpo_minutes: Option<i64>,
    pub rpo_set_by: Option<String>,
    /// Every process that depends on it.
    pub processes: Vec<String>,
    /// The last restore test or failover of it.
    pub tested_by: Option<String>,
    pub tested_on: Option<String>,
    pub achieved_rto_minutes: Option<i64>,
    pub achieved_rpo_minutes: Option<i64>,
    /// The gaps, in words (empty: it meets what is required).
    pub gaps: Vec<String>,
}

fn strictest<'a>(
    demands: impl Iterator<Item = &'a Demand>,
    of: impl Fn(&Demand) -> Option<i64>,
) -> Option<(i64, String)> {
    demands
        .filter_map(|d| of(d).map(|m| (m, d.process.clone())))
        .min()
}

/// Each asset's requirement from the processes' demands, compared with the latest test
/// that achieved something for it; assets sorted by id.
pub fn requirements(demands: &[Demand], achieved: &[Achieved]) -> Vec<Requirement> {
    use std::collections::BTreeMap;
    let mut by_asset: BTreeMap<&str, Vec<&Demand>> = BTreeMap::new();
    for d in demands {
        by_asset.entry(d.asset.as_str()).or_default().push(d);
    }
    let mut last_test: std::collections::HashMap<&str, &Achieved> =
        std::collections::HashMap::new();
    for a in achieved {
        let e = last_test.entry(a.asset.as_str()).or_insert(a);
        if (&a.held_on, &a.exercise) > (&e.held_on, &e.exercise) {
            *e = a;
        }
    }
    by_asset
        .into_iter()
        .map(|(asset, mine)| {
            let rto = strictest(mine.iter().copied(), |d| d.rto_minutes);
            let rpo = strictest(mine.iter().copied(), |d| d.rpo_minutes);
            let mut processes: Vec<String> = mine.iter().map(|d| d.process.clone()).collect();
            processes.sort();
            processes.dedup();
            let last = last_test.get(asset).copied();
            let mut gaps = Vec::new();
            if rto.is_some() || rpo.is_some() {
                match last {
                    None => gaps
                        .push("never tested: no restore test shows what it achieves".to_string()),
                    Some(t) => {
                        if let Some((need, by)) = &rto {
                            match t.rto_minutes {
                                Some(got) if got > *need => gaps.push(format!(
                                    "recovery took {} in {} against {} required by {by}",
                                    duration_words(got),
                                    t.exercise,
                                    duration_words(*need)
                                )),
                                None => {
                                    gaps.push(format!("{} recorded no recovery time", t.exercise))
                                }
                                _ => {}
                            }
                        }
                        if let Some((need, by)) = &rpo
                            && let Some(got) = t.rpo_minutes
                            && got > *need
                        {
                            gaps.push(format!(
                                "{} of data lost in {} against at most {} required by {by}",
                                duration_words(got),
                                t.exercise,
                                duration_words(*need)
                            ));
                        }
                    }
                }
            }
            Requirement {
                asset: asset.to_string(),
                required_rto_minutes: rto.as_ref().map(|r| r.0),
                rto_set_by: rto.map(|r| r.1),
                required_rpo_minutes: rpo.as_ref().map(|r| r.0),
                rpo_set_by: rpo.map(|r| r.1),
                processes,
                tested_by: last.map(|t| t.exercise.clone()),
                tested_on: last.map(|t| t.held_on.clone()),
                achieved_rto_minutes: last.and_then(|t| t.rto_minutes),
                achieved_rpo_minutes: last.and_then(|t| t.rpo_minutes),
                gaps,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale() -> Vec<ImpactLevel> {
        ["Negligible", "Minor", "Moderate", "Major", "Severe"]
            .iter()
            .enumerate()
            .map(|(i, n)| (i as i64 + 1, n.to_string()))
            .collect()
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("3 days"), Ok(4320));
        assert_eq!(parse_duration("4h"), Ok(240));
        assert_eq!(parse_duration("72"), Ok(4320));
        assert_eq!(parse_duration("1.5"), Ok(90));
        assert_eq!(parse_duration("15 minutes"), Ok(15));
        assert_eq!(parse_duration("1 WEEK"), Ok(10080));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-4h").is_err());
        assert!(parse_duration("999999999999 weeks").is_err());
        assert!(parse_duration("1e400").is_err());
        assert_eq!(duration_words(4320), "3 days");
        assert_eq!(duration_words(10080), "1 week");
        assert_eq!(duration_words(90), "90 minutes");
        assert_eq!(duration_words(60), "1 hour");
    }

    #[test]
    fn a_bia_reads_the_impact_scale_by_value_or_name_and_checks_its_rules() {
        let d = ProcessInput {
            name: "Μισθοδοσία".into(),
            impact_4h: "1".into(),
            impact_1d: "minor".into(),
            impact_3d: "Major".into(),
            impact_1w: "5".into(),
            mtpd: "1 week".into(),
            rto: "3 days".into(),
            rpo: "1 day".into(),
            assets: "A-0001, A-0002 A-0001".into(),
            suppliers: "Payroll bureau\nBank".into(),
            ..Default::default()
        }
        .parse(&scale())
        .unwrap();
        assert_eq!(d.impacts, [Some(1), Some(2), Some(4), Some(5)]);
        assert_eq!(d.rto_minutes, Some(4320));
        assert_eq!(d.assets, ["A-0001", "A-0002"]);
        assert_eq!(d.suppliers, ["Payroll bureau", "Bank"]);
        let e = ProcessInput {
            name: "Payroll".into(),
            impact_4h: "4".into(),
            impact_1d: "2".into(),
            impact_3d: "catastrophic".into(),
            mtpd: "1 day".into(),
            rto: "3 days".into(),
            ..Default::default()
        }
        .parse(&scale())
        .unwrap_err();
        let s = e.to_string();
        for f in ["impact_1d", "impact_3d", "rto"] {
            assert!(s.contains(f), "{f}: {s}");
        }
    }

    #[test]
    fn a_restore_test_names_its_assets_and_the_time_it_achieved() {
        let e = ExerciseInput {
            title: "Restore".into(),
            kind: "restore_test".into(),
            result: "passed".into(),
            held_on: "2099-01-01".into(),
            ..Default::default()
        }
        .parse("2026-12-04")
        .unwrap_err()
        .to_string();
        for f in ["assets", "achieved_rto", "held_on"] {
            assert!(e.contains(f), "{f}: {e}");
        }
        let d = ExerciseInput {
            title: "Restore".into(),
            kind: "technical restore test".into(),
            result: "passed with findings".into(),
            assets: "A-1".into(),
            achieved_rto: "2 days".into(),
            findings: "Slow tape.\n- Move backups to disk\n- \n-not a measure".into(),
            ..Default::default()
        }
        .parse("2026-12-04")
        .unwrap();
        assert_eq!(d.kind, ExerciseKind::RestoreTest);
        assert_eq!(d.measures, ["Move backups to disk"]);
        assert_eq!(d.held_on, "2026-12-04");
        assert_eq!(d.kind.controls(), ["5.30", "8.13"]);
    }

    #[test]
    fn an_asset_must_meet_the_strictest_process_and_its_last_test_shows_the_gap() {
        let demands = vec![
            Demand {
                asset: "A-1".into(),
                process: "PR-0001".into(),
                rto_minutes: Some(4320),
                rpo_minutes: Some(1440),
            },
            Demand {
                asset: "A-1".into(),
                process: "PR-0002".into(),
                rto_minutes: Some(1440),
                rpo_minutes: None,
            },
            Demand {
                asset: "A-2".into(),
                process: "PR-0001".into(),
                rto_minutes: Some(4320),
                rpo_minutes: None,
            },
        ];
        let achieved = vec![
            Achieved {
                asset: "A-1".into(),
                exercise: "EX-0001".into(),
                held_on: "2026-01-01".into(),
                rto_minutes: Some(600),
                rpo_minutes: Some(60),
            },
            Achieved {
                asset: "A-1".into(),
                exercise: "EX-0002".into(),
                held_on: "2026-06-01".into(),
                rto_minutes: Some(2880),
                rpo_minutes: Some(60),
            },
        ];
        let r = requirements(&demands, &achieved);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].required_rto_minutes, Some(1440));
        assert_eq!(r[0].rto_set_by.as_deref(), Some("PR-0002"));
        assert_eq!(r[0].tested_by.as_deref(), Some("EX-0002"));
        assert_eq!(r[0].gaps.len(), 1, "{:?}", r[0].gaps);
        assert!(r[0].gaps[0].contains("2 days") && r[0].gaps[0].contains("1 day"));
        assert!(r[1].gaps[0].contains("never tested"));
    }
}
