//! `eng_profile_store`: customer profiles that touchpoints are pushed into,
//! and the per-customer results read back from them.

use std::ffi::c_char;

use engagement_core::{
    Code, ProfileStore, ScoreConfig, Scorer, StageConfig, StageRules, TouchpointColumns,
};

use crate::boundary::{Failure, Outcome, boundary};
use crate::handle::{fill, fits, into_c_string, optional, out, out_column, slice, text};
use crate::status::eng_status;

/// An opaque store of customer profiles, with the engagement-score
/// configuration it was created with.
///
/// Thread safety: a store may be read (`_len`, `_customers`, `_scores`,
/// `_stages`, `_profiles_json`) from several threads at once, but a call that
/// changes it (`_push`) must not run at the same time as any other call on the
/// same store.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_profile_store {
    _private: [u8; 0],
}

struct Store {
    store: ProfileStore,
    scorer: Scorer,
    poisoned: bool,
}

/// # Safety
/// `ptr` must be NULL or a live store from `eng_profile_store_new`.
unsafe fn live<'a>(ptr: *const eng_profile_store) -> Result<&'a Store, Failure> {
    if ptr.is_null() {
        return Err(Failure::new(
            eng_status::NullPointer,
            "argument store is NULL",
        ));
    }
    // SAFETY: the caller promises a live store, which is a `Box<Store>` cast.
    let s = unsafe { &*ptr.cast::<Store>() };
    if s.poisoned {
        return Err(Failure::new(
            eng_status::Poisoned,
            "store is poisoned: an earlier call on it panicked",
        ));
    }
    Ok(s)
}

/// # Safety
/// As [`store`], and no other call may use the store at the same time.
unsafe fn store_mut<'a>(ptr: *mut eng_profile_store) -> Result<&'a mut Store, Failure> {
    // SAFETY: forwarded; exclusivity is the caller's promise.
    unsafe { live(ptr)? };
    // SAFETY: checked non-NULL and live above.
    Ok(unsafe { &mut *ptr.cast::<Store>() })
}

/// # Safety
/// `ptr` must be NULL or point to `len` bytes of UTF-8.
unsafe fn json_config<T: serde::de::DeserializeOwned + Default>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    let s = unsafe { text(ptr, len, name)? };
    if s.trim().is_empty() {
        return Ok(T::default());
    }
    serde_json::from_str(s).map_err(|e| Failure::from(engagement_core::EngError::from(e)))
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
        let config: ScoreConfig = unsafe { json_config(config_json, config_len, "config_json")? };
        let scorer = Scorer::new(config)?;
        let store = ProfileStore::with_signals(scorer.signals().clone());
        *out_store = Box::into_raw(Box::new(Store {
            store,
            scorer,
            poisoned: false,
        }))
        .cast();
        Ok(())
    })
}

/// Releases a store. Calling with NULL is fine. Must not be called twice on
/// the same store, and the store must not be used afterwards.
///
/// # Safety
/// `store` must be NULL or a live store from `eng_profile_store_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_free(store: *mut eng_profile_store) {
    let _ = boundary(|| {
        if !store.is_null() {
            // SAFETY: the caller promises a live store from `Box::into_raw`.
            drop(unsafe { Box::from_raw(store.cast::<Store>()) });
        }
        Ok(())
    });
}

/// Adds `len` touchpoints given as columns (any order, any customers).
///
/// Required columns: `customer` (ids), `time` (Unix seconds), `channel` and
/// `kind` (codes: the `ENG_CHANNEL_*` and `ENG_KIND_*` constants). Optional columns may be NULL: `value` (money ≥ 0; NULL = 0),
/// `rating` with `rating_scale` (NaN = no rating on that row; scales
/// `ENG_SCALE_NPS` 0–10, `ENG_SCALE_CSAT` 1–5, `ENG_SCALE_CES` 1–7). All rows are checked before any is
/// applied: on error the store is unchanged. The columns are read during the
/// call only.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_NULL_POINTER` (the store or a
/// required column NULL with `len > 0`, or `rating` without `rating_scale`);
/// `ENG_STATUS_INVALID_INPUT` (a bad value or code; the message names the
/// column and the row); `ENG_STATUS_POISONED`.
///
/// # Safety
/// Every non-NULL column must point to `len` readable elements; no other call
/// may use the store at the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_profile_store_push(
    store: *mut eng_profile_store,
    customer: *const u64,
    time: *const i64,
    channel: *const u8,
    kind: *const u8,
    value: *const f64,
    rating: *const f32,
    rating_scale: *const u8,
    len: usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded to each conversion.
        let s = unsafe { store_mut(store)? };
        let cols = unsafe {
            TouchpointColumns {
                customer: slice(customer, len, "customer")?,
                time: slice(time, len, "time")?,
                channel: slice(channel, len, "channel")?,
                kind: slice(kind, len, "kind")?,
                value: optional(value, len, "value")?,
                rating: optional(rating, len, "rating")?,
                rating_scale: optional(rating_scale, len, "rating_scale")?,
            }
        };
        if !cols.rating.is_empty() && cols.rating_scale.is_empty() {
            return Err(Failure::new(
                eng_status::NullPointer,
                "argument rating_scale is NULL but rating is not",
            ));
        }
        s.poisoned = true;
        let result = s.store.push_columns(&cols);
        s.poisoned = false;
        result.map_err(Failure::from)
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
        let s = unsafe { live(store)? };
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
        let s = unsafe { live(store)? };
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
        let s = unsafe { live(store)? };
        let out_len = unsafe { out(out_len, "out_len")? };
        let config: StageConfig = unsafe { json_config(config_json, config_len, "config_json")? };
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
        let s = unsafe { live(store)? };
        let out_json = unsafe { out(out_json, "out_json")? };
        let summaries: Vec<_> = s.store.iter().map(|p| p.summary()).collect();
        let json = serde_json::to_string(&summaries)
            .map_err(|e| Failure::from(engagement_core::EngError::from(e)))?;
        let len = json.len();
        *out_json = into_c_string(json)?;
        if !out_len.is_null() {
            // SAFETY: non-NULL and writable by the caller's promise.
            unsafe { *out_len = len };
        }
        Ok(())
    })
}
