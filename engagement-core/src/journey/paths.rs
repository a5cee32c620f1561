//! Path analysis over any dimension of a touchpoint (a product's own event,
//! channel, kind, campaign, or a combination such as `channel:event`), per
//! customer or per session: the transition graph with `path_start` and
//! `path_end`, its weights (transitions, paths, customers), the share of
//! each node's ways out and in, times between events, the step matrix and
//! the most common paths.
//!
//! A *path* is a customer's touchpoints in time order (equal times by the
//! rule of [`TouchpointColumns`], "Equal times"),
//! or with `per: "session"` one session's. Each path starts at `path_start`
//! and ends at `path_end`, so the first and last events are edges too.

use std::fmt;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{EngError, Result, ensure_config};
use crate::journey::sessions::{SessionConfig, sessionize, sessions_by_id};
use crate::model::{Channel, Code, EventColumn, TieColumns, TouchpointColumns, TouchpointKind};

/// One part of a dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DimensionPart {
    /// The product's own event label.
    Event,
    /// The channel (`email`, `web` …).
    Channel,
    /// The kind (`open`, `click`, `purchase` …).
    Kind,
    /// The campaign id (0: none), written in decimal.
    Campaign,
}

impl DimensionPart {
    const ALL: [(DimensionPart, &'static str); 4] = [
        (DimensionPart::Event, "event"),
        (DimensionPart::Channel, "channel"),
        (DimensionPart::Kind, "kind"),
        (DimensionPart::Campaign, "campaign"),
    ];

    fn name(self) -> &'static str {
        Self::ALL.iter().find(|p| p.0 == self).map_or("", |p| p.1)
    }
}

/// What labels a path's nodes: one part (`"event"`, `"channel"`, `"kind"`,
/// `"campaign"`) or several joined by `:` (`"channel:event"` labels a node
/// `web:add_to_cart`). The default is `"event"`.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::paths::Dimension;
/// let d: Dimension = "channel:event".parse()?;
/// assert_eq!(d.to_string(), "channel:event");
/// assert_eq!(serde_json::from_str::<Dimension>(r#""kind""#)?, "kind".parse()?);
/// assert!("channel:page".parse::<Dimension>().unwrap_err().to_string().contains("event, channel, kind, campaign"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dimension(Vec<DimensionPart>);

impl Default for Dimension {
    fn default() -> Self {
        Dimension(vec![DimensionPart::Event])
    }
}

impl Dimension {
    /// The parts, in label order.
    pub fn parts(&self) -> &[DimensionPart] {
        &self.0
    }

    /// True when the dimension reads event labels.
    pub fn needs_events(&self) -> bool {
        self.0.contains(&DimensionPart::Event)
    }

    /// The channel alone (attribution's default).
    pub fn channel() -> Self {
        Dimension(vec![DimensionPart::Channel])
    }

    /// An error unless the columns this dimension reads are given.
    pub(crate) fn check_columns(&self, extra: &PathColumns<'_>) -> Result<()> {
        ensure_config!(
            !self.needs_events() || extra.events.is_some(),
            "by",
            "by = {self} reads event labels, which were not given (give an event column, or choose channel, kind or campaign)"
        );
        ensure_config!(
            !self.0.contains(&DimensionPart::Campaign) || !extra.campaign.is_empty(),
            "by",
            "{self} reads campaign ids, which were not given"
        );
        Ok(())
    }
}

impl std::str::FromStr for Dimension {
    type Err = EngError;

    fn from_str(s: &str) -> Result<Self> {
        let mut parts = Vec::new();
        for name in s.split(':') {
            let part = DimensionPart::ALL
                .iter()
                .find(|p| p.1 == name.trim())
                .ok_or_else(|| {
                    EngError::unknown_label(
                        "dimension",
                        name,
                        DimensionPart::ALL.iter().map(|p| p.1),
                    )
                })?
                .0;
            if parts.contains(&part) {
                return Err(EngError::config(
                    "by",
                    format!("{} appears twice in {s:?}", part.name()),
                ));
            }
            parts.push(part);
        }
        Ok(Dimension(parts))
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|p| p.name()).collect();
        f.write_str(&names.join(":"))
    }
}

impl Serialize for Dimension {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Dimension {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The unit a path follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// A customer's whole journey is one path (the default).
    #[default]
    Customer,
    /// Each session is a path (see [`SessionConfig`], or session ids given).
    Session,
}

/// Settings of [`path_analysis`].
///
/// | setting | default |
/// |---|---|
/// | `by` | `"event"` (see [`Dimension`]) |
/// | `per` | `"customer"` (or `"session"`) |
/// | `session` | `{"gap": 1800}`: used with `per: "session"` when no session ids are given |
/// | `collapse_repeats` | false: with true, consecutive touchpoints of one label count once (the first of them) |
/// | `anchor` | none: `{"label": "add_to_cart", "side": "after", "offset": 0}` keeps each path from its first `add_to_cart` on (`"before"`: up to it), with `offset` events of context on the other side; paths without it are left out |
/// | `steps` | 10 (columns of the step matrix) |
/// | `path_length` | 5 (events per listed path; longer paths are cut) |
/// | `top_paths` | 10 |
/// | `step_flows` | false: with true, the result also counts the paths going from each label at step k to each at step k + 1 ([`StepFlows`], what a step Sankey draws) |
///
/// # Examples
///
/// ```
/// use engagement_core::journey::paths::{PathConfig, Per};
/// let c: PathConfig = serde_json::from_str(r#"{"by": "channel:event", "per": "session", "session": {"gap": 600}}"#)?;
/// assert_eq!((c.per, c.session.gap, c.steps), (Per::Session, 600, 10));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathConfig {
    /// What labels a node.
    pub by: Dimension,
    /// Customer or session paths.
    pub per: Per,
    /// How sessions are cut when no session ids are given.
    pub session: SessionConfig,
    /// Count a run of one label once.
    pub collapse_repeats: bool,
    /// Cut each path at its first node with this label (see [`Anchor`]).
    pub anchor: Option<Anchor>,
    /// Columns of the step matrix.
    pub steps: u32,
    /// Events per listed path.
    pub path_length: u32,
    /// Paths listed.
    pub top_paths: u32,
    /// Count the flows between consecutive steps (see [`StepFlows`]).
    pub step_flows: bool,
}

impl Default for PathConfig {
    fn default() -> Self {
        PathConfig {
            by: Dimension::default(),
            per: Per::Customer,
            session: SessionConfig::default(),
            collapse_repeats: false,
            anchor: None,
            steps: 10,
            path_length: 5,
            top_paths: 10,
            step_flows: false,
        }
    }
}

impl PathConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the setting: `steps`, `path_length` or
    /// `top_paths` outside 1..=1000, or a bad session gap.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("steps", self.steps),
            ("path_length", self.path_length),
            ("top_paths", self.top_paths),
        ] {
            ensure_config!(
                (1..=1000).contains(&v),
                name,
                "must be in 1..=1000, got {v}"
            );
        }
        self.session.validate()
    }
}

/// Where paths are cut: at the first node labelled `label` (a label of the
/// dimension, e.g. `web:add_to_cart` for `channel:event`), keeping what comes
/// after it (the anchor is then step 1) or before it (the anchor is the last
/// step), and `offset` nodes of context on the other side. Paths without the
/// label are left out of every count.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::paths::{Anchor, AnchorSide};
/// let a: Anchor = serde_json::from_str(r#"{"label": "cart", "side": "before", "offset": 1}"#)?;
/// assert_eq!((a.side, a.offset), (AnchorSide::Before, 1));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The anchor's label.
    pub label: String,
    /// Keep what follows (the default) or what precedes it.
    #[serde(default)]
    pub side: AnchorSide,
    /// Nodes of context kept on the other side of the anchor.
    #[serde(default)]
    pub offset: u32,
}

/// Which part of a path an [`Anchor`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorSide {
    /// From the anchor on.
    #[default]
    After,
    /// Up to the anchor.
    Before,
}

