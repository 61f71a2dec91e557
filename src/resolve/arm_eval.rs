//! The ARM evaluator: resolves template values as Azure Resource Manager would, with
//! parameters (from a parameter file, a nested deployment or their defaults),
//! variables (including variable `copy`), property `copy`, copy indexes and nested
//! scopes, and records where each value came from.

use super::tree::{Origin, RMember, RNode, RValue};
use super::{Evaluator, Problem};
use crate::arm::eval::{eval_parsed, Context};
use crate::arm::expr::{as_expression, parse, unescape_literal, Expr};
use crate::arm::value::Val;
use crate::json::{Node, Value};
use crate::source::{FileId, Site};
use std::collections::HashMap;

/// Where a parameter's value is supplied from, other than its default.
#[derive(Debug, Clone)]
pub enum Supplied<'a> {
    /// A parameter file's `value`.
    File {
        file: FileId,
        value: &'a Node,
        rel: String,
        /// Written by a front end (a `.bicepparam` file, evaluated when lowered): its
        /// strings are template strings (`[[` escapes, unknowns), not plain JSON.
        lowered: bool,
    },
    /// A parameter file's Key Vault `reference`: only known at deployment time.
    KeyVault { site: Site },
    /// A nested deployment's `parameters.x.value`, already resolved in the outer scope.
    Resolved(RNode),
    /// Known only at deployment time, for `reason` (a `parametersLink`).
    Unknown { site: Site, reason: String },
}

/// A resolved parameter or variable: its plain value and its spanned tree.
#[derive(Debug, Clone)]
struct Binding {
    val: Val,
    node: RNode,
    /// What a consumer should say about where it came from.
    origin: Origin,
}

struct Scope<'a> {
    file: FileId,
    params: HashMap<String, &'a Node>,
    /// User-defined types (`definitions`, languageVersion 2.0), for `$ref`.
    definitions: Option<&'a Node>,
    /// User-defined functions (`functions`: namespaces of members).
    functions: Option<&'a Node>,
    /// The parameters as declared (their names' casing), in order.
    declared: Vec<(&'a str, &'a Node)>,
    vars: HashMap<String, VarDecl<'a>>,
    supplied: HashMap<String, Supplied<'a>>,
    param_cache: HashMap<String, Binding>,
    var_cache: HashMap<String, Binding>,
    in_progress: Vec<String>,
}

#[derive(Clone, Copy)]
enum VarDecl<'a> {
    Plain(&'a Node),
    /// An entry of the `copy` array of `variables`.
    Copy(&'a Node),
}

impl<'a> Scope<'a> {
    fn new(file: FileId, template: &'a Node, supplied: HashMap<String, Supplied<'a>>) -> Scope<'a> {
        let mut params = HashMap::new();
        let mut declared = Vec::new();
        for m in template
            .get("parameters")
            .and_then(Node::as_object)
            .unwrap_or_default()
        {
            params.insert(m.key.to_ascii_lowercase(), &m.value);
            declared.push((m.key.as_str(), &m.value));
        }
        let mut vars = HashMap::new();
        for m in template
            .get("variables")
            .and_then(Node::as_object)
            .unwrap_or_default()
        {
            if m.key.eq_ignore_ascii_case("copy") {
                for c in m.value.as_array().unwrap_or_default() {
                    if let Some(n) = c.get("name").and_then(Node::as_str) {
                        vars.insert(n.to_ascii_lowercase(), VarDecl::Copy(c));
                    }
                }
            } else {
                vars.insert(m.key.to_ascii_lowercase(), VarDecl::Plain(&m.value));
            }
        }
        Scope {
            file,
            params,
            definitions: template.get("definitions"),
            functions: template.get("functions"),
            declared,
            vars,
            supplied: supplied
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            param_cache: HashMap::new(),
            var_cache: HashMap::new(),
            in_progress: Vec::new(),
        }
    }
}

pub struct ArmEvaluator<'a> {
    scopes: Vec<Scope<'a>>,
    /// The copy loops being expanded, outermost first: name, index, and whether it is a
    /// resource's loop (`copyIndex()` without a name is the innermost of those: in a
    /// property or variable loop, ARM needs the loop's name).
    copies: Vec<(String, Option<i64>, bool)>,
    /// Provenance frames: one per template string being evaluated.
    traces: Vec<Vec<Origin>>,
    pub problems: Vec<Problem>,
    /// The weight of the values evaluation has built so far ([`super::EVAL_BUDGET`]).
    spent: usize,
    /// The template string being evaluated: where a problem in it is reported.
    at: Option<Site>,
    /// Inside a `tags` object: its names may be unknown without a problem.
    in_tags: usize,
}

