//! Evaluation of Terraform expressions to ARM values ([`Val`]): Terraform's own
//! semantics (operators, conditionals, `for` expressions, splats, string templates),
//! written here; the function library is in `funcs.rs`, on the ARM implementations
//! where the two languages agree. What cannot be known before apply is
//! [`Val::Unknown`] with the Terraform expression and the reason, never a guess.
//!
//! An error (a missing attribute, a type mismatch) is an unknown whose reason starts
//! with [`ERR`], so that `try()` and `can()` can tell it from a value known only
//! after apply.

use super::funcs;
use crate::arm::functions::{check_result, MAX_ARRAY_LEN};
use crate::arm::value::Val;
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span as _;

/// The reason prefix of an unknown that is an evaluation error.
pub(crate) const ERR: &str = "error: ";

/// What references resolve against: a module's variables, locals, resources, data
/// sources and module calls.
pub(crate) trait Env {
    /// The value of a reference rooted at `root` (`var`, `local`, `module`, `data`,
    /// `path`, `terraform` or a resource type) followed by the attribute names
    /// `attrs`, and how many of them it consumed; `None` when `root` names nothing.
    fn lookup(&self, root: &str, attrs: &[String]) -> Option<(Val, usize)>;
    /// Takes one evaluation step from the budget; false once it is spent.
    fn step(&self) -> bool;
}

pub(crate) struct Eval<'e> {
    pub env: &'e dyn Env,
    /// The text the expressions being evaluated were parsed from (for messages).
    pub src: &'e str,
    /// `each`, `count`, `for` variables and `dynamic` iterators, innermost last.
    pub scope: Vec<(String, Val)>,
}

pub(crate) fn err(expr: impl Into<String>, reason: impl AsRef<str>) -> Val {
    Val::unknown(expr, format!("{ERR}{}", reason.as_ref()))
}

pub(crate) fn is_err(v: &Val) -> bool {
    matches!(v, Val::Unknown(u) if u.reason.starts_with(ERR))
}

/// Is the value true, as a Terraform condition (`"true"` converts)?
fn truth(v: &Val) -> Option<bool> {
    match v {
        Val::Bool(b) => Some(*b),
        Val::Str(s) if s == "true" => Some(true),
        Val::Str(s) if s == "false" => Some(false),
        _ => None,
    }
}

fn number(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Float(f) => Some(*f),
        Val::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn num_val(f: f64) -> Val {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Val::Int(f as i64)
    } else {
        Val::Float(f)
    }
}

/// A value as a string template embeds it (`true`, `3`, the string itself).
pub(crate) fn to_string(v: &Val) -> Option<String> {
    match v {
        Val::Str(s) => Some(s.clone()),
        Val::Int(i) => Some(i.to_string()),
        Val::Float(f) => Some(f.to_string()),
        Val::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Terraform equality: numbers by value, strings exactly, collections deeply.
pub(crate) fn equal(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Array(x), Val::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Val::Object(x), Val::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && equal(v, v2)))
        }
        _ => match (number(a), number(b)) {
            (Some(p), Some(q)) if !matches!((a, b), (Val::Str(_), Val::Str(_))) => p == q,
            _ => a == b,
        },
    }
}

/// The entries of a collection in Terraform's iteration order: lists in order, maps
/// and objects by key (lexically).
pub(crate) fn entries(v: &Val) -> Option<Vec<(Val, Val)>> {
    match v {
        Val::Array(a) => Some(
            a.iter()
                .enumerate()
                .map(|(i, x)| (Val::Int(i as i64), x.clone()))
                .collect(),
        ),
        Val::Object(o) => {
            let mut e: Vec<(Val, Val)> = o
                .iter()
                .map(|(k, x)| (Val::Str(k.clone()), x.clone()))
                .collect();
            e.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            Some(e)
        }
        _ => None,
    }
}

