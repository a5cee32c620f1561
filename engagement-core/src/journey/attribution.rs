//! Multi-touch attribution of conversions (and of conversion value) to
//! channels: first touch, last touch, linear, time decay, position based,
//! Markov-chain removal effects (orders 1–4, solved exactly, no simulation)
//! and Shapley values (exact, up to 15 channels).
//!
//! Input follows the ChannelAttribution convention: distinct paths
//! (`"email > search > display"`) with their conversions, conversion value and
//! non-converting journeys ("nulls").

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use statrs::function::factorial::ln_factorial;

use crate::error::{EngError, Result, ensure_config};
use crate::journey::paths::{Dimension, PathColumns};

/// Paths as data: the JSON form the C face takes.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::attribution::PathTable;
/// let t: PathTable = serde_json::from_str(r#"{"paths": ["a > b"], "conversions": [2]}"#)?;
/// assert_eq!(t.to_paths()?.channels, ["a", "b"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathTable {
    /// Path strings.
    pub paths: Vec<String>,
    /// Conversions of each path.
    pub conversions: Vec<f64>,
    /// Conversion value of each path (0 when absent).
    #[serde(default)]
    pub value: Option<Vec<f64>>,
    /// Non-converting journeys of each path (0 when absent).
    #[serde(default)]
    pub nulls: Option<Vec<f64>>,
    /// Channel separator, `>` by default.
    #[serde(default = "default_separator")]
    pub separator: String,
}

fn default_separator() -> String {
    ">".into()
}

impl PathTable {
    /// Parses the table (see [`Paths::parse`]).
    ///
    /// # Errors
    /// As [`Paths::parse`].
    pub fn to_paths(&self) -> Result<Paths> {
        let texts: Vec<&str> = self.paths.iter().map(String::as_str).collect();
        Paths::parse(
            &texts,
            &self.conversions,
            self.value.as_deref(),
            self.nulls.as_deref(),
            &self.separator,
        )
    }
}

/// Distinct channel paths with their outcomes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Paths {
    /// Channel names; a path refers to them by index.
    pub channels: Vec<String>,
    /// Each path: channel indices from the first touch to the last.
    pub paths: Vec<Vec<u32>>,
    /// Conversions that followed each path.
    pub conversions: Vec<f64>,
    /// Conversion value of each path.
    pub value: Vec<f64>,
    /// Journeys along each path that did not convert.
    pub nulls: Vec<f64>,
}

fn count(field: &str, i: usize, v: f64) -> Result<f64> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(EngError::invalid(field, v, "must be finite and >= 0").at_row(i));
    }
    Ok(v)
}

impl Paths {
    /// Parses path strings (channels separated by `separator`, surrounding
    /// spaces ignored) with their conversions and, optionally, value and
    /// non-converting journeys (0 when absent). Channels are numbered in order
    /// of first appearance.
    ///
    /// # Errors
    /// [`EngError::LengthMismatch`]; [`EngError::EmptyInput`] for no paths;
    /// [`EngError::InvalidInput`] (with the row) for an empty path or channel
    /// name, or a count or value that is negative or not finite;
    /// [`EngError::Config`] for an empty separator.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::attribution::Paths;
    /// let p = Paths::parse(&["email > search", "search"], &[3.0, 1.0], None, None, ">")?;
    /// assert_eq!(p.channels, ["email", "search"]);
    /// assert_eq!(p.paths, [vec![0, 1], vec![1]]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn parse(
        paths: &[&str],
        conversions: &[f64],
        value: Option<&[f64]>,
        nulls: Option<&[f64]>,
        separator: &str,
    ) -> Result<Paths> {
        ensure_config!(!separator.is_empty(), "separator", "must not be empty");
        let n = paths.len();
        for (field, len) in [
            ("conversions", conversions.len()),
            ("value", value.map_or(n, <[f64]>::len)),
            ("nulls", nulls.map_or(n, <[f64]>::len)),
        ] {
            if len != n {
                return Err(EngError::LengthMismatch {
                    field: field.into(),
                    expected: n,
                    found: len,
                });
            }
        }
        if n == 0 {
            return Err(EngError::EmptyInput {
                what: "attribution".into(),
                unit: "path".into(),
            });
        }
        let mut out = Paths::default();
        let mut index: HashMap<String, u32> = HashMap::new();
        for (i, text) in paths.iter().enumerate() {
            let mut path = Vec::new();
            for name in text.split(separator).map(str::trim) {
                if name.is_empty() {
                    return Err(
                        EngError::invalid("paths", *text, "has an empty channel name").at_row(i),
                    );
                }
                let next = out.channels.len() as u32;
                let id = *index.entry(name.to_string()).or_insert_with(|| {
                    out.channels.push(name.to_string());
                    next
                });
                path.push(id);
            }
            out.paths.push(path);
            out.conversions
                .push(count("conversions", i, conversions[i])?);
            out.value
                .push(count("value", i, value.map_or(0.0, |v| v[i]))?);
            out.nulls
                .push(count("nulls", i, nulls.map_or(0.0, |v| v[i]))?);
        }
        Ok(out)
    }

    fn total_conversions(&self) -> f64 {
        self.conversions.iter().sum()
    }
}

