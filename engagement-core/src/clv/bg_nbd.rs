//! The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::clv::RepeatSummary;
use crate::clv::fit::{
    FitOptions, FitReport, minimize_newton, negate, standard_errors_from_hessian,
};
use crate::clv::special::{hyp2f1, ln_beta, trigamma};
use crate::error::{EngError, Result};

/// BG/NBD parameters: purchase rates are Gamma(`r`, `alpha`) distributed
/// (`alpha` is a rate: mean rate `r/alpha`), dropout probabilities after each
/// purchase Beta(`a`, `b`).
///
/// # Examples
///
/// ```
/// use engagement_core::clv::bg_nbd::BgNbdParams;
/// let p: BgNbdParams = serde_json::from_str(r#"{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}"#)?;
/// assert_eq!(p.a, 0.793);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BgNbdParams {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Rate of the purchase-rate distribution.
    pub alpha: f64,
    /// First shape of the dropout-probability distribution.
    pub a: f64,
    /// Second shape of the dropout-probability distribution.
    pub b: f64,
}

/// Evaluates `f(a)`, a BG/NBD expectation of the form `g(a) / (a − 1)` whose
/// singularity at `a = 1` is removable (both factors vanish): within `1e-6` of
/// 1 it returns the mean of `f` at `1 ± 1e-5` (error of order 1e-10 relative).
pub(crate) fn at_removable_a(a: f64, f: impl Fn(f64) -> Result<f64>) -> Result<f64> {
    const NEAR: f64 = 1e-6;
    const STEP: f64 = 1e-5;
    if (a - 1.0).abs() < NEAR {
        Ok(0.5 * (f(1.0 - STEP)? + f(1.0 + STEP)?))
    } else {
        f(a)
    }
}

/// The distinct values among a summary's `T` and `t_x`, and each row's
/// position in them: real summaries hold few distinct times (whole days), so
/// the likelihood takes its logarithms per distinct time (CDNOW: 269 for
/// 1016 rows; a million simulated customers in whole days: 365 for 192 387).
pub(crate) struct TimeIndex {
    pub(crate) times: Vec<f64>,
    pub(crate) t: Vec<usize>,
    pub(crate) t_x: Vec<usize>,
}

impl TimeIndex {
    pub(crate) fn new(data: &RepeatSummary) -> TimeIndex {
        let mut bits: Vec<u64> = data
            .t
            .iter()
            .chain(&data.t_x)
            .map(|v| v.to_bits())
            .collect();
        bits.sort_unstable();
        bits.dedup();
        // Times are checked finite and ≥ 0, so bit order is numeric order and each is found.
        let at = |v: &f64| bits.binary_search(&v.to_bits()).unwrap_or(0);
        TimeIndex {
            t: data.t.iter().map(at).collect(),
            t_x: data.t_x.iter().map(at).collect(),
            times: bits.iter().map(|b| f64::from_bits(*b)).collect(),
        }
    }
}

/// A 4 × 4 matrix of second derivatives in `(r, α, a, b)`.
pub(crate) type Matrix4 = [[f64; 4]; 4];

/// The terms of one frequency `x` in [`grouped_log_likelihood`], with their
/// first and second derivatives in `(r, α, a, b)`.
pub(crate) struct PerX {
    /// Terms that depend on `x` alone (Γ and Beta terms, constants).
    pub fixed: f64,
    /// Their gradient.
    pub d_fixed: [f64; 4],
    /// Their Hessian.
    pub d2_fixed: Matrix4,
    /// The log odds of the "dropped out after the last purchase" term with
    /// its gradient and Hessian, `None` when there is no such term.
    pub odds: Option<(f64, [f64; 4], Matrix4)>,
}

