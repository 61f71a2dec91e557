//! Limits on what a policy may take: time, memory and stack (issue 18 item 9).
//!
//! regorus's execution timer stops an evaluation at its next check, but a builtin runs
//! to its end without one (`sprintf` with a width of 1e9, `net.cidr_expand` of a /8,
//! `numbers.range` over a billion numbers), and a recursive function overflows the
//! stack, which no thread survives. So:
//! - user functions and rules that call themselves are refused when the policies are
//!   loaded ([`crate::policy_graph`]), before anything is evaluated;
//! - evaluation runs on threads with [`EVAL_STACK_BYTES`] of stack;
//! - every evaluation is registered here while it runs ([`watch`]); a watchdog thread
//!   ends the process with exit 2, naming the policy and the deployment, when one runs
//!   past its time limit by more than the grace a timer check needs, or when the heap
//!   grows past [`MEMORY_LIMIT_BYTES`] while a policy runs; the binary's allocator
//!   refuses a single allocation past that limit the same way ([`huge_allocation`])
//!   instead of aborting. A limit hit is never a pass.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Stack of the threads that evaluate policies: regorus's interpreter recurses over
/// the policy's expressions; a policy file is at most 1 MB.
pub const EVAL_STACK_BYTES: usize = 64 * 1024 * 1024;

/// The heap a scan may hold while a policy runs. A scan of 10,000 files peaks under
/// 100 MB; a policy that needs gigabytes is a runaway.
pub const MEMORY_LIMIT_BYTES: usize = 2 * 1024 * 1024 * 1024;

/// How often the watchdog looks.
const TICK: Duration = Duration::from_millis(5);

struct Running {
    /// "the built-in pack", "policy data.x (file)", "test data.x.test_y (file)"
    policy: String,
    /// The deployment evaluated (none for a policy test).
    deployment: Option<String>,
    limit: Option<Duration>,
    started: Instant,
}

impl Running {
    /// "policy data.x (file) on deployment d.json"
    fn what(&self) -> String {
        match &self.deployment {
            Some(d) => format!("{} on deployment {d}", self.policy),
            None => self.policy.clone(),
        }
    }
}

