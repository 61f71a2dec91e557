//! Issue 22 item 1 (AKS003 and `docs_edition`), item 5 (AKS013 dated by the scan day)
//! and issue 19 item 5 (AKS004 and an unresolvable vnetSubnetID), through the binary with
//! a configuration file.
mod common;
use common::*;
use std::fs;

fn aks003_fixture(name: &str) -> String {
    fs::read_to_string(root().join("fixtures/rules/AKS003").join(name)).unwrap()
}

fn scan_with(config: Option<&str>, template: &str) -> (i32, Vec<serde_json::Value>) {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("azuredeploy.json"), template).unwrap();
    if let Some(c) = config {
        fs::write(t.path().join(".aksgate.toml"), c).unwrap();
    }
    let (code, doc) = check_json(&[t.path().to_str().unwrap()]);
    // AKS014's note that no scanned file deploys the route's appliance is about the
    // egress path, not the edition.
    let f = findings(&doc)
        .into_iter()
        .filter(|f| !common::is_egress_note(f))
        .collect();
    (code, f)
}

#[test]
fn kubenet_udr_user_assigned_is_a_warning_unless_docs_edition_2019() {
    let template = aks003_fixture("fail-kubenet-user-assigned-warning.json");
    let (code, f) = scan_with(None, &template);
    // AKS013's kubenet retirement warning is about the plugin, not about UDR.
    let f: Vec<_> = f.into_iter().filter(|x| x["rule"] != "AKS013").collect();
    assert_eq!(code, 0, "{f:#?}");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (&f[0]["rule"], &f[0]["severity"]),
        (&"AKS003".into(), &"warning".into())
    );
    let (code, f) = scan_with(Some("docs_edition = \"2019\"\n"), &template);
    let f: Vec<_> = f.into_iter().filter(|x| x["rule"] != "AKS013").collect();
    assert_eq!(code, 1, "{f:#?}");
    assert_eq!(
        (&f[0]["rule"], &f[0]["severity"]),
        (&"AKS003".into(), &"error".into())
    );
    let (code, _) = scan_with(Some("docs_edition = \"current\"\n"), &template);
    assert_eq!(code, 0);
}

#[test]
fn kubenet_udr_system_assigned_is_an_error_in_every_edition() {
    let template = aks003_fixture("fail-kubenet.json");
    for config in [None, Some("docs_edition = \"2019\"\n")] {
        let (code, f) = scan_with(config, &template);
        assert_eq!(code, 1, "{f:#?}");
        assert_eq!(f[0]["severity"], "error");
    }
}

#[test]
fn an_unknown_docs_edition_is_a_configuration_error() {
    let template = aks003_fixture("fail-kubenet.json");
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("azuredeploy.json"), template).unwrap();
    fs::write(t.path().join(".aksgate.toml"), "docs_edition = \"2026\"\n").unwrap();
    let r = run(&["check", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("docs_edition"), "{}", r.stderr);
}

#[test]
fn a_present_unresolvable_subnet_satisfies_aks004() {
    let template = aks003_fixture("pass-azure.json").replace(
        "\"contentVersion\": \"1.0.0.0\",",
        "\"contentVersion\": \"1.0.0.0\",\n  \"parameters\": {\"subnetId\": {\"type\": \"string\"}},",
    );
    let sid = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-aks";
    assert!(template.contains(sid));
    let template = template.replace(
        &format!("\"vnetSubnetID\": \"{sid}\""),
        "\"vnetSubnetID\": \"[parameters('subnetId')]\"",
    );
    let (_, f) = scan_with(None, &template);
    assert!(
        !f.is_empty(),
        "the subnet cannot be checked: AKS005 says so"
    );
    for x in &f {
        assert_ne!(x["rule"], "AKS004", "{f:#?}");
        assert!(
            !x["message"].as_str().unwrap().starts_with("AKS004"),
            "{f:#?}"
        );
    }
}

/// (exit code, AKS013 findings' severities) of a scan of `fixture` on `day`
/// (`AKSGATE_TODAY`), with an optional configuration.
fn aks013_on(day: &str, fixture: &str, config: Option<&str>) -> (i32, Vec<String>) {
    let t = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(root().join("fixtures/rules/AKS013").join(fixture)).unwrap();
    fs::write(t.path().join("azuredeploy.json"), text).unwrap();
    if let Some(c) = config {
        fs::write(t.path().join(".aksgate.toml"), c).unwrap();
    }
    let out = bin()
        .env("AKSGATE_TODAY", day)
        .args(["check", "--format", "json", t.path().to_str().unwrap()])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let severities = findings(&doc)
        .iter()
        .filter(|f| f["rule"] == "AKS013")
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect();
    (out.status.code().unwrap_or(-1), severities)
}

#[test]
fn kubenet_is_a_warning_before_its_retirement_day_and_an_error_from_it() {
    for fixture in ["fail-kubenet.json", "fail-kubenet-plugin-not-set.json"] {
        assert_eq!(
            aks013_on("2028-03-30", fixture, None),
            (0, vec!["warning".into()])
        );
        assert_eq!(
            aks013_on("2028-03-31", fixture, None),
            (1, vec!["error".into()])
        );
        assert_eq!(
            aks013_on("2030-01-01", fixture, None),
            (1, vec!["error".into()])
        );
    }
    // Retirements are dates of the platform, not of the documentation: the 2019 edition
    // has them too.
    let edition = Some("docs_edition = \"2019\"\n");
    assert_eq!(
        aks013_on("2028-04-01", "fail-kubenet.json", edition),
        (1, vec!["error".into()])
    );
    // Retired already: an error on any day of a scan today.
    assert_eq!(
        aks013_on("2026-01-01", "fail-basic-load-balancer.json", None),
        (1, vec!["error".into()])
    );
    assert_eq!(
        aks013_on("2028-04-01", "pass-current-features.json", None),
        (0, vec![])
    );
}
