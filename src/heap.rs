//! Heap accounting for memory work: with the `heap-stats` feature, the binary's
//! allocator counts the bytes it holds, and `AKSGATE_TIMING` prints them per phase
//! (RSS alone cannot tell live data from what the allocator keeps for reuse).

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Bytes allocated and not yet freed, and the most there ever were, when counted.
pub fn live_and_peak() -> Option<(usize, usize)> {
    cfg!(feature = "heap-stats").then(|| (LIVE.load(Relaxed), PEAK.load(Relaxed)))
}

/// jemalloc, counting what it hands out.
#[cfg(feature = "heap-stats")]
pub struct Counting;

#[cfg(feature = "heap-stats")]
fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded unchanged to jemalloc; only counters are added.
#[cfg(feature = "heap-stats")]
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: std::alloc::Layout) -> *mut u8 {
        grew(l.size());
        tikv_jemallocator::Jemalloc.alloc(l)
    }

    unsafe fn alloc_zeroed(&self, l: std::alloc::Layout) -> *mut u8 {
        grew(l.size());
        tikv_jemallocator::Jemalloc.alloc_zeroed(l)
    }

    unsafe fn dealloc(&self, p: *mut u8, l: std::alloc::Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        tikv_jemallocator::Jemalloc.dealloc(p, l)
    }

    unsafe fn realloc(&self, p: *mut u8, l: std::alloc::Layout, size: usize) -> *mut u8 {
        if size > l.size() {
            grew(size - l.size());
        } else {
            LIVE.fetch_sub(l.size() - size, Relaxed);
        }
        tikv_jemallocator::Jemalloc.realloc(p, l, size)
    }
}

/// What returns the allocator's freed pages to the system, when the binary has one
/// ([`set_release`]); a library user's allocator is left alone.
static RELEASE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Registers how to return freed pages to the system (the binary's allocator knows).
pub fn set_release(f: fn()) {
    let _ = RELEASE.set(f);
}

/// Returns the pages freed so far to the system, between phases of a scan: a phase's
/// short-lived trees would otherwise stay resident under the next phase's allocations.
pub fn release() {
    if let Some(f) = RELEASE.get() {
        f();
    }
}
