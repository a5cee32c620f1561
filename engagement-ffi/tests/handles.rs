//! Handles through the public entry points: created, used, given bad arguments, freed (a profile
//! store, a partial through its binary form, a trigger engine). Small enough for
//! `cargo miri test` (scripts/miri). (Poisoning needs a panic, which no entry point raises on
//! purpose: it is a unit test of the generic handle in `src/handle.rs`.)

use std::ffi::CStr;
use std::ptr::{null, null_mut};

use engagement::eng_status;
use engagement::errors::eng_string_free;
use engagement::partial::{
    eng_partial_free, eng_partial_from_bytes, eng_partial_merge, eng_partial_new,
    eng_partial_to_bytes,
};
use engagement::profile_store::{
    eng_profile_store, eng_profile_store_free, eng_profile_store_len, eng_profile_store_new,
    eng_profile_store_profiles_json, eng_profile_store_push, eng_profile_store_scores,
    eng_profile_store_stages,
};
use engagement::triggers::{
    eng_triggers_advance_json, eng_triggers_free, eng_triggers_new, eng_triggers_push_json,
};

/// Three touchpoints of customers 1–3 (no ratings).
const CUSTOMER: [u64; 3] = [1, 2, 3];
const TIME: [i64; 3] = [0, 5, 9];
const CHANNEL: [u8; 3] = [1, 1, 0];
const KIND: [u8; 3] = [4, 4, 2];
const VALUE: [f64; 3] = [3.0, 4.0, 0.0];

#[test]
fn store_round_trip_and_bad_arguments() {
    let mut store: *mut eng_profile_store = null_mut();
    // SAFETY: `store` is valid for one write.
    unsafe {
        assert_eq!(eng_profile_store_new(null(), 0, &mut store), eng_status::Ok);
    }
    let customer = [2u64, 1, 2];
    let time = [0i64, 0, 86_400];
    let channel = [1u8, 0, 1];
    let kind = [4u8, 2, 4];
    let value = [10.0f64, 0.0, 5.0];
    let push = |customer: *const u64, kind: &[u8], value: *const f64| {
        // SAFETY: `store` is live; the columns hold 3 elements or are NULL.
        unsafe {
            eng_profile_store_push(
                store,
                &engagement::eng_touchpoints {
                    len: 3,
                    customer,
                    time: time.as_ptr(),
                    channel: channel.as_ptr(),
                    kind: kind.as_ptr(),
                    value,
                    ..Default::default()
                },
            )
        }
    };
    // SAFETY: every pointer below is valid for its documented use, or NULL on purpose.
    unsafe {
        assert_eq!(
            push(customer.as_ptr(), &kind, value.as_ptr()),
            eng_status::Ok
        );
        assert_eq!(push(null(), &kind, null()), eng_status::NullPointer);
        assert_eq!(
            push(customer.as_ptr(), &[99, 4, 4], null()),
            eng_status::InvalidInput
        );
        let mut n = 0usize;
        assert_eq!(eng_profile_store_len(store, &mut n), eng_status::Ok);
        assert_eq!(n, 2);
        let mut ids = [0u64; 1];
        let mut total = [0f64; 1];
        let none = null_mut();
        assert_eq!(
            eng_profile_store_scores(
                store,
                86_400,
                ids.as_mut_ptr(),
                total.as_mut_ptr(),
                none,
                none,
                none,
                none,
                1,
                &mut n
            ),
            eng_status::BufferTooSmall
        );
        assert_eq!(n, 2);
        let mut ids = [0u64; 2];
        let mut stages = [0u8; 2];
        assert_eq!(
            eng_profile_store_stages(
                store,
                86_400,
                null(),
                0,
                ids.as_mut_ptr(),
                stages.as_mut_ptr(),
                2,
                &mut n
            ),
            eng_status::Ok
        );
        assert_eq!((ids, stages), ([1, 2], [1, 3])); // engaged, repeat
        let mut json = null_mut();
        assert_eq!(
            eng_profile_store_profiles_json(store, &mut json, &mut n),
            eng_status::Ok
        );
        let text = CStr::from_ptr(json).to_str().unwrap().to_owned();
        assert!(text.starts_with("[{\"customer\":1"), "{text}");
        eng_string_free(json);
        eng_profile_store_free(store);
        eng_profile_store_free(null_mut());
        let cfg = b"{\"mix\": 3}";
        let mut other: *mut eng_profile_store = null_mut();
        assert_eq!(
            eng_profile_store_new(cfg.as_ptr().cast(), cfg.len(), &mut other),
            eng_status::Json
        );
        assert!(other.is_null());
        let bad_utf8 = [0xffu8, 0xfe];
        assert_eq!(
            eng_profile_store_new(bad_utf8.as_ptr().cast(), 2, &mut other),
            eng_status::InvalidUtf8
        );
    }
}

