//! Walks the scanned paths and yields the JSON files that may be deployment files.
//!
//! The walk is configured here and nowhere else: `.git/` and vendored folders are
//! skipped, `.gitignore` files (at every level) are honoured, configured excludes are
//! applied, and no symlink is followed out of the root. Problems with single entries
//! (unreadable directories, symlinks leaving the root) are recorded and the walk goes on.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Folders never scanned: version control metadata and dependency caches that hold
/// other people's files.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    ".terraform",
    ".venv",
    "venv",
    "__pycache__",
    "vendor",
];

/// Extensions of files that may hold deployments: ARM JSON, Bicep (templates and
/// parameters) and Terraform.
const EXTENSIONS: &[&str] = &["json", "jsonc", "bicep", "bicepparam", "tf"];

#[derive(Debug, Clone)]
pub struct Candidate {
    /// Absolute or as-given path used to read the file.
    pub path: PathBuf,
    /// Path relative to the scan root, with `/` separators, for reports.
    pub rel: String,
    /// Something under the root that may hold deployment files and cannot be checked (a
    /// directory that cannot be listed, a directory symlink out of the root, a submodule
    /// that is not checked out): AKS901 at it, never a silent pass.
    pub problem: Option<String>,
}

impl Candidate {
    fn file(path: &Path, rel: String) -> Candidate {
        Candidate {
            path: path.to_path_buf(),
            rel,
            problem: None,
        }
    }

    fn unchecked(path: &Path, rel: String, problem: String) -> Candidate {
        Candidate {
            path: path.to_path_buf(),
            rel,
            problem: Some(problem),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Skipped {
    pub rel: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
}

/// Glob patterns (gitignore syntax, relative to the root) excluded by configuration.
#[derive(Debug, Default, Clone)]
pub struct Excludes {
    patterns: Vec<String>,
}

impl Excludes {
    pub fn new(patterns: Vec<String>) -> Self {
        Excludes { patterns }
    }
}

/// Discovers candidate files under `root`, which may be a directory or a single file.
pub fn discover(root: &Path, excludes: &Excludes) -> std::io::Result<Discovery> {
    let mut files = Vec::new();
    let skipped = discover_each(root, excludes, &mut |c| files.push(c))?;
    Ok(Discovery { files, skipped })
}

/// [`discover`], handing each candidate to `found` as soon as it is known (in the same
/// order), so reading can start before the walk ends; returns what was skipped.
pub fn discover_each(
    root: &Path,
    excludes: &Excludes,
    found: &mut dyn FnMut(Candidate),
) -> std::io::Result<Vec<Skipped>> {
    let meta = std::fs::metadata(root)?;
    let mut out = Found {
        found,
        skipped: Vec::new(),
    };
    if meta.is_file() {
        let rel = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| root.display().to_string());
        (out.found)(Candidate::file(root, rel));
        return Ok(out.skipped);
    }
    let canonical_root = root.canonicalize()?;
    let exclude = build_excludes(root, excludes);
    let mut ignores = IgnoreStack::default();
    let mut seen = Taken::default();
    // Inside a git work tree, what git tracks is part of the deployment whatever a
    // `.gitignore` says, and a submodule that is not checked out is not checked.
    let tracked = crate::git::Tracked::of(root).unwrap_or_default();
    // The gitignored directories the walk is inside because they hold tracked files:
    // only those files are taken from them.
    let mut ignored_dirs: Vec<PathBuf> = Vec::new();
    for sub in &tracked.submodules {
        let dir = root.join(sub);
        let empty = std::fs::read_dir(&dir).map_or(true, |mut d| d.next().is_none());
        if empty && !exclude.matched_path_or_any_parents(sub, true).is_ignore() {
            (out.found)(Candidate::unchecked(
                &dir,
                sub.clone(),
                "a git submodule that is not checked out: its files are not checked (check it out, e.g. actions/checkout with `submodules: true`, or exclude it in .aksgate.toml)".into(),
            ));
        }
    }

    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    let mut it = walker;
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                // A directory that cannot be listed may hold deployment files.
                let path = err.path().map(Path::to_path_buf).unwrap_or_default();
                let rel = rel_path(root, &path);
                (out.found)(Candidate::unchecked(
                    &path,
                    rel,
                    format!(
                        "cannot be listed: {}; its files are not checked",
                        io_reason(&err)
                    ),
                ));
                continue;
            }
        };
        let path = entry.path();
        if entry.depth() == 0 {
            continue;
        }
        let rel = rel_path(root, path);
        let ft = entry.file_type();
        let is_dir = ft.is_dir();
        if is_dir && SKIPPED_DIRS.iter().any(|d| entry.file_name() == *d) {
            it.skip_current_dir();
            continue;
        }
        if exclude
            .matched_path_or_any_parents(&rel, is_dir)
            .is_ignore()
        {
            if is_dir {
                it.skip_current_dir();
            }
            continue;
        }
        while ignored_dirs.last().is_some_and(|d| !path.starts_with(d)) {
            ignored_dirs.pop();
        }
        let ignored = !ignored_dirs.is_empty() || ignores.is_ignored(root, path, is_dir);
        if ignored {
            let keep = if is_dir {
                tracked.has_ignored_under(&rel)
            } else {
                tracked.ignored.contains(&rel)
            };
            if !keep {
                if is_dir {
                    it.skip_current_dir();
                }
                continue;
            }
            if is_dir {
                ignored_dirs.push(path.to_path_buf());
            }
        }
        if is_dir {
            continue;
        }
        if ft.is_symlink() && std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            // The walk does not follow directory symlinks: inside the root their
            // target is walked where it is; outside, its files would not be checked.
            match path.canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) => out.skipped.push(Skipped {
                    rel,
                    reason: "symlink to a directory inside the scanned root: its files are scanned where they are".into(),
                }),
                _ => (out.found)(Candidate::unchecked(
                    path,
                    rel,
                    "a symlink to a directory outside the scanned root: not followed, so its files are not checked (scan that directory, or exclude the link)".into(),
                )),
            }
            continue;
        }
        if !has_json_extension(path) {
            continue;
        }
        if ft.is_symlink() {
            // Follow a symlink only when it stays inside the root and names a regular file.
            match path.canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) => {
                    match std::fs::metadata(&target) {
                        Ok(m) if m.is_file() => {
                            if seen.link(target) {
                                (out.found)(Candidate::file(path, rel));
                            }
                        }
                        _ => out.skipped.push(Skipped {
                            rel,
                            reason: "symlink to something that is not a regular file".into(),
                        }),
                    }
                }
                Ok(_) => out.skipped.push(Skipped {
                    rel,
                    reason: "symlink pointing outside the scanned root: not followed".into(),
                }),
                Err(err) => out.skipped.push(Skipped {
                    rel,
                    reason: format!("broken symlink: {err}"),
                }),
            }
            continue;
        }
        if !ft.is_file() {
            // FIFOs, sockets, devices: never opened, reading one could block forever.
            out.skipped.push(Skipped {
                rel,
                reason: "not a regular file".into(),
            });
            continue;
        }
        // The walk never descends through a symlink, so a regular file's real path is
        // the real root joined with its path below the root: no syscall needed (asking
        // the file system cost half of discovery).
        let real = canonical_root.join(path.strip_prefix(root).unwrap_or(path));
        if !seen.file(real) {
            continue;
        }
        (out.found)(Candidate::file(path, rel));
    }
    Ok(out.skipped)
}

