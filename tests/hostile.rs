//! Hostile repositories: every case ends with no panic, no hang, a clear diagnostic, and
//! the other files of the scan still evaluated and reported (the canary's AKS007).
mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// A file with one public IP: its AKS007 must survive whatever else the scan meets.
fn canary(dir: &Path) {
    fs::write(
        dir.join("canary.json"),
        format!(r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [{{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "canary"}}]}}"#),
    )
    .unwrap();
}

/// Scans `dir` with a time bound; returns the findings and stderr.
fn scan(dir: &Path, extra: &[&str]) -> (i32, Vec<Value>, String) {
    let start = Instant::now();
    let mut c = bin();
    c.arg("check")
        .arg("--format")
        .arg("json")
        .arg(dir)
        .args(extra);
    let out = c.output().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out.status.code().unwrap(), findings(&doc), stderr)
}

fn has(f: &[Value], rule: &str, file: &str) -> Option<Value> {
    f.iter()
        .find(|x| x["rule"] == rule && x["file"] == file)
        .cloned()
}

fn assert_canary(f: &[Value]) {
    assert!(
        has(f, "AKS007", "canary.json").is_some(),
        "the other files were not evaluated: {f:#?}"
    );
}

fn case(name: &str, content: &[u8]) -> (tempfile::TempDir, Vec<Value>) {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    fs::write(t.path().join(name), content).unwrap();
    let (code, f, _) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    assert_canary(&f);
    (t, f)
}

#[test]
fn empty_file_is_skipped_and_listed() {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    fs::write(t.path().join("empty.json"), "").unwrap();
    let (code, f, stderr) = scan(t.path(), &["--show-skipped"]);
    assert_eq!(code, 1);
    assert_canary(&f);
    assert!(stderr.contains("skipped empty.json"), "{stderr}");
}

#[test]
fn truncated_template_is_aks901_at_the_end() {
    let full = format!(
        r#"{{"$schema": "{SCHEMA}", "resources": [{{"type": "Microsoft.Network/publicIPAddresses""#
    );
    let (_, f) = case("cut.json", full.as_bytes());
    let x = has(&f, "AKS901", "cut.json").expect("AKS901");
    assert!(
        x["message"].as_str().unwrap().contains("invalid JSON"),
        "{x}"
    );
}

