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
/// use engagement_core::funnel::FunnelStep;
/// let s: FunnelStep = serde_json::from_str(r#"{"name": "visit", "kinds": ["visit"], "channels": ["web", "mobile_app"]}"#)?;
/// assert_eq!(s.channels.len(), 2);
/// assert!(serde_json::from_str::<FunnelStep>(r#"{"name": "cart", "kinds": ["add_to_cart"]}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
///
/// Counts are of customers, or of sessions with `per: "session"`; every
/// conversion rate is out of those entering the first step (out of all
/// customers or sessions, divide by their number: [`crate::journey::paths::PathAnalysis::paths`]).
///
/// # Examples
///
/// ```
/// use engagement_core::funnel::Funnel;
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
}

fn thirty_days() -> i64 {
    30 * 86_400
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
}

/// The deepest progress of one customer's attempt starting at row `start`
/// (rows: the customer's (time, step mask) in time order, the mask's bit `j`
/// set when the touchpoint matches step `j`): the time of each step reached,
/// written to `reached`.
fn attempt(funnel: &Funnel, rows: &[(i64, u32)], start: usize, reached: &mut Vec<i64>) {
    let t0 = rows[start].0;
    reached.clear();
    reached.push(t0);
    let strict = funnel.order == FunnelOrder::Strict;
    for &(t, mask) in &rows[start + 1..] {
        if reached.len() == funnel.steps.len() || t - t0 > funnel.window {
            break;
        }
        let next = 1u32 << reached.len();
        if mask & next != 0 {
            reached.push(t);
        } else if strict && mask & !next != 0 {
            break;
        }
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
/// use engagement_core::funnel::{Funnel, run_funnel};
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
/// use engagement_core::funnel::{Funnel, FunnelExtras, run_funnel_with};
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
    let mut tally = Tally::new(k);
    let journeys = Journeys::of(cols, extras.session, funnel)?;
    let cols = &journeys.columns(cols);
    for part in entries(
        cols,
        extras,
        funnel,
        || Tally::new(k),
        |t, _, best| t.add(best),
    )? {
        tally.gather(part);
    }
    tally.sort();
    Ok(tally)
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
    for s in &funnel.steps {
        ensure_config!(
            s.campaigns.is_empty() || !extras.campaign.is_empty(),
            "steps.campaigns",
            "step {:?} matches campaigns but no campaign column is given",
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
            "step {:?} matches event labels but no event column is given",
            s.name
        );
    }
    check_definition(funnel)
}

/// Checks a funnel definition alone (what [`run_funnel`] checks besides the data).
pub(crate) fn check_definition(funnel: &Funnel) -> Result<()> {
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
    let k = funnel.steps.len();
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

/// For each customer entering the funnel, `add(acc, customer, times)` with
/// the times of the steps of the customer's deepest attempt (the earliest
/// among equals), into one accumulator per run of customers; runs are
/// processed in parallel and returned in customer order.
fn entries<T: Send>(
    cols: &crate::TouchpointColumns<'_>,
    extras: &FunnelExtras<'_>,
    funnel: &Funnel,
    init: impl Fn() -> T + Sync,
    add: impl Fn(&mut T, u64, &[i64]) + Sync,
) -> Result<Vec<T>> {
    use rayon::prelude::*;
    let k = funnel.steps.len();
    // The steps each (kind, channel) matches, as a bit mask.
    let channels = crate::Channel::COUNT;
    let masks: Vec<u32> = (0..TouchpointKind::COUNT * channels)
        .map(|i| {
            let (kind, channel) = ((i / channels) as u8, (i % channels) as u8);
            funnel
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.matches(kind, channel))
                .fold(0u32, |m, (j, _)| m | (1 << j))
        })
        .collect();
    // Campaigns: the steps open to any campaign, and those naming each one.
    let any_campaign = funnel
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.campaigns.is_empty())
        .fold(0u32, |m, (j, _)| m | (1 << j));
    let mut by_campaign: rustc_hash::FxHashMap<u64, u32> = rustc_hash::FxHashMap::default();
    for (j, s) in funnel.steps.iter().enumerate() {
        for &c in &s.campaigns {
            *by_campaign.entry(c).or_insert(0) |= 1 << j;
        }
    }
    // Events: the steps each code of the dictionary matches.
    let regexes = funnel
        .steps
        .iter()
        .map(FunnelStep::regex)
        .collect::<Result<Vec<_>>>()?;
    let by_event: Vec<u32> = extras.events.map_or_else(Vec::new, |e| {
        e.dictionary()
            .labels()
            .iter()
            .map(|label| {
                funnel
                    .steps
                    .iter()
                    .zip(&regexes)
                    .enumerate()
                    .filter(|(_, (s, r))| s.matches_event(label, r.as_ref()))
                    .fold(0u32, |m, (j, _)| m | (1 << j))
            })
            .collect()
    });
    // An event log's left-out kind or channel is `other` on every row.
    let (other_kind, other_channel) = (TouchpointKind::Other as u8, crate::Channel::Other as u8);
    // A product's event log (events alone, no kind, channel or campaign
    // column): a row's steps are its code's, one table lookup.
    let by_code: Option<(Vec<u32>, &[u32])> = extras
        .events
        .filter(|_| cols.kind.is_empty() && cols.channel.is_empty() && extras.campaign.is_empty())
        .map(|e| {
            let other = masks[usize::from(other_kind) * channels + usize::from(other_channel)];
            (by_event.iter().map(|m| m & other).collect(), e.codes())
        });
    let mask = |i: usize| {
        let kind = cols.kind.get(i).copied().unwrap_or(other_kind);
        let channel = cols.channel.get(i).copied().unwrap_or(other_channel);
        let mut m = masks[usize::from(kind) * channels + usize::from(channel)];
        if let Some(c) = extras.campaign.get(i) {
            m &= any_campaign | by_campaign.get(c).copied().unwrap_or(0);
        }
        if let Some(e) = extras.events {
            m &= by_event[e.codes()[i] as usize];
        }
        m
    };
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
    Ok(crate::model::customer_runs(&records)
        .into_par_iter()
        .map(|run| {
            let mut acc = init();
            // Buffers shared by the run's customers: no allocation per customer.
            let (mut rows, mut best, mut got) = (Vec::new(), Vec::new(), Vec::new());
            for customer in run.chunk_by(|a, b| a.customer == b.customer) {
                rows.clear();
                rows.extend(customer.iter().map(|r| (r.time, r.payload)));
                best.clear();
                for start in 0..rows.len() {
                    if rows[start].1 & 1 != 0 {
                        attempt(funnel, &rows, start, &mut got);
                        if got.len() > best.len() {
                            std::mem::swap(&mut best, &mut got);
                        }
                        if best.len() == k {
                            break;
                        }
                    }
                }
                if !best.is_empty() {
                    add(&mut acc, customer[0].customer, &best);
                }
            }
            acc
        })
        .collect())
}

