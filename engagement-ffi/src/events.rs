//! A product's own events: `eng_event_dictionary` (labels interned into
//! codes), path analysis, sessions, and funnels over events.

use std::ffi::{CStr, c_char};

use engagement_core::journey::paths::{PathColumns, PathConfig, path_analysis};
use engagement_core::journey::sessions::{SessionConfig, sessionize, sessions_by_id};
use engagement_core::{EngError, EventDictionary};

use crate::boundary::{Failure, boundary};
use crate::handle::{
    Castable, fill, fits, free, hand_out, handle_mut, handle_ref, optional, out, out_column, slice,
};
use crate::status::eng_status;
use crate::touchpoints::{Reads, eng_touchpoints, read};

/// An opaque dictionary of event labels: each distinct label (any UTF-8
/// text, the empty one included, up to 1,024 bytes) gets a `uint32_t` code,
/// the order in which it was first added. Create one, intern each batch's
/// labels into it, and pass it with the codes to the calls that read events;
/// results name events by label. Not thread-safe while interning; reading
/// calls may share it.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_event_dictionary {
    _private: [u8; 0],
}

impl Castable for eng_event_dictionary {
    type RustType = EventDictionary;
    const NOUN: &'static str = "event dictionary";
}

/// A new dictionary, empty (`labels_json` NULL or empty) or of the labels of
/// a JSON array of strings in code order, as `eng_event_dictionary_labels_json`
/// writes it (each label once). `*out_dictionary` receives it, owned by the
/// caller (release with `eng_event_dictionary_free`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `labels_json` NULL or `labels_len` readable bytes; `out_dictionary` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_event_dictionary_new(
    labels_json: *const c_char,
    labels_len: usize,
    out_dictionary: *mut *mut eng_event_dictionary,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        unsafe {
            let to = out(out_dictionary, "out_dictionary")?;
            let d: Option<EventDictionary> =
                crate::json::optional(labels_json, labels_len, "labels_json")?;
            hand_out(d.unwrap_or_default(), to);
        }
        Ok(())
    })
}

/// Releases a dictionary. NULL is fine; must not be called twice.
///
/// # Safety
/// `dictionary` NULL or a live dictionary.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_event_dictionary_free(dictionary: *mut eng_event_dictionary) {
    // SAFETY: the caller's promise.
    unsafe { free(dictionary) }
}

/// Interns `len` labels and writes their codes to `out_codes` (`len`
/// elements), adding the labels never seen. `labels[i]` is UTF-8 text of
/// `lengths[i]` bytes, or NUL-terminated when `lengths` is NULL. A NULL
/// label, invalid UTF-8 or a label over 1,024 bytes is refused naming its
/// row, and then nothing is added.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_INVALID_UTF8`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `dictionary` a live dictionary no other call uses meanwhile; `labels` NULL
/// (with `len` 0) or `len` pointers, each NULL or valid as described;
/// `lengths` NULL or `len` elements; `out_codes` valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_event_dictionary_intern(
    dictionary: *mut eng_event_dictionary,
    labels: *const *const c_char,
    lengths: *const usize,
    len: usize,
    out_codes: *mut u32,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        unsafe {
            let handle = handle_mut(dictionary, "dictionary")?;
            let pointers = slice(labels, len, "labels")?;
            let lengths = optional(lengths, len, "lengths")?;
            let codes = out_column(out_codes, len, "out_codes")?;
            let mut texts = Vec::with_capacity(len);
            for (i, &p) in pointers.iter().enumerate() {
                if p.is_null() {
                    return Err(Failure::from(
                        EngError::invalid(
                            "labels",
                            "NULL",
                            "every touchpoint needs an event label",
                        )
                        .at_row(i),
                    ));
                }
                let bytes = match lengths.get(i) {
                    Some(&n) => slice(p.cast::<u8>(), n, "labels")?,
                    None => CStr::from_ptr(p).to_bytes(),
                };
                let label = std::str::from_utf8(bytes).map_err(|e| {
                    Failure::new(
                        eng_status::InvalidUtf8,
                        format!("argument labels at row {i} is not valid UTF-8: {e}"),
                    )
                })?;
                texts.push(label);
            }
            // A refusal adds nothing (intern_all undoes its additions).
            let new = handle.mutate(|d| d.intern_all(&texts))?;
            fill(codes, &new);
        }
        Ok(())
    })
}

