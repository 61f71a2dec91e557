//! The terminal format: the inventory as a plain-text table (column widths from the
//! content, long cells cut with `…`), the summary, and the findings one per line.

use super::out::Out;
use super::{Audit, Row};
use std::fmt::Write;

/// Columns: header, widest a cell may be, cut at the start (paths) or the end, value.
type Column = (&'static str, usize, bool, fn(&Row) -> String);

const COLUMNS: &[Column] = &[
    ("FILE", 44, true, |r| r.file.to_string()),
    ("PARAMS", 28, false, |r| r.params_display()),
    ("CLUSTER", 32, false, |r| r.name_display()),
    ("API", 18, false, |r| r.api_version.display()),
    ("OUTBOUND", 34, false, |r| r.outbound_type.display()),
    ("PLUGIN", 24, false, |r| r.network_plugin.display()),
    ("LB SKU", 24, false, |r| r.load_balancer_sku.display()),
    ("SUBNET", 28, false, |r| r.subnet_display()),
    ("0/0 ROUTE", 11, false, |r| {
        r.default_route.as_str().to_string()
    }),
    ("PUBLIC IPS", 56, false, |r| r.public_ips_display()),
    ("PRIVATE", 16, false, |r| r.private_cluster.display()),
    ("FINDINGS", 12, false, |r| r.findings.display()),
];

/// Cuts `s` to `max` characters, marking the cut with `…`.
pub fn truncate(s: &str, max: usize, at_start: bool) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    if at_start {
        let tail: String = s.chars().skip(n - keep).collect();
        format!("…{tail}")
    } else {
        let head: String = s.chars().take(keep).collect();
        format!("{head}…")
    }
}

/// A cell or a finding's field on one line, with nothing a terminal or a CI runner
/// would act on (`crate::report::safe`).
fn one_line(s: &str) -> String {
    crate::report::safe::one_line_for_log(s).into_owned()
}

/// The report, as [`write()`] writes it.
pub fn render(a: &Audit) -> String {
    super::out::to_string(|out| write(a, out))
}

pub fn write(a: &Audit, out: &mut Out) {
    if a.rows.is_empty() {
        out.push_str("No clusters found.\n");
    } else {
        let cells: Vec<Vec<String>> = a
            .rows
            .iter()
            .map(|r| {
                COLUMNS
                    .iter()
                    .map(|(_, max, start, f)| truncate(&one_line(&f(r)), *max, *start))
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = COLUMNS
            .iter()
            .enumerate()
            .map(|(i, (h, ..))| {
                cells
                    .iter()
                    .map(|row| row[i].chars().count())
                    .chain(std::iter::once(h.len()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |items: Vec<&str>| -> String {
            let mut s = String::new();
            for (i, c) in items.iter().enumerate() {
                if i + 1 == items.len() {
                    s.push_str(c);
                } else {
                    let pad = widths[i] - c.chars().count();
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad + 2));
                }
            }
            s.trim_end().to_string()
        };
        out.push_str(&line(COLUMNS.iter().map(|c| c.0).collect()));
        out.push('\n');
        for row in &cells {
            out.push_str(&line(row.iter().map(String::as_str).collect()));
            out.push('\n');
        }
    }
    out.push('\n');
    out.push_str(&summary(a));
    if !a.findings.is_empty() {
        out.push_str("\nFindings\n");
        for f in &a.findings {
            let ff = &f.finding;
            let (line, col) = a.line_col(ff, ff.primary);
            let _ = write!(
                out,
                "  {}:{line}:{col}  {:<7}  {}  {}",
                one_line(a.rel(ff.primary)),
                ff.severity.as_str(),
                ff.rule,
                one_line(&ff.message)
            );
            if let Some(p) = &ff.context {
                let _ = write!(out, "  [with {}]", one_line(p));
            }
            if let Some(s) = &ff.suppression {
                let _ = write!(out, "  (suppressed: {})", one_line(&s.reason));
            }
            out.push('\n');
        }
    }
}

/// The summary block shared by the table and (as a list) other formats.
pub fn summary(a: &Audit) -> String {
    let mut out = String::from("Summary\n");
    let kinds: Vec<String> = a
        .stats
        .by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "  files examined: {} ({}); skipped: {}",
        a.stats.files_examined,
        if kinds.is_empty() {
            "none".into()
        } else {
            kinds.join(", ")
        },
        a.stats.skipped.len()
    );
    let pools = a.rows.len() - a.clusters().count();
    let _ = writeln!(
        out,
        "  clusters: {} written, {} inventory rows (one per cluster per parameter file){}",
        a.stats.clusters,
        a.clusters().count(),
        if pools > 0 {
            format!(", {pools} agent-pool-only rows")
        } else {
            String::new()
        }
    );
    let ot: Vec<String> = a
        .outbound_types()
        .iter()
        .map(|(k, n)| format!("{} {n}", one_line(k)))
        .collect();
    if !ot.is_empty() {
        let _ = writeln!(out, "  outbound types: {}", ot.join(", "));
    }
    let c = a.counts();
    let _ = writeln!(
        out,
        "  findings: {} errors, {} warnings, {} notes{}",
        c.error,
        c.warning,
        c.note,
        match a.suppressed() {
            0 => String::new(),
            n => format!(" ({n} suppressed)"),
        }
    );
    for r in a.per_rule() {
        let _ = writeln!(
            out,
            "    {:<7} {:<32} {}",
            one_line(&r.rule),
            one_line(&r.slug),
            r.counts.display()
        );
    }
    let aks900 = a
        .findings
        .iter()
        .filter(|f| f.finding.rule == "AKS900")
        .count();
    let _ = writeln!(
        out,
        "  unknowns: {} unknown values in the inventory, {} AKS900 findings",
        a.unknown_values(),
        aks900
    );
    out
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 6, false), "abcdef");
        assert_eq!(truncate("abcdef", 4, false), "abc…");
        assert_eq!(truncate("infra/aks.json", 9, true), "…aks.json");
    }
}
