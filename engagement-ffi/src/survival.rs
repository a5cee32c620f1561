//! Retention curves: Kaplan–Meier with Greenwood bands, and the log-rank test.

use std::ffi::c_char;

use engagement_core::survival::{LogRankTest, kaplan_meier, logrank_test};

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
