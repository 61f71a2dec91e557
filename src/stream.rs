//! The two passes of a streaming scan, shared by `check`, `audit` and `input`: a first
//! pass reads every file once and keeps what planning needs; then each job's files are
//! read again, resolved, given what they reference of the scan's network, and handed to
//! a [`Sink`] (`check` evaluates and sorts findings, with their baselines when compared;
//! `audit` also builds its inventory rows; `input` writes the policy input documents).
//! No job's unit outlives its evaluation.

use crate::engine::PolicyError;
use crate::plan::{Facts, Job, LinkIndex, Plan};
use crate::resolve::{self, Unit};
use crate::scan::{self, Progress, ScanError, ScanOptions, Stats};
use crate::source::{FileId, FileSet, Site, Sources};
use crate::suppress::Inline;
use rayon::prelude::*;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The texts of the files a job read, by file.
type Texts = Vec<(FileId, String)>;

/// What a streaming scan does with each job once its unit is resolved and carries what
/// it references of the scan's network.
pub(crate) trait Sink: Sync {
    /// What a job leaves once evaluated.
    type Outcome: Send;
    /// What each worker thread evaluates with (a policy engine).
    type Worker;
    /// A worker thread's own [`Sink::Worker`].
    fn worker(&self) -> Self::Worker;
    /// Planning is done and the passes are next: what the sink needs of the plan, and
    /// files it adds to `sources` (a base revision's, to compare with).
    fn planned(&mut self, _plan: &Plan, _sources: &mut Sources) -> Result<(), ScanError> {
        Ok(())
    }
    /// Evaluates a job's complete unit (the sink may add to it: baselines). `texts`:
    /// the files the job read, to place findings without reading them a third time. `early`: in the network pass,
    /// before the network index is complete; the outcome may be taken back.
    fn evaluate(
        &self,
        engine: &mut Self::Worker,
        job: usize,
        unit: &mut Unit,
        sources: &Sources,
        texts: &[(FileId, String)],
        early: bool,
    ) -> Result<Self::Outcome, PolicyError>;
    /// The job's outcome stands.
    fn keep(&self, job: usize, outcome: Result<Self::Outcome, PolicyError>);
    /// The early outcomes of these jobs (plan positions) do not stand: the jobs are
    /// evaluated again. (Only outcomes the sink already let go of are concerned; those
    /// it returned are dropped.)
    fn take_back(&self, jobs: HashSet<usize>);
    /// One of a job's files could not be read again (it changed since the first pass).
    fn unreadable(&self, job: usize, site: Site, message: String, sources: &Sources);
}

/// What a streaming scan leaves besides what its sink gathered.
pub(crate) struct Streamed {
    pub sources: Sources,
    /// Files that could not be loaded in the first pass: AKS901.
    pub load_failures: Vec<(Site, String)>,
    pub stats: Stats,
    /// Comment suppressions.
    pub inline: Vec<Inline>,
    /// How many jobs the plan had.
    pub jobs: usize,
}

/// A job finished by the network pass that asks something of the scan's network: its
/// outcome holds unless the complete index gives it something. (The outcome of a job
/// that asks nothing is kept at once: every finished job's outcome kept until the
/// index was complete held 12 MB at 100,000 files.)
struct Waiting<O> {
    job: usize,
    done: Result<O, PolicyError>,
    demand: crate::network::Demand,
}

/// The scan's network during the main pass: the index, and the jobs its entries came
/// from, deployed again when a cluster references one of their resources. The last few
/// jobs' network resources are cached: clusters that share a network reference the
/// same few.
struct Network<'a> {
    shared: crate::network::Shared,
    jobs: &'a [Job],
    sources: &'a Sources,
    links: &'a LinkIndex,
    recent: Mutex<Vec<(usize, Arc<Vec<resolve::Resource>>)>>,
}

impl Network<'_> {
    const CACHED_JOBS: usize = 16;

    fn fetch(&self, e: &crate::network::Entry) -> Option<resolve::Resource> {
        let cached = self.recent.lock().ok().and_then(|recent| {
            recent
                .iter()
                .find(|(j, _)| *j == e.origin)
                .map(|(_, r)| Arc::clone(r))
        });
        let resources = match cached {
            Some(r) => r,
            None => {
                // The first pass read this job's files; one that changed since is left
                // out here and reported when its own job runs.
                let job = &self.jobs[e.origin];
                let docs = scan::job_docs(job, None, self.sources).ok()?;
                let unit = scan::resolve_job(
                    job,
                    &docs,
                    self.sources,
                    self.links,
                    &scan::path_in(self.sources),
                );
                let r: Arc<Vec<resolve::Resource>> = Arc::new(
                    crate::network::shared_resources(&unit)
                        .map(crate::network::detached)
                        .collect(),
                );
                if let Ok(mut recent) = self.recent.lock() {
                    if recent.len() >= Self::CACHED_JOBS {
                        recent.remove(0);
                    }
                    recent.push((e.origin, Arc::clone(&r)));
                }
                r
            }
        };
        resources.iter().find(|r| r.site == e.site).cloned()
    }
}

