//! Goodness of fit of the purchase models, as numbers: the repeat-purchase
//! histogram against the model's (with a chi-square test), and holdout
//! purchases against the model's predictions by calibration frequency. These
//! are the tables behind the usual "period transactions" and "calibration vs
//! holdout" plots.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::clv::{ClvColumns, ClvModel, check_history, check_lengths};
use crate::error::{EngError, Result, ensure_config};

/// The last frequency bin of the diagnostic tables when the caller sets none
/// (the bins are 0, 1, …, 7 or more, as lifetimes draws them).
pub const DEFAULT_MAX_FREQUENCY: u32 = 7;

/// Customers by number of repeat purchases, observed and expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodTransactions {
    /// Repeat purchases of each bin: 0, 1, …, `max_frequency`; the last bin
    /// holds `max_frequency` or more.
    pub frequency: Vec<u32>,
    /// Customers observed in each bin.
    pub actual: Vec<f64>,
    /// Customers the model expects in each bin: `Σ_i P(X(T_i) = x)` over the
    /// customers' ages (the last bin takes the rest of the total).
    pub expected: Vec<f64>,
    /// Pearson's `Σ (actual − expected)² / expected` over the bins.
    pub chi_square: f64,
    /// Bins − 1 − the model's parameters.
    pub degrees_of_freedom: u32,
    /// `P(χ² ≥ chi_square)` with those degrees of freedom.
    pub p_value: f64,
}

/// Mean holdout purchases by calibration frequency, observed and predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationHoldout {
    /// Calibration repeat purchases of each bin (the last: that many or
    /// more); bins without customers are left out.
    pub frequency: Vec<u32>,
    /// Customers in each bin.
    pub customers: Vec<f64>,
    /// Mean purchases in the holdout period.
    pub actual: Vec<f64>,
    /// Mean of the model's conditional expected purchases over the holdout
    /// period.
    pub predicted: Vec<f64>,
}

fn weight(columns: &ClvColumns<'_>, i: usize) -> f64 {
    columns.weights.map_or(1.0, |w| w[i])
}

fn check_weights(columns: &ClvColumns<'_>) -> Result<()> {
    if let Some(w) = columns.weights {
        check_lengths(columns.frequency.len(), &[("weights", w.len())])?;
        for (i, &v) in w.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(EngError::invalid("weights", v, "must be finite and >= 0").at_row(i));
            }
        }
    }
    Ok(())
}

impl ClvModel {
    /// The repeat-purchase histogram of `columns` (frequency, recency, T;
    /// optional weights) against the model's, in bins 0 … `max_frequency`
    /// (the last bin: that many or more), with Pearson's chi-square test.
    /// The expected counts are exact (the model's `P(X(T) = x)` summed over
    /// the customers, ages grouped), not simulated. Choose `max_frequency`
    /// so that every bin expects a few customers (5 is the usual rule) for
    /// the test to be meaningful.
    ///
    /// # Errors
    /// [`EngError::Config`] for a model that is not a purchase model, a
    /// missing column, or `max_frequency` leaving no degree of freedom (or
    /// above 1000); [`EngError::InvalidInput`] (with the row) for a bad
    /// history or weight; [`EngError::EmptyInput`] without customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let cols = ClvColumns { frequency: &[0.0, 0.0, 1.0, 2.0, 7.0, 0.0], recency: Some(&[0.0, 0.0, 5.0, 20.0, 30.0, 0.0]),
    ///     t: Some(&[39.0; 6]), ..Default::default() };
    /// let table = m.period_transactions(&cols, 5)?;
    /// assert!(m.period_transactions(&cols, 4).is_err());   // no degree of freedom left
    /// assert_eq!(table.frequency, [0, 1, 2, 3, 4, 5]);
    /// assert_eq!(table.actual, [3.0, 1.0, 1.0, 0.0, 0.0, 1.0]);
    /// assert!((table.expected.iter().sum::<f64>() - 6.0).abs() < 1e-9);
    /// assert_eq!(table.degrees_of_freedom, 1);   // 6 bins − 1 − 4 parameters
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn period_transactions(
        &self,
        columns: &ClvColumns<'_>,
        max_frequency: u32,
    ) -> Result<PeriodTransactions> {
        self.purchase_model("the period-transactions table")?;
        let params = self.kind().parameter_names().len() as u32;
        ensure_config!(
            max_frequency > params && max_frequency <= 1000,
            "max_frequency",
            "needs {} to 1000 for {} (bins − 1 − parameters must be positive), got {max_frequency}",
            params + 1,
            self.kind().label()
        );
        let (recency, t) = columns.history(self.kind())?;
        check_weights(columns)?;
        let bins = max_frequency as usize + 1;
        let mut actual = vec![0.0; bins];
        // Customers per distinct age: the model's probabilities depend on T alone.
        let mut ages: BTreeMap<u64, f64> = BTreeMap::new();
        for i in 0..columns.frequency.len() {
            let x = columns.frequency[i];
            check_history(i, x, recency[i], t[i])?;
            let w = weight(columns, i);
            actual[(x as usize).min(bins - 1)] += w;
            *ages.entry(t[i].to_bits()).or_insert(0.0) += w;
        }
        let total: f64 = actual.iter().sum();
        if total <= 0.0 {
            return Err(EngError::EmptyInput {
                what: "a period-transactions table".into(),
                unit: "customer".into(),
            });
        }
        let mut expected = vec![0.0; bins];
        let xs: Vec<f64> = (0..bins - 1).map(|x| x as f64).collect();
        for (&bits, &w) in &ages {
            let age = f64::from_bits(bits);
            let p = self.probability_of_purchases(&vec![age; xs.len()], &xs)?;
            for (e, pi) in expected.iter_mut().zip(p) {
                *e += w * pi;
            }
        }
        let below: f64 = expected[..bins - 1].iter().sum();
        expected[bins - 1] = (total - below).max(0.0);
        let chi_square: f64 = actual
            .iter()
            .zip(&expected)
            .map(|(&a, &e)| if e > 0.0 { (a - e) * (a - e) / e } else { 0.0 })
            .sum();
        let degrees_of_freedom = max_frequency - params;
        let p_value = ChiSquared::new(f64::from(degrees_of_freedom))
            .map(|d| d.sf(chi_square))
            .map_err(|e| EngError::config("max_frequency", e.to_string()))?;
        Ok(PeriodTransactions {
            frequency: (0..=max_frequency).collect(),
            actual,
            expected,
            chi_square,
            degrees_of_freedom,
            p_value,
        })
    }