impl<'e> Eval<'e> {
    pub fn new(env: &'e dyn Env, src: &'e str) -> Eval<'e> {
        Eval {
            env,
            src,
            scope: Vec::new(),
        }
    }

    /// The source text of an expression, shortened for a message.
    pub fn text(&self, e: &Expression) -> String {
        let t = e
            .span()
            .and_then(|r| self.src.get(r))
            .unwrap_or("expression")
            .trim();
        if t.len() > 120 {
            let mut cut = 117;
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}...", &t[..cut])
        } else {
            t.to_string()
        }
    }

    fn local(&self, name: &str) -> Option<&Val> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    pub fn eval(&mut self, e: &Expression) -> Val {
        if !self.env.step() {
            return Val::unknown(
                self.text(e),
                "not evaluated: the file's evaluation budget is spent",
            );
        }
        match e {
            Expression::Null(_) => Val::Null,
            Expression::Bool(b) => Val::Bool(*b.value()),
            Expression::Number(n) => {
                let n = n.value();
                match n.as_i64() {
                    Some(i) => Val::Int(i),
                    None => Val::Float(n.as_f64().unwrap_or(0.0)),
                }
            }
            Expression::String(s) => Val::Str(s.value().clone()),
            Expression::Array(a) => {
                let mut out = Vec::new();
                for x in a.iter() {
                    out.push(self.eval(x));
                }
                Val::Array(out)
            }
            Expression::Object(o) => {
                let mut out: Vec<(String, Val)> = Vec::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.value().as_str().to_string(),
                        ObjectKey::Expression(x) => match self.eval(x) {
                            u @ Val::Unknown(_) => return u,
                            kv => match to_string(&kv) {
                                Some(s) => s,
                                None => return err(self.text(x), "an object key must be a string"),
                            },
                        },
                    };
                    let val = self.eval(v.expr());
                    out.retain(|(k2, _)| *k2 != key);
                    out.push((key, val));
                }
                Val::Object(out)
            }
            // A template that is one interpolation and nothing else is the value of its
            // expression, unconverted (`"${var.list}"` is the list).
            Expression::StringTemplate(t) => match t.as_single_element() {
                Some(Element::Interpolation(i)) => self.eval(&i.expr),
                _ => self.template(e, t),
            },
            Expression::HeredocTemplate(h) => {
                let v = self.template(e, &h.template);
                match (v, h.indent()) {
                    (Val::Str(s), Some(_)) | (Val::Str(s), None) => Val::Str(s),
                    (v, _) => v,
                }
            }
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => {
                let name = v.value().as_str();
                if let Some(x) = self.local(name) {
                    return x.clone();
                }
                match self.env.lookup(name, &[]) {
                    Some((x, _)) => x,
                    None => err(name, format!("'{name}' is not declared")),
                }
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr);
                match truth(&cond) {
                    Some(true) => self.eval(&c.true_expr),
                    Some(false) => self.eval(&c.false_expr),
                    None if cond.is_unknown() => {
                        let (a, b) = (self.eval(&c.true_expr), self.eval(&c.false_expr));
                        if !a.contains_unknown() && equal(&a, &b) {
                            return a;
                        }
                        match cond {
                            Val::Unknown(u) => Val::unknown(
                                self.text(e),
                                format!("the condition {} is unknown: {}", u.expr, u.reason),
                            ),
                            _ => unreachable!("matched unknown"),
                        }
                    }
                    None => err(self.text(e), "the condition is not a bool"),
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.value().as_str();
                let full = if f.name.namespace.is_empty() {
                    name.to_string()
                } else {
                    let mut s: Vec<&str> = f
                        .name
                        .namespace
                        .iter()
                        .map(|n| n.value().as_str())
                        .collect();
                    s.push(name);
                    s.join("::")
                };
                let args: Vec<&Expression> = f.args.iter().collect();
                funcs::call(self, e, &full, &args, f.args.expand_final())
            }
            Expression::Traversal(t) => self.traversal(e, &t.expr, &t.operators),
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr);
                if v.is_unknown() {
                    return v;
                }
                match u.operator.value() {
                    UnaryOperator::Not => match truth(&v) {
                        Some(b) => Val::Bool(!b),
                        None => err(self.text(e), "! needs a bool"),
                    },
                    UnaryOperator::Neg => match number(&v) {
                        Some(n) => num_val(-n),
                        None => err(self.text(e), "- needs a number"),
                    },
                }
            }
            Expression::BinaryOp(b) => {
                self.binary(e, &b.lhs_expr, *b.operator.value(), &b.rhs_expr)
            }
            Expression::ForExpr(f) => self.for_expr(e, f),
        }
    }

    fn binary(
        &mut self,
        e: &Expression,
        l: &Expression,
        op: BinaryOperator,
        r: &Expression,
    ) -> Val {
        use BinaryOperator as B;
        let a = self.eval(l);
        // `false && x` and `true || x` are decided by one side (Terraform evaluates
        // both, but an unknown other side cannot change them).
        if matches!(op, B::And | B::Or) {
            let b = self.eval(r);
            let (x, y) = (truth(&a), truth(&b));
            return match (op, x, y) {
                (B::And, Some(false), _) | (B::And, _, Some(false)) => Val::Bool(false),
                (B::Or, Some(true), _) | (B::Or, _, Some(true)) => Val::Bool(true),
                (_, Some(p), Some(q)) => Val::Bool(if op == B::And { p && q } else { p || q }),
                _ if a.is_unknown() => a,
                _ if b.is_unknown() => b,
                _ => err(self.text(e), "&& and || need bools"),
            };
        }
        let b = self.eval(r);
        if matches!(op, B::Eq | B::NotEq) {
            if a.contains_unknown() {
                return a;
            }
            if b.contains_unknown() {
                return b;
            }
            let eq = equal(&a, &b);
            return Val::Bool(if op == B::Eq { eq } else { !eq });
        }
        if a.is_unknown() {
            return a;
        }
        if b.is_unknown() {
            return b;
        }
        let (Some(x), Some(y)) = (number(&a), number(&b)) else {
            return err(self.text(e), "arithmetic and comparison need numbers");
        };
        match op {
            B::Plus => num_val(x + y),
            B::Minus => num_val(x - y),
            B::Mul => num_val(x * y),
            B::Div if y == 0.0 => err(self.text(e), "division by zero"),
            B::Div => num_val(x / y),
            B::Mod if y == 0.0 => err(self.text(e), "modulo by zero"),
            B::Mod => num_val(x % y),
            B::Less => Val::Bool(x < y),
            B::LessEq => Val::Bool(x <= y),
            B::Greater => Val::Bool(x > y),
            B::GreaterEq => Val::Bool(x >= y),
            B::Eq | B::NotEq | B::And | B::Or => unreachable!("handled above"),
        }
    }

    pub fn template(&mut self, whole: &Expression, t: &Template) -> Val {
        let mut out = String::new();
        for el in t.iter() {
            match el {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr);
                    match v {
                        Val::Unknown(u) if u.reason.starts_with(ERR) => {
                            return Val::Unknown(u);
                        }
                        Val::Unknown(u) => {
                            return Val::unknown(
                                self.text(whole),
                                format!("{} is unknown: {}", u.expr, u.reason),
                            )
                        }
                        v => match to_string(&v) {
                            Some(s) => out.push_str(&s),
                            None => {
                                return err(
                                    self.text(&i.expr),
                                    format!("a {} cannot be part of a string", v.type_name()),
                                )
                            }
                        },
                    }
                }
                Element::Directive(_) => {
                    return Val::unknown(
                        self.text(whole),
                        "template directives (%{if}, %{for}) are not evaluated yet",
                    )
                }
            }
            if out.len() > crate::arm::functions::MAX_STRING_BYTES {
                return err(self.text(whole), "string too long");
            }
        }
        Val::Str(out)
    }

    fn traversal(
        &mut self,
        whole: &Expression,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Val {
        // A reference: a root name and the attribute names after it.
        let mut start = 0;
        let mut v = match root {
            Expression::Variable(name) if self.local(name.value().as_str()).is_none() => {
                let attrs: Vec<String> = ops
                    .iter()
                    .map_while(|o| match o.value() {
                        TraversalOperator::GetAttr(a) => Some(a.value().as_str().to_string()),
                        _ => None,
                    })
                    .collect();
                match self.env.lookup(name.value().as_str(), &attrs) {
                    Some((v, used)) => {
                        start = used;
                        v
                    }
                    None => {
                        return err(
                            self.text(whole),
                            format!("'{}' is not declared", name.value().as_str()),
                        )
                    }
                }
            }
            _ => self.eval(root),
        };
        let mut i = start;
        while i < ops.len() {
            match ops[i].value() {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match v {
                        Val::Array(a) => a,
                        Val::Null => Vec::new(),
                        u @ Val::Unknown(_) => return u,
                        other => vec![other],
                    };
                    let rest = &ops[i + 1..];
                    let mut out = Vec::new();
                    for x in items {
                        out.push(self.apply(whole, x, rest));
                    }
                    return Val::Array(out);
                }
                _ => {
                    v = self.apply(whole, v, &ops[i..=i]);
                }
            }
            i += 1;
        }
        v
    }

    fn apply(
        &mut self,
        whole: &Expression,
        mut v: Val,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Val {
        for op in ops {
            if let Val::Unknown(u) = &v {
                if !u.reason.starts_with(ERR) {
                    return Val::unknown(self.text(whole), u.reason.clone());
                }
                return v;
            }
            v = match op.value() {
                TraversalOperator::GetAttr(a) => {
                    let key = a.value().as_str();
                    match &v {
                        Val::Object(o) => match o.iter().find(|(k, _)| k == key) {
                            Some((_, x)) => x.clone(),
                            None => err(self.text(whole), format!("no attribute '{key}'")),
                        },
                        Val::Null => err(self.text(whole), format!("'{key}' of null")),
                        other => err(
                            self.text(whole),
                            format!("'{key}' of a {}", other.type_name()),
                        ),
                    }
                }
                TraversalOperator::Index(ix) => {
                    let k = self.eval(ix);
                    index(self.text(whole), &v, &k)
                }
                TraversalOperator::LegacyIndex(n) => {
                    index(self.text(whole), &v, &Val::Int(*n.value() as i64))
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    // A splat after a splat: each element's elements.
                    return Val::unknown(self.text(whole), "nested splats are not evaluated yet");
                }
            };
        }
        v
    }

    fn for_expr(&mut self, e: &Expression, f: &ForExpr) -> Val {
        let coll = self.eval(&f.intro.collection_expr);
        if coll.is_unknown() {
            return coll;
        }
        let Some(items) = entries(&coll) else {
            return err(
                self.text(e),
                "a for expression needs a list, set, map or object",
            );
        };
        let kname = f
            .intro
            .key_var
            .as_ref()
            .map(|k| k.value().as_str().to_string());
        let vname = f.intro.value_var.value().as_str().to_string();
        let mut list = Vec::new();
        let mut obj: Vec<(String, Val)> = Vec::new();
        for (k, x) in items {
            let pushed = match &kname {
                Some(kn) => {
                    self.scope.push((kn.clone(), k));
                    self.scope.push((vname.clone(), x));
                    2
                }
                None => {
                    self.scope.push((vname.clone(), x));
                    1
                }
            };
            let keep = match &f.cond {
                Some(c) => {
                    let cv = self.eval(&c.expr);
                    match truth(&cv) {
                        Some(b) => Ok(b),
                        None => Err(if cv.is_unknown() {
                            cv
                        } else {
                            err(self.text(&c.expr), "a for condition must be a bool")
                        }),
                    }
                }
                None => Ok(true),
            };
            let result = match keep {
                Err(u) => Some(Err(u)),
                Ok(false) => None,
                Ok(true) => Some(Ok(match &f.key_expr {
                    Some(ke) => {
                        let kv = self.eval(ke);
                        (Some(kv), self.eval(&f.value_expr))
                    }
                    None => (None, self.eval(&f.value_expr)),
                })),
            };
            self.scope.truncate(self.scope.len() - pushed);
            match result {
                None => {}
                Some(Err(u)) => return u,
                Some(Ok((Some(kv), val))) => {
                    let key = match &kv {
                        u @ Val::Unknown(_) => return u.clone(),
                        other => match to_string(other) {
                            Some(s) => s,
                            None => return err(self.text(e), "a for key must be a string"),
                        },
                    };
                    if f.grouping {
                        match obj.iter_mut().find(|(k2, _)| *k2 == key) {
                            Some((_, Val::Array(a))) => a.push(val),
                            _ => obj.push((key, Val::Array(vec![val]))),
                        }
                    } else if obj.iter().any(|(k2, _)| *k2 == key) {
                        return err(self.text(e), format!("duplicate key '{key}'"));
                    } else {
                        obj.push((key, val));
                    }
                }
                Some(Ok((None, val))) => list.push(val),
            }
            if list.len() + obj.len() > MAX_ARRAY_LEN {
                return err(self.text(e), "a for expression yields too many elements");
            }
        }
        let out = if f.key_expr.is_some() {
            Val::Object(obj)
        } else {
            Val::Array(list)
        };
        match check_result("for", &out) {
            Ok(_) => out,
            Err(m) => err(self.text(e), m),
        }
    }
}

/// `v[k]`: a list by number, a map or object by key.
pub(crate) fn index(expr: String, v: &Val, k: &Val) -> Val {
    if k.is_unknown() {
        return k.clone();
    }
    match v {
        Val::Array(a) => match number(k) {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && (n as usize) < a.len() => {
                a[n as usize].clone()
            }
            _ => err(
                expr,
                format!("index {} out of range", to_string(k).unwrap_or_default()),
            ),
        },
        Val::Object(o) => {
            let key = to_string(k).unwrap_or_default();
            match o.iter().find(|(x, _)| *x == key) {
                Some((_, x)) => x.clone(),
                None => err(expr, format!("no key '{key}'")),
            }
        }
        u @ Val::Unknown(_) => u.clone(),
        other => err(expr, format!("cannot index a {}", other.type_name())),
    }
}
