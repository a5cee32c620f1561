//! Special functions for the CLV models.

use statrs::function::gamma::{digamma, ln_gamma};

use crate::error::{EngError, Result};

/// `ln B(a, b)` from `ln Γ`; NaN rather than a panic (as `statrs`' own
/// version would) for non-positive arguments: callers check their parameters,
/// and a fit treats NaN as an infinitely bad point.
pub(crate) fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// The partial derivatives of `ln B(a, b)`: `(ψ(a) − ψ(a+b), ψ(b) − ψ(a+b))`.
pub(crate) fn ln_beta_grad(a: f64, b: f64) -> (f64, f64) {
    let ab = digamma(a + b);
    (digamma(a) - ab, digamma(b) - ab)
}

/// The trigamma function `ψ₁(x) = d²/dx² ln Γ(x)` for `x > 0`: the
/// recurrence `ψ₁(x) = ψ₁(x+1) + 1/x²` up to `x ≥ 10`, then the asymptotic
/// series `1/x + 1/(2x²) + Σ B₂ₖ/x^(2k+1)` (Abramowitz & Stegun 6.4.12)
/// through `B₁₄`; the first omitted term is below `1e-16` of the value
/// there. NaN for `x ≤ 0` or NaN (callers check their parameters).
pub(crate) fn trigamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let (mut x, mut acc) = (x, 0.0);
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // B₂ₖ for k = 1..7: 1/6, −1/30, 1/42, −1/30, 5/66, −691/2730, 7/6.
    let series = inv2
        * (1.0 / 6.0
            + inv2
                * (-1.0 / 30.0
                    + inv2
                        * (1.0 / 42.0
                            + inv2
                                * (-1.0 / 30.0
                                    + inv2
                                        * (5.0 / 66.0
                                            + inv2 * (-691.0 / 2730.0 + inv2 * 7.0 / 6.0))))));
    acc + inv + 0.5 * inv2 + inv * series
}

/// `ln(e^x + e^y)` without overflow; `−∞` when both are.
pub(crate) fn ln_add_exp(x: f64, y: f64) -> f64 {
    let m = x.max(y);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((x - m).exp() + (y - m).exp()).ln()
}

/// The domain of the Gauss series: `0 <= z < 1` and positive parameters.
fn check_series_domain(a: f64, b: f64, c: f64, z: f64) -> Result<()> {
    if !(0.0..1.0).contains(&z) {
        return Err(EngError::invalid("z", z, "the series needs 0 <= z < 1"));
    }
    if !(a > 0.0 && b > 0.0 && c > 0.0) {
        return Err(EngError::invalid(
            "a, b, c",
            format!("{a}, {b}, {c}"),
            "parameters must be positive",
        ));
    }
    Ok(())
}

/// Gauss hypergeometric `₂F₁(a, b; c; z)` for `0 ≤ z < 1` by its power series,
/// summed until a term is below `1e-15` of the sum.
///
/// ```text
/// ₂F₁(a, b; c; z) = Σ_{k≥0} (a)_k (b)_k / (c)_k · z^k / k!
/// ```
///
/// The series converges for `|z| < 1`; near `z = 1` it needs many terms, so
/// it is capped at 10⁶ terms (then an error, not a silent truncation).
/// Accuracy: the terms used here are positive (a, b, c > 0), so the sum has
/// a relative error of a few ulps times the number of terms.
///
/// # Errors
/// [`EngError::InvalidInput`] for `z` outside `[0, 1)`, non-positive
/// parameters, or a series that does not settle within 10⁶ terms.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::special::hyp2f1;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
/// let z = 0.5;
/// assert!((hyp2f1(1.0, 1.0, 2.0, z)? - (-(1.0f64 - z).ln() / z)).abs() < 1e-14);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    check_series_domain(a, b, c, z)?;
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    for k in 0..1_000_000u32 {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-15 * sum.abs() {
            return Ok(sum);
        }
        if !sum.is_finite() {
            break;
        }
    }
    Err(EngError::invalid(
        "z",
        z,
        "hypergeometric series did not converge",
    ))
}

