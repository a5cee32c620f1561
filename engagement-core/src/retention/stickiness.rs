//! Stickiness: how many days of each week (or month) customers are active,
//! and the daily, weekly and monthly active customers (DAU, WAU, MAU) with
//! their ratios.
//!
//! # Definitions
//!
//! A customer is active on a local day (`utc_offset` seconds east of UTC) with
//! an activity touchpoint that day (any touchpoint unless `activity` says;
//! touchpoints after `as_of` ignored).
//!
//! - **Active days** per `period` (ISO week or calendar month): for each
//!   period, how many customers active in it were active on exactly 1, 2, …
//!   days of it (PostHog's stickiness, per period); `total_days` sums the
//!   periods.
//! - **DAU / WAU / MAU** per day, from the first active day to `as_of`'s: the
//!   customers active that day, in the 7 days ending that day, in the 30 days
//!   ending that day; `dau_wau` and `dau_mau` their ratios (None over 0).
//!   WAU and MAU of the first 6 (29) days cover fewer days than the window,
//!   and `full_window` says when they do not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::journey::paths::PathColumns;
use crate::journey::triggers::TouchMatch;
use crate::model::{MIN_TIME, TouchpointColumns};
use crate::retention::cohort::CohortPeriod;
use crate::retention::lifecycle::LifecycleConfig;

/// Settings of [`stickiness`].
///
/// | setting | default |
/// |---|---|
/// | `activity` | any touchpoint (a [`TouchMatch`]) |
/// | `period` | `week` (ISO weeks) or `month` (the span active days are counted in) |
/// | `as_of` | the latest touchpoint's time (required in partials) |
/// | `utc_offset` | 0 (seconds east of UTC, whole quarter hours) |
///
/// # Examples
///
/// ```
/// use engagement_core::retention::stickiness::StickinessConfig;
/// let c: StickinessConfig = serde_json::from_str(r#"{"period": "month"}"#)?;
/// assert!(c.validate().is_ok());
/// assert!(serde_json::from_str::<StickinessConfig>(r#"{"period": "day"}"#).unwrap().validate().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StickinessConfig {
    /// What counts as activity (any touchpoint when empty).
    pub activity: TouchMatch,
    /// The span active days are counted in: `week` or `month`.
    pub period: CohortPeriod,
    /// End of observation (Unix seconds, inclusive); the latest touchpoint's when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<i64>,
    /// Seconds east of UTC of the local time that days follow.
    pub utc_offset: i64,
}

impl Default for StickinessConfig {
    fn default() -> Self {
        StickinessConfig {
            activity: TouchMatch::default(),
            period: CohortPeriod::Week,
            as_of: None,
            utc_offset: 0,
        }
    }
}

impl StickinessConfig {
    fn as_lifecycle(&self) -> LifecycleConfig {
        LifecycleConfig {
            activity: self.activity.clone(),
            period: self.period,
            as_of: self.as_of,
            utc_offset: self.utc_offset,
        }
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the setting: `period` `day` (a day has one
    /// active day), and as [`LifecycleConfig::validate`].
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.period != CohortPeriod::Day,
            "period",
            "active days are counted per week or month, not per day"
        );
        self.as_lifecycle().validate()
    }

    fn day(&self, t: i64) -> i64 {
        (t + self.utc_offset).div_euclid(86_400)
    }

    /// The period holding local day `day`.
    fn period_of(&self, day: i64) -> i64 {
        self.period.index(day * 86_400)
    }
}

/// Result of [`stickiness`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StickinessTable {
    /// The span active days are counted in.
    pub period: CohortPeriod,
    /// End of observation used (Unix seconds).
    pub as_of: i64,
    /// Each period's first local day (`YYYY-MM-DD`).
    pub period_label: Vec<String>,
    /// Columns of `active_days`: 7 for weeks, 31 for months.
    pub max_days: u32,
    /// Row-major periods × `max_days`: customers active on exactly k + 1 days of the period.
    pub active_days: Vec<u64>,
    /// `active_days` summed over the periods.
    pub total_days: Vec<u64>,
    /// Whether each period has ended by `as_of` (the last is usually cut
    /// short: fewer days to be active on).
    #[serde(default)]
    pub complete: Vec<bool>,
    /// Each day's local date, from the first active day to `as_of`'s.
    pub day: Vec<String>,
    /// Customers active that day.
    pub dau: Vec<u64>,
    /// Customers active in the 7 days ending that day.
    pub wau: Vec<u64>,
    /// Customers active in the 30 days ending that day.
    pub mau: Vec<u64>,
    /// `dau / wau`.
    pub dau_wau: Vec<Option<f64>>,
    /// `dau / mau`.
    pub dau_mau: Vec<Option<f64>>,
    /// Whether the day is at least 29 days after the first (MAU's window all observed).
    pub full_window: Vec<bool>,
}

