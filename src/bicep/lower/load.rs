//! `loadTextContent`, `loadJsonContent` and `loadFileAsBase64` (`loadYamlContent` not
//! yet): the
//! compiler reads these files at build time, relative to the `.bicep` file; so does
//! lowering, through [`Files`] (inside the scanned root only, no symlink out), and the
//! content becomes a constant of the template. A file that cannot be read is AKS901 at
//! the call.

use super::expr::Lower;
use super::node::quote;
use super::Files;
use crate::bicep::syntax::ast::{Expr, ExprKind};
use crate::bicep::syntax::Span as BSpan;

/// The Bicep compiler's limits on what these functions load, in characters.
const MAX_TEXT_CHARS: usize = 131_072;
const MAX_DATA_CHARS: usize = 1_048_576;

/// Where the file being lowered reads from.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    pub files: &'a dyn Files,
    pub path: &'a str,
}

fn plain(e: Option<&Expr>) -> Option<&str> {
    match &e?.kind {
        ExprKind::String(s) => s.as_plain(),
        _ => None,
    }
}

impl Lower<'_> {
    /// A load function's ARM text, or `None` when `lower` is not one.
    pub fn load_call(
        &mut self,
        lower: &str,
        name: &str,
        args: &[Expr],
        at: BSpan,
    ) -> Option<String> {
        let (limit, extra) = match lower {
            "loadtextcontent" | "loadfileasbase64" => (MAX_TEXT_CHARS, 1),
            // YAML needs a YAML parser in the build: not yet (AKS901 below).
            "loadjsoncontent" => (MAX_DATA_CHARS, 2),
            _ => return None,
        };
        let Some(source) = self.source else {
            return Some(
                self.unsupported(&format!("{name}() here (reads a file at build time)"), at),
            );
        };
        let Some(rel) = plain(args.first()) else {
            return Some(self.unsupported(
                &format!("{name}() of a path that is not a plain string"),
                at,
            ));
        };
        // `loadTextContent(path, encoding)`, `loadJsonContent(path, jsonPath, encoding)`.
        let rest = args.get(1..).unwrap_or_default();
        let encoding = if extra == 2 {
            rest.get(1)
        } else {
            rest.first()
        };
        if encoding.is_some() && !plain(encoding).is_some_and(|e| e.eq_ignore_ascii_case("utf-8")) {
            return Some(
                self.unsupported(&format!("{name}() with an encoding other than utf-8"), at),
            );
        }
        if extra == 2 && !rest.is_empty() && plain(rest.first()) != Some("$") {
            return Some(self.unsupported(&format!("{name}() with a JSONPath"), at));
        }
        let text = match source.files.read(source.path, rel) {
            Ok((_, t)) if t.chars().count() > limit => {
                self.problem(
                    "AKS901",
                    format!("{name}('{rel}'): the file is over the {limit} characters Bicep loads"),
                    at,
                );
                return Some("null".into());
            }
            Ok((_, t)) => t,
            Err(e) => {
                self.problem("AKS901", format!("{name}('{rel}') cannot be read: {e}"), at);
                return Some("null".into());
            }
        };
        let value: Result<serde_json::Value, String> = match lower {
            "loadtextcontent" => return Some(quote(&text)),
            "loadfileasbase64" => return Some(format!("base64({})", quote(&text))),
            _ => serde_json::from_str(&text).map_err(|e| e.to_string()),
        };
        Some(match value {
            Ok(v) => format!("json({})", quote(&v.to_string())),
            Err(e) => {
                self.problem("AKS901", format!("{name}('{rel}'): {e}"), at);
                "null".into()
            }
        })
    }
}
