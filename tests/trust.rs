//! Trust (issue 18): nothing a scanned repository contains can turn the gate green,
//! make it print commands the pipeline obeys, reach the terminal as control sequences,
//! read what is outside the repository, or crash it. Each test builds its hostile input.
mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn template(resources: &str) -> String {
    format!(r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [{resources}]}}"#)
}

fn public_ip(name: &str, extra: &str) -> String {
    format!(
        r#"{{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "{name}"{extra}}}"#
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(p, text).unwrap();
}

fn rules_of(doc: &Value) -> Vec<String> {
    findings(doc)
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

// 1. A value regorus's own conversion refuses must not silence the deployment.
#[test]
fn serde_private_number_key_does_not_silence_a_deployment() {
    let magic = r#""metadata": {"note": {"$serde_json::private::Number": "x"}}"#;
    let cases = [
        template(&public_ip("ip", &format!(", {magic}"))),
        template(&public_ip(
            "ip",
            r#", "properties": {"x": {"$serde_json::private::Number": "x"}}"#,
        )),
        template(&format!(
            "{}, {}",
            public_ip("ip", ""),
            format_args!(
                r#"{{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "s", {magic}}}"#
            )
        )),
    ];
    for (i, text) in cases.iter().enumerate() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "azuredeploy.json", text);
        let dir = t.path().to_str().unwrap();
        let (code, doc) = check_json(&[dir, "--strict", "--fail-on", "note"]);
        assert_eq!(code, 1, "case {i}: {doc:#}");
        assert!(
            rules_of(&doc).contains(&"AKS007".to_string()),
            "case {i}: {doc:#}"
        );
    }
}

/// A managed cluster (kubenet + UDR: AKS003, AKS004) whose name and outbound type are
/// `name` and `outbound`, as JSON string contents.
fn cluster(name: &str, outbound: &str) -> String {
    format!(
        r#"{{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01", "name": "{name}", "location": "westeurope", "properties": {{"dnsPrefix": "x", "agentPoolProfiles": [{{"name": "sys", "count": 1, "vmSize": "Standard_D4s_v5", "mode": "System"}}], "networkProfile": {{"networkPlugin": "kubenet", "outboundType": "{outbound}"}}}}}}"#
    )
}

/// Text that would be a command to a CI runner or a terminal, as JSON string content.
const FORGED: &str = r"\n::error file=forged.json,line=1::forged\n##vso[task.complete result=Succeeded]x\u001b]0;owned\u0007\u001b[2J\u202egnp.exe\u2066";

/// A repository whose every printable field carries [`FORGED`]: resource names, a
/// value quoted in a message, a suppression reason, a source line, file names.
fn forging_repo() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let forged_value = format!("userDefinedRouting{FORGED}");
    let lines = [
        "{".to_string(),
        format!(r#""$schema": "{SCHEMA}", "contentVersion": "1.0.0.0","#),
        "// ::error file=comment.json::from a comment ##vso[task.setvariable variable=x]1 \u{1b}[31m \u{7} \u{202e} \u{2067}".into(),
        r#""resources": ["#.into(),
        format!("{},", cluster(&format!("aks{FORGED}"), &forged_value)),
        format!("{},", cluster("second", "userDefinedRouting")),
        "// aksgate-ignore AKS007: reason ##vso[task.complete result=Succeeded] \u{1b}[2J".into(),
        public_ip(&format!("ip{FORGED}"), ""),
        "]}".into(),
    ];
    write(t.path(), "azuredeploy.json", &lines.join("\n"));
    // File names with a line break, a command and control characters.
    let names = [
        "a\n::error file=x::forged by a name.json",
        "b ##vso[task.complete result=Succeeded].json",
        "c \u{1b}]0;title\u{7}\u{202e}.json",
    ];
    for n in names {
        write(t.path(), n, &template(&public_ip("named", "")));
        // An unrelated JSON file named the same way, skipped.
        write(t.path(), &format!("skip {n}"), "{\"name\": \"x\"}");
    }
    t
}

