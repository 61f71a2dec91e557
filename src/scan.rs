//! The pipeline: discover → load → resolve → evaluate → findings, for a set of paths.

use crate::classify::{self, Kind};
use crate::discover::{self, Candidate, Excludes, Skipped};
use crate::engine::{Policies, PolicyError};
use crate::finding::{Finding, Severity};
use crate::json;
use crate::pairing::{self, FileRef};
use crate::resolve::arm_eval::{ArmEvaluator, Supplied};
use crate::resolve::{self, Unit};
use crate::source::{FileId, Site, Sources};
use crate::suppress::{Inline, Scope as SupScope};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

/// Files larger than this are reported (AKS901), not parsed: a deployment file this
/// large is almost certainly generated or hostile, and ARM itself caps templates at 4 MB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub excludes: Vec<String>,
    /// Explicit (template, parameter file) pairings, paths relative to the scan root.
    pub pairs: Vec<(String, String)>,
    /// `--base REF`: compare with the deployment files of this git revision.
    pub base: Option<String>,
    /// `--baseline PATH`: compare with exported live clusters.
    pub baseline: Vec<PathBuf>,
    /// `--changed-only` (with `base`): evaluate only the units touched by the change.
    pub changed_only: bool,
    /// Options passed to the policies (`input.aksgate.options`).
    pub options: crate::input::Options,
}

impl ScanOptions {
    /// The options a configuration file implies for scanning `paths`, with the command
    /// line's extra excludes; `check` adds its baseline flags on top.
    pub fn from_config(
        paths: Vec<PathBuf>,
        cli_excludes: &[String],
        config: &crate::config::Config,
    ) -> ScanOptions {
        ScanOptions {
            paths,
            excludes: cli_excludes
                .iter()
                .chain(&config.exclude)
                .cloned()
                .collect(),
            pairs: config
                .pair
                .iter()
                .map(|p| (p.template.clone(), p.parameters.clone()))
                .collect(),
            options: crate::input::Options {
                allow_documented_migrations: config.allow_documented_migrations == Some(true),
                external_network: config.external_network == Some(true),
            },
            ..ScanOptions::default()
        }
    }
}

/// What one file turned out to be.
struct Loaded {
    rel: String,
    text: Arc<str>,
    outcome: LoadOutcome,
}

enum LoadOutcome {
    Parsed {
        doc: json::Document,
        kind: Kind,
    },
    /// Unreadable, undecodable or unparseable: `deployment` says whether it looked like
    /// a deployment file (then it is AKS901) or not (then it is skipped).
    Failed {
        message: String,
        span: json::Span,
        deployment: bool,
    },
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub files_examined: usize,
    /// The deployment files examined (ids into the scan's sources), in discovery order.
    pub examined: Vec<FileId>,
    pub by_kind: BTreeMap<&'static str, usize>,
    pub units: usize,
    pub clusters: usize,
    pub skipped: Vec<Skipped>,
}

pub struct ScanResult {
    pub sources: Sources,
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Inline suppressions found in the files (`// aksgate-ignore`, resource metadata).
    pub inline: Vec<Inline>,
}

