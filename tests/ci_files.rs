//! The CI files this repository ships (the GitHub Action, the Azure Pipelines template,
//! the release workflow, the pre-commit hook, what `aksgate init` writes) and the YAML
//! shown in the README and docs are valid YAML with the keys their CI reads.
mod common;
use common::*;
use serde_yaml_ng::Value;

fn yaml(text: &str, what: &str) -> Value {
    serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("{what}: not YAML: {e}\n{text}"))
}

fn file(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    yaml(&text, rel)
}

#[test]
fn the_github_action_declares_its_inputs_and_runs_composite_steps() {
    let a = file("action.yml");
    for input in [
        "paths",
        "format",
        "fail-on",
        "config",
        "base-ref",
        "sarif-upload",
        "version",
    ] {
        assert!(
            !a["inputs"][input].is_null(),
            "action.yml has no input {input}"
        );
    }
    assert_eq!(a["runs"]["using"], "composite");
    let steps = a["runs"]["steps"].as_sequence().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(uses
        .iter()
        .any(|u| u.starts_with("github/codeql-action/upload-sarif@")));
    assert!(uses.iter().any(|u| u.starts_with("actions/cache@")));
    // Every step a composite action runs needs a shell.
    for s in steps.iter().filter(|s| !s["run"].is_null()) {
        assert!(!s["shell"].is_null(), "step without shell: {s:?}");
    }
}

#[test]
fn the_azure_template_publishes_junit_and_issues() {
    let t = file("ci/azure-pipelines/aksgate.yml");
    let params: Vec<&str> = t["parameters"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(params, ["paths", "failOn", "config", "baseRef", "version"]);
    let steps = t["steps"].as_sequence().unwrap();
    assert!(steps.iter().any(
        |s| s["task"] == "PublishTestResults@2" && s["inputs"]["testResultsFormat"] == "JUnit"
    ));
    let scripts: String = steps.iter().filter_map(|s| s["bash"].as_str()).collect();
    assert!(scripts.contains("--format azure") && scripts.contains("--format junit"));
}

#[test]
fn the_release_workflow_builds_every_target_with_checksums() {
    let w = file(".github/workflows/release.yml");
    // `on` is a YAML 1.1 boolean to some parsers; serde_yaml_ng keeps it a string key.
    assert!(!w["on"]["push"]["tags"].is_null());
    let targets: Vec<&str> = w["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|m| m["target"].as_str())
        .collect();
    for t in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&t), "no {t}");
    }
    let publish = serde_yaml_ng::to_string(&w["jobs"]["publish"]).unwrap();
    assert!(publish.contains("SHA256SUMS"));
}

#[test]
fn the_pre_commit_hook_and_the_init_files_are_yaml() {
    let hooks = file(".pre-commit-hooks.yaml");
    assert_eq!(hooks[0]["id"], "aksgate");
    for (rel, text) in aksgate::init::files(Some(aksgate::init::Ci::Github))
        .into_iter()
        .chain(aksgate::init::files(Some(aksgate::init::Ci::Azure)))
        .chain(aksgate::init::files(Some(aksgate::init::Ci::Gitlab)))
        .filter(|(rel, _)| rel.ends_with(".yml"))
    {
        let v = yaml(text, rel);
        assert!(v.is_mapping(), "{rel}");
    }
}

/// Every ```yaml block of the README and the docs parses.
#[test]
fn the_yaml_in_the_readme_and_docs_parses() {
    let mut docs = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            docs.push(p);
        }
    }
    let mut blocks = 0;
    for p in docs {
        let text = std::fs::read_to_string(&p).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("```yaml\n") {
            let body = &rest[i + 8..];
            let end = body.find("```").unwrap();
            yaml(&body[..end], &p.display().to_string());
            blocks += 1;
            rest = &body[end..];
        }
    }
    assert!(blocks >= 4, "{blocks} YAML blocks");
}
