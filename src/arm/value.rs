//! The value domain of ARM template evaluation.
//!
//! ARM values are JSON values plus one more state: *unknown*, a value that can only be
//! known at deployment time (`reference()`, a parameter nobody sets, ...). Unknown is a
//! value in its own right so that it flows through functions instead of aborting them:
//! `concat('a', reference(x).id)` is unknown, `if(true, 'a', reference(x))` is `'a'`.

use std::fmt;

/// Why a value is unknown, and the expression text that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// The expression (or part of it) whose value could not be known, e.g. `[parameters('plugin')]`.
    pub expr: String,
    /// A short human reason, e.g. "no default and no parameter file sets it".
    pub reason: String,
}

/// An ARM value. Object keys keep their written order and casing; lookups are
/// case-insensitive, as ARM's are.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Val>),
    Object(Vec<(String, Val)>),
    Unknown(Box<Unknown>),
}

impl Val {
    pub fn unknown(expr: impl Into<String>, reason: impl Into<String>) -> Val {
        Val::Unknown(Box::new(Unknown {
            expr: expr.into(),
            reason: reason.into(),
        }))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown(_))
    }

    /// True when this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Val::Unknown(_) => true,
            Val::Array(items) => items.iter().any(Val::contains_unknown),
            Val::Object(entries) => entries.iter().any(|(_, v)| v.contains_unknown()),
            _ => false,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Case-insensitive property lookup on an object.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Object(entries) => entries
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "bool",
            Val::Int(_) | Val::Float(_) => "int",
            Val::Str(_) => "string",
            Val::Array(_) => "array",
            Val::Object(_) => "object",
            Val::Unknown(_) => "unknown",
        }
    }

    /// Converts from a plain JSON value (no unknowns can come from JSON).
    pub fn from_json(v: &serde_json::Value) -> Val {
        match v {
            serde_json::Value::Null => Val::Null,
            serde_json::Value::Bool(b) => Val::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Val::Str(s.clone()),
            serde_json::Value::Array(a) => Val::Array(a.iter().map(Val::from_json).collect()),
            serde_json::Value::Object(o) => Val::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts to JSON for the policy input. Unknowns become the documented marker
    /// object `{"$unknown": {"expr": ..., "reason": ...}}`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value};
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => json!(i),
            Val::Float(f) => json!(f),
            Val::Str(s) => Value::String(s.clone()),
            Val::Array(a) => Value::Array(a.iter().map(Val::to_json).collect()),
            Val::Object(o) => {
                Value::Object(o.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Val::Unknown(u) => json!({"$unknown": {"expr": u.expr, "reason": u.reason}}),
        }
    }
}

impl fmt::Display for Val {
    /// Renders a value the way a message should quote it: strings bare, the rest as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Str(s) => f.write_str(s),
            Val::Unknown(u) => write!(f, "{} (unknown)", u.expr),
            other => write!(f, "{}", other.to_json()),
        }
    }
}
