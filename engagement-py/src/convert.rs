//! Conversions between Python objects and the core's inputs and outputs:
//! numpy columns in (the touchpoint, transaction and stage-history inputs
//! each written once here), JSON-like documents in, plain objects out.

use engagement_core::transactions::TransactionColumns;
use engagement_core::{StageHistory, TouchpointColumns};
use numpy::PyReadonlyArray1;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::{JsonError, OrPy};

/// Convert in, detach, convert out: every call into the core runs through
/// here, without the GIL (other Python threads run meanwhile), its error
/// turned into the matching exception.
pub(crate) trait Compute<'py> {
    /// The result of `f`, computed without the GIL.
    fn compute<T: Send>(self, f: impl Send + FnOnce() -> engagement_core::Result<T>)
    -> PyResult<T>;

    /// The result of `f`, computed without the GIL, as plain Python objects.
    fn compute_to_python<T: Send + serde::Serialize>(
        self,
        f: impl Send + FnOnce() -> engagement_core::Result<T>,
    ) -> PyResult<Bound<'py, PyAny>>;
}

impl<'py> Compute<'py> for Python<'py> {
    fn compute<T: Send>(
        self,
        f: impl Send + FnOnce() -> engagement_core::Result<T>,
    ) -> PyResult<T> {
        self.detach(|| engagement_core::threads::install(f))
            .py_err()
    }

    fn compute_to_python<T: Send + serde::Serialize>(
        self,
        f: impl Send + FnOnce() -> engagement_core::Result<T>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = self.compute(f)?;
        to_python(self, &r)
    }
}

/// A dict of numpy columns by name, each vector moved into numpy without a
/// copy: `columns!(py, "customer" => s.customer, "total" => s.total)`.
macro_rules! columns {
    ($py:expr, $($name:literal => $column:expr),+ $(,)?) => {{
        let d = pyo3::types::PyDict::new($py);
        $(d.set_item($name, numpy::IntoPyArray::into_pyarray($column, $py))?;)+
        d
    }};
}
pub(crate) use columns;

/// Touchpoint columns as `_convert.touchpoints` builds them: a dict of numpy
/// arrays by column name (`value`, `rating` and `rating_scale` may be None
/// or left out).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct Touchpoints<'py> {
    customer: PyReadonlyArray1<'py, u64>,
    time: PyReadonlyArray1<'py, i64>,
    channel: PyReadonlyArray1<'py, u8>,
    kind: PyReadonlyArray1<'py, u8>,
    #[pyo3(default)]
    value: Option<PyReadonlyArray1<'py, f64>>,
    #[pyo3(default)]
    rating: Option<PyReadonlyArray1<'py, f32>>,
    #[pyo3(default)]
    rating_scale: Option<PyReadonlyArray1<'py, u8>>,
}

impl Touchpoints<'_> {
    /// The core's columns, borrowed from the arrays (no copy).
    pub(crate) fn columns(&self) -> PyResult<TouchpointColumns<'_>> {
        Ok(TouchpointColumns {
            customer: slice(&self.customer, "customer")?,
            time: slice(&self.time, "time")?,
            channel: slice(&self.channel, "channel")?,
            kind: slice(&self.kind, "kind")?,
            value: optional(&self.value, "value")?,
            rating: optional(&self.rating, "rating")?,
            rating_scale: optional(&self.rating_scale, "rating_scale")?,
        })
    }
}

/// Transaction columns as `_convert.transactions` builds them: a dict with
/// `customer`, `time` and `value` (None or left out: no values).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct Transactions<'py> {
    customer: PyReadonlyArray1<'py, u64>,
    time: PyReadonlyArray1<'py, i64>,
    #[pyo3(default)]
    value: Option<PyReadonlyArray1<'py, f64>>,
}

impl Transactions<'_> {
    /// The core's columns, borrowed from the arrays (no copy).
    pub(crate) fn columns(&self) -> PyResult<TransactionColumns<'_>> {
        Ok(TransactionColumns {
            customer: slice(&self.customer, "customer")?,
            time: slice(&self.time, "time")?,
            value: optional(&self.value, "value")?,
        })
    }
}

/// A stage history as numpy columns: a dict with `customer`, `stage` (codes)
/// and `entered_at`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct StageHistoryColumns<'py> {
    customer: PyReadonlyArray1<'py, u64>,
    stage: PyReadonlyArray1<'py, u8>,
    entered_at: PyReadonlyArray1<'py, i64>,
}

