//! Funnels: ordered steps over touchpoints, defined as data, with the
//! customers reaching each step, step and overall conversion with Wilson
//! intervals, drop-off and time to convert.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::journey::StageHistory;
use crate::model::{Channel, JourneyStage, TouchpointKind};
use crate::score::Proportion;

/// One funnel step: a touchpoint matches when its kind is one of `kinds`,
/// its channel one of `channels` and its campaign one of `campaigns` (an
/// empty list matches any). A step with `stages` is instead the customer
/// entering one of those journey stages, read from a stage history (see
/// [`FunnelExtras`]); it takes no touchpoint predicate.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::funnel::FunnelStep;
/// let s: FunnelStep = serde_json::from_str(r#"{"name": "visit", "kinds": ["visit"], "channels": ["web", "mobile_app"]}"#)?;
/// assert_eq!(s.channels.len(), 2);
/// assert!(serde_json::from_str::<FunnelStep>(r#"{"name": "cart", "kinds": ["add_to_cart"]}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunnelStep {
    /// Name shown in results.
    pub name: String,
    /// Kinds that match (any when empty).
    #[serde(default)]
    pub kinds: Vec<TouchpointKind>,
    /// Channels that match (any when empty).
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Campaign ids that match (any when empty; needs the campaign column).
    #[serde(default)]
    pub campaigns: Vec<u64>,
    /// Event labels that match, exactly (needs an event column; with
    /// `event_prefix`, a label matching either matches).
    #[serde(default)]
    pub events: Vec<String>,
    /// Event labels that begin with this text match (needs an event column).
    #[serde(default)]
    pub event_prefix: Option<String>,
    /// Event labels in which this regular expression finds a match (the
    /// [`regex`] crate's syntax; unanchored, so `^checkout_(card|paypal)$`
    /// for whole labels; needs an event column).
    #[serde(default)]
    pub event_regex: Option<String>,
    /// Journey stages whose entry is this step (needs a stage history).
    #[serde(default)]
    pub stages: Vec<JourneyStage>,
    /// Seconds from the previous step within which this one must happen
    /// (besides the funnel's `window` from the first step; none on the first
    /// step; loose order only).
    #[serde(default)]
    pub within: Option<i64>,
}

impl FunnelStep {
    /// A step named `name` that matches any touchpoint until narrowed by the
    /// methods below, which each set one field (the same fields as the JSON
    /// form).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, TouchpointKind};
    /// use engagement_core::journey::funnel::FunnelStep;
    /// use std::time::Duration;
    /// let step = FunnelStep::new("bought")
    ///     .kinds([TouchpointKind::Purchase])
    ///     .channels([Channel::Web, Channel::MobileApp])
    ///     .within(Duration::from_secs(24 * 3600));
    /// let same: FunnelStep = serde_json::from_str(
    ///     r#"{"name": "bought", "kinds": ["purchase"], "channels": ["web", "mobile_app"], "within": 86400}"#)?;
    /// assert_eq!(step, same);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        FunnelStep {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Kinds that match.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = TouchpointKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }

    /// Channels that match.
    pub fn channels(mut self, channels: impl IntoIterator<Item = Channel>) -> Self {
        self.channels = channels.into_iter().collect();
        self
    }

    /// Campaign ids that match.
    pub fn campaigns(mut self, campaigns: impl IntoIterator<Item = u64>) -> Self {
        self.campaigns = campaigns.into_iter().collect();
        self
    }

    /// Event labels that match exactly.
    pub fn events<S: Into<String>>(mut self, events: impl IntoIterator<Item = S>) -> Self {
        self.events = events.into_iter().map(Into::into).collect();
        self
    }

    /// Event labels beginning with `prefix` match.
    pub fn event_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.event_prefix = Some(prefix.into());
        self
    }

    /// Event labels in which the regular expression finds a match.
    pub fn event_regex(mut self, regex: impl Into<String>) -> Self {
        self.event_regex = Some(regex.into());
        self
    }

    /// Journey stages whose entry is this step.
    pub fn stages(mut self, stages: impl IntoIterator<Item = JourneyStage>) -> Self {
        self.stages = stages.into_iter().collect();
        self
    }

    /// The time from the previous step within which this one must happen:
    /// a `Duration` (or any [`IntoSpan`](crate::model::time::IntoSpan)), in
    /// whole seconds (a fraction of a second is dropped).
    pub fn within(mut self, within: impl crate::model::time::IntoSpan) -> Self {
        self.within = Some(within.seconds());
        self
    }
}

/// A touchpoint that voids a conversion when it happens between two steps:
/// an attempt that has reached step `between[0]` but not yet step
/// `between[1]` when such a touchpoint comes stops there (it counts as
/// reaching the steps before, as a customer who dropped off), whatever
/// later touchpoints do. It matches as a step does (`kinds`, `channels`,
/// `campaigns`, `events`, `event_prefix`, `event_regex`; an empty list
/// matches any), never a stage entry, whatever property the funnel holds
/// constant (a refund of another campaign voids the conversion too).
///
/// # Examples
///
/// ```
/// use engagement_core::journey::funnel::Exclusion;
/// let e: Exclusion = serde_json::from_str(r#"{"name": "refund", "events": ["refund"], "between": [1, 2]}"#)?;
/// assert_eq!(e.between, [1, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// Name shown in errors.
    pub name: String,
    /// Kinds that match (any when empty).
    #[serde(default)]
    pub kinds: Vec<TouchpointKind>,
    /// Channels that match (any when empty).
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Campaign ids that match (any when empty; needs the campaign column).
    #[serde(default)]
    pub campaigns: Vec<u64>,
    /// Event labels that match, exactly (needs an event column).
    #[serde(default)]
    pub events: Vec<String>,
    /// Event labels that begin with this text match (needs an event column).
    #[serde(default)]
    pub event_prefix: Option<String>,
    /// Event labels in which this regular expression finds a match.
    #[serde(default)]
    pub event_regex: Option<String>,
    /// The steps (0-based, the first before the second) between which the
    /// touchpoint voids the conversion.
    pub between: [usize; 2],
}

impl Exclusion {
    /// The exclusion's predicate as a step's.
    fn step(&self) -> FunnelStep {
        FunnelStep {
            name: self.name.clone(),
            kinds: self.kinds.clone(),
            channels: self.channels.clone(),
            campaigns: self.campaigns.clone(),
            events: self.events.clone(),
            event_prefix: self.event_prefix.clone(),
            event_regex: self.event_regex.clone(),
            ..Default::default()
        }
    }
}

/// A property of a touchpoint that a funnel may hold constant across its
/// steps or break its results down by: the touchpoint's `channel`, `kind`,
/// `campaign` id or `event` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    /// The channel.
    Channel,
    /// The touchpoint kind.
    Kind,
    /// The campaign id (needs the campaign column; 0 is "none").
    Campaign,
    /// The event label (needs an event column).
    Event,
}

/// Which of a customer's touchpoints matching the first step may start the
/// funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// Any of them: the deepest progress of all counts (the earliest among equals).
    #[default]
    Any,
    /// Only the customer's first.
    First,
}

impl FunnelStep {
    /// Whether the step reads event labels.
    fn reads_events(&self) -> bool {
        !self.events.is_empty() || self.event_prefix.is_some() || self.event_regex.is_some()
    }

    /// The step's regular expression, compiled.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the step for a pattern that does not compile.
    fn regex(&self) -> Result<Option<regex::Regex>> {
        self.event_regex
            .as_deref()
            .map(|p| {
                regex::RegexBuilder::new(p)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        EngError::config(
                            "steps.event_regex",
                            format!(
                                "step {:?}: {p:?} is not a regular expression: {e}",
                                self.name
                            ),
                        )
                    })
            })
            .transpose()
    }

    /// Whether an event label matches (any when the step reads none); `regex`
    /// is the step's own, compiled.
    fn matches_event(&self, label: &str, regex: Option<&regex::Regex>) -> bool {
        !self.reads_events()
            || self.events.iter().any(|e| e == label)
            || self
                .event_prefix
                .as_deref()
                .is_some_and(|p| label.starts_with(p))
            || regex.is_some_and(|r| r.is_match(label))
    }

    /// Whether a touchpoint of this kind and channel matches, campaigns aside.
    fn matches(&self, kind: u8, channel: u8) -> bool {
        self.stages.is_empty()
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| *k as u8 == kind))
            && (self.channels.is_empty() || self.channels.iter().any(|c| *c as u8 == channel))
    }
}

/// What a funnel may read besides touchpoint kinds and channels: a campaign
/// id per touchpoint (0 = none) for steps with `campaigns`, an event label
/// per touchpoint for steps with `events` or `event_prefix`, and a stage
/// history (as [`StageRules::history`](crate::StageRules::history) gives it)
/// for steps with `stages`. A stage entered at the time of a touchpoint
/// counts after it. An event log without channels and kinds leaves both
/// touchpoint columns empty (every touchpoint is then `other`, `other`). See
/// [`run_funnel_with`] for an example.
#[derive(Debug, Clone, Copy, Default)]
pub struct FunnelExtras<'a> {
    /// Campaign id of each touchpoint, 0 for none (empty when absent).
    pub campaign: &'a [u64],
    /// Stage entries.
    pub stages: Option<&'a StageHistory>,
    /// Event label of each touchpoint.
    pub events: Option<crate::EventColumn<'a>>,
    /// Session id of each touchpoint (empty when absent): with `per:
    /// "session"`, a session is a customer's touchpoints with one id, instead
    /// of being cut by the gap; a funnel per customer does not read them (as
    /// a path analysis per customer does not).
    pub session: &'a [u64],
}

/// Whether other funnel steps may happen between two consecutive steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelOrder {
    /// Steps in order; anything may happen in between.
    #[default]
    Loose,
    /// Steps in order with no touchpoint matching another step in between.
    Strict,
    /// Steps in any order: a journey's `j`-th result row counts those who did
    /// at least `j + 1` of the steps (each once, a touchpoint matching
    /// several doing them all) within the window of the first one they did;
    /// its time is when they did the `j + 1`-th.
    Any,
}

/// A funnel as data.
///
/// | setting | default |
/// |---|---|
/// | `window` | 2 592 000 s (30 days from the first step) |
/// | `order` | `loose` |
/// | `level` | 0.95 (Wilson intervals) |
/// | `per` | `customer`: each customer's touchpoints are one journey; `session`: each session is one (cut by `session`'s gap), so a session entering the first step counts once |
/// | `session` | `{"gap": 1800}` |
/// | `exclusions` | none: [`Exclusion`]s, touchpoints that void a conversion between two steps (loose order) |
/// | `hold_constant` | none: a [`Property`] every step after the first must share with it (other touchpoints are passed over) |
/// | `entry` | `any`: every touchpoint of the first step may start an attempt; `first`: only the customer's first |
/// | `breakdown` | none: a [`Property`] of each counted attempt's first touchpoint, giving a result per value in `breakdown` |
/// | `correlation` | `false`: with `true` (and an event column), each event's odds ratio of converting (see [`EventCorrelation`]) |
/// | `time_bins` | 10: bins of each step's time-to-convert histogram |
///
/// Counts are of customers, or of sessions with `per: "session"`; every
/// conversion rate is out of those entering the first step (out of all
/// customers or sessions, divide by their number: [`crate::journey::paths::PathAnalysis::paths`]).
///
/// # Examples
///
/// ```
/// use engagement_core::journey::funnel::Funnel;
/// let f: Funnel = serde_json::from_str(r#"{"steps": [
///     {"name": "opened", "kinds": ["open"], "channels": ["email"]},
///     {"name": "visited", "kinds": ["visit"]},
///     {"name": "bought", "kinds": ["purchase"]}], "window": 604800}"#)?;
/// assert_eq!(f.steps.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funnel {
    /// The steps, in order (at least one, at most 32).
    pub steps: Vec<FunnelStep>,
    /// Seconds from the first step within which the others must happen.
    #[serde(default = "thirty_days")]
    pub window: i64,
    /// Loose or strict order.
    #[serde(default)]
    pub order: FunnelOrder,
    /// Confidence level of the intervals.
    #[serde(default = "crate::score::proportion::default_level")]
    pub level: f64,
    /// Journeys of customers or of sessions.
    #[serde(default)]
    pub per: crate::journey::paths::Per,
    /// How sessions are cut with `per: "session"`.
    #[serde(default)]
    pub session: crate::journey::sessions::SessionConfig,
    /// Touchpoints that void a conversion between two steps.
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    /// A property the steps after the first must share with it.
    #[serde(default)]
    pub hold_constant: Option<Property>,
    /// Which touchpoints of the first step may start the funnel.
    #[serde(default)]
    pub entry: Entry,
    /// A property of the first step's touchpoint to break the results down by.
    #[serde(default)]
    pub breakdown: Option<Property>,
    /// Whether to measure each event's correlation with converting.
    #[serde(default)]
    pub correlation: bool,
    /// Bins of each step's time-to-convert histogram (1 to 1 000).
    #[serde(default = "ten")]
    pub time_bins: u32,
}

impl Default for Funnel {
    /// No steps (to be given) and every setting at its default.
    fn default() -> Self {
        Funnel {
            steps: Vec::new(),
            window: thirty_days(),
            order: FunnelOrder::default(),
            level: crate::score::proportion::default_level(),
            per: Default::default(),
            session: Default::default(),
            exclusions: Vec::new(),
            hold_constant: None,
            entry: Entry::default(),
            breakdown: None,
            correlation: false,
            time_bins: ten(),
        }
    }
}

