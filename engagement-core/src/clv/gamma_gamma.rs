//! The Gamma-Gamma model of spend per transaction (Fader & Hardie 2013).

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::clv::fit::{
    FitOptions, FitReport, minimize_newton, negate, standard_errors_from_hessian,
};
use crate::clv::special::trigamma;
use crate::error::{EngError, Result};

/// Gamma-Gamma parameters: spend per transaction is Gamma(`p`, ν) with ν
/// Gamma(`q`, `gamma`) across customers (`gamma` is a rate).
///
/// # Examples
///
/// ```
/// use engagement_core::clv::gamma_gamma::GammaGammaParams;
/// let g = GammaGammaParams { p: 6.25, q: 3.74, gamma: 15.44 };
/// // With no repeat transactions the prediction is the population mean p·γ/(q−1).
/// assert!((g.expected_spend(0.0, 0.0)? - 6.25 * 15.44 / 2.74).abs() < 1e-9);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GammaGammaParams {
    /// Shape of spend per transaction.
    pub p: f64,
    /// Shape of the across-customer distribution of ν.
    pub q: f64,
    /// Rate of the across-customer distribution of ν.
    pub gamma: f64,
}

/// Repeat-purchase counts and mean repeat spend of customers with `x > 0`.
fn check_spend(x: &[f64], m: &[f64]) -> Result<()> {
    if x.len() != m.len() {
        return Err(EngError::LengthMismatch {
            field: "monetary_value".into(),
            expected: x.len(),
            found: m.len(),
        });
    }
    for (i, (&xi, &mi)) in x.iter().zip(m).enumerate() {
        // Bounded as counts and money are everywhere: a likelihood over absurd values would
        // keep the optimiser searching for a long time rather than fail.
        if !(xi.is_finite() && (1.0..=1e9).contains(&xi) && xi.fract() == 0.0) {
            return Err(EngError::invalid(
                "frequency",
                xi,
                "must be a whole number from 1 to 10^9 (fit on repeat buyers)",
            )
            .at_row(i));
        }
        if !(mi.is_finite() && mi > 0.0 && mi <= crate::MAX_MONEY) {
            return Err(EngError::invalid(
                "monetary_value",
                mi,
                "must be an amount of money > 0 and at most 10^12",
            )
            .at_row(i));
        }
    }
    if x.is_empty() {
        return Err(EngError::EmptyInput {
            what: "a Gamma-Gamma fit".into(),
            unit: "repeat buyer".into(),
        });
    }
    Ok(())
}

/// The log-likelihood over distinct `(x, m, ln m, weight)` rows (sorted by
/// `x`) with its gradient and Hessian in `(p, q, γ)`: ψ and ψ₁ terms per
/// distinct `x`; per row, with `I = 1/(γ + m x)`, the sums `Σw·I` and
/// `Σw·I²` give the Hessian's `γ` entries (`∂²/∂p∂γ = −x I`,
/// `∂²/∂q∂γ = −I`, `∂²/∂γ² = (px+q) I²`).
// Index loops: small dense matrix algebra reads clearest with explicit indices.
#[allow(clippy::needless_range_loop)]
fn grouped_derivatives(
    rows: &[(f64, f64, f64, f64)],
    g: &GammaGammaParams,
) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
    let GammaGammaParams { p, q, gamma } = *g;
    let constant = -ln_gamma(q) + q * gamma.ln();
    let d_constant_q = -digamma(q) + gamma.ln();
    let tri_q = trigamma(q);
    let mut total = 0.0;
    let mut grad = vec![0.0; 3];
    let mut hess = vec![vec![0.0; 3]; 3];
    for run in rows.chunk_by(|a, b| a.0 == b.0) {
        let (x, count) = (run[0].0, run.iter().map(|r| r.3).sum::<f64>());
        let px = p * x;
        let psi_pxq = digamma(px + q);
        let tri_pxq = trigamma(px + q);
        total += count * (ln_gamma(px + q) - ln_gamma(px) + px * x.ln() + constant);
        grad[0] += count * x * (psi_pxq - digamma(px) + x.ln());
        grad[1] += count * (psi_pxq + d_constant_q);
        grad[2] += count * q / gamma;
        hess[0][0] += count * x * x * (tri_pxq - trigamma(px));
        hess[0][1] += count * x * tri_pxq;
        hess[1][1] += count * (tri_pxq - tri_q);
        hess[1][2] += count / gamma;
        hess[2][2] -= count * q / (gamma * gamma);
        let (mut inv, mut inv2) = (0.0, 0.0);
        for &(_, m, ln_m, w) in run {
            let ln_gm = (gamma + m * x).ln();
            let i = 1.0 / (gamma + m * x);
            total += w * ((px - 1.0) * ln_m - (px + q) * ln_gm);
            grad[0] += w * x * (ln_m - ln_gm);
            grad[1] -= w * ln_gm;
            inv += w * i;
            inv2 += w * i * i;
        }
        grad[2] -= (px + q) * inv;
        hess[0][2] -= x * inv;
        hess[1][2] -= inv;
        hess[2][2] += (px + q) * inv2;
    }
    for k in 0..3 {
        for l in 0..k {
            hess[k][l] = hess[l][k];
        }
    }
    (total, grad, hess)
}

