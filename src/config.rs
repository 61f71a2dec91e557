//! `.aksgate.toml`: the scan's configuration. A mistake in it (unknown key, wrong type,
//! unknown rule id, a suppression without a reason) is a diagnostic that points into the
//! file, and the tool exits 2: a gate must not run on a configuration it misread.
//!
//! ```toml
//! fail_on = "error"                 # lowest severity that fails the gate
//! strict = false                    # unknown values (AKS900) fail the gate
//! allow_public_ips = false          # true turns AKS007 off
//! external_network = false          # subnets/route tables live in another repository
//! docs_edition = "current"           # "2019": AKS003 follows the 2019 text (any kubenet + UDR is an error)
//! exclude = ["infra/legacy/**"]     # gitignore syntax, relative to the scanned root
//! policies = ["policy/org"]         # more Rego, relative to this file
//! policy_timeout_ms = 10000         # limit for one policy package on one deployment
//! bicep_module_cache = "~/.bicep"   # where `bicep restore` put registry modules
//!
//! [rules]                           # per rule: "off", "on", "error", "warning", "note"
//! AKS010 = "error"
//!
//! [[pair]]                          # explicit template <-> parameter-file pairings, or a
//!                                   # Terraform module folder <-> .tfvars file
//! template = "infra/aks.json"
//! parameters = "env/prod/aks.json"
//!
//! [[suppress]]                      # waivers: a reason is required
//! rule = "AKS007"
//! path = "infra/legacy/**"
//! reason = "legacy cluster, public egress approved until migration"
//! expires = "2027-03-31"
//! ```

use crate::finding::Severity;
use miette::{Diagnostic, LabeledSpan, SourceCode};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const DEFAULT_NAME: &str = ".aksgate.toml";

/// The values of `docs_edition`.
pub const DOCS_EDITIONS: &[&str] = &["current", "2019"];

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub fail_on: Option<Spanned<String>>,
    #[serde(default)]
    pub strict: Option<bool>,
    #[serde(default)]
    pub allow_public_ips: Option<bool>,
    #[serde(default)]
    pub allow_documented_migrations: Option<bool>,
    /// The network (subnets, route tables) is deployed from another repository: do not
    /// report subnets and route tables that are not in the scanned files.
    #[serde(default)]
    pub external_network: Option<bool>,
    /// Which edition of the AKS documentation the rules follow where editions disagree:
    /// `"current"` (default) or `"2019"` (AKS003: any kubenet + UDR is an error).
    #[serde(default)]
    pub docs_edition: Option<Spanned<String>>,
    /// Wall-clock limit for one policy package on one deployment (milliseconds).
    #[serde(default)]
    pub policy_timeout_ms: Option<u64>,
    /// The Bicep module cache (`bicep restore`'s, holding `br/` and `ts/`), relative to
    /// this file; default: the `bicepconfig.json`'s `cacheRootDirectory`, else `~/.bicep`.
    #[serde(default)]
    pub bicep_module_cache: Option<String>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub policies: Vec<String>,
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub pair: Vec<Pair>,
    #[serde(default)]
    pub suppress: Vec<ConfigSuppression>,
    /// Where the file is (for relative paths) and its text (for diagnostics).
    #[serde(skip)]
    pub origin: Option<(PathBuf, String)>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    /// An ARM or Bicep template; for a Terraform variable file, the root module's
    /// folder (or one of its `.tf` files).
    pub template: Spanned<String>,
    /// A parameter file, or a Terraform variable file (`.tfvars`, `.tfvars.json`).
    pub parameters: Spanned<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ConfigSuppression {
    pub rule: Spanned<String>,
    /// Glob (gitignore syntax) over the finding's file; every file when absent.
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    pub reason: Spanned<String>,
    /// `YYYY-MM-DD`: from that day on the suppression stops suppressing.
    #[serde(default)]
    pub expires: Option<Spanned<String>>,
}

/// What a rule setting means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    On,
    Severity(Severity),
}

