//! `eng_profile_store`: customer profiles that touchpoints are pushed into,
//! and the per-customer results read back from them.

use std::ffi::c_char;

use engagement_core::{Code, ProfileStore, ScoreConfig, Scorer, StageConfig, StageRules};

use crate::boundary::{Failure, Outcome, boundary};
use crate::handle::{
    Castable, fill, fits, free, hand_out, hand_out_bytes, handle_mut, handle_ref, out, out_column,
    path, slice,
};
use crate::status::eng_status;
use crate::touchpoints::{Reads, eng_touchpoints, read};

/// An opaque store of customer profiles, with the engagement-score
/// configuration it was created with.
///
/// Thread safety: a store may be read (`_len`, `_customers`, `_scores`, `_to_bytes`, `_save`,
/// `_stages`, `_rfm`, `_segments`, the `_json` readers and the metrics) from
/// several threads at once, but a call that changes it (`_push`, `_merge` as
/// the destination, `_add_customer_json`) must not run at the same time as any
/// other call on the same store. Output columns should not overlap (if they
/// do, later columns overwrite earlier ones).
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_profile_store {
    _private: [u8; 0],
}

/// What an `eng_profile_store` points to.
pub(crate) struct Store {
    pub(crate) store: ProfileStore,
    scorer: Scorer,
}

impl Castable for eng_profile_store {
    type RustType = Store;
    const NOUN: &'static str = "store";
}

/// Creates an empty store.
///
/// `config_json` (UTF-8, `config_len` bytes, no NUL needed) is a score
/// configuration (`ScoreConfig`: `signals`, `saturation`, `mix`); NULL or an
/// empty string means the defaults. On success `*out_store` receives a new
/// store owned by the caller, to be released with `eng_profile_store_free`.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_NULL_POINTER` (`out_store` NULL, or
/// `config_json` NULL with a length), `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_JSON` (malformed JSON or an unknown key), `ENG_STATUS_CONFIG`
/// (an invalid value). `*out_store` is written only on success.
///
/// # Safety
/// `config_json` must be NULL or point to `config_len` readable bytes;
/// `out_store` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_new(
    config_json: *const c_char,
    config_len: usize,
    out_store: *mut *mut eng_profile_store,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_store = unsafe { out(out_store, "out_store")? };
        // SAFETY: as above.
        let config: ScoreConfig =
            unsafe { crate::json::config(config_json, config_len, "config_json")? };
        let scorer = Scorer::new(config)?;
        let store = ProfileStore::with_signals(scorer.signals().clone());
        hand_out(Store { store, scorer }, out_store);
        Ok(())
    })
}

/// Creates a store holding the merged profiles of a `profiles` partial (see
/// `eng_partial_new`), so that scores, stages, RFM and segments of all the
/// parts come from the usual store calls.
///
/// `config_json` is a score configuration as for `eng_profile_store_new`;
/// NULL or empty means the defaults with the partial's own signals. Given
/// signals must equal the partial's.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`, `ENG_STATUS_INCOMPATIBLE` (not a
/// profiles partial, or other signals), `ENG_STATUS_POISONED`.
///
/// # Safety
/// `partial` a live partial; `config_json` NULL or `config_len` readable
/// bytes; `out_store` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_from_partial(
    partial: *const crate::partial::eng_partial,
    config_json: *const c_char,
    config_len: usize,
    out_store: *mut *mut eng_profile_store,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_store = unsafe { out(out_store, "out_store")? };
        // SAFETY: as above.
        let p = unsafe { handle_ref(partial, "partial")? };
        // SAFETY: as above.
        let config: Option<ScoreConfig> =
            unsafe { crate::json::optional(config_json, config_len, "config_json")? };
        let (store, scorer) = p.clone().into_scored_store(config)?;
        hand_out(Store { store, scorer }, out_store);
        Ok(())
    })
}

/// Releases a store. Calling with NULL is fine. Must not be called twice on
/// the same store, and the store must not be used afterwards.
///
/// # Safety
/// `store` must be NULL or a live store from `eng_profile_store_new` or
/// `eng_profile_store_from_partial`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_free(store: *mut eng_profile_store) {
    // SAFETY: the caller promises NULL or a live store.
    unsafe { free(store) }
}

