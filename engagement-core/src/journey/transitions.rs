//! Transition analysis of customer journeys: first-order transition matrices
//! between touchpoint channels or kinds and between journey stages, the step
//! matrix (what customers do at their k-th event) and the most common paths.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::journey::StageHistory;
use crate::model::{Channel, Code, JourneyStage, TouchpointKind};

/// Which label of a touchpoint makes up a journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceBy {
    /// The channel (`email`, `web` …).
    #[default]
    Channel,
    /// The kind (`open`, `click`, `purchase` …).
    Kind,
}

/// A first-order transition matrix with labels.
///
/// Equality treats the NaN probabilities of rows without a transition as
/// equal, so a matrix equals itself and its JSON round trip (and so do the
/// [`JourneySequences`] that hold it).
///
/// # Examples
///
/// ```
/// use engagement_core::journey::transitions::TransitionMatrix;
/// // a → b once; b leads nowhere, so its row of probabilities is NaN (null in JSON).
/// let m = TransitionMatrix {
///     labels: vec!["a".into(), "b".into()],
///     counts: vec![0, 1, 0, 0],
///     probabilities: vec![0.0, 1.0, f64::NAN, f64::NAN],
/// };
/// let json = serde_json::to_string(&m)?;
/// assert!(json.contains("null"));
/// assert_eq!(serde_json::from_str::<TransitionMatrix>(&json)?, m);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransitionMatrix {
    /// Row and column labels.
    pub labels: Vec<String>,
    /// Row-major counts: `counts[from · n + to]` consecutive pairs.
    pub counts: Vec<u64>,
    /// Row-normalised probabilities; NaN (null in JSON) for a row with no
    /// outgoing transition.
    #[serde(with = "crate::limits::nan_cells")]
    pub probabilities: Vec<f64>,
}

impl PartialEq for TransitionMatrix {
    fn eq(&self, other: &Self) -> bool {
        self.labels == other.labels
            && self.counts == other.counts
            && crate::limits::same_cells(&self.probabilities, &other.probabilities)
    }
}

impl TransitionMatrix {
    fn from_counts(labels: Vec<String>, counts: Vec<u64>) -> TransitionMatrix {
        let n = labels.len();
        let mut probabilities = vec![f64::NAN; n * n];
        for from in 0..n {
            let total: u64 = counts[from * n..(from + 1) * n].iter().sum();
            if total > 0 {
                for to in 0..n {
                    probabilities[from * n + to] = counts[from * n + to] as f64 / total as f64;
                }
            }
        }
        TransitionMatrix {
            labels,
            counts,
            probabilities,
        }
    }
}

/// Settings of [`journey_sequences`].
///
/// | setting | default |
/// |---|---|
/// | `by` | `channel` |
/// | `steps` | 10 (columns of the step matrix) |
/// | `path_length` | 5 (events per path; longer journeys are cut) |
/// | `top_paths` | 10 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SequenceConfig {
    /// The label each touchpoint contributes.
    pub by: SequenceBy,
    /// Steps of the step matrix.
    pub steps: u32,
    /// Events per path in `top_paths`.
    pub path_length: u32,
    /// Paths listed.
    pub top_paths: u32,
}

impl SequenceConfig {
    /// Checks every setting.
    ///
    /// # Errors
    /// [`EngError::Config`] for `steps`, `path_length` or `top_paths`
    /// outside 1..=1000.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::transitions::SequenceConfig;
    /// assert!(SequenceConfig::default().validate().is_ok());
    /// assert!(SequenceConfig { steps: 0, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_config(self)
    }
}

impl Default for SequenceConfig {
    fn default() -> Self {
        SequenceConfig {
            by: SequenceBy::Channel,
            steps: 10,
            path_length: 5,
            top_paths: 10,
        }
    }
}

