//! Criterion benchmarks: profile building and scoring at CRM scale.
//!
//! ```text
//! cargo bench -p engagement-bench
//! ```

// Benchmarks stop on an invalid fixture; there is no caller to hand an error to.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use engagement_core::{ProfileStore, ScoreConfig, Scorer, StageConfig, StageRules};

const TOUCHPOINTS: usize = 10_000_000;
const CUSTOMERS: u64 = 1_000_000;

fn profiles(c: &mut Criterion) {
    let data = engagement_bench::touchpoints(TOUCHPOINTS, CUSTOMERS, 7);
    let cols = data.columns();
    let config = ScoreConfig::default();
    let mut group = c.benchmark_group("profiles");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(TOUCHPOINTS as u64));
    // From an empty store: 1M new profiles are allocated along the way.
    group.bench_function("build_10M_touchpoints_1M_customers", |b| {
        b.iter(|| {
            let mut store = ProfileStore::new(config.signals.clone()).expect("valid config");
            store
                .reserve(CUSTOMERS as usize)
                .expect("room for 1M customers");
            store.push_columns(black_box(&cols)).expect("valid data");
            store
        })
    });
    // The steady state of a CRM sync: the customers' profiles already exist.
    let mut warm = ProfileStore::new(config.signals.clone()).expect("valid config");
    warm.push_columns(&cols).expect("valid data");
    group.bench_function("push_10M_touchpoints_into_1M_existing_profiles", |b| {
        b.iter(|| warm.push_columns(black_box(&cols)).expect("valid data"))
    });
    group.finish();
}

fn scoring(c: &mut Criterion) {
    let data = engagement_bench::touchpoints(TOUCHPOINTS, CUSTOMERS, 7);
    let config = ScoreConfig::default();
    let scorer = Scorer::new(config.clone()).expect("valid config");
    let mut store = ProfileStore::new(config.signals).expect("valid config");
    store.push_columns(&data.columns()).expect("valid data");
    let as_of = data.time.iter().copied().max().unwrap_or(0) + 86_400;
    let rules = StageRules::new(StageConfig::default()).expect("valid config");

    let mut group = c.benchmark_group("scoring");
    group.sample_size(20);
    group.throughput(Throughput::Elements(store.len() as u64));
    // The first sorted output computes the id order once; later outputs reuse it.
    group.bench_function("first_output_1M_customers", |b| {
        b.iter_batched(
            || store.clone(),
            |fresh| {
                scorer
                    .score_store(black_box(&fresh), as_of)
                    .expect("scores")
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.bench_function("score_1M_customers", |b| {
        b.iter(|| {
            scorer
                .score_store(black_box(&store), as_of)
                .expect("scores")
        })
    });
    group.bench_function("stage_1M_customers", |b| {
        b.iter(|| rules.stage_store(black_box(&store), as_of).expect("stages"))
    });
    group.finish();
}

criterion_group!(benches, profiles, scoring);
criterion_main!(benches);
