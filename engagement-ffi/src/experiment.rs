//! A/B tests: conversion, revenue per customer, Bayesian comparison, power and
//! sample size (plain structs written to the caller's pointer); experiment
//! readouts over k arms (JSON), the sample-ratio check and p-value corrections.

use std::ffi::c_char;

use engagement_core::experiment::{
    Arm, ArmSums, BayesianConversion, BetaPrior, ConversionTest, Correction, Interval,
    ReadoutConfig, UnitColumns, WelchTest, adjust_p_values, bayesian_conversion_test,
    conversion_test, power_two_proportions, readout, readout_from_sums,
    sample_size_two_proportions, srm_test, welch_test,
};

use crate::boundary::boundary;
use crate::handle::{out, slice};
use crate::metrics::eng_proportion;
use crate::status::eng_status;

/// A two-sided interval.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl From<Interval> for eng_interval {
    fn from(i: Interval) -> Self {
        eng_interval {
            low: i.low,
            high: i.high,
        }
    }
}

/// Two conversion rates compared (see `eng_conversion_test`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_conversion_result {
    /// Control rate with its Wilson interval.
    pub control: eng_proportion,
    /// Treatment rate with its Wilson interval.
    pub treatment: eng_proportion,
    /// Treatment rate − control rate.
    pub difference: f64,
    /// Wald interval of the difference.
    pub difference_interval: eng_interval,
    /// Treatment / control − 1 (NaN when the control rate is 0).
    pub relative_lift: f64,
    /// Delta-method interval of the relative lift (NaN when an arm has no conversion).
    pub relative_lift_interval: eng_interval,
    /// Pooled two-proportion z.
    pub z: f64,
    /// Pearson chi-square without continuity correction (z²).
    pub chi_square: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Confidence level.
    pub level: f64,
}

impl From<ConversionTest> for eng_conversion_result {
    fn from(t: ConversionTest) -> Self {
        eng_conversion_result {
            control: t.control.into(),
            treatment: t.treatment.into(),
            difference: t.difference,
            difference_interval: t.difference_interval.into(),
            relative_lift: t.relative_lift,
            relative_lift_interval: t.relative_lift_interval.into(),
            z: t.z,
            chi_square: t.chi_square,
            p_value: t.p_value,
            level: t.level,
        }
    }
}

/// Two means compared by Welch's t-test (see `eng_welch_test`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_welch_result {
    /// Control mean.
    pub control_mean: f64,
    /// Treatment mean.
    pub treatment_mean: f64,
    /// Treatment mean − control mean.
    pub difference: f64,
    /// Interval of the difference.
    pub difference_interval: eng_interval,
    /// t statistic.
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub degrees_of_freedom: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Confidence level.
    pub level: f64,
}

impl From<WelchTest> for eng_welch_result {
    fn from(t: WelchTest) -> Self {
        eng_welch_result {
            control_mean: t.control_mean,
            treatment_mean: t.treatment_mean,
            difference: t.difference,
            difference_interval: t.difference_interval.into(),
            t: t.t,
            degrees_of_freedom: t.degrees_of_freedom,
            p_value: t.p_value,
            level: t.level,
        }
    }
}

/// Two conversion rates compared by their Beta posteriors (see
/// `eng_bayesian_conversion_test`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_bayesian_result {
    /// P(treatment rate > control rate).
    pub prob_treatment_better: f64,
    /// Expected loss of choosing the treatment.
    pub expected_loss_treatment: f64,
    /// Expected loss of choosing the control.
    pub expected_loss_control: f64,
    /// Posterior mean of the control rate.
    pub control_mean: f64,
    /// Posterior mean of the treatment rate.
    pub treatment_mean: f64,
    /// Equal-tailed credible interval of the control rate.
    pub control_interval: eng_interval,
    /// Equal-tailed credible interval of the treatment rate.
    pub treatment_interval: eng_interval,
    /// Credibility.
    pub level: f64,
}

impl From<BayesianConversion> for eng_bayesian_result {
    fn from(b: BayesianConversion) -> Self {
        eng_bayesian_result {
            prob_treatment_better: b.prob_treatment_better,
            expected_loss_treatment: b.expected_loss_treatment,
            expected_loss_control: b.expected_loss_control,
            control_mean: b.control_mean,
            treatment_mean: b.treatment_mean,
            control_interval: b.control_interval.into(),
            treatment_interval: b.treatment_interval.into(),
            level: b.level,
        }
    }
}

