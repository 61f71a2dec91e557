//! A Terraform module: the `.tf` files of one directory evaluated together
//! (variables with their values, locals, resources, data sources, module calls), as
//! the [`Env`] its expressions are evaluated in. Declarations are found by position
//! (file, structure) so the module owns its parsed files without borrowing itself.

use super::eval::{entries, err, to_string, Env, Eval};
use super::syntax;
use super::vars::{auto_rank, Tfvars};
use super::{ids, Files, Limits};
use crate::arm::value::Val;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

pub(crate) struct TfFile {
    pub rel: String,
    pub text: String,
    /// `None`: the file does not parse (it is reported on its own).
    pub body: Option<Body>,
}

/// What every module of one lowering shares: the file reader and the budgets.
pub(crate) struct Shared<'r> {
    pub files: &'r dyn Files,
    pub fuel: Cell<u64>,
    pub modules: Cell<usize>,
    pub limits: Limits,
    /// Where `terraform init` installed the modules of the root module, by module key
    /// (`aks`, `aks.network`): directories relative to the scanned root.
    pub installed: HashMap<String, String>,
    /// The lowered file's values that came from variable files ([`super::vars::note`]).
    pub origins: RefCell<Vec<crate::json::ValueOrigin>>,
}

/// Where a declaration is: file index, structure index.
pub(crate) type At = (usize, usize);

pub(crate) struct Module<'r> {
    /// The directory, relative to the scanned root (`""` for the root).
    pub dir: String,
    pub files: Vec<TfFile>,
    pub shared: Rc<Shared<'r>>,
    /// A module call's arguments; `None` for the root module (which reads tfvars).
    inputs: Option<HashMap<String, Val>>,
    tfvars: HashMap<String, Val>,
    /// Where each variable file value is written (the root module's only).
    pub sites: HashMap<String, super::vars::VarSite>,
    vars: HashMap<String, At>,
    locals: HashMap<String, At>,
    outputs: HashMap<String, At>,
    // Ordered: what is emitted from them (subnet associations, module calls) must not
    // depend on a hash seed, or two lowerings of one file would differ.
    pub resources: BTreeMap<(String, String), At>,
    data: BTreeMap<(String, String), At>,
    pub calls: BTreeMap<String, At>,
    /// The azurerm provider's major version this module follows.
    pub major: u32,
    pub depth: usize,
    cache: RefCell<HashMap<String, Val>>,
    busy: RefCell<HashSet<String>>,
    pub children: RefCell<HashMap<String, Rc<Module<'r>>>>,
    /// The module's key as `terraform init` names it: `""` for the root, `aks` for
    /// `module "aks"`, `aks.network` for a module that one calls.
    pub key: String,
}

pub(crate) fn label(b: &Block, i: usize) -> Option<&str> {
    b.labels.get(i).map(|l| l.as_str())
}

pub(crate) fn span_of(s: &impl hcl_edit::Span) -> crate::json::Span {
    s.span()
        .map(|r| crate::json::Span::new(r.start, r.end))
        .unwrap_or_default()
}

