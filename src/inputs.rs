//! `aksgate input`: the policy input document of every job, made by a streaming scan
//! as `check` makes them. Each document is written to an anonymous temporary file as
//! its job is evaluated, and the file is copied out in plan order: no document is held,
//! whatever the number of files (holding them all took 0.90 GB at 10,010 files).

use crate::compare::Compare;
use crate::engine::PolicyError;
use crate::resolve::Unit;
use crate::scan::{lock, NoProgress, ScanError, ScanOptions};
use crate::source::{FileId, Site, Sources};
use crate::spill::Disk;
use std::collections::HashSet;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Mutex;

/// Why `aksgate input` could not print the documents.
#[derive(Debug)]
pub enum InputsError {
    Scan(ScanError),
    /// The temporary file, or the output, could not be written.
    Io(io::Error),
}

impl std::fmt::Display for InputsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputsError::Scan(e) => e.fmt(f),
            InputsError::Io(e) => write!(f, "cannot write the input documents: {e}"),
        }
    }
}

impl std::error::Error for InputsError {}

/// What [`write_inputs`] wrote.
#[derive(Debug)]
pub struct Written {
    /// How many documents.
    pub documents: usize,
    /// The deployment files that could not be loaded, so have no document
    /// (`path:line:column: why`), in scan order.
    pub not_loaded: Vec<String>,
}

/// Writes the input documents of the scan `opts` asks for to `out`, as one pretty JSON
/// array (what `serde_json::to_string_pretty` makes of them, and a newline), with the
/// baselines of `--base` and `--baseline`.
pub fn write_inputs(opts: &ScanOptions, out: &mut dyn Write) -> Result<Written, InputsError> {
    let mut sink = Inputs {
        opts,
        compare: Compare::open(opts).map_err(InputsError::Scan)?,
        disk: Mutex::new(None),
        kept: Mutex::default(),
    };
    let streamed = crate::stream::run(opts, &NoProgress, &mut sink).map_err(InputsError::Scan)?;
    let disk = sink.disk.into_inner().unwrap_or_else(|p| p.into_inner());
    let kept = sink.kept.into_inner().unwrap_or_else(|p| p.into_inner());
    let docs: Vec<Range<u64>> = kept.slots.into_iter().flatten().collect();
    if let Some(e) = kept.error {
        return Err(InputsError::Io(e));
    }
    copy_out(disk.as_ref(), &docs, out).map_err(InputsError::Io)?;
    let mut failures = streamed.load_failures;
    for (site, message) in kept.unreadable {
        crate::scan::add_failure(&mut failures, site, message);
    }
    let sources = &streamed.sources;
    let reported = |rel: &str| sink.compare.as_ref().is_none_or(|c| c.reports_file(rel));
    let not_loaded = failures
        .into_iter()
        .filter(|(site, _)| reported(sources.get(site.file).rel))
        .map(|(site, message)| {
            let (line, col) = sources.line_col(site);
            format!("{}:{line}:{col}: {message}", sources.get(site.file).rel)
        })
        .collect();
    Ok(Written {
        documents: docs.len(),
        not_loaded,
    })
}

/// The array of the documents at `docs` in `disk`.
fn copy_out(disk: Option<&Disk>, docs: &[Range<u64>], out: &mut dyn Write) -> io::Result<()> {
    let Some(disk) = disk.filter(|_| !docs.is_empty()) else {
        return out.write_all(b"[]\n").and_then(|()| out.flush());
    };
    let mut buf = vec![0; 64 * 1024];
    out.write_all(b"[\n")?;
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        let mut at = doc.start;
        while at < doc.end {
            let want = buf.len().min((doc.end - at) as usize);
            let n = disk.read_at(&mut buf[..want], at)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            out.write_all(&buf[..n])?;
            at += n as u64;
        }
    }
    out.write_all(b"\n]\n")?;
    out.flush()
}

/// A document as an element of the pretty array: each line indented two spaces (a JSON
/// string holds no raw line break, so every line break is the printer's).
fn element(doc: &serde_json::Value) -> Vec<u8> {
    let text = serde_json::to_string_pretty(doc).expect("a JSON value serializes");
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(b"  ");
        out.extend_from_slice(line.as_bytes());
    }
    out
}

