//! Retention over time: acquisition cohorts, survival curves and Cox models.

use engagement_core::cohort::{self, CohortConfig};
use engagement_core::survival;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::convert::{Compute, Transactions, slice};
use crate::errors::OrPy;

/// Acquisition cohorts of transactions up to `as_of`.
#[pyfunction]
#[pyo3(signature = (transactions, as_of, config=None))]
pub(crate) fn cohorts<'py>(
    py: Python<'py>,
    transactions: Transactions<'_>,
    as_of: i64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: CohortConfig = crate::convert::config(py, config, "config")?;
    let cols = transactions.columns()?;
    py.compute_to_python(|| cohort::cohorts(&cols, as_of, &cfg))
}

/// Kaplan–Meier curve with a Greenwood band.
#[pyfunction]
#[pyo3(signature = (duration, observed, level=None))]
pub(crate) fn kaplan_meier<'py>(
    py: Python<'py>,
    duration: PyReadonlyArray1<'_, f64>,
    observed: PyReadonlyArray1<'_, bool>,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let (d, o) = (slice(&duration, "duration")?, slice(&observed, "observed")?);
    py.compute_to_python(|| survival::kaplan_meier(d, o, level))
}

/// Log-rank test between two groups.
#[pyfunction]
pub(crate) fn logrank_test<'py>(
    py: Python<'py>,
    duration_a: PyReadonlyArray1<'_, f64>,
    observed_a: PyReadonlyArray1<'_, bool>,
    duration_b: PyReadonlyArray1<'_, f64>,
    observed_b: PyReadonlyArray1<'_, bool>,
) -> PyResult<Bound<'py, PyAny>> {
    let (da, oa) = (
        slice(&duration_a, "duration_a")?,
        slice(&observed_a, "observed_a")?,
    );
    let (db, ob) = (
        slice(&duration_b, "duration_b")?,
        slice(&observed_b, "observed_b")?,
    );
    py.compute_to_python(|| survival::logrank_test(da, oa, db, ob))
}

/// Restricted mean survival time up to `tau`.
#[pyfunction]
#[pyo3(signature = (duration, observed, tau, level=None))]
pub(crate) fn rmst<'py>(
    py: Python<'py>,
    duration: PyReadonlyArray1<'_, f64>,
    observed: PyReadonlyArray1<'_, bool>,
    tau: f64,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let (d, o) = (slice(&duration, "duration")?, slice(&observed, "observed")?);
    py.compute_to_python(|| survival::rmst(d, o, tau, level))
}

/// Two groups' restricted mean survival times compared.
#[pyfunction]
#[pyo3(signature = (duration_a, observed_a, duration_b, observed_b, tau, level=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn rmst_difference<'py>(
    py: Python<'py>,
    duration_a: PyReadonlyArray1<'_, f64>,
    observed_a: PyReadonlyArray1<'_, bool>,
    duration_b: PyReadonlyArray1<'_, f64>,
    observed_b: PyReadonlyArray1<'_, bool>,
    tau: f64,
    level: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let (da, oa) = (
        slice(&duration_a, "duration_a")?,
        slice(&observed_a, "observed_a")?,
    );
    let (db, ob) = (
        slice(&duration_b, "duration_b")?,
        slice(&observed_b, "observed_b")?,
    );
    py.compute_to_python(|| survival::rmst_difference(da, oa, db, ob, tau, level))
}

/// Retention of start and return events (see `RetentionConfig`) over
/// touchpoints, with event codes of `dictionary` and campaign ids where the
/// matchers read them.
#[pyfunction]
#[pyo3(signature = (touchpoints, events=None, dictionary=None, campaign=None, config=None))]
pub(crate) fn retention<'py>(
    py: Python<'py>,
    touchpoints: crate::convert::Touchpoints<'_>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: engagement_core::returning::RetentionConfig =
        crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    let extra = engagement_core::journey::paths::PathColumns {
        events: crate::events::event_column(&events, &dictionary)?,
        campaign: crate::convert::optional(&campaign, "campaign")?,
        session: &[],
    };
    py.compute_to_python(|| engagement_core::returning::retention(&cols, &extra, &cfg))
}

/// Lifecycle groups per period (see `LifecycleConfig`) over touchpoints.
#[pyfunction]
#[pyo3(signature = (touchpoints, events=None, dictionary=None, campaign=None, config=None))]
pub(crate) fn lifecycle<'py>(
    py: Python<'py>,
    touchpoints: crate::convert::Touchpoints<'_>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: engagement_core::lifecycle::LifecycleConfig =
        crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    let extra = engagement_core::journey::paths::PathColumns {
        events: crate::events::event_column(&events, &dictionary)?,
        campaign: crate::convert::optional(&campaign, "campaign")?,
        session: &[],
    };
    py.compute_to_python(|| engagement_core::lifecycle::lifecycle(&cols, &extra, &cfg))
}

/// Active days per period and DAU / WAU / MAU (see `StickinessConfig`) over touchpoints.
#[pyfunction]
#[pyo3(signature = (touchpoints, events=None, dictionary=None, campaign=None, config=None))]
pub(crate) fn stickiness<'py>(
    py: Python<'py>,
    touchpoints: crate::convert::Touchpoints<'_>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: engagement_core::stickiness::StickinessConfig =
        crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    let extra = engagement_core::journey::paths::PathColumns {
        events: crate::events::event_column(&events, &dictionary)?,
        campaign: crate::convert::optional(&campaign, "campaign")?,
        session: &[],
    };
    py.compute_to_python(|| engagement_core::stickiness::stickiness(&cols, &extra, &cfg))
}

