//! Values written back into template JSON, for front ends that evaluate at lowering
//! time (Terraform, Bicep parameter files): a known value is written as it is (a
//! string that starts with `[` escaped as `[[`, so ARM does not read it as an
//! expression); an unknown one as `[aksgate.unknown('<expression>', '<reason>')]`,
//! which the ARM evaluator turns back into the same unknown.

use crate::arm::value::Val;
use crate::json::{Member, Node, Number, Span, Value};

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A literal string node.
pub fn string(s: &str, span: Span) -> Node {
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

/// `v` as template JSON, every node at `span`.
pub fn node(v: &Val, span: Span) -> Node {
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
