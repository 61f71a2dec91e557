//! A skim of a JSON text: what a scan's first pass needs of a file, without
//! building its whole tree.
//!
//! [`skim`] accepts and rejects exactly the texts [`parse`] does (it validates
//! everything, on the same [`Lexer`]), but materialises only the top
//! [`KEEP`] levels of the tree, the comments, the `type` strings and the
//! `templateLink.relativePath` strings. Strings deeper than that are checked
//! without being decoded or copied.

use super::lex::Lexer;
use super::{parse, Comment, Document, Member, Node, ParseError, Span, Value};

/// The deepest level [`Skim::root`] holds (the root is level 0; a member value
/// or array item of a level-`n` container is level `n + 1`). Classification
/// looks at most at the existence of
/// `root.parameters.parameters.properties.<key>` (level 4) and parameter pairing
/// at the keys of `root.parameters` (level 2); see `crate::classify` and
/// `crate::pairing`.
pub const KEEP: usize = 4;

/// Objects up to this level are searched for `templateLink.relativePath`, as
/// `crate::plan::linked_paths` does.
pub const LINK_LEVEL: usize = 64;

/// What [`skim`] keeps of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Skim {
    /// The document pruned: identical to `parse(text).root` for every node at
    /// level <= [`KEEP`], except that an array or object at level [`KEEP`] has no
    /// children (its span and kind are kept).
    pub root: Node,
    /// Exactly `parse(text).comments`.
    pub comments: Vec<Comment>,
    /// The string value of every object member, at any level, whose key is
    /// `type` ignoring ASCII case, in document order.
    pub types: Vec<String>,
    /// For every object at level <= [`LINK_LEVEL`] whose first `templateLink`
    /// member (ignoring ASCII case) is an object whose first `relativePath` member
    /// is a string: that string, in document order of the outer objects (as
    /// [`Node::get`] finds them; not filtered).
    pub links: Vec<String>,
}

/// Skims `text`: see [`Skim`].
///
/// Errors are exactly those of [`parse`]. The skim checks the same grammar in
/// the same order on the same lexer, so its own errors are the same (the tests
/// check it), but it does not rely on that: when it finds the text invalid,
/// `parse` runs on it and its error is returned. Invalid files are rare, so
/// this costs little. (Were `parse` to accept the text after all, the skim would
/// be made from its tree.)
pub fn skim(text: &str) -> Result<Skim, ParseError> {
    match skim_only(text) {
        Ok(s) => Ok(s),
        Err(_) => parse(text).map(Skim::of),
    }
}

/// The skim on its own; its errors are the lexer's, which are meant to equal
/// `parse`'s (the tests check that they do).
pub fn skim_only(text: &str) -> Result<Skim, ParseError> {
    let mut s = Skimmer {
        lx: Lexer::new(text),
        types: Vec::new(),
        links: Vec::new(),
    };
    s.lx.skip_ws()?;
    let root = s.node(0, None)?;
    s.lx.finish()?;
    Ok(Skim {
        root,
        comments: s.lx.comments,
        types: s.types,
        links: s.links,
    })
}

impl Skim {
    /// The skim of a parsed document, from its tree: what [`skim`] returns for
    /// the same text.
    pub fn of(doc: Document) -> Skim {
        let mut types = Vec::new();
        let mut links = Vec::new();
        walk(&doc.root, 0, &mut types, &mut links);
        Skim {
            root: prune(doc.root, 0),
            comments: doc.comments,
            types,
            links,
        }
    }
}

/// `n` (at `level`) with every array or object at level [`KEEP`] emptied.
fn prune(n: Node, level: usize) -> Node {
    let value = match n.value {
        Value::Array(_) if level >= KEEP => Value::Array(Vec::new()),
        Value::Object(_) if level >= KEEP => Value::Object(Vec::new()),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|i| prune(i, level + 1)).collect())
        }
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|m| Member {
                    value: prune(m.value, level + 1),
                    ..m
                })
                .collect(),
        ),
        v => v,
    };
    Node { value, ..n }
}

