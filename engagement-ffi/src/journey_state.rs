//! Journeys followed day by day: a state fed each day's touchpoints, saved
//! and loaded between days, read as a full recompute would answer.

use std::ffi::c_char;

use engagement_core::attribution::{Rule, attribute};
use engagement_core::journey::state::JourneyState;

use crate::boundary::{Failure, boundary};
use crate::handle::{
    Castable, free, hand_out, hand_out_bytes, handle_mut, handle_ref, out, path, slice,
};
use crate::status::eng_status;
use crate::table::eng_table;
use crate::touchpoints::{Reads, eng_touchpoints, read};

/// An opaque journey state: what it follows (stages, loyalty, a funnel,
/// cohorts, attribution paths) and each customer's progress.
///
/// Thread safety: `eng_journey_state_push` must not overlap any other call
/// on the same state; the reading calls (results, tables, saving) may run
/// at the same time from several threads. Different states are independent.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_journey_state {
    _private: [u8; 0],
}

impl Castable for eng_journey_state {
    type RustType = JourneyState;
    const NOUN: &'static str = "journey state";
}

/// `eng_journey_state_json`: the stage history up to `as_of`.
pub const ENG_JOURNEY_STAGES: u32 = 0;
/// `eng_journey_state_json`: the loyalty accounts and tier history at `as_of`.
pub const ENG_JOURNEY_LOYALTY: u32 = 1;
/// `eng_journey_state_json`: the funnel's result (`as_of` unused).
pub const ENG_JOURNEY_FUNNEL: u32 = 2;
/// `eng_journey_state_json`: the cohort table at `as_of`.
pub const ENG_JOURNEY_COHORTS: u32 = 3;
/// `eng_journey_state_json`: the attribution paths (`as_of` unused).
pub const ENG_JOURNEY_PATHS: u32 = 4;

/// Creates an empty journey state from its configuration (`config_json`,
/// UTF-8, `config_len` bytes: a `JourneyStateConfig`), an object with any of
/// the keys `stages` (a `StageConfig`), `loyalty` (a `LoyaltyConfig`),
/// `funnel` (a `Funnel`), `cohorts` (`{"config": CohortConfig, "activity":
/// "purchases" | "any"}`) and `paths` (`PathOptions`), at least one: each
/// configures what the state follows as the batch call of that analysis
/// takes it.
///
/// A followed funnel matches steps by kind and channel, per customer, and
/// holds or breaks down by channel or kind only; paths name touches by
/// channel. On success `*out_state` receives a state owned by the caller,
/// released with `eng_journey_state_free`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_INVALID_UTF8`, `ENG_STATUS_JSON` (malformed, an unknown key),
/// `ENG_STATUS_CONFIG` (no analysis, an invalid value, a funnel option a
/// followed funnel does not support).
///
/// # Safety
/// `config_json` must point to `config_len` readable bytes; `out_state`
/// must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_new(
    config_json: *const c_char,
    config_len: usize,
    out_state: *mut *mut eng_journey_state,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_state = unsafe { out(out_state, "out_state")? };
        // SAFETY: as above.
        let config = unsafe { crate::json::document(config_json, config_len, "config_json")? };
        hand_out(JourneyState::new(config)?, out_state);
        Ok(())
    })
}

/// Releases a journey state. NULL is fine; twice is not, and the state must
/// not be used afterwards.
///
/// # Safety
/// `state` must be NULL or a live state.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_free(state: *mut eng_journey_state) {
    // SAFETY: the caller promises NULL or a live state.
    unsafe { free(state) }
}

/// Adds a day's touchpoints (columns read as `eng_profile_store_push`) and
/// `redemptions_len` loyalty redemptions (`r_customer`, `r_time`,
/// `r_points` > 0; NULL with 0), in any order. Each customer's touchpoints
/// and redemptions must come later than theirs already pushed: a nightly
/// job pushes each day once, in day order. Equal times are ordered by
/// content as every journey analysis orders them, never by row.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_INVALID_INPUT` (a bad value or code; a touchpoint or
/// redemption at or before a time of its customer's already pushed, naming
/// the row), `ENG_STATUS_CONFIG` (redemptions
/// without a loyalty programme), `ENG_STATUS_POISONED`. On any error nothing
/// is applied.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints`; each redemption column NULL or
/// `redemptions_len` readable elements; no other call may use the state at
/// the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_push(
    state: *mut eng_journey_state,
    touchpoints: *const eng_touchpoints,
    r_customer: *const u64,
    r_time: *const i64,
    r_points: *const u64,
    redemptions_len: usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        unsafe {
            let s = handle_mut(state, "state")?;
            let cols = read(touchpoints)?.columns(Reads::All)?;
            let redemptions =
                crate::loyalty::redemption_columns(r_customer, r_time, r_points, redemptions_len)?;
            Ok(s.mutate(|s| s.push(&cols, &redemptions))?)
        }
    })
}

