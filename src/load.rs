//! Reading one file: size limit, decoding, parsing, classification. The same decoding
//! serves a file read again later (by a streaming scan, or by a renderer).

use crate::bicep::lower::{self as bicep, DiskFiles, Files, NoFiles};
use crate::classify::{self, Kind};
use crate::discover::Candidate;
use crate::front_files::Recorder;
use crate::json;
use crate::source::Fingerprint;
use std::path::Path;

/// Files larger than this are reported (AKS901), not parsed: a deployment file this
/// large is almost certainly generated or hostile, and ARM itself caps templates at 4 MB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What one file turned out to be.
pub struct Loaded {
    pub rel: String,
    pub text: String,
    pub print: Fingerprint,
    pub outcome: Outcome,
}

pub enum Outcome {
    Parsed {
        doc: json::Document,
        kind: Kind,
    },
    /// Read for its facts only ([`load_skim`]): the kept top levels, comments, types
    /// and links, not the whole tree.
    Skimmed {
        skim: json::Skim,
        kind: Kind,
    },
    /// Not judged: a compiled JSON template whose `.bicep` source is beside it (the
    /// source is judged instead). `reason` is the listed skip reason.
    Superseded {
        reason: String,
    },
    /// Unreadable, undecodable or unparseable: `deployment` says whether it looked like
    /// a deployment file (then it is AKS901) or not (then it is skipped).
    Failed {
        message: String,
        span: json::Span,
        deployment: bool,
    },
}

fn failed(rel: String, message: String) -> Loaded {
    Loaded {
        rel,
        text: String::new(),
        print: Fingerprint::of(b""),
        outcome: Outcome::Failed {
            message,
            span: json::Span::default(),
            deployment: true,
        },
    }
}

pub fn load(c: &Candidate) -> Loaded {
    let files = disk_files(&c.path, &c.rel);
    let tf = crate::terraform::disk_files(&c.path, &c.rel);
    let l = read_then(c, |rel, bytes| {
        load_with_tf(rel, bytes, false, &files, Some(&tf))
    });
    superseded(c, l, &files)
}

/// [`load`] for a scan that keeps only facts: the file is skimmed (validated as
/// strictly, but only its top levels built), not parsed into a whole tree.
pub fn load_skim(c: &Candidate) -> Loaded {
    let files = disk_files(&c.path, &c.rel);
    let tf = crate::terraform::disk_files(&c.path, &c.rel);
    let l = read_then(c, |rel, bytes| {
        load_with_tf(rel, bytes, true, &files, Some(&tf))
    });
    superseded(c, l, &files)
}

/// A `.bicep` file (judged by lowering it to ARM).
pub fn is_bicep(rel: &str) -> bool {
    // Bytes, not chars: a name may end in any character.
    let b = rel.as_bytes();
    b.len() >= 6 && b[b.len() - 6..].eq_ignore_ascii_case(b".bicep")
}

/// The scanned root of a file at `path` whose path under it is `rel`, to read Bicep
/// modules from (never outside it).
fn disk_files(path: &Path, rel: &str) -> DiskFiles {
    let mut root = path.to_path_buf();
    for _ in rel.split('/') {
        root.pop();
    }
    if root.as_os_str().is_empty() {
        root = ".".into();
    }
    DiskFiles { root }
}

/// Did the Bicep compiler write this template (`metadata._generator.name`)?
fn generator_is_bicep(root: &json::Node) -> bool {
    root.get("metadata")
        .and_then(|m| m.get("_generator"))
        .and_then(|g| g.get("name"))
        .and_then(json::Node::as_str)
        .is_some_and(|n| n.eq_ignore_ascii_case("bicep"))
}

/// Was the JSON template of this outcome written by the Bicep compiler?
fn compiled_by_bicep(outcome: &Outcome) -> bool {
    let generator = generator_is_bicep;
    match outcome {
        Outcome::Parsed {
            doc,
            kind: Kind::Template(_),
        } => generator(&doc.root),
        Outcome::Skimmed {
            skim,
            kind: Kind::Template(_),
        } => generator(&skim.root),
        _ => false,
    }
}

