//! A small Rego unit-test runner on top of regorus, in the spirit of `opa test`.
//!
//! Every rule whose head starts a line with `test_` is a test. Test rules are
//! found by scanning the source text (regorus has no test discovery): for each
//! file, the `package` line names the package and every line matching
//! `^test_[A-Za-z0-9_]+` names a test rule. Each test is evaluated as
//! `data.<package>.<name>` and passes when it evaluates to `true`; an undefined
//! result (a body that did not hold), any other value, or an evaluation error is
//! a failure.
//!
//! Self-contained: depends only on `regorus` and `std`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The result of one Rego test rule.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    /// The source path given for the file that declares the test.
    pub file: String,
    /// The package of that file, e.g. `aksgate.rules.aks001_test`.
    pub package: String,
    /// The rule name, e.g. `test_udr_with_kubenet_fails`.
    pub name: String,
    /// True when the rule evaluated to `true`.
    pub passed: bool,
    /// Why the test failed (undefined, another value, or an evaluation error).
    pub error: Option<String>,
    /// Time spent evaluating the rule.
    pub duration: Duration,
}

/// The time one test may take: a test that runs longer fails with an error, and one
/// stuck in a builtin stops the run (exit 2, see `policy_limits`).
pub const TEST_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Loads all given Rego sources (path, text) into one engine and runs every rule whose
/// name starts with `test_`, like `opa test`.
///
/// A test passes when it evaluates to true. A source that does not parse, a set of
/// sources that does not compile (e.g. an unsafe variable), or a file with tests but
/// no `package` line is an `Err` naming the file (regorus' errors carry the file,
/// line and column).
///
/// Outcomes come in source order, then in the order of the rule heads in the file.
/// A test rule with several bodies (several heads with the same name in one package)
/// is run once.
pub fn run_tests(sources: &[(String, String)]) -> Result<Vec<TestOutcome>, String> {
    run_tests_with_coverage(sources, false).map(|(o, _)| o)
}

/// Line coverage of one policy file after the tests ran.
#[derive(Debug, Clone)]
pub struct FileCoverage {
    pub file: String,
    pub covered: usize,
    pub not_covered: Vec<u32>,
}

/// Like [`run_tests`], and with `coverage` also the line coverage of every policy file
/// that is not itself a test file (regorus's coverage of the evaluated lines).
pub fn run_tests_with_coverage(
    sources: &[(String, String)],
    coverage: bool,
) -> Result<(Vec<TestOutcome>, Vec<FileCoverage>), String> {
    let mut engine = regorus::Engine::new();
    engine.set_enable_coverage(coverage);
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: TEST_TIME_LIMIT,
        check_interval: std::num::NonZeroU32::new(64).expect("non-zero"),
    });
    for (path, text) in sources {
        engine
            .add_policy(path.clone(), text.clone())
            .map_err(|e| format!("{path}: {e}"))?;
    }
    let texts = sources.iter().cloned().collect();
    if let Some(r) = crate::policy_graph::find_recursion(&engine, &texts)? {
        return Err(format!(
            "{}: recursion is not allowed in Rego: {}",
            r.file,
            r.cycle.join(" calls ")
        ));
    }

    // Compile-time errors (unsafe variables, unknown functions, conflicting rule
    // kinds...) are reported by regorus at the first evaluation, for every query:
    // surface them once, as a load error.
    engine
        .eval_query("true".to_string(), false)
        .map_err(|e| format!("policies do not compile: {e}"))?;

    // Discover the tests before running any.
    let mut tests: Vec<(String, String, String)> = Vec::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for (path, text) in sources {
        let names: Vec<String> = text.lines().filter_map(test_rule_name).collect();
        if names.is_empty() {
            continue;
        }
        let package =
            package_of(text).ok_or_else(|| format!("{path}: no `package` declaration found"))?;
        for name in names {
            if seen.insert((package.clone(), name.clone())) {
                tests.push((path.clone(), package.clone(), name));
            }
        }
    }

    let mut outcomes = Vec::with_capacity(tests.len());
    for (file, package, name) in tests {
        let query = format!("data.{package}.{name}");
        let start = Instant::now();
        let result = {
            let _watch = crate::policy_limits::watch(
                format!("test {query} ({file})"),
                None,
                Some(TEST_TIME_LIMIT),
            );
            engine.eval_rule(query.clone())
        };
        let duration = start.elapsed();
        let (passed, error) = match result {
            Ok(regorus::Value::Bool(true)) => (true, None),
            Ok(regorus::Value::Undefined) => (
                false,
                Some("undefined: the test body did not hold".to_string()),
            ),
            Ok(other) => (false, Some(format!("evaluated to {other}, expected true"))),
            Err(e) => (false, Some(format!("evaluation error: {e}"))),
        };
        outcomes.push(TestOutcome {
            file,
            package,
            name,
            passed,
            error,
            duration,
        });
    }
    let mut files = Vec::new();
    if coverage {
        let report = engine
            .get_coverage_report()
            .map_err(|e| format!("coverage: {e}"))?;
        for f in report.files {
            if f.path.ends_with("_test.rego") {
                continue;
            }
            files.push(FileCoverage {
                file: f.path,
                covered: f.covered.len(),
                not_covered: f.not_covered.into_iter().collect(),
            });
        }
    }
    Ok((outcomes, files))
}

