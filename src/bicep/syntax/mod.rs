//! The Bicep syntax layer: lexer, parser and syntax tree, with exact byte spans and
//! error recovery.
//!
//! ```
//! use aksgate::bicep::syntax::{parse, ast::StatementKind};
//!
//! let parsed = parse("param location string = resourceGroup().location\n");
//! assert!(parsed.errors.is_empty());
//! let StatementKind::Param(p) = &parsed.program.statements[0].kind else { panic!() };
//! assert_eq!(p.name.name, "location");
//! ```
//!
//! The lexer and the parser follow the Bicep compiler's (token kinds, newline rules,
//! recovery points); see [`lexer`] and [`parser`]. Nothing here panics on any input,
//! and nesting is bounded ([`parser::MAX_DEPTH`]), so hostile files are safe to parse.

pub mod ast;
pub mod error;
mod height;
pub mod lexer;
pub mod parser;
pub mod span;
pub mod strings;
pub mod token;
pub mod visit;

pub use ast::Program;
pub use error::SyntaxError;
pub use parser::Mode;
pub use span::Span;
pub use token::{Comment, CommentKind, Directive, DirectiveKind, Token, TokenKind};

/// A parsed file: its tree, every syntax error, and the trivia kept for suppressions.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub program: Program,
    /// Lexer and parser errors, in text order. Empty for a file the Bicep compiler
    /// parses without syntax errors.
    pub errors: Vec<SyntaxError>,
    pub comments: Vec<Comment>,
    pub directives: Vec<Directive>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Parses a `.bicep` file.
pub fn parse(text: &str) -> Parsed {
    parse_as(text, Mode::Bicep)
}

/// Parses a `.bicepparam` file.
pub fn parse_bicepparam(text: &str) -> Parsed {
    parse_as(text, Mode::BicepParam)
}

/// Parses `text` with the grammar of `mode`.
pub fn parse_as(text: &str, mode: Mode) -> Parsed {
    let lexed = lexer::lex(text);
    let (program, parse_errors) = parser::parse_tokens(text, lexed.tokens, mode);
    let mut errors = lexed.errors;
    errors.extend(parse_errors);
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parsed {
        program,
        errors,
        comments: lexed.comments,
        directives: lexed.directives,
    }
}
