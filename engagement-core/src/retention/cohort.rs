//! Acquisition cohorts: customers grouped by the day, ISO week or calendar
//! month of their first purchase, with the share active and the revenue in
//! each period after acquisition.

use crate::model::time::IntoTime;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::model::calendar::{first_day, year_month};
use crate::model::{Code, TouchpointColumns, TouchpointKind};
use crate::transactions::{Period, TransactionColumns};

const DAY: i64 = 86_400;

/// Length of a cohort period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortPeriod {
    /// UTC days.
    Day,
    /// ISO weeks (Monday to Sunday, UTC).
    Week,
    /// Calendar months (UTC).
    #[default]
    Month,
}

impl CohortPeriod {
    /// Index of the period containing `t` (Unix seconds): days and weeks as
    /// [`Period::index`], months counted from January 1970.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::retention::cohort::CohortPeriod;
    /// // 2024-02-29 12:00 UTC is in month (2024 − 1970)·12 + 1.
    /// assert_eq!(CohortPeriod::Month.index(1_709_208_000), 54 * 12 + 1);
    /// ```
    pub fn index(self, t: i64) -> i64 {
        match self {
            CohortPeriod::Day => Period::Day.index(t),
            CohortPeriod::Week => Period::Week.index(t),
            CohortPeriod::Month => {
                let (y, m) = year_month(t.div_euclid(DAY));
                (y - 1970) * 12 + m - 1
            }
        }
    }

    /// Unix seconds at which period `index` starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::retention::cohort::CohortPeriod;
    /// let p = CohortPeriod::Month;
    /// assert_eq!(p.start(p.index(1_709_208_000)), 1_706_745_600);   // 2024-02-01
    /// ```
    pub fn start(self, index: i64) -> i64 {
        match self {
            CohortPeriod::Day => index * DAY,
            CohortPeriod::Week => index * 7 * DAY - 3 * DAY,
            CohortPeriod::Month => {
                first_day(1970 + index.div_euclid(12), index.rem_euclid(12) + 1) * DAY
            }
        }
    }
}

/// Settings of [`cohorts`].
///
/// | setting | default |
/// |---|---|
/// | `period` | `month` |
/// | `max_periods` | 36 (periods after acquisition kept, from period 0) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CohortConfig {
    /// Period length.
    pub period: CohortPeriod,
    /// Periods after acquisition in the table (period 0 included).
    pub max_periods: u32,
}

impl CohortConfig {
    /// Checks every setting.
    ///
    /// # Errors
    /// [`EngError::Config`] for `max_periods` outside 1..=1000.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::retention::cohort::CohortConfig;
    /// assert!(CohortConfig::default().validate().is_ok());
    /// assert!(CohortConfig { max_periods: 0, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_config(self)
    }
}

impl Default for CohortConfig {
    fn default() -> Self {
        CohortConfig {
            period: CohortPeriod::Month,
            max_periods: 36,
        }
    }
}

/// A cohort table: one row per acquisition period, one column per period
/// after acquisition (`0` is the acquisition period itself). Row-major
/// `cohorts × periods` matrices; cells after `as_of` are not observed
/// (retention and revenue NaN, written as null in JSON).
///
/// Two tables are equal when every cell is, an unobserved (NaN) cell being
/// equal to an unobserved one, so a table equals itself and its JSON round
/// trip.
///
/// # Examples
///
/// ```
/// use engagement_core::retention::cohort::{CohortPeriod, CohortTable};
/// let t = CohortTable {
///     period: CohortPeriod::Month, cohort_start: vec![0], size: vec![2], periods: 2,
///     observed: vec![1], active: vec![2, 0], retention: vec![1.0, f64::NAN],
///     revenue_per_customer: vec![5.0, f64::NAN], cumulative_revenue_per_customer: vec![5.0, f64::NAN],
/// };
/// assert_eq!(t, t.clone());
/// let json = serde_json::to_string(&t)?;
/// assert_eq!(serde_json::from_str::<CohortTable>(&json)?, t);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CohortTable {
    /// Period length.
    pub period: CohortPeriod,
    /// Unix seconds at which each cohort's acquisition period starts.
    pub cohort_start: Vec<i64>,
    /// Customers acquired in each cohort.
    pub size: Vec<u64>,
    /// Columns: periods after acquisition.
    pub periods: u32,
    /// Periods observed per cohort, at most `periods`: its acquisition period
    /// and every later period that began before `as_of` (a period that starts
    /// at `as_of` has no observed time, so it is not reported as a 0).
    pub observed: Vec<u32>,
    /// Customers with a purchase in each period after acquisition.
    pub active: Vec<u64>,
    /// `active / size`.
    #[serde(with = "crate::limits::nan_cells")]
    pub retention: Vec<f64>,
    /// Revenue in each period after acquisition, per customer of the cohort.
    #[serde(with = "crate::limits::nan_cells")]
    pub revenue_per_customer: Vec<f64>,
    /// Running total of `revenue_per_customer` over the periods.
    #[serde(with = "crate::limits::nan_cells")]
    pub cumulative_revenue_per_customer: Vec<f64>,
}

