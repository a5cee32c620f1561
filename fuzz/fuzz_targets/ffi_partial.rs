//! Partial results through the C ABI, as a distributed job would receive them: arbitrary bytes
//! and arbitrary JSON as a partial, and valid partials with bytes flipped or cut. Checks: documented
//! statuses with a message; anything accepted re-encodes to a form that decodes to the same
//! partial (a fixed point after one round), finishes with OK, EMPTY_INPUT or (a metrics partial
//! with more conversion successes than trials) INVALID_INPUT, valid JSON when OK, and
//! merges with a copy of itself; a refused merge changes nothing.
#![no_main]

use std::ffi::c_char;
use std::ptr::null_mut;

use engagement::partial::{
    eng_partial, eng_partial_free, eng_partial_from_bytes, eng_partial_from_json,
    eng_partial_merge, eng_partial_new, eng_partial_result_json, eng_partial_to_bytes,
};
use engagement::status::eng_status;
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

const CUSTOMER: [u64; 7] = [1, 1, 1, 2, 2, 3, 3];
const TIME: [i64; 7] = [0, 3_600, 90_000, 0, 50, 7, 8];
const CHANNEL: [u8; 7] = [0, 1, 1, 7, 1, 0, 2];
const KIND: [u8; 7] = [1, 2, 4, 0, 4, 11, 4];
const VALUE: [f64; 7] = [0.0, 0.0, 25.5, 0.0, 9.99, 0.0, 1.0];
const RATING: [f32; 7] = [
    f32::NAN,
    f32::NAN,
    f32::NAN,
    f32::NAN,
    f32::NAN,
    9.0,
    f32::NAN,
];
const SCALE: [u8; 7] = [0; 7];
const SPECS: [&str; 6] = [
    r#"{"kind": "profiles"}"#,
    r#"{"kind": "metrics", "conversion": {"trials": ["open"], "successes": ["click"]}}"#,
    r#"{"kind": "funnel", "funnel": {"steps": [{"name": "o", "kinds": ["open"]}, {"name": "b", "kinds": ["purchase"]}]}}"#,
    r#"{"kind": "sequences"}"#,
    r#"{"kind": "cohorts", "as_of": 100000, "config": {"period": "day", "max_periods": 3}}"#,
    r#"{"kind": "paths", "lookback": 86400}"#,
];

/// An experiment partial: its assignment travels in the spec and bytes.
const EXPERIMENT: &str = r#"{"kind": "experiment", "arms": ["a", "b"],
    "assignment": {"customer": [1, 2, 3, 4], "arm": ["a", "b", "a", "b"], "exposed_at": [0, 0, 50000, 90000]},
    "spec": {"as_of": 100000, "metrics": [
        {"name": "bought", "measure": {"type": "conversion", "match": {"kinds": ["purchase"]}}, "window": 86400},
        {"name": "per_session", "measure": {"type": "ratio", "numerator": {"type": "value"},
         "denominator": {"type": "sessions", "gap": 600}}, "pre_period": 3600}]}}"#;

fn encode(p: *const eng_partial) -> Vec<u8> {
    let mut len = 0usize;
    // SAFETY: a live partial; a NULL buffer of capacity 0 asks the size.
    let s = unsafe { eng_partial_to_bytes(p, null_mut(), 0, &mut len) };
    let mut buf = vec![0u8; len];
    if s == eng_status::BufferTooSmall {
        // SAFETY: `buf` holds `len` bytes.
        assert_eq!(
            checked(unsafe { eng_partial_to_bytes(p, buf.as_mut_ptr(), len, &mut len) }),
            eng_status::Ok
        );
    } else {
        assert_eq!(checked(s), eng_status::Ok, "to_bytes");
    }
    buf
}

fn decode(bytes: &[u8]) -> Option<*mut eng_partial> {
    let mut p = null_mut();
    // SAFETY: `bytes` holds its length; `p` is writable.
    let s = checked(unsafe { eng_partial_from_bytes(bytes.as_ptr(), bytes.len(), &mut p) });
    assert!(
        matches!(s, eng_status::Ok | eng_status::Corrupt),
        "from_bytes gave {s:?}"
    );
    (s == eng_status::Ok).then_some(p)
}