#[derive(Debug)]
pub enum ScanError {
    Path {
        path: PathBuf,
        message: String,
    },
    Policy(PolicyError),
    /// `--base` / `--baseline` could not be read (not a git repository, unknown
    /// revision, not an export).
    Baseline(String),
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanError::Path { path, message } => {
                write!(f, "cannot scan {}: {message}", path.display())
            }
            ScanError::Policy(e) => e.fmt(f),
            ScanError::Baseline(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ScanError {}

fn load(c: &Candidate) -> Loaded {
    let fail = |message: String| Loaded {
        rel: c.rel.clone(),
        text: Arc::from(""),
        outcome: LoadOutcome::Failed {
            message,
            span: json::Span::default(),
            deployment: true,
        },
    };
    match std::fs::metadata(&c.path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return fail(too_large(m.len()));
        }
        Ok(_) => {}
        Err(e) => return fail(format!("cannot read file: {e}")),
    }
    match std::fs::read(&c.path) {
        Ok(b) => load_bytes(c.rel.clone(), &b),
        Err(e) => fail(format!("cannot read file: {e}")),
    }
}

fn too_large(len: u64) -> String {
    format!(
        "file is {} MB, over the {} MB limit for deployment files: not parsed",
        len / (1024 * 1024),
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// Decodes, parses and classifies the bytes of a file (read from disk or from a git
/// revision).
fn load_bytes(rel: String, bytes: &[u8]) -> Loaded {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Loaded {
            rel,
            text: Arc::from(""),
            outcome: LoadOutcome::Failed {
                message: too_large(bytes.len() as u64),
                span: json::Span::default(),
                deployment: true,
            },
        };
    }
    let decoded = match json::decode(bytes) {
        Ok(d) => d,
        Err(e) => {
            let looks = classify::text_looks_like_deployment(&String::from_utf8_lossy(bytes));
            let text: Arc<str> = Arc::from(String::from_utf8_lossy(bytes).as_ref());
            return Loaded {
                rel,
                text,
                outcome: LoadOutcome::Failed {
                    message: format!("cannot decode file: {}", e.message),
                    span: e.span,
                    deployment: looks,
                },
            };
        }
    };
    let text: Arc<str> = Arc::from(decoded.text);
    let outcome = match json::parse(&text) {
        Ok(doc) => {
            let kind = classify::classify(&doc.root);
            LoadOutcome::Parsed { doc, kind }
        }
        Err(e) => LoadOutcome::Failed {
            deployment: classify::text_looks_like_deployment(&text),
            message: format!("invalid JSON: {}", e.message),
            span: e.span,
        },
    };
    Loaded { rel, text, outcome }
}

/// A file of a base revision or a baseline export, loaded for comparison: added to
/// `sources` under `display` and, when it is a deployment file, parsed.
pub(crate) fn load_extra(
    sources: &mut Sources,
    rel: &str,
    display: String,
    bytes: &[u8],
) -> Option<(FileId, json::Document, Kind)> {
    let l = load_bytes(rel.to_string(), bytes);
    let id = sources.add(display, l.text);
    match l.outcome {
        LoadOutcome::Parsed { doc, kind } if kind != Kind::Other => Some((id, doc, kind)),
        _ => None,
    }
}

/// Builds a finding for a rule the Rust side emits (AKS901), with the rule's metadata.
pub fn builtin_finding(
    policies: &Policies,
    rule: &str,
    site: Site,
    message: String,
    label: &str,
) -> Finding {
    let meta = policies.rule(rule);
    Finding {
        rule: rule.to_string(),
        slug: meta
            .map(|m| m.slug.clone())
            .unwrap_or_else(|| rule.to_ascii_lowercase()),
        severity: meta.map(|m| m.severity).unwrap_or(Severity::Error),
        message,
        primary: site,
        primary_label: label.to_string(),
        related: Vec::new(),
        help: None,
        docs: meta.and_then(|m| m.docs.clone()),
        about: None,
        context: None,
        suppression: None,
        resource: None,
    }
}

/// Everything up to evaluation: the files read, what could not be loaded, the units.
pub struct Prepared {
    pub sources: Sources,
    /// Files that are (or look like) deployment files and could not be loaded: AKS901.
    pub load_failures: Vec<(Site, String)>,
    pub units: Vec<Unit>,
    pub stats: Stats,
    pub inline: Vec<Inline>,
    /// Clusters that could not be matched with their baseline: AKS900 about AKS006.
    pub baseline_notes: Vec<(Site, String)>,
}

/// Progress of a scan, for a progress bar (`audit`). Called from worker threads.
pub trait Progress: Sync {
    /// Discovery is done: `files` candidate files will be read.
    fn discovered(&self, _files: usize) {}
    /// One candidate file was read (and parsed when it is JSON).
    fn loaded(&self) {}
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {}

pub fn prepare(opts: &ScanOptions) -> Result<Prepared, ScanError> {
    prepare_with(opts, &NoProgress)
}

/// [`prepare`], reporting progress.
pub fn prepare_with(opts: &ScanOptions, progress: &dyn Progress) -> Result<Prepared, ScanError> {
    let mut candidates = Vec::new();
    let mut stats = Stats::default();
    let excludes = Excludes::new(opts.excludes.clone());
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let multi = paths.len() > 1;
    for p in &paths {
        let d = discover::discover(p, &excludes).map_err(|e| ScanError::Path {
            path: p.clone(),
            message: e.to_string(),
        })?;
        for mut c in d.files {
            if multi {
                c.rel = prefix(p, &c.rel);
            }
            candidates.push(c);
        }
        stats.skipped.extend(d.skipped);
    }

    progress.discovered(candidates.len());
    let timing = Timing::new();
    let loaded: Vec<Loaded> = candidates
        .par_iter()
        .map(|c| {
            let l = load(c);
            progress.loaded();
            l
        })
        .collect();

    let mut sources = Sources::default();
    let mut load_failures = Vec::new();
    let mut inline = Vec::new();
    let mut parsed: Vec<(FileId, json::Document, Kind)> = Vec::new();
    for l in loaded {
        let id = sources.add(l.rel, l.text);
        match l.outcome {
            LoadOutcome::Failed {
                message,
                span,
                deployment,
            } => {
                if deployment {
                    stats.files_examined += 1;
                    stats.examined.push(id);
                    *stats.by_kind.entry("invalid").or_default() += 1;
                    load_failures.push((Site::new(id, span), message));
                } else {
                    stats.skipped.push(Skipped {
                        rel: sources.get(id).rel.clone(),
                        reason: format!("not a deployment file ({message})"),
                    });
                }
            }
            LoadOutcome::Parsed { doc, kind } => {
                if kind == Kind::Other {
                    stats.skipped.push(Skipped {
                        rel: sources.get(id).rel.clone(),
                        reason: "not a deployment file".into(),
                    });
                    continue;
                }
                inline.extend(comment_suppressions(id, &doc, &sources.get(id).text));
                stats.files_examined += 1;
                stats.examined.push(id);
                *stats.by_kind.entry(kind.label()).or_default() += 1;
                parsed.push((id, doc, kind));
            }
        }
    }

    timing.mark("discover+load");
    let mut units = resolve_all(&parsed, &sources, &opts.pairs, None);
    timing.mark("resolve");
    crate::network::attach_externals(&mut units);
    crate::network::assume_subnets(&mut units);
    timing.mark("network");
    drop(parsed);

    stats.units = units.len();
    // A cluster evaluated once per parameter file (or per copy instance) is still one
    // cluster written in one place.
    stats.clusters = units
        .iter()
        .flat_map(|u| &u.resources)
        .filter(|r| r.ty == "Microsoft.ContainerService/managedClusters")
        .map(|r| r.site)
        .collect::<std::collections::HashSet<_>>()
        .len();
    Ok(Prepared {
        sources,
        load_failures,
        units,
        stats,
        inline,
        baseline_notes: Vec::new(),
    })
}

/// `// aksgate-ignore RULE: reason` comments: they cover their own line (a trailing
/// comment) and the next one.
fn comment_suppressions(file: FileId, doc: &json::Document, text: &str) -> Vec<Inline> {
    doc.comments
        .iter()
        .filter_map(|c| {
            let (rules, reason) = crate::suppress::parse_comment(&c.text)?;
            let (line, _) = json::line_col(text, c.span.start);
            Some(Inline {
                kind: "comment",
                site: Site::new(file, c.span),
                rules,
                reason,
                scope: SupScope::Lines {
                    file,
                    first: line,
                    last: line + 1,
                },
            })
        })
        .collect()
}

/// `"metadata": {"aksgate": {"suppress": [{"rule": "AKS007", "reason": "..."}]}}` on a
/// resource: covers the findings about that resource. Listed once even when the
/// resource is evaluated with several parameter files.
fn metadata_suppressions(units: &[Unit]) -> Vec<Inline> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in units.iter().flat_map(|u| &u.resources) {
        let entries = r
            .node
            .get("metadata")
            .and_then(|m| m.get("aksgate"))
            .and_then(|a| a.get("suppress"))
            .and_then(|s| s.as_array())
            .unwrap_or_default();
        for e in entries {
            if !seen.insert(e.site) {
                continue;
            }
            let rules = match e.get("rule") {
                Some(r) => r
                    .as_str()
                    .map(|s| vec![s.to_ascii_uppercase()])
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let reason = e
                .get("reason")
                .and_then(|r| r.as_str())
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string);
            out.push(Inline {
                kind: "metadata",
                site: e.site,
                rules,
                reason,
                scope: SupScope::Resource(r.site),
            });
        }
    }
    out
}

/// [`prepare`], then the baselines (`--base`, `--baseline`) and `--changed-only`.
pub fn prepare_with_baseline(opts: &ScanOptions) -> Result<Prepared, ScanError> {
    if opts.changed_only && opts.base.is_none() {
        return Err(ScanError::Baseline(
            "--changed-only needs --base REF (the revision to compare with)".into(),
        ));
    }
    if opts.base.is_some() && opts.paths.len() > 1 {
        return Err(ScanError::Baseline(
            "--base compares one directory with a git revision: give one path".into(),
        ));
    }
    let mut p = prepare(opts)?;
    if let Some(rev) = &opts.base {
        let root = opts
            .paths
            .first()
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."));
        let git = crate::baseline::GitBase::open(&root, rev).map_err(ScanError::Baseline)?;
        let affected =
            crate::baseline::attach_git(&mut p, &git, &opts.pairs).map_err(ScanError::Baseline)?;
        if opts.changed_only {
            let mut keep = affected.into_iter();
            p.units.retain(|_| keep.next().unwrap_or(false));
            let sources = &p.sources;
            p.load_failures
                .retain(|(site, _)| git.changed.contains_key(&sources.get(site.file).rel));
            p.stats.units = p.units.len();
        }
    }
    if !opts.baseline.is_empty() {
        crate::baseline::attach_exports(&mut p, &opts.baseline).map_err(ScanError::Baseline)?;
    }
    Ok(p)
}

/// Phase timings on stderr when `AKSGATE_TIMING` is set: where a scan spends its time.
pub struct Timing {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
}

impl Timing {
    pub fn new() -> Timing {
        Timing {
            on: std::env::var_os("AKSGATE_TIMING").is_some(),
            last: std::cell::Cell::new(std::time::Instant::now()),
        }
    }

    pub fn mark(&self, phase: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "aksgate timing: {phase} {:.3}s",
                (now - self.last.get()).as_secs_f64()
            );
            self.last.set(now);
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing::new()
    }
}

/// A template (with one of its parameter files, or none), a REST body or an export.
struct Job<'a> {
    file: FileId,
    root: &'a json::Node,
    kind: &'a Kind,
    params: Option<(FileId, &'a json::Node)>,
}

/// Linked templates by normalised path relative to the scan root.
struct Links<'a> {
    by_path: HashMap<String, (FileId, &'a json::Node)>,
    rel_of: HashMap<FileId, String>,
}

impl<'a> resolve::Linker<'a> for Links<'a> {
    fn linked(&self, from: FileId, rel: &str) -> Option<(FileId, &'a json::Node)> {
        let base = self.rel_of.get(&from)?;
        let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
        for seg in rel.split(['/', '\\']) {
            match seg {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                s => parts.push(s),
            }
        }
        self.by_path.get(&parts.join("/")).copied()
    }
}