/// Builds attribution paths from touchpoints, with the default
/// [`PathOptions`] (the conversion is not a touch); see
/// [`paths_from_touchpoints_with`].
///
/// # Errors
/// As [`TouchpointColumns::validate`](crate::TouchpointColumns::validate);
/// [`EngError::EmptyInput`] for no touchpoints; [`EngError::Config`] for a
/// `lookback` that is not positive.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::attribution::paths_from_touchpoints;
/// let day = 86_400;
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 1, 2],
///     time: &[0, day, 2 * day, 0],
///     channel: &[Channel::Email as u8, Channel::Ads as u8, Channel::Web as u8, Channel::Social as u8],
///     kind: &[K::Open as u8, K::Click as u8, K::Purchase as u8, K::Impression as u8],
///     value: &[0.0, 0.0, 25.0, 0.0],
///     ..Default::default()
/// };
/// let p = paths_from_touchpoints(&cols, std::time::Duration::from_secs(30 * 86_400))?;
/// assert_eq!(p.channels, ["email", "ads", "social"]);   // the web purchase is not a touch
/// assert_eq!(p.paths, [vec![0, 1], vec![2]]);
/// assert_eq!((p.conversions[0], p.value[0], p.nulls[1]), (1.0, 25.0, 1.0));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn paths_from_touchpoints(
    cols: &crate::TouchpointColumns<'_>,
    lookback: impl crate::model::time::IntoSpan,
) -> Result<Paths> {
    let lookback = lookback.seconds();
    paths_from_touchpoints_with(
        cols,
        &PathOptions {
            lookback,
            ..PathOptions::default()
        },
    )
}

/// How paths are built from touchpoints.
///
/// | setting | default |
/// |---|---|
/// | `lookback` | 30 days, in seconds |
/// | `include_conversion` | false |
/// | `by` | `"channel"`: what names a touch (any [`Dimension`]: `"event"`, `"campaign"`, `"channel:event"` …) |
///
/// # Examples
///
/// ```
/// use engagement_core::journey::attribution::PathOptions;
/// let o: PathOptions = serde_json::from_str(r#"{"include_conversion": true}"#)?;
/// assert_eq!((o.lookback, o.include_conversion, o.by.to_string()), (30 * 86_400, true, "channel".into()));
/// let by_event: PathOptions = serde_json::from_str(r#"{"by": "event"}"#)?;
/// assert!(by_event.by.needs_events());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathOptions {
    /// Seconds before a purchase that its path reaches back (default 30 days).
    pub lookback: i64,
    /// Whether the purchase's own touch ends its path (default `false`:
    /// the conversion is not a touch, so last touch is the last touchpoint
    /// before it). A purchase with no touchpoint before it in the lookback
    /// has its own touch as its path either way (a direct conversion).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_conversion: bool,
    /// What names a touch: its channel (the default), or any [`Dimension`]
    /// (`"event"`, `"campaign"`, `"channel:event"` …). Conversions are
    /// purchases whatever the dimension.
    #[serde(skip_serializing_if = "is_channel")]
    pub by: Dimension,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions {
            lookback: DEFAULT_LOOKBACK,
            include_conversion: false,
            by: Dimension::channel(),
        }
    }
}

fn is_channel(by: &Dimension) -> bool {
    *by == Dimension::channel()
}

/// Builds attribution paths from touchpoints: for each customer in time
/// order, every purchase closes a converting path made of the channels of the
/// customer's touchpoints (refunds aside) within `lookback` seconds before it
/// and since the previous purchase; the purchase's own channel ends the path
/// only with `include_conversion`, or when there is no touchpoint before it
/// (a direct conversion). Its value is the purchase value. Touchpoints after a
/// customer's last purchase (within `lookback` of the last of them) form a
/// non-converting path. Equal paths are counted together; channels are named
/// by their labels (`email`, `web` …).
///
/// # Errors
/// As [`TouchpointColumns::validate`](crate::TouchpointColumns::validate);
/// [`EngError::EmptyInput`] for no touchpoints; [`EngError::Config`] for a
/// `lookback` that is not positive.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::attribution::{PathOptions, paths_from_touchpoints_with};
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 2],
///     time: &[0, 60, 0],
///     channel: &[Channel::Email as u8, Channel::Web as u8, Channel::Store as u8],
///     kind: &[K::Click as u8, K::Purchase as u8, K::Purchase as u8],
///     value: &[0.0, 25.0, 10.0],
///     ..Default::default()
/// };
/// let p = paths_from_touchpoints_with(&cols, &PathOptions::default())?;
/// assert_eq!(p.channels, ["email", "store"]);   // customer 2 bought with no touch before: direct
/// let with = paths_from_touchpoints_with(&cols, &PathOptions { include_conversion: true, ..Default::default() })?;
/// assert_eq!(with.channels, ["email", "web", "store"]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn paths_from_touchpoints_with(
    cols: &crate::TouchpointColumns<'_>,
    options: &PathOptions,
) -> Result<Paths> {
    path_counts(cols, &PathColumns::default(), options)?.finish()
}

/// Builds attribution paths as [`paths_from_touchpoints_with`] does, over
/// the dimension `options.by` chooses: a product's own events, campaigns, or
/// a combination (`"channel:event"`), read from `extra` (its session ids
/// play no part). Conversions are still the purchases (kind `purchase`);
/// touches are named by their labels in that dimension.
///
/// # Errors
/// As [`paths_from_touchpoints_with`]; [`EngError::Config`] when the
/// dimension reads events or campaigns that `extra` does not give;
/// [`EngError::LengthMismatch`] for an event or campaign column of another
/// length than the touchpoints.
///
/// # Examples
///
/// ```
/// use engagement_core::{EventColumn, EventDictionary, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::attribution::{PathOptions, paths_from_touchpoints_by};
/// use engagement_core::journey::paths::PathColumns;
/// let mut dict = EventDictionary::new();
/// let codes = dict.intern_all(&["newsletter_42_open", "pricing_page_view", "order"])?;
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 1], time: &[0, 60, 120],
///     channel: &[1, 1, 1], kind: &[K::Open as u8, K::Visit as u8, K::Purchase as u8],
///     value: &[0.0, 0.0, 49.0],
///     ..Default::default()
/// };
/// let extra = PathColumns { events: Some(EventColumn::new(&codes, &dict)?), ..Default::default() };
/// let options = PathOptions { by: "event".parse()?, ..Default::default() };
/// let p = paths_from_touchpoints_by(&cols, &extra, &options)?;
/// assert_eq!(p.channels, ["newsletter_42_open", "pricing_page_view"]);
/// assert_eq!((p.paths[0].clone(), p.value[0]), (vec![0, 1], 49.0));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn paths_from_touchpoints_by(
    cols: &crate::TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    options: &PathOptions,
) -> Result<Paths> {
    path_counts(cols, extra, options)?.finish()
}

