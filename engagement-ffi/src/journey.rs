//! Stage history and churn over a period, from a touchpoint stream.

use std::ffi::c_char;

use engagement_core::{StageConfig, StageRules};

use crate::boundary::boundary;
use crate::handle::{out, slice};
use crate::metrics::eng_churn_summary;
use crate::status::eng_status;
use crate::touchpoints::{Reads, eng_touchpoints, read};

/// The stage history both history calls return, from their C arguments.
///
/// # Safety
/// As `eng_stage_history_json`.
unsafe fn history(
    touchpoints: *const eng_touchpoints,
    until: i64,
    (config_json, config_len): (*const c_char, usize),
) -> Result<engagement_core::StageHistory, crate::boundary::Failure> {
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        let cols = read(touchpoints)?.columns(Reads::All)?;
        let config: StageConfig = crate::json::config(config_json, config_len, "config_json")?;
        Ok(StageRules::new(config)?.history(&cols, until)?)
    }
}

/// Replays the touchpoints (`customer`, `time`, `channel`, `kind`; `value`,
/// `rating` and `rating_scale` when given) and
/// returns every stage change up to `until` as JSON: `{"customer": […],
/// "stage": [label …], "entered_at": […]}`, sorted by customer then time,
/// owned by the caller (release with `eng_string_free`). `config_json` is a
/// `StageConfig` (NULL or empty: defaults).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_AS_OF_BEFORE_DATA` (a touchpoint after `until`),
/// `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints`; `config_json` NULL or `config_len`
/// readable bytes; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_stage_history_json(
    touchpoints: *const eng_touchpoints,
    until: i64,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let history = history(touchpoints, until, (config_json, config_len))?;
            crate::json::write(&history, out_json, out_len)
        }
    })
}

/// `eng_stage_history_json` (same inputs and statuses) with the history as
/// a table owned by the caller (`eng_table_free`): `customer` (u64),
/// `stage` (label; the labels are every stage in `ENG_STAGE_*` code order)
/// and `entered_at` (i64), sorted by customer then time.
///
/// # Safety
/// As `eng_stage_history_json`; `out_table` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_stage_history_table(
    touchpoints: *const eng_touchpoints,
    until: i64,
    config_json: *const c_char,
    config_len: usize,
    out_table: *mut *mut crate::table::eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_table = out(out_table, "out_table")?;
            let history = history(touchpoints, until, (config_json, config_len))?;
            crate::table::hand_out_table(&history, out_table);
            Ok(())
        }
    })
}

/// Churn and retention over `[start, end)` from the stage history of the
/// touchpoints (as `eng_stage_history_json`) replayed up to `until`: buyers at the start, lost (churned by
/// the end), new or returning, at the end; churn with a Wilson interval at
/// `level`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_EMPTY_INPUT` (no buyer at the start),
/// `ENG_STATUS_INVALID_INPUT` (`end <= start` or a bad touchpoint),
/// `ENG_STATUS_AS_OF_BEFORE_DATA`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// As `eng_stage_history_json`; `out_summary` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_churn_between(
    touchpoints: *const eng_touchpoints,
    until: i64,
    config_json: *const c_char,
    config_len: usize,
    start: i64,
    end: i64,
    level: f64,
    out_summary: *mut eng_churn_summary,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let cols = read(touchpoints)?.columns(Reads::All)?;
            let config: StageConfig = crate::json::config(config_json, config_len, "config_json")?;
            let out_summary = out(out_summary, "out_summary")?;
            let history = StageRules::new(config)?.history(&cols, until)?;
            *out_summary = history.churn_between(start, end, level)?.into();
        }
        Ok(())
    })
}

/// Transition matrix, step matrix and most common paths of the
/// touchpoints' journeys (`customer`, `time`, `channel` and `kind` are
/// read) as JSON
/// (`transitions` {`labels`, `counts`, `probabilities`}, `step_labels`,
/// `step_matrix`, `steps`, `paths`, `path_counts`, `customers`), owned by the
/// caller (release with `eng_string_free`). `config_json`: `SequenceConfig`
/// (`by`: `channel` or `kind`; `steps`, `path_length`, `top_paths`); NULL or
/// empty for the defaults.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_EMPTY_INPUT`, `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_JSON`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints`; `config_json` NULL or `config_len`
/// bytes; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_sequences_json(
    touchpoints: *const eng_touchpoints,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let cols = read(touchpoints)?.columns(Reads::Journey)?;
            let config: engagement_core::transitions::SequenceConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let s = engagement_core::transitions::journey_sequences(&cols, &config)?;
            crate::json::write(&s, out_json, out_len)
        }
    })
}

/// Transitions between journey stages of a stage history (`len` entries:
/// customer, stage code, time entered: the columns of `eng_stage_history_json`'s
/// result, its `stage` labels turned into codes with `eng_stage_code`) as
/// JSON (`labels`, `counts`, `probabilities`), owned by the caller.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT` (an unknown stage
/// code; the message names the row), `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// Each column NULL or `len` elements; `out_json` valid for one write;
/// `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_stage_transitions_json(
    customer: *const u64,
    stage: *const u8,
    entered_at: *const i64,
    len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let history = stage_history(customer, stage, entered_at, len, "")?;
            let m = engagement_core::transitions::stage_transitions(&history)?;
            crate::json::write(&m, out_json, out_len)
        }
    })
}

