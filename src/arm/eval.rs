//! Evaluation of ARM template expressions against a [`Context`].
//!
//! Evaluation never panics and never fails: anything that cannot be computed (a
//! deployment-time function, a type error, a missing property, a parse error) becomes a
//! [`Val::Unknown`] carrying a reason.
//!
//! The `expr` of an unknown is chosen as follows:
//! * an unknown that comes from the [`Context`] (a parameter or variable that is itself
//!   unknown) is passed through unchanged, so it still names its root cause;
//! * an unknown created while evaluating a template string with [`eval_string`] (a
//!   deployment-time function, an error) has that whole template string as `expr`;
//! * with [`eval_expr`] (no template string) it is the rendered sub-expression that
//!   produced it, e.g. `[reference('x')]`.
//!
//! Arguments are evaluated eagerly except for the lazy forms `if`, `and`, `or` and
//! `coalesce`, and lambda bodies.

use crate::arm::expr::{as_expression, parse, unescape_literal, Expr};
use crate::arm::functions::{self, deep_equals};
use crate::arm::value::Val;

/// Where the deployment happens. Placeholders by default, so resource ids stay comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentContext {
    pub subscription_id: String,
    pub resource_group: String,
    pub location: String,
    pub deployment_name: String,
    pub tenant_id: String,
}

impl Default for DeploymentContext {
    fn default() -> Self {
        DeploymentContext {
            subscription_id: "{subscription}".to_string(),
            resource_group: "{resourcegroup}".to_string(),
            location: "{location}".to_string(),
            deployment_name: "{deployment}".to_string(),
            tenant_id: "{tenant}".to_string(),
        }
    }
}

/// What an expression can see of its template.
pub trait Context {
    /// Value of template parameter `name` (case-insensitive). None = no such parameter declared.
    fn parameter(&mut self, name: &str) -> Option<Val>;
    /// Value of variable `name` (case-insensitive). None = not declared.
    fn variable(&mut self, name: &str) -> Option<Val>;
    /// copyIndex(): the current index of the named loop (None name = innermost). None = not in a loop.
    fn copy_index(&self, loop_name: Option<&str>) -> Option<i64>;
    /// Deployment context for resourceGroup(), subscription(), deployment(), environment().
    fn deployment_context(&self) -> DeploymentContext {
        DeploymentContext::default()
    }
    /// Counts a function result of `weight` ([`functions::weight`]) against the
    /// deployment's evaluation budget; `Err` names the limit once it is spent. The
    /// budget bounds what a small template can make evaluation build (a `map` inside a
    /// `map`, a megabyte variable read a thousand times).
    fn charge(&mut self, _weight: usize) -> Result<(), String> {
        Ok(())
    }
    /// The budget is spent: no function is evaluated any more.
    fn exhausted(&self) -> bool {
        false
    }
    /// A reference to a parameter or variable the template does not declare: ARM
    /// rejects such a template, so the context reports it (AKS901), and the reference
    /// evaluates to `null` so the rest of the value is still evaluated.
    fn undeclared(&mut self, _what: &str, _name: &str) {}
    /// The template's user-defined function `name` (`namespace.member`, lower-cased),
    /// if it declares one.
    fn user_function(&mut self, _name: &str) -> Option<UserFunction> {
        None
    }
    /// How many user-defined function calls are being evaluated (they nest at most
    /// [`MAX_FUNCTION_DEPTH`] deep).
    fn function_depth(&self) -> usize {
        0
    }
}

/// A user-defined function of a template's `functions` section: its parameters' names,
/// in order, and its `output.value`.
#[derive(Debug, Clone)]
pub struct UserFunction {
    pub params: Vec<String>,
    pub output: crate::json::Node,
}

/// User-defined functions call each other at most this deep (ARM allows no recursion;
/// this bounds hostile templates).
pub const MAX_FUNCTION_DEPTH: usize = 32;

/// The context inside a user-defined function: its parameters are the arguments; it
/// sees no variables and no copy loop, as in ARM; the rest is the caller's.
struct FunctionCtx<'o> {
    outer: &'o mut dyn Context,
    args: Vec<(String, Val)>,
}

impl Context for FunctionCtx<'_> {
    fn parameter(&mut self, name: &str) -> Option<Val> {
        self.args
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
    fn variable(&mut self, _name: &str) -> Option<Val> {
        None
    }
    fn copy_index(&self, _loop_name: Option<&str>) -> Option<i64> {
        None
    }
    fn deployment_context(&self) -> DeploymentContext {
        self.outer.deployment_context()
    }
    fn charge(&mut self, weight: usize) -> Result<(), String> {
        self.outer.charge(weight)
    }
    fn exhausted(&self) -> bool {
        self.outer.exhausted()
    }
    fn undeclared(&mut self, what: &str, name: &str) {
        self.outer.undeclared(what, name)
    }
    fn user_function(&mut self, name: &str) -> Option<UserFunction> {
        self.outer.user_function(name)
    }
    fn function_depth(&self) -> usize {
        self.outer.function_depth() + 1
    }
}

