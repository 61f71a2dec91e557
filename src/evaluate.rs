//! Turns policy results into typed findings: checks each result object against the
//! contract, resolves its `resource` + `path` to a source site, and attaches provenance.

use crate::engine::{Policies, PolicyError, RawResult};
use crate::finding::{Finding, Label, Severity};
use crate::resolve::tree::{RNode, RValue, Step};
use crate::resolve::Unit;
use crate::source::Site;
use crate::text::Text;
use serde_json::Value;

/// Parses a result `path`: an array of keys and indexes, or a dotted string
/// (`properties.agentPoolProfiles[0].vnetSubnetID` or `properties.agentPoolProfiles.0`).
pub fn parse_path(v: &Value) -> Option<Vec<Step>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Some(Step::Key(s.clone())),
                Value::Number(n) => n.as_u64().map(|n| Step::Index(n as usize)),
                _ => None,
            })
            .collect(),
        Value::String(s) if s.is_empty() => Some(Vec::new()),
        Value::String(s) => {
            let mut steps = Vec::new();
            for part in s.split('.') {
                let (key, rest) = match part.find('[') {
                    Some(i) => (&part[..i], &part[i..]),
                    None => (part, ""),
                };
                if !key.is_empty() {
                    match key.parse::<usize>() {
                        Ok(i) => steps.push(Step::Index(i)),
                        Err(_) => steps.push(Step::Key(key.to_string())),
                    }
                }
                for idx in rest.split('[').filter(|x| !x.is_empty()) {
                    steps.push(Step::Index(idx.trim_end_matches(']').parse().ok()?));
                }
            }
            Some(steps)
        }
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// Where a `{resource, path}` location points, with the provenance of the value there.
pub struct Located {
    pub site: Site,
    pub found: bool,
    pub via: Vec<Label>,
    pub value: Option<String>,
}

/// A location is `{"resource": ref, "path": ...}` (a resource of the input) or
/// `{"baseline": ref, "path": ...}` (a resource's `baseline`: the site is in the base
/// revision's file or in the export).
pub fn locate(unit: &Unit, loc: &Value) -> Option<Located> {
    let root = match (loc.get("resource"), loc.get("baseline")) {
        (Some(r), _) => &unit.resources.get(r.as_u64()? as usize)?.node,
        (None, Some(b)) => &unit.baselines.get(b.as_u64()? as usize)?.base.node,
        (None, None) => return None,
    };
    let path = parse_path(loc.get("path").unwrap_or(&Value::Null))?;
    let (node, member, found) = root.locate(&path);
    if found {
        // An object or array is shown by its key (or opening bracket), not its whole
        // multi-line extent.
        let site = match (&node.value, member.and_then(|m| m.key_site)) {
            (RValue::Object(_) | RValue::Array(_), Some(k)) if k.file == node.site.file => k,
            (RValue::Object(_) | RValue::Array(_), _) => Site {
                file: node.site.file,
                start: node.site.start,
                end: (node.site.start + 1).min(node.site.end),
            },
            _ => node.site,
        };
        return Some(Located {
            site,
            found,
            via: node
                .via
                .iter()
                .map(|o| Label {
                    site: o.site,
                    message: o.label.as_str().into(),
                })
                .collect(),
            value: short_value(node),
        });
    }
    // Missing property: point at the key of the nearest existing parent when it is an
    // object member (`locate` returns no member after an array index), else at the
    // opening brace of the parent object.
    let site = match member.and_then(|m| m.key_site) {
        Some(k) => k,
        None => Site {
            file: node.site.file,
            start: node.site.start,
            end: node.site.start + 1,
        },
    };
    Some(Located {
        site,
        found: false,
        via: Vec::new(),
        value: None,
    })
}

fn short_value(n: &RNode) -> Option<String> {
    match &n.value {
        RValue::Str(s) => Some(s.clone()),
        RValue::Bool(b) => Some(b.to_string()),
        RValue::Int(i) => Some(i.to_string()),
        RValue::Unknown(u) => Some(format!("{} (unknown)", u.expr)),
        _ => None,
    }
}

/// Converts the raw results of one unit into findings.
pub fn findings(
    unit: &Unit,
    raw: Vec<RawResult>,
    policies: &Policies,
    context: Option<&Text>,
) -> Result<Vec<Finding>, PolicyError> {
    Ok(findings_with_refs(unit, raw, policies, context)?
        .into_iter()
        .map(|(_, f)| f)
        .collect())
}

