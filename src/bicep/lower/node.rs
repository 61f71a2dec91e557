//! Small builders for JSON nodes with spans.

use crate::json::{Member, Node, Number, Span, Value};

pub(crate) fn string(s: impl Into<String>, span: Span) -> Node {
    Node {
        value: Value::String(s.into()),
        span,
    }
}

/// A literal string as ARM template JSON holds it: a leading `[` is escaped as `[[` so
/// ARM does not read it as an expression.
pub(crate) fn literal(s: &str, span: Span) -> Node {
    if s.starts_with('[') {
        string(format!("[{s}"), span)
    } else {
        string(s, span)
    }
}

/// An ARM expression string `[expr]`.
pub(crate) fn expression(expr: &str, span: Span) -> Node {
    string(format!("[{expr}]"), span)
}

pub(crate) fn int(i: i64, span: Span) -> Node {
    Node {
        value: Value::Number(Number::Int(i)),
        span,
    }
}

pub(crate) fn boolean(b: bool, span: Span) -> Node {
    Node {
        value: Value::Bool(b),
        span,
    }
}

pub(crate) fn object(members: Vec<Member>, span: Span) -> Node {
    Node {
        value: Value::Object(members),
        span,
    }
}

pub(crate) fn member(key: &str, key_span: Span, value: Node) -> Member {
    Member {
        key: key.to_string(),
        key_span,
        value,
    }
}

/// `'text'` quoted for an ARM expression.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