/// Adds `len` touchpoints given as columns (any order, any customers).
///
/// Required columns: `customer` (ids), `time` (Unix seconds), `channel` and
/// `kind` (codes: the `ENG_CHANNEL_*` and `ENG_KIND_*` constants). Optional, may be NULL: `value` (money ≥ 0; NULL = 0),
/// `rating` with `rating_scale` (NaN = no rating on that row; scales
/// `ENG_SCALE_NPS` 0–10, `ENG_SCALE_CSAT` 1–5, `ENG_SCALE_CES` 1–7, and
/// `ENG_SCALE_MISSING` on rows without a rating; `rating_scale` may be NULL
/// only when no row has a rating). All rows are checked before any is
/// applied: on error the store is unchanged. The columns are read during the
/// call only.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_NULL_POINTER` (the store or a
/// required column NULL with `len > 0`); `ENG_STATUS_INVALID_INPUT` (a bad
/// value or code, the message naming the column and the row; or a rating
/// without its scale, `rating_scale` NULL or `ENG_SCALE_MISSING` on that row:
/// a rating is never read on a guessed scale, in any face); `ENG_STATUS_POISONED`.
///
/// # Safety
/// `touchpoints` a valid `eng_touchpoints` (every non-NULL column `len`
/// readable elements); no other call may use the store at the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_push(
    store: *mut eng_profile_store,
    touchpoints: *const eng_touchpoints,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let s = unsafe { handle_mut(store, "store")? };
        let cols = unsafe { read(touchpoints)?.columns(Reads::All)? };
        Ok(s.mutate(|s| s.store.push_columns(&cols))?)
    })
}

/// Writes the number of customers to `*out_len`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `store` must be a live store; `out_len` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_len(
    store: *const eng_profile_store,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let s = unsafe { handle_ref(store, "store")? };
        // SAFETY: as above.
        *unsafe { out(out_len, "out_len")? } = s.store.len();
        Ok(())
    })
}

/// Engagement scores of every customer at `as_of` (Unix seconds), in
/// ascending customer id, written into caller-provided columns of capacity
/// `cap`: `out_customer` and the scores `out_total`, `out_emotional`,
/// `out_contextual`, `out_convenient`, `out_social` (0–100). Any output column
/// may be NULL when not wanted. `*out_len` receives the number of customers.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_BUFFER_TOO_SMALL` when `cap` is below
/// the number of customers (then only `*out_len` is written, with the size
/// needed); `ENG_STATUS_AS_OF_BEFORE_DATA` when `as_of` is before a
/// customer's last touchpoint; `ENG_STATUS_NULL_POINTER`; `ENG_STATUS_POISONED`.
///
/// # Safety
/// Every non-NULL output column must be valid for `cap` writes; `out_len`
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_scores(
    store: *const eng_profile_store,
    as_of: i64,
    out_customer: *mut u64,
    out_total: *mut f64,
    out_emotional: *mut f64,
    out_contextual: *mut f64,
    out_convenient: *mut f64,
    out_social: *mut f64,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| -> Outcome {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let s = unsafe { handle_ref(store, "store")? };
        let out_len = unsafe { out(out_len, "out_len")? };
        let columns = unsafe {
            (
                out_column(out_customer, cap, "out_customer")?,
                out_column(out_total, cap, "out_total")?,
                out_column(out_emotional, cap, "out_emotional")?,
                out_column(out_contextual, cap, "out_contextual")?,
                out_column(out_convenient, cap, "out_convenient")?,
                out_column(out_social, cap, "out_social")?,
            )
        };
        fits(s.store.len(), cap, out_len)?;
        let scores = s.scorer.score_store(&s.store, as_of)?;
        fill(columns.0, &scores.customer);
        fill(columns.1, &scores.total);
        fill(columns.2, &scores.emotional);
        fill(columns.3, &scores.contextual);
        fill(columns.4, &scores.convenient);
        fill(columns.5, &scores.social);
        *out_len = scores.len();
        Ok(())
    })
}

