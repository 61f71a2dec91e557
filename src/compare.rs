//! A scan's baseline comparisons (`--base`, `--baseline`, `--changed-only`), applied one
//! unit at a time: `check` attaches the baselines to each job's unit as it streams, and
//! the kept preparation (`aksgate input`) to each of its units.

use crate::baseline::{self, BaseSide, Exports, GitBase};
use crate::resolve::Unit;
use crate::scan::{ScanError, ScanOptions};
use crate::source::{FileId, Site, Sources};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// What a scan is compared with.
pub struct Compare {
    git: Option<GitBase>,
    /// The base revision's units, once [`Compare::load`]ed.
    base: BaseSide,
    exports: Option<Exports>,
    changed_only: bool,
}

/// What [`Compare::attach`] found for a unit.
pub struct Attached {
    /// Whether the unit is reported (with `--changed-only`, only one the change
    /// touches is).
    pub kept: bool,
    /// The clusters that could not be matched with their baseline: AKS900 about AKS006.
    pub notes: Vec<(Site, String)>,
}

impl Compare {
    /// The comparisons `opts` asks for (`None`: none). Checks the options and lists
    /// the git change before anything is scanned, so a wrong revision fails at once.
    pub fn open(opts: &ScanOptions) -> Result<Option<Compare>, ScanError> {
        if opts.changed_only && opts.base.is_none() {
            return Err(ScanError::Baseline(
                "--changed-only needs --base REF (the revision to compare with)".into(),
            ));
        }
        if opts.base.is_some() && opts.paths.len() > 1 {
            return Err(ScanError::Baseline(
                "--base compares one directory with a git revision: give one path".into(),
            ));
        }
        if opts.base.is_none() && opts.baseline.is_empty() {
            return Ok(None);
        }
        let git = match &opts.base {
            Some(rev) => {
                let root = opts
                    .paths
                    .first()
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from("."));
                Some(GitBase::open(&root, rev).map_err(ScanError::Baseline)?)
            }
            None => None,
        };
        Ok(Some(Compare {
            git,
            base: BaseSide::default(),
            exports: None,
            changed_only: opts.changed_only,
        }))
    }

    /// Reads what the scan is compared with into `sources`: the base revision of what
    /// the change touches (`reads`: the files each unit, or each job, reads), and the
    /// exported clusters.
    pub fn load<R: IntoIterator<Item = FileId>>(
        &mut self,
        sources: &mut Sources,
        reads: impl Iterator<Item = R>,
        opts: &ScanOptions,
    ) -> Result<(), ScanError> {
        if let Some(git) = &self.git {
            let mut touched = BTreeSet::new();
            for files in reads {
                let files: Vec<FileId> = files.into_iter().collect();
                if git.touches(files.iter().copied(), sources) {
                    touched.extend(files);
                }
            }
            self.base = git
                .base_side(sources, &touched, &opts.pairs)
                .map_err(ScanError::Baseline)?;
        }
        if !opts.baseline.is_empty() {
            let exports = Exports::load(sources, &opts.baseline).map_err(ScanError::Baseline)?;
            self.exports = Some(exports);
        }
        Ok(())
    }

    /// Attaches to `unit` the baselines of its clusters: their version at the base
    /// revision when the change touches the unit, then the exported cluster of the
    /// same name.
    pub fn attach(&self, unit: &mut Unit, sources: &Sources) -> Attached {
        let mut notes = Vec::new();
        let touched = match &self.git {
            Some(git) if git.touches(baseline::files_of(unit).into_iter(), sources) => {
                notes = git.attach(&self.base, unit, sources);
                true
            }
            _ => false,
        };
        if self.changed_only && !touched {
            return Attached { kept: false, notes };
        }
        if let Some(exports) = &self.exports {
            notes.extend(exports.attach(unit));
        }
        Attached { kept: true, notes }
    }

    /// Whether a file that cannot be loaded is reported: with `--changed-only`, only
    /// a changed one is.
    pub fn reports_file(&self, rel: &str) -> bool {
        !self.changed_only
            || self
                .git
                .as_ref()
                .is_some_and(|g| g.changed.contains_key(rel))
    }

    /// Whether only the units the change touches are reported.
    pub fn changed_only(&self) -> bool {
        self.changed_only
    }
}
