//! `check` and `audit` stream (two passes, files read twice, nothing held), the
//! baseline comparisons too; `scan_prepared` keeps every unit at once. Both must see
//! exactly the same findings.
mod common;
use aksgate::engine::{Policies, PolicyOptions};
use aksgate::scan::{self, ScanOptions, ScanResult};
use aksgate::source::Site;

fn summary(r: ScanResult) -> (Vec<String>, Vec<String>, [usize; 3]) {
    let findings = r
        .findings
        .into_sorted(&r.sources)
        .unwrap()
        .map(|f| {
            let mut f = f.unwrap();
            // Where each site is, as a report reads it (the streamed findings carry
            // theirs; the others are computed), then the rest of the finding.
            let at: Vec<String> = f
                .sites()
                .flat_map(|s| [s, Site { start: s.end, ..s }])
                .map(|s| format!("{:?}", f.line_col(&r.sources, s)))
                .collect();
            f.places.clear();
            format!(
                "{} {} {f:?}",
                r.sources.get(f.primary.file).rel,
                at.join(" ")
            )
        })
        .collect();
    let inline = r
        .inline
        .iter()
        .map(|i| format!("{} {:?} {:?} {:?}", i.kind, i.site, i.rules, i.reason))
        .collect();
    let s = &r.stats;
    (findings, inline, [s.files_examined, s.units, s.clusters])
}

fn same_either_way(path: std::path::PathBuf) {
    let opts = ScanOptions {
        paths: vec![path],
        ..ScanOptions::default()
    };
    same_with(&opts);
}

/// The findings of both scans (those of the streaming one, which are the same), in order.
fn same_with(opts: &ScanOptions) -> Vec<String> {
    let path = &opts.paths[0];
    let policies = Policies::load(&PolicyOptions::default()).unwrap();
    let opts = opts.clone();
    let streamed = scan::scan_streaming(&opts, &policies).unwrap();
    let kept = scan::scan_prepared(&opts, &policies).unwrap();
    let (a, b) = (summary(streamed), summary(kept));
    assert!(!a.0.is_empty(), "{} has findings", path.display());
    assert_eq!(a.2, b.2, "stats of {}", path.display());
    assert_eq!(a.1, b.1, "inline suppressions of {}", path.display());
    for (x, y) in a.0.iter().zip(&b.0) {
        assert_eq!(x, y);
    }
    assert_eq!(a.0.len(), b.0.len(), "findings of {}", path.display());
    a.0
}

#[test]
fn streaming_and_kept_scans_agree_on_the_corpus() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    same_either_way(corpus);
}

#[test]
fn streaming_and_kept_scans_agree_on_every_fixture() {
    same_either_way(common::root().join("fixtures"));
}

/// `check` does not run the built-in pack on a unit without a resource of
/// `plan::RULE_TYPES`: this holds the pack to that. Every result of every unit of the
/// corpus and the fixtures is in a unit holding a resource of one of those types (a
/// result may name another resource of it: AKS014 points at a route table).
#[test]
fn the_builtin_pack_reports_only_on_its_resource_types() {
    let policies = Policies::load(&PolicyOptions::default()).unwrap();
    let mut engine = policies.worker();
    let mut results = 0;
    for path in common::corpus()
        .into_iter()
        .chain([common::root().join("fixtures")])
    {
        let opts = ScanOptions {
            paths: vec![path],
            ..ScanOptions::default()
        };
        for input in scan::inputs(&opts).unwrap() {
            for r in policies.evaluate(&mut engine, &input).unwrap() {
                results += 1;
                let i = r.value["resource"].as_u64().unwrap_or_else(|| {
                    panic!("{} result without a resource: {}", r.package, r.value)
                });
                let ty = input["resources"][i as usize]["type"]
                    .as_str()
                    .unwrap()
                    .to_ascii_lowercase();
                let holds_one = input["resources"].as_array().unwrap().iter().any(|x| {
                    x["type"].as_str().is_some_and(|t| {
                        aksgate::plan::RULE_TYPES.contains(&t.to_ascii_lowercase().as_str())
                    })
                });
                assert!(
                    holds_one,
                    "{} reports on a {ty} in a unit without a resource of RULE_TYPES: add it to RULE_TYPES",
                    r.package
                );
            }
        }
    }
    assert!(results > 100, "{results} results");
}

