//! Arrow in and out (feature `arrow`): touchpoint and transaction batches
//! read from Arrow record batches, without a copy where the types match, and
//! result tables written as record batches.
//!
//! A touchpoint batch has the columns `customer`, `time`, `channel`, `kind`
//! and, optionally, `value`, `rating` and `rating_scale` (other columns are
//! ignored; names are matched exactly). What each takes:
//!
//! | column | read without a copy | also read (converted) |
//! |---|---|---|
//! | `customer` | `uint64` | `int64`, `int32`, `uint32` (negative ids refused) |
//! | `time` | `int64` (Unix seconds), `timestamp[s]` | `timestamp` in ms, µs or ns (rounded towards the past), `date32`, `date64` |
//! | `channel`, `kind` | `uint8` codes | labels: `utf8`, `large_utf8`, `utf8_view`, or a dictionary of them |
//! | `value` | `float64` without nulls | `float32`, integers; null is 0 (no money) |
//! | `rating` | `float32` without nulls | `float64`; null is no answer (NaN) |
//! | `rating_scale` | `uint8` codes without nulls | labels as `channel`; null or an empty label is no scale |
//!
//! A transaction batch has `customer`, `time` and `value`, read alike.
//! Nulls in `customer`, `time`, `channel`, `kind` are refused, naming the
//! row. Labels are read as everywhere ([`Code::from_label`]), each distinct
//! one once.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, UInt64Array};
//! use engagement_core::arrow::TouchpointBatch;
//! let batch = RecordBatch::try_from_iter([
//!     ("customer", Arc::new(UInt64Array::from(vec![1, 2])) as ArrayRef),
//!     ("time", Arc::new(Int64Array::from(vec![0, 60])) as ArrayRef),
//!     ("channel", Arc::new(StringArray::from(vec!["web", "email"])) as ArrayRef),
//!     ("kind", Arc::new(StringArray::from(vec!["purchase", "open"])) as ArrayRef),
//! ])?;
//! let tps = TouchpointBatch::new(&batch)?;
//! assert_eq!(tps.columns().channel, [1, 0]);                         // labels read as codes
//! assert_eq!(tps.copied(), ["channel", "kind"]);                     // ids and times were not copied
//! assert_eq!(tps.columns().customer.as_ptr(), batch.column(0).to_data().buffers()[0].as_ptr().cast());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, DictionaryArray, Float64Array, Int64Array, RecordBatch, StringArray,
    UInt8Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};

use crate::error::{EngError, Result};
use crate::model::{Channel, Code, RatingScale, TouchpointColumns, TouchpointKind};
use crate::table::{Column, Table};
use crate::transactions::TransactionColumns;

/// A column read from a batch: borrowed from it, or converted.
#[derive(Debug, Clone)]
enum Read<T> {
    /// The batch's own values (the column index).
    Borrowed(usize),
    /// Converted values.
    Owned(Vec<T>),
    /// Not in the batch.
    Absent,
}

/// Touchpoints read from an Arrow record batch (see [the module](self)):
/// the batch's buffers where the types match, converted columns otherwise.
#[derive(Debug, Clone)]
pub struct TouchpointBatch {
    batch: RecordBatch,
    customer: Read<u64>,
    time: Read<i64>,
    channel: Read<u8>,
    kind: Read<u8>,
    value: Read<f64>,
    rating: Read<f32>,
    rating_scale: Read<u8>,
}

/// Transactions read from an Arrow record batch: `customer`, `time`,
/// `value` (see [the module](self)).
#[derive(Debug, Clone)]
pub struct TransactionBatch {
    batch: RecordBatch,
    customer: Read<u64>,
    time: Read<i64>,
    value: Read<f64>,
}

/// The values of column `index` of `batch` as `T` (checked when read).
fn borrowed<T: arrow_array::types::ArrowPrimitiveType>(
    batch: &RecordBatch,
    index: usize,
) -> &[T::Native] {
    batch
        .column(index)
        .as_primitive_opt::<T>()
        .map_or(&[], |a| a.values())
}

fn slice<'a, T: arrow_array::types::ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    read: &'a Read<T::Native>,
) -> &'a [T::Native] {
    match read {
        Read::Borrowed(i) => borrowed::<T>(batch, *i),
        Read::Owned(v) => v,
        Read::Absent => &[],
    }
}