    /// Mean holdout purchases by calibration frequency (bins 0 …
    /// `max_frequency`, the last: that many or more) against the model's
    /// mean conditional expected purchases over the `duration` of the
    /// holdout period, for customers described by their calibration history
    /// (`calibration`: frequency, recency, T; optional weights) and their
    /// purchases in the holdout period.
    ///
    /// # Errors
    /// As [`conditional_expected_purchases`](Self::conditional_expected_purchases);
    /// [`EngError::LengthMismatch`]; [`EngError::InvalidInput`] (with the
    /// row) for a holdout count that is not finite and ≥ 0 or a bad weight;
    /// [`EngError::Config`] for `max_frequency` above 1000;
    /// [`EngError::EmptyInput`] without customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let cols = ClvColumns { frequency: &[0.0, 0.0, 2.0], recency: Some(&[0.0, 0.0, 30.43]),
    ///     t: Some(&[38.86; 3]), ..Default::default() };
    /// let table = m.calibration_holdout(&cols, &[0.0, 1.0, 2.0], 39.0, 5)?;
    /// assert_eq!((table.frequency, table.customers), (vec![0, 2], vec![2.0, 1.0]));
    /// assert_eq!(table.actual, [0.5, 2.0]);
    /// assert!((table.predicted[1] - 1.226).abs() < 5e-4);   // Fader, Hardie & Lee (2005)
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn calibration_holdout(
        &self,
        calibration: &ClvColumns<'_>,
        holdout_purchases: &[f64],
        duration: f64,
        max_frequency: u32,
    ) -> Result<CalibrationHoldout> {
        ensure_config!(
            max_frequency <= 1000,
            "max_frequency",
            "must be at most 1000, got {max_frequency}"
        );
        check_lengths(
            calibration.frequency.len(),
            &[("holdout_purchases", holdout_purchases.len())],
        )?;
        check_weights(calibration)?;
        for (i, &h) in holdout_purchases.iter().enumerate() {
            if !(h.is_finite() && h >= 0.0) {
                return Err(
                    EngError::invalid("holdout_purchases", h, "must be finite and >= 0").at_row(i),
                );
            }
        }
        let predicted = self.conditional_expected_purchases(duration, calibration)?;
        let bins = max_frequency as usize + 1;
        let (mut customers, mut actual, mut expected) =
            (vec![0.0; bins], vec![0.0; bins], vec![0.0; bins]);
        for i in 0..calibration.frequency.len() {
            let b = (calibration.frequency[i] as usize).min(bins - 1);
            let w = weight(calibration, i);
            customers[b] += w;
            actual[b] += w * holdout_purchases[i];
            expected[b] += w * predicted[i];
        }
        let mut out = CalibrationHoldout {
            frequency: Vec::new(),
            customers: Vec::new(),
            actual: Vec::new(),
            predicted: Vec::new(),
        };
        for b in 0..bins {
            if customers[b] > 0.0 {
                out.frequency.push(b as u32);
                out.customers.push(customers[b]);
                out.actual.push(actual[b] / customers[b]);
                out.predicted.push(expected[b] / customers[b]);
            }
        }
        if out.frequency.is_empty() {
            return Err(EngError::EmptyInput {
                what: "a calibration-holdout table".into(),
                unit: "customer".into(),
            });
        }
        Ok(out)
    }
}
