//! The lexer: text to [`Token`]s, with comments and directives set aside as trivia.
//!
//! It follows the Bicep compiler's lexer rule for rule, errors included, so that its
//! output can be compared token for token with the compiler's golden files: the same
//! token boundaries, the same kinds, the same quirks (see [`lex`]). It works on bytes
//! (every character it acts on is ASCII) and only ever steps over whole UTF-8
//! characters, so every span falls on a character boundary.

use super::error::SyntaxError;
use super::span::Span;
use super::strings;
use super::token::{Comment, CommentKind, Directive, DirectiveKind, Token, TokenKind};

/// What [`lex`] produces.
#[derive(Clone, Debug, Default)]
pub struct Lexed {
    /// Every token in order, the last always [`TokenKind::EndOfFile`].
    pub tokens: Vec<Token>,
    pub comments: Vec<Comment>,
    pub directives: Vec<Directive>,
    /// Lexical errors (unterminated strings and comments, bad escapes, unknown
    /// characters...), in text order.
    pub errors: Vec<SyntaxError>,
}

/// Identifiers longer than this are an error (the compiler's limit).
pub const MAX_IDENTIFIER_LENGTH: usize = 255;

/// Lexes `text`. A leading byte-order mark is skipped; spans stay offsets into `text`.
///
/// Quirks kept from the compiler, since they decide where tokens start and end:
/// - a `{` inside an interpolation hole is remembered but its `}` never forgets it, so
///   an object literal inside a hole (`'${{a: 1}.a}'`) ends the string's lexing as
///   the compiler's does (such a string is an error there too);
/// - a line break inside a hole ends the string with a zero-length
///   [`TokenKind::StringRightPiece`];
/// - an unknown escape such as `\q` swallows the character after `\`, even a line
///   break.
pub fn lex(text: &str) -> Lexed {
    let mut lexer = Lexer::new(text);
    lexer.run();
    lexer.out
}

