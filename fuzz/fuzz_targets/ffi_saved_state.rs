//! Saved stores, trigger engines and journey states through the C ABI, as a nightly job reads them back from disk:
//! arbitrary bytes, and valid saved forms with bytes flipped, cut or padded. Checks: documented
//! statuses with a message (OK or CORRUPT, nothing else); anything accepted saves to a form that
//! loads to the same state (a fixed point after one round), reads its profiles as valid JSON and
//! takes the next day's touchpoints; a refused load writes no handle. Now and then an accepted
//! state also goes through a file (saved and loaded equal), and the worker pool is resized or
//! stopped between calls.
#![no_main]

use std::ptr::null_mut;

use engagement::errors::eng_bytes_free;
use engagement::journey_state::{
    eng_journey_state, eng_journey_state_attribution_table, eng_journey_state_free,
    eng_journey_state_from_bytes, eng_journey_state_funnel_table, eng_journey_state_json,
    eng_journey_state_latest_time, eng_journey_state_load, eng_journey_state_loyalty_tables,
    eng_journey_state_new, eng_journey_state_push, eng_journey_state_save,
    eng_journey_state_stage_table, eng_journey_state_to_bytes,
};
use engagement::profile_store::{
    eng_profile_store, eng_profile_store_free, eng_profile_store_from_bytes,
    eng_profile_store_load, eng_profile_store_new, eng_profile_store_profiles_json,
    eng_profile_store_push, eng_profile_store_save, eng_profile_store_to_bytes,
};
use engagement::status::eng_status;
use engagement::table::eng_table_free;
use engagement::threads::{eng_set_threads, eng_shutdown, eng_threads};
use engagement::triggers::{
    eng_triggers, eng_triggers_advance_json, eng_triggers_free, eng_triggers_from_bytes,
    eng_triggers_load, eng_triggers_new, eng_triggers_push_json, eng_triggers_save,
    eng_triggers_to_bytes,
};
use engagement::{ENG_ABI_VERSION, eng_abi_version};
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

const CUSTOMER: [u64; 6] = [1, 1, 2, 2, 3, 1];
const TIME: [i64; 6] = [0, 3_600, 7_200, 90_000, 100_000, 200_000];
const CHANNEL: [u8; 6] = [0, 1, 1, 7, 1, 2];
const KIND: [u8; 6] = [1, 14, 4, 0, 4, 4];
const VALUE: [f64; 6] = [0.0, 0.0, 25.5, 0.0, 9.99, 3.0];
const RULES: &str = r#"{"rules": [
    {"name": "welcome", "action": "w", "when": {"type": "first_touch"}, "delay": 600},
    {"name": "cart", "action": "c", "when": {"type": "abandoned_cart", "wait": 3600}},
    {"name": "second", "action": "s", "when": {"type": "nth_purchase", "n": 2}},
    {"name": "anniversary", "action": "a", "when": {"type": "anniversary"}}],
    "cap": {"max": 2, "window": 86400}, "quiet_hours": {"from": 1, "to": 5}}"#;

/// Takes library-owned bytes back.
fn owned(ptr: *mut u8, len: usize) -> Vec<u8> {
    assert!(!ptr.is_null(), "OK without bytes");
    // SAFETY: `len` bytes the library allocated, freed once.
    let v = unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec();
    unsafe { eng_bytes_free(ptr, len) };
    v
}

fn save_store(s: *const eng_profile_store) -> Vec<u8> {
    let (mut ptr, mut len) = (null_mut(), 0usize);
    // SAFETY: a live store; outputs writable.
    assert_eq!(
        checked(unsafe { eng_profile_store_to_bytes(s, &mut ptr, &mut len) }),
        eng_status::Ok
    );
    owned(ptr, len)
}

fn load_store(bytes: &[u8]) -> Option<*mut eng_profile_store> {
    let mut s = null_mut();
    // SAFETY: `bytes` holds its length; `s` writable.
    let st = checked(unsafe { eng_profile_store_from_bytes(bytes.as_ptr(), bytes.len(), &mut s) });
    assert!(
        matches!(st, eng_status::Ok | eng_status::Corrupt),
        "store from_bytes gave {st:?}"
    );
    if st != eng_status::Ok {
        assert!(s.is_null(), "a refused load wrote a handle");
    }
    (st == eng_status::Ok).then_some(s)
}

