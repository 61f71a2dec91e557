//! The values of string tokens: delimiters stripped, escapes decoded.
//!
//! A Bicep string is one token (`'abc'`) or, with interpolation, a left piece, middle
//! pieces and a right piece (`'a${`, `}b${`, `}c'`). Single-line strings decode
//! escapes; multi-line strings (`'''...'''`, `$'''...${x}...'''`) take their text as
//! it is, less one line break right after the opening quotes.

use super::token::TokenKind;

/// How a string is delimited, read from its first token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringStyle {
    /// `'...'`, with `${...}` holes and `\` escapes.
    SingleLine,
    /// `'''...'''` or `$'''...'''`: no escapes; holes are `$…${` with as many `$`
    /// as opened the string (none: no holes at all).
    Multiline { dollars: usize },
}

impl StringStyle {
    /// The style of a string whose first token's text is `first`.
    pub fn of(first: &str) -> StringStyle {
        let b = first.as_bytes();
        // `''` is the empty single-line string; anything longer that starts `$` or
        // `''` opened with three quotes.
        if b.len() > 2 && (b[0] == b'$' || b[1] == b'\'') {
            StringStyle::Multiline {
                dollars: b.iter().take_while(|&&c| c == b'$').count(),
            }
        } else {
            StringStyle::SingleLine
        }
    }
}

/// The length in bytes of the valid escape sequence at the start of `s` (which starts
/// with `\`), or `None` if it is not one. `\${` counts as one escape (the `{` is then
/// no hole opener).
pub fn escape_length(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.get(1)? {
        b'n' | b'r' | b't' | b'\\' | b'\'' => Some(2),
        b'$' => Some(if b.get(2) == Some(&b'{') { 3 } else { 2 }),
        b'u' => unicode_escape(s).map(|(len, _)| len),
        _ => None,
    }
}

/// `\u{HEX}` at the start of `s`: its length and code point (at most U+10FFFF).
fn unicode_escape(s: &str) -> Option<(usize, u32)> {
    let b = s.as_bytes();
    if b.get(2) != Some(&b'{') {
        return None;
    }
    let digits = b[3..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    if digits == 0 || b.get(3 + digits) != Some(&b'}') {
        return None;
    }
    let mut value: u32 = 0;
    for &c in &b[3..3 + digits] {
        let d = (c as char).to_digit(16)?;
        value = value.checked_mul(16)?.checked_add(d)?;
    }
    (value <= 0x10ffff).then_some((digits + 4, value))
}

/// The decoded text of one string token, or `None` when the token is malformed (left
/// so by the lexer's error recovery: unterminated, bad escape, stray quote).
pub fn token_value(text: &str, kind: TokenKind, style: StringStyle) -> Option<String> {
    match style {
        StringStyle::SingleLine => single_line_value(text, kind),
        StringStyle::Multiline { dollars } => multiline_value(text, kind, dollars),
    }
}

fn single_line_value(text: &str, kind: TokenKind) -> Option<String> {
    let (open, close) = match kind {
        TokenKind::StringComplete => ("'", "'"),
        TokenKind::StringLeftPiece => ("'", "${"),
        TokenKind::StringMiddlePiece => ("}", "${"),
        TokenKind::StringRightPiece => ("}", "'"),
        _ => return None,
    };
    if text.len() < open.len() + close.len() || !text.starts_with(open) || !text.ends_with(close) {
        return None;
    }
    let body = &text[open.len()..text.len() - close.len()];
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find(['\\', '\'']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('\'') {
            return None;
        }
        let len = escape_length(rest)?;
        match rest.as_bytes()[1] {
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'\\' => out.push('\\'),
            b'\'' => out.push('\''),
            b'$' => out.push_str(if len == 3 { "${" } else { "$" }),
            _ => {
                let (_, cp) = unicode_escape(rest)?;
                // A lone surrogate has no `char`; it becomes U+FFFD.
                out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            }
        }
        rest = &rest[len..];
    }
    out.push_str(rest);
    Some(out)
}

fn multiline_value(text: &str, kind: TokenKind, dollars: usize) -> Option<String> {
    let dollar_run = "$".repeat(dollars);
    let start = format!("{dollar_run}'''");
    let hole = format!("{dollar_run}{{");
    let (open, close) = match kind {
        TokenKind::StringComplete => (start.as_str(), "'''"),
        TokenKind::StringLeftPiece if dollars > 0 => (start.as_str(), hole.as_str()),
        TokenKind::StringMiddlePiece if dollars > 0 => ("}", hole.as_str()),
        TokenKind::StringRightPiece if dollars > 0 => ("}", "'''"),
        _ => return None,
    };
    if text.len() < open.len() + close.len() || !text.starts_with(open) || !text.ends_with(close) {
        return None;
    }
    let mut body = &text[open.len()..text.len() - close.len()];
    if matches!(kind, TokenKind::StringComplete | TokenKind::StringLeftPiece) {
        body = body.strip_prefix('\r').unwrap_or(body);
        body = body.strip_prefix('\n').unwrap_or(body);
    }
    Some(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    #[test]
    fn single_line() {
        let s = StringStyle::SingleLine;
        assert_eq!(
            token_value(r"'a\n\t\\\'\$\${\u{41}\u{1F600}'", StringComplete, s).as_deref(),
            Some("a\n\t\\'$${A😀")
        );
        assert_eq!(
            token_value("'a${", StringLeftPiece, s).as_deref(),
            Some("a")
        );
        assert_eq!(
            token_value("}b${", StringMiddlePiece, s).as_deref(),
            Some("b")
        );
        assert_eq!(
            token_value("}c'", StringRightPiece, s).as_deref(),
            Some("c")
        );
        assert_eq!(token_value("'abc", StringComplete, s), None);
        assert_eq!(token_value(r"'\q'", StringComplete, s), None);
        assert_eq!(token_value("'", StringComplete, s), None);
        assert_eq!(token_value("", StringRightPiece, s), None);
    }

    #[test]
    fn multiline() {
        let style = StringStyle::of("'''\nabc'''");
        assert_eq!(style, StringStyle::Multiline { dollars: 0 });
        assert_eq!(
            token_value("'''\r\nab\\n'c''''", StringComplete, style).as_deref(),
            Some("ab\\n'c'")
        );
        let style = StringStyle::of("$$'''x$${");
        assert_eq!(style, StringStyle::Multiline { dollars: 2 });
        assert_eq!(
            token_value("$$'''\nx$$${", StringLeftPiece, style).as_deref(),
            Some("x$")
        );
        assert_eq!(
            token_value("}y'''", StringRightPiece, style).as_deref(),
            Some("y")
        );
        assert_eq!(
            token_value("'''abc", StringComplete, StringStyle::of("'''abc")),
            None
        );
        assert_eq!(StringStyle::of("''"), StringStyle::SingleLine);
    }
}
