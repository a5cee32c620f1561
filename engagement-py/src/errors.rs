//! The exception tree and the mapping from the core's errors.

use engagement_core::{EngError, ErrorKind};
use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::PyException;

create_exception!(
    _engagement,
    EngagementError,
    PyException,
    "Base class of every error the engine raises."
);
create_exception!(
    _engagement,
    InvalidInputError,
    EngagementError,
    "A value is invalid: NaN, negative money, a rating off its scale, an unknown code, a time out of range."
);
create_exception!(
    _engagement,
    LengthMismatchError,
    InvalidInputError,
    "Columns that must have equal lengths do not."
);
create_exception!(
    _engagement,
    EmptyInputError,
    EngagementError,
    "A computation that needs data got none."
);
create_exception!(
    _engagement,
    AsOfBeforeDataError,
    InvalidInputError,
    "`as_of` is before the latest event of the data."
);
create_exception!(
    _engagement,
    ConfigError,
    EngagementError,
    "A configuration or definition is invalid (the message names the field)."
);
create_exception!(
    _engagement,
    UnknownIdError,
    EngagementError,
    "A customer id the store has never seen."
);
create_exception!(
    _engagement,
    UnknownLabelError,
    InvalidInputError,
    "A label (channel, kind, stage, scale) that maps to no code."
);
create_exception!(
    _engagement,
    IncompatibleError,
    EngagementError,
    "Parts that cannot be combined (stores built with different signal configurations)."
);
create_exception!(
    _engagement,
    JsonError,
    ConfigError,
    "Malformed JSON, or an unknown key in a configuration."
);
create_exception!(
    _engagement,
    ConvergenceError,
    EngagementError,
    "A model fit did not converge (raised by model fitting)."
);

create_exception!(
    _engagement,
    CorruptError,
    EngagementError,
    "Serialized state (a partial result, a saved store or engine) that is truncated, corrupt, of an unknown format version or inconsistent."
);
create_exception!(
    _engagement,
    StorageError,
    EngagementError,
    "A file could not be read or written while saving or loading state (the message names the file)."
);

/// Converts a core error into the matching exception; every kind is named.
pub(crate) fn to_py(e: EngError) -> PyErr {
    let msg = e.to_string();
    let row = e.row();
    let err = match e.kind() {
        ErrorKind::InvalidInput => InvalidInputError::new_err(msg),
        ErrorKind::LengthMismatch => LengthMismatchError::new_err(msg),
        ErrorKind::EmptyInput => EmptyInputError::new_err(msg),
        ErrorKind::AsOfBeforeData => AsOfBeforeDataError::new_err(msg),
        ErrorKind::Config => ConfigError::new_err(msg),
        ErrorKind::UnknownId => UnknownIdError::new_err(msg),
        ErrorKind::UnknownLabel => UnknownLabelError::new_err(msg),
        ErrorKind::Incompatible => IncompatibleError::new_err(msg),
        ErrorKind::Json => JsonError::new_err(msg),
        ErrorKind::Convergence => ConvergenceError::new_err(msg),
        ErrorKind::Corrupt => CorruptError::new_err(msg),
        ErrorKind::Io => StorageError::new_err(msg),
    };
    // The row an error is about, as `row` (None otherwise), so that the face
    // can name the caller's index label and customer id.
    pyo3::Python::attach(|py| {
        let _ = pyo3::types::PyAnyMethods::setattr(err.value(py).as_any(), "row", row);
    });
    err
}

/// `IncompatibleError` when `mine` and `theirs` are one object: merging
/// something into itself would count its data twice (and borrow it twice).
pub(crate) fn not_itself<T>(
    mine: &pyo3::PyRefMut<'_, T>,
    theirs: &pyo3::Bound<'_, T>,
    message: &str,
) -> pyo3::PyResult<()>
where
    T: pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::False>,
{
    if mine.as_ptr() == theirs.as_ptr() {
        return Err(IncompatibleError::new_err(message.to_owned()));
    }
    Ok(())
}

/// `?`-friendly conversion of core results.
pub(crate) trait OrPy<T> {
    fn py_err(self) -> pyo3::PyResult<T>;
}

impl<T> OrPy<T> for Result<T, EngError> {
    fn py_err(self) -> pyo3::PyResult<T> {
        self.map_err(to_py)
    }
}
