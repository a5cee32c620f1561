//! Churn and retention rates over a period, from counts (from a stage
//! history: `StageHistory::churn_between` in `journey::history`).

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
