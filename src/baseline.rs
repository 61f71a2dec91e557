//! Baselines for immutability rules (AKS006): what a resource was before the change.
//!
//! - `--base REF`: the deployment files that changed between the git revision `REF` and
//!   the working tree are read at `REF` with real git (`git show`-equivalent blob reads
//!   through `git cat-file --batch`; a renamed file keeps its history), resolved the same
//!   way as the current side (same parameter-file pairings, same linked templates), and
//!   each current cluster is matched with its base version by identity.
//! - `--baseline PATH`: exported live clusters (`az aks show -o json`, `az aks list`,
//!   `az resource show`; one object, an array, or a folder of such files), matched by
//!   cluster name.
//!
//! The match is attached to the unit as a [`Baseline`]; the policy input exposes it as
//! the resource's `baseline` (see `docs/policy-contract.md`).

use crate::classify::Kind;
use crate::load;
use crate::plan::join_relative as join;
use crate::plan::Facts;
use crate::resolve::tree::RValue;
use crate::resolve::{self, Baseline, Resource, Unit};
use crate::scan;
use crate::source::{FileId, Site, Sources};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

const CLUSTER: &str = "Microsoft.ContainerService/managedClusters";

/// A git repository and the revision the working tree is compared with.
pub struct GitBase {
    /// The directory the scan's relative paths start from.
    dir: PathBuf,
    /// The revision as the user wrote it (shown in file names: `path@REF`).
    pub rev: String,
    /// The commit it names.
    commit: String,
    /// Changed files under `dir`: current path → path at the revision (`None`: the file
    /// is new, added or untracked). Deleted files are not listed: they are not checked.
    pub changed: HashMap<String, Option<String>>,
    /// The folders the changed files are in (and were in at the revision): a change in
    /// a folder a front end reads changes what it lowered there.
    changed_dirs: HashSet<String>,
}

fn run_git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = crate::git::command(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(out.stdout)
}

/// One file of the base revision's tree, as `git ls-tree -r -z` lists it.
#[derive(Debug, Clone)]
struct TreeEntry {
    rel: String,
    /// `100644`, `100755`: a file; `120000`: a symlink; `160000`: a submodule.
    mode: String,
    oid: String,
}

impl TreeEntry {
    fn is_file(&self) -> bool {
        self.mode.starts_with("100")
    }
}

/// Parses `<mode> SP <type> SP <object> TAB <path> NUL` records. Paths are whatever
/// bytes a file name holds (a newline included): only the NUL ends a record.
fn parse_tree(bytes: &[u8]) -> Vec<TreeEntry> {
    bytes
        .split(|b| *b == 0)
        .filter_map(|rec| {
            let tab = rec.iter().position(|b| *b == b'\t')?;
            let head = std::str::from_utf8(&rec[..tab]).ok()?;
            let mut parts = head.split(' ');
            let (mode, _ty, oid) = (parts.next()?, parts.next()?, parts.next()?);
            Some(TreeEntry {
                rel: String::from_utf8_lossy(&rec[tab + 1..]).into_owned(),
                mode: mode.to_string(),
                oid: oid.to_string(),
            })
        })
        .collect()
}

