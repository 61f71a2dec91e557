//! SARIF 2.1.0, as GitHub code scanning ingests it: one run, every rule that could fire
//! in `tool.driver.rules`, one result per finding (suppressed ones included, marked with
//! `suppressions`), file URIs relative to `%SRCROOT%`.

use super::{Base, Region, Report};
use crate::engine::RuleMeta;
use crate::finding::{Finding, Severity};
use crate::source::Site;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Map, Value};

pub const SCHEMA_URI: &str =
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/aksgate/aksgate";
/// The key of aksgate's own fingerprint in `partialFingerprints` (versioned: a change
/// of what it hashes must change the key, or GitHub would see every alert as new).
pub const FINGERPRINT_KEY: &str = "aksgateFindingHash/v1";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A rule descriptor for a rule the policies declare.
fn descriptor(rule: &RuleMeta) -> Value {
    let page = crate::engine::RULE_DOCS
        .iter()
        .find(|(p, _)| p.ends_with(&format!("/{}.md", rule.id)))
        .filter(|_| rule.builtin)
        .map(|(_, text)| *text);
    let help_uri = rule
        .docs
        .clone()
        .or_else(|| rule.builtin.then(|| super::docs_url(&rule.id).into()));
    let mut help_text = rule.description.clone();
    if let Some(u) = &help_uri {
        help_text.push_str(&format!("\n\nDocumentation: {u}"));
    }
    let mut help = Map::new();
    help.insert("text".into(), help_text.into());
    if let Some(md) = page {
        help.insert("markdown".into(), md.into());
    }
    let mut d = Map::new();
    d.insert("id".into(), rule.id.clone().into());
    d.insert("name".into(), rule.slug.clone().into());
    d.insert(
        "shortDescription".into(),
        json!({ "text": non_empty(&rule.title, &rule.slug) }),
    );
    d.insert(
        "fullDescription".into(),
        json!({ "text": non_empty(&rule.description, &rule.title) }),
    );
    d.insert("help".into(), Value::Object(help));
    if let Some(u) = help_uri {
        d.insert("helpUri".into(), u.into());
    }
    d.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(rule.severity) }),
    );
    Value::Object(d)
}

fn non_empty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() {
        fallback
    } else {
        s
    }
}

/// A descriptor for a finding whose rule no policy declares (should not happen: the
/// engine rejects undeclared ids; kept so every result still has a `ruleIndex`).
fn descriptor_from_finding(f: &Finding) -> Value {
    json!({
        "id": f.rule,
        "name": f.slug,
        "shortDescription": {"text": f.slug},
        "defaultConfiguration": {"level": level(f.severity)},
    })
}

/// Percent-encodes a `/`-separated path for a URI reference: everything but RFC 3986
/// unreserved characters and `/` (and `:` when `keep_colon`, for a drive letter in an
/// absolute file URI).
pub fn encode_path(path: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b':' if keep_colon => out.push(':'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `file:///abs/dir/` for the scanned root (what `%SRCROOT%` stands for).
fn srcroot_uri(base: &Base) -> Option<String> {
    let dir = base.srcroot.as_ref()?;
    let mut p = dir.to_string_lossy().replace('\\', "/");
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    if !p.ends_with('/') {
        p.push('/');
    }
    Some(format!("file://{}", encode_path(&p, true)))
}

fn physical(report: &Report, f: &Finding, site: Site) -> Value {
    let r = Region::of(report.sources, f, site);
    json!({
        "artifactLocation": {
            "uri": encode_path(&report.base.path(report.sources, site.file), false),
            "uriBaseId": "%SRCROOT%",
        },
        "region": {
            "startLine": r.line,
            "startColumn": r.column,
            "endLine": r.end_line,
            "endColumn": r.end_column,
        },
    })
}

/// A fingerprint that survives edits elsewhere in the file (no line numbers): the rule,
/// the file, the text of the primary span, the message and the parameter file.
pub fn fingerprint(report: &Report, f: &Finding) -> String {
    let file = report.sources.get(f.primary.file);
    let text = report.sources.text(f.primary.file);
    let snippet = text
        .get(f.primary.start..f.primary.end.max(f.primary.start))
        .unwrap_or("");
    format!(
        "{:016x}",
        super::fnv1a64(&[
            &f.rule,
            file.rel,
            snippet,
            &f.message,
            f.context.as_deref().unwrap_or(""),
        ])
    )
}

fn suppression_kind(kind: &str) -> &'static str {
    match kind {
        "config" => "external",
        _ => "inSource",
    }
}

fn result(report: &Report, f: &Finding, rule_index: usize) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), f.rule.clone().into());
    r.insert("ruleIndex".into(), rule_index.into());
    r.insert("level".into(), level(f.severity).into());
    let mut text = super::full_message(f);
    if let Some(h) = &f.help {
        text.push_str(&format!("\nHelp: {h}"));
    }
    r.insert("message".into(), json!({ "text": text }));
    let mut primary = Map::new();
    primary.insert("physicalLocation".into(), physical(report, f, f.primary));
    if !f.primary_label.is_empty() {
        primary.insert("message".into(), json!({ "text": f.primary_label }));
    }
    r.insert("locations".into(), json!([Value::Object(primary)]));
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": physical(report, f, l.site),
                    "message": {"text": l.message},
                })
            })
            .collect();
        r.insert("relatedLocations".into(), related.into());
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(report, f) }),
    );
    if let Some(s) = &f.suppression {
        r.insert(
            "suppressions".into(),
            json!([{ "kind": suppression_kind(s.kind), "justification": s.reason }]),
        );
    }
    let mut props = Map::new();
    if let Some(ctx) = &f.context {
        props.insert("parameterFile".into(), ctx.clone().into());
    }
    if let Some(about) = &f.about {
        props.insert("about".into(), about.clone().into());
    }
    if !props.is_empty() {
        r.insert("properties".into(), Value::Object(props));
    }
    Value::Object(r)
}

