//! Nested blocks of a body, static and `dynamic`: a `dynamic "x"` block is one `x`
//! block per element of its `for_each`, its `content` evaluated with the iterator
//! (`x.key`, `x.value`, or the name `iterator` gives) in scope.

use super::eval::{entries, Eval};
use super::module::{label, span_of, Module};
use crate::arm::value::Val;
use crate::json::Span;
use hcl_edit::structure::Body;

/// One block instance: its body, the scope its expressions see, and its span.
pub(crate) struct BlockInst<'b> {
    pub body: &'b Body,
    pub scope: Vec<(String, Val)>,
    pub span: Span,
}

/// Every nested block of `body` in order, as (block type, instance).
pub(crate) fn all_blocks<'b>(
    m: &Module,
    fi: usize,
    body: &'b Body,
    scope: &[(String, Val)],
) -> Vec<(String, BlockInst<'b>)> {
    let mut out = Vec::new();
    for b in body.blocks() {
        let ident = b.ident.value().as_str();
        if ident != "dynamic" {
            out.push((
                ident.to_string(),
                BlockInst {
                    body: &b.body,
                    scope: scope.to_vec(),
                    span: span_of(b),
                },
            ));
            continue;
        }
        let (Some(name), Some(content)) = (label(b, 0), b.body.get_blocks("content").next()) else {
            continue;
        };
        let iter = b
            .body
            .get_attribute("iterator")
            .and_then(|a| match &a.value {
                hcl_edit::expr::Expression::Variable(v) => Some(v.value().as_str().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| name.to_string());
        let coll = match b.body.get_attribute("for_each") {
            Some(a) => {
                let mut ev = Eval::new(m, m.text(fi));
                ev.scope = scope.to_vec();
                ev.eval(&a.value)
            }
            None => Val::Array(Vec::new()),
        };
        let items: Vec<(Val, Val)> = match (&coll, entries(&coll)) {
            (Val::Unknown(_), _) => vec![(coll.clone(), coll.clone())],
            (Val::Array(a), _) => a.iter().map(|x| (x.clone(), x.clone())).collect(),
            (_, Some(e)) => e,
            _ => Vec::new(),
        };
        for (k, v) in items.into_iter().take(m.shared.limits.instances) {
            let mut s = scope.to_vec();
            s.push((
                iter.clone(),
                Val::Object(vec![("key".into(), k), ("value".into(), v)]),
            ));
            out.push((
                name.to_string(),
                BlockInst {
                    body: &content.body,
                    scope: s,
                    span: span_of(b),
                },
            ));
        }
    }
    out
}
