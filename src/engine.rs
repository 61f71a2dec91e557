//! The regorus wrapper: loads the built-in pack and user policies once, reads each
//! package's rule metadata, and evaluates `deny` / `warn` of every package against an
//! input document. Each worker thread evaluates with its own clone of the prepared engine.

use crate::finding::Severity;
use regorus::Engine;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub use embedded::{POLICIES as BUILTIN_POLICIES, RULE_DOCS};

/// Metadata a package declares as `metadata := {...}`.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub severity: Severity,
    pub description: String,
    pub docs: Option<String>,
    pub package: String,
    pub builtin: bool,
}

#[derive(Debug, Clone)]
pub enum PolicyError {
    /// A policy file could not be read or parsed; the message names file and line.
    Load { file: String, message: String },
    /// A package failed at evaluation time.
    Eval { package: String, message: String },
    /// A package's `metadata` or a result object breaks the contract.
    Contract { package: String, message: String },
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyError::Load { file, message } => {
                write!(f, "cannot load policy {file}: {message}")
            }
            PolicyError::Eval { package, message } => {
                write!(f, "policy {package} failed: {message}")
            }
            PolicyError::Contract { package, message } => {
                write!(f, "policy {package} breaks the result contract: {message}")
            }
        }
    }
}

impl std::error::Error for PolicyError {}

/// What one package returned for one input.
#[derive(Debug, Clone)]
pub struct RawResult {
    pub package: String,
    /// `deny` or `warn`.
    pub set: &'static str,
    pub value: serde_json::Value,
}

#[derive(Clone, Debug)]
struct Package {
    name: String,
    file: String,
    metadata: bool,
    deny: bool,
    warn: bool,
}

/// The prepared policy set.
#[derive(Clone)]
pub struct Policies {
    engine: Engine,
    /// Packages (`data.a.b`) with their first source file and the contract rules they
    /// declare, in load order.
    packages: Vec<Package>,
    /// (package index, set) pairs evaluated together by the collecting query.
    collected: Vec<(usize, &'static str)>,
    pub rules: Vec<RuleMeta>,
}

const COLLECT_FILE: &str = "<aksgate collect>";

/// `data.a.b_c`: a package path the collecting query can name directly.
fn is_plain_package(name: &str) -> bool {
    let mut parts = name.split('.');
    parts.next() == Some("data")
        && name.split('.').skip(1).all(|p| {
            let mut c = p.chars();
            c.next()
                .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
                && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
        })
        && name.contains('.')
}

pub struct PolicyOptions {
    pub builtin: bool,
    pub dirs: Vec<PathBuf>,
    /// Wall-clock limit for evaluating one input, per package call.
    pub time_limit: Option<Duration>,
}

impl Default for PolicyOptions {
    fn default() -> Self {
        PolicyOptions {
            builtin: true,
            dirs: Vec::new(),
            time_limit: Some(Duration::from_secs(10)),
        }
    }
}

fn is_test_file(path: &str) -> bool {
    path.ends_with("_test.rego")
}

/// The `.rego` files under `dir` (sorted), tests included or not.
pub fn rego_files(dir: &Path, with_tests: bool) -> Result<Vec<(String, String)>, PolicyError> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Err(PolicyError::Load {
            file: dir.display().to_string(),
            message: "not a directory".into(),
        });
    }
    for e in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .follow_links(false)
    {
        let e = e.map_err(|err| PolicyError::Load {
            file: dir.display().to_string(),
            message: err.to_string(),
        })?;
        let p = e.path();
        if !e.file_type().is_file() || p.extension().is_none_or(|x| x != "rego") {
            continue;
        }
        let name = p.display().to_string();
        if !with_tests && is_test_file(&name) {
            continue;
        }
        let text = std::fs::read_to_string(p).map_err(|err| PolicyError::Load {
            file: name.clone(),
            message: err.to_string(),
        })?;
        out.push((name, text));
    }
    Ok(out)
}

