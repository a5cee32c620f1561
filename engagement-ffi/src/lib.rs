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

    /// The unsafe paths of the boundary (slices from raw parts, output columns,
    /// owned strings and byte buffers, handles) in one test small enough for
    /// `cargo miri test` (scripts/miri), which checks them for undefined behaviour.
    #[test]
    fn raw_buffers_strings_and_handles() {
        use crate::partial::*;
        use crate::triggers::*;
        use std::ptr::{null, null_mut};
        // SAFETY: every pointer below is valid for its documented use, or NULL on purpose.
        unsafe {
            // A misaligned column is refused before it is read.
            let floats = [0f32; 4];
            let misaligned = floats.as_ptr().cast::<u8>().add(1).cast::<f32>();
            let mut nps = eng_nps_summary::default();
            assert_eq!(
                eng_nps(misaligned, 2, 0.95, &mut nps),
                eng_status::InvalidInput
            );
            // The last error, cut to a 4-byte buffer and NUL-terminated.
            let mut small = [1 as std::ffi::c_char; 4];
            let mut len = 0usize;
            assert_eq!(
                eng_last_error_message(small.as_mut_ptr(), 4, &mut len),
                eng_status::Ok
            );
            assert_eq!(small[3], 0);
            assert!(len > 3);
            // Output columns shorter than the result: the size needed, nothing written past.
            let mut store = null_mut();
            assert_eq!(eng_profile_store_new(null(), 0, &mut store), eng_status::Ok);
            let (c, t, ch, k, v) = (
                [1u64, 2, 3],
                [0i64, 5, 9],
                [1u8, 1, 0],
                [4u8, 4, 2],
                [3.0f64, 4.0, 0.0],
            );
            let (nf, nu) = (null::<f32>(), null::<u8>());
            assert_eq!(
                eng_profile_store_push(
                    store,
                    c.as_ptr(),
                    t.as_ptr(),
                    ch.as_ptr(),
                    k.as_ptr(),
                    v.as_ptr(),
                    nf,
                    nu,
                    3
                ),
                eng_status::Ok
            );
            let mut ids = [0u64; 2];
            let mut total = [0f64; 2];
            let mut n = 0usize;
            let nd = null_mut::<f64>();
            let status = eng_profile_store_scores(
                store,
                10,
                ids.as_mut_ptr(),
                total.as_mut_ptr(),
                nd,
                nd,
                nd,
                nd,
                2,
                &mut n,
            );
            assert_eq!((status, n), (eng_status::BufferTooSmall, 3));
            let mut ids = [0u64; 3];
            let mut total = [0f64; 3];
            let status = eng_profile_store_scores(
                store,
                10,
                ids.as_mut_ptr(),
                total.as_mut_ptr(),
                nd,
                nd,
                nd,
                nd,
                3,
                &mut n,
            );
            assert_eq!((status, n, ids), (eng_status::Ok, 3, [1, 2, 3]));
            // An owned JSON string, taken and freed.
            let mut json = null_mut();
            assert_eq!(
                eng_profile_store_profiles_json(store, &mut json, &mut len),
                eng_status::Ok
            );
            assert_eq!(std::ffi::CStr::from_ptr(json).to_bytes().len(), len);
            crate::errors::eng_string_free(json);
            // A partial through its binary form: size query, too small, written, read back.
            let spec = br#"{"kind": "profiles"}"#;
            let mut part = null_mut();
            assert_eq!(
                eng_partial_new(
                    spec.as_ptr().cast(),
                    spec.len(),
                    c.as_ptr(),
                    t.as_ptr(),
                    ch.as_ptr(),
                    k.as_ptr(),
                    v.as_ptr(),
                    nf,
                    nu,
                    3,
                    &mut part
                ),
                eng_status::Ok
            );
            let mut size = 0usize;
            assert_eq!(
                eng_partial_to_bytes(part, null_mut(), 0, &mut size),
                eng_status::BufferTooSmall
            );
            let mut buf = vec![0u8; size];
            assert_eq!(
                eng_partial_to_bytes(part, buf.as_mut_ptr(), size - 1, &mut len),
                eng_status::BufferTooSmall
            );
            assert_eq!(
                eng_partial_to_bytes(part, buf.as_mut_ptr(), size, &mut len),
                eng_status::Ok
            );
            let mut back = null_mut();
            assert_eq!(
                eng_partial_from_bytes(buf.as_ptr(), len, &mut back),
                eng_status::Ok
            );
            assert_eq!(
                eng_partial_from_bytes(buf.as_ptr(), len - 1, &mut back),
                eng_status::Corrupt
            );
            assert_eq!(eng_partial_merge(back, part), eng_status::Ok);
            eng_partial_free(back);
            eng_partial_free(part);
            // A streaming handle: push, advance, free.
            let rules = br#"{"rules": [{"name": "w", "action": "hello", "when": {"type": "first_touch"}}]}"#;
            let mut tr = null_mut();
            assert_eq!(
                eng_triggers_new(rules.as_ptr().cast(), rules.len(), &mut tr),
                eng_status::Ok
            );
            assert_eq!(
                eng_triggers_push_json(
                    tr,
                    c.as_ptr(),
                    t.as_ptr(),
                    ch.as_ptr(),
                    k.as_ptr(),
                    nd,
                    nf,
                    nu,
                    3,
                    &mut json,
                    null_mut()
                ),
                eng_status::Ok
            );
            crate::errors::eng_string_free(json);
            assert_eq!(
                eng_triggers_advance_json(tr, 100, &mut json, null_mut()),
                eng_status::Ok
            );
            assert!(std::ffi::CStr::from_ptr(json).to_bytes().starts_with(b"["));
            crate::errors::eng_string_free(json);
            eng_triggers_free(tr);
            eng_profile_store_free(store);
        }
    }
}
