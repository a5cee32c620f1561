//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::clv::RepeatSummary;
use crate::clv::bg_nbd::{Matrix4, TimeIndex};
use crate::clv::fit::{
    FitOptions, FitReport, minimize_newton, negate, standard_errors_from_hessian,
};
use crate::clv::special::{ln_add_exp, trigamma};
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
/// `c_k = ∏_{j<k} (b+j)/(c+j)`, with the sums `Σ_{j<k} 1/(b+j)`,
/// `Σ_{j<k} 1/(c+j)` and of their squares that its derivatives in `b` and
/// `c` need. They depend on the frequency `x` but not on the times, so a run
/// of rows with equal `x` computes them once, as far as its slowest row
/// needs, and each row sums its series without a division.
struct SeriesCoefficients {
    b: f64,
    c: f64,
    /// `c_k`.
    coef: Vec<f64>,
    /// `H_k`, `G_k` (see [`ln_derivatives`](Self::ln_derivatives)).
    harm_b: Vec<f64>,
    harm_c: Vec<f64>,
    /// `H⁽²⁾_k`, `G⁽²⁾_k`.
    harm2_b: Vec<f64>,
    harm2_c: Vec<f64>,
    /// The weights of the second derivatives: `H_k² − H⁽²⁾_k`, `H_k G_k`, `G_k² + G⁽²⁾_k`.
    w_bb: Vec<f64>,
    w_bc: Vec<f64>,
    w_cc: Vec<f64>,
}

