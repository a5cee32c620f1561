//! Times a path analysis and sessions on a generated event log (a diagnostic, not a benchmark):
//! 10M touchpoints, 1M customers, 1,000 events uniform over 30 days, as
//! `benches/python/paths_vs_duckdb.py` generates them.
//!
//! `paths_phases [rows] [memory-event | memory-channel]` instead runs one path analysis of 11
//! labels, by event (an event column whose labels are the channels') or by channel (no event
//! column), and prints the process's peak resident memory: the difference of two runs is what the
//! event column costs per touchpoint, the graph being the same.
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]
use engagement_core::journey::paths::{PathColumns, PathConfig, path_analysis};
use engagement_core::journey::sessions::{SessionConfig, sessionize};
use engagement_core::{EventColumn, EventDictionary, TouchpointColumns};
use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};
use std::time::Instant;

/// Peak resident memory of this process, in bytes (Linux).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(10_000_000, |s| s.parse().unwrap());
    let mode = args.next().unwrap_or_default();
    let mut rng = Pcg64::seed_from_u64(2026);
    let names: Vec<String> = (0..1000).map(|i| format!("event_{i:05}")).collect();
    let dict = EventDictionary::from_labels(&names).unwrap();
    let with_events = mode != "memory-channel";
    let (mut customer, mut time, mut code, mut channel) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let r = rng.next_u64();
        customer.push(1 + r % 1_000_000);
        time.push(1_700_000_000 + ((r >> 20) % (30 * 86_400)) as i64);
        if mode == "memory-event" {
            code.push(((r >> 48) % 11) as u32);
        } else if with_events {
            code.push(((r >> 48) % 1000) as u32);
        } else {
            channel.push(((r >> 48) % 11) as u8);
        }
    }
    let kind = vec![3u8; if with_events { 0 } else { n }];
    let cols = TouchpointColumns {
        customer: &customer,
        time: &time,
        channel: &channel,
        kind: &kind,
        ..Default::default()
    };
    if mode.starts_with("memory") {
        let before = peak_rss();
        let (extra, config) = if with_events {
            let events = Some(EventColumn::new(&code, &dict).unwrap());
            (
                PathColumns {
                    events,
                    ..Default::default()
                },
                PathConfig::default(),
            )
        } else {
            let by = "channel".parse().unwrap();
            (
                PathColumns::default(),
                PathConfig {
                    by,
                    ..Default::default()
                },
            )
        };
        let p = path_analysis(&cols, &extra, &config).unwrap();
        println!(
            "{mode}: {} rows, {} edges; peak resident {:.1} MB (after generating the input {:.1} MB)",
            n,
            p.edges.from.len(),
            peak_rss() as f64 / 1e6,
            before as f64 / 1e6
        );
        return;
    }
    let extra = PathColumns {
        events: Some(EventColumn::new(&code, &dict).unwrap()),
        ..Default::default()
    };
    if mode.starts_with("funnel") {
        // Five steps by prefix (event_000…, event_001…: a tenth of the rows each), or with
        // `funnel-narrow` five single events.
        let steps: Vec<serde_json::Value> = (0..5)
            .map(|j| {
                if mode == "funnel-narrow" {
                    serde_json::json!({"name": format!("s{j}"), "events": [format!("event_0000{j}")]})
                } else {
                    serde_json::json!({"name": format!("s{j}"), "event_prefix": format!("event_00{j}")})
                }
            })
            .collect();
        let funnel: engagement_core::funnel::Funnel =
            serde_json::from_value(serde_json::json!({ "steps": steps })).unwrap();
        let extras = engagement_core::funnel::FunnelExtras {
            events: extra.events,
            ..Default::default()
        };
        for _ in 0..5 {
            let t = Instant::now();
            let r = engagement_core::funnel::run_funnel_with(&cols, &extras, &funnel).unwrap();
            println!("funnel: {:?} ({:?})", t.elapsed(), r.customers);
        }
        return;
    }
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
