//! Values to template JSON: a known value is written as it is (a string that starts
//! with `[` escaped as `[[`, so ARM does not read it as an expression); an unknown one
//! as `[aksgate.unknown('<terraform expression>', '<reason>')]`, which the ARM
//! evaluator turns back into the same unknown.

use crate::arm::value::Val;
use crate::json::{Member, Node, Number, Span, Value};

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(crate) fn string(s: &str, span: Span) -> Node {
    let s = if s.starts_with('[') {
        format!("[{s}")
    } else {
        s.to_string()
    };
    Node {
        value: Value::String(s),
        span,
    }
}

pub(crate) fn node(v: &Val, span: Span) -> Node {
    let value = match v {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Int(i) => Value::Number(Number::Int(*i)),
        Val::Float(f) => Value::Number(Number::Float(*f)),
        Val::Str(s) => return string(s, span),
        Val::Array(a) => Value::Array(a.iter().map(|x| node(x, span)).collect()),
        Val::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| Member {
                    key: k.clone(),
                    key_span: span,
                    value: node(x, span),
                })
                .collect(),
        ),
        Val::Unknown(u) => Value::String(format!(
            "[aksgate.unknown({}, {})]",
            quote(&u.expr),
            quote(&u.reason)
        )),
    };
    Node { value, span }
}

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
