//! Proportions with Wilson score intervals: conversion, CSAT, repeat-purchase rate.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{EngError, Result};
use crate::model::RatingScale;
use crate::profile::Profile;

/// The confidence level of intervals when the caller sets none: 95 %. The
/// one place this default is written; the configurations' serde defaults and
/// the C and Python faces read it from here.
pub const DEFAULT_LEVEL: f64 = 0.95;

/// The [`DEFAULT_LEVEL`] as a serde default.
pub(crate) fn default_level() -> f64 {
    DEFAULT_LEVEL
}

/// Two-sided standard-normal quantile `z = Φ⁻¹(1 − (1 − level)/2)`.
///
/// # Errors
/// [`EngError::Config`] unless `0 < level < 1`.
///
/// # Examples
///
/// ```
/// use engagement_core::z_for_level;
/// assert!((z_for_level(0.9)? - 1.644_853_626_951).abs() < 1e-9);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn z_for_level(level: f64) -> Result<f64> {
    if !(level > 0.0 && level < 1.0) {
        return Err(EngError::config(
            "level",
            format!("confidence level must lie in (0, 1), got {level}"),
        ));
    }
    let normal = Normal::standard();
    Ok(normal.inverse_cdf(1.0 - (1.0 - level) / 2.0))
}

/// A share with its confidence interval.
///
/// # Examples
///
/// ```
/// use engagement_core::Proportion;
/// let p = Proportion::wilson(1, 4, 0.95)?;
/// assert!(p.ci_low < 0.25 && 0.25 < p.ci_high);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Proportion {
    /// Number of successes (conversions, satisfied answers …).
    pub successes: u64,
    /// Number of trials.
    pub trials: u64,
    /// `successes / trials`.
    pub rate: f64,
    /// Lower bound of the Wilson interval.
    pub ci_low: f64,
    /// Upper bound of the Wilson interval.
    pub ci_high: f64,
    /// Confidence level of the interval (e.g. 0.95).
    pub level: f64,
}

/// Equal when every field is, a rate and interval that are NaN (no trials)
/// equal to NaN ones, so that results holding proportions (funnels,
/// conversion tests) equal themselves.
impl PartialEq for Proportion {
    fn eq(&self, other: &Self) -> bool {
        self.successes == other.successes
            && self.trials == other.trials
            && crate::limits::same_cells(
                &[self.rate, self.ci_low, self.ci_high, self.level],
                &[other.rate, other.ci_low, other.ci_high, other.level],
            )
    }
}

impl Proportion {
    /// A proportion with its Wilson score interval.
    ///
    /// # Formula
    ///
    /// Wilson (1927), "Probable inference, the law of succession, and
    /// statistical inference", JASA 22(158), 209–212, eq. for the score
    /// interval; with `p̂ = k/n` and `z` the two-sided normal quantile:
    ///
    /// ```text
    /// centre = (p̂ + z²/(2n)) / (1 + z²/n)
    /// half   = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/(4n²))
    /// ```
    ///
    /// # Errors
    /// - [`EngError::EmptyInput`] when `trials == 0`;
    /// - [`EngError::InvalidInput`] when `successes > trials`;
    /// - [`EngError::Config`] for a level outside (0, 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::Proportion;
    /// let p = Proportion::wilson(8, 10, 0.95)?;
    /// assert_eq!(p.rate, 0.8);
    /// // Reference: statsmodels `proportion_confint(8, 10, method="wilson")` = (0.4901625, 0.9433178)
    /// assert!((p.ci_low - 0.4901625).abs() < 1e-6 && (p.ci_high - 0.9433178).abs() < 1e-6);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn wilson(successes: u64, trials: u64, level: f64) -> Result<Self> {
        let z = z_for_level(level)?;
        if trials == 0 {
            return Err(EngError::EmptyInput {
                what: "a proportion".into(),
                unit: "trial".into(),
            });
        }
        if successes > trials {
            return Err(EngError::invalid(
                "successes",
                successes,
                format!("cannot exceed the number of trials ({trials})"),
            ));
        }
        let n = trials as f64;
        let p = successes as f64 / n;
        let z2 = z * z;
        let denom = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denom;
        let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        // At p̂ = 0 (or 1) the lower (upper) bound is exactly 0 (1); rounding
        // in `centre − half` would leave a residue of about 1e-17.
        let ci_low = if successes == 0 {
            0.0
        } else {
            (centre - half).max(0.0)
        };
        let ci_high = if successes == trials {
            1.0
        } else {
            (centre + half).min(1.0)
        };
        Ok(Proportion {
            successes,
            trials,
            rate: p,
            ci_low,
            ci_high,
            level,
        })
    }
}

/// Conversion rate: `converted / exposed`, with a Wilson interval.
///
/// # Errors
/// As [`Proportion::wilson`].
///
/// # Examples
///
/// ```
/// use engagement_core::conversion_rate;
/// let c = conversion_rate(30, 1000, 0.95)?;
/// assert_eq!(c.rate, 0.03);
/// assert!(c.ci_low < 0.03 && 0.03 < c.ci_high);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn conversion_rate(converted: u64, exposed: u64, level: f64) -> Result<Proportion> {
    Proportion::wilson(converted, exposed, level)
}

