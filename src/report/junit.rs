//! JUnit XML, as Azure Pipelines `PublishTestResults@2` (`testResultsFormat: JUnit`)
//! and GitLab (`artifacts:reports:junit`) read it.
//!
//! One `<testsuite name="aksgate">`; in it, per examined file, one testcase per rule
//! with findings in that file (`classname` the file, `name` "RULE slug"), or a single
//! passing testcase named `aksgate` when the file has none. A rule's testcase fails
//! when one of its findings fails the gate (not suppressed, at or above `--fail-on`);
//! when all its findings are suppressed it is skipped; otherwise (findings below the
//! threshold only) it passes and lists them in `<system-out>`.

use super::{Region, Report};
use crate::finding::Finding;
use crate::text::Text;
use std::collections::BTreeMap;

/// Escapes text for XML 1.0 content and attribute values, dropping characters XML 1.0
/// cannot carry at all (control characters other than tab, LF and CR; U+FFFE, U+FFFF).
/// Tab, LF and CR are written as character references in attributes, where a parser
/// would otherwise normalise them to spaces.
pub fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if legal(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// XML 1.0 `Char`: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
fn legal(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn describe(report: &Report, f: &Finding) -> String {
    let r = Region::of(report.sources, f, f.primary);
    let mut s = format!(
        "{}:{}:{}: {} {} {}: {}",
        report.base.path(report.sources, f.primary.file),
        r.line,
        r.column,
        f.severity,
        f.rule,
        f.slug,
        super::full_message(f)
    );
    if let Some(sup) = &f.suppression {
        s.push_str(&format!(" (suppressed by {}: {})", sup.kind, sup.reason));
    }
    s.push('\n');
    for l in &f.related {
        let lr = Region::of(report.sources, f, l.site);
        s.push_str(&format!(
            "  related: {}:{}:{}: {}\n",
            report.base.path(report.sources, l.site.file),
            lr.line,
            lr.column,
            l.message
        ));
    }
    if let Some(h) = &f.help {
        s.push_str(&format!("  help: {h}\n"));
    }
    s
}

enum Outcome {
    Pass,
    Fail { message: String, rule: String },
    Skip { message: String },
}

struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
    /// Described in the case's output when it is written, not before: the
    /// descriptions of every finding at once were most of the report's memory.
    findings: Vec<Finding>,
}

/// One file's findings by rule.
type ByRule = BTreeMap<Text, Vec<Finding>>;

/// Gives `each` every case in order: files by path, then rules by id. A file's findings
/// are together in report order, so only one file's are held at a time.
fn for_each_case(
    report: &Report,
    each: &mut dyn FnMut(Case) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut examined: Vec<String> = report
        .stats
        .examined
        .iter()
        .map(|&id| report.base.path(report.sources, id))
        .collect();
    examined.sort_unstable();
    examined.dedup();
    let mut examined = examined.into_iter().peekable();
    let mut file: Option<(String, ByRule)> = None;
    for f in report.iter() {
        let f = f?;
        let path = report.base.path(report.sources, f.primary.file);
        if file.as_ref().is_none_or(|(p, _)| *p != path) {
            if let Some((p, rules)) = file.take() {
                cases_of(report, p, rules, each)?;
            }
            while let Some(clean) = examined.next_if(|e| *e < path) {
                cases_of(report, clean, BTreeMap::new(), each)?;
            }
            examined.next_if(|e| *e == path);
            file = Some((path, BTreeMap::new()));
        }
        if let Some((_, rules)) = &mut file {
            rules.entry(f.rule.clone()).or_default().push(f);
        }
    }
    if let Some((p, rules)) = file {
        cases_of(report, p, rules, each)?;
    }
    for clean in examined {
        cases_of(report, clean, BTreeMap::new(), each)?;
    }
    Ok(())
}

/// The cases of one file: one a rule with findings, or one passing case.
fn cases_of(
    report: &Report,
    file: String,
    rules: ByRule,
    each: &mut dyn FnMut(Case) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if rules.is_empty() {
        return each(Case {
            classname: file,
            name: "aksgate".into(),
            outcome: Outcome::Pass,
            findings: Vec::new(),
        });
    }
    for (rule, findings) in rules {
        let failing: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.suppression.is_none() && f.severity >= report.fail_on)
            .collect();
        let outcome = if let Some(first) = failing.first() {
            let message = if failing.len() == 1 {
                super::full_message(first)
            } else {
                format!(
                    "{} findings; first: {}",
                    failing.len(),
                    super::full_message(first)
                )
            };
            Outcome::Fail {
                message,
                rule: rule.to_string(),
            }
        } else if findings.iter().all(|f| f.suppression.is_some()) {
            Outcome::Skip {
                message: format!("{} suppressed finding(s)", findings.len()),
            }
        } else {
            Outcome::Pass
        };
        each(Case {
            classname: file.clone(),
            name: format!("{} {}", rule, findings[0].slug),
            outcome,
            findings,
        })?;
    }
    Ok(())
}

pub fn render(report: &Report) -> String {
    super::in_memory(|w| write(report, w))
}

/// Writes the report to `w`, each case's output described as it is written.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    // The counts open the document: a first pass over the cases counts them.
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for_each_case(report, &mut |c| {
        tests += 1;
        match c.outcome {
            Outcome::Fail { .. } => failures += 1,
            Outcome::Skip { .. } => skipped += 1,
            Outcome::Pass => {}
        }
        Ok(())
    })?;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"aksgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"aksgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">\n"
    ));
    w.write_all(out.as_bytes())?;
    out.clear();
    for_each_case(report, &mut |c| {
        let text: String = c.findings.iter().map(|f| describe(report, f)).collect();
        let mut out = String::new();
        let open = format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            escape(&c.classname, true),
            escape(&c.name, true)
        );
        match &c.outcome {
            Outcome::Pass if text.is_empty() => {
                out.push_str(&open);
                out.push_str("/>\n");
            }
            Outcome::Pass => {
                out.push_str(&open);
                out.push_str(">\n      <system-out>");
                out.push_str(&escape(&text, false));
                out.push_str("</system-out>\n    </testcase>\n");
            }
            Outcome::Fail { message, rule } => {
                out.push_str(&open);
                out.push_str(&format!(
                    ">\n      <failure message=\"{}\" type=\"{}\">",
                    escape(message, true),
                    escape(rule, true)
                ));
                out.push_str(&escape(&text, false));
                out.push_str("</failure>\n    </testcase>\n");
            }
            Outcome::Skip { message } => {
                out.push_str(&open);
                out.push_str(&format!(
                    ">\n      <skipped message=\"{}\"/>\n      <system-out>",
                    escape(message, true)
                ));
                out.push_str(&escape(&text, false));
                out.push_str("</system-out>\n    </testcase>\n");
            }
        }
        // A case at a time: the document is not held whole.
        w.write_all(out.as_bytes())
    })?;
    out.push_str("  </testsuite>\n</testsuites>\n");
    w.write_all(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"a & b < c > d "e" 'f'"#, true),
            "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;"
        );
    }

    #[test]
    fn drops_characters_xml_cannot_carry() {
        assert_eq!(escape("a\u{0}b\u{1b}[31mc\u{FFFE}d", false), "ab[31mcd");
        assert_eq!(escape("é ✓ 😀", false), "é ✓ 😀");
    }

    #[test]
    fn whitespace_survives_attributes() {
        assert_eq!(escape("a\tb\nc\rd", true), "a&#9;b&#10;c&#13;d");
        assert_eq!(escape("a\tb\nc\rd", false), "a\tb\nc&#13;d");
    }
}
