//! Writes the bundled multi-channel sample, `data/sample/touchpoints.csv`.
//!
//! ```text
//! cargo run -p engagement-core --example generate_sample
//! ```
//!
//! The file is committed; `tests/sample_data.rs` fails when it no longer
//! matches what this generator produces.

use engagement_core::synth::{SynthConfig, generate};

/// The configuration of the bundled sample (also used by the freshness test).
pub const SAMPLE: SynthConfig = SynthConfig {
    customers: 800,
    start: 1_704_067_200, // 2024-01-01T00:00:00Z
    days: 366,
    seed: 20_240_101,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table = generate(&SAMPLE)?;
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample/touchpoints.csv");
    std::fs::write(&path, table.to_csv()?)?;
    eprintln!("wrote {} touchpoints to {}", table.len(), path.display());
    Ok(())
}