fn split_z(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// A Bicep file of the revision that the skim above could not lower (it reads no other
/// file), lowered again with the revision's files read: a `.bicepparam` file's `extends`
/// base, a `.bicep` file's modules and imports. So it pairs and deploys as it did (a
/// `.bicep` with a module had no base job at all: AKS006 was silently not checked).
fn stored_bicep_facts(
    read: &mut [(String, FileId, Option<Facts>)],
    sources: &Sources,
    suffix: &str,
) {
    let stored = crate::front_files::Stored { sources, suffix };
    for (rel, id, facts) in read.iter_mut() {
        let params = crate::bicep::lower::is_bicepparam(rel);
        if facts.is_some() || !(params || load::is_bicep(rel)) {
            continue;
        }
        let text = sources.text(*id);
        if let Ok(doc) = load::parse_stored(&text, rel, &stored) {
            let kind = if params {
                Kind::Parameters
            } else {
                crate::classify::classify(&doc.root)
            };
            if kind != Kind::Other {
                *facts = Some(Facts::of(&doc.root, &kind));
            }
        }
    }
}

fn dir_of(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn is_json(rel: &str) -> bool {
    let l = rel.to_ascii_lowercase();
    l.ends_with(".json") || l.ends_with(".jsonc")
}

/// A file of the base revision that may hold a deployment: ARM JSON, Bicep (and its
/// parameter files) or Terraform. (A base file's modules are not read: AKS900.)
fn is_source(rel: &str) -> bool {
    let l = rel.to_ascii_lowercase();
    is_json(&l)
        || l.ends_with(".bicep")
        || l.ends_with(".bicepparam")
        || l.ends_with(".tf")
        || l.ends_with(".tfvars")
}

impl GitBase {
    /// Opens the repository that holds `root` (a directory, or a file whose directory is
    /// used) and lists what changed since `rev`.
    pub fn open(root: &Path, rev: &str) -> Result<GitBase, String> {
        let dir = if root.is_file() {
            match root.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            }
        } else {
            root.to_path_buf()
        };
        if !dir.is_dir() {
            return Err(format!("cannot scan {}: no such directory", dir.display()));
        }
        let top = run_git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
            format!(
                "--base needs a git repository, and {} is not in one ({e})",
                dir.display()
            )
        })?;
        let top = String::from_utf8_lossy(&top).trim().to_string();
        if rev.is_empty() || rev.starts_with('-') {
            return Err(format!("`{rev}` is not a git revision"));
        }
        let commit = run_git(
            &dir,
            &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")],
        )
        .map_err(|_| {
            format!(
                "git revision `{rev}` does not exist in the repository at {top} (a shallow CI checkout lacks the base branch: fetch it, e.g. actions/checkout with `fetch-depth: 0`)"
            )
        })?;
        let commit = String::from_utf8_lossy(&commit).trim().to_string();

        let mut changed = HashMap::new();
        let diff = run_git(
            &dir,
            &[
                "diff",
                "--no-ext-diff",
                "--no-textconv",
                "--name-status",
                "-z",
                "-M",
                "--relative",
                &commit,
                "--",
            ],
        )
        .map_err(|e| format!("git diff against `{rev}` failed: {e}"))?;
        let toks = split_z(&diff);
        let mut i = 0;
        while i < toks.len() {
            let status = toks[i].as_str();
            if status.starts_with('R') || status.starts_with('C') {
                if i + 2 >= toks.len() {
                    break;
                }
                let (old, new) = (&toks[i + 1], &toks[i + 2]);
                let from = status.starts_with('R').then(|| old.clone());
                changed.insert(new.clone(), from);
                i += 3;
            } else {
                if i + 1 >= toks.len() {
                    break;
                }
                let path = &toks[i + 1];
                match status {
                    "D" => {}
                    "A" => {
                        changed.insert(path.clone(), None);
                    }
                    _ => {
                        changed.insert(path.clone(), Some(path.clone()));
                    }
                }
                i += 2;
            }
        }
        let untracked = run_git(&dir, &["ls-files", "--others", "--exclude-standard", "-z"])?;
        for p in split_z(&untracked) {
            changed.insert(p, None);
        }
        let changed_dirs = changed
            .iter()
            .flat_map(|(new, old)| std::iter::once(new).chain(old))
            .map(|p| dir_of(p).to_string())
            .collect();
        Ok(GitBase {
            dir,
            rev: rev.to_string(),
            commit,
            changed,
            changed_dirs,
        })
    }

    /// The path a current file had at the revision (`None`: it did not exist).
    fn old_of(&self, rel: &str) -> Option<String> {
        match self.changed.get(rel) {
            Some(old) => old.clone(),
            None => Some(rel.to_string()),
        }
    }

    /// Every file at the revision under the scanned directory, relative to it, with
    /// its object id: blobs are asked for by id, which no file name can forge.
    fn tree(&self) -> Result<Vec<TreeEntry>, String> {
        Ok(parse_tree(&run_git(
            &self.dir,
            &["ls-tree", "-r", "-z", &self.commit],
        )?))
    }

    /// Registers the files `rels` at the revision in `sources` (their bytes in its
    /// store, named `rel` + `suffix`) and skims them, in order: each file's path, id
    /// and facts when it is a deployment file. Git prints them on one thread while the
    /// others store and skim the batches (a few megabytes each) it has printed; only
    /// the facts are kept of each (their texts held 470 MB with 9,900 files changed).
    fn read_into(
        &self,
        rels: &[&TreeEntry],
        sources: &mut Sources,
        suffix: &str,
    ) -> Result<Vec<(String, FileId, Option<Facts>)>, String> {
        // One batch waits while another is stored: the batches held are bounded.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(String, Vec<u8>)>>(1);
        std::thread::scope(|s| {
            let reader = s.spawn(move || {
                let (mut batch, mut held) = (Vec::new(), 0);
                // A send fails when storing stopped at an error: git is stopped too.
                let stopped = |_| "stopped".to_string();
                self.each_blob(rels, |rel, bytes| {
                    held += bytes.len();
                    batch.push((rel.to_string(), bytes));
                    if held > 8 << 20 {
                        held = 0;
                        tx.send(std::mem::take(&mut batch)).map_err(stopped)?;
                    }
                    Ok(())
                })?;
                tx.send(batch).map_err(stopped)
            });
            let mut read = Vec::new();
            let mut failed = None;
            for batch in rx {
                let mut ids = Vec::with_capacity(batch.len());
                for (rel, bytes) in &batch {
                    match sources.add_stored(rel, suffix, bytes) {
                        Ok(id) => ids.push(id),
                        Err(e) => {
                            failed = Some(format!("cannot keep the files of {}: {e}", self.rev));
                            break;
                        }
                    }
                }
                if failed.is_some() {
                    break;
                }
                let skimmed: Vec<(String, Option<Facts>)> = batch
                    .into_par_iter()
                    .map(|(rel, bytes)| {
                        let facts = match load::load_skim_owned(rel.clone(), bytes).outcome {
                            load::Outcome::Skimmed { skim, kind } if kind != Kind::Other => {
                                Some(Facts::from_skim(&skim, &kind))
                            }
                            // Bicep and Terraform files (and plans) are lowered whole.
                            load::Outcome::Parsed { doc, kind } if kind != Kind::Other => {
                                Some(Facts::of(&doc.root, &kind))
                            }
                            _ => None,
                        };
                        (rel, facts)
                    })
                    .collect();
                read.extend(
                    skimmed
                        .into_iter()
                        .zip(ids)
                        .map(|((rel, facts), id)| (rel, id, facts)),
                );
            }
            let printed = match reader.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            if failed.is_none() {
                stored_bicep_facts(&mut read, sources, suffix);
            }
            match failed {
                Some(e) => Err(e),
                None => printed.map(|()| read),
            }
        })
    }

    /// Hands the contents of files at the revision to `each`, one at a time as `git
    /// cat-file --batch` (one process) prints them: a large change is never held whole.
    fn each_blob(
        &self,
        rels: &[&TreeEntry],
        mut each: impl FnMut(&str, Vec<u8>) -> Result<(), String>,
    ) -> Result<(), String> {
        if rels.is_empty() {
            return Ok(());
        }
        let mut child = crate::git::command(&self.dir)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        // Object ids, one a line: a name with a newline cannot shift the replies.
        let request: String = rels.iter().map(|r| format!("{}\n", r.oid)).collect();
        // Written from another thread: git answers while it reads.
        let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
        let mut out = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let read = (|| -> Result<(), String> {
            let bad = |e: std::io::Error| format!("git cat-file failed: {e}");
            for rel in rels {
                let mut header = Vec::new();
                if out.read_until(b'\n', &mut header).map_err(bad)? == 0 {
                    break;
                }
                let header = String::from_utf8_lossy(&header);
                let parts: Vec<&str> = header.trim_end().split(' ').collect();
                // `<object> missing` has two parts and no contents.
                if parts.len() != 3 {
                    continue;
                }
                let size: u64 = parts[2].parse().map_err(|_| "bad git output")?;
                // Contents, then a newline. A file the working tree would not read
                // (over the size limit) is not read here either.
                if parts[1] != "blob" || size > load::MAX_FILE_BYTES {
                    let skipped =
                        std::io::copy(&mut (&mut out).take(size + 1), &mut std::io::sink());
                    skipped.map_err(bad)?;
                    continue;
                }
                // Each reply must be the object asked for.
                if parts[0] != rel.oid {
                    return Err(format!(
                        "git cat-file answered {} for {}",
                        parts[0], rel.oid
                    ));
                }
                let mut bytes = vec![0; size as usize + 1];
                out.read_exact(&mut bytes).map_err(bad)?;
                bytes.pop();
                each(&rel.rel, bytes)?;
            }
            Ok(())
        })();
        if read.is_err() {
            let _ = child.kill();
        }
        let status = child.wait_with_output();
        let _ = writer.join();
        read?;
        let status = status.map_err(|e| format!("git cat-file failed: {e}"))?;
        if !status.status.success() {
            return Err(format!(
                "git cat-file failed: {}",
                String::from_utf8_lossy(&status.stderr).trim()
            ));
        }
        Ok(())
    }
}