/// No line of `text` is a command: nothing at a line start that GitHub obeys, no
/// `##vso[` anywhere, no terminal control or bidi character.
fn assert_inert(what: &str, text: &str) {
    for line in text.lines() {
        let t = line.trim_start();
        assert!(
            !t.starts_with("::") && !t.starts_with("##["),
            "{what}: a line starts a command: {line:?}"
        );
        assert!(
            !line.to_ascii_lowercase().contains("##vso["),
            "{what}: {line:?}"
        );
    }
    assert_no_controls(what, text);
}

fn assert_no_controls(what: &str, text: &str) {
    let bad = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    };
    if let Some(c) = text.chars().find(|&c| bad(c)) {
        panic!("{what}: {c:?} reaches the output: {text}");
    }
}

// 2 and 3. Every text format that reaches a log or a terminal.
#[test]
fn file_content_cannot_inject_ci_commands_or_terminal_control() {
    let t = forging_repo();
    let dir = t.path().to_str().unwrap();
    let human = run(&["check", dir, "--show-skipped"], None);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(human.stdout.contains("AKS003"), "{}", human.stdout);
    assert!(human.stdout.contains("suppressed"), "{}", human.stdout);
    assert!(
        human.stdout.contains("\\u{1b}"),
        "shown escaped: {}",
        human.stdout
    );
    assert_inert("human", &human.stdout);
    assert_inert("human stderr", &human.stderr);
    assert!(human.stderr.contains("skipped"), "{}", human.stderr);

    // The command formats: each finding is exactly one command of aksgate's own.
    let gh = run(&["check", dir, "--format", "github"], None);
    let mut commands = 0;
    for line in gh.stdout.lines() {
        if line.starts_with("::") {
            commands += 1;
            let rest = line.splitn(3, "::").nth(2).unwrap_or_default();
            assert_inert("github data", rest);
        } else {
            assert_inert("github", line);
        }
    }
    assert!(commands >= 4, "{}", gh.stdout);
    assert_no_controls("github", &gh.stdout);
    let az = run(&["check", dir, "--format", "azure"], None);
    for line in az.stdout.lines() {
        let rest = line.strip_prefix("##vso[task.logissue ").unwrap_or(line);
        assert_inert("azure", rest);
    }
    assert_no_controls("azure", &az.stdout);

    for format in ["table", "markdown"] {
        let a = run(&["audit", dir, "--format", format], None);
        assert_eq!(a.code, 0, "{}", a.stderr);
        assert_inert(format, &a.stdout);
        assert_inert(format, &a.stderr);
    }
    // The report goes to a file; the log still gets the human one.
    let out = t.path().join("report.sarif");
    let s = run(
        &[
            "check",
            dir,
            "--format",
            "sarif",
            "--output",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_inert("human beside --output", &s.stdout);

    // The data formats carry the data unchanged, with no `##vso[` in their text.
    for args in [
        vec!["check", dir, "--format", "json"],
        vec!["check", dir, "--format", "sarif"],
        vec!["check", dir, "--format", "junit"],
        vec!["audit", dir, "--format", "json"],
        vec!["input", dir],
    ] {
        let r = run(&args, None);
        assert!(
            !r.stdout.to_ascii_lowercase().contains("##vso["),
            "{args:?}"
        );
        if args.contains(&"junit") {
            assert!(r.stdout.contains("##vso&#91;"), "{args:?}");
        } else {
            let v: Value = serde_json::from_str(&r.stdout).unwrap();
            assert!(v.to_string().contains("##vso[task.complete"), "{args:?}");
        }
    }

    // Error messages that quote a path.
    let e = run(
        &["check", "/nonexistent/::error::x\n##vso[task.complete]"],
        None,
    );
    assert_eq!(e.code, 2);
    assert_inert("error", &e.stderr);
}

// 4. A finding far into a minified one-line template: no panic, a window of the line.
#[test]
fn findings_past_column_65535_render_a_window_of_the_line() {
    let t = tempfile::tempdir().unwrap();
    let pad = "x".repeat(70_000);
    let text = format!(
        r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "variables": {{"pad": "{pad}"}}, "resources": [{}]}}"#,
        cluster("aks", "userDefinedRouting")
    );
    write(t.path(), "azuredeploy.json", &text);
    let dir = t.path().to_str().unwrap();
    let r = run(&["check", dir], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("AKS003"), "{}", r.stdout);
    let col = text.find("\"kubenet\"").unwrap() + 1;
    assert!(
        r.stdout.contains(&format!("azuredeploy.json:1:{col}]")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains('…'), "{}", r.stdout);
    for line in r.stdout.lines() {
        assert!(
            line.chars().count() < 400,
            "a line of {} characters",
            line.len()
        );
    }
}

#[test]
fn a_one_line_megabyte_with_a_thousand_clusters_prints_a_bounded_report() {
    let t = tempfile::tempdir().unwrap();
    let clusters: Vec<String> = (0..1000)
        .map(|i| cluster(&format!("aks{i}"), "userDefinedRouting"))
        .collect();
    let pad = "y".repeat(800_000);
    let text = format!(
        r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "variables": {{"pad": "{pad}"}}, "resources": [{}]}}"#,
        clusters.join(",")
    );
    assert!(text.len() > 1_000_000);
    write(t.path(), "azuredeploy.json", &text);
    let dir = t.path().to_str().unwrap();
    let start = std::time::Instant::now();
    // The report's size is under test, not the pack's speed on a debug build on a
    // loaded machine (1,000 clusters in one unit take seconds there): a limit that
    // cannot be reached here.
    let out = bin()
        .args(["check", "--policy-timeout", "600000", dir])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings = String::from_utf8_lossy(&out.stdout)
        .matches("AKS003")
        .count();
    assert!(findings >= 1000, "{findings}");
    // About a kilobyte a finding, not the megabyte line each time.
    assert!(
        out.stdout.len() < 8 * 1024 * 1024,
        "{} bytes",
        out.stdout.len()
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}

