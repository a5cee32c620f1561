//! Segments, the loyalty programme and next best actions.

use engagement_core::{
    ActionInputs, ActionTable, LoyaltyAccounts, LoyaltyConfig, RedemptionColumns,
    SegmentMembership, SegmentSet, StageColumns,
};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{Compute, Touchpoints, config, document, maybe_document, slice};
use crate::errors::OrPy;

/// Parsed and checked segment definitions.
#[pyclass(module = "engagement._engagement", frozen)]
pub(crate) struct NativeSegments {
    pub(crate) set: SegmentSet,
}

#[pymethods]
impl NativeSegments {
    /// Parses a definition (JSON string or dict).
    #[new]
    fn new(py: Python<'_>, definition: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value: serde_json::Value = document(py, definition, "definition")?;
        Ok(NativeSegments {
            set: SegmentSet::from_value(value).py_err()?,
        })
    }

    /// Segment names in priority order.
    fn names(&self) -> Vec<String> {
        self.set.names().into_iter().map(String::from).collect()
    }
}

/// Segment membership as numpy columns (`primary`: −1 for none).
pub(crate) fn membership_dict(py: Python<'_>, m: SegmentMembership) -> PyResult<Bound<'_, PyDict>> {
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

/// Redemption columns from numpy (customer, time, points).
pub(crate) fn redemption_columns<'a>(
    customer: &'a PyReadonlyArray1<'_, u64>,
    time: &'a PyReadonlyArray1<'_, i64>,
    points: &'a PyReadonlyArray1<'_, u64>,
) -> PyResult<RedemptionColumns<'a>> {
    Ok(RedemptionColumns {
        customer: slice(customer, "redemption_customer")?,
        time: slice(time, "redemption_time")?,
        points: slice(points, "redemption_points")?,
    })
}

/// The loyalty programme over touchpoints and redemptions.
#[pyfunction]
#[pyo3(signature = (touchpoints, *, redemption_customer, redemption_time, redemption_points, as_of, config=None))]
pub(crate) fn loyalty<'py>(
    py: Python<'py>,
    touchpoints: Touchpoints<'_>,
    redemption_customer: PyReadonlyArray1<'_, u64>,
    redemption_time: PyReadonlyArray1<'_, i64>,
    redemption_points: PyReadonlyArray1<'_, u64>,
    as_of: i64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg: LoyaltyConfig = crate::convert::config(py, config, "config")?;
    let cols = touchpoints.columns()?;
    let redemptions =
        redemption_columns(&redemption_customer, &redemption_time, &redemption_points)?;
    py.compute_to_python(|| engagement_core::run_loyalty(&cols, &redemptions, as_of, &cfg))
}

/// Next best action per customer (names or None).
#[pyfunction]
#[pyo3(signature = (customer, stage, table=None, membership=None, accounts=None))]
pub(crate) fn next_best_actions(
    py: Python<'_>,
    customer: PyReadonlyArray1<'_, u64>,
    stage: PyReadonlyArray1<'_, u8>,
    table: Option<&Bound<'_, PyAny>>,
    membership: Option<&Bound<'_, PyAny>>,
    accounts: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<Option<String>>> {
    let customers = slice(&customer, "customer")?;
    let stages = StageColumns::from_codes(customers.to_vec(), slice(&stage, "stage")?).py_err()?;
    let table: ActionTable = config(py, table, "table")?;
    let membership: Option<SegmentMembership> = maybe_document(py, membership, "membership")?;
    let accounts: Option<LoyaltyAccounts> = maybe_document(py, accounts, "accounts")?;
    let a = table
        .recommend(
            customers,
            &ActionInputs {
                stages: Some(&stages),
                segments: membership.as_ref(),
                loyalty: accounts.as_ref(),
            },
        )
        .py_err()?;
    Ok((0..a.customer.len())
        .map(|i| a.action_name(i).map(String::from))
        .collect())
}
