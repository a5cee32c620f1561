//! An experiment read out from touchpoints: each customer's arm and exposure
//! time, and metrics defined over the touchpoints after (and, for CUPED,
//! before) the exposure; one [`Readout`] per metric.
//!
//! A metric counts a customer's touchpoints from the exposure on: within
//! `window` seconds of it when a window is given, else up to `as_of`. A
//! windowed metric is censoring-aware: it counts only customers whose window
//! has ended by `as_of`, so customers exposed too recently to have converted
//! are not counted as failures (the in-progress ones are reported per arm).
//! `retained` (active on day N after the exposure) likewise counts only
//! customers exposed at least N + 1 days before `as_of`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::experiment::readout::{MetricKind, Readout, ReadoutConfig, UnitColumns, readout};
use crate::journey::paths::PathColumns;
use crate::journey::triggers::TouchMatch;
use crate::model::TouchpointColumns;
use crate::retention::returning::row_matcher;

/// Seconds in a day.
const DAY: i64 = 86_400;

fn default_gap() -> i64 {
    1800
}

/// Each exposed customer's arm and exposure time (Unix seconds), one row per
/// customer.
#[derive(Debug, Clone, Copy)]
pub struct Assignment<'a> {
    /// Customer ids (each once).
    pub customer: &'a [u64],
    /// Index into the arms' names of each customer's arm.
    pub arm: &'a [u32],
    /// When each customer was exposed (first saw the experiment).
    pub exposed_at: &'a [i64],
}

/// What a metric measures per customer over the touchpoints of its window.
///
/// # Examples
///
/// ```
/// use engagement_core::experiment::Measure;
/// let m: Measure = serde_json::from_str(r#"{"type": "conversion", "match": {"kinds": ["purchase"]}}"#)?;
/// assert!(matches!(m, Measure::Conversion { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// 1 when a matching touchpoint falls in the window, else 0 (a proportion).
    Conversion {
        /// The touchpoints that count (any when absent).
        #[serde(rename = "match", default)]
        matcher: TouchMatch,
    },
    /// The number of matching touchpoints (a mean per customer).
    Count {
        /// The touchpoints that count (any when absent).
        #[serde(rename = "match", default)]
        matcher: TouchMatch,
    },
    /// The sum of the matching touchpoints' values, e.g. revenue (a mean per
    /// customer).
    Value {
        /// The touchpoints that count (any when absent).
        #[serde(rename = "match", default)]
        matcher: TouchMatch,
    },
    /// Sessions: runs of the customer's touchpoints no more than `gap`
    /// seconds apart (a mean per customer).
    Sessions {
        /// The inactivity gap that ends a session, in seconds (default 1800,
        /// 30 minutes, as [`crate::journey::sessions`]).
        #[serde(default = "default_gap")]
        gap: i64,
    },
    /// 1 when a matching touchpoint falls on day `day` after the exposure
    /// (`[exposed + day·24 h, exposed + (day+1)·24 h)`: day 0 is the first 24
    /// hours, day 7 the 24 hours after the first week), else 0; only
    /// customers whose day `day` has ended by `as_of` count.
    Retained {
        /// The day after exposure (0: the first 24 hours).
        day: u32,
        /// The activity that counts (any touchpoint when absent).
        #[serde(rename = "match", default)]
        matcher: TouchMatch,
    },
    /// A ratio of two sums over customers, e.g. revenue per session.
    Ratio {
        /// The numerator's measure (count, value or sessions).
        numerator: Box<Measure>,
        /// The denominator's measure (count, value or sessions).
        denominator: Box<Measure>,
    },
}

/// One metric of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// The metric's name in the result.
    pub name: String,
    /// What it measures.
    pub measure: Measure,
    /// Seconds after the exposure that count (absent: up to `as_of`). Only
    /// customers whose window has ended by `as_of` are counted.
    #[serde(default)]
    pub window: Option<i64>,
    /// Seconds before the exposure whose touchpoints, measured the same way,
    /// are CUPED's covariate (absent: no covariate).
    #[serde(default)]
    pub pre_period: Option<i64>,
}

/// An experiment over touchpoints: its metrics and how they are read out.
///
/// # Examples
///
/// ```
/// use engagement_core::experiment::ExperimentSpec;
/// let spec: ExperimentSpec = serde_json::from_str(r#"{
///     "metrics": [
///         {"name": "purchased", "measure": {"type": "conversion", "match": {"kinds": ["purchase"]}}, "window": 604800},
///         {"name": "revenue", "measure": {"type": "value", "match": {"kinds": ["purchase"]}}, "pre_period": 2419200},
///         {"name": "day_7", "measure": {"type": "retained", "day": 7}}
///     ],
///     "readout": {"sequential": true}
/// }"#)?;
/// assert_eq!(spec.metrics.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExperimentSpec {
    /// The metrics, each read out on its own.
    pub metrics: Vec<MetricSpec>,
    /// The end of observation, inclusive (default: the latest touchpoint's
    /// or exposure's second). Later touchpoints and exposures are ignored.
    pub as_of: Option<i64>,
    /// How each metric is read out (its `kind` follows the metric).
    pub readout: ReadoutConfig,
}

