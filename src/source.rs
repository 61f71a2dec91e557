//! The files of one scan, kept for the renderers: a finding holds a file id and a
//! byte span; only a renderer turns those into lines and columns.
//!
//! A streaming scan does not keep every file's text: a file is registered with its path
//! and a fingerprint of its bytes, and read again when a renderer asks for it. Renderers
//! walk findings file by file, so one cached file (with its line index) serves them.

use crate::chunks::{Chunks, StrAt, Strings};
use crate::json::Span;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

pub type FileId = usize;

/// A set of file ids, one bit a file of the scan: a hash set of ids took 9 bytes or
/// more a member (two of them held 3.5 MB through a scan of 100,000 files).
#[derive(Debug, Default, Clone)]
pub struct FileSet(Vec<u64>);

impl FileSet {
    pub fn contains(&self, id: FileId) -> bool {
        self.0
            .get(id / 64)
            .is_some_and(|word| word & (1 << (id % 64)) != 0)
    }

    pub fn insert(&mut self, id: FileId) {
        let word = id / 64;
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (id % 64);
    }
}

impl FromIterator<FileId> for FileSet {
    fn from_iter<I: IntoIterator<Item = FileId>>(ids: I) -> FileSet {
        let mut set = FileSet::default();
        ids.into_iter().for_each(|id| set.insert(id));
        set
    }
}

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

/// Length and hash of a file's bytes: a file read again must be the file that was
/// scanned, or its lines would be shown under findings they do not belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub len: u64,
    pub hash: u64,
}

impl Fingerprint {
    /// A fast multiply-rotate hash over 8-byte words: it guards against a file
    /// edited during the scan, not against an adversary (SipHash cost 3% of a scan).
    pub fn of(bytes: &[u8]) -> Fingerprint {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut h: u64 = bytes.len() as u64;
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            h = (h ^ w).wrapping_mul(K).rotate_left(29);
        }
        for &b in words.remainder() {
            h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
        }
        Fingerprint {
            len: bytes.len() as u64,
            hash: h ^ (h >> 32),
        }
    }
}

#[derive(Debug, Clone)]
enum Text {
    Resident(Arc<str>),
    /// Read again (and decoded the same way) when needed, from its path.
    OnDisk {
        at: Place,
        print: Fingerprint,
    },
    /// In the table's store (a base revision's file, out of git): `len` bytes at
    /// `offset`.
    Stored {
        offset: u64,
        len: u64,
        print: Fingerprint,
        /// How much of its `rel` is the path in the revision (the rest is `@REF`).
        name_len: usize,
    },
}

/// Where a file not kept in memory is: a scan's files share a few roots, so a path is
/// kept as its root's number when it is that root followed by the file's `rel`, byte
/// for byte (a copy of every path was a third of what the file table held).
#[derive(Debug, Clone)]
enum Place {
    Under(u32),
    At(Box<Path>),
}

/// A registered file: its path in the scan's path table, and its text or where to
/// read it.
#[derive(Debug, Clone)]
struct Registered {
    rel: StrAt,
    text: Text,
}

/// What [`Sources::get`] gives of a file.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// Path relative to the scan root with `/` separators (or `path@REF` for a base revision).
    pub rel: &'a str,
}

/// The text of the file last asked for, with the byte offsets of its line starts.
#[derive(Debug)]
struct Cached {
    id: FileId,
    text: Arc<str>,
    lines: Arc<[usize]>,
    /// A `\r` that does not end a line with `\n` (see [`Sources::text_and_lines`]).
    lone_cr: bool,
}