/// Resolves every deployment: each template once per paired parameter file (or once with
/// its defaults), each REST body and export once.
///
/// `suffix` is the part of the files' display names that is not their path (`@REF` for
/// the files of a base revision): pairing and links look at the path alone.
pub(crate) fn resolve_all(
    parsed: &[(FileId, json::Document, Kind)],
    sources: &Sources,
    explicit: &[(String, String)],
    suffix: Option<&str>,
) -> Vec<Unit> {
    let rel_of = |id: FileId| -> &str {
        let r = sources.get(id).rel.as_str();
        suffix.and_then(|s| r.strip_suffix(s)).unwrap_or(r)
    };
    let refs = |want: fn(&Kind) -> bool| -> Vec<FileRef> {
        parsed
            .iter()
            .filter(|(_, _, k)| want(k))
            .map(|(id, doc, _)| FileRef {
                id: *id,
                rel: rel_of(*id),
                root: &doc.root,
            })
            .collect()
    };
    let templates = refs(|k| matches!(k, Kind::Template(_)));
    let params = refs(|k| *k == Kind::Parameters);
    let pairs = pairing::pair(&templates, &params, explicit);
    let param_root = |id: FileId| params.iter().find(|p| p.id == id).map(|p| p.root);
    let links = Links {
        by_path: templates
            .iter()
            .map(|t| (t.rel.to_string(), (t.id, t.root)))
            .collect(),
        rel_of: templates
            .iter()
            .map(|t| (t.id, t.rel.to_string()))
            .collect(),
    };
    // A template that another scanned template links to is evaluated through its parent,
    // with the parameters the parent passes, not on its own with its defaults.
    // Templates reached through links from a root template (one nothing links to) are
    // evaluated through it; templates that only link among themselves in a cycle have no
    // root, so they are evaluated on their own and the cycle is reported.
    let mut edges: HashMap<FileId, Vec<FileId>> = HashMap::new();
    let mut linked = std::collections::HashSet::new();
    for t in &templates {
        let mut rels = Vec::new();
        linked_paths(t.root, &mut rels, 0);
        for rel in rels {
            if let Some((id, _)) = resolve::Linker::linked(&links, t.id, &rel) {
                if id != t.id {
                    edges.entry(t.id).or_default().push(id);
                    linked.insert(id);
                }
            }
        }
    }
    let mut linked_targets = std::collections::HashSet::new();
    let mut stack: Vec<FileId> = templates
        .iter()
        .map(|t| t.id)
        .filter(|id| !linked.contains(id))
        .collect();
    while let Some(id) = stack.pop() {
        for next in edges.get(&id).into_iter().flatten() {
            if linked_targets.insert(*next) {
                stack.push(*next);
            }
        }
    }
    let mut jobs = Vec::new();
    for (id, doc, kind) in parsed {
        match kind {
            Kind::Parameters | Kind::Other => {}
            Kind::Template(_)
                if linked_targets.contains(id) && pairs.get(id).is_none_or(Vec::is_empty) => {}
            Kind::Template(_) => {
                let paired = pairs.get(id).map(Vec::as_slice).unwrap_or_default();
                if paired.is_empty() {
                    jobs.push(Job {
                        file: *id,
                        root: &doc.root,
                        kind,
                        params: None,
                    });
                }
                for p in paired {
                    if let Some(root) = param_root(*p) {
                        jobs.push(Job {
                            file: *id,
                            root: &doc.root,
                            kind,
                            params: Some((*p, root)),
                        });
                    }
                }
            }
            _ => jobs.push(Job {
                file: *id,
                root: &doc.root,
                kind,
                params: None,
            }),
        }
    }
    jobs.par_iter()
        .map(|j| resolve_job(j, sources, &links))
        .collect()
}

