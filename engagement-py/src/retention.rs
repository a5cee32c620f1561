//! Retention over time: acquisition cohorts and survival curves.

use engagement_core::cohort::{self, CohortConfig};
use engagement_core::survival;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::{Compute, Transactions, slice};

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
    py.compute_to_python(|| cohort::cohorts(&cols, as_of, &cfg))
}

/// Kaplan–Meier curve with a Greenwood band.
#[pyfunction]
#[pyo3(signature = (duration, observed, level=None))]
pub(crate) fn kaplan_meier<'py>(
    py: Python<'py>,
    duration: PyReadonlyArray1<'_, f64>,
    observed: PyReadonlyArray1<'_, bool>,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let (d, o) = (slice(&duration, "duration")?, slice(&observed, "observed")?);
    py.compute_to_python(|| survival::kaplan_meier(d, o, level))
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
    let (da, oa) = (
        slice(&duration_a, "duration_a")?,
        slice(&observed_a, "observed_a")?,
    );
    let (db, ob) = (
        slice(&duration_b, "duration_b")?,
        slice(&observed_b, "observed_b")?,
    );
    py.compute_to_python(|| survival::logrank_test(da, oa, db, ob))
}

/// Restricted mean survival time up to `tau`.
#[pyfunction]
#[pyo3(signature = (duration, observed, tau, level=None))]
pub(crate) fn rmst<'py>(
    py: Python<'py>,
    duration: PyReadonlyArray1<'_, f64>,
    observed: PyReadonlyArray1<'_, bool>,
    tau: f64,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let (d, o) = (slice(&duration, "duration")?, slice(&observed, "observed")?);
    py.compute_to_python(|| survival::rmst(d, o, tau, level))
}

/// Two groups' restricted mean survival times compared.
#[pyfunction]
#[pyo3(signature = (duration_a, observed_a, duration_b, observed_b, tau, level=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn rmst_difference<'py>(
    py: Python<'py>,
    duration_a: PyReadonlyArray1<'_, f64>,
    observed_a: PyReadonlyArray1<'_, bool>,
    duration_b: PyReadonlyArray1<'_, f64>,
    observed_b: PyReadonlyArray1<'_, bool>,
    tau: f64,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let (da, oa) = (
        slice(&duration_a, "duration_a")?,
        slice(&observed_a, "observed_a")?,
    );
    let (db, ob) = (
        slice(&duration_b, "duration_b")?,
        slice(&observed_b, "observed_b")?,
    );
    py.compute_to_python(|| survival::rmst_difference(da, oa, db, ob, tau, level))
}

/// Retention of start and return events (see `RetentionConfig`) over
/// touchpoints, with event codes of `dictionary` and campaign ids where the
/// matchers read them.
#[pyfunction]
#[pyo3(signature = (touchpoints, events=None, dictionary=None, campaign=None, config=None))]
pub(crate) fn retention<'py>(
    py: Python<'py>,
    touchpoints: crate::convert::Touchpoints<'_>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: engagement_core::returning::RetentionConfig =
        crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    let extra = engagement_core::journey::paths::PathColumns {
        events: crate::events::event_column(&events, &dictionary)?,
        campaign: crate::convert::optional(&campaign, "campaign")?,
        session: &[],
    };
    py.compute_to_python(|| engagement_core::returning::retention(&cols, &extra, &cfg))
}

/// Lifecycle groups per period (see `LifecycleConfig`) over touchpoints.
#[pyfunction]
#[pyo3(signature = (touchpoints, events=None, dictionary=None, campaign=None, config=None))]
pub(crate) fn lifecycle<'py>(
    py: Python<'py>,
    touchpoints: crate::convert::Touchpoints<'_>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: engagement_core::lifecycle::LifecycleConfig =
        crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    let extra = engagement_core::journey::paths::PathColumns {
        events: crate::events::event_column(&events, &dictionary)?,
        campaign: crate::convert::optional(&campaign, "campaign")?,
        session: &[],
    };
    py.compute_to_python(|| engagement_core::lifecycle::lifecycle(&cols, &extra, &cfg))
}

/// Active days per period and DAU / WAU / MAU (see `StickinessConfig`) over touchpoints.
#[pyfunction]
#[pyo3(signature = (touchpoints, events=None, dictionary=None, campaign=None, config=None))]
pub(crate) fn stickiness<'py>(
    py: Python<'py>,
    touchpoints: crate::convert::Touchpoints<'_>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: engagement_core::stickiness::StickinessConfig =
        crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    let extra = engagement_core::journey::paths::PathColumns {
        events: crate::events::event_column(&events, &dictionary)?,
        campaign: crate::convert::optional(&campaign, "campaign")?,
        session: &[],
    };
    py.compute_to_python(|| engagement_core::stickiness::stickiness(&cols, &extra, &cfg))
}
