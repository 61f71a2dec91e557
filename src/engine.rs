//! The regorus wrapper: loads the built-in pack and user policies once, reads each
//! package's rule metadata, and evaluates `deny` / `warn` of every package against an
//! input document. Each worker thread evaluates with its own clone of the prepared engine.
//!
//! Every policy, the built-in pack included, runs on regorus's interpreter. The pack once
//! ran compiled to regorus's virtual machine (RVM), about 2.7 times faster, but the RVM
//! of regorus 0.14 never takes a rule's `else` after a body that fails on an undefined
//! value (a `some` that finds nothing, a lookup of a missing key): AKS001's message
//! function failed that way on `"outboundType": "firewall"`, the finding vanished and the
//! gate passed. A VM that can drop a finding is not a gate's engine, whatever the tests
//! of the day say; `tests/compiled_pack.rs` keeps the two constructs it gets wrong, so a
//! regorus upgrade that fixes them is noticed.

use crate::finding::Severity;
use crate::text::{Interner, Text};
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::Engine;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub use embedded::{POLICIES as BUILTIN_POLICIES, RULE_DOCS};

/// Metadata a package declares as `metadata := {...}`.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: Text,
    pub slug: Text,
    pub title: String,
    pub severity: Severity,
    pub description: String,
    pub docs: Option<Text>,
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

impl PolicyError {
    /// The error, naming the deployment it happened on (a scan goes on with the others
    /// and then fails naming each).
    pub fn on(self, deployment: &str) -> PolicyError {
        let named = |package: String| format!("{package} on deployment {deployment}");
        match self {
            PolicyError::Eval { package, message } => PolicyError::Eval {
                package: named(package),
                message,
            },
            PolicyError::Contract { package, message } => PolicyError::Contract {
                package: named(package),
                message,
            },
            load => load,
        }
    }
}

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
    builtin: bool,
}

