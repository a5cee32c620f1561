//! Retention as product teams define it: of the customers who did a start
//! event, how many came back (did a return event) in each period after it.
//!
//! # Definitions
//!
//! - **Entries.** With `start_occurrence: "first"` (the default) a customer
//!   enters once, at their first start event; with `"recurring"` once per
//!   period (the table's period, in local time) in which they did a start
//!   event, at the first one in it. Each entry belongs to the cohort of the
//!   period it entered in.
//! - **Brackets.** Periods after entry are counted by calendar periods
//!   (`windows: "calendar"`, the default: period k is the k-th local day,
//!   ISO week or month after the entry's) or by rolling windows from the
//!   entry's second (`"rolling"`: period k is `[s + k·L, s + (k+1)·L)` with
//!   L = 24 hours, 7 days or 30 days). The table's columns are brackets of
//!   periods, `[1, 1]`, `[2, 2]`, … `[n, n]` for `periods: n`, or custom ones
//!   such as `[[1, 1], [2, 7], [8, 30]]`. Period 0 (the entry's own) is the
//!   cohort itself and has no column.
//! - **Retained.** An entry is retained in a bracket when it did at least
//!   `min_occurrences` return events in it (`mode: "bounded"`, the default),
//!   or from the bracket's start on (`"unbounded"`: in the bracket or any time
//!   later, up to `as_of`).
//! - **Censoring** (on by default). An entry counts toward a bracket only
//!   when the bracket has ended by `as_of` (its last second is at or before
//!   `as_of`): customers too young to have had the chance are left out of
//!   both numerator and denominator, rather than counted as not returning.
//!   `censor: false` counts every entry in every bracket, as most tools do.
//!   Touchpoints after `as_of` are ignored; `as_of` defaults to the latest
//!   touchpoint's time.
//! - **Of the previous bracket.** `rate_of_previous` is, among entries
//!   counted in a bracket that were retained in the one before, the share
//!   retained in this one too (for the first bracket, its rate).
//! - **Value.** The value of the return events in the bracket (or from its
//!   start on, unbounded), summed over the entries counted, and per entry
//!   counted (null where nobody is counted): revenue retention when the
//!   return event is a purchase.
//! - **Time zone.** Calendar periods and cohorts are local to `utc_offset`
//!   seconds east of UTC, whole quarter hours (3600 for UTC+1, -18000 for
//!   UTC−5): a fixed offset, not a zone with daylight saving.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::journey::paths::PathColumns;
use crate::journey::triggers::TouchMatch;
use crate::model::money::{from_micros, micros};
use crate::model::{Channel, MAX_TIME, MIN_TIME, TieColumns, TouchpointColumns, TouchpointKind};
use crate::retention::cohort::CohortPeriod;

/// How periods after entry are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionWindows {
    /// Local calendar days, ISO weeks or months after the entry's.
    #[default]
    Calendar,
    /// Windows of 24 hours, 7 days or 30 days from the entry's second.
    Rolling,
}

/// Whether a bracket counts returns in it alone or from it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionMode {
    /// Returned in the bracket.
    #[default]
    Bounded,
    /// Returned in the bracket or later (up to `as_of`).
    Unbounded,
}

/// Which start events make entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartOccurrence {
    /// A customer's first start event ever (in the data up to `as_of`).
    #[default]
    First,
    /// The first start event of each period with one.
    Recurring,
}

/// Settings of [`retention`].
///
/// | setting | default |
/// |---|---|
/// | `start` | any touchpoint (a [`TouchMatch`]: events, prefix, regex, kinds, channels, campaigns) |
/// | `return` | any touchpoint |
/// | `period` | `day` (`week`: ISO weeks, `month`: calendar months) |
/// | `windows` | `calendar` (or `rolling`: 24 h, 7 d, 30 d from the entry) |
/// | `periods` | 7 (brackets `[1,1]` … `[7,7]`; 1..=1000) |
/// | `brackets` | none (custom `[first, last]` periods, ascending, from 1; instead of `periods`, not with it) |
/// | `mode` | `bounded` (or `unbounded`: in the bracket or later) |
/// | `start_occurrence` | `first` (or `recurring`) |
/// | `min_occurrences` | 1 |
/// | `as_of` | the latest touchpoint's time (Unix seconds; required in partials) |
/// | `utc_offset` | 0 (seconds east of UTC, whole quarter hours within ±18 h) |
/// | `censor` | true |
///
/// # Examples
///
/// ```
/// use engagement_core::retention::returning::{RetentionConfig, RetentionMode};
/// let c: RetentionConfig = serde_json::from_str(r#"{"start": {"events": ["signup"]},
///     "return": {"kinds": ["purchase"]}, "period": "week", "brackets": [[1, 1], [2, 4]],
///     "mode": "unbounded"}"#)?;
/// assert_eq!((c.mode, c.brackets().unwrap()), (RetentionMode::Unbounded, vec![[1, 1], [2, 4]]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// What makes an entry (any touchpoint when empty).
    pub start: TouchMatch,
    /// What counts as a return (any touchpoint when empty).
    #[serde(rename = "return")]
    pub returning: TouchMatch,
    /// Period length.
    pub period: CohortPeriod,
    /// Calendar periods or rolling windows.
    pub windows: RetentionWindows,
    /// Brackets `[1,1]` … `[periods, periods]` (7 when neither this nor
    /// `brackets` is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<u32>,
    /// Custom brackets of periods (inclusive), ascending and disjoint, from 1
    /// (instead of `periods`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brackets: Option<Vec<[u32; 2]>>,
    /// Returns in the bracket, or from it on.
    pub mode: RetentionMode,
    /// First start ever, or each period's first.
    pub start_occurrence: StartOccurrence,
    /// Return events needed in a bracket to count as retained.
    pub min_occurrences: u32,
    /// End of observation (Unix seconds, inclusive); the latest touchpoint's time when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<i64>,
    /// Seconds east of UTC of the local time that calendar periods follow.
    pub utc_offset: i64,
    /// Count an entry in a bracket only once the bracket has ended by `as_of`.
    pub censor: bool,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            start: TouchMatch::default(),
            returning: TouchMatch::default(),
            period: CohortPeriod::Day,
            windows: RetentionWindows::Calendar,
            periods: None,
            brackets: None,
            mode: RetentionMode::Bounded,
            start_occurrence: StartOccurrence::First,
            min_occurrences: 1,
            as_of: None,
            utc_offset: 0,
            censor: true,
        }
    }
}

/// The longest table: brackets reach at most this many periods.
const MAX_PERIODS: u32 = 1000;
/// The largest time-zone offset, in seconds (UTC−12 … UTC+14 lie within it).
const MAX_OFFSET: i64 = 18 * 3600;