/// One metric's readout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricReadout {
    /// The metric's name.
    pub name: String,
    /// Per arm (in the arms' order), exposed customers not counted because
    /// their window (or day) had not ended by `as_of`.
    pub in_progress: Vec<u64>,
    /// The readout of the counted customers.
    pub readout: Readout,
}

/// An experiment's readout from touchpoints: one per metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentReadout {
    /// The end of observation used.
    pub as_of: i64,
    /// Customers exposed by `as_of`, per arm.
    pub exposed: Vec<u64>,
    /// Each metric's readout, in the spec's order.
    pub metrics: Vec<MetricReadout>,
}

/// The simple measures a metric reads per customer: what is summed, and over
/// which rows.
#[derive(Clone, Copy, PartialEq)]
enum Sum {
    Any,
    Count,
    Value,
    Sessions(i64),
}

fn simple<'a>(m: &'a Measure, field: &str) -> Result<(Sum, Option<&'a TouchMatch>)> {
    Ok(match m {
        Measure::Conversion { matcher } => (Sum::Any, Some(matcher)),
        Measure::Count { matcher } => (Sum::Count, Some(matcher)),
        Measure::Value { matcher } => (Sum::Value, Some(matcher)),
        Measure::Sessions { gap } => {
            ensure_config!(
                *gap > 0,
                field,
                "a session gap is seconds > 0 (e.g. 1800), got {gap}"
            );
            (Sum::Sessions(*gap), None)
        }
        Measure::Retained { .. } | Measure::Ratio { .. } => {
            return Err(EngError::config(
                field,
                "a ratio's numerator and denominator are count, value or sessions measures",
            ));
        }
    })
}

/// Per customer (assignment row) and per part (numerator, denominator), the
/// metric's value in the window and in the pre-period.
struct Values {
    post: [Vec<f64>; 2],
    pre: [Vec<f64>; 2],
}

/// An experiment's assignment checked, `as_of` fixed, and who was exposed
/// by then: what every metric's values and readout need.
pub(crate) struct Prepared {
    n: usize,
    index: rustc_hash::FxHashMap<u64, usize>,
    as_of: i64,
    exposed: Vec<bool>,
    exposed_per_arm: Vec<u64>,
}

/// `f` of every metric, one task each, in the spec's order; on failure the
/// first metric's error in that order, whichever thread finished first.
fn per_metric<T: Send>(
    spec: &ExperimentSpec,
    f: impl Fn(usize, &MetricSpec) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    spec.metrics
        .par_iter()
        .enumerate()
        .map(|(k, m)| f(k, m))
        .collect::<Vec<Result<T>>>()
        .into_iter()
        .collect()
}

/// Checks the metrics' definitions.
fn check_spec(spec: &ExperimentSpec) -> Result<()> {
    ensure_config!(
        !spec.metrics.is_empty(),
        "metrics",
        "an experiment reads out at least one metric"
    );
    ensure_config!(
        spec.metrics.len() <= crate::limits::MAX_METRICS,
        "metrics",
        "an experiment reads out at most {} metrics, got {}",
        crate::limits::MAX_METRICS,
        spec.metrics.len()
    );
    for (i, m) in spec.metrics.iter().enumerate() {
        let field = format!("metrics[{i}]");
        ensure_config!(
            !spec.metrics[..i].iter().any(|o| o.name == m.name),
            field,
            "two metrics are named {:?}",
            m.name
        );
        for (what, v) in [("window", m.window), ("pre_period", m.pre_period)] {
            ensure_config!(
                v.is_none_or(|v| v > 0),
                format!("{field}.{what}"),
                "seconds > 0, got {v:?}"
            );
        }
        if let Measure::Retained { day, .. } = m.measure {
            ensure_config!(
                day <= 36_500,
                format!("{field}.measure.day"),
                "a day after exposure within a century, got {day}"
            );
            ensure_config!(
                m.window.is_none(),
                format!("{field}.window"),
                "a retained metric's window is its day: leave window out"
            );
        }
    }
    Ok(())
}

