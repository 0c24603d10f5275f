//! The layout of the code, as ARCHITECTURE.md states it, checked on every test run: which
//! layer may use which, no front end reaching the store or another register's front end, and
//! no import cycle between source files. The source is read as text: every `crate::…` and
//! `super::…` path (and a parent module's `child::…` paths) is an edge from one file to the
//! file that defines the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What a source file is, by where it lives and how it is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    /// Types and rules: `src/domain/`, `src/error.rs`, `registers/*/domain*.rs`.
    Domain,
    /// SQL: `src/store/`, `registers/*/store*.rs`.
    Store,
    /// Use cases: `src/service/`, `registers/*/service*.rs`.
    Service,
    /// Tables and spreadsheets, importers: `src/exchange/`, `registers/*/exchange*.rs`.
    Exchange,
    /// A register's pages, API handlers, command line and web components.
    Front,
    /// The web layer's shared parts (`src/web/`) and the command line's (`src/cli/`).
    FrontInfra,
    /// The host scanner (`src/scan/`): reads files, knows no store.
    Scanner,
    /// A register's `mod.rs`: declares its files and assembles its routes.
    Assembly,
    /// The application that puts everything together (`src/app/`, `lib.rs`, `main.rs`),
    /// and the configuration.
    App,
}

#[derive(Debug)]
struct File {
    /// `crate::registers::risk::pages`, `crate::store`, …
    module: String,
    layer: Layer,
    /// For files of a register, the register (`risk`); `soa::migrate` counts as `soa`.
    register: Option<String>,
    text: String,
}

fn module_of(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    let mut m = String::from("crate");
    for p in parts {
        m.push_str("::");
        m.push_str(&p);
    }
    m
}

fn layer_of(module: &str, file_name: &str) -> Layer {
    let parts: Vec<&str> = module.split("::").collect();
    match parts.get(1).copied() {
        None | Some("main") => Layer::App,
        Some("domain" | "error") => Layer::Domain,
        Some("store") => Layer::Store,
        Some("service") => Layer::Service,
        Some("exchange") => Layer::Exchange,
        Some("web" | "cli") => Layer::FrontInfra,
        Some("scan") => Layer::Scanner,
        Some("app" | "config") => Layer::App,
        Some("registers") if parts.len() == 2 => Layer::Assembly,
        Some("registers") => {
            if file_name == "mod.rs" {
                return Layer::Assembly;
            }
            let name = parts.last().copied().unwrap_or_default();
            for (prefix, layer) in [
                ("domain", Layer::Domain),
                ("store", Layer::Store),
                ("service", Layer::Service),
                ("exchange", Layer::Exchange),
                ("pages", Layer::Front),
                ("api", Layer::Front),
                ("cli", Layer::Front),
                ("web", Layer::Front),
            ] {
                if name.starts_with(prefix) {
                    return layer;
                }
            }
            panic!(
                "{module}: a register's file is named after its layer (domain*, store*, service*, exchange*, pages*, api*, cli*, web*) — see ARCHITECTURE.md"
            )
        }
        Some(other) => panic!("crate::{other}: a top-level module ARCHITECTURE.md does not place"),
    }
}

fn read_sources() -> Option<Vec<File>> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()? {
            let path = entry.ok()?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && path != src.join("main.rs") {
                let module = module_of(&src, &path);
                let file_name = path.file_name()?.to_string_lossy().to_string();
                let layer = layer_of(&module, &file_name);
                let register = module
                    .strip_prefix("crate::registers::")
                    .and_then(|r| r.split("::").next())
                    .map(str::to_string);
                files.push(File {
                    module,
                    layer,
                    register,
                    text: std::fs::read_to_string(&path).ok()?,
                });
            }
        }
    }
    files.sort_by(|a, b| a.module.cmp(&b.module));
    Some(files)
}

