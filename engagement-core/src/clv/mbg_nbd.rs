//! The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD,
//! but a customer may also drop out at time 0, right after the first purchase,
//! so customers with no repeat purchase are no longer certainly alive.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use crate::clv::RepeatSummary;
use crate::clv::bg_nbd::{
    FamilyTerms, Matrix4, TimeIndex, at_removable_a, check_count, fit_bg_family,
    grouped_log_likelihood, nbd_count,
};
use crate::clv::fit::{FitOptions, FitReport};
use crate::clv::special::{hyp2f1, ln_beta};
use crate::error::{EngError, Result};

/// Modified BG/NBD parameters, named as in BG/NBD: purchase rates
/// Gamma(`r`, `alpha`), dropout probabilities Beta(`a`, `b`).
///
/// # Examples
///
/// ```
/// use engagement_core::clv::mbg_nbd::MbgNbdParams;
/// let p: MbgNbdParams = serde_json::from_str(r#"{"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}"#)?;
/// assert_eq!(p.b, 2.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MbgNbdParams {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Rate of the purchase-rate distribution.
    pub alpha: f64,
    /// First shape of the dropout-probability distribution.
    pub a: f64,
    /// Second shape of the dropout-probability distribution.
    pub b: f64,
}

impl MbgNbdParams {
    /// Starting values of a fit: `r = 1, alpha = 1, a = 1, b = 1`.
    pub const INITIAL: [f64; 4] = [1.0, 1.0, 1.0, 1.0];

    fn check(&self) -> Result<()> {
        crate::error::all_positive(&[
            ("r", self.r),
            ("alpha", self.alpha),
            ("a", self.a),
            ("b", self.b),
        ])
    }

    /// Log-likelihood of one customer with history `(x, t_x, T)`.
    ///
    /// # Formula
    ///
    /// Batislam, Denizel & Filiztekin (2007), "Empirical validation and
    /// comparison of models for customer base analysis", IJRM 24(3), in log form:
    ///
    /// ```text
    /// ln L = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x+1) − ln B(a, b)
    ///        + ln[ (α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x) ]
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::mbg_nbd::MbgNbdParams;
    /// let p = MbgNbdParams { r: 1.0, alpha: 1.0, a: 1.0, b: 1.0 };
    /// // x = 0, t_x = 0, T = 3: B(1,2)/B(1,1) · [1/4 + 1/1] = 1/2 · 5/4
    /// assert!((p.ln_likelihood(0.0, 0.0, 3.0) - (0.625f64).ln()).abs() < 1e-12);
    /// ```
    pub fn ln_likelihood(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let MbgNbdParams { r, alpha, a, b } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 = ln_gamma(a + b) + ln_gamma(b + x + 1.0) - ln_gamma(b) - ln_gamma(a + b + x + 1.0);
        let a3 = -(r + x) * (alpha + big_t).ln();
        let a4 = a.ln() - (b + x).ln() - (r + x) * (alpha + t_x).ln();
        let m = a3.max(a4);
        a1 + a2 + m + ((a3 - m).exp() + (a4 - m).exp()).ln()
    }

    /// Total log-likelihood of a summary (weighted by row counts).
    ///
    /// The Γ and B terms are evaluated once per run of equal `x` (rows of a
    /// [`RepeatSummary`] are sorted by `x`), the rest per row; any row order
    /// gives the same sum.
    pub fn log_likelihood(&self, data: &RepeatSummary) -> f64 {
        self.log_likelihood_derivatives(data, &TimeIndex::new(data))
            .0
    }

    #[cfg(test)]
    pub(crate) fn gradient_for_tests(&self, data: &RepeatSummary) -> [f64; 4] {
        self.log_likelihood_derivatives(data, &TimeIndex::new(data))
            .1
    }

    /// The log-likelihood with its gradient and Hessian in
    /// `(r, alpha, a, b)` (see [`grouped_log_likelihood`]).
    pub(crate) fn log_likelihood_derivatives(
        &self,
        data: &RepeatSummary,
        times: &TimeIndex,
    ) -> (f64, [f64; 4], Matrix4) {
        let MbgNbdParams { r, alpha, a, b } = *self;
        let terms = FamilyTerms::new(r, alpha, a, b);
        grouped_log_likelihood(data, times, r, alpha, |x| terms.per_x(x, 1.0, Some(b + x)))
    }