impl Funnel {
    /// A funnel of `steps` with every other setting at its default; the
    /// methods below each set one (the same fields as the JSON form).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointKind as K;
    /// use engagement_core::journey::funnel::{Funnel, FunnelOrder, FunnelStep};
    /// use std::time::Duration;
    /// let f = Funnel::new([
    ///     FunnelStep::new("visited").kinds([K::Visit]),
    ///     FunnelStep::new("added").kinds([K::CartAdd]),
    ///     FunnelStep::new("bought").kinds([K::Purchase]),
    /// ])
    /// .window(Duration::from_secs(7 * 86_400))
    /// .order(FunnelOrder::Strict);
    /// f.validate()?;
    /// assert_eq!(f.window, 604_800);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn new(steps: impl IntoIterator<Item = FunnelStep>) -> Self {
        Funnel {
            steps: steps.into_iter().collect(),
            ..Default::default()
        }
    }

    /// The time from the first step within which the others must happen:
    /// a `Duration` (or any [`IntoSpan`](crate::model::time::IntoSpan)), in
    /// whole seconds (a fraction of a second is dropped).
    pub fn window(mut self, window: impl crate::model::time::IntoSpan) -> Self {
        self.window = window.seconds();
        self
    }

    /// Loose, strict or any order.
    pub fn order(mut self, order: FunnelOrder) -> Self {
        self.order = order;
        self
    }

    /// Confidence level of the intervals.
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// Journeys of customers or of sessions.
    pub fn per(mut self, per: crate::journey::paths::Per) -> Self {
        self.per = per;
        self
    }

    /// A touchpoint that voids a conversion between two steps (added to any
    /// given before).
    pub fn exclusion(mut self, exclusion: Exclusion) -> Self {
        self.exclusions.push(exclusion);
        self
    }

    /// A property the steps after the first must share with it.
    pub fn hold_constant(mut self, property: Property) -> Self {
        self.hold_constant = Some(property);
        self
    }

    /// Which touchpoints of the first step may start the funnel.
    pub fn entry(mut self, entry: Entry) -> Self {
        self.entry = entry;
        self
    }

    /// A property of the first step's touchpoint to break the results down by.
    pub fn breakdown(mut self, property: Property) -> Self {
        self.breakdown = Some(property);
        self
    }

    /// Measure each event's correlation with converting.
    pub fn correlation(mut self, on: bool) -> Self {
        self.correlation = on;
        self
    }

    /// Bins of each step's time-to-convert histogram.
    pub fn time_bins(mut self, bins: u32) -> Self {
        self.time_bins = bins;
        self
    }

    /// Checks the definition (what a run checks besides the data).
    ///
    /// # Errors
    /// [`EngError::Config`] naming the setting: no steps, or more than 32
    /// steps and exclusions together; a `window` or step `within` that is
    /// not positive, or a `within` on the first step; a `level` outside
    /// (0, 1); `time_bins` outside 1..=1000; an exclusion that matches every
    /// touchpoint or whose steps are not two steps in order; a regular
    /// expression that does not compile; exclusions or `within` without
    /// loose order; a stage step that also matches touchpoint properties.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::funnel::Funnel;
    /// assert!(Funnel::default().validate().unwrap_err().to_string().contains("steps"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_definition(self)
    }
}

fn thirty_days() -> i64 {
    30 * 86_400
}

fn ten() -> u32 {
    10
}

/// A histogram of times to convert: `counts[i]` of the times in
/// `[edges[i], edges[i + 1])` (the last bin closed), equal bins from 0 to
/// the longest time (one bin `[0, 0]` when every time is 0; empty when
/// nobody reached the step).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeHistogram {
    /// Bin edges in seconds (one more than the counts).
    pub edges: Vec<f64>,
    /// Journeys per bin.
    pub counts: Vec<u64>,
}

/// The funnel of the journeys whose counted attempt began with one value of
/// the `breakdown` property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelGroup {
    /// The value: a channel, kind or event label, or a campaign id in decimal.
    pub label: String,
    /// The funnel of those journeys.
    pub result: FunnelResult,
}

/// How one event goes with converting, among the journeys entering a funnel:
/// a journey *did* the event when one of its touchpoints carries it from its
/// counted attempt's first step up to its last step reached, or up to the end
/// of the window when it did not convert (reach the last step). Touchpoints
/// that match a step are left out (they convert by definition), so an event
/// counts from its other touchpoints only.
///
/// The odds ratio is `(converted_with · failed_without) / (failed_with ·
/// converted_without)`, with 0.5 added to every cell when one is 0 (Haldane
/// and Anscombe); the interval is Woolf's, `exp(ln OR ± z·√(Σ 1/cell))`, and
/// the p-value the two-sided Wald test's, normal `ln OR / se`. PostHog's correlation
/// analysis reports the same table's odds ratio (with a prior count of one)
/// and no interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventCorrelation {
    /// The event label.
    pub event: String,
    /// Journeys that did the event and converted.
    pub converted_with: u64,
    /// Journeys that did the event and did not convert.
    pub failed_with: u64,
    /// Journeys that did not do the event and converted.
    pub converted_without: u64,
    /// Journeys that did not do the event and did not convert.
    pub failed_without: u64,
    /// The odds ratio of converting with the event against without it.
    pub odds_ratio: f64,
    /// Lower end of its interval at the funnel's `level`.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Two-sided p-value of an odds ratio of 1.
    pub p_value: f64,
}

/// Results per step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelResult {
    /// Step names.
    pub steps: Vec<String>,
    /// Customers reaching each step (each counted once however often they repeat it).
    pub customers: Vec<u64>,
    /// Customers reaching each step out of those reaching the one before (the
    /// first step: out of itself).
    pub step_conversion: Vec<Proportion>,
    /// Customers reaching each step out of those entering the funnel.
    pub overall_conversion: Vec<Proportion>,
    /// Customers lost since the previous step.
    pub drop_off: Vec<u64>,
    /// Median seconds from the first step to each step (null when nobody reached it).
    pub median_time: Vec<Option<f64>>,
    /// First quartile of the time to each step.
    pub p25_time: Vec<Option<f64>>,
    /// Third quartile of the time to each step.
    pub p75_time: Vec<Option<f64>>,
    /// Histogram of the time to each step.
    #[serde(default)]
    pub time_histogram: Vec<TimeHistogram>,
    /// With `breakdown`, the funnel per value of the property (by label).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdown: Vec<FunnelGroup>,
    /// With `correlation`, every event met, by descending odds ratio (then label).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlation: Vec<EventCorrelation>,
}

/// One row of a journey as attempts read it: time, mask (bit `j` set when
/// the touchpoint matches step `j`, bit `k + e` when it matches exclusion
/// `e`), row in the input, and the value of the property held constant (0
/// without one).
type Row = (i64, u32, u32, u64);

/// How attempts progress through a funnel's steps.
struct Matcher<'f> {
    funnel: &'f Funnel,
    k: usize,
    /// The bits of the steps.
    steps: u32,
    /// Per exclusion: its bit, and the steps between which it voids.
    exclusions: Vec<(u32, usize, usize)>,
    /// Per step: seconds from the previous step within which it must happen.
    within: Vec<Option<i64>>,
    /// Whether attempts follow every chain of steps (per-step windows or
    /// exclusions) rather than taking each step at its first match.
    chains: bool,
}

impl<'f> Matcher<'f> {
    fn new(funnel: &'f Funnel) -> Self {
        let k = funnel.steps.len();
        let exclusions: Vec<(u32, usize, usize)> = funnel
            .exclusions
            .iter()
            .enumerate()
            .map(|(e, x)| (1u32 << (k + e), x.between[0], x.between[1]))
            .collect();
        let within: Vec<Option<i64>> = funnel.steps.iter().map(|s| s.within).collect();
        Matcher {
            funnel,
            k,
            steps: if k == 32 { u32::MAX } else { (1u32 << k) - 1 },
            chains: !exclusions.is_empty() || within.iter().any(Option::is_some),
            exclusions,
            within,
        }
    }

    /// Whether a row may start an attempt.
    fn enters(&self, mask: u32) -> bool {
        if self.funnel.order == FunnelOrder::Any {
            mask & self.steps != 0
        } else {
            mask & 1 != 0
        }
    }

    /// The deepest progress of the attempt starting at row `start` of a
    /// journey's rows (in time order): the time of each step reached, in
    /// `reached`; `latest` is scratch.
    fn attempt(
        &self,
        rows: &[Row],
        start: usize,
        reached: &mut Vec<i64>,
        latest: &mut Vec<Option<i64>>,
    ) {
        let (t0, mask0, _, key0) = rows[start];
        let window = self.funnel.window;
        reached.clear();
        match self.funnel.order {
            FunnelOrder::Any => {
                let mut done = mask0 & self.steps;
                reached.resize(done.count_ones() as usize, t0);
                for &(t, mask, _, key) in &rows[start + 1..] {
                    if reached.len() == self.k || t - t0 > window {
                        break;
                    }
                    let new = mask & self.steps & !done;
                    if key == key0 && new != 0 {
                        done |= new;
                        reached.resize(done.count_ones() as usize, t);
                    }
                }
            }
            _ if self.chains => {
                // Every chain of steps: `latest[j]` is the latest time at
                // which some valid chain from the entry reaches step `j`; a
                // step is reached at the first time some chain reaches it.
                latest.clear();
                latest.resize(self.k, None);
                latest[0] = Some(t0);
                reached.push(t0);
                for &(t, mask, _, key) in &rows[start + 1..] {
                    if reached.len() == self.k || t - t0 > window {
                        break;
                    }
                    for &(bit, from, to) in &self.exclusions {
                        if mask & bit != 0 {
                            latest[from..to].iter_mut().for_each(|l| *l = None);
                        }
                    }
                    if latest.iter().all(Option::is_none) {
                        break;
                    }
                    if key != key0 {
                        continue;
                    }
                    // Later steps first, so that one touchpoint is one step of a chain.
                    let mut m = mask & self.steps & !1;
                    while m != 0 {
                        let j = (31 - m.leading_zeros()) as usize;
                        m &= !(1u32 << j);
                        if let Some(p) = latest[j - 1]
                            && self.within[j].is_none_or(|w| t - p <= w)
                        {
                            latest[j] = Some(t);
                            if j == reached.len() {
                                reached.push(t);
                            }
                        }
                    }
                }
            }
            order => {
                // Each step at its first match: the deepest progress when no
                // chain can be cut short.
                reached.push(t0);
                let strict = order == FunnelOrder::Strict;
                for &(t, mask, _, key) in &rows[start + 1..] {
                    if reached.len() == self.k || t - t0 > window {
                        break;
                    }
                    if key != key0 {
                        continue;
                    }
                    let next = 1u32 << reached.len();
                    if mask & next != 0 {
                        reached.push(t);
                    } else if strict && mask & self.steps & !next != 0 {
                        break;
                    }
                }
            }
        }
    }

    /// The counted attempt of one journey: the deepest of those its entries
    /// start (the earliest among equals; only the first entry with `entry:
    /// "first"`), as the times of its steps (empty when it never enters) and
    /// the index of its first row.
    fn best(
        &self,
        rows: &[Row],
        best: &mut Vec<i64>,
        got: &mut Vec<i64>,
        latest: &mut Vec<Option<i64>>,
    ) -> usize {
        best.clear();
        let mut first = 0;
        for start in 0..rows.len() {
            if self.enters(rows[start].1) {
                self.attempt(rows, start, got, latest);
                if got.len() > best.len() {
                    std::mem::swap(best, got);
                    first = start;
                }
                if best.len() == self.k || self.funnel.entry == Entry::First {
                    break;
                }
            }
        }
        first
    }
}

/// Linear-interpolation quantile of sorted values (numpy's default).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

/// Runs a funnel over touchpoints: each customer enters at a touchpoint
/// matching the first step and progresses through the others in time order
/// within the window; of all the customer's entries the deepest progress
/// counts (the earliest among equals). Time to each step is measured from
/// that entry; quantiles interpolate linearly.
///
/// # Errors
/// As [`TouchpointColumns::validate`](crate::TouchpointColumns::validate);
/// [`EngError::Config`] for no steps or more than 32, a window that is not
/// positive, or a level outside (0, 1); [`EngError::EmptyInput`] when no
/// customer enters the funnel.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::funnel::{Funnel, run_funnel};
/// let f: Funnel = serde_json::from_str(r#"{"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}]}"#)?;
/// let w = Channel::Web as u8;
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 2, 3],
///     time: &[0, 3600, 0, 0],
///     channel: &[w, w, w, w],
///     kind: &[K::Visit as u8, K::Purchase as u8, K::Visit as u8, K::Purchase as u8],
///     ..Default::default()
/// };
/// let r = run_funnel(&cols, &f)?;
/// assert_eq!(r.customers, [2, 1]);            // customer 3 bought without the first step
/// assert_eq!(r.step_conversion[1].rate, 0.5);
/// assert_eq!(r.median_time[1], Some(3600.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_funnel(cols: &crate::TouchpointColumns<'_>, funnel: &Funnel) -> Result<FunnelResult> {
    run_funnel_with(cols, &FunnelExtras::default(), funnel)
}