/// A partial through its binary form: size query, too small, written, read back, merged.
#[test]
fn partial_through_its_bytes() {
    let spec = br#"{"kind": "profiles"}"#;
    let mut part = null_mut();
    // SAFETY: every pointer below is valid for its documented use, or NULL on purpose.
    unsafe {
        assert_eq!(
            eng_partial_new(
                spec.as_ptr().cast(),
                spec.len(),
                &engagement::eng_touchpoints {
                    len: 3,
                    customer: CUSTOMER.as_ptr(),
                    time: TIME.as_ptr(),
                    channel: CHANNEL.as_ptr(),
                    kind: KIND.as_ptr(),
                    value: VALUE.as_ptr(),
                    ..Default::default()
                },
                &mut part
            ),
            eng_status::Ok
        );
        let mut size = 0usize;
        assert_eq!(
            eng_partial_to_bytes(part, null_mut(), 0, &mut size),
            eng_status::BufferTooSmall
        );
        let mut buf = vec![0u8; size];
        let mut len = 0usize;
        assert_eq!(
            eng_partial_to_bytes(part, buf.as_mut_ptr(), size - 1, &mut len),
            eng_status::BufferTooSmall
        );
        assert_eq!(
            eng_partial_to_bytes(part, buf.as_mut_ptr(), size, &mut len),
            eng_status::Ok
        );
        let mut back = null_mut();
        assert_eq!(
            eng_partial_from_bytes(buf.as_ptr(), len, &mut back),
            eng_status::Ok
        );
        assert_eq!(
            eng_partial_from_bytes(buf.as_ptr(), len - 1, &mut back),
            eng_status::Corrupt
        );
        assert_eq!(eng_partial_merge(back, part), eng_status::Ok);
        assert_eq!(eng_partial_merge(back, back), eng_status::Incompatible);
        eng_partial_free(back);
        eng_partial_free(part);
        eng_partial_free(null_mut());
    }
}

/// A streaming handle: push, advance, free.
#[test]
fn trigger_engine_push_and_advance() {
    let rules =
        br#"{"rules": [{"name": "w", "action": "hello", "when": {"type": "first_touch"}}]}"#;
    let mut tr = null_mut();
    let mut json = null_mut();
    // SAFETY: every pointer below is valid for its documented use, or NULL on purpose.
    unsafe {
        assert_eq!(
            eng_triggers_new(rules.as_ptr().cast(), rules.len(), &mut tr),
            eng_status::Ok
        );
        assert_eq!(
            eng_triggers_push_json(
                tr,
                &engagement::eng_touchpoints {
                    len: 3,
                    customer: CUSTOMER.as_ptr(),
                    time: TIME.as_ptr(),
                    channel: CHANNEL.as_ptr(),
                    kind: KIND.as_ptr(),
                    ..Default::default()
                },
                &mut json,
                null_mut()
            ),
            eng_status::Ok
        );
        eng_string_free(json);
        assert_eq!(
            eng_triggers_advance_json(tr, 100, &mut json, null_mut()),
            eng_status::Ok
        );
        assert!(CStr::from_ptr(json).to_bytes().starts_with(b"["));
        eng_string_free(json);
        assert_eq!(
            eng_triggers_advance_json(null_mut(), 100, &mut json, null_mut()),
            eng_status::NullPointer
        );
        eng_triggers_free(tr);
        eng_triggers_free(null_mut());
    }
}
