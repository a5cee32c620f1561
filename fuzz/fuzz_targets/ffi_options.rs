//! The options of the product analyses, fuzzed over a small event log: a selector byte picks
//! retention, lifecycle, stickiness, a funnel over events, sessions, event paths, a funnel over
//! channels and kinds, or a cohort table; up to 32 rows of log follow (customer, time, event,
//! value); the rest of the input is the options' JSON text. Documented statuses only; the same
//! answer for the same input and for the rows in reverse order; and when a result comes back,
//! the numbers nest as they must: retained within counted within the cohort's size, rates in
//! [0, 1], funnel counts never growing along the steps, a session index per row, cohort activity
//! within the cohort.
#![no_main]

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use engagement::eng_touchpoints;
use engagement::events::*;
use engagement::status::eng_status;
use engagement_fuzz::{Bytes, checked, take_json};
use libfuzzer_sys::fuzz_target;

const LABELS: [&str; 5] = ["signup", "open", "buy", "open_app", "pay_card"];
const CALLS: u8 = 8;

/// One log, its rows in the given order.
struct Log {
    customer: Vec<u64>,
    time: Vec<i64>,
    event: Vec<u32>,
    value: Vec<f64>,
    channel: Vec<u8>,
    kind: Vec<u8>,
}

impl Log {
    fn reversed(&self) -> Log {
        fn rev<T: Copy>(v: &[T]) -> Vec<T> {
            v.iter().rev().copied().collect()
        }
        Log {
            customer: rev(&self.customer),
            time: rev(&self.time),
            event: rev(&self.event),
            value: rev(&self.value),
            channel: rev(&self.channel),
            kind: rev(&self.kind),
        }
    }

    /// The rows as an event log (`channel`/`kind` NULL), or as touchpoints with channel and kind.
    fn touchpoints(&self, dict: *const eng_event_dictionary, coded: bool) -> eng_touchpoints {
        eng_touchpoints {
            len: self.customer.len(),
            customer: self.customer.as_ptr(),
            time: self.time.as_ptr(),
            value: self.value.as_ptr(),
            event: if coded { null() } else { self.event.as_ptr() },
            dictionary: if coded { null() } else { dict },
            channel: if coded { self.channel.as_ptr() } else { null() },
            kind: if coded { self.kind.as_ptr() } else { null() },
            ..Default::default()
        }
    }
}

/// Calls analysis `which` over `log` with `options`: its status and JSON (and session indices).
fn call(
    which: u8,
    log: &Log,
    dict: *const eng_event_dictionary,
    options: &[u8],
) -> (eng_status, Option<serde_json::Value>, Vec<u32>) {
    let (p, n) = (options.as_ptr().cast::<c_char>(), options.len());
    let mut out: *mut c_char = null_mut();
    let mut sessions = vec![u32::MAX; log.customer.len()];
    let events = log.touchpoints(dict, false);
    let coded = log.touchpoints(dict, true);
    // SAFETY: every column holds `len` rows; the options their own length; outputs writable.
    let status = checked(unsafe {
        match which {
            0 => eng_retention_json(&events, p, n, &mut out, null_mut()),
            1 => eng_lifecycle_json(&events, p, n, &mut out, null_mut()),
            2 => eng_stickiness_json(&events, p, n, &mut out, null_mut()),
            3 => eng_funnel_events_json(&events, p, n, &mut out, null_mut()),
            4 => eng_sessions(&events, p, n, sessions.as_mut_ptr(), &mut out, null_mut()),
            5 => eng_paths_json(&events, p, n, &mut out, null_mut()),
            6 => engagement::journey::eng_funnel_json(&coded, p, n, &mut out, null_mut()),
            _ => engagement::transactions::eng_cohorts_json(
                log.customer.as_ptr(),
                log.time.as_ptr(),
                log.value.as_ptr(),
                log.customer.len(),
                log.time.iter().max().copied().unwrap_or(0),
                p,
                n,
                &mut out,
                null_mut(),
            ),
        }
    });
    let json = (status == eng_status::Ok).then(|| take_json(out));
    (status, json, sessions)
}