/// [`Skim::types`] and [`Skim::links`] of a tree, in a pre-order walk.
fn walk(n: &Node, level: usize, types: &mut Vec<String>, links: &mut Vec<String>) {
    if level <= LINK_LEVEL {
        if let Some(rel) = n.get("templateLink").and_then(crate::plan::link_of_node) {
            links.push(rel);
        }
    }
    match &n.value {
        Value::Object(members) => {
            for m in members {
                if let Some(t) = m.value.as_str() {
                    if m.key.eq_ignore_ascii_case("type") {
                        types.push(t.to_string());
                    }
                }
                walk(&m.value, level + 1, types, links);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, level + 1, types, links)),
        _ => {}
    }
}

struct Skimmer<'a> {
    lx: Lexer<'a>,
    types: Vec<String>,
    links: Vec<String>,
}

/// What an object member's key says about its value.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Plain,
    /// A `type` member: its string value goes to [`Skim::types`].
    Type,
    /// The first `templateLink` of an object at level <= [`LINK_LEVEL`]: the
    /// object's link is in its value.
    Link,
    /// The first `relativePath` of a `templateLink` object: the link itself.
    Path,
    /// The first `uri` of a `templateLink` object: the link when it has no
    /// `relativePath` ([`crate::plan::link_of`]).
    Uri,
}

/// The two strings of a `templateLink` object that can name a scanned file.
#[derive(Default)]
struct LinkStrings {
    path: Option<String>,
    uri: Option<String>,
}

/// Which of the keys that matter `key` (the decoded key) is, ignoring ASCII case.
fn key_role(key: &[u8]) -> Role {
    match key.len() {
        4 if key.eq_ignore_ascii_case(b"type") => Role::Type,
        12 if key.eq_ignore_ascii_case(b"templateLink") => Role::Link,
        12 if key.eq_ignore_ascii_case(b"relativePath") => Role::Path,
        3 if key.eq_ignore_ascii_case(b"uri") => Role::Uri,
        _ => Role::Plain,
    }
}