/// The files a unit reads: its template, its parameter file, and the files its
/// resources are written in (linked templates).
pub fn files_of(unit: &Unit) -> BTreeSet<FileId> {
    let mut s = BTreeSet::new();
    s.insert(unit.file);
    s.extend(unit.param_file);
    s.extend(unit.resources.iter().map(|r| r.site.file));
    s
}

/// How a cluster is recognised on both sides.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    /// Type and resolved name (lower-cased).
    Name(String, String),
    /// Type, the unresolved name expression, and the file it is written in.
    Expr(String, String, String),
    Unmatchable,
}

/// `file` is the path of the file the name is written in (at the base revision for both
/// sides); an unresolved name is compared by the text written there.
fn identity(r: &Resource, sources: &Sources, file: Option<String>) -> Identity {
    let ty = r.ty.to_ascii_lowercase();
    match (&r.name.value, file) {
        (RValue::Str(s), _) => Identity::Name(ty, s.to_ascii_lowercase()),
        (RValue::Unknown(u), Some(f)) => {
            let text = sources
                .text(r.name.site.file)
                .get(r.name.site.start..r.name.site.end)
                .map(str::to_string)
                .unwrap_or_else(|| u.expr.clone());
            Identity::Expr(ty, text, f)
        }
        _ => Identity::Unmatchable,
    }
}

