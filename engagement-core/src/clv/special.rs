//! Special functions for the CLV models.

use crate::error::{EngError, Result};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