/// All files a scan read, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Chunks<Registered>,
    /// The files' `rel`, end to end.
    paths: Strings,
    /// The paths that files' `rel` follow ([`Place::Under`]).
    roots: Vec<std::ffi::OsString>,
    cache: Mutex<Option<Cached>>,
    /// Line and column of (file, offset), computed ahead by [`Sources::prefetch`].
    positions: RwLock<Positions>,
    /// An anonymous temporary file holding the bytes of the files registered by
    /// [`Sources::add_stored`].
    /// (Read under a shared lock: readers do not wait for each other.)
    store: Option<Arc<RwLock<crate::spill::Disk>>>,
    /// The other files and folders (ending in `/`) a front end read to lower a file
    /// (a Terraform module's folder, a Bicep module): a change to them changes it.
    reads: std::collections::HashMap<FileId, Box<[Box<str>]>>,
    /// The base revision's files by folder (`rel` in the tree, folder without `/`).
    stored_dirs: std::collections::HashMap<String, Vec<FileId>>,
    /// Terraform variable files registered to be shown (a value's provenance), by path.
    var_files: std::collections::HashMap<Box<str>, FileId>,
}

impl Clone for Sources {
    fn clone(&self) -> Sources {
        Sources {
            files: self.files.clone(),
            paths: self.paths.clone(),
            roots: self.roots.clone(),
            cache: Mutex::new(None),
            positions: RwLock::new(self.positions.read().map(|p| p.clone()).unwrap_or_default()),
            store: self.store.clone(),
            reads: self.reads.clone(),
            stored_dirs: self.stored_dirs.clone(),
            var_files: self.var_files.clone(),
        }
    }
}

/// Line and column by (file, byte offset), packed in 16 bytes an entry: a scan keeps
/// one for each end of every reported site until the report (a tuple map took 32).
#[derive(Debug, Default, Clone)]
struct Positions(HashMap<u64, u64>);

impl Positions {
    /// Two numbers in one word; `None` when either does not fit 32 bits (the position is
    /// then computed when asked, not kept).
    fn pack(high: usize, low: usize) -> Option<u64> {
        Some(u64::from(u32::try_from(high).ok()?) << 32 | u64::from(u32::try_from(low).ok()?))
    }

    fn insert(&mut self, file: FileId, offset: usize, (line, col): (usize, usize)) {
        if let (Some(k), Some(v)) = (Self::pack(file, offset), Self::pack(line, col)) {
            self.0.insert(k, v);
        }
    }

    fn get(&self, file: FileId, offset: usize) -> Option<(usize, usize)> {
        let v = *self.0.get(&Self::pack(file, offset)?)?;
        Some(((v >> 32) as usize, (v & 0xFFFF_FFFF) as usize))
    }

