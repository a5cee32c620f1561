//! Checked conversions of C arguments: handles, pointers, slices, strings, outputs.

use std::ffi::c_char;

use crate::boundary::{Failure, boundary_here};
use crate::status::eng_status;

/// Ties an opaque C handle type (a zero-sized marker struct that the header
/// declares but never defines, such as `eng_profile_store`) to the Rust value
/// its pointers point to, as rustls-ffi's `Castable` does. Every handle is a
/// `Box<Handle<RustType>>` handed to C as `*mut Self`; the functions below are
/// the only code that casts between the two.
pub(crate) trait Castable {
    /// The value behind a handle of this type.
    type RustType;
    /// What messages call the handle ("store is poisoned: …").
    const NOUN: &'static str;
}

/// What a handle points to: the value, and whether a call that was changing
/// it panicked (then the value may be half-changed, and every later call on
/// the handle fails with `ENG_STATUS_POISONED`).
pub(crate) struct Handle<T> {
    value: T,
    poisoned: bool,
}

impl<T> Handle<T> {
    /// Runs `change` on the value, marking the handle poisoned for as long as
    /// it runs: if it panics (the boundary catches the panic), the mark stays.
    pub(crate) fn mutate<R>(&mut self, change: impl FnOnce(&mut T) -> R) -> R {
        self.poisoned = true;
        let result = change(&mut self.value);
        self.poisoned = false;
        result
    }
}

/// Gives `value` to C as a new handle, written to `*to`; C releases it with
/// the type's `_free` function (which calls [`free`]).
pub(crate) fn hand_out<C: Castable>(value: C::RustType, to: &mut *mut C) {
    *to = Box::into_raw(Box::new(Handle {
        value,
        poisoned: false,
    }))
    .cast();
}

/// The handle behind `ptr`, checked: NULL is `ENG_STATUS_NULL_POINTER` naming
/// the argument `name`, a poisoned handle `ENG_STATUS_POISONED`.
///
/// # Safety
/// `ptr` must be NULL or a live handle from [`hand_out`] that no call changes
/// during `'a`.
unsafe fn live<'a, C: Castable>(
    ptr: *const C,
    name: &str,
) -> Result<&'a Handle<C::RustType>, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: non-NULL, and the caller promises a live handle, which is a
    // `Box<Handle<C::RustType>>` cast by `hand_out`.
    let handle = unsafe { &*ptr.cast::<Handle<C::RustType>>() };
    if handle.poisoned {
        return Err(Failure::new(
            eng_status::Poisoned,
            format!("{} is poisoned: an earlier call on it panicked", C::NOUN),
        ));
    }
    Ok(handle)
}

/// The value behind a handle, for reading (as [`live`] checks it).
///
/// # Safety
/// As [`live`].
pub(crate) unsafe fn handle_ref<'a, C: Castable>(
    ptr: *const C,
    name: &str,
) -> Result<&'a C::RustType, Failure> {
    // SAFETY: forwarded from the caller.
    Ok(unsafe { &live(ptr, name)?.value })
}

/// The handle behind `ptr`, for a call that changes it through
/// [`Handle::mutate`] (checked as [`live`] checks it).
///
/// # Safety
/// As [`live`], and no other call may use the handle during `'a`.
pub(crate) unsafe fn handle_mut<'a, C: Castable>(
    ptr: *mut C,
    name: &str,
) -> Result<&'a mut Handle<C::RustType>, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { live(ptr.cast_const(), name)? };
    // SAFETY: checked non-NULL and live above; exclusive by the caller's promise.
    Ok(unsafe { &mut *ptr.cast::<Handle<C::RustType>>() })
}

/// Releases a handle (NULL is fine) behind the panic boundary, for the
/// type's `_free` function. It runs on the caller's thread, not the worker
/// pool: freeing after `eng_shutdown` must not start the pool again.
///
/// # Safety
/// `ptr` must be NULL or a live handle from [`hand_out`], not used afterwards.
pub(crate) unsafe fn free<C: Castable>(ptr: *mut C) {
    let _ = boundary_here(|| {
        if !ptr.is_null() {
            // SAFETY: the caller promises a live handle, a `Box` from `hand_out`.
            drop(unsafe { Box::from_raw(ptr.cast::<Handle<C::RustType>>()) });
        }
        Ok(())
    });
}