fn show_name(r: &Resource) -> String {
    match &r.name.value {
        RValue::Str(s) => format!("'{s}'"),
        RValue::Unknown(u) => u.expr.clone(),
        _ => "(no name)".into(),
    }
}

/// The base revision's side of a `--base` comparison: the plan of the files the change
/// touches. A base deployment is resolved, as the working tree's are, when a current
/// unit is matched with it, and dropped after.
#[derive(Default)]
pub struct BaseSide {
    /// What the base files' names end with: `@REF`.
    suffix: String,
    jobs: Vec<crate::plan::Job>,
    links: crate::plan::LinkIndex,
    /// The jobs of each base template, by its path at the revision, in plan order.
    by_file: HashMap<String, Vec<usize>>,
    /// Deployment files at the revision that have no contents to compare (symlinks,
    /// submodules), by path, with why.
    unreadable: HashMap<String, String>,
}

impl BaseSide {
    /// The units of the base deployments of the template at `file` (its path at the
    /// revision), in plan order, and why the others could not be read or lowered.
    fn units_of(&self, file: &str, sources: &Sources) -> (Vec<BaseUnit>, Vec<String>) {
        let rel_of = |id: FileId| -> &str {
            let r = sources.get(id).rel;
            r.strip_suffix(&self.suffix).unwrap_or(r)
        };
        let jobs = self.by_file.get(file).map_or(&[][..], Vec::as_slice);
        let mut failed = Vec::new();
        let units = jobs
            .iter()
            .filter_map(|j| {
                let job = &self.jobs[*j];
                let docs = match scan::job_docs(job, None, sources) {
                    Ok(d) => d,
                    Err((_, why)) => {
                        failed.push(why);
                        return None;
                    }
                };
                let unit = scan::resolve_job(job, &docs, sources, &self.links, &rel_of);
                Some(BaseUnit {
                    param_file: unit.param_file,
                    clusters: unit
                        .resources
                        .into_iter()
                        .filter(|r| r.ty == CLUSTER)
                        .collect(),
                })
            })
            .collect();
        (units, failed)
    }
}

