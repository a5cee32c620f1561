//! Partial results that merge: build one per part of the data (a nightly
//! export per region, a partition of a distributed job), ship them as bytes,
//! merge them in any order, and read the result of all the data.
//!
//! The spec (JSON) says what to compute: `{"kind": "profiles"}`,
//! `{"kind": "metrics"}`, `{"kind": "funnel", "funnel": {…}}`,
//! `{"kind": "sequences"}`, `{"kind": "cohorts", "as_of": …}`,
//! `{"kind": "paths", "lookback": …}`. Profiles and metrics accept any split
//! of the touchpoints; the other kinds need each customer's touchpoints in one
//! part. The binary form is documented in the core's `partial` module: a
//! 20-byte header (magic `ENGP`, format version, kind, payload length,
//! CRC-32) and the payload.

use std::ffi::c_char;

use engagement_core::attribution::Rule;
use engagement_core::partial::{Partial, PartialSpec};

use crate::boundary::{Failure, boundary};
use crate::handle::{Castable, fits, free, hand_out, handle_mut, handle_ref, out, put, slice};
use crate::status::eng_status;
use crate::touchpoints::{Reads, eng_touchpoints, read};

/// An opaque partial result.
///
/// Thread safety: a partial may be read (`_to_bytes`, `_to_json`, `_result_json`,
/// `_attribute_json`, and as the `other` of a merge) from several threads at
/// once; `eng_partial_merge` changes its first argument and must not overlap
/// any other call on it.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_partial {
    _private: [u8; 0],
}

impl Castable for eng_partial {
    type RustType = Partial;
    const NOUN: &'static str = "partial";
}

/// Builds the partial of one part of the touchpoints.
///
/// `spec_json` (UTF-8, `spec_len` bytes) says what to compute:
/// `{"kind": "profiles"}` (optionally `"signals": {…}`), `{"kind": "metrics"}`
/// (optionally `"level"`, `"conversion"`), `{"kind": "funnel", "funnel": {…}}`,
/// `{"kind": "sequences"}` (optionally `"config"`), `{"kind": "cohorts",
/// "as_of": seconds}` (optionally `"config"`, `"activity"`) or `{"kind":
/// "paths"}` (optionally `"lookback"` in seconds, default 30 days). The
/// touchpoints' columns read are as `eng_profile_store_push`'s (`customer`, `time`, `channel`,
/// `kind` required unless `len` is 0; `value`, `rating`, `rating_scale` may
/// be NULL, `rating_scale` only when no row has a rating); a part may be empty. On
/// success `*out_partial` receives a partial owned by the caller, released
/// with `eng_partial_free`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_JSON` (malformed spec or unknown key), `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_INVALID_INPUT` (a bad value or code, named with its row).
///
/// # Safety
/// `spec_json` must point to `spec_len` readable bytes; `touchpoints` a valid
/// `eng_touchpoints`; `out_partial` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_new(
    spec_json: *const c_char,
    spec_len: usize,
    touchpoints: *const eng_touchpoints,
    out_partial: *mut *mut eng_partial,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let out_partial = unsafe { out(out_partial, "out_partial")? };
        // SAFETY: as above.
        let spec: PartialSpec = unsafe { crate::json::document(spec_json, spec_len, "spec_json")? };
        // SAFETY: as above.
        let cols = unsafe { read(touchpoints)?.columns(Reads::All)? };
        hand_out(Partial::from_touchpoints(&spec, &cols)?, out_partial);
        Ok(())
    })
}

/// Reads a partial from its binary form (`len` bytes).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_CORRUPT`
/// (truncated, padded, altered, another format version, or a state that does
/// not fit its spec; the message says which).
///
/// # Safety
/// `bytes` must point to `len` readable bytes; `out_partial` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_from_bytes(
    bytes: *const u8,
    len: usize,
    out_partial: *mut *mut eng_partial,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_partial = unsafe { out(out_partial, "out_partial")? };
        // SAFETY: as above.
        let bytes = unsafe { slice(bytes, len, "bytes")? };
        hand_out(Partial::from_bytes(bytes)?, out_partial);
        Ok(())
    })
}

/// Writes the binary form into `buf` (capacity `cap` bytes) and its length
/// to `*out_len`. With a buffer too small (NULL with `cap` 0 asks the size),
/// nothing is written but `*out_len`, and the status is
/// `ENG_STATUS_BUFFER_TOO_SMALL`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_BUFFER_TOO_SMALL`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `partial` a live partial; `buf` NULL or valid for `cap` byte writes;
/// `out_len` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_to_bytes(
    partial: *const eng_partial,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let p = unsafe { handle_ref(partial, "partial")? };
        // SAFETY: as above.
        let out_len = unsafe { out(out_len, "out_len")? };
        let bytes = p.to_bytes()?;
        fits(bytes.len(), cap, out_len)?;
        // SAFETY: `buf` holds `cap` ≥ `bytes.len()` writable bytes (the caller's promise).
        unsafe { put(buf, &bytes, "buf")? };
        *out_len = bytes.len();
        Ok(())
    })
}

