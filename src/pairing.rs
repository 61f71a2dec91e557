//! Pairs ARM parameter files with the templates they feed. One evaluation per pairing,
//! so `dev` and `prod` get separate verdicts.
//!
//! In order: explicit pairings from configuration; the naming conventions `X.json` ↔
//! `X.parameters.json`, `X.parameters.<env>.json`, `X.<env>.parameters.json` in the
//! same directory; a parameter file left over in a directory with exactly one template;
//! and otherwise the one template in the directory that declares every parameter the
//! file sets. A parameter file that matches nothing, or several templates alike, is
//! [`Unpaired`]: reported (AKS900) at the parameter file, never dropped.

use crate::json::Node;
use crate::source::FileId;
use std::collections::BTreeMap;

#[derive(Clone, Copy)]
pub struct FileRef<'a> {
    pub id: FileId,
    pub rel: &'a str,
    /// A template's declared parameters, or the parameters a parameter file sets
    /// (lower-cased): see [`declared_params`] and [`set_params`].
    pub names: &'a Names,
    /// A `.bicepparam` file's `using` template (`""`: `using none`): it pairs with that
    /// template only (or as configured), never by name or by what it sets.
    pub using: Option<&'a str>,
}

/// A set of parameter names, kept as their sorted 64-bit FNV-1a hashes: the first pass
/// keeps them for every file until planning, pairing only asks whether one file's names
/// are all among another's, and templates declare up to hundreds (kept as strings, they
/// were half of what the first pass held). Two names that hash alike would count as one;
/// among a template's few hundred names the odds are about 1 in 10^14.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(Box<[u64]>);

impl Names {
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Names {
        let mut hashes: Vec<u64> = names
            .into_iter()
            .map(|n| crate::report::fnv1a64(&[n.as_ref()]))
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        Names(hashes.into_boxed_slice())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0
            .binary_search(&crate::report::fnv1a64(&[name]))
            .is_ok()
    }

    /// Whether every name of `self` is in `other`.
    pub fn within(&self, other: &Names) -> bool {
        self.0.iter().all(|h| other.0.binary_search(h).is_ok())
    }
}

fn split(rel: &str) -> (&str, &str) {
    match rel.rfind('/') {
        Some(i) => (&rel[..i], &rel[i + 1..]),
        None => ("", rel),
    }
}

fn stem(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    // A `.bicep` template pairs with parameter files as a JSON template does.
    for ext in [".jsonc", ".json", ".bicep"] {
        if lower.ends_with(ext) {
            return &name[..name.len() - ext.len()];
        }
    }
    name
}

/// Does parameter file `param` (file name) follow a naming convention for template stem `t`?
fn by_convention(t: &str, param: &str) -> bool {
    let p = stem(param).to_ascii_lowercase();
    let t = t.to_ascii_lowercase();
    if p == format!("{t}.parameters") {
        return true;
    }
    if let Some(env) = p.strip_prefix(&format!("{t}.parameters.")) {
        return !env.is_empty() && !env.contains('.');
    }
    if let Some(rest) = p.strip_prefix(&format!("{t}.")) {
        if let Some(env) = rest.strip_suffix(".parameters") {
            return !env.is_empty() && !env.contains('.');
        }
    }
    false
}

pub fn declared_params(t: &Node) -> Vec<String> {
    t.get("parameters")
        .and_then(Node::as_object)
        .unwrap_or_default()
        .iter()
        .map(|m| m.key.to_ascii_lowercase())
        .collect()
}

pub fn set_params(p: &Node) -> Vec<String> {
    p.get("parameters")
        .and_then(Node::as_object)
        .unwrap_or_default()
        .iter()
        .map(|m| m.key.to_ascii_lowercase())
        .filter(|k| k != "$schema")
        .collect()
}

/// A parameter file no template could be chosen for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpaired {
    pub file: FileId,
    /// The templates it could belong to, alike (empty: none in its directory).
    pub candidates: Vec<FileId>,
}

