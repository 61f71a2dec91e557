//! Fixture repositories for template resolution, run through the binary: each finding's
//! rule, primary file and line, and where the value came from (related locations).
mod common;
use common::*;
use serde_json::Value;

fn scan(dir: &str) -> Vec<Value> {
    let p = root().join("fixtures/resolve").join(dir);
    let (_, doc) = check_json(&[p.to_str().unwrap()]);
    // These repositories probe resolution through AKS003; AKS013's kubenet retirement
    // warning on the same value is another rule's verdict.
    findings(&doc)
        .into_iter()
        .filter(|f| f["rule"] != "AKS013")
        // Nor is AKS014's note that no scanned file deploys the route's appliance.
        .filter(|f| !common::is_egress_note(f))
        .collect()
}

fn has_related(f: &Value, file: &str, line: u64, msg_part: &str) -> bool {
    f["related"].as_array().unwrap().iter().any(|r| {
        r["file"] == file && r["line"] == line && r["message"].as_str().unwrap().contains(msg_part)
    })
}

#[test]
fn parameter_files_get_one_verdict_each_and_point_at_the_parameter_file() {
    let f = scan("param-file");
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = &f[0];
    assert_eq!(f["rule"], "AKS003");
    assert_eq!(f["file"], "aks.parameters.dev.json");
    assert_eq!(f["line"], 6);
    assert_eq!(f["parameterFile"], "aks.parameters.dev.json");
    assert!(
        has_related(f, "aks.json", 46, "parameter 'networkPlugin' used here"),
        "{f:#}"
    );
    assert!(
        has_related(f, "aks.json", 47, "userDefinedRouting"),
        "{f:#}"
    );
}

#[test]
fn nested_inner_scope_follows_parameters_to_the_outer_default() {
    let f = scan("nested-inner");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule"], "AKS003");
    assert_eq!(
        (f[0]["file"].as_str(), f[0]["line"].as_u64()),
        (Some("main.json"), Some(5))
    );
    assert!(
        has_related(&f[0], "main.json", 39, "parameter 'plugin' used here"),
        "{:#}",
        f[0]
    );
    assert!(
        has_related(
            &f[0],
            "main.json",
            55,
            "parameter 'networkPlugin' used here"
        ),
        "{:#}",
        f[0]
    );
}

#[test]
fn copy_loops_check_each_instance_and_name_it() {
    let f = scan("copy-loop");
    assert_eq!(f.len(), 1, "only the kubenet instance fails: {f:#?}");
    assert_eq!(f[0]["rule"], "AKS003");
    assert_eq!(f[0]["line"], 44);
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("copy loop 'clusterLoop' instance 1"),
        "{}",
        f[0]["message"]
    );
    assert!(
        has_related(
            &f[0],
            "main.json",
            5,
            "default value of parameter 'clusters'"
        ),
        "{:#}",
        f[0]
    );
}

#[test]
fn linked_templates_are_evaluated_with_the_parameters_their_parent_passes() {
    let f = scan("linked");
    // The module alone would default to loadBalancer (AKS007); through its parent it is
    // UDR, so only the AvailabilitySet pool (AKS009) fails, in the module file.
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule"], "AKS009");
    assert_eq!(
        (f[0]["file"].as_str(), f[0]["line"].as_u64()),
        (Some("modules/aks.json"), Some(14))
    );
    assert!(
        has_related(&f[0], "main.json", 35, "userDefinedRouting"),
        "{:#}",
        f[0]
    );
}