/// The columns a path analysis reads beside the touchpoints: event labels,
/// campaign ids and session ids, each optional. An event log without
/// channels and kinds leaves both touchpoint columns empty: every touchpoint
/// is then channel `other`, kind `other`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PathColumns<'a> {
    /// Event label per row (needed when the dimension has `event`).
    pub events: Option<EventColumn<'a>>,
    /// Campaign id per row (empty: none; needed for `campaign`).
    pub campaign: &'a [u64],
    /// Session id per row (empty: sessions are cut by the gap).
    pub session: &'a [u64],
}

impl PathColumns<'_> {
    /// An error unless each column given has `n` rows.
    pub(crate) fn check_lengths(&self, n: usize) -> Result<()> {
        let lengths = [
            ("event", self.events.map(|e| e.codes().len())),
            (
                "campaign",
                (!self.campaign.is_empty()).then_some(self.campaign.len()),
            ),
            (
                "session",
                (!self.session.is_empty()).then_some(self.session.len()),
            ),
        ];
        for (field, len) in lengths {
            if let Some(len) = len.filter(|&l| l != n) {
                return Err(EngError::LengthMismatch {
                    field: field.into(),
                    expected: n,
                    found: len,
                });
            }
        }
        Ok(())
    }
}

/// Two sorted label lists united (sorted, distinct), with where each side's
/// labels went: what merging two parts' counts renumbers them by.
pub(crate) fn unite_labels(a: &[String], b: &[String]) -> (Vec<String>, Vec<u32>, Vec<u32>) {
    let mut all: Vec<String> = a.iter().chain(b).cloned().collect();
    all.sort_unstable();
    all.dedup();
    let ids = |labels: &[String]| -> Vec<u32> {
        labels
            .iter()
            .map(|l| all.binary_search(l).map_or(0, |i| i as u32))
            .collect()
    };
    let (mine, theirs) = (ids(a), ids(b));
    (all, mine, theirs)
}

/// The label of `path_start`, the node every path begins at.
pub const PATH_START: &str = "path_start";
/// The label of `path_end`, the node every path ends at.
pub const PATH_END: &str = "path_end";

/// The transition graph's edges, sorted by source then target (as indices
/// into [`PathAnalysis::labels`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PathEdges {
    /// Source node.
    pub from: Vec<u32>,
    /// Target node.
    pub to: Vec<u32>,
    /// Transitions: times a path went from the source straight to the target.
    pub count: Vec<u64>,
    /// Paths with at least one such transition.
    pub paths: Vec<u64>,
    /// Customers with at least one such transition.
    pub customers: Vec<u64>,
    /// `count` over all transitions out of the source (`path_end` included):
    /// the probability of going to the target from the source.
    pub proba_out: Vec<f64>,
    /// `count` over all transitions into the target (`path_start` included).
    pub proba_in: Vec<f64>,
    /// Median seconds between the two touchpoints (None on `path_start` and
    /// `path_end` edges); quantiles interpolate linearly between ranks.
    pub median_seconds: Vec<Option<f64>>,
    /// 95th percentile of the seconds between the two touchpoints.
    pub p95_seconds: Vec<Option<f64>>,
}

/// The difference of two step matrices ([`PathAnalysis::step_diff`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDiff {
    /// Rows: the labels of either analysis in text order, then `path_end`.
    pub labels: Vec<String>,
    /// Columns.
    pub steps: u32,
    /// Row-major `labels × steps`: the first group's share minus the second's.
    pub diff: Vec<f64>,
}

/// The difference of two step matrices given as their node labels (data
/// labels, then `path_start` and `path_end`, as [`PathAnalysis::labels`]) and
/// row-major cells of `steps` columns; see [`PathAnalysis::step_diff`].
///
/// # Errors
/// [`EngError::LengthMismatch`] for a matrix whose size is not its labels ×
/// `steps`; [`EngError::InvalidInput`] for labels without `path_start` and
/// `path_end` last.
pub fn step_matrix_diff(
    a: (&[String], &[f64]),
    b: (&[String], &[f64]),
    steps: u32,
) -> Result<StepDiff> {
    let steps_n = steps as usize;
    for (labels, cells) in [a, b] {
        let n = labels.len();
        if n < 2 || labels[n - 2] != PATH_START || labels[n - 1] != PATH_END {
            return Err(EngError::invalid(
                "labels",
                n,
                "must end with path_start and path_end, as a path analysis gives them",
            ));
        }
        if cells.len() != n * steps_n {
            return Err(EngError::LengthMismatch {
                field: "step_matrix".into(),
                expected: n * steps_n,
                found: cells.len(),
            });
        }
    }
    let data = |l: &[String]| l[..l.len() - 2].to_vec();
    let mut labels: Vec<String> = data(a.0).into_iter().chain(data(b.0)).collect();
    labels.sort_unstable();
    labels.dedup();
    labels.push(PATH_END.into());
    let mut diff = vec![0.0; labels.len() * steps_n];
    for (sign, (names, cells)) in [(1.0, a), (-1.0, b)] {
        let at: FxHashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        for (row, label) in labels.iter().enumerate() {
            // path_end is the last of each side's labels (a data label may also read "path_end").
            let from = if row + 1 == labels.len() {
                Some(names.len() - 1)
            } else {
                at.get(label.as_str())
                    .copied()
                    .filter(|&i| i < names.len() - 2)
            };
            if let Some(from) = from {
                for k in 0..steps_n {
                    diff[row * steps_n + k] += sign * cells[from * steps_n + k];
                }
            }
        }
    }
    Ok(StepDiff {
        labels,
        steps,
        diff,
    })
}

/// Result of [`path_analysis`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathAnalysis {
    /// The dimension the labels are of.
    pub by: Dimension,
    /// Customer or session paths.
    pub per: Per,
    /// Node labels: the data's labels in label order, then `path_start` and
    /// `path_end`.
    pub labels: Vec<String>,
    /// The transition graph.
    pub edges: PathEdges,
    /// Columns of the step matrix.
    pub steps: u32,
    /// Row-major `labels × steps`: the share of paths whose k-th event
    /// (k = 1 … `steps`) has the row's label; the `path_end` row holds the
    /// paths that had ended (the `path_start` row is 0). Each column sums to 1.
    pub step_matrix: Vec<f64>,
    /// The most common paths (first `path_length` events), most frequent
    /// first, ties in label order.
    pub top_paths: Vec<Vec<String>>,
    /// Paths following each of `top_paths`.
    pub top_path_counts: Vec<u64>,
    /// Paths (customers, or sessions with `per: "session"`).
    pub paths: u64,
    /// Customers.
    pub customers: u64,
    /// With `step_flows`: the paths from each node at step k to each at
    /// step k + 1.
    #[serde(default)]
    pub step_flows: Option<StepFlows>,
}

/// The flows between consecutive steps of paths: how many went from the
/// node `from` at step `step` to the node `to` at step `step + 1` (steps
/// from 1; nodes as indices into [`PathAnalysis::labels`], `path_end` for a
/// path that has ended by then; a path already ended flows no further).
/// Sorted by step, then source, then target. The paths out of a node at step
/// k add up to its step-matrix cell times the paths.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StepFlows {
    /// Step of the source (1 … `steps` − 1).
    pub step: Vec<u32>,
    /// Source node.
    pub from: Vec<u32>,
    /// Target node.
    pub to: Vec<u32>,
    /// Paths.
    pub count: Vec<u64>,
}

impl PathAnalysis {
    /// The index of `label` among the nodes.
    pub fn node(&self, label: &str) -> Option<u32> {
        self.labels
            .iter()
            .position(|l| l == label)
            .map(|i| i as u32)
    }

    /// The edge from `from` to `to` (labels), as its index in [`edges`](Self::edges).
    ///
    /// # Examples
    ///
    /// See [`path_analysis`].
    pub fn edge(&self, from: &str, to: &str) -> Option<usize> {
        let (f, t) = (self.node(from)?, self.node(to)?);
        let e = &self.edges;
        (0..e.from.len()).find(|&i| e.from[i] == f && e.to[i] == t)
    }

