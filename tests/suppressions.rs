//! Rule settings and suppressions: configuration, resource metadata, comments, expiry,
//! unused waivers, missing reasons, `--no-suppress`, and configuration errors.
mod common;
use common::*;
use serde_json::Value;
use std::fs;

fn template(comment: &str, metadata: &str) -> String {
    public_ip_template(comment, metadata)
}

fn repo(files: &[(&str, String)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = t.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    t
}

fn check(t: &tempfile::TempDir, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args = vec![t.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, doc) = check_json(&args);
    (code, findings(&doc))
}

fn rules(f: &[Value]) -> Vec<String> {
    f.iter()
        .map(|x| {
            let s = if x["suppressed"].is_object() {
                " (suppressed)"
            } else {
                ""
            };
            format!("{}{s}", x["rule"].as_str().unwrap())
        })
        .collect()
}

#[test]
fn unsuppressed_public_ip_fails() {
    let t = repo(&[("infra/pip.json", template("", ""))]);
    let (code, f) = check(&t, &[]);
    assert_eq!((code, rules(&f)), (1, vec!["AKS007".to_string()]));
}

#[test]
fn config_suppression_by_path_keeps_the_finding_visible_and_passes() {
    let cfg =
        "[[suppress]]\nrule = \"AKS007\"\npath = \"infra/**\"\nreason = \"approved egress\"\n"
            .to_string();
    let t = repo(&[("infra/pip.json", template("", "")), (".aksgate.toml", cfg)]);
    let (code, f) = check(&t, &[]);
    assert_eq!(
        (code, rules(&f)),
        (0, vec!["AKS007 (suppressed)".to_string()])
    );
    assert_eq!(f[0]["suppressed"]["kind"], "config");
    assert_eq!(f[0]["suppressed"]["reason"], "approved egress");
    // --no-suppress shows and gates everything.
    let (code, f) = check(&t, &["--no-suppress"]);
    assert_eq!((code, rules(&f)), (1, vec!["AKS007".to_string()]));
    // The human format lists the suppressed finding.
    let r = run(&["check", t.path().to_str().unwrap()], None);
    assert!(
        r.stdout.contains("suppressed (config) AKS007"),
        "{}",
        r.stdout
    );
}

#[test]
fn expired_and_unused_config_suppressions_are_reported() {
    let cfg = "[[suppress]]\nrule = \"AKS007\"\nreason = \"until the migration\"\nexpires = \"2026-01-31\"\n\n[[suppress]]\nrule = \"AKS003\"\nreason = \"nothing to see\"\n".to_string();
    let t = repo(&[("pip.json", template("", "")), (".aksgate.toml", cfg)]);
    let mut c = bin();
    c.env("AKSGATE_TODAY", "2026-11-26").args([
        "check",
        "--format",
        "json",
        t.path().to_str().unwrap(),
    ]);
    let out = c.output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&doc);
    let mut got = rules(&f);
    got.sort();
    assert_eq!(got, vec!["AKS007", "AKS902", "AKS902"], "{f:#?}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the expired suppression no longer suppresses"
    );
    let msgs: Vec<&str> = f
        .iter()
        .filter(|x| x["rule"] == "AKS902")
        .map(|x| x["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains("expired on 2026-01-31")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("AKS003 matched no finding")),
        "{msgs:?}"
    );
    // Both point into the configuration file.
    assert!(f
        .iter()
        .filter(|x| x["rule"] == "AKS902")
        .all(|x| x["file"].as_str().unwrap().ends_with(".aksgate.toml")));
}

#[test]
fn metadata_suppression_covers_its_resource() {
    let meta = r#", "metadata": {"aksgate": {"suppress": [{"rule": "AKS007", "reason": "shared ingress IP"}]}}"#;
    let t = repo(&[("pip.json", template("", meta))]);
    let (code, f) = check(&t, &[]);
    assert_eq!(
        (code, rules(&f)),
        (0, vec!["AKS007 (suppressed)".to_string()])
    );
    assert_eq!(f[0]["suppressed"]["kind"], "metadata");
}

#[test]
fn comment_suppression_covers_the_next_line() {
    let t = repo(&[(
        "pip.json",
        template("// aksgate-ignore AKS007: shared ingress IP", ""),
    )]);
    let (code, f) = check(&t, &[]);
    assert_eq!(
        (code, rules(&f)),
        (0, vec!["AKS007 (suppressed)".to_string()])
    );
    assert_eq!(f[0]["suppressed"]["kind"], "comment");
}

#[test]
fn suppression_without_reason_is_an_error_and_not_applied() {
    let t = repo(&[("pip.json", template("// aksgate-ignore AKS007", ""))]);
    let (code, f) = check(&t, &[]);
    let mut got = rules(&f);
    got.sort();
    assert_eq!(
        (code, got),
        (1, vec!["AKS007".to_string(), "AKS902".to_string()])
    );
    let aks902 = f.iter().find(|x| x["rule"] == "AKS902").unwrap();
    assert_eq!(aks902["severity"], "error");
    assert_eq!(aks902["line"], 5);
}

#[test]
fn unused_inline_suppression_is_reported() {
    let t = repo(&[(
        "pip.json",
        template("// aksgate-ignore AKS003: not relevant", ""),
    )]);
    let (_, f) = check(&t, &[]);
    let mut got = rules(&f);
    got.sort();
    assert_eq!(got, vec!["AKS007", "AKS902"]);
}

#[test]
fn rule_settings_from_configuration_and_command_line() {
    let t = repo(&[
        ("pip.json", template("", "")),
        (".aksgate.toml", "allow_public_ips = true\n".into()),
    ]);
    assert_eq!(check(&t, &[]), (0, vec![]));
    // The command line overrides the configuration.
    let (code, f) = check(&t, &["--enable", "AKS007", "--severity", "AKS007=warning"]);
    assert_eq!(code, 0);
    assert_eq!(f[0]["severity"], "warning");
    let (code, _) = check(
        &t,
        &[
            "--enable",
            "AKS007",
            "--severity",
            "AKS007=warning",
            "--fail-on",
            "warning",
        ],
    );
    assert_eq!(code, 1);
    let t2 = repo(&[("pip.json", template("", ""))]);
    assert_eq!(check(&t2, &["--disable", "aks007"]), (0, vec![]));
    let r = run(
        &["check", "--disable", "AKS999", t2.path().to_str().unwrap()],
        None,
    );
    assert_eq!(r.code, 2);
}

fn config_error(cfg: &str) -> String {
    let t = repo(&[
        ("pip.json", template("", "")),
        (".aksgate.toml", cfg.to_string()),
    ]);
    let r = run(
        &["check", "pip.json", "--config", ".aksgate.toml"],
        Some(t.path()),
    );
    format!("exit: {}\n{}", r.code, r.stderr)
}

#[test]
fn configuration_errors_point_into_the_toml() {
    insta::assert_snapshot!(
        "config_unknown_key",
        config_error("fail_on = \"error\"\nstrictly = true\n")
    );
    insta::assert_snapshot!("config_wrong_type", config_error("exclude = \"infra\"\n"));
    insta::assert_snapshot!(
        "config_unknown_rule",
        config_error("[rules]\nAKS042 = \"off\"\n")
    );
    insta::assert_snapshot!(
        "config_missing_reason",
        config_error("[[suppress]]\nrule = \"AKS007\"\nreason = \"\"\n")
    );
}