#[derive(Default)]
struct Kept {
    /// Where each job's document is in the temporary file, by job (`None`: the job has
    /// none, as its files could not be read again).
    slots: Vec<Option<Range<u64>>>,
    /// The first write that failed.
    error: Option<io::Error>,
    /// Files that changed since the first pass (their jobs have no document).
    unreadable: Vec<(Site, String)>,
}

struct Inputs<'a> {
    opts: &'a ScanOptions,
    compare: Option<Compare>,
    /// Created with the first document.
    disk: Mutex<Option<Disk>>,
    kept: Mutex<Kept>,
}

impl crate::stream::Sink for Inputs<'_> {
    /// Where the job's document was written (`None`: not reported, with
    /// `--changed-only`), or why it could not be.
    type Outcome = Option<io::Result<Range<u64>>>;
    /// No policy is evaluated.
    type Worker = ();

    fn worker(&self) {}

    fn planned(
        &mut self,
        plan: &crate::plan::Plan,
        sources: &mut Sources,
    ) -> Result<(), ScanError> {
        lock(&self.kept).slots = vec![None; plan.jobs.len()];
        match &mut self.compare {
            Some(c) => c.load(sources, plan.jobs.iter().map(|j| j.files()), self.opts),
            None => Ok(()),
        }
    }

    fn evaluate(
        &self,
        _worker: &mut (),
        _job: usize,
        unit: &mut Unit,
        sources: &Sources,
        _texts: &[(FileId, String)],
        _early: bool,
    ) -> Result<Self::Outcome, PolicyError> {
        if let Some(c) = &self.compare {
            if !c.attach(unit, sources).kept {
                return Ok(None);
            }
        }
        let network = crate::network::build(unit);
        let doc = crate::input::build(unit, sources, &network, &self.opts.options);
        let bytes = element(&doc);
        drop(doc);
        let mut disk = lock(&self.disk);
        let written = (|| {
            let disk = match &mut *disk {
                Some(d) => d,
                None => disk.insert(Disk::create("the input documents")?),
            };
            let start = disk.len();
            disk.append(&bytes)?;
            Ok(start..disk.len())
        })();
        Ok(Some(written))
    }

    fn keep(&self, job: usize, outcome: Result<Self::Outcome, PolicyError>) {
        let mut kept = lock(&self.kept);
        match outcome {
            Ok(Some(Ok(at))) => kept.slots[job] = Some(at),
            Ok(Some(Err(e))) => {
                kept.error.get_or_insert(e);
            }
            Ok(None) | Err(_) => {}
        }
    }

    /// A job's document that does not stand was written but is never read.
    fn take_back(&self, _jobs: HashSet<usize>) {}

    /// A job whose files changed since the first pass has no document; the file is
    /// named with those that could not be loaded.
    fn unreadable(&self, _job: usize, site: Site, message: String, _sources: &Sources) {
        lock(&self.kept).unreadable.push((site, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_make_the_pretty_array() {
        let docs = vec![
            serde_json::json!({"a": [1, {"b": "x\ny"}], "c": {}}),
            serde_json::json!([]),
        ];
        let bytes: Vec<Vec<u8>> = docs.iter().map(element).collect();
        let mut disk = Disk::create("a test").unwrap();
        let mut at = Vec::new();
        for b in &bytes {
            let start = disk.len();
            disk.append(b).unwrap();
            at.push(start..disk.len());
        }
        let mut out = Vec::new();
        copy_out(Some(&disk), &at, &mut out).unwrap();
        let want = serde_json::to_string_pretty(&docs).unwrap() + "\n";
        assert_eq!(String::from_utf8(out).unwrap(), want);
        let mut none = Vec::new();
        copy_out(None, &[], &mut none).unwrap();
        let empty: Vec<serde_json::Value> = Vec::new();
        assert_eq!(
            String::from_utf8(none).unwrap(),
            serde_json::to_string_pretty(&empty).unwrap() + "\n"
        );
    }
}