/// Compares the conversion rates of a control and a treatment arm
/// (successes out of trials each): pooled z-test, chi-square, interval of the
/// difference and of the relative lift at `level`.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_EMPTY_INPUT` for an arm without
/// trials; `ENG_STATUS_INVALID_INPUT` when successes exceed trials;
/// `ENG_STATUS_CONFIG` for a level outside (0, 1); `ENG_STATUS_NULL_POINTER`.
/// Thread-safe.
///
/// # Safety
/// `out_test` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_conversion_test(
    control_successes: u64,
    control_trials: u64,
    treatment_successes: u64,
    treatment_trials: u64,
    level: f64,
    out_test: *mut eng_conversion_result,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_test = unsafe { out(out_test, "out_test")? };
        *out_test = conversion_test(
            Arm {
                successes: control_successes,
                trials: control_trials,
            },
            Arm {
                successes: treatment_successes,
                trials: treatment_trials,
            },
            level,
        )?
        .into();
        Ok(())
    })
}

/// Welch's t-test of the means of two samples (revenue per customer, say).
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_EMPTY_INPUT` for a sample of fewer
/// than two values; `ENG_STATUS_INVALID_INPUT` for a value that is not finite
/// or two constant samples; `ENG_STATUS_CONFIG` for a level outside (0, 1);
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `control` NULL or `control_len` doubles, `treatment` likewise;
/// `out_test` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_welch_test(
    control: *const f64,
    control_len: usize,
    treatment: *const f64,
    treatment_len: usize,
    level: f64,
    out_test: *mut eng_welch_result,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        unsafe {
            let out_test = out(out_test, "out_test")?;
            *out_test = welch_test(
                slice(control, control_len, "control")?,
                slice(treatment, treatment_len, "treatment")?,
                level,
            )?
            .into();
        }
        Ok(())
    })
}

/// Bayesian comparison of two conversion rates with a Beta(`prior_alpha`,
/// `prior_beta`) prior on each (1, 1: uniform): P(treatment better), expected
/// losses and credible intervals at `level`. Deterministic (exact finite sums
/// for whole-number priors, quadrature otherwise).
///
/// Returns as `eng_conversion_test`, plus `ENG_STATUS_CONFIG` for a prior
/// parameter outside 0.001..=1e9, `ENG_STATUS_INVALID_INPUT` when the
/// quadrature does not converge (non-whole priors and posterior shapes in the
/// millions). Thread-safe.
///
/// # Safety
/// `out_result` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_bayesian_conversion_test(
    control_successes: u64,
    control_trials: u64,
    treatment_successes: u64,
    treatment_trials: u64,
    prior_alpha: f64,
    prior_beta: f64,
    level: f64,
    out_result: *mut eng_bayesian_result,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_result = unsafe { out(out_result, "out_result")? };
        *out_result = bayesian_conversion_test(
            Arm {
                successes: control_successes,
                trials: control_trials,
            },
            Arm {
                successes: treatment_successes,
                trials: treatment_trials,
            },
            BetaPrior {
                alpha: prior_alpha,
                beta: prior_beta,
            },
            level,
        )?
        .into();
        Ok(())
    })
}

/// Power of a two-sided two-proportion test with `n_per_group` customers per
/// arm to detect `baseline` → `baseline + minimum_detectable_effect` at
/// significance `alpha` (normal approximation on Cohen's h).
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_CONFIG` for rates outside (0, 1), a
/// zero effect, `alpha` outside (0, 1) or a non-positive `n_per_group`;
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `out_power` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_power_two_proportions(
    baseline: f64,
    minimum_detectable_effect: f64,
    n_per_group: f64,
    alpha: f64,
    out_power: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_power = unsafe { out(out_power, "out_power")? };
        *out_power =
            power_two_proportions(baseline, minimum_detectable_effect, n_per_group, alpha)?;
        Ok(())
    })
}

/// Customers per arm (not rounded) for a two-sided two-proportion test to
/// reach `power` for `baseline` → `baseline + minimum_detectable_effect` at
/// significance `alpha`.
///
/// Returns as `eng_power_two_proportions`, plus `ENG_STATUS_CONFIG` for a
/// `power` outside (alpha, 1). Thread-safe.
///
/// # Safety
/// `out_n` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_sample_size_two_proportions(
    baseline: f64,
    minimum_detectable_effect: f64,
    alpha: f64,
    power: f64,
    out_n: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_n = unsafe { out(out_n, "out_n")? };
        *out_n = sample_size_two_proportions(baseline, minimum_detectable_effect, alpha, power)?;
        Ok(())
    })
}

