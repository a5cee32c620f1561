//! Transaction summaries in the convention of the customer-lifetime-value
//! literature: frequency, recency, T and monetary value per customer.
//!
//! The convention is that of Fader, Hardie & Lee (2005), "Counting Your
//! Customers the Easy Way", Marketing Science 24(2), and of the `lifetimes`
//! package's `summary_data_from_transaction_data`:
//!
//! - time is cut into **periods** (days by default); several purchases in one
//!   period count as one purchase whose value is their sum;
//! - the period of the first purchase is the customer's "birth";
//! - `frequency` = number of purchase periods after the first;
//! - `recency` = last purchase period − first purchase period;
//! - `T` = the period containing the observation end − first purchase period;
//! - `monetary_value` = mean value of the repeat purchase periods (the first
//!   excluded); 0 when `frequency` is 0;
//!
//! with `recency` and `T` expressed in a reporting **unit** (weeks in the
//! CDNOW papers: periods of a day, `unit = week`, so 10 days is 1.43).
//!
//! Transactions after the observation end are ignored.

use crate::model::time::IntoTime;
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::model::money::{from_micros, micros};
use crate::model::touchpoint::{check_money, check_time};
use crate::model::{MAX_MONEY, MAX_TIME, MIN_TIME};

const DAY: i64 = 86_400;

/// A length of time used to group purchases or to report durations.
///
/// Days and weeks are aligned to UTC midnight; weeks start on Monday
/// (ISO 8601), so 1970-01-05 opens the first whole week after the epoch.
///
/// # Examples
///
/// ```
/// use engagement_core::transactions::Period;
/// assert_eq!(Period::Week.seconds(), 604_800);
/// assert_eq!(serde_json::to_string(&Period::Day)?, "\"day\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// One second (`"seconds"` read too).
    #[serde(alias = "seconds")]
    Second,
    /// One hour (`"hours"` read too).
    #[serde(alias = "hours")]
    Hour,
    /// One UTC day (`"days"` read too).
    #[serde(alias = "days")]
    Day,
    /// One ISO week, Monday to Sunday, UTC (`"weeks"` read too).
    #[serde(alias = "weeks")]
    Week,
}

impl Period {
    /// Length in seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::transactions::Period;
    /// assert_eq!(Period::Hour.seconds(), 3_600);
    /// ```
    pub fn seconds(self) -> i64 {
        match self {
            Period::Second => 1,
            Period::Hour => 3_600,
            Period::Day => DAY,
            Period::Week => 7 * DAY,
        }
    }

    /// The name of the period (its JSON form): `second`, `hour`, `day`, `week`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::transactions::Period;
    /// assert_eq!(Period::Week.label(), "week");
    /// assert_eq!("day".parse::<Period>()?, Period::Day);
    /// assert_eq!("weeks".parse::<Period>()?, Period::Week);
    /// assert!("fortnight".parse::<Period>().is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Period::Second => "second",
            Period::Hour => "hour",
            Period::Day => "day",
            Period::Week => "week",
        }
    }

    /// Every period, shortest first.
    pub const ALL: [Period; 4] = [Period::Second, Period::Hour, Period::Day, Period::Week];

    /// Index of the period containing `t` (Unix seconds).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::transactions::Period;
    /// // 1970-01-05 (day 4) was a Monday: the second week starts there.
    /// assert_eq!(Period::Week.index(4 * 86_400 - 1), 0);
    /// assert_eq!(Period::Week.index(4 * 86_400), 1);
    /// assert_eq!(Period::Day.index(86_400 + 5), 1);
    /// ```
    pub fn index(self, t: i64) -> i64 {
        // 1970-01-01 was a Thursday; shifting by 3 days puts Mondays on multiples of 7 days.
        let origin = if self == Period::Week { -3 * DAY } else { 0 };
        (t - origin).div_euclid(self.seconds())
    }
}

impl std::str::FromStr for Period {
    type Err = EngError;

