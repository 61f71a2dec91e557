//! Evaluation conformance: for every compiler sample with a `main.json`, aksgate's
//! evaluation of its native lowering of `main.bicep` and its evaluation of the
//! compiler's own `main.json` (the same evaluator, the same parameters: their defaults)
//! deploy the same resources: types, names, apiVersions, whether a condition is left,
//! and every property value both sides know.

mod common;

use aksgate::arm::value::Val;
use aksgate::bicep::lower::{join, lower_text, DiskFiles, Files, Located};
use aksgate::classify::{Kind, Scope};
use aksgate::json;
use aksgate::resolve::arm_eval::{rnode_val, ArmEvaluator};
use aksgate::resolve::{resolve_template, NoLinks, Resource};
use std::collections::HashMap;

/// One resource as compared: its key and what is compared of it.
struct Seen {
    key: (String, String),
    api: Option<String>,
    conditional: bool,
    body: Val,
}

/// Keys of a resource object that are not what it deploys (or are compared apart).
const NOT_COMPARED: &[&str] = &[
    "type",
    "name",
    "apiVersion",
    "condition",
    "dependsOn",
    "metadata",
    "comments",
    "copy",
    "existing",
    "scope",
];

fn seen(r: &Resource) -> Option<Seen> {
    let body = rnode_val(&r.node);
    if let Val::Object(m) = &body {
        // The compiler keeps `existing` resources in a symbolic template.
        if m.iter()
            .any(|(k, v)| k == "existing" && *v == Val::Bool(true))
        {
            return None;
        }
    }
    let name = match rnode_val(&r.name) {
        Val::Str(s) => s,
        Val::Unknown(_) => "<unknown>".into(),
        other => format!("{other:?}"),
    };
    let body = match body {
        Val::Object(m) => Val::Object(
            m.into_iter()
                .filter(|(k, _)| !NOT_COMPARED.contains(&k.as_str()))
                .map(|(k, v)| match (k.as_str(), v) {
                    // A module's template is compared through the resources it deploys
                    // (the compiler links a template spec by `templateLink`; the module
                    // cache gives the Bicep side its template).
                    ("properties", Val::Object(p)) => (
                        k,
                        Val::Object(
                            p.into_iter()
                                .filter(|(k, _)| k != "template" && k != "templateLink")
                                .collect(),
                        ),
                    ),
                    (_, v) => (k, v),
                })
                .collect(),
        ),
        other => other,
    };
    Some(Seen {
        key: (r.ty.to_ascii_lowercase(), name),
        api: r.api_version.clone(),
        conditional: r.condition.is_some(),
        body,
    })
}

/// The resources a template deploys, and how many deployments of it aksgate cannot see
/// into (a template spec the compiler links to by id).
fn evaluate(root: &json::Node) -> (Vec<Seen>, usize) {
    let mut eval = ArmEvaluator::new(0, root, HashMap::new());
    let unit = resolve_template(
        root,
        0,
        Kind::Template(Scope::ResourceGroup),
        &mut eval,
        &NoLinks,
    );
    let mut out: Vec<Seen> = unit.resources.iter().filter_map(seen).collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    (out, unit.unseen.len())
}

/// Where two values both known differ (`None`: they agree). An unknown on either side
/// agrees with anything, even a member the other leaves out (a Key Vault `reference`
/// instead of a `value`): only what both sides know is compared.
fn differ(path: &str, a: &Val, b: &Val) -> Option<String> {
    match (a, b) {
        (Val::Unknown(_), _) | (_, Val::Unknown(_)) => None,
        (Val::Object(x), Val::Object(y)) => {
            let get = |m: &[(String, Val)], k: &str| {
                m.iter()
                    .find(|(j, _)| j.eq_ignore_ascii_case(k))
                    .map(|p| p.1.clone())
            };
            // A parameter (or an extension's setting) from a Key Vault: the compiler
            // writes its `reference` (`keyVaultReference`), the
            // lowering a `value` known only at deployment time. Both are that secret.
            let secret = |m: &[(String, Val)], n: &[(String, Val)]| {
                matches!(m, [(k, Val::Unknown(_))] if k == "value")
                    && n.iter()
                        .any(|(k, _)| k == "reference" || k == "keyVaultReference")
            };
            if secret(x, y) || secret(y, x) {
                return None;
            }
            // A member one side leaves out and the other writes empty (a module's
            // `parameters: {}`) deploys the same.
            let nothing = |v: &Val| matches!(v, Val::Null) || *v == Val::Object(Vec::new());
            for (k, v) in x {
                match get(y, k) {
                    Some(w) => {
                        if let Some(d) = differ(&format!("{path}.{k}"), v, &w) {
                            return Some(d);
                        }
                    }
                    None if nothing(v) || matches!(v, Val::Unknown(_)) => {}
                    None => return Some(format!("{path}.{k}: ours {v:?}, theirs absent")),
                }
            }
            for (k, w) in y {
                if get(x, k).is_none() && !nothing(w) && !matches!(w, Val::Unknown(_)) {
                    return Some(format!("{path}.{k}: ours absent, theirs {w:?}"));
                }
            }
            None
        }
        (Val::Array(x), Val::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| differ(&format!("{path}[{i}]"), v, w)),
        (Val::Int(i), Val::Float(f)) | (Val::Float(f), Val::Int(i)) if *i as f64 == *f => None,
        _ if a == b => None,
        _ => Some(format!("{path}: ours {a:?}, theirs {b:?}")),
    }
}

