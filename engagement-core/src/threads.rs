//! The worker pool the C and Python faces run the engine's analyses on.
//!
//! Analyses split their work over threads with rayon. Called from Rust, they
//! use whatever rayon pool the caller runs them in (rayon's global pool, or
//! one of the application's own, through `ThreadPool::install`): this module
//! changes nothing there. The C and Python faces run every call through
//! [`install`] instead, on one pool this module owns, so that a host can
//! bound its size ([`set_threads`]) and stop its threads ([`shutdown`]):
//! leak checkers count threads still alive at exit, and a CRM's service
//! decides how many cores a nightly job may take.
//!
//! The pool starts on first use with [`threads`] workers: the count set by
//! [`set_threads`], else the `ENGAGEMENT_THREADS` environment variable, else
//! one per available core. Results never depend on the count (every analysis
//! combines its parts in a fixed order), only the time they take does.
//!
//! # Examples
//!
//! ```
//! use engagement_core::threads;
//! threads::set_threads(2)?;
//! assert_eq!(threads::threads(), 2);
//! let sum: u64 = threads::install(|| {
//!     use rayon::prelude::*;
//!     (1..=100u64).into_par_iter().sum()
//! });
//! assert_eq!(sum, 5050);
//! threads::shutdown();   // the workers have exited; the next install starts new ones
//! # Ok::<(), engagement_core::EngError>(())
//! ```

use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use crate::error::{EngError, Result};

/// The most workers the pool takes.
pub const MAX_THREADS: usize = 1024;

/// Stack size of each worker: the size of a main thread's on common systems,
/// so that a call behaves as it would on the caller's own thread.
const STACK_BYTES: usize = 8 << 20;

struct Pool {
    pool: Arc<rayon::ThreadPool>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// The running pool (none before the first call and after a shutdown), and
/// the count set for the next one (0: the default).
static POOL: RwLock<Option<Pool>> = RwLock::new(None);
static WANTED: RwLock<usize> = RwLock::new(0);

fn default_threads() -> usize {
    std::env::var("ENGAGEMENT_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| (1..=MAX_THREADS).contains(&n))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The number of workers the pool has, or will start with.
pub fn threads() -> usize {
    if let Some(p) = POOL.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return p.pool.current_num_threads();
    }
    wanted()
}

/// The count the next pool starts with.
fn wanted() -> usize {
    match *WANTED.read().unwrap_or_else(|e| e.into_inner()) {
        0 => default_threads(),
        n => n,
    }
}

/// Sets the number of workers (`0`: back to the default, see the
/// [module docs](self)). A running pool of another size is shut down first
/// (as [`shutdown`]), so calls after this one use the new count.
///
/// # Errors
/// [`EngError::Config`] for more than [`MAX_THREADS`].
pub fn set_threads(n: usize) -> Result<()> {
    if n > MAX_THREADS {
        return Err(EngError::config(
            "threads",
            format!("{n} workers asked; at most {MAX_THREADS} (0 means one per core)"),
        ));
    }
    *WANTED.write().unwrap_or_else(|e| e.into_inner()) = n;
    let wanted = if n == 0 { default_threads() } else { n };
    let running = POOL
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|p| p.pool.current_num_threads());
    if running.is_some_and(|r| r != wanted) {
        shutdown();
    }
    Ok(())
}

/// Stops the pool: its workers finish the calls they are running, exit and
/// are joined before this returns. A later call starts a new pool. Must not
/// be called from inside a call running on the pool (it would wait for
/// itself); the faces never do.
pub fn shutdown() {
    let taken = POOL.write().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(Pool { pool, workers }) = taken {
        // Dropping the last handle of the pool tells its workers to exit once
        // idle; calls still running hold their own handle until they return.
        drop(pool);
        let handles = std::mem::take(&mut *workers.lock().unwrap_or_else(|e| e.into_inner()));
        for h in handles {
            let _ = h.join();
        }
        // The work-stealing deques register each worker with crossbeam's
        // epoch collector, and free a worker's record only at a later
        // collection; run collections until the exited workers' records are
        // freed, so that nothing of the pool outlives it.
        for _ in 0..4 {
            crossbeam_epoch::pin().flush();
        }
    }
}

fn start(n: usize) -> Result<Pool> {
    let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
    let spawned = Arc::clone(&workers);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("engagement-{i}"))
        .stack_size(STACK_BYTES)
        .spawn_handler(move |thread| {
            let mut b = std::thread::Builder::new().stack_size(STACK_BYTES);
            if let Some(name) = thread.name() {
                b = b.name(name.to_owned());
            }
            let handle = b.spawn(|| thread.run())?;
            spawned
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(handle);
            Ok(())
        })
        .build()
        .map_err(|e| EngError::config("threads", format!("cannot start {n} workers: {e}")))?;
    Ok(Pool {
        pool: Arc::new(pool),
        workers,
    })
}

/// The pool, started if need be.
fn pool() -> Result<Arc<rayon::ThreadPool>> {
    if let Some(p) = POOL.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return Ok(Arc::clone(&p.pool));
    }
    let mut slot = POOL.write().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = slot.as_ref() {
        return Ok(Arc::clone(&p.pool));
    }
    let started = start(wanted())?;
    let pool = Arc::clone(&started.pool);
    *slot = Some(started);
    Ok(pool)
}

/// Runs `f` on the pool and returns its result (a panic in `f` resumes on
/// the caller's thread). When the pool cannot start (the system refuses
/// threads), `f` runs on the caller's thread in rayon's global pool.
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test, as the pool is global state.
    #[test]
    fn counts_shutdown_and_results_that_do_not_depend_on_the_count() {
        use rayon::prelude::*;
        let work = || {
            install(|| {
                (0..10_000u64)
                    .into_par_iter()
                    .map(|x| (x as f64).sqrt())
                    .sum::<f64>()
            })
        };
        set_threads(1).unwrap();
        assert_eq!(threads(), 1);
        let one = work();
        assert_eq!(install(rayon::current_num_threads), 1);
        set_threads(3).unwrap();
        assert_eq!(install(rayon::current_num_threads), 3);
        assert_eq!(threads(), 3);
        let _ = work();
        shutdown();
        assert_eq!(threads(), 3, "the count stays for the next pool");
        assert!(install(|| std::thread::current()
            .name()
            .unwrap()
            .starts_with("engagement-")));
        assert!(set_threads(MAX_THREADS + 1).is_err());
        set_threads(0).unwrap();
        assert_eq!(threads(), default_threads());
        assert!(one.is_finite());
        let caught = std::panic::catch_unwind(|| install(|| panic!("inside")));
        assert!(caught.is_err(), "a panic comes back to the caller");
        assert_eq!(install(|| 7), 7, "the pool survives a panicking call");
        shutdown();
    }
}
