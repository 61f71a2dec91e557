//! Expressions: operators by precedence climbing, then member access, then primaries
//! (literals, strings, arrays, objects, loops, calls, lambdas, parentheses).
//!
//! Line breaks end an expression except where the compiler allows them: between the
//! items of arrays and objects (which they separate), around call arguments and
//! inside parentheses, before `?` and `:` of a ternary, after `=>`, and around the
//! body of a loop.

use super::{empty_skip, Fail, PResult, Parser, Skipped};
use crate::bicep::syntax::ast::*;
use crate::bicep::syntax::error::SyntaxError;
use crate::bicep::syntax::span::Span;
use crate::bicep::syntax::strings::{self, StringStyle};
use crate::bicep::syntax::token::TokenKind::{self, *};

/// What an expression may contain where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Flags {
    /// Array and object literals (not allowed inside string interpolation holes).
    pub complex: bool,
    /// Nested `resource` declarations in objects (a resource body).
    pub resources: bool,
}

impl Flags {
    pub const NONE: Flags = Flags {
        complex: false,
        resources: false,
    };
    pub const COMPLEX: Flags = Flags {
        complex: true,
        resources: false,
    };
    pub const RESOURCE_BODY: Flags = Flags {
        complex: true,
        resources: true,
    };

    fn without_resources(self) -> Flags {
        Flags {
            resources: false,
            ..self
        }
    }
}

/// Where an operand that cannot be parsed is skipped to: the end of the line or of
/// whatever encloses it.
const OPERAND_TERMINATORS: &[TokenKind] = &[
    StringRightPiece,
    RightBrace,
    RightParen,
    RightSquare,
    NewLine,
];

/// The items of a parenthesised list, `(a, b)`.
pub(super) struct ParenList<T> {
    pub span: Span,
    pub items: Vec<Result<T, Skipped>>,
    pub commas: usize,
    /// Line breaks were taken inside.
    pub newlines: bool,
    /// The `)` was there.
    pub closed: bool,
}

fn binary_op(kind: TokenKind) -> Option<BinaryOp> {
    use BinaryOp::*;
    Some(match kind {
        DoubleQuestion => Coalesce,
        LogicalOr => Or,
        LogicalAnd => And,
        TokenKind::Equals => BinaryOp::Equals,
        TokenKind::NotEquals => BinaryOp::NotEquals,
        TokenKind::EqualsInsensitive => BinaryOp::EqualsInsensitive,
        TokenKind::NotEqualsInsensitive => BinaryOp::NotEqualsInsensitive,
        LeftChevron => Less,
        LessThanOrEqual => LessOrEqual,
        RightChevron => Greater,
        GreaterThanOrEqual => GreaterOrEqual,
        Plus => Add,
        Minus => Subtract,
        Asterisk => Multiply,
        Slash => Divide,
        TokenKind::Modulo => BinaryOp::Modulo,
        _ => return None,
    })
}

