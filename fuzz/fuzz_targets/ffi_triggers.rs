//! A trigger engine fed arbitrary touchpoints in arbitrary chunks: documented statuses; a refused
//! chunk changes nothing; and when every chunk is accepted, the actions are those of one batch.
#![no_main]

use std::ffi::c_char;
use std::ptr::null_mut;

use engagement::status::eng_status;
use engagement::triggers::*;
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

const RULES: &[u8] = br#"{"rules": [
    {"name": "welcome", "action": "w", "when": {"type": "first_touch"}, "delay": 30},
    {"name": "cart", "action": "c", "when": {"type": "abandoned_cart", "wait": 600}},
    {"name": "third", "action": "t", "when": {"type": "nth_purchase", "n": 3}},
    {"name": "reorder", "action": "r", "when": {"type": "reorder"}},
    {"name": "anniversary", "action": "a", "when": {"type": "anniversary"}},
    {"name": "win_back", "action": "b", "when": {"type": "at_risk"}}],
    "cap": {"max": 3, "window": 3600}, "quiet_hours": {"from": 1, "to": 5},
    "stages": {"default_purchase_interval_days": 0.05, "churn_window_days": 0.5}}"#;

fn engine() -> *mut eng_triggers {
    let mut t = null_mut();
    // SAFETY: the rules are their own length; out pointer writable.
    assert_eq!(
        checked(unsafe { eng_triggers_new(RULES.as_ptr().cast(), RULES.len(), &mut t) }),
        eng_status::Ok
    );
    t
}

/// Pushes rows `range`; the actions as JSON, or None when refused.
fn push(
    t: *mut eng_triggers,
    c: &(Vec<u64>, Vec<i64>, Vec<u8>, Vec<u8>, Vec<f64>),
    r: std::ops::Range<usize>,
) -> Option<serde_json::Value> {
    let mut out: *mut c_char = null_mut();
    // SAFETY: each column slice holds r.len() rows from r.start.
    let s = checked(unsafe {
        eng_triggers_push_json(
            t,
            &engagement::eng_touchpoints {
                len: r.len(),
                customer: c.0[r.clone()].as_ptr(),
                time: c.1[r.clone()].as_ptr(),
                channel: c.2[r.clone()].as_ptr(),
                kind: c.3[r.clone()].as_ptr(),
                value: c.4[r.clone()].as_ptr(),
                ..Default::default()
            },
            &mut out,
            null_mut(),
        )
    });
    (s == eng_status::Ok).then(|| take_json(out))
}

