//! The source lines miette shows under a finding: only the lines around its labels,
//! each made safe to print and cut to a window around its labels when it is long.
//!
//! miette prints the lines of a `SourceCode` as they are. Lines from a scanned file
//! are hostile (an ESC or a bidi override in a comment changes the terminal), and a
//! minified template is one line of megabytes, which miette cannot render past column
//! 65,535 and which, once per finding, would be a report of hundreds of megabytes. So
//! the excerpt is a small display text of its own: each shown line with its hidden
//! characters escaped (`super::safe`) and, when longer than [`LONG_LINE`] characters,
//! only windows around the labels, joined by `…`. Labels are given to miette as spans
//! into this display text ([`Excerpt::span`]); the line numbers and the column in the
//! header are those of the original file.

use super::safe;
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::ops::Range;
use std::sync::Arc;

/// Lines longer than this many characters are shown as windows around their labels.
pub const LONG_LINE: usize = 200;
/// Characters shown before a label's start and after its end on a long line.
const AROUND: usize = 40;
/// A label longer than this many characters on a long line shows its two ends.
const LONG_LABEL: usize = 160;
/// A label over more lines than this is shown by its first line.
const MAX_LABEL_LINES: usize = 8;
const GAP: &str = "…";

pub struct Excerpt {
    name: String,
    orig: Arc<str>,
    /// The display text: every shown line, each ended by `\n`.
    text: String,
    lines: Vec<Shown>,
}

/// One line of the original file in the display text.
struct Shown {
    /// Its number in the file (0-based).
    number: usize,
    /// Lines shown together (adjacent in the file) share a group; miette never reads
    /// across groups.
    group: usize,
    /// Its content in the display text (without the `\n`).
    disp: Range<usize>,
    /// Its content in the original (without `\r\n` or `\n`).
    orig: Range<usize>,
    /// Where the next line of the original starts (past the end for the last line).
    next_start: usize,
    pieces: Vec<Piece>,
}

/// A run of the original line that is shown.
struct Piece {
    orig: Range<usize>,
    /// `(original, display)` offsets that correspond: the piece's start and the point
    /// after each escaped character.
    marks: Vec<(usize, usize)>,
    disp_end: usize,
}