/// Transitions between journey stages of a stage history given as the
/// document `eng_stage_history_json` returns, unchanged (`{"customer": [1,
/// 1], "stage": ["prospect", "new_customer"], "entered_at": [0, 60],
/// "until": 86400}`; `until` may be absent): the result of
/// `eng_stage_transitions_json` on the same entries, owned by the caller.
///
/// Returns as `eng_stage_transitions_json`, and `ENG_STATUS_JSON` for a
/// document that is not a stage history (an unknown stage label lists the
/// accepted ones).
///
/// # Safety
/// `history_json` NULL or `history_len` readable bytes; `out_json` valid for
/// one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_stage_transitions_of_history_json(
    history_json: *const c_char,
    history_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let history: engagement_core::StageHistory =
                crate::json::document(history_json, history_len, "history_json")?;
            let m = engagement_core::transitions::stage_transitions(&history)?;
            crate::json::write(&m, out_json, out_len)
        }
    })
}

/// Runs a funnel (`funnel_json`: `{"steps": [{"name", "kinds": […], "channels":
/// […], "within": seconds}, …], "window": seconds, "order": "loose" |
/// "strict" | "any", "level": 0.95, "exclusions": [{"name", "kinds": […],
/// "between": [0, 1]}], "hold_constant": "channel" | "kind" | "campaign" |
/// "event", "entry": "any" | "first", "breakdown": <as hold_constant>,
/// "correlation": false, "time_bins": 10}`; every key but `steps` optional:
/// an exclusion voids a conversion between two steps, `within` is a step's
/// window from the previous one, `correlation` needs event labels, see
/// `eng_funnel_events_json`) over the touchpoints (`customer`, `time`,
/// `channel`, `kind`) and returns the result as JSON (`steps`,
/// `customers`, `step_conversion`, `overall_conversion`, `drop_off`,
/// `median_time`, `p25_time`, `p75_time`, `time_histogram` (per step
/// `edges`, `counts`), and with those settings `breakdown` (`label`,
/// `result`) and `correlation` (per `event`: the 2×2 counts, `odds_ratio`,
/// `ci_low`, `ci_high`, `p_value`)), owned by the caller.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON` (a malformed funnel or an
/// unknown kind or channel label), `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_EMPTY_INPUT` (nobody enters the funnel),
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// As `eng_journey_sequences_json`; `funnel_json` NULL or `funnel_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_funnel_json(
    touchpoints: *const eng_touchpoints,
    funnel_json: *const c_char,
    funnel_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let funnel: engagement_core::funnel::Funnel =
                crate::json::document(funnel_json, funnel_len, "funnel_json")?;
            let cols = read(touchpoints)?.columns(Reads::Journey)?;
            let r = engagement_core::funnel::run_funnel(&cols, &funnel)?;
            crate::json::write(&r, out_json, out_len)
        }
    })
}

/// `eng_funnel_json` (same inputs and statuses) with the steps as a table
/// owned by the caller (`eng_table_free`), one row per step: `step` (label:
/// the step names), `customers`, `drop_off` (u64), `step_conversion`,
/// `step_conversion_low`, `step_conversion_high`, `overall_conversion`,
/// `overall_conversion_low`, `overall_conversion_high` (f64: rates and their
/// Wilson intervals), `median_time`, `p25_time`, `p75_time` (f64 seconds
/// from the previous step; NaN where nobody reached it). Breakdowns, time
/// histograms and correlations stay in the JSON form.
///
/// # Safety
/// As `eng_funnel_json`; `out_table` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_funnel_table(
    touchpoints: *const eng_touchpoints,
    funnel_json: *const c_char,
    funnel_len: usize,
    out_table: *mut *mut crate::table::eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_table = out(out_table, "out_table")?;
            let funnel: engagement_core::funnel::Funnel =
                crate::json::document(funnel_json, funnel_len, "funnel_json")?;
            let cols = read(touchpoints)?.columns(Reads::Journey)?;
            let r = engagement_core::funnel::run_funnel(&cols, &funnel)?;
            crate::table::hand_out_table(&r, out_table);
            Ok(())
        }
    })
}

