//! The resolved value tree: what a deployment would send to Azure, with, for every
//! value, the place it is written and the chain of places it travelled through.

use crate::arm::value::Unknown;
use crate::json::{Node, Number, Value};
use crate::source::{FileId, Site};

/// A step in a value's provenance: "consumed here", "from this default", ...
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub site: Site,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RNode {
    pub value: RValue,
    /// Where the value is written: the literal, the parameter-file value, or the
    /// expression that computed it.
    pub site: Site,
    /// Where else the value passed through, outermost last (the template property that
    /// consumed a parameter, the variable that forwarded it, ...).
    pub via: Vec<Origin>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<RNode>),
    Object(Vec<RMember>),
    Unknown(Box<Unknown>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RMember {
    pub key: String,
    pub key_site: Option<Site>,
    pub value: RNode,
}

/// One step of a property path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl RNode {
    pub fn new(value: RValue, site: Site) -> RNode {
        RNode {
            value,
            site,
            via: Vec::new(),
        }
    }

    /// The literal tree of a JSON node, as written (no expression evaluation).
    pub fn literal(node: &Node, file: FileId) -> RNode {
        let site = Site::new(file, node.span);
        let value = match &node.value {
            Value::Null => RValue::Null,
            Value::Bool(b) => RValue::Bool(*b),
            Value::Number(Number::Int(i)) => RValue::Int(*i),
            Value::Number(Number::Float(f)) => RValue::Float(*f),
            Value::String(s) => RValue::Str(s.clone()),
            Value::Array(items) => {
                RValue::Array(items.iter().map(|n| RNode::literal(n, file)).collect())
            }
            Value::Object(members) => RValue::Object(
                members
                    .iter()
                    .map(|m| RMember {
                        key: m.key.clone(),
                        key_site: Some(Site::new(file, m.key_span)),
                        value: RNode::literal(&m.value, file),
                    })
                    .collect(),
            ),
        };
        RNode::new(value, site)
    }

    /// Case-insensitive member lookup.
    pub fn get(&self, key: &str) -> Option<&RNode> {
        self.member(key).map(|m| &m.value)
    }

    pub fn member(&self, key: &str) -> Option<&RMember> {
        match &self.value {
            RValue::Object(members) => members.iter().find(|m| m.key.eq_ignore_ascii_case(key)),
            _ => None,
        }
    }

    /// Case-insensitive mutable member lookup.
    pub fn member_mut(&mut self, key: &str) -> Option<&mut RNode> {
        match &mut self.value {
            RValue::Object(members) => members
                .iter_mut()
                .find(|m| m.key.eq_ignore_ascii_case(key))
                .map(|m| &mut m.value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            RValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[RNode]> {
        match &self.value {
            RValue::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn unknown(&self) -> Option<&Unknown> {
        match &self.value {
            RValue::Unknown(u) => Some(u),
            _ => None,
        }
    }

    /// Follows `path` as far as it exists. Returns the deepest node reached and whether
    /// the whole path was found; a missing property resolves to its nearest parent.
    pub fn locate(&self, path: &[Step]) -> (&RNode, Option<&RMember>, bool) {
        let mut node = self;
        let mut last_member = None;
        for step in path {
            let next = match (step, &node.value) {
                (Step::Key(k), RValue::Object(_)) => node.member(k).map(|m| {
                    last_member = Some(m);
                    &m.value
                }),
                (Step::Index(i), RValue::Array(items)) => {
                    last_member = None;
                    items.get(*i)
                }
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, last_member, false),
            }
        }
        (node, last_member, true)
    }
}
