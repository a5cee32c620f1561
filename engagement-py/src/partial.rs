//! Partial results that merge (the core's `partial` module): the engine on
//! each part of the data, for Dask and Spark.

use engagement_core::attribution::Rule;
use engagement_core::partial::{Partial, PartialSpec};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{Compute, Touchpoints, config, document, to_python};
use crate::errors::not_itself;

/// A partial result that merges (see the core's `partial` module): built
/// from one part of the touchpoints with a spec, merged with the other
/// parts' partials, finished into the result of all of them.
#[pyclass(module = "engagement._engagement")]
#[derive(Clone)]
pub(crate) struct NativePartial {
    pub(crate) partial: Partial,
}

#[pymethods]
impl NativePartial {
    /// The partial of numpy touchpoint columns (which may be empty) for a spec (dict or JSON).
    /// Event codes (with their dictionary) and campaign ids may come along, for the kinds that read them.
    #[new]
    #[pyo3(signature = (spec, touchpoints, events=None, dictionary=None, campaign=None, session=None))]
    fn new(
        py: Python<'_>,
        spec: &Bound<'_, PyAny>,
        touchpoints: Touchpoints<'_>,
        events: Option<numpy::PyReadonlyArray1<'_, u32>>,
        dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
        campaign: Option<numpy::PyReadonlyArray1<'_, u64>>,
        session: Option<numpy::PyReadonlyArray1<'_, u64>>,
    ) -> PyResult<Self> {
        let spec: PartialSpec = document(py, spec, "spec")?;
        let cols = touchpoints.columns()?;
        let extras = engagement_core::funnel::FunnelExtras {
            campaign: crate::convert::optional(&campaign, "campaign")?,
            stages: None,
            events: crate::events::event_column(&events, &dictionary)?,
            session: crate::convert::optional(&session, "session")?,
        };
        let partial = py.compute(|| Partial::from_touchpoints_with(&spec, &cols, &extras))?;
        Ok(NativePartial { partial })
    }

    /// The empty partial of a spec (dict or JSON), the spec checked alone:
    /// what a distributed run starts from before any part is read.
    #[staticmethod]
    fn empty(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        let spec: PartialSpec = document(py, spec, "spec")?;
        let partial = py.compute(|| Partial::new(&spec))?;
        Ok(NativePartial { partial })
    }

    /// Reads the binary form.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let partial = py.compute(|| Partial::from_bytes(data))?;
        Ok(NativePartial { partial })
    }

    /// Reads the JSON form.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let partial = py.compute(|| Partial::from_json(text))?;
        Ok(NativePartial { partial })
    }

    /// The binary form.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let p = &self.partial;
        let bytes = py.compute(|| p.to_bytes())?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The JSON form.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let p = &self.partial;
        py.compute(|| p.to_json())
    }

    /// The spec, as a dict.
    fn spec<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, self.partial.spec())
    }

    /// Whether each part must hold whole customers.
    fn needs_whole_customers(&self) -> bool {
        self.partial.spec().needs_whole_customers()
    }

    /// Adds another partial into this one (unchanged on error).
    fn merge(
        mut slf: PyRefMut<'_, Self>,
        py: Python<'_>,
        other: &Bound<'_, NativePartial>,
    ) -> PyResult<()> {
        not_itself(
            &slf,
            other,
            "cannot merge a partial into itself (its data would count twice)",
        )?;
        let theirs = other.try_borrow()?;
        let (mine, theirs) = (&mut slf.partial, &theirs.partial);
        py.compute(|| mine.merge_ref(theirs))
    }

    /// The finished result, as a dict (`kind` plus the single-machine result's fields).
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = &self.partial;
        match py.compute(|| p.result())? {
            engagement_core::partial::PartialResult::EventPaths(paths) => {
                crate::events::path_dict(py, paths)
            }
            other => to_python(py, &other),
        }
    }

    /// Attribution of a paths partial by a rule (dict or JSON).
    #[pyo3(signature = (rule=None))]
    fn attribute<'py>(
        &self,
        py: Python<'py>,
        rule: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rule: Rule = config(py, rule, "rule")?;
        let p = &self.partial;
        py.compute_to_python(|| p.attribute(&rule))
    }

    /// Pickles through the binary form (for Dask and Spark workers).
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = slf.get_type().getattr("from_bytes")?;
        Ok((from_bytes, (slf.borrow().to_bytes(py)?,)))
    }
}
