//! Verdict accuracy on real-world ARM (issue 19): cases where a careful reading of the
//! template and aksgate's verdict must agree, counted finding by finding (the rule
//! fixtures compare sets of (rule, line), which cannot see two findings merged into one).
mod common;
use common::*;

// 6. Two clusters that take their plugin from one module parameter share every span of
// the finding: each still gets its own finding, naming its cluster.
#[test]
fn findings_on_different_clusters_sharing_a_span_are_not_merged() {
    let path = root().join("fixtures/bicep-compiled/fail-two-clusters-one-parameter.json");
    let (code, doc) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let aks003: Vec<String> = findings(&doc)
        .iter()
        .filter(|f| f["rule"] == "AKS003")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(aks003.len(), 2, "{aks003:?}");
    assert!(
        aks003.iter().any(|m| m.ends_with("(cluster aks-blue)")),
        "{aks003:?}"
    );
    assert!(
        aks003.iter().any(|m| m.ends_with("(cluster aks-green)")),
        "{aks003:?}"
    );
}

// 13. An empty or blank file named like a deployment file is invalid, not "not a
// deployment file"; an empty file with another name is still skipped.
#[test]
fn an_empty_file_named_like_a_deployment_file_is_aks901() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "azuredeploy.json",
        "mainTemplate.json",
        "aks.parameters.json",
        "x.deploymentTemplate.json",
    ] {
        std::fs::write(dir.path().join(name), " \n\t").unwrap();
    }
    std::fs::write(dir.path().join("empty.json"), "").unwrap();
    std::fs::write(dir.path().join("azuredeploy.parameters.dev.json"), "").unwrap();
    let (code, doc) = check_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let mut invalid: Vec<String> = findings(&doc)
        .iter()
        .filter(|f| f["rule"] == "AKS901")
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    invalid.sort();
    assert_eq!(
        invalid,
        [
            "aks.parameters.json",
            "azuredeploy.json",
            "azuredeploy.parameters.dev.json",
            "mainTemplate.json",
            "x.deploymentTemplate.json"
        ]
    );
    let human = run(&["check", dir.path().to_str().unwrap()], None);
    assert!(
        human.stdout.contains("the file is empty"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("Failed to read"), "{}", human.stdout);
}

const TEMPLATE: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "parameters": {"a": {"type": "int"}}, "resources": []}"#;
const PARAMETERS: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {"a": {"value": 1}}}"#;

// 11. A parameter file that pairs with no template, or with several alike, is reported
// at the parameter file with its candidates; a scan of only parameter files fails.
#[test]
fn parameter_files_that_pair_with_nothing_or_with_several_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("two")).unwrap();
    std::fs::create_dir_all(d.join("alone")).unwrap();
    std::fs::write(d.join("two/one.json"), TEMPLATE).unwrap();
    std::fs::write(d.join("two/other.json"), TEMPLATE).unwrap();
    std::fs::write(d.join("two/env.json"), PARAMETERS).unwrap();
    std::fs::write(d.join("alone/dev.json"), PARAMETERS).unwrap();
    let (code, doc) = check_json(&["--strict", d.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc}");
    let notes: Vec<(String, String, String)> = findings(&doc)
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("rule"), s("file"), s("message"))
        })
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    let of = |file: &str| {
        notes
            .iter()
            .find(|n| n.1 == file)
            .unwrap_or_else(|| panic!("{file}: {notes:?}"))
    };
    let (rule, _, message) = of("alone/dev.json");
    assert_eq!(rule, "AKS900");
    assert!(
        message.contains("pairs with no scanned template"),
        "{message}"
    );
    let (rule, _, message) = of("two/env.json");
    assert_eq!(rule, "AKS900");
    assert!(
        message.contains("'two/one.json', 'two/other.json'"),
        "{message}"
    );
    let human = run(&["check", d.to_str().unwrap()], None);
    assert!(human.stdout.contains("[[pair]]"), "{}", human.stdout);

    // An explicit pairing settles the ambiguity.
    std::fs::write(
        d.join(".aksgate.toml"),
        "[[pair]]\ntemplate = \"two/one.json\"\nparameters = \"two/env.json\"\n",
    )
    .unwrap();
    let r = run(&["check", "--format", "json", "."], Some(d));
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let files: Vec<String> = findings(&doc)
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files, ["alone/dev.json"], "{}", r.stdout);

    // Only parameter files: nothing is checked, and that does not pass.
    let r = run(&["check", d.join("alone").to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("only parameter files found"),
        "{}",
        r.stderr
    );
}

// An apiVersion nobody sets is unknown, not absent: the rules that depend on it say
// they cannot decide (it reached the policies as `null`, and AKS002 passed silently).
#[test]
fn an_unresolved_api_version_is_unknown_to_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"v": {"type": "string"}},
  "resources": [{
    "type": "Microsoft.ContainerService/managedClusters",
    "apiVersion": "[parameters('v')]",
    "name": "aks",
    "location": "westeurope",
    "identity": {"type": "SystemAssigned"},
    "properties": {
      "agentPoolProfiles": [{"name": "system", "vnetSubnetID": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}],
      "networkProfile": {"networkPlugin": "azure", "outboundType": "userDefinedRouting", "loadBalancerSku": "standard"}
    }
  }]
}"#;
    std::fs::write(dir.path().join("azuredeploy.json"), template).unwrap();
    let (_, doc) = check_json(&[dir.path().to_str().unwrap()]);
    let about: Vec<(String, String)> = findings(&doc)
        .iter()
        .filter(|f| f["rule"] == "AKS900")
        .map(|f| {
            (
                f["about"].as_str().unwrap_or("").to_string(),
                f["line"].to_string(),
            )
        })
        .collect();
    assert!(
        about.contains(&("AKS002".to_string(), "7".to_string())),
        "{about:?}"
    );
}
