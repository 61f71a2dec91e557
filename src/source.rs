//! The files of one scan, kept for the renderers: a finding holds a file id and a
//! byte span; only a renderer turns those into lines and columns.

use crate::json::Span;
use std::sync::Arc;

pub type FileId = usize;

/// A place in a scanned file (or in a file read from a git revision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Site {
    pub fn new(file: FileId, span: Span) -> Site {
        Site {
            file,
            start: span.start,
            end: span.end,
        }
    }

    pub fn span(&self) -> Span {
        Span {
            start: self.start,
            end: self.end,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the scan root with `/` separators (or `path@REF` for a base revision).
    pub rel: String,
    pub text: Arc<str>,
}

/// All files a scan read, indexed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, rel: String, text: Arc<str>) -> FileId {
        self.files.push(SourceFile { rel, text });
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// 1-based line and column of a site's start.
    pub fn line_col(&self, site: Site) -> (usize, usize) {
        crate::json::line_col(&self.get(site.file).text, site.start)
    }
}
