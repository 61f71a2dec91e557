//! The other files a front end reads to lower one file (a Terraform module's folder, a
//! Bicep module or import): recorded as they are read, so a change to them is a change
//! to the deployment (`--base`, `--changed-only`), and served from the base revision's
//! files when a file of that revision is lowered.

use crate::bicep::lower::{self as bicep};
use crate::source::{FileId, Sources};
use crate::terraform;
use std::cell::RefCell;

/// Wraps a reader and notes what was read: folders as `dir/`, files by path.
pub struct Recorder<'a, F: ?Sized> {
    inner: &'a F,
    seen: RefCell<Vec<String>>,
}

impl<'a, F: ?Sized> Recorder<'a, F> {
    pub fn new(inner: &'a F) -> Self {
        Recorder {
            inner,
            seen: RefCell::new(Vec::new()),
        }
    }

    /// What was read, once each, without the lowered file itself.
    pub fn finish(self, own: &str) -> Vec<String> {
        let mut seen = self.seen.into_inner();
        seen.retain(|s| s != own);
        seen.sort();
        seen.dedup();
        seen
    }
}

impl terraform::Files for Recorder<'_, dyn terraform::Files + '_> {
    fn dir(&self, dir: &str) -> Result<Vec<(String, String)>, String> {
        self.seen.borrow_mut().push(format!("{dir}/"));
        self.inner.dir(dir)
    }

    fn text(&self, rel: &str) -> Result<String, String> {
        self.seen.borrow_mut().push(rel.to_string());
        self.inner.text(rel)
    }
}

impl bicep::Files for Recorder<'_, dyn bicep::Files + '_> {
    fn read(&self, from: &str, rel: &str) -> Result<(String, String), String> {
        let got = self.inner.read(from, rel);
        if let Ok((path, _)) = &got {
            self.seen.borrow_mut().push(path.clone());
        }
        got
    }

    fn locate(&self, from: &str, rel: &str) -> Result<String, bicep::Located> {
        self.inner.locate(from, rel)
    }

    fn cached(&self, cache_path: &str, hint: Option<&str>) -> Result<String, String> {
        self.inner.cached(cache_path, hint)
    }

    fn list(&self, from: &str, rel: &str) -> Result<(String, Vec<String>), String> {
        let got = self.inner.list(from, rel);
        if let Ok((path, _)) = &got {
            self.seen.borrow_mut().push(format!("{path}/"));
        }
        got
    }

    fn read_bytes(&self, from: &str, rel: &str) -> Result<(String, Vec<u8>), String> {
        let got = self.inner.read_bytes(from, rel);
        if let Ok((path, _)) = &got {
            self.seen.borrow_mut().push(path.clone());
        }
        got
    }
}

/// The files of a base revision that the scan stored (`@REF` their suffix), read as a
/// folder of that revision: a base file is lowered with its module as it was.
pub struct Stored<'a> {
    pub sources: &'a Sources,
    pub suffix: &'a str,
}

impl Stored<'_> {
    fn in_dir(&self, dir: &str) -> Vec<FileId> {
        self.sources.stored_in(dir, self.suffix)
    }

    fn text_of(&self, id: FileId) -> String {
        self.sources.text(id).to_string()
    }

    fn find(&self, path: &str) -> Option<FileId> {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        self.in_dir(dir)
            .into_iter()
            .find(|&id| self.sources.path_in_tree(id) == path)
    }
}

impl terraform::Files for Stored<'_> {
    fn dir(&self, dir: &str) -> Result<Vec<(String, String)>, String> {
        Ok(self
            .in_dir(dir)
            .into_iter()
            .map(|id| {
                let path = self.sources.path_in_tree(id);
                let name = path.rsplit_once('/').map_or(path, |(_, n)| n);
                (name.to_string(), self.text_of(id))
            })
            .collect())
    }

    fn text(&self, rel: &str) -> Result<String, String> {
        self.find(rel)
            .map(|id| self.text_of(id))
            .ok_or_else(|| format!("{rel} is not among the base revision's files read"))
    }
}

impl bicep::Files for Stored<'_> {
    /// Whether the revision's files the scan stored hold it (a missing
    /// `bicepconfig.json` is looked for, and must read as missing, not as unreadable).
    fn locate(&self, from: &str, rel: &str) -> Result<String, bicep::Located> {
        let path = bicep::join(from, rel).ok_or(bicep::Located::Outside)?;
        match self.find(&path) {
            Some(_) => Ok(path),
            None => Err(bicep::Located::Missing(format!(
                "{path} is not among the base revision's files read"
            ))),
        }
    }

    fn read(&self, from: &str, rel: &str) -> Result<(String, String), String> {
        let path = bicep::join(from, rel).ok_or("the path leaves the scanned folder")?;
        match self.find(&path) {
            Some(id) => Ok((path, self.text_of(id))),
            None => Err(format!(
                "{path} is not among the base revision's files read"
            )),
        }
    }

    /// The cache is outside git: a base revision reads the modules restored now (a
    /// registry module's version is in the reference, so the same reference is the
    /// same module).
    fn cached(&self, cache_path: &str, hint: Option<&str>) -> Result<String, String> {
        bicep::read_cached(cache_path, hint)
    }
}