/// Checks the assignment and fixes `as_of` (`latest` gives the default).
fn prepare(
    assignment: &Assignment<'_>,
    arm_names: &[String],
    spec: &ExperimentSpec,
    latest: impl FnOnce() -> i64,
) -> Result<Prepared> {
    let n = assignment.customer.len();
    for (field, len) in [
        ("arm", assignment.arm.len()),
        ("exposed_at", assignment.exposed_at.len()),
    ] {
        if len != n {
            return Err(EngError::LengthMismatch {
                field: field.into(),
                expected: n,
                found: len,
            });
        }
    }
    check_spec(spec)?;
    // Refused before any metric's values are kept: one value per customer, metric and slot.
    let cells = n.saturating_mul(spec.metrics.len());
    ensure_config!(
        cells <= crate::limits::MAX_EXPERIMENT_CELLS,
        "metrics",
        "{n} assigned customers × {} metrics is {cells} values, more than one readout keeps \
         ({}); read out fewer metrics per call",
        spec.metrics.len(),
        crate::limits::MAX_EXPERIMENT_CELLS
    );
    // Customers by id: each once, with a named arm.
    let mut index: rustc_hash::FxHashMap<u64, usize> = rustc_hash::FxHashMap::default();
    index.reserve(n);
    for (i, (&c, &a)) in assignment.customer.iter().zip(assignment.arm).enumerate() {
        if index.insert(c, i).is_some() {
            return Err(EngError::invalid(
                "customer",
                c,
                "a customer is assigned once (the first exposure)",
            )
            .at_row(i));
        }
        if a as usize >= arm_names.len() {
            return Err(EngError::invalid(
                "arm",
                a,
                format!("an arm index names one of the {} arms", arm_names.len()),
            )
            .at_row(i));
        }
        crate::model::touchpoint::check_time("exposed_at", assignment.exposed_at[i])
            .map_err(|e| e.at_row(i))?;
    }
    let as_of = spec.as_of.unwrap_or_else(latest);
    let exposed: Vec<bool> = assignment.exposed_at.iter().map(|&t| t <= as_of).collect();
    let mut exposed_per_arm = vec![0u64; arm_names.len()];
    for (i, &a) in assignment.arm.iter().enumerate() {
        if exposed[i] {
            exposed_per_arm[a as usize] += 1;
        }
    }
    if !exposed.iter().any(|&e| e) {
        return Err(EngError::EmptyInput {
            what: format!(
                "an experiment: nobody was exposed by as_of ({})",
                crate::model::calendar::datetime_label(as_of)
            ),
            unit: "exposure".into(),
        });
    }
    Ok(Prepared {
        n,
        index,
        as_of,
        exposed,
        exposed_per_arm,
    })
}

/// A metric's counted span after an exposure at `t` (`[from, to)`), which
/// customers it counts (exposed by `as_of` and, for a window, with the window
/// ended), and its readout kind.
fn counting(
    m: &MetricSpec,
    assignment: &Assignment<'_>,
    prep: &Prepared,
) -> (impl Fn(i64) -> (i64, i64) + use<>, Vec<bool>, MetricKind) {
    let (start, length, kind) = match &m.measure {
        Measure::Retained { day, .. } => (i64::from(*day) * DAY, Some(DAY), MetricKind::Proportion),
        Measure::Conversion { .. } => (0, m.window, MetricKind::Proportion),
        Measure::Ratio { .. } => (0, m.window, MetricKind::Ratio),
        _ => (0, m.window, MetricKind::Mean),
    };
    let span = move |t: i64| {
        let from = t.saturating_add(start);
        (from, length.map_or(i64::MAX, |l| from.saturating_add(l)))
    };
    let censored = m.window.is_some() || matches!(m.measure, Measure::Retained { .. });
    let counted = (0..prep.n)
        .map(|i| {
            prep.exposed[i]
                && (!censored || span(assignment.exposed_at[i]).1 <= prep.as_of.saturating_add(1))
        })
        .collect();
    (span, counted, kind)
}