/// Literal `templateLink.relativePath` values anywhere in a template.
pub(crate) fn linked_paths(n: &json::Node, out: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    if let Some(rel) = n
        .get("templateLink")
        .and_then(|l| l.get("relativePath"))
        .and_then(json::Node::as_str)
    {
        if !rel.starts_with('[') {
            out.push(rel.to_string());
        }
    }
    match &n.value {
        json::Value::Object(members) => members
            .iter()
            .for_each(|m| linked_paths(&m.value, out, depth + 1)),
        json::Value::Array(items) => items.iter().for_each(|i| linked_paths(i, out, depth + 1)),
        _ => {}
    }
}

fn resolve_job(job: &Job, sources: &Sources, links: &Links) -> Unit {
    match job.kind {
        Kind::Template(_) => {
            let mut supplied = HashMap::new();
            let mut problems = Vec::new();
            if let Some((pid, proot)) = job.params {
                let rel = sources.get(pid).rel.clone();
                let declared = job.root.get("parameters");
                for m in proot
                    .get("parameters")
                    .and_then(json::Node::as_object)
                    .unwrap_or_default()
                {
                    if m.key == "$schema" {
                        continue;
                    }
                    let Some(decl) = declared.and_then(|d| d.get(&m.key)) else {
                        problems.push(resolve::Problem {
                            site: Site::new(pid, m.key_span),
                            message: format!(
                                "parameter '{}' is not declared by {}: ARM rejects the deployment",
                                m.key,
                                sources.get(job.file).rel
                            ),
                        });
                        continue;
                    };
                    if let Some(v) = m.value.get("value") {
                        if let Some(bad) = not_allowed(decl, v) {
                            problems.push(resolve::Problem {
                                site: Site::new(pid, v.span),
                                message: bad,
                            });
                        }
                        supplied.insert(
                            m.key.clone(),
                            Supplied::File {
                                file: pid,
                                value: v,
                                rel: rel.clone(),
                            },
                        );
                    } else if m.value.get("reference").is_some() {
                        supplied.insert(
                            m.key.clone(),
                            Supplied::KeyVault {
                                site: Site::new(pid, m.value.span),
                            },
                        );
                    }
                }
            }
            let mut eval = ArmEvaluator::new(job.file, job.root, supplied);
            let mut unit =
                resolve::resolve_template(job.root, job.file, job.kind.clone(), &mut eval, links);
            unit.param_file = job.params.map(|(p, _)| p);
            unit.problems.extend(problems);
            unit
        }
        Kind::RestBody { wrapped } => {
            resolve::resolve_rest_body(job.root, job.file, *wrapped, &mut resolve::PlainEvaluator)
        }
        Kind::Export => resolve::resolve_export(job.root, job.file, &mut resolve::PlainEvaluator),
        _ => unreachable!("only deployment kinds become jobs"),
    }
}