/// Times: an `int64` column or a `timestamp[s]` one (the same values under another type).
fn seconds<'a>(batch: &'a RecordBatch, read: &'a Read<i64>) -> &'a [i64] {
    match read {
        Read::Borrowed(i) => {
            let a = batch.column(*i);
            match a.as_primitive_opt::<Int64Type>() {
                Some(p) => p.values(),
                None => borrowed::<TimestampSecondType>(batch, *i),
            }
        }
        Read::Owned(v) => v,
        Read::Absent => &[],
    }
}

fn absent(field: &str, batch: &RecordBatch, needed: &[&str]) -> EngError {
    let has: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    EngError::invalid(
        field,
        "missing",
        format!(
            "the batch has no column {field:?}: it needs {} (it has {})",
            needed.join(", "),
            if has.is_empty() {
                "none".to_string()
            } else {
                has.join(", ")
            }
        ),
    )
}

fn wrong_type(field: &str, found: &DataType, accepted: &str) -> EngError {
    EngError::invalid(
        field,
        found,
        format!("a column {field} of this type; it takes {accepted}"),
    )
}

fn null_at(field: &str, array: &dyn Array) -> Result<()> {
    match (0..array.len()).find(|&i| array.is_null(i)) {
        Some(i) => Err(EngError::invalid(field, "null", "a value is required").at_row(i)),
        None => Ok(()),
    }
}

/// Customer ids: `uint64` borrowed, other integers converted.
fn customers(batch: &RecordBatch, index: usize) -> Result<Read<u64>> {
    let a = batch.column(index);
    null_at("customer", a.as_ref())?;
    let signed = |v: &mut dyn Iterator<Item = i64>| -> Result<Read<u64>> {
        v.enumerate()
            .map(|(i, x)| {
                u64::try_from(x).map_err(|_| {
                    EngError::invalid("customer", x, "customer ids are not negative").at_row(i)
                })
            })
            .collect::<Result<Vec<u64>>>()
            .map(Read::Owned)
    };
    match a.data_type() {
        DataType::UInt64 => Ok(Read::Borrowed(index)),
        DataType::UInt32 => Ok(Read::Owned(
            a.as_primitive::<UInt32Type>()
                .values()
                .iter()
                .map(|&x| u64::from(x))
                .collect(),
        )),
        DataType::Int64 => signed(&mut a.as_primitive::<Int64Type>().values().iter().copied()),
        DataType::Int32 => signed(
            &mut a
                .as_primitive::<Int32Type>()
                .values()
                .iter()
                .map(|&x| i64::from(x)),
        ),
        other => Err(wrong_type(
            "customer",
            other,
            "uint64 (or int64, int32, uint32)",
        )),
    }
}

/// Unix seconds: `int64` and `timestamp[s]` borrowed, finer timestamps and dates converted.
fn times(batch: &RecordBatch, index: usize) -> Result<Read<i64>> {
    let a = batch.column(index);
    null_at("time", a.as_ref())?;
    let scaled = |v: &[i64], per_second: i64| -> Read<i64> {
        Read::Owned(v.iter().map(|&x| x.div_euclid(per_second)).collect())
    };
    Ok(match a.data_type() {
        DataType::Int64 | DataType::Timestamp(TimeUnit::Second, _) => Read::Borrowed(index),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            scaled(a.as_primitive::<TimestampMillisecondType>().values(), 1_000)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => scaled(
            a.as_primitive::<TimestampMicrosecondType>().values(),
            1_000_000,
        ),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => scaled(
            a.as_primitive::<TimestampNanosecondType>().values(),
            1_000_000_000,
        ),
        DataType::Date32 => Read::Owned(
            a.as_primitive::<Date32Type>()
                .values()
                .iter()
                .map(|&d| i64::from(d) * 86_400)
                .collect(),
        ),
        DataType::Date64 => scaled(a.as_primitive::<Date64Type>().values(), 1_000),
        other => {
            return Err(wrong_type(
                "time",
                other,
                "int64 Unix seconds, a timestamp (any unit, any time zone) or a date",
            ));
        }
    })
}

