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
