//! Transaction summaries and RFM from C.

use std::ffi::c_char;

use engagement_core::transactions::{
    SummaryConfig, TransactionColumns, calibration_and_holdout, summarize,
};
use engagement_core::{RfmConfig, RfmScores, RfmValues, rfm_scores};

use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{ClvModel, ClvModelKind};

use crate::boundary::{Failure, boundary};
use crate::handle::{fill, fits, optional, out, out_column, slice, text};
use crate::status::eng_status;

/// # Safety
/// `customer` and `time` must point to `len` elements (or be NULL with
/// `len == 0`); `value` NULL or `len` elements.
unsafe fn columns<'a>(
    customer: *const u64,
    time: *const i64,
    value: *const f64,
    len: usize,
) -> Result<TransactionColumns<'a>, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        Ok(TransactionColumns {
            customer: slice(customer, len, "customer")?,
            time: slice(time, len, "time")?,
            value: optional(value, len, "value")?,
        })
    }
}

/// Writes RFM scores into optional output columns.
///
/// # Safety
/// Every non-NULL output must be valid for `cap` writes; `out_len` for one.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn write_rfm(
    scores: &RfmScores,
    out_customer: *mut u64,
    out_r: *mut u8,
    out_f: *mut u8,
    out_m: *mut u8,
    out_code: *mut u16,
    out_score: *mut u8,
    out_segment: *mut u16,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        let out_len = out(out_len, "out_len")?;
        let columns = (
            out_column(out_customer, cap, "out_customer")?,
            out_column(out_r, cap, "out_r")?,
            out_column(out_f, cap, "out_f")?,
            out_column(out_m, cap, "out_m")?,
            out_column(out_code, cap, "out_code")?,
            out_column(out_score, cap, "out_score")?,
            out_column(out_segment, cap, "out_segment")?,
        );
        fits(scores.customer.len(), cap, out_len)?;
        fill(columns.0, &scores.customer);
        fill(columns.1, &scores.r);
        fill(columns.2, &scores.f);
        fill(columns.3, &scores.m);
        fill(columns.4, &scores.code);
        fill(columns.5, &scores.score);
        fill(columns.6, &scores.segment);
        *out_len = scores.customer.len();
    }
    Ok(())
}

/// Per-customer transaction summary in the CLV literature's convention
/// (frequency = repeat purchase periods, recency, T, mean repeat value) of
/// the `len` transactions (`value` may be NULL: no money) at or before
/// `observation_end`. `config_json` is a `SummaryConfig` (`{"period": "day",
/// "unit": "week"}`; NULL or empty: days). Outputs in ascending customer id,
/// capacity `cap`, any may be NULL. `out_frequency` gets whole numbers as
/// doubles, the type every model call takes, so the columns go into
/// `eng_clv_fit_json` and the predictions as they are. `recency` and `t` are in the config's
/// `unit` (days by default): a model fitted on them knows it only when told
/// (`"unit"` in `eng_clv_fit_json`'s options), or fit with
/// `eng_clv_fit_summary_json`, which records it.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_BUFFER_TOO_SMALL`,
/// `ENG_STATUS_INVALID_INPUT`, `ENG_STATUS_EMPTY_INPUT`, `ENG_STATUS_JSON`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// Inputs must point to `len` elements (value may be NULL); non-NULL outputs
/// valid for `cap` writes; `out_len` for one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_transaction_summary(
    customer: *const u64,
    time: *const i64,
    value: *const f64,
    len: usize,
    observation_end: i64,
    config_json: *const c_char,
    config_len: usize,
    out_customer: *mut u64,
    out_frequency: *mut f64,
    out_recency: *mut f64,
    out_t: *mut f64,
    out_monetary_value: *mut f64,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let cols = columns(customer, time, value, len)?;
            let config: SummaryConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let out_len = out(out_len, "out_len")?;
            let outs = (
                out_column(out_customer, cap, "out_customer")?,
                out_column(out_frequency, cap, "out_frequency")?,
                out_column(out_recency, cap, "out_recency")?,
                out_column(out_t, cap, "out_t")?,
                out_column(out_monetary_value, cap, "out_monetary_value")?,
            );
            let s = summarize(&cols, observation_end, &config)?;
            fits(s.len(), cap, out_len)?;
            fill(outs.0, &s.customer);
            fill(outs.1, &s.frequency);
            fill(outs.2, &s.recency);
            fill(outs.3, &s.t);
            fill(outs.4, &s.monetary_value);
            *out_len = s.len();
        }
        Ok(())
    })
}

