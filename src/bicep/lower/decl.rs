//! Declarations to the template's sections: `param` to `parameters`, `var` to
//! `variables`, `resource` (with nested children, `parent:`, `if`, `for`, `existing`)
//! and `module` to `resources`. Two passes: first every symbol (so references may
//! come before declarations), then the bodies.

use super::expr::{unquote, Lower, ResourceSym, Symbols};
use super::import::{self, Binding};
use super::node::{self, quote};
use super::{module, span, Files, Lowered, Problem, Trail};
use crate::bicep::syntax::ast::{
    Decorator, Expr, ExprKind, ForExpr, LiteralType, ObjectItem, ObjectKey, ParamDecl, Program,
    ResourceDecl, Statement, StatementKind, TypeExpr, TypeKind, UnaryOp,
};
use crate::bicep::syntax::Span as BSpan;
use crate::json::{self, Member, Node, Value};
use std::collections::HashMap;

const SCHEMA_BASE: &str = "https://schema.management.azure.com/schemas/";

pub(crate) fn lower_file(
    program: &Program,
    path: &str,
    files: &dyn Files,
    stack: &mut Trail,
) -> Lowered {
    let mut sym = Symbols::default();
    let mut problems: Vec<Problem> = Vec::new();
    let graph = import::read_graph(program, path, files, &mut problems);
    let imports = import::resolve(program, &graph, files, &mut problems);
    sym.scopes = imports.scopes.clone();
    let mut types: HashMap<String, &TypeExpr> = HashMap::new();
    let mut imported_vars = Vec::new();
    for (name, at, b) in &imports.names {
        match b {
            Binding::Var(v) | Binding::Namespace(v) => {
                sym.vars.insert(name.clone());
                let at = span(*at);
                imported_vars.push(node::member(name, at, crate::arm::write::node(v, at)));
            }
            Binding::Type(t) => {
                types.insert(name.clone(), t);
            }
            Binding::Func => {}
        }
    }
    for (name, t) in &imports.types {
        types.entry(name.clone()).or_insert(t);
    }
    let mut scope = "resourceGroup".to_string();
    for st in &program.statements {
        match &st.kind {
            StatementKind::Extension(e) => match extension(e) {
                Some((alias, name)) => {
                    sym.extensions.insert(alias, name);
                }
                None => problems.push(Problem {
                    code: "AKS901",
                    message: "not supported yet: this extension declaration".into(),
                    span: span(st.span),
                }),
            },
            // Known before any module is lowered (a module's scope depends on it).
            StatementKind::TargetScope(t) => {
                if let ExprKind::String(s) = &t.value.kind {
                    if let Some(plain) = s.as_plain() {
                        scope = plain.to_string();
                    }
                }
            }
            StatementKind::Param(p) => {
                sym.params.insert(p.name.name.clone());
            }
            StatementKind::Var(v) => {
                sym.vars.insert(v.name.name.clone());
            }
            StatementKind::Type(t) => {
                types.insert(t.name.name.clone(), &t.value);
            }
            _ => {}
        }
    }
    // Resource and module symbols, in order: a name may use earlier ones.
    for st in &program.statements {
        match &st.kind {
            StatementKind::Resource(r) => declare(&mut sym, &mut problems, r, None),
            StatementKind::Module(m) => {
                let name = body_object(&m.body)
                    .and_then(|(_, obj)| property(obj, "name"))
                    .map(|e| {
                        let mut l = Lower::new(&sym);
                        let loop_locals = loop_locals(&mut l, &m.body);
                        let t = l.expr(e);
                        l.locals.truncate(l.locals.len() - loop_locals);
                        problems.append(&mut l.problems);
                        t
                    })
                    // Without a name, the compiler names the deployment after the symbol
                    // and the parent deployment.
                    .unwrap_or_else(|| {
                        let sym = &m.name.name;
                        format!(
                            "format({}, uniqueString({}, deployment().name))",
                            quote(&format!("{sym}-{{0}}")),
                            quote(sym)
                        )
                    });
                sym.modules.insert(m.name.name.clone(), name);
            }
            _ => {}
        }
    }

    let mut l = Lower::new(&sym);
    l.source = Some(super::load::Source { files, path });
    problems.extend(super::checks::runtime_values_in_variable_loops(
        program, &sym,
    ));
    problems.extend(super::checks::duplicate_module_names(program, &mut l));
    l.problems.append(&mut problems);
    let mut params = Vec::new();
    let mut vars = imported_vars;
    let mut resources = Vec::new();
    for st in &program.statements {
        match &st.kind {
            StatementKind::TargetScope(t) => match &t.value.kind {
                ExprKind::String(s) if s.as_plain().is_some() => {
                    scope = s.as_plain().unwrap_or_default().to_string()
                }
                _ => {
                    l.unsupported("a computed targetScope", t.value.span);
                }
            },
            StatementKind::Param(p) => {
                let v = param(&mut l, &types, st, p);
                params.push(node::member(&p.name.name, span(p.name.span), v));
            }
            StatementKind::Var(v) => {
                let value = l.value(&v.value);
                vars.push(node::member(&v.name.name, span(v.name.span), value));
            }
            StatementKind::Resource(r) => resource(&mut l, st, r, None, &mut resources),
            StatementKind::Module(m) => {
                if let Some(n) = module::lower(&mut l, st, m, path, &scope, files, stack) {
                    resources.push(n);
                }
            }
            // Read with the file's symbols (problems reported then).
            StatementKind::Import(_) => {}
            // Declared in pass 1. Its configuration is the extension's, not ARM's.
            StatementKind::Extension(_) => {}
            // Outputs do not change what is deployed; types and functions are used
            // where they are referenced.
            StatementKind::Output(_)
            | StatementKind::Metadata(_)
            | StatementKind::Type(_)
            | StatementKind::Func(_)
            | StatementKind::Test(_)
            | StatementKind::Assert(_) => {}
            StatementKind::Using(_)
            | StatementKind::Extends(_)
            | StatementKind::ParamAssignment(_)
            | StatementKind::ExtensionConfig(_) => {
                l.problem(
                    "AKS901",
                    "a .bicepparam statement in a .bicep file".into(),
                    st.span,
                );
            }
            StatementKind::Error => {
                l.problem("AKS901", "invalid Bicep statement".into(), st.span);
            }
        }
    }
    let whole = span(program.span);
    let schema = match scope.as_str() {
        "subscription" => "2018-05-01/subscriptionDeploymentTemplate.json#",
        "managementGroup" => "2019-08-01/managementGroupDeploymentTemplate.json#",
        "tenant" => "2019-08-01/tenantDeploymentTemplate.json#",
        _ => "2019-04-01/deploymentTemplate.json#",
    };
    let at0 = json::Span::new(whole.start, whole.start);
    let members = vec![
        node::member(
            "$schema",
            at0,
            node::string(format!("{SCHEMA_BASE}{schema}"), at0),
        ),
        node::member("contentVersion", at0, node::string("1.0.0.0", at0)),
        node::member("parameters", at0, node::object(params, at0)),
        node::member("variables", at0, node::object(vars, at0)),
        node::member(
            "resources",
            at0,
            Node {
                value: Value::Array(resources),
                span: at0,
            },
        ),
    ];
    let mut problems = l.problems;
    problems.sort_by_key(|p| (p.span.start, p.span.end));
    Lowered {
        doc: json::Document {
            root: node::object(members, whole),
            comments: Vec::new(),
            prior: None,
            compiled: None,
            reads: Vec::new(),
            origins: Vec::new(),
        },
        problems,
    }
}

