//! Engine side of `benches/python/clv_vs_lifetimes.py`: summarizes the bundled CDNOW
//! sample (39 weeks), writes the summary to `<dir>/summary.csv`, fits BG/NBD, Pareto/NBD,
//! modified BG/NBD and Gamma-Gamma (best time of `runs`), writes per-customer predictions at the fitted
//! parameters to `<dir>/engine_predictions.csv`, and prints one JSON line of results.
//!
//! Usage: `clv_compare <dir> [runs]`

#![allow(clippy::print_stdout)]

#[path = "../../engagement-core/examples/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::time::Instant;

use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{ClvColumns, ClvFit, ClvModel, ClvModelKind};
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
    let freq: Vec<f64> = s.frequency.iter().map(|&x| f64::from(x)).collect();
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
    let line = serde_json::json!({
        "bg_nbd": {"fit": bg, "seconds": bg_s},
        "pareto_nbd": {"fit": pn, "seconds": pn_s},
        "gamma_gamma": {"fit": gg, "seconds": gg_s},
        "mbg_nbd": {"fit": mbg, "seconds": mbg_s},
        "bg_p_alive_seconds": bg_alive_s,
        "pn_conditional_seconds": pn_cond_s,
    });
    println!("{line}");
    Ok(())
}
