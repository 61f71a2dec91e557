//! Renderers, one per output format. Line and column numbers are computed here and
//! nowhere earlier.

pub mod azure;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use crate::finding::{Finding, Severity};
use crate::scan::Stats;
use crate::source::{Site, Sources};
use std::path::{Path, PathBuf};

/// Everything a renderer needs.
pub struct Report<'a> {
    pub sources: &'a Sources,
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    /// Every rule that could fire (built-in and user), for formats that list them (SARIF).
    pub rules: &'a [crate::engine::RuleMeta],
    /// Where the CI formats (SARIF, GitHub, Azure, JUnit) say the files are.
    pub base: &'a Base,
    /// The lowest severity that fails the gate (JUnit marks those findings as failures).
    pub fail_on: Severity,
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
    pub fn of(sources: &Sources, site: Site) -> Region {
        let (line, column) = sources.line_col(site);
        let (end_line, end_column) = sources.line_col(Site {
            start: site.end.max(site.start),
            ..site
        });
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
        None => f.message.clone(),
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

/// Removes what could forge terminal output: ANSI escape introducers and other control
/// characters except newline and tab (messages come from files and policies).
pub fn sanitize_terminal(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