/// The azurerm major version a `required_providers` constraint names (`~> 3.0`,
/// `>= 3.90, < 4.0`): the first number in it.
fn major_of(constraint: &str) -> Option<u32> {
    let digits: String = constraint
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

impl<'r> Module<'r> {
    pub fn new(
        dir: String,
        files: Vec<TfFile>,
        shared: Rc<Shared<'r>>,
        inputs: Option<HashMap<String, Val>>,
        tfvars: super::vars::Tfvars,
        parent_major: Option<u32>,
        depth: usize,
    ) -> Module<'r> {
        let mut m = Module {
            dir,
            files,
            shared,
            inputs,
            tfvars: tfvars.values,
            sites: tfvars.sites,
            vars: HashMap::new(),
            locals: HashMap::new(),
            outputs: HashMap::new(),
            resources: BTreeMap::new(),
            data: BTreeMap::new(),
            calls: BTreeMap::new(),
            major: parent_major.unwrap_or(4),
            depth,
            cache: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            children: RefCell::new(HashMap::new()),
            key: String::new(),
        };
        let mut major = None;
        for (fi, f) in m.files.iter().enumerate() {
            let Some(body) = &f.body else { continue };
            for (si, st) in body.iter().enumerate() {
                let Structure::Block(b) = st else { continue };
                let name = |i| label(b, i).map(str::to_string);
                match b.ident.value().as_str() {
                    "variable" => {
                        if let Some(n) = name(0) {
                            m.vars.entry(n).or_insert((fi, si));
                        }
                    }
                    "locals" => {
                        for a in b.body.attributes() {
                            m.locals
                                .entry(a.key.value().as_str().to_string())
                                .or_insert((fi, si));
                        }
                    }
                    "output" => {
                        if let Some(n) = name(0) {
                            m.outputs.entry(n).or_insert((fi, si));
                        }
                    }
                    "resource" | "data" => {
                        if let (Some(t), Some(n)) = (name(0), name(1)) {
                            let map = if b.ident.value().as_str() == "resource" {
                                &mut m.resources
                            } else {
                                &mut m.data
                            };
                            map.entry((t, n)).or_insert((fi, si));
                        }
                    }
                    "module" => {
                        if let Some(n) = name(0) {
                            m.calls.entry(n).or_insert((fi, si));
                        }
                    }
                    "terraform" => {
                        for rp in b.body.get_blocks("required_providers") {
                            if let Some(a) = rp.body.get_attribute("azurerm") {
                                let v = match &a.value {
                                    Expression::Object(o) => o
                                        .iter()
                                        .find(|(k, _)| match k {
                                            // `version = ...` or `"version" = ...` (as
                                            // a .tf.json file's object is written).
                                            hcl_edit::expr::ObjectKey::Ident(i) => {
                                                i.as_str() == "version"
                                            }
                                            hcl_edit::expr::ObjectKey::Expression(e) => {
                                                e.as_str() == Some("version")
                                            }
                                        })
                                        .and_then(|(_, v)| v.expr().as_str().map(str::to_string)),
                                    other => other.as_str().map(str::to_string),
                                };
                                major = major.or_else(|| v.as_deref().and_then(major_of));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(v) = major {
            m.major = v;
        }
        m
    }

    pub fn block(&self, at: At) -> Option<&Block> {
        self.files.get(at.0)?.body.as_ref()?.get(at.1)?.as_block()
    }

    /// The expression of local `name`.
    pub fn local_expr(&self, name: &str) -> Option<&Expression> {
        let &at = self.locals.get(name)?;
        Some(&self.block(at)?.body.get_attribute(name)?.value)
    }

    pub fn text(&self, fi: usize) -> &str {
        &self.files[fi].text
    }

    fn cached(&self, key: String, f: impl FnOnce() -> Val) -> Val {
        if let Some(v) = self.cache.borrow().get(&key) {
            return v.clone();
        }
        if !self.busy.borrow_mut().insert(key.clone()) {
            return err(key, "refers to itself");
        }
        let v = f();
        self.busy.borrow_mut().remove(&key);
        self.cache.borrow_mut().insert(key, v.clone());
        v
    }

    /// Evaluates `e`, written in file `fi`, with the scope `scope`.
    pub fn eval_in(&self, fi: usize, e: &Expression, scope: &[(String, Val)]) -> Val {
        let mut ev = Eval::new(self, self.text(fi));
        ev.scope = scope.to_vec();
        ev.eval(e)
    }

    fn var(&self, name: &str) -> Val {
        let Some(&at) = self.vars.get(name) else {
            return err(
                format!("var.{name}"),
                format!("variable '{name}' is not declared"),
            );
        };
        self.cached(format!("var.{name}"), || {
            let input = match &self.inputs {
                Some(i) => i.get(name).cloned(),
                None => self.tfvars.get(name).cloned(),
            };
            if let Some(v) = input {
                return v;
            }
            let default = self
                .block(at)
                .and_then(|b| b.body.get_attribute("default"));
            match default {
                Some(a) => self.eval_in(at.0, &a.value, &[]),
                None => Val::unknown(
                    format!("var.{name}"),
                    if self.inputs.is_some() {
                        format!("variable '{name}' has no default and the module call does not set it")
                    } else {
                        format!("variable '{name}' has no default and no terraform.tfvars or *.auto.tfvars sets it")
                    },
                ),
            }
        })
    }

    fn local(&self, name: &str) -> Val {
        let Some(&at) = self.locals.get(name) else {
            return err(
                format!("local.{name}"),
                format!("local '{name}' is not declared"),
            );
        };
        self.cached(format!("local.{name}"), || {
            match self.block(at).and_then(|b| b.body.get_attribute(name)) {
                Some(a) => self.eval_in(at.0, &a.value, &[]),
                None => err(format!("local.{name}"), "not found"),
            }
        })
    }

    /// The instances of a `resource`, `data` or `module` block: the scope each is
    /// evaluated in (`count.index`, `each.key`/`each.value`) and its key. `Err` is a
    /// count or for_each that is unknown (one instance with unknown keys stands in)
    /// or over the limit.
    pub fn instances(&self, at: At) -> Result<Vec<Instance>, InstancesError> {
        let Some(b) = self.block(at) else {
            return Ok(Vec::new());
        };
        let limit = self.shared.limits.instances;
        if let Some(c) = b.body.get_attribute("count") {
            let v = self.eval_in(at.0, &c.value, &[]);
            let n = match &v {
                Val::Int(n) => *n,
                Val::Float(f) if f.fract() == 0.0 => *f as i64,
                Val::Str(s) => match s.parse::<i64>() {
                    Ok(n) => n,
                    Err(_) => {
                        return Err(InstancesError::Unknown(err(
                            self.text_of(at.0, &c.value),
                            "count is not a number",
                        )))
                    }
                },
                _ => {
                    let u = if v.is_unknown() {
                        v
                    } else {
                        err(self.text_of(at.0, &c.value), "count is not a number")
                    };
                    return Err(InstancesError::Unknown(u));
                }
            };
            if n < 0 || n as usize > limit {
                return Err(InstancesError::TooMany(format!(
                    "count = {n}: more than {limit} instances (or negative)"
                )));
            }
            return Ok((0..n)
                .map(|i| Instance {
                    key: Some(Val::Int(i)),
                    scope: vec![(
                        "count".into(),
                        Val::Object(vec![("index".into(), Val::Int(i))]),
                    )],
                })
                .collect());
        }
        if let Some(fe) = b.body.get_attribute("for_each") {
            let v = self.eval_in(at.0, &fe.value, &[]);
            if v.is_unknown() {
                return Err(InstancesError::Unknown(v));
            }
            let items = match (&v, entries(&v)) {
                // A set of strings: each.key is each.value.
                (Val::Array(a), _) => a.iter().map(|x| (x.clone(), x.clone())).collect(),
                (_, Some(e)) => e,
                _ => {
                    return Err(InstancesError::Unknown(err(
                        self.text_of(at.0, &fe.value),
                        "for_each needs a map or a set",
                    )))
                }
            };
            if items.len() > limit {
                return Err(InstancesError::TooMany(format!(
                    "for_each over {} elements: more than {limit} instances",
                    items.len()
                )));
            }
            return Ok(items
                .into_iter()
                .map(|(k, x)| Instance {
                    key: Some(k.clone()),
                    scope: vec![(
                        "each".into(),
                        Val::Object(vec![("key".into(), k), ("value".into(), x)]),
                    )],
                })
                .collect());
        }
        Ok(vec![Instance {
            key: None,
            scope: Vec::new(),
        }])
    }

    pub fn text_of(&self, fi: usize, e: &Expression) -> String {
        Eval::new(self, self.text(fi)).text(e)
    }

    /// A resource's or data source's value as references see it: the attributes its
    /// body sets, its id when aksgate can build it, the rest known only after apply.
    fn object(&self, kind: &str, ty: &str, name: &str, at: At) -> Val {
        let key = format!("{kind}.{ty}.{name}");
        self.cached(key.clone(), || {
            let Some(b) = self.block(at) else {
                return err(key.clone(), "not found");
            };
            let one = |scope: &[(String, Val)]| {
                let mut o = body_object(self, at.0, &b.body, scope, 0);
                if ty == "azurerm_firewall" {
                    firewall_private_ips(&mut o);
                }
                let id = ids::id_of(ty, &o);
                o.retain(|(k, _)| k != "id");
                o.insert(
                    0,
                    (
                        "id".into(),
                        id.unwrap_or_else(|| {
                            Val::unknown(format!("{ty}.{name}.id"), "known only after apply")
                        }),
                    ),
                );
                Val::Object(o)
            };
            match self.instances(at) {
                Ok(list) => {
                    let counted = b.body.get_attribute("count").is_some();
                    let each = b.body.get_attribute("for_each").is_some();
                    if counted {
                        Val::Array(list.iter().map(|i| one(&i.scope)).collect())
                    } else if each {
                        Val::Object(
                            list.iter()
                                .map(|i| {
                                    let k = i.key.as_ref().and_then(to_string).unwrap_or_default();
                                    (k, one(&i.scope))
                                })
                                .collect(),
                        )
                    } else {
                        one(&[])
                    }
                }
                Err(InstancesError::Unknown(u)) => u,
                Err(InstancesError::TooMany(m)) => err(key.clone(), m),
            }
        })
    }

    fn output(&self, name: &str) -> Option<Val> {
        let &at = self.outputs.get(name)?;
        let a = self.block(at)?.body.get_attribute("value")?;
        Some(self.cached(format!("output.{name}"), || {
            self.eval_in(at.0, &a.value, &[])
        }))
    }

    /// The outputs of a module call, by instance: `module.x` as references see it.
    fn call_value(&self, name: &str) -> Val {
        let Some(&at) = self.calls.get(name) else {
            return err(
                format!("module.{name}"),
                format!("module '{name}' is not declared"),
            );
        };
        let key = format!("module.{name}");
        self.cached(key.clone(), || {
            let outputs = |m: &Module| -> Val {
                let mut names: Vec<&String> = m.outputs.keys().collect();
                names.sort();
                Val::Object(
                    names
                        .into_iter()
                        .map(|n| (n.clone(), m.output(n).unwrap_or(Val::Null)))
                        .collect(),
                )
            };
            let Some(b) = self.block(at) else {
                return err(key.clone(), "not found");
            };
            let insts = match self.instances(at) {
                Ok(i) => i,
                Err(InstancesError::Unknown(u)) => return u,
                Err(InstancesError::TooMany(m)) => return err(key.clone(), m),
            };
            let mut vals = Vec::new();
            for i in &insts {
                match super::calls::child(self, at, b, i) {
                    Ok(child) => vals.push((i.key.clone(), outputs(&child))),
                    Err(p) => {
                        return Val::unknown(format!("module.{name}"), p.message.clone());
                    }
                }
            }
            if b.body.get_attribute("count").is_some() {
                Val::Array(vals.into_iter().map(|(_, v)| v).collect())
            } else if b.body.get_attribute("for_each").is_some() {
                Val::Object(
                    vals.into_iter()
                        .map(|(k, v)| (k.as_ref().and_then(to_string).unwrap_or_default(), v))
                        .collect(),
                )
            } else {
                vals.pop().map(|(_, v)| v).unwrap_or(Val::Null)
            }
        })
    }
}

pub(crate) enum InstancesError {
    Unknown(Val),
    TooMany(String),
}

#[derive(Clone)]
pub(crate) struct Instance {
    pub key: Option<Val>,
    pub scope: Vec<(String, Val)>,
}

/// Meta-arguments, which are not attributes of the resource.
const META: &[&str] = &["count", "for_each", "depends_on", "provider", "lifecycle"];

/// A block body as an object: its attributes, and its nested blocks (static and
/// `dynamic`) as lists of objects.
/// A firewall's `ip_configuration[i].private_ip_address` is computed by Azure: unknown,
/// written as the ARM reference to it (`reference(resourceId('Microsoft.Network/
/// azureFirewalls', '<name>')).ipConfigurations[i]...`), so a route whose next hop it is
/// names the firewall as an ARM template's does.
fn firewall_private_ips(o: &mut [(String, Val)]) {
    let Some(name) = o
        .iter()
        .find(|(k, _)| k == "name")
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
    else {
        return;
    };
    for (k, v) in o.iter_mut() {
        let (true, Val::Array(configs)) = (k == "ip_configuration", v) else {
            continue;
        };
        for (i, c) in configs.iter_mut().enumerate() {
            if let Val::Object(c) = c {
                if !c.iter().any(|(k, _)| k == "private_ip_address") {
                    c.push((
                        "private_ip_address".into(),
                        Val::unknown(
                            format!("reference(resourceId('Microsoft.Network/azureFirewalls', '{name}')).ipConfigurations[{i}].properties.privateIPAddress"),
                            "is known only after apply",
                        ),
                    ));
                }
            }
        }
    }
}

pub(crate) fn body_object(
    m: &Module,
    fi: usize,
    body: &Body,
    scope: &[(String, Val)],
    depth: usize,
) -> Vec<(String, Val)> {
    let mut o: Vec<(String, Val)> = Vec::new();
    for a in body.attributes() {
        let k = a.key.value().as_str();
        if META.contains(&k) {
            continue;
        }
        o.push((k.to_string(), m.eval_in(fi, &a.value, scope)));
    }
    if depth > 16 {
        return o;
    }
    for (name, inst) in super::blocks::all_blocks(m, fi, body, scope) {
        if META.contains(&name.as_str()) {
            continue;
        }
        let v = Val::Object(body_object(m, fi, inst.body, &inst.scope, depth + 1));
        match o.iter_mut().find(|(k, _)| *k == name) {
            Some((_, Val::Array(list))) => list.push(v),
            _ => o.push((name, Val::Array(vec![v]))),
        }
    }
    o
}

impl Env for Module<'_> {
    fn lookup(&self, root: &str, attrs: &[String]) -> Option<(Val, usize)> {
        let first = attrs.first().map(String::as_str);
        match (root, first) {
            ("var", Some(n)) => Some((self.var(n), 1)),
            ("local", Some(n)) => Some((self.local(n), 1)),
            ("path", Some(p)) => Some((
                Val::Str(if p == "module" {
                    format!("./{}", self.dir)
                } else {
                    ".".into()
                }),
                1,
            )),
            ("terraform", Some("workspace")) => Some((Val::Str("default".into()), 1)),
            ("module", Some(n)) => Some((self.call_value(n), 1)),
            ("data", Some(t)) => {
                let n = attrs.get(1)?;
                let v = match self.data.get(&(t.to_string(), n.clone())) {
                    Some(&at) => self.object("data", t, n, at),
                    None => err(format!("data.{t}.{n}"), "data source not declared"),
                };
                Some((v, 2))
            }
            ("self", _) => Some((Val::unknown("self", "self is not evaluated"), 0)),
            (ty, Some(n)) if ty.contains('_') => {
                let &at = self.resources.get(&(ty.to_string(), n.to_string()))?;
                let v = self.object("resource", ty, n, at);
                // An attribute of a single instance not set in the body is computed.
                if let (Some(attr), Val::Object(o)) = (attrs.get(1), &v) {
                    let got = o.iter().find(|(k, _)| k == attr).map(|(_, x)| x.clone());
                    return Some((
                        got.unwrap_or_else(|| {
                            Val::unknown(format!("{ty}.{n}.{attr}"), "known only after apply")
                        }),
                        2,
                    ));
                }
                Some((v, 1))
            }
            _ => None,
        }
    }

    fn step(&self) -> bool {
        let f = self.shared.fuel.get();
        if f == 0 {
            return false;
        }
        self.shared.fuel.set(f - 1);
        true
    }
}

/// The syntax tree of a module's file and the text its spans point into: a `.tf`
/// file's own, a `.tf.json` file's native syntax ([`super::json_syntax`]). `None`: it
/// does not parse (reported when that file is lowered, not here).
pub(crate) fn parse_file(name: &str, text: String) -> (String, Option<Body>) {
    if !super::is_terraform_json(name) {
        let body = syntax::parse(&text).ok();
        return (text, body);
    }
    match super::json_syntax::convert(&text) {
        Ok(c) => {
            let hcl = c.gen.text;
            let body = syntax::parse(&hcl).ok();
            (hcl, body)
        }
        Err(_) => (text, None),
    }
}

/// Reads a directory's Terraform files (`.tf`, `.tf.json`) and the variable files Terraform reads
/// on its own, then `named` (a variable file's path and text) over them, as
/// `-var-file` is applied after them. `own` replaces the file of that name (the text
/// being lowered, which may be a revision's rather than the disk's). `Err` is the named
/// file's syntax error; the others' are not this file's to report.
pub(crate) fn read_dir(
    files: &dyn Files,
    dir: &str,
    own: Option<(&str, &str)>,
    named: Option<(&str, &str)>,
) -> Result<(Vec<TfFile>, Tfvars), (String, crate::json::Span)> {
    let mut listed = files.dir(dir).unwrap_or_default();
    if let Some((name, text)) = own {
        listed.retain(|(n, _)| n != name);
        listed.push((name.to_string(), text.to_string()));
    }
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    let rel = |n: &str| {
        if dir.is_empty() {
            n.to_string()
        } else {
            format!("{dir}/{n}")
        }
    };
    let mut tf = Vec::new();
    let mut auto: Vec<(u8, String, String)> = Vec::new();
    for (name, text) in listed {
        if super::is_terraform(&name) {
            let (text, body) = parse_file(&name, text);
            tf.push(TfFile {
                rel: rel(&name),
                text,
                body,
            });
        } else if let Some(rank) = auto_rank(&name) {
            auto.push((rank, name, text));
        }
    }
    // Terraform's precedence: terraform.tfvars, then its JSON form, then the
    // *.auto.tfvars files in lexical order; later ones win.
    auto.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut values = Tfvars::default();
    for (_, name, text) in auto {
        let _ = values.layer(&rel(&name), &text);
    }
    if let Some((vrel, text)) = named {
        values.layer(vrel, text)?;
    }
    Ok((tf, values))
}

#[cfg(test)]
mod tests {
    #[test]
    fn provider_major_versions() {
        assert_eq!(super::major_of("~> 3.0"), Some(3));
        assert_eq!(super::major_of(">= 3.90, < 4.0"), Some(3));
        assert_eq!(super::major_of("4.1.0"), Some(4));
        assert_eq!(super::major_of(""), None);
    }
}
