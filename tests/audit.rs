//! `aksgate audit`: snapshots of the table, Markdown and JSON reports of the fixture
//! repository `fixtures/audit/`, exit codes, and the corpus audit.
mod common;
use common::*;
use serde_json::Value;

fn audit(format: &str) -> Run {
    let r = run(
        &["audit", "fixtures/audit", "--format", format],
        Some(&root()),
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(r.stderr.is_empty(), "audit wrote to stderr: {}", r.stderr);
    r
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!("audit_table", audit("table").stdout);
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("audit_markdown", audit("markdown").stdout);
}

#[test]
fn json_snapshot() {
    let mut doc: Value = serde_json::from_str(&audit("json").stdout).unwrap();
    doc["toolVersion"] = Value::String("[version]".into());
    insta::assert_snapshot!("audit_json", serde_json::to_string_pretty(&doc).unwrap());
}

#[test]
fn json_inventory_has_one_row_per_cluster_per_pairing() {
    let doc: Value = serde_json::from_str(&audit("json").stdout).unwrap();
    let rows = doc["clusters"].as_array().unwrap();
    let find = |name: &str| {
        rows.iter()
            .find(|r| r["name"]["value"] == name)
            .unwrap_or_else(|| panic!("no row for {name}"))
    };
    let dev = find("aks-dev");
    assert_eq!(dev["parameterFile"], "envs/aks.parameters.dev.json");
    assert_eq!(dev["networkPlugin"]["value"], "kubenet");
    assert_eq!(find("aks-prod")["privateCluster"]["value"], "on");
    let udr = find("aks-udr");
    assert_eq!(udr["defaultRoute"]["state"], "yes");
    assert_eq!(udr["findings"]["errors"], 0);
    let lb = find("aks-public");
    let kinds: Vec<&str> = lb["publicIPs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["load-balancer", "managed-outbound-ips", "node-public-ip"]
    );
    assert_eq!(
        find("aks-nat")["outboundType"]["value"],
        "managedNATGateway"
    );
    assert_eq!(find("aks-legacy")["outboundType"]["origin"], "default");
    assert_eq!(
        find("aks-legacy")["loadBalancerSku"]["origin"],
        "no-default"
    );
    let unknown = rows
        .iter()
        .find(|r| r["file"] == "unknown/aks-unknown.json")
        .unwrap();
    assert_eq!(unknown["outboundType"]["origin"], "unknown");
    assert_eq!(
        unknown["outboundType"]["expr"],
        "[parameters('outboundType')]"
    );
    // Every finding of a cluster names its row, and the rows count them.
    let per_row: usize = rows
        .iter()
        .map(|r| {
            let f = &r["findings"];
            (f["errors"].as_u64().unwrap()
                + f["warnings"].as_u64().unwrap()
                + f["notes"].as_u64().unwrap()) as usize
        })
        .sum();
    let attributed = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["cluster"].is_u64())
        .count();
    assert_eq!(per_row, attributed);
}

#[test]
fn output_file_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.md");
    let r = run(
        &[
            "audit",
            "fixtures/audit",
            "--format",
            "markdown",
            "--output",
            out.to_str().unwrap(),
        ],
        Some(&root()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("# aksgate audit"));
    // Findings do not fail an audit; finding nothing to audit does.
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("package.json"), "{\"name\": \"x\"}").unwrap();
    let r = run(&["audit", empty.path().to_str().unwrap()], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no deployment files found"),
        "{}",
        r.stderr
    );
}

/// Every format is written as it is made: a write that fails part-way (a full disk)
/// is still exit 2 with the reason, never a clean exit with half a report.
#[test]
fn a_failed_write_is_an_error_in_every_format() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("no /dev/full here: skipped");
        return;
    }
    for format in ["table", "json", "markdown", "html"] {
        let r = run(
            &[
                "audit",
                "fixtures/audit",
                "--format",
                format,
                "-o",
                "/dev/full",
            ],
            Some(&root()),
        );
        assert_eq!(r.code, 2, "{format}: {}", r.stderr);
        assert!(
            r.stderr.contains("cannot write /dev/full") && r.stderr.contains("No space left"),
            "{format}: {}",
            r.stderr
        );
    }
}

