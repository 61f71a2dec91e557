//! `docs/policy-library.md` documents every declaration of the built-in library
//! (`policies/lib/*.rego`, tests excluded) and nothing else: each public rule or
//! function has a `### \`name(args)\`` section with its signature as declared, what it
//! gives for missing and unknown values where it reads values, and an example.
mod common;
use common::*;
use std::collections::BTreeSet;

/// `name` or `name(args)` of every public declaration (a line that starts a rule
/// head: a name not starting with `_`, optional arguments, then `:=`, `=`, `if` or
/// `contains`).
fn declarations() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let dir = root().join("policies/lib");
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".rego") || name.ends_with("_test.rego") {
            continue;
        }
        for line in std::fs::read_to_string(&p).unwrap().lines() {
            if let Some(sig) = head(line) {
                out.insert(sig);
            }
        }
    }
    out
}

fn head(line: &str) -> Option<String> {
    let first = line.chars().next()?;
    if !first.is_ascii_lowercase() {
        return None;
    }
    let name: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if ["package", "import", "default"].contains(&name.as_str()) {
        return None;
    }
    let mut rest = &line[name.len()..];
    let mut sig = name;
    if rest.starts_with('(') {
        let end = rest.find(')')?;
        sig.push_str(&rest[..=end]);
        rest = &rest[end + 1..];
    }
    let rest = rest.trim_start();
    ["if", ":=", "=", "contains"]
        .iter()
        .any(|k| rest.starts_with(k))
        .then_some(sig)
}

/// The signature and text of every `### ` section of the document.
fn sections() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(root().join("docs/policy-library.md")).unwrap();
    doc.split("\n### ")
        .skip(1)
        .map(|s| {
            let (title, body) = s.split_once('\n').unwrap_or((s, ""));
            let body = body.split("\n## ").next().unwrap_or("");
            (title.trim().trim_matches('`').to_string(), body.to_string())
        })
        .collect()
}

#[test]
fn every_library_declaration_is_documented_and_nothing_else() {
    let declared = declarations();
    assert!(declared.len() > 40, "{declared:?}");
    let documented: BTreeSet<String> = sections().into_iter().map(|(t, _)| t).collect();
    let missing: Vec<_> = declared.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&declared).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/policy-library.md is out of date with policies/lib: not documented {missing:?}; \
         documented but not declared (or with other arguments) {extra:?}"
    );
}

#[test]
fn every_section_has_an_example_and_functions_say_what_missing_gives() {
    for (title, body) in sections() {
        assert!(body.contains("Example"), "{title}: no example");
        // Functions that only build paths or results read no value of the input.
        let builders = [
            "np_path(",
            "lb_profile_path(",
            "pool_path(",
            "cannot_verify(",
            "related(",
        ];
        let reads_values = title.contains('(') && !builders.iter().any(|b| title.starts_with(b));
        if reads_values {
            assert!(
                body.contains("**Missing"),
                "{title}: missing values not described"
            );
        }
    }
}

#[test]
fn the_header_parser_finds_heads_only() {
    assert_eq!(
        head("get(obj, path) := v if {"),
        Some("get(obj, path)".into())
    );
    assert_eq!(
        head("clusters := resources_of_type(x)"),
        Some("clusters".into())
    );
    assert_eq!(
        head("is_udr(c) if outbound_type(c) == 1"),
        Some("is_udr(c)".into())
    );
    assert_eq!(head("_views[c.ref] := view if {"), None);
    assert_eq!(head("\tv := 1"), None);
    assert_eq!(head("package aksgate.lib"), None);
    assert_eq!(head("# comment"), None);
}
