//! Checks that span arms and metrics: the sample-ratio mismatch test and
//! p-value corrections for many comparisons.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::error::{EngError, Result};

/// The sample-ratio mismatch test: are the arms' unit counts what the planned
/// split would give?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SrmTest {
    /// Units per arm under the planned split (`total · weight / Σ weights`).
    pub expected: Vec<f64>,
    /// Pearson's `Σ (observed − expected)² / expected`.
    pub chi_square: f64,
    /// Arms − 1.
    pub degrees_of_freedom: u64,
    /// `P(χ²_{k−1} > chi_square)`. A small value (GrowthBook warns below
    /// 0.001) means the assignment is broken and the readout is not to be trusted.
    pub p_value: f64,
}

/// Tests the arms' unit counts against the planned split (`weights`, any
/// positive scale; `None` for an equal split): Pearson's chi-square with
/// `k − 1` degrees of freedom, as GrowthBook's `check_srm` and scipy's
/// `chisquare`.
///
/// # Errors
/// [`EngError::InvalidInput`] for fewer than two arms or a weight that is not
/// finite and positive (with its index); [`EngError::LengthMismatch`] when
/// `weights` and `counts` differ in length; [`EngError::EmptyInput`] when
/// every count is 0.
///
/// # Examples
///
/// ```
/// use engagement_core::experiment::srm_test;
/// let fine = srm_test(&[5010, 4990], None)?;
/// assert!(fine.p_value > 0.8);
/// let broken = srm_test(&[5400, 4600], None)?;   // 54/46 where 50/50 was planned
/// assert!(broken.p_value < 1e-10 && broken.degrees_of_freedom == 1);
/// let planned = srm_test(&[2000, 8000], Some(&[0.2, 0.8]))?;
/// assert_eq!(planned.chi_square, 0.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn srm_test(counts: &[u64], weights: Option<&[f64]>) -> Result<SrmTest> {
    if counts.len() < 2 {
        return Err(EngError::invalid(
            "counts",
            counts.len(),
            "a sample-ratio check needs at least two arms",
        ));
    }
    let equal;
    let weights = match weights {
        Some(w) => {
            if w.len() != counts.len() {
                return Err(EngError::LengthMismatch {
                    field: "weights".into(),
                    expected: counts.len(),
                    found: w.len(),
                });
            }
            w
        }
        None => {
            equal = vec![1.0; counts.len()];
            &equal
        }
    };
    for (i, &w) in weights.iter().enumerate() {
        if !(w.is_finite() && w > 0.0) {
            return Err(
                EngError::invalid("weights", w, "a planned share must be finite and > 0").at_row(i),
            );
        }
    }
    let total: f64 = counts.iter().map(|&c| c as f64).sum();
    if total == 0.0 {
        return Err(EngError::EmptyInput {
            what: "a sample-ratio check".into(),
            unit: "unit in some arm".into(),
        });
    }
    // Scaled by the largest weight first: weights near the largest double must not overflow.
    let top = weights.iter().copied().fold(0.0f64, f64::max);
    let weight_total: f64 = weights.iter().map(|w| w / top).sum();
    let expected: Vec<f64> = weights
        .iter()
        .map(|w| total * (w / top) / weight_total)
        .collect();
    if let Some(i) = expected.iter().position(|e| !(e.is_finite() && *e > 0.0)) {
        return Err(EngError::invalid(
            "weights",
            weights[i],
            "a planned share so small against the others that no unit is expected in its arm",
        )
        .at_row(i));
    }
    let chi_square: f64 = counts
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum();
    let degrees_of_freedom = counts.len() as u64 - 1;
    let p_value = ChiSquared::new(degrees_of_freedom as f64)
        .map_err(|e| EngError::invalid("counts", counts.len(), e.to_string()))?
        .sf(chi_square);
    Ok(SrmTest {
        expected,
        chi_square,
        degrees_of_freedom,
        p_value,
    })
}

/// How p-values of many comparisons are corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// No correction: each p-value as tested.
    #[default]
    None,
    /// Bonferroni: `min(1, m·p)` (family-wise error).
    Bonferroni,
    /// Holm's step-down (family-wise error, uniformly more powerful than Bonferroni).
    Holm,
    /// Benjamini–Hochberg step-up (false discovery rate).
    BenjaminiHochberg,
}