/// Does the `.bicep` file at `path` lower to a template without problems?
fn bicep_lowers(path: &Path, rel: &str, files: &dyn Files) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let Ok(text) = text_of(bytes) else {
        return false;
    };
    // Whether it lowers only: the compiled JSON beside it is not read for that.
    let rec = Recorder::new(files);
    matches!(bicep::lower_text(&text, rel, &rec), Ok(l) if l.problems.is_empty())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A `.bicep` file and the JSON Bicep compiled from it beside it are one deployment,
/// judged once: at the `.bicep` when aksgate lowers it, else at the compiled JSON
/// (what Azure deploys), the other one skipped with the reason.
fn superseded(c: &Candidate, l: Loaded, files: &dyn Files) -> Loaded {
    let rel_with = |ext: &str| {
        let stem = c.rel.rsplit_once('.').map_or(c.rel.as_str(), |(s, _)| s);
        format!("{stem}.{ext}")
    };
    let reason = if is_bicep(&c.rel) {
        // Only a file that did not lower (not a syntax error: that is never deployed).
        let not_lowered = matches!(&l.outcome, Outcome::Failed { message, .. }
            if !message.starts_with("invalid Bicep"));
        let json = c.path.with_extension("json");
        if !not_lowered || !json.is_file() {
            return l;
        }
        let compiled = read_then(
            &Candidate {
                path: json.clone(),
                rel: rel_with("json"),
                problem: None,
            },
            |rel, bytes| load_with(rel, bytes, true, &NoFiles),
        );
        if !compiled_by_bicep(&compiled.outcome) {
            return l;
        }
        let Outcome::Failed { message, .. } = &l.outcome else {
            return l;
        };
        format!(
            "Bicep that aksgate does not lower yet ({message}): {}, compiled from it beside it, is judged instead",
            file_name(&json)
        )
    } else {
        let source = c.path.with_extension("bicep");
        if !compiled_by_bicep(&l.outcome)
            || !source.is_file()
            || !bicep_lowers(&source, &rel_with("bicep"), files)
        {
            return l;
        }
        format!(
            "compiled by Bicep from {} beside it, which is judged instead",
            file_name(&source)
        )
    };
    Loaded {
        outcome: Outcome::Superseded { reason },
        ..l
    }
}

/// Lowers a `.tf` file's text (with its module directory, read through `files`) to
/// an ARM template; a syntax error, or what could not be lowered, makes the file a
/// failure at the first problem, as for Bicep. A file declaring nothing aksgate maps
/// lowers to a document classified as not a deployment.
fn terraform_outcome(text: &str, rel: &str, files: &dyn crate::terraform::Files) -> Outcome {
    let rec = Recorder::new(files);
    let lowered = crate::terraform::lower_text(text, rel, &rec);
    with_reads(lowered, rec.finish(rel))
}

/// The lowered document, with what its front end read besides the file: the folders
/// and files, and the variable files its values came from.
fn with_reads(
    mut lowered: Result<bicep::Lowered, bicep::Problem>,
    mut reads: Vec<String>,
) -> Outcome {
    if let Ok(l) = &mut lowered {
        reads.extend(l.doc.origins.iter().map(|o| o.file.clone()));
        reads.sort();
        reads.dedup();
        l.doc.reads = reads;
    }
    lowered_outcome(lowered)
}

/// Lowers a `.bicep` file's text to an ARM template; what could not be lowered, or a
/// syntax error, makes the file a failure at the first problem.
fn bicep_outcome(text: &str, rel: &str, files: &dyn Files) -> Outcome {
    let rec = Recorder::new(files);
    let lowered = bicep::lower_text(text, rel, &rec);
    // Read (and so recorded as a source of this deployment) only for a file that
    // lowered: a file that did not is judged by its compiled JSON instead.
    let compiled = match &lowered {
        Ok(l) if l.problems.is_empty() => compiled_beside(rel, &rec),
        _ => None,
    };
    let mut outcome = with_reads(lowered, rec.finish(rel));
    if let Outcome::Parsed { doc, .. } = &mut outcome {
        doc.compiled = compiled.map(Box::new);
    }
    outcome
}

