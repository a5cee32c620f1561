//! Probabilistic customer lifetime value: BG/NBD, Pareto/NBD and Gamma-Gamma.
//!
//! Models are fitted by maximum likelihood to the per-customer summary of the
//! CLV literature (`x` repeat purchases, recency `t_x`, age `T`; see
//! [`crate::transactions`]). Distinct `(x, t_x, T)` rows are fitted once with
//! their multiplicity as a weight, so a million customers cost what their
//! distinct rows cost. Parameters are optimized on the log scale with
//! Nelder–Mead (the `argmin` crate).

pub mod bg_nbd;
pub mod fit;
pub mod gamma_gamma;
pub mod pareto_nbd;
pub mod special;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};

/// A fitted model as data: the serde form names the model and its
/// parameters, so a model fitted in one language loads in another.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::{ClvModel, bg_nbd::BgNbdParams};
/// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
/// let json = serde_json::to_string(&m)?;
/// assert_eq!(json, r#"{"model":"bg_nbd","r":0.243,"alpha":4.414,"a":0.793,"b":2.426}"#);
/// assert_eq!(serde_json::from_str::<ClvModel>(&json)?, m);
/// assert!(serde_json::from_str::<ClvModel>(r#"{"model":"bg_nbd","r":1}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ClvModel {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    BgNbd(bg_nbd::BgNbdParams),
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    ParetoNbd(pareto_nbd::ParetoNbdParams),
    /// Gamma-Gamma spend model (Fader & Hardie 2013).
    GammaGamma(gamma_gamma::GammaGammaParams),
}

/// Distinct `(x, t_x, T)` rows with their counts: the input of the
/// purchase-count models.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::RepeatSummary;
/// let s = RepeatSummary::from_columns(&[0.0, 2.0, 0.0], &[0.0, 5.0, 0.0], &[10.0, 10.0, 10.0])?;
/// assert_eq!(s.len(), 2);           // (0, 0, 10) twice, (2, 5, 10) once
/// assert_eq!(s.customers(), 3.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepeatSummary {
    /// Repeat purchases.
    pub x: Vec<f64>,
    /// Time of the last purchase since the first.
    pub t_x: Vec<f64>,
    /// Time since the first purchase.
    pub t: Vec<f64>,
    /// Number of customers with this row.
    pub weight: Vec<f64>,
}

impl RepeatSummary {
    /// Groups per-customer columns into distinct rows.
    ///
    /// # Errors
    /// [`EngError::LengthMismatch`]; [`EngError::InvalidInput`] (with the row)
    /// unless `x` is a whole number ≥ 0, `0 ≤ t_x ≤ T`, `T > 0`, and
    /// `t_x = 0` when `x = 0`; [`EngError::EmptyInput`] for no rows.
    pub fn from_columns(frequency: &[f64], recency: &[f64], t: &[f64]) -> Result<Self> {
        let n = frequency.len();
        for (field, len) in [("recency", recency.len()), ("T", t.len())] {
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
                what: "a model fit".into(),
                unit: "customer".into(),
            });
        }
        let mut rows: Vec<(u64, u64, u64)> = Vec::with_capacity(n);
        for i in 0..n {
            let (x, tx, big_t) = (frequency[i], recency[i], t[i]);
            let bad = |field: &str, v: f64, why: &str| EngError::invalid(field, v, why).at_row(i);
            if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0) {
                return Err(bad("frequency", x, "must be a whole number >= 0"));
            }
            if !(big_t.is_finite() && big_t > 0.0) {
                return Err(bad("T", big_t, "must be finite and > 0"));
            }
            if !(tx.is_finite() && (0.0..=big_t).contains(&tx)) {
                return Err(bad("recency", tx, "must lie in 0..=T"));
            }
            if x == 0.0 && tx != 0.0 {
                return Err(bad("recency", tx, "must be 0 when frequency is 0"));
            }
            rows.push((x.to_bits(), tx.to_bits(), big_t.to_bits()));
        }
        rows.sort_unstable();
        let mut out = RepeatSummary::default();
        for r in rows {
            let row = (
                f64::from_bits(r.0),
                f64::from_bits(r.1),
                f64::from_bits(r.2),
            );
            match (out.x.last(), out.t_x.last(), out.t.last()) {
                (Some(&x), Some(&tx), Some(&tt)) if (x, tx, tt) == row => {
                    if let Some(w) = out.weight.last_mut() {
                        *w += 1.0;
                    }
                }
                _ => {
                    out.x.push(row.0);
                    out.t_x.push(row.1);
                    out.t.push(row.2);
                    out.weight.push(1.0);
                }
            }
        }
        Ok(out)
    }

    /// Number of distinct rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::RepeatSummary;
    /// assert_eq!(RepeatSummary::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when there are no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::RepeatSummary;
    /// assert!(RepeatSummary::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Number of customers (the sum of the weights).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::RepeatSummary;
    /// let s = RepeatSummary::from_columns(&[1.0, 1.0], &[2.0, 2.0], &[4.0, 4.0])?;
    /// assert_eq!((s.len(), s.customers()), (1, 2.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn customers(&self) -> f64 {
        self.weight.iter().sum()
    }
}
