//! Registry modules (`br/public:`, `br:`, aliases from `bicepconfig.json`) read from the
//! module cache `bicep restore` fills: judged as the compiled JSON they are, and AKS900
//! when the cache does not hold them, never silence.

mod common;

use common::{bin, root};
use serde_json::Value;
use std::fs;
use std::path::Path;

const AVM: &str = "br/public:avm/res/container-service/managed-cluster:0.1.0";

/// The folder the Bicep CLI restores `AVM` into, under a cache root.
const AVM_DIR: &str = "br/mcr.microsoft.com/bicep$avm$res$container-service$managed-cluster/0.1.0$";

fn main_bicep(target: &str) -> String {
    format!(
        "module aks '{target}' = {{\n  name: 'aks'\n  params: {{\n    name: 'aks-prod'\n    outboundType: 'userDefinedRouting'\n  }}\n}}\n"
    )
}

/// Puts the cached module (a kubenet cluster whose outboundType is a parameter) at
/// `<cache>/<dir>/main.json`.
fn restore(cache: &Path, dir: &str) {
    let to = cache.join(dir);
    fs::create_dir_all(&to).unwrap();
    fs::copy(
        root().join("tests/data/bicep-registry/managed-cluster.json"),
        to.join("main.json"),
    )
    .unwrap();
}

/// `check --format json` of `repo` with HOME set to `home`: (exit code, rule and line of
/// each finding, messages).
fn check(repo: &Path, home: &Path) -> (i32, Vec<(String, u64)>, Vec<String>) {
    let out = bin()
        .args(["check", "--format", "json"])
        .arg(repo)
        .env("HOME", home)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let f = doc["findings"].as_array().unwrap();
    (
        out.status.code().unwrap(),
        f.iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect(),
        f.iter()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect(),
    )
}

#[test]
fn a_public_registry_module_is_read_from_the_default_cache() {
    let t = tempfile::tempdir().unwrap();
    let (repo, home) = (t.path().join("repo"), t.path().join("home"));
    fs::create_dir_all(&repo).unwrap();
    fs::write(repo.join("main.bicep"), main_bicep(AVM)).unwrap();

    // Not restored: the module cannot be seen, and says how to fix that.
    fs::create_dir_all(&home).unwrap();
    let (_, rules, messages) = check(&repo, &home);
    assert_eq!(rules, vec![("AKS900".to_string(), 1)], "{messages:?}");
    assert!(
        messages[0].contains("is not in the module cache"),
        "{}",
        messages[0]
    );
    assert!(messages[0].contains("bicep restore"), "{}", messages[0]);

    // Restored into ~/.bicep: the module's cluster is judged, at the module call.
    restore(&home.join(".bicep"), AVM_DIR);
    let (code, rules, messages) = check(&repo, &home);
    assert_eq!(code, 1, "{messages:?}");
    assert!(
        rules.contains(&("AKS003".to_string(), 1)),
        "{rules:?} {messages:?}"
    );
    assert!(!rules.iter().any(|(r, _)| r == "AKS900"), "{messages:?}");
}

#[test]
fn the_configured_cache_and_bicepconfig_aliases_are_used() {
    let t = tempfile::tempdir().unwrap();
    let (repo, home, cache) = (
        t.path().join("repo"),
        t.path().join("home"),
        t.path().join("cache"),
    );
    fs::create_dir_all(repo.join("infra")).unwrap();
    fs::create_dir_all(&home).unwrap();
    fs::write(
        repo.join("infra/main.bicep"),
        main_bicep("br/corp:aks:1.2.0"),
    )
    .unwrap();
    fs::write(
        repo.join("bicepconfig.json"),
        r#"{"moduleAliases": {"br": {"corp": {"registry": "corp.azurecr.io", "modulePath": "bicep/modules"}}}}"#,
    )
    .unwrap();
    restore(&cache, "br/corp.azurecr.io/bicep$modules$aks/1.2.0$");

    // The alias resolves, but ~/.bicep does not hold it.
    let (_, rules, messages) = check(&repo, &home);
    assert_eq!(rules, vec![("AKS900".to_string(), 1)], "{messages:?}");
    assert!(
        messages[0].contains("br:corp.azurecr.io/bicep/modules/aks:1.2.0"),
        "{}",
        messages[0]
    );

    // bicep_module_cache names it (relative to .aksgate.toml).
    fs::write(
        repo.join(".aksgate.toml"),
        "bicep_module_cache = \"../cache\"\n",
    )
    .unwrap();
    let (code, rules, messages) = check(&repo, &home);
    assert_eq!(code, 1);
    assert!(
        rules.contains(&("AKS003".to_string(), 1)),
        "{rules:?} {messages:?}"
    );

    // So does bicepconfig.json's cacheRootDirectory, when the configuration does not.
    fs::remove_file(repo.join(".aksgate.toml")).unwrap();
    fs::write(
        repo.join("bicepconfig.json"),
        format!(
            r#"{{"cacheRootDirectory": {}, "moduleAliases": {{"br": {{"corp": {{"registry": "corp.azurecr.io", "modulePath": "bicep/modules"}}}}}}}}"#,
            serde_json::to_string(cache.to_str().unwrap()).unwrap()
        ),
    )
    .unwrap();
    let (_, rules, _) = check(&repo, &home);
    assert!(rules.contains(&("AKS003".to_string(), 1)), "{rules:?}");

    // An alias that no configuration defines is AKS900 naming it.
    fs::write(
        repo.join("infra/main.bicep"),
        main_bicep("br/other:aks:1.2.0"),
    )
    .unwrap();
    let (_, rules, messages) = check(&repo, &home);
    assert_eq!(rules, vec![("AKS900".to_string(), 1)]);
    assert!(
        messages[0].contains("no module alias br/other"),
        "{}",
        messages[0]
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_cache_is_not_followed() {
    let t = tempfile::tempdir().unwrap();
    let (repo, home) = (t.path().join("repo"), t.path().join("home"));
    fs::create_dir_all(&repo).unwrap();
    fs::write(repo.join("main.bicep"), main_bicep(AVM)).unwrap();
    // The module's folder in the cache is a link to a folder outside it.
    let outside = t.path().join("outside");
    restore(&outside, "m");
    let dir = home.join(".bicep").join(AVM_DIR);
    fs::create_dir_all(dir.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(outside.join("m"), &dir).unwrap();
    let (_, rules, messages) = check(&repo, &home);
    assert_eq!(rules, vec![("AKS900".to_string(), 1)], "{messages:?}");
    assert!(
        messages[0].contains("leads out of the module cache"),
        "{}",
        messages[0]
    );
}
