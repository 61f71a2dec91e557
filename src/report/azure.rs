//! Azure Pipelines logging commands: one `##vso[task.logissue ...]` line per finding,
//! which the agent shows as an error or warning on the run (with the file and line).
//!
//! `task.logissue` knows only `error` and `warning`: notes are not logged as issues
//! (they would read as warnings), and neither are suppressed findings; the final plain
//! summary line counts both. The command does not fail the task: the exit code does.
//! Values are escaped as the agent unescapes them, so each finding is exactly one line.

use super::{Region, Report};
use crate::finding::{Finding, Severity};

/// Escapes a property value (`sourcepath=`, `code=`): `%`, `;` (ends a property), `]`
/// (ends the property list), CR and LF.
pub fn escape_property(s: &str) -> String {
    let s = super::safe::one_line_for_log(s);
    super::escape_with(
        &s,
        &[
            ('%', "%AZP25"),
            (';', "%3B"),
            (']', "%5D"),
            ('\r', "%0D"),
            ('\n', "%0A"),
        ],
    )
}

/// Escapes the message after `]`: `%`, CR and LF.
pub fn escape_data(s: &str) -> String {
    let s = super::safe::for_log(s);
    super::escape_with(&s, &[('%', "%AZP25"), ('\r', "%0D"), ('\n', "%0A")])
}

/// The logging command of one finding (error or warning), without the newline.
pub fn finding_line(report: &Report, f: &Finding) -> Option<String> {
    let kind = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => return None,
    };
    let r = Region::of(report.sources, f, f.primary);
    let file = report.base.path(report.sources, f.primary.file);
    let mut msg = format!("{} {}: {}", f.rule, f.slug, super::full_message(f));
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
    Some(format!(
        "##vso[task.logissue type={kind};sourcepath={};linenumber={};columnnumber={};code={}]{}",
        escape_property(&file),
        r.line,
        r.column,
        escape_property(&f.rule),
        escape_data(&msg)
    ))
}

pub fn render(report: &Report) -> String {
    super::in_memory(|w| write(report, w))
}

/// Writes the log commands to `w` a finding at a time.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let (mut notes, mut suppressed) = (0, 0);
    for f in report.iter() {
        let f = f?;
        if f.suppression.is_some() {
            suppressed += 1;
            continue;
        }
        match finding_line(report, &f) {
            Some(line) => writeln!(w, "{line}")?,
            None => notes += 1,
        }
    }
    if notes + suppressed > 0 {
        writeln!(
            w,
            "aksgate: not logged as issues: {notes} note(s), {suppressed} suppressed finding(s)"
        )?;
    }
    w.write_all(super::human::summary(report).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_escaping() {
        assert_eq!(
            escape_property("a;b]c%d\r\ne"),
            "a%3Bb%5Dc%AZP25d\\u{d}\\u{a}e"
        );
        assert_eq!(escape_property("infra/aks.json"), "infra/aks.json");
    }

    #[test]
    fn data_escaping_keeps_one_line() {
        let s = escape_data("50% off\n##vso[task.setvariable variable=x]y; ok]");
        assert_eq!(
            s,
            "50%AZP25 off%0A##vso\\u{5b}task.setvariable variable=x]y; ok]"
        );
        assert!(!s.contains('\n'));
    }
}
