//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::clv::RepeatSummary;
use crate::clv::bg_nbd::TimeIndex;
use crate::clv::fit::{FitOptions, FitReport, minimize_smooth, standard_errors_from_gradient};
use crate::clv::special::ln_add_exp;
use crate::error::{EngError, Result};

/// Pareto/NBD parameters: purchase rates Gamma(`r`, `alpha`), dropout rates
/// Gamma(`s`, `beta`) (`alpha`, `beta` are rates).
///
/// # Examples
///
/// ```
/// use engagement_core::clv::pareto_nbd::ParetoNbdParams;
/// let p: ParetoNbdParams = serde_json::from_str(r#"{"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}"#)?;
/// assert_eq!(p.s, 0.606);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParetoNbdParams {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Rate of the purchase-rate distribution.
    pub alpha: f64,
    /// Shape of the dropout-rate distribution.
    pub s: f64,
    /// Rate of the dropout-rate distribution.
    pub beta: f64,
}

/// `ln(e^x − e^y)` for `x ≥ y`.
fn ln_sub_exp(x: f64, y: f64) -> f64 {
    if y == f64::NEG_INFINITY {
        return x;
    }
    x + (-(y - x).exp()).ln_1p()
}

/// `[1 − (b/(b+t))^(s−1)] / (s−1)`, with its limit `ln(1 + t/b)` at `s = 1`.
fn dropout_integral(s: f64, b: f64, t: f64) -> f64 {
    let l = (b / (b + t)).ln();
    if s == 1.0 {
        -l
    } else {
        -((s - 1.0) * l).exp_m1() / (s - 1.0)
    }
}

fn check_horizon(t: f64) -> Result<()> {
    if t.is_finite() && t >= 0.0 {
        Ok(())
    } else {
        Err(EngError::invalid("t", t, "must be a finite number >= 0"))
    }
}

/// `ln ₂F₁(1, b; c; z)` for `0 < b < c`, `0 ≤ z < 1`: the terms
/// `∏ (b+j)/(c+j) · z` are positive and their ratio stays below `z`, so the
/// tail after a term is at most `term · z/(1−z)`; summing stops when that bound
/// is below `1e-17` of the sum (a relative error of a few ulps). Capped at
/// 2·10⁵ terms, then an error (z within about 1e-4 of 1).
fn ln_hyp2f1_unit(b: f64, c: f64, z: f64) -> Result<f64> {
    if !((0.0..1.0).contains(&z) && b > 0.0 && b < c) {
        return Err(EngError::invalid(
            "b, c, z",
            format!("{b}, {c}, {z}"),
            "needs 0 < b < c and 0 <= z < 1",
        ));
    }
    let tail = z / (1.0 - z);
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 0..200_000u32 {
        if term * tail <= 1e-17 * sum {
            return Ok(sum.ln());
        }
        let k = f64::from(k);
        term *= (b + k) / (c + k) * z;
        sum += term;
    }
    Err(EngError::invalid(
        "z",
        z,
        "hypergeometric series did not converge",
    ))
}

/// `ln ₂F₁(1, b; c; z)` as [`ln_hyp2f1_unit`], with its partial derivatives
/// `(∂/∂b, ∂/∂c, ∂/∂z)` summed in the same loop: with terms
/// `t_k = z^k ∏_{j<k} (b+j)/(c+j)`, `∂t_k/∂b = t_k Σ_{j<k} 1/(b+j)`,
/// `∂t_k/∂c = −t_k Σ_{j<k} 1/(c+j)` and `∂t_k/∂z = k t_k / z` (formed without
/// dividing by `z`, which may be 0). The sum runs until bounds on the tails
/// of all four sums are below `1e-16` of the value.
#[cfg(test)]
fn ln_hyp2f1_unit_grad(b: f64, c: f64, z: f64) -> Result<(f64, [f64; 3])> {
    if !((0.0..1.0).contains(&z) && b > 0.0 && b < c) {
        return Err(EngError::invalid(
            "b, c, z",
            format!("{b}, {c}, {z}"),
            "needs 0 < b < c and 0 <= z < 1",
        ));
    }
    // Loop invariants, divided once.
    let inv_1mz = 1.0 / (1.0 - z);
    let tail = z * inv_1mz;
    let inv_bc = 1.0 / b + 1.0 / c;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    let (mut harm_b, mut harm_c) = (0.0f64, 0.0f64);
    let (mut d_b, mut d_c, mut d_z) = (0.0f64, 0.0f64, 0.0f64);
    for k in 0..200_000u32 {
        let kf = f64::from(k);
        let (inv_bk, inv_ck) = (1.0 / (b + kf), 1.0 / (c + kf));
        // t_{k+1}/z, formed without dividing by z (which may be 0).
        let next_over_z = term * (b + kf) * inv_ck;
        // Tails after term k: Σ_{j>k} t_j ≤ t_k z/(1−z); the b- and c-derivative
        // tails are at most that times the harmonic sums, which grow by at most
        // 1/b + 1/c per term; Σ_{j>k} j t_j/z ≤ (t_{k+1}/z)((k+1)/(1−z) + 1/(1−z)²).
        let value_tail = term * tail;
        let harm_tail = value_tail * (harm_b + harm_c + (kf + 2.0) * inv_bc);
        let z_tail = next_over_z * ((kf + 1.0) * inv_1mz + inv_1mz * inv_1mz);
        if value_tail <= 1e-17 * sum && harm_tail <= 1e-16 * sum && z_tail <= 1e-16 * sum {
            return Ok((sum.ln(), [d_b / sum, -d_c / sum, d_z / sum]));
        }
        d_z += (kf + 1.0) * next_over_z;
        term = next_over_z * z;
        harm_b += inv_bk;
        harm_c += inv_ck;
        sum += term;
        d_b += term * harm_b;
        d_c += term * harm_c;
    }
    Err(EngError::invalid(
        "z",
        z,
        "hypergeometric series did not converge",
    ))
}

