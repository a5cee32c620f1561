//! Net Promoter Score with its standard error and confidence interval.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::model::RatingScale;
use crate::profile::Profile;
use crate::score::proportion::z_for_level;

/// NPS of a set of answers on the 0–10 scale.
///
/// # Examples
///
/// ```
/// use engagement_core::nps;
/// let s = nps(&[10.0, 0.0], 0.95)?;
/// assert_eq!((s.score, s.promoters, s.detractors), (0.0, 1, 1));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NpsSummary {
    /// Number of answers.
    pub n: u64,
    /// Answers of 9 or 10.
    pub promoters: u64,
    /// Answers of 7 or 8.
    pub passives: u64,
    /// Answers of 0 to 6.
    pub detractors: u64,
    /// NPS in points, −100 … 100.
    pub score: f64,
    /// Standard error, in points.
    pub std_error: f64,
    /// Lower bound of the confidence interval, in points (clamped to −100).
    pub ci_low: f64,
    /// Upper bound of the confidence interval, in points (clamped to 100).
    pub ci_high: f64,
    /// Confidence level (e.g. 0.95).
    pub level: f64,
}

/// Net Promoter Score from 0–10 answers.
///
/// # Formula
///
/// Reichheld (2003), "The One Number You Need to Grow", Harvard Business
/// Review 81(12): promoters answer 9–10, passives 7–8, detractors 0–6. With
/// shares `p` (promoters) and `d` (detractors) of `n` answers, NPS is a
/// difference of multinomial shares, so
///
/// ```text
/// NPS     = 100 (p − d)
/// Var(NPS/100) = (p + d − (p − d)²) / n
/// CI      = NPS ± z · 100 · √Var          (normal approximation, clamped to ±100)
/// ```
///
/// (the variance of `X ∈ {+1, 0, −1}`; see Rocks (2016), "Interval Estimation
/// for the 'Net Promoter Score'", The American Statistician 70(4), 365–372.) With few answers or extreme
/// shares the normal interval is rough; it is what NPS reports use.
///
/// # Errors
/// - [`EngError::InvalidInput`] (with the row) for an answer that is not a whole number 0–10;
/// - [`EngError::EmptyInput`] for no answers;
/// - [`EngError::Config`] for a level outside (0, 1).
///
/// # Examples
///
/// ```
/// use engagement_core::nps;
/// // 5 promoters, 3 passives, 2 detractors.
/// let s = nps(&[10.0, 9.0, 9.0, 10.0, 9.0, 8.0, 7.0, 7.0, 3.0, 6.0], 0.95)?;
/// assert_eq!((s.promoters, s.passives, s.detractors), (5, 3, 2));
/// assert!((s.score - 30.0).abs() < 1e-12);
/// // Var = (0.5 + 0.2 − 0.3²) / 10 = 0.061
/// assert!((s.std_error - 100.0 * 0.061f64.sqrt()).abs() < 1e-9);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn nps(ratings: &[f32], level: f64) -> Result<NpsSummary> {
    let z = z_for_level(level)?;
    let (mut promoters, mut passives, mut detractors) = (0u64, 0u64, 0u64);
    for (i, &r) in ratings.iter().enumerate() {
        RatingScale::Nps.check(r).map_err(|e| e.at_row(i))?;
        if r >= 9.0 {
            promoters += 1;
        } else if r >= 7.0 {
            passives += 1;
        } else {
            detractors += 1;
        }
    }
    nps_from_counts(promoters, passives, detractors, z, level)
}

/// NPS from counts of promoters, passives and detractors.
///
/// # Errors
/// [`EngError::EmptyInput`] when all counts are 0; [`EngError::Config`] for a bad level.
///
/// # Examples
///
/// ```
/// use engagement_core::nps_counts;
/// let s = nps_counts(50, 30, 20, 0.95)?;
/// assert!((s.score - 30.0).abs() < 1e-12);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn nps_counts(
    promoters: u64,
    passives: u64,
    detractors: u64,
    level: f64,
) -> Result<NpsSummary> {
    let z = z_for_level(level)?;
    nps_from_counts(promoters, passives, detractors, z, level)
}

