//! ARM template expression syntax: classification of template strings, and a parser
//! from expression text (the part between the outer brackets) to an [`Expr`] tree.
//!
//! Grammar (whitespace allowed between tokens):
//!
//! ```text
//! expr    := primary postfix*
//! primary := string | integer | call
//! string  := "'" ( any char except "'" | "''" )* "'"
//! integer := "-"? digit+                      (must fit in i64)
//! call    := ident ("." ident)* "(" [ expr ("," expr)* ] ")"
//! postfix := "." ident | "[" expr "]"
//! ident   := (letter | "_" | "$") (letter | digit | "_" | "$")*
//! ```
//!
//! A dotted call name (`ns.fn(...)`) is a user-defined function call. `true`, `false`
//! and `null` are not literals in ARM (use `true()`, `false()`, `null()`), so a bare
//! identifier is a parse error. Nesting is bounded by [`MAX_DEPTH`] so hostile input
//! cannot overflow the stack.

use std::borrow::Cow;
use std::fmt;

/// Maximum nesting depth of expressions (calls, index brackets, postfix chains).
pub const MAX_DEPTH: usize = 256;

/// A parsed ARM expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A string literal (quotes removed, `''` unescaped).
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A function call. `name` is as written (lookups are case-insensitive); a user-defined
    /// function has a dotted name `namespace.member`.
    Call { name: String, args: Vec<Expr> },
    /// Property access `target.name`.
    Member { target: Box<Expr>, name: String },
    /// Index access `target[index]`.
    Index { target: Box<Expr>, index: Box<Expr> },
}

impl Expr {
    /// The function name (as written) when this is a call.
    pub fn call_name(&self) -> Option<&str> {
        match self {
            Expr::Call { name, .. } => Some(name),
            _ => None,
        }
    }
}

impl fmt::Display for Expr {
    /// Renders the expression back to (canonical) ARM syntax, without the outer brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Str(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Int(i) => write!(f, "{i}"),
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Member { target, name } => write!(f, "{target}.{name}"),
            Expr::Index { target, index } => write!(f, "{target}[{index}]"),
        }
    }
}

/// A syntax error. `offset` is a byte offset into the text given to [`parse`] (the text
/// inside the brackets); add 1 for an offset into the whole template string `"[...]"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub message: String,
    pub offset: usize,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

impl std::error::Error for ExprError {}

/// Classifies a template string. `"[...]"` is an expression: returns the inner text.
/// `"[[...]"` is ARM's escape for a literal string starting with `[`: returns `None`
/// (use [`unescape_literal`]). Anything else is a literal: `None`.
pub fn as_expression(s: &str) -> Option<&str> {
    if s.len() >= 2 && s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[") {
        Some(&s[1..s.len() - 1])
    } else {
        None
    }
}

/// The value of a literal (non-expression) template string: `"[[x]"` -> `"[x]"`.
/// Only a string that starts with `[[` and ends with `]` is an escape; other strings are
/// returned unchanged.
pub fn unescape_literal(s: &str) -> Cow<'_, str> {
    if s.starts_with("[[") && s.ends_with(']') {
        Cow::Borrowed(&s[1..])
    } else {
        Cow::Borrowed(s)
    }
}