/// Whether a byte can start an identifier.
pub fn is_identifier_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Whether a byte can continue an identifier.
pub fn is_identifier_continuation(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_newline(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// What an open interpolation hole belongs to: the lexer keeps a stack of them to know
/// whether a `}` closes an object or a hole.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// A `{` seen inside a hole.
    Brace,
    /// A hole of a single-line string.
    String,
    /// A hole of a multi-line string opened with this many `$`.
    Multiline(usize),
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Where the text proper starts (after a byte-order mark).
    origin: usize,
    pos: usize,
    /// Where the token being scanned starts (string errors span the token so far).
    token_start: usize,
    frames: Vec<Frame>,
    out: Lexed,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Lexer<'a> {
        let origin = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            text,
            bytes: text.as_bytes(),
            origin,
            pos: origin,
            token_start: origin,
            frames: Vec::new(),
            out: Lexed::default(),
        }
    }

    fn run(&mut self) {
        loop {
            let comment_before = self.trivia();
            let start = self.pos;
            self.token_start = start;
            let kind = self.token();
            self.out.tokens.push(Token {
                kind,
                span: Span::new(start, self.pos),
                comment_before,
            });
            if kind == TokenKind::EndOfFile {
                break;
            }
        }
    }

    fn peek(&self, n: usize) -> Option<u8> {
        self.bytes.get(self.pos + n).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Steps over one whole character.
    fn bump(&mut self) {
        if let Some(&b) = self.bytes.get(self.pos) {
            self.pos += if b < 0x80 {
                1
            } else {
                self.text[self.pos..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8)
            };
        }
    }

    fn error(&mut self, span: Span, code: &'static str, message: impl Into<String>) {
        self.out.errors.push(SyntaxError::new(span, code, message));
    }

    /// Skips blanks, comments and directives before a token; tells whether a comment
    /// was among them.
    fn trivia(&mut self) -> bool {
        let mut comment = false;
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(b' ' | b'\t'), _) => {
                    while matches!(self.peek(0), Some(b' ' | b'\t')) {
                        self.pos += 1;
                    }
                }
                (Some(b'/'), Some(b'/')) => {
                    let start = self.pos;
                    while self.peek(0).is_some_and(|b| !is_newline(b)) {
                        self.bump();
                    }
                    self.out.comments.push(Comment {
                        kind: CommentKind::Line,
                        span: Span::new(start, self.pos),
                        text: self.text[start + 2..self.pos].to_string(),
                    });
                    comment = true;
                }
                (Some(b'/'), Some(b'*')) => {
                    self.block_comment();
                    comment = true;
                }
                (Some(b'#'), _) if self.blank_before_on_line() => {
                    let Some(kind) = self.directive_keyword() else {
                        return comment;
                    };
                    self.directive(kind);
                }
                _ => return comment,
            }
        }
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        let body = start + 2;
        match self.text[body..].find("*/") {
            Some(i) => {
                self.pos = body + i + 2;
                self.out.comments.push(Comment {
                    kind: CommentKind::Block,
                    span: Span::new(start, self.pos),
                    text: self.text[body..body + i].to_string(),
                });
            }
            None => {
                self.pos = self.bytes.len();
                let span = Span::new(start, self.pos);
                self.out.comments.push(Comment {
                    kind: CommentKind::Block,
                    span,
                    text: self.text[body..].to_string(),
                });
                self.error(span, "BCP002", "The multi-line comment at this location is not terminated. Terminate it with the */ character sequence.");
            }
        }
    }

    /// Only blanks between the start of the line and here (a directive's condition).
    fn blank_before_on_line(&self) -> bool {
        self.bytes[self.origin..self.pos]
            .iter()
            .rev()
            .take_while(|&&b| !is_newline(b))
            .all(|&b| b == b' ' || b == b'\t')
    }

    fn directive_keyword(&self) -> Option<DirectiveKind> {
        let rest = &self.bytes[self.pos + 1..];
        [
            DirectiveKind::DisableNextLine,
            DirectiveKind::DisableDiagnostics,
            DirectiveKind::RestoreDiagnostics,
        ]
        .into_iter()
        .find(|k| rest.starts_with(k.keyword().as_bytes()))
    }

    /// `#keyword CODE CODE...` up to the line break. Codes are runs of identifier
    /// characters and `-` ended by a blank or the line's end; any other character ends
    /// the directive (and lexes as a token of its own), as in the compiler.
    fn directive(&mut self, kind: DirectiveKind) {
        let start = self.pos;
        self.pos += 1 + kind.keyword().len();
        let mut code_start = self.pos;
        let mut codes = Vec::new();
        while let Some(b) = self.peek(0) {
            if is_newline(b) {
                break;
            } else if is_identifier_continuation(b) || b == b'-' {
                self.pos += 1;
                if matches!(self.peek(0), None | Some(b' ' | b'\t' | b'\n' | b'\r')) {
                    codes.push(self.code(code_start));
                }
            } else if b == b' ' || b == b'\t' {
                self.pos += 1;
                code_start = self.pos;
            } else {
                if self.pos > code_start {
                    codes.push(self.code(code_start));
                }
                break;
            }
        }
        let end = match codes.last() {
            Some((_, span)) => span.end,
            None => self.pos,
        };
        // Blanks after the last code are trivia again, not part of the directive.
        self.pos = end;
        let span = Span::new(start, end);
        if codes.is_empty() {
            self.error(
                span,
                "BCP226",
                "Expected at least one diagnostic code at this location. Valid format is \"#disable-next-line diagnosticCode1 diagnosticCode2 ...\"",
            );
        }
        self.out.directives.push(Directive { kind, span, codes });
    }

    fn code(&self, start: usize) -> (String, Span) {
        (
            self.text[start..self.pos].to_string(),
            Span::new(start, self.pos),
        )
    }

    /// Scans one token from `self.pos` and returns its kind.
    fn token(&mut self) -> TokenKind {
        use TokenKind::*;
        let Some(b) = self.peek(0) else {
            return EndOfFile;
        };
        let start = self.pos;
        self.bump();
        match b {
            b'{' => {
                if !self.frames.is_empty() {
                    self.frames.push(Frame::Brace);
                }
                LeftBrace
            }
            b'}' => match self.frames.last().copied() {
                Some(Frame::String) => {
                    let kind = self.string_segment(false);
                    if kind == StringRightPiece {
                        self.frames.pop();
                    }
                    kind
                }
                Some(Frame::Multiline(dollars)) => {
                    let kind = self.multiline_string(false, dollars);
                    if kind == StringRightPiece {
                        self.frames.pop();
                    }
                    kind
                }
                // The compiler never pops a brace frame; see `lex`.
                Some(Frame::Brace) | None => RightBrace,
            },
            b'(' => LeftParen,
            b')' => RightParen,
            b'[' => LeftSquare,
            b']' => RightSquare,
            b'@' => At,
            b',' => Comma,
            b'.' => {
                if self.peek(0) == Some(b'.') && self.peek(1) == Some(b'.') {
                    self.pos += 2;
                    Ellipsis
                } else {
                    Dot
                }
            }
            b'?' => self.pair(b'?', DoubleQuestion, Question),
            b':' => self.pair(b':', DoubleColon, Colon),
            b';' => Semicolon,
            b'+' => Plus,
            b'-' => Minus,
            b'%' => Modulo,
            b'*' => Asterisk,
            b'/' => Slash,
            b'^' => Hat,
            b'$' => {
                let mut dollars = 1;
                while self.peek(0) == Some(b'$') {
                    self.pos += 1;
                    dollars += 1;
                }
                if self.bytes[self.pos..].starts_with(b"'''") {
                    self.pos += 3;
                    let kind = self.multiline_string(true, dollars);
                    if kind == StringLeftPiece {
                        self.frames.push(Frame::Multiline(dollars));
                    }
                    kind
                } else {
                    self.unrecognized(start)
                }
            }
            b'!' => match self.peek(0) {
                Some(b'=') => {
                    self.pos += 1;
                    NotEquals
                }
                Some(b'~') => {
                    self.pos += 1;
                    NotEqualsInsensitive
                }
                _ => Exclamation,
            },
            b'<' => self.pair(b'=', LessThanOrEqual, LeftChevron),
            b'>' => self.pair(b'=', GreaterThanOrEqual, RightChevron),
            b'=' => match self.peek(0) {
                Some(b'=') => {
                    self.pos += 1;
                    Equals
                }
                Some(b'~') => {
                    self.pos += 1;
                    EqualsInsensitive
                }
                Some(b'>') => {
                    self.pos += 1;
                    Arrow
                }
                _ => Assignment,
            },
            b'&' => {
                if self.peek(0) == Some(b'&') {
                    self.pos += 1;
                    LogicalAnd
                } else {
                    self.unrecognized(start)
                }
            }
            b'|' => self.pair(b'|', LogicalOr, Pipe),
            b'\'' => {
                if self.peek(0) == Some(b'\'') && self.peek(1) == Some(b'\'') {
                    self.pos += 2;
                    return self.multiline_string(true, 0);
                }
                let kind = self.string_segment(true);
                if kind == StringLeftPiece {
                    self.frames.push(Frame::String);
                }
                kind
            }
            b'\n' | b'\r' => {
                if !self.frames.is_empty() {
                    // A line break inside a hole: end the string here, without taking
                    // the line break, and forget every open hole.
                    self.pos = start;
                    self.unterminated_with_newline();
                    self.frames.clear();
                    return StringRightPiece;
                }
                while self.peek(0).is_some_and(is_newline) {
                    self.pos += 1;
                }
                NewLine
            }
            b'0'..=b'9' => {
                while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
                    self.pos += 1;
                }
                Integer
            }
            _ if is_identifier_start(b) => {
                while self.peek(0).is_some_and(is_identifier_continuation) {
                    self.pos += 1;
                }
                match &self.text[start..self.pos] {
                    "true" => TrueKeyword,
                    "false" => FalseKeyword,
                    "null" => NullKeyword,
                    _ => {
                        if self.pos - start > MAX_IDENTIFIER_LENGTH {
                            self.error(
                                Span::new(start, self.pos),
                                "BCP024",
                                format!("The identifier exceeds the limit of {MAX_IDENTIFIER_LENGTH}. Reduce the length of the identifier."),
                            );
                        }
                        Identifier
                    }
                }
            }
            _ => self.unrecognized(start),
        }
    }

    /// `first` then `second` makes `two`, else `one`.
    fn pair(&mut self, second: u8, two: TokenKind, one: TokenKind) -> TokenKind {
        if self.peek(0) == Some(second) {
            self.pos += 1;
            two
        } else {
            one
        }
    }

    fn unrecognized(&mut self, start: usize) -> TokenKind {
        let span = Span::new(start, self.pos);
        let text = &self.text[span.range()];
        if text == "\"" {
            self.error(span, "BCP103", "The following token is not recognized: \"\"\". Strings are defined using single quotes in bicep.");
        } else {
            let message = format!("The following token is not recognized: \"{text}\".");
            self.error(span, "BCP001", message);
        }
        TokenKind::Unrecognized
    }

    fn unterminated_with_newline(&mut self) {
        self.error(
            Span::empty(self.pos),
            "BCP004",
            "The string at this location is not terminated due to an unexpected new line character.",
        );
    }

    /// The rest of a single-line string piece, after its `'` or `}`: up to `'`
    /// (complete / right piece) or `${` (left / middle piece).
    fn string_segment(&mut self, first: bool) -> TokenKind {
        let (end, open) = if first {
            (TokenKind::StringComplete, TokenKind::StringLeftPiece)
        } else {
            (TokenKind::StringRightPiece, TokenKind::StringMiddlePiece)
        };
        loop {
            let Some(b) = self.peek(0) else {
                self.error(
                    self.so_far(),
                    "BCP003",
                    "The string at this location is not terminated. Terminate the string with a single quote character.",
                );
                return end;
            };
            if is_newline(b) {
                self.error(
                    self.so_far(),
                    "BCP004",
                    "The string at this location is not terminated due to an unexpected new line character.",
                );
                return end;
            }
            let escape_start = self.pos;
            self.bump();
            match b {
                b'\'' => return end,
                b'$' if self.peek(0) == Some(b'{') => {
                    self.pos += 1;
                    return open;
                }
                b'\\' => {}
                _ => continue,
            }
            if self.at_end() {
                self.error(
                    self.so_far(),
                    "BCP005",
                    "The string escape sequence is not terminated.",
                );
                return end;
            }
            if let Some(len) = strings::escape_length(&self.text[escape_start..]) {
                self.pos = escape_start + len;
                continue;
            }
            let c = self.peek(0);
            self.bump();
            if c == Some(b'u') {
                self.bad_unicode_escape(escape_start);
            } else {
                self.error(
                    Span::new(escape_start, self.pos),
                    "BCP006",
                    "The specified escape sequence is not recognized. Only the following escape sequences are allowed: \\$, \\', \\\\, \\n, \\r, \\t, \\u{...}.",
                );
            }
        }
    }

    /// After `\u` that is not a valid escape: steps over what the compiler steps over,
    /// reporting the escape unless the string ends first (that is reported then).
    fn bad_unicode_escape(&mut self, escape_start: usize) {
        let report = |lexer: &mut Self| {
            lexer.error(
                Span::new(escape_start, lexer.pos),
                "BCP133",
                "The unicode escape sequence is not valid. Valid unicode escape sequences range from \\u{0} to \\u{10FFFF}.",
            )
        };
        if self.at_end() {
            return;
        }
        if self.peek(0) != Some(b'{') {
            return report(self);
        }
        self.pos += 1;
        if self.at_end() {
            return;
        }
        let digits = self.pos;
        while self.peek(0).is_some_and(|b| b.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        if self.at_end() {
            return;
        }
        if self.pos == digits || self.peek(0) != Some(b'}') {
            return report(self);
        }
        self.pos += 1;
        // Only reached when the code point is out of range (a valid escape was taken
        // before this function is called).
        report(self)
    }

    /// The rest of a multi-line string piece after `'''` (or `}`): up to three or more
    /// quotes (complete / right piece) or, when the string was opened with `dollars`
    /// `$` signs, at least that many `$` and a `{` (left / middle piece).
    fn multiline_string(&mut self, first: bool, dollars: usize) -> TokenKind {
        let (end, open) = if first {
            (TokenKind::StringComplete, TokenKind::StringLeftPiece)
        } else {
            (TokenKind::StringRightPiece, TokenKind::StringMiddlePiece)
        };
        while let Some(b) = self.peek(0) {
            match b {
                b'$' => {
                    let run = self.run_of(b'$');
                    if dollars > 0 && run >= dollars && self.peek(0) == Some(b'{') {
                        self.pos += 1;
                        return open;
                    }
                }
                b'\'' => {
                    if self.run_of(b'\'') >= 3 {
                        return end;
                    }
                }
                _ => self.bump(),
            }
        }
        self.error(
            self.so_far(),
            "BCP140",
            "The multi-line string at this location is not terminated. Terminate it with \"'''\".",
        );
        end
    }

    /// The token scanned so far.
    fn so_far(&self) -> Span {
        Span::new(self.token_start, self.pos)
    }

    /// Steps over a run of byte `b` and returns its length.
    fn run_of(&mut self, b: u8) -> usize {
        let start = self.pos;
        while self.peek(0) == Some(b) {
            self.pos += 1;
        }
        self.pos - start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        lex(text)
            .tokens
            .iter()
            .map(|t| (t.kind, t.span.text(text)))
            .collect()
    }

    #[test]
    fn operators() {
        let got: Vec<TokenKind> = kinds("?: ?? .? ! =~ !~ && || ... => :: != == <= >= < > = ^ % ;")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            got,
            vec![
                Question,
                Colon,
                DoubleQuestion,
                Dot,
                Question,
                Exclamation,
                EqualsInsensitive,
                NotEqualsInsensitive,
                LogicalAnd,
                LogicalOr,
                Ellipsis,
                Arrow,
                DoubleColon,
                NotEquals,
                Equals,
                LessThanOrEqual,
                GreaterThanOrEqual,
                LeftChevron,
                RightChevron,
                Assignment,
                Hat,
                Modulo,
                Semicolon,
                EndOfFile
            ]
        );
    }

    #[test]
    fn interpolation_pieces() {
        assert_eq!(
            kinds("'a${x}b${y}c'"),
            vec![
                (StringLeftPiece, "'a${"),
                (Identifier, "x"),
                (StringMiddlePiece, "}b${"),
                (Identifier, "y"),
                (StringRightPiece, "}c'"),
                (EndOfFile, "")
            ]
        );
        // Nested strings in holes.
        assert_eq!(
            kinds("'${'${1}'}'"),
            vec![
                (StringLeftPiece, "'${"),
                (StringLeftPiece, "'${"),
                (Integer, "1"),
                (StringRightPiece, "}'"),
                (StringRightPiece, "}'"),
                (EndOfFile, "")
            ]
        );
    }

    #[test]
    fn multiline_strings() {
        assert_eq!(
            kinds("'''a\n'b''''"),
            vec![(StringComplete, "'''a\n'b''''"), (EndOfFile, "")]
        );
        assert_eq!(
            kinds("$$'''${x} $${y}'''"),
            vec![
                (StringLeftPiece, "$$'''${x} $${"),
                (Identifier, "y"),
                (StringRightPiece, "}'''"),
                (EndOfFile, "")
            ]
        );
        let lexed = lex("'''abc");
        assert_eq!(lexed.errors[0].code, "BCP140");
    }

    #[test]
    fn newlines_comments_and_bom() {
        let text = "\u{feff}var // c\r\n\r\n/* b */ x\n";
        let lexed = lex(text);
        let got: Vec<_> = lexed
            .tokens
            .iter()
            .map(|t| (t.kind, t.span.text(text)))
            .collect();
        assert_eq!(
            got,
            vec![
                (Identifier, "var"),
                (NewLine, "\r\n\r\n"),
                (Identifier, "x"),
                (NewLine, "\n"),
                (EndOfFile, "")
            ]
        );
        assert_eq!(lexed.tokens[0].span, Span::new(3, 6));
        assert!(lexed.tokens[2].comment_before);
        assert_eq!(lexed.comments.len(), 2);
        assert_eq!(lexed.comments[0].text, " c");
        assert_eq!(lexed.comments[1].text, " b ");
    }

    #[test]
    fn directives() {
        let text =
            "#disable-next-line BCP081 no-unused-params   // why\nvar x = 1 #disable-next-line\n";
        let lexed = lex(text);
        assert_eq!(lexed.directives.len(), 1);
        let d = &lexed.directives[0];
        assert_eq!(d.kind, DirectiveKind::DisableNextLine);
        assert_eq!(
            d.span.text(text),
            "#disable-next-line BCP081 no-unused-params"
        );
        let codes: Vec<&str> = d.codes.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, vec!["BCP081", "no-unused-params"]);
        assert_eq!(lexed.comments[0].text, " why");
        // Not at the start of its line: an unrecognized `#`.
        assert!(lexed.tokens.iter().any(|t| t.kind == Unrecognized));
        assert!(lexed.errors.iter().any(|e| e.code == "BCP001"));
        let lexed = lex("#disable-next-line\n");
        assert_eq!(lexed.errors[0].code, "BCP226");
    }

    #[test]
    fn string_errors() {
        assert_eq!(lex("'abc").errors[0].code, "BCP003");
        assert_eq!(lex("'abc\n").errors[0].code, "BCP004");
        assert_eq!(lex("'\\q'").errors[0].code, "BCP006");
        assert_eq!(lex("'\\u{110000}'").errors[0].code, "BCP133");
        assert_eq!(lex("'\\u{'").errors[0].code, "BCP133");
        assert_eq!(lex("'\\").errors[0].code, "BCP005");
        assert!(lex("'\\u{1F600} \\n \\$ \\${'").errors.is_empty());
        assert_eq!(lex("\"x\"").errors[0].code, "BCP103");
    }

    #[test]
    fn newline_inside_hole() {
        let text = "'${a\nb";
        assert_eq!(
            kinds(text),
            vec![
                (StringLeftPiece, "'${"),
                (Identifier, "a"),
                (StringRightPiece, ""),
                (NewLine, "\n"),
                (Identifier, "b"),
                (EndOfFile, "")
            ]
        );
    }

    #[test]
    fn non_ascii_outside_strings_is_one_token_per_char() {
        let text = "é💪";
        assert_eq!(
            kinds(text),
            vec![(Unrecognized, "é"), (Unrecognized, "💪"), (EndOfFile, "")]
        );
    }
}