/// A template value (a function's output, a lowered Bicep value): strings evaluated,
/// the rest as written.
pub(crate) fn eval_node(n: &crate::json::Node, ctx: &mut dyn Context) -> Val {
    use crate::json::{Number, Value};
    match &n.value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(Number::Int(i)) => Val::Int(*i),
        Value::Number(Number::Float(f)) => Val::Float(*f),
        Value::String(s) => eval_string(s, ctx),
        Value::Array(items) => Val::Array(items.iter().map(|i| eval_node(i, ctx)).collect()),
        Value::Object(members) => Val::Object(
            members
                .iter()
                .map(|m| (m.key.clone(), eval_node(&m.value, ctx)))
                .collect(),
        ),
    }
}

/// Function names handled by the evaluator itself (they need the context, lazy
/// arguments or lambdas). All other functions are in [`functions::FUNCTIONS`].
pub const SPECIAL_FORMS: &[&str] = &[
    "parameters",
    "variables",
    "copyindex",
    "if",
    "and",
    "or",
    "coalesce",
    "lambda",
    "lambdavariables",
    "filter",
    "map",
    "reduce",
    "sort",
    "toobject",
    "mapvalues",
    "groupby",
];

/// Evaluates one template string value. Literal strings come back as `Val::Str` (with the
/// `[[` escape removed); expressions are parsed and evaluated. Never panics; a parse error
/// or evaluation error yields `Val::Unknown` whose expr is the original string and whose
/// reason states the error.
pub fn eval_string(s: &str, ctx: &mut dyn Context) -> Val {
    match as_expression(s) {
        None => Val::Str(unescape_literal(s).into_owned()),
        Some(inner) => eval_parsed(s, parse(inner), ctx),
    }
}

/// [`eval_string`] of an expression string `s` already parsed (once, by a caller that
/// also looks at its shape).
pub fn eval_parsed(
    s: &str,
    parsed: Result<Expr, crate::arm::expr::ExprError>,
    ctx: &mut dyn Context,
) -> Val {
    {
        match parsed {
            Err(e) => Val::unknown(
                s,
                format!(
                    "invalid expression: {} (at offset {})",
                    e.message,
                    e.offset + 1
                ),
            ),
            Ok(ast) => Evaluator::new(ctx, Some(s)).eval(&ast),
        }
    }
}

/// Evaluates a parsed expression.
pub fn eval_expr(e: &Expr, ctx: &mut dyn Context) -> Val {
    Evaluator::new(ctx, None).eval(e)
}

struct Evaluator<'c, 's> {
    ctx: &'c mut dyn Context,
    origin: Option<&'s str>,
    /// Lambda variables in scope, innermost last.
    scopes: Vec<(String, Val)>,
    dc: Option<DeploymentContext>,
}

/// Why a lambda invocation did not produce a value.
enum LambdaFail {
    Unknown(Val),
}

impl<'c, 's> Evaluator<'c, 's> {
    fn new(ctx: &'c mut dyn Context, origin: Option<&'s str>) -> Self {
        Evaluator {
            ctx,
            origin,
            scopes: Vec::new(),
            dc: None,
        }
    }

    /// An unknown created here (see the module docs for the choice of `expr`).
    fn fail(&self, at: &Expr, reason: impl Into<String>) -> Val {
        let expr = match self.origin {
            Some(s) => s.to_string(),
            None => format!("[{at}]"),
        };
        Val::unknown(expr, reason)
    }

    fn eval(&mut self, e: &Expr) -> Val {
        match e {
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Int(i) => Val::Int(*i),
            Expr::Member { target, name } => {
                let t = self.eval(target);
                self.member(e, t, name)
            }
            Expr::Index { target, index } => {
                let t = self.eval(target);
                if t.is_unknown() {
                    return t;
                }
                let i = self.eval(index);
                self.index(e, t, i)
            }
            Expr::Call { name, args } => {
                if self.ctx.exhausted() {
                    return self.fail(e, "the deployment's evaluation budget is spent");
                }
                let lower = name.to_ascii_lowercase();
                let v = self.call(e, &lower, args);
                let weight = match functions::check_result(name, &v) {
                    Ok(w) => w,
                    Err(reason) => return self.fail(e, reason),
                };
                if let Err(reason) = self.ctx.charge(weight) {
                    return self.fail(e, reason);
                }
                v
            }
        }
    }

