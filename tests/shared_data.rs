//! Tests that need `../shared` skip with a message outside CI and fail in CI.
mod common;

#[test]
fn missing_shared_data_is_a_skip_outside_ci_and_a_failure_in_ci() {
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let got = std::panic::catch_unwind(|| common::shared("no-such-folder/for-this-test"));
    match got {
        Ok(found) => {
            assert!(!ci, "CI=true must fail a test whose shared data is missing");
            assert!(found.is_none());
        }
        Err(e) => {
            assert!(
                ci,
                "outside CI a missing shared folder is a skip, not a panic"
            );
            let msg = e.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(msg.contains("no-such-folder/for-this-test"), "{msg}");
            assert!(msg.contains("CI=true"), "{msg}");
        }
    }
}

#[test]
fn present_shared_data_is_found() {
    // The corpus is there in CI and in the project's worktrees; outside them this is a
    // skip like any other corpus test.
    if let Some(c) = common::corpus() {
        assert!(c.join("SOURCES.md").is_file());
    }
}
