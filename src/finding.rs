//! Typed findings: what a policy (or the loader) found, where, and why.

use crate::source::{FileId, Site, Sources};
use crate::text::Text;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "note" | "info" => Some(Severity::Note),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location with its own message.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub site: Site,
    pub message: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: Text,
    pub slug: Text,
    pub severity: Severity,
    pub message: Text,
    pub primary: Site,
    /// What the primary label says (e.g. "kubenet" or "networkPlugin missing here").
    pub primary_label: Text,
    pub related: Vec<Label>,
    pub help: Option<Text>,
    pub docs: Option<Text>,
    /// For AKS900: the rule that could not decide.
    pub about: Option<Text>,
    /// The parameter file the unit was evaluated with, when it matters.
    pub context: Option<Text>,
    /// Set when a suppression (configuration or inline) covers the finding: it is still
    /// reported, marked as suppressed, and does not fail the gate.
    pub suppression: Option<Suppression>,
    /// The resource object the finding is about, when it is about one.
    pub resource: Option<Site>,
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    /// `config` (`.aksgate.toml`), `metadata` (the resource's `metadata.aksgate`) or
    /// `comment` (`// aksgate-ignore`).
    pub kind: &'static str,
    pub reason: String,
}

impl Finding {
    /// Deterministic order: file, position, rule, message, parameter file.
    pub fn sort<F: std::borrow::Borrow<Finding>>(findings: &mut [F], sources: &Sources) {
        findings.sort_by(|a, b| Finding::order(a.borrow(), b.borrow(), sources));
    }

    /// The report order of two findings: by file path, then as [`Finding::order_by`].
    pub fn order(a: &Finding, b: &Finding, sources: &Sources) -> std::cmp::Ordering {
        Finding::order_by(a, b, |x, y| sources.get(x).rel.cmp(&sources.get(y).rel))
    }

    /// The report order, files compared by `files`: file, position, rule, message,
    /// parameter file.
    pub fn order_by(
        a: &Finding,
        b: &Finding,
        files: impl FnOnce(FileId, FileId) -> std::cmp::Ordering,
    ) -> std::cmp::Ordering {
        files(a.primary.file, b.primary.file)
            .then(a.primary.start.cmp(&b.primary.start))
            .then(a.rule.cmp(&b.rule))
            .then(a.message.cmp(&b.message))
            .then(a.context.cmp(&b.context))
    }

    /// About what the finding holds on the heap, for the spill's budget: its own text
    /// (text shared between findings counted once per finding, a fair price for not
    /// tracking who shares what).
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Finding>()
            + std::mem::size_of::<Box<Finding>>()
            + self.message.len()
            + self.primary_label.len()
            + self
                .related
                .iter()
                .map(|l| std::mem::size_of::<Label>() + l.message.len())
                .sum::<usize>()
            + self.suppression.as_ref().map_or(0, |s| s.reason.len())
    }
}