/// Files whose SOURCES.md row says MC "yes": a managedClusters resource or REST body
/// (rows 'child only', 'embedded in policy', 'referenced in policy rule' and 'schema
/// definitions only' are not listed).
const SOURCES_CLUSTERS: &[&str] = &[
    "mspnp__aks-baseline/cluster-stamp.json",
    "mspnp__aks-baseline@5409e7f/cluster-stamp.json",
    "mspnp__aks-baseline/004-cluster-stamp.json",
    "Azure__AKS-Construction/samples/SampleAppMain.json",
    "Azure__AKS-Construction/samples/peered-vnet/main.json",
    "Azure__AKS-Construction/samples/shared-acr/main.json",
    "Azure__AKS-Construction/bicep/compiled/main.json",
    "Azure__AKS-Construction@77556963/bicep/compiled/main.json",
    "Azure__AKS/examples/vnet/02-aks-custom-vnet.json",
    "Azure__ResourceModules/modules/container-service/managed-cluster/main.json",
    "Azure__ResourceModules/modules/container-service/managed-cluster/agent-pool/main.json",
    "Azure__ResourceModules/arm/Microsoft.ContainerService/managedClusters/deploy.json",
    "Azure__template-analyzer/src/Analyzer.Core.BuiltInRuleTests/Tests/TA-000023/Kubernetes.json",
    "Azure__template-analyzer/src/Analyzer.Core.BuiltInRuleTests/Tests/TA-000025/KubernetesVersions.json",
    "Azure__azure-rest-api-specs/specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-05-01/examples/ManagedClustersCreate_UserAssignedNATGateway.json",
    "Azure__azure-rest-api-specs/specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-05-01/examples/ManagedClustersCreate_ManagedNATGateway.json",
    "Azure__azure-rest-api-specs/specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-05-01/examples/ManagedClustersCreate_NodePublicIPPrefix.json",
    "Azure__azure-rest-api-specs/specification/containerservice/resource-manager/Microsoft.ContainerService/stable/2018-03-31/examples/ManagedClustersCreate_Update.json",
    "Azure__azure-rest-api-specs/specification/containerservice/resource-manager/Microsoft.ContainerService/stable/2019-08-01/examples/ManagedClustersCreate_Update.json",
    "Azure__azure-rest-api-specs/specification/containerservice/resource-manager/Microsoft.ContainerService/stable/2020-06-01/examples/ManagedClustersCreate_Update.json",
    "Azure__azure-quickstart-templates/quickstarts/microsoft.kubernetes/aks/azuredeploy.json",
    "Azure__azure-quickstart-templates@570b0be1/quickstarts/microsoft.kubernetes/aks/azuredeploy.json",
    "bridgecrewio__checkov/tests/arm/checks/resource/example_AKSMaxPodsMinimum/agentPoolProfiles_with_maxPods_fail4.json",
    "bridgecrewio__checkov/tests/arm/checks/resource/example_AKSLoggingEnabled/aksLoggingEnabled-FAILED3.json",
    "bridgecrewio__checkov/tests/arm/checks/resource/example_AKSNetworkPolicy/aksNetworkPolicy-FAILED2.json",
    "bridgecrewio__checkov/tests/arm/checks/resource/example_AKSApiServerAuthorizedIpRanges/aks-authIPRanges-unsupported-FAILED.json",
    "bridgecrewio__checkov/tests/arm/checks/resource/example_AKSUpgradeChannel/fail.json",
    "bridgecrewio__checkov/tests/arm/checks/resource/example_SkipJsonRegex/skip1.json",
    "bridgecrewio__checkov/tests/arm/checks/parameter/test_SecureStringParameterNoHardcodedValue/test_parameters.json",
    "bridgecrewio__checkov/tests/arm/checks/resource/example_AKSEncryptionAtHostEnabled/pass.json",
    "Azure__bicep-registry-modules/avm/res/container-service/managed-cluster/main.json",
    "Azure__bicep-registry-modules/avm/res/container-service/managed-cluster/agent-pool/main.json",
];