/// The body's loop (if any), condition (if any) and object.
pub(crate) struct Body<'a> {
    pub each: Option<&'a ForExpr>,
    pub condition: Option<&'a Expr>,
    pub object: &'a Expr,
}

pub(crate) fn body(e: &Expr) -> Option<Body<'_>> {
    let (each, inner) = match &e.kind {
        ExprKind::For(f) => (Some(&**f), &f.body),
        _ => (None, e),
    };
    let (condition, object) = match &inner.kind {
        ExprKind::If { condition, body } => (Some(&**condition), &**body),
        _ => (None, inner),
    };
    matches!(object.kind, ExprKind::Object(_)).then_some(Body {
        each,
        condition,
        object,
    })
}

fn body_object(e: &Expr) -> Option<(Option<&ForExpr>, &[ObjectItem])> {
    let b = body(e)?;
    match &b.object.kind {
        ExprKind::Object(items) => Some((b.each, items)),
        _ => None,
    }
}

/// The `copy` (a `[for ...]` body) and `condition` (an `if (...)` body) members of a
/// resource or module named `name`; `pushed` loop variables are in scope in the body,
/// not in the collection.
pub(crate) fn loop_and_condition(
    l: &mut Lower,
    name: &str,
    b: &Body,
    pushed: usize,
    members: &mut Vec<Member>,
) {
    if let Some(f) = b.each {
        let saved = l.locals.split_off(l.locals.len() - pushed);
        let coll = l.expr(&f.iterable);
        l.locals.extend(saved);
        let fs = span(f.iterable.span);
        members.push(node::member(
            "copy",
            fs,
            node::object(
                vec![
                    node::member("name", fs, node::string(name, fs)),
                    node::member(
                        "count",
                        fs,
                        node::expression(&format!("length({coll})"), fs),
                    ),
                ],
                fs,
            ),
        ));
    }
    if let Some(c) = b.condition {
        let v = l.value(c);
        members.push(node::member("condition", span(c.span), v));
    }
}

