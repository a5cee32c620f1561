//! Criterion benchmarks of the CLV models: fits on the bundled CDNOW sample (2357 customers) and
//! on 100 000 simulated customers, and per-customer predictions.
//!
//! ```text
//! cargo bench -p engagement-bench --bench clv
//! ```
//!
//! The side-by-side comparison with `lifetimes` is `benches/python/clv_vs_lifetimes.py`.

// Benchmarks stop on an invalid fixture; there is no caller to hand an error to.
#![allow(clippy::expect_used)]

#[path = "../../engagement-core/examples/common/mod.rs"]
mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{ClvColumns, ClvModel, ClvModelKind};
use engagement_core::transactions::{Period, SummaryConfig, TransactionColumns, summarize};

/// Per-customer (frequency, recency, T, mean repeat spend) columns.
type Columns = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// The CDNOW sample summarized at 39 weeks (frequency, recency, T, monetary value).
fn cdnow() -> Columns {
    let t = common::cdnow_sample().expect("bundled sample");
    let cols = TransactionColumns {
        customer: &t.customer,
        time: &t.time,
        value: &t.value,
    };
    let cfg = SummaryConfig {
        period: Period::Day,
        unit: Period::Week,
    };
    let s = summarize(&cols, common::unix_midnight(1997, 9, 30), &cfg).expect("valid sample");
    let freq = s.frequency.clone();
    (freq, s.recency, s.t, s.monetary_value)
}

fn fits(c: &mut Criterion) {
    let opts = FitOptions::default();
    let (f, r, t, m) = cdnow();
    let history = ClvColumns {
        frequency: &f,
        recency: Some(&r),
        t: Some(&t),
        ..Default::default()
    };
    let (rx, rm): (Vec<f64>, Vec<f64>) = f
        .iter()
        .zip(&m)
        .filter(|(x, _)| **x > 0.0)
        .map(|(x, m)| (*x, *m))
        .unzip();
    let spend = ClvColumns {
        frequency: &rx,
        monetary_value: Some(&rm),
        ..Default::default()
    };
    let mut group = c.benchmark_group("clv_fit_cdnow");
    for (name, kind, cols) in [
        ("bg_nbd", ClvModelKind::BgNbd, &history),
        ("mbg_nbd", ClvModelKind::MbgNbd, &history),
        ("pareto_nbd", ClvModelKind::ParetoNbd, &history),
        ("gamma_gamma", ClvModelKind::GammaGamma, &spend),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| ClvModel::fit(kind, black_box(cols), &opts).expect("fits"))
        });
    }
    group.finish();

    let (f, r, t) = engagement_bench::clv_histories(100_000).expect("valid model");
    let cols = ClvColumns {
        frequency: &f,
        recency: Some(&r),
        t: Some(&t),
        ..Default::default()
    };
    let mut group = c.benchmark_group("clv_fit_100k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(f.len() as u64));
    group.bench_function("bg_nbd", |b| {
        b.iter(|| ClvModel::fit(ClvModelKind::BgNbd, black_box(&cols), &opts).expect("fits"))
    });
    group.bench_function("pareto_nbd", |b| {
        b.iter(|| ClvModel::fit(ClvModelKind::ParetoNbd, black_box(&cols), &opts).expect("fits"))
    });
    group.finish();

    let bg = ClvModel::fit(ClvModelKind::BgNbd, &cols, &opts)
        .expect("fits")
        .model;
    let pn = ClvModel::fit(ClvModelKind::ParetoNbd, &cols, &opts)
        .expect("fits")
        .model;
    let mut group = c.benchmark_group("clv_predict_100k");
    group.sample_size(20);
    group.throughput(Throughput::Elements(f.len() as u64));
    group.bench_function("bg_nbd_p_alive", |b| {
        b.iter(|| bg.p_alive(black_box(&cols)).expect("predicts"))
    });
    group.bench_function("bg_nbd_expected_purchases_39", |b| {
        b.iter(|| {
            bg.conditional_expected_purchases(39.0, black_box(&cols))
                .expect("predicts")
        })
    });
    group.bench_function("pareto_nbd_expected_purchases_39", |b| {
        b.iter(|| {
            pn.conditional_expected_purchases(39.0, black_box(&cols))
                .expect("predicts")
        })
    });
    group.finish();
}

criterion_group!(benches, fits);
criterion_main!(benches);