impl RuleSetting {
    pub fn parse(s: &str) -> Option<RuleSetting> {
        match s.to_ascii_lowercase().as_str() {
            "off" | "disable" | "disabled" => Some(RuleSetting::Off),
            "on" | "enable" | "enabled" => Some(RuleSetting::On),
            other => Severity::parse(other).map(RuleSetting::Severity),
        }
    }
}

/// A configuration mistake, rendered as a diagnostic into the file when the position is known.
#[derive(Debug)]
pub struct ConfigError {
    pub file: PathBuf,
    pub message: String,
    pub text: Option<String>,
    pub span: Option<std::ops::Range<usize>>,
    pub help: Option<String>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.text, &self.span) {
            (Some(t), Some(s)) => {
                let (l, c) = crate::json::line_col(t, s.start);
                write!(
                    f,
                    "invalid configuration {}:{l}:{c}: {}",
                    self.file.display(),
                    self.message
                )
            }
            _ => write!(
                f,
                "invalid configuration {}: {}",
                self.file.display(),
                self.message
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The miette view of a [`ConfigError`]: the TOML excerpt with the mistake labelled.
pub struct ConfigDiagnostic<'a> {
    err: &'a ConfigError,
    /// The offending line only, made safe to print: the file may not be a
    /// configuration at all (a symlink named with `--config` to a secret), and a
    /// diagnostic must not echo it.
    source: Option<crate::report::excerpt::Excerpt>,
    span: Option<miette::SourceSpan>,
}

impl<'a> ConfigDiagnostic<'a> {
    pub fn new(err: &'a ConfigError) -> Self {
        let (Some(text), Some(span)) = (&err.text, &err.span) else {
            return ConfigDiagnostic {
                err,
                source: None,
                span: None,
            };
        };
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let source = crate::report::excerpt::Excerpt::new(
            &err.file.display().to_string(),
            std::sync::Arc::from(text.as_str()),
            &starts,
            &[(span.start, span.end)],
        );
        let shown = source.span(span.start, span.end);
        ConfigDiagnostic {
            err,
            source: Some(source),
            span: Some(shown),
        }
    }
}

impl std::fmt::Debug for ConfigDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.err.fmt(f)
    }
}
impl std::fmt::Display for ConfigDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid configuration: {}", self.err.message)
    }
}
impl std::error::Error for ConfigDiagnostic<'_> {}
impl Diagnostic for ConfigDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new("aksgate::config"))
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.err
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some("here".into()), span),
        )))
    }
}

impl Config {
    fn error(
        &self,
        span: std::ops::Range<usize>,
        message: String,
        help: Option<String>,
    ) -> ConfigError {
        let (file, text) = self.origin.clone().unwrap_or_default();
        ConfigError {
            file,
            message,
            text: Some(text),
            span: Some(span),
            help,
        }
    }

