//! Every entry point of the C ABI that the other targets do not drive, called with arbitrary
//! numbers, codes, columns (lengths 0–12, any bits) and short JSON texts, as a CRM would call
//! them. Invariants: documented statuses with a message on failure; probabilities, rates and
//! P-values within [0, 1] and intervals ordered when OK; counts consistent; labels and codes
//! round-trip; the same input gives the same status and the same output bits.
#![no_main]

use std::ffi::{CStr, c_char};
use std::ptr::{null, null_mut};

use engagement::attribution::*;
use engagement::clv::*;
use engagement::codes::*;
use engagement::errors::*;
use engagement::experiment::*;
use engagement::journey::*;
use engagement::loyalty::*;
use engagement::metrics::*;
use engagement::partial::*;
use engagement::profile_store::*;
use engagement::segments::*;
use engagement::status::eng_status;
use engagement::survival::*;
use engagement::transactions::*;
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

/// Numbers that matter (edges, NaN, infinities) or, now and then, any 64 bits.
const REALS: [f64; 16] = [
    0.0,
    1.0,
    -1.0,
    0.5,
    0.95,
    2.0,
    39.0,
    1e-300,
    1e300,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.1,
    12.0,
    1e6,
    -0.0,
];

const MODELS: [&str; 6] = [
    r#"{"model": "bg_nbd", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}"#,
    r#"{"model": "pareto_nbd", "r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}"#,
    r#"{"model": "mbg_nbd", "r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}"#,
    r#"{"model": "gamma_gamma", "p": 6.25, "q": 3.74, "v": 15.44}"#,
    r#"{"model": "bg_bb", "alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}"#,
    r#"{"model": "sbg", "alpha": 0.668, "beta": 3.806}"#,
];

const TEXTS: [&str; 10] = [
    "",
    "{}",
    "{",
    "null",
    r#"{"rule": "linear"}"#,
    r#"{"rule": "markov", "order": 1}"#,
    r#"{"steps": [{"name": "a", "kinds": ["click"]}, {"name": "b", "kinds": ["purchase"]}]}"#,
    r#"{"value": "p_alive"}"#,
    r#"["x", "y"]"#,
    r#""acquisition_channel""#,
];

struct In<'a>(Bytes<'a>);

impl In<'_> {
    fn u8(&mut self) -> u8 {
        self.0.u8()
    }
    fn real(&mut self) -> f64 {
        let b = self.u8();
        if b < 240 {
            REALS[usize::from(b % 16)] * f64::from(1 + b / 16)
        } else {
            f64::from_bits(self.0.u64())
        }
    }
    fn count(&mut self) -> u64 {
        match self.u8() {
            b @ 0..=249 => u64::from(b),
            _ => self.0.u64(),
        }
    }
    fn time(&mut self) -> i64 {
        match self.u8() {
            b @ 0..=239 => 1_700_000_000 + i64::from(b) * 86_400,
            _ => self.0.u64() as i64,
        }
    }
    fn len(&mut self) -> usize {
        usize::from(self.u8() % 13)
    }
    fn reals(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.real()).collect()
    }
    fn f32s(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.real() as f32).collect()
    }
    fn ids(&mut self, n: usize) -> Vec<u64> {
        (0..n).map(|_| u64::from(self.u8() % 6)).collect()
    }
    fn times(&mut self, n: usize) -> Vec<i64> {
        (0..n).map(|_| self.time()).collect()
    }
    fn codes(&mut self, n: usize, below: u8) -> Vec<u8> {
        (0..n)
            .map(|_| {
                let b = self.u8();
                if b < 250 { b % below } else { b }
            })
            .collect()
    }
    /// Touchpoint columns of 0–12 rows: ids, times, channel and kind codes (mostly known), money.
    fn touchpoints(&mut self) -> (usize, Vec<u64>, Vec<i64>, Vec<u8>, Vec<u8>, Vec<f64>) {
        let n = self.len();
        (
            n,
            self.ids(n),
            self.times(n),
            self.codes(n, 11),
            self.codes(n, 16),
            self.reals(n),
        )
    }
    /// A model (valid, or with one parameter replaced), a text from the list, or raw bytes.
    fn model(&mut self) -> Vec<u8> {
        let b = self.u8();
        let m = MODELS[usize::from(b % 6)];
        match b / 6 {
            0..=24 => m.as_bytes().to_vec(),
            25..=38 => {
                // One parameter (the k-th number of the JSON) replaced by another number.
                let v = self.real();
                let number = if v.is_finite() {
                    format!("{v:e}")
                } else {
                    "1e999".into()
                };
                let k = usize::from(self.u8() % 4);
                let starts: Vec<usize> = m
                    .match_indices(": ")
                    .map(|(at, _)| at + 2)
                    .filter(|&at| m[at..].starts_with(|c: char| c.is_ascii_digit()))
                    .collect();
                let at = starts[k % starts.len()];
                let end = at + m[at..].find([',', '}']).unwrap_or(0);
                format!("{}{number}{}", &m[..at], &m[end..]).into_bytes()
            }
            _ => self.text(),
        }
    }
    fn text(&mut self) -> Vec<u8> {
        let b = self.u8();
        if b < 200 {
            TEXTS[usize::from(b % 10)].as_bytes().to_vec()
        } else {
            let n = usize::from(self.u8() % 32);
            (0..n).map(|_| self.u8()).collect()
        }
    }
}

fn p(t: &[u8]) -> (*const c_char, usize) {
    (t.as_ptr().cast(), t.len())
}

fn unit(x: f64, what: &str) {
    assert!((0.0..=1.0).contains(&x), "{what} = {x} outside [0, 1]");
}

fn interval(lo: f64, hi: f64, what: &str) {
    assert!(lo <= hi, "{what}: interval ({lo}, {hi}) reversed");
}

