//! `module m './x.bicep' = {...}` to the nested deployment the compiler writes: a
//! `Microsoft.Resources/deployments` resource with inner expression scope, the
//! `params` as `{value: ...}`, and the module's lowered template inline. The module's
//! own spans would point into another file, so its nodes take the span of the module
//! path here: a finding inside a module points at the `module` line that brings it in.

use super::decl::{self, body, loop_locals, name_node, property};
use super::expr::{Lower, DEPLOYMENTS_API};
use super::node;
use super::registry;
use super::{span, Trail, MAX_MODULES, MAX_MODULE_DEPTH};
use crate::bicep::syntax::ast::{ExprKind, ModuleDecl, ObjectItem, Statement};
use crate::json::{self, Member, Node, Value};
use std::path::{Component, Path, PathBuf};

/// Where modules are read from: the scan's files on disk, or text fed by tests.
pub trait Files {
    /// The file `rel` names, relative to the file `from` (both `/`-separated, relative
    /// to the scanned root): its normalised path and its text.
    fn read(&self, from: &str, rel: &str) -> Result<(String, String), String>;

    /// The normalised path of the file `rel` names from `from`, without reading it (a
    /// `.bicepparam` file's `using` template). Texts not read from a folder only check
    /// that the path stays inside the root.
    fn locate(&self, from: &str, rel: &str) -> Result<String, Located> {
        join(from, rel).ok_or(Located::Outside)
    }

    /// The text of `cache_path` (a registry module's `main.json`, relative to the module
    /// cache, see [`super::registry`]), `hint` being the `bicepconfig.json`'s
    /// `cacheRootDirectory`. Texts not read from a folder read no cache.
    fn cached(&self, _cache_path: &str, _hint: Option<&str>) -> Result<String, String> {
        Err("the module cache is not read for this file".into())
    }

    /// [`Files::read`] as bytes, for the load functions (binary files, other encodings).
    fn read_bytes(&self, from: &str, rel: &str) -> Result<(String, Vec<u8>), String> {
        self.read(from, rel).map(|(p, t)| (p, t.into_bytes()))
    }

    /// The folder `rel` names from `from` (its normalised path) and the names of the
    /// files directly in it, for `loadDirectoryFileInfo()`. Texts not read from a
    /// folder list none.
    fn list(&self, _from: &str, _rel: &str) -> Result<(String, Vec<String>), String> {
        Err("folders are not listed for this file".into())
    }
}

/// A folder listed by `loadDirectoryFileInfo()` holds at most this many files.
pub const MAX_LISTED_FILES: usize = 10_000;

/// Why [`Files::locate`] found no file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// The path leaves the scanned folder (or a symlink points out of it).
    Outside,
    /// Nothing readable there.
    Missing(String),
}

/// Reads nothing: modules are AKS900 (for texts not read from a folder).
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, _from: &str, _rel: &str) -> Result<(String, String), String> {
        Err("modules are not read for this file".into())
    }
}

/// Reads modules under a scanned root, never outside it.
pub struct DiskFiles {
    pub root: PathBuf,
}

