//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per
//! finding, which the runner turns into an annotation on the file and line.
//!
//! Everything that comes from a scanned file or a policy is escaped as the runner
//! unescapes it, so a message can neither end its command early nor start another
//! one: each finding is exactly one line. Suppressed findings are not annotated; a
//! final `::notice` says how many there were.

use super::{Region, Report};
use crate::finding::{Finding, Severity};

/// Escapes a command's data (the message after `::`).
pub fn escape_data(s: &str) -> String {
    let s = super::safe::for_log(s);
    super::escape_with(&s, &[('%', "%25"), ('\r', "%0D"), ('\n', "%0A")])
}

/// Escapes a property value (`file=`, `title=`): data escaping plus `:` and `,`, which
/// end a value.
pub fn escape_property(s: &str) -> String {
    let s = super::safe::one_line_for_log(s);
    super::escape_with(
        &s,
        &[
            ('%', "%25"),
            ('\r', "%0D"),
            ('\n', "%0A"),
            (':', "%3A"),
            (',', "%2C"),
        ],
    )
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The workflow command of one finding, without the trailing newline.
pub fn finding_line(report: &Report, f: &Finding) -> String {
    let r = Region::of(report.sources, f, f.primary);
    let file = report.base.path(report.sources, f.primary.file);
    let mut props = vec![
        format!("file={}", escape_property(&file)),
        format!("line={}", r.line),
        format!("endLine={}", r.end_line),
    ];
    // GitHub ignores (or rejects) columns on an annotation that spans several lines.
    if r.line == r.end_line {
        props.push(format!("col={}", r.column));
        props.push(format!("endColumn={}", r.end_column));
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("{} {}", f.rule, f.slug))
    ));
    let mut msg = super::full_message(f);
    for l in &f.related {
        let lr = Region::of(report.sources, f, l.site);
        msg.push_str(&format!(
            "\n  related: {}:{}:{}: {}",
            report.base.path(report.sources, l.site.file),
            lr.line,
            lr.column,
            l.message
        ));
    }
    if let Some(h) = &f.help {
        msg.push_str(&format!("\n  help: {h}"));
    }
    format!(
        "::{} {}::{}",
        command(f.severity),
        props.join(","),
        escape_data(&msg)
    )
}

pub fn render(report: &Report) -> String {
    super::in_memory(|w| write(report, w))
}

/// Writes the workflow commands to `w` a finding at a time.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut suppressed = 0;
    for f in report.iter() {
        let f = f?;
        if f.suppression.is_some() {
            suppressed += 1;
            continue;
        }
        writeln!(w, "{}", finding_line(report, &f))?;
    }
    if suppressed > 0 {
        writeln!(
            w,
            "::notice title=aksgate::{suppressed} suppressed finding(s) not annotated (see the SARIF or human output for them)"
        )?;
    }
    // A plain line (not a command) so the log says what was examined.
    w.write_all(super::human::summary(report).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escaping_keeps_one_line() {
        assert_eq!(
            escape_data("100% bad\r\n::error::forged"),
            "100%25 bad\\u{d}%0A\\u{3a}:error::forged"
        );
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert!(!escape_data("x\ny\rz").contains(['\n', '\r']));
    }

    #[test]
    fn property_escaping_also_covers_colon_and_comma() {
        assert_eq!(
            escape_property("AKS003 a:b,c%d\ne"),
            "AKS003 a%3Ab%2Cc%25d\\u{a}e"
        );
        // Escaping `%` first means an already-escaped sequence stays literal.
        assert_eq!(escape_property("%3A"), "%253A");
    }

    #[test]
    fn severities_map_to_commands() {
        assert_eq!(command(Severity::Error), "error");
        assert_eq!(command(Severity::Warning), "warning");
        assert_eq!(command(Severity::Note), "notice");
    }
}