/// Metric `k`'s values per assignment row from the touchpoints given (each
/// customer's touchpoints all among them; `owner` maps each touchpoint to
/// its assignment row), and per part whether its matcher met any touchpoint.
fn metric_values(
    k: usize,
    m: &MetricSpec,
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    owner: &[Option<usize>],
    assignment: &Assignment<'_>,
    prep: &Prepared,
) -> Result<(Values, Vec<bool>)> {
    let field = format!("metrics[{k}].measure");
    let (span, counted, _) = counting(m, assignment, prep);
    let (n, as_of) = (prep.n, prep.as_of);
    let parts: Vec<(Sum, Option<&TouchMatch>)> = match &m.measure {
        Measure::Retained { matcher, .. } => vec![(Sum::Any, Some(matcher))],
        Measure::Ratio {
            numerator,
            denominator,
        } => vec![
            simple(numerator, &format!("{field}.numerator"))?,
            simple(denominator, &format!("{field}.denominator"))?,
        ],
        other => vec![simple(other, &field)?],
    };
    let mut matched = Vec::with_capacity(parts.len());
    let mut values = Values {
        post: [vec![0.0; n], vec![0.0; n]],
        pre: [vec![0.0; n], vec![0.0; n]],
    };
    for (p, (sum, matcher)) in parts.iter().enumerate() {
        ensure_config!(
            *sum != Sum::Value || !cols.value.is_empty() || cols.customer.is_empty(),
            field.clone(),
            "metric {:?} sums touchpoint values, but no value column is given",
            m.name
        );
        let match_field = format!("{field}.match");
        // No touchpoints: nothing to match (and no columns to match on).
        let matches = matcher
            .filter(|_| !cols.customer.is_empty())
            .map(|mt| row_matcher(mt, &match_field, cols, extra))
            .transpose()?;
        // Sessions: each customer's in-window times, sorted, cut at the gap.
        let mut session_times: Vec<(usize, bool, i64)> = Vec::new();
        let mut values_in_order: Vec<(usize, bool, i64, u64)> = Vec::new();
        for (r, &o) in owner.iter().enumerate() {
            let Some(i) = o else { continue };
            if !counted[i] || cols.time[r] > as_of {
                continue;
            }
            if matches.as_ref().is_some_and(|f| !f(r)) {
                continue;
            }
            let t = cols.time[r];
            let (start, end) = span(assignment.exposed_at[i]);
            let post = t >= start && t < end;
            let pre = m.pre_period.is_some_and(|w| {
                let e = assignment.exposed_at[i];
                t < e && t >= e.saturating_sub(w)
            });
            if !(post || pre) {
                continue;
            }
            let add = match sum {
                Sum::Any => 1.0,
                Sum::Count => 1.0,
                Sum::Value => {
                    // Summed below in (customer, time, value) order: the same sum
                    // whatever the rows' order.
                    let v = cols.value.get(r).copied().unwrap_or(0.0);
                    if v != 0.0 {
                        values_in_order.push((i, post, t, v.to_bits()));
                    }
                    continue;
                }
                Sum::Sessions(_) => {
                    session_times.push((i, post, t));
                    continue;
                }
            };
            let slot = if post {
                &mut values.post[p][i]
            } else {
                &mut values.pre[p][i]
            };
            if *sum == Sum::Any {
                *slot = 1.0;
            } else {
                *slot += add;
            }
        }
        matched.push(match (matcher, matches.as_ref()) {
            (Some(mt), Some(f)) if !mt.is_empty() => (0..cols.customer.len()).any(f),
            (Some(mt), None) => mt.is_empty(),
            _ => true,
        });
        values_in_order.sort_unstable();
        for &(i, post, _, bits) in &values_in_order {
            let slot = if post {
                &mut values.post[p][i]
            } else {
                &mut values.pre[p][i]
            };
            *slot += f64::from_bits(bits);
        }
        if let Sum::Sessions(gap) = sum {
            session_times.sort_unstable();
            for run in session_times.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
                let (i, post) = (run[0].0, run[0].1);
                let sessions = 1 + run.windows(2).filter(|w| w[1].2 - w[0].2 > *gap).count();
                let slot = if post {
                    &mut values.post[p][i]
                } else {
                    &mut values.pre[p][i]
                };
                *slot = sessions as f64;
            }
        }
    }
    Ok((values, matched))
}

/// The matcher of each part of a metric (numerator, denominator), `None`
/// for sessions.
fn matchers_of(m: &Measure) -> Vec<Option<&TouchMatch>> {
    match m {
        Measure::Conversion { matcher }
        | Measure::Count { matcher }
        | Measure::Value { matcher }
        | Measure::Retained { matcher, .. } => vec![Some(matcher)],
        Measure::Sessions { .. } => vec![None],
        Measure::Ratio {
            numerator,
            denominator,
        } => [numerator, denominator]
            .into_iter()
            .flat_map(|p| matchers_of(p))
            .collect(),
    }
}

/// The refusal of a metric whose part `p`'s matcher no touchpoint meets (a
/// misspelt label far more often than a metric nobody moved); `labels` lists
/// some of the data's.
fn unmatched(m: &MetricSpec, p: usize, labels: &str) -> EngError {
    let shown = matchers_of(&m.measure)
        .get(p)
        .copied()
        .flatten()
        .map(|mt| serde_json::to_string(mt).unwrap_or_default())
        .unwrap_or_default();
    EngError::EmptyInput {
        what: format!("metric {:?}: no touchpoint matches {shown}{labels}", m.name),
        unit: "matching touchpoint".into(),
    }
}