/// The source without comments and string literals (a doc comment may name a module), and
/// without its unit tests (`#[cfg(test)] mod tests`, where `super` is the file itself).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == '*' && bytes[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            while bytes.get(j) == Some(&'#') {
                j += 1;
            }
            bytes.get(j) == Some(&'"') && (i == 0 || !bytes[i - 1].is_alphanumeric())
        } {
            let mut hashes = 0;
            i += 1;
            while bytes[i] == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1;
            loop {
                if i >= bytes.len() {
                    break;
                }
                if bytes[i] == '"' && (0..hashes).all(|k| bytes.get(i + 1 + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next.is_some() && bytes.get(i + 2) == Some(&'\'') {
            // A character literal such as '"'.
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < bytes.len() && bytes[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The paths a file's code names: `crate::a::b`, `super::x` (made absolute), a `use` group's
/// members (`use crate::a::{b, c::d}` names `crate::a::b` and `crate::a::c::d`), and in a
/// parent module its children's paths (`catalog::Catalog`).
fn paths_named(file: &File, children: &BTreeSet<String>) -> BTreeSet<String> {
    let code = code_of(&file.text);
    let own = &file.module;
    let parent = own.rsplit_once("::").map(|(p, _)| p.to_string());
    let mut out = BTreeSet::new();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !ident(chars[i]) || (i > 0 && (ident(chars[i - 1]) || chars[i - 1] == ':')) {
            i += 1;
            continue;
        }
        // Read a path: ident(::ident)* and maybe ::{group}.
        let start = i;
        let mut j = i;
        let mut segments: Vec<String> = Vec::new();
        loop {
            let s = j;
            while j < chars.len() && ident(chars[j]) {
                j += 1;
            }
            segments.push(chars[s..j].iter().collect());
            if j + 2 < chars.len() && chars[j] == ':' && chars[j + 1] == ':' && ident(chars[j + 2])
            {
                j += 2;
                continue;
            }
            break;
        }
        let mut group: Vec<Vec<String>> = Vec::new();
        if j + 2 < chars.len() && chars[j] == ':' && chars[j + 1] == ':' && chars[j + 2] == '{' {
            // A use group: read to its matching brace, split members at top-level commas.
            let mut depth = 0;
            let mut k = j + 2;
            let mut member = String::new();
            let mut members = Vec::new();
            while k < chars.len() {
                match chars[k] {
                    '{' => {
                        depth += 1;
                        if depth > 1 {
                            member.push('{');
                        }
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            members.push(member.clone());
                            break;
                        }
                        member.push('}');
                    }
                    ',' if depth == 1 => {
                        members.push(std::mem::take(&mut member));
                    }
                    c => member.push(c),
                }
                k += 1;
            }
            for m in members {
                let m = m.trim();
                if m.is_empty() {
                    continue;
                }
                // Nested groups name their prefix; that is enough for a file edge.
                let head = m.split(['{', ' ']).next().unwrap_or_default();
                group.push(
                    head.trim_end_matches("::")
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                );
            }
            j = k;
        }
        i = j.max(start + 1);
        let base: Option<String> = match segments[0].as_str() {
            "crate" => Some("crate".into()),
            "super" => {
                // `super` of a file's module; repeated `super::super` climbs further.
                let mut m = parent.clone();
                let mut skip = 1;
                while segments.get(skip).map(String::as_str) == Some("super") {
                    m = m.and_then(|p| p.rsplit_once("::").map(|(a, _)| a.to_string()));
                    skip += 1;
                }
                segments.drain(..skip - 1);
                m
            }
            "self" => Some(own.clone()),
            first if children.contains(first) => {
                segments.insert(0, "self".into());
                Some(own.clone())
            }
            _ => None,
        };
        let Some(base) = base else { continue };
        let rest: Vec<String> = segments[1..].to_vec();
        let join = |tail: &[String]| {
            let mut p = base.clone();
            for s in tail {
                p.push_str("::");
                p.push_str(s);
            }
            p
        };
        if group.is_empty() {
            out.insert(join(&rest));
        } else {
            for g in group {
                let mut t = rest.clone();
                t.extend(g);
                out.insert(join(&t));
            }
        }
    }
    out
}

/// The file (module) a path lives in: its longest prefix that is a module.
fn file_of<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a String> {
    let mut p = path;
    loop {
        if let Some(m) = modules.get(p) {
            return Some(m);
        }
        p = p.rsplit_once("::")?.0;
    }
}

/// Why a file may not use another, or `None` when it may.
fn refused(from: &File, to: &File) -> Option<&'static str> {
    use Layer::*;
    let same_register = from.register.is_some() && from.register == to.register;
    match (from.layer, to.layer) {
        (App, _) => None,
        (_, App) if to.module == "crate::config" => match from.layer {
            Service | FrontInfra | Front | Store => None,
            _ => Some("only the store, the use cases and the front ends read the configuration"),
        },
        (_, App) => Some("nothing but the application uses crate::app"),
        (Domain, Domain) => None,
        (Domain, _) => Some("the domain uses nothing but the domain"),
        (Store, Domain | Store) => None,
        (Store, _) => Some(
            "the store uses the domain and other stores only (never a use case, a front end or the scanner)",
        ),
        (Service, Domain | Store | Service | Exchange | Scanner) => None,
        (Service, _) => Some("a use case does not call a front end"),
        (Exchange, Domain | Exchange | Service) => None,
        (Exchange, Store) => Some("exchange goes through the use cases, never the store"),
        (Exchange, _) => Some("exchange does not call a front end"),
        (Scanner, Domain | Scanner | FrontInfra) => None,
        (Scanner, _) => Some("the scanner knows no store and no register"),
        (Front | FrontInfra, Store) => Some("a front end calls the use cases, never the store"),
        (FrontInfra, Domain | Service | Exchange | FrontInfra) => None,
        (FrontInfra, _) => Some("the web and command-line infrastructure knows no register"),
        (Front, Domain | Service | Exchange | FrontInfra | Scanner) => None,
        (Front, Front | Assembly) if same_register => None,
        (Front, Front) if to.module.ends_with("::web") => None,
        (Front, _) => Some(
            "a front end does not use another register's pages, API or command line (share through its web.rs)",
        ),
        (Assembly, _) => None,
    }
}

#[test]
fn the_layers_call_downwards_and_no_file_is_in_an_import_cycle() {
    let Some(files) = read_sources() else {
        eprintln!("note: the sources are not readable here: architecture check SKIPPED");
        return;
    };
    let modules: BTreeSet<String> = files.iter().map(|f| f.module.clone()).collect();
    let by_module: BTreeMap<&str, &File> = files.iter().map(|f| (f.module.as_str(), f)).collect();
    let mut problems: Vec<String> = Vec::new();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in &files {
        let children: BTreeSet<String> = modules
            .iter()
            .filter_map(|m| m.strip_prefix(&format!("{}::", f.module)))
            .filter(|rest| !rest.contains("::"))
            .map(str::to_string)
            .collect();
        for path in paths_named(f, &children) {
            let Some(target) = file_of(&path, &modules) else {
                continue;
            };
            // The crate root only declares the modules (and exports the scanner's macro).
            if target == &f.module || target == "crate" {
                continue;
            }
            let to = by_module[target.as_str()];
            if let Some(why) = refused(f, to) {
                problems.push(format!("{} uses {path}: {why}", f.module));
            }
            edges.entry(&f.module).or_default().insert(&to.module);
        }
    }
    // Cycles: strongly connected components, leaving out a file's use of its own ancestors
    // (a child module may use what its parent declares; the parent assembles its children).
    let is_ancestor = |a: &str, of: &str| of.starts_with(&format!("{a}::"));
    let nodes: Vec<&str> = files.iter().map(|f| f.module.as_str()).collect();
    let next = |n: &str| -> Vec<&str> {
        edges
            .get(n)
            .map(|s| {
                s.iter()
                    .copied()
                    .filter(|t| !is_ancestor(t, n) && !is_ancestor(n, t))
                    .collect()
            })
            .unwrap_or_default()
    };
    for scc in tarjan(&nodes, &next) {
        if scc.len() > 1 {
            problems.push(format!("import cycle: {}", scc.join(" → ")));
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} problems with the layout (see ARCHITECTURE.md):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    // The check reads real code: the register modules are there and classified.
    let fronts = files.iter().filter(|f| f.layer == Layer::Front).count();
    let stores = files.iter().filter(|f| f.layer == Layer::Store).count();
    assert!(
        fronts >= 20 && stores >= 10,
        "{fronts} front-end files, {stores} store files"
    );
    assert!(
        edges.values().map(BTreeSet::len).sum::<usize>() > 300,
        "the dependency graph was read"
    );
}

#[test]
fn the_checker_sees_a_forbidden_use_and_a_cycle() {
    let file = |module: &str, text: &str| {
        let name = if module.ends_with("::risk") {
            "mod.rs"
        } else {
            "x.rs"
        };
        File {
            module: module.into(),
            layer: layer_of(module, name),
            register: module
                .strip_prefix("crate::registers::")
                .and_then(|r| r.split("::").next())
                .map(str::to_string),
            text: text.into(),
        }
    };
    let pages = file(
        "crate::registers::risk::pages",
        "use crate::store::{Store, Tx};\n// crate::registers::asset::pages in a comment\nfn f() { let s = \"crate::registers::asset::api\"; super::service::list(); }",
    );
    let named = paths_named(&pages, &BTreeSet::new());
    assert!(named.contains("crate::store::Store"), "{named:?}");
    assert!(
        named.contains("crate::registers::risk::service::list"),
        "{named:?}"
    );
    assert!(
        !named.iter().any(|p| p.contains("asset")),
        "comments and strings are not code"
    );
    let store = file("crate::store", "");
    assert!(refused(&pages, &store).is_some());
    let other = file("crate::registers::asset::api", "");
    assert!(refused(&pages, &other).is_some());
    let component = file("crate::registers::quant::web", "");
    assert!(refused(&pages, &component).is_none());
    let domain = file("crate::registers::risk::domain", "");
    let service = file("crate::registers::risk::service", "");
    assert!(refused(&domain, &service).is_some());
    assert!(refused(&file("crate::registers::risk::store", ""), &service).is_some());
    let nodes = ["a", "b", "c", "d"];
    let next = |n: &str| -> Vec<&str> {
        match n {
            "a" => vec!["b"],
            "b" => vec!["c"],
            "c" => vec!["a"],
            _ => vec!["a"],
        }
    };
    let cycles: Vec<Vec<String>> = tarjan(&nodes, &next)
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].len(), 3);
}

/// Tarjan's strongly connected components.
fn tarjan<'a>(nodes: &[&'a str], next: &dyn Fn(&str) -> Vec<&'a str>) -> Vec<Vec<String>> {
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        on_stack: BTreeSet<&'a str>,
        stack: Vec<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(n: &'a str, next: &dyn Fn(&str) -> Vec<&'a str>, s: &mut State<'a>) {
        let i = s.index.len();
        s.index.insert(n, i);
        s.low.insert(n, i);
        s.stack.push(n);
        s.on_stack.insert(n);
        for m in next(n) {
            if !s.index.contains_key(m) {
                visit(m, next, s);
                let low = s.low[n].min(s.low[m]);
                s.low.insert(n, low);
            } else if s.on_stack.contains(m) {
                let low = s.low[n].min(s.index[m]);
                s.low.insert(n, low);
            }
        }
        if s.low[n] == s.index[n] {
            let mut scc = Vec::new();
            while let Some(m) = s.stack.pop() {
                s.on_stack.remove(m);
                scc.push(m.to_string());
                if m == n {
                    break;
                }
            }
            scc.sort();
            s.out.push(scc);
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on_stack: BTreeSet::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for n in nodes {
        if !s.index.contains_key(n) {
            visit(n, next, &mut s);
        }
    }
    s.out
}
