//! Native Terraform support: a `.tf` file is lowered to the ARM template its
//! resources amount to, as a [`json::Document`] whose spans point into the `.tf` text,
//! so resolution, the network index, the rules and the reports work unchanged.
//!
//! The unit is one file: lowering `main.tf` evaluates its whole module directory
//! (variables with defaults, `terraform.tfvars`, `*.auto.tfvars` and a named variable
//! file; locals; the
//! other files' resources, for references) but emits only the resources declared in
//! `main.tf`. Values are computed here (`eval.rs`, `funcs.rs`) rather than lowered to
//! ARM expressions; what is unknown before apply is written as an unknown the ARM
//! evaluator reads back (`emit.rs`).

mod blocks;
mod calls;
mod emit;
mod eval;
mod funcs;
mod generated;
mod ids;
mod json_syntax;
mod map;
mod map_aks;
mod map_fw;
mod module;
mod plan;
mod syntax;
#[cfg(test)]
mod tests;
mod update;
mod vars;

pub use crate::bicep::lower::{Lowered, Problem};
pub use plan::{is_plan, lower_plan};
pub use vars::{check as check_var_file, is_var_file};

use crate::json::{self, Node, Span, Value};
use emit::string;
use module::{read_dir, span_of, InstancesError, Module, Shared};
use std::path::Path;
use std::rc::Rc;

/// Where the other files of a module are read from.
pub trait Files {
    /// The Terraform and variable files (`.tf`, `*.tfvars`, `*.tfvars.json`) of the
    /// directory `dir` (relative to the scanned root, `/`-separated, `""` for the
    /// root), as (file name, text).
    fn dir(&self, dir: &str) -> Result<Vec<(String, String)>, String>;

    /// The text of one file (relative to the scanned root), for the module manifest
    /// `terraform init` writes; none by default.
    fn text(&self, _rel: &str) -> Result<String, String> {
        Err("not read".into())
    }
}

/// Reads nothing: a file read from a git revision is lowered on its own.
pub struct NoFiles;

impl Files for NoFiles {
    fn dir(&self, _dir: &str) -> Result<Vec<(String, String)>, String> {
        Err("other files are not read for this file".into())
    }
}

/// Bounds on what one lowering may do (hostile input must not hang or exhaust memory).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Instances of one `count`/`for_each` block (ARM's copy limit).
    pub instances: usize,
    /// Evaluation steps of one lowering.
    pub fuel: u64,
    /// Modules one lowering reads.
    pub modules: usize,
    /// How deep modules nest.
    pub depth: usize,
    /// ARM resources one file emits.
    pub resources: usize,
}

pub const LIMITS: Limits = Limits {
    instances: 800,
    fuel: 2_000_000,
    modules: 256,
    depth: 16,
    resources: 10_000,
};

/// Files one directory listing reads at most, and the bytes of one file.
const MAX_DIR_FILES: usize = 512;
const MAX_DIR_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A `.tf.json` file: Terraform's JSON syntax.
pub fn is_terraform_json(rel: &str) -> bool {
    let b = rel.as_bytes();
    b.len() >= 8 && b[b.len() - 8..].eq_ignore_ascii_case(b".tf.json")
}

/// A Terraform file, `.tf` or `.tf.json` (judged by lowering it to ARM).
pub fn is_terraform(rel: &str) -> bool {
    let b = rel.as_bytes();
    (b.len() >= 3 && b[b.len() - 3..].eq_ignore_ascii_case(b".tf")) || is_terraform_json(rel)
}

/// Reads module directories under a scanned root, never outside it.
pub struct DiskFiles {
    pub root: std::path::PathBuf,
}

impl Files for DiskFiles {
    fn dir(&self, dir: &str) -> Result<Vec<(String, String)>, String> {
        let root = self.root.canonicalize().map_err(|e| e.to_string())?;
        let full = self
            .root
            .join(dir)
            .canonicalize()
            .map_err(|e| format!("cannot read: {e}"))?;
        if !full.starts_with(&root) {
            return Err("the directory is outside the scanned folder".into());
        }
        let mut out = Vec::new();
        for e in std::fs::read_dir(&full).map_err(|e| format!("cannot list: {e}"))? {
            let Ok(e) = e else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            let lower = name.to_ascii_lowercase();
            if !(lower.ends_with(".tf")
                || lower.ends_with(".tf.json")
                || lower.ends_with(".tfvars")
                || lower.ends_with(".tfvars.json"))
            {
                continue;
            }
            // Regular files only (no FIFOs, no symlinks out of the root).
            let Ok(real) = e.path().canonicalize() else {
                continue;
            };
            let Ok(meta) = std::fs::metadata(&real) else {
                continue;
            };
            if !real.starts_with(&root) || !meta.is_file() || meta.len() > MAX_DIR_FILE_BYTES {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&real) {
                out.push((name, text));
            }
            if out.len() >= MAX_DIR_FILES {
                break;
            }
        }
        Ok(out)
    }