/// The template Bicep compiled from the `.bicep` file `rel` beside it (same base name,
/// `metadata._generator.name` `bicep`), its spans at the file's start: it is evaluated
/// only to compare verdicts, never shown.
fn compiled_beside(rel: &str, files: &dyn Files) -> Option<json::Node> {
    let (_, text) = files
        .read(rel, &crate::stale_build::compiled_name(rel))
        .ok()?;
    let mut root = json::parse(&text).ok()?.root;
    if !generator_is_bicep(&root) {
        return None;
    }
    bicep::respan(&mut root, json::Span::default());
    Some(root)
}

/// Parses and lowers a Terraform plan (`terraform show -json`).
fn plan_outcome(text: &str, rel: &str) -> Outcome {
    match json::parse(text) {
        Ok(doc) => lowered_outcome(crate::terraform::lower_plan(&doc, rel)),
        Err(e) => Outcome::Failed {
            message: format!("invalid JSON: {}", e.message),
            span: e.span,
            deployment: true,
        },
    }
}

/// Lowers a `.bicepparam` file's text to an ARM parameters document, as for Bicep.
fn bicepparam_outcome(text: &str, rel: &str, files: &dyn Files) -> Outcome {
    let rec = Recorder::new(files);
    let lowered = bicep::lower_params_text(text, rel, &rec);
    with_reads(lowered, rec.finish(rel))
}

fn lowered_outcome(lowered: Result<bicep::Lowered, bicep::Problem>) -> Outcome {
    match lowered {
        Err(p) => Outcome::Failed {
            message: p.message,
            span: p.span,
            deployment: true,
        },
        Ok(l) => match l.problems.first() {
            Some(p) => {
                let more = match l.problems.len() - 1 {
                    0 => String::new(),
                    n => format!(" (and {n} more thing(s) not lowered in this file)"),
                };
                Outcome::Failed {
                    message: format!("{}{more}", p.message),
                    span: p.span,
                    deployment: true,
                }
            }
            None => {
                let kind = classify::classify(&l.doc.root);
                Outcome::Parsed { doc: l.doc, kind }
            }
        },
    }
}

fn read_then(c: &Candidate, then: impl FnOnce(String, Vec<u8>) -> Loaded) -> Loaded {
    if let Some(problem) = &c.problem {
        return failed(c.rel.clone(), problem.clone());
    }
    match std::fs::metadata(&c.path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => return failed(c.rel.clone(), too_large(m.len())),
        Ok(_) => {}
        Err(e) => return failed(c.rel.clone(), format!("cannot read file: {e}")),
    }
    match std::fs::read(&c.path) {
        Ok(b) => then(c.rel.clone(), b),
        Err(e) => failed(c.rel.clone(), format!("cannot read file: {e}")),
    }
}

