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