impl<'a> ArmEvaluator<'a> {
    pub fn new(file: FileId, template: &'a Node, supplied: HashMap<String, Supplied<'a>>) -> Self {
        ArmEvaluator {
            scopes: vec![Scope::new(file, template, supplied)],
            copies: Vec::new(),
            traces: Vec::new(),
            problems: Vec::new(),
            spent: 0,
            at: None,
            in_tags: 0,
        }
    }

    /// Counts `weight` against the budget; `Err` once it is spent.
    fn charge(&mut self, weight: usize) -> Result<(), String> {
        self.spent = self.spent.saturating_add(weight);
        if self.spent > super::EVAL_BUDGET {
            return Err(super::budget_message());
        }
        Ok(())
    }

    fn scope(&mut self) -> &mut Scope<'a> {
        self.scopes.last_mut().expect("a scope")
    }

    /// Evaluates every parameter of the current scope and reports each value ARM would
    /// reject: outside `allowedValues`, `minLength`/`maxLength`, `minValue`/`maxValue`
    /// (of the declaration or the user-defined type it refers to). ARM validates every
    /// parameter, used or not, wherever its value comes from.
    pub fn check_parameters(&mut self) {
        let names = self.scope().declared.clone();
        for (name, decl) in names {
            let Some(b) = self.param_binding(name) else {
                continue;
            };
            let decls = self.declarations(decl);
            for d in decls {
                if let Some(message) = violation(name, d, &b.val) {
                    self.problems.push(Problem {
                        site: b.node.site,
                        message,
                    });
                    break;
                }
            }
        }
    }

    /// A declaration and the user-defined types it refers to (`$ref`), outermost first.
    fn declarations(&mut self, decl: &'a Node) -> Vec<&'a Node> {
        let defs = self.scope().definitions;
        let mut out = vec![decl];
        let mut node = decl;
        for _ in 0..8 {
            let target = node
                .get("$ref")
                .and_then(Node::as_str)
                .and_then(|r| r.strip_prefix("#/definitions/"))
                .and_then(|name| defs.and_then(|d| d.get(name)));
            match target {
                Some(t) => {
                    out.push(t);
                    node = t;
                }
                None => break,
            }
        }
        out
    }

    /// Whether a parameter declaration is nullable (languageVersion 2.0), itself or
    /// through a `$ref` to a nullable user-defined type (a few levels deep).
    fn nullable(&mut self, decl: &'a Node) -> bool {
        let defs = self.scope().definitions;
        let mut node = decl;
        for _ in 0..8 {
            if node.get("nullable").and_then(Node::as_bool) == Some(true) {
                return true;
            }
            let target = node
                .get("$ref")
                .and_then(Node::as_str)
                .and_then(|r| r.strip_prefix("#/definitions/"))
                .and_then(|name| defs.and_then(|d| d.get(name)));
            match target {
                Some(t) => node = t,
                None => return false,
            }
        }
        false
    }

    fn record(&mut self, origin: &Origin) {
        if let Some(t) = self.traces.last_mut() {
            if !t.contains(origin) {
                t.push(origin.clone());
            }
        }
    }

    fn param_binding(&mut self, name: &str) -> Option<Binding> {
        let key = name.to_ascii_lowercase();
        if let Some(b) = self.scope().param_cache.get(&key) {
            return Some(b.clone());
        }
        let decl = *self.scope().params.get(&key)?;
        let file = self.scope().file;
        let marker = format!("p:{key}");
        if self.scope().in_progress.contains(&marker) {
            let site = Site::new(file, decl.span);
            let val = Val::unknown(
                format!("[parameters('{name}')]"),
                "parameter default refers to itself",
            );
            return Some(Binding {
                node: val_node(&val, site, Vec::new()),
                val,
                origin: Origin {
                    site,
                    label: format!("parameter '{name}'"),
                },
            });
        }
        self.scope().in_progress.push(marker);
        let supplied = self.scope().supplied.get(&key).cloned();
        let b = match supplied {
            Some(Supplied::File {
                file: pf,
                value,
                rel,
                lowered,
            }) => {
                let node = if lowered {
                    self.resolve(value, pf)
                } else {
                    RNode::literal(value, pf)
                };
                let origin = Origin {
                    site: Site::new(pf, value.span),
                    label: format!("parameter '{name}' set in {rel}"),
                };
                Binding {
                    val: rnode_val(&node),
                    node,
                    origin,
                }
            }
            Some(Supplied::KeyVault { site }) => {
                let val = Val::unknown(
                    format!("[parameters('{name}')]"),
                    "a Key Vault reference, known only at deployment time",
                );
                Binding {
                    node: val_node(&val, site, Vec::new()),
                    val,
                    origin: Origin {
                        site,
                        label: format!("parameter '{name}' is a Key Vault reference"),
                    },
                }
            }
            Some(Supplied::Unknown { site, reason }) => {
                let val = Val::unknown(format!("[parameters('{name}')]"), reason);
                Binding {
                    node: val_node(&val, site, Vec::new()),
                    val,
                    origin: Origin {
                        site,
                        label: format!("parameter '{name}' comes from a parametersLink"),
                    },
                }
            }
            Some(Supplied::Resolved(node)) => Binding {
                val: rnode_val(&node),
                origin: Origin {
                    site: node.site,
                    label: format!("parameter '{name}' passed by the parent deployment"),
                },
                node,
            },
            None => {
                match decl.get("defaultValue") {
                    Some(dv) => {
                        let node = self.resolve(dv, file);
                        Binding {
                            val: rnode_val(&node),
                            origin: Origin {
                                site: Site::new(file, dv.span),
                                label: format!("default value of parameter '{name}'"),
                            },
                            node,
                        }
                    }
                    None if self.nullable(decl) => {
                        // A nullable parameter nobody sets is null, as ARM passes it.
                        let site = Site::new(file, decl.span);
                        Binding {
                            node: RNode::new(RValue::Null, site),
                            val: Val::Null,
                            origin: Origin {
                                site,
                                label: format!("parameter '{name}' is nullable and not set: null"),
                            },
                        }
                    }
                    None => {
                        let site = Site::new(file, decl.span);
                        let val = Val::unknown(
                        format!("[parameters('{name}')]"),
                        format!("parameter '{name}' has no default value and no parameter file sets it"),
                    );
                        Binding {
                            node: val_node(&val, site, Vec::new()),
                            val,
                            origin: Origin {
                                site,
                                label: format!("parameter '{name}' declared here, never set"),
                            },
                        }
                    }
                }
            }
        };
        self.scope().in_progress.pop();
        self.scope().param_cache.insert(key, b.clone());
        Some(b)
    }

    /// The value of the current scope's variable `name` (`None`: it has none). What a
    /// Bicep file importing the template's exported variables reads.
    pub fn variable(&mut self, name: &str) -> Option<Val> {
        self.var_binding(name).map(|b| b.val)
    }

    fn var_binding(&mut self, name: &str) -> Option<Binding> {
        let key = name.to_ascii_lowercase();
        if let Some(b) = self.scope().var_cache.get(&key) {
            return Some(b.clone());
        }
        let decl = *self.scope().vars.get(&key)?;
        let file = self.scope().file;
        let marker = format!("v:{key}");
        let decl_node = match decl {
            VarDecl::Plain(n) | VarDecl::Copy(n) => n,
        };
        let site = Site::new(file, decl_node.span);
        if self.scope().in_progress.contains(&marker) {
            let val = Val::unknown(
                format!("[variables('{name}')]"),
                "variable refers to itself",
            );
            return Some(Binding {
                node: val_node(&val, site, Vec::new()),
                val,
                origin: Origin {
                    site,
                    label: format!("variable '{name}'"),
                },
            });
        }
        self.scope().in_progress.push(marker);
        let node = match decl {
            VarDecl::Plain(n) => self.resolve(n, file),
            VarDecl::Copy(c) => self.copy_array(c, file, site),
        };
        self.scope().in_progress.pop();
        let b = Binding {
            val: rnode_val(&node),
            node,
            origin: Origin {
                site,
                label: format!("variable '{name}'"),
            },
        };
        self.scope().var_cache.insert(key, b.clone());
        Some(b)
    }

    /// `{"name": .., "count": .., "input": ..}`: the array ARM builds for a variable or
    /// property copy.
    fn copy_array(&mut self, spec: &'a Node, file: FileId, site: Site) -> RNode {
        let name = spec
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let Some(count_node) = spec.get("count") else {
            return RNode::new(RValue::Array(Vec::new()), site);
        };
        let count = self.resolve(count_node, file);
        let Some(input) = spec.get("input") else {
            return RNode::new(RValue::Array(Vec::new()), site);
        };
        match count.value {
            RValue::Int(n) if (0..=super::MAX_COPY).contains(&n) => {
                let mut items = Vec::with_capacity(n as usize);
                for i in 0..n {
                    if self.spent > super::EVAL_BUDGET {
                        break;
                    }
                    self.copies.push((name.clone(), Some(i), false));
                    items.push(self.resolve(input, file));
                    self.copies.pop();
                }
                RNode::new(RValue::Array(items), site)
            }
            RValue::Int(n) => {
                self.problems.push(Problem {
                    site: Site::new(file, count_node.span),
                    message: format!(
                        "copy '{name}' asks for {n} items; ARM allows 0 to {}",
                        super::MAX_COPY
                    ),
                });
                unknown_node(site, &format!("copy '{name}'"), "copy count out of range")
            }
            RValue::Unknown(u) => unknown_node(site, &u.expr, &u.reason),
            _ => unknown_node(
                site,
                &format!("copy '{name}'"),
                "copy count is not an integer",
            ),
        }
    }

    /// Evaluates one expression string (parsed), returning its value and the origins it
    /// consulted.
    /// A property name as ARM reads it: an expression (`"[format('{0}', ...)]"`, as Bicep
    /// writes `'${k}': v`) is evaluated, `[[` unescaped. A name known only at deployment
    /// time is kept as written, and the property cannot be checked: a problem, never a
    /// silent miss (`"[concat('outbound', 'Type')]"` is `outboundType`).
    fn key(&mut self, k: &str, site: Site) -> String {
        let Some(inner) = as_expression(k) else {
            return unescape_literal(k).into_owned();
        };
        let outer = self.at.replace(site);
        let (val, _) = self.eval_with_trace(k, parse(inner));
        self.at = outer;
        match val {
            Val::Str(s) => s,
            Val::Unknown(_) if self.in_tags > 0 => k.to_string(),
            Val::Unknown(u) => {
                self.problems.push(Problem {
                    site,
                    message: format!(
                        "the property name `{k}` is known only at deployment time ({}): the value under it is not checked",
                        u.reason
                    ),
                });
                k.to_string()
            }
            other => {
                self.problems.push(Problem {
                    site,
                    message: format!(
                        "the property name `{k}` is not a string ({}): ARM rejects it",
                        other.type_name()
                    ),
                });
                k.to_string()
            }
        }
    }

    fn eval_with_trace(
        &mut self,
        s: &str,
        parsed: Result<Expr, crate::arm::expr::ExprError>,
    ) -> (Val, Vec<Origin>) {
        self.traces.push(Vec::new());
        let val = {
            let mut ctx = Ctx { ev: self };
            eval_parsed(s, parsed, &mut ctx)
        };
        let trace = self.traces.pop().unwrap_or_default();
        (val, trace)
    }
}

