//! The data model's labels: channels, touchpoint kinds, journey stages and
//! rating scales, and their codes.

use engagement_core::{Channel, Code, JourneyStage, LabelMap, RatingScale, TouchpointKind};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::convert::config;
use crate::errors::OrPy;

/// Returns the library version, e.g. ``"0.1.0"``.
#[pyfunction]
pub(crate) fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Sets the number of worker threads analyses run on (0: one per core).
#[pyfunction]
pub(crate) fn set_threads(py: Python<'_>, threads: usize) -> PyResult<()> {
    py.detach(|| engagement_core::threads::set_threads(threads))
        .py_err()
}

/// The number of worker threads analyses run on.
#[pyfunction]
pub(crate) fn threads() -> usize {
    engagement_core::threads::threads()
}

/// Codes of channel labels (optional alias map: dict label → channel).
#[pyfunction]
#[pyo3(signature = (labels, aliases=None))]
pub(crate) fn channel_codes<'py>(
    py: Python<'py>,
    labels: Vec<String>,
    aliases: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let map: LabelMap<Channel> = config(py, aliases, "aliases")?;
    Ok(map.parse_column(&labels).py_err()?.into_pyarray(py))
}

/// Codes of touchpoint-kind labels (optional alias map).
#[pyfunction]
#[pyo3(signature = (labels, aliases=None))]
pub(crate) fn kind_codes<'py>(
    py: Python<'py>,
    labels: Vec<String>,
    aliases: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let map: LabelMap<TouchpointKind> = config(py, aliases, "aliases")?;
    Ok(map.parse_column(&labels).py_err()?.into_pyarray(py))
}

/// Codes of journey-stage labels.
#[pyfunction]
pub(crate) fn stage_codes(
    py: Python<'_>,
    labels: Vec<String>,
) -> PyResult<Bound<'_, PyArray1<u8>>> {
    let map = LabelMap::<JourneyStage>::default();
    Ok(map.parse_column(&labels).py_err()?.into_pyarray(py))
}

/// Codes of rating-scale labels (`nps`, `csat`, `ces`; case-insensitive);
/// `None` is a missing scale, refused by the engine on a row with a rating.
#[pyfunction]
pub(crate) fn rating_scale_codes(
    py: Python<'_>,
    labels: Vec<Option<String>>,
) -> PyResult<Bound<'_, PyArray1<u8>>> {
    Ok(RatingScale::codes_of_labels(&labels)
        .py_err()?
        .into_pyarray(py))
}

/// Labels of channels, kinds, stages and rating scales, in code order.
#[pyfunction]
pub(crate) fn labels() -> (
    Vec<&'static str>,
    Vec<&'static str>,
    Vec<&'static str>,
    Vec<&'static str>,
) {
    (
        Channel::ALL.iter().map(|c| c.label()).collect(),
        TouchpointKind::ALL.iter().map(|c| c.label()).collect(),
        JourneyStage::ALL.iter().map(|c| c.label()).collect(),
        RatingScale::ALL.iter().map(|c| c.label()).collect(),
    )
}
