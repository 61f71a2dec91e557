//! The span-keeping, ARM-tolerant JSON parser.
//!
//! A recursive-descent parser over the bytes of a `&str`, on the shared
//! [`Lexer`]. Recursion depth is bounded by [`MAX_DEPTH`], so hostile input
//! cannot overflow the stack. All positions where the parser stops and reports
//! are ASCII structural bytes or char starts, so every span lies on char
//! boundaries.

use super::lex::Lexer;
use super::{Document, Member, Node, ParseError, Span, Value};

/// Parse `text` into a [`Document`].
///
/// Spans are byte offsets into `text`. A leading U+FEFF is skipped.
pub fn parse(text: &str) -> Result<Document, ParseError> {
    let mut p = Parser {
        lx: Lexer::new(text),
        items: Vec::new(),
        members: Vec::new(),
    };
    p.lx.skip_ws()?;
    let root = p.parse_value(0)?;
    p.lx.finish()?;
    Ok(Document {
        root,
        comments: p.lx.comments,
        prior: None,
        compiled: None,
        reads: Vec::new(),
        origins: Vec::new(),
    })
}

struct Parser<'a> {
    lx: Lexer<'a>,
    /// The elements and members of the arrays and objects being parsed, innermost
    /// last: each is moved out at its exact length when it closes. (Grown by doubling
    /// in place, they took up to twice their room: for a 2.7 MB template, 5.7 MB of
    /// tree, held by each worker at a scan's peak.)
    items: Vec<Node>,
    members: Vec<Member>,
}