    /// Parses and checks a configuration. `known_rules` are the rule ids the loaded
    /// policies declare.
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let mut c: Config = toml::from_str(text).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            message: e.message().to_string(),
            text: Some(text.to_string()),
            span: e.span(),
            help: Some("the keys are listed in the Configuration section of the README".into()),
        })?;
        c.origin = Some((file.to_path_buf(), text.to_string()));
        if let Some(f) = &c.fail_on {
            if Severity::parse(f.get_ref()).is_none() {
                return Err(c.error(
                    f.span(),
                    format!("fail_on `{}` is not error, warning or note", f.get_ref()),
                    None,
                ));
            }
        }
        if let Some(e) = &c.docs_edition {
            if !DOCS_EDITIONS.contains(&e.get_ref().as_str()) {
                return Err(c.error(
                    e.span(),
                    format!("docs_edition `{}` is not \"current\" or \"2019\"", e.get_ref()),
                    Some("\"2019\" makes AKS003 follow the 2019 egress documentation; see docs/rules/AKS003.md".into()),
                ));
            }
        }
        for (rule, setting) in &c.rules {
            if RuleSetting::parse(setting.get_ref()).is_none() {
                return Err(c.error(
                    setting.span(),
                    format!("`{}` is not a rule setting", setting.get_ref()),
                    Some(format!(
                        "use \"off\", \"on\", \"error\", \"warning\" or \"note\" for {}",
                        rule.get_ref()
                    )),
                ));
            }
        }
        for pattern in &c.exclude {
            if let Err(err) = check_exclude(pattern.get_ref()) {
                return Err(c.error(
                    pattern.span(),
                    format!("invalid exclude pattern `{}`: {err}", pattern.get_ref()),
                    Some("patterns use gitignore syntax, relative to the scanned directory".into()),
                ));
            }
        }
        for p in &c.pair {
            check_var_file_pair(&c, p)?;
        }
        for s in &c.suppress {
            if s.reason.get_ref().trim().is_empty() {
                return Err(c.error(
                    s.reason.span(),
                    "a suppression needs a reason".into(),
                    Some("say why the finding is acceptable, and until when".into()),
                ));
            }
            if let Some(e) = &s.expires {
                if parse_date(e.get_ref()).is_none() {
                    return Err(c.error(
                        e.span(),
                        format!("`{}` is not a date (YYYY-MM-DD)", e.get_ref()),
                        None,
                    ));
                }
            }
            if let Some(p) = &s.path {
                if let Err(err) = globset::Glob::new(p.get_ref()) {
                    return Err(c.error(p.span(), format!("invalid path glob: {err}"), None));
                }
            }
        }
        Ok(c)
    }

    /// Rejects rule ids that no loaded policy declares.
    pub fn check_rules(&self, known: &[String]) -> Result<(), ConfigError> {
        let unknown = |id: &str| !known.iter().any(|k| k.eq_ignore_ascii_case(id));
        for rule in self.rules.keys() {
            if unknown(rule.get_ref()) {
                return Err(self.error(
                    rule.span(),
                    format!("no rule {}", rule.get_ref()),
                    Some("`aksgate rules` lists the rule ids".into()),
                ));
            }
        }
        for s in &self.suppress {
            if unknown(s.rule.get_ref()) {
                return Err(self.error(
                    s.rule.span(),
                    format!("no rule {}", s.rule.get_ref()),
                    Some("`aksgate rules` lists the rule ids".into()),
                ));
            }
        }
        Ok(())
    }

    /// `--config FILE` when given (it must exist), else `.aksgate.toml` in the first
    /// scanned directory when present, else the defaults.
    ///
    /// The configuration decides the verdict, so it is read as carefully as a template:
    /// only a regular file, at most [`MAX_CONFIG_BYTES`], and an `.aksgate.toml` found in
    /// the scanned directory may not be a symlink out of it (naming a file with
    /// `--config` is the way to use one from elsewhere).
    pub fn load(explicit: Option<&Path>, root: Option<&Path>) -> Result<Config, ConfigError> {
        let fail = |path: &Path, message: String| ConfigError {
            file: path.to_path_buf(),
            message,
            text: None,
            span: None,
            help: None,
        };
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let Some(root) = root else {
                    return Ok(Config::default());
                };
                let p = root.join(DEFAULT_NAME);
                match std::fs::symlink_metadata(&p) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Ok(Config::default())
                    }
                    Err(e) => return Err(fail(&p, e.to_string())),
                    Ok(m) if m.file_type().is_symlink() => {
                        // Inside the scanned directory, and not into git's own files
                        // (`.git/config` can hold credentials).
                        let inside = match (p.canonicalize(), root.canonicalize()) {
                            (Ok(target), Ok(r)) => {
                                target.starts_with(&r)
                                    && !target
                                        .strip_prefix(&r)
                                        .unwrap_or(&target)
                                        .components()
                                        .any(|c| c.as_os_str() == ".git")
                            }
                            _ => false,
                        };
                        if !inside {
                            return Err(ConfigError {
                                help: Some("pass it with --config FILE to use a configuration from elsewhere".into()),
                                ..fail(&p, "a symlink to a file outside the scanned directory or inside .git (or a broken one): not read".into())
                            });
                        }
                        p
                    }
                    Ok(_) => p,
                }
            }
        };
        let text = read_bounded(&path).map_err(|m| fail(&path, m))?;
        Config::parse(&text, &path)
    }

    /// `bicep_module_cache`, relative to the configuration file (`~/` is the home folder).
    pub fn module_cache(&self) -> Option<PathBuf> {
        let c = self.bicep_module_cache.as_deref()?;
        if let Some(rest) = c.strip_prefix("~/") {
            return std::env::var_os("HOME").map(|h| PathBuf::from(h).join(rest));
        }
        let base = self
            .origin
            .as_ref()
            .and_then(|(f, _)| f.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        Some(base.join(c))
    }

    /// Extra policy directories, relative to the configuration file.
    pub fn policy_dirs(&self) -> Vec<PathBuf> {
        let base = self
            .origin
            .as_ref()
            .and_then(|(f, _)| f.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        self.policies.iter().map(|p| base.join(p)).collect()
    }
}

/// A Terraform variable file's pairing names a module (a folder or a `.tf` file), and
/// both paths stay inside the scanned directory: a variable file must never be read
/// from elsewhere, nor quietly match nothing.
fn check_var_file_pair(c: &Config, p: &Pair) -> Result<(), ConfigError> {
    if !crate::terraform::is_var_file(p.parameters.get_ref()) {
        return Ok(());
    }
    let t = p.template.get_ref().to_ascii_lowercase();
    if [".json", ".jsonc", ".bicep", ".bicepparam"]
        .iter()
        .any(|e| t.ends_with(e))
    {
        return Err(c.error(
            p.template.span(),
            format!(
                "`{}` is not a Terraform module, and a .tfvars file feeds one",
                p.template.get_ref()
            ),
            Some(
                "name the root module's folder (template = \"infra/aks\") or one of its .tf files"
                    .into(),
            ),
        ));
    }
    for path in [&p.template, &p.parameters] {
        let v = path.get_ref();
        let absolute = v.starts_with(['/', '\\']) || v.get(1..2) == Some(":");
        if absolute || crate::plan::join_relative("", v).is_none() {
            return Err(c.error(
                path.span(),
                format!("`{v}` leaves the scanned directory"),
                Some("paths in [[pair]] are relative to the scanned directory, inside it".into()),
            ));
        }
    }
    Ok(())
}

/// Whether an exclude pattern is valid gitignore syntax: an invalid one would otherwise
/// exclude nothing, silently.
pub fn check_exclude(pattern: &str) -> Result<(), String> {
    let mut b = ignore::gitignore::GitignoreBuilder::new("/");
    b.add_line(None, pattern).map_err(|e| e.to_string())?;
    b.build().map_err(|e| e.to_string())?;
    // The gitignore builder takes an unclosed `[` without a word, and the pattern then
    // matches nothing anyone meant: the glob syntax it is made of says why.
    let glob = pattern.trim_start_matches('!').trim_start_matches('/');
    globset::Glob::new(glob)
        .map(|_| ())
        .map_err(|e| e.kind().to_string())
}

/// The largest configuration file read: the configuration is a page of settings, and
/// a 40 MB one took 55 s and 17 GB to parse.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A configuration file's text: a regular file of at most [`MAX_CONFIG_BYTES`], UTF-8.
fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file (a configuration is never read from a device, a FIFO or a directory)".into());
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "the file is {} KB, over the {} KB limit for a configuration",
            meta.len() / 1024,
            MAX_CONFIG_BYTES / 1024
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!(
            "the file grew over the {} KB limit while it was read",
            MAX_CONFIG_BYTES / 1024
        ));
    }
    if bytes.contains(&0) {
        return Err("the file has NUL bytes: not a configuration (nothing of it is shown)".into());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {}): not a configuration",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&d) || !(0..=9999).contains(&y) {
        return None;
    }
    // Days from civil (proleptic Gregorian), after Howard Hinnant's published algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146097 + doe - 719468)
}

