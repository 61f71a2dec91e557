//! Command-line interface: argument parsing and dispatch. Exit codes are a contract:
//! 0 clean, 1 findings at or above the failing severity, 2 the tool could not do its job.

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
    Human,
    Json,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ScanArgs {
    /// Files or directories to scan (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// More Rego policies (a directory; repeatable), loaded next to the built-in pack.
    #[arg(long = "policy", value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// Do not load the built-in policy pack.
    #[arg(long)]
    pub no_builtin: bool,
    /// Unknown values fail the gate: AKS900 becomes an error.
    #[arg(long)]
    pub strict: bool,
    /// Lowest severity that fails the gate.
    #[arg(long, value_name = "LEVEL", default_value = "error", value_parser = parse_severity)]
    pub fail_on: Severity,
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
    /// Run the `test_` rules of Rego policies (default: the built-in pack).
    Test {
        /// Directory of policies and their tests.
        dir: Option<PathBuf>,
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
    run(cli) as i32
}

fn error(msg: impl std::fmt::Display) -> Exit {
    eprintln!("aksgate: error: {msg}");
    Exit::ToolError
}

fn load_policies(builtin: bool, dirs: &[PathBuf]) -> Result<Policies, Exit> {
    Policies::load(&PolicyOptions {
        builtin,
        dirs: dirs.to_vec(),
        ..PolicyOptions::default()
    })
    .map_err(error)
}

pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { policy } => match load_policies(true, &policy) {
            Ok(p) => {
                for r in &p.rules {
                    let note = NOT_ENFORCED
                        .iter()
                        .find(|(id, _)| *id == r.id)
                        .map(|(_, why)| format!("  [NOT ENFORCED: {why}]"))
                        .unwrap_or_default();
                    println!(
                        "{:<8} {:<32} {:<8} {}{note}",
                        r.id,
                        r.slug,
                        r.severity.as_str(),
                        r.title
                    );
                }
                Exit::Clean
            }
            Err(e) => e,
        },
        Command::Explain { id, policy } => explain(&id, &policy),
        Command::Test { dir } => test(dir),
        Command::Input { paths, baseline } => {
            let opts = ScanOptions {
                paths,
                base: baseline.base,
                baseline: baseline.baseline,
                ..ScanOptions::default()
            };
            match scan::inputs(&opts) {
                Ok(docs) => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&docs).expect("inputs serialize")
                    );
                    Exit::Clean
                }
                Err(e) => error(e),
            }
        }
    }
}

fn check(args: ScanArgs) -> Exit {
    let policies = match load_policies(!args.no_builtin, &args.policy) {
        Ok(p) => p,
        Err(e) => return e,
    };
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
        Err(e) => return error(e),
    };
    let opts = ScanOptions {
        paths: args.paths.clone(),
        excludes: args
            .exclude
            .iter()
            .chain(&config.exclude)
            .cloned()
            .collect(),
        pairs: config
            .pair
            .iter()
            .map(|p| (p.template.clone(), p.parameters.clone()))
            .collect(),
        base: args.baseline.base.clone(),
        baseline: args.baseline.baseline.clone(),
        changed_only: args.changed_only,
        options: crate::input::Options {
            allow_documented_migrations: args.allow_documented_migrations,
        },
    };
    let mut result = match scan::scan(&opts, &policies) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    if args.strict {
        for f in &mut result.findings {
            if f.rule == "AKS900" {
                f.severity = Severity::Error;
            }
        }
    }
    if result.stats.files_examined == 0 {
        let shown: Vec<String> = opts.paths.iter().map(|p| p.display().to_string()).collect();
        return error(format!(
            "no deployment files found in {} ({} file(s) skipped): a gate with nothing to check does not pass",
            if shown.is_empty() { ".".into() } else { shown.join(", ") },
            result.stats.skipped.len()
        ));
    }
    let report = Report {
        sources: &result.sources,
        findings: &result.findings,
        stats: &result.stats,
        rules: &policies.rules,
    };
    let out = match args.format {
        Format::Human => human::render(&report, &human::Style::detect()),
        Format::Json => report::json::render(&report),
    };
    print!("{out}");
    if result
        .findings
        .iter()
        .any(|f| f.suppression.is_none() && f.severity >= args.fail_on)
    {
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
    match page {
        Some((_, text)) if rule.builtin => print!("{text}"),
        _ => {
            println!("# {} {}: {}\n", rule.id, rule.slug, rule.title);
            println!("Default severity: {}\n", rule.severity);
            println!("{}", rule.description);
            if let Some(d) = &rule.docs {
                println!("\nDocumentation: {d}");
            }
        }
    }
    Exit::Clean
}

fn test(dir: Option<PathBuf>) -> Exit {
    let sources = match dir {
        Some(d) => match crate::engine::rego_files(&d, true) {
            Ok(s) => s,
            Err(e) => return error(e),
        },
        None => crate::engine::builtin_sources(true),
    };
    let outcomes = match crate::policy_test::run_tests(&sources) {
        Ok(o) => o,
        Err(e) => return error(e),
    };
    if outcomes.is_empty() {
        return error("no test_ rules found");
    }
    let mut failed = 0;
    for o in &outcomes {
        let status = if o.passed { "PASS" } else { "FAIL" };
        if !o.passed {
            failed += 1;
        }
        println!(
            "{status} {}.{} ({}, {:.1} ms){}",
            o.package,
            o.name,
            o.file,
            o.duration.as_secs_f64() * 1000.0,
            o.error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
    }
    println!("{} passed, {} failed", outcomes.len() - failed, failed);
    if failed > 0 {
        Exit::Findings
    } else {
        Exit::Clean
    }
}
