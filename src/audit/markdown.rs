//! The Markdown format: a report to paste into a pull request or a wiki page.

use super::out::Out;
use super::Audit;
use std::fmt::Write;

/// Escapes text for a Markdown table cell (also safe outside tables): pipes, HTML,
/// emphasis and code markers, line breaks.
pub fn esc(s: &str) -> String {
    let s = crate::report::safe::visible(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '`' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The report, as [`write()`] writes it.
pub fn render(a: &Audit) -> String {
    super::out::to_string(|out| write(a, out))
}

pub fn write(a: &Audit, out: &mut Out) {
    let _ = writeln!(out, "# aksgate audit of `{}`\n", a.root.replace('`', "'"));
    let c = a.counts();
    let kinds: Vec<String> = a
        .stats
        .by_kind
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let _ = writeln!(
        out,
        "- **Files examined:** {} ({}); {} skipped",
        a.stats.files_examined,
        if kinds.is_empty() {
            "none".into()
        } else {
            kinds.join(", ")
        },
        a.stats.skipped.len()
    );
    let _ = writeln!(
        out,
        "- **Clusters:** {} written in the files, {} inventory rows (one per cluster per parameter file)",
        a.stats.clusters,
        a.clusters().count()
    );
    let ot: Vec<String> = a
        .outbound_types()
        .iter()
        .map(|(k, n)| format!("{} {n}", esc(k)))
        .collect();
    if !ot.is_empty() {
        let _ = writeln!(out, "- **Outbound types:** {}", ot.join(", "));
    }
    let _ = writeln!(
        out,
        "- **Findings:** {} errors, {} warnings, {} notes",
        c.error, c.warning, c.note
    );
    let _ = writeln!(
        out,
        "- **Unknown values in the inventory:** {}\n",
        a.unknown_values()
    );

    out.push_str("## Clusters\n\n");
    if a.rows.is_empty() {
        out.push_str("No clusters found.\n\n");
    } else {
        out.push_str("| file | parameters | cluster | apiVersion | outboundType | networkPlugin | LB SKU | subnet | 0.0.0.0/0 route | public IPs | private | findings |\n");
        out.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for r in &a.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                esc(&r.file),
                esc(&r.params_display()),
                esc(&r.name_display()),
                esc(&r.api_version.display()),
                esc(&r.outbound_type.display()),
                esc(&r.network_plugin.display()),
                esc(&r.load_balancer_sku.display()),
                esc(&r.subnet_display()),
                esc(r.default_route.as_str()),
                esc(&r.public_ips_display()),
                esc(&r.private_cluster.display()),
                esc(&r.findings.display()),
            );
        }
        out.push('\n');
    }

    let rules = a.per_rule();
    if !rules.is_empty() {
        out.push_str("## Findings per rule\n\n| rule | title | errors | warnings | notes |\n|---|---|---|---|---|\n");
        for r in &rules {
            let _ = writeln!(
                out,
                "| [{}]({}) {} | {} | {} | {} | {} |",
                esc(&r.rule),
                crate::report::docs_url(&r.rule),
                esc(&r.slug),
                esc(&r.title),
                r.counts.error,
                r.counts.warning,
                r.counts.note
            );
        }
        out.push('\n');
        out.push_str(
            "## Findings\n\n| severity | rule | location | message |\n|---|---|---|---|\n",
        );
        for f in &a.findings {
            let ff = &f.finding;
            let (line, col) = a.line_col(ff, ff.primary);
            let mut loc = format!("{}:{line}:{col}", a.rel(ff.primary));
            if let Some(p) = &ff.context {
                loc.push_str(&format!(" (with {p})"));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                ff.severity.as_str(),
                esc(&ff.rule),
                esc(&loc),
                esc(&ff.message)
            );
        }
        out.push('\n');
    }
}