/// Labels of a categorical column as codes into its sorted distinct labels.
fn categories(values: &Bound<'_, PyAny>, field: &str) -> PyResult<(Vec<u32>, Vec<String>)> {
    let labels = crate::convert::labels(values, field, "every customer needs a value", true)?;
    Ok(engagement_core::experiment::arm_codes(&labels))
}

/// Covariate columns: numeric arrays and categorical label sequences, named.
struct Covariates<'a> {
    numeric: Vec<&'a [f64]>,
    codes: Vec<Vec<u32>>,
    strata: Option<Vec<u32>>,
    columns: survival::CoxColumns,
}

impl<'a> Covariates<'a> {
    fn read(
        numeric: &'a [PyReadonlyArray1<'_, f64>],
        numeric_names: Vec<String>,
        categorical: &[Bound<'_, PyAny>],
        categorical_names: Vec<String>,
        strata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let numeric = numeric
            .iter()
            .zip(&numeric_names)
            .map(|(a, name)| slice(a, name))
            .collect::<PyResult<Vec<_>>>()?;
        let mut codes = Vec::new();
        let mut described = Vec::new();
        for (values, name) in categorical.iter().zip(categorical_names) {
            let (c, levels) = categories(values, &name)?;
            codes.push(c);
            described.push(survival::CategoricalCovariate {
                name,
                levels,
                reference: None,
            });
        }
        let (strata, strata_levels) = match strata {
            Some(s) => {
                let (c, levels) = categories(s, "strata")?;
                (Some(c), levels)
            }
            None => (None, Vec::new()),
        };
        Ok(Covariates {
            numeric,
            codes,
            strata,
            columns: survival::CoxColumns {
                numeric: numeric_names,
                categorical: described,
                strata: strata_levels,
            },
        })
    }
}

/// Fits a Cox proportional hazards model.
#[pyfunction]
#[pyo3(signature = (duration, observed, numeric, numeric_names, categorical, categorical_names, strata=None, clusters=None, references=None, config=None, ties=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn cox<'py>(
    py: Python<'py>,
    duration: PyReadonlyArray1<'_, f64>,
    observed: PyReadonlyArray1<'_, bool>,
    numeric: Vec<PyReadonlyArray1<'_, f64>>,
    numeric_names: Vec<String>,
    categorical: Vec<Bound<'py, PyAny>>,
    categorical_names: Vec<String>,
    strata: Option<Bound<'py, PyAny>>,
    clusters: Option<Bound<'py, PyAny>>,
    references: Option<std::collections::BTreeMap<String, String>>,
    config: Option<&Bound<'_, PyAny>>,
    ties: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut cfg: survival::CoxConfig = crate::convert::config(py, config, "config")?;
    if let Some(t) = ties {
        cfg.ties = t.parse().py_err()?;
    }
    let mut cov = Covariates::read(
        &numeric,
        numeric_names,
        &categorical,
        categorical_names,
        strata.as_ref(),
    )?;
    if let Some(r) = &references {
        cov.columns = cov
            .columns
            .with_references(r.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .py_err()?;
    }
    let clusters: Option<Vec<u64>> = match &clusters {
        Some(c) => Some(
            categories(c, "cluster")?
                .0
                .into_iter()
                .map(u64::from)
                .collect(),
        ),
        None => None,
    };
    let (d, o) = (slice(&duration, "duration")?, slice(&observed, "observed")?);
    let code_refs: Vec<&[u32]> = cov.codes.iter().map(Vec::as_slice).collect();
    let covariates = survival::CoxCovariates {
        numeric: &cov.numeric,
        categorical: &code_refs,
        strata: cov.strata.as_deref(),
        columns: &cov.columns,
    };
    py.compute_to_python(|| survival::cox(d, o, &covariates, clusters.as_deref(), &cfg))
}

/// A Cox model's predictions: linear predictors, partial hazards, and
/// survival at `times` (customers × times, row-major).
#[pyfunction]
#[pyo3(signature = (model, numeric, numeric_names, categorical, categorical_names, times, strata=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(crate) fn cox_predict<'py>(
    py: Python<'py>,
    model: &Bound<'py, PyAny>,
    numeric: Vec<PyReadonlyArray1<'_, f64>>,
    numeric_names: Vec<String>,
    categorical: Vec<Bound<'py, PyAny>>,
    categorical_names: Vec<String>,
    times: PyReadonlyArray1<'_, f64>,
    strata: Option<Bound<'py, PyAny>>,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
)> {
    let model: survival::CoxModel = crate::convert::document(py, model, "model")?;
    let cov = Covariates::read(
        &numeric,
        numeric_names,
        &categorical,
        categorical_names,
        strata.as_ref(),
    )?;
    let code_refs: Vec<&[u32]> = cov.codes.iter().map(Vec::as_slice).collect();
    let covariates = survival::CoxCovariates {
        numeric: &cov.numeric,
        categorical: &code_refs,
        strata: cov.strata.as_deref(),
        columns: &cov.columns,
    };
    let t = slice(&times, "times")?;
    let p = py.compute(|| model.predict(&covariates, t))?;
    Ok((
        p.linear_predictor.into_pyarray(py),
        p.partial_hazard.into_pyarray(py),
        p.survival.into_pyarray(py),
    ))
}
