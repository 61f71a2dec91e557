//! The pipeline: discover → load → plan → resolve → evaluate → findings, for a set of
//! paths.
//!
//! `check` and `audit` stream (`src/stream.rs`): a first pass reads every file and
//! keeps only what planning needs ([`Facts`]); a second pass reads each evaluation's
//! files again and resolves them. `check` evaluates each unit and hands its findings
//! to a [`Sorter`], which keeps them on disk past its budget; `audit` keeps each
//! unit's inventory rows. What stays in memory is a small table per file. `input` and
//! the baseline comparisons keep every resolved unit, but no text ([`prepare_lean`]).

use crate::classify::Kind;
use crate::discover::{self, Candidate, Excludes, Skipped};
use crate::engine::{Policies, PolicyError};
use crate::finding::{Finding, Severity};
use crate::json;
use crate::load::{self, Outcome};
use crate::plan::{self, Facts, Job, LinkIndex};
use crate::resolve::arm_eval::{ArmEvaluator, Supplied};
use crate::resolve::{self, Unit};
use crate::source::{FileId, Site, Sources};
use crate::spill::Sorter;
use crate::suppress::{Inline, Scope as SupScope};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::load::MAX_FILE_BYTES;

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
    /// Where registry and template spec Bicep modules are read from (`bicep_module_cache`).
    pub bicep_module_cache: Option<PathBuf>,
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
                .cloned()
                .chain(config.exclude.iter().map(|e| e.get_ref().clone()))
                .collect(),
            pairs: config
                .pair
                .iter()
                .map(|p| (p.template.get_ref().clone(), p.parameters.get_ref().clone()))
                .collect(),
            options: crate::input::Options {
                allow_documented_migrations: config.allow_documented_migrations == Some(true),
                external_network: config.external_network == Some(true),
                docs_edition_2019: config
                    .docs_edition
                    .as_ref()
                    .is_some_and(|e| e.get_ref() == "2019"),
            },
            bicep_module_cache: config.module_cache(),
            ..ScanOptions::default()
        }
    }
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
    /// The deployments a policy failed on (a limit, an error, a broken contract), in
    /// plan order: the report holds every other deployment's findings, and the scan
    /// ends as a tool error naming these.
    pub policy_errors: Vec<String>,
}

pub struct ScanResult {
    pub sources: Sources,
    /// Unsorted and unsettled: [`crate::spill::Sorter::into_sorted`] gives them in report
    /// order.
    pub findings: Sorter,
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

/// How an AKS900 about what a deployment links to and aksgate cannot see begins: it
/// blocks every rule for those resources, not one.
pub const UNSEEN: &str = "not checked: ";

/// A finding's sequence number in the sorter: the order the findings would have in
/// one list, the load failures (`slot` 0) then each job's (`slot` its index + 1).
/// [`EARLY`] marks the findings of the network pass, which a job evaluated again
/// takes back; a job's findings are all early or all not, so the mark does not change
/// their order.
fn seq(slot: usize, i: usize) -> u64 {
    ((slot as u64) << 32) | i as u64
}

const EARLY: u64 = 1 << 31;

/// Pushes `findings` under one slot of [`seq`], marked with `mark`.
#[allow(clippy::vec_box)] // as the jobs hold them
fn push_all(
    sorter: &std::sync::Mutex<Sorter>,
    slot: usize,
    mark: u64,
    findings: Vec<Box<Finding>>,
    sources: &Sources,
) {
    let mut s = lock(sorter);
    for (i, f) in findings.into_iter().enumerate() {
        s.push(seq(slot, i) | mark, f, sources);
    }
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
        rule: meta.map_or_else(|| rule.into(), |m| m.id.clone()),
        slug: meta.map_or_else(|| rule.to_ascii_lowercase().into(), |m| m.slug.clone()),
        severity: meta.map(|m| m.severity).unwrap_or(Severity::Error),
        message: message.into(),
        primary: site,
        primary_label: policies.shared_text(label),
        related: Vec::new(),
        help: None,
        docs: meta.and_then(|m| m.docs.clone()),
        about: None,
        context: None,
        suppression: None,
        resource: None,
        places: Vec::new(),
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
    /// Discovery is done: `files` candidate files are read (some may already be).
    fn discovered(&self, _files: usize) {}
    /// One candidate file was read (and parsed when it is JSON).
    fn loaded(&self) {}
    /// Planning is done: `jobs` evaluations will follow.
    fn planned(&self, _jobs: usize) {}
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {}

pub fn prepare(opts: &ScanOptions) -> Result<Prepared, ScanError> {
    prepare_from(opts, true)
}

/// [`prepare`] holding no file's text or parse tree: each job reads its files again
/// when it is resolved, and a renderer when it shows them. What [`inputs`] and
/// [`scan_prepared`] use (the commands stream: see `src/stream.rs`).
pub fn prepare_lean(opts: &ScanOptions) -> Result<Prepared, ScanError> {
    prepare_from(opts, false)
}

fn prepare_from(opts: &ScanOptions, keep: bool) -> Result<Prepared, ScanError> {
    let timing = Timing::new();
    let mut index = index(opts, &NoProgress, keep)?;
    timing.mark("load");
    let docs = std::mem::take(&mut index.docs);
    let kept: HashMap<FileId, &json::Document> = docs.iter().map(|(id, d)| (*id, d)).collect();
    let plan = plan_of(&index, &opts.pairs);
    let resolved: Vec<Result<Unit, (FileId, String)>> = plan
        .jobs
        .par_iter()
        .map(|j| {
            let docs = job_docs(j, keep.then_some(&kept), &index.sources)?;
            Ok(resolve_job(
                j,
                &docs,
                &index.sources,
                &plan.links,
                &path_in(&index.sources),
            ))
        })
        .collect();
    drop(kept);
    drop(docs);
    // A file read again that changed since the first pass is reported, as in `check`.
    let mut units = Vec::with_capacity(resolved.len());
    for r in resolved {
        match r {
            Ok(u) => units.push(u),
            Err((file, message)) => {
                let site = Site::new(file, json::Span::default());
                add_failure(&mut index.load_failures, site, message);
            }
        }
    }
    timing.mark("resolve");
    crate::network::attach_externals(&mut units, &index.sources);
    crate::network::assume_subnets(&mut units);
    timing.mark("network");

    let Index {
        sources,
        load_failures,
        mut stats,
        inline,
        ..
    } = index;
    stats.units = units.len();
    // A cluster evaluated once per parameter file (or per copy instance) is still one
    // cluster written in one place.
    stats.clusters = cluster_sites(&units).len();
    Ok(Prepared {
        sources,
        load_failures,
        units,
        stats,
        inline,
        baseline_notes: Vec::new(),
    })
}

/// Adds a file that could not be read again to `failures`, once: a file read by
/// several jobs fails for each of them.
pub(crate) fn add_failure(failures: &mut Vec<(Site, String)>, site: Site, message: String) {
    if !failures.iter().any(|(s, m)| *s == site && *m == message) {
        failures.push((site, message));
    }
}

/// Where the managed clusters of some units are written.
pub(crate) fn cluster_sites(units: &[Unit]) -> HashSet<Site> {
    units
        .iter()
        .flat_map(|u| &u.resources)
        .filter(|r| r.ty == "Microsoft.ContainerService/managedClusters")
        .map(|r| r.site)
        .collect()
}

/// The first pass: every file read once, what could not be loaded, and the facts of
/// each deployment file. With `keep`, the parse trees and texts stay in memory;
/// without, a file is registered by path and fingerprint and read again when needed.
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) sources: Sources,
    pub(crate) load_failures: Vec<(Site, String)>,
    pub(crate) stats: Stats,
    pub(crate) inline: Vec<Inline>,
    /// Deployment files in discovery order.
    pub(crate) facts: crate::chunks::Chunks<(FileId, Facts)>,
    /// Parse trees by file, when kept.
    docs: HashMap<FileId, json::Document>,
    /// The Terraform variable files named in the configuration, by module folder.
    pub(crate) var_files: crate::var_files::Named,
    /// Variable files lowerings took values from (scanned directory, path under it),
    /// registered once the walk is done (ids are discovery positions until then).
    took_values: Vec<(PathBuf, String)>,
}