impl StageHistoryColumns<'_> {
    /// The core's stage history (copied: it owns its columns).
    pub(crate) fn history(&self) -> PyResult<StageHistory> {
        StageHistory::from_codes(
            slice(&self.customer, "customer")?.to_vec(),
            slice(&self.stage, "stage")?,
            slice(&self.entered_at, "entered_at")?.to_vec(),
        )
        .py_err()
    }
}

/// A contiguous 1-D numpy array as a slice (no copy).
pub(crate) fn slice<'a, T: numpy::Element>(
    array: &'a PyReadonlyArray1<'_, T>,
    name: &str,
) -> PyResult<&'a [T]> {
    array.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "column {name} must be a contiguous, aligned 1-D array (use np.require(a, requirements=\"CA\"))"
        ))
    })
}

/// An optional column: `None` is an empty slice ("absent").
pub(crate) fn optional<'a, T: numpy::Element>(
    array: &'a Option<PyReadonlyArray1<'_, T>>,
    name: &str,
) -> PyResult<&'a [T]> {
    match array {
        Some(a) => slice(a, name),
        None => Ok(&[]),
    }
}

/// An optional column as `Option` (`None` stays `None`).
pub(crate) fn maybe<'a, T: numpy::Element>(
    array: &'a Option<PyReadonlyArray1<'_, T>>,
    name: &str,
) -> PyResult<Option<&'a [T]>> {
    array.as_ref().map(|a| slice(a, name)).transpose()
}

/// Checks that every given column has `n` rows.
pub(crate) fn same_length(n: usize, columns: &[(&str, usize)]) -> PyResult<()> {
    for (name, len) in columns {
        if *len != n {
            return Err(crate::errors::LengthMismatchError::new_err(format!(
                "column {name} has {len} rows but {n} were expected"
            )));
        }
    }
    Ok(())
}

/// A configuration given as `None` (defaults), a JSON string, or a
/// JSON-compatible object (dict …), read as `T`.
pub(crate) fn config<T: serde::de::DeserializeOwned + Default>(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
) -> PyResult<T> {
    Ok(maybe_document(py, value, name)?.unwrap_or_default())
}

/// An optional JSON document: `None` (the argument or Python's None) is `None`.
pub(crate) fn maybe_document<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
) -> PyResult<Option<T>> {
    match value {
        Some(v) if !v.is_none() => document(py, v, name).map(Some),
        _ => Ok(None),
    }
}

/// A required JSON document given as a string or a JSON-compatible object.
pub(crate) fn document<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<T> {
    let text: String = if value.is_instance_of::<PyString>() {
        value.extract()?
    } else {
        let json = py.import("json")?;
        json.call_method1("dumps", (value,))
            .map_err(|e| {
                PyTypeError::new_err(format!(
                    "{name} must be a JSON string or a JSON-compatible object: {e}"
                ))
            })?
            .extract()?
    };
    engagement_core::limits::from_json(&text).map_err(|e| match e {
        engagement_core::EngError::Json { .. } => JsonError::new_err(format!("{name}: {e}")),
        other => crate::errors::to_py(other),
    })
}

/// A serializable result as plain Python objects (dicts, lists, numbers).
pub(crate) fn to_python<'py>(
    py: Python<'py>,
    value: &impl serde::Serialize,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| JsonError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// The confidence level the caller set, else the core's default.
pub(crate) fn level(level: Option<f64>) -> f64 {
    level.unwrap_or(engagement_core::DEFAULT_LEVEL)
}

/// Text labels, one per row: strings (and integers as their digits when
/// `integers`); None, NaN or pandas' NA is refused as `missing` with its row,
/// any other type with a TypeError naming the row.
pub(crate) fn labels(
    values: &Bound<'_, PyAny>,
    field: &str,
    missing: &str,
    integers: bool,
) -> PyResult<Vec<String>> {
    let mut texts = Vec::with_capacity(values.len().unwrap_or(0));
    for (i, item) in values.try_iter()?.enumerate() {
        let item = item?;
        let text = if let Ok(s) = item.extract::<String>() {
            s
        } else if let Some(k) = integers.then(|| item.extract::<i64>().ok()).flatten() {
            k.to_string()
        } else if item.is_none()
            || item.extract::<f64>().is_ok_and(f64::is_nan)
            || item.get_type().name()? == "NAType"
        {
            return Err(crate::errors::to_py(
                engagement_core::EngError::invalid(field, "missing", missing).at_row(i),
            ));
        } else {
            let accepted = if integers {
                "strings or integers"
            } else {
                "strings"
            };
            return Err(PyTypeError::new_err(format!(
                "{field} labels must be {accepted}; row {i} is {}",
                item.get_type().name()?
            )));
        };
        texts.push(text);
    }
    Ok(texts)
}
