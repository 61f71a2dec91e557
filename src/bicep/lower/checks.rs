//! Errors the Bicep compiler reports before anything reaches ARM: `bicep build`
//! refuses such a file, so it never deploys, and a gate must not judge what lowering
//! it anyway would give (AKS901 at the offending expression instead).
//!
//! - **Runtime values in a variable loop** (the compiler's BCP182): ARM evaluates
//!   variables before any resource exists, so the body of a `[for ...]` in a `var`
//!   may use of a resource only what is known at the start (`id`, `name`, `type`,
//!   `apiVersion`) and of a module only its `name`.
//! - **Modules with the same name in the same scope** (BCP122): ARM would deploy one
//!   deployment over the other.

use super::expr::{Lower, Symbols};
use super::{span, Problem};
use crate::bicep::syntax::ast::{
    ArrayItem, Expr, ExprKind, ModuleDecl, Program, StatementKind, StringPart,
};
use crate::bicep::syntax::visit::{self, Visitor};
use std::collections::HashMap;

/// What of a resource is known when a deployment starts.
const RESOURCE_START: &[&str] = &["id", "name", "type", "apiVersion"];
/// What of a module is.
const MODULE_START: &[&str] = &["name"];

/// Problems of runtime values used in the loops of the file's variables.
pub(crate) fn runtime_values_in_variable_loops(program: &Program, sym: &Symbols) -> Vec<Problem> {
    // The variables, for keys the compiler folds: `foo[idAccessor]` is `foo['id']`.
    let vars: HashMap<&str, &Expr> = program
        .statements
        .iter()
        .filter_map(|st| match &st.kind {
            StatementKind::Var(v) => Some((v.name.name.as_str(), &v.value)),
            _ => None,
        })
        .collect();
    let mut walk = Walk {
        sym,
        vars: &vars,
        shadowed: Vec::new(),
        in_loop: false,
        var: "",
        problems: Vec::new(),
    };
    for st in &program.statements {
        if let StatementKind::Var(v) = &st.kind {
            walk.var = &v.name.name;
            walk.visit_expr(&v.value);
        }
    }
    walk.problems
}

struct Walk<'a> {
    sym: &'a Symbols,
    vars: &'a HashMap<&'a str, &'a Expr>,
    /// Loop and lambda variables in scope: they hide symbols of the same name.
    shadowed: Vec<String>,
    in_loop: bool,
    var: &'a str,
    problems: Vec<Problem>,
}

/// One step of an access chain, outermost last after flattening.
enum Step<'e> {
    Property(&'e str),
    Index(&'e Expr),
    Child,
}

impl Visitor for Walk<'_> {
    fn visit_expr(&mut self, e: &Expr) {
        if self.in_loop && self.symbol_access(e) {
            return;
        }
        match &e.kind {
            // The loop's and lambda's variables hide symbols of their names in the body
            // (not in the iterable).
            ExprKind::For(f) => {
                self.visit_expr(&f.iterable);
                let outer = self.in_loop;
                let depth = self.shadowed.len();
                self.shadowed.push(f.item.name.clone());
                if let Some(i) = &f.index {
                    self.shadowed.push(i.name.clone());
                }
                self.in_loop = true;
                self.visit_expr(&f.body);
                self.in_loop = outer;
                self.shadowed.truncate(depth);
            }
            ExprKind::Lambda { params, body } => {
                let depth = self.shadowed.len();
                self.shadowed.extend(params.iter().map(|p| p.name.clone()));
                self.visit_expr(body);
                self.shadowed.truncate(depth);
            }
            _ => visit::walk_expr(self, e),
        }
    }
}

