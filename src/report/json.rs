//! The JSON format: one document with a `findings` array (schema in docs/json-format.md).

use super::Report;
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: &'static str,
    #[serde(rename = "toolVersion")]
    tool_version: &'static str,
    findings: Findings<'a>,
    summary: Summary,
    /// The deployments a policy could not be evaluated on: the findings are of the
    /// others only, and the run exits 2. Absent when there are none.
    #[serde(rename = "policyErrors", skip_serializing_if = "<[String]>::is_empty")]
    policy_errors: &'a [String],
}

/// The findings, each converted as it is written.
struct Findings<'a>(&'a Report<'a>);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.findings.len()))?;
        for f in self.0.iter() {
            let f = f.map_err(serde::ser::Error::custom)?;
            seq.serialize_element(&json_finding(self.0, &f))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Summary {
    #[serde(rename = "filesExamined")]
    files_examined: usize,
    clusters: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    #[serde(rename = "endLine")]
    end_line: usize,
    #[serde(rename = "endColumn")]
    end_column: usize,
}

#[derive(Serialize)]
struct Related<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    slug: &'a str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    #[serde(rename = "endLine")]
    end_line: usize,
    #[serde(rename = "endColumn")]
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    about: Option<&'a str>,
    #[serde(rename = "parameterFile", skip_serializing_if = "Option::is_none")]
    parameter_file: Option<&'a str>,
    related: Vec<Related<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Suppressed<'a>>,
}

#[derive(Serialize)]
struct Suppressed<'a> {
    kind: &'static str,
    reason: &'a str,
}

fn location<'a>(
    report: &'a Report,
    f: &crate::finding::Finding,
    site: crate::source::Site,
) -> Location<'a> {
    let (line, column) = f.line_col(report.sources, site);
    let end = crate::source::Site {
        start: site.end,
        ..site
    };
    let (end_line, end_column) = f.line_col(report.sources, end);
    Location {
        file: report.sources.get(site.file).rel,
        line,
        column,
        end_line,
        end_column,
    }
}

/// The JSON report as a string.
pub fn render(report: &Report) -> String {
    super::in_memory(|w| write(report, w))
}

/// Writes the JSON report to `w` as it is serialised: a report of 10,000 findings is
/// 10 MB, and building it as one string first raised a scan's peak memory by a third.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let tally = report.findings.tally();
    let count = |s| tally.active(s);
    let doc = Doc {
        version: SCHEMA_VERSION,
        tool: "aksgate",
        tool_version: env!("CARGO_PKG_VERSION"),
        findings: Findings(report),
        policy_errors: &report.stats.policy_errors,
        summary: Summary {
            files_examined: report.stats.files_examined,
            clusters: report.stats.clusters,
            errors: count(crate::finding::Severity::Error),
            warnings: count(crate::finding::Severity::Warning),
            notes: count(crate::finding::Severity::Note),
            suppressed: tally.suppressed,
        },
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

fn json_finding<'a>(report: &'a Report, f: &'a crate::finding::Finding) -> JsonFinding<'a> {
    let l = location(report, f, f.primary);
    JsonFinding {
        rule: &f.rule,
        slug: &f.slug,
        severity: f.severity.as_str(),
        message: &f.message,
        file: l.file,
        line: l.line,
        column: l.column,
        end_line: l.end_line,
        end_column: l.end_column,
        help: f.help.as_deref(),
        about: f.about.as_deref(),
        parameter_file: f.context.as_deref(),
        related: f
            .related
            .iter()
            .map(|r| {
                let rl = location(report, f, r.site);
                Related {
                    file: rl.file,
                    line: rl.line,
                    column: rl.column,
                    message: &r.message,
                }
            })
            .collect(),
        suppressed: f.suppression.as_ref().map(|s| Suppressed {
            kind: s.kind,
            reason: &s.reason,
        }),
    }
}