/// Parses expression text (the inside of `[...]`).
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let mut p = Parser {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.skip_ws();
    if p.pos >= p.bytes.len() {
        return Err(p.err("empty expression"));
    }
    let e = p.expr()?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.err(format!(
            "unexpected '{}' after the end of the expression",
            p.peek_char().unwrap_or(' ')
        )));
    }
    Ok(e)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>) -> ExprError {
        ExprError {
            message: message.into(),
            offset: self.pos,
        }
    }

    fn err_at(&self, offset: usize, message: impl Into<String>) -> ExprError {
        ExprError {
            message: message.into(),
            offset,
        }
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek_char() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn describe_here(&self) -> String {
        match self.peek_char() {
            Some(c) => format!("'{c}'"),
            None => "end of expression".to_string(),
        }
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!(
                "expression is nested too deeply (more than {MAX_DEPTH} levels)"
            )));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        self.enter()?;
        let mut e = self.primary()?;
        let mut chain = 0usize;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'.') => {
                    self.pos += 1;
                    self.skip_ws();
                    let name = self.ident()?;
                    e = Expr::Member {
                        target: Box::new(e),
                        name,
                    };
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_ws();
                    let index = self.expr()?;
                    self.skip_ws();
                    if self.peek() != Some(b']') {
                        return Err(
                            self.err(format!("expected ']' but found {}", self.describe_here()))
                        );
                    }
                    self.pos += 1;
                    e = Expr::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                    };
                }
                _ => break,
            }
            // Long postfix chains build deep trees too (Display/Drop/eval recurse on them),
            // so each postfix counts as a nesting level for everything parsed after it.
            chain += 1;
            self.enter()?;
        }
        self.depth -= 1 + chain;
        Ok(e)
    }

    fn ident(&mut self) -> Result<String, ExprError> {
        let start = self.pos;
        match self.peek_char() {
            Some(c) if is_ident_start(c) => self.pos += c.len_utf8(),
            _ => {
                return Err(self.err(format!(
                    "expected a name but found {}",
                    self.describe_here()
                )))
            }
        }
        while let Some(c) = self.peek_char() {
            if is_ident_char(c) {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        Ok(self.src[start..self.pos].to_string())
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        self.skip_ws();
        match self.peek_char() {
            None => Err(self.err("expected an expression but found end of expression")),
            Some('\'') => self.string(),
            Some(c) if c == '-' || c.is_ascii_digit() => self.integer(),
            Some(c) if is_ident_start(c) => self.call(),
            Some(_) => Err(self.err(format!(
                "expected an expression but found {}",
                self.describe_here()
            ))),
        }
    }

    fn string(&mut self) -> Result<Expr, ExprError> {
        let start = self.pos;
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let rest = &self.src[self.pos..];
            match rest.find('\'') {
                None => return Err(self.err_at(start, "unterminated string literal")),
                Some(i) => {
                    out.push_str(&rest[..i]);
                    self.pos += i + 1;
                    if self.peek() == Some(b'\'') {
                        out.push('\'');
                        self.pos += 1;
                    } else {
                        return Ok(Expr::Str(out));
                    }
                }
            }
        }
    }

    fn integer(&mut self) -> Result<Expr, ExprError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Err(self.err("expected a digit after '-'"));
        }
        if self.peek() == Some(b'.') && matches!(self.bytes.get(self.pos + 1), Some(b'0'..=b'9')) {
            return Err(self.err("floating-point literals are not supported in ARM expressions"));
        }
        if let Some(c) = self.peek_char() {
            if is_ident_char(c) {
                return Err(self.err(format!("unexpected '{c}' in a number")));
            }
        }
        self.src[start..self.pos]
            .parse::<i64>()
            .map(Expr::Int)
            .map_err(|_| self.err_at(start, "integer literal is out of range"))
    }

    fn call(&mut self) -> Result<Expr, ExprError> {
        let start = self.pos;
        let mut name = self.ident()?;
        loop {
            // Dotted names are only allowed when a '(' follows (user-defined functions).
            let save = self.pos;
            self.skip_ws();
            if self.peek() == Some(b'.') {
                self.pos += 1;
                self.skip_ws();
                let part = self.ident()?;
                name.push('.');
                name.push_str(&part);
                continue;
            }
            self.pos = save;
            break;
        }
        self.skip_ws();
        if self.peek() != Some(b'(') {
            let lower = name.to_ascii_lowercase();
            let hint = if matches!(lower.as_str(), "true" | "false" | "null") {
                format!("; ARM has no '{name}' literal, use {lower}()")
            } else {
                String::new()
            };
            return Err(self.err_at(
                start,
                format!("expected '(' after function name '{name}'{hint}"),
            ));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(Expr::Call { name, args });
        }
        loop {
            args.push(self.expr()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                }
                Some(b')') => {
                    self.pos += 1;
                    return Ok(Expr::Call { name, args });
                }
                _ => {
                    return Err(self.err(format!(
                        "expected ',' or ')' in the arguments of '{name}' but found {}",
                        self.describe_here()
                    )))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call {
            name: name.into(),
            args,
        }
    }

    #[test]
    fn parses_calls_and_literals() {
        let e = parse("concat('a', 'it''s', -12, 7)").unwrap();
        assert_eq!(
            e,
            call(
                "concat",
                vec![
                    Expr::Str("a".into()),
                    Expr::Str("it's".into()),
                    Expr::Int(-12),
                    Expr::Int(7)
                ]
            )
        );
        assert_eq!(parse("''").unwrap(), Expr::Str(String::new()));
        assert_eq!(parse("''''").unwrap(), Expr::Str("'".into()));
        assert_eq!(parse("  f( )  ").unwrap(), call("f", vec![]));
    }

    #[test]
    fn parses_property_and_index_chains() {
        let e = parse("parameters('x').a[0]['b'].c").unwrap();
        assert_eq!(e.to_string(), "parameters('x').a[0]['b'].c");
        match e {
            Expr::Member { target, name } => {
                assert_eq!(name, "c");
                assert!(matches!(*target, Expr::Index { .. }));
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = parse("resourceGroup() . location").unwrap();
        assert_eq!(e.to_string(), "resourceGroup().location");
        let e = parse("createArray(1,2)[add(0, 1)]").unwrap();
        assert_eq!(e.to_string(), "createArray(1, 2)[add(0, 1)]");
    }

    #[test]
    fn parses_user_defined_function_names() {
        let e = parse("contoso.uniqueName('x')").unwrap();
        assert_eq!(e.call_name(), Some("contoso.uniqueName"));
    }

    #[test]
    fn error_offsets() {
        let e = parse("concat('a' 'b')").unwrap_err();
        assert_eq!(e.offset, 11, "{e}");
        let e = parse("concat('abc").unwrap_err();
        assert_eq!(e.offset, 7);
        assert!(e.message.contains("unterminated"));
        let e = parse("f() x").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("after the end"));
        let e = parse("if(true, 1, 2)").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("true()"), "{e}");
        let e = parse("").unwrap_err();
        assert_eq!(e.offset, 0);
        let e = parse("f(1,)").unwrap_err();
        assert_eq!(e.offset, 4);
        let e = parse("a.b").unwrap_err();
        assert!(e.message.contains("expected '('"));
        let e = parse("f(99999999999999999999)").unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(parse("f(1.5)").is_err());
        assert!(parse("f(-)").is_err());
        assert!(parse("f()[0").is_err());
        assert!(parse("f().").is_err());
        assert!(parse("f(\"a\")").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let n = 10_000;
        let src = format!("{}1{}", "f(".repeat(n), ")".repeat(n));
        let e = parse(&src).unwrap_err();
        assert!(e.message.contains("nested too deeply"));
        let src = format!("f(){}", "[0]".repeat(n));
        assert!(parse(&src).is_err());
        let src = format!("f(){}", ".a".repeat(n));
        assert!(parse(&src).is_err());
        let src = format!("f(){}1{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&src).is_err());
        // Reasonable nesting is fine.
        let src = format!("{}1{}", "f(".repeat(100), ")".repeat(100));
        assert!(parse(&src).is_ok());
    }

    #[test]
    fn classification_and_escapes() {
        assert_eq!(as_expression("[f()]"), Some("f()"));
        assert_eq!(as_expression("[[f()]"), None);
        assert_eq!(as_expression("plain"), None);
        assert_eq!(as_expression("[not closed"), None);
        assert_eq!(as_expression(" [f()]"), None);
        assert_eq!(as_expression("[]"), Some(""));
        assert_eq!(as_expression("["), None);
        assert_eq!(unescape_literal("[[f()]"), "[f()]");
        assert_eq!(unescape_literal("[[x"), "[[x");
        assert_eq!(unescape_literal("abc"), "abc");
    }

    #[test]
    fn unicode_text_is_fine() {
        assert_eq!(parse("'héllo ✓'").unwrap(), Expr::Str("héllo ✓".into()));
        let e = parse("f('é' ✓)").unwrap_err();
        assert_eq!(e.offset, 7);
    }
}