pub(crate) fn property<'a>(items: &'a [ObjectItem], name: &str) -> Option<&'a Expr> {
    items.iter().find_map(|i| match i {
        ObjectItem::Property { key, value, .. } if key.as_name() == Some(name) => Some(value),
        _ => None,
    })
}

/// Puts a resource loop's variables in scope (`x` is `coll[copyIndex()]`); returns
/// how many were pushed.
pub(crate) fn loop_locals(l: &mut Lower<'_>, e: &Expr) -> usize {
    let ExprKind::For(f) = &e.kind else { return 0 };
    let coll = l.expr(&f.iterable);
    l.locals
        .push((f.item.name.clone(), format!("{coll}[copyIndex()]")));
    if let Some(i) = &f.index {
        l.locals.push((i.name.clone(), "copyIndex()".into()));
        return 2;
    }
    1
}

/// A name node from ARM text: a literal when it is one.
pub(crate) fn name_node(text: &str, at: json::Span) -> Node {
    match unquote(text) {
        Some(s) => node::literal(&s, at),
        None => node::expression(text, at),
    }
}

/// A resource's type and apiVersion from `'T@v'`, children's relative to the parent.
fn type_of(
    l: &mut Lower<'_>,
    r: &ResourceDecl,
    parent: Option<&ResourceSym>,
    at: BSpan,
) -> Option<(String, String, Option<String>)> {
    let Some(ts) = r.type_string.as_ref().and_then(|s| s.as_plain()) else {
        l.unsupported("a resource type that is not a plain string", at);
        return None;
    };
    // `'alias:Type@v'`: the type of a declared extension (`az:` is Azure's own).
    let (prefix, ts) = match ts.split_once('@').map_or(ts, |(t, _)| t).split_once(':') {
        Some((alias, _)) => (Some(alias), &ts[alias.len() + 1..]),
        None => (None, ts),
    };
    let extension = match prefix {
        Some(alias) if !l.sym.extensions.contains_key(alias) => {
            l.problem(
                "AKS901",
                format!("resource type prefix '{alias}:' names no declared extension"),
                at,
            );
            return None;
        }
        Some(alias) => Some(alias.to_string()),
        None => parent.and_then(|p| p.extension.clone()).or_else(|| {
            // Azure's apiVersions are dates; another extension's (`v1`, `v1.0`) say
            // the type is of the one other extension the file declares.
            let api = ts.split_once('@').map_or("", |(_, v)| v);
            let others: Vec<&String> = l
                .sym
                .extensions
                .iter()
                .filter(|(_, name)| *name != "az")
                .map(|(alias, _)| alias)
                .collect();
            match others.as_slice() {
                [one] if !api.is_empty() && !is_date_version(api) => Some(one.to_string()),
                // Azure's, under the alias the file gives it (the compiler writes it).
                _ => l
                    .sym
                    .extensions
                    .iter()
                    .find(|(_, name)| *name == "az")
                    .map(|(alias, _)| alias.clone()),
            }
        }),
    };
    let (ty, api) = match ts.split_once('@') {
        Some((t, v)) => (t.to_string(), v.to_string()),
        None => match parent {
            Some(p) => (ts.to_string(), p.api.clone()),
            None => {
                l.problem(
                    "AKS901",
                    format!("resource type '{ts}' has no @apiVersion"),
                    at,
                );
                return None;
            }
        },
    };
    let ty = match parent {
        Some(p) if !ty.contains('.') && l.sym.is_azure(&p.extension) => format!("{}/{ty}", p.ty),
        _ => ty,
    };
    Some((ty, api, extension))
}