pub(crate) fn null(name: &str) -> Failure {
    Failure::new(eng_status::NullPointer, format!("argument {name} is NULL"))
}

fn misaligned(name: &str) -> Failure {
    Failure::new(
        eng_status::InvalidInput,
        format!("argument {name} is not aligned for its type"),
    )
}

/// Checks that `len` elements of `T` fit in one allocation (at most `isize::MAX` bytes).
fn check_len<T>(len: usize, name: &str) -> Result<(), Failure> {
    match len.checked_mul(std::mem::size_of::<T>()) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(()),
        _ => Err(Failure::new(
            eng_status::InvalidInput,
            format!("argument {name}: length {len} is too large"),
        )),
    }
}

/// A required input column: NULL is allowed only with `len == 0`.
///
/// # Safety
/// `ptr` must be NULL or point to `len` readable, initialized, aligned `T`s
/// that stay valid and unmodified for `'a`.
pub(crate) unsafe fn slice<'a, T>(
    ptr: *const T,
    len: usize,
    name: &str,
) -> Result<&'a [T], Failure> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(null(name)) };
    }
    if !ptr.is_aligned() {
        return Err(misaligned(name));
    }
    check_len::<T>(len, name)?;
    if std::mem::size_of::<T>() > 1 {
        // Columns of numbers: at most one call's rows, refused before any read.
        // (Bytes and text are bounded by their own limits.)
        engagement_core::limits::check_rows(name, len).map_err(Failure::from)?;
    }
    // SAFETY: non-NULL, aligned, a size that fits an allocation, and the caller
    // promises `len` valid elements.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// An optional input column: NULL means "absent" (an empty slice).
///
/// # Safety
/// As [`slice`].
pub(crate) unsafe fn optional<'a, T>(
    ptr: *const T,
    len: usize,
    name: &str,
) -> Result<&'a [T], Failure> {
    if ptr.is_null() {
        Ok(&[])
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { slice(ptr, len, name) }
    }
}

/// A UTF-8 string given as pointer and length (no NUL needed). NULL with
/// length 0 is the empty string.
///
/// # Safety
/// `ptr` must be NULL or point to `len` readable bytes valid for `'a`.
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, Failure> {
    // SAFETY: forwarded from the caller; u8 and c_char have the same layout.
    let bytes = unsafe { slice(ptr.cast::<u8>(), len, name)? };
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            eng_status::InvalidUtf8,
            format!("argument {name} is not valid UTF-8: {e}"),
        )
    })
}

/// A required output location.
///
/// # Safety
/// `ptr` must be NULL or valid for writes of one `T` for `'a`.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    if !ptr.is_aligned() {
        return Err(misaligned(name));
    }
    // SAFETY: non-NULL and aligned; the caller promises it is valid for writes.
    Ok(unsafe { &mut *ptr })
}

/// An output column given by the caller: a pointer with room for `cap`
/// elements. It is written through the raw pointer (never as a `&mut`
/// slice), so columns that overlap in caller memory are not undefined
/// behaviour on the Rust side; later writes simply overwrite earlier ones.
pub(crate) struct OutColumn<T> {
    ptr: *mut T,
    cap: usize,
}

/// An optional output column of capacity `cap`: NULL means "not wanted".
///
/// # Safety
/// `ptr` must be NULL or valid for writes of `cap` `T`s until the call returns.
pub(crate) unsafe fn out_column<T>(
    ptr: *mut T,
    cap: usize,
    name: &str,
) -> Result<Option<OutColumn<T>>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    if !ptr.is_aligned() {
        return Err(misaligned(name));
    }
    check_len::<T>(cap, name)?;
    Ok(Some(OutColumn { ptr, cap }))
}

/// Writes `values` into an optional output column (callers check the
/// capacity first with [`fits`]; a longer `values` is cut at the capacity).
pub(crate) fn fill<T: Copy>(column: Option<OutColumn<T>>, values: &[T]) {
    if let Some(c) = column {
        let n = values.len().min(c.cap);
        // SAFETY: `out_column` checked the pointer; the caller of the entry point
        // promised room for `cap` elements; `values` never overlaps caller memory.
        unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), c.ptr, n) };
    }
}

