//! Probabilistic lifetime-value models: the core's `ClvModel` held by a
//! native object, built once (from parameters, JSON or a fit) and asked for
//! each prediction.

use std::collections::HashMap;

use engagement_core::clv::diagnostics::DEFAULT_MAX_FREQUENCY;
use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{
    ClvColumns, ClvFit, ClvModel, ClvModelKind, DiscountOptions, MatrixValue, ModelWithUnit,
    simulate,
};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyDict};
use serde::Deserialize;
use serde::de::value::MapDeserializer;
use serde::de::{Deserializer, IntoDeserializer, Visitor};

use crate::convert::{Compute, config, document, maybe, slice};
use crate::errors::OrPy;

type Column<'py> = Bound<'py, PyArray1<f64>>;

/// A lifetime-value model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma, sBG).
#[pyclass(module = "engagement._engagement", frozen)]
pub(crate) struct NativeClvModel {
    model: ModelWithUnit,
}

#[pymethods]
impl NativeClvModel {
    /// The model `model` with parameters `params` (name → value) and time
    /// unit `unit` (None: unknown). The names
    /// are checked here (exactly the model's parameters: `TypeError`
    /// otherwise), the values when the model predicts.
    #[new]
    #[pyo3(signature = (model, params, unit=None))]
    fn new(model: &str, params: HashMap<String, f64>, unit: Option<&str>) -> PyResult<Self> {
        let kind: ClvModelKind = model.parse().py_err()?;
        // The model's serde form, read from the arguments as they are (JSON
        // could not carry a NaN, which the model reports when it predicts).
        let fields = std::iter::once(("model".to_owned(), Field::Label(kind.label())))
            .chain(params.into_iter().map(|(name, v)| (name, Field::Number(v))));
        let model = ClvModel::deserialize(MapDeserializer::new(fields)).map_err(
            |e: serde::de::value::Error| {
                PyTypeError::new_err(format!(
                    "a {model} model takes exactly the parameters {}: {e}",
                    kind.parameter_names().join(", ")
                ))
            },
        )?;
        let unit = unit.map(str::parse).transpose().py_err()?;
        Ok(NativeClvModel {
            model: ModelWithUnit { model, unit },
        })
    }

