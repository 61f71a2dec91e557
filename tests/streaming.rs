//! `check` and `audit` stream (two passes, files read twice, nothing held); the
//! baseline comparisons keep every unit (but no text). Both must see exactly the same findings.
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
    let policies = Policies::load(&PolicyOptions::default()).unwrap();
    let opts = ScanOptions {
        paths: vec![path.clone()],
        ..ScanOptions::default()
    };
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
}

#[test]
fn streaming_and_kept_scans_agree_on_the_corpus() {
    same_either_way(common::corpus());
}

#[test]
fn streaming_and_kept_scans_agree_on_every_fixture() {
    same_either_way(common::root().join("fixtures"));
}

/// `check` does not run the built-in pack on a unit without a resource of
/// `plan::RULE_TYPES`: this holds the pack to that. Every result of every unit of the
/// corpus and the fixtures names a resource of one of those types.
#[test]
fn the_builtin_pack_reports_only_on_its_resource_types() {
    let policies = Policies::load(&PolicyOptions::default()).unwrap();
    let mut engine = policies.worker();
    let mut results = 0;
    for path in [common::corpus(), common::root().join("fixtures")] {
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
                assert!(
                    aksgate::plan::RULE_TYPES.contains(&ty.as_str()),
                    "{} reports on a {ty}: add it to RULE_TYPES",
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
    for path in [common::corpus(), common::root().join("fixtures")] {
        let opts = ScanOptions {
            paths: vec![path.clone()],
            ..ScanOptions::default()
        };
        let progress = aksgate::audit::progress::Bar::hidden();
        let audit = aksgate::audit::audit(&opts, &policies, &progress).unwrap();
        assert!(!audit.rows.is_empty());
        for id in 0..audit.sources.len() {
            // (An empty file has nothing to read again: its empty text is kept.)
            let text_held =
                audit.sources.disk_path(id).is_none() && !audit.sources.text(id).is_empty();
            assert!(!text_held, "{} is held", audit.sources.get(id).rel);
        }
    }
}

/// The `--base` and `--baseline` comparisons keep every unit but no file's text or tree
/// (`prepare_lean`): each file is read again when it is resolved or shown. They must
/// resolve exactly what the kept preparation does.
#[test]
fn the_baseline_preparation_holds_no_text_and_resolves_as_the_kept_one() {
    for path in [common::corpus(), common::root().join("fixtures")] {
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
                compared.sources.disk_path(id).is_none() && !compared.sources.text(id).is_empty();
            assert!(!text_held, "{} is held", compared.sources.get(id).rel);
        }
    }
}
