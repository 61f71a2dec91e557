//! Bicep expressions to ARM expression text (`parameters('p')`, `if(...)`, ...) and
//! to JSON values, as the Bicep compiler writes them: literals stay JSON, the rest
//! becomes a `"[...]"` string whose span is the whole Bicep expression.

use super::node::{self, quote};
use super::{span, Problem};
use crate::bicep::syntax::ast::{
    ArrayItem, BinaryOp, Expr, ExprKind, ObjectItem, ObjectKey, StringExpr, UnaryOp,
};
use crate::bicep::syntax::Span as BSpan;
use crate::json::{Node, Value};
use std::collections::{HashMap, HashSet};

/// The apiVersion Bicep uses for the deployments it writes for modules.
pub(crate) const DEPLOYMENTS_API: &str = "2025-04-01";

/// A declared resource, as a symbolic reference needs it.
#[derive(Debug, Clone)]
pub(crate) struct ResourceSym {
    pub ty: String,
    pub api: String,
    /// The name's segments (parents first), as ARM expression text.
    pub segments: Vec<String>,
    /// Declared with a loop: `x.id` needs an index.
    pub looped: bool,
    /// `resourceId()`'s leading arguments for an `existing` resource in another
    /// resource group (`scope: resourceGroup(rg)` or `resourceGroup(sub, rg)`): `[rg]`
    /// or `[sub, rg]`, as ARM expression text; children share their parent's.
    pub scope: Vec<String>,
    /// `scope: r` (an extension resource): the id of the resource it extends, as ARM
    /// expression text; children share their parent's.
    pub extends: Option<String>,
    /// The extension (its alias) that deploys it, when the file declares extensions
    /// (`k8s:`, a type of the one non-Azure extension declared, else Azure's own):
    /// written as the compiler does.
    pub extension: Option<String>,
}

impl ResourceSym {
    /// One resource of a loop: the one whose `copyIndex()` is `index`. (The loop
    /// variables of a resource loop's name are the only `copyIndex()` in it.)
    pub fn at(&self, index: &str) -> ResourceSym {
        ResourceSym {
            segments: self
                .segments
                .iter()
                .map(|s| s.replace("copyIndex()", index))
                .collect(),
            looped: false,
            ..self.clone()
        }
    }

    pub fn id(&self) -> String {
        let mut s = match &self.extends {
            Some(of) => format!("extensionResourceId({of}, "),
            None => "resourceId(".to_string(),
        };
        for arg in self.scope.iter().filter(|_| self.extends.is_none()) {
            s.push_str(arg);
            s.push_str(", ");
        }
        s.push_str(&quote(&self.ty));
        for seg in &self.segments {
            s.push_str(", ");
            s.push_str(seg);
        }
        s.push(')');
        s
    }

    /// The full name: the segments joined with `/`.
    pub fn full_name(&self) -> String {
        join_name(&self.segments)
    }
}

/// `a/b/c` from name segments, literal when they all are.
pub(crate) fn join_name(segments: &[String]) -> String {
    if segments.len() == 1 {
        return segments[0].clone();
    }
    let literal: Option<Vec<String>> = segments.iter().map(|s| unquote(s)).collect();
    if let Some(parts) = literal {
        return quote(&parts.join("/"));
    }
    let holes: Vec<String> = (0..segments.len()).map(|i| format!("{{{i}}}")).collect();
    format!(
        "format({}, {})",
        quote(&holes.join("/")),
        segments.join(", ")
    )
}

/// The single-quoted literal `s` stands for, if it is one.
pub(crate) fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some(inner.replace("''", "'"))
}

/// The names a file declares.
#[derive(Debug, Default)]
pub(crate) struct Symbols {
    pub params: HashSet<String>,
    pub vars: HashSet<String>,
    /// Function scopes by file (0: the file lowered; then the files it imports).
    pub scopes: std::rc::Rc<Vec<super::funcs::FuncScope>>,
    /// By symbolic name; nested resources also as `parent::child`.
    pub resources: HashMap<String, ResourceSym>,
    /// Module symbol to its deployment name (ARM expression text).
    pub modules: HashMap<String, String>,
    /// `extension` declarations: alias to the extension's name (`az`, `kubernetes`,
    /// a registry reference).
    pub extensions: HashMap<String, String>,
}