/// The pure reference `[parameters('x')]` / `[variables('x')]`: returns (is_param, name).
fn pure_reference(e: &Expr) -> Option<(bool, String)> {
    match e {
        Expr::Call { name, args } if args.len() == 1 => {
            let Expr::Str(arg) = &args[0] else {
                return None;
            };
            if name.eq_ignore_ascii_case("parameters") {
                Some((true, arg.clone()))
            } else if name.eq_ignore_ascii_case("variables") {
                Some((false, arg.clone()))
            } else {
                None
            }
        }
        _ => None,
    }
}

impl<'a> Evaluator<'a> for ArmEvaluator<'a> {
    fn resolve(&mut self, node: &'a Node, file: FileId) -> RNode {
        let site = Site::new(file, node.span);
        match &node.value {
            Value::String(s) => {
                let Some(inner) = as_expression(s) else {
                    return RNode::new(RValue::Str(unescape_literal(s).into_owned()), site);
                };
                // Parsed once: for its shape here and for its evaluation below.
                let parsed = parse(inner);
                if let Some((is_param, name)) = parsed.as_ref().ok().and_then(pure_reference) {
                    let b = if is_param {
                        self.param_binding(&name)
                    } else {
                        self.var_binding(&name)
                    };
                    if let Some(b) = b {
                        // A copy of the value: a megabyte variable read a thousand times
                        // is a gigabyte.
                        let weight = crate::arm::functions::weight(&b.val, super::EVAL_BUDGET);
                        if let Err(reason) = self.charge(weight) {
                            return unknown_node(site, s, &reason);
                        }
                        self.record(&b.origin);
                        if let RValue::Unknown(u) = &b.node.value {
                            // Nothing is written anywhere: the finding belongs where the value
                            // is used, with the declaration (or Key Vault reference) beside it.
                            return RNode {
                                value: RValue::Unknown(u.clone()),
                                site,
                                via: vec![b.origin],
                            };
                        }
                        // Keep the spans of where the value is written; say where it was used.
                        let mut n = b.node;
                        let what = if is_param { "parameter" } else { "variable" };
                        add_via(
                            &mut n,
                            Origin {
                                site,
                                label: format!("{what} '{name}' used here"),
                            },
                        );
                        if !n.via.iter().any(|o| o.site == b.origin.site) && n.site != b.origin.site
                        {
                            n.via.push(b.origin);
                        }
                        return n;
                    }
                }
                let outer = self.at.replace(site);
                let (val, trace) = self.eval_with_trace(s, parsed);
                self.at = outer;
                for o in &trace {
                    self.record(o);
                }
                val_node(&val, site, trace)
            }
            Value::Array(items) => RNode::new(
                RValue::Array(items.iter().map(|n| self.resolve(n, file)).collect()),
                site,
            ),
            Value::Object(members) => {
                let mut out = Vec::with_capacity(members.len());
                for m in members {
                    // Property iteration: `"copy": [{"name": "subnets", "count": .., "input": ..}]`.
                    if m.key.eq_ignore_ascii_case("copy")
                        && m.value
                            .as_array()
                            .is_some_and(|a| a.iter().all(is_copy_spec))
                    {
                        for spec in m.value.as_array().unwrap_or_default() {
                            let pname = spec
                                .get("name")
                                .and_then(Node::as_str)
                                .unwrap_or("")
                                .to_string();
                            let arr = self.copy_array(spec, file, Site::new(file, spec.span));
                            out.push(RMember {
                                key: pname,
                                key_site: Some(Site::new(file, m.key_span)),
                                value: arr,
                            });
                        }
                        continue;
                    }
                    let key_site = Site::new(file, m.key_span);
                    out.push(RMember {
                        key: self.key(&m.key, key_site),
                        key_site: Some(key_site),
                        value: self.resolve(&m.value, file),
                    });
                }
                RNode::new(RValue::Object(out), site)
            }
            _ => RNode::literal(node, file),
        }
    }

    /// Tags name nothing deployed: a tag name known only at deployment time
    /// (`"[parameters('tagName')]"`) is no reason to refuse a file.
    fn resolve_tags(&mut self, node: &'a Node, file: FileId) -> RNode {
        self.in_tags += 1;
        let n = self.resolve(node, file);
        self.in_tags -= 1;
        n
    }

    fn push_copy(&mut self, name: &str, index: Option<i64>) {
        self.copies.push((name.to_string(), index, true));
    }

    fn pop_copy(&mut self) {
        self.copies.pop();
    }

    fn enter_scope(
        &mut self,
        file: FileId,
        template: &'a Node,
        params: Option<&'a Node>,
        params_file: FileId,
    ) {
        let mut supplied = HashMap::new();
        for m in params.and_then(Node::as_object).unwrap_or_default() {
            if let Some(v) = m.value.get("value") {
                let n = self.resolve(v, params_file);
                supplied.insert(m.key.clone(), Supplied::Resolved(n));
            } else if m.value.as_str().is_some_and(|s| as_expression(s).is_some()) {
                // The whole `{"value": ...}` wrapper is one expression, as Bicep compiles
                // a ternary in a module's parameters:
                // `[if(c, createObject('value', 'a'), createObject('value', 'b'))]`.
                let wrapper = self.resolve(&m.value, params_file);
                let value = match &wrapper.value {
                    RValue::Object(_) => wrapper.get("value").cloned(),
                    RValue::Unknown(_) => Some(wrapper.clone()),
                    _ => None,
                };
                match value {
                    Some(v) => {
                        supplied.insert(m.key.clone(), Supplied::Resolved(v));
                    }
                    None => self.problems.push(Problem {
                        site: wrapper.site,
                        message: format!(
                            "parameter '{}' of a nested deployment must be an object with a `value`",
                            m.key
                        ),
                    }),
                }
            } else if m.value.get("reference").is_some() {
                supplied.insert(
                    m.key.clone(),
                    Supplied::KeyVault {
                        site: Site::new(params_file, m.value.span),
                    },
                );
            }
        }
        self.scopes.push(Scope::new(file, template, supplied));
        self.check_parameters();
    }

    fn enter_scope_unknown(&mut self, file: FileId, template: &'a Node, reason: &str) {
        let site = Site::new(file, template.span);
        let site = Site {
            end: (site.start + 1).min(site.end),
            ..site
        };
        let supplied = template
            .get("parameters")
            .and_then(Node::as_object)
            .unwrap_or_default()
            .iter()
            .map(|m| {
                let s = Supplied::Unknown {
                    site,
                    reason: reason.to_string(),
                };
                (m.key.clone(), s)
            })
            .collect();
        self.scopes.push(Scope::new(file, template, supplied));
    }

    fn exit_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    fn over_budget(&self) -> bool {
        self.spent > super::EVAL_BUDGET
    }
}

