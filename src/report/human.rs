//! The terminal format: one miette diagnostic per finding, then a summary line.

use super::excerpt::Excerpt;
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
    source: Excerpt,
    /// The primary label and the same-file related ones, as spans of `source`.
    labels: Vec<(miette::SourceSpan, String, bool)>,
    related: Vec<RelatedDiag>,
    code: String,
    url: Option<String>,
}

/// Related locations in another file than the primary one, one diagnostic per file.
struct RelatedDiag {
    message: String,
    source: Excerpt,
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
        Some(Box::new(self.labels.iter().map(|(span, msg, primary)| {
            if *primary {
                LabeledSpan::new_primary_with_span(Some(msg.clone()), *span)
            } else {
                LabeledSpan::new_with_span(Some(msg.clone()), *span)
            }
        })))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

/// The excerpt of `file` that shows `sites`.
fn excerpt(sources: &Sources, file: usize, sites: &[crate::source::Site]) -> Excerpt {
    let (text, lines, _) = sources.text_and_lines(file);
    let spans: Vec<(usize, usize)> = sites.iter().map(|s| (s.start, s.end)).collect();
    Excerpt::new(sources.get(file).rel, text, &lines, &spans)
}

/// Renders one finding as miette would print it.
pub fn render_finding(f: &Finding, sources: &Sources, style: &Style) -> String {
    // Messages come from scanned files and policies: hidden characters are shown
    // escaped so they cannot forge terminal output, then miette adds its own styling.
    // (The source lines are made safe by the excerpt; CI commands by `write`.)
    let clean = |s: &str| super::safe::visible(s).into_owned();
    let mut f = f.clone();
    f.message = clean(&f.message).into();
    f.primary_label = clean(&f.primary_label).into();
    f.help = f.help.as_deref().map(|h| clean(h).into());
    f.context = f
        .context
        .as_deref()
        .map(|c| super::safe::one_line(c).into_owned().into());
    for l in &mut f.related {
        l.message = clean(&l.message).into();
    }
    let f = &f;
    let mut files: Vec<usize> = Vec::new();
    for l in f.related.iter().filter(|l| l.site.file != f.primary.file) {
        if !files.contains(&l.site.file) {
            files.push(l.site.file);
        }
    }
    let related = files
        .into_iter()
        .map(|file| {
            let labels: Vec<_> = f.related.iter().filter(|l| l.site.file == file).collect();
            let sites: Vec<_> = labels.iter().map(|l| l.site).collect();
            let source = excerpt(sources, file, &sites);
            let spans = labels
                .iter()
                .map(|l| (source.span(l.site.start, l.site.end), l.message.to_string()))
                .collect();
            RelatedDiag {
                message: format!("in {}", super::safe::one_line(sources.get(file).rel)),
                source,
                spans,
            }
        })
        .collect();
    let same_file: Vec<_> = f
        .related
        .iter()
        .filter(|l| l.site.file == f.primary.file)
        .collect();
    let sites: Vec<_> = std::iter::once(f.primary)
        .chain(same_file.iter().map(|l| l.site))
        .collect();
    let source = excerpt(sources, f.primary.file, &sites);
    let labels = std::iter::once((
        source.span(f.primary.start, f.primary.end),
        f.primary_label.to_string(),
        true,
    ))
    .chain(same_file.iter().map(|l| {
        (
            source.span(l.site.start, l.site.end),
            l.message.to_string(),
            false,
        )
    }))
    .collect();
    let diag = FindingDiag {
        f,
        source,
        labels,
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
            let text = render_finding(&f, report.sources, style);
            w.write_all(super::safe::no_commands(&text).as_bytes())?;
            w.write_all(b"\n")?;
        }
    }
    // Suppressed findings are listed, one line each, never dropped silently.
    for f in report.iter() {
        let f = f?;
        if let Some(s) = &f.suppression {
            let (line, col) = f.line_col(report.sources, f.primary);
            let line = format!(
                "suppressed ({}) {} {}:{line}:{col}: {} (reason: {})",
                s.kind,
                f.rule,
                report.sources.get(f.primary.file).rel,
                f.message,
                s.reason
            );
            w.write_all(super::safe::one_line_for_log(&line).as_bytes())?;
            w.write_all(b"\n")?;
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