fn proportion(s: &eng_proportion) {
    assert!(
        s.successes <= s.trials,
        "{} successes of {}",
        s.successes,
        s.trials
    );
    unit(s.rate, "rate");
    unit(s.ci_low, "ci_low");
    unit(s.ci_high, "ci_high");
    interval(s.ci_low, s.ci_high, "proportion");
}

fn nps_summary(s: &eng_nps_summary) {
    let total = u128::from(s.promoters) + u128::from(s.passives) + u128::from(s.detractors);
    assert_eq!(total, u128::from(s.n));
    assert!((-100.0..=100.0).contains(&s.score), "NPS {}", s.score);
    interval(s.ci_low, s.ci_high, "NPS");
}

/// The bits of a plain C struct (all fields 8 bytes: no padding).
fn bits<T>(x: &T) -> Vec<u8> {
    // SAFETY: `T` is one of the library's repr(C) result structs, fully initialised, no padding.
    unsafe { std::slice::from_raw_parts((x as *const T).cast::<u8>(), std::mem::size_of::<T>()) }
        .to_vec()
}

fn f64_bits(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect()
}

/// Status and output of one call, for the same-answer check.
type Outcome = (eng_status, Vec<u8>);

fn json_out(status: eng_status, out: *mut c_char) -> Outcome {
    if status == eng_status::Ok {
        (status, take_json(out).to_string().into_bytes())
    } else {
        (status, vec![])
    }
}

/// A small store built from fuzzed touchpoints (a push may be refused: the store stays empty).
unsafe fn store(i: &mut In) -> *mut eng_profile_store {
    let (n, c, t, ch, k, v) = i.touchpoints();
    let (r, sc) = (i.f32s(n), i.codes(n, 3));
    let mut s = null_mut();
    unsafe {
        assert_eq!(eng_profile_store_new(null(), 0, &mut s), eng_status::Ok);
        checked(eng_profile_store_push(
            s,
            &engagement::eng_touchpoints {
                len: n,
                customer: c.as_ptr(),
                time: t.as_ptr(),
                channel: ch.as_ptr(),
                kind: k.as_ptr(),
                value: v.as_ptr(),
                rating: r.as_ptr(),
                rating_scale: sc.as_ptr(),
                ..Default::default()
            },
        ));
    }
    s
}

