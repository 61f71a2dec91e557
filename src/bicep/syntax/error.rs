//! Syntax errors: what the lexer and the parser report instead of stopping.

use super::span::Span;
use std::fmt;

/// One syntax error. Parsing goes on after it, so a file can have many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where: the offending token, or an empty span where something was missing.
    pub span: Span,
    /// The Bicep compiler's code for the same error (`BCP018`, ...), so that messages
    /// can be matched with the compiler's documentation and with its test baselines.
    pub code: &'static str,
    pub message: String,
}

impl SyntaxError {
    pub fn new(span: Span, code: &'static str, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            span,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for SyntaxError {}
