//! Transaction summaries: frequency, recency, T and monetary value per
//! customer, and the calibration/holdout split.

use engagement_core::transactions::{SummaryConfig, calibration_and_holdout, summarize};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{Compute, Transactions, columns};

/// Transaction summary (frequency, recency, T, monetary value) and the
/// `unit` of recency and T.
#[pyfunction]
#[pyo3(signature = (transactions, observation_end, config=None))]
pub(crate) fn transaction_summary<'py>(
    py: Python<'py>,
    transactions: Transactions<'_>,
    observation_end: i64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let cfg: SummaryConfig = crate::convert::config(py, config, "config")?;
    let cols = transactions.columns()?;
    let s = py.compute(|| summarize(&cols, observation_end, &cfg))?;
    let out = columns!(
        py,
        "customer" => s.customer,
        "frequency" => s.frequency,
        "recency" => s.recency,
        "T" => s.t,
        "monetary_value" => s.monetary_value,
    );
    out.set_item("unit", s.unit.label())?;
    Ok(out)
}

/// Calibration summary and holdout purchases.
#[pyfunction]
#[pyo3(signature = (transactions, calibration_end, observation_end, config=None))]
pub(crate) fn calibration_holdout<'py>(
    py: Python<'py>,
    transactions: Transactions<'_>,
    calibration_end: i64,
    observation_end: i64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: SummaryConfig = crate::convert::config(py, config, "config")?;
    let cols = transactions.columns()?;
    py.compute_to_python(|| calibration_and_holdout(&cols, calibration_end, observation_end, &cfg))
}