/// The number of labels in `dictionary`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `dictionary` a live dictionary; `out_len` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_event_dictionary_len(
    dictionary: *const eng_event_dictionary,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        unsafe { *out(out_len, "out_len")? = handle_ref(dictionary, "dictionary")?.len() };
        Ok(())
    })
}

/// The labels in code order as a JSON array of strings, owned by the caller
/// (`eng_string_free`); `eng_event_dictionary_new` takes it back.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `dictionary` a live dictionary; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_event_dictionary_labels_json(
    dictionary: *const eng_event_dictionary,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        unsafe {
            let d = handle_ref(dictionary, "dictionary")?;
            crate::json::write(d, out_json, out_len)
        }
    })
}

/// Adds the labels of `other` that `dictionary` lacks and writes the table
/// turning `other`'s codes into `dictionary`'s: `out_remap[c]` for each of
/// `other`'s codes (capacity `cap`; `*out_len` gets `other`'s size). Use it to
/// combine codes interned on two machines.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_BUFFER_TOO_SMALL` (nothing added),
/// `ENG_STATUS_INCOMPATIBLE` (the same dictionary twice),
/// `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// Both live dictionaries; `dictionary` used by no other call meanwhile;
/// `out_remap` valid for `cap` writes; `out_len` for one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_event_dictionary_merge(
    dictionary: *mut eng_event_dictionary,
    other: *const eng_event_dictionary,
    out_remap: *mut u32,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        unsafe {
            if std::ptr::eq(dictionary.cast_const(), other) && !other.is_null() {
                return Err(Failure::new(
                    eng_status::Incompatible,
                    "incompatible: a dictionary merged with itself (its codes map to themselves)",
                ));
            }
            let other = handle_ref(other, "other")?.clone();
            let handle = handle_mut(dictionary, "dictionary")?;
            let remap_out = out_column(out_remap, cap, "out_remap")?;
            let out_len = out(out_len, "out_len")?;
            fits(other.len(), cap, out_len)?;
            let remap = handle.mutate(|d| d.merge(&other))?;
            fill(remap_out, &remap);
            *out_len = remap.len();
        }
        Ok(())
    })
}

/// Path analysis of the touchpoints (`customer`, `time`; `channel` and
/// `kind` codes, either or both NULL for an event log: read as `other`): the transition graph with
/// `path_start` and `path_end`, the step matrix and the top paths, as JSON
/// owned by the caller (`eng_string_free`): `{"by", "per", "labels",
/// "edges": {"from", "to" (indices into labels), "count", "paths",
/// "customers", "proba_out", "proba_in", "median_seconds", "p95_seconds"},
/// "steps", "step_matrix" (labels × steps, row-major), "top_paths",
/// "top_path_counts", "paths", "customers"}`.
///
/// Optional columns read (NULL when absent): `event` codes of `dictionary`
/// (both or neither), `campaign` ids, `session` ids (with `per: "session"`,
/// sessions are these instead of cut by the gap). `config_json` is a
/// `PathConfig` (NULL or empty: defaults), e.g. `{"by": "channel:event",
/// "per": "session", "session": {"gap": 1800}, "collapse_repeats": true,
/// "steps": 10, "path_length": 5, "top_paths": 10}`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT` (a bad value or an
/// event code outside the dictionary, naming the row),
/// `ENG_STATUS_EMPTY_INPUT`,
/// `ENG_STATUS_CONFIG` (a dimension reading events or campaigns not given),
/// `ENG_STATUS_JSON`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
/// Thread-safe.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints` (its `dictionary` NULL or live);
/// `config_json` NULL or `config_len` bytes; `out_json` valid for one write;
/// `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_paths_json(
    touchpoints: *const eng_touchpoints,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Journey)?;
            let extra = PathColumns {
                events: tp.events()?,
                campaign: tp.campaign()?,
                session: tp.session()?,
            };
            let config: PathConfig = crate::json::config(config_json, config_len, "config_json")?;
            let p = path_analysis(&cols, &extra, &config)?;
            crate::json::write(&p, out_json, out_len)
        }
    })
}

