//! Text generated from another source (a Terraform plan, a `.tf.json` file) for the
//! HCL front end, with where each piece of it came from: the lowered template's spans,
//! which point into the generated text, are mapped back to the source's.

use crate::json::{Node, Span, Value};
use std::fmt::Write as _;

/// The generated text, and where each piece of it came from in the source.
#[derive(Default)]
pub(crate) struct Gen {
    pub text: String,
    /// (start, end) in `text`, the source span, the enclosing record: a tree of ranges.
    pub records: Vec<(usize, usize, Span, Option<usize>)>,
    /// Records in order of start, once [`Gen::finish`]ed.
    pub by_start: Vec<usize>,
}

impl Gen {
    /// Records `start..` (up to the end of the text so far) as coming from `span`.
    /// Called when a piece is complete, so inner pieces are recorded first; their
    /// parents are set in [`Gen::finish`].
    pub(crate) fn record(&mut self, start: usize, span: Span) {
        self.records.push((start, self.text.len(), span, None));
    }

    /// Orders the records by start (the outer of two with one start first) and links
    /// each to the innermost record that contains it.
    pub(crate) fn finish(&mut self) {
        let mut order: Vec<usize> = (0..self.records.len()).collect();
        order.sort_by_key(|&i| (self.records[i].0, std::cmp::Reverse(self.records[i].1)));
        let mut open: Vec<usize> = Vec::new();
        for &i in &order {
            let (s, e, _, _) = self.records[i];
            while let Some(&top) = open.last() {
                if self.records[top].1 >= e && self.records[top].0 <= s {
                    break;
                }
                open.pop();
            }
            self.records[i].3 = open.last().copied();
            open.push(i);
        }
        self.by_start = order;
    }

    /// The source span of the innermost record holding `span` of the generated text.
    pub(crate) fn map(&self, span: Span, whole: Span) -> Span {
        if self.by_start.is_empty() {
            return whole;
        }
        let k = self
            .by_start
            .partition_point(|&i| self.records[i].0 <= span.start);
        if k == 0 {
            return whole;
        }
        let mut at = Some(self.by_start[k - 1]);
        while let Some(i) = at {
            let (s, e, source, parent) = self.records[i];
            if s <= span.start && span.end <= e {
                return source;
            }
            at = parent;
        }
        whole
    }

    pub(crate) fn string(&mut self, s: &str) {
        self.text.push('"');
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => self.text.push_str("\\\\"),
                '"' => self.text.push_str("\\\""),
                '\n' => self.text.push_str("\\n"),
                '\r' => self.text.push_str("\\r"),
                '\t' => self.text.push_str("\\t"),
                // Template sequences are literal: a string is written as its value.
                '$' | '%' if chars.peek() == Some(&'{') => {
                    self.text.push(c);
                    self.text.push(c);
                }
                c if c.is_control() => {
                    let _ = write!(self.text, "\\u{:04x}", c as u32);
                }
                c => self.text.push(c),
            }
        }
        self.text.push('"');
    }

    pub(crate) fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.text.push_str("  ");
        }
    }
}

/// Points every span of the lowered template (spans into the generated text) at the
/// source value it came from.
pub(crate) fn remap(n: &mut Node, g: &Gen, whole: Span) {
    n.span = g.map(n.span, whole);
    match &mut n.value {
        Value::Array(items) => items.iter_mut().for_each(|i| remap(i, g, whole)),
        Value::Object(members) => {
            for m in members {
                m.key_span = g.map(m.key_span, whole);
                remap(&mut m.value, g, whole);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_map_to_the_innermost_record() {
        let mut g = Gen {
            text: "0123456789".into(),
            records: vec![
                (2, 4, Span::new(20, 40), None),
                (5, 8, Span::new(50, 80), None),
                (1, 9, Span::new(10, 90), None),
            ],
            ..Gen::default()
        };
        g.finish();
        let whole = Span::new(0, 100);
        assert_eq!(g.map(Span::new(2, 3), whole), Span::new(20, 40));
        assert_eq!(g.map(Span::new(6, 7), whole), Span::new(50, 80));
        assert_eq!(g.map(Span::new(4, 5), whole), Span::new(10, 90));
        assert_eq!(g.map(Span::new(3, 6), whole), Span::new(10, 90));
        assert_eq!(g.map(Span::new(0, 1), whole), whole);
    }
}