    fn text(&self, rel: &str) -> Result<String, String> {
        let root = self.root.canonicalize().map_err(|e| e.to_string())?;
        let real = self
            .root
            .join(rel)
            .canonicalize()
            .map_err(|e| format!("cannot read: {e}"))?;
        let meta = std::fs::metadata(&real).map_err(|e| e.to_string())?;
        if !real.starts_with(&root) || !meta.is_file() || meta.len() > MAX_DIR_FILE_BYTES {
            return Err("not a regular file of at most 4 MB inside the scanned folder".into());
        }
        std::fs::read_to_string(&real).map_err(|e| e.to_string())
    }
}

/// The modules `terraform init` installed for the root module in `dir`
/// (`.terraform/modules/modules.json`: each module key with its directory, relative to
/// `dir`), as directories relative to the scanned root. Directories that would leave
/// the root are left out: such a module stays not visible.
fn installed_modules(files: &dyn Files, dir: &str) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let manifest = calls::join(dir, ".terraform/modules/modules.json").unwrap_or_default();
    let Ok(text) = files.text(&manifest) else {
        return out;
    };
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return out;
    };
    for m in doc["Modules"].as_array().into_iter().flatten() {
        let (Some(key), Some(d)) = (m["Key"].as_str(), m["Dir"].as_str()) else {
            continue;
        };
        if key.is_empty() {
            continue;
        }
        if let Some(joined) = calls::join(dir, &d.replace('\\', "/")) {
            out.insert(key.to_string(), joined);
        }
    }
    out
}