fn nps_from_counts(
    promoters: u64,
    passives: u64,
    detractors: u64,
    z: f64,
    level: f64,
) -> Result<NpsSummary> {
    let n = promoters
        .checked_add(passives)
        .and_then(|n| n.checked_add(detractors))
        .ok_or_else(|| {
            EngError::invalid(
                "counts",
                "overflow",
                "the three counts must sum to at most 2^64 − 1",
            )
        })?;
    if n == 0 {
        return Err(EngError::EmptyInput {
            what: "NPS".into(),
            unit: "answer".into(),
        });
    }
    let nf = n as f64;
    let p = promoters as f64 / nf;
    let d = detractors as f64 / nf;
    let score = 100.0 * (p - d);
    let var = ((p + d - (p - d) * (p - d)) / nf).max(0.0);
    let std_error = 100.0 * var.sqrt();
    Ok(NpsSummary {
        n,
        promoters,
        passives,
        detractors,
        score,
        std_error,
        ci_low: (score - z * std_error).max(-100.0),
        ci_high: (score + z * std_error).min(100.0),
        level,
    })
}

/// NPS over the latest NPS answer of each profile that has one (one voice per customer).
///
/// # Errors
/// As [`nps`]; [`EngError::EmptyInput`] when no profile has an NPS answer.
///
/// # Examples
///
/// ```
/// use engagement_core::{nps_of_profiles, Channel, ProfileStore, RatingScale, SignalConfig, Touchpoint, TouchpointKind as K};
/// let mut store = ProfileStore::new(SignalConfig::default())?;
/// store.push(&Touchpoint::new(1, 0, Channel::Email, K::SurveyResponse).with_rating(3.0, RatingScale::Nps))?;
/// store.push(&Touchpoint::new(1, 9, Channel::Email, K::SurveyResponse).with_rating(10.0, RatingScale::Nps))?;
/// store.push(&Touchpoint::new(2, 0, Channel::Web, K::Visit))?;
/// // One voice per customer: 1's latest answer (10); 2 never answered.
/// assert_eq!(nps_of_profiles(store.iter(), 0.95)?.score, 100.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn nps_of_profiles<'a>(
    profiles: impl IntoIterator<Item = &'a Profile>,
    level: f64,
) -> Result<NpsSummary> {
    let answers: Vec<f32> = profiles
        .into_iter()
        .filter_map(|p| p.latest_rating(RatingScale::Nps).map(|r| r.value))
        .collect();
    nps(&answers, level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_variance_formula() {
        // shared/reference/README.md: Var(NPS) = (p + d − (p − d)²)/n.
        let s = nps_counts(400, 350, 250, 0.95).unwrap();
        let (p, d, n): (f64, f64, f64) = (0.4, 0.25, 1000.0);
        let se = 100.0 * ((p + d - (p - d) * (p - d)) / n).sqrt();
        assert!((s.score - 15.0).abs() < 1e-12);
        assert!((s.std_error - se).abs() < 1e-12);
        assert!((s.ci_low - (15.0 - 1.959_963_985 * se)).abs() < 1e-6);
    }

    #[test]
    fn all_promoters_has_zero_spread() {
        let s = nps(&[10.0, 9.0], 0.95).unwrap();
        assert_eq!(
            (s.score, s.std_error, s.ci_low, s.ci_high),
            (100.0, 0.0, 100.0, 100.0)
        );
    }

    #[test]
    fn overflowing_counts_are_errors() {
        assert!(matches!(
            nps_counts(u64::MAX, 1, 0, 0.95),
            Err(EngError::InvalidInput { .. })
        ));
    }

    #[test]
    fn bad_answers() {
        assert!(matches!(
            nps(&[9.0, 10.5], 0.95),
            Err(EngError::InvalidInput { index: Some(1), .. })
        ));
        assert!(matches!(
            nps(&[-1.0], 0.95),
            Err(EngError::InvalidInput { index: Some(0), .. })
        ));
        assert!(matches!(nps(&[], 0.95), Err(EngError::EmptyInput { .. })));
        assert!(matches!(nps(&[9.0], 1.5), Err(EngError::Config { .. })));
    }
}