    /// Reads a label of [`Period::label`], or its plural (`"weeks"`).
    ///
    /// # Errors
    /// [`EngError::UnknownLabel`] naming `unit`.
    fn from_str(s: &str) -> Result<Self> {
        let singular = s.strip_suffix('s').unwrap_or(s);
        Period::ALL
            .into_iter()
            .find(|p| p.label() == s || p.label() == singular)
            .ok_or_else(|| EngError::unknown_label("unit", s, Period::ALL.map(Period::label)))
    }
}

/// How transactions are summarised.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | `period` | `day` | purchases in one period count once |
/// | `unit` | `day` | unit of `recency`, `T` and the holdout duration |
///
/// # Examples
///
/// ```
/// use engagement_core::transactions::{Period, SummaryConfig};
/// // The CDNOW papers: daily purchases, durations in weeks.
/// let cdnow: SummaryConfig = serde_json::from_str(r#"{"period": "day", "unit": "week"}"#)?;
/// assert_eq!(cdnow.unit, Period::Week);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SummaryConfig {
    /// Purchases within one period count as one.
    pub period: Period,
    /// Unit of the reported durations.
    pub unit: Period,
}

impl Default for SummaryConfig {
    fn default() -> Self {
        SummaryConfig {
            period: Period::Day,
            unit: Period::Day,
        }
    }
}

impl SummaryConfig {
    /// Checks every setting: every combination of periods is valid, so this
    /// never fails; it is here so that every configuration has one.
    ///
    /// # Errors
    /// None.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::transactions::SummaryConfig;
    /// assert!(SummaryConfig::default().validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// A duration of `periods` periods in reporting units.
    fn in_units(&self, periods: i64) -> f64 {
        periods as f64 * self.period.seconds() as f64 / self.unit.seconds() as f64
    }
}

/// Transactions as borrowed columns. `value` may be empty (no money: every
/// monetary value is then 0).
///
/// # Examples
///
/// ```
/// use engagement_core::transactions::TransactionColumns;
/// let cols = TransactionColumns { customer: &[1, 2], time: &[0, 60], value: &[9.5, 3.0] };
/// assert_eq!(cols.validate()?, 2);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TransactionColumns<'a> {
    /// Customer id per transaction.
    pub customer: &'a [u64],
    /// Time per transaction, Unix seconds.
    pub time: &'a [i64],
    /// Money per transaction (≥ 0), or empty.
    pub value: &'a [f64],
}

impl TransactionColumns<'_> {
    /// Checks lengths and values; returns the number of rows.
    ///
    /// # Errors
    /// [`EngError::LengthMismatch`]; [`EngError::InvalidInput`] with the row for
    /// a time out of range or a NaN, infinite, negative or absurd value.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::transactions::TransactionColumns;
    /// let bad = TransactionColumns { customer: &[1, 2], time: &[0, 60], value: &[9.5, f64::NAN] };
    /// assert!(bad.validate().unwrap_err().to_string().contains("row 1"));
    /// ```
    pub fn validate(&self) -> Result<usize> {
        let n = self.customer.len();
        crate::limits::check_rows("transactions", n)?;
        if self.time.len() != n {
            return Err(EngError::LengthMismatch {
                field: "time".into(),
                expected: n,
                found: self.time.len(),
            });
        }
        if !self.value.is_empty() && self.value.len() != n {
            return Err(EngError::LengthMismatch {
                field: "value".into(),
                expected: n,
                found: self.value.len(),
            });
        }
        // A column-wise pass first (vectorizable); the row-wise pass that names
        // the first bad row runs only when something is wrong.
        let times_ok = self.time.iter().all(|t| (MIN_TIME..=MAX_TIME).contains(t));
        let values_ok = self.value.iter().all(|v| (0.0..=MAX_MONEY).contains(v));
        if !times_ok {
            for (i, &t) in self.time.iter().enumerate() {
                check_time("time", t).map_err(|e| e.at_row(i))?;
            }
        }
        if !values_ok {
            for (i, &v) in self.value.iter().enumerate() {
                check_money("value", v).map_err(|e| e.at_row(i))?;
            }
        }
        Ok(n)
    }
}