/// Journey stages of every customer at `as_of`, in ascending customer id:
/// `out_customer` and `out_stage` (the `ENG_STAGE_*` codes).
/// `config_json` is a `StageConfig` (NULL or empty for the defaults). Output
/// columns may be NULL when not wanted.
///
/// Returns as `eng_profile_store_scores`, plus `ENG_STATUS_INVALID_UTF8`,
/// `ENG_STATUS_JSON` and `ENG_STATUS_CONFIG` for the configuration.
///
/// # Safety
/// As `eng_profile_store_scores`; `config_json` must be NULL or point to
/// `config_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_stages(
    store: *const eng_profile_store,
    as_of: i64,
    config_json: *const c_char,
    config_len: usize,
    out_customer: *mut u64,
    out_stage: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| -> Outcome {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let s = unsafe { handle_ref(store, "store")? };
        let out_len = unsafe { out(out_len, "out_len")? };
        let config: StageConfig =
            unsafe { crate::json::config(config_json, config_len, "config_json")? };
        let customers = unsafe { out_column(out_customer, cap, "out_customer")? };
        let stages_out = unsafe { out_column(out_stage, cap, "out_stage")? };
        let rules = StageRules::new(config)?;
        fits(s.store.len(), cap, out_len)?;
        let stages = rules.stage_store(&s.store, as_of)?;
        let codes: Vec<u8> = stages.stage.iter().map(|st| st.code()).collect();
        fill(customers, &stages.customer);
        fill(stages_out, &codes);
        *out_len = codes.len();
        Ok(())
    })
}

/// Every customer's profile summary as a JSON array (ascending customer id;
/// fields as `ProfileSummary`: touches, first/last touch and purchase,
/// purchases, revenue, refunds, latest ratings, counts per channel and kind …).
///
/// On success `*out_json` receives a NUL-terminated UTF-8 string owned by the
/// caller, to be released with `eng_string_free`, and `*out_len` its length
/// without the NUL (`out_len` may be NULL).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `store` must be a live store; `out_json` valid for one write; `out_len`
/// NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_profiles_json(
    store: *const eng_profile_store,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let s = unsafe { handle_ref(store, "store")? };
        let summaries: Vec<_> = s.store.iter().map(|p| p.summary()).collect();
        // SAFETY: the caller's promises.
        unsafe { crate::json::write(&summaries, out_json, out_len) }?;
        Ok(())
    })
}

/// Saves the store: its profiles, signal and score configuration, in the
/// versioned, checksummed form of `engagement_core::persist` (magic `ENGS`).
/// `*out_bytes` receives bytes owned by the caller, released with
/// `eng_bytes_free(*out_bytes, *out_len)`; `*out_len` their length.
/// `eng_profile_store_from_bytes` gives back an equal store: a store saved
/// at night, loaded and pushed the next day's touchpoints equals one store
/// pushed everything.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
/// The outputs are written only on success.
///
/// # Safety
/// `store` a live store; `out_bytes` and `out_len` valid for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_to_bytes(
    store: *const eng_profile_store,
    out_bytes: *mut *mut u8,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let s = unsafe { handle_ref(store, "store")? };
        // SAFETY: as above.
        let out_bytes = unsafe { out(out_bytes, "out_bytes")? };
        // SAFETY: as above.
        let out_len = unsafe { out(out_len, "out_len")? };
        let bytes = s.store.to_bytes_scored(&s.scorer)?;
        hand_out_bytes(bytes, out_bytes, out_len);
        Ok(())
    })
}

/// Loads a store saved by `eng_profile_store_to_bytes` (`len` bytes), with
/// the score configuration it was saved with. On success `*out_store`
/// receives a new store owned by the caller (`eng_profile_store_free`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_CORRUPT`
/// (truncated, padded, altered, not a saved store, a format version newer
/// than this library's, or profiles that do not fit together; the message
/// says which). Nothing is built from bytes that fail: there is no partial
/// load. Files saved by earlier versions of the library load.
///
/// # Safety
/// `bytes` must point to `len` readable bytes; `out_store` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_from_bytes(
    bytes: *const u8,
    len: usize,
    out_store: *mut *mut eng_profile_store,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_store = unsafe { out(out_store, "out_store")? };
        // SAFETY: as above.
        let bytes = unsafe { slice(bytes, len, "bytes")? };
        let (store, scorer) = ProfileStore::from_bytes_scored(bytes)?;
        hand_out(Store { store, scorer }, out_store);
        Ok(())
    })
}

