//! Command-line interface: argument parsing and dispatch. Exit codes are a contract:
//! 0 clean, 1 findings at or above the failing severity, 2 the tool could not do its job.

use crate::config::RuleSetting;
use crate::engine::{Policies, PolicyOptions};
use crate::finding::Severity;
use crate::report::{self, human, Report};
use crate::scan::{self, ScanOptions};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    ToolError = 2,
}

#[derive(Parser, Debug)]
#[command(
    name = "aksgate",
    version,
    about = "Policy-as-code gate for AKS deployment files"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics for a terminal (colour on a terminal only).
    Human,
    /// One JSON document (schema version 1).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// GitHub Actions workflow commands (pull-request annotations).
    Github,
    /// JUnit XML (Azure Pipelines PublishTestResults, GitLab).
    Junit,
    /// Azure Pipelines `##vso[task.logissue]` logging commands.
    Azure,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ScanArgs {
    /// Files or directories to scan (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output; with a format other than
    /// human, the human report still goes to standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// More Rego policies (a directory; repeatable), loaded next to the built-in pack.
    #[arg(long = "policy", value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// Do not load the built-in policy pack.
    #[arg(long)]
    pub no_builtin: bool,
    /// Unknown values fail the gate: AKS900 becomes an error.
    #[arg(long)]
    pub strict: bool,
    /// Lowest severity that fails the gate (default: `fail_on` in the configuration, else error).
    #[arg(long, value_name = "LEVEL", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Turn a rule on (overrides the configuration; repeatable).
    #[arg(long, value_name = "RULE")]
    pub enable: Vec<String>,
    /// Turn a rule off (overrides the configuration; repeatable).
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,
    /// Change a rule's severity, e.g. `--severity AKS010=error` (repeatable).
    #[arg(long, value_name = "RULE=LEVEL", value_parser = parse_rule_level)]
    pub severity: Vec<(String, Severity)>,
    /// Ignore every suppression: show all findings as they are.
    #[arg(long)]
    pub no_suppress: bool,
    /// Wall-clock limit for one policy package on one deployment, in milliseconds
    /// (default: `policy_timeout_ms` in the configuration, else 10000). A policy that
    /// runs longer stops the scan with an error naming it.
    #[arg(long, value_name = "MS")]
    pub policy_timeout: Option<u64>,
    /// List the files that were skipped, with the reason, on stderr.
    #[arg(long)]
    pub show_skipped: bool,
    /// Exclude paths (gitignore syntax, relative to the scanned root; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Configuration file (default: `.aksgate.toml` in the scanned directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub baseline: BaselineArgs,
    /// With --base: evaluate only the deployment files changed since REF (and the
    /// templates whose parameter files or linked templates changed).
    #[arg(long, requires = "base")]
    pub changed_only: bool,
    /// AKS006: an outboundType change along a migration path the AKS documentation lists
    /// as supported is a note instead of an error (paths it lists as not supported stay
    /// errors).
    #[arg(long)]
    pub allow_documented_migrations: bool,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct BaselineArgs {
    /// Compare with the deployment files at this git revision (branch, tag, commit):
    /// AKS006 and the `baseline` of the policy input.
    #[arg(long, value_name = "REF", conflicts_with = "baseline")]
    pub base: Option<String>,
    /// Compare with exported live clusters (`az aks show -o json`: a file with one
    /// object or an array, or a folder of such files; repeatable).
    #[arg(long, value_name = "PATH")]
    pub baseline: Vec<PathBuf>,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("`{s}` is not one of error, warning, note"))
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Gate: scan and exit 1 when a finding at or above the failing severity exists.
    Check(ScanArgs),
    /// List the rules (built-in and from --policy directories).
    Rules {
        #[arg(long = "policy", value_name = "DIR")]
        policy: Vec<PathBuf>,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule id, e.g. AKS003.
        id: String,
        #[arg(long = "policy", value_name = "DIR")]
        policy: Vec<PathBuf>,
    },
    /// Print the policy input documents aksgate builds for the given paths (one JSON
    /// array), to see what policies see.
    Input {
        paths: Vec<PathBuf>,
        #[command(flatten)]
        baseline: BaselineArgs,
    },
    /// Inventory of every cluster: how it egresses and what is wrong with it (a report:
    /// exits 0 unless the tool failed).
    Audit(crate::audit::command::AuditArgs),
    /// Write a commented starter `.aksgate.toml` and, with --ci, the pipeline file for
    /// that CI (never overwrites: exits 2 when a file exists).
    Init {
        /// Directory to write into (default: the current directory).
        dir: Option<PathBuf>,
        /// Also write the pipeline file for this CI.
        #[arg(long, value_enum, value_name = "CI")]
        ci: Option<crate::init::Ci>,
    },
    /// Run the `test_` rules of Rego policies (default: the built-in pack).
    Test {
        /// Directory of policies and their tests.
        dir: Option<PathBuf>,
        /// Also print the line coverage of each policy file.
        #[arg(long)]
        coverage: bool,
    },
}

