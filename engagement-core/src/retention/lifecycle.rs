//! Lifecycle: in each period, the active customers split by where they come
//! from (new, returning, resurrecting), and those who stopped (dormant).
//!
//! # Definitions
//!
//! A customer is active in a period (local day, ISO week or month, in
//! `utc_offset` seconds east of UTC) when they did an activity touchpoint in it
//! (any touchpoint unless `activity` says; touchpoints after `as_of` ignored).
//! In each period of the table, from the first with activity to the one
//! holding `as_of`:
//!
//! - **new**: active for the first time (in the data);
//! - **returning**: active, and active in the period before;
//! - **resurrecting**: active, not in the period before, but in some earlier one;
//! - **dormant**: active in the period before, not in this one.
//!
//! These are PostHog's lifecycle groups, with "new" meaning the first activity
//! in the data rather than an account's creation. `active` = new + returning +
//! resurrecting; `active` of a period = returning of the next + dormant of
//! the next. The last period is `complete` only when it has ended by `as_of`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::journey::paths::PathColumns;
use crate::journey::triggers::TouchMatch;
use crate::model::{MAX_TIME, MIN_TIME, TouchpointColumns};
use crate::retention::cohort::CohortPeriod;
use crate::retention::returning::RetentionConfig;

/// Settings of [`lifecycle`].
///
/// | setting | default |
/// |---|---|
/// | `activity` | any touchpoint (a [`TouchMatch`]) |
/// | `period` | `week` (`day`, `week`: ISO, `month`) |
/// | `as_of` | the latest touchpoint's time (required in partials) |
/// | `utc_offset` | 0 (seconds east of UTC, whole quarter hours) |
///
/// # Examples
///
/// ```
/// use engagement_core::retention::lifecycle::LifecycleConfig;
/// let c: LifecycleConfig = serde_json::from_str(r#"{"activity": {"events": ["open_app"]}, "period": "day"}"#)?;
/// assert_eq!(c.utc_offset, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LifecycleConfig {
    /// What counts as activity (any touchpoint when empty).
    pub activity: TouchMatch,
    /// Period length.
    pub period: CohortPeriod,
    /// End of observation (Unix seconds, inclusive); the latest touchpoint's when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<i64>,
    /// Seconds east of UTC of the local time that periods follow.
    pub utc_offset: i64,
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        LifecycleConfig {
            activity: TouchMatch::default(),
            period: CohortPeriod::Week,
            as_of: None,
            utc_offset: 0,
        }
    }
}

impl LifecycleConfig {
    /// The same settings as a retention configuration (for the checks and
    /// the local calendar they share).
    fn as_retention(&self) -> RetentionConfig {
        RetentionConfig {
            start: self.activity.clone(),
            period: self.period,
            as_of: self.as_of,
            utc_offset: self.utc_offset,
            ..RetentionConfig::default()
        }
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the setting: `utc_offset` beyond ±18 hours
    /// or not whole quarter hours, `as_of` outside 1970..3000, a regular
    /// expression that does not compile.
    pub fn validate(&self) -> Result<()> {
        self.as_retention().validate().map_err(|e| match e {
            EngError::Config { field, reason } if field.starts_with("start") => EngError::Config {
                field: field.replacen("start", "activity", 1),
                reason: reason.replacen("start", "activity", 1),
            },
            e => e,
        })
    }

    fn local_period(&self, t: i64) -> i64 {
        self.period.index(t + self.utc_offset)
    }
}

/// A lifecycle table: one row per period, from the first with activity to
/// the one holding `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleTable {
    /// Period length.
    pub period: CohortPeriod,
    /// End of observation used (Unix seconds).
    pub as_of: i64,
    /// Unix seconds at which each local period starts.
    pub period_start: Vec<i64>,
    /// Each period's first local day (`YYYY-MM-DD`).
    pub label: Vec<String>,
    /// Active for the first time.
    pub new: Vec<u64>,
    /// Active, and active in the period before.
    pub returning: Vec<u64>,
    /// Active, not in the period before, but earlier.
    pub resurrecting: Vec<u64>,
    /// Active in the period before, not in this one.
    pub dormant: Vec<u64>,
    /// `new + returning + resurrecting`.
    pub active: Vec<u64>,
    /// Whether the period has ended by `as_of` (all but possibly the last).
    pub complete: Vec<bool>,
}

/// The mergeable counts of [`lifecycle`] (each customer's touchpoints in
/// one part): `[new, returning, resurrecting, dormant]` by local period.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct LifecycleCounts {
    pub(crate) periods: BTreeMap<i64, [u64; 4]>,
}

impl LifecycleCounts {
    /// Adds another part's counts.
    pub(crate) fn merge(&mut self, other: LifecycleCounts) {
        for (p, c) in other.periods {
            let mine = self.periods.entry(p).or_insert([0; 4]);
            for (a, b) in mine.iter_mut().zip(c) {
                *a = a.saturating_add(b);
            }
        }
    }

