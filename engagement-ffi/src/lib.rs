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
//! - Journey analyses (funnels, transitions, attribution paths) run on every
//!   core through a global thread pool started on first use and kept until
//!   the process exits; the environment variable `RAYON_NUM_THREADS` limits
//!   it. Their results do not depend on the number of threads.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod attribution;
mod boundary;
pub mod clv;
pub mod codes;
pub mod errors;
pub mod experiment;
mod handle;
pub mod journey;
mod json;
pub mod loyalty;
pub mod metrics;
pub mod partial;
pub mod profile_store;
pub mod segments;
pub mod status;
pub mod survival;
pub mod transactions;
pub mod triggers;

pub use errors::{eng_last_error_message, eng_status_name, eng_string_free};
pub use metrics::{eng_churn_summary, eng_nps_summary, eng_proportion};
pub use profile_store::eng_profile_store;
pub use segments::eng_segment_set;
pub use status::eng_status;

/// The library version as a static NUL-terminated UTF-8 string (e.g. "0.1.0").
///
/// The returned pointer is owned by the library and valid for the life of the
/// process; do not free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn eng_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::*;
    use crate::profile_store::*;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: eng_version returns a pointer to a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(eng_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn errors_set_the_last_message_and_panics_are_caught() {
        let mut out = eng_proportion::default();
        // SAFETY: `out` is a valid output location.
        let status = unsafe { eng_wilson(3, 2, 0.95, &mut out) };
        assert_eq!(status, eng_status::InvalidInput);
        let mut buf = [0 as std::ffi::c_char; 256];
        let mut len = 0usize;
        // SAFETY: buf holds 256 bytes; len is writable.
        assert_eq!(
            unsafe { eng_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len) },
            eng_status::Ok
        );
        // SAFETY: the message was NUL-terminated within buf.
        let msg = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
            .to_str()
            .unwrap();
        assert!(msg.contains("successes"), "{msg}");
        assert_eq!(len, msg.len());
        let status = crate::boundary::boundary(|| panic!("boom"));
        assert_eq!(status, eng_status::Panic);
        // SAFETY: NULL buffer with cap 0 asks for the length only.
        assert_eq!(
            unsafe { eng_last_error_message(std::ptr::null_mut(), 0, &mut len) },
            eng_status::Ok
        );
        assert!(len > 0);
    }

    #[test]
    fn store_round_trip_and_bad_arguments() {
        let mut store: *mut eng_profile_store = std::ptr::null_mut();
        // SAFETY: every pointer below is valid for its documented use.
        unsafe {
            assert_eq!(
                eng_profile_store_new(std::ptr::null(), 0, &mut store),
                eng_status::Ok
            );
            let customer = [2u64, 1, 2];
            let time = [0i64, 0, 86_400];
            let channel = [1u8, 0, 1];
            let kind = [4u8, 2, 4];
            let value = [10.0f64, 0.0, 5.0];
            let (nf, nu, nd) = (
                std::ptr::null::<f32>(),
                std::ptr::null::<u8>(),
                std::ptr::null::<f64>(),
            );
            let nc = std::ptr::null::<u64>();
            assert_eq!(
                eng_profile_store_push(
                    store,
                    customer.as_ptr(),
                    time.as_ptr(),
                    channel.as_ptr(),
                    kind.as_ptr(),
                    value.as_ptr(),
                    nf,
                    nu,
                    3
                ),
                eng_status::Ok
            );
            assert_eq!(
                eng_profile_store_push(
                    store,
                    nc,
                    time.as_ptr(),
                    channel.as_ptr(),
                    kind.as_ptr(),
                    nd,
                    nf,
                    nu,
                    3
                ),
                eng_status::NullPointer
            );
            let bad_kind = [99u8, 4, 4];
            assert_eq!(
                eng_profile_store_push(
                    store,
                    customer.as_ptr(),
                    time.as_ptr(),
                    channel.as_ptr(),
                    bad_kind.as_ptr(),
                    nd,
                    nf,
                    nu,
                    3
                ),
                eng_status::InvalidInput
            );
            let mut n = 0usize;
            assert_eq!(eng_profile_store_len(store, &mut n), eng_status::Ok);
            assert_eq!(n, 2);
            let mut ids = [0u64; 1];
            let mut total = [0f64; 1];
            let np = std::ptr::null_mut();
            assert_eq!(
                eng_profile_store_scores(
                    store,
                    86_400,
                    ids.as_mut_ptr(),
                    total.as_mut_ptr(),
                    np,
                    np,
                    np,
                    np,
                    1,
                    &mut n
                ),
                eng_status::BufferTooSmall
            );
            assert_eq!(n, 2);
            let mut ids = [0u64; 2];
            let mut stages = [0u8; 2];
            assert_eq!(
                eng_profile_store_stages(
                    store,
                    86_400,
                    std::ptr::null(),
                    0,
                    ids.as_mut_ptr(),
                    stages.as_mut_ptr(),
                    2,
                    &mut n
                ),
                eng_status::Ok
            );
            assert_eq!((ids, stages), ([1, 2], [1, 3])); // engaged, repeat
            let mut json: *mut std::ffi::c_char = std::ptr::null_mut();
            assert_eq!(
                eng_profile_store_profiles_json(store, &mut json, &mut n),
                eng_status::Ok
            );
            let text = std::ffi::CStr::from_ptr(json).to_str().unwrap().to_owned();
            assert!(text.starts_with("[{\"customer\":1"), "{text}");
            eng_string_free(json);
            eng_profile_store_free(store);
            eng_profile_store_free(std::ptr::null_mut());
            let cfg = b"{\"mix\": 3}";
            let mut other: *mut eng_profile_store = std::ptr::null_mut();
            assert_eq!(
                eng_profile_store_new(cfg.as_ptr().cast(), cfg.len(), &mut other),
                eng_status::Json
            );
            assert!(other.is_null());
            let bad_utf8 = [0xffu8, 0xfe];
            assert_eq!(
                eng_profile_store_new(bad_utf8.as_ptr().cast(), 2, &mut other),
                eng_status::InvalidUtf8
            );
        }
    }
}