/// One candidate file after the first pass.
struct Seen {
    /// Registered by path and fingerprint, its text dropped.
    on_disk: bool,
    rel: String,
    path: PathBuf,
    text: String,
    print: crate::source::Fingerprint,
    state: State,
}

enum State {
    Deployment {
        kind: Kind,
        facts: Facts,
        /// The parse tree, when kept.
        doc: Option<Box<json::Document>>,
        inline: Vec<Inline>,
        /// What its front end read besides it ([`json::Document::reads`]).
        reads: Vec<String>,
    },
    Other,
    /// Not judged, for the reason listed with the skipped files.
    Superseded(String),
    Failed {
        message: String,
        span: json::Span,
        deployment: bool,
    },
}

/// The rule of a file that could not be judged: AKS900 when what is missing is out of
/// sight (a module that is not visible), AKS901 when the file itself is invalid or
/// uses what aksgate does not read yet.
pub(crate) fn failure_rule(message: &str) -> &'static str {
    if message.starts_with("not checked:") {
        "AKS900"
    } else {
        "AKS901"
    }
}

pub(crate) fn index(
    opts: &ScanOptions,
    progress: &dyn Progress,
    keep: bool,
) -> Result<Index, ScanError> {
    // Files are lowered here and again by later jobs of this run: the cache is the run's.
    crate::bicep::lower::set_cache_root(opts.bicep_module_cache.clone());
    let excludes = Excludes::new(opts.excludes.clone());
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let multi = paths.len() > 1;
    let paths = distinct_paths(paths);
    // Every candidate of every path, in order, to `found`; what was skipped is returned.
    let walk = |found: &mut dyn FnMut(Candidate)| -> Result<Vec<Skipped>, ScanError> {
        let mut skipped = Vec::new();
        for p in &paths {
            let mut each = |mut c: Candidate| {
                if multi {
                    c.rel = prefix(p, &c.rel);
                }
                found(c);
            };
            let s =
                discover::discover_each(p, &excludes, &mut each).map_err(|e| ScanError::Path {
                    path: p.clone(),
                    message: e.to_string(),
                })?;
            skipped.extend(s);
        }
        Ok(skipped)
    };
    let read = |id: usize, c: &Candidate| -> Seen {
        // Without `keep` the trees would be dropped at once: a skim gives the facts
        // at less than half the cost of a parse.
        let l = if keep {
            load::load(c)
        } else {
            load::load_skim(c)
        };
        let mut text = l.text;
        let state = match l.outcome {
            Outcome::Parsed {
                kind: Kind::Other, ..
            }
            | Outcome::Skimmed {
                kind: Kind::Other, ..
            } => State::Other,
            Outcome::Parsed { mut doc, kind } => {
                let facts = Facts::of(&doc.root, &kind);
                let inline = comment_suppressions(id, &doc.comments, &text);
                let reads = std::mem::take(&mut doc.reads);
                State::Deployment {
                    kind,
                    facts,
                    doc: keep.then(|| Box::new(doc)),
                    inline,
                    reads,
                }
            }
            Outcome::Skimmed { skim, kind } => {
                let facts = Facts::from_skim(&skim, &kind);
                let inline = comment_suppressions(id, &skim.comments, &text);
                State::Deployment {
                    kind,
                    facts,
                    doc: None,
                    inline,
                    reads: Vec::new(),
                }
            }
            Outcome::Superseded { reason } => State::Superseded(reason),
            Outcome::Failed {
                message,
                span,
                deployment,
            } => State::Failed {
                message,
                span,
                deployment,
            },
        };
        // Without `keep`, no text stays: the facts do, and a file is read again when
        // it is evaluated or shown. (A skipped file's text is never needed; an
        // unreadable file has none.)
        let on_disk = !keep && !text.is_empty();
        if on_disk {
            text = String::new();
        }
        progress.loaded();
        Seen {
            on_disk,
            rel: l.rel,
            path: c.path.clone(),
            text,
            print: l.print,
            state,
        }
    };
    // File ids are discovery positions: each candidate is registered once, in order.
    let mut out = Index::default();
    let walked = {
        // Reading starts while the walk goes on (the walk is one thread's work), and
        // each file is registered as soon as those before it are: collecting every
        // file's result first held them all at once (twice, as the parallel collect
        // gathers them in chunks), the first pass's peak at 30,030 files.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Candidate)>(256);
        let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Vec<(usize, Seen)>>(16);
        let (walked, reader) = std::thread::scope(|s| {
            let walker = s.spawn(move || {
                let mut n = 0;
                let walked = walk(&mut |c| {
                    // The receiver lives until the walk ends: a send cannot fail.
                    let _ = tx.send((n, c));
                    n += 1;
                });
                // Told when the walk ends, while reading goes on: walking first held
                // every file's result at once, twice the first pass's peak.
                progress.discovered(n);
                walked
            });
            let read = &read;
            let reader = s.spawn(move || {
                // Sent in batches: a wake-up of this thread per file cost 10% of the
                // pass. The receiver below lives until every reader is done, and the
                // sender is this thread's: the receiver's loop ends when it returns.
                let send = |batch: Vec<(usize, Seen)>| {
                    let _ = done_tx.send(batch);
                };
                rx.into_iter()
                    .par_bridge()
                    .fold(Vec::new, |mut batch, (id, c)| {
                        batch.push((id, read(id, &c)));
                        if batch.len() == 32 {
                            send(std::mem::take(&mut batch));
                        }
                        batch
                    })
                    .for_each(send);
            });
            // Results come nearly in order: only those read ahead of a slower one wait.
            let mut ahead = BTreeMap::new();
            for batch in done_rx {
                ahead.extend(batch);
                while let Some(s) = ahead.remove(&out.sources.len()) {
                    out.register(s);
                }
            }
            debug_assert!(ahead.is_empty(), "every id up to the last was read");
            (walker.join(), reader.join())
        });
        if let Err(panic) = reader {
            std::panic::resume_unwind(panic);
        }
        match walked {
            Ok(w) => w?,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    };
    for (root, rel) in std::mem::take(&mut out.took_values) {
        crate::var_files::register_read(&mut out.sources, &root, &rel);
    }
    let roots: Vec<crate::var_files::Root> = paths
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| crate::var_files::Root {
            dir: p,
            prefix: if multi { prefix(p, "") } else { String::new() },
        })
        .collect();
    out.var_files = crate::var_files::register_named(
        &mut out.sources,
        &mut out.load_failures,
        &roots,
        &opts.pairs,
    );
    // What the walk skipped comes first, then the files that proved not to be
    // deployment files.
    let later = std::mem::replace(&mut out.stats.skipped, walked);
    out.stats.skipped.extend(later);
    // Grown one file at a time, these tables had up to twice their room: they are
    // what the scan keeps longest.
    out.sources.shrink_to_fit();
    out.stats.examined.shrink_to_fit();
    out.stats.skipped.shrink_to_fit();
    Ok(out)
}

