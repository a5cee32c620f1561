//! The BG/BB model of discrete-time repeat purchasing (Fader, Hardie & Shang
//! 2010): at each of `n` transaction opportunities an alive customer buys with
//! probability `p`, then may die with probability `θ` before the next one;
//! `p` varies across customers as Beta(`alpha`, `beta`) and `θ` as
//! Beta(`gamma`, `delta`).
//!
//! A customer's history is `(x, t_x, n)`: `x` purchases at the `n`
//! opportunities after the first, the last at opportunity `t_x` (0 when
//! `x = 0`). All three are whole numbers with `x ≤ t_x ≤ n`.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use crate::clv::RepeatSummary;
use crate::clv::fit::{FitOptions, FitReport, minimize_smooth, standard_errors_from_gradient};
use crate::clv::special::{ln_add_exp, ln_beta, ln_beta_grad};
use crate::error::{EngError, Result};

/// BG/BB parameters: purchase probabilities Beta(`alpha`, `beta`), dropout
/// probabilities Beta(`gamma`, `delta`).
///
/// # Examples
///
/// ```
/// use engagement_core::clv::bg_bb::BgBbParams;
/// let p: BgBbParams = serde_json::from_str(r#"{"alpha": 1.204, "beta": 0.75, "gamma": 0.657, "delta": 2.783}"#)?;
/// assert_eq!(p.delta, 2.783);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BgBbParams {
    /// First shape of the purchase-probability distribution.
    pub alpha: f64,
    /// Second shape of the purchase-probability distribution.
    pub beta: f64,
    /// First shape of the dropout-probability distribution.
    pub gamma: f64,
    /// Second shape of the dropout-probability distribution.
    pub delta: f64,
}

/// Most opportunities a BG/BB history or horizon may span: the likelihood and
/// the predictions sum one term per opportunity, so an absurd count is an
/// error rather than a call that never returns.
pub const MAX_OPPORTUNITIES: f64 = 1e6;

/// One discrete history: whole numbers with `0 ≤ x ≤ t_x ≤ n`,
/// `1 ≤ n ≤` [`MAX_OPPORTUNITIES`], `t_x = 0` exactly when `x = 0`.
pub(crate) fn check_discrete(i: usize, x: f64, t_x: f64, n: f64) -> Result<()> {
    let bad = |field: &str, v: f64, why: &str| EngError::invalid(field, v, why).at_row(i);
    let whole = |v: f64| v.is_finite() && v >= 0.0 && v.fract() == 0.0;
    if !(whole(n) && (1.0..=MAX_OPPORTUNITIES).contains(&n)) {
        return Err(bad(
            "T",
            n,
            "BG/BB needs a whole number of opportunities in 1..=10^6",
        ));
    }
    if !(whole(x) && x <= n) {
        return Err(bad("frequency", x, "must be a whole number in 0..=n"));
    }
    if !(whole(t_x) && t_x <= n) {
        return Err(bad("recency", t_x, "must be a whole number in 0..=n"));
    }
    if (x == 0.0) != (t_x == 0.0) || x > t_x {
        return Err(bad(
            "recency",
            t_x,
            "must be 0 when frequency is 0, else at least the frequency",
        ));
    }
    Ok(())
}

fn check_periods(field: &str, t: f64) -> Result<()> {
    if !(t.is_finite() && (0.0..=MAX_OPPORTUNITIES).contains(&t) && t.fract() == 0.0) {
        return Err(EngError::invalid(
            field,
            t,
            "BG/BB counts whole opportunities: must be a whole number in 0..=10^6",
        ));
    }
    Ok(())
}

/// Calls `visit(is_alive, m, c, k)` for each term of the likelihood of
/// `(x, t_x, n)`, `B(α+x, β+m)/B(α,β) · B(γ+c, δ+k)/B(γ,δ)`: alive through
/// all `n` opportunities (`m = n−x, c = 0, k = n`), or died at opportunity
/// `t_x+i+1` (`m = t_x−x+i, c = 1, k = t_x+i`, `i = 0 .. n−t_x−1`).
fn for_each_term(x: f64, t_x: f64, n: f64, mut visit: impl FnMut(bool, f64, f64, f64)) {
    visit(true, n - x, 0.0, n);
    // n and t_x are checked whole numbers ≤ 10^6, so the count is exact.
    for i in 0..(n - t_x) as u64 {
        let i = i as f64;
        visit(false, t_x - x + i, 1.0, t_x + i);
    }
}