/// Natural log of `₂F₁(a, b; c; z)` for `0 ≤ z < 1` and positive
/// parameters, by the power series with running rescaling, so that values
/// beyond the `f64` range (large `b` with `z` near 1) stay finite in log form.
/// Capped at 2·10⁵ terms: a point that needs more (z extremely close to 1)
/// is an error, which a fit treats as an infinitely bad point.
///
/// # Errors
/// As [`hyp2f1`].
///
/// # Examples
///
/// ```
/// use engagement_core::clv::special::ln_hyp2f1;
/// // ₂F₁(a, b; b; z) = (1 − z)^(−a): here a = 2000, z = 0.9, far beyond f64.
/// let v = ln_hyp2f1(2000.0, 3.0, 3.0, 0.9)?;
/// assert!((v - 2000.0 * (10f64).ln()).abs() < 1e-6 * v);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    check_series_domain(a, b, c, z)?;
    const BIG: f64 = 1e250;
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    let mut ln_scale = 0.0f64; // the true sum is sum · e^ln_scale
    for k in 0..200_000u32 {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if sum > BIG {
            sum /= BIG;
            term /= BIG;
            ln_scale += BIG.ln();
        }
        if term <= 1e-16 * sum {
            return Ok(sum.ln() + ln_scale);
        }
        if !sum.is_finite() {
            break;
        }
    }
    Err(EngError::invalid(
        "z",
        z,
        "hypergeometric series did not converge",
    ))
}

/// Gauss–Kronrod 7–15 abscissae on `[-1, 1]` (the positive half and 0) with
/// their Kronrod weights, and the Gauss weights of every other node
/// (Piessens et al. 1983, QUADPACK).
const GK_NODES: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const GK_WEIGHTS: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
];
const GAUSS_WEIGHTS: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// One Gauss–Kronrod 7–15 panel: the 15-point estimate and its distance
/// from the 7-point one.
fn gk15(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
    let centre = f(mid);
    let (mut kronrod, mut gauss) = (GK_WEIGHTS[7] * centre, GAUSS_WEIGHTS[3] * centre);
    for i in 0..7 {
        let pair = f(mid - half * GK_NODES[i]) + f(mid + half * GK_NODES[i]);
        kronrod += GK_WEIGHTS[i] * pair;
        if i % 2 == 1 {
            gauss += GAUSS_WEIGHTS[i / 2] * pair;
        }
    }
    (kronrod * half, (kronrod - gauss).abs() * half)
}

/// `∫_a^b f` by adaptive Gauss–Kronrod 7–15 quadrature: the panel with the
/// largest error estimate is halved until the summed estimate is below
/// `tolerance` (absolute). Exact for polynomials of degree 22 on each panel;
/// for smooth integrands the error estimate (the 7-point vs 15-point gap) is
/// conservative by orders of magnitude.
///
/// # Errors
/// [`EngError::InvalidInput`] for bad limits or tolerance, a non-finite
/// integrand, or no convergence within 10 000 panels.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::special::integrate;
/// let v = integrate(|x: f64| (-x).exp(), 0.0, 5.0, 1e-14)?;
/// assert!((v - (1.0 - (-5.0f64).exp())).abs() < 1e-14);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, tolerance: f64) -> Result<f64> {
    integrate_within(f, a, b, tolerance, 10_000)
}

/// As [`integrate`], giving up after `max_panels` panels: for integrands
/// that are costly to evaluate, so that one that cannot reach the tolerance
/// (an inaccurate special function) fails in bounded time.
///
/// # Errors
/// As [`integrate`].
pub fn integrate_within(
    f: impl Fn(f64) -> f64,
    a: f64,
    b: f64,
    tolerance: f64,
    max_panels: usize,
) -> Result<f64> {
    if !(a.is_finite() && b.is_finite() && a <= b) {
        return Err(EngError::invalid(
            "limits",
            format!("{a}..{b}"),
            "must be finite with a <= b",
        ));
    }
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(EngError::invalid(
            "tolerance",
            tolerance,
            "must be finite and > 0",
        ));
    }
    if a == b {
        return Ok(0.0);
    }
    let mut panels = vec![(a, b, gk15(&f, a, b))];
    for _ in 0..max_panels {
        let (total, error) = panels
            .iter()
            .fold((0.0, 0.0), |(t, e), p| (t + p.2.0, e + p.2.1));
        if !(total.is_finite() && error.is_finite()) {
            break;
        }
        if error <= tolerance {
            return Ok(total);
        }
        let worst = panels
            .iter()
            .enumerate()
            .max_by(|x, y| x.1.2.1.total_cmp(&y.1.2.1))
            .map_or(0, |(i, _)| i);
        let (lo, hi, _) = panels.swap_remove(worst);
        let mid = 0.5 * (lo + hi);
        panels.push((lo, mid, gk15(&f, lo, mid)));
        panels.push((mid, hi, gk15(&f, mid, hi)));
    }
    Err(EngError::invalid(
        "integrand",
        format!("{a}..{b}"),
        "quadrature did not converge",
    ))
}

