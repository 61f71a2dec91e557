//! The CI output formats: one snapshot matrix over every format on the same fixture
//! repository (fixtures/formats), SARIF validated against the SARIF 2.1.0 JSON schema,
//! JUnit parsed back, and the escaping of the workflow/logging command formats.
mod common;
use common::*;
use std::path::Path;

const FORMATS: &[&str] = &["human", "json", "sarif", "github", "junit", "azure"];
const FIXTURE: &str = "fixtures/formats";

/// `check fixtures/formats --format F` run from the repository root, as a pipeline
/// would run it from the checkout.
fn check(format: &str) -> Run {
    run(&["check", FIXTURE, "--format", format], Some(&root()))
}

/// SARIF with what varies between machines or would churn with every docs edit
/// replaced: the absolute `%SRCROOT%` URI and the embedded rule pages (those are
/// compared with docs/rules/ by `sarif_help_markdown_is_the_rule_page`).
fn stable_sarif(text: &str) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let run = &mut doc["runs"][0];
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///[cwd]/".into();
    for rule in run["tool"]["driver"]["rules"].as_array_mut().unwrap() {
        if rule["help"]["markdown"].is_string() {
            rule["help"]["markdown"] =
                format!("[docs/rules/{}.md]", rule["id"].as_str().unwrap()).into();
        }
    }
    serde_json::to_string_pretty(&doc).unwrap() + "\n"
}

#[test]
fn every_format_on_the_same_repository() {
    for &format in FORMATS {
        let r = check(format);
        assert!(r.stderr.is_empty(), "{format}: stderr: {}", r.stderr);
        let out = if format == "sarif" {
            stable_sarif(&r.stdout)
        } else {
            r.stdout
        };
        insta::assert_snapshot!(
            format!("matrix_{format}"),
            format!("exit: {}\n{out}", r.code)
        );
    }
}

#[test]
fn output_file_gets_the_format_and_the_terminal_the_human_report() {
    let dir = tempfile::tempdir().unwrap();
    let human = check("human");
    for &format in FORMATS {
        let file = dir.path().join(format!("out.{format}"));
        let r = run(
            &[
                "check",
                FIXTURE,
                "--format",
                format,
                "--output",
                file.to_str().unwrap(),
            ],
            Some(&root()),
        );
        let direct = check(format);
        assert_eq!(r.code, direct.code, "{format}: exit code");
        let written = std::fs::read_to_string(&file).unwrap();
        assert_eq!(written, direct.stdout, "{format}: file content");
        if format == "human" {
            assert_eq!(r.stdout, "", "human to a file prints nothing else");
        } else {
            assert_eq!(
                r.stdout, human.stdout,
                "{format}: the terminal gets the human report"
            );
        }
    }
    let r = run(
        &[
            "check",
            FIXTURE,
            "--format",
            "sarif",
            "--output",
            "/nonexistent-dir/x.sarif",
        ],
        Some(&root()),
    );
    assert_eq!(r.code, 2, "an unwritable output file is a tool error");
    assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------
// SARIF

fn sarif_validator() -> jsonschema::Validator {
    let mut schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    // The schema's `language` patterns (run, toolComponent) have a stray `]`, which
    // fails the meta-schema's `format: regex` check once formats are checked. Replace
    // them, in memory only, with the pattern they mean; aksgate writes no `language`.
    let mut fixed = 0;
    for def in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][def]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
        fixed += 1;
    }
    assert_eq!(
        serde_json::to_string(&schema)
            .unwrap()
            .matches("]?$")
            .count(),
        0,
        "no other pattern has the stray bracket ({fixed} fixed)"
    );
    jsonschema::options()
        // Check `uri`, `uri-reference`, `date-time`... in the document too.
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(text: &str, what: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let v = sarif_validator();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: SARIF schema violations:\n{}",
        errors.join("\n")
    );
    doc
}