/// ARM rejects a parameter value outside the declared `allowedValues`.
fn not_allowed(decl: &json::Node, value: &json::Node) -> Option<String> {
    let allowed = decl.get("allowedValues")?.as_array()?;
    let v = value.to_json();
    let same = |a: &serde_json::Value| match (a, &v) {
        (serde_json::Value::String(x), serde_json::Value::String(y)) => x.eq_ignore_ascii_case(y),
        (a, b) => a == b,
    };
    if allowed.iter().any(|a| same(&a.to_json())) {
        return None;
    }
    let list: Vec<String> = allowed.iter().map(|a| a.to_json().to_string()).collect();
    Some(format!(
        "value {v} is not one of the parameter's allowedValues ({}): ARM rejects the deployment",
        list.join(", ")
    ))
}

/// The policy input documents of every unit, as policies would see them.
pub fn inputs(opts: &ScanOptions) -> Result<Vec<serde_json::Value>, ScanError> {
    let p = prepare_with_baseline(opts)?;
    Ok(p.units
        .iter()
        .map(|u| crate::input::build(u, &p.sources, &crate::network::build(u), &opts.options))
        .collect())
}

/// A unit's findings, each with the `ref` of the resource it is about (when known).
pub type UnitFindings = Vec<(Option<usize>, Finding)>;