/// Built-in rules whose inputs aksgate cannot provide yet, with the reason: said loudly
/// by `aksgate rules` rather than passing silently.
const NOT_ENFORCED: &[(&str, &str)] = &[];

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::ToolError as i32
            } else {
                0
            };
            let _ = e.print();
            return code;
        }
    };
    // Policies are evaluated on the workers and on this thread's stand-in: give every
    // one of them the stack deep (finite) policies need (see policy_limits).
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(crate::policy_limits::EVAL_STACK_BYTES)
        .build_global();
    crate::policy_limits::with_big_stack(move || run(cli) as i32)
}

pub(crate) fn error(msg: impl std::fmt::Display) -> Exit {
    // Error messages quote paths and file content: nothing in them may reach the
    // terminal or the CI log as a command.
    crate::report::safe::warn(&format!("aksgate: error: {msg}"));
    Exit::ToolError
}

/// After a report: the deployments a policy could not be evaluated on make the run a
/// tool error (exit 2), each named; the report above holds every other deployment's
/// findings. `None` when there were none.
pub(crate) fn policy_failures(errors: &[String]) -> Option<Exit> {
    if errors.is_empty() {
        return None;
    }
    for e in errors {
        crate::report::safe::warn(&format!("aksgate: error: {e}"));
    }
    crate::report::safe::warn(&format!(
        "aksgate: error: {} deployment(s) could not be evaluated: the report holds the findings of the others, and the run fails",
        errors.len()
    ));
    Some(Exit::ToolError)
}

/// Writes `text` to standard output and returns `then`; a reader that went away
/// (`aksgate rules | head`) or a full disk is a tool error, not a panic.
pub(crate) fn emit(text: &str, then: Exit) -> Exit {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => then,
        Err(e) => error(format!("cannot write the output: {e}")),
    }
}

pub(crate) fn load_policies(builtin: bool, dirs: &[PathBuf]) -> Result<Policies, Exit> {
    load_policies_with(builtin, dirs, None)
}

pub(crate) fn load_policies_with(
    builtin: bool,
    dirs: &[PathBuf],
    timeout_ms: Option<u64>,
) -> Result<Policies, Exit> {
    let mut opts = PolicyOptions {
        builtin,
        dirs: dirs.to_vec(),
        ..PolicyOptions::default()
    };
    if let Some(ms) = timeout_ms {
        opts.time_limit = Some(std::time::Duration::from_millis(ms.max(1)));
    }
    Policies::load(&opts).map_err(error)
}

pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Audit(args) => crate::audit::command::run(args),
        Command::Rules { policy } => match load_policies(true, &policy) {
            Ok(p) => {
                let mut out = String::new();
                for r in &p.rules {
                    let note = NOT_ENFORCED
                        .iter()
                        .find(|(id, _)| *id == r.id)
                        .map(|(_, why)| format!("  [NOT ENFORCED: {why}]"))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "{:<8} {:<32} {:<8} {}{note}\n",
                        r.id,
                        r.slug,
                        r.severity.as_str(),
                        r.title
                    ));
                }
                emit(&out, Exit::Clean)
            }
            Err(e) => e,
        },
        Command::Explain { id, policy } => explain(&id, &policy),
        Command::Test { dir, coverage } => test(dir, coverage),
        Command::Init { dir, ci } => {
            crate::init::run(&dir.unwrap_or_else(|| PathBuf::from(".")), ci)
        }
        Command::Input { paths, baseline } => {
            // The configuration's pairings (ARM parameter files, Terraform variable
            // files), excludes and options, as `check` reads them: the documents are
            // the ones its policies see.
            let root = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
            let config = match crate::config::Config::load(
                None,
                Some(root.as_path()).filter(|r| r.is_dir()),
            ) {
                Ok(c) => c,
                Err(e) => return config_error(&e),
            };
            let opts = ScanOptions {
                base: baseline.base,
                baseline: baseline.baseline,
                ..ScanOptions::from_config(paths, &[], &config)
            };
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut out = crate::report::safe::NoVso::new(out, br"\u005b");
            let result = crate::inputs::write_inputs(&opts, &mut out);
            let result = match out.finish() {
                Ok(_) => result,
                Err(e) => Err(crate::inputs::InputsError::Io(e)),
            };
            match result {
                Ok(written) => {
                    // Said, not left out silently: a policy author looking for a
                    // file's document learns why there is none.
                    for f in &written.not_loaded {
                        crate::report::safe::warn_line(&format!(
                            "aksgate: warning: no input document for {f}"
                        ));
                    }
                    Exit::Clean
                }
                Err(e) => error(e),
            }
        }
    }
}

/// Prints a configuration mistake as a diagnostic into the TOML file.
pub(crate) fn config_error(e: &crate::config::ConfigError) -> Exit {
    // No context lines: the file may hold what must not be printed (see ConfigDiagnostic).
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_context_lines(0);
    let mut out = String::new();
    match handler.render_report(&mut out, &crate::config::ConfigDiagnostic::new(e)) {
        Ok(()) => crate::report::safe::warn(out.trim_end_matches('\n')),
        Err(_) => crate::report::safe::warn(&format!("aksgate: error: {e}")),
    }
    Exit::ToolError
}

/// `--exclude` patterns must be valid: an invalid one would exclude nothing, silently.
pub(crate) fn check_excludes(patterns: &[String]) -> Result<(), Exit> {
    for p in patterns {
        if let Err(e) = crate::config::check_exclude(p) {
            return Err(error(format!("invalid --exclude pattern `{p}`: {e}")));
        }
    }
    Ok(())
}

/// `RULE=LEVEL` for `--severity`.
fn parse_rule_level(s: &str) -> Result<(String, Severity), String> {
    let (rule, level) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not RULE=LEVEL"))?;
    let sev = Severity::parse(level)
        .ok_or_else(|| format!("`{level}` is not one of error, warning, note"))?;
    Ok((rule.trim().to_ascii_uppercase(), sev))
}

