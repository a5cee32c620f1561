//! The profile store: touchpoints pushed into customer profiles, and what
//! is read from them (scores, stages, profiles, metrics, RFM, segments).

use engagement_core::{
    Code, CustomerFeatures, ProfileStore, RfmConfig, ScoreConfig, Scorer, StageConfig, StageRules,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{Compute, Touchpoints, columns, config, document, to_python};
use crate::errors::{OrPy, not_itself};
use crate::metrics::rfm_dict;
use crate::partial::NativePartial;
use crate::segments::{NativeSegments, membership_dict};

/// Customer profiles that touchpoints are pushed into, with the
/// engagement-score configuration they were created with.
#[pyclass(module = "engagement._engagement")]
pub(crate) struct NativeStore {
    store: ProfileStore,
    scorer: Scorer,
}

#[pymethods]
impl NativeStore {
    /// A new empty store; ``config`` is a score configuration (dict or JSON).
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let cfg: ScoreConfig = crate::convert::config(py, config, "config")?;
        let scorer = Scorer::new(cfg).py_err()?;
        Ok(NativeStore {
            store: ProfileStore::with_signals(scorer.signals().clone()),
            scorer,
        })
    }

    /// Adds touchpoints given as numpy columns (all checked before any is applied).
    fn push(&mut self, py: Python<'_>, touchpoints: Touchpoints<'_>) -> PyResult<()> {
        let cols = touchpoints.columns()?;
        let store = &mut self.store;
        py.compute(|| store.push_columns(&cols))
    }

    /// Adds the touchpoints of Arrow data (``__arrow_c_stream__`` or ``__arrow_c_array__``).
    fn push_arrow(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let batch = crate::arrow::touchpoints(data)?;
        let store = &mut self.store;
        py.compute(|| store.push_columns(&batch.columns()))
    }

    fn __len__(&self) -> usize {
        self.store.len()
    }

    /// The latest touchpoint time of any customer (None for an empty store).
    fn latest_time(&self) -> Option<i64> {
        self.store.latest_touch()
    }

    /// The saved form (profiles, signal and score configuration; versioned and checksummed).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let store = &self.store;
        let scorer = &self.scorer;
        let bytes = py.compute(|| store.to_bytes_scored(scorer))?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    /// A store read from its saved form (CorruptError for damaged bytes; nothing is built).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let (store, scorer) = py.compute(|| ProfileStore::from_bytes_scored(data))?;
        Ok(NativeStore { store, scorer })
    }

    /// Saves to a file, replacing it whole (StorageError naming the file when it cannot).
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let store = &self.store;
        let scorer = &self.scorer;
        py.compute(|| store.save_scored(scorer, &path))
    }

    /// A store loaded from a file saved by ``save``.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let (store, scorer) = py.compute(|| ProfileStore::load_scored(&path))?;
        Ok(NativeStore { store, scorer })
    }

    /// A store holding the merged profiles of a profiles partial; ``config`` is a score
    /// configuration whose signals must equal the partial's (None: defaults with its signals).
    #[staticmethod]
    #[pyo3(signature = (partial, config=None))]
    fn from_partial(
        py: Python<'_>,
        partial: PyRef<'_, NativePartial>,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let config: Option<ScoreConfig> = crate::convert::maybe_document(py, config, "config")?;
        let (store, scorer) = partial.partial.clone().into_scored_store(config).py_err()?;
        Ok(NativeStore { store, scorer })
    }

    /// Customer ids, ascending.
    fn customers<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.store.customers().to_vec().into_pyarray(py)
    }

    /// Engagement scores at ``as_of`` (Unix seconds) as numpy columns.
    fn scores<'py>(&self, py: Python<'py>, as_of: i64) -> PyResult<Bound<'py, PyDict>> {
        let (store, scorer) = (&self.store, &self.scorer);
        let s = py.compute(|| scorer.score_store(store, as_of))?;
        Ok(columns!(
            py,
            "customer" => s.customer,
            "total" => s.total,
            "emotional" => s.emotional,
            "contextual" => s.contextual,
            "convenient" => s.convenient,
            "social" => s.social,
        ))
    }

    /// Journey stages at ``as_of`` as numpy columns (stage codes).
    #[pyo3(signature = (as_of, config=None))]
    fn stages<'py>(
        &self,
        py: Python<'py>,
        as_of: i64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let rules = StageRules::new(crate::convert::config(py, config, "config")?).py_err()?;
        let store = &self.store;
        let s = py.compute(|| rules.stage_store(store, as_of))?;
        let codes: Vec<u8> = s.stage.iter().map(|x| x.code()).collect();
        Ok(columns!(
            py,
            "customer" => s.customer,
            "stage" => codes,
        ))
    }

    /// Every profile summary as a list of dicts (ascending customer id).
    fn profiles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let summaries: Vec<_> = self.store.iter().map(|p| p.summary()).collect();
        to_python(py, &summaries)
    }

    /// One customer's profile summary.
    fn profile<'py>(&self, py: Python<'py>, customer: u64) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.store.get(customer).py_err()?.summary())
    }

    /// Merges another store's profiles into this one.
    fn merge(
        mut slf: PyRefMut<'_, Self>,
        py: Python<'_>,
        other: &Bound<'_, NativeStore>,
    ) -> PyResult<()> {
        not_itself(
            &slf,
            other,
            "cannot merge: a store cannot be merged into itself",
        )?;
        let theirs = other.try_borrow()?;
        let (store, from) = (&mut slf.store, &theirs.store);
        py.compute(|| store.merge(from))
    }

    /// Registers a customer record (dict or JSON).
    fn add_customer(&mut self, py: Python<'_>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let c: engagement_core::Customer = document(py, record, "record")?;
        self.store.add_customer(&c).py_err()
    }

    /// NPS over each customer's latest NPS answer.
    #[pyo3(signature = (level=None))]
    fn nps<'py>(&self, py: Python<'py>, level: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let level = crate::convert::level(level);
        let store = &self.store;
        py.compute_to_python(|| engagement_core::nps_of_profiles(store.iter(), level))
    }

    /// CSAT over each customer's latest CSAT answer.
    #[pyo3(signature = (level=None))]
    fn csat<'py>(&self, py: Python<'py>, level: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let level = crate::convert::level(level);
        let store = &self.store;
        py.compute_to_python(|| engagement_core::csat_of_profiles(store.iter(), level))
    }

    /// Repeat-purchase rate with a Wilson interval.
    #[pyo3(signature = (level=None))]
    fn repeat_purchase_rate<'py>(
        &self,
        py: Python<'py>,
        level: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let level = crate::convert::level(level);
        let store = &self.store;
        py.compute_to_python(|| engagement_core::repeat_purchase_rate(store.iter(), level))
    }

    /// Purchase totals, average order value and purchase frequency.
    fn purchase_summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = &self.store;
        py.compute_to_python(|| engagement_core::purchase_summary(store.iter()))
    }

    /// RFM scores of every customer with a purchase at ``as_of``.
    #[pyo3(signature = (as_of, config=None))]
    fn rfm<'py>(
        &self,
        py: Python<'py>,
        as_of: i64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let cfg: RfmConfig = crate::convert::config(py, config, "config")?;
        let store = &self.store;
        let scores = py.compute(|| engagement_core::rfm_of_store(store, as_of, &cfg))?;
        rfm_dict(py, scores)
    }

    /// Segment membership over the standard features.
    #[pyo3(signature = (segments, as_of, stage_config=None, rfm_config=None))]
    fn segments<'py>(
        &self,
        py: Python<'py>,
        segments: PyRef<'_, NativeSegments>,
        as_of: i64,
        stage_config: Option<&Bound<'_, PyAny>>,
        rfm_config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let rules =
            StageRules::new(config::<StageConfig>(py, stage_config, "stage_config")?).py_err()?;
        let rfm: RfmConfig = config(py, rfm_config, "rfm_config")?;
        let (store, scorer, set) = (&self.store, &self.scorer, &segments.set);
        let m = py.compute(|| {
            let f = CustomerFeatures::standard(store, as_of, scorer, &rules, &rfm)?;
            set.evaluate(&f)
        })?;
        membership_dict(py, m)
    }
}
