//! Times a Cox fit on generated customers (1 M × 10 covariates by default), the same shape as
//! `benches/python/cox_vs_lifelines.py`:
//!
//!     cargo run --release -p engagement-bench --example cox [-- customers covariates]

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use engagement_core::survival::{CoxColumns, CoxConfig, CoxCovariates, cox};
use rand_pcg::rand_core::Rng;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let n = args.first().copied().unwrap_or(1_000_000);
    let k = args.get(1).copied().unwrap_or(10);
    let mut rng = rand_pcg::Pcg64::new(7, 0xa02b_dbf7_bb3c_0a7a);
    let mut uniform = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    // Standard normals by Box–Muller.
    let x: Vec<Vec<f64>> = (0..k)
        .map(|_| {
            (0..n)
                .map(|_| {
                    let (u, v) = (uniform().max(1e-300), uniform());
                    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
                })
                .collect()
        })
        .collect();
    let beta: Vec<f64> = (0..k)
        .map(|j| if j % 2 == 0 { 0.1 } else { -0.1 })
        .collect();
    let mut duration = Vec::with_capacity(n);
    let mut observed = Vec::with_capacity(n);
    for i in 0..n {
        let eta: f64 = beta.iter().zip(&x).map(|(b, col)| b * col[i]).sum();
        let days = -100.0 * uniform().max(1e-300).ln() / eta.exp();
        let end = 30.0 + 335.0 * uniform();
        duration.push(days.min(end).ceil());
        observed.push(days <= end);
    }
    let columns = CoxColumns {
        numeric: (0..k).map(|j| format!("x{j}")).collect(),
        ..Default::default()
    };
    let refs: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let cov = CoxCovariates {
        numeric: &refs,
        categorical: &[],
        strata: None,
        columns: &columns,
    };
    for _ in 0..3 {
        let t = Instant::now();
        let m = cox(&duration, &observed, &cov, None, &CoxConfig::default()).unwrap();
        println!(
            "cox {n} x {k}: {:.3} s, {} iterations, concordance {:.4}",
            t.elapsed().as_secs_f64(),
            m.iterations,
            m.concordance.unwrap_or(f64::NAN)
        );
    }
}
