//! The registers and capabilities of the ISMS, one folder each. A folder holds everything
//! about its register: the domain types and rules (`domain.rs`), the SQL (`store.rs`), the
//! use cases (`service.rs`), the pages (`pages.rs`), the JSON API (`api.rs`), the command
//! line (`cli.rs`) and the spreadsheet schema (`exchange.rs`), and declares its routes with
//! who may call them (`mod.rs`). `ARCHITECTURE.md` says how the layers may call each other
//! and what adding a register takes.

pub mod asset;
pub mod audit;
pub mod catalog;
pub mod context;
pub mod continuity;
pub mod dashboard;
pub mod document;
pub mod evidence;
pub mod hosts;
pub mod imports;
pub mod improvement;
pub mod incident;
pub mod internal_audit;
pub mod jobs;
pub mod matrix;
pub mod measure;
pub mod notify;
pub mod objective;
pub mod obligation;
pub mod organisation;
pub mod party;
pub mod people;
pub mod processing;
pub mod quant;
pub mod readiness;
pub mod responsibility;
pub mod review;
pub mod risk;
pub mod soa;
pub mod staff;
pub mod supplier;
pub mod task;
pub mod training;

use crate::service::Ctx;
use crate::web::Routes;
use std::process::ExitCode;

/// The routes of every register, with their access rules.
pub fn routes() -> Routes {
    Routes::new()
        .merge(asset::routes())
        .merge(audit::routes())
        .merge(catalog::routes())
        .merge(context::routes())
        .merge(internal_audit::routes())
        .merge(improvement::routes())
        .merge(review::routes())
        .merge(objective::routes())
        .merge(responsibility::routes())
        .merge(dashboard::routes())
        .merge(evidence::routes())
        .merge(hosts::routes())
        .merge(imports::routes())
        .merge(matrix::routes())
        .merge(measure::routes())
        .merge(document::routes())
        .merge(organisation::routes())
        .merge(people::routes())
        .merge(quant::routes())
        .merge(readiness::routes())
        .merge(risk::routes())
        .merge(soa::routes())
        .merge(staff::routes())
        .merge(training::routes())
        .merge(incident::routes())
        .merge(continuity::routes())
        .merge(supplier::routes())
        .merge(obligation::routes())
        .merge(processing::routes())
        .merge(party::routes())
        .merge(task::routes())
        .merge(notify::routes())
        .merge(jobs::routes())
}

/// The registers' commands (`annex risk …`, `annex soa …`), each register's own.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Manage user accounts
    #[command(subcommand)]
    User(people::cli::UserCommand),
    /// Manage API tokens
    #[command(subcommand)]
    Token(people::cli::TokenCommand),
    /// Browse the control catalogues
    #[command(subcommand)]
    Catalog(catalog::cli::Command),
    /// Check the audit trail
    #[command(subcommand)]
    Audit(audit::cli::Command),
    /// Manage the asset inventory
    #[command(subcommand)]
    Asset(asset::cli::Command),
    /// Manage the risk register
    #[command(subcommand)]
    Risk(risk::cli::Command),
    /// Manage the documents: policies, procedures, their versions and approval
    #[command(subcommand)]
    Document(document::cli::Command),
    /// Manage the staff directory: people, HR imports, onboarding and offboarding checklists
    #[command(subcommand)]
    Person(staff::cli::Command),
    /// Manage awareness and training: modules, campaigns, completions
    #[command(subcommand)]
    Training(training::cli::Command),
    /// Report and handle incidents: triage, timeline, notification deadlines, lessons learned
    #[command(subcommand)]
    Incident(incident::cli::Command),
    /// Manage business processes and their business impact analysis (BIA)
    #[command(subcommand)]
    Process(continuity::cli::ProcessCommand),
    /// Manage the processes' continuity and recovery plans
    #[command(subcommand)]
    Plan(continuity::cli::PlanCommand),
    /// Record continuity exercises and restore tests
    #[command(subcommand)]
    Exercise(continuity::cli::ExerciseCommand),
    /// Manage the supplier register: criticality, contracts and their clauses, certifications
    #[command(subcommand)]
    Supplier(supplier::cli::Command),
    /// Send questionnaires to suppliers and review their answers
    #[command(subcommand)]
    Assessment(supplier::cli_assessment::Command),
    /// Manage legal, regulatory and contractual obligations and the controls that satisfy them
    #[command(subcommand)]
    Obligation(obligation::cli::Command),
    /// Manage the internal and external issues of the organisation's context (27001 4.1)
    #[command(subcommand)]
    Context(context::cli::Command),
    /// Write and approve the scope of the ISMS (27001 4.3)
    #[command(subcommand)]
    Scope(context::cli::ScopeCommand),
    /// Manage the internal audit programmes and see their coverage (27001 9.2)
    #[command(subcommand, name = "audit-programme")]
    AuditProgramme(internal_audit::cli::ProgrammeCommand),
    /// Plan internal audits, record their checklist and write their reports (27001 9.2)
    #[command(subcommand, name = "internal-audit")]
    InternalAudit(internal_audit::cli::AuditCommand),
    /// Manage the findings of internal audits
    #[command(subcommand)]
    Finding(internal_audit::cli::FindingCommand),
    /// Manage nonconformities: correction, root cause, effectiveness review (27001 10.2)
    #[command(subcommand)]
    Nonconformity(improvement::cli::NcCommand),
    /// Manage the corrective actions of nonconformities
    #[command(subcommand)]
    Action(improvement::cli::ActionCommand),
    /// Plan and hold management reviews; their input pack is generated and frozen (27001 9.3)
    #[command(subcommand)]
    Review(review::cli::Command),
    /// Manage the information security objectives (27001 6.2)
    #[command(subcommand)]
    Objective(objective::cli::ObjectiveCommand),
    /// Manage the indicators that measure the objectives, and their measurements (27001 9.1)
    #[command(subcommand)]
    Kpi(objective::cli::KpiCommand),
    /// Manage the roles of the ISMS and who holds them; see who owns what (27001 5.3)
    #[command(subcommand)]
    Role(responsibility::cli::Command),
    /// Manage the interested parties and what they need of the ISMS (27001 4.2)
    #[command(subcommand)]
    Party(party::cli::Command),
    /// Keep the record of processing activities (GDPR Art. 30)
    #[command(subcommand)]
    Processing(processing::cli::Command),
    /// Manage the treatment plan (measures)
    #[command(subcommand)]
    Measure(measure::cli::Command),
    /// Read and record the Statement of Applicability
    #[command(subcommand)]
    Soa(soa::cli::Command),
    /// Keep evidence: files and links that prove controls work
    #[command(subcommand)]
    Evidence(evidence::cli::Command),
    /// List people's tasks from every register; write and finish tasks
    #[command(subcommand)]
    Task(task::cli::Command),
    /// The scheduler's jobs: their last and next runs, and running one now
    Jobs {
        #[command(subcommand)]
        command: Option<jobs::cli::Command>,
    },
    /// E-mail: send a test message, read the outbox, send what waits
    #[command(subcommand)]
    Mail(notify::cli::Command),
}

