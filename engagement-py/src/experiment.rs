//! A/B tests: conversion and revenue comparisons, power and sample size;
//! experiment readouts, the sample-ratio check and p-value corrections.

use engagement_core::experiment::{
    self, Arm, ArmSums, BetaPrior, Correction, ReadoutConfig, UnitColumns,
};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
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

/// One arm label per unit (strings or integers; missing ones refused with their row).
fn arm_labels(labels: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    crate::convert::labels(labels, "arm", "every unit needs an arm", true)
}

/// An experiment's readout from one row per unit.
#[pyfunction]
#[pyo3(signature = (arm, values, denominators=None, pre_values=None, pre_denominators=None, config=None, arms=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn readout<'py>(
    py: Python<'py>,
    arm: &Bound<'py, PyAny>,
    values: PyReadonlyArray1<'_, f64>,
    denominators: Option<PyReadonlyArray1<'_, f64>>,
    pre_values: Option<PyReadonlyArray1<'_, f64>>,
    pre_denominators: Option<PyReadonlyArray1<'_, f64>>,
    config: Option<&Bound<'_, PyAny>>,
    arms: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let config: ReadoutConfig = crate::convert::config(py, config, "config")?;
    let labels = arm_labels(arm)?;
    let (codes, names) = match arms {
        Some(names) => (experiment::arm_codes_in(&labels, &names).py_err()?, names),
        None => experiment::arm_codes(&labels),
    };
    let values = slice(&values, "values")?;
    let denominators = denominators
        .as_ref()
        .map(|a| slice(a, "denominators"))
        .transpose()?;
    let pre_values = pre_values
        .as_ref()
        .map(|a| slice(a, "pre_values"))
        .transpose()?;
    let pre_denominators = pre_denominators
        .as_ref()
        .map(|a| slice(a, "pre_denominators"))
        .transpose()?;
    py.compute_to_python(|| {
        let columns = UnitColumns {
            arm: &codes,
            values,
            denominators,
            pre_values,
            pre_denominators,
        };
        experiment::readout(&columns, &names, &config)
    })
}

/// An experiment's readout from each arm's sums.
#[pyfunction]
#[pyo3(signature = (arms, config=None))]
pub(crate) fn readout_sums<'py>(
    py: Python<'py>,
    arms: &Bound<'py, PyAny>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let config: ReadoutConfig = crate::convert::config(py, config, "config")?;
    let arms: Vec<ArmSums> = crate::convert::document(py, arms, "arms")?;
    py.compute_to_python(|| experiment::readout_from_sums(&arms, &config))
}

/// The sample-ratio mismatch test.
#[pyfunction]
#[pyo3(signature = (counts, weights=None))]
pub(crate) fn srm_test<'py>(
    py: Python<'py>,
    counts: Vec<u64>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let counts = &counts;
    let weights = weights.as_ref().map(|w| slice(w, "weights")).transpose()?;
    py.compute_to_python(|| experiment::srm_test(counts, weights))
}

/// p-values corrected for being tested together.
#[pyfunction]
pub(crate) fn adjust_p_values<'py>(
    py: Python<'py>,
    p_values: PyReadonlyArray1<'_, f64>,
    correction: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let correction: Correction = correction.parse().py_err()?;
    let adjusted =
        experiment::adjust_p_values(slice(&p_values, "p_values")?, correction).py_err()?;
    Ok(adjusted.into_pyarray(py))
}

/// An experiment read out from touchpoints and an assignment.
#[pyfunction]
#[pyo3(signature = (touchpoints, assigned_customer, arm, exposed_at, spec, events=None, dictionary=None, campaign=None, arms=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn experiment_readout<'py>(
    py: Python<'py>,
    touchpoints: crate::convert::Touchpoints<'_>,
    assigned_customer: PyReadonlyArray1<'_, u64>,
    arm: &Bound<'py, PyAny>,
    exposed_at: PyReadonlyArray1<'_, i64>,
    spec: &Bound<'_, PyAny>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    arms: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let spec: experiment::ExperimentSpec = crate::convert::document(py, spec, "spec")?;
    let labels = arm_labels(arm)?;
    let (codes, names) = match arms {
        Some(names) => (experiment::arm_codes_in(&labels, &names).py_err()?, names),
        None => experiment::arm_codes(&labels),
    };
    let cols = touchpoints.columns()?;
    let extra = engagement_core::journey::paths::PathColumns {
        events: crate::events::event_column(&events, &dictionary)?,
        campaign: crate::convert::optional(&campaign, "campaign")?,
        session: &[],
    };
    let (customer, exposed_at) = (
        slice(&assigned_customer, "assigned_customer")?,
        slice(&exposed_at, "exposed_at")?,
    );
    py.compute_to_python(|| {
        let assignment = experiment::Assignment {
            customer,
            arm: &codes,
            exposed_at,
        };
        experiment::experiment_readout(&cols, &extra, &assignment, &names, &spec)
    })
}
