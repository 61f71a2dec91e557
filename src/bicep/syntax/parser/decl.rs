//! Declarations (statements) and decorators.
//!
//! Each part of a declaration is its own recovery point, with the terminators the
//! compiler uses, so that `param x = ` still yields a parameter named `x` (with an
//! error value) and the next line parses normally.

use super::expr::Flags;
use super::{empty_skip, Mode, PResult, Parser};
use crate::bicep::syntax::ast::*;
use crate::bicep::syntax::span::Span;
use crate::bicep::syntax::token::TokenKind::{self, *};

const DECLARATION_KEYWORDS: &[&str] = &[
    "assert", "import", "metadata", "param", "var", "resource", "output", "module", "type",
];

impl Parser<'_> {
    /// One top-level statement, and whether it is a declaration (which must then be
    /// followed by a line break) rather than a line skipped as unparseable.
    pub(super) fn top_level_statement(&mut self) -> (Statement, bool) {
        match self.recover(false, &[NewLine], |p| p.declaration(None)) {
            // Decorators without a declaration: what follows them starts a new one.
            Ok(statement) if matches!(statement.kind, StatementKind::Error) => (statement, false),
            Ok(statement) => (statement, true),
            Err(span) => (
                Statement {
                    span,
                    decorators: Vec::new(),
                    kind: StatementKind::Error,
                },
                false,
            ),
        }
    }

    /// Whether `text` starts a declaration (so a lambda body does not run onto the
    /// next line when one follows).
    pub(super) fn is_declaration_keyword(text: &str) -> bool {
        DECLARATION_KEYWORDS.contains(&text)
    }

    /// A declaration with its decorators. `only` restricts the keywords accepted (a
    /// nested resource in a resource body).
    pub(super) fn declaration(&mut self, only: Option<&str>) -> PResult<Statement> {
        self.nested(|p| {
            let start = p.peek().span.start;
            let decorators = p.decorators()?;
            let t = p.peek();
            let keyword = if t.kind == Identifier {
                Some(p.text(t)).filter(|k| only.is_none_or(|o| o == *k))
            } else {
                None
            };
            let kind = match (p.mode, keyword) {
                (Mode::Bicep, Some(k)) => p.bicep_declaration(k)?,
                (Mode::BicepParam, Some(k)) => p.bicepparam_declaration(k)?,
                (_, None) => None,
            };
            let kind = match kind {
                Some(kind) => kind,
                None if p.mode == Mode::Bicep && !decorators.is_empty() => {
                    let span = decorators[0].span.to(decorators[decorators.len() - 1].span);
                    p.report(
                        span,
                        "BCP292",
                        "Expected a parameter, output, or type declaration after the decorator.",
                    );
                    StatementKind::Error
                }
                None if p.mode == Mode::Bicep => {
                    return Err(p.fail(
                        "BCP007",
                        "This declaration type is not recognized. Specify a metadata, parameter, variable, resource, or output declaration.",
                    ))
                }
                None => {
                    return Err(p.fail(
                        "BCP337",
                        "This declaration type is not valid for a Bicep Parameters file. Supported declarations: \"using\", \"extends\", \"param\", \"var\", \"type\".",
                    ))
                }
            };
            Ok(Statement {
                span: p.span_from(start),
                decorators,
                kind,
            })
        })
    }

    fn bicep_declaration(&mut self, keyword: &str) -> PResult<Option<StatementKind>> {
        Ok(Some(match keyword {
            "targetScope" => self.target_scope(),
            "metadata" => self.metadata(),
            "type" => self.type_declaration(),
            "param" => self.param(),
            "var" => self.var(),
            "func" => self.func(),
            "resource" => self.resource(),
            "output" => self.output(),
            "module" => self.module(),
            "test" => self.test(),
            "import" => {
                self.bump();
                if self.check_any(&[StringComplete, StringLeftPiece]) {
                    self.extension(ExtensionKeyword::Import)
                } else {
                    self.import()?
                }
            }
            "extension" => {
                self.bump();
                self.extension(ExtensionKeyword::Extension)
            }
            // Bicep 0.23 to 0.29 spelled `extension` so; the compiler no longer knows
            // it, but files written then still say it.
            "provider" if self.peek_ahead(1).is_some_and(|t| t.kind.is_string()) => {
                self.bump();
                self.extension(ExtensionKeyword::Provider)
            }
            "assert" => self.assert(),
            _ => return Ok(None),
        }))
    }

    fn bicepparam_declaration(&mut self, keyword: &str) -> PResult<Option<StatementKind>> {
        Ok(Some(match keyword {
            "using" => self.using(),
            "extends" => self.extends(),
            "param" => self.param_assignment(),
            "var" => self.var(),
            "import" => {
                self.bump();
                self.import()?
            }
            "extensionConfig" => self.extension_config(),
            "extension" => {
                self.bump();
                self.extension(ExtensionKeyword::Extension)
            }
            "type" => self.type_declaration(),
            _ => return Ok(None),
        }))
    }

    /// Decorators, each on its own line, before a declaration, an object type
    /// property or a tuple item.
    pub(super) fn decorators(&mut self) -> PResult<Vec<Decorator>> {
        let mut decorators = Vec::new();
        while self.check(At) {
            decorators.push(self.decorator()?);
            let _ = self.recover_consuming(false, &[NewLine], |p| {
                p.expect(
                    NewLine,
                    "BCP019",
                    "Expected a new line character at this location.",
                )
            });
            self.newlines();
        }
        Ok(decorators)
    }

    fn decorator(&mut self) -> PResult<Decorator> {
        let at = self.expect_char(At, "@")?;
        let expr = self
            .recover(false, &[NewLine], |p| p.decorator_expression())
            .unwrap_or_else(Expr::error);
        Ok(Decorator {
            span: self.span_from(at.span.start),
            expr,
        })
    }

    /// `name`, `name(args)`, `ns.name(args)`, ...: a name and calls or properties on it.
    fn decorator_expression(&mut self) -> PResult<Expr> {
        let start = self.peek().span.start;
        let name = self.ident(
            "BCP123",
            "Expected a namespace or decorator name at this location.",
        )?;
        let mut current = if self.check(LeftParen) {
            let args = self.call_args(Flags::COMPLEX)?;
            Expr::new(self.span_from(start), ExprKind::Call { name, args })
        } else {
            Expr::new(name.span, ExprKind::Ident(name))
        };
        while self.check(Dot) {
            self.bump();
            let name = self.ident_or_missing(
                "BCP020",
                "Expected a function or property name at this location.",
            );
            let kind = if self.check(LeftParen) {
                let args = self.call_args(Flags::COMPLEX)?;
                ExprKind::MethodCall {
                    receiver: Box::new(current),
                    name,
                    args,
                }
            } else {
                ExprKind::Property {
                    base: Box::new(current),
                    name,
                    safe: false,
                }
            };
            current = Expr::new(self.span_from(start), kind);
        }
        Ok(current)
    }

    /// `= expression` up to the end of the line, as most declarations end.
    fn assignment_and_value(&mut self, suppress: bool) -> Expr {
        let assignment = self.recover(suppress, &[NewLine], |p| p.expect_char(Assignment, "="));
        self.value(empty_skip(&assignment))
    }

    /// An expression up to the end of the line; an error node if it fails.
    fn value(&mut self, suppress: bool) -> Expr {
        self.recover(suppress, &[NewLine], |p| p.expression(Flags::COMPLEX))
            .unwrap_or_else(Expr::error)
    }

    fn target_scope(&mut self) -> StatementKind {
        self.bump();
        // The compiler reports a missing value even after a missing `=` here.
        let _ = self.recover(false, &[NewLine], |p| p.expect_char(Assignment, "="));
        let value = self.value(false);
        StatementKind::TargetScope(TargetScopeDecl { value })
    }

    fn metadata(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP266",
            "Expected a metadata identifier at this location.",
            false,
            &[Assignment, NewLine],
        );
        let value = self.assignment_and_value(name.is_missing() && name.span.is_empty());
        StatementKind::Metadata(MetadataDecl { name, value })
    }

    fn param(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP013",
            "Expected a parameter identifier at this location.",
            false,
            &[Identifier, NewLine],
        );
        let ty = self.recover(
            missing_empty(&name),
            &[Assignment, LeftBrace, NewLine],
            |p| p.declared_type(false),
        );
        let suppress = empty_skip(&ty);
        let ty = ty.unwrap_or_else(TypeExpr::error);
        let default = self.recover(suppress, &[NewLine], |p| match p.peek_kind() {
            NewLine | EndOfFile => Ok(None),
            Assignment => {
                p.bump();
                Ok(Some(p.value(false)))
            }
            _ => Err(p.fail(
                "BCP008",
                "Expected the \"=\" token, or a newline at this location.",
            )),
        });
        let default = default.unwrap_or_else(|span| Some(Expr::error(span)));
        StatementKind::Param(ParamDecl { name, ty, default })
    }

    pub(super) fn var(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP015",
            "Expected a variable identifier at this location.",
            false,
            &[Identifier, NewLine],
        );
        let ty = self.recover(missing_empty(&name), &[Assignment, NewLine], |p| {
            match p.peek_kind() {
                EndOfFile | NewLine | Assignment => Ok(None),
                _ => p.declared_type(false).map(Some),
            }
        });
        let suppress = match &ty {
            Ok(None) => missing_empty(&name),
            other => empty_skip(other),
        };
        let ty = ty.unwrap_or_else(|span| Some(TypeExpr::error(span)));
        let value = self.assignment_and_value(suppress);
        StatementKind::Var(VarDecl { name, ty, value })
    }

    fn type_declaration(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP325",
            "Expected a type identifier at this location.",
            false,
            &[Assignment, NewLine],
        );
        let suppress = missing_empty(&name);
        let _ = self.recover(suppress, &[NewLine], |p| p.expect_char(Assignment, "="));
        let value = self
            .recover(suppress, &[Assignment, LeftBrace, NewLine], |p| {
                p.declared_type(false)
            })
            .unwrap_or_else(TypeExpr::error);
        StatementKind::Type(TypeDecl { name, value })
    }

    fn func(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP015",
            "Expected a variable identifier at this location.",
            false,
            &[Assignment, NewLine],
        );
        let start = self.peek().span.start;
        let lambda = self
            .recover(missing_empty(&name), &[NewLine], |p| p.typed_lambda())
            .unwrap_or_else(|span| TypedLambda {
                span,
                params: Vec::new(),
                return_type: TypeExpr::error(Span::empty(start)),
                body: Expr::error(Span::empty(start)),
            });
        StatementKind::Func(FuncDecl { name, lambda })
    }

    /// `(a string, b int) string => body`
    fn typed_lambda(&mut self) -> PResult<TypedLambda> {
        let start = self.peek().span.start;
        let params = self.paren_list(true, |p| {
            let start = p.peek().span.start;
            let name =
                p.ident_or_missing("BCP015", "Expected a variable identifier at this location.");
            let ty = p
                .recover(false, &[NewLine, Comma, RightParen], |p| {
                    p.declared_type(false)
                })
                .unwrap_or_else(TypeExpr::error);
            Ok(TypedParam {
                span: p.span_from(start),
                name,
                ty,
            })
        })?;
        let params = params.items.into_iter().filter_map(Result::ok).collect();
        let return_type = self
            .recover(false, &[NewLine, RightParen], |p| p.declared_type(false))
            .unwrap_or_else(TypeExpr::error);
        let arrow = self.recover(false, &[NewLine, RightParen], |p| {
            p.expect_char(Arrow, "=>")
        });
        if arrow.is_ok() {
            self.newlines_before_body();
        }
        let body = self
            .recover(false, &[NewLine, RightParen], |p| {
                p.expression(Flags::COMPLEX)
            })
            .unwrap_or_else(Expr::error);
        Ok(TypedLambda {
            span: self.span_from(start),
            params,
            return_type,
            body,
        })
    }

    /// Line breaks after `=>`, unless a declaration follows them.
    pub(super) fn newlines_before_body(&mut self) {
        let next = self.peek_past_newlines();
        if !(next.kind == Identifier && Self::is_declaration_keyword(self.text(next))) {
            self.newlines();
        }
    }

    /// `= body` of a resource or module: an object, `if (...) {...}` or a loop.
    fn declaration_body(&mut self, suppress: bool, flags: Flags) -> Expr {
        let assignment = self.recover(suppress, &[LeftBrace, NewLine], |p| {
            p.expect_char(Assignment, "=")
        });
        if assignment.is_ok() && self.is_keyword(Some(self.peek_past_newlines()), "if") {
            self.newlines();
        }
        self.recover(empty_skip(&assignment), &[NewLine], |p| match p.peek_kind() {
            Identifier if p.check_keyword("if") => p.if_condition(flags, false),
            LeftBrace => p.object(flags),
            LeftSquare => p.for_expression(flags, true),
            _ => Err(p.fail(
                "BCP118",
                "Expected the \"{\" character, the \"[\" character, or the \"if\" keyword at this location.",
            )),
        })
        .unwrap_or_else(Expr::error)
    }

    /// A string that must be there (a type, a path): `None` and an error if not.
    fn required_string(
        &mut self,
        suppress: bool,
        terminators: &[TokenKind],
        code: &'static str,
        message: &str,
    ) -> Result<StringExpr, Span> {
        self.recover(suppress, terminators, |p| p.string_or_fail(code, message))
    }

    fn resource(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP017",
            "Expected a resource identifier at this location.",
            false,
            &[StringComplete, StringLeftPiece, NewLine],
        );
        let type_string = self.required_string(
            missing_empty(&name),
            &[Assignment, NewLine],
            "BCP068",
            "Expected a resource type string. Specify a valid resource type of format \"<type-name>@<apiVersion>\".",
        );
        let existing = self.check_keyword("existing").then(|| self.bump().span);
        let body = self.declaration_body(empty_skip(&type_string), Flags::RESOURCE_BODY);
        StatementKind::Resource(ResourceDecl {
            name,
            type_string: type_string.ok(),
            existing,
            body,
        })
    }

    fn module(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP096",
            "Expected a module identifier at this location.",
            false,
            &[StringComplete, StringLeftPiece, NewLine],
        );
        let path = self.required_string(
            missing_empty(&name),
            &[Assignment, NewLine],
            "BCP097",
            "Expected a module path string. This should be a relative path to another bicep file, e.g. 'myModule.bicep' or '../parent/myModule.bicep'",
        );
        let body = self.declaration_body(empty_skip(&path), Flags::COMPLEX);
        StatementKind::Module(ModuleDecl {
            name,
            path: path.ok(),
            body,
        })
    }

    fn test(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP346",
            "Expected a test identifier at this location.",
            false,
            &[StringComplete, StringLeftPiece, NewLine],
        );
        let path = self.required_string(
            missing_empty(&name),
            &[Assignment, NewLine],
            "BCP347",
            "Expected a test path string at this location.",
        );
        let assignment = self.recover(empty_skip(&path), &[LeftBrace, NewLine], |p| {
            p.expect_char(Assignment, "=")
        });
        let body = self
            .recover(empty_skip(&assignment), &[NewLine], |p| {
                if p.check(LeftBrace) {
                    p.object(Flags::COMPLEX)
                } else {
                    Err(p.fail("BCP018", super::expected_char("{")))
                }
            })
            .unwrap_or_else(Expr::error);
        StatementKind::Test(TestDecl {
            name,
            path: path.ok(),
            body,
        })
    }

    fn output(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP016",
            "Expected an output identifier at this location.",
            false,
            &[Identifier, NewLine],
        );
        let ty = self.recover(missing_empty(&name), &[Assignment, NewLine], |p| {
            p.declared_type(true)
        });
        let suppress = empty_skip(&ty);
        let ty = ty.unwrap_or_else(TypeExpr::error);
        let value = self.assignment_and_value(suppress);
        StatementKind::Output(OutputDecl { name, ty, value })
    }

    fn assert(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP344",
            "Expected an assert identifier at this location.",
            false,
            &[Assignment, NewLine],
        );
        let value = self.assignment_and_value(missing_empty(&name));
        StatementKind::Assert(AssertDecl { name, value })
    }

    /// After `import`: `{a, b as c} from 'x'` or `* as ns from 'x'`.
    fn import(&mut self) -> PResult<StatementKind> {
        const EXPECTED: &str =
            "Expected an \"{\" character or an \"*\" character at this location.";
        let target = match self.peek_kind() {
            EndOfFile | NewLine | Identifier => {
                let span = self.here();
                self.report(span, "BCP354", EXPECTED);
                ImportTarget::Error(Span::empty(self.peek().span.start))
            }
            LeftBrace => self.imported_symbols()?,
            Asterisk => self
                .recover(false, &[NewLine], |p| {
                    let star = p.bump();
                    p.expect_keyword("as")?;
                    let alias = p.ident(
                        "BCP356",
                        "Expected a valid namespace identifier at this location.",
                    )?;
                    Ok(ImportTarget::Wildcard {
                        span: p.span_from(star.span.start),
                        alias,
                    })
                })
                .unwrap_or_else(ImportTarget::Error),
            _ => {
                let span = self.here();
                self.report(span, "BCP354", EXPECTED);
                ImportTarget::Error(self.bump().span)
            }
        };
        let from = self
            .recover(false, &[NewLine], |p| {
                p.expect_keyword("from")?;
                Ok(p.required_string(
                    false,
                    &[NewLine],
                    "BCP097",
                    "Expected a module path string. This should be a relative path to another bicep file, e.g. 'myModule.bicep' or '../parent/myModule.bicep'",
                )
                .ok())
            })
            .ok()
            .flatten();
        Ok(StatementKind::Import(ImportDecl { target, from }))
    }

    fn imported_symbols(&mut self) -> PResult<ImportTarget> {
        let open = self.expect_char(LeftBrace, "{")?;
        let symbols = self.block_elements(RightBrace, |p| p.imported_symbol());
        self.expect_char(RightBrace, "}")?;
        Ok(ImportTarget::Symbols {
            span: self.span_from(open.span.start),
            symbols,
        })
    }

    fn imported_symbol(&mut self) -> ImportedSymbol {
        let start = self.peek().span.start;
        let name = match self.peek_kind() {
            Identifier => {
                let t = self.bump();
                ImportedName::Ident(self.ident_of(t))
            }
            StringComplete | StringLeftPiece => {
                let interpolated = self.check(StringLeftPiece);
                let span_start = self.peek().span.start;
                match self.string_literal() {
                    Some(s) if !interpolated => ImportedName::String(s),
                    _ => {
                        let span = self.span_from(span_start);
                        if interpolated {
                            self.report(
                                span,
                                "BCP032",
                                "The value must be a compile-time constant.",
                            );
                        }
                        ImportedName::Error(span)
                    }
                }
            }
            _ => {
                let span = self.here();
                self.report(
                    span,
                    "BCP355",
                    "Expected the name of an exported symbol at this location.",
                );
                ImportedName::Error(self.bump().span)
            }
        };
        let alias = self.check_keyword("as").then(|| {
            self.bump();
            self.ident_recovering(
                "BCP325",
                "Expected a type identifier at this location.",
                false,
                &[Comma, NewLine],
            )
        });
        if matches!(name, ImportedName::String(_)) && alias.is_none() {
            let span = self.span_from(start);
            self.report(span, "BCP375", "An import list item that identifies its target with a quoted string must include an 'as <alias>' clause.");
        }
        ImportedSymbol {
            span: self.span_from(start),
            name,
            alias,
        }
    }

    /// After `extension` (or `import` / `provider`): `spec [with {...}] [as alias]`.
    fn extension(&mut self, keyword: ExtensionKeyword) -> StatementKind {
        let spec = if self.check(Identifier) {
            let t = self.bump();
            ExtensionSpec::Ident(self.ident_of(t))
        } else {
            match self.required_string(false, &[NewLine], "BCP201", "Expected an extension specification string. This should either be a relative path, or a valid OCI artifact specification.") {
                Ok(s) => ExtensionSpec::String(s),
                Err(span) => ExtensionSpec::Error(span),
            }
        };
        let spec_empty = matches!(&spec, ExtensionSpec::Error(s) if s.is_empty());
        const WITH_OR_AS: &str = "Expected the \"with\" keyword, \"as\" keyword, or a new line character at this location.";
        let mut config = None;
        let mut config_empty = false;
        if !(self.at_end() || self.check(NewLine) || self.check_keyword("as")) {
            let r = self.recover(spec_empty, &[NewLine], |p| {
                if !p.check_keyword("with") {
                    return Err(p.fail("BCP305", WITH_OR_AS));
                }
                p.bump();
                Ok(p.recover(false, &[NewLine], |p| p.object(Flags::COMPLEX))
                    .unwrap_or_else(Expr::error))
            });
            config_empty = empty_skip(&r);
            config = Some(r.unwrap_or_else(Expr::error));
        }
        let mut alias = None;
        if !(self.at_end() || self.check(NewLine)) {
            alias = Some(
                self.recover(config_empty, &[NewLine], |p| {
                    if !p.check_keyword("as") {
                        return Err(p.fail("BCP305", WITH_OR_AS));
                    }
                    p.bump();
                    Ok(p.ident_recovering(
                        "BCP202",
                        "Expected an extension alias name at this location.",
                        false,
                        &[NewLine],
                    ))
                })
                .unwrap_or_else(|span| Ident {
                    name: String::new(),
                    span,
                }),
            );
        }
        StatementKind::Extension(ExtensionDecl {
            keyword,
            spec,
            config,
            alias,
        })
    }

    fn using(&mut self) -> StatementKind {
        self.bump();
        let target = match self.peek_kind() {
            Identifier => match self.expect_keyword("none") {
                Ok(t) => UsingTarget::None(t.span),
                Err(super::Fail(e)) => {
                    self.errors.push(*e);
                    UsingTarget::Error(self.here())
                }
            },
            StringComplete => match self.required_string(
                false,
                &[NewLine],
                "BCP257",
                "Expected a Bicep file path string. This should be a relative path to another Bicep file, e.g. 'myModule.bicep' or '../parent/myModule.bicep'",
            ) {
                Ok(s) => UsingTarget::Path(s),
                Err(span) => UsingTarget::Error(span),
            },
            _ => {
                self.report_here(
                    "BCP354",
                    "Expected an \"{\" character or an \"*\" character at this location.",
                );
                UsingTarget::Error(Span::empty(self.peek().span.start))
            }
        };
        let target_empty = matches!(&target, UsingTarget::Error(s) if s.is_empty());
        let config = if self.at_end() || self.check(NewLine) {
            None
        } else {
            Some(self.with_clause(
                target_empty,
                "BCP436",
                "Expected the \"with\" keyword or a new line character at this location.",
            ))
        };
        StatementKind::Using(UsingDecl { target, config })
    }

    /// `with {...}`
    fn with_clause(&mut self, suppress: bool, code: &'static str, message: &str) -> Expr {
        self.recover(suppress, &[NewLine], |p| {
            if !p.check_keyword("with") {
                return Err(p.fail(code, message));
            }
            p.bump();
            Ok(p.recover(false, &[NewLine], |p| p.object(Flags::COMPLEX))
                .unwrap_or_else(Expr::error))
        })
        .unwrap_or_else(Expr::error)
    }

    fn extends(&mut self) -> StatementKind {
        self.bump();
        let path = self
            .required_string(
                false,
                &[NewLine],
                "BCP404",
                "The \"extends\" declaration is missing a bicepparam file path reference.",
            )
            .ok();
        StatementKind::Extends(ExtendsDecl { path })
    }

    fn param_assignment(&mut self) -> StatementKind {
        self.bump();
        let name = self.ident_recovering(
            "BCP013",
            "Expected a parameter identifier at this location.",
            false,
            &[Identifier, NewLine],
        );
        let value = self.assignment_and_value(missing_empty(&name));
        StatementKind::ParamAssignment(ParamAssignment { name, value })
    }

    fn extension_config(&mut self) -> StatementKind {
        self.bump();
        let alias = self.ident_recovering(
            "BCP202",
            "Expected an extension alias name at this location.",
            false,
            &[Identifier, NewLine],
        );
        let config = self.with_clause(
            missing_empty(&alias),
            "BCP012",
            "Expected the \"with\" keyword at this location.",
        );
        StatementKind::ExtensionConfig(ExtensionConfigDecl { alias, config })
    }
}

/// A name that is missing with nothing skipped: what follows would report its error
/// at the same spot, so it is suppressed (as the compiler does).
fn missing_empty(name: &Ident) -> bool {
    name.is_missing() && name.span.is_empty()
}
