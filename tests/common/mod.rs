//! Helpers for tests that run the built binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A wall-clock bound stated for the release binary, as the tests' own build needs it:
/// the debug binary `cargo test` runs evaluates about six times slower, and CI runs
/// the test binaries side by side on two cores. The bound still tells a finished run
/// from a runaway (those took minutes or gigabytes, and the memory caps catch them).
pub fn release_seconds(seconds: u64) -> std::time::Duration {
    let factor = if cfg!(debug_assertions) { 4 } else { 1 };
    std::time::Duration::from_secs(seconds * factor)
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aksgate"));
    c.env("NO_COLOR", "1").env("COLUMNS", "100");
    c
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `shared/<rel>`, the test data kept outside the repository: `../shared` beside the
/// crate (a clone) or two levels up (a worktree). When it is missing, a test that needs
/// it is skipped with a message on stderr, except in CI (`CI=true`), where it fails: CI
/// must never pass without its corpus.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let root = root();
    for base in [root.join("../shared"), root.join("../../shared")] {
        let p = base.join(rel);
        if p.exists() {
            return Some(p);
        }
    }
    let msg = format!(
        "shared test data `shared/{rel}` not found beside {} (clone the shared data next \
         to the repository as `../shared`)",
        root.display()
    );
    if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1") {
        panic!("{msg}; CI=true requires it");
    }
    eprintln!("skipped: {msg}");
    None
}

/// The shared corpus of real deployment files (see [`shared`]).
pub fn corpus() -> Option<PathBuf> {
    shared("corpus/SOURCES.md").map(|p| p.parent().unwrap().to_path_buf())
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str], cwd: Option<&Path>) -> Run {
    let mut c = bin();
    c.args(args);
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().expect("run aksgate");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `check --format json` on the given paths: (exit code, parsed document).
pub fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all, None);
    let doc = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): stdout={} stderr={}", r.stdout, r.stderr));
    (r.code, doc)
}

pub fn findings(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// AKS014's AKS900 notes (an egress path aksgate cannot verify): left out by tests
/// about other rules.
#[allow(dead_code)]
pub fn is_egress_note(f: &serde_json::Value) -> bool {
    f["rule"] == "AKS900" && f["about"] == "AKS014"
}

/// (rule, file, line) of each finding, sorted: what a scan reported, compared whole.
pub fn rule_file_lines(findings: &[serde_json::Value]) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A template with a public IP resource (AKS007) at line 7, with an optional comment
/// line before it and optional metadata on the resource.
pub fn public_ip_template(comment: &str, metadata: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {comment}
    {{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "pip", "location": "westeurope"{metadata}}}
  ]
}}
"#
    )
}

/// `c` with its data segment (heap and private mappings) limited to `bytes`: a run that
/// needs more fails to allocate and aborts, which the test sees as a crash.
pub fn limit_memory(c: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        c.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