fn result(p: *const eng_partial) -> Option<serde_json::Value> {
    let mut out: *mut c_char = null_mut();
    // SAFETY: a live partial; `out` writable.
    let s = checked(unsafe { eng_partial_result_json(p, &mut out, null_mut()) });
    assert!(
        matches!(
            s,
            eng_status::Ok | eng_status::EmptyInput | eng_status::InvalidInput
        ),
        "result gave {s:?}"
    );
    (s == eng_status::Ok).then(|| take_json(out))
}

/// The invariants of an accepted partial (freed here).
fn accepted(p: *mut eng_partial) {
    let once = encode(p);
    let q = decode(&once).expect("the library's own encoding decodes");
    assert_eq!(encode(q), once, "encoding is a fixed point after one round");
    assert_eq!(result(p), result(q), "the same partial finishes alike");
    // A copy merges (but an experiment's, whose customers would then be in two
    // parts); the merged partial still encodes, decodes and finishes.
    // (The binary form carries the spec's JSON.)
    let experiment = once.windows(12).any(|w| w == b"\"experiment\"");
    // SAFETY: both live and distinct.
    let merged = checked(unsafe { eng_partial_merge(q, p) });
    if experiment {
        assert!(
            matches!(merged, eng_status::Ok | eng_status::Incompatible),
            "merge gave {merged:?}"
        );
    } else {
        assert_eq!(merged, eng_status::Ok);
    }
    let merged = encode(q);
    let r = decode(&merged).expect("a merged partial decodes");
    let _ = result(r);
    // SAFETY: live partials, freed once.
    unsafe {
        eng_partial_free(p);
        eng_partial_free(q);
        eng_partial_free(r);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    match input.u8() % 3 {
        0 => {
            if let Some(p) = decode(input.0) {
                accepted(p);
            }
        }
        1 => {
            let mut p = null_mut();
            // SAFETY: the text holds its length.
            let s = checked(unsafe {
                eng_partial_from_json(input.0.as_ptr().cast(), input.0.len(), &mut p)
            });
            if s == eng_status::Ok {
                accepted(p);
            }
        }
        _ => {
            // A valid partial of a random kind and part of the rows, then flipped or cut bytes.
            let pick = usize::from(input.u8());
            let spec = if pick >= 250 {
                EXPERIMENT
            } else {
                SPECS[pick % SPECS.len()]
            };
            let rows = usize::from(input.u8()) % (CUSTOMER.len() + 1);
            let mut p = null_mut();
            // SAFETY: every column holds at least `rows` elements.
            let s = checked(unsafe {
                eng_partial_new(
                    spec.as_ptr().cast(),
                    spec.len(),
                    &engagement::eng_touchpoints {
                        len: rows,
                        customer: CUSTOMER.as_ptr(),
                        time: TIME.as_ptr(),
                        channel: CHANNEL.as_ptr(),
                        kind: KIND.as_ptr(),
                        value: VALUE.as_ptr(),
                        rating: RATING.as_ptr(),
                        rating_scale: SCALE.as_ptr(),
                        ..Default::default()
                    },
                    &mut p,
                )
            });
            assert_eq!(s, eng_status::Ok, "{spec}");
            let mut bytes = encode(p);
            let before = result(p);
            while !input.is_empty() && !bytes.is_empty() {
                let at = (input.u64() % bytes.len() as u64) as usize;
                match input.u8() {
                    0 => bytes.truncate(at),
                    b => bytes[at] ^= b,
                }
            }
            if let Some(q) = decode(&bytes) {
                accepted(q);
            }
            // A partial of another spec is refused and leaves `p` as it was.
            let other =
                SPECS[(SPECS.iter().position(|s| *s == spec).unwrap_or(0) + 1) % SPECS.len()];
            let mut o = null_mut();
            // SAFETY: no rows.
            let s = checked(unsafe {
                eng_partial_new(
                    other.as_ptr().cast(),
                    other.len(),
                    &engagement::eng_touchpoints {
                        len: 0,
                        ..Default::default()
                    },
                    &mut o,
                )
            });
            assert_eq!(s, eng_status::Ok);
            // SAFETY: live and distinct.
            assert_eq!(
                checked(unsafe { eng_partial_merge(p, o) }),
                eng_status::Incompatible
            );
            assert_eq!(result(p), before, "a refused merge changes nothing");
            // SAFETY: live partials, freed once.
            unsafe {
                eng_partial_free(p);
                eng_partial_free(o);
            }
        }
    }
});