/// The label of each row of a string column (or dictionary of strings), `None` for null.
fn labels(field: &str, a: &dyn Array) -> Option<Result<Vec<Option<String>>>> {
    let strings = |a: &dyn Array| -> Option<Vec<Option<String>>> {
        if let Some(s) = a.as_string_opt::<i32>() {
            return Some(s.iter().map(|x| x.map(str::to_owned)).collect());
        }
        if let Some(s) = a.as_string_opt::<i64>() {
            return Some(s.iter().map(|x| x.map(str::to_owned)).collect());
        }
        a.as_string_view_opt()
            .map(|s| s.iter().map(|x| x.map(str::to_owned)).collect())
    };
    if let Some(d) = a.as_any_dictionary_opt() {
        let values = strings(d.values().as_ref())?;
        // The keys as read (a key past the values is refused, not clamped).
        let keys = arrow_cast_f64(d.keys())?;
        let rows = (0..a.len())
            .map(|i| match keys[i] {
                _ if a.is_null(i) => Ok(None),
                Some(k) => match values.get(k as usize) {
                    Some(label) => Ok(label.clone()),
                    None => Err(EngError::invalid(
                        field,
                        k,
                        format!("a dictionary key past its {} labels", values.len()),
                    )
                    .at_row(i)),
                },
                None => Ok(None),
            })
            .collect();
        return Some(rows);
    }
    strings(a).map(Ok)
}

/// Codes of a code column: `uint8` borrowed (without nulls), labels read once each.
fn codes<C: Code>(
    batch: &RecordBatch,
    index: usize,
    field: &str,
    null_code: Option<u8>,
) -> Result<Read<u8>> {
    let a = batch.column(index);
    if *a.data_type() == DataType::UInt8 {
        if a.null_count() == 0 {
            return Ok(Read::Borrowed(index));
        }
        let Some(missing) = null_code else {
            null_at(field, a.as_ref())?;
            return Ok(Read::Borrowed(index));
        };
        let p = a.as_primitive::<UInt8Type>();
        return Ok(Read::Owned(
            p.iter().map(|x| x.unwrap_or(missing)).collect(),
        ));
    }
    let Some(rows) = labels(field, a.as_ref()) else {
        return Err(wrong_type(
            field,
            a.data_type(),
            "uint8 codes or labels (utf8, large_utf8, utf8_view or a dictionary of them)",
        ));
    };
    let mut seen: rustc_hash::FxHashMap<String, u8> = rustc_hash::FxHashMap::default();
    let mut out = Vec::with_capacity(a.len());
    for (i, label) in rows?.into_iter().enumerate() {
        let code = match (label, null_code) {
            (None, Some(missing)) => missing,
            (None, None) => {
                return Err(EngError::invalid(field, "null", "a value is required").at_row(i));
            }
            // An empty scale is no scale (CSV readers give "" for an empty cell).
            (Some(l), Some(missing)) if l.trim().is_empty() => missing,
            (Some(l), _) => match seen.get(&l) {
                Some(&c) => c,
                None => {
                    let c = C::from_label(&l).map_err(|e| e.at_row(i))?.code();
                    seen.insert(l, c);
                    c
                }
            },
        };
        out.push(code);
    }
    Ok(Read::Owned(out))
}

/// Numbers as f64: `float64` without nulls borrowed, others converted (null → `null`).
fn floats64(batch: &RecordBatch, index: usize, field: &str, null: f64) -> Result<Read<f64>> {
    let a = batch.column(index);
    if *a.data_type() == DataType::Float64 && a.null_count() == 0 {
        return Ok(Read::Borrowed(index));
    }
    let cast = arrow_cast_f64(a.as_ref()).ok_or_else(|| {
        wrong_type(
            field,
            a.data_type(),
            "float64 (or float32, an integer type)",
        )
    })?;
    Ok(Read::Owned(
        cast.into_iter().map(|x| x.unwrap_or(null)).collect(),
    ))
}

/// Ratings as f32: `float32` without nulls borrowed, others converted (null → NaN).
fn floats32(batch: &RecordBatch, index: usize) -> Result<Read<f32>> {
    let a = batch.column(index);
    if *a.data_type() == DataType::Float32 && a.null_count() == 0 {
        return Ok(Read::Borrowed(index));
    }
    let cast = arrow_cast_f64(a.as_ref()).ok_or_else(|| {
        wrong_type(
            "rating",
            a.data_type(),
            "float32 (or float64, an integer type)",
        )
    })?;
    Ok(Read::Owned(
        cast.into_iter()
            .map(|x| x.map_or(f32::NAN, |v| v as f32))
            .collect(),
    ))
}