/// The real paths of the files the walk has handed over, so that a file reached both
/// directly and through a symlink is scanned once, under the path met first. Regular
/// files are kept as a hash of their real path: a set of the paths themselves was the
/// first pass's largest passing cost (15 MB at 100,000 files). Two regular files never
/// share a real path (the walk does not follow symlinks), so a hash can only ever
/// confuse a symlink's target with a file: symlink targets are kept whole.
#[derive(Default)]
struct Taken {
    files: HashSet<u64>,
    links: HashSet<PathBuf>,
}

impl Taken {
    fn hash(path: &Path) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        path.hash(&mut h);
        h.finish()
    }

    /// A regular file at `real`: false when a symlink to it was handed over first.
    fn file(&mut self, real: PathBuf) -> bool {
        if self.links.contains(&real) {
            return false;
        }
        self.files.insert(Self::hash(&real));
        true
    }

    /// A symlink to `target`, a regular file: false when the file, or another symlink
    /// to it, was handed over first.
    fn link(&mut self, target: PathBuf) -> bool {
        !self.files.contains(&Self::hash(&target)) && self.links.insert(target)
    }
}

/// Where the walk puts what it finds: candidates go straight to the caller.
struct Found<'a> {
    found: &'a mut dyn FnMut(Candidate),
    skipped: Vec<Skipped>,
}

fn has_json_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn io_reason(err: &walkdir::Error) -> String {
    if err.loop_ancestor().is_some() {
        return "symlink loop".into();
    }
    err.io_error()
        .map(|e| e.to_string())
        .unwrap_or_else(|| err.to_string())
}

/// `/`-separated path of `path` relative to `root`.
pub fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn build_excludes(root: &Path, excludes: &Excludes) -> Gitignore {
    let mut b = GitignoreBuilder::new(root);
    for p in &excludes.patterns {
        // Invalid patterns are rejected when the configuration is loaded; ignore here.
        let _ = b.add_line(None, p);
    }
    b.build().unwrap_or_else(|_| Gitignore::empty())
}

/// The `.gitignore` matchers of the directories from the root down to the one being
/// walked. The walk is depth-first, so a directory's matcher is needed only while the
/// walk is inside it: holding every directory's (as a map did) cost 7.5 MB of peak
/// heap at 10,000 files, for directories that have no `.gitignore` at all.
#[derive(Default)]
struct IgnoreStack {
    dirs: Vec<(PathBuf, Option<Gitignore>)>,
}