/// Per-customer summary columns, in ascending customer id.
///
/// # Examples
///
/// ```
/// use engagement_core::transactions::{summarize, SummaryConfig, TransactionColumns};
/// let s = summarize(&TransactionColumns { customer: &[5], time: &[0], value: &[] }, 86_400, &SummaryConfig::default())?;
/// assert_eq!((s.len(), s.frequency[0], s.t[0]), (1, 0.0, 1.0));
/// assert_eq!(s.unit, engagement_core::transactions::Period::Day); // T is in days
/// assert!(!s.is_empty());
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionSummary {
    /// Unit of `recency` and `T` (the configuration's `unit`), so that a
    /// model fitted on the summary can record it.
    pub unit: Period,
    /// Customer id.
    pub customer: Vec<u64>,
    /// Repeat purchase periods: whole numbers, as `f64` because every
    /// model takes them so (the column goes into a fit or a prediction as it is).
    pub frequency: Vec<f64>,
    /// First to last purchase period, in units.
    pub recency: Vec<f64>,
    /// First purchase period to the observation end, in units (`T` in the papers).
    #[serde(rename = "T")]
    pub t: Vec<f64>,
    /// Mean value of the repeat purchase periods (0 without repeats).
    pub monetary_value: Vec<f64>,
}

impl Default for TransactionSummary {
    fn default() -> Self {
        TransactionSummary {
            unit: SummaryConfig::default().unit,
            customer: Vec::new(),
            frequency: Vec::new(),
            recency: Vec::new(),
            t: Vec::new(),
            monetary_value: Vec::new(),
        }
    }
}

impl TransactionSummary {
    /// Number of customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::transactions::TransactionSummary;
    /// assert_eq!(TransactionSummary::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.customer.len()
    }
    /// True when empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::transactions::TransactionSummary;
    /// assert!(TransactionSummary::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// The summary as the columns lifetime-value models take, for a
    /// prediction per customer (a fit takes the summary itself, through
    /// [`ClvModel::fit_summary`](crate::clv::ClvModel::fit_summary), which
    /// also checks the time unit).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, ClvModelKind, FitOptions};
    /// use engagement_core::transactions::{summarize, SummaryConfig, TransactionColumns};
    /// let day = 86_400;
    /// let tx = TransactionColumns {
    ///     customer: &[1, 1, 1, 2, 2, 3, 4, 4],
    ///     time: &[0, 3 * day, 9 * day, day, 4 * day, 2 * day, 0, 8 * day],
    ///     value: &[10.0, 12.0, 9.0, 20.0, 25.0, 5.0, 7.0, 8.0],
    /// };
    /// let summary = summarize(&tx, 10 * day, &SummaryConfig::default())?;
    /// let bg = ClvModel::fit_summary(ClvModelKind::BgNbd, &summary, &FitOptions::default())?;
    /// let alive = bg.model.p_alive(&summary.columns())?;
    /// assert_eq!(alive.len(), summary.len());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn columns(&self) -> crate::clv::ClvColumns<'_> {
        crate::clv::ClvColumns {
            frequency: &self.frequency,
            recency: Some(&self.recency),
            t: Some(&self.t),
            monetary_value: Some(&self.monetary_value),
            weights: None,
        }
    }
}

/// Transactions as owned columns: what [`TransactionTable::purchases`]
/// takes out of touchpoints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactionTable {
    /// Customer id per transaction.
    pub customer: Vec<u64>,
    /// Time per transaction, Unix seconds.
    pub time: Vec<i64>,
    /// Money per transaction (0 where the touchpoints carry no value).
    pub value: Vec<f64>,
}

