//! The audit's progress bar: on stderr, only when stderr is a terminal and the scan has
//! more than [`THRESHOLD`] candidate files; silent (hidden) otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Scans of at most this many candidate files finish too fast to need a bar.
pub const THRESHOLD: usize = 300;

/// Whether a scan of `files` candidate files shows a bar.
pub fn wanted(files: usize, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal && files > THRESHOLD
}

/// Reading files, then evaluating units. Hidden until [`crate::scan::Progress::discovered`]
/// decides to show it.
pub struct Bar {
    bar: ProgressBar,
    terminal: bool,
}

impl Bar {
    /// A bar that may show itself on stderr.
    pub fn stderr() -> Bar {
        Bar {
            bar: ProgressBar::hidden(),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// A bar that never shows (tests, library use).
    pub fn hidden() -> Bar {
        Bar {
            bar: ProgressBar::hidden(),
            terminal: false,
        }
    }

    pub fn evaluated(&self) {
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl crate::scan::Progress for Bar {
    fn discovered(&self, files: usize) {
        if wanted(files, self.terminal) {
            self.bar.set_style(
                ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {elapsed}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.set_length(files as u64);
        self.bar.set_message("reading");
    }

    fn loaded(&self) {
        self.bar.inc(1);
    }

    fn planned(&self, jobs: usize) {
        self.bar.set_position(0);
        self.bar.set_length(jobs as u64);
        self.bar.set_message("evaluating");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_large_scans_on_a_terminal() {
        assert!(!wanted(10_000, false));
        assert!(!wanted(THRESHOLD, true));
        assert!(wanted(THRESHOLD + 1, true));
    }
}