impl PartialEq for CohortTable {
    fn eq(&self, other: &Self) -> bool {
        use crate::limits::same_cells;
        self.period == other.period
            && self.cohort_start == other.cohort_start
            && self.size == other.size
            && self.periods == other.periods
            && self.observed == other.observed
            && self.active == other.active
            && same_cells(&self.retention, &other.retention)
            && same_cells(&self.revenue_per_customer, &other.revenue_per_customer)
            && same_cells(
                &self.cumulative_revenue_per_customer,
                &other.cumulative_revenue_per_customer,
            )
    }
}

/// Groups customers by the period of their first purchase and counts, for
/// each period after that, the customers who bought and the revenue.
/// Transactions after `as_of` (Unix seconds, inclusive) are ignored.
///
/// For cohorts by first touch, with activity meaning any touchpoint, pass
/// every touchpoint as a transaction (value 0 for those that are not
/// purchases): the cohort is then the period of the first touchpoint and
/// `active` counts customers with any touchpoint in a period.
///
/// # Errors
/// As [`TransactionColumns::validate`]; [`EngError::EmptyInput`] when no
/// transaction is at or before `as_of`; [`EngError::Config`] for
/// `max_periods` outside 1..=1000.
///
/// # Examples
///
/// ```
/// use engagement_core::retention::cohort::{CohortConfig, cohorts};
/// use engagement_core::transactions::TransactionColumns;
/// let jan = 1_704_067_200; // 2024-01-01
/// let day = 86_400;
/// // Customers 1 and 2 join in January; 1 buys again in February; 3 joins in February.
/// let tx = TransactionColumns {
///     customer: &[1, 2, 1, 3],
///     time: &[jan, jan + 5 * day, jan + 35 * day, jan + 40 * day],
///     value: &[10.0, 20.0, 30.0, 5.0],
/// };
/// let t = cohorts(&tx, jan + 59 * day, &CohortConfig { max_periods: 2, ..Default::default() })?;
/// assert_eq!(t.size, [2, 1]);
/// assert_eq!(t.retention[..2], [1.0, 0.5]);                 // January: all in month 0, half in month 1
/// assert_eq!(t.revenue_per_customer[..2], [15.0, 15.0]);
/// assert!(t.retention[3].is_nan());                        // February's month 1 lies after as_of
/// // By first touch: customer 4 visited in January (value 0) and bought in February.
/// let touch = TransactionColumns { customer: &[4, 4], time: &[jan, jan + 40 * day], value: &[0.0, 12.0] };
/// let t = cohorts(&touch, jan + 59 * day, &CohortConfig { max_periods: 2, ..Default::default() })?;
/// assert_eq!((t.size[0], t.active[1], t.revenue_per_customer[1]), (1, 1, 12.0));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn cohorts(
    tx: &TransactionColumns<'_>,
    as_of: impl IntoTime,
    config: &CohortConfig,
) -> Result<CohortTable> {
    let as_of = as_of.unix_seconds();
    cohort_counts(tx, as_of, config)?.finish(as_of, config)
}

