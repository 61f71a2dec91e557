//! Terraform's JSON syntax (`.tf.json`): the file is read with the bounded JSON
//! loader and written out as the native-syntax text it stands for, which the HCL front
//! end parses and evaluates as any `.tf` file (one evaluator). Every piece of the
//! generated text is recorded with the span of the JSON it came from
//! ([`super::generated::Gen`]), so the lowered template's spans point into the
//! `.tf.json` text.
//!
//! The mapping is Terraform's (its "JSON Configuration Syntax" page):
//! - top-level properties are block types; labels are nested object keys; a block (or
//!   a level of labels) given as an array is one block per element;
//! - in a block body, a property is a nested block when its name is one of the blocks
//!   the mapping reads ([`BLOCKS`], the provider schema's blocks for the resources
//!   aksgate maps) and its value is an object or an array of objects; any other
//!   property is an argument, its value an expression: a JSON string is a string
//!   template (`"${var.x}"` is `var.x`, its type kept), numbers, booleans and null are
//!   literals, arrays and objects are tuples and objects (whose keys are templates);
//! - `"dynamic": {"<block>": {"for_each": ..., "iterator": "<name>", "content": {...}}}`;
//! - `variable` `default` is a literal value (strings are not templates), `module`
//!   `source` and `version` and everything in `terraform` are literal; meta-arguments
//!   aksgate does not evaluate (`depends_on`, `provider`, `lifecycle`, `provisioner`,
//!   `connection`, a variable's `type`) and block types it does not read (`provider`,
//!   `moved`, `import`, `check`...) are left out;
//! - `"//"` properties of block bodies and of the root are comments: a string one is
//!   kept as a comment, so `"//": "aksgate-ignore AKS007: reason"` suppresses as a JSON
//!   comment does (its own line and the next).
//!
//! Anything Terraform would reject that matters to the lowering (a body that is not an
//! object, a name that is not an identifier, a template that does not parse, a block
//! aksgate reads written as a string) is AKS901 at the JSON value, never skipped.

use super::generated::Gen;
use super::Problem;
use crate::json::{self, Comment, Member, Node, Span, Value};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

/// The nested blocks the mapping reads (and the meta blocks a body may hold): in a
/// block body, a property of one of these names whose value is an object or an array
/// of objects is a block. `tests::every_block_the_mapping_reads_is_listed` keeps the
/// list in step with the mapping code.
pub(crate) const BLOCKS: &[&str] = &[
    "api_server_access_profile",
    "application_rule_collection",
    "bootstrap_profile",
    "default_node_pool",
    "identity",
    "ip_configuration",
    "load_balancer_profile",
    "nat_gateway_profile",
    "network_profile",
    "network_rule_collection",
    "protocol",
    "protocols",
    "route",
    "rule",
    "service_principal",
    "subnet",
];

/// Block names that are also arguments of another block (a network rule's
/// `protocols = ["TCP"]`, an application rule's `protocols { type, port }`): written as
/// anything but objects, they are the argument.
const ALSO_ARGUMENTS: &[&str] = &["protocols"];

/// The generated text may grow past the JSON (labels repeated for every block of a
/// level): at most this many times the JSON's length, plus [`GROWTH_SLACK`].
const GROWTH: usize = 8;
const GROWTH_SLACK: usize = 1 << 20;

/// A converted `.tf.json` file: the native-syntax text, where its pieces came from,
/// and the `"//"` comments.
pub(crate) struct Converted {
    pub gen: Gen,
    pub comments: Vec<Comment>,
}

impl Converted {
    pub fn hcl(&self) -> &str {
        &self.gen.text
    }
}

/// What a block body is: the rules of its properties.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A `resource` or `data` body; whether aksgate maps its type.
    Resource(bool),
    /// A nested block's body (in a resource whose type is mapped or not).
    Nested(bool),
    Variable,
    Output,
    Module,
    Locals,
    Terraform,
    /// `required_providers`: literal arguments.
    Literal,
}

/// How a JSON value is read: as an expression (strings are templates) or literally.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Expr,
    Literal,
}

fn bad(span: Span, message: impl AsRef<str>) -> Problem {
    Problem {
        code: "AKS901",
        message: format!("invalid Terraform JSON: {}", message.as_ref()),
        span,
    }
}

/// A Terraform identifier (a block label, an argument or local name).
pub(crate) fn ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == '-')
}

/// Whether a value stands for nested blocks: an object, or an array of objects.
fn is_blocks(v: &Node) -> bool {
    match &v.value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().all(|i| i.as_object().is_some()),
        _ => false,
    }
}

