//! Retention over time: acquisition cohorts and survival curves.

use engagement_core::cohort::{self, CohortConfig};
use engagement_core::survival;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::{Transactions, slice, to_python};
use crate::errors::OrPy;

/// Acquisition cohorts of transactions up to `as_of`.
#[pyfunction]
#[pyo3(signature = (transactions, as_of, config=None))]
pub(crate) fn cohorts<'py>(
    py: Python<'py>,
    transactions: Transactions<'_>,
    as_of: i64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: CohortConfig = crate::convert::config(py, config, "config")?;
    let cols = transactions.columns()?;
    let t = py.detach(|| cohort::cohorts(&cols, as_of, &cfg)).py_err()?;
    to_python(py, &t)
}

/// Kaplan–Meier curve with a Greenwood band.
#[pyfunction]
#[pyo3(signature = (duration, observed, level=0.95))]
pub(crate) fn kaplan_meier<'py>(
    py: Python<'py>,
    duration: PyReadonlyArray1<'_, f64>,
    observed: PyReadonlyArray1<'_, bool>,
    level: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let (d, o) = (slice(&duration, "duration")?, slice(&observed, "observed")?);
    let km = py.detach(|| survival::kaplan_meier(d, o, level)).py_err()?;
    to_python(py, &km)
}

/// Log-rank test between two groups.
#[pyfunction]
pub(crate) fn logrank_test<'py>(
    py: Python<'py>,
    duration_a: PyReadonlyArray1<'_, f64>,
    observed_a: PyReadonlyArray1<'_, bool>,
    duration_b: PyReadonlyArray1<'_, f64>,
    observed_b: PyReadonlyArray1<'_, bool>,
) -> PyResult<Bound<'py, PyAny>> {
    let t = survival::logrank_test(
        slice(&duration_a, "duration_a")?,
        slice(&observed_a, "observed_a")?,
        slice(&duration_b, "duration_b")?,
        slice(&observed_b, "observed_b")?,
    )
    .py_err()?;
    to_python(py, &t)
}