impl Parser<'_> {
    /// Parse a value at the current position (whitespace already skipped).
    /// `depth` is the number of arrays/objects enclosing it.
    fn parse_value(&mut self, depth: usize) -> Result<Node, ParseError> {
        let lx = &mut self.lx;
        let start = lx.pos;
        match lx.bytes.get(start) {
            Some(b'{') => self.parse_object(depth + 1),
            Some(b'[') => self.parse_array(depth + 1),
            Some(b'"') => {
                let s = lx.string()?;
                Ok(Node {
                    value: Value::String(s),
                    span: Span::new(start, lx.pos),
                })
            }
            Some(b'-' | b'0'..=b'9') => lx.number(),
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$') => lx.word(),
            _ => lx.value_error(),
        }
    }

    fn parse_array(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.lx.check_depth(depth)?;
        let start = self.lx.pos;
        self.lx.pos += 1; // '['
        let base = self.items.len();
        loop {
            self.lx.skip_ws()?;
            if self.lx.bytes.get(self.lx.pos) == Some(&b']') {
                break;
            }
            if self.lx.pos >= self.lx.bytes.len() {
                return self.lx.expected("expected a value or ']'");
            }
            let item = self.parse_value(depth)?;
            self.items.push(item);
            self.lx.skip_ws()?;
            match self.lx.bytes.get(self.lx.pos) {
                Some(b',') => self.lx.pos += 1,
                Some(b']') => break,
                _ => return self.lx.expected("expected ',' or ']' after array element"),
            }
        }
        self.lx.pos += 1; // ']'
        let items: Vec<Node> = self.items.drain(base..).collect();
        Ok(Node {
            value: Value::Array(items),
            span: Span::new(start, self.lx.pos),
        })
    }

    fn parse_object(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.lx.check_depth(depth)?;
        let start = self.lx.pos;
        self.lx.pos += 1; // '{'
        let base = self.members.len();
        loop {
            self.lx.skip_ws()?;
            let key_start = self.lx.pos;
            match self.lx.bytes.get(key_start) {
                Some(b'}') => break,
                Some(b'"') => {}
                _ => return self.lx.expected("expected a string key or '}'"),
            }
            let key = self.lx.string()?;
            let key_span = Span::new(key_start, self.lx.pos);
            self.lx.skip_ws()?;
            if self.lx.bytes.get(self.lx.pos) != Some(&b':') {
                return self.lx.expected("expected ':' after object key");
            }
            self.lx.pos += 1;
            self.lx.skip_ws()?;
            let value = self.parse_value(depth)?;
            self.members.push(Member {
                key,
                key_span,
                value,
            });
            self.lx.skip_ws()?;
            match self.lx.bytes.get(self.lx.pos) {
                Some(b',') => self.lx.pos += 1,
                Some(b'}') => break,
                _ => return self.lx.expected("expected ',' or '}' after object member"),
            }
        }
        self.lx.pos += 1; // '}'
        let members: Vec<Member> = self.members.drain(base..).collect();
        Ok(Node {
            value: Value::Object(members),
            span: Span::new(start, self.lx.pos),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;

    /// Every array and object of the tree, with its length and capacity.
    fn sizes(n: &Node, out: &mut Vec<(usize, usize)>) {
        match &n.value {
            Value::Array(items) => {
                out.push((items.len(), items.capacity()));
                items.iter().for_each(|i| sizes(i, out));
            }
            Value::Object(members) => {
                out.push((members.len(), members.capacity()));
                members.iter().for_each(|m| sizes(&m.value, out));
            }
            _ => {}
        }
    }

    #[test]
    fn arrays_and_objects_are_kept_at_their_exact_length() {
        let items = |n: usize| {
            (0..n)
                .map(|i| format!("{{\"k{i}\": [{i}, {{}}]}}"))
                .collect::<Vec<_>>()
        };
        let text = format!(
            r#"{{"a": [{}], "b": {{"c": [], "d": [[1, 2, 3], {{"e": 5, "f": [6]}}]}}, "g": 7}}"#,
            items(37).join(", ")
        );
        let doc = parse(&text).unwrap();
        let mut found = Vec::new();
        sizes(&doc.root, &mut found);
        assert!(found.len() > 80 && found.iter().any(|(len, _)| *len == 37));
        for (len, cap) in found {
            assert_eq!(len, cap);
        }
        // A failed parse leaves nothing behind to confuse the next one.
        assert!(parse(r#"{"a": [1, {"b": 2}"#).is_err());
    }

    fn sp(start: usize, end: usize) -> Span {
        Span::new(start, end)
    }

    fn err(text: &str) -> ParseError {
        match parse(text) {
            Ok(doc) => panic!("expected an error for {text:?}, got {:?}", doc.root),
            Err(e) => e,
        }
    }

    /// Assert the error message and that the span covers `snippet` at byte `at`.
    fn check_err(text: &str, message: &str, at: usize, snippet: &str) {
        let e = err(text);
        assert_eq!(e.message, message, "message for {text:?}");
        assert_eq!(e.span, sp(at, at + snippet.len()), "span for {text:?}");
        assert_eq!(
            &text[e.span.start..e.span.end],
            snippet,
            "snippet for {text:?}"
        );
    }

    #[test]
    fn scalar_values_with_spans() {
        let cases: &[(&str, Value, Span)] = &[
            ("null", Value::Null, sp(0, 4)),
            ("  true ", Value::Bool(true), sp(2, 6)),
            ("false", Value::Bool(false), sp(0, 5)),
            ("0", Value::Number(Number::Int(0)), sp(0, 1)),
            ("-0", Value::Number(Number::Int(0)), sp(0, 2)),
            ("-12", Value::Number(Number::Int(-12)), sp(0, 3)),
            ("1.5", Value::Number(Number::Float(1.5)), sp(0, 3)),
            ("-1.25e2", Value::Number(Number::Float(-125.0)), sp(0, 7)),
            ("1E-2", Value::Number(Number::Float(0.01)), sp(0, 4)),
            ("2e+3", Value::Number(Number::Float(2000.0)), sp(0, 4)),
            ("-0.0", Value::Number(Number::Float(-0.0)), sp(0, 4)),
            (
                "9223372036854775807",
                Value::Number(Number::Int(i64::MAX)),
                sp(0, 19),
            ),
            (
                "-9223372036854775808",
                Value::Number(Number::Int(i64::MIN)),
                sp(0, 20),
            ),
            (
                "9223372036854775808",
                Value::Number(Number::Float(9223372036854775808.0)),
                sp(0, 19),
            ),
            (
                "-99999999999999999999",
                Value::Number(Number::Float(-99999999999999999999.0)),
                sp(0, 21),
            ),
            (r#""abc""#, Value::String("abc".into()), sp(0, 5)),
            (r#" "" "#, Value::String(String::new()), sp(1, 3)),
            (r#""héllo€""#, Value::String("héllo€".into()), sp(0, 11)),
        ];
        for (text, value, span) in cases {
            let doc = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(&doc.root.value, value, "{text:?}");
            assert_eq!(doc.root.span, *span, "{text:?}");
            assert!(doc.comments.is_empty());
        }
    }

    #[test]
    fn string_escapes() {
        let cases = [
            (r#""a\"b""#, "a\"b"),
            (r#""\\\/\b\f\n\r\t""#, "\\/\u{8}\u{c}\n\r\t"),
            (r#""\u0041\u00e9\u20AC""#, "Aé€"),
            (r#""x\ud83d\ude00y""#, "x😀y"),
            (r#""\uD83D\uDE00""#, "😀"),
            // unpaired surrogates become U+FFFD
            (r#""\ud83d""#, "\u{FFFD}"),
            (r#""\ud83dx""#, "\u{FFFD}x"),
            (r#""\ude00""#, "\u{FFFD}"),
            (r#""\ud83d\u0041""#, "\u{FFFD}A"),
            (r#""\ud83d\ud83d\ude00""#, "\u{FFFD}😀"),
            (r#""\ud83d\n""#, "\u{FFFD}\n"),
            (r#""plain \u0000 nul""#, "plain \u{0} nul"),
            // ARM multi-line strings: raw line breaks and tabs are kept
            ("\"a\r\n\tb\"", "a\r\n\tb"),
        ];
        for (text, expected) in cases {
            let doc = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(doc.root.as_str(), Some(expected), "{text:?}");
            assert_eq!(doc.root.span, sp(0, text.len()));
        }
    }

    #[test]
    fn object_and_array_spans() {
        let text = r#"{"a": 1, "bb": [true, null], "c": {}}"#;
        let doc = parse(text).unwrap();
        let root = &doc.root;
        assert_eq!(root.span, sp(0, text.len()));
        let members = root.as_object().unwrap();
        assert_eq!(members.len(), 3);
        assert_eq!(members[0].key, "a");
        assert_eq!(members[0].key_span, sp(1, 4));
        assert_eq!(&text[1..4], r#""a""#);
        assert_eq!(members[0].value.span, sp(6, 7));
        assert_eq!(members[1].key, "bb");
        assert_eq!(members[1].key_span, sp(9, 13));
        assert_eq!(members[1].value.span, sp(15, 27));
        assert_eq!(&text[15..27], "[true, null]");
        let arr = members[1].value.as_array().unwrap();
        assert_eq!(arr[0].span, sp(16, 20));
        assert_eq!(arr[1].span, sp(22, 26));
        assert_eq!(members[2].key_span, sp(29, 32));
        assert_eq!(members[2].value.span, sp(34, 36));
        assert_eq!(parse("[]").unwrap().root.span, sp(0, 2));
        assert_eq!(parse(" { } ").unwrap().root.span, sp(1, 4));
    }

    #[test]
    fn escaped_key_span_covers_source() {
        let text = r#"{"k\u00e9y": "v\"x"}"#;
        let doc = parse(text).unwrap();
        let m = &doc.root.as_object().unwrap()[0];
        assert_eq!(m.key, "kéy");
        assert_eq!(&text[m.key_span.start..m.key_span.end], r#""k\u00e9y""#);
        assert_eq!(&text[m.value.span.start..m.value.span.end], r#""v\"x""#);
    }

    #[test]
    fn nested_path_spans() {
        let text = r#"{
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "properties": {
        "agentPoolProfiles": [ { "name": "pool1", "count": 3 } ],
        "apiServerAccessProfile": { "enablePrivateCluster": false }
      }
    }
  ]
}"#;
        let doc = parse(text).unwrap();
        let res = &doc.root.get("resources").unwrap().as_array().unwrap()[0];
        let props = res.get("properties").unwrap();
        let pool = &props.get("agentPoolProfiles").unwrap().as_array().unwrap()[0];
        let count = pool.member("count").unwrap();
        assert_eq!(&text[count.key_span.start..count.key_span.end], "\"count\"");
        assert_eq!(&text[count.value.span.start..count.value.span.end], "3");
        let epc = props
            .get("apiServerAccessProfile")
            .unwrap()
            .member("enablePrivateCluster")
            .unwrap();
        assert_eq!(epc.value.as_bool(), Some(false));
        let (line, col) = line_col(text, epc.value.span.start);
        assert_eq!((line, col), (7, 61));
        assert_eq!(
            &text[pool.span.start..pool.span.end],
            r#"{ "name": "pool1", "count": 3 }"#
        );
        assert_eq!(
            &text[res.span.start..res.span.start + 1],
            "{",
            "object span starts at its brace"
        );
        assert!(text[..res.span.end].ends_with('}'));
    }

    #[test]
    fn comments_are_recorded() {
        let text = "// leading comment\r\n/* block\n  two */ {\n  \"a\": 1, // after a\n  /**/ \"b\": /* inline */ 2 /* end */\n}\n// trailing";
        let doc = parse(text).unwrap();
        let got: Vec<(&str, &str)> = doc
            .comments
            .iter()
            .map(|c| (c.text.as_str(), &text[c.span.start..c.span.end]))
            .collect();
        assert_eq!(
            got,
            [
                ("leading comment", "// leading comment"),
                ("block\n  two", "/* block\n  two */"),
                ("after a", "// after a"),
                ("", "/**/"),
                ("inline", "/* inline */"),
                ("end", "/* end */"),
                ("trailing", "// trailing"),
            ]
        );
        assert_eq!(doc.comments[0].span, sp(0, 18));
        assert_eq!(doc.root.get("a").unwrap().as_i64(), Some(1));
        assert_eq!(doc.root.get("b").unwrap().as_i64(), Some(2));
        // a comment holding '*' and '/' characters, and a comment-only line comment at EOF
        let doc = parse("/* a * b / c **/[1]//").unwrap();
        assert_eq!(doc.comments[0].text, "a * b / c *");
        assert_eq!(doc.comments[1].text, "");
        assert_eq!(doc.comments[1].span, sp(19, 21));
        // comment markers inside strings are string content
        let doc = parse(r#"{"url": "http://x/*y*/"}"#).unwrap();
        assert!(doc.comments.is_empty());
        assert_eq!(doc.root.get("url").unwrap().as_str(), Some("http://x/*y*/"));
    }

    #[test]
    fn trailing_commas() {
        let doc = parse("[1,2,]").unwrap();
        assert_eq!(doc.root.as_array().unwrap().len(), 2);
        assert_eq!(doc.root.span, sp(0, 6));
        let doc = parse(r#"{"a":1,}"#).unwrap();
        assert_eq!(doc.root.as_object().unwrap().len(), 1);
        let doc = parse("{\"a\": [ {}, ] , // c\n }").unwrap();
        assert_eq!(doc.root.get("a").unwrap().as_array().unwrap().len(), 1);
        // only one trailing comma, and never a leading one
        check_err("[1,,]", "expected a value, found ','", 3, ",");
        check_err("[,]", "expected a value, found ','", 1, ",");
        check_err("{,}", "expected a string key or '}', found ','", 1, ",");
        check_err(
            r#"{"a":1,,}"#,
            "expected a string key or '}', found ','",
            7,
            ",",
        );
    }

    #[test]
    fn crlf_tabs_and_feff() {
        let text = "{\r\n\t\"a\":\t[\r\n\t\t1\r\n\t]\r\n}\r\n";
        let doc = parse(text).unwrap();
        let a = doc.root.get("a").unwrap();
        assert_eq!(&text[a.span.start..a.span.end], "[\r\n\t\t1\r\n\t]");
        assert_eq!(line_col(text, a.as_array().unwrap()[0].span.start), (3, 3));
        let text = "\u{FEFF}{\"a\": 1}";
        let doc = parse(text).unwrap();
        assert_eq!(doc.root.span, sp(3, text.len()));
        // U+FEFF anywhere else is not whitespace
        check_err(
            "[1, \u{FEFF}2]",
            "expected a value, found '\\u{feff}'",
            4,
            "\u{FEFF}",
        );
    }

    #[test]
    fn duplicate_keys_kept_in_order() {
        let doc = parse(r#"{"a": 1, "A": 2, "a": 3}"#).unwrap();
        let m = doc.root.as_object().unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[2].key_span, sp(17, 20));
        assert_eq!(doc.root.get("a").unwrap().as_i64(), Some(1));
    }

    #[test]
    fn error_messages_and_spans() {
        check_err("", "expected a value, found end of file", 0, "");
        check_err(
            "   // only a comment\n",
            "expected a value, found end of file",
            21,
            "",
        );
        check_err(
            "[1, 2",
            "expected ',' or ']' after array element, found end of file",
            5,
            "",
        );
        check_err(
            "[1 2]",
            "expected ',' or ']' after array element, found '2'",
            3,
            "2",
        );
        check_err("[1,", "expected a value or ']', found end of file", 3, "");
        check_err(
            r#"{"a": 1 "b": 2}"#,
            "expected ',' or '}' after object member, found '\"'",
            8,
            "\"",
        );
        check_err(
            r#"{"a": 1]"#,
            "expected ',' or '}' after object member, found ']'",
            7,
            "]",
        );
        check_err(
            r#"{"a" 1}"#,
            "expected ':' after object key, found '1'",
            5,
            "1",
        );
        check_err(r#"{"a": }"#, "expected a value, found '}'", 6, "}");
        check_err("{a: 1}", "expected a string key or '}', found 'a'", 1, "a");
        check_err(
            "{'a': 1}",
            "expected a string key or '}', found '\\''",
            1,
            "'",
        );
        check_err(
            "{",
            "expected a string key or '}', found end of file",
            1,
            "",
        );
        check_err(r#"{"a":"#, "expected a value, found end of file", 5, "");
        check_err(r#"["abc"#, "unterminated string", 1, "\"");
        check_err(r#"["ab\"#, "unterminated string", 1, "\"");
        check_err(r#"["\u12"#, "unterminated string", 1, "\"");
        check_err(r#"["a\qb"]"#, "invalid escape \\q", 3, "\\q");
        check_err(r#"["a\éb"]"#, "invalid escape \\é", 3, "\\é");
        check_err(
            "[\"a\\\nb\"]",
            "invalid escape: backslash followed by U+000A",
            3,
            "\\\n",
        );
        check_err(
            r#"["\u12G4"]"#,
            "invalid unicode escape: expected 4 hex digits after \\u, found 'G'",
            6,
            "G",
        );
        check_err(
            "[\"a\u{1}b\"]",
            "control character in string (U+0001); write it as an escape",
            3,
            "\u{1}",
        );
        check_err(
            "[\"a\u{0}\"]",
            "control character in string (U+0000); write it as an escape",
            3,
            "\0",
        );
        check_err("[1] x", "unexpected content after the JSON value", 4, "x");
        check_err("{} {}", "unexpected content after the JSON value", 3, "{");
        check_err("1 2", "unexpected content after the JSON value", 2, "2");
        check_err("\"a\" é", "unexpected content after the JSON value", 4, "é");
        check_err("[1] /* open", "unterminated block comment", 4, "/*");
        check_err("/* never closed [1]", "unterminated block comment", 0, "/*");
        check_err(
            "[1, / 2]",
            "unexpected '/': comments start with // or /*",
            4,
            "/",
        );
        check_err(
            "[1]/",
            "unexpected '/': comments start with // or /*",
            3,
            "/",
        );
        check_err(
            "[+1]",
            "invalid number: a leading '+' is not allowed",
            1,
            "+",
        );
        check_err(
            "[.5]",
            "invalid number: a digit is required before the decimal point",
            1,
            ".",
        );
        check_err(
            "[-]",
            "invalid number: expected a digit after '-', found ']'",
            2,
            "]",
        );
        check_err(
            "-",
            "invalid number: expected a digit after '-', found end of file",
            1,
            "",
        );
        check_err(
            "[-a]",
            "invalid number: expected a digit after '-', found 'a'",
            2,
            "a",
        );
        check_err(
            "[01]",
            "invalid number: leading zeros are not allowed",
            2,
            "1",
        );
        check_err(
            "[1.]",
            "invalid number: expected a digit after '.', found ']'",
            3,
            "]",
        );
        check_err(
            "[1.e5]",
            "invalid number: expected a digit after '.', found 'e'",
            3,
            "e",
        );
        check_err(
            "[1e]",
            "invalid number: expected a digit in the exponent, found ']'",
            3,
            "]",
        );
        check_err(
            "[1e+]",
            "invalid number: expected a digit in the exponent, found ']'",
            4,
            "]",
        );
        check_err("[1e999]", "number out of range", 1, "1e999");
        check_err("[-1e999]", "number out of range", 1, "-1e999");
        let word = "invalid value 'True': expected a string in double quotes, a number, true, false, null, an array or an object";
        check_err("[True]", word, 1, "True");
        check_err("[nul]", &word.replace("True", "nul"), 1, "nul");
        check_err("[truex]", &word.replace("True", "truex"), 1, "truex");
        check_err("[NaN]", &word.replace("True", "NaN"), 1, "NaN");
        check_err("[1, é]", "expected a value, found 'é'", 4, "é");
        check_err(
            "[1, \u{a0}2]",
            "expected a value, found '\\u{a0}'",
            4,
            "\u{a0}",
        );
        check_err("]", "expected a value, found ']'", 0, "]");
        // a long bad word is shortened in the message but fully spanned
        let long = format!("[{}]", "x".repeat(100));
        let e = err(&long);
        assert_eq!(e.span, sp(1, 101));
        assert!(e.message.contains(&format!("'{}...'", "x".repeat(40))));
    }

    #[test]
    fn errors_report_position_in_nested_document() {
        let text = "{\n  \"a\": {\n    \"b\": [1, 2,, 3]\n  }\n}";
        let e = err(text);
        assert_eq!(e.message, "expected a value, found ','");
        assert_eq!(line_col(text, e.span.start), (3, 16));
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let ok = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = parse(&too_deep).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
        assert_eq!(e.span, sp(MAX_DEPTH, MAX_DEPTH + 1));

        let huge = "[".repeat(100_000);
        let e = parse(&huge).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
        assert_eq!(e.span, sp(256, 257));
        let huge = "{\"k\":".repeat(100_000);
        let e = parse(&huge).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
        let huge = "[{\"k\":".repeat(50_000);
        assert!(parse(&huge).is_err());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let text = "// head\n{\r\n  \"$schema\": \"https://x/y#\", /* c */\n  \"n\": [1, -2.5e3, true, false, null, \"é\\u00e9\\ud83d\\ude00\\n\"],\n  \"o\": {\"k\": {}, \"l\": [],},\n}";
        assert!(parse(text).is_ok());
        for end in 0..text.len() {
            if !text.is_char_boundary(end) {
                continue;
            }
            let prefix = &text[..end];
            let e = parse(prefix).expect_err(prefix);
            assert!(
                e.span.start <= e.span.end && e.span.end <= prefix.len(),
                "{prefix:?}: {e:?}"
            );
            assert!(prefix.is_char_boundary(e.span.start) && prefix.is_char_boundary(e.span.end));
        }
    }

    #[test]
    fn mutated_inputs_never_panic() {
        let base = "{\"a\": [1, 2.5e-3, \"x\\u00e9\\n\", true, null, {\"b\": false}], /* c */ \"é€😀\": -0, // d\n \"s\": \"\\ud83d\\ude00\"}";
        let chars: Vec<char> = base.chars().collect();
        let mut m =
            crate::json::Mutator::new("{}[]:,\"\\/*u0123456789eE.-+ \n\tabtrfnlé€😀\u{0}\u{FEFF}");
        for _ in 0..5000 {
            let s = m.mutate(&chars, 4);
            match parse(&s) {
                Ok(doc) => {
                    assert!(doc.root.span.end <= s.len());
                }
                Err(e) => {
                    assert!(
                        e.span.start <= e.span.end && e.span.end <= s.len(),
                        "{s:?}: {e:?}"
                    );
                    assert!(s.is_char_boundary(e.span.start) && s.is_char_boundary(e.span.end));
                }
            }
        }
    }

    #[test]
    fn agrees_with_serde_json_on_strict_json_validity() {
        // Inputs that are strict JSON must parse identically to serde_json.
        let samples = [
            r#"{"a":[1,2,{"b":null}],"c":"\u0000\t"}"#,
            r#"[-1.5e+300, 1e-300, 0.000001, 123456789012345678]"#,
            r#"{"nested":{"deeper":{"deepest":[[],[[]],{"x":"y"}]}}}"#,
        ];
        for s in samples {
            let ours = parse(s).unwrap().root.to_json();
            let theirs: serde_json::Value = serde_json::from_str(s).unwrap();
            assert_eq!(ours, theirs);
        }
    }
}