/// As [`run_funnel`], with steps that read campaigns or stage entries.
///
/// # Errors
/// As [`run_funnel`]; [`EngError::LengthMismatch`] for a campaign column of
/// another length than the touchpoints, or a stage history whose columns
/// differ in length; [`EngError::InvalidInput`] for a stage entry time
/// outside 1970..3000; [`EngError::Config`] for a step with `campaigns`
/// without the campaign column, with `stages` without a history, or with
/// `stages` and a touchpoint predicate.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, JourneyStage, StageHistory, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::funnel::{Funnel, FunnelExtras, run_funnel_with};
/// let f: Funnel = serde_json::from_str(r#"{"steps": [
///     {"name": "clicked the spring mail", "kinds": ["click"], "campaigns": [7]},
///     {"name": "became loyal", "stages": ["loyal"]}]}"#)?;
/// let cols = TouchpointColumns { customer: &[1, 2], time: &[0, 0], channel: &[0, 0],
///     kind: &[K::Click as u8, K::Click as u8], ..Default::default() };
/// let history = StageHistory { customer: vec![1, 2], stage: vec![JourneyStage::Loyal, JourneyStage::Loyal],
///     entered_at: vec![86_400, 86_400], until: 86_400 };
/// let r = run_funnel_with(&cols, &FunnelExtras { campaign: &[7, 8], stages: Some(&history), events: None, session: &[] }, &f)?;
/// assert_eq!(r.customers, [1, 1]);   // customer 2 clicked another campaign's mail
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_funnel_with(
    cols: &crate::TouchpointColumns<'_>,
    extras: &FunnelExtras<'_>,
    funnel: &Funnel,
) -> Result<FunnelResult> {
    tally(cols, extras, funnel)?.finish(funnel)
}

/// The journeys a funnel follows: customers, or with `per: "session"` the
/// sessions, numbered by customer then start (so that sorting by them keeps
/// each customer's rows together and in order).
struct Journeys {
    /// Session number of each row (empty per customer).
    session: Vec<u64>,
    /// Customer of each session.
    customer: Vec<u64>,
}

impl Journeys {
    fn of(cols: &crate::TouchpointColumns<'_>, session: &[u64], funnel: &Funnel) -> Result<Self> {
        if funnel.per == crate::journey::paths::Per::Customer {
            return Ok(Journeys {
                session: Vec::new(),
                customer: Vec::new(),
            });
        }
        let s = if session.is_empty() {
            crate::journey::sessions::sessionize(cols.customer, cols.time, &funnel.session)?
        } else {
            crate::journey::sessions::sessions_by_id(cols.customer, cols.time, session)?
        };
        Ok(Journeys {
            session: s.row_session.into_iter().map(u64::from).collect(),
            customer: s.customer,
        })
    }

    /// The touchpoints with each row's journey as its customer.
    fn columns<'a>(&'a self, cols: &crate::TouchpointColumns<'a>) -> crate::TouchpointColumns<'a> {
        if self.session.is_empty() {
            *cols
        } else {
            crate::TouchpointColumns {
                customer: &self.session,
                ..*cols
            }
        }
    }

    /// The customer a journey belongs to.
    fn customer(&self, journey: u64) -> u64 {
        if self.session.is_empty() {
            journey
        } else {
            self.customer[journey as usize]
        }
    }
}

/// The mergeable counts of a funnel over some customers (see
/// [`crate::partial`]); [`Tally::finish`] turns them into the result.
pub(crate) fn tally(
    cols: &crate::TouchpointColumns<'_>,
    extras: &FunnelExtras<'_>,
    funnel: &Funnel,
) -> Result<Tally> {
    check(cols, extras, funnel)?;
    let k = funnel.steps.len();
    let journeys = Journeys::of(cols, extras.session, funnel)?;
    let cols = &journeys.columns(cols);
    /// A run's counts: all, per code of the breakdown property, and the
    /// entered journeys' (journey, from, to, converted) for correlation.
    type Part = (
        Tally,
        rustc_hash::FxHashMap<u64, Tally>,
        Vec<(u64, i64, i64, bool)>,
    );
    let parts: Vec<Part> = entries(
        cols,
        extras,
        funnel,
        || (Tally::new(k), rustc_hash::FxHashMap::default(), Vec::new()),
        |(all, groups, entered), journey, best, row| {
            all.add(best);
            if let Some(p) = funnel.breakdown {
                groups
                    .entry(property_code(cols, extras, p, row as usize))
                    .or_insert_with(|| Tally::new(k))
                    .add(best);
            }
            if funnel.correlation {
                let converted = best.len() == k;
                let to = if converted {
                    best[k - 1]
                } else {
                    best[0].saturating_add(funnel.window)
                };
                entered.push((journey, best[0], to, converted));
            }
        },
    )?;
    let mut tally = Tally::new(k);
    let mut groups: std::collections::BTreeMap<u64, Tally> = std::collections::BTreeMap::new();
    let mut entered = Vec::new();
    for (all, part_groups, part_entered) in parts {
        tally.gather(all);
        for (code, t) in part_groups {
            groups
                .entry(code)
                .or_insert_with(|| Tally::new(k))
                .gather(t);
        }
        entered.extend(part_entered);
    }
    tally.sort();
    if let Some(p) = funnel.breakdown {
        for (code, mut t) in groups {
            t.sort();
            tally.groups.insert(property_label(extras, p, code), t);
        }
    }
    if funnel.correlation {
        tally.events = correlate(cols, extras, funnel, &entered);
    }
    Ok(tally)
}

/// Per event label (those no step matches by label), the entered journeys
/// that carried it between their first step and converting or the window's
/// end: `[converted, not converted]`.
fn correlate(
    cols: &crate::TouchpointColumns<'_>,
    extras: &FunnelExtras<'_>,
    funnel: &Funnel,
    entered: &[(u64, i64, i64, bool)],
) -> std::collections::BTreeMap<String, [u64; 2]> {
    use rayon::prelude::*;
    let mut out = std::collections::BTreeMap::new();
    let Some(events) = extras.events else {
        return out;
    };
    let labels = events.dictionary().labels();
    // Touchpoints of the steps themselves are left out (they convert by definition).
    let Ok(steps) = RowMasks::new(&funnel.steps, extras) else {
        return out;
    };
    let index: rustc_hash::FxHashMap<u64, u32> = entered
        .iter()
        .enumerate()
        .map(|(j, e)| (e.0, j as u32))
        .collect();
    let codes = events.codes();
    let mut pairs: Vec<u64> = (0..cols.len())
        .into_par_iter()
        .with_min_len(1 << 14)
        .filter_map(|i| {
            let &j = index.get(&cols.customer[i])?;
            let (_, from, to, _) = entered[j as usize];
            let code = codes[i];
            ((from..=to).contains(&cols.time[i]) && steps.mask(cols, extras, i) == 0)
                .then_some((u64::from(j) << 32) | u64::from(code))
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let mut counts = vec![[0u64; 2]; labels.len()];
    for p in pairs {
        let (j, code) = ((p >> 32) as usize, (p & 0xffff_ffff) as usize);
        counts[code][usize::from(!entered[j].3)] += 1;
    }
    for (code, c) in counts.into_iter().enumerate() {
        if c != [0, 0] {
            out.insert(labels[code].clone(), c);
        }
    }
    out
}

fn check(
    cols: &crate::TouchpointColumns<'_>,
    extras: &FunnelExtras<'_>,
    funnel: &Funnel,
) -> Result<()> {
    // An event log may leave out channel and kind (read as `other`).
    let n = cols.validate_log()?;
    if !extras.campaign.is_empty() && extras.campaign.len() != n {
        return Err(EngError::LengthMismatch {
            field: "campaign".into(),
            expected: n,
            found: extras.campaign.len(),
        });
    }
    if !extras.session.is_empty() && extras.session.len() != n {
        return Err(EngError::LengthMismatch {
            field: "session".into(),
            expected: n,
            found: extras.session.len(),
        });
    }
    if let Some(e) = extras.events
        && e.codes().len() != n
    {
        return Err(EngError::LengthMismatch {
            field: "event".into(),
            expected: n,
            found: e.codes().len(),
        });
    }
    if let Some(h) = extras.stages {
        for (field, len) in [("stage", h.stage.len()), ("entered_at", h.entered_at.len())] {
            if len != h.customer.len() {
                return Err(EngError::LengthMismatch {
                    field: field.into(),
                    expected: h.customer.len(),
                    found: len,
                });
            }
        }
        for (i, &t) in h.entered_at.iter().enumerate() {
            if !(crate::model::MIN_TIME..=crate::model::MAX_TIME).contains(&t) {
                return Err(EngError::invalid(
                    "entered_at",
                    t,
                    "must lie within 1970..3000 like touchpoint times",
                )
                .at_row(i));
            }
        }
    }
    for (field, p) in [
        ("hold_constant", funnel.hold_constant),
        ("breakdown", funnel.breakdown),
    ] {
        ensure_config!(
            p != Some(Property::Campaign) || !extras.campaign.is_empty(),
            field,
            "the campaign property needs the campaign column"
        );
        ensure_config!(
            p != Some(Property::Event) || extras.events.is_some(),
            field,
            "the event property needs an event column"
        );
    }
    ensure_config!(
        !funnel.correlation || extras.events.is_some(),
        "correlation",
        "correlation is of events: it needs an event column"
    );
    let exclusions: Vec<FunnelStep> = funnel.exclusions.iter().map(Exclusion::step).collect();
    let n_steps = funnel.steps.len();
    for (j, s) in funnel.steps.iter().chain(&exclusions).enumerate() {
        let what = if j < n_steps { "step" } else { "exclusion" };
        ensure_config!(
            s.campaigns.is_empty() || !extras.campaign.is_empty(),
            "steps.campaigns",
            "{what} {:?} matches campaigns but no campaign column is given",
            s.name
        );
        ensure_config!(
            s.stages.is_empty() || extras.stages.is_some(),
            "steps.stages",
            "step {:?} matches stage entries but no stage history is given",
            s.name
        );
        ensure_config!(
            !s.reads_events() || extras.events.is_some(),
            "steps.events",
            "{what} {:?} matches event labels but no event column is given",
            s.name
        );
    }
    check_definition(funnel)
}

/// Checks a funnel definition alone (what [`run_funnel`] checks besides the data).
pub(crate) fn check_definition(funnel: &Funnel) -> Result<()> {
    let k = funnel.steps.len();
    for x in &funnel.exclusions {
        x.step().regex()?;
        ensure_config!(
            !x.kinds.is_empty()
                || !x.channels.is_empty()
                || !x.campaigns.is_empty()
                || x.step().reads_events(),
            "exclusions",
            "exclusion {:?} would match every touchpoint: give kinds, channels, campaigns, events, event_prefix or event_regex",
            x.name
        );
        let [from, to] = x.between;
        ensure_config!(
            from < to && to < k,
            "exclusions.between",
            "exclusion {:?}: between [{from}, {to}] must name two steps of the {k}, the first before the second",
            x.name
        );
    }
    ensure_config!(
        k + funnel.exclusions.len() <= 32,
        "exclusions",
        "a funnel takes at most 32 steps and exclusions together, got {k} and {}",
        funnel.exclusions.len()
    );
    let windows = funnel.steps.iter().any(|s| s.within.is_some());
    ensure_config!(
        funnel.order == FunnelOrder::Loose || (funnel.exclusions.is_empty() && !windows),
        "order",
        "exclusions and per-step windows (within) need loose order, not {}",
        if funnel.order == FunnelOrder::Strict {
            "strict"
        } else {
            "any"
        }
    );
    for (j, s) in funnel.steps.iter().enumerate() {
        if let Some(w) = s.within {
            ensure_config!(
                j > 0,
                "steps.within",
                "step {:?} is the first: its window is the funnel's (within applies from the previous step)",
                s.name
            );
            ensure_config!(
                w > 0,
                "steps.within",
                "step {:?}: must be > 0 seconds, got {w}",
                s.name
            );
        }
    }
    ensure_config!(
        (1..=1000).contains(&funnel.time_bins),
        "time_bins",
        "must be 1 to 1000, got {}",
        funnel.time_bins
    );
    let stages = funnel.steps.iter().any(|s| !s.stages.is_empty());
    ensure_config!(
        !stages || (funnel.hold_constant.is_none() && funnel.breakdown.is_none()),
        "hold_constant",
        "a stage entry has no touchpoint properties: a funnel with stage steps cannot hold one constant or break down by one"
    );
    for s in &funnel.steps {
        s.regex()?;
        ensure_config!(
            s.stages.is_empty()
                || (s.kinds.is_empty()
                    && s.channels.is_empty()
                    && s.campaigns.is_empty()
                    && !s.reads_events()),
            "steps.stages",
            "step {:?} is a stage entry: it cannot also match touchpoint kinds, channels, campaigns or events",
            s.name
        );
    }
    ensure_config!(
        funnel.per == crate::journey::paths::Per::Customer
            || funnel.steps.iter().all(|s| s.stages.is_empty()),
        "per",
        "stage entries are a customer's, not a session's: a funnel with stage steps is per customer"
    );
    funnel.session.validate()?;
    ensure_config!(
        (1..=32).contains(&k),
        "steps",
        "a funnel needs 1 to 32 steps, got {k}"
    );
    ensure_config!(
        funnel.window > 0,
        "window",
        "must be > 0 seconds, got {}",
        funnel.window
    );
    crate::score::z_for_level(funnel.level)?;
    Ok(())
}

/// The predicates (steps, then exclusions) each touchpoint matches, as a bit
/// mask: tables by (kind, channel), campaign and event code, built once.
struct RowMasks {
    /// By kind code × channel count + channel code.
    masks: Vec<u32>,
    /// The predicates open to any campaign.
    any_campaign: u32,
    /// The predicates naming each campaign.
    by_campaign: rustc_hash::FxHashMap<u64, u32>,
    /// By event code (empty without an event column).
    by_event: Vec<u32>,
}

impl RowMasks {
    fn new(preds: &[FunnelStep], extras: &FunnelExtras<'_>) -> Result<Self> {
        let bits = |f: &dyn Fn(&FunnelStep) -> bool| {
            preds
                .iter()
                .enumerate()
                .filter(|(_, s)| f(s))
                .fold(0u32, |m, (j, _)| m | (1 << j))
        };
        let channels = crate::Channel::COUNT;
        let masks = (0..TouchpointKind::COUNT * channels)
            .map(|i| bits(&|s| s.matches((i / channels) as u8, (i % channels) as u8)))
            .collect();
        let mut by_campaign: rustc_hash::FxHashMap<u64, u32> = rustc_hash::FxHashMap::default();
        for (j, s) in preds.iter().enumerate() {
            for &c in &s.campaigns {
                *by_campaign.entry(c).or_insert(0) |= 1 << j;
            }
        }
        let regexes = preds
            .iter()
            .map(FunnelStep::regex)
            .collect::<Result<Vec<_>>>()?;
        let by_event = extras.events.map_or_else(Vec::new, |e| {
            e.dictionary()
                .labels()
                .iter()
                .map(|label| {
                    preds
                        .iter()
                        .zip(&regexes)
                        .enumerate()
                        .filter(|(_, (s, r))| s.matches_event(label, r.as_ref()))
                        .fold(0u32, |m, (j, _)| m | (1 << j))
                })
                .collect()
        });
        Ok(RowMasks {
            masks,
            any_campaign: bits(&|s| s.campaigns.is_empty()),
            by_campaign,
            by_event,
        })
    }

    /// The predicates input row `i` matches (an event log's left-out kind or
    /// channel is `other` on every row).
    fn mask(
        &self,
        cols: &crate::TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
        i: usize,
    ) -> u32 {
        let kind = cols
            .kind
            .get(i)
            .copied()
            .unwrap_or(TouchpointKind::Other as u8);
        let channel = cols
            .channel
            .get(i)
            .copied()
            .unwrap_or(crate::Channel::Other as u8);
        let mut m = self.masks[usize::from(kind) * crate::Channel::COUNT + usize::from(channel)];
        if let Some(c) = extras.campaign.get(i) {
            m &= self.any_campaign | self.by_campaign.get(c).copied().unwrap_or(0);
        }
        if let Some(e) = extras.events {
            m &= self.by_event[e.codes()[i] as usize];
        }
        m
    }
}

/// For each customer entering the funnel, `add(acc, customer, times, row)`
/// with the times of the steps of the customer's counted attempt (see
/// [`Matcher::best`]) and the input row of its first touchpoint, into one
/// accumulator per run of customers; runs are processed in parallel and
/// returned in customer order.
fn entries<T: Send>(
    cols: &crate::TouchpointColumns<'_>,
    extras: &FunnelExtras<'_>,
    funnel: &Funnel,
    init: impl Fn() -> T + Sync,
    add: impl Fn(&mut T, u64, &[i64], u32) + Sync,
) -> Result<Vec<T>> {
    use rayon::prelude::*;
    // Steps, then exclusions: bit `j` of a mask for predicate `j`.
    let preds: Vec<FunnelStep> = funnel
        .steps
        .iter()
        .cloned()
        .chain(funnel.exclusions.iter().map(Exclusion::step))
        .collect();
    let matcher = Matcher::new(funnel);
    let row_masks = RowMasks::new(&preds, extras)?;
    let mask = |i: usize| row_masks.mask(cols, extras, i);
    // A product's event log (events alone, no kind, channel or campaign
    // column): a row's steps are its code's, one table lookup.
    let by_code: Option<(Vec<u32>, &[u32])> = extras
        .events
        .filter(|_| cols.kind.is_empty() && cols.channel.is_empty() && extras.campaign.is_empty())
        .map(|e| {
            let other = row_masks.masks[usize::from(TouchpointKind::Other as u8)
                * crate::Channel::COUNT
                + usize::from(crate::Channel::Other as u8)];
            (
                row_masks.by_event.iter().map(|m| m & other).collect(),
                e.codes(),
            )
        });
    let ranks = extras
        .events
        .map(|e| e.dictionary().ranks())
        .unwrap_or_default();
    // Touchpoints that match no step cannot move a customer along (nor break
    // strict order): only the others are sorted into journeys.
    let ties = crate::model::TieColumns {
        campaign: extras.campaign,
        event: extras.events.map_or(&[], |e| e.codes()),
        event_rank: &ranks,
    };
    let mut records = match &by_code {
        Some((table, codes)) => cols.journey_records(&ties, |i| {
            Some(table[codes[i] as usize]).filter(|&m| m != 0)
        }),
        None => cols.journey_records(&ties, |i| Some(mask(i)).filter(|&m| m != 0)),
    }?;
    if let Some(history) = extras.stages {
        // Stage entries join the journeys after the touchpoints of the same time.
        let n = cols.len() as u64;
        let stage_mask = |stage: JourneyStage| {
            funnel
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.stages.contains(&stage))
                .fold(0u32, |m, (j, _)| m | (1 << j))
        };
        let added = history.customer.len();
        ensure_config!(
            n + added as u64 <= u64::from(u32::MAX),
            "stages",
            "touchpoints and stage entries together exceed 4 294 967 295"
        );
        records.extend((0..added).filter_map(|j| {
            let payload = stage_mask(history.stage[j]);
            (payload != 0).then(|| crate::model::JourneyRecord {
                customer: history.customer[j],
                time: history.entered_at[j],
                row: (n + j as u64) as u32,
                payload,
            })
        }));
        // A stable sort: touchpoints keep their order (ties by content), and
        // stage entries, appended last, follow them.
        records.par_sort_by_key(|r| (r.customer, r.time));
    }
    // The value of the property held constant, per input row.
    let key = |row: u32| -> u64 {
        let i = row as usize;
        match funnel.hold_constant {
            None => 0,
            Some(p) => property_code(cols, extras, p, i),
        }
    };
    Ok(crate::model::customer_runs(&records)
        .into_par_iter()
        .map(|run| {
            let mut acc = init();
            // Buffers shared by the run's customers: no allocation per customer.
            let (mut rows, mut best, mut got, mut latest) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for customer in run.chunk_by(|a, b| a.customer == b.customer) {
                rows.clear();
                rows.extend(
                    customer
                        .iter()
                        .map(|r| (r.time, r.payload, r.row, key(r.row))),
                );
                let first = matcher.best(&rows, &mut best, &mut got, &mut latest);
                if !best.is_empty() {
                    add(&mut acc, customer[0].customer, &best, rows[first].2);
                }
            }
            acc
        })
        .collect())
}

/// The code of a property of input row `i`: a channel or kind code, a
/// campaign id, an event code (the columns having been checked present).
fn property_code(
    cols: &crate::TouchpointColumns<'_>,
    extras: &FunnelExtras<'_>,
    p: Property,
    i: usize,
) -> u64 {
    match p {
        Property::Channel => u64::from(
            cols.channel
                .get(i)
                .copied()
                .unwrap_or(crate::Channel::Other as u8),
        ),
        Property::Kind => u64::from(
            cols.kind
                .get(i)
                .copied()
                .unwrap_or(TouchpointKind::Other as u8),
        ),
        Property::Campaign => extras.campaign.get(i).copied().unwrap_or(0),
        Property::Event => extras.events.map_or(0, |e| u64::from(e.codes()[i])),
    }
}

/// The label of a property's code (see [`property_code`]).
fn property_label(extras: &FunnelExtras<'_>, p: Property, code: u64) -> String {
    use crate::model::Code;
    match p {
        Property::Channel => crate::Channel::from_code(code as u8)
            .map_or_else(|_| code.to_string(), |c| c.label().to_string()),
        Property::Kind => TouchpointKind::from_code(code as u8)
            .map_or_else(|_| code.to_string(), |c| c.label().to_string()),
        Property::Campaign => code.to_string(),
        Property::Event => extras
            .events
            .and_then(|e| e.dictionary().labels().get(code as usize).cloned())
            .unwrap_or_default(),
    }
}

/// Customers reaching each step and their times (seconds since the
/// customer's first step), turned into a [`FunnelResult`]. Merging adds the
/// counts and joins the times, so any split of the customers and any merge
/// order give the same result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tally {
    pub(crate) reached: Vec<u64>,
    pub(crate) times: Vec<Vec<i64>>,
    /// With `breakdown`, the counts per value of the property.
    pub(crate) groups: std::collections::BTreeMap<String, Tally>,
    /// With `correlation`, per event label the journeys carrying it that
    /// converted and that did not.
    pub(crate) events: std::collections::BTreeMap<String, [u64; 2]>,
}