fn too_large(len: u64) -> String {
    format!(
        "file is {} MB, over the {} MB limit for deployment files: not parsed",
        len / (1024 * 1024),
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// The text aksgate shows for a file's bytes: decoded (UTF-8, UTF-8 with BOM, UTF-16),
/// or, when they do not decode, the bytes with invalid sequences replaced.
fn text_of(bytes: Vec<u8>) -> Result<String, (String, json::ParseError)> {
    let general = |b: &[u8]| {
        json::decode(b)
            .map(|d| d.text)
            .map_err(|e| (String::from_utf8_lossy(b).into_owned(), e))
    };
    // Plain UTF-8, the usual case, becomes the text without a copy.
    let bom = bytes
        .first()
        .is_some_and(|b| [0xEF, 0xFF, 0xFE].contains(b));
    if bom {
        return general(&bytes);
    }
    String::from_utf8(bytes).or_else(|e| general(e.as_bytes()))
}

/// Decodes, parses and classifies the bytes of a file (read from disk or from a git
/// revision).
pub fn load_bytes(rel: String, bytes: &[u8]) -> Loaded {
    load_owned(rel, bytes.to_vec())
}

/// [`load_bytes`] of bytes the caller gives up.
pub fn load_owned(rel: String, bytes: Vec<u8>) -> Loaded {
    load_with(rel, bytes, false, &NoFiles)
}

/// [`load_skim`] of bytes the caller gives up (a git revision's file).
pub fn load_skim_owned(rel: String, bytes: Vec<u8>) -> Loaded {
    load_with(rel, bytes, true, &NoFiles)
}

fn load_with(rel: String, bytes: Vec<u8>, skim: bool, files: &dyn Files) -> Loaded {
    load_with_tf(rel, bytes, skim, files, None)
}

fn load_with_tf(
    rel: String,
    bytes: Vec<u8>,
    skim: bool,
    files: &dyn Files,
    tf_root: Option<&crate::terraform::DiskFiles>,
) -> Loaded {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return failed(rel, too_large(bytes.len() as u64));
    }
    let print = Fingerprint::of(&bytes);
    let text = match text_of(bytes) {
        Ok(t) => t,
        Err((text, e)) => {
            return Loaded {
                outcome: Outcome::Failed {
                    message: format!("cannot decode file: {}", e.message),
                    span: e.span,
                    deployment: classify::text_looks_like_deployment(&text)
                        || classify::name_looks_like_deployment(&rel),
                },
                rel,
                text,
                print,
            };
        }
    };
    if crate::terraform::is_terraform(&rel) {
        let outcome = match tf_root {
            Some(root) => match crate::terraform::caller_of(&rel, root) {
                Some(caller) => Outcome::Superseded {
                    reason: format!(
                        "a Terraform module that {caller} calls: judged through that call, with its inputs"
                    ),
                },
                None => terraform_outcome(&text, &rel, root),
            },
            None => terraform_outcome(&text, &rel, &crate::terraform::NoFiles),
        };
        return Loaded {
            rel,
            text,
            print,
            outcome,
        };
    }
    if is_bicep(&rel) || bicep::is_bicepparam(&rel) {
        let outcome = if is_bicep(&rel) {
            bicep_outcome(&text, &rel, files)
        } else {
            bicepparam_outcome(&text, &rel, files)
        };
        return Loaded {
            rel,
            text,
            print,
            outcome,
        };
    }
    let read = if skim {
        json::skim(&text).map(|skim| {
            if crate::terraform::is_plan(&skim.root) {
                // A plan is lowered whole, as a Terraform file is.
                return plan_outcome(&text, &rel);
            }
            let kind = classify::classify(&skim.root);
            Outcome::Skimmed { skim, kind }
        })
    } else {
        json::parse(&text).map(|doc| {
            if crate::terraform::is_plan(&doc.root) {
                return lowered_outcome(crate::terraform::lower_plan(&doc, &rel));
            }
            let kind = classify::classify(&doc.root);
            Outcome::Parsed { doc, kind }
        })
    };
    let outcome = match read {
        Ok(o) => o,
        Err(e) => Outcome::Failed {
            deployment: classify::text_looks_like_deployment(&text)
                || classify::name_looks_like_deployment(&rel),
            message: if text.trim().is_empty() {
                "the file is empty: a file named like a deployment file must hold a template \
                 or parameters"
                    .into()
            } else {
                format!("invalid JSON: {}", e.message)
            },
            span: e.span,
        },
    };
    Loaded {
        rel,
        text,
        print,
        outcome,
    }
}

/// Reads a scanned file again: its text, if its bytes are still the ones scanned.
pub(crate) fn read_text(path: &Path, print: Fingerprint) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the file again: {e}"))?;
    text_again(bytes, print)
}

/// The text of a file's bytes read again (from disk or from where they were stored),
/// if they are still the ones scanned.
pub(crate) fn text_again(bytes: Vec<u8>, print: Fingerprint) -> Result<String, String> {
    if Fingerprint::of(&bytes) != print {
        return Err("the file changed while aksgate was scanning it".into());
    }
    Ok(text_of(bytes).unwrap_or_else(|(lossy, _)| lossy))
}

