//! The engine's side of `benches/python/rfm_vs_pandas.py`: reads a transaction
//! log written as raw little-endian arrays (`customer.u64`, `time.i64`,
//! `value.f64` in the given folder), computes RFM values, scores and segments,
//! and prints the best time of five runs and the scores as JSON lines.
//!
//! ```text
//! cargo run --release -p engagement-bench --example rfm_compare -- DIR AS_OF
//! ```

#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::Instant;

use engagement_core::transactions::TransactionColumns;
use engagement_core::{MonetaryBasis, RfmConfig, RfmValues, rfm_scores};

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
        return Err("usage: rfm_compare DIR AS_OF".into());
    };
    let dir = std::path::Path::new(dir);
    let as_of: i64 = as_of.parse()?;
    let customer = read(&dir.join("customer.u64"), u64::from_le_bytes)?;
    let time = read(&dir.join("time.i64"), i64::from_le_bytes)?;
    let value = read(&dir.join("value.f64"), f64::from_le_bytes)?;
    let cols = TransactionColumns {
        customer: &customer,
        time: &time,
        value: &value,
    };
    let config = RfmConfig::default();
    let (mut best, mut best_values, mut best_scores) =
        (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut result = None;
    for _ in 0..5 {
        let t = Instant::now();
        let values = RfmValues::from_transactions(&cols, as_of, MonetaryBasis::Total)?;
        let aggregated = t.elapsed().as_secs_f64();
        let s = Instant::now();
        let scores = rfm_scores(&values, &config)?;
        best_scores = best_scores.min(s.elapsed().as_secs_f64());
        best_values = best_values.min(aggregated);
        best = best.min(t.elapsed().as_secs_f64());
        result = Some(scores);
    }
    let scores = result.ok_or("no run")?;
    println!(
        "{{\"seconds\": {best}, \"aggregate_seconds\": {best_values}, \"score_seconds\": {best_scores}, \"customers\": {}}}",
        scores.customer.len()
    );
    // The scores, for the script to compare with pandas': customer r f m per line.
    let out = std::io::BufWriter::new(std::fs::File::create(dir.join("engine_scores.txt"))?);
    use std::io::Write;
    let mut out = out;
    for i in 0..scores.customer.len() {
        writeln!(
            out,
            "{} {} {} {}",
            scores.customer[i], scores.r[i], scores.f[i], scores.m[i]
        )?;
    }
    Ok(())
}
