//! The shifted-beta-geometric model of contractual retention (Fader & Hardie
//! 2007): each customer renews every period with a constant probability of
//! churning `θ`, and `θ` varies across customers as Beta(`alpha`, `beta`).
//! Fitted to a cohort's survivor counts: `alive[0]` customers at the start,
//! `alive[t]` still subscribed after period `t`.

use serde::{Deserialize, Serialize};

use crate::clv::fit::{FitOptions, FitReport, minimize_smooth, standard_errors_from_gradient};
use crate::clv::special::{ln_beta, ln_beta_grad};
use crate::error::{EngError, Result};

/// Shifted-beta-geometric parameters: churn probabilities Beta(`alpha`, `beta`).
///
/// # Examples
///
/// ```
/// use engagement_core::clv::sbg::SbgParams;
/// let p: SbgParams = serde_json::from_str(r#"{"alpha": 0.704, "beta": 1.182}"#)?;
/// assert_eq!(p.beta, 1.182);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SbgParams {
    /// First shape of the churn-probability distribution.
    pub alpha: f64,
    /// Second shape of the churn-probability distribution.
    pub beta: f64,
}

/// Survivor counts: at least two, finite, `alive[0] > 0`, never increasing.
fn check_alive(alive: &[f64]) -> Result<()> {
    if alive.len() < 2 {
        return Err(EngError::EmptyInput {
            what: "a shifted-beta-geometric fit".into(),
            unit: "period after the start".into(),
        });
    }
    for (i, &a) in alive.iter().enumerate() {
        if !(a.is_finite() && a >= 0.0) {
            return Err(EngError::invalid("alive", a, "must be finite and >= 0").at_row(i));
        }
        if i > 0 && a > alive[i - 1] {
            return Err(EngError::invalid("alive", a, "survivors cannot increase").at_row(i));
        }
    }
    if alive[0] <= 0.0 {
        return Err(
            EngError::invalid("alive", alive[0], "the cohort must start with customers").at_row(0),
        );
    }
    Ok(())
}

impl SbgParams {
    /// Starting values of a fit: `alpha = 1, beta = 1`.
    pub const INITIAL: [f64; 2] = [1.0, 1.0];

    fn check(&self) -> Result<()> {
        crate::error::positive("alpha", self.alpha)?;
        crate::error::positive("beta", self.beta)
    }

    /// Log-likelihood of a cohort's survivor counts.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2007), "How to Project Customer Retention", JIM 21(1):
    /// with `P(T = t) = B(α+1, β+t−1)/B(α, β)` and `S(t) = B(α, β+t)/B(α, β)`,
    ///
    /// ```text
    /// LL = Σ_{t=1..n} (alive[t−1] − alive[t]) ln P(T = t) + alive[n] ln S(n)
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters;
    /// [`EngError::InvalidInput`] / [`EngError::EmptyInput`] for bad counts.
    pub fn log_likelihood(&self, alive: &[f64]) -> Result<f64> {
        self.check()?;
        check_alive(alive)?;
        Ok(self.log_likelihood_and_gradient(alive).0)
    }

    /// The log-likelihood of checked counts and its gradient in `(alpha, beta)`.
    fn log_likelihood_and_gradient(&self, alive: &[f64]) -> (f64, [f64; 2]) {
        let SbgParams { alpha, beta } = *self;
        let (base, (base_a, base_b)) = (ln_beta(alpha, beta), ln_beta_grad(alpha, beta));
        let n = alive.len() - 1;
        let (ga, gb) = ln_beta_grad(alpha, beta + n as f64);
        let mut ll = alive[n] * (ln_beta(alpha, beta + n as f64) - base);
        let mut grad = [alive[n] * (ga - base_a), alive[n] * (gb - base_b)];
        for t in 1..=n {
            let lost = alive[t - 1] - alive[t];
            if lost > 0.0 {
                let (p, q) = (alpha + 1.0, beta + t as f64 - 1.0);
                let (gp, gq) = ln_beta_grad(p, q);
                ll += lost * (ln_beta(p, q) - base);
                grad[0] += lost * (gp - base_a);
                grad[1] += lost * (gq - base_b);
            }
        }
        (ll, grad)
    }

