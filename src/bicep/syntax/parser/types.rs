//! Type expressions: unions of unary types (`T?`, `T!`, `-1`), of member types
//! (`T[]`, `T[*]`, `T[0]`, `T.p`, `T.*`, `ns.g<...>`), of primary types (names,
//! literals, object types, tuples, parentheses, `name<...>`).

use super::expr::Flags;
use super::{empty_skip, PResult, Parser};
use crate::bicep::syntax::ast::*;
use crate::bicep::syntax::span::Span;
use crate::bicep::syntax::token::TokenKind::{self, *};

/// Where a union member that cannot be parsed is skipped to. (The compiler names
/// none and skips to the end of the file; stopping at the line's end or the
/// enclosing bracket keeps the rest of the file.)
const UNION_MEMBER_TERMINATORS: &[TokenKind] = &[
    NewLine,
    Pipe,
    RightBrace,
    RightSquare,
    RightParen,
    RightChevron,
    Comma,
    Assignment,
];

const OPERAND_TERMINATORS: &[TokenKind] = &[
    StringRightPiece,
    RightBrace,
    RightParen,
    RightSquare,
    NewLine,
];

impl Parser<'_> {
    /// The type of a declaration: `resource 'T@v'` (for `param` and `output`; an
    /// output may leave the type string out when `optional_resource_type`), or a type
    /// expression.
    pub(super) fn declared_type(&mut self, optional_resource_type: bool) -> PResult<TypeExpr> {
        let is_resource = self.check_keyword("resource")
            && self.peek_ahead(1).map(|t| t.kind) != Some(LeftChevron);
        if !is_resource {
            return self.type_expression();
        }
        let start = self.bump().span.start;
        let type_string = self
            .recover(false, &[Assignment, NewLine], |p| {
                if optional_resource_type && !p.check_any(&[StringComplete, StringLeftPiece]) {
                    return Ok(None);
                }
                p.string_or_fail(
                    "BCP068",
                    "Expected a resource type string. Specify a valid resource type of format \"<type-name>@<apiVersion>\".",
                )
                .map(Some)
            })
            .ok()
            .flatten();
        Ok(TypeExpr::new(
            self.span_from(start),
            TypeKind::Resource { type_string },
        ))
    }

    /// A type expression, unions included.
    pub(super) fn type_expression(&mut self) -> PResult<TypeExpr> {
        self.nested(|p| p.union_type())
    }

    /// A `|` comes next, possibly at the start of the next line.
    fn at_union_separator(&self) -> bool {
        self.check(Pipe)
            || (self.check(NewLine) && self.peek_ahead(1).is_some_and(|t| t.kind == Pipe))
    }

    fn union_type(&mut self) -> PResult<TypeExpr> {
        let start = self.peek().span.start;
        let leading_pipe = self.at_union_separator();
        if leading_pipe {
            self.newlines();
            self.bump();
        }
        let first = self.unary_type()?;
        if !leading_pipe && !self.at_union_separator() {
            return Ok(first);
        }
        let mut members = vec![first];
        while self.at_union_separator() {
            self.newlines();
            self.bump();
            if self.check(NewLine) {
                let span = Span::empty(self.peek().span.start);
                self.report(
                    span,
                    "BCP300",
                    "Expected a type literal at this location. Please specify a concrete value or a reference to a literal type.",
                );
                members.push(TypeExpr::error(span));
            } else {
                let member = self
                    .recover(false, UNION_MEMBER_TERMINATORS, |p| p.unary_type())
                    .unwrap_or_else(TypeExpr::error);
                members.push(member);
            }
        }
        Ok(TypeExpr::new(
            self.span_from(start),
            TypeKind::Union(members),
        ))
    }

    /// `T?` and `T!`, any number of times.
    fn unary_type(&mut self) -> PResult<TypeExpr> {
        let start = self.peek().span.start;
        let mut current = self.unary_type_base()?;
        loop {
            let kind = match self.peek_kind() {
                Question => TypeKind::Nullable(Box::new(current)),
                Exclamation => TypeKind::NonNullable(Box::new(current)),
                _ => return Ok(current),
            };
            self.bump();
            current = TypeExpr::new(self.span_from(start), kind);
            self.check_height(current.height)?;
        }
    }

    /// `-T`, `!T`, or a member type.
    fn unary_type_base(&mut self) -> PResult<TypeExpr> {
        let op = match self.peek_kind() {
            Exclamation => UnaryOp::Not,
            Minus => UnaryOp::Minus,
            _ => return self.member_type(),
        };
        let start = self.bump().span.start;
        let operand = self
            .recover(false, OPERAND_TERMINATORS, |p| p.member_type())
            .unwrap_or_else(TypeExpr::error);
        Ok(TypeExpr::new(
            self.span_from(start),
            TypeKind::Unary {
                op,
                operand: Box::new(operand),
            },
        ))
    }

    fn member_type(&mut self) -> PResult<TypeExpr> {
        let start = self.peek().span.start;
        let mut current = self.primary_type()?;
        loop {
            let kind = match self.peek_kind() {
                LeftSquare => {
                    self.bump();
                    if self.check(RightSquare) {
                        self.bump();
                        TypeKind::Array(Box::new(current))
                    } else if self.check(Asterisk) {
                        self.bump();
                        self.expect_char(RightSquare, "]")?;
                        TypeKind::Items(Box::new(current))
                    } else {
                        let index = self.expression(Flags::NONE)?;
                        self.expect_char(RightSquare, "]")?;
                        TypeKind::Index {
                            base: Box::new(current),
                            index: Box::new(index),
                        }
                    }
                }
                Dot => {
                    self.bump();
                    if self.check(Asterisk) {
                        self.bump();
                        TypeKind::AdditionalProperties(Box::new(current))
                    } else {
                        let name = self.ident_or_missing(
                            "BCP020",
                            "Expected a function or property name at this location.",
                        );
                        if self.check(LeftChevron) {
                            let args = self.type_args()?;
                            TypeKind::Generic {
                                base: Some(Box::new(current)),
                                name,
                                args,
                            }
                        } else {
                            TypeKind::Property {
                                base: Box::new(current),
                                name,
                            }
                        }
                    }
                }
                _ => return Ok(current),
            };
            current = TypeExpr::new(self.span_from(start), kind);
            self.check_height(current.height)?;
        }
    }

    fn primary_type(&mut self) -> PResult<TypeExpr> {
        let t = self.peek();
        let literal = |span, l| Ok(TypeExpr::new(span, TypeKind::Literal(l)));
        match t.kind {
            Integer => {
                let value = self.integer()?;
                literal(t.span, LiteralType::Int(value))
            }
            NullKeyword => literal(self.bump().span, LiteralType::Null),
            TrueKeyword => literal(self.bump().span, LiteralType::Bool(true)),
            FalseKeyword => literal(self.bump().span, LiteralType::Bool(false)),
            StringComplete | StringLeftPiece => match self.string_literal() {
                Some(s) => literal(s.span, LiteralType::String(s)),
                None => Ok(TypeExpr::error(self.span_from(t.span.start))),
            },
            LeftBrace => self.object_type(),
            LeftSquare => self.tuple_type(),
            LeftParen => {
                let list = self.paren_list(false, |p| p.type_expression())?;
                let span = list.span;
                let inner = self.only_item(list, TypeExpr::error);
                Ok(TypeExpr::new(span, TypeKind::Paren(Box::new(inner))))
            }
            Identifier => {
                let t = self.bump();
                let name = self.ident_of(t);
                if self.check(LeftChevron) {
                    let args = self.type_args()?;
                    Ok(TypeExpr::new(
                        self.span_from(t.span.start),
                        TypeKind::Generic {
                            base: None,
                            name,
                            args,
                        },
                    ))
                } else {
                    Ok(TypeExpr::new(name.span, TypeKind::Name(name)))
                }
            }
            _ => Err(self.fail(
                "BCP279",
                "Expected a type at this location. Please specify a valid type expression or one of the following types: \"array\", \"bool\", \"int\", \"object\", \"string\".",
            )),
        }
    }

    /// `<T, U>`. A missing `>` is reported without unwinding.
    fn type_args(&mut self) -> PResult<Vec<TypeExpr>> {
        self.expect_char(LeftChevron, "<")?;
        let args = self.function_elements(RightChevron, |p| {
            p.recover(false, &[NewLine, Comma, RightChevron], |p| {
                p.type_expression()
            })
            .unwrap_or_else(TypeExpr::error)
        });
        if self.check(RightChevron) {
            self.bump();
        } else {
            self.report_here("BCP018", super::expected_char(">"));
        }
        Ok(args)
    }

    /// `{ name: T, 'quoted': T, *: T }`
    fn object_type(&mut self) -> PResult<TypeExpr> {
        let open = self.expect_char(LeftBrace, "{")?;
        let items = self.block_elements(RightBrace, |p| p.object_type_item());
        self.expect_char(RightBrace, "}")?;
        Ok(TypeExpr::new(
            self.span_from(open.span.start),
            TypeKind::Object(items),
        ))
    }

    fn object_type_item(&mut self) -> ObjectTypeItem {
        let start = self.peek().span.start;
        self.recover(false, &[NewLine, RightBrace], |p| {
            let decorators = p.decorators()?;
            // `None` is the `*` of additional properties.
            let key = p.recover(false, &[Colon, NewLine, RightBrace], |p| {
                match p.peek_kind() {
                    Identifier => {
                        let t = p.bump();
                        Ok(Some(ObjectKey::Ident(p.ident_of(t))))
                    }
                    StringComplete | StringLeftPiece => p
                        .string_or_fail("BCP022", "Expected a property name at this location.")
                        .map(|s| Some(ObjectKey::String(s))),
                    Asterisk => {
                        p.bump();
                        Ok(None)
                    }
                    _ => Err(p.fail(
                        "BCP317",
                        "Expected an identifier, a string, or an asterisk at this location.",
                    )),
                }
            });
            let colon = p.recover(empty_skip(&key), &[NewLine, RightBrace], |p| {
                p.expect_char(Colon, ":")
            });
            let value = p
                .recover(empty_skip(&colon), &[NewLine, RightBrace], |p| {
                    p.type_expression()
                })
                .unwrap_or_else(TypeExpr::error);
            let span = p.span_from(start);
            Ok(match key {
                Ok(None) => ObjectTypeItem::AdditionalProperties {
                    span,
                    decorators,
                    value,
                },
                Ok(Some(key)) => ObjectTypeItem::Property {
                    span,
                    decorators,
                    key,
                    value,
                },
                Err(skipped) => ObjectTypeItem::Property {
                    span,
                    decorators,
                    key: ObjectKey::Error(skipped),
                    value,
                },
            })
        })
        .unwrap_or_else(ObjectTypeItem::Error)
    }

    /// `[T, U]`, items on one line with commas or on lines of their own.
    fn tuple_type(&mut self) -> PResult<TypeExpr> {
        let open = self.expect_char(LeftSquare, "[")?;
        let items = self.block_elements(RightSquare, |p| {
            let start = p.peek().span.start;
            p.recover(false, &[NewLine, RightSquare], |p| {
                let decorators = p.decorators()?;
                let ty = p.type_expression()?;
                Ok(TupleItem {
                    span: p.span_from(start),
                    decorators,
                    ty,
                })
            })
            .unwrap_or_else(|span| TupleItem {
                span,
                decorators: Vec::new(),
                ty: TypeExpr::error(span),
            })
        });
        self.expect_char(RightSquare, "]")?;
        Ok(TypeExpr::new(
            self.span_from(open.span.start),
            TypeKind::Tuple(items),
        ))
    }
}