    /// The step matrix of `self` minus that of `other` (two groups: segments,
    /// cohorts, experiment arms), each normalised by its own paths; rows are
    /// the labels of either (a label one group lacks counts 0 there), then
    /// `path_end`.
    ///
    /// # Errors
    /// [`EngError::Config`] when the two have different numbers of steps.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{EventColumn, EventDictionary, TouchpointColumns};
    /// use engagement_core::journey::paths::{PathColumns, PathConfig, path_analysis};
    /// let run = |labels: &[&str]| {
    ///     let mut d = EventDictionary::new();
    ///     let codes = d.intern_all(labels).unwrap();
    ///     let cols = TouchpointColumns { customer: &[1, 1], time: &[0, 1], ..Default::default() };
    ///     path_analysis(&cols, &PathColumns { events: Some(EventColumn::new(&codes, &d).unwrap()), ..Default::default() },
    ///         &PathConfig { steps: 2, ..PathConfig::default() }).unwrap()
    /// };
    /// let diff = run(&["home", "cart"]).step_diff(&run(&["home", "search"]))?;
    /// assert_eq!(diff.labels, ["cart", "home", "search", "path_end"]);
    /// assert_eq!(diff.diff, [0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0]);   // row-major, 2 steps
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn step_diff(&self, other: &PathAnalysis) -> Result<StepDiff> {
        ensure_config!(
            self.steps == other.steps,
            "steps",
            "the two analyses have {} and {} steps; compare analyses of equal steps",
            self.steps,
            other.steps
        );
        step_matrix_diff(
            (&self.labels, &self.step_matrix),
            (&other.labels, &other.step_matrix),
            self.steps,
        )
    }

    /// The step matrix cell of `label` at step `k` (1-based).
    pub fn step_share(&self, label: &str, k: u32) -> Option<f64> {
        let row = self.node(label)? as usize;
        (1..=self.steps)
            .contains(&k)
            .then(|| self.step_matrix[row * self.steps as usize + (k - 1) as usize])
    }
}

/// The node label of every row, as an index into the sorted labels.
pub(crate) fn row_labels(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    by: &Dimension,
) -> Result<(Vec<u32>, Vec<String>)> {
    let n = cols.customer.len();
    // A row's key: its values of the parts, packed (event code, campaign id,
    // channel and kind codes fit in 112 bits).
    let key = |i: usize| -> u128 {
        let mut k = 0u128;
        for part in by.parts() {
            k = match part {
                DimensionPart::Event => {
                    (k << 32) | u128::from(extra.events.map_or(0, |e| e.codes()[i]))
                }
                DimensionPart::Channel => (k << 8) | u128::from(cols.channel[i]),
                DimensionPart::Kind => (k << 8) | u128::from(cols.kind[i]),
                DimensionPart::Campaign => (k << 64) | u128::from(extra.campaign[i]),
            };
        }
        k
    };
    let label = |i: usize| -> String {
        let parts: Vec<String> = by
            .parts()
            .iter()
            .map(|p| match p {
                DimensionPart::Event => extra
                    .events
                    .map_or(String::new(), |e| e.label_of_row(i).to_owned()),
                DimensionPart::Channel => Channel::from_code(cols.channel[i])
                    .map_or_else(|_| String::new(), |c| c.label().to_owned()),
                DimensionPart::Kind => TouchpointKind::from_code(cols.kind[i])
                    .map_or_else(|_| String::new(), |k| k.label().to_owned()),
                DimensionPart::Campaign => extra.campaign[i].to_string(),
            })
            .collect();
        parts.join(":")
    };
    // Without campaigns the keys are dense (event code, channel, kind in mixed
    // radix): a table finds each key's first row; else a hash map.
    let dense_size = by.parts().iter().try_fold(1usize, |size, part| {
        let radix = match part {
            DimensionPart::Event => extra.events.map_or(1, |e| e.dictionary().len().max(1)),
            DimensionPart::Channel | DimensionPart::Kind => 256,
            DimensionPart::Campaign => return None,
        };
        size.checked_mul(radix).filter(|&s| s <= 1 << 22)
    });
    let dense_key = |i: usize| -> usize {
        by.parts().iter().fold(0usize, |k, part| match part {
            DimensionPart::Event => {
                let e = extra
                    .events
                    .map_or((0, 1), |e| (e.codes()[i] as usize, e.dictionary().len()));
                k * e.1.max(1) + e.0
            }
            DimensionPart::Channel => k * 256 + usize::from(cols.channel[i]),
            DimensionPart::Kind => k * 256 + usize::from(cols.kind[i]),
            DimensionPart::Campaign => k,
        })
    };
    if let Some(size) = dense_size {
        let mut first = vec![u32::MAX; size];
        for i in 0..n {
            let slot = &mut first[dense_key(i)];
            if *slot == u32::MAX {
                *slot = i as u32;
            }
        }
        let mut named: Vec<(String, usize)> = first
            .iter()
            .enumerate()
            .filter(|(_, row)| **row != u32::MAX)
            .map(|(k, &row)| (label(row as usize), k))
            .collect();
        named.sort();
        let mut id_of = vec![0u32; size];
        for (id, (_, k)) in named.iter().enumerate() {
            id_of[*k] = id as u32;
        }
        let ids = {
            use rayon::prelude::*;
            (0..n)
                .into_par_iter()
                .map(|i| id_of[dense_key(i)])
                .collect()
        };
        return Ok((ids, named.into_iter().map(|(l, _)| l).collect()));
    }
    let mut first_row: FxHashMap<u128, u32> = FxHashMap::default();
    let mut keyed = Vec::with_capacity(n);
    for i in 0..n {
        let k = key(i);
        let next = first_row.len() as u32;
        first_row.entry(k).or_insert_with(|| {
            keyed.push(i);
            next
        });
    }
    // Distinct keys named and sorted by label; ids in label order.
    let mut named: Vec<(String, u128)> = keyed.iter().map(|&i| (label(i), key(i))).collect();
    named.sort();
    let id_of: FxHashMap<u128, u32> = named
        .iter()
        .enumerate()
        .map(|(id, (_, k))| (*k, id as u32))
        .collect();
    let ids = (0..n).map(|i| id_of[&key(i)]).collect();
    Ok((ids, named.into_iter().map(|(l, _)| l).collect()))
}

/// Transition graph, step matrix and common paths of the touchpoints'
/// paths (see the module documentation), over the dimension and per the unit
/// `config` chooses.
///
/// # Errors
/// - as [`TouchpointColumns::validate`](crate::TouchpointColumns::validate);
/// - [`EngError::LengthMismatch`] for an event, campaign or session column
///   whose length is not the touchpoints';
/// - [`EngError::Config`] for a dimension that reads events or campaigns
///   that are not given, or a bad setting;
/// - [`EngError::EmptyInput`] without touchpoints.
///
/// # Examples
///
/// ```
/// use engagement_core::{EventColumn, EventDictionary, TouchpointColumns};
/// use engagement_core::journey::paths::{PathColumns, PathConfig, path_analysis};
/// let mut dict = EventDictionary::new();
/// let codes = dict.intern_all(&["catalog", "product", "cart", "catalog", "product"])?;
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 1, 2, 2], time: &[0, 60, 90, 0, 30],
///     channel: &[1; 5], kind: &[3; 5], ..Default::default()
/// };
/// let extra = PathColumns { events: Some(EventColumn::new(&codes, &dict)?), ..Default::default() };
/// let p = path_analysis(&cols, &extra, &PathConfig::default())?;
/// assert_eq!(p.labels, ["cart", "catalog", "product", "path_start", "path_end"]);
/// let e = p.edge("catalog", "product").unwrap();
/// assert_eq!((p.edges.count[e], p.edges.proba_out[e], p.edges.median_seconds[e]), (2, 1.0, Some(45.0)));
/// let e = p.edge("product", "path_end").unwrap();
/// assert_eq!(p.edges.proba_out[e], 0.5);        // one of two paths ends after product
/// assert_eq!(p.step_share("product", 2), Some(1.0));
/// assert_eq!(p.step_share("path_end", 3), Some(0.5));
/// assert_eq!(p.top_paths[0], ["catalog", "product"]);   // ties in label order
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn path_analysis(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &PathConfig,
) -> Result<PathAnalysis> {
    match walked(cols, extra, config, true)? {
        (state, Some(direct)) => state.assemble(config, direct.edges, direct.top),
        (state, None) => state.finish(config),
    }
}

