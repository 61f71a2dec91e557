//! Lowering Bicep to ARM against the Bicep compiler's own output: for the compiler's
//! samples that have a `main.json`, how many lower without problems and give the same
//! resources (type and name) as the compiler.

mod common;

use aksgate::bicep::lower::{lower_text, DiskFiles};
use aksgate::json;
use std::collections::BTreeMap;

/// `(type, name)` of every resource, nested deployments' templates not included.
fn resources(root: &json::Node) -> Vec<(String, String)> {
    let items: Vec<&json::Node> = match root.get("resources").map(|r| &r.value) {
        Some(json::Value::Array(a)) => a.iter().collect(),
        Some(json::Value::Object(m)) => m.iter().map(|m| &m.value).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<(String, String)> = items
        .iter()
        // The compiler leaves `existing` resources out of its (non-symbolic) output.
        .filter(|r| r.get("existing").and_then(json::Node::as_bool) != Some(true))
        .map(|r| {
            let s = |k| {
                r.get(k)
                    .and_then(json::Node::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            // Types are case-insensitive; the compiler writes the casing of its type data.
            (
                s("type").to_ascii_lowercase(),
                literal_format(&s("name").replace(' ', "")),
            )
        })
        .collect();
    out.sort();
    out
}

/// `[format('{0}/{1}','a','b')]` as the literal `a/b` it is (the compiler writes a
/// parent's name so; aksgate folds it).
fn literal_format(name: &str) -> String {
    let Some(inner) = name
        .strip_prefix("[format('")
        .and_then(|s| s.strip_suffix(")]"))
    else {
        return name.to_string();
    };
    let Some((fmt, args)) = inner.split_once("',") else {
        return name.to_string();
    };
    let mut out = fmt.to_string();
    for (i, a) in args.split(',').enumerate() {
        let Some(lit) = a.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')) else {
            return name.to_string();
        };
        out = out.replace(&format!("{{{i}}}"), lit);
    }
    out
}

#[test]
fn compiler_samples_lower_to_the_compilers_resources() {
    let Some(base) = common::shared("conformance/bicep/baselines") else {
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("main.json").exists() && p.join("main.bicep").exists())
        .collect();
    dirs.sort();
    let total = dirs.len();
    let (mut clean, mut same_types, mut same) = (0, 0, 0);
    let mut why: BTreeMap<String, usize> = BTreeMap::new();
    for dir in &dirs {
        let text = std::fs::read_to_string(dir.join("main.bicep")).unwrap();
        let files = DiskFiles { root: dir.clone() };
        let Ok(lowered) = lower_text(&text, "main.bicep", &files) else {
            *why.entry("syntax error".into()).or_default() += 1;
            continue;
        };
        if let Some(p) = lowered.problems.first() {
            let line = json::line_col(&text, p.span.start).0;
            eprintln!("{}:{line}: {}", dir.display(), p.message);
            let key: String = p.message.chars().take(60).collect();
            *why.entry(key).or_default() += 1;
            continue;
        }
        clean += 1;
        let expected = json::parse(&std::fs::read_to_string(dir.join("main.json")).unwrap())
            .unwrap()
            .root;
        let (a, b) = (resources(&lowered.doc.root), resources(&expected));
        let types = |v: &[(String, String)]| v.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        if types(&a) == types(&b) {
            same_types += 1;
        }
        if a == b {
            same += 1;
        } else {
            eprintln!("{}: differs\n  ours {a:?}\n  theirs {b:?}", dir.display());
        }
    }
    eprintln!(
        "bicep conformance: {clean} of {total} lower without problems; {same_types} same resource types, {same} same types and names"
    );
    for (k, n) in &why {
        eprintln!("  {n} x {k}");
    }
    assert!(total >= 30, "the compiler samples are missing");
    assert!(
        same >= 37,
        "fewer samples than before lower to the compiler's resources: {same}"
    );
}

/// The compiler's `.bicepparam` samples: the values aksgate knows are the values the
/// compiler wrote (the rest, environment variables and the like, are unknown), and no
/// `Invalid_*` sample lowers without a problem.
#[test]
fn compiler_bicepparam_samples_lower_to_the_compilers_values() {
    use aksgate::bicep::lower::lower_params_text;
    let Some(base) = common::shared("conformance/bicep/baselines_bicepparam") else {
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("parameters.bicepparam").exists())
        .collect();
    dirs.sort();
    let (mut valid, mut clean, mut agree) = (0, 0, 0);
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(dir.join("parameters.bicepparam")).unwrap();
        let files = DiskFiles { root: dir.clone() };
        let lowered = lower_params_text(&text, "parameters.bicepparam", &files);
        let problem = match &lowered {
            Err(p) => Some(p.message.clone()),
            Ok(l) => l.problems.first().map(|p| p.message.clone()),
        };
        if name.starts_with("Invalid") {
            if problem.is_none() {
                // Values of the wrong type for the template: checked with it, by the scan.
                let (_, doc) = common::check_json(&[dir.to_str().unwrap()]);
                let found = common::findings(&doc);
                assert!(
                    found.iter().any(|f| f["rule"] == "AKS901"),
                    "{name}: no AKS901: {found:?}"
                );
            }
            continue;
        }
        valid += 1;
        if let Some(p) = problem {
            eprintln!("{name}: {p}");
            continue;
        }
        clean += 1;
        let Ok(json) = std::fs::read_to_string(dir.join("parameters.json")) else {
            continue;
        };
        let theirs: serde_json::Value = serde_json::from_str(&json).unwrap();
        let ours = lowered.unwrap().doc.root.to_json();
        let mut same = true;
        for (k, v) in theirs["parameters"].as_object().unwrap() {
            let mine = &ours["parameters"][k]["value"];
            let unknown = mine.to_string().contains("[aksgate.unknown(");
            if !unknown && *mine != v["value"] {
                eprintln!("{name}: {k}: ours {mine}, theirs {}", v["value"]);
                same = false;
            }
        }
        agree += usize::from(same);
    }
    eprintln!("bicepparam conformance: {clean} of {valid} valid samples lower without problems, {agree} agree with the compiler");
    assert!(agree >= 9, "fewer bicepparam samples agree: {agree}");
}

/// Every `Invalid*` compiler sample is refused: a syntax error or a lowering problem
/// (which a scan reports as AKS901), never a clean lowering a gate would pass.
#[test]
fn every_invalid_compiler_sample_is_refused() {
    let Some(base) = common::shared("conformance/bicep/baselines") else {
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.join("main.bicep").exists()
                && p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("Invalid")
        })
        .collect();
    dirs.sort();
    let mut accepted = Vec::new();
    for dir in &dirs {
        let text = std::fs::read_to_string(dir.join("main.bicep")).unwrap();
        let files = DiskFiles { root: dir.clone() };
        if let Ok(lowered) = lower_text(&text, "main.bicep", &files) {
            if lowered.problems.is_empty() {
                accepted.push(dir.file_name().unwrap().to_string_lossy().to_string());
            }
        }
    }
    eprintln!(
        "invalid compiler samples refused: {} of {}",
        dirs.len() - accepted.len(),
        dirs.len()
    );
    assert!(dirs.len() >= 10, "the invalid samples are missing");
    assert!(
        accepted.is_empty(),
        "lowered without a problem: {accepted:?}"
    );
}