/// An `extension` declaration's alias and the extension's name (`az`, `kubernetes`, a
/// registry reference without its version).
fn extension(e: &crate::bicep::syntax::ast::ExtensionDecl) -> Option<(String, String)> {
    use crate::bicep::syntax::ast::ExtensionSpec;
    let name = match &e.spec {
        ExtensionSpec::Ident(i) if !i.is_missing() => i.name.clone(),
        ExtensionSpec::String(s) => {
            let text = s.as_plain()?;
            // `'az@1.0.0'` (the older spelling) is `az`; a registry reference keeps its
            // path (its version follows the last ':').
            match text.split_once('@') {
                Some((n, _)) if !text.contains(':') => n.to_string(),
                _ => text.to_string(),
            }
        }
        _ => return None,
    };
    let alias = e.alias.as_ref().map_or(name.clone(), |a| a.name.clone());
    Some((alias, name))
}

/// `2024-02-01`, `2024-02-01-preview`: an Azure apiVersion.
fn is_date_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && (b.len() == 10 || b[10] == b'-')
}

/// Pass 1: the symbol of a resource and its nested children.
fn declare(
    sym: &mut Symbols,
    problems: &mut Vec<Problem>,
    r: &ResourceDecl,
    parent: Option<(String, ResourceSym)>,
) {
    let mut l = Lower::new(sym);
    let at = r.type_string.as_ref().map_or(r.name.span, |s| s.span);
    let Some((ty, api, extension)) = type_of(&mut l, r, parent.as_ref().map(|p| &p.1), at) else {
        problems.append(&mut l.problems);
        return;
    };
    let Some((each, items)) = body_object(&r.body) else {
        l.unsupported("this resource body", r.body.span);
        problems.append(&mut l.problems);
        return;
    };
    let pushed = loop_locals(&mut l, &r.body);
    // `parent: p` names the parent explicitly.
    let explicit = property(items, "parent").and_then(|p| l.resource_of(p));
    let mut segments = explicit
        .as_ref()
        .or(parent.as_ref().map(|p| &p.1))
        .map(|p| p.segments.clone())
        .unwrap_or_default();
    let looped = each.is_some() || parent.as_ref().is_some_and(|p| p.1.looped);
    match property(items, "name") {
        Some(n) => {
            let text = l.expr(n);
            match unquote(&text) {
                // `'vnet/subnet'`: one segment per level, as resourceId wants them.
                Some(lit) if segments.is_empty() => {
                    segments.extend(lit.split('/').map(quote));
                }
                _ => segments.push(text),
            }
        }
        // Another extension's resources are named their own way (Kubernetes objects
        // by `metadata.name`): known by their symbol here.
        None if !l.sym.is_azure(&extension) => segments.push(quote(&r.name.name)),
        None => {
            l.problem("AKS901", "resource has no name".into(), r.name.span);
        }
    }
    let scope = match (r.existing, property(items, "scope")) {
        (Some(_), Some(e)) => match other_group(e) {
            Some(args) => args.iter().map(|a| l.expr(a)).collect(),
            None => Vec::new(),
        },
        _ => explicit
            .as_ref()
            .or(parent.as_ref().map(|p| &p.1))
            .map(|p| p.scope.clone())
            .unwrap_or_default(),
    };
    let extends = match property(items, "scope").and_then(|e| l.resource_of(e)) {
        Some(target) if !target.looped => Some(target.id()),
        _ => explicit
            .as_ref()
            .or(parent.as_ref().map(|p| &p.1))
            .and_then(|p| p.extends.clone()),
    };
    l.locals.truncate(l.locals.len() - pushed);
    problems.append(&mut l.problems);
    let this = ResourceSym {
        ty,
        api,
        segments,
        looped,
        scope,
        extends,
        extension,
    };
    let key = match &parent {
        Some((pk, _)) => format!("{pk}::{}", r.name.name),
        None => r.name.name.clone(),
    };
    for item in items {
        if let ObjectItem::Resource(st) = item {
            if let StatementKind::Resource(child) = &st.kind {
                declare(sym, problems, child, Some((key.clone(), this.clone())));
            }
        }
    }
    if parent.is_some() {
        sym.resources
            .entry(r.name.name.clone())
            .or_insert_with(|| this.clone());
    }
    sym.resources.insert(key, this);
}

