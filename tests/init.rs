//! `aksgate init`: the starter configuration and pipeline files, never overwriting.
mod common;
use common::*;

fn init(dir: &std::path::Path, ci: Option<&str>) -> Run {
    let mut args = vec!["init", dir.to_str().unwrap()];
    if let Some(ci) = ci {
        args.extend(["--ci", ci]);
    }
    run(&args, None)
}

#[test]
fn init_writes_the_configuration_and_the_pipeline_of_each_ci() {
    for (ci, pipeline) in [
        ("github", ".github/workflows/aksgate.yml"),
        ("azure", ".azure-pipelines/aksgate.yml"),
        ("gitlab", ".gitlab-ci.yml"),
    ] {
        let t = tempfile::tempdir().unwrap();
        let r = init(t.path(), Some(ci));
        assert_eq!(r.code, 0, "{ci}: {}{}", r.stdout, r.stderr);
        assert!(t.path().join(".aksgate.toml").is_file(), "{ci}");
        let text = std::fs::read_to_string(t.path().join(pipeline)).unwrap();
        assert!(text.contains("aksgate"), "{ci}");
        assert!(r.stdout.contains(pipeline), "{ci}: {}", r.stdout);
    }
    let t = tempfile::tempdir().unwrap();
    let r = init(t.path(), None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written: Vec<_> = std::fs::read_dir(t.path()).unwrap().collect();
    assert_eq!(written.len(), 1, "only .aksgate.toml without --ci");
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join(".aksgate.toml"), "strict = true\n").unwrap();
    let r = init(t.path(), Some("github"));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(".aksgate.toml"), "{}", r.stderr);
    assert!(r.stderr.contains("never overwrites"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(t.path().join(".aksgate.toml")).unwrap(),
        "strict = true\n"
    );
    assert!(
        !t.path().join(".github").exists(),
        "nothing is written when one file exists"
    );
    // The same for the pipeline file.
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join(".gitlab-ci.yml"), "x: 1\n").unwrap();
    let r = init(t.path(), Some("gitlab"));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".gitlab-ci.yml"), "{}", r.stderr);
    assert!(!t.path().join(".aksgate.toml").exists());
}

#[test]
fn the_written_configuration_is_the_one_check_uses() {
    // The sample repository with the starter configuration: the gate still finds its
    // AKS003 (exit 1, not 2: the configuration loaded).
    let t = tempfile::tempdir().unwrap();
    for e in walkdir::WalkDir::new(root().join("fixtures/sample")) {
        let e = e.unwrap();
        let rel = e
            .path()
            .strip_prefix(root().join("fixtures/sample"))
            .unwrap();
        let to = t.path().join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    assert_eq!(init(t.path(), None).code, 0);
    let r = run(&["check", t.path().to_str().unwrap()], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("AKS003"), "{}", r.stdout);
}

#[test]
fn init_into_a_missing_directory_is_a_tool_error() {
    let t = tempfile::tempdir().unwrap();
    let r = init(&t.path().join("nope"), None);
    assert_eq!(r.code, 2);
}