impl BgBbParams {
    /// Starting values of a fit: `alpha = beta = gamma = delta = 1`.
    pub const INITIAL: [f64; 4] = [1.0, 1.0, 1.0, 1.0];

    fn check(&self) -> Result<()> {
        crate::error::all_positive(&[
            ("alpha", self.alpha),
            ("beta", self.beta),
            ("gamma", self.gamma),
            ("delta", self.delta),
        ])
    }

    /// `ln` of the two parts of the likelihood: alive through all `n`
    /// opportunities, and died after the last purchase but before `n`.
    fn ln_parts(&self, x: f64, t_x: f64, n: f64) -> (f64, f64) {
        let (base_p, base_d) = (
            ln_beta(self.alpha, self.beta),
            ln_beta(self.gamma, self.delta),
        );
        let (mut alive, mut died) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for_each_term(x, t_x, n, |is_alive, m, c, k| {
            let term = ln_beta(self.alpha + x, self.beta + m) - base_p
                + ln_beta(self.gamma + c, self.delta + k)
                - base_d;
            if is_alive {
                alive = term;
            } else {
                died = ln_add_exp(died, term);
            }
        });
        (alive, died)
    }

    /// `ln L` of one history and its gradient in `(α, β, γ, δ)`: the
    /// softmax-weighted gradients of the terms, each a difference of `ψ`s.
    fn ln_likelihood_and_gradient(&self, x: f64, t_x: f64, n: f64) -> (f64, [f64; 4]) {
        let BgBbParams {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let (base_p, base_d) = (ln_beta(alpha, beta), ln_beta(gamma, delta));
        let (base_pa, base_pb) = ln_beta_grad(alpha, beta);
        let (base_dg, base_dd) = ln_beta_grad(gamma, delta);
        // Streaming log-sum-exp: Σ e^(term − top) and the same sum of the term gradients.
        let (mut top, mut sum, mut grad) = (f64::NEG_INFINITY, 0.0, [0.0; 4]);
        for_each_term(x, t_x, n, |_, m, c, k| {
            let term =
                ln_beta(alpha + x, beta + m) - base_p + ln_beta(gamma + c, delta + k) - base_d;
            let (ga, gb) = ln_beta_grad(alpha + x, beta + m);
            let (gg, gd) = ln_beta_grad(gamma + c, delta + k);
            let g = [ga - base_pa, gb - base_pb, gg - base_dg, gd - base_dd];
            if term > top {
                let shrink = (top - term).exp();
                sum *= shrink;
                grad.iter_mut().for_each(|v| *v *= shrink);
                top = term;
            }
            let e = (term - top).exp();
            sum += e;
            for (acc, gi) in grad.iter_mut().zip(g) {
                *acc += e * gi;
            }
        });
        (top + sum.ln(), grad.map(|v| v / sum))
    }

    /// Log-likelihood of one customer with history `(x, t_x, n)`.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010):
    ///
    /// ```text
    /// L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
    ///   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)
    /// ```
    ///
    /// summed in log space (a log-sum-exp over the terms).
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters;
    /// [`EngError::InvalidInput`] for a history that is not whole numbers with
    /// `x ≤ t_x ≤ n`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::bg_bb::BgBbParams;
    /// // α = β = 1, no dropout to speak of (γ tiny): P(buy at each of 2 chances) = 1/3.
    /// let p = BgBbParams { alpha: 1.0, beta: 1.0, gamma: 1e-12, delta: 1.0 };
    /// assert!((p.ln_likelihood(2.0, 2.0, 2.0)? - (1.0f64 / 3.0).ln()).abs() < 1e-9);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn ln_likelihood(&self, x: f64, t_x: f64, n: f64) -> Result<f64> {
        self.check()?;
        check_discrete(0, x, t_x, n)?;
        let (alive, died) = self.ln_parts(x, t_x, n);
        Ok(ln_add_exp(died, alive))
    }