/// Runs both passes, handing every job to `sink`; `progress` hears of the files and
/// the jobs.
pub(crate) fn run<S: Sink>(
    opts: &ScanOptions,
    progress: &dyn Progress,
    sink: &mut S,
) -> Result<Streamed, ScanError> {
    let timing = scan::Timing::new();
    let mut index = scan::index(opts, progress, false)?;
    timing.mark("discover+load");
    let plan = scan::plan_of(&index, &opts.pairs);
    progress.planned(plan.jobs.len());
    sink.planned(&plan, &mut index.sources)?;
    let sink = &*sink;
    // Planning was what the facts were for, but for two flags: drop the rest (their
    // parameter names are most of what the first pass keeps per file).
    let facts = std::mem::take(&mut index.facts);
    let files_with = |want: fn(&Facts) -> bool| -> FileSet {
        facts
            .iter()
            .filter(|(_, f)| want(f))
            .map(|(id, _)| *id)
            .collect()
    };
    // A standalone agent pool may deploy into another file's cluster: then every
    // cluster is shared across files like a network (and evaluated in the first pass).
    let pools = facts.iter().any(|(_, f)| f.pools);
    let network = files_with(if pools {
        |f: &Facts| f.network || f.cluster
    } else {
        |f: &Facts| f.network
    });
    let clusters = files_with(|f| f.cluster);
    drop(facts);
    crate::heap::release();
    let sources = &index.sources;
    // A job's unit and the texts of the files it read; or the file that changed.
    let resolve = |j: &Job| -> Result<(Unit, Texts), (FileId, String)> {
        let docs = scan::job_docs(j, None, sources)?;
        let unit = scan::resolve_job(j, &docs, sources, &plan.links, &scan::path_in(sources));
        Ok((unit, scan::texts_of(docs)))
    };

    // The network pass: the jobs that can deploy network resources every cluster may
    // reference, in plan order (the first pairing to deploy a resource wins). A job
    // without a cluster needs nothing from the others, so it is finished here.
    // A job that also deploys a cluster is evaluated here too, before the index is
    // complete, as if no other file's network were referenced; the index checks that
    // afterwards (`Demand`), and only a job it proves wrong is evaluated again. That
    // spares resolving these jobs, often a repository's largest templates, twice.
    // Each job's network resources are kept by job, and added to the index in plan
    // order once all are known.
    let entries = Mutex::new((Vec::new(), crate::text::Pool::default()));
    let waiting = Mutex::new(Vec::new());
    // Whether the network pass finished a job for good: a waiting job is not, until the
    // complete index says its outcome stands.
    let mut done_early: Vec<bool> = plan
        .jobs
        .par_iter()
        .enumerate()
        .map_init(
            || sink.worker(),
            |engine, (origin, j)| {
                if !j.files().any(|f| network.contains(f)) {
                    return false;
                }
                // A file that cannot be read again is reported by the main pass.
                let Ok((mut unit, texts)) = resolve(j) else {
                    return false;
                };
                let mut own = crate::network::Shared::entries_of(origin, &unit);
                if !own.is_empty() {
                    let (all, keys) = &mut *scan::lock(&entries);
                    own.iter_mut().for_each(|e| e.share_keys(keys));
                    all.push((origin, own));
                }
                let demand = if j.files().any(|f| clusters.contains(f)) {
                    crate::network::Demand::of(&unit)
                } else {
                    None
                };
                crate::network::assume_subnets(std::slice::from_mut(&mut unit));
                let done = sink.evaluate(engine, origin, &mut unit, sources, &texts, true);
                match demand {
                    None => {
                        sink.keep(origin, done);
                        true
                    }
                    Some(mut demand) => {
                        demand.share_keys(&mut scan::lock(&entries).1);
                        scan::lock(&waiting).push(Waiting {
                            job: origin,
                            done,
                            demand,
                        });
                        false
                    }
                }
            },
        )
        .collect();
    let (mut entries, _) = entries
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    entries.sort_unstable_by_key(|(origin, _)| *origin);
    let mut shared = crate::network::Shared::default();
    for (_, own) in entries {
        shared.add_entries(own);
    }
    let shared = shared.finish();
    // The waiting outcomes that stand: a job's stands unless the complete index gives
    // it something. The others are evaluated again below.
    let mut taken_back = HashSet::new();
    let waiting: Vec<Waiting<S::Outcome>> = waiting
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for w in waiting {
        if shared.wanted(&w.demand, sources).is_empty() {
            sink.keep(w.job, w.done);
            done_early[w.job] = true;
        } else {
            taken_back.insert(w.job);
        }
    }
    if !taken_back.is_empty() {
        sink.take_back(taken_back);
    }
    let network = Network {
        shared,
        jobs: &plan.jobs,
        sources,
        links: &plan.links,
        recent: Default::default(),
    };
    crate::heap::release();
    timing.mark("network");

    // Each job's outcome is handed over as it finishes: nothing is kept per job.
    plan.jobs
        .par_iter()
        .zip(&done_early)
        .enumerate()
        .for_each_init(
            || sink.worker(),
            |engine, (job, (j, done_early))| {
                if *done_early {
                    return;
                }
                let (mut unit, texts) = match resolve(j) {
                    Ok(r) => r,
                    Err((file, message)) => {
                        let site = Site::new(file, crate::json::Span::default());
                        sink.unreadable(job, site, message, sources);
                        return;
                    }
                };
                let n = &network;
                n.shared
                    .attach(&mut unit, sources, &mut |i| n.fetch(n.shared.entry(i)));
                crate::network::assume_subnets(std::slice::from_mut(&mut unit));
                let done = sink.evaluate(engine, job, &mut unit, sources, &texts, false);
                sink.keep(job, done);
            },
        );
    crate::heap::release();
    timing.mark("resolve+evaluate");

    let jobs = plan.jobs.len();
    let scan::Index {
        sources,
        load_failures,
        stats,
        inline,
        ..
    } = index;
    Ok(Streamed {
        sources,
        load_failures,
        stats,
        inline,
        jobs,
    })
}
