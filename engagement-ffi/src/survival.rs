//! Retention curves: Kaplan–Meier with Greenwood bands, the log-rank test and
//! restricted mean survival times; Cox proportional hazards.

use std::ffi::c_char;

use engagement_core::survival::{
    CoxColumns, CoxConfig, CoxCovariates, CoxModel, LogRankTest, Rmst, cox, kaplan_meier,
    logrank_test, rmst, rmst_difference,
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

/// `count` columns of `len` values each, stored one column after another.
///
/// # Safety
/// `ptr` NULL (only with `count * len == 0`) or `count * len` elements.
unsafe fn columns<'a, T>(
    ptr: *const T,
    count: usize,
    len: usize,
    name: &str,
) -> Result<Vec<&'a [T]>, Failure> {
    let total = count.checked_mul(len).ok_or_else(|| {
        Failure::from(engagement_core::EngError::invalid(
            name,
            format!("{count} columns of {len} rows"),
            "is more values than memory holds",
        ))
    })?;
    // SAFETY: forwarded from the caller.
    let all = unsafe { slice(ptr, total, name)? };
    Ok(if len == 0 {
        vec![&[][..]; count]
    } else {
        all.chunks(len).collect()
    })
}

/// Fits a Cox proportional hazards model to `len` customers and writes it as
/// JSON (owned by the caller; release with `eng_string_free`).
///
/// `duration` is the time to churn (`observed` 1) or to the end of
/// observation (`observed` 0). `numeric` holds `numeric_count` columns of
/// `len` doubles one after another (column-major), `categorical`
/// `categorical_count` columns of `len` level codes; `strata` (codes) and
/// `clusters` (any ids; robust errors per cluster) may be NULL.
/// `columns_json` (required) names them: `{"numeric": ["score", "tenure"],
/// "categorical": [{"name": "channel", "levels": ["email", "search", "web"],
/// "reference": "email"}], "strata": ["basic", "premium"]}` — code `k` means
/// `levels[k]`; the reference (default the first level) gets no coefficient,
/// every other level one named `channel[T.search]`. `config_json` (NULL for
/// the defaults) is `{"ties": "efron" | "breslow", "level": 0.95, "robust":
/// false, "max_iterations": 50}`.
///
/// The model: `{"terms": [{"name", "covariate", "level" (null for numeric),
/// "coefficient", "standard_error", "ci_low", "ci_high", "hazard_ratio",
/// "hazard_ratio_ci_low", "hazard_ratio_ci_high", "z", "p_value", "mean"}],
/// "columns", "ties", "robust", "clusters" (null or the number of clusters),
/// "level", "customers", "events", "log_likelihood", "null_log_likelihood",
/// "likelihood_ratio": {"statistic", "degrees_of_freedom", "p_value"}, "aic",
/// "concordance" (Harrell's C, within strata), "iterations", "covariance"
/// (row-major p × p), "baseline": [{"stratum", "time", "hazard",
/// "cumulative_hazard", "survival"}]}`: the baseline is that of a customer at
/// every covariate's mean (Breslow's estimator), one per stratum. Give the
/// model to `eng_cox_predict`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_EMPTY_INPUT` (no customer or no
/// event), `ENG_STATUS_INVALID_INPUT` (a negative or non-finite duration, a
/// flag other than 0 or 1, a non-finite covariate, a code without a level),
/// `ENG_STATUS_LENGTH_MISMATCH` (column counts that differ from
/// `columns_json`), `ENG_STATUS_CONFIG` (no covariate, a constant covariate
/// or a level no one has, collinear covariates (the message names the term),
/// a bad level, a categorical covariate with more levels than half the
/// customers (an identifier), more than 1,000 coefficients),
/// `ENG_STATUS_UNKNOWN_LABEL` (a reference that is no level),
/// `ENG_STATUS_CONVERGENCE` (a coefficient that grows without bound: the
/// events separate on it), `ENG_STATUS_JSON`, `ENG_STATUS_NULL_POINTER`.
/// Thread-safe.
///
/// # Safety
/// `duration`, `observed`, `strata` and `clusters` NULL or `len` elements;
/// `numeric` NULL or `numeric_count * len`, `categorical` NULL or
/// `categorical_count * len`; the JSON arguments their lengths in bytes;
/// `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_cox_json(
    duration: *const f64,
    observed: *const u8,
    len: usize,
    numeric: *const f64,
    numeric_count: usize,
    categorical: *const u32,
    categorical_count: usize,
    strata: *const u32,
    clusters: *const u64,
    columns_json: *const c_char,
    columns_len: usize,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let names: CoxColumns =
                crate::json::document(columns_json, columns_len, "columns_json")?;
            let config: CoxConfig = crate::json::config(config_json, config_len, "config_json")?;
            let numeric = columns(numeric, numeric_count, len, "numeric")?;
            let categorical = columns(categorical, categorical_count, len, "categorical")?;
            let strata = (!strata.is_null())
                .then(|| slice(strata, len, "strata"))
                .transpose()?;
            let clusters = (!clusters.is_null())
                .then(|| slice(clusters, len, "clusters"))
                .transpose()?;
            let cov = CoxCovariates {
                numeric: &numeric,
                categorical: &categorical,
                strata,
                columns: &names,
            };
            let model = cox(
                slice(duration, len, "duration")?,
                &flags(observed, len, "observed")?,
                &cov,
                clusters,
                &config,
            )?;
            crate::json::write(&model, out_json, out_len)
        }
    })
}