/// These two declare the cluster `existing` (they add an agent pool to it): the
/// inventory lists them as an agent-pools row, not as a cluster they deploy.
const EXISTING_CLUSTER: &[&str] = &[
    "Azure__ResourceModules/modules/container-service/managed-cluster/agent-pool/main.json",
    "Azure__bicep-registry-modules/avm/res/container-service/managed-cluster/agent-pool/main.json",
];

#[test]
fn corpus_audit_lists_every_cluster_of_sources_md() {
    let Some(c) = corpus() else { return };
    let r = run(&["audit", c.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = doc["clusters"].as_array().unwrap();
    let mut missing = Vec::new();
    for f in SOURCES_CLUSTERS {
        let role = if EXISTING_CLUSTER.contains(f) {
            "agent-pools"
        } else {
            "cluster"
        };
        let found = rows
            .iter()
            .any(|r| r["role"] == role && (r["file"] == *f || r["location"]["file"] == *f));
        if !found {
            missing.push(*f);
        }
    }
    assert!(missing.is_empty(), "no inventory row for {missing:#?}");
    assert!(doc["summary"]["clusters"].as_u64().unwrap() >= SOURCES_CLUSTERS.len() as u64);
}

#[test]
fn html_is_one_self_contained_page() {
    let html = audit("html").stdout;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<table id=\"inventory\" class=\"sortable\">"));
    assert_eq!(html.matches("<svg").count(), 2, "two charts");
    assert!(html.contains("<section class=\"rule\" id=\"rule-AKS003\">"));
    // No external assets: no linked scripts, stylesheets, images or fonts.
    for bad in ["<script src", "<link", "<img", "@import", "url("] {
        assert!(!html.contains(bad), "external asset: {bad}");
    }
    // Source excerpts are escaped: the template's quotes never reach the page raw.
    assert!(html.contains("&quot;networkPlugin&quot;: { &quot;value&quot;: &quot;kubenet&quot; }"));
    assert!(!html.contains("\"networkPlugin\": {"));
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    // Over the 300-file threshold, but stderr is a pipe here: nothing on stderr.
    let dir = tempfile::tempdir().unwrap();
    let cluster =
        std::fs::read_to_string(root().join("fixtures/audit/natgw/aks-nat.json")).unwrap();
    for i in 0..310 {
        std::fs::write(dir.path().join(format!("aks{i}.json")), &cluster).unwrap();
    }
    let r = run(
        &["audit", dir.path().to_str().unwrap(), "--format", "json"],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["clusters"].as_array().unwrap().len(), 310);
}

