//! Where policy evaluation time goes: every unit of a path evaluated by the built-in
//! pack, compiled (RVM) and interpreted, with the slowest units.
//! `cargo run --release --example policy_time -- ../shared/corpus`
use aksgate::engine::{Policies, PolicyOptions};
use aksgate::scan::{self, ScanOptions};
use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/corpus".into());
    let opts = ScanOptions {
        paths: vec![path.into()],
        ..ScanOptions::default()
    };
    let inputs = scan::inputs(&opts).expect("scan");
    let policies = Policies::load(&PolicyOptions::default()).expect("policies");
    let mut worker = policies.worker();
    const ROUNDS: u32 = 5;
    for compiled in [true, false] {
        let mut times: Vec<(f64, &serde_json::Value)> = inputs
            .iter()
            .map(|input| {
                let t = Instant::now();
                for _ in 0..ROUNDS {
                    policies
                        .evaluate_with(&mut worker, input, compiled)
                        .expect("evaluate");
                }
                (t.elapsed().as_secs_f64() / f64::from(ROUNDS), input)
            })
            .collect();
        let total: f64 = times.iter().map(|t| t.0).sum();
        let name = if compiled {
            "compiled (RVM)"
        } else {
            "interpreted"
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
}
