//! The exit-status contract: 0 clean, 1 findings, 2 the tool could not do its job.
mod common;
use common::*;
use std::fs;

const CLEAN: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st", "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
  ]
}"#;

const VIOLATION: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "pip", "location": "westeurope", "sku": {"name": "Standard"}}
  ]
}"#;

#[test]
fn clean_repository_exits_0() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("storage.json"), CLEAN).unwrap();
    let r = run(&["check", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("1 deployment file(s) examined"),
        "{}",
        r.stdout
    );
}

#[test]
fn violation_exits_1() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("pip.json"), VIOLATION).unwrap();
    let r = run(&["check", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("AKS007"), "{}", r.stdout);
}

#[test]
fn warnings_fail_only_when_asked() {
    let t = tempfile::tempdir().unwrap();
    // An unknown value: AKS900 is a warning, an error with --strict.
    fs::write(
        t.path().join("aks.json"),
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"plugin": {"type": "string"}},
  "resources": [{
    "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2023-05-01", "name": "aks",
    "properties": {
      "networkProfile": {"outboundType": "userDefinedRouting", "networkPlugin": "[parameters('plugin')]"},
      "agentPoolProfiles": [{"name": "sys", "vnetSubnetID": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}]
    }
  }]
}"#,
    )
    .unwrap();
    let p = t.path().to_str().unwrap();
    let (code, doc) = check_json(&[p]);
    let rules: Vec<_> = findings(&doc)
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(rules.iter().all(|r| r == "AKS900"), "{rules:?}");
    assert!(!rules.is_empty());
    assert_eq!(code, 0);
    assert_eq!(run(&["check", "--strict", p], None).code, 1);
    assert_eq!(run(&["check", "--fail-on", "warning", p], None).code, 1);
}

#[test]
fn empty_folder_is_a_tool_error() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("package.json"), r#"{"name": "x"}"#).unwrap();
    let r = run(&["check", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no deployment files found"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_path_is_a_tool_error() {
    let r = run(&["check", "/nonexistent/aksgate/path"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot scan"), "{}", r.stderr);
}

/// Files are read while the walk goes on: a missing second path must still stop the
/// scan with the tool error, not report the first path's findings as a result.
#[test]
fn missing_second_path_is_a_tool_error_after_the_first_was_read() {
    let sample = root().join("fixtures/sample");
    let r = run(
        &[
            "check",
            sample.to_str().unwrap(),
            "/nonexistent/aksgate/path",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("/nonexistent/aksgate/path"),
        "{}",
        r.stderr
    );
}

/// Two paths scanned together: findings of both, each file named under its path.
#[test]
fn two_paths_are_scanned_together_each_file_under_its_path() {
    let a = root().join("fixtures/rules/AKS001");
    let b = root().join("fixtures/sample");
    let r = run(
        &[
            "check",
            "--format",
            "json",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        None,
    );
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let files: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().any(|f| f.contains("fixtures/sample/")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.contains("fixtures/rules/AKS001/")),
        "{files:?}"
    );
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "findings are ordered by file");
}

#[test]
fn bad_arguments_are_a_tool_error() {
    assert_eq!(run(&["check", "--format", "yaml"], None).code, 2);
    assert_eq!(run(&["frobnicate"], None).code, 2);
}

#[test]
fn broken_user_policy_is_a_tool_error_naming_the_file() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("storage.json"), CLEAN).unwrap();
    let pol = t.path().join("pol");
    fs::create_dir(&pol).unwrap();
    fs::write(
        pol.join("broken.rego"),
        "package mine\n\ndeny contains f if {\n  f := \n}\n",
    )
    .unwrap();
    let r = run(
        &[
            "check",
            "--policy",
            pol.to_str().unwrap(),
            t.path().join("storage.json").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("broken.rego"), "{}", r.stderr);
}

#[test]
fn policy_runtime_error_is_a_tool_error() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("storage.json"), CLEAN).unwrap();
    let pol = t.path().join("pol");
    fs::create_dir(&pol).unwrap();
    // A result that breaks the contract (no location) must not be dropped silently.
    fs::write(
        pol.join("mine.rego"),
        "package mine\n\nmetadata := {\"id\": \"ORG001\", \"slug\": \"x\", \"title\": \"x\", \"severity\": \"error\", \"description\": \"x\"}\n\ndeny contains {\"rule\": \"ORG001\", \"msg\": \"no location\"} if { true }\n",
    )
    .unwrap();
    let r = run(
        &[
            "check",
            "--policy",
            pol.to_str().unwrap(),
            t.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("mine"), "{}", r.stderr);
}

#[test]
fn rules_lists_every_builtin_rule_and_every_one_is_enforced() {
    let r = run(&["rules"], None);
    assert_eq!(r.code, 0);
    for id in [
        "AKS001", "AKS002", "AKS003", "AKS004", "AKS005", "AKS006", "AKS007", "AKS008", "AKS009",
        "AKS010", "AKS011", "AKS012", "AKS013", "AKS014", "AKS014", "AKS900", "AKS901",
    ] {
        assert!(r.stdout.contains(id), "{id} missing from:\n{}", r.stdout);
    }
    let aks006 = r.stdout.lines().find(|l| l.starts_with("AKS006")).unwrap();
    assert!(!aks006.contains("NOT ENFORCED"), "{aks006}");
}

#[test]
fn explain_prints_the_rule_page_and_rejects_unknown_ids() {
    let r = run(&["explain", "aks003"], None);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("# AKS003 udr-requires-azure-cni"),
        "{}",
        r.stdout
    );
    for section in [
        "## What it checks",
        "## Why it matters",
        "## Example that fails",
        "## How to fix",
        "## Source",
    ] {
        assert!(r.stdout.contains(section), "{section}");
    }
    assert_eq!(run(&["explain", "AKS999"], None).code, 2);
}

