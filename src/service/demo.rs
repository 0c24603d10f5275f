//! `annex demo`: a made-up organisation's registers (assets with dependencies, measures linked
//! to controls, risks on assets treated by measures, some accepted) for trying Annex out and for
//! benchmarks at 100,000 rows. The data is the same for the same seed, and goes through the
//! same store use cases (and audit trail) as an import.

mod compliance;
mod management;
mod risks;
mod size;

pub use size::Size;

use crate::domain::montecarlo::{Dist, Estimate};
use crate::error::{Error, Result};
use crate::registers::asset::domain::{AssetDraft, Lifecycle};
use crate::service::Ctx;

/// Assets and risks made and written at once.
const BATCH: usize = 5_000;

/// What the demo made.
#[derive(Debug, Clone, Default)]
pub struct Made {
    pub assets: usize,
    pub measures: usize,
    pub risks: usize,
    pub acceptances: usize,
    pub evidence: usize,
    /// Risks given FAIR ranges.
    pub quantified: usize,
    /// Hosts that reported a scan (their results are evidence on the SoA).
    pub hosts: usize,
    /// Documents from the templates (most published, one in review, one a draft).
    pub documents: usize,
    pub people: usize,
    pub acknowledgements: usize,
    pub completions: usize,
    /// Business processes with their BIA, and the exercises and restore tests held.
    pub processes: usize,
    pub exercises: usize,
    pub incidents: usize,
    pub suppliers: usize,
    pub obligations: usize,
    /// Activities in the record of processing.
    pub processing: usize,
    /// Issues of the organisation's context.
    pub issues: usize,
    /// Roles of the ISMS.
    pub roles: usize,
    /// Internal audits (one completed, one planned).
    pub audits: usize,
    /// Nonconformities (one closed, one with an action overdue).
    pub nonconformities: usize,
    /// Management reviews (one held, one planned).
    pub reviews: usize,
    /// Tasks people wrote, due over the next months.
    pub tasks: usize,
}

/// A made-up owner: someone of a team.
fn owner(d: &mut Dice) -> String {
    let team = d.pick(TEAMS);
    format!("{team}{}@example.org", d.below(20))
}

/// A small deterministic generator (SplitMix64): the same seed gives the same organisation.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const TEAMS: &[&str] = &[
    "it",
    "ops",
    "finance",
    "hr",
    "sales",
    "legal",
    "security",
    "dev",
    "support",
    "facilities",
];
const SYSTEMS: &[(&str, &str)] = &[
    ("hardware", "Server"),
    ("hardware", "Laptop"),
    ("hardware", "Firewall"),
    ("software", "Payroll application"),
    ("software", "CRM"),
    ("software", "Build pipeline"),
    ("service", "E-mail service"),
    ("service", "Customer portal"),
    ("information", "Customer records"),
    ("information", "Contracts archive"),
    ("information", "Source code"),
    ("people", "On-call engineers"),
    ("site", "Office"),
    ("supplier_provided", "Cloud hosting"),
];
const MEASURES: &[(&str, &[&str])] = &[
    ("MFA for remote access", &["5.17", "8.5"]),
    ("Offline backups tested monthly", &["8.13", "5.30"]),
    ("Endpoint protection on every laptop", &["8.7", "8.1"]),
    ("Patch within 14 days", &["8.8", "8.19"]),
    ("Phishing awareness training", &["6.3", "8.23"]),
    ("Central log collection", &["8.15", "8.16"]),
    ("Quarterly access review", &["5.18", "8.2"]),
    ("Supplier security clauses", &["5.19", "5.20"]),
    ("Disk encryption", &["8.24", "7.9"]),
    ("Network segmentation", &["8.22", "8.20"]),
    ("Incident response playbook", &["5.24", "5.26"]),
    ("Secure coding review", &["8.28", "8.25"]),
];