/// `Φ(x)`, the standard normal distribution function, from `erfc` (accurate
/// in both tails, where `1 − Φ` by subtraction is not).
pub(crate) fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// `1 − Φ(x)`, the standard normal upper tail.
pub(crate) fn normal_sf(x: f64) -> f64 {
    normal_cdf(-x)
}

/// `φ(x)`, the standard normal density.
pub(crate) fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigamma_matches_closed_forms_and_the_derivative_of_digamma() {
        use std::f64::consts::PI;
        // ψ₁(1) = π²/6, ψ₁(1/2) = π²/2, ψ₁(n+1) = ψ₁(n) − 1/n², ψ₁(1/4) = π² + 8G (Catalan's G).
        let catalan = 0.915_965_594_177_219_f64;
        for (x, exact) in [
            (1.0, PI * PI / 6.0),
            (0.5, PI * PI / 2.0),
            (2.0, PI * PI / 6.0 - 1.0),
            (4.0, PI * PI / 6.0 - 1.0 - 0.25 - 1.0 / 9.0),
            (0.25, PI * PI + 8.0 * catalan),
        ] {
            assert!(
                (trigamma(x) - exact).abs() < 4e-16 * exact,
                "{x}: {} vs {exact}",
                trigamma(x)
            );
        }
        for x in [1e-6, 0.3, 7.5, 9.99, 10.0, 123.4, 1e8] {
            let h = 1e-6 * x;
            let numeric = (digamma(x + h) - digamma(x - h)) / (2.0 * h);
            assert!((trigamma(x) - numeric).abs() < 1e-7 * trigamma(x), "{x}");
        }
        assert!(trigamma(0.0).is_nan() && trigamma(f64::NAN).is_nan());
    }

    #[test]
    fn closed_forms() {
        // ₂F₁(a, b; b; z) = (1 − z)^(−a)
        for z in [0.0, 0.1, 0.5, 0.9, 0.99] {
            let v = hyp2f1(2.5, 1.5, 1.5, z).unwrap();
            assert!(
                (v / (1.0f64 - z).powf(-2.5) - 1.0).abs() < 1e-12,
                "{z}: {v}"
            );
        }
        assert!(hyp2f1(1.0, 1.0, 1.0, 1.0).is_err());
        assert!(hyp2f1(-1.0, 1.0, 1.0, 0.5).is_err());
    }

    #[test]
    fn quadrature_is_exact_on_polynomials_and_adapts_to_peaks() {
        let v = integrate(|x: f64| x.powi(9) - 3.0 * x * x, -1.0, 2.0, 1e-13).unwrap();
        assert!((v - (1023.0 / 10.0 - 9.0)).abs() < 1e-12, "{v}");
        // A narrow peak: ∫ 1/(1e-6 + x²) over [-1, 1] = 2·atan(1000)/1e-3.
        let w = integrate(|x: f64| 1.0 / (1e-6 + x * x), -1.0, 1.0, 1e-6).unwrap();
        let exact = 2.0 * 1000f64.atan() / 1e-3;
        assert!((w - exact).abs() < 1e-9 * exact, "{w} {exact}");
        assert!(integrate(|x: f64| 1.0 / x, 0.0, 1.0, 1e-12).is_err());
        assert!(integrate(|x: f64| x, 1.0, 0.0, 1e-12).is_err());
    }
}
