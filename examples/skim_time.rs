//! Times the first-pass JSON work over a directory of files, repeated:
//! `json::parse` (tree built and dropped) against `json::skim`.
//! `cargo run --release --example skim_time -- ../shared/corpus 50`
use std::time::Instant;

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().unwrap_or_else(|| "../shared/corpus".into());
    let reps: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(50);
    let texts: Vec<String> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| aksgate::json::decode(&std::fs::read(e.path()).ok()?).ok())
        .map(|d| d.text)
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("{} files, {bytes} bytes, {reps} repetitions", texts.len());
    let mb = (bytes * reps) as f64 / 1e6;
    let time = |name: &str, f: &dyn Fn(&str) -> bool| {
        for t in &texts {
            f(t); // warm up
        }
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            let mut ok = 0;
            for _ in 0..reps {
                for t in &texts {
                    ok += f(t) as usize;
                }
            }
            best = best.min(start.elapsed().as_secs_f64());
            std::hint::black_box(ok);
        }
        println!("{name:>12}: {:8.1} MB/s ({best:.3} s)", mb / best);
    };
    let only = std::env::var("ONLY").unwrap_or_default();
    if only != "skim" {
        time("parse+drop", &|t| aksgate::json::parse(t).is_ok());
    }
    if only != "parse" {
        time("skim+drop", &|t| aksgate::json::skim(t).is_ok());
    }
}