    /// An error unless the counts fit each other and lie within 1970 …
    /// `as_of`'s period.
    pub(crate) fn check(
        &self,
        config: &LifecycleConfig,
        as_of: i64,
    ) -> std::result::Result<(), String> {
        let range = config.local_period(MIN_TIME)..=config.local_period(as_of);
        if let Some(p) = self.periods.keys().find(|p| !range.contains(p)) {
            return Err(format!("period {p} outside 1970 … as_of's period"));
        }
        // Each period's dormant were active in the one before.
        for (&p, c) in &self.periods {
            let before = self
                .periods
                .get(&(p - 1))
                .map_or(0, |b| b[0].saturating_add(b[1]).saturating_add(b[2]));
            if c[3] > before || c[1] > before {
                return Err(format!(
                    "period {p}: more returning or dormant customers than were active before"
                ));
            }
        }
        Ok(())
    }

    /// The table up to `as_of`'s period.
    pub(crate) fn finish(&self, config: &LifecycleConfig, as_of: i64) -> Result<LifecycleTable> {
        let last = config.local_period(as_of);
        let Some((&first, _)) = self.periods.iter().find(|(_, c)| c[0] > 0) else {
            return Err(EngError::EmptyInput {
                what: "a lifecycle table (no activity by as_of)".into(),
                unit: "touchpoint".into(),
            });
        };
        let mut t = LifecycleTable {
            period: config.period,
            as_of,
            period_start: Vec::new(),
            label: Vec::new(),
            new: Vec::new(),
            returning: Vec::new(),
            resurrecting: Vec::new(),
            dormant: Vec::new(),
            active: Vec::new(),
            complete: Vec::new(),
        };
        for p in first..=last {
            let c = self.periods.get(&p).copied().unwrap_or([0; 4]);
            let start = config.period.start(p) - config.utc_offset;
            t.period_start.push(start);
            t.label.push(crate::model::calendar::date_label(
                start + config.utc_offset,
            ));
            t.new.push(c[0]);
            t.returning.push(c[1]);
            t.resurrecting.push(c[2]);
            t.dormant.push(c[3]);
            t.active
                .push(c[0].saturating_add(c[1]).saturating_add(c[2]));
            // Ended when the next period starts at or before as_of's next second.
            t.complete
                .push(config.period.start(p + 1) - config.utc_offset <= as_of + 1);
        }
        Ok(t)
    }
}

/// Lifecycle groups per period: see the [module documentation](self).
///
/// # Errors
/// As [`crate::retention::returning::retention`]'s: bad columns, bad
/// settings, a matcher reading a column not given; [`EngError::EmptyInput`]
/// without activity by `as_of`.
///
/// # Examples
///
/// ```
/// use engagement_core::TouchpointColumns;
/// use engagement_core::retention::lifecycle::{LifecycleConfig, lifecycle};
/// let day = 86_400;
/// // Customer 1 active on days 0, 1 and 3; customer 2 on day 1.
/// let cols = TouchpointColumns { customer: &[1, 1, 1, 2], time: &[0, day, 3 * day, day],
///     ..Default::default() };
/// let config: LifecycleConfig = serde_json::from_str(r#"{"period": "day"}"#)?;
/// let t = lifecycle(&cols, &Default::default(), &config)?;
/// assert_eq!(t.label, ["1970-01-01", "1970-01-02", "1970-01-03", "1970-01-04"]);
/// assert_eq!(t.new, [1, 1, 0, 0]);
/// assert_eq!(t.returning, [0, 1, 0, 0]);
/// assert_eq!(t.dormant, [0, 0, 2, 0]);
/// assert_eq!(t.resurrecting, [0, 0, 0, 1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lifecycle(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &LifecycleConfig,
) -> Result<LifecycleTable> {
    let (counts, as_of) = lifecycle_counts(cols, extra, config)?;
    counts.finish(config, as_of)
}

/// The mergeable counts of [`lifecycle`] and the `as_of` they used.
pub(crate) fn lifecycle_counts(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &LifecycleConfig,
) -> Result<(LifecycleCounts, i64)> {
    use rayon::prelude::*;
    config.validate()?;
    let (pairs, as_of) = active_units(cols, extra, &config.activity, config.as_of, |t| {
        config.local_period(t)
    })?;
    let mut counts = LifecycleCounts::default();
    let last = config.local_period(as_of);
    let parts: Vec<BTreeMap<i64, [u64; 4]>> = pairs
        .par_chunk_by(|a, b| a.0 == b.0)
        .fold(BTreeMap::new, |mut m: BTreeMap<i64, [u64; 4]>, customer| {
            let mut before: Option<i64> = None;
            for &(_, p) in customer {
                let group = match before {
                    None => 0,
                    Some(q) if q == p - 1 => 1,
                    Some(q) => {
                        // Dormant the period after the last active one.
                        m.entry(q + 1).or_insert([0; 4])[3] += 1;
                        2
                    }
                };
                m.entry(p).or_insert([0; 4])[group] += 1;
                before = Some(p);
            }
            if let Some(q) = before
                && q < last
            {
                m.entry(q + 1).or_insert([0; 4])[3] += 1;
            }
            m
        })
        .collect();
    for p in parts {
        counts.merge(LifecycleCounts { periods: p });
    }
    Ok((counts, as_of))
}