/// Checks a cohort configuration alone.
pub(crate) fn check_config(config: &CohortConfig) -> Result<()> {
    ensure_config!(
        (1..=1000).contains(&config.max_periods),
        "max_periods",
        "must be in 1..=1000, got {}",
        config.max_periods
    );
    Ok(())
}

/// One cohort's counts: customers, active customers and revenue (integer
/// micro-units, so sums are exact in any order) per period after acquisition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CohortRow {
    pub(crate) size: u64,
    pub(crate) active: Vec<u64>,
    pub(crate) revenue: Vec<i64>,
}

/// The mergeable counts of a cohort table over some customers (see
/// [`crate::partial`]), by acquisition period index.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct CohortCounts {
    pub(crate) cohorts: BTreeMap<i64, CohortRow>,
}

impl CohortCounts {
    pub(crate) fn merge(&mut self, other: CohortCounts) {
        for (acquired, row) in other.cohorts {
            match self.cohorts.entry(acquired) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(row);
                }
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    let mine = e.get_mut();
                    mine.size = mine.size.saturating_add(row.size);
                    mine.active
                        .iter_mut()
                        .zip(row.active)
                        .for_each(|(a, b)| *a = a.saturating_add(b));
                    mine.revenue
                        .iter_mut()
                        .zip(row.revenue)
                        .for_each(|(a, b)| *a = a.saturating_add(b));
                }
            }
        }
    }

    /// An error unless the counts fit `config` and `as_of`.
    pub(crate) fn check(
        &self,
        as_of: i64,
        config: &CohortConfig,
    ) -> std::result::Result<(), String> {
        let width = config.max_periods as usize;
        let now = config.period.index(as_of);
        let first = config.period.index(crate::model::MIN_TIME);
        for (&acquired, row) in &self.cohorts {
            if acquired > now || acquired < first {
                return Err(format!("a cohort (period {acquired}) outside 1970..as_of"));
            }
            if row.active.len() != width || row.revenue.len() != width {
                return Err(format!("cohort rows of another width than {width}"));
            }
            if row.size == 0
                || row.active.iter().any(|&a| a > row.size)
                || row.revenue.iter().any(|&r| r < 0)
            {
                return Err("a cohort with no customers, more active customers than its size, or negative revenue".into());
            }
        }
        Ok(())
    }

    /// The table; [`EngError::EmptyInput`] when no customer was counted.
    pub(crate) fn finish(&self, as_of: i64, config: &CohortConfig) -> Result<CohortTable> {
        if self.cohorts.is_empty() {
            return Err(EngError::EmptyInput {
                what: "a cohort table".into(),
                unit: "transaction at or before as_of".into(),
            });
        }
        let period = config.period;
        let width = config.max_periods as usize;
        // Merged partials hold the cohorts of all their parts: refused before the table.
        crate::limits::check_table_cells(
            "max_periods",
            "cohorts",
            self.cohorts.keys().copied(),
            width,
        )?;
        // The last period with observed time: `as_of`'s own, unless it starts
        // exactly at `as_of`.
        let now = period.index(as_of) - i64::from(period.start(period.index(as_of)) == as_of);
        let n = self.cohorts.len();
        let mut out = CohortTable {
            period,
            cohort_start: Vec::with_capacity(n),
            size: Vec::with_capacity(n),
            periods: config.max_periods,
            observed: Vec::with_capacity(n),
            active: Vec::with_capacity(n * width),
            retention: Vec::with_capacity(n * width),
            revenue_per_customer: Vec::with_capacity(n * width),
            cumulative_revenue_per_customer: Vec::with_capacity(n * width),
        };
        for (&acquired, row) in &self.cohorts {
            let size = row.size;
            // The acquisition period always counts: it holds the first purchases.
            let observed = ((now - acquired + 1).max(1) as usize).min(width);
            out.cohort_start.push(period.start(acquired));
            out.size.push(size);
            out.observed.push(observed as u32);
            let mut running = 0.0;
            for k in 0..width {
                out.active.push(row.active[k]);
                if k < observed {
                    let per =
                        crate::model::money::from_micros(i128::from(row.revenue[k])) / size as f64;
                    running += per;
                    out.retention.push(row.active[k] as f64 / size as f64);
                    out.revenue_per_customer.push(per);
                    out.cumulative_revenue_per_customer.push(running);
                } else {
                    out.retention.push(f64::NAN);
                    out.revenue_per_customer.push(f64::NAN);
                    out.cumulative_revenue_per_customer.push(f64::NAN);
                }
            }
        }
        Ok(out)
    }
}

