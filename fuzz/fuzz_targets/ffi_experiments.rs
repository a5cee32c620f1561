//! Experiment readouts (unit columns and arm sums), the sample-ratio check, p-value
//! corrections, restricted mean survival times and Cox fits and predictions, with arbitrary columns, settings and sums: documented statuses, a message on
//! failure, and on success probabilities in [0, 1], ordered intervals, chances to be best that sum
//! to 1, and the same answer for the same input.
#![no_main]

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use engagement::events::eng_experiment_readout_json;
use engagement::experiment::{
    eng_adjust_p_values, eng_readout_json, eng_readout_sums_json, eng_srm_result, eng_srm_test,
};
use engagement::status::eng_status;
use engagement::survival::{eng_cox_json, eng_cox_predict, eng_rmst, eng_rmst_difference};
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

const REALS: [f64; 16] = [
    0.0,
    1.0,
    2.0,
    0.5,
    3.0,
    10.0,
    1e-300,
    1e300,
    f64::NAN,
    f64::INFINITY,
    -1.0,
    7.5,
    100.0,
    1e12,
    -0.0,
    4.0,
];

const CONFIGS: [&str; 12] = [
    "",
    "{}",
    r#"{"kind": "proportion"}"#,
    r#"{"kind": "ratio"}"#,
    r#"{"sequential": true, "sequential_tuning": 100}"#,
    r#"{"correction": "holm", "weights": [1, 1, 2]}"#,
    r#"{"prior": {"mean": 0.1, "variance": 0.09}, "level": 0.9}"#,
    r#"{"control": "b"}"#,
    r#"{"control": "zz"}"#,
    r#"{"level": 1.0}"#,
    r#"{"kind": "ratio", "sequential": true, "correction": "benjamini_hochberg"}"#,
    r#"{"sequential_tuning": 1e-300}"#,
];

const NAMES: [&str; 4] = [
    r#"["a", "b"]"#,
    r#"["a", "b", "c"]"#,
    r#"["a"]"#,
    r#"["a", "a"]"#,
];

const NAME_OF: [&str; 4] = ["a", "b", "c", "a"];

const LABELS: [&str; 5] = ["none", "bonferroni", "holm", "benjamini_hochberg", "fdr"];

struct In<'a>(Bytes<'a>);

impl In<'_> {
    fn real(&mut self) -> f64 {
        let b = self.0.u8();
        if b < 240 {
            REALS[usize::from(b % 16)] * f64::from(1 + b / 16)
        } else {
            f64::from_bits(self.0.u64())
        }
    }
    fn reals(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.real()).collect()
    }
    fn column(&mut self, n: usize) -> Option<Vec<f64>> {
        (self.0.u8() % 3 == 0).then(|| self.reals(n))
    }
}

fn probability(v: &serde_json::Value, what: &str) {
    if let Some(p) = v.as_f64() {
        assert!((0.0..=1.0).contains(&p), "{what} {p}");
    }
}

fn ordered(v: &serde_json::Value, what: &str) {
    if let (Some(lo), Some(hi)) = (v["low"].as_f64(), v["high"].as_f64()) {
        assert!(lo <= hi, "{what}: {lo} > {hi}");
    }
}

fn check_readout(r: &serde_json::Value) {
    for c in r["comparisons"].as_array().into_iter().flatten() {
        for scale in ["absolute", "relative"] {
            let e = &c[scale];
            if e.is_null() {
                continue;
            }
            for k in ["p_value", "adjusted_p_value", "chance_to_win"] {
                probability(&e[k], k);
            }
            ordered(&e["interval"], "interval");
            ordered(&e["credible_interval"], "credible interval");
        }
    }
    let best: f64 = r["chance_to_be_best"].as_array().map_or(1.0, |a| {
        a.iter().filter_map(serde_json::Value::as_f64).sum()
    });
    assert!(
        (best - 1.0).abs() < 1e-6,
        "chances to be best sum to {best}: arms {}",
        r["arms"]
    );
    probability(&r["srm"]["p_value"], "srm p-value");
}