/// The mergeable counts of [`path_analysis`] (no touchpoints: empty counts).
pub(crate) fn path_state(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &PathConfig,
) -> Result<PathState> {
    walked(cols, extra, config, false).map(|(state, _)| state)
}

/// The counts of a path analysis; with `direct` (one machine, nothing to
/// merge) the edges and top paths as the result has them instead of their
/// mergeable forms, which cost a list per edge and per distinct path.
fn walked(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &PathConfig,
    direct: bool,
) -> Result<(PathState, Option<Direct>)> {
    config.validate()?;
    let mut fill = Default::default();
    let cols = &crate::model::event_log(cols, &mut fill);
    let n = cols.validate()?;
    extra.check_lengths(n)?;
    if n == 0 {
        // An empty part (a partition without rows) reads nothing.
        return Ok((PathState::with_steps(config.steps as usize), None));
    }
    config.by.check_columns(extra)?;
    let (label, labels) = row_labels(cols, extra, &config.by)?;
    let ranks = extra
        .events
        .map(|e| e.dictionary().ranks())
        .unwrap_or_default();
    let ties = TieColumns {
        campaign: extra.campaign,
        event: extra.events.map_or(&[], |e| e.codes()),
        event_rank: &ranks,
    };
    let records = cols.journey_records(&ties, |i| Some(label[i]))?;
    // The path of each record: its customer, or its session.
    let session_of: Option<Vec<u32>> = match config.per {
        Per::Customer => None,
        Per::Session if extra.session.is_empty() => {
            Some(sessionize(cols.customer, cols.time, &config.session)?.row_session)
        }
        Per::Session => Some(sessions_by_id(cols.customer, cols.time, extra.session)?.row_session),
    };
    let path_key = |r: &crate::model::JourneyRecord| -> (u64, u32) {
        (
            r.customer,
            session_of.as_ref().map_or(0, |s| s[r.row as usize]),
        )
    };
    // Records in path order: by customer, then session (sessions of one
    // customer are numbered in start order), then time and ties.
    let mut ordered = records;
    if session_of.is_some() {
        use rayon::prelude::*;
        ordered.par_sort_by_key(|r| path_key(r)); // stable: time order within a session
    }

    let rows = labels.len() + 2; // the labels, path_start and path_end
    // The anchor's node (a label absent from the data: no path has it).
    let anchor = config.anchor.as_ref().map(|a| {
        (
            labels
                .binary_search(&a.label)
                .map_or(u32::MAX, |i| i as u32),
            a,
        )
    });
    let walk = Walk {
        config,
        rows,
        anchor,
        path_key: &path_key,
        packing: PathPacking::new(rows, config.path_length),
        direct,
    };
    // Few enough nodes for a (from, to) pair in 26 bits: 64-bit keys, else 128.
    let (mut state, direct) = if (rows as u64).saturating_mul(rows as u64) <= 1 << 26 {
        walk.state::<u64>(&ordered)
    } else {
        walk.state::<u128>(&ordered)
    };
    state.labels = labels;
    Ok((state, direct))
}

/// One machine's edges (without `proba_out` and `proba_in`, which
/// [`PathState::assemble`] adds) and top paths (ranked), read straight from
/// the sorted transitions and cut paths.
struct Direct {
    edges: PathEdges,
    top: Vec<(Vec<u32>, u64)>,
}

/// Cut paths packed into one integer: each node id + 1 in `bits` bits, the
/// first node highest, zeros after the last; so packed paths order as their
/// id lists do (a path before its extensions), and counting them is a sort.
#[derive(Debug, Clone, Copy)]
struct PathPacking {
    bits: u32,
    len: u32,
}

impl PathPacking {
    /// None when `len` nodes of `rows` do not fit in 128 bits.
    fn new(rows: usize, len: u32) -> Option<Self> {
        let bits = usize::BITS - rows.leading_zeros();
        (bits.saturating_mul(len) <= 128).then_some(PathPacking { bits, len })
    }

    fn pack(self, ids: impl Iterator<Item = u32>) -> u128 {
        let (mut key, mut n) = (0u128, 0);
        for id in ids.take(self.len as usize) {
            key = (key << self.bits) | u128::from(id + 1);
            n += 1;
        }
        key.checked_shl(self.bits * (self.len - n)).unwrap_or(0)
    }

    fn unpack(self, key: u128) -> Vec<u32> {
        let mask = (1u128 << self.bits) - 1;
        (0..self.len)
            .map(|j| (key >> (self.bits * (self.len - 1 - j))) & mask)
            .take_while(|&v| v != 0)
            .map(|v| v as u32 - 1)
            .collect()
    }
}