/// The prepared policy set.
#[derive(Clone)]
pub struct Policies {
    engine: Engine,
    /// Packages (`data.a.b`) with their first source file and the contract rules they
    /// declare, in load order.
    packages: Vec<Package>,
    /// Every package is the built-in pack's: no user policy is loaded.
    only_builtin: bool,
    /// The wall-clock limit of one evaluation (regorus's timer; the watchdog of
    /// [`crate::policy_limits`] stops a builtin that runs past it).
    time_limit: Option<Duration>,
    /// The collecting queries: (query rule, its (package index, set) pairs), the
    /// built-in pack's first.
    collected: Vec<(String, Vec<(usize, &'static str)>)>,
    pub rules: Vec<RuleMeta>,
    /// Text that repeats across findings (a result's help), shared.
    texts: Interner,
    /// The results of inputs already evaluated (see [`ResultCache`]).
    cache: Arc<ResultCache>,
}

/// The results of every input evaluated so far, by the input's text: a repository
/// holds the same deployment many times (environment folders, copies, one template
/// instantiated per region), and evaluation is deterministic, so an input met again
/// gets the results it had. The key is the whole input, except, when only the built-in
/// pack is loaded, its top-level `file` and `parameterFile`, which no rule of the pack
/// reads (a test holds the pack to that; user policies may read them). Bounded: past
/// [`CACHE_BYTES`] of keys nothing more is kept.
#[derive(Default)]
struct ResultCache {
    map: std::sync::Mutex<(usize, std::collections::HashMap<String, Vec<RawResult>>)>,
}

const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// What one worker thread evaluates with.
pub struct Worker {
    engine: Engine,
}

const COLLECT_FILE: &str = "<aksgate collect>";

/// The rule of a collecting package.
fn collect_rule(package: &str) -> String {
    format!("data.{package}.results")
}

/// One package whose `results` object gathers the `deny` and `warn` of `packages`
/// (indexes into `all`), under the keys "<index>:<set>".
fn collect_package(
    name: &str,
    all: &[Package],
    packages: impl Iterator<Item = usize>,
) -> (String, Vec<(usize, &'static str)>) {
    let mut pairs = Vec::new();
    let mut body = format!("package {name}\n\nimport rego.v1\n\nresults := {{\n");
    for i in packages {
        let p = &all[i];
        if !is_plain_package(&p.name) {
            continue;
        }
        for (set, declared) in [("deny", p.deny), ("warn", p.warn)] {
            if declared {
                body.push_str(&format!(
                    "  \"{i}:{set}\": [f | some f in {}.{set}],\n",
                    p.name
                ));
                pairs.push((i, set));
            }
        }
    }
    body.push_str("}\n");
    (body, pairs)
}

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

/// Policy files larger than this are refused: the built-in pack's largest file is 12 KB,
/// and a policy is code the gate runs, not data.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

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
        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
        if len > MAX_POLICY_BYTES {
            return Err(PolicyError::Load {
                file: name,
                message: format!(
                    "the file is {} KB, over the {} KB limit for a policy file",
                    len / 1024,
                    MAX_POLICY_BYTES / 1024
                ),
            });
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

/// The built-in library (`policies/lib/`, without its tests) when `sources` do not
/// declare `package aksgate.lib` themselves.
pub fn library_sources(sources: &[(String, String)]) -> Vec<(String, String)> {
    let declares_lib = sources
        .iter()
        .any(|(_, text)| crate::policy_test::package_of(text).as_deref() == Some("aksgate.lib"));
    if declares_lib {
        return Vec::new();
    }
    builtin_sources(false)
        .into_iter()
        .filter(|(p, _)| p.starts_with("policies/lib/"))
        .collect()
}

impl Policies {
    pub fn load(opts: &PolicyOptions) -> Result<Policies, PolicyError> {
        let mut sources = Vec::new();
        if opts.builtin {
            sources.extend(builtin_sources(false).into_iter().map(|s| (s, true)));
        }
        let mut user = Vec::new();
        for d in &opts.dirs {
            user.extend(rego_files(d, false)?);
        }
        // Without the built-in rules a user policy still imports the library: had it
        // not been loaded, every `lib.` reference would be undefined and nothing could
        // fire (a silent pass).
        if !opts.builtin && !user.is_empty() {
            sources.extend(library_sources(&user).into_iter().map(|s| (s, true)));
        }
        sources.extend(user.into_iter().map(|s| (s, false)));
        let mut engine = Engine::new();
        let timer = opts.time_limit.map(|limit| ExecutionTimerConfig {
            limit,
            check_interval: std::num::NonZeroU32::new(64).expect("non-zero"),
        });
        if let Some(t) = timer {
            engine.set_execution_timer_config(t);
        }
        let mut packages = Vec::new();
        let mut builtin_pkgs = Vec::new();
        let only_builtin = sources.iter().all(|(_, builtin)| *builtin);
        let texts: std::collections::BTreeMap<String, String> = sources
            .iter()
            .map(|((p, t), _)| (p.clone(), t.clone()))
            .collect();
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
                        builtin,
                    });
                }
            }
        }
        // A function that calls itself would overflow the stack (see policy_limits).
        // The built-in pack and its library are checked by a test
        // (`the_builtin_pack_has_no_recursion`) rather than on every run, where the
        // check (its syntax tree written and read as JSON) is half of loading them;
        // a cycle with user policies runs through a user rule, which is checked.
        let recursion = if only_builtin {
            None
        } else {
            crate::policy_graph::find_recursion(&engine, &texts).map_err(|message| {
                PolicyError::Load {
                    file: "(policies)".into(),
                    message,
                }
            })?
        };
        if let Some(r) = recursion {
            return Err(PolicyError::Load {
                file: r.file,
                message: format!(
                    "recursion is not allowed in Rego: {}",
                    r.cycle.join(" calls ")
                ),
            });
        }
        // One query per side collects every package's `deny` and `warn`, so the shared
        // library rules (`lib.clusters`, ...) are computed once per input, not once per
        // package.
        let mut collected = Vec::new();
        let sides = [
            ("aksgate_internal_builtin", true),
            ("aksgate_internal_user", false),
        ];
        for (name, builtin) in sides {
            let wanted = (0..packages.len()).filter(|i| packages[*i].builtin == builtin);
            let (body, pairs) = collect_package(name, &packages, wanted);
            if pairs.is_empty() {
                continue;
            }
            engine
                .add_policy(format!("{COLLECT_FILE} {name}"), body)
                .map_err(|e| PolicyError::Load {
                    file: COLLECT_FILE.into(),
                    message: e.to_string(),
                })?;
            collected.push((collect_rule(name), pairs));
        }
        let mut policies = Policies {
            engine,
            packages,
            only_builtin,
            time_limit: opts.time_limit,
            collected,
            rules: Vec::new(),
            texts: Interner::default(),
            cache: Arc::default(),
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
            let j = result_json(&v).unwrap_or_default();
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
                slug: field("slug")
                    .unwrap_or_else(|| id.to_ascii_lowercase())
                    .into(),
                title: field("title").unwrap_or_default(),
                description: field("description").unwrap_or_default(),
                docs: field("docs").map(Text::from),
                severity,
                package: pkg.clone(),
                builtin: builtin.contains(pkg),
                id: id.into(),
            });
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(rules)
    }

    /// `s` as a [`Text`] shared with every other finding that repeats it.
    pub fn shared_text(&self, s: &str) -> Text {
        self.texts.get(s)
    }

    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// No user policy is loaded: only the built-in pack, whose rules report on a few
    /// resource types ([`crate::plan::RULE_TYPES`]).
    pub fn only_builtin(&self) -> bool {
        self.only_builtin
    }

    /// A fresh evaluator for one worker: the parsed policies, no input.
    pub fn worker(&self) -> Worker {
        Worker {
            engine: self.engine.clone(),
        }
    }

    /// Evaluates every package's `deny` and `warn` against `input`.
    pub fn evaluate(
        &self,
        worker: &mut Worker,
        input: &serde_json::Value,
    ) -> Result<Vec<RawResult>, EvalError> {
        self.evaluate_with(worker, input, true)
    }

    /// [`Policies::evaluate`] of an input the caller no longer needs.
    pub fn evaluate_owned(
        &self,
        worker: &mut Worker,
        input: serde_json::Value,
    ) -> Result<Vec<RawResult>, EvalError> {
        self.evaluate_cached(worker, &input)
    }

    /// [`Policies::evaluate`] through the cache of results (see [`ResultCache`]).
    pub fn evaluate_cached(
        &self,
        worker: &mut Worker,
        input: &serde_json::Value,
    ) -> Result<Vec<RawResult>, EvalError> {
        let key = self.cache_key(input);
        if let Some(key) = &key {
            let map = self.cache.map.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(hit) = map.1.get(key) {
                return Ok(hit.clone());
            }
        }
        let results = self.evaluate_with(worker, input, true)?;
        if let Some(key) = key {
            let mut map = self.cache.map.lock().unwrap_or_else(|e| e.into_inner());
            if map.0 + key.len() <= CACHE_BYTES {
                map.0 += key.len();
                map.1.insert(key, results.clone());
            }
        }
        Ok(results)
    }

    /// The input's cache key: its JSON text, the file names left out when only the
    /// built-in pack reads it.
    fn cache_key(&self, input: &serde_json::Value) -> Option<String> {
        let obj = input.as_object()?;
        let mut key = String::new();
        for (k, v) in obj {
            if self.only_builtin && (k == "file" || k == "parameterFile") {
                continue;
            }
            key.push_str(&serde_json::to_string(k).ok()?);
            key.push(':');
            key.push_str(&serde_json::to_string(v).ok()?);
            key.push(',');
        }
        Some(key)
    }

    /// [`Policies::evaluate`], every side's packages collected by one query
    /// (`collect`, as a scan does) or each package's `deny` and `warn` evaluated alone
    /// (what the collecting queries must agree with).
    pub fn evaluate_with(
        &self,
        worker: &mut Worker,
        input: &serde_json::Value,
        collect: bool,
    ) -> Result<Vec<RawResult>, EvalError> {
        let value = input_value(input).map_err(EvalError::Input)?;
        let deployment = deployment_name(input);
        self.evaluate_value(worker, value, collect, &deployment)
            .map_err(|e| EvalError::Policy(e.on(&deployment)))
    }

    /// What a collecting query runs, for a limit's message: the built-in pack, or the
    /// user packages with their files.
    fn side_name(&self, pairs: &[(usize, &'static str)]) -> String {
        let mut names: Vec<String> = Vec::new();
        for (i, _) in pairs {
            let p = &self.packages[*i];
            if p.builtin {
                return "the built-in pack".into();
            }
            let name = format!("{} ({})", p.name, p.file);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        format!("policy {}", names.join(", "))
    }

    fn evaluate_value(
        &self,
        worker: &mut Worker,
        input: regorus::Value,
        collect: bool,
        deployment: &str,
    ) -> Result<Vec<RawResult>, PolicyError> {
        // An input that is not an object would make every rule undefined: no findings
        // for a deployment nobody looked at.
        if !matches!(input, regorus::Value::Object(_)) {
            return Err(PolicyError::Eval {
                package: "(input)".into(),
                message: "the policy input is not an object".into(),
            });
        }
        // An earlier run of this command had to stop a policy on this deployment
        // (policy_restart): it fails again at once, with what stopped it.
        if let Some(s) = crate::policy_restart::stopped_on(deployment) {
            return Err(PolicyError::Eval {
                package: s
                    .policy
                    .strip_prefix("policy ")
                    .unwrap_or(&s.policy)
                    .to_string(),
                message: format!(
                    "{}; the scan ran again without evaluating this deployment",
                    s.message
                ),
            });
        }
        let mut out = Vec::new();
        let mut done = vec![false; self.packages.len()];
        let mut interpreter_ready = false;
        let collected = if collect { &self.collected[..] } else { &[] };
        for (rule, pairs) in collected {
            if !interpreter_ready {
                worker.engine.set_input(input.clone());
                interpreter_ready = true;
            }
            let results = {
                let _watch = crate::policy_limits::watch(
                    self.side_name(pairs),
                    Some(deployment),
                    self.time_limit,
                );
                worker.engine.eval_rule(rule.clone())
            };
            // On an error (or anything but the object of results), these packages are
            // evaluated one by one below, which names the culprit or its error.
            let Ok(regorus::Value::Object(results)) = results else {
                continue;
            };
            let mut batch = Vec::new();
            let complete = pairs.iter().all(|(i, set)| {
                let key = regorus::Value::from(format!("{i}:{set}"));
                match results.get(&key).map(result_json) {
                    Some(Ok(serde_json::Value::Array(items))) => {
                        batch.extend(items.into_iter().map(|value| RawResult {
                            package: self.packages[*i].name.clone(),
                            set,
                            value,
                        }));
                        true
                    }
                    _ => false,
                }
            });
            // A package missing from the results, or one whose results have no JSON
            // form, is evaluated alone below: its error is reported, never dropped.
            if complete {
                out.extend(batch);
                for (i, _) in pairs {
                    done[*i] = true;
                }
            }
        }
        if done.iter().any(|d| !d) && !interpreter_ready {
            worker.engine.set_input(input);
        }
        let engine = &mut worker.engine;
        for (idx, p) in self.packages.iter().enumerate() {
            if done[idx] {
                continue;
            }
            let pkg = &p.name;
            for (set, declared) in [("deny", p.deny), ("warn", p.warn)] {
                if !declared {
                    continue;
                }
                let _watch = crate::policy_limits::watch(
                    format!("policy {pkg} ({})", p.file),
                    Some(deployment),
                    self.time_limit,
                );
                let v =
                    engine
                        .eval_rule(format!("{pkg}.{set}"))
                        .map_err(|e| PolicyError::Eval {
                            package: format!("{pkg} ({})", p.file),
                            message: e.to_string(),
                        })?;
                // A partial set with no member is empty, not undefined: undefined
                // means the rule could not be evaluated (a `deny :=` that failed).
                if v == regorus::Value::Undefined {
                    return Err(PolicyError::Contract {
                        package: pkg.clone(),
                        message: format!("`{set}` is undefined for this input: declare it as a set (`{set} contains f if ...`)"),
                    });
                }
                let j = result_json(&v).map_err(|message| PolicyError::Contract {
                    package: pkg.clone(),
                    message: format!("`{set}` has no JSON form: {message}"),
                })?;
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

/// The deployment an input is, for messages: its file, with its parameter file.
fn deployment_name(input: &serde_json::Value) -> String {
    deployment_label(
        input["file"].as_str().unwrap_or("(unnamed)"),
        input["parameterFile"].as_str(),
    )
}

/// A deployment as errors name it: its file, with its parameter file.
pub fn deployment_label(file: &str, parameter_file: Option<&str>) -> String {
    match parameter_file {
        Some(p) => format!("{file} with {p}"),
        None => file.to_string(),
    }
}

/// Why one deployment could not be evaluated.
#[derive(Debug, Clone)]
pub enum EvalError {
    /// Its input document has a value policies cannot see: the deployment is AKS901.
    Input(InputError),
    /// A policy failed on it: the scan fails (exit 2), naming the policy.
    Policy(PolicyError),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Input(e) => write!(f, "the policy input cannot be built: {e}"),
            EvalError::Policy(e) => e.fmt(f),
        }
    }
}

/// `input` as a regorus value, built directly from the borrowed document (converting
/// the input is a large part of evaluating a unit once the pack itself is fast). Every
/// JSON value has a regorus value: an object is always an object, whatever its keys
/// (regorus's own conversion reads an object whose first key is serde_json's private
/// number key as a number, and fails the whole document when it is not one: one such
/// key in a template silenced a deployment).
pub fn input_value(input: &serde_json::Value) -> Result<regorus::Value, InputError> {
    let mut path = Vec::new();
    convert(input, &mut path)
}

/// A part of a policy input that has no regorus value: the deployment cannot be
/// evaluated (AKS901), never evaluated as empty.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// Where in the input document, as a JSON pointer.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.message, self.path)
    }
}

fn pointer(path: &[String]) -> String {
    if path.is_empty() {
        return "/".into();
    }
    path.iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn convert(v: &serde_json::Value, path: &mut Vec<String>) -> Result<regorus::Value, InputError> {
    use regorus::Value;
    use serde_json::Value as Json;
    Ok(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        // serde_json hands a number to a deserializer as u64, else i64, else f64 (always
        // finite in a serde_json value).
        Json::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Value::from(u),
            (None, Some(i), _) => Value::from(i),
            (None, None, Some(f)) if f.is_finite() => Value::from(f),
            _ => {
                return Err(InputError {
                    path: pointer(path),
                    message: format!("the number {n} has no policy value"),
                })
            }
        },
        Json::String(s) => Value::String(s.as_str().into()),
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                out.push(convert(item, path)?);
                path.pop();
            }
            Value::from(out)
        }
        Json::Object(map) => {
            let mut out = std::collections::BTreeMap::new();
            for (k, item) in map {
                path.push(k.clone());
                out.insert(Value::String(k.as_str().into()), convert(item, path)?);
                path.pop();
            }
            Value::from(out)
        }
    })
}

