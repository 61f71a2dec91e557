//! Compile-time imports: `import {a, b as c} from './x.bicep'` and `import * as ns
//! from './x.bicep'` of `@export()`ed types, variables and functions. Files are read
//! (inside the scanned root only) into a graph, each with its function scope
//! ([`FuncScope`]); exported variables are compile-time constants, evaluated here, so
//! the importing file holds them as constant variables (`ns` as an object of them).

use super::expr::{Lower, Symbols};
use super::fold::Fold;
use super::funcs::{FuncDef, FuncScope};
use super::{span, Files, Problem, MAX_MODULES, MAX_MODULE_DEPTH};
use crate::arm::value::Val;
use crate::bicep::syntax::ast::{
    ImportTarget, ImportedName, Program, Statement, StatementKind, TypeExpr,
};
use crate::bicep::syntax::Span as BSpan;
use crate::json::Node;
use std::collections::HashMap;
use std::rc::Rc;

/// One imported name, as the importing file sees it.
pub(crate) enum Binding<'p> {
    Var(Val),
    Type(&'p TypeExpr),
    /// Functions are in the scope; nothing else to hold.
    Func,
    /// `* as ns`: the file's exported variables, as one object.
    Namespace(Val),
}

pub(crate) struct Imports<'p> {
    /// Every file's function scope: 0 is the importing file.
    pub scopes: Rc<Vec<FuncScope>>,
    /// The names the importing file's `import`s bring in, with the statement's span.
    pub names: Vec<(String, BSpan, Binding<'p>)>,
    /// Types of the files imported, by their own names (for types built of others).
    pub types: Vec<(String, &'p TypeExpr)>,
}

/// An ARM JSON template imported from: its path, the template, and its definitions
/// as Bicep types.
type JsonFile = (String, Node, Vec<(String, TypeExpr)>);

/// Files read by imports (0 is the importing file, not held here).
pub(crate) struct Graph {
    /// Path, program, and the import statement of the importing file that leads here.
    files: Vec<(String, Program, BSpan)>,
    /// Per file (0 first): each import statement's index and the file it reads.
    edges: Vec<Vec<(usize, Option<usize>)>>,
    /// Files in an order where each comes after every file it imports.
    order: Vec<usize>,
    /// ARM JSON templates imported from: path, template, and its type definitions as
    /// Bicep types.
    json: Vec<JsonFile>,
    /// Per import of an ARM JSON template: the importing file, its statement index,
    /// and the template in [`Graph::json`].
    json_edges: Vec<(usize, usize, usize)>,
}

impl Graph {
    /// Where a problem in file `i` at `at` is shown: in the importing file.
    fn shown(&self, i: usize, at: BSpan) -> BSpan {
        if i == 0 {
            at
        } else {
            self.files[i - 1].2
        }
    }

    fn program<'a>(&'a self, main: &'a Program, i: usize) -> &'a Program {
        if i == 0 {
            main
        } else {
            &self.files[i - 1].1
        }
    }
}

fn exported(st: &Statement) -> bool {
    st.decorators
        .iter()
        .any(|d| d.name().is_some_and(|n| n.name == "export"))
}

/// Reads the files `main` imports, and theirs; problems at the import statement of
/// `main` that leads to them.
pub(crate) fn read_graph(
    main: &Program,
    path: &str,
    files: &dyn Files,
    problems: &mut Vec<Problem>,
) -> Graph {
    let mut g = Graph {
        files: Vec::new(),
        edges: vec![Vec::new()],
        order: Vec::new(),
        json: Vec::new(),
        json_edges: Vec::new(),
    };
    let mut stack: Vec<String> = vec![path.to_string()];
    visit(&mut g, main, 0, path, None, files, &mut stack, problems);
    g
}

#[allow(clippy::too_many_arguments)]
fn visit(
    g: &mut Graph,
    main: &Program,
    i: usize,
    path: &str,
    at: Option<BSpan>,
    files: &dyn Files,
    stack: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) {
    let statements: Vec<(usize, BSpan, Option<String>)> = g
        .program(main, i)
        .statements
        .iter()
        .enumerate()
        .filter_map(|(si, st)| match &st.kind {
            StatementKind::Import(d) => Some((
                si,
                st.span,
                d.from
                    .as_ref()
                    .and_then(|f| f.as_plain())
                    .map(str::to_string),
            )),
            _ => None,
        })
        .collect();
    for (si, st_span, from) in statements {
        let here = at.unwrap_or(st_span);
        let mut problem = |code: &'static str, message: String| {
            problems.push(Problem {
                code,
                message,
                span: span(here),
            })
        };
        let Some(from) = from else {
            problem(
                "AKS901",
                "not supported yet: an import path that is not a plain string".into(),
            );
            g.edges[i].push((si, None));
            continue;
        };
        if ["br:", "br/", "ts:", "ts/"]
            .iter()
            .any(|p| from.starts_with(p))
        {
            problem(
                "AKS900",
                format!("not checked: import not visible: '{from}' is a registry or template spec"),
            );
            g.edges[i].push((si, None));
            continue;
        }
        if from.to_ascii_lowercase().ends_with(".json") {
            if let Some(k) = read_json(g, path, &from, here, files, &mut problem) {
                g.json_edges.push((i, si, k));
            }
            g.edges[i].push((si, None));
            continue;
        }
        let target = match files.read(path, &from) {
            Err(e) => {
                problem(
                    "AKS900",
                    format!("not checked: import not visible: '{from}': {e}"),
                );
                None
            }
            Ok((p, _)) if stack.contains(&p) => {
                problem("AKS901", format!("import of '{p}' is a cycle"));
                None
            }
            Ok((p, _)) if let Some(k) = g.files.iter().position(|f| f.0 == p) => Some(k + 1),
            Ok(_) if g.files.len() >= MAX_MODULES || stack.len() > MAX_MODULE_DEPTH => {
                problem(
                    "AKS901",
                    format!("imports nest deeper than {MAX_MODULE_DEPTH} or read over {MAX_MODULES} files"),
                );
                None
            }
            Ok((p, text)) => {
                let parsed = crate::bicep::syntax::parse(&text);
                if let Some(e) = parsed.errors.first() {
                    problem(
                        "AKS901",
                        format!("imported '{p}' is not valid Bicep: {}", e.message),
                    );
                    None
                } else {
                    g.files.push((p.clone(), parsed.program, here));
                    g.edges.push(Vec::new());
                    let k = g.files.len();
                    stack.push(p.clone());
                    visit(g, main, k, &p, Some(here), files, stack, problems);
                    stack.pop();
                    Some(k)
                }
            }
        };
        g.edges[i].push((si, target));
    }
    g.order.push(i);
}

