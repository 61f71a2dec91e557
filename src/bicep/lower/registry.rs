//! Registry and template spec modules (`br:`, `br/<alias>:`, `ts:`, `ts/<alias>:`) read
//! from the module cache `bicep restore` fills, where the Bicep CLI keeps each module's
//! compiled ARM JSON:
//!
//! - `<cache>/br/<registry>/<repository>/<tag>/main.json`, the registry lower-cased with
//!   `:` written `$`, the repository's `/` written `$`, the tag followed by `$` and the
//!   hexadecimal mask of its upper-case letters (`v1` -> `v1$`, `V1` -> `V1$1`), a digest
//!   with `:` written `#`;
//! - `<cache>/ts/<subscription>/<resource group>/<name>/<version>/main.json`, lower-cased.
//!
//! `<cache>` is `bicep_module_cache` in `.aksgate.toml`, else the nearest
//! `bicepconfig.json`'s `cacheRootDirectory`, else `~/.bicep` (the CLI's default).
//! Aliases come from that `bicepconfig.json`'s `moduleAliases` over the built-in
//! `br/public` (`mcr.microsoft.com`, module path `bicep`).
//!
//! Every part of a reference is checked against the OCI (or template spec) grammar before
//! it becomes a path: a reference cannot name a file outside the cache.

use super::module::Files;
use crate::json::{self, Node};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `bicep_module_cache` of the configuration, for the whole run (set before the scan).
static CACHE_ROOT: std::sync::RwLock<Option<PathBuf>> = std::sync::RwLock::new(None);

/// Names the module cache every later read uses (`None`: the `bicepconfig.json`'s
/// `cacheRootDirectory`, else `~/.bicep`).
pub fn set_cache_root(root: Option<PathBuf>) {
    if let Ok(mut r) = CACHE_ROOT.write() {
        *r = root;
    }
}

/// The cache root for a file whose `bicepconfig.json` says `hint`.
fn cache_root(hint: Option<&str>) -> Result<PathBuf, String> {
    if let Some(root) = CACHE_ROOT.read().ok().and_then(|r| r.clone()) {
        return Ok(root);
    }
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    match hint {
        Some(h) if h == "~" || h.starts_with("~/") => home()
            .map(|home| home.join(h.trim_start_matches('~').trim_start_matches('/')))
            .ok_or_else(|| "HOME is not set".to_string()),
        Some(h) => Ok(PathBuf::from(h)),
        None => home()
            .map(|home| home.join(".bicep"))
            .ok_or_else(|| "HOME is not set".to_string()),
    }
}

/// Reads `cache_path` under the cache root: never a file a symlink takes out of it, and
/// none larger than a deployment file may be.
pub fn read_cached(cache_path: &str, hint: Option<&str>) -> Result<String, String> {
    let root = cache_root(hint)?;
    let shown = root.join(cache_path);
    let missing = |e: std::io::Error| format!("{}: {e}", shown.display());
    let real = shown.canonicalize().map_err(missing)?;
    let real_root = root.canonicalize().map_err(missing)?;
    if !real.starts_with(&real_root) {
        return Err(format!("{} leads out of the module cache", shown.display()));
    }
    let meta = std::fs::metadata(&real).map_err(missing)?;
    if !meta.is_file() || meta.len() > crate::load::MAX_FILE_BYTES {
        return Err(format!(
            "{} is not a file of a readable size",
            shown.display()
        ));
    }
    std::fs::read_to_string(&real).map_err(missing)
}

/// A module reference resolved to what the cache keeps it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The fully qualified reference (`br:mcr.microsoft.com/bicep/avm/res/x:0.1.0`).
    pub reference: String,
    /// Its `main.json` relative to the cache root.
    pub cache_path: String,
}

/// What a `bicepconfig.json` says about modules.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    /// `br` aliases: name -> (registry, module path).
    br: BTreeMap<String, (String, Option<String>)>,
    /// `ts` aliases: name -> (subscription, resource group).
    ts: BTreeMap<String, (String, String)>,
    /// `cacheRootDirectory`, when set.
    pub cache_root: Option<String>,
}

/// Is `target` a registry or template spec reference?
pub(crate) fn is_external(target: &str) -> bool {
    ["br:", "br/", "ts:", "ts/"]
        .iter()
        .any(|p| target.starts_with(p))
}