impl Index {
    /// Registers the next candidate (ids are discovery positions).
    fn register(&mut self, s: Seen) {
        let sources = &mut self.sources;
        let stats = &mut self.stats;
        // The scanned directory of a file whose front end read variable files.
        let root = matches!(&s.state, State::Deployment { reads, .. } if reads.iter().any(|r| crate::terraform::is_var_file(r)))
            .then(|| crate::terraform::disk_files(&s.path, &s.rel).root);
        let id = if s.on_disk {
            sources.add_on_disk(s.rel, s.path, s.print)
        } else {
            sources.add(s.rel, Arc::from(s.text))
        };
        match s.state {
            State::Failed {
                message,
                span,
                deployment,
            } => {
                if deployment {
                    stats.files_examined += 1;
                    stats.examined.push(id);
                    *stats.by_kind.entry("invalid").or_default() += 1;
                    self.load_failures.push((Site::new(id, span), message));
                } else {
                    stats.skipped.push(Skipped {
                        rel: sources.get(id).rel.to_string(),
                        reason: format!("not a deployment file ({message})"),
                    });
                }
            }
            State::Other => stats.skipped.push(Skipped {
                rel: sources.get(id).rel.to_string(),
                reason: "not a deployment file".into(),
            }),
            State::Superseded(reason) => stats.skipped.push(Skipped {
                rel: sources.get(id).rel.to_string(),
                reason,
            }),
            State::Deployment {
                kind,
                facts,
                doc,
                inline,
                reads,
            } => {
                sources.set_reads(id, &reads);
                // Registered to be shown where a value came from.
                if let Some(root) = root {
                    let vars = reads.iter().filter(|r| crate::terraform::is_var_file(r));
                    self.took_values
                        .extend(vars.map(|v| (root.clone(), v.clone())));
                }
                // The comment suppressions were given this id before registration.
                debug_assert!(
                    inline.iter().all(|i| i.site.file == id),
                    "file ids are discovery positions"
                );
                self.inline.extend(inline);
                stats.files_examined += 1;
                stats.examined.push(id);
                *stats.by_kind.entry(kind.label()).or_default() += 1;
                if let Some(doc) = doc {
                    self.docs.insert(id, *doc);
                }
                self.facts.push((id, facts));
            }
        }
    }
}

pub(crate) fn plan_of(index: &Index, explicit: &[(String, String)]) -> plan::Plan {
    let files: Vec<(FileId, &str, &Facts)> = index
        .facts
        .iter()
        .map(|(id, f)| (*id, index.sources.get(*id).rel, f))
        .collect();
    plan::plan(&files, explicit, &index.var_files)
}