impl TransactionTable {
    /// The purchases among touchpoints (kind `purchase`), in their order,
    /// with their value (0 without a value column). Refunds are not taken
    /// off: lifetime-value models read what was bought; subtract refunds
    /// (kind `refund`) yourself where net revenue is meant.
    ///
    /// # Errors
    /// As [`TouchpointColumns::validate`](crate::TouchpointColumns::validate).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
    /// use engagement_core::transactions::TransactionTable;
    /// let cols = TouchpointColumns {
    ///     customer: &[1, 1, 2],
    ///     time: &[0, 60, 90],
    ///     channel: Channel::codes(&[Channel::Web; 3]),
    ///     kind: K::codes(&[K::Visit, K::Purchase, K::Purchase]),
    ///     value: &[0.0, 25.0, 10.0],
    ///     ..Default::default()
    /// };
    /// let tx = TransactionTable::purchases(&cols)?;
    /// assert_eq!((tx.customer.as_slice(), tx.value.as_slice()), (&[1, 2][..], &[25.0, 10.0][..]));
    /// assert_eq!(tx.columns().validate()?, 2);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn purchases(cols: &crate::TouchpointColumns<'_>) -> Result<Self> {
        cols.validate()?;
        let purchase = u8::from(crate::TouchpointKind::Purchase);
        let mut out = TransactionTable::default();
        for (i, _) in cols
            .kind
            .iter()
            .enumerate()
            .filter(|(_, k)| **k == purchase)
        {
            out.customer.push(cols.customer[i]);
            out.time.push(cols.time[i]);
            out.value.push(cols.value.get(i).copied().unwrap_or(0.0));
        }
        Ok(out)
    }

    /// The columns, borrowed.
    pub fn columns(&self) -> TransactionColumns<'_> {
        TransactionColumns {
            customer: &self.customer,
            time: &self.time,
            value: &self.value,
        }
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True without transactions.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

/// A calibration summary with what each customer did in the holdout period.
///
/// # Examples
///
/// ```
/// use engagement_core::transactions::{calibration_and_holdout, SummaryConfig, TransactionColumns};
/// let day = 86_400;
/// let split = calibration_and_holdout(&TransactionColumns { customer: &[1, 1], time: &[0, 5 * day], value: &[] },
///     2 * day, 7 * day, &SummaryConfig::default())?;
/// assert_eq!((split.calibration.frequency[0], split.frequency_holdout[0], split.duration_holdout), (0.0, 1.0, 5.0));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CalibrationHoldout {
    /// The summary at the calibration end (customers born by then).
    pub calibration: TransactionSummary,
    /// Purchase periods in the holdout period, per customer (whole numbers, as `f64`).
    pub frequency_holdout: Vec<f64>,
    /// Mean value of the holdout purchase periods (0 without any).
    pub monetary_value_holdout: Vec<f64>,
    /// Length of the holdout period in units (the same for everyone).
    pub duration_holdout: f64,
}

/// One customer's purchase periods: `(period index, value in micro-units)`, sorted.
fn customer_periods(
    rows: &[usize],
    cols: &TransactionColumns<'_>,
    period: Period,
    out: &mut Vec<(i64, i64)>,
) {
    out.clear();
    for &i in rows {
        let p = period.index(cols.time[i]);
        let micros = cols.value.get(i).map_or(0, |&v| micros(v));
        match out.last_mut() {
            Some(last) if last.0 == p => last.1 = last.1.saturating_add(micros),
            _ => out.push((p, micros)),
        }
    }
}

fn mean_micros(periods: &[(i64, i64)]) -> f64 {
    if periods.is_empty() {
        return 0.0;
    }
    let total: i128 = periods.iter().map(|p| i128::from(p.1)).sum();
    from_micros(total) / periods.len() as f64
}