/// What matching needs of a base unit (of a known template).
struct BaseUnit {
    param_file: Option<FileId>,
    clusters: Vec<Resource>,
}

impl GitBase {
    /// Whether the change touches a unit (or a job) that reads `files`.
    pub fn touches(&self, mut files: impl Iterator<Item = FileId>, sources: &Sources) -> bool {
        files.any(|f| {
            self.changed.contains_key(sources.get(f).rel)
                || sources.reads(f).iter().any(|r| match r.strip_suffix('/') {
                    Some(dir) => self.changed_dirs.contains(dir),
                    None => self.changed.contains_key(&**r),
                })
        })
    }

    /// Reads into `sources` the base side of `touched` (every file read by a unit the
    /// change touches), and plans it.
    pub fn base_side(
        &self,
        sources: &mut Sources,
        touched: &BTreeSet<FileId>,
        pairs: &[(String, String)],
    ) -> Result<BaseSide, String> {
        let suffix = format!("@{}", self.rev);
        if touched.is_empty() {
            return Ok(BaseSide {
                suffix,
                ..BaseSide::default()
            });
        }
        // The base files: the old versions of every file a touched unit reads, and the
        // files beside them (pairing looks at a file's neighbours).
        let current: HashSet<String> = (0..sources.len())
            .map(|i| sources.get(i).rel.to_string())
            .collect();
        let moved_away: HashSet<&String> = self
            .changed
            .iter()
            .filter_map(|(new, old)| old.as_ref().filter(|o| *o != new))
            .collect();
        let mut exact = BTreeSet::new();
        let mut dirs = BTreeSet::new();
        // Folders a front end read (a Terraform module's, with its variable files) are
        // fetched whole, as they were.
        let mut whole = BTreeSet::new();
        for f in touched {
            if let Some(old) = self.old_of(sources.get(*f).rel) {
                dirs.insert(dir_of(&old).to_string());
                exact.insert(old);
            }
            for r in sources.reads(*f) {
                match r.strip_suffix('/') {
                    Some(dir) => whole.insert(dir.to_string()),
                    None => exact.insert(r.to_string()),
                };
            }
        }
        // The named Terraform variable files, as they were: the base module is evaluated
        // with each, as the working tree's is.
        for (_, vf) in pairs
            .iter()
            .filter(|(_, p)| crate::terraform::is_var_file(p))
        {
            exact.insert(vf.clone());
        }
        let tree = self.tree()?;
        let in_tree: HashMap<&str, &TreeEntry> = tree.iter().map(|e| (e.rel.as_str(), e)).collect();
        let (wanted, not_files): (Vec<&TreeEntry>, Vec<&TreeEntry>) = tree
            .iter()
            .filter(|e| is_source(&e.rel))
            .filter(|e| {
                let p = &e.rel;
                exact.contains(p)
                    || whole.contains(dir_of(p))
                    || (dirs.contains(dir_of(p))
                        && (current.contains(p)
                            || moved_away.contains(p)
                            || !self.dir.join(p).exists()))
            })
            .partition(|e| e.is_file());
        // A symlink or a submodule at the revision has no contents to compare: the
        // current file is reported as not compared, never compared with nothing.
        let unreadable = not_files
            .iter()
            .map(|e| {
                let what = if e.mode == "120000" {
                    "a symlink"
                } else {
                    "not a regular file (a submodule?)"
                };
                (e.rel.clone(), format!("{what} at {}", self.rev))
            })
            .collect();

        let mut facts: Vec<(FileId, Facts)> = Vec::new();
        let mut loaded: HashSet<String> = HashSet::new();
        let mut todo = wanted;
        // Linked templates of the base templates, a few levels deep.
        for _ in 0..8 {
            if todo.is_empty() {
                break;
            }
            loaded.extend(todo.iter().map(|e| e.rel.clone()));
            let mut next = Vec::new();
            for (rel, id, f) in self.read_into(&todo, sources, &suffix)? {
                let Some(f) = f else {
                    continue;
                };
                for link in &f.links {
                    if let Some(p) = join(dir_of(&rel), link) {
                        match in_tree.get(p.as_str()) {
                            Some(e) if e.is_file() && !loaded.contains(&p) => next.push(*e),
                            _ => {}
                        }
                    }
                }
                facts.push((id, f));
            }
            next.sort_by(|a, b| a.rel.cmp(&b.rel));
            next.dedup_by(|a, b| a.rel == b.rel);
            todo = next;
        }
        let sources = &*sources;
        // Planned and resolved as the working tree is; pairing and links look at the
        // path alone.
        let rel_of = |id: FileId| -> &str {
            let r = sources.get(id).rel;
            r.strip_suffix(&suffix).unwrap_or(r)
        };
        let files: Vec<(FileId, &str, &Facts)> =
            facts.iter().map(|(id, f)| (*id, rel_of(*id), f)).collect();
        let mut named = crate::var_files::Named::new();
        for (template, vf) in pairs
            .iter()
            .filter(|(_, p)| crate::terraform::is_var_file(p))
        {
            let dir = vf.rsplit_once('/').map_or("", |(d, _)| d);
            if let Some(id) = sources
                .stored_in(dir, &suffix)
                .into_iter()
                .find(|id| sources.path_in_tree(*id) == vf)
            {
                let ids = named
                    .entry(crate::var_files::module_of(template))
                    .or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        let plan = crate::plan::plan(&files, pairs, &named);
        let mut by_file: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, j) in plan.jobs.iter().enumerate() {
            by_file
                .entry(rel_of(j.file).to_string())
                .or_default()
                .push(i);
        }
        Ok(BaseSide {
            suffix,
            jobs: plan.jobs,
            links: plan.links,
            by_file,
            unreadable,
        })
    }

    /// Gives each cluster of `unit`, a unit the change touches, its version at the
    /// revision; returns the clusters that could not be matched (AKS900 about AKS006).
    pub fn attach(
        &self,
        base: &BaseSide,
        unit: &mut Unit,
        sources: &Sources,
    ) -> Vec<(Site, String)> {
        let mut notes = Vec::new();
        let Some(file) = self.old_of(sources.get(unit.file).rel) else {
            return notes; // a new template: its clusters are new
        };
        if let Some(why) = base.unreadable.get(&file) {
            unit.problems.push(crate::resolve::Problem {
                site: Site::new(unit.file, crate::json::Span::new(0, 0)),
                message: format!(
                    "{file} is {why}: its clusters cannot be compared with the base revision (AKS006 is not checked)"
                ),
            });
            return notes;
        }
        let base_rel = |id: FileId| -> String {
            let r = sources.get(id).rel;
            r.strip_suffix(&base.suffix).unwrap_or(r).to_string()
        };
        let param = unit.param_file.map(|p| self.old_of(sources.get(p).rel));
        let (units, failed) = base.units_of(&file, sources);
        // The template is at the revision but none of its deployments lowered there:
        // nothing to compare with, which is said (it was silence).
        if units.is_empty() {
            if let Some(why) = failed.first() {
                for r in unit.resources.iter().filter(|r| r.ty == CLUSTER) {
                    notes.push((
                        r.name.site,
                        format!(
                            "cluster {} is not compared with its version at {}: {file} could not be evaluated there ({why}); AKS006 is not checked for it",
                            show_name(r),
                            self.rev
                        ),
                    ));
                }
                return notes;
            }
        }
        let same_file: Vec<&BaseUnit> = units.iter().collect();
        let same_pairing: Vec<&BaseUnit> = same_file
            .iter()
            .copied()
            .filter(|b| b.param_file.map(|p| Some(base_rel(p))) == param)
            .collect();
        // A Terraform module judged with a named variable file that has no pairing at
        // the revision (the file is new there, or does not lower): the module's defaults
        // are not its base, and comparing with them could hide a change the file made.
        // Said, not compared.
        if let Some(vf) = unit
            .param_file
            .map(|p| sources.get(p).rel)
            .filter(|rel| sources.var_file(rel).is_some())
            .filter(|_| same_pairing.is_empty())
        {
            for r in unit.resources.iter().filter(|r| r.ty == CLUSTER) {
                notes.push((
                    r.name.site,
                    format!(
                        "cluster {} is not compared with its version at {}: the module is not evaluated there with the variable file {vf} (it is new, or did not lower); AKS006 is not checked for it",
                        show_name(r),
                        self.rev
                    ),
                ));
            }
            return notes;
        }
        let candidates = if same_pairing.is_empty() {
            same_file
        } else {
            same_pairing
        };
        for (i, r) in unit.resources.iter().enumerate() {
            if r.ty != CLUSTER {
                continue;
            }
            let id = identity(r, sources, self.old_of(sources.get(r.site.file).rel));
            let mut found = None;
            let mut unsure = matches!(id, Identity::Unmatchable | Identity::Expr(..));
            for b in &candidates {
                for br in &b.clusters {
                    let bid = identity(br, sources, Some(base_rel(br.site.file)));
                    if bid != Identity::Unmatchable && bid == id {
                        found.get_or_insert((*b, br));
                    } else if !matches!(bid, Identity::Name(..)) {
                        unsure = true;
                    }
                }
            }
            match found {
                Some((b, br)) => unit.baselines.push(Baseline {
                    resource: i,
                    base: br.clone(),
                    source: "git",
                    file: sources.get(br.site.file).rel.to_string(),
                    param_file: b.param_file.map(|p| sources.get(p).rel.to_string()),
                    revision: Some(self.rev.clone()),
                }),
                None if unsure && candidates.iter().any(|b| !b.clusters.is_empty()) => notes.push((
                    r.name.site,
                    format!(
                        "cannot match cluster {} with its version at {}: its name, or the name of a cluster there, does not resolve; AKS006 is not checked for it",
                        show_name(r),
                        self.rev
                    ),
                )),
                None => {}
            }
        }
        notes
    }
}

/// An export file, registered in `sources` under its path (its text held: exports
/// are few and small) and parsed when it is a deployment file.
fn load_export(
    sources: &mut Sources,
    path: &str,
    bytes: &[u8],
) -> Option<(FileId, crate::json::Document, Kind)> {
    let l = load::load_bytes(path.to_string(), bytes);
    let id = sources.add(path.to_string(), std::sync::Arc::from(l.text));
    match l.outcome {
        load::Outcome::Parsed { doc, kind } if kind != Kind::Other => Some((id, doc, kind)),
        _ => None,
    }
}

/// Exported live clusters (`--baseline`), matched with the scanned ones by name.
pub struct Exports {
    /// Each cluster, with the file it was exported to.
    clusters: Vec<(Resource, String)>,
}

impl Exports {
    /// Reads the exports at `paths` (files, or folders of them) into `sources`.
    pub fn load(sources: &mut Sources, paths: &[PathBuf]) -> Result<Exports, String> {
        let mut files: Vec<(PathBuf, bool)> = Vec::new();
        for p in paths {
            if p.is_dir() {
                let mut found: Vec<PathBuf> = walkdir::WalkDir::new(p)
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .map(|e| e.into_path())
                    .filter(|f| is_json(&f.to_string_lossy()))
                    .collect();
                found.sort();
                files.extend(found.into_iter().map(|f| (f, false)));
            } else if p.is_file() {
                files.push((p.clone(), true));
            } else {
                return Err(format!(
                    "baseline {}: no such file or directory",
                    p.display()
                ));
            }
        }
        let mut clusters: Vec<(Resource, String)> = Vec::new();
        for (f, explicit) in files {
            let bytes = std::fs::read(&f)
                .map_err(|e| format!("cannot read baseline {}: {e}", f.display()))?;
            let display = f.to_string_lossy().replace('\\', "/");
            match load_export(sources, &display, &bytes) {
                Some((id, doc, Kind::Export)) => {
                    let unit = resolve::resolve_export(&doc.root, id, &mut resolve::PlainEvaluator);
                    clusters.extend(unit.resources.into_iter().map(|r| (r, display.clone())));
                }
                _ if explicit => {
                    return Err(format!(
                        "baseline {} is not an exported cluster (`az aks show -o json`, `az aks list -o json` or `az resource show -o json`)",
                        f.display()
                    ))
                }
                _ => {}
            }
        }
        if clusters.is_empty() {
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            return Err(format!(
                "no exported cluster found in baseline {} (`az aks show -o json` output)",
                shown.join(", ")
            ));
        }
        Ok(Exports { clusters })
    }