/// How far back a purchase's path reaches when the caller sets no lookback:
/// 30 days, in seconds.
pub const DEFAULT_LOOKBACK: i64 = 30 * 86_400;

/// Checks a lookback alone.
pub(crate) fn check_lookback(lookback: i64) -> Result<()> {
    ensure_config!(
        lookback > 0,
        "lookback",
        "must be > 0 seconds, got {lookback}"
    );
    Ok(())
}

/// Conversions, value (integer micro-units, exact in any order) and
/// non-converting journeys of one distinct path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct PathCount {
    pub(crate) conversions: u64,
    pub(crate) value: i64,
    pub(crate) nulls: u64,
}

/// The mergeable path counts of [`paths_from_touchpoints`] over some
/// customers (see [`crate::partial`]), keyed by the ids of the path's
/// touches: channel codes when `labels` is empty (the channel dimension),
/// else indices into `labels` (sorted, distinct; merging unites them).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct PathCounts {
    pub(crate) labels: Vec<String>,
    pub(crate) paths: std::collections::BTreeMap<Vec<u32>, PathCount>,
}

impl PathCounts {
    pub(crate) fn add(&mut self, path: Vec<u32>, c: PathCount) {
        let e = self.paths.entry(path).or_default();
        e.conversions = e.conversions.saturating_add(c.conversions);
        e.value = e.value.saturating_add(c.value);
        e.nulls = e.nulls.saturating_add(c.nulls);
    }

    /// Renumbers the touches by `remap` under new labels.
    fn renumber(&mut self, remap: &[u32], labels: Vec<String>) {
        self.paths = std::mem::take(&mut self.paths)
            .into_iter()
            .map(|(p, c)| (p.into_iter().map(|id| remap[id as usize]).collect(), c))
            .collect();
        self.labels = labels;
    }

    pub(crate) fn merge(&mut self, mut other: PathCounts) {
        if self.labels != other.labels {
            let (all, mine, theirs) =
                crate::journey::paths::unite_labels(&self.labels, &other.labels);
            self.renumber(&mine, all.clone());
            other.renumber(&theirs, all);
        }
        for (path, c) in other.paths {
            self.add(path, c);
        }
    }

    /// An error unless every path is a non-empty list of known touches with
    /// some journeys and no negative value.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        use crate::model::Channel;
        if self.labels.windows(2).any(|w| w[0] >= w[1]) {
            return Err("labels out of order or repeated".into());
        }
        let known = if self.labels.is_empty() {
            Channel::COUNT
        } else {
            self.labels.len()
        };
        for (path, c) in &self.paths {
            if path.is_empty() || path.iter().any(|&x| x as usize >= known) {
                return Err("a path that is empty or has an unknown touch".into());
            }
            if c.value < 0 || c.conversions == 0 && c.nulls == 0 {
                return Err("a path with negative value or without journeys".into());
            }
        }
        Ok(())
    }

    /// The path table; [`EngError::EmptyInput`] when no journey was counted.
    pub(crate) fn finish(&self) -> Result<Paths> {
        use crate::model::{Channel, Code};
        if self.paths.is_empty() {
            return Err(EngError::EmptyInput {
                what: "attribution paths".into(),
                unit: "touchpoint".into(),
            });
        }
        let name = |id: u32| -> String {
            if self.labels.is_empty() {
                u8::try_from(id)
                    .ok()
                    .and_then(|c| Channel::from_code(c).ok())
                    .map_or_else(|| format!("channel {id}"), |c| c.label().to_string())
            } else {
                self.labels[id as usize].clone()
            }
        };
        let mut out = Paths::default();
        let mut index: HashMap<u32, u32> = HashMap::new();
        // Touches numbered in order of first appearance over the sorted paths.
        for (path, c) in &self.paths {
            let mut ids = Vec::with_capacity(path.len());
            for &code in path {
                let next = out.channels.len() as u32;
                let id = *index.entry(code).or_insert_with(|| {
                    out.channels.push(name(code));
                    next
                });
                ids.push(id);
            }
            out.paths.push(ids);
            out.conversions.push(c.conversions as f64);
            out.value
                .push(crate::model::money::from_micros(i128::from(c.value)));
            out.nulls.push(c.nulls as f64);
        }
        Ok(out)
    }
}

/// The touch bit of a record's payload that marks a purchase.
pub(crate) const PURCHASE: u32 = 1 << 31;