impl IgnoreStack {
    fn is_ignored(&mut self, root: &Path, path: &Path, is_dir: bool) -> bool {
        let Some(parent) = path.parent() else {
            return false;
        };
        // Leave the directories the walk has left, then enter the ones down to the parent.
        while self
            .dirs
            .last()
            .is_some_and(|(d, _)| !parent.starts_with(d))
        {
            self.dirs.pop();
        }
        let mut entering: Vec<&Path> = parent
            .ancestors()
            .take_while(|d| d.starts_with(root))
            .take_while(|d| self.dirs.last().is_none_or(|(top, _)| d != top))
            .collect();
        entering.reverse();
        for dir in entering {
            self.dirs.push((dir.to_path_buf(), load_gitignore(dir)));
        }
        // The deepest directory that has an opinion wins, as in git.
        let mut ignored = false;
        for gi in self.dirs.iter().filter_map(|(_, g)| g.as_ref()) {
            let m = gi.matched(path, is_dir);
            if m.is_ignore() {
                ignored = true;
            } else if m.is_whitelist() {
                ignored = false;
            }
        }
        ignored
    }
}

fn load_gitignore(dir: &Path) -> Option<Gitignore> {
    let file = dir.join(".gitignore");
    if !file.is_file() {
        return None;
    }
    let mut b = GitignoreBuilder::new(dir);
    b.add(&file);
    b.build().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names(d: &Discovery) -> Vec<&str> {
        d.files.iter().map(|c| c.rel.as_str()).collect()
    }

    /// Writes `{}` to each of `rels` below `root`.
    fn files(root: &Path, rels: &[&str]) {
        for f in rels {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "{}").unwrap();
        }
    }

    #[test]
    fn walks_skips_and_honours_gitignore() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        files(
            r,
            &[
                "a.json",
                "b.txt",
                "sub/c.JSON",
                "sub/d.jsonc",
                "node_modules/x.json",
                ".git/y.json",
                "out/z.json",
                "sub/keep/k.json",
                ".github/w.json",
            ],
        );
        fs::write(r.join(".gitignore"), "out/\nsub/keep/\n").unwrap();
        fs::write(r.join("sub/.gitignore"), "!keep/\n").unwrap();
        let d = discover(r, &Excludes::default()).unwrap();
        assert_eq!(
            names(&d),
            vec![
                ".github/w.json",
                "a.json",
                "sub/c.JSON",
                "sub/d.jsonc",
                "sub/keep/k.json"
            ]
        );
        let d = discover(r, &Excludes::new(vec!["sub/**".into()])).unwrap();
        assert_eq!(names(&d), vec![".github/w.json", "a.json"]);
    }

    #[test]
    fn a_gitignore_applies_only_below_its_directory() {
        // The walk enters and leaves directories: a sibling walked after a directory
        // with a `.gitignore`, or a parent's file after a nested one, is not under it.
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        files(
            r,
            &[
                "a/x.json",
                "a/deep/x.json",
                "a/deep/y.json",
                "a/z.json",
                "b/x.json",
                "b/deep/y.json",
                "x.json",
            ],
        );
        fs::write(r.join("a/.gitignore"), "x.json\n").unwrap();
        fs::write(r.join("a/deep/.gitignore"), "y.json\n").unwrap();
        let d = discover(r, &Excludes::default()).unwrap();
        assert_eq!(
            names(&d),
            vec!["a/z.json", "b/deep/y.json", "b/x.json", "x.json"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_stay_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.json"), "{}").unwrap();
        let r = t.path();
        fs::write(r.join("real.json"), "{}").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.json"), r.join("out.json")).unwrap();
        std::os::unix::fs::symlink(r.join("real.json"), r.join("alias.json")).unwrap();
        // Walked after the file it names: still the same file, listed once.
        std::os::unix::fs::symlink(r.join("real.json"), r.join("z-alias.json")).unwrap();
        std::os::unix::fs::symlink(r, r.join("loop")).unwrap();
        // A file walked before a symlink to it (the file is kept by a hash of its
        // path, the symlink's target whole).
        fs::write(r.join("b.json"), "{}").unwrap();
        std::os::unix::fs::symlink(r.join("b.json"), r.join("c-alias.json")).unwrap();
        let d = discover(r, &Excludes::default()).unwrap();
        assert_eq!(names(&d), vec!["alias.json", "b.json"]);
        // Through a symlinked root, and a root spelled with `..`: the same one file.
        let via = outside.path().join("via");
        std::os::unix::fs::symlink(r, &via).unwrap();
        assert_eq!(
            names(&discover(&via, &Excludes::default()).unwrap()),
            vec!["alias.json", "b.json"]
        );
        let dotted = r.join("..").join(r.file_name().unwrap());
        assert_eq!(
            names(&discover(&dotted, &Excludes::default()).unwrap()),
            vec!["alias.json", "b.json"]
        );
        assert!(d
            .skipped
            .iter()
            .any(|s| s.rel == "out.json" && s.reason.contains("outside")));
    }
}
