//! The `annex` binary: parses the command line and prints any error with its whole cause chain.

use std::process::ExitCode;

fn main() -> ExitCode {
    limit_malloc_arenas();
    match annex::app::cli::main() {
        Ok(code) => code,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("annex: error: {}", chain.join(": "));
            annex::cli::exit_code(&e)
        }
    }
}

/// glibc's malloc gives threads that allocate at the same time arenas of their own (up to
/// eight per core) and keeps what each arena once held. On 2 cores, the server's threads
/// (tokio's, SQLite's, the scheduled jobs') then peaked at 156 to 227 MB on the first start of
/// a day on a million risks (the digests, escalations and staff reminders); with two arenas
/// per core, at 122 to 137 MB, the lists as fast (one arena per core: 104 to 109 MB, some
/// lists a fifth slower). `MALLOC_ARENA_MAX` in the environment still decides.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let arenas = libc::c_int::try_from(cores.saturating_mul(2)).unwrap_or(libc::c_int::MAX);
        // SAFETY: called first in `main`, before any other thread exists; `mallopt` only sets
        // a tuning parameter of the allocator, and a value it refuses is ignored.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