fn resource_differs(a: &Seen, b: &Seen) -> Option<String> {
    let what = format!("{}/{}", a.key.0, a.key.1);
    if a.api != b.api {
        return Some(format!(
            "{what}: apiVersion ours {:?}, theirs {:?}",
            a.api, b.api
        ));
    }
    if a.conditional != b.conditional {
        return Some(format!(
            "{what}: condition left ours {}, theirs {}",
            a.conditional, b.conditional
        ));
    }
    differ(&what, &a.body, &b.body)
}

/// The first difference between two evaluations. Where the compiler's template links
/// to deployments aksgate cannot see (`unseen`: a template spec by its id, which the
/// Bicep side reads from the module cache), the Bicep side may deploy more: each of the
/// compiler's resources must still be one of its own.
fn compare(ours: &[Seen], theirs: &[Seen], unseen: usize) -> Option<String> {
    let keys = |v: &[Seen]| v.iter().map(|s| s.key.clone()).collect::<Vec<_>>();
    if unseen == 0 && keys(ours) != keys(theirs) {
        return Some(format!(
            "resources: ours {:?}, theirs {:?}",
            keys(ours),
            keys(theirs)
        ));
    }
    // Resources of one type and name (instances of loops that shadow names) pair with
    // whichever of ours they agree with: the two templates may list them in another order.
    let mut used = vec![false; ours.len()];
    for b in theirs {
        let mut first = Some(format!("{}/{}: not deployed by ours", b.key.0, b.key.1));
        for (j, a) in ours.iter().enumerate() {
            if used[j] || a.key != b.key {
                continue;
            }
            match resource_differs(a, b) {
                None => {
                    used[j] = true;
                    first = None;
                    break;
                }
                Some(d) => {
                    if first
                        .as_ref()
                        .is_some_and(|f| f.ends_with("not deployed by ours"))
                    {
                        first = Some(d);
                    }
                }
            }
        }
        if let Some(d) = first {
            return Some(d);
        }
    }
    None
}

/// The shared copy of `LoadFunctions_CRLF` lacks its binary asset (`binary`, in
/// `Assets/` and deeper): its bytes are in the compiler's output (the base64 it wrote for
/// `loadedBinary1`), so the sample is evaluated with them restored, read and listed.
struct Restored {
    disk: DiskFiles,
    bytes: Vec<u8>,
}

impl Files for Restored {
    fn read(&self, from: &str, rel: &str) -> Result<(String, String), String> {
        self.disk.read(from, rel)
    }

    fn locate(&self, from: &str, rel: &str) -> Result<String, Located> {
        self.disk.locate(from, rel)
    }

    fn read_bytes(&self, from: &str, rel: &str) -> Result<(String, Vec<u8>), String> {
        match self.disk.read_bytes(from, rel) {
            Err(_) if rel.ends_with("/binary") => {
                Ok((join(from, rel).ok_or("outside")?, self.bytes.clone()))
            }
            other => other,
        }
    }