/// Runs a register's command as `ctx`'s actor (the local operator).
pub async fn run(command: Command, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    match command {
        Command::User(c) => people::cli::user(c, ctx).await?,
        Command::Token(c) => people::cli::token(c, ctx).await?,
        Command::Catalog(c) => catalog::cli::run(c, ctx).await?,
        Command::Audit(c) => return audit::cli::run(c, ctx).await,
        Command::Asset(c) => asset::cli::run(c, ctx).await?,
        Command::Risk(c) => risk::cli::run(c, ctx).await?,
        Command::Measure(c) => measure::cli::run(c, ctx).await?,
        Command::Document(c) => document::cli::run(c, ctx).await?,
        Command::Person(c) => staff::cli::run(c, ctx).await?,
        Command::Training(c) => training::cli::run(c, ctx).await?,
        Command::Incident(c) => incident::cli::run(c, ctx).await?,
        Command::Process(c) => continuity::cli::process(c, ctx).await?,
        Command::Plan(c) => continuity::cli::plan(c, ctx).await?,
        Command::Exercise(c) => continuity::cli::exercise(c, ctx).await?,
        Command::Supplier(c) => supplier::cli::run(c, ctx).await?,
        Command::Assessment(c) => supplier::cli_assessment::run(c, ctx).await?,
        Command::Obligation(c) => obligation::cli::run(c, ctx).await?,
        Command::Processing(c) => processing::cli::run(c, ctx).await?,
        Command::Party(c) => party::cli::run(c, ctx).await?,
        Command::Context(c) => context::cli::run(c, ctx).await?,
        Command::Role(c) => responsibility::cli::run(c, ctx).await?,
        Command::Objective(c) => objective::cli::objective(c, ctx).await?,
        Command::Kpi(c) => objective::cli::kpi(c, ctx).await?,
        Command::Scope(c) => context::cli::scope(c, ctx).await?,
        Command::AuditProgramme(c) => internal_audit::cli::programme(c, ctx).await?,
        Command::InternalAudit(c) => internal_audit::cli::audit(c, ctx).await?,
        Command::Finding(c) => internal_audit::cli::finding(c, ctx).await?,
        Command::Nonconformity(c) => improvement::cli::nonconformity(c, ctx).await?,
        Command::Action(c) => improvement::cli::action(c, ctx).await?,
        Command::Review(c) => review::cli::run(c, ctx).await?,
        Command::Soa(c) => soa::cli::run(c, ctx).await?,
        Command::Evidence(c) => evidence::cli::run(c, ctx).await?,
        Command::Task(c) => task::cli::run(c, ctx).await?,
        Command::Jobs { command } => jobs::cli::run(command, ctx).await?,
        Command::Mail(c) => notify::cli::run(c, ctx).await?,
    }
    Ok(ExitCode::SUCCESS)
}
