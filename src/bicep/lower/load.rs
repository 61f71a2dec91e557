//! `loadTextContent`, `loadJsonContent`, `loadYamlContent` and `loadFileAsBase64`: the
//! compiler reads these files at build time, relative to the `.bicep` file; so does
//! lowering, through [`Files`] (inside the scanned root only, no symlink out), and the
//! content becomes a constant of the template. A file that cannot be read or decoded is
//! AKS901 at the call.
//!
//! As the compiler: a text is decoded with the encoding named (`utf-8` by default,
//! `utf-16`, `utf-16BE`, `iso-8859-1`, `us-ascii`), a byte order mark dropped; JSON and
//! YAML may be narrowed by a path (`.a.b[0]`, `['a']`, `[*]`, `..name`, filters
//! `[?(@.a > 1)]`: several matches give an array of them). `loadDirectoryFileInfo` lists
//! a folder's files.

use super::expr::Lower;
use super::node::quote;
use super::Files;
use crate::bicep::syntax::ast::{Expr, ExprKind};
use crate::bicep::syntax::Span as BSpan;
use serde_json::Value;

/// The Bicep compiler's limits on what these functions load, in characters (bytes for
/// a binary file).
const MAX_TEXT_CHARS: usize = 131_072;
const MAX_DATA_CHARS: usize = 1_048_576;
const MAX_BINARY_BYTES: usize = 98_304;

/// YAML aliases allowed in one loaded file: each repeats its anchor's content, so a few
/// dozen of them keep the loaded value within a small multiple of the file's size.
const MAX_YAML_ALIASES: usize = 32;

/// Where the file being lowered reads from.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    pub files: &'a dyn Files,
    pub path: &'a str,
}

fn plain(e: Option<&Expr>) -> Option<&str> {
    match &e?.kind {
        ExprKind::String(s) => s.as_plain(),
        _ => None,
    }
}

/// Which function, and where its optional arguments are.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Base64,
    Json,
    Yaml,
    /// `loadDirectoryFileInfo(path, searchPattern?)`
    Dir,
}

impl Lower<'_> {
    /// A load function's ARM text, or `None` when `lower` is not one.
    pub fn load_call(
        &mut self,
        lower: &str,
        name: &str,
        args: &[Expr],
        at: BSpan,
    ) -> Option<String> {
        let kind = match lower {
            "loadtextcontent" => Kind::Text,
            "loadfileasbase64" => Kind::Base64,
            "loadjsoncontent" => Kind::Json,
            "loadyamlcontent" => Kind::Yaml,
            "loaddirectoryfileinfo" => Kind::Dir,
            _ => return None,
        };
        let Some(source) = self.source else {
            return Some(
                self.unsupported(&format!("{name}() here (reads a file at build time)"), at),
            );
        };
        let Some(rel) = plain(args.first()) else {
            return Some(self.unsupported(
                &format!("{name}() of a path that is not a plain string"),
                at,
            ));
        };
        if kind == Kind::Dir {
            return Some(self.directory_info(source, name, rel, args.get(1), at));
        }
        // `loadTextContent(path, encoding)`, `load{Json,Yaml}Content(path, path filter,
        // encoding)`.
        let rest = args.get(1..).unwrap_or_default();
        let (filter, encoding) = match kind {
            Kind::Text => (None, rest.first()),
            Kind::Base64 | Kind::Dir => (None, None),
            Kind::Json | Kind::Yaml => (rest.first(), rest.get(1)),
        };
        let (Some(filter), Some(encoding)) = (
            filter.map_or(Some("$"), |f| plain(Some(f))),
            encoding.map_or(Some("utf-8"), |e| plain(Some(e))),
        ) else {
            return Some(self.unsupported(
                &format!("{name}() with a path filter or encoding that is not a plain string"),
                at,
            ));
        };
        let bytes = match source.files.read_bytes(source.path, rel) {
            Ok((_, b)) => b,
            Err(e) => {
                self.problem("AKS901", format!("{name}('{rel}') cannot be read: {e}"), at);
                return Some("null".into());
            }
        };
        if kind == Kind::Base64 {
            if bytes.len() > MAX_BINARY_BYTES {
                self.problem(
                    "AKS901",
                    format!("{name}('{rel}'): the file is over the {MAX_BINARY_BYTES} bytes Bicep loads"),
                    at,
                );
                return Some("null".into());
            }
            return Some(quote(&crate::arm::functions::base64_encode(&bytes)));
        }
        let limit = if kind == Kind::Text {
            MAX_TEXT_CHARS
        } else {
            MAX_DATA_CHARS
        };
        let loaded = decode(&bytes, encoding).and_then(|text| {
            if text.chars().count() > limit {
                return Err(format!(
                    "the file is over the {limit} characters Bicep loads"
                ));
            }
            match kind {
                // The compiler reads JSON with comments (`//`, `/* */`), as ARM reads
                // templates: the same reader.
                Kind::Json => crate::json::parse(&text)
                    .map(|d| d.root.to_json())
                    .map_err(|e| e.message)
                    .and_then(|v| select(&v, filter))
                    .map(Some),
                Kind::Yaml => yaml(&text).and_then(|v| select(&v, filter)).map(Some),
                _ => Ok(None),
            }
            .map(|v| (text, v))
        });
        Some(match loaded {
            Ok((text, None)) => quote(&text),
            Ok((_, Some(v))) => format!("json({})", quote(&v.to_string())),
            Err(e) => {
                self.problem("AKS901", format!("{name}('{rel}'): {e}"), at);
                "null".into()
            }
        })
    }
}