thread_local! {
    /// The slot of the evaluation this thread runs, for the allocator's check.
    static CURRENT: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

static RUNNING: Mutex<Vec<Option<Running>>> = Mutex::new(Vec::new());
/// Evaluations in flight: the allocator's check reads only this.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static WATCHDOG: OnceLock<()> = OnceLock::new();

/// An evaluation registered with the watchdog; dropping it ends the watch.
pub struct Watch {
    slot: usize,
}

impl Drop for Watch {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(usize::MAX));
        if let Ok(mut running) = RUNNING.lock() {
            running[self.slot] = None;
        }
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The time an evaluation may run past its limit before the watchdog stops the
/// process: the timer's own error is the normal way out.
fn grace(limit: Duration) -> Duration {
    (limit / 2).max(Duration::from_millis(250))
}

/// Registers an evaluation of `policy` on `deployment` limited to `limit` (none:
/// memory only).
pub fn watch(policy: String, deployment: Option<&str>, limit: Option<Duration>) -> Watch {
    WATCHDOG.get_or_init(|| {
        let _ = std::thread::Builder::new()
            .name("aksgate-policy-watchdog".into())
            .spawn(watchdog);
    });
    let entry = Running {
        policy,
        deployment: deployment.map(str::to_string),
        limit,
        started: Instant::now(),
    };
    let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    let slot = match running.iter().position(Option::is_none) {
        Some(i) => {
            running[i] = Some(entry);
            i
        }
        None => {
            running.push(Some(entry));
            running.len() - 1
        }
    };
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    CURRENT.with(|c| c.set(slot));
    Watch { slot }
}

fn watchdog() {
    loop {
        std::thread::sleep(TICK);
        if IN_FLIGHT.load(Ordering::SeqCst) == 0 {
            continue;
        }
        let heap = allocated_bytes();
        let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        for r in running.iter().flatten() {
            if let Some(limit) = r.limit {
                if r.started.elapsed() > limit + grace(limit) {
                    stop(
                        r,
                        &format!(
                            "exceeded the policy time limit of {} ms (--policy-timeout, policy_timeout_ms) in a builtin that does not stop at the limit; stopped",
                            limit.as_millis()
                        ),
                    );
                }
            }
            if heap.is_some_and(|h| h > MEMORY_LIMIT_BYTES) {
                stop(
                    r,
                    &format!(
                        "exceeded the policy memory limit of {} MB; stopped",
                        MEMORY_LIMIT_BYTES >> 20
                    ),
                );
            }
        }
    }
}

/// Ends this process: with a run of the same command that evaluates everything but
/// `r`'s deployment when that can be done ([`crate::policy_restart`]), else exit 2,
/// the tool could not do its job.
fn stop(r: &Running, why: &str) -> ! {
    let safe = crate::report::safe::one_line_for_log;
    if let Some(deployment) = r.deployment.as_deref() {
        if crate::policy_restart::possible(deployment) {
            {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(
                    err,
                    "aksgate: {} {}; the scan runs again without evaluating this deployment",
                    safe(&r.what()),
                    safe(why)
                );
                let _ = err.flush();
            }
            crate::policy_restart::restart(crate::policy_restart::Stopped {
                policy: r.policy.clone(),
                deployment: deployment.to_string(),
                message: why.to_string(),
            });
        }
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "aksgate: error: {} {}", safe(&r.what()), safe(why));
    let _ = err.flush();
    // `_exit`, not `exit`: the other threads are still running, and exit handlers run
    // under them changed the status of a process stopped this way.
    #[cfg(unix)]
    // SAFETY: ends the process at once; nothing of it is used after.
    unsafe {
        libc::_exit(2)
    }
    #[cfg(not(unix))]
    std::process::exit(2)
}

/// Called by the binary's allocator before it hands out `bytes` at once, when that is
/// more than [`MEMORY_LIMIT_BYTES`]. While a policy runs, the allocation is the policy's
/// (nothing else in a scan asks for gigabytes): the process stops with exit 2 naming
/// it, rather than aborting when the system refuses. Otherwise it returns.
#[inline(always)]
pub fn huge_allocation(bytes: usize) {
    // Inlined into the allocator (another crate): every allocation pays this compare.
    if bytes > MEMORY_LIMIT_BYTES {
        refuse_while_a_policy_runs(bytes);
    }
}

#[cold]
#[inline(never)]
fn refuse_while_a_policy_runs(bytes: usize) {
    if IN_FLIGHT.load(Ordering::SeqCst) == 0 {
        return;
    }
    // The watchdog or another worker may hold the list for a moment: wait a little
    // (never block: the holder may be this thread), so the message names the policy.
    let mut running = RUNNING.try_lock();
    for _ in 0..200 {
        if running.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
        running = RUNNING.try_lock();
    }
    // This thread's evaluation on a deployment: the scan can go on without it. Small
    // allocations are safe here (they pass this check and go to jemalloc).
    if let Ok(running) = &running {
        let slot = CURRENT.with(|c| c.get());
        if let Some(Some(r)) = running.get(slot) {
            if r.deployment
                .as_deref()
                .is_some_and(crate::policy_restart::possible)
            {
                stop(
                    r,
                    &format!(
                        "asked for {} GB at once, over the policy memory limit of 2 GB; stopped",
                        gigabytes(bytes)
                    ),
                );
            }
        }
    }
    // No allocation from here on: the message is written from fixed parts.
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(b"aksgate: error: a policy asked for ");
    let _ = err.write_all(gigabytes(bytes).as_bytes());
    let _ = err.write_all(b" GB at once, over the policy memory limit of 2 GB; stopped");
    if let Ok(running) = running {
        for r in running.iter().flatten() {
            let _ = err.write_all(b" (running: ");
            let _ = err.write_all(r.policy.as_bytes());
            if let Some(d) = &r.deployment {
                let _ = err.write_all(b" on deployment ");
                let _ = err.write_all(d.as_bytes());
            }
            let _ = err.write_all(b")");
        }
    }
    let _ = err.write_all(b"\n");
    let _ = err.flush();
    // `_exit`, not `exit`: the other threads are still running, and exit handlers run
    // under them changed the status of a process stopped this way.
    #[cfg(unix)]
    // SAFETY: ends the process at once; nothing of it is used after.
    unsafe {
        libc::_exit(2)
    }
    #[cfg(not(unix))]
    std::process::exit(2)
}

/// `bytes` in whole gigabytes, formatted without allocating (at most 20 digits).
fn gigabytes(bytes: usize) -> &'static str {
    static mut BUF: [u8; 20] = [0; 20];
    let mut n = bytes >> 30;
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // SAFETY: written once, by the one thread that then exits the process.
    #[allow(static_mut_refs)]
    unsafe {
        for i in 0..len {
            BUF[i] = digits[len - 1 - i];
        }
        std::str::from_utf8(&BUF[..len]).unwrap_or("?")
    }
}

/// Bytes the allocator has handed out and not taken back (jemalloc's
/// `stats.allocated`, refreshed by an `epoch` write).
fn allocated_bytes() -> Option<usize> {
    let mut epoch: u64 = 1;
    let mut allocated: usize = 0;
    let mut len = std::mem::size_of::<usize>();
    // SAFETY: documented mallctl names, NUL-terminated, with buffers of the documented
    // types (`epoch` is u64, `stats.allocated` is size_t).
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"epoch".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            (&mut epoch as *mut u64).cast(),
            std::mem::size_of::<u64>(),
        );
        let rc = tikv_jemalloc_sys::mallctl(
            c"stats.allocated".as_ptr(),
            (&mut allocated as *mut usize).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        );
        (rc == 0).then_some(allocated)
    }
}

/// Runs `f` on a thread with [`EVAL_STACK_BYTES`] of stack and returns its result.
pub fn with_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("aksgate-eval".into())
            .stack_size(EVAL_STACK_BYTES)
            .spawn_scoped(s, f)
            .expect("spawn an evaluation thread")
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gigabytes_are_written_without_allocating() {
        assert_eq!(gigabytes(24 << 30), "24");
    }

    #[test]
    fn the_grace_is_half_the_limit_and_at_least_a_quarter_second() {
        assert_eq!(grace(Duration::from_secs(10)), Duration::from_secs(5));
        assert_eq!(grace(Duration::from_millis(1)), Duration::from_millis(250));
    }
}