fn save_engine(t: *const eng_triggers) -> Vec<u8> {
    let (mut ptr, mut len) = (null_mut(), 0usize);
    // SAFETY: a live engine; outputs writable.
    assert_eq!(
        checked(unsafe { eng_triggers_to_bytes(t, &mut ptr, &mut len) }),
        eng_status::Ok
    );
    owned(ptr, len)
}

fn load_engine(bytes: &[u8]) -> Option<*mut eng_triggers> {
    let mut t = null_mut();
    // SAFETY: `bytes` holds its length; `t` writable.
    let st = checked(unsafe { eng_triggers_from_bytes(bytes.as_ptr(), bytes.len(), &mut t) });
    assert!(
        matches!(st, eng_status::Ok | eng_status::Corrupt),
        "engine from_bytes gave {st:?}"
    );
    if st != eng_status::Ok {
        assert!(t.is_null(), "a refused load wrote a handle");
    }
    (st == eng_status::Ok).then_some(t)
}

/// A file of this process for the saved forms.
fn file(ext: &str) -> std::ffi::CString {
    let path = std::env::temp_dir().join(format!("engagement-fuzz-{}.{ext}", std::process::id()));
    std::ffi::CString::new(path.into_os_string().into_encoded_bytes())
        .expect("no NUL in a temp path")
}

/// The invariants of an accepted store (freed here).
fn accepted_store(s: *mut eng_profile_store) {
    let once = save_store(s);
    let again = load_store(&once).expect("the library's own form loads");
    assert_eq!(
        save_store(again),
        once,
        "saving is a fixed point after one round"
    );
    if once.len() % 7 == 0 {
        let path = file("engs");
        let mut back = null_mut();
        // SAFETY: a live store and a NUL-terminated path; `back` writable.
        unsafe {
            assert_eq!(
                checked(eng_profile_store_save(s, path.as_ptr())),
                eng_status::Ok
            );
            assert_eq!(
                checked(eng_profile_store_load(path.as_ptr(), &mut back)),
                eng_status::Ok
            );
        }
        assert_eq!(save_store(back), once, "a file loads to the same store");
        // SAFETY: live, freed once.
        unsafe { eng_profile_store_free(back) };
    }
    let mut out = null_mut();
    // SAFETY: a live store; `out` writable.
    if checked(unsafe { eng_profile_store_profiles_json(s, &mut out, null_mut()) })
        == eng_status::Ok
    {
        let _ = take_json(out);
    }
    // The next day's touchpoints go in (or are refused, leaving it unchanged).
    // SAFETY: columns of 6 rows; a live store.
    let st = checked(unsafe {
        eng_profile_store_push(
            s,
            &engagement::eng_touchpoints {
                len: CUSTOMER.len(),
                customer: CUSTOMER.as_ptr(),
                time: TIME.as_ptr(),
                channel: CHANNEL.as_ptr(),
                kind: KIND.as_ptr(),
                value: VALUE.as_ptr(),
                ..Default::default()
            },
        )
    });
    assert!(
        matches!(st, eng_status::Ok | eng_status::InvalidInput),
        "push gave {st:?}"
    );
    let _ = save_store(s);
    // SAFETY: live stores, freed once.
    unsafe {
        eng_profile_store_free(s);
        eng_profile_store_free(again);
    }
}