/// What [`pair`] decided.
#[derive(Debug, Default)]
pub struct Pairing {
    /// For each template, the parameter files paired with it (possibly none).
    pub pairs: BTreeMap<FileId, Vec<FileId>>,
    pub unpaired: Vec<Unpaired>,
}

/// Pairs each parameter file with a template, or says why it could not.
pub fn pair(templates: &[FileRef], params: &[FileRef], explicit: &[(String, String)]) -> Pairing {
    let mut out: BTreeMap<FileId, Vec<FileId>> =
        templates.iter().map(|t| (t.id, Vec::new())).collect();
    let mut used = vec![false; params.len()];
    let mut unpaired = Vec::new();
    for (tpl, par) in explicit {
        let t = templates.iter().find(|t| t.rel == tpl);
        let p = params.iter().position(|p| p.rel == par);
        if let (Some(t), Some(pi)) = (t, p) {
            out.entry(t.id).or_default().push(params[pi].id);
            used[pi] = true;
        }
    }
    // A `.bicepparam` file names its template; `using none` names none (only a
    // configured pairing gives it one).
    for (pi, p) in params.iter().enumerate() {
        let Some(target) = p.using.filter(|_| !used[pi]) else {
            continue;
        };
        used[pi] = true;
        match templates
            .iter()
            .find(|t| !target.is_empty() && t.rel == target)
        {
            Some(t) => out.entry(t.id).or_default().push(p.id),
            None => unpaired.push(Unpaired {
                file: p.id,
                candidates: Vec::new(),
            }),
        }
    }
    // Templates by directory, in order: looking them up per parameter file keeps
    // pairing linear in the number of files.
    let mut by_dir: std::collections::HashMap<&str, Vec<&FileRef>> = Default::default();
    // Terraform files take their values from variable files, never from ARM
    // parameter files.
    for t in templates
        .iter()
        .filter(|t| !crate::terraform::is_terraform(t.rel))
    {
        by_dir.entry(split(t.rel).0).or_default().push(t);
    }
    let in_dir = |dir: &str| -> &[&FileRef] { by_dir.get(dir).map_or(&[], Vec::as_slice) };
    for (pi, p) in params.iter().enumerate() {
        if used[pi] {
            continue;
        }
        let (pdir, pname) = split(p.rel);
        let same_dir = in_dir(pdir);
        if let Some(t) = same_dir
            .iter()
            .find(|t| by_convention(stem(split(t.rel).1), pname))
        {
            out.entry(t.id).or_default().push(p.id);
            used[pi] = true;
        }
    }
    for (pi, p) in params.iter().enumerate() {
        if used[pi] {
            continue;
        }
        let (pdir, _) = split(p.rel);
        let same_dir = in_dir(pdir);
        // A Bicep folder holds modules beside its main file (which may be missing from
        // the templates when it could not be lowered): a lone `.bicep` takes a leftover
        // parameter file only when it declares every parameter the file sets.
        let lone_bicep_misfit = |t: &FileRef| {
            crate::load::is_bicep(t.rel) && !(p.names.is_empty() || p.names.within(t.names))
        };
        if same_dir.len() == 1 && !lone_bicep_misfit(same_dir[0]) {
            out.entry(same_dir[0].id).or_default().push(p.id);
            continue;
        }
        let wanted = p.names;
        let fits: Vec<&&FileRef> = same_dir
            .iter()
            .filter(|t| !wanted.is_empty() && wanted.within(t.names))
            .collect();
        match fits.as_slice() {
            [t] => out.entry(t.id).or_default().push(p.id),
            // Several fit alike, or none of several does: all of those are candidates.
            [] => unpaired.push(Unpaired {
                file: p.id,
                candidates: same_dir.iter().map(|t| t.id).collect(),
            }),
            many => unpaired.push(Unpaired {
                file: p.id,
                candidates: many.iter().map(|t| t.id).collect(),
            }),
        }
    }
    Pairing {
        pairs: out,
        unpaired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions() {
        assert!(by_convention("aks", "aks.parameters.json"));
        assert!(by_convention("aks", "AKS.parameters.prod.json"));
        assert!(by_convention("aks", "aks.dev.parameters.json"));
        assert!(!by_convention("aks", "aks2.parameters.json"));
        assert!(!by_convention("aks", "aks.json"));
        assert_eq!(stem("main.bicep"), "main");
        assert!(!by_convention("aks", "aks.a.b.parameters.json"));
    }

    #[test]
    fn pairs_by_convention_by_directory_and_by_declared_parameters() {
        let tpl = |p: &str| {
            crate::json::parse(&format!(r#"{{"resources": [], "parameters": {{{p}}}}}"#))
                .unwrap()
                .root
        };
        let par = |p: &str| {
            crate::json::parse(&format!(r#"{{"parameters": {{{p}}}}}"#))
                .unwrap()
                .root
        };
        let t_aks = Names::new(declared_params(&tpl(r#""a": {}, "b": {}"#)));
        let t_net = Names::new(declared_params(&tpl(r#""c": {}"#)));
        let t_solo = Names::new(declared_params(&tpl("")));
        let p_dev = set_params(&par(r#""a": {"value": 1}, "$schema": "x""#));
        assert_eq!(p_dev, vec!["a"]);
        let p_dev = Names::new(p_dev);
        let p_odd = Names::new(set_params(&par(r#""c": {"value": 1}"#)));
        let p_solo = Names::new(set_params(&par("")));
        assert!(p_dev.within(&t_aks) && !p_dev.within(&t_net) && p_solo.within(&t_net));
        assert!(t_aks.contains("b") && !t_aks.contains("c") && t_aks.len() == 2);
        let templates = [
            FileRef {
                id: 0,
                rel: "infra/aks.json",
                names: &t_aks,
                using: None,
            },
            FileRef {
                id: 1,
                rel: "infra/net.json",
                names: &t_net,
                using: None,
            },
            FileRef {
                id: 2,
                rel: "solo/main.json",
                names: &t_solo,
                using: None,
            },
        ];
        let params = [
            FileRef {
                id: 10,
                rel: "infra/aks.parameters.dev.json",
                names: &p_dev,
                using: None,
            },
            FileRef {
                id: 11,
                rel: "infra/prod-network.json",
                names: &p_odd,
                using: None,
            },
            FileRef {
                id: 12,
                rel: "solo/whatever.json",
                names: &p_solo,
                using: None,
            },
        ];
        let got = pair(&templates, &params, &[]).pairs;
        assert_eq!(got[&0], vec![10]);
        assert_eq!(got[&1], vec![11]);
        assert_eq!(got[&2], vec![12]);
        let explicit = pair(
            &templates,
            &params,
            &[(
                "infra/net.json".into(),
                "infra/aks.parameters.dev.json".into(),
            )],
        )
        .pairs;
        assert_eq!(explicit[&1], vec![10, 11]);
        assert!(explicit[&0].is_empty());
    }

    #[test]
    fn a_parameter_file_for_no_template_or_for_several_is_unpaired() {
        let both = Names::new(["a"]);
        let set = Names::new(["a"]);
        let other = Names::new(["zzz"]);
        let templates = [
            FileRef {
                id: 0,
                rel: "two/one.json",
                names: &both,
                using: None,
            },
            FileRef {
                id: 1,
                rel: "two/other.json",
                names: &both,
                using: None,
            },
        ];
        let params = [
            FileRef {
                id: 10,
                rel: "two/env.json",
                names: &set,
                using: None,
            },
            FileRef {
                id: 11,
                rel: "two/odd.json",
                names: &other,
                using: None,
            },
            FileRef {
                id: 12,
                rel: "alone/dev.parameters.json",
                names: &set,
                using: None,
            },
        ];
        let got = pair(&templates, &params, &[]);
        assert!(got.pairs.values().all(Vec::is_empty));
        assert_eq!(
            got.unpaired,
            vec![
                Unpaired {
                    file: 10,
                    candidates: vec![0, 1]
                },
                Unpaired {
                    file: 11,
                    candidates: vec![0, 1]
                },
                Unpaired {
                    file: 12,
                    candidates: vec![]
                },
            ]
        );
    }
}