/// Written as `reached`, `times`, then `groups` and `events` only when one is
/// not empty: a funnel without breakdown or correlation writes the bytes of
/// the partial format before them, and those bytes read back (both absent).
impl Serialize for Tally {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let sections = !self.groups.is_empty() || !self.events.is_empty();
        let mut st = s.serialize_struct("Tally", if sections { 4 } else { 2 })?;
        st.serialize_field("reached", &self.reached)?;
        st.serialize_field("times", &self.times)?;
        if sections {
            // A group has no sections of its own: its counts alone.
            let groups: std::collections::BTreeMap<&String, (&Vec<u64>, &Vec<Vec<i64>>)> = self
                .groups
                .iter()
                .map(|(label, g)| (label, (&g.reached, &g.times)))
                .collect();
            st.serialize_field("groups", &groups)?;
            st.serialize_field("events", &self.events)?;
        }
        st.end()
    }
}

impl<'de> Deserialize<'de> for Tally {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        type Groups = std::collections::BTreeMap<String, (Vec<u64>, Vec<Vec<i64>>)>;
        type Events = std::collections::BTreeMap<String, [u64; 2]>;
        /// The fields read, the sections possibly absent.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Read {
            reached: Vec<u64>,
            times: Vec<Vec<i64>>,
            #[serde(default)]
            groups: Groups,
            #[serde(default)]
            events: Events,
        }
        /// The binary form: the fields in order, the sections absent at the end.
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Read;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("funnel counts, then optional breakdown and event counts")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Read, A::Error> {
                let reached = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                let times = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(1, &self))?;
                // The end of the payload here: a partial without sections.
                let (groups, events) = match seq.next_element::<Groups>() {
                    Ok(Some(groups)) => (
                        groups,
                        seq.next_element()?
                            .ok_or_else(|| serde::de::Error::invalid_length(3, &self))?,
                    ),
                    _ => Default::default(),
                };
                Ok(Read {
                    reached,
                    times,
                    groups,
                    events,
                })
            }
        }
        let r = if d.is_human_readable() {
            Read::deserialize(d)?
        } else {
            d.deserialize_struct("Tally", &["reached", "times", "groups", "events"], InOrder)?
        };
        Ok(Tally {
            reached: r.reached,
            times: r.times,
            groups: r
                .groups
                .into_iter()
                .map(|(label, (reached, times))| {
                    let mut g = Tally::new(0);
                    (g.reached, g.times) = (reached, times);
                    (label, g)
                })
                .collect(),
            events: r.events,
        })
    }
}

impl Tally {
    pub(crate) fn new(k: usize) -> Self {
        Tally {
            reached: vec![0; k],
            times: vec![Vec::new(); k],
            groups: Default::default(),
            events: Default::default(),
        }
    }

    fn add(&mut self, best: &[i64]) {
        for (step, &t) in best.iter().enumerate() {
            self.reached[step] += 1;
            self.times[step].push(t - best[0]);
        }
    }

    /// Adds another's counts, leaving the times unsorted (see [`sort`](Self::sort)):
    /// merging runs one by one with a sort each was quadratic in the runs.
    fn gather(&mut self, other: Tally) {
        for (step, times) in other.times.into_iter().enumerate() {
            self.reached[step] = self.reached[step].saturating_add(other.reached[step]);
            self.times[step].extend(times);
        }
        self.join_sections(other.groups, other.events, Tally::gather);
    }

    /// Joins another's breakdown groups (with `join`) and event counts.
    fn join_sections(
        &mut self,
        groups: std::collections::BTreeMap<String, Tally>,
        events: std::collections::BTreeMap<String, [u64; 2]>,
        join: fn(&mut Tally, Tally),
    ) {
        for (label, t) in groups {
            match self.groups.get_mut(&label) {
                Some(mine) => join(mine, t),
                None => {
                    self.groups.insert(label, t);
                }
            }
        }
        for (label, [c, f]) in events {
            let mine = self.events.entry(label).or_default();
            mine[0] = mine[0].saturating_add(c);
            mine[1] = mine[1].saturating_add(f);
        }
    }

    /// Sorts the times (the state is then the same whatever the merge order).
    fn sort(&mut self) {
        self.times.iter_mut().for_each(|t| radsort::sort(t));
        self.groups.values_mut().for_each(Tally::sort);
    }

    pub(crate) fn merge(&mut self, other: Tally) {
        for (step, times) in other.times.into_iter().enumerate() {
            self.reached[step] = self.reached[step].saturating_add(other.reached[step]);
            // Kept sorted: the state is then the same whatever the merge order.
            let mine = &mut self.times[step];
            mine.extend(times);
            mine.sort_unstable();
        }
        self.join_sections(other.groups, other.events, Tally::merge);
    }