/// The `keep` most frequent paths, ties in label order (ids are in label order).
fn ranked<P: Ord + Clone>(counts: impl Iterator<Item = (P, u64)>, keep: u32) -> Vec<(P, u64)> {
    let order = |a: &(P, u64), b: &(P, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
    let mut all: Vec<(P, u64)> = counts.collect();
    let keep = (keep as usize).min(all.len());
    if keep < all.len() && keep > 0 {
        all.select_nth_unstable_by(keep - 1, order);
    }
    all.truncate(keep);
    all.sort_unstable_by(order);
    all
}

/// `a` and `b` (ascending) merged into `out` (of their joint length),
/// halves in parallel.
fn par_merge<K: Copy + Ord + Send + Sync>(a: &[K], b: &[K], out: &mut [K]) {
    if a.len() + b.len() <= 1 << 16 {
        let (mut i, mut j) = (0, 0);
        for slot in out.iter_mut() {
            if j < b.len() && (i == a.len() || b[j] < a[i]) {
                *slot = b[j];
                j += 1;
            } else {
                *slot = a[i];
                i += 1;
            }
        }
        return;
    }
    let (a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let mid = a.len() / 2;
    let j = b.partition_point(|x| *x < a[mid]);
    let (lo, hi) = out.split_at_mut(mid + j);
    rayon::join(
        || par_merge(&a[..mid], &b[..j], lo),
        || par_merge(&a[mid..], &b[j..], hi),
    );
}

/// The edges of sorted transition keys: counts and the seconds' median
/// and 95th percentile (linear between ranks, as `counted_quantile`),
/// blocks of edges in parallel.
fn direct_edges<K: TransitionKey>(keys: &[K], rows: usize) -> PathEdges {
    use rayon::prelude::*;
    let rows_k = rows as u128;
    let (start, end) = (rows as u32 - 2, rows as u32 - 1);
    // Blocks of about 65 536 keys that never split an edge.
    let mut bounds = vec![0];
    let mut at = 0;
    while at < keys.len() {
        let mut next = (at + (1 << 16)).min(keys.len());
        while next < keys.len() && keys[next].pair() == keys[next - 1].pair() {
            next += 1;
        }
        bounds.push(next);
        at = next;
    }
    let parts: Vec<PathEdges> = bounds
        .par_windows(2)
        .map(|w| {
            let mut e = PathEdges::default();
            for run in keys[w[0]..w[1]].chunk_by(|a, b| a.pair() == b.pair()) {
                let pair = run[0].pair();
                let (from, to) = ((pair / rows_k) as u32, (pair % rows_k) as u32);
                let flagged = |f: u64| run.iter().filter(|k| k.flags() & f != 0).count() as u64;
                let timed = from != start && to != end;
                let quantile = |q: f64| {
                    timed.then(|| {
                        let pos = q * (run.len() - 1) as f64;
                        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                        let (a, b) = (run[lo].seconds() as f64, run[hi].seconds() as f64);
                        a + (b - a) * (pos - lo as f64)
                    })
                };
                e.from.push(from);
                e.to.push(to);
                e.count.push(run.len() as u64);
                e.paths.push(flagged(FIRST_IN_PATH));
                e.customers.push(flagged(FIRST_IN_CUSTOMER));
                e.median_seconds.push(quantile(0.5));
                e.p95_seconds.push(quantile(0.95));
            }
            e
        })
        .collect();
    let mut all = PathEdges::default();
    for p in parts {
        all.from.extend(p.from);
        all.to.extend(p.to);
        all.count.extend(p.count);
        all.paths.extend(p.paths);
        all.customers.extend(p.customers);
        all.median_seconds.extend(p.median_seconds);
        all.p95_seconds.extend(p.p95_seconds);
    }
    all
}

/// A transition as one sortable key: its edge (from × nodes + to), then the
/// seconds it took (36 bits: times lie within 1970..3000), then two flags
/// (the first such transition of its path, of its customer). Sorting the
/// keys groups each edge's transitions with their seconds in order, so one
/// pass counts transitions, paths, customers and the seconds' quantiles.
trait TransitionKey: radsort::Key + Copy + Default + Ord + Send + Sync {
    fn pack(pair: u128, seconds: u64, flags: u64) -> Self;
    fn pair(self) -> u128;
    fn seconds(self) -> u64;
    fn flags(self) -> u64;
}

const FIRST_IN_PATH: u64 = 1;
const FIRST_IN_CUSTOMER: u64 = 2;
const SECONDS_MASK: u64 = (1 << 36) - 1;

impl TransitionKey for u64 {
    fn pack(pair: u128, seconds: u64, flags: u64) -> Self {
        ((pair as u64) << 38) | (seconds << 2) | flags
    }
    fn pair(self) -> u128 {
        u128::from(self >> 38)
    }
    fn seconds(self) -> u64 {
        (self >> 2) & SECONDS_MASK
    }
    fn flags(self) -> u64 {
        self & 3
    }
}

impl TransitionKey for u128 {
    fn pack(pair: u128, seconds: u64, flags: u64) -> Self {
        (pair << 38) | u128::from(seconds << 2) | u128::from(flags)
    }
    fn pair(self) -> u128 {
        self >> 38
    }
    fn seconds(self) -> u64 {
        (self >> 2) as u64 & SECONDS_MASK
    }
    fn flags(self) -> u64 {
        self as u64 & 3
    }
}

/// How records in path order are walked into counts.
struct Walk<'a, F> {
    config: &'a PathConfig,
    rows: usize,
    anchor: Option<(u32, &'a Anchor)>,
    path_key: &'a F,
    /// Cut paths packed (when they fit), else listed.
    packing: Option<PathPacking>,
    /// One machine's result rather than mergeable counts (see [`Direct`]).
    direct: bool,
}

/// One run of customers' counts, before the transitions are sorted.
struct Part<K> {
    keys: Vec<K>,
    at_step: Vec<u64>,
    /// Cut paths, packed (one per path), or counted as lists.
    packed: Vec<u128>,
    top: FxHashMap<Vec<u32>, u64>,
    flows: FxHashMap<(u32, u32, u32), u64>,
    paths: u64,
    customers: u64,
}

impl<F> Walk<'_, F>
where
    F: Fn(&crate::model::JourneyRecord) -> (u64, u32) + Sync,
{
    /// The counts of all records: runs of customers walked in parallel
    /// (integer counts, so the split changes nothing), their transitions
    /// radix-sorted together and read in one pass per edge.
    fn state<K: TransitionKey>(
        &self,
        ordered: &[crate::model::JourneyRecord],
    ) -> (PathState, Option<Direct>) {
        use rayon::prelude::*;
        let steps = self.config.steps as usize;
        // One run per thread, unless the step matrix is large (each run has its own).
        let threads = rayon::current_num_threads().max(1);
        let runs = if self.rows * steps <= 1 << 20 {
            threads
        } else {
            1
        };
        let parts: Vec<Part<K>> =
            crate::model::customer_split(ordered, ordered.len().div_ceil(runs))
                .into_par_iter()
                .map(|run| self.walk(run))
                .collect();
        let mut state = PathState::with_steps(steps);
        state.at_step = vec![0; self.rows * steps];
        // Each run's keys come sorted (in parallel); merged into one sorted vector.
        let mut sorted: Vec<Vec<K>> = Vec::with_capacity(parts.len());
        let mut packed: Vec<u128> = Vec::new();
        for part in parts {
            sorted.push(part.keys);
            state
                .at_step
                .iter_mut()
                .zip(part.at_step)
                .for_each(|(a, b)| *a += b);
            if packed.is_empty() {
                packed = part.packed;
            } else {
                packed.extend(part.packed);
            }
            if state.top.is_empty() {
                state.top = part.top;
            } else {
                state.top.reserve(part.top.len());
                for (path, c) in part.top {
                    *state.top.entry(path).or_insert(0) += c;
                }
            }
            for (k, c) in part.flows {
                *state.flows.entry(k).or_insert(0) += c;
            }
            state.paths += part.paths;
            state.customers += part.customers;
        }
        while sorted.len() > 1 {
            let (b, a) = (
                sorted.pop().unwrap_or_default(),
                sorted.pop().unwrap_or_default(),
            );
            let mut out = vec![K::default(); a.len() + b.len()];
            par_merge(&a, &b, &mut out);
            sorted.push(out);
        }
        let keys = sorted.pop().unwrap_or_default();
        // Packed cut paths counted by sorting them.
        packed.par_sort_unstable();
        let counted = packed
            .chunk_by(|a, b| a == b)
            .map(|same| (same[0], same.len() as u64));
        if self.direct {
            let top = match self.packing {
                Some(p) => ranked(counted, self.config.top_paths)
                    .into_iter()
                    .map(|(key, c)| (p.unpack(key), c))
                    .collect(),
                None => ranked(
                    state.top.iter().map(|(path, &c)| (path, c)),
                    self.config.top_paths,
                )
                .into_iter()
                .map(|(path, c)| (path.clone(), c))
                .collect(),
            };
            let edges = direct_edges(&keys, self.rows);
            return (state, Some(Direct { edges, top }));
        }
        if let Some(p) = self.packing {
            state.top = counted.map(|(key, c)| (p.unpack(key), c)).collect();
        }
        let rows = self.rows as u128;
        let (start, end) = (self.rows as u32 - 2, self.rows as u32 - 1);
        state.edges = keys
            .par_chunk_by(|a, b| a.pair() == b.pair())
            .map(|run| {
                let pair = run[0].pair();
                let (from, to) = ((pair / rows) as u32, (pair % rows) as u32);
                let flagged = |f: u64| run.iter().filter(|k| k.flags() & f != 0).count() as u64;
                let mut seconds = Vec::new();
                if from != start && to != end {
                    for same in run.chunk_by(|a, b| a.seconds() == b.seconds()) {
                        seconds.push((same[0].seconds() as i64, same.len() as u64));
                    }
                }
                (
                    (from, to),
                    EdgeState {
                        count: run.len() as u64,
                        paths: flagged(FIRST_IN_PATH),
                        customers: flagged(FIRST_IN_CUSTOMER),
                        seconds,
                    },
                )
            })
            .collect();
        (state, None)
    }

    /// Walks one run of customers: their paths' transitions (flagged),
    /// step counts and cut paths.
    fn walk<K: TransitionKey>(&self, records: &[crate::model::JourneyRecord]) -> Part<K> {
        let config = self.config;
        let steps = config.steps as usize;
        let rows = self.rows as u128;
        let (start, end) = (self.rows as u32 - 2, self.rows as u32 - 1);
        let pair = |f: u32, t: u32| u128::from(f) * rows + u128::from(t);
        let mut part = Part {
            keys: Vec::with_capacity(records.len() + records.len() / 4),
            at_step: vec![0; self.rows * steps],
            packed: Vec::new(),
            top: FxHashMap::default(),
            flows: FxHashMap::default(),
            paths: 0,
            customers: 0,
        };
        // A customer's transitions: (edge, path number, seconds).
        let mut transitions: Vec<(u128, u32, u64)> = Vec::new();
        let mut nodes: Vec<(u32, i64)> = Vec::new();
        let mut cut: Vec<u32> = Vec::new();
        for customer in records.chunk_by(|a, b| a.customer == b.customer) {
            transitions.clear();
            let mut path_no = 0u32;
            for path in customer.chunk_by(|a, b| (self.path_key)(a) == (self.path_key)(b)) {
                nodes.clear();
                for r in path {
                    if !(config.collapse_repeats && nodes.last().is_some_and(|n| n.0 == r.payload))
                    {
                        nodes.push((r.payload, r.time));
                    }
                }
                if let Some((id, a)) = self.anchor {
                    let Some(at) = nodes.iter().position(|n| n.0 == id) else {
                        continue; // a path without the anchor is left out
                    };
                    let offset = a.offset as usize;
                    match a.side {
                        AnchorSide::After => {
                            nodes.drain(..at.saturating_sub(offset));
                        }
                        AnchorSide::Before => nodes.truncate((at + 1 + offset).min(nodes.len())),
                    }
                }
                path_no += 1;
                transitions.push((pair(start, nodes[0].0), path_no, 0));
                for w in nodes.windows(2) {
                    let seconds = (w[1].1 - w[0].1) as u64;
                    transitions.push((pair(w[0].0, w[1].0), path_no, seconds));
                }
                transitions.push((pair(nodes[nodes.len() - 1].0, end), path_no, 0));
                for step in 0..steps {
                    let row = nodes.get(step).map_or(end, |n| n.0) as usize;
                    part.at_step[row * steps + step] += 1;
                }
                if config.step_flows {
                    // Until the path has ended: from its node at each step to the next.
                    for step in 0..(steps - 1).min(nodes.len()) {
                        let to = nodes.get(step + 1).map_or(end, |n| n.0);
                        *part
                            .flows
                            .entry((step as u32, nodes[step].0, to))
                            .or_insert(0) += 1;
                    }
                }
                if let Some(p) = self.packing {
                    part.packed.push(p.pack(nodes.iter().map(|n| n.0)));
                } else {
                    cut.clear();
                    cut.extend(nodes.iter().take(config.path_length as usize).map(|n| n.0));
                    match part.top.get_mut(cut.as_slice()) {
                        Some(c) => *c += 1,
                        None => {
                            part.top.insert(cut.clone(), 1);
                        }
                    }
                }
            }
            if path_no == 0 {
                continue;
            }
            part.paths += u64::from(path_no);
            part.customers += 1;
            // Flag each edge's first transition of the customer and of each path.
            transitions.sort_unstable_by_key(|t| (t.0, t.1));
            let mut prev: Option<(u128, u32)> = None;
            for &(edge, path, seconds) in &transitions {
                let flags = match prev {
                    Some((e, _)) if e != edge => FIRST_IN_PATH | FIRST_IN_CUSTOMER,
                    None => FIRST_IN_PATH | FIRST_IN_CUSTOMER,
                    Some((_, p)) if p != path => FIRST_IN_PATH,
                    Some(_) => 0,
                };
                part.keys.push(K::pack(edge, seconds, flags));
                prev = Some((edge, path));
            }
        }
        radsort::sort(&mut part.keys);
        part
    }
}

/// The mergeable sums of one edge: its transitions, paths and customers, and
/// how many transitions took each number of seconds (ascending).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct EdgeState {
    pub(crate) count: u64,
    pub(crate) paths: u64,
    pub(crate) customers: u64,
    pub(crate) seconds: Vec<(i64, u64)>,
}

/// The mergeable counts of a path analysis over some customers (see
/// [`crate::partial`]). Node ids are the ranks of the data's labels (kept
/// sorted), then `path_start` (`labels.len()`) and `path_end` (one more):
/// edges by their nodes, the paths at each node at each step, every distinct
/// path cut to `path_length`, paths and customers. A customer's touchpoints
/// must all be in one part; merging unites the labels (remapping both sides'
/// ids) and adds the counts, so any split and merge order give the one-pass
/// result.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PathState {
    pub(crate) labels: Vec<String>,
    pub(crate) steps: usize,
    /// Sorted by (from, to).
    pub(crate) edges: Vec<((u32, u32), EdgeState)>,
    /// Row-major `(labels + 2) × steps`.
    pub(crate) at_step: Vec<u64>,
    pub(crate) top: FxHashMap<Vec<u32>, u64>,
    pub(crate) paths: u64,
    pub(crate) customers: u64,
    /// With `step_flows`: paths by (step from 0, from, to).
    pub(crate) flows: FxHashMap<(u32, u32, u32), u64>,
}

