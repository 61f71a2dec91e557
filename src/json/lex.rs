//! The lexical layer shared by [`super::parse`] (which builds a tree) and
//! [`super::skim`] (which builds only what a scan's first pass needs): whitespace
//! and comments, strings, numbers and words, with their errors.
//!
//! Strings are validated in one pass ([`Lexer::skip_string`]) and decoded only
//! when their value is wanted ([`Lexer::string`]); numbers are scanned once and
//! either converted ([`Lexer::number`]) or only range-checked
//! ([`Lexer::skip_number`]). Both callers therefore accept exactly the same
//! tokens with exactly the same errors. The structural grammar (arrays,
//! objects, nesting) is in each caller; [`Lexer::check_depth`],
//! [`Lexer::value_error`] and [`Lexer::finish`] hold its shared error cases.
//!
//! All positions where the lexer stops and reports are ASCII structural bytes
//! or char starts, so every span lies on char boundaries.

use super::{Comment, Node, Number, ParseError, Span, Value, MAX_DEPTH};

/// Raw line breaks and tabs are accepted inside strings, as ARM does
/// ("multi-line strings"). Other C0 control characters are rejected.
const ALLOW_MULTILINE_STRINGS: bool = true;

/// Bytes that end a plain run inside a string: `"`, `\` and C0 controls.
static STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Eight bytes as a little-endian word (the first byte lowest).
#[inline]
fn word(b: &[u8]) -> Option<u64> {
    b.try_into().ok().map(u64::from_le_bytes)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const SPACES: u64 = ONES * b' ' as u64;
/// Whitespace other than '\n', as bits of a mask indexed by byte.
const BLANKS: u64 = 1 << b' ' | 1 << b'\r' | 1 << b'\t';

/// The high bit of each byte of `w` (a [`word`]) that is in [`STRING_STOP`];
/// above the lowest such byte, other bits may be set too, so only the lowest
/// set bit is meaningful.
#[inline]
fn string_stops(w: u64) -> u64 {
    // A byte's high bit survives `(x - ONES) & !x` only if the byte is zero, and
    // `(w - 0x20 * ONES) & !w` only if it is below 0x20, counting from the
    // lowest byte up to the first hit (borrows only run upwards).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero(w ^ (ONES * b'"' as u64));
    let backslash = zero(w ^ (ONES * b'\\' as u64));
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    (quote | backslash | control) & HIGHS
}

/// Numbers without an exponent and shorter than this are finite as `f64`
/// (below 10^300), so [`Lexer::skip_number`] need not convert them.
const SURELY_FINITE_LEN: usize = 300;

pub(super) struct Lexer<'a> {
    pub text: &'a str,
    pub bytes: &'a [u8],
    pub pos: usize,
    pub comments: Vec<Comment>,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`, past a leading U+FEFF.
    pub fn new(text: &'a str) -> Lexer<'a> {
        let pos = if text.starts_with('\u{FEFF}') {
            '\u{FEFF}'.len_utf8()
        } else {
            0
        };
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos,
            comments: Vec::new(),
        }
    }

    /// After the root value: only whitespace and comments may follow.
    pub fn finish(&mut self) -> Result<(), ParseError> {
        self.skip_ws()?;
        if self.pos < self.bytes.len() {
            return self.err_at(self.pos, "unexpected content after the JSON value");
        }
        Ok(())
    }

    // ----- error helpers -------------------------------------------------

    /// Span of the char starting at `pos` (zero-length at end of input).
    pub fn char_span(&self, pos: usize) -> Span {
        match self.text.get(pos..).and_then(|s| s.chars().next()) {
            Some(c) => Span::new(pos, pos + c.len_utf8()),
            None => Span::new(pos.min(self.text.len()), pos.min(self.text.len())),
        }
    }

    /// Human description of what is at `pos`: `'x'` or `end of file`.
    fn found(&self, pos: usize) -> String {
        match self.text.get(pos..).and_then(|s| s.chars().next()) {
            Some(c) => format!("{c:?}"),
            None => "end of file".to_string(),
        }
    }

    pub fn err_at<T>(&self, pos: usize, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError::new(message, self.char_span(pos)))
    }

    /// `what`, found whatever is at the current position.
    pub fn expected<T>(&self, what: &str) -> Result<T, ParseError> {
        let msg = format!("{what}, found {}", self.found(self.pos));
        self.err_at(self.pos, msg)
    }

    /// The error for a value position holding none of `{ [ " - 0-9` or a letter.
    #[cold]
    pub fn value_error<T>(&self) -> Result<T, ParseError> {
        match self.bytes.get(self.pos) {
            Some(b'+') => self.err_at(self.pos, "invalid number: a leading '+' is not allowed"),
            Some(b'.') => self.err_at(
                self.pos,
                "invalid number: a digit is required before the decimal point",
            ),
            _ => self.expected("expected a value"),
        }
    }

    /// At the '[' or '{' opening nesting level `depth` (the root container is 1).
    pub fn check_depth(&self, depth: usize) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return self.err_at(self.pos, format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    // ----- whitespace and comments ---------------------------------------

    /// Skips whitespace and comments (recording them).
    #[inline]
    pub fn skip_ws(&mut self) -> Result<(), ParseError> {
        // Most calls find none: a key's ':' follows it, a value follows ': '.
        match self.bytes.get(self.pos) {
            Some(&b) if b > b' ' && b != b'/' => Ok(()),
            _ => self.skip_ws_run(),
        }
    }

    fn skip_ws_run(&mut self) -> Result<(), ParseError> {
        let bytes = self.bytes;
        let mut pos = self.pos;
        while let Some(&b) = bytes.get(pos) {
            // Plain tests, not a `match`: that becomes a jump table, which
            // mispredicts on most calls.
            if b == b'\n' {
                pos += 1;
                // Indentation: up to eight spaces at a time.
                while let Some(w) = bytes.get(pos..pos + 8).and_then(word) {
                    let other = w ^ SPACES;
                    if other != 0 {
                        pos += (other.trailing_zeros() / 8) as usize;
                        break;
                    }
                    pos += 8;
                }
            } else if b <= b' ' && (BLANKS >> b) & 1 == 1 {
                pos += 1;
            } else if b == b'/' {
                self.pos = pos;
                self.comment()?;
                pos = self.pos;
            } else {
                break;
            }
        }
        self.pos = pos;
        Ok(())
    }

    /// At a '/': consume a comment and record it.
    #[cold]
    #[inline(never)]
    fn comment(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let bytes = self.bytes;
        match bytes.get(start + 1) {
            Some(b'/') => {
                let body = start + 2;
                let mut end = bytes[body..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |i| body + i);
                self.pos = end;
                if end > body && bytes[end - 1] == b'\r' {
                    end -= 1;
                }
                self.comments.push(Comment {
                    span: Span::new(start, end),
                    text: self.text[body..end].trim().to_string(),
                });
                Ok(())
            }
            Some(b'*') => {
                let body = start + 2;
                let close = bytes[body..].windows(2).position(|w| w == b"*/");
                match close {
                    Some(i) => {
                        let body_end = body + i;
                        self.pos = body_end + 2;
                        self.comments.push(Comment {
                            span: Span::new(start, self.pos),
                            text: self.text[body..body_end].trim().to_string(),
                        });
                        Ok(())
                    }
                    None => Err(ParseError::new(
                        "unterminated block comment",
                        Span::new(start, start + 2),
                    )),
                }
            }
            _ => self.err_at(start, "unexpected '/': comments start with // or /*"),
        }
    }

    // ----- words and numbers ---------------------------------------------

    /// `true`, `false`, `null`, or an error naming the bad word.
    pub fn word(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        let len = self.bytes[start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$'))
            .unwrap_or(self.bytes.len() - start);
        let end = start + len;
        let word = &self.text[start..end];
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => {
                let shown = if word.len() > 40 { &word[..40] } else { word };
                let ellipsis = if word.len() > 40 { "..." } else { "" };
                return Err(ParseError::new(
                    format!(
                        "invalid value '{shown}{ellipsis}': expected a string in double quotes, \
                         a number, true, false, null, an array or an object"
                    ),
                    Span::new(start, end),
                ));
            }
        };
        self.pos = end;
        Ok(Node {
            value,
            span: Span::new(start, end),
        })
    }

    /// At a '-' or digit: check the number's syntax. Returns its end and whether
    /// it has a fraction or an exponent; `self.pos` is unchanged unless it fails.
    fn scan_number(&mut self) -> Result<(usize, bool), ParseError> {
        let bytes = self.bytes;
        let mut pos = self.pos;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        match bytes.get(pos) {
            Some(b'0') => {
                pos += 1;
                if matches!(bytes.get(pos), Some(b'0'..=b'9')) {
                    return self.err_at(pos, "invalid number: leading zeros are not allowed");
                }
            }
            Some(b'1'..=b'9') => {
                pos += 1;
                while matches!(bytes.get(pos), Some(b'0'..=b'9')) {
                    pos += 1;
                }
            }
            _ => {
                self.pos = pos;
                return self.expected("invalid number: expected a digit after '-'");
            }
        }
        let mut is_float = false;
        if bytes.get(pos) == Some(&b'.') {
            is_float = true;
            pos += 1;
            if !matches!(bytes.get(pos), Some(b'0'..=b'9')) {
                self.pos = pos;
                return self.expected("invalid number: expected a digit after '.'");
            }
            while matches!(bytes.get(pos), Some(b'0'..=b'9')) {
                pos += 1;
            }
        }
        if matches!(bytes.get(pos), Some(b'e' | b'E')) {
            is_float = true;
            pos += 1;
            if matches!(bytes.get(pos), Some(b'+' | b'-')) {
                pos += 1;
            }
            if !matches!(bytes.get(pos), Some(b'0'..=b'9')) {
                self.pos = pos;
                return self.expected("invalid number: expected a digit in the exponent");
            }
            while matches!(bytes.get(pos), Some(b'0'..=b'9')) {
                pos += 1;
            }
        }
        Ok((pos, is_float))
    }

    /// The `f64` of a syntactically valid number, or "number out of range".
    fn float(&self, start: usize, end: usize) -> Result<f64, ParseError> {
        // The syntax was checked, so this parse cannot fail.
        let f: f64 = self.text[start..end].parse().unwrap_or(f64::NAN);
        if !f.is_finite() {
            return Err(ParseError::new(
                "number out of range",
                Span::new(start, end),
            ));
        }
        Ok(f)
    }

    /// At a '-' or digit: a number. Integers without fraction or exponent that
    /// fit in `i64` are `Int`, everything else `Float`.
    pub fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        let (end, is_float) = self.scan_number()?;
        let int = if is_float {
            None
        } else {
            self.text[start..end].parse::<i64>().ok()
        };
        let number = match int {
            Some(i) => Number::Int(i),
            None => Number::Float(self.float(start, end)?),
        };
        self.pos = end;
        Ok(Node {
            value: Value::Number(number),
            span: Span::new(start, end),
        })
    }

    /// [`Lexer::number`] without the value: accepts and rejects the same.
    pub fn skip_number(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let (end, _) = self.scan_number()?;
        let src = &self.bytes[start..end];
        // Without an exponent a number is below 10^len; an `i64` is always finite.
        if src.len() >= SURELY_FINITE_LEN || src.iter().any(|&b| (b | 0x20) == b'e') {
            self.float(start, end)?;
        }
        self.pos = end;
        Ok(())
    }

    // ----- strings -------------------------------------------------------

    /// At a '"': check a string and leave `self.pos` after the closing quote.
    /// Returns whether it holds escapes (whether its value differs from its
    /// raw text between the quotes).
    pub fn skip_string(&mut self) -> Result<bool, ParseError> {
        let bytes = self.bytes;
        let open = self.pos;
        let mut pos = open + 1;
        let mut escaped = false;
        loop {
            // Eight bytes at a time up to the first one that stops a plain run, then
            // the last few one by one.
            while let Some(w) = bytes.get(pos..pos + 8).and_then(word) {
                let stops = string_stops(w);
                if stops != 0 {
                    pos += (stops.trailing_zeros() / 8) as usize;
                    break;
                }
                pos += 8;
            }
            while pos < bytes.len() && !STRING_STOP[bytes[pos] as usize] {
                pos += 1;
            }
            let Some(&b) = bytes.get(pos) else {
                return unterminated(open);
            };
            match b {
                b'"' => {
                    self.pos = pos + 1;
                    return Ok(escaped);
                }
                b'\\' => {
                    escaped = true;
                    pos = self.skip_escape(pos, open)?;
                }
                b'\n' | b'\r' | b'\t' if ALLOW_MULTILINE_STRINGS => pos += 1,
                _ => {
                    let msg = if b == b'\n' || b == b'\r' {
                        "line break in string (unterminated string?)".to_string()
                    } else {
                        format!("control character in string (U+{b:04X}); write it as an escape")
                    };
                    return Err(ParseError::new(msg, Span::new(pos, pos + 1)));
                }
            }
        }
    }

    /// At a '"': a string's value; `self.pos` ends after the closing quote.
    pub fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        let escaped = self.skip_string()?;
        let raw = &self.text[open + 1..self.pos - 1];
        Ok(if escaped {
            unescape(raw)
        } else {
            raw.to_string()
        })
    }

    /// The value of the string whose opening quote is at `open` and closing quote
    /// just before `self.pos`, already checked by [`Lexer::skip_string`].
    pub fn string_before(&self, open: usize, escaped: bool) -> std::borrow::Cow<'a, str> {
        let raw = &self.text[open + 1..self.pos - 1];
        if escaped {
            unescape(raw).into()
        } else {
            raw.into()
        }
    }

    /// At a '\\' inside a string opened at `open`: check one escape and return the
    /// position after it.
    fn skip_escape(&self, pos: usize, open: usize) -> Result<usize, ParseError> {
        match self.bytes.get(pos + 1) {
            None => unterminated(open),
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(pos + 2),
            Some(b'u') => match self.hex4(pos + 2) {
                Ok(_) => Ok(pos + 6),
                Err(None) => unterminated(open),
                Err(Some(bad)) => Err(bad),
            },
            Some(_) => {
                let span = self.char_span(pos + 1);
                let bad = self.text[span.start..span.end]
                    .chars()
                    .next()
                    .unwrap_or(' ');
                let msg = if bad.is_control() {
                    format!(
                        "invalid escape: backslash followed by U+{:04X}",
                        u32::from(bad)
                    )
                } else {
                    format!("invalid escape \\{bad}")
                };
                Err(ParseError::new(msg, Span::new(pos, span.end)))
            }
        }
    }

    /// Four hex digits at `pos`. `Err(None)` when the input ends first,
    /// `Err(Some(e))` on a non-hex char.
    fn hex4(&self, pos: usize) -> Result<u32, Option<ParseError>> {
        let mut v = 0u32;
        for i in pos..pos + 4 {
            let Some(&b) = self.bytes.get(i) else {
                return Err(None);
            };
            match hex_digit(b) {
                Some(d) => v = v * 16 + d,
                None => {
                    return Err(Some(ParseError::new(
                        format!(
                            "invalid unicode escape: expected 4 hex digits after \\u, found {}",
                            self.found(i)
                        ),
                        self.char_span(i),
                    )))
                }
            }
        }
        Ok(v)
    }
}

