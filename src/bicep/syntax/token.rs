//! Tokens, and the trivia (comments, diagnostic directives) kept beside them.
//!
//! Token kinds are named after the Bicep compiler's own token types so that the lexer
//! can be checked token for token against the compiler's golden lexer output (see
//! `tests/bicep_syntax.rs`); [`TokenKind::name`] gives that name.

use super::span::Span;

/// What a token is. Keywords such as `param` or `resource` are contextual in Bicep, so
/// they lex as [`TokenKind::Identifier`]; only `true`, `false` and `null` have kinds of
/// their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `@`
    At,
    /// A character that starts no token (one character), `&` alone, `$` not followed
    /// by `'''`, `"`, or a `#` that is not a directive at the start of a line.
    Unrecognized,
    /// `{`
    LeftBrace,
    /// `}`
    RightBrace,
    /// `(`
    LeftParen,
    /// `)`
    RightParen,
    /// `[`
    LeftSquare,
    /// `]`
    RightSquare,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `?`
    Question,
    /// `:`
    Colon,
    /// `;`
    Semicolon,
    /// `=`
    Assignment,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Asterisk,
    /// `/`
    Slash,
    /// `%`
    Modulo,
    /// `!`
    Exclamation,
    /// `<`
    LeftChevron,
    /// `>`
    RightChevron,
    /// `<=`
    LessThanOrEqual,
    /// `>=`
    GreaterThanOrEqual,
    /// `==`
    Equals,
    /// `!=`
    NotEquals,
    /// `=~`
    EqualsInsensitive,
    /// `!~`
    NotEqualsInsensitive,
    /// `&&`
    LogicalAnd,
    /// `||`
    LogicalOr,
    /// `[a-zA-Z_][a-zA-Z0-9_]*`, keywords included.
    Identifier,
    /// The start of an interpolated string up to its first hole: `'abc${`, or
    /// `$'''abc${` for a multi-line one.
    StringLeftPiece,
    /// Text between two holes: `}abc${`.
    StringMiddlePiece,
    /// Text after the last hole: `}abc'` (or `}abc'''`). Zero-length when a line ends
    /// inside a hole.
    StringRightPiece,
    /// A string without holes: `'abc'`, `'''abc'''`, `$'''abc'''`.
    StringComplete,
    /// Decimal digits.
    Integer,
    /// `true`
    TrueKeyword,
    /// `false`
    FalseKeyword,
    /// `null`
    NullKeyword,
    /// One or more consecutive `\n` / `\r` characters.
    NewLine,
    /// The zero-length end of the text; always the last token.
    EndOfFile,
    /// `??`
    DoubleQuestion,
    /// `::`
    DoubleColon,
    /// `=>`
    Arrow,
    /// `|`
    Pipe,
    /// `...`
    Ellipsis,
    /// `^`
    Hat,
    /// `$` (the compiler reserves the kind; its lexer never produces it, and neither
    /// does this one).
    Dollar,
}

impl TokenKind {
    /// The compiler's name for this kind, as in its `main.tokens.bicep` files.
    pub fn name(self) -> &'static str {
        use TokenKind::*;
        match self {
            At => "At",
            Unrecognized => "Unrecognized",
            LeftBrace => "LeftBrace",
            RightBrace => "RightBrace",
            LeftParen => "LeftParen",
            RightParen => "RightParen",
            LeftSquare => "LeftSquare",
            RightSquare => "RightSquare",
            Comma => "Comma",
            Dot => "Dot",
            Question => "Question",
            Colon => "Colon",
            Semicolon => "Semicolon",
            Assignment => "Assignment",
            Plus => "Plus",
            Minus => "Minus",
            Asterisk => "Asterisk",
            Slash => "Slash",
            Modulo => "Modulo",
            Exclamation => "Exclamation",
            LeftChevron => "LeftChevron",
            RightChevron => "RightChevron",
            LessThanOrEqual => "LessThanOrEqual",
            GreaterThanOrEqual => "GreaterThanOrEqual",
            Equals => "Equals",
            NotEquals => "NotEquals",
            EqualsInsensitive => "EqualsInsensitive",
            NotEqualsInsensitive => "NotEqualsInsensitive",
            LogicalAnd => "LogicalAnd",
            LogicalOr => "LogicalOr",
            Identifier => "Identifier",
            StringLeftPiece => "StringLeftPiece",
            StringMiddlePiece => "StringMiddlePiece",
            StringRightPiece => "StringRightPiece",
            StringComplete => "StringComplete",
            Integer => "Integer",
            TrueKeyword => "TrueKeyword",
            FalseKeyword => "FalseKeyword",
            NullKeyword => "NullKeyword",
            NewLine => "NewLine",
            EndOfFile => "EndOfFile",
            DoubleQuestion => "DoubleQuestion",
            DoubleColon => "DoubleColon",
            Arrow => "Arrow",
            Pipe => "Pipe",
            Ellipsis => "Ellipsis",
            Hat => "Hat",
            Dollar => "Dollar",
        }
    }

    /// Whether this kind is one of the four string pieces.
    pub fn is_string(self) -> bool {
        matches!(
            self,
            TokenKind::StringComplete
                | TokenKind::StringLeftPiece
                | TokenKind::StringMiddlePiece
                | TokenKind::StringRightPiece
        )
    }
}

/// One token: its kind and where it is. Its text is `span.text(source)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    /// A comment lies between the previous token and this one. The parser needs it in
    /// one place: a line of comments between the last argument of a call and its `)`.
    pub comment_before: bool,
}

/// Whether a comment is `// ...` or `/* ... */`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    Line,
    Block,
}

/// A comment, kept so that inline suppressions (`// aksgate-ignore AKS007: reason`)
/// can be found and placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub kind: CommentKind,
    /// The whole comment, delimiters included (a line comment stops before its line
    /// break; an unterminated block comment runs to the end of the text).
    pub span: Span,
    /// The comment's text without its delimiters.
    pub text: String,
}

/// Which diagnostics directive a `#...` line holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectiveKind {
    /// `#disable-next-line CODE...`: silence CODEs on the next line.
    DisableNextLine,
    /// `#disable-diagnostics CODE...`: silence CODEs until restored.
    DisableDiagnostics,
    /// `#restore-diagnostics CODE...`
    RestoreDiagnostics,
}

impl DirectiveKind {
    /// The keyword after `#`.
    pub fn keyword(self) -> &'static str {
        match self {
            DirectiveKind::DisableNextLine => "disable-next-line",
            DirectiveKind::DisableDiagnostics => "disable-diagnostics",
            DirectiveKind::RestoreDiagnostics => "restore-diagnostics",
        }
    }
}

/// A diagnostics directive such as `#disable-next-line BCP081 no-unused-params`. Like
/// the compiler, a directive is only recognised when nothing but blanks precede it on
/// its line; it is trivia, not a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub kind: DirectiveKind,
    /// From `#` to the end of the last code (or of the keyword when there is none).
    pub span: Span,
    /// The codes named, each with its span (BCP codes, linter rule names, or any other
    /// run of identifier characters and `-`).
    pub codes: Vec<(String, Span)>,
}