/// The findings of one unit: its AKS901 problems and the policies' results, each with
/// the `ref` of the resource the result named (`None` for the problems).
pub fn evaluate_unit(
    policies: &Policies,
    engine: &mut regorus::Engine,
    unit: &Unit,
    sources: &Sources,
    options: &crate::input::Options,
) -> Result<UnitFindings, PolicyError> {
    let mut out: UnitFindings = unit
        .problems
        .iter()
        .map(|p| {
            let f = builtin_finding(policies, "AKS901", p.site, p.message.clone(), "here");
            (None, f)
        })
        .collect();
    out.extend(unit.assumptions.iter().map(|a| {
        let mut f = builtin_finding(policies, "AKS900", a.site, a.message.clone(), "unknown");
        f.severity = Severity::Note;
        f.about = Some("AKS005".into());
        f.help = Some(
            "pass the subnet id (a parameter file or a default) so the route table can be checked without assuming"
                .into(),
        );
        (None, f)
    }));
    let network = crate::network::build(unit);
    let input = crate::input::build(unit, sources, &network, options);
    let raw = policies.evaluate(engine, &input)?;
    let context = unit.param_file.map(|f| sources.get(f).rel.as_str());
    out.extend(crate::evaluate::findings_with_refs(
        unit, raw, policies, context,
    )?);
    Ok(out)
}

pub fn scan(opts: &ScanOptions, policies: &Policies) -> Result<ScanResult, ScanError> {
    let Prepared {
        sources,
        load_failures,
        units,
        stats,
        mut inline,
        baseline_notes,
    } = prepare_with_baseline(opts)?;
    inline.extend(metadata_suppressions(&units));
    let mut findings: Vec<Finding> = load_failures
        .into_iter()
        .map(|(site, message)| builtin_finding(policies, "AKS901", site, message, "here"))
        .collect();
    findings.extend(baseline_notes.into_iter().map(|(site, message)| {
        let mut f = builtin_finding(policies, "AKS900", site, message, "name");
        f.about = Some("AKS006".into());
        f
    }));
    let timing = Timing::new();
    let results: Vec<Result<UnitFindings, PolicyError>> = units
        .par_iter()
        .map_init(
            || policies.worker(),
            |engine, unit| evaluate_unit(policies, engine, unit, &sources, &opts.options),
        )
        .collect();
    for r in results {
        findings.extend(r.map_err(ScanError::Policy)?.into_iter().map(|(_, f)| f));
    }
    timing.mark("evaluate");
    Finding::sort(&mut findings, &sources);
    findings.dedup_by(|a, b| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
    Ok(ScanResult {
        sources,
        findings,
        stats,
        inline,
    })
}

fn prefix(root: &std::path::Path, rel: &str) -> String {
    let r = root.to_string_lossy().replace('\\', "/");
    let r = r.trim_end_matches('/');
    if root.is_file() {
        r.to_string()
    } else if r == "." || r.is_empty() {
        rel.to_string()
    } else {
        format!("{r}/{rel}")
    }
}
