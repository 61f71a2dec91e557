//! Test data kept outside the repository (`../shared`), for the unit tests: when it is
//! missing a test skips with a message, except in CI (`CI=true`), where it fails. The
//! integration tests have the same helper in `tests/common/mod.rs`.

use std::path::{Path, PathBuf};

/// `shared/<rel>`: `../shared` beside the crate (a clone) or two levels up (a worktree).
pub(crate) fn shared(rel: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for base in [root.join("../shared"), root.join("../../shared")] {
        let p = base.join(rel);
        if p.exists() {
            return Some(p);
        }
    }
    let msg = format!(
        "shared test data `shared/{rel}` not found beside {} (clone the shared data next \
         to the repository as `../shared`)",
        root.display()
    );
    if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1") {
        panic!("{msg}; CI=true requires it");
    }
    eprintln!("skipped: {msg}");
    None
}

/// The shared corpus of real deployment files.
pub(crate) fn corpus() -> Option<PathBuf> {
    shared("corpus/SOURCES.md").map(|p| p.parent().unwrap().to_path_buf())
}