/// The invariants of an accepted engine (freed here).
fn accepted_engine(t: *mut eng_triggers) {
    let once = save_engine(t);
    let again = load_engine(&once).expect("the library's own form loads");
    assert_eq!(
        save_engine(again),
        once,
        "saving is a fixed point after one round"
    );
    if once.len() % 7 == 0 {
        let path = file("engt");
        let mut back = null_mut();
        // SAFETY: a live engine and a NUL-terminated path; `back` writable.
        unsafe {
            assert_eq!(checked(eng_triggers_save(t, path.as_ptr())), eng_status::Ok);
            assert_eq!(
                checked(eng_triggers_load(path.as_ptr(), &mut back)),
                eng_status::Ok
            );
        }
        assert_eq!(save_engine(back), once, "a file loads to the same engine");
        // SAFETY: live, freed once.
        unsafe { eng_triggers_free(back) };
    }
    let mut out = null_mut();
    // SAFETY: a live engine; `out` writable.
    let st = checked(unsafe { eng_triggers_advance_json(t, 32_503_680_000, &mut out, null_mut()) });
    assert!(
        matches!(st, eng_status::Ok | eng_status::InvalidInput),
        "advance gave {st:?}"
    );
    if st == eng_status::Ok {
        let _ = take_json(out);
    }
    // SAFETY: live engines, freed once.
    unsafe {
        eng_triggers_free(t);
        eng_triggers_free(again);
    }
}

/// A valid saved store of the fixed touchpoints (the first `rows`).
fn valid_store(rows: usize) -> Vec<u8> {
    let mut s = null_mut();
    // SAFETY: defaults; `s` writable; then columns of `rows` ≤ 6 rows.
    unsafe {
        assert_eq!(
            eng_profile_store_new(std::ptr::null(), 0, &mut s),
            eng_status::Ok
        );
        assert_eq!(
            eng_profile_store_push(
                s,
                &engagement::eng_touchpoints {
                    len: rows,
                    customer: CUSTOMER.as_ptr(),
                    time: TIME.as_ptr(),
                    channel: CHANNEL.as_ptr(),
                    kind: KIND.as_ptr(),
                    value: VALUE.as_ptr(),
                    ..Default::default()
                }
            ),
            eng_status::Ok
        );
    }
    let bytes = save_store(s);
    // SAFETY: live, freed once.
    unsafe { eng_profile_store_free(s) };
    bytes
}

/// A valid saved engine fed the fixed touchpoints (the first `rows`).
fn valid_engine(rows: usize) -> Vec<u8> {
    let (mut t, mut out) = (null_mut(), null_mut());
    // SAFETY: rules of their length; `t` writable; then columns of `rows` ≤ 6 rows.
    unsafe {
        assert_eq!(
            eng_triggers_new(RULES.as_ptr().cast(), RULES.len(), &mut t),
            eng_status::Ok
        );
        assert_eq!(
            eng_triggers_push_json(
                t,
                &engagement::eng_touchpoints {
                    len: rows,
                    customer: CUSTOMER.as_ptr(),
                    time: TIME.as_ptr(),
                    channel: CHANNEL.as_ptr(),
                    kind: KIND.as_ptr(),
                    value: VALUE.as_ptr(),
                    ..Default::default()
                },
                &mut out,
                null_mut()
            ),
            eng_status::Ok
        );
    }
    let _ = take_json(out);
    let bytes = save_engine(t);
    // SAFETY: live, freed once.
    unsafe { eng_triggers_free(t) };
    bytes
}

const JOURNEYS: &str = r#"{"stages": {}, "loyalty": {"expiry_days": 2},
    "funnel": {"steps": [{"name": "open", "kinds": ["open"]}, {"name": "buy", "kinds": ["purchase"]}],
               "window": 86400, "breakdown": "channel"},
    "cohorts": {"config": {"period": "day", "max_periods": 3}, "activity": "any"},
    "paths": {"lookback": 7200, "include_conversion": true}}"#;

fn save_state(s: *const eng_journey_state) -> Vec<u8> {
    let (mut ptr, mut len) = (null_mut(), 0usize);
    // SAFETY: a live state; outputs writable.
    assert_eq!(
        checked(unsafe { eng_journey_state_to_bytes(s, &mut ptr, &mut len) }),
        eng_status::Ok
    );
    owned(ptr, len)
}

fn load_state(bytes: &[u8]) -> Option<*mut eng_journey_state> {
    let mut s = null_mut();
    // SAFETY: `bytes` holds its length; `s` writable.
    let st = checked(unsafe { eng_journey_state_from_bytes(bytes.as_ptr(), bytes.len(), &mut s) });
    assert!(
        matches!(st, eng_status::Ok | eng_status::Corrupt),
        "journey state from_bytes gave {st:?}"
    );
    if st != eng_status::Ok {
        assert!(s.is_null(), "a refused load wrote a handle");
    }
    (st == eng_status::Ok).then_some(s)
}