    fn contains(&self, file: FileId, offset: usize) -> bool {
        self.get(file, offset).is_some()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// `text` has a `\r` not followed by `\n`.
pub(crate) fn lone_cr(text: &str) -> bool {
    // Most files have no `\r` at all: `contains` answers those at memchr speed.
    text.contains('\r')
        && text
            .split('\r')
            .skip(1)
            .any(|after| !after.starts_with('\n'))
}

/// Byte offsets of the line starts of `text`.
fn line_starts(text: &str) -> Arc<[usize]> {
    std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

/// `position` of each of `offsets` (any order, repeats allowed), sorted by offset:
/// for a job to place its findings while it has the file's text.
pub fn positions_of(text: &str, mut offsets: Vec<usize>) -> Vec<(usize, (usize, usize))> {
    offsets.sort_unstable();
    offsets.dedup();
    positions_in(text, &offsets)
}

/// `position` of each of `offsets` (ascending), in one forward pass that stops at the
/// last of them: no line index is built for a file asked about a few places.
fn positions_in(text: &str, offsets: &[usize]) -> Vec<(usize, (usize, usize))> {
    let bytes = text.as_bytes();
    // `column` is the 0-based column of `at`: counted on from the previous offset, not
    // from the line's start, so many findings on one long (minified) line cost one
    // pass over it rather than one each (quadratic at thousands of clusters).
    let (mut at, mut line, mut column) = (0, 1, 0);
    offsets
        .iter()
        .map(|&o| {
            let mut to = o.min(text.len());
            while !text.is_char_boundary(to) {
                to -= 1;
            }
            let seg = &bytes[at..to];
            match seg.iter().rposition(|&b| b == b'\n') {
                Some(last) => {
                    line += seg.iter().filter(|&&b| b == b'\n').count();
                    column = text[at + last + 1..to].chars().count();
                }
                None => column += text[at..to].chars().count(),
            }
            at = to;
            (o, (line, column + 1))
        })
        .collect()
}

/// 1-based line and column of `offset` (as [`crate::json::line_col`]).
fn position(text: &str, lines: &[usize], offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = lines.partition_point(|&s| s <= offset);
    let start = lines[line - 1];
    (line, text[start..offset].chars().count() + 1)
}

impl Sources {
    /// Registers a file whose text stays in memory.
    pub fn add(&mut self, rel: String, text: Arc<str>) -> FileId {
        let rel = self.paths.push(&rel);
        self.files.push(Registered {
            rel,
            text: Text::Resident(text),
        });
        self.files.len() - 1
    }

    /// Registers a file whose text is read again from `path` when needed.
    pub fn add_on_disk(&mut self, rel: String, path: PathBuf, print: Fingerprint) -> FileId {
        let at = self.place(&rel, path);
        let rel = self.paths.push(&rel);
        self.files.push(Registered {
            rel,
            text: Text::OnDisk { at, print },
        });
        self.files.len() - 1
    }

    /// Registers a file whose bytes are not on disk (a base revision's, out of git):
    /// they go to the table's store, an anonymous temporary file, and are read from
    /// there like a scanned file from disk.
    /// `rel` is registered as `rel` followed by `suffix` (`@REF`);
    /// [`Sources::path_in_tree`] gives `rel` back.
    pub fn add_stored(&mut self, rel: &str, suffix: &str, bytes: &[u8]) -> std::io::Result<FileId> {
        let store = match &self.store {
            Some(s) => s,
            None => self
                .store
                .insert(Arc::new(RwLock::new(crate::spill::Disk::create(
                    "the base revision's files",
                )?))),
        };
        let mut disk = store.write().unwrap_or_else(|p| p.into_inner());
        let offset = disk.len();
        disk.append(bytes)?;
        drop(disk);
        let text = Text::Stored {
            offset,
            len: bytes.len() as u64,
            print: Fingerprint::of(bytes),
            name_len: rel.len(),
        };
        let at = self.paths.push(&format!("{rel}{suffix}"));
        self.files.push(Registered { rel: at, text });
        let id = self.files.len() - 1;
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        self.stored_dirs
            .entry(dir.to_string())
            .or_default()
            .push(id);
        Ok(id)
    }

    /// Notes that the file `id` is the Terraform variable file at `rel`.
    pub fn set_var_file(&mut self, rel: &str, id: FileId) {
        self.var_files.insert(rel.into(), id);
    }

    /// The registered Terraform variable file at `rel`.
    pub fn var_file(&self, rel: &str) -> Option<FileId> {
        self.var_files.get(rel).copied()
    }

    /// Records what a front end read besides the file itself to lower it.
    pub fn set_reads(&mut self, id: FileId, reads: &[String]) {
        if !reads.is_empty() {
            self.reads
                .insert(id, reads.iter().map(|r| Box::from(r.as_str())).collect());
        }
    }

    /// The other files and folders (`dir/`) read to lower a file.
    pub fn reads(&self, id: FileId) -> &[Box<str>] {
        self.reads.get(&id).map_or(&[], |r| &r[..])
    }

    /// The base revision's files in folder `dir` (of the tree) stored with `suffix`.
    pub fn stored_in(&self, dir: &str, suffix: &str) -> Vec<FileId> {
        self.stored_dirs
            .get(dir)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&id| self.get(id).rel.ends_with(suffix))
            .collect()
    }

    /// The `@REF` of a base revision's file (`""` for others).
    pub fn suffix_of(&self, id: FileId) -> &str {
        let rel = self.get(id).rel;
        rel.get(self.path_in_tree(id).len()..).unwrap_or("")
    }

    /// A file's path in its tree: its `rel`, without the `@REF` of a base revision's
    /// file. What decides how the file is read (`.bicep`, `.tf`, JSON).
    pub fn path_in_tree(&self, id: FileId) -> &str {
        let rel = self.get(id).rel;
        match &self.files[id].text {
            Text::Stored { name_len, .. } => rel.get(..*name_len).unwrap_or(rel),
            _ => rel,
        }
    }

    /// Whether a file's text is held in memory (not read again from disk or the store).
    pub fn is_resident(&self, id: FileId) -> bool {
        matches!(self.files[id].text, Text::Resident(_))
    }

    /// A file's text read again, from disk or the store (`None`: it is held in
    /// memory); an error when its bytes are no longer the ones scanned.
    pub fn read_again(&self, id: FileId) -> Option<Result<String, String>> {
        match &self.files[id].text {
            Text::Resident(_) => None,
            Text::OnDisk { at, print } => {
                Some(crate::load::read_text(&self.path_of(id, at), *print))
            }
            Text::Stored {
                offset, len, print, ..
            } => {
                // (Registered only through `add_stored`, which makes the store.)
                let Some(store) = self.store.as_ref() else {
                    return Some(Err("cannot read the file again: it has no store".into()));
                };
                let mut bytes = vec![0; *len as usize];
                let read = store
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .read_at(&mut bytes, *offset);
                Some(match read {
                    Ok(n) if n == bytes.len() => crate::load::text_again(bytes, *print),
                    Ok(_) => Err("cannot read the file again: its copy is cut short".into()),
                    Err(e) => Err(format!("cannot read the file again: {e}")),
                })
            }
        }
    }

    /// Gives back the room the file table grew into beyond its files.
    pub fn shrink_to_fit(&mut self) {
        self.files.shrink_to_fit();
        self.paths.shrink_to_fit();
    }

    fn place(&mut self, rel: &str, path: PathBuf) -> Place {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let bytes = path.as_os_str().as_bytes();
            if let Some(root) = bytes.strip_suffix(rel.as_bytes()) {
                let root = std::ffi::OsStr::from_bytes(root);
                // Most files share the last root; a scan has few.
                let n = match self.roots.iter().rposition(|r| r == root) {
                    Some(n) => n,
                    None => {
                        self.roots.push(root.to_os_string());
                        self.roots.len() - 1
                    }
                };
                if let Ok(n) = u32::try_from(n) {
                    return Place::Under(n);
                }
            }
        }
        Place::At(path.into_boxed_path())
    }

    fn path_of(&self, id: FileId, at: &Place) -> PathBuf {
        match at {
            Place::Under(n) => {
                let mut p = self.roots[*n as usize].clone();
                p.push(self.get(id).rel);
                PathBuf::from(p)
            }
            Place::At(p) => p.to_path_buf(),
        }
    }

    pub fn get(&self, id: FileId) -> SourceFile<'_> {
        SourceFile {
            rel: self.paths.get(self.files[id].rel),
        }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Where a file not kept in memory is read from.
    pub fn disk_path(&self, id: FileId) -> Option<(PathBuf, Fingerprint)> {
        match &self.files[id].text {
            Text::OnDisk { at, print } => Some((self.path_of(id, at), *print)),
            Text::Resident(_) | Text::Stored { .. } => None,
        }
    }

    /// The text of a file. A file that changed on disk since it was scanned has no
    /// text any more (empty, with a warning on stderr): showing the new lines under
    /// the old findings would mislead.
    pub fn text(&self, id: FileId) -> Arc<str> {
        self.cached(id).0
    }

    /// A file's text with the byte offsets of its line starts (`\n`-terminated lines),
    /// and whether it has a `\r` that does not end a line with `\n` (a line break to
    /// some readers, not to the index); kept for the last file asked for.
    pub fn text_and_lines(&self, id: FileId) -> (Arc<str>, Arc<[usize]>, bool) {
        self.cached(id)
    }

    fn cached(&self, id: FileId) -> (Arc<str>, Arc<[usize]>, bool) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_ref().filter(|c| c.id == id) {
            return (c.text.clone(), c.lines.clone(), c.lone_cr);
        }
        let text = self.fetch(id);
        let lines = line_starts(&text);
        let cr = lone_cr(&text);
        *cache = Some(Cached {
            id,
            text: text.clone(),
            lines: lines.clone(),
            lone_cr: cr,
        });
        (text, lines, cr)
    }