/// Parses the text of a file read again, for a streaming scan's second pass.
/// `rel` is the file's path under the scan root, `path` where it is on disk (for a
/// Bicep file's modules).
pub fn parse_again(text: &str, rel: &str, path: Option<&Path>) -> Result<json::Document, String> {
    match path {
        Some(p) => parse_with(
            text,
            rel,
            &crate::terraform::disk_files(p, rel),
            &disk_files(p, rel),
        ),
        None => parse_with(text, rel, &crate::terraform::NoFiles, &NoFiles),
    }
}

/// Lowers a `.tf` file read again with a named variable file layered over its
/// module's own (`var_file` its path under the scan root, `var_path` where it is on
/// disk, whose root the module is read under).
pub fn parse_with_var_file(
    text: &str,
    rel: &str,
    var_path: &Path,
    var_file: (&str, &str),
) -> Result<json::Document, String> {
    let root = crate::terraform::disk_files(var_path, var_file.0);
    let rec = Recorder::new(&root as &dyn crate::terraform::Files);
    let lowered = crate::terraform::lower_with_var_file(text, rel, &rec, var_file);
    match with_reads(lowered, rec.finish(rel)) {
        Outcome::Parsed { doc, .. } => Ok(doc),
        Outcome::Failed { message, .. } => Err(message),
        _ => Err("the Terraform file could not be lowered with its variable file".into()),
    }
}

/// [`parse_with_var_file`] for a base revision's module and variable file, the module
/// read from the revision's files the scan stored.
pub fn parse_stored_with_var_file(
    text: &str,
    rel: &str,
    stored: &crate::front_files::Stored,
    var_file: (&str, &str),
) -> Result<json::Document, String> {
    let rec = Recorder::new(stored as &dyn crate::terraform::Files);
    let lowered = crate::terraform::lower_with_var_file(text, rel, &rec, var_file);
    match with_reads(lowered, rec.finish(rel)) {
        Outcome::Parsed { doc, .. } => Ok(doc),
        Outcome::Failed { message, .. } => Err(message),
        _ => Err("the Terraform file could not be lowered with its variable file".into()),
    }
}

/// [`parse_again`] for a base revision's file, its module read from the revision's
/// files the scan stored.
pub fn parse_stored(
    text: &str,
    rel: &str,
    stored: &crate::front_files::Stored,
) -> Result<json::Document, String> {
    parse_with(text, rel, stored, stored)
}

fn parse_with(
    text: &str,
    rel: &str,
    tf: &dyn crate::terraform::Files,
    files: &dyn Files,
) -> Result<json::Document, String> {
    if crate::terraform::is_terraform(rel) {
        let outcome = terraform_outcome(text, rel, tf);
        return match outcome {
            Outcome::Parsed { doc, .. } => Ok(doc),
            Outcome::Failed { message, .. } => Err(message),
            _ => Err("the Terraform file could not be read again".into()),
        };
    }
    if is_bicep(rel) || bicep::is_bicepparam(rel) {
        let lower = if is_bicep(rel) {
            bicep_outcome
        } else {
            bicepparam_outcome
        };
        return match lower(text, rel, files) {
            Outcome::Parsed { doc, .. } => Ok(doc),
            Outcome::Failed { message, .. } => Err(message),
            _ => Err("the Bicep file could not be read again".into()),
        };
    }
    let doc = json::parse(text).map_err(|e| format!("invalid JSON: {}", e.message))?;
    if crate::terraform::is_plan(&doc.root) {
        return match lowered_outcome(crate::terraform::lower_plan(&doc, rel)) {
            Outcome::Parsed { doc, .. } => Ok(doc),
            Outcome::Failed { message, .. } => Err(message),
            _ => Err("the Terraform plan could not be read again".into()),
        };
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bicep_names_of_any_characters() {
        assert!(super::is_bicep("a/Main.BICEP"));
        assert!(!super::is_bicep("c \u{1b}]0;title\u{202e}.json"));
        assert!(!super::is_bicep("\u{202e}json"));
    }
}