/// Follows one customer's touches (time, touch id with [`PURCHASE`] set on
/// purchases, value; in journey order, after those before): each purchase
/// closes a path, given to `converted` with its value in micro-units;
/// `since` keeps the touches after the last purchase.
pub(crate) fn follow_paths(
    options: &PathOptions,
    since: &mut Vec<(i64, u32)>,
    touches: impl IntoIterator<Item = (i64, u32, f64)>,
    mut converted: impl FnMut(Vec<u32>, i64),
) {
    for (time, payload, value) in touches {
        if payload & PURCHASE != 0 {
            let start = time.saturating_sub(options.lookback);
            let mut path: Vec<u32> = since.iter().filter(|r| r.0 >= start).map(|r| r.1).collect();
            if options.include_conversion || path.is_empty() {
                path.push(payload & !PURCHASE);
            }
            converted(path, crate::model::money::micros(value));
            since.clear();
        } else {
            since.push((time, payload));
        }
    }
}

/// The path of the touches after a customer's last purchase (within
/// `lookback` of the last of them), if there are any.
pub(crate) fn open_path(lookback: i64, since: &[(i64, u32)]) -> Option<Vec<u32>> {
    let last = since.last()?.0;
    let start = last.saturating_sub(lookback);
    Some(since.iter().filter(|r| r.0 >= start).map(|r| r.1).collect())
}

/// The mergeable counts of [`paths_from_touchpoints_by`] (no touchpoints give empty counts).
pub(crate) fn path_counts(
    cols: &crate::TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    options: &PathOptions,
) -> Result<PathCounts> {
    let PathOptions {
        lookback, ref by, ..
    } = *options;
    use crate::model::{Code, TouchpointKind};
    let mut fill = Default::default();
    let cols = &crate::model::event_log(cols, &mut fill);
    let n = cols.validate()?;
    check_lookback(lookback)?;
    extra.check_lengths(n)?;
    if n == 0 {
        // An empty part (a partition without rows) reads nothing.
        return Ok(PathCounts::default());
    }
    by.check_columns(extra)?;
    // An event log without channels, attributed by channel, names every touch `other`.
    let other = crate::model::Channel::Other as u8;
    ensure_config!(
        !(*by == Dimension::channel()
            && extra.events.is_some()
            && cols.channel.iter().all(|&c| c == other)),
        "by",
        "every touchpoint's channel is other (an event log without channels): attributing by channel \
         credits one touch; choose by = \"event\" (or another dimension: kind, campaign, channel:event)"
    );
    let (purchase, refund) = (
        TouchpointKind::Purchase.code(),
        TouchpointKind::Refund.code(),
    );
    // A touch's id: its channel code, or its label's index in another dimension.
    let (ids, labels) = if *by == Dimension::channel() {
        (None, Vec::new())
    } else {
        let (ids, labels) = crate::journey::paths::row_labels(cols, extra, by)?;
        if labels.len() >= PURCHASE as usize {
            return Err(EngError::invalid(
                "touchpoints",
                labels.len(),
                "attribution takes at most 2^31 distinct touch labels",
            ));
        }
        (Some(ids), labels)
    };
    let ranks = extra
        .events
        .map(|e| e.dictionary().ranks())
        .unwrap_or_default();
    let ties = crate::model::TieColumns {
        campaign: extra.campaign,
        event: extra.events.map_or(&[], |e| e.codes()),
        event_rank: &ranks,
    };
    // Refunds play no part; the payload is the touch, with the top bit set for a purchase.
    let records = cols.journey_records(&ties, |i| match cols.kind[i] {
        k if k == refund => None,
        k => {
            let id = ids
                .as_ref()
                .map_or(u32::from(cols.channel[i]), |ids| ids[i]);
            Some(id | if k == purchase { PURCHASE } else { 0 })
        }
    })?;
    // Distinct touch sequences per run of customers in parallel, merged in run order.
    let parts: Vec<rustc_hash::FxHashMap<Vec<u32>, PathCount>> = {
        use rayon::prelude::*;
        crate::model::customer_runs(&records)
            .into_par_iter()
            .map(|run| {
                let mut found = rustc_hash::FxHashMap::<Vec<u32>, PathCount>::default();
                let mut since: Vec<(i64, u32)> = Vec::new();
                for customer in run.chunk_by(|a, b| a.customer == b.customer) {
                    since.clear();
                    let touches = customer.iter().map(|r| {
                        let v = cols.value.get(r.row as usize).copied().unwrap_or(0.0);
                        (r.time, r.payload, v)
                    });
                    follow_paths(options, &mut since, touches, |path, value| {
                        let e = found.entry(path).or_default();
                        e.conversions += 1;
                        e.value = e.value.saturating_add(value);
                    });
                    if let Some(path) = open_path(options.lookback, &since) {
                        found.entry(path).or_default().nulls += 1;
                    }
                }
                found
            })
            .collect()
    };
    let mut out = PathCounts {
        labels,
        ..PathCounts::default()
    };
    for part in parts {
        for (path, c) in part {
            out.add(path, c);
        }
    }
    Ok(out)
}

/// An attribution rule, as data (`{"rule": "markov", "order": 2}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "rule",
    rename_all = "snake_case",
    deny_unknown_fields,
    from = "RuleWire"
)]
pub enum Rule {
    /// All credit to the first touch.
    FirstTouch,
    /// All credit to the last touch.
    LastTouch,
    /// Equal credit to every touch.
    Linear,
    /// Credit halving every `half_life` touches before the conversion (paths
    /// carry no times, so distance is counted in touches).
    TimeDecay {
        /// Touches over which a touch's weight halves.
        half_life: f64,
    },
    /// `first` and `last` shares to the first and last touches, the rest
    /// split over the touches between (40/20/40 by default).
    PositionBased {
        /// Share of the first touch.
        #[serde(default = "forty")]
        first: f64,
        /// Share of the last touch.
        #[serde(default = "forty")]
        last: f64,
    },
    /// Markov-chain removal effects of the given order (1–4).
    Markov {
        /// How many previous channels a state remembers.
        #[serde(default = "one")]
        order: u8,
    },
    /// Shapley values of the channels (exact; at most 15 channels).
    Shapley,
}