    fn member(&self, at: &Expr, t: Val, name: &str) -> Val {
        match t {
            Val::Unknown(_) => t,
            Val::Object(ref entries) => {
                match entries
                    .iter()
                    .position(|(k, _)| k.eq_ignore_ascii_case(name))
                {
                    Some(i) => match t {
                        Val::Object(mut entries) => entries.swap_remove(i).1,
                        _ => Val::Null,
                    },
                    None => {
                        let mut avail: Vec<&str> =
                            entries.iter().take(10).map(|(k, _)| k.as_str()).collect();
                        if entries.len() > 10 {
                            avail.push("...");
                        }
                        self.fail(
                            at,
                            format!(
                                "property '{name}' does not exist (available: {})",
                                if avail.is_empty() {
                                    "none".to_string()
                                } else {
                                    avail.join(", ")
                                }
                            ),
                        )
                    }
                }
            }
            other => self.fail(
                at,
                format!(
                    "cannot read property '{name}' of a {} value",
                    other.type_name()
                ),
            ),
        }
    }

    fn index(&self, at: &Expr, t: Val, i: Val) -> Val {
        if i.is_unknown() {
            return i;
        }
        match (t, &i) {
            (Val::Array(mut items), Val::Int(n)) => {
                if *n >= 0 && (*n as usize) < items.len() {
                    items.swap_remove(*n as usize)
                } else {
                    self.fail(
                        at,
                        format!("index {n} is out of range (array length {})", items.len()),
                    )
                }
            }
            (obj @ Val::Object(_), Val::Str(k)) => self.member(at, obj, k),
            (t, i) => self.fail(
                at,
                format!(
                    "cannot index a {} value with a {}",
                    t.type_name(),
                    i.type_name()
                ),
            ),
        }
    }

    fn deployment(&mut self) -> &DeploymentContext {
        if self.dc.is_none() {
            self.dc = Some(self.ctx.deployment_context());
        }
        self.dc.get_or_insert_with(DeploymentContext::default)
    }

