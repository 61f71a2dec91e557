//! The terminal format: one miette diagnostic per finding, then a summary line.

use super::snippet::Snippet;
use super::Report;
use crate::finding::{Finding, Severity};
use crate::source::Sources;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use std::fmt;

pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    /// Colour only on a terminal and when `NO_COLOR` is unset.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        Style { color, width }
    }

    pub fn plain(width: usize) -> Style {
        Style {
            color: false,
            width,
        }
    }
}

struct FindingDiag<'a> {
    f: &'a Finding,
    source: Snippet,
    related: Vec<RelatedDiag>,
    code: String,
    url: Option<String>,
}

/// Related locations in another file than the primary one, one diagnostic per file.
struct RelatedDiag {
    message: String,
    source: Snippet,
    spans: Vec<(miette::SourceSpan, String)>,
}

impl fmt::Debug for RelatedDiag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl fmt::Display for RelatedDiag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for RelatedDiag {}
impl Diagnostic for RelatedDiag {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.spans.iter().map(|(span, msg)| {
            LabeledSpan::new_with_span(Some(msg.clone()), *span)
        })))
    }
}

impl fmt::Debug for FindingDiag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.f.message)
    }
}
impl fmt::Display for FindingDiag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.f.context {
            Some(ctx) => write!(f, "{} [with {}]", self.f.message, ctx),
            None => f.write_str(&self.f.message),
        }
    }
}
impl std::error::Error for FindingDiag<'_> {}

impl Diagnostic for FindingDiag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.f
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = LabeledSpan::new_primary_with_span(
            Some(self.f.primary_label.to_string()),
            span(self.f.primary),
        );
        let same_file = self
            .f
            .related
            .iter()
            .filter(|l| l.site.file == self.f.primary.file)
            .map(|l| LabeledSpan::new_with_span(Some(l.message.to_string()), span(l.site)));
        Some(Box::new(std::iter::once(primary).chain(same_file)))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

fn span(site: crate::source::Site) -> miette::SourceSpan {
    (site.start, site.end.saturating_sub(site.start)).into()
}

fn named(sources: &Sources, file: usize) -> Snippet {
    let (text, lines, lone_cr) = sources.text_and_lines(file);
    Snippet::new(sources.get(file).rel.to_string(), text, lines, lone_cr)
}

/// Renders one finding as miette would print it.
pub fn render_finding(f: &Finding, sources: &Sources, style: &Style) -> String {
    // Messages come from scanned files and policies: strip control characters so they
    // cannot forge terminal output, then let miette add its own styling.
    let clean = crate::report::sanitize_terminal;
    let mut f = f.clone();
    f.message = clean(&f.message).into();
    f.primary_label = clean(&f.primary_label).into();
    f.help = f.help.as_deref().map(|h| clean(h).into());
    for l in &mut f.related {
        l.message = clean(&l.message).into();
    }
    let f = &f;
    let mut related: Vec<(usize, RelatedDiag)> = Vec::new();
    for l in f.related.iter().filter(|l| l.site.file != f.primary.file) {
        match related.iter_mut().find(|(file, _)| *file == l.site.file) {
            Some((_, d)) => d.spans.push((span(l.site), l.message.to_string())),
            None => related.push((
                l.site.file,
                RelatedDiag {
                    message: format!("in {}", sources.get(l.site.file).rel),
                    source: named(sources, l.site.file),
                    spans: vec![(span(l.site), l.message.to_string())],
                },
            )),
        }
    }
    let related = related.into_iter().map(|(_, d)| d).collect();
    let diag = FindingDiag {
        f,
        source: named(sources, f.primary.file),
        related,
        code: format!("{} {}", f.rule, f.slug),
        url: f
            .docs
            .as_ref()
            .map(|d| d.to_string())
            .or_else(|| Some(super::docs_url(&f.rule))),
    };
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, &diag).is_err() {
        out = format!("{}: {} {}\n", f.severity, f.rule, f.message);
    }
    out
}

pub fn render(report: &Report, style: &Style) -> String {
    super::in_memory(|w| write(report, style, w))
}

/// Writes the report to `w` a finding at a time: built as one string first, the report
/// of 10,560 findings (50 MB of text) took 131 MB.
pub fn write(report: &Report, style: &Style, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    for f in report.iter() {
        let f = f?;
        if f.suppression.is_none() {
            w.write_all(render_finding(&f, report.sources, style).as_bytes())?;
            w.write_all(b"\n")?;
        }
    }
    // Suppressed findings are listed, one line each, never dropped silently.
    for f in report.iter() {
        let f = f?;
        if let Some(s) = &f.suppression {
            let (line, col) = f.line_col(report.sources, f.primary);
            w.write_all(
                crate::report::sanitize_terminal(&format!(
                    "suppressed ({}) {} {}:{line}:{col}: {} (reason: {})\n",
                    s.kind,
                    f.rule,
                    report.sources.get(f.primary.file).rel,
                    f.message,
                    s.reason
                ))
                .as_bytes(),
            )?;
        }
    }
    w.write_all(summary(report).as_bytes())
}

pub fn summary(report: &Report) -> String {
    let tally = report.findings.tally();
    let count = |s: Severity| tally.active(s);
    let suppressed = tally.suppressed;
    let kinds: Vec<String> = report
        .stats
        .by_kind
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    format!(
        "aksgate: {} deployment file(s) examined ({}), {} cluster(s); {} error(s), {} warning(s), {} note(s){}\n",
        report.stats.files_examined,
        if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") },
        report.stats.clusters,
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
        if suppressed > 0 { format!(", {suppressed} suppressed") } else { String::new() },
    )
}