/// Saves the store to the file at `path` (NUL-terminated; its directory
/// must exist), in the form of `eng_profile_store_to_bytes`. The file is
/// written under a temporary name beside it, synced, and renamed over
/// `path`: a crash while saving leaves the previous file whole.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_IO` (the
/// message names the file and the system's reason), `ENG_STATUS_POISONED`.
///
/// # Safety
/// `store` a live store; `path` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_save(
    store: *const eng_profile_store,
    path: *const c_char,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let s = unsafe { handle_ref(store, "store")? };
        // SAFETY: as above.
        let path = unsafe { self::path(path, "path")? };
        Ok(s.store.save_scored(&s.scorer, path)?)
    })
}

/// Loads a store from the file at `path` (NUL-terminated), as
/// `eng_profile_store_from_bytes` does from bytes. `ENG_STATUS_IO` is any
/// failure to read the file (missing, unreadable): a job that starts afresh
/// when there is no state yet should decide that by the file's absence,
/// not by this status.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_IO` (the
/// file cannot be read), `ENG_STATUS_CORRUPT`.
///
/// # Safety
/// `path` a NUL-terminated string; `out_store` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_load(
    path: *const c_char,
    out_store: *mut *mut eng_profile_store,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let out_store = unsafe { out(out_store, "out_store")? };
        // SAFETY: as above.
        let path = unsafe { self::path(path, "path")? };
        let (store, scorer) = ProfileStore::load_scored(path)?;
        hand_out(Store { store, scorer }, out_store);
        Ok(())
    })
}

/// Writes the latest touchpoint time of any customer (Unix seconds) to
/// `*out_time`: the `as_of` a morning report after the last night starts
/// from, with no need to keep the export.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_EMPTY_INPUT` (no touchpoint yet),
/// `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `store` a live store; `out_time` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_latest_time(
    store: *const eng_profile_store,
    out_time: *mut i64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        let s = unsafe { handle_ref(store, "store")? };
        // SAFETY: as above.
        let out_time = unsafe { out(out_time, "out_time")? };
        *out_time = s
            .store
            .latest_touch()
            .ok_or(engagement_core::EngError::EmptyInput {
                what: "the latest touchpoint time".into(),
                unit: "touchpoint".into(),
            })?;
        Ok(())
    })
}

/// Ascending customer ids of the store into `out_customer` (capacity `cap`);
/// `*out_len` receives the number of customers.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_BUFFER_TOO_SMALL` (only `*out_len`
/// written, with the size needed), `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `out_customer` must be NULL or valid for `cap` writes; `out_len` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_customers(
    store: *const eng_profile_store,
    out_customer: *mut u64,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let s = unsafe { handle_ref(store, "store")? };
        let out_len = unsafe { out(out_len, "out_len")? };
        let column = unsafe { out_column(out_customer, cap, "out_customer")? };
        fits(s.store.len(), cap, out_len)?;
        fill(column, s.store.customers());
        *out_len = s.store.len();
        Ok(())
    })
}

/// Merges every profile of `src` into `dst` (exact: any split of the
/// touchpoints over stores, merged in any order, gives the same store).
/// `src` is unchanged.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_INCOMPATIBLE` when the stores were
/// created with different signal configurations (then `dst` is unchanged);
/// `ENG_STATUS_NULL_POINTER`; `ENG_STATUS_POISONED`.
///
/// # Safety
/// Both must be live stores, and distinct; no other call may use `dst` at the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_merge(
    dst: *mut eng_profile_store,
    src: *const eng_profile_store,
) -> eng_status {
    boundary(|| {
        if std::ptr::eq(dst.cast_const(), src) {
            return Err(Failure::new(
                eng_status::Incompatible,
                "a store cannot be merged into itself",
            ));
        }
        // Messages call both arguments `store`.
        // SAFETY: the caller's promises.
        let from = unsafe { handle_ref(src, "store")? };
        let to = unsafe { handle_mut(dst, "store")? };
        Ok(to.mutate(|to| to.store.merge(&from.store))?)
    })
}