/// Fills an empty store with a demo organisation's registers.
#[tracing::instrument(name = "demo.generate", skip_all, fields(actor = %ctx.who()))]
pub async fn generate(ctx: &Ctx, size: Size, seed: u64) -> Result<Made> {
    ctx.require(crate::domain::user::ADMIN)?;
    let store = ctx.store();
    let empty = store
        .list_assets(&Default::default(), Default::default(), None, 1)
        .await?
        .items
        .is_empty()
        && store.risk_count().await? == 0;
    if !empty {
        return Err(Error::Conflict(
            "this store already holds assets or risks: run the demo on a new --data-dir".into(),
        ));
    }
    let matrix = store.risk_matrix().await?;
    let settings = store.asset_settings().await?;
    let today = store.clock().now().date();
    let date = |days: i64| (today + time::Duration::days(days)).to_string();
    let mut dice = Dice(seed);
    let impacts = matrix.impact.len();

    // Assets and risks go in as an import of that many rows would: a batch at a time, in one
    // transaction, so that a million of each take no more memory than a few thousand.
    // No one reads the new store meanwhile: the indexes are built at the end, on PostgreSQL too.
    let mut importing = crate::registers::asset::service::Importing::start(ctx, false, None)
        .await?
        .alone();
    let mut make_asset = |i: usize| {
        let (kind, noun) = *dice.pick(SYSTEMS);
        let mut tags = vec![dice.pick(TEAMS).to_string()];
        if dice.chance(40) {
            tags.push(format!("site-{}", dice.below(8)));
        }
        if dice.chance(5) {
            tags.push("crown-jewel".into());
        }
        tags.sort();
        tags.dedup();
        // Dependencies point to earlier assets only, so they never make a loop.
        let depends_on = if i > 10 && dice.chance(30) {
            vec![format!("A-{:06}", dice.below(i) + 1)]
        } else {
            Vec::new()
        };
        let rate = |d: &mut Dice| Some(1 + d.below(impacts) as i64);
        (
            i + 2,
            AssetDraft {
                id: Some(format!("A-{:06}", i + 1)),
                name: format!("{noun} {}", i + 1),
                asset_type: kind.to_string(),
                description: format!("Demo {} number {}", noun.to_lowercase(), i + 1),
                owner: owner(&mut dice),
                custodian: owner(&mut dice),
                location: format!("Site {}", dice.below(8)),
                classification: dice.pick(&settings.classification).key.clone(),
                confidentiality: rate(&mut dice),
                integrity: rate(&mut dice),
                availability: rate(&mut dice),
                lifecycle: match dice.below(20) {
                    0 => Lifecycle::Planned,
                    1 => Lifecycle::Retired,
                    _ => Lifecycle::InUse,
                },
                tags,
                depends_on,
                last_reviewed_on: Some(date(-(dice.below(500) as i64))),
            },
        )
    };
    for start in (0..size.assets).step_by(BATCH) {
        let batch: Vec<(usize, AssetDraft)> = (start..(start + BATCH).min(size.assets))
            .map(&mut make_asset)
            .collect();
        importing.add(batch).await?;
    }
    let (_, later) = importing.finish_later().await?;
    // Analysed now (the import, alone, left it to us), and on PostgreSQL vacuumed: the risks'
    // checks of their assets then read the assets' key alone.
    store
        .vacuum_after_load(crate::registers::asset::store::TABLES)
        .await?;
    // On PostgreSQL the assets' other indexes, foreign keys and counting triggers are built
    // on another connection while the measures and risks are written, which read the assets
    // by their key only. The risks' links' foreign key to the assets goes first (the risks'
    // import would lock the assets until it commits, dropping it) and comes back at the end
    // of the build, once the risks are in. A million assets and risks: 128 s before, one
    // build after the other.
    let building = match later {
        Some(mut later) => {
            let taken = later
                .take_references_from(store, crate::registers::risk::store::TABLES)
                .await;
            let building = tokio::spawn(later.build(store.clone()));
            if let Err(e) = taken {
                // The assets get their indexes and keys all the same.
                let _ = building.await;
                return Err(e);
            }
            Some(building)
        }
        None => None,
    };
    let made_assets = size.assets;

    // The build is waited for whatever happens to the measures and risks, so that the
    // assets keep their indexes and keys even when a later step fails.
    let written = risks::measures_and_risks(ctx, &size, &mut dice, today).await;
    if let Some(building) = building {
        building.await.map_err(|e| {
            Error::Internal(anyhow::anyhow!("building the assets' indexes stopped: {e}"))
        })??;
    }
    let made_measures = written?;
    store.refresh_statistics_soon();
    let made_risks = size.risks;

    let mut acceptances = 0;
    for i in 0..size.acceptances.min(made_risks) {
        let id = format!(
            "R-{:06}",
            1 + i * (made_risks / size.acceptances.max(1)).max(1)
        );
        crate::registers::risk::service::accept(
            ctx,
            &id,
            None,
            "Demo: accepted by the risk owner",
            &date(365),
        )
        .await?;
        acceptances += 1;
    }

    // Evidence: links to reports and tickets, on measures and on their controls, collected
    // over the last year; some expired, some expiring soon.
    const EVIDENCE: &[&str] = &[
        "Access review export",
        "Backup restore report",
        "Vulnerability scan summary",
        "Training completion list",
        "Change approval ticket",
        "Firewall rule review",
        "Supplier assessment",
        "Incident exercise minutes",
    ];
    let mut drafts = Vec::with_capacity(size.evidence);
    for i in 0..size.evidence {
        let title = dice.pick(EVIDENCE);
        let measure = format!("M-{:05}", 1 + dice.below(made_measures.max(1)));
        let (_, controls) = MEASURES[dice.below(MEASURES.len())];
        let collected = date(-(dice.below(360) as i64));
        drafts.push(crate::registers::evidence::domain::EvidenceDraft {
            title: format!("{title} #{}", i + 1),
            description: String::new(),
            url: format!("https://intranet.example.org/evidence/{}", i + 1),
            valid_until: Some(crate::registers::evidence::domain::add_days(
                &collected,
                90 + dice.below(365) as i64,
            )),
            collected_at: collected,
            collected_by: "demo@example.org".into(),
            controls: if dice.chance(50) {
                controls.iter().map(|c| c.to_string()).collect()
            } else {
                Vec::new()
            },
            measures: if made_measures > 0 {
                vec![measure]
            } else {
                Vec::new()
            },
            risks: Vec::new(),
        });
    }
    let evidence = if drafts.is_empty() {
        0
    } else {
        crate::registers::evidence::service::add_links(ctx, drafts).await?
    };
    let documents = demo_documents(ctx, size.published).await?;
    let (people, acknowledgements, completions) = demo_people(ctx, size, &mut dice).await?;
    let (processes, exercises) = demo_continuity(ctx).await?;
    let incidents = demo_incidents(ctx).await?;
    let suppliers = compliance::suppliers(ctx).await?;
    let obligations = compliance::obligations(ctx).await?;
    let processing = compliance::processing(ctx).await?;
    let issues = management::context(ctx, &risk_ids_for_context(ctx).await?).await?;
    let roles = management::roles(ctx).await?;
    management::objectives(ctx).await?;
    let (audits, finding) = management::internal_audits(ctx).await?;
    let nonconformities = management::nonconformities(ctx, &finding).await?;
    let reviews = management::reviews(ctx).await?;
    let tasks = demo_tasks(ctx, &mut dice).await?;

    // FAIR ranges for the first 100 risks: loss events a year from the likelihood, loss per
    // event from the impact, the residual ranges a third to a tenth of the frequency.
    let mut quantified = 0;
    for i in 0..made_risks.min(100) {
        let id = format!("R-{:06}", i + 1);
        let r = store.risk(&id).await?;
        let k = 0.05 * 2f64.powi(r.inherent.likelihood as i32);
        let m = 2_000.0 * 3f64.powi(r.inherent.impact as i32);
        let cut = 3.0 + dice.below(8) as f64;
        // Three significant digits, as people write ranges.
        let round = |x: f64| {
            let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
            (x * scale).round() / scale
        };
        let pert = |a: f64, b: f64, c: f64| Dist::pert(round(a), round(b), round(c));
        let fair = crate::registers::quant::domain::Fair {
            current: Estimate::Simple {
                lef: pert(0.2 * k, k, 4.0 * k),
                lm: pert(0.2 * m, m, 10.0 * m),
            },
            residual: Some(Estimate::Simple {
                lef: pert(0.2 * k / cut, k / cut, 4.0 * k / cut),
                lm: pert(0.2 * m, m, 10.0 * m),
            }),
        };
        crate::registers::quant::service::set_fair(ctx, &id, &fair).await?;
        quantified += 1;
    }
    // Three servers and a laptop that report scans of the check library: most checks pass,
    // some fail, some do not apply. The laptop is a workstation: its scans do not evidence
    // backup or redundancy.
    let hosts = [
        ("web-01", "servers"),
        ("db-01", "servers"),
        ("build-01", "servers"),
        ("laptop-07", "workstations"),
    ];
    for (host, group) in hosts {
        let findings = crate::scan::checks::all()
            .iter()
            .map(|c| {
                let roll = dice.below(100);
                let (outcome, observed) = match roll {
                    0..=69 => ("pass", "as expected"),
                    70..=84 => ("fail", "differs from the hardened setting"),
                    _ => ("not_applicable", "not installed on this host"),
                };
                crate::registers::hosts::domain::ScanFindingInput {
                    id: c.id.to_string(),
                    outcome: outcome.to_string(),
                    severity: c.severity.key().to_string(),
                    controls: c.controls.iter().map(|x| x.to_string()).collect(),
                    observed: observed.to_string(),
                    cadence_days: Some(c.cadence_days),
                }
            })
            .collect();
        let report = crate::registers::hosts::domain::ScanReportInput {
            host: host.to_string(),
            root: "/".into(),
            scanned_at: crate::domain::clock::stamp(store.clock().now()),
            duration_ms: 250.0 + dice.below(100) as f64,
            group: group.to_string(),
            findings,
        };
        crate::registers::hosts::service::record(ctx, report).await?;
    }
    // The planner's statistics cover what was just written (the command exits next).
    store.refresh_statistics().await?;
    Ok(Made {
        hosts: hosts.len(),
        quantified,
        assets: made_assets,
        measures: made_measures,
        risks: made_risks,
        acceptances,
        evidence,
        // The continuity plan started for Payroll is a document too.
        documents: documents + 1,
        people,
        acknowledgements,
        completions,
        processes,
        exercises,
        incidents,
        suppliers,
        obligations,
        processing,
        issues,
        roles,
        audits,
        nonconformities,
        reviews,
        tasks,
    })
}

