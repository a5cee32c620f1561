//! The Arrow C Data Interface: touchpoint batches in (an `ArrowArray` of
//! struct type with its `ArrowSchema`, or an `ArrowArrayStream`), result
//! tables out. The structs are the specification's
//! (<https://arrow.apache.org/docs/format/CDataInterface.html>), declared in
//! the header unless the host defines `ARROW_C_DATA_INTERFACE` /
//! `ARROW_C_STREAM_INTERFACE` itself.

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{Array, RecordBatch, StructArray};
use engagement_core::EngError;
use engagement_core::arrow::TouchpointBatch;

use crate::boundary::{Failure, boundary};
use crate::handle::{Castable, free, hand_out, handle_mut, handle_ref, out};
use crate::status::eng_status;
use crate::touchpoints::eng_touchpoints;

/// An opaque batch of touchpoints read from Arrow: the columns `customer`,
/// `time`, `channel`, `kind` and optionally `value`, `rating`,
/// `rating_scale`, shared with the Arrow data where the types match.
///
/// Thread safety: immutable; any number of calls may read it at once.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_touchpoint_batch {
    _private: [u8; 0],
}

impl Castable for eng_touchpoint_batch {
    type RustType = TouchpointBatch;
    const NOUN: &'static str = "touchpoint batch";
}

fn arrow_error(what: &str, e: impl std::fmt::Display) -> Failure {
    Failure::from(EngError::invalid(what, "arrow", e.to_string()))
}

/// Reads a touchpoint batch from an Arrow array of struct type (one field per
/// column) and its schema, as the Arrow C Data Interface exports a record
/// batch. The columns and the types each takes:
///
/// | column | read without a copy | also read (converted) |
/// |---|---|---|
/// | `customer` | `uint64` | `int64`, `int32`, `uint32` (negative ids refused) |
/// | `time` | `int64` (Unix seconds), `timestamp[s]` | `timestamp` in ms, µs or ns (rounded towards the past), `date32`, `date64` |
/// | `channel`, `kind` | `uint8` codes | labels: `utf8`, `large_utf8`, `utf8_view`, or a dictionary of them |
/// | `value` (optional) | `float64` without nulls | `float32`, integers; null is 0 |
/// | `rating` (optional) | `float32` without nulls | `float64`; null is no answer |
/// | `rating_scale` (optional) | `uint8` codes without nulls | labels; null is no scale |
///
/// Labels are read as `eng_channel_code` reads them (ASCII case ignored,
/// surrounding spaces trimmed, `-` and spaces read as `_`). Other columns are ignored. The array is moved into the batch (its
/// `release` is set to NULL, as the specification's consumer does); the
/// schema stays the caller's to release. Buffers read without a copy stay
/// alive until `eng_touchpoint_batch_free`. On success `*out_batch` receives a
/// batch owned by the caller, which `eng_profile_store_push_batch` and
/// `eng_journey_state_push_batch` take, and whose columns
/// `eng_touchpoint_batch_columns` lends to every other call.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_INVALID_INPUT` (an array the Arrow specification refuses, not
/// of struct type, a missing column, a type above not taken, a null where a
/// value is required; the message names the column and row),
/// `ENG_STATUS_UNKNOWN_LABEL`. On an error the array has still been moved
/// (and released).
///
/// # Safety
/// `array` and `schema` must point to valid, initialised structs of the
/// specification; `out_batch` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_touchpoint_batch_from_arrow(
    array: *mut FFI_ArrowArray,
    schema: *const FFI_ArrowSchema,
    out_batch: *mut *mut eng_touchpoint_batch,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_batch = out(out_batch, "out_batch")?;
            if array.is_null() {
                return Err(crate::handle::null("array"));
            }
            if schema.is_null() {
                return Err(crate::handle::null("schema"));
            }
            // Moves the array out, leaving the caller's struct released.
            let array = FFI_ArrowArray::from_raw(array);
            let data = from_ffi(array, &*schema).map_err(|e| arrow_error("array", e))?;
            if !matches!(data.data_type(), arrow_schema::DataType::Struct(_)) {
                return Err(Failure::from(EngError::invalid(
                    "array",
                    data.data_type(),
                    "a record batch is an array of struct type (format \"+s\"), one child per column",
                )));
            }
            let structs = StructArray::from(data);
            if structs.null_count() > 0 {
                return Err(Failure::from(EngError::invalid(
                    "array",
                    "null rows",
                    "a record batch has no null rows",
                )));
            }
            let batch = RecordBatch::from(structs);
            hand_out(TouchpointBatch::new(&batch)?, out_batch);
            Ok(())
        }
    })
}

/// Reads a touchpoint batch from an Arrow stream, consuming it (the stream
/// is moved and released). A stream of one batch is read as
/// `eng_touchpoint_batch_from_arrow` reads it (without a copy where the types
/// match); several batches are joined into columns of the batch's own (a
/// copy).
///
/// Returns as `eng_touchpoint_batch_from_arrow`, and `ENG_STATUS_EMPTY_INPUT`
/// for a stream with no batch; errors from the stream's producer are
/// `ENG_STATUS_INVALID_INPUT` with its message.
///
/// # Safety
/// `stream` must point to a valid, initialised `ArrowArrayStream`;
/// `out_batch` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_touchpoint_batch_from_arrow_stream(
    stream: *mut FFI_ArrowArrayStream,
    out_batch: *mut *mut eng_touchpoint_batch,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_batch = out(out_batch, "out_batch")?;
            if stream.is_null() {
                return Err(crate::handle::null("stream"));
            }
            let reader =
                ArrowArrayStreamReader::from_raw(stream).map_err(|e| arrow_error("stream", e))?;
            let batches = reader
                .collect::<Result<Vec<RecordBatch>, _>>()
                .map_err(|e| arrow_error("stream", e))?;
            hand_out(TouchpointBatch::from_batches(&batches)?, out_batch);
            Ok(())
        }
    })
}

