//! `eng_segment_set`: segment definitions parsed once, evaluated many times.

use std::ffi::c_char;

use engagement_core::SegmentSet;

use crate::boundary::boundary;
use crate::handle::{Castable, free, hand_out, handle_ref, out, text};
use crate::status::eng_status;

/// An opaque, immutable set of segment definitions. Thread-safe: a set may
/// be used from several threads at once.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_segment_set {
    _private: [u8; 0],
}

impl Castable for eng_segment_set {
    type RustType = SegmentSet;
    const NOUN: &'static str = "segment set";
}

/// Parses and checks segment definitions (the JSON language of the README's
/// Segmentation section; UTF-8, `len` bytes, no NUL needed). On success
/// `*out_set` receives a new set owned by the caller, released with
/// `eng_segment_set_free`.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_JSON` (malformed JSON);
/// `ENG_STATUS_CONFIG` (an unknown field, operator or label, a wrong value,
/// a bad version; the message names the place, e.g. `segments[1].rule.all[0].op`);
/// `ENG_STATUS_INVALID_UTF8`; `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `json` must point to `len` readable bytes; `out_set` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_segment_set_new(
    json: *const c_char,
    len: usize,
    out_set: *mut *mut eng_segment_set,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let out_set = unsafe { out(out_set, "out_set")? };
        let text = unsafe { text(json, len, "json")? };
        let set = SegmentSet::from_json(text)?;
        hand_out(set, out_set);
        Ok(())
    })
}

/// Releases a segment set. Calling with NULL is fine; must not be called twice.
///
/// # Safety
/// `set` must be NULL or a live set from `eng_segment_set_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_segment_set_free(set: *mut eng_segment_set) {
    // SAFETY: the caller promises NULL or a live set.
    unsafe { free(set) }
}

/// The number of segments in `set` (the row width of `eng_profile_store_segments`).
///
/// Returns `ENG_STATUS_OK` or `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `set` must be a live set; `out_len` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_segment_set_len(
    set: *const eng_segment_set,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let set = unsafe { handle_ref(set, "set")? };
        *unsafe { out(out_len, "out_len")? } = set.names().len();
        Ok(())
    })
}

/// The segment names in priority order as a JSON array of strings, owned by
/// the caller (release with `eng_string_free`); `out_len` may be NULL.
///
/// Returns `ENG_STATUS_OK` or `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `set` must be a live set; `out_json` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_segment_set_names_json(
    set: *const eng_segment_set,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let set = unsafe { handle_ref(set, "set")? };
        unsafe { crate::json::write(&set.names(), out_json, out_len) }
    })
}