/// Rows at or before `end`, grouped by customer and sorted by time.
fn grouped(cols: &TransactionColumns<'_>, end: i64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..cols.customer.len())
        .filter(|&i| cols.time[i] <= end)
        .collect();
    rows.sort_unstable_by_key(|&i| (cols.customer[i], cols.time[i]));
    rows
}

/// Calls `f(customer, rows)` for each customer's run of `rows`.
fn for_each_customer(
    cols: &TransactionColumns<'_>,
    rows: &[usize],
    mut f: impl FnMut(u64, &[usize]),
) {
    let mut start = 0;
    while start < rows.len() {
        let c = cols.customer[rows[start]];
        let mut end = start + 1;
        while end < rows.len() && cols.customer[rows[end]] == c {
            end += 1;
        }
        f(c, &rows[start..end]);
        start = end;
    }
}

/// Summarises transactions up to `observation_end` (Unix seconds, inclusive).
///
/// # Errors
/// - as [`TransactionColumns::validate`];
/// - [`EngError::EmptyInput`] when no transaction is at or before `observation_end`.
///
/// # Examples
///
/// ```
/// use engagement_core::transactions::{summarize, SummaryConfig, TransactionColumns};
/// let day = 86_400;
/// // Customer 1 buys on days 0, 0 (same day), 3 and 10; the observation ends on day 14.
/// let s = summarize(&TransactionColumns {
///     customer: &[1, 1, 1, 1],
///     time: &[0, 3600, 3 * day, 10 * day],
///     value: &[5.0, 5.0, 20.0, 30.0],
/// }, 14 * day, &SummaryConfig::default())?;
/// assert_eq!(s.frequency, [2.0]);          // days 3 and 10
/// assert_eq!(s.recency, [10.0]);
/// assert_eq!(s.t, [14.0]);
/// assert_eq!(s.monetary_value, [25.0]);  // mean of 20 and 30; day 0 excluded
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn summarize(
    cols: &TransactionColumns<'_>,
    observation_end: impl IntoTime,
    config: &SummaryConfig,
) -> Result<TransactionSummary> {
    let observation_end = observation_end.unix_seconds();
    cols.validate()?;
    check_time("observation_end", observation_end)?;
    let rows = grouped(cols, observation_end);
    if rows.is_empty() {
        return Err(EngError::EmptyInput {
            what: "a transaction summary".into(),
            unit: "transaction at or before the observation end".into(),
        });
    }
    let end_period = config.period.index(observation_end);
    let mut out = TransactionSummary {
        unit: config.unit,
        ..TransactionSummary::default()
    };
    let mut periods = Vec::new();
    for_each_customer(cols, &rows, |c, rows| {
        customer_periods(rows, cols, config.period, &mut periods);
        // `rows` is non-empty, so `periods` is too.
        let first = periods[0].0;
        let last = periods[periods.len() - 1].0;
        out.customer.push(c);
        out.frequency.push((periods.len() - 1) as f64);
        out.recency.push(config.in_units(last - first));
        out.t.push(config.in_units(end_period - first));
        out.monetary_value.push(mean_micros(&periods[1..]));
    });
    Ok(out)
}