impl RetentionConfig {
    /// The setting that chose the number of brackets, for errors.
    fn bracket_setting(&self) -> &'static str {
        if self.brackets.is_some() {
            "brackets"
        } else {
            "periods"
        }
    }

    /// The table's brackets (`[first, last]` periods): the custom ones, or
    /// one per period.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the setting for brackets that are empty,
    /// reversed, overlapping, out of order, start at 0 or reach beyond 1000,
    /// `periods` outside 1..=1000, or both `periods` and `brackets`.
    pub fn brackets(&self) -> Result<Vec<[u32; 2]>> {
        let brackets = match (self.periods, &self.brackets) {
            (Some(_), Some(_)) => {
                return Err(EngError::config(
                    "brackets",
                    "give periods (brackets 1, 2, … periods) or brackets, not both",
                ));
            }
            (periods, None) => {
                let periods = periods.unwrap_or(7);
                ensure_config!(
                    (1..=MAX_PERIODS).contains(&periods),
                    "periods",
                    "must be 1..={MAX_PERIODS}, got {periods}"
                );
                return Ok((1..=periods).map(|k| [k, k]).collect());
            }
            (None, Some(b)) => b,
        };
        ensure_config!(
            !brackets.is_empty(),
            "brackets",
            "must hold at least one [first, last] bracket (or leave it out for periods)"
        );
        for (i, b) in brackets.iter().enumerate() {
            ensure_config!(
                1 <= b[0] && b[0] <= b[1] && b[1] <= MAX_PERIODS,
                "brackets",
                "bracket {i} is {b:?}: a bracket is [first, last] periods with 1 <= first <= last <= {MAX_PERIODS} \
                 (period 0 is the entry's own)"
            );
            if i > 0 {
                let prev = brackets[i - 1];
                ensure_config!(
                    prev[1] < b[0],
                    "brackets",
                    "bracket {i} ({b:?}) must start after bracket {} ({prev:?}) ends: brackets are ascending and disjoint",
                    i - 1
                );
            }
        }
        Ok(brackets.clone())
    }

    /// Checks every setting but `as_of` against the data.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the setting (see [`brackets`](Self::brackets));
    /// `min_occurrences` 0; `utc_offset` beyond ±18 hours or not whole
    /// quarter hours; `as_of` outside
    /// 1970..3000; a matcher's regular expression that does not compile.
    pub fn validate(&self) -> Result<()> {
        self.brackets()?;
        ensure_config!(
            self.min_occurrences >= 1,
            "min_occurrences",
            "must be at least 1, got 0"
        );
        ensure_config!(
            self.utc_offset.abs() <= MAX_OFFSET && self.utc_offset % 900 == 0,
            "utc_offset",
            "is seconds east of UTC, a whole number of quarter hours within ±18 hours \
             (UTC+1 is 3600, UTC−5 is -18000, UTC+5:30 is 19800), got {}",
            self.utc_offset
        );
        if let Some(t) = self.as_of {
            ensure_config!(
                (MIN_TIME..=MAX_TIME).contains(&t),
                "as_of",
                "must lie within 1970..3000 like touchpoint times, got {t}"
            );
        }
        self.start.regex("start.event_regex", "start")?;
        self.returning.regex("return.event_regex", "return")?;
        Ok(())
    }

    /// Rolling window length in seconds.
    fn window(&self) -> i64 {
        86_400
            * match self.period {
                CohortPeriod::Day => 1,
                CohortPeriod::Week => 7,
                CohortPeriod::Month => 30,
            }
    }

    /// Local calendar period of a time.
    fn local_period(&self, t: i64) -> i64 {
        self.period.index(t + self.utc_offset)
    }

    /// Unix seconds at which local period `index` starts.
    fn period_start(&self, index: i64) -> i64 {
        self.period.start(index) - self.utc_offset
    }

    /// Unix seconds `[from, to)` of periods `first..=last` after an entry at `s`.
    fn span(&self, s: i64, first: u32, last: u32) -> (i64, i64) {
        match self.windows {
            RetentionWindows::Rolling => {
                let l = self.window();
                (s + i64::from(first) * l, s + (i64::from(last) + 1) * l)
            }
            RetentionWindows::Calendar => {
                let p = self.local_period(s);
                (
                    self.period_start(p + i64::from(first)),
                    self.period_start(p + i64::from(last) + 1),
                )
            }
        }
    }
}

/// A retention table: one row per cohort (the local period entries entered
/// in), one column per bracket. Row-major `cohorts × brackets` matrices, and
/// the same columns over all cohorts (`total_*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionTable {
    /// Period length.
    pub period: CohortPeriod,
    /// Calendar periods or rolling windows.
    pub windows: RetentionWindows,
    /// Bounded or unbounded.
    pub mode: RetentionMode,
    /// The columns: `[first, last]` periods after entry.
    pub brackets: Vec<[u32; 2]>,
    /// End of observation used (Unix seconds).
    pub as_of: i64,
    /// Unix seconds at which each cohort's local period starts.
    pub cohort_start: Vec<i64>,
    /// Each cohort's local period as a date (`YYYY-MM-DD`, its first day).
    pub cohort: Vec<String>,
    /// Entries per cohort.
    pub size: Vec<u64>,
    /// Entries counted in each bracket (all of them without censoring).
    pub counted: Vec<u64>,
    /// Entries retained in each bracket.
    pub retained: Vec<u64>,
    /// `retained / counted` (None when nobody is counted).
    pub rate: Vec<Option<f64>>,
    /// Entries counted in each bracket that were retained in the one before
    /// (for the first bracket, those counted).
    pub previous: Vec<u64>,
    /// Of `previous`, those retained in this bracket too.
    pub kept: Vec<u64>,
    /// `kept / previous`.
    pub rate_of_previous: Vec<Option<f64>>,
    /// Value of the return events of the entries counted (in the bracket;
    /// unbounded, from its start to `as_of`, so later brackets' value is in
    /// it too); None when nobody is counted.
    pub value: Vec<Option<f64>>,
    /// `value / counted`.
    pub value_per_entry: Vec<Option<f64>>,
    /// Entries over all cohorts.
    pub total_size: u64,
    /// Per bracket over all cohorts.
    pub total_counted: Vec<u64>,
    /// Per bracket over all cohorts.
    pub total_retained: Vec<u64>,
    /// Per bracket over all cohorts.
    pub total_rate: Vec<Option<f64>>,
    /// Per bracket over all cohorts.
    pub total_rate_of_previous: Vec<Option<f64>>,
    /// Per bracket over all cohorts (None when nobody is counted).
    pub total_value: Vec<Option<f64>>,
    /// Per bracket over all cohorts.
    #[serde(default)]
    pub total_previous: Vec<u64>,
    /// Per bracket over all cohorts.
    #[serde(default)]
    pub total_kept: Vec<u64>,
    /// `total_value / total_counted` (None when nobody is counted).
    #[serde(default)]
    pub total_value_per_entry: Vec<Option<f64>>,
}

/// One cohort's mergeable counts, per bracket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CohortCells {
    pub(crate) size: u64,
    pub(crate) counted: Vec<u64>,
    pub(crate) retained: Vec<u64>,
    pub(crate) previous: Vec<u64>,
    pub(crate) kept: Vec<u64>,
    /// Micro-units: sums that do not depend on order or grouping.
    pub(crate) value: Vec<i64>,
}

impl CohortCells {
    pub(crate) fn new(k: usize) -> Self {
        CohortCells {
            size: 0,
            counted: vec![0; k],
            retained: vec![0; k],
            previous: vec![0; k],
            kept: vec![0; k],
            value: vec![0; k],
        }
    }

    fn add(&mut self, o: &CohortCells) {
        self.size = self.size.saturating_add(o.size);
        let add = |a: &mut Vec<u64>, b: &[u64]| {
            a.iter_mut()
                .zip(b)
                .for_each(|(x, y)| *x = x.saturating_add(*y))
        };
        add(&mut self.counted, &o.counted);
        add(&mut self.retained, &o.retained);
        add(&mut self.previous, &o.previous);
        add(&mut self.kept, &o.kept);
        self.value
            .iter_mut()
            .zip(&o.value)
            .for_each(|(x, y)| *x = x.saturating_add(*y));
    }
}

/// The mergeable counts of [`retention`] over some customers (each
/// customer's touchpoints in one part): cells by cohort period, and the
/// latest time seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RetentionCounts {
    pub(crate) brackets: usize,
    pub(crate) cohorts: BTreeMap<i64, CohortCells>,
    /// Whether some touchpoint (at any time) matches the return: a table
    /// nobody returns to is refused when none does (a misspelt label).
    pub(crate) return_seen: bool,
}

impl RetentionCounts {
    pub(crate) fn new(brackets: usize) -> Self {
        RetentionCounts {
            brackets,
            cohorts: BTreeMap::new(),
            return_seen: false,
        }
    }

    /// Adds another part's counts.
    pub(crate) fn merge(&mut self, other: RetentionCounts) {
        self.return_seen |= other.return_seen;
        for (c, cells) in other.cohorts {
            match self.cohorts.get_mut(&c) {
                Some(mine) => mine.add(&cells),
                None => {
                    self.cohorts.insert(c, cells);
                }
            }
        }
    }