/// Transitions, step matrix and common paths of touchpoint journeys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JourneySequences {
    /// Transitions between consecutive touchpoints of a customer.
    pub transitions: TransitionMatrix,
    /// Step matrix rows: the labels, then `end` (the journey had ended).
    pub step_labels: Vec<String>,
    /// Row-major `step_labels × steps`: share of customers whose k-th event
    /// (k = 1 … `steps`, one column each) has the row's label.
    pub step_matrix: Vec<f64>,
    /// Columns of the step matrix.
    pub steps: u32,
    /// The most common paths (first `path_length` events), most frequent
    /// first, ties by path.
    pub paths: Vec<Vec<String>>,
    /// Customers following each path.
    pub path_counts: Vec<u64>,
    /// Customers with at least one touchpoint.
    pub customers: u64,
}

/// The mergeable counts of journey sequences over some customers (see
/// [`crate::partial`]): transitions, customers at each step, every distinct
/// path (cut to `path_length`) with its customers. Merging adds them, so any
/// split of the customers and any merge order give the same result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SequenceCounts {
    pub(crate) counts: Vec<u64>,
    pub(crate) at_step: Vec<u64>,
    pub(crate) paths: std::collections::BTreeMap<Vec<u8>, u64>,
    pub(crate) customers: u64,
}

impl SequenceCounts {
    pub(crate) fn new(config: &SequenceConfig) -> Self {
        let k = labels_of(config.by).len();
        SequenceCounts {
            counts: vec![0; k * k],
            at_step: vec![0; (k + 1) * config.steps as usize],
            paths: std::collections::BTreeMap::new(),
            customers: 0,
        }
    }

    pub(crate) fn merge(&mut self, other: SequenceCounts) {
        let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        self.counts
            .iter_mut()
            .zip(other.counts)
            .for_each(|(a, b)| add(a, b));
        self.at_step
            .iter_mut()
            .zip(other.at_step)
            .for_each(|(a, b)| add(a, b));
        for (path, c) in other.paths {
            add(self.paths.entry(path).or_insert(0), c);
        }
        add(&mut self.customers, other.customers);
    }

