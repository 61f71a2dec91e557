//! The repository-wide network view: a UDR cluster's subnet followed to its route table
//! across files (`fixtures/network/two-files`: the aks-baseline layout, a cluster stamp
//! whose subnet id comes from a parameter file and a spoke network in another folder).
mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A copy of the two-file fixture with `edit(spoke.json text)` applied.
fn variant(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures/network/two-files"), t.path());
    let spoke = t.path().join("networking/spoke.json");
    fs::write(&spoke, edit(fs::read_to_string(&spoke).unwrap())).unwrap();
    t
}

fn scan(dir: &Path, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args = vec![dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, doc) = check_json(&args);
    (code, findings(&doc))
}

fn related(f: &Value) -> Vec<(String, u64)> {
    f["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn default_route_to_internet_across_two_files_shows_the_chain() {
    let (code, f) = scan(&root().join("fixtures/network/two-files"), &[]);
    assert_eq!(code, 1);
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = &f[0];
    assert_eq!(f["rule"], "AKS005");
    // Primary: where the cluster's vnetSubnetID is computed (the variable), for the
    // pairing with the prod parameter file that supplies the vnet id.
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some("cluster/cluster-stamp.json"), Some(8))
    );
    assert_eq!(
        f["parameterFile"],
        "cluster/cluster-stamp.parameters.prod.json"
    );
    let r = related(f);
    // subnet -> route table -> offending route, each in the network file.
    let pos = |file: &str, line: u64| {
        r.iter()
            .position(|x| x == &(file.to_string(), line))
            .unwrap_or_else(|| panic!("{file}:{line} not in {r:?}"))
    };
    let subnet = pos("networking/spoke.json", 40);
    let table = pos("networking/spoke.json", 11);
    let route = pos("networking/spoke.json", 22);
    assert!(subnet < table && table < route, "{r:?}");
    // And where the vnet id came from.
    pos("cluster/cluster-stamp.parameters.prod.json", 6);
}

#[test]
fn subnet_without_route_table_in_another_file() {
    let t = variant(|s| {
        s.replace("\"snet-clusternodes\"", "\"snet-old\"")
            .replace("\"snet-ingress\"", "\"snet-clusternodes\"")
    });
    let (_, f) = scan(t.path(), &[]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("has no route table"),
        "{}",
        f[0]["message"]
    );
}

#[test]
fn valid_route_to_an_appliance_passes() {
    let t = variant(|s| {
        s.replace(
            "\"nextHopType\": \"Internet\"",
            "\"nextHopType\": \"VirtualAppliance\", \"nextHopIpAddress\": \"[parameters('hubFirewallIp')]\"",
        )
    });
    assert_eq!(scan(t.path(), &[]), (0, vec![]));
}

