//! A product's own events: the event dictionary, path analysis and sessions.

use engagement_core::journey::paths::{PathColumns, PathConfig, path_analysis as analyse};
use engagement_core::journey::sessions::{SessionConfig, sessionize, sessions_by_id};
use engagement_core::{EventColumn, EventDictionary};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::convert::{Compute, Touchpoints, columns, config, optional, slice, to_python};
use crate::errors::OrPy;

/// Interns event labels into codes; reused across calls and pushes.
#[pyclass(module = "engagement._engagement")]
pub(crate) struct NativeEventDictionary {
    pub(crate) inner: EventDictionary,
}

#[pymethods]
impl NativeEventDictionary {
    /// A dictionary of the given labels in code order (each once), or empty.
    #[new]
    #[pyo3(signature = (labels=None))]
    fn new(labels: Option<Vec<String>>) -> PyResult<Self> {
        Ok(NativeEventDictionary {
            inner: EventDictionary::from_labels(labels.unwrap_or_default()).py_err()?,
        })
    }

    /// Codes of a sequence of labels (strings; None or NaN is refused with
    /// its row), adding the new labels.
    fn intern<'py>(
        &mut self,
        py: Python<'py>,
        labels: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let texts = crate::convert::labels(
            labels,
            "event",
            "every touchpoint needs an event label",
            false,
        )?;
        // All read first, then interned (a refusal adds nothing).
        Ok(self.inner.intern_all(&texts).py_err()?.into_pyarray(py))
    }

    /// The labels in code order.
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// The code of a label, or None.
    fn code(&self, label: &str) -> Option<u32> {
        self.inner.code(label)
    }

    /// Adds another dictionary's new labels; returns the table remapping its codes.
    fn merge<'py>(
        &mut self,
        py: Python<'py>,
        other: PyRef<'_, NativeEventDictionary>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let other = other.inner.clone();
        Ok(self.inner.merge(&other).py_err()?.into_pyarray(py))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// The event column of a call: codes and their dictionary, checked.
pub(crate) fn event_column<'a>(
    codes: &'a Option<PyReadonlyArray1<'_, u32>>,
    dictionary: &'a Option<PyRef<'_, NativeEventDictionary>>,
) -> PyResult<Option<EventColumn<'a>>> {
    match (codes, dictionary) {
        (Some(c), Some(d)) => Ok(Some(
            EventColumn::new(slice(c, "event")?, &d.inner).py_err()?,
        )),
        (None, None) => Ok(None),
        _ => Err(PyTypeError::new_err(
            "event codes and their dictionary go together",
        )),
    }
}

/// Path analysis of touchpoints (see `PathConfig`).
#[pyfunction]
#[pyo3(signature = (touchpoints, events=None, dictionary=None, campaign=None, session=None, config=None))]
pub(crate) fn path_analysis<'py>(
    py: Python<'py>,
    touchpoints: Touchpoints<'_>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    session: Option<PyReadonlyArray1<'_, u64>>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: PathConfig = crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    let extra = PathColumns {
        events: event_column(&events, &dictionary)?,
        campaign: optional(&campaign, "campaign")?,
        session: optional(&session, "session")?,
    };
    let p = py.compute(|| analyse(&cols, &extra, &cfg))?;
    path_dict(py, p)
}

/// A path analysis as plain objects, its columns as numpy arrays (without a
/// JSON round trip: a large graph has millions of edges).
pub(crate) fn path_dict(
    py: Python<'_>,
    p: engagement_core::journey::paths::PathAnalysis,
) -> PyResult<Bound<'_, PyAny>> {
    let nan = |v: Vec<Option<f64>>| -> Vec<f64> {
        v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()
    };
    let e = p.edges;
    let edges = columns!(
        py,
        "from" => e.from,
        "to" => e.to,
        "count" => e.count,
        "paths" => e.paths,
        "customers" => e.customers,
        "proba_out" => e.proba_out,
        "proba_in" => e.proba_in,
        "median_seconds" => nan(e.median_seconds),
        "p95_seconds" => nan(e.p95_seconds),
    );
    let d = columns!(py, "step_matrix" => p.step_matrix, "top_path_counts" => p.top_path_counts);
    d.set_item("edges", edges)?;
    d.set_item("by", p.by.to_string())?;
    d.set_item("per", to_python(py, &p.per)?)?;
    d.set_item("labels", p.labels)?;
    d.set_item("steps", p.steps)?;
    d.set_item("top_paths", p.top_paths)?;
    d.set_item("paths", p.paths)?;
    d.set_item("customers", p.customers)?;
    if let Some(f) = p.step_flows {
        let flows =
            columns!(py, "step" => f.step, "from" => f.from, "to" => f.to, "count" => f.count);
        d.set_item("step_flows", flows)?;
    }
    Ok(d.into_any())
}

/// Sessions of touchpoints: by the gap of `config`, or by the given ids.
#[pyfunction]
#[pyo3(signature = (customer, time, session=None, config=None))]
pub(crate) fn sessions<'py>(
    py: Python<'py>,
    customer: PyReadonlyArray1<'_, u64>,
    time: PyReadonlyArray1<'_, i64>,
    session: Option<PyReadonlyArray1<'_, u64>>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let cfg: SessionConfig = config_of(py, config)?;
    let (c, t) = (slice(&customer, "customer")?, slice(&time, "time")?);
    let by_id = session.is_some();
    let ids = optional(&session, "session")?;
    let s = py.compute(|| {
        if by_id {
            sessions_by_id(c, t, ids)
        } else {
            sessionize(c, t, &cfg)
        }
    })?;
    let summary = match s.summary() {
        Ok(m) => to_python(py, &m)?,
        Err(_) => py.None().into_bound(py),
    };
    let d = columns!(
        py,
        "row_session" => s.row_session,
        "customer" => s.customer,
        "start" => s.start,
        "end" => s.end,
        "events" => s.events,
    );
    Ok((d.into_any(), summary))
}

fn config_of(py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<SessionConfig> {
    config(py, value, "config")
}

/// The difference of two step matrices (labels as a path analysis gives them, row-major cells).
#[pyfunction]
pub(crate) fn step_matrix_diff<'py>(
    py: Python<'py>,
    labels_a: Vec<String>,
    matrix_a: PyReadonlyArray1<'_, f64>,
    labels_b: Vec<String>,
    matrix_b: PyReadonlyArray1<'_, f64>,
    steps: u32,
) -> PyResult<Bound<'py, PyAny>> {
    let (a, b) = (slice(&matrix_a, "matrix_a")?, slice(&matrix_b, "matrix_b")?);
    let d =
        engagement_core::journey::paths::step_matrix_diff((&labels_a, a), (&labels_b, b), steps)
            .py_err()?;
    let out = columns!(py, "diff" => d.diff);
    out.set_item("labels", d.labels)?;
    out.set_item("steps", d.steps)?;
    Ok(out.into_any())
}