/// Registers a customer record given as JSON (`{"id": 7, "acquired_at": …,
/// "acquisition_channel": "ads", "birthday": {"month": 2, "day": 29}, …}`).
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_JSON`; `ENG_STATUS_INVALID_INPUT` (a
/// bad time or birthday); `ENG_STATUS_INVALID_UTF8`; `ENG_STATUS_NULL_POINTER`;
/// `ENG_STATUS_POISONED`.
///
/// # Safety
/// `json` must point to `len` readable bytes; no other call may use the store at the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_add_customer_json(
    store: *mut eng_profile_store,
    json: *const c_char,
    len: usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let s = unsafe { handle_mut(store, "store")? };
        let customer: engagement_core::Customer =
            unsafe { crate::json::document(json, len, "json")? };
        Ok(s.mutate(|s| s.store.add_customer(&customer))?)
    })
}

/// One customer's profile summary as JSON (fields as in
/// `eng_profile_store_profiles_json`). The string is owned by the caller and
/// released with `eng_string_free`; `out_len` may be NULL.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_UNKNOWN_ID`, `ENG_STATUS_NULL_POINTER`,
/// `ENG_STATUS_POISONED`.
///
/// # Safety
/// `out_json` must be valid for one write; `out_len` NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_profile_json(
    store: *const eng_profile_store,
    customer: u64,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let s = unsafe { handle_ref(store, "store")? };
        let summary = s.store.get(customer)?.summary();
        // SAFETY: as above.
        unsafe { crate::json::write(&summary, out_json, out_len) }
    })
}

/// Purchase totals over the store as JSON: `customers`, `buyers`, `orders`,
/// `revenue`, `refunds`, `average_order_value`, `purchase_frequency`.
/// Ownership as `eng_profile_store_profile_json`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_EMPTY_INPUT` (no purchase yet),
/// `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// As `eng_profile_store_profile_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_purchase_summary_json(
    store: *const eng_profile_store,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let s = unsafe { handle_ref(store, "store")? };
        let summary = engagement_core::purchase_summary(s.store.iter())?;
        // SAFETY: as above.
        unsafe { crate::json::write(&summary, out_json, out_len) }
    })
}

/// NPS over each customer's latest NPS answer, at confidence `level`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_EMPTY_INPUT` (no answers),
/// `ENG_STATUS_CONFIG` (level), `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `out_summary` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_nps(
    store: *const eng_profile_store,
    level: f64,
    out_summary: *mut crate::metrics::eng_nps_summary,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let s = unsafe { handle_ref(store, "store")? };
        let out_summary = unsafe { out(out_summary, "out_summary")? };
        *out_summary = engagement_core::nps_of_profiles(s.store.iter(), level)?.into();
        Ok(())
    })
}

/// CSAT over each customer's latest CSAT answer. Statuses as `eng_profile_store_nps`.
///
/// # Safety
/// `out_share` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_csat(
    store: *const eng_profile_store,
    level: f64,
    out_share: *mut crate::metrics::eng_proportion,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let s = unsafe { handle_ref(store, "store")? };
        let out_share = unsafe { out(out_share, "out_share")? };
        *out_share = engagement_core::csat_of_profiles(s.store.iter(), level)?.into();
        Ok(())
    })
}

/// Repeat-purchase rate: customers with two or more purchases among buyers,
/// with a Wilson interval. Statuses as `eng_profile_store_nps` (empty: no buyer).
///
/// # Safety
/// `out_share` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_repeat_rate(
    store: *const eng_profile_store,
    level: f64,
    out_share: *mut crate::metrics::eng_proportion,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let s = unsafe { handle_ref(store, "store")? };
        let out_share = unsafe { out(out_share, "out_share")? };
        *out_share = engagement_core::repeat_purchase_rate(s.store.iter(), level)?.into();
        Ok(())
    })
}

