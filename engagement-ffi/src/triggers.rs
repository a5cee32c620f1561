//! Journey triggers: rules as JSON, a stateful engine fed touchpoints in
//! time order, due actions out as JSON.

use std::ffi::c_char;

use engagement_core::triggers::{TriggerConfig, TriggerEngine};

use crate::boundary::boundary;
use crate::handle::{
    Castable, free, hand_out, hand_out_bytes, handle_mut, handle_ref, out, path, slice,
};
use crate::status::eng_status;
use crate::touchpoints::{Reads, eng_touchpoints, read};

/// An opaque trigger engine: rules, per-customer state and pending actions.
///
/// Thread safety: calls on one engine must not overlap (each call may
/// change it); different engines are independent.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_triggers {
    _private: [u8; 0],
}

impl Castable for eng_triggers {
    type RustType = TriggerEngine;
    const NOUN: &'static str = "trigger engine";
}

/// Creates a trigger engine from rules given as JSON (`config_json`, UTF-8,
/// `config_len` bytes): `{"rules": [{"name", "action", "when": {"type":
/// "first_touch" | "abandoned_cart" (+ "wait" seconds: a `cart_add` or
/// `checkout` touchpoint followed by no `purchase` for that long) | "nth_purchase" (+
/// "n") | "reorder" (+ "factor") | "anniversary" | "at_risk" | "event" (+
/// "on", "once") | "abandoned" (+ "start", "complete", "wait"; see
/// `eng_triggers_push_events_json`)}, "delay":
/// seconds}, …], "cap": {"max", "window"}, "quiet_hours": {"from", "to",
/// "utc_offset_minutes"}, "stages": {StageConfig}}`. On success
/// `*out_triggers` receives an engine owned by the caller, released with
/// `eng_triggers_free`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_INVALID_UTF8`, `ENG_STATUS_JSON` (malformed JSON, an unknown
/// key or rule type), `ENG_STATUS_CONFIG` (an invalid value).
///
/// # Safety
/// `config_json` must point to `config_len` readable bytes; `out_triggers`
/// must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_new(
    config_json: *const c_char,
    config_len: usize,
    out_triggers: *mut *mut eng_triggers,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_triggers = unsafe { out(out_triggers, "out_triggers")? };
        // SAFETY: as above.
        let config: TriggerConfig =
            unsafe { crate::json::document(config_json, config_len, "config_json")? };
        let engine = TriggerEngine::new(config)?;
        hand_out(engine, out_triggers);
        Ok(())
    })
}

/// Releases a trigger engine. NULL is fine; twice is not, and the engine
/// must not be used afterwards.
///
/// # Safety
/// `triggers` must be NULL or a live engine from `eng_triggers_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_free(triggers: *mut eng_triggers) {
    // SAFETY: the caller promises NULL or a live engine.
    unsafe { free(triggers) }
}

/// Saves the engine: its rules and every customer's state and pending
/// actions, in the versioned, checksummed form of `engagement_core::persist`
/// (magic `ENGT`). `*out_bytes` receives bytes owned by the caller, released
/// with `eng_bytes_free(*out_bytes, *out_len)`. An engine loaded from them
/// behaves exactly as this one would: saving at night and loading the next
/// day changes no action.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `triggers` a live engine; `out_bytes` and `out_len` valid for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_to_bytes(
    triggers: *const eng_triggers,
    out_bytes: *mut *mut u8,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let engine = unsafe { handle_ref(triggers, "triggers")? };
        // SAFETY: as above.
        let out_bytes = unsafe { out(out_bytes, "out_bytes")? };
        // SAFETY: as above.
        let out_len = unsafe { out(out_len, "out_len")? };
        hand_out_bytes(engine.to_bytes()?, out_bytes, out_len);
        Ok(())
    })
}

/// Loads an engine saved by `eng_triggers_to_bytes` (`len` bytes). On
/// success `*out_triggers` receives an engine owned by the caller.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_CORRUPT`
/// (truncated, altered, not a saved engine, a newer format version, or state
/// that does not fit its rules); nothing is built from bytes that fail.
///
/// # Safety
/// `bytes` must point to `len` readable bytes; `out_triggers` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_from_bytes(
    bytes: *const u8,
    len: usize,
    out_triggers: *mut *mut eng_triggers,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_triggers = unsafe { out(out_triggers, "out_triggers")? };
        // SAFETY: as above.
        let bytes = unsafe { slice(bytes, len, "bytes")? };
        hand_out(TriggerEngine::from_bytes(bytes)?, out_triggers);
        Ok(())
    })
}

/// Saves the engine to the file at `path` (NUL-terminated), replacing it
/// whole through a synced temporary file beside it.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_IO`,
/// `ENG_STATUS_POISONED`.
///
/// # Safety
/// `triggers` a live engine; `path` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_save(
    triggers: *const eng_triggers,
    path: *const c_char,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let engine = unsafe { handle_ref(triggers, "triggers")? };
        // SAFETY: as above.
        let path = unsafe { self::path(path, "path")? };
        Ok(engine.save(path)?)
    })
}

