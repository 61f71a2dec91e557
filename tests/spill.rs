//! Findings past the memory budget go to a temporary file and are merged back: every
//! report must be the same whatever the budget, and a spill that cannot be written is
//! a tool error, never a pass.
mod common;
use common::*;
use std::fs;
use std::path::Path;

const FORMATS: [&str; 6] = ["human", "json", "sarif", "github", "azure", "junit"];

/// (exit code, stdout, stderr) of `check` with the findings' budget set to `budget`.
fn check(path: &Path, format: &str, budget: Option<&str>, extra: &[&str]) -> (i32, String, String) {
    let mut c = bin();
    c.env("AKSGATE_TODAY", "2026-11-26");
    if let Some(b) = budget {
        c.env("AKSGATE_SPILL_BYTES", b);
    }
    c.args(["check", "--format", format, path.to_str().unwrap()]);
    c.args(extra);
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn same_whatever_the_budget(path: &Path, extra: &[&str]) {
    for format in FORMATS {
        let (code, out, _) = check(path, format, None, extra);
        assert!(!out.is_empty());
        // 0: every finding is its own sorted run; 2000: a few findings a run.
        for budget in ["0", "2000"] {
            let (c, o, e) = check(path, format, Some(budget), extra);
            assert_eq!(c, code, "{format}, budget {budget}: {e}");
            assert!(o == out, "{format}, budget {budget}: the report differs");
        }
    }
}

#[test]
fn the_corpus_reports_the_same_from_disk() {
    let Some(corpus) = corpus() else { return };
    // Enough findings that a small budget makes many runs.
    let (_, doc) = check_json(&[corpus.to_str().unwrap()]);
    assert!(findings(&doc).len() > 50);
    same_whatever_the_budget(&corpus, &[]);
}

/// Suppressions are settled as the findings stream past: which one a finding takes,
/// and which matched nothing, must not depend on where the findings were.
#[test]
fn suppressions_settle_the_same_from_disk() {
    let pip = public_ip_template;
    let meta = r#", "metadata": {"aksgate": {"suppress": [{"rule": "AKS007", "reason": "shared ingress IP"}]}}"#;
    let files = [
        ("a/pip.json", pip("", "")),
        ("b/pip.json", pip("// aksgate-ignore AKS007: known", "")),
        ("c/pip.json", pip("", meta)),
        ("d/pip.json", pip("// aksgate-ignore AKS007", "")),
        ("e/pip.json", pip("// aksgate-ignore AKS003: unused", "")),
        ("f/pip.json", pip("", "")),
        (
            ".aksgate.toml",
            "[[suppress]]\nrule = \"AKS007\"\npath = \"a/**\"\nreason = \"approved\"\n\n\
             [[suppress]]\nrule = \"AKS007\"\npath = \"f/**\"\nreason = \"until then\"\nexpires = \"2026-01-31\"\n\n\
             [[suppress]]\nrule = \"AKS003\"\nreason = \"nothing\"\n"
                .to_string(),
        ),
    ];
    let t = tempfile::tempdir().unwrap();
    for (name, text) in &files {
        let p = t.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    let (_, out, _) = check(t.path(), "json", None, &[]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let summary = &doc["summary"];
    // a (config), b (comment), c (metadata) suppressed; d, e, f not; four AKS902s.
    assert_eq!(summary["suppressed"], 3, "{out}");
    assert_eq!(summary["errors"], 1 + 3, "{out}");
    assert_eq!(summary["warnings"], 3, "{out}");
    same_whatever_the_budget(t.path(), &[]);
    same_whatever_the_budget(t.path(), &["--strict", "--severity", "AKS007=warning"]);
}

#[test]
fn a_spill_that_cannot_be_written_is_a_tool_error() {
    let Some(corpus) = corpus() else { return };
    let mut c = bin();
    c.env("AKSGATE_SPILL_BYTES", "0")
        .env("TMPDIR", "/nonexistent/aksgate-test")
        .args(["check", "--format", "json", corpus.to_str().unwrap()]);
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "no report is written");
    assert!(
        stderr.contains("cannot sort the findings")
            && stderr.contains("cannot create a temporary file in /nonexistent/aksgate-test"),
        "{stderr}"
    );
}