#[test]
fn false_conditions_are_not_deployed_and_not_checked() {
    let f = scan("condition");
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn unknown_condition_is_checked_and_says_so() {
    let t = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(root().join("fixtures/resolve/condition/main.json")).unwrap();
    // No default: the condition cannot be known before deployment.
    let src = src.replace(r#""defaultValue": false"#, r#""metadata": {}"#);
    std::fs::write(t.path().join("main.json"), src).unwrap();
    let (code, doc) = check_json(&[t.path().to_str().unwrap()]);
    let f = findings(&doc);
    // The cluster exists only if the condition holds: AKS003 would fire, so it is an
    // AKS900 about AKS003 naming the condition, which fails only with --strict.
    assert!(f.iter().all(|x| x["rule"] != "AKS003"), "{f:#?}");
    let about: Vec<_> = f
        .iter()
        .filter(|x| x["rule"] == "AKS900" && x["about"] == "AKS003")
        .collect();
    assert_eq!(about.len(), 1, "{f:#?}");
    let m = about[0]["message"].as_str().unwrap();
    assert!(
        m.contains("if its condition [parameters('deployLegacy')] holds"),
        "{m}"
    );
    assert_eq!(code, 0);
    let (strict, _) = check_json(&[t.path().to_str().unwrap(), "--strict"]);
    assert_eq!(strict, 1);
}

#[test]
fn parameter_file_values_outside_allowed_values_are_rejected_like_arm() {
    let t = tempfile::tempdir().unwrap();
    let dir = root().join("fixtures/resolve/param-file");
    std::fs::copy(dir.join("aks.json"), t.path().join("aks.json")).unwrap();
    std::fs::write(
        t.path().join("aks.parameters.json"),
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "parameters": {"networkPlugin": {"value": "cilium"}, "undeclared": {"value": 1}}}"#,
    )
    .unwrap();
    let (code, doc) = check_json(&[t.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let msgs: Vec<String> = findings(&doc)
        .iter()
        .filter(|f| f["rule"] == "AKS901")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(msgs.iter().any(|m| m.contains("allowedValues")), "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("'undeclared' is not declared")),
        "{msgs:?}"
    );
}

#[test]
fn configuration_pairs_templates_with_parameter_files_anywhere() {
    let t = tempfile::tempdir().unwrap();
    let dir = root().join("fixtures/resolve/param-file");
    std::fs::copy(dir.join("aks.json"), t.path().join("aks.json")).unwrap();
    std::fs::create_dir_all(t.path().join("env/dev")).unwrap();
    std::fs::copy(
        dir.join("aks.parameters.dev.json"),
        t.path().join("env/dev/cluster.json"),
    )
    .unwrap();
    let p = t.path().to_str().unwrap();
    // Without configuration the parameter file pairs with nothing: defaults are clean.
    let (code, _) = check_json(&[p]);
    assert_eq!(code, 0);
    std::fs::write(
        t.path().join(".aksgate.toml"),
        "[[pair]]\ntemplate = \"aks.json\"\nparameters = \"env/dev/cluster.json\"\n",
    )
    .unwrap();
    let (code, doc) = check_json(&[p]);
    assert_eq!(code, 1);
    let f: Vec<_> = findings(&doc)
        .into_iter()
        .filter(|f| !common::is_egress_note(f))
        .collect();
    assert_eq!(f[0]["file"], "env/dev/cluster.json", "{f:#?}");
    // A mistake in the configuration is a tool error that says where.
    std::fs::write(
        t.path().join(".aksgate.toml"),
        "[[pair]]\ntemplate = \"aks.json\"\nparams = \"x\"\n",
    )
    .unwrap();
    let r = run(&["check", p], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(".aksgate.toml:3:1") && r.stderr.contains("params"),
        "{}",
        r.stderr
    );
}

#[test]
fn variable_copy_builds_arrays_and_existing_resources_are_not_checked() {
    let f = scan("variable-copy");
    // pool1 gets an empty subnet from the variable copy; the `existing` kubenet cluster
    // is a reference, not a deployment, so AKS003 does not fire on it.
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule"], "AKS004");
    assert!(
        f[0]["message"].as_str().unwrap().contains("pool1"),
        "{}",
        f[0]["message"]
    );
    assert_eq!(f[0]["line"], 13);
    assert!(
        has_related(&f[0], "main.json", 54, "variable 'pools' used here"),
        "{:#}",
        f[0]
    );
}