/// Fits a lifetime-value model on the transaction summary of the `len`
/// transactions (as `eng_transaction_summary` with `config_json`, NULL or
/// empty: days) and writes the fit as JSON into `*out_json` (as
/// `eng_clv_fit_json`). The fitted model records the summary's time unit
/// (`"unit"` in its JSON), so calendar horizons of
/// `eng_clv_discounted_value` convert; Gamma-Gamma is fitted on the repeat
/// buyers. `model` is `bg_nbd`, `mbg_nbd`, `pareto_nbd` or `gamma_gamma`;
/// `options_json` is `FitOptions` (NULL or empty: defaults; a `unit` other
/// than the summary's is `ENG_STATUS_CONFIG`).
///
/// Returns the statuses of `eng_transaction_summary` and `eng_clv_fit_json`.
/// Thread-safe.
///
/// # Safety
/// As `eng_transaction_summary` for the transactions and `config_json`; as
/// `eng_clv_fit_json` for `model`, `options_json`, `out_json` and `out_len`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn eng_clv_fit_summary_json(
    model: *const c_char,
    model_len: usize,
    customer: *const u64,
    time: *const i64,
    value: *const f64,
    len: usize,
    observation_end: i64,
    config_json: *const c_char,
    config_len: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let kind: ClvModelKind = text(model, model_len, "model")?.parse()?;
            let cols = columns(customer, time, value, len)?;
            let config: SummaryConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let options: FitOptions =
                crate::json::config(options_json, options_len, "options_json")?;
            let s = summarize(&cols, observation_end, &config)?;
            let fit = ClvModel::fit_summary(kind, &s, &options)?;
            crate::json::write(&fit, out_json, out_len)
        }
    })
}

/// Calibration summary at `calibration_end` plus each customer's holdout
/// purchase periods and mean value up to `observation_end`, as JSON
/// (`{"calibration": {"customer", "frequency", "recency", "T",
/// "monetary_value"}, "frequency_holdout", "monetary_value_holdout",
/// "duration_holdout"}`), owned by the caller (release with `eng_string_free`).
///
/// Returns as `eng_transaction_summary`, plus `ENG_STATUS_CONFIG` unless
/// `calibration_end < observation_end`.
///
/// # Safety
/// As `eng_transaction_summary`; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_calibration_holdout_json(
    customer: *const u64,
    time: *const i64,
    value: *const f64,
    len: usize,
    calibration_end: i64,
    observation_end: i64,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let cols = columns(customer, time, value, len)?;
            let config: SummaryConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let split = calibration_and_holdout(&cols, calibration_end, observation_end, &config)?;
            crate::json::write(&split, out_json, out_len)
        }
    })
}

/// RFM values (days since last purchase, purchases, monetary per the
/// configuration's `monetary` basis) of each customer of a transaction log
/// at `as_of`, in ascending customer id. `config_json`: `RfmConfig` (NULL or
/// empty: defaults). Outputs (capacity `cap`, any may be NULL).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_BUFFER_TOO_SMALL`,
/// `ENG_STATUS_AS_OF_BEFORE_DATA`, `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// As `eng_transaction_summary`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_rfm_values(
    customer: *const u64,
    time: *const i64,
    value: *const f64,
    len: usize,
    as_of: i64,
    config_json: *const c_char,
    config_len: usize,
    out_customer: *mut u64,
    out_recency: *mut f64,
    out_frequency: *mut f64,
    out_monetary: *mut f64,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let cols = columns(customer, time, value, len)?;
            let config: RfmConfig = crate::json::config(config_json, config_len, "config_json")?;
            let out_len = out(out_len, "out_len")?;
            let outs = (
                out_column(out_customer, cap, "out_customer")?,
                out_column(out_recency, cap, "out_recency")?,
                out_column(out_frequency, cap, "out_frequency")?,
                out_column(out_monetary, cap, "out_monetary")?,
            );
            let v = RfmValues::from_transactions(&cols, as_of, config.monetary)?;
            fits(v.customer.len(), cap, out_len)?;
            fill(outs.0, &v.customer);
            fill(outs.1, &v.recency);
            fill(outs.2, &v.frequency);
            fill(outs.3, &v.monetary);
            *out_len = v.customer.len();
        }
        Ok(())
    })
}

