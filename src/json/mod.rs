//! ARM-tolerant JSON with source spans.
//!
//! [`parse`] turns text into a tree of [`Node`]s where every value, and every
//! object key, carries the byte [`Span`] it occupies in the text. That makes it
//! possible to turn a JSON path found by a policy back into a precise source
//! location for a diagnostic.
//!
//! The grammar is JSON (RFC 8259) plus what Azure Resource Manager accepts:
//! `//` and `/* */` comments (recorded in [`Document::comments`]), trailing
//! commas in arrays and objects, duplicate keys (all kept, lookups return the
//! first), a leading U+FEFF, and raw line breaks / tabs inside strings (ARM's
//! documented "multi-line strings"). Other control characters in strings are
//! rejected.
//!
//! [`skim`] accepts and rejects exactly the texts [`parse`] does, with the same
//! errors, but builds only what a scan's first pass needs of a file: the top
//! [`KEEP`] levels of the tree, the comments, and the `type` and
//! `templateLink.relativePath` strings. Both stand on one lexer (`lex.rs`).
//!
//! [`decode`] turns raw file bytes into text first (UTF-8 with or without BOM,
//! UTF-16 LE/BE with BOM).

mod decode;
mod lex;
mod parse;
mod skim;

pub use decode::{decode, Decoded, Encoding};
pub use parse::parse;
/// [`skim`] without its fallback to [`parse`] on errors: for tests and the fuzz
/// target, which check that the two agree without it.
#[doc(hidden)]
pub use skim::skim_only;
pub use skim::{skim, Skim, KEEP, LINK_LEVEL};

use std::fmt;

/// Maximum nesting of arrays/objects accepted by [`parse`]. The root array or
/// object is level 1; opening level 257 is a [`ParseError`].
pub const MAX_DEPTH: usize = 256;

/// A byte range in the text given to [`parse`] (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (end exclusive).
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new(span.start.into(), span.len())
    }
}

/// A JSON number. Integers without fraction or exponent that fit in `i64` are
/// `Int`; everything else (including integers that overflow `i64`) is `Float`.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

/// A JSON value; children carry their own spans.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

/// A value together with the span of its whole source text (the quotes of a
/// string, the brackets of an array, the braces of an object).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// One `"key": value` member of an object. `key_span` includes the quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// A comment found in the text. `span` covers the markers (`//`, `/*`, `*/`);
/// `text` is the content without markers, trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

/// The result of [`parse`]: the root value and all comments in source order.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    pub comments: Vec<Comment>,
    /// The resources as they are before this deployment, when the front end knows them
    /// (a Terraform plan's prior state of the resources it updates in place): a template
    /// root whose `resources` are the baselines of the same-named resources. Never read
    /// from a file's own content.
    pub prior: Option<Box<Node>>,
    /// The template Bicep compiled from this file and committed beside it (`main.json`
    /// of `main.bicep`), its spans all at the file's start: the source is judged, and
    /// the compiled template only to compare verdicts (a stale build).
    pub compiled: Option<Box<Node>>,
    /// The other files and folders (ending in `/`), relative to the scanned root, a
    /// front end read to lower this file: a change to them changes this deployment.
    pub reads: Vec<String>,
    /// Values of this file that came from another file (a Terraform variable set in a
    /// `.tfvars` file): where the value is used here, and where it is written there.
    pub origins: Vec<ValueOrigin>,
}

/// A value at span `at` of a lowered file, written at `span` of the file `file`
/// (relative to the scanned root).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueOrigin {
    pub at: Span,
    pub file: String,
    pub span: Span,
    pub label: String,
}