/// Keys of the body that are not properties of the resource.
const NOT_PROPERTIES: &[&str] = &["name", "parent", "dependsOn", "scope"];

/// Pass 2: the resource's JSON, then its nested children's.
fn resource(
    l: &mut Lower<'_>,
    st: &Statement,
    r: &ResourceDecl,
    parent_key: Option<&str>,
    out: &mut Vec<Node>,
) {
    let key = match parent_key {
        Some(p) => format!("{p}::{}", r.name.name),
        None => r.name.name.clone(),
    };
    let sym = l.sym;
    let Some(this) = sym.resources.get(&key) else {
        return; // pass 1 reported why
    };
    let Some(b) = body(&r.body) else { return };
    let ExprKind::Object(items) = &b.object.kind else {
        return;
    };
    let at = span(st.span);
    let mut members: Vec<Member> = Vec::new();
    let head = span(r.name.span);
    let tspan = r.type_string.as_ref().map_or(head, |s| span(s.span));
    if let Some(alias) = &this.extension {
        members.push(node::member("extension", tspan, node::string(alias, tspan)));
    }
    members.push(node::member("type", tspan, node::string(&this.ty, tspan)));
    members.push(node::member(
        "apiVersion",
        tspan,
        node::string(&this.api, tspan),
    ));
    let name_span = property(items, "name").map_or(head, |n| span(n.span));
    members.push(node::member(
        "name",
        name_span,
        name_node(&this.full_name(), name_span),
    ));
    if let Some(ex) = r.existing {
        members.push(node::member(
            "existing",
            span(ex),
            node::boolean(true, span(ex)),
        ));
    }
    let pushed = loop_locals(l, &r.body);
    loop_and_condition(l, &r.name.name, &b, pushed, &mut members);
    for item in items {
        match item {
            ObjectItem::Property { key, value, .. } => {
                let Some(k) = l.key(key) else { continue };
                if k == "scope" {
                    // An extension resource on another resource: ARM takes its id.
                    match l.resource_of(value) {
                        Some(target) if !target.looped => {
                            let at = span(value.span);
                            let id = node::expression(&target.id(), at);
                            members.push(node::member("scope", span(key.span()), id));
                        }
                        None if is_tenant(value) => {
                            let at = span(value.span);
                            let root = node::string("/", at);
                            members.push(node::member("scope", span(key.span()), root));
                        }
                        // An `existing` resource of another resource group: its id says
                        // which (declare()); nothing of it is deployed.
                        None if r.existing.is_some() && other_group(value).is_some() => {}
                        _ => {
                            l.unsupported(
                                "`scope:` on a resource other than a resource symbol",
                                value.span,
                            );
                        }
                    }
                }
                if NOT_PROPERTIES.contains(&k.as_str()) {
                    continue;
                }
                let v = l.value(value);
                members.push(node::member(&k, span(key.span()), v));
            }
            ObjectItem::Spread { span: s, .. } => {
                l.unsupported("spread `...` in a resource body", *s);
            }
            ObjectItem::Resource(_) => {}
            ObjectItem::Error(s) => l.problem("AKS901", "invalid Bicep object item".into(), *s),
        }
    }
    l.locals.truncate(l.locals.len() - pushed);
    out.push(node::object(members, at));
    for item in items {
        if let ObjectItem::Resource(child_st) = item {
            if let StatementKind::Resource(child) = &child_st.kind {
                resource(l, child_st, child, Some(&key), out);
            }
        }
    }
}

/// `tenant()`: the root scope `/`.
/// `resourceGroup(rg)` or `resourceGroup(sub, rg)` (also `az.`): its arguments.
fn other_group(e: &Expr) -> Option<&[Expr]> {
    let (name, args) = match &e.kind {
        ExprKind::Call { name, args } => (name, args),
        ExprKind::MethodCall {
            receiver,
            name,
            args,
        } if matches!(&receiver.kind, ExprKind::Ident(ns) if ns.name == "az") => (name, args),
        _ => return None,
    };
    (name.name == "resourceGroup" && matches!(args.len(), 1 | 2)).then_some(args.as_slice())
}

fn is_tenant(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call { name, args } if name.name == "tenant" && args.is_empty())
}