/// Each customer's distinct active units (local periods or days): the
/// `(customer, unit(time))` pairs of the rows at or before `as_of` that
/// `activity` matches, sorted and distinct; and the `as_of` used (the latest
/// touchpoint's when not given). Lifecycle and stickiness read these.
pub(crate) fn active_units(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    activity: &TouchMatch,
    as_of: Option<i64>,
    unit: impl Fn(i64) -> i64 + Sync,
) -> Result<(Vec<(u64, i64)>, i64)> {
    use rayon::prelude::*;
    let n = cols.validate_log()?;
    extra.check_lengths(n)?;
    let as_of = match as_of {
        Some(t) => t,
        None => cols.time.par_iter().copied().max().unwrap_or(MIN_TIME),
    };
    ensure_config!(
        (MIN_TIME..=MAX_TIME).contains(&as_of),
        "as_of",
        "must lie within 1970..3000, got {as_of}"
    );
    if n == 0 {
        return Ok((Vec::new(), as_of));
    }
    let active = crate::retention::returning::row_matcher(activity, "activity", cols, extra)?;
    let mut pairs: Vec<(u64, i64)> = (0..n.div_ceil(1 << 16))
        .into_par_iter()
        .map(|b| {
            let mut v: Vec<(u64, i64)> = (b << 16..((b + 1) << 16).min(n))
                .filter(|&i| cols.time[i] <= as_of && active(i))
                .map(|i| (cols.customer[i], unit(cols.time[i])))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .flatten_iter()
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    Ok((pairs, as_of))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventColumn, EventDictionary};

    #[test]
    fn groups_by_week_with_events_and_an_offset() {
        let week = 7 * 86_400;
        let monday = 4 * 86_400; // 1970-01-05
        // Customer 1: weeks 0, 1, 3 (resurrected); 2: week 1 only, an "other" event in week 2
        // (not activity); 3: week 3, at Sunday 23:30 UTC, which at UTC+1 is Monday of week 4.
        let rows = [
            (1, monday, "open"),
            (1, monday + week, "open"),
            (1, monday + 3 * week, "open"),
            (2, monday + week + 5, "open"),
            (2, monday + 2 * week, "other"),
            (3, monday + 4 * week - 1800, "open"),
        ];
        let mut dict = EventDictionary::new();
        let labels: Vec<&str> = rows.iter().map(|r| r.2).collect();
        let codes = dict.intern_all(&labels).unwrap();
        let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let cols = TouchpointColumns {
            customer: &customer,
            time: &time,
            ..Default::default()
        };
        let extra = PathColumns {
            events: Some(EventColumn::new(&codes, &dict).unwrap()),
            ..Default::default()
        };
        let config: LifecycleConfig =
            serde_json::from_str(r#"{"activity": {"events": ["open"]}}"#).unwrap();
        let t = lifecycle(&cols, &extra, &config).unwrap();
        assert_eq!(
            t.label,
            ["1970-01-05", "1970-01-12", "1970-01-19", "1970-01-26"]
        );
        assert_eq!(t.new, [1, 1, 0, 1]);
        assert_eq!(t.returning, [0, 1, 0, 0]);
        assert_eq!(t.resurrecting, [0, 0, 0, 1]);
        assert_eq!(t.dormant, [0, 0, 2, 0]);
        // as_of (Sunday 23:30 of week 3) leaves week 3 incomplete.
        assert_eq!(t.complete, [true, true, true, false]);
        let plus_one = LifecycleConfig {
            utc_offset: 3600,
            ..config
        };
        let t = lifecycle(&cols, &extra, &plus_one).unwrap();
        // Customer 3 is new in week 4 at UTC+1; customer 1 dormant there.
        assert_eq!((t.new[4], t.dormant[4], t.label.len()), (1, 1, 5));
        let e = lifecycle(&cols, &PathColumns::default(), &plus_one).unwrap_err();
        assert!(matches!(e, EngError::Config { .. }), "{e}");
        let bad: LifecycleConfig = serde_json::from_str(r#"{"utc_offset": 7}"#).unwrap();
        assert!(matches!(
            lifecycle(&cols, &extra, &bad),
            Err(EngError::Config { field, .. }) if field == "utc_offset"
        ));
    }
}
