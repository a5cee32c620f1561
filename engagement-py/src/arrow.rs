//! Arrow in and out through the PyCapsule interface: any object with
//! `__arrow_c_stream__` or `__arrow_c_array__` (pyarrow, polars, DuckDB,
//! nanoarrow, pandas 3) goes in without a copy through numpy; tables come
//! back as objects with `__arrow_c_stream__`.

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatch, RecordBatchIterator, StructArray};
use engagement_core::arrow::TouchpointBatch;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyDict};

use crate::errors::OrPy;

fn arrow_error(e: impl std::fmt::Display) -> PyErr {
    crate::errors::to_py(engagement_core::EngError::invalid(
        "arrow",
        "data",
        e.to_string(),
    ))
}

/// The record batches of an object with `__arrow_c_stream__` (read whole)
/// or `__arrow_c_array__` (one batch of struct type).
pub(crate) fn record_batches(data: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if data.hasattr("__arrow_c_stream__")? {
        let capsule = data.call_method0("__arrow_c_stream__")?;
        let capsule = capsule.cast::<PyCapsule>()?;
        let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
        // SAFETY: the capsule holds an `ArrowArrayStream` (its name says so);
        // `from_raw` moves it out, leaving the capsule's released.
        let reader =
            unsafe { ArrowArrayStreamReader::from_raw(ptr.as_ptr().cast()) }.map_err(|e| {
                PyTypeError::new_err(format!(
                    "takes a table of named columns (a pyarrow Table or RecordBatch, a polars \
                     DataFrame, a DuckDB relation …), not a single column or array: {e}"
                ))
            })?;
        return reader
            .collect::<Result<Vec<RecordBatch>, _>>()
            .map_err(arrow_error);
    }
    if data.hasattr("__arrow_c_array__")? {
        let pair = data.call_method0("__arrow_c_array__")?;
        let (schema, array): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
        let schema = schema.cast::<PyCapsule>()?;
        let array = array.cast::<PyCapsule>()?;
        let schema_ptr = schema.pointer_checked(Some(c"arrow_schema"))?;
        let array_ptr = array.pointer_checked(Some(c"arrow_array"))?;
        // SAFETY: the capsules hold an `ArrowSchema` and an `ArrowArray`
        // (their names say so); the array is moved out, the schema borrowed
        // while its capsule lives.
        let data = unsafe {
            let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast());
            from_ffi(array, &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>())
        }
        .map_err(arrow_error)?;
        if !matches!(data.data_type(), arrow_schema::DataType::Struct(_)) {
            return Err(PyTypeError::new_err(format!(
                "an Arrow array of struct type (a record batch) is needed, one field per column; \
                 this one is {}",
                data.data_type()
            )));
        }
        let structs = StructArray::from(data);
        return Ok(vec![RecordBatch::from(structs)]);
    }
    Err(PyTypeError::new_err(format!(
        "takes Arrow data: an object with __arrow_c_stream__ or __arrow_c_array__ (a pyarrow Table or \
         RecordBatch, a polars DataFrame, a DuckDB relation …), not {}",
        data.get_type().name()?
    )))
}

/// Touchpoints from Arrow data (one batch borrowed, several joined).
pub(crate) fn touchpoints(data: &Bound<'_, PyAny>) -> PyResult<TouchpointBatch> {
    TouchpointBatch::from_batches(&record_batches(data)?).py_err()
}

/// Where each column of Arrow touchpoints was read from, and which were
/// converted: to check that native types are not copied.
#[pyfunction]
pub(crate) fn arrow_touchpoint_addresses<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let batch = touchpoints(data)?;
    let c = batch.columns();
    let d = PyDict::new(py);
    d.set_item("customer", c.customer.as_ptr() as usize)?;
    d.set_item("time", c.time.as_ptr() as usize)?;
    d.set_item("channel", c.channel.as_ptr() as usize)?;
    d.set_item("kind", c.kind.as_ptr() as usize)?;
    d.set_item("value", c.value.as_ptr() as usize)?;
    d.set_item("copied", batch.copied())?;
    Ok(d)
}

/// An Arrow stream's C struct, sent to the capsule that owns it until a
/// consumer moves it out.
#[repr(transparent)]
struct Stream(FFI_ArrowArrayStream);

// SAFETY: the stream is only read by the consumer that moves it out (one
// thread); the batch it reads is immutable and itself `Send`.
unsafe impl Send for Stream {}

/// A result table as Arrow: `pyarrow.table(t)`, `polars.DataFrame(t)`,
/// `duckdb.arrow(t)` read it through `__arrow_c_stream__`.
#[pyclass(module = "engagement._engagement", frozen)]
pub(crate) struct ArrowTable {
    batch: RecordBatch,
}

impl ArrowTable {
    pub(crate) fn new(table: &engagement_core::table::Table) -> PyResult<Self> {
        Ok(ArrowTable {
            batch: table.to_record_batch().py_err()?,
        })
    }
}

#[pymethods]
impl ArrowTable {
    /// The table as an Arrow stream (the PyCapsule interface).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema; // the schema is the table's own
        let reader = RecordBatchIterator::new([Ok(self.batch.clone())], self.batch.schema());
        let stream = Stream(FFI_ArrowArrayStream::new(Box::new(reader)));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// Rows.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// Column names.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "ArrowTable({} rows: {})",
            self.batch.num_rows(),
            self.column_names().join(", ")
        )
    }
}
