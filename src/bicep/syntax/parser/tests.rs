//! Parser tests: each construct, precedence, newline rules, spans, recovery, limits.
//! Trees are compared through a compact s-expression rendering.

use crate::bicep::syntax::ast::*;
use crate::bicep::syntax::{parse, parse_bicepparam, Parsed, Span};

fn sx(e: &Expr) -> String {
    let list = |items: &[Expr]| items.iter().map(sx).collect::<Vec<_>>().join(" ");
    match &e.kind {
        ExprKind::Null => "null".into(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::String(s) => string(s),
        ExprKind::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| match i {
                    ArrayItem::Value(v) => sx(v),
                    ArrayItem::Spread { value, .. } => format!("...{}", sx(value)),
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::Object(items) => format!(
            "{{{}}}",
            items
                .iter()
                .map(|i| match i {
                    ObjectItem::Property { key, value, .. } => format!(
                        "{}: {}",
                        match key {
                            ObjectKey::Ident(i) => i.name.clone(),
                            ObjectKey::String(s) => string(s),
                            ObjectKey::Error(_) => "ERR".into(),
                        },
                        sx(value)
                    ),
                    ObjectItem::Spread { value, .. } => format!("...{}", sx(value)),
                    ObjectItem::Resource(s) => format!("resource {}", stmt_name(s)),
                    ObjectItem::Error(_) => "ERR".into(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Ident(i) => i.name.clone(),
        ExprKind::Call { name, args } => format!("{}({})", name.name, list(args)),
        ExprKind::MethodCall {
            receiver,
            name,
            args,
        } => format!("{}.{}({})", sx(receiver), name.name, list(args)),
        ExprKind::Property { base, name, safe } => {
            format!(
                "({} {} {})",
                if *safe { ".?" } else { "." },
                sx(base),
                name.name
            )
        }
        ExprKind::Index {
            base,
            index,
            safe,
            from_end,
        } => format!(
            "([{}{}] {} {})",
            if *safe { "?" } else { "" },
            if *from_end { "^" } else { "" },
            sx(base),
            sx(index)
        ),
        ExprKind::ResourceAccess { base, name } => format!("(:: {} {})", sx(base), name.name),
        ExprKind::NonNull(b) => format!("(nonnull {})", sx(b)),
        ExprKind::Unary { op, operand } => format!(
            "({} {})",
            match op {
                UnaryOp::Not => "not",
                UnaryOp::Minus => "neg",
            },
            sx(operand)
        ),
        ExprKind::Binary {
            op, left, right, ..
        } => format!("({} {} {})", op.symbol(), sx(left), sx(right)),
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => format!("(? {} {} {})", sx(condition), sx(then), sx(otherwise)),
        ExprKind::Lambda { params, body } => format!(
            "(=> {}{})",
            params
                .iter()
                .map(|p| format!("{} ", p.name))
                .collect::<String>(),
            sx(body)
        ),
        ExprKind::Paren(inner) => format!("(paren {})", sx(inner)),
        ExprKind::For(f) => format!(
            "(for {}{} {} {})",
            f.item.name,
            f.index
                .as_ref()
                .map(|i| format!(",{}", i.name))
                .unwrap_or_default(),
            sx(&f.iterable),
            sx(&f.body)
        ),
        ExprKind::If { condition, body } => format!("(if {} {})", sx(condition), sx(body)),
        ExprKind::Error => "ERR".into(),
    }
}

fn string(s: &StringExpr) -> String {
    let parts: Vec<String> = s
        .parts()
        .map(|p| match p {
            StringPart::Text(t) => format!("'{}'", t.value),
            StringPart::Hole(h) => sx(h),
        })
        .collect();
    if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("(str {})", parts.join(" "))
    }
}

fn tx(t: &TypeExpr) -> String {
    match &t.kind {
        TypeKind::Name(n) => n.name.clone(),
        TypeKind::Property { base, name } => format!("(. {} {})", tx(base), name.name),
        TypeKind::Index { base, index } => format!("([] {} {})", tx(base), sx(index)),
        TypeKind::Items(b) => format!("(items {})", tx(b)),
        TypeKind::AdditionalProperties(b) => format!("(additional {})", tx(b)),
        TypeKind::Generic { base, name, args } => format!(
            "{}{}<{}>",
            base.as_ref()
                .map(|b| format!("{}.", tx(b)))
                .unwrap_or_default(),
            name.name,
            args.iter().map(tx).collect::<Vec<_>>().join(", ")
        ),
        TypeKind::Literal(LiteralType::String(s)) => string(s),
        TypeKind::Literal(LiteralType::Int(i)) => i.to_string(),
        TypeKind::Literal(LiteralType::Bool(b)) => b.to_string(),
        TypeKind::Literal(LiteralType::Null) => "null".into(),
        TypeKind::Unary { op, operand } => format!(
            "({} {})",
            if *op == UnaryOp::Minus { "neg" } else { "not" },
            tx(operand)
        ),
        TypeKind::Array(b) => format!("{}[]", tx(b)),
        TypeKind::Nullable(b) => format!("{}?", tx(b)),
        TypeKind::NonNullable(b) => format!("{}!", tx(b)),
        TypeKind::Union(m) => format!("({})", m.iter().map(tx).collect::<Vec<_>>().join(" | ")),
        TypeKind::Object(items) => format!(
            "{{{}}}",
            items
                .iter()
                .map(|i| match i {
                    ObjectTypeItem::Property {
                        decorators,
                        key,
                        value,
                        ..
                    } => format!(
                        "{}{}: {}",
                        decorators
                            .iter()
                            .map(|d| format!("@{} ", d.name().map_or("?", |n| n.name.as_str())))
                            .collect::<String>(),
                        key.as_name().unwrap_or("ERR"),
                        tx(value)
                    ),
                    ObjectTypeItem::AdditionalProperties { value, .. } => {
                        format!("*: {}", tx(value))
                    }
                    ObjectTypeItem::Error(_) => "ERR".into(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeKind::Tuple(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| tx(&i.ty))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeKind::Paren(b) => format!("(paren {})", tx(b)),
        TypeKind::Resource { type_string } => format!(
            "resource {}",
            type_string.as_ref().map(string).unwrap_or_default()
        ),
        TypeKind::Error => "ERR".into(),
    }
}

fn stmt_name(s: &Statement) -> String {
    match &s.kind {
        StatementKind::Resource(r) => r.name.name.clone(),
        other => format!("{other:?}"),
    }
}

fn ok(text: &str) -> Parsed {
    let parsed = parse(text);
    assert!(parsed.errors.is_empty(), "{text:?}: {:?}", parsed.errors);
    parsed
}

/// The value of `var x = <expr>`, rendered.
fn expr(source: &str) -> String {
    let parsed = ok(&format!("var x = {source}\n"));
    match &parsed.program.statements[0].kind {
        StatementKind::Var(v) => sx(&v.value),
        other => panic!("{other:?}"),
    }
}

/// The type of `type t = <type>`, rendered.
fn ty(source: &str) -> String {
    let parsed = ok(&format!("type t = {source}\n"));
    match &parsed.program.statements[0].kind {
        StatementKind::Type(t) => tx(&t.value),
        other => panic!("{other:?}"),
    }
}

fn kinds(parsed: &Parsed) -> Vec<&StatementKind> {
    parsed.program.statements.iter().map(|s| &s.kind).collect()
}

fn codes(parsed: &Parsed) -> Vec<&str> {
    parsed.errors.iter().map(|e| e.code).collect()
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(expr("1 + 2 * 3 - 4"), "(- (+ 1 (* 2 3)) 4)");
    assert_eq!(expr("a - b - c"), "(- (- a b) c)");
    assert_eq!(expr("a / b % c * d"), "(* (% (/ a b) c) d)");
    assert_eq!(expr("a < b == c >= d"), "(== (< a b) (>= c d))");
    assert_eq!(expr("a || b && c ?? d"), "(?? (|| a (&& b c)) d)");
    assert_eq!(expr("a ?? b ?? c"), "(?? (?? a b) c)");
    assert_eq!(expr("a =~ b != c !~ d"), "(!~ (!= (=~ a b) c) d)");
    assert_eq!(expr("!a && -b"), "(&& (not a) (neg b))");
    assert_eq!(expr("-a.b"), "(neg (. a b))");
    assert_eq!(expr("a ? b : c ? d : e"), "(? a b (? c d e))");
    assert_eq!(expr("a || b ? c + 1 : d"), "(? (|| a b) (+ c 1) d)");
    assert_eq!(expr("(1 + 2) * 3"), "(* (paren (+ 1 2)) 3)");
}

#[test]
fn ternary_across_lines() {
    assert_eq!(expr("a\n  ? b\n  : c"), "(? a b c)");
}

#[test]
fn member_access() {
    assert_eq!(
        expr("a.b.?c[0][?1][^2]!::d.e(1)"),
        "(:: (nonnull ([^] ([?] ([] (.? (. a b) c) 0) 1) 2)) d).e(1)"
    );
    assert_eq!(
        expr("az.resourceGroup().location"),
        "(. az.resourceGroup() location)"
    );
    assert_eq!(expr("sys.concat('a', 'b')"), "sys.concat('a' 'b')");
    assert_eq!(expr("a[?'k']"), "([?] a 'k')");
}

#[test]
fn literals_and_collections() {
    assert_eq!(expr("null"), "null");
    assert_eq!(expr("true"), "true");
    assert_eq!(expr("18446744073709551615"), "18446744073709551615");
    assert_eq!(expr("[\n  1\n  'a'\n]"), "[1 'a']");
    assert_eq!(expr("[1, 2,]"), "[1 2]");
    assert_eq!(expr("[1, 2\n3]"), "[1 2 3]");
    assert_eq!(expr("[...a, 1]"), "[...a 1]");
    assert_eq!(
        expr("{\n  a: 1\n  'b-c': [for x in y: x]\n  ...z\n}"),
        "{a: 1, 'b-c': (for x y x), ...z}"
    );
    assert_eq!(expr("{ a: 1, b: 2 }"), "{a: 1, b: 2}");
    assert_eq!(expr("{}"), "{}");
    assert_eq!(expr("[]"), "[]");
}

#[test]
fn strings() {
    assert_eq!(expr("'a${b}c${d.e}f'"), "(str 'a' b 'c' (. d e) 'f')");
    assert_eq!(expr(r"'it\'s \${x} \u{41}'"), "'it's ${x} A'");
    assert_eq!(expr("'''\nline1\n  'quoted'\n'''"), "'line1\n  'quoted'\n'");
    // More `$` than opened the string open a hole too; the extra ones are text.
    assert_eq!(expr("$'''\n${a}-$${b}'''"), "(str '' a '-$' b '')");
    assert_eq!(expr("$$'''${a}$${b}'''"), "(str '${a}' b '')");
    assert_eq!(expr("'${'${1}'}'"), "(str '' (str '' 1 '') '')");
    let parsed = ok("var x = 'a${b}c'\n");
    let StatementKind::Var(v) = &parsed.program.statements[0].kind else {
        panic!()
    };
    let ExprKind::String(s) = &v.value.kind else {
        panic!()
    };
    assert_eq!(s.span, Span::new(8, 16));
    let spans: Vec<Span> = s.segments.iter().map(|s| s.span).collect();
    assert_eq!(spans, vec![Span::new(8, 12), Span::new(13, 16)]);
    assert_eq!(s.holes[0].span, Span::new(12, 13));
    assert!(!s.multiline);
    assert_eq!(s.as_plain(), None);
}

#[test]
fn lambdas_and_calls() {
    assert_eq!(expr("map(xs, x => x + 1)"), "map(xs (=> x (+ x 1)))");
    assert_eq!(
        expr("reduce(xs, 0, (acc, x) => acc + x)"),
        "reduce(xs 0 (=> acc x (+ acc x)))"
    );
    assert_eq!(expr("() => 1"), "(=> 1)");
    assert_eq!(expr("x =>\n  x"), "(=> x x)");
    assert_eq!(expr("f(\n  1,\n  2\n)"), "f(1 2)");
    assert_eq!(expr("f(\n  1,\n  2\n  // trailing comment\n)"), "f(1 2)");
    assert_eq!(expr("f()"), "f()");
}

#[test]
fn loops() {
    assert_eq!(expr("[for (x, i) in xs: x]"), "(for x,i xs x)");
    assert_eq!(
        expr("[for x in range(0, 3): {\n  n: x\n}]"),
        "(for x range(0 3) {n: x})"
    );
    assert_eq!(expr("[\n  for x in xs: x\n]"), "(for x xs x)");
    let parsed = ok("resource r 'T@v' = [for x in xs: if (x.on) {\n  name: x.name\n}]\n");
    let StatementKind::Resource(r) = &parsed.program.statements[0].kind else {
        panic!()
    };
    assert_eq!(
        sx(&r.body),
        "(for x xs (if (paren (. x on)) {name: (. x name)}))"
    );
}

#[test]
fn declarations() {
    let text = "targetScope = 'subscription'\n\
        metadata info = { a: 1 }\n\
        @secure()\n\
        @sys.description('pw')\n\
        param pw string\n\
        param loc string = resourceGroup().location\n\
        param st resource 'Microsoft.Storage/storageAccounts@2023-01-01'\n\
        var v int = 1\n\
        output o resource = st\n\
        output p string = 'x'\n\
        type t = 'a' | 'b'\n\
        func f(a string, b int) string => '${a}${b}'\n\
        assert ok = true\n";
    let parsed = ok(text);
    let k = kinds(&parsed);
    assert_eq!(k.len(), 11);
    assert!(matches!(k[0], StatementKind::TargetScope(_)));
    assert!(matches!(k[1], StatementKind::Metadata(m) if m.name.name == "info"));
    let names: Vec<&str> = parsed
        .program
        .statements
        .iter()
        .filter_map(|s| s.name().map(|n| n.name.as_str()))
        .collect();
    assert_eq!(
        names,
        ["info", "pw", "loc", "st", "v", "o", "p", "t", "f", "ok"]
    );
    let s = &parsed.program.statements[2];
    assert_eq!(s.decorators.len(), 2);
    assert_eq!(s.decorators[0].name().unwrap().name, "secure");
    assert_eq!(s.decorators[1].name().unwrap().name, "description");
    assert_eq!(s.decorators[1].namespace().unwrap().name, "sys");
    assert_eq!(sx(&s.decorators[1].args()[0]), "'pw'");
    assert_eq!(
        s.span.text(text),
        "@secure()\n@sys.description('pw')\nparam pw string"
    );
    let StatementKind::Param(p) = k[3] else {
        panic!()
    };
    assert_eq!(
        sx(p.default.as_ref().unwrap()),
        "(. resourceGroup() location)"
    );
    let StatementKind::Param(p) = k[4] else {
        panic!()
    };
    assert_eq!(
        tx(&p.ty),
        "resource 'Microsoft.Storage/storageAccounts@2023-01-01'"
    );
    let StatementKind::Var(v) = k[5] else {
        panic!()
    };
    assert_eq!(v.ty.as_ref().map(tx).as_deref(), Some("int"));
    let StatementKind::Output(o) = k[6] else {
        panic!()
    };
    assert_eq!(tx(&o.ty), "resource ");
    let StatementKind::Func(f) = k[9] else {
        panic!()
    };
    assert_eq!(f.lambda.params.len(), 2);
    assert_eq!(f.lambda.params[1].name.name, "b");
    assert_eq!(tx(&f.lambda.params[1].ty), "int");
    assert_eq!(tx(&f.lambda.return_type), "string");
    assert!(matches!(k[10], StatementKind::Assert(_)));
}

#[test]
fn resources_and_modules() {
    let text = "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing = {\n\
          name: 'kv'\n\
        }\n\
        resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = if (deploy) {\n\
          name: 'aks'\n\
          @batchSize(1)\n\
          resource pool 'agentPools' = {\n\
            name: 'p'\n\
          }\n\
        }\n\
        module m './m.bicep' = {\n\
          name: 'm'\n\
          params: { a: kv.getSecret('s') }\n\
        }\n\
        module r 'br/public:avm/res/x:1.0.0' = [for i in range(0, 2): {\n\
          name: 'r${i}'\n\
        }]\n\
        module c 'br:reg.azurecr.io/x:1' =\n  if (a) {\n}\n";
    let parsed = ok(text);
    let k = kinds(&parsed);
    let StatementKind::Resource(kv) = k[0] else {
        panic!()
    };
    assert!(kv.existing.is_some());
    assert_eq!(
        kv.type_string.as_ref().and_then(StringExpr::as_plain),
        Some("Microsoft.KeyVault/vaults@2023-07-01")
    );
    let StatementKind::Resource(aks) = k[1] else {
        panic!()
    };
    assert_eq!(
        sx(&aks.body),
        "(if (paren deploy) {name: 'aks', resource pool})"
    );
    let ExprKind::If { body, .. } = &aks.body.kind else {
        panic!()
    };
    let ExprKind::Object(items) = &body.kind else {
        panic!()
    };
    let ObjectItem::Resource(pool) = &items[1] else {
        panic!()
    };
    assert_eq!(pool.decorators.len(), 1);
    let StatementKind::Module(m) = k[2] else {
        panic!()
    };
    assert_eq!(
        m.path.as_ref().and_then(StringExpr::as_plain),
        Some("./m.bicep")
    );
    assert_eq!(sx(&m.body), "{name: 'm', params: {a: kv.getSecret('s')}}");
    let StatementKind::Module(r) = k[3] else {
        panic!()
    };
    assert_eq!(sx(&r.body), "(for i range(0 2) {name: (str 'r' i '')})");
    let StatementKind::Module(c) = k[4] else {
        panic!()
    };
    assert!(matches!(c.body.kind, ExprKind::If { .. }));
}

#[test]
fn a_property_named_resource_is_a_property() {
    let parsed = ok("resource r 'T@v' = {\n  resource: 'x'\n}\n");
    let StatementKind::Resource(r) = &parsed.program.statements[0].kind else {
        panic!()
    };
    assert_eq!(sx(&r.body), "{resource: 'x'}");
}

#[test]
fn types() {
    assert_eq!(ty("| 'a'\n| 'b'\n| 'c'"), "('a' | 'b' | 'c')");
    assert_eq!(ty("string[]?"), "string[]?");
    assert_eq!(ty("-1 | 2 | true | null"), "((neg 1) | 2 | true | null)");
    assert_eq!(ty("(string | int)[]"), "(paren (string | int))[]");
    assert_eq!(
        ty("{\n  @description('n')\n  name: string\n  'quoted-key': int?\n  *: bool\n}"),
        "{@description name: string, quoted-key: int?, *: bool}"
    );
    assert_eq!(ty("[string, int]"), "[string, int]");
    assert_eq!(ty("[\n  @minValue(1)\n  int\n  string\n]"), "[int, string]");
    assert_eq!(
        ty("resourceInput<'Microsoft.Storage/storageAccounts@2023-01-01'>.properties"),
        "(. resourceInput<'Microsoft.Storage/storageAccounts@2023-01-01'> properties)"
    );
    assert_eq!(ty("sys.resourceOutput<'T@v'>"), "sys.resourceOutput<'T@v'>");
    assert_eq!(ty("t[0]"), "([] t 0)");
    assert_eq!(ty("t[*]"), "(items t)");
    assert_eq!(ty("t.*"), "(additional t)");
    assert_eq!(ty("ns.myType!"), "(. ns myType)!");
}

#[test]
fn imports_and_extensions() {
    let text = "import {a, b as c, 'd.e' as f} from './x.bicep'\n\
        import * as ns from 'br/public:x:1.0'\n\
        extension microsoftGraphV1\n\
        extension 'br:mcr.microsoft.com/bicep/extensions/kubernetes:1.0' with {\n  namespace: 'x'\n} as k8s\n\
        import 'az@1.0.0'\n\
        provider 'kubernetes@1.0.0' with { kubeConfig: 'x' } as k\n";
    let parsed = ok(text);
    let k = kinds(&parsed);
    let StatementKind::Import(i) = k[0] else {
        panic!()
    };
    let ImportTarget::Symbols { symbols, .. } = &i.target else {
        panic!()
    };
    assert_eq!(symbols.len(), 3);
    assert_eq!(symbols[1].alias.as_ref().unwrap().name, "c");
    assert!(matches!(&symbols[2].name, ImportedName::String(s) if s.as_plain() == Some("d.e")));
    assert_eq!(
        i.from.as_ref().and_then(StringExpr::as_plain),
        Some("./x.bicep")
    );
    let StatementKind::Import(w) = k[1] else {
        panic!()
    };
    assert!(matches!(&w.target, ImportTarget::Wildcard { alias, .. } if alias.name == "ns"));
    assert!(
        matches!(k[2], StatementKind::Extension(e) if matches!(&e.spec, ExtensionSpec::Ident(i) if i.name == "microsoftGraphV1"))
    );
    let StatementKind::Extension(e) = k[3] else {
        panic!()
    };
    assert_eq!(e.alias.as_ref().unwrap().name, "k8s");
    assert_eq!(sx(e.config.as_ref().unwrap()), "{namespace: 'x'}");
    assert!(matches!(k[4], StatementKind::Extension(e) if e.keyword == ExtensionKeyword::Import));
    assert!(matches!(k[5], StatementKind::Extension(e) if e.keyword == ExtensionKeyword::Provider));
}

#[test]
fn bicepparam() {
    let text = "using './main.bicep'\n\
        extends './base.bicepparam'\n\
        param a = 1\n\
        param b = readEnvironmentVariable('B', 'x')\n\
        var c = a + 1\n\
        extensionConfig k8s with {\n  kubeConfig: 'x'\n}\n";
    let parsed = parse_bicepparam(text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let k = kinds(&parsed);
    assert!(
        matches!(k[0], StatementKind::Using(u) if matches!(&u.target, UsingTarget::Path(p) if p.as_plain() == Some("./main.bicep")))
    );
    assert!(matches!(k[1], StatementKind::Extends(_)));
    assert!(matches!(k[2], StatementKind::ParamAssignment(p) if p.name.name == "a"));
    assert!(matches!(k[4], StatementKind::Var(_)));
    assert!(matches!(k[5], StatementKind::ExtensionConfig(e) if e.alias.name == "k8s"));
    let none = parse_bicepparam("using none\n");
    assert!(none.errors.is_empty());
    assert!(
        matches!(kinds(&none)[0], StatementKind::Using(u) if matches!(u.target, UsingTarget::None(_)))
    );
    // A `.bicep` declaration is not one of a parameters file.
    assert_eq!(
        codes(&parse_bicepparam("resource r 'T@v' = {}\n")),
        ["BCP337"]
    );
}

#[test]
fn spans_are_exact() {
    let text = "var a = f(1, x.y)\n";
    let parsed = ok(text);
    let s = &parsed.program.statements[0];
    assert_eq!(s.span.text(text), "var a = f(1, x.y)");
    let StatementKind::Var(v) = &s.kind else {
        panic!()
    };
    assert_eq!(v.name.span.text(text), "a");
    assert_eq!(v.value.span.text(text), "f(1, x.y)");
    let ExprKind::Call { args, .. } = &v.value.kind else {
        panic!()
    };
    assert_eq!(args[1].span.text(text), "x.y");
    // A byte-order mark and multi-byte text: spans stay byte offsets into the text.
    let text = "\u{feff}var e = 'ü${x}'\n";
    let parsed = parse(text);
    let StatementKind::Var(v) = &parsed.program.statements[0].kind else {
        panic!()
    };
    assert_eq!(v.value.span.text(text), "'ü${x}'");
    assert_eq!(parsed.program.statements[0].span.start, 3);
}

#[test]
fn newline_rules() {
    // `, newline` in an array, no separator, a newline in place of a comma in a call,
    // a trailing comma in a call.
    assert_eq!(codes(&parse("var a = [\n  1,\n  2\n]\n")), ["BCP238"]);
    assert_eq!(codes(&parse("var a = [1 2]\n")), ["BCP236"]);
    assert_eq!(codes(&parse("var a = f(1\n2)\n")), ["BCP237"]);
    assert_eq!(codes(&parse("var a = f(1,\n)\n")), ["BCP009"]);
    // An operator does not continue onto the next line.
    assert!(!parse("var a = 1 +\n2\n").errors.is_empty());
    // Declarations need their own lines.
    assert_eq!(codes(&parse("var a = 1 var b = 2\n")), ["BCP019"]);
    // Parentheses around an expression stay on one line; a lambda's parameters need not.
    assert_eq!(codes(&parse("var a = (\n  1\n)\n")), ["BCP243"]);
    assert_eq!(expr("map(xs, (\n  x,\n  i\n) => x)"), "map(xs (=> x i x))");
    // The body of a lambda may start on the next line, unless a declaration does.
    assert_eq!(codes(&parse("var f = x =>\nvar y = 1\n")), ["BCP009"]);
}

#[test]
fn recovery_keeps_good_declarations() {
    let text = "param a string = \n\
        var b = 1\n\
        this is not bicep\n\
        output c int = 1 +\n\
        var d = {\n  x: 1\n  y: \n  z: 3\n}\n\
        @description('dangling')\n";
    let parsed = parse(text);
    assert!(!parsed.errors.is_empty());
    let k = kinds(&parsed);
    let StatementKind::Param(a) = k[0] else {
        panic!("{k:?}")
    };
    assert_eq!(a.name.name, "a");
    assert!(a.default.as_ref().is_some_and(Expr::is_error));
    assert!(matches!(k[1], StatementKind::Var(v) if v.name.name == "b" && sx(&v.value) == "1"));
    assert!(matches!(k[2], StatementKind::Error));
    assert!(matches!(k[3], StatementKind::Output(o) if o.name.name == "c"));
    let StatementKind::Var(d) = k[4] else {
        panic!("{k:?}")
    };
    assert_eq!(sx(&d.value), "{x: 1, y: ERR, z: 3}");
    assert!(matches!(k[5], StatementKind::Error));
    assert_eq!(parsed.program.statements[5].decorators.len(), 1);
    assert!(codes(&parsed).contains(&"BCP292"));
}

#[test]
fn decorators_without_a_declaration() {
    let parsed = parse("@description('x')\nfoo\nvar y = 1\n");
    assert_eq!(codes(&parsed), ["BCP292", "BCP007"]);
    let k = kinds(&parsed);
    assert!(matches!(k[0], StatementKind::Error));
    assert!(matches!(k[1], StatementKind::Error));
    assert!(matches!(k[2], StatementKind::Var(v) if v.name.name == "y"));
}

#[test]
fn missing_names_and_strings() {
    let parsed = parse("resource = {}\nparam\nmodule m = {}\n");
    let k = kinds(&parsed);
    assert!(matches!(k[0], StatementKind::Resource(r) if r.name.is_missing()));
    assert!(matches!(k[1], StatementKind::Param(p) if p.name.is_missing()));
    assert!(matches!(k[2], StatementKind::Module(m) if m.path.is_none()));
    // As in the compiler: what follows a part missing with nothing skipped is not
    // reported again at the same spot (`param` alone: only BCP013); a missing name or
    // string skips the rest of the line (`= {}`), so what comes after is missing too.
    assert_eq!(
        codes(&parsed),
        ["BCP017", "BCP068", "BCP013", "BCP097", "BCP018"]
    );
}

#[test]
fn unterminated_things() {
    for text in [
        "var a = 'abc\nvar b = 1\n",
        "var a = '${b\nvar c = 1\n",
        "var a = {\n  b: 1\n",
        "var a = [\n",
        "var a = f(\n",
        "var a = '''abc",
        "/* open",
        "var a = (",
        "@",
        "resource r 'T@v' = [for",
    ] {
        let parsed = parse(text);
        assert!(!parsed.errors.is_empty(), "{text:?}");
        for e in &parsed.errors {
            assert!(e.span.end <= text.len());
        }
    }
    let parsed = parse("var a = 'abc\nvar b = 1\n");
    assert!(matches!(kinds(&parsed)[1], StatementKind::Var(v) if v.name.name == "b"));
}

#[test]
fn object_literal_in_a_hole_is_an_error() {
    // The compiler lexes such a string to pieces (see `lexer::lex`); so do we.
    assert!(!parse("var a = '${{a: 1}.a}'\n").errors.is_empty());
    assert!(!parse("var a = '${[1]}'\n").errors.is_empty());
}

#[test]
fn directives_and_comments_are_kept() {
    let text = "// aksgate-ignore AKS007: reason\n#disable-next-line BCP081\nresource r 'T@v' = {} /* tail */\n";
    let parsed = ok(text);
    assert_eq!(parsed.comments.len(), 2);
    assert_eq!(parsed.comments[0].text, " aksgate-ignore AKS007: reason");
    assert_eq!(parsed.directives[0].codes[0].0, "BCP081");
    assert_eq!(parsed.program.statements.len(), 1);
}

fn depth_errors(parsed: &Parsed) -> usize {
    parsed
        .errors
        .iter()
        .filter(|e| e.code == super::TOO_DEEP)
        .count()
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let n = 5_000;
    for text in [
        format!("var a = {}1{}\n", "(".repeat(n), ")".repeat(n)),
        format!("var a = {}{}\n", "[".repeat(n), "]".repeat(n)),
        format!("var a = {}1{}\n", "{a:".repeat(n), "}".repeat(n)),
        format!("var a = {}1\n", "a ? b : ".repeat(n)),
        format!("var a = {}1\n", "x => ".repeat(n)),
        format!("var a = '{}'\n", "${'".repeat(n)),
        format!("type t = {}string{}\n", "(".repeat(n), ")".repeat(n)),
        format!("type t = {}string{}\n", "{a:".repeat(n), "}".repeat(n)),
        format!("var a = x{}\n", ".b".repeat(n)),
        format!("var a = 1{}\n", " + 1".repeat(n)),
        format!("var a = x{}\n", "!".repeat(n)),
        format!("type t = string{}\n", "[]".repeat(n)),
        format!(
            "var a = {}1{}\n",
            "(x.a.a.a.a.a.a.a.a.a + ".repeat(n),
            ")".repeat(n)
        ),
    ] {
        let parsed = parse(&text);
        assert!(depth_errors(&parsed) > 0, "{}", &text[..40]);
        for s in &parsed.program.statements {
            assert!(s.height() < 4 * super::MAX_HEIGHT, "{}", &text[..40]);
        }
    }
    // Just below the limits parses.
    let n = super::MAX_DEPTH - 5;
    ok(&format!("var a = {}1{}\n", "(".repeat(n), ")".repeat(n)));
    ok(&format!(
        "var a = x{}\n",
        ".b".repeat(super::MAX_HEIGHT as usize - 5)
    ));
}

#[test]
fn hostile_inputs_do_not_panic() {
    for text in [
        "",
        "\u{feff}",
        "\r",
        "@",
        "@@@",
        "'",
        "'''",
        "$",
        "$$'''${",
        "#",
        "#disable-next-line",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "=>",
        "...",
        "resource",
        "resource x",
        "resource x 'a'",
        "param x resource",
        "output x resource",
        "import",
        "import {",
        "import *",
        "import * as",
        "func",
        "func f(",
        "func f() string =>",
        "type",
        "type t = ",
        "type t = |",
        "var x = a[",
        "var x = a[?",
        "var x = a.?",
        "var x = a::",
        "var x = [for (",
        "var x = [for (a, b, c) in x: 1]",
        "extension",
        "extension 'x' with",
        "extension 'x' as",
        "using",
        "é",
        "var é = 1",
        "'\\u{",
        "var x = '\\u{110000}'",
        "x\0y",
        "targetScope",
        "metadata",
        "test",
        "assert",
        "module m 'x' = if",
        "module m 'x' = if (",
        "resource r 'x' = [for x in y: if",
        "var x = {\n  ...\n}",
        "var x = (a, b)",
        "var x = ()",
        "var x = (a b) => 1",
    ] {
        let _ = parse(text);
        let _ = parse_bicepparam(text);
    }
}
