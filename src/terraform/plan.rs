//! Terraform plans (`terraform show -json`): the planned values are what will be
//! deployed. A plan is turned into the Terraform module its planned resources amount
//! to, one literal `resource` block per planned instance, and that module goes through
//! the same mapping as a `.tf` file (one mapping table, one set of provider defaults).
//! Every value written is recorded with the span of the plan value it came from, so
//! the lowered template's spans point into the plan file, not into the generated text.
//!
//! What the plan leaves unknown (`after_unknown`) stays unknown; when the plan's
//! `configuration` says the value is a reference to another planned resource
//! (`azurerm_subnet.aks.id`), the reference is written instead, so the network index can
//! still follow a subnet that is created in the same plan.

use super::generated::{remap, Gen};
use super::{lower_with, Files, Lowered, Problem, LIMITS};
use crate::json::{self, Node, Span, Value};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The function the generated module calls for a value only known after apply; it
/// evaluates to an unknown naming the plan address (`funcs.rs`).
pub(crate) const AFTER_APPLY: &str = "aksgate_after_apply";

/// Whether a JSON document is a plan: `format_version` with planned values or
/// resource changes at its top level (read from a skim: only the keys are needed).
pub fn is_plan(root: &Node) -> bool {
    let Some(members) = root.as_object() else {
        return false;
    };
    let has = |k: &str| members.iter().any(|m| m.key == k);
    has("format_version") && (has("planned_values") || has("resource_changes"))
}

/// One planned resource instance.
struct Planned<'a> {
    /// The module instance it is in (`""`, `module.a`, `module.a["x"].module.b`).
    module: String,
    address: &'a str,
    ty: &'a str,
    name: &'a str,
    index: Option<&'a Node>,
    values: Option<&'a Node>,
    /// The planned resource object, for spans of what has no value of its own.
    node: &'a Node,
}

/// Lowers a plan document (`text` its JSON, `rel` its path) to an ARM template whose
/// spans point into the plan.
pub fn lower_plan(doc: &json::Document, rel: &str) -> Result<Lowered, Problem> {
    let root = &doc.root;
    let version = root.get("format_version").and_then(Node::as_str);
    if version.is_none_or(|v| v.split('.').next() != Some("1")) {
        return Err(Problem {
            code: "AKS901",
            message: format!(
                "not supported: Terraform plan format_version {} (aksgate reads 1.x)",
                version.unwrap_or("(none)")
            ),
            span: root.get("format_version").map_or(root.span, |n| n.span),
        });
    }
    let mut planned = Vec::new();
    if let Some(m) = root
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        collect(m, &mut planned, 0);
    }
    let unknown = after_unknown(root);
    let config = Config::of(root);
    let provider = root
        .get("configuration")
        .and_then(|c| c.get("provider_config"))
        .and_then(|p| p.get("azurerm"))
        .and_then(|a| a.get("version_constraint"))
        .and_then(Node::as_str);
    let mut lowered = lower_side(&planned, &unknown, &config, provider, rel, root.span)?;
    // The prior state of what the plan updates in place is its baseline (a replaced
    // resource is a new one: changing it is not a migration).
    let before = updated_before(root);
    if !before.is_empty() {
        let none = Config {
            resources: HashMap::new(),
        };
        if let Ok(prior) = lower_side(&before, &HashMap::new(), &none, provider, rel, root.span) {
            lowered.doc.prior = Some(Box::new(prior.doc.root));
        }
    }
    Ok(lowered)
}

/// Generates the module of `planned` and lowers it, its spans pointing into the plan.
fn lower_side(
    planned: &[Planned],
    unknown: &HashMap<&str, &Node>,
    config: &Config,
    provider: Option<&str>,
    rel: &str,
    whole: Span,
) -> Result<Lowered, Problem> {
    let mut g = Gen::default();
    // Nothing generated starts at 0, where the template's own keys are placed.
    g.text.push('\n');
    if let Some(c) = provider {
        g.text
            .push_str("terraform {\n  required_providers {\n    azurerm = { version = ");
        g.string(c);
        g.text.push_str(" }\n  }\n}\n");
    }
    let labels = Labels::of(planned);
    for (i, p) in planned.iter().enumerate() {
        let exprs = config.expressions(&p.module, p.ty, p.name);
        let start = g.text.len();
        let _ = writeln!(g.text, "resource \"{}\" \"{}\" {{", p.ty, labels.label[i]);
        let cx = Site {
            p,
            labels: &labels,
            planned,
        };
        g.body(
            &cx,
            p.values,
            unknown.get(p.address).copied(),
            exprs,
            p.address,
            1,
        );
        g.text.push_str("}\n");
        g.record(start, p.node.span);
    }
    g.finish();
    let synthetic = format!("{rel}.tf");
    let mut lowered =
        lower_with(&g.text, &synthetic, &NoOther, None, LIMITS).map_err(|p| Problem {
            span: g.map(p.span, whole),
            ..p
        })?;
    remap(&mut lowered.doc.root, &g, whole);
    lowered.doc.comments = Vec::new();
    for p in &mut lowered.problems {
        p.span = g.map(p.span, whole);
    }
    Ok(lowered)
}

