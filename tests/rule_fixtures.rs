//! Runs every rule fixture under `fixtures/rules/<ID>/` (and `fixtures/bicep-compiled/`)
//! through the binary and compares
//! the findings with its `.expect` sidecar (`<RULE> <line>` per line; empty = clean).
mod common;
use common::*;
use std::collections::BTreeSet;
use std::fs;

/// The expected exit status when the sidecar says so (`exit 2`), else derived from findings.
fn expected_exit(path: &std::path::Path) -> Option<i32> {
    let text = fs::read_to_string(path).unwrap();
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("exit ")
            .and_then(|n| n.trim().parse().ok())
    })
}

fn expected(path: &std::path::Path) -> BTreeSet<(String, usize)> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| {
            !l.trim().is_empty()
                && !l.trim_start().starts_with('#')
                && !l.trim().starts_with("exit ")
        })
        .map(|l| {
            let mut parts = l.split_whitespace();
            let rule = parts.next().unwrap().to_string();
            let line = parts
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or_else(|| panic!("bad line in {}: {l}", path.display()));
            (rule, line)
        })
        .collect()
}

#[test]
fn every_rule_fixture_produces_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut rules_with_fail = BTreeSet::new();
    let mut rules_with_pass = BTreeSet::new();
    // The rule fixtures, the templates shaped as `bicep build` emits them (issue 19), and
    // Bicep sources judged natively (issue 20).
    let mut entries: Vec<_> = [
        "fixtures/rules",
        "fixtures/bicep-compiled",
        "fixtures/bicep",
    ]
    .iter()
    .flat_map(|d| walkdir::WalkDir::new(root().join(d)))
    .filter_map(Result::ok)
    .collect();
    entries.sort_by(|a, b| a.path().cmp(b.path()));
    for e in entries {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "expect") {
            continue;
        }
        // A file, or a folder of files judged together (a `.bicep` and its compiled JSON).
        let fixture = ["json", "jsonc", "bicep", ""]
            .iter()
            .map(|ext| p.with_extension(ext))
            .find(|f| f.is_file() || (f.is_dir() && f != p))
            .unwrap_or_else(|| panic!("no fixture for {}", p.display()));
        let rule_dir = p
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        // A `<name>.baseline.json` sidecar is the exported live cluster (`az aks show -o
        // json`) the fixture is compared with (`--baseline`), for AKS006.
        let sidecar = p.with_extension("baseline.json");
        let mut args: Vec<String> = Vec::new();
        if sidecar.exists() {
            args.push("--baseline".into());
            args.push(sidecar.to_str().unwrap().into());
        }
        args.push(fixture.to_str().unwrap().into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("fail") {
            rules_with_fail.insert(rule_dir.clone());
        } else if name.starts_with("pass") {
            rules_with_pass.insert(rule_dir.clone());
        }
        count += 1;
        let want = expected(p);
        if let Some(exit) = expected_exit(p) {
            let mut all = vec!["check", "--format", "json"];
            all.extend_from_slice(&args);
            let r = run(&all, None);
            if r.code != exit {
                failures.push(format!(
                    "{}: exit {}, expected {exit}: {}",
                    fixture.display(),
                    r.code,
                    r.stderr
                ));
            }
            continue;
        }
        let (code, doc) = check_json(&args);
        let got: BTreeSet<(String, usize)> = findings(&doc)
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap() as usize,
                )
            })
            .collect();
        if got != want {
            failures.push(format!(
                "{}: expected {want:?}, got {got:?}",
                fixture.display()
            ));
        }
        let errors = findings(&doc)
            .iter()
            // A suppressed error is reported but does not fail the gate.
            .filter(|f| f["severity"] == "error" && f["suppressed"].is_null())
            .count();
        let want_code = if errors > 0 { 1 } else { 0 };
        if code != want_code {
            failures.push(format!(
                "{}: exit {code}, expected {want_code}",
                fixture.display()
            ));
        }
    }
    assert!(count > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} of {count} fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for id in [
        "AKS001", "AKS002", "AKS003", "AKS004", "AKS005", "AKS006", "AKS007", "AKS008", "AKS009",
        "AKS010", "AKS011", "AKS012", "AKS013", "AKS014", "AKS900", "AKS901", "AKS903",
    ] {
        assert!(rules_with_fail.contains(id), "{id} has no fail fixture");
        assert!(
            rules_with_pass.contains(id) || id == "AKS900",
            "{id} has no pass fixture"
        );
    }
}

/// A property inside an object that is unknown as a whole is not said to have that
/// object's expression as its own value: the message names the object it is inside.
#[test]
fn a_value_inside_an_unknown_object_is_reported_as_inside_it() {
    let fixture = root().join("fixtures/rules/AKS900/fail-properties-unknown.json");
    let (_, doc) = check_json(&[fixture.to_str().unwrap()]);
    let messages: Vec<String> = findings(&doc)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    // AKS001, AKS003, AKS007 on outboundType; AKS013 on loadBalancerSku and networkPlugin.
    assert_eq!(messages.len(), 5, "{messages:?}");
    for m in &messages {
        let what = match m.split(' ').next() {
            Some("AKS013") if m.contains("loadBalancerSku") => "loadBalancerSku",
            Some("AKS013") => "networkPlugin",
            _ => "outboundType",
        };
        assert!(
            m.ends_with(&format!(
                "cannot decide: {what} is unknown: it is inside properties, which depends on \
                 [parameters('clusterProperties')] (parameter 'clusterProperties' has no default \
                 value and no parameter file sets it)"
            )),
            "{m}"
        );
    }
}