/// Writes the latest time pushed (Unix seconds) to `*out_time`: the
/// earliest `as_of` the state answers for.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_EMPTY_INPUT` (nothing pushed yet),
/// `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `state` a live state; `out_time` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_latest_time(
    state: *const eng_journey_state,
    out_time: *mut i64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let s = unsafe { handle_ref(state, "state")? };
        // SAFETY: as above.
        let out_time = unsafe { out(out_time, "out_time")? };
        *out_time = s
            .latest_time()
            .ok_or(engagement_core::EngError::EmptyInput {
                what: "the latest time".into(),
                unit: "touchpoint or redemption".into(),
            })?;
        Ok(())
    })
}

/// One result of the state as JSON owned by the caller (`eng_string_free`),
/// in the form the batch call of the analysis returns: `which` is
/// `ENG_JOURNEY_STAGES` (as `eng_stage_history_json`, up to `as_of`),
/// `ENG_JOURNEY_LOYALTY` (as `eng_loyalty_json`, at `as_of`),
/// `ENG_JOURNEY_FUNNEL` (as `eng_funnel_json`), `ENG_JOURNEY_COHORTS` (a
/// cohort table at `as_of`: `period`, `cohort_start`, `size`, `periods`,
/// `observed`, `active`, `retention`, `revenue_per_customer`,
/// `cumulative_revenue_per_customer`, row-major cohorts × periods) or
/// `ENG_JOURNEY_PATHS` (the path table of a `paths` partial: `channels`,
/// `paths` as lists of indices into `channels`, `conversions`, `value`,
/// `nulls`; `eng_journey_state_attribution_table` attributes it). The
/// numbers equal those of the batch call over every touchpoint pushed.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_INVALID_INPUT` (an unknown `which`), `ENG_STATUS_CONFIG` (the
/// state does not follow that analysis), `ENG_STATUS_AS_OF_BEFORE_DATA`
/// (`as_of` before the latest time pushed), `ENG_STATUS_EMPTY_INPUT` (no
/// customer entered the funnel, was acquired, or has a path),
/// `ENG_STATUS_POISONED`.
///
/// # Safety
/// `state` a live state; `out_json` valid for one write; `out_len` NULL or
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_json(
    state: *const eng_journey_state,
    which: u32,
    as_of: i64,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_ref(state, "state")?;
            match which {
                ENG_JOURNEY_STAGES => {
                    crate::json::write(&s.stage_history(as_of)?, out_json, out_len)
                }
                ENG_JOURNEY_LOYALTY => crate::json::write(&s.loyalty(as_of)?, out_json, out_len),
                ENG_JOURNEY_FUNNEL => crate::json::write(&s.funnel()?, out_json, out_len),
                ENG_JOURNEY_COHORTS => crate::json::write(&s.cohorts(as_of)?, out_json, out_len),
                ENG_JOURNEY_PATHS => crate::json::write(&s.paths()?, out_json, out_len),
                other => Err(Failure::from(engagement_core::EngError::invalid(
                    "which",
                    other,
                    "one of ENG_JOURNEY_STAGES (0), ENG_JOURNEY_LOYALTY (1), ENG_JOURNEY_FUNNEL (2), \
                     ENG_JOURNEY_COHORTS (3), ENG_JOURNEY_PATHS (4)",
                ))),
            }
        }
    })
}

/// The stage history up to `until` as the table `eng_stage_history_table`
/// returns (`customer`, `stage`, `entered_at`), owned by the caller.
///
/// Returns as `eng_journey_state_json` for `ENG_JOURNEY_STAGES`.
///
/// # Safety
/// `state` a live state; `out_table` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_stage_table(
    state: *const eng_journey_state,
    until: i64,
    out_table: *mut *mut eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_ref(state, "state")?;
            let out_table = out(out_table, "out_table")?;
            crate::table::hand_out_table(&s.stage_history(until)?, out_table);
            Ok(())
        }
    })
}

