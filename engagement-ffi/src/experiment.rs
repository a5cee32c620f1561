//! A/B tests: conversion, revenue per customer, Bayesian comparison, power and
//! sample size. Results are plain structs written to the caller's pointer.

use engagement_core::experiment::{
    Arm, BayesianConversion, BetaPrior, ConversionTest, Interval, WelchTest,
    bayesian_conversion_test, conversion_test, power_two_proportions, sample_size_two_proportions,
    welch_test,
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
