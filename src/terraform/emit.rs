//! Values to template JSON, as [`crate::arm::write`] writes them (an unknown as
//! `[aksgate.unknown('<terraform expression>', '<reason>')]`), and objects built up.

use crate::arm::value::Val;
pub(crate) use crate::arm::write::{node, string};
use crate::json::{Member, Node, Span, Value};

/// An object node under construction.
#[derive(Default)]
pub(crate) struct Obj {
    pub members: Vec<Member>,
}

impl Obj {
    pub fn put(&mut self, key: &str, value: Node) {
        self.members.retain(|m| m.key != key);
        self.members.push(Member {
            key: key.to_string(),
            key_span: value.span,
            value,
        });
    }

    pub fn put_val(&mut self, key: &str, v: &Val, span: Span) {
        self.put(key, node(v, span));
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.members
            .iter_mut()
            .find(|m| m.key == key)
            .map(|m| &mut m.value)
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn node(self, span: Span) -> Node {
        Node {
            value: Value::Object(self.members),
            span,
        }
    }
}

/// Gives the parts of `n` (written from the value of `expr`) the spans of the parts of
/// `expr` they came from, where `expr` writes them literally (an object's keys, an
/// array's items): an azapi `body` then points each property at its own line.
pub(crate) fn spans_from(n: &mut Node, expr: &hcl_edit::expr::Expression) {
    use hcl_edit::expr::{Expression, ObjectKey};
    match (expr, &mut n.value) {
        (Expression::Parenthesis(p), _) => spans_from(n, p.inner()),
        (Expression::Object(o), Value::Object(members)) => {
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.value().as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    ObjectKey::Expression(_) => continue,
                };
                if let Some(m) = members.iter_mut().find(|m| m.key == key) {
                    m.key_span = super::module::span_of(k);
                    m.value.span = super::module::span_of(v.expr());
                    spans_from(&mut m.value, v.expr());
                }
            }
        }
        (Expression::Array(a), Value::Array(items)) => {
            for (x, item) in a.iter().zip(items.iter_mut()) {
                item.span = super::module::span_of(x);
                spans_from(item, x);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::eval::{eval_string, Context};

    struct Empty;
    impl Context for Empty {
        fn parameter(&mut self, _: &str) -> Option<Val> {
            None
        }
        fn variable(&mut self, _: &str) -> Option<Val> {
            None
        }
        fn copy_index(&self, _: Option<&str>) -> Option<i64> {
            None
        }
    }

    #[test]
    fn unknowns_round_trip_through_the_arm_evaluator() {
        let n = node(&Val::unknown("var.o'x", "no value"), Span::default());
        let s = n.as_str().unwrap().to_string();
        assert_eq!(
            eval_string(&s, &mut Empty),
            Val::unknown("var.o'x", "no value")
        );
        assert_eq!(string("[x]", Span::default()).as_str(), Some("[[x]"));
    }
}