/// Calls one entry point; returns the status and its result as JSON.
fn call(data: &[u8]) -> (eng_status, Option<serde_json::Value>) {
    let mut i = In(Bytes(data));
    let which = i.0.u8();
    let mut out: *mut c_char = null_mut();
    // SAFETY: every pointer below points to as many elements as its length says.
    unsafe {
        if which >= 250 {
            return cox(&mut i);
        }
        if which >= 240 {
            return rmst(&mut i);
        }
        if which >= 230 {
            return from_touchpoints(&mut i);
        }
        match which % 4 {
            0 => {
                let n = usize::from(i.0.u8() % 24);
                let arm: Vec<u32> = (0..n)
                    .map(|_| match i.0.u8() {
                        b @ 0..=249 => u32::from(b % 3),
                        b => u32::from(b),
                    })
                    .collect();
                let values = i.reals(n);
                let (den, pre, pre_den) = (i.column(n), i.column(n), i.column(n));
                let names = NAMES[usize::from(i.0.u8() % 4)];
                let config = CONFIGS[usize::from(i.0.u8() % 12)];
                let ptr = |c: &Option<Vec<f64>>| c.as_ref().map_or(null(), |v| v.as_ptr());
                let s = checked(eng_readout_json(
                    arm.as_ptr(),
                    values.as_ptr(),
                    ptr(&den),
                    ptr(&pre),
                    ptr(&pre_den),
                    n,
                    names.as_ptr().cast(),
                    names.len(),
                    config.as_ptr().cast(),
                    config.len(),
                    &mut out,
                    null_mut(),
                ));
                let json = (s == eng_status::Ok).then(|| take_json(out));
                if let Some(r) = &json {
                    check_readout(r);
                }
                (s, json)
            }
            1 => {
                let config = CONFIGS[usize::from(i.0.u8() % 12)];
                let k = usize::from(i.0.u8() % 4);
                let arms: Vec<serde_json::Value> = (0..k)
                    .map(|a| {
                        let count = u64::from(i.0.u8());
                        let mut v = serde_json::json!({
                            "name": NAME_OF[a],
                            "count": count,
                            "main_sum": i.real(),
                            "main_sum_squares": i.real(),
                        });
                        if i.0.u8() % 2 == 0 {
                            v["denominator_sum"] = i.real().into();
                            v["denominator_sum_squares"] = i.real().into();
                            v["main_denominator_sum_product"] = i.real().into();
                        }
                        if i.0.u8() % 2 == 0 {
                            v["covariate_sum"] = i.real().into();
                            v["covariate_sum_squares"] = i.real().into();
                            v["main_covariate_sum_product"] = i.real().into();
                        }
                        v
                    })
                    .collect();
                let text = serde_json::to_string(&arms).unwrap_or_default();
                let s = checked(eng_readout_sums_json(
                    text.as_ptr().cast(),
                    text.len(),
                    config.as_ptr().cast(),
                    config.len(),
                    &mut out,
                    null_mut(),
                ));
                let json = (s == eng_status::Ok).then(|| take_json(out));
                if let Some(r) = &json {
                    check_readout(r);
                }
                (s, json)
            }
            2 => {
                let n = usize::from(i.0.u8() % 6);
                let counts: Vec<u64> = (0..n)
                    .map(|_| match i.0.u8() {
                        b @ 0..=249 => u64::from(b) * 100,
                        _ => i.0.u64(),
                    })
                    .collect();
                let weights = i.column(n);
                let mut r: eng_srm_result = std::mem::zeroed();
                let mut expected = vec![0.0; n];
                let s = checked(eng_srm_test(
                    counts.as_ptr(),
                    weights.as_ref().map_or(null(), |w| w.as_ptr()),
                    n,
                    &mut r,
                    expected.as_mut_ptr(),
                ));
                if s == eng_status::Ok {
                    assert!(
                        (0.0..=1.0).contains(&r.p_value),
                        "srm p-value {}",
                        r.p_value
                    );
                    assert!(r.chi_square >= 0.0, "chi-square {}", r.chi_square);
                }
                (
                    s,
                    (s == eng_status::Ok).then(|| serde_json::json!([r.p_value, expected])),
                )
            }
            _ => {
                let n = usize::from(i.0.u8() % 12);
                // Mostly p-values in [0, 1]; now and then any number (refused when outside).
                let p: Vec<f64> = (0..n)
                    .map(|_| match i.0.u8() {
                        b @ 0..=249 => f64::from(b) / 249.0,
                        _ => i.real(),
                    })
                    .collect();
                let label = LABELS[usize::from(i.0.u8() % 5)];
                let mut adjusted = vec![0.0; n];
                let s = checked(eng_adjust_p_values(
                    p.as_ptr(),
                    n,
                    label.as_ptr().cast(),
                    label.len(),
                    adjusted.as_mut_ptr(),
                ));
                if s == eng_status::Ok {
                    for (a, q) in adjusted.iter().zip(&p) {
                        assert!(*a >= *q && *a <= 1.0, "{q} adjusted to {a}");
                    }
                }
                (
                    s,
                    (s == eng_status::Ok).then(|| serde_json::json!(adjusted)),
                )
            }
        }
    }
}

