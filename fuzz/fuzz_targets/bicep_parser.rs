//! The Bicep lexer and parser: any text lexes and parses (in both grammars) to a tree
//! and errors, never a panic, a stack overflow or a hang; every span lies inside the
//! text on character boundaries, and tokens come in order without overlapping.
//!
//! Run as the other targets (see the README's "Fuzzing"), seeded with the shared Bicep
//! samples: `RUSTC_BOOTSTRAP=1 cargo fuzz run bicep_parser CORPUS -- -max_len=8192`.
#![no_main]
use aksgate::bicep::syntax::ast::{Expr, Statement, StringExpr, TypeExpr};
use aksgate::bicep::syntax::visit::{self, Visitor};
use aksgate::bicep::syntax::{lexer, parse_as, Mode, Span};
use libfuzzer_sys::fuzz_target;

struct Spans<'a>(&'a str);

impl Spans<'_> {
    fn check(&self, span: Span) {
        assert!(span.start <= span.end && span.end <= self.0.len(), "{span:?}");
        assert!(self.0.is_char_boundary(span.start) && self.0.is_char_boundary(span.end));
    }
}

impl Visitor for Spans<'_> {
    fn visit_statement(&mut self, s: &Statement) {
        self.check(s.span);
        visit::walk_statement(self, s);
    }
    fn visit_expr(&mut self, e: &Expr) {
        self.check(e.span);
        visit::walk_expr(self, e);
    }
    fn visit_type(&mut self, t: &TypeExpr) {
        self.check(t.span);
        visit::walk_type(self, t);
    }
    fn visit_string(&mut self, s: &StringExpr) {
        self.check(s.span);
        for segment in &s.segments {
            self.check(segment.span);
        }
        assert_eq!(s.segments.len(), s.holes.len() + 1);
        visit::walk_string(self, s);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let spans = Spans(text);
    let lexed = lexer::lex(text);
    let mut end = 0;
    for t in &lexed.tokens {
        spans.check(t.span);
        assert!(t.span.start >= end, "tokens overlap");
        end = t.span.end;
    }
    assert_eq!(lexed.tokens.last().map(|t| t.span.end), Some(text.len()));
    for mode in [Mode::Bicep, Mode::BicepParam] {
        let parsed = parse_as(text, mode);
        let mut v = Spans(text);
        v.check(parsed.program.span);
        v.visit_program(&parsed.program);
        for e in &parsed.errors {
            v.check(e.span);
        }
        for c in &parsed.comments {
            v.check(c.span);
        }
        for d in &parsed.directives {
            v.check(d.span);
        }
    }
});
