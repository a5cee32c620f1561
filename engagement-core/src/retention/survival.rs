//! Retention curves: Kaplan–Meier survival of customers (time to churn,
//! censored when still active) with Greenwood confidence bands, the median
//! lifetime, the log-rank test between two groups, and the restricted mean
//! survival time (alone and compared between two groups).

use serde::{Deserialize, Serialize};

pub use super::cox::{
    CategoricalCovariate, CoxBaseline, CoxColumns, CoxConfig, CoxCovariates, CoxModel,
    CoxPrediction, CoxTerm, LikelihoodRatio, Ties, cox,
};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::clv::special::normal_sf;
use crate::error::{EngError, Result};
use crate::score::z_for_level;

/// A Kaplan–Meier curve: one row per distinct duration (and time 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    /// Times: 0, then every distinct duration, ascending.
    pub time: Vec<f64>,
    /// Customers still at risk just before each time.
    pub at_risk: Vec<u64>,
    /// Churn events at each time.
    pub events: Vec<u64>,
    /// Customers censored (still active when last seen) at each time.
    pub censored: Vec<u64>,
    /// Survival `S(t)`: the share still active after each time.
    pub survival: Vec<f64>,
    /// Lower bound of the pointwise confidence band.
    pub ci_low: Vec<f64>,
    /// Upper bound of the pointwise confidence band.
    pub ci_high: Vec<f64>,
    /// Median lifetime: the first time with `S(t) ≤ 0.5`, `None` when the
    /// curve stays above one half.
    pub median: Option<f64>,
    /// Confidence level of the band.
    pub level: f64,
}

/// Checks durations and event flags; returns them sorted by duration.
fn checked(duration: &[f64], observed: &[bool], name: &str) -> Result<Vec<(f64, bool)>> {
    if duration.len() != observed.len() {
        return Err(EngError::LengthMismatch {
            field: "observed".into(),
            expected: duration.len(),
            found: observed.len(),
        });
    }
    if duration.is_empty() {
        return Err(EngError::EmptyInput {
            what: format!("a survival curve ({name})"),
            unit: "customer".into(),
        });
    }
    for (i, d) in duration.iter().enumerate() {
        if !(d.is_finite() && *d >= 0.0) {
            return Err(EngError::invalid("duration", *d, "must be finite and >= 0").at_row(i));
        }
    }
    let mut rows: Vec<(f64, bool)> = duration
        .iter()
        .copied()
        .zip(observed.iter().copied())
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(rows)
}

/// The Kaplan–Meier estimate of the share of customers still active after
/// each time, from each customer's `duration` (time to churn, or to the end
/// of observation) and whether the churn was `observed` (false: censored,
/// still active).
///
/// # Formula
///
/// Kaplan & Meier (1958); with `n_i` at risk and `d_i` events at time `t_i`:
///
/// ```text
/// S(t) = Π_{t_i ≤ t} (1 − d_i / n_i)
/// ```
///
/// The band is Greenwood's variance on the log-log scale (Kalbfleisch &
/// Prentice 1980), which stays inside [0, 1] — lifelines' default:
///
/// ```text
/// σ² = Σ_{t_i ≤ t} d_i / (n_i (n_i − d_i)),   c = ln(−ln S)
/// bounds = exp(−exp(c ∓ z σ / ln S))   (1 where S = 1, 0 where S = 0)
/// ```
///
/// # Errors
/// [`EngError::LengthMismatch`]; [`EngError::EmptyInput`];
/// [`EngError::InvalidInput`] (with the row) for a duration that is not
/// finite and ≥ 0; [`EngError::Config`] for a level outside (0, 1).
///
/// # Examples
///
/// ```
/// use engagement_core::retention::survival::kaplan_meier;
/// // Churned after 1, 3, 3 months; still active after 2 and 4.
/// let km = kaplan_meier(&[1.0, 2.0, 3.0, 3.0, 4.0], &[true, false, true, true, false], 0.95)?;
/// assert_eq!(km.time, [0.0, 1.0, 2.0, 3.0, 4.0]);
/// // S(1) = 4/5, S(3) = 4/5 · (1 − 2/3) = 4/15.
/// assert!((km.survival[1] - 0.8).abs() < 1e-15 && (km.survival[3] - 4.0 / 15.0).abs() < 1e-15);
/// assert_eq!(km.median, Some(3.0));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn kaplan_meier(duration: &[f64], observed: &[bool], level: f64) -> Result<KaplanMeier> {
    let z = z_for_level(level)?;
    let rows = checked(duration, observed, "kaplan_meier")?;
    let mut km = KaplanMeier {
        time: vec![0.0],
        at_risk: vec![rows.len() as u64],
        events: vec![0],
        censored: vec![0],
        survival: vec![1.0],
        ci_low: vec![1.0],
        ci_high: vec![1.0],
        median: None,
        level,
    };
    let (mut s, mut greenwood, mut at_risk) = (1.0f64, 0.0f64, rows.len() as u64);
    for run in rows.chunk_by(|a, b| a.0 == b.0) {
        let t = run[0].0;
        let events = run.iter().filter(|r| r.1).count() as u64;
        let censored = run.len() as u64 - events;
        // Time 0 rows join the first row of the table.
        let (n, d) = (at_risk as f64, events as f64);
        s *= 1.0 - d / n;
        if events > 0 {
            greenwood += if events < at_risk {
                d / (n * (n - d))
            } else {
                f64::INFINITY
            };
        }
        let (low, high) = if s >= 1.0 {
            (1.0, 1.0)
        } else if s <= 0.0 {
            (0.0, 0.0)
        } else {
            let ln_s = s.ln();
            let c = (-ln_s).ln();
            // σ / ln S is negative: c − spread is the larger log-log value, the lower survival.
            let spread = z * greenwood.sqrt() / ln_s;
            ((-(c - spread).exp()).exp(), (-(c + spread).exp()).exp())
        };
        if t == 0.0 {
            km.events[0] += events;
            km.censored[0] += censored;
            km.survival[0] = s;
            km.ci_low[0] = low;
            km.ci_high[0] = high;
        } else {
            km.time.push(t);
            km.at_risk.push(at_risk);
            km.events.push(events);
            km.censored.push(censored);
            km.survival.push(s);
            km.ci_low.push(low);
            km.ci_high.push(high);
        }
        if km.median.is_none() && s <= 0.5 {
            km.median = Some(t);
        }
        at_risk -= run.len() as u64;
    }
    Ok(km)
}

