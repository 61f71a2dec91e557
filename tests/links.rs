//! Linked templates the scan cannot see, or sees only by convention (issue 19 items 8-10,
//! `fixtures/links/`): each is judged through its parent or reported, never silence.
mod common;
use common::*;
use serde_json::Value;

fn scan(case: &str) -> (i32, Vec<Value>) {
    let dir = root().join("fixtures/links").join(case);
    let (code, doc) = check_json(&[dir.to_str().unwrap()]);
    (code, findings(&doc))
}

fn has(f: &[Value], rule: &str, file: &str, text: &str) -> bool {
    f.iter().any(|x| {
        x["rule"] == rule && x["file"] == file && x["message"].as_str().unwrap().contains(text)
    })
}

#[test]
fn a_link_beside_the_template_by_the_quickstart_convention_is_followed() {
    let (code, f) = scan("quickstart-uri");
    assert_eq!(code, 1, "{f:#?}");
    // kubenet is what the parent passes: the linked template's default (azure) is not
    // judged on its own.
    assert!(has(&f, "AKS003", "azuredeploy.json", "kubenet"), "{f:#?}");
    assert!(!f.iter().any(|x| x["rule"] == "AKS901"), "{f:#?}");
    assert_eq!(
        f.iter().filter(|x| x["rule"] == "AKS003").count(),
        1,
        "{f:#?}"
    );
}

#[test]
fn a_remote_linked_template_is_not_visible_not_silent() {
    let (_, f) = scan("remote");
    assert!(
        has(&f, "AKS900", "azuredeploy.json", "not visible"),
        "{f:#?}"
    );
}

#[test]
fn parameters_from_a_parameters_link_are_unknown_not_the_defaults() {
    let (_, f) = scan("parameters-link");
    assert_eq!(
        f.iter()
            .filter(|x| x["rule"] == "AKS900" && x["file"] == "azuredeploy.json")
            .count(),
        2,
        "{f:#?}"
    );
    // With its defaults (azure) the cluster would pass AKS003 silently.
    assert!(has(&f, "AKS900", "aks.json", "parametersLink"), "{f:#?}");
}

#[test]
fn a_template_spec_is_checked_and_a_deployment_of_one_by_id_is_not_visible() {
    let (code, f) = scan("template-spec");
    assert_eq!(code, 1);
    assert!(has(&f, "AKS003", "spec.json", "kubenet"), "{f:#?}");
    assert!(has(&f, "AKS900", "spec.json", "template spec"), "{f:#?}");
}
