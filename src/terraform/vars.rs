//! Variable files: a root module's variable values from `terraform.tfvars`,
//! `*.auto.tfvars(.json)` and a named variable file (`-var-file`), layered in
//! Terraform's precedence, with where each value is written, so that a value a rule
//! fires on can be traced to its `.tfvars` line.

use super::eval::{Env, Eval};
use super::module::{span_of, Module};
use super::syntax;
use crate::arm::value::Val;
use crate::json::{self, Span, ValueOrigin};
use hcl_edit::expr::{Expression, Traversal, TraversalOperator};
use hcl_edit::visit::{visit_traversal, Visit};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};

/// Where a variable's value is written: a variable file (relative to the scanned
/// root) and the span of the value in it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VarSite {
    pub file: String,
    pub span: Span,
}

/// The values variable files set, the last file layered winning.
#[derive(Default)]
pub(crate) struct Tfvars {
    pub values: HashMap<String, Val>,
    pub sites: HashMap<String, VarSite>,
}

impl Tfvars {
    /// Layers the variable file `rel` over the values set so far; `Err` is its syntax
    /// error (message, span in the file).
    pub fn layer(&mut self, rel: &str, text: &str) -> Result<(), (String, Span)> {
        for (name, value, span) in parse(rel, text)? {
            self.values.insert(name.clone(), value);
            self.sites.insert(
                name,
                VarSite {
                    file: rel.to_string(),
                    span,
                },
            );
        }
        Ok(())
    }
}

/// Whether a variable file parses; `Err` is its syntax error (message, span).
pub fn check(rel: &str, text: &str) -> Result<(), (String, Span)> {
    parse(rel, text).map(|_| ())
}

/// A variable file's name (`.tfvars` or `.tfvars.json`).
pub fn is_var_file(rel: &str) -> bool {
    let l = rel.to_ascii_lowercase();
    l.ends_with(".tfvars") || l.ends_with(".tfvars.json")
}

/// Where a file Terraform reads on its own stands in its precedence (later wins):
/// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)`.
pub(crate) fn auto_rank(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "terraform.tfvars" => Some(0),
        "terraform.tfvars.json" => Some(1),
        _ if lower.ends_with(".auto.tfvars") => Some(2),
        _ if lower.ends_with(".auto.tfvars.json") => Some(2),
        _ => None,
    }
}

/// A variable a file sets: its name, value, and the span of the value.
type Set = (String, Val, Span);

/// The variables a variable file sets. A file holds literal values only; HCL or,
/// named `.json`, JSON.
pub(crate) fn parse(rel: &str, text: &str) -> Result<Vec<Set>, (String, Span)> {
    if rel.to_ascii_lowercase().ends_with(".json") {
        let doc =
            json::parse(text).map_err(|e| (format!("invalid JSON: {}", e.message), e.span))?;
        let Some(members) = doc.root.as_object() else {
            return Err((
                "a variable file in JSON is an object of variable names".into(),
                doc.root.span,
            ));
        };
        return Ok(members
            .iter()
            .map(|m| (m.key.clone(), val_of(&m.value), m.value.span))
            .collect());
    }
    let body = syntax::parse(text).map_err(|e| (format!("invalid HCL: {}", e.message), e.span))?;
    let empty = EmptyEnv(Cell::new(100_000));
    Ok(body
        .attributes()
        .map(|a| {
            let v = Eval::new(&empty, text).eval(&a.value);
            (a.key.value().as_str().to_string(), v, span_of(&a.value))
        })
        .collect())
}

fn val_of(n: &json::Node) -> Val {
    match &n.value {
        json::Value::Null => Val::Null,
        json::Value::Bool(b) => Val::Bool(*b),
        json::Value::Number(json::Number::Int(i)) => Val::Int(*i),
        json::Value::Number(json::Number::Float(f)) => Val::Float(*f),
        json::Value::String(s) => Val::Str(s.clone()),
        json::Value::Array(items) => Val::Array(items.iter().map(val_of).collect()),
        json::Value::Object(members) => Val::Object(
            members
                .iter()
                .map(|m| (m.key.clone(), val_of(&m.value)))
                .collect(),
        ),
    }
}