#[allow(clippy::too_many_lines)]
unsafe fn call(data: &[u8]) -> Outcome {
    let mut i = In(Bytes(data));
    let which = i.u8();
    let mut out: *mut c_char = null_mut();
    unsafe {
        match which % 40 {
            0 => {
                let (n, c, t, ch, k, v) = i.touchpoints();
                let (lookback, rule) = (i.time() - 1_700_000_000, i.text());
                let s = checked(eng_attribute_touchpoints_json(
                    &engagement::eng_touchpoints {
                        len: n,
                        customer: c.as_ptr(),
                        time: t.as_ptr(),
                        channel: ch.as_ptr(),
                        kind: k.as_ptr(),
                        value: v.as_ptr(),
                        ..Default::default()
                    },
                    lookback,
                    p(&rule).0,
                    rule.len(),
                    &mut out,
                    null_mut(),
                ));
                json_out(s, out)
            }
            1 => {
                let (m, n) = (i.model(), i.len());
                let (f, mv) = (i.reals(n), i.reals(n));
                let mut o = vec![0.0; n];
                let s = checked(eng_clv_expected_spend(
                    p(&m).0,
                    m.len(),
                    f.as_ptr(),
                    mv.as_ptr(),
                    n,
                    o.as_mut_ptr(),
                ));
                if s == eng_status::Ok {
                    assert!(o.iter().all(|x| x.is_finite() && *x >= 0.0), "spend {o:?}");
                }
                (s, f64_bits(&o))
            }
            2 => {
                let n = i.len();
                let (alive, opts) = (i.reals(n), i.text());
                let s = checked(eng_clv_fit_retention_json(
                    alive.as_ptr(),
                    n,
                    p(&opts).0,
                    opts.len(),
                    &mut out,
                    null_mut(),
                ));
                json_out(s, out)
            }
            3 | 4 => {
                let (m, n) = (i.model(), i.len());
                let t = i.reals(n);
                let mut o = vec![0.0; n];
                let f = if which % 40 == 3 {
                    eng_clv_survival
                } else {
                    eng_clv_retention_rate
                };
                let s = checked(f(p(&m).0, m.len(), t.as_ptr(), n, o.as_mut_ptr()));
                if s == eng_status::Ok {
                    o.iter().for_each(|&x| unit(x, "survival / retention"));
                }
                (s, f64_bits(&o))
            }
            5 => {
                let (m, n) = (i.model(), i.len());
                let (f, r, t, spend, opts) =
                    (i.reals(n), i.reals(n), i.reals(n), i.reals(n), i.text());
                let mut o = vec![0.0; n];
                let s = checked(eng_clv_discounted_value(
                    p(&m).0,
                    m.len(),
                    f.as_ptr(),
                    r.as_ptr(),
                    t.as_ptr(),
                    spend.as_ptr(),
                    n,
                    p(&opts).0,
                    opts.len(),
                    o.as_mut_ptr(),
                ));
                if s == eng_status::Ok {
                    assert!(o.iter().all(|x| x.is_finite() && *x >= 0.0), "CLV {o:?}");
                }
                (s, f64_bits(&o))
            }
            6 => {
                let (m, value) = (i.model(), i.text());
                let (max_f, t) = (u32::from(i.u8() % 8), i.real());
                let cap = usize::from(i.u8() % 100);
                let mut o = vec![0.0; cap];
                let s = checked(eng_clv_frequency_recency_matrix(
                    p(&m).0,
                    m.len(),
                    p(&value).0,
                    value.len(),
                    max_f,
                    t,
                    o.as_mut_ptr(),
                    cap,
                ));
                (s, f64_bits(&o))
            }
            7 => {
                let (m, n, seed) = (i.model(), i.len(), i.count());
                let t = i.reals(n);
                let (mut f, mut r) = (vec![0.0; n], vec![0.0; n]);
                let s = checked(eng_clv_simulate(
                    p(&m).0,
                    m.len(),
                    t.as_ptr(),
                    n,
                    seed,
                    f.as_mut_ptr(),
                    r.as_mut_ptr(),
                ));
                if s == eng_status::Ok {
                    for j in 0..n {
                        assert!(f[j] >= 0.0 && r[j] >= 0.0 && r[j] <= t[j], "simulated {j}");
                    }
                }
                (s, [f64_bits(&f), f64_bits(&r)].concat())
            }
            8 => {
                let (m, n, seed) = (i.model(), i.len(), i.count());
                let f = i.reals(n);
                let mut o = vec![0.0; n];
                let s = checked(eng_clv_simulate_spend(
                    p(&m).0,
                    m.len(),
                    f.as_ptr(),
                    n,
                    seed,
                    o.as_mut_ptr(),
                ));
                (s, f64_bits(&o))
            }
            9 => {
                let (m, cohort, periods, seed) =
                    (i.model(), i.count(), u32::from(i.u8()), i.count());
                let cap = usize::from(i.u8());
                let mut o = vec![0.0; cap];
                let s = checked(eng_clv_simulate_survivors(
                    p(&m).0,
                    m.len(),
                    cohort,
                    periods,
                    seed,
                    o.as_mut_ptr(),
                    cap,
                ));
                if s == eng_status::Ok {
                    assert!(o.windows(2).all(|w| w[1] <= w[0]), "survivors grow: {o:?}");
                }
                (s, f64_bits(&o))
            }
            10 => {
                let (m, n) = (i.model(), i.len());
                let (f, r, t, h) = (i.reals(n), i.reals(n), i.reals(n), i.reals(n));
                let (duration, max_f) = (i.real(), u32::from(i.u8() % 10));
                let s = checked(eng_clv_calibration_holdout_json(
                    p(&m).0,
                    m.len(),
                    f.as_ptr(),
                    r.as_ptr(),
                    t.as_ptr(),
                    null(),
                    h.as_ptr(),
                    n,
                    duration,
                    max_f,
                    &mut out,
                    null_mut(),
                ));
                json_out(s, out)
            }
            11 => {
                let m = i.model();
                let (np, na) = (i.len(), i.len());
                let (purchases, at) = (i.reals(np), i.reals(na));
                let mut o = vec![0.0; na];
                let s = checked(eng_clv_p_alive_history(
                    p(&m).0,
                    m.len(),
                    purchases.as_ptr(),
                    np,
                    at.as_ptr(),
                    na,
                    o.as_mut_ptr(),
                ));
                if s == eng_status::Ok {
                    o.iter().for_each(|&x| unit(x, "P(alive)"));
                }
                (s, f64_bits(&o))
            }
            12 => {
                // Labels to codes and back: a code found names the label it came from.
                let (label, aliases) = (i.text(), i.text());
                let mut code = 0u8;
                type ToCode = unsafe extern "C" fn(*const c_char, usize, *mut u8) -> eng_status;
                type ToLabel = extern "C" fn(u8) -> *const c_char;
                let table: [(ToCode, ToLabel); 3] = [
                    (eng_channel_code, eng_channel_label),
                    (eng_kind_code, eng_kind_label),
                    (eng_stage_code, eng_stage_label),
                ];
                let (to_code, to_label) = table[usize::from(i.u8() % 3)];
                let s = checked(to_code(p(&label).0, label.len(), &mut code));
                if s == eng_status::Ok {
                    // The label back is the canonical spelling of the one given: ASCII case
                    // ignored, surrounding whitespace trimmed, `-` and spaces read as `_`.
                    let back = to_label(code);
                    assert!(!back.is_null(), "code {code} has no label");
                    let given = std::str::from_utf8(&label).expect("an accepted label is UTF-8");
                    let canonical: String = given
                        .trim()
                        .chars()
                        .map(|c| match c {
                            '-' | ' ' => '_',
                            c => c.to_ascii_lowercase(),
                        })
                        .collect();
                    assert_eq!(CStr::from_ptr(back).to_str(), Ok(canonical.as_str()));
                }
                type MappedFn = unsafe extern "C" fn(
                    *const c_char,
                    usize,
                    *const c_char,
                    usize,
                    *mut u8,
                ) -> eng_status;
                let mapped: MappedFn = if i.u8() % 2 == 0 {
                    eng_channel_code_mapped
                } else {
                    eng_kind_code_mapped
                };
                let s2 = checked(mapped(
                    p(&aliases).0,
                    aliases.len(),
                    p(&label).0,
                    label.len(),
                    &mut code,
                ));
                // The same aliases as a label map made once: the same status and code.
                let (mut map, mut by_map) = (null_mut(), 0u8);
                let as_channel = std::ptr::fn_addr_eq(mapped, eng_channel_code_mapped as MappedFn);
                let (cj, kj) = if as_channel {
                    (&aliases, &Vec::new())
                } else {
                    (&Vec::new(), &aliases)
                };
                let made = checked(engagement::label_map::eng_label_map_new(
                    p(cj).0,
                    cj.len(),
                    p(kj).0,
                    kj.len(),
                    &mut map,
                ));
                if made == eng_status::Ok {
                    let read = if as_channel {
                        engagement::label_map::eng_label_map_channel(
                            map,
                            p(&label).0,
                            label.len(),
                            &mut by_map,
                        )
                    } else {
                        engagement::label_map::eng_label_map_kind(
                            map,
                            p(&label).0,
                            label.len(),
                            &mut by_map,
                        )
                    };
                    assert_eq!(checked(read), s2, "a label map and the aliases disagree");
                    if s2 == eng_status::Ok {
                        assert_eq!(by_map, code, "a label map and the aliases disagree");
                    }
                } else {
                    assert!(map.is_null(), "a refused map was handed out");
                }
                engagement::label_map::eng_label_map_free(map);
                (s, vec![s2 as u8, code])
            }
            13 => {
                // Every code: a label or NULL, never garbage; every status has a name.
                let code = i.u8();
                for f in [eng_channel_label, eng_kind_label, eng_stage_label] {
                    let l = f(code);
                    if !l.is_null() {
                        assert!(!CStr::from_ptr(l).to_bytes().is_empty());
                    }
                }
                let name = eng_status_name(u32::from(code) * u32::from(i.u8() % 9));
                assert!(CStr::from_ptr(name).to_bytes().starts_with(b"ENG_STATUS_"));
                assert!(
                    !CStr::from_ptr(engagement::eng_version())
                        .to_bytes()
                        .is_empty()
                );
                // The last-error buffer: any capacity, always NUL-terminated, length reported.
                let cap = usize::from(i.u8() % 16);
                let mut buf = vec![1 as c_char; cap];
                let mut len = 0usize;
                let s = eng_last_error_message(
                    if cap == 0 {
                        null_mut()
                    } else {
                        buf.as_mut_ptr()
                    },
                    cap,
                    &mut len,
                );
                if cap > 0 && s == eng_status::Ok {
                    assert!(buf.contains(&0), "not NUL-terminated");
                }
                eng_string_free(null_mut());
                (eng_status::Ok, vec![])
            }
            14 => {
                let (cs, ct, ts, tt, level) =
                    (i.count(), i.count(), i.count(), i.count(), i.real());
                let mut r: eng_conversion_result = std::mem::zeroed();
                let s = checked(eng_conversion_test(cs, ct, ts, tt, level, &mut r));
                if s == eng_status::Ok {
                    proportion(&r.control);
                    proportion(&r.treatment);
                    unit(r.p_value, "p-value");
                    interval(
                        r.difference_interval.low,
                        r.difference_interval.high,
                        "difference",
                    );
                }
                (s, bits(&r))
            }
            15 => {
                let (nc, nt) = (i.len(), i.len());
                let (c, t, level) = (i.reals(nc), i.reals(nt), i.real());
                let mut r: eng_welch_result = std::mem::zeroed();
                let s = checked(eng_welch_test(
                    c.as_ptr(),
                    nc,
                    t.as_ptr(),
                    nt,
                    level,
                    &mut r,
                ));
                if s == eng_status::Ok {
                    unit(r.p_value, "p-value");
                    interval(
                        r.difference_interval.low,
                        r.difference_interval.high,
                        "difference",
                    );
                }
                (s, bits(&r))
            }
            16 => {
                let (cs, ct, ts, tt) = (i.count(), i.count(), i.count(), i.count());
                let (a, b, level) = (i.real(), i.real(), i.real());
                let mut r: eng_bayesian_result = std::mem::zeroed();
                let s = checked(eng_bayesian_conversion_test(
                    cs, ct, ts, tt, a, b, level, &mut r,
                ));
                if s == eng_status::Ok {
                    unit(r.prob_treatment_better, "P(treatment better)");
                    interval(r.control_interval.low, r.control_interval.high, "control");
                    interval(
                        r.treatment_interval.low,
                        r.treatment_interval.high,
                        "treatment",
                    );
                }
                (s, bits(&r))
            }
            17 => {
                let (b, e, n, a) = (i.real(), i.real(), i.real(), i.real());
                let mut power = 0.0;
                let s = checked(eng_power_two_proportions(b, e, n, a, &mut power));
                if s == eng_status::Ok {
                    unit(power, "power");
                }
                let mut size = 0.0;
                let wanted = i.real();
                let s2 = checked(eng_sample_size_two_proportions(b, e, a, wanted, &mut size));
                if s2 == eng_status::Ok {
                    // Not rounded: below one customer for an effect large enough, but always
                    // the size at which the test has the power asked for.
                    assert!(size > 0.0 && size.is_finite(), "sample size {size}");
                    let mut reached = 0.0;
                    assert_eq!(
                        checked(eng_power_two_proportions(b, e, size, a, &mut reached)),
                        eng_status::Ok
                    );
                    assert!(
                        (reached - wanted).abs() < 1e-6,
                        "power {reached} at the sample size {size} for power {wanted}"
                    );
                }
                (s, f64_bits(&[power, size, f64::from(s2 as u32)]))
            }
            18 | 19 => {
                let (n, c, t, ch, k, v) = i.touchpoints();
                let (until, cfg) = (i.time(), i.text());
                if which % 40 == 18 {
                    let s = checked(eng_stage_history_json(
                        &engagement::eng_touchpoints {
                            len: n,
                            customer: c.as_ptr(),
                            time: t.as_ptr(),
                            channel: ch.as_ptr(),
                            kind: k.as_ptr(),
                            value: v.as_ptr(),
                            ..Default::default()
                        },
                        until,
                        p(&cfg).0,
                        cfg.len(),
                        &mut out,
                        null_mut(),
                    ));
                    json_out(s, out)
                } else {
                    let (start, end, level) = (i.time(), i.time(), i.real());
                    let mut r: eng_churn_summary = std::mem::zeroed();
                    let s = checked(eng_churn_between(
                        &engagement::eng_touchpoints {
                            len: n,
                            customer: c.as_ptr(),
                            time: t.as_ptr(),
                            channel: ch.as_ptr(),
                            kind: k.as_ptr(),
                            value: v.as_ptr(),
                            ..Default::default()
                        },
                        until,
                        p(&cfg).0,
                        cfg.len(),
                        start,
                        end,
                        level,
                        &mut r,
                    ));
                    if s == eng_status::Ok {
                        proportion(&r.churn);
                        unit(r.retention, "retention");
                    }
                    (s, bits(&r))
                }
            }
            20 => {
                let n = i.len();
                let (c, st, at) = (i.ids(n), i.codes(n, 8), i.times(n));
                let s = checked(eng_stage_transitions_json(
                    c.as_ptr(),
                    st.as_ptr(),
                    at.as_ptr(),
                    n,
                    &mut out,
                    null_mut(),
                ));
                let (s, fp) = json_out(s, out);
                // The same entries as a history document give the same matrix; fuzzed text
                // is a history or a refusal.
                if s == eng_status::Ok {
                    let labels = [
                        "prospect",
                        "engaged",
                        "new_customer",
                        "repeat",
                        "loyal",
                        "advocate",
                        "at_risk",
                        "churned",
                    ];
                    let doc = serde_json::json!({
                        "customer": c,
                        "stage": st.iter().map(|&x| labels[usize::from(x)]).collect::<Vec<_>>(),
                        "entered_at": at,
                    })
                    .to_string()
                    .into_bytes();
                    let mut again = null_mut();
                    let s2 = checked(eng_stage_transitions_of_history_json(
                        p(&doc).0,
                        doc.len(),
                        &mut again,
                        null_mut(),
                    ));
                    assert_eq!(json_out(s2, again), (s, fp.clone()), "a history document");
                }
                let text = i.text();
                let mut other = null_mut();
                let s3 = checked(eng_stage_transitions_of_history_json(
                    p(&text).0,
                    text.len(),
                    &mut other,
                    null_mut(),
                ));
                let (_, fp3) = json_out(s3, other);
                (s, [fp, vec![s3 as u8], fp3].concat())
            }
            21..=23 => {
                let n = i.len();
                let (c, t, ch, k) = (i.ids(n), i.times(n), i.codes(n, 11), i.codes(n, 16));
                let funnel = i.text();
                let s = match which % 40 {
                    21 => {
                        let g = i.len();
                        let (gc, labels) = (i.ids(g), i.text());
                        let gg: Vec<u32> = (0..g).map(|_| u32::from(i.u8() % 3)).collect();
                        eng_funnel_by_group_json(
                            &engagement::eng_touchpoints {
                                len: n,
                                customer: c.as_ptr(),
                                time: t.as_ptr(),
                                channel: ch.as_ptr(),
                                kind: k.as_ptr(),
                                ..Default::default()
                            },
                            p(&funnel).0,
                            funnel.len(),
                            gc.as_ptr(),
                            gg.as_ptr(),
                            g,
                            p(&labels).0,
                            labels.len(),
                            &mut out,
                            null_mut(),
                        )
                    }
                    22 => {
                        let by = i.text();
                        eng_funnel_by_first_touch_json(
                            &engagement::eng_touchpoints {
                                len: n,
                                customer: c.as_ptr(),
                                time: t.as_ptr(),
                                channel: ch.as_ptr(),
                                kind: k.as_ptr(),
                                ..Default::default()
                            },
                            p(&funnel).0,
                            funnel.len(),
                            p(&by).0,
                            by.len(),
                            &mut out,
                            null_mut(),
                        )
                    }
                    _ => {
                        let campaign = i.ids(n);
                        let m = i.len();
                        let (sc, st, sa) = (i.ids(m), i.codes(m, 8), i.times(m));
                        eng_funnel_with_json(
                            &engagement::eng_touchpoints {
                                len: n,
                                customer: c.as_ptr(),
                                time: t.as_ptr(),
                                channel: ch.as_ptr(),
                                kind: k.as_ptr(),
                                campaign: campaign.as_ptr(),
                                ..Default::default()
                            },
                            sc.as_ptr(),
                            st.as_ptr(),
                            sa.as_ptr(),
                            m,
                            p(&funnel).0,
                            funnel.len(),
                            &mut out,
                            null_mut(),
                        )
                    }
                };
                json_out(checked(s), out)
            }
            24 => {
                let (n, c, t, ch, k, v) = i.touchpoints();
                let m = i.len();
                let (rc, rt, rp) = (
                    i.ids(m),
                    i.times(m),
                    (0..m).map(|_| i.count()).collect::<Vec<_>>(),
                );
                let (as_of, cfg) = (i.time(), i.text());
                let s = checked(eng_loyalty_json(
                    &engagement::eng_touchpoints {
                        len: n,
                        customer: c.as_ptr(),
                        time: t.as_ptr(),
                        channel: ch.as_ptr(),
                        kind: k.as_ptr(),
                        value: v.as_ptr(),
                        ..Default::default()
                    },
                    rc.as_ptr(),
                    rt.as_ptr(),
                    rp.as_ptr(),
                    m,
                    as_of,
                    p(&cfg).0,
                    cfg.len(),
                    &mut out,
                    null_mut(),
                ));
                json_out(s, out)
            }
            25 => {
                let n = i.len();
                let (c, st, table, membership, accounts) =
                    (i.ids(n), i.codes(n, 8), i.text(), i.text(), i.text());
                let s = checked(eng_next_best_actions_json(
                    c.as_ptr(),
                    st.as_ptr(),
                    n,
                    p(&table).0,
                    table.len(),
                    p(&membership).0,
                    membership.len(),
                    p(&accounts).0,
                    accounts.len(),
                    &mut out,
                    null_mut(),
                ));
                json_out(s, out)
            }
            26 => {
                let n = i.len();
                let (ratings, level) = (i.f32s(n), i.real());
                let mut r: eng_nps_summary = std::mem::zeroed();
                let s = checked(eng_nps(ratings.as_ptr(), n, level, &mut r));
                if s == eng_status::Ok {
                    nps_summary(&r);
                }
                let mut c: eng_proportion = std::mem::zeroed();
                let s2 = checked(eng_csat(ratings.as_ptr(), n, level, &mut c));
                if s2 == eng_status::Ok {
                    proportion(&c);
                }
                (s, [bits(&r), bits(&c)].concat())
            }
            27 => {
                let (a, b, c, level) = (i.count(), i.count(), i.count(), i.real());
                let mut w: eng_proportion = std::mem::zeroed();
                let s = checked(eng_wilson(a, b, level, &mut w));
                if s == eng_status::Ok {
                    proportion(&w);
                }
                let mut n: eng_nps_summary = std::mem::zeroed();
                if checked(eng_nps_counts(a, b, c, level, &mut n)) == eng_status::Ok {
                    nps_summary(&n);
                }
                let mut r: eng_churn_summary = std::mem::zeroed();
                if checked(eng_retention_rate(a, b, c, level, &mut r)) == eng_status::Ok {
                    proportion(&r.churn);
                    assert_eq!(
                        u128::from(r.at_end) + u128::from(r.lost),
                        u128::from(r.at_start) + u128::from(r.new_customers)
                    );
                }
                (s, [bits(&w), bits(&n), bits(&r)].concat())
            }
            28 => {
                let json = i.text();
                let mut clv = 0.0;
                let s = checked(eng_simple_clv(p(&json).0, json.len(), &mut clv));
                let (mut a, mut b) = (0.0, 0.0);
                let s2 = checked(eng_retention_clv(i.real(), i.real(), i.real(), &mut a));
                let s3 = checked(eng_ltv_to_cac(i.real(), i.real(), &mut b));
                for (st, x) in [(s, clv), (s2, a), (s3, b)] {
                    if st == eng_status::Ok {
                        assert!(x.is_finite(), "{x}");
                    }
                }
                (s, f64_bits(&[clv, a, b]))
            }
            29 => {
                let n = i.len();
                let v = i.reals(n);
                let mut o = vec![0.0; n];
                let s = checked(eng_percentile_ranks(v.as_ptr(), n, o.as_mut_ptr()));
                if s == eng_status::Ok {
                    assert!(
                        o.iter().all(|x| (0.0..=100.0).contains(x)),
                        "percentile ranks {o:?}"
                    );
                }
                (s, f64_bits(&o))
            }
            30 => {
                // Partials: build, JSON round trip, attribute, store.
                let spec = [
                    r#"{"kind": "paths", "lookback": 2592000}"#,
                    r#"{"kind": "profiles"}"#,
                    r#"{"kind": "metrics"}"#,
                ][usize::from(i.u8() % 3)];
                let (n, c, t, ch, k, v) = i.touchpoints();
                let mut part = null_mut();
                let s = checked(eng_partial_new(
                    spec.as_ptr().cast(),
                    spec.len(),
                    &engagement::eng_touchpoints {
                        len: n,
                        customer: c.as_ptr(),
                        time: t.as_ptr(),
                        channel: ch.as_ptr(),
                        kind: k.as_ptr(),
                        value: v.as_ptr(),
                        ..Default::default()
                    },
                    &mut part,
                ));
                let mut fingerprint = vec![];
                if s == eng_status::Ok {
                    assert_eq!(
                        eng_partial_to_json(part, &mut out, null_mut()),
                        eng_status::Ok
                    );
                    fingerprint.extend(take_json(out).to_string().into_bytes());
                    let rule = i.text();
                    let s2 = checked(eng_partial_attribute_json(
                        part,
                        p(&rule).0,
                        rule.len(),
                        &mut out,
                        null_mut(),
                    ));
                    fingerprint.extend(json_out(s2, out).1);
                    let cfg = i.text();
                    let mut st = null_mut();
                    let s3 = checked(eng_profile_store_from_partial(
                        part,
                        p(&cfg).0,
                        cfg.len(),
                        &mut st,
                    ));
                    fingerprint.push(s3 as u8);
                    eng_profile_store_free(st);
                }
                eng_partial_free(part);
                (s, fingerprint)
            }
            31..=35 => {
                // A store from fuzzed touchpoints, then one of its readers.
                let st = store(&mut i);
                let mut len = 0usize;
                assert_eq!(eng_profile_store_len(st, &mut len), eng_status::Ok);
                let cap = usize::from(i.u8() % 8);
                let (as_of, cfg) = (i.time(), i.text());
                let mut ids = vec![0u64; cap];
                let outcome = match which % 40 {
                    31 => {
                        let mut stage = vec![0u8; cap];
                        let mut n = 0;
                        let s = checked(eng_profile_store_stages(
                            st,
                            as_of,
                            p(&cfg).0,
                            cfg.len(),
                            ids.as_mut_ptr(),
                            stage.as_mut_ptr(),
                            cap,
                            &mut n,
                        ));
                        if s == eng_status::Ok {
                            assert_eq!(n, len);
                            assert!(stage[..n].iter().all(|&x| !eng_stage_label(x).is_null()));
                        }
                        (
                            s,
                            [stage, ids.iter().flat_map(|x| x.to_le_bytes()).collect()].concat(),
                        )
                    }
                    32 => {
                        let mut n = 0;
                        let s = checked(eng_profile_store_customers(
                            st,
                            ids.as_mut_ptr(),
                            cap,
                            &mut n,
                        ));
                        if s == eng_status::Ok {
                            assert!(
                                ids[..n].windows(2).all(|w| w[0] < w[1]),
                                "customers in order"
                            );
                        }
                        let s2 = checked(eng_profile_store_profiles_json(st, &mut out, null_mut()));
                        let profiles = json_out(s2, out).1;
                        let s3 = checked(eng_profile_store_purchase_summary_json(
                            st,
                            &mut out,
                            null_mut(),
                        ));
                        let summary = json_out(s3, out).1;
                        let s4 = checked(eng_profile_store_profile_json(
                            st,
                            u64::from(i.u8() % 7),
                            &mut out,
                            null_mut(),
                        ));
                        let one = json_out(s4, out).1;
                        (s, [profiles, summary, one].concat())
                    }
                    33 => {
                        let level = i.real();
                        let mut n: eng_nps_summary = std::mem::zeroed();
                        let mut c: eng_proportion = std::mem::zeroed();
                        let mut r: eng_proportion = std::mem::zeroed();
                        let s = checked(eng_profile_store_nps(st, level, &mut n));
                        if s == eng_status::Ok {
                            nps_summary(&n);
                        }
                        if checked(eng_profile_store_csat(st, level, &mut c)) == eng_status::Ok {
                            proportion(&c);
                        }
                        if checked(eng_profile_store_repeat_rate(st, level, &mut r))
                            == eng_status::Ok
                        {
                            proportion(&r);
                        }
                        (s, [bits(&n), bits(&c), bits(&r)].concat())
                    }
                    34 => {
                        let (mut r, mut f, mut m, mut sc) = (
                            vec![0u8; cap],
                            vec![0u8; cap],
                            vec![0u8; cap],
                            vec![0u8; cap],
                        );
                        let (mut code, mut seg) = (vec![0u16; cap], vec![0u16; cap]);
                        let mut n = 0;
                        let s = checked(eng_profile_store_rfm(
                            st,
                            as_of,
                            p(&cfg).0,
                            cfg.len(),
                            ids.as_mut_ptr(),
                            r.as_mut_ptr(),
                            f.as_mut_ptr(),
                            m.as_mut_ptr(),
                            code.as_mut_ptr(),
                            sc.as_mut_ptr(),
                            seg.as_mut_ptr(),
                            cap,
                            &mut n,
                        ));
                        if s == eng_status::Ok {
                            for j in 0..n {
                                assert!(
                                    (1..=5).contains(&r[j])
                                        && (1..=5).contains(&f[j])
                                        && (1..=5).contains(&m[j])
                                );
                                assert_eq!(
                                    u16::from(r[j]) * 100 + u16::from(f[j]) * 10 + u16::from(m[j]),
                                    code[j]
                                );
                                assert_eq!(r[j] + f[j] + m[j], sc[j]);
                            }
                        }
                        (s, [r, f, m, sc].concat())
                    }
                    _ => {
                        // Segments, and a merge of the store into a fresh one and into itself.
                        let def = i.text();
                        let mut set = null_mut();
                        let s = checked(eng_segment_set_new(p(&def).0, def.len(), &mut set));
                        let mut fp = vec![s as u8];
                        if s == eng_status::Ok {
                            let mut k = 0;
                            assert_eq!(eng_segment_set_len(set, &mut k), eng_status::Ok);
                            assert_eq!(
                                eng_segment_set_names_json(set, &mut out, null_mut()),
                                eng_status::Ok
                            );
                            let names = take_json(out);
                            assert_eq!(names.as_array().map(Vec::len), Some(k));
                            let mut member = vec![0u8; cap * k];
                            let mut primary = vec![0i32; cap];
                            let mut n = 0;
                            let s2 = checked(eng_profile_store_segments(
                                st,
                                set,
                                as_of,
                                null(),
                                0,
                                null(),
                                0,
                                ids.as_mut_ptr(),
                                member.as_mut_ptr(),
                                primary.as_mut_ptr(),
                                cap,
                                &mut n,
                            ));
                            if s2 == eng_status::Ok {
                                assert!(
                                    primary[..n]
                                        .iter()
                                        .all(|&x| x >= -1 && (x as i64) < k as i64)
                                );
                                // The document form holds the same membership.
                                let mut doc = null_mut();
                                assert_eq!(
                                    checked(eng_profile_store_segments_json(
                                        st,
                                        set,
                                        as_of,
                                        null(),
                                        0,
                                        null(),
                                        0,
                                        &mut doc,
                                        null_mut(),
                                    )),
                                    eng_status::Ok
                                );
                                let doc = take_json(doc);
                                let firsts: Vec<i64> = doc["primary"]
                                    .as_array()
                                    .map(|a| a.iter().map(|x| x.as_i64().unwrap_or(-1)).collect())
                                    .unwrap_or_default();
                                let arrays: Vec<i64> =
                                    primary[..n].iter().map(|&x| i64::from(x)).collect();
                                assert_eq!(firsts, arrays, "segments as JSON and as arrays");
                            }
                            fp.extend(member);
                        }
                        eng_segment_set_free(set);
                        let mut fresh = null_mut();
                        assert_eq!(eng_profile_store_new(null(), 0, &mut fresh), eng_status::Ok);
                        assert_eq!(checked(eng_profile_store_merge(fresh, st)), eng_status::Ok);
                        let mut n2 = 0usize;
                        assert_eq!(eng_profile_store_len(fresh, &mut n2), eng_status::Ok);
                        assert_eq!(n2, len, "a merge into an empty store copies every customer");
                        assert_eq!(
                            checked(eng_profile_store_merge(st, st)),
                            eng_status::Incompatible
                        );
                        let customer = i.text();
                        let s3 = checked(eng_profile_store_add_customer_json(
                            fresh,
                            p(&customer).0,
                            customer.len(),
                        ));
                        fp.push(s3 as u8);
                        eng_profile_store_free(fresh);
                        (s, fp)
                    }
                };
                eng_profile_store_free(st);
                outcome
            }
            36 => {
                let n = i.len();
                let (d, o, level) = (i.reals(n), i.codes(n, 2), i.real());
                let s = checked(eng_kaplan_meier_json(
                    d.as_ptr(),
                    o.as_ptr(),
                    n,
                    level,
                    &mut out,
                    null_mut(),
                ));
                let km = json_out(s, out);
                if s == eng_status::Ok {
                    let v: serde_json::Value = serde_json::from_slice(&km.1).unwrap_or_default();
                    for x in v["survival"].as_array().into_iter().flatten() {
                        unit(x.as_f64().unwrap_or(-1.0), "survival");
                    }
                }
                let m = i.len();
                let (d2, o2) = (i.reals(m), i.codes(m, 2));
                let mut r: eng_logrank_result = std::mem::zeroed();
                let s2 = checked(eng_logrank_test(
                    d.as_ptr(),
                    o.as_ptr(),
                    n,
                    d2.as_ptr(),
                    o2.as_ptr(),
                    m,
                    &mut r,
                ));
                if s2 == eng_status::Ok {
                    unit(r.p_value, "log-rank p-value");
                }
                (s, [km.1, bits(&r)].concat())
            }
            37 => {
                let n = i.len();
                let (c, t, v) = (i.ids(n), i.times(n), i.reals(n));
                let (end, cfg) = (i.time(), i.text());
                let cap = usize::from(i.u8() % 8);
                let (mut ids, mut f, mut r, mut tt, mut m) = (
                    vec![0u64; cap],
                    vec![0.0f64; cap],
                    vec![0.0; cap],
                    vec![0.0; cap],
                    vec![0.0; cap],
                );
                let mut k = 0;
                let s = checked(eng_transaction_summary(
                    c.as_ptr(),
                    t.as_ptr(),
                    v.as_ptr(),
                    n,
                    end,
                    p(&cfg).0,
                    cfg.len(),
                    ids.as_mut_ptr(),
                    f.as_mut_ptr(),
                    r.as_mut_ptr(),
                    tt.as_mut_ptr(),
                    m.as_mut_ptr(),
                    cap,
                    &mut k,
                ));
                if s == eng_status::Ok {
                    for j in 0..k {
                        assert!(
                            r[j] >= 0.0
                                && r[j] <= tt[j]
                                && m[j] >= 0.0
                                && f[j] >= 0.0
                                && f[j].fract() == 0.0,
                            "summary row {j}"
                        );
                    }
                }
                let cal = i.time();
                let s2 = checked(eng_calibration_holdout_json(
                    c.as_ptr(),
                    t.as_ptr(),
                    v.as_ptr(),
                    n,
                    cal,
                    end,
                    p(&cfg).0,
                    cfg.len(),
                    &mut out,
                    null_mut(),
                ));
                let s2 = json_out(s2, out).1;
                // A fit on the same summary: any status, never a crash.
                let model: &[u8] = if i.u8() % 2 == 0 {
                    b"bg_nbd"
                } else {
                    b"gamma_gamma"
                };
                let mut fitted = null_mut();
                let s3 = checked(eng_clv_fit_summary_json(
                    model.as_ptr().cast(),
                    model.len(),
                    c.as_ptr(),
                    t.as_ptr(),
                    v.as_ptr(),
                    n,
                    end,
                    p(&cfg).0,
                    cfg.len(),
                    null(),
                    0,
                    &mut fitted,
                    null_mut(),
                ));
                let _ = json_out(s3, fitted);
                (s, [f64_bits(&r), f64_bits(&tt), s2].concat())
            }
            38 => {
                let n = i.len();
                let (c, t, v) = (i.ids(n), i.times(n), i.reals(n));
                let (as_of, cfg) = (i.time(), i.text());
                let cap = usize::from(i.u8() % 8);
                let (mut ids, mut r, mut f, mut m) = (
                    vec![0u64; cap],
                    vec![0.0; cap],
                    vec![0.0; cap],
                    vec![0.0; cap],
                );
                let mut k = 0;
                let s = checked(eng_rfm_values(
                    c.as_ptr(),
                    t.as_ptr(),
                    v.as_ptr(),
                    n,
                    as_of,
                    p(&cfg).0,
                    cfg.len(),
                    ids.as_mut_ptr(),
                    r.as_mut_ptr(),
                    f.as_mut_ptr(),
                    m.as_mut_ptr(),
                    cap,
                    &mut k,
                ));
                let s2 = checked(eng_cohorts_json(
                    c.as_ptr(),
                    t.as_ptr(),
                    v.as_ptr(),
                    n,
                    as_of,
                    p(&cfg).0,
                    cfg.len(),
                    &mut out,
                    null_mut(),
                ));
                let cohorts = json_out(s2, out).1;
                let s3 = checked(eng_rfm_segment_names_json(
                    p(&cfg).0,
                    cfg.len(),
                    &mut out,
                    null_mut(),
                ));
                (
                    s,
                    [
                        f64_bits(&r),
                        f64_bits(&f),
                        f64_bits(&m),
                        cohorts,
                        json_out(s3, out).1,
                    ]
                    .concat(),
                )
            }
            _ => {
                let n = i.len();
                let (c, r, f, m, cfg) = (i.ids(n), i.reals(n), i.reals(n), i.reals(n), i.text());
                let cap = usize::from(i.u8() % 14);
                let (mut sr, mut sf, mut sm, mut sc) = (
                    vec![0u8; cap],
                    vec![0u8; cap],
                    vec![0u8; cap],
                    vec![0u8; cap],
                );
                let (mut code, mut seg) = (vec![0u16; cap], vec![0u16; cap]);
                let mut k = 0;
                let s = checked(eng_rfm_scores(
                    c.as_ptr(),
                    r.as_ptr(),
                    f.as_ptr(),
                    m.as_ptr(),
                    n,
                    p(&cfg).0,
                    cfg.len(),
                    sr.as_mut_ptr(),
                    sf.as_mut_ptr(),
                    sm.as_mut_ptr(),
                    code.as_mut_ptr(),
                    sc.as_mut_ptr(),
                    seg.as_mut_ptr(),
                    cap,
                    &mut k,
                ));
                if s == eng_status::Ok {
                    assert_eq!(k, n);
                    assert!(
                        sr[..k]
                            .iter()
                            .chain(&sf[..k])
                            .chain(&sm[..k])
                            .all(|x| (1..=5).contains(x))
                    );
                }
                (s, [sr, sf, sm, sc].concat())
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // SAFETY: every pointer passed points to as many elements as its length says.
    let first = unsafe { call(data) };
    let again = unsafe { call(data) };
    assert_eq!(first.0, again.0, "the same input gave another status");
    assert!(first.1 == again.1, "the same input gave another result");
});