    fn list(&self, from: &str, rel: &str) -> Result<(String, Vec<String>), String> {
        let (dir, mut names) = self.disk.list(from, rel)?;
        if dir == "Assets" && !names.iter().any(|n| n == "binary") {
            names.push("binary".into());
        }
        Ok((dir, names))
    }
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn files_of(dir: &std::path::Path, compiled: &json::Node) -> Box<dyn Files> {
    let disk = DiskFiles {
        root: dir.to_path_buf(),
    };
    let binary = compiled
        .get("variables")
        .and_then(|v| v.get("loadedBinary1"))
        .and_then(json::Node::as_str);
    match binary {
        Some(b) if !dir.join("Assets/binary").exists() => Box::new(Restored {
            disk,
            bytes: base64(b),
        }),
        _ => Box::new(disk),
    }
}

/// `Registry_LF` names modules of mock registries and template specs that the
/// compiler's test harness publishes from the sample's own `Publish/` (Bicep sources)
/// and `TemplateSpecs/` (template spec resources), each with its reference in a
/// `.metadata.json`. They are restored here into a module cache laid out as `bicep
/// restore` lays it out: `br/<registry, ':' as '$'>/<repository, '/' as '$'>/<tag>$/main.json`
/// and `ts/<subscription>/<group>/<name>/<version>/main.json`, lower-cased. (A Bicep
/// module is written as aksgate lowers it; the sample's `bicepconfig.json` maps the
/// alias `mock-registry-mocked` to `Publish/` for the harness.)
fn restore_registry(sample: &std::path::Path, cache: &std::path::Path) {
    let mut entries: Vec<(String, String)> = Vec::new();
    for folder in ["Publish", "TemplateSpecs"] {
        let Ok(read) = std::fs::read_dir(sample.join(folder)) else {
            return;
        };
        for e in read {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let Some(stem) = name.strip_suffix(".metadata.json") else {
                continue;
            };
            let meta = std::fs::read_to_string(&path).unwrap();
            let meta: serde_json::Value =
                serde_json::from_str(meta.trim_start_matches('\u{feff}')).unwrap();
            let target = meta["target"].as_str().unwrap().to_string();
            let template = if folder == "Publish" {
                let file = format!("{stem}.bicep");
                let text = std::fs::read_to_string(sample.join(folder).join(&file)).unwrap();
                let files = DiskFiles {
                    root: sample.join(folder),
                };
                let lowered = lower_text(&text, &file, &files).unwrap();
                assert!(
                    lowered.problems.is_empty(),
                    "{file}: {:?}",
                    lowered.problems
                );
                lowered.doc.root.to_json().to_string()
            } else {
                let text =
                    std::fs::read_to_string(sample.join(folder).join(format!("{stem}.json")))
                        .unwrap();
                let spec: serde_json::Value =
                    serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
                spec["properties"]["mainTemplate"].to_string()
            };
            if stem == "plan" {
                entries.push((
                    "br:mock-registry-three.invalid/plan:v2".into(),
                    template.clone(),
                ));
            }
            entries.push((target, template));
        }
    }
    for (target, template) in entries {
        let rel = if let Some(r) = target.strip_prefix("br:") {
            let (repo_at, tag) = r.rsplit_once(':').unwrap();
            assert!(!tag.chars().any(|c| c.is_ascii_uppercase()), "{tag}");
            let (registry, repo) = match repo_at.strip_prefix('[') {
                // `[::1]:5000/x`: the registry is up to the first '/' after the brackets.
                Some(_) => {
                    let close = repo_at.find(']').unwrap();
                    let slash = close + repo_at[close..].find('/').unwrap();
                    (&repo_at[..slash], &repo_at[slash + 1..])
                }
                None => repo_at.split_once('/').unwrap(),
            };
            format!(
                "br/{}/{}/{tag}$/main.json",
                registry.to_ascii_lowercase().replace(':', "$"),
                repo.replace('/', "$")
            )
        } else {
            let r = target.strip_prefix("ts:").unwrap();
            let (path, version) = r.rsplit_once(':').unwrap();
            format!("ts/{path}/{version}/main.json").to_ascii_lowercase()
        };
        let file = cache.join(rel);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, template).unwrap();
    }
}

#[test]
fn compiler_samples_evaluate_as_the_compilers_templates() {
    let cache = tempfile::tempdir().unwrap();
    if let Some(sample) = common::shared("conformance/bicep/baselines/Registry_LF") {
        restore_registry(&sample, cache.path());
    }
    aksgate::bicep::lower::set_cache_root(Some(cache.path().to_path_buf()));
    let Some(base) = common::shared("conformance/bicep/baselines") else {
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("main.json").exists() && p.join("main.bicep").exists())
        .collect();
    dirs.sort();
    let (mut lowered_clean, mut agree, mut resources) = (0, 0, 0);
    let mut differences = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(dir.join("main.bicep")).unwrap();
        let compiled = json::parse(&std::fs::read_to_string(dir.join("main.json")).unwrap())
            .unwrap()
            .root;
        let files = files_of(dir, &compiled);
        let lowered = match lower_text(&text, "main.bicep", &*files) {
            Ok(l) if l.problems.is_empty() => l,
            Ok(l) => {
                differences.push(format!("{name}: not lowered: {}", l.problems[0].message));
                continue;
            }
            Err(p) => {
                differences.push(format!("{name}: not parsed: {}", p.message));
                continue;
            }
        };
        lowered_clean += 1;
        let ((ours, _), (theirs, unseen)) = (evaluate(&lowered.doc.root), evaluate(&compiled));
        match compare(&ours, &theirs, unseen) {
            None => {
                agree += 1;
                resources += ours.len();
            }
            Some(d) => differences.push(format!("{name}: {d}")),
        }
    }
    for d in &differences {
        eprintln!("  {d}");
    }
    eprintln!(
        "bicep evaluation conformance: {agree} of {} samples evaluate as the compiler's template ({lowered_clean} lower without problems; {resources} resources compared)",
        dirs.len()
    );
    assert!(dirs.len() >= 30, "the compiler samples are missing");
    assert!(agree >= 39, "fewer samples than before agree: {agree}");
}
