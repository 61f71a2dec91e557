//! Lowering: a parsed `.bicep` file becomes the ARM template the Bicep compiler would
//! emit, as a [`json::Document`] whose spans point into the `.bicep` text, so every
//! later stage (resolution, policies, findings) works unchanged and points at Bicep
//! lines. What cannot be lowered yet is a [`Problem`] at its span, never dropped.

mod arm_types;
mod checks;
mod decl;
mod expr;
mod fold;
mod funcs;
mod import;
#[cfg(test)]
mod import_tests;
mod load;
mod module;
mod node;
mod params;
#[cfg(test)]
mod params_tests;
mod registry;
#[cfg(test)]
mod tests;

pub use module::{join, respan, DiskFiles, Files, Located, NoFiles};
pub use params::{extends_of, is_bicepparam, using_of};
pub use registry::{read_cached, set_cache_root};

use crate::bicep::syntax::{self, Span as BSpan};
use crate::json;

/// Something in the file that was not lowered: AKS901 (`not supported yet`) or AKS900
/// (cannot be checked, e.g. a registry module).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
    pub span: json::Span,
}

/// The lowered template and every problem met, in text order.
#[derive(Debug)]
pub struct Lowered {
    pub doc: json::Document,
    pub problems: Vec<Problem>,
}

/// Modules nest at most this deep (ARM's own limit on nested deployments is lower).
pub const MAX_MODULE_DEPTH: usize = 16;

/// One deployment (a file and every module it reaches) lowers at most this many
/// modules: a module used twice is lowered twice, so fan-out must be bounded too.
pub const MAX_MODULES: usize = 256;

/// The files being lowered (for cycles and depth) and how many modules were.
pub(crate) struct Trail {
    pub files: Vec<String>,
    pub loaded: usize,
}

pub(crate) fn span(s: BSpan) -> json::Span {
    json::Span::new(s.start, s.end)
}

/// Lowers `text` (a `.bicep` file at `path`, relative to the scan root, used to find
/// modules through `files`). Syntax errors are not handled here: see [`lower_text`].
pub fn lower_program(program: &syntax::Program, path: &str, files: &dyn Files) -> Lowered {
    let mut trail = Trail {
        files: vec![path.to_string()],
        loaded: 0,
    };
    decl::lower_file(program, path, files, &mut trail)
}

/// Parses and lowers a `.bicep` file; `Err` is the first syntax error.
pub fn lower_text(text: &str, path: &str, files: &dyn Files) -> Result<Lowered, Problem> {
    let parsed = syntax::parse(text);
    if let Some(e) = parsed.errors.first() {
        return Err(Problem {
            code: "AKS901",
            message: format!("invalid Bicep: {}", e.message),
            span: span(e.span),
        });
    }
    Ok(lower_program(&parsed.program, path, files))
}

/// Parses and lowers a `.bicepparam` file to an ARM parameters document (see
/// [`using_of`] for the template it names); `Err` is the first syntax error.
pub fn lower_params_text(text: &str, path: &str, files: &dyn Files) -> Result<Lowered, Problem> {
    let parsed = syntax::parse_bicepparam(text);
    if let Some(e) = parsed.errors.first() {
        return Err(Problem {
            code: "AKS901",
            message: format!("invalid Bicep parameters: {}", e.message),
            span: span(e.span),
        });
    }
    Ok(params::lower_params(&parsed.program, path, files))
}