/// `ln ₂F₁(1, b; c; z)` with its gradient and Hessian in `(b, c, z)`.
type SeriesDerivatives = (f64, [f64; 3], [[f64; 3]; 3]);

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
            harm2_b: Vec::new(),
            harm2_c: Vec::new(),
            w_bb: Vec::new(),
            w_bc: Vec::new(),
            w_cc: Vec::new(),
        }
    }

    /// Starts over for `(b, c)` unless they are the current ones.
    fn reset(&mut self, b: f64, c: f64) {
        if b.to_bits() == self.b.to_bits() && c.to_bits() == self.c.to_bits() {
            return;
        }
        self.b = b;
        self.c = c;
        for v in [
            &mut self.coef,
            &mut self.harm_b,
            &mut self.harm_c,
            &mut self.harm2_b,
            &mut self.harm2_c,
            &mut self.w_bb,
            &mut self.w_bc,
            &mut self.w_cc,
        ] {
            v.clear();
            v.push(0.0);
        }
        self.coef[0] = 1.0;
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
            let (ib, ic) = (1.0 / (self.b + jf), 1.0 / (self.c + jf));
            self.coef.push(self.coef[j] * (self.b + jf) * ic);
            self.harm_b.push(self.harm_b[j] + ib);
            self.harm_c.push(self.harm_c[j] + ic);
            self.harm2_b.push(self.harm2_b[j] + ib * ib);
            self.harm2_c.push(self.harm2_c[j] + ic * ic);
            let (hb, hc) = (self.harm_b[j + 1], self.harm_c[j + 1]);
            self.w_bb.push(hb * hb - self.harm2_b[j + 1]);
            self.w_bc.push(hb * hc);
            self.w_cc.push(hc * hc + self.harm2_c[j + 1]);
        }
        true
    }

    /// `ln ₂F₁(1, b; c; z)` and its first and second derivatives in
    /// `(b, c, z)`, `None` when the series does not converge.
    ///
    /// With `S = Σ t_k`, `t_k = c_k z^k`, `H_k = Σ_{j<k} 1/(b+j)`,
    /// `G_k = Σ_{j<k} 1/(c+j)` and `H⁽²⁾`, `G⁽²⁾` the sums of squares:
    /// `∂_b S = Σ t_k H_k`, `∂_c S = −Σ t_k G_k`, `∂_z S = Σ k t_k / z`,
    /// `∂_bb S = Σ t_k (H_k² − H⁽²⁾_k)`, `∂_bc S = −Σ t_k H_k G_k`,
    /// `∂_cc S = Σ t_k (G_k² + G⁽²⁾_k)`, `∂_bz S = Σ k t_k H_k / z`,
    /// `∂_cz S = −Σ k t_k G_k / z`, `∂_zz S = Σ k(k−1) t_k / z²` (the powers
    /// of `z` formed without dividing by it); then `∂ ln S = ∂S / S` and
    /// `∂² ln S = ∂²S / S − (∂S/S)(∂S/S)ᵀ`. The sums stop by the rule of
    /// [`ln_hyp2f1_unit_grad`] (tails of the value, the harmonic-weighted
    /// and the `k`-weighted sums below `1e-16` of the value) and, for
    /// `∂_zz`, a bound on its own tail below `1e-15` (it has a term at
    /// `z = 0`); the other second derivatives' tails are the first-order
    /// bounds times the same weights again, about `1e-13` of the value,
    /// ample for Newton steps and standard errors.
    fn ln_derivatives(&mut self, z: f64) -> Option<SeriesDerivatives> {
        if !(0.0..1.0).contains(&z) {
            return None;
        }
        let inv_1mz = 1.0 / (1.0 - z);
        let tail = z * inv_1mz;
        let inv_bc = 1.0 / self.b + 1.0 / self.c;
        // Term 0 is 1 with no derivatives; term 1 needs no power of z below 0.
        if !self.reach(1) {
            return None;
        }
        let t1 = self.coef[1] * z;
        let (hb, hc) = (self.harm_b[1], self.harm_c[1]);
        let mut sum = 1.0 + t1;
        let (mut d_b, mut d_c, mut d_z) = (t1 * hb, t1 * hc, self.coef[1]);
        let (mut d_bb, mut d_bc, mut d_cc) =
            (t1 * self.w_bb[1], t1 * self.w_bc[1], t1 * self.w_cc[1]);
        let (mut d_bz, mut d_cz, mut d_zz) = (self.coef[1] * hb, self.coef[1] * hc, 0.0f64);
        // Terms j = 2, 3, … in groups of four, the stopping rule checked
        // before each group: `last` is term j−1, `zj2` = z^(j−2).
        let (mut j, mut last, mut zj2) = (2usize, t1, 1.0f64);
        loop {
            if !self.reach(j + 3) {
                return None;
            }
            // The rule at k = j − 1 (the last term added).
            let kf = (j - 1) as f64;
            let zj1 = zj2 * z;
            let next_over_z = self.coef[j] * zj1;
            let value_tail = last * tail;
            let harm_tail =
                value_tail * (self.harm_b[j - 1] + self.harm_c[j - 1] + (kf + 2.0) * inv_bc);
            let z_tail = next_over_z * ((kf + 1.0) * inv_1mz + inv_1mz * inv_1mz);
            // Σ_{i≥j} i(i−1) t_i/z² ≤ c_j z^(j−2) Σ_m (A+m)(A−1+m) z^m with A = j
            // (the coefficients only shrink), in closed form.
            let a = kf + 1.0;
            let zz_tail = self.coef[j]
                * zj2
                * (a * (a - 1.0) * inv_1mz
                    + 2.0 * a * z * inv_1mz * inv_1mz
                    + 2.0 * z * z * inv_1mz * inv_1mz * inv_1mz);
            if value_tail <= 1e-17 * sum
                && harm_tail <= 1e-16 * sum
                && z_tail <= 1e-16 * sum
                && zz_tail <= 1e-15 * sum
            {
                break;
            }
            for i in j..j + 4 {
                let fi = i as f64;
                let c = self.coef[i];
                let (hb, hc) = (self.harm_b[i], self.harm_c[i]);
                // t_i = c_i z^i, i c_i z^(i−1) and i(i−1) c_i z^(i−2).
                let zi1 = zj2 * z;
                let t = c * zi1 * z;
                let kz = fi * c * zi1;
                d_zz += fi * (fi - 1.0) * c * zj2;
                zj2 = zi1;
                d_z += kz;
                d_bz += kz * hb;
                d_cz += kz * hc;
                sum += t;
                d_b += t * hb;
                d_c += t * hc;
                d_bb += t * self.w_bb[i];
                d_bc += t * self.w_bc[i];
                d_cc += t * self.w_cc[i];
                last = t;
            }
            j += 4;
        }
        let inv = 1.0 / sum;
        let g = [d_b * inv, -d_c * inv, d_z * inv];
        let h_bb = d_bb * inv - g[0] * g[0];
        let h_bc = -d_bc * inv - g[0] * g[1];
        let h_cc = d_cc * inv - g[1] * g[1];
        let h_bz = d_bz * inv - g[0] * g[2];
        let h_cz = -d_cz * inv - g[1] * g[2];
        let h_zz = d_zz * inv - g[2] * g[2];
        Some((
            sum.ln(),
            g,
            [[h_bb, h_bc, h_bz], [h_bc, h_cc, h_cz], [h_bz, h_cz, h_zz]],
        ))
    }
}