/// A numeric column's values as f64 (`None` for null), or `None` for another type.
fn arrow_cast_f64(a: &dyn Array) -> Option<Vec<Option<f64>>> {
    macro_rules! each {
        ($($t:ty),*) => {
            $(if let Some(p) = a.as_primitive_opt::<$t>() {
                return Some(p.iter().map(|x| x.map(|v| v as f64)).collect());
            })*
        };
    }
    each!(
        Float64Type,
        Float32Type,
        Int64Type,
        Int32Type,
        UInt64Type,
        UInt32Type,
        UInt8Type
    );
    None
}

fn find(batch: &RecordBatch, name: &str) -> Option<usize> {
    batch.schema().index_of(name).ok()
}

impl TouchpointBatch {
    /// Reads a touchpoint batch (see [the module](self) for the columns and
    /// types). The batch is kept (its buffers are shared, not copied).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming the column for a missing required
    /// column (listing the batch's), a type it does not take (listing
    /// those it does), a null where a value is required or a negative id
    /// (naming the row); [`EngError::UnknownLabel`] naming the row for a
    /// label that is not a channel, kind or scale. Values are checked by the
    /// call the columns go to ([`TouchpointColumns::validate`]).
    pub fn new(batch: &RecordBatch) -> Result<Self> {
        const NEEDED: [&str; 4] = ["customer", "time", "channel", "kind"];
        let need = |name: &str| find(batch, name).ok_or_else(|| absent(name, batch, &NEEDED));
        let customer = customers(batch, need("customer")?)?;
        let time = times(batch, need("time")?)?;
        let channel = codes::<Channel>(batch, need("channel")?, "channel", None)?;
        let kind = codes::<TouchpointKind>(batch, need("kind")?, "kind", None)?;
        let value = match find(batch, "value") {
            Some(i) => floats64(batch, i, "value", 0.0)?,
            None => Read::Absent,
        };
        let rating = match find(batch, "rating") {
            Some(i) => floats32(batch, i)?,
            None => Read::Absent,
        };
        let rating_scale = match find(batch, "rating_scale") {
            Some(i) => codes::<RatingScale>(batch, i, "rating_scale", Some(RatingScale::MISSING))?,
            None => Read::Absent,
        };
        // Ratings are never read on a guessed scale: a rating needs the scale column (and a
        // scale column without ratings says nothing).
        let rating_scale = match rating {
            Read::Absent => Read::Absent,
            _ => rating_scale,
        };
        let rating = match (rating, &rating_scale) {
            (Read::Absent, _) => Read::Absent,
            (rating, Read::Absent) => {
                let r = slice::<Float32Type>(batch, &rating);
                if let Some(i) = r.iter().position(|x| !x.is_nan()) {
                    return Err(EngError::invalid(
                        "rating_scale",
                        "missing",
                        "a rating needs its scale: give a rating_scale column (nps, csat, ces; null where there is no rating)",
                    )
                    .at_row(i));
                }
                Read::Absent
            }
            (rating, _) => rating,
        };
        Ok(TouchpointBatch {
            batch: batch.clone(),
            customer,
            time,
            channel,
            kind,
            value,
            rating,
            rating_scale,
        })
    }

