//! Engine side of `benches/python/clv_vs_lifetimes.py`.
//!
//! `clv_compare <dir> [runs]`: summarizes the bundled CDNOW sample (39 weeks), writes the
//! summary to `<dir>/summary.csv`, fits BG/NBD, Pareto/NBD, modified BG/NBD and Gamma-Gamma,
//! and BG/BB on the bundled donor data (best time of `runs`), writes per-customer predictions
//! at the fitted parameters to `<dir>/engine_predictions.csv` (and `engine_spend.csv`,
//! `engine_probabilities.csv`, `engine_bg_bb.csv`), and prints one JSON line of results.
//!
//! `clv_compare simulate <dir> <customers> [runs]`: simulates `customers` BG/NBD histories
//! (CDNOW's fitted parameters, ages of 26–52 weeks in whole days, purchase times rounded down
//! to the day as transaction logs record them), writes them to `<dir>/simulated.csv`, fits
//! BG/NBD and Pareto/NBD (best time of `runs`) and prints one JSON line.

#![allow(clippy::print_stdout)]

#[path = "../../engagement-core/examples/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::time::Instant;

use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{ClvColumns, ClvFit, ClvModel, ClvModelKind, DiscountOptions};
use engagement_core::transactions::{Period, SummaryConfig, TransactionColumns, summarize};

/// The result of the last of `runs` (at least one) calls and the best time.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, f64) {
    let t = Instant::now();
    let mut out = f();
    let mut best = t.elapsed().as_secs_f64();
    for _ in 1..runs {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (out, best)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("simulate") {
        return simulated(&args[2..]);
    }
    let dir = std::path::PathBuf::from(args.get(1).ok_or("usage: clv_compare <dir> [runs]")?);
    let runs: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let t = common::cdnow_sample()?;
    let cols = TransactionColumns {
        customer: &t.customer,
        time: &t.time,
        value: &t.value,
    };
    let cfg = SummaryConfig {
        period: Period::Day,
        unit: Period::Week,
    };
    let s = summarize(&cols, common::unix_midnight(1997, 9, 30), &cfg)?;
    let freq: Vec<f64> = s.frequency.clone();
    let mut csv = String::from("frequency,recency,T,monetary_value\n");
    for (i, x) in freq.iter().enumerate() {
        writeln!(
            csv,
            "{x},{:?},{:?},{:?}",
            s.recency[i], s.t[i], s.monetary_value[i]
        )?;
    }
    std::fs::write(dir.join("summary.csv"), csv)?;

    let history = ClvColumns {
        frequency: &freq,
        recency: Some(&s.recency),
        t: Some(&s.t),
        ..Default::default()
    };
    let (rx, rm): (Vec<f64>, Vec<f64>) = freq
        .iter()
        .zip(&s.monetary_value)
        .filter(|(x, _)| **x > 0.0)
        .map(|(x, m)| (*x, *m))
        .unzip();
    let spend = ClvColumns {
        frequency: &rx,
        monetary_value: Some(&rm),
        ..Default::default()
    };
    let opts = FitOptions::default();
    let fit = |k: ClvModelKind, c: &ClvColumns<'_>| best(runs, || ClvModel::fit(k, c, &opts));
    let (bg, bg_s) = fit(ClvModelKind::BgNbd, &history);
    let (pn, pn_s) = fit(ClvModelKind::ParetoNbd, &history);
    let (mbg, mbg_s) = fit(ClvModelKind::MbgNbd, &history);
    let mbg = mbg?;
    let (gg, gg_s) = fit(ClvModelKind::GammaGamma, &spend);
    let (bg, pn, gg): (ClvFit, ClvFit, ClvFit) = (bg?, pn?, gg?);

    let (bg_alive, bg_alive_s) = best(runs, || bg.model.p_alive(&history));
    let bg_cond = bg.model.conditional_expected_purchases(39.0, &history)?;
    let pn_alive = pn.model.p_alive(&history)?;
    let (pn_cond, pn_cond_s) = best(runs, || {
        pn.model.conditional_expected_purchases(39.0, &history)
    });
    let (bg_alive, pn_cond) = (bg_alive?, pn_cond?);
    let gg_spend = gg.model.expected_spend(&spend)?;
    let mbg_alive = mbg.model.p_alive(&history)?;
    let mbg_cond = mbg.model.conditional_expected_purchases(39.0, &history)?;
    let mut out =
        String::from("bg_p_alive,bg_cond_39,pn_p_alive,pn_cond_39,mbg_p_alive,mbg_cond_39\n");
    for i in 0..freq.len() {
        writeln!(
            out,
            "{:?},{:?},{:?},{:?},{:?},{:?}",
            bg_alive[i], bg_cond[i], pn_alive[i], pn_cond[i], mbg_alive[i], mbg_cond[i]
        )?;
    }
    std::fs::write(dir.join("engine_predictions.csv"), out)?;
    let spend_csv: String = gg_spend.iter().map(|v| format!("{v:?}\n")).collect();
    std::fs::write(dir.join("engine_spend.csv"), spend_csv)?;

    // P(x purchases in 39 weeks), x = 0..=9, for each purchase model.
    let (t39, xs): (Vec<f64>, Vec<f64>) = (0..10).map(|x| (39.0, f64::from(x))).unzip();
    let mut probs = String::from("x,bg,pn,mbg\n");
    let (pb, pp, pm) = (
        bg.model.probability_of_purchases(&t39, &xs)?,
        pn.model.probability_of_purchases(&t39, &xs)?,
        mbg.model.probability_of_purchases(&t39, &xs)?,
    );
    for i in 0..xs.len() {
        writeln!(probs, "{},{:?},{:?},{:?}", xs[i], pb[i], pp[i], pm[i])?;
    }
    std::fs::write(dir.join("engine_probabilities.csv"), probs)?;
    // Discounted value over 12 months of 4.345 weeks at 1 % a month, spend from Gamma-Gamma
    // for every customer (its population mean where there is no repeat purchase).
    let all_spend = gg.model.expected_spend(&ClvColumns {
        frequency: &freq,
        monetary_value: Some(&s.monetary_value),
        ..Default::default()
    })?;
    // lifetimes' months are 4.345 weeks; the engine's calendar month (30.44 days) is 4.348.
    let months = DiscountOptions {
        period_length: Some(4.345),
        ..Default::default()
    };
    let value = bg.model.discounted_value(&history, &all_spend, &months)?;
    let value_csv: String = value.iter().map(|v| format!("{v:?}\n")).collect();
    std::fs::write(dir.join("engine_value.csv"), value_csv)?;

    // BG/BB on the donor data, given as distinct patterns with counts.
    let donations = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/donations/donations.csv"
    ))?;
    let mut d: [Vec<f64>; 4] = Default::default();
    for line in donations.lines().skip(1) {
        for (col, v) in d.iter_mut().zip(line.split(',')) {
            col.push(v.trim().parse()?);
        }
    }
    let donors = ClvColumns {
        frequency: &d[0],
        recency: Some(&d[1]),
        t: Some(&d[2]),
        weights: Some(&d[3]),
        ..Default::default()
    };
    let (bb, bb_s) = fit(ClvModelKind::BgBb, &donors);
    let bb = bb?;
    let bb_alive = bb.model.p_alive(&donors)?;
    let bb_cond = bb.model.conditional_expected_purchases(5.0, &donors)?;
    let mut bb_csv = String::from("p_alive,cond_5\n");
    for i in 0..bb_alive.len() {
        writeln!(bb_csv, "{:?},{:?}", bb_alive[i], bb_cond[i])?;
    }
    std::fs::write(dir.join("engine_bg_bb.csv"), bb_csv)?;
    let line = serde_json::json!({
        "bg_nbd": {"fit": bg, "seconds": bg_s},
        "pareto_nbd": {"fit": pn, "seconds": pn_s},
        "gamma_gamma": {"fit": gg, "seconds": gg_s},
        "mbg_nbd": {"fit": mbg, "seconds": mbg_s},
        "bg_bb": {"fit": bb, "seconds": bb_s},
        "bg_p_alive_seconds": bg_alive_s,
        "pn_conditional_seconds": pn_cond_s,
    });
    println!("{line}");
    Ok(())
}