/// Per distinct time `τ` of a summary: `ln(α+τ)`, `ln(β+τ)`, `1/(α+τ)`,
/// `1/(β+τ)`.
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

/// A value with its gradient and Hessian in `(r, α, s, β)`.
type Derivatives = (f64, [f64; 4], Matrix4);

/// `m += w · v vᵀ` (upper triangle; the lower one is filled at the end).
#[inline]
fn add_outer(m: &mut Matrix4, w: f64, v: &[f64; 4]) {
    for k in 0..4 {
        let wk = w * v[k];
        for l in k..4 {
            m[k][l] += wk * v[l];
        }
    }
}

/// `m += w · a` (upper triangle).
#[inline]
fn add_scaled(m: &mut Matrix4, w: f64, a: &Matrix4) {
    for k in 0..4 {
        for l in k..4 {
            m[k][l] += w * a[k][l];
        }
    }
}

impl ParetoNbdParams {
    /// Σ weight · ln L over a summary with its gradient and Hessian in
    /// `(r, α, s, β)`: the formulas of
    /// [`ln_likelihood_and_gradient`](Self::ln_likelihood_and_gradient)
    /// differentiated once more (see [`grouped_block`](Self::grouped_block)),
    /// with the terms of each frequency (Γ and ψ terms, the series'
    /// coefficients) formed once per run of equal `x` (rows are sorted by
    /// `x`) and the logarithms once per distinct time. Rows are summed in
    /// fixed blocks in parallel and added in block order, so the sums are the
    /// same on any number of threads. `None` when a series does not converge.
    // Index loops: small dense matrix algebra reads clearest with explicit indices.
    #[allow(clippy::needless_range_loop)]
    fn grouped_log_likelihood_derivatives(
        &self,
        data: &RepeatSummary,
        times: &TimeIndex,
    ) -> Option<Derivatives> {
        let tt = TimeTerms::new(times, self.alpha, self.beta);
        let blocks = crate::clv::row_blocks(data.len(), 256, |_| true);
        let block =
            |rows: &std::ops::Range<usize>| self.grouped_block(data, times, &tt, rows.clone());
        let parts: Vec<Option<Derivatives>> = if blocks.len() == 1 {
            blocks.iter().map(block).collect()
        } else {
            use rayon::prelude::*;
            blocks.par_iter().map(block).collect()
        };
        let mut total = (0.0, [0.0; 4], [[0.0; 4]; 4]);
        for part in parts {
            let (v, g, h) = part?;
            total.0 += v;
            for k in 0..4 {
                total.1[k] += g[k];
                for l in k..4 {
                    total.2[k][l] += h[k][l];
                }
            }
        }
        for k in 0..4 {
            for l in 0..k {
                total.2[k][l] = total.2[l][k];
            }
        }
        Some(total)
    }