/// A metric's readout from its values per assignment row.
fn metric_readout(
    m: &MetricSpec,
    values: &Values,
    assignment: &Assignment<'_>,
    prep: &Prepared,
    arm_names: &[String],
    spec: &ExperimentSpec,
) -> Result<MetricReadout> {
    let (_, counted, kind) = counting(m, assignment, prep);
    let (n, exposed) = (prep.n, &prep.exposed);
    let rows: Vec<usize> = (0..n).filter(|&i| counted[i]).collect();
    let pick = |v: &Vec<f64>| -> Vec<f64> { rows.iter().map(|&i| v[i]).collect() };
    let arm: Vec<u32> = rows.iter().map(|&i| assignment.arm[i]).collect();
    let y = pick(&values.post[0]);
    let ratio = kind == MetricKind::Ratio;
    let d = ratio.then(|| pick(&values.post[1]));
    let x = m.pre_period.map(|_| pick(&values.pre[0]));
    let e = (ratio && m.pre_period.is_some()).then(|| pick(&values.pre[1]));
    let mut in_progress = vec![0u64; arm_names.len()];
    for i in 0..n {
        if exposed[i] && !counted[i] {
            in_progress[assignment.arm[i] as usize] += 1;
        }
    }
    let config = ReadoutConfig {
        kind,
        ..spec.readout.clone()
    };
    let columns = UnitColumns {
        arm: &arm,
        values: &y,
        denominators: d.as_deref(),
        pre_values: x.as_deref(),
        pre_denominators: e.as_deref(),
    };
    let r = readout(&columns, arm_names, &config).map_err(|e| match e {
        EngError::EmptyInput { what, unit } => EngError::EmptyInput {
            what: format!("metric {:?}: {what}", m.name),
            unit,
        },
        EngError::InvalidInput {
            field,
            index,
            value,
            reason,
        } => EngError::InvalidInput {
            field: format!("metric {:?}: {field}", m.name),
            index,
            value,
            reason,
        },
        e => e,
    })?;
    Ok(MetricReadout {
        name: m.name.clone(),
        in_progress,
        readout: r,
    })
}

/// Reads an experiment's metrics from touchpoints and reads each out.
///
/// A metric counts a customer's touchpoints from the exposure on: within
/// `window` seconds of it when a window is given, else up to `as_of`. A
/// windowed metric is censoring-aware: it counts only customers whose window
/// has ended by `as_of`, so customers exposed too recently to have converted
/// are not counted as failures (the in-progress ones are reported per arm).
/// [`Measure::Retained`] (active on day N after the exposure) likewise counts
/// only customers exposed at least N + 1 days before `as_of`.
///
/// `arm_names[k]` names arm `k` of `assignment.arm`. Touchpoints of
/// customers not in the assignment are ignored; an assigned customer without
/// touchpoints counts with zeros.
///
/// # Errors
/// As [`TouchpointColumns::validate`] and [`readout`];
/// [`EngError::LengthMismatch`] for assignment columns of different lengths;
/// [`EngError::InvalidInput`] (with the row) for a customer assigned twice,
/// an arm index without a name; [`EngError::Config`] for no metrics, two of
/// one name, a window, pre-period or gap not > 0, a retained day 0, a matcher
/// that reads columns not given, or readout settings.
///
/// # Examples
///
/// ```
/// use engagement_core::TouchpointColumns;
/// use engagement_core::journey::paths::PathColumns;
/// use engagement_core::experiment::{Assignment, ExperimentSpec, experiment_readout};
/// let day = 86_400;
/// // Customers 1–4 exposed on day 0; 2 and 4 (arm b) buy on day 1, 3 (arm a) on day 2.
/// let cols = TouchpointColumns { customer: &[2, 3, 4], time: &[day, 2 * day, day],
///     channel: &[1, 1, 1], kind: &[4, 4, 4], value: &[10.0, 5.0, 20.0], ..Default::default() };
/// let assignment = Assignment { customer: &[1, 2, 3, 4], arm: &[0, 1, 0, 1], exposed_at: &[0; 4] };
/// let spec: ExperimentSpec = serde_json::from_str(r#"{"metrics": [
///     {"name": "revenue", "measure": {"type": "value", "match": {"kinds": ["purchase"]}}}]}"#)?;
/// let names = ["a".to_string(), "b".to_string()];
/// let r = experiment_readout(&cols, &PathColumns::default(), &assignment, &names, &spec)?;
/// let arms = &r.metrics[0].readout.arms;
/// assert_eq!((arms[0].mean, arms[1].mean), (2.5, 15.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn experiment_readout(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    assignment: &Assignment<'_>,
    arm_names: &[String],
    spec: &ExperimentSpec,
) -> Result<ExperimentReadout> {
    cols.validate_log()?;
    extra.check_lengths(cols.customer.len())?;
    let prep = prepare(assignment, arm_names, spec, || {
        cols.time
            .iter()
            .chain(assignment.exposed_at)
            .copied()
            .max()
            .unwrap_or(0)
    })?;
    let index = &prep.index;
    // Each touchpoint's customer row in the assignment, once.
    let owner: Vec<Option<usize>> = cols
        .customer
        .par_iter()
        .map(|c| index.get(c).copied())
        .collect();
    // Metrics are independent: one task each, results in the spec's order.
    let read_metric = |k: usize, m: &MetricSpec| -> Result<MetricReadout> {
        let (values, matched) = metric_values(k, m, cols, extra, &owner, assignment, &prep)?;
        if let Some(p) = matched.iter().position(|&ok| !ok) {
            return Err(unmatched(
                m,
                p,
                &crate::retention::returning::some_labels(extra),
            ));
        }
        metric_readout(m, &values, assignment, &prep, arm_names, spec)
    };
    let metrics = per_metric(spec, read_metric)?;
    Ok(ExperimentReadout {
        as_of: prep.as_of,
        exposed: prep.exposed_per_arm,
        metrics,
    })
}