/// A valid saved journey state fed the fixed touchpoints (the first `rows`) and a redemption.
fn valid_state(rows: usize) -> Vec<u8> {
    let mut s = null_mut();
    let (rc, rt, rp) = ([1u64], [3_600i64], [5u64]);
    // SAFETY: a config of its length; `s` writable; then columns of `rows` ≤ 6 rows.
    unsafe {
        assert_eq!(
            eng_journey_state_new(JOURNEYS.as_ptr().cast(), JOURNEYS.len(), &mut s),
            eng_status::Ok
        );
        assert_eq!(
            eng_journey_state_push(
                s,
                &engagement::eng_touchpoints {
                    len: rows,
                    customer: CUSTOMER.as_ptr(),
                    time: TIME.as_ptr(),
                    channel: CHANNEL.as_ptr(),
                    kind: KIND.as_ptr(),
                    value: VALUE.as_ptr(),
                    ..Default::default()
                },
                rc.as_ptr(),
                rt.as_ptr(),
                rp.as_ptr(),
                usize::from(rows > 1)
            ),
            eng_status::Ok
        );
    }
    let bytes = save_state(s);
    // SAFETY: live, freed once.
    unsafe { eng_journey_state_free(s) };
    bytes
}

/// The invariants of an accepted journey state (freed here): a fixed point after one save, every
/// result and table a documented status, the next day's touchpoints taken or refused whole.
fn accepted_state(s: *mut eng_journey_state) {
    let once = save_state(s);
    let again = load_state(&once).expect("the library's own form loads");
    assert_eq!(
        save_state(again),
        once,
        "saving is a fixed point after one round"
    );
    if once.len() % 7 == 0 {
        let path = file("engj");
        let mut back = null_mut();
        // SAFETY: a live state and a NUL-terminated path; `back` writable.
        unsafe {
            assert_eq!(
                checked(eng_journey_state_save(s, path.as_ptr())),
                eng_status::Ok
            );
            assert_eq!(
                checked(eng_journey_state_load(path.as_ptr(), &mut back)),
                eng_status::Ok
            );
        }
        assert_eq!(save_state(back), once, "a file loads to the same state");
        // SAFETY: live, freed once.
        unsafe { eng_journey_state_free(back) };
    }
    let mut latest = 0i64;
    // SAFETY: a live state; `latest` writable.
    let st = checked(unsafe { eng_journey_state_latest_time(s, &mut latest) });
    assert!(
        matches!(st, eng_status::Ok | eng_status::EmptyInput),
        "latest_time gave {st:?}"
    );
    let as_of = if st == eng_status::Ok {
        latest.saturating_add(86_400)
    } else {
        0
    };
    for which in 0..6u32 {
        let mut out = null_mut();
        // SAFETY: a live state; `out` writable.
        let st = checked(unsafe { eng_journey_state_json(s, which, as_of, &mut out, null_mut()) });
        assert!(
            matches!(
                st,
                eng_status::Ok | eng_status::EmptyInput | eng_status::AsOfBeforeData
            ) || which == 5 && st == eng_status::InvalidInput,
            "json {which} gave {st:?}"
        );
        if st == eng_status::Ok {
            let _ = take_json(out);
        }
    }
    let (mut a, mut h) = (null_mut(), null_mut());
    // SAFETY: a live state; outputs writable; tables freed once (NULL when not made).
    unsafe {
        let _ = checked(eng_journey_state_stage_table(s, as_of, &mut a));
        eng_table_free(a);
        a = null_mut();
        let _ = checked(eng_journey_state_loyalty_tables(s, as_of, &mut a, &mut h));
        eng_table_free(a);
        eng_table_free(h);
        a = null_mut();
        let _ = checked(eng_journey_state_funnel_table(s, &mut a));
        eng_table_free(a);
        a = null_mut();
        let _ = checked(eng_journey_state_attribution_table(
            s,
            std::ptr::null(),
            0,
            &mut a,
        ));
        eng_table_free(a);
    }
    // The next day's touchpoints (shifted a day past the latest) go in, or are refused whole.
    let time: Vec<i64> = TIME.iter().map(|t| t.saturating_add(as_of)).collect();
    // SAFETY: columns of 6 rows; a live state.
    let st = checked(unsafe {
        eng_journey_state_push(
            s,
            &engagement::eng_touchpoints {
                len: CUSTOMER.len(),
                customer: CUSTOMER.as_ptr(),
                time: time.as_ptr(),
                channel: CHANNEL.as_ptr(),
                kind: KIND.as_ptr(),
                value: VALUE.as_ptr(),
                ..Default::default()
            },
            null_mut(),
            null_mut(),
            null_mut(),
            0,
        )
    });
    assert!(
        matches!(st, eng_status::Ok | eng_status::InvalidInput),
        "push gave {st:?}"
    );
    let _ = save_state(s);
    // SAFETY: live states, freed once.
    unsafe {
        eng_journey_state_free(s);
        eng_journey_state_free(again);
    }
}