#[test]
fn invalid_utf8_in_a_deployment_file_is_aks901() {
    let mut bytes = format!(r#"{{"$schema": "{SCHEMA}", "resources": [], "x": ""#).into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe, 0x80]);
    bytes.extend_from_slice(b"\"}");
    let (_, f) = case("bad-utf8.json", &bytes);
    let x = has(&f, "AKS901", "bad-utf8.json").expect("AKS901");
    assert!(x["message"].as_str().unwrap().contains("decode"), "{x}");
}

#[test]
fn utf16_with_bom_is_decoded_and_checked() {
    let text = format!(
        r#"{{"$schema": "{SCHEMA}", "resources": [{{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "wide"}}]}}"#
    );
    let mut bytes = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let (_, f) = case("utf16.json", &bytes);
    let x = has(&f, "AKS007", "utf16.json").expect("the UTF-16 template is checked");
    assert!(x["message"].as_str().unwrap().contains("wide"));
}

#[test]
fn nesting_100000_levels_is_aks901_not_a_stack_overflow() {
    let deep = format!(
        r#"{{"$schema": "{SCHEMA}", "resources": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (_, f) = case("deep.json", deep.as_bytes());
    let x = has(&f, "AKS901", "deep.json").expect("AKS901");
    assert!(x["message"].as_str().unwrap().contains("nesting"), "{x}");
}

#[test]
fn a_200_mb_file_is_refused_by_size_without_reading_it() {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    let big = fs::File::create(t.path().join("huge.json")).unwrap();
    big.set_len(200 * 1024 * 1024).unwrap(); // sparse: no 200 MB written to disk
    let (code, f, _) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    assert_canary(&f);
    let x = has(&f, "AKS901", "huge.json").expect("AKS901");
    assert!(
        x["message"]
            .as_str()
            .unwrap()
            .contains("over the 64 MB limit"),
        "{x}"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_and_symlink_out_of_the_root_are_skipped_with_a_reason() {
    let t = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    canary(t.path());
    fs::write(outside.path().join("secret.json"), format!(r#"{{"$schema": "{SCHEMA}", "resources": [{{"type": "Microsoft.Network/publicIPAddresses", "name": "secret"}}]}}"#)).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.json"),
        t.path().join("escape.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(t.path(), t.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("self.json", t.path().join("self.json")).unwrap();
    let (code, f, stderr) = scan(t.path(), &["--show-skipped"]);
    assert_eq!(code, 1);
    assert_canary(&f);
    assert!(
        !f.iter()
            .any(|x| x["message"].as_str().unwrap().contains("secret")),
        "followed a symlink out of the root"
    );
    assert!(
        stderr.contains("escape.json: symlink pointing outside the scanned root"),
        "{stderr}"
    );
    assert!(stderr.contains("self.json"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn fifo_is_never_opened() {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    let fifo = t.path().join("pipe.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let (code, f, stderr) = scan(t.path(), &["--show-skipped"]);
    assert_eq!(code, 1);
    assert_canary(&f);
    assert!(stderr.contains("pipe.json: not a regular file"), "{stderr}");
}

#[test]
fn unreadable_file_is_reported_not_skipped() {
    // Permission bits do not stop root (CI runs as root), so a file that vanishes
    // between discovery and reading stands in for "cannot read": a directory named
    // *.json cannot be read as a file.
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let p = t.path().join("locked.json");
        fs::write(&p, "{}").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
        let (code, f, _) = scan(t.path(), &[]);
        assert_eq!(code, 1);
        assert_canary(&f);
        let root = unsafe_is_root();
        if !root {
            let x = has(&f, "AKS901", "locked.json").expect("AKS901 for an unreadable file");
            assert!(
                x["message"].as_str().unwrap().contains("cannot read"),
                "{x}"
            );
        }
    }
}

#[cfg(unix)]
fn unsafe_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

#[test]
fn copy_loop_of_a_million_is_refused_with_arms_limit() {
    let tpl = format!(
        r#"{{"$schema": "{SCHEMA}", "resources": [{{"type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01", "name": "[concat('rt', copyIndex())]", "copy": {{"name": "many", "count": 1000000}}}}]}}"#
    );
    let (_, f) = case("million.json", tpl.as_bytes());
    let x = has(&f, "AKS901", "million.json").expect("AKS901");
    assert!(
        x["message"]
            .as_str()
            .unwrap()
            .contains("ARM allows 0 to 800"),
        "{x}"
    );
}

#[test]
fn expression_nested_10000_calls_deep_is_unknown_not_a_crash() {
    let expr = format!(
        "[{}'kubenet'{}]",
        "string(".repeat(10_000),
        ")".repeat(10_000)
    );
    let tpl = format!(
        r#"{{"$schema": "{SCHEMA}", "resources": [{{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2023-05-01", "name": "aks",
          "properties": {{"agentPoolProfiles": [{{"name": "a", "vnetSubnetID": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}}],
          "networkProfile": {{"outboundType": "userDefinedRouting", "networkPlugin": "{expr}"}}}}}}]}}"#
    );
    let (_, f) = case("deep-expr.json", tpl.as_bytes());
    let x = f
        .iter()
        .find(|x| x["file"] == "deep-expr.json" && x["about"] == "AKS003")
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(x["rule"], "AKS900");
    assert!(
        x["message"]
            .as_str()
            .unwrap()
            .contains("invalid expression"),
        "{x}"
    );
}

#[test]
fn templates_linking_themselves_or_each_other_are_cycles() {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    let link = |target: &str| {
        format!(
            r#"{{"$schema": "{SCHEMA}", "resources": [{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
              "properties": {{"mode": "Incremental", "templateLink": {{"relativePath": "{target}"}}}}}}]}}"#
        )
    };
    fs::write(t.path().join("self.json"), link("self.json")).unwrap();
    fs::write(t.path().join("a.json"), link("b.json")).unwrap();
    fs::write(t.path().join("b.json"), link("a.json")).unwrap();
    let (code, f, _) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    assert_canary(&f);
    for file in ["self.json", "a.json", "b.json"] {
        let x =
            has(&f, "AKS901", file).unwrap_or_else(|| panic!("no cycle finding in {file}: {f:#?}"));
        assert!(x["message"].as_str().unwrap().contains("cycle"), "{x}");
    }
}