/// Sessions of the touchpoints (`customer`, `time`): cut where a customer
/// is quiet for more than the gap (`config_json`: `{"gap": 1800}`, NULL or
/// empty for 30 minutes), or grouped by the given `session` ids (NULL:
/// none). `out_row_session` (NULL or `touchpoints->len` elements) receives each row's
/// session index; `out_json` (NULL or one write) receives the sessions in
/// order of customer then start and their summary: `{"customer", "start",
/// "end", "events", "summary": {"sessions", "customers",
/// "sessions_per_customer", "mean_duration", "median_duration",
/// "events_per_session", "bounce_rate"} or null}`, owned by the caller.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_CONFIG` (a bad gap), `ENG_STATUS_JSON`,
/// `ENG_STATUS_INVALID_INPUT`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints`; outputs as described.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_sessions(
    touchpoints: *const eng_touchpoints,
    config_json: *const c_char,
    config_len: usize,
    out_row_session: *mut u32,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let tp = read(touchpoints)?;
            let (c, t) = tp.customer_time()?;
            let ids = tp.session()?;
            let config: SessionConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let rows = out_column(out_row_session, tp.len, "out_row_session")?;
            let s = if tp.session.is_null() {
                sessionize(c, t, &config)?
            } else {
                sessions_by_id(c, t, ids)?
            };
            fill(rows, &s.row_session);
            if !out_json.is_null() {
                let doc = serde_json::json!({
                    "customer": s.customer,
                    "start": s.start,
                    "end": s.end,
                    "events": s.events,
                    "summary": s.summary().ok(),
                });
                crate::json::write(&doc, out_json, out_len)?;
            }
        }
        Ok(())
    })
}

/// Runs a funnel (`funnel_json` as `eng_funnel_json`; steps may also match
/// event labels: `{"name": "pay", "events": ["payment_card", "payment_cash"]}`
/// or `{"name": "pay", "event_prefix": "payment_"}`, or a regular
/// expression: `{"name": "pay", "event_regex": "^payment_(card|cash)$"}`
/// (unanchored unless anchored); `"per": "session"`
/// counts sessions) over the touchpoints of an event log (`channel` and
/// `kind` as `eng_paths_json`) with `event` codes of `dictionary` (both
/// NULL: none), `campaign` ids (NULL: none) and `session` ids (NULL: with
/// `"per": "session"`, sessions are cut by the gap; given, a session is a
/// customer's touchpoints with one id). The result as `eng_funnel_json`'s.
///
/// Returns as `eng_funnel_json`, and `ENG_STATUS_CONFIG` for a step reading
/// events or campaigns not given. A funnel per customer reads no session
/// ids.
///
/// # Safety
/// As `eng_paths_json`; `funnel_json` `funnel_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_funnel_events_json(
    touchpoints: *const eng_touchpoints,
    funnel_json: *const c_char,
    funnel_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Journey)?;
            let funnel: engagement_core::funnel::Funnel =
                crate::json::document(funnel_json, funnel_len, "funnel_json")?;
            let extras = engagement_core::funnel::FunnelExtras {
                campaign: tp.campaign()?,
                stages: None,
                events: tp.events()?,
                session: tp.session()?,
            };
            let r = engagement_core::funnel::run_funnel_with(&cols, &extras, &funnel)?;
            crate::json::write(&r, out_json, out_len)
        }
    })
}