#[test]
fn subnet_missing_from_the_repository_is_aks900_unless_the_network_lives_elsewhere() {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures/network/two-files/cluster"), t.path());
    let (code, f) = scan(t.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule"], "AKS900");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("not in the scanned files"));
    assert_eq!(scan(t.path(), &["--strict"]).0, 1);
    fs::write(t.path().join(".aksgate.toml"), "external_network = true\n").unwrap();
    assert_eq!(scan(t.path(), &[]), (0, vec![]));
}

/// Without the parameter file the subnet id is unknown.
fn without_parameter_file(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let t = variant(edit);
    fs::remove_file(t.path().join("cluster/cluster-stamp.parameters.prod.json")).unwrap();
    t
}

#[test]
fn two_candidate_subnets_no_guessing() {
    // Both subnets get the route table: two candidates, nothing assumed.
    let t = without_parameter_file(|s| {
        s.replace(
            "\"properties\": {\"addressPrefix\": \"10.240.4.0/28\"}",
            "\"properties\": {\"addressPrefix\": \"10.240.4.0/28\", \"routeTable\": {\"id\": \"[resourceId('Microsoft.Network/routeTables', variables('routeTableName'))]\"}}",
        )
    });
    let (code, f) = scan(t.path(), &[]);
    assert_eq!(code, 0, "{f:#?}");
    assert!(!f.is_empty());
    for x in &f {
        assert_eq!(x["rule"], "AKS900");
        assert!(!x["message"].as_str().unwrap().contains("assumed"), "{x}");
    }
}

#[test]
fn a_single_udr_ready_subnet_is_assumed_and_says_so() {
    let t = without_parameter_file(|s| s);
    let (code, f) = scan(t.path(), &[]);
    assert_eq!(code, 1, "{f:#?}");
    let aks005 = f
        .iter()
        .find(|x| x["rule"] == "AKS005")
        .expect("AKS005 on the assumed subnet");
    assert!(
        aks005["message"].as_str().unwrap().contains("assumed"),
        "{}",
        aks005["message"]
    );
    let note = f
        .iter()
        .find(|x| x["rule"] == "AKS900")
        .expect("the assumption is reported");
    assert_eq!(note["severity"], "note");
    assert!(note["message"]
        .as_str()
        .unwrap()
        .contains("the only subnet with a route table"));
}

#[test]
fn policy_input_exposes_the_cross_file_network() {
    let r = run(
        &[
            "input",
            root().join("fixtures/network/two-files").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 0);
    let docs: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    let cluster = docs
        .iter()
        .find(|d| d["file"] == "cluster/cluster-stamp.json" && d["parameterFile"].is_string())
        .unwrap();
    let subnets = cluster["network"]["subnets"].as_array().unwrap();
    assert!(subnets
        .iter()
        .any(|s| s["key"] == "virtualnetworks/vnet-spoke-app/subnets/snet-clusternodes"));
    let ext: Vec<&Value> = cluster["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["external"] == true)
        .collect();
    assert!(
        ext.iter().all(|r| r["file"] == "networking/spoke.json"),
        "{ext:?}"
    );
    assert_eq!(cluster["aksgate"]["options"]["externalNetwork"], false);
}

#[test]
fn outbound_ips_follow_public_ips_created_in_another_file() {
    let t = tempfile::tempdir().unwrap();
    fs::write(
        t.path().join("pip.json"),
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "pip-egress", "location": "westeurope", "sku": {"name": "Standard"}}
  ]
}
"#,
    )
    .unwrap();
    fs::write(
        t.path().join("aks.json"),
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2023-05-01", "name": "aks", "location": "westeurope",
      "properties": {
        "agentPoolProfiles": [{"name": "system"}],
        "networkProfile": {
          "loadBalancerSku": "basic",
          "loadBalancerProfile": {"outboundIPs": {"publicIPs": [{"id": "[resourceId('Microsoft.Network/publicIPAddresses', 'pip-egress')]"}]}}
        }
      }
    }
  ]
}
"#,
    )
    .unwrap();
    let (code, f) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    let pip: Vec<&Value> = f.iter().filter(|x| x["file"] == "pip.json").collect();
    assert_eq!(
        pip.len(),
        1,
        "the public IP is reported once, by its own file: {f:#?}"
    );
    let outbound = f
        .iter()
        .find(|x| x["file"] == "aks.json" && x["message"].as_str().unwrap().contains("outboundIPs"))
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(related(outbound), vec![("pip.json".to_string(), 5)]);
}

/// One folder per environment, each deploying a network under the same names: a
/// cluster is checked against its own environment's network (the nearest folder), so
/// prod's Internet route is prod's finding alone and dev, whose route is fine, passes.
/// (Before, every same-named subnet and route table of the repository was attached to
/// every cluster: 110 rule fixtures scanned together took 29 s.)
#[test]
fn same_named_networks_of_other_environments_are_not_mixed_in() {
    let t = tempfile::tempdir().unwrap();
    for env in ["dev", "prod", "test"] {
        copy_dir(
            &root().join("fixtures/network/two-files"),
            &t.path().join(env),
        );
    }
    let fixed = |env: &str| {
        let spoke = t.path().join(env).join("networking/spoke.json");
        let s = fs::read_to_string(&spoke).unwrap().replace(
            "\"nextHopType\": \"Internet\"",
            "\"nextHopType\": \"VirtualAppliance\", \"nextHopIpAddress\": \"10.200.0.4\"",
        );
        fs::write(&spoke, s).unwrap();
    };
    fixed("dev");
    fixed("test");
    let (code, f) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["file"], "prod/cluster/cluster-stamp.json");
    assert!(related(&f[0])
        .iter()
        .all(|(file, _)| file.starts_with("prod/")));
}

/// A cluster file that deploys a network resource of its own is evaluated early, in the
/// network pass, as if it referenced no other file; the complete index must send it
/// back to be evaluated with the subnet and route table of the network file.
#[test]
fn cluster_that_deploys_a_network_resource_still_sees_another_files_route_table() {
    let t = variant(|spoke| spoke);
    let stamp = t.path().join("cluster/cluster-stamp.json");
    let text = fs::read_to_string(&stamp).unwrap().replacen(
        "\"resources\": [",
        "\"resources\": [\n    {\"type\": \"Microsoft.Network/networkSecurityGroups\", \"apiVersion\": \"2023-05-01\", \"name\": \"nsg-app\", \"location\": \"westeurope\", \"properties\": {}},",
        1,
    );
    fs::write(&stamp, text).unwrap();
    let (code, f) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule"], "AKS005");
    let r = related(&f[0]);
    assert!(
        r.iter().any(|(file, _)| file == "networking/spoke.json"),
        "{r:?}"
    );
}

