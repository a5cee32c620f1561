//! The Rust side of `benches/python/scores_vs_rust.py`: reads touchpoint
//! columns written as raw little-endian arrays (`customer.u64`, `time.i64`,
//! `channel.u8`, `kind.u8`, `value.f64`), builds profiles and scores every
//! customer, and prints the best of five times as JSON (the scores go to
//! `total.f64` beside the inputs).
//!
//! ```text
//! cargo run --release -p engagement-bench --example scores_compare -- DIR AS_OF
//! ```

#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::Instant;

use engagement_core::{ProfileStore, ScoreConfig, Scorer, TouchpointColumns};

fn read<T, const N: usize>(
    path: &std::path::Path,
    decode: fn([u8; N]) -> T,
) -> Result<Vec<T>, Box<dyn Error>> {
    let bytes = std::fs::read(path)?;
    Ok(bytes
        .chunks_exact(N)
        .map(|c| {
            let mut b = [0u8; N];
            b.copy_from_slice(c);
            decode(b)
        })
        .collect())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(as_of)) = (args.get(1), args.get(2)) else {
        return Err("usage: scores_compare DIR AS_OF".into());
    };
    let dir = std::path::Path::new(dir);
    let as_of: i64 = as_of.parse()?;
    let customer = read(&dir.join("customer.u64"), u64::from_le_bytes)?;
    let time = read(&dir.join("time.i64"), i64::from_le_bytes)?;
    let channel = read(&dir.join("channel.u8"), u8::from_le_bytes)?;
    let kind = read(&dir.join("kind.u8"), u8::from_le_bytes)?;
    let value = read(&dir.join("value.f64"), f64::from_le_bytes)?;
    let cols = TouchpointColumns {
        customer: &customer,
        time: &time,
        channel: &channel,
        kind: &kind,
        value: &value,
        ..Default::default()
    };
    let scorer = Scorer::new(ScoreConfig::default())?;
    let mut best = f64::INFINITY;
    let mut totals = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut store = ProfileStore::with_signals(scorer.signals().clone());
        store.push_columns(&cols)?;
        let scores = scorer.score_store(&store, as_of)?;
        best = best.min(t.elapsed().as_secs_f64());
        totals = scores.total;
    }
    // The scores, for the script to compare with the Python path's.
    let bytes: Vec<u8> = totals.iter().flat_map(|t| t.to_le_bytes()).collect();
    std::fs::write(dir.join("total.f64"), bytes)?;
    println!("{{\"seconds\": {best}}}");
    Ok(())
}
