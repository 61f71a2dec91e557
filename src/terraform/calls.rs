//! Module calls: a local module (`source = "./modules/aks"`) is read from the scanned
//! folder and evaluated with the call's arguments; a registry or git module is not
//! visible (AKS900), as are modules past the depth and fan-out limits (AKS901).

use super::module::{read_dir, span_of, At, Instance, Module};
use super::Problem;
use crate::arm::value::Val;
use hcl_edit::structure::Block;
use std::collections::HashMap;
use std::rc::Rc;

/// Arguments of a `module` block that are not the module's inputs.
const META: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// `dir` joined with a relative `source`, or `None` when it leaves the root.
pub(crate) fn join(dir: &str, source: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for c in source.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The module an instance of the `module` block at `at` calls, evaluated with its
/// inputs (cached per instance).
pub(crate) fn child<'r>(
    parent: &Module<'r>,
    at: At,
    b: &Block,
    inst: &Instance,
) -> Result<Rc<Module<'r>>, Problem> {
    let name = super::module::label(b, 0).unwrap_or_default();
    let key = format!(
        "{name}#{}",
        inst.key
            .as_ref()
            .map(|k| k.to_json().to_string())
            .unwrap_or_default()
    );
    if let Some(c) = parent.children.borrow().get(&key) {
        return Ok(c.clone());
    }
    let src_attr = b.body.get_attribute("source");
    let at_span = src_attr
        .map(|a| span_of(&a.value))
        .unwrap_or_else(|| span_of(b));
    let problem = |code: &'static str, message: String| Problem {
        code,
        message,
        span: at_span,
    };
    let source = match src_attr.map(|a| parent.eval_in(at.0, &a.value, &[])) {
        Some(Val::Str(s)) => s,
        _ => {
            return Err(problem(
                "AKS900",
                format!("not checked: module not visible: module '{name}' has no literal source"),
            ))
        }
    };
    let module_key = if parent.key.is_empty() {
        name.to_string()
    } else {
        format!("{}.{name}", parent.key)
    };
    let shared = parent.shared.clone();
    let local = source.starts_with("./") || source.starts_with("../");
    // A registry or git module is read where `terraform init` installed it.
    let installed = shared.installed.get(&module_key).cloned();
    if !local && installed.is_none() {
        return Err(problem(
            "AKS900",
            format!(
                "not checked: module not visible: '{source}' is a registry or remote module \
                 and no .terraform/modules/modules.json names it (run terraform init before \
                 the scan, or scan the module's source)"
            ),
        ));
    }
    if parent.depth + 1 > shared.limits.depth {
        return Err(problem(
            "AKS901",
            format!(
                "module '{name}': modules nest deeper than {}",
                shared.limits.depth
            ),
        ));
    }
    if shared.modules.get() >= shared.limits.modules {
        return Err(problem(
            "AKS901",
            format!(
                "module '{name}': more than {} modules in one configuration",
                shared.limits.modules
            ),
        ));
    }
    shared.modules.set(shared.modules.get() + 1);
    let Some(dir) = installed.or_else(|| join(&parent.dir, &source)) else {
        return Err(problem(
            "AKS900",
            format!("not checked: module not visible: '{source}' leaves the scanned folder"),
        ));
    };
    let (files, _) = read_dir(shared.files, &dir, None, None).unwrap_or_default();
    if files.is_empty() {
        return Err(problem(
            "AKS900",
            format!("not checked: module not visible: '{source}' has no .tf file aksgate can read"),
        ));
    }
    let mut inputs = HashMap::new();
    for a in b.body.attributes() {
        let k = a.key.value().as_str();
        if !META.contains(&k) {
            inputs.insert(k.to_string(), parent.eval_in(at.0, &a.value, &inst.scope));
        }
    }
    let mut child = Module::new(
        dir,
        files,
        shared,
        Some(inputs),
        Default::default(),
        Some(parent.major),
        parent.depth + 1,
    );
    child.key = module_key;
    let child = Rc::new(child);
    parent.children.borrow_mut().insert(key, child.clone());
    Ok(child)
}

#[cfg(test)]
mod tests {
    #[test]
    fn module_paths_stay_inside_the_root() {
        assert_eq!(
            super::join("a/b", "./modules/aks").as_deref(),
            Some("a/b/modules/aks")
        );
        assert_eq!(super::join("a/b", "../c").as_deref(), Some("a/c"));
        assert_eq!(super::join("", "./m").as_deref(), Some("m"));
        assert_eq!(super::join("a", "../../x"), None);
    }
}
