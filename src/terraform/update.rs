//! `azapi_update_resource`: a PATCH of a resource that something else creates. Its
//! `body` is merged into the resource it names (`resource_id`, or `parent_id` and
//! `name` with its `type`) when the module maps that resource, as Azure merges it: an
//! object member by member, anything else replaced; the merged values point at the
//! update's lines. An update of a resource the module does not map is AKS900: what
//! the resource ends up as cannot be known from the scan.

use super::blocks::BlockInst;
use super::emit::{node, spans_from};
use super::ids::names_in;
use super::map::Ctx;
use super::module::{label, span_of, Module};
use super::Problem;
use crate::arm::value::Val;
use crate::json::{Node, Span, Value};

/// One instance of an `azapi_update_resource` of the module.
pub(crate) struct Update {
    /// The file of the module it is declared in.
    pub file: usize,
    pub span: Span,
    /// ARM type and names of the resource it updates; `None`: not known.
    pub target: Option<(String, Vec<String>)>,
    /// Its body as the members to merge (`None`: no body, or not an object).
    pub body: Option<Node>,
}

/// Every update the module's files declare, each instance evaluated.
pub(crate) fn updates(m: &Module) -> Vec<Update> {
    let mut out = Vec::new();
    for (fi, f) in m.files.iter().enumerate() {
        let Some(body) = &f.body else { continue };
        for (si, st) in body.iter().enumerate() {
            let Some(b) = st.as_block() else { continue };
            if b.ident.value().as_str() != "resource"
                || label(b, 0) != Some("azapi_update_resource")
            {
                continue;
            }
            let cx = Ctx { m, fi, over: None };
            for inst in m.instances((fi, si)).unwrap_or_default() {
                let bi = BlockInst {
                    body: &b.body,
                    scope: inst.scope,
                    span: span_of(b),
                };
                out.push(Update {
                    file: fi,
                    span: span_of(b),
                    target: target(&cx, &bi),
                    body: body_of(&cx, &bi),
                });
            }
        }
    }
    out
}

/// The ARM type and names of the resource an update names.
fn target(cx: &Ctx, b: &BlockInst) -> Option<(String, Vec<String>)> {
    let (Val::Str(full), _) = cx.attr(b, "type")? else {
        return None;
    };
    let ty = full.split_once('@').map_or(full.as_str(), |(t, _)| t);
    let names = match cx.attr(b, "resource_id") {
        Some((Val::Str(id), _)) => names_in(&id),
        Some(_) => return None,
        None => {
            let (Val::Str(parent), _) = cx.attr(b, "parent_id")? else {
                return None;
            };
            let (Val::Str(name), _) = cx.attr(b, "name")? else {
                return None;
            };
            let mut names = names_in(&parent);
            let depth = ty.split('/').count().saturating_sub(2);
            names = names.split_off(names.len().saturating_sub(depth));
            names.push(name);
            names
        }
    };
    (names.len() + 1 == ty.split('/').count()).then(|| (ty.to_string(), names))
}

/// The body, an object written in HCL or as a JSON string, with the spans it was
/// written at.
fn body_of(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let (v, s) = cx.attr(b, "body")?;
    let v = match v {
        Val::Str(text) => Val::from_json(&serde_json::from_str(&text).ok()?),
        other => other,
    };
    if !matches!(v, Val::Object(_)) {
        return None;
    }
    let mut n = node(&v, s);
    if let Some(a) = b.body.get_attribute("body") {
        spans_from(&mut n, &a.value);
    }
    Some(n)
}

/// Whether resource node `r` is the one `target` names.
fn names(r: &Node, target: &(String, Vec<String>)) -> bool {
    let ty = r.get("type").and_then(Node::as_str).unwrap_or_default();
    let name = r.get("name").and_then(Node::as_str).unwrap_or_default();
    ty.eq_ignore_ascii_case(&target.0) && name.eq_ignore_ascii_case(&target.1.join("/"))
}

/// Merges the updates into the resources they name among `resources` (those of the
/// file lowered); reports each update declared in file `fi` whose resource is not among
/// `module_resources` (every resource the module maps).
pub(crate) fn apply(
    updates: &[Update],
    fi: usize,
    resources: &mut [Node],
    module_resources: &dyn Fn() -> Vec<Node>,
    problems: &mut Vec<Problem>,
) {
    let mut everything: Option<Vec<Node>> = None;
    for u in updates {
        let found = match &u.target {
            Some(t) => resources.iter_mut().find(|r| names(r, t)),
            None => None,
        };
        if let Some(r) = found {
            if let Some(body) = &u.body {
                merge(r, body);
            }
            continue;
        }
        if u.file != fi {
            continue;
        }
        let elsewhere = u.target.as_ref().is_some_and(|t| {
            everything
                .get_or_insert_with(module_resources)
                .iter()
                .any(|r| names(r, t))
        });
        if !elsewhere {
            problems.push(not_created(u, u.span));
        }
    }
}

/// The updates of a child module, all of whose resources are in `resources` (emitted
/// at the module call's span `at`): merged where they name one, with their values at
/// `at` too; AKS900 at `at` where they name none.
pub(crate) fn apply_within(
    updates: &[Update],
    at: Span,
    resources: &mut [Node],
    problems: &mut Vec<Problem>,
) {
    for u in updates {
        let found = match &u.target {
            Some(t) => resources.iter_mut().find(|r| names(r, t)),
            None => None,
        };
        match (found, &u.body) {
            (Some(r), Some(body)) => {
                let mut body = body.clone();
                crate::bicep::lower::respan(&mut body, at);
                merge(r, &body);
            }
            (Some(_), None) => {}
            (None, _) => problems.push(not_created(u, at)),
        }
    }
}

/// AKS900: an update of a resource the module does not create.
fn not_created(u: &Update, at: Span) -> Problem {
    let what = match &u.target {
        Some((ty, names)) => format!("{ty} '{}'", names.join("/")),
        None => "a resource whose id is not known before apply".into(),
    };
    Problem {
        code: "AKS900",
        message: format!(
            "not checked: azapi_update_resource changes {what}, which this module does not create: what it becomes is not in the scan"
        ),
        span: at,
    }
}

/// Azure's merge of a PATCH body: objects member by member, the rest replaced.
fn merge(into: &mut Node, patch: &Node) {
    match (&mut into.value, &patch.value) {
        (Value::Object(members), Value::Object(changes)) => {
            for c in changes {
                match members.iter_mut().find(|m| m.key == c.key) {
                    Some(m) => merge(&mut m.value, &c.value),
                    None => members.push(c.clone()),
                }
            }
        }
        _ => *into = patch.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_merges_objects_and_replaces_the_rest() {
        let parse = |t: &str| crate::json::parse(t).unwrap().root;
        let mut r = parse(r#"{"a": {"b": 1, "c": [1, 2]}, "d": "x"}"#);
        merge(&mut r, &parse(r#"{"a": {"c": [3], "e": true}, "f": null}"#));
        assert_eq!(
            r.to_json(),
            serde_json::json!({"a": {"b": 1, "c": [3], "e": true}, "d": "x", "f": null})
        );
    }
}