/// Many files deploying the same subnet equally near a cluster (one folder of
/// look-alike templates): aksgate does not choose, says so, and does not attach them all
/// (which once made a folder of 600 such files take minutes).
#[test]
fn a_subnet_deployed_by_many_files_of_one_folder_is_ambiguous_and_said_so() {
    let t = variant(|spoke| spoke);
    let spoke = t.path().join("networking/spoke.json");
    let text = fs::read_to_string(&spoke).unwrap();
    for n in 0..12 {
        fs::write(t.path().join(format!("networking/spoke-{n}.json")), &text).unwrap();
    }
    let (_, f) = scan(t.path(), &[]);
    assert!(f.iter().all(|f| f["rule"] != "AKS005"), "{f:#?}");
    let notes: Vec<&Value> = f
        .iter()
        .filter(|f| {
            f["rule"] == "AKS900"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("13 scanned files in the same folder deploy it")
        })
        .collect();
    assert!(!notes.is_empty(), "{f:#?}");
}

/// A network template linked by two parents: the one planned first deploys it for the
/// index, and the other, whose own linked deployment writes the same resources, must
/// not be given them again as another file's.
#[test]
fn a_linked_network_is_not_attached_again_to_a_parent_that_deploys_it_itself() {
    let t = tempfile::tempdir().unwrap();
    let schema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
    let link = r#"{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
        "name": "net", "properties": {"mode": "Incremental",
        "templateLink": {"relativePath": "net.json"}}}"#;
    fs::write(
        t.path().join("net.json"),
        format!(
            r#"{{"$schema": "{schema}", "contentVersion": "1.0.0.0", "resources": [
              {{"type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01", "name": "rt",
                "location": "westeurope", "properties": {{"routes": [{{"name": "egress",
                "properties": {{"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                "nextHopIpAddress": "10.0.0.4"}}}}]}}}},
              {{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "vnet",
                "location": "westeurope", "properties": {{
                "addressSpace": {{"addressPrefixes": ["10.0.0.0/16"]}},
                "subnets": [{{"name": "aks", "properties": {{"addressPrefix": "10.0.1.0/24",
                  "routeTable": {{"id": "[resourceId('Microsoft.Network/routeTables', 'rt')]"}}}}}}]}}}}]}}"#
        ),
    )
    .unwrap();
    // Planned first (paths in order): its evaluation is the one the index keeps.
    fs::write(
        t.path().join("a-other.json"),
        format!(r#"{{"$schema": "{schema}", "contentVersion": "1.0.0.0", "resources": [{link}]}}"#),
    )
    .unwrap();
    fs::write(
        t.path().join("main.json"),
        format!(
            r#"{{"$schema": "{schema}", "contentVersion": "1.0.0.0", "resources": [{link},
              {{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01",
                "name": "aks", "location": "westeurope", "properties": {{"dnsPrefix": "aks",
                "agentPoolProfiles": [{{"name": "sys", "count": 1, "vmSize": "Standard_D4s_v5",
                  "mode": "System", "vnetSubnetID":
                  "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'aks')]"}}],
                "networkProfile": {{"networkPlugin": "azure",
                  "outboundType": "userDefinedRouting"}}}}}}]}}"#
        ),
    )
    .unwrap();
    let r = run(&["input", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let docs: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    let main = docs.iter().find(|d| d["file"] == "main.json").unwrap();
    let resources = main["resources"].as_array().unwrap();
    let of_type = |t: &str| resources.iter().filter(|r| r["type"] == t).count();
    assert_eq!(
        of_type("Microsoft.Network/virtualNetworks"),
        1,
        "{resources:#?}"
    );
    assert_eq!(
        of_type("Microsoft.Network/routeTables"),
        1,
        "{resources:#?}"
    );
    assert!(
        !resources.iter().any(|r| r["external"] == true),
        "{resources:#?}"
    );
    // The gate agrees: the subnet, its route table and its default route are found.
    let (code, f) = scan(t.path(), &[]);
    assert_eq!(code, 0, "{f:#?}");
}

/// `fixtures/network/pools-elsewhere`: a UDR cluster in `cluster/aks.json`, and agent
/// pools added to it by other files (`pools/`: standalone agentPools resources, a Bicep
/// pool with an `existing` parent), and one pool of a cluster no file deploys.
#[test]
fn agent_pools_in_other_files_are_checked_against_their_cluster() {
    let (code, f) = scan(&root().join("fixtures/network/pools-elsewhere"), &[]);
    assert_eq!(code, 1, "{f:#?}");
    assert_eq!(
        rule_file_lines(&f),
        vec![
            ("AKS004".into(), "pools/spot.bicep".into(), 9),
            ("AKS004".into(), "pools/user-pools.json".into(), 9),
            ("AKS009".into(), "pools/user-pools.json".into(), 36),
            ("AKS900".into(), "pools/orphan-pool.json".into(), 8),
        ],
        "{f:#?}"
    );
    // Each names where the cluster's outboundType is set, in the cluster's file.
    for f in f.iter().filter(|f| f["rule"] != "AKS900") {
        assert_eq!(
            related(f),
            vec![("cluster/aks.json".to_string(), 61)],
            "{f:#?}"
        );
    }
    let orphan = f.iter().find(|f| f["rule"] == "AKS900").unwrap();
    assert!(
        orphan["message"]
            .as_str()
            .unwrap()
            .contains("cluster aks-elsewhere, which no scanned file deploys"),
        "{orphan:#?}"
    );
}

#[test]
fn pools_whose_cluster_is_not_scanned_cannot_be_checked() {
    let (code, f) = scan(&root().join("fixtures/network/pools-elsewhere/pools"), &[]);
    // The AvailabilitySet pool is retired whatever its cluster (AKS013, an error); every
    // pool's outbound-type rules cannot be checked.
    assert_eq!(code, 1, "{f:#?}");
    let rules = rule_file_lines(&f);
    assert_eq!(rules.len(), 6, "{rules:?}");
    assert_eq!(
        rules.iter().filter(|(r, _, _)| r == "AKS900").count(),
        5,
        "{rules:?}"
    );
    assert!(
        rules.contains(&("AKS013".into(), "user-pools.json".into(), 36)),
        "{rules:?}"
    );
}

#[test]
fn another_files_cluster_is_reported_once_where_it_is_deployed() {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures/network/pools-elsewhere"), t.path());
    let aks = t.path().join("cluster/aks.json");
    let text = fs::read_to_string(&aks).unwrap();
    // A kubenet cluster with a system-assigned identity and UDR: AKS003, at the cluster.
    fs::write(
        &aks,
        text.replace(
            "\"networkPlugin\": \"azure\"",
            "\"networkPlugin\": \"kubenet\"",
        ),
    )
    .unwrap();
    let (_, f) = scan(t.path(), &[]);
    let aks003: Vec<_> = rule_file_lines(&f)
        .into_iter()
        .filter(|(r, _, _)| r == "AKS003")
        .collect();
    assert_eq!(
        aks003,
        vec![("AKS003".into(), "cluster/aks.json".into(), 60)],
        "{f:#?}"
    );
}

/// AKS014 through an internal load balancer in another file: the route table names the
/// balancer's frontend address, and the network interfaces behind it (a third file) are
/// found from the balancer, since they name its backend pool.
#[test]
fn appliances_behind_a_load_balancer_in_other_files_are_followed() {
    let fixture =
        root().join("fixtures/rules/AKS014/fail-load-balancer-backend-without-ip-forwarding.json");
    let doc: Value = serde_json::from_str(&fs::read_to_string(fixture).unwrap()).unwrap();
    let of_type = |ty: &str| -> Vec<Value> {
        doc["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["type"].as_str().unwrap().ends_with(ty))
            .cloned()
            .collect()
    };
    let write = |dir: &Path, rel: &str, resources: Vec<Value>| {
        let mut d = doc.clone();
        d["resources"] = Value::Array(resources);
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, serde_json::to_string_pretty(&d).unwrap()).unwrap();
    };
    let t = tempfile::tempdir().unwrap();
    let mut spoke = of_type("/routeTables");
    spoke.extend(of_type("/virtualNetworks"));
    spoke.extend(of_type("/managedClusters"));
    write(t.path(), "spoke/aks.json", spoke);
    write(t.path(), "hub/lb.json", of_type("/loadBalancers"));
    write(t.path(), "hub/nva.json", of_type("/networkInterfaces"));

    let (code, fs_) = scan(t.path(), &[]);
    assert_eq!(code, 1);
    let aks014: Vec<&Value> = fs_.iter().filter(|f| f["rule"] == "AKS014").collect();
    assert_eq!(aks014.len(), 1, "{fs_:?}");
    let f = aks014[0];
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("nic-nva1 (behind load balancer lb-nva)"));
    // Reported at the cluster's file, the interface in the hub related.
    assert_eq!(f["file"], "spoke/aks.json");
    assert!(
        related(f).iter().any(|(file, _)| file == "hub/nva.json"),
        "{f}"
    );

    // Without the appliances' file, what the balancer hands traffic to is not known.
    fs::remove_file(t.path().join("hub/nva.json")).unwrap();
    let (code, fs_) = scan(t.path(), &[]);
    assert_eq!(code, 0, "AKS900 is a warning");
    let f = fs_.iter().find(|f| f["rule"] == "AKS900").expect("AKS900");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("load balancer lb-nva holds 10.10.1.4"),
        "{f}"
    );
    assert!(!fs_.iter().any(|f| f["rule"] == "AKS014"), "{fs_:?}");
}