impl Lower<'_> {
    /// `loadDirectoryFileInfo()`: the files directly in the folder (not its folders),
    /// those matching the search pattern (`*` and `?`) if one is given, ordered by name
    /// ignoring case, each as `{relativePath, baseName, extension}` with the path
    /// relative to the `.bicep` file's folder, as the compiler writes them.
    fn directory_info(
        &mut self,
        source: Source<'_>,
        name: &str,
        rel: &str,
        pattern: Option<&Expr>,
        at: BSpan,
    ) -> String {
        let pattern = match pattern {
            None => "*",
            Some(p) => match plain(Some(p)) {
                Some(p) => p,
                None => {
                    return self.unsupported(
                        &format!("{name}() with a search pattern that is not a plain string"),
                        at,
                    )
                }
            },
        };
        let (dir, mut names) = match source.files.list(source.path, rel) {
            Ok(l) => l,
            Err(e) => {
                self.problem("AKS901", format!("{name}('{rel}') cannot be read: {e}"), at);
                return "null".into();
            }
        };
        names.retain(|n| glob(pattern.as_bytes(), n.as_bytes()));
        names.sort_by_key(|n| n.to_uppercase());
        let here = source.path.rsplit_once('/').map_or("", |(d, _)| d);
        let prefix = relative(here, &dir);
        let items: Vec<Value> = names
            .iter()
            .map(|n| {
                let extension = n.rfind('.').map_or("", |i| &n[i..]);
                serde_json::json!({
                    "relativePath": format!("{prefix}{n}"),
                    "baseName": n,
                    "extension": extension,
                })
            })
            .collect();
        format!("json({})", quote(&Value::Array(items).to_string()))
    }
}

/// The path of folder `to` from folder `from` (both relative to the root), ending in
/// `/` unless empty.
fn relative(from: &str, to: &str) -> String {
    let split = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (split(from), split(to));
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = String::new();
    for _ in common..a.len() {
        out.push_str("../");
    }
    for part in &b[common..] {
        out.push_str(part);
        out.push('/');
    }
    out
}

/// Whether `name` matches a search pattern of `*` (any run) and `?` (one character).
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    // Iterative, with one backtrack point: linear in practice, no recursion.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(c) if *c == b'?' || *c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|c| *c == b'*')
}