/// RFM scores of every customer with a purchase, at `as_of`, in ascending
/// customer id. `config_json` is an `RfmConfig`; NULL or empty for the
/// defaults, e.g. `{"bins": "customers", "monetary": "total"}`:
/// - `bins`: `"customers"` (the default) cuts the customers into fifths
///   (a customer with `a` customers of smaller value is in bin
///   `1 + 5a/n` rounded down; R is 6 − its bin), equal values sharing the
///   lowest bin their group spans, so a score may stay empty (most one-time
///   buyers at F = 1, none at F = 2); `"distinct_values"` cuts the distinct
///   values into fifths instead (the first edition's rule);
/// - `monetary`: `"total"` (the default) or `"average"` order value;
/// - `segments`: the (R, FM) table, a list of
///   `{"name": "champions", "r": [4, 5], "fm": [4, 5]}` in priority order
///   (`eng_rfm_segment_names_json` gives the default's names).
///
/// Outputs (any may be NULL): `out_customer`, `out_r`, `out_f`,
/// `out_m` (1–5), `out_code` (100R + 10F + M), `out_score` (R + F + M) and
/// `out_segment` (index into `eng_rfm_segment_names_json` of the same
/// configuration).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_BUFFER_TOO_SMALL`,
/// `ENG_STATUS_AS_OF_BEFORE_DATA`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_INVALID_UTF8`, `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// Every non-NULL output must be valid for `cap` writes; `out_len` for one;
/// `config_json` NULL or `config_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_rfm(
    store: *const eng_profile_store,
    as_of: i64,
    config_json: *const c_char,
    config_len: usize,
    out_customer: *mut u64,
    out_r: *mut u8,
    out_f: *mut u8,
    out_m: *mut u8,
    out_code: *mut u16,
    out_score: *mut u8,
    out_segment: *mut u16,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let s = unsafe { handle_ref(store, "store")? };
        let config: engagement_core::RfmConfig =
            unsafe { crate::json::config(config_json, config_len, "config_json")? };
        let scores = engagement_core::rfm_of_store(&s.store, as_of, &config)?;
        // SAFETY: as above.
        unsafe {
            crate::transactions::write_rfm(
                &scores,
                out_customer,
                out_r,
                out_f,
                out_m,
                out_code,
                out_score,
                out_segment,
                cap,
                out_len,
            )
        }
    })
}

/// Segment membership of every customer at `as_of`, for the definitions in
/// `set`, over the standard features (profile fields, the store's engagement
/// scores, stages under `stage_config_json`, RFM under `rfm_config_json`;
/// NULL or empty configurations mean the defaults).
///
/// `out_customer` receives the customer ids (ascending); `out_member`
/// receives `cap × eng_segment_set_len(set)` bytes, row-major:
/// byte `i · segments + s` is 1 when customer `i` (ascending id) is in segment
/// `s`, else 0. `out_primary` receives the first segment of each customer in
/// priority order, or −1. Either may be NULL. `*out_len` gets the number of
/// customers.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_BUFFER_TOO_SMALL`,
/// `ENG_STATUS_CONFIG` (a rule on a feature that is missing, or a bad
/// configuration), `ENG_STATUS_JSON`, `ENG_STATUS_AS_OF_BEFORE_DATA`,
/// `ENG_STATUS_NULL_POINTER`, `ENG_STATUS_POISONED`.
///
/// # Safety
/// `set` must be a live segment set; outputs valid for the sizes above.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_segments(
    store: *const eng_profile_store,
    set: *const crate::segments::eng_segment_set,
    as_of: i64,
    stage_config_json: *const c_char,
    stage_config_len: usize,
    rfm_config_json: *const c_char,
    rfm_config_len: usize,
    out_customer: *mut u64,
    out_member: *mut u8,
    out_primary: *mut i32,
    cap: usize,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let s = unsafe { handle_ref(store, "store")? };
        let set = unsafe { handle_ref(set, "set")? };
        let out_len = unsafe { out(out_len, "out_len")? };
        let segments = set.names().len();
        let member_cap = cap.checked_mul(segments).ok_or_else(|| {
            Failure::new(
                eng_status::InvalidInput,
                "argument cap: cap × segments is too large",
            )
        })?;
        let members = unsafe { out_column(out_member, member_cap, "out_member")? };
        let primary = unsafe { out_column(out_primary, cap, "out_primary")? };
        let customers = unsafe { out_column(out_customer, cap, "out_customer")? };
        fits(s.store.len(), cap, out_len)?;
        // SAFETY: the caller's promises on the configurations, forwarded.
        let m = unsafe {
            membership(
                s,
                set,
                as_of,
                (stage_config_json, stage_config_len),
                (rfm_config_json, rfm_config_len),
            )?
        };
        let mut flat = vec![0u8; m.customer.len() * segments];
        for (k, column) in m.member.iter().enumerate() {
            for (i, &b) in column.iter().enumerate() {
                flat[i * segments + k] = u8::from(b);
            }
        }
        let firsts: Vec<i32> = m.primary.iter().map(|p| p.map_or(-1, i32::from)).collect();
        fill(customers, &m.customer);
        fill(members, &flat);
        fill(primary, &firsts);
        *out_len = m.customer.len();
        Ok(())
    })
}