impl Parser<'_> {
    /// An expression, ternary included.
    pub(super) fn expression(&mut self, flags: Flags) -> PResult<Expr> {
        self.nested(|p| p.ternary(flags))
    }

    fn ternary(&mut self, flags: Flags) -> PResult<Expr> {
        let start = self.peek().span.start;
        let condition = self.binary(flags, 0)?;
        if self.peek_past_newlines().kind == Question {
            self.newlines();
        }
        if !self.check(Question) {
            return Ok(condition);
        }
        self.bump();
        let mut then_terminators = vec![Colon];
        then_terminators.extend_from_slice(OPERAND_TERMINATORS);
        let then = self.recover(false, &then_terminators, |p| p.expression(flags));
        if then.is_ok() && self.peek_past_newlines().kind == Colon {
            self.newlines();
        }
        let colon = self.recover(empty_skip(&then), OPERAND_TERMINATORS, |p| {
            p.expect_char(Colon, ":")
        });
        let otherwise = self
            .recover(empty_skip(&colon), OPERAND_TERMINATORS, |p| {
                p.expression(flags)
            })
            .unwrap_or_else(Expr::error);
        Ok(Expr::new(
            self.span_from(start),
            ExprKind::Ternary {
                condition: Box::new(condition),
                then: Box::new(then.unwrap_or_else(Expr::error)),
                otherwise: Box::new(otherwise),
            },
        ))
    }

    /// Operators binding tighter than `min` (precedence climbing; all left-associative).
    fn binary(&mut self, flags: Flags, min: u8) -> PResult<Expr> {
        let start = self.peek().span.start;
        let mut left = self.unary(flags)?;
        while let Some(op) = binary_op(self.peek_kind()) {
            if op.precedence() <= min {
                break;
            }
            let op_span = self.bump().span;
            let right = self
                .recover(false, OPERAND_TERMINATORS, |p| {
                    p.binary(flags, op.precedence())
                })
                .unwrap_or_else(Expr::error);
            left = Expr::new(
                self.span_from(start),
                ExprKind::Binary {
                    op,
                    op_span,
                    left: Box::new(left),
                    right: Box::new(right),
                },
            );
            self.check_height(left.height)?;
        }
        Ok(left)
    }

    fn unary(&mut self, flags: Flags) -> PResult<Expr> {
        let op = match self.peek_kind() {
            Exclamation => UnaryOp::Not,
            Minus => UnaryOp::Minus,
            _ => return self.member(flags),
        };
        let start = self.bump().span.start;
        let operand = self
            .recover(false, OPERAND_TERMINATORS, |p| p.member(flags))
            .unwrap_or_else(Expr::error);
        Ok(Expr::new(
            self.span_from(start),
            ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
        ))
    }

    /// A primary followed by `[i]`, `[?i]`, `[^i]`, `.name`, `.?name`, `.f(...)`,
    /// `::name` and `!`, any number of times.
    fn member(&mut self, flags: Flags) -> PResult<Expr> {
        let start = self.peek().span.start;
        let mut current = self.primary(flags)?;
        loop {
            let kind = match self.peek_kind() {
                LeftSquare => {
                    self.bump();
                    let safe = self.check(Question) && self.bump().kind == Question;
                    let from_end = self.check(Hat) && self.bump().kind == Hat;
                    let index = if self.check(RightSquare) {
                        let span = Span::empty(self.peek().span.start);
                        self.report(
                            span,
                            "BCP117",
                            "An empty indexer is not allowed. Specify a valid expression.",
                        );
                        Expr::error(span)
                    } else {
                        self.expression(flags)?
                    };
                    self.expect_char(RightSquare, "]")?;
                    ExprKind::Index {
                        base: Box::new(current),
                        index: Box::new(index),
                        safe,
                        from_end,
                    }
                }
                Dot => {
                    self.bump();
                    let safe = self.check(Question).then(|| self.bump().span);
                    let name = self.ident_or_missing(
                        "BCP020",
                        "Expected a function or property name at this location.",
                    );
                    if self.check(LeftParen) {
                        if let Some(q) = safe {
                            self.report(
                                q.to(name.span),
                                "BCP322",
                                "The `.?` (safe dereference) operator may not be used on instance function invocations.",
                            );
                        }
                        let args = self.call_args(flags)?;
                        ExprKind::MethodCall {
                            receiver: Box::new(current),
                            name,
                            args,
                        }
                    } else {
                        ExprKind::Property {
                            base: Box::new(current),
                            name,
                            safe: safe.is_some(),
                        }
                    }
                }
                DoubleColon => {
                    self.bump();
                    let name = self.ident_or_missing(
                        "BCP020",
                        "Expected a function or property name at this location.",
                    );
                    ExprKind::ResourceAccess {
                        base: Box::new(current),
                        name,
                    }
                }
                Exclamation => {
                    self.bump();
                    ExprKind::NonNull(Box::new(current))
                }
                _ => return Ok(current),
            };
            current = Expr::new(self.span_from(start), kind);
            self.check_height(current.height)?;
        }
    }

    fn primary(&mut self, flags: Flags) -> PResult<Expr> {
        let t = self.peek();
        match t.kind {
            Integer => {
                let value = self.integer()?;
                Ok(Expr::new(t.span, ExprKind::Int(value)))
            }
            NullKeyword => Ok(Expr::new(self.bump().span, ExprKind::Null)),
            TrueKeyword => Ok(Expr::new(self.bump().span, ExprKind::Bool(true))),
            FalseKeyword => Ok(Expr::new(self.bump().span, ExprKind::Bool(false))),
            StringComplete | StringLeftPiece => Ok(match self.string_literal() {
                Some(s) => Expr::new(s.span, ExprKind::String(s)),
                None => Expr::error(self.span_from(t.span.start)),
            }),
            LeftBrace if flags.complex => self.object(flags),
            LeftSquare if flags.complex => {
                if self.is_keyword(self.peek_ahead_past_newlines(1), "for") {
                    self.for_expression(flags, false)
                } else {
                    self.array()
                }
            }
            LeftBrace | LeftSquare => Err(self.fail(
                "BCP087",
                "Array and object literals are not allowed here.",
            )),
            LeftParen => self.paren_or_lambda(flags),
            Identifier => self.call_or_variable(flags),
            _ => Err(self.fail(
                "BCP009",
                "Expected a literal value, an array, an object, a parenthesized expression, or a function call at this location.",
            )),
        }
    }

    /// An integer literal's value (at most `u64::MAX`, as the compiler's).
    pub(super) fn integer(&mut self) -> PResult<u64> {
        let t = self.peek();
        match self.text(t).parse::<u64>() {
            Ok(v) => {
                self.bump();
                Ok(v)
            }
            Err(_) => Err(self.fail("BCP010", "Expected a valid 64-bit signed integer.")),
        }
    }

    /// `name`, `name(args)`, or the lambda `name => body`.
    fn call_or_variable(&mut self, flags: Flags) -> PResult<Expr> {
        let t = self.bump();
        let name = self.ident_of(t);
        if self.check(LeftParen) {
            let args = self.call_args(flags)?;
            return Ok(Expr::new(
                self.span_from(t.span.start),
                ExprKind::Call { name, args },
            ));
        }
        if self.check(Arrow) {
            self.bump();
            let body = self.lambda_body();
            return Ok(Expr::new(
                self.span_from(t.span.start),
                ExprKind::Lambda {
                    params: vec![name],
                    body: Box::new(body),
                },
            ));
        }
        Ok(Expr::new(name.span, ExprKind::Ident(name)))
    }

    fn lambda_body(&mut self) -> Expr {
        self.newlines_before_body();
        self.recover(false, &[NewLine, RightParen], |p| {
            p.expression(Flags::COMPLEX)
        })
        .unwrap_or_else(Expr::error)
    }

    /// `(args)` of a call. A missing `)` is reported without unwinding.
    pub(super) fn call_args(&mut self, flags: Flags) -> PResult<Vec<Expr>> {
        self.expect_char(LeftParen, "(")?;
        let args = self.function_elements(RightParen, |p| {
            p.recover(false, &[NewLine, Comma, RightParen], |p| {
                p.expression(flags)
            })
            .unwrap_or_else(Expr::error)
        });
        if self.check(RightParen) {
            self.bump();
        } else {
            self.report_here("BCP018", super::expected_char(")"));
        }
        Ok(args)
    }

    /// The items of a call's arguments or a type's `<...>` arguments: separated by
    /// commas, with line breaks allowed around them but not instead of commas, and no
    /// trailing comma.
    pub(super) fn function_elements<T>(
        &mut self,
        closing: TokenKind,
        mut child: impl FnMut(&mut Self) -> T,
    ) -> Vec<T> {
        let mut items = Vec::new();
        if self.check(closing) {
            return items;
        }
        self.newlines();
        let mut expect_element = true;
        while !self.at_end() && self.peek_kind() != closing {
            if expect_element {
                let before = self.pos;
                items.push(child(self));
                expect_element = false;
                self.ensure_progress(before, closing);
                continue;
            }
            if self.check(NewLine) {
                // Lines holding only comments may come before the closing token.
                let mut k = 1;
                while self
                    .peek_ahead(k)
                    .is_some_and(|t| t.kind == NewLine && t.comment_before)
                {
                    k += 1;
                }
                match self.peek_ahead(k) {
                    None => break,
                    Some(t) if t.kind == EndOfFile => break,
                    Some(t) if t.kind != closing => {
                        self.report_here("BCP237", "Expected a comma character at this location.")
                    }
                    Some(_) => {}
                }
                self.newlines();
            } else if self.check(Comma) {
                self.bump();
                self.newlines();
                if self.check(closing) {
                    // A trailing comma: parse the missing item to report it.
                    items.push(child(self));
                }
            } else {
                self.report_here(
                    "BCP236",
                    "Expected a new line or comma character at this location.",
                );
            }
            expect_element = true;
        }
        items
    }

    /// The items of an array, an object, an object type, a tuple or an import list:
    /// separated by one comma or by line breaks (not a comma then a line break).
    pub(super) fn block_elements<T>(
        &mut self,
        closing: TokenKind,
        mut child: impl FnMut(&mut Self) -> T,
    ) -> Vec<T> {
        let mut items = Vec::new();
        if self.check(closing) {
            return items;
        }
        self.newlines();
        let mut expect_element = true;
        while !self.at_end() && self.peek_kind() != closing {
            if expect_element {
                let before = self.pos;
                items.push(child(self));
                expect_element = false;
                self.ensure_progress(before, closing);
                continue;
            }
            if self.check(NewLine) {
                self.newlines();
            } else if self.check(Comma) {
                self.bump();
                if self.check(NewLine) {
                    self.report_here("BCP238", "Unexpected new line character after a comma.");
                    self.bump();
                }
            } else {
                self.report_here(
                    "BCP236",
                    "Expected a new line or comma character at this location.",
                );
            }
            expect_element = true;
        }
        items
    }

    /// After an item that consumed nothing, steps over the token it stopped at unless
    /// that is a separator or the closing token, so an item loop always moves on.
    fn ensure_progress(&mut self, before: usize, closing: TokenKind) {
        if self.pos == before && !self.at_end() && !self.check_any(&[NewLine, Comma, closing]) {
            self.bump();
        }
    }

    /// `(item, item...)`. Items that fail are skipped to a `,`, a closing bracket or
    /// the line's end.
    pub(super) fn paren_list<T>(
        &mut self,
        allow_newlines: bool,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<ParenList<T>> {
        let open = self.expect_char(LeftParen, "(")?;
        let mut took_newlines = false;
        let mut newlines = |p: &mut Self| {
            if allow_newlines && p.check(NewLine) {
                took_newlines = true;
                p.newlines();
            }
        };
        let mut items = Vec::new();
        let mut commas = 0;
        newlines(self);
        while !self.check(RightParen) {
            let r = self.recover(
                false,
                &[
                    StringRightPiece,
                    RightBrace,
                    RightParen,
                    RightSquare,
                    NewLine,
                    Comma,
                ],
                &mut item,
            );
            items.push(r);
            newlines(self);
            if self.check(Comma) {
                self.bump();
                commas += 1;
                newlines(self);
            } else {
                break;
            }
        }
        let suppress = items.last().is_some_and(empty_skip);
        let closed = self
            .recover(
                suppress,
                &[StringRightPiece, RightBrace, RightSquare, NewLine],
                |p| p.expect_char(RightParen, ")"),
            )
            .is_ok();
        Ok(ParenList {
            span: self.span_from(open.span.start),
            items,
            commas,
            newlines: took_newlines,
            closed,
        })
    }

    /// The one item of parentheses, or an error if there are none or several. Like the
    /// compiler, line breaks inside count as items: parentheses around an expression
    /// stay on one line (a lambda's parameters need not).
    pub(super) fn only_item<T>(&mut self, list: ParenList<T>, error: impl Fn(Span) -> T) -> T {
        let ParenList {
            span,
            mut items,
            commas,
            newlines,
            ..
        } = list;
        if items.len() == 1 && commas == 0 && !newlines {
            return items
                .pop()
                .and_then(Result::ok)
                .unwrap_or_else(|| error(span));
        }
        self.report(
            span,
            "BCP243",
            "Parentheses must contain exactly one expression.",
        );
        error(span)
    }

    fn paren_or_lambda(&mut self, flags: Flags) -> PResult<Expr> {
        let start = self.peek().span.start;
        let list = self.paren_list(true, |p| p.expression(flags))?;
        if self.check(Arrow) {
            self.bump();
            let mut params = Vec::new();
            for item in list.items {
                match item {
                    Ok(Expr {
                        kind: ExprKind::Ident(name),
                        ..
                    }) => params.push(name),
                    Ok(other) => self.report(
                        other.span,
                        "BCP015",
                        "Expected a variable identifier at this location.",
                    ),
                    Err(_) => {}
                }
            }
            let body = self.lambda_body();
            return Ok(Expr::new(
                self.span_from(start),
                ExprKind::Lambda {
                    params,
                    body: Box::new(body),
                },
            ));
        }
        let span = list.span;
        let inner = self.only_item(list, Expr::error);
        Ok(Expr::new(span, ExprKind::Paren(Box::new(inner))))
    }

    /// `(expression)` as an `if` condition; also tells whether its `)` was there.
    fn paren_expression(&mut self, flags: Flags) -> PResult<(Expr, bool)> {
        let list = self.paren_list(true, |p| p.expression(flags))?;
        let (span, closed) = (list.span, list.closed);
        let inner = self.only_item(list, Expr::error);
        Ok((Expr::new(span, ExprKind::Paren(Box::new(inner))), closed))
    }

    /// A string literal starting at the current token (which must be a string's
    /// first piece). `None` when it could not be read whole (an error was reported,
    /// by the lexer or here).
    pub(super) fn string_literal(&mut self) -> Option<StringExpr> {
        let start = self.peek();
        if !matches!(start.kind, StringComplete | StringLeftPiece) {
            return None;
        }
        let style = StringStyle::of(self.text(start));
        let mut pieces = Vec::new();
        let mut holes = Vec::new();
        let mut first = true;
        loop {
            let (end, open) = if first {
                (StringComplete, StringLeftPiece)
            } else {
                (StringRightPiece, StringMiddlePiece)
            };
            let kind = self.peek_kind();
            if !self.at_end() && kind == end {
                pieces.push(self.bump());
                break;
            }
            if self.at_end() || kind != open {
                if !self.check_any(&[NewLine, StringMiddlePiece, StringRightPiece]) {
                    self.skip_with_error(
                        &[StringMiddlePiece, StringRightPiece, NewLine],
                        "BCP064",
                        "Found unexpected tokens in interpolated expression.",
                    );
                }
                return None;
            }
            pieces.push(self.bump());
            let terminators = [StringMiddlePiece, StringRightPiece, NewLine];
            let mut hole = self
                .recover(false, &terminators, |p| p.expression(Flags::NONE))
                .unwrap_or_else(Expr::error);
            if !self.check_any(&terminators) {
                let skipped = self.skip_with_error(
                    &terminators,
                    "BCP064",
                    "Found unexpected tokens in interpolated expression.",
                );
                hole = Expr::error(hole.span.to(skipped));
            }
            holes.push(hole);
            if self.check(NewLine) || self.at_end() {
                return None;
            }
            first = false;
        }
        let mut segments = Vec::with_capacity(pieces.len());
        for t in pieces {
            let value = strings::token_value(self.text(t), t.kind, style)?;
            segments.push(StringSegment {
                value,
                span: t.span,
            });
        }
        Some(StringExpr {
            span: self.span_from(start.span.start),
            multiline: matches!(style, StringStyle::Multiline { .. }),
            segments,
            holes,
        })
    }

    /// A string that must be here: fails with `code` if there is none or it is
    /// malformed.
    pub(super) fn string_or_fail(
        &mut self,
        code: &'static str,
        message: &str,
    ) -> PResult<StringExpr> {
        // The error goes at the first token, whatever is skipped after it.
        let at = self.here();
        let fail = || Fail(Box::new(SyntaxError::new(at, code, message)));
        if !self.check_any(&[StringComplete, StringLeftPiece]) {
            // The compiler's string parser skips what is not a string up to the line's
            // end before giving up; so do we, for the same errors after it.
            while !self.at_end() && !self.check_any(&[StringMiddlePiece, StringRightPiece, NewLine])
            {
                self.bump();
            }
            return Err(fail());
        }
        self.string_literal().ok_or_else(fail)
    }

    /// `{ ... }`
    pub(super) fn object(&mut self, flags: Flags) -> PResult<Expr> {
        let open = self.expect_char(LeftBrace, "{")?;
        let items = self.block_elements(RightBrace, |p| p.object_item(flags));
        self.expect_char(RightBrace, "}")?;
        Ok(Expr::new(
            self.span_from(open.span.start),
            ExprKind::Object(items),
        ))
    }

    fn object_item(&mut self, flags: Flags) -> ObjectItem {
        let start = self.peek().span.start;
        self.recover(false, &[NewLine, RightBrace], |p| {
            if flags.resources
                && (p.check(At)
                    || (p.check_keyword("resource")
                        && p.peek_ahead(1).is_some_and(|t| t.kind == Identifier)))
            {
                let statement = p.declaration(Some("resource"))?;
                return Ok(ObjectItem::Resource(Box::new(statement)));
            }
            if p.check(Ellipsis) {
                let (span, value) = p.spread(&[Comma, NewLine, RightBrace]);
                return Ok(ObjectItem::Spread { span, value });
            }
            let key = p.recover(false, &[Colon, NewLine, RightBrace], |p| {
                match p.peek_kind() {
                    Identifier => {
                        let t = p.bump();
                        Ok(ObjectKey::Ident(p.ident_of(t)))
                    }
                    StringComplete | StringLeftPiece => p
                        .string_or_fail("BCP022", "Expected a property name at this location.")
                        .map(ObjectKey::String),
                    _ => Err(p.fail("BCP022", "Expected a property name at this location.")),
                }
            });
            let colon = p.recover(empty_skip(&key), &[NewLine, RightBrace], |p| {
                p.expect_char(Colon, ":")
            });
            let value = p
                .recover(empty_skip(&colon), &[NewLine, RightBrace], |p| {
                    p.expression(Flags::COMPLEX)
                })
                .unwrap_or_else(Expr::error);
            Ok(ObjectItem::Property {
                span: p.span_from(start),
                key: key.unwrap_or_else(ObjectKey::Error),
                value,
            })
        })
        .unwrap_or_else(ObjectItem::Error)
    }

    /// `...expr`: the span of `...` and the value.
    fn spread(&mut self, terminators: &[TokenKind]) -> (Span, Expr) {
        let start = self.bump().span.start;
        let value = self
            .recover(false, terminators, |p| p.expression(Flags::COMPLEX))
            .unwrap_or_else(Expr::error);
        (self.span_from(start), value)
    }

    /// `[ ... ]`
    fn array(&mut self) -> PResult<Expr> {
        let open = self.expect_char(LeftSquare, "[")?;
        let items = self.block_elements(RightSquare, |p| {
            p.recover(false, &[NewLine, RightSquare], |p| {
                if p.check(Ellipsis) {
                    let (span, value) = p.spread(&[Comma, NewLine, RightSquare]);
                    Ok(ArrayItem::Spread { span, value })
                } else {
                    p.expression(Flags::COMPLEX).map(ArrayItem::Value)
                }
            })
            .unwrap_or_else(|span| ArrayItem::Value(Expr::error(span)))
        });
        self.expect_char(RightSquare, "]")?;
        Ok(Expr::new(
            self.span_from(open.span.start),
            ExprKind::Array(items),
        ))
    }

    /// `[for item in iterable: body]`, `[for (item, index) in iterable: body]`. In a
    /// resource or module declaration the body is an object or an `if`.
    pub(super) fn for_expression(&mut self, flags: Flags, declaration_body: bool) -> PResult<Expr> {
        let open = self.expect_char(LeftSquare, "[")?;
        self.newlines();
        self.expect_keyword("for")?;
        let (item, index, bad_variables) = match self.peek_kind() {
            Identifier => {
                let t = self.bump();
                (self.ident_of(t), None, false)
            }
            LeftParen => self.for_variables()?,
            _ => {
                self.report_here(
                    "BCP162",
                    "Expected a loop item variable identifier or \"(\" at this location.",
                );
                let missing = Ident {
                    name: String::new(),
                    span: Span::empty(self.peek().span.start),
                };
                (missing, None, true)
            }
        };
        let in_keyword = self.recover(bad_variables, &[RightSquare, NewLine], |p| {
            p.expect_keyword("in")
        });
        let iterable = self.recover(
            empty_skip(&in_keyword),
            &[Colon, RightSquare, NewLine],
            |p| p.expression(Flags::COMPLEX),
        );
        let colon = self.recover(empty_skip(&iterable), &[RightSquare, NewLine], |p| {
            p.expect_char(Colon, ":")
        });
        let body = self.recover(empty_skip(&colon), &[RightSquare, NewLine], |p| {
            if !declaration_body {
                return p.expression(Flags {
                    complex: true,
                    ..flags
                });
            }
            match p.peek_kind() {
                LeftBrace => p.object(flags),
                Identifier if p.check_keyword("if") => p.if_condition(flags, true),
                _ => Err(p.fail(
                    "BCP167",
                    "Expected the \"{\" character or the \"if\" keyword at this location.",
                )),
            }
        });
        if body.is_ok() {
            self.newlines();
        }
        let close = self.recover(empty_skip(&body), &[RightSquare, NewLine], |p| {
            p.expect_char(RightSquare, "]")
        });
        if close.is_err() && self.check(RightSquare) {
            self.bump();
        }
        Ok(Expr::new(
            self.span_from(open.span.start),
            ExprKind::For(Box::new(ForExpr {
                item,
                index,
                iterable: iterable.unwrap_or_else(Expr::error),
                body: body.unwrap_or_else(Expr::error),
            })),
        ))
    }

    /// `(item, index)` of a loop; tells whether it was malformed.
    fn for_variables(&mut self) -> PResult<(Ident, Option<Ident>, bool)> {
        let list = self.paren_list(false, |p| p.expression(Flags::NONE))?;
        let span = list.span;
        let mut had_error = !list.closed || list.items.iter().any(Result::is_err);
        let mut names = Vec::new();
        for item in list.items.into_iter().flatten() {
            match item.kind {
                ExprKind::Ident(name) => names.push(name),
                _ => {
                    had_error = true;
                    self.report(
                        item.span,
                        "BCP136",
                        "Expected a loop variable identifier at this location.",
                    );
                }
            }
        }
        if names.len() != 2 && !had_error {
            self.report(
                span,
                "BCP249",
                format!("Expected loop variable block to consist of exactly 2 elements (item variable and index variable), but found {}.", names.len()),
            );
            had_error = true;
        }
        let mut names = names.into_iter();
        let item = names.next().unwrap_or(Ident {
            name: String::new(),
            span,
        });
        Ok((item, names.next(), had_error))
    }

    /// `if (condition) { ... }` as a resource or module body.
    pub(super) fn if_condition(&mut self, flags: Flags, inside_for: bool) -> PResult<Expr> {
        let start = self.expect_keyword("if")?.span.start;
        let terminators: &[TokenKind] = if inside_for {
            &[RightSquare, LeftBrace, NewLine]
        } else {
            &[LeftBrace, NewLine]
        };
        let condition = self.recover(false, terminators, |p| {
            p.paren_expression(flags.without_resources())
        });
        let suppress = !matches!(condition, Ok((_, true)));
        let body_terminators: &[TokenKind] = if inside_for {
            &[RightSquare, NewLine]
        } else {
            &[NewLine]
        };
        let body = self
            .recover(suppress, body_terminators, |p| p.object(flags))
            .unwrap_or_else(Expr::error);
        let condition = match condition {
            Ok((c, _)) => c,
            Err(span) => Expr::error(span),
        };
        Ok(Expr::new(
            self.span_from(start),
            ExprKind::If {
                condition: Box::new(condition),
                body: Box::new(body),
            },
        ))
    }
}
