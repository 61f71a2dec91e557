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
    /// Line and column of its sites' ends, found while its files' text was at hand
    /// ([`Finding::place`]): carried with the finding, into the spill and back, so a
    /// scan keeps no table of positions for all its findings.
    pub places: Vec<Position>,
}

/// A 1-based line and column (in characters) of a byte offset in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub file: FileId,
    pub offset: usize,
    pub line: u32,
    pub column: u32,
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
        Finding::order_by(a, b, |x, y| sources.get(x).rel.cmp(sources.get(y).rel))
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

    /// The sites a report shows: the primary, then the related ones.
    pub fn sites(&self) -> impl Iterator<Item = Site> + '_ {
        std::iter::once(self.primary).chain(self.related.iter().map(|l| l.site))
    }

    /// Records the line and column of each end of its sites that `known` gives (a
    /// position past 32 bits is left to be computed).
    pub fn place(&mut self, known: impl Fn(FileId, usize) -> Option<(usize, usize)>) {
        let ends: Vec<(FileId, usize)> = self
            .sites()
            .flat_map(|s| [(s.file, s.start), (s.file, s.end)])
            .collect();
        for (file, offset) in ends {
            if self.position(file, offset).is_some() {
                continue;
            }
            let Some((line, column)) = known(file, offset) else {
                continue;
            };
            if let (Ok(line), Ok(column)) = (u32::try_from(line), u32::try_from(column)) {
                self.places.push(Position {
                    file,
                    offset,
                    line,
                    column,
                });
            }
        }
    }

    fn position(&self, file: FileId, offset: usize) -> Option<(usize, usize)> {
        self.places
            .iter()
            .find(|p| p.file == file && p.offset == offset)
            .map(|p| (p.line as usize, p.column as usize))
    }

    /// 1-based line and column of `site`'s start: from the finding's places, or
    /// computed from the file.
    pub fn line_col(&self, sources: &Sources, site: Site) -> (usize, usize) {
        self.position(site.file, site.start)
            .unwrap_or_else(|| sources.line_col(site))
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
            + self.places.len() * std::mem::size_of::<Position>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn placed_positions_are_what_the_file_gives_and_the_rest_is_computed() {
        let text = "{\n  \"a\": \"€x\",\r\n\n  \"b\": 1\n}";
        let mut sources = Sources::default();
        let other = sources.add("g.json".into(), Arc::from("{\n}"));
        let id = sources.add("f.json".into(), Arc::from(text));
        let site = |file, start, end| Site { file, start, end };
        let mut f = Finding {
            rule: "AKS001".into(),
            slug: "s".into(),
            severity: Severity::Error,
            message: "m".into(),
            primary: site(id, 9, 14),
            primary_label: "here".into(),
            related: vec![Label {
                site: site(other, 2, 3),
                message: "there".into(),
            }],
            help: None,
            docs: None,
            about: None,
            context: None,
            suppression: None,
            resource: None,
            places: Vec::new(),
        };
        let offsets: Vec<usize> = (0..=text.len()).collect();
        let found = crate::source::positions_of(text, offsets);
        f.place(|file, o| (file == id).then(|| found[o].1));
        // Both ends of the primary, none of the label in the other file.
        assert_eq!(f.places.len(), 2);
        assert!(f.places.iter().all(|p| p.file == id));
        for s in [f.primary, site(id, 14, 14), site(other, 2, 3)] {
            assert_eq!(f.line_col(&sources, s), sources.line_col(s), "{s:?}");
        }
        // What is placed is read from the places, not the file.
        f.places[0].line = 99;
        assert_eq!(f.line_col(&sources, f.primary).0, 99);
        // Placing again adds nothing twice.
        f.place(|_, _| Some((1, 1)));
        assert_eq!(f.places.len(), 4);
    }
}