/// The audit streams as `check` does: it holds no file's text or tree, each is read
/// again when it is resolved or shown.
#[test]
fn the_audit_holds_no_text() {
    let policies = Policies::load(&PolicyOptions::default()).unwrap();
    for path in common::corpus()
        .into_iter()
        .chain([common::root().join("fixtures")])
    {
        let opts = ScanOptions {
            paths: vec![path.clone()],
            ..ScanOptions::default()
        };
        let progress = aksgate::audit::progress::Bar::hidden();
        let audit = aksgate::audit::audit(&opts, &policies, &progress).unwrap();
        assert!(!audit.rows.is_empty());
        for id in 0..audit.sources.len() {
            // (An empty file has nothing to read again: its empty text is kept.)
            let text_held = audit.sources.is_resident(id) && !audit.sources.text(id).is_empty();
            assert!(!text_held, "{} is held", audit.sources.get(id).rel);
        }
    }
}

/// The reference pipeline with baselines (`prepare_with_baseline`, which the streaming
/// scans are compared with) keeps every unit but no file's text or tree
/// (`prepare_lean`): each file is read again when it is resolved or shown. It must
/// resolve exactly what the preparation that keeps them does.
#[test]
fn the_baseline_preparation_holds_no_text_and_resolves_as_the_kept_one() {
    for path in common::corpus()
        .into_iter()
        .chain([common::root().join("fixtures")])
    {
        let opts = ScanOptions {
            paths: vec![path.clone()],
            ..ScanOptions::default()
        };
        let lean = scan::prepare_lean(&opts).unwrap();
        let kept = scan::prepare(&opts).unwrap();
        assert_eq!(lean.units.len(), kept.units.len(), "{}", path.display());
        for (a, b) in lean.units.iter().zip(&kept.units) {
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        assert_eq!(lean.load_failures, kept.load_failures);
        let compared = scan::prepare_with_baseline(&opts).unwrap();
        assert_eq!(compared.units.len(), kept.units.len());
        for id in 0..compared.sources.len() {
            // (An empty file has nothing to read again: its empty text is kept.)
            let text_held =
                compared.sources.is_resident(id) && !compared.sources.text(id).is_empty();
            assert!(!text_held, "{} is held", compared.sources.get(id).rel);
        }
    }
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.email=a@b", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Replaces the first `from` of a file with `to`.
fn edit(root: &std::path::Path, rel: &str, from: &str, to: &str) {
    let p = root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} has {from}");
    std::fs::write(p, text.replacen(from, to, 1)).unwrap();
}

/// The corpus and the fixtures in a git repository, then changed: outboundType flips, a
/// renamed folder, a new file, a deleted one, a cluster name that no longer matches, a
/// file that no longer parses.
fn changed_repository() -> Option<tempfile::TempDir> {
    let corpus = common::corpus()?;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_dir(&corpus, &root.join("corpus"));
    copy_dir(&common::root().join("fixtures"), &root.join("fixtures"));
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);

    let (lb, udr) = ("\"loadBalancer\"", "\"userDefinedRouting\"");
    edit(root, "fixtures/audit/loadbalancer/aks-lb.json", lb, udr);
    edit(root, "fixtures/audit/udr/aks-udr.json", udr, lb);
    let modules =
        "corpus/Azure__ResourceModules/modules/container-service/managed-cluster/main.json";
    edit(
        root,
        modules,
        "\"name\": \"[parameters('name')]\"",
        "\"name\": \"[concat('x', parameters('name'))]\"",
    );
    git(
        root,
        &[
            "mv",
            "fixtures/resolve/linked",
            "fixtures/resolve/linked-moved",
        ],
    );
    edit(
        root,
        "fixtures/resolve/linked-moved/modules/aks.json",
        lb,
        udr,
    );
    std::fs::copy(
        root.join("fixtures/formats/aks.json"),
        root.join("fixtures/formats/aks-new.json"),
    )
    .unwrap();
    git(root, &["rm", "-q", "fixtures/resolve/condition/main.json"]);
    let truncated = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": ["#;
    std::fs::write(root.join("fixtures/sample/broken-new.json"), truncated).unwrap();
    Some(dir)
}