/// The loyalty accounts (and, when `out_history` is not NULL, the tier
/// history) at `as_of` as the tables `eng_loyalty_tables` returns, owned by
/// the caller; the accounts table goes to `eng_next_best_actions_table` as
/// it is. Outputs are written only on success.
///
/// Returns as `eng_journey_state_json` for `ENG_JOURNEY_LOYALTY`.
///
/// # Safety
/// `state` a live state; `out_accounts` valid for one write, `out_history`
/// NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_loyalty_tables(
    state: *const eng_journey_state,
    as_of: i64,
    out_accounts: *mut *mut eng_table,
    out_history: *mut *mut eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_ref(state, "state")?;
            let out_accounts = out(out_accounts, "out_accounts")?;
            let report = s.loyalty(as_of)?;
            crate::loyalty::hand_out_report(report, out_accounts, out_history);
            Ok(())
        }
    })
}

/// The funnel's steps as the table `eng_funnel_table` returns, owned by the
/// caller.
///
/// Returns as `eng_journey_state_json` for `ENG_JOURNEY_FUNNEL`.
///
/// # Safety
/// `state` a live state; `out_table` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_funnel_table(
    state: *const eng_journey_state,
    out_table: *mut *mut eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_ref(state, "state")?;
            let out_table = out(out_table, "out_table")?;
            crate::table::hand_out_table(&s.funnel()?, out_table);
            Ok(())
        }
    })
}

/// The attribution of the state's paths by `rule_json` (as
/// `eng_attribute_json` takes it; NULL or empty: Markov order 1) as the table
/// `eng_attribute_touchpoints_table` returns, owned by the caller.
///
/// Returns as `eng_journey_state_json` for `ENG_JOURNEY_PATHS`, and
/// `ENG_STATUS_JSON` / `ENG_STATUS_CONFIG` for a bad rule,
/// `ENG_STATUS_CONVERGENCE`.
///
/// # Safety
/// `state` a live state; `rule_json` NULL or `rule_len` readable bytes;
/// `out_table` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_attribution_table(
    state: *const eng_journey_state,
    rule_json: *const c_char,
    rule_len: usize,
    out_table: *mut *mut eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_ref(state, "state")?;
            let out_table = out(out_table, "out_table")?;
            let rule: Rule = crate::json::config(rule_json, rule_len, "rule_json")?;
            crate::table::hand_out_table(&attribute(&s.paths()?, &rule)?, out_table);
            Ok(())
        }
    })
}

/// Saves the state: its configuration and every customer's progress, in
/// the versioned, checksummed form of `engagement_core::persist` (magic
/// `ENGJ`). `*out_bytes` receives bytes owned by the caller, released with
/// `eng_bytes_free(*out_bytes, *out_len)`. A state loaded from them answers
/// and follows exactly as this one would.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `state` a live state; `out_bytes` and `out_len` valid for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_to_bytes(
    state: *const eng_journey_state,
    out_bytes: *mut *mut u8,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_ref(state, "state")?;
            let out_bytes = out(out_bytes, "out_bytes")?;
            let out_len = out(out_len, "out_len")?;
            hand_out_bytes(s.to_bytes()?, out_bytes, out_len);
            Ok(())
        }
    })
}

/// Loads a state saved by `eng_journey_state_to_bytes` (`len` bytes). On
/// success `*out_state` receives a state owned by the caller.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_CORRUPT`
/// (truncated, altered, not a saved journey state, a newer format version,
/// or progress that does not fit its configuration); nothing is built from
/// bytes that fail.
///
/// # Safety
/// `bytes` must point to `len` readable bytes; `out_state` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_from_bytes(
    bytes: *const u8,
    len: usize,
    out_state: *mut *mut eng_journey_state,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_state = out(out_state, "out_state")?;
            let bytes = slice(bytes, len, "bytes")?;
            hand_out(JourneyState::from_bytes(bytes)?, out_state);
            Ok(())
        }
    })
}

/// Saves the state to the file at `path` (NUL-terminated; its directory
/// must exist), replacing it whole through a synced temporary file beside it.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_IO`,
/// `ENG_STATUS_POISONED`.
///
/// # Safety
/// `state` a live state; `path` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_save(
    state: *const eng_journey_state,
    path: *const c_char,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_ref(state, "state")?;
            let path = self::path(path, "path")?;
            Ok(s.save(path)?)
        }
    })
}

/// Loads a state from the file at `path` (NUL-terminated).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_IO`,
/// `ENG_STATUS_CORRUPT`.
///
/// # Safety
/// `path` a NUL-terminated string; `out_state` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_load(
    path: *const c_char,
    out_state: *mut *mut eng_journey_state,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_state = out(out_state, "out_state")?;
            let path = self::path(path, "path")?;
            hand_out(JourneyState::load(path)?, out_state);
            Ok(())
        }
    })
}