/// Reads `text` (a `.tf.json` file) and writes the native syntax it stands for.
pub(crate) fn convert(text: &str) -> Result<Converted, Problem> {
    let doc = json::parse(text).map_err(|e| bad(e.span, e.message))?;
    if let Some(c) = doc.comments.first() {
        return Err(bad(
            c.span,
            "Terraform's JSON syntax has no comments (write a \"//\" property instead)",
        ));
    }
    let mut cv = Conv {
        text,
        g: Gen::default(),
        comments: Vec::new(),
        limit: text.len().saturating_mul(GROWTH) + GROWTH_SLACK,
    };
    // Nothing generated starts at 0, where the template's own keys are placed.
    cv.g.text.push('\n');
    cv.file(&doc.root)?;
    cv.g.finish();
    Ok(Converted {
        gen: cv.g,
        comments: cv.comments,
    })
}

struct Conv<'t> {
    text: &'t str,
    g: Gen,
    comments: Vec<Comment>,
    limit: usize,
}

type R = Result<(), Problem>;

impl Conv<'_> {
    fn file(&mut self, root: &Node) -> R {
        let Some(members) = root.as_object() else {
            return Err(bad(
                root.span,
                "the top level of a .tf.json file must be an object",
            ));
        };
        for m in members {
            let (labels, kind) = match m.key.as_str() {
                "//" => {
                    self.comment(m);
                    continue;
                }
                "resource" | "data" => (2, Kind::Resource(false)),
                "variable" => (1, Kind::Variable),
                "output" => (1, Kind::Output),
                "module" => (1, Kind::Module),
                "locals" => (0, Kind::Locals),
                "terraform" => (0, Kind::Terraform),
                // Not evaluated by aksgate (provider configurations, moved, import,
                // removed, check blocks...).
                _ => continue,
            };
            self.labelled(&m.key, labels, &m.value, &mut Vec::new(), kind, m.key_span)?;
        }
        Ok(())
    }

    /// A `"//"` property: a string one is a comment (for inline suppressions).
    fn comment(&mut self, m: &Member) {
        if let Some(s) = m.value.as_str() {
            self.comments.push(Comment {
                span: Span::new(m.key_span.start, m.value.span.end),
                text: s.trim().to_string(),
            });
        }
    }

    /// The blocks of type `ty` that `v` stands for, `left` levels of labels still to
    /// read; `from` is the span of the key that introduced `v`.
    fn labelled(
        &mut self,
        ty: &str,
        left: usize,
        v: &Node,
        labels: &mut Vec<String>,
        kind: Kind,
        from: Span,
    ) -> R {
        match &v.value {
            Value::Array(items) => {
                for item in items {
                    self.labelled(ty, left, item, labels, kind, item.span)?;
                }
                Ok(())
            }
            Value::Object(members) if left > 0 => {
                for m in members {
                    if !ident(&m.key) {
                        return Err(bad(
                            m.key_span,
                            format!("'{}' is not a valid {ty} label (a letter or _, then letters, digits, _ and -)", m.key),
                        ));
                    }
                    let kind = match kind {
                        Kind::Resource(_) if labels.is_empty() => {
                            Kind::Resource(super::map::MAPPED.contains(&m.key.as_str()))
                        }
                        k => k,
                    };
                    labels.push(m.key.clone());
                    self.labelled(ty, left - 1, &m.value, labels, kind, m.key_span)?;
                    labels.pop();
                }
                Ok(())
            }
            Value::Object(members) => {
                if self.g.text.len() > self.limit {
                    return Err(bad(from, "the file is too large once its blocks are read"));
                }
                let start = self.g.text.len();
                self.g.text.push_str(ty);
                for l in labels.iter() {
                    self.g.text.push(' ');
                    self.g.string(l);
                }
                self.g.text.push_str(" {\n");
                self.body(members, kind)?;
                self.g.text.push_str("}\n");
                self.g
                    .record(start, Span::new(from.start.min(v.span.start), v.span.end));
                Ok(())
            }
            _ => Err(bad(
                v.span,
                format!(
                    "a {ty} block must be a JSON object (or an array of objects), not {}",
                    v.kind_name()
                ),
            )),
        }
    }

    fn body(&mut self, members: &[Member], kind: Kind) -> R {
        for m in members {
            let k = m.key.as_str();
            if k == "//" {
                self.comment(m);
                continue;
            }
            match kind {
                Kind::Locals => self.argument(m, Mode::Expr)?,
                Kind::Variable => {
                    if k == "default" {
                        self.argument(m, Mode::Literal)?;
                    }
                }
                Kind::Output => {
                    if k == "value" {
                        self.argument(m, Mode::Expr)?;
                    }
                }
                Kind::Module => match k {
                    "source" | "version" => self.argument(m, Mode::Literal)?,
                    "providers" | "depends_on" => {}
                    _ => self.argument(m, Mode::Expr)?,
                },
                Kind::Terraform => {
                    if k == "required_providers" {
                        self.nested(k, &m.value, m.key_span, Kind::Literal)?;
                    }
                }
                Kind::Literal => self.argument(m, Mode::Literal)?,
                Kind::Resource(mapped) | Kind::Nested(mapped) => {
                    let top = matches!(kind, Kind::Resource(_));
                    match k {
                        "depends_on" | "provider" | "lifecycle" | "provisioner" | "connection"
                            if top => {}
                        "dynamic" => self.dynamic(&m.value, mapped)?,
                        _ if BLOCKS.contains(&k) && is_blocks(&m.value) => {
                            self.nested(k, &m.value, m.key_span, Kind::Nested(mapped))?
                        }
                        _ if mapped && BLOCKS.contains(&k) && !ALSO_ARGUMENTS.contains(&k) => {
                            return Err(bad(
                                m.value.span,
                                format!("{k} is a nested block: write it as a JSON object or an array of objects, not {} (a block cannot be an expression; use \"dynamic\")", m.value.kind_name()),
                            ))
                        }
                        _ => self.argument(m, Mode::Expr)?,
                    }
                }
            }
        }
        Ok(())
    }

    /// Nested blocks of type `ty` (no labels): an object is one, an array one each.
    fn nested(&mut self, ty: &str, v: &Node, from: Span, kind: Kind) -> R {
        match &v.value {
            Value::Array(items) => {
                for item in items {
                    self.nested(ty, item, item.span, kind)?;
                }
                Ok(())
            }
            Value::Object(members) => {
                let start = self.g.text.len();
                self.g.text.push_str(ty);
                self.g.text.push_str(" {\n");
                self.body(members, kind)?;
                self.g.text.push_str("}\n");
                self.g
                    .record(start, Span::new(from.start.min(v.span.start), v.span.end));
                Ok(())
            }
            _ => Err(bad(
                v.span,
                format!(
                    "{ty} is a block: a JSON object or an array of objects, not {}",
                    v.kind_name()
                ),
            )),
        }
    }

    /// `"dynamic": {"<block>": {"for_each": ..., "iterator": ..., "labels": ...,
    /// "content": {...}}}` (each level may be an array).
    fn dynamic(&mut self, v: &Node, mapped: bool) -> R {
        match &v.value {
            Value::Array(items) => {
                for item in items {
                    self.dynamic(item, mapped)?;
                }
                Ok(())
            }
            Value::Object(members) => {
                for m in members {
                    if !ident(&m.key) {
                        return Err(bad(
                            m.key_span,
                            format!("'{}' is not a valid dynamic block type", m.key),
                        ));
                    }
                    let specs: Vec<&Node> = match &m.value.value {
                        Value::Array(items) => items.iter().collect(),
                        _ => vec![&m.value],
                    };
                    for spec in specs {
                        self.dynamic_block(&m.key, m.key_span, spec, mapped)?;
                    }
                }
                Ok(())
            }
            _ => Err(bad(v.span, "dynamic must be a JSON object")),
        }
    }

    fn dynamic_block(&mut self, name: &str, from: Span, spec: &Node, mapped: bool) -> R {
        let Some(members) = spec.as_object() else {
            return Err(bad(
                spec.span,
                format!("dynamic \"{name}\" must be a JSON object"),
            ));
        };
        let start = self.g.text.len();
        self.g.text.push_str("dynamic ");
        self.g.string(name);
        self.g.text.push_str(" {\n");
        for m in members {
            match m.key.as_str() {
                "//" => self.comment(m),
                "for_each" | "labels" => self.argument(m, Mode::Expr)?,
                "iterator" => match m.value.as_str() {
                    Some(it) if ident(it) => {
                        let at = self.g.text.len();
                        self.g.text.push_str("iterator = ");
                        self.g.text.push_str(it);
                        self.g.text.push('\n');
                        self.g
                            .record(at, Span::new(m.key_span.start, m.value.span.end));
                    }
                    _ => {
                        return Err(bad(
                            m.value.span,
                            "a dynamic block's iterator must be a string naming a variable",
                        ))
                    }
                },
                "content" => {
                    self.nested("content", &m.value, m.key_span, Kind::Nested(mapped))?;
                }
                _ => {}
            }
        }
        self.g.text.push_str("}\n");
        self.g.record(
            start,
            Span::new(from.start.min(spec.span.start), spec.span.end),
        );
        Ok(())
    }

    /// `name = value`.
    fn argument(&mut self, m: &Member, mode: Mode) -> R {
        if !ident(&m.key) {
            return Err(bad(
                m.key_span,
                format!(
                    "'{}' is not a valid argument name (a letter or _, then letters, digits, _ and -)",
                    m.key
                ),
            ));
        }
        let start = self.g.text.len();
        self.g.text.push_str(&m.key);
        self.g.text.push_str(" = ");
        self.value(&m.value, mode)?;
        self.g.text.push('\n');
        self.g
            .record(start, Span::new(m.key_span.start, m.value.span.end));
        Ok(())
    }

    fn value(&mut self, v: &Node, mode: Mode) -> R {
        let start = self.g.text.len();
        match &v.value {
            Value::Null => self.g.text.push_str("null"),
            Value::Bool(b) => self.g.text.push_str(if *b { "true" } else { "false" }),
            Value::Number(json::Number::Int(i)) => self.g.text.push_str(&i.to_string()),
            Value::Number(json::Number::Float(f)) if f.is_finite() => {
                self.g.text.push_str(&format!("{f:?}"))
            }
            Value::Number(_) => return Err(bad(v.span, "the number is out of range")),
            Value::String(s) => match mode {
                Mode::Literal => self.g.string(s),
                Mode::Expr => self.template(v.span, s)?,
            },
            Value::Array(items) => {
                self.g.text.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.g.text.push_str(",\n");
                    }
                    self.value(item, mode)?;
                }
                self.g.text.push(']');
            }
            Value::Object(members) => {
                self.g.text.push_str("{\n");
                for m in members {
                    let at = self.g.text.len();
                    match mode {
                        Mode::Literal => self.g.string(&m.key),
                        Mode::Expr => self.template(m.key_span, &m.key)?,
                    }
                    self.g.record(at, m.key_span);
                    self.g.text.push_str(" = ");
                    self.value(&m.value, mode)?;
                    self.g.text.push('\n');
                }
                self.g.text.push('}');
            }
        }
        self.g.record(start, v.span);
        if self.g.text.len() > self.limit {
            return Err(bad(
                v.span,
                "the file is too large once its values are read",
            ));
        }
        Ok(())
    }

    /// A JSON string read as a string template (`s` its value, `at` the JSON string,
    /// quotes included), written as a quoted template of the same elements: literal
    /// parts escaped for a quoted string, interpolations and directive tags as they are
    /// (both parse the same in a template and in a quoted string).
    fn template(&mut self, at: Span, s: &str) -> R {
        let raw = Raw::new(self.text, at, s);
        let t = hcl_edit::parser::parse_template(s).map_err(|e| {
            let mut off = e.location().offset().min(s.len());
            while !s.is_char_boundary(off) {
                off -= 1;
            }
            let p = raw.at(off);
            // One character of the text (which may be several bytes).
            let end = self
                .text
                .get(p..)
                .and_then(|t| t.chars().next())
                .map_or(p, |c| p + c.len_utf8());
            let message = e.message().lines().next().unwrap_or("syntax error").trim();
            bad(
                Span::new(p, end.clamp(p, at.end.max(p))),
                format!("invalid string template: {message}"),
            )
        })?;
        let start = self.g.text.len();
        self.g.text.push('"');
        self.elements(&t, s, &raw, at)?;
        self.g.text.push('"');
        self.g.record(start, at);
        Ok(())
    }

    fn elements(&mut self, t: &Template, s: &str, raw: &Raw, at: Span) -> R {
        for el in t.iter() {
            let Some(src) = el.span().and_then(|r| s.get(r.clone()).map(|x| (r, x))) else {
                return Err(bad(at, "a string template this front end cannot place"));
            };
            let (r, text) = src;
            match el {
                Element::Literal(_) => self.literal(text),
                Element::Interpolation(_) => {
                    let from = self.g.text.len();
                    self.g.text.push_str(text);
                    self.g
                        .record(from, Span::new(raw.at(r.start), raw.at(r.end)));
                }
                Element::Directive(d) => {
                    // The tags as they are, the templates between them element by
                    // element.
                    let inner: Vec<&Template> = match d.as_ref() {
                        Directive::If(i) => std::iter::once(&i.if_expr.template)
                            .chain(i.else_expr.as_ref().map(|e| &e.template))
                            .collect(),
                        Directive::For(f) => vec![&f.for_expr.template],
                    };
                    let mut pos = r.start;
                    for it in inner {
                        let Some(ir) = it.span() else {
                            return Err(bad(at, "a string template this front end cannot place"));
                        };
                        let (Some(tag), true) = (s.get(pos..ir.start), ir.end <= r.end) else {
                            return Err(bad(at, "a string template this front end cannot place"));
                        };
                        self.g.text.push_str(tag);
                        self.elements(it, s, raw, at)?;
                        pos = ir.end;
                    }
                    let Some(tail) = s.get(pos..r.end) else {
                        return Err(bad(at, "a string template this front end cannot place"));
                    };
                    self.g.text.push_str(tail);
                }
            }
        }
        Ok(())
    }

    /// The source of a template literal, written for a quoted string: its escapes of
    /// template sequences (`$${`, `%%{`) are the same in both, backslashes, quotes and
    /// control characters are escaped.
    fn literal(&mut self, src: &str) {
        for c in src.chars() {
            match c {
                '\\' => self.g.text.push_str("\\\\"),
                '"' => self.g.text.push_str("\\\""),
                '\n' => self.g.text.push_str("\\n"),
                '\r' => self.g.text.push_str("\\r"),
                '\t' => self.g.text.push_str("\\t"),
                c if c.is_control() => {
                    self.g.text.push_str(&format!("\\u{:04x}", c as u32));
                }
                c => self.g.text.push(c),
            }
        }
    }
}

