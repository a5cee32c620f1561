//! `eng_table`: a result as named, typed columns read through borrowed
//! pointers (no JSON to parse, no size to ask first), and handed as it is to
//! the calls that take it.

use std::ffi::{CStr, CString, c_char};

use engagement_core::table::{Column, Table, ToTable};
use engagement_core::{LoyaltyAccounts, SegmentMembership};

use crate::boundary::{Failure, boundary};
use crate::handle::{Castable, free, handle_ref, out};
use crate::status::eng_status;

/// An opaque, immutable table of results: columns of equal length, each
/// with a name and a type (`u64`, `i64`, `u8`, `f64`, or `label`: `int32_t`
/// codes into the column's own labels, -1 where there is none; missing
/// numbers are NaN). Read a column with the accessor of its type
/// (`eng_table_u64` …); the pointers it gives stay valid, unchanged, until
/// `eng_table_free`. Tables of loyalty accounts and of segment membership
/// go as they are into `eng_next_best_actions_table`.
///
/// Thread safety: a table may be read from several threads at once.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_table {
    _private: [u8; 0],
}

/// What made a table, when a later call takes it back.
pub(crate) enum Source {
    Other,
    Accounts(LoyaltyAccounts),
    Segments(SegmentMembership),
}

/// What an `eng_table` points to: the table, its names and labels as C
/// strings, and its source.
pub(crate) struct TableHandle {
    table: Table,
    names: Vec<CString>,
    labels: Vec<Vec<CString>>,
    pub(crate) source: Source,
}

impl TableHandle {
    /// The table itself.
    pub(crate) fn table(&self) -> &Table {
        &self.table
    }
}

impl Castable for eng_table {
    type RustType = TableHandle;
    const NOUN: &'static str = "table";
}

fn c_string(s: &str) -> CString {
    // Names and labels never hold NUL (labels are checked text); cut at one if they did.
    CString::new(s.split('\0').next().unwrap_or("")).unwrap_or_default()
}

impl TableHandle {
    pub(crate) fn new(table: Table, source: Source) -> Self {
        let names = table.columns().map(|(n, _)| c_string(n)).collect();
        let labels = table
            .columns()
            .map(|(_, c)| match c {
                Column::Label { labels, .. } => labels.iter().map(|l| c_string(l)).collect(),
                _ => Vec::new(),
            })
            .collect();
        TableHandle {
            table,
            names,
            labels,
            source,
        }
    }

    pub(crate) fn of(result: &impl ToTable, source: Source) -> Self {
        Self::new(result.to_table(), source)
    }

    /// The column named `name` and its index, or UNKNOWN_LABEL listing the names.
    fn column(&self, name: &str) -> Result<(usize, &Column), Failure> {
        self.table
            .columns()
            .enumerate()
            .find(|(_, (n, _))| *n == name)
            .map(|(i, (_, c))| (i, c))
            .ok_or_else(|| {
                Failure::new(
                    eng_status::UnknownLabel,
                    format!(
                        "unknown column {name:?}; this table has: {}",
                        self.table.names().join(", ")
                    ),
                )
            })
    }
}

/// Hands `result` to C as a new table with no source.
pub(crate) fn hand_out_table(result: &impl ToTable, to: &mut *mut eng_table) {
    crate::handle::hand_out(TableHandle::of(result, Source::Other), to);
}

fn wrong_type(name: &str, column: &Column, wanted: &str) -> Failure {
    let accessor = match column {
        Column::U64(_) => "eng_table_u64",
        Column::I64(_) => "eng_table_i64",
        Column::U8(_) => "eng_table_u8",
        Column::F64(_) => "eng_table_f64",
        Column::Label { .. } => "eng_table_codes",
    };
    Failure::new(
        eng_status::Incompatible,
        format!(
            "column {name:?} holds {} values, not {wanted}: read it with {accessor}",
            column.type_name()
        ),
    )
}