    /// Gives each cluster of `unit` the exported cluster of the same name; returns the
    /// clusters whose name does not resolve (AKS900 about AKS006).
    pub fn attach(&self, unit: &mut Unit) -> Vec<(Site, String)> {
        let mut notes = Vec::new();
        for (i, r) in unit.resources.iter().enumerate() {
            if r.ty != CLUSTER {
                continue;
            }
            let RValue::Str(name) = &r.name.value else {
                notes.push((
                    r.name.site,
                    format!(
                        "cannot match cluster {} with the exported clusters: its name does not resolve; AKS006 is not checked for it",
                        show_name(r)
                    ),
                ));
                continue;
            };
            if let Some((c, file)) = named(self.clusters.iter().map(|(c, f)| (c, f)), name) {
                unit.baselines.push(Baseline {
                    resource: i,
                    base: c.clone(),
                    source: "export",
                    file: file.clone(),
                    param_file: None,
                    revision: None,
                });
            }
        }
        notes
    }
}

/// The first of `clusters` named `name` (ARM names are case-insensitive).
fn named<'c, F>(
    mut clusters: impl Iterator<Item = (&'c Resource, F)>,
    name: &str,
) -> Option<(&'c Resource, F)> {
    clusters.find(|(c, _)| matches!(&c.name.value, RValue::Str(n) if n.eq_ignore_ascii_case(name)))
}

/// Gives each cluster of `unit` its prior state from `prior` (the resources the
/// deployment's own source says are there before it, resolved as a template: a
/// Terraform plan's `change.before`), matched by name. `file` names where they are.
pub fn attach_prior(unit: &mut Unit, prior: &Unit, file: &str) {
    for i in 0..unit.resources.len() {
        let r = &unit.resources[i];
        let RValue::Str(name) = &r.name.value else {
            continue;
        };
        if r.ty != CLUSTER || unit.baselines.iter().any(|b| b.resource == i) {
            continue;
        }
        let clusters = prior.resources.iter().filter(|c| c.ty == CLUSTER);
        if let Some((c, ())) = named(clusters.map(|c| (c, ())), name) {
            let base = c.clone();
            unit.baselines.push(Baseline {
                resource: i,
                base,
                source: "plan",
                file: format!("{file}, before the plan"),
                param_file: None,
                revision: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(join("a/b", "../c.json").as_deref(), Some("a/c.json"));
        assert_eq!(join("", "./x/y.json").as_deref(), Some("x/y.json"));
        assert_eq!(join("", "../x.json"), None);
    }
}
