//! Embeds the schema migrations: every `NNNN_name.sql` of `migrations/sqlite` and
//! `migrations/postgres`, in order, so that adding a migration is adding its two files. The
//! two folders must hold the same versions (a register's schema exists on both databases).

use std::fmt::Write;
use std::path::Path;

fn list(dir: &Path) -> Vec<(i64, String, String)> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (number, words) = stem
            .split_once('_')
            .unwrap_or_else(|| panic!("migration {name}: name it NNNN_what.sql"));
        let version: i64 = number
            .parse()
            .unwrap_or_else(|_| panic!("migration {name}: name it NNNN_what.sql"));
        out.push((version, words.replace('_', " "), path.display().to_string()));
    }
    out.sort();
    out
}

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let sqlite = list(&root.join("sqlite"));
    let postgres = list(&root.join("postgres"));
    let versions = |l: &[(i64, String, String)]| l.iter().map(|m| m.0).collect::<Vec<_>>();
    assert_eq!(
        versions(&sqlite),
        versions(&postgres),
        "migrations/sqlite and migrations/postgres must hold the same versions"
    );
    let mut code = String::new();
    for (name, l) in [("SQLITE", &sqlite), ("POSTGRES", &postgres)] {
        let _ = writeln!(code, "const {name}: &[(i64, &str, &str)] = &[");
        for (v, d, p) in l.iter() {
            let _ = writeln!(code, "    ({v}, {d:?}, include_str!({p:?})),");
        }
        let _ = writeln!(code, "];");
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(out, code).expect("writing the migration list");
}
