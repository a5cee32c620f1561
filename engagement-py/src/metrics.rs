//! CRM metrics: NPS, CSAT, proportions, retention, the simple lifetime-value
//! formulas, percentile ranks and RFM.

use engagement_core::{Proportion, RfmConfig, RfmScores, RfmValues, SimpleClvInput};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{Compute, Transactions, columns, document, same_length, slice};
use crate::errors::OrPy;

/// NPS of 0–10 answers (float32 array).
#[pyfunction]
#[pyo3(signature = (ratings, level=None))]
pub(crate) fn nps<'py>(
    py: Python<'py>,
    ratings: PyReadonlyArray1<'_, f32>,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let ratings = slice(&ratings, "ratings")?;
    py.compute_to_python(|| engagement_core::nps(ratings, level))
}

/// NPS from counts.
#[pyfunction]
#[pyo3(signature = (promoters, passives, detractors, level=None))]
pub(crate) fn nps_counts(
    py: Python<'_>,
    promoters: u64,
    passives: u64,
    detractors: u64,
    level: Option<f64>,
) -> PyResult<Bound<'_, PyAny>> {
    let level = crate::convert::level(level);
    py.compute_to_python(|| engagement_core::nps_counts(promoters, passives, detractors, level))
}

/// CSAT of 1–5 answers (float32 array).
#[pyfunction]
#[pyo3(signature = (ratings, level=None))]
pub(crate) fn csat<'py>(
    py: Python<'py>,
    ratings: PyReadonlyArray1<'_, f32>,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let ratings = slice(&ratings, "ratings")?;
    py.compute_to_python(|| engagement_core::csat(ratings, level))
}

/// A proportion with its Wilson interval.
#[pyfunction]
#[pyo3(signature = (successes, trials, level=None))]
pub(crate) fn wilson(
    py: Python<'_>,
    successes: u64,
    trials: u64,
    level: Option<f64>,
) -> PyResult<Bound<'_, PyAny>> {
    let level = crate::convert::level(level);
    py.compute_to_python(|| Proportion::wilson(successes, trials, level))
}

/// Retention and churn from counts.
#[pyfunction]
#[pyo3(signature = (at_start, at_end, new, level=None))]
pub(crate) fn retention_rate(
    py: Python<'_>,
    at_start: u64,
    at_end: u64,
    new: u64,
    level: Option<f64>,
) -> PyResult<Bound<'_, PyAny>> {
    let level = crate::convert::level(level);
    py.compute_to_python(|| engagement_core::retention_rate(at_start, at_end, new, level))
}

/// Simple CLV of an input dict.
#[pyfunction]
pub(crate) fn simple_clv(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<f64> {
    let i: SimpleClvInput = document(py, input, "input")?;
    py.compute(|| engagement_core::simple_clv(&i))
}

/// CLV under constant retention.
#[pyfunction]
pub(crate) fn retention_clv(margin: f64, retention: f64, discount_rate: f64) -> PyResult<f64> {
    engagement_core::retention_clv(margin, retention, discount_rate).py_err()
}

/// LTV:CAC.
#[pyfunction]
pub(crate) fn ltv_to_cac(clv: f64, cac: f64) -> PyResult<f64> {
    engagement_core::ltv_to_cac(clv, cac).py_err()
}

/// Percentile ranks (mid-rank).
#[pyfunction]
pub(crate) fn percentile_ranks<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'_, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let values = slice(&values, "values")?;
    Ok(py
        .compute(|| engagement_core::percentile_ranks(values))?
        .into_pyarray(py))
}

/// RFM values of a transaction log.
#[pyfunction]
#[pyo3(signature = (transactions, as_of, config=None))]
pub(crate) fn rfm_values<'py>(
    py: Python<'py>,
    transactions: Transactions<'_>,
    as_of: i64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let cfg: RfmConfig = crate::convert::config(py, config, "config")?;
    let cols = transactions.columns()?;
    let v = py.compute(|| RfmValues::from_transactions(&cols, as_of, cfg.monetary))?;
    Ok(columns!(
        py,
        "customer" => v.customer,
        "recency" => v.recency,
        "frequency" => v.frequency,
        "monetary" => v.monetary,
    ))
}

/// RFM scores of given values.
#[pyfunction]
#[pyo3(signature = (customer, recency, frequency, monetary, config=None))]
pub(crate) fn rfm_scores<'py>(
    py: Python<'py>,
    customer: PyReadonlyArray1<'_, u64>,
    recency: PyReadonlyArray1<'_, f64>,
    frequency: PyReadonlyArray1<'_, f64>,
    monetary: PyReadonlyArray1<'_, f64>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let cfg: RfmConfig = crate::convert::config(py, config, "config")?;
    let values = RfmValues {
        customer: slice(&customer, "customer")?.to_vec(),
        recency: slice(&recency, "recency")?.to_vec(),
        frequency: slice(&frequency, "frequency")?.to_vec(),
        monetary: slice(&monetary, "monetary")?.to_vec(),
    };
    same_length(
        values.customer.len(),
        &[
            ("recency", values.recency.len()),
            ("frequency", values.frequency.len()),
            ("monetary", values.monetary.len()),
        ],
    )?;
    let s = py.compute(|| engagement_core::rfm_scores(&values, &cfg))?;
    rfm_dict(py, s)
}

/// RFM scores as numpy columns (segment codes) with the segment names.
pub(crate) fn rfm_dict(py: Python<'_>, s: RfmScores) -> PyResult<Bound<'_, PyDict>> {
    let d = columns!(
        py,
        "customer" => s.customer,
        "r" => s.r,
        "f" => s.f,
        "m" => s.m,
        "code" => s.code,
        "score" => s.score,
        "segment" => s.segment,
    );
    d.set_item("segment_names", s.segment_names)?;
    d.set_item("bins", crate::convert::to_python(py, &s.bins)?)?;
    Ok(d)
}