    /// An error unless the counts fit `config`.
    pub(crate) fn check(&self, config: &SequenceConfig) -> std::result::Result<(), String> {
        let k = labels_of(config.by).len();
        if self.counts.len() != k * k || self.at_step.len() != (k + 1) * config.steps as usize {
            return Err("sequence counts of another shape than the configuration's".into());
        }
        for path in self.paths.keys() {
            if path.is_empty()
                || path.len() > config.path_length as usize
                || path.iter().any(|&c| usize::from(c) >= k)
            {
                return Err("a path that is empty, too long or has an unknown label".into());
            }
        }
        let at_step0: u64 = (0..=k)
            .map(|row| {
                self.at_step
                    .get(row * config.steps as usize)
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        if config.steps > 0 && at_step0 != self.customers {
            return Err("step counts do not add up to the customers".into());
        }
        Ok(())
    }

    /// The result; [`EngError::EmptyInput`] when no customer was counted.
    pub(crate) fn finish(&self, config: &SequenceConfig) -> Result<JourneySequences> {
        if self.customers == 0 {
            return Err(EngError::EmptyInput {
                what: "journey sequences".into(),
                unit: "touchpoint".into(),
            });
        }
        let labels = labels_of(config.by);
        let customers = self.customers;
        let mut ranked: Vec<(&Vec<u8>, u64)> = self.paths.iter().map(|(p, &c)| (p, c)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        ranked.truncate(config.top_paths as usize);
        let mut step_labels = labels.clone();
        step_labels.push("end".into());
        Ok(JourneySequences {
            step_matrix: self
                .at_step
                .iter()
                .map(|&c| c as f64 / customers as f64)
                .collect(),
            steps: config.steps,
            step_labels,
            paths: ranked
                .iter()
                .map(|(p, _)| p.iter().map(|&c| labels[usize::from(c)].clone()).collect())
                .collect(),
            path_counts: ranked.iter().map(|(_, c)| *c).collect(),
            transitions: TransitionMatrix::from_counts(labels, self.counts.clone()),
            customers,
        })
    }
}

fn labels_of(by: SequenceBy) -> Vec<String> {
    match by {
        SequenceBy::Channel => Channel::ALL.iter().map(|c| c.label().to_string()).collect(),
        SequenceBy::Kind => TouchpointKind::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
    }
}

/// Checks a sequence configuration alone.
pub(crate) fn check_config(config: &SequenceConfig) -> Result<()> {
    for (name, v) in [
        ("steps", config.steps),
        ("path_length", config.path_length),
        ("top_paths", config.top_paths),
    ] {
        ensure_config!(
            (1..=1000).contains(&v),
            name,
            "must be in 1..=1000, got {v}"
        );
    }
    Ok(())
}

/// Transition matrix, step matrix and most common paths of the customers'
/// touchpoint journeys (each customer's touchpoints in time order; equal
/// times by the rule of [`TouchpointColumns`](crate::TouchpointColumns),
/// "Equal times").
///
/// # Errors
/// As [`TouchpointColumns::validate`](crate::TouchpointColumns::validate);
/// [`EngError::EmptyInput`] for no touchpoints; [`EngError::Config`] for
/// `steps`, `path_length` or `top_paths` outside 1..=1000.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::transitions::{SequenceConfig, journey_sequences};
/// let (e, w) = (Channel::Email as u8, Channel::Web as u8);
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 1, 2, 2],
///     time: &[0, 10, 20, 0, 5],
///     channel: &[e, w, w, e, w],
///     kind: &[K::Open as u8, K::Visit as u8, K::Purchase as u8, K::Open as u8, K::Visit as u8],
///     ..Default::default()
/// };
/// let s = journey_sequences(&cols, &SequenceConfig::default())?;
/// let n = s.transitions.labels.len();
/// let (ei, wi) = (e as usize, w as usize);
/// assert_eq!(s.transitions.counts[ei * n + wi], 2);     // email → web twice
/// assert_eq!(s.transitions.probabilities[wi * n + wi], 1.0);
/// assert_eq!(s.paths[0], ["email", "web"]);             // customer 2's path; customer 1's is longer
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn journey_sequences(
    cols: &crate::TouchpointColumns<'_>,
    config: &SequenceConfig,
) -> Result<JourneySequences> {
    sequence_counts(cols, config)?.finish(config)
}

/// The mergeable counts of [`journey_sequences`] (empty input gives empty counts).
pub(crate) fn sequence_counts(
    cols: &crate::TouchpointColumns<'_>,
    config: &SequenceConfig,
) -> Result<SequenceCounts> {
    cols.validate()?;
    check_config(config)?;
    let code = |i: usize| match config.by {
        SequenceBy::Channel => usize::from(cols.channel[i]),
        SequenceBy::Kind => usize::from(cols.kind[i]),
    };
    let k = labels_of(config.by).len();
    let steps = config.steps as usize;
    let records = cols.journey_records(&Default::default(), |i| Some(code(i) as u32))?;
    let path_length = config.path_length as usize;
    // One partial count per run of customers, in parallel, merged in order.
    let parts: Vec<SequenceCounts> = {
        use rayon::prelude::*;
        crate::model::customer_runs(&records)
            .into_par_iter()
            .map(|run| {
                let mut p = SequenceCounts::new(config);
                // Hashing per customer, ordering once per distinct path.
                let mut paths: rustc_hash::FxHashMap<Vec<u8>, u64> = Default::default();
                for journey in run.chunk_by(|a, b| a.customer == b.customer) {
                    p.customers += 1;
                    for pair in journey.windows(2) {
                        p.counts[pair[0].payload as usize * k + pair[1].payload as usize] += 1;
                    }
                    for step in 0..steps {
                        let row = journey.get(step).map_or(k, |r| r.payload as usize);
                        p.at_step[row * steps + step] += 1;
                    }
                    // Labels are fewer than 256: a byte each.
                    let path: Vec<u8> = journey
                        .iter()
                        .take(path_length)
                        .map(|r| r.payload as u8)
                        .collect();
                    *paths.entry(path).or_insert(0) += 1;
                }
                p.paths.extend(paths);
                p
            })
            .collect()
    };
    let mut total = SequenceCounts::new(config);
    for p in parts {
        total.merge(p);
    }
    Ok(total)
}

/// Transitions between journey stages: each customer's consecutive entries
/// of a [`StageHistory`] in time order. Rows may come in any order (the
/// history `StageRules::history` writes is already by customer and time);
/// entries of one customer at the same time keep their input order.
///
/// # Errors
/// [`EngError::LengthMismatch`] when the history's columns differ in length;
/// [`EngError::InvalidInput`] for an `entered_at` outside 1970..3000.
///
/// # Examples
///
/// ```
/// use engagement_core::{JourneyStage as S, StageHistory};
/// use engagement_core::journey::transitions::stage_transitions;
/// let h = StageHistory {
///     customer: vec![1, 1, 1, 2, 2],
///     stage: vec![S::Prospect, S::NewCustomer, S::AtRisk, S::Prospect, S::NewCustomer],
///     entered_at: vec![0, 5, 9, 0, 3],
///     until: 10,
/// };
/// let m = stage_transitions(&h)?;
/// let n = m.labels.len();
/// assert_eq!(m.counts[S::Prospect as usize * n + S::NewCustomer as usize], 2);
/// assert_eq!(m.probabilities[S::NewCustomer as usize * n + S::AtRisk as usize], 1.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn stage_transitions(history: &StageHistory) -> Result<TransitionMatrix> {
    let n = history.customer.len();
    for (field, len) in [
        ("stage", history.stage.len()),
        ("entered_at", history.entered_at.len()),
    ] {
        if len != n {
            return Err(EngError::LengthMismatch {
                field: field.into(),
                expected: n,
                found: len,
            });
        }
    }
    let time_ok = |t: i64| (crate::model::MIN_TIME..=crate::model::MAX_TIME).contains(&t);
    if let Some(i) = history.entered_at.iter().position(|&t| !time_ok(t)) {
        return Err(EngError::invalid(
            "entered_at",
            history.entered_at[i],
            "must be a Unix time in 1970-01-01..3000-01-01",
        )
        .at_row(i));
    }
    // Rows in any order: each customer's entries are taken in time order
    // (equal times keep their input order), as the stage history writes them.
    let ordered = history
        .customer
        .windows(2)
        .zip(history.entered_at.windows(2))
        .all(|(c, t)| c[0] < c[1] || (c[0] == c[1] && t[0] <= t[1]));
    let mut order: Vec<usize> = (0..n).collect();
    if !ordered {
        order.sort_by_key(|&i| (history.customer[i], history.entered_at[i]));
    }
    let labels: Vec<String> = JourneyStage::ALL
        .iter()
        .map(|s| s.label().to_string())
        .collect();
    let k = labels.len();
    let mut counts = vec![0u64; k * k];
    for w in order.windows(2) {
        let (a, b) = (w[0], w[1]);
        if history.customer[a] == history.customer[b] {
            counts[history.stage[a].code() as usize * k + history.stage[b].code() as usize] += 1;
        }
    }
    Ok(TransitionMatrix::from_counts(labels, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_matrix_columns_sum_to_one_and_bad_config_is_typed() {
        let cols = crate::TouchpointColumns {
            customer: &[3, 1, 1, 2],
            time: &[0, 5, 1, 9],
            channel: &[0, 1, 2, 3],
            kind: &[0, 1, 2, 3],
            ..Default::default()
        };
        let s = journey_sequences(&cols, &SequenceConfig::default()).unwrap();
        let rows = s.step_labels.len();
        for step in 0..s.steps as usize {
            let total: f64 = (0..rows)
                .map(|r| s.step_matrix[r * s.steps as usize + step])
                .sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
        assert_eq!(s.customers, 3);
        // Customer 1's touchpoints in time order: channel 2 (t = 1), then 1 (t = 5).
        let n = s.transitions.labels.len();
        assert_eq!(s.transitions.counts[2 * n + 1], 1);
        let bad = SequenceConfig {
            steps: 0,
            ..Default::default()
        };
        assert!(journey_sequences(&cols, &bad).is_err());
        assert!(
            journey_sequences(
                &crate::TouchpointColumns::default(),
                &SequenceConfig::default()
            )
            .is_err()
        );
    }
}
