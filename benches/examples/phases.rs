//! Times the phases of a bulk build (a diagnostic, not a benchmark).
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]
use engagement_core::{ProfileStore, ScoreConfig};
use std::time::Instant;

fn main() {
    let data = engagement_bench::touchpoints(10_000_000, 1_000_000, 7);
    let cols = data.columns();
    println!(
        "size_of Profile = {}",
        std::mem::size_of::<engagement_core::Profile>()
    );
    let t = Instant::now();
    cols.validate().unwrap();
    println!("validate: {:?}", t.elapsed());
    let config = ScoreConfig::default();
    for _ in 0..2 {
        let t = Instant::now();
        let mut store = ProfileStore::new(config.signals.clone()).unwrap();
        store.reserve(1_000_000).unwrap();
        println!("new+reserve: {:?}", t.elapsed());
        let t = Instant::now();
        store.push_columns(&cols).unwrap();
        println!("push_columns: {:?}", t.elapsed());
        let t = Instant::now();
        let n = store.iter().count();
        println!("order: {:?} ({n})", t.elapsed());
        let t = Instant::now();
        store.push_columns(&cols).unwrap();
        println!("push_columns into existing profiles: {:?}", t.elapsed());
        scoring_phases(&store, 1_800_000_000);
    }
}

#[allow(dead_code)]
fn scoring_phases(store: &ProfileStore, as_of: i64) {
    let scorer = engagement_core::Scorer::new(ScoreConfig::default()).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let s = scorer.score_store(store, as_of).unwrap();
        println!("score_store: {:?} ({})", t.elapsed(), s.len());
    }
    let rules = engagement_core::StageRules::new(engagement_core::StageConfig::default()).unwrap();
    let t = Instant::now();
    let s = rules.stage_store(store, as_of).unwrap();
    println!("stage_store: {:?} ({})", t.elapsed(), s.customer.len());
}