/// A `param`'s definition.
fn param(
    l: &mut Lower<'_>,
    types: &HashMap<String, &TypeExpr>,
    st: &Statement,
    p: &ParamDecl,
) -> Node {
    let at = span(st.span);
    let mut t = ParamType::default();
    param_type(l, types, &p.ty, &mut t, 0);
    let secure = st.decorators.iter().any(|d| decorator_is(d, "secure"));
    let base = match (t.base, secure) {
        ("string", true) => "securestring",
        ("object", true) => "secureobject",
        (b, _) => b,
    };
    let tspan = span(p.ty.span);
    let mut members = Vec::new();
    if !base.is_empty() {
        members.push(node::member("type", tspan, node::string(base, tspan)));
    }
    if let Some(d) = &p.default {
        members.push(node::member("defaultValue", span(d.span), l.value(d)));
    }
    if t.nullable {
        members.push(node::member("nullable", tspan, node::boolean(true, tspan)));
    }
    if let Some(allowed) = t.allowed {
        members.push(node::member(
            "allowedValues",
            tspan,
            Node {
                value: Value::Array(allowed),
                span: tspan,
            },
        ));
    }
    for d in &st.decorators {
        let Some(name) = d.name() else { continue };
        let key = match name.name.as_str() {
            "allowed" => "allowedValues",
            "minLength" => "minLength",
            "maxLength" => "maxLength",
            "minValue" => "minValue",
            "maxValue" => "maxValue",
            _ => continue,
        };
        if let [arg] = d.args() {
            let v = l.value(arg);
            members.retain(|m| m.key != key);
            members.push(node::member(key, span(d.span), v));
        }
    }
    node::object(members, at)
}

fn decorator_is(d: &Decorator, name: &str) -> bool {
    d.name().is_some_and(|n| n.name == name)
}

struct ParamType {
    base: &'static str,
    nullable: bool,
    allowed: Option<Vec<Node>>,
}

impl Default for ParamType {
    fn default() -> Self {
        ParamType {
            base: "object",
            nullable: false,
            allowed: None,
        }
    }
}

/// User-defined types refer to each other at most this deep here.
const MAX_TYPE_DEPTH: usize = 32;

fn param_type(
    l: &mut Lower<'_>,
    types: &HashMap<String, &TypeExpr>,
    ty: &TypeExpr,
    out: &mut ParamType,
    depth: usize,
) {
    if depth > MAX_TYPE_DEPTH {
        l.unsupported("a type nested this deep", ty.span);
        return;
    }
    match &ty.kind {
        // A property of a resource-derived type (`resourceInput<'T@v'>.properties`): its
        // type is the resource schema's, which aksgate does not carry; written without a
        // type, the value is still evaluated (only ARM's type check of it is not made).
        TypeKind::Property { base, .. } if matches!(base.kind, TypeKind::Generic { .. }) => {
            out.base = ""
        }
        TypeKind::Name(n) | TypeKind::Property { name: n, .. } => match n.name.as_str() {
            "string" => out.base = "string",
            "int" => out.base = "int",
            "bool" => out.base = "bool",
            "object" => out.base = "object",
            "array" => out.base = "array",
            // Any value: the compiler writes the parameter without a `type`.
            "any" if !types.contains_key("any") => out.base = "",
            other => match types.get(other) {
                Some(t) => param_type(l, types, t, out, depth + 1),
                None => {
                    l.unsupported(&format!("the parameter type `{other}`"), ty.span);
                }
            },
        },
        TypeKind::Nullable(t) => {
            out.nullable = true;
            param_type(l, types, t, out, depth + 1);
        }
        TypeKind::NonNullable(t) | TypeKind::Paren(t) => param_type(l, types, t, out, depth + 1),
        TypeKind::Array(_) | TypeKind::Tuple(_) => out.base = "array",
        TypeKind::Object(_) | TypeKind::Generic { .. } => out.base = "object",
        TypeKind::Literal(lit) => {
            let (base, v) = literal_type(lit, span(ty.span));
            out.base = base;
            out.allowed = Some(vec![v]);
        }
        TypeKind::Union(items) => {
            let mut allowed = Some(Vec::new());
            union_members(l, types, items, out, &mut allowed, depth);
            out.allowed = allowed;
        }
        _ => {
            l.unsupported("this parameter type", ty.span);
        }
    }
}

