//! Times a path analysis and sessions on a generated event log (a diagnostic, not a benchmark):
//! 10M touchpoints, 1M customers, 1,000 events uniform over 30 days, as
//! `benches/python/paths_vs_duckdb.py` generates them.
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]
use engagement_core::journey::paths::{PathColumns, PathConfig, path_analysis};
use engagement_core::journey::sessions::{SessionConfig, sessionize};
use engagement_core::{EventColumn, EventDictionary, TouchpointColumns};
use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(10_000_000, |s| s.parse().unwrap());
    let mut rng = Pcg64::seed_from_u64(2026);
    let names: Vec<String> = (0..1000).map(|i| format!("event_{i:05}")).collect();
    let dict = EventDictionary::from_labels(&names).unwrap();
    let (mut customer, mut time, mut code) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let r = rng.next_u64();
        customer.push(1 + r % 1_000_000);
        time.push(1_700_000_000 + ((r >> 20) % (30 * 86_400)) as i64);
        code.push(((r >> 48) % 1000) as u32);
    }
    let cols = TouchpointColumns {
        customer: &customer,
        time: &time,
        ..Default::default()
    };
    let extra = PathColumns {
        events: Some(EventColumn::new(&code, &dict).unwrap()),
        ..Default::default()
    };
    for _ in 0..3 {
        let t = Instant::now();
        let p = path_analysis(&cols, &extra, &PathConfig::default()).unwrap();
        println!(
            "path_analysis: {:?} ({} edges)",
            t.elapsed(),
            p.edges.from.len()
        );
        let t = Instant::now();
        let s = sessionize(&customer, &time, &SessionConfig::default()).unwrap();
        println!(
            "sessionize: {:?} ({} sessions)",
            t.elapsed(),
            s.summary().unwrap().sessions
        );
    }
}