/// The log-rank comparison of two groups' survival.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogRankTest {
    /// Events observed in the first group.
    pub observed_a: f64,
    /// Events expected in the first group if both groups shared one curve.
    pub expected_a: f64,
    /// The chi-square statistic (1 degree of freedom).
    pub statistic: f64,
    /// Its p-value.
    pub p_value: f64,
}

/// The log-rank test (Mantel 1966) that two groups of customers churn at the
/// same rate over time.
///
/// # Formula
///
/// Over the distinct event times of both groups, with `n` at risk (`n_a` in
/// the first group) and `d` events (`d_a`):
///
/// ```text
/// E_a = Σ d n_a / n,   V = Σ d (n_a/n)(1 − n_a/n)(n − d)/(n − 1)
/// χ² = (O_a − E_a)² / V,   p = P(χ²₁ > χ²)
/// ```
///
/// # Errors
/// As [`kaplan_meier`] for either group; [`EngError::InvalidInput`] when
/// neither group has an event (nothing to compare).
///
/// # Examples
///
/// ```
/// use engagement_core::retention::survival::logrank_test;
/// let t = logrank_test(&[1.0, 2.0, 3.0, 4.0], &[true; 4], &[5.0, 6.0, 7.0, 8.0], &[true; 4])?;
/// assert!(t.observed_a > t.expected_a && t.p_value < 0.05);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn logrank_test(
    duration_a: &[f64],
    observed_a: &[bool],
    duration_b: &[f64],
    observed_b: &[bool],
) -> Result<LogRankTest> {
    let a = checked(duration_a, observed_a, "group a")?;
    let b = checked(duration_b, observed_b, "group b")?;
    // Merge both groups by time; walk distinct times.
    let mut all: Vec<(f64, bool, bool)> = a
        .iter()
        .map(|&(t, e)| (t, e, true))
        .chain(b.iter().map(|&(t, e)| (t, e, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut n_a, mut n) = (a.len() as f64, all.len() as f64);
    let (mut obs, mut exp, mut var) = (0.0f64, 0.0f64, 0.0f64);
    for run in all.chunk_by(|x, y| x.0 == y.0) {
        let d = run.iter().filter(|r| r.1).count() as f64;
        let d_a = run.iter().filter(|r| r.1 && r.2).count() as f64;
        if d > 0.0 {
            let share = n_a / n;
            obs += d_a;
            exp += d * share;
            if n > 1.0 {
                var += d * share * (1.0 - share) * (n - d) / (n - 1.0);
            }
        }
        n_a -= run.iter().filter(|r| r.2).count() as f64;
        n -= run.len() as f64;
    }
    if var <= 0.0 {
        return Err(EngError::invalid(
            "observed",
            "no events",
            "the groups have no comparable churn events",
        ));
    }
    let statistic = (obs - exp) * (obs - exp) / var;
    let chi =
        ChiSquared::new(1.0).map_err(|e| EngError::config("degrees of freedom", e.to_string()))?;
    Ok(LogRankTest {
        observed_a: obs,
        expected_a: exp,
        statistic,
        p_value: chi.sf(statistic),
    })
}

/// The restricted mean survival time: the expected active time within the
/// first `tau` time units (the area under the Kaplan–Meier curve up to `tau`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rmst {
    /// The horizon.
    pub tau: f64,
    /// `∫₀^τ S(t) dt`, in the durations' unit.
    pub rmst: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Lower bound of the normal interval.
    pub ci_low: f64,
    /// Upper bound of the normal interval.
    pub ci_high: f64,
    /// Confidence level.
    pub level: f64,
}

/// Two groups' restricted mean survival times compared.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RmstDifference {
    /// The first group (the reference).
    pub a: Rmst,
    /// The second group.
    pub b: Rmst,
    /// `rmst_b − rmst_a`: active time gained (or lost) within `tau`.
    pub difference: f64,
    /// Its standard error `√(se_a² + se_b²)`.
    pub standard_error: f64,
    /// Lower bound of the difference's interval.
    pub ci_low: f64,
    /// Upper bound of the difference's interval.
    pub ci_high: f64,
    /// `difference / standard_error`.
    pub z: f64,
    /// Two-sided p-value of `z`.
    pub p_value: f64,
    /// `rmst_b / rmst_a`.
    pub ratio: f64,
    /// Lower bound of the ratio's interval (delta method on the log ratio).
    pub ratio_ci_low: f64,
    /// Upper bound of the ratio's interval.
    pub ratio_ci_high: f64,
    /// Confidence level.
    pub level: f64,
}