/// RFM scores of given values (`len` customers: ids, days since last
/// purchase, purchases, monetary), in input order: scores 1–5, code, score
/// and segment (index into `eng_rfm_segment_names_json`). `config_json` as
/// `eng_profile_store_rfm` (`bins` chooses fifths of customers, the default,
/// or of distinct values). Outputs as `eng_profile_store_rfm`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_BUFFER_TOO_SMALL`,
/// `ENG_STATUS_INVALID_INPUT` (NaN, infinite or negative; the message gives
/// the row), `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`, `ENG_STATUS_NULL_POINTER`.
/// Thread-safe.
///
/// # Safety
/// Inputs must point to `len` elements; non-NULL outputs valid for `cap`
/// writes; `out_len` for one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_rfm_scores(
    customer: *const u64,
    recency: *const f64,
    frequency: *const f64,
    monetary: *const f64,
    len: usize,
    config_json: *const c_char,
    config_len: usize,
    out_r: *mut u8,
    out_f: *mut u8,
    out_m: *mut u8,
    out_code: *mut u16,
    out_score: *mut u8,
    out_segment: *mut u16,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let values = RfmValues {
                customer: slice(customer, len, "customer")?.to_vec(),
                recency: slice(recency, len, "recency")?.to_vec(),
                frequency: slice(frequency, len, "frequency")?.to_vec(),
                monetary: slice(monetary, len, "monetary")?.to_vec(),
            };
            let config: RfmConfig = crate::json::config(config_json, config_len, "config_json")?;
            let scores = rfm_scores(&values, &config)?;
            write_rfm(
                &scores,
                std::ptr::null_mut(),
                out_r,
                out_f,
                out_m,
                out_code,
                out_score,
                out_segment,
                cap,
                out_len,
            )
        }
    })
}

/// The segment names of an RFM configuration (NULL or empty: the default
/// table), in the order that `out_segment` indices refer to, as a JSON array
/// owned by the caller (release with `eng_string_free`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `config_json` NULL or `config_len` readable bytes; `out_json` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_rfm_segment_names_json(
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        unsafe {
            let config: RfmConfig = crate::json::config(config_json, config_len, "config_json")?;
            let names = config.segment_names()?;
            crate::json::write(&names, out_json, out_len)
        }
    })
}

/// Acquisition cohorts of `len` transactions up to `as_of` (inclusive) as
/// JSON (`period`, `cohort_start`, `size`, `periods`, `observed`, and the
/// row-major `cohorts × periods` matrices `active`, `retention`,
/// `revenue_per_customer`, `cumulative_revenue_per_customer`, null where not
/// yet observed), owned by the caller (release with `eng_string_free`).
/// `config_json`: `CohortConfig` (`period`: `day`, `week` or `month` (the
/// default); `max_periods`, 36 by default); NULL or empty for the defaults.
///
/// Returns as `eng_transaction_summary` (`ENG_STATUS_EMPTY_INPUT` when no
/// transaction is at or before `as_of`). Thread-safe.
///
/// # Safety
/// As `eng_transaction_summary`; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_cohorts_json(
    customer: *const u64,
    time: *const i64,
    value: *const f64,
    len: usize,
    as_of: i64,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let cols = columns(customer, time, value, len)?;
            let config: engagement_core::cohort::CohortConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let table = engagement_core::cohort::cohorts(&cols, as_of, &config)?;
            crate::json::write(&table, out_json, out_len)
        }
    })
}