    /// The "died between `t_x` and `T`" term at time index `j` (see
    /// [`ln_likelihood_and_gradient`](Self::ln_likelihood_and_gradient))
    /// with its gradient and Hessian (upper triangle): `ln ₂F₁(1, b; c; z)`
    /// through the chain rule, plus the logarithms of `α+t` and `β+t`. For
    /// `α ≥ β`, `b = r+x` and `z = (α−β)/(α+t)`; for `α < β`, `b = s+1` and
    /// `z = (β−α)/(β+t)`; `c = r+s+x+1` in both. So `b` and `c` are linear
    /// in `(r, s)` and `z` depends on `(α, β)` alone, and the chain rule has
    /// few terms.
    fn died_term(
        &self,
        series: &mut SeriesCoefficients,
        tt: &TimeTerms,
        t: f64,
        j: usize,
        rx: f64,
    ) -> Option<Derivatives> {
        let ParetoNbdParams { alpha, s, beta, .. } = *self;
        let (la, lb, ia, ib) = (tt.ln_a[j], tt.ln_b[j], tt.inv_a[j], tt.inv_b[j]);
        let alpha_wins = alpha >= beta;
        // z, its derivatives in (α, β) and second derivatives (αα, αβ, ββ).
        let (z, z_a, z_b, z_aa, z_ab, z_bb) = if alpha_wins {
            let (bt, ia2) = (beta + t, ia * ia);
            (
                (alpha - beta) * ia,
                bt * ia2,
                -ia,
                -2.0 * bt * ia2 * ia,
                ia2,
                0.0,
            )
        } else {
            let (at, ib2) = (alpha + t, ib * ib);
            (
                (beta - alpha) * ib,
                -ib,
                at * ib2,
                0.0,
                ib2,
                -2.0 * at * ib2 * ib,
            )
        };
        let (ln_f, [fb, fc, fz], fh) = series.ln_derivatives(z)?;
        let [[f_bb, f_bc, f_bz], [_, f_cc, f_cz], [_, _, f_zz]] = fh;
        // (r, s) block: the parameter that b follows gets f_b + f_c, the other f_c.
        let (own, other) = (fb + fc, fc);
        let (own2, mixed, other2) = (f_bb + 2.0 * f_bc + f_cc, f_bc + f_cc, f_cc);
        let (own_z, other_z) = (f_bz + f_cz, f_cz);
        let mut h = [[0.0; 4]; 4];
        let (g_r, g_s, h_rr, h_ss, z_r, z_s) = if alpha_wins {
            (own, other, own2, other2, own_z, other_z)
        } else {
            (other, own, other2, own2, other_z, own_z)
        };
        h[0][0] = h_rr;
        h[0][2] = mixed;
        h[2][2] = h_ss;
        h[0][1] = z_r * z_a;
        h[0][3] = z_r * z_b;
        h[1][2] = z_s * z_a;
        h[2][3] = z_s * z_b;
        h[1][1] = f_zz * z_a * z_a + fz * z_aa;
        h[1][3] = f_zz * z_a * z_b + fz * z_ab;
        h[3][3] = f_zz * z_b * z_b + fz * z_bb;
        // The logarithms: −s ln(β+t) − (r+x) ln(α+t) for α ≥ β,
        // (1−r−x) ln(α+t) − (s+1) ln(β+t) otherwise.
        let (rest, grad) = if alpha_wins {
            h[0][1] -= ia;
            h[1][1] += rx * ia * ia;
            h[2][3] -= ib;
            h[3][3] += s * ib * ib;
            (
                -s * lb - rx * la,
                [g_r - la, fz * z_a - rx * ia, g_s - lb, fz * z_b - s * ib],
            )
        } else {
            h[0][1] -= ia;
            h[1][1] -= (1.0 - rx) * ia * ia;
            h[2][3] -= ib;
            h[3][3] += (s + 1.0) * ib * ib;
            (
                (1.0 - rx) * la - (s + 1.0) * lb,
                [
                    g_r - la,
                    fz * z_a + (1.0 - rx) * ia,
                    g_s - lb,
                    fz * z_b - (s + 1.0) * ib,
                ],
            )
        };
        Some((ln_f + rest, grad, h))
    }

