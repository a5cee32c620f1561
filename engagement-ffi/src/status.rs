//! Status codes returned by every fallible call.

use engagement_core::{EngError, ErrorKind};

/// The result of a call. `ENG_STATUS_OK` is 0; every other value is an error
/// whose message `eng_last_error_message` returns on the same thread.
///
/// Ranges: 1–99 argument errors found at the boundary, 100–199 one per kind
/// of engine error, 1000 a caught panic. Numbers are never reused.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum eng_status {
    /// Success.
    Ok = 0,
    /// A required pointer was NULL (or NULL with a non-zero length).
    NullPointer = 1,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 2,
    /// An output buffer is too small; `*out_len` holds the size needed.
    BufferTooSmall = 3,
    /// A handle was used after a call on it panicked.
    Poisoned = 4,
    /// A value is invalid (NaN, negative money, rating off its scale, unknown code …).
    InvalidInput = 100,
    /// Columns that must have equal lengths do not.
    LengthMismatch = 101,
    /// A computation that needs data got none.
    EmptyInput = 102,
    /// `as_of` is before the data.
    AsOfBeforeData = 103,
    /// A configuration value is invalid.
    Config = 104,
    /// An unknown customer id.
    UnknownId = 105,
    /// An unknown label.
    UnknownLabel = 106,
    /// Parts that cannot be combined.
    Incompatible = 107,
    /// Malformed JSON.
    Json = 108,
    /// A model fit did not converge.
    Convergence = 109,
    /// Serialized state (a partial result, a saved store or engine) that is
    /// truncated, corrupt or of an unknown version.
    Corrupt = 110,
    /// A file could not be read or written (saving and loading state).
    Io = 111,
    /// A panic was caught at the boundary (a bug; please report it).
    Panic = 1000,
}

impl From<ErrorKind> for eng_status {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidInput => eng_status::InvalidInput,
            ErrorKind::LengthMismatch => eng_status::LengthMismatch,
            ErrorKind::EmptyInput => eng_status::EmptyInput,
            ErrorKind::AsOfBeforeData => eng_status::AsOfBeforeData,
            ErrorKind::Config => eng_status::Config,
            ErrorKind::UnknownId => eng_status::UnknownId,
            ErrorKind::UnknownLabel => eng_status::UnknownLabel,
            ErrorKind::Incompatible => eng_status::Incompatible,
            ErrorKind::Json => eng_status::Json,
            ErrorKind::Convergence => eng_status::Convergence,
            ErrorKind::Corrupt => eng_status::Corrupt,
            ErrorKind::Io => eng_status::Io,
        }
    }
}

impl From<&EngError> for eng_status {
    fn from(e: &EngError) -> Self {
        e.kind().into()
    }
}

impl eng_status {
    /// Every status, in code order.
    pub(crate) const ALL: [eng_status; 18] = [
        eng_status::Ok,
        eng_status::NullPointer,
        eng_status::InvalidUtf8,
        eng_status::BufferTooSmall,
        eng_status::Poisoned,
        eng_status::InvalidInput,
        eng_status::LengthMismatch,
        eng_status::EmptyInput,
        eng_status::AsOfBeforeData,
        eng_status::Config,
        eng_status::UnknownId,
        eng_status::UnknownLabel,
        eng_status::Incompatible,
        eng_status::Json,
        eng_status::Convergence,
        eng_status::Corrupt,
        eng_status::Io,
        eng_status::Panic,
    ];

    /// The static NUL-terminated name of the status, e.g. `"ENG_STATUS_OK"`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            eng_status::Ok => "ENG_STATUS_OK\0",
            eng_status::NullPointer => "ENG_STATUS_NULL_POINTER\0",
            eng_status::InvalidUtf8 => "ENG_STATUS_INVALID_UTF8\0",
            eng_status::BufferTooSmall => "ENG_STATUS_BUFFER_TOO_SMALL\0",
            eng_status::Poisoned => "ENG_STATUS_POISONED\0",
            eng_status::InvalidInput => "ENG_STATUS_INVALID_INPUT\0",
            eng_status::LengthMismatch => "ENG_STATUS_LENGTH_MISMATCH\0",
            eng_status::EmptyInput => "ENG_STATUS_EMPTY_INPUT\0",
            eng_status::AsOfBeforeData => "ENG_STATUS_AS_OF_BEFORE_DATA\0",
            eng_status::Config => "ENG_STATUS_CONFIG\0",
            eng_status::UnknownId => "ENG_STATUS_UNKNOWN_ID\0",
            eng_status::UnknownLabel => "ENG_STATUS_UNKNOWN_LABEL\0",
            eng_status::Incompatible => "ENG_STATUS_INCOMPATIBLE\0",
            eng_status::Json => "ENG_STATUS_JSON\0",
            eng_status::Convergence => "ENG_STATUS_CONVERGENCE\0",
            eng_status::Corrupt => "ENG_STATUS_CORRUPT\0",
            eng_status::Io => "ENG_STATUS_IO\0",
            eng_status::Panic => "ENG_STATUS_PANIC\0",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_has_its_own_status() {
        let mut seen = std::collections::BTreeSet::new();
        for k in ErrorKind::ALL {
            let s = eng_status::from(k);
            assert!((100..200).contains(&(s as u32)), "{k:?}");
            assert!(seen.insert(s as u32));
            // The status name ends with the kind name, upper-cased.
            assert!(
                s.name()
                    .trim_end_matches('\0')
                    .ends_with(&k.name().to_uppercase())
            );
        }
        for s in eng_status::ALL {
            assert!(s.name().ends_with('\0'));
        }
    }
}