/// The restricted mean survival time up to `tau` with its standard error and
/// a normal interval at `level`.
///
/// # Formula
///
/// From the Kaplan–Meier curve `S` with `n_i` at risk and `d_i` events at
/// the event times `t_i ≤ τ` (Klein & Moeschberger 2003, §4.5; the form of
/// R's `survRM2`, Uno et al. 2014):
///
/// ```text
/// RMST = ∫₀^τ S(t) dt,   A_i = ∫_{t_i}^τ S(t) dt
/// Var = Σ_{t_i ≤ τ} A_i² d_i / (n_i (n_i − d_i))   (0 where d_i = n_i)
/// ```
///
/// # Errors
/// As [`kaplan_meier`]; [`EngError::Config`] for `tau` not finite and > 0;
/// [`EngError::InvalidInput`] for `tau` past the longest duration (the curve
/// is not known there).
///
/// # Examples
///
/// ```
/// use engagement_core::retention::survival::rmst;
/// // S = 1 until 2, 1/2 until 4, then 0: the area up to 4 is 2 + 1 = 3.
/// let r = rmst(&[2.0, 4.0], &[true, true], 4.0, 0.95)?;
/// assert!((r.rmst - 3.0).abs() < 1e-15);
/// assert!(r.ci_low < 3.0 && 3.0 < r.ci_high);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn rmst(duration: &[f64], observed: &[bool], tau: f64, level: f64) -> Result<Rmst> {
    let z = z_for_level(level)?;
    crate::error::positive("tau", tau)?;
    let km = kaplan_meier(duration, observed, level)?;
    let longest = km.time.last().copied().unwrap_or(0.0);
    if tau > longest {
        return Err(EngError::invalid(
            "tau",
            tau,
            format!("past the longest duration ({longest}): the curve is not known there"),
        ));
    }
    // Pieces [t_i, min(t_{i+1}, τ)) at height S_i, for t_i < τ.
    let pieces: Vec<f64> = (0..km.time.len())
        .map(|i| {
            let end = km.time.get(i + 1).copied().unwrap_or(tau).min(tau);
            km.survival[i] * (end - km.time[i]).max(0.0)
        })
        .collect();
    let area: f64 = pieces.iter().sum();
    // A_i: the area after t_i, summed from the end.
    let mut after = 0.0;
    let mut variance = 0.0;
    for i in (0..km.time.len()).rev() {
        after += pieces[i];
        let (n, d) = (km.at_risk[i] as f64, km.events[i] as f64);
        if km.time[i] <= tau && d > 0.0 && d < n {
            variance += after * after * d / (n * (n - d));
        }
    }
    // The areas are summed forward for RMST and backward for A_i: A_0 is RMST.
    let se = variance.sqrt();
    Ok(Rmst {
        tau,
        rmst: area,
        standard_error: se,
        ci_low: area - z * se,
        ci_high: area + z * se,
        level,
    })
}