/// What a rule reads from: serde's `deny_unknown_fields` does not reach
/// the unit variants of an internally tagged enum, so they are empty
/// structs here (`{"rule": "linear", "lookback": 5}` is refused rather
/// than read as linear).
#[derive(Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
enum RuleWire {
    FirstTouch {},
    LastTouch {},
    Linear {},
    TimeDecay {
        half_life: f64,
    },
    PositionBased {
        #[serde(default = "forty")]
        first: f64,
        #[serde(default = "forty")]
        last: f64,
    },
    Markov {
        #[serde(default = "one")]
        order: u8,
    },
    Shapley {},
}

impl From<RuleWire> for Rule {
    fn from(w: RuleWire) -> Self {
        match w {
            RuleWire::FirstTouch {} => Rule::FirstTouch,
            RuleWire::LastTouch {} => Rule::LastTouch,
            RuleWire::Linear {} => Rule::Linear,
            RuleWire::TimeDecay { half_life } => Rule::TimeDecay { half_life },
            RuleWire::PositionBased { first, last } => Rule::PositionBased { first, last },
            RuleWire::Markov { order } => Rule::Markov { order },
            RuleWire::Shapley {} => Rule::Shapley,
        }
    }
}

impl Default for Rule {
    /// Markov removal effects of order 1, the data-driven rule.
    fn default() -> Self {
        Rule::Markov { order: 1 }
    }
}

fn forty() -> f64 {
    0.4
}

fn one() -> u8 {
    1
}

/// Credits per channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// Channel names.
    pub channels: Vec<String>,
    /// Conversions credited to each channel (they sum to the total).
    pub conversions: Vec<f64>,
    /// Conversion value credited to each channel (sums to the total value).
    pub value: Vec<f64>,
    /// Markov only: each channel's removal effect, the share of conversions
    /// lost when the channel is removed from the chain.
    pub removal_effects: Option<Vec<f64>>,
    /// Markov only: the share of conversion value lost when the channel is
    /// removed, each conversion weighing the mean value of the conversions
    /// from its last state; `value` is split in proportion to these.
    #[serde(default)]
    pub value_removal_effects: Option<Vec<f64>>,
}

/// Attributes the conversions and value of `paths` to channels by `rule`.
///
/// # Formula
///
/// Heuristic rules give each touch of a path a weight summing to 1 and
/// credit `weight × conversions` (and `× value`). Markov (Anderl et al.
/// 2016): transition probabilities between states (the last `order`
/// channels) with start, conversion and null states; `P(conv)` from the
/// absorbing chain's linear system; removing channel `c` sends every
/// transition into a state containing `c` to null, and its removal effect is
/// `1 − P_c(conv)/P(conv)`; credits are the removal effects normalised to the
/// total conversions. Value is credited the same way with value-weighted
/// removal effects `1 − V_c/V`, where `V` is the expected conversion value of
/// a journey, each conversion from a state worth the mean value of the
/// conversions observed from it (ChannelAttribution's convention: channels
/// that lead to large orders earn more of the value). Shapley (Shapley 1953; Zhao et al.
/// 2018): `v(S)` = conversions of the paths whose channels all lie in `S`,
/// `φ_c = Σ_{S ∌ c} |S|!(n−|S|−1)!/n! · (v(S ∪ c) − v(S))`, value likewise.
///
/// The absorbing chain is solved by Gauss–Seidel to a change below 1e-15:
/// deterministic, independent of path order up to rounding.
///
/// # Errors
/// [`EngError::Config`] for a bad rule (order outside 1–4, shares outside
/// [0, 1] or over 1, a half-life that is not positive, Shapley with more than
/// 15 channels); [`EngError::InvalidInput`] when no path converts.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::attribution::{Paths, Rule, attribute};
/// let p = Paths::parse(&["a > b", "b"], &[1.0, 1.0], None, Some(&[0.0, 1.0]), ">")?;
/// let last = attribute(&p, &Rule::LastTouch)?;
/// assert_eq!(last.conversions, [0.0, 2.0]);
/// let m = attribute(&p, &Rule::Markov { order: 1 })?;
/// assert!((m.conversions.iter().sum::<f64>() - 2.0).abs() < 1e-12);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn attribute(paths: &Paths, rule: &Rule) -> Result<Attribution> {
    let total = paths.total_conversions();
    if total <= 0.0 {
        return Err(EngError::invalid(
            "conversions",
            total,
            "no path converts: there is nothing to attribute (built from touchpoints, a conversion \
             is a touchpoint of kind purchase)",
        ));
    }
    let k = paths.channels.len();
    let (mut conv, mut value) = (vec![0.0; k], vec![0.0; k]);
    let mut credit_by_weights = |weights: &dyn Fn(usize) -> Vec<f64>| {
        for (i, path) in paths.paths.iter().enumerate() {
            for (w, &c) in weights(path.len()).iter().zip(path) {
                conv[c as usize] += w * paths.conversions[i];
                value[c as usize] += w * paths.value[i];
            }
        }
    };
    match *rule {
        Rule::FirstTouch => credit_by_weights(&|n| {
            let mut w = vec![0.0; n];
            w[0] = 1.0;
            w
        }),
        Rule::LastTouch => credit_by_weights(&|n| {
            let mut w = vec![0.0; n];
            w[n - 1] = 1.0;
            w
        }),
        Rule::Linear => credit_by_weights(&|n| vec![1.0 / n as f64; n]),
        Rule::TimeDecay { half_life } => {
            crate::error::positive("half_life", half_life)?;
            credit_by_weights(&|n| {
                let raw: Vec<f64> = (0..n)
                    .map(|j| 0.5f64.powf((n - 1 - j) as f64 / half_life))
                    .collect();
                let sum: f64 = raw.iter().sum();
                raw.iter().map(|r| r / sum).collect()
            });
        }
        Rule::PositionBased { first, last } => {
            ensure_config!(
                (0.0..=1.0).contains(&first) && (0.0..=1.0).contains(&last) && first + last <= 1.0,
                "first",
                "first and last shares must lie in [0, 1] and sum to at most 1"
            );
            credit_by_weights(&|n| match n {
                1 => vec![1.0],
                // Two touches share the middle's part in proportion to their own.
                2 => vec![first / (first + last), last / (first + last)],
                _ => {
                    let mut w = vec![(1.0 - first - last) / (n - 2) as f64; n];
                    w[0] = first;
                    w[n - 1] = last;
                    w
                }
            });
        }
        Rule::Markov { order } => return markov(paths, order),
        Rule::Shapley => return shapley(paths),
    }
    Ok(Attribution {
        channels: paths.channels.clone(),
        conversions: conv,
        value,
        removal_effects: None,
        value_removal_effects: None,
    })
}

