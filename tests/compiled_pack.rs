//! The policy engine's optimisations, held to the plain evaluation: every side's packages
//! are collected by one query per input (the library's rules computed once), which must
//! give what each package's `deny` and `warn` give alone, on every input of the corpus
//! and the fixtures (`tests/engine_differential.rs` does the same on generated inputs).
//! And why the pack no longer runs on regorus's compiled form (RVM): the constructs it
//! gets wrong, kept so that a regorus upgrade that fixes them is noticed.
mod common;
use aksgate::engine::{Policies, PolicyOptions};
use aksgate::scan::{self, ScanOptions};

fn results(policies: &Policies, input: &serde_json::Value, collect: bool) -> Vec<String> {
    let mut w = policies.worker();
    let mut out: Vec<String> = policies
        .evaluate_with(&mut w, input, collect)
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {} {}", r.package, r.set, r.value))
        .collect();
    out.sort();
    out
}

/// Every input the corpus and the fixtures give (the AKS006 fixtures with their
/// `.baseline.json` exports), under every combination of the policy options.
fn all_inputs() -> Vec<serde_json::Value> {
    let mut scans: Vec<ScanOptions> = common::corpus()
        .into_iter()
        .chain([common::root().join("fixtures")])
        .map(|p| ScanOptions {
            paths: vec![p],
            ..ScanOptions::default()
        })
        .collect();
    let aks006 = common::root().join("fixtures/rules/AKS006");
    for e in std::fs::read_dir(&aks006).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".json") && !name.ends_with(".baseline.json") {
            scans.push(ScanOptions {
                paths: vec![p.clone()],
                baseline: vec![p.with_extension("baseline.json")],
                ..ScanOptions::default()
            });
        }
    }
    let mut out = Vec::new();
    for opts in scans {
        for input in scan::inputs(&opts).unwrap() {
            for (migrations, external) in
                [(false, false), (true, false), (false, true), (true, true)]
            {
                let mut i = input.clone();
                i["aksgate"]["options"] = serde_json::json!({
                    "allowDocumentedMigrations": migrations,
                    "externalNetwork": external,
                });
                out.push(i);
            }
        }
    }
    out
}

#[test]
fn collected_and_package_by_package_results_agree_on_every_input() {
    let policies = Policies::load(&PolicyOptions::default()).unwrap();
    let inputs = all_inputs();
    let mut findings = 0;
    let mut baselines = 0;
    for input in &inputs {
        let (collected, alone) = (
            results(&policies, input, true),
            results(&policies, input, false),
        );
        assert_eq!(
            collected, alone,
            "input of {} with options {}",
            input["file"], input["aksgate"]["options"]
        );
        findings += collected.len();
        let resources = input["resources"].as_array().unwrap();
        baselines += usize::from(resources.iter().any(|r| r.get("baseline").is_some()));
    }
    assert!(
        inputs.len() > 600 && findings > 400 && baselines > 20,
        "{} inputs, {findings} results, {baselines} with a baseline",
        inputs.len()
    );
}

/// The constructs themselves, so a regorus upgrade that fixes them is noticed: the first
/// (an `else` after a `some` that finds nothing) has a workaround in `lib.get`; the
/// second (an `else` after a lookup of a missing key) silenced AKS001 on
/// `"outboundType": "firewall"` while the pack ran compiled.
#[test]
fn rvm_else_after_an_empty_some_is_still_wrong_in_this_regorus() {
    use regorus::languages::rego::compiler::Compiler;
    use regorus::rvm::vm::RegoVM;
    let rego = "package t\nimport rego.v1\nf(x) := y if {\n some i in [1, 2]\n i > 5\n y := i\n} else := 0\nout := f(1)\n";
    let mut e = regorus::Engine::new();
    e.add_policy("t.rego".into(), rego.into()).unwrap();
    assert_eq!(
        e.eval_rule("data.t.out".into()).unwrap(),
        regorus::Value::from(0u64)
    );
    let policy = e.compile_with_entrypoint(&"data.t.out".into()).unwrap();
    let program = Compiler::compile_from_policy(&policy, &["data.t.out"]).unwrap();
    let mut vm = RegoVM::new();
    vm.load_program(program);
    assert_eq!(vm.execute().unwrap(), regorus::Value::Undefined);
}

/// The engine builds the input's regorus value itself (faster than regorus's serde
/// path); it must be the very value regorus builds for every input and the corners of
/// JSON numbers and keys, except that an object is always an object: regorus reads
/// serde_json's private number key as a number and fails the whole document when it is
/// not one, which once let one metadata key silence a deployment.
#[test]
fn input_value_is_regorus_own_conversion() {
    use aksgate::engine::input_value;
    let mut inputs = all_inputs();
    inputs.push(serde_json::json!({
        "numbers": [0, 1, -1, u64::MAX, i64::MIN, 1.0, -0.0, 1.5e300, 0.1],
        "empty": [{}, [], ""],
        "nested": {"b": {"$unknown": {"expr": "x", "reason": "y"}}, "a": null, "c": true},
        "unicode": {"clé": "välue ✓"},
        "private, not first": {"a": 1, "$serde_json::private::Number": "12"},
    }));
    for input in &inputs {
        let ours = input_value(input).unwrap();
        let theirs = regorus::Value::from(input.clone());
        assert_eq!(ours, theirs, "{input}");
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{input}");
    }
    for key in ["12", "x12", ""] {
        let input = serde_json::json!({"a": [{"$serde_json::private::Number": key}]});
        let v = input_value(&input).unwrap();
        let member = &v["a"][0]["$serde_json::private::Number"];
        assert_eq!(member, &regorus::Value::from(key), "{input}: {v:?}");
    }
}

#[test]
fn rvm_else_after_a_missing_key_is_still_wrong_in_this_regorus() {
    use regorus::languages::rego::compiler::Compiler;
    use regorus::rvm::vm::RegoVM;
    let rego = "package t\nimport rego.v1\nvals := {\"a\": 1}\nf(x) := y if {\n y := vals[x]\n} else := 0\nout := f(input.x)\n";
    let input = regorus::Value::from_json_str(r#"{"x": "firewall"}"#).unwrap();
    let mut e = regorus::Engine::new();
    e.add_policy("t.rego".into(), rego.into()).unwrap();
    e.set_input(input.clone());
    assert_eq!(
        e.eval_rule("data.t.out".into()).unwrap(),
        regorus::Value::from(0u64)
    );
    let policy = e.compile_with_entrypoint(&"data.t.out".into()).unwrap();
    let program = Compiler::compile_from_policy(&policy, &["data.t.out"]).unwrap();
    let mut vm = RegoVM::new();
    vm.load_program(program);
    vm.set_input(input);
    assert_eq!(vm.execute().unwrap(), regorus::Value::Undefined);
}
