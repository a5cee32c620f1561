//! Churn and retention rates over a period.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::journey::StageHistory;
use crate::model::JourneyStage;
use crate::score::proportion::Proportion;

/// Churn and retention over one period.
///
/// # Examples
///
/// ```
/// use engagement_core::retention_rate;
/// let c = retention_rate(100, 100, 0, 0.95)?;
/// assert_eq!((c.lost, c.churn.rate, c.retention), (0, 0.0, 1.0));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChurnSummary {
    /// Customers at the start of the period (`S`).
    pub at_start: u64,
    /// Of those, customers lost during the period.
    pub lost: u64,
    /// Customers acquired during the period (`N`).
    pub new: u64,
    /// Customers at the end of the period (`E = S − lost + N`).
    pub at_end: u64,
    /// `lost / S`, with a Wilson interval.
    pub churn: Proportion,
    /// Retention rate `(E − N) / S = 1 − churn`.
    pub retention: f64,
}

/// Churn and retention from the three counts CRM teams keep.
///
/// # Formula
///
/// The customer retention rate as used in CRM practice (e.g. Gupta & Lehmann
/// (2005), *Managing Customers as Investments*, ch. 2):
///
/// ```text
/// retention = (E − N) / S        churn = 1 − retention = (S − (E − N)) / S
/// ```
///
/// with `S` customers at the start, `E` at the end, `N` acquired during the
/// period. The churn share gets a Wilson interval ([`Proportion::wilson`]).
///
/// # Errors
/// - [`EngError::EmptyInput`] when `at_start == 0`;
/// - [`EngError::InvalidInput`] when the counts are inconsistent (`E − N` outside `0..=S`);
/// - [`EngError::Config`] for a bad level.
///
/// # Examples
///
/// ```
/// use engagement_core::retention_rate;
/// let r = retention_rate(200, 190, 30, 0.95)?;   // S = 200, E = 190, N = 30
/// assert_eq!(r.retention, 0.8);                   // (190 − 30)/200
/// assert_eq!(r.lost, 40);
/// assert!((r.churn.rate - 0.2).abs() < 1e-12);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn retention_rate(at_start: u64, at_end: u64, new: u64, level: f64) -> Result<ChurnSummary> {
    if at_start == 0 {
        return Err(EngError::EmptyInput {
            what: "a retention rate".into(),
            unit: "customer at the start of the period".into(),
        });
    }
    let kept = at_end.checked_sub(new).filter(|k| *k <= at_start).ok_or_else(|| {
        EngError::invalid(
            "at_end",
            at_end,
            format!("end count minus new customers ({new}) must lie between 0 and the start count ({at_start})"),
        )
    })?;
    let lost = at_start - kept;
    let churn = Proportion::wilson(lost, at_start, level)?;
    Ok(ChurnSummary {
        at_start,
        lost,
        new,
        at_end,
        churn,
        retention: kept as f64 / at_start as f64,
    })
}

impl StageHistory {
    /// Churn over `[start, end)` from stage histories.
    ///
    /// `S` = customers who have bought and are not churned at `start`
    /// (new customer, repeat, loyal, advocate or at risk); `lost` = those of
    /// them churned at `end`; `N` = customers who are buyers at `end` but were
    /// not at `start` (first purchase in the period, or back from churn).
    ///
    /// # Errors
    /// As [`retention_rate`]; [`EngError::InvalidInput`] when `end <= start`,
    /// or when the history does not reach `end − 1` (time-driven churn after
    /// its `until` would be missed).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{StageConfig, StageRules, TouchpointColumns};
    /// let day = 86_400;
    /// let h = StageRules::new(StageConfig::default())?.history(&TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[4, 4], ..Default::default() }, 400 * day)?;
    /// // Both bought on day 0 and churned after day 180.
    /// let c = h.churn_between(100 * day, 200 * day, 0.95)?;
    /// assert_eq!((c.at_start, c.lost, c.retention), (2, 2, 0.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn churn_between(&self, start: i64, end: i64, level: f64) -> Result<ChurnSummary> {
        if end <= start {
            return Err(EngError::invalid(
                "end",
                end,
                format!("period end must be after its start ({start})"),
            ));
        }
        if end.saturating_sub(1) > self.until {
            return Err(EngError::invalid(
                "end",
                end,
                format!(
                    "the history was replayed only until {}; replay it until at least end − 1",
                    self.until
                ),
            ));
        }
        let is_buyer = |s: JourneyStage| {
            !matches!(
                s,
                JourneyStage::Prospect | JourneyStage::Engaged | JourneyStage::Churned
            )
        };
        let before = self.stages_at(start.saturating_sub(1));
        let after = self.stages_at(end.saturating_sub(1));
        let mut at_start = 0;
        let mut new = 0;
        let mut at_end = 0;
        let mut b = before.iter().peekable();
        for &(customer, s_end) in &after {
            let s_start = match b.peek() {
                Some(&&(c, s)) if c == customer => {
                    b.next();
                    Some(s)
                }
                _ => None,
            };
            let was = s_start.is_some_and(is_buyer);
            let is = is_buyer(s_end);
            if was {
                at_start += 1;
            }
            if is {
                at_end += 1;
                if !was {
                    new += 1;
                }
            }
        }
        retention_rate(at_start, at_end, new, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::{StageConfig, StageRules};
    use crate::model::TouchpointColumns;

    const DAY: i64 = 86_400;

    #[test]
    fn counts_are_checked() {
        assert!(matches!(
            retention_rate(0, 5, 5, 0.95),
            Err(EngError::EmptyInput { .. })
        ));
        assert!(matches!(
            retention_rate(10, 5, 6, 0.95),
            Err(EngError::InvalidInput { .. })
        ));
        assert!(matches!(
            retention_rate(10, 25, 5, 0.95),
            Err(EngError::InvalidInput { .. })
        ));
        let r = retention_rate(10, 10, 0, 0.95).unwrap();
        assert_eq!((r.lost, r.retention), (0, 1.0));
    }

    #[test]
    fn churn_from_history() {
        let rules = StageRules::new(StageConfig::default()).unwrap();
        // 1: buys at day 0, silent → churned at day 180+.
        // 2: buys at day 0 and day 150 → still a customer at day 200.
        // 3: buys first at day 190 → new in the period.
        // 4: only clicks → never counted.
        let cols = TouchpointColumns {
            customer: &[1, 2, 2, 3, 4],
            time: &[0, 0, 150 * DAY, 190 * DAY, 10 * DAY],
            channel: &[0; 5],
            kind: &[4, 4, 4, 4, 2],
            ..Default::default()
        };
        let h = rules.history(&cols, 400 * DAY).unwrap();
        let c = h.churn_between(100 * DAY, 200 * DAY, 0.95).unwrap();
        assert_eq!((c.at_start, c.lost, c.new, c.at_end), (2, 1, 1, 2));
        assert_eq!(c.retention, 0.5);
        assert!(h.churn_between(5, 5, 0.95).is_err());
    }
}