    /// [`grouped_log_likelihood_derivatives`](Self::grouped_log_likelihood_derivatives)
    /// over the rows of one block (upper triangles). Per row, with
    /// `u`, `v` the died terms at `t_x` and `T`, `q = e^(v−u)`:
    ///
    /// ```text
    /// D = ln(e^u − e^v),  ∂D = (∂u − q ∂v)/(1−q),
    /// ∂²D = (∂²u + ∂u∂uᵀ − q(∂²v + ∂v∂vᵀ))/(1−q) − ∂D∂Dᵀ
    /// ```
    ///
    /// and the two likelihood terms mix as a log-sum-exp: with shares `w₁`,
    /// `w₂`, `∂² = w₁∂²first + w₂∂²second + w₁w₂(∂first − ∂second)(∂first − ∂second)ᵀ`.
    #[allow(clippy::needless_range_loop)]
    fn grouped_block(
        &self,
        data: &RepeatSummary,
        times: &TimeIndex,
        tt: &TimeTerms,
        rows: std::ops::Range<usize>,
    ) -> Option<Derivatives> {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let (ln_alpha, ln_beta) = (alpha.ln(), beta.ln());
        let (lg_r, psi_r, tri_r) = (ln_gamma(r), digamma(r), trigamma(r));
        let mut series = SeriesCoefficients::new();
        // The died term depends on x and the time alone: rows of one x that
        // share a T or a t_x (CDNOW: a few hundred distinct times among a run's
        // rows) reuse it. `seen[j]` is the run number that filled `memo[j]`.
        let n_times = tt.ln_a.len();
        let mut memo: Vec<Derivatives> = vec![(0.0, [0.0; 4], [[0.0; 4]; 4]); n_times];
        let mut seen: Vec<usize> = vec![usize::MAX; n_times];
        let mut run = 0usize;
        let mut total = 0.0;
        let mut grad = [0.0; 4];
        let mut hess = [[0.0; 4]; 4];
        let mut i = rows.start;
        while i < rows.end {
            let x = data.x[i];
            let rx = r + x;
            let rsx = rx + s;
            let fixed = ln_gamma(rx) - lg_r + r * ln_alpha + s * ln_beta;
            let d_fixed = [digamma(rx) - psi_r + ln_alpha, r / alpha, ln_beta, s / beta];
            let mut h_fixed = [[0.0; 4]; 4];
            h_fixed[0][0] = trigamma(rx) - tri_r;
            h_fixed[0][1] = 1.0 / alpha;
            h_fixed[1][1] = -r / (alpha * alpha);
            h_fixed[2][3] = 1.0 / beta;
            h_fixed[3][3] = -s / (beta * beta);
            // ln s − ln(r+s+x).
            let ln_s_rsx = (s / rsx).ln();
            let d_log_rsx = [-1.0 / rsx, 0.0, 1.0 / s - 1.0 / rsx, 0.0];
            let inv_rsx2 = 1.0 / (rsx * rsx);
            let mut h_log_rsx = [[0.0; 4]; 4];
            h_log_rsx[0][0] = inv_rsx2;
            h_log_rsx[0][2] = inv_rsx2;
            h_log_rsx[2][2] = inv_rsx2 - 1.0 / (s * s);
            series.reset(if alpha >= beta { rx } else { s + 1.0 }, rsx + 1.0);
            run += 1;
            let mut died = |time: f64, j: usize| -> Option<Derivatives> {
                if seen[j] != run {
                    memo[j] = self.died_term(&mut series, tt, time, j, rx)?;
                    seen[j] = run;
                }
                Some(memo[j])
            };
            // Sums over the run of x, then the per-x terms once.
            let mut weight = 0.0;
            while i < rows.end && data.x[i] == x {
                let (jt, jx) = (times.t[i], times.t_x[i]);
                let (u, du, hu) = died(data.t_x[i], jx)?;
                let (v, dv, hv) = died(data.t[i], jt)?;
                let first = -rx * tt.ln_a[jt] - s * tt.ln_b[jt];
                let d_first = [
                    -tt.ln_a[jt],
                    -rx * tt.inv_a[jt],
                    -tt.ln_b[jt],
                    -s * tt.inv_b[jt],
                ];
                let mut h_first = [[0.0; 4]; 4];
                h_first[0][1] = -tt.inv_a[jt];
                h_first[1][1] = rx * tt.inv_a[jt] * tt.inv_a[jt];
                h_first[2][3] = -tt.inv_b[jt];
                h_first[3][3] = s * tt.inv_b[jt] * tt.inv_b[jt];
                let q = (v - u).exp();
                let second = ln_s_rsx + u + (-q).ln_1p();
                let mix = ln_add_exp(first, second);
                let w2 = (second - mix).exp();
                let w1 = 1.0 - w2;
                let w = data.weight[i];
                weight += w;
                total += w * mix;
                let mut g_row = [0.0; 4];
                let mut h_row = [[0.0; 4]; 4];
                add_scaled(&mut h_row, w1, &h_first);
                if w2 > 0.0 {
                    let inv = 1.0 / (1.0 - q);
                    let mut d_second = [0.0; 4];
                    for k in 0..4 {
                        d_second[k] = d_log_rsx[k] + (du[k] - q * dv[k]) * inv;
                    }
                    // ∂²second = ∂²ln(s/rsx) + ∂²D.
                    let mut h_second = h_log_rsx;
                    add_scaled(&mut h_second, inv, &hu);
                    add_outer(&mut h_second, inv, &du);
                    add_scaled(&mut h_second, -q * inv, &hv);
                    add_outer(&mut h_second, -q * inv, &dv);
                    let d_d: [f64; 4] = std::array::from_fn(|k| d_second[k] - d_log_rsx[k]);
                    add_outer(&mut h_second, -1.0, &d_d);
                    add_scaled(&mut h_row, w2, &h_second);
                    let diff: [f64; 4] = std::array::from_fn(|k| d_first[k] - d_second[k]);
                    add_outer(&mut h_row, w1 * w2, &diff);
                    for k in 0..4 {
                        g_row[k] = w1 * d_first[k] + w2 * d_second[k];
                    }
                } else {
                    g_row = d_first;
                }
                for k in 0..4 {
                    grad[k] += w * g_row[k];
                }
                add_scaled(&mut hess, w, &h_row);
                i += 1;
            }
            total += weight * fixed;
            for k in 0..4 {
                grad[k] += weight * d_fixed[k];
            }
            add_scaled(&mut hess, weight, &h_fixed);
        }
        Some((total, grad, hess))
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
        crate::error::all_positive(&[
            ("r", self.r),
            ("alpha", self.alpha),
            ("s", self.s),
            ("beta", self.beta),
        ])
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
    /// use engagement_core::clv::{ClvModel, RepeatSummary, FitOptions, pareto_nbd::ParetoNbdParams, simulate};
    /// let truth = ParetoNbdParams { r: 0.55, alpha: 10.0, s: 0.6, beta: 12.0 };
    /// let h = simulate::histories(&ClvModel::ParetoNbd(truth), &[39.0; 500], 1)?;
    /// let s = RepeatSummary::from_columns(&h.frequency, &h.recency, &h.t)?;
    /// let fit = ParetoNbdParams::fit(&s, &FitOptions::default())?;
    /// let se = fit.standard_errors.expect("500 customers identify the parameters");
    /// assert!((fit.params.r - truth.r).abs() < 4.0 * se[0]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit(data: &RepeatSummary, options: &FitOptions) -> Result<FitReport<ParetoNbdParams>> {
        crate::clv::fit::require_customers(data.len(), "a Pareto/NBD fit")?;
        let of = |p: &[f64]| ParetoNbdParams {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        };
        let times = TimeIndex::new(data);
        // A point where the series cannot be evaluated is an infinitely bad point.
        let derivatives = |p: &[f64]| {
            of(p)
                .grouped_log_likelihood_derivatives(data, &times)
                .map(|(ll, g, h)| negate(ll, &g, h.iter().map(|row| row.as_slice())))
        };
        let with_gradient = |p: &[f64]| match derivatives(p) {
            Some((v, g, _)) => (v, g),
            None => (f64::INFINITY, vec![f64::NAN; 4]),
        };
        // The last fallback uses the likelihood alone: its series stops on the
        // value's tail only, so it still evaluates points near z = 1 that the
        // derivatives' stricter tail bounds give up on.
        let value = |p: &[f64]| of(p).log_likelihood(data).map_or(f64::INFINITY, |ll| -ll);
        let (p, iterations) = minimize_newton(
            &Self::INITIAL,
            &derivatives,
            &with_gradient,
            &value,
            options,
        )?;
        let params = of(&p);
        let (log_likelihood, standard_errors) = match derivatives(&p) {
            Some((nll, g, h)) => (-nll, standard_errors_from_hessian(&g, &h, &p)),
            None => (params.log_likelihood(data)?, None),
        };
        Ok(FitReport {
            params,
            log_likelihood,
            iterations,
            customers: data.customers(),
            standard_errors,
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
    fn grouped_likelihood_equals_the_per_row_sum_and_its_hessian_the_gradients_differences() {
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
            let (ll, grad, hess) = p.grouped_log_likelihood_derivatives(&data, &times).unwrap();
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
            // The Hessian against central differences of the gradient.
            let at = |t: [f64; 4]| {
                ParetoNbdParams {
                    r: t[0],
                    alpha: t[1],
                    s: t[2],
                    beta: t[3],
                }
                .grouped_log_likelihood_derivatives(&data, &times)
                .unwrap()
                .1
            };
            crate::clv::fit::tests::assert_hessian_matches_gradient(theta, &hess, at);
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