/// The absorbing chain of a Markov model: states are the last `order`
/// channels seen; `START` and the absorbing `CONVERSION` and `NULL` are
/// special. Transitions are summed weights.
struct Chain {
    /// State of each key (the last `order` channels).
    states: HashMap<Vec<u32>, usize>,
    /// Channels remembered by each state.
    keys: Vec<Vec<u32>>,
    /// Outgoing transitions per state: (target, weight); targets are states,
    /// or CONVERSION / NULL.
    out: Vec<HashMap<usize, f64>>,
    /// Conversion value of the conversions from each state.
    value: Vec<f64>,
}

const START: usize = 0;
const CONVERSION: usize = usize::MAX;
const NULL: usize = usize::MAX - 1;

impl Chain {
    fn build(paths: &Paths, order: usize) -> Chain {
        let mut chain = Chain {
            states: HashMap::new(),
            keys: vec![Vec::new()],
            out: vec![HashMap::new()],
            value: vec![0.0],
        };
        for (i, path) in paths.paths.iter().enumerate() {
            let weight = paths.conversions[i] + paths.nulls[i];
            if weight == 0.0 {
                continue;
            }
            let mut from = START;
            for j in 0..path.len() {
                let key = path[j.saturating_sub(order - 1)..=j].to_vec();
                let to = chain.state(key);
                *chain.out[from].entry(to).or_insert(0.0) += weight;
                from = to;
            }
            if paths.conversions[i] > 0.0 {
                *chain.out[from].entry(CONVERSION).or_insert(0.0) += paths.conversions[i];
                chain.value[from] += paths.value[i];
            }
            if paths.nulls[i] > 0.0 {
                *chain.out[from].entry(NULL).or_insert(0.0) += paths.nulls[i];
            }
        }
        chain
    }

    fn state(&mut self, key: Vec<u32>) -> usize {
        if let Some(&s) = self.states.get(&key) {
            return s;
        }
        let s = self.keys.len();
        self.states.insert(key.clone(), s);
        self.keys.push(key);
        self.out.push(HashMap::new());
        self.value.push(0.0);
        s
    }

    /// Expected reward of a journey from START, a conversion from state `s`
    /// earning 1 (`weighted` false: the conversion probability) or the mean
    /// value of the conversions from `s` (`weighted`: the expected value),
    /// with the states in `removed` sent to NULL; Gauss–Seidel sweeps in
    /// state order until no value changes by more than 1e-15 (times the
    /// largest reward when it exceeds 1; at most 100 000 sweeps).
    fn absorbed(&self, removed: &[bool], weighted: bool) -> Result<f64> {
        let n = self.keys.len();
        // Normalised transitions, sorted by target for a fixed summation order.
        let rows: Vec<(Vec<(usize, f64)>, f64)> = (0..n)
            .map(|s| {
                let total: f64 = self.out[s].values().sum();
                let mut to_states: Vec<(usize, f64)> = self.out[s]
                    .iter()
                    .filter(|&(&t, _)| t != CONVERSION && t != NULL)
                    .map(|(&t, &w)| (t, w / total))
                    .collect();
                to_states.sort_by_key(|e| e.0);
                let to_conv = match self.out[s].get(&CONVERSION) {
                    Some(_) if weighted => self.value[s] / total,
                    Some(w) => w / total,
                    None => 0.0,
                };
                (to_states, to_conv)
            })
            .collect();
        // Probabilities settle to 1e-15; values to 1e-15 of the largest reward (at least 1e-15).
        let scale = if weighted {
            rows.iter().map(|r| r.1).fold(1.0f64, f64::max)
        } else {
            1.0
        };
        let mut p = vec![0.0f64; n];
        for _ in 0..100_000 {
            let mut change = 0.0f64;
            for s in 0..n {
                if removed[s] {
                    continue;
                }
                let (to_states, to_conv) = &rows[s];
                let v = to_conv
                    + to_states
                        .iter()
                        .map(|&(t, w)| if removed[t] { 0.0 } else { w * p[t] })
                        .sum::<f64>();
                change = change.max((v - p[s]).abs());
                p[s] = v;
            }
            if change <= 1e-15 * scale {
                return Ok(p[START]);
            }
        }
        Err(EngError::Convergence {
            iterations: 100_000,
            reason: "the Markov chain's absorption probabilities did not settle".into(),
        })
    }
}