/// Why ARM rejects `value` for parameter `name` declared by `decl`, if it does. An
/// unknown value or one of another type is not judged here.
fn violation(name: &str, decl: &Node, value: &Val) -> Option<String> {
    if value.contains_unknown() || matches!(value, Val::Null) {
        return None;
    }
    if let Some(allowed) = decl.get("allowedValues").and_then(Node::as_array) {
        let same = |a: &Node| match (&a.value, value) {
            (Value::String(x), Val::Str(y)) => x.eq_ignore_ascii_case(y),
            _ => rnode_val(&RNode::literal(a, 0)).to_json() == value.to_json(),
        };
        // An array parameter's allowedValues constrain each of its items.
        let ok = match value {
            Val::Array(items) if !allowed.iter().any(|a| a.as_array().is_some()) => {
                items.iter().all(|i| {
                    allowed.iter().any(|a| match (&a.value, i) {
                        (Value::String(x), Val::Str(y)) => x.eq_ignore_ascii_case(y),
                        _ => rnode_val(&RNode::literal(a, 0)).to_json() == i.to_json(),
                    })
                })
            }
            _ => allowed.iter().any(same),
        };
        if !ok {
            let list: Vec<String> = allowed.iter().map(|a| a.to_json().to_string()).collect();
            return Some(format!(
                "value {} of parameter '{name}' is not one of its allowedValues ({}): ARM rejects the deployment",
                value.to_json(),
                list.join(", ")
            ));
        }
    }
    let int = |k: &str| {
        decl.get(k).and_then(|n| match n.value {
            Value::Number(crate::json::Number::Int(i)) => Some(i),
            _ => None,
        })
    };
    let len = match value {
        Val::Str(s) => Some(s.chars().count() as i64),
        Val::Array(a) => Some(a.len() as i64),
        _ => None,
    };
    if let Some(len) = len {
        if let Some(min) = int("minLength").filter(|m| len < *m) {
            return Some(format!("parameter '{name}' has length {len}, under its minLength {min}: ARM rejects the deployment"));
        }
        if let Some(max) = int("maxLength").filter(|m| len > *m) {
            return Some(format!("parameter '{name}' has length {len}, over its maxLength {max}: ARM rejects the deployment"));
        }
    }
    if let Val::Int(v) = value {
        if let Some(min) = int("minValue").filter(|m| v < m) {
            return Some(format!(
                "parameter '{name}' is {v}, under its minValue {min}: ARM rejects the deployment"
            ));
        }
        if let Some(max) = int("maxValue").filter(|m| v > m) {
            return Some(format!(
                "parameter '{name}' is {v}, over its maxValue {max}: ARM rejects the deployment"
            ));
        }
    }
    None
}

