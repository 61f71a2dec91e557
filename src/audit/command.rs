//! `aksgate audit [PATH] --format table|json|markdown|html [--output FILE]`.
//! Exit 0 unless the tool failed (2): an audit reports, `check` gates.

use crate::cli::{error, load_policies_with, Exit};
use crate::scan::ScanOptions;
use clap::ValueEnum;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
    Markdown,
    Html,
}

#[derive(clap::Args, Debug, Clone)]
pub struct AuditArgs {
    /// File or directory to audit (default: the current directory).
    pub path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: AuditFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// More Rego policies (a directory; repeatable), loaded next to the built-in pack.
    #[arg(long = "policy", value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// Do not load the built-in policy pack.
    #[arg(long)]
    pub no_builtin: bool,
    /// Wall-clock limit for one policy package on one deployment, in milliseconds
    /// (default: `policy_timeout_ms` in the configuration, else 10000), as for `check`.
    #[arg(long, value_name = "MS")]
    pub policy_timeout: Option<u64>,
    /// Exclude paths (gitignore syntax, relative to the scanned root; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Configuration file (default: `.aksgate.toml` in the scanned directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: AuditArgs) -> Exit {
    crate::policy_restart::enable();
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let config = match crate::config::Config::load(
        args.config.as_deref(),
        Some(root.as_path()).filter(|r| r.is_dir()),
    ) {
        Ok(c) => c,
        Err(e) => return crate::cli::config_error(&e),
    };
    // The same policies, with the same limit, as `check` with this configuration.
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
    if let Err(e) = crate::cli::check_excludes(&args.exclude) {
        return e;
    }
    let opts =
        ScanOptions::from_config(args.path.iter().cloned().collect(), &args.exclude, &config);
    let bar = super::progress::Bar::stderr();
    let result = super::audit(&opts, &policies, &bar);
    bar.finish();
    let mut audit = match result {
        Ok(a) => a,
        Err(e) => return error(e),
    };
    // The audit and the gate agree on what is suppressed.
    audit.settle(&crate::suppress::Settings::from_config(&config), &config);
    if audit.stats.files_examined == 0 {
        return error(format!(
            "no deployment files found in {} ({} file(s) skipped): nothing to audit",
            root.display(),
            audit.stats.skipped.len()
        ));
    }
    // Every format is written as it is made, not held whole.
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        let text = match args.format {
            AuditFormat::Json => {
                // Printed to a log, it must hold no `##vso[` (`report::safe::NoVso`).
                let mut safe = crate::report::safe::NoVso::new(&mut *w, br"\u005b");
                super::json::write(&audit, &mut safe)?;
                safe.write_all(b"\n")?;
                return safe.finish().map(|_| ());
            }
            AuditFormat::Table => super::table::write,
            AuditFormat::Markdown => super::markdown::write,
            AuditFormat::Html => super::html::write,
        };
        let mut out = super::out::Out::new(w);
        text(&audit, &mut out);
        out.finish()
    };
    let written = match &args.output {
        Some(file) => crate::report::write_file(file, write)
            .map_err(|e| format!("cannot write {}: {e}", file.display())),
        None => {
            let mut w = BufWriter::new(std::io::stdout().lock());
            write(&mut w)
                .and_then(|()| w.flush())
                .map_err(|e| format!("cannot write the output: {e}"))
        }
    };
    match written {
        Err(e) => error(e),
        Ok(()) => crate::cli::policy_failures(&audit.stats.policy_errors).unwrap_or(Exit::Clean),
    }
}