/// Tasks people wrote for each other, due over the next three months (one overdue, one with
/// a comment), each about a record of the demo.
async fn demo_tasks(ctx: &Ctx, dice: &mut Dice) -> Result<usize> {
    use crate::registers::task::domain::{CommentInput, TaskInput};
    let today = ctx.today();
    let day = |n: i64| crate::registers::task::domain::add_days(&today, n);
    let risks = risk_ids_for_context(ctx).await?;
    let risk = |i: usize| risks.get(i).cloned().unwrap_or_default();
    let asset = ctx
        .store()
        .list_assets(&Default::default(), Default::default(), None, 1)
        .await?
        .items
        .first()
        .map(|a| a.id.clone())
        .unwrap_or_default();
    let tasks: Vec<(&str, i64, String)> = vec![
        (
            "Collect the quarterly access reviews from every team",
            -3,
            String::new(),
        ),
        (
            "Book the penetration test of the customer portal",
            5,
            risk(0),
        ),
        (
            "Ask the hosting provider for their new ISO/IEC 27001 certificate",
            12,
            String::new(),
        ),
        (
            "Prepare the slides on incidents for the management review",
            20,
            "MR-0002".into(),
        ),
        (
            "Check that the backup restore test covered the payroll database",
            33,
            risk(1),
        ),
        ("Renew the cyber insurance questionnaire", 47, String::new()),
        (
            "Update the asset inventory after the office move",
            61,
            asset,
        ),
        (
            "Run the tabletop exercise on ransomware with the crisis team",
            85,
            String::new(),
        ),
    ];
    let mut made = 0;
    for (i, (title, due, link)) in tasks.iter().enumerate() {
        let owner = format!("{}{}@example.org", dice.pick(TEAMS), dice.below(20));
        let t = crate::registers::task::service::create(
            ctx,
            &TaskInput {
                title: (*title).into(),
                owner,
                due_on: day(*due),
                link: link.clone(),
                ..Default::default()
            },
        )
        .await?;
        if i == 0 {
            crate::registers::task::service::comment(
                ctx,
                &t.id,
                &CommentInput {
                    body: "Two teams have sent theirs; the others are reminded.".into(),
                },
            )
            .await?;
        }
        made += 1;
    }
    Ok(made)
}

