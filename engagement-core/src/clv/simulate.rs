//! Seeded simulation from the CLV models: customer histories, spend and
//! cohort survivors drawn from known parameters, for parameter-recovery
//! checks, benchmarks and "what would the data look like" questions.
//!
//! Like [`crate::synth`], the generator draws only raw 64-bit words from
//! PCG-64 and turns them into numbers itself (Marsaglia & Tsang 2000 for
//! Gamma variates), so a seed gives the same data on every machine and
//! version of the dependencies.

use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};

use crate::clv::ClvModel;
use crate::error::{EngError, Result, ensure_config};

/// Most purchases one simulated customer may make before the simulation
/// stops with an error (a model with absurd rates would otherwise run for
/// ever).
pub const MAX_PURCHASES: f64 = 1e7;

/// Simulated per-customer summaries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histories {
    /// Repeat purchases `x`.
    pub frequency: Vec<f64>,
    /// Time of the last purchase since the first, `t_x` (0 when `x = 0`).
    pub recency: Vec<f64>,
    /// Age `T` (BG/BB: opportunities `n`), as given.
    pub t: Vec<f64>,
}

struct Draw(Pcg64);

impl Draw {
    fn new(seed: u64) -> Draw {
        Draw(Pcg64::seed_from_u64(seed))
    }
    /// Uniform in (0, 1) from 53 random bits.
    fn uniform(&mut self) -> f64 {
        ((self.0.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
    fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }
    /// Gamma(shape, rate) by Marsaglia & Tsang (2000); shape < 1 by the
    /// `U^(1/k)` boost.
    /// Callers pass a finite shape > 0 and rate > 0 (the model's parameters are
    /// checked first).
    fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        debug_assert!(
            shape > 0.0 && shape.is_finite() && rate > 0.0,
            "gamma({shape}, {rate})"
        );
        let boost = if shape < 1.0 {
            self.uniform().powf(1.0 / shape)
        } else {
            1.0
        };
        let shape = if shape < 1.0 { shape + 1.0 } else { shape };
        boost * self.gamma_at_least_one(shape, rate)
    }

    fn gamma_at_least_one(&mut self, shape: f64, rate: f64) -> f64 {
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = self.normal();
            let v = (1.0 + c * z).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }
    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        x / (x + self.gamma(b, 1.0))
    }
}

fn too_many() -> EngError {
    EngError::config(
        "model",
        "a simulated customer made more than 10^7 purchases: the rates are absurd",
    )
}

/// Simulates one customer history per entry of `t` (the customer's age; for
/// BG/BB a whole number of opportunities) from a purchase model.
///
/// # Errors
/// [`EngError::Config`] for a model without purchases or with absurd rates
/// (more than [`MAX_PURCHASES`] for one customer); [`EngError::InvalidInput`]
/// (with the row) for an age that is not finite and > 0 (BG/BB: a whole
/// number ≥ 1).
///
/// # Examples
///
/// ```
/// use engagement_core::clv::{ClvModel, simulate, bg_nbd::BgNbdParams};
/// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
/// let h = simulate::histories(&m, &[39.0; 1000], 7)?;
/// assert_eq!(h, simulate::histories(&m, &[39.0; 1000], 7)?);   // seeded
/// assert!(h.recency.iter().zip(&h.t).all(|(r, t)| r <= t));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn histories(model: &ClvModel, t: &[f64], seed: u64) -> Result<Histories> {
    model.purchase_model("simulated histories")?;
    model.check_parameters()?;
    let mut g = Draw::new(seed);
    let mut out = Histories {
        t: t.to_vec(),
        ..Histories::default()
    };
    out.frequency.reserve(t.len());
    out.recency.reserve(t.len());
    for (i, &big_t) in t.iter().enumerate() {
        if !(big_t.is_finite() && big_t > 0.0) {
            return Err(EngError::invalid("T", big_t, "must be finite and > 0").at_row(i));
        }
        let (x, tx) = match *model {
            ClvModel::ParetoNbd(p) => {
                let lambda = g.gamma(p.r, p.alpha);
                let mu = g.gamma(p.s, p.beta);
                let death = g.exponential(mu);
                poisson_until(&mut g, lambda, big_t.min(death), |_| true)?
            }
            ClvModel::BgNbd(p) => bg_family(&mut g, [p.r, p.alpha, p.a, p.b], false, big_t)?,
            ClvModel::MbgNbd(p) => bg_family(&mut g, [p.r, p.alpha, p.a, p.b], true, big_t)?,
            ClvModel::BgBb(p) => {
                if big_t.fract() != 0.0 || big_t > crate::clv::bg_bb::MAX_OPPORTUNITIES {
                    return Err(EngError::invalid(
                        "T",
                        big_t,
                        "BG/BB needs a whole number of opportunities in 1..=10^6",
                    )
                    .at_row(i));
                }
                let buy = g.beta(p.alpha, p.beta);
                let die = g.beta(p.gamma, p.delta);
                let (mut x, mut tx) = (0.0, 0.0);
                for k in 1..=big_t as u64 {
                    // Dropout comes first, at the start of each opportunity.
                    if g.uniform() < die {
                        break;
                    }
                    if g.uniform() < buy {
                        x += 1.0;
                        tx = k as f64;
                    }
                }
                (x, tx)
            }
            ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => {
                return Err(EngError::config("model", "not a purchase model"));
            }
        };
        out.frequency.push(x);
        out.recency.push(tx);
    }
    Ok(out)
}