    /// An error unless the counts fit `config`'s brackets and each other, and
    /// their cohorts lie within 1970 … `as_of`'s period.
    pub(crate) fn check(
        &self,
        config: &RetentionConfig,
        as_of: i64,
    ) -> std::result::Result<(), String> {
        let k = config.brackets().map_err(|e| e.to_string())?.len();
        let range = config.local_period(MIN_TIME)..=config.local_period(as_of);
        if let Some(c) = self.cohorts.keys().find(|c| !range.contains(c)) {
            return Err(format!("cohort period {c} outside 1970 … as_of's period"));
        }
        if self.brackets != k {
            return Err(format!(
                "{} brackets where the configuration has {k}",
                self.brackets
            ));
        }
        for cells in self.cohorts.values() {
            let lens = [
                cells.counted.len(),
                cells.retained.len(),
                cells.previous.len(),
                cells.kept.len(),
                cells.value.len(),
            ];
            if lens.iter().any(|&l| l != k) {
                return Err("a cohort's cells of another length than the brackets".into());
            }
            let bad = (0..k).any(|j| {
                cells.counted[j] > cells.size
                    || cells.retained[j] > cells.counted[j]
                    || cells.previous[j] > cells.counted[j]
                    || cells.kept[j] > cells.previous[j]
                    || cells.kept[j] > cells.retained[j]
                    || cells.value[j] < 0
            });
            if bad {
                return Err(
                    "a cohort's counts that do not nest (retained within counted within size)"
                        .into(),
                );
            }
        }
        Ok(())
    }

    /// The table, with `as_of` the end of observation used.
    pub(crate) fn finish(&self, config: &RetentionConfig, as_of: i64) -> Result<RetentionTable> {
        let brackets = config.brackets()?;
        let k = brackets.len();
        // Merged partials hold the cohorts of all their parts: refused before the table.
        crate::limits::check_table_cells(
            config.bracket_setting(),
            "cohorts",
            self.cohorts.keys().copied(),
            k,
        )?;
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        let mut total = CohortCells::new(k);
        let mut t = RetentionTable {
            period: config.period,
            windows: config.windows,
            mode: config.mode,
            brackets,
            as_of,
            cohort_start: Vec::new(),
            cohort: Vec::new(),
            size: Vec::new(),
            counted: Vec::new(),
            retained: Vec::new(),
            rate: Vec::new(),
            previous: Vec::new(),
            kept: Vec::new(),
            rate_of_previous: Vec::new(),
            value: Vec::new(),
            value_per_entry: Vec::new(),
            total_size: 0,
            total_counted: Vec::new(),
            total_retained: Vec::new(),
            total_rate: Vec::new(),
            total_rate_of_previous: Vec::new(),
            total_value: Vec::new(),
            total_previous: Vec::new(),
            total_kept: Vec::new(),
            total_value_per_entry: Vec::new(),
        };
        for (&c, cells) in &self.cohorts {
            let start = config.period_start(c);
            t.cohort_start.push(start);
            t.cohort.push(crate::model::calendar::date_label(
                start + config.utc_offset,
            ));
            t.size.push(cells.size);
            for j in 0..k {
                t.counted.push(cells.counted[j]);
                t.retained.push(cells.retained[j]);
                t.rate.push(ratio(cells.retained[j], cells.counted[j]));
                t.previous.push(cells.previous[j]);
                t.kept.push(cells.kept[j]);
                t.rate_of_previous
                    .push(ratio(cells.kept[j], cells.previous[j]));
                let v = from_micros(i128::from(cells.value[j]));
                let counted = cells.counted[j] > 0;
                t.value.push(counted.then_some(v));
                t.value_per_entry
                    .push(counted.then(|| v / cells.counted[j] as f64));
            }
            total.add(cells);
        }
        if total.size == 0 {
            return Err(EngError::EmptyInput {
                what: "a retention table (no customer did the start event by as_of)".into(),
                unit: "touchpoint".into(),
            });
        }
        t.total_size = total.size;
        t.total_rate = (0..k)
            .map(|j| ratio(total.retained[j], total.counted[j]))
            .collect();
        t.total_rate_of_previous = (0..k)
            .map(|j| ratio(total.kept[j], total.previous[j]))
            .collect();
        t.total_value = total
            .value
            .iter()
            .zip(&total.counted)
            .map(|(&v, &n)| (n > 0).then(|| from_micros(i128::from(v))))
            .collect();
        t.total_value_per_entry = t
            .total_value
            .iter()
            .zip(&total.counted)
            .map(|(v, &n)| v.map(|v| v / n as f64))
            .collect();
        t.total_counted = total.counted;
        t.total_retained = total.retained;
        t.total_previous = total.previous;
        t.total_kept = total.kept;
        if !self.return_seen && t.total_retained.iter().all(|&r| r == 0) {
            return Err(no_return(config, ""));
        }
        Ok(t)
    }
}

/// A matcher's shortcut, where one applies.
enum Fast {
    Any,
    ByCode(Vec<bool>),
    General,
}

/// Which rows a matcher takes, by (kind, channel) and by event code.
struct RowMatch {
    fast: Fast,
    by_kind_channel: Vec<bool>,
    /// Per event code (empty: events are not read).
    by_event: Vec<bool>,
    campaigns: Vec<u64>,
}

impl RowMatch {
    fn new(
        m: &TouchMatch,
        field: &str,
        cols: &TouchpointColumns<'_>,
        extra: &PathColumns<'_>,
    ) -> Result<Self> {
        let regex = m.regex(&format!("{field}.event_regex"), field)?;
        // An event log's left-out kind or channel reads as `other`: a matcher
        // naming kinds or channels there would match nothing (or everything).
        ensure_config!(
            m.kinds.is_empty() || !cols.kind.is_empty(),
            field,
            "{field} matches kinds {:?} but no kind column is given",
            m.kinds
        );
        ensure_config!(
            m.channels.is_empty() || !cols.channel.is_empty(),
            field,
            "{field} matches channels {:?} but no channel column is given",
            m.channels
        );
        ensure_config!(
            !m.reads_events() || extra.events.is_some(),
            field,
            "{field} matches event labels {} but no event column is given (touchpoint kinds and \
             channels are matched by {{\"kinds\": […]}} and {{\"channels\": […]}})",
            serde_json::to_string(&m).unwrap_or_default()
        );
        ensure_config!(
            m.campaigns.is_empty() || !extra.campaign.is_empty(),
            field,
            "{field} matches campaigns but no campaign column is given"
        );
        let channels = Channel::COUNT;
        let by_kind_channel: Vec<bool> = (0..TouchpointKind::COUNT * channels)
            .map(|i| {
                let (kind, channel) = ((i / channels) as u8, (i % channels) as u8);
                m.matches_codes(kind, channel)
            })
            .collect();
        let by_event = match extra.events {
            Some(e) if m.reads_events() => e
                .dictionary()
                .labels()
                .iter()
                .map(|l| m.matches_label(l, regex.as_ref()))
                .collect(),
            _ => Vec::new(),
        };
        // Without kind and channel columns and campaigns, a row's match is its
        // event code's; without any criterion, every row matches.
        let constant = cols.kind.is_empty() && cols.channel.is_empty() && m.campaigns.is_empty();
        let fast = if m.is_empty() {
            Fast::Any
        } else if constant && !by_event.is_empty() {
            let other = by_kind_channel[usize::from(TouchpointKind::Other as u8) * Channel::COUNT
                + usize::from(Channel::Other as u8)];
            Fast::ByCode(by_event.iter().map(|&b| b && other).collect())
        } else {
            Fast::General
        };
        Ok(RowMatch {
            by_kind_channel,
            by_event,
            campaigns: m.campaigns.clone(),
            fast,
        })
    }