/// The counts of a cohort table from touchpoints: purchases (with their
/// value) as transactions, or with `any_activity` every touchpoint (the value
/// of purchases only), so that cohorts are by first touch.
pub(crate) fn cohort_counts_of_touchpoints(
    cols: &TouchpointColumns<'_>,
    as_of: i64,
    config: &CohortConfig,
    any_activity: bool,
) -> Result<CohortCounts> {
    cols.validate()?;
    let purchase = TouchpointKind::Purchase.code();
    let rows: Vec<usize> = (0..cols.len())
        .filter(|&i| any_activity || cols.kind[i] == purchase)
        .collect();
    let customer: Vec<u64> = rows.iter().map(|&i| cols.customer[i]).collect();
    let time: Vec<i64> = rows.iter().map(|&i| cols.time[i]).collect();
    let value: Vec<f64> = rows
        .iter()
        .map(|&i| match cols.value.get(i) {
            Some(&v) if cols.kind[i] == purchase => v,
            _ => 0.0,
        })
        .collect();
    let tx = TransactionColumns {
        customer: &customer,
        time: &time,
        value: &value,
    };
    cohort_counts(&tx, as_of, config)
}

/// Counts one customer's next transactions (time, value in micro-units; in
/// time order, after those before) into `out`: `track` is the customer's
/// acquisition period and the last period counted active (`None` before the
/// first transaction, which acquires them).
pub(crate) fn follow_cohort(
    period: CohortPeriod,
    width: usize,
    track: &mut Option<(i64, i64)>,
    transactions: impl IntoIterator<Item = (i64, i64)>,
    out: &mut CohortCounts,
) {
    let mut transactions = transactions.into_iter().peekable();
    let Some(&(first, _)) = transactions.peek() else {
        return;
    };
    let new = track.is_none();
    let (acquired, last_counted) = track.get_or_insert((period.index(first), -1));
    let entry = out.cohorts.entry(*acquired).or_insert_with(|| CohortRow {
        size: 0,
        active: vec![0; width],
        revenue: vec![0; width],
    });
    if new {
        entry.size += 1;
    }
    for (t, v) in transactions {
        let k = period.index(t) - *acquired;
        if k >= 0 && (k as usize) < width {
            entry.revenue[k as usize] = entry.revenue[k as usize].saturating_add(v);
            if k != *last_counted {
                entry.active[k as usize] += 1;
                *last_counted = k;
            }
        }
    }
}