fn counts(t: *mut eng_triggers) -> (u64, u64, u64) {
    let (mut a, mut b, mut c) = (0, 0, 0);
    // SAFETY: a live engine; three writable outputs.
    assert_eq!(
        checked(unsafe { eng_triggers_counts(t, &mut a, &mut b, &mut c) }),
        eng_status::Ok
    );
    (a, b, c)
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let mut c = (vec![], vec![], vec![], vec![], vec![]);
    let mut cuts = vec![0];
    let mut time = 1_700_000_000i64;
    while !b.is_empty() && c.0.len() < 200 {
        let flags = b.u8();
        // Mostly forward in time; sometimes backwards (a late touchpoint).
        let step = i64::from(b.u8()) * 97;
        time = if flags & 1 == 0 {
            time + step
        } else {
            time - step
        };
        c.0.push(u64::from(b.u8() % 5));
        c.1.push(time);
        c.2.push(b.u8() % 11);
        c.3.push([3u8, 14, 15, 4, 0, 2][usize::from(b.u8() % 6)]);
        c.4.push(if c.3.last() == Some(&4) { 20.0 } else { 0.0 });
        if flags & 2 != 0 {
            cuts.push(c.0.len());
        }
    }
    let n = c.0.len();
    cuts.push(n);
    cuts.dedup();
    let until = time.max(1_700_000_000) + 400 * 86_400;
    let chunked = engine();
    let mut actions = Vec::new();
    let mut all_accepted = true;
    for w in cuts.windows(2) {
        let before = counts(chunked);
        match push(chunked, &c, w[0]..w[1]) {
            Some(serde_json::Value::Array(a)) => actions.extend(a),
            Some(other) => panic!("actions are not an array: {other}"),
            None => {
                all_accepted = false;
                assert_eq!(
                    before,
                    counts(chunked),
                    "a refused chunk changed the engine"
                );
            }
        }
    }
    // The due actions as a table: one row per action of the JSON form (on a copy of the engine).
    let mut saved = null_mut();
    let mut saved_len = 0usize;
    // SAFETY: a live engine; outputs writable; the copy and the table freed once.
    unsafe {
        if checked(engagement::triggers::eng_triggers_to_bytes(
            chunked,
            &mut saved,
            &mut saved_len,
        )) == eng_status::Ok
        {
            let mut copy = null_mut();
            assert_eq!(
                checked(engagement::triggers::eng_triggers_from_bytes(
                    saved, saved_len, &mut copy
                )),
                eng_status::Ok
            );
            engagement::errors::eng_bytes_free(saved, saved_len);
            let (mut table, mut json) = (null_mut(), null_mut());
            // An empty push as a table: no action, no change.
            assert_eq!(
                checked(engagement::triggers::eng_triggers_push_table(
                    copy,
                    &engagement::eng_touchpoints {
                        len: 0,
                        ..Default::default()
                    },
                    &mut table,
                )),
                eng_status::Ok
            );
            engagement::table::eng_table_free(table);
            table = null_mut();
            let st = checked(engagement::triggers::eng_triggers_advance_table(
                copy, until, &mut table,
            ));
            let sj = checked(eng_triggers_advance_json(
                chunked,
                until,
                &mut json,
                null_mut(),
            ));
            assert_eq!(st, sj, "advance as a table and as JSON disagree");
            if st == eng_status::Ok {
                let mut rows = 0usize;
                assert_eq!(
                    engagement::table::eng_table_rows(table, &mut rows),
                    eng_status::Ok
                );
                match take_json(json) {
                    serde_json::Value::Array(a) => {
                        assert_eq!(a.len(), rows, "table rows and JSON actions differ");
                        actions.extend(a);
                    }
                    other => panic!("actions are not an array: {other}"),
                }
            }
            engagement::table::eng_table_free(table);
            engagement::triggers::eng_triggers_free(copy);
        }
    }
    let mut out: *mut c_char = null_mut();
    // SAFETY: a live engine; out writable (the clock is at `until` already: nothing more is due).
    let s = checked(unsafe { eng_triggers_advance_json(chunked, until, &mut out, null_mut()) });
    if s == eng_status::Ok {
        if let serde_json::Value::Array(a) = take_json(out) {
            actions.extend(a);
        }
    }
    // A push orders one second by customer and content, but a live feed's pushes keep their
    // arrival order (documented): chunks match a batch when no second spans two chunks.
    let splits_a_second = cuts.windows(3).any(|w| {
        let before = c.1[w[0]..w[1]].iter().max();
        let after = c.1[w[1]..w[2]].iter().min();
        before.is_some() && before == after
    });
    if all_accepted && !splits_a_second && s == eng_status::Ok {
        // Every chunk was in time order after the one before: one batch must give the same actions.
        let batch = engine();
        let mut once = match push(batch, &c, 0..n) {
            Some(serde_json::Value::Array(a)) => a,
            other => panic!("the batch was refused where its chunks were not: {other:?}"),
        };
        let mut out: *mut c_char = null_mut();
        // SAFETY: as above.
        assert_eq!(
            checked(unsafe { eng_triggers_advance_json(batch, until, &mut out, null_mut()) }),
            eng_status::Ok
        );
        if let serde_json::Value::Array(a) = take_json(out) {
            once.extend(a);
        }
        assert_eq!(actions, once, "chunks and one batch disagree");
        // SAFETY: freed once.
        unsafe { eng_triggers_free(batch) };
    }
    // SAFETY: freed once.
    unsafe { eng_triggers_free(chunked) };
});
