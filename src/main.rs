//! The `annex` binary: parses the command line and prints any error with its whole cause chain.

use std::process::ExitCode;

fn main() -> ExitCode {
    match annex::app::cli::main() {
        Ok(code) => code,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("annex: error: {}", chain.join(": "));
            annex::cli::exit_code(&e)
        }
    }
}

/// jemalloc is the allocator of the whole process, SQLite's included (its `malloc` replaces
/// the C library's). With glibc's malloc, importing a million assets took 21.0–24.3 s from
/// the command line; with jemalloc 18.9–19.9 s, its peak 10–15 MB higher. Serving a million
/// assets and risks, most lists were 10–25% faster and the server's peak was about the same
/// (glibc's, limited to two arenas per core, peaked at 115–160 MB; jemalloc at 129 MB), as on
/// the first start of a day, with its digests, escalations and staff reminders (113 MB and
/// 118 MB).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
