//! Reading one file: size limit, decoding, parsing, classification. The same decoding
//! serves a file read again later (by a streaming scan, or by a renderer).

use crate::classify::{self, Kind};
use crate::discover::Candidate;
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
    read_then(c, load_owned)
}

/// [`load`] for a scan that keeps only facts: the file is skimmed (validated as
/// strictly, but only its top levels built), not parsed into a whole tree.
pub fn load_skim(c: &Candidate) -> Loaded {
    read_then(c, |rel, bytes| load_with(rel, bytes, true))
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
    load_with(rel, bytes, false)
}

/// [`load_skim`] of bytes the caller gives up (a git revision's file).
pub fn load_skim_owned(rel: String, bytes: Vec<u8>) -> Loaded {
    load_with(rel, bytes, true)
}

fn load_with(rel: String, bytes: Vec<u8>, skim: bool) -> Loaded {
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
    let read = if skim {
        json::skim(&text).map(|skim| {
            let kind = classify::classify(&skim.root);
            Outcome::Skimmed { skim, kind }
        })
    } else {
        json::parse(&text).map(|doc| {
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
pub fn parse_again(text: &str) -> Result<json::Document, String> {
    json::parse(text).map_err(|e| format!("invalid JSON: {}", e.message))
}
