//! The parser: tokens to a [`Program`], by recursive descent, with error recovery.
//!
//! The grammar, its newline rules and its recovery points follow the Bicep compiler's
//! parser, so that the files it accepts are accepted and the files it rejects for
//! their syntax are rejected. Recovery works as the compiler's does: a construct that
//! cannot go on fails (a `Fail` unwinds with `?`) to the nearest recovery point,
//! which records the error, skips tokens up to one of the kinds it names as its
//! terminators (usually the line break), and leaves an error node. Each declaration
//! is such a point, so a bad line costs that line alone.
//!
//! - `decl`: declarations and decorators;
//! - `expr`: expressions, strings, objects, arrays, loops;
//! - `types`: type expressions.

mod decl;
mod expr;
mod types;

#[cfg(test)]
mod tests;

use super::ast::{Ident, Program};
use super::error::SyntaxError;
use super::span::Span;
use super::token::{Token, TokenKind};

/// How deeply expressions, types and declarations may nest before the parser reports
/// an error instead of recursing further (which could overflow the stack).
///
/// Measured worst cases at this depth (deep parentheses, objects, lambdas, holes,
/// nested resources): about 400 KB of stack in a release build, 1.5 MB in a debug
/// build, so parsing fits the 2 MB of a default thread. Real files stay far below:
/// the deepest tree in the shared samples and corpus is 19 levels.
pub const MAX_DEPTH: usize = 100;

/// How many levels deep a tree may grow (see [`Expr::height`](super::ast::Expr)):
/// chains such as `a.b.c...`, `1 + 1 + ...` or `T[][]...` are parsed by loops, not
/// recursion, so [`MAX_DEPTH`] alone would not bound them.
pub const MAX_HEIGHT: u32 = 500;

/// The code of the error for nesting deeper than [`MAX_DEPTH`] (the compiler has no
/// such limit, so no BCP code).
pub const TOO_DEEP: &str = "too-deep";

/// Which grammar a file uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A `.bicep` file.
    Bicep,
    /// A `.bicepparam` file: `using`, `extends`, `param x = ...`, `var`, `type`,
    /// `import`, `extension`, `extensionConfig`.
    BicepParam,
}

/// Parses the tokens of `src` (which must end with an end-of-file token, as the
/// lexer's do). Returns the program and the parser's errors.
pub fn parse_tokens(src: &str, tokens: Vec<Token>, mode: Mode) -> (Program, Vec<SyntaxError>) {
    let mut parser = Parser::new(src, tokens, mode);
    let program = parser.program();
    (program, parser.errors)
}

/// A construct could not go on. Unwinds to the nearest recovery point, which records
/// the error (unless told to suppress it, to avoid piling errors on one spot).
pub(super) struct Fail(Box<SyntaxError>);

pub(super) type PResult<T> = Result<T, Fail>;

/// What a recovery point skipped: the tokens from where it started to where it
/// stopped (empty where nothing could be consumed).
pub(super) type Skipped = Span;

pub(super) struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    /// The end of the last token consumed: where a node being built ends.
    last_end: usize,
    depth: usize,
    mode: Mode,
    errors: Vec<SyntaxError>,
}