/// [`findings`], each with the `ref` of the resource its result named (the index in
/// `unit.resources`), for reports that attribute findings to resources (`audit`).
pub fn findings_with_refs(
    unit: &Unit,
    raw: Vec<RawResult>,
    policies: &Policies,
    context: Option<&Text>,
) -> Result<Vec<(Option<usize>, Finding)>, PolicyError> {
    let mut out = Vec::new();
    for r in raw {
        let bad = |message: String| PolicyError::Contract {
            package: r.package.clone(),
            message,
        };
        let obj = r.value.as_object().ok_or_else(|| {
            bad(format!(
                "a `{}` result must be an object, found {}",
                r.set, r.value
            ))
        })?;
        let rule_id = obj
            .get("rule")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("result has no string `rule`: {}", r.value)))?;
        let msg = obj
            .get("msg")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("result has no string `msg`: {}", r.value)))?;
        let meta = policies.rule(rule_id).ok_or_else(|| {
            bad(format!(
                "result names rule {rule_id}, which no package declares in `metadata`"
            ))
        })?;
        let loc = locate(unit, &r.value).ok_or_else(|| {
            bad(format!(
                "result for {rule_id} has no valid location: `resource` must be a resource `ref` of the input and `path` an array or dotted string (got resource={}, path={})",
                obj.get("resource").unwrap_or(&Value::Null),
                obj.get("path").unwrap_or(&Value::Null)
            ))
        })?;
        let severity = match obj.get("severity").and_then(Value::as_str) {
            Some(s) => Severity::parse(s).ok_or_else(|| bad(format!("unknown severity `{s}`")))?,
            None if r.set == "warn" => Severity::Warning.min(meta.severity),
            None => meta.severity,
        };
        let mut related = Vec::new();
        for rel in obj
            .get("related")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let l = locate(unit, rel)
                .ok_or_else(|| bad(format!("related location is not valid: {rel}")))?;
            related.push(Label {
                site: l.site,
                message: policies
                    .shared_text(rel.get("msg").and_then(Value::as_str).unwrap_or("related")),
            });
        }
        // Provenance: where the value came from when that is not where it is used.
        related.extend(loc.via);
        let primary_label = match (loc.found, &loc.value) {
            (true, Some(v)) => Text::from(v.as_str()),
            (true, None) => policies.shared_text("here"),
            (false, _) => policies.shared_text("missing in this object"),
        };
        let res_ref = obj
            .get("resource")
            .and_then(Value::as_u64)
            .map(|r| r as usize)
            .filter(|r| *r < unit.resources.len());
        let res = res_ref.map(|r| &unit.resources[r]);
        let mut notes = Vec::new();
        if let Some(a) = related
            .iter()
            .find(|l| l.message.starts_with(crate::network::ASSUMED))
        {
            notes.push(a.message.to_string());
        }
        if let Some(r) = res {
            // The value is written outside the resource (a parameter, a variable, a
            // parent's module parameters): two resources can share that place, and each
            // finding names its own, so none is merged with another's.
            let inside = r.site.file == loc.site.file
                && r.site.start <= loc.site.start
                && loc.site.end <= r.site.end;
            if !inside {
                let short = r.ty.rsplit('/').next().unwrap_or(&r.ty);
                let name = match &r.name.value {
                    crate::resolve::tree::RValue::Str(n) => n.clone(),
                    crate::resolve::tree::RValue::Unknown(u) => u.expr.clone(),
                    _ => "(no name)".into(),
                };
                let what = if short.eq_ignore_ascii_case("managedClusters") {
                    "cluster".to_string()
                } else {
                    short.to_string()
                };
                notes.push(format!("{what} {name}"));
            }
            match &r.copy {
                Some((name, Some(i))) => notes.push(format!("copy loop '{name}' instance {i}")),
                Some((name, None)) => notes.push(format!(
                    "copy loop '{name}', every instance (count unknown)"
                )),
                None => {}
            }
            if let Some(c) = &r.condition {
                notes.push(format!("if its condition {c} holds"));
            }
        }
        let message = if notes.is_empty() {
            msg.to_string()
        } else {
            format!("{msg} ({})", notes.join("; "))
        };
        // A resource that exists only if a condition aksgate cannot evaluate holds
        // (its own or an enclosing deployment's): what a rule finds on it cannot fail
        // the gate as certain. It is AKS900 about that rule, which `--strict` fails.
        let conditional = res.is_some_and(|r| r.condition.is_some())
            && !meta.id.starts_with("AKS9")
            && severity != Severity::Note;
        let (meta, severity, about, message) = match policies.rule("AKS900").filter(|_| conditional)
        {
            Some(unverifiable) => (
                unverifiable,
                unverifiable.severity,
                Some(meta.id.clone()),
                format!("{} cannot decide: {message}", meta.id),
            ),
            None => (
                meta,
                severity,
                obj.get("about")
                    .and_then(Value::as_str)
                    .map(|a| policies.shared_text(a)),
                message,
            ),
        };
        out.push((
            res_ref,
            Finding {
                rule: meta.id.clone(),
                slug: meta.slug.clone(),
                severity,
                message: message.into(),
                primary: loc.site,
                primary_label,
                related,
                help: obj
                    .get("help")
                    .and_then(Value::as_str)
                    .map(|h| policies.shared_text(h)),
                docs: meta.docs.clone(),
                about,
                context: context.cloned(),
                suppression: None,
                resource: res.map(|r| r.site),
                places: Vec::new(),
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_in_both_spellings() {
        let want = vec![
            Step::Key("properties".into()),
            Step::Key("agentPoolProfiles".into()),
            Step::Index(0),
            Step::Key("vnetSubnetID".into()),
        ];
        assert_eq!(
            parse_path(&json!([
                "properties",
                "agentPoolProfiles",
                0,
                "vnetSubnetID"
            ])),
            Some(want.clone())
        );
        assert_eq!(
            parse_path(&json!("properties.agentPoolProfiles[0].vnetSubnetID")),
            Some(want.clone())
        );
        assert_eq!(
            parse_path(&json!("properties.agentPoolProfiles.0.vnetSubnetID")),
            Some(want)
        );
        assert_eq!(parse_path(&json!([true])), None);
    }
}