    fn call(&mut self, at: &Expr, lower: &str, args: &[Expr]) -> Val {
        match lower {
            "if" => self.eval_if(at, args),
            "and" | "or" => self.eval_and_or(at, lower, args),
            "coalesce" => {
                for a in args {
                    match self.eval(a) {
                        Val::Null => continue,
                        v => return v,
                    }
                }
                Val::Null
            }
            "parameters" | "variables" => {
                if args.len() != 1 {
                    return self.fail(
                        at,
                        format!("{lower}() expects 1 argument, got {}", args.len()),
                    );
                }
                let name = match self.eval(&args[0]) {
                    Val::Str(s) => s,
                    u @ Val::Unknown(_) => return u,
                    other => {
                        return self.fail(
                            at,
                            format!("{lower}() expects a string name, got {}", other.type_name()),
                        )
                    }
                };
                let found = if lower == "parameters" {
                    self.ctx.parameter(&name)
                } else {
                    self.ctx.variable(&name)
                };
                match found {
                    Some(v) => v,
                    None => {
                        let what = if lower == "parameters" {
                            "parameter"
                        } else {
                            "variable"
                        };
                        self.ctx.undeclared(what, &name);
                        Val::Null
                    }
                }
            }
            "copyindex" => self.eval_copy_index(at, args),
            "lambdavariables" => {
                if args.len() != 1 {
                    return self.fail(at, "lambdaVariables() expects 1 argument");
                }
                let name = match self.eval(&args[0]) {
                    Val::Str(s) => s,
                    u @ Val::Unknown(_) => return u,
                    other => {
                        return self.fail(
                            at,
                            format!(
                                "lambdaVariables() expects a string, got {}",
                                other.type_name()
                            ),
                        )
                    }
                };
                match self
                    .scopes
                    .iter()
                    .rev()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&name))
                {
                    Some((_, v)) => v.clone(),
                    None => self.fail(at, format!("lambda variable '{name}' is not defined here")),
                }
            }
            "filter" | "map" | "reduce" | "sort" | "toobject" | "mapvalues" | "groupby" => {
                self.eval_hof(at, lower, args)
            }
            // A template's user-defined function; other dotted names (aksgate's own
            // `aksgate.unknown`) are the library's.
            _ if lower.contains('.')
                && let Some(f) = self.ctx.user_function(lower) =>
            {
                self.call_user_function(at, lower, f, args)
            }
            _ => {
                let vals: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                let needs_dc = matches!(
                    lower,
                    "resourcegroup"
                        | "subscription"
                        | "tenant"
                        | "deployment"
                        | "resourceid"
                        | "subscriptionresourceid"
                );
                let dc = if needs_dc {
                    self.deployment().clone()
                } else {
                    DeploymentContext::default()
                };
                match functions::call(lower, vals, &dc) {
                    Ok(v) => v,
                    Err(reason) => self.fail(at, reason),
                }
            }
        }
    }

    /// A call of a template's user-defined function: its output evaluated with its
    /// parameters bound to the arguments.
    fn call_user_function(&mut self, at: &Expr, name: &str, f: UserFunction, args: &[Expr]) -> Val {
        if args.len() != f.params.len() {
            return self.fail(
                at,
                format!(
                    "user-defined function '{name}' takes {} argument(s), got {}",
                    f.params.len(),
                    args.len()
                ),
            );
        }
        if self.ctx.function_depth() >= MAX_FUNCTION_DEPTH {
            return self.fail(
                at,
                format!("user-defined functions call each other more than {MAX_FUNCTION_DEPTH} deep (ARM allows no recursion)"),
            );
        }
        let vals: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
        let mut inner = FunctionCtx {
            outer: &mut *self.ctx,
            args: f.params.into_iter().zip(vals).collect(),
        };
        eval_node(&f.output, &mut inner)
    }

    fn eval_if(&mut self, at: &Expr, args: &[Expr]) -> Val {
        if args.len() != 3 {
            return self.fail(at, format!("if() expects 3 arguments, got {}", args.len()));
        }
        match self.eval(&args[0]) {
            Val::Bool(true) => self.eval(&args[1]),
            Val::Bool(false) => self.eval(&args[2]),
            Val::Unknown(u) => {
                let a = self.eval(&args[1]);
                let b = self.eval(&args[2]);
                if !a.contains_unknown() && !b.contains_unknown() && deep_equals(&a, &b) {
                    a
                } else {
                    Val::unknown(u.expr, format!("if() condition unknown: {}", u.reason))
                }
            }
            other => self.fail(
                at,
                format!("if() condition must be a bool, got {}", other.type_name()),
            ),
        }
    }

    fn eval_and_or(&mut self, at: &Expr, lower: &str, args: &[Expr]) -> Val {
        if args.is_empty() {
            return self.fail(at, format!("{lower}() expects at least 1 argument"));
        }
        let decisive = lower == "or"; // or: true decides; and: false decides
        let mut first_unknown = None;
        for (i, a) in args.iter().enumerate() {
            match self.eval(a) {
                Val::Bool(b) if b == decisive => return Val::Bool(decisive),
                Val::Bool(_) => {}
                u @ Val::Unknown(_) => {
                    if first_unknown.is_none() {
                        first_unknown = Some(u);
                    }
                }
                other => {
                    return self.fail(
                        at,
                        format!(
                            "{lower}() expects bools, argument {} is {}",
                            i + 1,
                            other.type_name()
                        ),
                    )
                }
            }
        }
        first_unknown.unwrap_or(Val::Bool(!decisive))
    }

    fn eval_copy_index(&mut self, at: &Expr, args: &[Expr]) -> Val {
        if args.len() > 2 {
            return self.fail(at, "copyIndex() expects at most 2 arguments");
        }
        let vals: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
        if let Some(u) = vals.iter().find(|v| v.is_unknown()) {
            return u.clone();
        }
        let (loop_name, offset) = match vals.as_slice() {
            [] => (None, 0),
            [Val::Int(o)] => (None, *o),
            [Val::Str(n)] => (Some(n.as_str()), 0),
            [Val::Str(n), Val::Int(o)] => (Some(n.as_str()), *o),
            _ => return self.fail(at, "copyIndex() expects ([loopName], [offset])"),
        };
        match self.ctx.copy_index(loop_name) {
            Some(i) => match i.checked_add(offset) {
                Some(v) => Val::Int(v),
                None => self.fail(at, "copyIndex() integer overflow"),
            },
            None => match loop_name {
                Some(n) => self.fail(
                    at,
                    format!("copyIndex('{n}') is not inside copy loop '{n}'"),
                ),
                None => self.fail(at, "copyIndex() is used outside a copy loop"),
            },
        }
    }

    /// Extracts `(params, body)` from a `lambda('a', 'b', body)` argument.
    fn lambda_parts<'e>(
        &self,
        at: &Expr,
        fname: &str,
        e: &'e Expr,
        min: usize,
        max: usize,
    ) -> Result<(Vec<String>, &'e Expr), Val> {
        match e {
            Expr::Call { name, args } if name.eq_ignore_ascii_case("lambda") => {
                if args.len() < 2 {
                    return Err(
                        self.fail(at, "lambda() needs at least one variable name and a body")
                    );
                }
                let (params, body) = args.split_at(args.len() - 1);
                let mut names = Vec::new();
                for p in params {
                    match p {
                        Expr::Str(s) => names.push(s.clone()),
                        _ => {
                            return Err(
                                self.fail(at, "lambda() variable names must be string literals")
                            )
                        }
                    }
                }
                if names.len() < min || names.len() > max {
                    let want = if min == max {
                        min.to_string()
                    } else {
                        format!("{min} or {max}")
                    };
                    return Err(self.fail(
                        at,
                        format!(
                            "{fname}() needs a lambda with {want} variable(s), got {}",
                            names.len()
                        ),
                    ));
                }
                Ok((names, &body[0]))
            }
            _ => Err(self.fail(at, format!("{fname}() expects a lambda() argument"))),
        }
    }

    fn apply(&mut self, params: &[String], values: Vec<Val>, body: &Expr) -> Val {
        let base = self.scopes.len();
        for (p, v) in params.iter().zip(values) {
            self.scopes.push((p.clone(), v));
        }
        let r = self.eval(body);
        self.scopes.truncate(base);
        r
    }

    fn apply_bool(
        &mut self,
        at: &Expr,
        fname: &str,
        params: &[String],
        values: Vec<Val>,
        body: &Expr,
    ) -> Result<bool, LambdaFail> {
        match self.apply(params, values, body) {
            Val::Bool(b) => Ok(b),
            u @ Val::Unknown(_) => Err(LambdaFail::Unknown(u)),
            other => Err(LambdaFail::Unknown(self.fail(
                at,
                format!(
                    "{fname}() lambda must return a bool, got {}",
                    other.type_name()
                ),
            ))),
        }
    }

    fn eval_hof(&mut self, at: &Expr, lower: &str, args: &[Expr]) -> Val {
        let fname = match lower {
            "toobject" => "toObject",
            "mapvalues" => "mapValues",
            "groupby" => "groupBy",
            other => other,
        };
        let (min_args, max_args) = match lower {
            "reduce" => (3, 3),
            "toobject" => (2, 3),
            _ => (2, 2),
        };
        if args.len() < min_args || args.len() > max_args {
            return self.fail(
                at,
                format!(
                    "{fname}() expects {min_args} argument(s), got {}",
                    args.len()
                ),
            );
        }
        let input = self.eval(&args[0]);
        if input.is_unknown() {
            return input;
        }
        if lower == "mapvalues" {
            let Val::Object(entries) = input else {
                return self.fail(
                    at,
                    format!("mapValues() expects an object, got {}", input.type_name()),
                );
            };
            let (params, body) = match self.lambda_parts(at, fname, &args[1], 1, 1) {
                Ok(x) => x,
                Err(u) => return u,
            };
            let out = entries
                .into_iter()
                .map(|(k, v)| (k, self.apply(&params, vec![v], body)))
                .collect();
            return Val::Object(out);
        }
        let Val::Array(items) = input else {
            return self.fail(
                at,
                format!("{fname}() expects an array, got {}", input.type_name()),
            );
        };
        match lower {
            "map" | "filter" => {
                let (params, body) = match self.lambda_parts(at, fname, &args[1], 1, 2) {
                    Ok(x) => x,
                    Err(u) => return u,
                };
                let mut out = Vec::new();
                for (i, it) in items.into_iter().enumerate() {
                    let vals = vec![it.clone(), Val::Int(i as i64)];
                    if lower == "map" {
                        out.push(self.apply(&params, vals, body));
                    } else {
                        match self.apply_bool(at, fname, &params, vals, body) {
                            Ok(true) => out.push(it),
                            Ok(false) => {}
                            Err(LambdaFail::Unknown(u)) => return u,
                        }
                    }
                }
                Val::Array(out)
            }
            "reduce" => {
                let mut acc = self.eval(&args[1]);
                let (params, body) = match self.lambda_parts(at, fname, &args[2], 2, 3) {
                    Ok(x) => x,
                    Err(u) => return u,
                };
                for (i, it) in items.into_iter().enumerate() {
                    acc = self.apply(&params, vec![acc, it, Val::Int(i as i64)], body);
                    if acc.is_unknown() {
                        return acc;
                    }
                    if let Err(reason) = functions::check_result("reduce", &acc) {
                        return self.fail(at, reason);
                    }
                }
                acc
            }
            "sort" => {
                let (params, body) = match self.lambda_parts(at, fname, &args[1], 2, 2) {
                    Ok(x) => x,
                    Err(u) => return u,
                };
                match self.merge_sort(at, items, &params, body) {
                    Ok(v) => Val::Array(v),
                    Err(LambdaFail::Unknown(u)) => u,
                }
            }
            "groupby" => {
                let (params, body) = match self.lambda_parts(at, fname, &args[1], 1, 1) {
                    Ok(x) => x,
                    Err(u) => return u,
                };
                let mut out: Vec<(String, Val)> = Vec::new();
                for it in items {
                    let key = match self.lambda_key(at, "groupBy", &params, body, &it) {
                        Ok(k) => k,
                        Err(u) => return u,
                    };
                    match out.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
                        Some((_, Val::Array(group))) => group.push(it),
                        _ => out.push((key, Val::Array(vec![it]))),
                    }
                }
                Val::Object(out)
            }
            _ => {
                // toObject(array, keyLambda, [valueLambda])
                let (kp, kbody) = match self.lambda_parts(at, fname, &args[1], 1, 1) {
                    Ok(x) => x,
                    Err(u) => return u,
                };
                let value_lambda = match args.get(2) {
                    Some(e) => match self.lambda_parts(at, fname, e, 1, 1) {
                        Ok(x) => Some(x),
                        Err(u) => return u,
                    },
                    None => None,
                };
                let mut out: Vec<(String, Val)> = Vec::new();
                for it in items {
                    let key = match self.lambda_key(at, "toObject", &kp, kbody, &it) {
                        Ok(k) => k,
                        Err(u) => return u,
                    };
                    let value = match &value_lambda {
                        Some((vp, vbody)) => self.apply(vp, vec![it], vbody),
                        None => it,
                    };
                    match out.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
                        Some(slot) => slot.1 = value,
                        None => out.push((key, value)),
                    }
                }
                Val::Object(out)
            }
        }
    }

    /// The string key a groupBy/toObject key lambda gives for `it`; an unknown or a
    /// non-string key is the (unknown) result of the whole call.
    fn lambda_key(
        &mut self,
        at: &Expr,
        fname: &str,
        params: &[String],
        body: &Expr,
        it: &Val,
    ) -> Result<String, Val> {
        match self.apply(params, vec![it.clone()], body) {
            Val::Str(s) => Ok(s),
            u @ Val::Unknown(_) => Err(u),
            other => Err(self.fail(
                at,
                format!("{fname}() key must be a string, got {}", other.type_name()),
            )),
        }
    }

    /// Stable merge sort with a fallible comparator (`body(a, b)` true = a sorts first).
    /// Our own sort, because std's sort may panic on an inconsistent comparator.
    fn merge_sort(
        &mut self,
        at: &Expr,
        items: Vec<Val>,
        params: &[String],
        body: &Expr,
    ) -> Result<Vec<Val>, LambdaFail> {
        if items.len() <= 1 {
            return Ok(items);
        }
        let mut items = items;
        let right = items.split_off(items.len() / 2);
        let left = self.merge_sort(at, items, params, body)?;
        let right = self.merge_sort(at, right, params, body)?;
        let mut out = Vec::with_capacity(left.len() + right.len());
        let mut l = left.into_iter().peekable();
        let mut r = right.into_iter().peekable();
        while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
            // Take from the right only when it strictly sorts before the left (stability).
            let right_first =
                self.apply_bool(at, "sort", params, vec![b.clone(), a.clone()], body)?;
            if right_first {
                out.extend(r.next());
            } else {
                out.extend(l.next());
            }
        }
        out.extend(l);
        out.extend(r);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as J;
    use std::collections::HashMap;

    /// A test context: parameters and variables from JSON; string variables are
    /// evaluated as template strings (like the resolver does).
    struct TestCtx {
        params: HashMap<String, Val>,
        vars: HashMap<String, J>,
        copy_index: Option<i64>,
        loops: HashMap<String, i64>,
        depth: usize,
        cache: HashMap<String, Val>,
    }

    impl Context for TestCtx {
        fn parameter(&mut self, name: &str) -> Option<Val> {
            self.params.get(&name.to_ascii_lowercase()).cloned()
        }
        fn variable(&mut self, name: &str) -> Option<Val> {
            let key = name.to_ascii_lowercase();
            let j = self.vars.get(&key)?.clone();
            if let Some(v) = self.cache.get(&key) {
                return Some(v.clone());
            }
            if self.depth > 50 {
                return Some(Val::unknown(name, "variable cycle"));
            }
            self.depth += 1;
            let v = match &j {
                J::String(s) => eval_string(s, self),
                other => Val::from_json(other),
            };
            self.depth -= 1;
            self.cache.insert(key, v.clone());
            Some(v)
        }
        fn copy_index(&self, loop_name: Option<&str>) -> Option<i64> {
            match loop_name {
                None => self.copy_index,
                Some(n) => self.loops.get(&n.to_ascii_lowercase()).copied(),
            }
        }
    }

    fn ctx_for(case: &J) -> TestCtx {
        let mut params = HashMap::new();
        if let Some(J::Object(p)) = case.get("params") {
            for (k, v) in p {
                params.insert(k.to_ascii_lowercase(), Val::from_json(v));
            }
        }
        if let Some(J::Array(u)) = case.get("unknownParams") {
            for n in u {
                let n = n.as_str().unwrap();
                params.insert(
                    n.to_ascii_lowercase(),
                    Val::unknown(format!("[parameters('{n}')]"), "no value is given"),
                );
            }
        }
        let mut vars = HashMap::new();
        if let Some(J::Object(p)) = case.get("vars") {
            for (k, v) in p {
                vars.insert(k.to_ascii_lowercase(), v.clone());
            }
        }
        let mut loops = HashMap::new();
        if let Some(J::Object(p)) = case.get("copyLoops") {
            for (k, v) in p {
                loops.insert(k.to_ascii_lowercase(), v.as_i64().unwrap());
            }
        }
        TestCtx {
            params,
            vars,
            copy_index: case.get("copyIndex").and_then(J::as_i64),
            loops,
            depth: 0,
            cache: HashMap::new(),
        }
    }

    #[test]
    fn table_cases() {
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/expr_cases.json"
        ));
        let cases: Vec<J> = serde_json::from_str(text).expect("expr_cases.json parses");
        let mut failures = Vec::new();
        for case in &cases {
            let src = case["expr"].as_str().expect("case has expr");
            if case.get("expectParseError").and_then(J::as_bool) == Some(true) {
                let inner = as_expression(src).unwrap_or(src);
                if parse(inner).is_ok() {
                    failures.push(format!("{src}: expected a parse error"));
                }
                let mut ctx = ctx_for(case);
                match eval_string(src, &mut ctx) {
                    Val::Unknown(u) if u.reason.contains("invalid expression") && u.expr == src => {
                    }
                    other => failures.push(format!(
                        "{src}: expected invalid-expression unknown, got {other:?}"
                    )),
                }
                continue;
            }
            let mut ctx = ctx_for(case);
            let got = eval_string(src, &mut ctx);
            if let Some(want) = case.get("expectUnknown") {
                let want = want.as_str().unwrap();
                match &got {
                    Val::Unknown(u) if u.reason.to_lowercase().contains(&want.to_lowercase()) => {}
                    other => failures.push(format!(
                        "{src}: expected unknown containing '{want}', got {other:?}"
                    )),
                }
            } else if let Some(want) = case.get("expect") {
                if got.contains_unknown() || got.to_json() != *want {
                    let mut shown = format!("{got:?}");
                    if shown.len() > 300 {
                        let mut cut = 300;
                        while !shown.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        shown.truncate(cut);
                        shown.push_str("...");
                    }
                    failures.push(format!("{src}: expected {want}, got {shown}"));
                }
            } else {
                failures.push(format!("{src}: case has no expectation"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
        assert!(cases.len() >= 150, "only {} cases", cases.len());
    }

    struct Empty;
    impl Context for Empty {
        fn parameter(&mut self, _: &str) -> Option<Val> {
            None
        }
        fn variable(&mut self, _: &str) -> Option<Val> {
            None
        }
        fn copy_index(&self, _: Option<&str>) -> Option<i64> {
            None
        }
    }

    #[test]
    fn unknown_expr_is_the_template_string() {
        let s = "[concat('a', reference('x').id)]";
        match eval_string(s, &mut Empty) {
            Val::Unknown(u) => {
                assert_eq!(u.expr, s);
                assert!(u
                    .reason
                    .contains("reference() is only known at deployment time"));
            }
            other => panic!("{other:?}"),
        }
        let e = parse("concat('a', reference('x').id)").unwrap();
        match eval_expr(&e, &mut Empty) {
            Val::Unknown(u) => assert_eq!(u.expr, "[reference('x')]"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_from_context_keeps_its_origin() {
        struct P;
        impl Context for P {
            fn parameter(&mut self, _: &str) -> Option<Val> {
                Some(Val::unknown("[parameters('p')]", "no value"))
            }
            fn variable(&mut self, _: &str) -> Option<Val> {
                None
            }
            fn copy_index(&self, _: Option<&str>) -> Option<i64> {
                None
            }
        }
        match eval_string("[toLower(parameters('p'))]", &mut P) {
            Val::Unknown(u) => {
                assert_eq!(u.expr, "[parameters('p')]");
                assert_eq!(u.reason, "no value");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parse_error_offset_is_relative_to_template_string() {
        match eval_string("[concat('a' 'b')]", &mut Empty) {
            Val::Unknown(u) => assert!(u.reason.contains("offset 12"), "{}", u.reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn custom_deployment_context() {
        struct D;
        impl Context for D {
            fn parameter(&mut self, _: &str) -> Option<Val> {
                None
            }
            fn variable(&mut self, _: &str) -> Option<Val> {
                None
            }
            fn copy_index(&self, _: Option<&str>) -> Option<i64> {
                None
            }
            fn deployment_context(&self) -> DeploymentContext {
                DeploymentContext {
                    subscription_id: "sub1".into(),
                    resource_group: "rg1".into(),
                    location: "westeurope".into(),
                    deployment_name: "dep".into(),
                    tenant_id: "t".into(),
                }
            }
        }
        assert_eq!(
            eval_string("[resourceId('Microsoft.Network/virtualNetworks', 'v')]", &mut D),
            Val::Str(
                "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v"
                    .into()
            )
        );
        assert_eq!(
            eval_string("[resourceGroup().location]", &mut D),
            Val::Str("westeurope".into())
        );
    }

    #[test]
    fn deep_but_allowed_nesting_evaluates() {
        let depth = 250;
        let s = format!("[{}'x'{}]", "toLower(".repeat(depth), ")".repeat(depth));
        // Run on a thread with a modest stack to check frames stay small.
        let h = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || eval_string(&s, &mut Empty))
            .unwrap();
        assert_eq!(h.join().unwrap(), Val::Str("x".into()));
        let s = format!("[{}1{}]", "f(".repeat(10_000), ")".repeat(10_000));
        assert!(eval_string(&s, &mut Empty).is_unknown());
    }

    #[test]
    fn hostile_growth_is_bounded() {
        let mut vars = HashMap::new();
        vars.insert("v0".to_string(), J::String("[range(0, 10000)]".into()));
        for i in 1..40 {
            vars.insert(
                format!("v{i}"),
                J::String(format!(
                    "[concat(variables('v{}'), variables('v{}'))]",
                    i - 1,
                    i - 1
                )),
            );
        }
        let mut ctx = TestCtx {
            params: HashMap::new(),
            vars,
            copy_index: None,
            loops: HashMap::new(),
            depth: 0,
            cache: HashMap::new(),
        };
        let v = eval_string("[length(variables('v39'))]", &mut ctx);
        assert!(v.is_unknown(), "{v:?}");
        let v = eval_string("[padLeft('a', 1000000000)]", &mut ctx);
        assert!(v.is_unknown());
        let v = eval_string("[range(0, 100000)]", &mut ctx);
        assert!(v.is_unknown());
    }

    #[test]
    fn random_input_never_panics() {
        // Mutate the table expressions (cut, splice, duplicate) with a fixed PRNG and
        // evaluate the results: anything may come back, but nothing may panic.
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/expr_cases.json"
        ));
        let cases: Vec<J> = serde_json::from_str(text).unwrap();
        let exprs: Vec<String> = cases
            .iter()
            .filter_map(|c| c["expr"].as_str().map(String::from))
            .collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let params = serde_json::json!({"p": "v", "o": {"a": {"b": 1}}, "arr": [1, 2]});
        for _ in 0..6000 {
            let a = &exprs[(next() % exprs.len() as u64) as usize];
            let b = &exprs[(next() % exprs.len() as u64) as usize];
            let ca: Vec<char> = a.chars().collect();
            let cb: Vec<char> = b.chars().collect();
            let i = (next() % (ca.len() as u64 + 1)) as usize;
            let j = (next() % (cb.len() as u64 + 1)) as usize;
            let mutated: String = ca[..i].iter().chain(cb[j..].iter()).collect();
            let mutated = if next() % 4 != 0 {
                format!(
                    "[{}]",
                    mutated.trim_start_matches('[').trim_end_matches(']')
                )
            } else {
                mutated
            };
            let case = serde_json::json!({"params": params, "copyIndex": 1});
            let mut ctx = ctx_for(&case);
            let _ = eval_string(&mutated, &mut ctx);
        }
    }
}