// 5. Small templates that would build gigabytes: each is one AKS901 naming the limit,
// in seconds and within a bounded memory.
#[test]
fn templates_that_would_exhaust_memory_are_refused_within_budget() {
    let nested = |inner: &str| {
        format!(
            r#"{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "[concat('d', copyIndex())]", "copy": {{"name": "d", "count": 800}}, "properties": {{"mode": "Incremental", "expressionEvaluationOptions": {{"scope": "inner"}}, "template": {{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [{inner}]}}}}}}"#
        )
    };
    let big = "x".repeat(1_000_000);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "nested copy of 800 over a resource copy of 800",
            template(&nested(&public_ip(
                "[concat('ip', copyIndex())]",
                r#", "copy": {"name": "r", "count": 800}"#,
            ))),
            "8000 resources",
        ),
        (
            "the same with clusters",
            template(&nested(
                &cluster("[concat('aks', copyIndex())]", "userDefinedRouting").replacen(
                    '{',
                    r#"{"copy": {"name": "r", "count": 800}, "#,
                    1,
                ),
            )),
            "8000 resources",
        ),
        (
            "four property copies of 800 over a 1 MB variable",
            format!(
                r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "variables": {{"big": "{big}"}}, "resources": [{}]}}"#,
                public_ip(
                    "ip",
                    &format!(
                        r#", "properties": {{"copy": [{}]}}"#,
                        (0..4)
                            .map(|i| format!(
                                r#"{{"name": "p{i}", "count": 800, "input": "[variables('big')]"}}"#
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                )
            ),
            "evaluation budget",
        ),
        (
            "map inside map over range(0, 10000)",
            format!(
                r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "variables": {{"m": "[map(range(0, 10000), lambda('x', map(range(0, 10000), lambda('y', lambdaVariables('y')))))]"}}, "resources": [{}]}}"#,
                public_ip("[string(length(variables('m')))]", "")
            ),
            "evaluation budget",
        ),
        (
            "uniqueString over 1,000 references of a 1 MB variable",
            format!(
                r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "variables": {{"big": "{big}"}}, "resources": [{}]}}"#,
                public_ip(
                    &format!(
                        "[uniqueString({})]",
                        vec!["variables('big')"; 1000].join(", ")
                    ),
                    ""
                )
            ),
            "evaluation budget",
        ),
    ];
    for (what, text, limit) in cases {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "azuredeploy.json", &text);
        let mut c = bin();
        c.args(["check", "--format", "json", t.path().to_str().unwrap()]);
        limit_memory(&mut c, 1 << 30);
        let start = std::time::Instant::now();
        let out = c.output().unwrap();
        let took = start.elapsed();
        // Issue 18's target, 10 s, for the release binary.
        assert!(took < release_seconds(10), "{what}: {took:?}");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let f = findings(&doc);
        assert!(
            f.iter()
                .any(|x| x["rule"] == "AKS901" && x["message"].as_str().unwrap().contains(limit)),
            "{what}: {f:#?}"
        );
    }
}