/// Retention of start and return events over the touchpoints (`channel`
/// and `kind` as `eng_paths_json`: either or both NULL for an event log;
/// `value` NULL for none; `event` codes of `dictionary`, both or neither;
/// `campaign` ids NULL for none), as `config_json` (a `RetentionConfig`;
/// NULL or blank for the defaults) says. Settings, with their defaults:
///
/// - `"start"`, `"return"`: matchers, `{"events": [labels], "event_prefix":
///   "pay_", "event_regex": "^a|b$", "kinds": [labels], "channels": [labels],
///   "campaigns": [ids]}` (every key optional; any touchpoint when absent);
///   `kinds` and `channels` need those columns;
/// - `"period"`: `"day"` (or `"week"`, ISO weeks from Monday, or `"month"`);
/// - `"windows"`: `"calendar"` (period k is the k-th local day, week or month
///   after the entry's) or `"rolling"` (k·24 h, k·7 d, k·30 d from the
///   entry's second); cohorts are local calendar periods either way;
/// - `"periods": 7` (brackets 1 … 7), or instead `"brackets": [[1, 1], [2,
///   7]]` (ascending, disjoint, from 1; not both);
/// - `"mode"`: `"bounded"` (returned in the bracket) or `"unbounded"` (in it
///   or later, to `as_of`);
/// - `"start_occurrence"`: `"first"` (a customer enters once, at the first
///   start) or `"recurring"` (once per period with a start);
/// - `"min_occurrences": 1` (return events needed in a bracket);
/// - `"as_of"`: the latest touchpoint's second (inclusive; later
///   touchpoints are ignored);
/// - `"utc_offset": 0` (seconds east of UTC, whole quarter hours: -18000 is
///   UTC−5);
/// - `"censor": true`: an entry counts in a bracket only once the bracket has
///   ended by `as_of` (its last second at or before it).
///
/// The table as JSON owned by the caller (`eng_string_free`): `{"period",
/// "windows", "mode", "brackets", "as_of", "cohort_start", "cohort" (local
/// dates), "size" (entries per cohort), "counted" (entries counted in each
/// bracket), "retained", "rate", "previous" (counted and retained in the
/// bracket before; the first bracket: counted), "kept" (of those, retained
/// again), "rate_of_previous", "value" (the return events' value; unbounded:
/// from the bracket's start to `as_of`), "value_per_entry", "total_size",
/// "total_counted", "total_retained", "total_rate",
/// "total_rate_of_previous", "total_value"}`, matrices row-major cohorts ×
/// brackets; rates and values with nobody counted are null. Labels missing
/// from the dictionary match nothing (a start that matches nothing is
/// `ENG_STATUS_EMPTY_INPUT`, its message listing the data's labels).
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_CONFIG` for a bad setting or a
/// matcher reading events, kinds, channels or campaigns not given;
/// `ENG_STATUS_EMPTY_INPUT` when nobody did the start event by `as_of`; as
/// `eng_paths_json` for bad columns.
///
/// # Safety
/// As `eng_paths_json`; `config_json` NULL or `config_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_retention_json(
    touchpoints: *const eng_touchpoints,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Value)?;
            let config: engagement_core::returning::RetentionConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let extra = PathColumns {
                events: tp.events()?,
                campaign: tp.campaign()?,
                session: &[],
            };
            let t = engagement_core::returning::retention(&cols, &extra, &config)?;
            crate::json::write(&t, out_json, out_len)
        }
    })
}

/// Lifecycle groups per period over the touchpoints (columns read as
/// `eng_retention_json`, `value` aside), as `config_json` (a `LifecycleConfig`; NULL or
/// blank for the defaults) says: `{"activity": {matcher as
/// eng_retention_json's; any touchpoint when absent}, "period": "week"
/// ("day", "week" from Monday, "month"), "as_of": the latest touchpoint's
/// second, "utc_offset": 0}`. In each period from the first with activity to
/// the one holding `as_of`: `new` (active for the first time in the data),
/// `returning` (active, and in the period before), `resurrecting` (active,
/// not in the period before, but earlier), `dormant` (active in the period
/// before, not in this one). The table as JSON owned by the caller
/// (`eng_string_free`): `{"period", "as_of", "period_start", "label" (local
/// dates), "new", "returning", "resurrecting", "dormant", "active",
/// "complete" (false for a last period not ended by `as_of`)}`.
///
/// Returns as `eng_retention_json` (`ENG_STATUS_EMPTY_INPUT` without
/// activity by `as_of`).
///
/// # Safety
/// As `eng_retention_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_lifecycle_json(
    touchpoints: *const eng_touchpoints,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Journey)?;
            let config: engagement_core::lifecycle::LifecycleConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let extra = PathColumns {
                events: tp.events()?,
                campaign: tp.campaign()?,
                session: &[],
            };
            let t = engagement_core::lifecycle::lifecycle(&cols, &extra, &config)?;
            crate::json::write(&t, out_json, out_len)
        }
    })
}