/// Reads an ARM JSON template imported from: its index in [`Graph::json`].
fn read_json(
    g: &mut Graph,
    path: &str,
    from: &str,
    at: BSpan,
    files: &dyn Files,
    problem: &mut dyn FnMut(&'static str, String),
) -> Option<usize> {
    let (p, text) = match files.read(path, from) {
        Ok(f) => f,
        Err(e) => {
            problem(
                "AKS900",
                format!("not checked: import not visible: '{from}': {e}"),
            );
            return None;
        }
    };
    if let Some(k) = g.json.iter().position(|f| f.0 == p) {
        return Some(k);
    }
    if g.files.len() + g.json.len() >= MAX_MODULES {
        problem("AKS901", format!("imports read over {MAX_MODULES} files"));
        return None;
    }
    let root = match crate::json::parse(&text) {
        Ok(d) if d.root.as_object().is_some() => d.root,
        Ok(_) => {
            problem(
                "AKS901",
                format!("imported '{p}' is not an ARM template (not a JSON object)"),
            );
            return None;
        }
        Err(e) => {
            problem(
                "AKS901",
                format!("imported '{p}' is not valid JSON: {}", e.message),
            );
            return None;
        }
    };
    let types = super::arm_types::definitions(&root, at);
    g.json.push((p, root, types));
    Some(g.json.len() - 1)
}

/// What an ARM JSON template exports, as the Bicep compiler marks it: variables named
/// in `metadata.__bicep_exported_variables!`, definitions and functions whose
/// `metadata.__bicep_export!` is true.
struct JsonExports<'a> {
    vars: Vec<&'a str>,
    types: Vec<&'a str>,
    funcs: Vec<String>,
}

const EXPORT_MARK: &str = "__bicep_export!";

fn json_exports(root: &Node) -> JsonExports<'_> {
    let marked = |n: &Node| {
        n.get("metadata")
            .and_then(|m| m.get(EXPORT_MARK))
            .and_then(Node::as_bool)
            == Some(true)
    };
    let vars = root
        .get("metadata")
        .and_then(|m| m.get("__bicep_exported_variables!"))
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.get("name").and_then(Node::as_str))
        .collect();
    let types = root
        .get("definitions")
        .and_then(Node::as_object)
        .unwrap_or_default()
        .iter()
        .filter(|m| marked(&m.value))
        .map(|m| m.key.as_str())
        .collect();
    let mut funcs = Vec::new();
    for ns in root
        .get("functions")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        let prefix = ns.get("namespace").and_then(Node::as_str).unwrap_or("");
        for m in ns
            .get("members")
            .and_then(Node::as_object)
            .unwrap_or_default()
        {
            if marked(&m.value) {
                // The compiler's own namespace holds what Bicep declared with `func`.
                funcs.push(if prefix == "__bicep" {
                    m.key.clone()
                } else {
                    format!("{prefix}.{}", m.key)
                });
            }
        }
    }
    JsonExports { vars, types, funcs }
}