/// The coefficients of `₂F₁(1, b; c; z) = Σ_k c_k z^k` for one `(b, c)`,
/// `c_k = ∏_{j<k} (b+j)/(c+j)`, with the harmonic sums `Σ_{j<k} 1/(b+j)`
/// and `Σ_{j<k} 1/(c+j)` that its derivatives in `b` and `c` need. They
/// depend on the frequency `x` but not on the times, so a run of rows with
/// equal `x` computes them once, as far as its slowest row needs, and each
/// row sums its series without a division.
struct SeriesCoefficients {
    b: f64,
    c: f64,
    coef: Vec<f64>,
    harm_b: Vec<f64>,
    harm_c: Vec<f64>,
}

impl SeriesCoefficients {
    /// At most this many terms, as in [`ln_hyp2f1_unit`].
    const MAX_TERMS: usize = 200_000;

    fn new() -> Self {
        SeriesCoefficients {
            b: f64::NAN,
            c: f64::NAN,
            coef: Vec::new(),
            harm_b: Vec::new(),
            harm_c: Vec::new(),
        }
    }

    /// Starts over for `(b, c)` unless they are the current ones.
    fn reset(&mut self, b: f64, c: f64) {
        if b.to_bits() == self.b.to_bits() && c.to_bits() == self.c.to_bits() {
            return;
        }
        self.b = b;
        self.c = c;
        self.coef.clear();
        self.harm_b.clear();
        self.harm_c.clear();
        self.coef.push(1.0);
        self.harm_b.push(0.0);
        self.harm_c.push(0.0);
    }

    /// Makes entry `k` available; false past [`Self::MAX_TERMS`].
    #[inline]
    fn reach(&mut self, k: usize) -> bool {
        while self.coef.len() <= k {
            let j = self.coef.len() - 1;
            if j >= Self::MAX_TERMS {
                return false;
            }
            let jf = j as f64;
            let (bj, cj) = (self.b + jf, self.c + jf);
            self.coef.push(self.coef[j] * bj / cj);
            self.harm_b.push(self.harm_b[j] + 1.0 / bj);
            self.harm_c.push(self.harm_c[j] + 1.0 / cj);
        }
        true
    }

    /// `ln ₂F₁(1, b; c; z)` and its derivatives in `(b, c, z)`: the sums and
    /// the stopping rule of [`ln_hyp2f1_unit_grad`], with the coefficients
    /// read instead of formed. `None` when the series does not converge.
    fn ln_value_and_gradient(&mut self, z: f64) -> Option<(f64, [f64; 3])> {
        if !(0.0..1.0).contains(&z) {
            return None;
        }
        let inv_1mz = 1.0 / (1.0 - z);
        let tail = z * inv_1mz;
        let inv_bc = 1.0 / self.b + 1.0 / self.c;
        let (mut zk, mut term, mut sum) = (1.0f64, 1.0f64, 1.0f64);
        let (mut d_b, mut d_c, mut d_z) = (0.0f64, 0.0f64, 0.0f64);
        let mut k = 0usize;
        loop {
            if !self.reach(k + 1) {
                return None;
            }
            let kf = k as f64;
            let next_over_z = self.coef[k + 1] * zk;
            let value_tail = term * tail;
            let harm_tail = value_tail * (self.harm_b[k] + self.harm_c[k] + (kf + 2.0) * inv_bc);
            let z_tail = next_over_z * ((kf + 1.0) * inv_1mz + inv_1mz * inv_1mz);
            if value_tail <= 1e-17 * sum && harm_tail <= 1e-16 * sum && z_tail <= 1e-16 * sum {
                return Some((sum.ln(), [d_b / sum, -d_c / sum, d_z / sum]));
            }
            d_z += (kf + 1.0) * next_over_z;
            zk *= z;
            term = next_over_z * z;
            sum += term;
            d_b += term * self.harm_b[k + 1];
            d_c += term * self.harm_c[k + 1];
            k += 1;
        }
    }
}

