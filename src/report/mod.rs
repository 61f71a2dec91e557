//! Renderers, one per output format. Line and column numbers are computed here and
//! nowhere earlier.

pub mod azure;
pub(crate) mod excerpt;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod safe;
pub mod sarif;

use crate::finding::{Finding, Severity};
use crate::scan::Stats;
use crate::source::{Site, Sources};
use std::path::{Path, PathBuf};

/// What a renderer writes, as a string (for tests and library users).
pub fn in_memory(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("reports are UTF-8 text")
}

/// Everything a renderer needs.
pub struct Report<'a> {
    pub sources: &'a Sources,
    /// Sorted and settled; [`Report::iter`] reads them.
    pub findings: &'a crate::spill::Findings,
    pub stats: &'a Stats,
    /// Every rule that could fire (built-in and user), for formats that list them (SARIF).
    pub rules: &'a [crate::engine::RuleMeta],
    /// Where the CI formats (SARIF, GitHub, Azure, JUnit) say the files are.
    pub base: &'a Base,
    /// The lowest severity that fails the gate (JUnit marks those findings as failures).
    pub fail_on: Severity,
}

impl Report<'_> {
    /// The findings in report order, read anew at each call.
    pub fn iter(&self) -> crate::spill::Iter<'_> {
        self.findings.iter(self.sources)
    }
}

/// How the CI formats name files: relative to the directory aksgate runs in (the
/// repository root in a pipeline), so annotations land on the right file when a
/// subdirectory is scanned. File paths in the human and JSON formats stay relative to
/// the scanned root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Base {
    /// Prepended to a file's root-relative path (`infra/` for `aksgate check infra`);
    /// empty, or ending in `/`.
    pub prefix: String,
    /// The absolute directory the prefixed paths are relative to (SARIF `%SRCROOT%`).
    pub srcroot: Option<PathBuf>,
}

impl Base {
    /// The base for a scan of `paths` run from `cwd`. With one path, its files are
    /// reported relative to that path, so the path (made relative to `cwd` when it is
    /// inside it) becomes the prefix; with several, reported paths already carry them.
    pub fn for_scan(paths: &[PathBuf], cwd: Option<&Path>) -> Base {
        let srcroot = cwd.map(Path::to_path_buf);
        let [p] = paths else {
            return Base {
                prefix: String::new(),
                srcroot,
            };
        };
        let dir = if p.is_file() {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            p.clone()
        };
        if dir.is_absolute() {
            match cwd.and_then(|c| dir.strip_prefix(c).ok()) {
                Some(rel) => Base {
                    prefix: prefix_of(rel),
                    srcroot,
                },
                None => Base {
                    prefix: String::new(),
                    srcroot: Some(dir),
                },
            }
        } else {
            Base {
                prefix: prefix_of(&dir),
                srcroot,
            }
        }
    }

    /// A file's path as the CI formats print it.
    pub fn path(&self, sources: &Sources, file: usize) -> String {
        format!("{}{}", self.prefix, sources.get(file).rel)
    }
}

