//! The C boundary through the public entry points: the version string, the last error message,
//! pointers refused before they are read, output columns too short for the result, owned strings.
//! Small enough for `cargo miri test` (scripts/miri), which checks the unsafe paths for undefined
//! behaviour. (That a panic becomes `ENG_STATUS_PANIC` is a unit test in `src/boundary.rs`: no
//! entry point panics on purpose.)

use std::ffi::{CStr, c_char};
use std::ptr::{null, null_mut};

use engagement::errors::{eng_last_error_message, eng_string_free};
use engagement::metrics::{eng_nps, eng_nps_summary, eng_proportion, eng_wilson};
use engagement::profile_store::{
    eng_profile_store_free, eng_profile_store_new, eng_profile_store_profiles_json,
    eng_profile_store_push, eng_profile_store_scores,
};
use engagement::{eng_status, eng_version};

#[test]
fn version_is_the_crate_version() {
    // SAFETY: eng_version returns a pointer to a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(eng_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn a_failed_call_sets_the_last_message() {
    let mut out = eng_proportion::default();
    // SAFETY: `out` is a valid output location.
    let status = unsafe { eng_wilson(3, 2, 0.95, &mut out) };
    assert_eq!(status, eng_status::InvalidInput);
    let mut buf = [0 as c_char; 256];
    let mut len = 0usize;
    // SAFETY: buf holds 256 bytes; len is writable.
    unsafe {
        assert_eq!(
            eng_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len),
            eng_status::Ok
        );
    }
    // SAFETY: the message was NUL-terminated within buf.
    let msg = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
    assert!(msg.contains("successes"), "{msg}");
    assert_eq!(len, msg.len());
    // A NULL buffer with capacity 0 asks for the length only; a small one gets the message cut
    // and NUL-terminated.
    let mut asked = 0usize;
    // SAFETY: NULL with cap 0 is allowed; `asked` is writable.
    unsafe {
        assert_eq!(
            eng_last_error_message(null_mut(), 0, &mut asked),
            eng_status::Ok
        );
    }
    assert_eq!(asked, len);
    let mut small = [1 as c_char; 4];
    // SAFETY: small holds 4 bytes; len is writable.
    unsafe {
        assert_eq!(
            eng_last_error_message(small.as_mut_ptr(), 4, &mut len),
            eng_status::Ok
        );
    }
    assert_eq!((small[3], len), (0, asked));
}

#[test]
fn a_misaligned_column_is_refused_before_it_is_read() {
    let floats = [0f32; 4];
    // One byte into an f32 array: not aligned for f32 (never dereferenced).
    let misaligned = floats.as_ptr().cast::<u8>().wrapping_add(1).cast::<f32>();
    let mut nps = eng_nps_summary::default();
    // SAFETY: the library checks the alignment before reading; `nps` is writable.
    let status = unsafe { eng_nps(misaligned, 2, 0.95, &mut nps) };
    assert_eq!(status, eng_status::InvalidInput);
}

/// Output columns shorter than the result give the size needed and nothing is written past
/// them; an owned JSON string is taken and freed.
#[test]
fn short_output_columns_and_owned_strings() {
    let (customer, time, channel, kind, value) = (
        [1u64, 2, 3],
        [0i64, 5, 9],
        [1u8, 1, 0],
        [4u8, 4, 2],
        [3.0f64, 4.0, 0.0],
    );
    let mut store = null_mut();
    // SAFETY: every pointer is valid for its documented use, or NULL on purpose.
    unsafe {
        assert_eq!(eng_profile_store_new(null(), 0, &mut store), eng_status::Ok);
        assert_eq!(
            eng_profile_store_push(
                store,
                &engagement::eng_touchpoints {
                    len: 3,
                    customer: customer.as_ptr(),
                    time: time.as_ptr(),
                    channel: channel.as_ptr(),
                    kind: kind.as_ptr(),
                    value: value.as_ptr(),
                    ..Default::default()
                }
            ),
            eng_status::Ok
        );
        let scores = |ids: &mut [u64], total: &mut [f64], n: &mut usize| {
            let none = null_mut::<f64>();
            eng_profile_store_scores(
                store,
                10,
                ids.as_mut_ptr(),
                total.as_mut_ptr(),
                none,
                none,
                none,
                none,
                ids.len(),
                n,
            )
        };
        let mut n = 0usize;
        let (mut ids, mut total) = ([0u64; 2], [0f64; 2]);
        let status = scores(&mut ids, &mut total, &mut n);
        assert_eq!((status, n, ids), (eng_status::BufferTooSmall, 3, [0, 0]));
        let (mut ids, mut total) = ([0u64; 3], [0f64; 3]);
        let status = scores(&mut ids, &mut total, &mut n);
        assert_eq!((status, n, ids), (eng_status::Ok, 3, [1, 2, 3]));
        let mut json = null_mut();
        let mut len = 0usize;
        assert_eq!(
            eng_profile_store_profiles_json(store, &mut json, &mut len),
            eng_status::Ok
        );
        assert_eq!(CStr::from_ptr(json).to_bytes().len(), len);
        eng_string_free(json);
        eng_string_free(null_mut());
        eng_profile_store_free(store);
    }
}