/// Stickiness over the touchpoints (columns read as `eng_retention_json`, `value` aside), as
/// `config_json` (a `StickinessConfig`; NULL or blank for the defaults) says:
/// `{"activity": {matcher as eng_retention_json's}, "period": "week" (or
/// "month": the span active days are counted in), "as_of": the latest
/// touchpoint's second, "utc_offset": 0}`. The table as JSON owned by the
/// caller (`eng_string_free`): `{"period", "as_of", "period_label",
/// "max_days" (7 or 31), "active_days" (row-major periods × max_days: the
/// customers active on exactly k + 1 days of the period), "total_days",
/// "day" (local dates from the first active day to `as_of`'s), "dau", "wau"
/// (active in the 7 days ending that day), "mau" (30 days), "dau_wau",
/// "dau_mau" (null over 0), "full_window" (false for the first 29 days)}`.
///
/// Returns as `eng_lifecycle_json`; `ENG_STATUS_CONFIG` for `"period":
/// "day"`.
///
/// # Safety
/// As `eng_retention_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_stickiness_json(
    touchpoints: *const eng_touchpoints,
    config_json: *const c_char,
    config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Journey)?;
            let config: engagement_core::stickiness::StickinessConfig =
                crate::json::config(config_json, config_len, "config_json")?;
            let extra = PathColumns {
                events: tp.events()?,
                campaign: tp.campaign()?,
                session: &[],
            };
            let t = engagement_core::stickiness::stickiness(&cols, &extra, &config)?;
            crate::json::write(&t, out_json, out_len)
        }
    })
}

/// Builds the partial of one part of an event log (see `eng_partial_new`),
/// for the kinds that read event labels or campaigns: `{"kind":
/// "event_paths", "config": {…PathConfig…}}`, funnels whose steps match
/// events, and attribution paths by another dimension (`{"kind": "paths",
/// "by": "event"}`). Columns read as `eng_paths_json` (`channel` and `kind` both
/// NULL for an event log; `value` NULL for no money; `event` codes of
/// `dictionary`, both or neither; `campaign` NULL for none; `session` ids
/// NULL for none, read by funnels per session). Parts may intern into different dictionaries: the
/// partials name events by label and merge into the one-pass result.
///
/// Returns as `eng_partial_new`.
///
/// # Safety
/// As `eng_paths_json`; `spec_json` `spec_len` readable bytes; `out_partial`
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_partial_new_events(
    spec_json: *const c_char,
    spec_len: usize,
    touchpoints: *const eng_touchpoints,
    out_partial: *mut *mut crate::partial::eng_partial,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let to = out(out_partial, "out_partial")?;
            let spec: engagement_core::partial::PartialSpec =
                crate::json::document(spec_json, spec_len, "spec_json")?;
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Value)?;
            let extras = engagement_core::funnel::FunnelExtras {
                campaign: tp.campaign()?,
                stages: None,
                events: tp.events()?,
                session: tp.session()?,
            };
            hand_out(
                engagement_core::partial::Partial::from_touchpoints_with(&spec, &cols, &extras)?,
                to,
            );
        }
        Ok(())
    })
}