/// Σ weight · ln L over a summary for the BG/NBD family, with its gradient
/// and Hessian in `(r, α, a, b)`, where
///
/// ```text
/// ln L = fixed(x) + ln[ e^A₃ + e^A₄ ],  A₃ = −(r+x) ln(α+T),  A₄ = odds(x) − (r+x) ln(α+t_x)
/// ```
///
/// `per_x(x)` is evaluated once per run of equal `x` (rows of a
/// `RepeatSummary` are sorted by `x`: CDNOW's 2357 customers need about 30),
/// the rest per row; any row order gives the same sum. With `w₃`, `w₄` the
/// shares of the two terms of the bracket, its gradient is `w₃ ∂A₃ + w₄ ∂A₄`
/// and its Hessian `w₃ ∂²A₃ + w₄ ∂²A₄ + w₃w₄ (∂A₃ − ∂A₄)(∂A₃ − ∂A₄)ᵀ`, where
/// `∂A₃ = (−ln(α+T), −(r+x)/(α+T), 0, 0)`, `∂²A₃` has `−1/(α+T)` in `(r, α)`
/// and `(r+x)/(α+T)²` in `(α, α)`, and `A₄` likewise with `t_x` plus the
/// odds' derivatives. Each row adds a few products to per-run sums, so the
/// Hessian costs little more than the gradient.
// Index loops: small dense matrix algebra reads clearest with explicit indices.
#[allow(clippy::needless_range_loop)]
pub(crate) fn grouped_log_likelihood(
    data: &RepeatSummary,
    times: &TimeIndex,
    r: f64,
    alpha: f64,
    per_x: impl Fn(f64) -> PerX + Sync,
) -> (f64, [f64; 4], Matrix4) {
    // ln(α+τ) and 1/(α+τ) once per distinct time, not twice per row.
    let ln_at: Vec<f64> = times.times.iter().map(|t| (alpha + t).ln()).collect();
    let inv_at: Vec<f64> = times.times.iter().map(|t| 1.0 / (alpha + t)).collect();
    // Blocks of rows that never split a run of equal x, summed in parallel and
    // added in block order: the same sums on any number of threads.
    let blocks = crate::clv::row_blocks(data.len(), 4096, |i| i == 0 || data.x[i] != data.x[i - 1]);
    let block = |rows: &std::ops::Range<usize>| {
        grouped_block(data, times, &ln_at, &inv_at, r, &per_x, rows.clone())
    };
    // One block (CDNOW's 1016 rows) is summed here: waking the pool costs
    // more than the block.
    let parts: Vec<(f64, [f64; 4], Matrix4)> = if blocks.len() == 1 {
        blocks.iter().map(block).collect()
    } else {
        use rayon::prelude::*;
        blocks.par_iter().map(block).collect()
    };
    let mut total = 0.0;
    let mut grad = [0.0; 4];
    let mut hess = [[0.0; 4]; 4];
    for (v, g, h) in parts {
        total += v;
        for k in 0..4 {
            grad[k] += g[k];
            for l in 0..4 {
                hess[k][l] += h[k][l];
            }
        }
    }
    // Exactly symmetric: the lower triangle is the upper one.
    for k in 0..4 {
        for l in 0..k {
            hess[k][l] = hess[l][k];
        }
    }
    (total, grad, hess)
}