/// The nearest `bicepconfig.json` at or above the folder of `from` (inside the scanned
/// root), read through `files`; the built-in configuration when there is none. An
/// unreadable or invalid one is an error: the compiler stops on it too.
pub(crate) fn config_for(files: &dyn Files, from: &str) -> Result<Config, String> {
    let depth = from.matches('/').count();
    for up in 0..=depth {
        let rel = format!("{}bicepconfig.json", "../".repeat(up));
        let Ok(path) = files.locate(from, &rel) else {
            continue;
        };
        let (_, text) = files.read(from, &rel).map_err(|e| format!("{path}: {e}"))?;
        return parse_config(&text).map_err(|e| format!("{path}: {e}"));
    }
    Ok(Config::default())
}

fn parse_config(text: &str) -> Result<Config, String> {
    let doc = json::parse(text).map_err(|e| format!("not valid JSON: {}", e.message))?;
    let mut c = Config::default();
    let aliases = doc.root.get("moduleAliases");
    let str_of = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).map(str::to_string);
    for m in aliases
        .and_then(|a| a.get("br"))
        .and_then(Node::as_object)
        .into_iter()
        .flatten()
    {
        let registry = str_of(&m.value, "registry")
            .ok_or_else(|| format!("moduleAliases.br.{} has no registry", m.key))?;
        c.br.insert(m.key.clone(), (registry, str_of(&m.value, "modulePath")));
    }
    for m in aliases
        .and_then(|a| a.get("ts"))
        .and_then(Node::as_object)
        .into_iter()
        .flatten()
    {
        let sub = str_of(&m.value, "subscription")
            .ok_or_else(|| format!("moduleAliases.ts.{} has no subscription", m.key))?;
        let rg = str_of(&m.value, "resourceGroup")
            .ok_or_else(|| format!("moduleAliases.ts.{} has no resourceGroup", m.key))?;
        c.ts.insert(m.key.clone(), (sub, rg));
    }
    c.cache_root = doc
        .root
        .get("cacheRootDirectory")
        .and_then(Node::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    Ok(c)
}

/// Resolves `target` with the aliases of `config` (and the built-in `br/public`).
pub(crate) fn resolve(target: &str, config: &Config) -> Result<Resolved, String> {
    if let Some(rest) = target.strip_prefix("br:") {
        let (registry, path) = rest
            .split_once('/')
            .ok_or("a registry reference needs <registry>/<repository>")?;
        oci(registry, path)
    } else if let Some(rest) = target.strip_prefix("br/") {
        let (alias, path) = rest
            .split_once(':')
            .ok_or("a registry alias reference needs br/<alias>:<path>")?;
        let (registry, module_path) = match (config.br.get(alias), alias) {
            (Some((r, p)), _) => (r.clone(), p.clone()),
            (None, "public") => ("mcr.microsoft.com".to_string(), Some("bicep".to_string())),
            (None, _) => return Err(format!("no module alias br/{alias} in bicepconfig.json")),
        };
        let path = match module_path {
            Some(p) if !p.is_empty() => format!("{}/{path}", p.trim_end_matches('/')),
            _ => path.to_string(),
        };
        oci(&registry, &path)
    } else if let Some(rest) = target.strip_prefix("ts:") {
        let (sub, rest) = rest.split_once('/').ok_or(
            "a template spec reference needs <subscription>/<resource group>/<name>:<version>",
        )?;
        let (rg, rest) = rest.split_once('/').ok_or(
            "a template spec reference needs <subscription>/<resource group>/<name>:<version>",
        )?;
        spec(sub, rg, rest)
    } else if let Some(rest) = target.strip_prefix("ts/") {
        let (alias, rest) = rest
            .split_once(':')
            .ok_or("a template spec alias reference needs ts/<alias>:<name>:<version>")?;
        let (sub, rg) = config
            .ts
            .get(alias)
            .ok_or_else(|| format!("no module alias ts/{alias} in bicepconfig.json"))?;
        spec(sub, rg, rest)
    } else {
        Err("not a registry or template spec reference".into())
    }
}