impl PathState {
    /// The state of no data for `steps` steps.
    pub(crate) fn with_steps(steps: usize) -> Self {
        PathState {
            steps,
            at_step: vec![0; 2 * steps],
            ..PathState::default()
        }
    }

    /// Renumbers the nodes: label id `i` becomes `remap[i]`, path_start and
    /// path_end become `labels.len()` and one more of the new labels.
    fn renumber(&mut self, remap: &[u32], labels: Vec<String>) {
        let old = self.labels.len() as u32;
        let (start, end) = (labels.len() as u32, labels.len() as u32 + 1);
        let map = |id: u32| match id {
            id if id == old => start,
            id if id == old + 1 => end,
            id => remap[id as usize],
        };
        for (k, _) in &mut self.edges {
            *k = (map(k.0), map(k.1));
        }
        self.edges.sort_unstable_by_key(|e| e.0);
        self.top = std::mem::take(&mut self.top)
            .into_iter()
            .map(|(p, c)| (p.into_iter().map(map).collect(), c))
            .collect();
        self.flows = std::mem::take(&mut self.flows)
            .into_iter()
            .map(|((k, f, t), c)| ((k, map(f), map(t)), c))
            .collect();
        let mut at_step = vec![0u64; (labels.len() + 2) * self.steps];
        for row in 0..old as usize + 2 {
            let to = map(row as u32) as usize;
            at_step[to * self.steps..(to + 1) * self.steps]
                .copy_from_slice(&self.at_step[row * self.steps..(row + 1) * self.steps]);
        }
        self.at_step = at_step;
        self.labels = labels;
    }