    /// Reads the batches of a stream as one: a single batch as
    /// [`new`](Self::new) does (borrowing its buffers), several into
    /// columns of their own (a copy).
    ///
    /// # Errors
    /// As [`new`](Self::new), naming the row within its batch; an error
    /// when `batches` is empty and has no schema to read.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Int64Array, RecordBatch, UInt8Array, UInt64Array};
    /// use engagement_core::arrow::TouchpointBatch;
    /// let day = |c: u64| RecordBatch::try_from_iter([
    ///     ("customer", Arc::new(UInt64Array::from(vec![c])) as ArrayRef),
    ///     ("time", Arc::new(Int64Array::from(vec![0])) as ArrayRef),
    ///     ("channel", Arc::new(UInt8Array::from(vec![1])) as ArrayRef),
    ///     ("kind", Arc::new(UInt8Array::from(vec![3])) as ArrayRef),
    /// ]);
    /// let both = TouchpointBatch::from_batches(&[day(1)?, day(2)?])?;
    /// assert_eq!(both.columns().customer, [1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_batches(batches: &[RecordBatch]) -> Result<Self> {
        match batches {
            [] => Err(EngError::EmptyInput {
                what: "a touchpoint stream".into(),
                unit: "batch".into(),
            }),
            [one] => TouchpointBatch::new(one),
            [first, ..] => {
                let parts = batches
                    .iter()
                    .map(TouchpointBatch::new)
                    .collect::<Result<Vec<_>>>()?;
                fn join<T: Copy>(
                    parts: &[TouchpointBatch],
                    get: impl for<'a> Fn(&TouchpointColumns<'a>) -> &'a [T],
                ) -> Read<T> {
                    let mut all = Vec::new();
                    for p in parts {
                        all.extend_from_slice(get(&p.columns()));
                    }
                    Read::Owned(all)
                }
                let first_part = &parts[0];
                let optional =
                    |absent: bool, read: Read<f64>| if absent { Read::Absent } else { read };
                Ok(TouchpointBatch {
                    batch: RecordBatch::new_empty(first.schema()),
                    customer: join(&parts, |c| c.customer),
                    time: join(&parts, |c| c.time),
                    channel: join(&parts, |c| c.channel),
                    kind: join(&parts, |c| c.kind),
                    value: optional(
                        matches!(first_part.value, Read::Absent),
                        join(&parts, |c| c.value),
                    ),
                    rating: if matches!(first_part.rating, Read::Absent) {
                        Read::Absent
                    } else {
                        join(&parts, |c| c.rating)
                    },
                    rating_scale: if matches!(first_part.rating_scale, Read::Absent) {
                        Read::Absent
                    } else {
                        join(&parts, |c| c.rating_scale)
                    },
                })
            }
        }
    }

    /// Number of touchpoints.
    pub fn len(&self) -> usize {
        self.columns().customer.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The touchpoints as columns, borrowing the batch's buffers where they
    /// were not converted.
    pub fn columns(&self) -> TouchpointColumns<'_> {
        let b = &self.batch;
        TouchpointColumns {
            customer: slice::<UInt64Type>(b, &self.customer),
            time: seconds(b, &self.time),
            channel: slice::<UInt8Type>(b, &self.channel),
            kind: slice::<UInt8Type>(b, &self.kind),
            value: slice::<Float64Type>(b, &self.value),
            rating: slice::<Float32Type>(b, &self.rating),
            rating_scale: slice::<UInt8Type>(b, &self.rating_scale),
        }
    }

    /// The columns that were converted (copied) rather than borrowed.
    pub fn copied(&self) -> Vec<&'static str> {
        let owned = |r: bool, name| r.then_some(name);
        [
            owned(matches!(self.customer, Read::Owned(_)), "customer"),
            owned(matches!(self.time, Read::Owned(_)), "time"),
            owned(matches!(self.channel, Read::Owned(_)), "channel"),
            owned(matches!(self.kind, Read::Owned(_)), "kind"),
            owned(matches!(self.value, Read::Owned(_)), "value"),
            owned(matches!(self.rating, Read::Owned(_)), "rating"),
            owned(matches!(self.rating_scale, Read::Owned(_)), "rating_scale"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl TransactionBatch {
    /// Reads a transaction batch: `customer`, `time`, `value` (see [the
    /// module](self)).
    ///
    /// # Errors
    /// As [`TouchpointBatch::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, UInt64Array};
    /// use engagement_core::arrow::TransactionBatch;
    /// let batch = RecordBatch::try_from_iter([
    ///     ("customer", Arc::new(UInt64Array::from(vec![1])) as ArrayRef),
    ///     ("time", Arc::new(Int64Array::from(vec![0])) as ArrayRef),
    ///     ("value", Arc::new(Float64Array::from(vec![9.5])) as ArrayRef),
    /// ])?;
    /// assert_eq!(TransactionBatch::new(&batch)?.columns().value, [9.5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(batch: &RecordBatch) -> Result<Self> {
        const NEEDED: [&str; 3] = ["customer", "time", "value"];
        let need = |name: &str| find(batch, name).ok_or_else(|| absent(name, batch, &NEEDED));
        Ok(TransactionBatch {
            batch: batch.clone(),
            customer: customers(batch, need("customer")?)?,
            time: times(batch, need("time")?)?,
            value: floats64(batch, need("value")?, "value", 0.0)?,
        })
    }

    /// The transactions as columns, borrowing the batch's buffers where
    /// they were not converted.
    pub fn columns(&self) -> TransactionColumns<'_> {
        let b = &self.batch;
        TransactionColumns {
            customer: slice::<UInt64Type>(b, &self.customer),
            time: seconds(b, &self.time),
            value: slice::<Float64Type>(b, &self.value),
        }
    }
}