/// `<registry>` and `<repository>:<tag>` or `<repository>@<digest>`.
fn oci(registry: &str, path: &str) -> Result<Resolved, String> {
    if !valid_registry(registry) {
        return Err(format!("'{registry}' is not a valid registry name"));
    }
    // The repository, how the version is written (`@digest`, `:tag`), and its folder.
    let (repository, sep, version, dir) = if let Some((repo, digest)) = path.split_once('@') {
        if !valid_digest(digest) {
            return Err(format!("'{digest}' is not a valid digest"));
        }
        (repo, '@', digest, digest.replace(':', "#"))
    } else {
        let (repo, tag) = path
            .rsplit_once(':')
            .ok_or("a registry reference needs a :<tag> or an @<digest>")?;
        if !valid_tag(tag) {
            return Err(format!("'{tag}' is not a valid tag"));
        }
        (repo, ':', tag, encode_tag(tag))
    };
    if !valid_repository(repository) {
        return Err(format!("'{repository}' is not a valid repository name"));
    }
    Ok(Resolved {
        reference: format!("br:{registry}/{repository}{sep}{version}"),
        cache_path: format!(
            "br/{}/{}/{dir}/main.json",
            registry.replace(':', "$").to_ascii_lowercase(),
            repository.replace('/', "$"),
        ),
    })
}

fn spec(sub: &str, rg: &str, rest: &str) -> Result<Resolved, String> {
    let (name, version) = rest
        .rsplit_once(':')
        .ok_or("a template spec reference needs <name>:<version>")?;
    for (what, part) in [
        ("subscription", sub),
        ("resource group", rg),
        ("template spec name", name),
        ("version", version),
    ] {
        let ok = !part.is_empty()
            && part.len() <= 90
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.()".contains(c));
        if !ok {
            return Err(format!("'{part}' is not a valid {what}"));
        }
    }
    Ok(Resolved {
        reference: format!("ts:{sub}/{rg}/{name}:{version}"),
        cache_path: format!("ts/{sub}/{rg}/{name}/{version}/main.json").to_ascii_lowercase(),
    })
}

/// The tag as the cache names its folder: the tag, `$`, and the mask of its upper-case
/// letters in hexadecimal (bit i for character i), the higher 64-bit half first and the
/// lower one then padded to 16 digits.
pub(crate) fn encode_tag(tag: &str) -> String {
    let mut mask = [0u64; 2];
    for (i, c) in tag.chars().enumerate().take(128) {
        if c.is_ascii_uppercase() {
            mask[i / 64] |= 1 << (i % 64);
        }
    }
    let digits = match mask {
        [0, 0] => String::new(),
        [low, 0] => format!("{low:x}"),
        [low, high] => format!("{high:x}{low:016x}"),
    };
    format!("{tag}${digits}")
}

/// A host name or IP with an optional port (`example.azurecr.io`, `127.0.0.1:5000`).
fn valid_registry(r: &str) -> bool {
    let valid_port =
        |p: &str| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit());
    // An IPv6 address in brackets (`[::1]`, `[::1]:5000`), as the compiler takes it.
    if let Some(rest) = r.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        return !addr.is_empty()
            && addr.len() <= 45
            && addr.contains(':')
            && addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            && (after.is_empty() || after.strip_prefix(':').is_some_and(valid_port));
    }
    let (host, port) = match r.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (r, None),
    };
    !host.is_empty()
        && host.len() <= 255
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        && port.is_none_or(valid_port)
}

/// Lower-case path components `[a-z0-9]+([._-][a-z0-9]+)*` joined by `/` (OCI).
fn valid_repository(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 255
        && r.split('/').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_lowercase() | b[0].is_ascii_digit()
                && b[b.len() - 1].is_ascii_lowercase() | b[b.len() - 1].is_ascii_digit()
                && b.windows(2).all(|w| !(is_sep(w[0]) && is_sep(w[1])))
                && b.iter()
                    .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || is_sep(c))
        })
}

fn is_sep(c: u8) -> bool {
    matches!(c, b'.' | b'_' | b'-')
}

/// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}` (OCI).
fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || is_sep(c))
}

