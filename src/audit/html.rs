//! The HTML format: one self-contained page (inline CSS, JS and SVG; no external
//! assets) for people who do not run CLIs: summary figures, bar charts of findings per
//! rule and of outbound types, the sortable inventory, and the findings grouped by rule
//! with their source excerpts.

use super::out::Out;
use super::{Audit, Cell, Origin, Route, Row};
use crate::finding::Severity;
use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    // Bidi overrides and other hidden characters would reorder or hide text on the page.
    let s = crate::report::safe::visible(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --err: #c62828; --warn: #b26a00; --note: #1565c0; --ok: #2e7d32; --muted: #6b7280;
        --line: #e5e7eb; --bg: #f8fafc; --hl: #fff3c4; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #111827; background: #fff; }
header { background: #0f172a; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #cbd5e1; }
main { padding: 16px 32px 48px; max-width: 1600px; }
h2 { margin: 32px 0 8px; font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.intro { color: var(--muted); margin: 4px 0 12px; max-width: 900px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 140px; background: var(--bg); }
.card .n { font-size: 26px; font-weight: 600; }
.card .l { color: var(--muted); font-size: 13px; }
.card.err .n { color: var(--err); } .card.warn .n { color: var(--warn); }
.charts { display: flex; flex-wrap: wrap; gap: 32px; }
.chart h3 { font-size: 15px; margin: 8px 0; }
.chart svg text { font: 13px system-ui, sans-serif; fill: #111827; }
.legend span { display: inline-block; margin-right: 12px; font-size: 13px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
td { max-width: 240px; overflow-wrap: anywhere; }
th { background: var(--bg); position: sticky; top: 0; white-space: nowrap; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button::after { content: " \2195"; color: var(--muted); }
th[aria-sort="ascending"] button::after { content: " \2191"; color: #111827; }
th[aria-sort="descending"] button::after { content: " \2193"; color: #111827; }
td.file { min-width: 150px; overflow-wrap: normal; word-break: break-all; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.default { color: var(--muted); }
.unknown { color: var(--warn); font-style: italic; }
.badge { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.error { background: var(--err); } .badge.warning { background: var(--warn); } .badge.note { background: var(--note); }
.route-yes { color: var(--ok); font-weight: 600; } .route-no { color: var(--err); font-weight: 600; }
.none { color: var(--ok); }
.rule { margin-top: 24px; }
.rule h3 { font-size: 16px; margin: 0 0 4px; }
.rule h3 a { color: inherit; }
.finding { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.finding.error { border-left-color: var(--err); } .finding.warning { border-left-color: var(--warn); } .finding.note { border-left-color: var(--note); }
.finding .loc { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; color: var(--muted); }
.finding .msg { margin: 4px 0; }
.finding .help { color: #374151; font-size: 13px; }
pre.excerpt { background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 6px 0; margin: 6px 0;
              overflow-x: auto; font-size: 12px; line-height: 1.45; }
pre.excerpt span { display: block; padding: 0 10px; white-space: pre; }
pre.excerpt span.hl { background: var(--hl); font-weight: 600; }
pre.excerpt b { display: inline-block; min-width: 4ch; color: var(--muted); font-weight: normal; text-align: right; margin-right: 12px; user-select: none; }
ul.related { margin: 4px 0; padding-left: 20px; font-size: 13px; color: #374151; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; }
"#;

const SCRIPT: &str = r#"
(function () {
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = th.querySelector('button');
      if (!button) { return; }
      button.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir);
        var numeric = th.getAttribute('data-type') === 'num';
        var key = function (tr) {
          var cell = tr.cells[index];
          var v = cell.hasAttribute('data-sort') ? cell.getAttribute('data-sort') : cell.textContent.trim();
          return numeric ? (parseFloat(v) || 0) : v.toLowerCase();
        };
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var r = x < y ? -1 : (x > y ? 1 : 0);
          return dir === 'ascending' ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"#;

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Error => "#c62828",
        Severity::Warning => "#b26a00",
        Severity::Note => "#1565c0",
    }
}

/// A cell with its origin shown by style, the expression and reason on hover.
fn cell(c: &Cell) -> String {
    let text = esc(&c.display());
    let title = match (&c.expr, &c.reason, &c.note) {
        (Some(e), Some(r), _) => format!("{e}: {r}"),
        (None, Some(r), _) => r.to_string(),
        (_, _, Some(n)) => n.to_string(),
        _ => String::new(),
    };
    let class = match c.origin {
        Origin::Default | Origin::Absent => "default",
        Origin::Unknown | Origin::NoDefault => "unknown",
        Origin::Set => "",
    };
    let title_attr = if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", esc(&title))
    };
    if class.is_empty() {
        format!("<td{title_attr}>{text}</td>")
    } else {
        format!("<td class=\"{class}\"{title_attr}>{text}</td>")
    }
}

/// One horizontal bar chart; each item is a label and stacked (value, colour) segments.
fn bar_chart(title: &str, items: &[(String, Vec<(usize, &'static str)>)]) -> String {
    let max = items
        .iter()
        .map(|(_, segs)| segs.iter().map(|s| s.0).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, row_h) = (270.0, 300.0, 26.0);
    let height = (items.len() as f64 * row_h + 8.0).max(30.0);
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"{}\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">",
        esc(title),
        label_w + bar_w + 50.0,
        label_w + bar_w + 50.0
    );
    if items.is_empty() {
        svg.push_str("<text x=\"0\" y=\"20\">none</text>");
    }
    for (i, (label, segs)) in items.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 15.0,
            esc(label)
        );
        let mut x = label_w;
        let mut total = 0;
        for (n, colour) in segs {
            if *n == 0 {
                continue;
            }
            let w = *n as f64 / max as f64 * bar_w;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"18\" fill=\"{colour}\"><title>{} {n}</title></rect>",
                esc(label)
            );
            x += w;
            total += n;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\">{total}</text>",
            x + 6.0,
            y + 15.0
        );
    }
    svg.push_str("</svg>");
    format!("<div class=\"chart\"><h3>{}</h3>{svg}</div>", esc(title))
}

/// A few lines around a finding's primary line, that line highlighted.
fn excerpt(a: &Audit, f: &crate::finding::Finding) -> String {
    let text = a.sources.text(f.primary.file);
    if text.is_empty() {
        return String::new();
    }
    let (line, _) = a.line_col(f, f.primary);
    let lines: Vec<&str> = text.split('\n').collect();
    let first = line.saturating_sub(3).max(1);
    let last = (line + 2).min(lines.len());
    let mut out = String::from("<pre class=\"excerpt\">");
    for n in first..=last {
        let raw = lines[n - 1].trim_end_matches('\r');
        let shown: String = if raw.chars().count() > 200 {
            let head: String = raw.chars().take(199).collect();
            format!("{head}…")
        } else {
            raw.to_string()
        };
        let class = if n == line { " class=\"hl\"" } else { "" };
        let _ = write!(out, "<span{class}><b>{n}</b>{}</span>", esc(&shown));
    }
    out.push_str("</pre>");
    out
}

fn row_html(i: usize, r: &Row) -> String {
    let mut s = format!("<tr id=\"cluster-{i}\">");
    let _ = write!(
        s,
        "<td class=\"file\" title=\"{}:{}\">{}</td>",
        esc(&r.location.0),
        r.location.1,
        esc(&r.file)
    );
    let _ = write!(
        s,
        "<td class=\"file\" title=\"{}\">{}</td>",
        esc(r.parameter_file.as_deref().unwrap_or("")),
        esc(&r.params_display())
    );
    let name_class = if r.name.is_unknown() {
        " class=\"unknown\""
    } else {
        ""
    };
    let _ = write!(s, "<td{name_class}>{}</td>", esc(&r.name_display()));
    s.push_str(&cell(&r.api_version));
    s.push_str(&cell(&r.outbound_type));
    s.push_str(&cell(&r.network_plugin));
    s.push_str(&cell(&r.load_balancer_sku));
    let subnet_title = r.subnet.value.clone().unwrap_or_default();
    let subnet_class = match r.subnet.origin {
        Origin::Set => "",
        Origin::Unknown | Origin::NoDefault => " class=\"unknown\"",
        _ => " class=\"default\"",
    };
    let _ = write!(
        s,
        "<td{subnet_class} title=\"{}\">{}</td>",
        esc(&subnet_title),
        esc(&r.subnet_display())
    );
    let route_class = match r.default_route {
        Route::Yes => "route-yes",
        Route::No => "route-no",
        Route::Unknown => "unknown",
        _ => "default",
    };
    let _ = write!(
        s,
        "<td class=\"{route_class}\" title=\"{}\">{}</td>",
        esc(&r.route_detail),
        esc(r.default_route.as_str())
    );
    let ips = r.public_ips_display();
    if r.public_ips.is_empty() {
        let _ = write!(s, "<td class=\"none\">{}</td>", esc(&ips));
    } else {
        let _ = write!(s, "<td>{}</td>", esc(&ips));
    }
    s.push_str(&cell(&r.private_cluster));
    let f = &r.findings;
    let weight = f.error * 1_000_000 + f.warning * 1_000 + f.note;
    let mut badges = String::new();
    for (n, class, letter) in [
        (f.error, "error", "E"),
        (f.warning, "warning", "W"),
        (f.note, "note", "N"),
    ] {
        if n > 0 {
            let _ = write!(badges, "<span class=\"badge {class}\">{n}{letter}</span> ");
        }
    }
    if badges.is_empty() {
        badges.push_str("<span class=\"none\">none</span>");
    }
    let _ = write!(s, "<td data-sort=\"{weight}\">{}</td>", badges.trim_end());
    s.push_str("</tr>\n");
    s
}

/// The report, as [`write()`] writes it.
pub fn render(a: &Audit) -> String {
    super::out::to_string(|h| write(a, h))
}

pub fn write(a: &Audit, h: &mut Out) {
    let title = format!("aksgate audit of {}", a.root);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = write!(
        h,
        "<header><h1>AKS cluster audit</h1><p>{} — the clusters these deployment files create, how they reach the internet, and what the policy checks found.</p></header>\n<main>\n",
        esc(&a.root)
    );

    // Summary figures.
    let c = a.counts();
    let cards = [
        (
            "",
            a.stats.files_examined.to_string(),
            "deployment files examined",
        ),
        ("", a.stats.clusters.to_string(), "clusters in the files"),
        (
            "",
            a.clusters().count().to_string(),
            "cluster deployments (one per parameter file)",
        ),
        ("err", c.error.to_string(), "errors"),
        ("warn", c.warning.to_string(), "warnings"),
        (
            "",
            a.unknown_values().to_string(),
            "values only known at deploy time",
        ),
    ];
    h.push_str("<section class=\"cards\">");
    for (class, n, label) in cards {
        let _ = write!(
            h,
            "<div class=\"card {class}\"><div class=\"n\">{n}</div><div class=\"l\">{}</div></div>",
            esc(label)
        );
    }
    h.push_str("</section>\n");

    // Charts.
    h.push_str("<h2>At a glance</h2>\n<div class=\"charts\">");
    let rule_items: Vec<(String, Vec<(usize, &'static str)>)> = a
        .per_rule()
        .into_iter()
        .map(|r| {
            (
                format!("{} {}", r.rule, r.slug),
                vec![
                    (r.counts.error, sev_color(Severity::Error)),
                    (r.counts.warning, sev_color(Severity::Warning)),
                    (r.counts.note, sev_color(Severity::Note)),
                ],
            )
        })
        .collect();
    h.push_str(&bar_chart("Findings per rule", &rule_items));
    let ot_items: Vec<(String, Vec<(usize, &'static str)>)> = a
        .outbound_types()
        .into_iter()
        .map(|(k, n)| {
            let colour = if k == "unknown" { "#9ca3af" } else { "#475569" };
            (k, vec![(n, colour)])
        })
        .collect();
    h.push_str(&bar_chart(
        "Outbound type across cluster deployments",
        &ot_items,
    ));
    h.push_str("</div>\n<div class=\"legend\"><span><i style=\"background:#c62828\"></i>error</span><span><i style=\"background:#b26a00\"></i>warning</span><span><i style=\"background:#1565c0\"></i>note</span></div>\n");

    // Inventory.
    h.push_str("<h2>Clusters</h2>\n<p class=\"intro\">One row per cluster per parameter file. <span class=\"default\">Grey</span> values are not written in the files, so Azure's default applies; <span class=\"unknown\">orange italic</span> values are only known when the deployment runs (hover for the expression). <em>0.0.0.0/0 route</em> says whether the files put a route table with a default route on the cluster's subnet. Click a column header to sort.</p>\n");
    if a.rows.is_empty() {
        h.push_str("<p>No clusters found.</p>\n");
    } else {
        h.push_str(
            "<div class=\"scroll\"><table id=\"inventory\" class=\"sortable\">\n<thead><tr>",
        );
        for (label, ty) in [
            ("File", "text"),
            ("Parameters", "text"),
            ("Cluster", "text"),
            ("apiVersion", "text"),
            ("Outbound type", "text"),
            ("Network plugin", "text"),
            ("LB SKU", "text"),
            ("Subnet", "text"),
            ("0.0.0.0/0 route", "text"),
            ("Public IPs", "text"),
            ("Private", "text"),
            ("Findings", "num"),
        ] {
            let _ = write!(
                h,
                "<th data-type=\"{ty}\"><button type=\"button\">{}</button></th>",
                esc(label)
            );
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for (i, r) in a.rows.iter().enumerate() {
            h.push_str(&row_html(i, r));
        }
        h.push_str("</tbody></table></div>\n");
    }

    // Findings by rule.
    h.push_str("<h2>Findings by rule</h2>\n");
    let rules = a.per_rule();
    if rules.is_empty() {
        h.push_str("<p class=\"none\">No findings.</p>\n");
    }
    for r in &rules {
        let _ = writeln!(
            h,
            "<section class=\"rule\" id=\"rule-{}\"><h3><a href=\"{}\">{} {}</a>: {} ({})</h3>",
            esc(&r.rule),
            esc(&crate::report::docs_url(&r.rule)),
            esc(&r.rule),
            esc(&r.slug),
            esc(&r.title),
            r.counts.total()
        );
        for f in a.findings.iter().filter(|f| f.finding.rule == r.rule) {
            let ff = &f.finding;
            let (line, col) = a.line_col(ff, ff.primary);
            let sev = ff.severity.as_str();
            let _ = write!(
                h,
                "<div class=\"finding {sev}\"><span class=\"badge {sev}\">{sev}</span> <span class=\"loc\">{}:{line}:{col}",
                esc(a.rel(ff.primary))
            );
            if let Some(p) = &ff.context {
                let _ = write!(h, " (with {})", esc(p));
            }
            if let Some(row) = f.row.and_then(|i| a.rows.get(i).map(|r| (i, r))) {
                let _ = write!(
                    h,
                    " — cluster <a href=\"#cluster-{}\">{}</a>",
                    row.0,
                    esc(&row.1.name_display())
                );
            }
            h.push_str("</span>");
            let _ = write!(h, "<div class=\"msg\">{}</div>", esc(&ff.message));
            h.push_str(&excerpt(a, ff));
            if !ff.related.is_empty() {
                h.push_str("<ul class=\"related\">");
                for l in &ff.related {
                    let (rl, _) = a.line_col(ff, l.site);
                    let _ = write!(
                        h,
                        "<li>{}:{rl}: {}</li>",
                        esc(a.rel(l.site)),
                        esc(&l.message)
                    );
                }
                h.push_str("</ul>");
            }
            if let Some(help) = &ff.help {
                let _ = write!(h, "<div class=\"help\">Fix: {}</div>", esc(help));
            }
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }
    let _ = write!(
        h,
        "<footer>Generated by aksgate {} (<code>aksgate audit --format html</code>).</footer>\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
