//! Times the journey analytics on generated touchpoints (10 M over 1 M customers by default), the
//! same shape as `benches/python/journeys_vs_duckdb.py`:
//!
//!     cargo run --release -p engagement-bench --example journeys [-- rows customers]

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use engagement_core::TouchpointColumns;
use engagement_core::attribution::{Rule, attribute, paths_from_touchpoints};
use engagement_core::cohort::{CohortConfig, cohorts};
use engagement_core::funnel::{Funnel, run_funnel};
use engagement_core::transactions::TransactionColumns;
use engagement_core::transitions::{SequenceConfig, journey_sequences};
use rand_pcg::rand_core::Rng;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let n = args.first().copied().unwrap_or(10_000_000);
    let customers = args.get(1).copied().unwrap_or(1_000_000) as u64;
    let mut rng = rand_pcg::Pcg64::new(11, 0xa02b_dbf7_bb3c_0a7a);
    let start = 1_704_067_200;
    let customer: Vec<u64> = (0..n).map(|_| 1 + rng.next_u64() % customers).collect();
    let time: Vec<i64> = (0..n)
        .map(|_| start + (rng.next_u64() % (365 * 86_400)) as i64)
        .collect();
    let channel: Vec<u8> = (0..n).map(|_| (rng.next_u64() % 11) as u8).collect();
    let kind: Vec<u8> = (0..n)
        .map(|_| match rng.next_u64() % 100 {
            0..30 => 0,
            30..55 => 1,
            55..75 => 2,
            75..92 => 3,
            _ => 4,
        })
        .collect();
    let value: Vec<f64> = kind
        .iter()
        .map(|&k| if k == 4 { 25.0 } else { 0.0 })
        .collect();
    let cols = TouchpointColumns {
        customer: &customer,
        time: &time,
        channel: &channel,
        kind: &kind,
        value: &value,
        ..Default::default()
    };
    println!("{n} touchpoints over {customers} customers");
    let timed = |name: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        println!("{name:<32} {:>8.3} s", t.elapsed().as_secs_f64());
    };
    timed("validate", &mut || {
        cols.validate().unwrap();
    });
    timed("transitions (5 steps)", &mut || {
        let cfg = SequenceConfig {
            steps: 5,
            ..Default::default()
        };
        journey_sequences(&cols, &cfg).unwrap();
    });
    let f: Funnel = serde_json::from_str(
        r#"{"steps": [{"name": "impression", "kinds": ["impression"]}, {"name": "open", "kinds": ["open"]},
            {"name": "click", "kinds": ["click"]}, {"name": "visit", "kinds": ["visit"]},
            {"name": "buy", "kinds": ["purchase"]}]}"#,
    )
    .unwrap();
    timed("5-step funnel", &mut || {
        run_funnel(&cols, &f).unwrap();
    });
    let buys: Vec<usize> = (0..n).filter(|&i| kind[i] == 4).collect();
    let (bc, bt, bv): (Vec<u64>, Vec<i64>, Vec<f64>) = (
        buys.iter().map(|&i| customer[i]).collect(),
        buys.iter().map(|&i| time[i]).collect(),
        buys.iter().map(|&i| value[i]).collect(),
    );
    timed("monthly cohorts (purchases)", &mut || {
        let tx = TransactionColumns {
            customer: &bc,
            time: &bt,
            value: &bv,
        };
        cohorts(&tx, start + 365 * 86_400, &CohortConfig::default()).unwrap();
    });
    let mut paths = None;
    timed("paths (30-day lookback)", &mut || {
        paths = Some(
            paths_from_touchpoints(&cols, std::time::Duration::from_secs(30 * 86_400)).unwrap(),
        );
    });
    let paths = paths.unwrap();
    timed("order-2 Markov on the paths", &mut || {
        attribute(&paths, &Rule::Markov { order: 2 }).unwrap();
    });
}
