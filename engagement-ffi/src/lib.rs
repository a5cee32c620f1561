//! C ABI of the engagement engine.
//!
//! This crate is the thin C face of `engagement-core`: it converts C data,
//! calls the core and converts back. The header `include/engagement.h` is
//! generated from it by cbindgen and committed. At this stage it exports the
//! library version; the full C API (profile stores, scores, stages, metrics)
//! is its own piece of work.

#![deny(missing_docs)]
#![allow(non_camel_case_types)]

/// The library version as a static NUL-terminated UTF-8 string (e.g. "0.1.0").
///
/// The returned pointer is owned by the library and valid for the life of the
/// process; do not free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn eng_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: eng_version returns a pointer to a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(eng_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
