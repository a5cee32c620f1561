//! Journey triggers: rules evaluated on the touchpoint stream in event time.

use engagement_core::triggers::{DueAction, TriggerConfig, TriggerEngine};
use numpy::IntoPyArray;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{Compute, Touchpoints, document};
use crate::errors::OrPy;

/// A trigger engine: rules, per-customer state and pending actions.
#[pyclass(module = "engagement._engagement")]
pub(crate) struct NativeTriggers {
    engine: TriggerEngine,
}

#[pymethods]
impl NativeTriggers {
    /// A new engine for ``config`` (dict or JSON: ``rules``, ``cap``, ``quiet_hours``, ``stages``).
    #[new]
    fn new(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let cfg: TriggerConfig = document(py, config, "config")?;
        Ok(NativeTriggers {
            engine: TriggerEngine::new(cfg).py_err()?,
        })
    }

    /// The saved form (rules and every customer's state; versioned and checksummed).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let engine = &self.engine;
        let bytes = py.compute(|| engine.to_bytes())?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    /// An engine read from its saved form (CorruptError for damaged bytes).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let engine = py.compute(|| TriggerEngine::from_bytes(data))?;
        Ok(NativeTriggers { engine })
    }

    /// Saves to a file, replacing it whole.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let engine = &self.engine;
        py.compute(|| engine.save(&path))
    }

    /// An engine loaded from a file saved by ``save``.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let engine = py.compute(|| TriggerEngine::load(&path))?;
        Ok(NativeTriggers { engine })
    }

    /// Feeds touchpoints (with event codes of a dictionary and campaign ids, each optional);
    /// returns the actions that became due as columns.
    #[pyo3(signature = (touchpoints, events=None, dictionary=None, campaign=None))]
    fn push<'py>(
        &mut self,
        py: Python<'py>,
        touchpoints: Touchpoints<'_>,
        events: Option<PyReadonlyArray1<'_, u32>>,
        dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
        campaign: Option<PyReadonlyArray1<'_, u64>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let cols = touchpoints.columns()?;
        let extra = engagement_core::journey::paths::PathColumns {
            events: crate::events::event_column(&events, &dictionary)?,
            campaign: crate::convert::optional(&campaign, "campaign")?,
            session: &[],
        };
        let engine = &mut self.engine;
        let actions = py.compute(|| engine.push_events(&cols, &extra))?;
        due_columns(py, actions)
    }

    /// Moves the clock to ``now``; returns the actions due up to it as columns.
    fn advance<'py>(&mut self, py: Python<'py>, now: i64) -> PyResult<Bound<'py, PyDict>> {
        let engine = &mut self.engine;
        let actions = py.compute(|| engine.advance(now))?;
        due_columns(py, actions)
    }

    /// (customers seen, actions pending, actions dropped by the cap, clock or None).
    fn counts(&self) -> (usize, usize, u64, Option<i64>) {
        (
            self.engine.customers(),
            self.engine.pending(),
            self.engine.suppressed(),
            self.engine.clock(),
        )
    }
}

/// Due actions as numpy columns and lists of names.
fn due_columns(py: Python<'_>, actions: Vec<DueAction>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let customer: Vec<u64> = actions.iter().map(|a| a.customer).collect();
    let due: Vec<i64> = actions.iter().map(|a| a.due).collect();
    let (rule, action): (Vec<String>, Vec<String>) =
        actions.into_iter().map(|a| (a.rule, a.action)).unzip();
    d.set_item("customer", customer.into_pyarray(py))?;
    d.set_item("due", due.into_pyarray(py))?;
    d.set_item("rule", rule)?;
    d.set_item("action", action)?;
    Ok(d)
}