impl Excerpt {
    /// The excerpt of `text` (with the offsets of its `\n`-terminated line starts)
    /// that shows `spans` with one line of context.
    pub fn new(
        name: &str,
        text: Arc<str>,
        line_starts: &[usize],
        spans: &[(usize, usize)],
    ) -> Excerpt {
        let mut e = Excerpt {
            name: safe::one_line(name).into_owned(),
            orig: text.clone(),
            text: String::new(),
            lines: Vec::new(),
        };
        if text.is_empty() {
            // An empty file still shows its (empty) first line, so the report names the
            // file and points at it.
            e.push_line(0, 0, 0..0, 1, &[]);
            return e;
        }
        if line_starts.is_empty() {
            return e;
        }
        let line_of = |o: usize| line_starts.partition_point(|&s| s <= o).max(1) - 1;
        let last_line = line_starts.len() - 1;
        // The line ranges to show, merged when they touch.
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut clipped: Vec<(usize, usize)> = Vec::new();
        // Spans on character boundaries (they are, from the parsers; a renderer must not
        // panic if one is not).
        let floor = |o: usize| {
            let mut o = o.min(text.len());
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            o
        };
        for &(start, end) in spans {
            if start > text.len() {
                continue;
            }
            let (start, end) = (floor(start), floor(end.max(start)));
            let l1 = line_of(start);
            let mut l2 = line_of(end.saturating_sub(1).max(start));
            if l2 > l1 + MAX_LABEL_LINES {
                l2 = l1;
            }
            clipped.push((start, end.min(line_end(&text, line_starts, l2))));
            ranges.push((l1.saturating_sub(1), (l2 + 1).min(last_line)));
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in ranges {
            match merged.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        for (group, (a, b)) in merged.into_iter().enumerate() {
            for number in a..=b {
                let start = line_starts[number];
                let end = line_end(&text, line_starts, number);
                let on_line: Vec<(usize, usize)> = clipped
                    .iter()
                    .filter(|(s, e)| *s <= end && *e >= start)
                    .map(|&(s, e)| (s.max(start), e.min(end)))
                    .collect();
                let next = line_starts
                    .get(number + 1)
                    .copied()
                    .unwrap_or(text.len() + 1);
                e.push_line(number, group, start..end, next, &on_line);
            }
        }
        e
    }

    fn push_line(
        &mut self,
        number: usize,
        group: usize,
        orig: Range<usize>,
        next_start: usize,
        labels: &[(usize, usize)],
    ) {
        let line = &self.orig[orig.clone()];
        let windows = if line.len() <= LONG_LINE || line.chars().count() <= LONG_LINE {
            vec![orig.clone()]
        } else {
            windows(&self.orig, orig.clone(), labels)
        };
        let disp_start = self.text.len();
        let mut pieces: Vec<Piece> = Vec::with_capacity(windows.len());
        for w in windows {
            // A marker where a part of the line is left out: before the first window
            // when the line starts earlier, and between windows.
            if !pieces.is_empty() || w.start > orig.start {
                self.text.push_str(GAP);
            }
            let mut marks = vec![(w.start, self.text.len())];
            let mut at = w.start;
            for (i, c) in self.orig[w.clone()].char_indices() {
                if safe::hidden(c) {
                    self.text.push_str(&self.orig[at..w.start + i]);
                    safe::escape(c, &mut self.text);
                    at = w.start + i + c.len_utf8();
                    marks.push((at, self.text.len()));
                }
            }
            self.text.push_str(&self.orig[at..w.end]);
            pieces.push(Piece {
                orig: w.clone(),
                marks,
                disp_end: self.text.len(),
            });
        }
        if pieces.last().is_some_and(|p| p.orig.end < orig.end) {
            self.text.push_str(GAP);
        }
        let disp = disp_start..self.text.len();
        self.text.push('\n');
        self.lines.push(Shown {
            number,
            group,
            disp,
            orig,
            next_start,
            pieces,
        });
    }

    /// The display span of an original span (as [`Excerpt::new`] clipped it).
    pub fn span(&self, start: usize, end: usize) -> SourceSpan {
        let Some(first) = self.line_at_orig(start) else {
            return SourceSpan::new(self.text.len().into(), 0);
        };
        let end = end.max(start);
        let end = match self.line_at_orig(end) {
            Some(l) if self.lines[l].group == self.lines[first].group => end,
            _ => self.lines[first].orig.end,
        };
        let a = self.to_display(start);
        let b = self.to_display(end).max(a);
        SourceSpan::new(a.into(), b - a)
    }

    /// The shown line that holds original offset `o` (its terminator included).
    fn line_at_orig(&self, o: usize) -> Option<usize> {
        let i = self
            .lines
            .partition_point(|l| l.orig.start <= o)
            .checked_sub(1)?;
        (o < self.lines[i].next_start).then_some(i)
    }

    fn to_display(&self, o: usize) -> usize {
        let Some(i) = self.line_at_orig(o) else {
            return self.text.len();
        };
        let l = &self.lines[i];
        if o >= l.orig.end {
            return l.disp.end;
        }
        for p in &l.pieces {
            if o < p.orig.start {
                // In a gap that is not shown: at the gap's marker.
                return p.marks[0].1;
            }
            if o <= p.orig.end {
                let k = p.marks.partition_point(|m| m.0 <= o) - 1;
                let (mo, md) = p.marks[k];
                return (md + (o - mo)).min(p.disp_end);
            }
        }
        l.disp.end
    }

    fn to_orig(&self, line: &Shown, d: usize) -> usize {
        for p in &line.pieces {
            if d <= p.disp_end {
                let k = p.marks.partition_point(|m| m.1 <= d).max(1) - 1;
                let (mo, md) = p.marks[k];
                let mut o = (mo + d.saturating_sub(md)).min(p.orig.end);
                // Inside an escape: the escaped character's start.
                while !self.orig.is_char_boundary(o) {
                    o -= 1;
                }
                return o;
            }
        }
        line.orig.end
    }

    /// The display line that holds display offset `d` (its `\n` included).
    fn line_at_display(&self, d: usize) -> Option<usize> {
        let i = self
            .lines
            .partition_point(|l| l.disp.start <= d)
            .checked_sub(1)?;
        (d <= self.lines[i].disp.end).then_some(i)
    }
}

/// The end of line `n`'s content: before its `\n` (and a `\r` before that).
fn line_end(text: &str, starts: &[usize], n: usize) -> usize {
    let mut end = starts.get(n + 1).map_or(text.len(), |s| s - 1);
    if end > starts[n] && text.as_bytes()[end - 1] == b'\r' && end < text.len() {
        end -= 1;
    }
    end.max(starts[n])
}

/// Back `n` characters from byte `o`, not before `floor`.
fn back(text: &str, mut o: usize, n: usize, floor: usize) -> usize {
    for _ in 0..n {
        if o <= floor {
            break;
        }
        o -= 1;
        while o > floor && !text.is_char_boundary(o) {
            o -= 1;
        }
    }
    o
}

/// Forward `n` characters from byte `o`, not past `ceil`.
fn forward(text: &str, mut o: usize, n: usize, ceil: usize) -> usize {
    for _ in 0..n {
        if o >= ceil {
            break;
        }
        o += 1;
        while o < ceil && !text.is_char_boundary(o) {
            o += 1;
        }
    }
    o
}

/// The parts of a long line to show: around each label, or its start when it has none.
fn windows(text: &str, line: Range<usize>, labels: &[(usize, usize)]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    if labels.is_empty() {
        out.push(line.start..forward(text, line.start, 2 * AROUND, line.end));
    }
    for &(s, e) in labels {
        let long = e - s > 4 * LONG_LABEL || text[s..e].chars().count() > LONG_LABEL;
        if long {
            out.push(back(text, s, AROUND, line.start)..forward(text, s, 2 * AROUND, line.end));
            out.push(back(text, e, AROUND, line.start)..forward(text, e, AROUND / 4, line.end));
        } else {
            out.push(back(text, s, AROUND, line.start)..forward(text, e, AROUND, line.end));
        }
    }
    out.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        let i = self
            .line_at_display(start)
            .ok_or(MietteError::OutOfBounds)?;
        let j = self
            .line_at_display(end.saturating_sub(1).max(start))
            .ok_or(MietteError::OutOfBounds)?;
        let group = self.lines[i].group;
        if self.lines[j].group != group {
            return Err(MietteError::OutOfBounds);
        }
        let mut first = i;
        while first > 0 && i - first < before && self.lines[first - 1].group == group {
            first -= 1;
        }
        let mut last = j;
        while last + 1 < self.lines.len() && last - j < after && self.lines[last + 1].group == group
        {
            last += 1;
        }
        let (from, to) = (self.lines[first].disp.start, self.lines[last].disp.end + 1);
        // The column of the span's start in the original line, in characters, for the
        // header (miette asks with no context lines for it).
        let line = &self.lines[i];
        let column = if before == 0 {
            let o = self.to_orig(line, start);
            self.orig[line.orig.start..o.max(line.orig.start)]
                .chars()
                .count()
        } else {
            0
        };
        // Whole lines, also without context (miette's own reading starts at the span
        // then): a configuration error shows its line, not the rest of it.
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            self.lines[first].number,
            column,
            last - first + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(t: &str) -> Vec<usize> {
        std::iter::once(0)
            .chain(t.match_indices('\n').map(|(i, _)| i + 1))
            .collect()
    }

    fn render(text: &str, spans: &[(usize, usize)]) -> (Excerpt, Vec<SourceSpan>) {
        let e = Excerpt::new("f.json", Arc::from(text), &starts(text), spans);
        let shown = spans.iter().map(|&(s, t)| e.span(s, t)).collect();
        (e, shown)
    }

    fn shown<'a>(e: &'a Excerpt, s: &SourceSpan) -> &'a str {
        &e.text[s.offset()..s.offset() + s.len()]
    }