/// A reader that goes away (`aksgate check | head`) is a clear tool error in every
/// format, never a panic. The corpus's reports are all larger than a pipe's buffer, so
/// the write fails whether the reader leaves before or after the first bytes.
/// Runs aksgate with `args` and the corpus, its output a pipe closed at once: its exit
/// status and stderr.
fn with_output_closed(args: &[&str]) -> (Option<i32>, String) {
    let mut child = bin()
        .args(args)
        // Without the shared corpus the fixtures give output enough.
        .arg(corpus().unwrap_or_else(|| root().join("fixtures")))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run aksgate");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for aksgate");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_output_pipe_is_a_tool_error_in_every_format() {
    for format in ["human", "json", "sarif", "github", "junit", "azure"] {
        let (code, stderr) = with_output_closed(&["check", "--format", format]);
        assert_eq!(code, Some(2), "{format}: {stderr}");
        assert!(
            stderr.contains("cannot write the report"),
            "{format}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
    }
}

/// `aksgate rules` is a table: the id, slug and severity columns line up.
#[test]
fn the_rules_table_lines_up() {
    let r = run(&["rules"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in r.stdout.lines() {
        let b = line.as_bytes();
        assert!(b.len() > 51, "{line}");
        assert!(b[8] == b' ' && b[9] != b' ', "slug column: {line}");
        assert!(b[41] == b' ' && b[42] != b' ', "severity column: {line}");
    }
}

/// `aksgate input` prints a document per deployment, and names on stderr each file it
/// could not load (so has no document for) rather than leaving it out silently; a
/// closed output is a tool error.
#[test]
fn input_names_the_files_it_has_no_document_for() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("clean.json"), CLEAN).unwrap();
    fs::write(d.path().join("truncated.json"), &CLEAN[..CLEAN.len() / 2]).unwrap();
    let r = run(&["input", d.path().to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let docs: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(docs.as_array().map(Vec::len), Some(1), "{docs}");
    assert!(
        r.stderr
            .starts_with("aksgate: warning: no input document for truncated.json:"),
        "{}",
        r.stderr
    );

    let (code, stderr) = with_output_closed(&["input"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write the input documents"),
        "{stderr}"
    );
}
