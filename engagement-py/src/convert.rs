//! Conversions between Python objects and the core's inputs and outputs.

use numpy::PyReadonlyArray1;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::JsonError;

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
    match value {
        None => Ok(T::default()),
        Some(v) if v.is_none() => Ok(T::default()),
        Some(v) => document(py, v, name),
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
