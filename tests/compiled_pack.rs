//! The built-in pack runs on regorus's compiled form (RVM), which is faster than the
//! interpreter but has its own bugs (regorus 0.14 never takes a rule's `else` after a
//! body whose `some` finds nothing). Every input of the corpus and of the fixtures must
//! give the same results both ways; a construct the RVM gets wrong fails here.
mod common;
use aksgate::engine::{Policies, PolicyOptions};
use aksgate::scan::{self, ScanOptions};

fn results(policies: &Policies, input: &serde_json::Value, compiled: bool) -> Vec<String> {
    let mut w = policies.worker();
    let mut out: Vec<String> = policies
        .evaluate_with(&mut w, input, compiled)
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
fn compiled_and_interpreted_pack_agree_on_every_input() {
    let policies = Policies::load(&PolicyOptions::default()).unwrap();
    assert!(
        policies.compiled(),
        "the built-in pack compiles for the RVM"
    );
    let inputs = all_inputs();
    let mut findings = 0;
    let mut baselines = 0;
    for input in &inputs {
        let (rvm, interpreted) = (
            results(&policies, input, true),
            results(&policies, input, false),
        );
        assert_eq!(
            rvm, interpreted,
            "input of {} with options {}",
            input["file"], input["aksgate"]["options"]
        );
        findings += rvm.len();
        let resources = input["resources"].as_array().unwrap();
        baselines += usize::from(resources.iter().any(|r| r.get("baseline").is_some()));
    }
    assert!(
        inputs.len() > 600 && findings > 400 && baselines > 20,
        "{} inputs, {findings} results, {baselines} with a baseline",
        inputs.len()
    );
}

/// The construct itself, so a regorus upgrade that fixes it is noticed (and the pack's
/// workaround in `lib.get` can go).
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

/// A rule package reads the library's value rules by name (`import
/// data.aksgate.lib.clusters`): a `lib.clusters` through `import data.aksgate.lib`
/// compiles to a lookup of the whole data.aksgate.lib document, which evaluates every
/// rule of the library each time it runs and cost the compiled pack most of its time.
#[test]
fn the_compiled_pack_looks_up_no_whole_documents() {
    use regorus::languages::rego::compiler::Compiler;
    use regorus::rvm::Instruction;
    let mut engine = regorus::Engine::new();
    let mut fields = Vec::new();
    for (path, text) in aksgate::engine::builtin_sources(false) {
        let pkg = engine.add_policy(path.clone(), text).unwrap();
        for set in ["deny", "warn"] {
            if engine.has_declared_rule_rooted_at(&path, set).unwrap() {
                fields.push(format!("\"{pkg}.{set}\": [f | some f in {pkg}.{set}]"));
            }
        }
    }
    assert!(fields.len() >= 10, "{fields:?}");
    let query = format!(
        "package lookups\n\nimport rego.v1\n\nresults := {{{}}}\n",
        fields.join(", ")
    );
    engine.add_policy("lookups.rego".into(), query).unwrap();
    let entry = "data.lookups.results";
    let policy = engine.compile_with_entrypoint(&entry.into()).unwrap();
    let program = Compiler::compile_from_policy(&policy, &[entry]).unwrap();
    let lookups: Vec<String> = program
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i, Instruction::VirtualDataDocumentLookup { .. }))
        .map(|(pc, _)| match program.instruction_spans.get(pc) {
            Some(Some(span)) => {
                let file = program
                    .sources
                    .get(span.source_index)
                    .map(|s| s.name.as_str());
                format!("{}:{}", file.unwrap_or("?"), span.line)
            }
            _ => format!("instruction {pc}"),
        })
        .collect();
    assert!(lookups.is_empty(), "whole-document lookups at {lookups:?}");
}
