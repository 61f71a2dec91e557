//! The binary on Bicep files: judged natively, findings at Bicep lines, the compiled
//! JSON beside a source skipped with its reason, syntax errors AKS901 without
//! stopping the scan.

mod common;

use common::{check_json, findings, root, rule_file_lines, run};
use std::fs;

fn fixture(name: &str) -> String {
    fs::read_to_string(root().join("fixtures").join(name)).unwrap()
}

/// The findings, less AKS014's note that the fixtures' next hop (10.10.1.4) is no
/// scanned appliance: these tests are about which file is judged.
fn pairs(doc: &serde_json::Value) -> Vec<(String, String, u64)> {
    let f: Vec<serde_json::Value> = findings(doc)
        .into_iter()
        .filter(|f| {
            !f["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("AKS014 cannot decide"))
        })
        .collect();
    rule_file_lines(&f)
}

#[test]
fn a_bicep_source_is_judged_and_its_compiled_json_skipped() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("main.bicep"),
        fixture("bicep/fail-udr-kubenet.bicep"),
    )
    .unwrap();
    // A clean compiled JSON: were it judged instead of the source, the scan would pass.
    let mut compiled: serde_json::Value =
        serde_json::from_str(&fixture("rules/AKS003/pass-azure.json")).unwrap();
    compiled["metadata"] = serde_json::json!({"_generator": {"name": "bicep"}});
    fs::write(dir.path().join("main.json"), compiled.to_string()).unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, doc) = check_json(&[d]);
    assert_eq!(code, 1);
    assert_eq!(
        pairs(&doc),
        // AKS013: kubenet's retirement, at the same plugin. AKS903: the compiled JSON
        // gives another verdict (it is stale), said at the top of the source.
        vec![
            ("AKS003".into(), "main.bicep".into(), 66),
            ("AKS013".into(), "main.bicep".into(), 66),
            ("AKS903".into(), "main.bicep".into(), 1)
        ]
    );
    let r = run(&["check", "--show-skipped", d], None);
    assert!(
        r.stderr
            .contains("skipped main.json: compiled by Bicep from main.bicep"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_json_not_compiled_by_bicep_beside_a_bicep_file_is_judged_too() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("main.bicep"),
        fixture("bicep/pass-udr-azure-cni.bicep"),
    )
    .unwrap();
    fs::write(
        dir.path().join("main.json"),
        fixture("rules/AKS003/fail-kubenet.json"),
    )
    .unwrap();
    let (_, doc) = check_json(&[dir.path().to_str().unwrap()]);
    let rules: Vec<_> = pairs(&doc).into_iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(
        rules,
        vec![
            ("AKS003".into(), "main.json".into()),
            ("AKS013".into(), "main.json".into())
        ]
    );
}

#[test]
fn a_bicep_syntax_error_is_aks901_and_other_files_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad.bicep"),
        fixture("bicep/fail-syntax.bicep"),
    )
    .unwrap();
    fs::write(
        dir.path().join("pip.bicep"),
        fixture("bicep/fail-public-ip.bicep"),
    )
    .unwrap();
    let (code, doc) = check_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        pairs(&doc),
        vec![
            ("AKS007".into(), "pip.bicep".into(), 74),
            ("AKS901".into(), "bad.bicep".into(), 9),
        ]
    );
}

#[test]
fn a_module_outside_the_scanned_folder_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("scan");
    fs::create_dir(&inner).unwrap();
    fs::write(
        dir.path().join("cluster.bicep"),
        fixture("bicep/modules/cluster.bicep"),
    )
    .unwrap();
    fs::write(
        inner.join("main.bicep"),
        "module c '../cluster.bicep' = {\n  name: 'c'\n}\n",
    )
    .unwrap();
    let (_, doc) = check_json(&[inner.to_str().unwrap()]);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "AKS900");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("module not visible"));
}

#[test]
fn a_bicep_file_not_lowered_yet_leaves_its_compiled_json_to_be_judged() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("main.bicep"),
        "var p = loadJsonContent('p.json')\n",
    )
    .unwrap();
    let mut compiled: serde_json::Value =
        serde_json::from_str(&fixture("rules/AKS003/fail-kubenet.json")).unwrap();
    compiled["metadata"] = serde_json::json!({"_generator": {"name": "bicep"}});
    fs::write(dir.path().join("main.json"), compiled.to_string()).unwrap();
    let d = dir.path().to_str().unwrap();
    let (_, doc) = check_json(&[d]);
    let rules: Vec<_> = pairs(&doc).into_iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(
        rules,
        vec![
            ("AKS003".into(), "main.json".into()),
            ("AKS013".into(), "main.json".into())
        ]
    );
    let r = run(&["check", "--show-skipped", d], None);
    assert!(
        r.stderr
            .contains("skipped main.bicep: Bicep that aksgate does not lower yet"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_lone_bicep_module_does_not_take_a_parameter_file_it_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("main.bicep"),
        "targetScope = 'resource${'Group'}'\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("telemetry.bicep"),
        "param enabled bool = true\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("parameters-main.json"),
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {"rgName": {"value": "rg"}}}"#,
    )
    .unwrap();
    let (_, doc) = check_json(&[dir.path().to_str().unwrap()]);
    let rules: Vec<_> = pairs(&doc).into_iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(
        rules,
        vec![
            ("AKS900".into(), "parameters-main.json".into()),
            ("AKS901".into(), "main.bicep".into())
        ]
    );
}