/// [`grouped_log_likelihood`] over the rows of one block.
#[allow(clippy::needless_range_loop)]
fn grouped_block(
    data: &RepeatSummary,
    times: &TimeIndex,
    ln_at: &[f64],
    inv_at: &[f64],
    r: f64,
    per_x: &impl Fn(f64) -> PerX,
    rows: std::ops::Range<usize>,
) -> (f64, [f64; 4], Matrix4) {
    let n = rows.end;
    let mut total = 0.0;
    let mut grad = [0.0; 4];
    let mut hess = [[0.0; 4]; 4];
    let mut i = rows.start;
    while i < n {
        let x = data.x[i];
        let PerX {
            fixed,
            d_fixed,
            d2_fixed,
            odds,
        } = per_x(x);
        let m = r + x;
        // Weighted sums over the run: Σw, Σw·mix, Σw·∂mix/∂r, Σw·(∂mix/∂α)/(r+x),
        // Σw·w₄, Σw·(w₃/(α+T)² + w₄/(α+t_x)²), and for the outer product with
        // e₁ = ln(α+t_x) − ln(α+T), e₂ = 1/(α+t_x) − 1/(α+T), q = w·w₃·w₄:
        // Σq, Σq·e₁, Σq·e₂, Σq·e₁², Σq·e₁e₂, Σq·e₂².
        let (mut weight, mut mixes, mut d_r, mut d_alpha, mut w4_sum, mut inv2) =
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut q0, mut q1, mut q2, mut q11, mut q12, mut q22) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        while i < n && data.x[i] == x {
            let w = data.weight[i];
            let (ti, txi) = (times.t[i], times.t_x[i]);
            let (ln_t, inv_t) = (ln_at[ti], inv_at[ti]);
            let a3 = -m * ln_t;
            match odds {
                Some((o, _, _)) => {
                    let (ln_tx, inv_tx) = (ln_at[txi], inv_at[txi]);
                    let a4 = o - m * ln_tx;
                    let (hi, lo) = if a3 >= a4 { (a3, a4) } else { (a4, a3) };
                    let e = (lo - hi).exp();
                    // ln(1 + e) with e ≤ 1: glibc's log1p costs twice ln, and the
                    // absolute error of ln(1 + e), about 2e-16, is far below the
                    // row's own rounding.
                    mixes += w * (hi + (1.0 + e).ln());
                    let w_lo = e / (1.0 + e);
                    let (w3, w4) = if a3 >= a4 {
                        (1.0 - w_lo, w_lo)
                    } else {
                        (w_lo, 1.0 - w_lo)
                    };
                    d_r -= w * (w3 * ln_t + w4 * ln_tx);
                    d_alpha -= w * (w3 * inv_t + w4 * inv_tx);
                    inv2 += w * (w3 * inv_t * inv_t + w4 * inv_tx * inv_tx);
                    w4_sum += w * w4;
                    let q = w * w3 * w4;
                    let (e1, e2) = (ln_tx - ln_t, inv_tx - inv_t);
                    q0 += q;
                    q1 += q * e1;
                    q2 += q * e2;
                    q11 += q * e1 * e1;
                    q12 += q * e1 * e2;
                    q22 += q * e2 * e2;
                }
                None => {
                    mixes += w * a3;
                    d_r -= w * ln_t;
                    d_alpha -= w * inv_t;
                    inv2 += w * inv_t * inv_t;
                }
            }
            weight += w;
            i += 1;
        }
        total += weight * fixed + mixes;
        for k in 0..4 {
            grad[k] += weight * d_fixed[k];
            for l in 0..4 {
                hess[k][l] += weight * d2_fixed[k][l];
            }
        }
        grad[0] += d_r;
        grad[1] += m * d_alpha;
        hess[0][1] += d_alpha;
        hess[1][0] += d_alpha;
        hess[1][1] += m * inv2;
        if let Some((_, d, d2)) = odds {
            // Σq (P − d)(P − d)ᵀ with P = (e₁, m·e₂, 0, 0).
            let p_sum = [q1, m * q2, 0.0, 0.0];
            let mut pp = [[0.0; 4]; 4];
            pp[0][0] = q11;
            pp[0][1] = m * q12;
            pp[1][0] = m * q12;
            pp[1][1] = m * m * q22;
            for k in 0..4 {
                grad[k] += w4_sum * d[k];
                for l in 0..4 {
                    hess[k][l] += w4_sum * d2[k][l] + pp[k][l] - p_sum[k] * d[l] - d[k] * p_sum[l]
                        + q0 * d[k] * d[l];
                }
            }
        }
    }
    (total, grad, hess)
}

/// The per-`x` terms of the BG/NBD family, with what they share across `x`
/// formed once per evaluation: the NBD part `lnΓ(r+x) − lnΓ(r) + r ln α` and
/// the Beta part `ln B(a, b+x+shift) − ln B(a, b)` (up to `lnΓ(a)`, which
/// cancels), with their gradients (ψ terms) and Hessians (ψ₁ terms).
/// BG/NBD has `shift = 0`, MBG/NBD `shift = 1`.
pub(crate) struct FamilyTerms {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    constant: f64,
    psi: [f64; 3],
    tri: [f64; 3],
}