    /// Adds another part's counts.
    pub(crate) fn merge(&mut self, mut other: PathState) {
        if self.labels != other.labels {
            let (all, mine, theirs) = unite_labels(&self.labels, &other.labels);
            self.renumber(&mine, all.clone());
            other.renumber(&theirs, all);
        }
        let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        // Both sorted by edge: one merge pass.
        let mine = std::mem::take(&mut self.edges);
        let mut merged = Vec::with_capacity(mine.len() + other.edges.len());
        let (mut a, mut b) = (
            mine.into_iter().peekable(),
            other.edges.into_iter().peekable(),
        );
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    let ((k, mut e), (_, f)) =
                        (a.next().unwrap_or_default(), b.next().unwrap_or_default());
                    add(&mut e.count, f.count);
                    add(&mut e.paths, f.paths);
                    add(&mut e.customers, f.customers);
                    e.seconds = merge_counted(&e.seconds, &f.seconds);
                    (k, e)
                }
                (Some(x), Some(y)) if x.0 < y.0 => a.next().unwrap_or_default(),
                (Some(_), None) => a.next().unwrap_or_default(),
                (_, Some(_)) => b.next().unwrap_or_default(),
                (None, None) => break,
            };
            merged.push(next);
        }
        self.edges = merged;
        self.at_step
            .iter_mut()
            .zip(other.at_step)
            .for_each(|(a, b)| add(a, b));
        for (k, c) in other.top {
            add(self.top.entry(k).or_insert(0), c);
        }
        for (k, c) in other.flows {
            add(self.flows.entry(k).or_insert(0), c);
        }
        add(&mut self.paths, other.paths);
        add(&mut self.customers, other.customers);
    }

    /// An error unless the counts fit `config` and each other.
    pub(crate) fn check(&self, config: &PathConfig) -> std::result::Result<(), String> {
        let steps = config.steps as usize;
        let n = self.labels.len() as u32;
        if self.steps != steps || self.at_step.len() != (n as usize + 2) * steps {
            return Err("step counts of another shape than the configuration's".into());
        }
        if self.labels.windows(2).any(|w| w[0] >= w[1]) {
            return Err("labels out of order or repeated".into());
        }
        let (start, end) = (n, n + 1);
        if self.edges.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err("edges out of order or repeated".into());
        }
        if self
            .edges
            .iter()
            .any(|&((f, t), _)| f > end || t > end || f == end || t == start)
        {
            return Err("an edge with an unknown node, out of path_end or into path_start".into());
        }
        if self.edges.iter().any(|(_, e)| {
            e.seconds.windows(2).any(|w| w[0].0 >= w[1].0)
                || e.seconds.iter().map(|s| s.1).sum::<u64>() > e.count
        }) {
            return Err("an edge's times out of order or more than its transitions".into());
        }
        if self.top.keys().any(|p| {
            p.is_empty() || p.len() > config.path_length as usize || p.iter().any(|&l| l >= n)
        }) {
            return Err("a listed path that is empty, too long or has an unknown label".into());
        }
        if self
            .flows
            .keys()
            .any(|&(k, f, t)| k as usize + 1 >= steps || f >= start || (t >= start && t != end))
            || (!config.step_flows && !self.flows.is_empty())
        {
            return Err(
                "a step flow out of range, or flows the configuration does not count".into(),
            );
        }
        let starts: u64 = self
            .edges
            .iter()
            .filter(|((f, _), _)| *f == start)
            .map(|(_, e)| e.count)
            .sum();
        if starts != self.paths || self.customers > self.paths {
            return Err("edge counts do not add up to the paths".into());
        }
        Ok(())
    }

    /// The result; [`EngError::EmptyInput`] when no path was counted.
    pub(crate) fn finish(&self, config: &PathConfig) -> Result<PathAnalysis> {
        let mut edges = PathEdges::default();
        for &((f, t), ref e) in &self.edges {
            edges.from.push(f);
            edges.to.push(t);
            edges.count.push(e.count);
            edges.paths.push(e.paths);
            edges.customers.push(e.customers);
        }
        // The quantiles, edge by edge in parallel.
        {
            use rayon::prelude::*;
            (edges.median_seconds, edges.p95_seconds) = self
                .edges
                .par_iter()
                .map(|(_, e)| {
                    (
                        counted_quantile(&e.seconds, 0.5),
                        counted_quantile(&e.seconds, 0.95),
                    )
                })
                .unzip();
        }
        let top = ranked(self.top.iter().map(|(p, &c)| (p, c)), config.top_paths)
            .into_iter()
            .map(|(p, c)| (p.clone(), c))
            .collect();
        self.assemble(config, edges, top)
    }

    /// The result of these counts with their `edges` (all but `proba_out`
    /// and `proba_in`, added here) and `top` paths (ranked).
    fn assemble(
        &self,
        config: &PathConfig,
        mut edges: PathEdges,
        top: Vec<(Vec<u32>, u64)>,
    ) -> Result<PathAnalysis> {
        if self.paths == 0 {
            return Err(EngError::EmptyInput {
                what: "a path analysis".into(),
                unit: "touchpoint".into(),
            });
        }
        let nodes = self.labels.len() + 2;
        let mut out_total = vec![0u64; nodes];
        let mut in_total = vec![0u64; nodes];
        for ((&f, &t), &c) in edges.from.iter().zip(&edges.to).zip(&edges.count) {
            out_total[f as usize] += c;
            in_total[t as usize] += c;
        }
        (edges.proba_out, edges.proba_in) = edges
            .from
            .iter()
            .zip(&edges.to)
            .zip(&edges.count)
            .map(|((&f, &t), &c)| {
                (
                    c as f64 / out_total[f as usize] as f64,
                    c as f64 / in_total[t as usize] as f64,
                )
            })
            .unzip();
        let name = |l: u32| self.labels[l as usize].clone();
        let mut labels = self.labels.clone();
        labels.push(PATH_START.into());
        labels.push(PATH_END.into());
        Ok(PathAnalysis {
            by: config.by.clone(),
            per: config.per,
            labels,
            edges,
            steps: config.steps,
            step_matrix: self
                .at_step
                .iter()
                .map(|&c| c as f64 / self.paths as f64)
                .collect(),
            top_paths: top
                .iter()
                .map(|(p, _)| p.iter().map(|&l| name(l)).collect())
                .collect(),
            top_path_counts: top.iter().map(|(_, c)| *c).collect(),
            paths: self.paths,
            customers: self.customers,
            step_flows: config.step_flows.then(|| {
                let mut keyed: Vec<(&(u32, u32, u32), &u64)> = self.flows.iter().collect();
                keyed.sort_unstable();
                let mut f = StepFlows::default();
                for (&(k, from, to), &c) in keyed {
                    f.step.push(k + 1);
                    f.from.push(from);
                    f.to.push(to);
                    f.count.push(c);
                }
                f
            }),
        })
    }
}

