//! User-defined functions (`func f(a string) string => body`), inlined at each call:
//! the body is lowered with its parameters bound to the arguments' ARM text. (The
//! compiler emits them as ARM user functions of namespace `__bicep`, which the ARM
//! evaluator runs for compiled templates; inlining keeps the lowered template free of
//! them and one implementation of every function.) Each file has its own scope of
//! functions and import namespaces, so an imported function calls its own file's
//! functions.

use super::expr::Lower;
use super::span;
use crate::bicep::syntax::ast::{Expr, FuncDecl};
use crate::bicep::syntax::Span as BSpan;
use std::collections::HashMap;
use std::rc::Rc;

/// Calls nest at most this deep: Bicep forbids recursion, this bounds hostile files.
pub const MAX_INLINE_DEPTH: usize = 32;

#[derive(Debug)]
pub(crate) struct FuncDef {
    pub name: String,
    pub params: Vec<String>,
    pub body: Expr,
    /// The scope (file) whose names the body sees.
    pub scope: usize,
}

impl FuncDef {
    pub fn of(f: &FuncDecl, scope: usize) -> FuncDef {
        FuncDef {
            name: f.name.name.clone(),
            params: f
                .lambda
                .params
                .iter()
                .map(|p| p.name.name.clone())
                .collect(),
            body: f.lambda.body.clone(),
            scope,
        }
    }
}

/// The functions and import namespaces one file sees.
#[derive(Debug, Default)]
pub(crate) struct FuncScope {
    pub funcs: HashMap<String, Rc<FuncDef>>,
    /// `import * as ns`: the scope of the file imported.
    pub namespaces: HashMap<String, usize>,
}

impl Lower<'_> {
    /// The function `name` of the current scope (`ns` for `ns.name(...)`).
    pub fn func(&self, ns: Option<&str>, name: &str) -> Option<Rc<FuncDef>> {
        let scope = self.sym.scopes.get(self.scope)?;
        let scope = match ns {
            Some(ns) => self.sym.scopes.get(*scope.namespaces.get(ns)?)?,
            None => scope,
        };
        scope.funcs.get(name).cloned()
    }

    /// A call of `f`, inlined.
    pub fn inline(&mut self, f: &FuncDef, args: &[Expr], at: BSpan) -> String {
        if self.inline_depth >= MAX_INLINE_DEPTH {
            return self.unsupported(
                &format!(
                    "functions calling each other deeper than {MAX_INLINE_DEPTH} (Bicep forbids recursion)"
                ),
                at,
            );
        }
        if args.len() != f.params.len() {
            self.problem(
                "AKS901",
                format!(
                    "the function {}() takes {} argument(s), not {}",
                    f.name,
                    f.params.len(),
                    args.len()
                ),
                at,
            );
            return "null".into();
        }
        let texts: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
        let outer = std::mem::replace(
            &mut self.locals,
            f.params.iter().cloned().zip(texts).collect(),
        );
        let outer_scope = std::mem::replace(&mut self.scope, f.scope);
        let before = self.problems.len();
        self.inline_depth += 1;
        let body = self.expr(&f.body);
        self.inline_depth -= 1;
        self.scope = outer_scope;
        self.locals = outer;
        // A body in another file: its problems point at the call here.
        if f.scope != self.scope {
            for p in &mut self.problems[before..] {
                p.span = span(at);
                if !p.message.contains("function ") {
                    p.message = format!("in the function {}(): {}", f.name, p.message);
                }
            }
        }
        body
    }

    /// A lambda variable's ARM name: inside an inlined body, distinct from the names
    /// of the caller's lambdas its arguments may use.
    pub fn lambda_name(&self, name: &str) -> String {
        match self.inline_depth {
            0 => name.to_string(),
            d => format!("{name}__{d}"),
        }
    }
}
