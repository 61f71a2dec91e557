//! The user-defined types of an ARM JSON template (`definitions`, languageVersion 2.0)
//! as Bicep types, for a `.bicep` file that imports them: what a parameter of such a
//! type is lowered to (its base type, allowed values, nullability) is then the same as
//! for a type declared in Bicep.

use crate::bicep::syntax::ast::{
    Ident, LiteralType, StringExpr, StringSegment, TypeExpr, TypeKind,
};
use crate::bicep::syntax::Span;
use crate::json::{Node, Value};

/// Definitions refer to each other at most this deep here.
const MAX_DEPTH: usize = 32;

/// Every definition of `root`, by name, as a Bicep type whose spans are all `at` (the
/// import statement: the definitions are not in the importing file).
pub(crate) fn definitions(root: &Node, at: Span) -> Vec<(String, TypeExpr)> {
    root.get("definitions")
        .and_then(Node::as_object)
        .unwrap_or_default()
        .iter()
        .map(|m| (m.key.clone(), of(&m.value, at, 0)))
        .collect()
}

fn ty(kind: TypeKind, at: Span) -> TypeExpr {
    TypeExpr {
        span: at,
        kind,
        height: 1,
    }
}

fn name(n: &str, at: Span) -> TypeExpr {
    ty(
        TypeKind::Name(Ident {
            name: n.to_string(),
            span: at,
        }),
        at,
    )
}

/// One definition (or parameter declaration) as a Bicep type.
fn of(def: &Node, at: Span, depth: usize) -> TypeExpr {
    let inner = base(def, at, depth);
    if def.get("nullable").and_then(Node::as_bool) == Some(true) {
        ty(TypeKind::Nullable(Box::new(inner)), at)
    } else {
        inner
    }
}

fn base(def: &Node, at: Span, depth: usize) -> TypeExpr {
    if depth > MAX_DEPTH {
        return ty(TypeKind::Error, at);
    }
    if let Some(r) = def.get("$ref").and_then(Node::as_str) {
        return match r.strip_prefix("#/definitions/") {
            Some(target) => name(target, at),
            // A reference into another file: not a type aksgate can name.
            None => ty(TypeKind::Error, at),
        };
    }
    let base = match def.get("type").and_then(Node::as_str) {
        Some(t) => t.to_ascii_lowercase(),
        // No type: any value.
        None => return name("any", at),
    };
    let base = match base.as_str() {
        "string" | "securestring" => "string",
        "int" => "int",
        "bool" => "bool",
        "object" | "secureobject" => "object",
        "array" => "array",
        _ => return ty(TypeKind::Error, at),
    };
    let allowed = def.get("allowedValues").and_then(Node::as_array);
    match allowed {
        // Allowed values of a scalar are a union of literal types; of an array, each
        // item's (not a type Bicep writes as a union): left as `array`.
        Some(values) if base != "array" => {
            let items: Option<Vec<TypeExpr>> = values.iter().map(|v| literal(v, at)).collect();
            match items {
                Some(items) if !items.is_empty() => ty(TypeKind::Union(items), at),
                _ => ty(TypeKind::Error, at),
            }
        }
        _ => name(base, at),
    }
}

fn literal(v: &Node, at: Span) -> Option<TypeExpr> {
    let lit = match &v.value {
        Value::String(s) => LiteralType::String(StringExpr {
            span: at,
            multiline: false,
            segments: vec![StringSegment {
                value: s.clone(),
                span: at,
            }],
            holes: Vec::new(),
        }),
        Value::Bool(b) => LiteralType::Bool(*b),
        Value::Number(crate::json::Number::Int(i)) if *i >= 0 => LiteralType::Int(*i as u64),
        Value::Null => LiteralType::Null,
        _ => return None,
    };
    Some(ty(TypeKind::Literal(lit), at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(defs: &str) -> Vec<(String, TypeKind)> {
        let root = crate::json::parse(&format!(r#"{{"definitions": {defs}}}"#))
            .unwrap()
            .root;
        definitions(&root, Span::default())
            .into_iter()
            .map(|(n, t)| (n, t.kind))
            .collect()
    }

    #[test]
    fn definitions_become_bicep_types() {
        let t = types(
            r##"{"s": {"type": "string"}, "e": {"type": "string", "allowedValues": ["a", "b"]},
                "n": {"type": "int", "nullable": true}, "r": {"$ref": "#/definitions/s"},
                "x": {"type": "array", "allowedValues": [1]}, "any": {}, "bad": {"type": "weird"}}"##,
        );
        let kinds: Vec<String> = t
            .iter()
            .map(|(n, k)| match k {
                TypeKind::Name(i) => format!("{n}={}", i.name),
                TypeKind::Union(items) => format!("{n}=union of {}", items.len()),
                TypeKind::Nullable(inner) => {
                    format!("{n}=nullable {:?}", matches!(inner.kind, TypeKind::Name(_)))
                }
                TypeKind::Error => format!("{n}=error"),
                _ => format!("{n}=other"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "s=string",
                "e=union of 2",
                "n=nullable true",
                "r=s",
                "x=array",
                "any=any",
                "bad=error"
            ]
        );
    }
}