impl GammaGammaParams {
    /// Starting values of a fit: `p = 1, q = 1, gamma = 1`.
    pub const INITIAL: [f64; 3] = [1.0, 1.0, 1.0];

    /// Log-likelihood of one customer with `x` repeat transactions of mean value `m`.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", eq. (3):
    ///
    /// ```text
    /// ln L = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + m x)
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::gamma_gamma::GammaGammaParams;
    /// let g = GammaGammaParams { p: 1.0, q: 1.0, gamma: 1.0 };
    /// // x = 1, m = 1: ln L = lnΓ(2) − 0 − 0 + 0 + 0 + 0 − 2 ln 2
    /// assert!((g.ln_likelihood(1.0, 1.0) + 2.0 * 2f64.ln()).abs() < 1e-12);
    /// ```
    pub fn ln_likelihood(&self, x: f64, m: f64) -> f64 {
        let GammaGammaParams { p, q, gamma } = *self;
        ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
            + q * gamma.ln()
            + (p * x - 1.0) * m.ln()
            + p * x * x.ln()
            - (p * x + q) * (gamma + m * x).ln()
    }

    /// Maximum-likelihood fit to repeat buyers (`frequency ≥ 1`, mean repeat
    /// spend): [`ln_likelihood`](Self::ln_likelihood) summed over customers.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] / [`EngError::LengthMismatch`] /
    /// [`EngError::EmptyInput`] for bad data; [`EngError::Convergence`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{FitOptions, gamma_gamma::GammaGammaParams};
    /// let fit = GammaGammaParams::fit(&[1.0, 2.0, 3.0, 1.0], &[20.0, 35.0, 28.0, 50.0], &FitOptions::default())?;
    /// assert!(fit.log_likelihood.is_finite());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit(
        frequency: &[f64],
        monetary_value: &[f64],
        options: &FitOptions,
    ) -> Result<FitReport<GammaGammaParams>> {
        Self::fit_weighted(frequency, monetary_value, None, options)
    }

    /// As [`fit`](Self::fit), row `i` counting as `weights[i]` customers
    /// (pre-aggregated rows). Equal (x, m) rows are fitted once with their
    /// summed weight, so the data's order and grouping do not change the result.
    ///
    /// # Errors
    /// As [`fit`](Self::fit); [`EngError::InvalidInput`] for a weight that is
    /// negative or not finite; [`EngError::EmptyInput`] when the weights sum to 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{FitOptions, gamma_gamma::GammaGammaParams};
    /// let all = GammaGammaParams::fit(&[1.0, 2.0, 2.0, 1.0], &[20.0, 35.0, 35.0, 50.0], &FitOptions::default())?;
    /// let grouped = GammaGammaParams::fit_weighted(&[2.0, 1.0, 1.0], &[35.0, 50.0, 20.0], Some(&[2.0, 1.0, 1.0]),
    ///                                              &FitOptions::default())?;
    /// assert_eq!(all.params, grouped.params);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit_weighted(
        frequency: &[f64],
        monetary_value: &[f64],
        weights: Option<&[f64]>,
        options: &FitOptions,
    ) -> Result<FitReport<GammaGammaParams>> {
        check_spend(frequency, monetary_value)?;
        if let Some(w) = weights {
            crate::clv::check_lengths(frequency.len(), &[("weights", w.len())])?;
            if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(
                    EngError::invalid("weights", w[i], "must be finite and >= 0").at_row(i),
                );
            }
        }
        // Distinct (x, m) rows with their summed weight, in (x, m) order (both
        // are non-negative, so their bits order as the numbers do). Grouped by
        // x: the Γ terms and px·ln x are then evaluated per distinct x, ln m
        // is taken once per row before the fit, and each evaluation only adds
        // q ln γ and the ln(γ + m x) of each row.
        let mut keyed: Vec<(u64, u64, f64)> = (0..frequency.len())
            .map(|i| {
                (
                    frequency[i].to_bits(),
                    monetary_value[i].to_bits(),
                    weights.map_or(1.0, |w| w[i]),
                )
            })
            .collect();
        keyed.sort_unstable_by_key(|r| (r.0, r.1));
        // (x, m, ln m, weight)
        let mut rows: Vec<(f64, f64, f64, f64)> = Vec::with_capacity(keyed.len());
        for (x, m, w) in keyed {
            let (x, m) = (f64::from_bits(x), f64::from_bits(m));
            match rows.last_mut() {
                Some(last) if last.0 == x && last.1 == m => last.3 += w,
                _ => rows.push((x, m, m.ln(), w)),
            }
        }
        let customers: f64 = rows.iter().map(|r| r.3).sum();
        if customers <= 0.0 {
            return Err(EngError::EmptyInput {
                what: "a model fit".into(),
                unit: "customer".into(),
            });
        }
        let ll = |g: &GammaGammaParams| grouped_derivatives(&rows, g);
        let of = |v: &[f64]| GammaGammaParams {
            p: v[0],
            q: v[1],
            gamma: v[2],
        };
        let negated = |v: &[f64]| {
            let (l, g, h) = ll(&of(v));
            negate(l, &g, h.iter().map(Vec::as_slice))
        };
        let with_hessian = |v: &[f64]| Some(negated(v));
        let with_gradient = |v: &[f64]| {
            let (l, g, _) = negated(v);
            (l, g)
        };
        let (v, iterations) = minimize_newton(
            &Self::INITIAL,
            &with_hessian,
            &with_gradient,
            &|v| negated(v).0,
            options,
        )?;
        let params = of(&v);
        let (nll, g, h) = negated(&v);
        Ok(FitReport {
            params,
            log_likelihood: -nll,
            iterations,
            customers,
            standard_errors: standard_errors_from_hessian(&g, &h, &v),
        })
    }

    /// Expected mean spend per transaction of a customer with `x` repeat
    /// transactions of mean value `m`.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2013), eq. (5):
    ///
    /// ```text
    /// E[M | x, m] = (γ + m x)·p / (p x + q − 1)
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] when `q <= 1` with `x = 0` (no finite mean) or a
    /// parameter is not positive; [`EngError::InvalidInput`] for bad `x`, `m`.
    pub fn expected_spend(&self, x: f64, m: f64) -> Result<f64> {
        for (name, v) in [("p", self.p), ("q", self.q), ("gamma", self.gamma)] {
            crate::error::positive(name, v)?;
        }
        // Named as every face calls them: frequency (x) and monetary_value (m).
        for (name, v) in [("frequency", x), ("monetary_value", m)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(EngError::invalid(name, v, "must be finite and >= 0"));
            }
        }
        let denom = self.p * x + self.q - 1.0;
        if denom <= 0.0 {
            return Err(EngError::config(
                "q",
                "the expected spend is infinite (p·x + q <= 1)",
            ));
        }
        Ok((self.gamma + m * x) * self.p / denom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grouped_fit_likelihood_is_the_sum_over_customers() {
        let x = [3.0, 1.0, 3.0, 2.0, 1.0, 5.0, 1.0];
        let m = [20.0, 35.5, 18.0, 50.0, 12.0, 22.0, 40.0];
        let fit = GammaGammaParams::fit(&x, &m, &FitOptions::default()).unwrap();
        // The Hessian against central differences of the gradient, at the fit and away from it.
        let mut rows: Vec<(f64, f64, f64, f64)> = x
            .iter()
            .zip(&m)
            .map(|(&x, &m)| (x, m, m.ln(), 1.0))
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let p = fit.params;
        for theta in [[p.p, p.q, p.gamma], [0.5, 3.0, 40.0]] {
            let at = |t: [f64; 3]| {
                grouped_derivatives(
                    &rows,
                    &GammaGammaParams {
                        p: t[0],
                        q: t[1],
                        gamma: t[2],
                    },
                )
            };
            let (_, _, hess) = at(theta);
            for k in 0..3 {
                let h = 1e-6 * theta[k];
                let (mut up, mut down) = (theta, theta);
                up[k] += h;
                down[k] -= h;
                let (g_up, g_down) = (at(up).1, at(down).1);
                for l in 0..3 {
                    let numeric = (g_up[l] - g_down[l]) / (2.0 * h);
                    assert!(
                        (hess[l][k] - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                        "({l}, {k}): {} vs {numeric}",
                        hess[l][k]
                    );
                }
            }
        }
        let by_row: f64 = x
            .iter()
            .zip(&m)
            .map(|(&x, &m)| fit.params.ln_likelihood(x, m))
            .sum();
        assert!(
            (fit.log_likelihood - by_row).abs() < 1e-9 * by_row.abs(),
            "{} {by_row}",
            fit.log_likelihood
        );
    }
}