impl FamilyTerms {
    pub(crate) fn new(r: f64, alpha: f64, a: f64, b: f64) -> Self {
        FamilyTerms {
            r,
            alpha,
            a,
            b,
            constant: -ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) - ln_gamma(b),
            psi: [digamma(r), digamma(a + b), digamma(b)],
            tri: [trigamma(r), trigamma(a + b), trigamma(b)],
        }
    }

    /// The terms of frequency `x`; `odds_denominator` is `c` in the log odds
    /// `ln a − ln c` of the "dropped out after the last purchase" term, `None`
    /// when there is no such term.
    pub(crate) fn per_x(&self, x: f64, shift: f64, odds_denominator: Option<f64>) -> PerX {
        let FamilyTerms { r, alpha, a, b, .. } = *self;
        let [psi_r, psi_ab, psi_b] = self.psi;
        let [tri_r, tri_ab, tri_b] = self.tri;
        let (bx, abx) = (b + x + shift, a + b + x + shift);
        let (psi_abx, tri_abx) = (digamma(abx), trigamma(abx));
        let mut d2_fixed = [[0.0; 4]; 4];
        d2_fixed[0][0] = trigamma(r + x) - tri_r;
        d2_fixed[0][1] = 1.0 / alpha;
        d2_fixed[1][0] = 1.0 / alpha;
        d2_fixed[1][1] = -r / (alpha * alpha);
        d2_fixed[2][2] = tri_ab - tri_abx;
        d2_fixed[2][3] = tri_ab - tri_abx;
        d2_fixed[3][2] = tri_ab - tri_abx;
        d2_fixed[3][3] = tri_ab - tri_b + trigamma(bx) - tri_abx;
        PerX {
            fixed: self.constant + ln_gamma(r + x) + ln_gamma(bx) - ln_gamma(abx),
            d_fixed: [
                digamma(r + x) - psi_r + alpha.ln(),
                r / alpha,
                psi_ab - psi_abx,
                psi_ab - psi_b + digamma(bx) - psi_abx,
            ],
            d2_fixed,
            odds: odds_denominator.map(|c| {
                let mut d2 = [[0.0; 4]; 4];
                d2[2][2] = -1.0 / (a * a);
                d2[3][3] = 1.0 / (c * c);
                (a.ln() - c.ln(), [0.0, 0.0, 1.0 / a, -1.0 / c], d2)
            }),
        }
    }
}

/// The fitted parameters of a model of the BG/NBD family, with the
/// log-likelihood and standard errors at them.
pub(crate) struct Fitted {
    pub params: Vec<f64>,
    pub log_likelihood: f64,
    pub standard_errors: Option<Vec<f64>>,
}

/// Fits a model of the BG/NBD family from its log-likelihood with gradient
/// and Hessian (`derivatives`): Newton steps in a trust region
/// ([`minimize_newton`]), the standard errors from the analytic Hessian at
/// the optimum. Returns the fit and the iterations used.
pub(crate) fn fit_bg_family(
    initial: &[f64],
    options: &FitOptions,
    derivatives: impl Fn(&[f64]) -> (f64, [f64; 4], Matrix4) + Sync,
) -> Result<(Fitted, u64)> {
    let negated = |p: &[f64]| {
        let (ll, g, h) = derivatives(p);
        negate(ll, &g, h.iter().map(|row| row.as_slice()))
    };
    let with_hessian = |p: &[f64]| Some(negated(p));
    let with_gradient = |p: &[f64]| {
        let (v, g, _) = negated(p);
        (v, g)
    };
    let value = |p: &[f64]| negated(p).0;
    let (p, iterations) = minimize_newton(initial, &with_hessian, &with_gradient, &value, options)?;
    let (nll, g, h) = negated(&p);
    Ok((
        Fitted {
            standard_errors: standard_errors_from_hessian(&g, &h, &p),
            params: p,
            log_likelihood: -nll,
        },
        iterations,
    ))
}

/// `ln P(N = x)` for the NBD count of a Gamma(`r`, `alpha`)-mixed Poisson
/// process over `(0, t]`.
pub(crate) fn nbd_ln_pmf(r: f64, alpha: f64, t: f64, x: f64) -> f64 {
    if t == 0.0 {
        return if x == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0)
        + r * (alpha / (alpha + t)).ln()
        + x * (t / (alpha + t)).ln()
}