/// Splits transactions at `calibration_end`: the summary of the calibration
/// period (customers whose first purchase is at or before it) and, for the
/// same customers, their purchase periods and mean period value in
/// (`calibration_end`, `observation_end`].
///
/// # Errors
/// - as [`summarize`];
/// - [`EngError::Config`] unless `calibration_end < observation_end`.
///
/// # Examples
///
/// ```
/// use engagement_core::transactions::{calibration_and_holdout, SummaryConfig, TransactionColumns};
/// let day = 86_400;
/// let split = calibration_and_holdout(&TransactionColumns {
///     customer: &[1, 1, 1, 2],
///     time: &[0, 2 * day, 12 * day, 11 * day],   // customer 2 is born in the holdout
///     value: &[10.0, 10.0, 40.0, 5.0],
/// }, 9 * day, 19 * day, &SummaryConfig::default())?;
/// assert_eq!(split.calibration.customer, [1]);
/// assert_eq!(split.calibration.frequency, [1.0]);
/// assert_eq!(split.frequency_holdout, [1.0]);
/// assert_eq!(split.monetary_value_holdout, [40.0]);
/// assert_eq!(split.duration_holdout, 10.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn calibration_and_holdout(
    cols: &TransactionColumns<'_>,
    calibration_end: impl IntoTime,
    observation_end: impl IntoTime,
    config: &SummaryConfig,
) -> Result<CalibrationHoldout> {
    let calibration_end = calibration_end.unix_seconds();
    let observation_end = observation_end.unix_seconds();
    ensure_config!(
        calibration_end < observation_end,
        "calibration_end",
        "must be before the observation end ({observation_end}), got {calibration_end}"
    );
    check_time("calibration_end", calibration_end)?;
    check_time("observation_end", observation_end)?;
    let calibration = summarize(cols, calibration_end, config)?;
    let rows = grouped(cols, observation_end);
    let cal_period = config.period.index(calibration_end);
    let mut frequency_holdout = Vec::with_capacity(calibration.len());
    let mut monetary_value_holdout = Vec::with_capacity(calibration.len());
    let mut periods = Vec::new();
    let mut next = 0; // index into calibration.customer (both ascending)
    for_each_customer(cols, &rows, |c, rows| {
        if calibration.customer.get(next) != Some(&c) {
            return; // born after the calibration end
        }
        next += 1;
        customer_periods(rows, cols, config.period, &mut periods);
        let holdout: Vec<(i64, i64)> = periods
            .iter()
            .copied()
            .filter(|p| p.0 > cal_period)
            .collect();
        frequency_holdout.push(holdout.len() as f64);
        monetary_value_holdout.push(mean_micros(&holdout));
    });
    Ok(CalibrationHoldout {
        duration_holdout: config.in_units(config.period.index(observation_end) - cal_period),
        calibration,
        frequency_holdout,
        monetary_value_holdout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 1970-01-05 (4 days after the epoch) was a Monday.
        assert_eq!(Period::Week.index(4 * DAY - 1), Period::Week.index(0));
        assert_eq!(Period::Week.index(4 * DAY), Period::Week.index(0) + 1);
        assert_eq!(Period::Day.index(-1), -1);
    }

    #[test]
    fn errors() {
        let bad = TransactionColumns {
            customer: &[1],
            time: &[1],
            value: &[-1.0],
        };
        assert!(matches!(
            summarize(&bad, 5, &SummaryConfig::default()),
            Err(EngError::InvalidInput { index: Some(0), .. })
        ));
        let bad = TransactionColumns {
            customer: &[1, 2],
            time: &[1],
            value: &[],
        };
        assert!(matches!(
            summarize(&bad, 5, &SummaryConfig::default()),
            Err(EngError::LengthMismatch { .. })
        ));
        let late = TransactionColumns {
            customer: &[1],
            time: &[10],
            value: &[],
        };
        assert!(matches!(
            summarize(&late, 5, &SummaryConfig::default()),
            Err(EngError::EmptyInput { .. })
        ));
        assert!(matches!(
            calibration_and_holdout(&late, 20, 20, &SummaryConfig::default()),
            Err(EngError::Config { .. })
        ));
        let weekly = SummaryConfig {
            period: Period::Week,
            unit: Period::Week,
        };
        assert!(matches!(
            summarize(&late, i64::MAX, &weekly),
            Err(EngError::InvalidInput { .. })
        ));
    }

    #[test]
    fn no_value_column_means_zero_money() {
        let cols = TransactionColumns {
            customer: &[3, 3],
            time: &[0, DAY],
            value: &[],
        };
        let s = summarize(&cols, 2 * DAY, &SummaryConfig::default()).unwrap();
        assert_eq!((s.frequency[0], s.monetary_value[0]), (1.0, 0.0));
    }
}
