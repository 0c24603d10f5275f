//! Progress of long work on a terminal (imports, exports, demo data, scans, simulations): a
//! bar when the amount of work is known, a spinner with the time spent otherwise. Drawn on
//! standard error by indicatif, and only when it is a terminal: pipes, files and CI logs get
//! nothing from here.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// A bar or a spinner, cleared when a handle is dropped (clones share one bar: work on
/// another thread moves its own).
#[derive(Clone)]
pub struct Progress(ProgressBar);

impl Progress {
    /// A bar for `total` steps, labelled `what` ("simulating").
    pub fn bar(what: &str, total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {percent:>3}% · {elapsed} (eta {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        Progress(bar)
    }

    /// A spinner for work of unknown length, labelled `what` ("importing risks.xlsx").
    pub fn spinner(what: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} · {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(bar)
    }

    /// Steps done so far (a bar).
    pub fn set(&self, done: u64) {
        self.0.set_position(done);
    }

    /// What is being done now.
    pub fn say(&self, what: &str) {
        self.0.set_message(what.to_string());
    }

    /// Whether anything is drawn (standard error is a terminal).
    pub fn drawn(&self) -> bool {
        !self.0.is_hidden()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nothing_is_drawn_when_standard_error_is_not_a_terminal() {
        // Tests run with standard error captured, as pipes and CI logs are.
        let bar = super::Progress::bar("simulating", 100);
        bar.set(50);
        assert!(!bar.drawn());
        let spinner = super::Progress::spinner("importing");
        spinner.say("importing rows");
        assert!(!spinner.drawn());
    }
}
