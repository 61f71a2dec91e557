//! The source code miette shows under a finding, read through the file's line index.
//!
//! miette finds a span's lines by scanning its source from the first byte, and a
//! `NamedSource` owns a copy of the text: for every finding deep in a large template
//! that was a copy and a scan of the whole file, a third of the time of a human report
//! of 10,000 findings. Here miette's own reading runs on the text from a few lines
//! before the span, and the line numbers are shifted back, so what it shows is the same.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::sync::Arc;

pub struct Snippet {
    name: String,
    text: Arc<str>,
    /// Byte offsets of the `\n`-terminated lines' starts.
    lines: Arc<[usize]>,
    /// The text has a `\r` that does not end a line with `\n`: miette counts it as a
    /// line break and the index does not, so the whole text is read.
    lone_cr: bool,
}

impl Snippet {
    /// `lone_cr`: the text has a `\r` that does not end a line with `\n`.
    pub fn new(name: String, text: Arc<str>, lines: Arc<[usize]>, lone_cr: bool) -> Snippet {
        Snippet {
            name,
            text,
            lines,
            lone_cr,
        }
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // The window starts at a line start at least `before` lines above the span's
        // line (one more, so the reading has the same line before it to drop).
        let line = self.lines.partition_point(|&s| s <= span.offset()).max(1) - 1;
        let first = if self.lone_cr {
            0
        } else {
            line.saturating_sub(before + 1)
        };
        let start = self.lines[first];
        let window = &self.text.as_bytes()[start..];
        let shifted = SourceSpan::new((span.offset() - start).into(), span.len());
        let c = window.read_span(&shifted, before, after)?;
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            SourceSpan::new((c.span().offset() + start).into(), c.span().len()),
            c.line() + first,
            c.column(),
            c.line_count() + first,
        )
        .with_language("json");
        Ok(Box::new(contents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every span of `text`, read through the snippet and by miette over the whole
    /// text, gives the same contents.
    fn same_as_miette(text: &str) {
        let lines: Arc<[usize]> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let cr = crate::source::lone_cr(text);
        let s = Snippet::new("f.json".into(), Arc::from(text), lines, cr);
        for start in 0..=text.len() {
            for len in [0, 1, 2, 7] {
                if start + len > text.len() {
                    continue;
                }
                let span = SourceSpan::new(start.into(), len);
                for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                    let want = text.as_bytes().read_span(&span, before, after);
                    let got = s.read_span(&span, before, after);
                    match (want, got) {
                        (Ok(w), Ok(g)) => {
                            let at = format!("{start}+{len} ({before},{after}) in {text:?}");
                            assert_eq!(w.data(), g.data(), "{at}");
                            assert_eq!(w.span(), g.span(), "{at}");
                            assert_eq!(w.line(), g.line(), "{at}");
                            assert_eq!(w.column(), g.column(), "{at}");
                            assert_eq!(w.line_count(), g.line_count(), "{at}");
                            assert_eq!(g.name(), Some("f.json"));
                        }
                        (Err(_), Err(_)) => {}
                        (w, g) => panic!("{start}+{len}: {:?} / {:?}", w.is_ok(), g.is_ok()),
                    }
                }
            }
        }
    }

    #[test]
    fn spans_read_as_miette_reads_them() {
        same_as_miette("{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n");
        same_as_miette("{\r\n  \"a\": \"€x\",\r\n\r\n  \"b\": 1\r\n}");
        same_as_miette("\n\n\nx\n\ny");
        same_as_miette("no newline at all");
        same_as_miette("");
        // A lone carriage return: miette counts it as a line break, the index does not.
        same_as_miette("{\r  \"a\": 1,\r\n  \"b\"\r}\n");
    }
}