/// `simulate <dir> <customers> [runs]`: see the module docs.
fn simulated(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(
        args.first()
            .ok_or("usage: clv_compare simulate <dir> <customers> [runs]")?,
    );
    let n: usize = args.get(1).ok_or("customers")?.parse()?;
    let runs: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(3);
    let (frequency, recency, ages) = engagement_bench::clv_histories(n)?;
    let mut csv = String::from("frequency,recency,T\n");
    for i in 0..n {
        writeln!(csv, "{},{:?},{:?}", frequency[i], recency[i], ages[i])?;
    }
    std::fs::write(dir.join("simulated.csv"), csv)?;
    let cols = ClvColumns {
        frequency: &frequency,
        recency: Some(&recency),
        t: Some(&ages),
        ..Default::default()
    };
    let distinct =
        engagement_core::clv::RepeatSummary::from_columns(&frequency, &recency, &ages)?.len();
    let opts = FitOptions::default();
    let (bg, bg_s) = best(runs, || ClvModel::fit(ClvModelKind::BgNbd, &cols, &opts));
    let (pn, pn_s) = best(runs, || {
        ClvModel::fit(ClvModelKind::ParetoNbd, &cols, &opts)
    });
    let (bg, pn) = (bg?, pn?);
    let model = bg.model;
    let (alive, alive_s) = best(runs, || model.p_alive(&cols));
    alive?;
    let line = serde_json::json!({
        "customers": n,
        "distinct_rows": distinct,
        "bg_nbd": {"fit": bg, "seconds": bg_s},
        "pareto_nbd": {"fit": pn, "seconds": pn_s},
        "bg_p_alive_seconds": alive_s,
    });
    println!("{line}");
    Ok(())
}
