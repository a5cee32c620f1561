//! Touchpoint columns with arbitrary values (any time, code, money, rating bits) pushed into a
//! profile store that already holds good data, as a CRM would: documented statuses; a failed push
//! leaves the store exactly as it was; scores stay within 0–100; funnels and transitions over the
//! same columns answer with a documented status too.
#![no_main]

use std::ffi::c_char;
use std::ptr::null_mut;

use engagement::profile_store::*;
use engagement::status::eng_status;
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

struct Columns {
    customer: Vec<u64>,
    time: Vec<i64>,
    channel: Vec<u8>,
    kind: Vec<u8>,
    value: Vec<f64>,
    rating: Vec<f32>,
    scale: Vec<u8>,
}

fn columns(data: &[u8]) -> Columns {
    let mut b = Bytes(data);
    let mut c = Columns {
        customer: vec![],
        time: vec![],
        channel: vec![],
        kind: vec![],
        value: vec![],
        rating: vec![],
        scale: vec![],
    };
    while !b.is_empty() && c.customer.len() < 256 {
        let flags = b.u8();
        c.customer.push(u64::from(b.u8() % 8));
        // Mostly plausible times, sometimes any 64 bits.
        c.time.push(if flags & 1 == 0 {
            1_700_000_000 + i64::from(b.u8()) * 3_600
        } else {
            b.u64() as i64
        });
        c.channel
            .push(if flags & 2 == 0 { b.u8() % 12 } else { b.u8() });
        c.kind
            .push(if flags & 4 == 0 { b.u8() % 17 } else { b.u8() });
        c.value.push(if flags & 8 == 0 {
            f64::from(b.u8())
        } else {
            f64::from_bits(b.u64())
        });
        c.rating.push(if flags & 16 == 0 {
            f32::NAN
        } else {
            f32::from(b.u8() % 12)
        });
        c.scale.push(b.u8() % 4);
    }
    c
}

/// The store's scores at `as_of` as JSON-comparable numbers (None when the call fails).
fn scores(store: *mut eng_profile_store, as_of: i64) -> Option<Vec<u64>> {
    let mut n = 0usize;
    // SAFETY: a live store; out_len writable.
    checked(unsafe { eng_profile_store_len(store, &mut n) });
    let (mut ids, mut total) = (vec![0u64; n], vec![0f64; n]);
    let mut got = 0usize;
    // SAFETY: buffers of n elements.
    let s = checked(unsafe {
        eng_profile_store_scores(
            store,
            as_of,
            ids.as_mut_ptr(),
            total.as_mut_ptr(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            n,
            &mut got,
        )
    });
    if s != eng_status::Ok {
        return None;
    }
    assert!(
        total.iter().all(|t| (0.0..=100.0).contains(t)),
        "score outside 0-100: {total:?}"
    );
    Some(
        ids.into_iter()
            .chain(total.iter().map(|t| t.to_bits()))
            .collect(),
    )
}

fuzz_target!(|data: &[u8]| {
    let c = columns(data);
    let n = c.customer.len();
    let mut store = null_mut();
    // SAFETY: NULL config = defaults; out pointer writable.
    checked(unsafe { eng_profile_store_new(std::ptr::null(), 0, &mut store) });
    let good = (
        vec![1u64, 2],
        vec![1_700_000_000i64, 1_700_003_600],
        vec![1u8, 0],
        vec![4u8, 2],
        vec![30.0f64, 0.0],
    );
    // SAFETY: five columns of two rows; no ratings.
    let s = unsafe {
        eng_profile_store_push(
            store,
            &engagement::eng_touchpoints {
                len: 2,
                customer: good.0.as_ptr(),
                time: good.1.as_ptr(),
                channel: good.2.as_ptr(),
                kind: good.3.as_ptr(),
                value: good.4.as_ptr(),
                ..Default::default()
            },
        )
    };
    assert_eq!(checked(s), eng_status::Ok);
    let as_of = 4_000_000_000;
    let before = scores(store, as_of);
    // SAFETY: every column holds n rows.
    let s = checked(unsafe {
        eng_profile_store_push(
            store,
            &engagement::eng_touchpoints {
                len: n,
                customer: c.customer.as_ptr(),
                time: c.time.as_ptr(),
                channel: c.channel.as_ptr(),
                kind: c.kind.as_ptr(),
                value: c.value.as_ptr(),
                rating: c.rating.as_ptr(),
                rating_scale: c.scale.as_ptr(),
                ..Default::default()
            },
        )
    });
    let after = scores(store, as_of);
    if s != eng_status::Ok {
        assert_eq!(before, after, "a failed push changed the store");
    }
    // SAFETY: the store is live and freed once.
    unsafe { eng_profile_store_free(store) };

    // The same columns through the stateless journey entry points.
    let funnel = br#"{"steps": [{"name": "a", "kinds": ["open"]}, {"name": "b", "kinds": ["purchase"]}], "order": "strict"}"#;
    let mut out: *mut c_char = null_mut();
    // SAFETY: n rows in each column; the definition is its own length.
    let s = checked(unsafe {
        engagement::journey::eng_funnel_json(
            &engagement::eng_touchpoints {
                len: n,
                customer: c.customer.as_ptr(),
                time: c.time.as_ptr(),
                channel: c.channel.as_ptr(),
                kind: c.kind.as_ptr(),
                ..Default::default()
            },
            funnel.as_ptr().cast(),
            funnel.len(),
            &mut out,
            null_mut(),
        )
    });
    if s == eng_status::Ok {
        let r = take_json(out);
        let counts: Vec<u64> = r["customers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_u64())
            .collect();
        assert!(
            counts.windows(2).all(|w| w[1] <= w[0]),
            "funnel counts increase: {counts:?}"
        );
    }
    let mut out: *mut c_char = null_mut();
    // SAFETY: as above; NULL config = defaults.
    let s = checked(unsafe {
        engagement::journey::eng_journey_sequences_json(
            &engagement::eng_touchpoints {
                len: n,
                customer: c.customer.as_ptr(),
                time: c.time.as_ptr(),
                channel: c.channel.as_ptr(),
                kind: c.kind.as_ptr(),
                ..Default::default()
            },
            std::ptr::null(),
            0,
            &mut out,
            null_mut(),
        )
    });
    if s == eng_status::Ok {
        take_json(out);
    }
});