/// What GitHub code scanning needs beyond the schema.
fn assert_github_ready(doc: &serde_json::Value) {
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run");
    let run = &runs[0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        for key in [
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(!r[key].is_null(), "rule {} lacks {key}", r["id"]);
        }
    }
    for res in run["results"].as_array().unwrap() {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"], "ruleIndex points at ruleId");
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.contains("://") && !uri.starts_with('/'),
            "relative uri: {uri}"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &loc["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key} is 1-based");
        }
        assert!(res["partialFingerprints"]["aksgateFindingHash/v1"].is_string());
    }
    let srcroot = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        srcroot.starts_with("file:///") && srcroot.ends_with('/'),
        "{srcroot}"
    );
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let r = check("sarif");
    let doc = assert_valid_sarif(&r.stdout, "fixtures/formats");
    assert_github_ready(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    // The AKS003 finding lives in the parameter file and points back at the template.
    let aks003 = results.iter().find(|r| r["ruleId"] == "AKS003").unwrap();
    assert_eq!(
        aks003["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/formats/aks.parameters.dev.json"
    );
    let related = aks003["relatedLocations"].as_array().unwrap();
    assert!(related
        .iter()
        .all(|l| l["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/formats/aks.json"));

    // The sample repository, a user policy, and a broken file validate too.
    let sample = run(
        &["check", "fixtures/sample", "--format", "sarif"],
        Some(&root()),
    );
    assert_github_ready(&assert_valid_sarif(&sample.stdout, "fixtures/sample"));
    let dir = hostile_repo();
    let user = run(
        &["check", ".", "--format", "sarif", "--policy", "policy"],
        Some(dir.path()),
    );
    assert_github_ready(&assert_valid_sarif(&user.stdout, "user policy"));
    let broken = run(
        &[
            "check",
            "fixtures/rules/AKS901/fail-syntax-error.json",
            "--format",
            "sarif",
        ],
        Some(&root()),
    );
    assert_github_ready(&assert_valid_sarif(&broken.stdout, "AKS901"));
}

#[test]
fn the_schema_check_catches_broken_sarif() {
    // The validator is not vacuous: a result without a message, a 0 line and an
    // unknown level are rejected.
    let r = check("sarif");
    let mut doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let v = sarif_validator();
    assert!(v.is_valid(&doc));
    let res = &mut doc["runs"][0]["results"][0];
    res["level"] = "fatal".into();
    assert!(!v.is_valid(&doc));
    let mut doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!v.is_valid(&doc));
    let mut doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    doc["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!v.is_valid(&doc));
    // Formats are checked: an unencoded space is not a URI reference.
    let mut doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "my infra/aks.json".into();
    assert!(!v.is_valid(&doc));
}

#[test]
fn sarif_help_markdown_is_the_rule_page() {
    let doc: serde_json::Value = serde_json::from_str(&check("sarif").stdout).unwrap();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(
        rules.len(),
        18,
        "every built-in rule, whether it fired or not"
    );
    for r in rules {
        let id = r["id"].as_str().unwrap();
        let page = std::fs::read_to_string(root().join(format!("docs/rules/{id}.md"))).unwrap();
        assert_eq!(r["help"]["markdown"].as_str().unwrap(), page, "{id}");
        assert_eq!(
            r["helpUri"],
            format!("https://github.com/aksgate/aksgate/blob/main/docs/rules/{id}.md")
        );
    }
}

fn fingerprints(dir: &Path) -> Vec<(String, String)> {
    let r = run(&["check", ".", "--format", "sarif"], Some(dir));
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["aksgateFindingHash/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_fingerprints_survive_moved_lines_and_are_distinct() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["aks.json", "aks.parameters.dev.json", "network.json"] {
        std::fs::copy(root().join(FIXTURE).join(f), dir.path().join(f)).unwrap();
    }
    let before = fingerprints(dir.path());
    assert_eq!(before, fingerprints(dir.path()), "stable across runs");
    let mut distinct: Vec<&String> = before.iter().map(|(_, h)| h).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), before.len(), "one fingerprint per finding");

    // Insert lines above every finding: the lines move, the fingerprints do not.
    let path = dir.path().join("aks.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let shifted = text.replacen(
        "{\n",
        "{\n\n\n  \"metadata\": {\"comment\": \"moved\"},\n",
        1,
    );
    std::fs::write(&path, shifted).unwrap();
    let mut after = fingerprints(dir.path());
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(before, after, "fingerprints do not depend on line numbers");
}

// ---------------------------------------------------------------------------------
// JUnit

