//! Terraform variable files outside the `.tf` files: the ones named in `.aksgate.toml`
//! (`[[pair]] template = "infra/aks"`, `parameters = "env/prod.tfvars"`), each a verdict
//! of the module as `terraform plan -var-file` would make it, and the ones a lowering
//! took values from, registered as sources so findings can point at their lines.

use crate::json::{Span, ValueOrigin};
use crate::resolve::tree::{Origin, RNode, RValue};
use crate::resolve::Unit;
use crate::source::{FileId, Fingerprint, Site, Sources};
use crate::terraform::{self, Files};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The named variable files of each root module folder (relative to the scan root,
/// `""` for the root). A folder is listed even when none of its files could be read:
/// it is then not judged on its own either.
pub type Named = BTreeMap<String, Vec<FileId>>;

/// The module folder a pairing's `template` names: the folder itself, or the folder of
/// a `.tf` file.
pub fn module_of(template: &str) -> String {
    let t = template.trim_end_matches(['/', '\\']);
    let t = if terraform::is_terraform(t) {
        t.rsplit_once('/').map_or("", |(d, _)| d)
    } else {
        t
    };
    crate::plan::join_relative("", t).unwrap_or_default()
}

/// A scanned directory and the prefix its files' paths take (`""` for a lone root).
pub struct Root<'a> {
    pub dir: &'a Path,
    pub prefix: String,
}

/// Registers the variable files named in `pairs` (those whose parameter file is a
/// `.tfvars` or `.tfvars.json`). One that cannot be read inside a scanned directory,
/// or does not parse, is a failure at it (AKS901), never dropped.
pub fn register_named(
    sources: &mut Sources,
    failures: &mut Vec<(Site, String)>,
    roots: &[Root],
    pairs: &[(String, String)],
) -> Named {
    let mut named = Named::new();
    for (template, vf) in pairs.iter().filter(|(_, p)| terraform::is_var_file(p)) {
        let ids = named.entry(module_of(template)).or_default();
        if let Some(id) = sources.var_file(vf) {
            if !ids.contains(&id) && !failures.iter().any(|(s, _)| s.file == id) {
                ids.push(id);
            }
            continue;
        }
        match read(roots, vf) {
            Ok((path, text)) => {
                let id = sources.add_on_disk(vf.clone(), path, Fingerprint::of(text.as_bytes()));
                sources.set_var_file(vf, id);
                match terraform::check_var_file(vf, &text) {
                    Ok(()) => ids.push(id),
                    Err((message, span)) => failures.push((
                        Site::new(id, span),
                        format!(
                            "the variable file named in .aksgate.toml does not parse: {message}"
                        ),
                    )),
                }
            }
            Err(message) => {
                let id = sources.add(vf.clone(), "".into());
                sources.set_var_file(vf, id);
                failures.push((
                    Site::new(id, Span::default()),
                    format!("the variable file named in .aksgate.toml cannot be read: {message}"),
                ));
            }
        }
    }
    named
}

/// The text of a variable file at `rel` (with a scanned directory's prefix), read as
/// a module's files are: a regular file of at most 4 MB inside that directory.
fn read(roots: &[Root], rel: &str) -> Result<(PathBuf, String), String> {
    let root = roots
        .iter()
        .filter(|r| r.prefix.is_empty() || rel.starts_with(&r.prefix))
        .max_by_key(|r| r.prefix.len())
        .ok_or("it is in none of the scanned directories")?;
    let under = &rel[root.prefix.len()..];
    let files = terraform::DiskFiles {
        root: root.dir.to_path_buf(),
    };
    let text = files.text(under)?;
    Ok((root.dir.join(under), text))
}

/// Registers a variable file a lowering took values from (`rel` under the scan root,
/// `root` the scanned directory it is under), once.
pub fn register_read(sources: &mut Sources, root: &Path, rel: &str) {
    if sources.var_file(rel).is_some() {
        return;
    }
    let files = terraform::DiskFiles {
        root: root.to_path_buf(),
    };
    if let Ok(text) = files.text(rel) {
        let id = sources.add_on_disk(
            rel.to_string(),
            root.join(rel),
            Fingerprint::of(text.as_bytes()),
        );
        sources.set_var_file(rel, id);
    }
}

/// Gives the values of `unit` (lowered from `file`) that came from variable files the
/// place they are written there, as a parameter file's value is traced.
pub fn attach(unit: &mut Unit, file: FileId, origins: &[ValueOrigin], sources: &Sources) {
    if origins.is_empty() {
        return;
    }
    let mut by_span: HashMap<Span, Vec<Origin>> = HashMap::new();
    for o in origins {
        if let Some(vf) = sources.var_file(&o.file) {
            let list = by_span.entry(o.at).or_default();
            let origin = Origin {
                site: Site::new(vf, o.span),
                label: o.label.clone(),
            };
            if !list.contains(&origin) {
                list.push(origin);
            }
        }
    }
    for r in &mut unit.resources {
        mark(&mut r.node, file, &by_span, 0);
    }
}

fn mark(n: &mut RNode, file: FileId, by_span: &HashMap<Span, Vec<Origin>>, depth: usize) {
    if n.site.file == file {
        for o in by_span.get(&n.site.span()).into_iter().flatten() {
            if !n.via.contains(o) {
                n.via.push(o.clone());
            }
        }
    }
    // The resolver bounds nesting; this only keeps the walk finite on its own.
    if depth > 256 {
        return;
    }
    match &mut n.value {
        RValue::Array(items) => items
            .iter_mut()
            .for_each(|i| mark(i, file, by_span, depth + 1)),
        RValue::Object(members) => members
            .iter_mut()
            .for_each(|m| mark(&mut m.value, file, by_span, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pairing_names_a_module_folder_or_one_of_its_files() {
        assert_eq!(module_of("infra/aks"), "infra/aks");
        assert_eq!(module_of("infra/aks/"), "infra/aks");
        assert_eq!(module_of("./infra/aks/main.tf"), "infra/aks");
        assert_eq!(module_of("main.tf"), "");
        assert_eq!(module_of("."), "");
    }

    #[test]
    fn named_files_are_registered_or_reported_never_dropped() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("env")).unwrap();
        std::fs::write(d.path().join("env/prod.tfvars"), "a = \"x\"\n").unwrap();
        std::fs::write(d.path().join("env/bad.tfvars"), "a = = 1\n").unwrap();
        let mut sources = Sources::default();
        let mut failures = Vec::new();
        let roots = [Root {
            dir: d.path(),
            prefix: String::new(),
        }];
        let pair = |p: &str| ("infra/aks".to_string(), p.to_string());
        let named = register_named(
            &mut sources,
            &mut failures,
            &roots,
            &[
                pair("env/prod.tfvars"),
                pair("env/prod.tfvars"),
                pair("env/bad.tfvars"),
                pair("env/missing.tfvars"),
                ("infra/arm.json".into(), "infra/arm.parameters.json".into()),
            ],
        );
        let prod = sources.var_file("env/prod.tfvars").unwrap();
        assert_eq!(named.len(), 1);
        assert_eq!(named["infra/aks"], vec![prod]);
        let messages: Vec<(&str, &str)> = failures
            .iter()
            .map(|(s, m)| (sources.get(s.file).rel, m.as_str()))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].0 == "env/bad.tfvars" && messages[0].1.contains("does not parse"));
        assert!(messages[1].0 == "env/missing.tfvars" && messages[1].1.contains("cannot be read"));
        assert_eq!(failures[0].0.span(), Span::new(4, 5));
    }
}