/// Writes `values` into a required output column with room for
/// `values.len()` elements (the caller sized it from the call's documented
/// shape); NULL is refused unless there is nothing to write.
///
/// # Safety
/// `ptr` must be NULL or valid for writes of `values.len()` `T`s.
pub(crate) unsafe fn put<T: Copy>(ptr: *mut T, values: &[T], name: &str) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    let column = unsafe { out_column(ptr, values.len(), name)? };
    if column.is_none() && !values.is_empty() {
        return Err(null(name));
    }
    fill(column, values);
    Ok(())
}

/// Checks that results of `needed` rows fit `cap`; otherwise reports the
/// size through `out_len` and fails with `ENG_STATUS_BUFFER_TOO_SMALL`.
pub(crate) fn fits(needed: usize, cap: usize, out_len: &mut usize) -> Result<(), Failure> {
    if needed > cap {
        *out_len = needed;
        return Err(Failure::new(
            eng_status::BufferTooSmall,
            format!("output buffers hold {cap} rows but {needed} are needed"),
        ));
    }
    Ok(())
}

/// A file path given as a NUL-terminated string (on Unix any bytes; elsewhere
/// UTF-8).
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string.
pub(crate) unsafe fn path(ptr: *const c_char, name: &str) -> Result<std::path::PathBuf, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's promise.
    let bytes = unsafe { std::ffi::CStr::from_ptr(ptr) }.to_bytes();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(std::ffi::OsStr::from_bytes(bytes).into())
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).map(Into::into).map_err(|e| {
            Failure::new(
                eng_status::InvalidUtf8,
                format!("argument {name} is not valid UTF-8: {e}"),
            )
        })
    }
}

/// Hands library-allocated bytes to C (freed by `eng_bytes_free` with the
/// same length).
pub(crate) fn hand_out_bytes(bytes: Vec<u8>, to: &mut *mut u8, len: &mut usize) {
    let boxed = bytes.into_boxed_slice();
    *len = boxed.len();
    *to = Box::into_raw(boxed).cast::<u8>();
}

/// A library-allocated NUL-terminated string (freed by `eng_string_free`).
pub(crate) fn into_c_string(s: String) -> Result<*mut c_char, Failure> {
    std::ffi::CString::new(s)
        .map(std::ffi::CString::into_raw)
        .map_err(|_| Failure::new(eng_status::InvalidInput, "result contains a NUL byte"))
}

#[cfg(test)]
mod tests {
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::boundary::boundary;

    /// A handle type of the tests' own.
    #[allow(non_camel_case_types)]
    struct eng_thing {
        _private: [u8; 0],
    }

    impl Castable for eng_thing {
        type RustType = Vec<u32>;
        const NOUN: &'static str = "thing";
    }

    /// The generic handle: read, changed, poisoned by a panic while changing, freed.
    #[test]
    fn handles_are_checked_and_poisoned_by_a_panic_while_changing() {
        let mut thing: *mut eng_thing = null_mut();
        hand_out(vec![1], &mut thing);
        // SAFETY: `thing` is a live handle until freed, and no call overlaps another.
        unsafe {
            assert_eq!(handle_ref(thing, "thing").unwrap(), &[1]);
            handle_mut(thing, "thing").unwrap().mutate(|v| v.push(2));
            assert_eq!(handle_ref(thing, "thing").unwrap(), &[1, 2]);
            let status = boundary(|| {
                handle_mut(thing, "thing")?.mutate(|v| {
                    v.push(3);
                    panic!("boom")
                })
            });
            assert_eq!(status, eng_status::Panic);
            for failure in [
                handle_ref(thing, "thing").err(),
                handle_mut(thing, "thing").err(),
            ] {
                let failure = failure.unwrap();
                assert_eq!(failure.status, eng_status::Poisoned);
                assert_eq!(
                    failure.message,
                    "thing is poisoned: an earlier call on it panicked"
                );
            }
            free(thing);
            free(null_mut::<eng_thing>());
            let failure = handle_ref(null::<eng_thing>(), "other").unwrap_err();
            assert_eq!(failure.status, eng_status::NullPointer);
            assert_eq!(failure.message, "argument other is NULL");
        }
    }
}