/// A column name given as a NUL-terminated UTF-8 string.
///
/// # Safety
/// `ptr` NULL or NUL-terminated.
unsafe fn name_arg<'a>(ptr: *const c_char) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::new(
            eng_status::NullPointer,
            "argument name is NULL",
        ));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's promise.
    unsafe { CStr::from_ptr(ptr) }.to_str().map_err(|e| {
        Failure::new(
            eng_status::InvalidUtf8,
            format!("argument name is not valid UTF-8: {e}"),
        )
    })
}

/// Writes the number of rows to `*out_rows`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `table` a live table; `out_rows` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_rows(
    table: *const eng_table,
    out_rows: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let t = unsafe { handle_ref(table, "table")? };
        // SAFETY: as above.
        *unsafe { out(out_rows, "out_rows")? } = t.table.rows();
        Ok(())
    })
}

/// Writes the number of columns to `*out_columns`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `table` a live table; `out_columns` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_columns(
    table: *const eng_table,
    out_columns: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let t = unsafe { handle_ref(table, "table")? };
        // SAFETY: as above.
        *unsafe { out(out_columns, "out_columns")? } = t.names.len();
        Ok(())
    })
}

/// The name and type (`"u64"`, `"i64"`, `"u8"`, `"f64"` or `"label"`) of
/// column `index` (0 … columns − 1), as NUL-terminated strings owned by the
/// table (valid until `eng_table_free`; do not free them). Either output may
/// be NULL.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT` (no such column),
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `table` a live table; outputs NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_column(
    table: *const eng_table,
    index: usize,
    out_name: *mut *const c_char,
    out_type: *mut *const c_char,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let t = unsafe { handle_ref(table, "table")? };
        let (_, column) = t.table.columns().nth(index).ok_or_else(|| {
            Failure::new(
                eng_status::InvalidInput,
                format!(
                    "invalid index: {index} (this table has {} columns)",
                    t.names.len()
                ),
            )
        })?;
        if !out_name.is_null() {
            // SAFETY: non-NULL and writable by the caller's promise.
            unsafe { *out_name = t.names[index].as_ptr() };
        }
        if !out_type.is_null() {
            let ty: &'static CStr = match column {
                Column::U64(_) => c"u64",
                Column::I64(_) => c"i64",
                Column::U8(_) => c"u8",
                Column::F64(_) => c"f64",
                Column::Label { .. } => c"label",
            };
            // SAFETY: non-NULL and writable by the caller's promise.
            unsafe { *out_type = ty.as_ptr() };
        }
        Ok(())
    })
}

/// Borrows a column of one type: `*out_values` points to `*out_len` values
/// owned by the table.
///
/// # Safety
/// `table` a live table; `name` NUL-terminated; outputs valid for one write.
unsafe fn borrow<T>(
    table: *const eng_table,
    name: *const c_char,
    out_values: *mut *const T,
    out_len: *mut usize,
    wanted: &str,
    pick: impl Fn(&Column) -> Option<&[T]>,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let t = unsafe { handle_ref(table, "table")? };
        // SAFETY: as above.
        let name = unsafe { name_arg(name)? };
        // SAFETY: as above.
        let out_values = unsafe { out(out_values, "out_values")? };
        // SAFETY: as above.
        let out_len = unsafe { out(out_len, "out_len")? };
        let (_, column) = t.column(name)?;
        let values = pick(column).ok_or_else(|| wrong_type(name, column, wanted))?;
        *out_values = values.as_ptr();
        *out_len = values.len();
        Ok(())
    })
}

/// Borrows the `u64` column `name` (NUL-terminated): `*out_values` points to
/// `*out_len` values owned by the table, valid until `eng_table_free`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_UNKNOWN_LABEL` (no such column; the
/// message lists the table's), `ENG_STATUS_INCOMPATIBLE` (a column of
/// another type; the message names its accessor), `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe. The other accessors are alike.
///
/// # Safety
/// `table` a live table; `name` a NUL-terminated string; outputs valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_u64(
    table: *const eng_table,
    name: *const c_char,
    out_values: *mut *const u64,
    out_len: *mut usize,
) -> eng_status {
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        borrow(table, name, out_values, out_len, "u64", |c| match c {
            Column::U64(v) => Some(v),
            _ => None,
        })
    }
}