/// `--base`, `--changed-only` and `--baseline` stream as well: each job's baselines are
/// attached as it is evaluated.
#[test]
fn streaming_and_kept_scans_agree_on_a_change_against_git() {
    let Some(dir) = changed_repository() else {
        return;
    };
    let root = dir.path();
    let base = ScanOptions {
        paths: vec![root.to_path_buf()],
        base: Some("HEAD".into()),
        ..ScanOptions::default()
    };
    let count =
        |findings: &[String], what: &str| findings.iter().filter(|f| f.contains(what)).count();
    let all = same_with(&base);
    // The two flipped outboundTypes (the moved module's is a default its parent
    // overrides), and the Terraform plan fixture that is its own baseline.
    let plan_update = "fixtures/terraform/fail-plan-outbound-type-update/tfplan.json";
    assert_eq!(count(&all, "rule: \"AKS006\""), 3, "{all:#?}");
    assert_eq!(
        all.iter()
            .filter(|f| f.contains("rule: \"AKS006\"") && f.starts_with(plan_update))
            .count(),
        1
    );
    assert_eq!(count(&all, "cannot match cluster"), 1);
    let changed = same_with(&ScanOptions {
        changed_only: true,
        ..base.clone()
    });
    assert_eq!(count(&changed, "rule: \"AKS006\""), 2);
    assert!(
        changed.len() < all.len() / 4,
        "{} of {}",
        changed.len(),
        all.len()
    );
    // The file that does not parse is new, so it is reported; the corpus's are not.
    assert_eq!(count(&changed, "rule: \"AKS901\""), 1, "{changed:#?}");
    let export = common::root().join("fixtures/rules/AKS006/fail-against-export.baseline.json");
    let exported = same_with(&ScanOptions {
        paths: vec![root.to_path_buf()],
        baseline: vec![export],
        ..ScanOptions::default()
    });
    assert!(count(&exported, "rule: \"AKS006\"") >= 1);
}

/// `aksgate input` streams its documents through a temporary file: the same bytes as
/// the documents of the kept preparation, printed at once.
#[test]
fn streamed_inputs_are_the_kept_preparations() {
    let Some(dir) = changed_repository() else {
        return;
    };
    let export = common::root().join("fixtures/rules/AKS006/fail-against-export.baseline.json");
    let mut cases = vec![
        ScanOptions {
            paths: vec![dir.path().to_path_buf()],
            base: Some("HEAD".into()),
            ..ScanOptions::default()
        },
        ScanOptions {
            paths: vec![dir.path().to_path_buf()],
            baseline: vec![export],
            ..ScanOptions::default()
        },
    ];
    for path in common::corpus()
        .into_iter()
        .chain([common::root().join("fixtures")])
    {
        cases.push(ScanOptions {
            paths: vec![path],
            ..ScanOptions::default()
        });
    }
    for opts in &cases {
        let kept = scan::inputs(opts).unwrap();
        let want = serde_json::to_string_pretty(&kept).unwrap() + "\n";
        let mut out = Vec::new();
        let n = aksgate::inputs::write_inputs(opts, &mut out)
            .unwrap()
            .documents;
        assert_eq!(n, kept.len());
        assert!(n > 20, "{n} documents for {opts:?}");
        let got = String::from_utf8(out).unwrap();
        assert!(got == want, "{opts:?}: streamed documents differ");
    }
    // With the base revision's clusters attached.
    let kept = scan::inputs(&cases[0]).unwrap();
    assert!(kept.iter().any(|d| d.to_string().contains("\"baseline\"")));
}

/// A write that fails is an error, not a partial array that looks complete.
#[test]
fn inputs_that_cannot_be_written_are_an_error() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::StorageFull.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let opts = ScanOptions {
        paths: vec![common::root().join("fixtures/sample")],
        ..ScanOptions::default()
    };
    let e = aksgate::inputs::write_inputs(&opts, &mut Full).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("cannot write the input documents"),
        "{e}"
    );
}

/// The base revision's files are kept in an anonymous temporary file and read from
/// there when resolved or shown, as the working tree's are read from disk: none is held
/// in memory.
#[test]
fn base_files_are_stored_not_held() {
    let Some(dir) = changed_repository() else {
        return;
    };
    let opts = ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        base: Some("HEAD".into()),
        ..ScanOptions::default()
    };
    let policies = Policies::load(&PolicyOptions::default()).unwrap();
    let r = scan::scan(&opts, &policies).unwrap();
    let base: Vec<usize> = (0..r.sources.len())
        .filter(|i| r.sources.get(*i).rel.ends_with("@HEAD"))
        .collect();
    assert!(base.len() >= 4, "{base:?}");
    for i in base {
        let rel = r.sources.get(i).rel;
        assert!(!r.sources.is_resident(i), "{rel} is held");
        // The text read back is the file at the revision.
        let at_head = std::process::Command::new("git")
            .args(["show", &format!("HEAD:{}", rel.trim_end_matches("@HEAD"))])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(at_head.status.success());
        let text = r.sources.text(i);
        assert_eq!(*text, *String::from_utf8_lossy(&at_head.stdout), "{rel}");
    }
}
