//! Lifetime-value predictions from the C ABI with arbitrary parameters and histories (any f64 bits,
//! mostly near plausible values): documented statuses, and every value returned within its range
//! (probabilities in [0, 1], expectations finite and ≥ 0).
#![no_main]

use std::ptr::null_mut;

use engagement::clv::*;
use engagement::clv_model::*;
use engagement::status::eng_status;
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

/// A float: mostly a small plausible number, sometimes any bits.
fn float(b: &mut Bytes<'_>) -> f64 {
    match b.u8() % 8 {
        0 => f64::from_bits(b.u64()),
        1 => 0.0,
        n => f64::from(b.u8()) / f64::from(n) + f64::from(b.u8() % 4) * 10.0,
    }
}

fn probabilities(v: &[f64], what: &str) {
    assert!(
        v.iter().all(|p| (0.0..=1.0).contains(p)),
        "{what} outside [0, 1]: {v:?}"
    );
}

fn expectations(v: &[f64], what: &str) {
    assert!(
        v.iter().all(|e| e.is_finite() && *e >= 0.0),
        "{what} not finite and >= 0: {v:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let names = [
        ("bg_nbd", ["r", "alpha", "a", "b"]),
        ("mbg_nbd", ["r", "alpha", "a", "b"]),
        ("pareto_nbd", ["r", "alpha", "s", "beta"]),
        ("bg_bb", ["alpha", "beta", "gamma", "delta"]),
    ];
    let (name, params) = names[usize::from(b.u8() % 4)];
    let mut model = serde_json::Map::new();
    model.insert("model".into(), name.into());
    for p in params {
        // serde_json has no NaN or infinity: those become null (rejected as JSON, also fine).
        model.insert(
            p.into(),
            serde_json::Number::from_f64(float(&mut b)).map_or(serde_json::Value::Null, Into::into),
        );
    }
    let model = serde_json::Value::Object(model).to_string();
    let (m, ml) = (model.as_ptr().cast(), model.len());
    let n = usize::from(b.u8() % 6);
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for _ in 0..n {
        // Whole-number frequencies mostly (BG/BB needs them), histories mostly consistent.
        x.push(if b.u8() % 4 == 0 {
            float(&mut b)
        } else {
            f64::from(b.u8() % 20)
        });
        tx.push(float(&mut b));
        t.push(float(&mut b));
    }
    let horizon = float(&mut b);
    let mut out = vec![0.0; n];
    // The same model as a handle: read once, the same predictions and statuses as the JSON calls.
    // SAFETY: every column and `out` hold n values; the model string is its own length; handles
    // freed once.
    unsafe {
        let mut handle = null_mut();
        let read = checked(eng_clv_model_from_json(m, ml, &mut handle));
        let mut by_json = vec![0.0; n];
        let js = checked(eng_clv_p_alive(
            m,
            ml,
            x.as_ptr(),
            tx.as_ptr(),
            t.as_ptr(),
            n,
            by_json.as_mut_ptr(),
        ));
        if read == eng_status::Ok {
            let hs = checked(eng_clv_model_p_alive(
                handle,
                x.as_ptr(),
                tx.as_ptr(),
                t.as_ptr(),
                n,
                out.as_mut_ptr(),
            ));
            assert_eq!(hs, js, "handle and JSON statuses differ ({model})");
            if hs == eng_status::Ok {
                assert_eq!(
                    out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    by_json.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "P(alive) differs"
                );
            }
            let _ = checked(eng_clv_model_expected_purchases(
                handle,
                horizon,
                x.as_ptr(),
                tx.as_ptr(),
                t.as_ptr(),
                n,
                out.as_mut_ptr(),
            ));
            let _ = checked(eng_clv_model_expected_spend(
                handle,
                x.as_ptr(),
                tx.as_ptr(),
                n,
                out.as_mut_ptr(),
            ));
            let _ = checked(eng_clv_model_discounted_value(
                handle,
                x.as_ptr(),
                tx.as_ptr(),
                t.as_ptr(),
                t.as_ptr(),
                n,
                std::ptr::null(),
                0,
                out.as_mut_ptr(),
            ));
            let mut json = null_mut();
            assert_eq!(
                checked(eng_clv_model_to_json(handle, &mut json, null_mut())),
                eng_status::Ok
            );
            let _ = take_json(json);
        } else {
            assert!(handle.is_null(), "a refused model wrote a handle");
        }
        eng_clv_model_free(handle);
        if n > 1 && b.u8() % 4 == 0 {
            let mut fitted = null_mut();
            let kind = if b.u8() % 2 == 0 {
                "bg_nbd"
            } else {
                "gamma_gamma"
            };
            if checked(eng_clv_model_fit(
                kind.as_ptr().cast(),
                kind.len(),
                x.as_ptr(),
                tx.as_ptr(),
                t.as_ptr(),
                tx.as_ptr(),
                std::ptr::null(),
                n,
                std::ptr::null(),
                0,
                &mut fitted,
            )) == eng_status::Ok
            {
                let mut json = null_mut();
                assert_eq!(
                    checked(eng_clv_model_to_json(fitted, &mut json, null_mut())),
                    eng_status::Ok
                );
                let _ = take_json(json);
            }
            eng_clv_model_free(fitted);
        }
    }
    // SAFETY: every column and `out` hold n values; the model string is its own length.
    unsafe {
        if checked(eng_clv_p_alive(
            m,
            ml,
            x.as_ptr(),
            tx.as_ptr(),
            t.as_ptr(),
            n,
            out.as_mut_ptr(),
        )) == eng_status::Ok
        {
            probabilities(&out, &format!("P(alive) ({model}, {x:?}, {tx:?}, {t:?})"));
        }
        if checked(eng_clv_conditional_expected_purchases(
            m,
            ml,
            horizon,
            x.as_ptr(),
            tx.as_ptr(),
            t.as_ptr(),
            n,
            out.as_mut_ptr(),
        )) == eng_status::Ok
        {
            expectations(
                &out,
                &format!(
                    "conditional expected purchases ({model}, {horizon}, {x:?}, {tx:?}, {t:?})"
                ),
            );
        }
        if checked(eng_clv_probability_of_purchases(
            m,
            ml,
            t.as_ptr(),
            x.as_ptr(),
            n,
            out.as_mut_ptr(),
        )) == eng_status::Ok
        {
            probabilities(
                &out,
                &format!("P(x purchases) ({model}, t = {t:?}, x = {x:?})"),
            );
        }
        if checked(eng_clv_expected_purchases_new(
            m,
            ml,
            t.as_ptr(),
            n,
            out.as_mut_ptr(),
        )) == eng_status::Ok
        {
            expectations(
                &out,
                &format!("expected purchases of a new customer ({model}, t = {t:?})"),
            );
        }
        let mut json = null_mut();
        if checked(eng_clv_period_transactions_json(
            m,
            ml,
            x.as_ptr(),
            tx.as_ptr(),
            t.as_ptr(),
            std::ptr::null(),
            n,
            u32::from(b.u8() % 12),
            &mut json,
            null_mut(),
        )) == eng_status::Ok
        {
            let table = take_json(json);
            let p = table["p_value"].as_f64().unwrap_or(f64::NAN);
            assert!((0.0..=1.0).contains(&p), "p-value {p}");
        }
        // Parameter intervals with the recencies as parameters and the ages as standard
        // errors: when given, positive bounds around each parameter.
        let level = f64::from(b.u8()) / 255.0;
        let (mut low, mut high) = (vec![0.0; n], vec![0.0; n]);
        if checked(eng_clv_parameter_intervals(
            tx.as_ptr(),
            t.as_ptr(),
            n,
            level,
            low.as_mut_ptr(),
            high.as_mut_ptr(),
        )) == eng_status::Ok
        {
            for i in 0..n {
                assert!(
                    low[i] >= 0.0 && low[i] <= tx[i] && tx[i] <= high[i],
                    "interval [{}, {}] of {} (se {}, level {level})",
                    low[i],
                    high[i],
                    tx[i],
                    t[i]
                );
            }
        }
    }
});