fn policy_dir(rego: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("user.rego"), rego).unwrap();
    d
}

#[test]
fn a_runaway_policy_is_stopped_and_named() {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    let pol = policy_dir(
        "package runaway\n\nimport rego.v1\n\nmetadata := {\"id\": \"ORG900\", \"slug\": \"x\", \"title\": \"x\", \"severity\": \"error\", \"description\": \"x\"}\n\ndeny contains {\"rule\": \"ORG900\", \"msg\": \"x\", \"resource\": 0, \"path\": []} if {\n  n := count([1 | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); i != j])\n  n < 0\n}\n",
    );
    let start = Instant::now();
    let r = run(
        &[
            "check",
            "--policy-timeout",
            "300",
            "--policy",
            pol.path().to_str().unwrap(),
            t.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("runaway"), "{}", r.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn an_oversized_policy_file_is_refused_and_named() {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    // 2 MB of comments around a valid policy: over the 1 MB limit, refused before parsing.
    let filler =
        "# padding padding padding padding padding padding padding padding\n".repeat(32 * 1024);
    let pol = policy_dir(&format!("package big\n\nimport rego.v1\n{filler}x := 1\n"));
    let r = run(
        &[
            "check",
            "--policy",
            pol.path().to_str().unwrap(),
            t.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("user.rego") && r.stderr.contains("1024 KB limit"),
        "{}",
        r.stderr
    );
}

#[test]
fn policies_cannot_reach_the_network_the_environment_or_the_clock() {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    for call in [
        "http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:9\"})",
        "opa.runtime()",
        "time.now_ns()",
    ] {
        let pol = policy_dir(&format!(
            "package leak\n\nimport rego.v1\n\nmetadata := {{\"id\": \"ORG902\", \"slug\": \"x\", \"title\": \"x\", \"severity\": \"error\", \"description\": \"x\"}}\n\ndeny contains {{\"rule\": \"ORG902\", \"msg\": sprintf(\"%v\", [x]), \"resource\": 0, \"path\": []}} if {{\n  x := {call}\n}}\n"
        ));
        let r = run(
            &[
                "check",
                "--policy",
                pol.path().to_str().unwrap(),
                t.path().to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(r.code, 2, "{call} was allowed: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("leak") || r.stderr.contains("user.rego"),
            "{call}: {}",
            r.stderr
        );
    }
}

#[test]
fn control_characters_in_messages_cannot_forge_terminal_output() {
    let t = tempfile::tempdir().unwrap();
    canary(t.path());
    let pol = policy_dir(
        "package forge\n\nimport rego.v1\n\nmetadata := {\"id\": \"ORG901\", \"slug\": \"x\", \"title\": \"x\", \"severity\": \"warning\", \"description\": \"x\"}\n\ndeny contains {\"rule\": \"ORG901\", \"msg\": \"evil\\u001b[31mRED\\rOVERWRITE\\u0007\", \"resource\": 0, \"path\": []} if { true }\n",
    );
    let r = run(
        &[
            "check",
            "--policy",
            pol.path().to_str().unwrap(),
            t.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(r.stdout.contains("evil"), "{}", r.stdout);
    assert!(
        !r.stdout.contains('\u{1b}') && !r.stdout.contains('\r') && !r.stdout.contains('\u{7}'),
        "{:?}",
        r.stdout
    );
}
