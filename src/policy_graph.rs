//! Recursion in policies, refused before anything is evaluated (issue 18 item 9).
//!
//! Rego forbids recursion (OPA rejects it when compiling), but regorus 0.14 evaluates
//! a function that calls itself until the stack overflows, which kills the process
//! whatever thread it runs on. So the call graph of the loaded modules is read from
//! regorus's syntax tree (`Engine::get_ast_as_json`) and a cycle of function calls is
//! a load error naming the functions and the file.
//!
//! A call is resolved as Rego resolves it: `f(x)` is the package's own `f`, `a.f(x)`
//! goes through the import whose alias is `a`, `data.p.f(x)` names the package. Calls
//! of builtins and of names no module defines end the walk.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A cycle of user functions: `(file, the functions on the cycle)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Recursion {
    pub file: String,
    pub cycle: Vec<String>,
}

/// The dotted name of a `Var` / `RefDot` chain (`data.a.b`), when it is one.
fn chain(v: &Value) -> Option<String> {
    if let Some(var) = v.get("Var") {
        return var["value"].as_str().map(str::to_string);
    }
    let dot = v.get("RefDot")?;
    let base = chain(&dot["refr"])?;
    let field = dot["field"].get(1)?.as_str()?;
    Some(format!("{base}.{field}"))
}

/// Every call's function name in `v`.
fn calls(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(call) = map.get("Call") {
                if let Some(name) = chain(&call["fcn"]) {
                    out.push(name);
                }
            }
            for item in map.values() {
                calls(item, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| calls(i, out)),
        _ => {}
    }
}

/// The function a rule head defines, by its dotted name inside the package.
fn function_name(rule: &Value) -> Option<String> {
    let head = &rule.get("Spec")?["head"];
    chain(&head.get("Func")?["refr"])
}

/// The text a span covers in `source`.
fn spanned<'a>(source: &'a str, span: &Value) -> Option<&'a str> {
    let (s, e) = (
        span["start"].as_u64()? as usize,
        span["end"].as_u64()? as usize,
    );
    source.get(s..e)
}

/// Finds a cycle of function calls in the modules `engine` holds, whose texts are in
/// `sources` (path -> text; the alias of an import is read from it).
pub fn find_recursion(
    engine: &regorus::Engine,
    sources: &BTreeMap<String, String>,
) -> Result<Option<Recursion>, String> {
    let json = engine.get_ast_as_json().map_err(|e| e.to_string())?;
    let modules: Vec<Value> = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    // Full function name -> (file, the full names of what it may call).
    let mut defined: BTreeMap<String, String> = BTreeMap::new();
    let mut edges: Vec<(String, String, Vec<String>)> = Vec::new();
    for m in &modules {
        let file = m["source"]["file"].as_str().unwrap_or("?").to_string();
        let ast = &m["ast"];
        let Some(package) = chain(&ast["package"]["refr"]) else {
            continue;
        };
        let package = format!("data.{package}");
        let text = sources.get(&file).map(String::as_str).unwrap_or("");
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        for import in ast["imports"].as_array().into_iter().flatten() {
            let Some(path) = chain(&import["refr"]) else {
                continue;
            };
            let alias = match import.get("as").filter(|a| !a.is_null()) {
                Some(span) => spanned(text, span).map(str::to_string),
                None => path.rsplit('.').next().map(str::to_string),
            };
            if let Some(a) = alias {
                aliases.insert(a, path);
            }
        }
        for rule in ast["rules"].as_array().into_iter().flatten() {
            let Some(name) = function_name(rule) else {
                continue;
            };
            let full = format!("{package}.{name}");
            let mut called = Vec::new();
            calls(rule, &mut called);
            let targets = called
                .into_iter()
                .map(|c| {
                    let (head, rest) = c.split_once('.').unwrap_or((&c, ""));
                    let tail = if rest.is_empty() {
                        String::new()
                    } else {
                        format!(".{rest}")
                    };
                    match aliases.get(head) {
                        _ if head == "data" => c.clone(),
                        Some(path) => format!("{path}{tail}"),
                        None => format!("{package}.{c}"),
                    }
                })
                .collect();
            defined.insert(full.clone(), file.clone());
            edges.push((full, file.clone(), targets));
        }
    }
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, _, targets) in &edges {
        let entry = graph.entry(from.as_str()).or_default();
        for t in targets {
            if defined.contains_key(t) {
                entry.insert(t.as_str());
            }
        }
    }
    // Depth-first search with colours; the stack of the walk is the cycle.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    for start in graph.keys() {
        if state.contains_key(start) {
            continue;
        }
        let mut path: Vec<&str> = Vec::new();
        let mut stack: Vec<(&str, bool)> = vec![(start, false)];
        while let Some((node, leaving)) = stack.pop() {
            if leaving {
                state.insert(node, 2);
                path.pop();
                continue;
            }
            match state.get(node) {
                Some(2) => continue,
                Some(1) => {
                    let at = path.iter().position(|p| *p == node).unwrap_or(0);
                    let mut cycle: Vec<String> = path[at..].iter().map(|s| s.to_string()).collect();
                    cycle.push(node.to_string());
                    let file = defined.get(node).cloned().unwrap_or_default();
                    return Ok(Some(Recursion { file, cycle }));
                }
                _ => {}
            }
            state.insert(node, 1);
            path.push(node);
            stack.push((node, true));
            for next in graph.get(node).into_iter().flatten() {
                if state.get(next) != Some(&2) {
                    stack.push((next, false));
                }
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recursion(files: &[(&str, &str)]) -> Option<Recursion> {
        let mut e = regorus::Engine::new();
        let mut sources = BTreeMap::new();
        for (p, t) in files {
            e.add_policy(p.to_string(), t.to_string()).unwrap();
            sources.insert(p.to_string(), t.to_string());
        }
        find_recursion(&e, &sources).unwrap()
    }

    /// Loading the built-in pack alone skips the check (src/engine.rs): this is it.
    #[test]
    fn the_builtin_pack_has_no_recursion() {
        let files = crate::engine::builtin_sources(false);
        assert!(files.len() > 10, "{}", files.len());
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        assert_eq!(recursion(&files), None);
    }

    #[test]
    fn a_function_calling_itself_is_found() {
        let r = recursion(&[(
            "p.rego",
            "package p\nimport rego.v1\nf(x) := y if { y := f(x + 1) }\n",
        )])
        .unwrap();
        assert_eq!(r.file, "p.rego");
        assert_eq!(r.cycle, ["data.p.f", "data.p.f"]);
    }

    #[test]
    fn mutual_recursion_through_an_import_alias_is_found() {
        let r = recursion(&[
            (
                "a.rego",
                "package a\nimport rego.v1\nimport data.b as other\ng(x) := other.h(x)\n",
            ),
            ("b.rego", "package b\nimport rego.v1\nh(x) := data.a.g(x)\n"),
        ])
        .unwrap();
        assert_eq!(r.cycle.len(), 3, "{r:?}");
    }

    #[test]
    fn the_built_in_pack_has_no_recursion() {
        let files: Vec<(String, String)> = crate::engine::builtin_sources(true);
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        assert_eq!(recursion(&refs), None);
        // and calls of builtins and of other functions are not cycles
        assert_eq!(
            recursion(&[(
                "p.rego",
                "package p\nimport rego.v1\nf(x) := g(x) + count(x)\ng(x) := 1\n"
            )]),
            None
        );
    }
}