// 6. The configuration is read as carefully as a template.
#[test]
fn a_configuration_symlink_out_of_the_repository_is_refused_and_never_echoed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secrets.env");
    fs::write(&secret, "SECRET_TOKEN=hunter2-do-not-print\nOTHER=x\n").unwrap();
    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Make)> = vec![
        (
            "a file outside",
            Box::new(move |d: &Path| symlink(&secret, d.join(".aksgate.toml")).unwrap()),
        ),
        (
            "the environment",
            Box::new(|d: &Path| symlink("/proc/self/environ", d.join(".aksgate.toml")).unwrap()),
        ),
        (
            "git's configuration",
            Box::new(|d: &Path| {
                write(d, ".git/config", "[http \"https://example.com\"]\n\textraheader = AUTHORIZATION: basic hunter2-do-not-print\n");
                symlink(".git/config", d.join(".aksgate.toml")).unwrap();
            }),
        ),
    ];
    for (what, make) in cases {
        let t = tempfile::tempdir().unwrap();
        write(
            t.path(),
            "azuredeploy.json",
            &template(&public_ip("ip", "")),
        );
        make(t.path());
        let mut c = bin();
        c.args(["check", t.path().to_str().unwrap()])
            .env("AKSGATE_TEST_SECRET", "hunter2-do-not-print");
        let out = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{what}: {stderr}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("hunter2"),
            "{what}"
        );
        assert!(stderr.contains("symlink"), "{what}: {stderr}");
    }
}

#[test]
fn a_configuration_error_echoes_only_the_offending_line() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "azuredeploy.json",
        &template(&public_ip("ip", "")),
    );
    let cfg = t.path().join("elsewhere.toml");
    fs::write(
        &cfg,
        "# token = hunter2-line-before\nstrict = nope\n# token = hunter2-line-after\n",
    )
    .unwrap();
    let r = run(
        &[
            "check",
            t.path().to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("strict = nope"), "{}", r.stderr);
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    // A file that is no text at all is not shown.
    fs::write(&cfg, "A=1\0B=hunter2\0").unwrap();
    let r = run(
        &[
            "check",
            t.path().to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
}

#[test]
fn a_configuration_that_is_a_device_or_huge_is_refused_at_once() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "azuredeploy.json",
        &template(&public_ip("ip", "")),
    );
    let big = t.path().join("big.toml");
    fs::write(
        &big,
        format!("exclude = [{}]\n", vec!["\"a/**\""; 5_000_000].join(",")),
    )
    .unwrap();
    for cfg in ["/dev/zero", big.to_str().unwrap()] {
        let start = std::time::Instant::now();
        let r = run(
            &["check", t.path().to_str().unwrap(), "--config", cfg],
            None,
        );
        assert_eq!(r.code, 2, "{cfg}: {}", r.stderr);
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "{cfg}");
        assert!(
            r.stderr.contains("regular file") || r.stderr.contains("limit"),
            "{}",
            r.stderr
        );
    }
}

// 11. The small ones.
#[test]
fn a_standard_error_that_cannot_be_written_is_no_panic() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "azuredeploy.json",
        &template(&public_ip("ip", "")),
    );
    write(t.path(), "other.json", "{\"name\": 1}");
    let full = || {
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let dir = t.path().to_str().unwrap();
    let code = |args: &[&str]| {
        bin()
            .args(args)
            .stderr(full())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap()
            .code()
    };
    assert_eq!(code(&["check", dir, "--show-skipped"]), Some(1));
    assert_eq!(code(&["check", "/nonexistent"]), Some(2));
    assert_eq!(code(&["audit", dir]), Some(0));
}