const SPECS: [&str; 6] = [
    r#"{"metrics": [{"name": "r", "measure": {"type": "value", "match": {"kinds": ["purchase"]}}, "pre_period": 86400}]}"#,
    r#"{"metrics": [{"name": "c", "measure": {"type": "conversion"}, "window": 3600}], "as_of": 1700500000}"#,
    r#"{"metrics": [{"name": "s", "measure": {"type": "sessions", "gap": 1800}}, {"name": "d", "measure": {"type": "retained", "day": 1}}]}"#,
    r#"{"metrics": [{"name": "q", "measure": {"type": "ratio", "numerator": {"type": "value"}, "denominator": {"type": "count"}}, "pre_period": 100000}], "readout": {"sequential": true}}"#,
    r#"{"metrics": []}"#,
    r#"{"metrics": [{"name": "x", "measure": {"type": "sessions", "gap": 0}}]}"#,
];

/// An experiment read out from touchpoints: arbitrary touchpoints, assignments and a spec
/// from a list; on success every metric's readout holds the readout invariants.
fn from_touchpoints(i: &mut In<'_>) -> (eng_status, Option<serde_json::Value>) {
    let n = usize::from(i.0.u8() % 16);
    let customer: Vec<u64> = (0..n).map(|_| u64::from(i.0.u8() % 6)).collect();
    let time: Vec<i64> = (0..n)
        .map(|_| 1_700_000_000 + i64::from(i.0.u8()) * 3_600)
        .collect();
    let channel: Vec<u8> = (0..n).map(|_| i.0.u8() % 12).collect();
    let kind: Vec<u8> = (0..n).map(|_| i.0.u8() % 11).collect();
    let value = i.reals(n);
    let m = usize::from(i.0.u8() % 8);
    let assigned: Vec<u64> = (0..m).map(|_| u64::from(i.0.u8() % 7)).collect();
    let arm: Vec<u32> = (0..m).map(|_| u32::from(i.0.u8() % 3)).collect();
    let exposed: Vec<i64> = (0..m)
        .map(|_| 1_700_000_000 + i64::from(i.0.u8()) * 3_600)
        .collect();
    let names = NAMES[usize::from(i.0.u8() % 4)];
    let spec = SPECS[usize::from(i.0.u8() % 6)];
    let mut out: *mut c_char = null_mut();
    // SAFETY: every column holds as many elements as its length says.
    let s = checked(unsafe {
        eng_experiment_readout_json(
            &engagement::eng_touchpoints {
                len: n,
                customer: customer.as_ptr(),
                time: time.as_ptr(),
                channel: channel.as_ptr(),
                kind: kind.as_ptr(),
                value: value.as_ptr(),
                ..Default::default()
            },
            assigned.as_ptr(),
            arm.as_ptr(),
            exposed.as_ptr(),
            m,
            names.as_ptr().cast(),
            names.len(),
            spec.as_ptr().cast(),
            spec.len(),
            &mut out,
            null_mut(),
        )
    });
    let json = (s == eng_status::Ok).then(|| take_json(out));
    if let Some(r) = &json {
        for metric in r["metrics"].as_array().into_iter().flatten() {
            check_readout(&metric["readout"]);
        }
    }
    (s, json)
}