fn check(args: ScanArgs) -> Exit {
    crate::policy_restart::enable();
    let root = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config = match crate::config::Config::load(
        args.config.as_deref(),
        Some(root.as_path()).filter(|r| r.is_dir()),
    ) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    if let Err(e) = check_excludes(&args.exclude) {
        return e;
    }
    let dirs: Vec<PathBuf> = args
        .policy
        .iter()
        .cloned()
        .chain(config.policy_dirs())
        .collect();
    let timeout = args.policy_timeout.or(config.policy_timeout_ms);
    let policies = match load_policies_with(!args.no_builtin, &dirs, timeout) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let known: Vec<String> = policies.rules.iter().map(|r| r.id.to_string()).collect();
    if let Err(e) = config.check_rules(&known) {
        return config_error(&e);
    }
    let mut settings = crate::suppress::Settings::from_config(&config);
    settings.no_suppress = args.no_suppress;
    let cli_rules = args
        .enable
        .iter()
        .map(|r| (r.to_ascii_uppercase(), RuleSetting::On))
        .chain(
            args.disable
                .iter()
                .map(|r| (r.to_ascii_uppercase(), RuleSetting::Off)),
        )
        .chain(
            args.severity
                .iter()
                .map(|(r, s)| (r.clone(), RuleSetting::Severity(*s))),
        );
    for (rule, setting) in cli_rules {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(&rule)) {
            return error(format!("no rule {rule}; `aksgate rules` lists them"));
        }
        settings.rules.insert(rule, setting);
    }
    let strict = args.strict || config.strict == Some(true);
    let fail_on = args
        .fail_on
        .or_else(|| {
            config
                .fail_on
                .as_ref()
                .and_then(|f| Severity::parse(f.get_ref()))
        })
        .unwrap_or(Severity::Error);
    let mut opts = ScanOptions::from_config(args.paths.clone(), &args.exclude, &config);
    opts.base = args.baseline.base.clone();
    opts.baseline = args.baseline.baseline.clone();
    opts.changed_only = args.changed_only;
    opts.options.allow_documented_migrations |= args.allow_documented_migrations;
    let mut result = match scan::scan(&opts, &policies) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let timing = scan::Timing::new();
    if args.show_skipped {
        for s in &result.stats.skipped {
            crate::report::safe::warn_line(&format!("aksgate: skipped {}: {}", s.rel, s.reason));
        }
    }
    if result.stats.files_examined == 0 {
        let shown: Vec<String> = opts.paths.iter().map(|p| p.display().to_string()).collect();
        return error(format!(
            "no deployment files found in {} ({} file(s) skipped; --show-skipped lists them): a gate with nothing to check does not pass",
            if shown.is_empty() { ".".into() } else { shown.join(", ") },
            result.stats.skipped.len()
        ));
    }
    if result.stats.by_kind.keys().all(|k| *k == "parameters") {
        return error(format!(
            "only parameter files found ({}), and no template they feed: a gate with nothing to check does not pass",
            result.stats.files_examined
        ));
    }
    let always = |_: &str| true;
    let mut settle = crate::suppress::Settle::new(
        &settings,
        strict,
        &config,
        &result.inline,
        &mut result.sources,
        &always,
    );
    let sources = &result.sources;
    // Sorted, settled and written back in one pass; then the renderers read them.
    let findings = result
        .findings
        .into_sorted(sources)
        .and_then(|sorted| {
            crate::spill::Findings::collect(sorted.filter_map(|f| match f {
                Ok(mut f) => settle.admit(&mut f, sources).then_some(Ok(f)),
                Err(e) => Some(Err(e)),
            }))
        })
        .map(|mut findings| {
            findings.add(settle.finish(), sources);
            findings
        });
    let findings = match findings {
        Ok(f) => f,
        Err(e) => return error(format!("cannot sort the findings: {e}")),
    };
    timing.mark("sort+settle");
    let cwd = std::env::current_dir().ok();
    let base = report::Base::for_scan(&opts.paths, cwd.as_deref());
    let report = Report {
        sources: &result.sources,
        findings: &findings,
        stats: &result.stats,
        rules: &policies.rules,
        base: &base,
        fail_on,
    };
    // Reports are written as they are serialised rather than built in memory first. A write error, such as a closed
    // pipe, is a tool error, not a panic.
    let write = |format: Format, style: &human::Style, w: &mut dyn std::io::Write| {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(w);
        // The data formats may be printed to a log too: no `##vso[` in them
        // (`report::safe::NoVso`; the text formats neutralise their own fields).
        let data = |w: &mut dyn std::io::Write,
                    escape: &[u8],
                    f: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>| {
            let mut safe = report::safe::NoVso::new(w, escape);
            f(&mut safe)?;
            safe.finish().map(|_| ())
        };
        match format {
            Format::Json => data(&mut w, br"\u005b", &|w| report::json::write(&report, w)),
            Format::Sarif => data(&mut w, br"\u005b", &|w| report::sarif::write(&report, w)),
            Format::Human => human::write(&report, style, &mut w),
            Format::Github => report::github::write(&report, &mut w),
            Format::Azure => report::azure::write(&report, &mut w),
            Format::Junit => data(&mut w, b"&#91;", &|w| report::junit::write(&report, w)),
        }?;
        w.flush()
    };
    match &args.output {
        None => {
            if let Err(e) = write(
                args.format,
                &human::Style::detect(),
                &mut std::io::stdout().lock(),
            ) {
                return error(format!("cannot write the report: {e}"));
            }
            timing.mark("report");
        }
        Some(file) => {
            // A file gets no colour codes.
            let plain = human::Style {
                color: false,
                ..human::Style::detect()
            };
            let written = report::write_file(file, |w| write(args.format, &plain, w));
            if let Err(e) = written {
                return error(format!("cannot write {}: {e}", file.display()));
            }
            timing.mark("report");
            if args.format != Format::Human {
                if let Err(e) = write(
                    Format::Human,
                    &human::Style::detect(),
                    &mut std::io::stdout().lock(),
                ) {
                    return error(format!("cannot write the report: {e}"));
                }
            }
        }
    }
    if let Some(exit) = policy_failures(&result.stats.policy_errors) {
        return exit;
    }
    if findings.tally().fails(fail_on) {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

fn explain(id: &str, dirs: &[PathBuf]) -> Exit {
    let policies = match load_policies(true, dirs) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let Some(rule) = policies.rule(id) else {
        return error(format!("no rule {id}; `aksgate rules` lists them"));
    };
    let page = crate::engine::RULE_DOCS
        .iter()
        .find(|(p, _)| p.ends_with(&format!("/{}.md", rule.id)));
    let text = match page {
        Some((_, text)) if rule.builtin => text.to_string(),
        _ => {
            let mut t = format!(
                "# {} {}: {}\n\nDefault severity: {}\n\n{}\n",
                rule.id, rule.slug, rule.title, rule.severity, rule.description
            );
            if let Some(d) = &rule.docs {
                t.push_str(&format!("\nDocumentation: {d}\n"));
            }
            t
        }
    };
    emit(&text, Exit::Clean)
}

fn test(dir: Option<PathBuf>, coverage: bool) -> Exit {
    let mut sources = match dir {
        Some(d) => match crate::engine::rego_files(&d, true) {
            Ok(s) => s,
            Err(e) => return error(e),
        },
        None => crate::engine::builtin_sources(true),
    };
    // A user's policies run next to the built-in library in `check --policy`, so their
    // tests must see `data.aksgate.lib` too (unless DIR is the library itself).
    let library = crate::engine::library_sources(&sources);
    sources.extend(library.iter().cloned());
    let (outcomes, mut files) =
        match crate::policy_test::run_tests_with_coverage(&sources, coverage) {
            Ok(o) => o,
            Err(e) => return error(e),
        };
    files.retain(|f| !library.iter().any(|(p, _)| *p == f.file));
    if outcomes.is_empty() {
        return error("no test_ rules found");
    }
    let mut failed = 0;
    let mut out = String::new();
    for o in &outcomes {
        let status = if o.passed { "PASS" } else { "FAIL" };
        if !o.passed {
            failed += 1;
        }
        out.push_str(&format!(
            "{status} {}.{} ({}, {:.1} ms){}\n",
            o.package,
            o.name,
            o.file,
            o.duration.as_secs_f64() * 1000.0,
            o.error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ));
    }
    for f in &files {
        let total = f.covered + f.not_covered.len();
        let pct = if total == 0 {
            100.0
        } else {
            100.0 * f.covered as f64 / total as f64
        };
        let lines: Vec<String> = f.not_covered.iter().map(u32::to_string).collect();
        out.push_str(&format!(
            "coverage {}: {}/{} lines ({pct:.0}%){}\n",
            f.file,
            f.covered,
            total,
            if lines.is_empty() {
                String::new()
            } else {
                format!(", not covered: {}", lines.join(","))
            }
        ));
    }
    out.push_str(&format!(
        "{} passed, {} failed\n",
        outcomes.len() - failed,
        failed
    ));
    emit(
        &out,
        if failed > 0 {
            Exit::Findings
        } else {
            Exit::Clean
        },
    )
}
