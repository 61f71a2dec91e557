//! Policy limits (issue 18 item 9): a hostile user policy ends as exit 2 naming the
//! policy (and the deployment, when one was being evaluated), within its limit, never a
//! crash, a hang or a pass. Each test builds its policy and deployment.
mod common;
use std::path::Path;
use std::time::{Duration, Instant};

const TEMPLATE: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01",
    "name": "aks", "location": "westeurope",
    "properties": {"networkProfile": {"outboundType": "loadBalancer", "networkPlugin": "azure"}}}]}"#;

/// A repository with `azuredeploy.json` and a policy directory whose `p.rego` denies
/// when `condition` holds, after the rules `defs`.
fn setup(defs: &str, condition: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("azuredeploy.json"), TEMPLATE).unwrap();
    std::fs::create_dir(dir.path().join("pol")).unwrap();
    std::fs::write(
        dir.path().join("pol/p.rego"),
        format!(
            "package user.hostile\nimport rego.v1\n{defs}\ndeny contains {{\"rule\": \"USR1\", \"msg\": \"m\"}} if {{ {condition} }}\n"
        ),
    )
    .unwrap();
    dir
}

fn check(dir: &Path, extra: &[&str]) -> (common::Run, Duration) {
    let mut args = vec!["check", "--policy", "pol"];
    args.extend_from_slice(extra);
    args.push("azuredeploy.json");
    let t = Instant::now();
    let r = common::run(&args, Some(dir));
    (r, t.elapsed())
}

#[test]
fn a_recursive_function_is_refused_before_evaluation_in_check_and_test() {
    let dir = setup("f(x) := y if { y := f(x + 1) }", "f(1) > 0");
    let (r, _) = check(dir.path(), &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("recursion is not allowed") && r.stderr.contains("data.user.hostile.f"),
        "{}",
        r.stderr
    );
    std::fs::write(
        dir.path().join("pol/p_test.rego"),
        "package user.hostile\nimport rego.v1\ntest_f if { f(1) > 0 }\n",
    )
    .unwrap();
    let t = common::run(&["test", "pol"], Some(dir.path()));
    assert_eq!(t.code, 2, "{}{}", t.stdout, t.stderr);
    assert!(
        t.stderr.contains("recursion is not allowed"),
        "{}",
        t.stderr
    );
}