impl Skimmer<'_> {
    /// The value at the current position (whitespace skipped), at `level` <=
    /// [`KEEP`]. `path`: this is a `templateLink` value whose `relativePath`
    /// string is wanted.
    fn node(&mut self, level: usize, path: Option<&mut LinkStrings>) -> Result<Node, ParseError> {
        let start = self.lx.pos;
        let value = match self.lx.bytes.get(start) {
            Some(b'{') => Value::Object(self.object(level, path)?),
            Some(b'[') => Value::Array(self.array(level)?),
            Some(b'"') => Value::String(self.lx.string()?),
            Some(b'-' | b'0'..=b'9') => return self.lx.number(),
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$') => return self.lx.word(),
            _ => return self.lx.value_error(),
        };
        Ok(Node {
            value,
            span: Span::new(start, self.lx.pos),
        })
    }

    /// Like [`Skimmer::node`] at `level` > [`KEEP`]: checked, not built.
    fn skip(&mut self, level: usize, path: Option<&mut LinkStrings>) -> Result<(), ParseError> {
        match self.lx.bytes.get(self.lx.pos) {
            Some(b'{') => {
                self.members::<false>(level, path)?;
            }
            Some(b'[') => {
                self.items::<false>(level)?;
            }
            Some(b'"') => {
                self.lx.skip_string()?;
            }
            Some(b'-' | b'0'..=b'9') => self.lx.skip_number()?,
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$') => {
                self.lx.word()?;
            }
            _ => return self.lx.value_error(),
        }
        Ok(())
    }

    /// At a '[' at `level` <= [`KEEP`]: its items, built when they are kept.
    fn array(&mut self, level: usize) -> Result<Vec<Node>, ParseError> {
        if level < KEEP {
            self.items::<true>(level)
        } else {
            self.items::<false>(level)
        }
    }

    /// At a '{' at `level` <= [`KEEP`]: its members, built when they are kept.
    fn object(
        &mut self,
        level: usize,
        path: Option<&mut LinkStrings>,
    ) -> Result<Vec<Member>, ParseError> {
        if level < KEEP {
            self.members::<true>(level, path)
        } else {
            self.members::<false>(level, path)
        }
    }

    /// At a '[' at `level`: its items, built when `BUILD` (they are at a kept
    /// level), else checked only.
    fn items<const BUILD: bool>(&mut self, level: usize) -> Result<Vec<Node>, ParseError> {
        self.lx.check_depth(level + 1)?;
        self.lx.pos += 1; // '['
        let mut items = Vec::new();
        loop {
            self.lx.skip_ws()?;
            if self.lx.bytes.get(self.lx.pos) == Some(&b']') {
                break;
            }
            if self.lx.pos >= self.lx.bytes.len() {
                return self.lx.expected("expected a value or ']'");
            }
            if BUILD {
                items.push(self.node(level + 1, None)?);
            } else {
                self.skip(level + 1, None)?;
            }
            self.lx.skip_ws()?;
            match self.lx.bytes.get(self.lx.pos) {
                Some(b',') => self.lx.pos += 1,
                Some(b']') => break,
                _ => return self.lx.expected("expected ',' or ']' after array element"),
            }
        }
        self.lx.pos += 1; // ']'
        Ok(items)
    }

    /// At a '{' at `level`: its members, built when `BUILD` (they are at a kept
    /// level), else checked only. With `path`, this is a `templateLink` value: its
    /// first `relativePath` member's string goes there.
    fn members<const BUILD: bool>(
        &mut self,
        level: usize,
        mut path: Option<&mut LinkStrings>,
    ) -> Result<Vec<Member>, ParseError> {
        self.lx.check_depth(level + 1)?;
        // This object's link precedes those of its members (pre-order).
        let slot = self.links.len();
        let mut seen_link = level > LINK_LEVEL;
        let mut seen_path = path.is_none();
        let mut seen_uri = path.is_none();
        let mut link: Option<LinkStrings> = None;
        self.lx.pos += 1; // '{'
        let mut members = Vec::new();
        loop {
            self.lx.skip_ws()?;
            let key_start = self.lx.pos;
            match self.lx.bytes.get(key_start) {
                Some(b'}') => break,
                Some(b'"') => {}
                _ => return self.lx.expected("expected a string key or '}'"),
            }
            let (key, role) = if BUILD {
                let key = self.lx.string()?;
                let role = key_role(key.as_bytes());
                (key, role)
            } else {
                let escaped = self.lx.skip_string()?;
                let role = if escaped {
                    key_role(self.lx.string_before(key_start, true).as_bytes())
                } else {
                    key_role(&self.lx.bytes[key_start + 1..self.lx.pos - 1])
                };
                (String::new(), role)
            };
            let key_span = Span::new(key_start, self.lx.pos);
            let role = match role {
                Role::Link if !seen_link => {
                    seen_link = true;
                    Role::Link
                }
                Role::Path if !seen_path => {
                    seen_path = true;
                    Role::Path
                }
                Role::Uri if !seen_uri => {
                    seen_uri = true;
                    Role::Uri
                }
                Role::Type => Role::Type,
                _ => Role::Plain,
            };
            self.lx.skip_ws()?;
            if self.lx.bytes.get(self.lx.pos) != Some(&b':') {
                return self.lx.expected("expected ':' after object key");
            }
            self.lx.pos += 1;
            self.lx.skip_ws()?;
            let value_start = self.lx.pos;
            if role == Role::Plain {
                if BUILD {
                    let value = self.node(level + 1, None)?;
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                } else {
                    self.skip(level + 1, None)?;
                }
            } else if role != Role::Link && self.lx.bytes.get(value_start) == Some(&b'"') {
                // A `type` or the wanted `relativePath` string.
                let s = self.lx.string()?;
                if BUILD {
                    let value = Node {
                        value: Value::String(s.clone()),
                        span: Span::new(value_start, self.lx.pos),
                    };
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                }
                match (role, path.as_deref_mut()) {
                    (Role::Type, _) => self.types.push(s),
                    (Role::Path, Some(p)) => p.path = Some(s),
                    (Role::Uri, Some(p)) => p.uri = Some(s),
                    _ => {}
                }
            } else {
                let wanted = (role == Role::Link).then(|| link.insert(LinkStrings::default()));
                if BUILD {
                    let value = self.node(level + 1, wanted)?;
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                } else {
                    self.skip(level + 1, wanted)?;
                }
            }
            self.lx.skip_ws()?;
            match self.lx.bytes.get(self.lx.pos) {
                Some(b',') => self.lx.pos += 1,
                Some(b'}') => break,
                _ => return self.lx.expected("expected ',' or '}' after object member"),
            }
        }
        self.lx.pos += 1; // '}'
        if let Some(l) =
            link.and_then(|l| crate::plan::link_of(l.path.as_deref(), l.uri.as_deref()))
        {
            self.links.insert(slot, l);
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{classify, Kind, Scope};
    use crate::json::{decode, MAX_DEPTH};
    use crate::plan::{linked_paths, Facts};
    use std::path::Path;

    const ROOT: &str = env!("CARGO_MANIFEST_DIR");

    /// Every file under `dir`, decoded (files that do not decode are no JSON text).
    fn texts(dir: &Path, only_json: bool) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .filter(|e| !only_json || e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| {
                let text = decode(&std::fs::read(e.path()).unwrap()).ok()?.text;
                Some((e.path().display().to_string(), text))
            })
            .collect();
        out.sort();
        out
    }

    fn corpus() -> Option<Vec<(String, String)>> {
        crate::testdata::corpus().map(|dir| texts(&dir, false))
    }

    fn read(rel: &str) -> String {
        std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap()
    }

    const KINDS: [Kind; 5] = [
        Kind::Template(Scope::ResourceGroup),
        Kind::Parameters,
        Kind::RestBody { wrapped: false },
        Kind::Export,
        Kind::Other,
    ];

    /// `n` with the children of every array or object at level `KEEP` dropped,
    /// written independently of `prune`.
    fn pruned(n: &Node, level: usize) -> Node {
        let value = match &n.value {
            Value::Array(items) => Value::Array(if level == KEEP {
                Vec::new()
            } else {
                items.iter().map(|i| pruned(i, level + 1)).collect()
            }),
            Value::Object(members) => Value::Object(if level == KEEP {
                Vec::new()
            } else {
                members
                    .iter()
                    .map(|m| Member {
                        key: m.key.clone(),
                        key_span: m.key_span,
                        value: pruned(&m.value, level + 1),
                    })
                    .collect()
            }),
            v => v.clone(),
        };
        Node {
            value,
            span: n.span,
        }
    }

    /// Skim and parse agree on `text`: both accept it or both reject it with the
    /// same error; when accepted, the skim holds what it promises. Returns whether
    /// the text was accepted.
    fn check(name: &str, text: &str) -> bool {
        let parsed = parse(text);
        let skimmed = skim_only(text);
        match (&parsed, &skimmed) {
            (Err(p), Err(s)) => {
                assert_eq!(p, s, "{name}: the skim's own error differs");
                assert_eq!(skim(text).as_ref().unwrap_err(), p, "{name}");
                false
            }
            (Ok(doc), Ok(s)) => {
                assert_eq!(s.root, pruned(&doc.root, 0), "{name}: kept levels");
                assert_eq!(s.comments, doc.comments, "{name}: comments");
                let kind = classify(&doc.root);
                assert_eq!(classify(&s.root), kind, "{name}: classification");
                for k in KINDS.iter().chain([&kind]) {
                    assert_eq!(
                        Facts::from_skim(s, k),
                        Facts::of(&doc.root, k),
                        "{name}: facts as {k:?}"
                    );
                }
                let mut literal = Vec::new();
                linked_paths(&doc.root, &mut literal, 0);
                let unfiltered: Vec<&String> =
                    s.links.iter().filter(|l| !l.starts_with('[')).collect();
                assert_eq!(unfiltered, literal.iter().collect::<Vec<_>>(), "{name}");
                assert_eq!(s, &Skim::of(doc.clone()), "{name}: the fallback differs");
                assert_eq!(&skim(text).unwrap(), s, "{name}");
                true
            }
            (p, s) => panic!(
                "{name}: parse {} but skim {}",
                if p.is_ok() { "accepts" } else { "rejects" },
                if s.is_ok() { "accepts" } else { "rejects" }
            ),
        }
    }

    #[test]
    fn agrees_with_parse_on_the_corpus_fixtures_and_fuzz_inputs() {
        let Some(corpus) = corpus() else { return };
        assert!(corpus.len() >= 91, "{} corpus files", corpus.len());
        let fixtures = texts(&Path::new(ROOT).join("fixtures"), true);
        assert!(fixtures.len() > 100, "{} fixtures", fixtures.len());
        let fuzz = Path::new(ROOT).join("tests/data/fuzz");
        let fuzz = if fuzz.is_dir() {
            texts(&fuzz, false)
        } else {
            Vec::new()
        };
        let mut accepted = 0;
        let mut kinds = std::collections::HashSet::new();
        let mut deep = 0;
        for (name, text) in corpus.iter().chain(&fixtures).chain(&fuzz) {
            if check(name, text) {
                accepted += 1;
                let doc = parse(text).unwrap();
                kinds.insert(classify(&doc.root).label());
                deep += usize::from(pruned(&doc.root, 0) != doc.root);
            }
        }
        // The inputs exercise what they are meant to: every kind, pruning, and files
        // that do not parse.
        assert!(accepted > 200, "{accepted} accepted");
        assert!(accepted < corpus.len() + fixtures.len() + fuzz.len());
        assert_eq!(kinds.len(), 5, "{kinds:?}");
        assert!(deep > 100, "{deep} files deeper than the kept levels");
    }

    /// Some files of the corpus and fixtures: linked templates, comments, nested
    /// deployments, a cluster.
    fn samples() -> Vec<(String, String)> {
        let shared = [
            "Azure__arm-ttk/unit-tests/VM-Size-Should-Be-A-Parameter/Fail/nested-param.json",
            "Azure__arm-ttk/unit-tests/Secure-Params-In-Nested-Deployments/Pass/Nested-Outer-Nothing-SymbolicNaming.json",
            "Azure__azure-quickstart-templates/quickstarts/microsoft.kubernetes/aks/azuredeploy.json",
        ];
        let mut out = vec![(
            "fixtures/resolve/linked/main.json".to_string(),
            read("fixtures/resolve/linked/main.json"),
        )];
        if let Some(corpus) = crate::testdata::corpus() {
            for rel in shared {
                let p = corpus.join(rel);
                out.push((rel.to_string(), std::fs::read_to_string(p).unwrap()));
            }
        }
        out
    }

    #[test]
    fn every_truncation_agrees() {
        let mut inputs = samples();
        inputs.push(("inline".into(), "// head\n{\r\n  \"$schema\": \"https://x/y#\", /* c */\n  \"n\": [1, -2.5e3, true, false, null, \"é\\u00e9\\ud83d\\ude00\\n\"],\n  \"o\": {\"k\": {\"l\": {\"m\": {\"type\": \"x\", \"n\": [\"\\u0041\"]}}}, \"l\": [],},\n}".into()));
        for (name, text) in inputs {
            assert!(check(&name, &text));
            for end in (0..text.len()).filter(|&e| text.is_char_boundary(e)) {
                // Only a prefix that drops trailing whitespace is still valid.
                let valid = check(&format!("{name}[..{end}]"), &text[..end]);
                assert_eq!(valid, text[end..].trim().is_empty(), "{name}[..{end}]");
            }
        }
    }

    #[test]
    fn mutated_inputs_agree() {
        let mut m = crate::json::Mutator::new(
            "{}[]:,\"\\/*u0123456789eE.-+ \n\tabtrfnlpyTLé€😀\u{0}\u{FEFF}",
        );
        let (mut accepted, mut total) = (0, 0);
        for (name, text) in samples() {
            let chars: Vec<char> = text.chars().collect();
            for _ in 0..1500 {
                let s = m.mutate(&chars, 3);
                total += 1;
                accepted += usize::from(check(&format!("mutated {name}: {s:?}"), &s));
            }
        }
        // Both outcomes are exercised.
        assert!(
            accepted > total / 10 && accepted < total,
            "{accepted} of {total}"
        );
    }

    fn ok(text: &str) -> Skim {
        assert!(check(text, text), "{text} is valid");
        skim(text).unwrap()
    }

    /// `inner` nested as the value of `{"a": ...}` `levels` times: `inner` is at that
    /// level.
    fn nest(levels: usize, inner: &str) -> String {
        format!("{}{inner}{}", "{\"a\": ".repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn keys_written_with_escapes() {
        for level in [1, 3, KEEP, KEEP + 1, 20] {
            let s = ok(&nest(
                level,
                r#"{"\u0074ype": "Microsoft.Network/virtualNetworks", "t\u0079pe": 1,
                    "typ": "a", "types": "b", "TYPE": "Microsoft.ContainerService/managedClusters",
                    "templ\u0061teLink": {"relativ\u0065Path": "x.json"}}"#,
            ));
            assert_eq!(
                s.types,
                [
                    "Microsoft.Network/virtualNetworks",
                    "Microsoft.ContainerService/managedClusters"
                ],
                "level {level}"
            );
            assert_eq!(s.links, ["x.json"], "level {level}");
            let f = Facts::from_skim(&s, &Kind::Template(Scope::ResourceGroup));
            assert!(f.network && f.cluster);
        }
        // Values written with escapes are decoded; other escaped keys do not count.
        let s = ok(&nest(
            9,
            r#"{"type": "\u005bx]", "\u0074ypo": "y", "type\u0000": "z"}"#,
        ));
        assert_eq!(s.types, ["[x]"]);
    }

    #[test]
    fn nesting_at_and_past_the_limit() {
        for open in ["[", "{\"type\": \"t\", \"k\": "] {
            let close = if open == "[" { "]" } else { "}" };
            let text = format!("{}1{}", open.repeat(MAX_DEPTH), close.repeat(MAX_DEPTH));
            let s = ok(&text);
            if open != "[" {
                assert_eq!(s.types.len(), MAX_DEPTH);
            }
            let text = format!(
                "{}1{}",
                open.repeat(MAX_DEPTH + 1),
                close.repeat(MAX_DEPTH + 1)
            );
            assert!(!check(&text, &text));
            assert_eq!(
                skim(&text).unwrap_err().message,
                "nesting deeper than 256 levels"
            );
        }
        assert!(!check("deep", &"[{\"k\":".repeat(50_000)));
    }

    #[test]
    fn links_up_to_level_64_first_members_only_in_pre_order() {
        let link = r#"{"templateLink": {"relativePath": "x.json"}}"#;
        assert_eq!(ok(&nest(LINK_LEVEL, link)).links, ["x.json"]);
        assert!(ok(&nest(LINK_LEVEL + 1, link)).links.is_empty());
        let cases: &[(&str, &[&str])] = &[
            // the first templateLink member decides, whatever its value
            (
                r#"{"templateLink": "s", "TemplateLink": {"relativePath": "b"}}"#,
                &[],
            ),
            (
                r#"{"templateLink": {"uri": "u"}, "templateLink": {"relativePath": "b"}}"#,
                &["u"],
            ),
            // a uri names a scanned file when relative, or built on the template's own
            // location (the quickstart convention)
            (r#"{"templateLink": {"uri": "https://x/y.json"}}"#, &[]),
            (
                r#"{"templateLink": {"uri": "[uri(parameters('_artifactsLocation'), 'nested/x.json')]"}}"#,
                &["nested/x.json"],
            ),
            (
                r#"{"templateLink": {"uri": "[concat(uri(deployment().properties.templateLink.uri, 'n.json'), parameters('sas'))]"}}"#,
                &["n.json"],
            ),
            (
                r#"{"templateLink": {"uri": "[uri('https://example.com/', 'n.json')]"}}"#,
                &[],
            ),
            (
                r#"{"templateLink": {"relativePath": "a", "uri": "b"}}"#,
                &["a"],
            ),
            (
                r#"{"TEMPLATELINK": {"RelativePath": "a"}, "templateLink": {"relativePath": "b"}}"#,
                &["a"],
            ),
            // and so does its first relativePath member
            (
                r#"{"templateLink": {"relativePath": 1, "relativePath": "b"}}"#,
                &[],
            ),
            (
                r#"{"templateLink": {"relativePath": "a", "relativePath": "b"}}"#,
                &["a"],
            ),
            (r#"{"templateLink": [{"relativePath": "a"}]}"#, &[]),
            // an object's link comes before those inside it
            (
                r#"{"a": {"templateLink": {"relativePath": "inner"}},
                    "templateLink": {"relativePath": "outer", "templateLink": {"relativePath": "in-link"}},
                    "b": [{"templateLink": {"relativePath": "last"}}]}"#,
                &["outer", "inner", "in-link", "last"],
            ),
            (
                r#"{"templateLink": {"relativePath": "[concat('a', 'b')]"}}"#,
                &[],
            ),
        ];
        for level in [0, 2, KEEP, KEEP + 3] {
            for (inner, want) in cases {
                assert_eq!(ok(&nest(level, inner)).links, *want, "{inner} at {level}");
            }
        }
        // the skim's links are the facts'
        let s = ok(cases[3].0);
        let f = Facts::from_skim(&s, &Kind::Template(Scope::ResourceGroup));
        assert_eq!(f.links, s.links);
    }

    #[test]
    fn numbers_out_of_range_at_any_level() {
        let long = format!("1{}", "0".repeat(400));
        let fine = format!("1{}", "0".repeat(298));
        for level in [0, KEEP, KEEP + 1, 30] {
            for bad in ["1e400", "-1e400", "1E+309", &long, &format!("{long}.5")] {
                let text = nest(level, &format!("[0, {bad}]"));
                assert!(!check(&text, &text));
                assert_eq!(skim(&text).unwrap_err().message, "number out of range");
            }
            for good in [
                "1e308",
                "-1.7e308",
                "1e-400",
                "0e999999",
                &fine,
                "12345678901234567890",
            ] {
                ok(&nest(level, &format!("[0, {good}]")));
            }
        }
    }

    #[test]
    fn kept_levels_are_pruned_at_keep() {
        let text = r#"{"a": {"b": {"c": {"d": {"e": 1}, "f": [1], "g": "s"}}}, "h": [[[[[2]]]]]}"#;
        let s = ok(text);
        let c = s.root.get("a").unwrap().get("b").unwrap().get("c").unwrap();
        let d = c.get("d").unwrap();
        assert_eq!(d.as_object().map(<[Member]>::len), Some(0));
        assert_eq!(&text[d.span.start..d.span.end], r#"{"e": 1}"#);
        assert_eq!(c.get("f").unwrap().as_array().map(<[Node]>::len), Some(0));
        assert_eq!(c.get("g").unwrap().as_str(), Some("s"));
        // classification looks four levels down: a wrapped REST body's sections
        let example = r#"{"parameters": {"api-version": "2025-05-01", "parameters": {"properties": {"dnsPrefix": {"x": 1}, "networkProfile": []}}}}"#;
        assert_eq!(
            classify(&ok(example).root),
            Kind::RestBody { wrapped: true }
        );
        let aks_engine = example.replace("\"dnsPrefix\"", "\"masterProfile\": 1, \"dnsPrefix\"");
        assert_eq!(classify(&ok(&aks_engine).root), Kind::Other);
    }

    #[test]
    fn errors_are_those_of_parse() {
        for text in [
            "",
            "[1, 2",
            r#"{"a": 1 "b": 2}"#,
            r#"{"a": {"b": {"c": {"d": {"e": [1,,]}}}}}"#,
            r#"{"a": {"b": {"c": {"d": {"e": "\q"}}}}}"#,
            r#"{"a": {"b": {"c": {"d": {"e\u12G4": 1}}}}}"#,
            r#"{"a": {"b": {"c": {"d": {"type": "x	y"}}}}}"#,
            "{\"a\": {\"b\": {\"c\": {\"d\": {\"e\": \"\u{1}\"}}}}}",
            r#"{"a": {"b": {"c": {"d": {"e": [+1]}}}}}"#,
            r#"{"a": {"b": {"c": {"d": {"e": [01]}}}}}"#,
            r#"{"a": {"b": {"c": {"d": {"e": True}}}}}"#,
            r#"{"a": {"b": {"c": {"d": {"e": 1}}}}} x"#,
            "{\"a\": {\"b\": {\"c\": {\"d\": {\"e\": 1 /* open}}}}}",
            "\u{FEFF}[1, \u{FEFF}2]",
        ] {
            check(text, text);
        }
        ok("\u{FEFF}{\"a\": [\"multi\nline\ttab\"]} // end");
    }
}
