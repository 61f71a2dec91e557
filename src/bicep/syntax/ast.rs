//! The Bicep syntax tree.
//!
//! Shape: a [`Program`] is a list of [`Statement`]s; each has its decorators and a
//! [`StatementKind`] (one struct per declaration). Values are [`Expr`]s and types
//! are [`TypeExpr`]s, each a span plus a `kind` enum, children boxed. Every node has a
//! [`Span`] of byte offsets into the source text, covering the node's whole text.
//!
//! Errors: parsing never stops, so parts that could not be parsed are still in the
//! tree, as [`ExprKind::Error`], [`TypeKind::Error`], [`StatementKind::Error`],
//! [`ObjectItem::Error`] and the like, spanning the tokens that were skipped; a
//! missing name is an [`Ident`] with an empty `name` ([`Ident::is_missing`]); a
//! missing or malformed required string is `None`. Each of them comes with at least
//! one [`SyntaxError`](super::SyntaxError) in [`Parsed::errors`](super::Parsed), except
//! where the lexer already reported the cause (an unterminated string).
//!
//! Walking: match on the kinds, or implement [`Visitor`](super::visit::Visitor), whose
//! default methods visit every child in source order.

use super::span::Span;

/// A whole `.bicep` or `.bicepparam` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub span: Span,
    pub statements: Vec<Statement>,
}

/// A name: a declaration's symbolic name, a property name, a variable reference...
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// Empty when the name was missing or malformed (an error was reported).
    pub name: String,
    pub span: Span,
}

impl Ident {
    /// The name was missing or malformed; its span is where it was expected (or the
    /// tokens skipped there).
    pub fn is_missing(&self) -> bool {
        self.name.is_empty()
    }
}

/// A top-level declaration (or a nested `resource` inside a resource body) with the
/// decorators written above it.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// From the first decorator (or the keyword) to the end of the declaration; the
    /// line break after it is not included.
    pub span: Span,
    pub decorators: Vec<Decorator>,
    pub kind: StatementKind,
}

