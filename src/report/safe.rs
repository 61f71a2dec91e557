//! Text from scanned files, made safe for terminals and CI logs.
//!
//! Anything aksgate prints about a file (its name, a resource name, a message that
//! quotes a value, a source line) is hostile input. Two things are neutralised, in
//! every format meant for people or logs:
//!
//! - **Terminal control**: C0 and C1 control characters (ESC starts CSI and OSC
//!   sequences, BEL rings), DEL, and the invisible formatting characters that reorder
//!   or hide text (bidi embeddings, overrides and isolates, U+202A-202E and
//!   U+2066-2069, the marks U+200E, U+200F and U+061C, and the zero-width and
//!   line/paragraph separators). Each is replaced by its visible escape `\u{1b}`.
//! - **CI logging commands**: GitHub Actions obeys a line that starts with `::`
//!   (after spaces), Azure Pipelines `##vso[` anywhere in a line and `##[` at its start.
//!   One character of each is written as its escape (`\u{3a}:error`, `##vso\u{5b}`), so
//!   the text stays readable and no runner acts on it.

use std::borrow::Cow;

/// A character that must not reach a terminal as itself.
pub(crate) fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Appends `c`'s visible escape, `\u{1b}`.
pub(crate) fn escape(c: char, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

/// `s` with every hidden character escaped, newlines and tabs included: for text that
/// must stay on one line (a file name, a resource name, a table cell).
pub fn one_line(s: &str) -> Cow<'_, str> {
    escape_where(s, hidden)
}

/// `s` with every hidden character escaped but newlines and tabs, which a message may
/// use to lay itself out.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| hidden(c) && c != '\n' && c != '\t')
}

fn escape_where(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if bad(c) {
            escape(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with no line a CI runner would take as a command: see the module comment.
/// Control characters are left as they are (a renderer's own colours pass through).
pub fn no_commands(s: &str) -> Cow<'_, str> {
    let at_start = |line: &str| {
        let t = line.trim_start_matches([' ', '\t']);
        t.starts_with("::") || t.starts_with("##[")
    };
    if !s.split('\n').any(at_start) && !contains_vso(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
        let (indent, rest) = line.split_at(lead);
        out.push_str(indent);
        let rest = if let Some(r) = rest.strip_prefix("::") {
            out.push_str("\\u{3a}:");
            r
        } else if let Some(r) = rest.strip_prefix("##[") {
            out.push_str("##\\u{5b}");
            r
        } else {
            rest
        };
        push_without_vso(rest, &mut out);
    }
    Cow::Owned(out)
}

/// Whether `s` has `##vso[` in any letter case (the agent matches it so).
fn contains_vso(s: &str) -> bool {
    s.as_bytes()
        .windows(6)
        .any(|w| w.eq_ignore_ascii_case(b"##vso["))
}

fn push_without_vso(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(i) = find_vso(rest) {
        out.push_str(&rest[..i + 5]);
        out.push_str("\\u{5b}");
        rest = &rest[i + 6..];
    }
    out.push_str(rest);
}

fn find_vso(s: &str) -> Option<usize> {
    s.as_bytes()
        .windows(6)
        .position(|w| w.eq_ignore_ascii_case(b"##vso["))
}

/// Both: what text from a file needs before it is written to a log as part of a
/// message (newlines kept).
pub fn for_log(s: &str) -> Cow<'_, str> {
    match visible(s) {
        Cow::Borrowed(b) => no_commands(b),
        Cow::Owned(o) => Cow::Owned(no_commands(&o).into_owned()),
    }
}

/// [`for_log`] for text that must stay on one line.
pub fn one_line_for_log(s: &str) -> Cow<'_, str> {
    match one_line(s) {
        Cow::Borrowed(b) => no_commands(b),
        Cow::Owned(o) => Cow::Owned(no_commands(&o).into_owned()),
    }
}

/// Writes `text` and a newline to standard error, made safe for a log ([`for_log`]).
/// A standard error that cannot be written (`2>/dev/full`, a closed pipe) is not a
/// reason to panic: the exit status still says what happened.
pub fn warn(text: &str) {
    use std::io::Write;
    let mut e = std::io::stderr().lock();
    let _ = e
        .write_all(for_log(text).as_bytes())
        .and_then(|()| e.write_all(b"\n"));
}

/// [`warn`] for a line that must stay one line (it names a file).
pub fn warn_line(text: &str) {
    use std::io::Write;
    let mut e = std::io::stderr().lock();
    let _ = e
        .write_all(one_line_for_log(text).as_bytes())
        .and_then(|()| e.write_all(b"\n"));
}