/// Where the bytes of a JSON string's value are in the JSON text: linear between
/// escapes; a byte an escape produced is at the escape.
struct Raw {
    /// (offset in the value, offset in the text) at each escape and after it.
    anchors: Vec<(usize, usize)>,
    /// The string's span, quotes included.
    whole: Span,
    /// Whether the escapes were followed to the value's length (if not, every offset
    /// is the string's start).
    ok: bool,
}

impl Raw {
    fn new(text: &str, at: Span, value: &str) -> Raw {
        let mut r = Raw {
            anchors: Vec::new(),
            whole: at,
            ok: false,
        };
        let Some(inner) = text.get(at.start + 1..at.end.saturating_sub(1)) else {
            return r;
        };
        if !text.get(at.start..).is_some_and(|t| t.starts_with('"')) {
            return r;
        }
        let base = at.start + 1;
        r.anchors.push((0, base));
        let b = inner.as_bytes();
        let (mut i, mut d) = (0usize, 0usize);
        while i < b.len() {
            if b[i] != b'\\' {
                i += 1;
                d += 1;
                continue;
            }
            let (len, produced) = match b.get(i + 1) {
                Some(b'u') => {
                    let hex = |k: usize| {
                        inner
                            .get(k..k + 4)
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                    };
                    match hex(i + 2) {
                        Some(0xD800..=0xDBFF) => match (b.get(i + 6), b.get(i + 7)) {
                            (Some(b'\\'), Some(b'u'))
                                if hex(i + 8).is_some_and(|lo| (0xDC00..=0xDFFF).contains(&lo)) =>
                            {
                                (12, 4)
                            }
                            _ => (6, 3),
                        },
                        Some(c) => (6, char::from_u32(c).map_or(3, char::len_utf8)),
                        None => return r,
                    }
                }
                Some(_) => (2, 1),
                None => return r,
            };
            r.anchors.push((d, base + i));
            i += len;
            d += produced;
            r.anchors.push((d, base + i));
        }
        r.ok = d == value.len();
        r
    }