/// The resources the plan updates in place, as they were (`change.before`).
fn updated_before(root: &Node) -> Vec<Planned<'_>> {
    let mut out = Vec::new();
    for c in root
        .get("resource_changes")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        let change = c.get("change");
        let actions: Vec<&str> = change
            .and_then(|ch| ch.get("actions"))
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        if actions != ["update"] || c.get("mode").and_then(Node::as_str) != Some("managed") {
            continue;
        }
        let (Some(address), Some(ty), Some(name), Some(before)) = (
            c.get("address").and_then(Node::as_str),
            c.get("type").and_then(Node::as_str),
            c.get("name").and_then(Node::as_str),
            change.and_then(|ch| ch.get("before")),
        ) else {
            continue;
        };
        if !ident(ty) || !ident(name) || before.as_object().is_none() {
            continue;
        }
        out.push(Planned {
            module: c
                .get("module_address")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string(),
            address,
            ty,
            name,
            index: c.get("index"),
            values: Some(before),
            node: c,
        });
    }
    out
}

/// The generated module has no other files.
struct NoOther;

impl Files for NoOther {
    fn dir(&self, _dir: &str) -> Result<Vec<(String, String)>, String> {
        Ok(Vec::new())
    }
}

/// Planned resources of a module and its child modules, in plan order.
fn collect<'a>(m: &'a Node, out: &mut Vec<Planned<'a>>, depth: usize) {
    if depth > super::LIMITS.depth {
        return;
    }
    let module = m.get("address").and_then(Node::as_str).unwrap_or("");
    for r in m
        .get("resources")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        if r.get("mode").and_then(Node::as_str) != Some("managed") {
            continue;
        }
        let (Some(address), Some(ty), Some(name)) = (
            r.get("address").and_then(Node::as_str),
            r.get("type").and_then(Node::as_str),
            r.get("name").and_then(Node::as_str),
        ) else {
            continue;
        };
        if !ident(ty) || !ident(name) {
            continue;
        }
        out.push(Planned {
            module: module.to_string(),
            address,
            ty,
            name,
            index: r.get("index"),
            values: r.get("values"),
            node: r,
        });
    }
    for c in m
        .get("child_modules")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        collect(c, out, depth + 1);
    }
}

/// Each resource change's `after_unknown`, by address (deleted resources have none in
/// the planned values and are left out there already).
fn after_unknown(root: &Node) -> HashMap<&str, &Node> {
    let mut out = HashMap::new();
    for c in root
        .get("resource_changes")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        if let (Some(a), Some(u)) = (
            c.get("address").and_then(Node::as_str),
            c.get("change").and_then(|c| c.get("after_unknown")),
        ) {
            out.insert(a, u);
        }
    }
    out
}

/// A Terraform identifier (resource types, names and attribute names the generated
/// module may use; anything else in a plan is left out).
fn ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic())
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == '-')
}

/// The module instance path without instance keys: the configuration's module path.
fn config_path(module: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for ch in module.chars() {
        match ch {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
    }
    out
}

/// The plan's `configuration`: each resource's expressions, by (module path, type, name).
struct Config<'a> {
    resources: HashMap<(String, &'a str, &'a str), &'a Node>,
}

impl<'a> Config<'a> {
    fn of(root: &'a Node) -> Config<'a> {
        let mut c = Config {
            resources: HashMap::new(),
        };
        if let Some(m) = root.get("configuration").and_then(|c| c.get("root_module")) {
            c.add(m, String::new(), 0);
        }
        c
    }

    fn add(&mut self, m: &'a Node, path: String, depth: usize) {
        if depth > super::LIMITS.depth {
            return;
        }
        for r in m
            .get("resources")
            .and_then(Node::as_array)
            .unwrap_or_default()
        {
            if let (Some(ty), Some(name), Some(e)) = (
                r.get("type").and_then(Node::as_str),
                r.get("name").and_then(Node::as_str),
                r.get("expressions"),
            ) {
                self.resources.insert((path.clone(), ty, name), e);
            }
        }
        for call in m
            .get("module_calls")
            .and_then(Node::as_object)
            .unwrap_or_default()
        {
            if let Some(inner) = call.value.get("module") {
                let p = if path.is_empty() {
                    format!("module.{}", call.key)
                } else {
                    format!("{path}.module.{}", call.key)
                };
                self.add(inner, p, depth + 1);
            }
        }
    }

    fn expressions(&self, module: &str, ty: &str, name: &str) -> Option<&'a Node> {
        self.resources
            .get(&(config_path(module), ty, name))
            .copied()
    }
}

