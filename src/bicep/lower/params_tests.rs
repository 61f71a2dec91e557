//! `.bicepparam` lowering: values evaluated as the compiler does, the `using` kept.

use super::*;

struct Only(&'static str);

impl Files for Only {
    fn read(&self, _: &str, _: &str) -> Result<(String, String), String> {
        Err("not read".into())
    }
    fn locate(&self, from: &str, rel: &str) -> Result<String, Located> {
        let p = module::join(from, rel).ok_or(Located::Outside)?;
        if p == self.0 {
            Ok(p)
        } else {
            Err(Located::Missing("no such file".into()))
        }
    }
}

fn params(text: &str) -> Lowered {
    lower_params_text(text, "env/dev.bicepparam", &Only("main.bicep")).expect("parses")
}

#[test]
fn values_are_evaluated_with_vars_and_functions() {
    let l = params(
        "using '../main.bicep'\nvar list = 'FOO,BAR,BAZ'\nvar o = { a: toUpper('x') }\n\
         param bar = join(map(range(0, 3), i => split(list, ',')[2 - i]), ',')\n\
         param obj = { def: o, n: 1 + 2, s: '[x' }\nparam b = o.a == 'X'\n",
    );
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let j = l.doc.root.to_json();
    assert_eq!(using_of(&l.doc.root), Some("main.bicep"));
    let p = &j["parameters"];
    assert_eq!(p["bar"]["value"], "BAZ,BAR,FOO");
    // `[` escaped as template JSON writes a literal.
    assert_eq!(
        p["obj"]["value"],
        serde_json::json!({"def": {"a": "X"}, "n": 3, "s": "[[x"})
    );
    assert_eq!(p["b"]["value"], true);
    assert!(j["$schema"]
        .as_str()
        .unwrap()
        .ends_with("deploymentParameters.json#"));
}

#[test]
fn environment_variables_and_secrets_are_unknown_even_with_a_default() {
    let l = params(
        "using '../main.bicep'\nparam e = readEnvironmentVariable('X', 'd')\n\
         param s = az.getSecret('sub', 'rg', 'kv', 'name')\n",
    );
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let j = l.doc.root.to_json();
    let e = j["parameters"]["e"]["value"].as_str().unwrap();
    assert!(
        e.starts_with("[aksgate.unknown('readEnvironmentVariable(''X'')'"),
        "{e}"
    );
    let s = j["parameters"]["s"]["value"].as_str().unwrap();
    assert!(s.contains("Key Vault"), "{s}");
}

#[test]
fn using_none_and_bad_targets() {
    let l = params("using none\nparam a = 1\n");
    assert!(l.problems.is_empty());
    assert_eq!(using_of(&l.doc.root), Some(""));
    let missing = params("using './nope.bicep'\n");
    assert_eq!(missing.problems[0].code, "AKS901");
    assert_eq!(missing.problems[0].span.start, 0);
    let outside = params("using '../../x.bicep'\n");
    assert_eq!(outside.problems[0].code, "AKS900");
    let registry = params("using 'br/public:x:1'\n");
    assert_eq!(registry.problems[0].code, "AKS900");
    let none = params("param a = 1\n");
    assert!(none.problems[0].message.contains("no `using`"));
}

#[test]
fn unsupported_statements_and_cycles_are_problems_not_passes() {
    // An import that cannot be read is not visible, never an empty namespace.
    let l = params("using '../main.bicep'\nimport * as t from 'types.bicep'\n");
    assert!(
        l.problems[0].message.contains("import not visible"),
        "{:?}",
        l.problems
    );
    // A cycle (the compiler rejects it) stays unknown, never a value.
    let c = params("using '../main.bicep'\nvar a = b\nvar b = a\nparam p = a\n");
    let j = c.doc.root.to_json();
    assert!(j["parameters"]["p"]["value"]
        .as_str()
        .unwrap()
        .starts_with("[aksgate.unknown("));
}

#[test]
fn spans_point_into_the_bicepparam_text() {
    let text = "using '../main.bicep'\nparam o = {\n  k: 'v'\n}\n";
    let l = params(text);
    let v = l.doc.root.get("parameters").unwrap().get("o").unwrap();
    let k = v.get("value").unwrap().get("k").unwrap();
    assert_eq!(&text[k.span.start..k.span.end], "'v'");
}

/// Files by path, for `extends`.
struct Tree(Vec<(&'static str, &'static str)>);

impl Files for Tree {
    fn read(&self, from: &str, rel: &str) -> Result<(String, String), String> {
        let p = module::join(from, rel).ok_or("outside")?;
        self.0
            .iter()
            .find(|(path, _)| *path == p)
            .map(|(path, t)| (path.to_string(), t.to_string()))
            .ok_or_else(|| "no such file".into())
    }
    fn locate(&self, from: &str, rel: &str) -> Result<String, Located> {
        let p = module::join(from, rel).ok_or(Located::Outside)?;
        match self.0.iter().any(|(path, _)| *path == p) {
            true => Ok(p),
            false => Err(Located::Missing("no such file".into())),
        }
    }
}

fn extending(text: &str, files: Vec<(&'static str, &'static str)>) -> Lowered {
    let mut all = files;
    all.push(("main.bicep", "param a string\n"));
    lower_params_text(text, "env/dev.bicepparam", &Tree(all)).expect("parses")
}

#[test]
fn extends_inherits_the_base_values_and_overrides_them() {
    let text = "using '../main.bicep'\nextends 'shared.bicepparam'\nparam one = 'mine'\n";
    let l = extending(
        text,
        vec![(
            "env/shared.bicepparam",
            "using none\nvar suffix = 'x'\nparam one = 'base'\nparam two = 'b-${suffix}'\n",
        )],
    );
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let p = &l.doc.root.to_json()["parameters"];
    assert_eq!(p["one"]["value"], "mine");
    assert_eq!(p["two"]["value"], "b-x");
    // An inherited value points at the `extends` line of this file.
    let two = l.doc.root.get("parameters").unwrap().get("two").unwrap();
    let line = &text[two.span.start..two.span.end];
    assert_eq!(line, "extends 'shared.bicepparam'");
}

#[test]
fn a_base_that_cannot_be_used_is_aks901() {
    // Two `extends`, even of a base that sets nothing.
    let twice = extending(
        "using '../main.bicep'\nextends 'shared.bicepparam'\nextends 'shared.bicepparam'\n",
        vec![("env/shared.bicepparam", "using none\n")],
    );
    assert!(
        twice
            .problems
            .iter()
            .any(|p| p.message.contains("more than one `extends`")),
        "{:?}",
        twice.problems
    );
    let text = "using '../main.bicep'\nextends 'shared.bicepparam'\n";
    for (base, want) in [
        (None, "cannot be read"),
        (Some("using '../main.bicep'\nparam one = 1\n"), "using none"),
        (Some("using none\nparam one = \n"), "not valid"),
        (
            Some("using none\nextends 'shared.bicepparam'\n"),
            "nests more than",
        ),
    ] {
        let files = base
            .map(|b| vec![("env/shared.bicepparam", b)])
            .unwrap_or_default();
        let l = extending(text, files);
        assert!(
            l.problems
                .iter()
                .any(|p| p.code == "AKS901" && p.message.contains(want)),
            "{want}: {:?}",
            l.problems
        );
    }
}

#[test]
fn imported_variables_and_functions_give_parameter_values() {
    let text = "using '../main.bicep'\nimport * as cfg from 'cfg.bicep'\nimport {double} from 'cfg.bicep'\n\
                param a = cfg.region\nparam n = double(21)\n";
    let l = extending(
        text,
        vec![(
            "env/cfg.bicep",
            "@export()\nvar region = 'westeurope'\n@export()\nfunc double(x int) int => x * 2\n",
        )],
    );
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let j = l.doc.root.to_json();
    assert_eq!(j["parameters"]["a"]["value"], "westeurope");
    assert_eq!(j["parameters"]["n"]["value"], 42);
}