/// An experiment's assignment as a table a partial's spec carries: one row
/// per customer, the arm by its label.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentTable {
    /// Customer ids (each once).
    pub customer: Vec<u64>,
    /// Each customer's arm.
    pub arm: Vec<String>,
    /// When each customer was exposed (Unix seconds).
    pub exposed_at: Vec<i64>,
}

impl AssignmentTable {
    /// Arm codes and names: `arms` in their order (every label must be one),
    /// or, when `arms` is empty, the sorted labels.
    ///
    /// # Errors
    /// As [`arm_codes_in`](crate::experiment::arm_codes_in).
    pub fn coded(&self, arms: &[String]) -> Result<(Vec<u32>, Vec<String>)> {
        if arms.is_empty() {
            Ok(crate::experiment::arm_codes(&self.arm))
        } else {
            Ok((
                crate::experiment::arm_codes_in(&self.arm, arms)?,
                arms.to_vec(),
            ))
        }
    }
}

/// Slots per customer and metric in [`ExperimentValues`]: the window's
/// numerator and denominator, the pre-period's numerator and denominator.
const SLOTS: usize = 4;

/// The mergeable part of an experiment read out from touchpoints: each
/// metric's values for the customers whose touchpoints a part held (each
/// customer's touchpoints all in one part), and whether each matcher met a
/// touchpoint. Merged parts give the values one machine computes, bit for
/// bit, whatever the partitioning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentValues {
    /// Metrics in the spec.
    metrics: usize,
    /// Assignment rows with a value other than 0, ascending.
    rows: Vec<u32>,
    /// Per row, per metric, [`SLOTS`] values.
    values: Vec<f64>,
    /// Per metric, per part (numerator, denominator): a touchpoint met its
    /// matcher (or it has none).
    matched: Vec<bool>,
}

impl ExperimentValues {
    /// No touchpoints yet.
    pub(crate) fn none(spec: &ExperimentSpec) -> Self {
        ExperimentValues {
            metrics: spec.metrics.len(),
            rows: Vec::new(),
            values: Vec::new(),
            matched: vec![false; 2 * spec.metrics.len()],
        }
    }

    /// The values of one part of the touchpoints.
    pub(crate) fn of_part(
        cols: &TouchpointColumns<'_>,
        extra: &PathColumns<'_>,
        table: &AssignmentTable,
        arms: &[String],
        spec: &ExperimentSpec,
    ) -> Result<Self> {
        cols.validate_log()?;
        extra.check_lengths(cols.customer.len())?;
        let (codes, names) = table.coded(arms)?;
        let assignment = Assignment {
            customer: &table.customer,
            arm: &codes,
            exposed_at: &table.exposed_at,
        };
        let prep = prepare(&assignment, &names, spec, || spec.as_of.unwrap_or(0))?;
        let owner: Vec<Option<usize>> = cols
            .customer
            .par_iter()
            .map(|c| prep.index.get(c).copied())
            .collect();
        let per_metric = per_metric(spec, |k, m| {
            metric_values(k, m, cols, extra, &owner, &assignment, &prep)
        })?;
        let mut out = Self::none(spec);
        for (k, (_, matched)) in per_metric.iter().enumerate() {
            for (p, &ok) in matched.iter().enumerate() {
                out.matched[2 * k + p] = ok;
            }
            if matched.len() < 2 {
                out.matched[2 * k + 1] = true;
            }
        }
        for i in 0..prep.n {
            let slots = per_metric
                .iter()
                .flat_map(|(v, _)| [v.post[0][i], v.post[1][i], v.pre[0][i], v.pre[1][i]]);
            if slots.clone().any(|x| x != 0.0) {
                out.rows.push(i as u32);
                out.values.extend(slots);
            }
        }
        Ok(out)
    }

    /// Adds another part's values (of other customers).
    pub(crate) fn merge_part(&mut self, other: Self) -> Result<()> {
        if other.metrics != self.metrics {
            return Err(EngError::Incompatible {
                reason: format!(
                    "experiment parts of {} and {} metrics",
                    self.metrics, other.metrics
                ),
            });
        }
        let width = self.metrics * SLOTS;
        let (mut rows, mut values) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < self.rows.len() || j < other.rows.len() {
            let take_self =
                j >= other.rows.len() || (i < self.rows.len() && self.rows[i] < other.rows[j]);
            if i < self.rows.len() && j < other.rows.len() && self.rows[i] == other.rows[j] {
                return Err(EngError::Incompatible {
                    reason: format!(
                        "assignment row {} has touchpoints in two parts: partition the touchpoints by customer",
                        self.rows[i]
                    ),
                });
            }
            if take_self {
                rows.push(self.rows[i]);
                values.extend_from_slice(&self.values[i * width..(i + 1) * width]);
                i += 1;
            } else {
                rows.push(other.rows[j]);
                values.extend_from_slice(&other.values[j * width..(j + 1) * width]);
                j += 1;
            }
        }
        self.rows = rows;
        self.values = values;
        for (a, b) in self.matched.iter_mut().zip(other.matched) {
            *a |= b;
        }
        Ok(())
    }

