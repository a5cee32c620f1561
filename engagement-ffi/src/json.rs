//! JSON in (configurations, definitions) and JSON out (structured results).

use std::ffi::c_char;

use engagement_core::EngError;

use crate::boundary::Failure;
use crate::handle::{into_c_string, out, text};

/// Parses an optional JSON document; NULL or blank means `None`.
///
/// # Safety
/// `ptr` must be NULL or point to `len` readable bytes.
pub(crate) unsafe fn optional<T: serde::de::DeserializeOwned>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<Option<T>, Failure> {
    // SAFETY: forwarded from the caller.
    let s = unsafe { text(ptr, len, name)? };
    if s.trim().is_empty() {
        return Ok(None);
    }
    engagement_core::limits::from_json(s)
        .map(Some)
        .map_err(Failure::from)
}

/// Parses a JSON configuration; NULL or blank means `T::default()`.
///
/// # Safety
/// As [`optional`].
pub(crate) unsafe fn config<T: serde::de::DeserializeOwned + Default>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    Ok(unsafe { optional(ptr, len, name)? }.unwrap_or_default())
}

/// Parses a required JSON document.
///
/// # Safety
/// As [`optional`].
pub(crate) unsafe fn document<T: serde::de::DeserializeOwned>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    let s = unsafe { text(ptr, len, name)? };
    if s.trim().is_empty() {
        return Err(Failure::from(engagement_core::EngError::Json {
            message: format!(
                "invalid JSON: argument {name} is empty (NULL or length 0): a JSON document is required"
            ),
        }));
    }
    engagement_core::limits::from_json(s).map_err(Failure::from)
}

/// Serializes `value` into a library-owned NUL-terminated string written to
/// `*out_json`, with its length (without the NUL) to `*out_len` if not NULL.
///
/// # Safety
/// `out_json` must be valid for one write; `out_len` NULL or valid for one write.
pub(crate) unsafe fn write<T: serde::Serialize>(
    value: &T,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    let out_json = unsafe { out(out_json, "out_json")? };
    let json = serde_json::to_string(value).map_err(|e| Failure::from(EngError::from(e)))?;
    // SAFETY: forwarded from the caller.
    unsafe { write_string(json, out_json, out_len) }
}

/// Hands `json` (already serialized) to C as [`write`] does.
///
/// # Safety
/// `out_len` NULL or valid for one write.
pub(crate) unsafe fn write_string(
    json: String,
    out_json: &mut *mut c_char,
    out_len: *mut usize,
) -> Result<(), Failure> {
    let len = json.len();
    *out_json = into_c_string(json)?;
    if !out_len.is_null() {
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { *out_len = len };
    }
    Ok(())
}