    #[test]
    fn a_short_file_is_shown_as_it_is_around_its_labels() {
        let text = "{\n  \"a\": 1,\n  \"b\": \"x\"\n}\n";
        let b = text.find("\"x\"").unwrap();
        let (e, s) = render(text, &[(b, b + 3)]);
        assert_eq!(e.text, "  \"a\": 1,\n  \"b\": \"x\"\n}\n");
        assert_eq!(shown(&e, &s[0]), "\"x\"");
        let c = e.read_span(&s[0], 0, 0).unwrap();
        assert_eq!((c.line(), c.column()), (2, 7));
        let c = e.read_span(&s[0], 1, 1).unwrap();
        assert_eq!(c.line(), 1);
        assert_eq!(std::str::from_utf8(c.data()).unwrap(), e.text);
    }

    #[test]
    fn control_characters_are_escaped_and_labels_follow() {
        let text = "{\"a\": \"\u{1b}[2J\u{202e}x\", \"b\": 1}\n";
        let b = text.find("\"b\"").unwrap();
        let (e, s) = render(text, &[(b, b + 3)]);
        assert!(
            !e.text.contains('\u{1b}') && !e.text.contains('\u{202e}'),
            "{}",
            e.text
        );
        assert!(e.text.contains("\\u{1b}[2J\\u{202e}x"), "{}", e.text);
        assert_eq!(shown(&e, &s[0]), "\"b\"");
        let c = e.read_span(&s[0], 0, 0).unwrap();
        // The column counts the original characters.
        assert_eq!(c.column(), text[..b].chars().count());
    }