/// `rel` resolved against the folder of `from`, or `None` when it leaves the root.
pub fn join(from: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<String> = from.split('/').map(str::to_string).collect();
    parts.pop();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

impl DiskFiles {
    /// `rel` from `from` on disk: its path under the root and its real path, which must
    /// be inside the root too (no symlink out).
    fn real(&self, from: &str, rel: &str) -> Result<(String, PathBuf), Located> {
        let path = join(from, rel).ok_or(Located::Outside)?;
        let real = self
            .root
            .join(&path)
            .canonicalize()
            .map_err(|e| Located::Missing(e.to_string()))?;
        let root = self
            .root
            .canonicalize()
            .map_err(|e| Located::Missing(e.to_string()))?;
        if !real.starts_with(&root) {
            return Err(Located::Outside);
        }
        Ok((path, real))
    }
}

impl Files for DiskFiles {
    fn cached(&self, cache_path: &str, hint: Option<&str>) -> Result<String, String> {
        super::registry::read_cached(cache_path, hint)
    }

    fn locate(&self, from: &str, rel: &str) -> Result<String, Located> {
        let (path, real) = self.real(from, rel)?;
        if !real.is_file() {
            return Err(Located::Missing("not a file".into()));
        }
        Ok(path)
    }

    fn read(&self, from: &str, rel: &str) -> Result<(String, String), String> {
        let (path, bytes) = self.read_bytes(from, rel)?;
        let text =
            String::from_utf8(bytes).map_err(|_| "cannot read: not UTF-8 text".to_string())?;
        Ok((path, text))
    }

    fn read_bytes(&self, from: &str, rel: &str) -> Result<(String, Vec<u8>), String> {
        let path = join(from, rel).ok_or("the module path leaves the scanned folder")?;
        let full = self.root.join(&path);
        let real = full
            .canonicalize()
            .map_err(|e| format!("cannot read: {e}"))?;
        let root = self
            .root
            .canonicalize()
            .map_err(|e| format!("cannot read: {e}"))?;
        if !real.starts_with(&root) {
            return Err("the module file is outside the scanned folder".into());
        }
        match std::fs::metadata(&real) {
            Ok(m) if m.len() > crate::load::MAX_FILE_BYTES => {
                return Err("the module file is too large".into())
            }
            _ => {}
        }
        let bytes = std::fs::read(&real).map_err(|e| format!("cannot read: {e}"))?;
        Ok((path, bytes))
    }

    fn list(&self, from: &str, rel: &str) -> Result<(String, Vec<String>), String> {
        let (path, real) = self.real(from, rel).map_err(|e| match e {
            Located::Outside => "the folder is outside the scanned folder".to_string(),
            Located::Missing(e) => format!("cannot read: {e}"),
        })?;
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&real).map_err(|e| format!("cannot read: {e}"))? {
            let entry = entry.map_err(|e| format!("cannot read: {e}"))?;
            // Files only (a symlink counts as what it points to, as for the compiler).
            if entry.path().is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
            if names.len() > MAX_LISTED_FILES {
                return Err(format!("it holds over {MAX_LISTED_FILES} files"));
            }
        }
        Ok((path, names))
    }
}

/// Sets every span in `n` to `at`.
pub fn respan(n: &mut Node, at: json::Span) {
    n.span = at;
    match &mut n.value {
        Value::Array(items) => items.iter_mut().for_each(|i| respan(i, at)),
        Value::Object(members) => members.iter_mut().for_each(|m| {
            m.key_span = at;
            respan(&mut m.value, at)
        }),
        _ => {}
    }
}

/// A registry or template spec module's compiled JSON from the module cache, named by
/// its fully qualified reference.
fn from_cache(files: &dyn Files, from: &str, target: &str) -> Result<(String, String), String> {
    let config = registry::config_for(files, from)?;
    let resolved = registry::resolve(target, &config)?;
    let text = files
        .cached(&resolved.cache_path, config.cache_root.as_deref())
        .map_err(|e| format!("{} is not in the module cache ({e}): run `bicep restore` before aksgate, or name the cache in bicep_module_cache", resolved.reference))?;
    Ok((resolved.reference, text))
}

/// The module's template, lowered (or `None` after a problem at `at`).
fn template(
    l: &mut Lower<'_>,
    name: &str,
    target: &str,
    from: &str,
    files: &dyn Files,
    stack: &mut Trail,
    at: crate::bicep::syntax::Span,
) -> Option<Node> {
    let external = registry::is_external(target);
    if stack.loaded >= MAX_MODULES {
        l.problem(
            "AKS901",
            format!("module '{name}': more than {MAX_MODULES} modules in one deployment"),
            at,
        );
        return None;
    }
    if stack.files.len() > MAX_MODULE_DEPTH {
        l.problem(
            "AKS901",
            format!("module '{name}': modules nest deeper than {MAX_MODULE_DEPTH}"),
            at,
        );
        return None;
    }
    let read = if external {
        from_cache(files, from, target)
    } else {
        files.read(from, target)
    };
    let (path, text) = match read {
        Ok(f) => f,
        Err(e) => {
            l.problem(
                "AKS900",
                format!("not checked: module not visible: '{target}': {e}"),
                at,
            );
            return None;
        }
    };
    if stack.files.contains(&path) {
        l.problem(
            "AKS901",
            format!("module '{name}': '{path}' includes itself"),
            at,
        );
        return None;
    }
    let mut root = if external || path.ends_with(".json") {
        stack.loaded += 1;
        match json::parse(&text) {
            Ok(d) => d.root,
            Err(e) => {
                l.problem(
                    "AKS901",
                    format!("module '{name}': '{path}' is not valid JSON: {}", e.message),
                    at,
                );
                return None;
            }
        }
    } else {
        let parsed = crate::bicep::syntax::parse(&text);
        if let Some(e) = parsed.errors.first() {
            l.problem(
                "AKS901",
                format!(
                    "module '{name}': '{path}' is not valid Bicep: {}",
                    e.message
                ),
                at,
            );
            return None;
        }
        stack.files.push(path.clone());
        stack.loaded += 1;
        let lowered = decl::lower_file(&parsed.program, &path, files, stack);
        stack.files.pop();
        for p in lowered.problems {
            l.problem(
                p.code,
                format!("in module '{name}' ({path}): {}", p.message),
                at,
            );
        }
        lowered.doc.root
    };
    respan(&mut root, span(at));
    Some(root)
}