/// Restricted mean survival times of one group, or two compared, on arbitrary durations and
/// horizons: an interval around the estimate, within [0, tau].
fn rmst(i: &mut In<'_>) -> (eng_status, Option<serde_json::Value>) {
    let group = |i: &mut In<'_>| {
        let n = usize::from(i.0.u8() % 10);
        let d: Vec<f64> = (0..n).map(|_| i.real()).collect();
        let o: Vec<u8> = (0..n).map(|_| i.0.u8() % 3 / 2 + i.0.u8() / 255).collect();
        (d, o)
    };
    let ((da, oa), (db, ob)) = (group(i), group(i));
    let (tau, level) = (i.real(), i.real());
    // SAFETY: every column holds as many elements as its length says.
    unsafe {
        if i.0.u8() % 2 == 0 {
            let mut r: engagement::survival::eng_rmst_result = std::mem::zeroed();
            let s = checked(eng_rmst(
                da.as_ptr(),
                oa.as_ptr(),
                da.len(),
                tau,
                level,
                &mut r,
            ));
            if s == eng_status::Ok {
                assert!(
                    r.rmst >= 0.0 && r.rmst <= r.tau * (1.0 + 1e-12),
                    "rmst {} of tau {}",
                    r.rmst,
                    r.tau
                );
                assert!(r.ci_low <= r.rmst && r.rmst <= r.ci_high, "{r:?}");
            }
            (
                s,
                (s == eng_status::Ok).then(|| serde_json::json!([r.rmst, r.standard_error])),
            )
        } else {
            let mut r: engagement::survival::eng_rmst_difference_result = std::mem::zeroed();
            let s = checked(eng_rmst_difference(
                da.as_ptr(),
                oa.as_ptr(),
                da.len(),
                db.as_ptr(),
                ob.as_ptr(),
                db.len(),
                tau,
                level,
                &mut r,
            ));
            if s == eng_status::Ok {
                assert!((0.0..=1.0).contains(&r.p_value), "p {}", r.p_value);
            }
            (
                s,
                (s == eng_status::Ok).then(|| serde_json::json!([r.difference, r.p_value])),
            )
        }
    }
}

const COX_COLUMNS: [&str; 6] = [
    r#"{"numeric": ["x"]}"#,
    r#"{"numeric": ["x", "y"]}"#,
    r#"{"numeric": ["x"], "categorical": [{"name": "c", "levels": ["a", "b", "c"]}]}"#,
    r#"{"numeric": ["x"], "strata": ["s", "t"]}"#,
    r#"{"categorical": [{"name": "c", "levels": ["a", "b", "c"], "reference": "b"}], "strata": ["s", "t"]}"#,
    r#"{"numeric": ["x", "x"]}"#,
];

const COX_CONFIGS: [&str; 5] = [
    "",
    r#"{"ties": "breslow"}"#,
    r#"{"robust": true, "level": 0.9}"#,
    r#"{"max_iterations": 1}"#,
    r#"{"ties": "exact"}"#,
];

