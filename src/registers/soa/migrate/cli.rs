//! `annex soa import-2013`: the migration of a 2013 SoA from a file, saying how the file was
//! read, what was (or would be) written and what still needs a decision.

use crate::cli::{ImportArgs, print_columns, refuse_import};
use crate::service::Ctx;
use anyhow::Context;
use std::io::Write;

/// Imports a 2013 SoA as a draft of the 2022 SoA and says how the file was read, what was
/// written and what still needs a decision; or every problem (then nothing was written and
/// the command fails).
pub async fn import(ctx: &Ctx, args: &ImportArgs, replace: bool) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let opts = args.options();
    let o = super::exchange::run(ctx, &bytes, &opts, replace).await?;
    let mut out = std::io::stdout().lock();
    let sheet = crate::cli::sheet_chosen(o.sheet.as_ref(), &o.other_sheets, args);
    let header = match o.subheader_row {
        Some(sub) => format!("header on rows {} and {sub}", o.header_row),
        None => format!("header on row {}", o.header_row),
    };
    writeln!(out, "{sheet}{header}, {} rows", o.rows)?;
    crate::cli::print_reading(&mut out, o.encoding.as_ref(), &o.warnings, args)?;
    print_columns(&mut out, &o.columns, "from the catalogue", o.ignored_rows)?;
    let Some(r) = o.report.as_ref().filter(|_| o.problems.is_empty()) else {
        return refuse_import(&o.problems, &args.file);
    };
    if !r.headings.is_empty() {
        let rows: Vec<String> = r.headings.iter().map(|n| n.to_string()).collect();
        writeln!(
            out,
            "{} rows are headings (domains, control objectives) or name no control: {}",
            rows.len(),
            rows.join(", ")
        )?;
    }
    let s = &r.summary;
    writeln!(
        out,
        "{} 2013 controls read; {} {} drafts of 2022 decisions ({} applicable, {} excluded, {} left undecided): {} new, {} updated, {} unchanged",
        r.controls_read,
        if o.dry_run { "would write" } else { "wrote" },
        s.created + s.updated,
        s.applicable,
        s.excluded,
        s.undecided,
        s.created,
        s.updated,
        s.unchanged
    )?;
    if !r.kept.is_empty() {
        writeln!(
            out,
            "kept as decided ({}; --replace overwrites them): {}",
            r.kept.len(),
            r.kept.join(", ")
        )?;
    }
    writeln!(out, "needs a decision ({}):", r.needs_decision.len())?;
    for n in &r.needs_decision {
        writeln!(
            out,
            "  {} {}: {}",
            n.control_id,
            n.title,
            n.reasons.join("; ")
        )?;
    }
    if o.dry_run {
        writeln!(out, "dry run: nothing written")?;
    }
    Ok(())
}
