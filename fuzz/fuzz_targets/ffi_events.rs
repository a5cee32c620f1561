//! A product's own events from arbitrary bytes: labels (any bytes, some not UTF-8, some NULL)
//! interned into a dictionary, codes (some past the dictionary), an event log's paths, sessions
//! and a funnel under a fuzzed configuration. Documented statuses only; a refused intern adds
//! nothing; and when the paths are computed, rotating the rows and interning the labels in
//! another order (another code for each label) gives the same document, every step column sums
//! to 1 and proba_out sums to 1 out of every node but path_end.
#![no_main]

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use engagement::events::*;
use engagement::status::eng_status;
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

struct Dict(*mut eng_event_dictionary);

impl Dict {
    fn new() -> Self {
        let mut d = null_mut();
        // SAFETY: a writable out pointer; NULL JSON is the empty dictionary.
        assert_eq!(
            checked(unsafe { eng_event_dictionary_new(null(), 0, &mut d) }),
            eng_status::Ok
        );
        Dict(d)
    }

    fn len(&self) -> usize {
        let mut n = 0;
        // SAFETY: a live dictionary; a writable length.
        assert_eq!(
            checked(unsafe { eng_event_dictionary_len(self.0, &mut n) }),
            eng_status::Ok
        );
        n
    }

    /// Codes of `labels` (None: a NULL pointer), or the refusal's status.
    fn intern(&self, labels: &[Option<Vec<u8>>]) -> Result<Vec<u32>, eng_status> {
        let pointers: Vec<*const c_char> = labels
            .iter()
            .map(|l| l.as_ref().map_or(null(), |b| b.as_ptr().cast()))
            .collect();
        let lengths: Vec<usize> = labels
            .iter()
            .map(|l| l.as_ref().map_or(0, Vec::len))
            .collect();
        let mut codes = vec![0u32; labels.len()];
        // SAFETY: each pointer is NULL or holds its length in bytes; outputs hold `len` codes.
        let s = checked(unsafe {
            eng_event_dictionary_intern(
                self.0,
                pointers.as_ptr(),
                lengths.as_ptr(),
                labels.len(),
                codes.as_mut_ptr(),
            )
        });
        if s == eng_status::Ok {
            Ok(codes)
        } else {
            Err(s)
        }
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        // SAFETY: a live dictionary, freed once.
        unsafe { eng_event_dictionary_free(self.0) };
    }
}

/// The paths document (None when refused).
fn paths(
    customer: &[u64],
    time: &[i64],
    codes: &[u32],
    dict: &Dict,
    config: &[u8],
) -> Option<serde_json::Value> {
    let mut out: *mut c_char = null_mut();
    // SAFETY: columns of equal length; a live dictionary; config its own length.
    let s = checked(unsafe {
        eng_paths_json(
            &engagement::eng_touchpoints {
                len: customer.len(),
                customer: customer.as_ptr(),
                time: time.as_ptr(),
                event: codes.as_ptr(),
                dictionary: dict.0,
                ..Default::default()
            },
            config.as_ptr().cast(),
            config.len(),
            &mut out,
            null_mut(),
        )
    });
    (s == eng_status::Ok).then(|| take_json(out))
}