/// `(rule, file, line)` of every finding of a scan of a fixture folder.
fn scan_fixture(dir: &str) -> (i32, Vec<(String, String, u64)>) {
    let path = root().join("fixtures").join(dir);
    let (code, doc) = check_json(&[path.to_str().unwrap()]);
    (code, pairs(&doc))
}

#[test]
fn a_template_is_judged_once_per_bicepparam_file_at_its_lines() {
    let (code, got) = scan_fixture("bicep/params");
    assert_eq!(code, 1);
    assert_eq!(
        got,
        vec![
            ("AKS003".into(), "kubenet.bicepparam".into(), 5),
            ("AKS007".into(), "prod.bicepparam".into(), 4),
            ("AKS013".into(), "kubenet.bicepparam".into(), 5),
            // env.bicepparam: readEnvironmentVariable is unknown (AKS001, AKS007 cannot
            // decide), at the template's use of it.
            ("AKS900".into(), "cluster.bicep".into(), 72),
            ("AKS900".into(), "cluster.bicep".into(), 72),
        ]
    );
    // dev.bicepparam passes; the template is never judged on its own (its outboundType
    // has no default).
    let r = run(
        &[
            "check",
            root().join("fixtures/bicep/params").to_str().unwrap(),
        ],
        None,
    );
    assert!(
        !r.stdout.contains("outboundType has no value"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_missing_using_template_is_aks901_and_using_none_aks900() {
    let (_, got) = scan_fixture("bicep/params-unpaired");
    assert_eq!(
        got,
        vec![
            ("AKS900".into(), "none.bicepparam".into(), 2),
            ("AKS901".into(), "missing.bicepparam".into(), 2),
        ]
    );
}

#[test]
fn a_using_none_file_pairs_as_configured() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("cluster.bicep"),
        fixture("bicep/params/cluster.bicep"),
    )
    .unwrap();
    fs::write(
        dir.path().join("p.bicepparam"),
        "using none\nparam outboundType = 'loadBalancer'\n",
    )
    .unwrap();
    fs::write(
        dir.path().join(".aksgate.toml"),
        "[[pair]]\ntemplate = \"cluster.bicep\"\nparameters = \"p.bicepparam\"\n",
    )
    .unwrap();
    let (_, doc) = check_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(
        pairs(&doc),
        vec![("AKS007".into(), "p.bicepparam".into(), 2)]
    );
}

#[test]
fn a_bicepparam_whose_template_is_not_lowered_is_aks900_beside_its_aks901() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("main.bicep"),
        "var x = loadYamlContent('nope.yaml')\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("main.bicepparam"),
        "using 'main.bicep'\nparam a = 1\n",
    )
    .unwrap();
    let (_, doc) = check_json(&[dir.path().to_str().unwrap()]);
    let rules: Vec<_> = pairs(&doc).into_iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(
        rules,
        vec![
            ("AKS900".into(), "main.bicepparam".into()),
            ("AKS901".into(), "main.bicep".into()),
        ]
    );
}

/// `extends`: each file is judged with its base's values under its own, an inherited
/// value reported at the `extends` line; the base (`using none`) is not reported as
/// feeding no template, since the files that extend it are checked with it.
#[test]
fn a_bicepparam_file_extends_its_base_values() {
    let (code, got) = scan_fixture("bicep/params-extends");
    assert_eq!(code, 1);
    assert_eq!(
        got,
        vec![
            ("AKS003".into(), "prod.bicepparam".into(), 6),
            ("AKS007".into(), "dev.bicepparam".into(), 5),
            ("AKS013".into(), "prod.bicepparam".into(), 6),
        ]
    );
    // Without a file that extends it, the base is a `using none` file like any other:
    // it feeds nothing known.
    let dir = tempfile::tempdir().unwrap();
    for f in ["shared.bicepparam", "cluster.bicep"] {
        fs::write(
            dir.path().join(f),
            fixture(&format!("bicep/params-extends/{f}")),
        )
        .unwrap();
    }
    let (_, doc) = check_json(&[dir.path().to_str().unwrap()]);
    assert!(
        pairs(&doc).contains(&("AKS900".into(), "shared.bicepparam".into(), 2)),
        "{doc}"
    );
}

/// A cluster declared beside Kubernetes objects (`extension kubernetes`, as AKS
/// application repositories do) is judged; the objects are the extension's.
#[test]
fn a_cluster_beside_kubernetes_extension_resources_is_judged() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("main.bicep"),
        "extension kubernetes with {\n  kubeConfig: aks.listClusterAdminCredential().kubeconfigs[0].value\n  namespace: 'default'\n} as k8s\n\
         resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {\n  name: 'aks'\n  location: 'westeurope'\n  identity: { type: 'SystemAssigned' }\n  properties: {\n    networkProfile: {\n      networkPlugin: 'kubenet'\n      outboundType: 'userDefinedRouting'\n    }\n  }\n}\n\
         resource web 'apps/Deployment@v1' = {\n  metadata: { name: 'web' }\n  spec: { replicas: 2 }\n}\n",
    )
    .unwrap();
    let (_, doc) = check_json(&[dir.path().to_str().unwrap()]);
    let rules: Vec<_> = pairs(&doc).into_iter().map(|p| p.0).collect();
    assert!(rules.contains(&"AKS003".to_string()), "{rules:?}");
    assert!(!rules.contains(&"AKS901".to_string()), "{rules:?}");
}
