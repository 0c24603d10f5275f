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