const CONFIGS: [&[u8]; 4] = [
    b"",
    br#"{"per": "session", "session": {"gap": 300}}"#,
    br#"{"collapse_repeats": true, "steps": 3, "path_length": 2}"#,
    br#"{"by": "event:kind", "per": "session"}"#,
];

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let config: &[u8] = match b.u8() % 5 {
        4 => {
            // A fuzzed configuration: the rest of a short run of bytes.
            let n = usize::from(b.u8() % 48);
            &data[data.len().saturating_sub(n)..]
        }
        k => CONFIGS[usize::from(k)],
    };
    // Rows: customer 1–4, time steps of 0–255 × 13 s (ties when 0), a label of 0–3 bytes
    // from a small alphabet (sometimes a byte that is not UTF-8, sometimes NULL).
    let (mut customer, mut time, mut labels) = (vec![], vec![], vec![]);
    let mut t = 1_700_000_000i64;
    while !b.is_empty() && customer.len() < 64 {
        let head = b.u8();
        customer.push(u64::from(head % 4) + 1);
        t += i64::from(b.u8()) * 13;
        time.push(t);
        let label = match head >> 6 {
            0 => None,
            k => Some(
                (0..k)
                    .map(|_| b"ab\xffc"[usize::from(b.u8() % 4)])
                    .collect::<Vec<u8>>(),
            ),
        };
        labels.push(label);
    }
    let dict = Dict::new();
    let codes = match dict.intern(&labels) {
        Ok(c) => c,
        Err(s) => {
            assert!(matches!(
                s,
                eng_status::InvalidInput | eng_status::InvalidUtf8
            ));
            assert_eq!(dict.len(), 0, "a refused intern adds nothing");
            return;
        }
    };
    // The event log every call below reads: one struct, as a host fills it once.
    let log = engagement::eng_touchpoints {
        len: customer.len(),
        customer: customer.as_ptr(),
        time: time.as_ptr(),
        event: codes.as_ptr(),
        dictionary: dict.0,
        ..Default::default()
    };
    let Some(a) = paths(&customer, &time, &codes, &dict, config) else {
        return;
    };
    // Invariants of the document.
    let steps = a["steps"].as_u64().unwrap_or(0) as usize;
    let nodes = a["labels"].as_array().map_or(0, Vec::len);
    let cells: Vec<f64> = a["step_matrix"]
        .as_array()
        .map(|v| v.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    assert_eq!(cells.len(), nodes * steps);
    for k in 0..steps {
        let column: f64 = (0..nodes).map(|r| cells[r * steps + k]).sum();
        assert!((column - 1.0).abs() < 1e-9, "step {k} sums to {column}");
    }
    let e = &a["edges"];
    let from: Vec<u64> = e["from"]
        .as_array()
        .map(|v| v.iter().filter_map(serde_json::Value::as_u64).collect())
        .unwrap_or_default();
    let proba: Vec<f64> = e["proba_out"]
        .as_array()
        .map(|v| v.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    for node in 0..nodes.saturating_sub(1) as u64 {
        let out: f64 = from
            .iter()
            .zip(&proba)
            .filter(|(f, _)| **f == node)
            .map(|(_, p)| p)
            .sum();
        assert!(
            (out - 1.0).abs() < 1e-9,
            "node {node} proba_out sums to {out}"
        );
    }
    // A document minus itself is zero everywhere.
    let text = a.to_string();
    let mut diff = null_mut();
    // SAFETY: two copies of one document, their lengths; a writable output.
    let s = checked(unsafe {
        eng_step_matrix_diff_json(
            text.as_ptr().cast(),
            text.len(),
            text.as_ptr().cast(),
            text.len(),
            &mut diff,
            null_mut(),
        )
    });
    assert_eq!(s, eng_status::Ok, "a path analysis against itself");
    let d = take_json(diff);
    assert!(
        d["diff"]
            .as_array()
            .is_some_and(|v| v.iter().all(|x| x.as_f64() == Some(0.0)))
    );
    // The same rows rotated, interned in that order: the same document.
    let k = usize::from(data[0]) % customer.len().max(1);
    let (mut c2, mut t2, mut l2) = (customer.clone(), time.clone(), labels.clone());
    c2.rotate_left(k);
    t2.rotate_left(k);
    l2.rotate_left(k);
    let dict2 = Dict::new();
    let codes2 = dict2.intern(&l2).expect("the same labels intern again");
    assert_eq!(
        paths(&c2, &t2, &codes2, &dict2, config),
        Some(a),
        "row and code order"
    );

    // Sessions and a funnel over the same log: documented statuses, no panic.
    let mut rows = vec![0u32; customer.len()];
    let mut out: *mut c_char = null_mut();
    // SAFETY: columns of equal length; outputs sized to the rows.
    let s = checked(unsafe {
        eng_sessions(
            &engagement::eng_touchpoints {
                len: customer.len(),
                customer: customer.as_ptr(),
                time: time.as_ptr(),
                ..Default::default()
            },
            config.as_ptr().cast(),
            config.len(),
            rows.as_mut_ptr(),
            &mut out,
            null_mut(),
        )
    });
    if s == eng_status::Ok {
        take_json(out);
    }
    let funnel = br#"{"steps": [{"name": "a", "event_prefix": "a"}, {"name": "b", "events": ["b", "ab"]}], "per": "session"}"#;
    let mut out: *mut c_char = null_mut();
    // SAFETY: as above; the funnel its own length.
    let s = checked(unsafe {
        eng_funnel_events_json(
            &log,
            funnel.as_ptr().cast(),
            funnel.len(),
            &mut out,
            null_mut(),
        )
    });
    if s == eng_status::Ok {
        take_json(out);
    }
    // Retention over the same log (rolling days, custom brackets, no censoring): documented
    // statuses, and retained entries never exceed those counted.
    let retention = br#"{"start": {"event_prefix": "a"}, "return": {"events": ["b", "ab"]},
        "windows": "rolling", "brackets": [[1, 1], [2, 5]], "start_occurrence": "recurring", "censor": false}"#;
    let mut out: *mut c_char = null_mut();
    // SAFETY: as above; the configuration its own length.
    let s = checked(unsafe {
        eng_retention_json(
            &log,
            retention.as_ptr().cast(),
            retention.len(),
            &mut out,
            null_mut(),
        )
    });
    if s == eng_status::Ok {
        let doc = take_json(out);
        let column = |k: &str| -> Vec<u64> {
            doc[k].as_array().map_or(Vec::new(), |v| {
                v.iter().filter_map(serde_json::Value::as_u64).collect()
            })
        };
        let (counted, retained) = (column("total_counted"), column("total_retained"));
        assert_eq!(counted.len(), 2, "one total per bracket");
        assert!(
            counted.iter().zip(&retained).all(|(c, r)| r <= c),
            "retained within counted"
        );
    }
    // Lifecycle by day: a period's returning and dormant never exceed the period before's active.
    let lifecycle = br#"{"activity": {"event_prefix": "a"}, "period": "day", "utc_offset": 3600}"#;
    let mut out: *mut c_char = null_mut();
    // SAFETY: as above.
    let s = checked(unsafe {
        eng_lifecycle_json(
            &log,
            lifecycle.as_ptr().cast(),
            lifecycle.len(),
            &mut out,
            null_mut(),
        )
    });
    if s == eng_status::Ok {
        let doc = take_json(out);
        let column = |k: &str| -> Vec<u64> {
            doc[k].as_array().map_or(Vec::new(), |v| {
                v.iter().filter_map(serde_json::Value::as_u64).collect()
            })
        };
        let (active, returning, dormant) =
            (column("active"), column("returning"), column("dormant"));
        for p in 1..active.len() {
            assert!(
                returning[p] + dormant[p] == active[p - 1],
                "the period before's active went on or stopped"
            );
        }
    }
    // Stickiness: every day's active customers are within its weekly, within its monthly ones.
    let mut out: *mut c_char = null_mut();
    // SAFETY: as above; NULL configuration for the defaults.
    let s = checked(unsafe { eng_stickiness_json(&log, null(), 0, &mut out, null_mut()) });
    if s == eng_status::Ok {
        let doc = take_json(out);
        let column = |k: &str| -> Vec<u64> {
            doc[k].as_array().map_or(Vec::new(), |v| {
                v.iter().filter_map(serde_json::Value::as_u64).collect()
            })
        };
        let (dau, wau, mau) = (column("dau"), column("wau"), column("mau"));
        assert!(
            (0..dau.len()).all(|d| dau[d] <= wau[d] && wau[d] <= mau[d]),
            "DAU <= WAU <= MAU"
        );
    }
    // Attribution by event (every third touchpoint a purchase worth its code): the conversions
    // credited add up to the purchases, under either dictionary's codes.
    let kind: Vec<u8> = codes
        .iter()
        .map(|c| if c % 3 == 0 { 4 } else { 3 })
        .collect();
    let channel = vec![1u8; customer.len()];
    let value: Vec<f64> = codes.iter().map(|&c| f64::from(c % 100)).collect();
    let options = br#"{"by": "event", "lookback": 600}"#;
    let mut out: *mut c_char = null_mut();
    // SAFETY: columns of equal length; a live dictionary; JSON of its own length.
    let s = checked(unsafe {
        eng_attribute_events_json(
            &engagement::eng_touchpoints {
                channel: channel.as_ptr(),
                kind: kind.as_ptr(),
                value: value.as_ptr(),
                ..log
            },
            options.as_ptr().cast(),
            options.len(),
            null(),
            0,
            &mut out,
            null_mut(),
        )
    });
    if s == eng_status::Ok {
        let doc = take_json(out);
        let credited: f64 = doc["conversions"].as_array().map_or(0.0, |v| {
            v.iter().filter_map(serde_json::Value::as_f64).sum()
        });
        let purchases = kind.iter().filter(|&&k| k == 4).count() as f64;
        assert!(
            (credited - purchases).abs() < 1e-6,
            "{credited} credited of {purchases}"
        );
    }
    // Triggers on events: a once-only rule fires at most once per customer, and every action is
    // one of the rules'.
    let rules = br#"{"rules": [
        {"name": "once", "action": "o", "when": {"type": "event", "on": {"event_prefix": "a"}, "once": true}},
        {"name": "gone", "action": "g", "when": {"type": "abandoned", "wait": 60,
            "start": {"events": ["b"]}, "complete": {"event_regex": "^a.*b$"}}}]}"#;
    let mut engine = null_mut();
    // SAFETY: JSON of its own length; a writable output.
    assert_eq!(
        checked(unsafe {
            engagement::triggers::eng_triggers_new(rules.as_ptr().cast(), rules.len(), &mut engine)
        }),
        eng_status::Ok
    );
    let mut out: *mut c_char = null_mut();
    // SAFETY: a live engine; columns of equal length; a live dictionary.
    let s = checked(unsafe { eng_triggers_push_events_json(engine, &log, &mut out, null_mut()) });
    if s == eng_status::Ok {
        let actions = take_json(out);
        let mut once = std::collections::HashSet::new();
        for a in actions.as_array().into_iter().flatten() {
            let rule = a["rule"].as_str().unwrap_or("");
            assert!(rule == "once" || rule == "gone", "{a}");
            if rule == "once" {
                assert!(once.insert(a["customer"].as_u64()), "fired twice: {a}");
            }
        }
    }
    // SAFETY: a live engine, freed once.
    unsafe { engagement::triggers::eng_triggers_free(engine) };
    // Merging the second dictionary into the first maps its codes onto the same labels.
    let mut remap = vec![0u32; dict2.len()];
    let mut n = 0;
    // SAFETY: two live dictionaries; the remap sized to the other's labels.
    assert_eq!(
        checked(unsafe {
            eng_event_dictionary_merge(dict.0, dict2.0, remap.as_mut_ptr(), remap.len(), &mut n)
        }),
        eng_status::Ok
    );
    for (i, &c) in codes2.iter().enumerate() {
        let j = (i + k) % customer.len();
        assert_eq!(remap[c as usize], codes[j], "remapped code of row {i}");
    }
    // Two parts (rows before and after the cut) with their own dictionaries make the one-pass
    // partial once merged, for configurations the spec accepts.
    if let Ok(config) = std::str::from_utf8(config) {
        let config = if config.trim().is_empty() {
            "{}"
        } else {
            config
        };
        let spec = format!(r#"{{"kind": "event_paths", "config": {config}}}"#);
        let cut = customer
            .iter()
            .position(|&c| c == customer[0] + 1)
            .unwrap_or(customer.len());
        let partial = |rows: std::ops::Range<usize>, codes: &[u32], d: &Dict| {
            let mut p = null_mut();
            // SAFETY: the spec its own length; columns of `rows.len()` rows; a live dictionary.
            let s = checked(unsafe {
                engagement::events::eng_partial_new_events(
                    spec.as_ptr().cast(),
                    spec.len(),
                    &engagement::eng_touchpoints {
                        len: rows.len(),
                        customer: customer[rows.clone()].as_ptr(),
                        time: time[rows.clone()].as_ptr(),
                        event: codes[rows.clone()].as_ptr(),
                        dictionary: d.0,
                        ..Default::default()
                    },
                    &mut p,
                )
            });
            (s, p)
        };
        let (s_all, all) = partial(0..customer.len(), &codes, &dict);
        if s_all == eng_status::Ok
            && customer[..cut].iter().all(|&c| c == customer[0])
            && !customer[cut..].contains(&customer[0])
        {
            let (s1, a) = partial(0..cut, &codes, &dict);
            let (s2, b) = partial(cut..customer.len(), &codes, &dict);
            assert_eq!((s1, s2), (eng_status::Ok, eng_status::Ok));
            // SAFETY: live partials of one spec.
            unsafe {
                assert_eq!(
                    checked(engagement::partial::eng_partial_merge(a, b)),
                    eng_status::Ok
                );
                let (mut x, mut y) = (null_mut(), null_mut());
                let sx = checked(engagement::partial::eng_partial_result_json(
                    a,
                    &mut x,
                    null_mut(),
                ));
                let sy = checked(engagement::partial::eng_partial_result_json(
                    all,
                    &mut y,
                    null_mut(),
                ));
                assert_eq!(sx, sy);
                if sx == eng_status::Ok {
                    assert_eq!(
                        take_json(x),
                        take_json(y),
                        "two parts merged equal one pass"
                    );
                }
                engagement::partial::eng_partial_free(a);
                engagement::partial::eng_partial_free(b);
            }
        }
        // SAFETY: NULL or a live partial, freed once.
        unsafe { engagement::partial::eng_partial_free(all) };
    }
    // The labels' JSON makes the same dictionary again.
    let mut json: *mut c_char = null_mut();
    let mut len = 0;
    // SAFETY: a live dictionary; writable outputs.
    assert_eq!(
        checked(unsafe { eng_event_dictionary_labels_json(dict.0, &mut json, &mut len) }),
        eng_status::Ok
    );
    let mut again = null_mut();
    // SAFETY: the library's own string of `len` bytes, then freed.
    let s = checked(unsafe { eng_event_dictionary_new(json, len, &mut again) });
    let labels = take_json(json);
    assert_eq!(s, eng_status::Ok, "the labels' JSON reads back");
    let again = Dict(again);
    assert_eq!(
        (again.len(), labels.as_array().map_or(0, Vec::len)),
        (dict.len(), dict.len())
    );
});
