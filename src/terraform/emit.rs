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