/// The text of `bytes` in `encoding` (names as the compiler takes them), without a
/// byte order mark.
fn decode(bytes: &[u8], encoding: &str) -> Result<String, String> {
    let utf16 = |b: &[u8], big: bool| {
        if b.len() % 2 != 0 {
            return Err("not UTF-16 text: an odd number of bytes".to_string());
        }
        let units = b.chunks(2).map(|c| {
            if big {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| "not UTF-16 text".to_string())
    };
    let text = match encoding.to_ascii_lowercase().as_str() {
        "utf-8" => String::from_utf8(bytes.to_vec()).map_err(|_| "not UTF-8 text".to_string())?,
        "utf-16" => utf16(bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes), false)?,
        "utf-16be" => utf16(bytes.strip_prefix(&[0xFE, 0xFF]).unwrap_or(bytes), true)?,
        "iso-8859-1" => bytes.iter().map(|&b| char::from(b)).collect(),
        // What is not ASCII becomes '?', as .NET's ASCII decoding has it.
        "us-ascii" => bytes
            .iter()
            .map(|&b| if b.is_ascii() { char::from(b) } else { '?' })
            .collect(),
        other => return Err(format!("'{other}' is not an encoding Bicep reads")),
    };
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

/// A YAML document as JSON. Aliases are limited (each one repeats what its anchor holds).
fn yaml(text: &str) -> Result<Value, String> {
    if alias_count(text) > MAX_YAML_ALIASES {
        return Err(format!(
            "more than {MAX_YAML_ALIASES} YAML aliases: not loaded (each repeats its anchor's content)"
        ));
    }
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| format!("invalid YAML: {e}"))
}

/// How many `*alias` tokens the text may hold: every `*` followed by a name character
/// after a blank, `[`, `{`, `,`, `:`, `-` or at a line's start (an over-count at worst).
fn alias_count(text: &str) -> usize {
    let b = text.as_bytes();
    (0..b.len())
        .filter(|&i| {
            b[i] == b'*'
                && b.get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
                && (i == 0
                    || matches!(
                        b[i - 1],
                        b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b':' | b'-'
                    ))
        })
        .count()
}

/// One step of a path filter.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    All,
    /// `..name`: every member `name` at any depth.
    Descend(String),
    /// `[?(@.a.b)]` (the member exists and is not false or null) or `[?(@.a.b op v)]`:
    /// the items (or member values) that pass.
    Filter {
        path: Vec<String>,
        test: Option<(Cmp, Value)>,
    },
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// `@.a.b op literal` or `@.a.b` of a filter (`&&`, `||`, functions and regular
/// expressions are not read).
fn filter(inner: &str) -> Option<Step> {
    let body = inner.strip_prefix('(')?.strip_suffix(')')?.trim();
    let ops = [
        ("==", Cmp::Eq),
        ("!=", Cmp::Ne),
        ("<=", Cmp::Le),
        (">=", Cmp::Ge),
        ("<", Cmp::Lt),
        (">", Cmp::Gt),
    ];
    let (lhs, test) = match ops
        .iter()
        .find_map(|(t, c)| body.split_once(t).map(|(l, r)| (l, r, *c)))
    {
        Some((l, r, c)) => {
            let r = r.trim();
            let quoted = |q: char| r.strip_prefix(q).and_then(|i| i.strip_suffix(q));
            let v = match quoted('\'').or_else(|| quoted('"')) {
                Some(text) => Value::String(text.to_string()),
                None => serde_json::from_str(r).ok()?,
            };
            (l.trim(), Some((c, v)))
        }
        None => (body, None),
    };
    if lhs.contains(['&', '|', '(', '=', '~']) {
        return None;
    }
    let rest = lhs.strip_prefix('@')?;
    let mut path = Vec::new();
    for part in rest.split('.').skip(1) {
        if part.is_empty() || part.contains(['[', ']', ' ']) {
            return None;
        }
        path.push(part.to_string());
    }
    if !rest.is_empty() && path.is_empty() {
        return None;
    }
    Some(Step::Filter { path, test })
}

fn passes(item: &Value, path: &[String], test: &Option<(Cmp, Value)>) -> bool {
    let mut v = item;
    for k in path {
        match v.get(k) {
            Some(x) => v = x,
            None => return false,
        }
    }
    let Some((cmp, lit)) = test else {
        return !matches!(v, Value::Null | Value::Bool(false));
    };
    let order = match (v, lit) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    use std::cmp::Ordering::*;
    match cmp {
        Cmp::Eq => order.map_or(v == lit, |o| o == Equal),
        Cmp::Ne => order.map_or(v != lit, |o| o != Equal),
        Cmp::Lt => order == Some(Less),
        Cmp::Le => matches!(order, Some(Less | Equal)),
        Cmp::Gt => order == Some(Greater),
        Cmp::Ge => matches!(order, Some(Greater | Equal)),
    }
}

/// Every value of a member `name` in `v`, at any depth, in document order.
fn descend<'v>(v: &'v Value, name: &str, out: &mut Vec<&'v Value>, depth: usize) {
    // The loaded document is bounded in size; its depth by the JSON and YAML parsers.
    if depth > 256 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == name {
                    out.push(x);
                }
                descend(x, name, out, depth + 1);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| descend(x, name, out, depth + 1)),
        _ => {}
    }
}