impl Walk<'_> {
    /// When `e` is an access to a resource or module symbol: reports it unless it
    /// reads only what is known at the start, walks its index expressions, and
    /// returns true (the chain is handled).
    fn symbol_access(&mut self, e: &Expr) -> bool {
        let mut steps = Vec::new();
        let mut at = e;
        let root = loop {
            match &at.kind {
                ExprKind::Property { base, name, .. } => {
                    steps.push(Step::Property(&name.name));
                    at = base;
                }
                ExprKind::Index { base, index, .. } => {
                    steps.push(Step::Index(index));
                    at = base;
                }
                ExprKind::ResourceAccess { base, .. } => {
                    steps.push(Step::Child);
                    at = base;
                }
                ExprKind::NonNull(x) | ExprKind::Paren(x) => at = x,
                ExprKind::Ident(id) => break id,
                _ => return false,
            }
        };
        let name = root.name.as_str();
        if self.shadowed.iter().any(|s| s == name) {
            return false;
        }
        let (allowed, looped) = if let Some(r) = self.sym.resources.get(name) {
            (RESOURCE_START, r.looped)
        } else if self.sym.modules.contains_key(name) {
            (MODULE_START, false)
        } else {
            return false;
        };
        steps.reverse();
        let mut rest = steps.iter().peekable();
        // `parent::child` names another resource; a loop's `[i]` picks one of it.
        while matches!(rest.peek(), Some(Step::Child)) {
            rest.next();
        }
        if looped {
            if let Some(Step::Index(_)) = rest.peek() {
                rest.next();
            }
        }
        while matches!(rest.peek(), Some(Step::Child)) {
            rest.next();
        }
        let known = match rest.next() {
            Some(Step::Property(p)) => allowed.contains(p),
            Some(Step::Index(k)) => self
                .key(k)
                .is_some_and(|keys| keys.iter().all(|k| allowed.contains(&k.as_str()))),
            _ => false,
        };
        if !known {
            self.problems.push(Problem {
                code: "AKS901",
                message: format!(
                    "the loop of variable '{}' uses a value of '{name}' only known once it is deployed (of it only {} are known when the deployment starts): the Bicep compiler refuses this (BCP182)",
                    self.var,
                    allowed.join(", ")
                ),
                span: span(root.span),
            });
        }
        for step in &steps {
            if let Step::Index(i) = step {
                self.visit_expr(i);
            }
        }
        true
    }

    /// Every value a key can have, as the compiler folds it: literals, variables,
    /// interpolations of those, `[n]`, `first()` and `last()` of literal arrays, both
    /// branches of a `?:`. `None`: a value only known later (a parameter, `any()`).
    fn key(&self, k: &Expr) -> Option<Vec<String>> {
        self.fold(k, 0)?
            .into_iter()
            .map(|v| match v {
                Const::Str(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn fold(&self, e: &Expr, depth: usize) -> Option<Vec<Const>> {
        // Bounds a chain of variables (the compiler refuses cycles).
        if depth > 32 {
            return None;
        }
        let one = |c: Const| Some(vec![c]);
        match &e.kind {
            ExprKind::String(s) => {
                let mut out = vec![String::new()];
                for part in s.parts() {
                    match part {
                        StringPart::Text(t) => out.iter_mut().for_each(|o| o.push_str(&t.value)),
                        StringPart::Hole(h) => {
                            let values = self.fold(h, depth + 1)?;
                            let mut next = Vec::new();
                            for o in &out {
                                for v in &values {
                                    next.push(format!("{o}{}", v.text()?));
                                }
                            }
                            out = next;
                        }
                    }
                    if out.len() > 64 {
                        return None;
                    }
                }
                Some(out.into_iter().map(Const::Str).collect())
            }
            ExprKind::Int(i) => one(Const::Int(i64::try_from(*i).ok()?)),
            ExprKind::Paren(x) => self.fold(x, depth + 1),
            ExprKind::Ident(id) if !self.shadowed.contains(&id.name) => {
                self.fold(self.vars.get(id.name.as_str())?, depth + 1)
            }
            ExprKind::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    let ArrayItem::Value(v) = item else {
                        return None;
                    };
                    match self.fold(v, depth + 1)?.as_slice() {
                        [c] => out.push(c.clone()),
                        _ => return None,
                    }
                }
                one(Const::Array(out))
            }
            ExprKind::Ternary {
                then, otherwise, ..
            } => {
                let mut out = self.fold(then, depth + 1)?;
                out.extend(self.fold(otherwise, depth + 1)?);
                Some(out)
            }
            ExprKind::Index { base, index, .. } => {
                let arrays = self.fold(base, depth + 1)?;
                let indexes = self.fold(index, depth + 1)?;
                let mut out = Vec::new();
                for a in &arrays {
                    for i in &indexes {
                        let (Const::Array(items), Const::Int(i)) = (a, i) else {
                            return None;
                        };
                        out.push(items.get(usize::try_from(*i).ok()?)?.clone());
                    }
                }
                Some(out)
            }
            ExprKind::Call { name, args } if args.len() == 1 => {
                let first = match name.name.to_ascii_lowercase().as_str() {
                    "first" => true,
                    "last" => false,
                    _ => return None,
                };
                let mut out = Vec::new();
                for a in self.fold(&args[0], depth + 1)? {
                    let Const::Array(items) = a else {
                        return None;
                    };
                    out.push(if first { items.first() } else { items.last() }?.clone());
                }
                Some(out)
            }
            _ => None,
        }
    }
}

/// A value the compiler knows before the deployment starts.
#[derive(Clone)]
enum Const {
    Str(String),
    Int(i64),
    Array(Vec<Const>),
}

impl Const {
    /// As interpolated into a string.
    fn text(&self) -> Option<String> {
        match self {
            Const::Str(s) => Some(s.clone()),
            Const::Int(i) => Some(i.to_string()),
            Const::Array(_) => None,
        }
    }
}

/// Problems of modules that share a name and a scope. Only modules without a loop
/// whose names are literal strings are compared, each scope as lowered.
pub(crate) fn duplicate_module_names(program: &Program, l: &mut Lower<'_>) -> Vec<Problem> {
    let mut seen: Vec<(String, String, Vec<&ModuleDecl>)> = Vec::new();
    for st in &program.statements {
        let StatementKind::Module(m) = &st.kind else {
            continue;
        };
        let Some(body) = super::decl::body(&m.body) else {
            continue;
        };
        if body.each.is_some() {
            continue;
        }
        let ExprKind::Object(items) = &body.object.kind else {
            continue;
        };
        let Some(name) = super::decl::property(items, "name")
            .and_then(|n| match &n.kind {
                ExprKind::String(s) => s.as_plain(),
                _ => None,
            })
            .map(str::to_ascii_lowercase)
        else {
            continue;
        };
        // Lowered only to compare: its problems are reported when the module is.
        let before = l.problems.len();
        let scope = super::decl::property(items, "scope")
            .map(|s| l.expr(s).to_ascii_lowercase())
            .unwrap_or_default();
        l.problems.truncate(before);
        match seen.iter_mut().find(|(n, s, _)| *n == name && *s == scope) {
            Some((_, _, modules)) => modules.push(m),
            None => seen.push((name, scope, vec![m])),
        }
    }
    let mut problems = Vec::new();
    for (name, _, modules) in seen.iter().filter(|(_, _, m)| m.len() > 1) {
        let names: Vec<&str> = modules.iter().map(|m| m.name.name.as_str()).collect();
        for m in modules {
            problems.push(Problem {
                code: "AKS901",
                message: format!(
                    "modules {} have the same name '{name}' in the same scope: one deployment would replace the other, and the Bicep compiler refuses this (BCP122)",
                    names.join(", ")
                ),
                span: span(m.name.span),
            });
        }
    }
    problems
}
