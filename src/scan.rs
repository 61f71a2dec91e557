//! The pipeline: discover → load → resolve → evaluate → findings, for a set of paths.

use crate::classify::{self, Kind};
use crate::discover::{self, Candidate, Excludes, Skipped};
use crate::engine::{Policies, PolicyError};
use crate::finding::{Finding, Severity};
use crate::json;
use crate::resolve::{self, LiteralEvaluator, Unit};
use crate::source::{FileId, Site, Sources};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Files larger than this are reported (AKS901), not parsed: a deployment file this
/// large is almost certainly generated or hostile, and ARM itself caps templates at 4 MB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub excludes: Vec<String>,
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
    pub by_kind: BTreeMap<&'static str, usize>,
    pub units: usize,
    pub clusters: usize,
    pub skipped: Vec<Skipped>,
}

pub struct ScanResult {
    pub sources: Sources,
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

#[derive(Debug)]
pub enum ScanError {
    Path { path: PathBuf, message: String },
    Policy(PolicyError),
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanError::Path { path, message } => {
                write!(f, "cannot scan {}: {message}", path.display())
            }
            ScanError::Policy(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ScanError {}

fn load(c: &Candidate) -> Loaded {
    let fail = |message: String, deployment: bool| Loaded {
        rel: c.rel.clone(),
        text: Arc::from(""),
        outcome: LoadOutcome::Failed {
            message,
            span: json::Span::default(),
            deployment,
        },
    };
    match std::fs::metadata(&c.path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return fail(
                format!(
                    "file is {} MB, over the {} MB limit for deployment files: not parsed",
                    m.len() / (1024 * 1024),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
                true,
            )
        }
        Ok(_) => {}
        Err(e) => return fail(format!("cannot read file: {e}"), true),
    }
    let bytes = match std::fs::read(&c.path) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read file: {e}"), true),
    };
    let decoded = match json::decode(&bytes) {
        Ok(d) => d,
        Err(e) => {
            let looks = classify::text_looks_like_deployment(&String::from_utf8_lossy(&bytes));
            let text: Arc<str> = Arc::from(String::from_utf8_lossy(&bytes).as_ref());
            return Loaded {
                rel: c.rel.clone(),
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
    Loaded {
        rel: c.rel.clone(),
        text,
        outcome,
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
    }
}

pub fn scan(opts: &ScanOptions, policies: &Policies) -> Result<ScanResult, ScanError> {
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

    let loaded: Vec<Loaded> = candidates.par_iter().map(load).collect();

    let mut sources = Sources::default();
    let mut findings = Vec::new();
    let mut units: Vec<(FileId, json::Document, Kind)> = Vec::new();
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
                    *stats.by_kind.entry("invalid").or_default() += 1;
                    findings.push(builtin_finding(
                        policies,
                        "AKS901",
                        Site::new(id, span),
                        message,
                        "here",
                    ));
                } else {
                    stats.skipped.push(Skipped {
                        rel: sources.get(id).rel.clone(),
                        reason: format!("not a deployment file ({message})"),
                    });
                }
            }
            LoadOutcome::Parsed { doc, kind } => {
                if kind == Kind::Other {
                    continue;
                }
                stats.files_examined += 1;
                *stats.by_kind.entry(kind.label()).or_default() += 1;
                if kind != Kind::Parameters {
                    units.push((id, doc, kind));
                }
            }
        }
    }

    let resolved: Vec<Unit> = units
        .par_iter()
        .map(|(id, doc, kind)| {
            let mut eval = LiteralEvaluator;
            match kind {
                Kind::Template(_) => {
                    resolve::resolve_template(&doc.root, *id, kind.clone(), &mut eval)
                }
                Kind::RestBody { wrapped } => {
                    resolve::resolve_rest_body(&doc.root, *id, *wrapped, &mut eval)
                }
                Kind::Export => resolve::resolve_export(&doc.root, *id, &mut eval),
                _ => unreachable!("only deployment kinds become units"),
            }
        })
        .collect();
    drop(units);

    stats.units = resolved.len();
    stats.clusters = resolved
        .iter()
        .flat_map(|u| &u.resources)
        .filter(|r| r.ty == "Microsoft.ContainerService/managedClusters")
        .count();

    let results: Vec<Result<Vec<Finding>, PolicyError>> = resolved
        .par_iter()
        .map_init(
            || policies.worker(),
            |engine, unit| {
                let mut out: Vec<Finding> = unit
                    .problems
                    .iter()
                    .map(|p| builtin_finding(policies, "AKS901", p.site, p.message.clone(), "here"))
                    .collect();
                let network = crate::network::build(unit);
                let input = crate::input::build(unit, &sources, &network);
                let raw = policies.evaluate(engine, &input)?;
                out.extend(crate::evaluate::findings(unit, raw, policies, None)?);
                Ok(out)
            },
        )
        .collect();
    for r in results {
        findings.extend(r.map_err(ScanError::Policy)?);
    }
    Finding::sort(&mut findings, &sources);
    findings.dedup_by(|a, b| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
    Ok(ScanResult {
        sources,
        findings,
        stats,
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