    /// Computes, file by file on all cores, the line and column of every site a report
    /// will ask for: a streaming scan's renderers would otherwise read the files one
    /// after the other.
    pub fn prefetch(&self, sites: impl IntoIterator<Item = Site>) {
        use rayon::prelude::*;
        let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
        if let Ok(known) = self.positions.read() {
            for s in sites {
                for o in [s.start, s.end] {
                    if !known.contains(s.file, o) {
                        by_file.entry(s.file).or_default().push(o);
                    }
                }
            }
        }
        let found: Vec<(FileId, usize, (usize, usize))> = by_file
            .into_par_iter()
            .flat_map_iter(|(file, mut offsets)| {
                let text = self.fetch(file);
                offsets.sort_unstable();
                offsets.dedup();
                positions_in(&text, &offsets)
                    .into_iter()
                    .map(move |(o, p)| (file, o, p))
            })
            .collect();
        if let Ok(mut p) = self.positions.write() {
            for (file, o, at) in found {
                p.insert(file, o, at);
            }
        }
    }

    /// The text of a file, from memory or read again.
    fn fetch(&self, id: FileId) -> Arc<str> {
        if let Text::Resident(t) = &self.files[id].text {
            return t.clone();
        }
        match self.read_again(id) {
            Some(Ok(t)) => Arc::from(t),
            Some(Err(why)) => {
                crate::report::safe::warn_line(&format!(
                    "aksgate: {}: {why}; its lines are not shown",
                    self.get(id).rel
                ));
                Arc::from("")
            }
            None => Arc::from(""),
        }
    }