/// A Cox fit on up to 15 customers, then predictions for them.
fn cox(i: &mut In<'_>) -> (eng_status, Option<serde_json::Value>) {
    let n = usize::from(i.0.u8() % 16);
    let d: Vec<f64> = (0..n).map(|_| i.real()).collect();
    let o: Vec<u8> = (0..n).map(|_| i.0.u8() % 3 / 2 + i.0.u8() / 255).collect();
    let columns = COX_COLUMNS[usize::from(i.0.u8()) % COX_COLUMNS.len()];
    let config = COX_CONFIGS[usize::from(i.0.u8()) % COX_CONFIGS.len()];
    let numeric_count = usize::from(i.0.u8() % 3);
    let categorical_count = usize::from(i.0.u8() % 2);
    let x = i.reals(numeric_count * n);
    let c: Vec<u32> = (0..categorical_count * n)
        .map(|_| u32::from(i.0.u8() % 4))
        .collect();
    let strata: Option<Vec<u32>> =
        (i.0.u8() % 2 == 0).then(|| (0..n).map(|_| u32::from(i.0.u8() % 3)).collect());
    let clusters: Option<Vec<u64>> =
        (i.0.u8() % 3 == 0).then(|| (0..n).map(|_| u64::from(i.0.u8() % 4)).collect());
    let times_len = usize::from(i.0.u8() % 4);
    let times = i.reals(times_len);
    let mut out: *mut c_char = null_mut();
    // SAFETY: every column holds as many elements as its length says.
    unsafe {
        let s = checked(eng_cox_json(
            d.as_ptr(),
            o.as_ptr(),
            n,
            x.as_ptr(),
            numeric_count,
            c.as_ptr(),
            categorical_count,
            strata.as_ref().map_or(null(), |s| s.as_ptr()),
            clusters.as_ref().map_or(null(), |c| c.as_ptr()),
            columns.as_ptr().cast(),
            columns.len(),
            config.as_ptr().cast(),
            config.len(),
            &mut out,
            null_mut(),
        ));
        if s != eng_status::Ok {
            return (s, None);
        }
        let model = take_json(out);
        probability(&model["concordance"], "concordance");
        probability(&model["likelihood_ratio"]["p_value"], "likelihood-ratio p");
        for t in model["terms"].as_array().into_iter().flatten() {
            probability(&t["p_value"], "p");
            if let (Some(lo), Some(hi)) = (t["ci_low"].as_f64(), t["ci_high"].as_f64()) {
                assert!(lo <= hi, "interval {lo} > {hi}");
            }
        }
        for b in model["baseline"].as_array().into_iter().flatten() {
            let sv: Vec<f64> = b["survival"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_f64())
                .collect();
            assert!(
                sv.windows(2).all(|w| w[1] <= w[0]),
                "baseline survival rises: {sv:?}"
            );
            assert!(
                sv.iter().all(|v| (0.0..=1.0).contains(v)),
                "baseline survival {sv:?}"
            );
        }
        let text = model.to_string();
        let mut ph = vec![0.0; n];
        let mut sf = vec![0.0; n * times.len()];
        let p = checked(eng_cox_predict(
            text.as_ptr().cast(),
            text.len(),
            x.as_ptr(),
            numeric_count,
            c.as_ptr(),
            categorical_count,
            strata.as_ref().map_or(null(), |s| s.as_ptr()),
            n,
            columns.as_ptr().cast(),
            columns.len(),
            times.as_ptr(),
            times.len(),
            ph.as_mut_ptr(),
            sf.as_mut_ptr(),
        ));
        if times.iter().all(|t| t.is_finite()) {
            assert_eq!(
                p,
                eng_status::Ok,
                "a model cannot predict for the customers it was fitted on: {}",
                engagement_fuzz::last_error()
            );
        }
        assert!(
            sf.iter().all(|v| (0.0..=1.0).contains(v)),
            "survival {sf:?}"
        );
        (s, Some(serde_json::json!([model, ph, sf])))
    }
}

fuzz_target!(|data: &[u8]| {
    let first = call(data);
    let again = call(data);
    assert_eq!(first.0, again.0, "the same input gave another status");
    assert_eq!(first.1, again.1, "the same input gave another result");
});