fn numbers(doc: &serde_json::Value, key: &str) -> Vec<f64> {
    fn flat(v: &serde_json::Value, out: &mut Vec<f64>) {
        match v {
            serde_json::Value::Array(a) => a.iter().for_each(|x| flat(x, out)),
            serde_json::Value::Number(n) => out.push(n.as_f64().unwrap_or(f64::NAN)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    flat(&doc[key], &mut out);
    out
}

fn unit(values: &[f64], what: &str) {
    assert!(
        values.iter().all(|v| (0.0..=1.0).contains(v)),
        "{what} outside [0, 1]: {values:?}"
    );
}

/// What every result of `which` must satisfy.
fn check(which: u8, doc: &serde_json::Value, sessions: &[u32]) {
    match which {
        0 => {
            let (size, counted, retained) = (
                numbers(doc, "size"),
                numbers(doc, "counted"),
                numbers(doc, "retained"),
            );
            let k = doc["brackets"].as_array().map_or(0, Vec::len);
            assert_eq!(counted.len(), size.len() * k, "cohorts × brackets cells");
            for (c, s) in size.iter().enumerate() {
                for j in 0..k {
                    let (n, r) = (counted[c * k + j], retained[c * k + j]);
                    assert!(r <= n && n <= *s, "retained {r} ≤ counted {n} ≤ size {s}");
                }
            }
            unit(&numbers(doc, "rate"), "rate");
            unit(&numbers(doc, "total_rate"), "total rate");
            unit(&numbers(doc, "rate_of_previous"), "rate of previous");
        }
        1 => {
            let (active, new) = (numbers(doc, "active"), numbers(doc, "new"));
            let (returning, resurrecting) = (numbers(doc, "returning"), numbers(doc, "resurrecting"));
            for i in 0..active.len() {
                assert_eq!(
                    active[i],
                    new[i] + returning[i] + resurrecting[i],
                    "active is new, returning and resurrecting"
                );
            }
        }
        2 => {
            unit(&numbers(doc, "dau_wau"), "DAU/WAU");
            unit(&numbers(doc, "dau_mau"), "DAU/MAU");
        }
        3 | 6 if doc["customers"].as_array().is_some_and(|a| a.iter().all(|x| x.is_number())) => {
            let counts = numbers(doc, "customers");
            assert!(
                counts.windows(2).all(|w| w[1] <= w[0]),
                "funnel counts grow: {counts:?}"
            );
        }
        4 => {
            let n = doc["customer"].as_array().map_or(0, Vec::len);
            assert!(
                sessions.iter().all(|&s| (s as usize) < n),
                "a row without its session: {sessions:?} of {n}"
            );
        }
        7 => {
            let (size, active) = (numbers(doc, "size"), numbers(doc, "active"));
            let w = if size.is_empty() { 0 } else { active.len() / size.len() };
            for (c, s) in size.iter().enumerate() {
                assert!(
                    active[c * w..(c + 1) * w].iter().all(|a| a <= s),
                    "cohort activity within its size"
                );
            }
            unit(&numbers(doc, "retention"), "cohort retention");
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let which = b.u8() % CALLS;
    let rows = usize::from(b.u8() % 33);
    let mut log = Log {
        customer: Vec::new(),
        time: Vec::new(),
        event: Vec::new(),
        value: Vec::new(),
        channel: Vec::new(),
        kind: Vec::new(),
    };
    for _ in 0..rows {
        let (c, lo, hi, e) = (b.u8(), b.u8(), b.u8(), b.u8());
        log.customer.push(u64::from(c % 4) + 1);
        // Half-hours over about three and a half years from 2023-11-14.
        log.time.push(1_700_000_000 + i64::from(u16::from_le_bytes([lo, hi])) * 1800);
        log.event.push(u32::from(e % 5));
        log.value.push(f64::from(e >> 3));
        log.channel.push(e % 8);
        log.kind.push((e >> 4) % 5);
    }
    let options = b.0;
    let mut dict = null_mut();
    // SAFETY: a writable out pointer; NULL JSON is the empty dictionary.
    assert_eq!(
        checked(unsafe { eng_event_dictionary_new(null(), 0, &mut dict) }),
        eng_status::Ok
    );
    let pointers: Vec<*const c_char> = LABELS.iter().map(|l| l.as_ptr().cast()).collect();
    let lengths: Vec<usize> = LABELS.iter().map(|l| l.len()).collect();
    let mut codes = [0u32; 5];
    // SAFETY: five labels of their lengths; five codes out.
    assert_eq!(
        checked(unsafe {
            eng_event_dictionary_intern(dict, pointers.as_ptr(), lengths.as_ptr(), 5, codes.as_mut_ptr())
        }),
        eng_status::Ok
    );
    assert_eq!(codes, [0, 1, 2, 3, 4]);

    let first = call(which, &log, dict, options);
    if let Some(doc) = &first.1 {
        check(which, doc, &first.2);
    }
    let again = call(which, &log, dict, options);
    assert_eq!((first.0, &first.1), (again.0, &again.1), "the same input, another answer");
    // Rows in another order give the same answer (sessions are indexed in the order of
    // customer and start, not of rows, so their document is compared, not the row indices).
    let back = call(which, &log.reversed(), dict, options);
    assert_eq!(first.0, back.0, "rows reversed, another status");
    assert_eq!(first.1, back.1, "rows reversed, another result");
    // SAFETY: the dictionary is live and freed once.
    unsafe { eng_event_dictionary_free(dict) };
});