impl Table {
    /// The table as an Arrow record batch: `u64` as `uint64`, `i64` as
    /// `int64`, `u8` as `uint8`, `f64` as `float64`, labels as a dictionary
    /// of `int32` keys into `utf8` labels (null where there is none).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] if Arrow refuses the columns (it does not
    /// for tables the library builds).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::table::ToTable;
    /// use engagement_core::{ActionInputs, ActionTable};
    /// let t = ActionTable::default().recommend(&[1], &ActionInputs::default())?.to_table();
    /// let batch = t.to_record_batch()?;
    /// assert_eq!((batch.num_rows(), batch.schema().field(1).name().as_str()), (1, "action"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for name in self.names() {
            let Some(column) = self.column(name) else {
                continue;
            };
            let array: ArrayRef = match column {
                Column::U64(v) => Arc::new(UInt64Array::from(v.clone())),
                Column::I64(v) => Arc::new(Int64Array::from(v.clone())),
                Column::U8(v) => Arc::new(UInt8Array::from(v.clone())),
                Column::F64(v) => Arc::new(Float64Array::from(v.clone())),
                Column::Label { codes, labels } => {
                    let keys = arrow_array::Int32Array::from(
                        codes
                            .iter()
                            .map(|&c| (c >= 0).then_some(c))
                            .collect::<Vec<_>>(),
                    );
                    let values = StringArray::from(labels.clone());
                    Arc::new(
                        DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values))
                            .map_err(|e| EngError::invalid(name, "labels", e.to_string()))?,
                    )
                }
            };
            fields.push(Field::new(
                name,
                array.data_type().clone(),
                array.null_count() > 0 || matches!(column, Column::Label { .. }),
            ));
            arrays.push(array);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .map_err(|e| EngError::invalid("table", "columns", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        Float32Array, StringViewArray, TimestampMillisecondArray, TimestampSecondArray,
    };

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    #[test]
    fn matching_types_are_borrowed_and_others_converted_to_the_same_columns() {
        let native = batch(vec![
            ("customer", Arc::new(UInt64Array::from(vec![1, 2, 2]))),
            (
                "time",
                Arc::new(TimestampSecondArray::from(vec![0, 60, 61])),
            ),
            ("channel", Arc::new(UInt8Array::from(vec![1, 0, 3]))),
            ("kind", Arc::new(UInt8Array::from(vec![4, 1, 11]))),
            ("value", Arc::new(Float64Array::from(vec![9.5, 0.0, 0.0]))),
            (
                "rating",
                Arc::new(Float32Array::from(vec![f32::NAN, f32::NAN, 9.0])),
            ),
            (
                "rating_scale",
                Arc::new(UInt8Array::from(vec![255, 255, 0])),
            ),
            ("ignored", Arc::new(Int64Array::from(vec![7, 7, 7]))),
        ]);
        let n = TouchpointBatch::new(&native).unwrap();
        assert!(n.copied().is_empty());
        assert_eq!(
            n.columns().time.as_ptr(),
            native.column(1).to_data().buffers()[0].as_ptr().cast()
        );
        let converted = batch(vec![
            ("customer", Arc::new(Int64Array::from(vec![1, 2, 2]))),
            (
                "time",
                Arc::new(TimestampMillisecondArray::from(vec![0, 60_000, 61_999])),
            ),
            (
                "channel",
                Arc::new(StringViewArray::from(vec!["web", "email", "social"])),
            ),
            (
                "kind",
                Arc::new(
                    vec!["purchase", "open", "survey_response"]
                        .into_iter()
                        .collect::<DictionaryArray<Int32Type>>(),
                ),
            ),
            (
                "value",
                Arc::new(Float64Array::from(vec![Some(9.5), None, None])),
            ),
            (
                "rating",
                Arc::new(Float64Array::from(vec![None, None, Some(9.0)])),
            ),
            (
                "rating_scale",
                Arc::new(StringArray::from(vec![None, None, Some("nps")])),
            ),
        ]);
        let c = TouchpointBatch::new(&converted).unwrap();
        assert_eq!(c.copied().len(), 7);
        let (a, b) = (n.columns(), c.columns());
        assert_eq!(
            (
                a.customer,
                a.time,
                a.channel,
                a.kind,
                a.value,
                a.rating_scale
            ),
            (
                b.customer,
                b.time,
                b.channel,
                b.kind,
                b.value,
                b.rating_scale
            )
        );
        assert!(b.rating[0].is_nan() && b.rating[2] == 9.0);
    }

    #[test]
    fn missing_columns_wrong_types_nulls_and_unknown_labels_name_what_is_wrong() {
        let ids = || Arc::new(UInt64Array::from(vec![1, 2])) as ArrayRef;
        let times = || Arc::new(Int64Array::from(vec![0, 1])) as ArrayRef;
        let labels =
            |a: &str, b: Option<&str>| Arc::new(StringArray::from(vec![Some(a), b])) as ArrayRef;
        let e =
            TouchpointBatch::new(&batch(vec![("customer", ids()), ("time", times())])).unwrap_err();
        assert!(
            e.to_string()
                .contains("needs customer, time, channel, kind"),
            "{e}"
        );
        let e = TouchpointBatch::new(&batch(vec![
            ("customer", ids()),
            ("time", Arc::new(Float64Array::from(vec![0.0, 1.0]))),
            ("channel", labels("web", Some("web"))),
            ("kind", labels("open", Some("open"))),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("int64 Unix seconds"), "{e}");
        let e = TouchpointBatch::new(&batch(vec![
            ("customer", ids()),
            ("time", times()),
            ("channel", labels("web", None)),
            ("kind", labels("open", Some("open"))),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("row 1"), "{e}");
        let e = TouchpointBatch::new(&batch(vec![
            ("customer", ids()),
            ("time", times()),
            ("channel", labels("web", Some("fax"))),
            ("kind", labels("open", Some("open"))),
        ]))
        .unwrap_err();
        assert_eq!(e.kind(), "unknown_label");
        assert!(e.to_string().contains("row 1"), "{e}");
        let e = TouchpointBatch::new(&batch(vec![
            ("customer", Arc::new(Int64Array::from(vec![1, -2]))),
            ("time", times()),
            ("channel", labels("web", Some("web"))),
            ("kind", labels("open", Some("open"))),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("not negative"), "{e}");
    }

    #[test]
    fn a_dictionary_with_no_labels_is_all_nulls() {
        // Every key null over an empty dictionary (found by fuzzing: reading it must not panic).
        let empty = DictionaryArray::<Int32Type>::try_new(
            arrow_array::Int32Array::from(vec![None, None]),
            Arc::new(StringArray::from(Vec::<&str>::new())),
        )
        .unwrap();
        let b = batch(vec![
            ("customer", Arc::new(UInt64Array::from(vec![1, 2]))),
            ("time", Arc::new(Int64Array::from(vec![0, 1]))),
            ("channel", Arc::new(UInt8Array::from(vec![1, 1]))),
            ("kind", Arc::new(UInt8Array::from(vec![3, 3]))),
            ("rating", Arc::new(Float32Array::from(vec![None, None]))),
            ("rating_scale", Arc::new(empty.clone())),
        ]);
        let t = TouchpointBatch::new(&b).unwrap();
        assert_eq!(t.columns().rating_scale, [RatingScale::MISSING; 2]);
        let b = batch(vec![
            ("customer", Arc::new(UInt64Array::from(vec![1, 2]))),
            ("time", Arc::new(Int64Array::from(vec![0, 1]))),
            ("channel", Arc::new(empty)),
            ("kind", Arc::new(UInt8Array::from(vec![3, 3]))),
        ]);
        let e = TouchpointBatch::new(&b).unwrap_err();
        assert!(
            e.to_string().contains("channel") && e.to_string().contains("row 0"),
            "{e}"
        );
    }

    #[test]
    fn tables_become_record_batches_with_dictionary_labels() {
        let t = Table::new(vec![
            ("customer", Column::U64(vec![1, 2])),
            (
                "tier",
                Column::Label {
                    codes: vec![0, -1],
                    labels: vec!["gold".into()],
                },
            ),
        ]);
        let b = t.to_record_batch().unwrap();
        let tier = b.column(1).as_dictionary::<Int32Type>();
        assert!(tier.is_null(1));
        assert_eq!(tier.values().as_string::<i32>().value(0), "gold");
    }
}