/// Borrows the `i64` column `name` (times in Unix seconds), as `eng_table_u64`.
///
/// # Safety
/// As `eng_table_u64`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_i64(
    table: *const eng_table,
    name: *const c_char,
    out_values: *mut *const i64,
    out_len: *mut usize,
) -> eng_status {
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        borrow(table, name, out_values, out_len, "i64", |c| match c {
            Column::I64(v) => Some(v),
            _ => None,
        })
    }
}

/// Borrows the `u8` column `name` (flags: 1 yes, 0 no), as `eng_table_u64`.
///
/// # Safety
/// As `eng_table_u64`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_u8(
    table: *const eng_table,
    name: *const c_char,
    out_values: *mut *const u8,
    out_len: *mut usize,
) -> eng_status {
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        borrow(table, name, out_values, out_len, "u8", |c| match c {
            Column::U8(v) => Some(v),
            _ => None,
        })
    }
}

/// Borrows the `f64` column `name` (NaN where there is no value), as `eng_table_u64`.
///
/// # Safety
/// As `eng_table_u64`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_f64(
    table: *const eng_table,
    name: *const c_char,
    out_values: *mut *const f64,
    out_len: *mut usize,
) -> eng_status {
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        borrow(table, name, out_values, out_len, "f64", |c| match c {
            Column::F64(v) => Some(v),
            _ => None,
        })
    }
}

/// Borrows the codes of the `label` column `name`: `int32_t` indices into
/// its labels (`eng_table_label`), -1 where there is none; as `eng_table_u64`.
///
/// # Safety
/// As `eng_table_u64`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_codes(
    table: *const eng_table,
    name: *const c_char,
    out_codes: *mut *const i32,
    out_len: *mut usize,
) -> eng_status {
    // SAFETY: the caller's promises, forwarded.
    unsafe {
        borrow(table, name, out_codes, out_len, "label", |c| match c {
            Column::Label { codes, .. } => Some(codes),
            _ => None,
        })
    }
}

/// The labels of the `label` column `name`: `*out_count` receives how many
/// there are; with `code` in 0 … count − 1, `*out_label` receives that
/// label (NUL-terminated, owned by the table, valid until `eng_table_free`),
/// with `code` -1 it receives NULL. `out_label` may be NULL to ask only the
/// count.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT` (a code out of
/// range), `ENG_STATUS_UNKNOWN_LABEL`, `ENG_STATUS_INCOMPATIBLE` (not a
/// label column), `ENG_STATUS_INVALID_UTF8`, `ENG_STATUS_NULL_POINTER`.
/// Thread-safe.
///
/// # Safety
/// `table` a live table; `name` NUL-terminated; `out_count` valid for one
/// write, `out_label` NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_label(
    table: *const eng_table,
    name: *const c_char,
    code: i32,
    out_count: *mut usize,
    out_label: *mut *const c_char,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let t = unsafe { handle_ref(table, "table")? };
        // SAFETY: as above.
        let name = unsafe { name_arg(name)? };
        // SAFETY: as above.
        let out_count = unsafe { out(out_count, "out_count")? };
        let (index, column) = t.column(name)?;
        if !matches!(column, Column::Label { .. }) {
            return Err(wrong_type(name, column, "label"));
        }
        let labels = &t.labels[index];
        let label = match code {
            -1 => std::ptr::null(),
            c if c >= 0 && (c as usize) < labels.len() => labels[c as usize].as_ptr(),
            c => {
                return Err(Failure::new(
                    eng_status::InvalidInput,
                    format!(
                        "invalid code: {c} (column {name:?} has {} labels; -1 means none)",
                        labels.len()
                    ),
                ));
            }
        };
        *out_count = labels.len();
        if !out_label.is_null() {
            // SAFETY: non-NULL and writable by the caller's promise.
            unsafe { *out_label = label };
        }
        Ok(())
    })
}

/// Releases a table and everything borrowed from it. NULL is fine; twice
/// is not.
///
/// # Safety
/// `table` NULL or a live table.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_free(table: *mut eng_table) {
    // SAFETY: the caller promises NULL or a live table.
    unsafe { free(table) }
}