    /// An error unless the counts fit a funnel of `k` steps: one time per
    /// customer reaching a step, times within the supported range, counts
    /// that never grow along the steps.
    pub(crate) fn check(&self, k: usize) -> std::result::Result<(), String> {
        if self.reached.len() != k || self.times.len() != k {
            return Err(format!(
                "funnel counts for {} steps, the definition has {k}",
                self.reached.len()
            ));
        }
        for step in 0..k {
            if self.times[step].len() as u64 != self.reached[step] {
                return Err(format!(
                    "step {step}: {} times for {} customers",
                    self.times[step].len(),
                    self.reached[step]
                ));
            }
            if step > 0 && self.reached[step] > self.reached[step - 1] {
                return Err(format!(
                    "step {step} is reached by more customers than step {}",
                    step - 1
                ));
            }
            if self.times[step].windows(2).any(|w| w[0] > w[1]) {
                return Err(format!("step {step}: times out of order"));
            }
            if self.times[step]
                .iter()
                .any(|&t| !(0..=crate::model::MAX_TIME).contains(&t))
            {
                return Err(format!("step {step}: a time outside 0..=MAX_TIME"));
            }
        }
        if !self.groups.is_empty() {
            for (label, g) in &self.groups {
                if !g.groups.is_empty() || !g.events.is_empty() {
                    return Err(format!("breakdown group {label:?} has sections of its own"));
                }
                g.check(k)
                    .map_err(|e| format!("breakdown group {label:?}: {e}"))?;
            }
            let sum = self
                .groups
                .values()
                .map(|g| g.reached[0])
                .fold(0u64, u64::saturating_add);
            if sum != self.reached[0] {
                return Err(format!(
                    "breakdown groups hold {sum} journeys entering, the funnel {}",
                    self.reached[0]
                ));
            }
        }
        let (entered, converted) = (self.reached[0], self.reached.last().copied().unwrap_or(0));
        for (label, &[c, f]) in &self.events {
            if c > converted || f > entered - converted {
                return Err(format!(
                    "event {label:?}: {c} converted and {f} not, of {converted} and {}",
                    entered - converted
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn finish(&self, funnel: &Funnel) -> Result<FunnelResult> {
        let (k, reached) = (funnel.steps.len(), &self.reached);
        if reached[0] == 0 {
            return Err(EngError::EmptyInput {
                what: "the funnel".into(),
                unit: "customer entering it".into(),
            });
        }
        let mut out = FunnelResult {
            steps: if funnel.order == FunnelOrder::Any {
                // Row j counts journeys doing any j + 1 of the steps.
                (1..=k).map(|j| format!("any {j} of {k}")).collect()
            } else {
                funnel.steps.iter().map(|s| s.name.clone()).collect()
            },
            customers: reached.clone(),
            step_conversion: Vec::with_capacity(k),
            overall_conversion: Vec::with_capacity(k),
            drop_off: Vec::with_capacity(k),
            median_time: Vec::with_capacity(k),
            p25_time: Vec::with_capacity(k),
            p75_time: Vec::with_capacity(k),
            time_histogram: Vec::with_capacity(k),
            breakdown: Vec::new(),
            correlation: Vec::new(),
        };
        for step in 0..k {
            let before = if step == 0 {
                reached[0]
            } else {
                reached[step - 1]
            };
            out.step_conversion.push(if before == 0 {
                // Nobody reached the previous step: an empty proportion, not an error.
                Proportion {
                    successes: 0,
                    trials: 0,
                    rate: f64::NAN,
                    ci_low: f64::NAN,
                    ci_high: f64::NAN,
                    level: funnel.level,
                }
            } else {
                Proportion::wilson(reached[step], before, funnel.level)?
            });
            out.overall_conversion.push(Proportion::wilson(
                reached[step],
                reached[0],
                funnel.level,
            )?);
            out.drop_off.push(before - reached[step]);
            let mut times: Vec<f64> = self.times[step].iter().map(|&t| t as f64).collect();
            times.sort_by(f64::total_cmp);
            let times = &times;
            out.median_time.push(quantile(times, 0.5));
            out.p25_time.push(quantile(times, 0.25));
            out.p75_time.push(quantile(times, 0.75));
            out.time_histogram
                .push(histogram(&self.times[step], funnel.time_bins));
        }
        let mut groups: Vec<(&String, &Tally)> = self.groups.iter().collect();
        // Most journeys entering first, then by label.
        groups.sort_by(|a, b| {
            b.1.reached[0]
                .cmp(&a.1.reached[0])
                .then_with(|| a.0.cmp(b.0))
        });
        for (label, g) in groups {
            out.breakdown.push(FunnelGroup {
                label: label.clone(),
                result: g.finish(funnel)?,
            });
        }
        let z = crate::score::z_for_level(funnel.level)?;
        let (entered, converted) = (reached[0], reached[k - 1]);
        out.correlation = self
            .events
            .iter()
            .map(|(label, &[c, f])| {
                odds_ratio(label, [c, f, converted - c, entered - converted - f], z)
            })
            .collect();
        out.correlation.sort_by(|a, b| {
            b.odds_ratio
                .total_cmp(&a.odds_ratio)
                .then_with(|| a.event.cmp(&b.event))
        });
        Ok(out)
    }
}

/// The odds ratio of a 2×2 table `[converted_with, failed_with,
/// converted_without, failed_without]` (see [`EventCorrelation`]).
fn odds_ratio(event: &str, cells: [u64; 4], z: f64) -> EventCorrelation {
    let shift = if cells.contains(&0) { 0.5 } else { 0.0 };
    let [a, b, c, d] = cells.map(|n| n as f64 + shift);
    let log_or = (a * d / (b * c)).ln();
    let se = (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt();
    EventCorrelation {
        event: event.to_string(),
        converted_with: cells[0],
        failed_with: cells[1],
        converted_without: cells[2],
        failed_without: cells[3],
        odds_ratio: log_or.exp(),
        ci_low: (log_or - z * se).exp(),
        ci_high: (log_or + z * se).exp(),
        // libm (musl's) to the last bits; statrs's erfc is off by ~1e-10 here.
        p_value: libm::erfc(log_or.abs() / se / std::f64::consts::SQRT_2),
    }
}

/// The histogram of sorted times in `bins` equal bins from 0 to the largest
/// (see [`TimeHistogram`]).
fn histogram(sorted: &[i64], bins: u32) -> TimeHistogram {
    let Some(&max) = sorted.last() else {
        return TimeHistogram::default();
    };
    if max <= 0 {
        return TimeHistogram {
            edges: vec![0.0, 0.0],
            counts: vec![sorted.len() as u64],
        };
    }
    let bins = i128::from(bins);
    let mut counts = vec![0u64; bins as usize];
    for &t in sorted {
        // Integer arithmetic: a time on an edge falls in the bin it opens.
        let i = (i128::from(t) * bins / i128::from(max)).min(bins - 1);
        counts[i as usize] += 1;
    }
    TimeHistogram {
        edges: (0..=bins)
            .map(|i| (i128::from(max) * i) as f64 / bins as f64)
            .collect(),
        counts,
    }
}

/// How [`CustomerGroups::first_touch`] groups customers, by their first
/// touchpoint: `"acquisition_channel"` (its channel) or `{"cohort": "month"}`
/// (the day, week or month it falls in, labelled by the period's first day).
///
/// # Examples
///
/// ```
/// use engagement_core::retention::cohort::CohortPeriod;
/// use engagement_core::journey::funnel::GroupBy;
/// assert_eq!(serde_json::from_str::<GroupBy>(r#""acquisition_channel""#)?, GroupBy::AcquisitionChannel);
/// assert_eq!(serde_json::from_str::<GroupBy>(r#"{"cohort": "week"}"#)?, GroupBy::Cohort(CohortPeriod::Week));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GroupBy {
    /// The channel of the first touchpoint.
    AcquisitionChannel,
    /// The period of the first touchpoint.
    Cohort(crate::retention::cohort::CohortPeriod),
}

/// A group for each customer: `group[i]` indexes `labels` for `customer[i]`.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::funnel::CustomerGroups;
/// let g = CustomerGroups { customer: vec![1, 2], group: vec![0, 1], labels: vec!["vip".into(), "other".into()] };
/// g.validate()?;
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomerGroups {
    /// Customer ids (each at most once).
    pub customer: Vec<u64>,
    /// Index into `labels` per customer.
    pub group: Vec<u32>,
    /// Group names.
    pub labels: Vec<String>,
}

impl CustomerGroups {
    /// Groups the customers of `cols` by their first touchpoint (the earliest;
    /// among equal times the first by the rule of
    /// [`TouchpointColumns`](crate::TouchpointColumns), "Equal times"); labels are sorted (channels in code
    /// order, periods in time order).
    ///
    /// # Errors
    /// As [`TouchpointColumns::validate`](crate::TouchpointColumns::validate).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, TouchpointColumns};
    /// use engagement_core::journey::funnel::{CustomerGroups, GroupBy};
    /// use engagement_core::retention::cohort::CohortPeriod;
    /// let cols = TouchpointColumns { customer: &[1, 1, 2], time: &[50, 10, 2_700_000],
    ///     channel: &[Channel::Web as u8, Channel::Email as u8, Channel::Web as u8], kind: &[3, 3, 3], ..Default::default() };
    /// let g = CustomerGroups::first_touch(&cols, GroupBy::AcquisitionChannel)?;
    /// assert_eq!((g.customer, g.group, g.labels), (vec![1, 2], vec![0, 1], vec!["email".to_string(), "web".to_string()]));
    /// let g = CustomerGroups::first_touch(&cols, GroupBy::Cohort(CohortPeriod::Month))?;
    /// assert_eq!(g.labels, ["1970-01-01", "1970-02-01"]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn first_touch(cols: &crate::TouchpointColumns<'_>, by: GroupBy) -> Result<Self> {
        cols.validate()?;
        let mut first: std::collections::HashMap<u64, (i64, usize)> =
            std::collections::HashMap::new();
        for i in 0..cols.len() {
            first
                .entry(cols.customer[i])
                .and_modify(|e| {
                    let earlier = cols.time[i]
                        .cmp(&e.0)
                        .then_with(|| cols.tie_order(&Default::default(), i, e.1))
                        .is_lt();
                    if earlier {
                        *e = (cols.time[i], i);
                    }
                })
                .or_insert((cols.time[i], i));
        }
        let mut rows: Vec<(u64, i64)> = first
            .into_iter()
            .map(|(c, (t, i))| {
                let key = match by {
                    GroupBy::AcquisitionChannel => i64::from(cols.channel[i]),
                    GroupBy::Cohort(p) => p.index(t),
                };
                (c, key)
            })
            .collect();
        rows.sort_unstable();
        let mut keys: Vec<i64> = rows.iter().map(|r| r.1).collect();
        keys.sort_unstable();
        keys.dedup();
        let labels = keys
            .iter()
            .map(|&k| match by {
                GroupBy::AcquisitionChannel => {
                    use crate::model::Code;
                    crate::Channel::from_code(k as u8)
                        .map_or_else(|_| k.to_string(), |c| c.label().to_string())
                }
                GroupBy::Cohort(p) => crate::model::calendar::date_label(p.start(k)),
            })
            .collect();
        Ok(CustomerGroups {
            customer: rows.iter().map(|r| r.0).collect(),
            group: rows
                .iter()
                .map(|r| keys.binary_search(&r.1).map_or(0, |g| g as u32))
                .collect(),
            labels,
        })
    }

    /// Checks equal lengths, group indices within `labels` and customers listed once.
    ///
    /// # Errors
    /// [`EngError::LengthMismatch`] or [`EngError::InvalidInput`] (with the row).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::funnel::CustomerGroups;
    /// let twice = CustomerGroups { customer: vec![1, 1], group: vec![0, 0], labels: vec!["a".into()] };
    /// assert!(twice.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.group.len() != self.customer.len() {
            return Err(EngError::LengthMismatch {
                field: "group".into(),
                expected: self.customer.len(),
                found: self.group.len(),
            });
        }
        let mut seen = std::collections::HashSet::with_capacity(self.customer.len());
        for (i, (&c, &g)) in self.customer.iter().zip(&self.group).enumerate() {
            if g as usize >= self.labels.len() {
                return Err(EngError::invalid(
                    "group",
                    g,
                    format!("only {} group labels are given", self.labels.len()),
                )
                .at_row(i));
            }
            if !seen.insert(c) {
                return Err(EngError::invalid("customer", c, "listed twice").at_row(i));
            }
        }
        Ok(())
    }
}

/// A funnel per group of customers (see [`run_funnel_by`] for an example).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelBreakdown {
    /// Group names, of the groups with at least one customer entering the funnel.
    pub labels: Vec<String>,
    /// The funnel of each group, in the order of `labels`.
    pub results: Vec<FunnelResult>,
    /// The funnel of everyone (the same as [`run_funnel`]).
    pub total: FunnelResult,
    /// Customers entering the funnel that belong to no group (counted in `total` only).
    pub ungrouped: u64,
}

/// Runs a funnel separately for each group of customers, and for everyone.
///
/// # Errors
/// As [`run_funnel`] and [`CustomerGroups::validate`].
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::funnel::{CustomerGroups, Funnel, GroupBy, run_funnel_by};
/// let f: Funnel = serde_json::from_str(r#"{"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}]}"#)?;
/// let (v, p) = (K::Visit as u8, K::Purchase as u8);
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 2, 3, 3],
///     time: &[0, 60, 0, 0, 30],
///     channel: &[Channel::Email as u8, 1, Channel::Ads as u8, Channel::Ads as u8, 1],
///     kind: &[v, p, v, v, p],
///     ..Default::default()
/// };
/// let by = run_funnel_by(&cols, &f, &CustomerGroups::first_touch(&cols, GroupBy::AcquisitionChannel)?)?;
/// assert_eq!(by.labels, ["email", "ads"]);
/// assert_eq!(by.results[1].customers, [2, 1]);   // customers 2 and 3 came from ads; 3 bought
/// assert_eq!(by.total.customers, [3, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_funnel_by(
    cols: &crate::TouchpointColumns<'_>,
    funnel: &Funnel,
    groups: &CustomerGroups,
) -> Result<FunnelBreakdown> {
    run_funnel_by_with(cols, &FunnelExtras::default(), funnel, groups)
}

