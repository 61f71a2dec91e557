//! The benchmark floor: walk a tree, read every `.json` file and parse it with
//! serde_json on all cores, nothing else. `bench/run.sh` compares aksgate with it.
use rayon::prelude::*;
use std::path::PathBuf;

fn main() {
    let root = std::env::args().nth(1).expect("usage: floor DIR");
    let files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| e.into_path())
        .collect();
    let parsed: usize = files
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap_or_default();
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            serde_json::from_slice::<serde_json::Value>(bytes).is_ok() as usize
        })
        .sum();
    println!("{} files, {parsed} parsed by serde_json", files.len());
}
