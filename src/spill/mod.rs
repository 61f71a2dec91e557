//! Findings kept off the heap: a scan's findings grow with the repository, so past a
//! budget they go to an anonymous temporary file, in sorted runs that are merged when
//! the report is written. The report then reads them back one at a time.
//!
//! - [`Sorter`] takes the findings in any order, each with a sequence number that
//!   breaks ties as insertion order would (the scan numbers them in plan order, so the
//!   result does not depend on which worker finished first).
//! - [`Sorter::discard`] takes back findings already pushed (the network pass's, for a
//!   job evaluated again), from memory or as the runs are read.
//! - [`Sorter::into_sorted`] merges them in report order without duplicates.
//! - [`Findings`] holds the settled findings (severities and suppressions applied) and
//!   the few the settling adds, and hands them to each renderer as often as it asks.
//!
//! Small scans never touch the disk: a [`Sorter`] within its budget sorts in memory,
//! and [`Findings`] keeps its records in memory up to the same budget.

mod codec;
mod file;
pub(crate) use file::Disk;

use crate::finding::{Finding, Severity};
use crate::source::{FileId, Site, Sources};
use crate::text::Text;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::io;

use file::Records;

/// The budget when `AKSGATE_SPILL_BYTES` does not set one: about 3,000 findings.
pub const DEFAULT_BUDGET: usize = 2 << 20;

