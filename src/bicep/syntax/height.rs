//! Node constructors that record each subtree's height.
//!
//! A chain such as `a.b.c...` or `1 + 1 + ...` is parsed by a loop, not by recursion,
//! yet builds a tree as deep as the chain is long; anything that later walks the tree
//! recursively (its destructor included) would recurse that deep. Each node records
//! its height, computed from its direct children when it is built, so the parser can
//! refuse to build trees past a bound (see `parser::MAX_HEIGHT`).

use super::ast::*;
use super::span::Span;

fn max<I: IntoIterator<Item = u32>>(heights: I) -> u32 {
    heights.into_iter().max().unwrap_or(0)
}

impl Expr {
    pub(crate) fn new(span: Span, kind: ExprKind) -> Expr {
        let height = 1 + kind.children_height();
        Expr { span, kind, height }
    }

    pub(crate) fn error(span: Span) -> Expr {
        Expr::new(span, ExprKind::Error)
    }

    /// Whether this is an [`ExprKind::Error`].
    pub fn is_error(&self) -> bool {
        matches!(self.kind, ExprKind::Error)
    }
}

impl TypeExpr {
    pub(crate) fn new(span: Span, kind: TypeKind) -> TypeExpr {
        let height = 1 + kind.children_height();
        TypeExpr { span, kind, height }
    }

    pub(crate) fn error(span: Span) -> TypeExpr {
        TypeExpr::new(span, TypeKind::Error)
    }
}

impl StringExpr {
    fn holes_height(&self) -> u32 {
        max(self.holes.iter().map(|h| h.height))
    }
}

fn opt_string(s: &Option<StringExpr>) -> u32 {
    s.as_ref().map_or(0, StringExpr::holes_height)
}

fn key_height(key: &ObjectKey) -> u32 {
    match key {
        ObjectKey::String(s) => s.holes_height(),
        _ => 0,
    }
}

fn decorators_height(decorators: &[Decorator]) -> u32 {
    max(decorators.iter().map(|d| d.expr.height))
}

impl ExprKind {
    fn children_height(&self) -> u32 {
        use ExprKind::*;
        match self {
            Null | Bool(_) | Int(_) | Ident(_) | Error => 0,
            String(s) => s.holes_height(),
            Array(items) => max(items.iter().map(|i| match i {
                ArrayItem::Value(e) | ArrayItem::Spread { value: e, .. } => e.height,
            })),
            Object(items) => max(items.iter().map(|i| match i {
                ObjectItem::Property { key, value, .. } => key_height(key).max(value.height),
                ObjectItem::Spread { value, .. } => value.height,
                ObjectItem::Resource(s) => s.height(),
                ObjectItem::Error(_) => 0,
            })),
            Call { args, .. } => max(args.iter().map(|a| a.height)),
            MethodCall { receiver, args, .. } => {
                receiver.height.max(max(args.iter().map(|a| a.height)))
            }
            Property { base, .. } | ResourceAccess { base, .. } | NonNull(base) | Paren(base) => {
                base.height
            }
            Index { base, index, .. } => base.height.max(index.height),
            Unary { operand, .. } => operand.height,
            Binary { left, right, .. } => left.height.max(right.height),
            Ternary {
                condition,
                then,
                otherwise,
            } => condition.height.max(then.height).max(otherwise.height),
            Lambda { body, .. } => body.height,
            For(f) => f.iterable.height.max(f.body.height),
            If { condition, body } => condition.height.max(body.height),
        }
    }
}

impl TypeKind {
    fn children_height(&self) -> u32 {
        use TypeKind::*;
        match self {
            Name(_) | Error => 0,
            Property { base, .. }
            | Items(base)
            | AdditionalProperties(base)
            | Array(base)
            | Nullable(base)
            | NonNullable(base)
            | Paren(base) => base.height,
            Unary { operand, .. } => operand.height,
            Index { base, index } => base.height.max(index.height),
            Generic { base, args, .. } => base
                .as_ref()
                .map_or(0, |b| b.height)
                .max(max(args.iter().map(|a| a.height))),
            Literal(LiteralType::String(s)) => s.holes_height(),
            Literal(_) => 0,
            Union(members) => max(members.iter().map(|m| m.height)),
            Object(items) => max(items.iter().map(|i| match i {
                ObjectTypeItem::Property {
                    decorators,
                    key,
                    value,
                    ..
                } => decorators_height(decorators)
                    .max(key_height(key))
                    .max(value.height),
                ObjectTypeItem::AdditionalProperties {
                    decorators, value, ..
                } => decorators_height(decorators).max(value.height),
                ObjectTypeItem::Error(_) => 0,
            })),
            Tuple(items) => max(items
                .iter()
                .map(|i| decorators_height(&i.decorators).max(i.ty.height))),
            Resource { type_string } => opt_string(type_string),
        }
    }
}

impl Statement {
    /// How many levels deep this statement's tree is (as [`Expr::height`]).
    pub fn height(&self) -> u32 {
        use StatementKind::*;
        let e = |x: &Expr| x.height;
        let oe = |x: &Option<Expr>| x.as_ref().map_or(0, |x| x.height);
        let inner = match &self.kind {
            TargetScope(d) => e(&d.value),
            Metadata(d) => e(&d.value),
            Param(d) => d.ty.height.max(oe(&d.default)),
            Var(d) => d.ty.as_ref().map_or(0, |t| t.height).max(e(&d.value)),
            Resource(d) => opt_string(&d.type_string).max(e(&d.body)),
            Module(d) => opt_string(&d.path).max(e(&d.body)),
            Output(d) => d.ty.height.max(e(&d.value)),
            Type(d) => d.value.height,
            Func(d) => max(d.lambda.params.iter().map(|p| p.ty.height))
                .max(d.lambda.return_type.height)
                .max(e(&d.lambda.body)),
            Import(d) => opt_string(&d.from),
            Extension(d) => oe(&d.config),
            Test(d) => opt_string(&d.path).max(e(&d.body)),
            Assert(d) => e(&d.value),
            Using(d) => oe(&d.config),
            Extends(d) => opt_string(&d.path),
            ParamAssignment(d) => e(&d.value),
            ExtensionConfig(d) => e(&d.config),
            Error => 0,
        };
        1 + inner.max(decorators_height(&self.decorators))
    }
}
