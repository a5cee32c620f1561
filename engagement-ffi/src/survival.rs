//! Retention curves: Kaplan–Meier with Greenwood bands, the log-rank test and
//! restricted mean survival times.

use std::ffi::c_char;

use engagement_core::survival::{
    LogRankTest, Rmst, kaplan_meier, logrank_test, rmst, rmst_difference,
};

use crate::boundary::{Failure, boundary};
use crate::handle::{out, slice};
use crate::status::eng_status;

/// The log-rank comparison of two groups (see `eng_logrank_test`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_logrank_result {
    /// Events observed in the first group.
    pub observed_a: f64,
    /// Events expected in the first group under one shared curve.
    pub expected_a: f64,
    /// Chi-square statistic (1 degree of freedom).
    pub statistic: f64,
    /// p-value.
    pub p_value: f64,
}

impl From<LogRankTest> for eng_logrank_result {
    fn from(t: LogRankTest) -> Self {
        eng_logrank_result {
            observed_a: t.observed_a,
            expected_a: t.expected_a,
            statistic: t.statistic,
            p_value: t.p_value,
        }
    }
}

/// Event flags: 1 = churn observed, 0 = censored (still active).
///
/// # Safety
/// As `slice`.
unsafe fn flags(ptr: *const u8, len: usize, name: &str) -> Result<Vec<bool>, Failure> {
    // SAFETY: forwarded from the caller.
    let raw = unsafe { slice(ptr, len, name)? };
    raw.iter()
        .enumerate()
        .map(|(i, &v)| match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(engagement_core::EngError::invalid(
                name,
                v,
                "must be 0 (censored) or 1 (churned)",
            )
            .at_row(i)
            .into()),
        })
        .collect()
}

/// The Kaplan–Meier curve of `len` customers (`duration` to churn or to the
/// end of observation; `observed` 1 when the churn was seen, 0 when censored)
/// with a pointwise band at `level`, as JSON (`time`, `at_risk`, `events`,
/// `censored`, `survival`, `ci_low`, `ci_high`, `median` or null, `level`),
/// owned by the caller (release with `eng_string_free`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_EMPTY_INPUT`,
/// `ENG_STATUS_INVALID_INPUT` (a negative or non-finite duration, a flag
/// other than 0 or 1; the message names the row), `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `duration` and `observed` NULL or `len` elements; `out_json` valid for one
/// write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_kaplan_meier_json(
    duration: *const f64,
    observed: *const u8,
    len: usize,
    level: f64,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let km = kaplan_meier(
                slice(duration, len, "duration")?,
                &flags(observed, len, "observed")?,
                level,
            )?;
            crate::json::write(&km, out_json, out_len)
        }
    })
}

/// The log-rank test that two groups churn at the same rate (durations and
/// 0/1 event flags per group, as `eng_kaplan_meier_json`).
///
/// Returns as `eng_kaplan_meier_json`, plus `ENG_STATUS_INVALID_INPUT` when
/// neither group has an event. Thread-safe.
///
/// # Safety
/// Each column NULL or its length of elements; `out_test` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_logrank_test(
    duration_a: *const f64,
    observed_a: *const u8,
    len_a: usize,
    duration_b: *const f64,
    observed_b: *const u8,
    len_b: usize,
    out_test: *mut eng_logrank_result,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_test = out(out_test, "out_test")?;
            *out_test = logrank_test(
                slice(duration_a, len_a, "duration_a")?,
                &flags(observed_a, len_a, "observed_a")?,
                slice(duration_b, len_b, "duration_b")?,
                &flags(observed_b, len_b, "observed_b")?,
            )?
            .into();
        }
        Ok(())
    })
}

/// A restricted mean survival time (see `eng_rmst`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_rmst_result {
    /// The horizon.
    pub tau: f64,
    /// The expected active time within `tau` (area under the curve).
    pub rmst: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Lower bound of the normal interval.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Confidence level.
    pub level: f64,
}

impl From<Rmst> for eng_rmst_result {
    fn from(r: Rmst) -> Self {
        eng_rmst_result {
            tau: r.tau,
            rmst: r.rmst,
            standard_error: r.standard_error,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            level: r.level,
        }
    }
}

/// Two groups' restricted mean survival times compared (see
/// `eng_rmst_difference`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_rmst_difference_result {
    /// The first group (the reference).
    pub a: eng_rmst_result,
    /// The second group.
    pub b: eng_rmst_result,
    /// `b.rmst − a.rmst`.
    pub difference: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Lower bound of the difference's interval.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// `difference / standard_error`.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// `b.rmst / a.rmst`.
    pub ratio: f64,
    /// Lower bound of the ratio's interval (log scale).
    pub ratio_ci_low: f64,
    /// Upper bound.
    pub ratio_ci_high: f64,
    /// Confidence level.
    pub level: f64,
}

/// The restricted mean survival time of `len` customers up to `tau` (in the
/// durations' unit): the expected active time within `tau`, the area under
/// the Kaplan–Meier curve, with its standard error (Klein & Moeschberger;
/// survRM2's formula) and a normal interval at `level`. Columns as
/// `eng_kaplan_meier_json`.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_INVALID_INPUT` for a bad duration or
/// flag (its row in the message) or `tau` past the longest duration;
/// `ENG_STATUS_CONFIG` for `tau` not finite and > 0 or a level outside (0,
/// 1); `ENG_STATUS_EMPTY_INPUT`; `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `duration` and `observed` `len` elements each; `out_result` valid for one
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_rmst(
    duration: *const f64,
    observed: *const u8,
    len: usize,
    tau: f64,
    level: f64,
    out_result: *mut eng_rmst_result,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_result = out(out_result, "out_result")?;
            *out_result = rmst(
                slice(duration, len, "duration")?,
                &flags(observed, len, "observed")?,
                tau,
                level,
            )?
            .into();
        }
        Ok(())
    })
}

/// Compares two groups' restricted mean survival times up to `tau` (within
/// both groups' follow-up): the difference and ratio of `b` against `a` with
/// normal intervals at `level`, and the two-sided test of no difference.
///
/// Returns as `eng_rmst` for either group. Thread-safe.
///
/// # Safety
/// `duration_a` and `observed_a` `len_a` elements, `duration_b` and
/// `observed_b` `len_b`; `out_result` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_rmst_difference(
    duration_a: *const f64,
    observed_a: *const u8,
    len_a: usize,
    duration_b: *const f64,
    observed_b: *const u8,
    len_b: usize,
    tau: f64,
    level: f64,
    out_result: *mut eng_rmst_difference_result,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_result = out(out_result, "out_result")?;
            let d = rmst_difference(
                slice(duration_a, len_a, "duration_a")?,
                &flags(observed_a, len_a, "observed_a")?,
                slice(duration_b, len_b, "duration_b")?,
                &flags(observed_b, len_b, "observed_b")?,
                tau,
                level,
            )?;
            *out_result = eng_rmst_difference_result {
                a: d.a.into(),
                b: d.b.into(),
                difference: d.difference,
                standard_error: d.standard_error,
                ci_low: d.ci_low,
                ci_high: d.ci_high,
                z: d.z,
                p_value: d.p_value,
                ratio: d.ratio,
                ratio_ci_low: d.ratio_ci_low,
                ratio_ci_high: d.ratio_ci_high,
                level: d.level,
            };
        }
        Ok(())
    })
}
