//! The one error type of the workspace.
//!
//! Every fallible function in `engagement-core` returns [`Result<T>`]; the C and
//! Python faces map each [`EngError`] variant to a status code or an exception
//! class, so the variants are part of the public contract.

use std::fmt;

/// Shorthand for `std::result::Result<T, EngError>`.
pub type Result<T, E = EngError> = std::result::Result<T, E>;

/// Everything that can go wrong in the engine.
///
/// Messages name the field, the row (when there is one) and the offending value,
/// so that a user can find the bad record in their own data.
///
/// # Examples
///
/// ```
/// use engagement_core::{EngError, Touchpoint, Channel, TouchpointKind};
///
/// let err = Touchpoint::new(7, 0, Channel::Web, TouchpointKind::Purchase)
///     .with_value(-3.0)
///     .validate()
///     .unwrap_err();
/// assert!(matches!(err, EngError::InvalidInput { ref field, .. } if field == "value"));
/// assert!(err.to_string().contains("-3"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngError {
    /// A value that is not allowed: NaN, infinite, negative money, a rating
    /// outside its scale, an unknown enum code, a time out of range …
    #[error("invalid {field}{}: {value} ({reason})", RowSuffix(*index))]
    InvalidInput {
        /// Name of the field or column.
        field: String,
        /// Row index within the input columns, when the input is columnar.
        index: Option<usize>,
        /// The offending value, rendered as text.
        value: String,
        /// Why the value is rejected.
        reason: String,
    },
    /// Columns that must have equal lengths do not.
    #[error("column {field} has {found} rows but {expected} were expected")]
    LengthMismatch {
        /// Name of the column with the wrong length.
        field: String,
        /// Length of the reference column (`customer`).
        expected: usize,
        /// Length of this column.
        found: usize,
    },
    /// A computation that needs data was given none.
    #[error("empty input: {what} needs at least one {unit}")]
    EmptyInput {
        /// What was being computed.
        what: String,
        /// What it needs one of.
        unit: String,
    },
    /// `as_of` lies before the latest event of the data being scored.
    #[error(
        "as_of {} ({as_of}) is before the latest event at {} ({latest}), of customer {customer}",
        crate::model::calendar::datetime_label(*.as_of),
        crate::model::calendar::datetime_label(*.latest)
    )]
    AsOfBeforeData {
        /// The requested evaluation time (Unix seconds).
        as_of: i64,
        /// The latest event time seen for the customer (Unix seconds).
        latest: i64,
        /// The customer whose data ends after `as_of`.
        customer: u64,
    },
    /// A configuration value is invalid or inconsistent.
    #[error("invalid configuration at {field}: {reason}")]
    Config {
        /// Path of the field inside the configuration, e.g. `decay.half_life_days`.
        field: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A customer id that the store does not know.
    #[error("unknown customer id {id}")]
    UnknownId {
        /// The id that was looked up.
        id: u64,
    },
    /// A text label that maps to no known code.
    #[error("unknown {field} label {label:?}{}{}", RowSuffix(*index), Accepted(accepted))]
    UnknownLabel {
        /// Which enumeration the label was meant for (`channel`, `kind`, `stage` …).
        field: String,
        /// The label as given.
        label: String,
        /// Row index within the input column, when the input is columnar.
        index: Option<usize>,
        /// The labels that would have been accepted.
        accepted: Vec<String>,
    },
    /// Two things that do not fit together: partial results or stores built
    /// with different specs or signal configurations, or a partial of one
    /// kind asked for another kind's result.
    #[error("incompatible: {reason}")]
    Incompatible {
        /// Why the two parts do not fit together.
        reason: String,
    },
    /// A JSON document (configuration, definition, golden vector) did not parse
    /// ("invalid JSON: …") or parsed to something the engine does not take: a
    /// missing, unknown or mistyped setting (`"invalid settings: at steps[0]: …"`).
    #[error("{message}")]
    Json {
        /// What is wrong and where: a path in the document for settings, a line
        /// and column for text that is not JSON.
        message: String,
    },
    /// A model fit did not converge.
    #[error("the fit did not converge after {iterations} iterations: {reason}")]
    Convergence {
        /// Iterations used.
        iterations: u64,
        /// What stopped the optimizer.
        reason: String,
    },
    /// Serialized state (a partial result's binary or JSON form, a saved
    /// store or engine) that is truncated, corrupt, of an unknown format
    /// version, or inconsistent.
    #[error("corrupt saved state: {reason}")]
    Corrupt {
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be read or written (saving and loading state).
    #[error("cannot {action} {path}: {message}")]
    Io {
        /// `"read"` or `"write"`.
        action: &'static str,
        /// The file.
        path: String,
        /// What the operating system said.
        message: String,
    },
}

struct RowSuffix(Option<usize>);

impl fmt::Display for RowSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(i) => write!(f, " at row {i}"),
            None => Ok(()),
        }
    }
}

struct Accepted<'a>(&'a [String]);

impl fmt::Display for Accepted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        write!(f, "; accepted: {}", self.0.join(", "))
    }
}