#[test]
fn output_is_written_whole_even_by_concurrent_runs() {
    let t = tempfile::tempdir().unwrap();
    let clusters: Vec<String> = (0..300)
        .map(|i| cluster(&format!("aks{i}"), "userDefinedRouting"))
        .collect();
    write(t.path(), "azuredeploy.json", &template(&clusters.join(",")));
    let out = t.path().join("out").join("report.json");
    fs::create_dir_all(out.parent().unwrap()).unwrap();
    let dir = t.path().join("azuredeploy.json");
    let children: Vec<_> = (0..4)
        .map(|_| {
            bin()
                .args(["check", "--format", "json", "--output"])
                .arg(&out)
                .arg(&dir)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert_eq!(c.wait().unwrap().code(), Some(1));
    }
    let doc: Value = serde_json::from_slice(&fs::read(&out).unwrap()).expect("a whole report");
    assert!(findings(&doc).len() >= 600);
    let left: Vec<_> = fs::read_dir(out.parent().unwrap()).unwrap().collect();
    assert_eq!(left.len(), 1, "temporary files left behind: {left:?}");
}

#[test]
fn invalid_dates_and_globs_are_errors_and_a_path_given_twice_counts_once() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "azuredeploy.json",
        &template(&public_ip("ip", "")),
    );
    let dir = t.path().to_str().unwrap();
    for toml in [
        "[[suppress]]\nrule = \"AKS007\"\nreason = \"r\"\nexpires = \"2027-02-31\"\n",
        "exclude = [\"a[\"]\n",
    ] {
        fs::write(t.path().join(".aksgate.toml"), toml).unwrap();
        let r = run(&["check", dir], None);
        assert_eq!(r.code, 2, "{toml}: {}", r.stderr);
    }
    fs::remove_file(t.path().join(".aksgate.toml")).unwrap();
    let r = run(&["check", dir, "--exclude", "a["], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--exclude"), "{}", r.stderr);
    let (_, once) = check_json(&[dir]);
    let (_, twice) = check_json(&[dir, dir]);
    assert_eq!(findings(&once).len(), findings(&twice).len(), "{twice:#}");
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.email=a@b",
            "-c",
            "user.name=t",
            "-c",
            "core.quotepath=off",
        ])
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

fn committed(dir: &Path) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
}

fn azure_cni_cluster(outbound: &str) -> String {
    cluster("aks", outbound).replace("\"kubenet\"", "\"azure\"")
}

