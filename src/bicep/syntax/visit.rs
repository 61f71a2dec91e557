//! A visitor over the syntax tree.
//!
//! Implement the `visit_*` methods you care about and call the matching `walk_*`
//! function inside to keep descending; the defaults just walk. Children are visited
//! in source order.
//!
//! ```
//! use aksgate::bicep::syntax::{parse, ast::{Expr, ExprKind}, visit::{self, Visitor}};
//!
//! #[derive(Default)]
//! struct Calls(Vec<String>);
//! impl Visitor for Calls {
//!     fn visit_expr(&mut self, e: &Expr) {
//!         if let ExprKind::Call { name, .. } | ExprKind::MethodCall { name, .. } = &e.kind {
//!             self.0.push(name.name.clone());
//!         }
//!         visit::walk_expr(self, e);
//!     }
//! }
//! let parsed = parse("var x = concat(az.resourceGroup().name, string(1))\n");
//! let mut calls = Calls::default();
//! calls.visit_program(&parsed.program);
//! assert_eq!(calls.0, ["concat", "resourceGroup", "string"]);
//! ```

use super::ast::*;

pub trait Visitor {
    fn visit_program(&mut self, program: &Program) {
        walk_program(self, program)
    }
    fn visit_statement(&mut self, statement: &Statement) {
        walk_statement(self, statement)
    }
    fn visit_decorator(&mut self, decorator: &Decorator) {
        self.visit_expr(&decorator.expr)
    }
    fn visit_expr(&mut self, expr: &Expr) {
        walk_expr(self, expr)
    }
    fn visit_type(&mut self, ty: &TypeExpr) {
        walk_type(self, ty)
    }
    fn visit_string(&mut self, string: &StringExpr) {
        walk_string(self, string)
    }
}

pub fn walk_program<V: Visitor + ?Sized>(v: &mut V, program: &Program) {
    for s in &program.statements {
        v.visit_statement(s);
    }
}

pub fn walk_statement<V: Visitor + ?Sized>(v: &mut V, statement: &Statement) {
    for d in &statement.decorators {
        v.visit_decorator(d);
    }
    let opt_string = |v: &mut V, s: &Option<StringExpr>| {
        if let Some(s) = s {
            v.visit_string(s);
        }
    };
    match &statement.kind {
        StatementKind::TargetScope(d) => v.visit_expr(&d.value),
        StatementKind::Metadata(d) => v.visit_expr(&d.value),
        StatementKind::Param(d) => {
            v.visit_type(&d.ty);
            if let Some(e) = &d.default {
                v.visit_expr(e);
            }
        }
        StatementKind::Var(d) => {
            if let Some(t) = &d.ty {
                v.visit_type(t);
            }
            v.visit_expr(&d.value);
        }
        StatementKind::Resource(d) => {
            opt_string(v, &d.type_string);
            v.visit_expr(&d.body);
        }
        StatementKind::Module(d) => {
            opt_string(v, &d.path);
            v.visit_expr(&d.body);
        }
        StatementKind::Output(d) => {
            v.visit_type(&d.ty);
            v.visit_expr(&d.value);
        }
        StatementKind::Type(d) => v.visit_type(&d.value),
        StatementKind::Func(d) => {
            for p in &d.lambda.params {
                v.visit_type(&p.ty);
            }
            v.visit_type(&d.lambda.return_type);
            v.visit_expr(&d.lambda.body);
        }
        StatementKind::Import(d) => {
            if let ImportTarget::Symbols { symbols, .. } = &d.target {
                for s in symbols {
                    if let ImportedName::String(name) = &s.name {
                        v.visit_string(name);
                    }
                }
            }
            opt_string(v, &d.from);
        }
        StatementKind::Extension(d) => {
            if let ExtensionSpec::String(s) = &d.spec {
                v.visit_string(s);
            }
            if let Some(c) = &d.config {
                v.visit_expr(c);
            }
        }
        StatementKind::Test(d) => {
            opt_string(v, &d.path);
            v.visit_expr(&d.body);
        }
        StatementKind::Assert(d) => v.visit_expr(&d.value),
        StatementKind::Using(d) => {
            if let UsingTarget::Path(s) = &d.target {
                v.visit_string(s);
            }
            if let Some(c) = &d.config {
                v.visit_expr(c);
            }
        }
        StatementKind::Extends(d) => opt_string(v, &d.path),
        StatementKind::ParamAssignment(d) => v.visit_expr(&d.value),
        StatementKind::ExtensionConfig(d) => v.visit_expr(&d.config),
        StatementKind::Error => {}
    }
}