/// `a/b/` for `./a/b`, empty for `.` or an empty path.
fn prefix_of(dir: &Path) -> String {
    let parts: Vec<String> = dir
        .components()
        .filter_map(|c| match c {
            std::path::Component::CurDir => None,
            c => Some(c.as_os_str().to_string_lossy().into_owned()),
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    }
}

/// A site as 1-based lines and columns (columns count characters; the end is the
/// position just after the last character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Region {
    /// The region of `site`, one of `f`'s sites (whose places it reads first).
    pub fn of(sources: &Sources, f: &Finding, site: Site) -> Region {
        let (line, column) = f.line_col(sources, site);
        let (end_line, end_column) = f.line_col(
            sources,
            Site {
                start: site.end.max(site.start),
                ..site
            },
        );
        Region {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// The message of a finding with the parameter file it holds for, as every one-line
/// format prints it.
pub fn full_message(f: &Finding) -> String {
    match &f.context {
        Some(ctx) => format!("{} [with {ctx}]", f.message),
        None => f.message.to_string(),
    }
}

/// FNV-1a, 64 bits: a small stable hash (the same on every platform and release, unlike
/// `std`'s hasher) for fingerprints.
pub fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A separator that cannot occur in the parts, so ("ab", "c") != ("a", "bc").
            h ^= 0xff;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for b in part.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Where the rule documentation lives online; `aksgate explain` prints the same pages.
pub const DOCS_BASE: &str = "https://github.com/aksgate/aksgate/blob/main/docs/rules";

pub fn docs_url(rule: &str) -> String {
    format!("{DOCS_BASE}/{rule}.md")
}

/// Replaces each character that `table` lists by its escape: the CI logging-command
/// formats differ only in their tables.
pub fn escape_with(s: &str, table: &[(char, &str)]) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match table.iter().find(|(k, _)| *k == c) {
            Some((_, esc)) => out.push_str(esc),
            None => out.push(c),
        }
    }
    out
}

/// Writes a report to `path` as a whole or not at all: into a temporary file beside
/// it, renamed over `path` once complete. A run killed mid-write, a full disk, or two
/// runs writing the same file never leave a truncated report that a later step would
/// read as the verdict. A path that exists and is not a regular file (`/dev/stdout`, a
/// pipe) is written directly.
pub fn write_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let mut w = std::io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
        write(&mut w)?;
        return w.flush();
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".aksgate-report-")
        .tempfile_in(dir)?;
    let mut w = std::io::BufWriter::new(tmp);
    write(&mut w)?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A hand-made report for the renderers' unit tests: one file with an error, a
/// warning suppressed in configuration, a note suppressed in the template, and a clean
/// second file.
#[cfg(test)]
pub(crate) mod sample {
    use super::*;
    use crate::engine::RuleMeta;
    use crate::finding::{Label, Suppression};

    pub struct Sample {
        pub sources: Sources,
        pub findings: crate::spill::Findings,
        pub stats: Stats,
        pub rules: Vec<RuleMeta>,
        pub base: Base,
    }