/// Poisson purchases at `rate` until `end`, each followed by `survives(g)`
/// (false: the customer leaves right after that purchase). Returns `(x, t_x)`.
fn poisson_until(
    g: &mut Draw,
    rate: f64,
    end: f64,
    mut survives: impl FnMut(&mut Draw) -> bool,
) -> Result<(f64, f64)> {
    let (mut x, mut tx, mut now) = (0.0, 0.0, 0.0);
    loop {
        now += g.exponential(rate);
        if now > end {
            return Ok((x, tx));
        }
        x += 1.0;
        tx = now;
        if x > MAX_PURCHASES {
            return Err(too_many());
        }
        if !survives(g) {
            return Ok((x, tx));
        }
    }
}

/// BG/NBD (and with `modified`, MBG/NBD: a dropout chance right after the
/// first purchase too).
fn bg_family(
    g: &mut Draw,
    [r, alpha, a, b]: [f64; 4],
    modified: bool,
    big_t: f64,
) -> Result<(f64, f64)> {
    let lambda = g.gamma(r, alpha);
    let p = g.beta(a, b);
    if modified && g.uniform() < p {
        return Ok((0.0, 0.0));
    }
    poisson_until(g, lambda, big_t, |g| g.uniform() >= p)
}

/// Simulates each customer's mean repeat-transaction value from a
/// Gamma-Gamma model: `frequency[i]` transactions of Gamma(`p`, ν) value
/// with ν ~ Gamma(`q`, `gamma`) per customer; 0 for `frequency[i] = 0`.
///
/// # Errors
/// [`EngError::Config`] for another model; [`EngError::InvalidInput`] (with
/// the row) for a frequency that is not a whole number ≥ 0.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::{ClvModel, simulate, gamma_gamma::GammaGammaParams};
/// let m = ClvModel::GammaGamma(GammaGammaParams { p: 6.25, q: 3.74, gamma: 15.44 });
/// let v = simulate::spend(&m, &[0.0, 3.0, 10.0], 1)?;
/// assert!(v[0] == 0.0 && v[1] > 0.0 && v[2] > 0.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn spend(model: &ClvModel, frequency: &[f64], seed: u64) -> Result<Vec<f64>> {
    let ClvModel::GammaGamma(p) = *model else {
        return Err(EngError::config(
            "model",
            format!(
                "simulated spend needs gamma_gamma, not {}",
                model.kind().label()
            ),
        ));
    };
    model.check_parameters()?;
    let mut g = Draw::new(seed);
    frequency
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0) {
                return Err(
                    EngError::invalid("frequency", x, "must be a whole number >= 0").at_row(i),
                );
            }
            if x == 0.0 {
                return Ok(0.0);
            }
            if !(p.p * x).is_finite() {
                return Err(EngError::invalid(
                    "frequency",
                    x,
                    "times the model's p is not a finite number",
                )
                .at_row(i));
            }
            let nu = g.gamma(p.q, p.gamma);
            // The sum of x Gamma(p, ν) values is Gamma(p·x, ν).
            Ok(g.gamma(p.p * x, nu) / x)
        })
        .collect()
}