/// The mergeable counts of [`cohorts`] (no transactions give empty counts).
pub(crate) fn cohort_counts(
    tx: &TransactionColumns<'_>,
    as_of: i64,
    config: &CohortConfig,
) -> Result<CohortCounts> {
    tx.validate()?;
    check_config(config)?;
    let period = config.period;
    // (customer, time, value in micro-units) of every transaction up to as_of, by customer then time.
    let mut rows: Vec<(u64, i64, i64)> = (0..tx.customer.len())
        .filter(|&i| tx.time[i] <= as_of)
        .map(|i| {
            (
                tx.customer[i],
                tx.time[i],
                crate::model::money::micros(tx.value.get(i).copied().unwrap_or(0.0)),
            )
        })
        .collect();
    rows.sort_by_key(|r| (r.0, r.1));
    let width = config.max_periods as usize;
    // Refused before any row is counted: a table of more cells than one call builds.
    crate::limits::check_table_cells(
        "max_periods",
        "cohorts",
        rows.chunk_by(|a, b| a.0 == b.0)
            .map(|customer| period.index(customer[0].1)),
        width,
    )?;
    let mut out = CohortCounts::default();
    for customer in rows.chunk_by(|a, b| a.0 == b.0) {
        let mut track = None;
        follow_cohort(
            period,
            width,
            &mut track,
            customer.iter().map(|r| (r.1, r.2)),
            &mut out,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_past_the_cell_limit_are_refused_before_counting() {
        // 2001 daily cohorts × 1000 periods is past 2·10⁶ cells.
        let customer: Vec<u64> = (1..=2001).collect();
        let time: Vec<i64> = (0..2001).map(|d| 1_600_000_000 + d * DAY).collect();
        let value = vec![1.0; 2001];
        let tx = TransactionColumns {
            customer: &customer,
            time: &time,
            value: &value,
        };
        let daily = |max_periods| CohortConfig {
            period: CohortPeriod::Day,
            max_periods,
        };
        let e = cohort_counts(&tx, 1_800_000_000, &daily(1000)).unwrap_err();
        assert_eq!(e.kind(), "config");
        assert!(e.to_string().contains("max_periods"), "{e}");
        assert!(cohort_counts(&tx, 1_800_000_000, &daily(999)).is_ok());
        // Many customers in few cohorts fit.
        let few: Vec<i64> = (0..2001).map(|d| 1_600_000_000 + d * 60).collect();
        let tx = TransactionColumns { time: &few, ..tx };
        assert!(cohort_counts(&tx, 1_800_000_000, &daily(1000)).is_ok());
    }

    #[test]
    fn a_period_starting_at_as_of_is_not_observed() {
        let jan = 1_704_067_200; // 2024-01-01
        let mar = jan + 60 * DAY; // 2024-03-01, a period start
        let tx = TransactionColumns {
            customer: &[1, 2, 1],
            time: &[jan, jan, jan + 40 * DAY],
            value: &[1.0, 1.0, 1.0],
        };
        let config = CohortConfig {
            max_periods: 4,
            ..Default::default()
        };
        // as_of at March's first second: January and February are observed,
        // March has no observed time and is not a retention of 0.
        let t = cohorts(&tx, mar, &config).unwrap();
        assert_eq!(t.observed, [2]);
        assert_eq!(t.retention[..2], [1.0, 0.5]);
        assert!(t.retention[2].is_nan());
        // One second later March is observed (nobody bought: 0).
        let t = cohorts(&tx, mar + 1, &config).unwrap();
        assert_eq!((t.observed[0], t.retention[2]), (3, 0.0));
        // A cohort acquired exactly at as_of still shows its acquisition period.
        let late = TransactionColumns {
            customer: &[3],
            time: &[mar],
            value: &[1.0],
        };
        let t = cohorts(&late, mar, &config).unwrap();
        assert_eq!((t.observed[0], t.retention[0]), (1, 1.0));
    }

    #[test]
    fn months_round_trip_over_four_centuries_and_leap_days() {
        for days in (-200_000i64..200_000).step_by(37) {
            let (y, m) = year_month(days);
            let start = first_day(y, m);
            assert!(
                start <= days && days - start < 31,
                "{days}: {y}-{m} starts {start}"
            );
            let idx = CohortPeriod::Month.index(days * DAY);
            assert_eq!(CohortPeriod::Month.start(idx), start * DAY);
        }
        // 2000-02-29 exists; 1900-02-29 does not (1900-03-01 is day −25508).
        assert_eq!(year_month(11_016), (2000, 2));
        assert_eq!(year_month(-25_508), (1900, 3));
        for p in [CohortPeriod::Day, CohortPeriod::Week] {
            for t in [-1_000_000i64, 0, 1_709_208_000] {
                assert!(p.start(p.index(t)) <= t && t < p.start(p.index(t) + 1));
            }
        }
    }

    #[test]
    fn bad_input_is_typed() {
        let tx = TransactionColumns {
            customer: &[1],
            time: &[100],
            value: &[1.0],
        };
        assert!(cohorts(&tx, 50, &CohortConfig::default()).is_err());
        let zero = CohortConfig {
            max_periods: 0,
            ..Default::default()
        };
        assert!(cohorts(&tx, 200, &zero).is_err());
        let nan = TransactionColumns {
            customer: &[1],
            time: &[100],
            value: &[f64::NAN],
        };
        assert!(cohorts(&nan, 200, &CohortConfig::default()).is_err());
    }
}
