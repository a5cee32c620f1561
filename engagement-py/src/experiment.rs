//! A/B tests: conversion and revenue comparisons, power and sample size.

use engagement_core::experiment::{self, Arm, BetaPrior};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::{Compute, config, slice};
use crate::errors::OrPy;

/// Two-proportion z-test, chi-square and intervals of two conversion rates.
#[pyfunction]
#[pyo3(signature = (control_successes, control_trials, treatment_successes, treatment_trials, level=None))]
pub(crate) fn conversion_test<'py>(
    py: Python<'py>,
    control_successes: u64,
    control_trials: u64,
    treatment_successes: u64,
    treatment_trials: u64,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let (control, treatment) = (
        arm(control_successes, control_trials),
        arm(treatment_successes, treatment_trials),
    );
    py.compute_to_python(|| experiment::conversion_test(control, treatment, level))
}

/// Welch's t-test of two samples.
#[pyfunction]
#[pyo3(signature = (control, treatment, level=None))]
pub(crate) fn welch_test<'py>(
    py: Python<'py>,
    control: PyReadonlyArray1<'_, f64>,
    treatment: PyReadonlyArray1<'_, f64>,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let (c, t) = (slice(&control, "control")?, slice(&treatment, "treatment")?);
    py.compute_to_python(|| experiment::welch_test(c, t, level))
}

/// Bayesian beta-binomial comparison of two conversion rates.
#[pyfunction]
#[pyo3(signature = (control_successes, control_trials, treatment_successes, treatment_trials, prior=None, level=None))]
pub(crate) fn bayesian_conversion_test<'py>(
    py: Python<'py>,
    control_successes: u64,
    control_trials: u64,
    treatment_successes: u64,
    treatment_trials: u64,
    prior: Option<&Bound<'_, PyAny>>,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let prior: BetaPrior = config(py, prior, "prior")?;
    let (control, treatment) = (
        arm(control_successes, control_trials),
        arm(treatment_successes, treatment_trials),
    );
    py.compute_to_python(|| experiment::bayesian_conversion_test(control, treatment, prior, level))
}

/// Power of a two-sided two-proportion test.
#[pyfunction]
#[pyo3(signature = (baseline, minimum_detectable_effect, n_per_group, alpha=None))]
pub(crate) fn power_two_proportions(
    baseline: f64,
    minimum_detectable_effect: f64,
    n_per_group: f64,
    alpha: Option<f64>,
) -> PyResult<f64> {
    let alpha = alpha.unwrap_or(experiment::DEFAULT_ALPHA);
    experiment::power_two_proportions(baseline, minimum_detectable_effect, n_per_group, alpha)
        .py_err()
}

/// Customers per arm for a two-sided two-proportion test.
#[pyfunction]
#[pyo3(signature = (baseline, minimum_detectable_effect, alpha=None, power=None))]
pub(crate) fn sample_size_two_proportions(
    baseline: f64,
    minimum_detectable_effect: f64,
    alpha: Option<f64>,
    power: Option<f64>,
) -> PyResult<f64> {
    let alpha = alpha.unwrap_or(experiment::DEFAULT_ALPHA);
    let power = power.unwrap_or(experiment::DEFAULT_POWER);
    experiment::sample_size_two_proportions(baseline, minimum_detectable_effect, alpha, power)
        .py_err()
}

/// One arm of a conversion test.
fn arm(successes: u64, trials: u64) -> Arm {
    Arm { successes, trials }
}
