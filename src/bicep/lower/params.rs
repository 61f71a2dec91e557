//! `.bicepparam` files to the ARM parameters document `bicep build-params` writes:
//! `{"parameters": {"x": {"value": ...}}}` with every value evaluated (the compiler
//! evaluates them at build time), spans into the `.bicepparam` text. The template the
//! file is for (`using`) is kept at `metadata.aksgate.using` for pairing ([`using_of`]);
//! `using none` keeps an empty path there.

use super::expr::{Lower, Symbols};
use super::fold::Fold;
use super::import::{self, Binding};
use super::module::Located;
use super::node;
use super::{span, Files, Lowered, Problem};
use crate::bicep::syntax::ast::{ExtendsDecl, Program, StatementKind, UsingTarget};
use crate::json::{self, Member, Node};

const PARAMS_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// A `.bicepparam` file (`rel` ends so, in any case).
pub fn is_bicepparam(rel: &str) -> bool {
    let b = rel.as_bytes();
    b.len() >= 11 && b[b.len() - 11..].eq_ignore_ascii_case(b".bicepparam")
}

/// The template a lowered `.bicepparam` document names: `Some("")` for `using none`.
/// Only for a document lowered from a `.bicepparam` file (the caller checks the name:
/// a JSON parameter file saying so is not believed).
pub fn using_of(root: &Node) -> Option<&str> {
    root.get("metadata")?.get("aksgate")?.get("using")?.as_str()
}

