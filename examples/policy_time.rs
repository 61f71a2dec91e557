//! Where policy evaluation time goes: every unit of a path evaluated by the built-in
//! pack (interpreted, as a scan runs it: one collecting query, then each package alone),
//! with the slowest units.
//! `cargo run --release --example policy_time -- ../shared/corpus`
//!
//! `--by-package` adds a breakdown of the compiled pack: the conversion of the input to
//! a regorus value, the whole pack, and each rule package both alone with the library
//! (its rules and the library views they ask for) and at the margin (the whole pack less
//! the pack without it: the views are computed once for all packages).
//! `--probe=EXPR` (repeatable) times an expression over the pack instead, e.g.
//! `--probe='count(data.aksgate.lib.clusters)'`; `--pack=DIR` reads the pack from DIR
//! rather than the built-in one, so an edit is measured without a rebuild.
//! `POLICY_TIME_ROUNDS` sets the breakdown's rounds (best of; default 5).
use aksgate::engine::{builtin_sources, input_value, rego_files, Policies, PolicyOptions};
use aksgate::scan::{self, ScanOptions};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::vm::RegoVM;
use std::time::Instant;

const ROUNDS: u32 = 5;

/// Rounds of the breakdown (`POLICY_TIME_ROUNDS`, default 5): more for a profiler.
fn rounds() -> u32 {
    std::env::var("POLICY_TIME_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let probes: Vec<String> = args
        .iter()
        .filter_map(|a| a.strip_prefix("--probe=").map(str::to_string))
        .collect();
    let pack = args
        .iter()
        .find_map(|a| a.strip_prefix("--pack=").map(std::path::PathBuf::from));
    let by_package = args.iter().any(|a| a == "--by-package");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "../shared/corpus".into());
    let opts = ScanOptions {
        paths: vec![path.into()],
        ..ScanOptions::default()
    };
    let inputs = scan::inputs(&opts).expect("scan");
    let policies = Policies::load(&PolicyOptions::default()).expect("policies");
    let mut worker = policies.worker();
    for collect in [true, false].into_iter().filter(|_| probes.is_empty()) {
        let mut times: Vec<(f64, &serde_json::Value)> = inputs
            .iter()
            .map(|input| {
                let t = Instant::now();
                for _ in 0..ROUNDS {
                    policies
                        .evaluate_with(&mut worker, input, collect)
                        .expect("evaluate");
                }
                (t.elapsed().as_secs_f64() / f64::from(ROUNDS), input)
            })
            .collect();
        let total: f64 = times.iter().map(|t| t.0).sum();
        let name = if collect {
            "interpreted, collected"
        } else {
            "interpreted, package by package"
        };
        println!(
            "{name}: {:.1} ms for {} units, {:.3} ms per unit",
            total * 1e3,
            times.len(),
            total * 1e3 / times.len().max(1) as f64
        );
        times.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (t, input) in times.iter().take(5) {
            let resources = input["resources"].as_array().map_or(0, Vec::len);
            println!(
                "  {:7.3} ms  {resources:3} resources  {}",
                t * 1e3,
                input["file"]
            );
        }
    }
    if by_package || !probes.is_empty() {
        breakdown(&inputs, pack.as_deref(), &probes);
    }
}

/// The best of `rounds()` runs of `f` over every input, in ms for all inputs.
fn best_ms<T>(inputs: &[T], mut f: impl FnMut(&T)) -> f64 {
    (0..rounds())
        .map(|_| {
            let t = Instant::now();
            inputs.iter().for_each(&mut f);
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn breakdown(inputs: &[serde_json::Value], pack: Option<&std::path::Path>, probes: &[String]) {
    let sources = match pack {
        Some(dir) => rego_files(dir, false)
            .expect("pack")
            .into_iter()
            .map(|(path, text)| {
                let rel = path.find("policies/").map_or(path.as_str(), |i| &path[i..]);
                (rel.to_string(), text)
            })
            .collect(),
        None => builtin_sources(false),
    };
    let (lib, rules): (Vec<_>, Vec<_>) = sources
        .iter()
        .cloned()
        .partition(|(path, _)| path.starts_with("policies/lib/"));
    println!("breakdown (RVM, best of {}, ms for all units):", rounds());
    let convert = best_ms(inputs, |input| {
        let _ = std::hint::black_box(input_value(input));
    });
    println!("  {convert:8.2}  input to regorus value");
    let values: Vec<regorus::Value> = inputs
        .iter()
        .map(|i| input_value(i).expect("every input converts"))
        .collect();
    if !probes.is_empty() {
        for expr in probes {
            let ms = rvm_ms(&sources, expr, &values);
            println!("  {ms:8.2}  {expr}");
        }
        return;
    }
    // Each rule package's `deny` and `warn`, as the collecting query names them.
    let queried: Vec<(String, Vec<String>)> = rules
        .iter()
        .map(|(path, text)| {
            let mut engine = regorus::Engine::new();
            let pkg = engine
                .add_policy(path.clone(), text.clone())
                .expect("package");
            let sets = ["deny", "warn"]
                .into_iter()
                .filter(|s| engine.has_declared_rule_rooted_at(path, s).unwrap_or(false))
                .map(|s| format!("\"{pkg}.{s}\": [f | some f in {pkg}.{s}]"))
                .collect();
            (pkg, sets)
        })
        .collect();
    let query = |skip: Option<usize>, only: Option<usize>| {
        let fields: Vec<&String> = queried
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip && only.is_none_or(|o| o == *i))
            .flat_map(|(_, (_, sets))| sets)
            .collect();
        let fields: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
        format!("{{{}}}", fields.join(", "))
    };
    let whole = rvm_ms(&sources, &query(None, None), &values);
    println!("  {whole:8.2}  the whole pack");
    println!("  alone: the package with the library only (includes the library views it asks for)");
    println!("  marginal: the whole pack minus the pack without the package");
    println!("     alone  marginal");
    for (i, (pkg, sets)) in queried.iter().enumerate() {
        if sets.is_empty() {
            continue;
        }
        let with_lib: Vec<_> = lib.iter().cloned().chain([rules[i].clone()]).collect();
        let alone = rvm_ms(&with_lib, &query(None, Some(i)), &values);
        let without: Vec<_> = sources
            .iter()
            .filter(|s| s.0 != rules[i].0)
            .cloned()
            .collect();
        let marginal = whole - rvm_ms(&without, &query(Some(i), None), &values);
        println!("  {alone:8.2}  {marginal:8.2}  {pkg}");
    }
}

/// Best time of `sources` compiled for the RVM with the entry point
/// `results := <expr>`, over every input.
fn rvm_ms(sources: &[(String, String)], expr: &str, values: &[regorus::Value]) -> f64 {
    let mut engine = regorus::Engine::new();
    for (p, t) in sources {
        engine.add_policy(p.clone(), t.clone()).expect("policy");
    }
    let query = format!("package profile\n\nimport rego.v1\n\nresults := {expr}\n");
    engine
        .add_policy("profile.rego".into(), query)
        .expect("query");
    let entry = "data.profile.results";
    let policy = engine
        .compile_with_entrypoint(&entry.into())
        .expect("compile");
    let program = Compiler::compile_from_policy(&policy, &[entry]).expect("rvm");
    let mut vm = RegoVM::new();
    vm.load_program(program);
    vm.set_max_instructions(usize::MAX);
    best_ms(values, |input| {
        vm.set_input(input.clone());
        vm.execute().expect("evaluate");
    })
}