pub(crate) fn lower(
    l: &mut Lower<'_>,
    st: &Statement,
    m: &ModuleDecl,
    from: &str,
    file_scope: &str,
    files: &dyn Files,
    stack: &mut Trail,
) -> Option<Node> {
    let Some(target) = m.path.as_ref().and_then(|p| p.as_plain()) else {
        l.unsupported("a module path that is not a plain string", st.span);
        return None;
    };
    let path_span = m.path.as_ref().map_or(st.span, |p| p.span);
    let Some(b) = body(&m.body) else {
        l.unsupported("this module body", m.body.span);
        return None;
    };
    let ExprKind::Object(items) = &b.object.kind else {
        return None;
    };
    let tpl = template(l, &m.name.name, target, from, files, stack, path_span)?;
    let at = span(st.span);
    let ps = span(path_span);
    let pushed = loop_locals(l, &m.body);
    let dep = l.sym.modules.get(&m.name.name).cloned().unwrap_or_default();
    let name_span = property(items, "name").map_or(span(m.name.span), |n| span(n.span));
    let mut members: Vec<Member> = vec![
        node::member(
            "type",
            ps,
            node::string("Microsoft.Resources/deployments", ps),
        ),
        node::member("apiVersion", ps, node::string(DEPLOYMENTS_API, ps)),
        node::member("name", name_span, name_node(&dep, name_span)),
    ];
    // A deployment to a subscription, management group or tenant is itself located, as
    // the compiler writes it.
    let rg_template = tpl.get("$schema").and_then(Node::as_str).is_none_or(|s| {
        s.to_ascii_lowercase()
            .ends_with("/deploymenttemplate.json#")
    });
    if !rg_template {
        members.push(node::member(
            "location",
            ps,
            node::expression("deployment().location", ps),
        ));
    }
    decl::loop_and_condition(l, &m.name.name, &b, pushed, &mut members);
    let mut params = Vec::new();
    let mut params_span = ps;
    let mut configs = None;
    for item in items {
        let ObjectItem::Property { key, value, .. } = item else {
            continue;
        };
        match key.as_name() {
            Some("params") => {
                params_span = span(value.span);
                match &value.kind {
                    ExprKind::Object(ps_items) => {
                        for pi in ps_items {
                            match pi {
                                ObjectItem::Property { key, value, .. } => {
                                    let Some(k) = l.key(key) else { continue };
                                    let v = l.value(value);
                                    let vs = v.span;
                                    params.push(node::member(
                                        &k,
                                        span(key.span()),
                                        node::object(vec![node::member("value", vs, v)], vs),
                                    ));
                                }
                                other => {
                                    let s = match other {
                                        ObjectItem::Spread { span, .. } => *span,
                                        ObjectItem::Resource(st) => st.span,
                                        ObjectItem::Error(s) => *s,
                                        ObjectItem::Property { span, .. } => *span,
                                    };
                                    l.unsupported("this module parameter", s);
                                }
                            }
                        }
                    }
                    _ => {
                        l.unsupported("module params that are not an object literal", value.span);
                    }
                }
            }
            Some("scope") => scope(l, value, file_scope, &mut members),
            Some("extensionConfigs") => configs = Some(extension_configs(l, value)),
            _ => {}
        }
    }
    l.locals.truncate(l.locals.len() - pushed);
    let inner = node::object(
        vec![node::member("scope", ps, node::string("inner", ps))],
        ps,
    );
    let mut props = vec![
        node::member("expressionEvaluationOptions", ps, inner),
        node::member("mode", ps, node::string("Incremental", ps)),
        node::member("parameters", params_span, node::object(params, params_span)),
    ];
    if let Some(c) = configs {
        props.push(node::member("extensionConfigs", c.span, c));
    }
    props.push(node::member("template", ps, tpl));
    let props = node::object(props, ps);
    members.push(node::member("properties", ps, props));
    Some(node::object(members, at))
}

