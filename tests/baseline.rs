//! `--base REF` against real git repositories built in temporary folders, and
//! `--baseline PATH` against exported clusters.
mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.email=a@b", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    git(d.path(), &["init", "-q"]);
    d
}

fn commit(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A cluster template; `outbound` is the networkProfile.outboundType line (or nothing).
fn cluster(name: &str, outbound: Option<&str>) -> String {
    let ot = outbound
        .map(|o| format!(",\n          \"outboundType\": \"{o}\""))
        .unwrap_or_default();
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2023-05-01",
      "name": "{name}",
      "location": "westeurope",
      "properties": {{
        "dnsPrefix": "{name}",
        "agentPoolProfiles": [
          {{"name": "system", "mode": "System", "count": 3, "vmSize": "Standard_D4s_v5",
            "type": "VirtualMachineScaleSets",
            "vnetSubnetID": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks"}}
        ],
        "networkProfile": {{
          "networkPlugin": "azure"{ot}
        }}
      }}
    }}
  ]
}}
"#
    )
}

/// A template whose outboundType is a parameter, and its parameter file.
const PARAM_TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "clusterName": {"type": "string"},
    "outboundType": {"type": "string", "defaultValue": "loadBalancer"}
  },
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2023-05-01",
      "name": "[parameters('clusterName')]",
      "location": "westeurope",
      "properties": {
        "dnsPrefix": "aks",
        "agentPoolProfiles": [
          {"name": "system", "mode": "System", "count": 3, "vmSize": "Standard_D4s_v5",
           "type": "VirtualMachineScaleSets",
           "vnetSubnetID": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks"}
        ],
        "networkProfile": {
          "networkPlugin": "azure",
          "outboundType": "[parameters('outboundType')]"
        }
      }
    }
  ]
}
"#;

fn params(outbound: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "clusterName": {{"value": "aks-prod"}},
    "outboundType": {{"value": "{outbound}"}}
  }}
}}
"#
    )
}

/// `check --format json` with `args`, run in `dir`.
fn check_in(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all, Some(dir));
    let doc = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r.code, doc, r.stderr)
}

fn rule_findings(doc: &Value, rule: &str) -> Vec<Value> {
    findings(doc)
        .into_iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

#[test]
fn changed_outbound_type_is_aks006_with_the_base_location() {
    let d = repo();
    let old = cluster("aks-prod", Some("userDefinedRouting"));
    write(d.path(), "infra/aks.json", &old);
    commit(d.path(), "base");
    let new = cluster("aks-prod", Some("loadBalancer"));
    write(d.path(), "infra/aks.json", &new);
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    assert_eq!(code, 1, "{err}");
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f.len(), 1, "{doc:#}");
    let f = &f[0];
    assert_eq!(f["file"], "infra/aks.json");
    assert_eq!(f["line"], line_of(&new, "outboundType"));
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("from userDefinedRouting (in infra/aks.json@HEAD) to loadBalancer"));
    let rel = &f["related"][0];
    assert_eq!(rel["file"], "infra/aks.json@HEAD");
    assert_eq!(rel["line"], line_of(&old, "outboundType"));
    assert_eq!(rel["message"], "was userDefinedRouting");
}

#[test]
fn removed_outbound_type_is_a_change_from_the_default() {
    let d = repo();
    write(
        d.path(),
        "aks.json",
        &cluster("aks", Some("userDefinedRouting")),
    );
    commit(d.path(), "base");
    write(d.path(), "aks.json", &cluster("aks", None));
    let (code, doc, _) = check_in(d.path(), &["--base", "HEAD"]);
    assert_eq!(code, 1);
    assert_eq!(rule_findings(&doc, "AKS006").len(), 1, "{doc:#}");
}