    /// The text offset of byte `off` of the value.
    fn at(&self, off: usize) -> usize {
        if !self.ok {
            return self.whole.start;
        }
        // Linear from the last anchor at or before `off` (inside an escape, a byte of
        // the escape: an escape is never shorter than what it produces).
        let k = self.anchors.partition_point(|a| a.0 <= off);
        let (d, t) = self.anchors[k.max(1) - 1];
        (t + (off - d)).min(self.whole.end.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{mem, to_json};
    use super::super::{lower_text, Lowered};
    use super::*;

    fn lowered(files: &[(&str, &str)], rel: &str) -> Lowered {
        let m = mem(files);
        let text = files.iter().find(|(p, _)| *p == rel).unwrap().1;
        lower_text(text, rel, &m).unwrap_or_else(|p| panic!("{}: {:?}", p.message, p.span))
    }

    fn problem(text: &str) -> Problem {
        match lower_text(text, "main.tf.json", &mem(&[("main.tf.json", text)])) {
            Err(p) => p,
            Ok(l) => l
                .problems
                .into_iter()
                .next()
                .unwrap_or_else(|| panic!("no problem for {text}")),
        }
    }

    fn at(text: &str, s: Span) -> &str {
        &text[s.start..s.end]
    }

    const CLUSTER: &str = r#"{
  "//": "a cluster",
  "resource": {
    "azurerm_kubernetes_cluster": {
      "aks": {
        "name": "aks-${var.env}",
        "location": "westeurope",
        "dns_prefix": "aks",
        "default_node_pool": {"name": "system", "vm_size": "Standard_D2s_v5", "zones": "${local.zones}"},
        "identity": [{"type": "SystemAssigned"}],
        "network_profile": {
          "network_plugin": "${local.plugin}",
          "outbound_type": "${var.outbound}"
        }
      }
    }
  }
}"#;

    /// A module mixing `.tf` and `.tf.json`: variables and locals declared in one
    /// are used in the other, and the values point at the `.tf.json` text.
    #[test]
    fn a_module_mixing_native_and_json_files_lowers_as_one() {
        let vars = r#"variable "env" { default = "dev" }
variable "outbound" { default = "userDefinedRouting" }
"#;
        let locals = r#"{"locals": [{"plugin": "kubenet"}, {"zones": ["1", "2"]}]}"#;
        let l = lowered(
            &[
                ("main.tf.json", CLUSTER),
                ("variables.tf", vars),
                ("locals.tf.json", locals),
            ],
            "main.tf.json",
        );
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let v = to_json(&l.doc.root);
        let r = &v["resources"][0];
        assert_eq!(r["name"], "aks-dev");
        let np = &r["properties"]["networkProfile"];
        assert_eq!(np["networkPlugin"], "kubenet");
        assert_eq!(np["outboundType"], "userDefinedRouting");
        // A single interpolation keeps its type: the zones are a list.
        assert_eq!(
            r["properties"]["agentPoolProfiles"][0]["availabilityZones"],
            serde_json::json!(["1", "2"])
        );
        let node = l.doc.root.get("resources").unwrap().as_array().unwrap()[0]
            .get("properties")
            .and_then(|p| p.get("networkProfile"))
            .unwrap();
        assert_eq!(
            at(CLUSTER, node.get("outboundType").unwrap().span),
            "\"${var.outbound}\""
        );
        assert_eq!(
            at(CLUSTER, node.get("networkPlugin").unwrap().span),
            "\"${local.plugin}\""
        );
        // The "//" property is a comment.
        assert_eq!(l.doc.comments.len(), 1);
        assert_eq!(l.doc.comments[0].text, "a cluster");
        assert_eq!(at(CLUSTER, l.doc.comments[0].span), "\"//\": \"a cluster\"");
        // The native file that uses a JSON file's local, lowered on its own.
        let native = r#"resource "azurerm_public_ip" "p" { name = "pip-${local.plugin}" }"#;
        let l = lowered(
            &[("main.tf", native), ("locals.tf.json", locals)],
            "main.tf",
        );
        assert_eq!(to_json(&l.doc.root)["resources"][0]["name"], "pip-kubenet");
    }

    /// Any JSON string comes through as the template Terraform reads: escapes of JSON
    /// and of templates, quotes and backslashes in literals and inside interpolations.
    #[test]
    fn strings_are_templates_written_exactly() {
        let cases = [
            (r#"plain"#, "plain"),
            (r#"a\"b\\c \n\t \u00fc \u0001"#, "a\"b\\c \n\t \u{fc} \u{1}"),
            (r#"$${x} %%{y} $ % {z}"#, "${x} %{y} $ % {z}"),
            (r#"pre-${\"q\\\"}\"}-${upper(\"a\\\\b\")}"#, "pre-q\"}-A\\B"),
            (
                r#"\"\n}\nresource \"azurerm_public_ip\" \"evil\" {\n"#,
                "\"\n}\nresource \"azurerm_public_ip\" \"evil\" {\n",
            ),
            (r#"${ \"x\" }${\"\\\\\"}"#, "x\\"),
            (r#"\ud83d\ude00-${\"\u00e9\"}"#, "\u{1F600}-\u{e9}"),
        ];
        for (json_str, want) in cases {
            let text = format!(
                r#"{{"resource": {{"azurerm_public_ip": {{"p": {{"name": "{json_str}"}}}}}}}}"#
            );
            let l = lowered(&[("main.tf.json", &text)], "main.tf.json");
            assert!(l.problems.is_empty(), "{json_str}: {:?}", l.problems);
            let rs = l.doc.root.get("resources").unwrap().as_array().unwrap();
            assert_eq!(rs.len(), 1, "{json_str}");
            let name = rs[0].get("name").unwrap();
            assert_eq!(name.as_str(), Some(want), "{json_str}");
            assert_eq!(at(&text, name.span), format!("\"{json_str}\""));
        }
    }

    #[test]
    fn count_for_each_dynamic_and_blocks_as_objects_or_arrays() {
        let text = r#"{
  "variable": {"prefixes": {"type": "list(string)", "default": ["10.0.0.0/24", "10.0.1.0/24"]}},
  "locals": {"routes": {"internet": "Internet", "fw": "VirtualAppliance"}},
  "resource": {
    "azurerm_public_ip": {"p": {"count": 2, "name": "pip-${count.index}"}},
    "azurerm_subnet": {
      "s": {
        "for_each": "${toset(var.prefixes)}",
        "name": "snet-${replace(each.key, \"/\", \"-\")}",
        "virtual_network_name": "vnet",
        "address_prefixes": ["${each.value}"]
      }
    },
    "azurerm_route_table": {
      "rt": {
        "name": "rt",
        "route": [{"name": "a", "address_prefix": "10.1.0.0/16", "next_hop_type": "VnetLocal"}],
        "dynamic": {
          "route": {
            "for_each": "${local.routes}",
            "iterator": "r",
            "content": {"name": "${r.key}", "address_prefix": "0.0.0.0/0", "next_hop_type": "${r.value}"}
          }
        }
      }
    }
  }
}"#;
        let l = lowered(&[("main.tf.json", text)], "main.tf.json");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let v = to_json(&l.doc.root);
        let rs = v["resources"].as_array().unwrap();
        let names: Vec<&str> = rs.iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert!(
            names.contains(&"pip-0") && names.contains(&"pip-1"),
            "{names:?}"
        );
        assert!(names.contains(&"vnet/snet-10.0.0.0-24"), "{names:?}");
        assert!(names.contains(&"vnet/snet-10.0.1.0-24"), "{names:?}");
        let rt = rs.iter().find(|r| r["name"] == "rt").unwrap();
        let routes = rt["properties"]["routes"].as_array().unwrap();
        let hops: Vec<&str> = routes
            .iter()
            .map(|r| r["properties"]["nextHopType"].as_str().unwrap())
            .collect();
        assert_eq!(hops, vec!["VnetLocal", "VirtualAppliance", "Internet"]);
    }

    /// A variable's default is literal (no templates); a module's source is literal.
    #[test]
    fn variable_defaults_are_literal() {
        let text = r#"{"variable": {"n": {"default": "${not.a.template}"}},
 "resource": {"azurerm_public_ip": {"p": {"name": "${var.n}"}}}}"#;
        let l = lowered(&[("main.tf.json", text)], "main.tf.json");
        assert_eq!(
            to_json(&l.doc.root)["resources"][0]["name"],
            "${not.a.template}"
        );
    }

    #[test]
    fn invalid_files_are_aks901_at_the_json_position() {
        let cases: &[(&str, &str, &str)] = &[
            (r#"{"resource": {"#, "", "invalid Terraform JSON"),
            (r#"[1]"#, "[1]", "top level"),
            (
                r#"{"resource": {"azurerm_public_ip": {"p": {"name": "${var.}"}}}}"#,
                "}",
                "invalid string template",
            ),
            (
                r#"{"resource": {"azurerm_public_ip": {"p": {"na me": "x"}}}}"#,
                "\"na me\"",
                "not a valid argument name",
            ),
            (
                r#"{"resource": {"azurerm_public_ip": {"p x": {"name": "x"}}}}"#,
                "\"p x\"",
                "label",
            ),
            (
                r#"{"resource": {"azurerm_kubernetes_cluster": {"a": {"network_profile": "${local.np}"}}}}"#,
                "\"${local.np}\"",
                "nested block",
            ),
            (
                r#"{"resource": {"azurerm_public_ip": "x"}}"#,
                "\"x\"",
                "must be a JSON object",
            ),
            ("{\"resource\": {} // note\n}", "// note", "no comments"),
        ];
        for (text, span, msg) in cases {
            let p = problem(text);
            assert_eq!(p.code, "AKS901", "{text}");
            assert!(p.message.contains(msg), "{text}: {}", p.message);
            assert!(p.span.end <= text.len(), "{text}");
            if !span.is_empty() {
                assert_eq!(at(text, p.span), *span, "{text}: {}", p.message);
            }
        }
        // The template error is at its place in the JSON string.
        let text = r#"{"resource": {"azurerm_public_ip": {"p": {"name": "ab\n${var.}"}}}}"#;
        let p = problem(text);
        assert!(p.span.start > text.find("${").unwrap(), "{:?}", p.span);
    }

    #[test]
    fn a_file_with_only_variables_is_not_a_deployment() {
        let text =
            r#"{"variable": {"x": {"default": "y"}}, "output": {"o": {"value": "${var.x}"}}}"#;
        let l = lowered(&[("variables.tf.json", text)], "variables.tf.json");
        assert!(l.doc.root.get("resources").is_none());
    }

    /// A local module called from a `.tf.json` file, itself in JSON and native files:
    /// lowered with the call's arguments, pointing at the call's `source`; the module's
    /// folder is judged through that call.
    #[test]
    fn a_module_called_from_json_is_lowered_with_its_inputs() {
        let root = r#"{"module": {"aks": {"source": "./modules/aks", "plugin": "${local.p}"}},
 "locals": {"p": "kubenet"}}"#;
        let child = r#"{"resource": {"azurerm_kubernetes_cluster": {"aks": {
  "name": "aks", "network_profile": {"network_plugin": "${var.plugin}"}}}}}"#;
        let files = [
            ("main.tf.json", root),
            ("modules/aks/main.tf.json", child),
            ("modules/aks/variables.tf", "variable \"plugin\" {}\n"),
        ];
        let l = lowered(&files, "main.tf.json");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let r = &l.doc.root.get("resources").unwrap().as_array().unwrap()[0];
        let plugin = r
            .get("properties")
            .and_then(|p| p.get("networkProfile"))
            .and_then(|n| n.get("networkPlugin"))
            .unwrap();
        assert_eq!(plugin.as_str(), Some("kubenet"));
        assert_eq!(at(root, plugin.span), "\"./modules/aks\"");
        assert_eq!(
            super::super::caller_of("modules/aks/main.tf.json", &mem(&files)).as_deref(),
            Some("main.tf.json")
        );
    }

    /// Hostile files are bounded: nesting past the parser's depth, labels repeated
    /// for thousands of blocks, a template in every string.
    #[test]
    fn hostile_files_are_aks901_or_lowered_never_unbounded() {
        let deep = format!(
            r#"{{"locals": {{"x": {}1{}}}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let text = format!(
            r#"{deep_start}, "resource": {{"azurerm_public_ip": {{"p": {{"name": "${{local.x}}"}}}}}}}}"#,
            deep_start = &deep[..deep.len() - 1]
        );
        let p = problem(&text);
        assert_eq!(p.code, "AKS901");
        assert!(p.span.end <= text.len());
        // One long label, many blocks: the generated text would be 100 times the file.
        let label = "t".repeat(100_000);
        let blocks: Vec<String> = (0..3000).map(|i| format!(r#""b{i}": {{}}"#)).collect();
        let text = format!(r#"{{"resource": {{"{label}": {{{}}}}}}}"#, blocks.join(","));
        let p = problem(&text);
        assert!(p.message.contains("too large"), "{}", p.message);
        // Many templates.
        let names: Vec<String> = (0..2000)
            .map(|i| format!(r#""p{i}": {{"name": "pip-${{upper(\"{i}\")}}"}}"#))
            .collect();
        let text = format!(
            r#"{{"resource": {{"azurerm_public_ip": {{{}}}}}}}"#,
            names.join(",")
        );
        let l = lowered(&[("main.tf.json", &text)], "main.tf.json");
        assert_eq!(
            l.doc
                .root
                .get("resources")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            2000
        );
    }

    /// `terraform.required_providers` chooses the azurerm major version, as in `.tf`.
    #[test]
    fn required_providers_choose_the_provider_version() {
        let text = r#"{"terraform": {"required_providers": {"azurerm": {"source": "hashicorp/azurerm", "version": "~> 3.100"}}},
 "resource": {"azurerm_kubernetes_cluster": {"aks": {"name": "aks",
   "default_node_pool": {"name": "system", "enable_node_public_ip": true}}}}}"#;
        let l = lowered(&[("main.tf.json", text)], "main.tf.json");
        let v = to_json(&l.doc.root);
        assert_eq!(v["resources"][0]["apiVersion"], "2023-04-02-preview");
        assert_eq!(
            v["resources"][0]["properties"]["agentPoolProfiles"][0]["enableNodePublicIP"],
            true
        );
    }

    /// Every block the mapping reads (`cx.block(b, "x")`, `cx.blocks(b, "x")`) is
    /// read as a block from JSON.
    #[test]
    fn every_block_the_mapping_reads_is_listed() {
        let sources = [
            include_str!("map.rs"),
            include_str!("map_aks.rs"),
            include_str!("map_fw.rs"),
        ];
        let mut found = Vec::new();
        for src in sources {
            let flat: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
            for pat in [".block(", ".blocks("] {
                for (i, _) in flat.match_indices(pat) {
                    let rest = &flat[i + pat.len()..];
                    let Some(close) = rest.find(')') else {
                        continue;
                    };
                    let args = &rest[..close];
                    if let Some(q) = args.find('"') {
                        let name = &args[q + 1..];
                        if let Some(e) = name.find('"') {
                            found.push(name[..e].to_string());
                        }
                    }
                }
            }
        }
        // The collection blocks are named through a table in map_fw.rs.
        found.push("application_rule_collection".into());
        found.push("network_rule_collection".into());
        assert!(found.len() > 10, "{found:?}");
        for f in found {
            assert!(
                BLOCKS.contains(&f.as_str()),
                "{f} is read as a block but not listed"
            );
        }
    }

    #[test]
    fn escapes_map_to_their_place_in_the_text() {
        let text = r#""a\nb\u00e9c""#;
        let value = "a\nb\u{e9}c";
        let r = Raw::new(text, Span::new(0, text.len()), value);
        assert!(r.ok);
        assert_eq!(r.at(0), 1);
        assert_eq!(&text[r.at(2)..r.at(2) + 1], "b");
        assert_eq!(&text[r.at(value.len() - 1)..r.at(value.len() - 1) + 1], "c");
    }
}