/// The segment membership of `eng_profile_store_segments` (same inputs and
/// statuses) as a table owned by the caller (`eng_table_free`): `customer`
/// (u64), `primary` (label: the first segment, in priority order, each
/// customer is in, -1 for none) and one u8 column per segment named `in:`
/// followed by the segment's name (1 when the customer is in it).
/// `eng_next_best_actions_table` takes it as it is.
///
/// # Safety
/// `store` a live store, `set` a live segment set; configurations NULL or
/// readable for their lengths; `out_segments` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_segments_table(
    store: *const eng_profile_store,
    set: *const crate::segments::eng_segment_set,
    as_of: i64,
    stage_config_json: *const c_char,
    stage_config_len: usize,
    rfm_config_json: *const c_char,
    rfm_config_len: usize,
    out_segments: *mut *mut crate::table::eng_table,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let s = unsafe { handle_ref(store, "store")? };
        let set = unsafe { handle_ref(set, "set")? };
        let out_segments = unsafe { out(out_segments, "out_segments")? };
        // SAFETY: the caller's promises on the configurations, forwarded.
        let m = unsafe {
            membership(
                s,
                set,
                as_of,
                (stage_config_json, stage_config_len),
                (rfm_config_json, rfm_config_len),
            )?
        };
        let table = engagement_core::table::ToTable::to_table(&m);
        hand_out(
            crate::table::TableHandle::new(table, crate::table::Source::Segments(m)),
            out_segments,
        );
        Ok(())
    })
}

/// The segment membership of the standard features, as both segment calls
/// give it.
///
/// # Safety
/// Each configuration NULL or readable for its length.
unsafe fn membership(
    s: &Store,
    set: &engagement_core::SegmentSet,
    as_of: i64,
    stage_config: (*const c_char, usize),
    rfm_config: (*const c_char, usize),
) -> Result<engagement_core::SegmentMembership, Failure> {
    // SAFETY: forwarded from the caller.
    let stage_config: StageConfig =
        unsafe { crate::json::config(stage_config.0, stage_config.1, "stage_config_json")? };
    // SAFETY: forwarded from the caller.
    let rfm_config: engagement_core::RfmConfig =
        unsafe { crate::json::config(rfm_config.0, rfm_config.1, "rfm_config_json")? };
    let features = engagement_core::CustomerFeatures::standard(
        &s.store,
        as_of,
        &s.scorer,
        &StageRules::new(stage_config)?,
        &rfm_config,
    )?;
    Ok(set.evaluate(&features)?)
}

/// Segment membership as `eng_profile_store_segments` computes it, as the
/// JSON document that `eng_next_best_actions_json` takes as its
/// `membership_json`, unchanged:
/// `{"customer": [1, 2], "names": ["big", "active"], "member": [[true,
/// false], [true, true]], "primary": [0, 1]}`: customers ascending, segment
/// names in priority order, `member[s][i]` whether customer `i` is in
/// segment `s` (one list per segment), and `primary[i]` the first segment
/// (an index into `names`) or `null`. Owned by the caller (release with
/// `eng_string_free`); `*out_len` (if not NULL) gets its length in bytes.
///
/// Returns as `eng_profile_store_segments`, without
/// `ENG_STATUS_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `store` and `set` live handles; configurations NULL or readable for their
/// lengths; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_segments_json(
    store: *const eng_profile_store,
    set: *const crate::segments::eng_segment_set,
    as_of: i64,
    stage_config_json: *const c_char,
    stage_config_len: usize,
    rfm_config_json: *const c_char,
    rfm_config_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        unsafe {
            let s = handle_ref(store, "store")?;
            let set = handle_ref(set, "set")?;
            let m = membership(
                s,
                set,
                as_of,
                (stage_config_json, stage_config_len),
                (rfm_config_json, rfm_config_len),
            )?;
            crate::json::write(&m, out_json, out_len)
        }
    })
}
