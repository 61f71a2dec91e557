//! Rule settings and suppressions, applied after evaluation.
//!
//! Suppressions come from three places, each with a reason: `[[suppress]]` in the
//! configuration (by rule and path glob, optionally expiring), a resource's
//! `metadata.aksgate.suppress` entries, and `// aksgate-ignore AKS007: reason` comments
//! on the line before the property (or at the end of its line). A suppressed finding is
//! still reported, marked as such, and does not fail the gate. A suppression that
//! matched nothing, has expired, or has no reason is itself reported (AKS902), so
//! stale waivers do not pile up.

use crate::config::{Config, RuleSetting};
use crate::finding::{Finding, Severity, Suppression};
use crate::source::{FileId, Site, Sources};
use std::collections::HashMap;

/// An inline suppression found in a scanned file.
#[derive(Debug, Clone)]
pub struct Inline {
    /// `metadata` or `comment`.
    pub kind: &'static str,
    pub site: Site,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// Metadata: the resource object the entry belongs to. Comment: the line it covers
    /// (the next line, and its own line for a trailing comment), 1-based.
    pub scope: Scope,
}

#[derive(Debug, Clone)]
pub enum Scope {
    Resource(Site),
    Lines {
        file: FileId,
        first: usize,
        last: usize,
    },
}

/// Parses `aksgate-ignore AKS007, AKS010: reason` (the comment text without `//`).
pub fn parse_comment(text: &str) -> Option<(Vec<String>, Option<String>)> {
    let rest = text.trim().strip_prefix("aksgate-ignore")?;
    let (ids, reason) = match rest.split_once(':') {
        Some((ids, reason)) => (
            ids,
            Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
        ),
        None => (rest, None),
    };
    let rules: Vec<String> = ids
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    Some((rules, reason))
}

/// Effective settings: configuration, then the command line on top.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub rules: HashMap<String, RuleSetting>,
    pub no_suppress: bool,
}

impl Settings {
    pub fn from_config(c: &Config) -> Settings {
        let mut rules = HashMap::new();
        if c.allow_public_ips == Some(true) {
            rules.insert("AKS007".to_string(), RuleSetting::Off);
        }
        for (k, v) in &c.rules {
            if let Some(s) = RuleSetting::parse(v.get_ref()) {
                rules.insert(k.get_ref().to_ascii_uppercase(), s);
            }
        }
        Settings {
            rules,
            no_suppress: false,
        }
    }

    fn setting(&self, rule: &str) -> Option<RuleSetting> {
        self.rules.get(&rule.to_ascii_uppercase()).copied()
    }
}

fn stale(rule: Severity, site: Site, message: String, help: &str) -> Finding {
    Finding {
        rule: "AKS902".into(),
        slug: "stale-suppression".into(),
        severity: rule,
        message: message.into(),
        primary: site,
        primary_label: "this suppression".into(),
        related: Vec::new(),
        help: Some(help.into()),
        docs: None,
        about: None,
        context: None,
        suppression: None,
        resource: None,
        places: Vec::new(),
    }
}

/// Settles findings one at a time, in report order: rule settings (dropping disabled
/// rules and the AKS900s about them, changing severities), then suppressions. What the
/// suppressions themselves deserve (expired, matched nothing, no reason) is known
/// after the last finding: [`Settle::finish`].
///
/// A finding takes the first suppression that covers it: configuration entries in
/// file order, then inline ones. A suppression counts as used only when it is the one
/// a finding took.
pub struct Settle<'a> {
    settings: &'a Settings,
    /// `--strict`: AKS900 becomes an error (before the rule settings apply).
    strict: bool,
    config: Vec<ConfigEntry<'a>>,
    inline: Vec<InlineEntry<'a>>,
}

struct ConfigEntry<'a> {
    entry: &'a crate::config::ConfigSuppression,
    /// Where its diagnostics point: the configuration file.
    file: FileId,
    expired: bool,
    glob: Option<globset::GlobMatcher>,
    used: bool,
}

struct InlineEntry<'a> {
    entry: &'a Inline,
    /// In a file of this scan (a comment in a file not scanned is not applied).
    scanned: bool,
    used: bool,
}