fn is_copy_spec(n: &Node) -> bool {
    n.get("name").is_some() && n.get("count").is_some() && n.get("input").is_some()
}

/// Adds a provenance step to a node and everything inside it.
fn add_via(n: &mut RNode, o: Origin) {
    match &mut n.value {
        RValue::Array(items) => items.iter_mut().for_each(|i| add_via(i, o.clone())),
        RValue::Object(members) => members
            .iter_mut()
            .for_each(|m| add_via(&mut m.value, o.clone())),
        _ => {}
    }
    n.via.push(o);
}

struct Ctx<'e, 'a> {
    ev: &'e mut ArmEvaluator<'a>,
}

impl Context for Ctx<'_, '_> {
    fn user_function(&mut self, name: &str) -> Option<crate::arm::eval::UserFunction> {
        let (ns, member) = name.split_once('.')?;
        let functions = self.ev.scopes.last()?.functions?;
        let def = functions
            .as_array()?
            .iter()
            .filter(|n| {
                n.get("namespace")
                    .and_then(Node::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case(ns))
            })
            .find_map(|n| {
                n.get("members")?
                    .as_object()?
                    .iter()
                    .find(|m| m.key.eq_ignore_ascii_case(member))
                    .map(|m| &m.value)
            })?;
        let params = def
            .get("parameters")
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.get("name").and_then(Node::as_str).map(str::to_string))
            .collect();
        let output = def.get("output").and_then(|o| o.get("value"))?.clone();
        Some(crate::arm::eval::UserFunction { params, output })
    }

    fn parameter(&mut self, name: &str) -> Option<Val> {
        let b = self.ev.param_binding(name)?;
        self.ev.record(&b.origin);
        Some(b.val)
    }

    fn variable(&mut self, name: &str) -> Option<Val> {
        let b = self.ev.var_binding(name)?;
        self.ev.record(&b.origin);
        Some(b.val)
    }

    fn charge(&mut self, weight: usize) -> Result<(), String> {
        self.ev.charge(weight)
    }

    fn undeclared(&mut self, what: &str, name: &str) {
        if let Some(site) = self.ev.at {
            let problem = Problem {
                site,
                message: format!(
                    "{what} '{name}' is not declared by the template: ARM rejects the deployment"
                ),
            };
            if !self
                .ev
                .problems
                .iter()
                .any(|p| p.site == problem.site && p.message == problem.message)
            {
                self.ev.problems.push(problem);
            }
        }
    }

    fn exhausted(&self) -> bool {
        self.ev.spent > super::EVAL_BUDGET
    }

    fn copy_index(&self, loop_name: Option<&str>) -> Option<i64> {
        match loop_name {
            None => self.ev.copies.iter().rev().find(|c| c.2).and_then(|c| c.1),
            Some(n) => self
                .ev
                .copies
                .iter()
                .rev()
                .find(|c| c.0.eq_ignore_ascii_case(n))
                .and_then(|c| c.1),
        }
    }
}

