//! Every entry point that takes JSON (configurations, definitions, models, path tables), with
//! arbitrary bytes as that JSON: documented statuses, a message on failure, valid JSON out, and the
//! same answer for the same input.
#![no_main]

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use engagement::status::eng_status;
use engagement_fuzz::{checked, take_json};
use libfuzzer_sys::fuzz_target;

const CUSTOMER: [u64; 6] = [1, 1, 1, 2, 2, 3];
const TIME: [i64; 6] = [0, 3_600, 90_000, 0, 50, 7];
const CHANNEL: [u8; 6] = [0, 1, 1, 7, 1, 0];
const KIND: [u8; 6] = [1, 3, 4, 0, 4, 2];
const FREQUENCY: [f64; 3] = [0.0, 2.0, 5.0];
const RECENCY: [f64; 3] = [0.0, 20.0, 30.0];
const AGE: [f64; 3] = [39.0, 39.0, 35.0];

/// Calls entry point `which` with `text` as its JSON; returns the status and any JSON result.
fn call(which: u8, text: &[u8]) -> (eng_status, Option<serde_json::Value>) {
    let (p, n) = (text.as_ptr().cast::<c_char>(), text.len());
    let mut out: *mut c_char = null_mut();
    // SAFETY: every pointer below points to as many elements as its length says.
    let status = unsafe {
        match which % 9 {
            0 => {
                let mut store = null_mut();
                let s = engagement::profile_store::eng_profile_store_new(p, n, &mut store);
                engagement::profile_store::eng_profile_store_free(store);
                s
            }
            1 => {
                let mut set = null_mut();
                let s = engagement::segments::eng_segment_set_new(p, n, &mut set);
                engagement::segments::eng_segment_set_free(set);
                s
            }
            2 => {
                let mut t = null_mut();
                let s = engagement::triggers::eng_triggers_new(p, n, &mut t);
                engagement::triggers::eng_triggers_free(t);
                s
            }
            3 => engagement::journey::eng_funnel_json(
                &engagement::eng_touchpoints {
                    len: 6,
                    customer: CUSTOMER.as_ptr(),
                    time: TIME.as_ptr(),
                    channel: CHANNEL.as_ptr(),
                    kind: KIND.as_ptr(),
                    ..Default::default()
                },
                p,
                n,
                &mut out,
                null_mut(),
            ),
            4 => {
                let rule = br#"{"rule": "linear"}"#;
                engagement::attribution::eng_attribute_json(
                    p,
                    n,
                    rule.as_ptr().cast(),
                    rule.len(),
                    &mut out,
                    null_mut(),
                )
            }
            5 => {
                let mut values = [0.0f64; 3];
                let s = engagement::clv::eng_clv_p_alive(
                    p,
                    n,
                    FREQUENCY.as_ptr(),
                    RECENCY.as_ptr(),
                    AGE.as_ptr(),
                    3,
                    values.as_mut_ptr(),
                );
                if s == eng_status::Ok {
                    assert!(
                        values.iter().all(|v| (0.0..=1.0).contains(v)),
                        "P(alive) {values:?}"
                    );
                }
                s
            }
            6 => engagement::journey::eng_journey_sequences_json(
                &engagement::eng_touchpoints {
                    len: 6,
                    customer: CUSTOMER.as_ptr(),
                    time: TIME.as_ptr(),
                    channel: CHANNEL.as_ptr(),
                    kind: KIND.as_ptr(),
                    ..Default::default()
                },
                p,
                n,
                &mut out,
                null_mut(),
            ),
            7 => engagement::clv::eng_clv_period_transactions_json(
                p,
                n,
                FREQUENCY.as_ptr(),
                RECENCY.as_ptr(),
                AGE.as_ptr(),
                null(),
                3,
                5,
                &mut out,
                null_mut(),
            ),
            _ => {
                let model = b"bg_nbd";
                engagement::clv::eng_clv_fit_json(
                    model.as_ptr().cast(),
                    model.len(),
                    FREQUENCY.as_ptr(),
                    RECENCY.as_ptr(),
                    AGE.as_ptr(),
                    null(),
                    null(),
                    3,
                    p,
                    n,
                    &mut out,
                    null_mut(),
                )
            }
        }
    };
    let status = checked(status);
    let json = (status == eng_status::Ok && !out.is_null()).then(|| take_json(out));
    (status, json)
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, text)) = data.split_first() else {
        return;
    };
    let first = call(which, text);
    if let Some(v) = &first.1 {
        // Attribution credits sum to the conversions of the table.
        if which % 9 == 4 {
            let credited: f64 = v["conversions"]
                .as_array()
                .map_or(0.0, |a| a.iter().filter_map(|x| x.as_f64()).sum());
            assert!(credited.is_finite() && credited >= 0.0);
        }
    }
    let again = call(which, text);
    assert_eq!(first.0, again.0, "the same input gave another status");
    assert_eq!(first.1, again.1, "the same input gave another result");
});