    /// Checks values read back against their spec.
    pub(crate) fn check(
        &self,
        table: &AssignmentTable,
        spec: &ExperimentSpec,
    ) -> std::result::Result<(), String> {
        let m = spec.metrics.len();
        if self.metrics != m || self.matched.len() != 2 * m {
            return Err(format!(
                "values of {} metrics for a spec of {m}",
                self.metrics
            ));
        }
        if self.values.len() != self.rows.len() * m * SLOTS {
            return Err("values do not fill their rows".into());
        }
        if self.rows.windows(2).any(|w| w[0] >= w[1])
            || self
                .rows
                .last()
                .is_some_and(|&r| r as usize >= table.customer.len())
        {
            return Err("rows out of order or past the assignment".into());
        }
        if self.values.iter().any(|v| !v.is_finite()) {
            return Err("a value is not finite".into());
        }
        Ok(())
    }

    /// The readout of the merged values.
    pub(crate) fn readout(
        &self,
        table: &AssignmentTable,
        arms: &[String],
        spec: &ExperimentSpec,
    ) -> Result<ExperimentReadout> {
        let (codes, names) = table.coded(arms)?;
        let assignment = Assignment {
            customer: &table.customer,
            arm: &codes,
            exposed_at: &table.exposed_at,
        };
        let prep = prepare(&assignment, &names, spec, || spec.as_of.unwrap_or(0))?;
        let width = self.metrics * SLOTS;
        let read_metric = |k: usize, m: &MetricSpec| -> Result<MetricReadout> {
            if let Some(p) = (0..2).find(|&p| !self.matched[2 * k + p]) {
                return Err(unmatched(m, p, ""));
            }
            let n = prep.n;
            let mut values = Values {
                post: [vec![0.0; n], vec![0.0; n]],
                pre: [vec![0.0; n], vec![0.0; n]],
            };
            for (at, &row) in self.rows.iter().enumerate() {
                let v = &self.values[at * width + k * SLOTS..at * width + (k + 1) * SLOTS];
                let r = row as usize;
                (values.post[0][r], values.post[1][r]) = (v[0], v[1]);
                (values.pre[0][r], values.pre[1][r]) = (v[2], v[3]);
            }
            metric_readout(m, &values, &assignment, &prep, &names, spec)
        };
        let metrics = per_metric(spec, read_metric)?;
        Ok(ExperimentReadout {
            as_of: prep.as_of,
            exposed: prep.exposed_per_arm,
            metrics,
        })
    }
}

