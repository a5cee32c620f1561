//! Python face of the engagement engine: the native module `engagement._engagement`.
//!
//! Thin by design: it checks and converts Python arguments (numpy arrays are
//! read without a copy when contiguous and of the right dtype), releases the
//! GIL while the core computes, and converts results back (numpy arrays for
//! columns, plain dicts for structured results). The pure-Python package
//! `engagement` wraps these functions into the public API (DataFrames,
//! datetimes, labels, dataclasses).

mod convert;
mod errors;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
mod _engagement {
    use engagement_core::clv::fit::FitOptions;
    use engagement_core::clv::{
        ClvColumns, ClvModel, ClvModelKind, DiscountOptions, MatrixValue, simulate,
    };
    use engagement_core::transactions::{
        SummaryConfig, TransactionColumns, calibration_and_holdout, summarize,
    };
    use engagement_core::{
        ActionTable, Channel, Code, CustomerFeatures, JourneyStage, LabelMap, LoyaltyAccounts,
        LoyaltyConfig, Proportion, RedemptionColumns, RfmConfig, RfmValues, ScoreConfig, Scorer,
        SegmentMembership, SimpleClvInput, StageColumns, StageConfig, StageRules,
        TouchpointColumns, TouchpointKind,
    };
    use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
    use pyo3::prelude::*;
    use pyo3::types::PyDict;

    use crate::convert::{config, document, optional, same_length, slice, to_python};
    use crate::errors::OrPy;

    #[pymodule_export]
    use crate::errors::{
        AsOfBeforeDataError, ConfigError, ConvergenceError, CorruptError, EmptyInputError,
        EngagementError, IncompatibleError, InvalidInputError, JsonError, LengthMismatchError,
        UnknownIdError, UnknownLabelError,
    };