#[test]
fn change_through_a_parameter_file_points_at_the_parameter_file() {
    let d = repo();
    write(d.path(), "infra/aks.json", PARAM_TEMPLATE);
    write(
        d.path(),
        "infra/aks.parameters.json",
        &params("userDefinedRouting"),
    );
    commit(d.path(), "base");
    let new = params("loadBalancer");
    write(d.path(), "infra/aks.parameters.json", &new);
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    assert_eq!(code, 1, "{err}");
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(f[0]["file"], "infra/aks.parameters.json");
    assert_eq!(f[0]["line"], line_of(&new, "\"outboundType\""));
    assert_eq!(f[0]["parameterFile"], "infra/aks.parameters.json");
    let related: Vec<&str> = f[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert!(
        related.contains(&"infra/aks.parameters.json@HEAD"),
        "{related:?}"
    );
}

#[test]
fn unchanged_outbound_type_passes() {
    let d = repo();
    write(
        d.path(),
        "aks.json",
        &cluster("aks", Some("userDefinedRouting")),
    );
    commit(d.path(), "base");
    // Another property changes; outboundType stays (written in another case).
    let new = cluster("aks", Some("UserDefinedRouting")).replace("\"count\": 3", "\"count\": 5");
    write(d.path(), "aks.json", &new);
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    assert_eq!(code, 0, "{err} {doc:#}");
    assert!(rule_findings(&doc, "AKS006").is_empty());
}

#[test]
fn a_new_cluster_is_not_a_mutation() {
    let d = repo();
    write(
        d.path(),
        "a/aks.json",
        &cluster("aks-a", Some("userDefinedRouting")),
    );
    commit(d.path(), "base");
    // A new file, untracked, and a second cluster renamed in place.
    write(
        d.path(),
        "b/aks.json",
        &cluster("aks-b", Some("loadBalancer")),
    );
    write(
        d.path(),
        "a/aks.json",
        &cluster("aks-a2", Some("loadBalancer")),
    );
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(rule_findings(&doc, "AKS006").is_empty(), "{doc:#}");
}

#[test]
fn a_renamed_file_keeps_its_history() {
    let d = repo();
    write(
        d.path(),
        "old/aks.json",
        &cluster("aks", Some("userDefinedRouting")),
    );
    commit(d.path(), "base");
    git(d.path(), &["mv", "old", "new"]);
    write(
        d.path(),
        "new/aks.json",
        &cluster("aks", Some("loadBalancer")),
    );
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    assert_eq!(code, 1, "{err}");
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(f[0]["file"], "new/aks.json");
    assert_eq!(f[0]["related"][0]["file"], "old/aks.json@HEAD");
}

#[test]
fn a_ref_that_does_not_exist_is_exit_2() {
    let d = repo();
    write(d.path(), "aks.json", &cluster("aks", None));
    commit(d.path(), "base");
    let r = run(&["check", "--base", "no-such-branch"], Some(d.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("git revision `no-such-branch` does not exist"),
        "{}",
        r.stderr
    );
}

#[test]
fn not_a_git_repository_is_exit_2() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "aks.json", &cluster("aks", None));
    let r = run(&["check", "--base", "HEAD"], Some(d.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not in one"), "{}", r.stderr);
}

#[test]
fn a_subdirectory_of_the_repository_is_scanned_relative_to_itself() {
    let d = repo();
    write(
        d.path(),
        "deploy/infra/aks.json",
        &cluster("aks", Some("userDefinedRouting")),
    );
    commit(d.path(), "base");
    write(
        d.path(),
        "deploy/infra/aks.json",
        &cluster("aks", Some("loadBalancer")),
    );
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD", "deploy"]);
    assert_eq!(code, 1, "{err}");
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(f[0]["related"][0]["file"], "infra/aks.json@HEAD");
}

/// `az aks show -o json` of a cluster: properties flattened to the top level.
fn aks_show(name: &str, outbound: &str) -> Value {
    serde_json::json!({
        "id": format!("/subscriptions/0/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}"),
        "name": name,
        "type": "Microsoft.ContainerService/ManagedClusters",
        "location": "westeurope",
        "provisioningState": "Succeeded",
        "agentPoolProfiles": [{"name": "system", "count": 3, "vnetSubnetID": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks"}],
        "networkProfile": {"networkPlugin": "azure", "outboundType": outbound, "loadBalancerSku": "standard"}
    })
}

fn export_case(baseline: &Path, scanned: &Path) -> (i32, Value, String) {
    check_in(
        scanned,
        &["--baseline", baseline.to_str().unwrap(), "aks.json"],
    )
}

#[test]
fn baseline_single_exported_cluster() {
    let d = tempfile::tempdir().unwrap();
    let new = cluster("AKS-Prod", Some("userDefinedRouting"));
    write(d.path(), "aks.json", &new);
    let live = d.path().join("live.json");
    fs::write(
        &live,
        serde_json::to_string_pretty(&aks_show("aks-prod", "loadBalancer")).unwrap(),
    )
    .unwrap();
    let (code, doc, err) = export_case(&live, d.path());
    assert_eq!(code, 1, "{err}");
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(f[0]["line"], line_of(&new, "outboundType"));
    let rel = &f[0]["related"][0];
    assert!(
        rel["file"].as_str().unwrap().ends_with("live.json"),
        "{rel}"
    );
    assert_eq!(rel["message"], "was loadBalancer");
    assert!(f[0]["message"].as_str().unwrap().contains("(export)"));

    // Same outboundType live: clean.
    fs::write(
        &live,
        serde_json::to_string_pretty(&aks_show("aks-prod", "userDefinedRouting")).unwrap(),
    )
    .unwrap();
    let (code, doc, _) = export_case(&live, d.path());
    assert_eq!(code, 0, "{doc:#}");
}

#[test]
fn baseline_array_of_exported_clusters_matches_by_name() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "aks.json",
        &cluster("aks-b", Some("loadBalancer")),
    );
    let live = d.path().join("list.json");
    let list = serde_json::json!([
        aks_show("aks-a", "loadBalancer"),
        aks_show("aks-b", "userDefinedRouting")
    ]);
    fs::write(&live, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    let (code, doc, err) = export_case(&live, d.path());
    assert_eq!(code, 1, "{err}");
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f.len(), 1, "{doc:#}");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("from userDefinedRouting"));
}

#[test]
fn baseline_folder_of_exports_and_resource_show_shape() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "aks.json", &cluster("aks-c", None));
    let live = d.path().join("live");
    fs::create_dir(&live).unwrap();
    fs::write(
        live.join("a.json"),
        serde_json::to_string(&aks_show("aks-a", "loadBalancer")).unwrap(),
    )
    .unwrap();
    // `az resource show`: properties under `properties`.
    let c = serde_json::json!({
        "id": "/subscriptions/0/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-c",
        "name": "aks-c",
        "type": "Microsoft.ContainerService/managedClusters",
        "properties": {"networkProfile": {"outboundType": "managedNATGateway"}}
    });
    fs::write(live.join("c.json"), serde_json::to_string(&c).unwrap()).unwrap();
    fs::write(live.join("notes.json"), r#"{"not": "an export"}"#).unwrap();
    let (code, doc, err) = export_case(&live, d.path());
    assert_eq!(code, 1, "{err}");
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f.len(), 1, "{doc:#}");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("from managedNATGateway"));
    assert!(f[0]["related"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("live/c.json"));
}