/// The built-in pack's sources (tests included or not).
pub fn builtin_sources(with_tests: bool) -> Vec<(String, String)> {
    BUILTIN_POLICIES
        .iter()
        .filter(|(p, _)| with_tests || !is_test_file(p))
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

impl Policies {
    pub fn load(opts: &PolicyOptions) -> Result<Policies, PolicyError> {
        let mut sources = Vec::new();
        if opts.builtin {
            sources.extend(builtin_sources(false).into_iter().map(|s| (s, true)));
        }
        for d in &opts.dirs {
            sources.extend(rego_files(d, false)?.into_iter().map(|s| (s, false)));
        }
        let mut engine = Engine::new();
        if let Some(limit) = opts.time_limit {
            engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
                limit,
                check_interval: std::num::NonZeroU32::new(64).expect("non-zero"),
            });
        }
        let mut packages = Vec::new();
        let mut builtin_pkgs = Vec::new();
        for ((path, text), builtin) in sources {
            let pkg = engine
                .add_policy(path.clone(), text)
                .map_err(|e| PolicyError::Load {
                    file: path.clone(),
                    message: e.to_string(),
                })?;
            let declares = |rule: &str| {
                engine
                    .has_declared_rule_rooted_at(&path, rule)
                    .unwrap_or(false)
            };
            let (metadata, deny, warn) = (declares("metadata"), declares("deny"), declares("warn"));
            match packages.iter_mut().find(|p: &&mut Package| p.name == pkg) {
                Some(p) => {
                    p.metadata |= metadata;
                    p.deny |= deny;
                    p.warn |= warn;
                }
                None => {
                    if builtin {
                        builtin_pkgs.push(pkg.clone());
                    }
                    packages.push(Package {
                        name: pkg,
                        file: path,
                        metadata,
                        deny,
                        warn,
                    });
                }
            }
        }
        // One query collects every package's `deny` and `warn`, so the shared library
        // rules (`lib.clusters`, ...) are computed once per input, not once per package.
        let mut collected = Vec::new();
        let mut body =
            String::from("package aksgate_internal_collect\n\nimport rego.v1\n\nresults := {\n");
        for (i, p) in packages.iter().enumerate() {
            if !is_plain_package(&p.name) {
                continue;
            }
            for (set, declared) in [("deny", p.deny), ("warn", p.warn)] {
                if declared {
                    body.push_str(&format!(
                        "  \"{i}:{set}\": [f | some f in {}.{set}],\n",
                        p.name
                    ));
                    collected.push((i, set));
                }
            }
        }
        body.push_str("}\n");
        if !collected.is_empty() {
            engine
                .add_policy(COLLECT_FILE.into(), body)
                .map_err(|e| PolicyError::Load {
                    file: COLLECT_FILE.into(),
                    message: e.to_string(),
                })?;
        }
        let mut policies = Policies {
            engine,
            packages,
            collected,
            rules: Vec::new(),
        };
        policies.rules = policies.read_metadata(&builtin_pkgs)?;
        Ok(policies)
    }

    fn read_metadata(&mut self, builtin: &[String]) -> Result<Vec<RuleMeta>, PolicyError> {
        let mut rules: Vec<RuleMeta> = Vec::new();
        let pkgs = self.packages.clone();
        for Package {
            name: pkg, file, ..
        } in pkgs.iter().filter(|p| p.metadata)
        {
            let v = self
                .engine
                .eval_rule(format!("{pkg}.metadata"))
                .map_err(|e| PolicyError::Eval {
                    package: pkg.clone(),
                    message: e.to_string(),
                })?;
            if v == regorus::Value::Undefined {
                continue;
            }
            let j = serde_json::to_value(&v).unwrap_or_default();
            let field = |k: &str| j.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let bad = |message: String| PolicyError::Contract {
                package: format!("{pkg} ({file})"),
                message,
            };
            let id = field("id").ok_or_else(|| bad("metadata has no string `id`".into()))?;
            let severity_text = field("severity").unwrap_or_else(|| "error".into());
            let severity = Severity::parse(&severity_text).ok_or_else(|| {
                bad(format!(
                    "metadata severity `{severity_text}` is not error, warning or note"
                ))
            })?;
            if rules.iter().any(|r| r.id == id) {
                return Err(bad(format!("rule id {id} is declared by two packages")));
            }
            rules.push(RuleMeta {
                slug: field("slug").unwrap_or_else(|| id.to_ascii_lowercase()),
                title: field("title").unwrap_or_default(),
                description: field("description").unwrap_or_default(),
                docs: field("docs"),
                severity,
                package: pkg.clone(),
                builtin: builtin.contains(pkg),
                id,
            });
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(rules)
    }

    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// A fresh engine for one worker: the parsed policies, no input.
    pub fn worker(&self) -> Engine {
        self.engine.clone()
    }

    /// Evaluates every package's `deny` and `warn` against `input`.
    pub fn evaluate(
        &self,
        engine: &mut Engine,
        input: &serde_json::Value,
    ) -> Result<Vec<RawResult>, PolicyError> {
        engine.set_input(regorus::Value::from(input.clone()));
        let mut out = Vec::new();
        let mut done = vec![false; self.packages.len()];
        if !self.collected.is_empty() {
            // On an error, fall through to one query per package, which names the culprit.
            if let Ok(regorus::Value::Object(results)) =
                engine.eval_rule("data.aksgate_internal_collect.results".into())
            {
                for (i, set) in &self.collected {
                    let key = regorus::Value::from(format!("{i}:{set}"));
                    let items = results
                        .get(&key)
                        .map(|v| serde_json::to_value(v).unwrap_or_default());
                    if let Some(serde_json::Value::Array(items)) = items {
                        out.extend(items.into_iter().map(|value| RawResult {
                            package: self.packages[*i].name.clone(),
                            set,
                            value,
                        }));
                    }
                    done[*i] = true;
                }
            } else {
                out.clear();
                done.iter_mut().for_each(|d| *d = false);
            }
        }
        for (idx, p) in self.packages.iter().enumerate() {
            if done[idx] {
                continue;
            }
            let pkg = &p.name;
            for (set, declared) in [("deny", p.deny), ("warn", p.warn)] {
                if !declared {
                    continue;
                }
                let v =
                    engine
                        .eval_rule(format!("{pkg}.{set}"))
                        .map_err(|e| PolicyError::Eval {
                            package: pkg.clone(),
                            message: e.to_string(),
                        })?;
                if v == regorus::Value::Undefined {
                    continue;
                }
                let j = serde_json::to_value(&v).unwrap_or_default();
                match j {
                    serde_json::Value::Array(items) => {
                        out.extend(items.into_iter().map(|value| RawResult {
                            package: pkg.clone(),
                            set,
                            value,
                        }))
                    }
                    other => {
                        return Err(PolicyError::Contract {
                            package: pkg.clone(),
                            message: format!("`{set}` must be a set of objects, found {other}"),
                        })
                    }
                }
            }
        }
        Ok(out)
    }
}