// 7. No file name can shift `--base`'s replies from git.
#[test]
fn a_file_name_with_a_newline_cannot_defeat_base() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q"]);
    write(d, "aks.json", &template(&azure_cni_cluster("loadBalancer")));
    // Requests framed by newlines: this name asked for `HEAD:aks.json` as well.
    write(
        d,
        "a\nHEAD:aks.json",
        &template(&azure_cni_cluster("loadBalancer")),
    );
    write(d, "b.json", &template(&azure_cni_cluster("loadBalancer")));
    committed(d);
    write(
        d,
        "aks.json",
        &template(&azure_cni_cluster("userDefinedRouting")),
    );
    let (code, doc) = check_json(&[d.to_str().unwrap(), "--base", "HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    let aks006: Vec<_> = findings(&doc)
        .into_iter()
        .filter(|f| f["rule"] == "AKS006")
        .collect();
    assert_eq!(aks006.len(), 1, "{doc:#}");
    assert_eq!(aks006[0]["file"], "aks.json");
}

// 8 (base side). A deployment file that is a symlink at the base revision is not
// compared with nothing.
#[test]
fn a_base_revision_symlink_is_reported_not_compared_with_nothing() {
    use std::os::unix::fs::symlink;
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q"]);
    write(
        d,
        "real/aks.json",
        &template(&azure_cni_cluster("loadBalancer")),
    );
    symlink("real/aks.json", d.join("aks.json")).unwrap();
    committed(d);
    fs::remove_file(d.join("aks.json")).unwrap();
    write(
        d,
        "aks.json",
        &template(&azure_cni_cluster("userDefinedRouting")),
    );
    let (code, doc) = check_json(&[d.to_str().unwrap(), "--base", "HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    let f = findings(&doc);
    assert!(
        f.iter().any(|x| x["rule"] == "AKS901"
            && x["file"] == "aks.json"
            && x["message"].as_str().unwrap().contains("symlink")),
        "{doc:#}"
    );
}

// 8. What git tracks is checked whatever a .gitignore says; what cannot be seen fails.
#[test]
fn a_tracked_template_hidden_by_a_later_gitignore_is_checked() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q"]);
    write(d, "infra/aks.json", &template(&public_ip("tracked", "")));
    write(
        d,
        "hidden/dir/aks.json",
        &template(&public_ip("tracked-in-dir", "")),
    );
    committed(d);
    write(d, ".gitignore", "infra/aks.json\nhidden/\n");
    // Untracked files in the ignored folder stay ignored.
    write(
        d,
        "hidden/dir/untracked.json",
        &template(&public_ip("untracked", "")),
    );
    let (code, doc) = check_json(&[d.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}");
    let files: Vec<String> = findings(&doc)
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert!(files.contains(&"infra/aks.json".to_string()), "{files:?}");
    assert!(
        files.contains(&"hidden/dir/aks.json".to_string()),
        "{files:?}"
    );
    assert!(
        !files.contains(&"hidden/dir/untracked.json".to_string()),
        "{files:?}"
    );
}

#[test]
fn what_cannot_be_seen_is_aks901_not_left_out() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "aks.json",
        &template(&public_ip("outside", "")),
    );
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q"]);
    write(d, "main.json", &template(&public_ip("main", "")));
    // A directory symlink out of the root, and one inside it (its target is walked).
    symlink(outside.path(), d.join("linked")).unwrap();
    symlink(d.join("sub"), d.join("inside-link")).unwrap();
    write(d, "sub/x.json", &template(&public_ip("sub", "")));
    // A submodule that is not checked out.
    let sub = tempfile::tempdir().unwrap();
    git(sub.path(), &["init", "-q"]);
    write(
        sub.path(),
        "aks.json",
        &template(&public_ip("in-submodule", "")),
    );
    committed(sub.path());
    git(
        d,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub.path().to_str().unwrap(),
            "modules",
        ],
    );
    committed(d);
    fs::remove_dir_all(d.join("modules")).unwrap();
    fs::create_dir(d.join("modules")).unwrap();
    let (code, doc) = check_json(&[d.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}");
    let f = findings(&doc);
    let aks901 = |file: &str| {
        f.iter()
            .find(|x| x["rule"] == "AKS901" && x["file"] == file)
            .cloned()
    };
    let linked = aks901("linked").unwrap_or_else(|| panic!("{f:#?}"));
    assert!(linked["message"]
        .as_str()
        .unwrap()
        .contains("outside the scanned root"));
    let modules = aks901("modules").unwrap_or_else(|| panic!("{f:#?}"));
    assert!(modules["message"].as_str().unwrap().contains("submodule"));
    assert!(aks901("inside-link").is_none(), "{f:#?}");
    assert!(f.iter().any(|x| x["file"] == "sub/x.json"), "{f:#?}");
}

#[test]
fn a_directory_that_cannot_be_listed_is_aks901() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let t = tempfile::tempdir().unwrap();
    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    write(t.path(), "main.json", &template(&public_ip("main", "")));
    write(
        t.path(),
        "locked/aks.json",
        &template(&public_ip("locked", "")),
    );
    fs::set_permissions(t.path().join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let mut c = bin();
    c.args(["check", "--format", "json", t.path().to_str().unwrap()]);
    // root lists every directory: the scan runs as `nobody` then.
    if unsafe { libc::geteuid() } == 0 {
        c.uid(65534).gid(65534);
    }
    let out = c.output().unwrap();
    fs::set_permissions(t.path().join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        findings(&doc)
            .iter()
            .any(|x| x["rule"] == "AKS901" && x["file"] == "locked"),
        "{doc:#}"
    );
}