impl Correction {
    /// The labels accepted in configurations.
    pub const LABELS: [&'static str; 4] = ["none", "bonferroni", "holm", "benjamini_hochberg"];
}

/// Parses a correction's label (`none`, `bonferroni`, `holm`,
/// `benjamini_hochberg`); an unknown label is [`EngError::UnknownLabel`]
/// listing them.
///
/// # Examples
///
/// ```
/// use engagement_core::experiment::Correction;
/// assert_eq!("holm".parse::<Correction>()?, Correction::Holm);
/// assert!("fdr".parse::<Correction>().unwrap_err().to_string().contains("benjamini_hochberg"));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
impl std::str::FromStr for Correction {
    type Err = EngError;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "none" => Correction::None,
            "bonferroni" => Correction::Bonferroni,
            "holm" => Correction::Holm,
            "benjamini_hochberg" => Correction::BenjaminiHochberg,
            _ => return Err(EngError::unknown_label("correction", s, Correction::LABELS)),
        })
    }
}

/// Corrects `p_values` for being tested together, as statsmodels'
/// `multipletests` (methods `bonferroni`, `holm`, `fdr_bh`). The result is in
/// the input's order; tied p-values get equal adjusted values, so the result
/// does not depend on the order of the input.
///
/// # Formula
///
/// With the `m` p-values sorted `p₍₁₎ ≤ … ≤ p₍ₘ₎`:
///
/// ```text
/// Holm:                p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) p₍ⱼ₎)
/// Benjamini–Hochberg:  p̃₍ᵢ₎ = min_{j ≥ i} min(1, m p₍ⱼ₎ / j)
/// ```
///
/// # Errors
/// [`EngError::InvalidInput`] (with the index) for a p-value outside [0, 1]
/// or NaN; [`EngError::EmptyInput`] for no p-values.
///
/// # Examples
///
/// ```
/// use engagement_core::experiment::{Correction, adjust_p_values};
/// let p = [0.01, 0.04, 0.03, 0.20];
/// let holm = adjust_p_values(&p, Correction::Holm)?;
/// let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-15);
/// assert!(close(&holm, &[0.04, 0.09, 0.09, 0.2]));
/// let bh = adjust_p_values(&p, Correction::BenjaminiHochberg)?;
/// assert!((bh[1] - 0.0533333333333333).abs() < 1e-12 && bh[0] == 0.04);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn adjust_p_values(p_values: &[f64], correction: Correction) -> Result<Vec<f64>> {
    if p_values.is_empty() {
        return Err(EngError::EmptyInput {
            what: "a p-value correction".into(),
            unit: "p-value".into(),
        });
    }
    for (i, &p) in p_values.iter().enumerate() {
        if !(0.0..=1.0).contains(&p) {
            return Err(EngError::invalid("p_values", p, "a p-value lies in [0, 1]").at_row(i));
        }
    }
    let m = p_values.len() as f64;
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
    let mut adjusted = vec![0.0; p_values.len()];
    match correction {
        Correction::None => adjusted.copy_from_slice(p_values),
        Correction::Bonferroni => {
            for (a, &p) in adjusted.iter_mut().zip(p_values) {
                *a = (m * p).min(1.0);
            }
        }
        Correction::Holm => {
            let mut running = 0.0f64;
            for (rank, &i) in order.iter().enumerate() {
                running = running.max(((m - rank as f64) * p_values[i]).min(1.0));
                adjusted[i] = running;
            }
        }
        Correction::BenjaminiHochberg => {
            let mut running = 1.0f64;
            for (rank, &i) in order.iter().enumerate().rev() {
                running = running.min((m * p_values[i] / (rank as f64 + 1.0)).min(1.0));
                // Never below the p-value itself (m·p/m can round a unit below p).
                adjusted[i] = running.max(p_values[i]);
            }
        }
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_do_not_depend_on_input_order_or_ties() {
        let p = [0.03, 0.01, 0.03, 0.5, 0.001];
        for c in [
            Correction::Bonferroni,
            Correction::Holm,
            Correction::BenjaminiHochberg,
        ] {
            let a = adjust_p_values(&p, c).unwrap();
            let mut rev = p;
            rev.reverse();
            let mut b = adjust_p_values(&rev, c).unwrap();
            b.reverse();
            assert_eq!(a, b, "{c:?}");
            assert_eq!(a[0], a[2], "{c:?}: tied p-values adjust equally");
            assert!(a.iter().zip(&p).all(|(x, y)| x >= y && *x <= 1.0));
        }
    }

    #[test]
    fn bad_input_is_typed() {
        assert_eq!(
            adjust_p_values(&[], Correction::Holm).unwrap_err().kind(),
            "empty_input"
        );
        let e = adjust_p_values(&[0.1, f64::NAN], Correction::Holm).unwrap_err();
        assert_eq!(e.row(), Some(1));
        assert!(adjust_p_values(&[1.5], Correction::None).is_err());
        assert!(srm_test(&[10], None).is_err());
        assert!(srm_test(&[0, 0], None).is_err());
        assert!(srm_test(&[1, 2], Some(&[1.0])).is_err());
        assert_eq!(
            srm_test(&[1, 2], Some(&[1.0, 0.0])).unwrap_err().row(),
            Some(1)
        );
    }
}