impl Symbols {
    /// Whether a resource of `extension` ([`ResourceSym::extension`]) is Azure's.
    pub fn is_azure(&self, extension: &Option<String>) -> bool {
        extension
            .as_ref()
            .is_none_or(|alias| self.extensions.get(alias).is_some_and(|n| n == "az"))
    }
}

/// Lowers expressions of one file, collecting problems.
pub(crate) struct Lower<'s> {
    pub sym: &'s Symbols,
    /// Where `load*()` functions read files from (none: they are not supported here).
    pub source: Option<super::load::Source<'s>>,
    /// Loop and lambda variables in scope, innermost last: name to ARM text.
    pub locals: Vec<(String, String)>,
    pub problems: Vec<Problem>,
    /// Lowering a `.bicepparam` file: its own functions (`readEnvironmentVariable`,
    /// `getSecret`) are known, as unknown values.
    pub params_file: bool,
    /// The function scope names are looked up in ([`Symbols::scopes`]).
    pub scope: usize,
    /// How many inlined function bodies are being lowered: inside one, only its
    /// parameters are in scope.
    pub inline_depth: usize,
    fresh: usize,
}

/// Bicep functions read files at compile time; not supported yet.
const LOAD_FUNCTIONS: &[&str] = &[
    "loadtextcontent",
    "loadjsoncontent",
    "loadyamlcontent",
    "loadfileasbase64",
    "readenvironmentvariable",
];

impl<'s> Lower<'s> {
    pub fn new(sym: &'s Symbols) -> Self {
        Lower {
            sym,
            source: None,
            locals: Vec::new(),
            problems: Vec::new(),
            params_file: false,
            scope: 0,
            inline_depth: 0,
            fresh: 0,
        }
    }

    pub fn unsupported(&mut self, what: &str, at: BSpan) -> String {
        self.problem("AKS901", format!("not supported yet: {what}"), at);
        "null".into()
    }

    pub fn problem(&mut self, code: &'static str, message: String, at: BSpan) {
        self.problems.push(Problem {
            code,
            message,
            span: span(at),
        });
    }

    fn local(&self, name: &str) -> Option<&str> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A fresh lambda variable name for a loop written as `map(range(...))`.
    fn fresh(&mut self) -> String {
        self.fresh += 1;
        format!("__i{}", self.fresh)
    }

    /// `e` as a JSON value: literals, objects and arrays stay JSON; anything else is an
    /// ARM expression string spanning `e`.
    pub fn value(&mut self, e: &Expr) -> Node {
        let at = span(e.span);
        match &e.kind {
            ExprKind::Null => Node {
                value: Value::Null,
                span: at,
            },
            ExprKind::Bool(b) => node::boolean(*b, at),
            ExprKind::Int(i) => match i64::try_from(*i) {
                Ok(i) => node::int(i, at),
                Err(_) => {
                    self.unsupported("an integer over 2^63", e.span);
                    node::int(0, at)
                }
            },
            ExprKind::Unary {
                op: UnaryOp::Minus,
                operand,
            } if matches!(operand.kind, ExprKind::Int(i) if i <= i64::MAX as u64) => {
                let ExprKind::Int(i) = operand.kind else {
                    unreachable!()
                };
                node::int(-(i as i64), at)
            }
            ExprKind::String(s) if s.holes.is_empty() => {
                node::literal(s.as_plain().unwrap_or_default(), at)
            }
            ExprKind::Paren(inner) => {
                let mut n = self.value(inner);
                n.span = at;
                n
            }
            ExprKind::Object(items) if !items.iter().any(|i| is_spread(i) || is_computed(i)) => {
                let mut members = Vec::new();
                for item in items {
                    match item {
                        ObjectItem::Property { key, value, .. } => {
                            let Some(k) = self.key(key) else { continue };
                            let v = self.value(value);
                            members.push(node::member(&k, span(key.span()), v));
                        }
                        ObjectItem::Resource(st) => {
                            self.unsupported("a resource declared inside a value", st.span);
                        }
                        ObjectItem::Spread { .. } => unreachable!(),
                        ObjectItem::Error(s) => {
                            self.problem("AKS901", "invalid Bicep object item".into(), *s);
                        }
                    }
                }
                node::object(members, at)
            }
            ExprKind::Array(items)
                if !items.iter().any(|i| matches!(i, ArrayItem::Spread { .. })) =>
            {
                let values = items
                    .iter()
                    .map(|i| match i {
                        ArrayItem::Value(v) => self.value(v),
                        ArrayItem::Spread { .. } => unreachable!(),
                    })
                    .collect();
                Node {
                    value: Value::Array(values),
                    span: at,
                }
            }
            _ => {
                let text = self.expr(e);
                match unquote(&text) {
                    Some(lit) => node::literal(&lit, at),
                    None => node::expression(&text, at),
                }
            }
        }
    }

