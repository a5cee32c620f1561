//! Checks shared by the fuzz targets: every call's status is one of the documented
//! `eng_status` values, a failed call leaves a last-error message, and owned strings
//! are taken back and freed.

use std::ffi::{CStr, c_char};

use engagement::errors::{eng_last_error_message, eng_string_free};
use engagement::status::eng_status;

/// The status of a call, checked: documented, and with a message when it is not OK.
pub fn checked(status: eng_status) -> eng_status {
    let code = status as u32;
    assert!(
        matches!(code, 0..=4 | 100..=111 | 200),
        "undocumented status {code}"
    );
    if status == eng_status::Panic {
        panic!("a call panicked inside the library: {}", last_error());
    }
    if status != eng_status::Ok {
        assert!(!last_error().is_empty(), "status {code} without a message");
    }
    status
}

/// The calling thread's last error message.
pub fn last_error() -> String {
    let mut buf = vec![0 as c_char; 4096];
    let mut len = 0usize;
    // SAFETY: the buffer holds its length; `len` is writable.
    let s = unsafe { eng_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(s, eng_status::Ok);
    // SAFETY: the library NUL-terminates within the buffer.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// Takes a library-owned JSON string: parses it (it must be valid JSON) and frees it.
pub fn take_json(ptr: *mut c_char) -> serde_json::Value {
    assert!(!ptr.is_null(), "OK without a string");
    // SAFETY: a NUL-terminated string the library allocated.
    let text = unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: owned by us now, freed once.
    unsafe { eng_string_free(ptr) };
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the library returned bad JSON ({e}): {text}"))
}

/// Little-endian readers over fuzz input.
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    /// The next byte (0 when exhausted).
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// The next 8 bytes (zero-padded).
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        u64::from_le_bytes(b)
    }

    /// True when no byte is left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