    /// The library version.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// Returns the library version, e.g. ``"0.1.0"``.
    #[pyfunction]
    fn version() -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// Touchpoint columns borrowed from numpy arrays.
    #[allow(clippy::too_many_arguments)]
    fn touchpoints<'a>(
        customer: &'a PyReadonlyArray1<'_, u64>,
        time: &'a PyReadonlyArray1<'_, i64>,
        channel: &'a PyReadonlyArray1<'_, u8>,
        kind: &'a PyReadonlyArray1<'_, u8>,
        value: &'a Option<PyReadonlyArray1<'_, f64>>,
        rating: &'a Option<PyReadonlyArray1<'_, f32>>,
        rating_scale: &'a Option<PyReadonlyArray1<'_, u8>>,
    ) -> PyResult<TouchpointColumns<'a>> {
        let cols = TouchpointColumns {
            customer: slice(customer, "customer")?,
            time: slice(time, "time")?,
            channel: slice(channel, "channel")?,
            kind: slice(kind, "kind")?,
            value: optional(value, "value")?,
            rating: optional(rating, "rating")?,
            rating_scale: optional(rating_scale, "rating_scale")?,
        };
        Ok(cols)
    }

    /// A stage history from numpy columns (stage codes), or None without customers.
    fn stage_history_of(
        customer: &Option<PyReadonlyArray1<'_, u64>>,
        stage: &Option<PyReadonlyArray1<'_, u8>>,
        entered_at: &Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<Option<engagement_core::StageHistory>> {
        let (customer, stage, entered_at) = match (customer, stage, entered_at) {
            (None, None, None) => return Ok(None),
            (Some(c), Some(s), Some(e)) => (c, s, e),
            _ => {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "a stage history needs stage_customer, stage and stage_entered_at together",
                ));
            }
        };
        Ok(Some(engagement_core::StageHistory {
            customer: customer.as_slice()?.to_vec(),
            stage: stage
                .as_slice()?
                .iter()
                .enumerate()
                .map(|(i, &c)| JourneyStage::try_from(c).map_err(|e| e.at_row(i)))
                .collect::<Result<_, _>>()
                .py_err()?,
            entered_at: entered_at.as_slice()?.to_vec(),
            until: 0,
        }))
    }

    /// The campaign column and stage history a funnel may read.
    fn funnel_extras<'a>(
        campaign: &'a Option<PyReadonlyArray1<'_, u64>>,
        history: &'a Option<engagement_core::StageHistory>,
    ) -> PyResult<engagement_core::funnel::FunnelExtras<'a>> {
        Ok(engagement_core::funnel::FunnelExtras {
            campaign: campaign
                .as_ref()
                .map(|c| c.as_slice())
                .transpose()?
                .unwrap_or(&[]),
            stages: history.as_ref(),
        })
    }

    /// Converts due actions into numpy columns and lists of names.
    fn due_columns<'py>(
        py: Python<'py>,
        actions: Vec<engagement_core::triggers::DueAction>,
    ) -> PyResult<Bound<'py, PyDict>> {
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

    /// A trigger engine: rules, per-customer state and pending actions.
    #[pyclass(module = "engagement._engagement")]
    struct NativeTriggers {
        engine: engagement_core::triggers::TriggerEngine,
    }

    #[pymethods]
    impl NativeTriggers {
        /// A new engine for ``config`` (dict or JSON: ``rules``, ``cap``, ``quiet_hours``, ``stages``).
        #[new]
        fn new(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<Self> {
            let cfg: engagement_core::triggers::TriggerConfig = document(py, config, "config")?;
            Ok(NativeTriggers {
                engine: engagement_core::triggers::TriggerEngine::new(cfg).py_err()?,
            })
        }

        /// Feeds touchpoints; returns the actions that became due as columns.
        #[pyo3(signature = (customer, time, channel, kind, value=None, rating=None, rating_scale=None))]
        #[allow(clippy::too_many_arguments)]
        fn push<'py>(
            &mut self,
            py: Python<'py>,
            customer: PyReadonlyArray1<'_, u64>,
            time: PyReadonlyArray1<'_, i64>,
            channel: PyReadonlyArray1<'_, u8>,
            kind: PyReadonlyArray1<'_, u8>,
            value: Option<PyReadonlyArray1<'_, f64>>,
            rating: Option<PyReadonlyArray1<'_, f32>>,
            rating_scale: Option<PyReadonlyArray1<'_, u8>>,
        ) -> PyResult<Bound<'py, PyDict>> {
            let cols = touchpoints(
                &customer,
                &time,
                &channel,
                &kind,
                &value,
                &rating,
                &rating_scale,
            )?;
            let engine = &mut self.engine;
            let actions = py.detach(|| engine.push(&cols)).py_err()?;
            due_columns(py, actions)
        }

        /// Moves the clock to ``now``; returns the actions due up to it as columns.
        fn advance<'py>(&mut self, py: Python<'py>, now: i64) -> PyResult<Bound<'py, PyDict>> {
            let engine = &mut self.engine;
            let actions = py.detach(|| engine.advance(now)).py_err()?;
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

    /// A partial result that merges (see the core's `partial` module): built
    /// from one part of the touchpoints with a spec, merged with the other
    /// parts' partials, finished into the result of all of them.
    #[pyclass(module = "engagement._engagement")]
    #[derive(Clone)]
    struct NativePartial {
        partial: engagement_core::partial::Partial,
    }

    #[pymethods]
    impl NativePartial {
        /// The partial of numpy touchpoint columns (which may be empty) for a spec (dict or JSON).
        #[new]
        #[pyo3(signature = (spec, customer, time, channel, kind, value=None, rating=None, rating_scale=None))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            py: Python<'_>,
            spec: &Bound<'_, PyAny>,
            customer: PyReadonlyArray1<'_, u64>,
            time: PyReadonlyArray1<'_, i64>,
            channel: PyReadonlyArray1<'_, u8>,
            kind: PyReadonlyArray1<'_, u8>,
            value: Option<PyReadonlyArray1<'_, f64>>,
            rating: Option<PyReadonlyArray1<'_, f32>>,
            rating_scale: Option<PyReadonlyArray1<'_, u8>>,
        ) -> PyResult<Self> {
            let spec: engagement_core::partial::PartialSpec = document(py, spec, "spec")?;
            let cols = touchpoints(
                &customer,
                &time,
                &channel,
                &kind,
                &value,
                &rating,
                &rating_scale,
            )?;
            let partial = py
                .detach(|| engagement_core::partial::Partial::from_touchpoints(&spec, &cols))
                .py_err()?;
            Ok(NativePartial { partial })
        }

        /// Reads the binary form.
        #[staticmethod]
        fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
            let partial = py
                .detach(|| engagement_core::partial::Partial::from_bytes(data))
                .py_err()?;
            Ok(NativePartial { partial })
        }

        /// Reads the JSON form.
        #[staticmethod]
        fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
            let partial = py
                .detach(|| engagement_core::partial::Partial::from_json(text))
                .py_err()?;
            Ok(NativePartial { partial })
        }

        /// The binary form.
        fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
            let p = &self.partial;
            let bytes = py.detach(|| p.to_bytes()).py_err()?;
            Ok(pyo3::types::PyBytes::new(py, &bytes))
        }

        /// The JSON form.
        fn to_json(&self, py: Python<'_>) -> PyResult<String> {
            let p = &self.partial;
            py.detach(|| p.to_json()).py_err()
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
            if slf.as_ptr() == other.as_ptr() {
                return Err(crate::errors::IncompatibleError::new_err(
                    "cannot merge a partial into itself (its data would count twice)",
                ));
            }
            let theirs = other.try_borrow()?;
            let (mine, theirs) = (&mut slf.partial, &theirs.partial);
            py.detach(|| mine.merge_ref(theirs)).py_err()
        }

        /// The finished result, as a dict (`kind` plus the single-machine result's fields).
        fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            let p = &self.partial;
            let r = py.detach(|| p.result()).py_err()?;
            to_python(py, &r)
        }

        /// Attribution of a paths partial by a rule (dict or JSON).
        #[pyo3(signature = (rule=None))]
        fn attribute<'py>(
            &self,
            py: Python<'py>,
            rule: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let rule: engagement_core::attribution::Rule = config(py, rule, "rule")?;
            let p = &self.partial;
            let a = py.detach(|| p.attribute(&rule)).py_err()?;
            to_python(py, &a)
        }

        /// Pickles through the binary form (for Dask and Spark workers).
        fn __reduce__<'py>(
            slf: &Bound<'py, Self>,
            py: Python<'py>,
        ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, pyo3::types::PyBytes>,))> {
            let from_bytes = slf.get_type().getattr("from_bytes")?;
            Ok((from_bytes, (slf.borrow().to_bytes(py)?,)))
        }
    }

    /// Customer profiles that touchpoints are pushed into, with the
    /// engagement-score configuration they were created with.
    #[pyclass(module = "engagement._engagement")]
    struct NativeStore {
        store: engagement_core::ProfileStore,
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
                store: engagement_core::ProfileStore::with_signals(scorer.signals().clone()),
                scorer,
            })
        }

        /// Adds touchpoints given as numpy columns (all checked before any is applied).
        #[pyo3(signature = (customer, time, channel, kind, value=None, rating=None, rating_scale=None))]
        #[allow(clippy::too_many_arguments)]
        fn push(
            &mut self,
            py: Python<'_>,
            customer: PyReadonlyArray1<'_, u64>,
            time: PyReadonlyArray1<'_, i64>,
            channel: PyReadonlyArray1<'_, u8>,
            kind: PyReadonlyArray1<'_, u8>,
            value: Option<PyReadonlyArray1<'_, f64>>,
            rating: Option<PyReadonlyArray1<'_, f32>>,
            rating_scale: Option<PyReadonlyArray1<'_, u8>>,
        ) -> PyResult<()> {
            let cols = touchpoints(
                &customer,
                &time,
                &channel,
                &kind,
                &value,
                &rating,
                &rating_scale,
            )?;
            let store = &mut self.store;
            py.detach(|| store.push_columns(&cols)).py_err()
        }

        fn __len__(&self) -> usize {
            self.store.len()
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
            let profiles = partial.partial.clone().into_store().py_err()?;
            let mut cfg: ScoreConfig = crate::convert::config(py, config, "config")?;
            if config.is_none() {
                cfg.signals = profiles.signals().config().clone();
            }
            let scorer = Scorer::new(cfg).py_err()?;
            let mut store = engagement_core::ProfileStore::with_signals(scorer.signals().clone());
            store.merge(&profiles).py_err()?;
            Ok(NativeStore { store, scorer })
        }

        /// Customer ids, ascending.
        fn customers<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
            self.store.customers().to_vec().into_pyarray(py)
        }

        /// Engagement scores at ``as_of`` (Unix seconds) as numpy columns.
        fn scores<'py>(&self, py: Python<'py>, as_of: i64) -> PyResult<Bound<'py, PyDict>> {
            let (store, scorer) = (&self.store, &self.scorer);
            let s = py.detach(|| scorer.score_store(store, as_of)).py_err()?;
            let d = PyDict::new(py);
            d.set_item("customer", s.customer.into_pyarray(py))?;
            d.set_item("total", s.total.into_pyarray(py))?;
            d.set_item("emotional", s.emotional.into_pyarray(py))?;
            d.set_item("contextual", s.contextual.into_pyarray(py))?;
            d.set_item("convenient", s.convenient.into_pyarray(py))?;
            d.set_item("social", s.social.into_pyarray(py))?;
            Ok(d)
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
            let s = py.detach(|| rules.stage_store(store, as_of)).py_err()?;
            let d = PyDict::new(py);
            let codes: Vec<u8> = s.stage.iter().map(|x| x.code()).collect();
            d.set_item("customer", s.customer.into_pyarray(py))?;
            d.set_item("stage", codes.into_pyarray(py))?;
            Ok(d)
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
        fn merge(&mut self, py: Python<'_>, other: PyRef<'_, NativeStore>) -> PyResult<()> {
            let (store, from) = (&mut self.store, &other.store);
            py.detach(|| store.merge(from)).py_err()
        }

        /// Registers a customer record (dict or JSON).
        fn add_customer(&mut self, py: Python<'_>, record: &Bound<'_, PyAny>) -> PyResult<()> {
            let c: engagement_core::Customer = document(py, record, "record")?;
            self.store.add_customer(&c).py_err()
        }

        /// NPS over each customer's latest NPS answer.
        #[pyo3(signature = (level=0.95))]
        fn nps<'py>(&self, py: Python<'py>, level: f64) -> PyResult<Bound<'py, PyAny>> {
            to_python(
                py,
                &engagement_core::nps_of_profiles(self.store.iter(), level).py_err()?,
            )
        }

        /// CSAT over each customer's latest CSAT answer.
        #[pyo3(signature = (level=0.95))]
        fn csat<'py>(&self, py: Python<'py>, level: f64) -> PyResult<Bound<'py, PyAny>> {
            to_python(
                py,
                &engagement_core::csat_of_profiles(self.store.iter(), level).py_err()?,
            )
        }

        /// Repeat-purchase rate with a Wilson interval.
        #[pyo3(signature = (level=0.95))]
        fn repeat_purchase_rate<'py>(
            &self,
            py: Python<'py>,
            level: f64,
        ) -> PyResult<Bound<'py, PyAny>> {
            to_python(
                py,
                &engagement_core::repeat_purchase_rate(self.store.iter(), level).py_err()?,
            )
        }

        /// Purchase totals, average order value and purchase frequency.
        fn purchase_summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            to_python(
                py,
                &engagement_core::purchase_summary(self.store.iter()).py_err()?,
            )
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
            let scores = py
                .detach(|| {
                    let values = RfmValues::from_store(store, as_of, cfg.monetary)?;
                    engagement_core::rfm_scores(&values, &cfg)
                })
                .py_err()?;
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
            let rules = StageRules::new(config::<StageConfig>(py, stage_config, "stage_config")?)
                .py_err()?;
            let rfm: RfmConfig = config(py, rfm_config, "rfm_config")?;
            let (store, scorer, set) = (&self.store, &self.scorer, &segments.set);
            let m = py
                .detach(|| {
                    let f = CustomerFeatures::standard(store, as_of, scorer, &rules, &rfm)?;
                    set.evaluate(&f)
                })
                .py_err()?;
            membership_dict(py, m)
        }
    }

    fn rfm_dict<'py>(
        py: Python<'py>,
        s: engagement_core::RfmScores,
    ) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("customer", s.customer.into_pyarray(py))?;
        d.set_item("r", s.r.into_pyarray(py))?;
        d.set_item("f", s.f.into_pyarray(py))?;
        d.set_item("m", s.m.into_pyarray(py))?;
        d.set_item("code", s.code.into_pyarray(py))?;
        d.set_item("score", s.score.into_pyarray(py))?;
        d.set_item("segment", s.segment.into_pyarray(py))?;
        d.set_item("segment_names", s.segment_names)?;
        Ok(d)
    }

    fn membership_dict(py: Python<'_>, m: SegmentMembership) -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        let primary: Vec<i32> = m.primary.iter().map(|p| p.map_or(-1, i32::from)).collect();
        d.set_item("customer", m.customer.into_pyarray(py))?;
        d.set_item("names", m.names)?;
        let member: Vec<Bound<'_, PyArray1<bool>>> =
            m.member.into_iter().map(|c| c.into_pyarray(py)).collect();
        d.set_item("member", member)?;
        d.set_item("primary", primary.into_pyarray(py))?;
        Ok(d)
    }

    /// Parsed and checked segment definitions.
    #[pyclass(module = "engagement._engagement", frozen)]
    struct NativeSegments {
        set: engagement_core::SegmentSet,
    }

    #[pymethods]
    impl NativeSegments {
        /// Parses a definition (JSON string or dict).
        #[new]
        fn new(py: Python<'_>, definition: &Bound<'_, PyAny>) -> PyResult<Self> {
            let value: serde_json::Value = document(py, definition, "definition")?;
            Ok(NativeSegments {
                set: engagement_core::SegmentSet::from_value(value).py_err()?,
            })
        }

        /// Segment names in priority order.
        fn names(&self) -> Vec<String> {
            self.set.names().into_iter().map(String::from).collect()
        }
    }

    /// NPS of 0–10 answers (float32 array).
    #[pyfunction]
    #[pyo3(signature = (ratings, level=0.95))]
    fn nps<'py>(
        py: Python<'py>,
        ratings: PyReadonlyArray1<'_, f32>,
        level: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        to_python(
            py,
            &engagement_core::nps(slice(&ratings, "ratings")?, level).py_err()?,
        )
    }

    /// NPS from counts.
    #[pyfunction]
    #[pyo3(signature = (promoters, passives, detractors, level=0.95))]
    fn nps_counts(
        py: Python<'_>,
        promoters: u64,
        passives: u64,
        detractors: u64,
        level: f64,
    ) -> PyResult<Bound<'_, PyAny>> {
        to_python(
            py,
            &engagement_core::nps_counts(promoters, passives, detractors, level).py_err()?,
        )
    }

    /// CSAT of 1–5 answers (float32 array).
    #[pyfunction]
    #[pyo3(signature = (ratings, level=0.95))]
    fn csat<'py>(
        py: Python<'py>,
        ratings: PyReadonlyArray1<'_, f32>,
        level: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        to_python(
            py,
            &engagement_core::csat(slice(&ratings, "ratings")?, level).py_err()?,
        )
    }

    /// A proportion with its Wilson interval.
    #[pyfunction]
    #[pyo3(signature = (successes, trials, level=0.95))]
    fn wilson(
        py: Python<'_>,
        successes: u64,
        trials: u64,
        level: f64,
    ) -> PyResult<Bound<'_, PyAny>> {
        to_python(py, &Proportion::wilson(successes, trials, level).py_err()?)
    }

    /// Retention and churn from counts.
    #[pyfunction]
    #[pyo3(signature = (at_start, at_end, new, level=0.95))]
    fn retention_rate(
        py: Python<'_>,
        at_start: u64,
        at_end: u64,
        new: u64,
        level: f64,
    ) -> PyResult<Bound<'_, PyAny>> {
        to_python(
            py,
            &engagement_core::retention_rate(at_start, at_end, new, level).py_err()?,
        )
    }

    /// Simple CLV of an input dict.
    #[pyfunction]
    fn simple_clv(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<f64> {
        let i: SimpleClvInput = document(py, input, "input")?;
        engagement_core::simple_clv(&i).py_err()
    }

    /// CLV under constant retention.
    #[pyfunction]
    fn retention_clv(margin: f64, retention: f64, discount_rate: f64) -> PyResult<f64> {
        engagement_core::retention_clv(margin, retention, discount_rate).py_err()
    }

    /// LTV:CAC.
    #[pyfunction]
    fn ltv_to_cac(clv: f64, cac: f64) -> PyResult<f64> {
        engagement_core::ltv_to_cac(clv, cac).py_err()
    }

    /// Percentile ranks (mid-rank).
    #[pyfunction]
    fn percentile_ranks<'py>(
        py: Python<'py>,
        values: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(engagement_core::percentile_ranks(slice(&values, "values")?)
            .py_err()?
            .into_pyarray(py))
    }

    fn transactions<'a>(
        customer: &'a PyReadonlyArray1<'_, u64>,
        time: &'a PyReadonlyArray1<'_, i64>,
        value: &'a Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<TransactionColumns<'a>> {
        Ok(TransactionColumns {
            customer: slice(customer, "customer")?,
            time: slice(time, "time")?,
            value: optional(value, "value")?,
        })
    }

    /// Transaction summary (frequency, recency, T, monetary value).
    #[pyfunction]
    #[pyo3(signature = (customer, time, value, observation_end, config=None))]
    fn transaction_summary<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        value: Option<PyReadonlyArray1<'_, f64>>,
        observation_end: i64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let cfg: SummaryConfig = crate::convert::config(py, config, "config")?;
        let cols = transactions(&customer, &time, &value)?;
        let s = py
            .detach(|| summarize(&cols, observation_end, &cfg))
            .py_err()?;
        let d = PyDict::new(py);
        d.set_item("customer", s.customer.into_pyarray(py))?;
        d.set_item("frequency", s.frequency.into_pyarray(py))?;
        d.set_item("recency", s.recency.into_pyarray(py))?;
        d.set_item("T", s.t.into_pyarray(py))?;
        d.set_item("monetary_value", s.monetary_value.into_pyarray(py))?;
        Ok(d)
    }

    /// Calibration summary and holdout purchases.
    #[pyfunction]
    #[pyo3(signature = (customer, time, value, calibration_end, observation_end, config=None))]
    #[allow(clippy::too_many_arguments)]
    fn calibration_holdout<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        value: Option<PyReadonlyArray1<'_, f64>>,
        calibration_end: i64,
        observation_end: i64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cfg: SummaryConfig = crate::convert::config(py, config, "config")?;
        let cols = transactions(&customer, &time, &value)?;
        let split = py
            .detach(|| calibration_and_holdout(&cols, calibration_end, observation_end, &cfg))
            .py_err()?;
        to_python(py, &split)
    }

    /// RFM values of a transaction log.
    #[pyfunction]
    #[pyo3(signature = (customer, time, value, as_of, config=None))]
    fn rfm_values<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        value: Option<PyReadonlyArray1<'_, f64>>,
        as_of: i64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let cfg: RfmConfig = crate::convert::config(py, config, "config")?;
        let cols = transactions(&customer, &time, &value)?;
        let v = py
            .detach(|| RfmValues::from_transactions(&cols, as_of, cfg.monetary))
            .py_err()?;
        let d = PyDict::new(py);
        d.set_item("customer", v.customer.into_pyarray(py))?;
        d.set_item("recency", v.recency.into_pyarray(py))?;
        d.set_item("frequency", v.frequency.into_pyarray(py))?;
        d.set_item("monetary", v.monetary.into_pyarray(py))?;
        Ok(d)
    }

    /// RFM scores of given values.
    #[pyfunction]
    #[pyo3(signature = (customer, recency, frequency, monetary, config=None))]
    fn rfm_scores<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        recency: PyReadonlyArray1<'_, f64>,
        frequency: PyReadonlyArray1<'_, f64>,
        monetary: PyReadonlyArray1<'_, f64>,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let cfg: RfmConfig = crate::convert::config(py, config, "config")?;
        let values = RfmValues {
            customer: slice(&customer, "customer")?.to_vec(),
            recency: slice(&recency, "recency")?.to_vec(),
            frequency: slice(&frequency, "frequency")?.to_vec(),
            monetary: slice(&monetary, "monetary")?.to_vec(),
        };
        same_length(
            values.customer.len(),
            &[
                ("recency", values.recency.len()),
                ("frequency", values.frequency.len()),
                ("monetary", values.monetary.len()),
            ],
        )?;
        let s = py
            .detach(|| engagement_core::rfm_scores(&values, &cfg))
            .py_err()?;
        rfm_dict(py, s)
    }

    /// Stage history of a touchpoint stream.
    #[pyfunction]
    #[pyo3(signature = (customer, time, channel, kind, value=None, rating=None, rating_scale=None, *, until, config=None))]
    #[allow(clippy::too_many_arguments)]
    fn stage_history<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        channel: PyReadonlyArray1<'_, u8>,
        kind: PyReadonlyArray1<'_, u8>,
        value: Option<PyReadonlyArray1<'_, f64>>,
        rating: Option<PyReadonlyArray1<'_, f32>>,
        rating_scale: Option<PyReadonlyArray1<'_, u8>>,
        until: i64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let rules = StageRules::new(crate::convert::config(py, config, "config")?).py_err()?;
        let cols = touchpoints(
            &customer,
            &time,
            &channel,
            &kind,
            &value,
            &rating,
            &rating_scale,
        )?;
        let h = py.detach(|| rules.history(&cols, until)).py_err()?;
        let d = PyDict::new(py);
        let codes = h.stage_codes();
        d.set_item("customer", h.customer.into_pyarray(py))?;
        d.set_item("stage", codes.into_pyarray(py))?;
        d.set_item("entered_at", h.entered_at.into_pyarray(py))?;
        Ok(d)
    }

    /// Churn over ``[start, end)`` from the stage history of a stream.
    #[pyfunction]
    #[pyo3(signature = (customer, time, channel, kind, value=None, rating=None, rating_scale=None, *, until, start, end, level=0.95, config=None))]
    #[allow(clippy::too_many_arguments)]
    fn churn_between<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        channel: PyReadonlyArray1<'_, u8>,
        kind: PyReadonlyArray1<'_, u8>,
        value: Option<PyReadonlyArray1<'_, f64>>,
        rating: Option<PyReadonlyArray1<'_, f32>>,
        rating_scale: Option<PyReadonlyArray1<'_, u8>>,
        until: i64,
        start: i64,
        end: i64,
        level: f64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rules = StageRules::new(crate::convert::config(py, config, "config")?).py_err()?;
        let cols = touchpoints(
            &customer,
            &time,
            &channel,
            &kind,
            &value,
            &rating,
            &rating_scale,
        )?;
        let c = py
            .detach(|| {
                rules
                    .history(&cols, until)
                    .and_then(|h| h.churn_between(start, end, level))
            })
            .py_err()?;
        to_python(py, &c)
    }

    /// The loyalty programme over touchpoints and redemptions.
    #[pyfunction]
    #[pyo3(signature = (customer, time, channel, kind, value=None, rating=None, rating_scale=None, *, redemption_customer, redemption_time, redemption_points, as_of, config=None))]
    #[allow(clippy::too_many_arguments)]
    fn loyalty<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        channel: PyReadonlyArray1<'_, u8>,
        kind: PyReadonlyArray1<'_, u8>,
        value: Option<PyReadonlyArray1<'_, f64>>,
        rating: Option<PyReadonlyArray1<'_, f32>>,
        rating_scale: Option<PyReadonlyArray1<'_, u8>>,
        redemption_customer: PyReadonlyArray1<'_, u64>,
        redemption_time: PyReadonlyArray1<'_, i64>,
        redemption_points: PyReadonlyArray1<'_, u64>,
        as_of: i64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cfg: LoyaltyConfig = crate::convert::config(py, config, "config")?;
        let cols = touchpoints(
            &customer,
            &time,
            &channel,
            &kind,
            &value,
            &rating,
            &rating_scale,
        )?;
        let redemptions = RedemptionColumns {
            customer: slice(&redemption_customer, "redemption_customer")?,
            time: slice(&redemption_time, "redemption_time")?,
            points: slice(&redemption_points, "redemption_points")?,
        };
        let report = py
            .detach(|| engagement_core::run_loyalty(&cols, &redemptions, as_of, &cfg))
            .py_err()?;
        to_python(py, &report)
    }

    /// Next best action per customer (names or None).
    #[pyfunction]
    #[pyo3(signature = (customer, stage, table=None, membership=None, accounts=None))]
    fn next_best_actions(
        py: Python<'_>,
        customer: PyReadonlyArray1<'_, u64>,
        stage: PyReadonlyArray1<'_, u8>,
        table: Option<&Bound<'_, PyAny>>,
        membership: Option<&Bound<'_, PyAny>>,
        accounts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Option<String>>> {
        let customers = slice(&customer, "customer")?;
        let codes = slice(&stage, "stage")?;
        same_length(customers.len(), &[("stage", codes.len())])?;
        let stages = StageColumns {
            customer: customers.to_vec(),
            stage: codes
                .iter()
                .enumerate()
                .map(|(i, &c)| JourneyStage::try_from(c).map_err(|e| e.at_row(i)))
                .collect::<Result<_, _>>()
                .py_err()?,
        };
        let table: ActionTable = config(py, table, "table")?;
        let membership: Option<SegmentMembership> = match membership {
            Some(m) if !m.is_none() => Some(document(py, m, "membership")?),
            _ => None,
        };
        let accounts: Option<LoyaltyAccounts> = match accounts {
            Some(a) if !a.is_none() => Some(document(py, a, "accounts")?),
            _ => None,
        };
        let a = table
            .recommend(
                customers,
                Some(&stages),
                membership.as_ref(),
                accounts.as_ref(),
            )
            .py_err()?;
        Ok((0..a.customer.len())
            .map(|i| a.action_name(i).map(String::from))
            .collect())
    }

    /// Codes of channel labels (optional alias map: dict label → channel).
    #[pyfunction]
    #[pyo3(signature = (labels, aliases=None))]
    fn channel_codes<'py>(
        py: Python<'py>,
        labels: Vec<String>,
        aliases: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<u8>>> {
        let map: LabelMap<Channel> = config(py, aliases, "aliases")?;
        Ok(map.parse_column(&labels).py_err()?.into_pyarray(py))
    }

    /// Codes of touchpoint-kind labels (optional alias map).
    #[pyfunction]
    #[pyo3(signature = (labels, aliases=None))]
    fn kind_codes<'py>(
        py: Python<'py>,
        labels: Vec<String>,
        aliases: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<u8>>> {
        let map: LabelMap<TouchpointKind> = config(py, aliases, "aliases")?;
        Ok(map.parse_column(&labels).py_err()?.into_pyarray(py))
    }

    /// Codes of journey-stage labels.
    #[pyfunction]
    fn stage_codes(py: Python<'_>, labels: Vec<String>) -> PyResult<Bound<'_, PyArray1<u8>>> {
        let map = LabelMap::<JourneyStage>::default();
        Ok(map.parse_column(&labels).py_err()?.into_pyarray(py))
    }

    /// Labels of channels, kinds and stages, in code order.
    #[pyfunction]
    fn labels() -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
        (
            Channel::ALL.iter().map(|c| c.label()).collect(),
            TouchpointKind::ALL.iter().map(|c| c.label()).collect(),
            JourneyStage::ALL.iter().map(|c| c.label()).collect(),
        )
    }

    fn clv_columns<'a>(
        frequency: &'a PyReadonlyArray1<'_, f64>,
        recency: &'a Option<PyReadonlyArray1<'_, f64>>,
        t: &'a Option<PyReadonlyArray1<'_, f64>>,
        monetary_value: &'a Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<ClvColumns<'a>> {
        let maybe = |c: &'a Option<PyReadonlyArray1<'_, f64>>, name: &str| {
            c.as_ref().map(|a| slice(a, name)).transpose()
        };
        Ok(ClvColumns {
            frequency: slice(frequency, "frequency")?,
            recency: maybe(recency, "recency")?,
            t: maybe(t, "T")?,
            monetary_value: maybe(monetary_value, "monetary_value")?,
            weights: None,
        })
    }

    /// Fits a CLV model by maximum likelihood; returns the `ClvFit` as a dict.
    #[pyfunction]
    #[pyo3(signature = (model, frequency, recency=None, t=None, monetary_value=None, options=None, weights=None))]
    #[allow(clippy::too_many_arguments)]
    fn clv_fit<'py>(
        py: Python<'py>,
        model: &str,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: Option<PyReadonlyArray1<'_, f64>>,
        t: Option<PyReadonlyArray1<'_, f64>>,
        monetary_value: Option<PyReadonlyArray1<'_, f64>>,
        options: Option<&Bound<'_, PyAny>>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kind: ClvModelKind = model.parse().py_err()?;
        let options: FitOptions = config(py, options, "options")?;
        let mut cols = clv_columns(&frequency, &recency, &t, &monetary_value)?;
        cols.weights = weights.as_ref().map(|w| slice(w, "weights")).transpose()?;
        let fit = py
            .detach(|| ClvModel::fit(kind, &cols, &options))
            .py_err()?;
        to_python(py, &fit)
    }

    /// P(alive) of each customer under a purchase model.
    #[pyfunction]
    fn clv_p_alive<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        let (recency, t) = (Some(recency), Some(t));
        let cols = clv_columns(&frequency, &recency, &t, &None)?;
        Ok(py.detach(|| m.p_alive(&cols)).py_err()?.into_pyarray(py))
    }

    /// P(alive) of one customer over time.
    #[pyfunction]
    fn clv_p_alive_history<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        purchases: PyReadonlyArray1<'_, f64>,
        at: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        let (purchases, at) = (slice(&purchases, "purchases")?, slice(&at, "at")?);
        Ok(py
            .detach(|| m.p_alive_history(purchases, at))
            .py_err()?
            .into_pyarray(py))
    }

    /// The period-transactions table of a purchase model, as a dict.
    #[pyfunction]
    #[pyo3(signature = (model, frequency, recency, t, max_frequency, weights=None))]
    fn clv_period_transactions<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
        max_frequency: u32,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m: ClvModel = document(py, model, "model")?;
        let (recency, t) = (Some(recency), Some(t));
        let mut cols = clv_columns(&frequency, &recency, &t, &None)?;
        cols.weights = weights.as_ref().map(|w| slice(w, "weights")).transpose()?;
        let table = py
            .detach(|| m.period_transactions(&cols, max_frequency))
            .py_err()?;
        to_python(py, &table)
    }

    /// Mean holdout purchases by calibration frequency, observed and predicted, as a dict.
    #[pyfunction]
    #[pyo3(signature = (model, frequency, recency, t, holdout, duration, max_frequency, weights=None))]
    #[allow(clippy::too_many_arguments)]
    fn clv_calibration_holdout<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
        holdout: PyReadonlyArray1<'_, f64>,
        duration: f64,
        max_frequency: u32,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m: ClvModel = document(py, model, "model")?;
        let (recency, t) = (Some(recency), Some(t));
        let mut cols = clv_columns(&frequency, &recency, &t, &None)?;
        cols.weights = weights.as_ref().map(|w| slice(w, "weights")).transpose()?;
        let holdout = slice(&holdout, "holdout")?;
        let table = py
            .detach(|| m.calibration_holdout(&cols, holdout, duration, max_frequency))
            .py_err()?;
        to_python(py, &table)
    }

    /// Expected purchases of each customer in the next `horizon` time units.
    #[pyfunction]
    fn clv_conditional_expected_purchases<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        horizon: f64,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        let (recency, t) = (Some(recency), Some(t));
        let cols = clv_columns(&frequency, &recency, &t, &None)?;
        Ok(py
            .detach(|| m.conditional_expected_purchases(horizon, &cols))
            .py_err()?
            .into_pyarray(py))
    }

    /// Expected purchases of a new customer in `(0, t]` for each `t`.
    #[pyfunction]
    fn clv_expected_purchases_new<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        let t = slice(&t, "t")?;
        Ok(py
            .detach(|| m.expected_purchases_new(t))
            .py_err()?
            .into_pyarray(py))
    }

    /// Expected mean transaction value of each customer (Gamma-Gamma).
    #[pyfunction]
    fn clv_expected_spend<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        frequency: PyReadonlyArray1<'_, f64>,
        monetary_value: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        let monetary_value = Some(monetary_value);
        let cols = clv_columns(&frequency, &None, &None, &monetary_value)?;
        Ok(py
            .detach(|| m.expected_spend(&cols))
            .py_err()?
            .into_pyarray(py))
    }

    /// Fits the shifted-beta-geometric model to a cohort's survivor counts.
    #[pyfunction]
    #[pyo3(signature = (alive, options=None))]
    fn clv_fit_retention<'py>(
        py: Python<'py>,
        alive: PyReadonlyArray1<'_, f64>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options: FitOptions = config(py, options, "options")?;
        let alive = slice(&alive, "alive")?;
        let fit = py
            .detach(|| ClvModel::fit_retention(alive, &options))
            .py_err()?;
        to_python(py, &fit)
    }

    /// Share of a cohort still subscribed after each `t` periods (sBG).
    #[pyfunction]
    fn clv_survival<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        Ok(m.survival(slice(&t, "t")?).py_err()?.into_pyarray(py))
    }

    /// Retention rate of each period `t >= 1` (sBG).
    #[pyfunction]
    fn clv_retention_rate<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        Ok(m.retention_rate(slice(&t, "t")?).py_err()?.into_pyarray(py))
    }
    /// Parameter names of every model, by model label.
    #[pyfunction]
    fn clv_parameter_names() -> Vec<(&'static str, Vec<&'static str>)> {
        ClvModelKind::ALL
            .iter()
            .map(|k| (k.label(), k.parameter_names().to_vec()))
            .collect()
    }

    /// P(a new customer makes exactly `x[i]` purchases in `(0, t[i]]`).
    #[pyfunction]
    fn clv_probability_of_purchases<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        t: PyReadonlyArray1<'_, f64>,
        x: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        let (t, x) = (slice(&t, "t")?, slice(&x, "x")?);
        Ok(py
            .detach(|| m.probability_of_purchases(t, x))
            .py_err()?
            .into_pyarray(py))
    }

    /// Discounted value of each customer's expected purchases over future periods.
    #[pyfunction]
    #[pyo3(signature = (model, frequency, recency, t, spend, options=None))]
    fn clv_discounted_value<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
        spend: PyReadonlyArray1<'_, f64>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        let options: DiscountOptions = config(py, options, "options")?;
        let (recency, t) = (Some(recency), Some(t));
        let cols = clv_columns(&frequency, &recency, &t, &None)?;
        let spend = slice(&spend, "spend")?;
        Ok(py
            .detach(|| m.discounted_value(&cols, spend, &options))
            .py_err()?
            .into_pyarray(py))
    }

    /// Frequency × recency grid of P(alive) or expected purchases: (frequency, recency, values 2-D).
    #[pyfunction]
    #[allow(clippy::type_complexity)]
    fn clv_frequency_recency_matrix<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        max_frequency: u32,
        t: f64,
    ) -> PyResult<(
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
    )> {
        let m: ClvModel = document(py, model, "model")?;
        let what: MatrixValue = document(py, value, "value")?;
        let g = py
            .detach(|| m.frequency_recency_matrix(what, max_frequency, t))
            .py_err()?;
        Ok((
            g.frequency.into_pyarray(py),
            g.recency.into_pyarray(py),
            g.values.into_pyarray(py),
        ))
    }

    /// Simulated histories (frequency, recency) of customers of ages `t`.
    #[pyfunction]
    #[allow(clippy::type_complexity)]
    fn clv_simulate<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        t: PyReadonlyArray1<'_, f64>,
        seed: u64,
    ) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>)> {
        let m: ClvModel = document(py, model, "model")?;
        let t = slice(&t, "t")?;
        let h = py.detach(|| simulate::histories(&m, t, seed)).py_err()?;
        Ok((h.frequency.into_pyarray(py), h.recency.into_pyarray(py)))
    }

    /// Simulated mean repeat-transaction values (Gamma-Gamma).
    #[pyfunction]
    fn clv_simulate_spend<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        frequency: PyReadonlyArray1<'_, f64>,
        seed: u64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        let f = slice(&frequency, "frequency")?;
        Ok(py
            .detach(|| simulate::spend(&m, f, seed))
            .py_err()?
            .into_pyarray(py))
    }

    /// Simulated survivor counts of a cohort (sBG).
    #[pyfunction]
    fn clv_simulate_survivors<'py>(
        py: Python<'py>,
        model: &Bound<'_, PyAny>,
        cohort: u64,
        periods: u32,
        seed: u64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let m: ClvModel = document(py, model, "model")?;
        Ok(py
            .detach(|| simulate::survivors(&m, cohort, periods, seed))
            .py_err()?
            .into_pyarray(py))
    }
    /// Two-proportion z-test, chi-square and intervals of two conversion rates.
    #[pyfunction]
    #[pyo3(signature = (control_successes, control_trials, treatment_successes, treatment_trials, level=0.95))]
    fn conversion_test<'py>(
        py: Python<'py>,
        control_successes: u64,
        control_trials: u64,
        treatment_successes: u64,
        treatment_trials: u64,
        level: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        use engagement_core::experiment::{Arm, conversion_test};
        let arm = |successes, trials| Arm { successes, trials };
        let t = conversion_test(
            arm(control_successes, control_trials),
            arm(treatment_successes, treatment_trials),
            level,
        )
        .py_err()?;
        to_python(py, &t)
    }

    /// Welch's t-test of two samples.
    #[pyfunction]
    #[pyo3(signature = (control, treatment, level=0.95))]
    fn welch_test<'py>(
        py: Python<'py>,
        control: PyReadonlyArray1<'_, f64>,
        treatment: PyReadonlyArray1<'_, f64>,
        level: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, t) = (slice(&control, "control")?, slice(&treatment, "treatment")?);
        let r = engagement_core::experiment::welch_test(c, t, level).py_err()?;
        to_python(py, &r)
    }

    /// Bayesian beta-binomial comparison of two conversion rates.
    #[pyfunction]
    #[pyo3(signature = (control_successes, control_trials, treatment_successes, treatment_trials, prior=None, level=0.95))]
    fn bayesian_conversion_test<'py>(
        py: Python<'py>,
        control_successes: u64,
        control_trials: u64,
        treatment_successes: u64,
        treatment_trials: u64,
        prior: Option<&Bound<'_, PyAny>>,
        level: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        use engagement_core::experiment::{Arm, BetaPrior, bayesian_conversion_test};
        let prior: BetaPrior = config(py, prior, "prior")?;
        let arm = |successes, trials| Arm { successes, trials };
        let r = py
            .detach(|| {
                bayesian_conversion_test(
                    arm(control_successes, control_trials),
                    arm(treatment_successes, treatment_trials),
                    prior,
                    level,
                )
            })
            .py_err()?;
        to_python(py, &r)
    }

    /// Power of a two-sided two-proportion test.
    #[pyfunction]
    fn power_two_proportions(
        baseline: f64,
        minimum_detectable_effect: f64,
        n_per_group: f64,
        alpha: f64,
    ) -> PyResult<f64> {
        engagement_core::experiment::power_two_proportions(
            baseline,
            minimum_detectable_effect,
            n_per_group,
            alpha,
        )
        .py_err()
    }

    /// Customers per arm for a two-sided two-proportion test.
    #[pyfunction]
    fn sample_size_two_proportions(
        baseline: f64,
        minimum_detectable_effect: f64,
        alpha: f64,
        power: f64,
    ) -> PyResult<f64> {
        engagement_core::experiment::sample_size_two_proportions(
            baseline,
            minimum_detectable_effect,
            alpha,
            power,
        )
        .py_err()
    }
    /// Kaplan–Meier curve with a Greenwood band.
    #[pyfunction]
    #[pyo3(signature = (duration, observed, level=0.95))]
    fn kaplan_meier<'py>(
        py: Python<'py>,
        duration: PyReadonlyArray1<'_, f64>,
        observed: PyReadonlyArray1<'_, bool>,
        level: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (d, o) = (slice(&duration, "duration")?, slice(&observed, "observed")?);
        let km = py
            .detach(|| engagement_core::survival::kaplan_meier(d, o, level))
            .py_err()?;
        to_python(py, &km)
    }

    /// Log-rank test between two groups.
    #[pyfunction]
    fn logrank_test<'py>(
        py: Python<'py>,
        duration_a: PyReadonlyArray1<'_, f64>,
        observed_a: PyReadonlyArray1<'_, bool>,
        duration_b: PyReadonlyArray1<'_, f64>,
        observed_b: PyReadonlyArray1<'_, bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = engagement_core::survival::logrank_test(
            slice(&duration_a, "duration_a")?,
            slice(&observed_a, "observed_a")?,
            slice(&duration_b, "duration_b")?,
            slice(&observed_b, "observed_b")?,
        )
        .py_err()?;
        to_python(py, &t)
    }
    /// Multi-touch attribution of a path table (a dict like `PathTable`) by a rule (a dict like `Rule`).
    #[pyfunction]
    #[pyo3(signature = (table, rule=None))]
    fn attribute<'py>(
        py: Python<'py>,
        table: &Bound<'_, PyAny>,
        rule: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        use engagement_core::attribution::{PathTable, Rule, attribute};
        let table: PathTable = document(py, table, "table")?;
        let rule: Rule = config(py, rule, "rule")?;
        let result = py
            .detach(|| table.to_paths().and_then(|p| attribute(&p, &rule)))
            .py_err()?;
        to_python(py, &result)
    }
    /// Acquisition cohorts of transactions up to `as_of`.
    #[pyfunction]
    #[pyo3(signature = (customer, time, value, as_of, config=None))]
    fn cohorts<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        value: Option<PyReadonlyArray1<'_, f64>>,
        as_of: i64,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cfg: engagement_core::cohort::CohortConfig =
            crate::convert::config(py, config, "config")?;
        let cols = transactions(&customer, &time, &value)?;
        let t = py
            .detach(|| engagement_core::cohort::cohorts(&cols, as_of, &cfg))
            .py_err()?;
        to_python(py, &t)
    }
    /// Attribution of the purchases of touchpoint columns, paths built within `lookback` seconds.
    #[pyfunction]
    #[pyo3(signature = (customer, time, channel, kind, value, lookback, rule=None))]
    #[allow(clippy::too_many_arguments)]
    fn attribute_touchpoints<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        channel: PyReadonlyArray1<'_, u8>,
        kind: PyReadonlyArray1<'_, u8>,
        value: Option<PyReadonlyArray1<'_, f64>>,
        lookback: i64,
        rule: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        use engagement_core::attribution::{Rule, attribute, paths_from_touchpoints};
        let rule: Rule = config(py, rule, "rule")?;
        let cols = touchpoints(&customer, &time, &channel, &kind, &value, &None, &None)?;
        let result = py
            .detach(|| paths_from_touchpoints(&cols, lookback).and_then(|p| attribute(&p, &rule)))
            .py_err()?;
        to_python(py, &result)
    }
    /// Transition matrix, step matrix and common paths of touchpoint journeys.
    #[pyfunction]
    #[pyo3(signature = (customer, time, channel, kind, config=None))]
    fn journey_sequences<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        channel: PyReadonlyArray1<'_, u8>,
        kind: PyReadonlyArray1<'_, u8>,
        config: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cfg: engagement_core::transitions::SequenceConfig =
            crate::convert::config(py, config, "config")?;
        let cols = touchpoints(&customer, &time, &channel, &kind, &None, &None, &None)?;
        let s = py
            .detach(|| engagement_core::transitions::journey_sequences(&cols, &cfg))
            .py_err()?;
        to_python(py, &s)
    }

    /// Transitions between stages of a stage history (customer, stage code, entered_at).
    #[pyfunction]
    fn stage_transitions<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        stage: PyReadonlyArray1<'_, u8>,
        entered_at: PyReadonlyArray1<'_, i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let history = engagement_core::StageHistory {
            customer: slice(&customer, "customer")?.to_vec(),
            stage: slice(&stage, "stage")?
                .iter()
                .enumerate()
                .map(|(i, &c)| JourneyStage::try_from(c).map_err(|e| e.at_row(i)))
                .collect::<Result<_, _>>()
                .py_err()?,
            entered_at: slice(&entered_at, "entered_at")?.to_vec(),
            until: 0,
        };
        let m = engagement_core::transitions::stage_transitions(&history).py_err()?;
        to_python(py, &m)
    }
    /// Runs a funnel (a dict like `Funnel`) over touchpoint columns.
    #[pyfunction]
    #[pyo3(signature = (customer, time, channel, kind, definition, group_customer, group, labels, campaign=None, stage_customer=None, stage=None, stage_entered_at=None))]
    #[allow(clippy::too_many_arguments)]
    fn funnel_by_group<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        channel: PyReadonlyArray1<'_, u8>,
        kind: PyReadonlyArray1<'_, u8>,
        definition: &Bound<'_, PyAny>,
        group_customer: PyReadonlyArray1<'_, u64>,
        group: PyReadonlyArray1<'_, u32>,
        labels: Vec<String>,
        campaign: Option<PyReadonlyArray1<'_, u64>>,
        stage_customer: Option<PyReadonlyArray1<'_, u64>>,
        stage: Option<PyReadonlyArray1<'_, u8>>,
        stage_entered_at: Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let f: engagement_core::funnel::Funnel = document(py, definition, "funnel")?;
        let cols = touchpoints(&customer, &time, &channel, &kind, &None, &None, &None)?;
        let groups = engagement_core::funnel::CustomerGroups {
            customer: group_customer.as_slice()?.to_vec(),
            group: group.as_slice()?.to_vec(),
            labels,
        };
        let history = stage_history_of(&stage_customer, &stage, &stage_entered_at)?;
        let extras = funnel_extras(&campaign, &history)?;
        let r = py
            .detach(|| engagement_core::funnel::run_funnel_by_with(&cols, &extras, &f, &groups))
            .py_err()?;
        to_python(py, &r)
    }

    #[pyfunction]
    #[pyo3(signature = (customer, time, channel, kind, definition, by, campaign=None, stage_customer=None, stage=None, stage_entered_at=None))]
    #[allow(clippy::too_many_arguments)]
    fn funnel_by_first_touch<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        channel: PyReadonlyArray1<'_, u8>,
        kind: PyReadonlyArray1<'_, u8>,
        definition: &Bound<'_, PyAny>,
        by: &Bound<'_, PyAny>,
        campaign: Option<PyReadonlyArray1<'_, u64>>,
        stage_customer: Option<PyReadonlyArray1<'_, u64>>,
        stage: Option<PyReadonlyArray1<'_, u8>>,
        stage_entered_at: Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let f: engagement_core::funnel::Funnel = document(py, definition, "funnel")?;
        let by: engagement_core::funnel::GroupBy = document(py, by, "by")?;
        let cols = touchpoints(&customer, &time, &channel, &kind, &None, &None, &None)?;
        let history = stage_history_of(&stage_customer, &stage, &stage_entered_at)?;
        let extras = funnel_extras(&campaign, &history)?;
        let r = py
            .detach(|| {
                let groups = engagement_core::funnel::CustomerGroups::first_touch(&cols, by)?;
                engagement_core::funnel::run_funnel_by_with(&cols, &extras, &f, &groups)
            })
            .py_err()?;
        to_python(py, &r)
    }

    #[pyfunction]
    #[pyo3(signature = (customer, time, channel, kind, definition, campaign=None, stage_customer=None, stage=None, stage_entered_at=None))]
    #[allow(clippy::too_many_arguments)]
    fn funnel<'py>(
        py: Python<'py>,
        customer: PyReadonlyArray1<'_, u64>,
        time: PyReadonlyArray1<'_, i64>,
        channel: PyReadonlyArray1<'_, u8>,
        kind: PyReadonlyArray1<'_, u8>,
        definition: &Bound<'_, PyAny>,
        campaign: Option<PyReadonlyArray1<'_, u64>>,
        stage_customer: Option<PyReadonlyArray1<'_, u64>>,
        stage: Option<PyReadonlyArray1<'_, u8>>,
        stage_entered_at: Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let f: engagement_core::funnel::Funnel = document(py, definition, "funnel")?;
        let cols = touchpoints(&customer, &time, &channel, &kind, &None, &None, &None)?;
        let history = stage_history_of(&stage_customer, &stage, &stage_entered_at)?;
        let extras = funnel_extras(&campaign, &history)?;
        let r = py
            .detach(|| engagement_core::funnel::run_funnel_with(&cols, &extras, &f))
            .py_err()?;
        to_python(py, &r)
    }
}
