//! Renderers, one per output format. Line and column numbers are computed here and
//! nowhere earlier.

pub mod human;
pub mod json;

use crate::finding::Finding;
use crate::scan::Stats;
use crate::source::Sources;

/// Everything a renderer needs.
pub struct Report<'a> {
    pub sources: &'a Sources,
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    /// Every rule that could fire (built-in and user), for formats that list them (SARIF).
    pub rules: &'a [crate::engine::RuleMeta],
}

/// Where the rule documentation lives online; `aksgate explain` prints the same pages.
pub const DOCS_BASE: &str = "https://github.com/aksgate/aksgate/blob/main/docs/rules";

pub fn docs_url(rule: &str) -> String {
    format!("{DOCS_BASE}/{rule}.md")
}

/// Removes what could forge terminal output: ANSI escape introducers and other control
/// characters except newline and tab (messages come from files and policies).
pub fn sanitize_terminal(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}