fn unterminated<T>(open: usize) -> Result<T, ParseError> {
    Err(ParseError::new(
        "unterminated string",
        Span::new(open, open + 1),
    ))
}

fn hex_digit(b: u8) -> Option<u32> {
    let d = match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => return None,
    };
    Some(u32::from(d))
}

/// The four hex digits of a `\u` escape checked by [`Lexer::skip_string`].
fn hex4_valid(b: &[u8]) -> u32 {
    b[..4]
        .iter()
        .fold(0, |v, &d| v * 16 + hex_digit(d).unwrap_or(0))
}

/// The value of a string body (the text between the quotes) that
/// [`Lexer::skip_string`] accepted. A high surrogate escape followed by a low
/// one is one char; any other surrogate escape becomes U+FFFD.
fn unescape(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut run = 0;
    let mut pos = 0;
    while let Some(i) = bytes[pos..].iter().position(|&b| b == b'\\') {
        let at = pos + i;
        out.push_str(&raw[run..at]);
        let (c, next) = match bytes[at + 1] {
            b'"' => ('"', at + 2),
            b'\\' => ('\\', at + 2),
            b'/' => ('/', at + 2),
            b'b' => ('\u{8}', at + 2),
            b'f' => ('\u{c}', at + 2),
            b'n' => ('\n', at + 2),
            b'r' => ('\r', at + 2),
            b't' => ('\t', at + 2),
            _ => {
                // 'u': the only other escape the check lets through.
                let hi = hex4_valid(&bytes[at + 2..]);
                let next = at + 6;
                match hi {
                    0xD800..=0xDBFF => {
                        let low = (bytes.get(next) == Some(&b'\\')
                            && bytes.get(next + 1) == Some(&b'u'))
                        .then(|| hex4_valid(&bytes[next + 2..]));
                        match low {
                            Some(lo @ 0xDC00..=0xDFFF) => {
                                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                (char::from_u32(cp).unwrap_or('\u{FFFD}'), next + 6)
                            }
                            _ => ('\u{FFFD}', next),
                        }
                    }
                    _ => (char::from_u32(hi).unwrap_or('\u{FFFD}'), next),
                }
            }
        };
        out.push(c);
        pos = next;
        run = next;
    }
    out.push_str(&raw[run..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The position of the first byte of `bytes` in [`STRING_STOP`], as the
    /// eight-byte step finds it.
    fn first_stop(bytes: [u8; 8]) -> Option<usize> {
        let stops = string_stops(word(&bytes).unwrap());
        (stops != 0).then(|| (stops.trailing_zeros() / 8) as usize)
    }

    #[test]
    fn eight_byte_step_finds_the_first_stop_byte() {
        let fillers = [b'a', b' ', b'~', 0x21, 0x7F, 0x80, 0x9F, 0xA0, 0xC3, 0xFF];
        for filler in fillers {
            assert_eq!(first_stop([filler; 8]), None, "{filler:#x}");
            for b in 0..=255u8 {
                for at in 0..8 {
                    let mut w = [filler; 8];
                    w[at] = b;
                    let want = STRING_STOP[b as usize].then_some(at);
                    assert_eq!(first_stop(w), want, "{b:#x} at {at} in {filler:#x}");
                    // a later stop byte does not hide an earlier one
                    for later in [b'"', b'\\', 0, 0x1F] {
                        for at2 in at + 1..8 {
                            w[at2] = later;
                            let want = if STRING_STOP[b as usize] { at } else { at2 };
                            assert_eq!(first_stop(w), Some(want), "{b:#x} then {later:#x}");
                            w[at2] = filler;
                        }
                    }
                }
            }
        }
    }
}