    /// 1-based line and column of a site's start (as [`crate::json::line_col`]).
    pub fn line_col(&self, site: Site) -> (usize, usize) {
        if let Some(p) = self
            .positions
            .read()
            .ok()
            .and_then(|p| p.get(site.file, site.start))
        {
            return p;
        }
        let (text, lines, _) = self.cached(site.file);
        position(&text, &lines, site.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_set_holds_exactly_its_members() {
        let members = [0, 1, 63, 64, 65, 200, 4095];
        let set: FileSet = members.into_iter().collect();
        for id in 0..5000 {
            assert_eq!(set.contains(id), members.contains(&id), "{id}");
        }
        assert!(!FileSet::default().contains(0));
    }

    #[test]
    fn paths_on_disk_are_given_back_exactly_and_share_their_roots() {
        let print = Fingerprint::of(b"{}");
        let mut s = Sources::default();
        let cases = [
            ("a/x.json", "/repo/a/x.json"),
            ("a/b/y.json", "/repo/a/b/y.json"),
            ("z.json", "./z.json"),
            ("x.json", "x.json"),
            ("other/x.json", "/elsewhere/x.json"),
            // A name shown lossily (not valid UTF-8) is not a suffix of its path.
            ("d/\u{FFFD}.json", "/repo/d/?.json"),
        ];
        let ids: Vec<FileId> = cases
            .iter()
            .map(|(rel, path)| s.add_on_disk(rel.to_string(), PathBuf::from(path), print))
            .collect();
        for (id, (_, path)) in ids.iter().zip(cases) {
            assert_eq!(s.disk_path(*id), Some((PathBuf::from(path), print)));
        }
        assert_eq!(s.roots, ["/repo/", "./", ""]);
    }

    #[test]
    fn lone_carriage_returns_are_found() {
        assert!(!lone_cr(""));
        assert!(!lone_cr("{\r\n  \"a\": 1\r\n}\r\n"));
        assert!(lone_cr("{\r  \"a\": 1\r\n}"));
        assert!(lone_cr("{}\r"));
        assert!(lone_cr("\r\r\n"));
    }

    #[test]
    fn packed_positions_round_trip_and_skip_what_does_not_fit() {
        let mut p = Positions::default();
        p.insert(7, 123_456, (4_000_000_000, 17));
        assert_eq!(p.get(7, 123_456), Some((4_000_000_000, 17)));
        assert_eq!(p.get(7, 123_457), None);
        assert_eq!(p.get(8, 123_456), None);
        // Past 32 bits nothing is kept, and nothing else is answered by mistake.
        p.insert(1 << 32, 5, (1, 1));
        p.insert(0, 5, (1 << 32, 1));
        assert_eq!(p.len(), 1);
        assert_eq!(p.get(1 << 32, 5), None);
        assert_eq!(p.get(0, 5), None);
    }

    #[test]
    fn line_col_matches_the_scanning_version() {
        let text = "{\n  \"a\": \"€x\",\r\n\n  \"b\": 1\n}";
        let mut s = Sources::default();
        let id = s.add("f.json".into(), Arc::from(text));
        for offset in 0..=text.len() + 3 {
            let site = Site {
                file: id,
                start: offset,
                end: offset,
            };
            assert_eq!(
                s.line_col(site),
                crate::json::line_col(text, offset),
                "{offset}"
            );
        }
    }

    /// A short site starting at every byte of `text`.
    fn every_offset(file: FileId, text: &str) -> Vec<Site> {
        (0..text.len())
            .map(|o| Site {
                file,
                start: o,
                end: (o + 3).min(text.len()),
            })
            .collect()
    }

    #[test]
    fn prefetched_positions_match_computed_ones() {
        let text = "{\n  \"a\": \"€x\",\r\n\n  \"b\": 1\n}";
        let mut s = Sources::default();
        let id = s.add("f.json".into(), Arc::from(text));
        let sites = every_offset(id, text);
        let computed: Vec<_> = sites.iter().map(|x| s.line_col(*x)).collect();
        s.prefetch(sites.iter().copied());
        assert_eq!(s.positions.read().unwrap().len(), text.len() + 1);
        let fetched: Vec<_> = sites.iter().map(|x| s.line_col(*x)).collect();
        assert_eq!(computed, fetched);
    }

    #[test]
    fn one_pass_positions_match_the_line_index() {
        let text = "{\n  \"a\": \"€x\",\r\n\n  \"b\": 1\n}\n";
        let lines = line_starts(text);
        let offsets: Vec<usize> = (0..=text.len() + 2).collect();
        let want: Vec<_> = offsets
            .iter()
            .map(|&o| (o, position(text, &lines, o)))
            .collect();
        assert_eq!(positions_in(text, &offsets), want);
        let sparse = [3, 17, 18, 25];
        assert_eq!(
            positions_in(text, &sparse),
            sparse.map(|o| (o, position(text, &lines, o))).to_vec()
        );
    }

    #[test]
    fn fingerprints_tell_edits_apart() {
        let a = Fingerprint::of(b"{\"outboundType\": \"loadBalancer\"}");
        let b = Fingerprint::of(b"{\"outboundType\": \"loadBalancex\"}");
        let c = Fingerprint::of(b"{\"outboundType\": \"loadBalancer\"} ");
        assert_ne!(a, b);
        assert_ne!(a.hash, c.hash);
        assert_eq!(a, Fingerprint::of(b"{\"outboundType\": \"loadBalancer\"}"));
        // A swap of two words changes it too.
        assert_ne!(
            Fingerprint::of(b"aaaaaaaabbbbbbbb").hash,
            Fingerprint::of(b"bbbbbbbbaaaaaaaa").hash
        );
    }

    #[test]
    fn a_file_on_disk_is_read_again_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, "{\n\"x\": 1}").unwrap();
        let mut s = Sources::default();
        let print = Fingerprint::of(b"{\n\"x\": 1}");
        let id = s.add_on_disk("t.json".into(), path.clone(), print);
        assert_eq!(&*s.text(id), "{\n\"x\": 1}");
        let other = s.add("o.json".into(), Arc::from("{}"));
        assert_eq!(&*s.text(other), "{}");
        // Changed behind aksgate's back: no text rather than the wrong lines.
        std::fs::write(&path, "{\n\"x\": 2}").unwrap();
        assert_eq!(&*s.text(id), "");
        assert_eq!(
            s.line_col(Site {
                file: id,
                start: 5,
                end: 5
            }),
            (1, 1)
        );
    }
}
