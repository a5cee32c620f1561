//! Journeys followed day by day: a state pushed each day's touchpoints,
//! saved and loaded between days, read as a full recompute would answer.

use engagement_core::attribution::{Rule, attribute};
use engagement_core::{JourneyState, JourneyStateConfig};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{Compute, Touchpoints, columns, config, document};

/// A journey state: what it follows and each customer's progress.
#[pyclass(module = "engagement._engagement")]
pub(crate) struct NativeJourneyState {
    state: JourneyState,
}

#[pymethods]
impl NativeJourneyState {
    /// An empty state for ``config`` (dict or JSON: any of ``stages``, ``loyalty``, ``funnel``,
    /// ``cohorts``, ``paths``).
    #[new]
    fn new(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let cfg: JourneyStateConfig = document(py, config, "config")?;
        let state = py.compute(|| JourneyState::new(cfg))?;
        Ok(NativeJourneyState { state })
    }

    /// Adds a day's touchpoints and redemptions (columns customer, time, points).
    #[pyo3(signature = (touchpoints, redemption_customer, redemption_time, redemption_points))]
    fn push(
        &mut self,
        py: Python<'_>,
        touchpoints: Touchpoints<'_>,
        redemption_customer: PyReadonlyArray1<'_, u64>,
        redemption_time: PyReadonlyArray1<'_, i64>,
        redemption_points: PyReadonlyArray1<'_, u64>,
    ) -> PyResult<()> {
        let cols = touchpoints.columns()?;
        let redemptions = crate::segments::redemption_columns(
            &redemption_customer,
            &redemption_time,
            &redemption_points,
        )?;
        let state = &mut self.state;
        py.compute(|| state.push(&cols, &redemptions))
    }

    /// Adds a day's touchpoints from Arrow data, and redemptions as columns.
    #[pyo3(signature = (data, redemption_customer, redemption_time, redemption_points))]
    fn push_arrow(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        redemption_customer: PyReadonlyArray1<'_, u64>,
        redemption_time: PyReadonlyArray1<'_, i64>,
        redemption_points: PyReadonlyArray1<'_, u64>,
    ) -> PyResult<()> {
        let batch = crate::arrow::touchpoints(data)?;
        let redemptions = crate::segments::redemption_columns(
            &redemption_customer,
            &redemption_time,
            &redemption_points,
        )?;
        let state = &mut self.state;
        py.compute(|| state.push(&batch.columns(), &redemptions))
    }

    /// One result as an Arrow table (``stage_history``, ``loyalty_accounts``,
    /// ``loyalty_history``, ``funnel``, ``attribution``).
    #[pyo3(signature = (name, as_of, rule=None))]
    fn arrow(
        &self,
        py: Python<'_>,
        name: &str,
        as_of: Option<i64>,
        rule: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<crate::arrow::ArrowTable> {
        let rule: Rule = config(py, rule, "rule")?;
        let state = &self.state;
        let table = py.compute(|| state.table(name, as_of, &rule))?;
        crate::arrow::ArrowTable::new(&table)
    }

    /// The configuration, every default filled in.
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::to_python(py, self.state.config())
    }

    /// (customers, latest time or None).
    fn counts(&self) -> (usize, Option<i64>) {
        (self.state.customers(), self.state.latest_time())
    }

    /// The stage history up to ``until`` as columns (stage codes).
    fn stage_history<'py>(&self, py: Python<'py>, until: i64) -> PyResult<Bound<'py, PyDict>> {
        let state = &self.state;
        let h = py.compute(|| state.stage_history(until))?;
        let codes = h.stage_codes();
        Ok(columns!(
            py,
            "customer" => h.customer,
            "stage" => codes,
            "entered_at" => h.entered_at,
        ))
    }

    /// The loyalty report at ``as_of``.
    fn loyalty<'py>(&self, py: Python<'py>, as_of: i64) -> PyResult<Bound<'py, PyAny>> {
        let state = &self.state;
        py.compute_to_python(|| state.loyalty(as_of))
    }

    /// The funnel's result.
    fn funnel<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = &self.state;
        py.compute_to_python(|| state.funnel())
    }

    /// The cohort table at ``as_of``.
    fn cohorts<'py>(&self, py: Python<'py>, as_of: i64) -> PyResult<Bound<'py, PyAny>> {
        let state = &self.state;
        py.compute_to_python(|| state.cohorts(as_of))
    }

    /// The attribution paths.
    fn paths<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = &self.state;
        py.compute_to_python(|| state.paths())
    }

    /// The paths attributed by a rule (dict or JSON; None: last touch).
    #[pyo3(signature = (rule=None))]
    fn attribute<'py>(
        &self,
        py: Python<'py>,
        rule: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rule: Rule = config(py, rule, "rule")?;
        let state = &self.state;
        py.compute_to_python(|| state.paths().and_then(|p| attribute(&p, &rule)))
    }

    /// The saved form (configuration and every customer's progress; versioned and checksummed).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let state = &self.state;
        let bytes = py.compute(|| state.to_bytes())?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    /// A state read from its saved form (CorruptError for damaged bytes).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let state = py.compute(|| JourneyState::from_bytes(data))?;
        Ok(NativeJourneyState { state })
    }

    /// Saves to a file, replacing it whole.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let state = &self.state;
        py.compute(|| state.save(&path))
    }

    /// A state loaded from a file saved by ``save``.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let state = py.compute(|| JourneyState::load(&path))?;
        Ok(NativeJourneyState { state })
    }
}