/// A policy result as JSON: the inverse of [`input_value`] for what a policy can
/// return. Sets become arrays. A value that has no JSON form (a non-finite number, a
/// key that is not a string) is an error, never a silently empty result.
pub fn result_json(v: &regorus::Value) -> Result<serde_json::Value, String> {
    use regorus::Value;
    use serde_json::Value as Json;
    Ok(match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.to_string()),
        Value::Number(_) => {
            serde_json::to_value(v).map_err(|e| format!("a number has no JSON form: {e}"))?
        }
        Value::Array(items) => {
            Json::Array(items.iter().map(result_json).collect::<Result<_, _>>()?)
        }
        Value::Set(items) => Json::Array(items.iter().map(result_json).collect::<Result<_, _>>()?),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, item) in map.iter() {
                let Value::String(key) = k else {
                    return Err(format!("an object key is not a string: {k}"));
                };
                out.insert(key.to_string(), result_json(item)?);
            }
            Json::Object(out)
        }
        Value::Undefined => return Err("a value is undefined".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partial set with no member evaluates to an empty set, not undefined: so an
    /// undefined `deny` can be taken to mean the rule could not be evaluated.
    #[test]
    fn an_empty_partial_set_is_empty_not_undefined() {
        let mut e = Engine::new();
        e.add_policy(
            "p.rego".into(),
            "package p\nimport rego.v1\ndeny contains f if { input.x == 2; f := 1 }\n".into(),
        )
        .unwrap();
        e.set_input(regorus::Value::from_json_str(r#"{"x": 1}"#).unwrap());
        let v = e.eval_rule("data.p.deny".into()).unwrap();
        assert_eq!(result_json(&v).unwrap(), serde_json::json!([]));
    }

    #[test]
    fn results_without_a_json_form_are_errors() {
        assert!(result_json(&regorus::Value::Undefined).is_err());
        let mut m = std::collections::BTreeMap::new();
        m.insert(regorus::Value::from(1u64), regorus::Value::Null);
        assert!(result_json(&regorus::Value::from(m)).is_err());
    }
}