/// Writes the number of touchpoints of a batch to `*out_len`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `batch` a live batch; `out_len` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_touchpoint_batch_len(
    batch: *const eng_touchpoint_batch,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let b = handle_ref(batch, "batch")?;
            *out(out_len, "out_len")? = b.len();
            Ok(())
        }
    })
}

/// Fills `*out_touchpoints` with the columns of a batch: `len`, `customer`,
/// `time`, `channel`, `kind`, and `value`, `rating`, `rating_scale` where
/// the batch has them (NULL where not; the event, dictionary, campaign and
/// session fields NULL). The pointers borrow the batch's buffers and stay
/// valid until `eng_touchpoint_batch_free`, so an Arrow batch goes into every
/// call that takes an `eng_touchpoints`, without a copy.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `batch` a live batch; `out_touchpoints` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_touchpoint_batch_columns(
    batch: *const eng_touchpoint_batch,
    out_touchpoints: *mut eng_touchpoints,
) -> eng_status {
    fn ptr<T>(column: &[T]) -> *const T {
        if column.is_empty() {
            std::ptr::null()
        } else {
            column.as_ptr()
        }
    }
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let b = handle_ref(batch, "batch")?;
            let to = out(out_touchpoints, "out_touchpoints")?;
            let cols = b.columns();
            *to = eng_touchpoints {
                len: b.len(),
                customer: cols.customer.as_ptr(),
                time: cols.time.as_ptr(),
                channel: cols.channel.as_ptr(),
                kind: cols.kind.as_ptr(),
                value: ptr(cols.value),
                rating: ptr(cols.rating),
                rating_scale: ptr(cols.rating_scale),
                event: std::ptr::null(),
                dictionary: std::ptr::null(),
                campaign: std::ptr::null(),
                session: std::ptr::null(),
            };
            Ok(())
        }
    })
}

/// Releases a touchpoint batch (and the Arrow buffers it shares). NULL is
/// fine; twice is not.
///
/// # Safety
/// `batch` NULL or a live batch.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_touchpoint_batch_free(batch: *mut eng_touchpoint_batch) {
    // SAFETY: the caller promises NULL or a live batch.
    unsafe { free(batch) }
}

/// `eng_profile_store_push` with the touchpoints of a batch.
///
/// Returns as `eng_profile_store_push`.
///
/// # Safety
/// `store` a live store that no other call uses meanwhile; `batch` a live batch.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_push_batch(
    store: *mut crate::profile_store::eng_profile_store,
    batch: *const eng_touchpoint_batch,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_mut(store, "store")?;
            let b = handle_ref(batch, "batch")?;
            let cols = b.columns();
            Ok(s.mutate(|s| s.store.push_columns(&cols))?)
        }
    })
}

/// `eng_journey_state_push` with the touchpoints of a batch (and
/// `redemptions_len` redemptions, NULL with 0 for none).
///
/// Returns as `eng_journey_state_push`.
///
/// # Safety
/// `state` a live state that no other call uses meanwhile; `batch` a live
/// batch; redemption columns NULL or `redemptions_len` elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_journey_state_push_batch(
    state: *mut crate::journey_state::eng_journey_state,
    batch: *const eng_touchpoint_batch,
    r_customer: *const u64,
    r_time: *const i64,
    r_points: *const u64,
    redemptions_len: usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let s = handle_mut(state, "state")?;
            let b = handle_ref(batch, "batch")?;
            let redemptions =
                crate::loyalty::redemption_columns(r_customer, r_time, r_points, redemptions_len)?;
            let cols = b.columns();
            Ok(s.mutate(|s| s.push(&cols, &redemptions))?)
        }
    })
}

/// Exports a table as an Arrow record batch: `*out_array` and `*out_schema`
/// receive a struct array and its schema (one field per column: `u64` as
/// `uint64`, `i64` as `int64`, `u8` as `uint8`, `f64` as `float64`, labels
/// as a dictionary of `int32` keys into `utf8` labels, null where there is
/// none), each owned by the caller and released through its own `release`
/// callback, independently of the table (which may be freed first).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `table` a live table; `out_array` and `out_schema` valid for one write
/// each (their previous contents are overwritten, not released).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_table_to_arrow(
    table: *const crate::table::eng_table,
    out_array: *mut FFI_ArrowArray,
    out_schema: *mut FFI_ArrowSchema,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let t = handle_ref(table, "table")?.table();
            if out_array.is_null() {
                return Err(crate::handle::null("out_array"));
            }
            if out_schema.is_null() {
                return Err(crate::handle::null("out_schema"));
            }
            let batch = t.to_record_batch()?;
            let structs = StructArray::from(batch);
            let schema = FFI_ArrowSchema::try_from(structs.data_type())
                .map_err(|e| arrow_error("table", e))?;
            let array = FFI_ArrowArray::new(&structs.to_data());
            std::ptr::write(out_schema, schema);
            std::ptr::write(out_array, array);
            Ok(())
        }
    })
}