    /// Maximum-likelihood fit.
    ///
    /// # Errors
    /// [`EngError::EmptyInput`]; [`EngError::Config`] for bad options;
    /// [`EngError::Convergence`], also when a small data set puts the maximum
    /// at a boundary (`r`, `alpha` growing without bound).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{mbg_nbd::MbgNbdParams, FitOptions, RepeatSummary};
    /// let s = RepeatSummary::from_columns(
    ///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 0.0, 4.0],
    ///     &[0.0, 2.0, 9.0, 0.0, 4.0, 9.5, 7.0, 0.0, 0.0, 5.0],
    ///     &[10.0, 10.0, 10.0, 8.0, 6.0, 10.0, 9.0, 10.0, 10.0, 10.0])?;
    /// let fit = MbgNbdParams::fit(&s, &FitOptions::default())?;
    /// assert!(fit.log_likelihood >= MbgNbdParams { r: 1.0, alpha: 1.0, a: 1.0, b: 1.0 }.log_likelihood(&s));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit(data: &RepeatSummary, options: &FitOptions) -> Result<FitReport<MbgNbdParams>> {
        crate::clv::fit::require_customers(data.len(), "a modified BG/NBD fit")?;
        let of = |p: &[f64]| MbgNbdParams {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
        };
        let times = TimeIndex::new(data);
        let (p, iterations) = fit_bg_family(&Self::INITIAL, options, |p| {
            of(p).log_likelihood_derivatives(data, &times)
        })?;
        Ok(FitReport {
            params: of(&p.params),
            log_likelihood: p.log_likelihood,
            iterations,
            customers: data.customers(),
            standard_errors: p.standard_errors,
        })
    }

    /// Probability that a customer with history `(x, t_x, T)` is alive at `T`.
    ///
    /// # Formula
    ///
    /// Batislam, Denizel & Filiztekin (2007):
    ///
    /// ```text
    /// P(alive) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::mbg_nbd::MbgNbdParams;
    /// let p = MbgNbdParams { r: 0.5, alpha: 5.0, a: 0.8, b: 2.5 };
    /// assert!(p.p_alive(0.0, 0.0, 39.0)? < 1.0);   // unlike BG/NBD
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
        self.check()?;
        let MbgNbdParams { r, alpha, a, b } = *self;
        let ln_ratio = (a / (b + x)).ln() + (r + x) * ((alpha + big_t) / (alpha + t_x)).ln();
        Ok(1.0 / (1.0 + ln_ratio.exp()))
    }

    /// Probability that a new customer makes exactly `x` purchases in `(0, t]`.
    ///
    /// # Formula
    ///
    /// As BG/NBD, with the extra dropout chance right after the first purchase
    /// (`NBD(j)` the Gamma-Poisson probability of `j` purchases in `(0, t]`):
    ///
    /// ```text
    /// P(X(t) = x) = NBD(x) · B(a, b+x+1)/B(a, b) + B(a+1, b+x)/B(a, b) · [1 − Σ_{j<x} NBD(j)]
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters; [`EngError::InvalidInput`]
    /// for a negative `t` or an `x` that is not a whole number.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::mbg_nbd::MbgNbdParams;
    /// let p = MbgNbdParams { r: 0.5, alpha: 5.0, a: 0.8, b: 2.5 };
    /// // At t = 0 nobody has bought yet.
    /// assert!((p.probability_of_purchases(0.0, 0.0)? - 1.0).abs() < 1e-12);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn probability_of_purchases(&self, t: f64, x: f64) -> Result<f64> {
        self.check()?;
        check_count(t, x)?;
        let MbgNbdParams { r, alpha, a, b } = *self;
        let ln_b = |p: f64, q: f64| ln_beta(p, q) - ln_beta(a, b);
        let (ln_pmf, tail) = nbd_count(r, alpha, t, x);
        let p = (ln_pmf + ln_b(a, b + x + 1.0)).exp() + ln_b(a + 1.0, b + x).exp() * tail;
        // Rounding can leave a probability an ulp or two past 1.
        Ok(p.clamp(0.0, 1.0))
    }

    /// Expected purchases of a new customer in `(0, t]`.
    ///
    /// # Formula
    ///
    /// Batislam, Denizel & Filiztekin (2007):
    ///
    /// ```text
    /// E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b+1; a+b; t/(α+t))]
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters;
    /// [`EngError::InvalidInput`] for a negative `t`.
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        self.check()?;
        if !(t.is_finite() && t >= 0.0) {
            return Err(EngError::invalid("t", t, "must be a finite number >= 0"));
        }
        let MbgNbdParams { r, alpha, a, b } = *self;
        at_removable_a(a, |a| {
            let f = hyp2f1(r, b + 1.0, a + b, t / (alpha + t))?;
            Ok(b / (a - 1.0) * (1.0 - (alpha / (alpha + t)).powf(r) * f))
        })
    }

    /// Expected purchases in the next `t` of a customer with history `(x, t_x, T)`.
    ///
    /// # Formula
    ///
    /// Wagner & Hoppe (2008), for the model of Batislam et al.:
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]
    ///                       · P(alive)
    /// ```
    ///
    /// # Errors
    /// As [`expected_purchases_new`](Self::expected_purchases_new).
    pub fn conditional_expected_purchases(
        &self,
        t: f64,
        x: f64,
        t_x: f64,
        big_t: f64,
    ) -> Result<f64> {
        self.check()?;
        if !(t.is_finite() && t >= 0.0) {
            return Err(EngError::invalid("t", t, "must be a finite number >= 0"));
        }
        let MbgNbdParams { r, alpha, a, b } = *self;
        let numerator = at_removable_a(a, |a| {
            let f = hyp2f1(r + x, b + x + 1.0, a + b + x, t / (alpha + big_t + t))?;
            Ok((a + b + x) / (a - 1.0)
                * (1.0 - ((alpha + big_t) / (alpha + big_t + t)).powf(r + x) * f))
        })?;
        Ok(numerator * self.p_alive(x, t_x, big_t)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_log_likelihood_equals_the_per_row_sum() {
        let p = MbgNbdParams {
            r: 0.5,
            alpha: 6.2,
            a: 0.89,
            b: 1.6,
        };
        let rows = [
            (0.0, 0.0, 30.0),
            (2.0, 10.0, 30.0),
            (2.0, 25.0, 31.0),
            (0.0, 0.0, 12.0),
            (7.0, 29.0, 30.0),
        ];
        let per_row: f64 = rows
            .iter()
            .map(|&(x, tx, t)| p.ln_likelihood(x, tx, t))
            .sum();
        let unsorted = RepeatSummary {
            x: rows.map(|r| r.0).to_vec(),
            t_x: rows.map(|r| r.1).to_vec(),
            t: rows.map(|r| r.2).to_vec(),
            weight: vec![1.0; rows.len()],
        };
        assert!((p.log_likelihood(&unsorted) - per_row).abs() < 1e-9 * per_row.abs());
    }

    #[test]
    fn no_repeat_purchase_is_not_proof_of_life_and_a_equal_to_one_is_bridged() {
        let p = MbgNbdParams {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        };
        // x = 0: P(alive) = 1/(1 + a/b · ((α+T)/α)^r), below 1.
        let closed = 1.0 / (1.0 + 0.793 / 2.426 * ((4.414f64 + 39.0) / 4.414).powf(0.243));
        assert!((p.p_alive(0.0, 0.0, 39.0).unwrap() - closed).abs() < 1e-14);
        let at = |a: f64| MbgNbdParams { a, ..p };
        let mid = at(1.0)
            .conditional_expected_purchases(39.0, 2.0, 30.0, 39.0)
            .unwrap();
        let near = at(1.0 + 1e-7)
            .conditional_expected_purchases(39.0, 2.0, 30.0, 39.0)
            .unwrap();
        assert!(
            mid.is_finite() && (mid - near).abs() < 1e-6 * mid,
            "{mid} {near}"
        );
        assert_eq!(p.expected_purchases_new(0.0).unwrap(), 0.0);
        assert!(p.expected_purchases_new(-1.0).is_err());
        assert!(MbgNbdParams { b: 0.0, ..p }.p_alive(1.0, 1.0, 2.0).is_err());
    }
}