/// `<algorithm>:<hex>` (`sha256:e207...`).
fn valid_digest(d: &str) -> bool {
    d.split_once(':').is_some_and(|(alg, hex)| {
        !alg.is_empty()
            && alg
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && hex.len() >= 32
            && hex.len() <= 128
            && hex.chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_encoded_as_the_cli_names_their_folders() {
        // The Bicep CLI's own examples (TagEncoderTests).
        assert_eq!(encode_tag(""), "$");
        assert_eq!(encode_tag("v1"), "v1$");
        assert_eq!(encode_tag("V1"), "V1$1");
        assert_eq!(encode_tag("AbCd"), "AbCd$5");
        assert_eq!(encode_tag("ABCD"), "ABCD$f");
        assert_eq!(
            encode_tag(&"ABCD".repeat(5)),
            format!("{}$fffff", "ABCD".repeat(5))
        );
        // Past 64 characters the higher half comes first, the lower padded.
        let long = format!("{}A", "a".repeat(64));
        assert_eq!(encode_tag(&long), format!("{long}$10000000000000000"));
    }

    #[test]
    fn references_resolve_to_their_cache_folders() {
        let c = Config::default();
        let r = resolve(
            "br/public:avm/res/container-service/managed-cluster:0.10.1",
            &c,
        )
        .unwrap();
        assert_eq!(
            r.cache_path,
            "br/mcr.microsoft.com/bicep$avm$res$container-service$managed-cluster/0.10.1$/main.json"
        );
        assert_eq!(
            r.reference,
            "br:mcr.microsoft.com/bicep/avm/res/container-service/managed-cluster:0.10.1"
        );
        let r = resolve("br:Example.azurecr.io:443/modules/aks:V2", &c).unwrap();
        assert_eq!(
            r.cache_path,
            "br/example.azurecr.io$443/modules$aks/V2$1/main.json"
        );
        let digest = format!("sha256:{}", "ab".repeat(32));
        let r = resolve(&format!("br:reg.io/aks@{digest}"), &c).unwrap();
        assert_eq!(
            r.cache_path,
            format!("br/reg.io/aks/{}/main.json", digest.replace(':', "#"))
        );
        assert_eq!(r.reference, format!("br:reg.io/aks@{digest}"));
        let r = resolve("ts:0000-1111/RG-Specs/aksSpec:2.0a", &c).unwrap();
        assert_eq!(r.cache_path, "ts/0000-1111/rg-specs/aksspec/2.0a/main.json");
        // IPv6 registries, as in the compiler's Registry sample.
        let r = resolve("br:[::1]:5000/passthrough/ipv6port:v1", &c).unwrap();
        assert_eq!(
            r.cache_path,
            "br/[$$1]$5000/passthrough$ipv6port/v1$/main.json"
        );
        assert!(resolve("br:[::1]/passthrough/ipv6:v1", &c).is_ok());
    }

    #[test]
    fn aliases_come_from_bicepconfig() {
        let c = parse_config(
            r#"{ // comments are allowed
              "moduleAliases": {
                "br": {"corp": {"registry": "corp.azurecr.io", "modulePath": "bicep/modules"},
                       "public": {"registry": "mirror.example.com"}},
                "ts": {"specs": {"subscription": "sub1", "resourceGroup": "rg1"}}
              },
              "cacheRootDirectory": "/var/cache/bicep"
            }"#,
        )
        .unwrap();
        let r = resolve("br/corp:aks:1.0.0", &c).unwrap();
        assert_eq!(
            r.cache_path,
            "br/corp.azurecr.io/bicep$modules$aks/1.0.0$/main.json"
        );
        // An alias the file defines replaces the built-in one.
        let r = resolve("br/public:aks:1.0.0", &c).unwrap();
        assert_eq!(r.cache_path, "br/mirror.example.com/aks/1.0.0$/main.json");
        let r = resolve("ts/specs:aks:1.0", &c).unwrap();
        assert_eq!(r.cache_path, "ts/sub1/rg1/aks/1.0/main.json");
        assert_eq!(c.cache_root.as_deref(), Some("/var/cache/bicep"));
        assert!(resolve("br/other:aks:1.0.0", &c)
            .unwrap_err()
            .contains("no module alias"));
        assert!(parse_config(r#"{"moduleAliases": {"br": {"x": {}}}}"#).is_err());
    }

    #[test]
    fn no_reference_names_a_path_outside_the_cache() {
        let c = Config::default();
        for bad in [
            "br:reg.io/../../etc:1",
            "br:reg.io/a//b:1",
            "br:../x/aks:1",
            "br:reg.io/aks:../../x",
            "br:reg.io/aks:.hidden",
            "br:reg.io/Aks:1",
            "br:reg.io/aks",
            "br:reg.io/aks@sha256:../x",
            "br/public:../../x:1",
            "ts:sub/../x:1",
            "ts:sub/rg/..:1",
            "ts:sub/rg/a/b:1",
            "br:reg.io:99999x/aks:1",
            "br:[../x]/aks:1",
            "br:[::1/aks:1",
            "br:[]/aks:1",
            "br:[::1]x/aks:1",
        ] {
            assert!(resolve(bad, &c).is_err(), "{bad}");
        }
    }
}
