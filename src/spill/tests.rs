use super::*;
use crate::finding::Suppression;
use std::sync::Arc;

/// Three files whose ids are not in path order, one path twice.
fn sources() -> Sources {
    let mut s = Sources::default();
    for rel in ["c.json", "a.json", "b/x.json", "a.json"] {
        s.add(rel.into(), Arc::from("{}"));
    }
    s
}

/// Findings with many ties and repeats, from a small deterministic generator.
fn findings(n: usize) -> Vec<Finding> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    (0..n)
        .map(|i| {
            let start = next(5) as usize;
            Finding {
                rule: format!("AKS00{}", next(3)).into(),
                slug: "slug".into(),
                severity: [Severity::Note, Severity::Warning, Severity::Error][next(3) as usize],
                message: format!("message {}", next(3)).into(),
                primary: Site {
                    file: next(4) as usize,
                    start,
                    end: start + next(2) as usize,
                },
                primary_label: format!("label {i}").into(),
                related: vec![],
                help: None,
                docs: None,
                about: None,
                context: (next(2) == 0).then(|| Text::from("p.json")),
                suppression: (next(4) == 0).then(|| Suppression {
                    kind: "config",
                    reason: "why".into(),
                }),
                resource: None,
                places: Vec::new(),
            }
        })
        .collect()
}

/// What the scan did before the spill: a stable sort of the insertion order, then
/// dropping repeats.
fn reference(all: &[Finding], sources: &Sources) -> Vec<Finding> {
    let mut v = all.to_vec();
    Finding::sort(&mut v, sources);
    v.dedup_by(|a, b| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
    v
}

fn sorted(all: &[Finding], budget: usize, sources: &Sources) -> (Vec<Finding>, usize) {
    let mut sorter = Sorter::with_budget(budget);
    // Pushed in an order unlike their sequence numbers, as workers would.
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by_key(|i| (i % 7, std::cmp::Reverse(*i)));
    for i in order {
        sorter.push(i as u64, Box::new(all[i].clone()), sources);
    }
    let runs = sorter.runs();
    let out = sorter
        .into_sorted(sources)
        .unwrap()
        .map(|f| *f.unwrap())
        .collect();
    (out, runs)
}

#[test]
fn every_budget_gives_the_order_of_a_stable_sort() {
    let s = sources();
    let all = findings(2_000);
    let want = reference(&all, &s);
    assert!(want.len() < all.len(), "the data has repeats");
    for budget in [usize::MAX, 0, 5_000, 200_000] {
        let (got, runs) = sorted(&all, budget, &s);
        if budget == usize::MAX {
            assert_eq!(runs, 0);
        } else {
            assert!(runs > 1, "budget {budget}: {runs} runs");
        }
        assert_eq!(got.len(), want.len(), "budget {budget}");
        assert!(got == want, "budget {budget}");
    }
}

#[test]
fn settled_findings_read_the_same_from_memory_and_disk() {
    let s = sources();
    let all = reference(&findings(500), &s);
    let extra = findings(9).into_iter().map(|f| Finding {
        message: "stale".into(),
        ..f
    });
    let extra: Vec<Finding> = extra.collect();
    let mut want = all.clone();
    want.extend(extra.iter().cloned());
    Finding::sort(&mut want, &s);
    for budget in [usize::MAX, 0] {
        let mut settled =
            Findings::collect_within(all.iter().cloned().map(Box::new).map(Ok), budget).unwrap();
        assert_eq!(settled.disk.is_some(), budget == 0);
        settled.add(extra.iter().cloned(), &s);
        assert_eq!(settled.len(), want.len());
        for _ in 0..2 {
            let got: Vec<Finding> = settled.iter(&s).map(Result::unwrap).collect();
            assert!(got == want, "budget {budget}");
        }
        let mut tally = Tally::default();
        want.iter().for_each(|f| tally.add(f));
        assert_eq!(settled.tally(), tally);
    }
}

#[test]
fn the_tally_says_what_fails() {
    let mut t = Tally::default();
    assert!(!t.fails(Severity::Note));
    let mut f = findings(1).remove(0);
    f.suppression = None;
    f.severity = Severity::Warning;
    t.add(&f);
    assert!(t.fails(Severity::Note) && t.fails(Severity::Warning));
    assert!(!t.fails(Severity::Error));
    f.severity = Severity::Error;
    f.suppression = Some(Suppression {
        kind: "comment",
        reason: "ok".into(),
    });
    t.add(&f);
    assert!(!t.fails(Severity::Error));
    assert_eq!((t.total(), t.suppressed), (2, 1));
}

#[test]
fn discarded_findings_are_dropped_from_memory_and_from_disk() {
    let s = sources();
    let all = findings(300);
    const MARK: u64 = 1 << 40;
    // The odd ones are marked; half of them are pushed before a spill, half after.
    let push = |budget: usize| {
        let mut sorter = Sorter::with_budget(budget);
        for (i, f) in all.iter().enumerate() {
            let seq = i as u64 | if i % 2 == 1 { MARK } else { 0 };
            sorter.push(seq, Box::new(f.clone()), &s);
        }
        sorter.discard(|seq| seq & MARK != 0);
        sorter
    };
    let kept: Vec<Finding> = all.iter().step_by(2).cloned().collect();
    let want = reference(&kept, &s);
    for budget in [usize::MAX, 0, 3_000] {
        let sorter = push(budget);
        assert_eq!(sorter.runs() > 0, budget != usize::MAX);
        let got: Vec<Finding> = sorter
            .into_sorted(&s)
            .unwrap()
            .map(|f| *f.unwrap())
            .collect();
        assert!(got == want, "budget {budget}");
    }
}