    /// Weighted log-likelihood of a summary of discrete histories (`t` holds
    /// `n`); NaN for non-positive parameters, the fit's "infinitely bad".
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] (with the row) for a history that is not
    /// discrete.
    pub fn log_likelihood(&self, data: &RepeatSummary) -> Result<f64> {
        self_check_rows(data)?;
        Ok(self.log_likelihood_unchecked(data))
    }

    fn log_likelihood_unchecked(&self, data: &RepeatSummary) -> f64 {
        if self.check().is_err() {
            return f64::NAN;
        }
        (0..data.len())
            .map(|i| {
                let (alive, died) = self.ln_parts(data.x[i], data.t_x[i], data.t[i]);
                data.weight[i] * ln_add_exp(died, alive)
            })
            .sum()
    }

    /// Maximum-likelihood fit on distinct `(x, t_x, n)` rows with weights.
    ///
    /// # Errors
    /// [`EngError::EmptyInput`]; [`EngError::InvalidInput`] for a history that
    /// is not discrete; [`EngError::Config`] for bad options;
    /// [`EngError::Convergence`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{RepeatSummary, bg_bb::BgBbParams, FitOptions};
    /// let data = RepeatSummary {
    ///     x: vec![0.0, 1.0, 2.0, 3.0, 3.0],
    ///     t_x: vec![0.0, 1.0, 3.0, 3.0, 4.0],
    ///     t: vec![4.0; 5],
    ///     weight: vec![40.0, 20.0, 15.0, 10.0, 15.0],
    /// };
    /// let fit = BgBbParams::fit(&data, &FitOptions::default())?;
    /// assert_eq!(fit.customers, 100.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit(data: &RepeatSummary, options: &FitOptions) -> Result<FitReport<BgBbParams>> {
        crate::clv::fit::require_customers(data.len(), "a BG/BB fit")?;
        self_check_rows(data)?;
        let of = |p: &[f64]| BgBbParams {
            alpha: p[0],
            beta: p[1],
            gamma: p[2],
            delta: p[3],
        };
        let nll = |p: &[f64]| {
            let m = of(p);
            if m.check().is_err() {
                return (f64::NAN, vec![f64::NAN; 4]);
            }
            let mut total = (0.0, vec![0.0; 4]);
            for i in 0..data.len() {
                let w = data.weight[i];
                let (ll, g) = m.ln_likelihood_and_gradient(data.x[i], data.t_x[i], data.t[i]);
                total.0 -= w * ll;
                for (acc, gi) in total.1.iter_mut().zip(g) {
                    *acc -= w * gi;
                }
            }
            total
        };
        let (p, iterations) = minimize_smooth(&Self::INITIAL, &nll, &|p| nll(p).0, options)?;
        let params = of(&p);
        Ok(FitReport {
            params,
            log_likelihood: params.log_likelihood_unchecked(data),
            iterations,
            customers: data.customers(),
            standard_errors: standard_errors_from_gradient(&|p| nll(p).1, &p),
        })
    }

    /// Probability that a customer with history `(x, t_x, n)` is still alive
    /// at the next opportunity, `n + 1` (the quantity of Fader, Hardie & Shang
    /// 2010, Table 6).
    ///
    /// # Formula
    ///
    /// ```text
    /// P(alive at n+1) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L
    /// ```
    ///
    /// # Errors
    /// As [`ln_likelihood`](Self::ln_likelihood).
    pub fn p_alive(&self, x: f64, t_x: f64, n: f64) -> Result<f64> {
        self.check()?;
        check_discrete(0, x, t_x, n)?;
        let (alive, died) = self.ln_parts(x, t_x, n);
        let next = (self.delta + n) / (self.gamma + self.delta + n);
        Ok((alive - ln_add_exp(died, alive)).exp() * next)
    }

    /// `δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+m)/Γ(γ+δ+m) − Γ(1+δ+m+k)/Γ(γ+δ+m+k)]`:
    /// expected opportunities survived in `(m, m+k]`, per unit purchase
    /// probability. The singularity at `γ = 1` is removable (the bracket
    /// vanishes too); there the limit is the sum of its terms.
    fn survived_opportunities(&self, m: f64, k: f64) -> f64 {
        let BgBbParams { gamma, delta, .. } = *self;
        if (gamma - 1.0).abs() < 1e-6 {
            // Σ_{j=m+1}^{m+k} E[(1−θ)^j] = Σ B(γ, δ+j)/B(γ, δ), exact for any γ.
            let base = ln_beta(gamma, delta);
            return (1..=k as u64)
                .map(|j| (ln_beta(gamma, delta + m + j as f64) - base).exp())
                .sum();
        }
        let lead = ln_gamma(gamma + delta) - ln_gamma(1.0 + delta);
        let term = |u: f64| (lead + ln_gamma(1.0 + delta + u) - ln_gamma(gamma + delta + u)).exp();
        delta / (gamma - 1.0) * (term(m) - term(m + k))
    }

    /// Expected purchases of a new customer at the first `n` opportunities.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010):
    ///
    /// ```text
    /// E[X(n)] = α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)/Γ(γ+δ+n) · Γ(1+δ+n)/Γ(1+δ)]
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters;
    /// [`EngError::InvalidInput`] unless `n` is a whole number ≥ 0.
    pub fn expected_purchases_new(&self, n: f64) -> Result<f64> {
        self.check()?;
        check_periods("t", n)?;
        Ok(self.alpha / (self.alpha + self.beta) * self.survived_opportunities(0.0, n))
    }

    /// Expected purchases at the next `k` opportunities of a customer with
    /// history `(x, t_x, n)`.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010):
    ///
    /// ```text
    /// E[X(n, n+k) | x, t_x, n] = 1/L · B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
    ///                            · (expected opportunities survived in (n, n+k] given alive at n)
    /// ```
    ///
    /// # Errors
    /// As [`ln_likelihood`](Self::ln_likelihood); [`EngError::InvalidInput`]
    /// unless `k` is a whole number ≥ 0.
    pub fn conditional_expected_purchases(&self, k: f64, x: f64, t_x: f64, n: f64) -> Result<f64> {
        self.check()?;
        check_discrete(0, x, t_x, n)?;
        check_periods("t", k)?;
        let BgBbParams {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let (alive, died) = self.ln_parts(x, t_x, n);
        // Alive at n with posterior purchase probability (α+x)/(α+β+n); survival
        // from n on follows the posterior Beta(γ, δ+n) of θ.
        let posterior_alive = (alive - ln_add_exp(died, alive)).exp();
        let buy = (alpha + x) / (alpha + beta + n);
        let later = BgBbParams {
            alpha,
            beta,
            gamma,
            delta: delta + n,
        };
        Ok(posterior_alive * buy * later.survived_opportunities(0.0, k))
    }

    /// Probability that a new customer makes exactly `x` purchases at the
    /// first `n` opportunities.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010):
    ///
    /// ```text
    /// P(X(n) = x) = C(n,x) B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
    ///             + Σ_{i=x}^{n−1} C(i,x) B(α+x, β+i−x)/B(α,β) · B(γ+1, δ+i)/B(γ,δ)
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters;
    /// [`EngError::InvalidInput`] unless `n` and `x` are whole numbers ≥ 0.
    pub fn probability_of_purchases(&self, n: f64, x: f64) -> Result<f64> {
        self.check()?;
        check_periods("t", n)?;
        check_periods("x", x)?;
        if x > n {
            return Ok(0.0);
        }
        let BgBbParams {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let (base_p, base_d) = (ln_beta(alpha, beta), ln_beta(gamma, delta));
        let ln_choose =
            |n: f64, k: f64| ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0);
        let mut total = ln_choose(n, x) + ln_beta(alpha + x, beta + n - x) - base_p
            + ln_beta(gamma, delta + n)
            - base_d;
        for i in (x as u64)..(n as u64) {
            let i = i as f64;
            total = ln_add_exp(
                total,
                ln_choose(i, x) + ln_beta(alpha + x, beta + i - x) - base_p
                    + ln_beta(gamma + 1.0, delta + i)
                    - base_d,
            );
        }
        // Rounding can leave a probability an ulp or two past 1.
        Ok(total.exp().clamp(0.0, 1.0))
    }
}