/// Variable files hold literal values only: no references.
struct EmptyEnv(Cell<u64>);

impl Env for EmptyEnv {
    fn lookup(&self, _root: &str, _attrs: &[String]) -> Option<(Val, usize)> {
        None
    }
    fn step(&self) -> bool {
        let f = self.0.get();
        self.0.set(f.saturating_sub(1));
        f > 0
    }
}

/// The `var.X` and `local.X` names an expression refers to.
#[derive(Default)]
struct Refs {
    vars: Vec<String>,
    locals: Vec<String>,
}

impl Visit for Refs {
    fn visit_traversal(&mut self, t: &Traversal) {
        if let (Expression::Variable(root), Some(op)) = (&t.expr, t.operators.first()) {
            if let TraversalOperator::GetAttr(name) = op.value() {
                let name = name.value().as_str().to_string();
                match root.value().as_str() {
                    "var" => self.vars.push(name),
                    "local" => self.locals.push(name),
                    _ => {}
                }
            }
        }
        visit_traversal(self, t);
    }
}

/// How many locals deep a value is traced back to its variables.
const LOCAL_DEPTH: usize = 8;

/// Records, for an attribute of the root module written at `at` of the lowered file,
/// the variable files that set the variables its expression reads (directly or
/// through locals).
pub(crate) fn note(m: &Module, e: &Expression, at: Span) {
    if m.sites.is_empty() {
        return;
    }
    let mut refs = Refs::default();
    refs.visit_expr(e);
    let mut seen_locals = HashSet::new();
    let mut todo: Vec<(String, usize)> = refs.locals.drain(..).map(|l| (l, 0)).collect();
    while let Some((l, depth)) = todo.pop() {
        if depth >= LOCAL_DEPTH || !seen_locals.insert(l.clone()) {
            continue;
        }
        if let Some(expr) = m.local_expr(&l) {
            let mut inner = Refs::default();
            inner.visit_expr(expr);
            refs.vars.extend(inner.vars);
            todo.extend(inner.locals.into_iter().map(|x| (x, depth + 1)));
        }
    }
    refs.vars.sort();
    refs.vars.dedup();
    let mut origins = m.shared.origins.borrow_mut();
    for v in refs.vars {
        if let Some(site) = m.sites.get(&v) {
            origins.push(ValueOrigin {
                at,
                file: site.file.clone(),
                span: site.span,
                label: format!("variable '{v}' set in {}", site.file),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_files_win_and_each_value_keeps_its_line() {
        let mut t = Tfvars::default();
        t.layer("infra/terraform.tfvars", "a = \"x\"\nb = 1\n")
            .unwrap();
        t.layer("env/prod.tfvars.json", "{\"b\": 2}").unwrap();
        assert_eq!(t.values["a"], Val::Str("x".into()));
        assert_eq!(t.values["b"], Val::Int(2));
        assert_eq!(t.sites["a"].file, "infra/terraform.tfvars");
        assert_eq!(t.sites["a"].span, Span::new(4, 7));
        assert_eq!(
            t.sites["b"],
            VarSite {
                file: "env/prod.tfvars.json".into(),
                span: Span::new(6, 7)
            }
        );
        let e = t.layer("env/bad.tfvars", "a = = 1\n").unwrap_err();
        assert!(e.0.starts_with("invalid HCL"), "{}", e.0);
        let e = t.layer("env/bad.tfvars.json", "[1]").unwrap_err();
        assert!(e.0.contains("object"), "{}", e.0);
        assert!(is_var_file("env/Prod.TFVARS") && is_var_file("a.tfvars.json"));
        assert!(!is_var_file("main.tf") && !is_var_file("a.tfvars.txt"));
        assert_eq!(auto_rank("x.auto.tfvars"), Some(2));
        assert_eq!(auto_rank("prod.tfvars"), None);
    }
}
