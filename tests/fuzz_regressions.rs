//! Inputs kept from fuzzing (`fuzz/`, see the README) and hand-picked hostile seeds:
//! each target's function must return without panicking on every file in
//! `tests/data/fuzz/<target>/`.
use aksgate::arm::eval::{eval_string, Context};
use aksgate::arm::value::Val;
use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

#[test]
fn json_loader_inputs() {
    for (p, bytes) in inputs("json_loader") {
        if let Ok(d) = aksgate::json::decode(&bytes) {
            if let Err(e) = aksgate::json::parse(&d.text) {
                assert!(e.span.end <= d.text.len(), "{}", p.display());
            }
        }
    }
}

struct Ctx;

impl Context for Ctx {
    fn parameter(&mut self, name: &str) -> Option<Val> {
        match name {
            "s" => Some(Val::Str("kubenet".into())),
            "a" => Some(Val::Array(vec![Val::Int(1)])),
            "o" => Some(Val::Object(vec![("k".into(), Val::Str("v".into()))])),
            _ => None,
        }
    }
    fn variable(&mut self, name: &str) -> Option<Val> {
        self.parameter(name)
    }
    fn copy_index(&self, _loop_name: Option<&str>) -> Option<i64> {
        Some(1)
    }
}

#[test]
fn expression_inputs() {
    for (_, bytes) in inputs("expression") {
        let s = String::from_utf8_lossy(&bytes);
        let _ = eval_string(&s, &mut Ctx);
    }
}

#[test]
fn template_inputs() {
    use aksgate::resolve::arm_eval::ArmEvaluator;
    use aksgate::resolve::{resolve_template, NoLinks};
    for (_, bytes) in inputs("template") {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let Ok(doc) = aksgate::json::parse(&text) else {
            continue;
        };
        let mut sources = aksgate::source::Sources::default();
        let file = sources.add("t.json".into(), text.as_str().into());
        let mut eval = ArmEvaluator::new(file, &doc.root, Default::default());
        let kind = aksgate::classify::Kind::Template(aksgate::classify::Scope::ResourceGroup);
        let unit = resolve_template(&doc.root, file, kind, &mut eval, &NoLinks);
        let network = aksgate::network::build(&unit);
        let _ = aksgate::input::build(&unit, &sources, &network, &Default::default());
    }
}

/// The Terraform front end on inputs the `terraform_lower` target found (split into
/// files at NULs as the target does): no panic.
#[test]
fn terraform_lower_inputs() {
    for (path, bytes) in inputs("terraform") {
        let text = String::from_utf8_lossy(&bytes);
        let main = text.split('\0').next().unwrap_or_default();
        let _ = aksgate::terraform::lower_text(main, "main.tf", &aksgate::terraform::NoFiles);
        eprintln!("ok {}", path.display());
    }
}

/// The Terraform front end on `.tf.json` inputs (hand-picked hostile seeds and what the
/// `terraform_json` target found): a template or an AKS901 problem inside the file, no
/// panic.
#[test]
fn terraform_json_inputs() {
    for (path, bytes) in inputs("terraform_json") {
        let text = String::from_utf8_lossy(&bytes);
        let main = text.split('\0').next().unwrap_or_default();
        match aksgate::terraform::lower_text(main, "main.tf.json", &aksgate::terraform::NoFiles) {
            Ok(l) => {
                for p in &l.problems {
                    assert!(p.span.end <= main.len(), "{}", path.display());
                }
            }
            Err(p) => {
                assert_eq!(p.code, "AKS901", "{}", path.display());
                assert!(p.span.end <= main.len(), "{}", path.display());
            }
        }
        eprintln!("ok {}", path.display());
    }
}