/// As [`run_funnel_by`], with steps that read campaigns or stage entries
/// (see [`run_funnel_with`]).
///
/// # Errors
/// As [`run_funnel_with`] and [`CustomerGroups::validate`].
///
/// # Examples
///
/// ```
/// use engagement_core::TouchpointColumns;
/// use engagement_core::journey::funnel::{CustomerGroups, Funnel, FunnelExtras, run_funnel_by_with};
/// let f: Funnel = serde_json::from_str(r#"{"steps": [{"name": "mail", "kinds": ["click"], "campaigns": [7]}]}"#)?;
/// let cols = TouchpointColumns { customer: &[1, 2], time: &[0, 0], channel: &[0, 0], kind: &[2, 2],
///     ..Default::default() };
/// let groups = CustomerGroups { customer: vec![1, 2], group: vec![0, 1], labels: vec!["a".into(), "b".into()] };
/// let by = run_funnel_by_with(&cols, &FunnelExtras { campaign: &[7, 9], stages: None, events: None, session: &[] }, &f, &groups)?;
/// assert_eq!(by.labels, ["a"]);   // group b's customer clicked another campaign
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_funnel_by_with(
    cols: &crate::TouchpointColumns<'_>,
    extras: &FunnelExtras<'_>,
    funnel: &Funnel,
    groups: &CustomerGroups,
) -> Result<FunnelBreakdown> {
    check(cols, extras, funnel)?;
    groups.validate()?;
    let journeys = Journeys::of(cols, extras.session, funnel)?;
    let cols = &journeys.columns(cols);
    let of: std::collections::HashMap<u64, u32> = groups
        .customer
        .iter()
        .copied()
        .zip(groups.group.iter().copied())
        .collect();
    let k = funnel.steps.len();
    let g = groups.labels.len();
    // Per run, tallies only for the groups met in it (a run sees at most ~65 k customers, while
    // the caller may give millions of groups).
    type Part = (std::collections::BTreeMap<u32, Tally>, Tally, u64);
    let parts: Vec<Part> = entries(
        cols,
        extras,
        funnel,
        || (std::collections::BTreeMap::new(), Tally::new(k), 0u64),
        |(tallies, total, ungrouped), journey, best, _| {
            total.add(best);
            match of.get(&journeys.customer(journey)) {
                Some(&g) => tallies.entry(g).or_insert_with(|| Tally::new(k)).add(best),
                None => *ungrouped += 1,
            }
        },
    )?;
    let (mut tallies, mut total, mut ungrouped) = (vec![Tally::new(k); g], Tally::new(k), 0);
    for (group_parts, total_part, ungrouped_part) in parts {
        for (group, p) in group_parts {
            tallies[group as usize].gather(p);
        }
        total.gather(total_part);
        ungrouped += ungrouped_part;
    }
    tallies.iter_mut().for_each(Tally::sort);
    total.sort();
    let total = total.finish(funnel)?;
    let mut labels = Vec::new();
    let mut results = Vec::new();
    for (label, tally) in groups.labels.iter().zip(tallies) {
        if tally.reached[0] > 0 {
            labels.push(label.clone());
            results.push(tally.finish(funnel)?);
        }
    }
    Ok(FunnelBreakdown {
        labels,
        results,
        total,
        ungrouped,
    })
}

/// One journey's progress through a funnel, kept between pushes of a
/// [`JourneyState`](crate::journey::state::JourneyState): the deepest
/// attempt among those that can no longer change, and the rows from the
/// first attempt that still can (an attempt changes until a row comes more
/// than the window after its entry, so the rows kept span about one window).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct FunnelTrack {
    /// Times of the steps of the deepest settled attempt (empty: none).
    best: Vec<i64>,
    /// Its entry's breakdown code (0 without a breakdown).
    best_code: u32,
    /// Rows matching a step or an exclusion, from the first open entry on:
    /// (time, mask, breakdown code, held property).
    rows: Vec<Row>,
    /// Set when nothing later can change the counted attempt.
    done: bool,
}

/// A funnel followed journey by journey as touchpoints arrive in time
/// order (see [`FunnelTrack`]); its counts equal [`run_funnel`]'s over all
/// the touchpoints pushed.
#[derive(Debug, Clone)]
pub(crate) struct FunnelFollower {
    funnel: Funnel,
    /// Step and exclusion mask per (kind, channel).
    masks: Vec<u32>,
}

impl FunnelFollower {
    /// Checks the funnel and what following it needs: steps by kind and
    /// channel, journeys per customer.
    pub(crate) fn new(funnel: &Funnel) -> Result<Self> {
        check_definition(funnel)?;
        ensure_config!(
            funnel.per == crate::journey::paths::Per::Customer,
            "funnel.per",
            "a funnel followed day by day is per customer (sessions are cut from whole days: run run_funnel over the export)"
        );
        ensure_config!(
            !funnel.correlation,
            "funnel.correlation",
            "correlation reads event labels, which a followed funnel does not keep: run run_funnel over the export"
        );
        for (field, p) in [
            ("funnel.hold_constant", funnel.hold_constant),
            ("funnel.breakdown", funnel.breakdown),
        ] {
            ensure_config!(
                matches!(p, None | Some(Property::Channel | Property::Kind)),
                field,
                "a followed funnel holds or breaks down by channel or kind (it keeps no campaign or event column)"
            );
        }
        let preds: Vec<FunnelStep> = funnel
            .steps
            .iter()
            .cloned()
            .chain(funnel.exclusions.iter().map(Exclusion::step))
            .collect();
        for s in &preds {
            ensure_config!(
                s.campaigns.is_empty() && s.stages.is_empty() && !s.reads_events(),
                "funnel.steps",
                "step {:?}: a followed funnel matches touchpoints by kind and channel (not campaigns, events or stage entries)",
                s.name
            );
        }
        let masks = RowMasks::new(&preds, &FunnelExtras::default())?.masks;
        Ok(FunnelFollower {
            funnel: funnel.clone(),
            masks,
        })
    }

    /// Checks a track read from a saved state against the funnel and its
    /// customer's latest time: rows in time order between 1970 and `last`,
    /// each matching a step or an exclusion, codes of known channels or
    /// kinds, and a settled attempt no deeper than the funnel.
    pub(crate) fn check(&self, track: &FunnelTrack, last: i64) -> std::result::Result<(), String> {
        let bits = self.masks.iter().fold(0u32, |a, &m| a | m);
        let codes = |p: Option<Property>| match p {
            None => 1,
            Some(Property::Channel) => crate::Channel::COUNT as u64,
            Some(_) => crate::TouchpointKind::COUNT as u64,
        };
        let (breakdown, held) = (
            codes(self.funnel.breakdown),
            codes(self.funnel.hold_constant),
        );
        let span = crate::model::MIN_TIME..=last;
        if track.rows.windows(2).any(|w| w[0].0 > w[1].0)
            || track.rows.iter().any(|r| {
                !span.contains(&r.0)
                    || r.1 == 0
                    || r.1 & !bits != 0
                    || u64::from(r.2) >= breakdown
                    || r.3 >= held
            })
        {
            return Err(
                "its funnel rows are out of order, unknown or later than its latest time".into(),
            );
        }
        if track.best.len() > self.funnel.steps.len()
            || track.best.iter().any(|t| !span.contains(t))
            || u64::from(track.best_code) >= breakdown
        {
            return Err(
                "its funnel attempt is deeper than the funnel or later than its latest time".into(),
            );
        }
        Ok(())
    }

    /// Adds one journey's next touchpoints (rows of `cols`, in time order,
    /// later than any before), then settles the attempts no later
    /// touchpoint can change.
    pub(crate) fn push(
        &self,
        track: &mut FunnelTrack,
        cols: &crate::TouchpointColumns<'_>,
        rows: impl Iterator<Item = usize>,
    ) {
        if track.done {
            return;
        }
        let code = |p: Option<Property>, i: usize| {
            p.map_or(0, |p| property_code(cols, &FunnelExtras::default(), p, i))
        };
        for i in rows {
            let mask = self.masks
                [usize::from(cols.kind[i]) * crate::Channel::COUNT + usize::from(cols.channel[i])];
            if mask != 0 {
                track.rows.push((
                    cols.time[i],
                    mask,
                    code(self.funnel.breakdown, i) as u32,
                    code(self.funnel.hold_constant, i),
                ));
            }
        }
        let Some(&(last, ..)) = track.rows.last() else {
            return;
        };
        let matcher = Matcher::new(&self.funnel);
        let (mut got, mut latest) = (Vec::new(), Vec::new());
        let mut s = 0;
        while s < track.rows.len() {
            let (t0, mask, code, _) = track.rows[s];
            if !matcher.enters(mask) {
                s += 1;
                continue;
            }
            if last - t0 <= self.funnel.window {
                break; // this attempt, and every later one, may still progress
            }
            matcher.attempt(&track.rows, s, &mut got, &mut latest);
            if got.len() > track.best.len() {
                std::mem::swap(&mut track.best, &mut got);
                track.best_code = code;
            }
            s += 1;
            if track.best.len() == matcher.k || self.funnel.entry == Entry::First {
                track.done = true;
                track.rows = Vec::new();
                return;
            }
        }
        track.rows.drain(..s);
    }

    /// The journey's counted attempt now (as [`Matcher::best`] over every
    /// touchpoint pushed) into `best`, and its entry's breakdown code.
    pub(crate) fn best(&self, track: &FunnelTrack, best: &mut Vec<i64>) -> u32 {
        best.clear();
        best.extend_from_slice(&track.best);
        let mut code = track.best_code;
        if track.done {
            return code;
        }
        let matcher = Matcher::new(&self.funnel);
        let (mut got, mut latest) = (Vec::new(), Vec::new());
        for s in 0..track.rows.len() {
            if matcher.enters(track.rows[s].1) {
                matcher.attempt(&track.rows, s, &mut got, &mut latest);
                if got.len() > best.len() {
                    std::mem::swap(best, &mut got);
                    code = track.rows[s].2;
                }
                if best.len() == matcher.k || self.funnel.entry == Entry::First {
                    break;
                }
            }
        }
        code
    }