    /// An object key's name; a problem when it is computed.
    pub fn key(&mut self, key: &ObjectKey) -> Option<String> {
        match key.as_name() {
            Some(k) => Some(k.to_string()),
            None => {
                self.unsupported("an object key computed by interpolation", key.span());
                None
            }
        }
    }

    /// `e` as ARM expression text (without the brackets).
    pub fn expr(&mut self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Null => "null()".into(),
            ExprKind::Bool(true) => "true()".into(),
            ExprKind::Bool(false) => "false()".into(),
            ExprKind::Int(i) => i.to_string(),
            ExprKind::String(s) => self.string(s),
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Array(items) => self.array(items),
            ExprKind::Object(items) => self.object(items, e.span),
            ExprKind::Ident(id) => self.ident(&id.name, e.span),
            ExprKind::Call { name, args } => self.call(&name.name, args, e.span),
            ExprKind::MethodCall {
                receiver,
                name,
                args,
            } => match &receiver.kind {
                ExprKind::Ident(ns)
                    if (ns.name == "az" || ns.name == "sys") && self.local(&ns.name).is_none() =>
                {
                    self.call(&name.name, args, e.span)
                }
                // `kv.getSecret('name')` (also `kvs[i].getSecret(...)`) on a Key Vault, a
                // module's secure parameter: read when Azure deploys, never known here.
                _ if name.name.eq_ignore_ascii_case("getSecret")
                    && self.resource_of(receiver).is_some_and(|r| {
                        r.ty.eq_ignore_ascii_case("Microsoft.KeyVault/vaults")
                    }) =>
                {
                    let secret = match args.first().map(|a| &a.kind) {
                        Some(ExprKind::String(s)) => s.as_plain().map(quote),
                        _ => None,
                    };
                    format!(
                        "aksgate.unknown({}, {})",
                        quote(&format!("getSecret({})", secret.unwrap_or_default())),
                        quote("a Key Vault secret, known only at deployment time")
                    )
                }
                // `aks.listClusterAdminCredential()`, `sa.listKeys()`: ARM's `list*`
                // functions on the resource, answered by Azure at deployment time.
                _ if name.name.len() > 4
                    && name.name.is_char_boundary(4)
                    && name.name[..4].eq_ignore_ascii_case("list")
                    && let Some(r) = self.resource_of(receiver) =>
                {
                    let mut text = format!("{}({}, {}", name.name, r.id(), quote(&r.api));
                    for a in args {
                        text.push_str(", ");
                        text.push_str(&self.expr(a));
                    }
                    text.push(')');
                    text
                }
                ExprKind::Ident(ns) if self.local(&ns.name).is_none() => {
                    match self.func(Some(&ns.name), &name.name) {
                        Some(f) => self.inline(&f, args, e.span),
                        None => {
                            self.unsupported(&format!("the method call .{}()", name.name), e.span)
                        }
                    }
                }
                _ => self.unsupported(&format!("the method call .{}()", name.name), e.span),
            },
            ExprKind::Property { base, name, safe } => self.property(e, base, &name.name, *safe),
            ExprKind::Index {
                base,
                index,
                safe,
                from_end,
            } => {
                if *from_end {
                    return self.unsupported("index from the end `[^i]`", e.span);
                }
                if let Some(r) = self.resource_of(e) {
                    return format!("reference({}, {}, 'full')", r.id(), quote(&r.api));
                }
                let b = self.expr(base);
                let i = self.expr(index);
                if *safe {
                    format!("tryGet({b}, {i})")
                } else {
                    format!("{b}[{i}]")
                }
            }
            ExprKind::ResourceAccess { .. } => match self.resource_of(e) {
                Some(r) => format!("reference({}, {}, 'full')", r.id(), quote(&r.api)),
                None => self.unsupported("this `::` reference", e.span),
            },
            ExprKind::NonNull(inner) => self.expr(inner),
            ExprKind::Unary { op, operand } => {
                let o = self.expr(operand);
                match op {
                    UnaryOp::Not => format!("not({o})"),
                    UnaryOp::Minus => match operand.kind {
                        ExprKind::Int(_) => format!("-{o}"),
                        _ => format!("sub(0, {o})"),
                    },
                }
            }
            ExprKind::Binary {
                op, left, right, ..
            } => {
                let l = self.expr(left);
                let r = self.expr(right);
                binary(*op, l, r)
            }
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => {
                let c = self.expr(condition);
                let t = self.expr(then);
                let o = self.expr(otherwise);
                format!("if({c}, {t}, {o})")
            }
            ExprKind::Lambda { params, body } => {
                let arm: Vec<String> = params.iter().map(|p| self.lambda_name(&p.name)).collect();
                let names: Vec<String> = arm.iter().map(|n| quote(n)).collect();
                for (p, a) in params.iter().zip(&arm) {
                    self.locals
                        .push((p.name.clone(), format!("lambdaVariables({})", quote(a))));
                }
                let b = self.expr(body);
                self.locals.truncate(self.locals.len() - params.len());
                format!("lambda({}, {b})", names.join(", "))
            }
            ExprKind::For(f) => {
                if matches!(f.body.kind, ExprKind::If { .. }) {
                    return self.unsupported("a filtered loop inside a value", e.span);
                }
                let coll = self.expr(&f.iterable);
                let i = self.fresh();
                let index = format!("lambdaVariables({})", quote(&i));
                let mut pushed = 1;
                self.locals
                    .push((f.item.name.clone(), format!("{coll}[{index}]")));
                if let Some(ix) = &f.index {
                    self.locals.push((ix.name.clone(), index.clone()));
                    pushed += 1;
                }
                let b = self.expr(&f.body);
                self.locals.truncate(self.locals.len() - pushed);
                format!("map(range(0, length({coll})), lambda({}, {b}))", quote(&i))
            }
            ExprKind::If { .. } => self.unsupported("`if` here", e.span),
            ExprKind::Error => {
                self.problem("AKS901", "invalid Bicep expression".into(), e.span);
                "null".into()
            }
        }
    }

    fn string(&mut self, s: &StringExpr) -> String {
        if let Some(plain) = s.as_plain() {
            return quote(plain);
        }
        let mut fmt = String::new();
        let mut args = Vec::new();
        for (i, seg) in s.segments.iter().enumerate() {
            fmt.push_str(&seg.value.replace('{', "{{").replace('}', "}}"));
            if let Some(h) = s.holes.get(i) {
                fmt.push_str(&format!("{{{i}}}"));
                args.push(self.expr(h));
            }
        }
        format!("format({}, {})", quote(&fmt), args.join(", "))
    }

    fn array(&mut self, items: &[ArrayItem]) -> String {
        let spread = items.iter().any(|i| matches!(i, ArrayItem::Spread { .. }));
        let parts: Vec<String> = items
            .iter()
            .map(|i| match i {
                ArrayItem::Value(v) if spread => format!("createArray({})", self.expr(v)),
                ArrayItem::Value(v) => self.expr(v),
                ArrayItem::Spread { value, .. } => self.expr(value),
            })
            .collect();
        if spread {
            format!("flatten(createArray({}))", parts.join(", "))
        } else {
            format!("createArray({})", parts.join(", "))
        }
    }

    fn object(&mut self, items: &[ObjectItem], at: BSpan) -> String {
        let mut groups: Vec<String> = Vec::new();
        let mut current: Vec<String> = Vec::new();
        for item in items {
            match item {
                ObjectItem::Property { key, value, .. } => {
                    match (key, key.as_name()) {
                        (_, Some(k)) => current.push(quote(k)),
                        (ObjectKey::String(s), None) => current.push(self.string(s)),
                        _ => {
                            self.key(key);
                            continue;
                        }
                    }
                    current.push(self.expr(value));
                }
                ObjectItem::Spread { value, .. } => {
                    if !current.is_empty() {
                        groups.push(format!("createObject({})", current.join(", ")));
                        current.clear();
                    }
                    groups.push(self.expr(value));
                }
                ObjectItem::Resource(st) => {
                    self.unsupported("a resource declared inside a value", st.span);
                }
                ObjectItem::Error(s) => {
                    self.problem("AKS901", "invalid Bicep object item".into(), *s);
                }
            }
        }
        let _ = at;
        if groups.is_empty() {
            return format!("createObject({})", current.join(", "));
        }
        if !current.is_empty() {
            groups.push(format!("createObject({})", current.join(", ")));
        }
        format!("shallowMerge(createArray({}))", groups.join(", "))
    }

    fn ident(&mut self, name: &str, at: BSpan) -> String {
        if let Some(v) = self.local(name) {
            return v.to_string();
        }
        if self.inline_depth > 0 {
            return self.unsupported(
                &format!("`{name}` in a function body (only its parameters are visible)"),
                at,
            );
        }
        if self.sym.params.contains(name) {
            return format!("parameters({})", quote(name));
        }
        if self.sym.vars.contains(name) {
            return format!("variables({})", quote(name));
        }
        if let Some(r) = self.sym.resources.get(name) {
            if r.looped {
                return self.unsupported("a whole resource loop as a value", at);
            }
            return format!("reference({}, {}, 'full')", r.id(), quote(&r.api));
        }
        if self.sym.modules.contains_key(name) {
            return self.unsupported("a module as a value (use its outputs)", at);
        }
        // An extension's configuration (`k8s.config`) is given at deployment time.
        if self.sym.extensions.contains_key(name) {
            return format!("extensions({})", quote(name));
        }
        self.unsupported(
            &format!("the name `{name}` (not declared, or of a kind not lowered)"),
            at,
        )
    }

    /// The resource a symbolic expression (`x`, `x::y`, `xs[i]` of a resource loop)
    /// names, if it is one.
    pub fn resource_of(&mut self, e: &Expr) -> Option<ResourceSym> {
        if let ExprKind::Index {
            base,
            index,
            safe: false,
            from_end: false,
        } = &e.kind
        {
            let r = self.resource_of(base)?;
            if !r.looped {
                return None;
            }
            let i = self.expr(index);
            return Some(r.at(&i));
        }
        let key = resource_key(e)?;
        if self.inline_depth > 0 || self.local(key.split("::").next()?).is_some() {
            return None;
        }
        if let Some(r) = self.sym.resources.get(&key) {
            return Some(r.clone());
        }
        // `child::grandchild` inside the parent's body: the one key ending so.
        let tail = format!("::{key}");
        let mut found = self
            .sym
            .resources
            .iter()
            .filter(|(k, _)| k.ends_with(&tail));
        match (found.next(), found.next()) {
            (Some((_, r)), None) => Some(r.clone()),
            _ => None,
        }
    }

    fn property(&mut self, e: &Expr, base: &Expr, name: &str, safe: bool) -> String {
        if let Some(r) = self.resource_of(base) {
            if r.looped {
                return self.unsupported("a property of a resource loop", e.span);
            }
            return match name {
                "id" => r.id(),
                "name" => r.segments.last().cloned().unwrap_or_default(),
                "type" => quote(&r.ty),
                "apiVersion" => quote(&r.api),
                "properties" => format!("reference({}, {})", r.id(), quote(&r.api)),
                other => format!("reference({}, {}, 'full').{other}", r.id(), quote(&r.api)),
            };
        }
        // `m.outputs.x` of a module.
        if let ExprKind::Property {
            base: inner,
            name: outputs,
            ..
        } = &base.kind
        {
            if let ExprKind::Ident(m) = &inner.kind {
                if let (Some(dep), true, None) = (
                    self.sym.modules.get(&m.name),
                    outputs.name == "outputs",
                    self.local(&m.name),
                ) {
                    return format!(
                        "reference(resourceId('Microsoft.Resources/deployments', {dep}), {}).outputs.{name}.value",
                        quote(DEPLOYMENTS_API)
                    );
                }
            }
            // `ms[i].outputs.x` of one module of a loop: the deployment whose name has
            // `i` for the loop's `copyIndex()` (its name is the only `copyIndex()` in it).
            if let ExprKind::Index {
                base: looped,
                index,
                safe: false,
                from_end: false,
            } = &inner.kind
            {
                if let ExprKind::Ident(m) = &looped.kind {
                    if let (Some(dep), true, None) = (
                        self.sym.modules.get(&m.name).cloned(),
                        outputs.name == "outputs",
                        self.local(&m.name),
                    ) {
                        let i = self.expr(index);
                        return format!(
                            "reference(resourceId('Microsoft.Resources/deployments', {}), {}).outputs.{name}.value",
                            dep.replace("copyIndex()", &i),
                            quote(DEPLOYMENTS_API)
                        );
                    }
                }
            }
        }
        if let ExprKind::Ident(m) = &base.kind {
            if let (Some(dep), None) = (self.sym.modules.get(&m.name), self.local(&m.name)) {
                if name == "name" {
                    return dep.clone();
                }
                return self.unsupported(&format!("the module property .{name}"), e.span);
            }
        }
        let b = self.expr(base);
        if safe {
            format!("tryGet({b}, {})", quote(name))
        } else {
            format!("{b}.{name}")
        }
    }

    fn call(&mut self, name: &str, args: &[Expr], at: BSpan) -> String {
        let lower = name.to_ascii_lowercase();
        if self.params_file {
            if let Some(text) = params_file_call(&lower, name, args) {
                return text;
            }
        }
        if let Some(text) = self.load_call(&lower, name, args, at) {
            return text;
        }
        if LOAD_FUNCTIONS.contains(&lower.as_str()) {
            return self.unsupported(&format!("{name}() (reads a file at build time)"), at);
        }
        if let Some(f) = self.func(None, name) {
            return self.inline(&f, args, at);
        }
        if lower == "nameof" && args.len() == 1 {
            // Compile time: the last name of the symbol or property written.
            return match &args[0].kind {
                ExprKind::Ident(n) | ExprKind::Property { name: n, .. } => quote(&n.name),
                ExprKind::ResourceAccess { name: n, .. } => quote(&n.name),
                ExprKind::Index { index, .. } => match &index.kind {
                    ExprKind::String(s) if s.as_plain().is_some() => self.string(s),
                    _ => self.unsupported("nameof() of a computed index", at),
                },
                _ => self.unsupported("nameof() of this expression", at),
            };
        }
        if lower == "any" && args.len() == 1 {
            return self.expr(&args[0]);
        }
        let a: Vec<String> = args.iter().map(|x| self.expr(x)).collect();
        format!("{name}({})", a.join(", "))
    }
}

