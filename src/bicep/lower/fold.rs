//! Evaluation at lowering time, for what the Bicep compiler itself evaluates (the
//! values of a `.bicepparam` file): lowered nodes whose expressions refer to the
//! file's own `param`s and `var`s are evaluated with the shared ARM evaluator, and
//! written back as template JSON ([`crate::arm::write`]) with their spans. What cannot
//! be known stays unknown.

use crate::arm::eval::{eval_string, Context};
use crate::arm::expr::as_expression;
use crate::arm::value::Val;
use crate::arm::write;
use crate::json::{Member, Node, Value};

/// What one file's evaluation may build: the same budget as a deployment's.
const BUDGET: usize = crate::resolve::EVAL_BUDGET;

/// Names refer to each other at most this deep (Bicep forbids cycles; this bounds
/// hostile files).
const MAX_DEPTH: usize = 64;

pub(crate) struct Fold<'a> {
    params: &'a [(String, crate::json::Span, Node)],
    vars: &'a [(String, Node)],
    /// Values already evaluated, by name (`p:` or `v:` first), in evaluation order.
    done: Vec<(String, Val)>,
    /// Names being evaluated, outermost first.
    stack: Vec<String>,
    spent: usize,
}

impl<'a> Fold<'a> {
    pub fn new(
        params: &'a [(String, crate::json::Span, Node)],
        vars: &'a [(String, Node)],
    ) -> Self {
        Fold {
            params,
            vars,
            done: Vec::new(),
            stack: Vec::new(),
            spent: 0,
        }
    }

    /// `n` with every expression evaluated; literal parts keep their spans.
    pub fn node(&mut self, n: &Node) -> Node {
        match &n.value {
            Value::String(s) if as_expression(s).is_some() => {
                let v = eval_string(s, self);
                write::node(&v, n.span)
            }
            Value::Array(items) => Node {
                value: Value::Array(items.iter().map(|i| self.node(i)).collect()),
                span: n.span,
            },
            Value::Object(members) => Node {
                value: Value::Object(
                    members
                        .iter()
                        .map(|m| Member {
                            key: m.key.clone(),
                            key_span: m.key_span,
                            value: self.node(&m.value),
                        })
                        .collect(),
                ),
                span: n.span,
            },
            _ => n.clone(),
        }
    }

    /// The value of a lowered node.
    fn value(&mut self, n: &Node) -> Val {
        crate::arm::eval::eval_node(n, self)
    }

    fn named(&mut self, key: String, found: Option<&'a Node>) -> Option<Val> {
        let n = found?;
        if let Some((_, v)) = self.done.iter().find(|(k, _)| *k == key) {
            return Some(v.clone());
        }
        if self.stack.contains(&key) || self.stack.len() >= MAX_DEPTH {
            return Some(Val::unknown(
                key[2..].to_string(),
                "refers to itself, or through names nested too deep",
            ));
        }
        self.stack.push(key.clone());
        let v = self.value(n);
        self.stack.pop();
        self.done.push((key, v.clone()));
        Some(v)
    }
}

impl Context for Fold<'_> {
    fn parameter(&mut self, name: &str) -> Option<Val> {
        let found = self.params.iter().find(|p| p.0 == name).map(|p| &p.2);
        self.named(format!("p:{name}"), found)
    }

    fn variable(&mut self, name: &str) -> Option<Val> {
        let found = self.vars.iter().find(|v| v.0 == name).map(|v| &v.1);
        self.named(format!("v:{name}"), found)
    }

    fn copy_index(&self, _: Option<&str>) -> Option<i64> {
        None
    }

    fn charge(&mut self, weight: usize) -> Result<(), String> {
        self.spent = self.spent.saturating_add(weight);
        if self.spent > BUDGET {
            return Err(format!(
                "evaluation budget spent ({} million units)",
                BUDGET / 1_000_000
            ));
        }
        Ok(())
    }

    fn exhausted(&self) -> bool {
        self.spent > BUDGET
    }
}