/// Compares two groups' restricted mean survival times up to `tau`:
/// difference and ratio (`b` against `a`) with normal intervals, and the
/// two-sided test of no difference (the groups independent).
///
/// # Errors
/// As [`rmst`] for either group (`tau` must lie within both groups'
/// follow-up).
///
/// # Examples
///
/// ```
/// use engagement_core::retention::survival::rmst_difference;
/// let d = rmst_difference(&[1.0, 2.0, 3.0, 4.0], &[true; 4], &[2.0, 4.0, 6.0, 8.0], &[true; 4], 4.0, 0.95)?;
/// assert!((d.difference - (d.b.rmst - d.a.rmst)).abs() < 1e-15 && d.difference > 0.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn rmst_difference(
    duration_a: &[f64],
    observed_a: &[bool],
    duration_b: &[f64],
    observed_b: &[bool],
    tau: f64,
    level: f64,
) -> Result<RmstDifference> {
    let z = z_for_level(level)?;
    let a = rmst(duration_a, observed_a, tau, level)?;
    let b = rmst(duration_b, observed_b, tau, level)?;
    let difference = b.rmst - a.rmst;
    let se = a.standard_error.hypot(b.standard_error);
    let stat = if se > 0.0 {
        difference / se
    } else if difference == 0.0 {
        0.0
    } else {
        difference.signum() * f64::INFINITY
    };
    let ratio = b.rmst / a.rmst;
    let se_log = ((a.standard_error / a.rmst).powi(2) + (b.standard_error / b.rmst).powi(2)).sqrt();
    Ok(RmstDifference {
        a,
        b,
        difference,
        standard_error: se,
        ci_low: difference - z * se,
        ci_high: difference + z * se,
        z: stat,
        p_value: (2.0 * normal_sf(stat.abs())).min(1.0),
        ratio,
        ratio_ci_low: ratio * (-z * se_log).exp(),
        ratio_ci_high: ratio * (z * se_log).exp(),
        level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survival_is_non_increasing_and_within_its_band() {
        let d: Vec<f64> = (0..200).map(|i| f64::from((i * 37) % 50)).collect();
        let e: Vec<bool> = (0..200).map(|i| i % 3 != 0).collect();
        let km = kaplan_meier(&d, &e, 0.9).unwrap();
        for i in 0..km.time.len() {
            assert!((0.0..=1.0).contains(&km.survival[i]));
            assert!(
                km.ci_low[i] <= km.survival[i] + 1e-15 && km.survival[i] <= km.ci_high[i] + 1e-15
            );
            if i > 0 {
                assert!(km.survival[i] <= km.survival[i - 1] && km.time[i] > km.time[i - 1]);
            }
        }
        let at_risk_end =
            km.at_risk.last().unwrap() - km.events.last().unwrap() - km.censored.last().unwrap();
        assert_eq!(at_risk_end, 0);
    }

    proptest::proptest! {
        #[test]
        fn prop_curve_is_a_non_increasing_probability_inside_its_band(
            rows in proptest::collection::vec((0u8..60, proptest::bool::ANY), 1..120),
        ) {
            let d: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
            let e: Vec<bool> = rows.iter().map(|r| r.1).collect();
            let km = kaplan_meier(&d, &e, 0.95).unwrap();
            for i in 0..km.time.len() {
                proptest::prop_assert!((0.0..=1.0).contains(&km.survival[i]));
                proptest::prop_assert!(km.ci_low[i] <= km.survival[i] + 1e-12);
                proptest::prop_assert!(km.survival[i] <= km.ci_high[i] + 1e-12);
                if i > 0 {
                    proptest::prop_assert!(km.survival[i] <= km.survival[i - 1]);
                }
            }
            let seen: u64 = km.events.iter().chain(&km.censored).sum();
            proptest::prop_assert_eq!(seen, rows.len() as u64);
        }
    }

    #[test]
    fn bad_input_is_typed() {
        assert!(kaplan_meier(&[], &[], 0.95).is_err());
        assert!(kaplan_meier(&[1.0], &[true, false], 0.95).is_err());
        assert!(kaplan_meier(&[-1.0], &[true], 0.95).is_err());
        assert!(kaplan_meier(&[f64::NAN], &[true], 0.95).is_err());
        assert!(logrank_test(&[1.0], &[false], &[2.0], &[false]).is_err());
    }
}
