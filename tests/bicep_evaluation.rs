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
                    // A module's template is compared through the resources it deploys.
                    ("properties", Val::Object(p)) => (
                        k,
                        Val::Object(p.into_iter().filter(|(k, _)| k != "template").collect()),
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

fn evaluate(root: &json::Node) -> Vec<Seen> {
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
    out
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

/// The first difference between two evaluations.
fn compare(ours: &[Seen], theirs: &[Seen]) -> Option<String> {
    let keys = |v: &[Seen]| v.iter().map(|s| s.key.clone()).collect::<Vec<_>>();
    if keys(ours) != keys(theirs) {
        return Some(format!(
            "resources: ours {:?}, theirs {:?}",
            keys(ours),
            keys(theirs)
        ));
    }
    // Resources of one type and name (instances of loops that shadow names) pair with
    // whichever of theirs they agree with: the two templates may list them in another order.
    let mut used = vec![false; theirs.len()];
    for a in ours {
        let mut first = None;
        for (j, b) in theirs.iter().enumerate() {
            if used[j] || b.key != a.key {
                continue;
            }
            match resource_differs(a, b) {
                None => {
                    used[j] = true;
                    first = None;
                    break;
                }
                Some(d) => {
                    first.get_or_insert(d);
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

#[test]
fn compiler_samples_evaluate_as_the_compilers_templates() {
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
        let (ours, theirs) = (evaluate(&lowered.doc.root), evaluate(&compiled));
        match compare(&ours, &theirs) {
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
    assert!(agree >= 38, "fewer samples than before agree: {agree}");
}