/// The memory budget, in bytes, for findings held at once: `AKSGATE_SPILL_BYTES` (0
/// spills every finding; the tests use that to run the disk path on small inputs).
pub fn budget() -> usize {
    std::env::var("AKSGATE_SPILL_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_BUDGET)
}

/// Findings in any order, kept within a memory budget.
pub struct Sorter {
    budget: usize,
    held: Vec<(u64, Box<Finding>)>,
    held_bytes: usize,
    disk: Option<Disk>,
    runs: Vec<std::ops::Range<u64>>,
    /// Findings taken back after they were pushed (by sequence number): dropped as the
    /// runs are read.
    discarded: Vec<Discard>,
    /// The first write error: reported by [`Sorter::into_sorted`], so that pushing
    /// from many workers needs no error path.
    error: Option<io::Error>,
}

impl Default for Sorter {
    fn default() -> Sorter {
        Sorter::with_budget(budget())
    }
}

impl Sorter {
    pub fn with_budget(budget: usize) -> Sorter {
        Sorter {
            budget,
            held: Vec::new(),
            held_bytes: 0,
            disk: None,
            runs: Vec::new(),
            discarded: Vec::new(),
            error: None,
        }
    }

    /// Takes back every finding whose sequence number `which` selects, pushed already
    /// or not: a scan that evaluated a job early and then again keeps only one answer.
    pub fn discard(&mut self, which: impl Fn(u64) -> bool + Send + Sync + 'static) {
        self.held.retain(|(seq, _)| !which(*seq));
        self.held_bytes = self.held.iter().map(|(_, f)| f.approx_bytes()).sum();
        if !self.runs.is_empty() {
            self.discarded.push(Box::new(which));
        }
    }

    /// Adds a finding; `seq` orders it among findings that sort equal.
    pub fn push(&mut self, seq: u64, f: Box<Finding>, sources: &Sources) {
        self.held_bytes += f.approx_bytes();
        self.held.push((seq, f));
        if self.held_bytes > self.budget {
            self.spill(sources);
        }
    }

    /// How many sorted runs went to disk.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    fn sort_held(&mut self, sources: &Sources) {
        self.held
            .sort_unstable_by(|(sa, a), (sb, b)| Finding::order(a, b, sources).then(sa.cmp(sb)));
    }

    /// Writes the held findings to disk as one sorted run.
    fn spill(&mut self, sources: &Sources) {
        self.sort_held(sources);
        let held = std::mem::take(&mut self.held);
        self.held_bytes = 0;
        if self.error.is_some() {
            return;
        }
        let written = (|| {
            let disk = match &mut self.disk {
                Some(d) => d,
                None => self.disk.insert(Disk::create("the findings")?),
            };
            let start = disk.len();
            let mut chunk = Vec::with_capacity(64 << 10);
            for (seq, f) in &held {
                codec::encode(f, *seq, &mut chunk)?;
                if chunk.len() >= 64 << 10 {
                    disk.append(&chunk)?;
                    chunk.clear();
                }
            }
            disk.append(&chunk)?;
            Ok(start..disk.len())
        })();
        match written {
            Ok(run) => self.runs.push(run),
            Err(e) => self.error = Some(e),
        }
    }

    /// The findings in report order (file, position, rule, message, parameter file),
    /// each duplicate (same rule, place and message) after the first dropped.
    pub fn into_sorted(mut self, sources: &Sources) -> io::Result<Merge> {
        if self.runs.is_empty() {
            self.sort_held(sources);
            if let Some(e) = self.error {
                return Err(e);
            }
            return Ok(Merge {
                from: Held::Memory(self.held.into_iter()),
                last: None,
            });
        }
        if !self.held.is_empty() {
            self.spill(sources);
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        let disk = std::sync::Arc::new(self.disk.take().expect("runs were written"));
        // Files ranked by path, equal paths equal: the merge compares numbers.
        let mut ids: Vec<FileId> = (0..sources.len()).collect();
        ids.sort_by(|a, b| sources.get(*a).rel.cmp(sources.get(*b).rel));
        let mut ranks = vec![0u32; sources.len()];
        let mut rank = 0u32;
        for (i, id) in ids.iter().enumerate() {
            if i > 0 && sources.get(ids[i - 1]).rel != sources.get(*id).rel {
                rank += 1;
            }
            ranks[*id] = rank;
        }
        // Each run's reader buffers at most this much; all of them, about the budget.
        let chunk = (self.budget / self.runs.len()).clamp(4 << 10, 256 << 10);
        let mut readers = Vec::with_capacity(self.runs.len());
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        for (run, range) in self.runs.iter().enumerate() {
            let mut r = Records::new(disk.clone(), range.clone(), chunk);
            if let Some(next) = next_kept(&mut r, &self.discarded) {
                let (seq, f) = next?;
                heap.push(Head::new(&ranks, seq, f, run));
            }
            readers.push(r);
        }
        Ok(Merge {
            from: Held::Runs {
                heap,
                readers,
                ranks,
                discarded: self.discarded,
            },
            last: None,
        })
    }
}

/// Selects findings taken back, by sequence number.
type Discard = Box<dyn Fn(u64) -> bool + Send + Sync>;

/// The next finding of a run, skipping those discarded.
fn next_kept(
    r: &mut Records<'static>,
    discarded: &[Discard],
) -> Option<io::Result<(u64, Finding)>> {
    loop {
        match r.next()? {
            Ok((seq, _)) if discarded.iter().any(|d| d(seq)) => continue,
            other => return Some(other),
        }
    }
}

/// A run's next finding, ordered for a min-heap.
struct Head {
    rank: u32,
    seq: u64,
    f: Box<Finding>,
    run: usize,
}

impl Head {
    fn new(ranks: &[u32], seq: u64, f: Finding, run: usize) -> Head {
        Head {
            rank: ranks.get(f.primary.file).copied().unwrap_or(u32::MAX),
            seq,
            f: Box::new(f),
            run,
        }
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Head) -> Ordering {
        Finding::order_by(&self.f, &other.f, |_, _| self.rank.cmp(&other.rank))
            .then(self.seq.cmp(&other.seq))
            .reverse()
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Head) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Head) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

/// Where a [`Merge`] reads from: the sorter's memory, or its runs on disk.
enum Held {
    Memory(std::vec::IntoIter<(u64, Box<Finding>)>),
    Runs {
        heap: BinaryHeap<Head>,
        readers: Vec<Records<'static>>,
        ranks: Vec<u32>,
        discarded: Vec<Discard>,
    },
}

/// The findings of a [`Sorter`] in report order, read as they are asked for.
pub struct Merge {
    from: Held,
    /// The rule, place and message of the last finding given: the next is dropped
    /// when it repeats them.
    last: Option<(Text, Site, Text)>,
}

impl Merge {
    fn next_any(&mut self) -> Option<io::Result<Box<Finding>>> {
        match &mut self.from {
            Held::Memory(it) => it.next().map(|(_, f)| Ok(f)),
            Held::Runs {
                heap,
                readers,
                ranks,
                discarded,
            } => {
                let head = heap.pop()?;
                match next_kept(&mut readers[head.run], discarded) {
                    Some(Ok((seq, f))) => heap.push(Head::new(ranks, seq, f, head.run)),
                    Some(Err(e)) => return Some(Err(e)),
                    None => {}
                }
                Some(Ok(head.f))
            }
        }
    }
}

impl Iterator for Merge {
    type Item = io::Result<Box<Finding>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let f = match self.next_any()? {
                Ok(f) => f,
                Err(e) => return Some(Err(e)),
            };
            let repeat = self.last.as_ref().is_some_and(|(rule, primary, message)| {
                *rule == f.rule && *primary == f.primary && *message == f.message
            });
            if repeat {
                continue;
            }
            self.last = Some((f.rule.clone(), f.primary, f.message.clone()));
            return Some(Ok(f));
        }
    }
}