#[test]
fn baseline_without_an_export_is_exit_2() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "aks.json", &cluster("aks", None));
    let r = run(
        &["check", "--baseline", "aks.json", "aks.json"],
        Some(d.path()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("is not an exported cluster"),
        "{}",
        r.stderr
    );
    let r = run(
        &["check", "--baseline", "missing.json", "aks.json"],
        Some(d.path()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn input_exposes_the_baseline() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "aks.json", &cluster("aks", Some("loadBalancer")));
    let live = d.path().join("live.json");
    fs::write(
        &live,
        serde_json::to_string(&aks_show("aks", "userDefinedRouting")).unwrap(),
    )
    .unwrap();
    let r = run(
        &["input", "--baseline", "live.json", "aks.json"],
        Some(d.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let docs: Value = serde_json::from_str(&r.stdout).unwrap();
    let b = &docs[0]["resources"][0]["baseline"];
    assert_eq!(b["ref"], 0);
    assert_eq!(b["source"], "export");
    assert_eq!(b["file"], "live.json");
    assert_eq!(b["name"], "aks");
    assert_eq!(
        b["properties"]["networkProfile"]["outboundType"],
        "userDefinedRouting"
    );
    assert_eq!(
        docs[0]["aksgate"]["options"]["allowDocumentedMigrations"],
        false
    );
}

#[test]
fn documented_migrations_are_allowed_only_with_the_flag() {
    let d = repo();
    // BYO VNet (the pool has a vnetSubnetID): loadBalancer -> userDefinedRouting is a
    // documented migration; loadBalancer -> managedNATGateway is not supported.
    write(d.path(), "aks.json", &cluster("aks", Some("loadBalancer")));
    commit(d.path(), "base");
    write(
        d.path(),
        "aks.json",
        &cluster("aks", Some("userDefinedRouting")),
    );
    let (code, doc, _) = check_in(d.path(), &["--base", "HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    let (_, doc, err) = check_in(
        d.path(),
        &["--base", "HEAD", "--allow-documented-migrations"],
    );
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f.len(), 1, "{err} {doc:#}");
    assert_eq!(f[0]["severity"], "note");
    write(
        d.path(),
        "aks.json",
        &cluster("aks", Some("managedNATGateway")),
    );
    let (code, doc, _) = check_in(
        d.path(),
        &["--base", "HEAD", "--allow-documented-migrations"],
    );
    assert_eq!(code, 1);
    let f = rule_findings(&doc, "AKS006");
    assert_eq!(f[0]["severity"], "error");
    assert!(f[0]["message"].as_str().unwrap().contains("not supported"));
}

#[test]
fn changed_only_reports_only_changed_files() {
    let d = repo();
    // Two clusters with findings from other rules (kubenet + UDR = AKS003).
    let bad = cluster("aks-a", Some("userDefinedRouting")).replace("\"azure\"", "\"kubenet\"");
    write(d.path(), "a/aks.json", &bad);
    write(
        d.path(),
        "b/aks.json",
        &cluster("aks-b", Some("userDefinedRouting")).replace("\"azure\"", "\"kubenet\""),
    );
    // A template whose parameter file changes, in a third folder.
    write(d.path(), "c/aks.json", PARAM_TEMPLATE);
    write(d.path(), "c/aks.parameters.json", &params("loadBalancer"));
    commit(d.path(), "base");
    write(d.path(), "b/aks.json", &format!("{bad}\n"));
    write(
        d.path(),
        "c/aks.parameters.json",
        &params("userDefinedRouting"),
    );

    let (_, full, _) = check_in(d.path(), &["--base", "HEAD"]);
    let files = |doc: &Value| -> std::collections::BTreeSet<String> {
        findings(doc)
            .iter()
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(files(&full).contains("a/aks.json"), "{full:#}");
    let (code, changed, err) = check_in(d.path(), &["--base", "HEAD", "--changed-only"]);
    assert_eq!(code, 1, "{err}");
    let got = files(&changed);
    assert!(!got.contains("a/aks.json"), "{got:?}");
    assert!(got.contains("b/aks.json"), "{got:?}");
    // The unchanged template is evaluated through its changed parameter file.
    assert!(
        got.contains("c/aks.parameters.json") || got.contains("c/aks.json"),
        "{got:?}"
    );
    assert!(rule_findings(&changed, "AKS006")
        .iter()
        .any(|f| f["file"] == "c/aks.parameters.json"));

    // Nothing changed: nothing to evaluate, the gate passes.
    commit(d.path(), "change");
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD", "--changed-only"]);
    assert_eq!(code, 0, "{err}");
    assert!(findings(&doc).is_empty());
}

#[test]
fn changed_only_needs_base() {
    let r = run(&["check", "--changed-only", "."], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn unresolved_names_match_by_expression_or_say_they_cannot() {
    let d = repo();
    let t = cluster("[parameters('n')]", Some("userDefinedRouting")).replace(
        "\"contentVersion\": \"1.0.0.0\",",
        "\"contentVersion\": \"1.0.0.0\", \"parameters\": {\"n\": {\"type\": \"string\"}},",
    );
    write(d.path(), "aks.json", &t);
    commit(d.path(), "base");
    // Same expression, same file: the same cluster.
    write(
        d.path(),
        "aks.json",
        &t.replace("\"userDefinedRouting\"", "\"loadBalancer\""),
    );
    let (_, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    assert_eq!(rule_findings(&doc, "AKS006").len(), 1, "{err} {doc:#}");
    // Another expression: cannot tell, and says so (AKS900 about AKS006).
    write(
        d.path(),
        "aks.json",
        &t.replace("[parameters('n')]", "[concat('x', parameters('n'))]"),
    );
    let (_, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    let f = rule_findings(&doc, "AKS900");
    assert!(
        f.iter().any(|f| f["about"] == "AKS006"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("cannot match cluster")),
        "{err} {doc:#}"
    );
}

/// `--base` on the native front ends: a changed `.bicep`, `.bicepparam` or `.tf` is
/// compared with its base revision as a JSON template is (these used to be left out of
/// the base side: the outboundType change passed).
#[test]
fn bicep_and_terraform_changes_are_aks006_against_the_base_revision() {
    let bicep = |outbound: &str| {
        format!(
            "param outbound string = '{outbound}'\n\nresource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {{\n  name: 'aks-bicep'\n  location: 'westeurope'\n  properties: {{\n    networkProfile: {{\n      networkPlugin: 'azure'\n      outboundType: outbound\n    }}\n  }}\n}}\n"
        )
    };
    let params =
        |outbound: &str| format!("using './params.bicep'\n\nparam outbound = '{outbound}'\n");
    let tf = |outbound: &str| {
        format!(
            "resource \"azurerm_kubernetes_cluster\" \"aks\" {{\n  name       = \"aks-tf\"\n  location   = \"westeurope\"\n  dns_prefix = \"aks\"\n  default_node_pool {{\n    name = \"system\"\n  }}\n  identity {{\n    type = \"SystemAssigned\"\n  }}\n  network_profile {{\n    network_plugin = \"azure\"\n    outbound_type  = \"{outbound}\"\n  }}\n}}\n"
        )
    };
    let d = repo();
    write(d.path(), "bicep/main.bicep", &bicep("loadBalancer"));
    write(d.path(), "bicepparam/params.bicep", &bicep("loadBalancer"));
    write(
        d.path(),
        "bicepparam/prod.bicepparam",
        &params("loadBalancer"),
    );
    write(d.path(), "tf/main.tf", &tf("loadBalancer"));
    commit(d.path(), "base");
    write(d.path(), "bicep/main.bicep", &bicep("userDefinedRouting"));
    write(
        d.path(),
        "bicepparam/prod.bicepparam",
        &params("managedNATGateway"),
    );
    write(d.path(), "tf/main.tf", &tf("managedNATGateway"));
    let (_, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    let mut got: Vec<(String, u64)> = rule_findings(&doc, "AKS006")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("bicep/main.bicep".to_string(), 1),
            ("bicepparam/prod.bicepparam".to_string(), 3),
            ("tf/main.tf".to_string(), 13),
        ],
        "{err}{doc:#}"
    );
    let related: Vec<String> = rule_findings(&doc, "AKS006")
        .iter()
        .map(|f| f["related"][0]["file"].as_str().unwrap().to_string())
        .collect();
    assert!(
        related.contains(&"tf/main.tf@HEAD".to_string()),
        "{related:?}"
    );
}

/// A change in a file a front end reads besides the deployment file (a Terraform
/// module's `variables.tf` or `terraform.tfvars`, a Bicep module) changes the
/// deployment: it is compared with the base revision, its module read as it was there.
#[test]
fn a_change_in_a_module_file_is_compared_with_the_module_at_the_base() {
    let main_tf = "resource \"azurerm_kubernetes_cluster\" \"aks\" {\n  name       = \"aks-tf\"\n  location   = \"westeurope\"\n  dns_prefix = \"aks\"\n  default_node_pool {\n    name = \"system\"\n  }\n  identity {\n    type = \"SystemAssigned\"\n  }\n  network_profile {\n    network_plugin = \"azure\"\n    outbound_type  = var.outbound\n  }\n}\n";
    let vars = |o: &str| format!("variable \"outbound\" {{\n  default = \"{o}\"\n}}\n");
    let tfvars = |o: &str| format!("outbound = \"{o}\"\n");
    let main_bicep =
        "module aks './aks.bicep' = {\n  name: 'aks'\n  params: {\n    plugin: 'azure'\n  }\n}\n";
    let module = |o: &str| {
        format!(
            "param plugin string\n\nresource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {{\n  name: 'aks-bicep'\n  location: 'westeurope'\n  properties: {{\n    networkProfile: {{\n      networkPlugin: plugin\n      outboundType: '{o}'\n    }}\n  }}\n}}\n"
        )
    };
    let d = repo();
    write(d.path(), "tf/main.tf", main_tf);
    write(d.path(), "tf/variables.tf", &vars("loadBalancer"));
    write(d.path(), "tfvars/main.tf", main_tf);
    write(d.path(), "tfvars/variables.tf", &vars("loadBalancer"));
    write(d.path(), "tfvars/terraform.tfvars", &tfvars("loadBalancer"));
    write(d.path(), "bicep/main.bicep", main_bicep);
    write(d.path(), "bicep/aks.bicep", &module("loadBalancer"));
    commit(d.path(), "base");
    write(d.path(), "tf/variables.tf", &vars("managedNATGateway"));
    write(
        d.path(),
        "tfvars/terraform.tfvars",
        &tfvars("managedNATGateway"),
    );
    write(d.path(), "bicep/aks.bicep", &module("managedNATGateway"));
    let (_, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    let files: std::collections::BTreeSet<String> = rule_findings(&doc, "AKS006")
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert!(files.contains("tf/main.tf"), "{err}{doc:#}");
    assert!(files.contains("tfvars/main.tf"), "{err}{doc:#}");
    assert!(
        files.iter().any(|f| f.starts_with("bicep/")),
        "{err}{doc:#}"
    );
    // An unchanged module: nothing to compare, no AKS006.
    let d2 = repo();
    write(d2.path(), "tf/main.tf", main_tf);
    write(d2.path(), "tf/variables.tf", &vars("loadBalancer"));
    commit(d2.path(), "base");
    write(d2.path(), "tf/README.txt", "unrelated\n");
    let (_, doc, _) = check_in(d2.path(), &["--base", "HEAD"]);
    assert!(rule_findings(&doc, "AKS006").is_empty(), "{doc:#}");
}

/// A change in the base file a `.bicepparam` file `extends` changes that deployment:
/// compared with the base revision's base file, it is AKS006.
#[test]
fn a_change_in_an_extended_bicepparam_base_is_compared() {
    let template = "param outboundType string\n\nresource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {\n  name: 'aks'\n  location: 'westeurope'\n  properties: {\n    networkProfile: {\n      networkPlugin: 'azure'\n      outboundType: outboundType\n    }\n  }\n}\n";
    let shared = |o: &str| format!("using none\n\nparam outboundType = '{o}'\n");
    let d = repo();
    write(d.path(), "main.bicep", template);
    write(
        d.path(),
        "prod.bicepparam",
        "using 'main.bicep'\n\nextends 'shared.bicepparam'\n",
    );
    write(d.path(), "shared.bicepparam", &shared("loadBalancer"));
    commit(d.path(), "base");
    write(d.path(), "shared.bicepparam", &shared("managedNATGateway"));
    let (_, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    let files: Vec<String> = rule_findings(&doc, "AKS006")
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files, ["prod.bicepparam"], "{err}{doc:#}");
}

/// A named Terraform variable file is a file of its deployment: a change to it alone
/// touches the module's verdict with that file (and only that one), as a parameter
/// file's does.
#[test]
fn a_change_in_a_named_tfvars_file_alone_touches_its_verdict() {
    let fixture = common::root().join("fixtures/terraform/fail-var-files-per-env");
    let d = repo();
    for f in [
        ".aksgate.toml",
        "infra/aks/main.tf",
        "infra/aks/variables.tf",
        "env/prod.tfvars.json",
    ] {
        write(
            d.path(),
            f,
            &std::fs::read_to_string(fixture.join(f)).unwrap(),
        );
    }
    let dev = |plugin: &str, outbound: &str| {
        format!("network_plugin = \"{plugin}\"\noutbound_type  = \"{outbound}\"\n")
    };
    write(d.path(), "env/dev.tfvars", &dev("azure", "loadBalancer"));
    commit(d.path(), "base");
    write(
        d.path(),
        "env/dev.tfvars",
        &dev("kubenet", "userDefinedRouting"),
    );
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD", "--changed-only"]);
    assert_eq!(code, 1, "{err}{doc:#}");
    let aks003 = rule_findings(&doc, "AKS003");
    assert_eq!(aks003.len(), 1, "{doc:#}");
    assert_eq!(aks003[0]["parameterFile"], "env/dev.tfvars");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] != "AKS900")
            .all(|f| f["parameterFile"] == "env/dev.tfvars"),
        "only the changed variable file's verdict: {doc:#}"
    );
    // The base revision is evaluated with the same file as it was: compared, not AKS900.
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "AKS900" && f["about"] == "AKS006"),
        "{doc:#}"
    );
}

/// The base module is evaluated with the named variable file as it was at the revision,
/// not with the module's defaults: a change the file makes back to the default value is
/// still a change (it passed silently when the base was the defaults). A variable file
/// new at the revision has no base pairing: AKS006 is said not to be checked.
#[test]
fn the_base_module_is_evaluated_with_the_base_variable_file() {
    let fixture = common::root().join("fixtures/terraform/fail-var-files-per-env");
    let d = repo();
    for f in [
        ".aksgate.toml",
        "infra/aks/main.tf",
        "infra/aks/variables.tf",
        "env/dev.tfvars",
        "env/prod.tfvars.json",
    ] {
        write(
            d.path(),
            f,
            &std::fs::read_to_string(fixture.join(f)).unwrap(),
        );
    }
    commit(d.path(), "base");
    // dev was userDefinedRouting; now the module's default, loadBalancer.
    write(
        d.path(),
        "env/dev.tfvars",
        "network_plugin = \"azure\"\noutbound_type  = \"loadBalancer\"\n",
    );
    let (code, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    assert_eq!(code, 1, "{err}{doc:#}");
    let aks006 = rule_findings(&doc, "AKS006");
    assert_eq!(aks006.len(), 1, "{doc:#}");
    assert_eq!(aks006[0]["parameterFile"], "env/dev.tfvars");
    assert!(
        aks006[0]["message"]
            .as_str()
            .unwrap()
            .contains("from userDefinedRouting"),
        "{doc:#}"
    );

    // A variable file that did not exist at the revision.
    let toml = std::fs::read_to_string(d.path().join(".aksgate.toml")).unwrap();
    write(
        d.path(),
        ".aksgate.toml",
        &format!("{toml}\n[[pair]]\ntemplate = \"infra/aks\"\nparameters = \"env/test.tfvars\"\n"),
    );
    write(
        d.path(),
        "env/test.tfvars",
        "outbound_type = \"userDefinedRouting\"\n",
    );
    let (_, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    let unchecked: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "AKS900" && f["about"] == "AKS006")
        .collect();
    assert_eq!(unchecked.len(), 1, "{err}{doc:#}");
    assert!(
        unchecked[0]["message"]
            .as_str()
            .unwrap()
            .contains("with the variable file env/test.tfvars"),
        "{doc:#}"
    );
}

/// A template that is at the revision but cannot be evaluated there (here: its only
/// variable file did not parse) is said not to be compared, with why; it was silence.
#[test]
fn a_base_that_cannot_be_evaluated_is_said_not_compared() {
    let fixture = common::root().join("fixtures/terraform/fail-var-files-per-env");
    let d = repo();
    for f in ["infra/aks/main.tf", "infra/aks/variables.tf"] {
        write(
            d.path(),
            f,
            &std::fs::read_to_string(fixture.join(f)).unwrap(),
        );
    }
    write(
        d.path(),
        ".aksgate.toml",
        "[[pair]]\ntemplate = \"infra/aks\"\nparameters = \"env/dev.tfvars\"\n",
    );
    write(d.path(), "env/dev.tfvars", "outbound_type = \n");
    commit(d.path(), "base");
    write(
        d.path(),
        "env/dev.tfvars",
        "outbound_type = \"loadBalancer\"\n",
    );
    let (_, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    let unchecked: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "AKS900" && f["about"] == "AKS006")
        .collect();
    assert_eq!(unchecked.len(), 1, "{err}{doc:#}");
    let m = unchecked[0]["message"].as_str().unwrap();
    assert!(
        m.contains("could not be evaluated there") && m.contains("env/dev.tfvars is invalid"),
        "{m}"
    );
}

/// A `.bicep` whose cluster is in a module: its base version is lowered with the
/// revision's module, so an outboundType change through the module's parameters is
/// AKS006 (the base file did not lower without its module and had no base job: silence).
#[test]
fn a_bicep_module_change_is_compared_with_the_base_revision() {
    let d = repo();
    let module = std::fs::read_to_string(
        common::root().join("tests/data/bicep-registry/managed-cluster.json"),
    )
    .unwrap();
    write(d.path(), "modules/aks.json", &module);
    let main = |outbound: &str| {
        format!(
            "module aks './modules/aks.json' = {{\n  name: 'aks'\n  params: {{\n    name: 'aks-prod'\n    outboundType: '{outbound}'\n  }}\n}}\n"
        )
    };
    write(d.path(), "main.bicep", &main("loadBalancer"));
    commit(d.path(), "base");
    write(d.path(), "main.bicep", &main("userDefinedRouting"));
    let (_, doc, err) = check_in(d.path(), &["--base", "HEAD"]);
    let aks006 = rule_findings(&doc, "AKS006");
    assert_eq!(aks006.len(), 1, "{err}{doc:#}");
    assert_eq!(aks006[0]["file"], "main.bicep");
    assert!(
        aks006[0]["message"]
            .as_str()
            .unwrap()
            .contains("from loadBalancer (in main.bicep@HEAD) to userDefinedRouting"),
        "{doc:#}"
    );
}