/// A writer for data formats (JSON, SARIF, JUnit) that may be printed to a CI log:
/// every `[` that ends a `##vso[` is written as `replacement` (`\u005b` in JSON,
/// `&#91;` in XML), which the format reads as the same `[`. The data is unchanged;
/// the agent, which acts on `##vso[` anywhere in a line, sees no command. Whether a `[`
/// ends one depends only on the five bytes before it, which are kept across writes.
pub struct NoVso<'r, W: std::io::Write> {
    inner: W,
    replacement: &'r [u8],
    /// The last five bytes of the input so far.
    before: Vec<u8>,
}

impl<'r, W: std::io::Write> NoVso<'r, W> {
    pub fn new(inner: W, replacement: &'r [u8]) -> Self {
        NoVso {
            inner,
            replacement,
            before: Vec::with_capacity(10),
        }
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: std::io::Write> std::io::Write for NoVso<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            if b == b'[' {
                // The five bytes before this one: the end of `before`, then `buf`.
                let from_buf = i.min(5);
                let mut last5 = self.before
                    [self.before.len() - (5 - from_buf).min(self.before.len())..]
                    .to_vec();
                last5.extend_from_slice(&buf[i - from_buf..i]);
                if last5.eq_ignore_ascii_case(b"##vso") {
                    self.inner.write_all(&buf[start..i])?;
                    self.inner.write_all(self.replacement)?;
                    start = i + 1;
                }
            }
        }
        self.inner.write_all(&buf[start..])?;
        self.before
            .extend_from_slice(&buf[buf.len().saturating_sub(5)..]);
        let excess = self.before.len().saturating_sub(5);
        self.before.drain(..excess);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_shown_escaped() {
        assert_eq!(one_line("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(one_line("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        assert_eq!(one_line("a\nb\tc\r"), "a\\u{a}b\\u{9}c\\u{d}");
        assert_eq!(visible("a\nb\tc\r"), "a\nb\tc\\u{d}");
        assert_eq!(one_line("\u{9b}31m"), "\\u{9b}31m");
        assert!(matches!(one_line("plain é ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn ci_commands_are_broken_and_stay_readable() {
        assert_eq!(no_commands("::error file=x::y"), "\\u{3a}:error file=x::y");
        assert_eq!(
            no_commands("ok\n  ::warning ::x"),
            "ok\n  \\u{3a}:warning ::x"
        );
        assert_eq!(
            no_commands("a ##vso[task.complete result=Succeeded]"),
            "a ##vso\\u{5b}task.complete result=Succeeded]"
        );
        assert_eq!(
            no_commands("x##VSO[a]##vso[b]"),
            "x##VSO\\u{5b}a]##vso\\u{5b}b]"
        );
        assert_eq!(no_commands("##[error]x"), "##\\u{5b}error]x");
        assert_eq!(no_commands("a :: b"), "a :: b");
        assert!(matches!(no_commands("a :: b ##vs o["), Cow::Borrowed(_)));
    }

    #[test]
    fn data_writers_break_vso_across_writes() {
        use std::io::Write;
        let text = b"{\"m\": \"a ##vso[task.complete] b ##VsO[x]\"}";
        for split in 0..text.len() {
            let mut w = NoVso::new(Vec::new(), b"\\u005b");
            w.write_all(&text[..split]).unwrap();
            w.write_all(&text[split..]).unwrap();
            let out = w.finish().unwrap();
            let s = String::from_utf8(out).unwrap();
            assert!(!contains_vso(&s), "{split}: {s}");
            let v: serde_json::Value = serde_json::from_str(&s).unwrap();
            assert_eq!(v["m"], "a ##vso[task.complete] b ##VsO[x]");
        }
    }

    #[test]
    fn no_output_line_can_be_a_command_whatever_the_input() {
        // Every arrangement of the pieces of a command, line breaks and controls.
        let pieces = [
            "::", "##vso[", "##[", "\n", "\r", " ", "\u{1b}", "x", "#", ":",
        ];
        let mut inputs = vec![String::new()];
        for _ in 0..4 {
            inputs = inputs
                .iter()
                .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
                .collect();
            for s in &inputs {
                for out in [for_log(s), one_line_for_log(s)] {
                    for line in out.split('\n') {
                        let t = line.trim_start_matches([' ', '\t']);
                        assert!(
                            !t.starts_with("::") && !t.starts_with("##["),
                            "{s:?} -> {out:?}"
                        );
                        assert!(!contains_vso(line), "{s:?} -> {out:?}");
                        assert!(!line.contains(['\r', '\u{1b}']), "{s:?} -> {out:?}");
                    }
                }
            }
        }
    }
}