fn markov(paths: &Paths, order: u8) -> Result<Attribution> {
    ensure_config!(
        (1..=4).contains(&order),
        "order",
        "must be 1 to 4, got {order}"
    );
    let chain = Chain::build(paths, usize::from(order));
    let n = chain.keys.len();
    let k = paths.channels.len();
    // Removal effects per channel, of conversions and of value.
    let effects = |weighted: bool| -> Result<Vec<f64>> {
        let base = chain.absorbed(&vec![false; n], weighted)?;
        (0..k)
            .map(|c| {
                let removed: Vec<bool> = chain
                    .keys
                    .iter()
                    .map(|key| key.contains(&(c as u32)))
                    .collect();
                Ok(if base > 0.0 {
                    1.0 - chain.absorbed(&removed, weighted)? / base
                } else {
                    0.0
                })
            })
            .collect()
    };
    let (conv_effects, value_effects) = (effects(false)?, effects(true)?);
    let split = |effects: &[f64], total: f64| -> Vec<f64> {
        let sum: f64 = effects.iter().sum();
        effects
            .iter()
            .map(|&e| if sum > 0.0 { e / sum * total } else { 0.0 })
            .collect()
    };
    Ok(Attribution {
        channels: paths.channels.clone(),
        conversions: split(&conv_effects, paths.total_conversions()),
        value: split(&value_effects, paths.value.iter().sum()),
        removal_effects: Some(conv_effects),
        value_removal_effects: Some(value_effects),
    })
}