/// Loads an engine from the file at `path` (NUL-terminated).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_IO`,
/// `ENG_STATUS_CORRUPT`.
///
/// # Safety
/// `path` a NUL-terminated string; `out_triggers` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_load(
    path: *const c_char,
    out_triggers: *mut *mut eng_triggers,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_triggers = unsafe { out(out_triggers, "out_triggers")? };
        // SAFETY: as above.
        let path = unsafe { self::path(path, "path")? };
        hand_out(TriggerEngine::load(path)?, out_triggers);
        Ok(())
    })
}

/// Feeds the touchpoints (columns read as `eng_profile_store_push`; sorted by
/// time here, equal times by customer, then by content as every journey
/// analysis orders them, never by row; none may be before the latest
/// time already fed or advanced to) and returns the actions that became due
/// up to the latest of them as a JSON array of `{"customer", "due", "rule",
/// "action"}` in due order, owned by the caller (`eng_string_free`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_INVALID_INPUT` (a bad value or code, or a touchpoint before
/// the engine's clock; nothing is applied),
/// `ENG_STATUS_POISONED`.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints`; `out_json`
/// valid for one write, `out_len` NULL or valid for one write; no other call
/// may use the engine at the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_push_json(
    triggers: *mut eng_triggers,
    touchpoints: *const eng_touchpoints,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let e = unsafe { handle_mut(triggers, "triggers")? };
        // SAFETY: as above.
        let cols = unsafe { read(touchpoints)?.columns(Reads::All)? };
        // SAFETY: as above; checked before the engine changes.
        unsafe { out(out_json, "out_json")? };
        let actions = e.mutate(|e| e.push(&cols));
        // SAFETY: as above.
        unsafe { crate::json::write(&actions?, out_json, out_len) }
    })
}

/// Moves the engine's clock to `now` (Unix seconds, not before the clock)
/// and returns the actions due up to it, as `eng_triggers_push_json`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_INVALID_INPUT` (`now` before the clock or outside 1970..3000;
/// nothing changes),
/// `ENG_STATUS_POISONED`.
///
/// # Safety
/// `triggers` a live engine; `out_json` valid for one write, `out_len` NULL
/// or valid for one write; no other call may use the engine at the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_advance_json(
    triggers: *mut eng_triggers,
    now: i64,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let e = unsafe { handle_mut(triggers, "triggers")? };
        // SAFETY: as above; checked before the engine changes.
        unsafe { out(out_json, "out_json")? };
        let actions = e.mutate(|e| e.advance(now));
        // SAFETY: as above.
        unsafe { crate::json::write(&actions?, out_json, out_len) }
    })
}

/// Writes the engine's counters, each output optional (NULL skips it):
/// customers seen, actions pending, actions dropped by the frequency cap.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER` (`triggers` NULL),
/// `ENG_STATUS_INVALID_INPUT` (a misaligned output), `ENG_STATUS_POISONED`.
///
/// # Safety
/// `triggers` a live engine; each non-NULL output valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_counts(
    triggers: *const eng_triggers,
    out_customers: *mut u64,
    out_pending: *mut u64,
    out_suppressed: *mut u64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let e = unsafe { handle_ref(triggers, "triggers")? };
        let values = [
            (out_customers, e.customers() as u64, "out_customers"),
            (out_pending, e.pending() as u64, "out_pending"),
            (out_suppressed, e.suppressed(), "out_suppressed"),
        ];
        // Every output is checked (alignment) before any is written.
        for &(ptr, _, name) in &values {
            if !ptr.is_null() {
                // SAFETY: non-NULL and writable by the caller's promise.
                unsafe { out(ptr, name)? };
            }
        }
        for (ptr, v, name) in values {
            if !ptr.is_null() {
                // SAFETY: as above, checked.
                *unsafe { out(ptr, name)? } = v;
            }
        }
        Ok(())
    })
}

/// `eng_triggers_push_json` (same inputs and statuses) with the due actions
/// as a table owned by the caller (`eng_table_free`): `customer` (u64),
/// `due` (i64 Unix seconds), `rule` and `action` (labels), in due order.
///
/// # Safety
/// As `eng_triggers_push_json`; `out_table` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_push_table(
    triggers: *mut eng_triggers,
    touchpoints: *const eng_touchpoints,
    out_table: *mut *mut crate::table::eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        unsafe {
            let e = handle_mut(triggers, "triggers")?;
            let cols = read(touchpoints)?.columns(Reads::All)?;
            let out_table = out(out_table, "out_table")?;
            let actions = e.mutate(|e| e.push(&cols))?;
            crate::table::hand_out_table(&actions, out_table);
            Ok(())
        }
    })
}

/// `eng_triggers_advance_json` (same inputs and statuses) with the due
/// actions as a table, as `eng_triggers_push_table`.
///
/// # Safety
/// As `eng_triggers_advance_json`; `out_table` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_advance_table(
    triggers: *mut eng_triggers,
    now: i64,
    out_table: *mut *mut crate::table::eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let e = handle_mut(triggers, "triggers")?;
            let out_table = out(out_table, "out_table")?;
            let actions = e.mutate(|e| e.advance(now))?;
            crate::table::hand_out_table(&actions, out_table);
            Ok(())
        }
    })
}