/// `bytes` damaged as the input says: flips at chosen offsets, then a cut or a padding; and now
/// and then sealed again (the frame's length and CRC-32 rewritten for what is left), as a hostile
/// file would be, so that the decoder and the checks behind the checksum see the changed payload.
fn damage(mut bytes: Vec<u8>, input: &mut Bytes<'_>) -> Vec<u8> {
    let flips = input.u8();
    for _ in 0..flips % 4 {
        let at = input.u64() as usize % bytes.len().max(1);
        let mask = input.u8();
        if let Some(b) = bytes.get_mut(at) {
            *b ^= mask;
        }
    }
    match input.u8() % 3 {
        0 => bytes.truncate(input.u64() as usize % (bytes.len() + 1)),
        1 => bytes.extend(std::iter::repeat_n(input.u8(), usize::from(input.u8() % 8))),
        _ => {}
    }
    // The frame: magic (4), version (2), reserved (2), payload length (8), CRC-32 (4), payload.
    if flips & 0x80 != 0 && bytes.len() >= 20 {
        let n = (bytes.len() - 20) as u64;
        bytes[8..16].copy_from_slice(&n.to_le_bytes());
        let crc = crc32fast::hash(&bytes[20..]);
        bytes[16..20].copy_from_slice(&crc.to_le_bytes());
    }
    bytes
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let selector = input.u8();
    assert_eq!(eng_abi_version(), ENG_ABI_VERSION);
    if selector >= 250 {
        // The pool between calls: resized (0 = the default), read back, or stopped.
        let n = usize::from(selector - 250);
        assert_eq!(checked(eng_set_threads(n)), eng_status::Ok);
        let mut threads = 0usize;
        // SAFETY: `threads` writable.
        assert_eq!(
            checked(unsafe { eng_threads(&mut threads) }),
            eng_status::Ok
        );
        assert!(
            threads >= 1 && (n == 0 || threads == n),
            "{threads} threads after asking {n}"
        );
        if n == 5 {
            eng_shutdown();
        }
    }
    match selector % 6 {
        0 => {
            if let Some(s) = load_store(input.0) {
                accepted_store(s);
            }
        }
        1 => {
            if let Some(t) = load_engine(input.0) {
                accepted_engine(t);
            }
        }
        2 => {
            let rows = usize::from(input.u8()) % 7;
            let bytes = damage(valid_store(rows), &mut input);
            if let Some(s) = load_store(&bytes) {
                accepted_store(s);
            }
        }
        3 => {
            let rows = usize::from(input.u8()) % 7;
            let bytes = damage(valid_engine(rows), &mut input);
            if let Some(t) = load_engine(&bytes) {
                accepted_engine(t);
            }
        }
        4 => {
            if let Some(s) = load_state(input.0) {
                accepted_state(s);
            }
        }
        _ => {
            let rows = usize::from(input.u8()) % 7;
            let bytes = damage(valid_state(rows), &mut input);
            if let Some(s) = load_state(&bytes) {
                accepted_state(s);
            }
        }
    }
});