impl From<serde_json::Error> for EngError {
    fn from(e: serde_json::Error) -> Self {
        json_error(&e, "")
    }
}

/// The error of JSON text `e` failed on, at `path` in the document (empty:
/// the whole): text that is not JSON names its line and column; a document
/// of the wrong shape (a missing, unknown or mistyped setting) names the
/// setting's path, since a caller of the Python or C face may never have
/// written the JSON text the line and column count in.
pub(crate) fn json_error(e: &serde_json::Error, path: &str) -> EngError {
    let at = if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("at {path}: ")
    };
    let message = if e.classify() == serde_json::error::Category::Data {
        let text = e.to_string();
        let bare = match text.rfind(" at line ") {
            Some(i) if text[i..].contains(" column ") => text[..i].to_string(),
            _ => text,
        };
        format!("invalid settings: {at}{bare}")
    } else {
        format!("invalid JSON: {at}{e}")
    };
    EngError::Json { message }
}

/// The variant of an [`EngError`] without its data.
///
/// Unlike `EngError` this enum is exhaustive on purpose: the C and Python
/// faces map every kind without a wildcard arm, so adding a kind is a compile
/// error there until it is mapped.
///
/// # Examples
///
/// ```
/// use engagement_core::{EngError, ErrorKind};
/// assert_eq!(EngError::UnknownId { id: 4 }.kind(), ErrorKind::UnknownId);
/// assert_eq!(ErrorKind::UnknownId.name(), "unknown_id");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// [`EngError::InvalidInput`].
    InvalidInput,
    /// [`EngError::LengthMismatch`].
    LengthMismatch,
    /// [`EngError::EmptyInput`].
    EmptyInput,
    /// [`EngError::AsOfBeforeData`].
    AsOfBeforeData,
    /// [`EngError::Config`].
    Config,
    /// [`EngError::UnknownId`].
    UnknownId,
    /// [`EngError::UnknownLabel`].
    UnknownLabel,
    /// [`EngError::Incompatible`].
    Incompatible,
    /// [`EngError::Json`].
    Json,
    /// [`EngError::Convergence`].
    Convergence,
    /// [`EngError::Corrupt`].
    Corrupt,
    /// [`EngError::Io`].
    Io,
}

impl ErrorKind {
    /// Every kind.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(engagement_core::ErrorKind::ALL.len(), 12);
    /// ```
    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::InvalidInput,
        ErrorKind::LengthMismatch,
        ErrorKind::EmptyInput,
        ErrorKind::AsOfBeforeData,
        ErrorKind::Config,
        ErrorKind::UnknownId,
        ErrorKind::UnknownLabel,
        ErrorKind::Incompatible,
        ErrorKind::Json,
        ErrorKind::Convergence,
        ErrorKind::Corrupt,
        ErrorKind::Io,
    ];

    /// The stable snake_case name (`"invalid_input"` …), used by the golden
    /// vectors and the faces.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(engagement_core::ErrorKind::AsOfBeforeData.name(), "as_of_before_data");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::LengthMismatch => "length_mismatch",
            ErrorKind::EmptyInput => "empty_input",
            ErrorKind::AsOfBeforeData => "as_of_before_data",
            ErrorKind::Config => "config",
            ErrorKind::UnknownId => "unknown_id",
            ErrorKind::UnknownLabel => "unknown_label",
            ErrorKind::Incompatible => "incompatible",
            ErrorKind::Json => "json",
            ErrorKind::Convergence => "convergence",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Io => "io",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    /// The stable snake_case name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq<&str> for ErrorKind {
    fn eq(&self, name: &&str) -> bool {
        self.name() == *name
    }
}

impl PartialEq<ErrorKind> for &str {
    fn eq(&self, kind: &ErrorKind) -> bool {
        *self == kind.name()
    }
}