/// The mergeable counts of [`stickiness`]: per local day `[dau, wau, mau]`,
/// per period the active-day histogram.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct StickinessCounts {
    pub(crate) days: BTreeMap<i64, [u64; 3]>,
    pub(crate) periods: BTreeMap<i64, Vec<u64>>,
}

fn max_days(period: CohortPeriod) -> usize {
    if period == CohortPeriod::Month { 31 } else { 7 }
}

impl StickinessCounts {
    /// Adds another part's counts.
    pub(crate) fn merge(&mut self, other: StickinessCounts) {
        for (d, c) in other.days {
            let mine = self.days.entry(d).or_insert([0; 3]);
            for (a, b) in mine.iter_mut().zip(c) {
                *a = a.saturating_add(b);
            }
        }
        for (p, h) in other.periods {
            let mine = self.periods.entry(p).or_insert_with(|| vec![0; h.len()]);
            for (a, b) in mine.iter_mut().zip(h) {
                *a = a.saturating_add(b);
            }
        }
    }

    /// An error unless the counts fit `config` and lie within 1970 … `as_of`.
    pub(crate) fn check(
        &self,
        config: &StickinessConfig,
        as_of: i64,
    ) -> std::result::Result<(), String> {
        let days = config.day(MIN_TIME)..=config.day(as_of);
        if let Some(d) = self.days.keys().find(|d| !days.contains(d)) {
            return Err(format!("day {d} outside 1970 … as_of"));
        }
        let periods = config.period_of(*days.start())..=config.period_of(*days.end());
        if let Some(p) = self.periods.keys().find(|p| !periods.contains(p)) {
            return Err(format!("period {p} outside 1970 … as_of"));
        }
        if self
            .periods
            .values()
            .any(|h| h.len() != max_days(config.period))
        {
            return Err("an active-day histogram of another width than the period's".into());
        }
        if self.days.values().any(|c| c[0] > c[1] || c[1] > c[2]) {
            return Err(
                "a day with more daily than weekly, or weekly than monthly, active customers"
                    .into(),
            );
        }
        Ok(())
    }

    /// The table up to `as_of`'s day.
    pub(crate) fn finish(&self, config: &StickinessConfig, as_of: i64) -> Result<StickinessTable> {
        let Some((&first, _)) = self.days.iter().find(|(_, c)| c[0] > 0) else {
            return Err(EngError::EmptyInput {
                what: "a stickiness table (no activity by as_of)".into(),
                unit: "touchpoint".into(),
            });
        };
        let width = max_days(config.period);
        let last = config.day(as_of);
        let mut t = StickinessTable {
            period: config.period,
            as_of,
            period_label: Vec::new(),
            max_days: width as u32,
            active_days: Vec::new(),
            total_days: vec![0; width],
            complete: Vec::new(),
            day: Vec::new(),
            dau: Vec::new(),
            wau: Vec::new(),
            mau: Vec::new(),
            dau_wau: Vec::new(),
            dau_mau: Vec::new(),
            full_window: Vec::new(),
        };
        for (&p, h) in &self.periods {
            t.period_label
                .push(crate::model::calendar::date_label(config.period.start(p)));
            t.active_days.extend(h);
            // Ended when the next period starts at or before as_of's next second.
            t.complete
                .push(config.period.start(p + 1) - config.utc_offset <= as_of + 1);
            for (a, b) in t.total_days.iter_mut().zip(h) {
                *a = a.saturating_add(*b);
            }
        }
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        for d in first..=last {
            let c = self.days.get(&d).copied().unwrap_or([0; 3]);
            t.day.push(crate::model::calendar::date_label(d * 86_400));
            t.dau.push(c[0]);
            t.wau.push(c[1]);
            t.mau.push(c[2]);
            t.dau_wau.push(ratio(c[0], c[1]));
            t.dau_mau.push(ratio(c[0], c[2]));
            t.full_window.push(d - first >= 29);
        }
        Ok(t)
    }
}