/// `// aksgate-ignore RULE: reason` comments: they cover their own line (a trailing
/// comment) and the next one.
fn comment_suppressions(file: FileId, comments: &[json::Comment], text: &str) -> Vec<Inline> {
    comments
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

/// [`prepare_lean`], then the baselines (`--base`, `--baseline`) and `--changed-only`.
pub fn prepare_with_baseline(opts: &ScanOptions) -> Result<Prepared, ScanError> {
    let compare = crate::compare::Compare::open(opts)?;
    let mut p = prepare_lean(opts)?;
    let Some(mut compare) = compare else {
        return Ok(p);
    };
    compare.load(
        &mut p.sources,
        p.units.iter().map(crate::baseline::files_of),
        opts,
    )?;
    let mut units = Vec::with_capacity(p.units.len());
    for mut unit in std::mem::take(&mut p.units) {
        let attached = compare.attach(&mut unit, &p.sources);
        p.baseline_notes.extend(attached.notes);
        if attached.kept {
            units.push(unit);
        }
    }
    p.units = units;
    if compare.changed_only() {
        let sources = &p.sources;
        p.load_failures
            .retain(|(site, _)| compare.reports_file(sources.get(site.file).rel));
        p.stats.units = p.units.len();
    }
    Ok(p)
}

/// Phase timings on stderr when `AKSGATE_TIMING` is set: where a scan spends its time.
pub struct Timing {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
    last_cpu: std::cell::Cell<f64>,
}

/// CPU seconds this process has used (user + system), where /proc tells.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces): utime is the 12th, stime
    // the 13th, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

/// The process's peak resident memory so far, where /proc tells (`VmHWM`).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Timing {
    pub fn new() -> Timing {
        let on = std::env::var_os("AKSGATE_TIMING").is_some();
        Timing {
            on,
            last: std::cell::Cell::new(std::time::Instant::now()),
            last_cpu: std::cell::Cell::new(if on { cpu_seconds() } else { 0.0 }),
        }
    }

    pub fn mark(&self, phase: &str) {
        if self.on {
            let now = std::time::Instant::now();
            let cpu = cpu_seconds();
            let heap = crate::heap::live_and_peak()
                .map(|(live, peak)| {
                    let mb = |b: usize| b as f64 / (1 << 20) as f64;
                    format!(", heap {:.1} MB, peak {:.1} MB", mb(live), mb(peak))
                })
                .unwrap_or_default();
            let rss = peak_rss_kb()
                .map(|kb| format!(", peak RSS {} MB", kb >> 10))
                .unwrap_or_default();
            crate::report::safe::warn(&format!(
                "aksgate timing: {phase} {:.3}s ({:.2}s CPU{heap}{rss})",
                (now - self.last.get()).as_secs_f64(),
                cpu - self.last_cpu.get()
            ));
            self.last.set(now);
            self.last_cpu.set(cpu);
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing::new()
    }
}

/// A parse tree a job reads: kept from the first pass, or read again (with its text).
pub(crate) enum DocRef<'a> {
    Kept(&'a json::Document),
    Read(String, json::Document),
}

impl std::ops::Deref for DocRef<'_> {
    type Target = json::Document;
    fn deref(&self) -> &json::Document {
        match self {
            DocRef::Kept(d) => d,
            DocRef::Read(_, d) => d,
        }
    }
}

/// The texts of the files a job read again, their trees dropped: kept until its
/// findings are known, to place them without reading the files a third time.
pub(crate) fn texts_of(docs: HashMap<FileId, DocRef<'_>>) -> Vec<(FileId, String)> {
    docs.into_iter()
        .filter_map(|(id, d)| match d {
            DocRef::Read(text, _) => Some((id, text)),
            DocRef::Kept(_) => None,
        })
        .collect()
}

/// The parse trees of every file a job reads. Without kept trees they are read again
/// from disk; a file that changed since the first pass is an error naming it.
pub(crate) fn job_docs<'a>(
    job: &Job,
    kept: Option<&HashMap<FileId, &'a json::Document>>,
    sources: &Sources,
) -> Result<HashMap<FileId, DocRef<'a>>, (FileId, String)> {
    let mut out = HashMap::new();
    if let Some(vf) = job.params.filter(|_| is_tf_with_var_file(job, sources)) {
        out.insert(job.file, with_var_file(job.file, vf, sources)?);
    }
    for id in job.files() {
        if out.contains_key(&id) || is_var_file_id(id, sources) {
            continue;
        }
        let doc = match kept {
            Some(k) => match k.get(&id) {
                Some(d) => DocRef::Kept(d),
                None => continue,
            },
            None => {
                let Some(text) = sources.read_again(id) else {
                    continue;
                };
                let text = text.map_err(|e| (id, e))?;
                let rel = sources.path_in_tree(id).to_string();
                let suffix = sources.suffix_of(id);
                let doc = if suffix.is_empty() {
                    let path = sources.disk_path(id).map(|(p, _)| p);
                    load::parse_again(&text, &rel, path.as_deref())
                } else {
                    // A base revision's file, with its module as it was.
                    let stored = crate::front_files::Stored { sources, suffix };
                    load::parse_stored(&text, &rel, &stored)
                }
                .map_err(|e| (id, e))?;
                DocRef::Read(text, doc)
            }
        };
        out.insert(id, doc);
    }
    Ok(out)
}

/// A Terraform file's job with a named variable file (its own kind of parameters).
fn is_tf_with_var_file(job: &Job, sources: &Sources) -> bool {
    job.params.is_some_and(|p| is_var_file_id(p, sources))
        && crate::terraform::is_terraform(sources.path_in_tree(job.file))
}

/// A named Terraform variable file: registered as one, or a base revision's copy of one
/// (the base side pairs only those, see `baseline::GitBase::base_side`).
fn is_var_file_id(id: FileId, sources: &Sources) -> bool {
    sources.var_file(sources.get(id).rel) == Some(id)
        || (!sources.suffix_of(id).is_empty()
            && crate::terraform::is_var_file(sources.path_in_tree(id)))
}

/// A `.tf` file lowered again with the variable file `vf` over its module's own (the
/// texts read again, so a change since the first pass is an error naming the file).
fn with_var_file(
    file: FileId,
    vf: FileId,
    sources: &Sources,
) -> Result<DocRef<'static>, (FileId, String)> {
    let text = match sources.read_again(file) {
        Some(t) => t.map_err(|e| (file, e))?,
        None => sources.text(file).to_string(),
    };
    let suffix = sources.suffix_of(file);
    if !suffix.is_empty() {
        // A base revision's module with the revision's copy of the variable file.
        let stored = crate::front_files::Stored { sources, suffix };
        let vars = sources.text(vf);
        let var_rel = sources.path_in_tree(vf);
        let doc = load::parse_stored_with_var_file(
            &text,
            sources.path_in_tree(file),
            &stored,
            (var_rel, &vars),
        )
        .map_err(|e| (file, e))?;
        return Ok(DocRef::Read(text, doc));
    }
    let vars = match sources.read_again(vf) {
        Some(t) => t.map_err(|e| (vf, e))?,
        None => return Err((vf, "the variable file could not be read".into())),
    };
    let (path, _) = sources
        .disk_path(vf)
        .ok_or((vf, "the variable file is not on disk".to_string()))?;
    let var_rel = sources.get(vf).rel;
    let doc = load::parse_with_var_file(&text, sources.get(file).rel, &path, (var_rel, &vars))
        .map_err(|e| (file, e))?;
    Ok(DocRef::Read(text, doc))
}

/// Linked templates, looked up among the trees a job has loaded.
struct JobLinks<'a, 'p> {
    index: &'a LinkIndex,
    docs: &'a HashMap<FileId, DocRef<'a>>,
    /// A file's path as the plan was made with it.
    path_of: &'a dyn Fn(FileId) -> &'p str,
}