/// The base files a lowered `.bicepparam` document `extends` (paths from the root).
pub fn extends_of(root: &Node) -> Vec<&str> {
    let items = root
        .get("metadata")
        .and_then(|m| m.get("aksgate"))
        .and_then(|a| a.get("extends"))
        .map(|e| &e.value);
    match items {
        Some(json::Value::Array(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A base parameters file is read at most this many `extends` deep (the compiler
/// refuses cycles; this bounds hostile files).
const MAX_EXTENDS: usize = 8;

pub(crate) fn lower_params(program: &Program, path: &str, files: &dyn Files) -> Lowered {
    lower_params_at(program, path, files, 0)
}

fn lower_params_at(program: &Program, path: &str, files: &dyn Files, depth: usize) -> Lowered {
    let mut sym = Symbols::default();
    for st in &program.statements {
        match &st.kind {
            StatementKind::ParamAssignment(p) => {
                sym.params.insert(p.name.name.clone());
            }
            StatementKind::Var(v) => {
                sym.vars.insert(v.name.name.clone());
            }
            _ => {}
        }
    }
    // Compile-time imports, as in a `.bicep` file: exported variables are constants,
    // functions join the scope (types are not checked in a parameters file).
    let mut import_problems = Vec::new();
    let graph = import::read_graph(program, path, files, &mut import_problems);
    let imports = import::resolve(program, &graph, files, &mut import_problems);
    sym.scopes = imports.scopes.clone();
    let mut vars: Vec<(String, Node)> = Vec::new();
    for (name, at, b) in &imports.names {
        if let Binding::Var(v) | Binding::Namespace(v) = b {
            sym.vars.insert(name.clone());
            vars.push((name.clone(), crate::arm::write::node(v, span(*at))));
        }
    }
    let mut l = Lower::new(&sym);
    l.params_file = true;
    // load*() functions read files relative to this one, as in a template.
    l.source = Some(super::load::Source { files, path });
    l.problems.append(&mut import_problems);
    let mut params: Vec<(String, json::Span, Node)> = Vec::new();
    let mut using: Option<(String, json::Span)> = None;
    // The base file's values, at the `extends` line (their text is another file's).
    let mut inherited: Vec<Member> = Vec::new();
    let mut bases: Vec<String> = Vec::new();
    let mut extended = false;
    for st in &program.statements {
        match &st.kind {
            StatementKind::Using(u) => {
                let at = span(st.span);
                let target = match &u.target {
                    UsingTarget::Path(s) => match s.as_plain() {
                        Some(p) => template(&mut l, p, path, files, st.span),
                        None => {
                            l.unsupported("a `using` path that is not a plain string", s.span);
                            None
                        }
                    },
                    UsingTarget::None(_) => Some(String::new()),
                    UsingTarget::Error(_) => None,
                };
                if using.is_some() {
                    l.problem("AKS901", "more than one `using`".into(), st.span);
                }
                using = Some((target.unwrap_or_default(), at));
            }
            StatementKind::ParamAssignment(p) => {
                let v = l.value(&p.value);
                params.push((p.name.name.clone(), span(p.name.span), v));
            }
            StatementKind::Var(v) => {
                let value = l.value(&v.value);
                vars.push((v.name.name.clone(), value));
            }
            StatementKind::Type(_) | StatementKind::Metadata(_) => {}
            StatementKind::Extends(e) => {
                if extended {
                    l.problem("AKS901", "more than one `extends`".into(), st.span);
                }
                extended = true;
                inherited = base_params(&mut l, e, path, files, st.span, depth, &mut bases);
            }
            // Read above, with the file's symbols.
            StatementKind::Import(_) => {}
            // An extension's configuration for the deployment: read by the extension
            // (Kubernetes, Graph), not a value of the template's parameters.
            StatementKind::ExtensionConfig(_) => {}
            StatementKind::Extension(_) => {
                l.unsupported("an extension in a parameters file", st.span);
            }
            StatementKind::Error => {
                l.problem("AKS901", "invalid Bicep statement".into(), st.span);
            }
            _ => {
                l.problem(
                    "AKS901",
                    "a .bicep declaration in a .bicepparam file".into(),
                    st.span,
                );
            }
        }
    }
    let whole = span(program.span);
    let at0 = json::Span::new(whole.start, whole.start);
    let (target, using_span) = match using {
        Some(u) => u,
        None => {
            l.problem(
                "AKS901",
                "invalid Bicep parameters: no `using` declaration names the template".into(),
                program.span,
            );
            (String::new(), at0)
        }
    };
    let mut fold = Fold::new(&params, &vars);
    let mut members: Vec<Member> = params
        .iter()
        .map(|(name, key_span, value)| {
            let v = fold.node(value);
            let vs = v.span;
            node::member(
                name,
                *key_span,
                node::object(vec![node::member("value", vs, v)], vs),
            )
        })
        .collect();
    // What this file sets wins over its base.
    for m in inherited {
        if !members.iter().any(|x| x.key.eq_ignore_ascii_case(&m.key)) {
            members.push(m);
        }
    }
    let meta = node::object(
        vec![node::member(
            "aksgate",
            at0,
            node::object(
                vec![
                    node::member("using", using_span, node::string(target, using_span)),
                    node::member(
                        "extends",
                        at0,
                        Node {
                            value: json::Value::Array(
                                bases.into_iter().map(|b| node::string(b, at0)).collect(),
                            ),
                            span: at0,
                        },
                    ),
                ],
                at0,
            ),
        )],
        at0,
    );
    let root = node::object(
        vec![
            node::member("$schema", at0, node::string(PARAMS_SCHEMA, at0)),
            node::member("contentVersion", at0, node::string("1.0.0.0", at0)),
            node::member("metadata", at0, meta),
            // An unpaired parameters file is reported at `parameters`: the `using` line.
            node::member("parameters", using_span, node::object(members, whole)),
        ],
        whole,
    );
    let mut problems: Vec<Problem> = l.problems;
    problems.sort_by_key(|p| (p.span.start, p.span.end));
    Lowered {
        doc: json::Document {
            root,
            comments: Vec::new(),
            prior: None,
            compiled: None,
            reads: Vec::new(),
            origins: Vec::new(),
        },
        problems,
    }
}

/// The parameters of the base file `extends 'p'` names (lowered as a `.bicepparam` of
/// its own, which must say `using none`), every span set to the `extends` line.
fn base_params(
    l: &mut Lower<'_>,
    e: &ExtendsDecl,
    from: &str,
    files: &dyn Files,
    at: crate::bicep::syntax::Span,
    depth: usize,
    bases: &mut Vec<String>,
) -> Vec<Member> {
    let Some(rel) = e.path.as_ref().and_then(|p| p.as_plain()) else {
        l.unsupported("an `extends` path that is not a plain string", at);
        return Vec::new();
    };
    if depth >= MAX_EXTENDS {
        l.problem(
            "AKS901",
            format!("`extends` nests more than {MAX_EXTENDS} files deep (or in a cycle)"),
            at,
        );
        return Vec::new();
    }
    let (base_path, text) = match files.read(from, rel) {
        Ok(x) => x,
        Err(why) => {
            l.problem(
                "AKS901",
                format!("the base parameters file '{rel}' cannot be read: {why}"),
                at,
            );
            return Vec::new();
        }
    };
    let parsed = crate::bicep::syntax::parse_bicepparam(&text);
    if let Some(err) = parsed.errors.first() {
        l.problem(
            "AKS901",
            format!(
                "the base parameters file '{rel}' is not valid Bicep parameters: {}",
                err.message
            ),
            at,
        );
        return Vec::new();
    }
    let base = lower_params_at(&parsed.program, &base_path, files, depth + 1);
    bases.push(base_path);
    let here = span(at);
    if let Some(p) = base.problems.first() {
        l.problem(
            p.code,
            format!("in the base parameters file '{rel}': {}", p.message),
            at,
        );
    }
    if using_of(&base.doc.root) != Some("") {
        l.problem(
            "AKS901",
            format!("the base parameters file '{rel}' must say `using none`"),
            at,
        );
    }
    let Some(json::Value::Object(members)) = base.doc.root.get("parameters").map(|p| &p.value)
    else {
        return Vec::new();
    };
    members
        .iter()
        .cloned()
        .map(|mut m| {
            m.key_span = here;
            super::module::respan(&mut m.value, here);
            m
        })
        .collect()
}

/// The template `using 'p'` names, as a path under the scanned root; a problem at the
/// `using` line when it is not one aksgate can read.
fn template(
    l: &mut Lower<'_>,
    p: &str,
    from: &str,
    files: &dyn Files,
    at: crate::bicep::syntax::Span,
) -> Option<String> {
    if ["br:", "br/", "ts:", "ts/"]
        .iter()
        .any(|r| p.starts_with(r))
    {
        l.problem(
            "AKS900",
            format!("not checked: template not visible: '{p}' is a registry or template spec"),
            at,
        );
        return None;
    }
    match files.locate(from, p) {
        Ok(path) => Some(path),
        Err(Located::Outside) => {
            l.problem(
                "AKS900",
                format!("not checked: template not visible: '{p}' is outside the scanned folder"),
                at,
            );
            None
        }
        Err(Located::Missing(why)) => {
            l.problem(
                "AKS901",
                format!("the template '{p}' this parameters file uses cannot be read: {why}"),
                at,
            );
            None
        }
    }
}