/// The first risks of the register, for the context's issues to name.
async fn risk_ids_for_context(ctx: &Ctx) -> Result<Vec<String>> {
    let q = crate::registers::risk::domain::RiskQuery::default();
    Ok(crate::registers::risk::service::list(ctx, &q, None, 2)
        .await?
        .items
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// Every policy template as a document of the demo organisation: all published but the last
/// two (one waits for approval, one is still a draft); then procedures, published, until
/// `published` documents are. Every published one asks everyone to acknowledge it.
/// A continuity plan kept as the PDF the organisation circulates (an uploaded file, not a
/// text written in Annex), approved by its hash and published.
async fn demo_plan_file(ctx: &Ctx) -> Result<usize> {
    use crate::registers::document::{domain::DocumentInput, domain::Step, service};
    let text = "# Business continuity plan\n\n## Purpose\n\nHow we keep serving customers when a site, a system or a supplier fails, and how we come back.\n\n## Priorities\n\n| Service | Back within | Data loss at most |\n|---|---|---|\n| Customer portal | 4 hours | 15 minutes |\n| Payroll | 2 days | 1 day |\n| E-mail | 8 hours | 1 hour |\n\n## Roles\n\n- The incident lead decides when to invoke this plan.\n- The IT lead restores systems in the order above.\n- Communications keeps staff and customers told.\n\n## Exercises\n\nWe rehearse this plan twice a year and record what we learned.\n";
    let bytes = crate::exchange::pdf::render(&crate::exchange::pdf::Document {
        title: "Business continuity plan".into(),
        subtitle: crate::registers::organisation::service::name(ctx).await?,
        cover: vec![(
            "Kept as".into(),
            "the PDF circulated to the crisis team".into(),
        )],
        header: "Business continuity plan".into(),
        generated_at: ctx.today(),
        sections: crate::registers::document::exchange_version::markdown_sections(
            text,
            "Business continuity plan",
        ),
    })?;
    let d = service::create(
        ctx,
        &DocumentInput {
            title: "Business continuity plan".into(),
            kind: "plan".into(),
            owner: "ops0@example.org".into(),
            approver: "ceo@example.org".into(),
            audience: "crisis team".into(),
            controls: "5.29, 5.30".into(),
            clauses: "8.1".into(),
            ..Default::default()
        },
    )
    .await?;
    let mut w = crate::registers::evidence::service::file_writer(ctx).await?;
    w.write(&bytes).await?;
    let file = crate::registers::evidence::domain::NewFile {
        incoming: w.finish().await?,
        file_name: "business-continuity-plan.pdf".into(),
    };
    service::attach_file(ctx, &d.id, None, file, "the plan as circulated").await?;
    for step in [Step::Submit, Step::Approve, Step::Publish] {
        service::step(ctx, &d.id, None, step, "").await?;
    }
    Ok(1)
}

async fn demo_documents(ctx: &Ctx, published: usize) -> Result<usize> {
    use crate::registers::document::{domain::DocumentInput, domain::Step, service};
    let all = crate::registers::document::domain_template::all();
    let mut made = 0;
    let mut live = Vec::new();
    for (i, t) in all.iter().enumerate() {
        let d = service::create(
            ctx,
            &DocumentInput {
                template: t.key.clone(),
                owner: "security0@example.org".into(),
                approver: "ceo@example.org".into(),
                audience: "all staff".into(),
                ..Default::default()
            },
        )
        .await?;
        made += 1;
        let steps: &[Step] = match all.len() - i {
            1 => &[],
            2 => &[Step::Submit],
            _ => &[Step::Submit, Step::Approve, Step::Publish],
        };
        for step in steps {
            service::step(ctx, &d.id, None, *step, "").await?;
        }
        if steps.len() == 3 {
            live.push(d.id);
        }
    }
    let mut n = 0;
    while live.len() < published {
        n += 1;
        let d = service::create(
            ctx,
            &DocumentInput {
                title: format!("Operating procedure {n}"),
                kind: "procedure".into(),
                owner: "ops0@example.org".into(),
                approver: "ceo@example.org".into(),
                audience: "all staff".into(),
                controls: "5.37".into(),
                ..Default::default()
            },
        )
        .await?;
        service::write_text(
            ctx,
            &d.id,
            None,
            &format!("# Operating procedure {n}\n\nWhat to do, who does it, and how to check it was done.\n"),
            "first version",
        )
        .await?;
        for step in [Step::Submit, Step::Approve, Step::Publish] {
            service::step(ctx, &d.id, None, step, "").await?;
        }
        made += 1;
        live.push(d.id);
    }
    made += demo_plan_file(ctx).await?;
    for id in &live {
        crate::registers::document::service_ack::set_rule(
            ctx,
            id,
            None,
            &crate::registers::document::domain_ack::AckRuleInput {
                required: true,
                scope: "everyone".into(),
                groups: String::new(),
                days: Some(30),
            },
        )
        .await?;
    }
    Ok(made)
}

const GIVEN: &[&str] = &[
    "Ana", "Jan", "Zoë", "Eleni", "Jiří", "Mei", "Omar", "Priya", "Lukas", "Sofia", "Nikos", "Ewa",
    "Tomás", "Aiko", "Kwame", "Ingrid", "Petra", "Ravi", "Chloé", "Dmitri",
];
const FAMILY: &[&str] = &[
    "Novák",
    "Παππά",
    "Lima",
    "Schmidt",
    "Okafor",
    "Tanaka",
    "Dvořák",
    "Rossi",
    "Nilsson",
    "García",
    "Κωνσταντίνου",
    "Kowalska",
    "Haddad",
    "Müller",
    "Silva",
    "Chen",
];
const JOBS: &[&str] = &["Engineer", "Analyst", "Specialist", "Coordinator", "Lead"];

/// The demo's staff (the first of each team manages it; some contractors and interns, a few
/// leavers), imported as an HR export would be; most acknowledge every published document,
/// and an awareness campaign is under way with two modules.
async fn demo_people(ctx: &Ctx, size: Size, dice: &mut Dice) -> Result<(usize, usize, usize)> {
    use crate::registers::staff::domain::PersonInput;
    let today = ctx.today();
    let date = |days: i64| crate::domain::input::days_after(&today, days).unwrap_or_default();
    let mut rows = Vec::with_capacity(size.people);
    for i in 0..size.people {
        let team = TEAMS[i % TEAMS.len()];
        let n = i / TEAMS.len();
        let email = format!("{team}{n}@example.org");
        let manager = if n == 0 {
            String::new()
        } else {
            format!("{team}0@example.org")
        };
        let employment = match dice.below(100) {
            0..=84 => "employee",
            85..=96 => "contractor",
            _ => "intern",
        };
        let started = -(30 + dice.below(3000) as i64);
        let left = match dice.below(200) {
            0 => date(-(1 + dice.below(25) as i64)),
            1 => date(1 + dice.below(40) as i64),
            _ => String::new(),
        };
        let screened = dice.chance(90);
        let input = PersonInput {
            staff_number: format!("E{:05}", i + 1),
            name: format!("{} {}", dice.pick(GIVEN), dice.pick(FAMILY)),
            email,
            department: team.to_string(),
            manager,
            job_title: format!("{} {}", team.to_uppercase(), dice.pick(JOBS)),
            employment: employment.into(),
            location: dice
                .pick(&["Prague", "Athens", "Lisbon", "Remote"])
                .to_string(),
            started_on: date(started),
            left_on: left,
            screening: if screened {
                "standard".into()
            } else {
                String::new()
            },
            screened_on: if screened {
                date(started - 10)
            } else {
                String::new()
            },
            terms_version: "2024-1".into(),
            terms_signed_on: date(started - 5),
            nda_version: "v3".into(),
            nda_signed_on: date(started - 5),
            remote_signed_on: if dice.chance(40) {
                date(started)
            } else {
                String::new()
            },
            ..PersonInput::default()
        };
        rows.push((i + 2, input.parse()?));
    }
    let fields: Vec<&'static str> = crate::registers::staff::exchange::PERSON_COLUMNS
        .iter()
        .copied()
        .filter(|c| *c != "status")
        .collect();
    let present = vec![fields; rows.len()];
    crate::registers::staff::service::import(
        ctx,
        rows,
        present,
        crate::exchange::import::Writing {
            dry_run: false,
            upload: None,
            adopt_matrix: false,
            absent_left: false,
        },
    )
    .await?;
    let people = ctx
        .store()
        .all_people(&crate::registers::staff::domain::PersonFilter {
            today: today.clone(),
            ..Default::default()
        })
        .await?;
    // Acknowledgements: nearly everyone has acknowledged every published document.
    let acks =
        crate::registers::document::service_ack::demo_acknowledgements(ctx, |_, _| dice.chance(95))
            .await?;
    // Training: two modules, an awareness campaign for everyone started ten days ago, and
    // what developers must complete.
    use crate::registers::training::{domain::CampaignInput, domain::ModuleInput, service};
    let phishing = service::create_module(
        ctx,
        &ModuleInput {
            title: "Recognising phishing".into(),
            material_url: "https://learning.example.org/phishing".into(),
            duration_minutes: Some(serde_json::json!(20)),
            controls: Some(serde_json::json!("6.3, 8.23")),
            ..Default::default()
        },
    )
    .await?;
    let secure = service::create_module(
        ctx,
        &ModuleInput {
            title: "Secure coding basics".into(),
            material_url: "https://learning.example.org/secure-coding".into(),
            duration_minutes: Some(serde_json::json!(90)),
            controls: Some(serde_json::json!("6.3, 8.28")),
            ..Default::default()
        },
    )
    .await?;
    service::create_campaign(
        ctx,
        &CampaignInput {
            title: "Security awareness this year".into(),
            modules: phishing.id.clone(),
            starts_on: date(-10),
            due_on: date(20),
            ..Default::default()
        },
    )
    .await?;
    let mut completions = Vec::new();
    for p in &people {
        if dice.chance(70) {
            completions.push((
                0,
                crate::registers::training::domain::CompletionDraft {
                    person: p.id.clone(),
                    module: phishing.id.clone(),
                    completed_on: date(-(dice.below(10) as i64)),
                    score: Some(60 + dice.below(41) as i64),
                },
            ));
        }
        if p.department == "dev" && dice.chance(80) {
            completions.push((
                0,
                crate::registers::training::domain::CompletionDraft {
                    person: p.id.clone(),
                    module: secure.id.clone(),
                    completed_on: date(-(dice.below(300) as i64)),
                    score: None,
                },
            ));
        }
    }
    let n = service::record(
        ctx,
        completions,
        crate::registers::training::domain::CompletionVia::Import,
        false,
        None,
    )
    .await? as usize;
    let titles: Vec<String> = JOBS
        .iter()
        .map(|j| format!("DEV {j}: {}", secure.id))
        .collect();
    service::set_competence(ctx, &titles.join("\n")).await?;
    Ok((people.len(), acks, n))
}

/// The first asset whose name starts with `noun` (the demo names assets "Payroll
/// application 12").
async fn demo_asset(ctx: &Ctx, noun: &str) -> Result<Option<String>> {
    let q = crate::registers::asset::domain::AssetQuery {
        filter: crate::registers::asset::domain::AssetFilter {
            text: Some(noun.to_string()),
            ..Default::default()
        },
        sort: crate::registers::asset::domain::AssetSort::Id,
    };
    Ok(crate::registers::asset::service::list(ctx, &q, None, 1)
        .await?
        .items
        .into_iter()
        .next()
        .map(|a| a.id))
}

/// Four business processes with their BIA on the assets they run on, a continuity plan started
/// for Payroll from the template, and exercises: a tabletop, a restore test that met the
/// Payroll RTO, and one of the customer portal that did not (its gap shows on the asset).
async fn demo_continuity(ctx: &Ctx) -> Result<(usize, usize)> {
    use crate::registers::continuity::{domain::ExerciseInput, domain::ProcessInput, service};
    // (name, owner, impacts after 4 hours, 1 day, 3 days, 1 week, MTPD, RTO, RPO, the
    // assets it runs on by their names' first words)
    type Bia<'a> = (
        &'a str,
        &'a str,
        [&'a str; 4],
        &'a str,
        &'a str,
        &'a str,
        &'a [&'a str],
    );
    let processes: [Bia; 4] = [
        (
            "Payroll",
            "hr0@example.org",
            ["1", "2", "4", "5"],
            "1 week",
            "3 days",
            "1 day",
            &["Payroll application", "Customer records"],
        ),
        (
            "Customer portal",
            "dev0@example.org",
            ["3", "4", "5", "5"],
            "1 day",
            "4 hours",
            "15 minutes",
            &["Customer portal", "Cloud hosting"],
        ),
        (
            "Order handling",
            "sales0@example.org",
            ["2", "3", "4", "5"],
            "3 days",
            "1 day",
            "4 hours",
            &["CRM", "E-mail service"],
        ),
        (
            "Internal e-mail",
            "it0@example.org",
            ["1", "2", "3", "3"],
            "1 week",
            "8 hours",
            "1 hour",
            &["E-mail service"],
        ),
    ];
    let mut ids = Vec::new();
    for (name, owner, impacts, mtpd, rto, rpo, nouns) in processes {
        let mut assets = Vec::new();
        for n in nouns {
            assets.extend(demo_asset(ctx, n).await?);
        }
        let p = service::create_process(
            ctx,
            &ProcessInput {
                name: name.into(),
                owner: owner.into(),
                impact_4h: impacts[0].into(),
                impact_1d: impacts[1].into(),
                impact_3d: impacts[2].into(),
                impact_1w: impacts[3].into(),
                mtpd: mtpd.into(),
                rto: rto.into(),
                rpo: rpo.into(),
                min_service: "the essential part, by hand if need be".into(),
                assets: assets.join(", "),
                suppliers: match name {
                    "Payroll" => "PayFlow Services Ltd",
                    "Customer portal" => "Nimbus Cloud Hosting",
                    "Order handling" => "Nimbus Cloud Hosting\nRelay Mail",
                    _ => "Relay Mail",
                }
                .into(),
                roles: "Process owner\nIT recovery".into(),
                locations: "Head office".into(),
                reviewed_on: ctx.today(),
                ..Default::default()
            },
        )
        .await?;
        ids.push((p.id, assets));
    }
    service::add_plan(ctx, &ids[0].0, None, None).await?;
    let days_ago = |d: i64| crate::domain::input::days_after(&ctx.today(), -d).unwrap_or_default();
    let exercises = [
        ExerciseInput {
            title: "Payroll restore test".into(),
            kind: "restore_test".into(),
            held_on: days_ago(40),
            process: ids[0].0.clone(),
            assets: ids[0].1.join(", "),
            result: "passed".into(),
            achieved_rto: "2 days".into(),
            achieved_rpo: "1 day".into(),
            participants: "IT recovery, payroll clerk".into(),
            ..Default::default()
        },
        ExerciseInput {
            title: "Customer portal restore test".into(),
            kind: "restore_test".into(),
            held_on: days_ago(20),
            process: ids[1].0.clone(),
            assets: ids[1].1.join(", "),
            result: "passed_with_findings".into(),
            achieved_rto: "9 hours".into(),
            achieved_rpo: "1 hour".into(),
            findings: "The database restore alone took six hours.\n- Keep a warm standby of the portal database".into(),
            ..Default::default()
        },
        ExerciseInput {
            title: "Ransomware tabletop".into(),
            kind: "tabletop".into(),
            held_on: days_ago(10),
            process: ids[2].0.clone(),
            result: "passed".into(),
            participants: "management, IT, communications".into(),
            scope: "All systems encrypted on a Monday morning".into(),
            ..Default::default()
        },
    ];
    for e in &exercises {
        service::record_exercise(ctx, e).await?;
    }
    Ok((ids.len(), exercises.len()))
}

/// Incidents in every stage: a lost laptop with personal data notified under GDPR and
/// closed with lessons learned, a phishing report under handling, and a fresh report.
async fn demo_incidents(ctx: &Ctx) -> Result<usize> {
    use crate::registers::incident::{domain::*, service};
    service::set_regime(ctx, "gdpr", true, None).await?;
    service::set_regime(ctx, "nis2", true, None).await?;
    let laptop = demo_asset(ctx, "Laptop").await?;
    let report = |title: &str, affected: &str| ReportInput {
        title: title.into(),
        description: String::new(),
        affected: affected.into(),
        noticed_at: String::new(),
    };
    let lost = service::report(
        ctx,
        &report(
            "Laptop left on a train",
            "a sales laptop with customer lists",
        ),
    )
    .await?;
    service::triage(
        ctx,
        &lost.id,
        None,
        &TriageInput {
            classification: "incident".into(),
            reason: "customer personal data on the disk".into(),
            category: "lost_device".into(),
            severity: "high".into(),
            personal_data: true,
            restricted: false,
            regimes: "gdpr".into(),
            assets: laptop.unwrap_or_default(),
            people: "about 300 customers on the sales team's lists".into(),
            handler: "security0@example.org".into(),
            ..Default::default()
        },
    )
    .await?;
    service::record_notification(
        ctx,
        &lost.id,
        &NotificationInput {
            regime: "gdpr".into(),
            stage: "authority".into(),
            recipient: "the data protection authority".into(),
            sent_at: String::new(),
            content: "Online breach form, reference 2026-118".into(),
        },
    )
    .await?;
    for note in [
        "remote wipe sent",
        "account tokens revoked",
        "replacement laptop issued",
    ] {
        service::advance(ctx, &lost.id, None, note).await?;
    }
    service::close(
        ctx,
        &lost.id,
        None,
        &CloseInput {
            lessons: "The disk was encrypted but the recovery key was taped to the lid.".into(),
            root_cause: "no rule on where recovery keys are kept".into(),
            measures: "Keep recovery keys in the key vault only".into(),
            risks: "Recovery keys kept with the devices they unlock | 3 | 4".into(),
        },
    )
    .await?;
    let phish = service::report(ctx, &report("Phishing e-mail opened", "one mailbox")).await?;
    service::triage(
        ctx,
        &phish.id,
        None,
        &TriageInput {
            classification: "incident".into(),
            reason: "credentials were typed into the fake page".into(),
            category: "phishing".into(),
            severity: "medium".into(),
            handler: "security0@example.org".into(),
            ..Default::default()
        },
    )
    .await?;
    service::advance(ctx, &phish.id, None, "password reset and sessions revoked").await?;
    service::report(
        ctx,
        &report("Door to the server room found open", "server room"),
    )
    .await?;
    Ok(3)
}
