//! C ABI of the engagement engine.
//!
//! This crate is the thin C face of `engagement-core`: it checks C
//! arguments, converts them, calls the core and converts back. The header
//! `include/engagement.h` is generated from it by cbindgen and committed.
//!
//! Conventions (every function's documentation in the header says which apply):
//!
//! - Every exported name starts with `eng_`. Fallible calls return an
//!   `eng_status` (`ENG_STATUS_OK` = 0); on failure
//!   `eng_last_error_message` gives a UTF-8 message for the calling thread.
//! - Handles are opaque and created by `eng_<type>_new`, released by
//!   `eng_<type>_free` (NULL is fine, twice is not).
//! - Input columns are pointer + length; a NULL pointer with length 0 is an
//!   empty column, a NULL pointer with a length is `ENG_STATUS_NULL_POINTER`.
//!   Strings (JSON configuration) are pointer + length in bytes, UTF-8, no
//!   NUL needed; NULL or empty means the defaults.
//! - Output columns are caller-provided buffers with a capacity `cap`; the
//!   number of rows goes to `*out_len`, which on `ENG_STATUS_BUFFER_TOO_SMALL`
//!   holds the size needed. Outputs are written only on success.
//! - Strings the library returns are freed with `eng_string_free`, never
//!   with `free()`.
//! - No panic crosses the boundary: it becomes `ENG_STATUS_PANIC`, and a
//!   handle whose mutating call panicked answers `ENG_STATUS_POISONED`.
//! - Threads: every call runs on the library's worker pool (the calling
//!   thread waits for it), started on the first call with one thread per
//!   core, or `ENGAGEMENT_THREADS`, or the count given to `eng_set_threads`
//!   (1: single-threaded). Its threads live until `eng_shutdown`, which
//!   stops and joins them (a later call starts them again): call it at the
//!   end of a job so that leak checkers find no thread alive at exit.
//!   Results never depend on the number of threads.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod arrow;
pub mod attribution;
mod boundary;
pub mod clv;
pub mod clv_model;
pub mod codes;
pub mod errors;
pub mod events;
pub mod experiment;
mod handle;
pub mod journey;
pub mod journey_state;
mod json;
pub mod label_map;
pub mod loyalty;
pub mod metrics;
pub mod partial;
pub mod profile_store;
pub mod segments;
pub mod status;
pub mod survival;
pub mod table;
pub mod threads;
pub mod touchpoints;
pub mod transactions;
pub mod triggers;

pub use errors::{eng_last_error_message, eng_status_name, eng_string_free};
pub use metrics::{eng_churn_summary, eng_nps_summary, eng_proportion};
pub use profile_store::eng_profile_store;
pub use segments::eng_segment_set;
pub use status::eng_status;
pub use touchpoints::eng_touchpoints;

/// ABI version of this header; bumped on every incompatible change to a
/// stable part (see "ABI" at the top of the header). 2: the transaction
/// summary writes frequencies as doubles, as the models take them. 3: every
/// call reading touchpoints takes them as one `eng_touchpoints` struct.
pub const ENG_ABI_VERSION: u32 = 3;

/// The ABI version of the library the program runs with: compare it with
/// `ENG_ABI_VERSION`, the version of the header it was compiled against, and
/// refuse to run when they differ. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn eng_abi_version() -> u32 {
    ENG_ABI_VERSION
}

/// The library version as a static NUL-terminated UTF-8 string (e.g. "0.1.0").
///
/// The returned pointer is owned by the library and valid for the life of the
/// process; do not free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn eng_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