fn unknown_node(site: Site, expr: &str, reason: &str) -> RNode {
    RNode::new(
        RValue::Unknown(Box::new(crate::arm::value::Unknown {
            expr: expr.to_string(),
            reason: reason.to_string(),
        })),
        site,
    )
}

/// A computed value as a tree whose every node sits at the expression that computed it.
pub fn val_node(v: &Val, site: Site, via: Vec<Origin>) -> RNode {
    let value = match v {
        Val::Null => RValue::Null,
        Val::Bool(b) => RValue::Bool(*b),
        Val::Int(i) => RValue::Int(*i),
        Val::Float(f) => RValue::Float(*f),
        Val::Str(s) => RValue::Str(s.clone()),
        Val::Array(items) => RValue::Array(
            items
                .iter()
                .map(|i| val_node(i, site, via.clone()))
                .collect(),
        ),
        Val::Object(members) => RValue::Object(
            members
                .iter()
                .map(|(k, v)| RMember {
                    key: k.clone(),
                    key_site: None,
                    value: val_node(v, site, via.clone()),
                })
                .collect(),
        ),
        Val::Unknown(u) => RValue::Unknown(u.clone()),
    };
    RNode { value, site, via }
}

/// The plain value of a resolved tree.
pub fn rnode_val(n: &RNode) -> Val {
    match &n.value {
        RValue::Null => Val::Null,
        RValue::Bool(b) => Val::Bool(*b),
        RValue::Int(i) => Val::Int(*i),
        RValue::Float(f) => Val::Float(*f),
        RValue::Str(s) => Val::Str(s.clone()),
        RValue::Array(items) => Val::Array(items.iter().map(rnode_val).collect()),
        RValue::Object(members) => Val::Object(
            members
                .iter()
                .map(|m| (m.key.clone(), rnode_val(&m.value)))
                .collect(),
        ),
        RValue::Unknown(u) => Val::Unknown(u.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Kind, Scope as DeployScope};

    /// The template resolved with its defaults.
    fn unit(template: &str) -> super::super::Unit {
        let root = crate::json::parse(template).unwrap().root;
        let mut eval = ArmEvaluator::new(0, &root, HashMap::new());
        super::super::resolve_template(
            &root,
            0,
            Kind::Template(DeployScope::ResourceGroup),
            &mut eval,
            &super::super::NoLinks,
        )
    }

    fn names(template: &str) -> Vec<Val> {
        unit(template)
            .resources
            .iter()
            .map(|r| rnode_val(r.node.get("properties").unwrap()))
            .collect()
    }

    /// The first resource's property names, and the problems.
    fn resolve(template: &str) -> (Vec<String>, Vec<String>) {
        let unit = unit(template);
        let keys = match &unit.resources[0].node.get("properties").unwrap().value {
            RValue::Object(m) => m.iter().map(|m| m.key.clone()).collect(),
            _ => Vec::new(),
        };
        (
            keys,
            unit.problems.iter().map(|p| p.message.clone()).collect(),
        )
    }

    fn props(template: &str) -> Val {
        rnode_val(unit(template).resources[0].node.get("properties").unwrap())
    }

    /// Inside a property loop, `copyIndex()` without a name is the resource's loop (as
    /// the Bicep compiler writes nested loops: `range(0, 3)[copyIndex()]` beside
    /// `copyIndex('subnets')`); the property loop is only reached by its name.
    #[test]
    fn an_unnamed_copy_index_in_a_property_loop_is_the_resources() {
        let props = names(
            r#"{"resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2020-06-01",
              "name": "[format('vnet-{0}', copyIndex())]", "copy": {"name": "vnet", "count": 2},
              "properties": {"copy": [{"name": "subnets", "count": 2,
                "input": {"name": "[format('s-{0}-{1}', copyIndex(), copyIndex('subnets'))]"}}]}}]}"#,
        );
        let subnet_names: Vec<String> = props
            .iter()
            .flat_map(|p| match p {
                Val::Object(m) => match &m[0].1 {
                    Val::Array(items) => items.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>(),
                    _ => vec![],
                },
                _ => vec![],
            })
            .collect();
        let expected = ["s-0-0", "s-0-1", "s-1-0", "s-1-1"];
        assert_eq!(subnet_names.len(), 4, "{subnet_names:?}");
        for (got, want) in subnet_names.iter().zip(expected) {
            assert!(got.contains(&format!("\"{want}\"")), "{got} is not {want}");
        }
    }

    /// ARM evaluates a property name that is an expression: a cluster's `outboundType`
    /// written as `"[concat('outbound', 'Type')]"` is the same property (it was missed).
    #[test]
    fn property_names_that_are_expressions_are_evaluated() {
        let (keys, problems) = resolve(
            r#"{"parameters": {"p": {"type": "string"}}, "resources": [{"type": "A.B/c", "apiVersion": "1", "name": "n",
              "properties": {"[concat('outbound', 'Type')]": "userDefinedRouting", "[[literal]": 1, "plain": 2}}]}"#,
        );
        assert_eq!(keys, ["outboundType", "[literal]", "plain"]);
        assert!(problems.is_empty(), "{problems:?}");
        let (_, problems) = resolve(
            r#"{"parameters": {"p": {"type": "string"}}, "resources": [{"type": "A.B/c", "apiVersion": "1", "name": "n",
              "properties": {"[parameters('p')]": "userDefinedRouting"}}]}"#,
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("known only at deployment time")),
            "{problems:?}"
        );
        // A tag's name names nothing deployed.
        let (_, problems) = resolve(
            r#"{"parameters": {"p": {"type": "string"}}, "resources": [{"type": "A.B/c", "apiVersion": "1", "name": "n",
              "tags": {"[parameters('p')]": "v"}, "properties": {"a": 1}}]}"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
    }

    const FUNCTIONS: &str = r#""functions": [
        {"namespace": "__bicep", "members": {
          "plugin": {"parameters": [{"name": "overlay", "type": "bool"}],
                     "output": {"type": "object", "value": {"networkPlugin": "azure", "mode": "[if(parameters('overlay'), 'overlay', null())]"}}},
          "twice": {"parameters": [{"name": "x", "type": "int"}], "output": {"type": "int", "value": "[mul(parameters('x'), 2)]"}},
          "quad": {"parameters": [{"name": "x", "type": "int"}], "output": {"type": "int", "value": "[__bicep.twice(__bicep.twice(parameters('x')))]"}},
          "loop": {"parameters": [], "output": {"type": "int", "value": "[__bicep.loop()]"}}}},
        {"namespace": "contoso", "members": {
          "prefixed": {"parameters": [{"name": "n", "type": "string"}], "output": {"type": "string", "value": "[concat('aks-', parameters('n'))]"}}}}]"#;

    /// A template's user-defined functions (as Bicep compiles `func`) are evaluated:
    /// their parameters bound to the arguments, calling each other, recursion bounded.
    #[test]
    fn user_defined_functions_are_evaluated() {
        let p = props(&format!(
            r#"{{{FUNCTIONS}, "resources": [{{"type": "A.B/c", "apiVersion": "1", "name": "n",
              "properties": {{"profile": "[__bicep.plugin(true())]", "n": "[__bicep.quad(3)]",
                "name": "[contoso.prefixed('x')]", "bad": "[__bicep.twice(1, 2)]",
                "missing": "[other.f()]", "runaway": "[__bicep.loop()]"}}}}]}}"#
        ));
        let Val::Object(m) = p else { panic!("{p:?}") };
        let get = |k: &str| {
            m.iter()
                .find(|(j, _)| j == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(
            get("profile"),
            Val::Object(vec![
                ("networkPlugin".into(), Val::Str("azure".into())),
                ("mode".into(), Val::Str("overlay".into()))
            ])
        );
        assert_eq!(get("n"), Val::Int(12));
        assert_eq!(get("name"), Val::Str("aks-x".into()));
        for k in ["bad", "missing", "runaway"] {
            assert!(get(k).is_unknown(), "{k}: {:?}", get(k));
        }
    }
}