/// The functions only a `.bicepparam` file has: values aksgate cannot know, written as
/// `aksgate.unknown(...)` so that they stay unknown (AKS900 where they matter).
fn params_file_call(lower: &str, name: &str, args: &[Expr]) -> Option<String> {
    let reason = match lower {
        // The default applies only when the variable is not set where the file is built:
        // which it is, aksgate cannot know.
        "readenvironmentvariable" => {
            "an environment variable read where the parameters are built, not known here"
        }
        "getsecret" => "a Key Vault secret, known only at deployment time",
        // A value the deployment tool binds (`sys.cli`, `sys.envVar`, a custom binding).
        "externalinput" => "an external input, bound by the deployment tool, not known here",
        _ => return None,
    };
    let first = match args.first().map(|a| &a.kind) {
        Some(ExprKind::String(s)) => s.as_plain().map(quote),
        _ => None,
    };
    let shown = format!("{name}({})", first.unwrap_or_default());
    Some(format!(
        "aksgate.unknown({}, {})",
        quote(&shown),
        quote(reason)
    ))
}

/// An object property whose key is interpolated (`'${p}-x': ...`).
fn is_computed(i: &ObjectItem) -> bool {
    matches!(i, ObjectItem::Property { key: ObjectKey::String(s), .. } if s.as_plain().is_none())
}

fn is_spread(i: &ObjectItem) -> bool {
    matches!(i, ObjectItem::Spread { .. })
}

/// `x` or `x::y::z` as a lookup key.
fn resource_key(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Ident(i) => Some(i.name.clone()),
        ExprKind::ResourceAccess { base, name } => {
            Some(format!("{}::{}", resource_key(base)?, name.name))
        }
        _ => None,
    }
}

fn binary(op: BinaryOp, l: String, r: String) -> String {
    use BinaryOp::*;
    let f = match op {
        Coalesce => "coalesce",
        Or => "or",
        And => "and",
        Equals => "equals",
        NotEquals => return format!("not(equals({l}, {r}))"),
        EqualsInsensitive => return format!("equals(toLower({l}), toLower({r}))"),
        NotEqualsInsensitive => return format!("not(equals(toLower({l}), toLower({r})))"),
        Less => "less",
        LessOrEqual => "lessOrEquals",
        Greater => "greater",
        GreaterOrEqual => "greaterOrEquals",
        Add => "add",
        Subtract => "sub",
        Multiply => "mul",
        Divide => "div",
        Modulo => "mod",
    };
    format!("{f}({l}, {r})")
}