/// The steps of a path filter: `$` or nothing, then `.name`, `['name']`, `[n]`, `[*]`,
/// `.*`, `..name` and filters `[?(@.a op literal)]`.
fn steps(path: &str) -> Result<Vec<Step>, String> {
    let unsupported = || {
        format!("the path filter '{path}' is not supported yet (only .name, ['name'], [n], [*], ..name and [?(@.a op literal)])")
    };
    let mut rest = path.trim();
    rest = rest.strip_prefix('$').unwrap_or(rest);
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() || name == "*" {
                return Err(unsupported());
            }
            out.push(Step::Descend(name.to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("[?") {
            // The filter's end: the `)]` that closes it (a literal may hold `]`).
            let end = r.find(")]").ok_or_else(unsupported)?;
            out.push(filter(&r[..end + 1]).ok_or_else(unsupported)?);
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() {
                return Err(unsupported());
            }
            out.push(if name == "*" {
                Step::All
            } else {
                Step::Key(name.to_string())
            });
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(unsupported)?;
            let inner = r[..end].trim();
            let quoted = |q: char| inner.strip_prefix(q).and_then(|i| i.strip_suffix(q));
            out.push(if inner == "*" {
                Step::All
            } else if let Some(k) = quoted('\'').or_else(|| quoted('"')) {
                Step::Key(k.to_string())
            } else if let Ok(n) = inner.parse::<usize>() {
                Step::Index(n)
            } else {
                return Err(unsupported());
            });
            rest = &r[end + 1..];
        } else {
            return Err(unsupported());
        }
    }
    Ok(out)
}

/// What `path` selects of `v`: the one match itself, several as an array; none is an
/// error, as for the compiler.
fn select(v: &Value, path: &str) -> Result<Value, String> {
    let steps = steps(path)?;
    let mut found: Vec<&Value> = vec![v];
    let mut many = false;
    for s in &steps {
        found = found
            .into_iter()
            .flat_map(|x| -> Vec<&Value> {
                match (s, x) {
                    (Step::Key(k), Value::Object(m)) => m.get(k).into_iter().collect(),
                    (Step::Index(i), Value::Array(a)) => a.get(*i).into_iter().collect(),
                    (Step::All, Value::Array(a)) => a.iter().collect(),
                    (Step::All, Value::Object(m)) => m.values().collect(),
                    (Step::Descend(k), x) => {
                        let mut out = Vec::new();
                        descend(x, k, &mut out, 0);
                        out
                    }
                    (Step::Filter { path, test }, Value::Array(a)) => {
                        a.iter().filter(|i| passes(i, path, test)).collect()
                    }
                    (Step::Filter { path, test }, Value::Object(m)) => {
                        m.values().filter(|i| passes(i, path, test)).collect()
                    }
                    _ => Vec::new(),
                }
            })
            .collect();
        many |= matches!(s, Step::All | Step::Descend(_) | Step::Filter { .. });
    }
    match (found.as_slice(), many) {
        ([], _) => Err(format!("the path filter '{path}' matches nothing")),
        ([one], false) => Ok((*one).clone()),
        (all, _) => Ok(Value::Array(all.iter().map(|x| (*x).clone()).collect())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_are_decoded_in_the_encoding_named() {
        let s = "Zażółć ¡";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            le.extend(u.to_le_bytes());
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode(&le, "utf-16").unwrap(), s);
        assert_eq!(decode(&be, "UTF-16BE").unwrap(), s);
        let bom: Vec<u8> = [&[0xEF, 0xBB, 0xBF][..], s.as_bytes()].concat();
        assert_eq!(decode(&bom, "utf-8").unwrap(), s);
        assert_eq!(decode(&[0xA1, b'x'], "iso-8859-1").unwrap(), "¡x");
        assert_eq!(decode(&[0xA1, b'x'], "us-ascii").unwrap(), "?x");
        assert!(decode(&[0xA1], "utf-8").is_err());
        assert!(decode(b"x", "ebcdic").is_err());
    }

    #[test]
    fn path_filters_select_as_the_compiler_does() {
        let v = json!({"a": {"b": [1, {"c": "x"}]}, "list": [{"n": 1}, {"n": 2}]});
        assert_eq!(select(&v, "$").unwrap(), v);
        assert_eq!(select(&v, ".a.b[0]").unwrap(), json!(1));
        assert_eq!(select(&v, "$.a.b[1].c").unwrap(), json!("x"));
        assert_eq!(select(&v, "['a']['b'][1]").unwrap(), json!({"c": "x"}));
        assert_eq!(select(&v, ".list[*].n").unwrap(), json!([1, 2]));
        assert!(select(&v, ".missing")
            .unwrap_err()
            .contains("matches nothing"));
        // Filters and recursive descent, as in the compiler's own sample
        // (`.products[?(@.price > 3)].name`).
        assert_eq!(select(&v, ".list[?(@.n > 1)]").unwrap(), json!([{"n": 2}]));
        assert_eq!(select(&v, ".list[?(@.n >= 1)].n").unwrap(), json!([1, 2]));
        assert_eq!(select(&v, ".list[?(@.n == 1)]").unwrap(), json!([{"n": 1}]));
        assert_eq!(select(&v, ".list[?(@.n != 1)].n").unwrap(), json!([2]));
        assert_eq!(
            select(&v, ".a.b[?(@.c == 'x')]").unwrap(),
            json!([{"c": "x"}])
        );
        assert_eq!(
            select(&v, ".list[?(@.n)]").unwrap(),
            json!([{"n": 1}, {"n": 2}])
        );
        assert_eq!(select(&v, "$..n").unwrap(), json!([1, 2]));
        assert_eq!(select(&v, "$..c").unwrap(), json!(["x"]));
        assert!(select(&v, ".list[?(@.n > 5)]")
            .unwrap_err()
            .contains("matches nothing"));
        for unread in [
            ".list[?(@.n > 1 && @.n < 3)]",
            ".list[?(@.n =~ /x/)]",
            "$..*",
            ".list[?(@.n > 1)",
        ] {
            assert!(
                select(&v, unread)
                    .unwrap_err()
                    .contains("not supported yet"),
                "{unread}"
            );
        }
    }

    #[test]
    fn search_patterns_and_relative_folders() {
        for (pattern, name, matches) in [
            ("*", "a.txt", true),
            ("*.txt", "a.txt", true),
            ("*.txt", "a.json", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*b*", "abc", true),
            ("**", "", true),
            ("x*", "abc", false),
        ] {
            assert_eq!(
                glob(pattern.as_bytes(), name.as_bytes()),
                matches,
                "{pattern} {name}"
            );
        }
        assert_eq!(relative("", "Assets"), "Assets/");
        assert_eq!(relative("infra", "infra/Assets"), "Assets/");
        assert_eq!(relative("infra/aks", "infra/shared"), "../shared/");
        assert_eq!(relative("infra", "infra"), "");
    }

    #[test]
    fn yaml_loads_as_json_and_alias_bombs_do_not() {
        let v = yaml("string: someVal \nint: 123\nbool: true\nlist:\n- 1\n- x\nobj:\n  k : v\n")
            .unwrap();
        assert_eq!(
            v,
            json!({"string": "someVal", "int": 123, "bool": true, "list": [1, "x"], "obj": {"k": "v"}})
        );
        let small = "a: &x [1, 2]\nb: *x\n";
        assert_eq!(yaml(small).unwrap()["b"], json!([1, 2]));
        let mut bomb = String::from("a0: &a0 [\"lol\"]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert!(yaml(&bomb).unwrap_err().contains("aliases"));
        assert!(yaml("a: [").unwrap_err().contains("invalid YAML"));
    }
}