/// Customers reaching each step and their times (seconds since the
/// customer's first step), turned into a [`FunnelResult`]. Merging adds the
/// counts and joins the times, so any split of the customers and any merge
/// order give the same result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tally {
    pub(crate) reached: Vec<u64>,
    pub(crate) times: Vec<Vec<i64>>,
}

impl Tally {
    pub(crate) fn new(k: usize) -> Self {
        Tally {
            reached: vec![0; k],
            times: vec![Vec::new(); k],
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
    }

    /// Sorts the times (the state is then the same whatever the merge order).
    fn sort(&mut self) {
        self.times.iter_mut().for_each(|t| radsort::sort(t));
    }

    pub(crate) fn merge(&mut self, other: Tally) {
        for (step, times) in other.times.into_iter().enumerate() {
            self.reached[step] = self.reached[step].saturating_add(other.reached[step]);
            // Kept sorted: the state is then the same whatever the merge order.
            let mine = &mut self.times[step];
            mine.extend(times);
            mine.sort_unstable();
        }
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
            steps: funnel.steps.iter().map(|s| s.name.clone()).collect(),
            customers: reached.clone(),
            step_conversion: Vec::with_capacity(k),
            overall_conversion: Vec::with_capacity(k),
            drop_off: Vec::with_capacity(k),
            median_time: Vec::with_capacity(k),
            p25_time: Vec::with_capacity(k),
            p75_time: Vec::with_capacity(k),
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
        }
        Ok(out)
    }
}

/// How [`CustomerGroups::first_touch`] groups customers, by their first
/// touchpoint: `"acquisition_channel"` (its channel) or `{"cohort": "month"}`
/// (the day, week or month it falls in, labelled by the period's first day).
///
/// # Examples
///
/// ```
/// use engagement_core::cohort::CohortPeriod;
/// use engagement_core::funnel::GroupBy;
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
/// use engagement_core::funnel::CustomerGroups;
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
    /// use engagement_core::funnel::{CustomerGroups, GroupBy};
    /// use engagement_core::cohort::CohortPeriod;
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
    /// use engagement_core::funnel::CustomerGroups;
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
/// use engagement_core::funnel::{CustomerGroups, Funnel, GroupBy, run_funnel_by};
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
/// use engagement_core::funnel::{CustomerGroups, Funnel, FunnelExtras, run_funnel_by_with};
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
        |(tallies, total, ungrouped), journey, best| {
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