    #[inline(always)]
    fn matches(&self, cols: &TouchpointColumns<'_>, extra: &PathColumns<'_>, i: usize) -> bool {
        match (&self.fast, extra.events) {
            (Fast::Any, _) => return true,
            (Fast::ByCode(table), Some(e)) => return table[e.codes()[i] as usize],
            _ => {}
        }
        let kind = cols
            .kind
            .get(i)
            .copied()
            .unwrap_or(TouchpointKind::Other as u8);
        let channel = cols.channel.get(i).copied().unwrap_or(Channel::Other as u8);
        self.by_kind_channel[usize::from(kind) * Channel::COUNT + usize::from(channel)]
            && (self.by_event.is_empty()
                || extra
                    .events
                    .is_some_and(|e| self.by_event[e.codes()[i] as usize]))
            && (self.campaigns.is_empty()
                || extra
                    .campaign
                    .get(i)
                    .is_some_and(|c| self.campaigns.contains(c)))
    }
}

const RETURN: u32 = 1;

/// Whether row `i` matches `m` (see [`TouchMatch`]), as a closure over the
/// columns; `field` names the matcher in errors.
pub(crate) fn row_matcher<'a>(
    m: &TouchMatch,
    field: &str,
    cols: &'a TouchpointColumns<'a>,
    extra: &'a PathColumns<'a>,
) -> Result<impl Fn(usize) -> bool + Sync + 'a> {
    let r = RowMatch::new(m, field, cols, extra)?;
    Ok(move |i: usize| r.matches(cols, extra, i))
}

/// Retention of the customers who did a start event: see the [module
/// documentation](self) for the definitions.
///
/// # Errors
/// - As [`TouchpointColumns::validate`] (an event log may leave out `kind`
///   and `channel`: read as `other`); [`EngError::LengthMismatch`] for an
///   event, campaign or session column of another length;
/// - [`EngError::Config`] for a bad setting (see [`RetentionConfig::validate`])
///   or a matcher that reads events or campaigns that are not given;
/// - [`EngError::EmptyInput`] when nobody did the start event by `as_of`.
///
/// # Examples
///
/// ```
/// use engagement_core::{EventColumn, EventDictionary, TouchpointColumns};
/// use engagement_core::journey::paths::PathColumns;
/// use engagement_core::retention::returning::{RetentionConfig, retention};
/// let day = 86_400;
/// let mut dict = EventDictionary::new();
/// // Customer 1 signs up on day 0 and comes back on days 1 and 3; customer 2 signs up on day 2.
/// let codes = dict.intern_all(&["signup", "open", "open", "signup"])?;
/// let cols = TouchpointColumns { customer: &[1, 1, 1, 2], time: &[0, day, 3 * day, 2 * day],
///     ..Default::default() };
/// let extra = PathColumns { events: Some(EventColumn::new(&codes, &dict)?), ..Default::default() };
/// let config: RetentionConfig = serde_json::from_str(
///     r#"{"start": {"events": ["signup"]}, "periods": 3, "as_of": 345600}"#)?;   // as_of: day 4
/// let t = retention(&cols, &extra, &config)?;
/// assert_eq!((t.cohort.clone(), t.size.clone()), (vec!["1970-01-01".to_string(), "1970-01-03".into()], vec![1, 1]));
/// // Day 0's cohort: back on day 1, not on day 2, back on day 3.
/// assert_eq!(t.retained[..3], [1, 0, 1]);
/// // Day 2's cohort: day 1 after it (day 3) has ended by as_of, days 2 and 3 after it
/// // have not, so customer 2 counts in the first bracket only (not back).
/// assert_eq!(t.counted[3..], [1, 0, 0]);
/// assert_eq!((t.rate[3], t.rate[4]), (Some(0.0), None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn retention(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &RetentionConfig,
) -> Result<RetentionTable> {
    let (counts, as_of) = retention_counts(cols, extra, config)?;
    if counts.cohorts.is_empty() && !cols.customer.is_empty() {
        // Say what matched nothing, and what the data has (a misspelt label
        // is the usual cause).
        let matcher = serde_json::to_string(&config.start).unwrap_or_default();
        let labels = some_labels(extra);
        return Err(EngError::EmptyInput {
            what: format!(
                "a retention table: no touchpoint at or before as_of ({}) matches start {matcher}{labels}",
                crate::model::calendar::datetime_label(as_of)
            ),
            unit: "start event".into(),
        });
    }
    counts.finish(config, as_of).map_err(|e| match e {
        // The same refusal, with the data's labels to compare the matcher with.
        EngError::EmptyInput { .. } if !counts.return_seen => {
            no_return(config, &some_labels(extra))
        }
        e => e,
    })
}

/// The refusal of a table nobody returns to because no touchpoint matches
/// the return (a misspelt label, more likely than a product nobody comes
/// back to); `labels` as [`some_labels`] gives them.
fn no_return(config: &RetentionConfig, labels: &str) -> EngError {
    let matcher = serde_json::to_string(&config.returning).unwrap_or_default();
    EngError::EmptyInput {
        what: format!("a retention table: no touchpoint matches return {matcher}{labels}"),
        unit: "return event".into(),
    }
}

/// "; the data's event labels: …" (the first dozen in text order), or nothing without events.
pub(crate) fn some_labels(extra: &PathColumns<'_>) -> String {
    extra.events.map_or_else(String::new, |e| {
        let mut l: Vec<&str> = e.dictionary().labels().iter().map(String::as_str).collect();
        l.sort_unstable();
        let more = if l.len() > 12 { ", …" } else { "" };
        l.truncate(12);
        format!("; the data's event labels: {}{more}", l.join(", "))
    })
}

/// The mergeable counts of [`retention`] and the `as_of` they used.
pub(crate) fn retention_counts(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &RetentionConfig,
) -> Result<(RetentionCounts, i64)> {
    retention_counts_by(cols, extra, config, Method::Fastest)
}

/// How [`retention_counts`] finds each entry's returns (the same counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// By entries when their cells fit in memory, else by records.
    Fastest,
    /// Every kept row sorted into its customer's journey (the fallback; a
    /// property test holds the two equal).
    #[cfg_attr(not(test), allow(dead_code))]
    Records,
}

/// Cells (entries × brackets) beyond which returns are found by sorting
/// records rather than counted per entry.
const MAX_ENTRY_CELLS: usize = 1 << 26;

