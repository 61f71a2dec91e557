//! The README's examples run: its example policy and its test pass `aksgate test`, the
//! policy is right on known, missing and unknown values, and its configuration parses.
mod common;
use common::*;

/// The fenced blocks of `lang` in the README section that starts with `heading`.
fn blocks(heading: &str, lang: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading}"));
    let section = &readme[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut out = Vec::new();
    let mut rest = section;
    let open = format!("```{lang}\n");
    while let Some(i) = rest.find(&open) {
        let body = &rest[i + open.len()..];
        let end = body.find("```").expect("an unclosed block");
        out.push(body[..end].to_string());
        rest = &body[end..];
    }
    out
}

fn policy_dir() -> tempfile::TempDir {
    let rego = blocks("## Writing your own policies", "rego");
    assert_eq!(rego.len(), 2, "the policy and its test");
    assert!(rego[1].contains("package myorg.aks_private_test"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("private_cluster.rego"), &rego[0]).unwrap();
    std::fs::write(dir.path().join("private_cluster_test.rego"), &rego[1]).unwrap();
    dir
}

#[test]
fn the_readme_policy_passes_its_own_test() {
    let dir = policy_dir();
    let r = run(&["test", dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("3 passed, 0 failed"), "{}", r.stdout);
}

fn template(properties: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{"props": {{"type": "object"}}}},
  "resources": [
    {{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01",
      "name": "aks", "location": "westeurope", "properties": {properties}}}
  ]
}}
"#
    )
}

fn org_findings(properties: &str) -> Vec<serde_json::Value> {
    let policy = policy_dir();
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("aks.json"), template(properties)).unwrap();
    let (_, doc) = check_json(&[
        "--policy",
        policy.path().to_str().unwrap(),
        repo.path().to_str().unwrap(),
    ]);
    // The built-in pack's own findings about this cluster are not the example's.
    findings(&doc)
        .into_iter()
        .filter(|f| f["rule"] == "ORG001" || f["about"] == "ORG001")
        .collect()
}

#[test]
fn the_readme_policy_is_right_on_known_missing_and_unknown_values() {
    let public = org_findings(r#"{"apiServerAccessProfile": {"enablePrivateCluster": false}}"#);
    assert_eq!(public.len(), 1, "{public:#?}");
    assert_eq!(public[0]["rule"], "ORG001");
    assert!(public[0]["message"].as_str().unwrap().contains("is false"));

    let missing = org_findings("{}");
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(missing[0]["rule"], "ORG001");

    let private = org_findings(r#"{"apiServerAccessProfile": {"enablePrivateCluster": true}}"#);
    assert!(private.is_empty(), "{private:#?}");

    // The whole properties object is a parameter nobody sets: not an ORG001 error.
    let unknown = org_findings(r#""[parameters('props')]""#);
    assert_eq!(unknown.len(), 1, "{unknown:#?}");
    assert_eq!(unknown[0]["rule"], "AKS900", "{unknown:#?}");
    assert_eq!(unknown[0]["about"], "ORG001", "{unknown:#?}");
}

#[test]
fn the_readme_configuration_parses_with_the_real_loader() {
    let toml = blocks("## Configuration", "toml");
    assert_eq!(toml.len(), 1);
    let cfg = aksgate::config::Config::parse(&toml[0], std::path::Path::new(".aksgate.toml"))
        .unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(cfg.allow_documented_migrations, Some(false));
    assert_eq!(cfg.external_network, Some(false));
    assert_eq!(cfg.policy_timeout_ms, Some(10000));
    assert_eq!(cfg.suppress.len(), 1);
    // An ARM parameter file and a Terraform variable file.
    assert_eq!(cfg.pair.len(), 2);
    assert_eq!(cfg.pair[1].parameters.get_ref(), "env/prod.tfvars");
}

/// Every relative link of the README and the docs names a file of the repository.
#[test]
fn relative_links_in_the_readme_and_docs_exist() {
    let mut pages = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            pages.push(p);
        }
    }
    let mut checked = 0;
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = &after[..end];
            rest = &after[end..];
            if target.contains("://") || target.starts_with('#') || target.contains(' ') {
                continue;
            }
            let file = target.split('#').next().unwrap();
            let p = page.parent().unwrap().join(file);
            assert!(p.exists(), "{}: broken link {target}", page.display());
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked} links");
}

// `--no-builtin` leaves the built-in rules out, not the library a user policy imports:
// without it every `lib.` reference is undefined, nothing fires and the gate passes.
#[test]
fn the_readme_policy_fires_without_the_builtin_rules() {
    let policy = policy_dir();
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("aks.json"), template("{}")).unwrap();
    let (code, doc) = check_json(&[
        "--no-builtin",
        "--policy",
        policy.path().to_str().unwrap(),
        repo.path().to_str().unwrap(),
    ]);
    let rules: Vec<&str> = findings(&doc)
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default())
        .map(|r| if r == "ORG001" { "ORG001" } else { "other" })
        .collect();
    assert_eq!(rules, ["ORG001"], "{doc}");
    assert_eq!(code, 1);
}
