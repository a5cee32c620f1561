//! Multi-touch attribution from path tables given as JSON.

use std::ffi::c_char;

use engagement_core::attribution::{PathTable, Rule, attribute, paths_from_touchpoints};

use crate::boundary::boundary;
use crate::status::eng_status;
use crate::touchpoints::{Reads, eng_touchpoints, read};

/// Attributes conversions and value to channels and returns the result as
/// JSON (`channels`, `conversions`, `value`, `removal_effects` and
/// `value_removal_effects` or null),
/// owned by the caller (release with `eng_string_free`).
///
/// `table_json`: `{"paths": ["email > search", …], "conversions": […],
/// "value": […] (optional), "nulls": […] (optional), "separator": ">"
/// (optional)}`. `rule_json`: `{"rule": "first_touch" | "last_touch" |
/// "linear" | "time_decay" (with "half_life") | "position_based" (optional
/// "first", "last") | "markov" (optional "order", 1–4) | "shapley"}`; NULL or
/// empty: Markov order 1.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (a bad
/// rule), `ENG_STATUS_INVALID_INPUT` (an empty channel, a negative count, no
/// conversions), `ENG_STATUS_LENGTH_MISMATCH`, `ENG_STATUS_EMPTY_INPUT`,
/// `ENG_STATUS_CONVERGENCE`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `table_json` NULL or `table_len` bytes; `rule_json` NULL or `rule_len`
/// bytes; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_attribute_json(
    table_json: *const c_char,
    table_len: usize,
    rule_json: *const c_char,
    rule_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let table: PathTable = crate::json::document(table_json, table_len, "table_json")?;
            let rule: Rule = crate::json::config(rule_json, rule_len, "rule_json")?;
            let result = attribute(&table.to_paths()?, &rule)?;
            crate::json::write(&result, out_json, out_len)
        }
    })
}

/// The attribution both touchpoint calls return, from their C arguments.
///
/// # Safety
/// As `eng_attribute_touchpoints_json`.
unsafe fn of_touchpoints(
    touchpoints: *const eng_touchpoints,
    lookback: i64,
    (rule_json, rule_len): (*const c_char, usize),
) -> Result<engagement_core::attribution::Attribution, crate::boundary::Failure> {
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        let cols = read(touchpoints)?.columns(Reads::Value)?;
        let rule: Rule = crate::json::config(rule_json, rule_len, "rule_json")?;
        Ok(attribute(
            &paths_from_touchpoints(&cols, engagement_core::model::time::Seconds(lookback))?,
            &rule,
        )?)
    }
}

/// Attributes the purchases of the touchpoints (`customer`, `time`,
/// `channel`, `kind`; `value` NULL for no money) to channels: paths
/// are built per customer: each purchase closes a path of the customer's
/// touchpoints (refunds aside) since their previous purchase and within
/// `lookback` seconds before it, and touchpoints after the last purchase
/// form a path without conversion (see the core's `paths_from_touchpoints`); then
/// attributed by `rule_json` as `eng_attribute_json`. The purchase itself is
/// not a touch: its channel ends a path only when nothing came before it (a
/// direct conversion); to end every path with it, build a partial with the
/// spec `{"kind": "paths", "include_conversion": true}`. Result JSON as
/// `eng_attribute_json`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_EMPTY_INPUT`, `ENG_STATUS_CONFIG`
/// (a bad rule or `lookback <= 0`), `ENG_STATUS_JSON`,
/// `ENG_STATUS_CONVERGENCE`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints`; `rule_json` NULL or `rule_len` bytes;
/// `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_attribute_touchpoints_json(
    touchpoints: *const eng_touchpoints,
    lookback: i64,
    rule_json: *const c_char,
    rule_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let result = of_touchpoints(touchpoints, lookback, (rule_json, rule_len))?;
            crate::json::write(&result, out_json, out_len)
        }
    })
}

/// `eng_attribute_touchpoints_json` (same inputs and statuses) with the
/// result as a table owned by the caller (`eng_table_free`), one row per
/// channel: `channel` (label), and as f64 `conversions` (fractional credit),
/// `value`, `removal_effect`, `value_removal_effect` (the removal effects NaN
/// unless the rule is Markov).
///
/// # Safety
/// As `eng_attribute_touchpoints_json`; `out_table` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_attribute_touchpoints_table(
    touchpoints: *const eng_touchpoints,
    lookback: i64,
    rule_json: *const c_char,
    rule_len: usize,
    out_table: *mut *mut crate::table::eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_table = crate::handle::out(out_table, "out_table")?;
            let result = of_touchpoints(touchpoints, lookback, (rule_json, rule_len))?;
            crate::table::hand_out_table(&result, out_table);
            Ok(())
        }
    })
}