/// An optional column: NULL is absent.
///
/// # Safety
/// As `slice`.
unsafe fn column<'a>(
    ptr: *const f64,
    len: usize,
    name: &str,
) -> Result<Option<&'a [f64]>, crate::boundary::Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from the caller.
        Ok(Some(unsafe { slice(ptr, len, name)? }))
    }
}

/// An experiment's readout for one metric from one row per unit (customer),
/// as JSON owned by the caller (release with `eng_string_free`).
///
/// `arm[i]` is unit i's arm, an index into `arm_names_json` (a JSON array of
/// the arms' distinct names, e.g. `["control", "b"]`; required); `values`
/// the metric (the numerator of a ratio metric; 0 or 1 for a proportion);
/// `denominators` the ratio's denominator (NULL unless `"kind": "ratio"`);
/// `pre_values` the pre-period metric for CUPED (NULL: none);
/// `pre_denominators` the pre-period denominator (ratio with CUPED only).
/// Every arm needs two units.
///
/// `config_json` (NULL or empty: defaults) takes `{"kind": "mean" |
/// "proportion" | "ratio", "control": "<name>" (default: the arm named
/// "control", else the first), "level": 0.95, "sequential": false,
/// "sequential_tuning": 5000 (total units where the always-valid interval
/// is narrowest), "correction": "none" | "bonferroni" | "holm" |
/// "benjamini_hochberg" (across the treatment arms), "prior": {"mean": 0,
/// "variance": 0.09} (a proper normal prior on the relative effect; default
/// flat), "weights": [1, 1] or {"control": 1, "b": 1} (the planned split,
/// for the sample-ratio check only)}`.
///
/// The result: `{"kind", "level", "sequential", "correction", "control",
/// "theta" (CUPED's slope; 0 without a covariate), "arms": [{"name", "n",
/// "mean", "adjusted_mean" (mean − theta·(pre_mean − pooled pre_mean), in
/// the metric's units), "variance" (per unit, after CUPED: the standard
/// error is √(variance/n)), "pre_mean" (null without a covariate)}],
/// "comparisons": [{"arm", "absolute": EFFECT, "relative": EFFECT or null
/// (control mean 0), "lognormal": LOGNORMAL or null, "variance_reduction"
/// (the share of the difference's variance CUPED removed, 0..1)}],
/// "chance_to_be_best": […], "expected_loss": […] (per arm, in the order of
/// `arm_names_json`; normal posteriors with a flat prior), "srm":
/// {"expected", "chi_square", "degrees_of_freedom", "p_value"}}`.
///
/// EFFECT is `{"estimate", "standard_error", "degrees_of_freedom",
/// "interval": {"low", "high"}, "p_value", "adjusted_p_value",
/// "chance_to_win", "risk_control", "risk_treatment", "posterior_mean",
/// "credible_interval"}`: Welch's t (for proportions too, variance p(1−p),
/// as GrowthBook), or with `"sequential": true` the always-valid interval
/// and p-value (which depend on `level` through the mixture); the Bayesian
/// fields under the `prior`. LOGNORMAL is `{"log_ratio", "log_ratio_sd",
/// "chance_to_win", "lift", "credible_interval", "risk_control",
/// "risk_treatment"}` (the ratio of adjusted means; risks in the metric's
/// units, flat prior), null when a mean's posterior reaches below 0.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT` (an arm index without
/// a name, two arms of one name, an arm of one unit, a value not finite, a
/// proportion not 0/1, columns that do not fit the kind, no variance),
/// `ENG_STATUS_LENGTH_MISMATCH`, `ENG_STATUS_EMPTY_INPUT` (an arm without
/// units), `ENG_STATUS_CONFIG`, `ENG_STATUS_UNKNOWN_LABEL` (a control or
/// weight name that is no arm), `ENG_STATUS_JSON`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `arm` NULL or `len` elements, each double column NULL or `len` elements;
/// `arm_names_json` `names_len` bytes; `config_json` NULL or `config_len`
/// bytes; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_readout_json(
    arm: *const u32,
    values: *const f64,
    denominators: *const f64,
    pre_values: *const f64,
    pre_denominators: *const f64,
    len: usize,
    arm_names_json: *const c_char,
    names_len: usize,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let names: Vec<String> =
                crate::json::document(arm_names_json, names_len, "arm_names_json")?;
            let config: ReadoutConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let columns = UnitColumns {
                arm: slice(arm, len, "arm")?,
                values: slice(values, len, "values")?,
                denominators: column(denominators, len, "denominators")?,
                pre_values: column(pre_values, len, "pre_values")?,
                pre_denominators: column(pre_denominators, len, "pre_denominators")?,
            };
            crate::json::write(&readout(&columns, &names, &config)?, out_json, out_len)
        }
    })
}