/// The generated block labels: `name`, or `name__<n>` for an instance of a `count`
/// or `for_each` (and whatever else would collide), unique in the module.
struct Labels {
    label: Vec<String>,
}

impl Labels {
    fn of(planned: &[Planned]) -> Labels {
        let mut seen: HashMap<(&str, String), usize> = HashMap::new();
        let mut label = Vec::new();
        for p in planned {
            let mut base = p.name.to_string();
            if !p.module.is_empty() || p.index.is_some() {
                base = format!("{}__{}", p.name, label.len());
            }
            let n = seen.entry((p.ty, base.clone())).or_insert(0);
            *n += 1;
            if *n > 1 {
                base = format!("{base}__{}", label.len());
            }
            label.push(base);
        }
        Labels { label }
    }
}

/// What a reference in one resource's configuration can point at.
struct Site<'a, 'p> {
    p: &'a Planned<'p>,
    labels: &'a Labels,
    planned: &'a [Planned<'p>],
}

impl Site<'_, '_> {
    /// The generated reference for a configuration reference such as
    /// `azurerm_subnet.aks.id` or `azurerm_subnet.aks[0].id`, when it names one planned
    /// instance in the same module instance.
    fn reference(&self, r: &str) -> Option<String> {
        let mut parts = r.splitn(3, '.');
        let ty = parts.next()?;
        let rest = parts.next()?;
        let attr = parts.next()?;
        if ty == "data" || ty == "var" || ty == "local" || ty == "module" {
            return None;
        }
        let (name, key) = match rest.split_once('[') {
            Some((n, k)) => (n, Some(k.trim_end_matches(']'))),
            None => (rest, None),
        };
        if !attr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let mut hits = self.planned.iter().enumerate().filter(|(_, q)| {
            q.module == self.p.module
                && q.ty == ty
                && q.name == name
                && match (key, q.index) {
                    (None, None) => true,
                    (Some(k), Some(i)) => match &i.value {
                        Value::Number(json::Number::Int(n)) => k == n.to_string(),
                        Value::String(s) => k.trim_matches('"') == s,
                        _ => false,
                    },
                    _ => false,
                }
        });
        let (i, q) = hits.next()?;
        if hits.next().is_some() {
            return None;
        }
        Some(format!("{}.{}.{attr}", q.ty, self.labels.label[i]))
    }
}

impl Gen {
    /// The attributes and nested blocks of an object of values. `unknown` is the
    /// matching part of `after_unknown`, `exprs` of the configuration's expressions.
    fn body(
        &mut self,
        cx: &Site,
        values: Option<&Node>,
        unknown: Option<&Node>,
        exprs: Option<&Node>,
        path: &str,
        level: usize,
    ) {
        let mut keys: Vec<(&str, Span)> = Vec::new();
        for m in values.and_then(Node::as_object).unwrap_or_default() {
            keys.push((&m.key, m.key_span));
        }
        for m in unknown.and_then(Node::as_object).unwrap_or_default() {
            if !keys.iter().any(|(k, _)| *k == m.key) {
                keys.push((&m.key, m.key_span));
            }
        }
        for (key, key_span) in keys {
            if !ident(key) {
                continue;
            }
            let v = values.and_then(|v| v.get(key));
            let u = unknown.and_then(|u| u.get(key));
            let e = exprs.and_then(|e| e.get(key));
            let here = format!("{path}.{key}");
            if u.and_then(Node::as_bool) == Some(true) {
                self.indent(level);
                let _ = write!(self.text, "{key} = ");
                self.unknown_value(cx, e, &here, u.map_or(key_span, |u| u.span));
                self.text.push('\n');
                continue;
            }
            let Some(v) = v else { continue };
            if v.is_null() {
                continue;
            }
            // A non-empty list of objects is a list of nested blocks (the provider's
            // schema writes blocks so in a plan).
            if let Some(items) = v
                .as_array()
                .filter(|a| !a.is_empty() && a.iter().all(|i| i.as_object().is_some()))
            {
                for (j, item) in items.iter().enumerate() {
                    let start = self.text.len();
                    self.indent(level);
                    let _ = writeln!(self.text, "{key} {{");
                    self.body(
                        cx,
                        Some(item),
                        u.and_then(Node::as_array).and_then(|a| a.get(j)),
                        e.and_then(Node::as_array).and_then(|a| a.get(j)),
                        &format!("{here}[{j}]"),
                        level + 1,
                    );
                    self.indent(level);
                    self.text.push_str("}\n");
                    self.record(start, item.span);
                }
                continue;
            }
            self.indent(level);
            let _ = write!(self.text, "{key} = ");
            self.value(cx, v, u, &here);
            self.text.push('\n');
        }
    }