/// Counts of the settled findings, known before any is written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Not suppressed, by severity (note, warning, error).
    active: [usize; 3],
    pub suppressed: usize,
}

impl Tally {
    fn index(s: Severity) -> usize {
        match s {
            Severity::Note => 0,
            Severity::Warning => 1,
            Severity::Error => 2,
        }
    }

    pub fn add(&mut self, f: &Finding) {
        if f.suppression.is_some() {
            self.suppressed += 1;
        } else {
            self.active[Self::index(f.severity)] += 1;
        }
    }

    /// Findings not suppressed, of severity `s`.
    pub fn active(&self, s: Severity) -> usize {
        self.active[Self::index(s)]
    }

    pub fn total(&self) -> usize {
        self.active.iter().sum::<usize>() + self.suppressed
    }

    /// Whether a finding not suppressed is at `fail_on` or above.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.active[Self::index(fail_on)..].iter().any(|n| *n > 0)
    }
}

/// The settled findings, in report order: the sorted stream, written once, and the few
/// added after it (suppressions that matched nothing), merged in as they are read.
pub struct Findings {
    /// The records, when they fit the budget; otherwise on `disk`.
    memory: Vec<u8>,
    disk: Option<std::sync::Arc<Disk>>,
    later: Vec<Finding>,
    tally: Tally,
}

impl Findings {
    /// Collects findings already in report order.
    pub fn collect(
        sorted: impl IntoIterator<Item = io::Result<Box<Finding>>>,
    ) -> io::Result<Findings> {
        Findings::collect_within(sorted, budget())
    }

    pub fn collect_within(
        sorted: impl IntoIterator<Item = io::Result<Box<Finding>>>,
        budget: usize,
    ) -> io::Result<Findings> {
        let (mut memory, mut disk, mut tally) = (Vec::new(), None::<Disk>, Tally::default());
        for f in sorted {
            let f = f?;
            tally.add(&f);
            codec::encode(&f, 0, &mut memory)?;
            if memory.len() > budget {
                let d = match &mut disk {
                    Some(d) => d,
                    None => disk.insert(Disk::create("the findings")?),
                };
                d.append(&memory)?;
                memory.clear();
            }
        }
        if let Some(d) = &mut disk {
            d.append(&memory)?;
            memory = Vec::new();
        }
        memory.shrink_to_fit();
        Ok(Findings {
            memory,
            disk: disk.map(std::sync::Arc::new),
            later: Vec::new(),
            tally,
        })
    }

    /// Adds findings in any order (a handful): they are sorted into the others as
    /// they are read, after those they sort equal to.
    pub fn add(&mut self, more: impl IntoIterator<Item = Finding>, sources: &Sources) {
        for f in more {
            self.tally.add(&f);
            self.later.push(f);
        }
        self.later.sort_by(|a, b| Finding::order(a, b, sources));
    }

    pub fn tally(&self) -> Tally {
        self.tally
    }

    pub fn len(&self) -> usize {
        self.tally.total()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every finding, in report order. Each call reads them anew.
    pub fn iter<'a>(&'a self, sources: &'a Sources) -> Iter<'a> {
        let stored = match &self.disk {
            Some(d) => Records::new(d.clone(), 0..d.len(), 64 << 10),
            None => Records::in_memory(&self.memory),
        };
        Iter {
            stored,
            next_stored: None,
            later: self.later.iter().peekable(),
            sources,
        }
    }
}

/// See [`Findings::iter`].
pub struct Iter<'a> {
    stored: Records<'a>,
    next_stored: Option<Finding>,
    later: std::iter::Peekable<std::slice::Iter<'a, Finding>>,
    sources: &'a Sources,
}

impl Iterator for Iter<'_> {
    type Item = io::Result<Finding>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_stored.is_none() {
            match self.stored.next() {
                Some(Ok((_, f))) => self.next_stored = Some(f),
                Some(Err(e)) => return Some(Err(e)),
                None => {}
            }
        }
        let take_later = match (&self.next_stored, self.later.peek()) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(s), Some(l)) => Finding::order(l, s, self.sources) == Ordering::Less,
        };
        if take_later {
            self.later.next().map(|f| Ok(f.clone()))
        } else {
            self.next_stored.take().map(Ok)
        }
    }
}

#[cfg(test)]
mod tests;