/// Days since 1970-01-01 as `YYYY-MM-DD` (the inverse of [`parse_date`]), after the same
/// published civil-calendar algorithm.
pub fn format_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Today, in days since 1970-01-01 (UTC). `AKSGATE_TODAY=YYYY-MM-DD` overrides it, so
/// expiry can be tested.
pub fn today() -> i64 {
    if let Some(d) = std::env::var("AKSGATE_TODAY")
        .ok()
        .and_then(|s| parse_date(&s))
    {
        return d;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    secs.div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_everything_and_rejects_mistakes_with_a_position() {
        let c = Config::parse(
            "fail_on = \"warning\"\nexclude = [\"a/**\"]\n[rules]\nAKS010 = \"error\"\n[[pair]]\ntemplate = \"t.json\"\nparameters = \"p.json\"\n[[suppress]]\nrule = \"AKS007\"\nreason = \"ok\"\nexpires = \"2027-03-31\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.pair[0].template.get_ref(), "t.json");
        assert_eq!(c.suppress[0].rule.get_ref(), "AKS007");
        let e = Config::parse(
            "[[pair]]\ntemplate = \"t.json\"\nparams = \"p.json\"\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("x.toml:3:1"), "{e}");
        assert!(
            e.message.contains("unknown field `params`"),
            "{}",
            e.message
        );
        let e = Config::parse("exclude = 3\n", Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains(":1:"), "{e}");
        let e = Config::parse(
            "[[suppress]]\nrule = \"AKS007\"\nreason = \"  \"\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.message.contains("needs a reason"), "{}", e.message);
        let e =
            Config::parse("[[suppress]]\nrule = \"AKS007\"\n", Path::new("x.toml")).unwrap_err();
        assert!(e.message.contains("reason"), "{}", e.message);
        let e = Config::parse("[rules]\nAKS007 = \"loud\"\n", Path::new("x.toml")).unwrap_err();
        assert!(e.message.contains("not a rule setting"), "{}", e.message);
        let c = Config::parse("[rules]\nAKS999 = \"off\"\n", Path::new("x.toml")).unwrap();
        let e = c.check_rules(&["AKS007".into()]).unwrap_err();
        assert!(
            e.to_string().contains("x.toml:2:1") && e.message.contains("no rule AKS999"),
            "{e}"
        );
    }

    #[test]
    fn a_variable_file_pairs_with_a_terraform_module_inside_the_root() {
        let ok = |t: &str, p: &str| {
            Config::parse(
                &format!("[[pair]]\ntemplate = \"{t}\"\nparameters = \"{p}\"\n"),
                Path::new("x.toml"),
            )
        };
        assert!(ok("infra/aks", "env/prod.tfvars").is_ok());
        assert!(ok("infra/aks/main.tf", "env/prod.tfvars.json").is_ok());
        assert!(
            ok("../x.json", "p.json").is_ok(),
            "ARM pairings are not changed"
        );
        let e = ok("infra/aks.json", "env/prod.tfvars").unwrap_err();
        assert!(
            e.to_string().contains("x.toml:2:12") && e.message.contains("not a Terraform module"),
            "{e}"
        );
        let e = ok("infra/aks", "../secrets/prod.tfvars").unwrap_err();
        assert!(
            e.to_string().contains("x.toml:3:") && e.message.contains("leaves the scanned"),
            "{e}"
        );
        assert!(ok("infra/aks", "/etc/prod.tfvars").is_err());
        assert!(ok("/infra", "prod.tfvars").is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11017));
        assert_eq!(
            parse_date("2027-03-31").unwrap() - parse_date("2027-03-30").unwrap(),
            1
        );
        assert_eq!(parse_date("2027-13-01"), None);
        assert_eq!(parse_date("2027-02-31"), None);
        assert_eq!(parse_date("2027-02-29"), None);
        assert_eq!(
            parse_date("2028-02-29").unwrap() + 1,
            parse_date("2028-03-01").unwrap()
        );
        assert_eq!(parse_date("2100-02-29"), None);
        assert_eq!(parse_date("2027-04-31"), None);
        assert_eq!(parse_date("tomorrow"), None);
        for day in [
            "1970-01-01",
            "2000-02-29",
            "2025-09-30",
            "2028-03-31",
            "2100-03-01",
        ] {
            assert_eq!(format_date(parse_date(day).unwrap()), day);
        }
        assert_eq!(
            format_date(parse_date("2028-03-31").unwrap() + 1),
            "2028-04-01"
        );
    }
}