    /// The funnel's result over journeys' tracks (in customer order).
    pub(crate) fn result<'t>(
        &self,
        tracks: impl Iterator<Item = &'t FunnelTrack>,
    ) -> Result<FunnelResult> {
        let k = self.funnel.steps.len();
        let mut tally = Tally::new(k);
        let mut groups: std::collections::BTreeMap<u64, Tally> = std::collections::BTreeMap::new();
        let mut best = Vec::new();
        for track in tracks {
            let code = self.best(track, &mut best);
            if best.is_empty() {
                continue;
            }
            tally.add(&best);
            if self.funnel.breakdown.is_some() {
                groups
                    .entry(u64::from(code))
                    .or_insert_with(|| Tally::new(k))
                    .add(&best);
            }
        }
        tally.sort();
        if let Some(p) = self.funnel.breakdown {
            for (code, mut t) in groups {
                t.sort();
                tally
                    .groups
                    .insert(property_label(&FunnelExtras::default(), p, code), t);
            }
        }
        tally.finish(&self.funnel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TouchpointColumns;

    fn funnel(order: FunnelOrder) -> Funnel {
        let step = |name: &str, kind| FunnelStep {
            name: name.into(),
            kinds: vec![kind],
            channels: vec![],
            campaigns: vec![],
            stages: vec![],
            events: vec![],
            event_prefix: None,
            event_regex: None,
            within: None,
        };
        Funnel {
            steps: vec![
                step("open", TouchpointKind::Open),
                step("click", TouchpointKind::Click),
                step("buy", TouchpointKind::Purchase),
            ],
            window: 100,
            order,
            level: 0.95,
            per: Default::default(),
            session: Default::default(),
            ..Default::default()
        }
    }

    #[test]
    fn strict_order_breaks_on_another_step_and_counts_never_increase() {
        use TouchpointKind as K;
        // Customer 1: open, purchase, click, purchase — loose reaches all three; strict stops at
        // open (a purchase comes before the click).
        let cols = TouchpointColumns {
            customer: &[1, 1, 1, 1, 2, 2],
            time: &[0, 1, 2, 3, 0, 500],
            channel: &[0; 6],
            kind: &[
                K::Open as u8,
                K::Purchase as u8,
                K::Click as u8,
                K::Purchase as u8,
                K::Open as u8,
                K::Click as u8,
            ],
            ..Default::default()
        };
        let loose = run_funnel(&cols, &funnel(FunnelOrder::Loose)).unwrap();
        assert_eq!(loose.customers, [2, 1, 1]); // customer 2's click is outside the window
        let strict = run_funnel(&cols, &funnel(FunnelOrder::Strict)).unwrap();
        assert_eq!(strict.customers, [2, 0, 0]);
        assert!(strict.step_conversion[2].rate.is_nan() && strict.drop_off[1] == 2);
        assert!(strict.median_time[1].is_none());
        for r in [&loose, &strict] {
            assert!(r.customers.windows(2).all(|w| w[1] <= w[0]));
        }
    }

    proptest::proptest! {
        #[test]
        fn prop_counts_never_increase_and_strict_never_exceeds_loose(
            rows in proptest::collection::vec((1u64..6, 0i64..300, 0u8..4), 1..60),
        ) {
            use TouchpointKind as K;
            let kinds = [K::Open as u8, K::Click as u8, K::Purchase as u8, K::Visit as u8];
            let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
            let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let kind: Vec<u8> = rows.iter().map(|r| kinds[usize::from(r.2)]).collect();
            let channel = vec![0u8; rows.len()];
            let cols = TouchpointColumns { customer: &customer, time: &time, channel: &channel, kind: &kind, ..Default::default() };
            match (run_funnel(&cols, &funnel(FunnelOrder::Loose)), run_funnel(&cols, &funnel(FunnelOrder::Strict))) {
                (Ok(loose), Ok(strict)) => {
                    for r in [&loose, &strict] {
                        proptest::prop_assert!(r.customers.windows(2).all(|w| w[1] <= w[0]));
                        proptest::prop_assert!(r.customers[0] <= 5);
                    }
                    for k in 0..3 {
                        proptest::prop_assert!(strict.customers[k] <= loose.customers[k]);
                    }
                }
                // Nobody opened: both fail the same way.
                (Err(a), Err(b)) => proptest::prop_assert_eq!(a.kind(), b.kind()),
                _ => proptest::prop_assert!(false, "loose and strict disagree on entering the funnel"),
            }
        }
    }

    /// Event-log columns for journeys given as (customer, [(gap, label)]) with
    /// distinct, increasing times per customer.
    fn event_log(journeys: &[(u64, Vec<(i64, u32)>)]) -> (Vec<u64>, Vec<i64>, Vec<u32>) {
        let (mut c, mut t, mut e) = (Vec::new(), Vec::new(), Vec::new());
        for (customer, rows) in journeys {
            let mut time = 0;
            for &(gap, label) in rows {
                time += gap;
                c.push(*customer);
                t.push(time);
                e.push(label);
            }
        }
        (c, t, e)
    }

    fn event_funnel(
        steps: &[&str],
        exclusions: &[(&str, [usize; 2])],
        within: &[Option<i64>],
    ) -> Funnel {
        Funnel {
            steps: steps
                .iter()
                .zip(within)
                .map(|(s, w)| FunnelStep {
                    name: s.to_string(),
                    events: vec![s.to_string()],
                    within: *w,
                    ..Default::default()
                })
                .collect(),
            exclusions: exclusions
                .iter()
                .map(|(s, between)| Exclusion {
                    name: s.to_string(),
                    events: vec![s.to_string()],
                    between: *between,
                    ..Default::default()
                })
                .collect(),
            window: 20,
            ..Default::default()
        }
    }

    /// The counted attempt of one journey by enumerating every chain of rows
    /// (see [`Exclusion`] and [`FunnelStep::within`]): a prefix reaching step
    /// `m` is valid when each step is within its window of the previous and
    /// the funnel's of the entry, and no exclusion `[a, b]` with `a < m` has a
    /// touchpoint after step `a`'s row up to step `min(b, m)`'s.
    fn brute_force(f: &Funnel, rows: &[(i64, &str)]) -> Vec<i64> {
        let k = f.steps.len();
        let is = |r: usize, label: &str| rows[r].1 == label;
        fn dfs(
            f: &Funnel,
            rows: &[(i64, &str)],
            chain: &mut Vec<usize>,
            times: &mut Vec<Option<i64>>,
            is: &dyn Fn(usize, &str) -> bool,
        ) {
            let m = chain.len();
            let last = rows[chain[m - 1]].0;
            times[m - 1] = Some(times[m - 1].map_or(last, |t| t.min(last)));
            if m == f.steps.len() {
                return;
            }
            for r in chain[m - 1] + 1..rows.len() {
                let t = rows[r].0;
                if !is(r, &f.steps[m].events[0])
                    || t - rows[chain[0]].0 > f.window
                    || f.steps[m].within.is_some_and(|w| t - last > w)
                {
                    continue;
                }
                chain.push(r);
                let voided = f.exclusions.iter().any(|x| {
                    let [a, b] = x.between;
                    let to = b.min(m);
                    a < to && (chain[a] + 1..=chain[to]).any(|e| is(e, &x.events[0]))
                });
                if !voided {
                    dfs(f, rows, chain, times, is);
                }
                chain.pop();
            }
        }
        let mut best: Vec<i64> = Vec::new();
        for start in 0..rows.len() {
            if !is(start, &f.steps[0].events[0]) {
                continue;
            }
            let mut times = vec![None; k];
            dfs(f, rows, &mut vec![start], &mut times, &is);
            let got: Vec<i64> = times.iter().map_while(|t| *t).collect();
            if got.len() > best.len() {
                best = got.iter().map(|t| t - rows[start].0).collect();
            }
        }
        best
    }

    proptest::proptest! {
        #[test]
        fn prop_exclusions_and_step_windows_equal_every_chain_enumerated(
            journeys in proptest::collection::vec(proptest::collection::vec((1i64..6, 0u32..5), 1..9), 1..8),
            exclusion in proptest::option::of((0usize..2, 1usize..3)),
            within in proptest::collection::vec(proptest::option::of(1i64..12), 3),
        ) {
            let labels = ["a", "b", "c", "x", "y"];
            let dictionary = crate::EventDictionary::from_labels(labels).unwrap();
            let journeys: Vec<(u64, Vec<(i64, u32)>)> = journeys.into_iter().enumerate().map(|(c, r)| (c as u64 + 1, r)).collect();
            let (customer, time, codes) = event_log(&journeys);
            let exclusions: Vec<(&str, [usize; 2])> = exclusion
                .filter(|(a, b)| a < b)
                .map(|(a, b)| vec![("x", [a, b])])
                .unwrap_or_default();
            let mut within = within;
            within[0] = None;
            let f = event_funnel(&["a", "b", "c"], &exclusions, &within);
            let cols = crate::TouchpointColumns { customer: &customer, time: &time, ..Default::default() };
            let extras = FunnelExtras { events: Some(crate::EventColumn::new(&codes, &dictionary).unwrap()), ..Default::default() };
            let mut expected = Tally::new(3);
            for (_, rows) in &journeys {
                let mut t = 0;
                let rows: Vec<(i64, &str)> = rows.iter().map(|&(g, l)| { t += g; (t, labels[l as usize]) }).collect();
                let best = brute_force(&f, &rows);
                if !best.is_empty() {
                    expected.add(&best);
                }
            }
            expected.sort();
            match run_funnel_with(&cols, &extras, &f) {
                Ok(r) => {
                    let e = expected.finish(&f).unwrap();
                    proptest::prop_assert_eq!(&r.customers, &e.customers);
                    proptest::prop_assert_eq!(&r.median_time, &e.median_time);
                    proptest::prop_assert_eq!(&r.p25_time, &e.p25_time);
                    proptest::prop_assert_eq!(&r.time_histogram, &e.time_histogram);
                    if exclusions.is_empty() && within.iter().all(Option::is_none) {
                        // Every chain followed equals each step at its first match.
                        let mut chains = f.clone();
                        chains.steps[1].within = Some(f.window);
                        let c = run_funnel_with(&cols, &extras, &chains).unwrap();
                        proptest::prop_assert_eq!(&c.customers, &r.customers);
                        proptest::prop_assert_eq!(&c.p75_time, &r.p75_time);
                    }
                }
                Err(e) => proptest::prop_assert!(expected.reached[0] == 0, "{e}"),
            }
        }
    }

    #[test]
    fn any_order_hold_constant_first_entry_breakdown_correlation_and_histograms() {
        let d = crate::EventDictionary::from_labels(["a", "b", "c", "help", "promo"]).unwrap();
        // Customer 1: b, a, c (any order: all three); 2: a, help, b; 3: c, promo; 4: a, a (campaign 9), b (campaign 9).
        let customer = [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4];
        let time = [0, 10, 30, 0, 5, 20, 0, 7, 0, 50, 60];
        let codes = [1, 0, 2, 0, 3, 1, 2, 4, 0, 0, 1];
        let campaign = [0, 0, 0, 0, 0, 0, 0, 0, 7, 9, 9];
        let cols = TouchpointColumns {
            customer: &customer,
            time: &time,
            ..Default::default()
        };
        let events = crate::EventColumn::new(&codes, &d).unwrap();
        let extras = FunnelExtras {
            events: Some(events),
            campaign: &campaign,
            ..Default::default()
        };
        let mut f = event_funnel(&["a", "b", "c"], &[], &[None; 3]);
        f.window = 100;
        let ordered = run_funnel_with(&cols, &extras, &f).unwrap();
        assert_eq!(ordered.customers, [3, 2, 0]);
        f.order = FunnelOrder::Any;
        let any = run_funnel_with(&cols, &extras, &f).unwrap();
        // At least one step: 4 customers; two: 1 (b, a), 2 (a, b), 4 (a, b); three: customer 1 at 30.
        assert_eq!(any.customers, [4, 3, 1]);
        assert_eq!(any.median_time[2], Some(30.0));
        assert_eq!(any.median_time[1], Some(20.0)); // times 10, 20, 60
        f.order = FunnelOrder::Loose;
        // Customer 4's first "a" (campaign 7) reaches no "b" of its campaign; its second does.
        f.hold_constant = Some(Property::Campaign);
        let held = run_funnel_with(&cols, &extras, &f).unwrap();
        assert_eq!(
            (held.customers.clone(), held.median_time[1]),
            (vec![3, 2, 0], Some(15.0))
        ); // 20 and 10
        f.entry = Entry::First;
        assert_eq!(
            run_funnel_with(&cols, &extras, &f).unwrap().customers,
            [3, 1, 0]
        );
        f.entry = Entry::Any;
        f.hold_constant = None;
        f.breakdown = Some(Property::Campaign);
        let by = run_funnel_with(&cols, &extras, &f).unwrap();
        let labels: Vec<(&str, &[u64])> = by
            .breakdown
            .iter()
            .map(|g| (g.label.as_str(), &g.result.customers[..]))
            .collect();
        // Customer 4's counted attempt is its first (earliest among equals), campaign 7.
        assert_eq!(labels, [("0", &[2u64, 1, 0][..]), ("7", &[1, 1, 0][..])]);
        f.breakdown = None;
        f.correlation = true;
        f.steps.truncate(2);
        let r = run_funnel_with(&cols, &extras, &f).unwrap();
        // Entered: 1 (a at 10, b? no b after: fails), 2 (converts at 20 with help before), 4 (converts).
        // Customer 1's c at 30 is within its window: c is carried by a failure.
        let got: Vec<(&str, [u64; 4])> = r
            .correlation
            .iter()
            .map(|c| {
                (
                    c.event.as_str(),
                    [
                        c.converted_with,
                        c.failed_with,
                        c.converted_without,
                        c.failed_without,
                    ],
                )
            })
            .collect();
        assert_eq!(got, [("help", [1, 0, 1, 1]), ("c", [0, 1, 2, 0])]);
        // help: cells 1, 0, 1, 1 shifted by 0.5: (1.5 · 1.5) / (0.5 · 1.5) = 3.
        assert!((r.correlation[0].odds_ratio - 3.0).abs() < 1e-12);
        let se = (1.0f64 / 1.5 + 2.0 + 1.0 / 1.5 + 1.0 / 1.5).sqrt();
        assert!(
            (r.correlation[0].ci_low - (3f64.ln() - 1.959963984540054 * se).exp()).abs() < 1e-9
        );
        // Histograms: everyone entering at 0; step 1 at 20 (customer 2) and 60 (customer 4).
        assert_eq!(
            r.time_histogram[0],
            TimeHistogram {
                edges: vec![0.0, 0.0],
                counts: vec![3]
            }
        );
        let h = &r.time_histogram[1];
        assert_eq!((h.edges.len(), h.edges[10], h.edges[3]), (11, 60.0, 18.0));
        assert_eq!(h.counts, [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn power_features_merge_from_parts_through_bytes_to_the_single_run() {
        use crate::partial::{Partial, PartialResult, PartialSpec};
        // Two dictionaries (one per part), labels in another order: merged by text.
        let labels = ["view", "cart", "buy", "refund", "help"];
        let journeys: Vec<(u64, Vec<(i64, u32)>)> = (1..=40u64)
            .map(|c| {
                (
                    c,
                    (0..(c % 7 + 1))
                        .map(|i| (1 + (c * 7 + i * 3) as i64 % 5, ((c + i * i) % 5) as u32))
                        .collect(),
                )
            })
            .collect();
        let (customer, time, codes) = event_log(&journeys);
        let campaign: Vec<u64> = customer
            .iter()
            .zip(&time)
            .map(|(c, t)| (c + *t as u64) % 3)
            .collect();
        let spec: PartialSpec = serde_json::from_value(serde_json::json!({"kind": "funnel", "funnel": {
            "steps": [{"name": "view", "events": ["view"]}, {"name": "cart", "events": ["cart"], "within": 8},
                      {"name": "buy", "events": ["buy"]}],
            "exclusions": [{"name": "refund", "events": ["refund"], "between": [1, 2]}],
            "window": 20, "breakdown": "campaign", "correlation": true, "time_bins": 4}}))
        .unwrap();
        let PartialSpec::Funnel { funnel } = &spec else {
            unreachable!()
        };
        let whole = crate::EventDictionary::from_labels(labels).unwrap();
        let cols = TouchpointColumns {
            customer: &customer,
            time: &time,
            ..Default::default()
        };
        let extras = FunnelExtras {
            events: Some(crate::EventColumn::new(&codes, &whole).unwrap()),
            campaign: &campaign,
            ..Default::default()
        };
        let single = run_funnel_with(&cols, &extras, funnel).unwrap();
        assert!(!single.breakdown.is_empty() && !single.correlation.is_empty());
        let mut merged: Option<Partial> = None;
        for odd in [1u64, 0] {
            let rows: Vec<usize> = (0..customer.len())
                .filter(|&i| customer[i] % 2 == odd)
                .collect();
            let mut d = crate::EventDictionary::new();
            let part_codes: Vec<u32> = rows
                .iter()
                .map(|&i| d.intern(labels[codes[i] as usize]).unwrap())
                .collect();
            let (c, t, k): (Vec<u64>, Vec<i64>, Vec<u64>) = (
                rows.iter().map(|&i| customer[i]).collect(),
                rows.iter().map(|&i| time[i]).collect(),
                rows.iter().map(|&i| campaign[i]).collect(),
            );
            let part_cols = TouchpointColumns {
                customer: &c,
                time: &t,
                ..Default::default()
            };
            let part_extras = FunnelExtras {
                events: Some(crate::EventColumn::new(&part_codes, &d).unwrap()),
                campaign: &k,
                ..Default::default()
            };
            let p = Partial::from_touchpoints_with(&spec, &part_cols, &part_extras).unwrap();
            let p = Partial::from_bytes(&p.to_bytes().unwrap()).unwrap();
            match &mut merged {
                None => merged = Some(p),
                Some(m) => m.merge(p).unwrap(),
            }
        }
        let PartialResult::Funnel(r) = merged.unwrap().result().unwrap() else {
            unreachable!()
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            serde_json::to_string(&single).unwrap()
        );
    }

    proptest::proptest! {
        #[test]
        fn prop_groups_add_up_to_the_total(
            rows in proptest::collection::vec((1u64..8, 0i64..300, 0u8..4), 1..60),
            grouping in proptest::collection::vec(proptest::option::of(0u32..3), 7),
        ) {
            use TouchpointKind as K;
            let kinds = [K::Open as u8, K::Click as u8, K::Purchase as u8, K::Visit as u8];
            let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
            let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let kind: Vec<u8> = rows.iter().map(|r| kinds[usize::from(r.2)]).collect();
            let channel = vec![0u8; rows.len()];
            let cols = TouchpointColumns { customer: &customer, time: &time, channel: &channel, kind: &kind, ..Default::default() };
            let mut groups = CustomerGroups { labels: vec!["a".into(), "b".into(), "c".into()], ..Default::default() };
            for (c, g) in (1u64..8).zip(&grouping) {
                if let Some(g) = g {
                    groups.customer.push(c);
                    groups.group.push(*g);
                }
            }
            let f = funnel(FunnelOrder::Loose);
            match (run_funnel(&cols, &f), run_funnel_by(&cols, &f, &groups)) {
                (Ok(all), Ok(by)) => {
                    // (Through JSON: an empty step conversion is NaN, which is not equal to itself.)
                    proptest::prop_assert_eq!(serde_json::to_string(&by.total).unwrap(), serde_json::to_string(&all).unwrap());
                    for step in 0..3 {
                        let sum: u64 = by.results.iter().map(|r| r.customers[step]).sum();
                        proptest::prop_assert!(sum <= all.customers[step]);
                        if step == 0 {
                            proptest::prop_assert_eq!(sum + by.ungrouped, all.customers[0]);
                        }
                    }
                    proptest::prop_assert!(by.results.iter().all(|r| r.customers[0] > 0));
                }
                (Err(a), Err(b)) => proptest::prop_assert_eq!(a.kind(), b.kind()),
                _ => proptest::prop_assert!(false, "the breakdown and the funnel disagree on entering it"),
            }
        }
    }

    #[test]
    fn campaign_and_stage_steps() {
        use TouchpointKind as K;
        let cols = TouchpointColumns {
            customer: &[1, 1, 2, 3],
            time: &[0, 50, 0, 0],
            channel: &[0; 4],
            kind: &[
                K::Click as u8,
                K::Purchase as u8,
                K::Click as u8,
                K::Click as u8,
            ],
            ..Default::default()
        };
        // Customer 1 becomes loyal at 50, the time of its purchase (after it); 3 at 10, before
        // the purchase step could happen; 2 clicked another campaign.
        let history = StageHistory {
            customer: vec![1, 3],
            stage: vec![JourneyStage::Loyal, JourneyStage::Loyal],
            entered_at: vec![50, 10],
            until: 100,
        };
        let f: Funnel = serde_json::from_str(
            r#"{"steps": [{"name": "click", "kinds": ["click"], "campaigns": [7]},
                {"name": "buy", "kinds": ["purchase"]}, {"name": "loyal", "stages": ["loyal"]}],
                "order": "strict"}"#,
        )
        .unwrap();
        let extras = FunnelExtras {
            campaign: &[7, 0, 8, 7],
            stages: Some(&history),
            events: None,
            session: &[],
        };
        let r = run_funnel_with(&cols, &extras, &f).unwrap();
        // Strict: customer 3's loyalty (step 3) comes before any purchase and breaks its attempt.
        assert_eq!(r.customers, [2, 1, 1]);
        let loose = Funnel {
            order: FunnelOrder::Loose,
            ..f.clone()
        };
        assert_eq!(
            run_funnel_with(&cols, &extras, &loose).unwrap().customers,
            [2, 1, 1]
        );
        // Missing inputs and mixed predicates are configuration errors.
        assert_eq!(run_funnel(&cols, &f).unwrap_err().kind(), "config");
        let no_history = FunnelExtras {
            campaign: &[7, 0, 8, 7],
            stages: None,
            events: None,
            session: &[],
        };
        assert_eq!(
            run_funnel_with(&cols, &no_history, &f).unwrap_err().kind(),
            "config"
        );
        let short = FunnelExtras {
            campaign: &[7],
            stages: Some(&history),
            events: None,
            session: &[],
        };
        assert_eq!(
            run_funnel_with(&cols, &short, &f).unwrap_err().kind(),
            "length_mismatch"
        );
        let mixed: Funnel = serde_json::from_str(
            r#"{"steps": [{"name": "x", "kinds": ["click"], "stages": ["loyal"]}]}"#,
        )
        .unwrap();
        assert_eq!(
            run_funnel_with(&cols, &extras, &mixed).unwrap_err().kind(),
            "config"
        );
    }

    #[test]
    fn bad_groups_are_typed() {
        let cols = TouchpointColumns {
            customer: &[1],
            time: &[0],
            channel: &[0],
            kind: &[TouchpointKind::Open as u8],
            ..Default::default()
        };
        let f = funnel(FunnelOrder::Loose);
        let twice = CustomerGroups {
            customer: vec![1, 1],
            group: vec![0, 0],
            labels: vec!["a".into()],
        };
        assert!(
            run_funnel_by(&cols, &f, &twice)
                .unwrap_err()
                .to_string()
                .contains("listed twice")
        );
        let beyond = CustomerGroups {
            customer: vec![1],
            group: vec![1],
            labels: vec!["a".into()],
        };
        assert_eq!(
            run_funnel_by(&cols, &f, &beyond).unwrap_err().kind(),
            "invalid_input"
        );
        let short = CustomerGroups {
            customer: vec![1],
            group: vec![],
            labels: vec!["a".into()],
        };
        assert_eq!(
            run_funnel_by(&cols, &f, &short).unwrap_err().kind(),
            "length_mismatch"
        );
    }

    #[test]
    fn bad_funnels_are_typed() {
        let cols = TouchpointColumns {
            customer: &[1],
            time: &[0],
            channel: &[0],
            kind: &[TouchpointKind::Click as u8],
            ..Default::default()
        };
        assert!(run_funnel(&cols, &funnel(FunnelOrder::Loose)).is_err()); // nobody opens
        let mut f = funnel(FunnelOrder::Loose);
        f.window = 0;
        assert!(run_funnel(&cols, &f).is_err());
        f.steps.clear();
        f.window = 10;
        assert!(run_funnel(&cols, &f).is_err());
    }

    #[test]
    fn event_steps_match_labels_and_prefixes() {
        let mut dict = crate::EventDictionary::new();
        // Customer 1: catalog, product, payment_card; 2: catalog, payment_cash (no product);
        // 3: product only. Kinds and channels are all the same: only events tell steps apart.
        let codes = dict
            .intern_all(&[
                "catalog",
                "product_view",
                "payment_card",
                "catalog",
                "payment_cash",
                "product_view",
            ])
            .unwrap();
        let cols = TouchpointColumns {
            customer: &[1, 1, 1, 2, 2, 3],
            time: &[0, 10, 20, 0, 10, 0],
            channel: &[1; 6],
            kind: &[3; 6],
            ..Default::default()
        };
        let f: Funnel = serde_json::from_str(
            r#"{"steps": [{"name": "browse", "events": ["catalog", "search"]},
                {"name": "pay", "event_prefix": "payment_"}]}"#,
        )
        .unwrap();
        let extras = FunnelExtras {
            events: Some(crate::EventColumn::new(&codes, &dict).unwrap()),
            ..Default::default()
        };
        let r = run_funnel_with(&cols, &extras, &f).unwrap();
        assert_eq!(r.customers, [2, 2]);
        let strict: Funnel = serde_json::from_str(
            r#"{"order": "strict", "steps": [{"name": "browse", "events": ["catalog"]},
                {"name": "pay", "event_prefix": "payment_"}]}"#,
        )
        .unwrap();
        // Strict: customer 1's product_view matches no step, so it does not break the order.
        assert_eq!(
            run_funnel_with(&cols, &extras, &strict).unwrap().customers,
            [2, 2]
        );
        let e = run_funnel_with(&cols, &FunnelExtras::default(), &f).unwrap_err();
        assert!(e.to_string().contains("no event column"), "{e}");
        // A regular expression: unanchored unless the pattern anchors it.
        let by_regex = |pattern: &str| -> Result<Vec<u64>> {
            let f: Funnel = serde_json::from_value(serde_json::json!({"steps": [
                {"name": "browse", "events": ["catalog"]},
                {"name": "pay", "event_regex": pattern}]}))
            .unwrap();
            run_funnel_with(&cols, &extras, &f).map(|r| r.customers)
        };
        assert_eq!(by_regex("^payment_(card|cash)$").unwrap(), [2, 2]);
        assert_eq!(by_regex("card").unwrap(), [2, 1]);
        assert_eq!(by_regex("^card").unwrap(), [2, 0]);
        let e = by_regex("payment_(").unwrap_err();
        assert!(
            matches!(&e, EngError::Config { field, .. } if field == "steps.event_regex"),
            "{e}"
        );
        assert!(e.to_string().contains("\"pay\""), "{e}");
        // Per session, with a 10-second gap: customer 1's catalog (0 s) and payment (20 s) are
        // in one session only if product_view (10 s) bridges them, which it does; customer 2's
        // payment comes 10 s after the catalog: one session too. With a 5-second gap, every
        // touchpoint is a session of its own and nobody pays in the session they browsed.
        let per_session = |gap: i64| Funnel {
            per: crate::journey::paths::Per::Session,
            session: crate::journey::sessions::SessionConfig { gap },
            ..f.clone()
        };
        let r = run_funnel_with(&cols, &extras, &per_session(10)).unwrap();
        assert_eq!(r.customers, [2, 2]);
        let r = run_funnel_with(&cols, &extras, &per_session(5)).unwrap();
        assert_eq!(r.customers, [2, 0]);
        // Given session ids instead of a gap: customer 1's payment in a session of its own,
        // customer 2's with its catalog (ids repeat across customers: a session is a
        // customer's rows with one id).
        let ids = [1, 1, 2, 1, 1, 7];
        let with_ids = FunnelExtras {
            session: &ids,
            ..extras
        };
        let r = run_funnel_with(&cols, &with_ids, &per_session(10)).unwrap();
        assert_eq!(r.customers, [2, 1]);
        // Per customer, the ids play no part.
        assert_eq!(
            run_funnel_with(&cols, &with_ids, &f).unwrap(),
            run_funnel_with(&cols, &extras, &f).unwrap()
        );
        let short = FunnelExtras {
            session: &ids[..2],
            ..extras
        };
        assert!(matches!(
            run_funnel_with(&cols, &short, &per_session(10)),
            Err(EngError::LengthMismatch { .. })
        ));
        let groups = CustomerGroups {
            customer: vec![1, 2],
            group: vec![0, 1],
            labels: vec!["one".into(), "two".into()],
        };
        let by = run_funnel_by_with(&cols, &extras, &per_session(10), &groups).unwrap();
        assert_eq!(
            (
                by.results[0].customers.clone(),
                by.results[1].customers.clone()
            ),
            (vec![1, 1], vec![1, 1])
        );
    }

    #[test]
    fn an_event_log_without_kind_or_channel_reads_them_as_other() {
        let mut dict = crate::EventDictionary::new();
        let codes = dict
            .intern_all(&[
                "catalog", "cart", "pay", "catalog", "pay", "cart", "catalog",
            ])
            .unwrap();
        let (customer, time) = ([1, 1, 1, 2, 2, 2, 3], [0, 5, 5, 0, 3, 3, 9]);
        let f: Funnel = serde_json::from_str(
            r#"{"steps": [{"name": "browse", "events": ["catalog"]},
                {"name": "cart", "events": ["cart"], "kinds": ["other"]},
                {"name": "pay", "events": ["pay"], "channels": ["other"]}]}"#,
        )
        .unwrap();
        let extras = FunnelExtras {
            events: Some(crate::EventColumn::new(&codes, &dict).unwrap()),
            ..Default::default()
        };
        let other = |n| {
            (
                vec![crate::Channel::Other as u8; n],
                vec![TouchpointKind::Other as u8; n],
            )
        };
        let (channel, kind) = other(7);
        let filled = TouchpointColumns {
            customer: &customer,
            time: &time,
            channel: &channel,
            kind: &kind,
            ..Default::default()
        };
        let expected = run_funnel_with(&filled, &extras, &f).unwrap();
        // Ties (customer 1 at 5 s, customer 2 at 3 s) by label: cart before pay.
        assert_eq!(expected.customers, [3, 2, 2]);
        for (channel, kind) in [
            (&[][..], &[][..]),
            (&channel[..], &[][..]),
            (&[][..], &kind[..]),
        ] {
            let log = TouchpointColumns {
                channel,
                kind,
                ..filled
            };
            assert_eq!(run_funnel_with(&log, &extras, &f).unwrap(), expected);
        }
        // A bad value is still named by its row, not by a left-out column.
        let bad_time = [0, 5, 5, 0, 3, i64::MAX, 9];
        let log = TouchpointColumns {
            time: &bad_time,
            channel: &[],
            kind: &[],
            ..filled
        };
        let e = run_funnel_with(&log, &extras, &f).unwrap_err();
        assert!(
            matches!(&e, EngError::InvalidInput { index: Some(5), .. })
                && e.to_string().contains("time"),
            "{e}"
        );
        // A column of another length is still refused.
        let log = TouchpointColumns {
            kind: &kind[..3],
            ..filled
        };
        assert!(matches!(
            run_funnel_with(&log, &extras, &f),
            Err(EngError::LengthMismatch { .. })
        ));
    }
}