/// `ln P(N = x)` and the upper tail `P(N ≥ x)` of the NBD count (the tail
/// as `1 − Σ_{j<x} P(N = j)`, accurate to about 1e-16 absolute).
pub(crate) fn nbd_count(r: f64, alpha: f64, t: f64, x: f64) -> (f64, f64) {
    // x is a checked whole number, so the count of terms is exact.
    let below: f64 = (0..x as u64)
        .map(|j| nbd_ln_pmf(r, alpha, t, j as f64).exp())
        .sum();
    (nbd_ln_pmf(r, alpha, t, x), (1.0 - below).max(0.0))
}

/// Checks a horizon and a count for `P(X(t) = x)`.
pub(crate) fn check_count(t: f64, x: f64) -> Result<()> {
    if !(t.is_finite() && t >= 0.0) {
        return Err(EngError::invalid("t", t, "must be a finite number >= 0"));
    }
    if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= 1e7) {
        return Err(EngError::invalid(
            "x",
            x,
            "must be a whole number in 0..=10^7",
        ));
    }
    Ok(())
}

impl BgNbdParams {
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

    /// Log-likelihood of one customer with `x` repeat purchases, the last at
    /// `t_x`, observed for `T`.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005), eq. (6), in log form:
    ///
    /// ```text
    /// ln L = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
    ///        + ln[ (α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x) ]
    /// ```
    ///
    /// evaluated with a log-sum-exp so that large `x` or long `T` do not
    /// underflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::bg_nbd::BgNbdParams;
    /// let p = BgNbdParams { r: 1.0, alpha: 1.0, a: 1.0, b: 1.0 };
    /// // x = 0: L = B(1, 1)/B(1, 1) · 1/(1+T) = 1/(1+T)
    /// assert!((p.ln_likelihood(0.0, 0.0, 3.0) - (0.25f64).ln()).abs() < 1e-12);
    /// ```
    pub fn ln_likelihood(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
        let a3 = -(r + x) * (alpha + big_t).ln();
        let mix = if x > 0.0 {
            let a4 = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + t_x).ln();
            let m = a3.max(a4);
            m + ((a3 - m).exp() + (a4 - m).exp()).ln()
        } else {
            a3
        };
        a1 + a2 + mix
    }

    /// Total log-likelihood of a summary (weighted by row counts).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{bg_nbd::BgNbdParams, RepeatSummary};
    /// let s = RepeatSummary::from_columns(&[0.0, 0.0], &[0.0, 0.0], &[3.0, 3.0])?;
    /// let p = BgNbdParams { r: 1.0, alpha: 1.0, a: 1.0, b: 1.0 };
    /// assert!((p.log_likelihood(&s) - 2.0 * 0.25f64.ln()).abs() < 1e-12);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn log_likelihood(&self, data: &RepeatSummary) -> f64 {
        self.log_likelihood_derivatives(data, &TimeIndex::new(data))
            .0
    }

    /// The log-likelihood with its gradient and Hessian in
    /// `(r, alpha, a, b)`: `ψ` and `ψ₁` terms from the Γ and Beta functions,
    /// and the mixing weights of the two likelihood terms (see
    /// [`grouped_log_likelihood`]).
    pub(crate) fn log_likelihood_derivatives(
        &self,
        data: &RepeatSummary,
        times: &TimeIndex,
    ) -> (f64, [f64; 4], Matrix4) {
        let BgNbdParams { r, alpha, a, b } = *self;
        let terms = FamilyTerms::new(r, alpha, a, b);
        // No repeat purchase, no "dropped out after the last one" term.
        grouped_log_likelihood(data, times, r, alpha, |x| {
            terms.per_x(x, 0.0, (x > 0.0).then_some(b + x - 1.0))
        })
    }

    /// Maximum-likelihood fit.
    ///
    /// # Errors
    /// [`EngError::Config`] for bad options; [`EngError::Convergence`] when
    /// the optimizer does not converge.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{bg_nbd::BgNbdParams, FitOptions, RepeatSummary};
    /// let s = RepeatSummary::from_columns(&[0.0, 1.0, 3.0, 0.0, 2.0], &[0.0, 2.0, 9.0, 0.0, 4.0],
    ///                                     &[10.0, 10.0, 10.0, 8.0, 6.0])?;
    /// let fit = BgNbdParams::fit(&s, &FitOptions::default())?;
    /// assert!(fit.log_likelihood >= BgNbdParams { r: 1.0, alpha: 1.0, a: 1.0, b: 1.0 }.log_likelihood(&s));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit(data: &RepeatSummary, options: &FitOptions) -> Result<FitReport<BgNbdParams>> {
        crate::clv::fit::require_customers(data.len(), "a BG/NBD fit")?;
        let of = |p: &[f64]| BgNbdParams {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
        };
        let times = TimeIndex::new(data);
        let (p, iterations) = fit_bg_family(&Self::INITIAL, options, |p| {
            of(p).log_likelihood_derivatives(data, &times)
        })?;
        let params = of(&p.params);
        Ok(FitReport {
            params,
            log_likelihood: p.log_likelihood,
            iterations,
            customers: data.customers(),
            standard_errors: p.standard_errors,
        })
    }

    /// Probability that a customer with history `(x, t_x, T)` is still alive.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005), eq. (11):
    ///
    /// ```text
    /// P(alive) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::bg_nbd::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// assert_eq!(p.p_alive(0.0, 0.0, 38.86)?, 1.0);   // no repeat purchase: never seen to drop out
    /// assert!(p.p_alive(5.0, 10.0, 38.86)? < p.p_alive(5.0, 38.0, 38.86)?);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
        self.check()?;
        if x == 0.0 {
            return Ok(1.0);
        }
        let BgNbdParams { r, alpha, a, b } = *self;
        let ln_ratio = (a / (b + x - 1.0)).ln() + (r + x) * ((alpha + big_t) / (alpha + t_x)).ln();
        Ok(1.0 / (1.0 + ln_ratio.exp()))
    }

    /// Probability that a new customer makes exactly `x` purchases in `(0, t]`.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005), eq. (8), with `NBD(j)` the Gamma-Poisson
    /// probability of `j` purchases in `(0, t]`:
    ///
    /// ```text
    /// P(X(t) = x) = NBD(x) · B(a, b+x)/B(a, b)
    ///             + 1{x>0} · B(a+1, b+x−1)/B(a, b) · [1 − Σ_{j<x} NBD(j)]
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters; [`EngError::InvalidInput`]
    /// for a negative `t` or an `x` that is not a whole number.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::bg_nbd::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// let total: f64 = (0..200).map(|x| p.probability_of_purchases(39.0, x as f64).unwrap()).sum();
    /// assert!((total - 1.0).abs() < 1e-9);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn probability_of_purchases(&self, t: f64, x: f64) -> Result<f64> {
        self.check()?;
        check_count(t, x)?;
        let BgNbdParams { r, alpha, a, b } = *self;
        let ln_b = |p: f64, q: f64| ln_beta(p, q) - ln_beta(a, b);
        let (ln_pmf, tail) = nbd_count(r, alpha, t, x);
        let mut p = (ln_pmf + ln_b(a, b + x)).exp();
        if x > 0.0 {
            p += ln_b(a + 1.0, b + x - 1.0).exp() * tail;
        }
        // Rounding can leave a probability an ulp or two past 1.
        Ok(p.clamp(0.0, 1.0))
    }

    /// Expected number of purchases of a new customer in `(0, t]`.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005), eq. (9):
    ///
    /// ```text
    /// E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))]
    /// ```
    ///
    /// # Errors
    /// [`EngError::Config`] for non-positive parameters;
    /// [`EngError::InvalidInput`] for a negative `t`. (`a ≤ 1` is fine: the
    /// factor `1/(a−1)` and the bracket change sign together, and at `a = 1`
    /// the removable singularity is bridged.)
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::bg_nbd::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// assert_eq!(p.expected_purchases_new(0.0)?, 0.0);
    /// assert!(p.expected_purchases_new(10.0)? < p.expected_purchases_new(20.0)?);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        self.check()?;
        if !(t.is_finite() && t >= 0.0) {
            return Err(EngError::invalid("t", t, "must be a finite number >= 0"));
        }
        let BgNbdParams { r, alpha, a, b } = *self;
        at_removable_a(a, |a| {
            let z = t / (alpha + t);
            let f = hyp2f1(r, b, a + b - 1.0, z)?;
            Ok((a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)).powf(r) * f))
        })
    }

    /// Expected purchases in the next `t` of a customer with history `(x, t_x, T)`.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005), eq. (10):
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
    ///                       / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    /// ```
    ///
    /// # Errors
    /// As [`expected_purchases_new`](Self::expected_purchases_new).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::bg_nbd::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// let busy = p.conditional_expected_purchases(39.0, 10.0, 38.0, 39.0)?;
    /// let quiet = p.conditional_expected_purchases(39.0, 0.0, 0.0, 39.0)?;
    /// assert!(busy > quiet);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
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
        let BgNbdParams { r, alpha, a, b } = *self;
        let numerator = at_removable_a(a, |a| {
            let z = t / (alpha + big_t + t);
            let f = hyp2f1(r + x, b + x, a + b + x - 1.0, z)?;
            Ok((a + b + x - 1.0) / (a - 1.0)
                * (1.0 - ((alpha + big_t) / (alpha + big_t + t)).powf(r + x) * f))
        })?;
        Ok(numerator * self.p_alive(x, t_x, big_t)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn likelihood_matches_the_closed_form_for_a_repeat_buyer() {
        // r = α = a = 1, b = 2, x = 1, t_x = 1, T = 2:
        // L = B(1,3)/B(1,2) · Γ(2)/Γ(1) · 1/(1+2)^2 + B(2,2)/B(1,2) · Γ(2)/Γ(1) · 1/(1+1)^2
        //   = (1/3)/(1/2) · 1/9 + (1/6)/(1/2) · 1/4 = 2/27 + 1/12
        let p = BgNbdParams {
            r: 1.0,
            alpha: 1.0,
            a: 1.0,
            b: 2.0,
        };
        let expected: f64 = 2.0 / 27.0 + 1.0 / 12.0;
        assert!((p.ln_likelihood(1.0, 1.0, 2.0) - expected.ln()).abs() < 1e-12);
    }

    #[test]
    fn grouped_log_likelihood_equals_the_per_row_sum_in_any_order() {
        let p = BgNbdParams {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
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
        let sorted =
            RepeatSummary::from_columns(&rows.map(|r| r.0), &rows.map(|r| r.1), &rows.map(|r| r.2))
                .unwrap();
        assert!((p.log_likelihood(&sorted) - per_row).abs() < 1e-9 * per_row.abs());
        let unsorted = RepeatSummary {
            x: rows.map(|r| r.0).to_vec(),
            t_x: rows.map(|r| r.1).to_vec(),
            t: rows.map(|r| r.2).to_vec(),
            weight: vec![1.0; rows.len()],
        };
        assert!((p.log_likelihood(&unsorted) - per_row).abs() < 1e-9 * per_row.abs());
    }

    #[test]
    fn analytic_gradients_match_central_differences() {
        let data = RepeatSummary {
            x: vec![0.0, 0.0, 1.0, 2.0, 2.0, 7.0, 40.0],
            t_x: vec![0.0, 0.0, 3.0, 10.0, 29.0, 25.0, 30.0],
            t: vec![30.0, 12.0, 30.0, 31.0, 30.0, 30.0, 31.0],
            weight: vec![50.0, 3.0, 10.0, 4.0, 2.0, 1.0, 1.0],
        };
        let theta = [0.243, 4.414, 0.793, 2.426];
        let bg = |t: &[f64]| BgNbdParams {
            r: t[0],
            alpha: t[1],
            a: t[2],
            b: t[3],
        };
        let mbg = |t: &[f64]| crate::clv::mbg_nbd::MbgNbdParams {
            r: t[0],
            alpha: t[1],
            a: t[2],
            b: t[3],
        };
        type Ll<'a> = &'a dyn Fn(&[f64]) -> f64;
        let models: [(Ll<'_>, [f64; 4]); 2] = [
            (
                &|t: &[f64]| bg(t).log_likelihood(&data),
                bg(&theta)
                    .log_likelihood_derivatives(&data, &TimeIndex::new(&data))
                    .1,
            ),
            (
                &|t: &[f64]| mbg(t).log_likelihood(&data),
                mbg(&theta).gradient_for_tests(&data),
            ),
        ];
        for (ll, grad) in models {
            for k in 0..4 {
                let h = 1e-6 * theta[k];
                let (mut up, mut down) = (theta, theta);
                up[k] += h;
                down[k] -= h;
                let numeric = (ll(&up) - ll(&down)) / (2.0 * h);
                assert!(
                    (grad[k] - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                    "{k}: analytic {} numeric {numeric}",
                    grad[k]
                );
            }
        }
    }

    #[test]
    fn analytic_hessians_match_central_differences_of_the_gradients() {
        // Every row kind: x = 0 (no odds term in BG/NBD), t_x near T and far
        // from it, a large x; parameters at CDNOW's optimum and away from it.
        let data = RepeatSummary {
            x: vec![0.0, 0.0, 1.0, 2.0, 2.0, 7.0, 40.0],
            t_x: vec![0.0, 0.0, 3.0, 10.0, 29.0, 25.0, 30.0],
            t: vec![30.0, 12.0, 30.0, 31.0, 30.0, 30.0, 31.0],
            weight: vec![50.0, 3.0, 10.0, 4.0, 2.0, 1.0, 1.0],
        };
        let times = TimeIndex::new(&data);
        type Derivatives<'a> = &'a dyn Fn(&[f64]) -> (f64, [f64; 4], Matrix4);
        let bg: Derivatives<'_> = &|t| {
            BgNbdParams {
                r: t[0],
                alpha: t[1],
                a: t[2],
                b: t[3],
            }
            .log_likelihood_derivatives(&data, &times)
        };
        let mbg: Derivatives<'_> = &|t| {
            crate::clv::mbg_nbd::MbgNbdParams {
                r: t[0],
                alpha: t[1],
                a: t[2],
                b: t[3],
            }
            .log_likelihood_derivatives(&data, &times)
        };
        for theta in [
            [0.243, 4.414, 0.793, 2.426],
            [2.0, 0.5, 3.0, 0.7],
            [0.05, 40.0, 0.2, 9.0],
        ] {
            for f in [bg, mbg] {
                let (_, _, hess) = f(&theta);
                crate::clv::fit::tests::assert_hessian_matches_gradient(theta, &hess, |t| f(&t).1);
            }
        }
    }

    #[test]
    fn a_equal_to_one_is_bridged_smoothly() {
        let at = |a: f64| BgNbdParams {
            r: 0.243,
            alpha: 4.414,
            a,
            b: 2.426,
        };
        for t in [1.0, 39.0, 200.0] {
            let mid = at(1.0).expected_purchases_new(t).unwrap();
            let lo = at(1.0 - 1e-3).expected_purchases_new(t).unwrap();
            let hi = at(1.0 + 1e-3).expected_purchases_new(t).unwrap();
            assert!(mid.is_finite() && mid > 0.0);
            assert!(
                lo > mid && mid > hi,
                "more dropout, fewer purchases: {lo} {mid} {hi}"
            );
            assert!((lo - mid).abs() < 1e-2 * mid && (hi - mid).abs() < 1e-2 * mid);
            let c = at(1.0)
                .conditional_expected_purchases(t, 2.0, 30.0, 39.0)
                .unwrap();
            let c_lo = at(1.0 - 1e-7)
                .conditional_expected_purchases(t, 2.0, 30.0, 39.0)
                .unwrap();
            assert!((c - c_lo).abs() < 1e-6 * c, "{c} {c_lo}");
        }
    }

    #[test]
    fn huge_frequencies_stay_finite() {
        let p = BgNbdParams {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        };
        let ll = p.ln_likelihood(5000.0, 38.0, 39.0);
        assert!(ll.is_finite(), "{ll}");
        assert!(p.p_alive(5000.0, 38.9, 39.0).unwrap().is_finite());
    }
}