/// A module's `scope:` as the deployment's `resourceGroup`, `subscriptionId` or `scope`;
/// `file_scope` is the deploying file's `targetScope`.
fn scope(
    l: &mut Lower<'_>,
    value: &crate::bicep::syntax::ast::Expr,
    file_scope: &str,
    members: &mut Vec<Member>,
) {
    // `scope: rg` (or `rgs[i]`): a resource group the file declares, by its name.
    if let Some(r) = l.resource_of(value) {
        if r.ty
            .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
            && !r.looped
        {
            let at = span(value.span);
            let name = r.segments.last().cloned().unwrap_or_default();
            members.push(node::member(
                "resourceGroup",
                at,
                node::expression(&name, at),
            ));
            return;
        }
    }
    let (name, args) = match &value.kind {
        ExprKind::Call { name, args } => (name.name.as_str(), args.as_slice()),
        ExprKind::MethodCall {
            receiver,
            name,
            args,
        } if matches!(&receiver.kind, ExprKind::Ident(ns) if ns.name == "az") => {
            (name.name.as_str(), args.as_slice())
        }
        _ => {
            l.unsupported("this module `scope:`", value.span);
            return;
        }
    };
    let at = span(value.span);
    let mut put = |l: &mut Lower<'_>, key: &str, e: &crate::bicep::syntax::ast::Expr| {
        let v = l.value(e);
        members.push(node::member(key, at, v));
    };
    match (name, args) {
        ("resourceGroup", [rg]) => put(l, "resourceGroup", rg),
        ("resourceGroup", [sub, rg]) => {
            put(l, "subscriptionId", sub);
            put(l, "resourceGroup", rg);
        }
        ("subscription", [sub]) => put(l, "subscriptionId", sub),
        // From a resource group, the subscription it is in: the deployment leaves the
        // group by naming the subscription (as the compiler writes it).
        ("subscription", []) if file_scope == "resourceGroup" => members.push(node::member(
            "subscriptionId",
            at,
            node::expression("subscription().subscriptionId", at),
        )),
        ("resourceGroup" | "subscription", []) => {}
        ("tenant", []) => members.push(node::member("scope", at, node::string("/", at))),
        ("managementGroup", [mg]) => {
            let id = l.expr(mg);
            let text = format!("format('Microsoft.Management/managementGroups/{{0}}', {id})");
            members.push(node::member("scope", at, node::expression(&text, at)));
        }
        ("managementGroup", []) => {}
        _ => {
            l.unsupported("this module `scope:`", value.span);
        }
    }
}

/// `extensionConfigs: { k8s: { kubeConfig: v } }`: each setting as `{"value": v}`, as
/// the compiler writes it; a whole configuration as an expression (`k8s.config`, an
/// extension's configuration inherited) stays one. Read by the extension, not by ARM:
/// lowered so the deployment is the compiler's.
fn extension_configs(l: &mut Lower<'_>, value: &crate::bicep::syntax::ast::Expr) -> Node {
    let at = span(value.span);
    let ExprKind::Object(items) = &value.kind else {
        return l.value(value);
    };
    let mut out = Vec::new();
    for item in items {
        let ObjectItem::Property { key, value, .. } = item else {
            l.unsupported("this extension configuration", value.span);
            continue;
        };
        let Some(alias) = l.key(key) else { continue };
        let config = match &value.kind {
            ExprKind::Object(settings) => {
                let mut members = Vec::new();
                for s in settings {
                    let ObjectItem::Property { key, value, .. } = s else {
                        l.unsupported("this extension configuration", value.span);
                        continue;
                    };
                    let Some(k) = l.key(key) else { continue };
                    let v = l.value(value);
                    let vs = v.span;
                    members.push(node::member(
                        &k,
                        span(key.span()),
                        node::object(vec![node::member("value", vs, v)], vs),
                    ));
                }
                node::object(members, span(value.span))
            }
            _ => l.value(value),
        };
        out.push(node::member(&alias, span(key.span()), config));
    }
    node::object(out, at)
}