// Issue 19 item 14: the audit honours suppressions and rule settings as `check` does.
#[test]
fn audit_and_check_agree_on_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Public IPs: one suppressed by a comment, one by the configuration, one not, and
    // a configuration suppression that matches nothing.
    std::fs::create_dir_all(d.join("a")).unwrap();
    std::fs::create_dir_all(d.join("b")).unwrap();
    std::fs::create_dir_all(d.join("c")).unwrap();
    std::fs::write(
        d.join("a/azuredeploy.json"),
        public_ip_template(
            "// aksgate-ignore AKS007: the bastion's address, approved",
            "",
        ),
    )
    .unwrap();
    std::fs::write(d.join("b/azuredeploy.json"), public_ip_template("", "")).unwrap();
    std::fs::write(d.join("c/azuredeploy.json"), public_ip_template("", "")).unwrap();
    std::fs::write(
        d.join(".aksgate.toml"),
        "[[suppress]]\nrule = \"AKS007\"\npath = \"b/**\"\nreason = \"ingress address\"\n\n[[suppress]]\nrule = \"AKS004\"\npath = \"nowhere/**\"\nreason = \"stale\"\n",
    )
    .unwrap();
    let summary = |doc: &Value| {
        let mut v: Vec<(String, String, bool)> = findings(doc)
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["file"].as_str().unwrap().to_string(),
                    f.get("suppressed").is_some_and(|s| !s.is_null()),
                )
            })
            .collect();
        v.sort();
        v
    };
    let c = run(&["check", "--format", "json", "."], Some(d));
    let check: Value = serde_json::from_str(&c.stdout).unwrap();
    let a = run(&["audit", "--format", "json", "."], Some(d));
    assert_eq!(a.code, 0, "{}", a.stderr);
    let audit: Value = serde_json::from_str(&a.stdout).unwrap();
    assert_eq!(summary(&audit), summary(&check));
    assert_eq!(
        summary(&audit),
        [
            ("AKS007".to_string(), "a/azuredeploy.json".to_string(), true),
            ("AKS007".to_string(), "b/azuredeploy.json".to_string(), true),
            (
                "AKS007".to_string(),
                "c/azuredeploy.json".to_string(),
                false
            ),
            ("AKS902".to_string(), "./.aksgate.toml".to_string(), false),
        ]
    );
    assert_eq!(audit["summary"]["suppressed"], 2, "{}", audit["summary"]);
    assert_eq!(audit["summary"]["errors"], 1, "{}", audit["summary"]);

    // A rule turned off is absent from both.
    std::fs::write(d.join(".aksgate.toml"), "allow_public_ips = true\n").unwrap();
    let a = run(&["audit", "--format", "json", "."], Some(d));
    let audit: Value = serde_json::from_str(&a.stdout).unwrap();
    assert!(
        summary(&audit).iter().all(|f| f.0 != "AKS007"),
        "{:?}",
        summary(&audit)
    );
}

/// Issue 22 item 6: the route detail follows the default route to its appliance (AKS014).
#[test]
fn egress_path_names_the_appliance_and_its_verdict() {
    let detail = |file: &str| {
        let r = run(
            &[
                "audit",
                &format!("fixtures/rules/AKS014/{file}.json"),
                "--format",
                "json",
            ],
            Some(&root()),
        );
        let doc: Value = serde_json::from_str(&r.stdout).unwrap();
        doc["clusters"][0]["defaultRoute"]["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let cases = [
        (
            "pass-firewall-classic-rules",
            "; egress path: firewall fw-hub, AKS egress allowed",
        ),
        (
            "pass-firewall-policy",
            "; egress path: firewall fw-hub, AKS egress allowed",
        ),
        (
            "fail-firewall-without-aks-fqdn-tag",
            "; egress path: firewall fw-hub, AKS egress not allowed",
        ),
        (
            "fail-firewall-ip-groups-unknown",
            "; egress path: firewall fw-hub, AKS egress cannot be verified",
        ),
        ("pass-nva-ip-forwarding", "; egress path: NVA nic-nva"),
        (
            "fail-nva-without-ip-forwarding",
            "; egress path: NVA nic-nva without IP forwarding",
        ),
        (
            "fail-appliance-not-in-scan",
            "; egress path: appliance not in scan",
        ),
        (
            "fail-application-gateway-next-hop",
            "; egress path: application gateway agw-hub, not an egress appliance",
        ),
        (
            "pass-load-balancer-backends-ip-forwarding",
            "; egress path: load balancer lb-nva to NVA nic-nva0, NVA nic-nva1",
        ),
        (
            "fail-load-balancer-backend-without-ip-forwarding",
            "; egress path: load balancer lb-nva to NVA nic-nva0, NVA nic-nva1 without IP forwarding",
        ),
        (
            "fail-load-balancer-backends-not-in-scan",
            "; egress path: load balancer lb-nva, its backends not in scan",
        ),
    ];
    for (file, want) in cases {
        let got = detail(file);
        assert!(got.ends_with(want), "{file}: {got}");
    }
}
