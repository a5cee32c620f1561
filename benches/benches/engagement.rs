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
use engagement_core::{
    CustomerFeatures, MonetaryBasis, ProfileStore, RfmConfig, RfmValues, ScoreConfig, Scorer,
    SegmentSet, StageConfig, StageRules, rfm_scores,
};

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

fn segmentation(c: &mut Criterion) {
    let data = engagement_bench::touchpoints(TOUCHPOINTS, CUSTOMERS, 7);
    let config = ScoreConfig::default();
    let mut store = ProfileStore::new(config.signals.clone()).expect("valid config");
    store.push_columns(&data.columns()).expect("valid data");
    let as_of = data.time.iter().copied().max().unwrap_or(0) + 86_400;
    let values = RfmValues::from_store(&store, as_of, MonetaryBasis::Total).expect("rfm values");
    let rfm_config = RfmConfig::default();

    let mut group = c.benchmark_group("segmentation");
    group.sample_size(20);
    group.throughput(Throughput::Elements(values.customer.len() as u64));
    group.bench_function("rfm_scores_1M_customers", |b| {
        b.iter(|| rfm_scores(black_box(&values), &rfm_config).expect("scores"))
    });
    group.bench_function("rfm_values_and_scores_from_store_1M_customers", |b| {
        b.iter(|| {
            let v = RfmValues::from_store(black_box(&store), as_of, MonetaryBasis::Total)
                .expect("values");
            rfm_scores(&v, &rfm_config).expect("scores")
        })
    });

    let scores = Scorer::new(config)
        .expect("valid config")
        .score_store(&store, as_of)
        .expect("scores");
    let stages = StageRules::new(StageConfig::default())
        .expect("valid config")
        .stage_store(&store, as_of)
        .expect("stages");
    let rfm = rfm_scores(&values, &rfm_config).expect("rfm");
    let features = CustomerFeatures::from_store(&store, as_of)
        .and_then(|f| f.with_scores(&scores))
        .and_then(|f| f.with_stages(&stages))
        .and_then(|f| f.with_rfm(&rfm))
        .expect("features");
    let set = SegmentSet::from_json(
        r#"{"version": 1, "segments": [
            {"name": "vip", "rule": {"all": [{"field": "revenue", "op": ">=", "value": 500},
                                              {"field": "stage", "op": "in", "value": ["loyal", "advocate"]}]}},
            {"name": "slipping", "rule": {"all": [{"field": "rfm_r", "op": "<=", "value": 2},
                                                   {"field": "rfm_f", "op": ">=", "value": 3}]}},
            {"name": "engaged_browsers", "rule": {"all": [{"field": "purchases", "op": "==", "value": 0},
                                                           {"field": "engagement", "op": ">", "value": 20}]}},
            {"name": "unhappy", "rule": {"any": [{"field": "latest_nps", "op": "<=", "value": 6},
                                                  {"field": "kind.complaint", "op": ">", "value": 0}]}}
        ]}"#,
    )
    .expect("valid definition");
    group.throughput(Throughput::Elements(features.len() as u64));
    group.bench_function("segments_4_rules_1M_customers", |b| {
        b.iter(|| set.evaluate(black_box(&features)).expect("membership"))
    });
    group.finish();
}

criterion_group!(benches, profiles, scoring, segmentation);
criterion_main!(benches);
