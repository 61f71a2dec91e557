//! The binary on Terraform: every fixture under `fixtures/terraform/<case>/` (a
//! module directory) gives exactly the findings of its `expect` file (`<file> <RULE>
//! <line>` per line, suppressed findings left out); the scenarios of issue 21 by
//! name; and the real files of `shared/corpus-iac/terraform` scan without AKS901 on
//! valid files and without a crash.

mod common;

use common::{check_json, findings, root, run, shared};
use std::collections::BTreeMap;
use std::fs;

fn got(dir: &std::path::Path) -> (i32, Vec<String>) {
    let (code, doc) = check_json(&[dir.to_str().unwrap()]);
    let mut v: Vec<String> = findings(&doc)
        .iter()
        .filter(|f| f["suppressed"].is_null())
        // Most UDR fixtures route to an address no scanned file deploys: AKS014's "not
        // in the scan" note, left out where the fixture is about another rule (the
        // AKS014 fixtures deploy their appliance).
        .filter(|f| {
            !f["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("AKS014 cannot decide: no scanned file deploys"))
        })
        .map(|f| {
            format!(
                "{} {} {}",
                f["file"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect();
    v.sort();
    (code, v)
}

#[test]
fn every_terraform_fixture_gives_its_expected_findings() {
    let base = root().join("fixtures/terraform");
    let mut failures = Vec::new();
    let mut n = 0;
    let mut dirs: Vec<_> = fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        let want: Vec<String> = fs::read_to_string(d.join("expect"))
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.starts_with("pass-") == want.is_empty(),
            "{name}: a pass case has no finding, a fail case has some"
        );
        let (code, findings) = got(&d);
        n += 1;
        if findings != want {
            failures.push(format!("{name}: expected {want:?}, got {findings:?}"));
        }
        // Fail cases exit 1 on an error and 0 on warnings or notes; pass cases 0.
        if !(code == 0 || (code == 1 && !want.is_empty())) {
            failures.push(format!("{name}: exit {code}"));
        }
    }
    assert!(n >= 25, "only {n} fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn fixture_dir(name: &str) -> std::path::PathBuf {
    root().join("fixtures/terraform").join(name)
}

#[test]
fn kubenet_with_udr_is_aks003_at_the_tf_line_of_the_plugin() {
    // AKS013 adds kubenet's retirement warning at the same line.
    let (_, f) = got(&fixture_dir("fail-udr-kubenet"));
    assert_eq!(f, vec!["main.tf AKS003 46", "main.tf AKS013 46"]);
    let text = fs::read_to_string(fixture_dir("fail-udr-kubenet/main.tf")).unwrap();
    assert!(text
        .lines()
        .nth(45)
        .unwrap()
        .contains("network_plugin = \"kubenet\""));
}

#[test]
fn a_public_ip_resource_is_aks007() {
    assert_eq!(
        got(&fixture_dir("fail-public-ip")).1,
        vec!["main.tf AKS007 1"]
    );
}

#[test]
fn outbound_type_from_a_variable_default_and_from_terraform_tfvars() {
    // The value comes from variables.tf / terraform.tfvars; the finding points at the
    // expression in main.tf that uses it.
    assert_eq!(
        got(&fixture_dir("fail-outbound-from-variable-default")).1,
        vec!["main.tf AKS003 46", "main.tf AKS013 46"]
    );
    assert_eq!(
        got(&fixture_dir("fail-outbound-from-tfvars")).1,
        vec!["main.tf AKS003 46", "main.tf AKS013 46"]
    );
    assert!(got(&fixture_dir("pass-outbound-from-tfvars")).1.is_empty());
}

#[test]
fn a_variable_without_a_value_is_aks900_never_a_pass() {
    let (code, f) = got(&fixture_dir("fail-variable-without-value"));
    assert_eq!(code, 0, "AKS900 is a note-level cannot-decide");
    // The kubenet plugin's retirement warning (AKS013) is the only other finding.
    assert!(
        f.iter().filter(|x| x.contains("AKS900")).count() >= 3
            && f.iter()
                .all(|x| x.contains("AKS900") || x.contains("AKS013")),
        "{f:?}"
    );
}

#[test]
fn a_syntax_error_is_aks901_and_the_other_files_are_still_checked() {
    let (_, f) = got(&fixture_dir("fail-syntax"));
    assert_eq!(f, vec!["main.tf AKS901 2", "ok.tf AKS007 1"]);
}

#[test]
fn a_module_called_from_above_is_judged_through_its_call() {
    let d = fixture_dir("pass-local-module");
    let r = run(&["check", "--show-skipped", d.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("skipped modules/aks/main.tf: a Terraform module that main.tf calls"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_policy_input_of_a_tf_file_has_the_arm_shape() {
    let d = fixture_dir("fail-udr-kubenet");
    let r = run(&["input", d.join("main.tf").to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let cluster = doc[0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.ContainerService/managedClusters")
        .unwrap();
    assert_eq!(
        cluster["properties"]["networkProfile"]["networkPlugin"],
        "kubenet"
    );
    assert_eq!(cluster["apiVersion"], "2024-05-01");
}

#[test]
fn the_terraform_corpus_scans_without_aks901_or_a_crash() {
    let Some(corpus) = shared("corpus-iac/terraform") else {
        return;
    };
    let r = run(
        &["check", "--format", "json", corpus.to_str().unwrap()],
        None,
    );
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings(&doc) {
        *by_rule
            .entry(f["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
        assert_ne!(f["rule"], "AKS901", "{f}");
    }
    let clusters = doc["summary"]["clusters"].as_u64().unwrap();
    eprintln!(
        "corpus-iac/terraform: {} files examined, {clusters} clusters, {by_rule:?}",
        doc["summary"]["filesExamined"]
    );
    assert!(clusters >= 5, "{clusters} clusters");
    // The provider's own example of kubenet behind a firewall route is AKS003.
    assert!(findings(&doc).iter().any(|f| f["rule"] == "AKS003"
        && f["file"]
            .as_str()
            .unwrap()
            .ends_with("egress-with-udr-kubenet/main.tf")));
}

/// Plans (`terraform show -json`): recognised by content, judged on the planned values,
/// with findings at the plan's own lines.
#[test]
fn a_plan_is_judged_on_its_planned_values_at_the_plan_line() {
    let (code, f) = got(&fixture_dir("fail-plan-udr-kubenet"));
    assert_eq!(code, 1);
    assert_eq!(f, vec!["tfplan.json AKS003 36", "tfplan.json AKS013 36"]);
    let text = fs::read_to_string(fixture_dir("fail-plan-udr-kubenet/tfplan.json")).unwrap();
    assert!(text
        .lines()
        .nth(35)
        .unwrap()
        .contains("\"network_plugin\": \"kubenet\""));
    // The subnet created in the same plan (its id unknown until apply) is followed
    // through the configuration's reference: the Azure CNI variant passes AKS005.
    let (code, f) = got(&fixture_dir("pass-plan-udr-azure-cni"));
    assert_eq!((code, f), (0, Vec::<String>::new()));
}

#[test]
fn a_plan_value_known_only_after_apply_is_unknown_naming_its_address() {
    let (code, doc) = check_json(&[fixture_dir("fail-plan-after-apply").to_str().unwrap()]);
    assert_eq!(code, 0, "AKS900 notes and a warning do not fail the gate");
    let notes: Vec<_> = findings(&doc)
        .into_iter()
        .filter(|f| f["rule"] == "AKS900" && !common::is_egress_note(f))
        .collect();
    assert!(!notes.is_empty());
    for n in &notes {
        let m = n["message"].as_str().unwrap();
        assert!(
            m.contains("azurerm_kubernetes_cluster.aks.network_profile[0].outbound_type")
                && m.contains("only after apply"),
            "{m}"
        );
    }
}

#[test]
fn plan_child_modules_deleted_resources_and_format_versions() {
    // The cluster is in a child module; the public IP the plan deletes is not judged.
    assert_eq!(
        got(&fixture_dir("fail-plan-module-load-balancer")).1,
        vec!["tfplan.json AKS007 41"]
    );
    // A major format version aksgate does not know is refused, not read as 1.x.
    let (code, doc) = check_json(&[fixture_dir("fail-plan-format-version").to_str().unwrap()]);
    assert_eq!(code, 1);
    let f = findings(&doc);
    assert_eq!(f.len(), 1);
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("format_version 2.0"));
}

/// An in-place update of a cluster's outbound type is AKS006 from the plan alone (its
/// `change.before` is the baseline); a replacement is a new cluster.
#[test]
fn a_plan_updating_the_outbound_type_in_place_is_aks006() {
    let (code, doc) = check_json(&[fixture_dir("fail-plan-outbound-type-update")
        .to_str()
        .unwrap()]);
    assert_eq!(code, 1);
    // Besides AKS014's note that the route's appliance is not in the scan.
    let f: Vec<_> = findings(&doc)
        .into_iter()
        .filter(|f| !common::is_egress_note(f))
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "AKS006");
    let related = f[0]["related"].as_array().unwrap();
    assert!(
        related
            .iter()
            .any(|r| r["file"] == "tfplan.json" && r["line"] == 138),
        "the old value, in the plan's change.before: {related:?}"
    );
    assert_eq!(
        got(&fixture_dir("pass-plan-outbound-type-replace")),
        (0, Vec::<String>::new())
    );
}

/// Terraform's JSON syntax (`.tf.json`) is lowered as `.tf` is: a module mixing both
/// (a variable default in `variables.tf.json`, the subnet and route table in
/// `network.tf`), findings at the JSON line of the value.
#[test]
fn a_tf_json_cluster_is_judged_at_the_json_line_of_the_value() {
    assert_eq!(
        got(&fixture_dir("fail-tf-json")),
        (
            1,
            vec![
                "main.tf.json AKS003 6".to_string(),
                "main.tf.json AKS013 6".to_string()
            ]
        )
    );
    let (code, f) = got(&fixture_dir("fail-tf-json-udr-kubenet"));
    assert_eq!(
        (code, f),
        (
            1,
            vec![
                "main.tf.json AKS003 18".to_string(),
                "main.tf.json AKS013 18".to_string()
            ]
        )
    );
    let text = fs::read_to_string(fixture_dir("fail-tf-json-udr-kubenet/main.tf.json")).unwrap();
    assert!(text
        .lines()
        .nth(17)
        .unwrap()
        .contains("\"network_plugin\": \"${var.plugin}\""));
    // The same module with Azure CNI: dynamic routes, a counted subnet, blocks written
    // as objects and as arrays.
    assert_eq!(
        got(&fixture_dir("pass-tf-json-udr-azure-cni")),
        (0, Vec::<String>::new())
    );
}

#[test]
fn tf_json_counted_public_ips_and_a_comment_property_suppression() {
    assert_eq!(
        got(&fixture_dir("fail-tf-json-public-ip-count")).1,
        vec!["main.tf.json AKS007 5", "main.tf.json AKS007 5"]
    );
    // `"//": "aksgate-ignore AKS007: reason"` on the block's line suppresses.
    let (code, doc) = check_json(&[fixture_dir("pass-tf-json-public-ip-suppressed")
        .to_str()
        .unwrap()]);
    assert_eq!(code, 0);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "AKS007");
    assert!(!f[0]["suppressed"].is_null());
}

/// An invalid `.tf.json` (JSON that does not parse, a template that does not) is
/// AKS901 at the error's line and column, never skipped.
#[test]
fn an_invalid_tf_json_file_is_aks901_at_the_error() {
    let (code, doc) = check_json(&[fixture_dir("fail-tf-json-invalid").to_str().unwrap()]);
    assert_eq!(code, 1);
    let mut at: Vec<(String, String, u64, u64)> = findings(&doc)
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    at.sort();
    assert_eq!(
        at,
        vec![
            ("main.tf.json".into(), "AKS901".into(), 6, 9),
            ("template.tf.json".into(), "AKS901".into(), 5, 39),
        ]
    );
}

/// AKS014 on Terraform: a route to a firewall's computed private IP is followed to the
/// firewall, and its policy's rule collection groups decide; a NIC without IP forwarding
/// is an error; classic collections written as resources of their own are merged into
/// the firewall they name.
#[test]
fn egress_through_terraform_firewalls_and_nvas_is_aks014() {
    assert_eq!(
        got(&fixture_dir("fail-firewall-policy-without-aks-rules")),
        (1, vec!["main.tf AKS014 61".to_string()])
    );
    assert_eq!(
        got(&fixture_dir("pass-firewall-policy-aks-rules")),
        (0, Vec::<String>::new())
    );
    assert_eq!(
        got(&fixture_dir("fail-nva-without-ip-forwarding")),
        (1, vec!["main.tf AKS014 51".to_string()])
    );
    assert_eq!(
        got(&fixture_dir("fail-firewall-classic-without-aks-fqdns")),
        (1, vec!["main.tf AKS014 51".to_string()])
    );
    assert_eq!(
        got(&fixture_dir("pass-firewall-classic-collections")),
        (0, Vec::<String>::new())
    );
}

/// The findings of a scan with the parameter file (here the named variable file) each
/// was found with.
fn by_var_file(doc: &serde_json::Value) -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = findings(doc)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["parameterFile"].as_str().map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn a_module_is_judged_once_per_named_variable_file_and_not_alone() {
    let d = fixture_dir("fail-var-files-per-env");
    let (code, doc) = check_json(&[d.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}");
    let dev = Some("env/dev.tfvars".to_string());
    let prod = Some("env/prod.tfvars.json".to_string());
    // kubenet + UDR with dev's values only (prod is Azure CNI; its egress note is the
    // one dev's finding stands for, at the same place); nothing with the defaults alone.
    assert_eq!(
        by_var_file(&doc),
        vec![
            ("AKS003".into(), dev.clone()),
            ("AKS013".into(), dev.clone()),
            ("AKS900".into(), dev.clone()),
        ]
    );
    let r = run(&["input", d.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let inputs: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let files: Vec<&str> = inputs
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["parameterFile"].as_str().unwrap_or("(none)"))
        .collect();
    assert_eq!(
        files,
        vec![dev.as_deref().unwrap(), prod.as_deref().unwrap()]
    );
    // The named file is applied after terraform.tfvars, which alone would fail.
    assert!(got(&fixture_dir("pass-var-file-over-tfvars")).1.is_empty());
}

#[test]
fn a_value_from_a_variable_file_points_at_its_tfvars_line() {
    let (_, doc) = check_json(&[fixture_dir("fail-var-files-per-env").to_str().unwrap()]);
    let aks003 = findings(&doc)
        .into_iter()
        .find(|f| f["rule"] == "AKS003")
        .unwrap();
    assert_eq!(
        (aks003["file"].as_str(), aks003["line"].as_u64()),
        (Some("infra/aks/main.tf"), Some(46))
    );
    let from: Vec<(String, u64, String)> = aks003["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .filter(|r| r.0.ends_with(".tfvars"))
        .collect();
    assert_eq!(
        from,
        vec![(
            "env/dev.tfvars".into(),
            2,
            "variable 'network_plugin' set in env/dev.tfvars".into()
        )]
    );
    // terraform.tfvars, read on its own, is pointed at the same way.
    let d = tempfile::tempdir().unwrap();
    let src = fixture_dir("pass-var-file-over-tfvars");
    for f in ["main.tf", "variables.tf", "terraform.tfvars"] {
        fs::copy(src.join(f), d.path().join(f)).unwrap();
    }
    let (code, doc) = check_json(&[d.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}");
    let aks003 = findings(&doc)
        .into_iter()
        .find(|f| f["rule"] == "AKS003")
        .unwrap();
    assert!(aks003["parameterFile"].is_null(), "{aks003:#}");
    assert!(
        aks003["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["file"] == "terraform.tfvars"
                && r["line"] == 1
                && r["message"] == "variable 'network_plugin' set in terraform.tfvars"),
        "{aks003:#}"
    );
}

#[test]
fn a_named_variable_file_missing_outside_the_root_or_invalid_is_aks901() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("secret.tfvars"),
        "network_plugin = \"azure\"\n",
    )
    .unwrap();
    let d = tempfile::tempdir().unwrap();
    let src = fixture_dir("fail-var-files-per-env/infra/aks");
    for f in ["main.tf", "variables.tf"] {
        fs::copy(src.join(f), d.path().join(f)).unwrap();
    }
    fs::create_dir(d.path().join("env")).unwrap();
    fs::write(
        d.path().join("env/bad.tfvars"),
        "network_plugin = \"azure\"\noutbound_type = = 1\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.tfvars"),
        d.path().join("env/link.tfvars"),
    )
    .unwrap();
    let pairs = ["env/missing.tfvars", "env/bad.tfvars", "env/link.tfvars"]
        .iter()
        .map(|p| format!("[[pair]]\ntemplate = \".\"\nparameters = \"{p}\"\n"))
        .collect::<String>();
    fs::write(d.path().join(".aksgate.toml"), pairs).unwrap();
    let (code, doc) = check_json(&[d.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}");
    let mut failed: Vec<(String, u64)> = findings(&doc)
        .iter()
        .filter(|f| f["rule"] == "AKS901")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    failed.sort();
    let mut want = vec![
        ("env/bad.tfvars".to_string(), 2),
        ("env/missing.tfvars".to_string(), 1),
    ];
    if cfg!(unix) {
        want.insert(1, ("env/link.tfvars".to_string(), 1));
    }
    assert_eq!(failed, want, "{doc:#}");
    // The module is not judged with its defaults instead: nothing but the failures.
    assert!(
        findings(&doc).iter().all(|f| f["rule"] == "AKS901"),
        "{doc:#}"
    );
    // A pairing of a variable file with a template that is not a module, or a path
    // out of the scanned directory, is a configuration error (exit 2).
    fs::write(
        d.path().join(".aksgate.toml"),
        "[[pair]]\ntemplate = \"aks.json\"\nparameters = \"env/bad.tfvars\"\n",
    )
    .unwrap();
    let r = run(&["check", d.path().to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a Terraform module"), "{}", r.stderr);
}
