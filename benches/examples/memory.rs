//! Memory per customer: the heap a profile store holds after a bulk push, the
//! peak during the push, and a profiles partial's binary size. Counted by a
//! global allocator that adds up live bytes (exact, unlike RSS).
//!
//! Run: `cargo run --release -p engagement-bench --example memory`
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use engagement_core::partial::Partial;
use engagement_core::{ProfileStore, SignalConfig};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    println!(
        "customers  touchpoints  store bytes/customer  peak during push/customer  partial bytes/customer"
    );
    for (customers, per) in [(100_000, 10), (1_000_000, 10), (1_000_000, 1)] {
        let data = engagement_bench::touchpoints(customers * per, customers as u64, 7);
        let cols = data.columns();
        let base = LIVE.load(Relaxed);
        PEAK.store(base, Relaxed);
        let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
        store.push_columns(&cols).unwrap();
        let held = LIVE.load(Relaxed) - base;
        let peak = PEAK.load(Relaxed) - base;
        let n = store.len();
        let bytes = Partial::from_store(&store).to_bytes().unwrap().len();
        println!(
            "{n:>9}  {:>11}  {:>20.0}  {:>25.0}  {:>22.0}",
            cols.len(),
            held as f64 / n as f64,
            peak as f64 / n as f64,
            bytes as f64 / n as f64,
        );
    }
}
