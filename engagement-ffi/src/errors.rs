//! Status names, the last error message, and library-allocated strings.

use std::ffi::c_char;

use crate::boundary::{Failure, boundary_here, set_last_error, with_last_error};
use crate::handle::out;
use crate::status::eng_status;

/// The static name of a status code, e.g. `"ENG_STATUS_CONFIG"`, or
/// `"ENG_STATUS_UNKNOWN"` for a number that is no status.
///
/// The returned string is owned by the library and lives for the whole
/// process: do not free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn eng_status_name(status: u32) -> *const c_char {
    let name = eng_status::ALL
        .iter()
        .find(|s| **s as u32 == status)
        .map_or("ENG_STATUS_UNKNOWN\0", |s| s.name());
    name.as_ptr().cast()
}

/// Copies the calling thread's last error message (UTF-8) into `buf`.
///
/// At most `cap - 1` bytes are copied and the copy is NUL-terminated (a
/// message may be cut inside a UTF-8 sequence when `cap` is too small);
/// `*out_len` receives the full length of the message without the NUL. The
/// message is the one of the last failed call on this thread; successful
/// calls do not clear it. `buf` may be NULL when `cap` is 0 (to ask for the
/// length only).
///
/// Returns `ENG_STATUS_OK`, or `ENG_STATUS_NULL_POINTER` when `out_len` is
/// NULL or `buf` is NULL with `cap > 0`; that failure is then the last error,
/// like any other (the previous message is not left in place to be mistaken
/// for this call's).
///
/// # Safety
/// `buf` must be NULL or valid for `cap` bytes of writes; `out_len` must be
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_last_error_message(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    // A successful read leaves the message in place; a failed one is the new last error.
    let result = std::panic::catch_unwind(|| {
        // SAFETY: the caller promises `out_len` is NULL or writable.
        let Ok(out_len) = (unsafe { out(out_len, "out_len") }) else {
            set_last_error("argument out_len is NULL");
            return eng_status::NullPointer;
        };
        if buf.is_null() && cap > 0 {
            set_last_error(
                "argument buf is NULL with cap > 0 (pass cap 0 to ask for the length only)",
            );
            return eng_status::NullPointer;
        }
        with_last_error(|m| {
            *out_len = m.len();
            if cap > 0 {
                let n = m.len().min(cap - 1);
                // SAFETY: `buf` holds `cap` bytes and n + 1 <= cap.
                unsafe {
                    std::ptr::copy_nonoverlapping(m.as_ptr(), buf.cast::<u8>(), n);
                    *buf.add(n) = 0;
                }
            }
        });
        eng_status::Ok
    });
    result.unwrap_or(eng_status::Panic)
}

/// Frees a string the library allocated (JSON results). Calling with NULL is
/// fine. Must not be called twice on the same string, nor on a string the
/// library did not allocate.
///
/// # Safety
/// `s` must be NULL or a pointer returned by this library as an owned string
/// and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_string_free(s: *mut c_char) {
    let _ = boundary_here(|| {
        if !s.is_null() {
            // SAFETY: the caller promises `s` came from `CString::into_raw` here.
            drop(unsafe { std::ffi::CString::from_raw(s) });
        }
        Ok::<(), Failure>(())
    });
}

/// Frees bytes the library allocated (a saved store or engine), given the
/// length it wrote with them. Calling with NULL is fine. Must not be called
/// twice on the same bytes, nor on bytes the library did not allocate.
///
/// # Safety
/// `bytes` must be NULL or a pointer this library returned as owned bytes
/// of length `len`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_bytes_free(bytes: *mut u8, len: usize) {
    let _ = boundary_here(|| {
        if !bytes.is_null() {
            let raw = std::ptr::slice_from_raw_parts_mut(bytes, len);
            // SAFETY: the caller promises `bytes` and `len` came from `hand_out_bytes`.
            drop(unsafe { Box::from_raw(raw) });
        }
        Ok::<(), Failure>(())
    });
}