/// Per distinct time `τ` of a summary: `ln(α+τ)`, `ln(β+τ)` and their
/// reciprocals' arguments `1/(α+τ)`, `1/(β+τ)`.
struct TimeTerms {
    ln_a: Vec<f64>,
    ln_b: Vec<f64>,
    inv_a: Vec<f64>,
    inv_b: Vec<f64>,
}

impl TimeTerms {
    fn new(times: &TimeIndex, alpha: f64, beta: f64) -> Self {
        let at = |f: &dyn Fn(f64) -> f64| times.times.iter().map(|t| f(*t)).collect::<Vec<f64>>();
        TimeTerms {
            ln_a: at(&|t| (alpha + t).ln()),
            ln_b: at(&|t| (beta + t).ln()),
            inv_a: at(&|t| 1.0 / (alpha + t)),
            inv_b: at(&|t| 1.0 / (beta + t)),
        }
    }
}

impl ParetoNbdParams {
    /// Σ weight · ln L over a summary and its gradient in `(r, α, s, β)`:
    /// the formulas of [`ln_likelihood_and_gradient`](Self::ln_likelihood_and_gradient),
    /// with the terms of each frequency (Γ and ψ terms, the series'
    /// coefficients) formed once per run of equal `x` (rows are sorted by
    /// `x`) and the logarithms once per distinct time. Rows are summed in
    /// fixed blocks in parallel and added in block order, so the sums are the
    /// same on any number of threads. `None` when a series does not converge.
    #[allow(clippy::needless_range_loop)]
    fn grouped_log_likelihood_and_gradient(
        &self,
        data: &RepeatSummary,
        times: &TimeIndex,
    ) -> Option<(f64, [f64; 4])> {
        let tt = TimeTerms::new(times, self.alpha, self.beta);
        let blocks = crate::clv::row_blocks(data.len(), 128, |_| true);
        let parts: Vec<Option<(f64, [f64; 4])>> = {
            use rayon::prelude::*;
            blocks
                .par_iter()
                .map(|rows| self.grouped_block(data, times, &tt, rows.clone()))
                .collect()
        };
        let mut total = (0.0, [0.0; 4]);
        for part in parts {
            let (v, g) = part?;
            total.0 += v;
            for k in 0..4 {
                total.1[k] += g[k];
            }
        }
        Some(total)
    }

    /// [`grouped_log_likelihood_and_gradient`](Self::grouped_log_likelihood_and_gradient)
    /// over the rows of one block.
    fn grouped_block(
        &self,
        data: &RepeatSummary,
        times: &TimeIndex,
        tt: &TimeTerms,
        rows: std::ops::Range<usize>,
    ) -> Option<(f64, [f64; 4])> {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let alpha_wins = alpha >= beta;
        let (ln_alpha, ln_beta) = (alpha.ln(), beta.ln());
        let (lg_r, psi_r) = (ln_gamma(r), digamma(r));
        let mut series = SeriesCoefficients::new();
        let mut total = 0.0;
        let mut grad = [0.0; 4];
        let mut i = rows.start;
        while i < rows.end {
            let x = data.x[i];
            let rx = r + x;
            let rsx = rx + s;
            let fixed = ln_gamma(rx) - lg_r + r * ln_alpha + s * ln_beta;
            let d_fixed = [digamma(rx) - psi_r + ln_alpha, r / alpha, ln_beta, s / beta];
            let ln_s_rsx = (s / rsx).ln();
            let d_log_rsx = [-1.0 / rsx, 0.0, 1.0 / s - 1.0 / rsx, 0.0];
            series.reset(if alpha_wins { rx } else { s + 1.0 }, rsx + 1.0);
            // The "died between t_x and T" term at one time (index j).
            let mut term = |j: usize| -> Option<(f64, [f64; 4])> {
                let (la, lb, ia, ib) = (tt.ln_a[j], tt.ln_b[j], tt.inv_a[j], tt.inv_b[j]);
                if alpha_wins {
                    let z = (alpha - beta) * ia;
                    let (ln_f, [fb, fc, fz]) = series.ln_value_and_gradient(z)?;
                    Some((
                        ln_f - s * lb - rx * la,
                        [
                            fb + fc - la,
                            fz * ia * ia * (beta + times.times[j]) - rx * ia,
                            fc - lb,
                            -fz * ia - s * ib,
                        ],
                    ))
                } else {
                    let z = (beta - alpha) * ib;
                    let (ln_f, [fb, fc, fz]) = series.ln_value_and_gradient(z)?;
                    Some((
                        ln_f + (1.0 - rx) * la - (s + 1.0) * lb,
                        [
                            fc - la,
                            -fz * ib + (1.0 - rx) * ia,
                            fb + fc - lb,
                            fz * ib * ib * (alpha + times.times[j]) - (s + 1.0) * ib,
                        ],
                    ))
                }
            };
            while i < rows.end && data.x[i] == x {
                let (jt, jx) = (times.t[i], times.t_x[i]);
                let (u, du) = term(jx)?;
                let (v, dv) = term(jt)?;
                let first = -rx * tt.ln_a[jt] - s * tt.ln_b[jt];
                let d_first = [
                    -tt.ln_a[jt],
                    -rx * tt.inv_a[jt],
                    -tt.ln_b[jt],
                    -s * tt.inv_b[jt],
                ];
                let second = ln_s_rsx + ln_sub_exp(u, v);
                let mix = ln_add_exp(first, second);
                let w_second = (second - mix).exp();
                let w = data.weight[i];
                total += w * (fixed + mix);
                for k in 0..4 {
                    grad[k] += w * (d_fixed[k] + (1.0 - w_second) * d_first[k]);
                }
                if w_second > 0.0 {
                    let q = (v - u).exp();
                    let inv = 1.0 / (1.0 - q);
                    for k in 0..4 {
                        grad[k] += w * w_second * (d_log_rsx[k] + (du[k] - q * dv[k]) * inv);
                    }
                }
                i += 1;
            }
        }
        Some((total, grad))
    }
}