/// An experiment's readout from each arm's sums, as a warehouse query gives
/// them (required): `arms_json` is `[{"name": "control", "count": 1000,
/// "main_sum": 250, "main_sum_squares": 250}, …]` (for a proportion
/// `main_sum_squares` equals `main_sum`), plus `"denominator_sum"`,
/// `"denominator_sum_squares"`, `"main_denominator_sum_product"` for a ratio
/// metric, or `"covariate_sum"`, `"covariate_sum_squares"`,
/// `"main_covariate_sum_product"` for CUPED on a mean or proportion
/// (GrowthBook's names; a ratio with CUPED needs `eng_readout_json`). The
/// arms keep the array's order. Config and result as `eng_readout_json`.
///
/// Returns as `eng_readout_json` (`ENG_STATUS_INVALID_INPUT` also for sums
/// no real values have, such as squares below (sum)²/count). Thread-safe.
///
/// # Safety
/// `arms_json` `arms_len` bytes; `config_json` NULL or `config_len` bytes;
/// `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_readout_sums_json(
    arms_json: *const c_char,
    arms_len: usize,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let arms: Vec<ArmSums> = crate::json::document(arms_json, arms_len, "arms_json")?;
            let config: ReadoutConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            crate::json::write(&readout_from_sums(&arms, &config)?, out_json, out_len)
        }
    })
}

/// The sample-ratio mismatch test (see `eng_srm_test`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_srm_result {
    /// Pearson's chi-square of the counts against the planned split.
    pub chi_square: f64,
    /// Arms − 1.
    pub degrees_of_freedom: u64,
    /// `P(χ² > chi_square)`: small (below 0.001) means a broken assignment.
    pub p_value: f64,
}

/// Tests `len` arms' unit counts against the planned split `weights` (NULL:
/// equal; any positive scale). `out_expected` NULL, or room for `len`
/// doubles: the counts the plan expects.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_INVALID_INPUT` for fewer than two
/// arms or a weight that is not finite and > 0 (the message names its row);
/// `ENG_STATUS_EMPTY_INPUT` when every count is 0; `ENG_STATUS_NULL_POINTER`.
/// Thread-safe.
///
/// # Safety
/// `counts` `len` elements; `weights` NULL or `len` elements; `out_test`
/// valid for one write; `out_expected` NULL or `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_srm_test(
    counts: *const u64,
    weights: *const f64,
    len: usize,
    out_test: *mut eng_srm_result,
    out_expected: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_test = out(out_test, "out_test")?;
            let t = srm_test(
                slice(counts, len, "counts")?,
                column(weights, len, "weights")?,
            )?;
            if !out_expected.is_null() {
                crate::handle::put(out_expected, &t.expected, "out_expected")?;
            }
            *out_test = eng_srm_result {
                chi_square: t.chi_square,
                degrees_of_freedom: t.degrees_of_freedom,
                p_value: t.p_value,
            };
        }
        Ok(())
    })
}

/// Corrects `len` p-values tested together into `out` (room for `len`, in
/// the input's order): `correction` (required, `correction_len` bytes) is
/// `"none"`, `"bonferroni"`, `"holm"` or `"benjamini_hochberg"`, as
/// statsmodels' `multipletests` (`bonferroni`, `holm`, `fdr_bh`).
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_UNKNOWN_LABEL` for another
/// correction; `ENG_STATUS_INVALID_INPUT` for a p-value outside [0, 1]
/// (its row in the message); `ENG_STATUS_EMPTY_INPUT` for `len` 0;
/// `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_INVALID_UTF8`. Thread-safe.
///
/// # Safety
/// `p_values` `len` elements; `correction` `correction_len` bytes; `out`
/// valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_adjust_p_values(
    p_values: *const f64,
    len: usize,
    correction: *const c_char,
    correction_len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let correction: Correction =
                crate::handle::text(correction, correction_len, "correction")?.parse()?;
            let adjusted = adjust_p_values(slice(p_values, len, "p_values")?, correction)?;
            crate::handle::put(out, &adjusted, "out")?;
        }
        Ok(())
    })
}