/// Simulates a cohort of `cohort` subscribers under the shifted-beta-geometric
/// model for `periods` periods: the survivor counts `alive[0] = cohort, …,
/// alive[periods]`, the input of [`ClvModel::fit_retention`].
///
/// # Errors
/// [`EngError::Config`] for another model, a cohort of 0 or more than 10⁷,
/// or more than 10⁶ periods.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::{ClvModel, simulate, sbg::SbgParams};
/// let m = ClvModel::Sbg(SbgParams { alpha: 0.704, beta: 1.182 });
/// let alive = simulate::survivors(&m, 1000, 7, 3)?;
/// assert_eq!(alive.len(), 8);
/// assert!(alive[0] == 1000.0 && alive.windows(2).all(|w| w[1] <= w[0]));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn survivors(model: &ClvModel, cohort: u64, periods: u32, seed: u64) -> Result<Vec<f64>> {
    let ClvModel::Sbg(p) = *model else {
        return Err(EngError::config(
            "model",
            format!("simulated survivors need sbg, not {}", model.kind().label()),
        ));
    };
    ensure_config!(
        (1..=10_000_000).contains(&cohort),
        "cohort",
        "must be in 1..=10^7 (each subscriber is one draw: 10^7 take about two seconds)"
    );
    ensure_config!(periods <= 1_000_000, "periods", "must be at most 10^6");
    model.check_parameters()?;
    let mut g = Draw::new(seed);
    // lost[t]: customers whose last subscribed period is t − 1 (churn at renewal t).
    let mut lost = vec![0u64; periods as usize + 2];
    for _ in 0..cohort {
        let theta = g.beta(p.alpha, p.beta);
        // Renewals survived: geometric with success probability θ.
        let survived = (g.uniform().ln() / (-theta).ln_1p()).floor();
        let churn_at = if survived.is_finite() {
            survived + 1.0
        } else {
            f64::MAX
        };
        let slot = if churn_at > f64::from(periods) {
            periods as usize + 1
        } else {
            churn_at as usize
        };
        lost[slot] += 1;
    }
    let mut alive = Vec::with_capacity(periods as usize + 1);
    let mut left = cohort;
    alive.push(left as f64);
    for gone in &lost[1..=periods as usize] {
        left -= gone;
        alive.push(left as f64);
    }
    Ok(alive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::{bg_nbd::BgNbdParams, gamma_gamma::GammaGammaParams};

    #[test]
    fn parameters_are_checked_before_drawing() {
        // Found by fuzzing: r = -1e300 recursed in the gamma draw until the
        // stack overflowed (the host process died); r = -1 simulated silently.
        for r in [-1.0, -1e300, f64::NEG_INFINITY, f64::NAN, 0.0] {
            let m = ClvModel::BgNbd(BgNbdParams {
                r,
                alpha: 4.4,
                a: 0.79,
                b: 2.4,
            });
            let e = histories(&m, &[10.0], 1).unwrap_err();
            assert_eq!(e.kind(), "config", "{e}");
        }
        let m = ClvModel::GammaGamma(GammaGammaParams {
            p: 1e300,
            q: 3.7,
            gamma: 15.0,
        });
        assert_eq!(spend(&m, &[1e10], 1).unwrap_err().kind(), "invalid_input");
        let m = ClvModel::GammaGamma(GammaGammaParams {
            p: -6.0,
            q: 3.7,
            gamma: 15.0,
        });
        assert_eq!(spend(&m, &[2.0], 1).unwrap_err().kind(), "config");
    }
}