/// Runs a funnel (as `eng_funnel_json`) for each group of customers and for
/// everyone. Groups are given as `group_len` pairs (`group_customer[i]`,
/// `group[i]`), `group[i]` indexing the JSON array of names `labels_json`;
/// each customer at most once; customers not listed count in the total only.
/// The result is JSON: `labels` (the groups someone entered), `results` (a
/// funnel result per label), `total`, `ungrouped` (customers entering with no
/// group), owned by the caller.
///
/// Returns as `eng_funnel_json`, and `ENG_STATUS_INVALID_INPUT` for a group
/// index beyond the labels or a customer listed twice.
///
/// # Safety
/// As `eng_funnel_json`; `group_customer` and `group` NULL (with
/// `group_len` 0) or `group_len` elements; `labels_json` `labels_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_funnel_by_group_json(
    touchpoints: *const eng_touchpoints,
    funnel_json: *const c_char,
    funnel_len: usize,
    group_customer: *const u64,
    group: *const u32,
    group_len: usize,
    labels_json: *const c_char,
    labels_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let funnel: engagement_core::funnel::Funnel =
                crate::json::document(funnel_json, funnel_len, "funnel_json")?;
            let groups = engagement_core::funnel::CustomerGroups {
                customer: slice(group_customer, group_len, "group_customer")?.to_vec(),
                group: slice(group, group_len, "group")?.to_vec(),
                labels: crate::json::document(labels_json, labels_len, "labels_json")?,
            };
            let cols = read(touchpoints)?.columns(Reads::Journey)?;
            let r = engagement_core::funnel::run_funnel_by(&cols, &funnel, &groups)?;
            crate::json::write(&r, out_json, out_len)
        }
    })
}

/// Runs a funnel per group of customers as `eng_funnel_by_group_json`, the
/// groups taken from each customer's first touchpoint: `by_json` is
/// `"acquisition_channel"` (its channel) or `{"cohort": "day" | "week" |
/// "month"}` (its period, labelled `YYYY-MM-DD` of the period's first day).
///
/// Returns as `eng_funnel_json`.
///
/// # Safety
/// As `eng_funnel_json`; `by_json` `by_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_funnel_by_first_touch_json(
    touchpoints: *const eng_touchpoints,
    funnel_json: *const c_char,
    funnel_len: usize,
    by_json: *const c_char,
    by_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let funnel: engagement_core::funnel::Funnel =
                crate::json::document(funnel_json, funnel_len, "funnel_json")?;
            let by: engagement_core::funnel::GroupBy =
                crate::json::document(by_json, by_len, "by_json")?;
            let cols = read(touchpoints)?.columns(Reads::Journey)?;
            let groups = engagement_core::funnel::CustomerGroups::first_touch(&cols, by)?;
            let r = engagement_core::funnel::run_funnel_by(&cols, &funnel, &groups)?;
            crate::json::write(&r, out_json, out_len)
        }
    })
}

/// A stage history from C columns (stage codes); `prefix` names the
/// arguments in errors (`"stage_"` gives `stage_customer` …).
///
/// # Safety
/// Each pointer NULL (with `len` 0) or `len` readable elements.
unsafe fn stage_history(
    customer: *const u64,
    stage: *const u8,
    entered_at: *const i64,
    len: usize,
    prefix: &str,
) -> Result<engagement_core::StageHistory, crate::boundary::Failure> {
    let name = |n: &str| format!("{prefix}{n}");
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        Ok(engagement_core::StageHistory::from_codes(
            slice(customer, len, &name("customer"))?.to_vec(),
            slice(stage, len, "stage")?,
            slice(entered_at, len, &name("entered_at"))?.to_vec(),
        )?)
    }
}

/// Runs a funnel (as `eng_funnel_json`) whose steps may also read a campaign
/// per touchpoint (`"campaigns": [ids]` in a step) and stage entries (a step
/// `{"name", "stages": ["loyal", …]}`: the customer entering one of those
/// stages). The touchpoints' `campaign` column holds campaign ids (0 = none) or is NULL;
/// the stage history is `stage_len` entries (`stage_customer`, `stage`
/// codes (`ENG_STAGE_*`), `stage_entered_at`), or absent when
/// `stage_customer` is NULL. A stage entered at the time of a touchpoint
/// counts after it.
///
/// Returns as `eng_funnel_json`, and `ENG_STATUS_CONFIG` for a step that
/// needs a campaign column or a stage history that is not given.
///
/// # Safety
/// As `eng_funnel_json`; the stage columns NULL or `stage_len` elements each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_funnel_with_json(
    touchpoints: *const eng_touchpoints,
    stage_customer: *const u64,
    stage: *const u8,
    stage_entered_at: *const i64,
    stage_len: usize,
    funnel_json: *const c_char,
    funnel_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let funnel: engagement_core::funnel::Funnel =
                crate::json::document(funnel_json, funnel_len, "funnel_json")?;
            let tp = read(touchpoints)?;
            let cols = tp.columns(Reads::Journey)?;
            let campaign = tp.campaign()?;
            let history = if stage_customer.is_null() {
                None
            } else {
                Some(stage_history(
                    stage_customer,
                    stage,
                    stage_entered_at,
                    stage_len,
                    "stage_",
                )?)
            };
            let extras = engagement_core::funnel::FunnelExtras {
                campaign,
                stages: history.as_ref(),
                events: None,
                session: &[],
            };
            let r = engagement_core::funnel::run_funnel_with(&cols, &extras, &funnel)?;
            crate::json::write(&r, out_json, out_len)
        }
    })
}