fn split(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

/// Parses and lowers a `.tf` file at `rel` (relative to the scan root); `Err` is its
/// first syntax error. A file that declares nothing aksgate maps lowers to an empty
/// object, which classification takes for "not a deployment file".
pub fn lower_text(text: &str, rel: &str, files: &dyn Files) -> Result<Lowered, Problem> {
    lower_with(text, rel, files, None, LIMITS)
}

/// [`lower_text`] with a named variable file (its path relative to the scan root, and
/// its text) layered over the ones Terraform reads on its own, as `-var-file` is.
pub fn lower_with_var_file(
    text: &str,
    rel: &str,
    files: &dyn Files,
    var_file: (&str, &str),
) -> Result<Lowered, Problem> {
    lower_with(text, rel, files, Some(var_file), LIMITS)
}

pub fn lower_with(
    text: &str,
    rel: &str,
    files: &dyn Files,
    var_file: Option<(&str, &str)>,
    limits: Limits,
) -> Result<Lowered, Problem> {
    if !is_terraform_json(rel) {
        return lower_native(text, text, rel, files, var_file, limits);
    }
    // Terraform's JSON syntax: lowered as the native text it stands for, every span
    // then put back on the JSON it came from.
    let conv = json_syntax::convert(text)?;
    let whole = Span::new(0, text.len());
    let map = |s: Span| conv.gen.map(s, whole);
    let mut l =
        lower_native(conv.hcl(), text, rel, files, var_file, limits).map_err(|p| Problem {
            span: map(p.span),
            ..p
        })?;
    generated::remap(&mut l.doc.root, &conv.gen, whole);
    for o in &mut l.doc.origins {
        o.at = map(o.at);
    }
    for p in &mut l.problems {
        p.span = map(p.span);
    }
    l.problems.sort_by_key(|p| (p.span.start, p.span.end));
    l.doc.comments = conv.comments;
    Ok(l)
}

/// Lowers native-syntax `text`; `own` is the file's text as its module reads it (the
/// `.tf.json` text `text` was generated from, or `text` itself).
fn lower_native(
    text: &str,
    own: &str,
    rel: &str,
    files: &dyn Files,
    var_file: Option<(&str, &str)>,
    limits: Limits,
) -> Result<Lowered, Problem> {
    if let Err(e) = syntax::parse(text) {
        return Err(Problem {
            code: "AKS901",
            message: format!("invalid Terraform: {}", e.message),
            span: e.span,
        });
    }
    let (dir, name) = split(rel);
    let (files_read, tfvars) =
        read_dir(files, dir, Some((name, own)), var_file).map_err(|(message, _)| Problem {
            code: "AKS901",
            message: format!(
                "the variable file {} is invalid: {message}",
                var_file.map_or("", |v| v.0)
            ),
            span: Span::default(),
        })?;
    let shared = Rc::new(Shared {
        files,
        fuel: std::cell::Cell::new(limits.fuel),
        modules: std::cell::Cell::new(0),
        limits,
        installed: installed_modules(files, dir),
        origins: Default::default(),
    });
    let m = Module::new(dir.to_string(), files_read, shared, None, tfvars, None, 0);
    let Some(fi) = m
        .files
        .iter()
        .position(|f| f.rel == rel || split(&f.rel).1 == name)
    else {
        return Err(Problem {
            code: "AKS901",
            message: "the file is missing from its own module".into(),
            span: Span::default(),
        });
    };
    let mut out = Out::default();
    emit_file(&m, fi, None, &mut out);
    // Where values came from, for this file's resources (taken before the module's
    // other files are emitted to find what an update names).
    let origins = m.shared.origins.take();
    let updates = update::updates(&m);
    if !updates.is_empty() {
        let module_resources = || {
            let mut all = Out::default();
            for f in 0..m.files.len() {
                emit_file(&m, f, None, &mut all);
            }
            all.resources
        };
        update::apply(
            &updates,
            fi,
            &mut out.resources,
            &module_resources,
            &mut out.problems,
        );
    }
    let whole = Span::new(0, text.len());
    let at0 = Span::new(0, 0);
    let comments = syntax::comments(text);
    if out.resources.is_empty() && out.problems.is_empty() {
        return Ok(Lowered {
            doc: json::Document {
                root: emit::Obj::default().node(whole),
                comments,
                prior: None,
                compiled: None,
                reads: Vec::new(),
                origins: Vec::new(),
            },
            problems: Vec::new(),
        });
    }
    let mut root = emit::Obj::default();
    root.put(
        "$schema",
        string(
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            at0,
        ),
    );
    root.put("contentVersion", string("1.0.0.0", at0));
    root.put(
        "resources",
        Node {
            value: Value::Array(out.resources),
            span: at0,
        },
    );
    out.problems.sort_by_key(|p| (p.span.start, p.span.end));
    Ok(Lowered {
        doc: json::Document {
            root: root.node(whole),
            comments,
            prior: None,
            compiled: None,
            reads: Vec::new(),
            origins,
        },
        problems: out.problems,
    })
}

#[derive(Default)]
struct Out {
    resources: Vec<Node>,
    problems: Vec<Problem>,
}

/// Emits the mapped resources (and local modules' resources) declared in file `fi` of
/// module `m`; `over` is the span they all take when `m` is a module called from the
/// file being lowered.
fn emit_file(m: &Module, fi: usize, over: Option<Span>, out: &mut Out) {
    let Some(body) = &m.files[fi].body else {
        return;
    };
    for (si, st) in body.iter().enumerate() {
        let Some(b) = st.as_block() else { continue };
        let kind = b.ident.value().as_str();
        let at = over.unwrap_or_else(|| span_of(b));
        match kind {
            "resource" => {
                let Some(ty) = module::label(b, 0) else {
                    continue;
                };
                if !map::MAPPED.contains(&ty) {
                    continue;
                }
                let (insts, condition) = match m.instances((fi, si)) {
                    Ok(i) => (i, None),
                    Err(InstancesError::TooMany(msg)) => {
                        out.problems.push(Problem {
                            code: "AKS901",
                            message: format!("not supported: {msg}"),
                            span: at,
                        });
                        continue;
                    }
                    // One instance stands for them all, its existence unknown.
                    Err(InstancesError::Unknown(u)) => {
                        let scope = vec![
                            ("count".to_string(), object_of("index", &u)),
                            ("each".to_string(), {
                                let mut o = object_of("key", &u);
                                if let crate::arm::value::Val::Object(x) = &mut o {
                                    x.push(("value".into(), u.clone()));
                                }
                                o
                            }),
                        ];
                        (vec![module::Instance { key: None, scope }], Some(u))
                    }
                };
                let cx = map::Ctx { m, fi, over };
                for inst in insts {
                    if out.resources.len() >= m.shared.limits.resources {
                        out.problems.push(Problem {
                            code: "AKS901",
                            message: format!(
                                "not supported: more than {} resources in one file",
                                m.shared.limits.resources
                            ),
                            span: at,
                        });
                        return;
                    }
                    let bi = blocks::BlockInst {
                        body: &b.body,
                        scope: inst.scope,
                        span: span_of(b),
                    };
                    let before = out.resources.len();
                    map::resource(&cx, ty, &bi, &mut out.resources);
                    if let Some(u) = &condition {
                        for r in &mut out.resources[before..] {
                            if let Value::Object(members) = &mut r.value {
                                members.push(json::Member {
                                    key: "condition".into(),
                                    key_span: at,
                                    value: emit::node(u, at),
                                });
                            }
                        }
                    }
                }
            }
            "module" => {
                let insts = match m.instances((fi, si)) {
                    Ok(i) => i,
                    Err(InstancesError::TooMany(msg)) => {
                        out.problems.push(Problem {
                            code: "AKS901",
                            message: format!("not supported: {msg}"),
                            span: at,
                        });
                        continue;
                    }
                    Err(InstancesError::Unknown(u)) => {
                        out.problems.push(Problem {
                            code: "AKS900",
                            message: format!(
                                "not checked: module instances unknown: {}",
                                crate::arm::functions::display_string(&u)
                            ),
                            span: at,
                        });
                        continue;
                    }
                };
                for inst in insts {
                    match calls::child(m, (fi, si), b, &inst) {
                        Ok(child) => {
                            let src = b
                                .body
                                .get_attribute("source")
                                .map(|a| span_of(&a.value))
                                .unwrap_or(at);
                            let span = over.unwrap_or(src);
                            let mut inner = Out::default();
                            for cfi in 0..child.files.len() {
                                emit_file(&child, cfi, Some(span), &mut inner);
                            }
                            // The child's updates, merged into what it creates (every
                            // file of it is emitted, so what is not found is not its own).
                            let updates = update::updates(&child);
                            update::apply_within(
                                &updates,
                                span,
                                &mut inner.resources,
                                &mut inner.problems,
                            );
                            out.resources.append(&mut inner.resources);
                            out.problems.append(&mut inner.problems);
                        }
                        Err(mut p) => {
                            if let Some(o) = over {
                                p.span = o;
                            }
                            out.problems.push(p);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn object_of(key: &str, v: &crate::arm::value::Val) -> crate::arm::value::Val {
    crate::arm::value::Val::Object(vec![(key.to_string(), v.clone())])
}

/// How many directories up a module's caller is looked for.
const CALLER_LEVELS: usize = 4;

/// The file of an enclosing directory (up to [`CALLER_LEVELS`] up) whose local
/// module call names the directory of `rel`: such a module is judged through that
/// call, with the inputs it passes, not on its own (where its variables have no
/// values). A caller elsewhere (`env/dev` calling `../../modules/aks`) is not looked
/// for: the module is then judged on its own too.
pub fn caller_of(rel: &str, files: &dyn Files) -> Option<String> {
    let (dir, _) = split(rel);
    if dir.is_empty() {
        return None;
    }
    let mut up = dir;
    for _ in 0..CALLER_LEVELS {
        up = match up.rsplit_once('/') {
            Some((a, _)) => a,
            None if up.is_empty() => return None,
            None => "",
        };
        for (name, text) in files.dir(up).unwrap_or_default() {
            if !is_terraform(&name) || !text.contains("source") {
                continue;
            }
            let (_, Some(body)) = module::parse_file(&name, text) else {
                continue;
            };
            for b in body
                .blocks()
                .filter(|b| b.ident.value().as_str() == "module")
            {
                let src = b
                    .body
                    .get_attribute("source")
                    .and_then(|a| a.value.as_str());
                let called = src
                    .filter(|s| s.starts_with("./") || s.starts_with("../"))
                    .and_then(|s| calls::join(up, s));
                if called.as_deref() == Some(dir) {
                    return Some(if up.is_empty() {
                        name
                    } else {
                        format!("{up}/{name}")
                    });
                }
            }
        }
        if up.is_empty() {
            return None;
        }
    }
    None
}

/// The scanned root of a file at `path` whose path under it is `rel`.
pub fn disk_files(path: &Path, rel: &str) -> DiskFiles {
    let mut root = path.to_path_buf();
    for _ in rel.split('/') {
        root.pop();
    }
    if root.as_os_str().is_empty() {
        root = ".".into();
    }
    DiskFiles { root }
}
