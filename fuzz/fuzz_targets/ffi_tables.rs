//! Result tables through the C ABI: loyalty accounts and history, segment membership, next best
//! actions, stage histories, funnels and attribution built from arbitrary touchpoints, then read by arbitrary column names, types and label
//! codes, and handed back to the next call (or to the wrong one). Checks: documented statuses with
//! a message; every column of a table has the table's row count; a label code read from a column
//! names a label (or -1 none); a table goes back only into the call it was made for.
#![no_main]

use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

use engagement::attribution::eng_attribute_touchpoints_table;
use engagement::codes::{eng_rating_scale_code, eng_rating_scale_label};
use engagement::journey::{eng_funnel_table, eng_stage_history_table};
use engagement::loyalty::{eng_loyalty_tables, eng_next_best_actions_table};
use engagement::profile_store::{
    eng_profile_store_free, eng_profile_store_latest_time, eng_profile_store_new,
    eng_profile_store_push, eng_profile_store_segments_table, eng_profile_store_stages,
};
use engagement::segments::{eng_segment_set_free, eng_segment_set_new};
use engagement::status::eng_status;
use engagement::table::{
    eng_table, eng_table_codes, eng_table_column, eng_table_columns, eng_table_f64, eng_table_free,
    eng_table_i64, eng_table_label, eng_table_rows, eng_table_u8, eng_table_u64,
};
use engagement_fuzz::{Bytes, checked};
use libfuzzer_sys::fuzz_target;

const SEGMENTS: &str = r#"{"version": 1, "segments": [
    {"name": "big", "rule": {"field": "revenue", "op": ">=", "value": 100}},
    {"name": "browsers", "rule": {"field": "purchases", "op": "==", "value": 0}}]}"#;
const ACTIONS: &str = r#"{"rules": [
    {"action": "vip", "priority": 1, "tiers": ["gold", "platinum"]},
    {"action": "thanks", "priority": 2, "segments": ["big"]},
    {"action": "coupon", "priority": 3, "segments": ["browsers"]}]}"#;