#[test]
fn junit_parses_back_with_the_right_structure_and_counts() {
    let r = check("junit");
    assert_eq!(r.code, 1);
    let doc = roxmltree::Document::parse(&r.stdout).expect("well-formed XML");
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    let suite_list: Vec<_> = suites.children().filter(|n| n.is_element()).collect();
    assert_eq!(suite_list.len(), 1);
    let suite = suite_list[0];
    assert_eq!(suite.tag_name().name(), "testsuite");
    assert_eq!(suite.attribute("name"), Some("aksgate"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .collect();
    let attr = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<usize>().unwrap();
    for n in [suites, suite] {
        assert_eq!(attr(n, "tests"), cases.len());
        assert_eq!(attr(n, "failures"), failed.len());
        assert_eq!(attr(n, "errors"), 0);
    }
    let names: Vec<(String, String)> = cases
        .iter()
        .map(|c| {
            (
                c.attribute("classname").unwrap().to_string(),
                c.attribute("name").unwrap().to_string(),
            )
        })
        .collect();
    let expect = |f: &str, n: &str| (format!("fixtures/formats/{f}"), n.to_string());
    assert_eq!(
        names,
        vec![
            expect("aks.json", "AKS007 public-ip"),
            expect("aks.json", "AKS010 udr-ignores-lb-profile"),
            expect("aks.json", "AKS900 unverifiable"),
            expect("aks.parameters.dev.json", "AKS003 udr-requires-azure-cni"),
            expect("aks.parameters.dev.json", "AKS013 retired-features"),
            expect("network.json", "aksgate"),
        ]
    );
    // Errors fail; warnings are below the default --fail-on and pass with their text.
    let failing: Vec<&str> = failed
        .iter()
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(
        failing,
        ["AKS007 public-ip", "AKS003 udr-requires-azure-cni"]
    );
    let f = failed[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(f.attribute("type"), Some("AKS003"));
    assert!(f
        .attribute("message")
        .unwrap()
        .contains("networkPlugin is kubenet"));
    let text = f.text().unwrap();
    assert!(
        text.starts_with("fixtures/formats/aks.parameters.dev.json:6:32: error AKS003"),
        "{text}"
    );
    assert!(
        text.contains(
            "related: fixtures/formats/aks.json:30:28: parameter 'networkPlugin' used here"
        ),
        "{text}"
    );

    // With --fail-on warning the warnings fail too.
    let strict = run(
        &[
            "check",
            FIXTURE,
            "--format",
            "junit",
            "--fail-on",
            "warning",
        ],
        Some(&root()),
    );
    let doc = roxmltree::Document::parse(&strict.stdout).unwrap();
    assert_eq!(doc.root_element().attribute("failures"), Some("5"));
}

#[test]
fn junit_survives_hostile_messages() {
    let dir = hostile_repo();
    let r = run(
        &["check", ".", "--format", "junit", "--policy", "policy"],
        Some(dir.path()),
    );
    let doc = roxmltree::Document::parse(&r.stdout).expect("well-formed XML");
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure") && n.attribute("type") == Some("ORG001"))
        .expect("the ORG001 error fails");
    // Attribute values keep their line breaks (written as character references).
    assert_eq!(failure.attribute("message"), Some(HOSTILE));
    assert!(failure.text().unwrap().contains("<b>&amp;"));
}

// ---------------------------------------------------------------------------------
// Escaping of the command formats

/// A message that tries every trick: the escape characters of both formats, a line
/// break followed by a forged command of each, and XML markup.
const HOSTILE: &str =
    "100% bad: a,b; c] d\r\n::error file=x::forged\n##vso[task.setvariable variable=x]y <b>&amp;";
/// [`HOSTILE`] as the command formats carry it.
const NEUTRAL: &str =
    "100% bad: a,b; c] d\\u{d}\n\\u{3a}:error file=x::forged\n##vso\\u{5b}task.setvariable variable=x]y <b>&amp;";

fn hostile_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let t = std::fs::read_to_string(root().join("fixtures/sample/infra/aks.json")).unwrap();
    // A file name with the property separators of both formats in it.
    std::fs::write(dir.path().join("a,b:c;d]e%f.json"), t).unwrap();
    std::fs::write(
        dir.path().join("network.json"),
        std::fs::read_to_string(root().join("fixtures/sample/infra/network.json")).unwrap(),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("policy")).unwrap();
    let msg = serde_json::to_string(HOSTILE).unwrap();
    std::fs::write(
        dir.path().join("policy/hostile.rego"),
        format!(
            r#"package org.hostile

import rego.v1

metadata := {{"id": "ORG001", "slug": "hostile-message", "title": "Hostile: title, with; separators]",
             "severity": "error", "description": "Messages with escape characters."}}

deny contains f if {{
  some r in input.resources
  lower(r.type) == "microsoft.containerservice/managedclusters"
  f := {{"rule": "ORG001", "msg": {msg}, "resource": r.ref, "path": ["properties", "networkProfile"]}}
}}

deny contains f if {{
  some r in input.resources
  lower(r.type) == "microsoft.containerservice/managedclusters"
  f := {{"rule": "ORG001", "severity": "note", "msg": "a note: 50%", "resource": r.ref, "path": ["properties"]}}
}}
"#
        ),
    )
    .unwrap();
    dir
}

/// The findings of the hostile repository, from the JSON format.
fn hostile_findings(dir: &tempfile::TempDir) -> Vec<serde_json::Value> {
    let r = run(
        &["check", ".", "--format", "json", "--policy", "policy"],
        Some(dir.path()),
    );
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let f = findings(&doc);
    assert!(f
        .iter()
        .any(|f| f["rule"] == "ORG001" && f["severity"] == "error"));
    f
}

/// Reverses GitHub's escaping of a data or property value.
fn gh_unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

fn az_unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3B", ";")
        .replace("%5D", "]")
        .replace("%AZP25", "%")
}

#[test]
fn github_commands_cannot_be_forged_by_a_message() {
    let dir = hostile_repo();
    let r = run(
        &["check", ".", "--format", "github", "--policy", "policy"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = hostile_findings(&dir);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let commands: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::"))
        .collect();
    // Exactly one command line per finding, and only the summary line besides.
    assert_eq!(commands.len(), findings.len(), "{}", r.stdout);
    assert_eq!(lines.len(), findings.len() + 1, "{}", r.stdout);
    assert!(lines.last().unwrap().starts_with("aksgate: "));
    assert!(!r.stdout.contains('\r'));

    let hostile = commands
        .iter()
        .find(|l| l.starts_with("::error") && l.contains("ORG001"))
        .unwrap();
    // `::error PROPS::DATA`: the first `::` after the properties ends them.
    let rest = hostile.strip_prefix("::error ").unwrap();
    let (props, data) = rest.split_once("::").unwrap();
    let props: Vec<(&str, &str)> = props
        .split(',')
        .map(|p| p.split_once('=').unwrap())
        .collect();
    let get = |k: &str| {
        props
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| gh_unescape(v))
    };
    assert_eq!(get("file").as_deref(), Some("a,b:c;d]e%f.json"));
    assert_eq!(get("title").as_deref(), Some("ORG001 hostile-message"));
    assert!(get("line").is_some() && get("endLine").is_some());
    // The message arrives whole, with what a runner or a terminal would act on shown
    // escaped (`aksgate::report::safe`).
    assert_eq!(gh_unescape(data), NEUTRAL);

    let note = commands
        .iter()
        .find(|l| l.starts_with("::notice "))
        .unwrap();
    assert!(note.ends_with("::a note: 50%25"), "{note}");
}

#[test]
fn azure_logging_commands_cannot_be_forged_by_a_message() {
    let dir = hostile_repo();
    let r = run(
        &["check", ".", "--format", "azure", "--policy", "policy"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = hostile_findings(&dir);
    let issues = findings.iter().filter(|f| f["severity"] != "note").count();
    assert_eq!(findings.len() - issues, 1, "the ORG001 note");
    let lines: Vec<&str> = r.stdout.lines().collect();
    let commands: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("##vso["))
        .collect();
    // One command line per error or warning; the note is not an issue and is counted.
    assert_eq!(commands.len(), issues, "{}", r.stdout);
    assert!(commands
        .iter()
        .all(|l| l.starts_with("##vso[task.logissue ")));
    assert_eq!(lines.len(), issues + 2, "{}", r.stdout);
    assert_eq!(
        lines[issues],
        "aksgate: not logged as issues: 1 note(s), 0 suppressed finding(s)"
    );
    assert!(!r.stdout.contains('\r'));

    let hostile = commands.iter().find(|l| l.contains("code=ORG001")).unwrap();
    let rest = hostile.strip_prefix("##vso[task.logissue ").unwrap();
    let (props, data) = rest.split_once(']').unwrap();
    let props: Vec<(&str, &str)> = props
        .split(';')
        .map(|p| p.split_once('=').unwrap())
        .collect();
    let get = |k: &str| {
        props
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| az_unescape(v))
    };
    assert_eq!(get("type").as_deref(), Some("error"));
    assert_eq!(get("sourcepath").as_deref(), Some("a,b:c;d]e%f.json"));
    assert_eq!(get("code").as_deref(), Some("ORG001"));
    assert!(get("linenumber").is_some() && get("columnnumber").is_some());
    assert_eq!(
        az_unescape(data),
        format!("ORG001 hostile-message: {NEUTRAL}")
    );
}