/// The declarations. `.bicep` files have the first group; `.bicepparam` files have
/// `Using`, `Extends`, `ParamAssignment`, `ExtensionConfig` and also `Var`, `Type`,
/// `Import` and `Extension`.
#[derive(Clone, Debug, PartialEq)]
pub enum StatementKind {
    /// `targetScope = 'subscription'`
    TargetScope(TargetScopeDecl),
    /// `metadata name = value`
    Metadata(MetadataDecl),
    /// `param name type = default` or `param name resource 'T@v'`
    Param(ParamDecl),
    /// `var name [type] = value`
    Var(VarDecl),
    /// `resource name 'T@v' [existing] = body`
    Resource(ResourceDecl),
    /// `module name 'path' = body`
    Module(ModuleDecl),
    /// `output name type = value` or `output name resource ['T@v'] = value`
    Output(OutputDecl),
    /// `type name = type`
    Type(TypeDecl),
    /// `func name(params) returnType => body`
    Func(FuncDecl),
    /// `import {a, b as c} from 'path'` or `import * as ns from 'path'`
    Import(ImportDecl),
    /// `extension spec [with {...}] [as alias]`, also the older `import 'spec'` and
    /// `provider 'spec'` spellings.
    Extension(ExtensionDecl),
    /// `test name 'path' = {...}` (the compiler's experimental test framework).
    Test(TestDecl),
    /// `assert name = condition` (experimental).
    Assert(AssertDecl),
    /// `.bicepparam`: `using 'path' [with {...}]` or `using none`.
    Using(UsingDecl),
    /// `.bicepparam`: `extends 'path'`.
    Extends(ExtendsDecl),
    /// `.bicepparam`: `param name = value`.
    ParamAssignment(ParamAssignment),
    /// `.bicepparam`: `extensionConfig alias with {...}`.
    ExtensionConfig(ExtensionConfigDecl),
    /// A declaration that could not be parsed (its tokens up to the end of its line
    /// were skipped), or decorators followed by no declaration.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TargetScopeDecl {
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MetadataDecl {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub name: Ident,
    /// The declared type; `resource 'T@v'` is [`TypeKind::Resource`].
    pub ty: TypeExpr,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    pub name: Ident,
    /// `var x string = ...` (typed variables).
    pub ty: Option<TypeExpr>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDecl {
    pub name: Ident,
    /// The type string, `'Microsoft.X/y@2024-01-01'`; `None` if missing or malformed.
    pub type_string: Option<StringExpr>,
    /// The span of `existing`, when present.
    pub existing: Option<Span>,
    /// The body: [`ExprKind::Object`], [`ExprKind::If`] (a condition and an object) or
    /// [`ExprKind::For`] (whose body is an object or an `If`); [`ExprKind::Error`]
    /// when none could be parsed.
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModuleDecl {
    pub name: Ident,
    /// `'./x.bicep'`, `'br:registry/path:tag'`, `'br/alias:path:tag'`,
    /// `'ts:sub/rg/spec:version'`, `'ts/alias:...'`; `None` if missing or malformed.
    pub path: Option<StringExpr>,
    /// As for [`ResourceDecl::body`].
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputDecl {
    pub name: Ident,
    /// The type; `resource` with or without a type string is [`TypeKind::Resource`].
    pub ty: TypeExpr,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeDecl {
    pub name: Ident,
    pub value: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FuncDecl {
    pub name: Ident,
    pub lambda: TypedLambda,
}

/// `(a string, b int) string => body`, the value of a `func`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypedLambda {
    pub span: Span,
    pub params: Vec<TypedParam>,
    pub return_type: TypeExpr,
    pub body: Expr,
}

/// One parameter of a [`TypedLambda`]: `name type`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypedParam {
    pub span: Span,
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportDecl {
    pub target: ImportTarget,
    /// The `from` path; `None` if missing or malformed.
    pub from: Option<StringExpr>,
}

/// What an `import` brings in.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportTarget {
    /// `{a, b as c, 'd.e' as f}`
    Symbols {
        span: Span,
        symbols: Vec<ImportedSymbol>,
    },
    /// `* as ns`
    Wildcard { span: Span, alias: Ident },
    /// Neither could be parsed.
    Error(Span),
}

/// One item of an import list.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedSymbol {
    pub span: Span,
    /// The exported name: an identifier, or a string for names that are not
    /// identifiers (`'a.b' as c`).
    pub name: ImportedName,
    pub alias: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ImportedName {
    Ident(Ident),
    String(StringExpr),
    /// Could not be parsed.
    Error(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExtensionDecl {
    /// Which keyword introduced it.
    pub keyword: ExtensionKeyword,
    /// `'br:...@1.0.0'`, `'az@1.0.0'`, or a bare name such as `kubernetes`.
    pub spec: ExtensionSpec,
    /// `with {...}`: the configuration object.
    pub config: Option<Expr>,
    /// `as alias`
    pub alias: Option<Ident>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtensionKeyword {
    Extension,
    /// `import 'spec'`, the spelling before Bicep 0.23.
    Import,
    /// `provider 'spec'`, the spelling of Bicep 0.23 to 0.29.
    Provider,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExtensionSpec {
    String(StringExpr),
    Ident(Ident),
    /// Missing or malformed.
    Error(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestDecl {
    pub name: Ident,
    pub path: Option<StringExpr>,
    /// An [`ExprKind::Object`], or [`ExprKind::Error`].
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssertDecl {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UsingDecl {
    pub target: UsingTarget,
    /// `with {...}`
    pub config: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum UsingTarget {
    /// `using './main.bicep'` (or a registry / template spec reference).
    Path(StringExpr),
    /// `using none`: the span of `none`.
    None(Span),
    /// Missing or malformed.
    Error(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExtendsDecl {
    pub path: Option<StringExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamAssignment {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExtensionConfigDecl {
    pub alias: Ident,
    /// The object after `with`, or [`ExprKind::Error`].
    pub config: Expr,
}

/// `@name(args)` or `@ns.name(args)` above a declaration, an object type property or
/// a tuple item.
#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    /// From `@` to the end of the expression.
    pub span: Span,
    /// Usually an [`ExprKind::Call`] (`@secure()`) or an [`ExprKind::MethodCall`] on a
    /// namespace (`@sys.description('x')`); the compiler also lets a bare name or
    /// property access through the parser (`@secure`), rejecting it later.
    pub expr: Expr,
}

impl Decorator {
    /// The decorator's function name (`description` for `@sys.description(...)`).
    pub fn name(&self) -> Option<&Ident> {
        match &self.expr.kind {
            ExprKind::Call { name, .. } | ExprKind::MethodCall { name, .. } => Some(name),
            ExprKind::Ident(name) => Some(name),
            ExprKind::Property { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The namespace written before the name (`sys` for `@sys.description(...)`).
    pub fn namespace(&self) -> Option<&Ident> {
        match &self.expr.kind {
            ExprKind::MethodCall { receiver, .. } | ExprKind::Property { base: receiver, .. } => {
                match &receiver.kind {
                    ExprKind::Ident(ns) => Some(ns),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The call's arguments (empty for a bare name).
    pub fn args(&self) -> &[Expr] {
        match &self.expr.kind {
            ExprKind::Call { args, .. } | ExprKind::MethodCall { args, .. } => args,
            _ => &[],
        }
    }
}

/// A string literal, with or without interpolation.
///
/// `'a${x}b${y}c'` has `segments` `a`, `b`, `c` and `holes` `x`, `y`: there is
/// always one more segment than holes, and they alternate segment, hole, segment...
/// A segment's `value` is decoded (escapes applied; for multi-line strings the line
/// break after the opening `'''` dropped); its `span` is its token's, delimiters
/// included (`'a${`, `}b${`, `}c'`).
#[derive(Clone, Debug, PartialEq)]
pub struct StringExpr {
    pub span: Span,
    /// `'''...'''` or `$'''...'''` rather than `'...'`.
    pub multiline: bool,
    pub segments: Vec<StringSegment>,
    pub holes: Vec<Expr>,
}

/// The literal text of a [`StringExpr`] between holes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringSegment {
    pub value: String,
    pub span: Span,
}

impl StringExpr {
    /// The value of a string without holes.
    pub fn as_plain(&self) -> Option<&str> {
        match (self.holes.is_empty(), self.segments.first()) {
            (true, Some(s)) => Some(&s.value),
            _ => None,
        }
    }

    /// The parts in source order: text, hole, text, ... (empty texts included).
    pub fn parts(&self) -> impl Iterator<Item = StringPart<'_>> {
        let mut holes = self.holes.iter();
        self.segments.iter().enumerate().flat_map(move |(i, s)| {
            let hole = if i + 1 < self.segments.len() {
                holes.next().map(StringPart::Hole)
            } else {
                None
            };
            std::iter::once(StringPart::Text(s)).chain(hole)
        })
    }
}

/// One part of a [`StringExpr`], from [`StringExpr::parts`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StringPart<'a> {
    Text(&'a StringSegment),
    Hole(&'a Expr),
}

/// A value expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
    /// How many levels deep this subtree is (1 for a leaf). The parser keeps every
    /// tree below [`MAX_HEIGHT`](super::parser::MAX_HEIGHT) levels (plus a few), so
    /// recursive walks over it cannot overflow the stack.
    pub height: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true`, `false`
    Bool(bool),
    /// A non-negative integer literal (`-1` is [`UnaryOp::Minus`] applied to `1`).
    Int(u64),
    /// A string, interpolated or not.
    String(StringExpr),
    /// `[a, b]` or items on separate lines.
    Array(Vec<ArrayItem>),
    /// `{ key: value, ...spread }`; in a resource body, nested resources too.
    Object(Vec<ObjectItem>),
    /// A name: a parameter, variable, resource, module, loop variable, lambda
    /// parameter, or a namespace such as `az` or `sys`.
    Ident(Ident),
    /// `name(args)`
    Call { name: Ident, args: Vec<Expr> },
    /// `receiver.name(args)`: `az.resourceGroup()`, `sys.concat(...)`, and calls on
    /// values such as `kv.getSecret('x')`.
    MethodCall {
        receiver: Box<Expr>,
        name: Ident,
        args: Vec<Expr>,
    },
    /// `base.name`, or `base.?name` when `safe`.
    Property {
        base: Box<Expr>,
        name: Ident,
        safe: bool,
    },
    /// `base[index]`; `base[?index]` when `safe`; `base[^index]` (from the end) when
    /// `from_end`.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
        from_end: bool,
    },
    /// `base::name`: a nested resource of a resource.
    ResourceAccess { base: Box<Expr>, name: Ident },
    /// `base!`: asserts a value is not null.
    NonNull(Box<Expr>),
    /// `!x`, `-x`
    Unary { op: UnaryOp, operand: Box<Expr> },
    /// `left op right`
    Binary {
        op: BinaryOp,
        /// The operator token.
        op_span: Span,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `condition ? then : otherwise`
    Ternary {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `x => body` or `(x, y) => body`
    Lambda { params: Vec<Ident>, body: Box<Expr> },
    /// `(expr)`
    Paren(Box<Expr>),
    /// `[for item in iterable: body]`, `[for (item, index) in iterable: body]`.
    For(Box<ForExpr>),
    /// `if (condition) { ... }`: only as a resource or module body, or as the body of
    /// a loop that is one. `condition` is the [`ExprKind::Paren`] as written.
    If {
        condition: Box<Expr>,
        body: Box<Expr>,
    },
    /// What could not be parsed here (the span covers the tokens skipped; it is empty
    /// where an expression was missing).
    Error,
}

/// A loop: `[for (item, index) in iterable: body]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ForExpr {
    /// The item variable; missing in an erroneous loop header.
    pub item: Ident,
    pub index: Option<Ident>,
    pub iterable: Expr,
    /// Any expression; in a resource or module declaration an object, or an
    /// [`ExprKind::If`] (a filter: `[for x in xs: if (x.enabled) {...}]`).
    pub body: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Minus,
}

/// Binary operators, from loosest to tightest binding:
/// `??` < `||` < `&&` < equality (`==` `!=` `=~` `!~`) < relational (`<` `<=` `>`
/// `>=`) < additive (`+` `-`) < multiplicative (`*` `/` `%`); all left-associative.
/// The ternary `? :` binds looser than all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Coalesce,
    Or,
    And,
    Equals,
    NotEquals,
    EqualsInsensitive,
    NotEqualsInsensitive,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Coalesce => "??",
            Or => "||",
            And => "&&",
            Equals => "==",
            NotEquals => "!=",
            EqualsInsensitive => "=~",
            NotEqualsInsensitive => "!~",
            Less => "<",
            LessOrEqual => "<=",
            Greater => ">",
            GreaterOrEqual => ">=",
            Add => "+",
            Subtract => "-",
            Multiply => "*",
            Divide => "/",
            Modulo => "%",
        }
    }

    /// Binding strength: higher binds tighter.
    pub fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Coalesce => 1,
            Or => 2,
            And => 3,
            Equals | NotEquals | EqualsInsensitive | NotEqualsInsensitive => 4,
            Less | LessOrEqual | Greater | GreaterOrEqual => 5,
            Add | Subtract => 6,
            Multiply | Divide | Modulo => 7,
        }
    }
}

/// An item of an array literal.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayItem {
    Value(Expr),
    /// `...expr`; the span covers the `...`.
    Spread {
        span: Span,
        value: Expr,
    },
}

/// An item of an object literal.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectItem {
    /// `key: value`
    Property {
        span: Span,
        key: ObjectKey,
        value: Expr,
    },
    /// `...expr`
    Spread { span: Span, value: Expr },
    /// A nested `resource` declaration inside a resource body.
    Resource(Box<Statement>),
    /// An item that could not be parsed.
    Error(Span),
}

/// An object property's key.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectKey {
    /// `name: ...`
    Ident(Ident),
    /// `'name': ...`, possibly interpolated (`'${prefix}-x': ...`).
    String(StringExpr),
    /// Could not be parsed.
    Error(Span),
}

impl ObjectKey {
    pub fn span(&self) -> Span {
        match self {
            ObjectKey::Ident(i) => i.span,
            ObjectKey::String(s) => s.span,
            ObjectKey::Error(span) => *span,
        }
    }

    /// The key's name when it is fixed (an identifier or a string without holes).
    pub fn as_name(&self) -> Option<&str> {
        match self {
            ObjectKey::Ident(i) if !i.is_missing() => Some(&i.name),
            ObjectKey::String(s) => s.as_plain(),
            _ => None,
        }
    }
}

/// A type expression: after `param x`, `output x`, `var x`, in `type t = ...`, in a
/// `func`'s signature.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub span: Span,
    pub kind: TypeKind,
    /// As [`Expr::height`].
    pub height: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// A type name: `string`, `int`, `bool`, `object`, `array`, `any`, a declared or
    /// imported type.
    Name(Ident),
    /// `base.name`: `sys.string`, `ns.importedType`, or a property's type
    /// `myType.prop`.
    Property { base: Box<TypeExpr>, name: Ident },
    /// `base[index]`: a tuple item's type (`myTuple[0]`).
    Index {
        base: Box<TypeExpr>,
        index: Box<Expr>,
    },
    /// `base[*]`: the item type of an array type.
    Items(Box<TypeExpr>),
    /// `base.*`: the additional properties type of an object type.
    AdditionalProperties(Box<TypeExpr>),
    /// `name<args>` (`resourceInput<'T@v'>`, `resourceOutput<'T@v'>`), or
    /// `base.name<args>` (`sys.resourceInput<'T@v'>`) when `base` is set.
    Generic {
        base: Option<Box<TypeExpr>>,
        name: Ident,
        args: Vec<TypeExpr>,
    },
    /// A literal type: `'a'`, `1`, `true`, `null`.
    Literal(LiteralType),
    /// `-1` or `!true` as a type.
    Unary { op: UnaryOp, operand: Box<TypeExpr> },
    /// `T[]`
    Array(Box<TypeExpr>),
    /// `T?`
    Nullable(Box<TypeExpr>),
    /// `T!`
    NonNullable(Box<TypeExpr>),
    /// `'a' | 'b'` (a leading `|` is allowed, and `|` may start a new line).
    Union(Vec<TypeExpr>),
    /// `{ name: T, 'quoted': T, *: T }`
    Object(Vec<ObjectTypeItem>),
    /// `[T, U]`
    Tuple(Vec<TupleItem>),
    /// `(T)`
    Paren(Box<TypeExpr>),
    /// `resource 'T@v'` as the type of a `param` or `output`; an output may leave the
    /// type string out (`None`).
    Resource { type_string: Option<StringExpr> },
    /// Could not be parsed.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LiteralType {
    String(StringExpr),
    Int(u64),
    Bool(bool),
    Null,
}

/// An item of an object type.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectTypeItem {
    /// `@description('x') name: T`
    Property {
        span: Span,
        decorators: Vec<Decorator>,
        key: ObjectKey,
        value: TypeExpr,
    },
    /// `*: T`: the type of properties not named.
    AdditionalProperties {
        span: Span,
        decorators: Vec<Decorator>,
        value: TypeExpr,
    },
    /// An item that could not be parsed.
    Error(Span),
}

/// An item of a tuple type, with its decorators.
#[derive(Clone, Debug, PartialEq)]
pub struct TupleItem {
    pub span: Span,
    pub decorators: Vec<Decorator>,
    pub ty: TypeExpr,
}

impl Statement {
    /// The declared symbolic name (`x` in `param x ...`, `resource x ...`, `func x`,
    /// `extensionConfig x`...), for the declarations that have one.
    pub fn name(&self) -> Option<&Ident> {
        use StatementKind::*;
        match &self.kind {
            Metadata(d) => Some(&d.name),
            Param(d) => Some(&d.name),
            Var(d) => Some(&d.name),
            Resource(d) => Some(&d.name),
            Module(d) => Some(&d.name),
            Output(d) => Some(&d.name),
            Type(d) => Some(&d.name),
            Func(d) => Some(&d.name),
            Test(d) => Some(&d.name),
            Assert(d) => Some(&d.name),
            ParamAssignment(d) => Some(&d.name),
            ExtensionConfig(d) => Some(&d.alias),
            Extension(d) => d.alias.as_ref(),
            TargetScope(_) | Import(_) | Using(_) | Extends(_) | Error => None,
        }
    }
}