fn retention_counts_by(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &RetentionConfig,
    method: Method,
) -> Result<(RetentionCounts, i64)> {
    use rayon::prelude::*;
    config.validate()?;
    let brackets = config.brackets()?;
    let n = cols.validate_log()?;
    extra.check_lengths(n)?;
    let counts = RetentionCounts::new(brackets.len());
    let as_of = match config.as_of {
        Some(t) => t,
        None if n == 0 => return Ok((counts, MIN_TIME)),
        None => cols.time.par_iter().copied().max().unwrap_or(MIN_TIME),
    };
    if n == 0 {
        return Ok((counts, as_of));
    }
    let start = RowMatch::new(&config.start, "start", cols, extra)?;
    let back = RowMatch::new(&config.returning, "return", cols, extra)?;
    let mut counts = counts;
    // Usually the first rows answer; only a return nothing matches reads them all.
    counts.return_seen = (0..n).any(|i| back.matches(cols, extra, i));
    let counts = counts;
    // The entries: each customer's first start, or each period's first.
    let mut starts: Vec<(u64, i64)> = (0..n.div_ceil(1 << 16))
        .into_par_iter()
        .map(|b| {
            let rows = b << 16..((b + 1) << 16).min(n);
            let mut out = Vec::new();
            // The matcher first: it reads one narrow column (the event codes)
            // for every row, the times only for rows that match.
            match (&start.fast, extra.events) {
                (Fast::ByCode(table), Some(e)) => {
                    for (o, &code) in e.codes()[rows.clone()].iter().enumerate() {
                        let i = rows.start + o;
                        if table[code as usize] && cols.time[i] <= as_of {
                            out.push((cols.customer[i], cols.time[i]));
                        }
                    }
                }
                _ => {
                    for i in rows {
                        if start.matches(cols, extra, i) && cols.time[i] <= as_of {
                            out.push((cols.customer[i], cols.time[i]));
                        }
                    }
                }
            }
            out
        })
        .flatten_iter()
        .collect();
    starts.par_sort_unstable();
    let mut entries: Vec<Entry> = Vec::new();
    for customer in starts.chunk_by(|a, b| a.0 == b.0) {
        for &(c, t) in customer {
            let cohort = config.local_period(t);
            let new = match config.start_occurrence {
                StartOccurrence::First => entries.last().is_none_or(|e| e.customer != c),
                StartOccurrence::Recurring => entries
                    .last()
                    .is_none_or(|e| e.customer != c || e.cohort != cohort),
            };
            if new {
                entries.push(Entry {
                    customer: c,
                    cohort,
                    s: t,
                });
            }
        }
    }
    drop(starts);
    if entries.is_empty() {
        return Ok((counts, as_of));
    }
    let k = brackets.len();
    // Refused before any cell is counted: a table of more cells than one call builds.
    crate::limits::check_table_cells(
        config.bracket_setting(),
        "cohorts",
        entries.iter().map(|e| e.cohort),
        k,
    )?;
    // The local period holding as_of's next second: calendar periods before it have ended.
    let as_of_period = config.local_period(as_of + 1);
    let tally = |entry: &Entry, cells: &mut CohortCells, found: &dyn Fn(usize) -> (u64, i64)| {
        cells.size += 1;
        let mut retained_before = true;
        // Periods after the entry that have ended by as_of: bracket [a, b]
        // has ended (its last second at or before as_of) when b + 1 <= ended.
        let ended = match config.windows {
            RetentionWindows::Rolling => (as_of + 1 - entry.s).div_euclid(config.window()),
            RetentionWindows::Calendar => as_of_period - entry.cohort,
        };
        for (j, b) in brackets.iter().enumerate() {
            // Brackets ascend: once one has not ended, none after has.
            if config.censor && i64::from(b[1]) + 1 > ended {
                break;
            }
            let (count, value) = found(j);
            let retained = count >= u64::from(config.min_occurrences);
            cells.counted[j] += 1;
            cells.value[j] = cells.value[j].saturating_add(value);
            if retained {
                cells.retained[j] += 1;
            }
            if j == 0 || retained_before {
                cells.previous[j] += 1;
                if retained {
                    cells.kept[j] += 1;
                }
            }
            retained_before = retained;
        }
    };
    let value_of = |i: usize| cols.value.get(i).map_or(0, |&v| micros(v));
    if method == Method::Fastest && entries.len().saturating_mul(k + 1) <= MAX_ENTRY_CELLS {
        // By entries: the return rows of customers with entries are dealt into
        // buckets of nearby ids, and each bucket counts its entries' returns
        // per bracket (or, unbounded, per segment from one bracket's start to
        // the next's) in cache; integer counts and micro-units, so the order
        // of the additions changes nothing.
        let slots = k;
        let first = brackets[0][0] as usize;
        let last = brackets[k - 1][1] as usize;
        // The slot of each period after entry (usize::MAX: none).
        let slot_of: Vec<usize> = (0..=last)
            .map(|p| match config.mode {
                RetentionMode::Bounded => brackets
                    .iter()
                    .position(|b| (b[0] as usize..=b[1] as usize).contains(&p))
                    .unwrap_or(usize::MAX),
                RetentionMode::Unbounded if p < first => usize::MAX,
                RetentionMode::Unbounded => {
                    brackets.iter().filter(|b| b[0] as usize <= p).count() - 1
                }
            })
            .collect();
        let slot = |period: i64| -> usize {
            match usize::try_from(period) {
                Ok(p) if p <= last => slot_of[p],
                Ok(_) if config.mode == RetentionMode::Unbounded => slots - 1,
                _ => usize::MAX,
            }
        };
        // Rows are dealt into at most 256 buckets of nearby customer ids (a
        // monotone map: each bucket's entries are one slice of `entries`), then
        // each bucket counts its entries' returns in cache, buckets in
        // parallel: a random lookup per row into all the entries would stall on
        // memory for each.
        let (lo, hi) = (entries[0].customer, entries[entries.len() - 1].customer);
        let shift = (u64::BITS - (hi - lo).leading_zeros()).saturating_sub(8);
        let buckets = ((hi - lo) >> shift) as usize + 1;
        let bucket = |c: u64| ((c - lo) >> shift) as usize;
        // Customers with an entry, as bits of a hash (about 8 bits per entry,
        // in cache): most rows of customers without one stop here. A false
        // positive costs a lookup in its bucket, which finds nothing.
        let bits = (entries.len() * 8).next_power_of_two().max(64);
        let hash = |c: u64| (c.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & (bits - 1);
        let mut member = vec![0u64; bits / 64];
        for e in &entries {
            let h = hash(e.customer);
            member[h / 64] |= 1 << (h % 64);
        }
        let any_return = matches!(back.fast, Fast::Any);
        // One pass: each block deals its kept rows into its own bucket lists.
        const BLOCK: usize = 1 << 16;
        // Room for the rows a block is likely to keep in each list (the share of
        // ids with an entry), so that lists seldom grow.
        let share = entries.len() as f64 / (hi - lo + 1) as f64;
        let per_list = ((BLOCK as f64 * share.min(1.0) / buckets as f64) * 1.25) as usize + 4;
        let dealt: Vec<Vec<Vec<(u64, i64, u32)>>> = (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let mut lists: Vec<Vec<(u64, i64, u32)>> =
                    (0..buckets).map(|_| Vec::with_capacity(per_list)).collect();
                let from = b * BLOCK;
                let to = ((b + 1) * BLOCK).min(n);
                // Customer ids first (one column, the bits in cache); the time and
                // the matcher only for rows of customers with an entry.
                for (o, &c) in cols.customer[from..to].iter().enumerate() {
                    let h = hash(c);
                    if c < lo || c > hi || member[h / 64] & (1 << (h % 64)) == 0 {
                        continue;
                    }
                    let i = from + o;
                    let t = cols.time[i];
                    if t <= as_of && (any_return || back.matches(cols, extra, i)) {
                        lists[bucket(c)].push((c, t, i as u32));
                    }
                }
                lists
            })
            .collect();
        let window = config.window();
        // Cohorts by offset from the first, up to 4 096 periods (later ones by map).
        let first_cohort = entries.iter().map(|e| e.cohort).min().unwrap_or(0);
        let last_cohort = entries.iter().map(|e| e.cohort).max().unwrap_or(0);
        let cohort_span = usize::try_from(last_cohort - first_cohort + 1)
            .unwrap_or(usize::MAX)
            .min(4096);
        // Buckets fold into one part per split of the work (integer sums: the
        // split changes nothing), not a part per bucket to merge.
        let parts: Vec<RetentionCounts> = (0..buckets)
            .into_par_iter()
            .fold(
                || RetentionCounts::new(k),
                |mut part, q| {
                    let rows = dealt.iter().flat_map(|lists| &lists[q]);
                    let from = entries.partition_point(|e| bucket(e.customer) < q);
                    let to = entries.partition_point(|e| bucket(e.customer) <= q);
                    let mine = &entries[from..to];
                    if mine.is_empty() {
                        return part;
                    }
                    let index = EntryIndex::new(mine);
                    let mut by_cohort: Vec<Option<CohortCells>> = vec![None; cohort_span];
                    let mut found = vec![0u32; mine.len() * slots];
                    let mut values = vec![
                        0i64;
                        if cols.value.is_empty() {
                            0
                        } else {
                            mine.len() * slots
                        }
                    ];
                    for &(c, t, row) in rows {
                        let Some((first, len)) = index.get(c) else {
                            continue;
                        };
                        let local = (config.windows == RetentionWindows::Calendar)
                            .then(|| config.local_period(t));
                        for e in first..first + len {
                            let entry = &mine[e];
                            let period = match local {
                                Some(p) => p - entry.cohort,
                                None if t < entry.s => continue,
                                None => (t - entry.s) / window,
                            };
                            let j = slot(period);
                            if j == usize::MAX {
                                continue;
                            }
                            // Saturates: a count past any min_occurrences.
                            found[e * slots + j] = found[e * slots + j].saturating_add(1);
                            if let Some(v) = values.get_mut(e * slots + j) {
                                *v = v.saturating_add(value_of(row as usize));
                            }
                        }
                    }
                    for (e, entry) in mine.iter().enumerate() {
                        let cells = &mut found[e * slots..(e + 1) * slots];
                        let mut no_values = [];
                        let sums = values
                            .get_mut(e * slots..(e + 1) * slots)
                            .unwrap_or(&mut no_values);
                        if config.mode == RetentionMode::Unbounded {
                            // From each bracket's start on: sums of the segments after it.
                            for j in (0..slots.saturating_sub(1)).rev() {
                                cells[j] = cells[j].saturating_add(cells[j + 1]);
                                if !sums.is_empty() {
                                    sums[j] = sums[j].saturating_add(sums[j + 1]);
                                }
                            }
                        }
                        let (cells, sums) = (&*cells, &*sums);
                        // The entries' cohorts mostly lie in a short range of periods:
                        // cells by offset there, not a map lookup per entry.
                        let target = match usize::try_from(entry.cohort - first_cohort) {
                            Ok(o) if o < by_cohort.len() => {
                                by_cohort[o].get_or_insert_with(|| CohortCells::new(k))
                            }
                            _ => part
                                .cohorts
                                .entry(entry.cohort)
                                .or_insert_with(|| CohortCells::new(k)),
                        };
                        tally(entry, target, &|j| {
                            (u64::from(cells[j]), sums.get(j).copied().unwrap_or(0))
                        });
                    }
                    for (o, cells) in by_cohort.into_iter().enumerate() {
                        if let Some(cells) = cells {
                            match part.cohorts.get_mut(&(first_cohort + o as i64)) {
                                Some(mine) => mine.add(&cells),
                                None => {
                                    part.cohorts.insert(first_cohort + o as i64, cells);
                                }
                            }
                        }
                    }
                    part
                },
            )
            .collect();
        let mut counts = counts;
        for p in parts {
            counts.merge(p);
        }
        return Ok((counts, as_of));
    }
    // By records: each customer's return rows in time order, with a running
    // value; a bracket is two binary searches.
    let ranks = extra
        .events
        .map(|e| e.dictionary().ranks())
        .unwrap_or_default();
    let ties = TieColumns {
        campaign: extra.campaign,
        event: extra.events.map_or(&[], |e| e.codes()),
        event_rank: &ranks,
    };
    let mut index: rustc_hash::FxHashMap<u64, (usize, usize)> = rustc_hash::FxHashMap::default();
    let mut at = 0;
    for run in entries.chunk_by(|a, b| a.customer == b.customer) {
        index.insert(run[0].customer, (at, run.len()));
        at += run.len();
    }
    let records = cols.journey_records(&ties, |i| {
        (cols.time[i] <= as_of
            && index.contains_key(&cols.customer[i])
            && back.matches(cols, extra, i))
        .then_some(RETURN)
    })?;
    let mut by_customer = crate::model::customer_runs(&records);
    if records.is_empty() {
        by_customer.clear();
    }
    // Customers with entries but no return rows still count.
    let mut with_returns: rustc_hash::FxHashMap<u64, &[crate::model::JourneyRecord]> =
        rustc_hash::FxHashMap::default();
    for run in &by_customer {
        for customer in run.chunk_by(|a, b| a.customer == b.customer) {
            with_returns.insert(customer[0].customer, customer);
        }
    }
    let parts: Vec<RetentionCounts> = entries
        .par_chunk_by(|a, b| a.customer == b.customer)
        .fold(
            || RetentionCounts::new(k),
            |mut part, run| {
                let rows = with_returns.get(&run[0].customer).copied().unwrap_or(&[]);
                let times: Vec<i64> = rows.iter().map(|r| r.time).collect();
                // Exact running sums (i128), clamped per bracket as the fast path
                // saturates its sums: min(true sum, i64::MAX) either way.
                let mut sums = vec![0i128];
                for r in rows {
                    let last = sums[sums.len() - 1];
                    sums.push(last + i128::from(value_of(r.row as usize)));
                }
                for entry in run {
                    let cells = part
                        .cohorts
                        .entry(entry.cohort)
                        .or_insert_with(|| CohortCells::new(k));
                    tally(entry, cells, &|j| {
                        let b = brackets[j];
                        let (from, to) = config.span(entry.s, b[0], b[1]);
                        let to = match config.mode {
                            RetentionMode::Bounded => to,
                            RetentionMode::Unbounded => as_of + 1,
                        };
                        let lo = times.partition_point(|&t| t < from);
                        let hi = times.partition_point(|&t| t < to).max(lo);
                        (
                            (hi - lo) as u64,
                            i64::try_from(sums[hi] - sums[lo]).unwrap_or(i64::MAX),
                        )
                    });
                }
                part
            },
        )
        .collect();
    let mut counts = counts;
    for p in parts {
        counts.merge(p);
    }
    Ok((counts, as_of))
}

