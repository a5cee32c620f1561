//! Parameter recovery: simulate each purchase model from known parameters (seeded PCG-64, the
//! generator the project's synthetic data uses), fit, and check the estimates against their own
//! standard errors.
//!
//! Criterion, over every parameter of every run: at least 80 % of the estimates lie within
//! 2 standard errors of the truth (about 95 % would if the errors are right), and all within 4.

use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{ClvColumns, ClvModel, ClvModelKind};
use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};

struct Draw(Pcg64);

impl Draw {
    fn uniform(&mut self) -> f64 {
        // 53 random bits in (0, 1).
        ((self.0.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
    fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }
    /// Gamma(shape, rate) by Marsaglia & Tsang (2000); shape < 1 by the U^(1/k) boost.
    fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            let u = self.uniform();
            return self.gamma(shape + 1.0, rate) * u.powf(1.0 / shape);
        }
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

/// (x, t_x, T) of `n` customers observed for T uniform in [26, 52].
fn simulate(kind: ClvModelKind, theta: [f64; 4], n: usize, seed: u64) -> [Vec<f64>; 3] {
    let mut g = Draw(Pcg64::seed_from_u64(seed));
    let (mut xs, mut txs, mut ts) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let big_t = 26.0 + 26.0 * g.uniform();
        let lambda = g.gamma(theta[0], theta[1]);
        let (mut x, mut tx, mut t) = (0.0, 0.0, 0.0);
        match kind {
            ClvModelKind::ParetoNbd => {
                let mu = g.gamma(theta[2], theta[3]);
                let death = g.exponential(mu);
                loop {
                    t += g.exponential(lambda);
                    if t > big_t.min(death) {
                        break;
                    }
                    x += 1.0;
                    tx = t;
                }
            }
            _ => {
                let p = g.beta(theta[2], theta[3]);
                // MBG/NBD: a customer may also leave right after the first purchase.
                let mut alive = !(kind == ClvModelKind::MbgNbd && g.uniform() < p);
                while alive {
                    t += g.exponential(lambda);
                    if t > big_t {
                        break;
                    }
                    x += 1.0;
                    tx = t;
                    alive = g.uniform() >= p;
                }
            }
        }
        xs.push(x);
        txs.push(tx);
        ts.push(big_t);
    }
    [xs, txs, ts]
}

#[test]
fn fitted_parameters_fall_within_their_standard_errors() {
    let cases = [
        (ClvModelKind::BgNbd, [0.25, 4.0, 0.8, 2.5]),
        (ClvModelKind::BgNbd, [1.2, 8.0, 2.0, 6.0]),
        (ClvModelKind::MbgNbd, [0.5, 6.0, 0.9, 1.6]),
        (ClvModelKind::ParetoNbd, [0.55, 10.0, 0.6, 12.0]),
    ];
    let (mut within2, mut total) = (0, 0);
    for (kind, theta) in cases {
        for seed in 1..=3u64 {
            let [x, tx, t] = simulate(kind, theta, 4000, seed);
            let cols = ClvColumns {
                frequency: &x,
                recency: Some(&tx),
                t: Some(&t),
                monetary_value: None,
            };
            let fit = ClvModel::fit(kind, &cols, &FitOptions::default()).unwrap();
            let est: Vec<f64> = match fit.model {
                ClvModel::BgNbd(p) => vec![p.r, p.alpha, p.a, p.b],
                ClvModel::MbgNbd(p) => vec![p.r, p.alpha, p.a, p.b],
                ClvModel::ParetoNbd(p) => vec![p.r, p.alpha, p.s, p.beta],
                ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => {
                    unreachable!("a purchase model was fitted")
                }
            };
            let se = fit
                .standard_errors
                .expect("4000 customers identify every parameter");
            for i in 0..4 {
                let z = (est[i] - theta[i]).abs() / se[i];
                eprintln!(
                    "{kind:?} seed {seed} param {i}: true {} fit {:.4} se {:.4} z {z:.2}",
                    theta[i], est[i], se[i]
                );
                assert!(
                    z <= 4.0,
                    "{kind:?} seed {seed}: parameter {i} is {z:.1} standard errors off"
                );
                within2 += usize::from(z <= 2.0);
                total += 1;
            }
        }
    }
    assert!(
        within2 * 5 >= total * 4,
        "only {within2} of {total} estimates within 2 standard errors"
    );
}