/// CSAT: the share of answers of 4 or 5 on the 1–5 scale, with a Wilson interval.
///
/// # Errors
/// - [`EngError::InvalidInput`] (with the row) for an answer that is not a whole number 1–5;
/// - [`EngError::EmptyInput`] for no answers;
/// - [`EngError::Config`] for a level outside (0, 1).
///
/// # Examples
///
/// ```
/// use engagement_core::csat;
/// let c = csat(&[5.0, 4.0, 3.0, 1.0], 0.95)?;
/// assert_eq!((c.successes, c.trials, c.rate), (2, 4, 0.5));
/// assert!(csat(&[6.0], 0.95).is_err());
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn csat(ratings: &[f32], level: f64) -> Result<Proportion> {
    let mut satisfied = 0;
    for (i, &r) in ratings.iter().enumerate() {
        RatingScale::Csat.check(r).map_err(|e| e.at_row(i))?;
        if r >= 4.0 {
            satisfied += 1;
        }
    }
    Proportion::wilson(satisfied, ratings.len() as u64, level)
}

/// CSAT over the latest CSAT answer of each profile that has one.
///
/// # Errors
/// As [`csat`]; [`EngError::EmptyInput`] when no profile has a CSAT answer.
///
/// # Examples
///
/// ```
/// use engagement_core::{csat_of_profiles, Channel, ProfileStore, RatingScale, SignalConfig, Touchpoint, TouchpointKind as K};
/// let mut store = ProfileStore::new(SignalConfig::default())?;
/// store.push(&Touchpoint::new(1, 0, Channel::Chat, K::SurveyResponse).with_rating(5.0, RatingScale::Csat))?;
/// store.push(&Touchpoint::new(2, 0, Channel::Chat, K::SurveyResponse).with_rating(2.0, RatingScale::Csat))?;
/// assert_eq!(csat_of_profiles(store.iter(), 0.95)?.rate, 0.5);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn csat_of_profiles<'a>(
    profiles: impl IntoIterator<Item = &'a Profile>,
    level: f64,
) -> Result<Proportion> {
    let answers: Vec<f32> = profiles
        .into_iter()
        .filter_map(|p| p.latest_rating(RatingScale::Csat).map(|r| r.value))
        .collect();
    csat(&answers, level)
}

/// Repeat-purchase rate: customers with two or more purchases among those
/// with at least one, with a Wilson interval.
///
/// # Errors
/// [`EngError::EmptyInput`] when no profile has a purchase; [`EngError::Config`] for a bad level.
///
/// # Examples
///
/// ```
/// use engagement_core::{repeat_purchase_rate, Channel, ProfileStore, SignalConfig, Touchpoint, TouchpointKind as K};
/// let mut store = ProfileStore::new(SignalConfig::default())?;
/// for (id, t) in [(1, 10), (1, 20), (2, 10), (3, 5)] {
///     store.push(&Touchpoint::new(id, t, Channel::Web, K::Purchase).with_value(1.0))?;
/// }
/// let r = repeat_purchase_rate(store.iter(), 0.95)?;
/// assert_eq!((r.successes, r.trials), (1, 3));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn repeat_purchase_rate<'a>(
    profiles: impl IntoIterator<Item = &'a Profile>,
    level: f64,
) -> Result<Proportion> {
    let (mut buyers, mut repeaters) = (0u64, 0u64);
    for p in profiles {
        buyers += u64::from(p.purchases() >= 1);
        repeaters += u64::from(p.purchases() >= 2);
    }
    if buyers == 0 {
        return Err(EngError::EmptyInput {
            what: "the repeat-purchase rate".into(),
            unit: "customer with a purchase".into(),
        });
    }
    Proportion::wilson(repeaters, buyers, level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_values() {
        // Standard normal quantiles (any table): 1.959964 for 95 %, 2.575829 for 99 %.
        assert!((z_for_level(0.95).unwrap() - 1.959_963_985).abs() < 1e-8);
        assert!((z_for_level(0.99).unwrap() - 2.575_829_304).abs() < 1e-8);
        assert!(z_for_level(1.0).is_err());
        assert!(z_for_level(f64::NAN).is_err());
    }

    #[test]
    fn wilson_matches_statsmodels() {
        // statsmodels 0.14: proportion_confint(k, n, alpha=0.05, method="wilson")
        // The bounds at p̂ = 0 and 1 are exact.
        assert_eq!(Proportion::wilson(0, 10, 0.95).unwrap().ci_low, 0.0);
        assert_eq!(Proportion::wilson(10, 10, 0.95).unwrap().ci_high, 1.0);
        let cases = [
            (0, 10, 0.0, 0.277_532_799_9),
            (10, 10, 0.722_467_200_1, 1.0),
            (1, 3, 0.061_491_944_7, 0.792_340_399_2),
            (45, 200, 0.172_623_697_2, 0.287_741_232_4),
            (30, 1000, 0.021_093_738_8, 0.042_503_414_1),
        ];
        for (k, n, lo, hi) in cases {
            let p = Proportion::wilson(k, n, 0.95).unwrap();
            assert!((p.ci_low - lo).abs() < 1e-9, "{k}/{n}: {p:?}");
            assert!((p.ci_high - hi).abs() < 1e-9, "{k}/{n}: {p:?}");
        }
    }

    #[test]
    fn bad_inputs() {
        assert!(matches!(
            Proportion::wilson(0, 0, 0.95),
            Err(EngError::EmptyInput { .. })
        ));
        assert!(matches!(
            Proportion::wilson(3, 2, 0.95),
            Err(EngError::InvalidInput { .. })
        ));
        assert!(matches!(
            csat(&[5.0, f32::NAN], 0.95),
            Err(EngError::InvalidInput { index: Some(1), .. })
        ));
        assert!(matches!(csat(&[], 0.95), Err(EngError::EmptyInput { .. })));
        assert!(matches!(
            repeat_purchase_rate(&[] as &[Profile], 0.95),
            Err(EngError::EmptyInput { .. })
        ));
    }
}