/// Where each customer's entries are (entries sorted by customer): a
/// table indexed by the customer's offset from the smallest id when the ids
/// span few enough for one (8 bytes per id in the span), else a hash map.
enum EntryIndex {
    /// The smallest id, and `(first << 24) | count` per id from it; `u64::MAX` for none.
    Dense(u64, Vec<u64>),
    Hashed(rustc_hash::FxHashMap<u64, (usize, usize)>),
}

impl EntryIndex {
    fn new(entries: &[Entry]) -> Self {
        let runs = || {
            entries
                .chunk_by(|a, b| a.customer == b.customer)
                .scan(0usize, |at, run| {
                    let from = *at;
                    *at += run.len();
                    Some((run[0].customer, from, run.len()))
                })
        };
        let (lo, hi) = match (entries.first(), entries.last()) {
            (Some(a), Some(b)) => (a.customer, b.customer),
            _ => (0, 0),
        };
        // A table at most 8 ids per entry wide (and 64 MB).
        let span = hi - lo;
        if span < (8 * entries.len() as u64 + 64).min(1 << 23)
            && runs().all(|(_, _, n)| n < 1 << 24)
        {
            let mut table = vec![u64::MAX; span as usize + 1];
            for (c, from, n) in runs() {
                table[(c - lo) as usize] = ((from as u64) << 24) | n as u64;
            }
            EntryIndex::Dense(lo, table)
        } else {
            EntryIndex::Hashed(runs().map(|(c, from, n)| (c, (from, n))).collect())
        }
    }

    /// The first entry of `customer` and how many it has.
    #[inline]
    fn get(&self, customer: u64) -> Option<(usize, usize)> {
        match self {
            EntryIndex::Dense(lo, t) => {
                let v = *t.get(usize::try_from(customer.checked_sub(*lo)?).ok()?)?;
                (v != u64::MAX).then_some(((v >> 24) as usize, (v & 0xff_ffff) as usize))
            }
            EntryIndex::Hashed(m) => m.get(&customer).copied(),
        }
    }
}