/// Active days per period and DAU / WAU / MAU: see the [module documentation](self).
///
/// # Errors
/// As [`crate::retention::lifecycle::lifecycle`]'s; [`EngError::Config`] for
/// `period` `day`.
///
/// # Examples
///
/// ```
/// use engagement_core::TouchpointColumns;
/// use engagement_core::retention::stickiness::{StickinessConfig, stickiness};
/// let day = 86_400;
/// // 1970-01-05 is a Monday. Customer 1 active Monday and Tuesday; customer 2 Tuesday.
/// let monday = 4 * day;
/// let cols = TouchpointColumns { customer: &[1, 1, 2], time: &[monday, monday + day, monday + day],
///     ..Default::default() };
/// let t = stickiness(&cols, &Default::default(), &StickinessConfig::default())?;
/// assert_eq!(t.total_days[..3], [1, 1, 0]);   // one customer active 1 day, one 2 days
/// assert_eq!((t.dau.clone(), t.wau.clone()), (vec![1, 2], vec![1, 2]));
/// assert_eq!(t.dau_wau, [Some(1.0), Some(1.0)]);
/// assert_eq!(t.complete, [false]);   // as_of (the last touchpoint) is Tuesday: the week goes on
/// let whole = StickinessConfig { as_of: Some(monday + 7 * day - 1), ..Default::default() };
/// assert_eq!(stickiness(&cols, &Default::default(), &whole)?.complete, [true]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stickiness(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &StickinessConfig,
) -> Result<StickinessTable> {
    let (counts, as_of) = stickiness_counts(cols, extra, config)?;
    counts.finish(config, as_of)
}

/// The mergeable counts of [`stickiness`] and the `as_of` they used.
pub(crate) fn stickiness_counts(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &StickinessConfig,
) -> Result<(StickinessCounts, i64)> {
    use rayon::prelude::*;
    config.validate()?;
    let (pairs, as_of) = crate::retention::lifecycle::active_units(
        cols,
        extra,
        &config.activity,
        config.as_of,
        |t| config.day(t),
    )?;
    let mut counts = StickinessCounts::default();
    let last = config.day(as_of);
    let width = max_days(config.period);
    let Some(first) = pairs.par_iter().map(|p| p.1).min() else {
        return Ok((counts, as_of));
    };
    let span = (last - first + 2) as usize;
    /// One split's counts: per day from `first`, active customers and the
    /// starts and ends of weekly and monthly windows (difference arrays).
    struct Acc {
        dau: Vec<u64>,
        wau: Vec<i64>,
        mau: Vec<i64>,
        periods: BTreeMap<i64, Vec<u64>>,
    }
    let new_acc = || Acc {
        dau: vec![0; span],
        wau: vec![0; span],
        mau: vec![0; span],
        periods: BTreeMap::new(),
    };
    let acc = pairs
        .par_chunk_by(|a, b| a.0 == b.0)
        .fold(new_acc, |mut acc, customer| {
            // Active days of one customer, ascending and distinct.
            for &(_, d) in customer {
                acc.dau[(d - first) as usize] += 1;
            }
            // The days whose trailing window (7 or 30 days ending there) holds an
            // active day: the union of [d, d + window - 1], up to as_of's day.
            for (diff, window) in [(&mut acc.wau, 7), (&mut acc.mau, 30)] {
                let mut covered_to = i64::MIN;
                for &(_, d) in customer {
                    let from = d.max(covered_to.saturating_add(1));
                    let to = (d + window - 1).min(last);
                    if from <= to {
                        diff[(from - first) as usize] += 1;
                        diff[(to - first + 1) as usize] -= 1;
                    }
                    covered_to = covered_to.max(to);
                }
            }
            for same in customer.chunk_by(|a, b| config.period_of(a.1) == config.period_of(b.1)) {
                let h = acc
                    .periods
                    .entry(config.period_of(same[0].1))
                    .or_insert_with(|| vec![0; width]);
                h[(same.len() - 1).min(width - 1)] += 1;
            }
            acc
        })
        .reduce(new_acc, |mut a, b| {
            for (x, y) in a.dau.iter_mut().zip(b.dau) {
                *x += y;
            }
            for (x, y) in a.wau.iter_mut().zip(b.wau) {
                *x += y;
            }
            for (x, y) in a.mau.iter_mut().zip(b.mau) {
                *x += y;
            }
            for (p, h) in b.periods {
                let mine = a.periods.entry(p).or_insert_with(|| vec![0; width]);
                for (x, y) in mine.iter_mut().zip(h) {
                    *x += y;
                }
            }
            a
        });
    let (mut wau, mut mau) = (0i64, 0i64);
    for i in 0..span - 1 {
        wau += acc.wau[i];
        mau += acc.mau[i];
        counts.days.insert(
            first + i as i64,
            [acc.dau[i], wau.max(0) as u64, mau.max(0) as u64],
        );
    }
    counts.periods = acc.periods;
    Ok((counts, as_of))
}