/// The values of an ARM JSON template's exported variables, evaluated by the shared
/// ARM evaluator (no parameters: an exported variable may not use them).
fn json_values(
    root: &Node,
    names: &[&str],
    jpath: &str,
    at: BSpan,
    problems: &mut Vec<Problem>,
) -> Vec<(String, Val)> {
    let mut eval = crate::resolve::arm_eval::ArmEvaluator::new(0, root, HashMap::new());
    let out = names
        .iter()
        .map(|n| (n.to_string(), eval.variable(n).unwrap_or(Val::Null)))
        .collect();
    for p in eval.problems.drain(..) {
        problems.push(Problem {
            code: "AKS901",
            message: format!("in imported '{jpath}': {}", p.message),
            span: span(at),
        });
    }
    out
}

/// What `target` exports: names to the statement declaring them.
fn exports(p: &Program) -> HashMap<&str, &Statement> {
    p.statements
        .iter()
        .filter(|st| exported(st))
        .filter_map(|st| Some((st.name()?.name.as_str(), st)))
        .collect()
}

/// The function scopes, and what each `import` of `main` binds.
pub(crate) fn resolve<'p>(
    main: &'p Program,
    g: &'p Graph,
    files: &dyn Files,
    problems: &mut Vec<Problem>,
) -> Imports<'p> {
    let n = g.files.len() + 1;
    let mut scopes: Vec<FuncScope> = (0..n).map(|_| FuncScope::default()).collect();
    // Functions first (they need no values): own, then imported, in import order.
    for &i in &g.order {
        for st in &g.program(main, i).statements {
            if let StatementKind::Func(f) = &st.kind {
                let def = Rc::new(FuncDef::of(f, i));
                scopes[i].funcs.insert(f.name.name.clone(), def);
            }
        }
        for (st, t) in imports_of(g, main, i) {
            let StatementKind::Import(d) = &st.kind else {
                continue;
            };
            match &d.target {
                ImportTarget::Wildcard { alias, .. } => {
                    scopes[i].namespaces.insert(alias.name.clone(), t);
                }
                ImportTarget::Symbols { symbols, .. } => {
                    for (name, alias) in symbols.iter().filter_map(names) {
                        if let Some(f) = scopes[t].funcs.get(&name).cloned() {
                            scopes[i].funcs.insert(alias, f);
                        }
                    }
                }
                ImportTarget::Error(_) => {}
            }
        }
    }
    let scopes = Rc::new(scopes);
    let mut values: Vec<Vec<(String, Val)>> = vec![Vec::new(); n];
    let mut out_names = Vec::new();
    let mut types = Vec::new();
    for &i in &g.order {
        let program = g.program(main, i);
        let mut bound: Vec<(String, BSpan, Binding<'p>)> = Vec::new();
        for (st, t) in imports_of(g, main, i) {
            let StatementKind::Import(d) = &st.kind else {
                continue;
            };
            let at = g.shown(i, st.span);
            let tp = g.program(main, t);
            let ex = exports(tp);
            let tpath = &g.files[t - 1].0;
            for s in &tp.statements {
                if let StatementKind::Type(td) = &s.kind {
                    types.push((td.name.name.clone(), &td.value));
                }
            }
            let is_var = |k: &str| {
                ex.get(k)
                    .is_some_and(|s| matches!(s.kind, StatementKind::Var(_)))
            };
            match &d.target {
                ImportTarget::Wildcard { alias, .. } => {
                    let vars = values[t]
                        .iter()
                        .filter(|(k, _)| is_var(k))
                        .cloned()
                        .collect();
                    bound.push((
                        alias.name.clone(),
                        at,
                        Binding::Namespace(Val::Object(vars)),
                    ));
                }
                ImportTarget::Symbols { symbols, .. } => {
                    for (name, alias) in symbols.iter().filter_map(names) {
                        let Some(decl) = ex.get(name.as_str()) else {
                            problems.push(Problem {
                                code: "AKS901",
                                message: format!("'{name}' is not exported by '{tpath}'"),
                                span: span(at),
                            });
                            continue;
                        };
                        let b = match &decl.kind {
                            StatementKind::Var(_) => {
                                let v = values[t].iter().find(|(k, _)| *k == name);
                                Binding::Var(v.map_or(Val::Null, |x| x.1.clone()))
                            }
                            StatementKind::Type(td) => Binding::Type(&td.value),
                            StatementKind::Func(_) => Binding::Func,
                            _ => {
                                problems.push(Problem {
                                    code: "AKS901",
                                    message: format!("not supported yet: importing '{name}' (neither a type, a variable nor a function)"),
                                    span: span(at),
                                });
                                continue;
                            }
                        };
                        bound.push((alias, at, b));
                    }
                }
                ImportTarget::Error(_) => {}
            }
        }
        for &(_, si, k) in g.json_edges.iter().filter(|e| e.0 == i) {
            let st = &program.statements[si];
            let StatementKind::Import(d) = &st.kind else {
                continue;
            };
            let at = g.shown(i, st.span);
            let (jpath, root, jtypes) = &g.json[k];
            types.extend(jtypes.iter().map(|(n, t)| (n.clone(), t)));
            let ex = json_exports(root);
            let values = json_values(root, &ex.vars, jpath, at, problems);
            match &d.target {
                ImportTarget::Wildcard { alias, .. } => bound.push((
                    alias.name.clone(),
                    at,
                    Binding::Namespace(Val::Object(values)),
                )),
                ImportTarget::Symbols { symbols, .. } => {
                    for (name, alias) in symbols.iter().filter_map(names) {
                        let ty = jtypes
                            .iter()
                            .find(|(n, _)| *n == name && ex.types.contains(&n.as_str()));
                        let message = if let Some((_, v)) = values.iter().find(|(n, _)| *n == name)
                        {
                            bound.push((alias, at, Binding::Var(v.clone())));
                            continue;
                        } else if let Some((_, t)) = ty {
                            bound.push((alias, at, Binding::Type(t)));
                            continue;
                        } else if ex.funcs.contains(&name) {
                            format!("not supported yet: importing the function '{name}' from an ARM JSON template ('{jpath}')")
                        } else {
                            format!("'{name}' is not exported by '{jpath}'")
                        };
                        problems.push(Problem {
                            code: "AKS901",
                            message,
                            span: span(at),
                        });
                    }
                }
                ImportTarget::Error(_) => {}
            }
        }
        if i == 0 {
            out_names = bound;
        } else {
            values[i] = constants(program, i, &bound, &scopes, problems, g, files);
        }
    }
    Imports {
        scopes,
        names: out_names,
        types,
    }
}