/// The name of the test rule whose head starts this line, if any.
fn test_rule_name(line: &str) -> Option<String> {
    if !line.starts_with("test_") {
        return None;
    }
    let name: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (name.len() > "test_".len()).then_some(name)
}

/// The dotted package path from the file's `package` line, without comments.
pub fn package_of(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("").trim();
        let rest = line.strip_prefix("package")?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let pkg = rest.trim();
        (!pkg.is_empty()).then(|| pkg.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(path: &str, text: &str) -> (String, String) {
        (path.to_string(), text.to_string())
    }

    const POLICY: &str = r#"package demo

import rego.v1

double(x) := 2 * x

deny contains "too big" if input.size > 10
"#;

    const TESTS: &str = r#"package demo_test

import rego.v1
import data.demo

test_double_passes if demo.double(2) == 4

test_deny_fires if {
	demo.deny["too big"] with input as {"size": 11}
}

test_deny_silent if {
	count(demo.deny) == 0 with input as {"size": 1}
}

# an undefined result is a failure
test_wrong_fails if demo.double(2) == 5

test_not_boolean := 7

# two bodies, one test
test_double_passes if demo.double(3) == 6
"#;

    #[test]
    fn runs_passing_and_failing_tests() {
        let out = run_tests(&[src("demo.rego", POLICY), src("demo_test.rego", TESTS)]).unwrap();
        let names: Vec<&str> = out.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "test_double_passes",
                "test_deny_fires",
                "test_deny_silent",
                "test_wrong_fails",
                "test_not_boolean"
            ]
        );
        let by_name = |n: &str| out.iter().find(|o| o.name == n).unwrap();
        assert!(by_name("test_double_passes").passed);
        assert!(by_name("test_deny_fires").passed);
        assert!(by_name("test_deny_silent").passed);
        let wrong = by_name("test_wrong_fails");
        assert!(!wrong.passed);
        assert!(wrong.error.as_deref().unwrap().contains("undefined"));
        let nb = by_name("test_not_boolean");
        assert!(!nb.passed);
        assert!(nb.error.as_deref().unwrap().contains("expected true"));
        assert!(out
            .iter()
            .all(|o| o.file == "demo_test.rego" && o.package == "demo_test"));
    }

    #[test]
    fn parse_error_names_the_file() {
        let bad = "package broken\n\nimport rego.v1\n\nx := {\n";
        let err = run_tests(&[src("policies/broken.rego", bad)]).unwrap_err();
        assert!(err.contains("policies/broken.rego"), "{err}");
    }

    #[test]
    fn compile_error_names_the_file() {
        let unsafe_var =
            "package bad\n\nimport rego.v1\n\nf(x) := m if {\n\tm := sprintf(\"%s\", [y])\n}\n";
        let sources = [
            src("demo.rego", POLICY),
            src("policies/bad.rego", unsafe_var),
            src("demo_test.rego", TESTS),
        ];
        let err = run_tests(&sources).unwrap_err();
        assert!(err.contains("policies/bad.rego:6"), "{err}");
    }

    #[test]
    fn no_tests_is_empty() {
        assert!(run_tests(&[src("demo.rego", POLICY)]).unwrap().is_empty());
    }

    #[test]
    fn discovery_helpers() {
        assert_eq!(test_rule_name("test_a if {"), Some("test_a".to_string()));
        assert_eq!(
            test_rule_name("test_x_1 := true"),
            Some("test_x_1".to_string())
        );
        assert_eq!(test_rule_name("  test_indented if true"), None);
        assert_eq!(test_rule_name("test_"), None);
        assert_eq!(test_rule_name("testing if true"), None);
        assert_eq!(
            package_of("# c\npackage a.b_test # comment\n"),
            Some("a.b_test".to_string())
        );
        assert_eq!(package_of("packages := 1\n"), None);
    }
}