impl ParetoNbdParams {
    /// Starting values of a fit: `r = 1, alpha = 1, s = 1, beta = 1`.
    pub const INITIAL: [f64; 4] = [1.0, 1.0, 1.0, 1.0];

    /// Log-likelihood of one customer with history `(x, t_x, T)`, or an
    /// error when the hypergeometric series cannot be evaluated.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and
    /// Related Expressions", eq. (22), with `A₀` from eqs. (23)–(24), in log form:
    ///
    /// ```text
    /// L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀ ]
    /// α ≥ β: A₀ = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t_x)) / (α+t_x)^(r+s+x)
    ///            − ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+T)) / (α+T)^(r+s+x)
    /// α < β: the same with α ↔ β and s+1 → r+x
    /// ```
    ///
    /// The difference in `A₀` is taken in log space (`ln(e^u − e^v)`), so
    /// that `t_x` close to `T` loses no precision.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] when the series does not converge.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::pareto_nbd::ParetoNbdParams;
    /// // α = β: A₀ = (α+t_x)^−(r+s+x) − (α+T)^−(r+s+x) (₂F₁ at z = 0 is 1).
    /// let p = ParetoNbdParams { r: 1.0, alpha: 2.0, s: 1.0, beta: 2.0 };
    /// let (x, tx, t) = (0.0, 0.0, 3.0);
    /// let a0 = 2f64.powf(-2.0) - 5f64.powf(-2.0);
    /// let l = 2.0 * 2.0 * (5f64.powf(-1.0) * 5f64.powf(-1.0) + 0.5 * a0);
    /// assert!((p.ln_likelihood(x, tx, t)? - l.ln()).abs() < 1e-12);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn ln_likelihood(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let (first, second) = self.ln_terms(x, t_x, big_t)?;
        Ok(ln_gamma(r + x) - ln_gamma(r)
            + r * alpha.ln()
            + s * beta.ln()
            + ln_add_exp(first, second))
    }

    /// The logs of the two terms in the likelihood's bracket: "alive at `T`"
    /// and "died between `t_x` and `T`".
    fn ln_terms(&self, x: f64, t_x: f64, big_t: f64) -> Result<(f64, f64)> {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let rsx = r + s + x;
        let (max, b_param, min) = if alpha >= beta {
            (alpha, s + 1.0, beta)
        } else {
            (beta, r + x, alpha)
        };
        // Euler's transformation, ₂F₁(a, b; c; z) = (1−z)^(c−a−b) ₂F₁(c−a, c−b; c; z),
        // with c = a + 1 turns the series into ₂F₁(1, c−b; c; z) (1−z)^(1−b): positive
        // terms that only shrink (ratio < z), where the original ones first grow.
        // 1 − z = (min+t)/(max+t) exactly, so no cancellation near z = 1.
        let term = |t: f64| -> Result<f64> {
            let z = (max - min) / (max + t);
            let ln_one_minus_z = (min + t).ln() - (max + t).ln();
            let ln_f = ln_hyp2f1_unit(rsx + 1.0 - b_param, rsx + 1.0, z)?
                + (1.0 - b_param) * ln_one_minus_z;
            Ok(ln_f - rsx * (max + t).ln())
        };
        let ln_a0 = ln_sub_exp(term(t_x)?, term(big_t)?);
        let first = -(r + x) * (alpha + big_t).ln() - s * (beta + big_t).ln();
        let second = (s / rsx).ln() + ln_a0;
        Ok((first, second))
    }

    /// `ln L` of one history and its gradient in `(r, α, s, β)`.
    ///
    /// The "died" term is `ln(s/(r+s+x)) + ln(e^u − e^v)` with
    /// `u, v = term(t_x), term(T)` and, for `α ≥ β`,
    /// `term(t) = ln ₂F₁(1, r+x; r+s+x+1; z) − s ln(β+t) − (r+x) ln(α+t)`,
    /// `z = (α−β)/(α+t)`; for `α < β`,
    /// `term(t) = ln ₂F₁(1, s+1; r+s+x+1; z) + (1−r−x) ln(α+t) − (s+1) ln(β+t)`,
    /// `z = (β−α)/(β+t)` (the Euler-transformed forms of [`ln_likelihood`](Self::ln_likelihood)).
    /// Their derivatives come from [`ln_hyp2f1_unit_grad`] by the chain rule;
    /// the two likelihood terms mix with softmax weights.
    #[cfg(test)]
    fn ln_likelihood_and_gradient(&self, x: f64, t_x: f64, big_t: f64) -> Result<(f64, [f64; 4])> {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let rsx = r + s + x;
        let term = |t: f64| -> Result<(f64, [f64; 4])> {
            if alpha >= beta {
                let z = (alpha - beta) / (alpha + t);
                let (ln_f, [fb, fc, fz]) = ln_hyp2f1_unit_grad(r + x, rsx + 1.0, z)?;
                let value = ln_f - s * (beta + t).ln() - (r + x) * (alpha + t).ln();
                let dz_dalpha = (beta + t) / ((alpha + t) * (alpha + t));
                Ok((
                    value,
                    [
                        fb + fc - (alpha + t).ln(),
                        fz * dz_dalpha - (r + x) / (alpha + t),
                        fc - (beta + t).ln(),
                        -fz / (alpha + t) - s / (beta + t),
                    ],
                ))
            } else {
                let z = (beta - alpha) / (beta + t);
                let (ln_f, [fb, fc, fz]) = ln_hyp2f1_unit_grad(s + 1.0, rsx + 1.0, z)?;
                let value = ln_f + (1.0 - r - x) * (alpha + t).ln() - (s + 1.0) * (beta + t).ln();
                let dz_dbeta = (alpha + t) / ((beta + t) * (beta + t));
                Ok((
                    value,
                    [
                        fc - (alpha + t).ln(),
                        -fz / (beta + t) + (1.0 - r - x) / (alpha + t),
                        fb + fc - (beta + t).ln(),
                        fz * dz_dbeta - (s + 1.0) / (beta + t),
                    ],
                ))
            }
        };
        let (u, du) = term(t_x)?;
        let (v, dv) = term(big_t)?;
        let first = -(r + x) * (alpha + big_t).ln() - s * (beta + big_t).ln();
        let d_first = [
            -(alpha + big_t).ln(),
            -(r + x) / (alpha + big_t),
            -(beta + big_t).ln(),
            -s / (beta + big_t),
        ];
        let second = (s / rsx).ln() + ln_sub_exp(u, v);
        let mix = ln_add_exp(first, second);
        let w_second = (second - mix).exp();
        let mut grad = [
            digamma(r + x) - digamma(r) + alpha.ln(),
            r / alpha,
            beta.ln(),
            s / beta,
        ];
        for k in 0..4 {
            grad[k] += (1.0 - w_second) * d_first[k];
        }
        if w_second > 0.0 {
            // ∂ ln(e^u − e^v) = (∂u − e^(v−u) ∂v) / (1 − e^(v−u)).
            let q = (v - u).exp();
            let d_log_rsx = [-1.0 / rsx, 0.0, 1.0 / s - 1.0 / rsx, 0.0];
            for k in 0..4 {
                grad[k] += w_second * (d_log_rsx[k] + (du[k] - q * dv[k]) / (1.0 - q));
            }
        }
        let ln_l = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln() + mix;
        Ok((ln_l, grad))
    }

    fn check(&self) -> Result<()> {
        for (name, v) in [
            ("r", self.r),
            ("alpha", self.alpha),
            ("s", self.s),
            ("beta", self.beta),
        ] {
            crate::error::positive(name, v)?;
        }
        Ok(())
    }

    /// Probability that a customer with history `(x, t_x, T)` is still alive at `T`.
    ///
    /// # Formula
    ///
    /// The share of the likelihood's "alive at `T`" term (Fader & Hardie 2005
    /// note, the P(alive) section):
    ///
    /// ```text
    /// P(alive) = (α+T)^−(r+x) (β+T)^−s / [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀ ]
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters; [`EngError::InvalidInput`]
    /// when the series does not converge.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::pareto_nbd::ParetoNbdParams;
    /// // α = β, x = 0: P = 1 / (1 + s/(r+s) · (((α+T)/α)^(r+s) − 1)).
    /// let p = ParetoNbdParams { r: 1.0, alpha: 2.0, s: 1.0, beta: 2.0 };
    /// let closed = 1.0 / (1.0 + 0.5 * (2.5f64.powi(2) - 1.0));
    /// assert!((p.p_alive(0.0, 0.0, 3.0)? - closed).abs() < 1e-12);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
        self.check()?;
        let (first, second) = self.ln_terms(x, t_x, big_t)?;
        Ok((first - ln_add_exp(first, second)).exp())
    }

    /// Probability that a new customer makes exactly `x` purchases in `(0, t]`.
    ///
    /// # Formula
    ///
    /// Alive throughout `(0, t]`, or dead at `τ < t` after exactly `x`
    /// purchases (`NBD(x; τ)` the Gamma-Poisson probability of `x` purchases
    /// in `(0, τ]`; the dropout time is Pareto(`s`, `β`)):
    ///
    /// ```text
    /// P(X(t) = x) = NBD(x; t) · (β/(β+t))^s + ∫_0^t NBD(x; τ) · s β^s (β+τ)^−(s+1) dτ
    /// ```
    ///
    /// The integral (a smooth integrand) is evaluated by adaptive
    /// Gauss–Kronrod quadrature to 1e-13 absolute.
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters; [`EngError::InvalidInput`]
    /// for a negative `t` or an `x` that is not a whole number.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::pareto_nbd::ParetoNbdParams;
    /// let p = ParetoNbdParams { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    /// let total: f64 = (0..300).map(|x| p.probability_of_purchases(39.0, x as f64).unwrap()).sum();
    /// assert!((total - 1.0).abs() < 1e-9);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn probability_of_purchases(&self, t: f64, x: f64) -> Result<f64> {
        self.check()?;
        crate::clv::bg_nbd::check_count(t, x)?;
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let nbd = |tau: f64| crate::clv::bg_nbd::nbd_ln_pmf(r, alpha, tau, x);
        let alive = (nbd(t) + s * (beta / (beta + t)).ln()).exp();
        let died = crate::clv::special::integrate(
            |tau| (nbd(tau) + s.ln() + s * beta.ln() - (s + 1.0) * (beta + tau).ln()).exp(),
            0.0,
            t,
            1e-13,
        )?;
        // Rounding can leave a probability an ulp or two past 1.
        Ok((alive + died).clamp(0.0, 1.0))
    }

    /// Expected number of purchases of a new customer in `(0, t]`.
    ///
    /// # Formula
    ///
    /// Schmittlein, Morrison & Colombo (1987):
    ///
    /// ```text
    /// E[X(t)] = r β / (α (s−1)) · [1 − (β/(β+t))^(s−1)]      (s = 1: r β/α · ln(1 + t/β))
    /// ```
    ///
    /// computed with `expm1`, so `s` near 1 loses no precision.
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters; [`EngError::InvalidInput`]
    /// for a negative or non-finite `t`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::pareto_nbd::ParetoNbdParams;
    /// let p = ParetoNbdParams { r: 1.0, alpha: 2.0, s: 2.0, beta: 3.0 };
    /// // r β/(α (s−1)) · (1 − β/(β+t)) at t = 3: 1.5 · 0.5
    /// assert!((p.expected_purchases_new(3.0)? - 0.75).abs() < 1e-12);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        self.check()?;
        check_horizon(t)?;
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        Ok(r * beta / alpha * dropout_integral(s, beta, t))
    }

    /// Expected purchases in the next `t` of a customer with history `(x, t_x, T)`.
    ///
    /// # Formula
    ///
    /// Schmittlein, Morrison & Colombo (1987):
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive)
    /// ```
    ///
    /// # Errors
    /// As [`p_alive`](Self::p_alive) and
    /// [`expected_purchases_new`](Self::expected_purchases_new).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::pareto_nbd::ParetoNbdParams;
    /// let p = ParetoNbdParams { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    /// let busy = p.conditional_expected_purchases(39.0, 10.0, 38.0, 39.0)?;
    /// let gone = p.conditional_expected_purchases(39.0, 10.0, 5.0, 39.0)?;
    /// assert!(busy > gone);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn conditional_expected_purchases(
        &self,
        t: f64,
        x: f64,
        t_x: f64,
        big_t: f64,
    ) -> Result<f64> {
        check_horizon(t)?;
        let alive = self.p_alive(x, t_x, big_t)?;
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        Ok((r + x) * (beta + big_t) / (alpha + big_t)
            * dropout_integral(s, beta + big_t, t)
            * alive)
    }

    /// Total log-likelihood of a summary (weighted by row counts).
    ///
    /// # Errors
    /// As [`ln_likelihood`](Self::ln_likelihood).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{pareto_nbd::ParetoNbdParams, RepeatSummary};
    /// let s = RepeatSummary::from_columns(&[0.0], &[0.0], &[3.0])?;
    /// let p = ParetoNbdParams { r: 1.0, alpha: 2.0, s: 1.0, beta: 2.0 };
    /// assert_eq!(p.log_likelihood(&s)?, p.ln_likelihood(0.0, 0.0, 3.0)?);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn log_likelihood(&self, data: &RepeatSummary) -> Result<f64> {
        let mut total = 0.0;
        for i in 0..data.len() {
            total += data.weight[i] * self.ln_likelihood(data.x[i], data.t_x[i], data.t[i])?;
        }
        Ok(total)
    }

    /// Maximum-likelihood fit.
    ///
    /// # Errors
    /// [`EngError::EmptyInput`]; [`EngError::Config`] for bad options;
    /// [`EngError::Convergence`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, RepeatSummary, fit::FitOptions, pareto_nbd::ParetoNbdParams, simulate};
    /// let truth = ParetoNbdParams { r: 0.55, alpha: 10.0, s: 0.6, beta: 12.0 };
    /// let h = simulate::histories(&ClvModel::ParetoNbd(truth), &[39.0; 500], 1)?;
    /// let s = RepeatSummary::from_columns(&h.frequency, &h.recency, &h.t)?;
    /// let fit = ParetoNbdParams::fit(&s, &FitOptions::default())?;
    /// let se = fit.standard_errors.expect("500 customers identify the parameters");
    /// assert!((fit.params.r - truth.r).abs() < 4.0 * se[0]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit(data: &RepeatSummary, options: &FitOptions) -> Result<FitReport<ParetoNbdParams>> {
        if data.is_empty() {
            return Err(EngError::EmptyInput {
                what: "a Pareto/NBD fit".into(),
                unit: "customer".into(),
            });
        }
        let of = |p: &[f64]| ParetoNbdParams {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        };
        let times = TimeIndex::new(data);
        // A point where the series cannot be evaluated is an infinitely bad point.
        let nll = |p: &[f64]| -> (f64, Vec<f64>) {
            match of(p).grouped_log_likelihood_and_gradient(data, &times) {
                Some((ll, g)) => (-ll, g.iter().map(|v| -v).collect()),
                None => (f64::INFINITY, vec![f64::NAN; 4]),
            }
        };
        // The fallback uses the likelihood alone: its series stops on the value's
        // tail only, so it still evaluates points near z = 1 that the gradient's
        // stricter tail bounds give up on.
        let value = |p: &[f64]| of(p).log_likelihood(data).map_or(f64::INFINITY, |ll| -ll);
        let (p, iterations) = minimize_smooth(&Self::INITIAL, &nll, &value, options)?;
        let params = ParetoNbdParams {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        };
        Ok(FitReport {
            params,
            log_likelihood: params.log_likelihood(data)?,
            iterations,
            customers: data.customers(),
            standard_errors: standard_errors_from_gradient(&|p| nll(p).1, &p),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_central_differences() {
        // Both orderings of α and β, x = 0, large x, t_x near T, and α = β.
        for theta in [
            [0.553, 10.578, 0.606, 11.669],
            [0.8, 12.0, 1.3, 6.0],
            [0.5, 5.0, 0.7, 5.0],
        ] {
            let of = |t: [f64; 4]| ParetoNbdParams {
                r: t[0],
                alpha: t[1],
                s: t[2],
                beta: t[3],
            };
            for (x, tx, t) in [
                (0.0, 0.0, 39.0),
                (2.0, 30.43, 38.86),
                (40.0, 38.0, 39.0),
                (3.0, 38.9, 39.0),
            ] {
                let (ll, grad) = of(theta).ln_likelihood_and_gradient(x, tx, t).unwrap();
                assert!((ll - of(theta).ln_likelihood(x, tx, t).unwrap()).abs() < 1e-11);
                for k in 0..4 {
                    let h = 1e-6 * theta[k];
                    let (mut up, mut down) = (theta, theta);
                    up[k] += h;
                    down[k] -= h;
                    let numeric = (of(up).ln_likelihood(x, tx, t).unwrap()
                        - of(down).ln_likelihood(x, tx, t).unwrap())
                        / (2.0 * h);
                    assert!(
                        (grad[k] - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                        "{theta:?} ({x}, {tx}, {t}) {k}: analytic {} numeric {numeric}",
                        grad[k]
                    );
                }
            }
        }
    }

    #[test]
    fn grouped_likelihood_equals_the_per_row_sum() {
        // Rows with repeated frequencies and times, both orderings of α and β and α = β.
        let (mut f, mut r, mut t) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..700u32 {
            let x = f64::from(i % 23) * f64::from(1 + i % 3);
            let big_t = 20.0 + f64::from(i % 17) * 1.5;
            f.push(x);
            r.push(if x == 0.0 {
                0.0
            } else {
                big_t * f64::from(i % 7) / 7.0
            });
            t.push(big_t);
        }
        let data = RepeatSummary::from_columns(&f, &r, &t).unwrap();
        let times = TimeIndex::new(&data);
        for theta in [
            [0.553, 10.578, 0.606, 11.669],
            [0.8, 12.0, 1.3, 6.0],
            [0.5, 5.0, 0.7, 5.0],
            [2.0, 0.3, 0.05, 40.0],
        ] {
            let p = ParetoNbdParams {
                r: theta[0],
                alpha: theta[1],
                s: theta[2],
                beta: theta[3],
            };
            let (ll, grad) = p
                .grouped_log_likelihood_and_gradient(&data, &times)
                .unwrap();
            let (mut ll_rows, mut grad_rows) = (0.0, [0.0; 4]);
            for i in 0..data.len() {
                let (l, g) = p
                    .ln_likelihood_and_gradient(data.x[i], data.t_x[i], data.t[i])
                    .unwrap();
                ll_rows += data.weight[i] * l;
                for k in 0..4 {
                    grad_rows[k] += data.weight[i] * g[k];
                }
            }
            assert!(
                (ll - ll_rows).abs() < 1e-12 * ll_rows.abs(),
                "{theta:?}: {ll} vs {ll_rows}"
            );
            for k in 0..4 {
                let scale = grad_rows[k].abs().max(1.0);
                assert!(
                    (grad[k] - grad_rows[k]).abs() < 1e-10 * scale,
                    "{theta:?} {k}: {} vs {}",
                    grad[k],
                    grad_rows[k]
                );
            }
        }
    }

    #[test]
    fn s_equal_to_one_joins_its_neighbours() {
        let at = |s: f64| ParetoNbdParams {
            r: 0.5,
            alpha: 10.0,
            s,
            beta: 12.0,
        };
        for t in [0.5, 39.0, 500.0] {
            let mid = at(1.0).expected_purchases_new(t).unwrap();
            let lo = at(1.0 - 1e-9).expected_purchases_new(t).unwrap();
            let hi = at(1.0 + 1e-9).expected_purchases_new(t).unwrap();
            assert!((lo - mid).abs() < 1e-8 * mid && (hi - mid).abs() < 1e-8 * mid);
            let (far_lo, far_hi) = (
                at(1.0 - 1e-3).expected_purchases_new(t).unwrap(),
                at(1.0 + 1e-3).expected_purchases_new(t).unwrap(),
            );
            assert!(
                far_hi < mid && mid < far_lo,
                "more dropout, fewer purchases"
            );
            let c = at(1.0)
                .conditional_expected_purchases(t, 3.0, 20.0, 39.0)
                .unwrap();
            let c_hi = at(1.0 + 1e-9)
                .conditional_expected_purchases(t, 3.0, 20.0, 39.0)
                .unwrap();
            assert!((c - c_hi).abs() < 1e-8 * c);
        }
    }

    #[test]
    fn the_transformed_series_equals_the_plain_one() {
        // ₂F₁(a, b; a+1; z) = (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z) (Euler), checked against
        // the plain series, and a closed form: ₂F₁(1, 1; 2; z) = −ln(1−z)/z.
        for &(a, b) in &[(1.2, 1.6), (30.1, 29.5), (1003.1, 1.6), (5.0, 4.9)] {
            for &z in &[0.0, 0.1, 0.5, 0.9, 0.99] {
                let plain = crate::clv::special::ln_hyp2f1(a, b, a + 1.0, z).unwrap();
                let euler =
                    ln_hyp2f1_unit(a + 1.0 - b, a + 1.0, z).unwrap() + (1.0 - b) * (1.0 - z).ln();
                assert!(
                    (plain - euler).abs() <= 1e-12 * plain.abs().max(1.0),
                    "{a} {b} {z}: {plain} {euler}"
                );
            }
        }
        let z: f64 = 0.999;
        let v = ln_hyp2f1_unit(1.0, 2.0, z).unwrap();
        // About 3·10⁴ terms: rounding, not truncation, sets the error.
        let exact = (-(1.0 - z).ln() / z).ln();
        assert!((v - exact).abs() < 1e-12 * exact, "{v} {exact}");
        assert!(ln_hyp2f1_unit(2.0, 2.0, 0.5).is_err());
    }

    #[test]
    fn large_frequencies_stay_finite() {
        let p = ParetoNbdParams {
            r: 0.553,
            alpha: 10.578,
            s: 0.606,
            beta: 11.669,
        };
        for x in [100.0, 1000.0, 20_000.0] {
            let ll = p.ln_likelihood(x, 38.0, 39.0).unwrap();
            let alive = p.p_alive(x, 38.0, 39.0).unwrap();
            assert!(
                ll.is_finite() && (0.0..=1.0).contains(&alive),
                "{x}: {ll} {alive}"
            );
        }
    }

    #[test]
    fn p_alive_is_a_probability_and_falls_with_silence() {
        let p = ParetoNbdParams {
            r: 0.553,
            alpha: 10.578,
            s: 0.606,
            beta: 11.669,
        };
        let mut last = 1.0;
        for t_x in [38.0, 30.0, 20.0, 10.0, 1.0] {
            let a = p.p_alive(5.0, t_x, 39.0).unwrap();
            assert!(a > 0.0 && a < last, "{t_x}: {a}");
            last = a;
        }
        // A purchase at T itself: nothing could have died yet, yet P(alive) < 1 only
        // through the prior; with x large and t_x = T it is close to 1.
        assert!(p.p_alive(50.0, 39.0, 39.0).unwrap() > 0.99);
        assert!(p.p_alive(1.0, 1.0, 39.0).is_ok());
        assert!(p.expected_purchases_new(-1.0).is_err());
        assert!(
            ParetoNbdParams { s: 0.0, ..p }
                .p_alive(1.0, 1.0, 2.0)
                .is_err()
        );
    }
}