/// Attributes the purchases of the touchpoints to touches named in any
/// dimension: a product's own events, campaigns, channels, kinds, or a
/// combination. `paths_json` sets how paths are built, e.g. `{"by":
/// "event", "lookback": 604800, "include_conversion": false}`; each key is
/// optional (NULL: all defaults): `by` is `"channel"` unless given
/// (`"event"`, `"campaign"`, `"kind"`, `"channel:event"` …), `lookback` 30
/// days in seconds, `include_conversion` false. Each purchase (kind `purchase`) closes a path of the
/// customer's touches within `lookback` before it, as
/// `eng_attribute_touchpoints_json` builds them; `rule_json` and the result
/// as `eng_attribute_json`, with touches named by their labels (e.g.
/// `"newsletter_42_open"`, or `"email:newsletter_42_open"` for
/// `channel:event`), numbered in order of first appearance over the
/// distinct paths sorted by their touches' labels. Columns read as
/// `eng_paths_json`, with `value` (NULL: no money); an event log may pass
/// `channel` NULL (read as `other`) and must pass `kind` (conversions are
/// purchases); `event` codes of `dictionary` (both NULL: none); `campaign`
/// ids (NULL: none).
///
/// Returns as `eng_attribute_touchpoints_json`, and `ENG_STATUS_CONFIG` for
/// a dimension reading events or campaigns not given.
///
/// # Safety
/// As `eng_paths_json`; `paths_json` NULL or
/// `paths_len` readable bytes; `rule_json` NULL or `rule_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_attribute_events_json(
    touchpoints: *const eng_touchpoints,
    paths_json: *const c_char,
    paths_len: usize,
    rule_json: *const c_char,
    rule_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Value)?;
            let options: engagement_core::attribution::PathOptions =
                crate::json::config(paths_json, paths_len, "paths_json")?;
            let rule: engagement_core::attribution::Rule =
                crate::json::config(rule_json, rule_len, "rule_json")?;
            let extra = PathColumns {
                events: tp.events()?,
                campaign: tp.campaign()?,
                session: &[],
            };
            let paths =
                engagement_core::attribution::paths_from_touchpoints_by(&cols, &extra, &options)?;
            let result = engagement_core::attribution::attribute(&paths, &rule)?;
            crate::json::write(&result, out_json, out_len)
        }
    })
}

/// Feeds a trigger engine touchpoints of an event log with their event
/// labels and campaign ids, as `eng_triggers_push_json` feeds touchpoints:
/// rules of type `"event"` (`{"type": "event", "on": {"events":
/// ["pricing_page_view"]}, "once": true}`) and `"abandoned"` (`{"type":
/// "abandoned", "start": {"events": ["trial_started"]}, "complete":
/// {"event_prefix": "project_"}, "wait": 259200}`) match them; a matcher
/// takes `events`, `event_prefix`, `event_regex`, `kinds`, `channels` and
/// `campaigns`, all given ones holding. Columns read as `eng_paths_json`
/// (`channel` and `kind` both NULL for an event log; `value` NULL for no
/// money; `event` codes of `dictionary`, both NULL for none; `campaign` NULL
/// for none). The due actions as `eng_triggers_push_json` returns them.
///
/// Returns as `eng_triggers_push_json`, and `ENG_STATUS_CONFIG` for a rule
/// matching events or campaigns not given (nothing is applied).
///
/// # Safety
/// `triggers` a live engine no other call uses meanwhile; `touchpoints` as
/// `eng_paths_json`; `out_json` valid for one
/// write, `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_triggers_push_events_json(
    triggers: *mut crate::triggers::eng_triggers,
    touchpoints: *const eng_touchpoints,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let e = handle_mut(triggers, "triggers")?;
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Value)?;
            let extra = PathColumns {
                events: tp.events()?,
                campaign: tp.campaign()?,
                session: &[],
            };
            out(out_json, "out_json")?;
            let actions = e.mutate(|e| e.push_events(&cols, &extra));
            crate::json::write(&actions?, out_json, out_len)
        }
    })
}

/// The step matrix of one path analysis minus another's (two groups:
/// segments, cohorts, experiment arms), each out of its own paths. `a_json`
/// and `b_json` are documents as `eng_paths_json` returns them, unchanged,
/// with equal `steps`. The result is JSON owned by the caller: `{"labels"
/// (the events of either in text order, then "path_end"), "steps", "diff"
/// (labels × steps, row-major)}`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON` (not a path analysis),
/// `ENG_STATUS_CONFIG` (different steps), `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `a_json` and `b_json` readable for their lengths; `out_json` valid for
/// one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_step_matrix_diff_json(
    a_json: *const c_char,
    a_len: usize,
    b_json: *const c_char,
    b_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let a: engagement_core::journey::paths::PathAnalysis =
                crate::json::document(a_json, a_len, "a_json")?;
            let b: engagement_core::journey::paths::PathAnalysis =
                crate::json::document(b_json, b_len, "b_json")?;
            crate::json::write(&a.step_diff(&b)?, out_json, out_len)
        }
    })
}