/// Reads a partial from its JSON form (`{"format": 1, "spec": …, "state": …}`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (an invalid spec), `ENG_STATUS_CORRUPT`.
///
/// # Safety
/// `json` must point to `len` readable bytes; `out_partial` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_from_json(
    json: *const c_char,
    len: usize,
    out_partial: *mut *mut eng_partial,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_partial = unsafe { out(out_partial, "out_partial")? };
        // SAFETY: as above.
        let text = unsafe { crate::handle::text(json, len, "json")? };
        hand_out(Partial::from_json(text)?, out_partial);
        Ok(())
    })
}

/// The JSON form, as a string owned by the caller (`eng_string_free`), with
/// its length to `*out_len` when not NULL.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `partial` a live partial; `out_json` valid for one write; `out_len` NULL or
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_to_json(
    partial: *const eng_partial,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let p = unsafe { handle_ref(partial, "partial")? };
        // SAFETY: as above.
        let out_json = unsafe { out(out_json, "out_json")? };
        // SAFETY: as above.
        unsafe { crate::json::write_string(p.to_json()?, out_json, out_len) }
    })
}

/// Adds `other` into `partial` (`other` is unchanged and still owned by the
/// caller). Merging is associative and commutative.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_INCOMPATIBLE`
/// (built with different specs, or a partial merged into itself; `partial` is
/// then unchanged), `ENG_STATUS_POISONED`. Merging the same other partial
/// twice cannot be detected and counts its data twice.
///
/// # Safety
/// Both live partials; no other call may use `partial` at the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_merge(
    partial: *mut eng_partial,
    other: *const eng_partial,
) -> eng_status {
    boundary(|| {
        if std::ptr::eq(partial.cast_const(), other) && !partial.is_null() {
            return Err(Failure::new(
                eng_status::Incompatible,
                "cannot merge a partial into itself (its data would count twice)",
            ));
        }
        // SAFETY: the caller's promises, forwarded.
        let theirs = unsafe { handle_ref(other, "other")? };
        // SAFETY: as above; distinct from `other` (checked above), so no aliasing.
        let h = unsafe { handle_mut(partial, "partial")? };
        Ok(h.mutate(|p| p.merge_ref(theirs))?)
    })
}

/// The finished result as JSON owned by the caller (`eng_string_free`):
/// `{"kind": …, …}` with the fields of the single-machine result of the kind
/// (`profiles`: `{"profiles": [profile summaries]}`; `metrics`: `nps`, `csat`,
/// `ces_mean`, `conversion` (null without data) and the answer histograms;
/// `funnel`, `sequences`, `cohorts` as `eng_funnel_json`,
/// `eng_journey_sequences_json`, `eng_cohorts_json`; `paths`: `channels`,
/// `paths` (channel indices), `conversions`, `value`, `nulls`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_EMPTY_INPUT`
/// (no data to compute the result from), `ENG_STATUS_POISONED`.
///
/// # Safety
/// `partial` a live partial; `out_json` valid for one write; `out_len` NULL or
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_result_json(
    partial: *const eng_partial,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let p = unsafe { handle_ref(partial, "partial")? };
        // SAFETY: as above; checked before the work.
        unsafe { out(out_json, "out_json")? };
        let r = p.result()?;
        // SAFETY: as above.
        unsafe { crate::json::write(&r, out_json, out_len) }
    })
}

/// Attribution of a `paths` partial by a rule given as JSON (as
/// `eng_attribute_json`; NULL or empty = the default rule), as JSON owned by
/// the caller.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`, `ENG_STATUS_INCOMPATIBLE` (not a
/// paths partial), `ENG_STATUS_EMPTY_INPUT`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `partial` a live partial; `rule_json` NULL or `rule_len` readable bytes;
/// `out_json` valid for one write; `out_len` NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_attribute_json(
    partial: *const eng_partial,
    rule_json: *const c_char,
    rule_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let p = unsafe { handle_ref(partial, "partial")? };
        // SAFETY: as above.
        unsafe { out(out_json, "out_json")? };
        // SAFETY: as above.
        let rule: Rule = unsafe { crate::json::config(rule_json, rule_len, "rule_json")? };
        let a = p.attribute(&rule)?;
        // SAFETY: as above.
        unsafe { crate::json::write(&a, out_json, out_len) }
    })
}

/// Releases a partial. NULL is fine; twice is not, and the partial must not
/// be used afterwards.
///
/// # Safety
/// `partial` must be NULL or a live partial from this module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_free(partial: *mut eng_partial) {
    // SAFETY: the caller promises NULL or a live partial.
    unsafe { free(partial) }
}