/// An entry: a customer's start, its local period (the cohort) and second.
#[derive(Debug, Clone, Copy)]
struct Entry {
    customer: u64,
    cohort: i64,
    s: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventColumn, EventDictionary};

    const DAY: i64 = 86_400;

    fn table(rows: &[(u64, i64, &str, f64)], config: &RetentionConfig) -> Result<RetentionTable> {
        let mut dict = EventDictionary::new();
        let labels: Vec<&str> = rows.iter().map(|r| r.2).collect();
        let codes = dict.intern_all(&labels).unwrap();
        let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let value: Vec<f64> = rows.iter().map(|r| r.3).collect();
        let cols = TouchpointColumns {
            customer: &customer,
            time: &time,
            value: &value,
            ..Default::default()
        };
        let extra = PathColumns {
            events: Some(EventColumn::new(&codes, &dict).unwrap()),
            ..Default::default()
        };
        retention(&cols, &extra, config)
    }

    fn config(json: &str) -> RetentionConfig {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn tables_past_the_cell_limit_are_refused_before_counting() {
        // 2001 daily cohorts × 1000 brackets is past 2·10⁶ cells; two brackets are not.
        let rows: Vec<(u64, i64, &str, f64)> = (0..2001)
            .map(|d| (d as u64 + 1, 1_600_000_000 + d * DAY, "signup", 0.0))
            .collect();
        let e = table(&rows, &config(r#"{"period": "day", "periods": 1000}"#)).unwrap_err();
        assert_eq!(e.kind(), "config");
        assert!(
            e.to_string().contains("periods")
                && e.to_string()
                    .contains("2001 cohorts × 1000 is 2001000 cells"),
            "{e}"
        );
        let e = table(
            &rows,
            &config(r#"{"period": "day", "brackets": [[1, 1], [2, 1000]]}"#),
        );
        assert_eq!(e.unwrap().size.len(), 2001);
        // Weekly cohorts of the same entries fit.
        assert!(table(&rows, &config(r#"{"period": "week", "periods": 1000}"#)).is_ok());
        // Merged counts past the limit are refused before the table.
        let c = config(r#"{"period": "day", "periods": 1000}"#);
        let mut counts = RetentionCounts::new(1000);
        for d in 0..2001 {
            let mut cells = CohortCells::new(1000);
            cells.size = 1;
            counts.cohorts.insert(d, cells);
        }
        assert_eq!(
            counts.finish(&c, 1_800_000_000).unwrap_err().kind(),
            "config"
        );
    }

    #[test]
    fn a_return_nothing_matches_is_refused_and_totals_cover_every_metric() {
        // Customer 1 signs up on day 0 and opens on days 1 and 2 (value 2 and 4); customer 2 signs
        // up on day 0 and opens on day 2.
        let rows = [
            (1, 0, "signup", 0.0),
            (1, DAY, "open", 2.0),
            (1, 2 * DAY, "open", 4.0),
            (2, 0, "signup", 0.0),
            (2, 2 * DAY, "open", 0.0),
        ];
        let misspelt = r#"{"start": {"events": ["signup"]}, "return": {"events": ["opne"]}, "periods": 2, "censor": false}"#;
        let e = table(&rows, &config(misspelt)).unwrap_err();
        assert_eq!(e.kind(), "empty_input");
        assert!(
            e.to_string().contains(r#"["opne"]"#) && e.to_string().contains("open, signup"),
            "{e}"
        );
        let t = table(&rows, &config(&misspelt.replace("opne", "open"))).unwrap();
        assert_eq!(
            (
                t.total_retained.clone(),
                t.total_previous.clone(),
                t.total_kept.clone()
            ),
            (vec![1, 2], vec![2, 1], vec![1, 1])
        );
        assert_eq!(t.total_value_per_entry, [Some(1.0), Some(2.0)]);
        // Nobody returning while the return does occur is an answer, not an error.
        let late = [(1, 0, "signup", 0.0), (1, 9 * DAY, "open", 0.0)];
        let t = table(&late, &config(&misspelt.replace("opne", "open"))).unwrap();
        assert_eq!(t.total_retained, [0, 0]);
    }

    #[test]
    fn bounded_unbounded_and_brackets() {
        // Customer 1 signs up at day 0 12:00, opens on days 1, 1, 4; customer 2 signs up on
        // day 0 and opens on day 2; as_of day 9.
        let rows = [
            (1, DAY / 2, "signup", 0.0),
            (1, DAY + 10, "open", 0.0),
            (1, DAY + 20, "open", 0.0),
            (1, 4 * DAY, "open", 0.0),
            (2, 100, "signup", 0.0),
            (2, 2 * DAY, "open", 0.0),
            (3, 9 * DAY, "open", 0.0),
        ];
        let base = r#""start": {"events": ["signup"]}, "return": {"events": ["open"]}"#;
        let t = table(&rows, &config(&format!("{{{base}, \"periods\": 4}}"))).unwrap();
        assert_eq!((t.size.clone(), t.as_of), (vec![2], 9 * DAY));
        assert_eq!(t.retained, [1, 1, 0, 1]);
        assert_eq!(t.rate_of_previous, [Some(0.5), Some(0.0), Some(0.0), None]);
        // Of those retained in day 1 (customer 1), nobody on day 2; of those on day 3, none.
        assert_eq!(
            (t.previous.clone(), t.kept.clone()),
            (vec![2, 1, 1, 0], vec![1, 0, 0, 0])
        );
        let t = table(
            &rows,
            &config(&format!(
                "{{{base}, \"periods\": 4, \"mode\": \"unbounded\"}}"
            )),
        )
        .unwrap();
        assert_eq!(t.retained, [2, 2, 1, 1]);
        let t = table(
            &rows,
            &config(&format!(
                "{{{base}, \"brackets\": [[1, 1], [2, 7]], \"min_occurrences\": 2}}"
            )),
        )
        .unwrap();
        assert_eq!(t.retained, [1, 0]);
        // Rolling 24-hour windows: customer 1's day-1 opens are 12 h after signup (window 0),
        // the day-4 one in window 3; customer 2's day-2 open 47 h after (window 1).
        let t = table(
            &rows,
            &config(&format!(
                "{{{base}, \"periods\": 4, \"windows\": \"rolling\"}}"
            )),
        )
        .unwrap();
        assert_eq!(t.retained, [1, 0, 1, 0]);
    }

    #[test]
    fn censoring_leaves_out_the_young() {
        // Customer 2 signs up on day 5; as_of is day 6 at noon: day 1 after day 5 (day 6) has
        // not ended, so customer 2 is counted in no bracket; without censoring, as not back.
        let rows = [
            (1, 0, "signup", 0.0),
            (1, DAY, "open", 0.0),
            (2, 5 * DAY, "signup", 0.0),
            (3, 6 * DAY + DAY / 2, "open", 0.0),
        ];
        let c = r#""start": {"events": ["signup"]}, "return": {"events": ["open"]}, "periods": 2"#;
        let t = table(&rows, &config(&format!("{{{c}}}"))).unwrap();
        assert_eq!(t.total_counted, [1, 1]);
        assert_eq!(t.total_rate, [Some(1.0), Some(0.0)]);
        let t = table(&rows, &config(&format!("{{{c}, \"censor\": false}}"))).unwrap();
        assert_eq!(t.total_counted, [2, 2]);
        assert_eq!(t.total_rate, [Some(0.5), Some(0.0)]);
        // A bracket that ends exactly at as_of + 1 s is observed.
        let t = table(
            &rows,
            &config(&format!("{{{c}, \"as_of\": {}}}", 2 * DAY - 1)),
        )
        .unwrap();
        assert_eq!(t.total_counted, [1, 0]);
    }

    #[test]
    fn recurring_starts_and_value_and_offsets() {
        // Weekly; customer 1 buys in week 0 and week 1; values on the returns.
        let week = 7 * DAY;
        let monday = 4 * DAY; // 1970-01-05
        let rows = [
            (1, monday, "visit", 0.0),
            (1, monday + week, "buy", 10.0),
            (1, monday + week + 1, "visit", 0.0),
            (1, monday + 2 * week, "buy", 2.5),
            (1, monday + 5 * week, "visit", 0.0),
        ];
        let c = config(
            r#"{"start": {"events": ["visit"]}, "return": {"events": ["buy"]}, "period": "week", "periods": 2,
                "start_occurrence": "recurring"}"#,
        );
        let t = table(&rows, &c).unwrap();
        // Entries in weeks 0, 1 and 5 (week 5 too young for any bracket).
        assert_eq!(t.cohort, ["1970-01-05", "1970-01-12", "1970-02-09"]);
        assert_eq!(t.retained, [1, 1, 1, 0, 0, 0]);
        assert_eq!(
            t.value,
            [Some(10.0), Some(2.5), Some(2.5), Some(0.0), None, None]
        );
        assert_eq!(t.value_per_entry[..2], [Some(10.0), Some(2.5)]);
        assert_eq!(t.total_size, 3);
        // A time zone: at UTC−1 the Monday 00:00 UTC visit falls on Sunday, in the week before.
        let c = RetentionConfig {
            utc_offset: -3600,
            start_occurrence: StartOccurrence::First,
            ..c
        };
        let t = table(&rows, &c).unwrap();
        assert_eq!(t.cohort, ["1969-12-29"]);
        assert_eq!(t.cohort_start, [-3 * DAY + 3600]);
        // Week 1 after is 1970-01-05 .. 01-12 local: the buy at 01-12 00:00 UTC is 01-11 23:00
        // local, in week 1; the one a week later in week 2.
        assert_eq!(t.retained, [1, 1]);
    }

    #[test]
    fn bad_settings_are_typed_and_named() {
        let rows = [(1, 0, "a", 0.0)];
        for (json, field) in [
            (r#"{"periods": 0}"#, "periods"),
            (r#"{"periods": 3, "brackets": [[1, 2]]}"#, "brackets"),
            (r#"{"brackets": []}"#, "brackets"),
            (r#"{"utc_offset": -5}"#, "utc_offset"),
            (r#"{"start": {"kinds": ["purchase"]}}"#, "start"),
            (r#"{"return": {"channels": ["web"]}}"#, "return"),
            (r#"{"brackets": [[0, 1]]}"#, "brackets"),
            (r#"{"brackets": [[2, 3], [3, 4]]}"#, "brackets"),
            (r#"{"brackets": [[3, 2]]}"#, "brackets"),
            (r#"{"min_occurrences": 0}"#, "min_occurrences"),
            (r#"{"utc_offset": 90000}"#, "utc_offset"),
            (r#"{"as_of": -99999999999999}"#, "as_of"),
            (r#"{"start": {"event_regex": "("}}"#, "start.event_regex"),
            (r#"{"return": {"campaigns": [4]}}"#, "return"),
        ] {
            let e = table(&rows, &config(json)).unwrap_err();
            assert!(
                matches!(&e, EngError::Config { field: f, .. } if f == field),
                "{json}: {e}"
            );
        }
        let e = table(&rows, &config(r#"{"start": {"events": ["zzz"]}}"#)).unwrap_err();
        assert!(matches!(e, EngError::EmptyInput { .. }), "{e}");
        assert!(serde_json::from_str::<RetentionConfig>(r#"{"periodz": 3}"#).is_err());
    }

    #[test]
    fn amplitudes_worked_example_and_where_we_differ() {
        // Amplitude's documentation ("How time works in a retention analysis"): a start on
        // 1 December at 17:59 and a return on 2 December at 17:00 make a day-1 return there,
        // because times are rounded down to the hour first. Rolling windows here are exact: the
        // return is 23 h 01 min later, still day 0, so not day-1 retained; by calendar days it
        // is the next day, day 1.
        let start = 1_701_453_540; // 2023-12-01 17:59 UTC
        let back = 1_701_536_400; // 2023-12-02 17:00 UTC
        let rows = [(1, start, "start", 0.0), (1, back, "back", 0.0)];
        let c = |windows: &str| {
            config(&format!(
                r#"{{"start": {{"events": ["start"]}}, "return": {{"events": ["back"]}}, "periods": 1,
                    "windows": "{windows}", "censor": false}}"#
            ))
        };
        assert_eq!(table(&rows, &c("rolling")).unwrap().retained, [0]);
        assert_eq!(table(&rows, &c("calendar")).unwrap().retained, [1]);
        // An hour later (18:00, 24 h 01 min after the start) it is day 1 in both.
        let rows = [(1, start, "start", 0.0), (1, back + 3600, "back", 0.0)];
        assert_eq!(table(&rows, &c("rolling")).unwrap().retained, [1]);
    }

    proptest::proptest! {
        /// Counting returns per entry (one pass, atomics) and sorting records
        /// into journeys give the same table, for every kind of setting; and
        /// rows in another order change nothing.
        #[test]
        fn prop_entries_and_records_agree(
            rows in proptest::collection::vec((1u64..6, 0i64..40, 0usize..4, 0u32..3), 1..80),
            period in proptest::prop_oneof![proptest::strategy::Just("day"), proptest::strategy::Just("week"), proptest::strategy::Just("month")],
            rolling: bool,
            unbounded: bool,
            recurring: bool,
            censor: bool,
            custom: bool,
            min_occurrences in 1u32..3,
            offset in -4i64..4,
            rotate in 0usize..80,
            huge_ids: bool,
        ) {
            let names = ["s", "r", "x", "ü"];
            // Huge, spread ids fall in many buckets and take hashed entry
            // indexes; small ones one bucket and a table.
            let customer: Vec<u64> = rows
                .iter()
                .map(|r| if huge_ids { (r.0 << 40) + (1 << 61) } else { r.0 })
                .collect();
            let time: Vec<i64> = rows.iter().map(|r| r.1 * 43_200 + 1_700_000_000).collect();
            let value: Vec<f64> = rows.iter().map(|r| f64::from(r.3) * 1.25).collect();
            let labels: Vec<&str> = rows.iter().map(|r| names[r.2]).collect();
            let config = RetentionConfig {
                start: TouchMatch { events: vec!["s".into(), "ü".into()], ..Default::default() },
                returning: TouchMatch { event_prefix: Some("r".into()), events: vec!["s".into()], ..Default::default() },
                period: match period { "day" => CohortPeriod::Day, "week" => CohortPeriod::Week, _ => CohortPeriod::Month },
                windows: if rolling { RetentionWindows::Rolling } else { RetentionWindows::Calendar },
                mode: if unbounded { RetentionMode::Unbounded } else { RetentionMode::Bounded },
                start_occurrence: if recurring { StartOccurrence::Recurring } else { StartOccurrence::First },
                periods: (!custom).then_some(4),
                brackets: custom.then(|| vec![[1, 1], [3, 5]]),
                min_occurrences,
                utc_offset: offset * 3 * 3600,
                censor,
                as_of: None,
            };
            let run = |order: &[usize], method: Method| {
                let mut dict = EventDictionary::new();
                let l: Vec<&str> = order.iter().map(|&i| labels[i]).collect();
                let codes = dict.intern_all(&l).unwrap();
                let (c, t, v): (Vec<u64>, Vec<i64>, Vec<f64>) = (
                    order.iter().map(|&i| customer[i]).collect(),
                    order.iter().map(|&i| time[i]).collect(),
                    order.iter().map(|&i| value[i]).collect(),
                );
                let cols = TouchpointColumns { customer: &c, time: &t, value: &v, ..Default::default() };
                let extra = PathColumns { events: Some(EventColumn::new(&codes, &dict).unwrap()), ..Default::default() };
                retention_counts_by(&cols, &extra, &config, method)
                    .and_then(|(counts, as_of)| counts.finish(&config, as_of))
                    .map_err(|e| e.kind())
            };
            let order: Vec<usize> = (0..rows.len()).collect();
            let mut moved = order.clone();
            moved.rotate_left(rotate % rows.len());
            let fast = run(&order, Method::Fastest);
            proptest::prop_assert_eq!(&fast, &run(&order, Method::Records));
            proptest::prop_assert_eq!(&fast, &run(&moved, Method::Fastest));
        }
    }
}