    /// Reads the model's JSON (`{"model": name, <parameters>}`); the values
    /// are checked when the model predicts.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let model = ModelWithUnit::from_json(text).py_err()?;
        Ok(NativeClvModel { model })
    }

    /// The model's JSON, as the C face and Rust read it.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.model).map_err(|e| PyTypeError::new_err(e.to_string()))
    }

    /// The model's name (`bg_nbd` …).
    #[getter]
    fn model(&self) -> &'static str {
        self.model.kind().label()
    }

    /// The time unit of the model's data (`day`, `week` …), or None when unknown.
    #[getter]
    fn unit(&self) -> Option<&'static str> {
        self.model.unit.map(|u| u.label())
    }

    /// Refuses data whose time unit (a summary's, when the data carries one)
    /// is not the model's (`ModelWithUnit::check_data_unit`).
    #[pyo3(signature = (data_unit=None))]
    fn check_data_unit(&self, data_unit: Option<&str>) -> PyResult<()> {
        let data = data_unit.map(str::parse).transpose().py_err()?;
        self.model.check_data_unit(data).py_err()
    }

    /// Parameter names and values, in the model's order.
    fn parameters(&self) -> Vec<(&'static str, f64)> {
        self.model.parameters()
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.model == other.model
    }

    /// Pickles through the JSON form.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = slf.get_type().getattr("from_json")?;
        Ok((from_json, (slf.get().to_json()?,)))
    }

    /// Fits a model by maximum likelihood: the model and how the fit went
    /// (``log_likelihood``, ``iterations``, ``customers``, ``standard_errors``
    /// by parameter or None).
    #[staticmethod]
    #[pyo3(signature = (model, frequency, recency=None, t=None, monetary_value=None, options=None, weights=None, data_unit=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit<'py>(
        py: Python<'py>,
        model: &str,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: Option<PyReadonlyArray1<'_, f64>>,
        t: Option<PyReadonlyArray1<'_, f64>>,
        monetary_value: Option<PyReadonlyArray1<'_, f64>>,
        options: Option<&Bound<'_, PyAny>>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
        data_unit: Option<&str>,
    ) -> PyResult<(Self, Bound<'py, PyDict>)> {
        let kind: ClvModelKind = model.parse().py_err()?;
        let carried = data_unit.map(str::parse).transpose().py_err()?;
        let options: FitOptions = config::<FitOptions>(py, options, "options")?
            .for_data_in(carried)
            .py_err()?;
        let cols = ClvColumns {
            frequency: slice(&frequency, "frequency")?,
            recency: maybe(&recency, "recency")?,
            t: maybe(&t, "T")?,
            monetary_value: maybe(&monetary_value, "monetary_value")?,
            weights: maybe(&weights, "weights")?,
        };
        let fit = py.compute(|| ClvModel::fit(kind, &cols, &options))?;
        fitted(py, fit)
    }

    /// Fits the shifted-beta-geometric model to a cohort's survivor counts (as ``fit``).
    #[staticmethod]
    #[pyo3(signature = (alive, options=None))]
    fn fit_retention<'py>(
        py: Python<'py>,
        alive: PyReadonlyArray1<'_, f64>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Self, Bound<'py, PyDict>)> {
        let options: FitOptions = config(py, options, "options")?;
        let alive = slice(&alive, "alive")?;
        let fit = py.compute(|| ClvModel::fit_retention(alive, &options))?;
        fitted(py, fit)
    }

    /// P(alive) of each customer under a purchase model.
    fn p_alive<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Column<'py>> {
        let cols = histories(&frequency, &recency, &t, &None)?;
        column(py, || self.model.p_alive(&cols))
    }

    /// P(alive) of one customer over time.
    fn p_alive_history<'py>(
        &self,
        py: Python<'py>,
        purchases: PyReadonlyArray1<'_, f64>,
        at: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Column<'py>> {
        let (purchases, at) = (slice(&purchases, "purchases")?, slice(&at, "at")?);
        column(py, || self.model.p_alive_history(purchases, at))
    }

    /// The period-transactions table of a purchase model, as a dict.
    #[pyo3(signature = (frequency, recency, t, max_frequency=None, weights=None))]
    fn period_transactions<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
        max_frequency: Option<u32>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let max_frequency = max_frequency.unwrap_or(DEFAULT_MAX_FREQUENCY);
        let cols = histories(&frequency, &recency, &t, &weights)?;
        py.compute_to_python(|| self.model.period_transactions(&cols, max_frequency))
    }

    /// Mean holdout purchases by calibration frequency, observed and predicted, as a dict.
    #[pyo3(signature = (frequency, recency, t, holdout, duration, max_frequency=None, weights=None))]
    #[allow(clippy::too_many_arguments)]
    fn calibration_holdout<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
        holdout: PyReadonlyArray1<'_, f64>,
        duration: f64,
        max_frequency: Option<u32>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let max_frequency = max_frequency.unwrap_or(DEFAULT_MAX_FREQUENCY);
        let cols = histories(&frequency, &recency, &t, &weights)?;
        let holdout = slice(&holdout, "holdout")?;
        py.compute_to_python(|| {
            self.model
                .calibration_holdout(&cols, holdout, duration, max_frequency)
        })
    }

    /// Expected purchases of each customer in the next `horizon` time units.
    fn conditional_expected_purchases<'py>(
        &self,
        py: Python<'py>,
        horizon: f64,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Column<'py>> {
        let cols = histories(&frequency, &recency, &t, &None)?;
        column(py, || {
            self.model.conditional_expected_purchases(horizon, &cols)
        })
    }

    /// Expected purchases of a new customer in `(0, t]` for each `t`.
    fn expected_purchases_new<'py>(
        &self,
        py: Python<'py>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Column<'py>> {
        let t = slice(&t, "t")?;
        column(py, || self.model.expected_purchases_new(t))
    }

    /// Expected mean transaction value of each customer (Gamma-Gamma).
    fn expected_spend<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'_, f64>,
        monetary_value: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Column<'py>> {
        let cols = ClvColumns {
            frequency: slice(&frequency, "frequency")?,
            monetary_value: Some(slice(&monetary_value, "monetary_value")?),
            ..Default::default()
        };
        column(py, || self.model.expected_spend(&cols))
    }

    /// Share of a cohort still subscribed after each `t` periods (sBG).
    fn survival<'py>(
        &self,
        py: Python<'py>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Column<'py>> {
        let t = slice(&t, "t")?;
        column(py, || self.model.survival(t))
    }

    /// Retention rate of each period `t >= 1` (sBG).
    fn retention_rate<'py>(
        &self,
        py: Python<'py>,
        t: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Column<'py>> {
        let t = slice(&t, "t")?;
        column(py, || self.model.retention_rate(t))
    }

    /// P(a new customer makes exactly `x[i]` purchases in `(0, t[i]]`).
    fn probability_of_purchases<'py>(
        &self,
        py: Python<'py>,
        t: PyReadonlyArray1<'_, f64>,
        x: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Column<'py>> {
        let (t, x) = (slice(&t, "t")?, slice(&x, "x")?);
        column(py, || self.model.probability_of_purchases(t, x))
    }

    /// Discounted value of each customer's expected purchases over future periods.
    #[pyo3(signature = (frequency, recency, t, spend, options=None))]
    fn discounted_value<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'_, f64>,
        recency: PyReadonlyArray1<'_, f64>,
        t: PyReadonlyArray1<'_, f64>,
        spend: PyReadonlyArray1<'_, f64>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Column<'py>> {
        let options: DiscountOptions = config(py, options, "options")?;
        let cols = histories(&frequency, &recency, &t, &None)?;
        let spend = slice(&spend, "spend")?;
        column(py, || self.model.discounted_value(&cols, spend, &options))
    }

    /// Frequency × recency grid of P(alive) or expected purchases: (frequency, recency, values 2-D).
    fn frequency_recency_matrix<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'_, PyAny>,
        max_frequency: u32,
        t: f64,
    ) -> PyResult<(Column<'py>, Column<'py>, Column<'py>)> {
        let what: MatrixValue = document(py, value, "value")?;
        let g = py.compute(|| self.model.frequency_recency_matrix(what, max_frequency, t))?;
        Ok((
            g.frequency.into_pyarray(py),
            g.recency.into_pyarray(py),
            g.values.into_pyarray(py),
        ))
    }

    /// Simulated histories (frequency, recency) of customers of ages `t`.
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        t: PyReadonlyArray1<'_, f64>,
        seed: u64,
    ) -> PyResult<(Column<'py>, Column<'py>)> {
        let t = slice(&t, "t")?;
        let h = py.compute(|| simulate::histories(&self.model, t, seed))?;
        Ok((h.frequency.into_pyarray(py), h.recency.into_pyarray(py)))
    }

    /// Simulated mean repeat-transaction values (Gamma-Gamma).
    fn simulate_spend<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'_, f64>,
        seed: u64,
    ) -> PyResult<Column<'py>> {
        let f = slice(&frequency, "frequency")?;
        column(py, || simulate::spend(&self.model, f, seed))
    }

    /// Simulated survivor counts of a cohort (sBG).
    fn simulate_survivors<'py>(
        &self,
        py: Python<'py>,
        cohort: u64,
        periods: u32,
        seed: u64,
    ) -> PyResult<Column<'py>> {
        column(py, || {
            simulate::survivors(&self.model, cohort, periods, seed)
        })
    }
}