pub fn render(report: &Report) -> String {
    super::in_memory(|w| write(report, w))
}

/// Writes the SARIF log to `w` as it is serialised, one result at a time: built as one
/// value first, the log of 10,560 findings took 161 MB (the JSON tree of every result,
/// then its text).
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    // The rules come before the results, and a finding of a rule no policy declares
    // adds one: a first pass over the findings finds those.
    let mut rules: Vec<Value> = report.rules.iter().map(descriptor).collect();
    let mut ids: Vec<String> = report.rules.iter().map(|r| r.id.to_string()).collect();
    for f in report.iter() {
        let f = f?;
        if !ids.iter().any(|id| *id == f.rule) {
            ids.push(f.rule.to_string());
            rules.push(descriptor_from_finding(&f));
        }
    }
    let mut index = std::collections::HashMap::new();
    for (i, id) in ids.into_iter().enumerate() {
        index.entry(id).or_insert(i);
    }
    let mut base_ids = Map::new();
    let mut srcroot = Map::new();
    if let Some(uri) = srcroot_uri(report.base) {
        srcroot.insert("uri".into(), uri.into());
    }
    srcroot.insert(
        "description".into(),
        json!({"text": "The directory aksgate ran in (the repository root in a pipeline)."}),
    );
    base_ids.insert("%SRCROOT%".into(), Value::Object(srcroot));
    let log = Log {
        run: Run {
            tool: json!({"driver": {
                "name": "aksgate",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }}),
            base_ids: Value::Object(base_ids),
            invocation: invocation(&report.stats.policy_errors),
            results: Results { report, index },
        },
    };
    serde_json::to_writer_pretty(&mut *w, &log)?;
    w.write_all(b"\n")
}

/// The run's invocation: unsuccessful, with one notification per deployment a policy
/// could not be evaluated on, when there were some (SARIF 3.20.14, 3.58).
fn invocation(errors: &[String]) -> Option<Value> {
    if errors.is_empty() {
        return None;
    }
    let notes: Vec<Value> = errors
        .iter()
        .map(|e| json!({"level": "error", "message": {"text": e}}))
        .collect();
    Some(json!({"executionSuccessful": false, "toolExecutionNotifications": notes}))
}

/// The log: one run.
struct Log<'a> {
    run: Run<'a>,
}

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("$schema", SCHEMA_URI)?;
        m.serialize_entry("version", "2.1.0")?;
        m.serialize_entry("runs", std::slice::from_ref(&self.run))?;
        m.end()
    }
}

struct Run<'a> {
    tool: Value,
    base_ids: Value,
    /// Written only when a policy failed on a deployment.
    invocation: Option<Value>,
    results: Results<'a>,
}

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("tool", &self.tool)?;
        m.serialize_entry("originalUriBaseIds", &self.base_ids)?;
        m.serialize_entry("columnKind", "unicodeCodePoints")?;
        if let Some(i) = &self.invocation {
            m.serialize_entry("invocations", std::slice::from_ref(i))?;
        }
        m.serialize_entry("results", &self.results)?;
        m.end()
    }
}

/// The results, each built and written in turn.
struct Results<'a> {
    report: &'a Report<'a>,
    /// Each rule's index (its first, when two declare one id).
    index: std::collections::HashMap<String, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.report.findings.len()))?;
        for f in self.report.iter() {
            let f = f.map_err(serde::ser::Error::custom)?;
            let i = self.index.get(f.rule.as_str()).copied().unwrap_or_default();
            seq.serialize_element(&result(self.report, &f, i))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("infra/aks.json", false), "infra/aks.json");
        assert_eq!(
            encode_path("my infra/a%b#c?.json", false),
            "my%20infra/a%25b%23c%3F.json"
        );
        assert_eq!(encode_path("c:/x", false), "c%3A/x");
        assert_eq!(encode_path("/C:/x", true), "/C:/x");
        assert_eq!(encode_path("é", false), "%C3%A9");
    }

    #[test]
    fn srcroot_is_a_directory_file_uri() {
        let b = Base {
            prefix: String::new(),
            srcroot: Some("/home/me/my repo".into()),
        };
        assert_eq!(
            srcroot_uri(&b).as_deref(),
            Some("file:///home/me/my%20repo/")
        );
        assert_eq!(srcroot_uri(&Base::default()), None);
    }

    #[test]
    fn suppression_kinds_map_to_sarif() {
        assert_eq!(suppression_kind("config"), "external");
        assert_eq!(suppression_kind("metadata"), "inSource");
        assert_eq!(suppression_kind("comment"), "inSource");
    }
}