impl<'a> Settle<'a> {
    /// Registers the configuration file in `sources` when it has suppressions, for the
    /// diagnostics about them; `scanned` says whether a file's inline suppressions apply.
    pub fn new(
        settings: &'a Settings,
        strict: bool,
        config: &'a Config,
        inline: &'a [Inline],
        sources: &mut Sources,
        scanned: &dyn Fn(&str) -> bool,
    ) -> Settle<'a> {
        let mut out = Settle {
            settings,
            strict,
            config: Vec::new(),
            inline: Vec::new(),
        };
        if settings.no_suppress {
            return out;
        }
        let config_file = config.origin.as_ref().map(|(path, text)| {
            let rel = path.display().to_string();
            sources.add(rel, text.as_str().into())
        });
        let today = crate::config::today();
        out.config = config
            .suppress
            .iter()
            .map(|entry| ConfigEntry {
                entry,
                file: config_file.unwrap_or(0),
                expired: entry.expires.as_ref().is_some_and(|exp| {
                    crate::config::parse_date(exp.get_ref()).is_some_and(|d| d <= today)
                }),
                glob: entry
                    .path
                    .as_ref()
                    .and_then(|p| {
                        globset::GlobBuilder::new(p.get_ref())
                            .literal_separator(true)
                            .build()
                            .ok()
                    })
                    .map(|g| g.compile_matcher()),
                used: false,
            })
            .collect();
        out.inline = inline
            .iter()
            .map(|entry| InlineEntry {
                entry,
                scanned: scanned(sources.get(entry.site.file).rel),
                used: false,
            })
            .collect();
        out
    }

    /// Settles `f`; false when its rule is disabled and it is not reported.
    pub fn admit(&mut self, f: &mut Finding, sources: &Sources) -> bool {
        if self.strict && f.rule == "AKS900" {
            f.severity = Severity::Error;
        }
        let own = self.settings.setting(&f.rule);
        let about = f.about.as_deref().and_then(|a| self.settings.setting(a));
        if own == Some(RuleSetting::Off) || about == Some(RuleSetting::Off) {
            return false;
        }
        if let Some(RuleSetting::Severity(s)) = own {
            f.severity = s;
        }
        let is = |rule: &str| {
            f.rule.eq_ignore_ascii_case(rule)
                || f.about
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(rule))
        };
        for c in self.config.iter_mut().filter(|c| !c.expired) {
            if is(c.entry.rule.get_ref())
                && c.glob
                    .as_ref()
                    .is_none_or(|g| g.is_match(sources.get(f.primary.file).rel))
            {
                f.suppression = Some(Suppression {
                    kind: "config",
                    reason: c.entry.reason.get_ref().clone(),
                });
                c.used = true;
                return true;
            }
        }
        for i in self.inline.iter_mut() {
            let s = i.entry;
            let Some(reason) = s.reason.as_ref().filter(|_| i.scanned) else {
                continue;
            };
            if !s.rules.iter().any(|r| is(r)) {
                continue;
            }
            let covered = match &s.scope {
                Scope::Resource(res) => f.resource == Some(*res),
                Scope::Lines { file, first, last } => {
                    f.primary.file == *file && {
                        let (line, _) = f.line_col(sources, f.primary);
                        (*first..=*last).contains(&line)
                    }
                }
            };
            if covered {
                f.suppression = Some(Suppression {
                    kind: s.kind,
                    reason: reason.clone(),
                });
                i.used = true;
                return true;
            }
        }
        true
    }

    /// The AKS902 findings: suppressions expired, without a reason, or that matched
    /// nothing.
    pub fn finish(self) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in &self.config {
            let (s, file) = (c.entry, c.file);
            let site = |span: std::ops::Range<usize>| Site {
                file,
                start: span.start,
                end: span.end,
            };
            if let Some(exp) = s.expires.as_ref().filter(|_| c.expired) {
                out.push(stale(
                    Severity::Warning,
                    site(exp.span()),
                    format!("suppression of {} expired on {}: it no longer suppresses anything", s.rule.get_ref(), exp.get_ref()),
                    "fix the findings it covered, or renew the suppression with a new reason and date",
                ));
            } else if !c.used {
                out.push(stale(
                    Severity::Warning,
                    site(s.rule.span()),
                    format!(
                        "suppression of {}{} matched no finding",
                        s.rule.get_ref(),
                        s.path
                            .as_ref()
                            .map(|p| format!(" in {}", p.get_ref()))
                            .unwrap_or_default()
                    ),
                    "remove it: stale waivers hide the next real finding",
                ));
            }
        }
        for i in self.inline.iter().filter(|i| i.scanned) {
            let s = i.entry;
            if s.reason.is_none() {
                out.push(stale(
                    Severity::Error,
                    s.site,
                    format!("suppression of {} has no reason: it is not applied", s.rules.join(", ")),
                    "write the reason after the rule id: `aksgate-ignore AKS007: <why this is acceptable>`",
                ));
            } else if !i.used {
                out.push(stale(
                    Severity::Warning,
                    s.site,
                    format!("suppression of {} matched no finding", s.rules.join(", ")),
                    "remove it: stale waivers hide the next real finding",
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_syntax() {
        assert_eq!(
            parse_comment(" aksgate-ignore AKS007, aks010: approved egress "),
            Some((
                vec!["AKS007".into(), "AKS010".into()],
                Some("approved egress".into())
            ))
        );
        assert_eq!(
            parse_comment("aksgate-ignore AKS007"),
            Some((vec!["AKS007".into()], None))
        );
        assert_eq!(
            parse_comment("aksgate-ignore AKS007:   "),
            Some((vec!["AKS007".into()], None))
        );
        assert_eq!(parse_comment("just a comment"), None);
    }
}
