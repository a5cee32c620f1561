//! The worker pool every call runs on: its size, and stopping it.

use crate::boundary::boundary_here;
use crate::handle::out;
use crate::status::eng_status;

/// Sets the number of worker threads the library's calls run on; 0 means
/// one per available core (or the `ENGAGEMENT_THREADS` environment
/// variable, when set). Takes effect for the next call: a running pool of
/// another size is stopped first, as `eng_shutdown` does. 1 makes every
/// analysis single-threaded (on one worker). Results never depend on the
/// count, only the time they take does.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_CONFIG` (more than 1024).
///
/// Must not be called while another thread is inside a call of this library
/// (it would wait for that call to finish).
#[unsafe(no_mangle)]
pub extern "C" fn eng_set_threads(threads: usize) -> eng_status {
    boundary_here(|| Ok(engagement_core::threads::set_threads(threads)?))
}

/// Writes to `*out_threads` the number of worker threads the pool has, or
/// will start with on the next call.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `out_threads` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_threads(out_threads: *mut usize) -> eng_status {
    boundary_here(|| {
        // SAFETY: the caller's promise, forwarded.
        let out_threads = unsafe { out(out_threads, "out_threads")? };
        *out_threads = engagement_core::threads::threads();
        Ok(())
    })
}

/// Stops the worker pool: its threads finish, exit and are joined before
/// this returns, so a leak checker run at exit finds none alive. Handles
/// stay valid; the next call starts the pool again. Call it at the end of a
/// job (or before `exit`): results never need it, but without it the
/// workers are alive at exit and a leak checker reports their memory as
/// "possibly lost".
///
/// Must not be called while another thread is inside a call of this library
/// (it would wait for that call to finish).
#[unsafe(no_mangle)]
pub extern "C" fn eng_shutdown() {
    let _ = boundary_here(|| {
        engagement_core::threads::shutdown();
        Ok(())
    });
}