/// The message of the compiler's BCP018.
fn expected_char(c: &str) -> String {
    format!("Expected the \"{c}\" character at this location.")
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, mut tokens: Vec<Token>, mode: Mode) -> Parser<'a> {
        if tokens.last().map(|t| t.kind) != Some(TokenKind::EndOfFile) {
            tokens.push(Token {
                kind: TokenKind::EndOfFile,
                span: Span::empty(src.len()),
                comment_before: false,
            });
        }
        let origin = tokens.first().map_or(0, |t| t.span.start);
        Parser {
            src,
            tokens,
            pos: 0,
            last_end: origin,
            depth: 0,
            mode,
            errors: Vec::new(),
        }
    }

    fn program(&mut self) -> Program {
        let start = self.peek().span.start;
        let mut statements = Vec::new();
        while !self.at_end() {
            if self.check(TokenKind::NewLine) {
                self.bump();
                continue;
            }
            let (statement, declared) = self.top_level_statement();
            statements.push(statement);
            if declared && !self.at_end() {
                // A declaration must be followed by a line break or the end of the file.
                let _ = self.recover_consuming(false, &[TokenKind::NewLine], |p| {
                    p.expect(
                        TokenKind::NewLine,
                        "BCP019",
                        "Expected a new line character at this location.",
                    )
                    .map(|_| ())
                });
            }
        }
        let end = self.peek().span.end;
        Program {
            span: Span::new(start, end),
            statements,
        }
    }

    // ---- the token cursor ----

    fn peek(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_kind(&self) -> TokenKind {
        self.peek().kind
    }

    /// The token `n` after the current one, if any.
    fn peek_ahead(&self, n: usize) -> Option<Token> {
        self.tokens.get(self.pos + n).copied()
    }

    /// The first token from `pos + n` on that is not a line break.
    fn peek_ahead_past_newlines(&self, n: usize) -> Option<Token> {
        self.tokens[(self.pos + n).min(self.tokens.len())..]
            .iter()
            .find(|t| t.kind != TokenKind::NewLine)
            .copied()
    }

    /// The current token, or the first after it that is not a line break.
    fn peek_past_newlines(&self) -> Token {
        self.peek_ahead_past_newlines(0)
            .unwrap_or_else(|| self.peek())
    }

    fn at_end(&self) -> bool {
        self.peek_kind() == TokenKind::EndOfFile
    }

    /// Whether the current token is of `kind` (never at the end of the file).
    fn check(&self, kind: TokenKind) -> bool {
        !self.at_end() && self.peek_kind() == kind
    }

    fn check_any(&self, kinds: &[TokenKind]) -> bool {
        !self.at_end() && kinds.contains(&self.peek_kind())
    }

    fn text(&self, token: Token) -> &'a str {
        token.span.text(self.src)
    }

    fn is_keyword(&self, token: Option<Token>, keyword: &str) -> bool {
        token.is_some_and(|t| t.kind == TokenKind::Identifier && self.text(t) == keyword)
    }

    fn check_keyword(&self, keyword: &str) -> bool {
        self.is_keyword(Some(self.peek()), keyword)
    }

    /// Consumes the current token (never steps past the end of the file).
    fn bump(&mut self) -> Token {
        let token = self.peek();
        if token.kind != TokenKind::EndOfFile {
            self.pos += 1;
            self.last_end = token.span.end;
        }
        token
    }

    fn newlines(&mut self) {
        while self.check(TokenKind::NewLine) {
            self.bump();
        }
    }

    /// A span from `start` to the end of the last token consumed.
    fn span_from(&self, start: usize) -> Span {
        Span::new(start, self.last_end.max(start))
    }

    // ---- errors ----

    /// Where an error about the current token goes: the token, or an empty span
    /// before a line break or the end of the file.
    fn here(&self) -> Span {
        let t = self.peek();
        match t.kind {
            TokenKind::NewLine | TokenKind::EndOfFile => Span::empty(t.span.start),
            _ => t.span,
        }
    }

    fn fail(&self, code: &'static str, message: impl Into<String>) -> Fail {
        Fail(Box::new(SyntaxError::new(self.here(), code, message)))
    }

    /// Reports an error without unwinding (where the compiler inserts an empty
    /// placeholder and goes on).
    fn report(&mut self, span: Span, code: &'static str, message: impl Into<String>) {
        self.errors.push(SyntaxError::new(span, code, message));
    }

    fn report_here(&mut self, code: &'static str, message: impl Into<String>) {
        let span = self.here();
        self.report(span, code, message);
    }

    fn expect(&mut self, kind: TokenKind, code: &'static str, message: &str) -> PResult<Token> {
        if self.check(kind) {
            Ok(self.bump())
        } else {
            Err(self.fail(code, message))
        }
    }

    fn expect_char(&mut self, kind: TokenKind, c: &str) -> PResult<Token> {
        if self.check(kind) {
            Ok(self.bump())
        } else {
            Err(self.fail("BCP018", expected_char(c)))
        }
    }

    fn expect_keyword(&mut self, keyword: &str) -> PResult<Token> {
        if self.check_keyword(keyword) {
            Ok(self.bump())
        } else {
            Err(self.fail(
                "BCP012",
                format!("Expected the \"{keyword}\" keyword at this location."),
            ))
        }
    }

    fn ident(&mut self, code: &'static str, message: &str) -> PResult<Ident> {
        let t = self.expect(TokenKind::Identifier, code, message)?;
        Ok(self.ident_of(t))
    }

    fn ident_of(&self, t: Token) -> Ident {
        Ident {
            name: self.text(t).to_string(),
            span: t.span,
        }
    }

    /// An identifier, or (reporting an error) a missing one, without unwinding.
    fn ident_or_missing(&mut self, code: &'static str, message: &str) -> Ident {
        if self.check(TokenKind::Identifier) {
            let t = self.bump();
            return self.ident_of(t);
        }
        self.report_here(code, message);
        Ident {
            name: String::new(),
            span: Span::empty(self.peek().span.start),
        }
    }

    /// An identifier, or a missing one after skipping to a terminator.
    fn ident_recovering(
        &mut self,
        code: &'static str,
        message: &str,
        suppress: bool,
        terminators: &[TokenKind],
    ) -> Ident {
        self.recover(suppress, terminators, |p| p.ident(code, message))
            .unwrap_or_else(|span| Ident {
                name: String::new(),
                span,
            })
    }

    // ---- recovery ----

    /// Runs `f`; if it fails, records its error (unless `suppress`) in place of those
    /// reported inside `f`, skips to the next token of a `terminators` kind (not
    /// consuming it) and returns what was skipped.
    fn recover<T>(
        &mut self,
        suppress: bool,
        terminators: &[TokenKind],
        f: impl FnOnce(&mut Self) -> PResult<T>,
    ) -> Result<T, Skipped> {
        self.recover_with(suppress, terminators, false, f)
    }

    /// As [`Parser::recover`], consuming the terminator too.
    fn recover_consuming<T>(
        &mut self,
        suppress: bool,
        terminators: &[TokenKind],
        f: impl FnOnce(&mut Self) -> PResult<T>,
    ) -> Result<T, Skipped> {
        self.recover_with(suppress, terminators, true, f)
    }

    fn recover_with<T>(
        &mut self,
        suppress: bool,
        terminators: &[TokenKind],
        consume_terminator: bool,
        f: impl FnOnce(&mut Self) -> PResult<T>,
    ) -> Result<T, Skipped> {
        let start = self.pos;
        let errors_before = self.errors.len();
        match f(self) {
            Ok(v) => Ok(v),
            Err(Fail(error)) => {
                // What `f` had built is dropped, and with it the errors reported inside
                // it (as in the compiler, whose errors live on the nodes): the skipped
                // stretch is reported once, by this error.
                self.errors.truncate(errors_before);
                if !suppress {
                    self.errors.push(*error);
                }
                while !self.at_end() && !terminators.contains(&self.peek_kind()) {
                    self.bump();
                }
                if consume_terminator && self.check_any(terminators) {
                    self.bump();
                }
                Err(self.skipped_since(start))
            }
        }
    }

    /// The span of the tokens consumed since token index `start`.
    fn skipped_since(&self, start: usize) -> Span {
        let first = self.tokens[start.min(self.tokens.len() - 1)].span.start;
        if self.pos > start {
            Span::new(first, self.tokens[self.pos - 1].span.end)
        } else {
            Span::empty(first)
        }
    }

    /// Skips to a terminator with an error (not unwinding), returning the span.
    fn skip_with_error(
        &mut self,
        terminators: &[TokenKind],
        code: &'static str,
        message: &str,
    ) -> Span {
        let start = self.pos;
        let span = self.here();
        self.report(span, code, message);
        while !self.at_end() && !terminators.contains(&self.peek_kind()) {
            self.bump();
        }
        self.skipped_since(start)
    }

    /// Fails when a chain has grown a tree past [`MAX_HEIGHT`].
    fn check_height(&self, height: u32) -> PResult<()> {
        if height > MAX_HEIGHT {
            return Err(self.fail(
                TOO_DEEP,
                format!("The expression is nested more than {MAX_HEIGHT} levels deep."),
            ));
        }
        Ok(())
    }

    /// Runs `f` one level deeper, failing instead when too deep.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(
                TOO_DEEP,
                format!("The expression is nested more than {MAX_DEPTH} levels deep."),
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }
}

/// Whether a recovery result was an empty skip: what follows it would report its
/// error at the same empty spot, so the compiler suppresses it.
fn empty_skip<T>(r: &Result<T, Skipped>) -> bool {
    matches!(r, Err(span) if span.is_empty())
}