/// Checks what an experiment partial's spec carries.
pub(crate) fn check_partial_spec(spec: &ExperimentSpec, table: &AssignmentTable) -> Result<()> {
    ensure_config!(
        spec.as_of.is_some(),
        "spec.as_of",
        "an experiment partial needs as_of (Unix seconds): each part would otherwise end \
         observation at its own latest touchpoint"
    );
    check_spec(spec)?;
    let n = table.customer.len();
    for (field, len) in [
        ("assignment.arm", table.arm.len()),
        ("assignment.exposed_at", table.exposed_at.len()),
    ] {
        if len != n {
            return Err(EngError::LengthMismatch {
                field: field.into(),
                expected: n,
                found: len,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_past_their_bounds_are_refused_before_any_values() {
        let spec = |m: usize| -> ExperimentSpec {
            let metrics: Vec<String> = (0..m)
                .map(|j| format!(r#"{{"name": "m{j}", "measure": {{"type": "value"}}}}"#))
                .collect();
            serde_json::from_str(&format!(r#"{{"metrics": [{}]}}"#, metrics.join(","))).unwrap()
        };
        let names = ["a".to_string(), "b".to_string()];
        let cols = TouchpointColumns {
            customer: &[1],
            time: &[10],
            channel: &[1],
            kind: &[4],
            value: &[1.0],
            ..Default::default()
        };
        let small = Assignment {
            customer: &[1, 2],
            arm: &[0, 1],
            exposed_at: &[0; 2],
        };
        let e = experiment_readout(&cols, &PathColumns::default(), &small, &names, &spec(1001))
            .unwrap_err();
        assert!(
            e.kind() == "config" && e.to_string().contains("at most 1000 metrics"),
            "{e}"
        );
        // 100 001 customers × 1000 metrics is past 10⁸ values: refused at once, without the
        // 3.2 GB the values would take.
        let n = 100_001usize;
        let customer: Vec<u64> = (1..=n as u64).collect();
        let arm: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let exposed_at = vec![0i64; n];
        let big = Assignment {
            customer: &customer,
            arm: &arm,
            exposed_at: &exposed_at,
        };
        let e = experiment_readout(&cols, &PathColumns::default(), &big, &names, &spec(1000))
            .unwrap_err();
        assert!(
            e.kind() == "config"
                && e.to_string()
                    .contains("100001 assigned customers × 1000 metrics"),
            "{e}"
        );
    }

    #[test]
    fn row_order_does_not_change_a_single_bit() {
        // Customer 1's values sum to other bits when added in reverse order.
        let value: [f64; 8] = [0.1, 0.2, 0.3, 0.05, 1e11, 0.7, 7.0, 3.3];
        let forward_sum = value[..6].iter().fold(0.0f64, |a, v| a + v);
        let backward_sum = value[..6].iter().rev().fold(0.0f64, |a, v| a + v);
        assert_ne!(forward_sum.to_bits(), backward_sum.to_bits());
        let customer = [1, 1, 1, 1, 1, 1, 2, 3];
        let time = [10, 11, 12, 13, 14, 15, 10, 20];
        let kind = [4u8; 8];
        let channel = [1u8; 8];
        let spec: ExperimentSpec = serde_json::from_str(
            r#"{"metrics": [
                {"name": "revenue", "measure": {"type": "value"}},
                {"name": "per_session", "measure": {"type": "ratio", "numerator": {"type": "value"},
                 "denominator": {"type": "sessions", "gap": 15}}}]}"#,
        )
        .unwrap();
        let names = ["a".to_string(), "b".to_string()];
        let assignment = Assignment {
            customer: &[1, 2, 3, 4],
            arm: &[0, 1, 0, 1],
            exposed_at: &[0; 4],
        };
        let run = |order: &[usize]| {
            let pick = |c: &[u64]| order.iter().map(|&i| c[i]).collect::<Vec<_>>();
            let (cu, ti): (Vec<u64>, Vec<i64>) =
                (pick(&customer), order.iter().map(|&i| time[i]).collect());
            let va: Vec<f64> = order.iter().map(|&i| value[i]).collect();
            let cols = TouchpointColumns {
                customer: &cu,
                time: &ti,
                channel: &channel,
                kind: &kind,
                value: &va,
                ..Default::default()
            };
            experiment_readout(&cols, &PathColumns::default(), &assignment, &names, &spec).unwrap()
        };
        let forward: Vec<usize> = (0..8).collect();
        let backward: Vec<usize> = (0..8).rev().collect();
        let shuffled = [3, 6, 0, 5, 2, 7, 1, 4];
        let f = run(&forward);
        assert_eq!(f, run(&backward));
        assert_eq!(f, run(&shuffled));
    }

    #[test]
    fn a_matcher_nothing_meets_names_the_data_labels() {
        let mut dict = crate::EventDictionary::new();
        let codes = dict.intern_all(&["visit", "purchase", "visit"]).unwrap();
        let cols = TouchpointColumns {
            customer: &[1, 2, 3],
            time: &[10, 20, 30],
            value: &[0.0, 9.0, 0.0],
            ..Default::default()
        };
        let extra = PathColumns {
            events: Some(crate::EventColumn::new(&codes, &dict).unwrap()),
            ..Default::default()
        };
        let assignment = Assignment {
            customer: &[1, 2, 3, 4],
            arm: &[0, 1, 0, 1],
            exposed_at: &[0; 4],
        };
        let names = ["a".to_string(), "b".to_string()];
        let spec = |json: &str| -> ExperimentSpec { serde_json::from_str(json).unwrap() };
        let e = experiment_readout(
            &cols,
            &extra,
            &assignment,
            &names,
            &spec(r#"{"metrics": [{"name": "bought", "measure": {"type": "conversion", "match": {"events": ["purchse"]}}}]}"#),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("the data's event labels: purchase, visit"),
            "{e}"
        );
        // Day 0 is the first 24 hours; the session gap defaults to 30 minutes.
        let r = experiment_readout(
            &cols,
            &extra,
            &assignment,
            &names,
            &spec(r#"{"metrics": [{"name": "d0", "measure": {"type": "retained", "day": 0}},
                                   {"name": "s", "measure": {"type": "sessions"}}], "as_of": 86400}"#),
        )
        .unwrap();
        assert_eq!(r.metrics[0].readout.arms[0].mean, 1.0);
        assert_eq!(r.metrics[1].readout.arms[1].mean, 0.5);
        // Nobody exposed by as_of.
        let late = Assignment {
            exposed_at: &[100; 4],
            ..assignment
        };
        let e = experiment_readout(
            &cols,
            &extra,
            &late,
            &names,
            &spec(r#"{"metrics": [{"name": "s", "measure": {"type": "sessions"}}], "as_of": 50}"#),
        )
        .unwrap_err();
        assert!(e.to_string().contains("nobody was exposed"), "{e}");
    }
}