/// An experiment read out from the touchpoints (columns read as
/// `eng_retention_json`: `channel` and `kind` may be NULL for an event log,
/// `value` NULL for no money, `event` with its `dictionary`, `campaign`
/// NULL) and an assignment of `assigned` customers: `assigned_customer`
/// (each once), `assigned_arm` (an index into `arm_names_json`, a JSON
/// array of the arms' names) and `exposed_at` (Unix seconds of the first
/// exposure). Touchpoints of customers not assigned are ignored; an assigned
/// customer without touchpoints counts with zeros.
///
/// `spec_json` (an `ExperimentSpec`) lists the metrics and how to read them
/// out: `{"metrics": [{"name": "purchased", "measure": MEASURE, "window":
/// seconds after exposure (absent: up to as_of), "pre_period": seconds
/// before exposure for CUPED (absent: none)}], "as_of": the latest
/// touchpoint's or exposure's second, "readout": settings as
/// `eng_readout_json`'s config (its kind follows each metric)}`. MEASURE is
/// `{"type": "conversion" | "count" | "value", "match": {matcher as
/// eng_retention_json's; any touchpoint when absent}}`, `{"type":
/// "sessions", "gap": 1800 (the default)}`, `{"type": "retained", "day": 7,
/// "match": {…}}` (active in the 24 hours from 7 days after exposure; day 0
/// is the first 24 hours) or `{"type": "ratio", "numerator": MEASURE,
/// "denominator": MEASURE}`. A metric with a window (and `retained`) counts
/// only customers whose window ended by `as_of`. A match no touchpoint meets
/// is `ENG_STATUS_EMPTY_INPUT`, its message listing the data's event labels;
/// `correction` works across the arms of each metric (`eng_adjust_p_values`
/// across metrics).
///
/// The result as JSON owned by the caller (`eng_string_free`): `{"as_of",
/// "exposed" (per arm), "metrics": [{"name", "in_progress" (per arm: exposed
/// but their window not ended), "readout": as eng_readout_json returns}]}`.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_INVALID_INPUT` (a customer assigned
/// twice, an arm index without a name, bad columns, a metric's readout
/// refused: its message names the metric); `ENG_STATUS_LENGTH_MISMATCH`;
/// `ENG_STATUS_EMPTY_INPUT` (an arm with no counted customer, nobody exposed
/// by `as_of`, a match nothing meets); `ENG_STATUS_CONFIG` (no metrics, a bad
/// setting, a matcher reading columns not given, a value metric without
/// values); `ENG_STATUS_JSON`; `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// As `eng_retention_json` for the touchpoints; the three assignment
/// columns `assigned` elements each; `arm_names_json` `names_len` bytes;
/// `spec_json` `spec_len` bytes; `out_json` valid for one write; `out_len`
/// NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_experiment_readout_json(
    touchpoints: *const eng_touchpoints,
    assigned_customer: *const u64,
    assigned_arm: *const u32,
    exposed_at: *const i64,
    assigned: usize,
    arm_names_json: *const c_char,
    names_len: usize,
    spec_json: *const c_char,
    spec_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let tp = read(touchpoints)?;
            let cols = tp.log(Reads::Value)?;
            let extra = PathColumns {
                events: tp.events()?,
                campaign: tp.campaign()?,
                session: &[],
            };
            let assignment = engagement_core::experiment::Assignment {
                customer: slice(assigned_customer, assigned, "assigned_customer")?,
                arm: slice(assigned_arm, assigned, "assigned_arm")?,
                exposed_at: slice(exposed_at, assigned, "exposed_at")?,
            };
            let names: Vec<String> =
                crate::json::document(arm_names_json, names_len, "arm_names_json")?;
            let spec: engagement_core::experiment::ExperimentSpec =
                crate::json::document(spec_json, spec_len, "spec_json")?;
            let r = engagement_core::experiment::experiment_readout(
                &cols,
                &extra,
                &assignment,
                &names,
                &spec,
            )?;
            crate::json::write(&r, out_json, out_len)
        }
    })
}