/// The members of a union type: literals (also object and tuple literals, `-1`, `!true`,
/// and the members of union types it names) become its allowed values. An object type
/// that is not a literal is a member of a discriminated union (`@discriminator`): the
/// value is then an object whose shape aksgate does not check (`allowed` = `None`).
fn union_members(
    l: &mut Lower<'_>,
    types: &HashMap<String, &TypeExpr>,
    items: &[TypeExpr],
    out: &mut ParamType,
    allowed: &mut Option<Vec<Node>>,
    depth: usize,
) {
    if depth > MAX_TYPE_DEPTH {
        if let Some(t) = items.first() {
            l.unsupported("a type nested this deep", t.span);
        }
        return;
    }
    for item in items {
        if let TypeKind::Literal(LiteralType::Null) = &item.kind {
            out.nullable = true;
            continue;
        }
        if let Some((base, v)) = literal_of(types, item, 0) {
            out.base = base;
            if let Some(a) = allowed.as_mut() {
                a.push(v);
            }
            continue;
        }
        match &item.kind {
            TypeKind::Paren(t) => union_members(
                l,
                types,
                std::slice::from_ref(&**t),
                out,
                allowed,
                depth + 1,
            ),
            TypeKind::Name(n) => match types.get(n.name.as_str()).map(|t| &t.kind) {
                Some(TypeKind::Union(inner)) => {
                    union_members(l, types, inner, out, allowed, depth + 1)
                }
                Some(TypeKind::Object(_)) => {
                    out.base = "object";
                    *allowed = None;
                }
                _ => {
                    l.unsupported("a union of types that are not literals", item.span);
                }
            },
            TypeKind::Object(_) => {
                out.base = "object";
                *allowed = None;
            }
            _ => {
                l.unsupported("a union of types that are not literals", item.span);
            }
        }
    }
}

/// The value a literal type stands for: `'a'`, `1`, `-1`, `!true`, and objects and
/// tuples of those (`{ shape: 'round' }`, `['a', 1]`), through type names.
fn literal_of(
    types: &HashMap<String, &TypeExpr>,
    ty: &TypeExpr,
    depth: usize,
) -> Option<(&'static str, Node)> {
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    let at = span(ty.span);
    match &ty.kind {
        TypeKind::Literal(LiteralType::Null) => None,
        TypeKind::Literal(lit) => Some(literal_type(lit, at)),
        TypeKind::Paren(t) => literal_of(types, t, depth + 1),
        TypeKind::Name(n) => literal_of(types, types.get(n.name.as_str())?, depth + 1),
        TypeKind::Unary { op, operand } => match (op, &operand.kind) {
            (UnaryOp::Minus, TypeKind::Literal(LiteralType::Int(i))) => {
                Some(("int", node::int(-i64::try_from(*i).ok()?, at)))
            }
            (UnaryOp::Not, TypeKind::Literal(LiteralType::Bool(b))) => {
                Some(("bool", node::boolean(!b, at)))
            }
            _ => None,
        },
        TypeKind::Object(items) => {
            let mut members = Vec::new();
            for item in items {
                let crate::bicep::syntax::ast::ObjectTypeItem::Property { key, value, .. } = item
                else {
                    return None;
                };
                let name = match key {
                    ObjectKey::Ident(i) => i.name.clone(),
                    ObjectKey::String(s) => s.as_plain()?.to_string(),
                    ObjectKey::Error(_) => return None,
                };
                let (_, v) = literal_of(types, value, depth + 1)?;
                members.push(node::member(&name, span(key.span()), v));
            }
            Some(("object", node::object(members, at)))
        }
        TypeKind::Tuple(items) => {
            let values = items
                .iter()
                .map(|i| literal_of(types, &i.ty, depth + 1).map(|(_, v)| v))
                .collect::<Option<Vec<_>>>()?;
            Some((
                "array",
                Node {
                    value: Value::Array(values),
                    span: at,
                },
            ))
        }
        _ => None,
    }
}

fn literal_type(lit: &LiteralType, at: json::Span) -> (&'static str, Node) {
    match lit {
        LiteralType::String(s) => (
            "string",
            node::literal(s.as_plain().unwrap_or_default(), at),
        ),
        LiteralType::Int(i) => ("int", node::int(i64::try_from(*i).unwrap_or(i64::MAX), at)),
        LiteralType::Bool(b) => ("bool", node::boolean(*b, at)),
        LiteralType::Null => (
            "object",
            Node {
                value: Value::Null,
                span: at,
            },
        ),
    }
}