    /// Maximum-likelihood fit to a cohort's survivor counts.
    ///
    /// Give counts of customers, not shares: the estimates are the same, but
    /// the standard errors assume each unit is one customer.
    ///
    /// # Errors
    /// As [`log_likelihood`](Self::log_likelihood); [`EngError::Config`] for bad
    /// options; [`EngError::Convergence`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{FitOptions, sbg::SbgParams};
    /// // Fader & Hardie (2007), the "regular" segment: α = 0.704, β = 1.182.
    /// let fit = SbgParams::fit(&[1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0], &FitOptions::default())?;
    /// assert!((fit.params.alpha - 0.704).abs() < 5e-4 && (fit.params.beta - 1.182).abs() < 5e-4);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit(alive: &[f64], options: &FitOptions) -> Result<FitReport<SbgParams>> {
        check_alive(alive)?;
        let of = |p: &[f64]| SbgParams {
            alpha: p[0],
            beta: p[1],
        };
        let nll = |p: &[f64]| {
            let (ll, g) = of(p).log_likelihood_and_gradient(alive);
            (-ll, vec![-g[0], -g[1]])
        };
        let (p, iterations) = minimize_smooth(&Self::INITIAL, &nll, &|p| nll(p).0, options)?;
        let params = of(&p);
        Ok(FitReport {
            params,
            log_likelihood: params.log_likelihood(alive)?,
            iterations,
            customers: alive[0],
            standard_errors: standard_errors_from_gradient(&|p| nll(p).1, &p),
        })
    }

    /// Share of a cohort still subscribed after `t` periods: `S(t) = B(α, β+t)/B(α, β)`.
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters; [`EngError::InvalidInput`]
    /// for a negative or non-finite `t`.
    pub fn survival(&self, t: f64) -> Result<f64> {
        self.check()?;
        if !(t.is_finite() && t >= 0.0) {
            return Err(EngError::invalid("t", t, "must be a finite number >= 0"));
        }
        Ok((ln_beta(self.alpha, self.beta + t) - ln_beta(self.alpha, self.beta)).exp())
    }

    /// Retention rate of period `t` (share of those alive after `t − 1`
    /// periods who renew): `r(t) = (β+t−1)/(α+β+t−1)`, rising with `t`.
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters; [`EngError::InvalidInput`]
    /// unless `t >= 1`.
    pub fn retention_rate(&self, t: f64) -> Result<f64> {
        self.check()?;
        if !(t.is_finite() && t >= 1.0) {
            return Err(EngError::invalid("t", t, "must be a finite number >= 1"));
        }
        Ok((self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_central_differences() {
        let alive = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
        let theta = [1.5, 3.0]; // away from the optimum, where the gradient is large
        let ll = |t: [f64; 2]| {
            SbgParams {
                alpha: t[0],
                beta: t[1],
            }
            .log_likelihood(&alive)
            .unwrap()
        };
        let (_, grad) = SbgParams {
            alpha: theta[0],
            beta: theta[1],
        }
        .log_likelihood_and_gradient(&alive);
        for k in 0..2 {
            let h = 1e-6 * theta[k];
            let (mut up, mut down) = (theta, theta);
            up[k] += h;
            down[k] -= h;
            let numeric = (ll(up) - ll(down)) / (2.0 * h);
            assert!(
                (grad[k] - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                "{k}: {} vs {numeric}",
                grad[k]
            );
        }
    }

    #[test]
    fn closed_forms_and_bad_input() {
        // α = β = 1: θ is uniform, S(t) = B(1, 1+t)/B(1, 1) = 1/(1+t), r(t) = t/(t+1).
        let p = SbgParams {
            alpha: 1.0,
            beta: 1.0,
        };
        for t in [0.0, 1.0, 4.0, 10.0] {
            assert!((p.survival(t).unwrap() - 1.0 / (1.0 + t)).abs() < 1e-12);
        }
        assert!((p.retention_rate(3.0).unwrap() - 0.75).abs() < 1e-15);
        // Survival is the product of the retention rates.
        let q = SbgParams {
            alpha: 0.704,
            beta: 1.182,
        };
        let product: f64 = (1..=5)
            .map(|t| q.retention_rate(f64::from(t)).unwrap())
            .product();
        assert!((q.survival(5.0).unwrap() - product).abs() < 1e-12);
        // LL by hand for [2, 1]: one lost in period 1 (P = α/(α+β) = 1/2), one survives (S(1) = 1/2).
        assert!((p.log_likelihood(&[2.0, 1.0]).unwrap() - 2.0 * 0.5f64.ln()).abs() < 1e-12);
        assert!(p.log_likelihood(&[10.0]).is_err());
        assert!(p.log_likelihood(&[10.0, 11.0]).is_err());
        assert!(p.log_likelihood(&[0.0, 0.0]).is_err());
        assert!(p.log_likelihood(&[10.0, f64::NAN]).is_err());
        assert!(
            SbgParams {
                alpha: -1.0,
                beta: 1.0
            }
            .log_likelihood(&[2.0, 1.0])
            .is_err()
        );
        assert!(p.retention_rate(0.5).is_err() && p.survival(-1.0).is_err());
    }
}
