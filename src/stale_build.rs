//! A `.bicep` file and the template Bicep compiled from it, committed beside it, are one
//! deployment: the source is judged. But `az deployment ... --template-file main.json`
//! deploys the compiled file, so when the two give different verdicts (the JSON was not
//! rebuilt after the source changed) that is said, at the source, as AKS903.
//!
//! The verdict compared is how many error and warning findings each rule reports (the
//! findings' places differ: one is in `.bicep`, the other in JSON); what aksgate itself
//! reports about the files (AKS900-AKS903) is left out, since unknowns and problems are
//! the front ends' own.

use crate::finding::Severity;
use crate::resolve::{Baseline, Unit};
use crate::scan::UnitFindings;
use std::collections::BTreeMap;

/// The rule id of the note.
pub const RULE: &str = "AKS903";

/// The file name of the template Bicep compiles from the `.bicep` file `rel`
/// (`infra/main.bicep` -> `main.json`).
pub fn compiled_name(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name
        .len()
        .checked_sub(".bicep".len())
        .map_or(name, |n| &name[..n]);
    format!("{stem}.json")
}

/// How many findings at or above warning each policy rule reports.
pub fn verdict(findings: &UnitFindings) -> BTreeMap<String, usize> {
    let mut v = BTreeMap::new();
    for (_, f) in findings {
        let own = matches!(&*f.rule, "AKS900" | "AKS901" | "AKS902" | "AKS903");
        if !own && f.severity >= Severity::Warning {
            *v.entry(f.rule.to_string()).or_insert(0) += 1;
        }
    }
    v
}

/// The compiled unit of `unit`, ready to evaluate: with the network resources of other
/// files the source was given, and its baselines moved to the same-named resources.
pub fn twin_of(unit: &Unit) -> Option<Unit> {
    let mut twin = (**unit.compiled.as_ref()?).clone();
    if let Some(start) = unit.external_start {
        twin.external_start = Some(twin.resources.len());
        twin.resources
            .extend(unit.resources[start..].iter().cloned());
    }
    let same = |a: &crate::resolve::Resource, b: &crate::resolve::Resource| {
        a.ty.eq_ignore_ascii_case(&b.ty)
            && a.name.as_str().is_some()
            && a.name.as_str() == b.name.as_str()
    };
    twin.baselines = unit
        .baselines
        .iter()
        .filter_map(|b| {
            let own = unit.resources.get(b.resource)?;
            let j = twin.own_resources().iter().position(|r| same(r, own))?;
            Some(Baseline {
                resource: j,
                ..b.clone()
            })
        })
        .collect();
    Some(twin)
}

/// The note's message when the verdicts differ (`None` when they agree): each rule
/// whose count differs, with both counts.
pub fn difference(
    source: &BTreeMap<String, usize>,
    compiled: &BTreeMap<String, usize>,
    compiled_name: &str,
) -> Option<String> {
    let mut rules: Vec<&String> = source.keys().chain(compiled.keys()).collect();
    rules.sort();
    rules.dedup();
    let differ: Vec<String> = rules
        .into_iter()
        .filter_map(|r| {
            let (a, b) = (
                source.get(r).copied().unwrap_or(0),
                compiled.get(r).copied().unwrap_or(0),
            );
            (a != b).then(|| format!("{r} {a} here, {b} there"))
        })
        .collect();
    if differ.is_empty() {
        return None;
    }
    Some(format!(
        "{compiled_name}, compiled from this file and committed beside it, gives a different verdict ({}): it is stale, and deploying it deploys something else than this file",
        differ.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
        pairs.iter().map(|(r, n)| (r.to_string(), *n)).collect()
    }

    #[test]
    fn only_differing_rules_are_named() {
        let a = counts(&[("AKS003", 1), ("AKS007", 2)]);
        assert_eq!(difference(&a, &a.clone(), "main.json"), None);
        let b = counts(&[("AKS007", 1), ("AKS010", 1)]);
        let m = difference(&a, &b, "main.json").unwrap();
        assert!(
            m.contains("(AKS003 1 here, 0 there; AKS007 2 here, 1 there; AKS010 0 here, 1 there)"),
            "{m}"
        );
    }
}