/// Reads every column of `t` by its name and type, checks lengths and labels, and then reads a
/// name from the input with every accessor.
fn read_all(t: *const eng_table, input: &mut Bytes<'_>) {
    let (mut rows, mut columns) = (0usize, 0usize);
    // SAFETY: a live table; outputs writable.
    unsafe {
        assert_eq!(checked(eng_table_rows(t, &mut rows)), eng_status::Ok);
        assert_eq!(checked(eng_table_columns(t, &mut columns)), eng_status::Ok);
    }
    for i in 0..=columns {
        let (mut name, mut ty): (*const c_char, *const c_char) = (null(), null());
        // SAFETY: a live table; outputs writable.
        let s = checked(unsafe { eng_table_column(t, i, &mut name, &mut ty) });
        if i == columns {
            assert_eq!(s, eng_status::InvalidInput, "column {i} of {columns}");
            break;
        }
        assert_eq!(s, eng_status::Ok);
        // SAFETY: strings owned by the live table.
        let ty = unsafe { CStr::from_ptr(ty) }.to_str().expect("type");
        let mut len = 0usize;
        // SAFETY: as above; each accessor's output writable.
        unsafe {
            match ty {
                "u64" => assert_eq!(
                    checked(eng_table_u64(t, name, &mut null(), &mut len)),
                    eng_status::Ok
                ),
                "i64" => assert_eq!(
                    checked(eng_table_i64(t, name, &mut null(), &mut len)),
                    eng_status::Ok
                ),
                "u8" => assert_eq!(
                    checked(eng_table_u8(t, name, &mut null(), &mut len)),
                    eng_status::Ok
                ),
                "f64" => assert_eq!(
                    checked(eng_table_f64(t, name, &mut null(), &mut len)),
                    eng_status::Ok
                ),
                "label" => {
                    let mut codes: *const i32 = null();
                    assert_eq!(
                        checked(eng_table_codes(t, name, &mut codes, &mut len)),
                        eng_status::Ok
                    );
                    for r in 0..len {
                        let (mut count, mut label) = (0usize, null());
                        let code = *codes.add(r);
                        assert_eq!(
                            checked(eng_table_label(t, name, code, &mut count, &mut label)),
                            eng_status::Ok
                        );
                        assert_eq!(code == -1, label.is_null(), "code {code} of {count}");
                    }
                }
                other => panic!("undocumented column type {other}"),
            }
        }
        assert_eq!(len, rows, "every column has the table's rows");
    }
    // An arbitrary name, with every accessor, and an arbitrary code.
    let raw: Vec<u8> = (0..input.u8() % 12)
        .map(|_| input.u8())
        .filter(|&b| b != 0)
        .collect();
    let name = CString::new(raw).expect("no NUL");
    let code = i32::from(input.u8() as i8);
    let mut len = 0usize;
    let (mut count, mut label) = (0usize, null());
    // SAFETY: a live table, a NUL-terminated name, writable outputs.
    unsafe {
        for s in [
            eng_table_u64(t, name.as_ptr(), &mut null(), &mut len),
            eng_table_i64(t, name.as_ptr(), &mut null(), &mut len),
            eng_table_u8(t, name.as_ptr(), &mut null(), &mut len),
            eng_table_f64(t, name.as_ptr(), &mut null(), &mut len),
            eng_table_codes(t, name.as_ptr(), &mut null(), &mut len),
            eng_table_label(t, name.as_ptr(), code, &mut count, &mut label),
        ] {
            let s = checked(s);
            assert!(
                matches!(
                    s,
                    eng_status::Ok
                        | eng_status::UnknownLabel
                        | eng_status::Incompatible
                        | eng_status::InvalidInput
                        | eng_status::InvalidUtf8
                ),
                "{s:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let n = usize::from(input.u8() % 24);
    let customer: Vec<u64> = (0..n).map(|_| u64::from(input.u8() % 6)).collect();
    let time: Vec<i64> = (0..n).map(|_| i64::from(input.u8()) * 86_400).collect();
    let channel: Vec<u8> = (0..n).map(|_| input.u8() % 12).collect();
    let kind: Vec<u8> = (0..n).map(|_| input.u8() % 17).collect();
    let value: Vec<f64> = (0..n).map(|_| f64::from(input.u8()) * 10.0).collect();
    let as_of = 300 * 86_400;
    let (mut accounts, mut history, mut segments, mut actions) =
        (null_mut(), null_mut(), null_mut(), null_mut());
    // SAFETY: columns of `n` rows; outputs writable.
    let s = checked(unsafe {
        eng_loyalty_tables(
            &engagement::eng_touchpoints {
                len: n,
                customer: customer.as_ptr(),
                time: time.as_ptr(),
                channel: channel.as_ptr(),
                kind: kind.as_ptr(),
                value: value.as_ptr(),
                ..Default::default()
            },
            null(),
            null(),
            null(),
            0,
            as_of,
            null(),
            0,
            &mut accounts,
            &mut history,
        )
    });
    if s != eng_status::Ok {
        assert!(
            accounts.is_null() && history.is_null(),
            "outputs only on success"
        );
        return;
    }
    read_all(accounts, &mut input);
    read_all(history, &mut input);
    let (mut store, mut set) = (null_mut(), null_mut());
    // SAFETY: defaults, the same columns, and a fixed segment set.
    unsafe {
        assert_eq!(eng_profile_store_new(null(), 0, &mut store), eng_status::Ok);
        assert_eq!(
            eng_profile_store_push(
                store,
                &engagement::eng_touchpoints {
                    len: n,
                    customer: customer.as_ptr(),
                    time: time.as_ptr(),
                    channel: channel.as_ptr(),
                    kind: kind.as_ptr(),
                    value: value.as_ptr(),
                    ..Default::default()
                }
            ),
            eng_status::Ok
        );
        assert_eq!(
            eng_segment_set_new(SEGMENTS.as_ptr().cast(), SEGMENTS.len(), &mut set),
            eng_status::Ok
        );
        assert_eq!(
            checked(eng_profile_store_segments_table(
                store,
                set,
                as_of,
                null(),
                0,
                null(),
                0,
                &mut segments
            )),
            eng_status::Ok
        );
    }
    read_all(segments, &mut input);
    let mut latest = 0i64;
    // SAFETY: a live store; `latest` writable.
    let s = checked(unsafe { eng_profile_store_latest_time(store, &mut latest) });
    assert_eq!(
        s == eng_status::Ok,
        n > 0,
        "a latest time exactly when there are touchpoints"
    );
    assert!(s != eng_status::Ok || time.contains(&latest));
    // A rating-scale label of the input, and the label of an arbitrary code.
    let scale = [input.u8(), input.u8(), input.u8()];
    let mut code = 0u8;
    // SAFETY: three readable bytes; `code` writable.
    if checked(unsafe { eng_rating_scale_code(scale.as_ptr().cast(), scale.len(), &mut code) })
        == eng_status::Ok
    {
        assert!(!eng_rating_scale_label(code).is_null());
    }
    let _ = eng_rating_scale_label(input.u8());
    let mut ids = vec![0u64; n + 1];
    let mut stages = vec![0u8; n + 1];
    let mut len = 0usize;
    // SAFETY: buffers of n + 1 ≥ customers.
    unsafe {
        assert_eq!(
            eng_profile_store_stages(
                store,
                as_of,
                null(),
                0,
                ids.as_mut_ptr(),
                stages.as_mut_ptr(),
                n + 1,
                &mut len
            ),
            eng_status::Ok
        );
    }
    // The tables in their places, or swapped.
    let swap = input.u8() % 2 == 1;
    let (seg, acc) = if swap {
        (accounts, segments)
    } else {
        (segments, accounts)
    };
    // SAFETY: live tables, stage columns of `len` rows, writable output.
    let s = checked(unsafe {
        eng_next_best_actions_table(
            ids.as_ptr(),
            stages.as_ptr(),
            len,
            ACTIONS.as_ptr().cast(),
            ACTIONS.len(),
            seg,
            acc,
            &mut actions,
        )
    });
    if swap {
        assert_eq!(s, eng_status::Incompatible);
        assert!(actions.is_null());
    } else {
        assert_eq!(s, eng_status::Ok);
        read_all(actions, &mut input);
    }
    // Journeys as tables: read whole when they are computed.
    const FUNNEL: &str =
        r#"{"steps": [{"name": "c", "kinds": ["click"]}, {"name": "b", "kinds": ["purchase"]}]}"#;
    const RULE: &str = r#"{"rule": "markov"}"#;
    let mut journeys = [null_mut(); 3];
    // SAFETY: columns of `n` rows; outputs writable.
    let statuses = unsafe {
        [
            eng_stage_history_table(
                &engagement::eng_touchpoints {
                    len: n,
                    customer: customer.as_ptr(),
                    time: time.as_ptr(),
                    channel: channel.as_ptr(),
                    kind: kind.as_ptr(),
                    value: value.as_ptr(),
                    ..Default::default()
                },
                as_of,
                null(),
                0,
                &mut journeys[0],
            ),
            eng_funnel_table(
                &engagement::eng_touchpoints {
                    len: n,
                    customer: customer.as_ptr(),
                    time: time.as_ptr(),
                    channel: channel.as_ptr(),
                    kind: kind.as_ptr(),
                    ..Default::default()
                },
                FUNNEL.as_ptr().cast(),
                FUNNEL.len(),
                &mut journeys[1],
            ),
            eng_attribute_touchpoints_table(
                &engagement::eng_touchpoints {
                    len: n,
                    customer: customer.as_ptr(),
                    time: time.as_ptr(),
                    channel: channel.as_ptr(),
                    kind: kind.as_ptr(),
                    value: value.as_ptr(),
                    ..Default::default()
                },
                30 * 86_400,
                RULE.as_ptr().cast(),
                RULE.len(),
                &mut journeys[2],
            ),
        ]
    };
    for (s, t) in statuses.into_iter().zip(journeys) {
        if checked(s) == eng_status::Ok {
            read_all(t, &mut input);
        } else {
            assert!(t.is_null(), "outputs only on success");
        }
        // SAFETY: NULL or a live table, freed once.
        unsafe { eng_table_free(t) };
    }
    // SAFETY: live handles, freed once.
    unsafe {
        eng_table_free(actions);
        eng_table_free(segments);
        eng_table_free(history);
        eng_table_free(accounts);
        eng_segment_set_free(set);
        eng_profile_store_free(store);
    }
});
