//! `aksgate init`: a commented starter `.aksgate.toml` and, with `--ci`, the pipeline
//! file for that CI. It never overwrites: when a file it would write exists, it writes
//! nothing and exits 2 naming it.

use crate::cli::{error, Exit};
use std::path::{Path, PathBuf};

/// The starter configuration: every key with its default, the rest commented out.
pub const CONFIG: &str = include_str!("init/aksgate.toml");
/// `.github/workflows/aksgate.yml`: the action in this repository, SARIF upload.
pub const GITHUB: &str = include_str!("init/github.yml");
/// `.azure-pipelines/aksgate.yml`: the template `ci/azure-pipelines/aksgate.yml`.
pub const AZURE: &str = include_str!("init/azure.yml");
/// `.gitlab-ci.yml`: install once (cached), JUnit report.
pub const GITLAB: &str = include_str!("init/gitlab.yml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ci {
    /// GitHub Actions: `.github/workflows/aksgate.yml`.
    Github,
    /// Azure Pipelines: `.azure-pipelines/aksgate.yml`.
    Azure,
    /// GitLab CI: `.gitlab-ci.yml`.
    Gitlab,
}

/// The files `init` writes for `ci`, relative to the target directory.
pub fn files(ci: Option<Ci>) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![(crate::config::DEFAULT_NAME, CONFIG)];
    match ci {
        Some(Ci::Github) => out.push((".github/workflows/aksgate.yml", GITHUB)),
        Some(Ci::Azure) => out.push((".azure-pipelines/aksgate.yml", AZURE)),
        Some(Ci::Gitlab) => out.push((".gitlab-ci.yml", GITLAB)),
        None => {}
    }
    out
}

pub fn run(dir: &Path, ci: Option<Ci>) -> Exit {
    if !dir.is_dir() {
        return error(format!("{} is not a directory", dir.display()));
    }
    let files = files(ci);
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .collect();
    if !existing.is_empty() {
        let names: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        return error(format!(
            "{} already exist{}; init never overwrites, so nothing was written (remove \
             or rename {}, or merge by hand: the README shows each file)",
            names.join(", "),
            if names.len() == 1 { "s" } else { "" },
            if names.len() == 1 { "it" } else { "them" },
        ));
    }
    let mut out = String::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                return error(format!("cannot create {}: {e}", parent.display()));
            }
        }
        // create_new: a file that appeared since the check is still not overwritten.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
        if let Err(e) = written {
            return error(format!("cannot write {}: {e}", path.display()));
        }
        out.push_str(&format!("wrote {}\n", path.display()));
    }
    out.push_str("next: `aksgate check` (exit 0 clean, 1 findings, 2 tool error)\n");
    crate::cli::emit(&out, Exit::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_configuration_parses_with_the_real_loader() {
        let c = crate::config::Config::parse(CONFIG, Path::new(".aksgate.toml"))
            .unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!(
            c.fail_on.as_ref().map(|f| f.get_ref().as_str()),
            Some("error")
        );
        assert_eq!(c.strict, Some(false));
        assert_eq!(c.policy_timeout_ms, Some(10000));
        assert_eq!(c.allow_documented_migrations, Some(false));
        assert_eq!(c.external_network, Some(false));
    }

    /// The commented examples are valid too: uncommented, they parse.
    #[test]
    fn the_starter_configuration_examples_parse_uncommented() {
        let uncommented: String = CONFIG
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        }) =>
                {
                    rest
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let c = crate::config::Config::parse(&uncommented, Path::new(".aksgate.toml"))
            .unwrap_or_else(|e| panic!("{}\n{uncommented}", e.message));
        assert_eq!(c.exclude.len(), 1);
        assert_eq!(c.policies, ["policy/org"]);
        assert_eq!(c.rules.len(), 1);
        assert_eq!(c.pair.len(), 1);
        assert_eq!(c.suppress.len(), 1);
    }
}