impl<'a> resolve::Linker<'a> for JobLinks<'a, '_> {
    fn linked(&self, from: FileId, rel: &str) -> Option<(FileId, &'a json::Node)> {
        let id = self.index.find(from, rel, self.path_of)?;
        self.docs.get(&id).map(|d| (id, &d.root))
    }
}

/// A file's path relative to the scan root, as the plan of a scan of the working tree
/// was made with it (for [`resolve_job`]).
pub(crate) fn path_in<'s>(sources: &'s Sources) -> impl Fn(FileId) -> &'s str + 's {
    |id| sources.get(id).rel
}

pub(crate) fn resolve_job<'p>(
    job: &Job,
    docs: &HashMap<FileId, DocRef<'_>>,
    sources: &Sources,
    index: &LinkIndex,
    path_of: &dyn Fn(FileId) -> &'p str,
) -> Unit {
    let links = JobLinks {
        index,
        docs,
        path_of,
    };
    let root = &docs[&job.file].root;
    match job.kind {
        Kind::Template(_) => {
            let mut supplied = HashMap::new();
            let mut problems = Vec::new();
            let params = job.params.and_then(|p| docs.get(&p).map(|d| (p, &d.root)));
            if let Some((pid, proot)) = params {
                let rel = sources.get(pid).rel.to_string();
                let declared = root.get("parameters");
                for m in proot
                    .get("parameters")
                    .and_then(json::Node::as_object)
                    .unwrap_or_default()
                {
                    if m.key == "$schema" {
                        continue;
                    }
                    if declared.and_then(|d| d.get(&m.key)).is_none() {
                        problems.push(resolve::Problem {
                            site: Site::new(pid, m.key_span),
                            message: format!(
                                "parameter '{}' is not declared by {}: ARM rejects the deployment",
                                m.key,
                                sources.get(job.file).rel
                            ),
                        });
                        continue;
                    }
                    if let Some(v) = m.value.get("value") {
                        // The evaluator checks the value against the declaration.
                        supplied.insert(
                            m.key.clone(),
                            Supplied::File {
                                file: pid,
                                value: v,
                                rel: rel.clone(),
                                lowered: crate::bicep::lower::is_bicepparam(&rel),
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
            // The compiled template beside a `.bicep`, with the same parameters: only
            // its verdict is used (evaluate_unit compares it with the source's).
            let compiled = docs[&job.file].compiled.as_deref().map(|croot| {
                let mut eval = ArmEvaluator::new(job.file, croot, supplied.clone());
                let mut u =
                    resolve::resolve_template(croot, job.file, job.kind.clone(), &mut eval, &links);
                u.param_file = job.params;
                Box::new(u)
            });
            let mut eval = ArmEvaluator::new(job.file, root, supplied);
            eval.check_parameters();
            let mut unit =
                resolve::resolve_template(root, job.file, job.kind.clone(), &mut eval, &links);
            unit.param_file = job.params;
            unit.problems.extend(problems);
            unit.compiled = compiled;
            crate::var_files::attach(&mut unit, job.file, &docs[&job.file].origins, sources);
            if let Some(prior) = &docs[&job.file].prior {
                let mut eval = ArmEvaluator::new(job.file, prior, HashMap::new());
                let before =
                    resolve::resolve_template(prior, job.file, job.kind.clone(), &mut eval, &links);
                crate::baseline::attach_prior(&mut unit, &before, sources.get(job.file).rel);
            }
            unit
        }
        Kind::RestBody { wrapped } => {
            resolve::resolve_rest_body(root, job.file, wrapped, &mut resolve::PlainEvaluator)
        }
        Kind::Export => resolve::resolve_export(root, job.file, &mut resolve::PlainEvaluator),
        Kind::Parameters => {
            let candidates = job
                .candidates
                .iter()
                .map(|id| sources.get(*id).rel.to_string())
                .collect();
            let rel = sources.get(job.file).rel.to_string();
            resolve::unpaired_parameters(root, job.file, rel, candidates)
        }
        Kind::Other => unreachable!("only deployment kinds become jobs"),
    }
}

/// The policy input documents of every unit, as policies would see them, all at once
/// (`aksgate input` streams them: [`crate::inputs::write_inputs`]).
pub fn inputs(opts: &ScanOptions) -> Result<Vec<serde_json::Value>, ScanError> {
    let p = prepare_with_baseline(opts)?;
    Ok(p.units
        .iter()
        .map(|u| crate::input::build(u, &p.sources, &crate::network::build(u), &opts.options))
        .collect())
}

/// A unit's findings, each with the `ref` of the resource it is about (when known).
pub type UnitFindings = Vec<(Option<usize>, Finding)>;

/// A resource the built-in rules may report on: one of [`plan::RULE_TYPES`], or one
/// whose type is not known.
pub fn builtin_rules_apply(r: &resolve::Resource) -> bool {
    r.ty.contains('[') || plan::RULE_TYPES.contains(&r.ty.to_ascii_lowercase().as_str())
}

/// AKS900 at a parameter file that pairs with no template, or with several alike: its
/// values were checked against nothing.
fn unpaired_finding(policies: &Policies, u: &resolve::Unpaired) -> Finding {
    let show = |c: &[String]| {
        c.iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (message, label) = if let Some(using) = &u.using {
        if using.is_empty() {
            (
                format!("{UNSEEN}this parameters file says `using none`: it names no template, so aksgate cannot tell which deployment it feeds"),
                "no template",
            )
        } else {
            (
                format!("{UNSEEN}the template this parameters file uses, '{using}', was not judged (it could not be read or lowered, or it is excluded)"),
                "template not judged",
            )
        }
    } else if u.candidates.is_empty() {
        (
            format!("{UNSEEN}this parameter file pairs with no scanned template"),
            "no template",
        )
    } else {
        (
            format!(
                "{UNSEEN}this parameter file could feed any of {} alike, so aksgate cannot tell which deployment it belongs to",
                show(&u.candidates)
            ),
            "ambiguous",
        )
    };
    let mut f = builtin_finding(policies, "AKS900", u.site, message, label);
    let example = u
        .candidates
        .first()
        .map_or("path/to/template.json", String::as_str);
    let name_it = match &u.using {
        Some(_) => "name the template in its `using`",
        None => "name it after its template (X.parameters.json beside X.json)",
    };
    f.help = Some(policies.shared_text(&format!(
        "{name_it}, or pair it in .aksgate.toml: a [[pair]] with template = \"{example}\" and parameters = \"{}\"",
        u.rel
    )));
    f
}

/// The findings of one unit: its AKS901 problems and the policies' results, each with
/// the `ref` of the resource the result named (`None` for the problems).
pub fn evaluate_unit(
    policies: &Policies,
    engine: &mut crate::engine::Worker,
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
    out.extend(unit.unseen.iter().map(|u| {
        let message = format!("{UNSEEN}{}", u.message);
        let mut f = builtin_finding(policies, "AKS900", u.site, message, "not visible");
        f.help = Some(policies.shared_text(
            "put the linked template (or its parameters) in the scanned files and link it by relativePath, or scan the repository that holds it",
        ));
        (None, f)
    }));
    out.extend(
        unit.unpaired
            .iter()
            .map(|u| (None, unpaired_finding(policies, u))),
    );
    out.extend(unit.assumptions.iter().map(|a| {
        let mut f = builtin_finding(policies, "AKS900", a.site, a.message.clone(), "unknown");
        f.severity = Severity::Note;
        f.about = Some(policies.shared_text("AKS005"));
        f.help = Some(policies.shared_text(
            "pass the subnet id (a parameter file or a default) so the route table can be checked without assuming",
        ));
        (None, f)
    }));
    // The built-in rules only ever report on a few resource types (a test holds the
    // pack to that), so a unit without one need not be evaluated by them.
    if policies.only_builtin() && !unit.resources.iter().any(builtin_rules_apply) {
        return Ok(out);
    }
    let network = crate::network::build(unit);
    let input = crate::input::build(unit, sources, &network, options);
    let raw = match policies.evaluate_owned(engine, input) {
        Ok(raw) => raw,
        Err(crate::engine::EvalError::Policy(e)) => return Err(e),
        // Never an empty input evaluated as "no findings": the deployment is invalid
        // for the policies, and said so where it is written.
        Err(crate::engine::EvalError::Input(e)) => {
            let site = unit
                .resources
                .iter()
                .map(|r| r.site)
                .find(|s| s.file == unit.file)
                .unwrap_or(Site::new(unit.file, json::Span::default()));
            out.push((
                None,
                builtin_finding(
                    policies,
                    "AKS901",
                    site,
                    format!("the deployment cannot be evaluated: its policy input has a value policies cannot read ({e})"),
                    "here",
                ),
            ));
            return Ok(out);
        }
    };
    // One copy of the parameter file's name, shared by the unit's findings.
    let context = unit
        .param_file
        .map(|f| crate::text::Text::from(sources.get(f).rel));
    let found = crate::evaluate::findings_with_refs(unit, raw, policies, context.as_ref())
        .map_err(|e| {
            let params = unit.param_file.map(|p| sources.get(p).rel);
            e.on(&crate::engine::deployment_label(
                sources.get(unit.file).rel,
                params,
            ))
        })?;
    // Only a `.bicep` with its compiled JSON beside it pays for the comparison.
    let verdict = unit
        .compiled
        .is_some()
        .then(|| crate::stale_build::verdict(&found));
    out.extend(found);
    if let Some(note) =
        verdict.and_then(|v| stale_build_note(policies, engine, unit, &v, sources, options))
    {
        out.push((None, note));
    }
    Ok(out)
}

/// AKS903 when the template Bicep compiled from this unit's `.bicep` gives another
/// verdict than the source (`verdict`). The compiled template's evaluation is only
/// compared: when it cannot be evaluated, nothing is said of it (the source's own
/// findings stand, and the source is what is judged).
fn stale_build_note(
    policies: &Policies,
    engine: &mut crate::engine::Worker,
    unit: &Unit,
    verdict: &BTreeMap<String, usize>,
    sources: &Sources,
    options: &crate::input::Options,
) -> Option<Finding> {
    let twin = crate::stale_build::twin_of(unit)?;
    let network = crate::network::build(&twin);
    let input = crate::input::build(&twin, sources, &network, options);
    let raw = policies.evaluate_owned(engine, input).ok()?;
    let found = crate::evaluate::findings_with_refs(&twin, raw, policies, None).ok()?;
    let compiled = crate::stale_build::compiled_name(sources.get(unit.file).rel);
    let message =
        crate::stale_build::difference(verdict, &crate::stale_build::verdict(&found), &compiled)?;
    let mut f = builtin_finding(
        policies,
        crate::stale_build::RULE,
        Site::new(unit.file, json::Span::default()),
        message,
        "judged here",
    );
    f.help = Some(policies.shared_text(
        "rebuild the compiled template (bicep build) and commit it with the source, or stop committing it: aksgate judges the .bicep, Azure deploys what it is given",
    ));
    Some(f)
}

/// Scans and evaluates, streaming (the baseline comparisons too).
pub fn scan(opts: &ScanOptions, policies: &Policies) -> Result<ScanResult, ScanError> {
    scan_streaming(opts, policies)
}

/// The findings of one job of a streaming scan.
struct JobOutcome {
    /// Boxed: merging the jobs' findings then moves pointers, not 256-byte findings
    /// into a second vector as large as all of them (at 30,030 files that copy was the
    /// scan's peak).
    #[allow(clippy::vec_box)]
    findings: Vec<Box<Finding>>,
    inline: Vec<Inline>,
    /// Where its clusters are written (counted once over the scan).
    clusters: Vec<Site>,
    /// Whether it is reported (with `--changed-only`, only a job the change touches).
    reported: bool,
}

/// What the jobs' outcomes add up to, besides their findings (which go to the sorter
/// as each job finishes).
#[derive(Default)]
struct Gather {
    /// The inline suppressions of the jobs that have some, by job.
    inline: Vec<(usize, Vec<Inline>)>,
    /// Where the scan's clusters are written (a template evaluated with several
    /// parameter files counts its clusters once).
    clusters: HashSet<Site>,
    /// The policy errors of the jobs that had one, by job.
    errors: Vec<(usize, PolicyError)>,
    /// How many jobs are reported.
    reported: usize,
}

impl Gather {
    fn add(&mut self, job: usize, outcome: Result<JobOutcome, PolicyError>) {
        match outcome {
            Ok(o) => {
                if !o.inline.is_empty() {
                    self.inline.push((job, o.inline));
                }
                self.clusters.extend(o.clusters);
                self.reported += usize::from(o.reported);
            }
            Err(e) => self.errors.push((job, e)),
        }
    }
}

/// Policy errors in plan order, as messages.
pub(crate) fn error_messages(mut errors: Vec<(usize, PolicyError)>) -> Vec<String> {
    errors.sort_by_key(|(job, _)| *job);
    errors.into_iter().map(|(_, e)| e.to_string()).collect()
}

pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Evaluates a job's complete unit and keeps what the report needs; `notes`: its
/// clusters that could not be matched with their baseline.
fn complete(
    policies: &Policies,
    engine: &mut crate::engine::Worker,
    unit: &Unit,
    notes: Vec<(Site, String)>,
    texts: &[(FileId, String)],
    sources: &Sources,
    options: &crate::input::Options,
) -> Result<JobOutcome, PolicyError> {
    let units = std::slice::from_ref(unit);
    let mut findings: Vec<Box<Finding>> = evaluate_unit(policies, engine, unit, sources, options)?
        .into_iter()
        .map(|(_, f)| Box::new(f))
        .collect();
    findings.extend(
        notes
            .into_iter()
            .map(|(site, message)| Box::new(baseline_note(policies, site, message))),
    );
    place(findings.iter_mut().map(|f| &mut **f), texts);
    Ok(JobOutcome {
        findings,
        inline: metadata_suppressions(units),
        clusters: cluster_sites(units).into_iter().collect(),
        reported: true,
    })
}

/// A cluster that could not be matched with its baseline: AKS900, about AKS006.
fn baseline_note(policies: &Policies, site: Site, message: String) -> Finding {
    let mut f = builtin_finding(policies, "AKS900", site, message, "name");
    f.about = Some("AKS006".into());
    f
}

/// Gives each finding the line and column of its sites in `texts` (a job's files),
/// found while their text is at hand: no renderer reads those files again for them.
pub(crate) fn place<'f>(
    findings: impl Iterator<Item = &'f mut Finding>,
    texts: &[(FileId, String)],
) {
    let mut findings: Vec<&mut Finding> = findings.collect();
    for (file, text) in texts {
        let offsets: Vec<usize> = findings
            .iter()
            .flat_map(|f| f.sites())
            .filter(|s| s.file == *file)
            .flat_map(|s| [s.start, s.end])
            .collect();
        if offsets.is_empty() {
            continue;
        }
        let found = crate::source::positions_of(text, offsets);
        let known = |f: FileId, offset: usize| {
            let i = found.binary_search_by_key(&offset, |(o, _)| *o).ok();
            i.filter(|_| f == *file).map(|i| found[i].1)
        };
        for f in findings.iter_mut() {
            f.place(known);
        }
    }
}

/// `check`'s streaming sink: each job's findings go to the sorter as soon as it is
/// evaluated (the network pass's marked, to be taken back if the job is evaluated
/// again); the rest of its outcome is gathered.
struct Check<'a> {
    policies: &'a Policies,
    opts: &'a ScanOptions,
    /// The baseline comparisons, when asked for.
    compare: Option<crate::compare::Compare>,
    sorter: std::sync::Mutex<Sorter>,
    gather: std::sync::Mutex<Gather>,
}

impl crate::stream::Sink for Check<'_> {
    type Outcome = JobOutcome;
    type Worker = crate::engine::Worker;

    fn worker(&self) -> crate::engine::Worker {
        self.policies.worker()
    }

    fn planned(&mut self, plan: &plan::Plan, sources: &mut Sources) -> Result<(), ScanError> {
        match &mut self.compare {
            // The base side of every job the change touches is read now, once; each
            // job's baselines are attached when it is evaluated.
            Some(c) => c.load(sources, plan.jobs.iter().map(|j| j.files()), self.opts),
            None => Ok(()),
        }
    }

    fn evaluate(
        &self,
        engine: &mut crate::engine::Worker,
        job: usize,
        unit: &mut Unit,
        sources: &Sources,
        texts: &[(FileId, String)],
        early: bool,
    ) -> Result<JobOutcome, PolicyError> {
        let notes = match &self.compare {
            Some(c) => {
                let attached = c.attach(unit, sources);
                if !attached.kept {
                    // Not reported, but its clusters are still the scan's.
                    let units = std::slice::from_ref(&*unit);
                    return Ok(JobOutcome {
                        findings: Vec::new(),
                        inline: Vec::new(),
                        clusters: cluster_sites(units).into_iter().collect(),
                        reported: false,
                    });
                }
                attached.notes
            }
            None => Vec::new(),
        };
        let options = &self.opts.options;
        let mut o = complete(self.policies, engine, unit, notes, texts, sources, options)?;
        let mark = if early { EARLY } else { 0 };
        push_all(
            &self.sorter,
            job + 1,
            mark,
            std::mem::take(&mut o.findings),
            sources,
        );
        Ok(o)
    }

    fn keep(&self, job: usize, outcome: Result<JobOutcome, PolicyError>) {
        lock(&self.gather).add(job, outcome);
    }

    fn take_back(&self, jobs: HashSet<usize>) {
        // By their slot in [`seq`]: a job's own number plus one.
        let slots: HashSet<u64> = jobs.into_iter().map(|j| j as u64 + 1).collect();
        lock(&self.sorter).discard(move |seq| seq & EARLY != 0 && slots.contains(&(seq >> 32)));
    }

    fn unreadable(&self, job: usize, site: Site, message: String, sources: &Sources) {
        if !self.reports_file(site.file, sources) {
            return;
        }
        sources.prefetch([site]);
        let f = builtin_finding(self.policies, "AKS901", site, message, "here");
        push_all(&self.sorter, job + 1, 0, vec![Box::new(f)], sources);
    }
}

impl Check<'_> {
    /// Whether a file that cannot be loaded is reported (`--changed-only`).
    fn reports_file(&self, file: FileId, sources: &Sources) -> bool {
        self.compare
            .as_ref()
            .is_none_or(|c| c.reports_file(sources.get(file).rel))
    }
}

/// [`scan`] in two passes (`src/stream.rs`), holding at most one job's files per
/// worker at a time.
pub fn scan_streaming(opts: &ScanOptions, policies: &Policies) -> Result<ScanResult, ScanError> {
    scan_streaming_with(opts, policies, &NoProgress)
}

/// [`scan_streaming`], with `heard` told of the files and jobs (a test's hook between
/// the passes).
fn scan_streaming_with(
    opts: &ScanOptions,
    policies: &Policies,
    heard: &dyn Progress,
) -> Result<ScanResult, ScanError> {
    let mut sink = Check {
        policies,
        opts,
        compare: crate::compare::Compare::open(opts)?,
        sorter: Default::default(),
        gather: Default::default(),
    };
    let crate::stream::Streamed {
        sources,
        load_failures,
        mut stats,
        mut inline,
        jobs,
    } = crate::stream::run(opts, heard, &mut sink)?;
    let failures: Vec<Box<Finding>> = load_failures
        .into_iter()
        .filter(|(site, _)| sink.reports_file(site.file, &sources))
        .map(|(site, message)| {
            builtin_finding(policies, failure_rule(&message), site, message, "here")
        })
        .map(Box::new)
        .collect();
    sources.prefetch(failures.iter().map(|f| f.primary));
    push_all(&sink.sorter, 0, 0, failures, &sources);
    let sorter = sink
        .sorter
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut gather = sink
        .gather
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    stats.policy_errors = error_messages(gather.errors);
    // In plan order, as a single pass would list them. A resource evaluated with
    // several parameter files lists its entries once.
    gather.inline.sort_unstable_by_key(|(job, _)| *job);
    let mut seen_metadata = HashSet::new();
    for (_, entries) in gather.inline {
        inline.extend(entries.into_iter().filter(|i| seen_metadata.insert(i.site)));
    }
    stats.units = match &sink.compare {
        Some(c) if c.changed_only() => gather.reported,
        _ => jobs,
    };
    stats.clusters = gather.clusters.len();
    Ok(ScanResult {
        sources,
        findings: sorter,
        stats,
        inline,
    })
}

/// [`scan`] over a [`prepare_with_baseline`]d scan, every unit in memory at once: the
/// plain pipeline the streaming one is tested against.
pub fn scan_prepared(opts: &ScanOptions, policies: &Policies) -> Result<ScanResult, ScanError> {
    let Prepared {
        sources,
        load_failures,
        units,
        mut stats,
        mut inline,
        baseline_notes,
    } = prepare_with_baseline(opts)?;
    inline.extend(metadata_suppressions(&units));
    let mut findings: Vec<Box<Finding>> = load_failures
        .into_iter()
        .map(|(site, message)| {
            builtin_finding(policies, failure_rule(&message), site, message, "here")
        })
        .map(Box::new)
        .collect();
    findings.extend(
        baseline_notes
            .into_iter()
            .map(|(site, message)| Box::new(baseline_note(policies, site, message))),
    );
    let timing = Timing::new();
    let results: Vec<Result<UnitFindings, PolicyError>> = units
        .par_iter()
        .map_init(
            || policies.worker(),
            |engine, unit| evaluate_unit(policies, engine, unit, &sources, &opts.options),
        )
        .collect();
    let mut errors = Vec::new();
    for (job, r) in results.into_iter().enumerate() {
        match r {
            Ok(found) => findings.extend(found.into_iter().map(|(_, f)| Box::new(f))),
            Err(e) => errors.push((job, e)),
        }
    }
    stats.policy_errors = error_messages(errors);
    timing.mark("evaluate");
    // Every position the report will ask for, found in one read of each file.
    sources.prefetch(
        findings
            .iter()
            .flat_map(|f| std::iter::once(f.primary).chain(f.related.iter().map(|l| l.site))),
    );
    let mut sorter = Sorter::default();
    for (i, f) in findings.into_iter().enumerate() {
        sorter.push(i as u64, f, &sources);
    }
    Ok(ScanResult {
        sources,
        findings: sorter,
        stats,
        inline,
    })
}

/// The scanned paths without those an earlier one already covers (the same path
/// twice, or a file or folder inside an earlier folder): each file is scanned once, so
/// its findings are reported once.
fn distinct_paths(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    for p in paths {
        let real = p.canonicalize().unwrap_or_else(|_| p.clone());
        if seen.iter().any(|s| real.starts_with(s)) {
            continue;
        }
        seen.push(real);
        out.push(p);
    }
    out
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::PolicyOptions;

    /// Rewrites a file once planning is done, before any job reads it again.
    pub(crate) struct EditBetweenPasses(pub PathBuf);

    impl Progress for EditBetweenPasses {
        fn planned(&self, _jobs: usize) {
            std::fs::write(&self.0, "{\"changed\": true}").unwrap();
        }
    }

    /// A directory with two copies of a fixture, `a.json` and `b.json`: the options
    /// that scan it, and the hook that rewrites `b.json` between the passes.
    pub(crate) fn two_copies(fixture: &str) -> (tempfile::TempDir, ScanOptions, EditBetweenPasses) {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.json", "b.json"] {
            std::fs::copy(&fixture, dir.path().join(name)).unwrap();
        }
        let opts = ScanOptions {
            paths: vec![dir.path().to_path_buf()],
            ..ScanOptions::default()
        };
        let edit = EditBetweenPasses(dir.path().join("b.json"));
        (dir, opts, edit)
    }

    /// A file that changes between the passes is AKS901 naming the change, once; the
    /// other file's findings are reported as before.
    #[test]
    fn check_reports_a_file_changed_between_the_passes_and_the_rest() {
        let policies = Policies::load(&PolicyOptions::default()).unwrap();
        let (_dir, opts, edit) = two_copies("fixtures/rules/AKS001/fail-none-2025-01-01.json");
        let found = |r: ScanResult| -> Vec<(String, String, String)> {
            let sorted = r.findings.into_sorted(&r.sources).unwrap();
            sorted
                .map(|f| {
                    let f = f.unwrap();
                    let file = r.sources.get(f.primary.file).rel.to_string();
                    (file, f.rule.to_string(), f.message.to_string())
                })
                .collect()
        };
        let both = found(scan_streaming(&opts, &policies).unwrap());
        let one = found(scan_streaming_with(&opts, &policies, &edit).unwrap());
        let of = |all: &[(String, String, String)], file: &str| -> Vec<(String, String)> {
            let mine = all.iter().filter(|(f, ..)| f == file);
            mine.map(|(_, rule, msg)| (rule.clone(), msg.clone()))
                .collect()
        };
        assert!(of(&both, "a.json").iter().any(|(rule, _)| rule == "AKS001"));
        assert_eq!(of(&one, "a.json"), of(&both, "a.json"));
        let b = of(&one, "b.json");
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].0, "AKS901");
        assert!(
            b[0].1.contains("changed while aksgate was scanning"),
            "{b:?}"
        );
    }
}
