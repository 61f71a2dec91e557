//! The Rego unit tests of the built-in pack, run through `aksgate test` like a user would.
mod common;
use common::*;

#[test]
fn builtin_policy_tests_pass() {
    let r = run(&["test"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let last = r.stdout.lines().last().unwrap_or_default().to_string();
    let passed: usize = last
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 50, "too few Rego tests ran: {last}");
    assert!(last.ends_with("0 failed"), "{last}");
    for id in [
        "AKS001", "AKS002", "AKS003", "AKS004", "AKS005", "AKS007", "AKS008", "AKS009", "AKS010",
        "AKS011", "AKS012", "AKS013", "AKS014",
    ] {
        let pkg = format!("aksgate.rules.{}", id.to_ascii_lowercase());
        assert!(r.stdout.contains(&pkg), "no Rego test for {id}");
    }
}

#[test]
fn failing_user_policy_test_fails_the_command() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("mine_test.rego"),
        "package mine_test\n\ntest_ok if { 1 == 1 }\n\ntest_broken if { 1 == 2 }\n",
    )
    .unwrap();
    let r = run(&["test", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("FAIL data.mine_test.test_broken")
            || r.stdout.contains("FAIL mine_test.test_broken"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("1 passed, 1 failed"), "{}", r.stdout);
}

#[test]
fn coverage_reports_lines_per_policy_file() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("mine.rego"),
        "package mine\n\nimport rego.v1\n\nbig(x) if {\n  x > 10\n}\n\nsmall(x) if {\n  x < 0\n}\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("mine_test.rego"),
        "package mine_test\n\nimport rego.v1\n\nimport data.mine\n\ntest_big if { mine.big(11) }\n",
    )
    .unwrap();
    let r = run(&["test", "--coverage", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("coverage ") && l.contains("mine.rego"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(line.contains("not covered: 10"), "{line}");
    assert!(
        !r.stdout.contains("mine_test.rego:"),
        "test files are not measured"
    );
}

/// `aksgate test DIR` loads the built-in library, as `check --policy` does: a user's
/// test of a policy that uses `lib.unknown` and `lib.show` holds.
#[test]
fn user_policy_tests_see_the_builtin_library() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("mine.rego"),
        "package mine\n\nimport rego.v1\n\nimport data.aksgate.lib\n\n\
         verdict(v) := \"unknown\" if lib.unknown(v)\n\n\
         verdict(v) := lib.show(v) if not lib.unknown(v)\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("mine_test.rego"),
        "package mine_test\n\nimport rego.v1\n\nimport data.mine\n\n\
         test_unknown if mine.verdict({\"$unknown\": {\"expr\": \"[p()]\", \"reason\": \"r\"}}) == \"unknown\"\n\n\
         test_known if mine.verdict(\"kubenet\") == \"kubenet\"\n",
    )
    .unwrap();
    let r = run(&["test", "--coverage", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("2 passed, 0 failed"), "{}", r.stdout);
    // Coverage is about the user's files, not the library they call.
    assert!(!r.stdout.contains("policies/lib/"), "{}", r.stdout);
    assert!(r.stdout.contains("mine.rego"), "{}", r.stdout);
}

/// Testing the library's own folder does not load it twice.
#[test]
fn testing_the_library_folder_itself_works() {
    let lib = root().join("policies/lib");
    let r = run(&["test", lib.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(" 0 failed"), "{}", r.stdout);
}