    #[test]
    fn a_long_line_shows_windows_around_its_labels() {
        let mut text = String::from("{");
        for i in 0..5000 {
            text.push_str(&format!("\"k{i}\": \"v{i}\", "));
        }
        text.push_str("\"end\": 1}");
        let a = text.find("\"v100\"").unwrap();
        let b = text.find("\"v4000\"").unwrap();
        let (e, s) = render(&text, &[(a, a + 6), (b, b + 7)]);
        assert!(e.text.len() < 600, "{}", e.text.len());
        assert_eq!(shown(&e, &s[0]), "\"v100\"");
        assert_eq!(shown(&e, &s[1]), "\"v4000\"");
        assert!(e.text.starts_with(GAP) && e.text.trim_end().ends_with(GAP));
        let c = e.read_span(&s[1], 0, 0).unwrap();
        assert_eq!(c.column(), text[..b].chars().count());
    }

    #[test]
    fn distant_labels_are_separate_groups() {
        let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let a = text.find("line 10\n").unwrap();
        let b = text.find("line 80\n").unwrap();
        let (e, s) = render(&text, &[(a, a + 4), (b, b + 4)]);
        assert_eq!(e.lines.len(), 6);
        assert!(e
            .read_span(
                &SourceSpan::new(s[0].offset().into(), s[1].offset() - s[0].offset()),
                1,
                1
            )
            .is_err());
        let c = e.read_span(&s[1], 1, 1).unwrap();
        assert_eq!(c.line(), 79);
    }

    #[test]
    fn every_span_of_odd_texts_maps_without_panic() {
        for text in [
            "",
            "x",
            "\n",
            "a\r\nb\r\n",
            "é\u{1b}\r\nü",
            "a\rb\n\n",
            "\u{202e}\u{202e}\n\u{7}",
        ] {
            let ls = starts(text);
            for s in 0..=text.len() + 1 {
                for len in [0, 1, 3, 100] {
                    let e = Excerpt::new("f", Arc::from(text), &ls, &[(s, s + len)]);
                    let d = e.span(s, s + len);
                    for (b, a) in [(0, 0), (1, 1)] {
                        let _ = e.read_span(&d, b, a);
                    }
                }
            }
        }
    }
}