#[test]
fn a_huge_numbers_range_is_a_clear_error_naming_the_policy_and_deployment() {
    let dir = setup("", "count(numbers.range(1, 1000000000)) > 0");
    let (r, took) = check(dir.path(), &["--policy-timeout", "1000"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("data.user.hostile") && r.stderr.contains("azuredeploy.json"),
        "{}",
        r.stderr
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn builtins_that_ignore_the_timer_are_stopped_by_the_watchdog() {
    for condition in [
        "count(sprintf(\"%1000000000d\", [1])) > 0",
        "count(net.cidr_expand(\"10.0.0.0/8\")) > 0",
    ] {
        let dir = setup("", condition);
        let (r, took) = check(dir.path(), &["--policy-timeout", "300"]);
        assert_eq!(r.code, 2, "{condition}: {}", r.stderr);
        assert!(
            r.stderr.contains("data.user.hostile") && r.stderr.contains("azuredeploy.json"),
            "{condition}: {}",
            r.stderr
        );
        // 300 ms, the watchdog's grace (250 ms) and its tick, and the run it restarts
        // (src/policy_restart.rs), with room for a loaded machine: 4 s was exceeded
        // (5.04 s) twice in debug runs beside a build. Without the watchdog these ran for
        // 5 s and 2 GB and then exited 1 with a finding, which the exit code above
        // catches whatever the time.
        assert!(took < common::release_seconds(2), "{condition}: {took:?}");
    }
}

/// Issue 18 item 10: a policy that fails on one deployment loses no other deployment's
/// findings; the run still fails (exit 2), naming the deployment, in every format.
#[test]
fn one_deployment_failing_keeps_the_findings_of_the_others() {
    let dir = setup(
        "",
        "input.file == \"b.json\"; x := to_number(\"zz\"); x > 0",
    );
    let public_ip = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01",
    "name": "pip", "location": "westeurope", "properties": {}}]}"#;
    std::fs::write(dir.path().join("a.json"), public_ip).unwrap();
    std::fs::rename(
        dir.path().join("azuredeploy.json"),
        dir.path().join("b.json"),
    )
    .unwrap();
    let scan = |format: &str| {
        common::run(
            &[
                "check",
                "--policy",
                "pol",
                "--policy-timeout",
                "1000",
                "--format",
                format,
                ".",
            ],
            Some(dir.path()),
        )
    };
    let r = scan("json");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("on deployment b.json") && !r.stderr.contains("deployment a.json"),
        "{}",
        r.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rules: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["rule"].as_str().unwrap()))
        .collect();
    assert!(rules.contains(&("a.json", "AKS007")), "{rules:?}");
    let errors = doc["policyErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].as_str().unwrap().contains("b.json"));

    let s = scan("sarif");
    assert_eq!(s.code, 2, "{}", s.stderr);
    let log: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false, "{inv}");
    assert!(inv["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("b.json"));
    assert!(s.stdout.contains("AKS007"));

    let h = scan("human");
    assert_eq!(h.code, 2);
    assert!(
        h.stdout.contains("AKS007") && h.stdout.contains("a.json"),
        "{}",
        h.stdout
    );

    let a = common::run(
        &["audit", "--policy", "pol", "--format", "json", "."],
        Some(dir.path()),
    );
    assert_eq!(a.code, 2, "{}", a.stderr);
    assert!(a.stderr.contains("on deployment b.json"), "{}", a.stderr);
    assert!(a.stdout.contains("AKS007"), "{}", a.stdout);
}

/// The watchdog's hard stop (a builtin that ignores the timer, or one allocation past
/// the memory limit) loses no other deployment's findings either: the scan runs again
/// without evaluating the deployment it stopped, reports everything else, and fails
/// naming it (policy_restart).
#[test]
fn a_runaway_builtin_on_one_deployment_keeps_the_findings_of_the_others() {
    for condition in [
        "input.file == \"b.json\"; count(sprintf(\"%1000000000d\", [1])) > 0",
        "input.file == \"b.json\"; count(numbers.range(1, 1000000000)) > 0",
    ] {
        let dir = setup("", condition);
        let public_ip = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01",
    "name": "pip", "location": "westeurope", "properties": {}}]}"#;
        std::fs::write(dir.path().join("a.json"), public_ip).unwrap();
        std::fs::write(dir.path().join("c.json"), public_ip).unwrap();
        std::fs::rename(
            dir.path().join("azuredeploy.json"),
            dir.path().join("b.json"),
        )
        .unwrap();
        let t = Instant::now();
        let r = common::run(
            &[
                "check",
                "--policy",
                "pol",
                "--policy-timeout",
                "300",
                "--format",
                "json",
                ".",
            ],
            Some(dir.path()),
        );
        let took = t.elapsed();
        assert_eq!(r.code, 2, "{condition}: {}", r.stderr);
        let doc: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{condition}: {e}: {}{}", r.stdout, r.stderr));
        let files: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "AKS007")
            .map(|f| f["file"].as_str().unwrap())
            .collect();
        assert_eq!(files, ["a.json", "c.json"], "{condition}: {}", r.stdout);
        let errors = doc["policyErrors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{condition}: {errors:?}");
        let e = errors[0].as_str().unwrap();
        assert!(
            e.contains("data.user.hostile") && e.contains("b.json") && e.contains("stopped"),
            "{condition}: {e}"
        );
        assert!(took < Duration::from_secs(8), "{condition}: {took:?}");

        let a = common::run(
            &[
                "audit",
                "--policy",
                "pol",
                "--policy-timeout",
                "300",
                "--format",
                "json",
                ".",
            ],
            Some(dir.path()),
        );
        assert_eq!(a.code, 2, "{condition}: {}", a.stderr);
        assert!(a.stderr.contains("on deployment b.json"), "{}", a.stderr);
        assert!(a.stdout.contains("AKS007"), "{condition}: {}", a.stdout);
    }
}

/// A repository of runaways does not restart for ever: past the restarts allowed the
/// run ends with exit 2, in bounded time.
#[test]
fn many_runaway_deployments_end_the_run_after_the_restarts_allowed() {
    let dir = setup("", "count(sprintf(\"%1000000000d\", [1])) > 0");
    for i in 0..12 {
        std::fs::copy(
            dir.path().join("azuredeploy.json"),
            dir.path().join(format!("d{i:02}.json")),
        )
        .unwrap();
    }
    let t = Instant::now();
    let r = common::run(
        &["check", "--policy", "pol", "--policy-timeout", "200", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains("aksgate: error:") && r.stderr.contains("time limit"),
        "{}",
        r.stderr
    );
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
}

/// `audit` runs the policies `check` runs with the same configuration: the
/// configuration's `policies` and `policy_timeout_ms` (it ignored both).
#[test]
fn audit_loads_the_configured_policies_with_the_configured_limit() {
    let dir = setup("", "count(sprintf(\"%1000000000d\", [1])) > 0");
    std::fs::write(
        dir.path().join(".aksgate.toml"),
        "policies = [\"pol\"]\npolicy_timeout_ms = 200\n",
    )
    .unwrap();
    let t = Instant::now();
    let a = common::run(&["audit", "--format", "json", "."], Some(dir.path()));
    assert_eq!(a.code, 2, "{}", a.stderr);
    assert!(
        a.stderr.contains("data.user.hostile") && a.stderr.contains("200 ms"),
        "{}",
        a.stderr
    );
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
}
