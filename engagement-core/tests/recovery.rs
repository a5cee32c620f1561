//! Parameter recovery: simulate every model from known parameters with the project's own seeded
//! generator (`clv::simulate`), fit, and check the estimates against their own standard errors.
//!
//! Criterion, over every parameter of every run: at least 80 % of the estimates lie within
//! 2 standard errors of the truth (about 95 % would if the errors are right), and all within 4.

use engagement_core::clv::bg_bb::BgBbParams;
use engagement_core::clv::bg_nbd::BgNbdParams;
use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::gamma_gamma::GammaGammaParams;
use engagement_core::clv::mbg_nbd::MbgNbdParams;
use engagement_core::clv::pareto_nbd::ParetoNbdParams;
use engagement_core::clv::sbg::SbgParams;
use engagement_core::clv::{ClvColumns, ClvFit, ClvModel, simulate};

/// Ages spread over [26, 52] time units (BG/BB: 4..=20 whole opportunities).
fn ages(model: &ClvModel, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| match model {
            ClvModel::BgBb(_) => 4.0 + (i % 17) as f64,
            _ => 26.0 + 26.0 * (i as f64 + 0.5) / n as f64,
        })
        .collect()
}

/// Simulates `n` customers (BG/BB, Gamma-Gamma) or a cohort of `n` (sBG) and fits the model.
// A test helper: a failed simulation or fit must fail the test loudly.
#[allow(clippy::unwrap_used)]
fn simulate_and_fit(truth: &ClvModel, n: usize, seed: u64) -> ClvFit {
    let options = FitOptions::default();
    match truth {
        ClvModel::Sbg(_) => {
            let alive = simulate::survivors(truth, n as u64, 8, seed).unwrap();
            ClvModel::fit_retention(&alive, &options).unwrap()
        }
        ClvModel::GammaGamma(_) => {
            // Frequencies 1..=10, as among the repeat buyers of a purchase model.
            let x: Vec<f64> = (0..n).map(|i| 1.0 + (i % 10) as f64).collect();
            let m = simulate::spend(truth, &x, seed).unwrap();
            let cols = ClvColumns {
                frequency: &x,
                monetary_value: Some(&m),
                ..Default::default()
            };
            ClvModel::fit(truth.kind(), &cols, &options).unwrap()
        }
        _ => {
            let h = simulate::histories(truth, &ages(truth, n), seed).unwrap();
            let cols = ClvColumns {
                frequency: &h.frequency,
                recency: Some(&h.recency),
                t: Some(&h.t),
                ..Default::default()
            };
            ClvModel::fit(truth.kind(), &cols, &options).unwrap()
        }
    }
}

#[test]
fn fitted_parameters_fall_within_their_standard_errors() {
    let bg = |r, alpha, a, b| ClvModel::BgNbd(BgNbdParams { r, alpha, a, b });
    let cases = [
        (bg(0.25, 4.0, 0.8, 2.5), 4000),
        (bg(1.2, 8.0, 2.0, 6.0), 2000),
        (
            ClvModel::MbgNbd(MbgNbdParams {
                r: 0.5,
                alpha: 6.0,
                a: 0.9,
                b: 1.6,
            }),
            4000,
        ),
        (
            ClvModel::ParetoNbd(ParetoNbdParams {
                r: 0.55,
                alpha: 10.0,
                s: 0.6,
                beta: 12.0,
            }),
            4000,
        ),
        (
            ClvModel::BgBb(BgBbParams {
                alpha: 1.2,
                beta: 0.75,
                gamma: 0.66,
                delta: 2.8,
            }),
            5000,
        ),
        (
            ClvModel::BgBb(BgBbParams {
                alpha: 0.5,
                beta: 3.0,
                gamma: 0.4,
                delta: 3.0,
            }),
            20000,
        ),
        (
            ClvModel::GammaGamma(GammaGammaParams {
                p: 6.0,
                q: 3.7,
                gamma: 15.0,
            }),
            1000,
        ),
        (
            ClvModel::GammaGamma(GammaGammaParams {
                p: 2.0,
                q: 8.0,
                gamma: 40.0,
            }),
            4000,
        ),
        (
            ClvModel::Sbg(SbgParams {
                alpha: 0.7,
                beta: 1.2,
            }),
            1000,
        ),
        (
            ClvModel::Sbg(SbgParams {
                alpha: 3.0,
                beta: 20.0,
            }),
            20000,
        ),
    ];
    let (mut within2, mut total) = (0, 0);
    for (truth, n) in cases {
        for seed in 1..=3u64 {
            let fit = simulate_and_fit(&truth, n, seed);
            assert_eq!(fit.model.kind(), truth.kind());
            let se = fit
                .standard_errors
                .clone()
                .expect("these sizes identify every parameter");
            for ((name, want), ((_, got), se)) in truth
                .parameters()
                .into_iter()
                .zip(fit.model.parameters().into_iter().zip(se))
            {
                let z = (got - want).abs() / se;
                eprintln!(
                    "{} n={n} seed {seed} {name}: true {want} fit {got:.4} se {se:.4} z {z:.2}",
                    truth.kind().label()
                );
                assert!(
                    z <= 4.0,
                    "{} seed {seed}: {name} is {z:.1} standard errors off",
                    truth.kind().label()
                );
                within2 += usize::from(z <= 2.0);
                total += 1;
            }
        }
    }
    eprintln!("{within2} of {total} estimates within 2 standard errors");
    assert!(
        within2 * 5 >= total * 4,
        "only {within2} of {total} estimates within 2 standard errors"
    );
}