fn self_check_rows(data: &RepeatSummary) -> Result<()> {
    for i in 0..data.len() {
        check_discrete(i, data.x[i], data.t_x[i], data.t[i])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: BgBbParams = BgBbParams {
        alpha: 1.204,
        beta: 0.750,
        gamma: 0.657,
        delta: 2.783,
    };

    #[test]
    fn probabilities_of_every_history_sum_to_one() {
        // Every (x, t_x) history at n = 5 opportunities: the likelihoods of the
        // patterns, times the number of purchase sequences giving each, sum to 1.
        let n = 5.0;
        let mut total = P.ln_likelihood(0.0, 0.0, n).unwrap().exp();
        for t_x in 1..=5u32 {
            for x in 1..=t_x {
                // sequences: the last purchase at t_x, x − 1 others among the t_x − 1 before.
                let ways = (ln_gamma(f64::from(t_x))
                    - ln_gamma(f64::from(x))
                    - ln_gamma(f64::from(t_x - x + 1)))
                .exp();
                total += ways
                    * P.ln_likelihood(f64::from(x), f64::from(t_x), n)
                        .unwrap()
                        .exp();
            }
        }
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let px: f64 = (0..=5)
            .map(|x| P.probability_of_purchases(n, f64::from(x)).unwrap())
            .sum();
        assert!((px - 1.0).abs() < 1e-12, "{px}");
        let mean: f64 = (0..=5)
            .map(|x| f64::from(x) * P.probability_of_purchases(n, f64::from(x)).unwrap())
            .sum();
        assert!((mean - P.expected_purchases_new(n).unwrap()).abs() < 1e-12);
    }

    #[test]
    fn analytic_gradient_matches_central_differences() {
        let theta = [P.alpha, P.beta, P.gamma, P.delta];
        let of = |t: [f64; 4]| BgBbParams {
            alpha: t[0],
            beta: t[1],
            gamma: t[2],
            delta: t[3],
        };
        for (x, tx, n) in [
            (0.0, 0.0, 6.0),
            (2.0, 4.0, 6.0),
            (6.0, 6.0, 6.0),
            (1.0, 1.0, 30.0),
        ] {
            let (ll, grad) = P.ln_likelihood_and_gradient(x, tx, n);
            assert!((ll - P.ln_likelihood(x, tx, n).unwrap()).abs() < 1e-12);
            for k in 0..4 {
                let h = 1e-6 * theta[k];
                let (mut up, mut down) = (theta, theta);
                up[k] += h;
                down[k] -= h;
                let numeric = (of(up).ln_likelihood(x, tx, n).unwrap()
                    - of(down).ln_likelihood(x, tx, n).unwrap())
                    / (2.0 * h);
                assert!(
                    (grad[k] - numeric).abs() < 1e-6,
                    "{k}: {} vs {numeric}",
                    grad[k]
                );
            }
        }
    }

    #[test]
    fn gamma_equal_to_one_joins_its_neighbours() {
        let at = |gamma: f64| BgBbParams { gamma, ..P };
        let mid = at(1.0)
            .conditional_expected_purchases(5.0, 3.0, 4.0, 6.0)
            .unwrap();
        let near = at(1.0 + 1e-5)
            .conditional_expected_purchases(5.0, 3.0, 4.0, 6.0)
            .unwrap();
        assert!((mid - near).abs() < 1e-4 * mid, "{mid} {near}");
        let new = at(1.0).expected_purchases_new(6.0).unwrap();
        let new_near = at(1.0 - 1e-5).expected_purchases_new(6.0).unwrap();
        assert!((new - new_near).abs() < 1e-4 * new, "{new} {new_near}");
    }

    #[test]
    fn bad_histories_are_typed_errors() {
        assert!(P.ln_likelihood(1.0, 0.0, 6.0).is_err());
        assert!(P.ln_likelihood(0.0, 2.0, 6.0).is_err());
        assert!(P.ln_likelihood(3.0, 2.0, 6.0).is_err());
        assert!(P.ln_likelihood(1.0, 7.0, 6.0).is_err());
        assert!(P.ln_likelihood(1.5, 2.0, 6.0).is_err());
        assert!(P.ln_likelihood(0.0, 0.0, 0.0).is_err());
        assert!(P.expected_purchases_new(2.5).is_err());
        assert!(
            P.conditional_expected_purchases(-1.0, 1.0, 1.0, 6.0)
                .is_err()
        );
        assert!(
            BgBbParams { alpha: 0.0, ..P }
                .p_alive(1.0, 1.0, 6.0)
                .is_err()
        );
        assert_eq!(P.probability_of_purchases(3.0, 4.0).unwrap(), 0.0);
        // Absurd sizes are errors, not loops that never end.
        assert!(P.ln_likelihood(0.0, 0.0, 1e15).is_err());
        assert!(P.expected_purchases_new(1e12).is_err());
        assert!(P.probability_of_purchases(1e12, 0.0).is_err());
    }
}