    impl Sample {
        pub fn report(&self) -> Report<'_> {
            Report {
                sources: &self.sources,
                findings: &self.findings,
                stats: &self.stats,
                rules: &self.rules,
                base: &self.base,
                fail_on: Severity::Error,
            }
        }
    }

    fn rule(id: &str, slug: &str, severity: Severity) -> RuleMeta {
        RuleMeta {
            id: id.into(),
            slug: slug.into(),
            title: format!("{slug} title"),
            severity,
            description: format!("{slug} description"),
            docs: None,
            package: format!("test.{slug}"),
            builtin: false,
        }
    }

    fn finding(
        rule: &str,
        severity: Severity,
        site: Site,
        suppression: Option<(&'static str, &str)>,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            slug: rule.to_ascii_lowercase().into(),
            severity,
            message: format!("{rule} message").into(),
            primary: site,
            primary_label: "here".into(),
            related: vec![],
            help: None,
            docs: None,
            about: None,
            context: None,
            suppression: suppression.map(|(kind, reason)| Suppression {
                kind,
                reason: reason.into(),
            }),
            resource: None,
            places: Vec::new(),
        }
    }

    pub fn sample() -> Sample {
        let mut sources = Sources::default();
        let text = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n";
        let f = sources.add("infra/aks.json".into(), text.into());
        let clean = sources.add("infra/net.json".into(), "{}\n".into());
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            Site {
                file: f,
                start,
                end: start + needle.len(),
            }
        };
        let mut error = finding("ORG001", Severity::Error, at("1"), None);
        error.related.push(Label {
            site: at("\"b\""),
            message: "b is here".into(),
        });
        let findings = vec![
            error,
            finding(
                "ORG002",
                Severity::Warning,
                at("2"),
                Some(("config", "accepted until the migration")),
            ),
            finding(
                "ORG003",
                Severity::Note,
                at("3"),
                Some(("comment", "known")),
            ),
        ];
        let stats = Stats {
            files_examined: 2,
            examined: vec![f, clean],
            ..Stats::default()
        };
        Sample {
            sources,
            findings: crate::spill::Findings::collect(findings.into_iter().map(Box::new).map(Ok))
                .expect("in memory"),
            stats,
            rules: vec![
                rule("ORG001", "org001", Severity::Error),
                rule("ORG002", "org002", Severity::Warning),
                rule("ORG003", "org003", Severity::Note),
            ],
            base: Base {
                prefix: "repo/".into(),
                srcroot: Some("/work".into()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema check of tests/formats.rs, for the suppressions only unit tests make.
    fn assert_valid_sarif(doc: &serde_json::Value) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/sarif-schema-2.1.0.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        // The stray `]` in the `language` patterns (see tests/formats.rs).
        let text = text
            .replace("[a-zA-Z]{2}]?$", "[a-zA-Z]{2})?$")
            .replace("^[a-zA-Z]{2}|^[a-zA-Z]{2}-", "^[a-zA-Z]{2}(-");
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        let v = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn suppressed_findings_in_every_ci_format() {
        let s = sample::sample();
        let r = s.report();

        let sarif: serde_json::Value = serde_json::from_str(&sarif::render(&r)).unwrap();
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 3, "SARIF keeps suppressed findings");
        assert!(results[0].get("suppressions").is_none());
        assert_eq!(
            results[1]["suppressions"],
            serde_json::json!([{"kind": "external", "justification": "accepted until the migration"}])
        );
        assert_eq!(results[2]["suppressions"][0]["kind"], "inSource");
        assert_eq!(results[2]["level"], "note");
        let loc = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "repo/infra/aks.json");
        assert_eq!(
            loc["region"],
            serde_json::json!({"startLine": 2, "startColumn": 8, "endLine": 2, "endColumn": 9})
        );
        assert_eq!(
            sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/"
        );
        assert_valid_sarif(&sarif);

        let gh = github::render(&r);
        let lines: Vec<&str> = gh.lines().collect();
        assert_eq!(lines.len(), 3, "{gh}");
        assert!(lines[0].starts_with(
            "::error file=repo/infra/aks.json,line=2,endLine=2,col=8,endColumn=9,title=ORG001 org001::ORG001 message%0A  related: repo/infra/aks.json:3:3: b is here"
        ), "{gh}");
        assert_eq!(
            lines[1],
            "::notice title=aksgate::2 suppressed finding(s) not annotated (see the SARIF or human output for them)"
        );

        let az = azure::render(&r);
        let lines: Vec<&str> = az.lines().collect();
        assert_eq!(lines.len(), 3, "{az}");
        assert!(lines[0].starts_with(
            "##vso[task.logissue type=error;sourcepath=repo/infra/aks.json;linenumber=2;columnnumber=8;code=ORG001]ORG001 org001: ORG001 message"
        ));
        assert_eq!(
            lines[1],
            "aksgate: not logged as issues: 0 note(s), 2 suppressed finding(s)"
        );

        let xml = junit::render(&r);
        assert!(
            xml.contains(
                r#"<testsuites name="aksgate" tests="4" failures="1" errors="0" skipped="2">"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<testcase classname="repo/infra/aks.json" name="ORG002 org002" time="0">
      <skipped message="1 suppressed finding(s)"/>"#
            ),
            "{xml}"
        );
        assert!(xml.contains("(suppressed by config: accepted until the migration)"));
        assert!(
            xml.contains(r#"<testcase classname="repo/infra/net.json" name="aksgate" time="0"/>"#)
        );
    }

    #[test]
    fn fnv1a_matches_the_reference_values() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(&[""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&["a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(&["foobar"]), 0x8594_4171_f739_67e8);
        assert_ne!(fnv1a64(&["ab", "c"]), fnv1a64(&["a", "bc"]));
    }

    #[test]
    fn base_prefixes_a_relative_scanned_directory() {
        let cwd = Path::new("/repo");
        let b = Base::for_scan(&[PathBuf::from("./infra/aks/")], Some(cwd));
        assert_eq!(b.prefix, "infra/aks/");
        assert_eq!(b.srcroot.as_deref(), Some(cwd));
        assert_eq!(Base::for_scan(&[PathBuf::from(".")], Some(cwd)).prefix, "");
        let abs = Base::for_scan(&[PathBuf::from("/repo/infra")], Some(cwd));
        assert_eq!(abs.prefix, "infra/");
        let outside = Base::for_scan(&[PathBuf::from("/elsewhere/x")], Some(cwd));
        assert_eq!(outside.prefix, "");
        assert_eq!(outside.srcroot.as_deref(), Some(Path::new("/elsewhere/x")));
        let two = Base::for_scan(&[PathBuf::from("a"), PathBuf::from("b")], Some(cwd));
        assert_eq!(two.prefix, "");
    }
}