impl EngError {
    /// The kind of this error: the former name of [`kind`](Self::kind).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use engagement_core::{EngError, ErrorKind};
    /// assert_eq!(EngError::config("x", "y").error_kind(), ErrorKind::Config);
    /// ```
    #[deprecated(
        since = "0.1.0",
        note = "use `kind()`, which now returns the `ErrorKind`"
    )]
    pub fn error_kind(&self) -> ErrorKind {
        self.kind()
    }

    /// The kind of this error, as [`std::io::Error::kind`] gives one: what to
    /// `match` on. Its [`name`](ErrorKind::name) is the stable snake_case
    /// name the C status names and the Python exceptions share, and it
    /// compares equal to that name.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{EngError, ErrorKind};
    /// let e = EngError::UnknownId { id: 4 };
    /// assert_eq!(e.kind(), ErrorKind::UnknownId);
    /// assert_eq!(e.kind(), "unknown_id");
    /// assert_eq!(e.kind().to_string(), "unknown_id");
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngError::InvalidInput { .. } => ErrorKind::InvalidInput,
            EngError::LengthMismatch { .. } => ErrorKind::LengthMismatch,
            EngError::EmptyInput { .. } => ErrorKind::EmptyInput,
            EngError::AsOfBeforeData { .. } => ErrorKind::AsOfBeforeData,
            EngError::Config { .. } => ErrorKind::Config,
            EngError::UnknownId { .. } => ErrorKind::UnknownId,
            EngError::UnknownLabel { .. } => ErrorKind::UnknownLabel,
            EngError::Incompatible { .. } => ErrorKind::Incompatible,
            EngError::Json { .. } => ErrorKind::Json,
            EngError::Convergence { .. } => ErrorKind::Convergence,
            EngError::Corrupt { .. } => ErrorKind::Corrupt,
            EngError::Io { .. } => ErrorKind::Io,
        }
    }

    /// Builds an [`EngError::InvalidInput`] for a value outside a row context.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::EngError;
    /// assert_eq!(EngError::invalid("value", -1, "negative").to_string(), "invalid value: -1 (negative)");
    /// ```
    pub fn invalid(
        field: impl Into<String>,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        EngError::InvalidInput {
            field: field.into(),
            index: None,
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Builds an [`EngError::Config`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::EngError;
    /// assert_eq!(EngError::config("mix", "empty").to_string(), "invalid configuration at mix: empty");
    /// ```
    pub fn config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        EngError::Config {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An unknown label of `field`, listing the labels that are accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::EngError;
    /// let e = EngError::unknown_label("unit", "month", ["day", "week"]).at_row(2);
    /// assert_eq!(e.to_string(), r#"unknown unit label "month" at row 2; accepted: day, week"#);
    /// assert_eq!(e.row(), Some(2));
    /// ```
    pub fn unknown_label<S: Into<String>>(
        field: impl Into<String>,
        label: impl Into<String>,
        accepted: impl IntoIterator<Item = S>,
    ) -> Self {
        EngError::UnknownLabel {
            field: field.into(),
            label: label.into(),
            index: None,
            accepted: accepted.into_iter().map(Into::into).collect(),
        }
    }

    /// The row of the input the error is about, when the input is columnar
    /// and the error is about one value.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::EngError;
    /// assert_eq!(EngError::invalid("time", -1, "before 1970").at_row(3).row(), Some(3));
    /// assert_eq!(EngError::config("x", "y").row(), None);
    /// ```
    pub fn row(&self) -> Option<usize> {
        match self {
            EngError::InvalidInput { index, .. } | EngError::UnknownLabel { index, .. } => *index,
            _ => None,
        }
    }

    /// Returns the same error with the row index set (for columnar input).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::EngError;
    /// assert!(EngError::invalid("time", -1, "before 1970").at_row(3).to_string().contains("at row 3"));
    /// ```
    #[must_use]
    pub fn at_row(self, row: usize) -> Self {
        match self {
            EngError::InvalidInput {
                field,
                value,
                reason,
                ..
            } => EngError::InvalidInput {
                field,
                index: Some(row),
                value,
                reason,
            },
            EngError::UnknownLabel {
                field,
                label,
                accepted,
                ..
            } => EngError::UnknownLabel {
                field,
                label,
                index: Some(row),
                accepted,
            },
            other => other,
        }
    }
}

/// Returns early with an [`EngError::Config`] when `cond` is false.
macro_rules! ensure_config {
    ($cond:expr, $field:expr, $($reason:tt)+) => {
        let holds: bool = $cond;
        if !holds {
            return Err($crate::error::EngError::config($field, format!($($reason)+)));
        }
    };
}
pub(crate) use ensure_config;

/// Checks that a configuration number is finite and strictly positive.
pub(crate) fn positive(field: &str, v: f64) -> Result<()> {
    ensure_config!(
        v.is_finite() && v > 0.0,
        field,
        "must be a finite number > 0, got {v}"
    );
    Ok(())
}

/// Checks that every named parameter is finite and positive (the first that
/// is not is the error).
pub(crate) fn all_positive(params: &[(&str, f64)]) -> Result<()> {
    params.iter().try_for_each(|&(field, v)| positive(field, v))
}

/// Checks that a configuration number is finite and not negative.
pub(crate) fn non_negative(field: &str, v: f64) -> Result<()> {
    ensure_config!(
        v.is_finite() && v >= 0.0,
        field,
        "must be a finite number >= 0, got {v}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_field_row_and_value() {
        let e = EngError::invalid("value", f64::NAN, "must be finite").at_row(12);
        assert_eq!(
            e.to_string(),
            "invalid value at row 12: NaN (must be finite)"
        );
        let e = EngError::LengthMismatch {
            field: "time".into(),
            expected: 3,
            found: 2,
        };
        assert_eq!(e.to_string(), "column time has 2 rows but 3 were expected");
    }

    #[test]
    fn json_errors_convert() {
        let e: EngError = serde_json::from_str::<u8>("x").unwrap_err().into();
        assert!(matches!(e, EngError::Json { .. }));
    }

    #[test]
    fn config_helpers_reject_nan() {
        assert!(positive("a", f64::NAN).is_err());
        assert!(positive("a", 0.0).is_err());
        assert!(positive("a", 1.0).is_ok());
        assert!(non_negative("a", 0.0).is_ok());
        assert!(non_negative("a", -1.0).is_err());
    }
}