/// File `i`'s import statements with the files they read.
fn imports_of<'a>(
    g: &'a Graph,
    main: &'a Program,
    i: usize,
) -> impl Iterator<Item = (&'a Statement, usize)> + 'a {
    let program = g.program(main, i);
    g.edges[i]
        .iter()
        .filter_map(move |&(si, t)| Some((&program.statements[si], t?)))
}

/// An import list item's exported name and the name it is bound to.
fn names(sym: &crate::bicep::syntax::ast::ImportedSymbol) -> Option<(String, String)> {
    let name = match &sym.name {
        ImportedName::Ident(id) => id.name.clone(),
        ImportedName::String(s) => s.as_plain()?.to_string(),
        ImportedName::Error(_) => return None,
    };
    let alias = sym.alias.as_ref().map_or(name.clone(), |a| a.name.clone());
    Some((name, alias))
}

/// The values of an imported file's variables (its own and those it imports).
fn constants(
    program: &Program,
    i: usize,
    bound: &[(String, BSpan, Binding)],
    scopes: &Rc<Vec<FuncScope>>,
    problems: &mut Vec<Problem>,
    g: &Graph,
    files: &dyn Files,
) -> Vec<(String, Val)> {
    let (path, via) = (&g.files[i - 1].0, g.files[i - 1].2);
    let mut sym = Symbols::default();
    let mut nodes: Vec<(String, Node)> = Vec::new();
    for (name, at, b) in bound {
        if let Binding::Var(v) | Binding::Namespace(v) = b {
            sym.vars.insert(name.clone());
            nodes.push((name.clone(), crate::arm::write::node(v, span(*at))));
        }
    }
    let own: Vec<_> = program
        .statements
        .iter()
        .filter_map(|st| match &st.kind {
            StatementKind::Var(v) => Some(v),
            _ => None,
        })
        .collect();
    for v in &own {
        sym.vars.insert(v.name.name.clone());
    }
    sym.scopes = scopes.clone();
    let mut l = Lower::new(&sym);
    l.scope = i;
    // load*() in an imported file reads relative to that file.
    l.source = Some(super::load::Source { files, path });
    for v in &own {
        let n = l.value(&v.value);
        nodes.push((v.name.name.clone(), n));
    }
    for p in l.problems.drain(..) {
        problems.push(Problem {
            message: format!("in imported '{path}': {}", p.message),
            span: span(via),
            ..p
        });
    }
    let mut fold = Fold::new(&[], &nodes);
    use crate::arm::eval::Context;
    own.iter()
        .filter_map(|v| Some((v.name.name.clone(), fold.variable(&v.name.name)?)))
        .chain(bound.iter().filter_map(|(n, _, b)| match b {
            Binding::Var(v) | Binding::Namespace(v) => Some((n.clone(), v.clone())),
            _ => None,
        }))
        .collect()
}