/// A field of a model's serde form given as arguments: its name or a parameter.
enum Field {
    Label(&'static str),
    Number(f64),
}

impl<'de> Deserializer<'de> for Field {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Field::Label(label) => visitor.visit_str(label),
            Field::Number(v) => visitor.visit_f64(v),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

impl IntoDeserializer<'_> for Field {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Purchase histories (frequency, recency, T) and optional fit weights as the core's columns.
fn histories<'a>(
    frequency: &'a PyReadonlyArray1<'_, f64>,
    recency: &'a PyReadonlyArray1<'_, f64>,
    t: &'a PyReadonlyArray1<'_, f64>,
    weights: &'a Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<ClvColumns<'a>> {
    Ok(ClvColumns {
        frequency: slice(frequency, "frequency")?,
        recency: Some(slice(recency, "recency")?),
        t: Some(slice(t, "T")?),
        monetary_value: None,
        weights: maybe(weights, "weights")?,
    })
}

/// A column computed by the core without the GIL, as a numpy array (no copy).
fn column(
    py: Python<'_>,
    f: impl Send + FnOnce() -> engagement_core::Result<Vec<f64>>,
) -> PyResult<Column<'_>> {
    Ok(py.compute(f)?.into_pyarray(py))
}

/// The fitted model and the report of its fit (standard errors by parameter name).
fn fitted(py: Python<'_>, fit: ClvFit) -> PyResult<(NativeClvModel, Bound<'_, PyDict>)> {
    let report = PyDict::new(py);
    report.set_item("log_likelihood", fit.log_likelihood)?;
    report.set_item("iterations", fit.iterations)?;
    report.set_item("customers", fit.customers)?;
    let names = fit.model.kind().parameter_names();
    let se = fit
        .standard_errors
        .map(|se| names.iter().zip(se).collect::<Vec<_>>().into_py_dict(py))
        .transpose()?;
    report.set_item("standard_errors", se)?;
    Ok((NativeClvModel { model: fit.model }, report))
}

/// Confidence intervals (low, high) at `level` (None: the library's 0.95) of
/// positive parameters from their standard errors (`fit::parameter_intervals`).
#[pyfunction]
#[pyo3(signature = (params, standard_errors, level=None))]
pub(crate) fn clv_parameter_intervals<'py>(
    py: Python<'py>,
    params: PyReadonlyArray1<'_, f64>,
    standard_errors: PyReadonlyArray1<'_, f64>,
    level: Option<f64>,
) -> PyResult<(Column<'py>, Column<'py>)> {
    let level = crate::convert::level(level);
    let (params, se) = (
        crate::convert::slice(&params, "params")?,
        crate::convert::slice(&standard_errors, "standard_errors")?,
    );
    let intervals =
        py.compute(|| engagement_core::clv::fit::parameter_intervals(params, se, level))?;
    let low: Vec<f64> = intervals.iter().map(|i| i[0]).collect();
    let high: Vec<f64> = intervals.iter().map(|i| i[1]).collect();
    Ok((low.into_pyarray(py), high.into_pyarray(py)))
}