/// Two ascending (value, count) lists as one.
fn merge_counted(a: &[(i64, u64)], b: &[(i64, u64)]) -> Vec<(i64, u64)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                out.push((x.0, x.1.saturating_add(y.1)));
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                out.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                out.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// The `q`-quantile (linear between ranks, as numpy) of ascending values
/// given with their counts; None without values.
fn counted_quantile(counts: &[(i64, u64)], q: f64) -> Option<f64> {
    let n: u64 = counts.iter().map(|c| c.1).sum();
    if n == 0 {
        return None;
    }
    let pos = q * (n - 1) as f64;
    let (lo, hi) = (pos.floor() as u64, pos.ceil() as u64);
    let at = |rank: u64| -> f64 {
        let mut seen = 0;
        for &(v, c) in counts {
            seen += c;
            if rank < seen {
                return v as f64;
            }
        }
        f64::NAN
    };
    let (a, b) = (at(lo), at(hi));
    Some(a + (b - a) * (pos - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventDictionary;
    use proptest::prelude::*;

    fn analyse(rows: &[(u64, i64, &str, u8)], config: &PathConfig) -> PathAnalysis {
        let mut dict = EventDictionary::new();
        let labels: Vec<&str> = rows.iter().map(|r| r.2).collect();
        let codes = dict.intern_all(&labels).unwrap();
        let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let channel: Vec<u8> = rows.iter().map(|r| r.3).collect();
        let kind = vec![3u8; rows.len()];
        let cols = TouchpointColumns {
            customer: &customer,
            time: &time,
            channel: &channel,
            kind: &kind,
            ..Default::default()
        };
        let extra = PathColumns {
            events: Some(EventColumn::new(&codes, &dict).unwrap()),
            ..Default::default()
        };
        path_analysis(&cols, &extra, config).unwrap()
    }

    #[test]
    fn step_flows_follow_paths_until_they_end() {
        // Paths: a b c | a c | b.
        let rows = [
            (1, 0, "a", 1),
            (1, 1, "b", 1),
            (1, 2, "c", 1),
            (2, 0, "a", 1),
            (2, 1, "c", 1),
            (3, 0, "b", 1),
        ];
        let config = PathConfig {
            steps: 3,
            step_flows: true,
            ..PathConfig::default()
        };
        let p = analyse(&rows, &config);
        let f = p.step_flows.as_ref().unwrap();
        let name = |i: u32| p.labels[i as usize].as_str();
        let got: Vec<(u32, &str, &str, u64)> = (0..f.step.len())
            .map(|i| (f.step[i], name(f.from[i]), name(f.to[i]), f.count[i]))
            .collect();
        assert_eq!(
            got,
            [
                (1, "a", "b", 1),
                (1, "a", "c", 1),
                (1, "b", "path_end", 1),
                (2, "b", "c", 1),
                (2, "c", "path_end", 1),
            ]
        );
        // Out of each node at a step: the paths there (the step matrix times the paths).
        for (k, label) in [(1, "a"), (1, "b"), (2, "b"), (2, "c")] {
            let out: u64 = (0..f.step.len())
                .filter(|&i| f.step[i] == k && name(f.from[i]) == label)
                .map(|i| f.count[i])
                .sum();
            let share = p.step_share(label, k).unwrap();
            assert_eq!(out as f64, share * p.paths as f64, "{label} at {k}");
        }
        assert!(analyse(&rows, &PathConfig::default()).step_flows.is_none());
    }

    #[test]
    fn sessions_collapse_and_combined_dimensions() {
        let rows = [
            (1, 0, "a", 1),
            (1, 10, "a", 1),
            (1, 20, "b", 0),
            (1, 5000, "a", 1),
            (2, 0, "b", 0),
        ];
        let p = analyse(&rows, &PathConfig::default());
        assert_eq!((p.paths, p.customers), (2, 2));
        let aa = p.edge("a", "a").unwrap();
        assert_eq!((p.edges.count[aa], p.edges.paths[aa]), (1, 1));
        let s = analyse(
            &rows,
            &PathConfig {
                per: Per::Session,
                ..PathConfig::default()
            },
        );
        assert_eq!((s.paths, s.customers), (3, 2));
        assert!(
            s.edge("b", "a").is_none(),
            "no transition crosses a session"
        );
        let e = s.edge("b", "path_end").unwrap();
        assert_eq!((s.edges.count[e], s.edges.customers[e]), (2, 2));
        let c = analyse(
            &rows,
            &PathConfig {
                collapse_repeats: true,
                ..PathConfig::default()
            },
        );
        assert!(c.edge("a", "a").is_none());
        assert_eq!(c.top_paths[0], ["a", "b", "a"]);
        let w = analyse(
            &rows,
            &PathConfig {
                by: "channel:event".parse().unwrap(),
                ..PathConfig::default()
            },
        );
        assert_eq!(&w.labels[..2], ["email:b".to_string(), "web:a".to_string()]);
    }

    #[test]
    fn anchors_cut_paths_and_leave_out_those_without() {
        // Customer 1: a b c b d; customer 2: a d (no c).
        let rows = [
            (1, 0, "a", 1),
            (1, 1, "b", 1),
            (1, 2, "c", 1),
            (1, 3, "b", 1),
            (1, 4, "d", 1),
            (2, 0, "a", 1),
            (2, 1, "d", 1),
        ];
        let cut = |anchor: &str| {
            analyse(
                &rows,
                &PathConfig {
                    anchor: Some(serde_json::from_str(anchor).unwrap()),
                    ..PathConfig::default()
                },
            )
        };
        let after = cut(r#"{"label": "c"}"#);
        assert_eq!((after.paths, after.customers), (1, 1));
        assert_eq!(after.top_paths[0], ["c", "b", "d"]);
        assert_eq!(after.step_share("c", 1), Some(1.0));
        let before = cut(r#"{"label": "c", "side": "before"}"#);
        assert_eq!(before.top_paths[0], ["a", "b", "c"]);
        let context = cut(r#"{"label": "c", "offset": 1}"#);
        assert_eq!(context.top_paths[0], ["b", "c", "b", "d"]);
        let context = cut(r#"{"label": "c", "side": "before", "offset": 5}"#);
        assert_eq!(context.top_paths[0], ["a", "b", "c", "b", "d"]);
        let d = cut(r#"{"label": "d"}"#);
        assert_eq!((d.paths, d.top_paths.len()), (2, 1));
        let none = path_analysis(
            &TouchpointColumns {
                customer: &[1],
                time: &[0],
                ..Default::default()
            },
            &PathColumns {
                events: Some(
                    EventColumn::new(&[0], &EventDictionary::from_labels(["a"]).unwrap()).unwrap(),
                ),
                ..Default::default()
            },
            &PathConfig {
                anchor: Some(serde_json::from_str(r#"{"label": "zz"}"#).unwrap()),
                ..PathConfig::default()
            },
        );
        assert!(matches!(none, Err(EngError::EmptyInput { .. })));
    }

    #[test]
    fn missing_events_are_a_config_error_naming_the_choices() {
        let cols = TouchpointColumns {
            customer: &[1],
            time: &[0],
            channel: &[1],
            kind: &[3],
            ..Default::default()
        };
        let e = path_analysis(&cols, &PathColumns::default(), &PathConfig::default()).unwrap_err();
        assert!(
            e.to_string().contains("choose channel, kind or campaign"),
            "{e}"
        );
        let by_channel = PathConfig {
            by: "channel".parse().unwrap(),
            ..PathConfig::default()
        };
        assert_eq!(
            path_analysis(&cols, &PathColumns::default(), &by_channel)
                .unwrap()
                .labels,
            ["web", "path_start", "path_end"]
        );
    }

    proptest! {
        /// Shuffled rows, and codes interned in another order, give the same
        /// analysis; every step column sums to 1; proba_out sums to 1 out of
        /// each node but path_end.
        #[test]
        fn prop_row_and_code_order_change_nothing(
            rows in proptest::collection::vec((1u64..4, 0i64..4, 0usize..4, 0u8..2), 1..60),
            rotate in 0usize..60,
        ) {
            let names = ["x", "y", "", "ü"];
            let owned: Vec<(u64, i64, &str, u8)> = rows.iter().map(|r| (r.0, r.1 * 700, names[r.2], r.3)).collect();
            let mut moved = owned.clone();
            moved.rotate_left(rotate % owned.len());
            for per in [Per::Customer, Per::Session] {
                let config = PathConfig { per, session: SessionConfig { gap: 1000 }, ..PathConfig::default() };
                let a = analyse(&owned, &config);
                prop_assert_eq!(&a, &analyse(&moved, &config));
                for k in 0..a.steps as usize {
                    let col: f64 = (0..a.labels.len()).map(|r| a.step_matrix[r * a.steps as usize + k]).sum();
                    prop_assert!((col - 1.0).abs() < 1e-12);
                }
                for node in 0..a.labels.len() as u32 - 1 {
                    let out: f64 = (0..a.edges.from.len()).filter(|&i| a.edges.from[i] == node).map(|i| a.edges.proba_out[i]).sum();
                    prop_assert!((out - 1.0).abs() < 1e-12, "node {} out {}", node, out);
                }
            }
        }

        /// One machine's direct result (edges from the sorted transitions,
        /// packed top paths) equals the mergeable counts finished, whole or
        /// split by customer and merged; with paths packed or listed.
        #[test]
        fn prop_direct_equals_merged_counts(
            rows in proptest::collection::vec((1u64..6, 0i64..6, 0usize..5), 1..80),
            path_length in prop_oneof![Just(1u32), Just(3), Just(1000)],
            top_paths in 1u32..6,
            collapse_repeats: bool,
        ) {
            let names = ["b", "a", "", "ü", "c"];
            let mut dict = EventDictionary::new();
            let labels: Vec<&str> = rows.iter().map(|r| names[r.2]).collect();
            let codes = dict.intern_all(&labels).unwrap();
            let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
            let time: Vec<i64> = rows.iter().map(|r| r.1 * 90).collect();
            let config = PathConfig { path_length, top_paths, collapse_repeats, ..PathConfig::default() };
            let part = |keep: &dyn Fn(u64) -> bool| {
                let rows: Vec<usize> = (0..customer.len()).filter(|&i| keep(customer[i])).collect();
                let (c, t, e): (Vec<u64>, Vec<i64>, Vec<u32>) = (
                    rows.iter().map(|&i| customer[i]).collect(),
                    rows.iter().map(|&i| time[i]).collect(),
                    rows.iter().map(|&i| codes[i]).collect(),
                );
                let cols = TouchpointColumns { customer: &c, time: &t, ..Default::default() };
                let extra = PathColumns { events: Some(EventColumn::new(&e, &dict).unwrap()), ..Default::default() };
                (path_analysis(&cols, &extra, &config), path_state(&cols, &extra, &config).unwrap())
            };
            let (direct, whole) = part(&|_| true);
            let direct = direct.unwrap();
            prop_assert_eq!(&direct, &whole.finish(&config).unwrap());
            let (_, mut low) = part(&|c| c <= 2);
            let (_, high) = part(&|c| c > 2);
            low.merge(high);
            prop_assert_eq!(&direct, &low.finish(&config).unwrap());
        }
    }
}
