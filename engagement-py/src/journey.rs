//! Customer journeys: stage histories and churn, funnels, transitions and
//! attribution of conversions to channels.

use engagement_core::attribution::{
    PathOptions, PathTable, Rule, attribute as credit, paths_from_touchpoints_by,
};
use engagement_core::funnel::{
    CustomerGroups, Funnel, FunnelExtras, GroupBy, run_funnel_by_with, run_funnel_with,
};
use engagement_core::transitions::{self, SequenceConfig};
use engagement_core::{StageRules, TouchpointColumns};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;

use crate::convert::{
    Compute, StageHistoryColumns, Touchpoints, columns, config, document, optional, slice,
};
use crate::errors::OrPy;

/// Stage history of a touchpoint stream.
#[pyfunction]
#[pyo3(signature = (touchpoints, *, until, config=None))]
pub(crate) fn stage_history<'py>(
    py: Python<'py>,
    touchpoints: Touchpoints<'_>,
    until: i64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let rules = StageRules::new(crate::convert::config(py, config, "config")?).py_err()?;
    let cols = touchpoints.columns()?;
    let h = py.compute(|| rules.history(&cols, until))?;
    let codes = h.stage_codes();
    Ok(columns!(
        py,
        "customer" => h.customer,
        "stage" => codes,
        "entered_at" => h.entered_at,
    ))
}

/// Churn over ``[start, end)`` from the stage history of a stream.
#[pyfunction]
#[pyo3(signature = (touchpoints, *, until, start, end, level=None, config=None))]
pub(crate) fn churn_between<'py>(
    py: Python<'py>,
    touchpoints: Touchpoints<'_>,
    until: i64,
    start: i64,
    end: i64,
    level: Option<f64>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let level = crate::convert::level(level);
    let rules = StageRules::new(crate::convert::config(py, config, "config")?).py_err()?;
    let cols = touchpoints.columns()?;
    py.compute_to_python(|| {
        rules
            .history(&cols, until)
            .and_then(|h| h.churn_between(start, end, level))
    })
}

/// Transitions between stages of a stage history (customer, stage code, entered_at).
#[pyfunction]
pub(crate) fn stage_transitions<'py>(
    py: Python<'py>,
    history: StageHistoryColumns<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    let history = history.history()?;
    py.compute_to_python(|| transitions::stage_transitions(&history))
}

/// Transition matrix, step matrix and common paths of touchpoint journeys.
#[pyfunction]
#[pyo3(signature = (touchpoints, config=None))]
pub(crate) fn journey_sequences<'py>(
    py: Python<'py>,
    touchpoints: Touchpoints<'_>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: SequenceConfig = crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    py.compute_to_python(|| transitions::journey_sequences(&cols, &cfg))
}

/// Multi-touch attribution of a path table (a dict like `PathTable`) by a rule (a dict like `Rule`).
#[pyfunction]
#[pyo3(signature = (table, rule=None))]
pub(crate) fn attribute<'py>(
    py: Python<'py>,
    table: &Bound<'_, PyAny>,
    rule: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let table: PathTable = document(py, table, "table")?;
    let rule: Rule = config(py, rule, "rule")?;
    py.compute_to_python(|| table.to_paths().and_then(|p| credit(&p, &rule)))
}

/// Attribution of the purchases of touchpoint columns, paths built as `paths` (a `PathOptions` dict) says.
/// Touches are named by `paths["by"]`: channel unless given, else event labels (`events` codes of
/// `dictionary`), campaign ids (`campaign`) or a combination.
#[pyfunction]
#[pyo3(signature = (touchpoints, paths=None, rule=None, events=None, dictionary=None, campaign=None))]
pub(crate) fn attribute_touchpoints<'py>(
    py: Python<'py>,
    touchpoints: Touchpoints<'_>,
    paths: Option<&Bound<'_, PyAny>>,
    rule: Option<&Bound<'_, PyAny>>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let options: PathOptions = config(py, paths, "paths")?;
    let rule: Rule = config(py, rule, "rule")?;
    let cols = touchpoints.columns()?;
    let extra = engagement_core::journey::paths::PathColumns {
        events: crate::events::event_column(&events, &dictionary)?,
        campaign: crate::convert::optional(&campaign, "campaign")?,
        session: &[],
    };
    py.compute_to_python(|| {
        paths_from_touchpoints_by(&cols, &extra, &options).and_then(|p| credit(&p, &rule))
    })
}