/// Predicts from a Cox model (`cox_model_json`: the JSON `eng_cox_json`
/// wrote) for `len`
/// customers whose covariates are given as for `eng_cox_json` (`columns_json`
/// names them and their levels, which may be in another order than the
/// fit's; `strata` codes, required when the model is stratified).
/// Writes each customer's partial hazard `exp(βᵀ(x − x̄))` into
/// `out_partial_hazard` (`len` doubles) and survival at each of the
/// `times_len` `times` into `out_survival` (`len * times_len` doubles,
/// customer by customer: row `i` holds customer `i`'s curve). Either output
/// may be NULL when not wanted.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_CONFIG` (a covariate of the model
/// missing, no strata for a stratified model), `ENG_STATUS_UNKNOWN_LABEL` (a
/// level or stratum the model was not fitted on), `ENG_STATUS_INVALID_INPUT`
/// (non-finite values or times, a code without a level),
/// `ENG_STATUS_LENGTH_MISMATCH`, `ENG_STATUS_JSON`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// As `eng_cox_json` for the covariates; `times` NULL or `times_len`
/// elements; each output NULL or room for its size.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_cox_predict(
    cox_model_json: *const c_char,
    cox_model_len: usize,
    numeric: *const f64,
    numeric_count: usize,
    categorical: *const u32,
    categorical_count: usize,
    strata: *const u32,
    len: usize,
    columns_json: *const c_char,
    columns_len: usize,
    times: *const f64,
    times_len: usize,
    out_partial_hazard: *mut f64,
    out_survival: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let model: CoxModel =
                crate::json::document(cox_model_json, cox_model_len, "cox_model_json")?;
            let names: CoxColumns =
                crate::json::document(columns_json, columns_len, "columns_json")?;
            let numeric = columns(numeric, numeric_count, len, "numeric")?;
            let categorical = columns(categorical, categorical_count, len, "categorical")?;
            let strata = (!strata.is_null())
                .then(|| slice(strata, len, "strata"))
                .transpose()?;
            let cov = CoxCovariates {
                numeric: &numeric,
                categorical: &categorical,
                strata,
                columns: &names,
            };
            let p = model.predict(&cov, slice(times, times_len, "times")?)?;
            crate::handle::fill(
                crate::handle::out_column(out_partial_hazard, len, "out_partial_hazard")?,
                &p.partial_hazard,
            );
            crate::handle::fill(
                crate::handle::out_column(out_survival, p.survival.len(), "out_survival")?,
                &p.survival,
            );
            Ok(())
        }
    })
}