pub fn walk_string<V: Visitor + ?Sized>(v: &mut V, string: &StringExpr) {
    for h in &string.holes {
        v.visit_expr(h);
    }
}

pub fn walk_expr<V: Visitor + ?Sized>(v: &mut V, expr: &Expr) {
    match &expr.kind {
        ExprKind::Null | ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Ident(_) => {}
        ExprKind::Error => {}
        ExprKind::String(s) => v.visit_string(s),
        ExprKind::Array(items) => {
            for item in items {
                match item {
                    ArrayItem::Value(e) | ArrayItem::Spread { value: e, .. } => v.visit_expr(e),
                }
            }
        }
        ExprKind::Object(items) => {
            for item in items {
                match item {
                    ObjectItem::Property { key, value, .. } => {
                        if let ObjectKey::String(s) = key {
                            v.visit_string(s);
                        }
                        v.visit_expr(value);
                    }
                    ObjectItem::Spread { value, .. } => v.visit_expr(value),
                    ObjectItem::Resource(s) => v.visit_statement(s),
                    ObjectItem::Error(_) => {}
                }
            }
        }
        ExprKind::Call { args, .. } => {
            for a in args {
                v.visit_expr(a);
            }
        }
        ExprKind::MethodCall { receiver, args, .. } => {
            v.visit_expr(receiver);
            for a in args {
                v.visit_expr(a);
            }
        }
        ExprKind::Property { base, .. }
        | ExprKind::ResourceAccess { base, .. }
        | ExprKind::NonNull(base)
        | ExprKind::Paren(base) => v.visit_expr(base),
        ExprKind::Index { base, index, .. } => {
            v.visit_expr(base);
            v.visit_expr(index);
        }
        ExprKind::Unary { operand, .. } => v.visit_expr(operand),
        ExprKind::Binary { left, right, .. } => {
            v.visit_expr(left);
            v.visit_expr(right);
        }
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => {
            v.visit_expr(condition);
            v.visit_expr(then);
            v.visit_expr(otherwise);
        }
        ExprKind::Lambda { body, .. } => v.visit_expr(body),
        ExprKind::For(f) => {
            v.visit_expr(&f.iterable);
            v.visit_expr(&f.body);
        }
        ExprKind::If { condition, body } => {
            v.visit_expr(condition);
            v.visit_expr(body);
        }
    }
}

pub fn walk_type<V: Visitor + ?Sized>(v: &mut V, ty: &TypeExpr) {
    match &ty.kind {
        TypeKind::Name(_) | TypeKind::Error => {}
        TypeKind::Property { base, .. }
        | TypeKind::Items(base)
        | TypeKind::AdditionalProperties(base)
        | TypeKind::Array(base)
        | TypeKind::Nullable(base)
        | TypeKind::NonNullable(base)
        | TypeKind::Paren(base) => v.visit_type(base),
        TypeKind::Unary { operand, .. } => v.visit_type(operand),
        TypeKind::Index { base, index } => {
            v.visit_type(base);
            v.visit_expr(index);
        }
        TypeKind::Generic { base, args, .. } => {
            if let Some(b) = base {
                v.visit_type(b);
            }
            for a in args {
                v.visit_type(a);
            }
        }
        TypeKind::Literal(LiteralType::String(s)) => v.visit_string(s),
        TypeKind::Literal(_) => {}
        TypeKind::Union(members) => {
            for m in members {
                v.visit_type(m);
            }
        }
        TypeKind::Object(items) => {
            for item in items {
                match item {
                    ObjectTypeItem::Property {
                        decorators,
                        key,
                        value,
                        ..
                    } => {
                        for d in decorators {
                            v.visit_decorator(d);
                        }
                        if let ObjectKey::String(s) = key {
                            v.visit_string(s);
                        }
                        v.visit_type(value);
                    }
                    ObjectTypeItem::AdditionalProperties {
                        decorators, value, ..
                    } => {
                        for d in decorators {
                            v.visit_decorator(d);
                        }
                        v.visit_type(value);
                    }
                    ObjectTypeItem::Error(_) => {}
                }
            }
        }
        TypeKind::Tuple(items) => {
            for item in items {
                for d in &item.decorators {
                    v.visit_decorator(d);
                }
                v.visit_type(&item.ty);
            }
        }
        TypeKind::Resource { type_string } => {
            if let Some(s) = type_string {
                v.visit_string(s);
            }
        }
    }
}