    /// A value only known after apply: the configuration's reference to another
    /// planned resource when it has one, otherwise an unknown naming the address.
    fn unknown_value(&mut self, cx: &Site, exprs: Option<&Node>, path: &str, span: Span) {
        let start = self.text.len();
        let reference = exprs
            .and_then(|e| e.get("references"))
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .find_map(|r| cx.reference(r));
        match reference {
            Some(r) => self.text.push_str(&r),
            None => {
                let _ = write!(self.text, "{AFTER_APPLY}(");
                self.string(path);
                self.text.push(')');
            }
        }
        self.record(start, span);
    }

    fn value(&mut self, cx: &Site, v: &Node, unknown: Option<&Node>, path: &str) {
        if unknown.and_then(Node::as_bool) == Some(true) {
            self.unknown_value(cx, None, path, unknown.map_or(v.span, |u| u.span));
            return;
        }
        let start = self.text.len();
        match &v.value {
            Value::Null => self.text.push_str("null"),
            Value::Bool(b) => self.text.push_str(if *b { "true" } else { "false" }),
            Value::Number(json::Number::Int(i)) => {
                let _ = write!(self.text, "{i}");
            }
            Value::Number(json::Number::Float(f)) if f.is_finite() => {
                let _ = write!(self.text, "{f:?}");
            }
            Value::Number(_) => self.text.push_str("null"),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.text.push('[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        self.text.push_str(", ");
                    }
                    let u = unknown.and_then(Node::as_array).and_then(|a| a.get(j));
                    self.value(cx, item, u, &format!("{path}[{j}]"));
                }
                self.text.push(']');
            }
            Value::Object(members) => {
                self.text.push_str("{\n");
                for m in members {
                    self.string(&m.key);
                    self.text.push_str(" = ");
                    let u = unknown.and_then(|u| u.get(&m.key));
                    self.value(cx, &m.value, u, &format!("{path}.{}", m.key));
                    self.text.push('\n');
                }
                self.text.push('}');
            }
        }
        self.record(start, v.span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(values: &str, unknown: &str) -> String {
        format!(
            r#"{{"format_version": "1.2",
  "planned_values": {{"root_module": {{"resources": [
    {{"address": "azurerm_public_ip.p", "mode": "managed", "type": "azurerm_public_ip", "name": "p",
      "values": {values}}}]}}}},
  "resource_changes": [{{"address": "azurerm_public_ip.p", "change": {{"actions": ["create"], "after_unknown": {unknown}}}}}]}}"#
        )
    }

    fn lowered(text: &str) -> Lowered {
        let doc = json::parse(text).unwrap();
        lower_plan(&doc, "tfplan.json").unwrap_or_else(|p| panic!("{}", p.message))
    }

    /// Any string of a plan comes through the generated module exactly: quotes,
    /// escapes, template sequences and control characters are literal.
    #[test]
    fn strings_come_through_exactly_and_point_at_the_plan() {
        let hostile = r#"a\"b\\c ${x} %{if} $${y} \n\t\u0001 \u202e ü"#;
        let text = plan(
            &format!(r#"{{"name": "{hostile}", "sku": "Standard"}}"#),
            "{}",
        );
        let l = lowered(&text);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let r = &l.doc.root.get("resources").unwrap().as_array().unwrap()[0];
        let name = r.get("name").unwrap();
        let want: serde_json::Value = serde_json::from_str(&format!("\"{hostile}\"")).unwrap();
        assert_eq!(name.as_str(), want.as_str());
        // The span is the plan's string, quotes included.
        assert_eq!(
            &text[name.span.start..name.span.end],
            format!("\"{hostile}\"")
        );
    }

    #[test]
    fn after_unknown_values_are_unknown_with_the_address() {
        let text = plan(r#"{"name": "pip"}"#, r#"{"sku": true}"#);
        let l = lowered(&text);
        let r = &l.doc.root.get("resources").unwrap().as_array().unwrap()[0];
        let sku = r.get("sku").and_then(|s| s.get("name")).unwrap();
        let s = sku.as_str().unwrap();
        assert!(s.contains("azurerm_public_ip.p.sku"), "{s}");
        // At the plan's `"sku": true`.
        assert!(text[sku.span.start..sku.span.end].contains("true"));
    }

    #[test]
    fn keys_that_are_not_identifiers_are_left_out_not_injected() {
        let text = plan(
            r#"{"name": "pip", "x = 1\nresource \"azurerm_public_ip\" \"q\" { name = \"evil\" }\n#": 1}"#,
            "{}",
        );
        let l = lowered(&text);
        let rs = l.doc.root.get("resources").unwrap().as_array().unwrap();
        assert_eq!(rs.len(), 1);
    }
}