fn shapley(paths: &Paths) -> Result<Attribution> {
    let k = paths.channels.len();
    ensure_config!(
        k <= 15,
        "rule",
        "exact Shapley values need at most 15 channels, got {k}"
    );
    let subsets = 1usize << k;
    // Conversions and value of the paths whose channel set is exactly each mask.
    let (mut conv, mut value) = (vec![0.0; subsets], vec![0.0; subsets]);
    for (i, path) in paths.paths.iter().enumerate() {
        let mask = path.iter().fold(0usize, |m, &c| m | (1 << c));
        conv[mask] += paths.conversions[i];
        value[mask] += paths.value[i];
    }
    // v(S) = Σ_{T ⊆ S} by the subset-sum (zeta) transform.
    for bit in 0..k {
        for mask in 0..subsets {
            if mask & (1 << bit) != 0 {
                conv[mask] += conv[mask ^ (1 << bit)];
                value[mask] += value[mask ^ (1 << bit)];
            }
        }
    }
    // w(s) = s!(k−s−1)!/k! for coalitions of size s without the channel.
    let weight: Vec<f64> = (0..k)
        .map(|s| {
            let ln =
                ln_factorial(s as u64) + ln_factorial((k - s - 1) as u64) - ln_factorial(k as u64);
            ln.exp()
        })
        .collect();
    let (mut phi_conv, mut phi_value) = (vec![0.0; k], vec![0.0; k]);
    for c in 0..k {
        for mask in 0..subsets {
            if mask & (1 << c) == 0 {
                let w = weight[mask.count_ones() as usize];
                phi_conv[c] += w * (conv[mask | (1 << c)] - conv[mask]);
                phi_value[c] += w * (value[mask | (1 << c)] - value[mask]);
            }
        }
    }
    Ok(Attribution {
        channels: paths.channels.clone(),
        conversions: phi_conv,
        value: phi_value,
        removal_effects: None,
        value_removal_effects: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_log_attributed_by_channel_is_refused_with_the_fix() {
        use crate::{EventColumn, EventDictionary, TouchpointKind as K};
        let mut dict = EventDictionary::new();
        let codes = dict.intern_all(&["pricing", "order"]).unwrap();
        let cols = crate::TouchpointColumns {
            customer: &[1, 1],
            time: &[0, 60],
            kind: &[K::Visit as u8, K::Purchase as u8],
            ..Default::default()
        };
        let extra = PathColumns {
            events: Some(EventColumn::new(&codes, &dict).unwrap()),
            ..Default::default()
        };
        let e = paths_from_touchpoints_by(&cols, &extra, &PathOptions::default()).unwrap_err();
        assert!(e.to_string().contains("choose by = \"event\""), "{e}");
        let by_event = PathOptions {
            by: "event".parse().unwrap(),
            ..Default::default()
        };
        let p = paths_from_touchpoints_by(&cols, &extra, &by_event).unwrap();
        assert_eq!(p.channels, ["pricing"]);
        // Without kinds nothing converts; the message says what a conversion is.
        let no_kind = crate::TouchpointColumns { kind: &[], ..cols };
        let p = paths_from_touchpoints_by(&no_kind, &extra, &by_event).unwrap();
        let e = attribute(&p, &Rule::Linear).unwrap_err();
        assert!(e.to_string().contains("kind purchase"), "{e}");
    }

    fn sample() -> Paths {
        Paths::parse(
            &[
                "email > search",
                "search",
                "display > email > search",
                "display",
                "email",
            ],
            &[10.0, 5.0, 4.0, 0.0, 2.0],
            Some(&[100.0, 40.0, 60.0, 0.0, 10.0]),
            Some(&[5.0, 20.0, 3.0, 30.0, 12.0]),
            ">",
        )
        .unwrap()
    }

    #[test]
    fn every_rule_credits_exactly_the_totals() {
        let p = sample();
        for rule in [
            Rule::FirstTouch,
            Rule::LastTouch,
            Rule::Linear,
            Rule::TimeDecay { half_life: 1.0 },
            Rule::PositionBased {
                first: 0.4,
                last: 0.4,
            },
            Rule::Markov { order: 1 },
            Rule::Markov { order: 2 },
            Rule::Markov { order: 3 },
            Rule::Shapley,
        ] {
            let a = attribute(&p, &rule).unwrap();
            assert!(
                (a.conversions.iter().sum::<f64>() - 21.0).abs() < 1e-9,
                "{rule:?}"
            );
            assert!(
                (a.value.iter().sum::<f64>() - 210.0).abs() < 1e-9,
                "{rule:?}"
            );
        }
    }

    #[test]
    fn markov_removal_effects_do_not_depend_on_path_order() {
        let p = sample();
        let mut q = p.clone();
        q.paths.reverse();
        q.conversions.reverse();
        q.value.reverse();
        q.nulls.reverse();
        for order in 1..=3 {
            let a = attribute(&p, &Rule::Markov { order }).unwrap();
            let b = attribute(&q, &Rule::Markov { order }).unwrap();
            for (x, y) in a
                .removal_effects
                .unwrap()
                .iter()
                .zip(b.removal_effects.unwrap())
            {
                assert!((x - y).abs() < 1e-13, "{order}: {x} {y}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn prop_credits_sum_to_the_totals_and_markov_ignores_path_order(
            rows in proptest::collection::vec(
                (proptest::collection::vec(0u32..5, 1..6), 0u8..20, 0u8..20, 0u16..500),
                1..12,
            ),
            order in 1u8..4,
        ) {
            let texts: Vec<String> = rows
                .iter()
                .map(|r| r.0.iter().map(|c| format!("c{c}")).collect::<Vec<_>>().join(" > "))
                .collect();
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let conv: Vec<f64> = rows.iter().map(|r| f64::from(r.1)).collect();
            let nulls: Vec<f64> = rows.iter().map(|r| f64::from(r.2)).collect();
            let value: Vec<f64> = rows.iter().map(|r| f64::from(r.3)).collect();
            let total: f64 = conv.iter().sum();
            proptest::prop_assume!(total > 0.0);
            let total_value: f64 = rows.iter().filter(|r| r.1 > 0 || r.3 > 0).map(|r| f64::from(r.3)).sum();
            let p = Paths::parse(&texts, &conv, Some(&value), Some(&nulls), ">").unwrap();
            for rule in [Rule::FirstTouch, Rule::Linear, Rule::PositionBased { first: 0.4, last: 0.4 }, Rule::Shapley, Rule::Markov { order }] {
                let a = attribute(&p, &rule).unwrap();
                proptest::prop_assert!((a.conversions.iter().sum::<f64>() - total).abs() < 1e-9 * total.max(1.0));
                proptest::prop_assert!(a.conversions.iter().all(|c| *c >= -1e-12));
                if !matches!(rule, Rule::Markov { .. }) {
                    proptest::prop_assert!((a.value.iter().sum::<f64>() - total_value).abs() < 1e-9 * total_value.max(1.0));
                }
            }
            // The same paths in reverse order: the same removal effects.
            let (mut rt, mut rc, mut rv, mut rn) = (texts.clone(), conv.clone(), value.clone(), nulls.clone());
            rt.reverse();
            rc.reverse();
            rv.reverse();
            rn.reverse();
            let q = Paths::parse(&rt, &rc, Some(&rv), Some(&rn), ">").unwrap();
            let a = attribute(&p, &Rule::Markov { order }).unwrap();
            let b = attribute(&q, &Rule::Markov { order }).unwrap();
            for (name, e) in a.channels.iter().zip(a.removal_effects.unwrap()) {
                let j = b.channels.iter().position(|c| c == name).unwrap();
                let f = b.removal_effects.as_ref().unwrap()[j];
                proptest::prop_assert!((e - f).abs() < 1e-12, "{} {} {}", name, e, f);
            }
        }
    }

    #[test]
    fn bad_rules_and_input_are_typed() {
        let p = sample();
        // An unknown key is refused for every rule, those without settings included.
        for json in [
            r#"{"rule": "linear", "lookback": 5}"#,
            r#"{"rule": "shapley", "order": 2}"#,
            r#"{"rule": "markov", "lookback": 5}"#,
        ] {
            let e = crate::limits::from_json::<Rule>(json).unwrap_err();
            assert!(e.to_string().contains("unknown field"), "{json}: {e}");
        }
        assert_eq!(
            crate::limits::from_json::<Rule>(r#"{"rule": "linear"}"#).unwrap(),
            Rule::Linear
        );
        assert!(attribute(&p, &Rule::Markov { order: 0 }).is_err());
        assert!(attribute(&p, &Rule::Markov { order: 5 }).is_err());
        assert!(attribute(&p, &Rule::TimeDecay { half_life: 0.0 }).is_err());
        assert!(
            attribute(
                &p,
                &Rule::PositionBased {
                    first: 0.7,
                    last: 0.4
                }
            )
            .is_err()
        );
        assert!(Paths::parse(&["a >  > b"], &[1.0], None, None, ">").is_err());
        assert!(Paths::parse(&["a"], &[-1.0], None, None, ">").is_err());
        assert!(Paths::parse(&["a"], &[1.0, 2.0], None, None, ">").is_err());
        let none = Paths::parse(&["a"], &[0.0], None, Some(&[4.0]), ">").unwrap();
        assert!(attribute(&none, &Rule::Linear).is_err());
    }
}