/// Runs a funnel (a dict like `Funnel`) over touchpoint columns.
#[pyfunction]
#[pyo3(signature = (touchpoints, definition, campaign=None, stage_history=None, events=None, dictionary=None, session=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn funnel<'py>(
    py: Python<'py>,
    touchpoints: Touchpoints<'_>,
    definition: &Bound<'_, PyAny>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    stage_history: Option<StageHistoryColumns<'_>>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    session: Option<PyReadonlyArray1<'_, u64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cols = touchpoints.columns()?;
    run(
        py,
        definition,
        campaign,
        stage_history,
        (events, dictionary, session),
        |f, extras| run_funnel_with(&cols, extras, f),
    )
}

/// Runs a funnel per group of customers by their first touchpoint (`by`: a dict like `GroupBy`).
#[pyfunction]
#[pyo3(signature = (touchpoints, definition, by, campaign=None, stage_history=None, events=None, dictionary=None, session=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn funnel_by_first_touch<'py>(
    py: Python<'py>,
    touchpoints: Touchpoints<'_>,
    definition: &Bound<'_, PyAny>,
    by: &Bound<'_, PyAny>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    stage_history: Option<StageHistoryColumns<'_>>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    session: Option<PyReadonlyArray1<'_, u64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let by: GroupBy = document(py, by, "by")?;
    let cols = touchpoints.columns()?;
    run(
        py,
        definition,
        campaign,
        stage_history,
        (events, dictionary, session),
        |f, extras| {
            let groups = CustomerGroups::first_touch(&cols, by)?;
            run_funnel_by_with(&cols, extras, f, &groups)
        },
    )
}

/// Runs a funnel per given group of customers (`group`: an index into `labels` per
/// `group_customer`). Takes the four touchpoint columns one by one, as the golden
/// vectors call it.
#[pyfunction]
#[pyo3(signature = (customer, time, channel, kind, definition, group_customer, group, labels, campaign=None, stage_history=None, events=None, dictionary=None, session=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn funnel_by_group<'py>(
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
    stage_history: Option<StageHistoryColumns<'_>>,
    events: Option<PyReadonlyArray1<'_, u32>>,
    dictionary: Option<PyRef<'_, crate::events::NativeEventDictionary>>,
    session: Option<PyReadonlyArray1<'_, u64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cols = TouchpointColumns {
        customer: slice(&customer, "customer")?,
        time: slice(&time, "time")?,
        channel: slice(&channel, "channel")?,
        kind: slice(&kind, "kind")?,
        ..Default::default()
    };
    let groups = CustomerGroups {
        customer: slice(&group_customer, "group_customer")?.to_vec(),
        group: slice(&group, "group")?.to_vec(),
        labels,
    };
    run(
        py,
        definition,
        campaign,
        stage_history,
        (events, dictionary, session),
        |f, extras| run_funnel_by_with(&cols, extras, f, &groups),
    )
}

/// Reads a funnel definition and what its steps may need (a campaign column,
/// a stage history), runs `f` on them without the GIL and returns its result
/// as plain objects.
#[allow(clippy::type_complexity)]
fn run<'py, R: Serialize + Send>(
    py: Python<'py>,
    definition: &Bound<'_, PyAny>,
    campaign: Option<PyReadonlyArray1<'_, u64>>,
    stage_history: Option<StageHistoryColumns<'_>>,
    events: (
        Option<PyReadonlyArray1<'_, u32>>,
        Option<PyRef<'_, crate::events::NativeEventDictionary>>,
        Option<PyReadonlyArray1<'_, u64>>,
    ),
    f: impl FnOnce(&Funnel, &FunnelExtras<'_>) -> engagement_core::Result<R> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let definition: Funnel = document(py, definition, "funnel")?;
    let history = stage_history.map(|h| h.history()).transpose()?;
    let extras = FunnelExtras {
        campaign: optional(&campaign, "campaign")?,
        stages: history.as_ref(),
        events: crate::events::event_column(&events.0, &events.1)?,
        session: optional(&events.2, "session")?,
    };
    py.compute_to_python(|| f(&definition, &extras))
}