/// A syntax (or decoding) error with the span of the offending text.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl ParseError {
    /// An error with `message` at `span`.
    pub fn new(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            message: message.into(),
            span,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

impl Node {
    /// Object member value by key, ASCII case-insensitive; the first match wins.
    /// `None` when the node is not an object or has no such key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    /// Like [`Node::get`] but returns the whole member (for its `key_span`).
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Value::Object(members) => members.iter().find(|m| m.key.eq_ignore_ascii_case(key)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value of an `Int` number (floats are not converted).
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Number(Number::Int(i)) => Some(i),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// "null", "bool", "number", "string", "array" or "object".
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Plain conversion without spans. Duplicate keys behave like
    /// `serde_json::from_str`: the last value wins, at the first key's position.
    /// Non-finite floats (cannot come from `parse`) become `null`.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(Number::Int(i)) => serde_json::Value::Number((*i).into()),
            Value::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Object(members) => {
                let mut map = serde_json::Map::with_capacity(members.len());
                for m in members {
                    map.insert(m.key.clone(), m.value.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}

/// 1-based line and column of byte `offset` in `text`; the column counts
/// chars, not bytes. Offsets past the end are clamped to `text.len()`; an
/// offset inside a multi-byte char is moved back to the char's start.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Seeded random edits of a text, for the parser's and the skim's robustness tests.
#[cfg(test)]
pub(crate) struct Mutator {
    seed: u64,
    alphabet: Vec<char>,
}

#[cfg(test)]
impl Mutator {
    /// Edits that insert or replace draw their characters from `alphabet`.
    pub fn new(alphabet: &str) -> Mutator {
        Mutator {
            seed: 0x9E37_79B9_7F4A_7C15,
            alphabet: alphabet.chars().collect(),
        }
    }

    fn next(&mut self) -> u64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed
    }

    /// `chars` after 1 to `max_edits` random deletions, replacements or insertions.
    pub fn mutate(&mut self, chars: &[char], max_edits: u64) -> String {
        let mut c = chars.to_vec();
        for _ in 0..(self.next() % max_edits + 1) {
            let i = (self.next() as usize) % (c.len() + 1);
            match self.next() % 3 {
                0 if i < c.len() => {
                    c.remove(i);
                }
                1 if i < c.len() => c[i] = self.pick(),
                _ => {
                    let x = self.pick();
                    c.insert(i, x)
                }
            }
        }
        c.into_iter().collect()
    }

    fn pick(&mut self) -> char {
        let i = (self.next() as usize) % self.alphabet.len();
        self.alphabet[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_basics() {
        let s = Span::new(3, 7);
        assert_eq!(s.len(), 4);
        assert!(!s.is_empty());
        assert!(Span::new(5, 5).is_empty());
        assert_eq!(Span::new(6, 2).len(), 0);
        let ms: miette::SourceSpan = s.into();
        assert_eq!(ms.offset(), 3);
        assert_eq!(ms.len(), 4);
    }

    #[test]
    fn line_col_ascii_and_multibyte() {
        let text = "ab\ncd\r\néé€x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 1), (1, 2));
        assert_eq!(line_col(text, 2), (1, 3));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (3, 1));
        // 'é' is 2 bytes, '€' is 3 bytes
        assert_eq!(line_col(text, 9), (3, 2));
        assert_eq!(line_col(text, 11), (3, 3));
        assert_eq!(line_col(text, 14), (3, 4)); // 'x'
        assert_eq!(line_col(text, 12), (3, 3)); // inside '€' -> its start
        assert_eq!(line_col(text, 10_000), (4, 1)); // clamped to end
        assert_eq!(line_col("", 0), (1, 1));
    }

    #[test]
    fn case_insensitive_get_and_member() {
        let doc = parse(r#"{"Name": "a", "name": "b", "Props": {"X": 1}}"#).unwrap();
        let root = &doc.root;
        assert_eq!(root.get("NAME").and_then(Node::as_str), Some("a"));
        assert_eq!(root.get("name").and_then(Node::as_str), Some("a"));
        let m = root.member("props").unwrap();
        assert_eq!(m.key, "Props");
        assert_eq!(m.key_span, Span::new(27, 34));
        assert_eq!(
            root.get("props")
                .and_then(|p| p.get("x"))
                .and_then(Node::as_i64),
            Some(1)
        );
        assert!(root.get("missing").is_none());
        assert!(root
            .get("Props")
            .unwrap()
            .get("X")
            .unwrap()
            .get("x")
            .is_none());
        // non-ASCII is not folded
        let doc = parse(r#"{"Ä": 1}"#).unwrap();
        assert!(doc.root.get("ä").is_none());
        assert!(doc.root.get("Ä").is_some());
    }

    #[test]
    fn accessors_and_kind_names() {
        let doc = parse(r#"[null, true, 1, 1.5, "s", [], {}]"#).unwrap();
        let items = doc.root.as_array().unwrap();
        let kinds: Vec<_> = items.iter().map(Node::kind_name).collect();
        assert_eq!(
            kinds,
            ["null", "bool", "number", "number", "string", "array", "object"]
        );
        assert!(items[0].is_null());
        assert!(!items[1].is_null());
        assert_eq!(items[1].as_bool(), Some(true));
        assert_eq!(items[2].as_i64(), Some(1));
        assert_eq!(items[3].as_i64(), None);
        assert_eq!(items[4].as_str(), Some("s"));
        assert_eq!(items[5].as_array().map(<[Node]>::len), Some(0));
        assert_eq!(items[6].as_object().map(<[Member]>::len), Some(0));
        assert!(items[4].as_array().is_none());
        assert!(items[4].as_object().is_none());
        assert!(items[4].as_bool().is_none());
        assert!(items[4].get("x").is_none());
    }

    #[test]
    fn to_json_matches_serde_json() {
        let samples = [
            r#"{"a": 1, "b": [true, false, null], "c": {"d": "e\n\u00e9\ud83d\ude00"}, "f": -2.5e-3}"#,
            r#"[1, 2.0, 1e10, -0.0, 9223372036854775807, -9223372036854775808, "x\"\\\/\b\f\n\r\t"]"#,
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "parameters": {"clusterName": {"type": "string", "defaultValue": "aks1"}},
                "resources": [{"type": "Microsoft.ContainerService/managedClusters",
                  "apiVersion": "2023-05-01", "name": "[parameters('clusterName')]",
                  "properties": {"agentPoolProfiles": [{"count": 3, "vmSize": "Standard_D2s_v3"}],
                  "enableRBAC": true, "networkProfile": {"networkPlugin": "azure"}}}]}"#,
            r#"{"dup": 1, "other": 2, "dup": 3}"#,
            r#""just a string""#,
            "12345",
            "[[[[[]]]], {}, [{}], 0.1, 123.456e7]",
        ];
        for s in samples {
            let ours = parse(s).unwrap().root.to_json();
            let theirs: serde_json::Value = serde_json::from_str(s).unwrap();
            assert_eq!(ours, theirs, "sample {s}");
            assert_eq!(ours.to_string(), theirs.to_string(), "sample {s}");
        }
    }

    #[test]
    fn parse_error_display() {
        let e = ParseError::new("unterminated string", Span::new(1, 2));
        assert_eq!(e.to_string(), "unterminated string");
        let _: &dyn std::error::Error = &e;
    }
}
